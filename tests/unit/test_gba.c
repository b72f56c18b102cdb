/*
 * test_gba.c — TS 33.220 Annex B KDF, Ks_NAF, NAF_Id and B-TID.
 *
 * Vectors: GBA.md §7 (LOCAL worked example, computed by an independent
 * implementation and re-checked with openssl; no published GBA KDF vectors
 * exist — GBA.md §2.6). Inputs are Milenage Test Set 1.
 */
#include <string.h>

#include "b64.h"
#include "gba.h"
#include "hex.h"
#include "suites.h"

/* GBA.md §7.1 */
static const char *ck_hex = "b40ba9a3c58b2a05bbf0d987b21bf8cb";
static const char *ik_hex = "f769bcd751044604127672711c6d3441";
static const char *rand_hex = "23553cbe9637a89d218ae64dae47bf35";
static const char *impi = "user1_private@home1.net";
static const char *naf = "naf1.home1.net";

static const struct {
	const char	*name;
	uint8_t		 ua_id[5];
	const char	*ks_naf;
	const char	*b64;
} ks_naf_vectors[] = {
	/* GBA.md §7.3, HTTP Digest (24.109 cl. 5) */
	{ "digest", { 0x01, 0x00, 0x00, 0x00, 0x02 },
	  "7c351b69c4910d2da5a312ad73ce3ac7be6f46165fdb9ffc3494d874aca8a501",
	  "fDUbacSRDS2loxKtc846x75vRhZf25/8NJTYdKyopQE=" },
	/* 33.222 TLS, TLS_RSA_WITH_AES_128_CBC_SHA */
	{ "tls-rsa", { 0x01, 0x00, 0x01, 0x00, 0x2f },
	  "b84c7addb52b27169b4415b71d4001af2f39e42b264ed896b098ee3bf8d0725f",
	  "uEx63bUrJxabRBW3HUABry855CsmTtiWsJjuO/jQcl8=" },
	/* 33.222 TLS-PSK, TLS_PSK_WITH_AES_128_CBC_SHA */
	{ "tls-psk", { 0x01, 0x00, 0x01, 0x00, 0x8c },
	  "a3c592c41b712a2f16b392811b666d5dcda02a29a27896db8b3ca3986997b323",
	  "o8WSxBtxKi8Ws5KBG2ZtXc2gKimieJbbizyjmGmXsyM=" },
};

static void
test_ks(uint8_t ks[GBA_KS_LEN])
{
	uint8_t ck[16], ik[16];

	test_unhex(ck_hex, ck, 16);
	test_unhex(ik_hex, ik, 16);
	gba_ks(ck, ik, ks);
}

START_TEST(ks_is_ck_ik)
{
	uint8_t ks[GBA_KS_LEN];

	test_ks(ks);
	ck_assert_hex(ks, GBA_KS_LEN,
	    "b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441");
}
END_TEST

START_TEST(ks_naf_vector)
{
	uint8_t ks[GBA_KS_LEN], rand[16], naf_id[GBA_NAF_ID_MAX], out[GBA_KEY_LEN];
	size_t naf_id_len;
	char b64[64];

	test_ks(ks);
	test_unhex(rand_hex, rand, 16);
	ck_assert_int_eq(gba_naf_id(naf, ks_naf_vectors[_i].ua_id, naf_id,
	    sizeof(naf_id), &naf_id_len), 0);
	ck_assert_uint_eq(naf_id_len, strlen(naf) + 5);
	ck_assert_int_eq(gba_ks_naf(ks, rand, impi, naf_id, naf_id_len, out), 0);
	ck_assert_hex(out, GBA_KEY_LEN, ks_naf_vectors[_i].ks_naf);
	b64_encode(out, GBA_KEY_LEN, b64);
	ck_assert_str_eq(b64, ks_naf_vectors[_i].b64);
}
END_TEST

/* The same S as GBA.md §7.3 (first NAF_Id) through the generic KDF. */
START_TEST(kdf_generic_matches_ks_naf)
{
	uint8_t ks[GBA_KS_LEN], rand[16], out[GBA_KEY_LEN], fc = 0x01;
	uint8_t naf_id[] = "naf1.home1.net\x01\x00\x00\x00\x02";
	struct gba_param p[4] = {
		{ (const uint8_t *)"gba-me", 6 },
		{ rand, 16 },
		{ (const uint8_t *)"user1_private@home1.net", 23 },
		{ naf_id, 19 },
	};

	test_ks(ks);
	test_unhex(rand_hex, rand, 16);
	ck_assert_int_eq(gba_kdf(ks, sizeof(ks), &fc, 1, p, 4, out), 0);
	ck_assert_hex(out, GBA_KEY_LEN,
	    "7c351b69c4910d2da5a312ad73ce3ac7be6f46165fdb9ffc3494d874aca8a501");
}
END_TEST

START_TEST(ks_int_naf_vector)
{
	uint8_t ks[GBA_KS_LEN], rand[16], naf_id[GBA_NAF_ID_MAX], out[GBA_KEY_LEN];
	size_t n;

	test_ks(ks);
	test_unhex(rand_hex, rand, 16);
	ck_assert_int_eq(gba_naf_id(naf, gba_ua_http_digest, naf_id,
	    sizeof(naf_id), &n), 0);
	ck_assert_int_eq(gba_ks_int_naf(ks, rand, impi, naf_id, n, out), 0);
	ck_assert_hex(out, GBA_KEY_LEN,
	    "dc1ceb72700b7c0e17c8eac76838f8bafb134885011e713f782bfca16a2df691");
}
END_TEST

/* Extended FC, zero parameters and an empty parameter: checked against
 * HMAC-SHA-256 of the S octets computed by hand (openssl dgst -mac HMAC). */
START_TEST(kdf_forms)
{
	uint8_t key[4] = { 1, 2, 3, 4 }, out[GBA_KEY_LEN], out2[GBA_KEY_LEN];
	uint8_t fc1 = 0x01, fcx[2] = { 0xff, 0x01 }, fcbad[2] = { 0x01, 0x01 };
	uint8_t ff = 0xff;
	struct gba_param empty = { NULL, 0 };

	ck_assert_int_eq(gba_kdf(key, 4, &fc1, 1, NULL, 0, out), 0);
	ck_assert_hex(out, GBA_KEY_LEN,	/* S = 01 */
	    "f1c119d0c8c4ff2f6775937b209621c2d6ce8f391b32f96a096ee9b919776036");
	ck_assert_int_eq(gba_kdf(key, 4, fcx, 2, NULL, 0, out2), 0);
	ck_assert_hex(out2, GBA_KEY_LEN,	/* S = ff 01 */
	    "a59f0e83b4a4e94750390506177d684cc63dabdb97d006145f383a8df634fc48");
	/* An empty Pi still contributes its length: S = 01 00 00. */
	ck_assert_int_eq(gba_kdf(key, 4, &fc1, 1, &empty, 1, out2), 0);
	ck_assert_hex(out2, GBA_KEY_LEN,
	    "d0f889bfa479879ad9ec4c8c147a5027c3f6ac5b5deb1200c016dd075d74e090");
	ck_assert_int_eq(gba_kdf(key, 4, fcbad, 2, NULL, 0, out), GBA_E_FC);
	ck_assert_int_eq(gba_kdf(key, 4, &ff, 1, NULL, 0, out), GBA_E_FC);
	ck_assert_int_eq(gba_kdf(key, 4, fcx, 0, NULL, 0, out), GBA_E_FC);
}
END_TEST

START_TEST(kdf_param_too_long)
{
	static uint8_t big[GBA_PARAM_MAX + 1];
	uint8_t key[4] = { 0 }, out[GBA_KEY_LEN], fc = 1;
	struct gba_param p = { big, sizeof(big) };

	ck_assert_int_eq(gba_kdf(key, 4, &fc, 1, &p, 1, out), GBA_E_PARAM);
	p.len = GBA_PARAM_MAX;
	ck_assert_int_eq(gba_kdf(key, 4, &fc, 1, &p, 1, out), 0);
}
END_TEST

START_TEST(non_ascii_refused)
{
	uint8_t ks[GBA_KS_LEN] = { 0 }, rand[16] = { 0 }, out[GBA_KEY_LEN];
	uint8_t naf_id[GBA_NAF_ID_MAX];
	size_t n;

	ck_assert_int_eq(gba_naf_id("n\xc3\xa4" "f.example", gba_ua_tls13, naf_id,
	    sizeof(naf_id), &n), GBA_E_NONASCII);
	ck_assert_int_eq(gba_naf_id("", gba_ua_tls13, naf_id, sizeof(naf_id),
	    &n), GBA_E_SYNTAX);
	ck_assert_int_eq(gba_naf_id("naf.example", gba_ua_tls13, naf_id, 8,
	    &n), GBA_E_SPACE);
	ck_assert_int_eq(gba_naf_id("naf.example", gba_ua_tls13, naf_id,
	    sizeof(naf_id), &n), 0);
	ck_assert_int_eq(gba_ks_naf(ks, rand, "j\xc3\xbcrgen@ims.example", naf_id,
	    n, out), GBA_E_NONASCII);
	ck_assert_ptr_nonnull(strstr(gba_strerror(GBA_E_NONASCII), "NFKC"));
}
END_TEST

START_TEST(btid_build_parse)
{
	uint8_t rand[16], back[16];
	char btid[GBA_BTID_MAX], fqdn[64];

	test_unhex(rand_hex, rand, 16);
	ck_assert_int_eq(gba_btid_build(rand, "bsf.home1.net", btid,
	    sizeof(btid)), 0);
	/* GBA.md §7.1 */
	ck_assert_str_eq(btid, "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net");
	ck_assert_int_eq(gba_btid_parse(btid, back, fqdn, sizeof(fqdn)), 0);
	ck_assert(memcmp(rand, back, 16) == 0);
	ck_assert_str_eq(fqdn, "bsf.home1.net");
	ck_assert_int_eq(gba_btid_build(rand, "bsf.home1.net", btid, 30),
	    GBA_E_SPACE);
}
END_TEST

START_TEST(btid_parse_rejects)
{
	static const char *bad[] = {
		"",
		"I1U8vpY3qJ0hiuZNrke/NQ==",		/* no @ */
		"I1U8vpY3qJ0hiuZNrke/NQ==@",		/* no FQDN */
		"@bsf.home1.net",			/* no RAND */
		"I1U8vpY3qJ0hiuZNrke/NQ@bsf.home1.net",	/* unpadded */
		"I1U8vpY3qJ0hiuZNrke/NQAA@bsf.home1.net",	/* 18 octets */
		"I1U8vpY3qJ0hiuZNrke/NR==@bsf.home1.net", /* non-zero pad bits */
		"I1U8vpY3qJ0hiuZNrke!NQ==@bsf.home1.net",	/* bad character */
		"I1U8vpY3qJ0hiuZNrke/NQ==@bsf home1.net",	/* space */
	};
	char fqdn[4];

	ck_assert_int_eq(gba_btid_parse(bad[_i], NULL, NULL, 0), GBA_E_SYNTAX);
	if (_i == 0)
		ck_assert_int_eq(gba_btid_parse(
		    "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net", NULL, fqdn,
		    sizeof(fqdn)), GBA_E_SPACE);
}
END_TEST

START_TEST(psk_identity)
{
	const char *b = "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net";

	ck_assert_str_eq(gba_psk_identity_btid(
	    "3GPP-bootstrapping.I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net"), b);
	ck_assert_str_eq(gba_psk_identity_btid(b), b);
	ck_assert_ptr_null(gba_psk_identity_btid("3GPP-bootstrapping."));
	ck_assert_ptr_null(gba_psk_identity_btid("3GPP-bootstrapping"));
	ck_assert_ptr_null(gba_psk_identity_btid("alice"));
}
END_TEST

Suite *
suite_gba(void)
{
	Suite *s = suite_create("gba");
	TCase *tc;

	tc = tcase_create("ks_naf");
	tcase_add_test(tc, ks_is_ck_ik);
	tcase_add_loop_test(tc, ks_naf_vector, 0,
	    sizeof(ks_naf_vectors) / sizeof(ks_naf_vectors[0]));
	tcase_add_test(tc, kdf_generic_matches_ks_naf);
	tcase_add_test(tc, ks_int_naf_vector);
	suite_add_tcase(s, tc);

	tc = tcase_create("kdf");
	tcase_add_test(tc, kdf_forms);
	tcase_add_test(tc, kdf_param_too_long);
	tcase_add_test(tc, non_ascii_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("btid");
	tcase_add_test(tc, btid_build_parse);
	tcase_add_loop_test(tc, btid_parse_rejects, 0, 9);
	tcase_add_test(tc, psk_identity);
	suite_add_tcase(s, tc);
	return s;
}
