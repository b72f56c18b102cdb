/*
 * ap_ua.c — the AP's Ua side: TLS-PSK handshakes whose keys come from the
 * BSF (TS 33.222 cl. 5.4), the identity check (TS 24.109 cl. 7), and the
 * forwarding of each request to the application server.
 *
 * A connection's life:
 *  1. accepted and handed to common/tls, which reads the PSK identity from
 *     the handshake and asks us (on_lookup) for the key of (identity, SNI,
 *     Ua security protocol id);
 *  2. we ask ap_zn for Ks_NAF of (B-TID, NAF_Id = FQDN || Ua id): from the
 *     cache at once, or after a BIR — while the handshake record waits in
 *     the TLS layer and every other connection goes on;
 *  3. the handshake completes (on_ready): the plaintext goes to the HTTP
 *     layer with the connection's session (the key entry: B-TID, the USS's
 *     public identities) as its context;
 *  4. each request is checked (X-3GPP-Intended-Identity against the USS),
 *     stripped of what a client must not assert, given
 *     X-3GPP-Asserted-Identity, and sent upstream (common/upstream); the
 *     answer goes back as it came, minus hop-by-hop fields — streamed:
 *     its head as soon as it is in, its body as it arrives, with
 *     back-pressure both ways (a client that reads slowly pauses the
 *     reading from the AS), so the AP holds a window of each body, not
 *     the body. A failure after the head cuts the client's response
 *     (http_respond_abort). Only Digest auth-int answers are buffered:
 *     their rspauth covers the whole body and goes in a header field.
 *     Request bodies stream too (the HTTP layer's stream_bodies): the
 *     handler runs at the end of the head, the identity is checked, and
 *     only then does the body start (100 Continue) and go to the AS as it
 *     arrives — the client held back while the AS's connection has over
 *     UPSTREAM_BODY_LOWAT queued. Digest auth-int requests are read whole
 *     first: their response covers the body.
 *
 * A client that offers no PSK gets the server certificate instead (when
 * ua.cert_file is set) and then authenticates each request with HTTP
 * Digest (TS 33.222 cl. 5.3): realm "3GPP-bootstrapping@<NAF FQDN>",
 * username the B-TID, password base64(Ks_NAF) with NAF_Id = FQDN ||
 * 01 00 01 yy zz, yy zz the negotiated suite (TS 33.220 H.3; on TLS 1.3
 * the TLS 1.3 suite, 13 0x) — or, for clients without a USIM, against an
 * htdigest file. The AP serves up to 1 + AP_EXTRA_NAFS NAF names, chosen by
 * SNI, each with its own upstream and trust settings.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "ap.h"
#include "b64.h"
#include "buf.h"
#include "digest.h"
#include "daemon.h"
#include "hex.h"
#include "http.h"
#include "log.h"
#include "secret.h"
#include "upstream.h"


#define FWD_HEADERS_MAX	(UPSTREAM_HEADERS_MAX + 8)
#define ACCEPT_RETRY_MS	50
/* Answers announced this small are gathered and sent in one write, like
 * before streaming: most XCAP documents, and HTTP/2 costs less so. */
#define GATHER_MAX	(64 * 1024)

#define NAFS_MAX	(1 + AP_EXTRA_NAFS)
#define REALM_PREFIX	"3GPP-bootstrapping@"
#define AUTHINFO_MAX	1024

/* A NAF name this AP serves: its upstream and trust settings. */
struct naf {
	char			 fqdn[AP_FQDN_MAX];
	char			 realm[AP_FQDN_MAX + sizeof(REALM_PREFIX)];
	char			 host[AP_FQDN_MAX];
	const char		*secret;
	int			 psk;
	int			 digest;
	struct upstream		*up;	/* HTTP/1.1, or h2c with h2=yes */
	struct upstream		*up2;	/* h2c for HTTP/2 clients (follow) */
};

/* One connection between its first key lookup and the end of its
 * handshake. */
struct hs {
	struct hs		*next, *prev;
	struct ap_ua		*ua;
	struct tls_conn		*c;	/* referenced while `wait` is set */
	uint64_t		 id;
	struct ap_zn_wait	*wait;
	struct ap_key		*key;
	int			 cached;
	struct naf		*naf;
	uint8_t			 ua_id[TLS_UA_ID_LEN];
	char			 btid[AP_BTID_MAX];
};

/* A connection past its handshake: the HTTP layer's context for it. With
 * a PSK, `key` authenticated it; with a certificate, each request
 * authenticates itself (Digest) and `ua_id` is the NAF_Id's tail. */
struct sess {
	struct ap_key	*key;		/* PSK sessions */
	struct naf	*naf;
	uint8_t		 ua_id[TLS_UA_ID_LEN];
	uint64_t	 tls_id;
	char		 peer[HTTP_PEER_MAX];
	char		 addr[HTTP_PEER_MAX];	/* the peer without its port */
};

/* The Digest values of a request, kept for its rspauth. */
struct dig {
	int			 on;
	struct digest_alg	 alg;
	char			 username[AP_BTID_MAX];
	char			 realm[AP_FQDN_MAX + sizeof(REALM_PREFIX)];
	char			 uri[DIGEST_MAX_VALUE];
	char			 nonce[AP_NONCE_LEN + 1];
	char			 cnonce[128];
	char			 nc[DIGEST_NC_LEN + 1];
	char			 qop[16];
	char			 response[DIGEST_HEX_MAX];
	char			 password[B64_LEN(AP_KEY_LEN)]; /* secret */
	char			 ha1[33];			/* secret */
};

/* A request on its way to the AS. */
struct fwd {
	struct ap_ua		*ua;
	struct http_req		*req;
	struct sess		*sess;	/* valid while the request is alive */
	struct naf		*naf;
	struct upstream_req	*up;
	struct ap_zn_wait	*wait;	/* Digest: Ks_NAF on its way */
	uint64_t		 start_ms;
	int			 streaming; /* the AS's head passed on */
	int			 status;    /* ... with this status */
	int			 gather;    /* small answer: one write at the end */
	struct buf		 small;     /* its body (cap: its length) */
	struct buf		 fields;    /* its fields, "name\0value\0"... */
	struct buf		 whole;	/* auth-int: a streamed body read
					 * whole (ua.body_max) */
	int			 whole_done;
	char			 identity[AP_IMPU_MAX];
	struct dig		 d;
};

struct ap_ua {
	struct event_base	*base;
	const struct ap_conf	*c;
	struct ap_zn		*zn;
	struct tls_server	*tls;
	struct http_server	*http;
	struct naf		 nafs[NAFS_MAX];
	size_t			 nnafs;
	struct ap_nonces	*nonces;
	struct ap_htdigest	*htdigest;
	struct stash		*stash;	/* RFC 2817 requests awaiting TLS */
	struct evconnlistener	*lis;
	struct event		*resume;
	struct hs		*hs;	/* handshakes with a lookup */
	char			 priority[1024];
};

/* The request that asked for an RFC 2817 upgrade, answered over TLS once
 * the handshake is done (RFC 2817 §3.3). */
struct stash {
	struct stash	*next;
	uint64_t	 tls_id;
	size_t		 len;
	char		*head;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- handshakes ---------------------------------------------------------- */

static struct hs *
hs_find(struct ap_ua *ua, uint64_t id)
{
	struct hs *h;

	for (h = ua->hs; h != NULL; h = h->next)
		if (h->id == id)
			return h;
	return NULL;
}

static void
hs_free(struct hs *h)
{
	struct ap_ua *ua = h->ua;

	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		ua->hs = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	if (h->wait != NULL) {
		ap_zn_cancel(h->wait);
		h->wait = NULL;
		tls_conn_unref(h->c);
	}
	ap_key_unref(h->key);
	free(h);
}

static void
on_key(void *arg, enum ap_zn_status st, struct ap_key *k, uint32_t result,
    const char *why)
{
	struct hs *h = arg;
	struct tls_conn *c = h->c;
	int waited = h->wait != NULL;

	(void)result;
	h->wait = NULL;
	if (st == AP_ZN_OK) {
		ap_key_unref(h->key);
		ap_key_ref(k);
		h->key = k;
		tls_conn_psk_ready(c, k->ks_naf, sizeof(k->ks_naf));
	} else
		tls_conn_psk_fail(c, why);
	if (waited)
		tls_conn_unref(c);
}

/* The NAF named `name` (SNI host name, case-insensitive), the first one
 * when `name` is NULL; NULL when this AP does not serve it. */
static struct naf *
naf_by_name(struct ap_ua *ua, const char *name)
{
	size_t i;

	if (name == NULL)
		return &ua->nafs[0];
	for (i = 0; i < ua->nnafs; i++)
		if (strcasecmp(name, ua->nafs[i].fqdn) == 0)
			return &ua->nafs[i];
	return NULL;
}

static void
on_lookup(struct tls_conn *c, const char *identity, const char *sni,
    const uint8_t ua_id[TLS_UA_ID_LEN], void *arg)
{
	struct ap_ua *ua = arg;
	struct naf *naf;
	struct hs *h;
	uint8_t naf_id[AP_NAF_ID_MAX];
	size_t fl;
	struct ap_zn_wait *w;
	char btid[AP_BTID_MAX];
	int cached;

	if ((naf = naf_by_name(ua, sni)) == NULL) {
		tls_conn_psk_fail(c, "SNI names a NAF this AP does not serve");
		return;
	}
	if (!naf->psk) {
		tls_conn_psk_fail(c, "TLS-PSK is not allowed for this NAF");
		return;
	}
	if (ap_btid_from_identity(identity, btid, sizeof(btid)) != 0) {
		tls_conn_psk_fail(c, "PSK identity is not a B-TID");
		return;
	}
	if ((h = hs_find(ua, tls_conn_id(c))) == NULL) {
		if ((h = calloc(1, sizeof(*h))) == NULL) {
			tls_conn_psk_fail(c, "out of memory");
			return;
		}
		h->ua = ua;
		h->c = c;
		h->id = tls_conn_id(c);
		h->next = ua->hs;
		if (ua->hs != NULL)
			ua->hs->prev = h;
		ua->hs = h;
	} else if (h->wait != NULL) {
		ap_zn_cancel(h->wait);
		h->wait = NULL;
		tls_conn_unref(c);
	}
	h->naf = naf;
	memcpy(h->ua_id, ua_id, TLS_UA_ID_LEN);
	snprintf(h->btid, sizeof(h->btid), "%s", btid);
	/* NAF_Id = FQDN || Ua security protocol id (TS 33.220 Annex H) */
	fl = strlen(naf->fqdn);
	memcpy(naf_id, naf->fqdn, fl);
	memcpy(naf_id + fl, ua_id, TLS_UA_ID_LEN);
	tls_conn_ref(c);
	w = ap_zn_key(ua->zn, btid, naf_id, fl + TLS_UA_ID_LEN, &cached,
	    on_key, h);
	if (w == NULL) {		/* answered already */
		tls_conn_unref(c);
		h->cached = cached;
		return;
	}
	h->wait = w;
	h->cached = 0;
}

static void
sess_free(void *arg)
{
	struct sess *s = arg;

	ap_key_unref(s->key);
	free(s);
}

static struct stash *
stash_take(struct ap_ua *ua, uint64_t tls_id)
{
	struct stash **pp, *st;

	for (pp = &ua->stash; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->tls_id == tls_id) {
			st = *pp;
			*pp = st->next;
			return st;
		}
	return NULL;
}

static void
stash_free(struct stash *st)
{
	if (st == NULL)
		return;
	secret_wipe(st->head, st->len);
	free(st->head);
	free(st);
}

static void
on_ready(struct tls_conn *c, struct bufferevent *plain, const char *alpn,
    const char *identity, void *arg)
{
	struct ap_ua *ua = arg;
	struct hs *h = hs_find(ua, tls_conn_id(c));
	struct stash *st = stash_take(ua, tls_conn_id(c));
	struct sess *s;
	struct naf *naf;
	char suite[8];
	const char *colon;
	uint16_t cs = tls_conn_suite(c);

	(void)identity;
	if (tls_conn_is_psk(c) && (h == NULL || h->key == NULL)) {
		log_warnx("ua: %s: PSK handshake completed without a key",
		    tls_conn_peer(c));
		goto drop;
	}
	naf = h != NULL ? h->naf : naf_by_name(ua, tls_conn_sni(c));
	if (naf == NULL || (!tls_conn_is_psk(c) && !naf->digest)) {
		log_event("AP-TLS-FAIL", "peer", tls_conn_peer(c), "btid", "-",
		    "reason", naf == NULL ? "SNI names a NAF this AP does not "
		    "serve" : "certificate TLS + Digest is not allowed for "
		    "this NAF", (char *)NULL);
		goto drop;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto drop;
	s->naf = naf;
	s->tls_id = tls_conn_id(c);
	if (h != NULL) {
		s->key = h->key;
		h->key = NULL;
		memcpy(s->ua_id, h->ua_id, TLS_UA_ID_LEN);
	} else {
		/* 33.220 H.3: 01 00 01 yy zz with the suite negotiated */
		s->ua_id[0] = 0x01;
		s->ua_id[1] = 0x00;
		s->ua_id[2] = 0x01;
		s->ua_id[3] = (uint8_t)(cs >> 8);
		s->ua_id[4] = (uint8_t)cs;
	}
	snprintf(s->peer, sizeof(s->peer), "%s", tls_conn_peer(c));
	snprintf(s->addr, sizeof(s->addr), "%s", s->peer);
	/* "ip:port" or "[v6]:port" → the address alone */
	if ((colon = strrchr(s->addr, ':')) != NULL)
		s->addr[colon - s->addr] = '\0';
	if (s->addr[0] == '[') {
		memmove(s->addr, s->addr + 1, strlen(s->addr));
		s->addr[strcspn(s->addr, "]")] = '\0';
	}
	snprintf(suite, sizeof(suite), "%04x", cs);
	log_event("AP-TLS-OK", "peer", s->peer, "btid",
	    s->key != NULL ? s->key->btid : "-", "version",
	    tls_conn_version(c) == 13 ? "1.3" : "1.2", "suite", suite,
	    "alpn", alpn[0] != '\0' ? alpn : "-", "cached",
	    h == NULL ? "-" : h->cached ? "yes" : "no", "auth",
	    s->key != NULL ? "psk" : "certificate", "naf", naf->fqdn,
	    (char *)NULL);
	if (h != NULL)
		hs_free(h);
	/* RFC 2817: the request that asked for the upgrade comes first */
	if (st != NULL && evbuffer_prepend(bufferevent_get_input(plain),
	    st->head, st->len) != 0) {
		stash_free(st);
		bufferevent_free(plain);
		sess_free(s);
		return;
	}
	stash_free(st);
	if (http_server_adopt_ctx(ua->http, plain, s->peer, s, sess_free) !=
	    0) {
		bufferevent_free(plain);
		sess_free(s);
	}
	return;
drop:
	stash_free(st);
	bufferevent_free(plain);
	if (h != NULL)
		hs_free(h);
}

static void
on_fail(struct tls_conn *c, const char *reason, void *arg)
{
	struct ap_ua *ua = arg;
	struct hs *h = hs_find(ua, tls_conn_id(c));

	stash_free(stash_take(ua, tls_conn_id(c)));
	log_event("AP-TLS-FAIL", "peer", tls_conn_peer(c), "btid",
	    h != NULL ? h->btid : "-", "reason", reason, (char *)NULL);
	if (h != NULL)
		hs_free(h);
}

/* ---- requests ------------------------------------------------------------ */

/* Fields a client must not send on (24.109 cl. 7: the AP removes
 * Authorization; identities are the AP's to assert) and hop-by-hop
 * fields (RFC 9110 §7.6.1), which the upstream writes itself. */
static const char *const strip_req[] = {
	"authorization", "proxy-authorization", "x-3gpp-asserted-identity",
	"x-3gpp-intended-identity", "x-utstack-peer-secret",
	"x-forwarded-for", "host", "connection", "keep-alive",
	"proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
	"content-length", "http2-settings", "expect", NULL
};

static const char *const strip_resp[] = {
	"connection", "keep-alive", "proxy-connection", "te", "trailer",
	"transfer-encoding", "upgrade", "content-length", "date", NULL
};

static int
in_list(const char *name, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcasecmp(name, list[i]) == 0)
			return 1;
	return 0;
}

/* 1 when `name` is listed in a Connection field of the request (those
 * fields are hop-by-hop too, RFC 9110 §7.6.1). */
static int
in_connection(const struct http_req *r, const char *name)
{
	const char *v, *p;
	size_t i, n = strlen(name);

	for (i = 0; (v = http_req_header_nth(r, "connection", i)) != NULL;
	    i++) {
		for (p = v; *p != '\0'; ) {
			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			if (strncasecmp(p, name, n) == 0 && (p[n] == '\0' ||
			    p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
				return 1;
			while (*p != '\0' && *p != ',')
				p++;
		}
	}
	return 0;
}

static void
text_answer(struct http_req *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
text_answer(struct http_req *r, int status, const char *fmt, ...)
{
	char body[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(body, sizeof(body) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(body) - 2)
		n = (int)sizeof(body) - 2;
	body[n++] = '\n';
	http_resp_header(r, "Content-Type", "text/plain");
	http_respond(r, status, NULL, body, (size_t)n);
}

static void
fwd_free(struct fwd *f)
{
	if (f->wait != NULL)
		ap_zn_cancel(f->wait);
	/* no more of the client's body for `f` */
	if (http_req_body_streaming(f->req))
		(void)http_req_body_read(f->req, NULL, NULL);
	buf_clear(&f->whole);
	http_req_on_abort(f->req, NULL, NULL);
	http_req_unref(f->req);
	buf_clear(&f->small);
	buf_clear(&f->fields);
	secret_wipe(f, sizeof(*f));
	free(f);
}

static void
on_abort(struct http_req *r, void *arg)
{
	struct fwd *f = arg;

	(void)r;
	if (f->up != NULL)
		upstream_cancel(f->up);
	fwd_free(f);
}

static void
log_forward(const struct fwd *f, int status)
{
	char st[8], ms[24];

	snprintf(st, sizeof(st), "%d", status);
	snprintf(ms, sizeof(ms), "%llu",
	    (unsigned long long)(now_ms() - f->start_ms));
	log_event("AP-FORWARD", "peer", http_req_peer(f->req), "method",
	    http_req_method(f->req), "target", http_req_target(f->req),
	    "identity", f->identity[0] != '\0' ? f->identity : "-", "status",
	    st, "ms", ms, (char *)NULL);
}

/* AP-FORWARD for a request the AP answered itself, before any identity
 * was chosen (`r` may be gone after the answer: log first). */
static void
log_local(const struct http_req *r, int status)
{
	char st[8];

	snprintf(st, sizeof(st), "%d", status);
	log_event("AP-FORWARD", "peer", http_req_peer(r), "method",
	    http_req_method(r), "target", http_req_target(r), "identity", "-",
	    "status", st, "ms", "0", (char *)NULL);
}

/* Answer the request of `f` with a text body and free `f`. */
static void
fwd_answer(struct fwd *f, int status, const char *text)
{
	text_answer(f->req, status, "%s", text);
	log_forward(f, status);
	fwd_free(f);
}

/* ---- Digest (TS 33.222 cl. 5.3, TS 24.109 cl. 5.2) ---------------------- */

static void
digest_fail(struct fwd *f, const char *user, const char *realm, int status,
    const char *reason)
{
	char st[8];

	snprintf(st, sizeof(st), "%d", status);
	log_event("AP-DIGEST-FAIL", "peer", f->sess->peer, "username",
	    user != NULL && user[0] != '\0' ? user : "-", "realm",
	    realm != NULL && realm[0] != '\0' ? realm : "-", "status", st,
	    "reason", reason, (char *)NULL);
}

/*
 * 401 with a fresh challenge for the NAF's bootstrapping realm (which
 * makes a GBA client bootstrap when it has no valid B-TID, 24.109
 * cl. 5.2.5) and, when the password file is on, one per realm of the
 * file. `stale`: the nonce was unknown, used or expired (RFC 7616
 * §3.3). `why` goes into the body.
 */
static void
challenge(struct fwd *f, int stale, const char *why)
{
	struct ap_ua *ua = f->ua;
	struct digest_build b;
	char v[512], nonce[AP_NONCE_LEN + 1];
	const char *realm;
	size_t i;

	/*
	 * The password file's realms first: a plain Digest client (no USIM)
	 * answers the first challenge it can, while a GBA client looks for
	 * the "3GPP-bootstrapping@" realm (24.109 cl. 5.2.1), which comes
	 * last.
	 */
	for (i = 0; ; i++) {
		if ((realm = ap_htdigest_realm(ua->htdigest, i)) == NULL)
			realm = f->naf->realm;
		if (ap_nonce_new(ua->nonces, time(NULL), nonce) != 0) {
			http_resp_header(f->req, "Retry-After", "1");
			fwd_answer(f, 503, "too many outstanding Digest "
			    "challenges (ua.nonce_max); try again");
			return;
		}
		digest_build_init(&b, DIGEST_CHALLENGE, v, sizeof(v));
		digest_build_add(&b, "realm", realm, DIGEST_AUTO);
		digest_build_add(&b, "nonce", nonce, DIGEST_AUTO);
		digest_build_add(&b, "qop", "auth-int,auth", DIGEST_AUTO);
		digest_build_add(&b, "algorithm", "MD5", DIGEST_TOKEN);
		if (stale)
			digest_build_add(&b, "stale", "true", DIGEST_TOKEN);
		if (digest_build_finish(&b, NULL) == 0)
			http_resp_header(f->req, "WWW-Authenticate", v);
		if (realm == f->naf->realm)
			break;
	}
	fwd_answer(f, 401, why);
}

/*
 * Parse the Authorization value. Some XCAP clients put the request target
 * into the Digest uri unencoded, raw '"' of node selectors included, which
 * no quoted-string can hold: where the value carries uri="<target>"
 * verbatim, that parameter is parsed as a placeholder and the uri is the
 * target.
 */
static int
parse_authz(const char *authz, const char *target, struct digest_hdr *h,
    char *uri, size_t urisize, char *err, size_t errlen)
{
	char *copy, *p;
	size_t tl = strlen(target), al = strlen(authz);
	int rc;

	if (strpbrk(target, "\"\\") != NULL && al <= DIGEST_MAX_LEN &&
	    (copy = malloc(al + 1)) != NULL) {
		memcpy(copy, authz, al + 1);
		for (p = copy; (p = strstr(p, "uri=\"")) != NULL; p++) {
			if (strncmp(p + 5, target, tl) == 0 && p[5 + tl] == '"' &&
			    (p == copy || p[-1] == ' ' || p[-1] == ',' ||
			    p[-1] == '\t')) {
				memmove(p + 6, p + 5 + tl, strlen(p + 5 + tl) + 1);
				p[5] = '-';
				rc = digest_parse(h, DIGEST_CREDENTIALS, copy, err,
				    errlen);
				free(copy);
				if (rc != 0)
					return -1;
				snprintf(uri, urisize, "%s", target);
				return 0;
			}
		}
		free(copy);
	}
	if (digest_parse(h, DIGEST_CREDENTIALS, authz, err, errlen) != 0)
		return -1;
	snprintf(uri, urisize, "%s", digest_get(h, "uri") != NULL ?
	    digest_get(h, "uri") : "");
	return 0;
}

/* The Digest computation of `f`'s request (method "" and the response
 * body: its rspauth), with the password or the stored HA1. */
static void
dig_input(const struct fwd *f, struct digest_input *in, const char *method,
    const uint8_t *body, size_t len)
{
	memset(in, 0, sizeof(*in));
	in->alg = f->d.alg;
	in->username = f->d.username;
	in->realm = f->d.realm;
	if (f->d.ha1[0] != '\0')
		in->ha1 = f->d.ha1;
	else {
		in->password = (const uint8_t *)f->d.password;
		in->password_len = strlen(f->d.password);
	}
	in->method = method;
	in->uri = f->d.uri;
	in->nonce = f->d.nonce;
	in->nc = f->d.nc;
	in->cnonce = f->d.cnonce;
	in->qop = f->d.qop;
	if (strcmp(f->d.qop, "auth-int") == 0) {
		in->body = len > 0 ? body : NULL;
		in->body_len = len;
	}
}

/* The client's request body when it is at hand: buffered by the HTTP
 * layer, or read whole here (auth-int); else "". */
static const uint8_t *
client_body(const struct fwd *f, size_t *len)
{
	if (f->whole_done) {
		*len = f->whole.len;
		return f->whole.len > 0 ? f->whole.data : (const uint8_t *)"";
	}
	return http_req_body(f->req, len);
}

/* 1 when the Digest response of `f` is right. */
static int
digest_ok(struct fwd *f)
{
	struct digest_input in;
	const uint8_t *body;
	size_t len;
	int rc;

	body = client_body(f, &len);
	dig_input(f, &in, http_req_method(f->req), body, len);
	rc = digest_check(&in, f->d.response);
	secret_wipe(&in, sizeof(in));
	return rc == 1;
}

/* Authentication-Info for the answer (RFC 7616 §3.5): rspauth over the
 * response body for auth-int, and a nextnonce. */
static void
auth_info(struct fwd *f, const uint8_t *body, size_t len)
{
	struct digest_input in;
	struct digest_build b;
	char rsp[DIGEST_HEX_MAX], v[AUTHINFO_MAX];
	char nonce[AP_NONCE_LEN + 1];
	int rc;

	dig_input(f, &in, "", body, len);
	rc = digest_response(&in, rsp);
	secret_wipe(&in, sizeof(in));
	if (rc != 0)
		return;
	digest_build_init(&b, DIGEST_AUTH_INFO, v, sizeof(v));
	digest_build_add(&b, "qop", f->d.qop, DIGEST_AUTO);
	digest_build_add(&b, "rspauth", rsp, DIGEST_AUTO);
	digest_build_add(&b, "cnonce", f->d.cnonce, DIGEST_AUTO);
	digest_build_add(&b, "nc", f->d.nc, DIGEST_AUTO);
	if (ap_nonce_new(f->ua->nonces, time(NULL), nonce) == 0)
		digest_build_add(&b, "nextnonce", nonce, DIGEST_AUTO);
	if (digest_build_finish(&b, NULL) == 0)
		http_resp_header(f->req, "Authentication-Info", v);
}

/* ---- forwarding ---------------------------------------------------------- */

/* The AS's header fields to the client's answer, hop-by-hop ones out. */
static void
pass_fields(struct fwd *f, const struct upstream_resp *resp)
{
	size_t i;

	for (i = 0; i < resp->nheaders; i++) {
		if (in_list(resp->names[i], strip_resp))
			continue;
		if (http_resp_header(f->req, resp->names[i],
		    resp->values[i]) != 0)
			log_debug("ua: response field %s not passed on",
			    resp->names[i]);
	}
}

/* A Content-Length value as a length, or -1 when it is absent or not one
 * plain number ("5, 5" of RFC 9110 §8.6 and the like: the framing, checked
 * by the HTTP layer, common/upstream or nghttp2, decides). */
static int64_t
length_of(const char *v)
{
	char *end;
	unsigned long long n;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || n > INT64_MAX)
		return -1;
	return (int64_t)n;
}

/* The body length the AS announced, or -1. */
static int64_t
resp_length(const struct upstream_resp *resp)
{
	size_t i;

	if (resp->status == 204 || resp->status == 304)
		return -1;
	for (i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->names[i], "content-length") == 0)
			return length_of(resp->values[i]);
	return -1;
}

/* The length of the client's body when its head says it, else -1: it is
 * sent on chunked. */
static int64_t
req_length(const struct http_req *r)
{
	return length_of(http_req_header(r, "content-length"));
}

/* A piece of the client's body, or its end: to the AS. The client is
 * held back (pause) while the AS's connection has too much queued. */
static void
on_client_body(struct http_req *r, const uint8_t *data, size_t len,
    void *arg)
{
	struct fwd *f = arg;
	ssize_t queued;

	if (f->up == NULL)
		return;
	if (data == NULL) {
		if (upstream_body_end(f->up) != 0)
			log_debug("ua: %s: request body not ended: %s",
			    http_req_target(r), strerror(errno));
		return;
	}
	if ((queued = upstream_body_write(f->up, data, len)) < 0) {
		log_debug("ua: %s: request body not passed on: %s",
		    http_req_target(r), strerror(errno));
		upstream_cancel(f->up);
		f->up = NULL;
		fwd_answer(f, 502, "the request body cannot be passed on");
		return;
	}
	if ((size_t)queued > UPSTREAM_BODY_LOWAT)
		http_req_body_pause(r, 1);
}

/* The AS's connection took the body queued for it: the client goes on. */
static void
on_up_drain(void *arg)
{
	struct fwd *f = arg;

	http_req_body_pause(f->req, 0);
}

/* Digest auth-int: the client's body read whole, then the check. */
static void	digest_request(struct fwd *);

static void
on_whole_body(struct http_req *r, const uint8_t *data, size_t len,
    void *arg)
{
	struct fwd *f = arg;

	(void)r;
	if (data == NULL) {
		f->whole_done = 1;
		digest_request(f);
		return;
	}
	/* the HTTP layer holds the body to ua.body_max (413 beyond) */
	if (buf_append(&f->whole, data, len) != 0)
		fwd_answer(f, 503, "out of memory");
}

static void
on_drain(struct http_req *r, void *arg)
{
	struct fwd *f = arg;

	(void)r;
	upstream_pause(f->up, 0);
}

/* The AS's head: to the client at once (streaming). 0, or -1 when the
 * request is over (`f` freed, the upstream request dropped). */
static int
on_up_head(void *arg, const struct upstream_resp *resp)
{
	struct fwd *f = arg;
	struct http_req *r = f->req;

	int64_t len = resp_length(resp);
	size_t i;

	f->status = resp->status;
	if (len >= 0 && len <= GATHER_MAX) {
		/* the fields wait with the body: an error before the end
		 * is then answered without them */
		buf_init(&f->small, (size_t)len);
		buf_init(&f->fields, 2 * UPSTREAM_HEAD_MAX_DEFAULT);
		for (i = 0; i < resp->nheaders; i++)
			if (buf_append(&f->fields, resp->names[i],
			    strlen(resp->names[i]) + 1) != 0 ||
			    buf_append(&f->fields, resp->values[i],
			    strlen(resp->values[i]) + 1) != 0)
				break;
		f->gather = 1;
		return 0;
	}
	pass_fields(f, resp);
	/* 24.109 cl. 7: the AP adds Authentication-Info to answers; qop
	 * "auth" only here (auth-int answers are buffered: forward()) */
	if (f->d.on)
		auth_info(f, NULL, 0);
	if (http_respond_begin(r, resp->status, NULL, len) != 0) {
		if (errno == EINVAL) {
			text_answer(r, 502, "the application server's answer "
			    "cannot be passed on");
			log_forward(f, 502);
		}
		f->up = NULL;
		fwd_free(f);
		return -1;
	}
	f->streaming = 1;
	return 0;
}

/* A piece of the AS's body: to the client; the AS waits (pause) while
 * the client's output is over the low watermark. */
static int
on_up_body(void *arg, const uint8_t *data, size_t len)
{
	struct fwd *f = arg;
	ssize_t queued;

	if (f->gather) {
		/* common/upstream holds the AS to its Content-Length */
		if (buf_append(&f->small, data, len) == 0)
			return 0;
		log_event("AP-UPSTREAM-FAIL", "target", http_req_target(f->req),
		    "status", "502", "reason", "body longer than announced",
		    (char *)NULL);
		text_answer(f->req, 502, "the application server's answer "
		    "cannot be passed on");
		log_forward(f, 502);
		f->up = NULL;
		fwd_free(f);
		return -1;
	}
	if ((queued = http_respond_write(f->req, data, len)) < 0) {
		if (errno == EINVAL) {
			/* more than its Content-Length, a body on 204 */
			log_event("AP-UPSTREAM-FAIL", "target",
			    http_req_target(f->req), "status", "502", "reason",
			    "body does not match the head: response cut short",
			    (char *)NULL);
			http_respond_abort(f->req);
		}
		/* else the client is gone */
		log_forward(f, f->status);
		f->up = NULL;
		fwd_free(f);
		return -1;
	}
	if ((size_t)queued > HTTP_OUT_LOWAT) {
		upstream_pause(f->up, 1);
		http_respond_on_drain(f->req, on_drain, f);
	}
	return 0;
}

static void
on_upstream(void *arg, enum upstream_err e, const struct upstream_resp *resp,
    const char *why)
{
	struct fwd *f = arg;
	struct http_req *r = f->req;
	int status;
	char st[8], reason[256];

	f->up = NULL;
	if (e == UPSTREAM_OK && f->gather) {
		const char *name = (const char *)f->fields.data, *value;
		const char *end = name + f->fields.len;

		for (; name < end; name = value + strlen(value) + 1) {
			value = name + strlen(name) + 1;
			if (!in_list(name, strip_resp) &&
			    http_resp_header(r, name, value) != 0)
				log_debug("ua: response field %s not passed on",
				    name);
		}
		if (f->d.on)
			auth_info(f, NULL, 0);
		status = f->status;
		if (http_respond(r, status, NULL, f->small.data, f->small.len) !=
		    0 && errno == EINVAL) {
			status = 502;
			text_answer(r, status, "the application server's answer "
			    "cannot be passed on");
		}
		log_forward(f, status);
		fwd_free(f);
		return;
	}
	if (e != UPSTREAM_OK && f->streaming) {
		/* the head is out: the client must see a cut, not an end */
		status = e == UPSTREAM_E_TIMEOUT ? 504 : 502;
		snprintf(st, sizeof(st), "%d", status);
		snprintf(reason, sizeof(reason), "%s: response cut short", why);
		log_event("AP-UPSTREAM-FAIL", "target", http_req_target(r),
		    "status", st, "reason", reason, (char *)NULL);
		http_respond_abort(r);
		log_forward(f, f->status);
		fwd_free(f);
		return;
	}
	if (f->streaming) {
		if (http_respond_end(r) != 0)
			log_debug("ua: %s: streamed answer not ended: %s",
			    http_req_target(r), strerror(errno));
		log_forward(f, f->status);
		fwd_free(f);
		return;
	}
	if (e != UPSTREAM_OK) {
		status = e == UPSTREAM_E_TIMEOUT ? 504 :
		    e == UPSTREAM_E_OVERLOAD || e == UPSTREAM_E_SHUTDOWN ? 503 :
		    502;
		snprintf(st, sizeof(st), "%d", status);
		log_event("AP-UPSTREAM-FAIL", "target", http_req_target(r),
		    "status", st, "reason", why, (char *)NULL);
		text_answer(r, status, "the application server %s: %s",
		    status == 504 ? "did not answer in time" :
		    status == 503 ? "is busy" : "could not be reached", why);
		log_forward(f, status);
		fwd_free(f);
		return;
	}
	pass_fields(f, resp);
	/* 24.109 cl. 7: the AP adds Authentication-Info to answers */
	if (f->d.on)
		auth_info(f, resp->body, resp->body_len);
	status = resp->status;
	if (http_respond(r, status, NULL, resp->body, resp->body_len) != 0 &&
	    errno == EINVAL) {
		/* e.g. a body on 204/304 from the AS */
		status = 502;
		text_answer(r, status, "the application server's answer "
		    "cannot be passed on");
	}
	log_forward(f, status);
	fwd_free(f);
}

/*
 * 24.109 cl. 7: the identity comes from the user's security settings for
 * this NAF: X-3GPP-Intended-Identity must be one of the USS's public
 * identities, absent means the first; no USS means the user may not use
 * this NAF (decision table: 403). With `fixed` (a password-file user) the
 * only identity is that one. Returns 0 with f->identity set, or -1 after
 * answering.
 */
static int
pick_identity(struct fwd *f, const struct ap_key *k, const char *fixed)
{
	struct http_req *r = f->req;
	const char *intended, *btid = k != NULL ? k->btid : "-";
	char uri[AP_IMPU_MAX], body[512];
	size_t i;

	if (fixed == NULL && (!k->has_uss || k->nimpus == 0)) {
		log_event("AP-IDENTITY-DENIED", "peer", f->sess->peer, "btid",
		    btid, "intended", "-", "reason", "no USS for this NAF",
		    (char *)NULL);
		fwd_answer(f, 403, "the BSF sent no user security settings "
		    "(USS) with public identities for this NAF (TS 33.222 cl. "
		    "4.4, TS 29.109 GBA-UserSecSettings)");
		return -1;
	}
	intended = http_req_header(r, "x-3gpp-intended-identity");
	if (intended == NULL) {
		snprintf(f->identity, sizeof(f->identity), "%s",
		    fixed != NULL ? fixed : k->impus[0]);
		return 0;
	}
	if (http_req_header_nth(r, "x-3gpp-intended-identity", 1) != NULL ||
	    ap_unquote_identity(intended, uri, sizeof(uri)) != 0) {
		log_event("AP-IDENTITY-DENIED", "peer", f->sess->peer, "btid",
		    btid, "intended", intended, "reason",
		    "malformed X-3GPP-Intended-Identity", (char *)NULL);
		fwd_answer(f, 400, "X-3GPP-Intended-Identity must be one "
		    "quoted URI (TS 24.109 Table B.3-1)");
		return -1;
	}
	if (fixed != NULL) {
		if (ap_same_identity(uri, fixed)) {
			snprintf(f->identity, sizeof(f->identity), "%s", fixed);
			return 0;
		}
	} else {
		for (i = 0; i < k->nimpus; i++)
			if (ap_same_identity(uri, k->impus[i])) {
				snprintf(f->identity, sizeof(f->identity), "%s",
				    k->impus[i]);
				return 0;
			}
	}
	log_event("AP-IDENTITY-DENIED", "peer", f->sess->peer, "btid", btid,
	    "intended", uri, "reason",
	    "not a public identity of this subscriber", (char *)NULL);
	snprintf(body, sizeof(body), "X-3GPP-Intended-Identity %s is not one "
	    "of the public identities in your user security settings (TS "
	    "24.109 cl. 7)", uri);
	fwd_answer(f, 403, body);
	return -1;
}

/* Send the request of `f` (identity chosen) to its NAF's server. */
static void
forward(struct fwd *f)
{
	struct http_req *r = f->req;
	struct naf *naf = f->naf;
	const char *names[FWD_HEADERS_MAX], *values[FWD_HEADERS_MAX];
	const char *name, *value;
	static const struct upstream_stream stream_cbs = { on_up_head,
	    on_up_body, on_up_drain };
	char asserted[AP_IMPU_MAX + 2];
	struct upstream *up;
	const uint8_t *body;
	size_t i, n = 0, len;

	snprintf(asserted, sizeof(asserted), "\"%s\"", f->identity);
	for (i = 0; i < http_req_header_count(r) && n < FWD_HEADERS_MAX - 3;
	    i++) {
		if (http_req_header_at(r, i, &name, &value) != 0 ||
		    in_list(name, strip_req) || in_connection(r, name))
			continue;
		names[n] = name;
		values[n++] = value;
	}
	names[n] = "X-3GPP-Asserted-Identity";
	values[n++] = asserted;
	names[n] = "X-Forwarded-For";
	values[n++] = f->sess->addr;
	if (naf->secret[0] != '\0') {
		names[n] = "X-Utstack-Peer-Secret";
		values[n++] = naf->secret;
	}
	body = client_body(f, &len);
	up = naf->up2 != NULL && http_req_is_h2(r) ? naf->up2 : naf->up;
	/* Digest auth-int: rspauth covers the whole answer body (RFC 7616
	 * §3.5) and goes in Authentication-Info, a header field — so that
	 * answer is buffered (and its request was read whole for the
	 * check); every other one streams */
	if (f->d.on && strcmp(f->d.qop, "auth-int") == 0)
		f->up = upstream_request(up, http_req_method(r),
		    http_req_target(r), naf->host, names, values, n, body, len,
		    on_upstream, f);
	else if (http_req_body_streaming(r)) {
		/* the identity is settled: now the body may come (the 100
		 * Continue goes) and pass on as it arrives */
		f->up = upstream_request_source(up, http_req_method(r),
		    http_req_target(r), naf->host, names, values, n,
		    req_length(r), &stream_cbs, on_upstream, f);
		if (f->up != NULL &&
		    http_req_body_read(r, on_client_body, f) != 0) {
			upstream_cancel(f->up);
			f->up = NULL;
			fwd_answer(f, 503, "the request body cannot be read");
			return;
		}
	} else
		f->up = upstream_request_stream(up, http_req_method(r),
		    http_req_target(r), naf->host, names, values, n, body, len,
		    &stream_cbs, on_upstream, f);
	if (f->up == NULL)
		fwd_answer(f, errno == EINVAL ? 400 : 503,
		    errno == EINVAL ? "the request cannot be forwarded: a "
		    "field is not valid HTTP" : "out of memory");
}

static void
on_digest_key(void *arg, enum ap_zn_status st, struct ap_key *k,
    uint32_t result, const char *why)
{
	struct fwd *f = arg;
	char b64[B64_LEN(AP_KEY_LEN)];

	(void)result;
	f->wait = NULL;
	if (st == AP_ZN_UNKNOWN) {
		/* 24.109 cl. 5.2.5: the bootstrapping realm again, so the
		 * UE bootstraps */
		digest_fail(f, f->d.username, f->d.realm, 401, why);
		challenge(f, 0, "unknown or expired B-TID: bootstrap again "
		    "(TS 24.109 5.2.5)");
		return;
	}
	if (st != AP_ZN_OK) {
		digest_fail(f, f->d.username, f->d.realm,
		    st == AP_ZN_REFUSED ? 403 : 503, why);
		if (st == AP_ZN_REFUSED)
			fwd_answer(f, 403, "the BSF does not give this NAF a "
			    "key for you");
		else {
			http_resp_header(f->req, "Retry-After", "5");
			fwd_answer(f, 503, "the BSF cannot be reached: try "
			    "again later");
		}
		return;
	}
	b64_encode(k->ks_naf, AP_KEY_LEN, b64);
	snprintf(f->d.password, sizeof(f->d.password), "%s", b64);
	secret_wipe(b64, sizeof(b64));
	if (!digest_ok(f)) {
		digest_fail(f, f->d.username, f->d.realm, 401,
		    "wrong Digest response");
		challenge(f, 0, "wrong Digest response");
		return;
	}
	f->d.on = 1;
	if (pick_identity(f, k, NULL) != 0)
		return;
	forward(f);
}

/* A request on a certificate session: HTTP Digest. */
static void
digest_request(struct fwd *f)
{
	struct ap_ua *ua = f->ua;
	struct http_req *r = f->req;
	struct digest_hdr *h;
	const char *authz, *v, *ha1;
	char err[200], user_id[AP_IMPU_MAX];
	char sip_id[sizeof(f->d.username) + sizeof(f->d.realm) + 8];
	uint8_t naf_id[AP_NAF_ID_MAX];
	struct ap_zn_wait *w;
	size_t fl;
	int cached;

	if ((authz = http_req_header(r, "authorization")) == NULL) {
		challenge(f, 0, "authentication required: HTTP Digest with "
		    "your B-TID and Ks_NAF (TS 33.222 5.3)");
		return;
	}
	if ((h = malloc(sizeof(*h))) == NULL) {
		fwd_answer(f, 503, "out of memory");
		return;
	}
	if (parse_authz(authz, http_req_target(r), h, f->d.uri,
	    sizeof(f->d.uri), err, sizeof(err)) != 0 ||
	    digest_validate(h, err, sizeof(err)) != 0) {
		digest_fail(f, NULL, NULL, 400, err);
		free(h);
		fwd_answer(f, 400, "malformed Authorization: Digest expected "
		    "(RFC 7616)");
		return;
	}
	snprintf(f->d.username, sizeof(f->d.username), "%s",
	    digest_get(h, "username"));
	snprintf(f->d.realm, sizeof(f->d.realm), "%s", digest_get(h, "realm"));
	snprintf(f->d.nonce, sizeof(f->d.nonce), "%s", digest_get(h, "nonce"));
	snprintf(f->d.response, sizeof(f->d.response), "%s",
	    digest_get(h, "response"));
	v = digest_get(h, "qop");
	snprintf(f->d.qop, sizeof(f->d.qop), "%s", v != NULL ? v : "");
	v = digest_get(h, "cnonce");
	snprintf(f->d.cnonce, sizeof(f->d.cnonce), "%s", v != NULL ? v : "");
	v = digest_get(h, "nc");
	snprintf(f->d.nc, sizeof(f->d.nc), "%s", v != NULL ? v : "");
	v = digest_get(h, "algorithm");
	if (digest_alg_parse(v, &f->d.alg) != 0 || f->d.alg.sess ||
	    f->d.alg.aka || f->d.alg.hash != CRYPTO_HASH_MD5 ||
	    (strcmp(f->d.qop, "auth") != 0 &&
	    strcmp(f->d.qop, "auth-int") != 0) ||
	    strcmp(f->d.uri, http_req_target(r)) != 0 ||
	    strlen(digest_get(h, "cnonce")) >= sizeof(f->d.cnonce)) {
		digest_fail(f, f->d.username, f->d.realm, 400,
		    "algorithm, qop or uri not as challenged");
		free(h);
		fwd_answer(f, 400, "Digest algorithm must be MD5, qop auth or "
		    "auth-int, and uri the request target");
		return;
	}
	free(h);
	/* auth-int covers the body: read it whole before the check (and
	 * before the nonce is used); this runs again at its end */
	if (strcmp(f->d.qop, "auth-int") == 0 && http_req_body_streaming(r) &&
	    !f->whole_done) {
		buf_init(&f->whole, (size_t)ua->c->ua_body_max + 1);
		if (http_req_body_read(r, on_whole_body, f) != 0)
			fwd_answer(f, 503, "the request body cannot be read");
		return;
	}
	if (ap_nonce_take(ua->nonces, f->d.nonce, time(NULL)) != 0) {
		digest_fail(f, f->d.username, f->d.realm, 401,
		    "unknown, used or expired nonce");
		challenge(f, 1, "stale nonce: answer the new challenge");
		return;
	}
	if (strcmp(f->d.realm, f->naf->realm) == 0) {
		/* GBA: username = B-TID, password = base64(Ks_NAF) */
		if (ap_btid_from_identity(f->d.username, user_id,
		    sizeof(user_id)) != 0 || strcmp(user_id,
		    f->d.username) != 0) {
			digest_fail(f, NULL, f->d.realm, 401,
			    "username is not a B-TID");
			challenge(f, 0, "the username must be your B-TID");
			return;
		}
		fl = strlen(f->naf->fqdn);
		memcpy(naf_id, f->naf->fqdn, fl);
		memcpy(naf_id + fl, f->sess->ua_id, TLS_UA_ID_LEN);
		/* a cached key answers inside the call, which may free `f`:
		 * only a pending wait may be recorded in it */
		w = ap_zn_key(ua->zn, f->d.username, naf_id,
		    fl + TLS_UA_ID_LEN, &cached, on_digest_key, f);
		if (w != NULL)
			f->wait = w;
		return;
	}
	if (ap_htdigest_has_realm(ua->htdigest, f->d.realm)) {
		/* no USIM: the password file; identity sip:user@realm */
		if ((ha1 = ap_htdigest_ha1(ua->htdigest, f->d.username,
		    f->d.realm)) == NULL) {
			digest_fail(f, f->d.username, f->d.realm, 401,
			    "unknown user");
			challenge(f, 0, "unknown user or wrong password");
			return;
		}
		snprintf(f->d.ha1, sizeof(f->d.ha1), "%s", ha1);
		if (!digest_ok(f)) {
			digest_fail(f, f->d.username, f->d.realm, 401,
			    "wrong Digest response");
			challenge(f, 0, "unknown user or wrong password");
			return;
		}
		f->d.on = 1;
		/* the file's names are short (ap_digest.c): this fits */
		snprintf(sip_id, sizeof(sip_id), "sip:%s@%s", f->d.username,
		    f->d.realm);
		if (pick_identity(f, NULL, sip_id) != 0)
			return;
		forward(f);
		return;
	}
	digest_fail(f, f->d.username, f->d.realm, 401, "realm not offered");
	challenge(f, 0, "the realm is not one this NAF offered");
}

static void
on_request(struct http_req *r, void *arg)
{
	struct ap_ua *ua = arg;
	struct sess *s = http_req_conn_ctx(r);
	const char *host;
	struct naf *other;
	char hostname[AP_FQDN_MAX];
	struct fwd *f;

	if (s == NULL) {
		log_local(r, 500);
		text_answer(r, 500, "no session for this connection");
		return;
	}
	if (strcmp(http_req_target(r), "*") == 0 &&
	    strcmp(http_req_method(r), "OPTIONS") == 0) {
		/* RFC 2817 §3.2's upgrade request, replayed after TLS */
		http_resp_header(r, "Allow", "GET, PUT, DELETE, HEAD, OPTIONS");
		log_local(r, 200);
		http_respond(r, 200, NULL, NULL, 0);
		return;
	}
	if (http_req_target(r)[0] != '/') {
		log_local(r, 400);
		text_answer(r, 400, "the request target must be a path "
		    "(origin-form, RFC 9112 3.2.1)");
		return;
	}
	/* a Host naming another of our NAFs than this session's: that NAF
	 * needs its own key (RFC 9110 §15.5.20) */
	if ((host = http_req_header(r, "host")) != NULL) {
		snprintf(hostname, sizeof(hostname), "%s", host);
		if (hostname[0] != '[')
			hostname[strcspn(hostname, ":")] = '\0';
		other = naf_by_name(ua, hostname);
		if (other != NULL && other != s->naf) {
			log_local(r, 421);
			text_answer(r, 421, "this connection was authenticated "
			    "for %s, not %s", s->naf->fqdn, other->fqdn);
			return;
		}
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		log_local(r, 503);
		text_answer(r, 503, "out of memory");
		return;
	}
	f->ua = ua;
	f->req = http_req_ref(r);
	f->sess = s;
	f->naf = s->naf;
	f->start_ms = now_ms();
	http_req_on_abort(r, on_abort, f);
	if (s->key == NULL) {
		digest_request(f);
		return;
	}
	if (pick_identity(f, s->key, NULL) != 0)
		return;
	forward(f);
}

/* ---- listener ------------------------------------------------------------ */

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct ap_ua *ua = arg;

	(void)fd;
	(void)what;
	if (ua->lis != NULL)
		evconnlistener_enable(ua->lis);
}

/*
 * Answers leave in pieces (an HTTP/2 HEADERS frame, then DATA as the AS
 * sends it): without TCP_NODELAY, Nagle holds each small piece until the
 * client ACKs the last one, which a delayed ACK makes 40 ms.
 */
static void
nodelay(evutil_socket_t fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		log_debug("ua: TCP_NODELAY: %s", strerror(errno));
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct ap_ua *ua = arg;
	struct timeval tv = { 0, ACCEPT_RETRY_MS * 1000 };
	char peer[HTTP_PEER_MAX];

	(void)salen;
	ap_peer_name(sa, peer, sizeof(peer));
	nodelay(fd);
	tls_accept(ua->tls, fd, peer);
	/* ua.max_conns: new clients wait in the kernel's backlog */
	if (tls_server_conn_count(ua->tls) >= (size_t)ua->c->ua_max_conns) {
		evconnlistener_disable(l);
		evtimer_add(ua->resume, &tv);
	}
}

/*
 * A listener on the numeric `a`, calling `cb(.., arg)` for each accepted
 * socket; its port is logged in `LISTENING name=<name>`.
 */
struct evconnlistener *
ap_listen(struct event_base *base, const struct conf_addr *a,
    evconnlistener_cb cb, void *arg, const char *name, char *err,
    size_t errlen)
{
	struct evconnlistener *lis;
	struct sockaddr_storage ss;
	socklen_t sslen, bl = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, a->host,
	    &((struct sockaddr_in *)(void *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)(void *)&ss)->sin_port = htons(a->port);
		sslen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, a->host,
	    &((struct sockaddr_in6 *)(void *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)(void *)&ss)->sin6_port =
		    htons(a->port);
		sslen = sizeof(struct sockaddr_in6);
	} else {
		snprintf(err, errlen, "%s listener: %s is not a numeric address",
		    name, a->host);
		return NULL;
	}
	lis = evconnlistener_new_bind(base, cb, arg,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 512,
	    (struct sockaddr *)&ss, (int)sslen);
	if (lis == NULL) {
		snprintf(err, errlen, "%s listener %s port %u: %s", name,
		    a->host, a->port,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return NULL;
	}
	if (getsockname(evconnlistener_get_fd(lis), (struct sockaddr *)&ss,
	    &bl) == 0)
		daemon_log_listening(name, a->host, ss.ss_family == AF_INET6 ?
		    ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port) :
		    ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port));
	return lis;
}

void
ap_peer_name(const struct sockaddr *sa, char *peer, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in =
		    (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(peer, size, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(peer, size, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else
		snprintf(peer, size, "?");
}

int
ap_ua_upgrade(struct ap_ua *ua, evutil_socket_t fd, const char *peer,
    const char *head, size_t len)
{
	struct tls_conn *c;
	struct stash *st;

	if (ua->tls == NULL) {
		evutil_closesocket(fd);
		return -1;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->head = malloc(len)) == NULL) {
		free(st);
		evutil_closesocket(fd);
		return -1;
	}
	nodelay(fd);
	if ((c = tls_accept(ua->tls, fd, peer)) == NULL) {
		free(st->head);
		free(st);
		return -1;
	}
	memcpy(st->head, head, len);
	st->len = len;
	st->tls_id = tls_conn_id(c);
	st->next = ua->stash;
	ua->stash = st;
	return 0;
}

static int
naf_init(struct ap_ua *ua, struct naf *naf, const char *fqdn,
    const struct conf_addr *up, const char *h2, const char *secret,
    const char *host, int psk, int digest, char *err, size_t errlen)
{
	const struct ap_conf *c = ua->c;
	struct upstream_cfg ucfg;

	if (strlen(fqdn) >= AP_FQDN_MAX || strpbrk(fqdn, " \t:/") != NULL) {
		snprintf(err, errlen, "NAF name '%s' is not an FQDN", fqdn);
		return -1;
	}
	if (naf_by_name(ua, fqdn) != NULL && ua->nnafs > 0) {
		snprintf(err, errlen, "NAF %s configured twice", fqdn);
		return -1;
	}
	if (strcmp(h2, "yes") != 0 && strcmp(h2, "no") != 0 &&
	    strcmp(h2, "follow") != 0) {
		snprintf(err, errlen, "%s: h2 must be yes, no or follow", fqdn);
		return -1;
	}
	snprintf(naf->fqdn, sizeof(naf->fqdn), "%s", fqdn);
	snprintf(naf->realm, sizeof(naf->realm), REALM_PREFIX "%s", fqdn);
	snprintf(naf->host, sizeof(naf->host), "%s",
	    host[0] != '\0' ? host : fqdn);
	naf->secret = secret;
	naf->psk = psk;
	naf->digest = digest && c->ua_cert_file[0] != '\0';
	memset(&ucfg, 0, sizeof(ucfg));
	ucfg.addr = up->host;
	ucfg.port = up->port;
	ucfg.h2 = strcmp(h2, "yes") == 0;
	ucfg.max_conns = (size_t)c->as_max_conns;
	ucfg.connect_timeout_ms = (unsigned)c->as_connect_timeout_ms;
	ucfg.response_timeout_ms = (unsigned)c->as_response_timeout_ms;
	ucfg.body_max = (size_t)c->as_body_max;
	if ((naf->up = upstream_new(ua->base, &ucfg, err, errlen)) == NULL)
		return -1;
	ucfg.h2 = 1;
	if (strcmp(h2, "follow") == 0 &&
	    (naf->up2 = upstream_new(ua->base, &ucfg, err, errlen)) == NULL)
		return -1;
	ua->nnafs++;
	return 0;
}

struct ap_ua *
ap_ua_new(struct event_base *base, const struct ap_conf *c, struct ap_zn *zn,
    char *err, size_t errlen)
{
	struct ap_ua *ua;
	struct tls_server_cfg tcfg;
	struct http_config hcfg;
	const struct ap_naf_conf *nc;
	size_t i;

	if ((ua = calloc(1, sizeof(*ua))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ua->base = base;
	ua->c = c;
	ua->zn = zn;
	if (c->naf_fqdn[0] == '\0') {
		snprintf(err, errlen, "ap.naf_fqdn must be set");
		goto fail;
	}
	if ((c->ua_cert_file[0] == '\0') != (c->ua_key_file[0] == '\0')) {
		snprintf(err, errlen, "ua.cert_file and ua.key_file go "
		    "together");
		goto fail;
	}
	if (naf_init(ua, &ua->nafs[0], c->naf_fqdn, &c->as_upstream, c->as_h2,
	    c->as_secret, c->as_host, 1, 1, err, errlen) != 0)
		goto fail;
	for (i = 0; i < AP_EXTRA_NAFS; i++) {
		nc = &c->naf[i];
		if (nc->fqdn[0] != '\0' && naf_init(ua, &ua->nafs[ua->nnafs],
		    nc->fqdn, &nc->upstream, nc->h2, nc->secret, nc->host,
		    nc->psk, nc->digest, err, errlen) != 0)
			goto fail;
	}
	if (c->ua_htdigest_file[0] != '\0') {
		if (c->ua_cert_file[0] == '\0') {
			snprintf(err, errlen, "ua.htdigest_file needs a server "
			    "certificate (ua.cert_file): passwords are not sent "
			    "over plain TCP");
			goto fail;
		}
		if ((ua->htdigest = ap_htdigest_load(c->ua_htdigest_file, err,
		    errlen)) == NULL)
			goto fail;
	}
	if ((ua->nonces = ap_nonces_new((size_t)c->ua_nonce_max,
	    (long)c->ua_nonce_lifetime)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/*
	 * GnuTLS selects key exchanges, not suites: "+PSK" is both the
	 * TLS 1.2 PSK-* suites and TLS 1.3 psk_ke, so ua.psk_ke=no drops
	 * both and leaves (EC)DHE-PSK.
	 */
	if (c->ua_priority[0] != '\0')
		snprintf(ua->priority, sizeof(ua->priority), "%s",
		    c->ua_priority);
	else
		snprintf(ua->priority, sizeof(ua->priority), "%s%s",
		    c->ua_cert_file[0] != '\0' ? TLS_PRIORITY_CERT_DEFAULT :
		    TLS_PRIORITY_DEFAULT, c->ua_psk_ke ? "" : ":-PSK");
	memset(&tcfg, 0, sizeof(tcfg));
	tcfg.priority = ua->priority;
	tcfg.handshake_timeout_ms = (unsigned)c->ua_handshake_timeout_ms;
	if (c->ua_cert_file[0] != '\0') {
		tcfg.cert_file = c->ua_cert_file;
		tcfg.key_file = c->ua_key_file;
	}
	ua->tls = tls_server_new(base, &tcfg, on_lookup, on_ready, on_fail, ua,
	    err, errlen);
	if (ua->tls == NULL)
		goto fail;
	memset(&hcfg, 0, sizeof(hcfg));
	hcfg.head_max = (size_t)c->ua_head_max;
	hcfg.body_max = (size_t)c->ua_body_max;
	hcfg.idle_timeout_ms = (unsigned)c->ua_idle_timeout_ms;
	hcfg.h2 = 1;
	hcfg.stream_bodies = 1;
	if ((ua->http = http_server_new(base, &hcfg, on_request, ua, err,
	    errlen)) == NULL)
		goto fail;
	if ((ua->resume = evtimer_new(base, on_resume, ua)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((ua->lis = ap_listen(base, &c->ua_listen, on_accept, ua, "ua", err,
	    errlen)) == NULL)
		goto fail;
	return ua;
fail:
	ap_ua_free(ua);
	return NULL;
}

int
ap_ua_check(const struct ap_conf *c, char *err, size_t errlen)
{
	struct event_base *base;
	struct ap_ua *ua;
	struct ap_htdigest *h;
	struct tls_server_cfg tcfg;
	struct tls_server *t;
	size_t i;
	int rc = -1;

	/* what ap_ua_new() would refuse, short of binding the listeners:
	 * the NAFs, the key pair (loaded), the password file (read) */
	if ((base = event_base_new()) == NULL ||
	    (ua = calloc(1, sizeof(*ua))) == NULL) {
		if (base != NULL)
			event_base_free(base);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ua->base = base;
	ua->c = c;
	if ((c->ua_cert_file[0] == '\0') != (c->ua_key_file[0] == '\0')) {
		snprintf(err, errlen, "ua.cert_file and ua.key_file go "
		    "together");
		goto done;
	}
	if (naf_init(ua, &ua->nafs[0], c->naf_fqdn, &c->as_upstream, c->as_h2,
	    c->as_secret, c->as_host, 1, 1, err, errlen) != 0)
		goto done;
	for (i = 0; i < AP_EXTRA_NAFS; i++)
		if (c->naf[i].fqdn[0] != '\0' && naf_init(ua,
		    &ua->nafs[ua->nnafs], c->naf[i].fqdn, &c->naf[i].upstream,
		    c->naf[i].h2, c->naf[i].secret, c->naf[i].host,
		    c->naf[i].psk, c->naf[i].digest, err, errlen) != 0)
			goto done;
	if (c->ua_cert_file[0] != '\0') {
		memset(&tcfg, 0, sizeof(tcfg));
		tcfg.priority = c->ua_priority[0] != '\0' ? c->ua_priority :
		    TLS_PRIORITY_CERT_DEFAULT;
		tcfg.cert_file = c->ua_cert_file;
		tcfg.key_file = c->ua_key_file;
		if ((t = tls_server_new(base, &tcfg, on_lookup, on_ready,
		    on_fail, ua, err, errlen)) == NULL)
			goto done;
		tls_server_free(t);
	}
	if (c->ua_htdigest_file[0] != '\0') {
		if (c->ua_cert_file[0] == '\0') {
			snprintf(err, errlen, "ua.htdigest_file needs a server "
			    "certificate (ua.cert_file)");
			goto done;
		}
		if ((h = ap_htdigest_load(c->ua_htdigest_file, err,
		    errlen)) == NULL)
			goto done;
		ap_htdigest_free(h);
	}
	if (c->http_redirect[0] != '\0' &&
	    strncmp(c->http_redirect, "https://", 8) != 0) {
		snprintf(err, errlen, "http.redirect must be an https:// URL");
		goto done;
	}
	rc = 0;
done:
	for (i = 0; i < NAFS_MAX; i++) {
		upstream_free(ua->nafs[i].up);
		upstream_free(ua->nafs[i].up2);
	}
	free(ua);
	event_base_free(base);
	return rc;
}

void
ap_ua_close(struct ap_ua *ua)
{
	struct stash *st;

	if (ua == NULL)
		return;
	if (ua->lis != NULL) {
		evconnlistener_free(ua->lis);
		ua->lis = NULL;
	}
	while (ua->hs != NULL)
		hs_free(ua->hs);
	while ((st = ua->stash) != NULL) {
		ua->stash = st->next;
		stash_free(st);
	}
	tls_server_free(ua->tls);
	ua->tls = NULL;
}

void
ap_ua_free(struct ap_ua *ua)
{
	size_t i;

	if (ua == NULL)
		return;
	ap_ua_close(ua);
	http_server_free(ua->http);
	for (i = 0; i < NAFS_MAX; i++) {
		upstream_free(ua->nafs[i].up);
		upstream_free(ua->nafs[i].up2);
	}
	ap_nonces_free(ua->nonces);
	ap_htdigest_free(ua->htdigest);
	if (ua->resume != NULL)
		event_free(ua->resume);
	free(ua);
}
