/*
 * test_ap2.c — the Authentication Proxy, part 2 (issue 8, items 6 and 7),
 * end to end: the real `ap` started by scripts/stack (its certificate
 * from scripts/gen-certs, its plain-HTTP listener, and here a second NAF
 * name) in front of the real `presence`, Ks_NAF from the real `bsf`, the
 * UE's keys from `ue bootstrap` and `ue ks-naf` (a real GBA run).
 *
 * Clients: the blocking certificate client of common/tls.h with a small
 * HTTP Digest client written here over common/digest.h, so that each part
 * of a credential can be got wrong on purpose; TLS-PSK where a case needs
 * it; a plain socket on the plain-HTTP port, then tls_client_psk_start() /
 * tls_client_cert_start() on that same socket after "101 Switching
 * Protocols"; and curl (a child process) for Digest as a stock client
 * does it.
 *
 * Expectations: docs/CONTRACT.md § ap, TS 33.222 cl. 5.3, TS 24.109
 * cl. 5.2, RFC 7616 (Digest), RFC 2817 (upgrade to TLS):
 *
 *  - Digest on certificate TLS, TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 (the
 *    NAF_Id's Ua id 01 00 01 c0 2b) and TLS 1.3 TLS_AES_128_GCM_SHA256
 *    (01 00 01 13 01): a 401 with realm "3GPP-bootstrapping@<NAF>", qop
 *    auth-int,auth, MD5; then PUT (auth-int) and GETs (auth, auth-int),
 *    each answer carrying Authentication-Info whose rspauth is checked over
 *    the body and whose nextnonce serves the next request without a 401;
 *    one BIR for all;
 *  - refusals: a wrong response and the key of another Ua id (401, fresh
 *    challenge), a used or unknown nonce (401 stale=true; a nonce is used
 *    up by a wrong answer too), an unknown B-TID (5403 → 401 with the
 *    bootstrapping realm), a PSK identity or another realm as username /
 *    realm (401), an expired B-TID purged by the BSF (401 with the
 *    bootstrapping realm although the key had been cached), the BSF
 *    stopped (503 within zn.timeout_ms, then a new challenge works),
 *    uri not the target, MD5-sess, SHA-256, AKAv1-MD5, no qop, Basic,
 *    broken syntax (400); a raw node selector in the request line and,
 *    verbatim, in the Digest uri (200; the encoded uri for a raw target
 *    is 400);
 *  - X-3GPP-Intended-Identity with Digest: foreign (403), the pseudonym
 *    (its own tree), none (the first IMPU);
 *  - clients without a USIM (ua.htdigest_file): one challenge per realm of
 *    the file, the bootstrapping realm last; bob → sip:bob@ims.example.org
 *    (200), wrong password, unknown user, a user of another realm (401),
 *    alice's document (403 from presence), intended identity alice (403
 *    from the AP); curl --digest with the password (200) and a wrong one
 *    (401); a GBA client still served on the same AP;
 *  - plain HTTP: 426 with "Upgrade: TLS/1.0, HTTP/1.1", h2c and TLS/2.0
 *    upgrades (426), an upgrade with a body or a pipelined request (400),
 *    RFC 2817 upgrades answered 101 then TLS on the socket: PSK (the GET
 *    answered over TLS, 200, then keep-alive; a long target and an
 *    LF-only head of many fields, replayed intact), certificate (the
 *    replayed GET gets the 401, the Digest answer 200), OPTIONS * (200
 *    from the AP);
 *    http.redirect (301 / 308 with Location, upgrades still 101); the AP
 *    refusing a plain listener whose TLS cannot start (missing certificate
 *    file), and htdigest without a certificate;
 *  - several NAFs (--extra-naf rls.ims.example.org): PSK with SNI rls and
 *    the key of NAF_Id rls || Ua id (200, AP-ZN-KEY-FETCHED naf_fqdn=rls);
 *    the xcap key under SNI rls and the rls key under SNI xcap (handshake
 *    fails); SNI unknown.ims.example.org (unknown_psk_identity; the
 *    certificate session closed unanswered); certificate + Digest under
 *    SNI rls with Ks_NAF of rls (200, its own realm); Host naming the other
 *    NAF (421) on PSK and certificate sessions.
 *
 * Waits are on answers and event lines, never sleeps. Cases that need
 * another configuration or stop a daemon start their own stack; the
 * tcase's sweep stops what a failed test left.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "digest.h"
#include "e2e.h"
#include "hex.h"
#include "httpc.h"
#include "tls.h"

#define ALICE		"sip:alice@ims.example.org"
#define PSEUDO		"sip:alice.pseudonym.31c4@ims.example.org"
#define MALLORY		"sip:mallory@ims.example.org"
#define BOB		"sip:bob@ims.example.org"
#define BOB_PW		"b0b-Pa55-word"
#define CAROL_PW	"carol-pw-71"
#define NAF		"xcap.ims.example.org"
#define RLS		"rls.ims.example.org"
#define UNKNOWN_NAF	"unknown.ims.example.org"
#define RL_MIME		"application/resource-lists+xml"
#define NS_RL		"urn:ietf:params:xml:ns:resource-lists"
#define PFX		"3GPP-bootstrapping."
#define REALM_PFX	"3GPP-bootstrapping@"
#define NEVER_BTID	"AAAAAAAAAAAAAAAAAAAAAA==@bsf.ims.example.org"

/* Ua security protocol ids (TS 33.220 Annex H) */
#define UA_PSK13	"0100000007"	/* TLS 1.3 external PSK */
#define UA_C02B		"010001c02b"	/* certificate TLS 1.2, suite c02b */
#define UA_1301		"0100011301"	/* certificate TLS 1.3, suite 1301 */

/* Certificate TLS pinned to one suite */
#define PRIO_C02B	"NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:" \
			"-CIPHER-ALL:+AES-128-GCM:-MAC-ALL:+AEAD"
#define PRIO_1301	"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:" \
			"+AES-128-GCM:-MAC-ALL:+AEAD"

/* RFC 8446 §6 / RFC 4279 §2 alert numbers */
#define ALERT_BAD_RECORD_MAC		20
#define ALERT_ILLEGAL_PARAMETER		47
#define ALERT_DECRYPT_ERROR		51
#define ALERT_UNKNOWN_PSK_IDENTITY	115

#define HEAD_MAX	16384
#define BODY_MAX	65536
#define IN_MAX		(HEAD_MAX + BODY_MAX + 4096)
#define AUTHZ_MAX	(DIGEST_MAX_LEN + 64)

static const char *const alpn_h1[] = { "http/1.1" };

/* Event lines: e2e_kv(), e2e_wait_ev(), ASSERT_EV() ... in e2e.c. */


#define AP_LOG(s)	e2e_env((s), "AP_LOG")
#define PR_LOG(s)	e2e_env((s), "PRESENCE_LOG")
#define BSF_LOG(s)	e2e_env((s), "BSF_LOG")

/* ---- the UE: bootstrap and Ks_NAF -------------------------------------- */

struct ue {
	char	usim[300];
	char	btid[256];
};

/* Ks_NAF of one (B-TID, NAF_Id): raw, hex, and base64 (the Digest
 * password on Ua, TS 33.222 cl. 5.3). */
struct key {
	char	btid[256];
	uint8_t	k[32];
	char	hex[HEX_LEN(32)];
	char	b64[64];
};

/* A USIM file `name` in the stack folder, then a bootstrap (a fresh
 * B-TID). */
static void
ue_boot(const struct e2e_stack *s, struct ue *u, const char *name)
{
	struct e2e_run r;

	memset(u, 0, sizeof(*u));
	snprintf(u->usim, sizeof(u->usim), "%s/%s", s->dir, name);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", u->usim,
	    "usim", "init", "--impi", e2e_env(s, "IMPI"), "--k",
	    e2e_env(s, "K"), "--opc", e2e_env(s, "OPC"), "--bsf",
	    e2e_env(s, "BSF_URL"), "--force", NULL });
	ck_assert_msg(r.status == 0, "usim init: %s", r.err);
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", u->usim,
	    "--json", "bootstrap", NULL });
	ck_assert_msg(r.status == 0, "bootstrap: %s", r.err);
	ck_assert_int_eq(e2e_json(r.out, "btid", u->btid, sizeof(u->btid)), 0);
}

/* Ks_NAF for NAF_Id = naf || ua (`ue ks-naf NAF --ua-id UA`). */
static void
ue_key(const struct ue *u, const char *naf, const char *ua, struct key *k)
{
	struct e2e_run r;

	memset(k, 0, sizeof(*k));
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--usim", u->usim,
	    "--json", "ks-naf", naf, "--ua-id", ua, NULL });
	ck_assert_msg(r.status == 0, "ks-naf %s %s: %s", naf, ua, r.err);
	ck_assert_int_eq(e2e_json(r.out, "btid", k->btid, sizeof(k->btid)),
	    0);
	ck_assert_str_eq(k->btid, u->btid);
	ck_assert_int_eq(e2e_json(r.out, "ks_naf", k->hex, sizeof(k->hex)),
	    0);
	ck_assert_int_eq(hex_decode_exact(k->hex, k->k, sizeof(k->k)), 0);
	ck_assert_int_eq(e2e_json(r.out, "ks_naf_b64", k->b64, sizeof(k->b64)),
	    0);
}

/* No key material and no IMPI in the AP's log (default level). */
static void
assert_no_secrets(const struct e2e_stack *s, const struct key *k)
{
	ck_assert_msg(!e2e_file_has(AP_LOG(s), k->hex), "Ks_NAF (hex) in %s",
	    AP_LOG(s));
	ck_assert_msg(!e2e_file_has(AP_LOG(s), k->b64), "Ks_NAF (base64) in %s",
	    AP_LOG(s));
	ck_assert_msg(!e2e_file_has(AP_LOG(s), e2e_env(s, "IMPI")),
	    "the IMPI in %s: %s", AP_LOG(s), e2e_last_line(AP_LOG(s),
	    e2e_env(s, "IMPI")));
}

/* ---- TLS to the AP ------------------------------------------------------ */

struct conn {
	struct tls_client	*t;
	int			 alert;
	char			 host[256];	/* Host of its requests */
	char			 err[256];
	size_t			 in_len;
	char			 in[IN_MAX];
};

static struct conn *
conn_new(const char *host)
{
	struct conn *k = calloc(1, sizeof(*k));

	/* a write to a session the AP closed must fail, not kill the test */
	signal(SIGPIPE, SIG_IGN);
	ck_assert_ptr_nonnull(k);
	snprintf(k->host, sizeof(k->host), "%s", host);
	return k;
}

static void
conn_free(struct conn *k)
{
	if (k == NULL)
		return;
	tls_client_free(k->t);
	free(k);
}

static uint16_t
url_port(const char *url)
{
	const char *p = strrchr(url, ':');

	ck_assert_msg(p != NULL && strstr(url, "://127.0.0.1:") != NULL,
	    "URL %s", url);
	return (uint16_t)atoi(p + 1);
}

/* A certificate TLS client configuration for the AP: SNI `sni` (NULL:
 * none), the certificate verified for `verify` against AP_CA_CERT. */
static void
cert_cfg(struct tls_client_cfg *cfg, const struct e2e_stack *s,
    const char *sni, const char *verify, const char *prio)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->addr = "127.0.0.1";
	cfg->port = url_port(e2e_env(s, "AP_URL"));
	cfg->sni = sni;
	cfg->verify_name = verify;
	cfg->ca_file = e2e_env(s, "AP_CA_CERT");
	cfg->priority = prio;
	cfg->alpn = alpn_h1;
	cfg->nalpn = 1;
	cfg->timeout_ms = E2E_WAIT_MS;
}

/* A TLS-PSK client configuration: identity "3GPP-bootstrapping.<B-TID>",
 * Ks_NAF for TLS 1.3 (UA_PSK13). */
static void
psk_cfg(struct tls_client_cfg *cfg, const struct e2e_stack *s,
    const char *sni, const struct key *key, char *identity, size_t idsize)
{
	snprintf(identity, idsize, PFX "%s", key->btid);
	memset(cfg, 0, sizeof(*cfg));
	cfg->addr = "127.0.0.1";
	cfg->port = url_port(e2e_env(s, "AP_URL"));
	cfg->sni = sni;
	cfg->identity = identity;
	cfg->key = key->k;
	cfg->keylen = sizeof(key->k);
	cfg->version = 13;
	cfg->alpn = alpn_h1;
	cfg->nalpn = 1;
	cfg->timeout_ms = E2E_WAIT_MS;
}

static int
cert_try(struct conn *k, const struct e2e_stack *s, const char *sni,
    const char *verify, const char *prio)
{
	struct tls_client_cfg cfg;

	cert_cfg(&cfg, s, sni, verify, prio);
	k->in_len = 0;
	k->t = tls_client_cert_connect(&cfg, &k->alert, k->err,
	    sizeof(k->err));
	return k->t != NULL ? 0 : -1;
}

/* A certificate session for the NAF `sni` that must come up. */
static struct conn *
cert_open(const struct e2e_stack *s, const char *sni, const char *prio)
{
	struct conn *k = conn_new(sni);

	ck_assert_msg(cert_try(k, s, sni, sni, prio) == 0,
	    "certificate TLS to %s: %s (alert %d); AP: %s", sni, k->err,
	    k->alert, e2e_last_line(AP_LOG(s), "AP-"));
	return k;
}

static int
psk_try(struct conn *k, const struct e2e_stack *s, const char *sni,
    const struct key *key)
{
	struct tls_client_cfg cfg;
	char identity[300];

	psk_cfg(&cfg, s, sni, key, identity, sizeof(identity));
	k->in_len = 0;
	k->t = tls_client_psk_connect(&cfg, &k->alert, k->err,
	    sizeof(k->err));
	return k->t != NULL ? 0 : -1;
}

/* ---- HTTP/1.1 by hand -------------------------------------------------- */

struct hresp {
	int	status;
	char	head[HEAD_MAX + 1];
	char	body[BODY_MAX + 1];
	size_t	body_len;
};

/* The `idx`-th field `name` (case-insensitive) of the message head `head`
 * (start line first, CRLF lines), trimmed, into `out`; NULL when there is
 * no such field. */
static const char *
head_nth(const char *head, const char *name, int idx, char *out,
    size_t size)
{
	const char *p = strstr(head, "\r\n"), *e, *v;
	size_t nl = strlen(name), vl;
	int n = 0;

	while (p != NULL && p[2] != '\0' && p[2] != '\r') {
		p += 2;
		if ((e = strstr(p, "\r\n")) == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) > nl && p[nl] == ':' &&
		    strncasecmp(p, name, nl) == 0 && n++ == idx) {
			for (v = p + nl + 1; *v == ' ' || *v == '\t'; v++)
				;
			vl = (size_t)(e - v);
			while (vl > 0 && (v[vl - 1] == ' ' ||
			    v[vl - 1] == '\t'))
				vl--;
			if (vl >= size)
				vl = size - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return out;
		}
		p = *e != '\0' ? e : NULL;
	}
	return NULL;
}

static int
head_count(const char *head, const char *name)
{
	char v[8];
	int n = 0;

	while (head_nth(head, name, n, v, sizeof(v)) != NULL)
		n++;
	return n;
}

/* The first field `name` of `r`; static storage. */
static const char *
hdr(const struct hresp *r, const char *name)
{
	static char v[DIGEST_MAX_LEN + 1];

	return head_nth(r->head, name, 0, v, sizeof(v));
}

/* More octets into k->in: 1, 0 at the end of the stream, -1. */
static int
fill(struct conn *k)
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
consume(struct conn *k, size_t n)
{
	memmove(k->in, k->in + n, k->in_len - n);
	k->in_len -= n;
}

/* Octets up to and with the first CRLF of k->in; -1 at the end. */
static ssize_t
line_len(struct conn *k)
{
	char *e;

	while ((e = memmem(k->in, k->in_len, "\r\n", 2)) == NULL)
		if (fill(k) <= 0)
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

/* Read one answer (1xx skipped) into `r`. 0, or -1 with k->err. */
static int
h1_recv(struct conn *k, struct hresp *r)
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
			snprintf(k->err, sizeof(k->err), "answer head too "
			    "large");
			return -1;
		}
		if ((rc = fill(k)) <= 0) {
			if (rc == 0)
				snprintf(k->err, sizeof(k->err), "connection "
				    "closed before an answer (%zu octets)",
				    k->in_len);
			return -1;
		}
	}
	hl = (size_t)(e - k->in) + 4;
	if (hl > HEAD_MAX) {
		snprintf(k->err, sizeof(k->err), "answer head too large");
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
	if (r->status == 204 || r->status == 304)
		return 0;
	if (head_nth(r->head, "Transfer-Encoding", 0, v, sizeof(v)) != NULL &&
	    strcasestr(v, "chunked") != NULL) {
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
		while ((ll = line_len(k)) > 2)
			consume(k, (size_t)ll);
		if (ll < 0)
			goto cut;
		consume(k, 2);
		return 0;
	}
	if (head_nth(r->head, "Content-Length", 0, v, sizeof(v)) != NULL) {
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

/* The octets of a request: `method` `target`, Host k->host unless `hdrs`
 * has one, the lines of `hdrs` (NULL-terminated, may be NULL), and
 * Content-Length with `body` when not NULL. Caller frees. */
static char *
h1_build(const char *host, const char *method, const char *target,
    const char *const *hdrs, const char *body, size_t body_len, size_t *len)
{
	size_t size = strlen(method) + strlen(target) + 512 + body_len, n;
	int i, has_host = 0;
	char *out;

	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++) {
		size += strlen(hdrs[i]) + 2;
		has_host |= strncasecmp(hdrs[i], "Host:", 5) == 0;
	}
	out = malloc(size);
	ck_assert_ptr_nonnull(out);
	n = (size_t)snprintf(out, size, "%s %s HTTP/1.1\r\n", method, target);
	if (!has_host)
		n += (size_t)snprintf(out + n, size - n, "Host: %s\r\n", host);
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

/* One request on `k`; the answer must come. */
static void
h1_request(struct conn *k, const struct e2e_stack *s, const char *method,
    const char *target, const char *const *hdrs, const char *body,
    struct hresp *r)
{
	size_t len;
	char *req = h1_build(k->host, method, target, hdrs, body,
	    body != NULL ? strlen(body) : 0, &len);

	ck_assert_msg(tls_client_write(k->t, req, len) == 0, "%s %s: write "
	    "failed", method, target);
	free(req);
	ck_assert_msg(h1_recv(k, r) == 0, "%s %s: %s; AP: %s", method, target,
	    k->err, e2e_last_line(AP_LOG(s), "AP-"));
}

/* ---- the Digest client ------------------------------------------------- */

/* One WWW-Authenticate challenge. */
struct chal {
	char	realm[300];
	char	nonce[128];
	char	qop[64];
	char	alg[32];
	int	stale;
};

/* The challenges of `r`, each of which must parse and validate as a
 * Digest challenge (RFC 7616 §3.3); how many there are. */
static int
challenges(const struct hresp *r, struct chal *c, int max)
{
	static struct digest_hdr h;
	char v[DIGEST_MAX_LEN + 1], err[200];
	const char *x;
	int i;

	for (i = 0; head_nth(r->head, "WWW-Authenticate", i, v, sizeof(v)) !=
	    NULL; i++) {
		ck_assert_msg(i < max, "more than %d challenges: %s", max,
		    r->head);
		ck_assert_msg(digest_parse(&h, DIGEST_CHALLENGE, v, err,
		    sizeof(err)) == 0 && digest_validate(&h, err,
		    sizeof(err)) == 0, "challenge '%s': %s", v, err);
		memset(&c[i], 0, sizeof(c[i]));
		snprintf(c[i].realm, sizeof(c[i].realm), "%s",
		    digest_get(&h, "realm"));
		snprintf(c[i].nonce, sizeof(c[i].nonce), "%s",
		    digest_get(&h, "nonce"));
		x = digest_get(&h, "qop");
		snprintf(c[i].qop, sizeof(c[i].qop), "%s", x != NULL ? x : "");
		x = digest_get(&h, "algorithm");
		snprintf(c[i].alg, sizeof(c[i].alg), "%s", x != NULL ? x : "");
		x = digest_get(&h, "stale");
		c[i].stale = x != NULL && strcasecmp(x, "true") == 0;
	}
	return i;
}

/* A Digest client's state: its credentials and the nonce to answer. */
struct dig {
	char		 user[256];
	char		 pass[128];
	char		 realm[300];
	char		 nonce[128];
	unsigned	 nc;
	/* of the last request, for its Authentication-Info */
	char		 qop[16];
	char		 uri[1024];
	char		 cnonce[40];
	char		 ncs[DIGEST_NC_LEN + 1];
};

static void
dig_init(struct dig *d, const char *user, const char *pass)
{
	memset(d, 0, sizeof(d[0]));
	snprintf(d->user, sizeof(d->user), "%s", user);
	snprintf(d->pass, sizeof(d->pass), "%s", pass);
}

static void
dig_take(struct dig *d, const struct chal *c)
{
	snprintf(d->realm, sizeof(d->realm), "%s", c->realm);
	snprintf(d->nonce, sizeof(d->nonce), "%s", c->nonce);
	d->nc = 0;
}

/* Ways to get a credential wrong on purpose. */
struct bad {
	const char	*uri;	/* the uri parameter (NULL: the target) */
	const char	*alg;	/* algorithm (NULL: MD5; "": none) */
	int		 no_qop; /* no qop, nc, cnonce (RFC 2069 style) */
	int		 corrupt; /* one digit of the response changed */
};

/*
 * "Authorization: Digest ..." for `method` `target` (with `body` for
 * auth-int) into `out`: username, realm and nonce of `d`, the next nc, a
 * cnonce, the response (RFC 7616 §3.4.1) for `qop`. The parameters are
 * written by hand, quoted-strings without escaping, so that `b->uri` can
 * hold raw '"' as some XCAP clients send them.
 */
static const char *
dig_authz(struct dig *d, const char *method, const char *target,
    const char *body, const char *qop, const struct bad *b, char *out,
    size_t size)
{
	struct digest_input in;
	char rsp[DIGEST_HEX_MAX];
	size_t n;

	d->nc++;
	snprintf(d->ncs, sizeof(d->ncs), "%08x", d->nc);
	snprintf(d->cnonce, sizeof(d->cnonce), "0a4f113b%08x%08lx", d->nc,
	    (unsigned long)httpc_now_ms());
	snprintf(d->qop, sizeof(d->qop), "%s", qop);
	snprintf(d->uri, sizeof(d->uri), "%s", target);
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(digest_alg_parse("MD5", &in.alg), 0);
	in.username = d->user;
	in.realm = d->realm;
	in.password = (const uint8_t *)d->pass;
	in.password_len = strlen(d->pass);
	in.method = method;
	in.uri = target;
	in.nonce = d->nonce;
	in.nc = d->ncs;
	in.cnonce = d->cnonce;
	in.qop = qop;
	if (strcmp(qop, "auth-int") == 0 && body != NULL && *body != '\0') {
		in.body = (const uint8_t *)body;
		in.body_len = strlen(body);
	}
	ck_assert_int_eq(digest_response(&in, rsp), 0);
	if (b != NULL && b->corrupt)
		rsp[5] = rsp[5] == '0' ? '1' : '0';
	n = (size_t)snprintf(out, size, "Authorization: Digest username=\"%s\", "
	    "realm=\"%s\", nonce=\"%s\", uri=\"%s\", response=\"%s\"",
	    d->user, d->realm, d->nonce, b != NULL && b->uri != NULL ? b->uri :
	    target, rsp);
	ck_assert_uint_lt(n, size);
	if (b == NULL || b->alg == NULL || *b->alg != '\0')
		n += (size_t)snprintf(out + n, size - n, ", algorithm=%s",
		    b != NULL && b->alg != NULL ? b->alg : "MD5");
	if (b == NULL || !b->no_qop)
		n += (size_t)snprintf(out + n, size - n, ", qop=%s, nc=%s, "
		    "cnonce=\"%s\"", qop, d->ncs, d->cnonce);
	ck_assert_uint_lt(n, size);
	return out;
}

/*
 * The Authentication-Info of the answer `r` to the last request of `d`
 * (RFC 7616 §3.5): qop, nc and cnonce echoed, rspauth right over the
 * answer's body (method "" in HA2), and a fresh nextnonce, which `d` takes
 * for its next request.
 */
static void
dig_check_info(struct dig *d, const struct hresp *r)
{
	static struct digest_hdr h;
	struct digest_input in;
	char v[DIGEST_MAX_LEN + 1], err[200], rsp[DIGEST_HEX_MAX];
	const char *x;

	ck_assert_msg(head_count(r->head, "Authentication-Info") == 1,
	    "want one Authentication-Info: %s", r->head);
	ck_assert_ptr_nonnull(head_nth(r->head, "Authentication-Info", 0, v,
	    sizeof(v)));
	ck_assert_msg(digest_parse(&h, DIGEST_AUTH_INFO, v, err,
	    sizeof(err)) == 0 && digest_validate(&h, err, sizeof(err)) == 0,
	    "Authentication-Info '%s': %s", v, err);
	x = digest_get(&h, "qop");
	ck_assert_msg(x != NULL && strcmp(x, d->qop) == 0, "qop in %s", v);
	x = digest_get(&h, "nc");
	ck_assert_msg(x != NULL && strcmp(x, d->ncs) == 0, "nc in %s", v);
	x = digest_get(&h, "cnonce");
	ck_assert_msg(x != NULL && strcmp(x, d->cnonce) == 0, "cnonce in %s",
	    v);
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(digest_alg_parse("MD5", &in.alg), 0);
	in.username = d->user;
	in.realm = d->realm;
	in.password = (const uint8_t *)d->pass;
	in.password_len = strlen(d->pass);
	in.method = "";
	in.uri = d->uri;
	in.nonce = d->nonce;
	in.nc = d->ncs;
	in.cnonce = d->cnonce;
	in.qop = d->qop;
	if (strcmp(d->qop, "auth-int") == 0 && r->body_len > 0) {
		in.body = (const uint8_t *)r->body;
		in.body_len = r->body_len;
	}
	ck_assert_int_eq(digest_response(&in, rsp), 0);
	x = digest_get(&h, "rspauth");
	ck_assert_msg(x != NULL && strcmp(x, rsp) == 0, "rspauth in '%s', "
	    "want %s (qop %s, %zu body octets)", v, rsp, d->qop, r->body_len);
	x = digest_get(&h, "nextnonce");
	ck_assert_msg(x != NULL && *x != '\0', "no nextnonce in %s", v);
	ck_assert_str_ne(x, d->nonce);
	snprintf(d->nonce, sizeof(d->nonce), "%s", x);
	d->nc = 0;
}

/*
 * `r` is a 401 whose one challenge is the bootstrapping realm of `naf`
 * (qop auth-int,auth, MD5), stale as `stale`, with a nonce other than the
 * one `d` answered; `d` takes it.
 */
static void
expect_gba_401(const struct hresp *r, const char *naf, int stale,
    struct dig *d)
{
	struct chal c[4];
	char realm[300];

	ck_assert_msg(r->status == 401, "want 401, got %d: %s", r->status,
	    r->body);
	ck_assert_msg(challenges(r, c, 4) == 1, "want one challenge: %s",
	    r->head);
	snprintf(realm, sizeof(realm), REALM_PFX "%s", naf);
	ck_assert_str_eq(c[0].realm, realm);
	ck_assert_str_eq(c[0].qop, "auth-int,auth");
	ck_assert_str_eq(c[0].alg, "MD5");
	ck_assert_msg(c[0].stale == stale, "stale=%d, want %d: %s",
	    c[0].stale, stale, r->head);
	ck_assert_uint_eq(strlen(c[0].nonce), 24);
	ck_assert_str_ne(c[0].nonce, d->nonce);
	ck_assert_ptr_null(hdr(r, "Authentication-Info"));
	dig_take(d, &c[0]);
}

#define HDRS(...)	((const char *const[]){ __VA_ARGS__, NULL })

/* A request answered with Digest credentials of `d` for `qop`. */
static void
dig_request(struct conn *k, const struct e2e_stack *s, struct dig *d,
    const char *method, const char *target, const char *extra,
    const char *body, const char *qop, struct hresp *r)
{
	char authz[AUTHZ_MAX];

	dig_authz(d, method, target, body, qop, NULL, authz, sizeof(authz));
	h1_request(k, s, method, target, body != NULL ?
	    HDRS(authz, "Content-Type: " RL_MIME, extra) : HDRS(authz, extra),
	    body, r);
}

/* ---- documents ----------------------------------------------------------- */

/* XCAP_ROOT/resource-lists/users/<user>/<doc>; static storage, four. */
static const char *
doc_path(const struct e2e_stack *s, const char *user, const char *doc)
{
	static char ring[4][512];
	static int next;
	char *o = ring[next++ % 4];

	snprintf(o, 512, "%s/resource-lists/users/%s/%s",
	    e2e_env(s, "XCAP_ROOT"), user, doc);
	return o;
}

/* A resource-lists document with a list `name` holding `entry`; static
 * storage, two. */
static const char *
doc_body(const char *name, const char *entry)
{
	static char ring[2][1024];
	static int next;
	char *b = ring[next++ % 2];

	snprintf(b, 1024, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<resource-lists xmlns=\"" NS_RL "\">\n"
	    "  <list name=\"%s\">\n"
	    "    <entry uri=\"%s\"/>\n"
	    "  </list>\n</resource-lists>\n", name, entry);
	return b;
}

/* PUT `body` as `doc` of `user` straight to presence, asserting the
 * user's identity from 127.0.0.1 as the AP does. */
static void
presence_put(const struct e2e_stack *s, const char *user, const char *doc,
    const char *body)
{
	static struct httpc_conn c;
	static struct httpc_resp r;
	char id[256];

	snprintf(id, sizeof(id), "X-3GPP-Asserted-Identity: \"%s\"", user);
	ck_assert_msg(httpc_open(&c, e2e_env(s, "PRESENCE_URL")) == 0, "%s",
	    c.err);
	ck_assert_msg(httpc_request(&c, "PUT", doc_path(s, user, doc),
	    (const char *[]){ "Host: 127.0.0.1", id, "Content-Type: " RL_MIME,
	    NULL }, body, strlen(body), &r, 0) == 0, "%s", c.err);
	ck_assert_msg(r.status == 201 || r.status == 200, "direct PUT: %d %s",
	    r.status, r.body);
	httpc_close(&c);
}

/* ---- the plain-HTTP port ------------------------------------------------- */

static int
tcp_connect(uint16_t port)
{
	struct sockaddr_in sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
	    "connect to port %u: %s", port, strerror(errno));
	return fd;
}

static void
raw_send(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, data, len, MSG_NOSIGNAL);
		ck_assert_msg(n > 0, "send: %s", strerror(errno));
		data += n;
		len -= (size_t)n;
	}
}

/* One octet, waiting at most E2E_WAIT_MS: 1, 0 at the end, -1. */
static int
raw_getc(int fd, char *c)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, E2E_WAIT_MS) != 1)
		return -1;
	switch (recv(fd, c, 1, 0)) {
	case 1:
		return 1;
	case 0:
		return 0;
	default:
		return -1;
	}
}

/*
 * The head of one answer on the plain socket, read octet by octet up to
 * its empty line and not one octet further (after a 101 the socket is
 * TLS's), into r->head; r->status set. Then, unless `upgrading`, the body
 * up to the end of the stream (the plain port closes after its answer).
 */
static void
raw_answer(int fd, struct hresp *r, int upgrading)
{
	size_t n = 0;
	char c;
	int rc;

	memset(r, 0, sizeof(*r));
	while (n < 4 || memcmp(r->head + n - 4, "\r\n\r\n", 4) != 0) {
		ck_assert_msg(n < HEAD_MAX, "answer head too large");
		rc = raw_getc(fd, &c);
		ck_assert_msg(rc == 1, "plain port: %s after %zu octets: %.*s",
		    rc == 0 ? "closed" : "no answer", n, (int)n, r->head);
		r->head[n++] = c;
	}
	r->head[n - 2] = '\0';
	ck_assert_msg(sscanf(r->head, "HTTP/1.1 %3d", &r->status) == 1,
	    "status line: %s", r->head);
	if (upgrading)
		return;
	while ((rc = raw_getc(fd, &c)) == 1) {
		ck_assert_uint_lt(r->body_len, BODY_MAX);
		r->body[r->body_len++] = c;
	}
	ck_assert_msg(rc == 0, "plain port: the connection stayed open after "
	    "its answer");
}

/* A request on a new plain connection; the answer read to the end of the
 * stream. */
static void
plain_request(const struct e2e_stack *s, const char *req, size_t len,
    struct hresp *r)
{
	int fd = tcp_connect(url_port(e2e_env(s, "AP_HTTP_URL")));

	raw_send(fd, req, len);
	raw_answer(fd, r, 0);
	close(fd);
}

/* An RFC 2817 upgrade request for `target` (Host `host`), or the request
 * `raw` when not NULL; the 101 must come; returns the socket, ready for
 * TLS. */
static int
plain_upgrade(const struct e2e_stack *s, const char *method,
    const char *target, const char *host, const char *raw, long *apos)
{
	struct hresp *r = calloc(1, sizeof(*r));
	char req[2048], line[E2E_LINE_MAX], v[256];
	int fd, n;

	ck_assert_ptr_nonnull(r);
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: %s\r\n"
	    "Upgrade: TLS/1.0\r\nConnection: Upgrade\r\n\r\n", method, target,
	    host);
	fd = tcp_connect(url_port(e2e_env(s, "AP_HTTP_URL")));
	if (raw != NULL)
		raw_send(fd, raw, strlen(raw));
	else
		raw_send(fd, req, (size_t)n);
	raw_answer(fd, r, 1);
	ck_assert_msg(r->status == 101, "upgrade: want 101, got %s", r->head);
	ck_assert_ptr_nonnull(head_nth(r->head, "Upgrade", 0, v, sizeof(v)));
	ck_assert_msg(strncasecmp(v, "TLS/1.0", 7) == 0, "Upgrade: %s", v);
	ck_assert_ptr_nonnull(head_nth(r->head, "Connection", 0, v,
	    sizeof(v)));
	ck_assert_msg(strcasestr(v, "upgrade") != NULL, "Connection: %s", v);
	ASSERT_EV(AP_LOG(s), apos, line, "AP-HTTP-UPGRADE", e2e_kv("method",
	    method), e2e_kv("target", target));
	free(r);
	return fd;
}

/* ---- stacks -------------------------------------------------------------- */

/*
 * The stack most cases share (an unchecked fixture, in the runner): a
 * subscriber with two IMPUs (the second a pseudonym), the AP with its
 * certificate, plain-HTTP listener, and a second NAF name served by the
 * same presence.
 */
static struct e2e_stack shared;

static void
shared_up(void)
{
	e2e_stack_up(&shared, (const char *[]){ "--impu", ALICE, "--impu",
	    PSEUDO, "--extra-naf", RLS, NULL });
}

static void
shared_down(void)
{
	e2e_stack_down(&shared);
}

/* ---- Digest on certificate TLS --------------------------------------------- */

static const struct cmode {
	const char	*name;
	const char	*priority;
	const char	*ua;		/* the NAF_Id's Ua id */
	const char	*suite;		/* AP-TLS-OK suite= */
	uint16_t	 code;
	const char	*version;
} cmodes[] = {
	{ "TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256", PRIO_C02B, UA_C02B, "c02b",
	    0xc02b, "1.2" },
	{ "TLS 1.3 TLS_AES_128_GCM_SHA256", PRIO_1301, UA_1301, "1301", 0x1301,
	    "1.3" },
};

/*
 * The round trip of TS 33.222 cl. 5.3 on each suite: 401, PUT with
 * auth-int (201), GET with auth and with auth-int (200, the same bytes),
 * each answered with a verifiable rspauth and a nextnonce that the next
 * request uses without a 401; one BIR for the three.
 */
START_TEST(digest_round_trip)
{
	const struct cmode *m = &cmodes[_i];
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k;
	struct ue u;
	struct key key;
	struct dig d;
	char line[E2E_LINE_MAX], name[32], usim[32];
	const char *path, *body;
	long apos = e2e_log_size(AP_LOG(s)), start = apos;
	long ppos = e2e_log_size(PR_LOG(s));

	ck_assert_ptr_nonnull(r);
	snprintf(usim, sizeof(usim), "usim-rt%d", _i);
	snprintf(name, sizeof(name), "digest-%s", m->suite);
	ue_boot(s, &u, usim);
	ue_key(&u, NAF, m->ua, &key);
	k = cert_open(s, NAF, m->priority);
	ck_assert_uint_eq(tls_client_suite(k->t), m->code);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-OK", "btid=-",
	    e2e_kv("version", m->version), e2e_kv("suite", m->suite), "cached=-",
	    "auth=certificate", "naf=" NAF);

	path = doc_path(s, ALICE, name);
	body = doc_body(name, BOB);
	dig_init(&d, key.btid, key.b64);
	h1_request(k, s, "GET", path, NULL, NULL, r);
	expect_gba_401(r, NAF, 0, &d);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", "method=GET",
	    "identity=-", "status=401");

	/* PUT, auth-int: the body is in the response */
	dig_request(k, s, &d, "PUT", path, NULL, body, "auth-int", r);
	ck_assert_msg(r->status == 201, "%s: PUT: %d %s", m->name, r->status,
	    r->body);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-ZN-KEY-FETCHED",
	    e2e_kv("btid", key.btid), "naf_fqdn=" NAF, e2e_kv("ua_id", m->ua),
	    "uss=yes");
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", "method=PUT",
	    e2e_kv("target", path), e2e_kv("identity", ALICE), "status=201");
	ASSERT_EV(PR_LOG(s), &ppos, line, "XCAP-PUT", e2e_kv("user", ALICE), name);

	/* GET with the nextnonce, qop auth */
	dig_request(k, s, &d, "GET", path, NULL, NULL, "auth", r);
	ck_assert_msg(r->status == 200, "%s: GET: %d %s", m->name, r->status,
	    r->body);
	ck_assert_str_eq(r->body, body);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", "method=GET",
	    e2e_kv("identity", ALICE), "status=200");

	/* and again with auth-int: rspauth over the document */
	dig_request(k, s, &d, "GET", path, NULL, NULL, "auth-int", r);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(r->body, body);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", "method=GET",
	    e2e_kv("identity", ALICE), "status=200");

	/* one 401 and one BIR in all; no refusal */
	ck_assert_int_eq(e2e_count_ev(AP_LOG(s), start, NEED("AP-FORWARD",
	    "status=401")), 1);
	ck_assert_int_eq(e2e_count_ev(AP_LOG(s), start, NEED("AP-ZN-KEY-FETCHED",
	    e2e_kv("btid", key.btid))), 1);
	ck_assert_int_eq(e2e_count_ev(AP_LOG(s), start, NEED("AP-DIGEST-FAIL")),
	    0);
	assert_no_secrets(s, &key);
	conn_free(k);
	free(r);
}
END_TEST

/*
 * A wrong response and the key of another Ua id: 401 with a fresh
 * challenge (not stale). A nonce answered wrongly is used up: the right
 * answer to it then gets stale=true. The last challenge answered right:
 * 200.
 */
START_TEST(digest_wrong_response)
{
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k;
	struct ue u;
	struct key key, other;
	struct dig d, wrong;
	struct bad corrupt = { NULL, NULL, 0, 1 };
	char line[E2E_LINE_MAX], authz[AUTHZ_MAX], used[128];
	const char *path;
	long apos = e2e_log_size(AP_LOG(s));

	ck_assert_ptr_nonnull(r);
	ue_boot(s, &u, "usim-wrong");
	ue_key(&u, NAF, UA_C02B, &key);
	ue_key(&u, NAF, UA_PSK13, &other);
	k = cert_open(s, NAF, PRIO_C02B);
	path = doc_path(s, ALICE, "wrong-response");
	dig_init(&d, key.btid, key.b64);
	h1_request(k, s, "GET", path, NULL, NULL, r);
	expect_gba_401(r, NAF, 0, &d);

	/* one digit of the response changed */
	snprintf(used, sizeof(used), "%s", d.nonce);
	dig_authz(&d, "GET", path, NULL, "auth", &corrupt, authz,
	    sizeof(authz));
	h1_request(k, s, "GET", path, HDRS(authz), NULL, r);
	expect_gba_401(r, NAF, 0, &d);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-DIGEST-FAIL",
	    e2e_kv("username", key.btid), e2e_kv("realm", REALM_PFX NAF),
	    "status=401", "reason=\"wrong Digest response\"");
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", "identity=-",
	    "status=401");

	/* the right answer to the nonce used up by the wrong one */
	dig_init(&wrong, key.btid, key.b64);
	snprintf(wrong.realm, sizeof(wrong.realm), "%s", d.realm);
	snprintf(wrong.nonce, sizeof(wrong.nonce), "%s", used);
	dig_authz(&wrong, "GET", path, NULL, "auth", NULL, authz,
	    sizeof(authz));
	h1_request(k, s, "GET", path, HDRS(authz), NULL, r);
	ck_assert_int_eq(r->status, 401);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-DIGEST-FAIL",
	    e2e_kv("username", key.btid), "status=401",
	    e2e_kv("reason", "unknown, used or expired nonce"));
	{
		struct chal c[2];

		ck_assert_int_eq(challenges(r, c, 2), 1);
		ck_assert_int_eq(c[0].stale, 1);
		dig_take(&d, &c[0]);
	}

	/* Ks_NAF of the TLS 1.3 PSK Ua id: not this session's NAF_Id */
	dig_init(&wrong, key.btid, other.b64);
	snprintf(wrong.realm, sizeof(wrong.realm), "%s", d.realm);
	snprintf(wrong.nonce, sizeof(wrong.nonce), "%s", d.nonce);
	dig_authz(&wrong, "GET", path, NULL, "auth", NULL, authz,
	    sizeof(authz));
	h1_request(k, s, "GET", path, HDRS(authz), NULL, r);
	expect_gba_401(r, NAF, 0, &d);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-DIGEST-FAIL",
	    e2e_kv("username", key.btid), "status=401",
	    "reason=\"wrong Digest response\"");

	/* and right at last: 404 (no such document) from presence */
	dig_request(k, s, &d, "GET", path, NULL, NULL, "auth", r);
	ck_assert_msg(r->status == 404, "want 404 from presence, got %d %s",
	    r->status, r->body);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", e2e_kv("identity", ALICE),
	    "status=404");
	assert_no_secrets(s, &key);
	assert_no_secrets(s, &other);
	conn_free(k);
	free(r);
}
END_TEST

/*
 * Single-use nonces: a nonce answered once (200) and answered again (nc 2)
 * → 401 stale=true; a nonce never issued, and one of another length →
 * stale=true; the nextnonce of the 200 is still good after all that.
 */
START_TEST(digest_stale_nonce)
{
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k;
	struct ue u;
	struct key key;
	struct dig d, old;
	struct chal c[2];
	char line[E2E_LINE_MAX], authz[AUTHZ_MAX], next[128];
	const char *path, *body;
	static const char *const never[] = {
		"AAAAAAAAAAAAAAAAAAAAAAAA",	/* 24 characters, not issued */
		"c2hvcnQ=",			/* too short */
	};
	size_t i;
	long apos = e2e_log_size(AP_LOG(s));

	ck_assert_ptr_nonnull(r);
	ue_boot(s, &u, "usim-stale");
	ue_key(&u, NAF, UA_1301, &key);
	k = cert_open(s, NAF, PRIO_1301);
	path = doc_path(s, ALICE, "stale");
	body = doc_body("stale", BOB);
	presence_put(s, ALICE, "stale", body);
	dig_init(&d, key.btid, key.b64);
	h1_request(k, s, "GET", path, NULL, NULL, r);
	expect_gba_401(r, NAF, 0, &d);
	dig_request(k, s, &d, "GET", path, NULL, NULL, "auth", r);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(r->body, body);
	old = d;			/* the nonce just used, nc 1 */
	dig_check_info(&d, r);
	snprintf(next, sizeof(next), "%s", d.nonce);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", e2e_kv("identity", ALICE),
	    "status=200");

	/* the used nonce again, right response, nc 2 */
	dig_request(k, s, &old, "GET", path, NULL, NULL, "auth", r);
	ck_assert_int_eq(r->status, 401);
	ck_assert_int_eq(challenges(r, c, 2), 1);
	ck_assert_msg(c[0].stale, "replayed nonce: no stale=true: %s",
	    r->head);
	ck_assert_str_eq(c[0].realm, REALM_PFX NAF);
	ck_assert_str_ne(c[0].nonce, old.nonce);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-DIGEST-FAIL",
	    e2e_kv("username", key.btid), "status=401",
	    e2e_kv("reason", "unknown, used or expired nonce"));

	/* nonces the AP never issued */
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		snprintf(old.nonce, sizeof(old.nonce), "%s", never[i]);
		old.nc = 0;
		dig_authz(&old, "GET", path, NULL, "auth", NULL, authz,
		    sizeof(authz));
		h1_request(k, s, "GET", path, HDRS(authz), NULL, r);
		ck_assert_msg(r->status == 401, "nonce %s: %d", never[i],
		    r->status);
		ck_assert_int_eq(challenges(r, c, 2), 1);
		ck_assert_msg(c[0].stale, "nonce %s: no stale=true", never[i]);
		ASSERT_EV(AP_LOG(s), &apos, line, "AP-DIGEST-FAIL",
		    "status=401", e2e_kv("reason", "unknown, used or expired "
		    "nonce"));
	}

	/* the nextnonce of the 200 is still good */
	snprintf(d.nonce, sizeof(d.nonce), "%s", next);
	d.nc = 0;
	dig_request(k, s, &d, "GET", path, NULL, NULL, "auth-int", r);
	ck_assert_msg(r->status == 200, "nextnonce after the refusals: %d %s",
	    r->status, r->body);
	dig_check_info(&d, r);
	conn_free(k);
	free(r);
}
END_TEST

/*
 * Unknown B-TID (the BSF answers 5403): 401 with the bootstrapping realm,
 * so that the UE bootstraps again (TS 24.109 cl. 5.2.5). A PSK identity as
 * username, and a realm the AP did not offer: 401 too.
 */
START_TEST(digest_unknown_btid)
{
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k;
	struct dig d;
	char line[E2E_LINE_MAX], authz[AUTHZ_MAX];
	const char *path;
	long apos = e2e_log_size(AP_LOG(s));

	ck_assert_ptr_nonnull(r);
	k = cert_open(s, NAF, PRIO_C02B);
	path = doc_path(s, ALICE, "unknown-btid");
	dig_init(&d, NEVER_BTID, "bm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0IQ==");
	h1_request(k, s, "GET", path, NULL, NULL, r);
	expect_gba_401(r, NAF, 0, &d);
	dig_request(k, s, &d, "GET", path, NULL, NULL, "auth", r);
	expect_gba_401(r, NAF, 0, &d);
	ck_assert_msg(strstr(r->body, "bootstrap") != NULL, "body: %s",
	    r->body);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-ZN-KEY-FAILED",
	    e2e_kv("btid", NEVER_BTID), "naf_fqdn=" NAF, "result=5403");
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-DIGEST-FAIL",
	    e2e_kv("username", NEVER_BTID), e2e_kv("realm", REALM_PFX NAF),
	    "status=401");
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", "identity=-",
	    "status=401");

	/* the PSK identity form is not a username */
	snprintf(d.user, sizeof(d.user), PFX "%s", NEVER_BTID);
	dig_request(k, s, &d, "GET", path, NULL, NULL, "auth", r);
	expect_gba_401(r, NAF, 0, &d);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-DIGEST-FAIL", "status=401",
	    e2e_kv("reason", "username is not a B-TID"));

	/* a realm the AP did not offer */
	snprintf(d.user, sizeof(d.user), "%s", NEVER_BTID);
	snprintf(d.realm, sizeof(d.realm), REALM_PFX "%s", RLS);
	dig_authz(&d, "GET", path, NULL, "auth", NULL, authz, sizeof(authz));
	h1_request(k, s, "GET", path, HDRS(authz), NULL, r);
	expect_gba_401(r, NAF, 0, &d);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-DIGEST-FAIL",
	    e2e_kv("realm", REALM_PFX RLS), "status=401",
	    e2e_kv("reason", "realm not offered"));
	ck_assert_int_eq(e2e_count_ev(AP_LOG(s), apos, NEED("AP-FORWARD",
	    "status=200")), 0);
	conn_free(k);
	free(r);
}
END_TEST

/*
 * Malformed or unacceptable credentials: 400 (CONTRACT § ap), each with
 * an AP-DIGEST-FAIL status=400; nothing reaches presence.
 */
START_TEST(digest_bad_request)
{
	static const struct {
		const char	*what;
		struct bad	 b;
		const char	*raw;	/* the whole Authorization field */
	} cases[] = {
		{ "uri not the target", { "/xcap-root/elsewhere", NULL, 0, 0 },
		    NULL },
		{ "algorithm MD5-sess", { NULL, "MD5-sess", 0, 0 }, NULL },
		{ "algorithm SHA-256", { NULL, "SHA-256", 0, 0 }, NULL },
		{ "algorithm AKAv1-MD5", { NULL, "AKAv1-MD5", 0, 0 }, NULL },
		{ "no qop", { NULL, NULL, 1, 0 }, NULL },
		{ "Basic", { NULL, NULL, 0, 0 },
		    "Authorization: Basic Ym9iOnNlY3JldA==" },
		{ "no response", { NULL, NULL, 0, 0 },
		    "Authorization: Digest username=\"x@y\", realm=\""
		    REALM_PFX NAF "\", nonce=\"abc\", uri=\"/\"" },
		{ "broken syntax", { NULL, NULL, 0, 0 },
		    "Authorization: Digest username=\"unterminated" },
	};
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k;
	struct ue u;
	struct key key;
	struct dig d;
	char line[E2E_LINE_MAX], authz[AUTHZ_MAX];
	const char *path;
	size_t i;
	long apos = e2e_log_size(AP_LOG(s)), start = apos, ppos;

	ck_assert_ptr_nonnull(r);
	ue_boot(s, &u, "usim-bad");
	ue_key(&u, NAF, UA_C02B, &key);
	k = cert_open(s, NAF, PRIO_C02B);
	path = doc_path(s, ALICE, "bad-request");
	dig_init(&d, key.btid, key.b64);
	ppos = e2e_log_size(PR_LOG(s));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* a fresh challenge for each */
		h1_request(k, s, "GET", path, NULL, NULL, r);
		expect_gba_401(r, NAF, 0, &d);
		if (cases[i].raw != NULL)
			snprintf(authz, sizeof(authz), "%s", cases[i].raw);
		else
			dig_authz(&d, "GET", path, NULL, "auth", &cases[i].b,
			    authz, sizeof(authz));
		h1_request(k, s, "GET", path, HDRS(authz), NULL, r);
		ck_assert_msg(r->status == 400, "%s: want 400, got %d %s",
		    cases[i].what, r->status, r->body);
		ck_assert_msg(hdr(r, "WWW-Authenticate") == NULL, "%s: a "
		    "challenge with the 400", cases[i].what);
		ASSERT_EV(AP_LOG(s), &apos, line, "AP-DIGEST-FAIL",
		    "status=400");
		ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", "identity=-",
		    "status=400");
	}
	ck_assert_int_eq(e2e_count_ev(PR_LOG(s), ppos, NEED("bad-request")), 0);
	ck_assert_int_eq(e2e_count_ev(AP_LOG(s), start, NEED("AP-ZN-KEY")), 0);
	conn_free(k);
	free(r);
}
END_TEST

/*
 * Node selectors unencoded (24.109 cl. 5.2.3 clients): the request line
 * and the Digest uri both hold list[@name="friends"] with raw '"' → 200
 * with the element. The uri percent-encoded while the request line is
 * raw: not the target → 400. Both encoded: 200.
 */
START_TEST(digest_raw_selector)
{
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k;
	struct ue u;
	struct key key;
	struct dig d;
	struct bad enc;
	char line[E2E_LINE_MAX], authz[AUTHZ_MAX], raw[600], pct[600], v[128];
	const char *body = doc_body("friends", BOB);
	long apos = e2e_log_size(AP_LOG(s));

	ck_assert_ptr_nonnull(r);
	presence_put(s, ALICE, "selectors", body);
	snprintf(raw, sizeof(raw), "%s/~~/resource-lists/list[@name=\"friends\"]",
	    doc_path(s, ALICE, "selectors"));
	snprintf(pct, sizeof(pct), "%s/~~/resource-lists/"
	    "list%%5b@name=%%22friends%%22%%5d", doc_path(s, ALICE, "selectors"));
	ue_boot(s, &u, "usim-sel");
	ue_key(&u, NAF, UA_C02B, &key);
	k = cert_open(s, NAF, PRIO_C02B);
	dig_init(&d, key.btid, key.b64);
	h1_request(k, s, "GET", raw, NULL, NULL, r);
	expect_gba_401(r, NAF, 0, &d);

	dig_request(k, s, &d, "GET", raw, NULL, NULL, "auth", r);
	ck_assert_msg(r->status == 200, "raw selector: %d %s", r->status,
	    r->body);
	ck_assert_msg(strstr(r->body, "<list name=\"friends\">") == r->body &&
	    strstr(r->body, BOB) != NULL, "element: %s", r->body);
	ck_assert_ptr_nonnull(head_nth(r->head, "Content-Type", 0, v,
	    sizeof(v)));
	ck_assert_str_eq(v, "application/xcap-el+xml");
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", e2e_kv("target", raw),
	    e2e_kv("identity", ALICE), "status=200");

	/* the uri encoded, the target raw: not the target */
	memset(&enc, 0, sizeof(enc));
	enc.uri = pct;
	dig_authz(&d, "GET", raw, NULL, "auth", &enc, authz, sizeof(authz));
	h1_request(k, s, "GET", raw, HDRS(authz), NULL, r);
	ck_assert_msg(r->status == 400, "encoded uri for a raw target: %d",
	    r->status);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-DIGEST-FAIL", "status=400");

	/* both encoded (a fresh challenge: the 400 had none) */
	h1_request(k, s, "GET", pct, NULL, NULL, r);
	expect_gba_401(r, NAF, 0, &d);
	dig_request(k, s, &d, "GET", pct, NULL, NULL, "auth-int", r);
	ck_assert_msg(r->status == 200, "encoded selector: %d %s", r->status,
	    r->body);
	ck_assert(strstr(r->body, "<list name=\"friends\">") == r->body);
	dig_check_info(&d, r);
	conn_free(k);
	free(r);
}
END_TEST

/*
 * X-3GPP-Intended-Identity with Digest (24.109 cl. 7): a foreign identity
 * → 403 from the AP (AP-IDENTITY-DENIED, nothing forwarded); the
 * pseudonym → its own tree; none → the first IMPU.
 */
START_TEST(digest_intended_identity)
{
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k;
	struct ue u;
	struct key key;
	struct dig d;
	char line[E2E_LINE_MAX];
	const char *body = doc_body("pseudo", ALICE), *ppath, *apath;
	long apos = e2e_log_size(AP_LOG(s)), ppos;

	ck_assert_ptr_nonnull(r);
	presence_put(s, PSEUDO, "pseudo", body);
	ppath = doc_path(s, PSEUDO, "pseudo");
	apath = doc_path(s, ALICE, "intended-none");
	ue_boot(s, &u, "usim-intended");
	ue_key(&u, NAF, UA_1301, &key);
	k = cert_open(s, NAF, PRIO_1301);
	dig_init(&d, key.btid, key.b64);
	h1_request(k, s, "GET", ppath, NULL, NULL, r);
	expect_gba_401(r, NAF, 0, &d);

	ppos = e2e_log_size(PR_LOG(s));
	dig_request(k, s, &d, "GET", ppath, "X-3GPP-Intended-Identity: \""
	    MALLORY "\"", NULL, "auth", r);
	ck_assert_msg(r->status == 403, "foreign identity: %d", r->status);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-IDENTITY-DENIED",
	    e2e_kv("intended", MALLORY));
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", "status=403");
	ck_assert_int_eq(e2e_count_ev(PR_LOG(s), ppos, NEED("XCAP-")), 0);

	/* the pseudonym (the 403 carried no nextnonce: a new challenge) */
	h1_request(k, s, "GET", ppath, NULL, NULL, r);
	expect_gba_401(r, NAF, 0, &d);
	dig_request(k, s, &d, "GET", ppath, "X-3GPP-Intended-Identity: \""
	    PSEUDO "\"", NULL, "auth", r);
	ck_assert_msg(r->status == 200, "pseudonym: %d %s", r->status,
	    r->body);
	ck_assert_str_eq(r->body, body);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", e2e_kv("target", ppath),
	    e2e_kv("identity", PSEUDO), "status=200");

	/* none: the first IMPU, whose tree has no such document */
	dig_request(k, s, &d, "GET", apath, NULL, NULL, "auth", r);
	ck_assert_int_eq(r->status, 404);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", e2e_kv("target", apath),
	    e2e_kv("identity", ALICE), "status=404");
	conn_free(k);
	free(r);
}
END_TEST

/* ---- plain HTTP and RFC 2817 ------------------------------------------------ */

/*
 * The plain port serves nothing in clear: 426 with "Upgrade: TLS/1.0,
 * HTTP/1.1" (RFC 2817 §4.2) for a plain request, an h2c upgrade and a
 * TLS/2.0 one; 400 for an upgrade with a body or a pipelined request
 * behind it. Each answer closes the connection.
 */
START_TEST(plain_refusals)
{
	static const struct {
		const char	*what;
		const char	*req;
		int		 status;
		const char	*method;
	} cases[] = {
		{ "plain GET", "GET /xcap-root/x HTTP/1.1\r\nHost: " NAF
		    "\r\n\r\n", 426, "GET" },
		{ "plain PUT", "PUT /xcap-root/x HTTP/1.1\r\nHost: " NAF
		    "\r\nContent-Length: 0\r\n\r\n", 426, "PUT" },
		{ "h2c upgrade", "GET /xcap-root/x HTTP/1.1\r\nHost: " NAF
		    "\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c"
		    "\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n", 426, "GET" },
		{ "TLS/2.0 upgrade", "GET /xcap-root/x HTTP/1.1\r\nHost: " NAF
		    "\r\nUpgrade: TLS/2.0\r\nConnection: Upgrade\r\n\r\n", 426,
		    "GET" },
		{ "upgrade with a body", "PUT /xcap-root/x HTTP/1.1\r\nHost: "
		    NAF "\r\nUpgrade: TLS/1.0\r\nConnection: Upgrade\r\n"
		    "Content-Length: 5\r\n\r\nhello", 400, "PUT" },
		{ "upgrade and a pipelined request", "GET /xcap-root/x "
		    "HTTP/1.1\r\nHost: " NAF "\r\nUpgrade: TLS/1.0\r\n"
		    "Connection: Upgrade\r\n\r\nGET /xcap-root/y HTTP/1.1\r\n"
		    "Host: " NAF "\r\n\r\n", 400, "GET" },
	};
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	char line[E2E_LINE_MAX], v[256], st[16];
	size_t i;
	long apos = e2e_log_size(AP_LOG(s));

	ck_assert_ptr_nonnull(r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		plain_request(s, cases[i].req, strlen(cases[i].req), r);
		ck_assert_msg(r->status == cases[i].status, "%s: want %d, got "
		    "%s", cases[i].what, cases[i].status, r->head);
		snprintf(st, sizeof(st), "status=%d", cases[i].status);
		ASSERT_EV(AP_LOG(s), &apos, line, "AP-HTTP-PLAIN",
		    e2e_kv("method", cases[i].method), st);
		ck_assert_msg(r->body_len > 0, "%s: no text body",
		    cases[i].what);
		if (cases[i].status != 426)
			continue;
		ck_assert_msg(head_nth(r->head, "Upgrade", 0, v, sizeof(v)) !=
		    NULL && strcmp(v, "TLS/1.0, HTTP/1.1") == 0, "%s: Upgrade "
		    "field: %s", cases[i].what, r->head);
		ck_assert_msg(head_nth(r->head, "Connection", 0, v, sizeof(v))
		    != NULL && strcasestr(v, "upgrade") != NULL, "%s: "
		    "Connection: %s", cases[i].what, r->head);
	}
	ck_assert_int_eq(e2e_count_ev(AP_LOG(s), apos, NEED("AP-HTTP-UPGRADE")),
	    0);
	ck_assert_int_eq(e2e_count_ev(AP_LOG(s), apos, NEED("AP-TLS-")), 0);
	free(r);
}
END_TEST

/*
 * RFC 2817 with TLS-PSK: GET with "Upgrade: TLS/1.0" → 101, the PSK
 * handshake on the same socket, then the GET's answer over TLS (200, the
 * document); the session stays open for another request.
 */
START_TEST(upgrade_psk)
{
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k = conn_new(NAF);
	struct tls_client_cfg cfg;
	struct ue u;
	struct key key;
	char line[E2E_LINE_MAX], identity[300], big[2048];
	const char *path, *body = doc_body("upgrade", BOB);
	long apos = e2e_log_size(AP_LOG(s));
	size_t n, i;
	int fd;

	ck_assert_ptr_nonnull(r);
	presence_put(s, ALICE, "upgrade", body);
	path = doc_path(s, ALICE, "upgrade");
	ue_boot(s, &u, "usim-upgrade");
	ue_key(&u, NAF, UA_PSK13, &key);

	fd = plain_upgrade(s, "GET", path, NAF, NULL, &apos);
	psk_cfg(&cfg, s, NAF, &key, identity, sizeof(identity));
	k->t = tls_client_psk_start(fd, &cfg, &k->alert, k->err,
	    sizeof(k->err));
	ck_assert_msg(k->t != NULL, "PSK after 101: %s (alert %d); AP: %s",
	    k->err, k->alert, e2e_last_line(AP_LOG(s), "AP-"));
	ck_assert_int_eq(tls_client_version(k->t), 13);
	ck_assert_msg(h1_recv(k, r) == 0, "the upgraded GET's answer: %s",
	    k->err);
	ck_assert_msg(r->status == 200, "upgraded GET: %d %s", r->status,
	    r->body);
	ck_assert_str_eq(r->body, body);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-OK", e2e_kv("btid", key.btid),
	    "auth=psk", "naf=" NAF);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", "method=GET",
	    e2e_kv("target", path), e2e_kv("identity", ALICE), "status=200");

	/* keep-alive: the next request on the same session */
	h1_request(k, s, "GET", doc_path(s, ALICE, "upgrade-none"), NULL,
	    NULL, r);
	ck_assert_int_eq(r->status, 404);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", e2e_kv("identity", ALICE),
	    "status=404");
	conn_free(k);

	/* OPTIONS * (RFC 2817 §3.2): answered by the AP itself over TLS */
	k = conn_new(NAF);
	fd = plain_upgrade(s, "OPTIONS", "*", NAF, NULL, &apos);
	k->t = tls_client_psk_start(fd, &cfg, &k->alert, k->err,
	    sizeof(k->err));
	ck_assert_msg(k->t != NULL, "PSK after 101: %s", k->err);
	ck_assert_msg(h1_recv(k, r) == 0, "OPTIONS *: %s", k->err);
	ck_assert_int_eq(r->status, 200);
	ck_assert_msg(hdr(r, "Allow") != NULL && strstr(hdr(r, "Allow"),
	    "GET") != NULL, "OPTIONS *: %s", r->head);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-OK", e2e_kv("btid", key.btid),
	    "cached=yes");
	conn_free(k);

	/*
	 * Regression: the replayed head grows when rewritten with CRLF and
	 * a space after each colon; LF-only lines of short fields (100
	 * of them) once overran the AP's replay buffer. The answer: 200.
	 */
	n = (size_t)snprintf(big, sizeof(big), "GET %s HTTP/1.1\nHost: " NAF
	    "\nUpgrade: TLS/1.0\nConnection: Upgrade\n", path);
	for (i = 0; i < 100 && n + 8 < sizeof(big); i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X%x:\n",
		    (unsigned)i % 16);
	ck_assert_uint_lt(n + 2, sizeof(big));
	memcpy(big + n, "\n", 2);
	k = conn_new(NAF);
	fd = plain_upgrade(s, "GET", path, NAF, big, &apos);
	k->t = tls_client_psk_start(fd, &cfg, &k->alert, k->err,
	    sizeof(k->err));
	ck_assert_msg(k->t != NULL, "PSK after 101: %s", k->err);
	ck_assert_msg(h1_recv(k, r) == 0, "LF-only upgrade: %s; AP: %s",
	    k->err, e2e_last_line(AP_LOG(s), "AP-"));
	ck_assert_msg(r->status == 200, "LF-only upgrade: %d %s", r->status,
	    r->body);
	ck_assert_str_eq(r->body, body);
	conn_free(k);
	assert_no_secrets(s, &key);
	free(r);
}
END_TEST

/*
 * RFC 2817 with a certificate: the replayed GET has no credentials (401
 * with the bootstrapping challenge); the Digest answer on the same
 * session → 200.
 */
START_TEST(upgrade_cert_digest)
{
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k = conn_new(NAF);
	struct tls_client_cfg cfg;
	struct ue u;
	struct key key;
	struct dig d;
	char line[E2E_LINE_MAX];
	const char *path, *body = doc_body("upgrade-cert", BOB);
	long apos = e2e_log_size(AP_LOG(s));
	int fd;

	ck_assert_ptr_nonnull(r);
	presence_put(s, ALICE, "upgrade-cert", body);
	path = doc_path(s, ALICE, "upgrade-cert");
	ue_boot(s, &u, "usim-upgrade-cert");
	ue_key(&u, NAF, UA_C02B, &key);

	fd = plain_upgrade(s, "GET", path, NAF, NULL, &apos);
	cert_cfg(&cfg, s, NAF, NAF, PRIO_C02B);
	k->t = tls_client_cert_start(fd, &cfg, &k->alert, k->err,
	    sizeof(k->err));
	ck_assert_msg(k->t != NULL, "certificate TLS after 101: %s (alert "
	    "%d)", k->err, k->alert);
	ck_assert_uint_eq(tls_client_suite(k->t), 0xc02b);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-OK", "btid=-",
	    "auth=certificate", "suite=c02b");
	ck_assert_msg(h1_recv(k, r) == 0, "the upgraded GET's answer: %s",
	    k->err);
	dig_init(&d, key.btid, key.b64);
	expect_gba_401(r, NAF, 0, &d);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", e2e_kv("target", path),
	    "status=401");
	dig_request(k, s, &d, "GET", path, NULL, NULL, "auth", r);
	ck_assert_msg(r->status == 200, "Digest after the upgrade: %d %s",
	    r->status, r->body);
	ck_assert_str_eq(r->body, body);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", e2e_kv("target", path),
	    e2e_kv("identity", ALICE), "status=200");
	conn_free(k);
	free(r);
}
END_TEST

/* ---- several NAFs ------------------------------------------------------------ */

/*
 * PSK for the second NAF: SNI rls and Ks_NAF of NAF_Id rls || 01 00 00 00
 * 07 → 200 (AP-TLS-OK naf=rls, AP-ZN-KEY-FETCHED naf_fqdn=rls). The
 * key of one NAF under the other's SNI fails the handshake; an SNI no NAF
 * has gets unknown_psk_identity.
 */
START_TEST(nafs_psk)
{
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k = conn_new(RLS);
	struct ue u;
	struct key xkey, rkey;
	char line[E2E_LINE_MAX];
	const char *body = doc_body("rls", BOB), *path;
	long apos = e2e_log_size(AP_LOG(s));

	ck_assert_ptr_nonnull(r);
	presence_put(s, ALICE, "rls", body);
	path = doc_path(s, ALICE, "rls");
	ue_boot(s, &u, "usim-nafs");
	ue_key(&u, RLS, UA_PSK13, &rkey);
	ue_key(&u, NAF, UA_PSK13, &xkey);
	ck_assert_str_ne(rkey.hex, xkey.hex);

	ck_assert_msg(psk_try(k, s, RLS, &rkey) == 0, "PSK to %s: %s (alert "
	    "%d); AP: %s", RLS, k->err, k->alert, e2e_last_line(AP_LOG(s),
	    "AP-"));
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-ZN-KEY-FETCHED",
	    e2e_kv("btid", rkey.btid), "naf_fqdn=" RLS, "ua_id=" UA_PSK13);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-OK", e2e_kv("btid", rkey.btid),
	    "auth=psk", "naf=" RLS, "cached=no");
	h1_request(k, s, "GET", path, NULL, NULL, r);
	ck_assert_msg(r->status == 200, "GET via %s: %d %s", RLS, r->status,
	    r->body);
	ck_assert_str_eq(r->body, body);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", e2e_kv("identity", ALICE),
	    "status=200");
	conn_free(k);

	/* the xcap key under SNI rls, the rls key under SNI xcap */
	k = conn_new(RLS);
	ck_assert_int_eq(psk_try(k, s, RLS, &xkey), -1);
	ck_assert_msg(k->alert == ALERT_ILLEGAL_PARAMETER ||
	    k->alert == ALERT_DECRYPT_ERROR || k->alert ==
	    ALERT_BAD_RECORD_MAC, "xcap key for %s: %s (alert %d)", RLS,
	    k->err, k->alert);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-FAIL",
	    e2e_kv("btid", xkey.btid));
	conn_free(k);
	k = conn_new(NAF);
	ck_assert_int_eq(psk_try(k, s, NAF, &rkey), -1);
	ck_assert_msg(k->alert == ALERT_ILLEGAL_PARAMETER ||
	    k->alert == ALERT_DECRYPT_ERROR || k->alert ==
	    ALERT_BAD_RECORD_MAC, "rls key for %s: %s (alert %d)", NAF,
	    k->err, k->alert);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-FAIL",
	    e2e_kv("btid", rkey.btid));
	conn_free(k);

	/* an SNI no NAF of this AP has */
	k = conn_new(UNKNOWN_NAF);
	ck_assert_int_eq(psk_try(k, s, UNKNOWN_NAF, &xkey), -1);
	ck_assert_msg(k->alert == ALERT_UNKNOWN_PSK_IDENTITY, "SNI %s: %s "
	    "(alert %d)", UNKNOWN_NAF, k->err, k->alert);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-FAIL",
	    "SNI names a NAF this AP does not serve");
	conn_free(k);
	assert_no_secrets(s, &xkey);
	assert_no_secrets(s, &rkey);
	free(r);
}
END_TEST

/*
 * Certificate + Digest for the second NAF: SNI rls, realm
 * 3GPP-bootstrapping@rls, password Ks_NAF of rls || 01 00 01 c0 2b →
 * 200; the xcap key there → 401. An SNI no NAF has: the certificate
 * session is closed unanswered.
 */
START_TEST(nafs_cert_digest)
{
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k;
	struct ue u;
	struct key xkey, rkey;
	struct dig d, wrong;
	char line[E2E_LINE_MAX], authz[AUTHZ_MAX], *req;
	const char *body = doc_body("rls-cert", BOB), *path;
	size_t len;
	long apos = e2e_log_size(AP_LOG(s));

	ck_assert_ptr_nonnull(r);
	presence_put(s, ALICE, "rls-cert", body);
	path = doc_path(s, ALICE, "rls-cert");
	ue_boot(s, &u, "usim-nafs-cert");
	ue_key(&u, RLS, UA_C02B, &rkey);
	ue_key(&u, NAF, UA_C02B, &xkey);

	k = cert_open(s, RLS, PRIO_C02B);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-OK", "auth=certificate",
	    "naf=" RLS);
	dig_init(&d, rkey.btid, rkey.b64);
	h1_request(k, s, "GET", path, NULL, NULL, r);
	expect_gba_401(r, RLS, 0, &d);

	/* xcap's Ks_NAF is not rls's */
	dig_init(&wrong, xkey.btid, xkey.b64);
	snprintf(wrong.realm, sizeof(wrong.realm), "%s", d.realm);
	snprintf(wrong.nonce, sizeof(wrong.nonce), "%s", d.nonce);
	dig_authz(&wrong, "GET", path, NULL, "auth", NULL, authz,
	    sizeof(authz));
	h1_request(k, s, "GET", path, HDRS(authz), NULL, r);
	expect_gba_401(r, RLS, 0, &d);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-ZN-KEY-FETCHED",
	    e2e_kv("btid", rkey.btid), "naf_fqdn=" RLS, "ua_id=" UA_C02B);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-DIGEST-FAIL",
	    e2e_kv("realm", REALM_PFX RLS), "status=401",
	    "reason=\"wrong Digest response\"");

	dig_request(k, s, &d, "GET", path, NULL, NULL, "auth-int", r);
	ck_assert_msg(r->status == 200, "Digest via %s: %d %s", RLS,
	    r->status, r->body);
	ck_assert_str_eq(r->body, body);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", e2e_kv("identity", ALICE),
	    "status=200");
	conn_free(k);

	/* SNI unknown: the certificate (verified as xcap's) comes, the
	 * session is closed before any request is answered */
	k = conn_new(NAF);
	if (cert_try(k, s, UNKNOWN_NAF, NAF, PRIO_C02B) == 0) {
		req = h1_build(NAF, "GET", path, NULL, NULL, 0, &len);
		(void)tls_client_write(k->t, req, len);
		free(req);
		ck_assert_msg(h1_recv(k, r) == -1, "SNI %s: answered %d",
		    UNKNOWN_NAF, r->status);
	}
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-TLS-FAIL",
	    "SNI names a NAF this AP does not serve");
	ck_assert_int_eq(e2e_count_ev(AP_LOG(s), apos, NEED("AP-FORWARD")), 0);
	conn_free(k);
	assert_no_secrets(s, &rkey);
	free(r);
}
END_TEST

/*
 * A Host naming another of the AP's NAFs than the session's: 421 (RFC
 * 9110 §15.5.20), on a PSK session and on a certificate session; nothing
 * forwarded. Host with the session's own name and a port: served.
 */
START_TEST(nafs_misdirected)
{
	struct e2e_stack *s = &shared;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k = conn_new(NAF);
	struct ue u;
	struct key key;
	struct dig d;
	char line[E2E_LINE_MAX], host[300];
	const char *path;
	long apos = e2e_log_size(AP_LOG(s)), start = apos, ppos;

	ck_assert_ptr_nonnull(r);
	path = doc_path(s, ALICE, "misdirected");
	ue_boot(s, &u, "usim-421");
	ue_key(&u, NAF, UA_PSK13, &key);
	ck_assert_msg(psk_try(k, s, NAF, &key) == 0, "PSK: %s", k->err);
	ppos = e2e_log_size(PR_LOG(s));
	h1_request(k, s, "GET", path, HDRS("Host: " RLS), NULL, r);
	ck_assert_msg(r->status == 421, "Host %s on a %s session: %d",
	    RLS, NAF, r->status);
	h1_request(k, s, "GET", path, HDRS("Host: RLS.ims.example.org:443"),
	    NULL, r);
	ck_assert_msg(r->status == 421, "Host with a port and capitals: %d",
	    r->status);
	ck_assert_int_eq(e2e_count_ev(PR_LOG(s), ppos, NEED("misdirected")), 0);
	snprintf(host, sizeof(host), "Host: %s:%u", NAF,
	    url_port(e2e_env(s, "AP_URL")));
	h1_request(k, s, "GET", path, HDRS(host), NULL, r);
	ck_assert_int_eq(r->status, 404);
	ASSERT_EV(AP_LOG(s), &apos, line, "AP-FORWARD", e2e_kv("identity", ALICE),
	    "status=404");
	conn_free(k);

	/* a certificate session of rls asked for xcap */
	k = cert_open(s, RLS, PRIO_1301);
	h1_request(k, s, "GET", path, HDRS("Host: " NAF), NULL, r);
	ck_assert_msg(r->status == 421, "Host %s on a %s session: %d", NAF,
	    RLS, r->status);
	ck_assert_ptr_null(hdr(r, "WWW-Authenticate"));
	/* and its own name gets the challenge */
	h1_request(k, s, "GET", path, NULL, NULL, r);
	dig_init(&d, key.btid, key.b64);
	expect_gba_401(r, RLS, 0, &d);
	conn_free(k);
	/* CONTRACT § ap: one AP-FORWARD per answered request */
	ck_assert_msg(e2e_count_ev(AP_LOG(s), start, NEED("AP-FORWARD",
	    "status=421")) == 3, "AP-FORWARD status=421 lines: %d, want 3 "
	    "(one per answered request)", e2e_count_ev(AP_LOG(s), start,
	    NEED("AP-FORWARD", "status=421")));
	free(r);
}
END_TEST

/* ---- stacks of their own -------------------------------------------------- */

/* HA1 of an htdigest line: hex MD5(user ":" realm ":" password). */
static void
ha1_hex(const char *user, const char *realm, const char *pw, char out[33])
{
	char text[256];
	uint8_t md[16];

	snprintf(text, sizeof(text), "%s:%s:%s", user, realm, pw);
	crypto_md5(text, strlen(text), md);
	hex_encode(md, sizeof(md), out);
}

/* curl as a child process; the status code (-w) into r->out, the body
 * into `body_file`. */
static void
run_curl(struct e2e_run *r, const struct e2e_stack *s, const char *user,
    const char *pw, const char *path, const char *body_file)
{
	char url[600], resolve[300], cred[600];
	uint16_t port = url_port(e2e_env(s, "AP_URL"));

	ck_assert_msg(access("/usr/bin/curl", X_OK) == 0, "curl is needed "
	    "(Debian package curl; scripts/install-deps)");
	snprintf(url, sizeof(url), "https://%s:%u%s", NAF, port, path);
	snprintf(resolve, sizeof(resolve), "%s:%u:127.0.0.1", NAF, port);
	snprintf(cred, sizeof(cred), "%s:%s", user, pw);
	e2e_run(r, (const char *[]){ "/usr/bin/curl", "-sS", "--max-time",
	    "20", "--digest", "-u", cred, "--cacert",
	    e2e_env(s, "AP_CA_CERT"), "--resolve", resolve, "-o", body_file,
	    "-w", "%{http_code}", url, NULL });
}

/*
 * Clients without a USIM (seed 8.2.1 note c): an htdigest file with bob in
 * ims.example.org and carol in other.example.net. The 401 carries one
 * challenge per realm of the file, then the bootstrapping realm. bob (the
 * identity sip:bob@ims.example.org) reads his document (200); a wrong
 * password, an unknown user, bob in carol's realm → 401; alice's document
 * → 403 from presence; bob asking to be alice → 403 from the AP. curl
 * --digest: 200 with the document, 401 with a wrong password. A GBA
 * client on the same AP is still served.
 */
START_TEST(nousim_htdigest)
{
	struct e2e_stack s;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k;
	struct chal c[4];
	struct dig d;
	struct ue u;
	struct key key;
	struct e2e_run run;
	char tmp[] = "/tmp/utstack-e2e-ap2-XXXXXX", file[300], opt[400];
	char h1[33], h2[33], line[E2E_LINE_MAX], out[300], got[2048];
	const char *bob_doc = doc_body("bob", ALICE);
	const char *alice_doc = doc_body("alice", BOB), *bpath, *apath;
	FILE *f;
	long apos, ppos;

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(file, sizeof(file), "%s/htdigest", tmp);
	ha1_hex("bob", "ims.example.org", BOB_PW, h1);
	ha1_hex("carol", "other.example.net", CAROL_PW, h2);
	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fprintf(f, "# users without a USIM\n\nbob:ims.example.org:%s\n"
	    "carol:other.example.net:%s\n", h1, h2);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(opt, sizeof(opt), "ua.htdigest_file=%s", file);
	e2e_stack_up(&s, (const char *[]){ "--ap-opt", opt, NULL });
	apos = e2e_log_size(AP_LOG(&s));
	presence_put(&s, BOB, "index", bob_doc);
	presence_put(&s, ALICE, "index", alice_doc);
	bpath = doc_path(&s, BOB, "index");
	apath = doc_path(&s, ALICE, "index");

	k = cert_open(&s, NAF, PRIO_1301);
	h1_request(k, &s, "GET", bpath, NULL, NULL, r);
	ck_assert_int_eq(r->status, 401);
	ck_assert_msg(challenges(r, c, 4) == 3, "want 3 challenges: %s",
	    r->head);
	ck_assert_str_eq(c[0].realm, "ims.example.org");
	ck_assert_str_eq(c[1].realm, "other.example.net");
	ck_assert_str_eq(c[2].realm, REALM_PFX NAF);
	ck_assert_str_ne(c[0].nonce, c[1].nonce);
	ck_assert_str_eq(c[0].qop, "auth-int,auth");
	ck_assert_str_eq(c[0].alg, "MD5");

	/* bob, right password */
	dig_init(&d, "bob", BOB_PW);
	dig_take(&d, &c[0]);
	dig_request(k, &s, &d, "GET", bpath, NULL, NULL, "auth", r);
	ck_assert_msg(r->status == 200, "bob: %d %s", r->status, r->body);
	ck_assert_str_eq(r->body, bob_doc);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-TLS-OK", "auth=certificate");
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-FORWARD", e2e_kv("target", bpath),
	    e2e_kv("identity", BOB), "status=200");

	/* alice's document as bob: presence refuses */
	ppos = e2e_log_size(PR_LOG(&s));
	dig_request(k, &s, &d, "GET", apath, NULL, NULL, "auth-int", r);
	ck_assert_msg(r->status == 403, "alice's document as bob: %d %s",
	    r->status, r->body);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-FORWARD", e2e_kv("target", apath),
	    e2e_kv("identity", BOB), "status=403");
	ASSERT_EV(PR_LOG(&s), &ppos, line, "XCAP-DENIED");

	/* bob asking to be alice: the AP refuses */
	ppos = e2e_log_size(PR_LOG(&s));
	dig_request(k, &s, &d, "GET", apath, "X-3GPP-Intended-Identity: \""
	    ALICE "\"", NULL, "auth", r);
	ck_assert_msg(r->status == 403, "bob as alice: %d", r->status);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-IDENTITY-DENIED",
	    e2e_kv("intended", ALICE));
	ck_assert_int_eq(e2e_count_ev(PR_LOG(&s), ppos, NEED("XCAP-")), 0);

	/* wrong password; unknown user; bob in carol's realm */
	h1_request(k, &s, "GET", bpath, NULL, NULL, r);
	ck_assert_int_eq(challenges(r, c, 4), 3);
	dig_init(&d, "bob", "not-" BOB_PW);
	dig_take(&d, &c[0]);
	dig_request(k, &s, &d, "GET", bpath, NULL, NULL, "auth", r);
	ck_assert_int_eq(r->status, 401);
	ck_assert_int_eq(challenges(r, c, 4), 3);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-DIGEST-FAIL", "username=bob",
	    "realm=ims.example.org", "status=401",
	    "reason=\"wrong Digest response\"");
	dig_init(&d, "dave", BOB_PW);
	dig_take(&d, &c[0]);
	dig_request(k, &s, &d, "GET", bpath, NULL, NULL, "auth", r);
	ck_assert_int_eq(r->status, 401);
	ck_assert_int_eq(challenges(r, c, 4), 3);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-DIGEST-FAIL", "username=dave",
	    "status=401", "reason=\"unknown user\"");
	dig_init(&d, "bob", BOB_PW);
	dig_take(&d, &c[1]);
	dig_request(k, &s, &d, "GET", bpath, NULL, NULL, "auth", r);
	ck_assert_int_eq(r->status, 401);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-DIGEST-FAIL", "username=bob",
	    "realm=other.example.net", "status=401");
	conn_free(k);

	/* curl --digest, as a stock XCAP client */
	snprintf(out, sizeof(out), "%s/curl-body", tmp);
	run_curl(&run, &s, "bob", BOB_PW, bpath, out);
	ck_assert_msg(run.status == 0 && strcmp(run.out, "200") == 0,
	    "curl --digest bob: exit %d, status '%s': %s", run.status, run.out,
	    run.err);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	got[fread(got, 1, sizeof(got) - 1, f)] = '\0';
	fclose(f);
	ck_assert_str_eq(got, bob_doc);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-FORWARD", e2e_kv("identity", BOB),
	    "status=200");
	run_curl(&run, &s, "bob", "wrong", bpath, out);
	ck_assert_msg(strcmp(run.out, "401") == 0, "curl with a wrong "
	    "password: '%s' %s", run.out, run.err);

	/* a GBA client on the same AP */
	ue_boot(&s, &u, "usim-gba");
	ue_key(&u, NAF, UA_1301, &key);
	k = cert_open(&s, NAF, PRIO_1301);
	h1_request(k, &s, "GET", apath, NULL, NULL, r);
	ck_assert_int_eq(challenges(r, c, 4), 3);
	dig_init(&d, key.btid, key.b64);
	dig_take(&d, &c[2]);
	dig_request(k, &s, &d, "GET", apath, NULL, NULL, "auth", r);
	ck_assert_msg(r->status == 200, "GBA next to htdigest: %d %s",
	    r->status, r->body);
	ck_assert_str_eq(r->body, alice_doc);
	dig_check_info(&d, r);
	conn_free(k);
	ck_assert_msg(!e2e_file_has(AP_LOG(&s), BOB_PW), "bob's password in the "
	    "AP's log");
	ck_assert_msg(!e2e_file_has(AP_LOG(&s), h1), "bob's HA1 in the AP's log");
	e2e_stack_down(&s);
	unlink(out);
	unlink(file);
	rmdir(tmp);
	free(r);
}
END_TEST

/*
 * An expired B-TID (TS 24.109 cl. 5.2.5): a 3 s session used once (200,
 * the key now in the AP's cache), then purged by the BSF (BSF-PURGE
 * removed=1, waited for): the next Digest answer gets 401 with the
 * bootstrapping realm (the cached key expired with the session, the BSF
 * answers 5403).
 */
START_TEST(digest_expired_btid)
{
	struct e2e_stack s;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k;
	struct ue u;
	struct key key;
	struct dig d;
	char line[E2E_LINE_MAX];
	const char *path, *body = doc_body("expiry", BOB);
	long apos, bpos;

	ck_assert_ptr_nonnull(r);
	e2e_stack_up(&s, (const char *[]){ "--lifetime", "3", "--bsf-opt",
	    "store.purge_interval=1", NULL });
	presence_put(&s, ALICE, "expiry", body);
	path = doc_path(&s, ALICE, "expiry");
	apos = e2e_log_size(AP_LOG(&s));
	bpos = e2e_log_size(BSF_LOG(&s));
	ue_boot(&s, &u, "usim");
	ue_key(&u, NAF, UA_C02B, &key);
	k = cert_open(&s, NAF, PRIO_C02B);
	dig_init(&d, key.btid, key.b64);
	h1_request(k, &s, "GET", path, NULL, NULL, r);
	expect_gba_401(r, NAF, 0, &d);
	dig_request(k, &s, &d, "GET", path, NULL, NULL, "auth", r);
	ck_assert_msg(r->status == 200, "within the lifetime: %d %s",
	    r->status, r->body);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-ZN-KEY-FETCHED",
	    e2e_kv("btid", key.btid));

	ASSERT_EV(BSF_LOG(&s), &bpos, line, "BSF-PURGE", "removed=1");
	dig_request(k, &s, &d, "GET", path, NULL, NULL, "auth", r);
	expect_gba_401(r, NAF, 0, &d);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-ZN-KEY-FAILED",
	    e2e_kv("btid", key.btid), "result=5403");
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-DIGEST-FAIL",
	    e2e_kv("username", key.btid), e2e_kv("realm", REALM_PFX NAF),
	    "status=401");
	conn_free(k);
	e2e_stack_down(&s);
	free(r);
}
END_TEST

/*
 * The BSF stopped (SIGSTOP), zn.timeout_ms=500: a right Digest answer
 * whose key must come from the BSF → 503 with Retry-After (no challenge);
 * the BSF running again (SIGCONT) → a new challenge answered → 200.
 */
START_TEST(digest_bsf_down)
{
	struct e2e_stack s;
	struct hresp *r = calloc(1, sizeof(*r));
	struct conn *k;
	struct ue u;
	struct key key;
	struct dig d;
	char line[E2E_LINE_MAX];
	const char *path;
	pid_t bsf;
	long apos;

	ck_assert_ptr_nonnull(r);
	e2e_stack_up(&s, (const char *[]){ "--ap-opt", "zn.timeout_ms=500",
	    NULL });
	path = doc_path(&s, ALICE, "bsf-down");
	apos = e2e_log_size(AP_LOG(&s));
	ue_boot(&s, &u, "usim");
	ue_key(&u, NAF, UA_1301, &key);
	k = cert_open(&s, NAF, PRIO_1301);
	dig_init(&d, key.btid, key.b64);
	h1_request(k, &s, "GET", path, NULL, NULL, r);
	expect_gba_401(r, NAF, 0, &d);

	bsf = (pid_t)atol(e2e_env(&s, "BSF_PID"));
	ck_assert_int_eq(kill(bsf, SIGSTOP), 0);
	dig_request(k, &s, &d, "GET", path, NULL, NULL, "auth", r);
	kill(bsf, SIGCONT);
	ck_assert_msg(r->status == 503, "BSF stopped: want 503, got %d %s",
	    r->status, r->body);
	ck_assert_ptr_nonnull(hdr(r, "Retry-After"));
	ck_assert_ptr_null(hdr(r, "WWW-Authenticate"));
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-ZN-KEY-FAILED",
	    e2e_kv("btid", key.btid));
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-DIGEST-FAIL",
	    e2e_kv("username", key.btid), "status=503");
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-FORWARD", "status=503");

	/* running again: a new challenge, answered */
	h1_request(k, &s, "GET", path, NULL, NULL, r);
	expect_gba_401(r, NAF, 0, &d);
	dig_request(k, &s, &d, "GET", path, NULL, NULL, "auth", r);
	ck_assert_msg(r->status == 404, "BSF back: want 404 from presence, "
	    "got %d %s", r->status, r->body);
	dig_check_info(&d, r);
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-ZN-KEY-FETCHED",
	    e2e_kv("btid", key.btid));
	conn_free(k);
	e2e_stack_down(&s);
	free(r);
}
END_TEST

/*
 * http.redirect: plain GET → 301, PUT → 308, Location = the base and the
 * target; an RFC 2817 upgrade is still answered 101.
 */
START_TEST(plain_redirect)
{
	struct e2e_stack s;
	struct hresp *r = calloc(1, sizeof(*r));
	char line[E2E_LINE_MAX], v[600];
	static const char get[] = "GET /xcap-root/a?b=c HTTP/1.1\r\nHost: "
	    NAF "\r\n\r\n";
	static const char put[] = "PUT /xcap-root/p HTTP/1.1\r\nHost: " NAF
	    "\r\nContent-Length: 0\r\n\r\n";
	long apos;
	int fd;

	ck_assert_ptr_nonnull(r);
	e2e_stack_up(&s, (const char *[]){ "--ap-opt", "http.redirect=https://"
	    NAF ":8443", NULL });
	apos = e2e_log_size(AP_LOG(&s));
	plain_request(&s, get, strlen(get), r);
	ck_assert_msg(r->status == 301, "GET: %s", r->head);
	ck_assert_ptr_nonnull(head_nth(r->head, "Location", 0, v, sizeof(v)));
	ck_assert_str_eq(v, "https://" NAF ":8443/xcap-root/a?b=c");
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-HTTP-PLAIN", "method=GET",
	    "status=301");
	plain_request(&s, put, strlen(put), r);
	ck_assert_msg(r->status == 308, "PUT: %s", r->head);
	ck_assert_ptr_nonnull(head_nth(r->head, "Location", 0, v, sizeof(v)));
	ck_assert_str_eq(v, "https://" NAF ":8443/xcap-root/p");
	ASSERT_EV(AP_LOG(&s), &apos, line, "AP-HTTP-PLAIN", "method=PUT",
	    "status=308");
	fd = plain_upgrade(&s, "GET", "/xcap-root/u", NAF, NULL, &apos);
	close(fd);
	e2e_stack_down(&s);
	free(r);
}
END_TEST

/*
 * "Upgrade refused when TLS is misconfigured" (issue 8 item 7): a plain
 * listener whose TLS cannot start (ua.cert_file names no file) must not
 * come up. `ap -n` (check the configuration) says so with exit 2; the
 * daemon exits non-zero with a message naming the file, and no plain
 * listener was opened. Likewise ua.htdigest_file without a certificate.
 */
START_TEST(plain_tls_misconfigured)
{
	char tmp[] = "/tmp/utstack-e2e-ap2-XXXXXX", conf[300], conf2[300];
	char ht[300];
	struct e2e_run r;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(conf, sizeof(conf), "%s/ap.conf", tmp);
	snprintf(conf2, sizeof(conf2), "%s/ap2.conf", tmp);
	snprintf(ht, sizeof(ht), "%s/htdigest", tmp);
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fprintf(f, "[ua]\nlisten = 127.0.0.1:0\ncert_file = %s/missing.pem\n"
	    "key_file = %s/missing-key.pem\n[http]\nenable = yes\n"
	    "listen = 127.0.0.1:0\n[zn]\nbsf = 127.0.0.1:9\n"
	    "timeout_ms = 200\n", tmp, tmp);
	ck_assert_int_eq(fclose(f), 0);

	/* the daemon (timeout(1) in case it wrongly came up) */
	e2e_run(&r, (const char *[]){ "/usr/bin/timeout", "20",
	    e2e_prog("ap"), "-f", "-c", conf, NULL });
	ck_assert_msg(r.status != 0 && r.status != 124, "ap with a missing "
	    "certificate: exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "missing.pem") != NULL, "no word of the "
	    "certificate file: %s", r.err);
	ck_assert_msg(strstr(r.err, "LISTENING name=http") == NULL, "a plain "
	    "listener came up: %s", r.err);

	/* htdigest without a certificate */
	ck_assert_ptr_nonnull(f = fopen(ht, "w"));
	fprintf(f, "bob:ims.example.org:0123456789abcdef0123456789abcdef\n");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(f = fopen(conf2, "w"));
	fprintf(f, "[ua]\nlisten = 127.0.0.1:0\nhtdigest_file = %s\n[http]\n"
	    "enable = yes\nlisten = 127.0.0.1:0\n[zn]\nbsf = 127.0.0.1:9\n",
	    ht);
	ck_assert_int_eq(fclose(f), 0);
	e2e_run(&r, (const char *[]){ "/usr/bin/timeout", "20",
	    e2e_prog("ap"), "-f", "-c", conf2, NULL });
	ck_assert_msg(r.status != 0 && r.status != 124, "htdigest without a "
	    "certificate: exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "ua.cert_file") != NULL, "%s", r.err);

	/* `ap -n` checks what the daemon would refuse */
	e2e_run(&r, (const char *[]){ e2e_prog("ap"), "-n", "-c", conf,
	    NULL });
	unlink(conf);
	unlink(conf2);
	unlink(ht);
	rmdir(tmp);
	ck_assert_msg(r.status == 2 && strstr(r.err, "missing.pem") != NULL,
	    "ap -n with a missing certificate: exit %d, stdout '%s', stderr "
	    "'%s' (want exit 2 naming the file)", r.status, r.out, r.err);
}
END_TEST

Suite *
suite_e2e_ap2(void)
{
	Suite *s = suite_create("e2e_ap2");
	TCase *tc = tcase_create("ap2"), *own = tcase_create("ap2-own-stack");

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, shared_up, shared_down);
	tcase_add_loop_test(tc, digest_round_trip, 0,
	    (int)(sizeof(cmodes) / sizeof(cmodes[0])));
	tcase_add_test(tc, digest_wrong_response);
	tcase_add_test(tc, digest_stale_nonce);
	tcase_add_test(tc, digest_unknown_btid);
	tcase_add_test(tc, digest_bad_request);
	tcase_add_test(tc, digest_raw_selector);
	tcase_add_test(tc, digest_intended_identity);
	tcase_add_test(tc, plain_refusals);
	tcase_add_test(tc, upgrade_psk);
	tcase_add_test(tc, upgrade_cert_digest);
	tcase_add_test(tc, nafs_psk);
	tcase_add_test(tc, nafs_cert_digest);
	tcase_add_test(tc, nafs_misdirected);
	suite_add_tcase(s, tc);

	tcase_set_timeout(own, 120);
	tcase_add_unchecked_fixture(own, e2e_sweep_setup, e2e_sweep_teardown);
	tcase_add_test(own, nousim_htdigest);
	tcase_add_test(own, digest_expired_btid);
	tcase_add_test(own, digest_bsf_down);
	tcase_add_test(own, plain_redirect);
	tcase_add_test(own, plain_tls_misconfigured);
	suite_add_tcase(s, own);
	return s;
}
