/*
 * ap_plain.c — the AP's plain-HTTP listener (seed cl. 8.2.1; RFC 2817).
 *
 * Nothing is served in clear. A request asking to upgrade the connection
 * to TLS ("Upgrade: TLS/1.0" with "Connection: Upgrade", RFC 2817 §3.1) is
 * answered "101 Switching Protocols" and the TLS handshake starts on the
 * same socket (the Ua TLS server: PSK or certificate, as on the Ua port);
 * the request itself is then answered over TLS (§3.3). Any other request
 * gets "426 Upgrade Required" with "Upgrade: TLS/1.0, HTTP/1.1" (§4.2), or
 * a redirect to http.redirect when that is set. Each connection carries
 * one request; the head is capped (431) and must arrive within the
 * handshake timeout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "ap.h"
#include "http.h"
#include "log.h"

#define PLAIN_HEAD_MAX	8192

struct ap_plain {
	struct event_base	*base;
	const struct ap_conf	*c;
	struct ap_ua		*ua;
	struct evconnlistener	*lis;
	struct pconn		*conns;
};

struct pconn {
	struct pconn		*next, *prev;
	struct ap_plain		*p;
	struct bufferevent	*bev;
	evutil_socket_t		 fd;
	int			 answered;  /* output queued: close when sent */
	int			 upgrading; /* 101 queued: hand over when sent */
	char			*replay;   /* the request to answer over TLS */
	size_t			 replay_len;
	char			 peer[HTTP_PEER_MAX];
};

static void
pconn_free(struct pconn *pc, int close_fd)
{
	struct ap_plain *p = pc->p;

	if (pc->prev != NULL)
		pc->prev->next = pc->next;
	else
		p->conns = pc->next;
	if (pc->next != NULL)
		pc->next->prev = pc->prev;
	bufferevent_free(pc->bev);
	if (close_fd)
		evutil_closesocket(pc->fd);
	free(pc->replay);
	free(pc);
}

static void
log_plain(const struct pconn *pc, const char *method, const char *target,
    int status)
{
	char st[8];

	snprintf(st, sizeof(st), "%d", status);
	log_event("AP-HTTP-PLAIN", "peer", pc->peer, "method", method,
	    "target", target, "status", st, (char *)NULL);
}

/* Answer and close once written. 426 names the upgrade it wants in
 * Connection too (RFC 9110 §7.8). */
static void
reply(struct pconn *pc, int status, const char *extra, const char *text)
{
	struct evbuffer *out = bufferevent_get_output(pc->bev);
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\n%sContent-Type: "
	    "text/plain\r\nContent-Length: %zu\r\nConnection: %sclose\r\n\r\n"
	    "%s\n", status, http_reason(status), date,
	    extra != NULL ? extra : "", strlen(text) + 1,
	    status == 426 ? "Upgrade, " : "", text);
	bufferevent_disable(pc->bev, EV_READ);
	bufferevent_enable(pc->bev, EV_WRITE);
	pc->answered = 1;
}

/* 1 when the comma-separated `list` holds a token equal to `tok` (case-
 * insensitive), or starting with it when `prefix`. */
static int
has_token(const char *list, const char *tok, int prefix)
{
	const char *p = list, *e;
	size_t n = strlen(tok), len;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		len = (size_t)(e - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if ((prefix ? len >= n : len == n) && strncasecmp(p, tok, n) == 0)
			return 1;
		p = e;
	}
	return 0;
}

/* The request head in `h` (NUL-terminated, lines ending in LF or CRLF). */
static void
handle(struct pconn *pc, char *h, size_t extra)
{
	struct ap_plain *p = pc->p;
	char *line, *next, *colon, *sp1, *sp2, *method, *target, *version;
	const char *upgrade = NULL, *connection = NULL, *host = NULL;
	int body = 0, nhost = 0, n;
	char loc[1024], hdr[1200];
	size_t rlen = 0, cap;

	/*
	 * The replay is the head again, minus the upgrade fields: each line
	 * grows by at most two octets (a CR, the space after the colon)
	 * and is at least two long, so twice the head always fits. Measured
	 * here, before the parsing below cuts `h` into strings.
	 */
	cap = 2 * strlen(h) + 64;
	if ((pc->replay = malloc(cap)) == NULL) {
		reply(pc, 503, NULL, "out of memory");
		return;
	}
	/* request line */
	line = h;
	next = strchr(line, '\n');
	*next++ = '\0';
	line[strcspn(line, "\r")] = '\0';
	if ((sp1 = strchr(line, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || strchr(sp2 + 1, ' ')) {
		reply(pc, 400, NULL, "malformed request line");
		log_plain(pc, "-", "-", 400);
		return;
	}
	*sp1 = *sp2 = '\0';
	method = line;
	target = sp1 + 1;
	version = sp2 + 1;
	if (strcmp(version, "HTTP/1.1") != 0 && strcmp(version, "HTTP/1.0")) {
		reply(pc, 505, NULL, "HTTP/1.1 only");
		log_plain(pc, method, target, 505);
		return;
	}
	n = snprintf(pc->replay, cap, "%s %s %s\r\n", method, target, version);
	if (n < 0 || (size_t)n >= cap)
		goto toolong;
	rlen = (size_t)n;
	/* fields: keep all but the hop-by-hop ones for the replay */
	for (line = next; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (*line == '\0')
			break;
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    line[0] == ' ' || line[0] == '\t') {
			reply(pc, 400, NULL, "malformed header field");
			log_plain(pc, method, target, 400);
			return;
		}
		*colon = '\0';
		for (colon++; *colon == ' ' || *colon == '\t'; colon++)
			;
		if (strcasecmp(line, "upgrade") == 0)
			upgrade = colon;
		else if (strcasecmp(line, "connection") == 0)
			connection = colon;
		else if (strcasecmp(line, "content-length") == 0)
			body |= strspn(colon, "0") != strlen(colon);
		else if (strcasecmp(line, "transfer-encoding") == 0)
			body = 1;
		else {
			if (strcasecmp(line, "host") == 0) {
				host = colon;
				nhost++;
			}
			n = snprintf(pc->replay + rlen, cap - rlen,
			    "%s: %s\r\n", line, colon);
			if (n < 0 || (size_t)n >= cap - rlen)
				goto toolong;
			rlen += (size_t)n;
		}
	}
	if (cap - rlen < 3)
		goto toolong;
	memcpy(pc->replay + rlen, "\r\n", 3);
	rlen += 2;
	pc->replay_len = rlen;
	if (upgrade != NULL && has_token(upgrade, "TLS/1.", 1)) {
		if (connection == NULL || !has_token(connection, "upgrade", 0)) {
			/* an Upgrade field not named in Connection is not an
			 * upgrade request (RFC 9110 §7.8): a plain request */
			reply(pc, 426, "Upgrade: TLS/1.0, HTTP/1.1\r\n",
			    "to upgrade, send \"Upgrade: TLS/1.0\" with "
			    "\"Connection: Upgrade\" (RFC 2817 3.1)");
			log_plain(pc, method, target, 426);
			return;
		}
		if (body || extra > 0) {
			/* the body (or a pipelined request) would be lost
			 * under the handshake */
			reply(pc, 400, NULL, "an upgrade request must come "
			    "alone and without a body: send it after TLS");
			log_plain(pc, method, target, 400);
			return;
		}
		if (nhost != 1 && strcmp(version, "HTTP/1.1") == 0) {
			reply(pc, 400, NULL, "exactly one Host field needed");
			log_plain(pc, method, target, 400);
			return;
		}
		evbuffer_add_printf(bufferevent_get_output(pc->bev),
		    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: TLS/1.0, "
		    "HTTP/1.1\r\nConnection: Upgrade\r\n\r\n");
		bufferevent_disable(pc->bev, EV_READ);
		bufferevent_enable(pc->bev, EV_WRITE);
		pc->answered = pc->upgrading = 1;
		log_event("AP-HTTP-UPGRADE", "peer", pc->peer, "method", method,
		    "target", target, (char *)NULL);
		return;
	}
	if (upgrade != NULL) {
		/* an upgrade to something we do not speak here (h2c, ...) */
		reply(pc, 426, "Upgrade: TLS/1.0, HTTP/1.1\r\n", "this port "
		    "only upgrades to TLS (RFC 2817): use Upgrade: TLS/1.0");
		log_plain(pc, method, target, 426);
		return;
	}
	if (p->c->http_redirect[0] != '\0' && target[0] == '/') {
		snprintf(loc, sizeof(loc), "%s%s", p->c->http_redirect, target);
		snprintf(hdr, sizeof(hdr), "Location: %s\r\n", loc);
		/* 308 keeps the method and body (RFC 9110 §15.4.9) */
		reply(pc, strcmp(method, "GET") == 0 ||
		    strcmp(method, "HEAD") == 0 ? 301 : 308, hdr,
		    "use https");
		log_plain(pc, method, target, strcmp(method, "GET") == 0 ||
		    strcmp(method, "HEAD") == 0 ? 301 : 308);
		return;
	}
	(void)host;
	reply(pc, 426, "Upgrade: TLS/1.0, HTTP/1.1\r\n", "this AP serves "
	    "only over TLS: send \"Upgrade: TLS/1.0\" with \"Connection: "
	    "Upgrade\" (RFC 2817), or use https");
	log_plain(pc, method, target, 426);
	return;
toolong:
	/* cannot happen (see `cap`); refuse rather than replay a cut head */
	reply(pc, 431, NULL, "request head too large");
	log_plain(pc, method, target, 431);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct pconn *pc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr e;
	size_t len, headlen;
	char *h;

	e = evbuffer_search(in, "\n\r\n", 3, NULL);
	headlen = e.pos >= 0 ? (size_t)e.pos + 3 : 0;
	if (e.pos < 0) {
		e = evbuffer_search(in, "\n\n", 2, NULL);
		headlen = e.pos >= 0 ? (size_t)e.pos + 2 : 0;
	}
	len = evbuffer_get_length(in);
	if (headlen == 0 || headlen > PLAIN_HEAD_MAX) {
		if (len > PLAIN_HEAD_MAX || headlen > PLAIN_HEAD_MAX) {
			reply(pc, 431, NULL, "request head too large");
			log_plain(pc, "-", "-", 431);
		}
		return;
	}
	if ((h = malloc(headlen + 1)) == NULL) {
		pconn_free(pc, 1);
		return;
	}
	evbuffer_remove(in, h, headlen);
	h[headlen] = '\0';
	if (strlen(h) != headlen) {
		reply(pc, 400, NULL, "NUL in the request head");
		log_plain(pc, "-", "-", 400);
	} else
		handle(pc, h, evbuffer_get_length(in));
	free(h);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct pconn *pc = arg;
	struct ap_plain *p = pc->p;
	evutil_socket_t fd = pc->fd;
	char peer[HTTP_PEER_MAX];
	char *replay;
	size_t len;

	if (!pc->answered || evbuffer_get_length(bufferevent_get_output(bev)) >
	    0)
		return;
	if (!pc->upgrading) {
		pconn_free(pc, 1);
		return;
	}
	/* 101 sent: the socket is the TLS server's from now on */
	replay = pc->replay;
	len = pc->replay_len;
	pc->replay = NULL;
	snprintf(peer, sizeof(peer), "%s", pc->peer);
	pconn_free(pc, 0);
	ap_ua_upgrade(p->ua, fd, peer, replay, len);
	free(replay);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct pconn *pc = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("http: %s: timeout", pc->peer);
	pconn_free(pc, 1);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct ap_plain *p = arg;
	struct pconn *pc;
	struct timeval tv;

	(void)l;
	(void)salen;
	if ((pc = calloc(1, sizeof(*pc))) == NULL ||
	    (pc->bev = bufferevent_socket_new(p->base, fd, 0)) == NULL) {
		free(pc);
		evutil_closesocket(fd);
		return;
	}
	pc->p = p;
	pc->fd = fd;
	ap_peer_name(sa, pc->peer, sizeof(pc->peer));
	pc->next = p->conns;
	if (p->conns != NULL)
		p->conns->prev = pc;
	p->conns = pc;
	tv.tv_sec = (time_t)(p->c->ua_handshake_timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(p->c->ua_handshake_timeout_ms % 1000) * 1000;
	bufferevent_set_timeouts(pc->bev, &tv, &tv);
	bufferevent_setwatermark(pc->bev, EV_READ, 0, PLAIN_HEAD_MAX + 1);
	bufferevent_setcb(pc->bev, on_read, on_write, on_event, pc);
	/* EV_WRITE only once there is an answer: libevent calls the write
	 * callback of an idle, enabled socket */
	bufferevent_enable(pc->bev, EV_READ);
}

struct ap_plain *
ap_plain_new(struct event_base *base, const struct ap_conf *c,
    struct ap_ua *ua, char *err, size_t errlen)
{
	struct ap_plain *p;

	if (c->http_redirect[0] != '\0' &&
	    strncmp(c->http_redirect, "https://", 8) != 0) {
		snprintf(err, errlen, "http.redirect must be an https:// URL");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->base = base;
	p->c = c;
	p->ua = ua;
	if ((p->lis = ap_listen(base, &c->http_listen, on_accept, p, "http",
	    err, errlen)) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
ap_plain_free(struct ap_plain *p)
{
	if (p == NULL)
		return;
	evconnlistener_free(p->lis);
	while (p->conns != NULL)
		pconn_free(p->conns, 1);
	free(p);
}
