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
 * handshake timeout. The head ends at its first empty line (CRLF or bare
 * LF); a CR anywhere but before an LF is refused (400, RFC 9112 §2.2).
 * The parsing itself is in ap_plain_head.c.
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
#include "ap_plain_int.h"
#include "http.h"
#include "log.h"

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

/* Answer the head `h`, `extra` octets having arrived after it. */
static void
handle(struct pconn *pc, char *h, size_t extra)
{
	struct ap_plain_req r;

	if (ap_plain_parse(h, extra, pc->p->c->http_redirect, &r) == -1) {
		reply(pc, 503, NULL, "out of memory");
		return;
	}
	if (r.status != 101) {
		reply(pc, r.status, r.extra, r.text);
		log_plain(pc, r.method, r.target, r.status);
		return;
	}
	pc->replay = r.replay;
	pc->replay_len = r.replay_len;
	evbuffer_add_printf(bufferevent_get_output(pc->bev),
	    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: TLS/1.0, "
	    "HTTP/1.1\r\nConnection: Upgrade\r\n\r\n");
	bufferevent_disable(pc->bev, EV_READ);
	bufferevent_enable(pc->bev, EV_WRITE);
	pc->answered = pc->upgrading = 1;
	log_event("AP-HTTP-UPGRADE", "peer", pc->peer, "method", r.method,
	    "target", r.target, (char *)NULL);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct pconn *pc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len, headlen;
	const char *p;
	char *h;

	/* at most AP_PLAIN_HEAD_MAX + 1 octets (the read watermark) */
	len = evbuffer_get_length(in);
	if ((p = (const char *)evbuffer_pullup(in, -1)) == NULL)
		return;
	headlen = ap_plain_head_len(p, len);
	if (headlen == 0 || headlen > AP_PLAIN_HEAD_MAX) {
		if (len > AP_PLAIN_HEAD_MAX || headlen > AP_PLAIN_HEAD_MAX) {
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
	bufferevent_setwatermark(pc->bev, EV_READ, 0, AP_PLAIN_HEAD_MAX + 1);
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
