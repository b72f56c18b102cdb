/*
 * test_ap.c — the Authentication Proxy end to end (issue 7, item 6): the
 * real `ap` started by scripts/stack in front of the real `presence`, with
 * its keys from the real `bsf`, spoken to as a UE speaks to it: the UE's
 * keys from `ue bootstrap` and `ue ks-naf` (a real GBA run), TLS-PSK with
 * the blocking client of common/tls.h (the priority string forcing each
 * suite), HTTP/1.1 written by hand over it, and HTTP/2 (ALPN h2) with a
 * minimal nghttp2 client session over the same blocking TLS.
 *
 * The expectations are those of docs/CONTRACT.md § ap, GBA.md §3 and the
 * decision table (spec/README.md):
 *
 *  - TLS 1.3 external PSK and every TLS 1.2 suite of the decision table,
 *    identity "3GPP-bootstrapping.<B-TID>" or a bare B-TID, SNI or none: a
 *    document PUT through the AP (201) then read back (200, the same bytes
 *    and ETag), on a second connection without a Zn round trip
 *    (AP-TLS-OK cached=yes, one AP-ZN-KEY-FETCHED); no key, IMPI or
 *    Ks_NAF in the AP's log;
 *  - the handshake failures: a wrong key (bad_record_mac on TLS 1.2; on
 *    TLS 1.3 GnuTLS 3.7.9 sends illegal_parameter for a binder that does
 *    not verify, RFC 8446 §6.2 says decrypt_error: either is accepted), an
 *    unknown B-TID (unknown_psk_identity, AP-ZN-KEY-FAILED result=5403), an
 *    expired one, an SNI naming another NAF, the BSF stopped (Zn timeout)
 *    and gone;
 *  - identities: a foreign X-3GPP-Intended-Identity (403 from the AP,
 *    AP-IDENTITY-DENIED, nothing reaches presence), none (the first IMPU),
 *    the pseudonym (second IMPU), a subscriber with no USS for the AP's NAF
 *    group (403); forged X-3GPP-Asserted-Identity, Authorization and
 *    X-Utstack-Peer-Secret from the client (presence must judge the AP's
 *    assertion alone), and what exactly the AP forwards (a test-owned
 *    upstream in place of presence reads the forwarded request);
 *  - the AS stopped (504 within as.response_timeout_ms) and gone (502);
 *    oversized request head (431) and body (413);
 *  - nobody waits for anybody: a client stalled mid-handshake is closed
 *    after ua.handshake_timeout_ms while another completes a GET, and a
 *    handshake whose BIA is held up (BSF SIGSTOPped, the BIR seen queued
 *    on the BSF's socket) waits while a client with a cached key completes
 *    a GET, then completes itself;
 *  - streaming (issue 7, item 4): a 900 KB document through the AP intact
 *    over HTTP/1.1 and h2, four clients reading it slowly at once without
 *    the AP's resident set growing by a document (not checked under ASan,
 *    whose quarantine keeps freed memory).
 *
 * Waits are on answers and event lines, never sleeps. The one poll is for
 * the BIR reaching the stopped BSF's socket (/proc/net/tcp), a condition
 * with a deadline. Cases that need another configuration or stop a daemon
 * start their own stack; the tcase's sweep stops what a failed test left.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "e2e.h"
#include "hex.h"
#include "httpc.h"
#include "tls.h"

#define ALICE		"sip:alice@ims.example.org"
#define PSEUDO		"sip:alice.pseudonym.7f3a@ims.example.org"
#define BOB		"sip:bob@ims.example.org"
#define SECRET		"ap-e2e-peer-secret"
#define RL_MIME		"application/resource-lists+xml"
#define NS_RL		"urn:ietf:params:xml:ns:resource-lists"
#define PFX		"3GPP-bootstrapping."
#define UA_TLS13	"0100000007"

/* RFC 8446 §6 / RFC 4279 §2 alert numbers */
#define ALERT_BAD_RECORD_MAC		20
#define ALERT_ILLEGAL_PARAMETER		47
#define ALERT_DECRYPT_ERROR		51
#define ALERT_UNKNOWN_PSK_IDENTITY	115

#define HEAD_MAX	16384
#define BODY_MAX	65536
#define IN_MAX		(HEAD_MAX + BODY_MAX + 4096)

/* The decision table's TLS 1.2 suites, each forced by the client's
 * priority (the same strings as tests/unit/test_tls.c). */
static const struct suite12 {
	const char	*name;
	const char	*priority;
	const char	*ua;
	uint16_t	 code;
} suites12[] = {
	{ "PSK-AES128-GCM-SHA256", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:"
	    "+PSK:-CIPHER-ALL:+AES-128-GCM:-MAC-ALL:+AEAD", "01000100a8",
	    0x00a8 },
	{ "PSK-AES256-GCM-SHA384", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:"
	    "+PSK:-CIPHER-ALL:+AES-256-GCM:-MAC-ALL:+AEAD", "01000100a9",
	    0x00a9 },
	{ "DHE-PSK-AES128-GCM-SHA256", "NORMAL:-VERS-ALL:+VERS-TLS1.2:"
	    "-KX-ALL:+DHE-PSK:-CIPHER-ALL:+AES-128-GCM:-MAC-ALL:+AEAD",
	    "01000100aa", 0x00aa },
	{ "ECDHE-PSK-AES128-CBC-SHA256", "NORMAL:-VERS-ALL:+VERS-TLS1.2:"
	    "-KX-ALL:+ECDHE-PSK:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA256",
	    "010001c037", 0xc037 },
	{ "PSK-AES128-CBC-SHA256", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:"
	    "+PSK:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA256", "01000100ae",
	    0x00ae },
	{ "PSK-AES128-CBC-SHA", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:"
	    "+PSK:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1", "010001008c",
	    0x008c },
};
#define PSK_AES128_GCM	(&suites12[0])

static const char *const alpn_h1[] = { "http/1.1" };
static const char *const alpn_h2[] = { "h2", "http/1.1" };

/* Event lines: e2e_kv(), e2e_wait_ev(), ASSERT_EV() ... in e2e.c. */


/* ---- the UE: bootstrap and Ks_NAF ---------------------------------------- */

struct ue {
	char	usim[300];
	char	btid[256];
};

/* A credential for one handshake: the PSK identity, Ks_NAF for one Ua
 * id, and how the client negotiates. */
struct cred {
	char		 btid[256];
	char		 identity[300];
	uint8_t		 key[32];
	char		 hex[HEX_LEN(32)];
	char		 b64[64];
	int		 version;	/* 12, 13 */
	const char	*priority;	/* NULL: by version */
};

static void
ue_init(const struct e2e_stack *s, struct ue *u, const char *name)
{
	struct e2e_run r;

	memset(u, 0, sizeof(*u));
	snprintf(u->usim, sizeof(u->usim), "%s/%s", s->dir, name);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", u->usim,
	    "usim", "init", "--impi", e2e_env(s, "IMPI"), "--k",
	    e2e_env(s, "K"), "--opc", e2e_env(s, "OPC"), "--bsf",
	    e2e_env(s, "BSF_URL"), "--force", NULL });
	ck_assert_msg(r.status == 0, "usim init: %s", r.err);
}

/* A fresh bootstrap: a new B-TID, not known to the AP yet. */
static void
ue_bootstrap(struct ue *u)
{
	struct e2e_run r;

	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", u->usim,
	    "--json", "bootstrap", NULL });
	ck_assert_msg(r.status == 0, "bootstrap: %s", r.err);
	ck_assert_int_eq(e2e_json(r.out, "btid", u->btid, sizeof(u->btid)), 0);
}

/* Ks_NAF of the last bootstrap for NAF_Id = NAF_FQDN || ua (`ue ks-naf`),
 * TLS 1.3 when `sp` is NULL, else TLS 1.2 with that suite forced. */
static void
ue_cred(const struct e2e_stack *s, const struct ue *u,
    const struct suite12 *sp, int prefixed, struct cred *c)
{
	struct e2e_run r;
	const char *ua = sp != NULL ? sp->ua : UA_TLS13;

	memset(c, 0, sizeof(*c));
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", u->usim,
	    "--json", "ks-naf", e2e_env(s, "NAF_FQDN"), "--ua-id", ua, NULL });
	ck_assert_msg(r.status == 0, "ks-naf: %s", r.err);
	ck_assert_int_eq(e2e_json(r.out, "btid", c->btid, sizeof(c->btid)),
	    0);
	ck_assert_str_eq(c->btid, u->btid);
	ck_assert_int_eq(e2e_json(r.out, "ks_naf", c->hex, sizeof(c->hex)),
	    0);
	ck_assert_int_eq(hex_decode_exact(c->hex, c->key, sizeof(c->key)), 0);
	ck_assert_int_eq(e2e_json(r.out, "ks_naf_b64", c->b64, sizeof(c->b64)),
	    0);
	snprintf(c->identity, sizeof(c->identity), "%s%s", prefixed ? PFX : "",
	    c->btid);
	c->version = sp != NULL ? 12 : 13;
	c->priority = sp != NULL ? sp->priority : NULL;
}

/* One more bootstrap and its TLS 1.3 credential. */
static void
fresh_cred(const struct e2e_stack *s, struct ue *u, struct cred *c)
{
	ue_bootstrap(u);
	ue_cred(s, u, NULL, 1, c);
}

/* ---- TLS-PSK to the AP --------------------------------------------------- */

struct ap_cli {
	struct tls_client	*t;
	int			 alert;
	char			 err[256];
	size_t			 in_len;
	char			 in[IN_MAX];
};

static uint16_t
ap_port(const struct e2e_stack *s)
{
	const char *url = e2e_env(s, "AP_URL"), *p = strrchr(url, ':');

	ck_assert_msg(strncmp(url, "https://127.0.0.1:", 18) == 0 &&
	    p != NULL, "AP_URL %s", url);
	return (uint16_t)atoi(p + 1);
}

/* Handshake with `c` (sni NULL: the NAF FQDN, "": none). Returns 0, or -1
 * with k->alert and k->err. */
static int
ap_try(struct ap_cli *k, const struct e2e_stack *s, const struct cred *c,
    const char *sni, const char *const *alpn, size_t nalpn)
{
	struct tls_client_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.addr = "127.0.0.1";
	cfg.port = ap_port(s);
	cfg.sni = sni == NULL ? e2e_env(s, "NAF_FQDN") : *sni ? sni : NULL;
	cfg.identity = c->identity;
	cfg.key = c->key;
	cfg.keylen = sizeof(c->key);
	cfg.version = c->version;
	cfg.priority = c->priority;
	cfg.alpn = alpn;
	cfg.nalpn = nalpn;
	cfg.timeout_ms = E2E_WAIT_MS;
	k->in_len = 0;
	k->err[0] = '\0';
	k->t = tls_client_psk_connect(&cfg, &k->alert, k->err, sizeof(k->err));
	return k->t != NULL ? 0 : -1;
}

/* Handshake that must succeed, HTTP/1.1 by ALPN. */
static void
ap_open(struct ap_cli *k, const struct e2e_stack *s, const struct cred *c)
{
	ck_assert_msg(ap_try(k, s, c, NULL, alpn_h1, 1) == 0,
	    "handshake as %s (TLS 1.%d): %s (alert %d); AP: %s", c->identity,
	    c->version - 10, k->err, k->alert,
	    e2e_last_line(e2e_env(s, "AP_LOG"), "AP-"));
	ck_assert_str_eq(tls_client_alpn(k->t), "http/1.1");
	ck_assert_int_eq(tls_client_version(k->t), c->version);
}

static void
ap_close(struct ap_cli *k)
{
	tls_client_free(k->t);
	k->t = NULL;
}

/* ---- HTTP/1.1 by hand ---------------------------------------------------- */

struct hresp {
	int	status;
	char	head[HEAD_MAX + 1];
	char	body[BODY_MAX + 1];
	size_t	body_len;
};

/*
 * The value of the first field `name` (case-insensitive) of the message
 * head `head` (status or request line first, CRLF lines), trimmed, into
 * `out`; NULL when absent. `count` (when not NULL) gets how many there are.
 */
static const char *
head_field(const char *head, const char *name, char *out, size_t size,
    int *count)
{
	const char *p = strstr(head, "\r\n"), *e, *v, *found = NULL;
	size_t nl = strlen(name), vl;
	int n = 0;

	while (p != NULL && p[2] != '\0' && p[2] != '\r') {
		p += 2;
		e = strstr(p, "\r\n");
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) > nl && p[nl] == ':' &&
		    strncasecmp(p, name, nl) == 0) {
			n++;
			if (found == NULL) {
				for (v = p + nl + 1; *v == ' ' || *v == '\t';
				    v++)
					;
				vl = (size_t)(e - v);
				while (vl > 0 && (v[vl - 1] == ' ' ||
				    v[vl - 1] == '\t'))
					vl--;
				if (out != NULL && size > 0) {
					if (vl >= size)
						vl = size - 1;
					memcpy(out, v, vl);
					out[vl] = '\0';
				}
				found = out != NULL ? out : v;
			}
		}
		p = *e != '\0' ? e : NULL;
	}
	if (count != NULL)
		*count = n;
	return found;
}

static const char *
hdr(const struct hresp *r, const char *name)
{
	static char v[1024];

	return head_field(r->head, name, v, sizeof(v), NULL);
}

/* More octets into k->in: 1, 0 at the end of the stream, -1. */
static int
fill(struct ap_cli *k)
{
	ssize_t n;

	if (k->in_len == sizeof(k->in)) {
		snprintf(k->err, sizeof(k->err), "answer over %zu octets",
		    sizeof(k->in));
		return -1;
	}
	n = tls_client_read(k->t, k->in + k->in_len, sizeof(k->in) -
	    k->in_len);
	if (n < 0) {
		snprintf(k->err, sizeof(k->err), "TLS read failed or timed "
		    "out");
		return -1;
	}
	k->in_len += (size_t)n;
	return n > 0;
}

static void
consume(struct ap_cli *k, size_t n)
{
	memmove(k->in, k->in + n, k->in_len - n);
	k->in_len -= n;
}

/* Octets up to and with the first CRLF of k->in (reading more as needed);
 * -1 on error or end of stream. */
static ssize_t
line_len(struct ap_cli *k)
{
	char *e;
	int rc;

	while ((e = memmem(k->in, k->in_len, "\r\n", 2)) == NULL)
		if ((rc = fill(k)) <= 0)
			return -1;
	return e - k->in + 2;
}

static int
body_add(struct hresp *r, const char *p, size_t n)
{
	if (r->body_len + n > BODY_MAX)
		return -1;
	memcpy(r->body + r->body_len, p, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return 0;
}

/* Read one response (1xx skipped) into `r`. Returns 0 or -1 with k->err. */
static int
h1_recv(struct ap_cli *k, struct hresp *r, int head_only)
{
	char v[64], *e;
	size_t hl;
	ssize_t ll;
	unsigned long cl, chunk;
	int rc;

again:
	r->status = 0;
	r->head[0] = r->body[0] = '\0';
	r->body_len = 0;
	while ((e = memmem(k->in, k->in_len, "\r\n\r\n", 4)) == NULL) {
		if (k->in_len > HEAD_MAX) {
			snprintf(k->err, sizeof(k->err), "response head over "
			    "%d octets", HEAD_MAX);
			return -1;
		}
		if ((rc = fill(k)) <= 0) {
			if (rc == 0)
				snprintf(k->err, sizeof(k->err), "connection "
				    "closed before a response (%zu octets)",
				    k->in_len);
			return -1;
		}
	}
	hl = (size_t)(e - k->in) + 4;
	if (hl > HEAD_MAX) {
		snprintf(k->err, sizeof(k->err), "response head too large");
		return -1;
	}
	memcpy(r->head, k->in, hl - 2);
	r->head[hl - 2] = '\0';
	consume(k, hl);
	if (sscanf(r->head, "HTTP/1.1 %3d", &r->status) != 1) {
		snprintf(k->err, sizeof(k->err), "bad status line: %.60s",
		    r->head);
		return -1;
	}
	if (r->status >= 100 && r->status < 200)
		goto again;
	if (head_only || r->status == 204 || r->status == 304)
		return 0;
	if (head_field(r->head, "Transfer-Encoding", v, sizeof(v), NULL) !=
	    NULL && strcasestr(v, "chunked") != NULL) {
		for (;;) {
			if ((ll = line_len(k)) < 0)
				goto cut;
			chunk = strtoul(k->in, NULL, 16);
			consume(k, (size_t)ll);
			if (chunk == 0)
				break;
			if (chunk > BODY_MAX)
				goto big;
			while (k->in_len < chunk + 2)
				if (fill(k) <= 0)
					goto cut;
			if (body_add(r, k->in, chunk) != 0)
				goto big;
			consume(k, chunk + 2);
		}
		/* trailer fields up to the empty line */
		while ((ll = line_len(k)) > 2)
			consume(k, (size_t)ll);
		if (ll < 0)
			goto cut;
		consume(k, 2);
		return 0;
	}
	if (head_field(r->head, "Content-Length", v, sizeof(v), NULL) !=
	    NULL) {
		cl = strtoul(v, NULL, 10);
		if (cl > BODY_MAX)
			goto big;
		while (k->in_len < cl)
			if (fill(k) <= 0)
				goto cut;
		(void)body_add(r, k->in, cl);
		consume(k, cl);
		return 0;
	}
	/* to the end of the stream */
	for (;;) {
		if (body_add(r, k->in, k->in_len) != 0)
			goto big;
		consume(k, k->in_len);
		if ((rc = fill(k)) < 0)
			return -1;
		if (rc == 0)
			return 0;
	}
cut:
	snprintf(k->err, sizeof(k->err), "body cut short");
	return -1;
big:
	snprintf(k->err, sizeof(k->err), "body over %d octets", BODY_MAX);
	return -1;
}

/* The request octets: `method` `path`, Host (the NAF FQDN) unless `hdrs`
 * has one, the header lines `hdrs` (NULL-terminated, may be NULL), and
 * Content-Length with `body` when not NULL. Caller frees. */
static char *
h1_build(const struct e2e_stack *s, const char *method, const char *path,
    const char *const *hdrs, const char *body, size_t body_len, size_t *len)
{
	size_t size = strlen(method) + strlen(path) + 256 + body_len, n;
	int i, host = 0;
	char *out;

	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++) {
		size += strlen(hdrs[i]) + 2;
		host |= strncasecmp(hdrs[i], "Host:", 5) == 0;
	}
	out = malloc(size);
	ck_assert_ptr_nonnull(out);
	n = (size_t)snprintf(out, size, "%s %s HTTP/1.1\r\n", method, path);
	if (!host)
		n += (size_t)snprintf(out + n, size - n, "Host: %s\r\n",
		    e2e_env(s, "NAF_FQDN"));
	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++)
		n += (size_t)snprintf(out + n, size - n, "%s\r\n", hdrs[i]);
	if (body != NULL)
		n += (size_t)snprintf(out + n, size - n,
		    "Content-Length: %zu\r\n", body_len);
	n += (size_t)snprintf(out + n, size - n, "\r\n");
	if (body != NULL) {
		memcpy(out + n, body, body_len);
		n += body_len;
	}
	*len = n;
	return out;
}

/* One request on an open connection; the answer must come. */
static void
h1_request(struct ap_cli *k, const struct e2e_stack *s, const char *method,
    const char *path, const char *const *hdrs, const char *body,
    struct hresp *r)
{
	size_t len;
	char *req = h1_build(s, method, path, hdrs, body, body != NULL ?
	    strlen(body) : 0, &len);

	ck_assert_msg(tls_client_write(k->t, req, len) == 0, "%s %s: write "
	    "failed", method, path);
	free(req);
	ck_assert_msg(h1_recv(k, r, strcmp(method, "HEAD") == 0) == 0,
	    "%s %s: %s; AP: %s", method, path, k->err,
	    e2e_last_line(e2e_env(s, "AP_LOG"), "AP-"));
}

/* Connect with `c`, one request, close. */
static void
ap_request(const struct e2e_stack *s, const struct cred *c,
    const char *method, const char *path, const char *const *hdrs,
    const char *body, struct hresp *r)
{
	static struct ap_cli k;

	ap_open(&k, s, c);
	h1_request(&k, s, method, path, hdrs, body, r);
	ap_close(&k);
}

/* ---- documents ----------------------------------------------------------- */

/* XCAP_ROOT/resource-lists/users/<user>/<doc>; static storage, two. */
static const char *
doc_path(const struct e2e_stack *s, const char *user, const char *doc)
{
	static char ring[2][512];
	static int next;
	char *o = ring[next++ % 2];

	snprintf(o, 512, "%s/resource-lists/users/%s/%s",
	    e2e_env(s, "XCAP_ROOT"), user, doc);
	return o;
}

/* A resource-lists document whose list is named `name`; static. */
static const char *
doc_body(const char *name)
{
	static char b[1024];

	snprintf(b, sizeof(b), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<resource-lists xmlns=\"" NS_RL "\">\n"
	    "  <list name=\"%s\">\n"
	    "    <entry uri=\"sip:carol@ims.example.org\"/>\n"
	    "  </list>\n</resource-lists>\n", name);
	return b;
}

/* PUT `doc` of `user` straight to presence, as the AP would. */
static void
presence_put(const struct e2e_stack *s, const char *user, const char *doc,
    const char *secret)
{
	static struct httpc_conn c;
	static struct httpc_resp r;
	char id[256], sec[128];
	const char *body = doc_body(doc);

	snprintf(id, sizeof(id), "X-3GPP-Asserted-Identity: \"%s\"", user);
	snprintf(sec, sizeof(sec), "X-Utstack-Peer-Secret: %s",
	    secret != NULL ? secret : "");
	ck_assert_msg(httpc_open(&c, e2e_env(s, "PRESENCE_URL")) == 0, "%s",
	    c.err);
	ck_assert_msg(httpc_request(&c, "PUT", doc_path(s, user, doc),
	    (const char *[]){ "Host: 127.0.0.1", id, "Content-Type: " RL_MIME,
	    secret != NULL ? sec : NULL, NULL }, body, strlen(body), &r, 0) ==
	    0, "%s", c.err);
	ck_assert_msg(r.status == 201, "direct PUT: %d %s", r.status, r.body);
	httpc_close(&c);
}

/* ---- stacks -------------------------------------------------------------- */

/*
 * The stack most cases share (an unchecked fixture, in the runner): a
 * subscriber with two IMPUs (the second its pseudonym), presence
 * requiring the peer secret that the AP is configured to send.
 */
static struct e2e_stack shared;

static void
shared_up(void)
{
	e2e_stack_up(&shared, (const char *[]){ "--impu", ALICE, "--impu",
	    PSEUDO, "--presence-opt", "trust.secret=" SECRET, "--ap-opt",
	    "as.secret=" SECRET, NULL });
}

static void
shared_down(void)
{
	e2e_stack_down(&shared);
}

/* AP_LOG, PRESENCE_LOG, BSF_LOG of a stack. */
#define AP_LOG(s)	e2e_env((s), "AP_LOG")
#define PR_LOG(s)	e2e_env((s), "PRESENCE_LOG")
#define BSF_LOG(s)	e2e_env((s), "BSF_LOG")

/* No key material and no IMPI in the AP's log (default level). */
static void
assert_no_secrets(const struct e2e_stack *s, const struct cred *c)
{
	ck_assert_msg(!e2e_file_has(AP_LOG(s), c->hex), "Ks_NAF (hex) in %s",
	    AP_LOG(s));
	ck_assert_msg(!e2e_file_has(AP_LOG(s), c->b64), "Ks_NAF (base64) in %s",
	    AP_LOG(s));
	ck_assert_msg(!e2e_file_has(AP_LOG(s), e2e_env(s, "IMPI")),
	    "the IMPI in %s: %s", AP_LOG(s), e2e_last_line(AP_LOG(s),
	    e2e_env(s, "IMPI")));
}

/* ---- round trips --------------------------------------------------------- */

static const struct rt {
	const char		*name;
	const struct suite12	*suite;		/* NULL: TLS 1.3 */
	int			 prefixed;	/* "3GPP-bootstrapping." */
	int			 sni;
} rts[] = {
	{ "TLS 1.3, prefixed identity", NULL, 1, 1 },
	{ "TLS 1.3, bare B-TID", NULL, 0, 1 },
	{ "TLS 1.3, no SNI (ap.naf_fqdn)", NULL, 1, 0 },
	{ "TLS 1.2 PSK-AES128-GCM-SHA256, prefixed", &suites12[0], 1, 1 },
	{ "TLS 1.2 PSK-AES128-GCM-SHA256, bare B-TID", &suites12[0], 0, 1 },
	{ "TLS 1.2 PSK-AES256-GCM-SHA384", &suites12[1], 1, 1 },
	{ "TLS 1.2 DHE-PSK-AES128-GCM-SHA256", &suites12[2], 1, 1 },
	{ "TLS 1.2 ECDHE-PSK-AES128-CBC-SHA256", &suites12[3], 1, 1 },
	{ "TLS 1.2 PSK-AES128-CBC-SHA256", &suites12[4], 1, 1 },
	{ "TLS 1.2 PSK-AES128-CBC-SHA", &suites12[5], 1, 0 },
};

/*
 * A fresh B-TID: PUT a document through the AP (201, ETag; the key
 * fetched over Zn, AP-TLS-OK cached=no), GET it on the same connection;
 * then on a second connection GET it again (200, the same bytes and ETag,
 * AP-TLS-OK cached=yes, still one AP-ZN-KEY-FETCHED).
 */
START_TEST(ap_round_trip)
{
	const struct rt *t = &rts[_i];
	const struct e2e_stack *s = &shared;
	static struct ap_cli k;
	static struct hresp r;
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX], doc[32], etag[256];
	const char *body, *path, *ua;
	long apos = e2e_log_size(AP_LOG(s)), ppos = e2e_log_size(PR_LOG(s));
	long first;

	fprintf(stderr, "ap_round_trip: %s\n", t->name);
	ua = t->suite != NULL ? t->suite->ua : UA_TLS13;
	snprintf(doc, sizeof(doc), "rt-%d", _i);
	body = doc_body(doc);
	path = doc_path(s, ALICE, doc);
	ue_init(s, &u, doc);
	ue_bootstrap(&u);
	ue_cred(s, &u, t->suite, t->prefixed, &c);

	ck_assert_msg(ap_try(&k, s, &c, t->sni ? NULL : "", alpn_h1, 1) == 0,
	    "%s: handshake: %s (alert %d); AP: %s", t->name, k.err, k.alert,
	    e2e_last_line(AP_LOG(s), "AP-"));
	ck_assert_int_eq(tls_client_version(k.t), c.version);
	ck_assert_str_eq(tls_client_alpn(k.t), "http/1.1");
	if (t->suite != NULL)
		ck_assert_uint_eq(tls_client_suite(k.t), t->suite->code);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-ZN-KEY-FETCHED",
	    e2e_kv("btid", c.btid), e2e_kv("naf_fqdn", e2e_env(s, "NAF_FQDN")));
	ck_assert_msg(strcasestr(line, ua) != NULL, "ua_id %s not in %s", ua,
	    line);
	first = apos;
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-OK", e2e_kv("btid", c.btid),
	    "cached=no", "alpn=http/1.1");

	h1_request(&k, s, "PUT", path, (const char *[]){
	    "Content-Type: " RL_MIME, NULL }, body, &r);
	ck_assert_msg(r.status == 201, "PUT: %d %s", r.status, r.body);
	ck_assert_ptr_nonnull(hdr(&r, "ETag"));
	snprintf(etag, sizeof(etag), "%s", hdr(&r, "ETag"));
	ck_assert_msg(etag[0] == '"' && etag[strlen(etag) - 1] == '"',
	    "ETag %s", etag);
	ASSERT_EV(PR_LOG(s), &ppos, line, "XCAP-PUT", e2e_kv("user", ALICE),
	    e2e_kv("doc", doc), "created=yes");
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", "method=PUT",
	    "status=201", e2e_kv("identity", ALICE));

	/* the same connection, kept alive */
	h1_request(&k, s, "GET", path, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, body);
	ck_assert_str_eq(hdr(&r, "ETag"), etag);
	ck_assert_str_eq(hdr(&r, "Content-Type"), RL_MIME);
	ap_close(&k);

	/* a new connection: the key from the cache */
	ck_assert_msg(ap_try(&k, s, &c, t->sni ? NULL : "", alpn_h1, 1) == 0,
	    "%s: second handshake: %s (alert %d)", t->name, k.err, k.alert);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-OK", e2e_kv("btid", c.btid),
	    "cached=yes");
	h1_request(&k, s, "GET", path, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, body);
	ck_assert_str_eq(hdr(&r, "ETag"), etag);
	ap_close(&k);
	/* one Zn round trip for both connections */
	ck_assert_int_eq(e2e_count_ev(AP_LOG(s), first, NEED("AP-ZN-KEY-FETCHED ",
	    e2e_kv("btid", c.btid))), 0);
	ck_assert_int_eq(e2e_count_ev(AP_LOG(s), 0, NEED("AP-ZN-KEY-FETCHED ",
	    e2e_kv("btid", c.btid))), 1);
	assert_no_secrets(s, &c);
}
END_TEST

/* ---- handshake failures -------------------------------------------------- */

/* 0: TLS 1.3, 1: TLS 1.2 PSK-AES128-GCM-SHA256. A key one bit off: the
 * handshake fails, AP-TLS-FAIL; the right key then works. */
START_TEST(ap_wrong_key)
{
	const struct e2e_stack *s = &shared;
	static struct ap_cli k;
	static struct hresp r;
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX];
	long apos = e2e_log_size(AP_LOG(s));

	ue_init(s, &u, _i == 0 ? "wrong13" : "wrong12");
	ue_bootstrap(&u);
	ue_cred(s, &u, _i == 0 ? NULL : PSK_AES128_GCM, 1, &c);
	c.key[7] ^= 0x01;
	ck_assert_msg(ap_try(&k, s, &c, NULL, alpn_h1, 1) != 0,
	    "a wrong key was accepted");
	if (_i == 0)
		ck_assert_msg(k.alert == ALERT_ILLEGAL_PARAMETER ||
		    k.alert == ALERT_DECRYPT_ERROR, "TLS 1.3 wrong binder: "
		    "alert %d (%s)", k.alert, k.err);
	else
		ck_assert_msg(k.alert == ALERT_BAD_RECORD_MAC, "TLS 1.2 wrong "
		    "key: alert %d (%s)", k.alert, k.err);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-FAIL", "peer=127.0.0.1:");
	c.key[7] ^= 0x01;
	ap_request(s, &c, "GET", doc_path(s, ALICE, "no-such-doc"), NULL,
	    NULL, &r);
	ck_assert_int_eq(r.status, 404);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-OK", e2e_kv("btid", c.btid));
}
END_TEST

/* A B-TID the BSF never issued, prefixed (TLS 1.3) and bare (TLS 1.2):
 * unknown_psk_identity, AP-ZN-KEY-FAILED result=5403. */
START_TEST(ap_unknown_btid)
{
	const struct e2e_stack *s = &shared;
	static struct ap_cli k;
	struct cred c;
	char line[E2E_LINE_MAX];
	long apos = e2e_log_size(AP_LOG(s));

	memset(&c, 0, sizeof(c));
	snprintf(c.btid, sizeof(c.btid), "%s", _i == 0 ?
	    "AAECAwQFBgcICQoLDA0ODw==@bsf.ims.example.org" :
	    "DwAODQwLCgkIBwYFBAMCAQ==@bsf.ims.example.org");
	snprintf(c.identity, sizeof(c.identity), "%s%s", _i == 0 ? PFX : "",
	    c.btid);
	memset(c.key, 0x5a, sizeof(c.key));
	c.version = _i == 0 ? 13 : 12;
	c.priority = _i == 0 ? NULL : PSK_AES128_GCM->priority;
	ck_assert(ap_try(&k, s, &c, NULL, alpn_h1, 1) != 0);
	ck_assert_msg(k.alert == ALERT_UNKNOWN_PSK_IDENTITY, "alert %d (%s)",
	    k.alert, k.err);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-ZN-KEY-FAILED",
	    e2e_kv("btid", c.btid), "result=5403");
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-FAIL", "peer=127.0.0.1:");
}
END_TEST

/* An SNI naming a NAF other than ours fails the handshake. */
START_TEST(ap_sni_other_naf)
{
	const struct e2e_stack *s = &shared;
	static struct ap_cli k;
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX];
	long apos = e2e_log_size(AP_LOG(s));

	ue_init(s, &u, "sni");
	ue_bootstrap(&u);
	ue_cred(s, &u, NULL, 1, &c);
	ck_assert_msg(ap_try(&k, s, &c, "other.ims.example.org", alpn_h1, 1) !=
	    0, "an SNI naming another NAF was accepted");
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-FAIL", "peer=127.0.0.1:");
	ck_assert_int_eq(e2e_count_ev(AP_LOG(s), 0, NEED("AP-TLS-OK ",
	    e2e_kv("btid", c.btid))), 0);
}
END_TEST

/* ---- identities ---------------------------------------------------------- */

/* Foreign, absent, pseudonym (quoted and bare), and the assertion being
 * the intended identity (not the first IMPU). */
START_TEST(ap_intended_identity)
{
	const struct e2e_stack *s = &shared;
	static struct hresp r;
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX];
	long apos = e2e_log_size(AP_LOG(s)), ppos;
	const char *body;

	ue_init(s, &u, "ident");
	fresh_cred(s, &u, &c);

	/* foreign: 403 from the AP itself, nothing reaches presence */
	ppos = e2e_log_size(PR_LOG(s));
	ap_request(s, &c, "PUT", doc_path(s, BOB, "id-foreign"),
	    (const char *[]){ "X-3GPP-Intended-Identity: \"" BOB "\"",
	    "Content-Type: " RL_MIME, NULL }, doc_body("id-foreign"), &r);
	ck_assert_msg(r.status == 403, "foreign intended identity: %d %s",
	    r.status, r.body);
	ck_assert_msg(r.body_len > 0, "403 without a reason");
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-IDENTITY-DENIED",
	    e2e_kv("btid", c.btid), "intended=");
	ck_assert_msg(strstr(line, "bob@ims.example.org") != NULL, "%s", line);
	ck_assert_int_eq(e2e_count_ev(PR_LOG(s), ppos, NEED("XCAP-")), 0);
	/* the same, bare */
	ap_request(s, &c, "GET", doc_path(s, ALICE, "id-foreign"),
	    (const char *[]){ "X-3GPP-Intended-Identity: " BOB, NULL }, NULL,
	    &r);
	ck_assert_int_eq(r.status, 403);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-IDENTITY-DENIED",
	    e2e_kv("btid", c.btid));
	ck_assert_int_eq(e2e_count_ev(PR_LOG(s), ppos, NEED("XCAP-")), 0);

	/* absent: the first IMPU */
	body = doc_body("id-absent");
	ap_request(s, &c, "PUT", doc_path(s, ALICE, "id-absent"),
	    (const char *[]){ "Content-Type: " RL_MIME, NULL }, body, &r);
	ck_assert_msg(r.status == 201, "no intended identity: %d %s",
	    r.status, r.body);
	ASSERT_EV(PR_LOG(s), &ppos, line, "XCAP-PUT", e2e_kv("user", ALICE),
	    e2e_kv("doc", "id-absent"));

	/* the pseudonym, quoted: its own tree */
	body = doc_body("id-pseudo");
	ap_request(s, &c, "PUT", doc_path(s, PSEUDO, "id-pseudo"),
	    (const char *[]){ "X-3GPP-Intended-Identity: \"" PSEUDO "\"",
	    "Content-Type: " RL_MIME, NULL }, body, &r);
	ck_assert_msg(r.status == 201, "pseudonym: %d %s", r.status, r.body);
	ASSERT_EV(PR_LOG(s), &ppos, line, "XCAP-PUT", e2e_kv("user", PSEUDO),
	    e2e_kv("doc", "id-pseudo"));
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", "method=PUT",
	    e2e_kv("identity", PSEUDO), "status=201");
	/* bare, read back */
	ap_request(s, &c, "GET", doc_path(s, PSEUDO, "id-pseudo"),
	    (const char *[]){ "X-3GPP-Intended-Identity: " PSEUDO, NULL },
	    NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, body);
	/* asserted as the pseudonym, the first IMPU's tree is not its own:
	 * presence says 403 about the pseudonym */
	ap_request(s, &c, "GET", doc_path(s, ALICE, "id-absent"),
	    (const char *[]){ "X-3GPP-Intended-Identity: \"" PSEUDO "\"",
	    NULL }, NULL, &r);
	ck_assert_int_eq(r.status, 403);
	ASSERT_EV(PR_LOG(s), &ppos, line, "XCAP-DENIED", e2e_kv("user", PSEUDO));
	/* the first IMPU named explicitly */
	ap_request(s, &c, "GET", doc_path(s, ALICE, "id-absent"),
	    (const char *[]){ "X-3GPP-Intended-Identity: \"" ALICE "\"",
	    NULL }, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, doc_body("id-absent"));
	assert_no_secrets(s, &c);
}
END_TEST

/*
 * The client forges what only the AP may say: another user's asserted
 * identity (twice, two spellings), an Authorization, a wrong peer secret.
 * Reading the other user's document must be presence's 403 about
 * alice (XCAP-DENIED user=alice), never the document; reading her own
 * with the same forgeries must work (the AP's secret, not the client's).
 */
START_TEST(ap_forged_headers)
{
	const struct e2e_stack *s = &shared;
	static struct hresp r;
	const char *const forged[] = {
		"X-3GPP-Asserted-Identity: \"" BOB "\"",
		"x-3gpp-asserted-identity: <" BOB ">",
		"Authorization: Digest username=\"bob\", realm=\"x\"",
		"X-Utstack-Peer-Secret: forged",
		NULL
	};
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX];
	long ppos;

	presence_put(s, BOB, "forged", SECRET);
	ue_init(s, &u, "forged");
	fresh_cred(s, &u, &c);
	ppos = e2e_log_size(PR_LOG(s));
	ap_request(s, &c, "GET", doc_path(s, BOB, "forged"), forged, NULL,
	    &r);
	ck_assert_msg(r.status == 403, "bob's document read as alice with a "
	    "forged assertion: %d %s", r.status, r.body);
	ck_assert_ptr_null(strstr(r.body, "carol"));
	ck_assert_msg(strstr(r.body, "another user") != NULL, "not presence's "
	    "403: %s", r.body);
	ASSERT_EV(PR_LOG(s), &ppos, line, "XCAP-DENIED", e2e_kv("user", ALICE),
	    "method=GET");
	/* alice's own, same forgeries: the AP's secret and assertion count */
	presence_put(s, ALICE, "forged", SECRET);
	ap_request(s, &c, "GET", doc_path(s, ALICE, "forged"), forged, NULL,
	    &r);
	ck_assert_msg(r.status == 200, "own document with forged headers: %d "
	    "%s", r.status, r.body);
	ck_assert_str_eq(r.body, doc_body("forged"));
}
END_TEST

/* ---- HTTP/2 -------------------------------------------------------------- */

struct h2req {
	int32_t		 id;
	int		 status;
	char		 etag[256];
	char		 body[BODY_MAX + 1];
	size_t		 body_len;
	int		 closed;
	uint32_t	 error;
	const char	*up;		/* request body */
	size_t		 up_len, up_off;
};

static int
h2_on_header(nghttp2_session *ss, const nghttp2_frame *f,
    const uint8_t *name, size_t namelen, const uint8_t *value,
    size_t valuelen, uint8_t flags, void *ud)
{
	struct h2req *q = ud;

	(void)ss;
	(void)flags;
	if (f->hd.type != NGHTTP2_HEADERS || f->hd.stream_id != q->id)
		return 0;
	if (namelen == 7 && memcmp(name, ":status", 7) == 0)
		q->status = atoi((const char *)value);
	else if (namelen == 4 && memcmp(name, "etag", 4) == 0 &&
	    valuelen < sizeof(q->etag)) {
		memcpy(q->etag, value, valuelen);
		q->etag[valuelen] = '\0';
	}
	return 0;
}

static int
h2_on_data(nghttp2_session *ss, uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, void *ud)
{
	struct h2req *q = ud;

	(void)ss;
	(void)flags;
	if (id != q->id)
		return 0;
	if (q->body_len + len > BODY_MAX)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	memcpy(q->body + q->body_len, data, len);
	q->body_len += len;
	q->body[q->body_len] = '\0';
	return 0;
}

static int
h2_on_close(nghttp2_session *ss, int32_t id, uint32_t error, void *ud)
{
	struct h2req *q = ud;

	(void)ss;
	if (id == q->id) {
		q->closed = 1;
		q->error = error;
	}
	return 0;
}

static ssize_t
h2_read_body(nghttp2_session *ss, int32_t id, uint8_t *buf, size_t len,
    uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct h2req *q = src->ptr;
	size_t n = q->up_len - q->up_off;

	(void)ss;
	(void)id;
	(void)ud;
	if (n > len)
		n = len;
	memcpy(buf, q->up + q->up_off, n);
	q->up_off += n;
	if (q->up_off == q->up_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static nghttp2_session *
h2_session(struct h2req *q)
{
	nghttp2_session_callbacks *cb;
	nghttp2_session *ss;

	ck_assert_int_eq(nghttp2_session_callbacks_new(&cb), 0);
	nghttp2_session_callbacks_set_on_header_callback(cb, h2_on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
	    h2_on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
	    h2_on_close);
	ck_assert_int_eq(nghttp2_session_client_new(&ss, cb, q), 0);
	nghttp2_session_callbacks_del(cb);
	ck_assert_int_eq(nghttp2_submit_settings(ss, NGHTTP2_FLAG_NONE, NULL,
	    0), 0);
	return ss;
}

#define NV(n, v) { (uint8_t *)(uintptr_t)(n), (uint8_t *)(uintptr_t)(v), \
	strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE }

/* One request on the h2 session over `k`; `q` holds the answer. The
 * extra field (name, value) may be NULL. */
static void
h2_request(struct ap_cli *k, nghttp2_session *ss, struct h2req *q,
    const struct e2e_stack *s, const char *method, const char *path,
    const char *xname, const char *xvalue, const char *body)
{
	nghttp2_nv nva[6] = {
		NV(":method", method), NV(":scheme", "https"),
		NV(":authority", e2e_env(s, "NAF_FQDN")), NV(":path", path),
		NV("content-type", RL_MIME), NV("x-none", "")
	};
	size_t nnv = 4;
	nghttp2_data_provider dp;
	const uint8_t *out;
	ssize_t n, used;
	uint8_t in[16384];

	memset(q, 0, sizeof(*q));
	if (body != NULL) {
		nnv = 5;
		q->up = body;
		q->up_len = strlen(body);
		dp.source.ptr = q;
		dp.read_callback = h2_read_body;
	}
	if (xname != NULL) {
		nghttp2_nv x = NV(xname, xvalue);

		nva[nnv++] = x;
	}
	q->id = nghttp2_submit_request(ss, NULL, nva, nnv, body != NULL ? &dp :
	    NULL, NULL);
	ck_assert_int_gt(q->id, 0);
	while (!q->closed) {
		while ((n = nghttp2_session_mem_send(ss, &out)) > 0)
			ck_assert_int_eq(tls_client_write(k->t, out,
			    (size_t)n), 0);
		ck_assert_int_ge(n, 0);
		if (q->closed)
			break;
		n = tls_client_read(k->t, in, sizeof(in));
		ck_assert_msg(n > 0, "h2: connection ended before the answer "
		    "(%zd)", n);
		used = nghttp2_session_mem_recv(ss, in, (size_t)n);
		ck_assert_msg(used == n, "h2: %s", nghttp2_strerror((int)used));
	}
	ck_assert_msg(q->error == NGHTTP2_NO_ERROR, "h2 stream reset: %u",
	    q->error);
}

/* ALPN h2: PUT, GET (the same bytes and ETag), and a foreign intended
 * identity (403), as three streams of one connection. */
START_TEST(ap_h2)
{
	const struct e2e_stack *s = &shared;
	static struct ap_cli k;
	static struct h2req q;
	nghttp2_session *ss;
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX], etag[256];
	long apos = e2e_log_size(AP_LOG(s)), ppos = e2e_log_size(PR_LOG(s));
	const char *body = doc_body("h2"), *path = doc_path(s, ALICE, "h2");

	ue_init(s, &u, "h2");
	fresh_cred(s, &u, &c);
	ck_assert_msg(ap_try(&k, s, &c, NULL, alpn_h2, 2) == 0, "handshake: "
	    "%s (alert %d)", k.err, k.alert);
	ck_assert_str_eq(tls_client_alpn(k.t), "h2");
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-OK", e2e_kv("btid", c.btid),
	    "alpn=h2");
	ss = h2_session(&q);
	h2_request(&k, ss, &q, s, "PUT", path, NULL, NULL, body);
	ck_assert_msg(q.status == 201, "h2 PUT: %d %s", q.status, q.body);
	ck_assert_msg(q.etag[0] == '"', "ETag %s", q.etag);
	snprintf(etag, sizeof(etag), "%s", q.etag);
	ASSERT_EV(PR_LOG(s), &ppos, line, "XCAP-PUT", e2e_kv("user", ALICE),
	    e2e_kv("doc", "h2"));
	h2_request(&k, ss, &q, s, "GET", path, NULL, NULL, NULL);
	ck_assert_int_eq(q.status, 200);
	ck_assert_str_eq(q.body, body);
	ck_assert_str_eq(q.etag, etag);
	h2_request(&k, ss, &q, s, "GET", path, "x-3gpp-intended-identity",
	    "\"" BOB "\"", NULL);
	ck_assert_int_eq(q.status, 403);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-IDENTITY-DENIED",
	    e2e_kv("btid", c.btid));
	nghttp2_session_del(ss);
	ap_close(&k);
}
END_TEST

/* ---- own stacks ---------------------------------------------------------- */

/* ---- a large document, streamed ------------------------------------------ */

#define BIGDOC_ENTRIES	20000	/* about 900 KB */
#define BIGDOC_CONNS	4
#define BIGDOC_FIRST	65536	/* body octets each slow reader takes */

/* A resource-lists document of about 900 KB (under presence's
 * xcap.doc_max and the AP's caps, 1 MiB by default); malloc'd. */
static char *
bigdoc(size_t *len)
{
	size_t size = 128 + BIGDOC_ENTRIES * 64, n;
	char *b = malloc(size);
	int i;

	ck_assert_ptr_nonnull(b);
	n = (size_t)snprintf(b, size, "<?xml version=\"1.0\" encoding=\"UTF-8\""
	    "?>\n<resource-lists xmlns=\"" NS_RL "\">\n  <list name=\"big\">\n");
	for (i = 0; i < BIGDOC_ENTRIES; i++)
		n += (size_t)snprintf(b + n, size - n, "    <entry uri=\"sip:"
		    "user%06d@ims.example.org\"/>\n", i);
	n += (size_t)snprintf(b + n, size - n, "  </list>\n</resource-lists>\n");
	ck_assert_uint_lt(n, size);
	*len = n;
	return b;
}

/* The AP's resident set, kB (/proc/<pid>/status VmRSS). */
static long
vm_rss_kb(const struct e2e_stack *s)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/status", e2e_env(s, "AP_PID"));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	ck_assert_int_gt(kb, 0);
	return kb;
}

/* Is the AP built with AddressSanitizer? Its quarantine keeps freed
 * memory resident, so the resident set says nothing then. */
static int
ap_asan(const struct e2e_stack *s)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%s/maps", e2e_env(s, "AP_PID"));
	return e2e_file_has(path, "libasan");
}

/* The head of a 200 answer on `k` with Content-Length `clen`. */
static void
big_head(struct ap_cli *k, size_t clen)
{
	char *e, v[32];
	size_t hl;

	while ((e = memmem(k->in, k->in_len, "\r\n\r\n", 4)) == NULL)
		ck_assert_msg(fill(k) > 0, "no head: %s", k->err);
	hl = (size_t)(e - k->in) + 4;
	k->in[hl - 2] = '\0';
	ck_assert_msg(strncmp(k->in, "HTTP/1.1 200 ", 13) == 0, "%.200s",
	    k->in);
	ck_assert_msg(head_field(k->in, "Content-Length", v, sizeof(v),
	    NULL) != NULL, "no Content-Length: %.400s", k->in);
	ck_assert_uint_eq(strtoul(v, NULL, 10), clen);
	consume(k, hl);
}

/* Body octets into out[*have..upto). */
static void
big_body(struct ap_cli *k, char *out, size_t *have, size_t upto)
{
	size_t n;

	while (*have < upto) {
		if (k->in_len == 0)
			ck_assert_msg(fill(k) > 0, "body cut at %zu: %s", *have,
			    k->err);
		n = k->in_len;
		if (n > upto - *have)
			n = upto - *have;
		memcpy(out + *have, k->in, n);
		*have += n;
		consume(k, n);
	}
}

struct h2big {
	int32_t		 id;
	int		 status;
	char		*body;
	size_t		 len, cap;
	int		 closed;
	uint32_t	 error;
};

static int
h2big_header(nghttp2_session *ss, const nghttp2_frame *f, const uint8_t *name,
    size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
    void *ud)
{
	struct h2big *q = ud;

	(void)ss;
	(void)flags;
	(void)valuelen;
	if (f->hd.type == NGHTTP2_HEADERS && f->hd.stream_id == q->id &&
	    namelen == 7 && memcmp(name, ":status", 7) == 0)
		q->status = atoi((const char *)value);
	return 0;
}

static int
h2big_data(nghttp2_session *ss, uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, void *ud)
{
	struct h2big *q = ud;

	(void)ss;
	(void)flags;
	if (id != q->id)
		return 0;
	if (q->len + len > q->cap)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	memcpy(q->body + q->len, data, len);
	q->len += len;
	return 0;
}

static int
h2big_close(nghttp2_session *ss, int32_t id, uint32_t error, void *ud)
{
	struct h2big *q = ud;

	(void)ss;
	if (id == q->id) {
		q->closed = 1;
		q->error = error;
	}
	return 0;
}

/* GET `path` over ALPN h2 into q->body. */
static void
h2big_get(struct ap_cli *k, const struct e2e_stack *s, const char *path,
    struct h2big *q)
{
	nghttp2_session_callbacks *cb;
	nghttp2_session *ss;
	nghttp2_nv nva[] = { NV(":method", "GET"), NV(":scheme", "https"),
	    NV(":authority", e2e_env(s, "NAF_FQDN")), NV(":path", path) };
	const uint8_t *out;
	ssize_t n, used;
	static uint8_t in[16384];

	ck_assert_int_eq(nghttp2_session_callbacks_new(&cb), 0);
	nghttp2_session_callbacks_set_on_header_callback(cb, h2big_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
	    h2big_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
	    h2big_close);
	ck_assert_int_eq(nghttp2_session_client_new(&ss, cb, q), 0);
	nghttp2_session_callbacks_del(cb);
	ck_assert_int_eq(nghttp2_submit_settings(ss, NGHTTP2_FLAG_NONE, NULL,
	    0), 0);
	q->id = nghttp2_submit_request(ss, NULL, nva, 4, NULL, NULL);
	ck_assert_int_gt(q->id, 0);
	while (!q->closed) {
		while ((n = nghttp2_session_mem_send(ss, &out)) > 0)
			ck_assert_int_eq(tls_client_write(k->t, out,
			    (size_t)n), 0);
		ck_assert_int_ge(n, 0);
		if (q->closed)
			break;
		n = tls_client_read(k->t, in, sizeof(in));
		ck_assert_msg(n > 0, "h2: connection ended at %zu octets",
		    q->len);
		used = nghttp2_session_mem_recv(ss, in, (size_t)n);
		ck_assert_msg(used == n, "h2: %s", nghttp2_strerror((int)used));
	}
	nghttp2_session_del(ss);
}

/*
 * A 900 KB document through the AP: PUT over HTTP/1.1; then GETs by
 * BIGDOC_CONNS clients at once that read the head and the first 64 KB
 * and stop — the AP, streaming with back-pressure, holds a window of each
 * answer, not the answer: its resident set grows by less than one
 * document for all of them; then each reads the rest (the same bytes); then
 * GET over h2 (the same bytes). AP-FORWARD status=200 for each.
 */
START_TEST(ap_large_document)
{
	struct e2e_stack s;
	static struct ap_cli k[BIGDOC_CONNS];
	static struct hresp r;
	static struct h2big q;
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX], *doc, *got[BIGDOC_CONNS], *req;
	size_t len, have[BIGDOC_CONNS], req_len;
	long apos, rss0, rss1;
	const char *path;
	int i;

	e2e_stack_up(&s, (const char *[]){ NULL });
	doc = bigdoc(&len);
	path = doc_path(&s, ALICE, "big");
	ue_init(&s, &u, "usim");
	fresh_cred(&s, &u, &c);
	ap_request(&s, &c, "PUT", path, (const char *[]){ "Content-Type: "
	    RL_MIME, NULL }, doc, &r);
	ck_assert_msg(r.status == 201, "PUT %zu octets: %d %s", len, r.status,
	    r.body);

	/* slow readers, all at once */
	apos = e2e_log_size(AP_LOG(&s));
	rss0 = vm_rss_kb(&s);
	req = h1_build(&s, "GET", path, NULL, NULL, 0, &req_len);
	for (i = 0; i < BIGDOC_CONNS; i++) {
		ap_open(&k[i], &s, &c);
		ck_assert_int_eq(tls_client_write(k[i].t, req, req_len), 0);
	}
	free(req);
	for (i = 0; i < BIGDOC_CONNS; i++) {
		got[i] = malloc(len);
		ck_assert_ptr_nonnull(got[i]);
		have[i] = 0;
		big_head(&k[i], len);
		big_body(&k[i], got[i], &have[i], BIGDOC_FIRST);
	}
	rss1 = vm_rss_kb(&s);
	/* buffering them took about 2 MB here (the kernel's socket buffers
	 * hold the rest), streaming a few kB */
	ck_assert_msg(ap_asan(&s) || rss1 - rss0 < (long)(len / 1024),
	    "the AP grew by %ld kB for %d answers of %zu kB read slowly",
	    rss1 - rss0, BIGDOC_CONNS, len / 1024);
	for (i = 0; i < BIGDOC_CONNS; i++) {
		big_body(&k[i], got[i], &have[i], len);
		ck_assert_msg(memcmp(got[i], doc, len) == 0, "client %d: not "
		    "the bytes PUT", i);
		free(got[i]);
		ap_close(&k[i]);
	}
	for (i = 0; i < BIGDOC_CONNS; i++)
		ASSERT_EV(AP_LOG(&s), &apos, line, "AP-FORWARD", "method=GET",
		    "status=200");

	/* HTTP/2 end to end */
	ck_assert_msg(ap_try(&k[0], &s, &c, NULL, alpn_h2, 2) == 0,
	    "handshake: %s", k[0].err);
	ck_assert_str_eq(tls_client_alpn(k[0].t), "h2");
	memset(&q, 0, sizeof(q));
	q.cap = len;
	q.body = malloc(len);
	ck_assert_ptr_nonnull(q.body);
	h2big_get(&k[0], &s, path, &q);
	ck_assert_int_eq(q.status, 200);
	ck_assert_uint_eq(q.error, NGHTTP2_NO_ERROR);
	ck_assert_uint_eq(q.len, len);
	ck_assert_msg(memcmp(q.body, doc, len) == 0, "h2: not the bytes PUT");
	free(q.body);
	ap_close(&k[0]);
	free(doc);
	e2e_stack_down(&s);
}
END_TEST

/*
 * Uploads stream through the AP: a 900 KB PUT arrives whole; then
 * BIGDOC_CONNS clients PUT one each and stop halfway. The AP passes on
 * what came (to the AS, which buffers it) and holds a window of each
 * body at most, so its resident set grows by less than one document
 * for all of them — a buffering AP holds every half (it grew 2648 kB
 * here). Then each sends the rest: 201, AP-FORWARD status=201, and each
 * document reads back intact.
 */
START_TEST(ap_large_upload)
{
	struct e2e_stack s;
	static struct ap_cli k[BIGDOC_CONNS];
	static struct hresp r;
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX], *doc, *req[BIGDOC_CONNS], *got, name[16];
	char path[BIGDOC_CONNS][512], ct[] = "Content-Type: " RL_MIME;
	size_t len, req_len[BIGDOC_CONNS], first, have;
	long apos, rss0, rss1;
	int i;

	e2e_stack_up(&s, (const char *[]){ NULL });
	doc = bigdoc(&len);
	ue_init(&s, &u, "usim");
	fresh_cred(&s, &u, &c);
	/* one whole upload first: the AP's first connection, key and heap
	 * cost what they cost, whatever the body */
	ap_request(&s, &c, "PUT", doc_path(&s, ALICE, "warm"),
	    (const char *[]){ ct, NULL }, doc, &r);
	ck_assert_msg(r.status == 201, "PUT %zu octets: %d %s", len, r.status,
	    r.body);
	apos = e2e_log_size(AP_LOG(&s));
	rss0 = vm_rss_kb(&s);
	for (i = 0; i < BIGDOC_CONNS; i++) {
		snprintf(name, sizeof(name), "up%d", i);
		snprintf(path[i], sizeof(path[i]), "%s", doc_path(&s, ALICE,
		    name));
		req[i] = h1_build(&s, "PUT", path[i], (const char *[]){ ct,
		    NULL }, doc, len, &req_len[i]);
		ap_open(&k[i], &s, &c);
		/* the head and half the body, then the client stops */
		first = req_len[i] - len / 2;
		ck_assert_int_eq(tls_client_write(k[i].t, req[i], first), 0);
	}
	/* one more round trip: the AP's loop has read the halves by now */
	ap_request(&s, &c, "GET", doc_path(&s, ALICE, "none"), NULL, NULL,
	    &r);
	ck_assert_int_eq(r.status, 404);
	rss1 = vm_rss_kb(&s);
	ck_assert_msg(ap_asan(&s) || rss1 - rss0 < (long)(len / 1024),
	    "the AP grew by %ld kB for %d uploads of %zu kB stopped halfway",
	    rss1 - rss0, BIGDOC_CONNS, len / 1024);
	for (i = 0; i < BIGDOC_CONNS; i++) {
		first = req_len[i] - len / 2;
		ck_assert_int_eq(tls_client_write(k[i].t, req[i] + first,
		    req_len[i] - first), 0);
		ck_assert_msg(h1_recv(&k[i], &r, 0) == 0, "PUT %d: %s", i,
		    k[i].err);
		ck_assert_msg(r.status == 201, "PUT %d: %d %s", i, r.status,
		    r.body);
		ap_close(&k[i]);
		free(req[i]);
	}
	for (i = 0; i < BIGDOC_CONNS; i++)
		ASSERT_EV(AP_LOG(&s), &apos, line, "AP-FORWARD", "method=PUT",
		    "status=201");
	/* what the AS stored is what was sent */
	got = malloc(len);
	ck_assert_ptr_nonnull(got);
	for (i = 0; i < BIGDOC_CONNS; i++) {
		req[i] = h1_build(&s, "GET", path[i], NULL, NULL, 0,
		    &req_len[i]);
		ap_open(&k[0], &s, &c);
		ck_assert_int_eq(tls_client_write(k[0].t, req[i], req_len[i]),
		    0);
		free(req[i]);
		have = 0;
		big_head(&k[0], len);
		big_body(&k[0], got, &have, len);
		ck_assert_msg(memcmp(got, doc, len) == 0, "upload %d: not the "
		    "bytes PUT", i);
		ap_close(&k[0]);
	}
	free(got);
	free(doc);
	e2e_stack_down(&s);
}
END_TEST


/* The B-TID expires (GUSS lifetime 3 s; the BSF's purge every second
 * says when, BSF-PURGE): a key cached before must not be used after, and
 * the fresh BIR's 5403 is unknown_psk_identity. */
START_TEST(ap_expired_btid)
{
	struct e2e_stack s;
	static struct ap_cli k;
	static struct hresp r;
	struct e2e_dia *d;
	struct e2e_bia a;
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX];
	long apos, bpos;

	e2e_stack_up(&s, (const char *[]){ "--lifetime", "3", "--bsf-opt",
	    "store.purge_interval=1", NULL });
	apos = e2e_log_size(AP_LOG(&s));
	bpos = e2e_log_size(BSF_LOG(&s));
	ue_init(&s, &u, "usim");
	fresh_cred(&s, &u, &c);
	ap_request(&s, &c, "GET", doc_path(&s, ALICE, "none"), NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-TLS-OK", e2e_kv("btid", c.btid),
	    "cached=no");
	/* expired: the BSF purged it and says 5403 */
	ck_assert_msg(e2e_wait_ev(BSF_LOG(&s), &bpos, line, sizeof(line),
	    NEED("BSF-PURGE", "removed=1")) == 0, "no BSF-PURGE: %s",
	    e2e_last_line(BSF_LOG(&s), "BSF-"));
	d = e2e_zn_open(&s, e2e_env(&s, "TESTER_ORIGIN_HOST"));
	ck_assert_ptr_nonnull(d);
	e2e_bir(d, &s, e2e_env(&s, "TESTER_ORIGIN_HOST"), c.btid,
	    e2e_env(&s, "NAF_FQDN"), UA_TLS13, &a);
	e2e_dia_close(d);
	ck_assert_uint_eq(a.result, 5403);
	ck_assert_msg(ap_try(&k, &s, &c, NULL, alpn_h1, 1) != 0,
	    "the AP used a key past its Key-ExpiryTime");
	ck_assert_msg(k.alert == ALERT_UNKNOWN_PSK_IDENTITY, "alert %d (%s)",
	    k.alert, k.err);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-ZN-KEY-FAILED",
	    e2e_kv("btid", c.btid), "result=5403");
	e2e_stack_down(&s);
}
END_TEST

/* No USS of the AP's NAF group (the subscriber's one USS is in another
 * group, so the BIA's GUSS has none for the AP): 403, with or without
 * an intended identity, nothing reaches presence. */
START_TEST(ap_no_uss)
{
	struct e2e_stack s;
	static struct hresp r;
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX];
	long apos, ppos;

	e2e_stack_up(&s, (const char *[]){ "--uss", "1,0,elsewhere", NULL });
	apos = e2e_log_size(AP_LOG(&s));
	ppos = e2e_log_size(PR_LOG(&s));
	ue_init(&s, &u, "usim");
	fresh_cred(&s, &u, &c);
	ap_request(&s, &c, "PUT", doc_path(&s, ALICE, "nouss"),
	    (const char *[]){ "Content-Type: " RL_MIME, NULL },
	    doc_body("nouss"), &r);
	ck_assert_msg(r.status == 403, "no USS: %d %s", r.status, r.body);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-IDENTITY-DENIED",
	    e2e_kv("btid", c.btid));
	ap_request(&s, &c, "GET", doc_path(&s, ALICE, "nouss"),
	    (const char *[]){ "X-3GPP-Intended-Identity: \"" ALICE "\"",
	    NULL }, NULL, &r);
	ck_assert_msg(r.status == 403, "no USS, intended identity: %d %s",
	    r.status, r.body);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-IDENTITY-DENIED",
	    e2e_kv("btid", c.btid));
	ck_assert_int_eq(e2e_count_ev(PR_LOG(&s), ppos, NEED("XCAP-")), 0);
	e2e_stack_down(&s);
}
END_TEST

/*
 * zn.timeout_ms=500. The BSF stopped (SIGSTOP): a handshake with an
 * uncached B-TID fails with unknown_psk_identity and AP-ZN-KEY-FAILED
 * naming the timeout, while a cached key still works. The BSF gone
 * (SIGTERM): the same failure, with its reason.
 */
START_TEST(ap_bsf_down)
{
	struct e2e_stack s;
	static struct ap_cli k;
	static struct hresp r;
	struct ue u;
	struct cred c1, c2, c3;
	char line[E2E_LINE_MAX], *p;
	long apos, bpos;
	pid_t bsf;

	e2e_stack_up(&s, (const char *[]){ "--ap-opt", "zn.timeout_ms=500",
	    NULL });
	apos = e2e_log_size(AP_LOG(&s));
	ue_init(&s, &u, "usim");
	fresh_cred(&s, &u, &c1);
	ap_request(&s, &c1, "GET", doc_path(&s, ALICE, "none"), NULL, NULL,
	    &r);
	ck_assert_int_eq(r.status, 404);
	fresh_cred(&s, &u, &c2);
	fresh_cred(&s, &u, &c3);
	bsf = (pid_t)atol(e2e_env(&s, "BSF_PID"));

	ck_assert_int_eq(kill(bsf, SIGSTOP), 0);
	ck_assert(ap_try(&k, &s, &c2, NULL, alpn_h1, 1) != 0);
	ck_assert_msg(k.alert == ALERT_UNKNOWN_PSK_IDENTITY, "BSF stopped: "
	    "alert %d (%s)", k.alert, k.err);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-ZN-KEY-FAILED",
	    e2e_kv("btid", c2.btid));
	p = strstr(line, "reason=");
	ck_assert_msg(p != NULL && strcasestr(p, "time") != NULL,
	    "reason does not say timeout: %s", line);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-TLS-FAIL", "peer=127.0.0.1:");
	/* a cached key needs no BSF */
	ap_request(&s, &c1, "GET", doc_path(&s, ALICE, "none"), NULL, NULL,
	    &r);
	ck_assert_int_eq(r.status, 404);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-TLS-OK", e2e_kv("btid", c1.btid),
	    "cached=yes");
	ck_assert_int_eq(kill(bsf, SIGCONT), 0);

	/* gone */
	bpos = e2e_log_size(BSF_LOG(&s));
	ck_assert_int_eq(kill(bsf, SIGTERM), 0);
	ck_assert_int_eq(e2e_wait_log(BSF_LOG(&s), "BSF-STOPPED", &bpos, NULL,
	    0, E2E_WAIT_MS), 0);
	ASSERT_EV(AP_LOG(&s), &apos, line, "DIA-PEER-DOWN");
	ck_assert(ap_try(&k, &s, &c3, NULL, alpn_h1, 1) != 0);
	ck_assert_msg(k.alert == ALERT_UNKNOWN_PSK_IDENTITY, "BSF gone: "
	    "alert %d (%s)", k.alert, k.err);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-ZN-KEY-FAILED",
	    e2e_kv("btid", c3.btid), "reason=");
	fprintf(stderr, "ap_bsf_down: BSF gone: %s", line);
	e2e_stack_down(&s);
}
END_TEST

/* as.response_timeout_ms=500. presence stopped (SIGSTOP): 504; running
 * again: 200; gone: 502. Each with AP-UPSTREAM-FAIL. */
START_TEST(ap_as_down)
{
	struct e2e_stack s;
	static struct hresp r;
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX];
	long apos, ppos;
	pid_t pr;
	const char *body = doc_body("as"), *path;

	e2e_stack_up(&s, (const char *[]){ "--ap-opt",
	    "as.response_timeout_ms=500", NULL });
	path = doc_path(&s, ALICE, "as");
	apos = e2e_log_size(AP_LOG(&s));
	ue_init(&s, &u, "usim");
	fresh_cred(&s, &u, &c);
	ap_request(&s, &c, "PUT", path, (const char *[]){ "Content-Type: "
	    RL_MIME, NULL }, body, &r);
	ck_assert_int_eq(r.status, 201);
	pr = (pid_t)atol(e2e_env(&s, "PRESENCE_PID"));

	ck_assert_int_eq(kill(pr, SIGSTOP), 0);
	ap_request(&s, &c, "GET", path, NULL, NULL, &r);
	ck_assert_msg(r.status == 504, "AS stopped: %d %s", r.status, r.body);
	ck_assert_msg(r.body_len > 0, "504 without a text body");
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-UPSTREAM-FAIL", "status=504");
	ck_assert_int_eq(kill(pr, SIGCONT), 0);
	ap_request(&s, &c, "GET", path, NULL, NULL, &r);
	ck_assert_msg(r.status == 200, "AS running again: %d %s", r.status,
	    r.body);
	ck_assert_str_eq(r.body, body);

	ppos = e2e_log_size(PR_LOG(&s));
	ck_assert_int_eq(kill(pr, SIGTERM), 0);
	ck_assert_int_eq(e2e_wait_log(PR_LOG(&s), "PRESENCE-STOPPED", &ppos,
	    NULL, 0, E2E_WAIT_MS), 0);
	ap_request(&s, &c, "GET", path, NULL, NULL, &r);
	ck_assert_msg(r.status == 502, "AS gone: %d %s", r.status, r.body);
	ck_assert_msg(r.body_len > 0, "502 without a text body");
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-UPSTREAM-FAIL", "status=502");
	e2e_stack_down(&s);
}
END_TEST

/* ---- what the AP forwards: a test-owned upstream ------------------------- */

static int
listen_local(uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	ck_assert_int_ge(fd, 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Read one request (head, and a Content-Length or chunked body, decoded)
 * from `fd` within E2E_WAIT_MS. Returns the head length, or -1. */
static ssize_t
read_forwarded(int fd, char *head, size_t headsz, char *body,
    size_t bodysz, size_t *body_len)
{
	static char in[IN_MAX];
	size_t len = 0, hl, cl = 0, bl = 0;
	long deadline = httpc_now_ms() + E2E_WAIT_MS;
	struct pollfd p = { fd, POLLIN, 0 };
	char v[64], *e, *q;
	int chunked;
	ssize_t n;

	for (;;) {
		if ((e = memmem(in, len, "\r\n\r\n", 4)) != NULL) {
			hl = (size_t)(e - in) + 4;
			if (hl - 2 >= headsz)
				return -1;
			memcpy(head, in, hl - 2);
			head[hl - 2] = '\0';
			chunked = head_field(head, "Transfer-Encoding", v,
			    sizeof(v), NULL) != NULL &&
			    strcasestr(v, "chunked") != NULL;
			if (!chunked && head_field(head, "Content-Length", v,
			    sizeof(v), NULL) != NULL)
				cl = strtoul(v, NULL, 10);
			if (!chunked && len - hl >= cl) {
				if (cl >= bodysz)
					return -1;
				memcpy(body, in + hl, cl);
				*body_len = cl;
				return (ssize_t)hl;
			}
			if (chunked && memmem(in + hl, len - hl, "0\r\n\r\n",
			    5) != NULL) {
				for (q = in + hl; ; ) {
					size_t c = strtoul(q, NULL, 16);

					q = strstr(q, "\r\n") + 2;
					if (c == 0)
						break;
					if (bl + c >= bodysz)
						return -1;
					memcpy(body + bl, q, c);
					bl += c;
					q += c + 2;
				}
				*body_len = bl;
				return (ssize_t)hl;
			}
		}
		if (len == sizeof(in) || httpc_now_ms() >= deadline ||
		    poll(&p, 1, (int)(deadline - httpc_now_ms())) != 1 ||
		    (n = read(fd, in + len, sizeof(in) - len)) <= 0)
			return -1;
		len += (size_t)n;
	}
}

/*
 * The AP's upstream is a socket of the test: the forwarded request is read
 * as it is. Client forgeries and hop-by-hop fields are gone, the assertion
 * is the AP's (exactly one), Host is the NAF FQDN, X-Forwarded-For names
 * the client, end-to-end fields and the body pass unchanged, the IMPI
 * appears nowhere; the AS's answer comes back to the client.
 */
START_TEST(ap_forwarded_request)
{
	struct e2e_stack s;
	static struct ap_cli k;
	static struct hresp r;
	static char head[HEAD_MAX + 1], body[BODY_MAX + 1];
	struct ue u;
	struct cred c;
	char opt[64], line[E2E_LINE_MAX], v[512], authz[512];
	const char *doc = doc_body("fwd"), *path;
	const char *ans = "HTTP/1.1 201 Created\r\nETag: \"as-etag-1\"\r\n"
	    "X-From-As: yes\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 7\r\n\r\ncreated";
	size_t bl = 0, len;
	uint16_t port;
	int lfd, fd, n;
	long apos;
	char *req;
	struct pollfd p;

	lfd = listen_local(&port);
	snprintf(opt, sizeof(opt), "as.upstream=127.0.0.1:%u", port);
	e2e_stack_up(&s, (const char *[]){ "--ap-opt", opt, NULL });
	path = doc_path(&s, ALICE, "fwd");
	apos = e2e_log_size(AP_LOG(&s));
	ue_init(&s, &u, "usim");
	fresh_cred(&s, &u, &c);
	snprintf(authz, sizeof(authz), "Authorization: Digest username=\"%s\", "
	    "realm=\"ims.example.org\"", e2e_env(&s, "IMPI"));
	ap_open(&k, &s, &c);
	req = h1_build(&s, "PUT", path, (const char *[]){
	    "Host: evil.example.org",
	    authz,
	    "X-3GPP-Asserted-Identity: \"" BOB "\"",
	    "x-3gpp-asserted-identity: <sip:mallory@ims.example.org>",
	    "X-3GPP-Intended-Identity: \"" ALICE "\"",
	    "X-Utstack-Peer-Secret: forged",
	    "Connection: keep-alive, X-Hop-Test",
	    "X-Hop-Test: remove-me",
	    "X-End-To-End: keep-me",
	    "Content-Type: " RL_MIME,
	    NULL }, doc, strlen(doc), &len);
	ck_assert_int_eq(tls_client_write(k.t, req, len), 0);
	free(req);

	p.fd = lfd;
	p.events = POLLIN;
	ck_assert_msg(poll(&p, 1, E2E_WAIT_MS) == 1, "the AP did not connect "
	    "to the upstream; AP: %s", e2e_last_line(AP_LOG(&s), "AP-"));
	fd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(read_forwarded(fd, head, sizeof(head), body,
	    sizeof(body), &bl) > 0, "no complete forwarded request");
	fprintf(stderr, "ap_forwarded_request: forwarded head:\n%s\n", head);
	ck_assert_int_eq((int)write(fd, ans, strlen(ans)), (int)strlen(ans));

	/* the request line and the body unchanged */
	snprintf(v, sizeof(v), "PUT %s HTTP/1.1\r\n", path);
	ck_assert_msg(strncmp(head, v, strlen(v)) == 0, "request line: %.200s",
	    head);
	ck_assert_uint_eq(bl, strlen(doc));
	ck_assert(memcmp(body, doc, bl) == 0);
	/* exactly the AP's assertion */
	ck_assert_ptr_nonnull(head_field(head, "X-3GPP-Asserted-Identity", v,
	    sizeof(v), &n));
	ck_assert_msg(n == 1, "%d X-3GPP-Asserted-Identity fields", n);
	ck_assert_str_eq(v, "\"" ALICE "\"");
	/* forgeries and hop-by-hop fields removed */
	ck_assert_ptr_null(head_field(head, "Authorization", NULL, 0, NULL));
	ck_assert_ptr_null(head_field(head, "X-3GPP-Intended-Identity", NULL,
	    0, NULL));
	ck_assert_ptr_null(head_field(head, "X-Utstack-Peer-Secret", NULL, 0,
	    NULL));
	ck_assert_msg(head_field(head, "X-Hop-Test", NULL, 0, NULL) == NULL,
	    "a field named by Connection (hop-by-hop, RFC 9110 §7.6.1) was "
	    "forwarded");
	ck_assert_msg(strcasestr(head, e2e_env(&s, "IMPI")) == NULL,
	    "the IMPI was forwarded");
	/* added and kept */
	ck_assert_ptr_nonnull(head_field(head, "Host", v, sizeof(v), &n));
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(v, e2e_env(&s, "NAF_FQDN"));
	ck_assert_ptr_nonnull(head_field(head, "X-Forwarded-For", v,
	    sizeof(v), NULL));
	ck_assert_msg(strstr(v, "127.0.0.1") != NULL, "X-Forwarded-For: %s",
	    v);
	ck_assert_ptr_nonnull(head_field(head, "X-End-To-End", v, sizeof(v),
	    NULL));
	ck_assert_str_eq(v, "keep-me");
	ck_assert_ptr_nonnull(head_field(head, "Content-Type", v, sizeof(v),
	    NULL));
	ck_assert_str_eq(v, RL_MIME);

	/* the AS's answer, back to the client */
	ck_assert_msg(h1_recv(&k, &r, 0) == 0, "%s", k.err);
	ck_assert_int_eq(r.status, 201);
	ck_assert_str_eq(hdr(&r, "ETag"), "\"as-etag-1\"");
	ck_assert_str_eq(hdr(&r, "X-From-As"), "yes");
	ck_assert_str_eq(r.body, "created");
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-FORWARD", "method=PUT",
	    "status=201", e2e_kv("identity", ALICE));
	ap_close(&k);
	close(fd);
	close(lfd);
	assert_no_secrets(&s, &c);
	e2e_stack_down(&s);
}
END_TEST

/* ---- limits and stalls --------------------------------------------------- */

static int
tcp_connect(uint16_t port, uint16_t *local)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*local = ntohs(sin.sin_port);
	return fd;
}

/* Has the peer closed `fd` (EOF or reset), waiting at most `ms`? */
static int
closed_within(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char b[256];

	if (poll(&p, 1, ms) != 1)
		return 0;
	return read(fd, b, sizeof(b)) <= 0;
}

/*
 * ua.head_max=2048, ua.body_max=4096, ua.handshake_timeout_ms=3000:
 * a 3000-octet head gets 431, a 5000-octet body 413 (nothing reaches
 * presence). Half a ClientHello on a raw socket: that connection is closed
 * after the handshake timeout (AP-TLS-FAIL naming it), and while it
 * hangs another client completes a handshake and a GET.
 */
START_TEST(ap_limits_and_stall)
{
	struct e2e_stack s;
	static struct hresp r;
	static char big[6000];
	/* a TLS record announcing 512 octets of ClientHello, 60 sent */
	static const uint8_t half_hello[65] = {
		0x16, 0x03, 0x01, 0x02, 0x00,
		0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
	};
	struct ue u;
	struct cred c;
	char line[E2E_LINE_MAX], filler[3100], peer[64];
	long apos, ppos;
	uint16_t local;
	int fd;

	e2e_stack_up(&s, (const char *[]){ "--ap-opt", "ua.head_max=2048",
	    "--ap-opt", "ua.body_max=4096", "--ap-opt",
	    "ua.handshake_timeout_ms=3000", NULL });
	apos = e2e_log_size(AP_LOG(&s));
	ppos = e2e_log_size(PR_LOG(&s));
	ue_init(&s, &u, "usim");
	fresh_cred(&s, &u, &c);

	memcpy(filler, "X-Filler: ", 10);
	memset(filler + 10, 'a', 3000);
	filler[3010] = '\0';
	ap_request(&s, &c, "GET", doc_path(&s, ALICE, "big"),
	    (const char *[]){ filler, NULL }, NULL, &r);
	ck_assert_msg(r.status == 431, "3000-octet head: %d %s", r.status,
	    r.body);
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "<a>", 3);
	ap_request(&s, &c, "PUT", doc_path(&s, ALICE, "big"),
	    (const char *[]){ "Content-Type: " RL_MIME, NULL }, big, &r);
	ck_assert_msg(r.status == 413, "5999-octet body: %d %s", r.status,
	    r.body);
	ck_assert_int_eq(e2e_count_ev(PR_LOG(&s), ppos, NEED("XCAP-")), 0);

	/* the staller, then another client meanwhile */
	fd = tcp_connect(ap_port(&s), &local);
	ck_assert_int_eq((int)write(fd, half_hello, sizeof(half_hello)),
	    (int)sizeof(half_hello));
	fresh_cred(&s, &u, &c);
	ap_request(&s, &c, "GET", doc_path(&s, ALICE, "none"), NULL, NULL,
	    &r);
	ck_assert_int_eq(r.status, 404);
	/* the handshake timeout (3 s) leaves a wide margin for the GET */
	ck_assert_msg(!closed_within(fd, 0), "the stalled connection was "
	    "closed before the other client was done");
	ck_assert_msg(closed_within(fd, E2E_WAIT_MS), "the stalled "
	    "connection is still open after %d ms", E2E_WAIT_MS);
	close(fd);
	snprintf(peer, sizeof(peer), "peer=127.0.0.1:%u ", local);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-TLS-FAIL", peer);
	ck_assert_msg(strcasestr(line, "time") != NULL, "reason does not say "
	    "timeout: %s", line);
	e2e_stack_down(&s);
}
END_TEST

/* ---- a Zn answer held up ------------------------------------------------- */

/* Is a BIR (or anything) waiting unread on an established connection to
 * the BSF's Zn port (/proc/net/tcp rx_queue)? */
static int
zn_queued(uint16_t port)
{
	char line[512];
	unsigned lport, st, rx, tx;
	FILE *f;
	int found = 0;

	if ((f = fopen("/proc/net/tcp", "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " %*u: %*x:%x %*x:%*x %x %x:%x", &lport, &st,
		    &tx, &rx) == 4 && lport == port && st == 1 && rx > 0)
			found = 1;
	fclose(f);
	return found;
}

struct waiter {
	const struct e2e_stack	*s;
	struct cred		 c;
	char			 path[512];	/* doc_path() is not
						 * for threads */
	struct ap_cli		 k;
	struct hresp		 r;
	atomic_int		 done;
	int			 ok;
	char			 err[300];
};

/* Client A, in a thread: handshake (waits on the Zn answer), one GET. No
 * assertions here (the test's process would not notice them). */
static void *
waiter_run(void *arg)
{
	struct waiter *w = arg;
	struct tls_client_cfg cfg;
	size_t len;
	char *req;

	memset(&cfg, 0, sizeof(cfg));
	cfg.addr = "127.0.0.1";
	cfg.port = ap_port(w->s);
	cfg.sni = e2e_env(w->s, "NAF_FQDN");
	cfg.identity = w->c.identity;
	cfg.key = w->c.key;
	cfg.keylen = sizeof(w->c.key);
	cfg.version = 13;
	cfg.timeout_ms = 4 * E2E_WAIT_MS;
	w->k.t = tls_client_psk_connect(&cfg, &w->k.alert, w->k.err,
	    sizeof(w->k.err));
	if (w->k.t == NULL) {
		snprintf(w->err, sizeof(w->err), "handshake: %s (alert %d)",
		    w->k.err, w->k.alert);
		atomic_store(&w->done, 1);
		return NULL;
	}
	req = h1_build(w->s, "GET", w->path, NULL, NULL, 0, &len);
	if (tls_client_write(w->k.t, req, len) != 0)
		snprintf(w->err, sizeof(w->err), "write failed");
	else if (h1_recv(&w->k, &w->r, 0) != 0)
		snprintf(w->err, sizeof(w->err), "%s", w->k.err);
	else
		w->ok = 1;
	free(req);
	tls_client_free(w->k.t);
	w->k.t = NULL;
	atomic_store(&w->done, 1);
	return NULL;
}

/*
 * zn.timeout_ms=20000 (longer than the test needs). The BSF stopped; A
 * connects with an uncached B-TID and its BIR is seen queued at the BSF;
 * B, with a cached key, completes a handshake and a GET while A waits;
 * the BSF resumes and A completes (its key fetched after B's request).
 */
START_TEST(ap_zn_delayed)
{
	struct e2e_stack s;
	static struct hresp r;
	static struct waiter w;
	struct ue u;
	struct cred b;
	char line[E2E_LINE_MAX];
	long apos, pos_b, deadline;
	pid_t bsf;
	pthread_t th;
	uint16_t zn;

	e2e_stack_up(&s, (const char *[]){ "--ap-opt", "zn.timeout_ms=20000",
	    "--ap-opt", "ua.handshake_timeout_ms=30000", NULL });
	apos = e2e_log_size(AP_LOG(&s));
	ue_init(&s, &u, "usim");
	fresh_cred(&s, &u, &b);
	ap_request(&s, &b, "GET", doc_path(&s, ALICE, "none"), NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	memset(&w, 0, sizeof(w));
	w.s = &s;
	fresh_cred(&s, &u, &w.c);
	snprintf(w.path, sizeof(w.path), "%s", doc_path(&s, ALICE, "none"));
	bsf = (pid_t)atol(e2e_env(&s, "BSF_PID"));
	zn = (uint16_t)atoi(e2e_env(&s, "BSF_ZN_PORT"));

	ck_assert_int_eq(kill(bsf, SIGSTOP), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, waiter_run, &w), 0);
	/* A's BIR reaches the stopped BSF's socket */
	deadline = httpc_now_ms() + E2E_WAIT_MS;
	while (!zn_queued(zn) && !atomic_load(&w.done) &&
	    httpc_now_ms() < deadline)
		(void)poll(NULL, 0, 10);
	if (!zn_queued(zn)) {
		kill(bsf, SIGCONT);
		pthread_join(th, NULL);
		ck_abort_msg("no BIR reached the stopped BSF (A: %s)",
		    w.done ? w.err : "still waiting");
	}
	/* B meanwhile */
	ap_request(&s, &b, "GET", doc_path(&s, ALICE, "none"), NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-TLS-OK", e2e_kv("btid", b.btid),
	    "cached=yes");
	pos_b = apos;
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-FORWARD", "status=404");
	if (atomic_load(&w.done)) {
		kill(bsf, SIGCONT);
		pthread_join(th, NULL);
		ck_abort_msg("A did not wait for its key: %s", w.ok ? "done" :
		    w.err);
	}
	ck_assert_int_eq(kill(bsf, SIGCONT), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_msg(w.ok, "A: %s", w.err);
	ck_assert_int_eq(w.r.status, 404);
	/* A's key arrived after B was served */
	ASSERT_EV(AP_LOG(&s), &pos_b, line, "AP-ZN-KEY-FETCHED",
	    e2e_kv("btid", w.c.btid));
	ASSERT_EV(AP_LOG(&s), &pos_b, line, "AP-TLS-OK", e2e_kv("btid", w.c.btid),
	    "cached=no");
	e2e_stack_down(&s);
}
END_TEST

Suite *
suite_e2e_ap(void)
{
	Suite *s = suite_create("e2e_ap");
	TCase *tc = tcase_create("ap"), *own = tcase_create("ap-own-stack");
	int nrt = (int)(sizeof(rts) / sizeof(rts[0]));

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, shared_up, shared_down);
	tcase_add_loop_test(tc, ap_round_trip, 0, nrt);
	tcase_add_loop_test(tc, ap_wrong_key, 0, 2);
	tcase_add_loop_test(tc, ap_unknown_btid, 0, 2);
	tcase_add_test(tc, ap_sni_other_naf);
	tcase_add_test(tc, ap_intended_identity);
	tcase_add_test(tc, ap_forged_headers);
	tcase_add_test(tc, ap_h2);
	suite_add_tcase(s, tc);

	tcase_set_timeout(own, 120);
	tcase_add_unchecked_fixture(own, e2e_sweep_setup, e2e_sweep_teardown);
	tcase_add_test(own, ap_expired_btid);
	tcase_add_test(own, ap_no_uss);
	tcase_add_test(own, ap_bsf_down);
	tcase_add_test(own, ap_as_down);
	tcase_add_test(own, ap_forwarded_request);
	tcase_add_test(own, ap_limits_and_stall);
	tcase_add_test(own, ap_zn_delayed);
	tcase_add_test(own, ap_large_document);
	tcase_add_test(own, ap_large_upload);
	suite_add_tcase(s, own);
	return s;
}
