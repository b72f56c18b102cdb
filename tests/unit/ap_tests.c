/*
 * ap_tests.c — the Authentication Proxy's own modules (ap/, not common/)
 * in their own Check runner: the identities it reads from clients
 * (ap_ident.c) and the GBA-UserSecSettings it gets on Zn (ap_uss_parse),
 * with the ussList written the way the BSF writes it: hss-stub's GUSS
 * filtered by bsf_guss_uss_list().
 *
 *   suite "ap_ident":  PSK identities, Intended-Identity values, matching.
 *   suite "ap_uss":    uids in order, duplicates, whole GUSS, refusals.
 *   suite "ap_digest": the Digest nonces of ap_digest.c (single use,
 *                      expiry with a fake clock, the ua.nonce_max cap) and
 *                      the htdigest password file (good files, comments,
 *                      bad lines named FILE:LINE, duplicates, long names,
 *                      the order of its realms).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "ap.h"
#include "bsf.h"
#include "buf.h"
#include "hss.h"

START_TEST(btid_identity)
{
	char b[AP_BTID_MAX];

	ck_assert_int_eq(ap_btid_from_identity(
	    "3GPP-bootstrapping.AbC+/=@bsf.ims.example.org", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "AbC+/=@bsf.ims.example.org");
	ck_assert_int_eq(ap_btid_from_identity("AbC=@bsf.example.org", b,
	    sizeof(b)), 0);
	ck_assert_str_eq(b, "AbC=@bsf.example.org");
	/* the prefix alone, blanks, controls, non-ASCII, too long */
	ck_assert_int_eq(ap_btid_from_identity("3GPP-bootstrapping.", b,
	    sizeof(b)), -1);
	ck_assert_int_eq(ap_btid_from_identity("", b, sizeof(b)), -1);
	ck_assert_int_eq(ap_btid_from_identity("a b@c", b, sizeof(b)), -1);
	ck_assert_int_eq(ap_btid_from_identity("a\tb", b, sizeof(b)), -1);
	ck_assert_int_eq(ap_btid_from_identity("a\xc3\xa9", b, sizeof(b)), -1);
	ck_assert_int_eq(ap_btid_from_identity("abcdef", b, 6), -1);
	ck_assert_int_eq(ap_btid_from_identity("abcde", b, 6), 0);
}
END_TEST

START_TEST(intended_identity)
{
	char u[64];

	ck_assert_int_eq(ap_unquote_identity("\"sip:a@b.org\"", u, sizeof(u)),
	    0);
	ck_assert_str_eq(u, "sip:a@b.org");
	ck_assert_int_eq(ap_unquote_identity("<sip:a@b.org>", u, sizeof(u)),
	    0);
	ck_assert_str_eq(u, "sip:a@b.org");
	ck_assert_int_eq(ap_unquote_identity("tel:+15551234", u, sizeof(u)),
	    0);
	ck_assert_str_eq(u, "tel:+15551234");
	ck_assert_int_eq(ap_unquote_identity("\"\"", u, sizeof(u)), -1);
	ck_assert_int_eq(ap_unquote_identity("", u, sizeof(u)), -1);
	ck_assert_int_eq(ap_unquote_identity("\"sip:a@b\", \"sip:c@d\"", u,
	    sizeof(u)), -1);
	ck_assert_int_eq(ap_unquote_identity("\"sip:a@b", u, sizeof(u)), -1);
	ck_assert_int_eq(ap_unquote_identity("sip:a b@c", u, sizeof(u)), -1);
	ck_assert_int_eq(ap_unquote_identity("sip:abcdefghij@b.org", u, 10),
	    -1);
}
END_TEST

START_TEST(identity_match)
{
	ck_assert(ap_same_identity("sip:alice@ims.example.org",
	    "sip:alice@ims.example.org"));
	ck_assert(ap_same_identity("SIP:alice@IMS.Example.org",
	    "sip:alice@ims.example.org"));
	/* the user part is case-sensitive */
	ck_assert(!ap_same_identity("sip:Alice@ims.example.org",
	    "sip:alice@ims.example.org"));
	ck_assert(!ap_same_identity("sips:alice@ims.example.org",
	    "sip:alice@ims.example.org"));
	ck_assert(!ap_same_identity("sip:alice@ims.example.org",
	    "sip:alice@ims.example.org.evil"));
	ck_assert(!ap_same_identity("sip:alice", "sip:alice@x"));
	ck_assert(ap_same_identity("tel:+15551234", "TEL:+15551234"));
	ck_assert(!ap_same_identity("tel:+15551234", "tel:+15551235"));
	ck_assert(!ap_same_identity("alice", "sip:alice@x"));
}
END_TEST

/* hss-stub's GUSS for two IMPUs and USSs in `g1` and `g2`, filtered for
 * NAF group `group` as the BSF sends it on Zn. */
static void
uss_for(struct buf *out, const char *g1, const char *g2, const char *group)
{
	struct hss_sub *s;
	struct buf guss;
	char err[256];

	ck_assert_ptr_nonnull(s = calloc(1, sizeof(*s)));
	snprintf(s->impi, sizeof(s->impi), "user1@example.org");
	s->guss_time = 1700000000;
	snprintf(s->impu[0], sizeof(s->impu[0]), "sip:user1@example.org");
	snprintf(s->impu[1], sizeof(s->impu[1]), "sip:p7x2@example.org");
	s->n_impu = 2;
	if (g1 != NULL) {
		s->uss[s->n_uss].gsid = 1;
		snprintf(s->uss[s->n_uss].naf_group,
		    sizeof(s->uss[0].naf_group), "%s", g1);
		s->n_uss++;
	}
	if (g2 != NULL) {
		s->uss[s->n_uss].gsid = 2;
		snprintf(s->uss[s->n_uss].naf_group,
		    sizeof(s->uss[0].naf_group), "%s", g2);
		s->n_uss++;
	}
	buf_init(&guss, BSF_GUSS_MAX);
	ck_assert_int_eq(hss_guss_xml(s, &guss), 0);
	free(s);
	buf_init(out, BSF_GUSS_MAX);
	err[0] = '\0';
	ck_assert_msg(bsf_guss_uss_list((const char *)guss.data, guss.len,
	    group, out, err, sizeof(err)) >= 0, "%s", err);
	buf_clear(&guss);
}

static struct ap_key *
new_key(void)
{
	struct ap_key *k;

	ck_assert_ptr_nonnull(k = calloc(1, sizeof(*k)));
	k->refs = 1;
	return k;
}

START_TEST(uss_from_bsf)
{
	struct buf b;
	struct ap_key *k = new_key();
	char err[256] = "";

	/* two USSs of the group, both listing both IMPUs: kept once each,
	 * in order */
	uss_for(&b, "default", "default", "default");
	ck_assert_msg(ap_uss_parse((const char *)b.data, b.len, k, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert(k->has_uss);
	ck_assert_uint_eq(k->nimpus, 2);
	ck_assert_str_eq(k->impus[0], "sip:user1@example.org");
	ck_assert_str_eq(k->impus[1], "sip:p7x2@example.org");
	buf_clear(&b);
	ap_key_unref(k);
}
END_TEST

START_TEST(uss_other_group)
{
	struct buf b;
	struct ap_key *k = new_key();
	char err[256] = "";

	/* the user has USSs, none for this NAF's group: an empty ussList */
	uss_for(&b, "other", NULL, "default");
	ck_assert_int_eq(ap_uss_parse((const char *)b.data, b.len, k, err,
	    sizeof(err)), 0);
	ck_assert(!k->has_uss);
	ck_assert_uint_eq(k->nimpus, 0);
	buf_clear(&b);
	ap_key_unref(k);
}
END_TEST

START_TEST(uss_refusals)
{
	struct ap_key *k = new_key();
	char err[256] = "", big[AP_USS_MAX + 64];
	static const char *const bad[] = {
		"<ussList><uss><uids><uid>sip:a@b",		/* not closed */
		"<other/>",					/* root */
		"<ussList><uss><uids><uid> </uid></uids></uss></ussList>",
		"<!DOCTYPE x [<!ENTITY e \"sip:a@b\">]><ussList><uss><uids>"
		    "<uid>&e;</uid></uids></uss></ussList>",	/* DTD */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(ap_uss_parse(bad[i], strlen(bad[i]), k, err,
		    sizeof(err)) == -1, "accepted %s", bad[i]);
		ck_assert(err[0] != '\0');
	}
	memset(big, ' ', sizeof(big));
	memcpy(big, "<ussList>", 9);
	memcpy(big + sizeof(big) - 10, "</ussList>", 10);
	ck_assert_int_eq(ap_uss_parse(big, sizeof(big), k, err, sizeof(err)),
	    -1);
	ap_key_unref(k);
}
END_TEST

START_TEST(uss_whole_guss)
{
	struct ap_key *k = new_key();
	char err[256] = "";
	const char *guss =
	    "<guss xmlns=\"urn:3gpp:gba:GBAGUSSSchema-R9:2010-02\">"
	    "<bsfInfo/><ussList><uss id=\"1\" type=\"0\" nafGroup=\"g\">"
	    "<uids><uid>sip:a@b.org</uid><uid>tel:+1555</uid></uids>"
	    "</uss></ussList></guss>";

	ck_assert_msg(ap_uss_parse(guss, strlen(guss), k, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(k->nimpus, 2);
	ck_assert_str_eq(k->impus[1], "tel:+1555");
	ap_key_unref(k);
}
END_TEST

/* ---- ap_digest.c: nonces ------------------------------------------------- */

#define T0	((time_t)1700000000)

static int
is_b64(const char *s)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/") == strlen(s);
}

START_TEST(nonce_single_use)
{
	struct ap_nonces *n = ap_nonces_new(100, 60);
	char a[AP_NONCE_LEN + 1], b[AP_NONCE_LEN + 1], keep;

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(ap_nonce_new(n, T0, a), 0);
	ck_assert_int_eq(ap_nonce_new(n, T0, b), 0);
	/* 18 random octets in base64: 24 characters, no padding */
	ck_assert_uint_eq(strlen(a), AP_NONCE_LEN);
	ck_assert(is_b64(a) && is_b64(b));
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(ap_nonces_count(n), 2);

	/* once, and only once */
	ck_assert_int_eq(ap_nonce_take(n, a, T0 + 1), 0);
	ck_assert_int_eq(ap_nonce_take(n, a, T0 + 1), -1);
	ck_assert_uint_eq(ap_nonces_count(n), 1);
	/* never issued: another nonce, one character changed, other
	 * lengths, empty */
	ck_assert_int_eq(ap_nonce_take(n, "AAAAAAAAAAAAAAAAAAAAAAAA", T0), -1);
	keep = b[3];
	b[3] = keep == 'x' ? 'y' : 'x';
	ck_assert_int_eq(ap_nonce_take(n, b, T0), -1);
	b[3] = keep;
	ck_assert_int_eq(ap_nonce_take(n, "", T0), -1);
	{
		char longer[AP_NONCE_LEN + 2];

		snprintf(longer, sizeof(longer), "%sA", b);
		ck_assert_int_eq(ap_nonce_take(n, longer, T0), -1);
		longer[AP_NONCE_LEN - 1] = '\0';
		ck_assert_int_eq(ap_nonce_take(n, longer, T0), -1);
	}
	ck_assert_uint_eq(ap_nonces_count(n), 1);
	ck_assert_int_eq(ap_nonce_take(n, b, T0), 0);
	ck_assert_uint_eq(ap_nonces_count(n), 0);
	ap_nonces_free(n);
	ap_nonces_free(NULL);
}
END_TEST

START_TEST(nonce_expiry)
{
	struct ap_nonces *n = ap_nonces_new(100, 60);
	char a[AP_NONCE_LEN + 1], b[AP_NONCE_LEN + 1], c[AP_NONCE_LEN + 1];

	ck_assert_ptr_nonnull(n);
	/* good for ua.nonce_lifetime seconds: until T0 + 59 */
	ck_assert_int_eq(ap_nonce_new(n, T0, a), 0);
	ck_assert_int_eq(ap_nonce_take(n, a, T0 + 59), 0);
	ck_assert_int_eq(ap_nonce_new(n, T0, b), 0);
	ck_assert_int_eq(ap_nonce_take(n, b, T0 + 60), -1);
	ck_assert_uint_eq(ap_nonces_count(n), 0);

	/* ap_nonces_expire() drops the dead ones only, oldest first */
	ck_assert_int_eq(ap_nonce_new(n, T0, a), 0);
	ck_assert_int_eq(ap_nonce_new(n, T0 + 30, b), 0);
	ck_assert_int_eq(ap_nonce_new(n, T0 + 45, c), 0);
	ap_nonces_expire(n, T0 + 59);
	ck_assert_uint_eq(ap_nonces_count(n), 3);
	ap_nonces_expire(n, T0 + 60);
	ck_assert_uint_eq(ap_nonces_count(n), 2);
	ck_assert_int_eq(ap_nonce_take(n, a, T0 + 60), -1);
	ck_assert_int_eq(ap_nonce_take(n, c, T0 + 104), 0);
	ck_assert_int_eq(ap_nonce_take(n, b, T0 + 90), -1);
	ck_assert_uint_eq(ap_nonces_count(n), 0);
	ap_nonces_free(n);

	/* the smallest table and lifetime */
	n = ap_nonces_new(1, 1);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(ap_nonce_new(n, T0, a), 0);
	ck_assert_int_eq(ap_nonce_take(n, a, T0), 0);
	ck_assert_int_eq(ap_nonce_new(n, T0, a), 0);
	ck_assert_int_eq(ap_nonce_take(n, a, T0 + 1), -1);
	ap_nonces_free(n);
}
END_TEST

START_TEST(nonce_cap)
{
	struct ap_nonces *n = ap_nonces_new(3, 60);
	char a[3][AP_NONCE_LEN + 1], d[AP_NONCE_LEN + 1];
	int i;

	ck_assert_ptr_nonnull(n);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ap_nonce_new(n, T0, a[i]), 0);
	/* full: refused (503 upstream), live nonces kept */
	errno = 0;
	ck_assert_int_eq(ap_nonce_new(n, T0 + 1, d), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_uint_eq(ap_nonces_count(n), 3);
	/* a nonce used makes room */
	ck_assert_int_eq(ap_nonce_take(n, a[1], T0 + 1), 0);
	ck_assert_int_eq(ap_nonce_new(n, T0 + 1, d), 0);
	errno = 0;
	ck_assert_int_eq(ap_nonce_new(n, T0 + 2, a[1]), -1);
	ck_assert_int_eq(errno, EAGAIN);
	/* so does time: at T0 + 60 the first three are dead */
	ck_assert_int_eq(ap_nonce_new(n, T0 + 60, a[1]), 0);
	ck_assert_uint_eq(ap_nonces_count(n), 2);
	ck_assert_int_eq(ap_nonce_take(n, a[0], T0 + 60), -1);
	ck_assert_int_eq(ap_nonce_take(n, d, T0 + 60), 0);
	ck_assert_int_eq(ap_nonce_take(n, a[1], T0 + 60), 0);
	ap_nonces_free(n);
}
END_TEST

/* Many nonces sharing hash buckets: each one found once, wherever it
 * sits in its chain. */
START_TEST(nonce_many)
{
	enum { N = 3000 };
	struct ap_nonces *n = ap_nonces_new(N, 60);
	char (*a)[AP_NONCE_LEN + 1] = calloc(N, sizeof(*a));
	int i;

	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_nonnull(a);
	for (i = 0; i < N; i++)
		ck_assert_int_eq(ap_nonce_new(n, T0 + i / 100, a[i]), 0);
	ck_assert_uint_eq(ap_nonces_count(n), N);
	for (i = N - 1; i >= 0; i -= 2)
		ck_assert_int_eq(ap_nonce_take(n, a[i], T0 + 30), 0);
	for (i = 0; i < N; i++)
		ck_assert_int_eq(ap_nonce_take(n, a[i], T0 + 30),
		    (N - 1 - i) % 2 == 0 ? -1 : 0);
	ck_assert_uint_eq(ap_nonces_count(n), 0);
	free(a);
	ap_nonces_free(n);
}
END_TEST

/* ---- ap_digest.c: the htdigest file -------------------------------------- */

#define HA1_A	"0123456789abcdef0123456789abcdef"
#define HA1_B	"fedcba9876543210FEDCBA9876543210"

static char ht_path[64];

/* `text` into a new temporary file, whose name goes to ht_path. */
static const char *
ht_write(const char *text)
{
	FILE *f;
	int fd;

	snprintf(ht_path, sizeof(ht_path), "/tmp/ap-tests-htdigest-XXXXXX");
	fd = mkstemp(ht_path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return ht_path;
}

/* Loading `text` must fail at line `line` with `what` in the message. */
static void
ht_refused(const char *text, int line, const char *what)
{
	struct ap_htdigest *h;
	char err[512] = "", want[128];
	const char *path = ht_write(text);

	h = ap_htdigest_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(h == NULL, "accepted: %s", text);
	snprintf(want, sizeof(want), "%s:%d: ", path, line);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "'%s' does not "
	    "start with '%s' (file: %s)", err, want, text);
	ck_assert_msg(strstr(err, what) != NULL, "'%s' lacks '%s'", err, what);
}

START_TEST(htdigest_good)
{
	struct ap_htdigest *h;
	char err[512] = "";
	const char *path = ht_write(
	    "# clients without a USIM\n"
	    "\n"
	    "   # an indented comment\n"
	    "bob:ims.example.org:" HA1_A "\n"
	    "\t  carol:other.example.net:" HA1_B "\r\n"
	    "bob:other.example.net:" HA1_B "\n"
	    "dave:ims.example.org:" HA1_A);	/* no final newline */

	h = ap_htdigest_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(h != NULL, "%s", err);
	ck_assert_str_eq(ap_htdigest_ha1(h, "bob", "ims.example.org"), HA1_A);
	/* HA1 lower-cased, the CR of a CRLF line not part of it */
	ck_assert_str_eq(ap_htdigest_ha1(h, "carol", "other.example.net"),
	    "fedcba9876543210fedcba9876543210");
	ck_assert_str_eq(ap_htdigest_ha1(h, "bob", "other.example.net"),
	    "fedcba9876543210fedcba9876543210");
	ck_assert_str_eq(ap_htdigest_ha1(h, "dave", "ims.example.org"), HA1_A);
	/* exact names: case, realm, unknown users */
	ck_assert_ptr_null(ap_htdigest_ha1(h, "Bob", "ims.example.org"));
	ck_assert_ptr_null(ap_htdigest_ha1(h, "bob", "IMS.example.org"));
	ck_assert_ptr_null(ap_htdigest_ha1(h, "carol", "ims.example.org"));
	ck_assert_ptr_null(ap_htdigest_ha1(h, "eve", "ims.example.org"));
	ck_assert_ptr_null(ap_htdigest_ha1(h, "", ""));
	ck_assert(ap_htdigest_has_realm(h, "ims.example.org"));
	ck_assert(ap_htdigest_has_realm(h, "other.example.net"));
	ck_assert(!ap_htdigest_has_realm(h, "example.org"));
	ck_assert(!ap_htdigest_has_realm(h, "3GPP-bootstrapping@xcap.ims."
	    "example.org"));
	ap_htdigest_free(h);
	ap_htdigest_free(NULL);
	/* no file: none of it */
	ck_assert_ptr_null(ap_htdigest_ha1(NULL, "bob", "ims.example.org"));
	ck_assert(!ap_htdigest_has_realm(NULL, "ims.example.org"));
	ck_assert_ptr_null(ap_htdigest_realm(NULL, 0));

	/* only comments: an empty file is a file */
	path = ht_write("# nobody yet\n\n");
	h = ap_htdigest_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(h != NULL, "%s", err);
	ck_assert_ptr_null(ap_htdigest_realm(h, 0));
	ap_htdigest_free(h);
}
END_TEST

/* The challenge order of the AP: the distinct realms in file order. */
START_TEST(htdigest_realm_order)
{
	struct ap_htdigest *h;
	char err[512] = "";
	const char *path = ht_write(
	    "u1:r2.example:" HA1_A "\n"
	    "u2:r1.example:" HA1_A "\n"
	    "u3:r2.example:" HA1_A "\n"
	    "# r0 would sort first\n"
	    "u4:r0.example:" HA1_A "\n"
	    "u5:r1.example:" HA1_A "\n");

	h = ap_htdigest_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(h != NULL, "%s", err);
	ck_assert_str_eq(ap_htdigest_realm(h, 0), "r2.example");
	ck_assert_str_eq(ap_htdigest_realm(h, 1), "r1.example");
	ck_assert_str_eq(ap_htdigest_realm(h, 2), "r0.example");
	ck_assert_ptr_null(ap_htdigest_realm(h, 3));
	ck_assert_ptr_null(ap_htdigest_realm(h, 100));
	ap_htdigest_free(h);
}
END_TEST

START_TEST(htdigest_bad_lines)
{
	char err[512] = "", line[1200];

	ht_refused("bob ims.example.org " HA1_A "\n", 1, "htdigest format");
	ht_refused("# ok\nbob:ims.example.org\n", 2, "htdigest format");
	ht_refused("bob:ims.example.org:" HA1_A "\n"
	    "carol:ims.example.org:0123456789abcdef0123456789abcde\n", 2,
	    "htdigest format");			/* 31 digits */
	ht_refused("bob:ims.example.org:" HA1_A "0\n", 1, "htdigest format");
	ht_refused("bob:ims.example.org:0123456789abcdef0123456789abcdeg\n",
	    1, "htdigest format");		/* not hex */
	ht_refused("bob:ims.example.org:" HA1_A " \n", 1, "htdigest format");
	ht_refused(":ims.example.org:" HA1_A "\n", 1, "htdigest format");
	ht_refused("bob::" HA1_A "\n", 1, "htdigest format");
	/* names that cannot make sip:user@realm, or a quoted-string */
	ht_refused("bob@evil:ims.example.org:" HA1_A "\n", 1, "htdigest");
	ht_refused("b ob:ims.example.org:" HA1_A "\n", 1, "htdigest");
	ht_refused("bob:ims\"x:" HA1_A "\n", 1, "htdigest");
	ht_refused("bob:ims\\x:" HA1_A "\n", 1, "htdigest");
	ht_refused("bob:ims\x01x:" HA1_A "\n", 1, "htdigest");
	ht_refused("bob:ims:x:" HA1_A "\n", 1, "htdigest");
	/* a line over the reader's buffer */
	memset(line, 'a', sizeof(line));
	memcpy(line + sizeof(line) - 2, "\n", 2);
	{
		char text[1400];

		snprintf(text, sizeof(text), "bob:ims.example.org:" HA1_A
		    "\n%s", line);
		ht_refused(text, 2, "line too long");
	}
	/* no such file */
	ck_assert_ptr_null(ap_htdigest_load("/nonexistent/htdigest", err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "/nonexistent/htdigest") != NULL, "%s", err);
}
END_TEST

START_TEST(htdigest_duplicates)
{
	/* the same user in the same realm twice: which password? */
	ht_refused("bob:ims.example.org:" HA1_A "\n"
	    "carol:ims.example.org:" HA1_A "\n"
	    "bob:ims.example.org:" HA1_B "\n", 3, "listed twice");
}
END_TEST

/* user and realm each up to (AP_IMPU_MAX - 8) / 2 octets, so that
 * sip:user@realm always fits an identity */
START_TEST(htdigest_long_names)
{
	enum { MAXP = (AP_IMPU_MAX - 8) / 2 };
	struct ap_htdigest *h;
	char user[MAXP + 2], realm[MAXP + 2], text[1024], err[512] = "";
	const char *path;

	memset(user, 'u', sizeof(user));
	memset(realm, 'r', sizeof(realm));
	user[MAXP] = realm[MAXP] = '\0';
	snprintf(text, sizeof(text), "%s:%s:" HA1_A "\n", user, realm);
	path = ht_write(text);
	h = ap_htdigest_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(h != NULL, "%s", err);
	ck_assert_str_eq(ap_htdigest_ha1(h, user, realm), HA1_A);
	ck_assert(strlen("sip:") + strlen(user) + 1 + strlen(realm) <
	    AP_IMPU_MAX);
	ap_htdigest_free(h);

	user[MAXP] = 'u';
	user[MAXP + 1] = '\0';
	snprintf(text, sizeof(text), "# long\n%s:%s:" HA1_A "\n", user,
	    realm);
	ht_refused(text, 2, "htdigest format");
	user[MAXP] = '\0';
	realm[MAXP] = 'r';
	realm[MAXP + 1] = '\0';
	snprintf(text, sizeof(text), "%s:%s:" HA1_A "\n", user, realm);
	ht_refused(text, 1, "htdigest format");
}
END_TEST

int
main(void)
{
	Suite *s1 = suite_create("ap_ident"), *s2 = suite_create("ap_uss");
	Suite *s3 = suite_create("ap_digest");
	TCase *tc;
	SRunner *sr;
	int failed;

	tc = tcase_create("ident");
	tcase_add_test(tc, btid_identity);
	tcase_add_test(tc, intended_identity);
	tcase_add_test(tc, identity_match);
	suite_add_tcase(s1, tc);
	tc = tcase_create("uss");
	tcase_add_test(tc, uss_from_bsf);
	tcase_add_test(tc, uss_other_group);
	tcase_add_test(tc, uss_refusals);
	tcase_add_test(tc, uss_whole_guss);
	suite_add_tcase(s2, tc);
	tc = tcase_create("nonces");
	tcase_add_test(tc, nonce_single_use);
	tcase_add_test(tc, nonce_expiry);
	tcase_add_test(tc, nonce_cap);
	tcase_add_test(tc, nonce_many);
	suite_add_tcase(s3, tc);
	tc = tcase_create("htdigest");
	tcase_add_test(tc, htdigest_good);
	tcase_add_test(tc, htdigest_realm_order);
	tcase_add_test(tc, htdigest_bad_lines);
	tcase_add_test(tc, htdigest_duplicates);
	tcase_add_test(tc, htdigest_long_names);
	suite_add_tcase(s3, tc);
	sr = srunner_create(s1);
	srunner_add_suite(sr, s2);
	srunner_add_suite(sr, s3);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
