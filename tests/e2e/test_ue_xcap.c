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
 *    another NAF name (exit 3), the AP unreachable (5), bad usage (2);
 *  - --digest (server-certificate TLS + HTTP Digest, TS 33.222 5.3): the CA
 *    from `ue usim init --ca` (USIM key `ca`) or --ca; put/get/delete on
 *    TLS 1.3 (Ks_NAF for 01 00 01 13 01) and --tls1.2 (01 00 01 yy zz of
 *    the ECDHE-ECDSA suite), AP and UE agreeing on the Ua id; --http2;
 *    --trace (the challenge, the Authorization with the response, the
 *    password [hidden] unless --show-keys, Authentication-Info and the
 *    rspauth check); a B-TID the BSF never issued (401 to the credentials:
 *    bootstrap again, answer again; the BSF gone: exit 5); no CA (2);
 *    a wrong CA and a name the certificate lacks (3, the certificate
 *    error);
 *  - --digest against a scripted fake AP (a forked GnuTLS server with the
 *    stack's certificate, its requests logged): a realm naming another NAF
 *    (refused, no credentials sent, exit 3); several WWW-Authenticate fields
 *    and challenges (the bootstrapping realm of this NAF is answered, qop
 *    auth-int); an rspauth that does not verify and a 200 without one (exit
 *    3, the body not shown); 401 again after a fresh bootstrap (exit 3);
 *    stale=true twice (answered once more without bootstrapping, then 4).
 *
 * No sleeps: the UE's own answers, and event lines waited for in the logs.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

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
	/* usage: --digest without a CA known, --ca without --digest */
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--digest", NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--digest needs the CA"));
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--ca",
	    e2e_env(&x.s, "AP_CA_CERT"), NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--ca is for --digest"));
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

/* --- --digest: certificate TLS + HTTP Digest (TS 33.222 5.3) ----------- */

/* The USIM again, with the AP's CA (the USIM key `ca`). */
static void
ux_usim_ca(struct ux *x)
{
	struct e2e_run r;

	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x->usim,
	    "usim", "init", "--impi", e2e_env(&x->s, "IMPI"), "--k",
	    e2e_env(&x->s, "K"), "--opc", e2e_env(&x->s, "OPC"), "--bsf",
	    e2e_env(&x->s, "BSF_URL"), "--ap", e2e_env(&x->s, "AP_URL"),
	    "--naf-fqdn", e2e_env(&x->s, "NAF_FQDN"), "--ca",
	    e2e_env(&x->s, "AP_CA_CERT"), "--force", NULL });
	ck_assert_msg(r.status == 0, "usim init --ca: %s", r.err);
}

/* Ks_NAF (base64) for `ua_id`, as `ue ks-naf` computes it. */
static void
ux_ks_naf_b64(struct ux *x, const char *ua_id, char *out, size_t size)
{
	struct e2e_run r;

	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x->usim,
	    "--json", "ks-naf", "--ua-id", ua_id, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(e2e_json(r.out, "ks_naf_b64", out, size), 0);
}

/* put, get, delete with --digest on TLS 1.3, TLS 1.2 and HTTP/2. */
START_TEST(ue_xcap_digest)
{
	static struct ux x;
	static struct e2e_run r;
	static char body[8192], line[2048];
	char path[300], v[256], suite[16], want[300], pw[80];

	ux_up(&x, NULL);
	ux_usim_ca(&x);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x.usim, "usim",
	    "show", NULL });
	ck_assert_int_eq(r.status, 0);
	snprintf(want, sizeof(want), "ca        %s\n",
	    e2e_env(&x.s, "AP_CA_CERT"));
	ck_assert_msg(strstr(r.out, want) != NULL, "%s", r.out);
	snprintf(path, sizeof(path), "resource-lists/users/%s/digest", ALICE);
	write_file(x.file, doc_v1);

	/* 1. put on TLS 1.3: bootstraps first; Ks_NAF for 01 00 01 13 01 */
	ux_run(&x, &r, (const char *[]){ "--json", NULL }, (const char *[]){
	    "put", path, x.file, "--digest", NULL });
	ck_assert_msg(r.status == 0, "put --digest: %d\n%s\n%s", r.status,
	    r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "bootstrapping first"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"status\": 201"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"rebootstrapped\": false"));
	ck_assert_int_eq(json_str(r.out, "auth", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "digest");
	ck_assert_int_eq(json_str(r.out, "tls", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "1.3");
	ck_assert_int_eq(json_str(r.out, "ua_id", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "0100011301");
	wait_ev(BSF_LOG(&x), &x.bpos, "BSF-BOOTSTRAP-OK ", line, sizeof(line));
	wait_ev(AP_LOG(&x), &x.apos, "AP-TLS-OK ", line, sizeof(line));
	ck_assert_msg(strstr(line, "auth=certificate") && strstr(line,
	    "version=1.3") && strstr(line, "alpn=http/1.1"), "%s", line);
	/* the request without credentials was answered 401 by the AP */
	wait_ev(AP_LOG(&x), &x.apos, "AP-FORWARD ", line, sizeof(line));
	ck_assert_msg(strstr(line, "status=401") != NULL, "%s", line);
	wait_ev(AP_LOG(&x), &x.apos, "AP-ZN-KEY-FETCHED ", line, sizeof(line));
	ck_assert_msg(strstr(line, "ua_id=0100011301") != NULL, "%s", line);
	wait_ev(AP_LOG(&x), &x.apos, "AP-FORWARD ", line, sizeof(line));
	ck_assert_msg(strstr(line, "method=PUT") && strstr(line, "status=201")
	    && strstr(line, "identity=" ALICE), "%s", line);
	wait_ev(PR_LOG(&x), &x.ppos, "XCAP-PUT ", line, sizeof(line));
	ck_assert_msg(strstr(line, "user=" ALICE) && strstr(line,
	    "created=yes"), "%s", line);

	/* 2. get on TLS 1.2: the suite the AP picked names the key */
	ux_run(&x, &r, (const char *[]){ "--json", NULL }, (const char *[]){
	    "get", path, "--digest", "--tls1.2", NULL });
	ck_assert_msg(r.status == 0, "get --tls1.2: %s", r.err);
	ck_assert_int_eq(json_str(r.out, "body", body, sizeof(body)), 0);
	ck_assert_str_eq(body, doc_v1);
	ck_assert_int_eq(json_str(r.out, "tls", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "1.2");
	ck_assert_int_eq(json_str(r.out, "suite", suite, sizeof(suite)), 0);
	ck_assert_int_eq(json_str(r.out, "ua_id", v, sizeof(v)), 0);
	snprintf(want, sizeof(want), "010001%s", suite);
	ck_assert_str_eq(v, want);
	wait_ev(AP_LOG(&x), &x.apos, "AP-ZN-KEY-FETCHED ", line, sizeof(line));
	snprintf(want, sizeof(want), "ua_id=010001%s", suite);
	ck_assert_msg(strcasestr(line, want) != NULL, "%s", line);
	wait_ev(AP_LOG(&x), &x.apos, "method=GET ", line, sizeof(line));
	ck_assert_msg(strstr(line, "status=200") != NULL, "%s", line);

	/* 3. HTTP/2 (ALPN h2): put and get */
	write_file(x.file, doc_v2);
	ux_run(&x, &r, (const char *[]){ "--json", NULL }, (const char *[]){
	    "put", path, x.file, "--digest", "--http2", NULL });
	ck_assert_msg(r.status == 0, "put --http2: %s %s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\"status\": 200"));
	ck_assert_int_eq(json_str(r.out, "http", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "HTTP/2");
	wait_ev(AP_LOG(&x), &x.apos, "alpn=h2 ", line, sizeof(line));
	ck_assert_msg(strstr(line, "auth=certificate") != NULL, "%s", line);
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--digest",
	    "--http2", NULL });
	ck_assert_msg(r.status == 0, "get --http2: %s", r.err);
	ck_assert_msg(strncmp(r.out, "HTTP/2 200\n", 11) == 0, "%s", r.out);
	ck_assert_str_eq(strstr(r.out, "\n\n") + 2, doc_v2);

	/* 4. --trace: challenge, Authorization, Authentication-Info,
	 * rspauth; the password hidden, shown with --show-keys */
	ux_ks_naf_b64(&x, "0100011301", pw, sizeof(pw));
	ux_run(&x, &r, (const char *[]){ "--trace", NULL }, (const char *[]){
	    "get", path, "--digest", NULL });
	ck_assert_msg(r.status == 0, "get --trace: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "-> TLS 1.3 (server certificate) "
	    "to 127.0.0.1"));
	ck_assert_ptr_nonnull(strstr(r.err, "<- certificate verified: chains "
	    "to the CA, names xcap.ims.example.org"));
	ck_assert_ptr_nonnull(strstr(r.err, "<- WWW-Authenticate: Digest realm="
	    "\"3GPP-bootstrapping@xcap.ims.example.org\""));
	ck_assert_ptr_nonnull(strstr(r.err, "   challenge realm "
	    "\"3GPP-bootstrapping@xcap.ims.example.org\" (the NAF we reached)"));
	ck_assert_ptr_nonnull(strstr(r.err, "   NAF_Id   xcap.ims.example.org "
	    "|| 0100011301"));
	ck_assert_ptr_nonnull(strstr(r.err, "password base64(Ks_NAF) "
	    "[hidden]"));
	ck_assert_ptr_nonnull(strstr(r.err, "   Digest   response "));
	ck_assert_ptr_nonnull(strstr(r.err, "-> Authorization: Digest "
	    "username=\""));
	ck_assert_ptr_nonnull(strstr(r.err, "qop=auth-int"));
	ck_assert_ptr_nonnull(strstr(r.err, "<- Authentication-Info: "));
	ck_assert_ptr_nonnull(strstr(r.err, " verified (method \"\", over the "
	    "response body"));
	ck_assert_ptr_null(strstr(r.err, pw));
	ck_assert_ptr_null(strstr(r.out, pw));
	ux_run(&x, &r, (const char *[]){ "--trace", "--show-keys", NULL },
	    (const char *[]){ "get", path, "--digest", NULL });
	ck_assert_int_eq(r.status, 0);
	snprintf(want, sizeof(want), "password base64(Ks_NAF) %s\n", pw);
	ck_assert_msg(strstr(r.err, want) != NULL, "no '%s' in the trace",
	    want);

	/* 5. delete, then 404 (exit 4; its rspauth verified too) */
	ux_run(&x, &r, NULL, (const char *[]){ "delete", path, "--digest",
	    "--tls1.2", NULL });
	ck_assert_msg(r.status == 0, "delete: %s", r.err);
	wait_ev(PR_LOG(&x), &x.ppos, "XCAP-DELETE ", line, sizeof(line));
	ux_run(&x, &r, (const char *[]){ "--trace", NULL }, (const char *[]){
	    "get", path, "--digest", NULL });
	ck_assert_int_eq(r.status, 4);
	ck_assert_ptr_nonnull(strstr(r.out, " 404 "));
	ck_assert_ptr_nonnull(strstr(r.err, "verified (method"));
	/* one bootstrapping for all of it, and the AP never logged a key */
	ck_assert_int_ne(e2e_wait_log(BSF_LOG(&x), "BSF-BOOTSTRAP-OK ",
	    &x.bpos, NULL, 0, 0), 0);
	x.apos = 0;
	ck_assert_int_ne(e2e_wait_log(AP_LOG(&x), pw, &x.apos, NULL, 0, 0),
	    0);

	/* 6. --ca on the command line, with no ca in the USIM */
	e2e_run(&r, (const char *[]){ "/bin/sed", "-i", "/^ca = /d", x.usim,
	    NULL });
	ck_assert_int_eq(r.status, 0);
	ux_run(&x, &r, NULL, (const char *[]){ "get", "xcap-caps/global/index",
	    "--digest", NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--digest needs the CA"));
	ux_run(&x, &r, NULL, (const char *[]){ "get", "xcap-caps/global/index",
	    "--digest", "--ca", e2e_env(&x.s, "AP_CA_CERT"), NULL });
	ck_assert_msg(r.status == 0, "--ca: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "<xcap-caps"));
	e2e_stack_down(&x.s);
}
END_TEST

/* --digest: a B-TID the AP cannot get a key for (401 to the credentials:
 * bootstrap again, answer again); certificate failures. */
START_TEST(ue_xcap_digest_rebootstrap)
{
	static struct ux x;
	static struct e2e_run r;
	static char text[8192];
	char path[300], line[2048], btid[300], btid2[300], other[300];

	ux_up(&x, NULL);
	ux_usim_ca(&x);
	snprintf(path, sizeof(path), "resource-lists/users/%s/none", ALICE);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x.usim,
	    "--json", "bootstrap", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(e2e_json(r.out, "btid", btid, sizeof(btid)), 0);
	wait_ev(BSF_LOG(&x), &x.bpos, "BSF-BOOTSTRAP-OK ", line, sizeof(line));

	/* 1. a B-TID the BSF never issued */
	e2e_run(&r, (const char *[]){ "/bin/sed", "-i", "s/^btid = .*/btid = "
	    "AAAAAAAAAAAAAAAAAAAAAA==@bsf.ims.example.org/", x.usim, NULL });
	ck_assert_int_eq(r.status, 0);
	ux_run(&x, &r, (const char *[]){ "--json", "-v", NULL },
	    (const char *[]){ "get", path, "--digest", NULL });
	/* 404: no such document, but authenticated that far */
	ck_assert_msg(r.status == 4, "get: %d %s %s", r.status, r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\"status\": 404"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"rebootstrapped\": true"));
	ck_assert_ptr_nonnull(strstr(r.err, "the AP refused the Digest "
	    "credentials of B-TID AAAAAAAAAAAAAAAAAAAAAA==@bsf.ims.example.org"));
	ck_assert_ptr_nonnull(strstr(r.err, "bootstrapping again"));
	ck_assert_ptr_nonnull(strstr(r.err, "TS 24.109 5.2.5"));
	wait_ev(AP_LOG(&x), &x.apos, "AP-ZN-KEY-FAILED btid=\"AAAAAAAAAAAAAAAA"
	    "AAAAAA==@bsf.ims.example.org\"", line, sizeof(line));
	ck_assert_msg(strstr(line, "result=5403") != NULL, "%s", line);
	wait_ev(AP_LOG(&x), &x.apos, "AP-DIGEST-FAIL ", line, sizeof(line));
	ck_assert_msg(strstr(line, "status=401") != NULL, "%s", line);
	wait_ev(BSF_LOG(&x), &x.bpos, "BSF-BOOTSTRAP-OK ", line, sizeof(line));
	ck_assert_int_eq(json_str(r.out, "btid", btid2, sizeof(btid2)), 0);
	ck_assert_str_ne(btid2, btid);
	ck_assert_msg(strstr(line, btid2) != NULL, "%s", line);
	wait_ev(AP_LOG(&x), &x.apos, "AP-ZN-KEY-FETCHED ", line, sizeof(line));
	ck_assert_msg(strstr(line, btid2) != NULL, "%s", line);
	slurp(x.usim, text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, btid2));
	/* the ca key survived the USIM's rewrite */
	ck_assert_ptr_nonnull(strstr(text, "\nca = "));

	/* 2. the BSF gone: no re-bootstrap (exit 5) */
	e2e_run(&r, (const char *[]){ "/bin/sed", "-i", "s/^btid = .*/btid = "
	    "AAAAAAAAAAAAAAAAAAAAAA==@bsf.ims.example.org/", x.usim, NULL });
	ux_run(&x, &r, (const char *[]){ "--bsf", "http://127.0.0.1:9", NULL },
	    (const char *[]){ "get", path, "--digest", NULL });
	ck_assert_int_eq(r.status, 5);
	ck_assert_ptr_nonnull(strstr(r.err, "bootstrapping again"));
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x.usim,
	    "bootstrap", NULL });
	ck_assert_int_eq(r.status, 0);

	/* 3. a CA that did not sign the AP's certificate: exit 3 */
	snprintf(other, sizeof(other), "%s/other-ca", x.s.dir);
	e2e_run(&r, (const char *[]){ "scripts/gen-certs", other,
	    "xcap.ims.example.org", NULL });
	ck_assert_msg(r.status == 0, "gen-certs: %s", r.err);
	snprintf(other, sizeof(other), "%s/other-ca/ca.pem", x.s.dir);
	ux_run(&x, &r, (const char *[]){ "-v", NULL }, (const char *[]){ "get",
	    path, "--digest", "--ca", other, NULL });
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "certificate verification failed: "
	    "unknown CA"));
	ck_assert_ptr_nonnull(strstr(r.err, "why: TS 33.222 5.3"));
	ck_assert_ptr_null(strstr(r.out, "HTTP/"));
	wait_ev(AP_LOG(&x), &x.apos, "AP-TLS-FAIL ", line, sizeof(line));
	/* a name the certificate does not carry: exit 3 */
	ux_run(&x, &r, (const char *[]){ "--naf-fqdn", "other.example.org",
	    NULL }, (const char *[]){ "get", path, "--digest", NULL });
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "name mismatch"));
	/* a CA file that cannot be read: exit 2 */
	ux_run(&x, &r, NULL, (const char *[]){ "get", path, "--digest",
	    "--ca", "/nonexistent/ca.pem", NULL });
	ck_assert_int_eq(r.status, 2);
	/* nor at `usim init` */
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x.usim, "usim",
	    "init", "--impi", e2e_env(&x.s, "IMPI"), "--k", e2e_env(&x.s, "K"),
	    "--opc", e2e_env(&x.s, "OPC"), "--ca", "/nonexistent/ca.pem",
	    "--force", NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--ca /nonexistent/ca.pem"));
	e2e_stack_down(&x.s);
}
END_TEST

/*
 * A scripted AP: a forked GnuTLS server with the stack's certificate
 * (which names NAF_FQDN), one connection, each request read whole (head
 * and Content-Length body) and logged, then answered with the next of
 * `answers`. It ends when the client closes, or after 30 s (alarm).
 */
struct fake_ap {
	pid_t		pid;
	uint16_t	port;
	char		url[64];
	char		log[300];
};

static int
fake_read_request(gnutls_session_t sess, char *buf, size_t size,
    size_t *have, size_t *used)
{
	char *end, *cl;
	size_t head, need;
	ssize_t n;

	for (;;) {
		buf[*have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			head = (size_t)(end - buf) + 4;
			need = 0;
			if ((cl = strcasestr(buf, "\r\nContent-Length:")) !=
			    NULL && cl < end)
				need = strtoul(cl + 17, NULL, 10);
			if (*have >= head + need) {
				*used = head + need;
				return 0;
			}
		}
		if (*have + 1 >= size)
			return -1;
		n = gnutls_record_recv(sess, buf + *have, size - 1 - *have);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n <= 0)
			return -1;
		*have += (size_t)n;
	}
}

static void
fake_ap_serve(int lfd, const char *dir, const char *log,
    const char *const *answers)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t sess;
	char cert[300], key[300], buf[65536];
	size_t have = 0, used, i, off;
	ssize_t n;
	FILE *f;
	int fd, ret;

	alarm(30);
	snprintf(cert, sizeof(cert), "%s/certs/server.pem", dir);
	snprintf(key, sizeof(key), "%s/certs/server-key.pem", dir);
	if ((f = fopen(log, "w")) == NULL ||
	    (fd = accept(lfd, NULL, NULL)) < 0 ||
	    gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_certificate_set_x509_key_file(cred, cert, key,
	    GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_init(&sess, GNUTLS_SERVER) < 0 ||
	    gnutls_set_default_priority(sess) < 0 ||
	    gnutls_credentials_set(sess, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		_exit(2);
	gnutls_transport_set_int(sess, fd);
	do {
		ret = gnutls_handshake(sess);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	if (ret < 0)
		_exit(3);
	for (i = 0; answers[i] != NULL; i++) {
		if (fake_read_request(sess, buf, sizeof(buf), &have, &used) !=
		    0)
			break;
		fprintf(f, "%.*s\n=====\n", (int)used, buf);
		fflush(f);
		memmove(buf, buf + used, have - used);
		have -= used;
		for (off = 0; off < strlen(answers[i]); off += (size_t)n) {
			n = gnutls_record_send(sess, answers[i] + off,
			    strlen(answers[i]) - off);
			if (n <= 0)
				_exit(4);
		}
	}
	/* until the client is done */
	while ((n = gnutls_record_recv(sess, buf, sizeof(buf))) > 0 ||
	    n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
		;
	fclose(f);
	_exit(0);
}

static void
fake_ap_start(struct fake_ap *fa, const struct e2e_stack *s, const char *name,
    const char *const *answers)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int lfd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(lfd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &sl), 0);
	fa->port = ntohs(sin.sin_port);
	snprintf(fa->url, sizeof(fa->url), "https://127.0.0.1:%u", fa->port);
	snprintf(fa->log, sizeof(fa->log), "%s/fake-ap-%s.log", s->dir, name);
	fa->pid = fork();
	ck_assert_int_ge(fa->pid, 0);
	if (fa->pid == 0)
		fake_ap_serve(lfd, s->dir, fa->log, answers);
	e2e_sweep_note(NULL, fa->pid);
	close(lfd);
}

/* Wait for the fake AP to end; its request log into `log`. */
static void
fake_ap_end(struct fake_ap *fa, char *log, size_t size)
{
	int st;

	ck_assert(waitpid(fa->pid, &st, 0) == fa->pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fake AP: "
	    "status 0x%x", st);
	slurp(fa->log, log, size);
}

static int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

#define FAKE_401(chal)							\
	"HTTP/1.1 401 Unauthorized\r\n" chal "Content-Length: 0\r\n\r\n"
#define FAKE_REALM	"3GPP-bootstrapping@xcap.ims.example.org"

/* --digest against a scripted AP: what the UE refuses and answers. */
START_TEST(ue_xcap_digest_fake_ap)
{
	static struct ux x;
	static struct e2e_run r;
	static char log[65536];
	struct fake_ap fa;
	char btid[300], line[2048];
	long bpos;

	ux_up(&x, NULL);
	ux_usim_ca(&x);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", x.usim,
	    "--json", "bootstrap", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(e2e_json(r.out, "btid", btid, sizeof(btid)), 0);
	wait_ev(BSF_LOG(&x), &x.bpos, "BSF-BOOTSTRAP-OK ", line, sizeof(line));

	/* 1. a bootstrapping realm of another NAF: refused, no credentials
	 * sent (GBA.md 3.1: the UE checks the FQDN) */
	fake_ap_start(&fa, &x.s, "foreign", (const char *[]){
	    FAKE_401("WWW-Authenticate: Digest realm=\"3GPP-bootstrapping@"
	    "evil.example.org\", nonce=\"bm9uY2UxMjM0NTY3ODkw\", qop=\"auth\", "
	    "algorithm=MD5\r\n"), NULL });
	ux_run(&x, &r, (const char *[]){ "-v", NULL }, (const char *[]){ "get",
	    "xcap-caps/global/index", "--digest", "--ap", fa.url, NULL });
	ck_assert_msg(r.status == 3, "foreign realm: %d %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "the AP asks for the key of another "
	    "NAF: realm \"3GPP-bootstrapping@evil.example.org\""));
	ck_assert_ptr_nonnull(strstr(r.err, "GBA.md 3.1"));
	fake_ap_end(&fa, log, sizeof(log));
	ck_assert_int_eq(count_str(log, "\n=====\n"), 1);
	ck_assert_ptr_null(strcasestr(log, "Authorization:"));

	/* 2. several fields and challenges: the bootstrapping realm of this
	 * NAF is answered (qop auth-int, its nonce, opaque echoed); then an
	 * rspauth that does not verify: exit 3, the body not shown */
	fake_ap_start(&fa, &x.s, "rspauth", (const char *[]){
	    FAKE_401("WWW-Authenticate: Basic realm=\"legacy\"\r\n"
	    "WWW-Authenticate: Digest realm=\"3GPP-bootstrapping-uicc@xcap.ims."
	    "example.org\", nonce=\"uicc-nonce\", qop=\"auth\", Digest realm=\""
	    FAKE_REALM "\", nonce=\"the-right-nonce\", qop=\"auth,auth-int\", "
	    "algorithm=MD5, opaque=\"op-1\"\r\n"),
	    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Authentication-Info: qop=auth-int, rspauth=\""
	    "00000000000000000000000000000000\", cnonce=\"x\", nc=00000001\r\n"
	    "Content-Length: 12\r\n\r\nsecret-body\n", NULL });
	ux_run(&x, &r, (const char *[]){ "-v", NULL }, (const char *[]){ "get",
	    "xcap-caps/global/index", "--digest", "--ap", fa.url, NULL });
	ck_assert_msg(r.status == 3, "bad rspauth: %d %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "Authentication-Info echoes another "
	    "qop, cnonce or nc"));
	ck_assert_ptr_null(strstr(r.out, "secret-body"));
	fake_ap_end(&fa, log, sizeof(log));
	ck_assert_int_eq(count_str(log, "\n=====\n"), 2);
	snprintf(line, sizeof(line), "Authorization: Digest username=\"%s\", "
	    "realm=\"" FAKE_REALM "\", nonce=\"the-right-nonce\", "
	    "uri=\"/xcap-root/xcap-caps/global/index\", response=\"", btid);
	ck_assert_msg(strstr(log, line) != NULL, "%s", log);
	ck_assert_ptr_nonnull(strstr(log, ", qop=auth-int, nc=00000001, "
	    "cnonce=\""));
	ck_assert_ptr_nonnull(strstr(log, ", opaque=\"op-1\""));
	ck_assert_ptr_null(strstr(log, "uicc-nonce"));

	/* 3. the right echoes but a wrong rspauth: "could not prove" */
	fake_ap_start(&fa, &x.s, "rspauth2", (const char *[]){
	    FAKE_401("WWW-Authenticate: Digest realm=\"" FAKE_REALM "\", "
	    "nonce=\"n-4\", qop=\"auth\"\r\n"),
	    "HTTP/1.1 200 OK\r\nAuthentication-Info: rspauth=\""
	    "00000000000000000000000000000000\"\r\n"
	    "Content-Length: 12\r\n\r\nsecret-body\n", NULL });
	ux_run(&x, &r, (const char *[]){ "-v", NULL }, (const char *[]){ "get",
	    "xcap-caps/global/index", "--digest", "--ap", fa.url, NULL });
	ck_assert_msg(r.status == 3, "bad rspauth: %d %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "the AP could not prove it knows "
	    "Ks_NAF"));
	ck_assert_ptr_nonnull(strstr(r.err, "why: RFC 7616 3.5"));
	ck_assert_ptr_null(strstr(r.out, "secret-body"));
	fake_ap_end(&fa, log, sizeof(log));

	/* 4. a 200 with no Authentication-Info at all: exit 3 too */
	fake_ap_start(&fa, &x.s, "noinfo", (const char *[]){
	    FAKE_401("WWW-Authenticate: Digest realm=\"" FAKE_REALM "\", "
	    "nonce=\"n-3\", qop=\"auth\"\r\n"),
	    "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nsecret-body\n",
	    NULL });
	ux_run(&x, &r, NULL, (const char *[]){ "get", "xcap-caps/global/index",
	    "--digest", "--ap", fa.url, NULL });
	ck_assert_msg(r.status == 3, "no rspauth: %d %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "carries no Authentication-Info"));
	ck_assert_ptr_null(strstr(r.out, "secret-body"));
	fake_ap_end(&fa, log, sizeof(log));
	ck_assert_ptr_nonnull(strstr(log, ", qop=auth, nc=00000001"));

	/* 5. stale=true answered once more without bootstrapping, a second
	 * stale: exit 4 */
	bpos = e2e_log_size(BSF_LOG(&x));
	fake_ap_start(&fa, &x.s, "stale", (const char *[]){
	    FAKE_401("WWW-Authenticate: Digest realm=\"" FAKE_REALM "\", "
	    "nonce=\"n-1\", qop=\"auth\"\r\n"),
	    FAKE_401("WWW-Authenticate: Digest realm=\"" FAKE_REALM "\", "
	    "nonce=\"n-2\", qop=\"auth\", stale=true\r\n"),
	    FAKE_401("WWW-Authenticate: Digest realm=\"" FAKE_REALM "\", "
	    "nonce=\"n-3\", qop=\"auth\", stale=TRUE\r\n"), NULL });
	ux_run(&x, &r, NULL, (const char *[]){ "get", "xcap-caps/global/index",
	    "--digest", "--ap", fa.url, NULL });
	ck_assert_msg(r.status == 4, "stale: %d %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "stale too"));
	fake_ap_end(&fa, log, sizeof(log));
	ck_assert_int_eq(count_str(log, "\n=====\n"), 3);
	ck_assert_ptr_nonnull(strstr(log, "nonce=\"n-2\""));
	snprintf(line, sizeof(line), "username=\"%s\"", btid);
	ck_assert_int_eq(count_str(log, line), 2);
	ck_assert_int_ne(e2e_wait_log(BSF_LOG(&x), "BSF-BOOTSTRAP-OK ", &bpos,
	    NULL, 0, 0), 0);

	/* 6. the credentials refused, and again after a fresh bootstrap:
	 * exit 3 */
	fake_ap_start(&fa, &x.s, "refused", (const char *[]){
	    FAKE_401("WWW-Authenticate: Digest realm=\"" FAKE_REALM "\", "
	    "nonce=\"r-1\", qop=\"auth-int\"\r\n"),
	    FAKE_401("WWW-Authenticate: Digest realm=\"" FAKE_REALM "\", "
	    "nonce=\"r-2\", qop=\"auth-int\"\r\n"),
	    FAKE_401("WWW-Authenticate: Digest realm=\"" FAKE_REALM "\", "
	    "nonce=\"r-3\", qop=\"auth-int\"\r\n"), NULL });
	ux_run(&x, &r, NULL, (const char *[]){ "get", "xcap-caps/global/index",
	    "--digest", "--ap", fa.url, NULL });
	ck_assert_msg(r.status == 3, "refused: %d %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "bootstrapping again"));
	ck_assert_ptr_nonnull(strstr(r.err, "still refuses the Digest "
	    "credentials after a fresh bootstrap"));
	fake_ap_end(&fa, log, sizeof(log));
	wait_ev(BSF_LOG(&x), &bpos, "BSF-BOOTSTRAP-OK ", line, sizeof(line));
	/* the third request carried the new B-TID */
	ck_assert_ptr_nonnull(strstr(log, "nonce=\"r-2\""));
	snprintf(line, sizeof(line), "username=\"%s\"", btid);
	ck_assert_int_eq(count_str(log, line), 1);
	ck_assert_int_eq(count_str(log, "\n=====\n"), 3);
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
	tcase_add_test(tc, ue_xcap_digest);
	tcase_add_test(tc, ue_xcap_digest_rebootstrap);
	tcase_add_test(tc, ue_xcap_digest_fake_ap);
	suite_add_tcase(s, tc);
	return s;
}
