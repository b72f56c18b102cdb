/*
 * ap_tests.c — the Authentication Proxy's own modules (ap/, not common/)
 * in their own Check runner: the identities it reads from clients
 * (ap_ident.c) and the GBA-UserSecSettings it gets on Zn (ap_uss_parse),
 * with the ussList written the way the BSF writes it: hss-stub's GUSS
 * filtered by bsf_guss_uss_list().
 *
 *   suite "ap_ident": PSK identities, Intended-Identity values, matching.
 *   suite "ap_uss":   uids in order, duplicates, whole GUSS, refusals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
main(void)
{
	Suite *s1 = suite_create("ap_ident"), *s2 = suite_create("ap_uss");
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
	sr = srunner_create(s1);
	srunner_add_suite(sr, s2);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
