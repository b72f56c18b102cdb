/*
 * test_conformance.c — `ue conformance` against our own stack: without
 * --ap every BSF case passes and the AP cases are reported as not run
 * (exit 0); with --ap and --impu every case passes, BSF and AP (the AP's
 * event lines show what each AP case provoked); without --impu the case
 * that needs it is not run and the others pass; --json is one well-formed
 * object with the totals and a `cases` array; the Digest cases of the AP's
 * certificate mode pass with --ca (or the USIM's ca) and are not run
 * without a CA; the USIM file is left as it was and still bootstraps
 * without a resync; runs beyond the BSF's failure
 * budget still pass (a success clears it); an unreachable BSF or AP is
 * exit 5, bad usage exit 2.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

#define N_BSF_CASES	13
#define N_AP_CASES	12
#define N_DIGEST_CASES	4

/* --- a strict JSON syntax check (RFC 8259), enough for `ue --json` ----- */

static const char *json_value(const char *p, int depth);

static const char *
ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *
json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if (*p == '\0' || (unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
				p += 4;
			} else if (*p == '\0' ||
			    strchr("\"\\/bfnrt", *p) == NULL)
				return NULL;
		}
	}
	return p + 1;
}

static const char *
json_list(const char *p, int depth, char close, int members)
{
	p = ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (members) {
			if ((p = json_string(p)) == NULL)
				return NULL;
			p = ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if ((p = json_value(ws(p), depth + 1)) == NULL)
			return NULL;
		p = ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = ws(p);
	}
}

static const char *
json_value(const char *p, int depth)
{
	if (depth > 16)
		return NULL;
	switch (*p) {
	case '{':
		return json_list(p, depth, '}', 1);
	case '[':
		return json_list(p, depth, ']', 0);
	case '"':
		return json_string(p);
	case 't':
		return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n':
		return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default:
		if (*p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return NULL;
		while (isdigit((unsigned char)*p))
			p++;
		return p;
	}
}

/* One JSON object and nothing after it but a newline. */
static int
json_ok(const char *s)
{
	const char *e;

	if (*s != '{' || (e = json_value(s, 0)) == NULL)
		return 0;
	return strcmp(e, "\n") == 0;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* --- helpers ------------------------------------------------------------ */

static void
usim_init(const struct e2e_stack *s, char *path, size_t size)
{
	struct e2e_run r;

	snprintf(path, size, "%s/usim", s->dir);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", path, "usim",
	    "init", "--impi", e2e_env(s, "IMPI"), "--k", e2e_env(s, "K"),
	    "--opc", e2e_env(s, "OPC"), "--bsf", e2e_env(s, "BSF_URL"),
	    "--force", NULL });
	ck_assert_msg(r.status == 0, "usim init: %s", r.err);
}

static void
slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* The table row of case `name` (up to the newline) into `row`. */
static void
row_of(const char *out, const char *name, char *row, size_t size)
{
	char pat[80];
	const char *p;

	snprintf(pat, sizeof(pat), "\n%s ", name);
	p = strstr(out, pat);
	ck_assert_msg(p != NULL, "no row for %s in:\n%s", name, out);
	p++;
	snprintf(row, size, "%.*s", (int)strcspn(p, "\n"), p);
}

/* --- cases -------------------------------------------------------------- */

START_TEST(conformance_own_stack)
{
	static const char *const bsf_cases[N_BSF_CASES] = {
		"no-authorization", "normal-bootstrap", "replayed-nonce",
		"resync", "missing-nc", "missing-cnonce", "missing-uri",
		"duplicate-parameter", "realm-mismatch", "opaque-not-echoed",
		"wrong-algorithm", "network-rejected", "wrong-res",
	};
	struct e2e_stack s;
	struct e2e_run r;
	char usim[300], before[4096], after[4096], row[512], v[64];
	long pos = 0;
	size_t i;

	e2e_stack_up(&s, NULL);
	usim_init(&s, usim, sizeof(usim));
	slurp(usim, before, sizeof(before));

	/* 1. The table: every BSF case passes, the AP cases are not run. */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "conformance", NULL });
	ck_assert_msg(r.status == 0, "conformance: %d\n%s\n%s", r.status,
	    r.out, r.err);
	/* header: case | expect | got | result | clause (padded) */
	ck_assert_ptr_nonnull(strstr(r.out, "\ncase "));
	ck_assert_ptr_nonnull(strstr(r.out, " | result  | clause\n"));
	for (i = 0; i < N_BSF_CASES; i++) {
		row_of(r.out, bsf_cases[i], row, sizeof(row));
		ck_assert_msg(strstr(row, "| pass ") != NULL, "%s", row);
		ck_assert_msg(strstr(row, "| spec: ") != NULL ||
		    strstr(row, "| decision: ") != NULL, "%s", row);
	}
	row_of(r.out, "ap-wrong-psk", row, sizeof(row));
	ck_assert_ptr_nonnull(strstr(row, "| not run "));
	ck_assert_int_eq(count(r.out, "no --ap given"), N_AP_CASES);
	ck_assert_ptr_nonnull(strstr(r.out,
	    "\n13 passed, 0 failed, 12 not run\n"));
	/* the resync case really went through the HSS */
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "BSF_LOG"), "BSF-RESYNC ",
	    &pos, NULL, 0, E2E_WAIT_MS), 0);
	pos = 0;
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "HSS_STUB_LOG"),
	    "HSS-RESYNC impi=", &pos, NULL, 0, E2E_WAIT_MS), 0);

	/* 2. --json, with the AP, the IMPU and the CA: one object, totals
	 * and cases, every one passed. */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "conformance", "--json", "--ap", e2e_env(&s, "AP_URL"), "--impu",
	    e2e_env(&s, "IMPU"), "--ca", e2e_env(&s, "AP_CA_CERT"), NULL });
	ck_assert_msg(r.status == 0, "conformance --json: %s\n%s", r.out,
	    r.err);
	ck_assert_msg(json_ok(r.out), "not one JSON object: %s", r.out);
	ck_assert_int_eq(e2e_json(r.out, "passed", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "25");
	ck_assert_int_eq(e2e_json(r.out, "failed", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "0");
	ck_assert_int_eq(e2e_json(r.out, "not_run", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "0");
	ck_assert_int_eq(e2e_json(r.out, "ap", v, sizeof(v)), 0);
	ck_assert_str_eq(v, e2e_env(&s, "AP_URL"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"cases\": [{\"case\": "));
	ck_assert_int_eq(count(r.out, "\"case\": "), N_BSF_CASES + N_AP_CASES);
	ck_assert_int_eq(count(r.out, "\"result\": \"pass\""), N_BSF_CASES +
	    N_AP_CASES);
	ck_assert_int_eq(count(r.out, "\"peer\": \"ap\""), N_AP_CASES);
	ck_assert_int_eq(count(r.out, "\"basis\": \"spec\"") +
	    count(r.out, "\"basis\": \"decision\""), N_BSF_CASES + N_AP_CASES);
	for (i = 0; i < 3; i++) {
		static const char *const keys[3] = { "\"clause\": ",
		    "\"expect\": ", "\"got\": " };

		ck_assert_int_eq(count(r.out, keys[i]), N_BSF_CASES +
		    N_AP_CASES);
	}

	/* 3. The USIM file is untouched, and still bootstraps without a
	 * resync although the HSS moved ahead of it. */
	slurp(usim, after, sizeof(after));
	ck_assert_str_eq(before, after);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "--trace",
	    "bootstrap", NULL });
	ck_assert_msg(r.status == 0, "bootstrap: %s", r.err);
	ck_assert_ptr_null(strstr(r.err, "resynchronising"));

	/* 4. Each run sent one wrong answer, and each run's successes
	 * cleared the BSF's failure count for this IMPI: a third and a
	 * fourth run (beyond the default budget of 3) still pass. */
	for (i = 0; i < 2; i++) {
		e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
		    "conformance", NULL });
		ck_assert_msg(r.status == 0, "conformance: %d\n%s", r.status,
		    r.out);
		ck_assert_ptr_nonnull(strstr(r.out,
		    "\n13 passed, 0 failed, 12 not run\n"));
	}
	row_of(r.out, "wrong-res", row, sizeof(row));
	ck_assert_msg(strstr(row, "| pass ") != NULL, "%s", row);
	e2e_stack_down(&s);
}
END_TEST

/*
 * The AP cases against our AP, as a table: each passes, and the AP's
 * event lines show what each provoked (an unknown B-TID refused with Zn
 * 5403, wrong keys, a foreign intended identity, h2; in certificate mode
 * Digest answered with Ks_NAF for 01 00 01 13 01, a wrong password, a used
 * nonce, an unknown B-TID). Without --impu the case that needs it is not
 * run, without a CA the Digest cases. An AP that cannot be reached: exit 5.
 */
START_TEST(conformance_ap)
{
	static const char *const ap_cases[N_AP_CASES] = {
		"ap-tls13-psk", "ap-tls12-psk", "ap-h2-alpn",
		"ap-no-intended-identity", "ap-foreign-intended-identity",
		"ap-forged-asserted-identity", "ap-unknown-btid",
		"ap-wrong-psk", "ap-digest", "ap-digest-wrong-password",
		"ap-digest-stale-nonce", "ap-digest-realm",
	};
	struct e2e_stack s;
	static struct e2e_run r;
	static char trace[512 * 1024];
	char usim[300], row[512], line[1024], cmd[1024];
	const char *aplog;
	long apos, ppos;
	size_t i;

	e2e_stack_up(&s, NULL);
	usim_init(&s, usim, sizeof(usim));
	aplog = e2e_env(&s, "AP_LOG");
	apos = e2e_log_size(aplog);
	ppos = e2e_log_size(e2e_env(&s, "PRESENCE_LOG"));
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "--naf-fqdn", e2e_env(&s, "NAF_FQDN"), "conformance", "--ap",
	    e2e_env(&s, "AP_URL"), "--impu", e2e_env(&s, "IMPU"), "--ca",
	    e2e_env(&s, "AP_CA_CERT"), NULL });
	ck_assert_msg(r.status == 0, "conformance --ap: %d\n%s\n%s", r.status,
	    r.out, r.err);
	for (i = 0; i < N_AP_CASES; i++) {
		row_of(r.out, ap_cases[i], row, sizeof(row));
		ck_assert_msg(strstr(row, "| pass ") != NULL, "%s", row);
		ck_assert_msg(strstr(row, "| spec: ") != NULL ||
		    strstr(row, "| decision: ") != NULL, "%s", row);
	}
	ck_assert_ptr_nonnull(strstr(r.out,
	    "\n25 passed, 0 failed, 0 not run\n"));
	/* what the rows say they saw */
	row_of(r.out, "ap-unknown-btid", row, sizeof(row));
	ck_assert_msg(strstr(row, "unknown_psk_identity") != NULL, "%s", row);
	row_of(r.out, "ap-tls12-psk", row, sizeof(row));
	ck_assert_msg(strstr(row, "TLS 1.2 ") != NULL, "%s", row);
	row_of(r.out, "ap-foreign-intended-identity", row, sizeof(row));
	ck_assert_msg(strstr(row, "GET 403 -> GET 200") != NULL, "%s", row);
	/* and what the AP and presence logged */
	ck_assert_int_eq(e2e_wait_log(aplog, "AP-TLS-OK ", &apos, line,
	    sizeof(line), E2E_WAIT_MS), 0);
	ck_assert_msg(strstr(line, "version=1.3") != NULL, "%s", line);
	ck_assert_int_eq(e2e_wait_log(aplog, "version=1.2", &apos, line,
	    sizeof(line), E2E_WAIT_MS), 0);
	ck_assert_int_eq(e2e_wait_log(aplog, "alpn=h2", &apos, line,
	    sizeof(line), E2E_WAIT_MS), 0);
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "PRESENCE_LOG"),
	    "XCAP-PUT user=sip:alice@ims.example.org", &ppos, line,
	    sizeof(line), E2E_WAIT_MS), 0);
	ck_assert_int_eq(e2e_wait_log(aplog, "AP-IDENTITY-DENIED ", &apos,
	    line, sizeof(line), E2E_WAIT_MS), 0);
	ck_assert_msg(strstr(line, "conformance-foreign-") != NULL, "%s", line);
	ck_assert_int_eq(e2e_wait_log(aplog, "AP-ZN-KEY-FAILED ", &apos, line,
	    sizeof(line), E2E_WAIT_MS), 0);
	ck_assert_msg(strstr(line, "result=5403") != NULL, "%s", line);
	ck_assert_int_eq(e2e_wait_log(aplog, "AP-TLS-FAIL ", &apos, line,
	    sizeof(line), E2E_WAIT_MS), 0);
	/* the Digest cases: the rows, and the AP's side of each */
	row_of(r.out, "ap-digest", row, sizeof(row));
	ck_assert_msg(strstr(row, "GET 401 -> GET 200 -> rspauth ok") != NULL,
	    "%s", row);
	row_of(r.out, "ap-digest-stale-nonce", row, sizeof(row));
	ck_assert_msg(strstr(row, "-> stale -> GET 200 -> rspauth ok") !=
	    NULL, "%s", row);
	row_of(r.out, "ap-digest-realm", row, sizeof(row));
	ck_assert_msg(strstr(row, "GET 401 -> realm ok -> GET 401 -> realm ok")
	    != NULL, "%s", row);
	ck_assert_int_eq(e2e_wait_log(aplog, "auth=certificate", &apos, line,
	    sizeof(line), E2E_WAIT_MS), 0);
	ck_assert_msg(strstr(line, "AP-TLS-OK ") != NULL, "%s", line);
	ck_assert_int_eq(e2e_wait_log(aplog, "ua_id=0100011301", &apos, line,
	    sizeof(line), E2E_WAIT_MS), 0);
	ck_assert_msg(strstr(line, "AP-ZN-KEY-FETCHED ") != NULL, "%s", line);
	ck_assert_int_eq(e2e_wait_log(aplog, "reason=\"wrong Digest response\"",
	    &apos, line, sizeof(line), E2E_WAIT_MS), 0);
	ck_assert_msg(strstr(line, "AP-DIGEST-FAIL ") != NULL, "%s", line);
	ck_assert_int_eq(e2e_wait_log(aplog, "reason=\"unknown, used or "
	    "expired nonce\"", &apos, line, sizeof(line), E2E_WAIT_MS), 0);
	ck_assert_int_eq(e2e_wait_log(aplog, "AP-ZN-KEY-FAILED ", &apos, line,
	    sizeof(line), E2E_WAIT_MS), 0);
	ck_assert_msg(strstr(line, "result=5403") != NULL, "%s", line);

	/* no IMPU and no CA: those cases are not run, the rest still pass */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "conformance", "--ap", e2e_env(&s, "AP_URL"), NULL });
	ck_assert_msg(r.status == 0, "conformance --ap: %d\n%s\n%s", r.status,
	    r.out, r.err);
	row_of(r.out, "ap-no-intended-identity", row, sizeof(row));
	ck_assert_msg(strstr(row, "| not run ") != NULL, "%s", row);
	ck_assert_ptr_nonnull(strstr(r.out, "needs the user's IMPU"));
	for (i = N_AP_CASES - N_DIGEST_CASES; i < N_AP_CASES; i++) {
		row_of(r.out, ap_cases[i], row, sizeof(row));
		ck_assert_msg(strstr(row, "| not run ") != NULL, "%s", row);
	}
	ck_assert_int_eq(count(r.out, "needs the CA of the AP's certificate"),
	    N_DIGEST_CASES);
	ck_assert_ptr_nonnull(strstr(r.out,
	    "\n20 passed, 0 failed, 5 not run\n"));

	/* --trace names the case of each line, keys hidden (the trace is
	 * long: into a file) */
	snprintf(cmd, sizeof(cmd), "exec %s --usim %s --trace conformance "
	    "--ap %s --ca %s 2>%s/trace.txt", e2e_prog("ue"), usim,
	    e2e_env(&s, "AP_URL"), e2e_env(&s, "AP_CA_CERT"), s.dir);
	e2e_run(&r, (const char *[]){ "/bin/sh", "-c", cmd, NULL });
	ck_assert_int_eq(r.status, 0);
	snprintf(cmd, sizeof(cmd), "%s/trace.txt", s.dir);
	slurp(cmd, trace, sizeof(trace));
	ck_assert_ptr_nonnull(strstr(trace, "[ap-tls12-psk]    NAF_Id   "
	    "xcap.ims.example.org || 010001"));
	ck_assert_ptr_nonnull(strstr(trace, "[ap-wrong-psk]    Ks_NAF   "
	    "[hidden] (last bit flipped on purpose)"));
	ck_assert_ptr_nonnull(strstr(trace, "[ap-h2-alpn] <- HTTP/2 200"));
	ck_assert_ptr_nonnull(strstr(trace, "[ap-digest-wrong-password]    "
	    "Ks_NAF   [hidden] (last bit flipped on purpose)"));
	ck_assert_ptr_nonnull(strstr(trace, "[ap-digest] -> Authorization: "
	    "Digest username=\""));
	ck_assert_ptr_nonnull(strstr(trace, "[ap-digest]    rspauth  "));
	/* every Ks_NAF line and Digest password hidden */
	ck_assert_int_ge(count(trace, "Ks_NAF   "), 11);
	ck_assert_int_eq(count(trace, "Ks_NAF   "), count(trace,
	    "Ks_NAF   [hidden]"));
	ck_assert_int_ge(count(trace, "password base64(Ks_NAF) "), 4);
	ck_assert_int_eq(count(trace, "password base64(Ks_NAF) "), count(trace,
	    "password base64(Ks_NAF) [hidden]"));

	/* the AP unreachable: 5; not https: 2 */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "conformance", "--ap", "https://127.0.0.1:9", NULL });
	ck_assert_int_eq(r.status, 5);
	ck_assert_ptr_nonnull(strstr(r.err, "cannot reach the AP"));
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "conformance", "--ap", "http://127.0.0.1:9", NULL });
	ck_assert_int_eq(r.status, 2);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "conformance", "--ap", e2e_env(&s, "AP_URL"), "--impu", "alice",
	    NULL });
	ck_assert_int_eq(r.status, 2);
	e2e_stack_down(&s);
}
END_TEST

START_TEST(conformance_unreachable_and_usage)
{
	struct e2e_run r;
	char dir[] = "/tmp/e2e-conf-XXXXXX", usim[300];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(usim, sizeof(usim), "%s/usim", dir);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "usim",
	    "init", "--impi", "001010000000001@ims.mnc001.mcc001."
	    "3gppnetwork.org", "--k", "465b5ce8b199b49faa5f0a2ee238a6bc",
	    "--opc", "cd63cb71954a9f4e48a5994e37a02baf", NULL });
	ck_assert_msg(r.status == 0, "usim init: %s", r.err);
	/* nobody listens on the discard port */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "conformance", "--bsf", "http://127.0.0.1:9", NULL });
	ck_assert_int_eq(r.status, 5);
	ck_assert_ptr_nonnull(strstr(r.err, "cannot reach the BSF"));
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim, "--json",
	    "--bsf", "http://127.0.0.1:9", "conformance", NULL });
	ck_assert_int_eq(r.status, 5);
	/* usage: no BSF known, unknown option, extra argument */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "conformance", NULL });
	ck_assert_int_eq(r.status, 2);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "conformance", "--bogus", NULL });
	ck_assert_int_eq(r.status, 2);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", usim,
	    "conformance", "extra", NULL });
	ck_assert_int_eq(r.status, 2);
	/* --list and --help need no USIM and no network */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", "/nonexistent",
	    "conformance", "--list", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(count(r.out, "  basis   "), N_BSF_CASES + N_AP_CASES);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "conformance", "--help",
	    NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "budget"));
	unlink(usim);
	rmdir(dir);
}
END_TEST

Suite *
suite_e2e_conformance(void)
{
	Suite *s = suite_create("e2e_conformance");
	TCase *tc = tcase_create("conformance");

	tcase_set_timeout(tc, 90);
	tcase_add_unchecked_fixture(tc, e2e_sweep_setup, e2e_sweep_teardown);
	tcase_add_test(tc, conformance_own_stack);
	tcase_add_test(tc, conformance_ap);
	tcase_add_test(tc, conformance_unreachable_and_usage);
	suite_add_tcase(s, tc);
	return s;
}
