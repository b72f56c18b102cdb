/*
 * upstream.c — the AP's asynchronous HTTP client to one application server
 * (TS 24.109 cl. 7): HTTP/1.1 (RFC 9112) over a keep-alive pool, or h2c
 * with prior knowledge (RFC 9113 §3.3) through nghttp2, on libevent
 * bufferevents. See upstream.h for the contract.
 *
 * Objects. A request (struct upstream_req) is in exactly one place, told
 * by its state: the FIFO `queue` (waiting for a connection), a connection
 * (HTTP/1.1: `conn->req`, also while that connection is still being
 * opened; HTTP/2: the connection's `streams`), or the `done` list (outcome
 * known, callback due). A connection (struct uconn) lives on `conns` until
 * conn_close(), its one teardown path, moves it to `dead`.
 *
 * Nothing the application supplies runs under our own frames: outcomes
 * are put on `done` and the `kick` event delivers them from a fresh loop
 * callback, after it has freed the dead connections. So a callback may
 * call upstream_request() or upstream_cancel() freely, a connection is
 * never freed under its own bufferevent or nghttp2 callback (Redis's
 * rule), and upstream_request() never calls back (the header's promise).
 *
 * HTTP/1.1 responses are parsed incrementally from the bufferevent input
 * (h1_parse): the status line and fields line by line under head_max (all
 * interim 1xx heads of one response counted together), then the body by
 * Content-Length, chunked, or to EOF, under body_max.
 *
 * Streaming requests: the head and body pieces go to the caller from
 * inside the reading (h1_parse, the nghttp2 callbacks) — the one
 * exception to the rule above, so those callbacks may only pause or drop
 * their own request (stream_head(), stream_body()); the completion still
 * goes through `done`. A paused HTTP/1.1 request stops reading its
 * connection; a paused h2c stream keeps what arrives (at most its window,
 * H2_STREAM_WINDOW_MAX) in `rbody` and gives no window back until
 * resumed, while the connection's window is given back at once. A
 * resumed request goes on from its `wake` event; one complete but paused
 * with octets held waits on `held`.
 *
 * Request bodies in pieces (upstream_request_source): the pieces wait in
 * `bq` until the request has its connection; then HTTP/1.1 frames them
 * straight into the bufferevent's output (Content-Length or chunked),
 * whose write watermark (UPSTREAM_BODY_LOWAT) tells when the caller may
 * go on, and h2c hands `bq` to nghttp2 through a data provider that
 * defers while it is empty. The caller's drain callback runs from the
 * `dwake` event.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

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
#include <event2/util.h>

#include <nghttp2/nghttp2.h>

#include "buf.h"
#include "log.h"
#include "secret.h"
#include "upstream.h"
#include "upstream_int.h"

#define WHY_MAX		128	/* a reason given to the callback */
#define CHUNK_LINE_MAX	4096	/* chunk-size line with extensions */
#define CLEN_DIGITS_MAX	18	/* no overflow in uint64_t */
#define H2_OUT_LOWAT	65536	/* nghttp2 waits while more is queued */
#define H2_WINDOW_MIN	65535	/* the protocol's initial window */
#define H2_WINDOW_MAX	(1 << 20)
#define H2_STREAM_WINDOW_MAX	(128 * 1024) /* what a paused stream holds */
#define FLUSH_CHUNK	16384	/* held body octets per body() call */
#define PEER_MAX	(INET6_ADDRSTRLEN + 8)	/* "[v6]:port" */

TAILQ_HEAD(req_list, upstream_req);
TAILQ_HEAD(conn_list, uconn);

enum req_state {
	REQ_QUEUED,	/* on u->queue */
	REQ_ACTIVE,	/* on a connection (being opened, or sent) */
	REQ_DONE,	/* on u->done: outcome known, callback due */
	REQ_HELD,	/* on u->held: complete, streaming, paused with body
			 * octets still to give */
};

/*
 * Connection states; every change through conn_set_state().
 *
 *	CONNECTING -> IDLE <-> BUSY		HTTP/1.1
 *	CONNECTING -> BUSY			HTTP/1.1, request bound early
 *	CONNECTING -> H2 -> DRAINING		h2c (GOAWAY, idle)
 *	any -> CLOSED				conn_close()
 */
enum conn_state {
	CONN_CONNECTING,
	CONN_IDLE,
	CONN_BUSY,
	CONN_H2,
	CONN_DRAINING,	/* h2: no new streams; closes when they are done */
	CONN_CLOSED,	/* on u->dead, freed by `kick` */
};

static const char *const conn_state_names[] = {
	[CONN_CONNECTING] = "CONNECTING",
	[CONN_IDLE] = "IDLE",
	[CONN_BUSY] = "BUSY",
	[CONN_H2] = "H2",
	[CONN_DRAINING] = "DRAINING",
	[CONN_CLOSED] = "CLOSED",
};

/* Where the HTTP/1.1 parser is in the current response. */
enum h1_parse {
	P_HEAD,		/* status line and fields, interim heads included */
	P_BODY,		/* `remaining` Content-Length octets to come */
	P_BODY_EOF,	/* the body runs to the end of the connection */
	P_CHUNK_SIZE,
	P_CHUNK_DATA,	/* `remaining` octets of chunk data */
	P_CHUNK_END,	/* the CRLF after chunk data */
	P_TRAILER,	/* trailer fields up to the empty line: skipped */
};

struct upstream_req {
	TAILQ_ENTRY(upstream_req) entry;
	struct upstream		*u;
	struct uconn		*conn;	/* REQ_ACTIVE */
	enum req_state		 state;
	upstream_cb		 cb;
	void			*arg;
	struct event		*timer;	/* response timeout */
	uint64_t		 start_ms;
	uint64_t		 seq;	/* admission order */
	/* "method\0target\0host\0" then "name\0value\0" per field */
	struct buf		 fields;
	size_t			 nfields;
	const char		*method, *target, *host; /* into `fields` */
	uint8_t			*body;
	size_t			 len;
	size_t			 sent;	/* h2: body octets given to nghttp2 */
	int32_t			 stream_id;
	int			 idempotent;
	int			 head;	/* HEAD: no response body */
	int			 retried;	/* once only, on a fresh conn */
	int			 delivering;
	/* the response */
	int			 status;
	struct buf		 rhdrs;	/* "name\0value\0" per field */
	size_t			 nrhdrs;
	size_t			 hsize;	/* h2: RFC 9113 §6.5.2 count */
	struct buf		 rbody;
	int			 h2;
	enum upstream_err	 err;
	char			 why[WHY_MAX];
	size_t			 got;	/* body octets received */
	/* streaming (upstream_request_stream) */
	struct upstream_stream	 st;
	int			 streaming;
	int			 head_done;	/* st.head ran */
	int			 paused;
	int			 in_cb;		/* inside st.head or st.body */
	int			 cancelled;	/* upstream_cancel() in them */
	size_t			 given;	/* h2: octets of rbody given to body() */
	struct event		*wake;	/* resumed: go on from the loop */
	/* a request body in pieces (upstream_request_source) */
	int			 src;
	int64_t			 blen;	/* announced, -1 unknown */
	uint64_t		 bgot;	/* octets written by the caller */
	int			 bended;	/* upstream_body_end() */
	int			 drain_armed;
	struct evbuffer		*bq;	/* not yet on the connection */
	struct event		*dwake;	/* st.drain() from the loop */
};

struct uconn {
	TAILQ_ENTRY(uconn)	 entry;
	struct upstream		*u;
	uint64_t		 id;
	enum conn_state		 state;
	struct bufferevent	*bev;
	struct event		*timer;	/* connect or idle timeout */
	int			 established;
	int			 reused;	/* a response completed on it */
	/* HTTP/1.1 */
	struct upstream_req	*req;
	int			 got_octet;	/* for the current request */
	enum h1_parse		 ps;
	size_t			 head_len;	/* octets of head(s) so far */
	int			 got_status;
	int			 minor;		/* HTTP/1.<minor> */
	int			 has_clen, te_chunked, conn_close, keep_alive;
	uint64_t		 clen, remaining;
	enum upstream_err	 perr;
	char			 pwhy[WHY_MAX];
	/* h2c */
	nghttp2_session		*h2;
	struct req_list		 streams;
	size_t			 nstreams;
	int			 goaway;	/* received */
	int			 settings;	/* peer SETTINGS received */
	int			 close_flushed;	/* close once output is out */
};

struct upstream {
	struct event_base	*base;
	struct upstream_cfg	 cfg;	/* defaults filled in */
	char			 addr[INET6_ADDRSTRLEN];
	char			 peer[PEER_MAX];
	struct sockaddr_storage	 ss;
	int			 sslen;
	struct conn_list	 conns;
	struct conn_list	 dead;
	size_t			 nconns;
	struct uconn		*h2c;	/* h2: the connection taking streams */
	struct req_list		 queue;
	size_t			 nqueued;
	struct req_list		 done;
	struct req_list		 held;	/* REQ_HELD */
	struct event		*kick;	/* reap `dead`, deliver `done` */
	uint64_t		 next_id;
	uint64_t		 next_seq;
	int			 dispatching, dispatch_again;
	int			 freeing;
};

static void	dispatch(struct upstream *);
static void	conn_close(struct uconn *, enum upstream_err, const char *);
static void	h2_send(struct uconn *);
static void	h2_settle(struct uconn *);
static void	h2_drain(struct uconn *);

/* ---- small helpers ------------------------------------------------------- */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
ms_tv(unsigned ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

/* tchar of RFC 9110 §5.6.2 */
static int
is_tchar(unsigned char ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return 1;
	return ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static int
is_token(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Field-value octets (RFC 9110 §5.5): no controls but HTAB. */
static int
is_field_text(const char *s, size_t len)
{
	size_t i;
	unsigned char ch;

	for (i = 0; i < len; i++) {
		ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return 0;
	}
	return 1;
}

static int
has_crlfnul(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;	/* NUL ends the string */
}

static int
name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* Fields the module frames itself (HTTP/1.1 and HTTP/2), and the
 * connection-specific ones HTTP/2 forbids (RFC 9113 §8.2.2). */
static int
field_dropped(const char *name, int h2)
{
	static const char *const framing[] = { "host", "content-length",
	    "transfer-encoding" };
	static const char *const hop[] = { "connection", "keep-alive",
	    "proxy-connection", "upgrade", "te" };
	size_t i, len = strlen(name);

	for (i = 0; i < sizeof(framing) / sizeof(framing[0]); i++)
		if (name_is(name, len, framing[i]))
			return 1;
	if (h2)
		for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
			if (name_is(name, len, hop[i]))
				return 1;
	return 0;
}

/* ---- requests: outcome and delivery -------------------------------------- */

static void
kick(struct upstream *u)
{
	event_active(u->kick, EV_TIMEOUT, 1);
}

static void
req_free(struct upstream_req *r)
{
	if (r == NULL)
		return;
	if (r->timer != NULL)
		event_free(r->timer);
	if (r->wake != NULL)
		event_free(r->wake);
	if (r->dwake != NULL)
		event_free(r->dwake);
	if (r->bq != NULL)
		evbuffer_free(r->bq);
	buf_clear(&r->fields);
	buf_clear(&r->rhdrs);
	buf_clear(&r->rbody);
	/* fields and bodies may carry credentials: wiped like every buf */
	secret_wipe(r->body, r->len);
	free(r->body);
	free(r);
}

static void
queue_remove(struct upstream_req *r)
{
	TAILQ_REMOVE(&r->u->queue, r, entry);
	r->u->nqueued--;
}

/* Back to the queue, in its place by age: it was admitted before those
 * queued after it (several refused streams come back in any order). */
static void
requeue(struct upstream_req *r)
{
	struct upstream_req *q;

	r->conn = NULL;
	r->state = REQ_QUEUED;
	r->stream_id = 0;
	r->sent = 0;
	r->status = 0;
	r->nrhdrs = 0;
	r->hsize = 0;
	r->got = 0;
	r->given = 0;
	buf_reset(&r->rhdrs);
	buf_reset(&r->rbody);
	TAILQ_FOREACH(q, &r->u->queue, entry)
		if (q->seq > r->seq)
			break;
	if (q != NULL)
		TAILQ_INSERT_BEFORE(q, r, entry);
	else
		TAILQ_INSERT_TAIL(&r->u->queue, r, entry);
	r->u->nqueued++;
}

/*
 * The outcome of `r` is known: it goes to `done`, for `kick` to deliver.
 * The caller has taken it off its queue or connection.
 */
static void
finish(struct upstream_req *r, enum upstream_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
finish(struct upstream_req *r, enum upstream_err e, const char *fmt, ...)
{
	va_list ap;

	event_del(r->timer);
	r->conn = NULL;
	r->err = e;
	r->why[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
	}
	r->state = REQ_DONE;
	TAILQ_INSERT_TAIL(&r->u->done, r, entry);
	kick(r->u);
}

/* The head of `r` as the callbacks see it; the body is left empty. */
static void
resp_fill(struct upstream_req *r, struct upstream_resp *resp)
{
	static const uint8_t empty[1];
	const char *p, *end;

	memset(resp, 0, sizeof(*resp));
	resp->status = r->status;
	resp->h2 = r->h2;
	p = (const char *)r->rhdrs.data;
	end = r->nrhdrs > 0 ? p + r->rhdrs.len : p;
	while (p < end && resp->nheaders < UPSTREAM_HEADERS_MAX) {
		resp->names[resp->nheaders] = p;
		p += strlen(p) + 1;
		resp->values[resp->nheaders++] = p;
		p += strlen(p) + 1;
	}
	resp->body = empty;
}

/* The response timeout of a streaming request past its head: from the
 * last octet read, and not while the caller is paused. */
static void
stream_timer(struct upstream_req *r)
{
	struct timeval tv;

	if (r->paused) {
		event_del(r->timer);
		return;
	}
	ms_tv(r->u->cfg.response_timeout_ms, &tv);
	evtimer_add(r->timer, &tv);
}

/* Hand the head to a streaming request. Returns 0, or -1 when the caller
 * dropped the request (the caller of this frees it). */
static int
stream_head(struct upstream_req *r)
{
	struct upstream_resp resp;
	int rc;

	if (!r->streaming || r->head_done)
		return 0;
	r->head_done = 1;
	r->h2 = r->u->cfg.h2;
	resp_fill(r, &resp);
	r->in_cb = 1;
	rc = r->st.head(r->arg, &resp);
	r->in_cb = 0;
	if (rc == 0 && !r->cancelled) {
		stream_timer(r);
		return 0;
	}
	log_debug("upstream: %s %s: dropped after the head", r->method,
	    r->target);
	return -1;
}

/* Hand `n` body octets to a streaming request: 0, or -1 dropped. */
static int
stream_body(struct upstream_req *r, const uint8_t *p, size_t n)
{
	int rc;

	r->in_cb = 1;
	rc = r->st.body(r->arg, p, n);
	r->in_cb = 0;
	if (rc == 0 && !r->cancelled)
		return 0;
	log_debug("upstream: %s %s: dropped in the body", r->method,
	    r->target);
	return -1;
}

/* h2: give body() what is held while not paused; `*n` counts it.
 * Returns 0, or -1 dropped. */
static int
stream_flush(struct upstream_req *r, size_t *n)
{
	size_t k;

	while ((!r->paused || r->u->freeing) && r->given < r->rbody.len) {
		k = r->rbody.len - r->given;
		if (k > FLUSH_CHUNK)
			k = FLUSH_CHUNK;
		if (stream_body(r, r->rbody.data + r->given, k) == -1)
			return -1;
		r->given += k;
		*n += k;
	}
	if (r->given == r->rbody.len) {
		buf_reset(&r->rbody);
		r->given = 0;
	}
	return 0;
}

/* Run the callback of `r`. Returns 1 when done (free it), 0 when the
 * request is held: streaming, paused, body octets left (h2). */
static int
deliver(struct upstream_req *r)
{
	struct upstream_resp resp;
	size_t n = 0;

	if (r->err != UPSTREAM_OK) {
		r->delivering = 1;
		log_debug("upstream: %s %s: %s (%llu ms)", r->method, r->target,
		    r->why, (unsigned long long)(now_ms() - r->start_ms));
		r->cb(r->arg, r->err, NULL, r->why);
		return 1;
	}
	if (r->streaming) {
		if (stream_head(r) == -1 || stream_flush(r, &n) == -1)
			return 1;	/* dropped: no callback */
		if (r->given < r->rbody.len) {
			r->state = REQ_HELD;
			TAILQ_INSERT_TAIL(&r->u->held, r, entry);
			return 0;
		}
	}
	r->delivering = 1;
	resp_fill(r, &resp);
	if (!r->streaming) {
		/* room for the NUL was reserved: body_max + 1 */
		if (buf_cstr(&r->rbody) != NULL)
			resp.body = (const uint8_t *)r->rbody.data;
		resp.body_len = r->rbody.len;
	}
	log_debug("upstream: %s %s -> %d, %zu octets%s%s (%llu ms)",
	    r->method, r->target, r->status, r->got, r->streaming ?
	    " streamed" : "", r->h2 ? ", HTTP/2" : "",
	    (unsigned long long)(now_ms() - r->start_ms));
	r->cb(r->arg, UPSTREAM_OK, &resp, NULL);
	return 1;
}

static void
conn_free(struct uconn *c)
{
	if (c->h2 != NULL)
		nghttp2_session_del(c->h2);
	if (c->timer != NULL)
		event_free(c->timer);
	free(c);
}

/* Free the dead connections, then run the callbacks due, oldest first. */
static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *u = arg;
	struct upstream_req *r;
	struct uconn *c;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&u->dead)) != NULL) {
		TAILQ_REMOVE(&u->dead, c, entry);
		conn_free(c);
	}
	while ((r = TAILQ_FIRST(&u->done)) != NULL) {
		TAILQ_REMOVE(&u->done, r, entry);
		if (deliver(r))
			req_free(r);
	}
}

/* ---- connections --------------------------------------------------------- */

static void
conn_set_state(struct uconn *c, enum conn_state st)
{
	if (c->state == st)
		return;
	log_debug("upstream: %s#%llu: %s -> %s", c->u->peer,
	    (unsigned long long)c->id, conn_state_names[c->state],
	    conn_state_names[st]);
	c->state = st;
}

static void
conn_timer_set(struct uconn *c, unsigned ms)
{
	struct timeval tv;

	ms_tv(ms, &tv);
	evtimer_add(c->timer, &tv);
}

/* Is there a connection other than `c` that got through? */
static int
other_established(struct upstream *u, struct uconn *c)
{
	struct uconn *o;

	TAILQ_FOREACH(o, &u->conns, entry)
		if (o != c && o->established)
			return 1;
	return 0;
}

/* Fail every queued request with `e`. */
static void
fail_queue(struct upstream *u, enum upstream_err e, const char *why)
{
	struct upstream_req *r;

	while ((r = TAILQ_FIRST(&u->queue)) != NULL) {
		queue_remove(r);
		finish(r, e, "%s", why);
	}
}

/*
 * The one teardown path. Requests still on the connection get `e` and
 * `why` (a caller that wants otherwise — retry, cancel — takes them off
 * first). The socket closes now; the struct (and its nghttp2 session,
 * whose callbacks may be on the stack) is freed by `kick`.
 */
static void
conn_close(struct uconn *c, enum upstream_err e, const char *why)
{
	struct upstream *u = c->u;
	struct upstream_req *r;

	if (c->state == CONN_CLOSED)
		return;
	log_debug("upstream: %s#%llu: closed: %s", u->peer,
	    (unsigned long long)c->id, why);
	if (e == UPSTREAM_OK)
		e = UPSTREAM_E_PROTOCOL;	/* nothing should be left */
	if ((r = c->req) != NULL) {
		c->req = NULL;
		finish(r, e, "%s", why);
	}
	while ((r = TAILQ_FIRST(&c->streams)) != NULL) {
		TAILQ_REMOVE(&c->streams, r, entry);
		c->nstreams--;
		finish(r, e, "%s", why);
	}
	if (u->h2c == c)
		u->h2c = NULL;
	conn_set_state(c, CONN_CLOSED);
	event_del(c->timer);
	bufferevent_free(c->bev);
	c->bev = NULL;
	TAILQ_REMOVE(&u->conns, c, entry);
	u->nconns--;
	TAILQ_INSERT_TAIL(&u->dead, c, entry);
	kick(u);
	dispatch(u);
}

static void	h1_read_cb(struct bufferevent *, void *);
static void	h1_write_cb(struct bufferevent *, void *);
static void	h1_event_cb(struct bufferevent *, short, void *);
static void	h2_read_cb(struct bufferevent *, void *);
static void	h2_write_cb(struct bufferevent *, void *);
static void	h2_event_cb(struct bufferevent *, short, void *);
static void	conn_timer_cb(evutil_socket_t, short, void *);

/*
 * Open a connection (HTTP/1.1: for `r`, which is written at once and
 * leaves when the connection is up). Returns it, or NULL with errno.
 */
static struct uconn *
conn_open(struct upstream *u)
{
	struct uconn *c;
	int one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->u = u;
	c->id = ++u->next_id;
	c->state = CONN_CONNECTING;
	TAILQ_INIT(&c->streams);
	c->timer = evtimer_new(u->base, conn_timer_cb, c);
	c->bev = bufferevent_socket_new(u->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->timer == NULL || c->bev == NULL)
		goto fail;
	if (u->cfg.h2)
		bufferevent_setcb(c->bev, h2_read_cb, h2_write_cb, h2_event_cb,
		    c);
	else {
		bufferevent_setcb(c->bev, h1_read_cb, h1_write_cb,
		    h1_event_cb, c);
		/* a request body in pieces: more when this is reached */
		bufferevent_setwatermark(c->bev, EV_WRITE, UPSTREAM_BODY_LOWAT,
		    0);
	}
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&u->ss,
	    u->sslen) != 0)
		goto fail;
	/* requests are written whole: no reason to wait for more */
	(void)setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP, TCP_NODELAY,
	    &one, sizeof(one));
	bufferevent_enable(c->bev, EV_READ);
	conn_timer_set(c, u->cfg.connect_timeout_ms);
	TAILQ_INSERT_TAIL(&u->conns, c, entry);
	u->nconns++;
	log_debug("upstream: %s#%llu: connecting", u->peer,
	    (unsigned long long)c->id);
	return c;
fail:
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (c->timer != NULL)
		event_free(c->timer);
	free(c);
	if (errno == 0)
		errno = ENOMEM;
	return NULL;
}

/* The connection could not be opened: connect error or timeout. */
static void
conn_connect_failed(struct uconn *c, const char *why)
{
	struct upstream *u = c->u;
	struct upstream_req *r;

	/* HTTP/2: every queued request waits for this connection; HTTP/1.1:
	 * the bound request, and the queue when no other connection got
	 * through (the AS is not there: do not try it once per request) */
	if ((r = c->req) != NULL) {
		c->req = NULL;
		finish(r, UPSTREAM_E_CONNECT, "%s", why);
	}
	if (u->cfg.h2 || !other_established(u, c))
		fail_queue(u, UPSTREAM_E_CONNECT, why);
	conn_close(c, UPSTREAM_E_CONNECT, why);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct uconn *c = arg;
	char why[WHY_MAX];

	(void)fd;
	(void)what;
	switch (c->state) {
	case CONN_CONNECTING:
		snprintf(why, sizeof(why), "connect timeout after %u ms",
		    c->u->cfg.connect_timeout_ms);
		conn_connect_failed(c, why);
		break;
	case CONN_IDLE:
		conn_close(c, UPSTREAM_E_PROTOCOL, "idle");
		break;
	case CONN_H2:
		if (c->nstreams > 0)
			break;
		/* RFC 9113 §6.8: say goodbye, then close once it is out */
		h2_drain(c);
		nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE, 0,
		    NGHTTP2_NO_ERROR, NULL, 0);
		c->close_flushed = 1;
		h2_send(c);
		if (c->state != CONN_CLOSED)
			h2_settle(c);
		break;
	default:
		break;
	}
}

/* ---- HTTP/1.1 ------------------------------------------------------------ */

static int
h1_fail(struct uconn *c, enum upstream_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
h1_fail(struct uconn *c, enum upstream_err e, const char *fmt, ...)
{
	va_list ap;

	c->perr = e;
	va_start(ap, fmt);
	vsnprintf(c->pwhy, sizeof(c->pwhy), fmt, ap);
	va_end(ap);
	return -1;
}

/* The streaming caller dropped the request: h1_parse() returns -1 with
 * perr UPSTREAM_OK, and the request is freed, the connection closed. */
static int
h1_drop(struct uconn *c)
{
	c->perr = UPSTREAM_OK;
	snprintf(c->pwhy, sizeof(c->pwhy), "response dropped by the caller");
	return -1;
}

/*
 * A request body in pieces on HTTP/1.1: what `r` holds in `bq` onto the
 * connection, framed (RFC 9112 §7.1 when chunked), and the last chunk
 * once ended. 0, or -1 (memory).
 */
static int
h1_src_flush(struct uconn *c, struct upstream_req *r)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t n = evbuffer_get_length(r->bq);
	int rc = 0;

	if (n > 0 && r->blen < 0) {
		rc = evbuffer_add_printf(out, "%zx\r\n", n);
		if (rc >= 0)
			rc = evbuffer_add_buffer(out, r->bq);
		if (rc >= 0)
			rc = evbuffer_add(out, "\r\n", 2);
	} else if (n > 0)
		rc = evbuffer_add_buffer(out, r->bq);
	if (rc >= 0 && r->bended && r->blen < 0 && r->sent == 0) {
		rc = evbuffer_add(out, "0\r\n\r\n", 5);
		r->sent = 1;	/* the last chunk is out */
	}
	return rc < 0 ? -1 : 0;
}

/* Write `r` on `c` (which may still be connecting): RFC 9112 §3, §6. */
static int
h1_write(struct uconn *c, struct upstream_req *r)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	const char *p = r->host + strlen(r->host) + 1;
	const char *name, *value;
	size_t i;
	int rc;

	rc = evbuffer_add_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n",
	    r->method, r->target, r->host);
	for (i = 0; rc >= 0 && i < r->nfields; i++) {
		name = p;
		value = p + strlen(p) + 1;
		p = value + strlen(value) + 1;
		if (!field_dropped(name, 0))
			rc = evbuffer_add_printf(out, "%s: %s\r\n", name,
			    value);
	}
	if (r->src) {
		/* RFC 9112 §6.1: chunked when the length is not known */
		if (rc >= 0 && r->blen >= 0)
			rc = evbuffer_add_printf(out, "Content-Length: %lld\r\n"
			    "\r\n", (long long)r->blen);
		else if (rc >= 0)
			rc = evbuffer_add(out, "Transfer-Encoding: chunked\r\n"
			    "\r\n", 30);
		if (rc >= 0)
			rc = h1_src_flush(c, r);
		return rc < 0 ? -1 : 0;
	}
	if (rc >= 0 && (r->len > 0 || strcmp(r->method, "PUT") == 0 ||
	    strcmp(r->method, "POST") == 0))
		rc = evbuffer_add_printf(out, "Content-Length: %zu\r\n",
		    r->len);
	if (rc >= 0)
		rc = evbuffer_add(out, "\r\n", 2);
	if (rc >= 0 && r->len > 0)
		rc = evbuffer_add(out, r->body, r->len);
	return rc < 0 ? -1 : 0;
}

/* Put `r` on `c`: written now, answered in h1_parse(). */
static void
h1_start(struct uconn *c, struct upstream_req *r)
{
	r->state = REQ_ACTIVE;
	r->conn = c;
	c->req = r;
	c->got_octet = 0;
	c->ps = P_HEAD;
	c->head_len = 0;
	c->got_status = 0;
	c->has_clen = c->te_chunked = c->conn_close = c->keep_alive = 0;
	c->clen = c->remaining = 0;
	c->perr = UPSTREAM_E_PROTOCOL;
	if (c->state == CONN_IDLE) {
		event_del(c->timer);
		conn_set_state(c, CONN_BUSY);
	}
	if (h1_write(c, r) == -1) {
		c->req = NULL;
		finish(r, UPSTREAM_E_PROTOCOL, "out of memory");
		conn_close(c, UPSTREAM_E_PROTOCOL, "out of memory");
	}
}

/* "HTTP/1.x NNN reason" (RFC 9112 §4); the reason may be empty. */
static int
h1_status_line(struct uconn *c, const char *line, size_t len)
{
	const char *p = line;

	if (len < 12 || strncmp(p, "HTTP/1.", 7) != 0 ||
	    p[7] < '0' || p[7] > '9' || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || (len > 12 && p[12] != ' ') ||
	    !is_field_text(line, len))
		return h1_fail(c, UPSTREAM_E_PROTOCOL,
		    "malformed status line");
	c->minor = p[7] - '0';
	c->req->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 +
	    (p[11] - '0');
	c->got_status = 1;
	return 0;
}

/* A Content-Length value: digits, or a list of equal values (RFC 9110
 * §8.6); all fields must agree. */
static int
h1_clen(struct uconn *c, const char *v, size_t len)
{
	size_t i = 0, start, ndig;
	uint64_t n;

	for (;;) {
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		start = i;
		n = 0;
		while (i < len && v[i] >= '0' && v[i] <= '9')
			n = n * 10 + (uint64_t)(v[i++] - '0');
		ndig = i - start;
		if (ndig == 0 || ndig > CLEN_DIGITS_MAX)
			return h1_fail(c, UPSTREAM_E_PROTOCOL,
			    "bad Content-Length");
		if (c->has_clen && c->clen != n)
			return h1_fail(c, UPSTREAM_E_PROTOCOL,
			    "conflicting Content-Length values");
		c->has_clen = 1;
		c->clen = n;
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i == len)
			return 0;
		if (v[i++] != ',')
			return h1_fail(c, UPSTREAM_E_PROTOCOL,
			    "bad Content-Length");
	}
}

/* Does the comma-separated list `v` hold token `tok`? */
static int
list_has(const char *v, size_t len, const char *tok)
{
	size_t i = 0, s, e;

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && name_is(v + s, e - s, tok))
			return 1;
	}
	return 0;
}

/* "name: value" (RFC 9112 §5): no space before the colon, no obs-fold. */
static int
h1_field_line(struct uconn *c, const char *line, size_t len)
{
	struct upstream_req *r = c->req;
	const char *colon, *v;
	size_t nlen, vlen;

	if (line[0] == ' ' || line[0] == '\t')
		return h1_fail(c, UPSTREAM_E_PROTOCOL,
		    "obsolete line folding");
	if ((colon = memchr(line, ':', len)) == NULL ||
	    !is_token(line, (size_t)(colon - line)))
		return h1_fail(c, UPSTREAM_E_PROTOCOL, "malformed field line");
	nlen = (size_t)(colon - line);
	v = colon + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (!is_field_text(v, vlen))
		return h1_fail(c, UPSTREAM_E_PROTOCOL,
		    "control character in a field value");
	if (r->status < 200)
		return 0;	/* interim fields: dropped */
	if (name_is(line, nlen, "content-length")) {
		if (h1_clen(c, v, vlen) == -1)
			return -1;
	} else if (name_is(line, nlen, "transfer-encoding")) {
		/* only a lone "chunked" can be decoded here */
		if (c->te_chunked || !name_is(v, vlen, "chunked"))
			return h1_fail(c, UPSTREAM_E_PROTOCOL,
			    "unsupported transfer coding");
		c->te_chunked = 1;
	} else if (name_is(line, nlen, "connection")) {
		if (list_has(v, vlen, "close"))
			c->conn_close = 1;
		if (list_has(v, vlen, "keep-alive"))
			c->keep_alive = 1;
	}
	if (r->nrhdrs >= UPSTREAM_HEADERS_MAX)
		return h1_fail(c, UPSTREAM_E_PROTOCOL,
		    "more than %d header fields", UPSTREAM_HEADERS_MAX);
	if (buf_append(&r->rhdrs, line, nlen) == -1 ||
	    buf_append(&r->rhdrs, "", 1) == -1 ||
	    buf_append(&r->rhdrs, v, vlen) == -1 ||
	    buf_append(&r->rhdrs, "", 1) == -1)
		return h1_fail(c, UPSTREAM_E_PROTOCOL, "out of memory");
	r->nrhdrs++;
	return 0;
}

/* The empty line: an interim head ends (wait for the next), or the final
 * one and with it the body's framing (RFC 9112 §6.3). Returns 1 when the
 * response has no body. */
static int
h1_head_frame(struct uconn *c)
{
	struct upstream_req *r = c->req;
	size_t max = c->u->cfg.body_max;

	if (r->status == 101)
		return h1_fail(c, UPSTREAM_E_PROTOCOL,
		    "101 Switching Protocols not asked for");
	if (r->status < 200) {
		c->got_status = 0;
		r->status = 0;
		return 0;
	}
	/* HTTP/1.0 keeps the connection only when asked to (§9.3) */
	if (c->minor == 0 && !c->keep_alive)
		c->conn_close = 1;
	if (r->head || r->status == 204 || r->status == 304)
		return 1;
	if (c->te_chunked && (c->has_clen || c->minor == 0))
		return h1_fail(c, UPSTREAM_E_PROTOCOL, c->has_clen ?
		    "Transfer-Encoding with Content-Length" :
		    "Transfer-Encoding in HTTP/1.0");
	if (c->te_chunked) {
		c->ps = P_CHUNK_SIZE;
		return 0;
	}
	if (c->has_clen) {
		if (c->clen > max)
			return h1_fail(c, UPSTREAM_E_TOO_BIG,
			    "Content-Length %llu over body_max %zu",
			    (unsigned long long)c->clen, max);
		if (c->clen == 0)
			return 1;
		c->remaining = c->clen;
		c->ps = P_BODY;
		return 0;
	}
	c->ps = P_BODY_EOF;
	c->conn_close = 1;
	return 0;
}

/* h1_head_frame(), then a final head goes to a streaming caller. */
static int
h1_head_done(struct uconn *c)
{
	int rc;

	if ((rc = h1_head_frame(c)) == -1 || !c->got_status)
		return rc;	/* failed, or an interim head */
	if (stream_head(c->req) == -1)
		return h1_drop(c);
	return rc;
}

/* Move up to `want` octets of input into the body, or (streaming) to
 * the caller; a paused caller takes nothing. Returns 1 when octets
 * moved, 0 when none, -1 on failure. */
static int
h1_body(struct uconn *c, struct evbuffer *in, size_t want)
{
	struct upstream_req *r = c->req;
	struct evbuffer_iovec v;
	size_t n = evbuffer_get_length(in);

	if (n > want)
		n = want;
	if (n > c->u->cfg.body_max - r->got)
		return h1_fail(c, UPSTREAM_E_TOO_BIG, "body over body_max %zu",
		    c->u->cfg.body_max);
	if (n == 0)
		return 0;
	if (r->streaming) {
		if (r->paused)
			return 0;
		/* the first segment as it lies: no copy */
		if (evbuffer_peek(in, (ssize_t)n, NULL, &v, 1) < 1)
			return h1_fail(c, UPSTREAM_E_PROTOCOL, "input");
		if (v.iov_len < n)
			n = v.iov_len;
		if (stream_body(r, v.iov_base, n) == -1)
			return h1_drop(c);
		stream_timer(r);
	} else if (buf_append(&r->rbody, evbuffer_pullup(in, (ssize_t)n),
	    n) == -1)
		return h1_fail(c, UPSTREAM_E_PROTOCOL, "out of memory");
	evbuffer_drain(in, n);
	r->got += n;
	return 1;
}

/* "1a;ext=v" (RFC 9112 §7.1); at most 16 hex digits. */
static int
h1_chunk_size(struct uconn *c, const char *line, size_t len, uint64_t *size)
{
	size_t i = 0;
	uint64_t n = 0;
	int d;

	for (; i < len && i < 17; i++) {
		if (line[i] >= '0' && line[i] <= '9')
			d = line[i] - '0';
		else if ((line[i] | 0x20) >= 'a' && (line[i] | 0x20) <= 'f')
			d = (line[i] | 0x20) - 'a' + 10;
		else
			break;
		n = n * 16 + (uint64_t)d;
	}
	if (i == 0 || i > 16)
		return h1_fail(c, UPSTREAM_E_PROTOCOL, "bad chunk size");
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if ((i < len && line[i] != ';') || !is_field_text(line, len))
		return h1_fail(c, UPSTREAM_E_PROTOCOL, "bad chunk size");
	*size = n;
	return 0;
}

/*
 * Parse what has arrived for c->req. Returns 1 when the response is
 * complete, 0 when more input is needed, -1 on failure (c->perr, c->pwhy).
 */
static int
h1_parse(struct uconn *c, struct evbuffer *in)
{
	const struct upstream_cfg *cfg = &c->u->cfg;
	struct evbuffer_ptr eol;
	size_t eol_len, len, cap;
	const char *line;
	uint64_t size = 0;
	int rc;

	for (;;) {
		switch (c->ps) {
		case P_BODY:
		case P_CHUNK_DATA:
			if ((rc = h1_body(c, in, c->remaining)) == -1)
				return -1;
			if (rc == 0)
				return 0;
			c->remaining = c->clen - c->req->got;
			if (c->ps == P_BODY && c->remaining == 0)
				return 1;
			if (c->ps == P_CHUNK_DATA && c->remaining == 0)
				c->ps = P_CHUNK_END;
			continue;
		case P_BODY_EOF:
			if ((rc = h1_body(c, in, SIZE_MAX)) <= 0)
				return rc;
			continue;
		default:
			break;
		}
		/* the line-based states */
		eol = evbuffer_search_eol(in, NULL, &eol_len,
		    EVBUFFER_EOL_CRLF);
		cap = c->ps == P_HEAD || c->ps == P_TRAILER ?
		    cfg->head_max - c->head_len : CHUNK_LINE_MAX;
		if (eol.pos < 0) {
			if (evbuffer_get_length(in) >= cap || (c->ps ==
			    P_CHUNK_END && evbuffer_get_length(in) >= 2))
				goto too_long;
			return 0;
		}
		len = (size_t)eol.pos;
		if (len + eol_len > cap)
			goto too_long;
		line = (const char *)evbuffer_pullup(in,
		    (ssize_t)(len + eol_len));
		if (c->ps == P_HEAD || c->ps == P_TRAILER)
			c->head_len += len + eol_len;
		switch (c->ps) {
		case P_HEAD:
			if (!c->got_status)
				rc = h1_status_line(c, line, len);
			else if (len == 0)
				rc = h1_head_done(c);
			else
				rc = h1_field_line(c, line, len);
			break;
		case P_CHUNK_SIZE:
			if ((rc = h1_chunk_size(c, line, len, &size)) == -1)
				break;
			if (size > cfg->body_max - c->req->got) {
				rc = h1_fail(c, UPSTREAM_E_TOO_BIG,
				    "chunked body over body_max %zu",
				    cfg->body_max);
				break;
			}
			if (size == 0) {
				/* trailers share the head's budget anew */
				c->head_len = 0;
				c->ps = P_TRAILER;
			} else {
				c->clen = c->req->got + size;
				c->remaining = size;
				c->ps = P_CHUNK_DATA;
			}
			break;
		case P_CHUNK_END:
			rc = len == 0 ? 0 : h1_fail(c, UPSTREAM_E_PROTOCOL,
			    "chunk data not followed by CRLF");
			c->ps = P_CHUNK_SIZE;
			break;
		case P_TRAILER:
			rc = len == 0 ? 1 : 0;	/* fields skipped */
			break;
		default:
			rc = h1_fail(c, UPSTREAM_E_PROTOCOL, "parser state");
			break;
		}
		evbuffer_drain(in, len + eol_len);
		if (rc != 0)
			return rc;
	}
too_long:
	if (c->ps == P_HEAD)
		return h1_fail(c, UPSTREAM_E_PROTOCOL,
		    "response head over head_max %zu", cfg->head_max);
	if (c->ps == P_TRAILER)
		return h1_fail(c, UPSTREAM_E_PROTOCOL,
		    "trailer over head_max %zu", cfg->head_max);
	return h1_fail(c, UPSTREAM_E_PROTOCOL, c->ps == P_CHUNK_END ?
	    "chunk data not followed by CRLF" : "chunk-size line too long");
}

/* The connection has nothing to do: take the queue's head or wait. */
static void
h1_idle(struct uconn *c)
{
	struct upstream *u = c->u;

	conn_set_state(c, CONN_IDLE);
	/* a streaming caller may have paused at the last octet */
	bufferevent_enable(c->bev, EV_READ);
	/* most recently used first: the others may time out */
	TAILQ_REMOVE(&u->conns, c, entry);
	TAILQ_INSERT_HEAD(&u->conns, c, entry);
	conn_timer_set(c, u->cfg.idle_timeout_ms);
	dispatch(u);
}

static void
h1_read_cb(struct bufferevent *bev, void *arg)
{
	struct uconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct upstream_req *r;
	int rc;

	if (evbuffer_get_length(in) == 0)
		return;
	if ((r = c->req) == NULL) {
		conn_close(c, UPSTREAM_E_PROTOCOL, "data while idle");
		return;
	}
	c->got_octet = 1;
	if ((rc = h1_parse(c, in)) == 0) {
		/* paused: TCP holds the AS back until upstream_pause(r, 0) */
		if (r->streaming && r->paused)
			bufferevent_disable(bev, EV_READ);
		return;
	}
	c->req = NULL;
	if (rc == -1 && c->perr == UPSTREAM_OK) {
		req_free(r);
		conn_close(c, UPSTREAM_E_PROTOCOL, c->pwhy);
		return;
	}
	if (rc == -1) {
		log_debug("upstream: %s#%llu: %s", c->u->peer,
		    (unsigned long long)c->id, c->pwhy);
		finish(r, c->perr, "%s", c->pwhy);
		conn_close(c, c->perr, c->pwhy);
		return;
	}
	r->h2 = 0;
	finish(r, UPSTREAM_OK, NULL);
	c->reused = 1;
	/* octets after the response are not ours to guess about */
	if (c->conn_close || evbuffer_get_length(in) > 0) {
		conn_close(c, UPSTREAM_E_PROTOCOL, c->conn_close ?
		    "not kept alive" : "data after the response");
		return;
	}
	/* answered before our body was all written: its framing is lost */
	if (r->src && (!r->bended || evbuffer_get_length(r->bq) > 0 ||
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0)) {
		conn_close(c, UPSTREAM_E_PROTOCOL,
		    "answered before the request body was sent");
		return;
	}
	h1_idle(c);
}

/* Output down to UPSTREAM_BODY_LOWAT: a body source may go on. */
static void
h1_write_cb(struct bufferevent *bev, void *arg)
{
	struct uconn *c = arg;
	struct upstream_req *r = c->req;

	(void)bev;
	if (r != NULL && r->src && r->drain_armed) {
		r->drain_armed = 0;
		event_active(r->dwake, 0, 0);
	}
}

static void
h1_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct uconn *c = arg;
	struct upstream_req *r = c->req;
	char why[WHY_MAX];
	int err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		event_del(c->timer);
		c->established = 1;
		if (r != NULL)
			conn_set_state(c, CONN_BUSY);
		else
			h1_idle(c);
		return;
	}
	if (c->state == CONN_CONNECTING) {
		snprintf(why, sizeof(why), "connect: %s",
		    (what & BEV_EVENT_ERROR) && err != 0 ? strerror(err) :
		    "connection closed");
		conn_connect_failed(c, why);
		return;
	}
	if (what & BEV_EVENT_ERROR)
		snprintf(why, sizeof(why), "connection error: %s",
		    strerror(err));
	else
		snprintf(why, sizeof(why), "connection closed by the AS");
	if (r == NULL) {
		conn_close(c, UPSTREAM_E_PROTOCOL, why);
		return;
	}
	c->req = NULL;
	if (c->ps == P_BODY_EOF && (what & BEV_EVENT_EOF)) {
		r->h2 = 0;
		finish(r, UPSTREAM_OK, NULL);
		conn_close(c, UPSTREAM_E_PROTOCOL, "response read to EOF");
		return;
	}
	/* the AS may have closed an idle connection as we wrote on it:
	 * not a word of an answer, so an idempotent request is safe to
	 * send again (RFC 9112 §9.3.1) — once, on a fresh connection */
	if (!c->got_octet && c->reused && r->idempotent && !r->retried) {
		log_debug("upstream: %s#%llu: %s: retrying %s %s", c->u->peer,
		    (unsigned long long)c->id, why, r->method, r->target);
		r->retried = 1;
		requeue(r);
		conn_close(c, UPSTREAM_E_PROTOCOL, why);
		return;
	}
	finish(r, UPSTREAM_E_PROTOCOL, "%s%s", why, c->got_octet ?
	    " in the response" : " before a response");
	conn_close(c, UPSTREAM_E_PROTOCOL, why);
}

/* Give queued requests to idle connections, or open new ones. */
static void
h1_dispatch(struct upstream *u)
{
	struct upstream_req *r;
	struct uconn *c, *idle;

	while ((r = TAILQ_FIRST(&u->queue)) != NULL) {
		idle = NULL;
		TAILQ_FOREACH(c, &u->conns, entry)
			if (c->state == CONN_IDLE) {
				idle = c;
				break;
			}
		if (idle != NULL && !r->retried) {
			queue_remove(r);
			h1_start(idle, r);
			continue;
		}
		/* a retry wants a fresh connection: make room for one */
		if (u->nconns >= u->cfg.max_conns && idle != NULL) {
			conn_close(idle, UPSTREAM_E_PROTOCOL,
			    "room for a retry");
			continue;
		}
		if (u->nconns >= u->cfg.max_conns)
			break;
		queue_remove(r);
		if ((c = conn_open(u)) == NULL) {
			finish(r, UPSTREAM_E_CONNECT, "connect: %s",
			    strerror(errno));
			continue;
		}
		h1_start(c, r);
	}
}

/* ---- h2c ----------------------------------------------------------------- */

static struct upstream_req *
h2_find(struct uconn *c, int32_t id)
{
	struct upstream_req *r;

	TAILQ_FOREACH(r, &c->streams, entry)
		if (r->stream_id == id)
			return r;
	return NULL;
}

/* Take `r` off its stream. nghttp2 may still hold the stream (our body
 * being sent, RST_STREAM not yet out): h2_body_cb() then finds no
 * request and sends no more. */
static void
h2_detach(struct uconn *c, struct upstream_req *r)
{
	TAILQ_REMOVE(&c->streams, r, entry);
	c->nstreams--;
	(void)nghttp2_session_set_stream_user_data(c->h2, r->stream_id, NULL);
}

/* End a stream we no longer want: RST_STREAM(CANCEL) (RFC 9113 §8.7). */
static void
h2_fail_stream(struct uconn *c, struct upstream_req *r, enum upstream_err e,
    const char *why)
{
	h2_detach(c, r);
	nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, r->stream_id,
	    NGHTTP2_CANCEL);
	finish(r, e, "%s", why);
}

/* A streaming caller dropped `r`: the stream is reset, `r` freed. */
static void
h2_drop(struct uconn *c, struct upstream_req *r)
{
	h2_detach(c, r);
	nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, r->stream_id,
	    NGHTTP2_CANCEL);
	req_free(r);
}

/* No new streams on `c`: the next request opens another connection. */
static void
h2_drain(struct uconn *c)
{
	if (c->u->h2c == c)
		c->u->h2c = NULL;
	if (c->state == CONN_H2)
		conn_set_state(c, CONN_DRAINING);
}

static ssize_t
h2_send_cb(nghttp2_session *s, const uint8_t *data, size_t len, int flags,
    void *arg)
{
	struct uconn *c = arg;

	(void)s;
	(void)flags;
	if (c->bev == NULL)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >=
	    H2_OUT_LOWAT)
		return NGHTTP2_ERR_WOULDBLOCK;
	if (bufferevent_write(c->bev, data, len) != 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	return (ssize_t)len;
}

static int
h2_begin_headers_cb(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
	struct upstream_req *r;

	(void)s;
	if (f->hd.type != NGHTTP2_HEADERS ||
	    f->headers.cat != NGHTTP2_HCAT_RESPONSE ||
	    (r = h2_find(arg, f->hd.stream_id)) == NULL)
		return 0;
	/* a final head after interim (1xx) ones starts afresh */
	r->status = 0;
	r->nrhdrs = 0;
	r->hsize = 0;
	buf_reset(&r->rhdrs);
	return 0;
}

static int
h2_header_cb(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
    size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
    void *arg)
{
	struct uconn *c = arg;
	struct upstream_req *r;
	const char *v = (const char *)value;

	(void)s;
	(void)flags;
	if (f->hd.type != NGHTTP2_HEADERS ||
	    f->headers.cat != NGHTTP2_HCAT_RESPONSE ||
	    (r = h2_find(c, f->hd.stream_id)) == NULL)
		return 0;	/* trailers: skipped */
	r->hsize += namelen + valuelen + 32;
	if (r->hsize > c->u->cfg.head_max) {
		h2_fail_stream(c, r, UPSTREAM_E_PROTOCOL,
		    "response head over head_max");
		return 0;
	}
	if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
		/* nghttp2 checked: three digits */
		r->status = (v[0] - '0') * 100 + (v[1] - '0') * 10 +
		    (v[2] - '0');
		return 0;
	}
	if (namelen > 0 && name[0] == ':')
		return 0;
	if (r->nrhdrs >= UPSTREAM_HEADERS_MAX) {
		h2_fail_stream(c, r, UPSTREAM_E_PROTOCOL,
		    "too many header fields");
		return 0;
	}
	if (buf_append(&r->rhdrs, name, namelen) == -1 ||
	    buf_append(&r->rhdrs, "", 1) == -1 ||
	    buf_append(&r->rhdrs, value, valuelen) == -1 ||
	    buf_append(&r->rhdrs, "", 1) == -1) {
		h2_fail_stream(c, r, UPSTREAM_E_PROTOCOL, "out of memory");
		return 0;
	}
	r->nrhdrs++;
	return 0;
}

static int
h2_frame_recv_cb(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
	struct uconn *c = arg;
	struct upstream_req *r;

	switch (f->hd.type) {
	case NGHTTP2_SETTINGS:
		if (!(f->hd.flags & NGHTTP2_FLAG_ACK))
			c->settings = 1;
		return 0;
	case NGHTTP2_GOAWAY:
		/* streams above last_stream_id are closed by nghttp2 with
		 * REFUSED_STREAM and go back to the queue, for a new
		 * connection */
		c->goaway = 1;
		h2_drain(c);
		return 0;
	case NGHTTP2_HEADERS:
		/* a final head (not 1xx, not trailers) for a streaming
		 * caller */
		if (f->headers.cat == NGHTTP2_HCAT_RESPONSE &&
		    (r = h2_find(c, f->hd.stream_id)) != NULL &&
		    r->streaming && r->status >= 200 &&
		    stream_head(r) == -1) {
			h2_drop(c, r);
			return 0;
		}
		break;
	case NGHTTP2_DATA:
		break;
	default:
		return 0;
	}
	if (!(f->hd.flags & NGHTTP2_FLAG_END_STREAM) ||
	    (r = h2_find(c, f->hd.stream_id)) == NULL)
		return 0;
	h2_detach(c, r);
	/* answered while our body is still going: stop sending it */
	if (nghttp2_session_get_stream_local_close(s, r->stream_id) == 0)
		nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, r->stream_id,
		    NGHTTP2_NO_ERROR);
	r->h2 = 1;
	finish(r, UPSTREAM_OK, NULL);
	return 0;
}

static int
h2_data_chunk_cb(nghttp2_session *s, uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, void *arg)
{
	struct uconn *c = arg;
	struct upstream_req *r;

	(void)flags;
	/*
	 * No automatic WINDOW_UPDATE (h2_session_new): the connection's
	 * window comes back at once, so that one paused stream does not
	 * stop the others; a stream's when its octets are buffered or
	 * taken by a streaming caller — not while that caller is paused.
	 */
	(void)nghttp2_session_consume_connection(s, len);
	if ((r = h2_find(c, id)) == NULL) {
		(void)nghttp2_session_consume_stream(s, id, len);
		return 0;
	}
	if (len > c->u->cfg.body_max - r->got) {
		h2_fail_stream(c, r, UPSTREAM_E_TOO_BIG, "body over body_max");
		return 0;
	}
	r->got += len;
	if (r->streaming && r->head_done) {
		stream_timer(r);
		if (!r->paused && r->given == r->rbody.len) {
			if (stream_body(r, data, len) == -1) {
				h2_drop(c, r);
				return 0;
			}
			(void)nghttp2_session_consume_stream(s, id, len);
			return 0;
		}
		/* held until resumed: at most the stream's window */
	}
	if (buf_append(&r->rbody, data, len) == -1) {
		h2_fail_stream(c, r, UPSTREAM_E_PROTOCOL, "out of memory");
		return 0;
	}
	if (!r->streaming || !r->head_done)
		(void)nghttp2_session_consume_stream(s, id, len);
	return 0;
}

static int
h2_stream_close_cb(nghttp2_session *s, int32_t id, uint32_t code, void *arg)
{
	struct uconn *c = arg;
	struct upstream_req *r;

	(void)s;
	if ((r = h2_find(c, id)) == NULL)
		return 0;
	h2_detach(c, r);
	/* REFUSED_STREAM (or above a GOAWAY's last id): the AS did not
	 * process it (RFC 9113 §8.7), any method may go again — unless a
	 * streaming caller has its head already */
	if (code == NGHTTP2_REFUSED_STREAM && !r->head_done &&
	    !(r->src && r->sent > 0)) {
		log_debug("upstream: %s#%llu: stream %d refused: requeued",
		    c->u->peer, (unsigned long long)c->id, id);
		requeue(r);
		c->u->dispatch_again = 1;
		return 0;
	}
	finish(r, UPSTREAM_E_PROTOCOL, "stream closed: %s",
	    nghttp2_http2_strerror(code));
	return 0;
}

/* A request HEADERS never left (GOAWAY came first): it goes again. */
static int
h2_not_send_cb(nghttp2_session *s, const nghttp2_frame *f, int err, void *arg)
{
	struct uconn *c = arg;
	struct upstream_req *r;

	(void)s;
	if (f->hd.type != NGHTTP2_HEADERS ||
	    (r = h2_find(c, f->hd.stream_id)) == NULL)
		return 0;
	h2_detach(c, r);
	log_debug("upstream: %s#%llu: stream %d not sent (%s): requeued",
	    c->u->peer, (unsigned long long)c->id, f->hd.stream_id,
	    nghttp2_strerror(err));
	requeue(r);
	/* the session takes no more streams (GOAWAY, ids used up) */
	h2_drain(c);
	c->u->dispatch_again = 1;
	return 0;
}

static ssize_t
h2_body_cb(nghttp2_session *s, int32_t id, uint8_t *out, size_t length,
    uint32_t *flags, nghttp2_data_source *src, void *arg)
{
	struct upstream_req *r;
	size_t n;

	(void)src;
	(void)arg;
	if ((r = nghttp2_session_get_stream_user_data(s, id)) == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	if (r->src) {
		n = evbuffer_get_length(r->bq);
		if (n > length)
			n = length;
		if (n > 0 && evbuffer_remove(r->bq, out, n) != (int)n)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		r->sent += n;
		if (r->drain_armed &&
		    evbuffer_get_length(r->bq) <= UPSTREAM_BODY_LOWAT) {
			r->drain_armed = 0;
			event_active(r->dwake, 0, 0);
		}
		if (evbuffer_get_length(r->bq) > 0)
			return (ssize_t)n;
		if (r->bended) {
			*flags |= NGHTTP2_DATA_FLAG_EOF;
			return (ssize_t)n;
		}
		/* upstream_body_write() resumes it */
		return n > 0 ? (ssize_t)n : NGHTTP2_ERR_DEFERRED;
	}
	n = r->len - r->sent;
	if (n > length)
		n = length;
	memcpy(out, r->body + r->sent, n);
	r->sent += n;
	if (r->sent == r->len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* Submit `r` on `c` (RFC 9113 §8.3.1). Returns 0, or an nghttp2 error. */
static int
h2_submit(struct uconn *c, struct upstream_req *r)
{
	nghttp2_data_provider prd, *pp = NULL;
	nghttp2_nv *nva;
	char clen[24], *lower, *l;
	const char *p, *name, *value;
	size_t n = 0, i, k, nl;
	int32_t id;

	if ((nva = calloc(r->nfields + 5, sizeof(*nva))) == NULL)
		return NGHTTP2_ERR_NOMEM;
	if ((lower = malloc(r->fields.len + 1)) == NULL) {
		free(nva);
		return NGHTTP2_ERR_NOMEM;
	}
	/* nghttp2 copies the fields (no NO_COPY flags), nothing is written */
#define NV(nm, nlen, val, vlen) (nghttp2_nv){ \
	(uint8_t *)(uintptr_t)(nm), (uint8_t *)(uintptr_t)(val), (nlen), \
	(vlen), NGHTTP2_NV_FLAG_NONE }
	nva[n++] = NV(":method", 7, r->method, strlen(r->method));
	nva[n++] = NV(":scheme", 7, "http", 4);
	nva[n++] = NV(":authority", 10, r->host, strlen(r->host));
	nva[n++] = NV(":path", 5, r->target, strlen(r->target));
	p = r->host + strlen(r->host) + 1;
	l = lower;
	for (i = 0; i < r->nfields; i++) {
		name = p;
		value = p + strlen(p) + 1;
		p = value + strlen(value) + 1;
		if (field_dropped(name, 1))
			continue;
		/* field names in lower case (RFC 9113 §8.2.1) */
		nl = strlen(name);
		for (k = 0; k < nl; k++)
			l[k] = (name[k] >= 'A' && name[k] <= 'Z') ?
			    (char)(name[k] - 'A' + 'a') : name[k];
		nva[n++] = NV(l, nl, value, strlen(value));
		l += nl;
	}
	if (r->src && r->blen >= 0) {
		snprintf(clen, sizeof(clen), "%lld", (long long)r->blen);
		nva[n++] = NV("content-length", 14, clen, strlen(clen));
	} else if (!r->src && (r->len > 0 || strcmp(r->method, "PUT") == 0 ||
	    strcmp(r->method, "POST") == 0)) {
		snprintf(clen, sizeof(clen), "%zu", r->len);
		nva[n++] = NV("content-length", 14, clen, strlen(clen));
	}
#undef NV
	if (r->len > 0 || r->src) {
		memset(&prd, 0, sizeof(prd));
		prd.source.ptr = NULL;	/* the stream's user data */
		prd.read_callback = h2_body_cb;
		pp = &prd;
	}
	r->sent = 0;
	id = nghttp2_submit_request(c->h2, NULL, nva, n, pp, r);
	free(lower);
	free(nva);
	if (id < 0)
		return id;
	r->stream_id = id;
	r->state = REQ_ACTIVE;
	r->conn = c;
	TAILQ_INSERT_TAIL(&c->streams, r, entry);
	c->nstreams++;
	event_del(c->timer);
	return 0;
}

/* Start queued requests on the h2c connection, up to the peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS; open the connection when needed. */
static void
h2_dispatch(struct upstream *u)
{
	struct upstream_req *r;
	struct uconn *c;
	uint32_t max;
	int rv;

	while (!TAILQ_EMPTY(&u->queue)) {
		if ((c = u->h2c) == NULL) {
			if ((c = conn_open(u)) == NULL) {
				fail_queue(u, UPSTREAM_E_CONNECT,
				    "cannot open a connection");
				return;
			}
			u->h2c = c;
			return;
		}
		if (c->state != CONN_H2)
			return;
		max = nghttp2_session_get_remote_settings(c->h2,
		    NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
		if (c->nstreams >= max)
			return;
		r = TAILQ_FIRST(&u->queue);
		queue_remove(r);
		if ((rv = h2_submit(c, r)) == 0)
			continue;
		if (rv == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) {
			/* stream ids used up: a new connection */
			requeue(r);
			h2_drain(c);
			continue;
		}
		finish(r, UPSTREAM_E_PROTOCOL, "HTTP/2: %s",
		    nghttp2_strerror(rv));
	}
}

/* Write what nghttp2 has; on failure the connection closes. */
static void
h2_send(struct uconn *c)
{
	int rv;

	if (c->state == CONN_CLOSED || c->h2 == NULL)
		return;
	if ((rv = nghttp2_session_send(c->h2)) != 0)
		conn_close(c, UPSTREAM_E_PROTOCOL, nghttp2_strerror(rv));
}

/* After input or output: react to GOAWAY, close what is over, arm the
 * idle timer, start queued requests. */
static void
h2_settle(struct uconn *c)
{
	struct upstream *u = c->u;
	size_t out = evbuffer_get_length(bufferevent_get_output(c->bev));

	if (!nghttp2_session_want_read(c->h2) &&
	    !nghttp2_session_want_write(c->h2) && out == 0) {
		conn_close(c, UPSTREAM_E_PROTOCOL, "HTTP/2 session over");
		return;
	}
	if (c->state == CONN_DRAINING && c->nstreams == 0 && out == 0 &&
	    !nghttp2_session_want_write(c->h2)) {
		conn_close(c, UPSTREAM_E_PROTOCOL, "drained");
		return;
	}
	if (c->state == CONN_H2 && c->nstreams == 0 &&
	    !evtimer_pending(c->timer, NULL))
		conn_timer_set(c, u->cfg.idle_timeout_ms);
	dispatch(u);
}

static int
h2_session_new(struct uconn *c)
{
	const struct upstream_cfg *cfg = &c->u->cfg;
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt;
	nghttp2_settings_entry iv[3];
	uint32_t window;
	int rv;

	if (nghttp2_session_callbacks_new(&cbs) != 0)
		return -1;
	nghttp2_session_callbacks_set_send_callback(cbs, h2_send_cb);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cbs,
	    h2_begin_headers_cb);
	nghttp2_session_callbacks_set_on_header_callback(cbs, h2_header_cb);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
	    h2_frame_recv_cb);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs,
	    h2_data_chunk_cb);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
	    h2_stream_close_cb);
	nghttp2_session_callbacks_set_on_frame_not_send_callback(cbs,
	    h2_not_send_cb);
	if (nghttp2_option_new(&opt) != 0) {
		nghttp2_session_callbacks_del(cbs);
		return -1;
	}
	/* windows come back as octets are taken: h2_data_chunk_cb() */
	nghttp2_option_set_no_auto_window_update(opt, 1);
	rv = nghttp2_session_client_new2(&c->h2, cbs, c, opt);
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cbs);
	if (rv != 0) {
		c->h2 = NULL;
		return -1;
	}
	/* a window larger than a body may be is of no use */
	window = cfg->body_max < H2_WINDOW_MIN ? H2_WINDOW_MIN :
	    cfg->body_max > H2_WINDOW_MAX ? H2_WINDOW_MAX :
	    (uint32_t)cfg->body_max;
	iv[0].settings_id = NGHTTP2_SETTINGS_ENABLE_PUSH;
	iv[0].value = 0;
	iv[1].settings_id = NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE;
	iv[1].value = (uint32_t)(cfg->head_max > UINT32_MAX ? UINT32_MAX :
	    cfg->head_max);
	iv[2].settings_id = NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE;
	/* a stream's window bounds what a paused streaming caller holds */
	iv[2].value = window < H2_STREAM_WINDOW_MAX ? window :
	    H2_STREAM_WINDOW_MAX;
	/* nghttp2 writes the client preface before this SETTINGS */
	if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, 3) != 0 ||
	    nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0,
	    (int32_t)window) != 0)
		return -1;
	return 0;
}

static void
h2_read_cb(struct bufferevent *bev, void *arg)
{
	struct uconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	ssize_t rv;

	if (len == 0 || c->h2 == NULL)
		return;
	rv = nghttp2_session_mem_recv(c->h2, evbuffer_pullup(in, -1), len);
	if (rv < 0) {
		log_debug("upstream: %s#%llu: HTTP/2: %s", c->u->peer,
		    (unsigned long long)c->id, nghttp2_strerror((int)rv));
		conn_close(c, UPSTREAM_E_PROTOCOL, nghttp2_strerror((int)rv));
		return;
	}
	evbuffer_drain(in, (size_t)rv);
	h2_send(c);
	if (c->state != CONN_CLOSED)
		h2_settle(c);
}

/* Output drained: nghttp2 may have held frames back (WOULDBLOCK). */
static void
h2_write_cb(struct bufferevent *bev, void *arg)
{
	struct uconn *c = arg;

	(void)bev;
	if (c->h2 == NULL)
		return;
	h2_send(c);
	if (c->state == CONN_CLOSED)
		return;
	if (c->close_flushed &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		conn_close(c, UPSTREAM_E_PROTOCOL, "idle");
		return;
	}
	h2_settle(c);
}

static void
h2_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct uconn *c = arg;
	char why[WHY_MAX];
	int err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		event_del(c->timer);
		c->established = 1;
		if (h2_session_new(c) == -1) {
			fail_queue(c->u, UPSTREAM_E_PROTOCOL,
			    "cannot start an HTTP/2 session");
			conn_close(c, UPSTREAM_E_PROTOCOL, "HTTP/2 session");
			return;
		}
		conn_set_state(c, CONN_H2);
		dispatch(c->u);
		h2_send(c);
		if (c->state != CONN_CLOSED)
			h2_settle(c);
		return;
	}
	if (c->state == CONN_CONNECTING) {
		snprintf(why, sizeof(why), "connect: %s",
		    (what & BEV_EVENT_ERROR) && err != 0 ? strerror(err) :
		    "connection closed");
		conn_connect_failed(c, why);
		return;
	}
	if (what & BEV_EVENT_ERROR)
		snprintf(why, sizeof(why), "connection error: %s",
		    strerror(err));
	else
		snprintf(why, sizeof(why), "connection closed by the AS");
	conn_close(c, UPSTREAM_E_PROTOCOL, why);
}

/* ---- dispatch ------------------------------------------------------------ */

/* Start what the queue holds as far as connections allow. Never nests:
 * a call from inside (conn_close) makes the running one go round again. */
static void
dispatch(struct upstream *u)
{
	if (u->freeing)
		return;
	if (u->dispatching) {
		u->dispatch_again = 1;
		return;
	}
	u->dispatching = 1;
	do {
		u->dispatch_again = 0;
		if (u->cfg.h2) {
			h2_dispatch(u);
			if (u->h2c != NULL && u->h2c->state == CONN_H2)
				h2_send(u->h2c);
		} else
			h1_dispatch(u);
	} while (u->dispatch_again);
	u->dispatching = 0;
}

/* ---- the API ------------------------------------------------------------- */

struct upstream *
upstream_new(struct event_base *base, const struct upstream_cfg *cfg,
    char *err, size_t errlen)
{
	struct upstream *u;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;

	if (cfg == NULL || cfg->addr == NULL || cfg->port == 0) {
		snprintf(err, errlen, "upstream: address and port needed");
		return NULL;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		snprintf(err, errlen, "upstream: out of memory");
		return NULL;
	}
	u->base = base;
	u->cfg = *cfg;
	sin = (struct sockaddr_in *)&u->ss;
	sin6 = (struct sockaddr_in6 *)&u->ss;
	if (inet_pton(AF_INET, cfg->addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(cfg->port);
		u->sslen = sizeof(*sin);
		snprintf(u->peer, sizeof(u->peer), "%s:%u", cfg->addr,
		    cfg->port);
	} else if (inet_pton(AF_INET6, cfg->addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(cfg->port);
		u->sslen = sizeof(*sin6);
		snprintf(u->peer, sizeof(u->peer), "[%s]:%u", cfg->addr,
		    cfg->port);
	} else {
		snprintf(err, errlen, "upstream: '%s' is not a numeric IPv4 "
		    "or IPv6 address", cfg->addr);
		free(u);
		return NULL;
	}
	snprintf(u->addr, sizeof(u->addr), "%s", cfg->addr);
	u->cfg.addr = u->addr;
	u->cfg.h2 = cfg->h2 != 0;
#define DEF(f, d) do { if (u->cfg.f == 0) u->cfg.f = (d); } while (0)
	DEF(connect_timeout_ms, UPSTREAM_CONNECT_TIMEOUT_DEFAULT_MS);
	DEF(response_timeout_ms, UPSTREAM_RESPONSE_TIMEOUT_DEFAULT_MS);
	DEF(idle_timeout_ms, UPSTREAM_IDLE_TIMEOUT_DEFAULT_MS);
	DEF(max_conns, UPSTREAM_MAX_CONNS_DEFAULT);
	DEF(queue_max, UPSTREAM_QUEUE_MAX_DEFAULT);
	DEF(head_max, UPSTREAM_HEAD_MAX_DEFAULT);
	DEF(body_max, UPSTREAM_BODY_MAX_DEFAULT);
#undef DEF
	if (u->cfg.body_max >= SIZE_MAX / 2 || u->cfg.head_max >=
	    SIZE_MAX / 2) {
		snprintf(err, errlen, "upstream: head_max or body_max too "
		    "large");
		free(u);
		return NULL;
	}
	TAILQ_INIT(&u->conns);
	TAILQ_INIT(&u->dead);
	TAILQ_INIT(&u->queue);
	TAILQ_INIT(&u->done);
	TAILQ_INIT(&u->held);
	if ((u->kick = event_new(base, -1, 0, kick_cb, u)) == NULL) {
		snprintf(err, errlen, "upstream: out of memory");
		free(u);
		return NULL;
	}
	log_debug("upstream: %s: %s, %zu connections, queue %zu", u->peer,
	    u->cfg.h2 ? "h2c" : "HTTP/1.1", u->cfg.h2 ? (size_t)1 :
	    u->cfg.max_conns, u->cfg.queue_max);
	return u;
}

void
upstream_free(struct upstream *u)
{
	struct upstream_req *r;
	struct uconn *c;

	if (u == NULL)
		return;
	u->freeing = 1;
	while ((c = TAILQ_FIRST(&u->conns)) != NULL)
		conn_close(c, UPSTREAM_E_SHUTDOWN, "upstream closed");
	fail_queue(u, UPSTREAM_E_SHUTDOWN, "upstream closed");
	/* held streaming bodies are given now, pause or not */
	while ((r = TAILQ_FIRST(&u->held)) != NULL) {
		TAILQ_REMOVE(&u->held, r, entry);
		r->state = REQ_DONE;
		TAILQ_INSERT_TAIL(&u->done, r, entry);
	}
	/* outcomes known but not yet delivered keep them; the rest say
	 * SHUTDOWN; a callback may cancel another (it leaves `done`) */
	while ((r = TAILQ_FIRST(&u->done)) != NULL) {
		TAILQ_REMOVE(&u->done, r, entry);
		(void)deliver(r);	/* freeing: never held */
		req_free(r);
	}
	while ((c = TAILQ_FIRST(&u->dead)) != NULL) {
		TAILQ_REMOVE(&u->dead, c, entry);
		conn_free(c);
	}
	event_free(u->kick);
	free(u);
}

/* `s` with its NUL. Returns 0 or -1. */
static int
add_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s) + 1);
}

static int
is_idempotent(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 ||
	    strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0 ||
	    strcmp(m, "OPTIONS") == 0;
}

static void
req_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_req *r = arg;
	struct upstream *u = r->u;
	struct uconn *c = r->conn;
	unsigned ms = u->cfg.response_timeout_ms;
	char why[WHY_MAX];

	(void)fd;
	(void)what;
	if (r->state == REQ_QUEUED) {
		queue_remove(r);
		finish(r, UPSTREAM_E_TIMEOUT, "timeout after %u ms", ms);
	} else if (r->state == REQ_ACTIVE && !u->cfg.h2) {
		/* a late answer would be read as the next one's */
		c->req = NULL;
		finish(r, UPSTREAM_E_TIMEOUT, "timeout after %u ms", ms);
		conn_close(c, UPSTREAM_E_PROTOCOL, "response timeout");
	} else if (r->state == REQ_ACTIVE) {
		snprintf(why, sizeof(why), "timeout after %u ms", ms);
		h2_fail_stream(c, r, UPSTREAM_E_TIMEOUT, why);
		h2_send(c);
		if (c->state != CONN_CLOSED)
			h2_settle(c);
	}
}

/* A streaming request resumed: go on where it stopped. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_req *r = arg;
	struct upstream *u = r->u;
	struct uconn *c = r->conn;
	size_t n = 0;

	(void)fd;
	(void)what;
	if (r->paused)
		return;
	if (r->state == REQ_HELD) {
		TAILQ_REMOVE(&u->held, r, entry);
		r->state = REQ_DONE;
		TAILQ_INSERT_TAIL(&u->done, r, entry);
		kick(u);
		return;
	}
	if (r->state != REQ_ACTIVE || c == NULL || c->state == CONN_CLOSED)
		return;
	if (r->head_done)
		stream_timer(r);
	if (!u->cfg.h2) {
		if (c->req != r)
			return;
		bufferevent_enable(c->bev, EV_READ);
		/* what was read before the pause */
		h1_read_cb(c->bev, c);
		return;
	}
	if (stream_flush(r, &n) == -1)
		h2_drop(c, r);
	else if (n > 0)
		(void)nghttp2_session_consume_stream(c->h2, r->stream_id, n);
	h2_send(c);
	if (c->state != CONN_CLOSED)
		h2_settle(c);
}

/* A body source's drain callback, from the loop. */
static void
dwake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_req *r = arg;

	(void)fd;
	(void)what;
	if ((r->state == REQ_QUEUED || r->state == REQ_ACTIVE) &&
	    r->st.drain != NULL)
		r->st.drain(r->arg);
}

static struct upstream_req *
request_new(struct upstream *u, const char *method, const char *target,
    const char *host, const char *const *names, const char *const *values,
    size_t nheaders, const uint8_t *body, size_t len, int64_t srclen,
    const struct upstream_stream *st, upstream_cb cb, void *arg)
{
	struct upstream_req *r;
	struct timeval tv;
	size_t i;
	int rc;

	if (u == NULL || u->freeing || method == NULL || target == NULL ||
	    cb == NULL || (len > 0 && body == NULL) ||
	    !is_token(method, strlen(method)) || target[0] == '\0' ||
	    strpbrk(target, " \t\r\n") != NULL ||
	    (host != NULL && (host[0] == '\0' || has_crlfnul(host) ||
	    strpbrk(host, " \t") != NULL))) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < nheaders; i++)
		if (names[i] == NULL || values[i] == NULL ||
		    !is_token(names[i], strlen(names[i])) ||
		    has_crlfnul(values[i])) {
			errno = EINVAL;
			return NULL;
		}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->u = u;
	r->cb = cb;
	r->arg = arg;
	r->start_ms = now_ms();
	r->seq = ++u->next_seq;
	buf_init(&r->fields, SIZE_MAX);
	buf_init(&r->rhdrs, u->cfg.head_max + 64);
	buf_init(&r->rbody, u->cfg.body_max + 1);	/* + NUL */
	rc = add_str(&r->fields, method) | add_str(&r->fields, target) |
	    add_str(&r->fields, host != NULL ? host : u->peer);
	for (i = 0; rc == 0 && i < nheaders; i++)
		rc = add_str(&r->fields, names[i]) |
		    add_str(&r->fields, values[i]);
	if (rc != 0)
		goto nomem;
	r->nfields = nheaders;
	r->method = (const char *)r->fields.data;
	r->target = r->method + strlen(r->method) + 1;
	r->host = r->target + strlen(r->target) + 1;
	r->idempotent = is_idempotent(method);
	r->head = strcmp(method, "HEAD") == 0;
	if (len > 0) {
		if ((r->body = malloc(len)) == NULL)
			goto nomem;
		memcpy(r->body, body, len);
		r->len = len;
	}
	if ((r->timer = evtimer_new(u->base, req_timeout_cb, r)) == NULL)
		goto nomem;
	if (st != NULL) {
		r->st = *st;
		r->streaming = 1;
		if ((r->wake = event_new(u->base, -1, 0, wake_cb, r)) == NULL)
			goto nomem;
	}
	if (srclen >= -1) {
		/* a body in pieces is sent once only */
		r->src = 1;
		r->blen = srclen;
		r->idempotent = 0;
		if ((r->bq = evbuffer_new()) == NULL ||
		    (r->dwake = event_new(u->base, -1, 0, dwake_cb, r)) ==
		    NULL)
			goto nomem;
	}
	ms_tv(u->cfg.response_timeout_ms, &tv);
	evtimer_add(r->timer, &tv);

	r->state = REQ_QUEUED;
	TAILQ_INSERT_TAIL(&u->queue, r, entry);
	u->nqueued++;
	dispatch(u);
	if (r->state == REQ_QUEUED && u->nqueued > u->cfg.queue_max) {
		queue_remove(r);
		finish(r, UPSTREAM_E_OVERLOAD, "queue full (%zu requests)",
		    u->cfg.queue_max);
	}
	return r;
nomem:
	req_free(r);
	errno = ENOMEM;
	return NULL;
}

struct upstream_req *
upstream_request(struct upstream *u, const char *method, const char *target,
    const char *host, const char *const *names, const char *const *values,
    size_t nheaders, const uint8_t *body, size_t len, upstream_cb cb,
    void *arg)
{
	return request_new(u, method, target, host, names, values, nheaders,
	    body, len, -2, NULL, cb, arg);
}

struct upstream_req *
upstream_request_stream(struct upstream *u, const char *method,
    const char *target, const char *host, const char *const *names,
    const char *const *values, size_t nheaders, const uint8_t *body,
    size_t len, const struct upstream_stream *st, upstream_cb cb, void *arg)
{
	if (st == NULL || st->head == NULL || st->body == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return request_new(u, method, target, host, names, values, nheaders,
	    body, len, -2, st, cb, arg);
}

struct upstream_req *
upstream_request_source(struct upstream *u, const char *method,
    const char *target, const char *host, const char *const *names,
    const char *const *values, size_t nheaders, int64_t length,
    const struct upstream_stream *st, upstream_cb cb, void *arg)
{
	if (st == NULL || st->head == NULL || st->body == NULL ||
	    length < -1) {
		errno = EINVAL;
		return NULL;
	}
	return request_new(u, method, target, host, names, values, nheaders,
	    NULL, 0, length, st, cb, arg);
}

/* The response timeout of a body source: from its last piece, until
 * the AS's head is in. */
static void
src_timer(struct upstream_req *r)
{
	struct timeval tv;

	if (r->head_done)
		return;
	ms_tv(r->u->cfg.response_timeout_ms, &tv);
	evtimer_add(r->timer, &tv);
}

/* Octets of the body of `r` not yet taken by its connection. */
static size_t
src_queued(struct upstream_req *r)
{
	size_t n = evbuffer_get_length(r->bq);

	if (r->state == REQ_ACTIVE && !r->u->cfg.h2 && r->conn != NULL &&
	    r->conn->bev != NULL)
		n += evbuffer_get_length(bufferevent_get_output(r->conn->bev));
	return n;
}

/* New body octets (or the end) for an active request: onto the wire. */
static int
src_push(struct upstream_req *r)
{
	struct uconn *c = r->conn;

	if (r->state != REQ_ACTIVE || c == NULL || c->state == CONN_CLOSED)
		return 0;
	if (!r->u->cfg.h2) {
		if (h1_src_flush(c, r) == -1) {
			c->req = NULL;
			finish(r, UPSTREAM_E_PROTOCOL, "out of memory");
			conn_close(c, UPSTREAM_E_PROTOCOL, "out of memory");
			return -1;
		}
		return 0;
	}
	(void)nghttp2_session_resume_data(c->h2, r->stream_id);
	h2_send(c);
	if (c->state != CONN_CLOSED)
		h2_settle(c);
	return 0;
}

ssize_t
upstream_body_write(struct upstream_req *r, const void *data, size_t len)
{
	size_t q;

	if (r == NULL || !r->src || r->bended || (len > 0 && data == NULL) ||
	    (r->blen >= 0 && len > (uint64_t)r->blen - r->bgot)) {
		errno = EINVAL;
		return -1;
	}
	/* answered (or failed) already: nobody wants the rest */
	if (r->state != REQ_QUEUED && r->state != REQ_ACTIVE)
		return 0;
	if (len > 0) {
		if (evbuffer_add(r->bq, data, len) != 0) {
			errno = ENOMEM;
			return -1;
		}
		r->bgot += len;
		src_timer(r);
		if (src_push(r) == -1)
			return 0;
	}
	q = src_queued(r);
	if (q > UPSTREAM_BODY_LOWAT)
		r->drain_armed = 1;
	return (ssize_t)q;
}

int
upstream_body_end(struct upstream_req *r)
{
	if (r == NULL || !r->src || r->bended ||
	    (r->blen >= 0 && r->bgot != (uint64_t)r->blen)) {
		errno = EINVAL;
		return -1;
	}
	r->bended = 1;
	r->drain_armed = 0;
	if (r->state != REQ_QUEUED && r->state != REQ_ACTIVE)
		return 0;
	src_timer(r);
	(void)src_push(r);
	return 0;
}

void
upstream_pause(struct upstream_req *r, int paused)
{
	struct uconn *c;

	if (r == NULL || !r->streaming || r->delivering)
		return;
	paused = paused != 0;
	if (r->paused == paused)
		return;
	r->paused = paused;
	if (!paused) {
		event_active(r->wake, 0, 0);
		return;
	}
	if (r->head_done)
		event_del(r->timer);
	c = r->conn;
	if (!r->u->cfg.h2 && r->head_done && r->state == REQ_ACTIVE &&
	    c != NULL &&
	    c->req == r && c->state != CONN_CLOSED)
		bufferevent_disable(c->bev, EV_READ);
}

void
upstream_cancel(struct upstream_req *r)
{
	struct upstream *u;
	struct uconn *c;

	if (r == NULL || r->delivering)
		return;
	if (r->in_cb) {
		/* inside head() or body(): dropped when it returns */
		r->cancelled = 1;
		return;
	}
	u = r->u;
	c = r->conn;
	switch (r->state) {
	case REQ_QUEUED:
		queue_remove(r);
		break;
	case REQ_HELD:
		TAILQ_REMOVE(&u->held, r, entry);
		break;
	case REQ_DONE:
		TAILQ_REMOVE(&u->done, r, entry);
		break;
	case REQ_ACTIVE:
		if (!u->cfg.h2) {
			/* its answer may still come: the connection goes */
			c->req = NULL;
			conn_close(c, UPSTREAM_E_PROTOCOL, "request cancelled");
			break;
		}
		h2_detach(c, r);
		nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE,
		    r->stream_id, NGHTTP2_CANCEL);
		log_debug("upstream: %s %s: cancelled", r->method, r->target);
		req_free(r);
		h2_send(c);
		if (c->state != CONN_CLOSED)
			h2_settle(c);
		return;
	}
	log_debug("upstream: %s %s: cancelled", r->method, r->target);
	req_free(r);
}

size_t
upstream_conn_count(const struct upstream *u)
{
	return u->nconns;
}

size_t
upstream_queued(const struct upstream *u)
{
	return u->nqueued;
}

/* ---- the HTTP/1.1 parser alone, for tests and fuzzing (upstream_int.h) --- */

struct upstream_h1 {
	struct upstream		u;	/* cfg only */
	struct uconn		c;	/* the parser's state */
	struct upstream_req	r;	/* status, fields, body */
};

struct upstream_h1 *
upstream_h1_new(size_t head_max, size_t body_max, int head)
{
	struct upstream_h1 *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->u.cfg.head_max = head_max > 0 ? head_max :
	    UPSTREAM_HEAD_MAX_DEFAULT;
	p->u.cfg.body_max = body_max > 0 ? body_max :
	    UPSTREAM_BODY_MAX_DEFAULT;
	/* as upstream_request() and h1_start() leave them */
	p->r.u = &p->u;
	p->r.head = head;
	p->r.state = REQ_ACTIVE;
	p->r.conn = &p->c;
	buf_init(&p->r.fields, 0);
	buf_init(&p->r.rhdrs, p->u.cfg.head_max + 64);
	buf_init(&p->r.rbody, p->u.cfg.body_max + 1);	/* + NUL */
	p->c.u = &p->u;
	p->c.req = &p->r;
	p->c.state = CONN_BUSY;
	p->c.ps = P_HEAD;
	p->c.perr = UPSTREAM_E_PROTOCOL;
	return p;
}

int
upstream_h1_parse(struct upstream_h1 *p, struct evbuffer *in)
{
	if (evbuffer_get_length(in) > 0)
		p->c.got_octet = 1;
	return h1_parse(&p->c, in);
}

enum upstream_err
upstream_h1_error(const struct upstream_h1 *p, const char **why)
{
	*why = p->c.pwhy;
	return p->c.perr;
}

void
upstream_h1_resp(struct upstream_h1 *p, struct upstream_resp *resp,
    int *keep_alive)
{
	resp_fill(&p->r, resp);
	if (buf_cstr(&p->r.rbody) != NULL)
		resp->body = (const uint8_t *)p->r.rbody.data;
	resp->body_len = p->r.rbody.len;
	*keep_alive = !p->c.conn_close;
}

void
upstream_h1_free(struct upstream_h1 *p)
{
	if (p == NULL)
		return;
	buf_clear(&p->r.rhdrs);
	buf_clear(&p->r.rbody);
	free(p);
}
