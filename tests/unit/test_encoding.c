/*
 * test_encoding.c — hex, base64, secret handling and the crypto backend's
 * known-answer tests (FIPS-197, RFC 1321, FIPS 180-2, RFC 2202, RFC 4231,
 * RFC 4648 §10, the GCM specification's AES-256 test cases).
 */
#include <string.h>

#include "b64.h"
#include "crypto.h"
#include "hex.h"
#include "secret.h"
#include "suites.h"

START_TEST(hex_round_trip)
{
	uint8_t in[4] = { 0x00, 0xab, 0x7f, 0xff }, out[4];
	char text[HEX_LEN(4)];

	ck_assert_str_eq(hex_encode(in, 4, text), "00ab7fff");
	ck_assert_int_eq(hex_decode("00AB7fFF", out, sizeof(out)), 4);
	ck_assert(memcmp(in, out, 4) == 0);
	ck_assert_int_eq(hex_decode("0x00ab", out, sizeof(out)), 2);
	ck_assert_int_eq(hex_decode("", out, sizeof(out)), 0);
	ck_assert_int_eq(hex_decode_exact("00ab7fff", out, 4), 0);
}
END_TEST

START_TEST(hex_rejects)
{
	uint8_t out[4];

	ck_assert_int_eq(hex_decode("abc", out, sizeof(out)), -1);	/* odd */
	ck_assert_int_eq(hex_decode("zz", out, sizeof(out)), -1);
	ck_assert_int_eq(hex_decode("00 11", out, sizeof(out)), -1);
	ck_assert_int_eq(hex_decode("0011223344", out, sizeof(out)), -1);
	ck_assert_int_eq(hex_decode_exact("001122", out, 4), -1);	/* short */
}
END_TEST

static const struct { const char *raw, *b64; } rfc4648[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

START_TEST(b64_rfc4648)
{
	char text[16];
	uint8_t raw[16];
	size_t n = strlen(rfc4648[_i].raw);

	ck_assert_uint_eq(b64_encode(rfc4648[_i].raw, n, text),
	    strlen(rfc4648[_i].b64));
	ck_assert_str_eq(text, rfc4648[_i].b64);
	ck_assert_int_eq(b64_decode(text, strlen(text), raw, sizeof(raw)),
	    (int)n);
	ck_assert(memcmp(raw, rfc4648[_i].raw, n) == 0);
}
END_TEST

START_TEST(b64_rejects)
{
	static const char *bad[] = {
		"Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm9v\n", "Zm 9", "Zg==Zg==",
		"=Zg=", "Zm9vYg=a", "Zm!v",
	};
	uint8_t raw[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(b64_decode(bad[i], strlen(bad[i]), raw,
		    sizeof(raw)) == -1, "accepted '%s'", bad[i]);
	/* output cap */
	ck_assert_int_eq(b64_decode("Zm9vYmFy", 8, raw, 5), -1);
	ck_assert_int_eq(b64_decode("Zm9vYmE=", 8, raw, 4), -1);
}
END_TEST

START_TEST(secret_compare_wipe)
{
	uint8_t a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, b[8];

	memcpy(b, a, 8);
	ck_assert_int_eq(ct_memeq(a, b, 8), 1);
	b[7] ^= 0x80;
	ck_assert_int_eq(ct_memeq(a, b, 8), 0);
	ck_assert_int_eq(ct_memeq(a, b, 0), 1);
	ck_assert_int_eq(ct_streq("abc", "abc"), 1);
	ck_assert_int_eq(ct_streq("abc", "abd"), 0);
	ck_assert_int_eq(ct_streq("abc", "abcd"), 0);
	secret_wipe(a, sizeof(a));
	memset(b, 0, sizeof(b));
	ck_assert(memcmp(a, b, 8) == 0);
	secret_wipe(NULL, 8);
}
END_TEST

START_TEST(crypto_kat)
{
	uint8_t key[16], pt[16], out[32], k20[20];

	/* FIPS-197 Appendix C.1 */
	struct crypto_aes128 aes;
	test_unhex("000102030405060708090a0b0c0d0e0f", key, 16);
	test_unhex("00112233445566778899aabbccddeeff", pt, 16);
	crypto_aes128_init(&aes, key);
	crypto_aes128_encrypt(&aes, pt, out);
	crypto_aes128_clear(&aes);
	ck_assert_hex(out, 16, "69c4e0d86a7b0430d8cdb78070b4c55a");

	crypto_md5("abc", 3, out);
	ck_assert_hex(out, 16, "900150983cd24fb0d6963f7d28e17f72");
	crypto_sha256("abc", 3, out);
	ck_assert_hex(out, 32,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	/* RFC 2202 test case 1, RFC 4231 test case 1 */
	memset(k20, 0x0b, sizeof(k20));
	crypto_hmac_md5(k20, 16, "Hi There", 8, out);
	ck_assert_hex(out, 16, "9294727a3638bb1c13f48ef8158bfc9d");
	crypto_hmac_sha256(k20, 20, "Hi There", 8, out);
	ck_assert_hex(out, 32,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}
END_TEST

/*
 * AES-256-GCM: test cases 14 and 16 of McGrew & Viega, "The Galois/Counter
 * Mode of Operation (GCM)", revised 2005, Appendix B (also in the NIST GCM
 * validation set); cross-checked with Python's cryptography AESGCM.
 */
START_TEST(crypto_gcm_kat)
{
	uint8_t key[32], iv[12], ad[20], pt[64], ct[64 + 16], back[64];
	uint8_t zero[60];
	static const char tc16_c[] =
	    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";

	/* Test case 14: zero key, zero IV, one zero block, no AD. */
	memset(key, 0, sizeof(key));
	memset(iv, 0, sizeof(iv));
	memset(pt, 0, 16);
	ck_assert_int_eq(crypto_aes256_gcm_seal(key, iv, NULL, 0, pt, 16, ct), 0);
	ck_assert_hex(ct, 16, "cea7403d4d606b6e074ec5d3baf39d18");
	ck_assert_hex(ct + 16, 16, "d0d1c8a799996bf0265b98b5d48ab919");

	/* Test case 16: 60 octets of plaintext, 20 of AD. */
	test_unhex("feffe9928665731c6d6a8f9467308308"
	    "feffe9928665731c6d6a8f9467308308", key, 32);
	test_unhex("cafebabefacedbaddecaf888", iv, 12);
	test_unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", ad, 20);
	test_unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d"
	    "8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	    pt, 60);
	ck_assert_int_eq(crypto_aes256_gcm_seal(key, iv, ad, 20, pt, 60, ct), 0);
	ck_assert_hex(ct, 60, tc16_c);
	ck_assert_hex(ct + 60, 16, "76fc6ece0f4e1768cddf8853bb2d551b");
	ck_assert_int_eq(crypto_aes256_gcm_open(key, iv, ad, 20, ct, 76, back),
	    0);
	ck_assert_mem_eq(back, pt, 60);

	/* In place, both ways. */
	memcpy(ct, pt, 60);
	crypto_aes256_gcm_seal(key, iv, ad, 20, ct, 60, ct);
	ck_assert_hex(ct, 60, tc16_c);
	ck_assert_int_eq(crypto_aes256_gcm_open(key, iv, ad, 20, ct, 76, ct), 0);
	ck_assert_mem_eq(ct, pt, 60);

	/* Any change to tag, ciphertext or AD fails, and nothing leaks. */
	crypto_aes256_gcm_seal(key, iv, ad, 20, pt, 60, ct);
	ct[75] ^= 0x01;
	memset(back, 0xaa, sizeof(back));
	ck_assert_int_eq(crypto_aes256_gcm_open(key, iv, ad, 20, ct, 76, back),
	    -1);
	memset(zero, 0, sizeof(zero));
	ck_assert_mem_eq(back, zero, 60);
	ct[75] ^= 0x01;
	ct[0] ^= 0x80;
	ck_assert_int_eq(crypto_aes256_gcm_open(key, iv, ad, 20, ct, 76, back),
	    -1);
	ct[0] ^= 0x80;
	ad[19] ^= 0x01;
	ck_assert_int_eq(crypto_aes256_gcm_open(key, iv, ad, 20, ct, 76, back),
	    -1);
	ad[19] ^= 0x01;
	ck_assert_int_eq(crypto_aes256_gcm_open(key, iv, ad, 20, ct, 76, back),
	    0);
	ck_assert_int_eq(crypto_aes256_gcm_open(key, iv, ad, 20, ct, 15, back),
	    -1);
}
END_TEST

START_TEST(crypto_hash_pieces)
{
	struct crypto_hash_ctx c;
	uint8_t out[32];

	crypto_hash_init(&c, CRYPTO_HASH_SHA256);
	crypto_hash_update(&c, "a", 1);
	crypto_hash_update(&c, "bc", 2);
	crypto_hash_final(&c, out);
	ck_assert_hex(out, 32,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_hash_init(&c, CRYPTO_HASH_MD5);
	crypto_hash_update(&c, "ab", 2);
	crypto_hash_update(&c, "c", 1);
	crypto_hash_final(&c, out);
	ck_assert_hex(out, 16, "900150983cd24fb0d6963f7d28e17f72");
	ck_assert_uint_eq(crypto_hash_len(CRYPTO_HASH_MD5), 16);
	ck_assert_uint_eq(crypto_hash_len(CRYPTO_HASH_SHA256), 32);
}
END_TEST

START_TEST(crypto_random_differs)
{
	uint8_t a[16], b[16];

	ck_assert_int_eq(crypto_random(a, sizeof(a), 1), 0);
	ck_assert_int_eq(crypto_random(b, sizeof(b), 0), 0);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
}
END_TEST

Suite *
suite_encoding(void)
{
	Suite *s = suite_create("encoding");
	TCase *tc;

	tc = tcase_create("hex");
	tcase_add_test(tc, hex_round_trip);
	tcase_add_test(tc, hex_rejects);
	suite_add_tcase(s, tc);
	tc = tcase_create("b64");
	tcase_add_loop_test(tc, b64_rfc4648, 0,
	    sizeof(rfc4648) / sizeof(rfc4648[0]));
	tcase_add_test(tc, b64_rejects);
	suite_add_tcase(s, tc);
	tc = tcase_create("secret");
	tcase_add_test(tc, secret_compare_wipe);
	suite_add_tcase(s, tc);
	tc = tcase_create("crypto");
	tcase_add_test(tc, crypto_kat);
	tcase_add_test(tc, crypto_gcm_kat);
	tcase_add_test(tc, crypto_hash_pieces);
	tcase_add_test(tc, crypto_random_differs);
	suite_add_tcase(s, tc);
	return s;
}
