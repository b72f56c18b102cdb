/*
 * test_digest.c — HTTP Digest: published vectors (RFC 2617 §3.5, RFC 7616
 * §3.9.1, the Digest-AKA vectors of GBA.md §6.2), the LOCAL Ub example of
 * GBA.md §7.2, header parsing (tolerance and every rejection), building
 * and round trips.
 */
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "hex.h"
#include "suites.h"

/* ---------------------------------------------------------------------- */
/* Computation vectors                                                    */

/* The exact 199-octet BootstrappingInfo body of GBA.md §7.2. */
static const char bsf_body[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<BootstrappingInfo xmlns=\"uri:3gpp-gba\">\n"
    "  <btid>I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net</btid>\n"
    "  <lifetime>2004-01-09T10:13:17Z</lifetime>\n"
    "</BootstrappingInfo>\n";

/* GBA.md §7.1, Milenage Test Set 1. */
#define TS1_RES		"a54211d5e3ba50bf"
#define TS1_CK		"b40ba9a3c58b2a05bbf0d987b21bf8cb"
#define TS1_IK		"f769bcd751044604127672711c6d3441"
#define TS1_NONCE	"I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M="
#define UB_USER		"user1_private@home1.net"
#define UB_REALM	"bsf.home1.net"
#define UB_CNONCE	"6629fae49393a05397450978507c4ef1"

#define N7616		"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define C7616		"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

struct resp_vec {
	const char	*what;
	const char	*alg;
	const char	*username;
	const char	*realm;
	const char	*pw;		/* text password, or ... */
	const char	*pw_hex;	/* ... raw octets as hex */
	const char	*method;
	const char	*uri;
	const char	*nonce;
	const char	*nc;
	const char	*cnonce;
	const char	*qop;
	int		 bsf_body;	/* 1: the §7.2 body */
	const char	*want;
};

static const struct resp_vec resp_vecs[] = {
	/* RFC 2617 §3.5 */
	{ "RFC 2617 Mufasa", "MD5", "Mufasa", "testrealm@host.com",
	  "Circle Of Life", NULL, "GET", "/dir/index.html",
	  "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b",
	  "auth", 0, "6629fae49393a05397450978507c4ef1" },
	/* RFC 7616 §3.9.1, SHA-256 and MD5 */
	{ "RFC 7616 SHA-256", "SHA-256", "Mufasa", "http-auth@example.org",
	  "Circle of Life", NULL, "GET", "/dir/index.html", N7616,
	  "00000001", C7616, "auth", 0,
	  "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1" },
	{ "RFC 7616 MD5", "MD5", "Mufasa", "http-auth@example.org",
	  "Circle of Life", NULL, "GET", "/dir/index.html", N7616,
	  "00000001", C7616, "auth", 0, "8ca523f5e9506fed4657c9700eebdbec" },
	/* Not published: the same inputs cross-computed with Python's
	 * hashlib, for -sess, RFC 2069 (no qop) and SHA-256 auth-int. */
	{ "MD5-sess (local)", "MD5-sess", "Mufasa", "testrealm@host.com",
	  "Circle Of Life", NULL, "GET", "/dir/index.html",
	  "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b",
	  "auth", 0, "8e3825c57e897f5a0dec6c2d4e5059d0" },
	{ "SHA-256-sess (local)", "SHA-256-sess", "Mufasa",
	  "http-auth@example.org", "Circle of Life", NULL, "GET",
	  "/dir/index.html", N7616, "00000001", C7616, "auth", 0,
	  "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7" },
	{ "RFC 2069 no qop (local)", "MD5", "Mufasa", "testrealm@host.com",
	  "Circle Of Life", NULL, "GET", "/dir/index.html",
	  "dcd98b7102dd2f0e8b11d0f600bfb0c093", NULL, NULL, NULL, 0,
	  "670fd8c2df070c60b045671b8b24ff02" },
	/* GBA.md §6.2: AKAv1-MD5, password = raw RES octets */
	{ "AKAv1 vector 1 (Anritsu)", "AKAv1-MD5",
	  "466058041131504@ims.mnc005.mcc466.3gppnetwork.org",
	  "ims.mnc005.mcc466.3gppnetwork.org", NULL,
	  "000102030405060708090a0b0c0d0e0f", "REGISTER",
	  "sip:ims.mnc005.mcc466.3gppnetwork.org",
	  "AAAAAAAAAAAAAAAAAAAAAAMEBQYHCAAAAAECAwQFBgc=", "00000001",
	  "YD05duxy", "auth", 0, "c76c2c281a21c0d6131e667d61a6bdf5" },
	{ "AKAv1 vector 2 (iPhone)", "AKAv1-MD5",
	  "450050020150513@ims.mnc005.mcc450.3gppnetwork.org",
	  "ims.mnc005.mcc450.3gppnetwork.org", NULL,
	  "00000000000000000000000000000000", "REGISTER",
	  "sip:ims.mnc005.mcc450.3gppnetwork.org",
	  "AAECAwQFBgcICQoLDA0ODwAAAAAAAAAAAAAAAAAAAAA=", "00000001",
	  "v0KBLdbU", "auth", 0, "c0c4c5a9cfc885bb697aa61a2a2c5466" },
	/* ... and the wrong variant, RES as hex text, for contrast */
	{ "AKAv1 vector 1, RES as hex text", "AKAv1-MD5",
	  "466058041131504@ims.mnc005.mcc466.3gppnetwork.org",
	  "ims.mnc005.mcc466.3gppnetwork.org",
	  "000102030405060708090a0b0c0d0e0f", NULL, "REGISTER",
	  "sip:ims.mnc005.mcc466.3gppnetwork.org",
	  "AAAAAAAAAAAAAAAAAAAAAAMEBQYHCAAAAAECAwQFBgc=", "00000001",
	  "YD05duxy", "auth", 0, "e6c59e04ba00a40aed9a45b41e6a6b52" },
	/* GBA.md §7.2 [LOCAL] Ub example, qop auth-int */
	{ "Ub AKAv1", "AKAv1-MD5", UB_USER, UB_REALM, NULL, TS1_RES,
	  "GET", "/", TS1_NONCE, "00000001", UB_CNONCE, "auth-int", 0,
	  "c3010b8b0c8fe3d6425a4d50b6a66ba8" },
	{ "Ub AKAv1, RES as hex text", "AKAv1-MD5", UB_USER, UB_REALM,
	  TS1_RES, NULL, "GET", "/", TS1_NONCE, "00000001", UB_CNONCE,
	  "auth-int", 0, "62f9c39659df90633d6e8f635fdc3ae4" },
	{ "Ub AKAv2", "AKAv2-MD5", UB_USER, UB_REALM,
	  "shzt3q8CWaZnCAWqs3WmEQ==", NULL, "GET", "/", TS1_NONCE,
	  "00000001", UB_CNONCE, "auth-int", 0,
	  "3a912f43f0f899c2bc13e4f80281f73d" },
	{ "Ub resync, empty password", "AKAv1-MD5", UB_USER, UB_REALM, "",
	  NULL, "GET", "/", TS1_NONCE, "00000001", UB_CNONCE, "auth-int", 0,
	  "0c6b780251d1cc17f1efdcbe83e90720" },
	{ "Ub rspauth, BootstrappingInfo body", "AKAv1-MD5", UB_USER,
	  UB_REALM, NULL, TS1_RES, "", "/", TS1_NONCE, "00000001", UB_CNONCE,
	  "auth-int", 1, "555af6499afdd4138f23c23ab0e0a81f" },
	{ "Ub rspauth, empty body", "AKAv1-MD5", UB_USER, UB_REALM, NULL,
	  TS1_RES, "", "/", TS1_NONCE, "00000001", UB_CNONCE, "auth-int", 0,
	  "6f46cdb1e445bcb810e1e098e8f8e6a3" },
};

static void
vec_input(const struct resp_vec *v, struct digest_input *in, uint8_t *pw,
    size_t pwmax)
{
	memset(in, 0, sizeof(*in));
	ck_assert_int_eq(digest_alg_parse(v->alg, &in->alg), 0);
	in->username = v->username;
	in->realm = v->realm;
	if (v->pw_hex != NULL) {
		ssize_t n = hex_decode(v->pw_hex, pw, pwmax);

		ck_assert_int_ge(n, 0);
		in->password = pw;
		in->password_len = (size_t)n;
	} else {
		in->password = (const uint8_t *)v->pw;
		in->password_len = strlen(v->pw);
	}
	in->method = v->method;
	in->uri = v->uri;
	in->nonce = v->nonce;
	in->nc = v->nc;
	in->cnonce = v->cnonce;
	in->qop = v->qop;
	if (v->bsf_body) {
		in->body = (const uint8_t *)bsf_body;
		in->body_len = sizeof(bsf_body) - 1;
	}
}

START_TEST(test_response_vectors)
{
	const struct resp_vec *v = &resp_vecs[_i];
	struct digest_input in;
	uint8_t pw[32];
	char out[DIGEST_HEX_MAX];

	vec_input(v, &in, pw, sizeof(pw));
	ck_assert_msg(digest_response(&in, out) == 0, "%s: failed", v->what);
	ck_assert_msg(strcmp(out, v->want) == 0, "%s: got %s, want %s",
	    v->what, out, v->want);
	ck_assert_int_eq(digest_check(&in, v->want), 1);
}
END_TEST

/* HA1 given instead of the password (an htdigest file stores
 * H(user:realm:password)): the same response for every vector. */
START_TEST(test_ha1_given)
{
	const struct resp_vec *v = &resp_vecs[_i];
	struct digest_input in;
	struct crypto_hash_ctx ctx;
	uint8_t pw[32], md[CRYPTO_SHA256_LEN];
	char out[DIGEST_HEX_MAX], ha1[DIGEST_HEX_MAX];
	size_t hl;

	vec_input(v, &in, pw, sizeof(pw));
	hl = crypto_hash_len(in.alg.hash);
	crypto_hash_init(&ctx, in.alg.hash);
	crypto_hash_update(&ctx, in.username, strlen(in.username));
	crypto_hash_update(&ctx, ":", 1);
	crypto_hash_update(&ctx, in.realm, strlen(in.realm));
	crypto_hash_update(&ctx, ":", 1);
	if (in.password_len > 0)
		crypto_hash_update(&ctx, in.password, in.password_len);
	crypto_hash_final(&ctx, md);
	hex_encode(md, hl, ha1);
	in.password = NULL;
	in.password_len = 0;
	in.ha1 = ha1;
	ck_assert_msg(digest_response(&in, out) == 0, "%s: failed", v->what);
	ck_assert_msg(strcmp(out, v->want) == 0, "%s: got %s, want %s",
	    v->what, out, v->want);
	/* a HA1 of the wrong length or not hex is refused */
	ha1[hl * 2 - 1] = '\0';
	ck_assert_int_eq(digest_response(&in, out), -1);
	ck_assert_str_eq(out, "");
	ha1[hl * 2 - 1] = 'g';
	ck_assert_int_eq(digest_response(&in, out), -1);
}
END_TEST

/* The §7.2 body is what the vector says it is. */
START_TEST(test_bsf_body)
{
	uint8_t md[CRYPTO_MD5_LEN];

	ck_assert_uint_eq(sizeof(bsf_body) - 1, 199);
	crypto_md5(bsf_body, sizeof(bsf_body) - 1, md);
	ck_assert_hex(md, sizeof(md), "5a404af9d31a8f5fa97fe5d3c0d34539");
}
END_TEST

/* A RES with zero octets inside must hash all of them (no strlen). */
START_TEST(test_password_zero_octets)
{
	struct digest_input in;
	uint8_t pw[32];
	char a[DIGEST_HEX_MAX], b[DIGEST_HEX_MAX];

	vec_input(&resp_vecs[6], &in, pw, sizeof(pw));	/* RES 00 01 .. 0f */
	ck_assert_int_eq(digest_response(&in, a), 0);
	in.password_len = 1;				/* just the 00 */
	ck_assert_int_eq(digest_response(&in, b), 0);
	ck_assert_str_ne(a, b);
	ck_assert_str_eq(a, "c76c2c281a21c0d6131e667d61a6bdf5");
}
END_TEST

START_TEST(test_akav2_password)
{
	uint8_t res[8], ck[16], ik[16];
	char pw[DIGEST_AKAV2_PW_LEN], out[DIGEST_HEX_MAX];
	struct digest_input in;

	test_unhex(TS1_RES, res, sizeof(res));
	test_unhex(TS1_CK, ck, sizeof(ck));
	test_unhex(TS1_IK, ik, sizeof(ik));
	ck_assert_int_eq(digest_akav2_password(res, sizeof(res), ik, ck, pw),
	    0);
	ck_assert_str_eq(pw, "shzt3q8CWaZnCAWqs3WmEQ==");

	/* Feed it into the Ub AKAv2 response (GBA.md §7.2). */
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(digest_alg_parse("AKAv2-MD5", &in.alg), 0);
	in.username = UB_USER;
	in.realm = UB_REALM;
	in.password = (const uint8_t *)pw;
	in.password_len = strlen(pw);
	in.method = "GET";
	in.uri = "/";
	in.nonce = TS1_NONCE;
	in.nc = "00000001";
	in.cnonce = UB_CNONCE;
	in.qop = "auth-int";
	ck_assert_int_eq(digest_response(&in, out), 0);
	ck_assert_str_eq(out, "3a912f43f0f899c2bc13e4f80281f73d");

	/* IK and CK swapped gives another password: order matters. */
	ck_assert_int_eq(digest_akav2_password(res, sizeof(res), ck, ik, pw),
	    0);
	ck_assert_str_ne(pw, "shzt3q8CWaZnCAWqs3WmEQ==");
	/* A RES longer than 16 octets is refused. */
	ck_assert_int_eq(digest_akav2_password(ck, 17, ik, ck, pw), -1);
	ck_assert_str_eq(pw, "");
}
END_TEST

START_TEST(test_response_errors)
{
	struct digest_input in;
	uint8_t pw[32];
	char out[DIGEST_HEX_MAX];

	vec_input(&resp_vecs[0], &in, pw, sizeof(pw));
	in.qop = "auth-conf";
	ck_assert_int_eq(digest_response(&in, out), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(digest_check(&in, "6629fae49393a05397450978507c4ef1"),
	    -1);

	vec_input(&resp_vecs[0], &in, pw, sizeof(pw));
	in.nc = NULL;				/* qop without nc */
	ck_assert_int_eq(digest_response(&in, out), -1);

	vec_input(&resp_vecs[5], &in, pw, sizeof(pw));	/* no qop */
	in.alg.sess = 1;			/* -sess without cnonce */
	ck_assert_int_eq(digest_response(&in, out), -1);

	vec_input(&resp_vecs[0], &in, pw, sizeof(pw));
	in.uri = NULL;
	ck_assert_int_eq(digest_response(&in, out), -1);

	vec_input(&resp_vecs[0], &in, pw, sizeof(pw));
	in.password = NULL;			/* length without octets */
	ck_assert_int_eq(digest_response(&in, out), -1);

	/* digest_check: a wrong response is a mismatch, not an error. */
	vec_input(&resp_vecs[0], &in, pw, sizeof(pw));
	ck_assert_int_eq(digest_check(&in, "6629fae49393a05397450978507c4ef0"),
	    0);
	ck_assert_int_eq(digest_check(&in, ""), 0);
	ck_assert_int_eq(digest_check(&in, NULL), -1);
}
END_TEST

START_TEST(test_alg)
{
	static const struct {
		const char	*in;
		const char	*name;
		enum crypto_hash hash;
		int		 aka, sess;
	} t[] = {
		{ "MD5", "MD5", CRYPTO_HASH_MD5, 0, 0 },
		{ "md5-SESS", "MD5-sess", CRYPTO_HASH_MD5, 0, 1 },
		{ "SHA-256", "SHA-256", CRYPTO_HASH_SHA256, 0, 0 },
		{ "sha-256-sess", "SHA-256-sess", CRYPTO_HASH_SHA256, 0, 1 },
		{ "AKAv1-MD5", "AKAv1-MD5", CRYPTO_HASH_MD5, 1, 0 },
		{ "akav2-md5", "AKAv2-MD5", CRYPTO_HASH_MD5, 2, 0 },
	};
	struct digest_alg a;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(digest_alg_parse(t[i].in, &a), 0);
		ck_assert_int_eq(a.hash, t[i].hash);
		ck_assert_int_eq(a.aka, t[i].aka);
		ck_assert_int_eq(a.sess, t[i].sess);
		ck_assert_str_eq(digest_alg_name(&a), t[i].name);
	}
	ck_assert_int_eq(digest_alg_parse(NULL, &a), 0);
	ck_assert_str_eq(digest_alg_name(&a), "MD5");
	ck_assert_int_eq(digest_alg_parse("SHA-512-256", &a), -1);
	ck_assert_int_eq(digest_alg_parse("AKAv1-SHA-256", &a), -1);
	ck_assert_int_eq(digest_alg_parse("MD5 ", &a), -1);
	ck_assert_int_eq(digest_alg_parse("", &a), -1);
	a.hash = CRYPTO_HASH_SHA256;
	a.aka = 1;
	a.sess = 0;
	ck_assert_ptr_null(digest_alg_name(&a));
}
END_TEST

START_TEST(test_nc_parse)
{
	uint32_t nc;

	ck_assert_int_eq(digest_nc_parse("00000001", &nc), 0);
	ck_assert_uint_eq(nc, 1);
	ck_assert_int_eq(digest_nc_parse("FFFFFFFe", &nc), 0);
	ck_assert_uint_eq(nc, 0xfffffffe);
	ck_assert_int_eq(digest_nc_parse("0000001", &nc), -1);
	ck_assert_int_eq(digest_nc_parse("000000001", &nc), -1);
	ck_assert_int_eq(digest_nc_parse("0000000g", &nc), -1);
	ck_assert_int_eq(digest_nc_parse("", &nc), -1);
	ck_assert_int_eq(digest_nc_parse(NULL, &nc), -1);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Parsing published headers                                              */

/* RFC 2617 §3.5, folded lines joined with single spaces. */
static const char rfc2617_auth[] =
    "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
    "qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
    "response=\"6629fae49393a05397450978507c4ef1\", "
    "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

static const char rfc2617_chal[] =
    "Digest\trealm=\"testrealm@host.com\",\tqop=\"auth,auth-int\", "
    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
    "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

START_TEST(test_parse_rfc2617)
{
	struct digest_hdr h;
	struct digest_input in;
	char err[128], out[DIGEST_HEX_MAX];

	ck_assert_msg(digest_parse(&h, DIGEST_CREDENTIALS, rfc2617_auth, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(h.n, 9);
	ck_assert_str_eq(h.p[0].name, "username");
	ck_assert_str_eq(h.p[0].value, "Mufasa");
	ck_assert_int_eq(h.p[0].quoted, 1);
	ck_assert_str_eq(digest_get(&h, "realm"), "testrealm@host.com");
	ck_assert_str_eq(digest_get(&h, "nonce"),
	    "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	ck_assert_str_eq(digest_get(&h, "uri"), "/dir/index.html");
	ck_assert_str_eq(digest_get(&h, "QOP"), "auth");
	ck_assert_int_eq(h.p[4].quoted, 0);
	ck_assert_str_eq(digest_get(&h, "nc"), "00000001");
	ck_assert_str_eq(digest_get(&h, "cnonce"), "0a4f113b");
	ck_assert_str_eq(digest_get(&h, "response"),
	    "6629fae49393a05397450978507c4ef1");
	ck_assert_str_eq(digest_get(&h, "opaque"),
	    "5ccc069c403ebaf9f0171e9517f40e41");
	ck_assert_ptr_null(digest_get(&h, "algorithm"));
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), 0);

	/* Server side: recompute from the parsed header and compare. */
	ck_assert_int_eq(digest_input_from_hdr(&in, &h), 0);
	in.method = "GET";
	in.password = (const uint8_t *)"Circle Of Life";
	in.password_len = strlen("Circle Of Life");
	ck_assert_int_eq(digest_response(&in, out), 0);
	ck_assert_str_eq(out, "6629fae49393a05397450978507c4ef1");
	ck_assert_int_eq(digest_check(&in, digest_get(&h, "response")), 1);
	in.password_len--;
	ck_assert_int_eq(digest_check(&in, digest_get(&h, "response")), 0);

	ck_assert_msg(digest_parse(&h, DIGEST_CHALLENGE, rfc2617_chal, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(h.n, 4);
	ck_assert_str_eq(digest_get(&h, "realm"), "testrealm@host.com");
	ck_assert_str_eq(digest_get(&h, "qop"), "auth,auth-int");
	ck_assert_str_eq(digest_get(&h, "opaque"),
	    "5ccc069c403ebaf9f0171e9517f40e41");
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_parse_rfc7616)
{
	static const char good[] =
	    "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
	    "uri=\"/dir/index.html\", algorithm=SHA-256, "
	    "nonce=\"" N7616 "\", nc=00000001, cnonce=\"" C7616 "\", "
	    "qop=auth, response=\"753927fa0e85d155564e2e272a28d1802ca10daf"
	    "4496794697cf8db5856cb6c1\", "
	    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
	static const char chal[] =
	    "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "
	    "algorithm=SHA-256, nonce=\"" N7616 "\", "
	    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
	struct digest_hdr h;
	struct digest_input in;
	char err[128];

	ck_assert_msg(digest_parse(&h, DIGEST_CREDENTIALS, good, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), 0);
	ck_assert_int_eq(digest_input_from_hdr(&in, &h), 0);
	ck_assert_int_eq(in.alg.hash, CRYPTO_HASH_SHA256);
	in.method = "GET";
	in.password = (const uint8_t *)"Circle of Life";
	in.password_len = strlen("Circle of Life");
	ck_assert_int_eq(digest_check(&in, digest_get(&h, "response")), 1);

	ck_assert_msg(digest_parse(&h, DIGEST_CHALLENGE, chal, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(digest_get(&h, "qop"), "auth, auth-int");
	ck_assert_str_eq(digest_get(&h, "algorithm"), "SHA-256");
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), 0);
}
END_TEST

/* TS 24.109 A.3: the first Ub request has empty nonce and response. */
START_TEST(test_parse_ub_first)
{
	static const char text[] =
	    "Digest username=\"user1_private@home1.net\", "
	    "realm=\"bsf.home1.net\", nonce=\"\", uri=\"/\", response=\"\"";
	struct digest_hdr h;
	char err[128];

	ck_assert_msg(digest_parse(&h, DIGEST_CREDENTIALS, text, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(h.n, 5);
	ck_assert_str_eq(digest_get(&h, "nonce"), "");
	ck_assert_str_eq(digest_get(&h, "response"), "");
	ck_assert_int_eq(h.p[4].quoted, 1);
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), 0);
}
END_TEST

/* What RFC 7230/7235 allow and some peers send. */
START_TEST(test_parse_tolerant)
{
	static const char text[] =
	    "  dIgEsT  , ,REALM = \"a\\\"b\\\\c\\d\" ,,\tNonce\t=\tabc ,"
	    "uri=\"/xcap/[x]/~~/a b\",username=\"J\xc3\xa4s\xc3\xb8n\","
	    "response=\"\" , ";
	struct digest_hdr h;
	char err[128];

	ck_assert_msg(digest_parse(&h, DIGEST_CREDENTIALS, text, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(h.n, 5);
	ck_assert_str_eq(h.p[0].name, "REALM");
	ck_assert_str_eq(digest_get(&h, "realm"), "a\"b\\cd");
	ck_assert_str_eq(digest_get(&h, "nonce"), "abc");
	ck_assert_int_eq(h.p[1].quoted, 0);
	ck_assert_str_eq(digest_get(&h, "uri"), "/xcap/[x]/~~/a b");
	ck_assert_str_eq(digest_get(&h, "username"), "J\xc3\xa4s\xc3\xb8n");
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), 0);

	/* Authentication-Info: no scheme. */
	ck_assert_msg(digest_parse(&h, DIGEST_AUTH_INFO,
	    "nextnonce=\"xyz\"", err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(digest_get(&h, "nextnonce"), "xyz");
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), 0);

	/* A bare scheme parses; validation then names what is missing. */
	ck_assert_int_eq(digest_parse(&h, DIGEST_CHALLENGE, "Digest", err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(h.n, 0);
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "challenge without parameter 'realm'");

	/* An empty Authentication-Info is an empty list. */
	ck_assert_int_eq(digest_parse(&h, DIGEST_AUTH_INFO, "", err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(h.n, 0);

	/* Exactly 32 params and a DIGEST_MAX_LEN value are accepted. */
	{
		char big[DIGEST_MAX_LEN + 1];
		size_t i, o = 0;

		for (i = 0; i < DIGEST_MAX_PARAMS; i++)
			o += (size_t)snprintf(big + o, sizeof(big) - o,
			    "%sp%zu=v", i ? "," : "", i);
		ck_assert_int_eq(digest_parse(&h, DIGEST_AUTH_INFO, big, err,
		    sizeof(err)), 0);
		ck_assert_uint_eq(h.n, DIGEST_MAX_PARAMS);
		ck_assert_str_eq(digest_get(&h, "p31"), "v");

		memset(big, ' ', DIGEST_MAX_LEN);
		big[DIGEST_MAX_LEN] = '\0';
		memcpy(big, "a=b", 3);
		ck_assert_int_eq(digest_parse(&h, DIGEST_AUTH_INFO, big, err,
		    sizeof(err)), 0);
		ck_assert_str_eq(digest_get(&h, "a"), "b");
	}
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Rejections: each its own case, each with a specific message.           */

static void
reject(enum digest_kind kind, const char *text, const char *want)
{
	struct digest_hdr h;
	char err[160];

	ck_assert_int_eq(digest_parse(&h, kind, text, err, sizeof(err)), -1);
	ck_assert_msg(err[0] != '\0', "empty error message");
	ck_assert_msg(strstr(err, want) != NULL, "error '%s' lacks '%s'", err,
	    want);
}

static void
invalid(enum digest_kind kind, const char *text, const char *want)
{
	struct digest_hdr h;
	char err[160];

	ck_assert_msg(digest_parse(&h, kind, text, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) != NULL, "error '%s' lacks '%s'", err,
	    want);
}

START_TEST(test_rej_duplicate)
{
	reject(DIGEST_CHALLENGE, "Digest realm=\"a\", nonce=\"n\", "
	    "Realm=\"b\"", "duplicate parameter 'Realm'");
}
END_TEST

START_TEST(test_rej_no_equals)
{
	reject(DIGEST_CHALLENGE, "Digest realm=\"a\", stale",
	    "parameter 'stale' has no '='");
	reject(DIGEST_CHALLENGE, "Digest realm \"a\"",
	    "parameter 'realm' has no '='");
}
END_TEST

START_TEST(test_rej_no_value)
{
	reject(DIGEST_CHALLENGE, "Digest realm=", "parameter 'realm' has no "
	    "value");
	reject(DIGEST_CHALLENGE, "Digest realm= , nonce=\"x\"",
	    "invalid character ',' at the start of the value of parameter "
	    "'realm'");
}
END_TEST

START_TEST(test_rej_bad_token)
{
	reject(DIGEST_CREDENTIALS, "Digest uri=/dir/index.html",
	    "invalid character '/' at the start of the value of parameter "
	    "'uri'");
	reject(DIGEST_CREDENTIALS, "Digest username=\"a\", =x",
	    "expected a parameter name at offset 21, got '='");
}
END_TEST

START_TEST(test_rej_unterminated)
{
	reject(DIGEST_CHALLENGE, "Digest realm=\"a\", nonce=\"b",
	    "unterminated quoted-string in parameter 'nonce'");
	/* A lone quote opens a string that swallows the rest. */
	reject(DIGEST_CHALLENGE, "Digest realm=\"a, nonce=\"b",
	    "unexpected 'b' after the value of parameter 'realm'");
	reject(DIGEST_CHALLENGE, "Digest realm=\"abc",
	    "unterminated quoted-string in parameter 'realm'");
	reject(DIGEST_CHALLENGE, "Digest realm=\"abc\\",
	    "ends in a backslash");
}
END_TEST

START_TEST(test_rej_control)
{
	reject(DIGEST_CHALLENGE, "Digest realm=\"a\r\nX-Evil: 1\"",
	    "control character 0x0d at offset 15");
	reject(DIGEST_CHALLENGE, "Digest realm=\"a\x01\"",
	    "control character 0x01 at offset 15");
	reject(DIGEST_AUTH_INFO, "nextnonce=\"\x7f\"",
	    "control character 0x7f");
	reject(DIGEST_CHALLENGE, "Digest realm=\"a\\\nb\"",
	    "control character 0x0a");
}
END_TEST

START_TEST(test_rej_value_too_long)
{
	char text[DIGEST_MAX_VALUE + 64];
	size_t o;

	o = (size_t)snprintf(text, sizeof(text), "Digest nonce=\"");
	memset(text + o, 'x', DIGEST_MAX_VALUE + 1);
	o += DIGEST_MAX_VALUE + 1;
	memcpy(text + o, "\"", 2);
	reject(DIGEST_CHALLENGE, text, "value of parameter 'nonce' longer than "
	    "2048 octets");

	/* The same as a token, and the cap itself is accepted. */
	o = (size_t)snprintf(text, sizeof(text), "Digest nonce=");
	memset(text + o, 'x', DIGEST_MAX_VALUE + 1);
	text[o + DIGEST_MAX_VALUE + 1] = '\0';
	reject(DIGEST_CHALLENGE, text, "value of parameter 'nonce' longer than "
	    "2048 octets");
	text[o + DIGEST_MAX_VALUE] = '\0';
	{
		struct digest_hdr h;
		char err[128];

		ck_assert_int_eq(digest_parse(&h, DIGEST_CHALLENGE, text, err,
		    sizeof(err)), 0);
		ck_assert_uint_eq(strlen(digest_get(&h, "nonce")),
		    DIGEST_MAX_VALUE);
	}
}
END_TEST

START_TEST(test_rej_name_too_long)
{
	char text[DIGEST_MAX_NAME + 64];

	memset(text, 'n', DIGEST_MAX_NAME + 1);
	memcpy(text + DIGEST_MAX_NAME + 1, "=v", 3);
	reject(DIGEST_AUTH_INFO, text, "parameter name at offset 0 longer than "
	    "64 octets");
}
END_TEST

START_TEST(test_rej_too_many)
{
	char text[512];
	size_t i, o = 0;

	for (i = 0; i <= DIGEST_MAX_PARAMS; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%sp%zu=v",
		    i ? ", " : "", i);
	reject(DIGEST_AUTH_INFO, text, "more than 32 parameters");
}
END_TEST

START_TEST(test_rej_trailing)
{
	reject(DIGEST_CHALLENGE, "Digest realm=\"a\" x",
	    "unexpected 'x' after the value of parameter 'realm'");
	reject(DIGEST_CHALLENGE, "Digest realm=\"a\"\"b\"",
	    "unexpected '\"' after the value of parameter 'realm'");
	reject(DIGEST_CREDENTIALS, "Digest nc=0000 0001",
	    "unexpected '0' after the value of parameter 'nc'");
	reject(DIGEST_CHALLENGE, "Digest realm=\"a\";",
	    "unexpected ';' after the value of parameter 'realm'");
}
END_TEST

START_TEST(test_rej_oversize)
{
	char text[DIGEST_MAX_LEN + 2];

	memset(text, ' ', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text, "Digest realm=\"a\"", 16);
	reject(DIGEST_CHALLENGE, text, "header value longer than 4096 octets");
	reject(DIGEST_CHALLENGE, NULL, "no header value");
}
END_TEST

START_TEST(test_rej_scheme)
{
	reject(DIGEST_CHALLENGE, "Basic realm=\"a\"",
	    "auth scheme 'Basic' is not Digest");
	reject(DIGEST_CREDENTIALS, "Digestx username=\"a\"",
	    "auth scheme 'Digestx' is not Digest");
	reject(DIGEST_CREDENTIALS, "username=\"a\"",
	    "auth scheme 'username' is not Digest");
	reject(DIGEST_CREDENTIALS, "Digest,username=\"a\"",
	    "expected a space after the Digest scheme, got ','");
	reject(DIGEST_CREDENTIALS, "", "missing auth scheme");
	reject(DIGEST_CHALLENGE, "\"Digest\"", "missing auth scheme");
}
END_TEST

/* Validation of required parameters, per kind. */
START_TEST(test_val_challenge)
{
	invalid(DIGEST_CHALLENGE, "Digest realm=\"r\"",
	    "challenge without parameter 'nonce'");
	invalid(DIGEST_CHALLENGE, "Digest nonce=\"n\"",
	    "challenge without parameter 'realm'");
	invalid(DIGEST_CHALLENGE, "Digest realm=\"r\", nonce=\"n\", "
	    "algorithm=SHA-512-256", "unsupported algorithm 'SHA-512-256'");
}
END_TEST

#define CRED	"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\""

START_TEST(test_val_credentials)
{
	invalid(DIGEST_CREDENTIALS, "Digest username=\"u\", realm=\"r\", "
	    "nonce=\"n\", response=\"\"",
	    "credentials without parameter 'uri'");
	invalid(DIGEST_CREDENTIALS, CRED,
	    "credentials without parameter 'response'");
	invalid(DIGEST_CREDENTIALS, "Digest username*=UTF-8''u, realm=\"r\", "
	    "nonce=\"n\", uri=\"/\", response=\"\"",
	    "parameter 'username*' is not supported");
	invalid(DIGEST_CREDENTIALS, CRED ", response=\"abc\"",
	    "response 'abc' is not 32 lower-case hex digits");
	invalid(DIGEST_CREDENTIALS, CRED
	    ", response=\"6629FAE49393A05397450978507C4EF1\"",
	    "is not 32 lower-case hex digits");
	invalid(DIGEST_CREDENTIALS, CRED ", algorithm=SHA-256, "
	    "response=\"6629fae49393a05397450978507c4ef1\"",
	    "is not 64 lower-case hex digits");
	invalid(DIGEST_CREDENTIALS, CRED ", algorithm=AKAv3-MD5, "
	    "response=\"\"", "unsupported algorithm 'AKAv3-MD5'");
	invalid(DIGEST_CREDENTIALS, CRED ", response=\"\", qop=auth-conf, "
	    "nc=00000001, cnonce=\"c\"", "qop 'auth-conf' is neither auth nor "
	    "auth-int");
	invalid(DIGEST_CREDENTIALS, CRED ", response=\"\", qop=auth, "
	    "cnonce=\"c\"", "qop without parameter 'nc'");
	invalid(DIGEST_CREDENTIALS, CRED ", response=\"\", qop=auth, "
	    "nc=0000001, cnonce=\"c\"", "nc '0000001' is not 8 hex digits");
	invalid(DIGEST_CREDENTIALS, CRED ", response=\"\", qop=auth, "
	    "nc=0000000x, cnonce=\"c\"", "nc '0000000x' is not 8 hex digits");
	invalid(DIGEST_CREDENTIALS, CRED ", response=\"\", qop=auth-int, "
	    "nc=00000001", "qop without parameter 'cnonce'");
}
END_TEST

START_TEST(test_val_auth_info)
{
	struct digest_hdr h;
	char err[128];

	invalid(DIGEST_AUTH_INFO, "rspauth=\"xyz\"",
	    "rspauth 'xyz' is not 32 or 64 lower-case hex digits");
	invalid(DIGEST_AUTH_INFO, "qop=auth-int, "
	    "rspauth=\"555af6499afdd4138f23c23ab0e0a81f\", cnonce=\"c\"",
	    "qop without parameter 'nc'");
	invalid(DIGEST_AUTH_INFO, "qop=auth-int, nc=00000001, cnonce=\"c\"",
	    "qop without parameter 'rspauth'");
	invalid(DIGEST_AUTH_INFO, "qop=auth-int, nc=1, cnonce=\"c\", "
	    "rspauth=\"555af6499afdd4138f23c23ab0e0a81f\"",
	    "nc '1' is not 8 hex digits");

	/* TS 24.109 E.4 shape. */
	ck_assert_int_eq(digest_parse(&h, DIGEST_AUTH_INFO, "qop=auth-int, "
	    "rspauth=\"555af6499afdd4138f23c23ab0e0a81f\", "
	    "cnonce=\"" UB_CNONCE "\", nc=00000001", err, sizeof(err)), 0);
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), 0);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Building                                                               */

/* The Ub 401 challenge (TS 24.109 A.3 step 3), exact text, and back. */
START_TEST(test_build_challenge)
{
	struct digest_build b;
	struct digest_hdr h;
	char buf[256], err[128];
	size_t len = 0;

	digest_build_init(&b, DIGEST_CHALLENGE, buf, sizeof(buf));
	digest_build_add(&b, "realm", UB_REALM, DIGEST_AUTO);
	digest_build_add(&b, "nonce", TS1_NONCE, DIGEST_AUTO);
	digest_build_add(&b, "qop", "auth-int", DIGEST_AUTO);
	digest_build_add(&b, "algorithm", "AKAv1-MD5", DIGEST_AUTO);
	digest_build_add(&b, "opaque", "5ccc069c", DIGEST_AUTO);
	digest_build_add(&b, "stale", "true", DIGEST_AUTO);
	ck_assert_int_eq(digest_build_finish(&b, &len), 0);
	ck_assert_str_eq(buf, "Digest realm=\"bsf.home1.net\", "
	    "nonce=\"" TS1_NONCE "\", qop=\"auth-int\", algorithm=AKAv1-MD5, "
	    "opaque=\"5ccc069c\", stale=true");
	ck_assert_uint_eq(len, strlen(buf));

	ck_assert_msg(digest_parse(&h, DIGEST_CHALLENGE, buf, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), 0);
	ck_assert_uint_eq(h.n, 6);
	ck_assert_str_eq(digest_get(&h, "nonce"), TS1_NONCE);
	ck_assert_str_eq(digest_get(&h, "qop"), "auth-int");
	ck_assert_int_eq(h.p[2].quoted, 1);
	ck_assert_int_eq(h.p[3].quoted, 0);
}
END_TEST

/* Credentials with awkward values: build -> parse gives them back. */
START_TEST(test_build_roundtrip)
{
	static const struct {
		const char	*name;
		const char	*value;
	} pv[] = {
		{ "username", "we\"ird\\user\t\"\\" },
		{ "realm", "3GPP-bootstrapping@naf1.home1.net" },
		{ "nonce", "" },
		{ "uri", "/xcap-root/[a]/~~/b?c=d e" },
		{ "response", "" },
		{ "qop", "auth-int" },
		{ "nc", "00000001" },
		{ "cnonce", UB_CNONCE },
		{ "algorithm", "MD5" },
		{ "opaque", "\\" },
		{ "auts", "uoU/PBI8z0TpNZbjVcY=" },
	};
	static const char prefix[] =
	    "Digest username=\"we\\\"ird\\\\user\t\\\"\\\\\", ";
	struct digest_build b;
	struct digest_hdr h;
	char buf[512], err[128];
	size_t i;

	digest_build_init(&b, DIGEST_CREDENTIALS, buf, sizeof(buf));
	for (i = 0; i < sizeof(pv) / sizeof(pv[0]); i++)
		ck_assert_int_eq(digest_build_add(&b, pv[i].name, pv[i].value,
		    DIGEST_AUTO), 0);
	ck_assert_int_eq(digest_build_finish(&b, NULL), 0);
	ck_assert_msg(strncmp(buf, prefix, strlen(prefix)) == 0, "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, ", qop=auth-int, nc=00000001, "));
	ck_assert_ptr_nonnull(strstr(buf, ", opaque=\"\\\\\", "));

	ck_assert_msg(digest_parse(&h, DIGEST_CREDENTIALS, buf, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(h.n, sizeof(pv) / sizeof(pv[0]));
	for (i = 0; i < h.n; i++) {
		ck_assert_str_eq(h.p[i].name, pv[i].name);
		ck_assert_str_eq(h.p[i].value, pv[i].value);
	}
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), 0);

	/* Authentication-Info has no scheme prefix. */
	digest_build_init(&b, DIGEST_AUTH_INFO, buf, sizeof(buf));
	digest_build_add(&b, "qop", "auth-int", DIGEST_AUTO);
	digest_build_add(&b, "rspauth", "555af6499afdd4138f23c23ab0e0a81f",
	    DIGEST_AUTO);
	digest_build_add(&b, "cnonce", UB_CNONCE, DIGEST_AUTO);
	digest_build_add(&b, "nc", "00000001", DIGEST_AUTO);
	ck_assert_int_eq(digest_build_finish(&b, NULL), 0);
	ck_assert_str_eq(buf, "qop=auth-int, "
	    "rspauth=\"555af6499afdd4138f23c23ab0e0a81f\", "
	    "cnonce=\"" UB_CNONCE "\", nc=00000001");
	ck_assert_int_eq(digest_parse(&h, DIGEST_AUTH_INFO, buf, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(digest_validate(&h, err, sizeof(err)), 0);

	/* Forced quoting either way. */
	digest_build_init(&b, DIGEST_CHALLENGE, buf, sizeof(buf));
	digest_build_add(&b, "algorithm", "MD5", DIGEST_QUOTED);
	digest_build_add(&b, "realm", "r", DIGEST_TOKEN);
	ck_assert_int_eq(digest_build_finish(&b, NULL), 0);
	ck_assert_str_eq(buf, "Digest algorithm=\"MD5\", realm=r");

	/* No parameters: the bare scheme. */
	digest_build_init(&b, DIGEST_CHALLENGE, buf, sizeof(buf));
	ck_assert_int_eq(digest_build_finish(&b, NULL), 0);
	ck_assert_str_eq(buf, "Digest");
}
END_TEST

START_TEST(test_build_overflow)
{
	struct digest_build b;
	char buf[64];
	size_t len = 99;

	/* "Digest realm=\"bsf.home1.net\"" is 28 octets: fits in 29. */
	digest_build_init(&b, DIGEST_CHALLENGE, buf, 29);
	ck_assert_int_eq(digest_build_add(&b, "realm", UB_REALM, DIGEST_AUTO),
	    0);
	ck_assert_int_eq(digest_build_finish(&b, &len), 0);
	ck_assert_uint_eq(len, 28);

	digest_build_init(&b, DIGEST_CHALLENGE, buf, 28);
	ck_assert_int_eq(digest_build_add(&b, "realm", UB_REALM, DIGEST_AUTO),
	    -1);
	ck_assert_str_eq(buf, "Digest");	/* all or nothing */
	/* Sticky: a later add that would fit still fails. */
	ck_assert_int_eq(digest_build_add(&b, "a", "b", DIGEST_TOKEN), -1);
	len = 99;
	ck_assert_int_eq(digest_build_finish(&b, &len), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(len, 99);

	digest_build_init(&b, DIGEST_CREDENTIALS, buf, 6);	/* no room */
	ck_assert_int_eq(digest_build_finish(&b, NULL), -1);
	ck_assert_str_eq(buf, "");
	digest_build_init(&b, DIGEST_AUTH_INFO, NULL, 0);
	ck_assert_int_eq(digest_build_add(&b, "a", "b", DIGEST_TOKEN), -1);
	ck_assert_int_eq(digest_build_finish(&b, NULL), -1);
}
END_TEST

START_TEST(test_build_bad_values)
{
	static const struct {
		const char		*name;
		const char		*value;
		enum digest_quoting	 q;
	} bad[] = {
		{ "realm", "a\r\nX-Evil: 1", DIGEST_QUOTED },	/* injection */
		{ "realm", "a\x7f", DIGEST_QUOTED },
		{ "nc", "0000 001", DIGEST_TOKEN },		/* not a token */
		{ "nc", "", DIGEST_TOKEN },			/* empty token */
		{ "algorithm", "MD5\"", DIGEST_AUTO },
		{ "re alm", "a", DIGEST_QUOTED },		/* bad name */
		{ "", "a", DIGEST_QUOTED },
		{ "realm", NULL, DIGEST_QUOTED },
	};
	struct digest_build b;
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		digest_build_init(&b, DIGEST_CHALLENGE, buf, sizeof(buf));
		ck_assert_msg(digest_build_add(&b, bad[i].name, bad[i].value,
		    bad[i].q) == -1, "case %zu accepted", i);
		ck_assert_int_eq(digest_build_finish(&b, NULL), -1);
		ck_assert_str_eq(buf, "");
	}
}
END_TEST

Suite *
suite_digest(void)
{
	Suite *s = suite_create("digest");
	TCase *tc;

	tc = tcase_create("vectors");
	tcase_add_loop_test(tc, test_response_vectors, 0,
	    (int)(sizeof(resp_vecs) / sizeof(resp_vecs[0])));
	tcase_add_test(tc, test_bsf_body);
	tcase_add_test(tc, test_password_zero_octets);
	tcase_add_loop_test(tc, test_ha1_given, 0,
	    (int)(sizeof(resp_vecs) / sizeof(resp_vecs[0])));
	tcase_add_test(tc, test_akav2_password);
	tcase_add_test(tc, test_response_errors);
	tcase_add_test(tc, test_alg);
	tcase_add_test(tc, test_nc_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_rfc2617);
	tcase_add_test(tc, test_parse_rfc7616);
	tcase_add_test(tc, test_parse_ub_first);
	tcase_add_test(tc, test_parse_tolerant);
	suite_add_tcase(s, tc);

	tc = tcase_create("reject");
	tcase_add_test(tc, test_rej_duplicate);
	tcase_add_test(tc, test_rej_no_equals);
	tcase_add_test(tc, test_rej_no_value);
	tcase_add_test(tc, test_rej_bad_token);
	tcase_add_test(tc, test_rej_unterminated);
	tcase_add_test(tc, test_rej_control);
	tcase_add_test(tc, test_rej_value_too_long);
	tcase_add_test(tc, test_rej_name_too_long);
	tcase_add_test(tc, test_rej_too_many);
	tcase_add_test(tc, test_rej_trailing);
	tcase_add_test(tc, test_rej_oversize);
	tcase_add_test(tc, test_rej_scheme);
	tcase_add_test(tc, test_val_challenge);
	tcase_add_test(tc, test_val_credentials);
	tcase_add_test(tc, test_val_auth_info);
	suite_add_tcase(s, tc);

	tc = tcase_create("build");
	tcase_add_test(tc, test_build_challenge);
	tcase_add_test(tc, test_build_roundtrip);
	tcase_add_test(tc, test_build_overflow);
	tcase_add_test(tc, test_build_bad_values);
	suite_add_tcase(s, tc);

	return s;
}
