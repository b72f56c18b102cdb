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
 *     answer goes back as it came, minus hop-by-hop fields.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "ap.h"
#include "buf.h"
#include "daemon.h"
#include "hex.h"
#include "http.h"
#include "log.h"
#include "secret.h"
#include "upstream.h"


#define FWD_HEADERS_MAX	(UPSTREAM_HEADERS_MAX + 8)
#define ACCEPT_RETRY_MS	50

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
	uint8_t			 ua_id[TLS_UA_ID_LEN];
	char			 btid[AP_BTID_MAX];
};

/* An authenticated connection: the HTTP layer's context for it. */
struct sess {
	struct ap_key	*key;
	char		 peer[HTTP_PEER_MAX];
	char		 addr[HTTP_PEER_MAX];	/* the peer without its port */
};

/* A request on its way to the AS. */
struct fwd {
	struct ap_ua		*ua;
	struct http_req		*req;
	struct upstream_req	*up;
	uint64_t		 start_ms;
	char			 identity[AP_IMPU_MAX];
};

struct ap_ua {
	struct event_base	*base;
	const struct ap_conf	*c;
	struct ap_zn		*zn;
	struct tls_server	*tls;
	struct http_server	*http;
	struct upstream		*up;	/* HTTP/1.1, or h2c with as.h2=yes */
	struct upstream		*up2;	/* h2c for HTTP/2 clients (follow) */
	struct evconnlistener	*lis;
	struct event		*resume;
	struct hs		*hs;	/* handshakes with a lookup */
	char			 priority[1024];
	char			 host[AP_FQDN_MAX];
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

static void
on_lookup(struct tls_conn *c, const char *identity, const char *sni,
    const uint8_t ua_id[TLS_UA_ID_LEN], void *arg)
{
	struct ap_ua *ua = arg;
	struct hs *h;
	uint8_t naf_id[AP_NAF_ID_MAX];
	size_t fl = strlen(ua->c->naf_fqdn);
	struct ap_zn_wait *w;
	char btid[AP_BTID_MAX];
	int cached;

	if (sni != NULL && strcasecmp(sni, ua->c->naf_fqdn) != 0) {
		tls_conn_psk_fail(c, "SNI names a NAF this AP does not serve");
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
	memcpy(h->ua_id, ua_id, TLS_UA_ID_LEN);
	snprintf(h->btid, sizeof(h->btid), "%s", btid);
	/* NAF_Id = FQDN || Ua security protocol id (TS 33.220 Annex H) */
	memcpy(naf_id, ua->c->naf_fqdn, fl);
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

static void
on_ready(struct tls_conn *c, struct bufferevent *plain, const char *alpn,
    const char *identity, void *arg)
{
	struct ap_ua *ua = arg;
	struct hs *h = hs_find(ua, tls_conn_id(c));
	struct sess *s;
	char suite[8];
	const char *colon;

	(void)identity;
	if (h == NULL || h->key == NULL) {
		/* a handshake without our key: cannot happen with PSK only */
		log_warnx("ua: %s: handshake completed without a key",
		    tls_conn_peer(c));
		bufferevent_free(plain);
		if (h != NULL)
			hs_free(h);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		bufferevent_free(plain);
		hs_free(h);
		return;
	}
	s->key = h->key;
	h->key = NULL;
	snprintf(s->peer, sizeof(s->peer), "%s", tls_conn_peer(c));
	snprintf(s->addr, sizeof(s->addr), "%s", s->peer);
	/* "ip:port" or "[v6]:port" → the address alone */
	if ((colon = strrchr(s->addr, ':')) != NULL)
		s->addr[colon - s->addr] = '\0';
	if (s->addr[0] == '[') {
		memmove(s->addr, s->addr + 1, strlen(s->addr));
		s->addr[strcspn(s->addr, "]")] = '\0';
	}
	snprintf(suite, sizeof(suite), "%04x", tls_conn_suite(c));
	log_event("AP-TLS-OK", "peer", s->peer, "btid", s->key->btid,
	    "version", tls_conn_version(c) == 13 ? "1.3" : "1.2", "suite",
	    suite, "alpn",
	    alpn[0] != '\0' ? alpn : "-", "cached", h->cached ? "yes" : "no",
	    (char *)NULL);
	hs_free(h);
	if (http_server_adopt_ctx(ua->http, plain, s->peer, s, sess_free) !=
	    0) {
		bufferevent_free(plain);
		sess_free(s);
	}
}

static void
on_fail(struct tls_conn *c, const char *reason, void *arg)
{
	struct ap_ua *ua = arg;
	struct hs *h = hs_find(ua, tls_conn_id(c));

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
	http_req_on_abort(f->req, NULL, NULL);
	http_req_unref(f->req);
	free(f);
}

static void
on_abort(struct http_req *r, void *arg)
{
	struct fwd *f = arg;

	(void)r;
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
	    "identity", f->identity, "status", st, "ms", ms, (char *)NULL);
}

static void
on_upstream(void *arg, enum upstream_err e, const struct upstream_resp *resp,
    const char *why)
{
	struct fwd *f = arg;
	struct http_req *r = f->req;
	int status;
	size_t i;
	char st[8];

	f->up = NULL;
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
	for (i = 0; i < resp->nheaders; i++) {
		if (in_list(resp->names[i], strip_resp))
			continue;
		if (http_resp_header(r, resp->names[i], resp->values[i]) != 0)
			log_debug("ua: response field %s not passed on",
			    resp->names[i]);
	}
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

static void
on_request(struct http_req *r, void *arg)
{
	struct ap_ua *ua = arg;
	struct sess *s = http_req_conn_ctx(r);
	const char *names[FWD_HEADERS_MAX], *values[FWD_HEADERS_MAX];
	const char *intended, *name, *value;
	char asserted[AP_IMPU_MAX + 2], uri[AP_IMPU_MAX];
	const uint8_t *body;
	struct fwd *f;
	size_t i, n = 0, len, k;

	if (s == NULL) {
		text_answer(r, 500, "no session for this connection");
		return;
	}
	if (http_req_target(r)[0] != '/') {
		text_answer(r, 400, "the request target must be a path "
		    "(origin-form, RFC 9112 3.2.1)");
		return;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		text_answer(r, 503, "out of memory");
		return;
	}
	f->ua = ua;
	f->req = r;
	f->start_ms = now_ms();
	/* 24.109 cl. 7: the identity comes from the user's security
	 * settings for this NAF; no USS means the user may not use it
	 * (decision table: 403). */
	if (!s->key->has_uss || s->key->nimpus == 0) {
		log_event("AP-IDENTITY-DENIED", "peer", s->peer, "btid",
		    s->key->btid, "intended", "-", "reason",
		    "no USS for this NAF", (char *)NULL);
		text_answer(r, 403, "the BSF sent no user security settings "
		    "(USS) with public identities for this NAF (TS 33.222 "
		    "cl. 4.4, TS 29.109 GBA-UserSecSettings)");
		free(f);
		return;
	}
	intended = http_req_header(r, "x-3gpp-intended-identity");
	if (intended != NULL) {
		if (http_req_header_nth(r, "x-3gpp-intended-identity", 1) !=
		    NULL || ap_unquote_identity(intended, uri, sizeof(uri)) != 0) {
			log_event("AP-IDENTITY-DENIED", "peer", s->peer, "btid",
			    s->key->btid, "intended", intended, "reason",
			    "malformed X-3GPP-Intended-Identity", (char *)NULL);
			text_answer(r, 400, "X-3GPP-Intended-Identity must be "
			    "one quoted URI (TS 24.109 Table B.3-1)");
			free(f);
			return;
		}
		for (k = 0; k < s->key->nimpus; k++)
			if (ap_same_identity(uri, s->key->impus[k]))
				break;
		if (k == s->key->nimpus) {
			log_event("AP-IDENTITY-DENIED", "peer", s->peer, "btid",
			    s->key->btid, "intended", uri, "reason",
			    "not a public identity of this subscriber",
			    (char *)NULL);
			text_answer(r, 403, "X-3GPP-Intended-Identity %s is not "
			    "one of the public identities in your user "
			    "security settings (TS 24.109 cl. 7)", uri);
			free(f);
			return;
		}
		snprintf(f->identity, sizeof(f->identity), "%s",
		    s->key->impus[k]);
	} else
		snprintf(f->identity, sizeof(f->identity), "%s",
		    s->key->impus[0]);
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
	values[n++] = s->addr;
	if (ua->c->as_secret[0] != '\0') {
		names[n] = "X-Utstack-Peer-Secret";
		values[n++] = ua->c->as_secret;
	}
	body = http_req_body(r, &len);
	http_req_ref(r);
	f->up = upstream_request(ua->up2 != NULL && http_req_is_h2(r) ?
	    ua->up2 : ua->up, http_req_method(r), http_req_target(r),
	    ua->host, names, values, n, body, len, on_upstream, f);
	if (f->up == NULL) {
		text_answer(r, errno == EINVAL ? 400 : 503,
		    "the request cannot be forwarded: %s", strerror(errno));
		http_req_unref(r);
		free(f);
		return;
	}
	http_req_on_abort(r, on_abort, f);
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

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct ap_ua *ua = arg;
	struct timeval tv = { 0, ACCEPT_RETRY_MS * 1000 };
	char host[INET6_ADDRSTRLEN], peer[HTTP_PEER_MAX];
	unsigned port = 0;

	(void)salen;
	host[0] = '\0';
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)(void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(peer, sizeof(peer), "%s:%u", host, port);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(peer, sizeof(peer), "[%s]:%u", host, port);
	}
	tls_accept(ua->tls, fd, peer);
	/* ua.max_conns: new clients wait in the kernel's backlog */
	if (tls_server_conn_count(ua->tls) >= (size_t)ua->c->ua_max_conns) {
		evconnlistener_disable(l);
		evtimer_add(ua->resume, &tv);
	}
}

struct ap_ua *
ap_ua_new(struct event_base *base, const struct ap_conf *c, struct ap_zn *zn,
    char *err, size_t errlen)
{
	struct ap_ua *ua;
	struct tls_server_cfg tcfg;
	struct http_config hcfg;
	struct upstream_cfg ucfg;
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	char addr[CONF_HOST_MAX + 16];
	socklen_t bl = sizeof(ss);

	if ((ua = calloc(1, sizeof(*ua))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ua->base = base;
	ua->c = c;
	ua->zn = zn;
	snprintf(ua->host, sizeof(ua->host), "%s",
	    c->as_host[0] != '\0' ? c->as_host : c->naf_fqdn);
	if (strlen(c->naf_fqdn) == 0 || strlen(c->naf_fqdn) >= AP_FQDN_MAX) {
		snprintf(err, errlen, "ap.naf_fqdn must be 1 to %d octets",
		    AP_FQDN_MAX - 1);
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
		    TLS_PRIORITY_DEFAULT, c->ua_psk_ke ? "" : ":-PSK");
	memset(&tcfg, 0, sizeof(tcfg));
	tcfg.priority = ua->priority;
	tcfg.handshake_timeout_ms = (unsigned)c->ua_handshake_timeout_ms;
	ua->tls = tls_server_new(base, &tcfg, on_lookup, on_ready, on_fail, ua,
	    err, errlen);
	if (ua->tls == NULL)
		goto fail;
	memset(&hcfg, 0, sizeof(hcfg));
	hcfg.head_max = (size_t)c->ua_head_max;
	hcfg.body_max = (size_t)c->ua_body_max;
	hcfg.idle_timeout_ms = (unsigned)c->ua_idle_timeout_ms;
	hcfg.h2 = 1;
	if ((ua->http = http_server_new(base, &hcfg, on_request, ua, err,
	    errlen)) == NULL)
		goto fail;
	memset(&ucfg, 0, sizeof(ucfg));
	ucfg.addr = c->as_upstream.host;
	ucfg.port = c->as_upstream.port;
	if (strcmp(c->as_h2, "yes") != 0 && strcmp(c->as_h2, "no") != 0 &&
	    strcmp(c->as_h2, "follow") != 0) {
		snprintf(err, errlen, "as.h2: expected yes, no or follow");
		goto fail;
	}
	ucfg.h2 = strcmp(c->as_h2, "yes") == 0;
	ucfg.max_conns = (size_t)c->as_max_conns;
	ucfg.connect_timeout_ms = (unsigned)c->as_connect_timeout_ms;
	ucfg.response_timeout_ms = (unsigned)c->as_response_timeout_ms;
	ucfg.body_max = (size_t)c->as_body_max;
	if ((ua->up = upstream_new(base, &ucfg, err, errlen)) == NULL)
		goto fail;
	ucfg.h2 = 1;
	if (strcmp(c->as_h2, "follow") == 0 &&
	    (ua->up2 = upstream_new(base, &ucfg, err, errlen)) == NULL)
		goto fail;
	if ((ua->resume = evtimer_new(base, on_resume, ua)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, c->ua_listen.host,
	    &((struct sockaddr_in *)(void *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)(void *)&ss)->sin_port =
		    htons(c->ua_listen.port);
		sslen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, c->ua_listen.host,
	    &((struct sockaddr_in6 *)(void *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)(void *)&ss)->sin6_port =
		    htons(c->ua_listen.port);
		sslen = sizeof(struct sockaddr_in6);
	} else {
		snprintf(err, errlen, "ua.listen: %s is not a numeric address",
		    c->ua_listen.host);
		goto fail;
	}
	snprintf(addr, sizeof(addr), "%s port %u", c->ua_listen.host,
	    c->ua_listen.port);
	ua->lis = evconnlistener_new_bind(base, on_accept, ua,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 512,
	    (struct sockaddr *)&ss, sslen);
	if (ua->lis == NULL) {
		snprintf(err, errlen, "ua.listen %s: %s", addr,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		goto fail;
	}
	if (getsockname(evconnlistener_get_fd(ua->lis), (struct sockaddr *)&ss,
	    &bl) == 0)
		daemon_log_listening("ua", c->ua_listen.host,
		    ss.ss_family == AF_INET6 ?
		    ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port) :
		    ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port));
	return ua;
fail:
	ap_ua_free(ua);
	return NULL;
}

void
ap_ua_close(struct ap_ua *ua)
{
	if (ua == NULL)
		return;
	if (ua->lis != NULL) {
		evconnlistener_free(ua->lis);
		ua->lis = NULL;
	}
	while (ua->hs != NULL)
		hs_free(ua->hs);
	tls_server_free(ua->tls);
	ua->tls = NULL;
}

void
ap_ua_free(struct ap_ua *ua)
{
	if (ua == NULL)
		return;
	ap_ua_close(ua);
	http_server_free(ua->http);
	upstream_free(ua->up);
	upstream_free(ua->up2);
	if (ua->resume != NULL)
		event_free(ua->resume);
	free(ua);
}
