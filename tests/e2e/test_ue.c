/*
 * test_ue.c — the UE as a user runs it, against the real stack:
 * `ue usim init|show`, `ue bootstrap` (AKAv1, AKAv2, resync, a network
 * that fails MAC-A, unknown IMPI, unreachable BSF, bad usage) and
 * `ue ks-naf`, whose key must equal the ME-Key-Material the BSF hands the
 * NAF over Zn.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e.h"
#include "hex.h"

/* A USIM file for the stack's subscriber (or the K given) in the stack's
 * folder; its path in `path`. */
static void
usim_init(const struct e2e_stack *s, const char *k, char *path, size_t size)
{
	struct e2e_run r;

	snprintf(path, size, "%s/usim", s->dir);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", path, "usim",
	    "init", "--impi", e2e_env(s, "IMPI"), "--k", k != NULL ? k :
	    e2e_env(s, "K"), "--opc", e2e_env(s, "OPC"), "--bsf",
	    e2e_env(s, "BSF_URL"), "--force", NULL });
	ck_assert_msg(r.status == 0, "usim init: %s", r.err);
}

static void
bootstrap(const char *usim, struct e2e_run *r)
{
	e2e_run(r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "--json",
	    "-v", "bootstrap", NULL });
}

START_TEST(ue_bootstrap_and_ks_naf)
{
	struct e2e_stack s;
	struct e2e_run r;
	struct e2e_dia *d;
	struct e2e_bia a;
	char usim[300], btid[300], key[80], hex[80];
	struct stat sb;

	e2e_stack_up(&s, NULL);
	usim_init(&s, NULL, usim, sizeof(usim));
	ck_assert_int_eq(stat(usim, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	bootstrap(usim, &r);
	ck_assert_msg(r.status == 0, "bootstrap: %s", r.err);
	ck_assert_int_eq(e2e_json(r.out, "btid", btid, sizeof(btid)), 0);
	ck_assert_ptr_nonnull(strstr(btid, "@bsf.ims.example.org"));
	ck_assert_int_eq(e2e_json(r.out, "lifetime", key, sizeof(key)), 0);
	ck_assert_int_eq(key[strlen(key) - 1], 'Z');
	/* The key the UE computes is the key the BSF gives the NAF. */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "--json",
	    "ks-naf", e2e_env(&s, "NAF_FQDN"), NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(e2e_json(r.out, "ks_naf", key, sizeof(key)), 0);
	d = e2e_zn_open(&s, e2e_env(&s, "TESTER_ORIGIN_HOST"));
	ck_assert_ptr_nonnull(d);
	e2e_bir(d, &s, e2e_env(&s, "TESTER_ORIGIN_HOST"), btid,
	    e2e_env(&s, "NAF_FQDN"), "0100000007", &a);
	ck_assert_uint_eq(a.result, 2001);
	ck_assert_str_eq(hex_encode(a.key, a.key_len, hex), key);
	/* With another Ua id, another key — again the same on both sides. */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "--json",
	    "ks-naf", e2e_env(&s, "NAF_FQDN"), "--ua-id", "010001008c", NULL });
	ck_assert_int_eq(e2e_json(r.out, "ks_naf", key, sizeof(key)), 0);
	e2e_bir(d, &s, e2e_env(&s, "TESTER_ORIGIN_HOST"), btid,
	    e2e_env(&s, "NAF_FQDN"), "010001008c", &a);
	ck_assert_str_eq(hex_encode(a.key, a.key_len, hex), key);
	e2e_dia_close(d);
	/* usim show keeps keys hidden */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "usim",
	    "show", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, btid));
	ck_assert_ptr_nonnull(strstr(r.out, "[hidden]"));
	ck_assert_ptr_null(strstr(r.out, e2e_env(&s, "K")));
	e2e_stack_down(&s);
}
END_TEST

START_TEST(ue_bootstrap_akav2_trace)
{
	struct e2e_stack s;
	struct e2e_run r;
	char usim[300];

	e2e_stack_up(&s, (const char *[]){ "--scheme", "AKAv2", NULL });
	usim_init(&s, NULL, usim, sizeof(usim));
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "--trace",
	    "bootstrap", NULL });
	ck_assert_msg(r.status == 0, "bootstrap: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "algorithm=AKAv2-MD5"));
	ck_assert_ptr_nonnull(strstr(r.err, "rspauth  verified"));
	ck_assert_ptr_nonnull(strstr(r.err, "CK       [hidden]"));
	ck_assert_ptr_nonnull(strstr(r.out, "B-TID"));
	e2e_stack_down(&s);
}
END_TEST

/* The USIM is ahead of the HSS: AUTS, a fresh challenge, success; and the
 * next bootstrap needs no resync. */
START_TEST(ue_bootstrap_resync)
{
	struct e2e_stack s;
	struct e2e_run r;
	char usim[300], text[4096];
	long pos = 0;
	FILE *f;

	e2e_stack_up(&s, NULL);
	usim_init(&s, NULL, usim, sizeof(usim));
	/* put every SEQ of the USIM at 5000 */
	f = fopen(usim, "a");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	e2e_run(&r, (const char *[]){ "/bin/sed", "-i", "s/^seq = .*/seq = "
	    "5000,5000,5000,5000,5000,5000,5000,5000,5000,5000,5000,5000,5000,"
	    "5000,5000,5000,5000,5000,5000,5000,5000,5000,5000,5000,5000,5000,"
	    "5000,5000,5000,5000,5000,5000/", usim, NULL });
	ck_assert_int_eq(r.status, 0);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "--trace",
	    "bootstrap", NULL });
	ck_assert_msg(r.status == 0, "bootstrap: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "resynchronising with AUTS"));
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "HSS_STUB_LOG"),
	    "HSS-RESYNC impi=", &pos, text, sizeof(text), E2E_WAIT_MS), 0);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "--trace",
	    "bootstrap", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_null(strstr(r.err, "resynchronising"));
	e2e_stack_down(&s);
}
END_TEST

/* A USIM whose K differs from the HSS's: MAC-A fails, the UE refuses the
 * network (exit 3) and the BSF logs why. */
START_TEST(ue_bootstrap_network_fails_mac)
{
	struct e2e_stack s;
	struct e2e_run r;
	char usim[300];
	long pos = 0;

	e2e_stack_up(&s, NULL);
	usim_init(&s, "00112233445566778899aabbccddeeff", usim, sizeof(usim));
	bootstrap(usim, &r);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "network authentication failed"));
	ck_assert_ptr_nonnull(strstr(r.err, "why: TS 33.102"));
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "BSF_LOG"),
	    "status=403", &pos, NULL, 0, E2E_WAIT_MS), 0);
	e2e_stack_down(&s);
}
END_TEST

START_TEST(ue_bootstrap_errors)
{
	struct e2e_stack s;
	struct e2e_run r;
	char usim[300], other[300];

	e2e_stack_up(&s, NULL);
	/* unknown IMPI: the BSF says 403 → exit 3 */
	snprintf(other, sizeof(other), "%s/other", s.dir);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", other, "usim",
	    "init", "--impi", "nobody@ims.example.org", "--k", e2e_env(&s, "K"),
	    "--opc", e2e_env(&s, "OPC"), NULL });
	ck_assert_int_eq(r.status, 0);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", other, "--bsf",
	    e2e_env(&s, "BSF_URL"), "bootstrap", NULL });
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "403"));
	/* no BSF known → 2; BSF unreachable → 5 */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", other,
	    "bootstrap", NULL });
	ck_assert_int_eq(r.status, 2);
	usim_init(&s, NULL, usim, sizeof(usim));
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "--bsf",
	    "http://127.0.0.1:9", "bootstrap", NULL });
	ck_assert_int_eq(r.status, 5);
	/* ks-naf before any bootstrap → 2 */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "ks-naf",
	    "xcap.ims.example.org", NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "ue bootstrap"));
	/* a USIM others may read is refused */
	ck_assert_int_eq(chmod(usim, 0644), 0);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "bootstrap", NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "chmod 600"));
	/* init refuses to overwrite, and bad input */
	ck_assert_int_eq(chmod(usim, 0600), 0);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "usim",
	    "init", "--impi", "a@b", "--k", e2e_env(&s, "K"), "--opc",
	    e2e_env(&s, "OPC"), NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "exists"));
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", other, "usim",
	    "init", "--impi", "a@b", "--k", "12", "--opc", e2e_env(&s, "OPC"),
	    "--force", NULL });
	ck_assert_int_eq(r.status, 2);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "bootstrap", "extra", NULL });
	ck_assert_int_eq(r.status, 2);
	e2e_stack_down(&s);
}
END_TEST

Suite *
suite_e2e_ue(void)
{
	Suite *s = suite_create("e2e_ue");
	TCase *tc = tcase_create("ue");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ue_bootstrap_and_ks_naf);
	tcase_add_test(tc, ue_bootstrap_akav2_trace);
	tcase_add_test(tc, ue_bootstrap_resync);
	tcase_add_test(tc, ue_bootstrap_network_fails_mac);
	tcase_add_test(tc, ue_bootstrap_errors);
	suite_add_tcase(s, tc);
	return s;
}
