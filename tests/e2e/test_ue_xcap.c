/*
 * test_ue_xcap.c — `ue xcap` as a user runs it, against the real stack
 * (hss-stub, bsf, presence and the ap, started by scripts/stack):
 *
 *  - a USIM never bootstrapped: the first `ue xcap put` bootstraps first,
 *    then TLS 1.3 PSK (Ua id 01 00 00 00 07) and the document is created
 *    (201, ETag); get returns the same bytes and ETag (human and --json,
 *    --output FILE); --if-none-match → 304; --if-match stale → 412 (exit 4),
 *    right → 200; element and attribute PUT/GET with the MIME type taken
 *    from the selector; put from stdin ("-"); --content-type override (a
 *    wrong one → 415); delete, then get → 404 (exit 4);
 *  - --tls1.2 (the AP picks the suite, the key follows it: AP and UE agree
 *    on the Ua id 01 00 01 yy zz) and --tls-priority forcing suites;
 *  - --http2: ALPN h2 (AP-TLS-OK alpn=h2), PUT and GET over HTTP/2;
 *  - --intended-identity: the user's second IMPU (acts as it), another
 *    user's (403 from the AP, exit 4, -v says why); none: the first IMPU;
 *  - re-bootstrapping: a B-TID the BSF never issued (the AP answers
 *    unknown_psk_identity: the UE bootstraps again and retries once, says
 *    so); a USIM lifetime in the past (bootstraps before connecting);
 *  - --trace (TLS version, suite, NAF_Id, both heads and bodies, Ks_NAF
 *    [hidden]; with --show-keys the very key `ue ks-naf` computes);
 *  - failures: a wrong Ks (handshake fails, exit 3, -v names the clause),
 *    another NAF name (exit 3), the AP unreachable (5), bad usage and
 *    --digest (2).
 *
 * No sleeps: the UE's own answers, and event lines waited for in the logs.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"

#define ALICE		"sip:alice@ims.example.org"
#define PSEUDO		"sip:alice.pseudonym@ims.example.org"
#define MALLORY		"sip:mallory@ims.example.org"
#define RL_MIME		"application/resource-lists+xml"

static const char doc_v1[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">\n"
    "  <list name=\"friends\">\n"
    "    <entry uri=\"sip:bob@ims.example.org\"/>\n"
    "  </list>\n"
    "</resource-lists>\n";

static const char doc_v2[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">\n"
    "  <list name=\"friends\"/>\n"
    "  <list name=\"family\"/>\n"
    "</resource-lists>\n";

/* --- helpers ------------------------------------------------------------ */

struct ux {
	struct e2e_stack	 s;
	char			 usim[300];
	char			 file[300];	/* a document to PUT */
	long			 apos, bpos, ppos;
};

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
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

/* A stack with `args`, a USIM (not bootstrapped) with bsf and ap set. */
static void
ux_up(struct ux *x, const char *const *args)
{
	struct e2e_run r;

	e2e_stack_up(&x->s, args);
	snprintf(x->usim, sizeof(x->usim), "%s/usim", x->s.dir);
	snprintf(x->file, sizeof(x->file), "%s/doc.xml", x->s.dir);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x->usim,
	    "usim", "init", "--impi", e2e_env(&x->s, "IMPI"), "--k",
	    e2e_env(&x->s, "K"), "--opc", e2e_env(&x->s, "OPC"), "--bsf",
	    e2e_env(&x->s, "BSF_URL"), "--ap", e2e_env(&x->s, "AP_URL"),
	    "--naf-fqdn", e2e_env(&x->s, "NAF_FQDN"), NULL });
	ck_assert_msg(r.status == 0, "usim init: %s", r.err);
	x->apos = e2e_log_size(e2e_env(&x->s, "AP_LOG"));
	x->bpos = e2e_log_size(e2e_env(&x->s, "BSF_LOG"));
	x->ppos = e2e_log_size(e2e_env(&x->s, "PRESENCE_LOG"));
}

/* `ue --usim U [pre...] xcap ARGS...`: pre and args NULL-terminated. */
static void
ux_run(struct ux *x, struct e2e_run *r, const char *const *pre,
    const char *const *args)
{
	const char *argv[48];
	size_t n = 0, i;

	argv[n++] = e2e_prog("ue");
	argv[n++] = "--usim";
	argv[n++] = x->usim;
	for (i = 0; pre != NULL && pre[i] != NULL; i++)
		argv[n++] = pre[i];
	argv[n++] = "xcap";
	for (i = 0; args[i] != NULL; i++) {
		ck_assert_uint_lt(n, 46);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	e2e_run(r, argv);
}

/* The same with `input` on stdin. */
static void
ux_run_stdin(struct ux *x, struct e2e_run *r, const char *input,
    const char *const *args)
{
	char outp[] = "/tmp/e2e-out-XXXXXX", errp[] = "/tmp/e2e-err-XXXXXX";
	const char *argv[32];
	int in[2], outfd, errfd, st;
	size_t n = 0, i, len;
	ssize_t k;
	pid_t pid;

	argv[n++] = e2e_prog("ue");
	argv[n++] = "--usim";
	argv[n++] = x->usim;
	argv[n++] = "xcap";
	for (i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	outfd = mkstemp(outp);
	errfd = mkstemp(errp);
	ck_assert(outfd >= 0 && errfd >= 0 && pipe(in) == 0);
	unlink(outp);
	unlink(errp);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outfd, 1);
		dup2(errfd, 2);
		close(in[1]);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(in[0]);
	signal(SIGPIPE, SIG_IGN);
	/* small: fits the pipe buffer, so no deadlock with the child */
	len = strlen(input);
	ck_assert_uint_lt(len, 4096);
	k = write(in[1], input, len);
	ck_assert_int_eq(k, (ssize_t)len);
	close(in[1]);
	ck_assert(waitpid(pid, &st, 0) == pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	lseek(outfd, 0, SEEK_SET);
	k = read(outfd, r->out, sizeof(r->out) - 1);
	r->out[k > 0 ? k : 0] = '\0';
	lseek(errfd, 0, SEEK_SET);
	k = read(errfd, r->err, sizeof(r->err) - 1);
	r->err[k > 0 ? k : 0] = '\0';
	close(outfd);
	close(errfd);
}

/* A JSON string value of `key`, unescaped (\" \\ \n \t \r \uXXXX). */
static int
json_str(const char *json, const char *key, char *out, size_t size)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	if ((p = strstr(json, pat)) == NULL)
		return -1;
	for (p += strlen(pat); *p != '"'; p++) {
		if (*p == '\0' || n + 1 >= size)
			return -1;
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'n': out[n++] = '\n'; break;
			case 't': out[n++] = '\t'; break;
			case 'r': out[n++] = '\r'; break;
			case 'u':
				out[n++] = (char)strtol((char[]){ p[1], p[2],
				    p[3], p[4], 0 }, NULL, 16);
				p += 4;
				break;
			default: out[n++] = *p; break;
			}
		} else
			out[n++] = *p;
	}
	out[n] = '\0';
	return 0;
}

static void
wait_ev(const char *log, long *pos, const char *needle, char *line,
    size_t size)
{
	ck_assert_msg(e2e_wait_log(log, needle, pos, line, size,
	    E2E_WAIT_MS) == 0, "no '%s' in %s", needle, log);
}

#define AP_LOG(x)	e2e_env(&(x)->s, "AP_LOG")
#define BSF_LOG(x)	e2e_env(&(x)->s, "BSF_LOG")
#define PR_LOG(x)	e2e_env(&(x)->s, "PRESENCE_LOG")

/* --- cases -------------------------------------------------------------- */

/* Document, element and attribute through the AP over TLS 1.3 PSK and
 * HTTP/1.1, with ETags; the first command bootstraps. */
START_TEST(ue_xcap_documents)
{
	static struct ux x;
	static struct e2e_run r;
	static char body[8192], etag[256], etag2[256], line[2048];
	char out[300], path[300], el[400], att[400], elfile[300];

	ux_up(&x, NULL);
	snprintf(path, sizeof(path), "resource-lists/users/%s/index", ALICE);
	write_file(x.file, doc_v1);

	/* 1. put: no bootstrapping yet → bootstrap first; 201 and an ETag */
	ux_run(&x, &r, (const char *[]){ "--json", NULL }, (const char *[]){
	    "put", path, x.file, NULL });
	ck_assert_msg(r.status == 0, "put: %d\n%s\n%s", r.status, r.out,
	    r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "bootstrapping first"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"status\": 201"));
	ck_assert_int_eq(json_str(r.out, "etag", etag, sizeof(etag)), 0);
	ck_assert_msg(etag[0] == '"', "etag %s", etag);
	ck_assert_int_eq(json_str(r.out, "tls", body, sizeof(body)), 0);
	ck_assert_str_eq(body, "1.3");
	ck_assert_int_eq(json_str(r.out, "ua_id", body, sizeof(body)), 0);
	ck_assert_str_eq(body, "0100000007");
	ck_assert_int_eq(json_str(r.out, "http", body, sizeof(body)), 0);
	ck_assert_str_eq(body, "HTTP/1.1");
	wait_ev(BSF_LOG(&x), &x.bpos, "BSF-BOOTSTRAP-OK ", line, sizeof(line));
	wait_ev(AP_LOG(&x), &x.apos, "AP-TLS-OK ", line, sizeof(line));
	ck_assert_msg(strstr(line, "version=1.3") && strstr(line,
	    "alpn=http/1.1"), "%s", line);
	wait_ev(PR_LOG(&x), &x.ppos, "XCAP-PUT ", line, sizeof(line));
	ck_assert_msg(strstr(line, "user=" ALICE) && strstr(line,
	    "created=yes"), "%s", line);
	wait_ev(AP_LOG(&x), &x.apos, "AP-FORWARD ", line, sizeof(line));
	ck_assert_msg(strstr(line, "method=PUT") && strstr(line, "status=201")
	    && strstr(line, "identity=" ALICE), "%s", line);

	/* 2. get: the same bytes and ETag, human output */
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, NULL });
	ck_assert_msg(r.status == 0, "get: %s", r.err);
	ck_assert_msg(strncmp(r.out, "HTTP/1.1 200 OK\n", 16) == 0, "%s",
	    r.out);
	snprintf(body, sizeof(body), "ETag: %s\n", etag);
	ck_assert_ptr_nonnull(strstr(r.out, body));
	ck_assert_ptr_nonnull(strstr(r.out, "Content-Type: " RL_MIME "\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\n\n"));
	ck_assert_str_eq(strstr(r.out, "\n\n") + 2, doc_v1);
	ck_assert_ptr_null(strstr(r.err, "bootstrapping"));
	/* --json body, and --output FILE: exactly the bytes */
	snprintf(out, sizeof(out), "%s/got.xml", x.s.dir);
	ux_run(&x, &r, (const char *[]){ "--json", NULL }, (const char *[]){
	    "get", path, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(json_str(r.out, "body", body, sizeof(body)), 0);
	ck_assert_str_eq(body, doc_v1);
	ck_assert_int_eq(json_str(r.out, "content_type", body, sizeof(body)),
	    0);
	ck_assert_str_eq(body, RL_MIME);
	ck_assert_ptr_nonnull(strstr(r.out, "\"rebootstrapped\": false"));
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--output", out,
	    NULL });
	ck_assert_int_eq(r.status, 0);
	slurp(out, body, sizeof(body));
	ck_assert_str_eq(body, doc_v1);
	ck_assert_ptr_null(strstr(r.out, "<resource-lists"));

	/* 3. conditional requests: 304, stale If-Match 412, right 200 */
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--if-none-match",
	    etag, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, " 304 "));
	write_file(x.file, doc_v2);
	ux_run(&x, &r, NULL, (const char *[]){ "put", path, x.file,
	    "--if-match", "\"stale-etag\"", NULL });
	ck_assert_int_eq(r.status, 4);
	ck_assert_ptr_nonnull(strstr(r.out, " 412 "));
	ck_assert_ptr_nonnull(strstr(r.err, "412"));
	/* a bare ETag is quoted for the user */
	snprintf(body, sizeof(body), "%.*s", (int)strlen(etag) - 2, etag + 1);
	ux_run(&x, &r, (const char *[]){ "--json", NULL }, (const char *[]){
	    "put", path, x.file, "--if-match", body, NULL });
	ck_assert_msg(r.status == 0, "put --if-match: %s %s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\"status\": 200"));
	ck_assert_int_eq(json_str(r.out, "etag", etag2, sizeof(etag2)), 0);
	ck_assert_str_ne(etag2, etag);

	/* 4. an element by a raw selector (xcap-el+xml from the path) */
	snprintf(el, sizeof(el), "%s/~~/resource-lists/list[@name=\"family\"]",
	    path);
	snprintf(elfile, sizeof(elfile), "%s/el.xml", x.s.dir);
	write_file(elfile, "<list name=\"family\"><entry uri=\"sip:mum@ims."
	    "example.org\"/></list>");
	ux_run(&x, &r, (const char *[]){ "--trace", NULL }, (const char *[]){
	    "put", el, elfile, NULL });
	ck_assert_msg(r.status == 0, "element put: %s\n%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.err,
	    "-> Content-Type: application/xcap-el+xml"));
	/* raw quotes and brackets went out percent-encoded */
	ck_assert_ptr_nonnull(strstr(r.err, "list%5B@name=%22family%22%5D"));
	ux_run(&x, &r, NULL, (const char *[]){ "get", el, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "sip:mum@ims.example.org"));
	ck_assert_ptr_nonnull(strstr(r.out, "application/xcap-el+xml"));
	/* an attribute (xcap-att+xml), from stdin, an encoded selector */
	snprintf(att, sizeof(att), "%s/~~/resource-lists/list%%5b@name="
	    "%%22family%%22%%5d/entry/@uri", path);
	ux_run_stdin(&x, &r, "sip:mother@ims.example.org", (const char *[]){
	    "put", att, "-", NULL });
	ck_assert_msg(r.status == 0, "attribute put: %s\n%s", r.out, r.err);
	ux_run(&x, &r, (const char *[]){ "--json", NULL }, (const char *[]){
	    "get", att, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(json_str(r.out, "body", body, sizeof(body)), 0);
	ck_assert_str_eq(body, "sip:mother@ims.example.org");
	ck_assert_int_eq(json_str(r.out, "content_type", body, sizeof(body)),
	    0);
	ck_assert_str_eq(body, "application/xcap-att+xml");

	/* 5. --content-type overrides (a wrong one: 415 from presence) */
	ux_run(&x, &r, NULL, (const char *[]){ "put", path, x.file,
	    "--content-type", "text/plain", NULL });
	ck_assert_int_eq(r.status, 4);
	ck_assert_ptr_nonnull(strstr(r.out, " 415 "));
	/* a whole document from stdin */
	ux_run_stdin(&x, &r, doc_v1, (const char *[]){ "put", path, "-",
	    NULL });
	ck_assert_msg(r.status == 0, "stdin put: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, " 200 "));

	/* 6. delete, then 404 (exit 4) */
	ux_run(&x, &r, NULL, (const char *[]){ "delete", path, NULL });
	ck_assert_msg(r.status == 0, "delete: %s", r.err);
	wait_ev(PR_LOG(&x), &x.ppos, "XCAP-DELETE ", line, sizeof(line));
	ux_run(&x, &r, (const char *[]){ "-v", NULL }, (const char *[]){ "get",
	    path, NULL });
	ck_assert_int_eq(r.status, 4);
	ck_assert_ptr_nonnull(strstr(r.out, " 404 "));
	ck_assert_ptr_nonnull(strstr(r.err, "why: no such document"));
	/* one bootstrapping for all of it */
	ck_assert_int_ne(e2e_wait_log(BSF_LOG(&x), "BSF-BOOTSTRAP-OK ",
	    &x.bpos, NULL, 0, 0), 0);
	e2e_stack_down(&x.s);
}
END_TEST

/* --tls1.2: the AP picks the suite, both sides derive Ks_NAF for it. */
START_TEST(ue_xcap_tls12)
{
	static const struct {
		const char	*priority;
		const char	*ua_id;
	} forced[] = {
		{ "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+PSK:-CIPHER-ALL:"
		  "+AES-256-GCM:-MAC-ALL:+AEAD", "01000100a9" },
		{ "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ECDHE-PSK:-CIPHER-ALL:"
		  "+AES-128-CBC:-MAC-ALL:+SHA256", "010001c037" },
		{ "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+PSK:-CIPHER-ALL:"
		  "+AES-128-CBC:-MAC-ALL:+SHA1", "010001008c" },
	};
	static struct ux x;
	static struct e2e_run r;
	char path[300], ua[32], suite[16], line[2048], want[64];
	size_t i;

	ux_up(&x, NULL);
	snprintf(path, sizeof(path), "resource-lists/users/%s/index", ALICE);
	write_file(x.file, doc_v1);
	ux_run(&x, &r, (const char *[]){ "--json", NULL }, (const char *[]){
	    "put", path, x.file, "--tls1.2", NULL });
	ck_assert_msg(r.status == 0, "put --tls1.2: %s %s", r.out, r.err);
	ck_assert_int_eq(json_str(r.out, "tls", ua, sizeof(ua)), 0);
	ck_assert_str_eq(ua, "1.2");
	ck_assert_int_eq(json_str(r.out, "suite", suite, sizeof(suite)), 0);
	ck_assert_int_eq(json_str(r.out, "ua_id", ua, sizeof(ua)), 0);
	/* 01 00 01 yy zz with the suite negotiated */
	snprintf(want, sizeof(want), "010001%s", suite);
	ck_assert_str_eq(ua, want);
	wait_ev(AP_LOG(&x), &x.apos, "AP-ZN-KEY-FETCHED ", line, sizeof(line));
	ck_assert_msg(strcasestr(line, ua) != NULL, "AP ua_id: %s", line);
	wait_ev(AP_LOG(&x), &x.apos, "AP-TLS-OK ", line, sizeof(line));
	ck_assert_msg(strstr(line, "version=1.2") != NULL, "%s", line);

	for (i = 0; i < sizeof(forced) / sizeof(forced[0]); i++) {
		ux_run(&x, &r, (const char *[]){ "--json", NULL },
		    (const char *[]){ "get", path, "--tls-priority",
		    forced[i].priority, NULL });
		ck_assert_msg(r.status == 0, "%s: %s", forced[i].ua_id, r.err);
		ck_assert_int_eq(json_str(r.out, "ua_id", ua, sizeof(ua)), 0);
		ck_assert_str_eq(ua, forced[i].ua_id);
		ck_assert_int_eq(json_str(r.out, "body", line, sizeof(line)),
		    0);
		ck_assert_str_eq(line, doc_v1);
	}
	/* usage: both, or neither makes sense */
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--tls1.2",
	    "--tls-priority", "NORMAL", NULL });
	ck_assert_int_eq(r.status, 2);
	e2e_stack_down(&x.s);
}
END_TEST

/* --http2: ALPN h2 and HTTP/2 both ways. */
START_TEST(ue_xcap_http2)
{
	static struct ux x;
	static struct e2e_run r;
	char path[300], v[64], line[2048];

	ux_up(&x, NULL);
	snprintf(path, sizeof(path), "resource-lists/users/%s/h2doc", ALICE);
	write_file(x.file, doc_v1);
	ux_run(&x, &r, (const char *[]){ "--json", NULL }, (const char *[]){
	    "put", path, x.file, "--http2", NULL });
	ck_assert_msg(r.status == 0, "put --http2: %s %s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\"status\": 201"));
	ck_assert_int_eq(json_str(r.out, "http", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "HTTP/2");
	wait_ev(AP_LOG(&x), &x.apos, "AP-TLS-OK ", line, sizeof(line));
	ck_assert_msg(strstr(line, "alpn=h2") != NULL, "%s", line);
	ux_run(&x, &r, (const char *[]){ "--trace", NULL }, (const char *[]){
	    "get", path, "--http2", NULL });
	ck_assert_msg(r.status == 0, "get --http2: %s", r.err);
	ck_assert_msg(strncmp(r.out, "HTTP/2 200\n", 11) == 0, "%s", r.out);
	ck_assert_str_eq(strstr(r.out, "\n\n") + 2, doc_v1);
	ck_assert_ptr_nonnull(strstr(r.err, "ALPN h2"));
	ck_assert_ptr_nonnull(strstr(r.err, "-> :path /xcap-root/"));
	ck_assert_ptr_nonnull(strstr(r.err, "<- HTTP/2 200"));
	/* a 4xx over h2: exit 4 */
	ux_run(&x, &r, (const char *[]){ "--json", NULL }, (const char *[]){
	    "get", "resource-lists/users/" ALICE "/none", "--http2", NULL });
	ck_assert_int_eq(r.status, 4);
	ck_assert_ptr_nonnull(strstr(r.out, "\"status\": 404"));
	ux_run(&x, &r, NULL, (const char *[]){ "delete", path, "--http2",
	    NULL });
	ck_assert_msg(r.status == 0, "delete --http2: %s", r.err);
	e2e_stack_down(&x.s);
}
END_TEST

/* The identity the AP asserts: the first IMPU, the second on request,
 * never another user's. */
START_TEST(ue_xcap_identities)
{
	static struct ux x;
	static struct e2e_run r;
	char p_alice[300], p_pseudo[300], line[2048];

	ux_up(&x, (const char *[]){ "--impu", ALICE, "--impu", PSEUDO, NULL });
	snprintf(p_alice, sizeof(p_alice), "resource-lists/users/%s/index",
	    ALICE);
	snprintf(p_pseudo, sizeof(p_pseudo), "resource-lists/users/%s/index",
	    PSEUDO);
	write_file(x.file, doc_v1);
	/* none: the first IMPU, so the pseudonym's tree is not ours */
	ux_run(&x, &r, NULL, (const char *[]){ "put", p_alice, x.file, NULL });
	ck_assert_msg(r.status == 0, "put: %s", r.err);
	ux_run(&x, &r, NULL, (const char *[]){ "put", p_pseudo, x.file, NULL });
	ck_assert_int_eq(r.status, 4);
	ck_assert_ptr_nonnull(strstr(r.out, " 403 "));
	/* the pseudonym, asked for: acts as it */
	ux_run(&x, &r, (const char *[]){ "--trace", NULL }, (const char *[]){
	    "put", p_pseudo, x.file, "--intended-identity", PSEUDO, NULL });
	ck_assert_msg(r.status == 0, "put as pseudonym: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "-> X-3GPP-Intended-Identity: \""
	    PSEUDO "\""));
	wait_ev(PR_LOG(&x), &x.ppos, "XCAP-PUT user=" PSEUDO, line,
	    sizeof(line));
	/* another user's: 403 from the AP, -v says why */
	ux_run(&x, &r, (const char *[]){ "-v", NULL }, (const char *[]){ "get",
	    p_alice, "--intended-identity", MALLORY, NULL });
	ck_assert_int_eq(r.status, 4);
	ck_assert_ptr_nonnull(strstr(r.out, " 403 "));
	ck_assert_ptr_nonnull(strstr(r.err, "why: "));
	ck_assert_ptr_nonnull(strstr(r.err, "TS 24.109"));
	wait_ev(AP_LOG(&x), &x.apos, "AP-IDENTITY-DENIED ", line,
	    sizeof(line));
	ck_assert_msg(strstr(line, "intended=" MALLORY) != NULL, "%s", line);
	e2e_stack_down(&x.s);
}
END_TEST

/* An AP that does not know the B-TID: bootstrap again, retry once. A
 * lifetime in the past: bootstrap before connecting. */
START_TEST(ue_xcap_rebootstrap)
{
	static struct ux x;
	static struct e2e_run r;
	static char text[8192];
	char path[300], line[2048], btid[300], btid2[300];

	ux_up(&x, NULL);
	snprintf(path, sizeof(path), "resource-lists/users/%s/none", ALICE);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x.usim,
	    "--json", "bootstrap", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(e2e_json(r.out, "btid", btid, sizeof(btid)), 0);
	wait_ev(BSF_LOG(&x), &x.bpos, "BSF-BOOTSTRAP-OK ", line, sizeof(line));
	/* a B-TID the BSF never issued (RAND of zeros) */
	e2e_run(&r, (const char *[]){ "/bin/sed", "-i", "s/^btid = .*/btid = "
	    "AAAAAAAAAAAAAAAAAAAAAA==@bsf.ims.example.org/", x.usim, NULL });
	ck_assert_int_eq(r.status, 0);
	ux_run(&x, &r, (const char *[]){ "--json", "-v", NULL },
	    (const char *[]){ "get", path, NULL });
	/* 404: there is no such document, but we got that far */
	ck_assert_msg(r.status == 4, "get: %d %s %s", r.status, r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\"status\": 404"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"rebootstrapped\": true"));
	ck_assert_ptr_nonnull(strstr(r.err, "the AP refused the PSK identity"));
	ck_assert_ptr_nonnull(strstr(r.err, "bootstrapping again"));
	ck_assert_ptr_nonnull(strstr(r.err, "TS 33.222 5.4"));
	/* (a value holding '=' is quoted in event lines) */
	wait_ev(AP_LOG(&x), &x.apos, "AP-ZN-KEY-FAILED btid=\"AAAAAAAAAAAAAAAA"
	    "AAAAAA==@bsf.ims.example.org\"", line, sizeof(line));
	ck_assert_msg(strstr(line, "result=5403") != NULL, "%s", line);
	wait_ev(BSF_LOG(&x), &x.bpos, "BSF-BOOTSTRAP-OK ", line, sizeof(line));
	ck_assert_int_eq(json_str(r.out, "btid", btid2, sizeof(btid2)), 0);
	ck_assert_str_ne(btid2, btid);
	ck_assert_msg(strstr(line, btid2) != NULL, "%s", line);
	wait_ev(AP_LOG(&x), &x.apos, "AP-TLS-OK ", line, sizeof(line));
	ck_assert_msg(strstr(line, btid2) != NULL, "%s", line);
	/* the USIM keeps the new bootstrapping */
	slurp(x.usim, text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, btid2));

	/* a key lifetime in the past: bootstrap before connecting */
	e2e_run(&r, (const char *[]){ "/bin/sed", "-i", "s/^lifetime = .*/"
	    "lifetime = 2001-01-01T00:00:00Z/", x.usim, NULL });
	ck_assert_int_eq(r.status, 0);
	ux_run(&x, &r, (const char *[]){ "--json", "-v", NULL },
	    (const char *[]){ "get", path, NULL });
	ck_assert_int_eq(r.status, 4);
	ck_assert_ptr_nonnull(strstr(r.err, "ended at 2001-01-01T00:00:00Z"));
	ck_assert_ptr_null(strstr(r.err, "refused the PSK identity"));
	wait_ev(BSF_LOG(&x), &x.bpos, "BSF-BOOTSTRAP-OK ", line, sizeof(line));

	/* the BSF gone: the re-bootstrap cannot happen (exit 5) */
	e2e_run(&r, (const char *[]){ "/bin/sed", "-i", "s/^btid = .*/btid = "
	    "AAAAAAAAAAAAAAAAAAAAAA==@bsf.ims.example.org/", x.usim, NULL });
	ux_run(&x, &r, (const char *[]){ "--bsf", "http://127.0.0.1:9", NULL },
	    (const char *[]){ "get", path, NULL });
	ck_assert_int_eq(r.status, 5);
	ck_assert_ptr_nonnull(strstr(r.err, "bootstrapping again"));
	e2e_stack_down(&x.s);
}
END_TEST

/* --trace shows each step, keys hidden; --show-keys shows the Ks_NAF that
 * `ue ks-naf` computes. */
START_TEST(ue_xcap_trace)
{
	static struct ux x;
	static struct e2e_run r;
	char path[300], key[80], want[200];

	ux_up(&x, NULL);
	snprintf(path, sizeof(path), "xcap-caps/global/index");
	ux_run(&x, &r, (const char *[]){ "--trace", NULL }, (const char *[]){
	    "get", path, NULL });
	ck_assert_msg(r.status == 0, "get: %s", r.err);
	/* the bootstrap's steps come first */
	ck_assert_ptr_nonnull(strstr(r.err, "-> GET / HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(r.err, "-> TLS 1.3 PSK to 127.0.0.1"));
	ck_assert_ptr_nonnull(strstr(r.err, "-> PSK identity "
	    "3GPP-bootstrapping."));
	ck_assert_ptr_nonnull(strstr(r.err, "   NAF_Id   xcap.ims.example.org "
	    "|| 0100000007"));
	ck_assert_ptr_nonnull(strstr(r.err, "   Ks_NAF   [hidden]"));
	ck_assert_ptr_nonnull(strstr(r.err, "<- TLS 1.3, suite "));
	ck_assert_ptr_nonnull(strstr(r.err, "-> GET /xcap-root/xcap-caps/"
	    "global/index HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(r.err, "-> Host: xcap.ims.example.org"));
	ck_assert_ptr_nonnull(strstr(r.err, "<- HTTP/1.1 200"));
	ck_assert_ptr_nonnull(strstr(r.err, "<- <xcap-caps"));
	/* --show-keys: the key ks-naf computes, and the AP agreed to */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x.usim,
	    "--json", "ks-naf", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(e2e_json(r.out, "ks_naf", key, sizeof(key)), 0);
	ux_run(&x, &r, (const char *[]){ "--trace", "--show-keys", NULL },
	    (const char *[]){ "get", path, NULL });
	ck_assert_int_eq(r.status, 0);
	snprintf(want, sizeof(want), "   Ks_NAF   %s\n", key);
	ck_assert_ptr_nonnull(strstr(r.err, want));
	/* without --show-keys the key is nowhere */
	ux_run(&x, &r, (const char *[]){ "--trace", NULL }, (const char *[]){
	    "get", path, NULL });
	ck_assert_ptr_null(strstr(r.err, key));
	ck_assert_ptr_null(strstr(r.out, key));
	e2e_stack_down(&x.s);
}
END_TEST

/* Handshake failures, the AP gone, bad usage. */
START_TEST(ue_xcap_failures)
{
	static struct ux x;
	static struct e2e_run r;
	char path[300], line[2048];

	ux_up(&x, NULL);
	snprintf(path, sizeof(path), "resource-lists/users/%s/index", ALICE);
	write_file(x.file, doc_v1);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x.usim,
	    "bootstrap", NULL });
	ck_assert_int_eq(r.status, 0);
	/* a wrong Ks: the handshake fails, exit 3, -v names the clause */
	e2e_run(&r, (const char *[]){ "/bin/sed", "-i", "s/^ks = .*/ks = "
	    "00000000000000000000000000000000000000000000000000000000000000"
	    "00/", x.usim, NULL });
	ck_assert_int_eq(r.status, 0);
	ux_run(&x, &r, (const char *[]){ "-v", NULL }, (const char *[]){ "get",
	    path, NULL });
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "handshake"));
	ck_assert_ptr_nonnull(strstr(r.err, "why: the AP and the UE do not "
	    "share the key"));
	ck_assert_ptr_nonnull(strstr(r.err, "TS 33.222 5.4"));
	wait_ev(AP_LOG(&x), &x.apos, "AP-TLS-FAIL ", line, sizeof(line));
	ux_run(&x, &r, (const char *[]){ "-v", NULL }, (const char *[]){ "get",
	    path, "--tls1.2", NULL });
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "bad_record_mac"));
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x.usim,
	    "bootstrap", NULL });
	ck_assert_int_eq(r.status, 0);
	/* a NAF name the AP does not serve: no handshake (exit 3) */
	ux_run(&x, &r, (const char *[]){ "--naf-fqdn", "other.example.org",
	    NULL }, (const char *[]){ "get", path, NULL });
	ck_assert_msg(r.status == 3, "other NAF: %d %s", r.status, r.err);
	/* the AP unreachable: 5; an http:// URL: 2 */
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--ap",
	    "https://127.0.0.1:9", NULL });
	ck_assert_int_eq(r.status, 5);
	ck_assert_ptr_nonnull(strstr(r.err, "cannot reach the AP"));
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--ap",
	    "http://127.0.0.1:9", NULL });
	ck_assert_int_eq(r.status, 2);
	/* usage */
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--digest", NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "not supported yet"));
	ux_run(&x, &r, NULL, (const char *[]){ "post", path, NULL });
	ck_assert_int_eq(r.status, 2);
	ux_run(&x, &r, NULL, (const char *[]){ "put", path, NULL });
	ck_assert_int_eq(r.status, 2);
	ux_run(&x, &r, NULL, (const char *[]){ "get", NULL });
	ck_assert_int_eq(r.status, 2);
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "extra", NULL });
	ck_assert_int_eq(r.status, 2);
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--bogus", NULL });
	ck_assert_int_eq(r.status, 2);
	ux_run(&x, &r, NULL, (const char *[]){ "put", "unknown-auid/users/"
	    ALICE "/index", x.file, NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--content-type"));
	ux_run(&x, &r, NULL, (const char *[]){ "put", path, "/nonexistent",
	    NULL });
	ck_assert_int_eq(r.status, 2);
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--content-type",
	    RL_MIME, NULL });
	ck_assert_int_eq(r.status, 2);
	ux_run(&x, &r, NULL, (const char *[]){ "--help", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "--intended-identity"));
	/* no AP known */
	e2e_run(&r, (const char *[]){ "/bin/sed", "-i", "/^ap = /d", x.usim,
	    NULL });
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "no AP"));
	e2e_stack_down(&x.s);
}
END_TEST

Suite *
suite_e2e_ue_xcap(void)
{
	Suite *s = suite_create("e2e_ue_xcap");
	TCase *tc = tcase_create("ue_xcap");

	tcase_set_timeout(tc, 90);
	tcase_add_unchecked_fixture(tc, e2e_sweep_setup, e2e_sweep_teardown);
	tcase_add_test(tc, ue_xcap_documents);
	tcase_add_test(tc, ue_xcap_tls12);
	tcase_add_test(tc, ue_xcap_http2);
	tcase_add_test(tc, ue_xcap_identities);
	tcase_add_test(tc, ue_xcap_rebootstrap);
	tcase_add_test(tc, ue_xcap_trace);
	tcase_add_test(tc, ue_xcap_failures);
	suite_add_tcase(s, tc);
	return s;
}
