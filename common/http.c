/*
 * http.c — the HTTP server layer: listeners, connections, the HTTP/1.1
 * parser and writer (RFC 9112), and the request API shared with HTTP/2
 * (http2.c, nghttp2). See http.h for the behaviour and its RFC clauses.
 *
 * A connection (struct http_conn, http_int.h) owns its bufferevent, two
 * events (`kick`: deferred processing; `timer`: request, idle and linger
 * deadlines), its requests and a state changed only by conn_set_state().
 * All work happens in conn_process(), reached from the bufferevent
 * callbacks, `kick` and `timer`: read what may be read, complete requests,
 * hand them to the application (dispatch) while output is below the low
 * watermark, then move answered responses to the transport in order.
 * conn_process() never nests: a callback arriving while it runs (a filter
 * bufferevent may call back synchronously) activates `kick` instead.
 *
 * http_conn_close() is the one teardown path and only marks: the
 * connection moves to the server's dead list and the server's `reap` event
 * frees it from a fresh callback, so nothing is freed under a callback
 * still using it (Redis's rule). Abort callbacks of abandoned requests run
 * from `reap` too.
 *
 * Requests (struct http_req) are attached to their connection (`reqs`, in
 * arrival order: the HTTP/1.1 pipeline) until answered and written (or
 * their HTTP/2 stream closes); an application reference keeps a detached
 * request allocated. Memory: every request owns its head text (capped at
 * head_max), its body (body_max), its response header fields and its
 * response until written.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "b64.h"
#include "http_int.h"
#include "log.h"

#define H2_PREFACE	"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_PREFACE_LEN	24
#define CHUNK_LINE_MAX	4096	/* chunk-size line with extensions */
#define SETTINGS_MAX	384	/* decoded HTTP2-Settings: 64 settings */
#define TEXT_SLACK	64	/* request text beyond head_max: NULs, "host" */
#define LINGER_MS	2000	/* wait for the peer's FIN after our last */
#define HEAD_MIN	64	/* smallest head_max accepted */
#define ACCEPT_PAUSE_MS	100	/* listener rest after EMFILE and kin */
#define LISTEN_BACKLOG	128
#define NO_OFF		UINT32_MAX

struct listener {
	TAILQ_ENTRY(listener)	 entry;
	struct http_server	*srv;
	struct evconnlistener	*lev;
	struct event		*resume;
};

TAILQ_HEAD(listener_list, listener);

struct http_server {
	struct event_base	*base;
	struct http_config	 cfg;	/* defaults filled in */
	size_t			 lowat;	/* reading pauses above it */
	http_handler		 handler;
	void			*arg;
	struct listener_list	 listeners;
	struct http_conn_list	 conns;
	struct http_conn_list	 dead;	/* CLOSED, freed by `reap` */
	struct http_req_list	 aborts; /* abort callbacks due */
	struct event		*reap;
	size_t			 nconns;
	uint64_t		 next_id;
	int			 in_cb;	/* handler or abort callback running */
	time_t			 date_sec;
	char			 date[32];
};

static const char *const conn_state_names[] = {
	[CONN_NEW] = "NEW",
	[CONN_H1] = "H1",
	[CONN_H1_LAST] = "H1_LAST",
	[CONN_H2] = "H2",
	[CONN_FLUSHING] = "FLUSHING",
	[CONN_LINGERING] = "LINGERING",
	[CONN_CLOSED] = "CLOSED",
};

static void	conn_process(struct http_conn *);
static void	conn_update(struct http_conn *);
static int	respond(struct http_req *, int, const char *, const void *,
		    size_t);
static void	reap_cb(evutil_socket_t, short, void *);
static int	fail(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* ---- small helpers --------------------------------------------------- */

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

uint64_t
http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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
is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

/* field-vchar / SP / HTAB (RFC 9110 §5.5): no CTL but HTAB, no DEL */
static int
is_field_char(unsigned char ch)
{
	return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

static int
is_field_value(const char *s)
{
	for (; *s != '\0'; s++)
		if (!is_field_char((unsigned char)*s))
			return 0;
	return 1;
}

/*
 * Next element of a comma-separated list (RFC 9110 §5.6.1) at `*pp`: OWS
 * trimmed, empty elements skipped. Returns 1 with the element in
 * `*tok`/`*len`, 0 at the end.
 */
static int
list_next(const char **pp, const char **tok, size_t *len)
{
	const char *p = *pp, *e;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0') {
			*pp = p;
			return 0;
		}
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		*pp = e;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > p) {
			*tok = p;
			*len = (size_t)(e - p);
			return 1;
		}
		p = *pp;
	}
}

static int
tok_eq(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(tok, word, len) == 0;
}

/* Does the list `v` hold the element `word` (case-insensitive)? */
static int
list_has(const char *v, const char *word)
{
	const char *tok;
	size_t len;

	while (list_next(&v, &tok, &len))
		if (tok_eq(tok, len, word))
			return 1;
	return 0;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 203: return "Non-Authoritative Information";
	case 204: return "No Content";
	case 205: return "Reset Content";
	case 206: return "Partial Content";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 426: return "Upgrade Required";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* IMF-fixdate (RFC 9110 §5.6.7), formatted once a second; no locale. */
static const char *
server_date(struct http_server *s)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;

	if (now != s->date_sec || s->date[0] == '\0') {
		gmtime_r(&now, &tm);
		snprintf(s->date, sizeof(s->date),
		    "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
		    tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
		s->date_sec = now;
	}
	return s->date;
}

const char *
http_conn_date(struct http_conn *c)
{
	return server_date(c->srv);
}

const struct http_config *
http_conn_config(const struct http_conn *c)
{
	return &c->srv->cfg;
}

size_t
http_conn_lowat(const struct http_conn *c)
{
	return c->srv->lowat;
}

/* base64url without padding (RFC 4648 §5), as HTTP2-Settings carries it */
static int
b64url_decode(const char *in, struct buf *out)
{
	char tmp[(SETTINGS_MAX / 3 + 1) * 4 + 4];
	uint8_t bin[SETTINGS_MAX + 3];
	size_t n = strlen(in), i;
	ssize_t got;

	while (n > 0 && in[n - 1] == '=')	/* padding: tolerated */
		n--;
	if (n % 4 == 1 || n + 3 >= sizeof(tmp))
		return -1;
	for (i = 0; i < n; i++) {
		if (in[i] == '-')
			tmp[i] = '+';
		else if (in[i] == '_')
			tmp[i] = '/';
		else if (in[i] == '+' || in[i] == '/' || in[i] == '=')
			return -1;
		else
			tmp[i] = in[i];
	}
	while (n % 4 != 0)
		tmp[n++] = '=';
	if ((got = b64_decode(tmp, n, bin, sizeof(bin))) < 0)
		return -1;
	return buf_append(out, bin, (size_t)got);
}

/* ---- requests -------------------------------------------------------- */

static const char *
str_at(const struct http_req *r, uint32_t off)
{
	if (off == NO_OFF || r->text.data == NULL || off >= r->text.len)
		return "";
	return (const char *)r->text.data + off;
}

struct http_req *
http_req_new(struct http_conn *c)
{
	const struct http_config *cfg = &c->srv->cfg;
	struct http_req *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->conn = c;
	r->state = REQ_RECEIVING;
	r->version = c->state == CONN_H2 ? 20 : 11;
	r->start_ms = http_now_ms();
	r->method = r->target = r->authority = NO_OFF;
	buf_init(&r->text, cfg->head_max + TEXT_SLACK);
	buf_init(&r->body, cfg->body_max + 1);
	buf_init(&r->settings, SETTINGS_MAX);
	buf_init(&r->rhdrs, HTTP_RESP_HEADERS_MAX);
	snprintf(r->peer, sizeof(r->peer), "%s", c->peer);
	TAILQ_INSERT_TAIL(&c->reqs, r, entry);
	c->nreqs++;
	return r;
}

static void
req_free(struct http_req *r)
{
	buf_clear(&r->text);
	buf_clear(&r->body);
	buf_clear(&r->settings);
	buf_clear(&r->rhdrs);
	free(r->hdrs);
	if (r->out != NULL)
		evbuffer_free(r->out);
	if (r->bin != NULL)
		evbuffer_free(r->bin);
	free(r);
}

static void
req_maybe_free(struct http_req *r)
{
	if (r->conn == NULL && r->refs == 0 && !r->queued)
		req_free(r);
}

int
http_req_store(struct http_req *r, const char *s, size_t len, uint32_t *off)
{
	size_t at = r->text.len;

	if (at >= NO_OFF || buf_append(&r->text, s, len) == -1)
		return -1;
	if (buf_append(&r->text, "", 1) == -1) {
		r->text.len = at;
		return -1;
	}
	*off = (uint32_t)at;
	return 0;
}

static int
hdr_push(struct http_req *r, uint32_t name, uint32_t value)
{
	struct http_hdr *h;
	size_t cap;

	if (r->nhdrs == r->hdrs_cap) {
		cap = r->hdrs_cap == 0 ? 16 : r->hdrs_cap * 2;
		if ((h = reallocarray(r->hdrs, cap, sizeof(*h))) == NULL)
			return -1;
		r->hdrs = h;
		r->hdrs_cap = cap;
	}
	r->hdrs[r->nhdrs].name = name;
	r->hdrs[r->nhdrs].value = value;
	r->nhdrs++;
	return 0;
}

int
http_req_add_header(struct http_req *r, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	uint32_t n, v;
	size_t at = r->text.len;

	if (http_req_store(r, name, nlen, &n) == -1 ||
	    http_req_store(r, value, vlen, &v) == -1 ||
	    hdr_push(r, n, v) == -1) {
		r->text.len = at;
		return -1;
	}
	return 0;
}

int
http_req_alias_header(struct http_req *r, const char *name, size_t nlen,
    uint32_t value)
{
	uint32_t n;
	size_t at = r->text.len;

	if (http_req_store(r, name, nlen, &n) == -1 ||
	    hdr_push(r, n, value) == -1) {
		r->text.len = at;
		return -1;
	}
	return 0;
}

/* The request's body is complete: queue it for the handler. */
void
http_req_complete(struct http_req *r)
{
	struct http_conn *c = r->conn;

	if (r->body.len > 0 && buf_cstr(&r->body) == NULL) {
		http_conn_close(c, "out of memory");
		return;
	}
	r->state = REQ_READY;
	/* a streamed body: the 100 goes when the application reads it */
	if (!r->bstream)
		r->want_continue = 0;
	TAILQ_INSERT_TAIL(&c->ready, r, qentry);
	r->queued = 1;
}

void
http_req_detach(struct http_req *r)
{
	struct http_conn *c = r->conn;
	struct http_server *s;

	if (c == NULL)
		return;
	s = c->srv;
	if (r->queued && !r->on_aborts) {
		TAILQ_REMOVE(&c->ready, r, qentry);
		r->queued = 0;
	}
	TAILQ_REMOVE(&c->reqs, r, entry);
	c->nreqs--;
	if (c->cur == r)
		c->cur = NULL;
	if (r->out != NULL) {
		c->pending_out -= evbuffer_get_length(r->out);
		evbuffer_free(r->out);
		r->out = NULL;
	}
	if (r->bin != NULL) {
		evbuffer_free(r->bin);
		r->bin = NULL;
	}
	r->body_cb = NULL;
	r->conn = NULL;
	switch (r->state) {
	case REQ_HANDLER:
	case REQ_STREAMING:
		r->state = REQ_GONE;
		r->drain_cb = NULL;
		if (r->abort_cb != NULL && !r->on_aborts) {
			TAILQ_INSERT_TAIL(&s->aborts, r, qentry);
			r->queued = 1;
			r->on_aborts = 1;
			event_active(s->reap, 0, 0);
		}
		break;
	case REQ_ANSWERED:
	case REQ_DONE:
		r->state = REQ_DONE;
		break;
	default:
		r->state = REQ_GONE;
		break;
	}
	req_maybe_free(r);
}

/* ---- connections: state, output, teardown ----------------------------- */

static void
conn_set_state(struct http_conn *c, enum conn_state st)
{
	if (c->state == st)
		return;
	log_debug2("http: %s#%llu: %s -> %s", c->peer,
	    (unsigned long long)c->id, conn_state_names[c->state],
	    conn_state_names[st]);
	c->state = st;
}

size_t
http_conn_queued(struct http_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	    c->pending_out;
}

/* Too much output queued to dispatch more requests (or, on HTTP/1.1,
 * to read more). */
static int
conn_paused(struct http_conn *c)
{
	return http_conn_queued(c) > c->srv->lowat;
}

/*
 * Too much output for reading on. On HTTP/2 only what the transport
 * holds counts: bodies waiting for the client's flow-control window must
 * not stop us reading the WINDOW_UPDATE that releases them.
 */
static int
conn_read_paused(struct http_conn *c)
{
	if (c->h2 == NULL)
		return conn_paused(c);
	return evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    c->srv->lowat;
}

/* Process soon, from the loop: for work arising outside conn_process(). */
static void
conn_poke(struct http_conn *c)
{
	if (c->state != CONN_CLOSED && !c->busy)
		event_active(c->kick, 0, 0);
}

void
http_conn_close(struct http_conn *c, const char *reason)
{
	struct http_server *s = c->srv;

	if (c->state == CONN_CLOSED)
		return;
	log_debug2("http: %s#%llu: closed: %s", c->peer,
	    (unsigned long long)c->id, reason);
	conn_set_state(c, CONN_CLOSED);
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
	event_del(c->kick);
	event_del(c->timer);
	TAILQ_REMOVE(&s->conns, c, entry);
	TAILQ_INSERT_TAIL(&s->dead, c, entry);
	s->nconns--;
	event_active(s->reap, 0, 0);
}

/* Last octets queued: write them, then half-close and linger. */
void
http_conn_finish(struct http_conn *c, const char *reason)
{
	if (c->state >= CONN_FLUSHING)
		return;
	log_debug2("http: %s#%llu: finishing: %s", c->peer,
	    (unsigned long long)c->id, reason);
	conn_set_state(c, CONN_FLUSHING);
	c->cur = NULL;
	c->rx_start = 0;
}

static void
conn_free(struct http_conn *c)
{
	struct http_req *r;

	while ((r = TAILQ_FIRST(&c->reqs)) != NULL)
		http_req_detach(r);
	http2_conn_free(c);
	bufferevent_free(c->bev);
	if (c->ctx_free != NULL)
		c->ctx_free(c->ctx);
	event_free(c->kick);
	event_free(c->timer);
	free(c);
}

static void
run_aborts(struct http_server *s)
{
	struct http_req *r;
	http_abort_cb cb;

	while ((r = TAILQ_FIRST(&s->aborts)) != NULL) {
		TAILQ_REMOVE(&s->aborts, r, qentry);
		r->queued = 0;
		r->on_aborts = 0;
		cb = r->abort_cb;
		r->abort_cb = NULL;
		if (cb != NULL && (r->state == REQ_GONE || r->bfailed)) {
			s->in_cb++;
			cb(r, r->abort_arg);
			s->in_cb--;
		}
		req_maybe_free(r);
	}
}

static void
reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *s = arg;
	struct http_conn *c;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&s->dead)) != NULL) {
		TAILQ_REMOVE(&s->dead, c, entry);
		conn_free(c);
	}
	run_aborts(s);
}

/* FLUSHING and everything written: half-close and linger, or close. */
static void
conn_flushed(struct http_conn *c)
{
	if (c->eof || c->fd == -1) {
		http_conn_close(c, "done");
		return;
	}
	if (shutdown(c->fd, SHUT_WR) == -1) {
		http_conn_close(c, "done (shutdown failed)");
		return;
	}
	conn_set_state(c, CONN_LINGERING);
	c->linger_until = http_now_ms() + (c->srv->cfg.request_timeout_ms <
	    LINGER_MS ? c->srv->cfg.request_timeout_ms : LINGER_MS);
}

static int
conn_all_written(struct http_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
	    (c->h2 == NULL || !http2_conn_want_write(c));
}

/* ---- HTTP/1.1 responses -------------------------------------------------- */

/*
 * The response of `r` into r->out: the head with Content-Length `clen`
 * (-1: none; with `chunked` Transfer-Encoding: chunked), then the `len`
 * octets at `body`. 0, or -1 (ENOMEM).
 */
static int
h1_respond_out(struct http_req *r, int status, const char *reason,
    int64_t clen, int chunked, const void *body, size_t len)
{
	struct http_conn *c = r->conn;
	struct evbuffer *out;
	const char *p, *end;
	int rc;

	if ((out = evbuffer_new()) == NULL)
		return -1;
	rc = evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status,
	    reason != NULL ? reason : http_reason(status), http_conn_date(c));
	p = (const char *)r->rhdrs.data;
	end = p + r->rhdrs.len;
	while (rc >= 0 && p < end) {
		rc = evbuffer_add_printf(out, "%s: %s\r\n", p,
		    p + strlen(p) + 1);
		p += strlen(p) + 1;
		p += strlen(p) + 1;
	}
	if (rc >= 0 && status != 204 && status != 304 && clen >= 0)
		rc = evbuffer_add_printf(out, "Content-Length: %lld\r\n",
		    (long long)clen);
	else if (rc >= 0 && status != 204 && status != 304 && chunked)
		rc = evbuffer_add(out, "Transfer-Encoding: chunked\r\n", 28);
	if (rc >= 0 && r->close)
		rc = evbuffer_add(out, "Connection: close\r\n", 19);
	else if (rc >= 0 && r->version == 10)
		rc = evbuffer_add(out, "Connection: keep-alive\r\n", 24);
	if (rc >= 0)
		rc = evbuffer_add(out, "\r\n", 2);
	if (rc >= 0 && !r->head && len > 0)
		rc = evbuffer_add(out, body, len);
	if (rc < 0) {
		evbuffer_free(out);
		errno = ENOMEM;
		return -1;
	}
	r->out = out;
	c->pending_out += evbuffer_get_length(out);
	/* RFC 9112 §9.6: nothing more is read after a "close" */
	if (r->close && (c->state == CONN_H1 || c->state == CONN_NEW))
		conn_set_state(c, CONN_H1_LAST);
	return 0;
}

static int
h1_respond(struct http_req *r, int status, const char *reason,
    const void *body, size_t len)
{
	return h1_respond_out(r, status, reason, status == 204 ||
	    status == 304 ? -1 : (int64_t)len, 0, body, len);
}

/* The head of a streamed HTTP/1.x response (RFC 9112 §6.3 framing). */
static int
h1_respond_begin(struct http_req *r, int status, const char *reason,
    int64_t length)
{
	if (length < 0 && !r->nobody) {
		if (r->version == 10)
			r->close = 1;	/* the end of the body is the end */
		else
			r->chunked = 1;
	}
	return h1_respond_out(r, status, reason, length, r->chunked, NULL, 0);
}

/*
 * Move answered responses to the transport in request order; a 100
 * Continue when the request at the head of the pipeline awaits its body.
 */
static void
h1_write(struct http_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct http_req *r;
	int close;

	if (c->cut)
		return;
	while ((r = TAILQ_FIRST(&c->reqs)) != NULL) {
		/* a streamed body: when the application starts reading */
		if (r->want_continue && (r->state == REQ_RECEIVING ||
		    r->body_cb != NULL)) {
			evbuffer_add(out, "HTTP/1.1 100 Continue\r\n\r\n", 25);
			r->want_continue = 0;
			return;
		}
		/* a body being streamed: what there is, and the pipeline
		 * waits behind it */
		if (r->state == REQ_STREAMING) {
			c->pending_out -= evbuffer_get_length(r->out);
			evbuffer_add_buffer(out, r->out);
			return;
		}
		if (r->state != REQ_ANSWERED)
			return;
		c->pending_out -= evbuffer_get_length(r->out);
		evbuffer_add_buffer(out, r->out);
		/* answered before its streamed body is all in: the rest is
		 * read and dropped before the next request */
		if (c->cur == r && !r->close)
			return;
		close = r->close;
		http_req_detach(r);
		if (close) {
			http_conn_finish(c, "connection: close");
			return;
		}
	}
	if (c->state == CONN_H1_LAST)
		http_conn_finish(c, "last request answered");
}

/* ---- streamed request bodies --------------------------------------------- */

/* `r` is answered, or its reader gone: what is held of its streamed body
 * and what still comes is dropped (HTTP/2: its window given back). */
static void
body_drop(struct http_req *r)
{
	size_t n;

	if (!r->bstream)
		return;
	r->bdiscard = 1;
	r->body_cb = NULL;
	if (r->bin != NULL && (n = evbuffer_get_length(r->bin)) > 0) {
		evbuffer_drain(r->bin, n);
		if (r->stream_id != 0 && r->conn != NULL)
			http2_body_consumed(r, n);
	}
}

/*
 * An answer is about to go for `r` before its streamed body is all in.
 * HTTP/1.1: a client that still waits for its 100 Continue may or may not
 * send the body — the connection ends after the answer (RFC 9110
 * §10.1.1); otherwise the rest is read and dropped.
 */
static void
body_answer_early(struct http_req *r)
{
	if (!r->bstream || r->bend)
		return;
	if (r->stream_id == 0 && r->want_continue)
		r->close = 1;
	r->want_continue = 0;
}

void
http_req_body_fail(struct http_req *r, int status, const char *why)
{
	struct http_conn *c = r->conn;
	struct http_server *s = c->srv;
	int app = r->state == REQ_HANDLER || r->state == REQ_STREAMING;

	log_debug("http: %s: request body: %d %s: %s", r->peer, status,
	    http_reason(status), why);
	if (r->stream_id == 0) {
		/* the framing is lost: no more requests on this connection */
		c->cur = NULL;
		c->rx_start = 0;
		c->ps = P_HEAD;
		if (c->state == CONN_H1 || c->state == CONN_NEW)
			conn_set_state(c, CONN_H1_LAST);
	}
	r->bend = 1;
	if (app && r->abort_cb != NULL && !r->on_aborts) {
		r->bfailed = 1;
		TAILQ_INSERT_TAIL(&s->aborts, r, qentry);
		r->queued = 1;
		r->on_aborts = 1;
		event_active(s->reap, 0, 0);
	}
	switch (r->state) {
	case REQ_READY:
		TAILQ_REMOVE(&c->ready, r, qentry);
		r->queued = 0;
		r->state = REQ_HANDLER;
		http_req_error(r, status, why);
		break;
	case REQ_HANDLER:
		http_req_error(r, status, why);
		break;
	case REQ_STREAMING:
		http_respond_abort(r);
		break;
	default:
		body_drop(r);
		break;
	}
	conn_poke(c);
}

/*
 * Give the readers of streamed bodies what is held, a piece at a time,
 * then the end. Returns how many calls ran.
 */
static int
run_bodies(struct http_conn *c)
{
	struct http_server *s = c->srv;
	struct http_req *r;
	http_body_cb cb;
	uint8_t piece[16384];
	size_t n;
	int k = 0;

again:
	TAILQ_FOREACH(r, &c->reqs, entry) {
		if (!r->bstream || r->body_cb == NULL || r->bpaused ||
		    r->bdone || r->bdiscard || (r->state != REQ_HANDLER &&
		    r->state != REQ_STREAMING))
			continue;
		n = r->bin != NULL ? evbuffer_get_length(r->bin) : 0;
		if (n == 0 && !r->bend)
			continue;
		cb = r->body_cb;
		if (n > 0) {
			if (n > sizeof(piece))
				n = sizeof(piece);
			if (evbuffer_remove(r->bin, piece, n) != (int)n) {
				http_conn_close(c, "out of memory");
				return k;
			}
			if (r->stream_id != 0)
				http2_body_consumed(r, n);
			s->in_cb++;
			cb(r, piece, n, r->body_arg);
			s->in_cb--;
		} else {
			r->bdone = 1;
			r->body_cb = NULL;
			s->in_cb++;
			cb(r, NULL, 0, r->body_arg);
			s->in_cb--;
		}
		k++;
		if (c->state == CONN_CLOSED)
			return k;
		goto again;	/* the list may have changed */
	}
	return k;
}

/* ---- answering ------------------------------------------------------------- */

/* Common to the application's answers and the layer's own. */
static int
respond(struct http_req *r, int status, const char *reason, const void *body,
    size_t len)
{
	struct http_conn *c = r->conn;
	size_t queued, size;
	int rc;

	if (c->state == CONN_CLOSED) {
		errno = ECONNRESET;
		return -1;
	}
	queued = http_conn_queued(c);
	size = len + r->rhdrs.len + 256;
	if (queued > 0 && (queued >= c->srv->cfg.out_max ||
	    size > c->srv->cfg.out_max - queued)) {
		log_debug("http: %s#%llu: %zu octets queued, %zu more: peer "
		    "not reading", c->peer, (unsigned long long)c->id, queued,
		    size);
		http_conn_close(c, "output over out_max: peer not reading");
		errno = ECONNRESET;
		return -1;
	}
	body_answer_early(r);
	if (r->stream_id != 0)
		rc = http2_respond(r, status, body, len);
	else
		rc = h1_respond(r, status, reason, body, len);
	if (rc == -1)
		return -1;
	r->status = status;
	r->state = REQ_ANSWERED;
	body_drop(r);
	log_debug("http: %s#%llu: %s %s %s -> %d (%zu octets)", c->peer,
	    (unsigned long long)c->id, str_at(r, r->method),
	    str_at(r, r->target), http_req_version(r), status, len);
	conn_poke(c);
	return 0;
}

void
http_req_error(struct http_req *r, int status, const char *why)
{
	char body[64];
	int n;

	log_debug("http: %s: %d %s: %s", r->peer, status, http_reason(status),
	    why);
	if (r->stream_id == 0)
		r->close = 1;
	r->rhdrs.len = 0;
	r->nrhdrs = 0;
	(void)buf_append(&r->rhdrs, "Content-Type\0text/plain\0", 24);
	r->nrhdrs = r->rhdrs.len > 0 ? 1 : 0;
	n = snprintf(body, sizeof(body), "%s\n", http_reason(status));
	(void)respond(r, status, NULL, body, (size_t)n);
}

int
http_resp_header(struct http_req *r, const char *name, const char *value)
{
	static const char *const refused[] = { "content-length", "date",
	    "transfer-encoding", "keep-alive", "upgrade", "proxy-connection",
	    NULL };
	size_t nl, vl, at;
	int i;

	if (r == NULL || name == NULL || value == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (r->state != REQ_HANDLER) {
		errno = r->state == REQ_GONE ? ECONNRESET : EALREADY;
		return -1;
	}
	if (!is_token(name) || !is_field_value(value)) {
		errno = EINVAL;
		return -1;
	}
	if (strcasecmp(name, "connection") == 0) {
		if (strcasecmp(value, "close") != 0) {
			errno = EINVAL;
			return -1;
		}
		if (r->stream_id == 0)
			r->close = 1;
		return 0;
	}
	for (i = 0; refused[i] != NULL; i++)
		if (strcasecmp(name, refused[i]) == 0) {
			errno = EINVAL;
			return -1;
		}
	nl = strlen(name) + 1;
	vl = strlen(value) + 1;
	at = r->rhdrs.len;
	if (nl + vl > r->rhdrs.max - at) {
		errno = EMSGSIZE;
		return -1;
	}
	if (buf_append(&r->rhdrs, name, nl) == -1 ||
	    buf_append(&r->rhdrs, value, vl) == -1) {
		r->rhdrs.len = at;
		errno = ENOMEM;
		return -1;
	}
	r->nrhdrs++;
	return 0;
}

int
http_respond(struct http_req *r, int status, const char *reason,
    const void *body, size_t len)
{
	if (r == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (r->state != REQ_HANDLER) {
		errno = r->state == REQ_GONE ? ECONNRESET : EALREADY;
		return -1;
	}
	if (r->conn == NULL || r->conn->state == CONN_CLOSED) {
		errno = ECONNRESET;
		return -1;
	}
	if (status < 200 || status > 599 || (len > 0 && body == NULL) ||
	    ((status == 204 || status == 304) && len > 0) ||
	    (reason != NULL && !is_field_value(reason))) {
		errno = EINVAL;
		return -1;
	}
	return respond(r, status, reason, body, len);
}

/* ---- streamed responses ------------------------------------------------------ */

/* Octets of `r`'s response still in the server: its own queue and what
 * the transport holds (earlier responses included, on HTTP/1.1). */
static size_t
req_queued(struct http_req *r)
{
	return (r->out != NULL ? evbuffer_get_length(r->out) : 0) +
	    evbuffer_get_length(bufferevent_get_output(r->conn->bev));
}

/* Would `more` octets take the connection's output beyond out_max? Then
 * the peer does not read: the connection closes. */
static int
over_out_max(struct http_conn *c, size_t more)
{
	size_t queued = http_conn_queued(c);

	if (queued == 0 || (queued < c->srv->cfg.out_max &&
	    more <= c->srv->cfg.out_max - queued))
		return 0;
	log_debug("http: %s#%llu: %zu octets queued, %zu more: peer not "
	    "reading", c->peer, (unsigned long long)c->id, queued, more);
	http_conn_close(c, "output over out_max: peer not reading");
	return 1;
}

/* errno for a call that needs `r` streaming, in state `r->state`. */
static int
not_streaming(const struct http_req *r)
{
	errno = r->state == REQ_GONE ? ECONNRESET : r->state == REQ_HANDLER ||
	    r->state == REQ_RECEIVING || r->state == REQ_READY ? EINVAL :
	    EALREADY;
	return -1;
}

int
http_respond_begin(struct http_req *r, int status, const char *reason,
    int64_t length)
{
	struct http_conn *c;
	int rc;

	if (r == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (r->state != REQ_HANDLER) {
		errno = r->state == REQ_GONE ? ECONNRESET : EALREADY;
		return -1;
	}
	if ((c = r->conn) == NULL || c->state == CONN_CLOSED) {
		errno = ECONNRESET;
		return -1;
	}
	if (status < 200 || status > 599 || length < -1 ||
	    ((status == 204 || status == 304) && length > 0) ||
	    (reason != NULL && !is_field_value(reason))) {
		errno = EINVAL;
		return -1;
	}
	if (over_out_max(c, r->rhdrs.len + 256)) {
		errno = ECONNRESET;
		return -1;
	}
	/* a 100 Continue cannot follow the final head: the client that
	 * waits for it is let go (and the connection with it) */
	body_answer_early(r);
	r->streaming = 1;
	r->nobody = r->head || status == 204 || status == 304;
	r->length = length;
	r->chunked = 0;
	if (r->stream_id != 0)
		rc = http2_respond_begin(r, status, length);
	else
		rc = h1_respond_begin(r, status, reason, length);
	if (rc == -1) {
		r->streaming = 0;
		return -1;
	}
	r->status = status;
	r->state = REQ_STREAMING;
	conn_poke(c);
	return 0;
}

ssize_t
http_respond_write(struct http_req *r, const void *data, size_t len)
{
	struct http_conn *c;
	char line[24];
	int n, rc = 0;

	if (r == NULL || (len > 0 && data == NULL)) {
		errno = EINVAL;
		return -1;
	}
	if (r->state != REQ_STREAMING)
		return not_streaming(r);
	if ((c = r->conn) == NULL || c->state == CONN_CLOSED) {
		errno = ECONNRESET;
		return -1;
	}
	if (len == 0)
		return (ssize_t)req_queued(r);
	if ((r->status == 204 || r->status == 304) ||
	    (r->length >= 0 && len > (uint64_t)r->length - r->sent)) {
		errno = EINVAL;
		return -1;
	}
	r->sent += len;
	if (r->nobody)	/* HEAD: the length counted, nothing sent */
		return (ssize_t)req_queued(r);
	if (over_out_max(c, len + 32)) {
		errno = ECONNRESET;
		return -1;
	}
	if (r->chunked) {
		/* RFC 9112 §7.1: chunk-size CRLF chunk-data CRLF */
		n = snprintf(line, sizeof(line), "%zx\r\n", len);
		rc = evbuffer_add(r->out, line, (size_t)n);
		if (rc == 0)
			rc = evbuffer_add(r->out, data, len);
		if (rc == 0)
			rc = evbuffer_add(r->out, "\r\n", 2);
		if (rc == 0)
			c->pending_out += (size_t)n + len + 2;
	} else if ((rc = evbuffer_add(r->out, data, len)) == 0) {
		if (c->pending_out == 0)
			c->out_progress = http_now_ms();
		c->pending_out += len;
	}
	if (rc != 0) {
		/* part of a chunk may be queued: the framing is lost */
		http_conn_close(c, "out of memory");
		errno = ECONNRESET;
		return -1;
	}
	if (r->stream_id != 0)
		http2_stream_more(r);
	conn_poke(c);
	return (ssize_t)req_queued(r);
}

void
http_respond_on_drain(struct http_req *r, http_drain_cb cb, void *arg)
{
	if (r == NULL)
		return;
	r->drain_cb = cb;
	r->drain_arg = arg;
	if (cb != NULL && r->state == REQ_STREAMING && r->conn != NULL)
		conn_poke(r->conn);
}

int
http_respond_end(struct http_req *r)
{
	struct http_conn *c;

	if (r == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (r->state != REQ_STREAMING)
		return not_streaming(r);
	if ((c = r->conn) == NULL || c->state == CONN_CLOSED) {
		errno = ECONNRESET;
		return -1;
	}
	if (r->length >= 0 && r->sent != (uint64_t)r->length &&
	    !(r->status == 204 || r->status == 304)) {
		log_debug("http: %s#%llu: %llu of %lld octets written: aborted",
		    c->peer, (unsigned long long)c->id,
		    (unsigned long long)r->sent, (long long)r->length);
		http_respond_abort(r);
		errno = EINVAL;
		return -1;
	}
	if (r->chunked) {
		/* the last chunk, no trailer */
		if (evbuffer_add(r->out, "0\r\n\r\n", 5) != 0) {
			http_conn_close(c, "out of memory");
			errno = ECONNRESET;
			return -1;
		}
		c->pending_out += 5;
	}
	r->ended = 1;
	r->drain_cb = NULL;
	r->state = REQ_ANSWERED;
	body_drop(r);
	if (r->stream_id != 0)
		http2_stream_more(r);
	log_debug("http: %s#%llu: %s %s %s -> %d (%llu octets, streamed)",
	    c->peer, (unsigned long long)c->id, str_at(r, r->method),
	    str_at(r, r->target), http_req_version(r), r->status,
	    (unsigned long long)r->sent);
	conn_poke(c);
	return 0;
}

void
http_respond_abort(struct http_req *r)
{
	struct http_conn *c;

	if (r == NULL || r->state != REQ_STREAMING || (c = r->conn) == NULL ||
	    c->state == CONN_CLOSED)
		return;
	log_debug("http: %s#%llu: %s %s %s -> %d: aborted after %llu octets",
	    c->peer, (unsigned long long)c->id, str_at(r, r->method),
	    str_at(r, r->target), http_req_version(r), r->status,
	    (unsigned long long)r->sent);
	r->drain_cb = NULL;
	/* answered, so that leaving the connection calls no abort callback */
	r->state = REQ_ANSWERED;
	body_drop(r);
	if (r->stream_id != 0) {
		http2_stream_abort(r);
		conn_poke(c);
		return;
	}
	/* what went before and the body so far go out; then the end: the
	 * truncated framing tells the client (RFC 9112 §8) */
	r->state = REQ_STREAMING;
	h1_write(c);
	r->state = REQ_ANSWERED;
	if (TAILQ_FIRST(&c->reqs) != r) {
		/* not begun on the wire: dropped whole */
		c->pending_out -= evbuffer_get_length(r->out);
		evbuffer_drain(r->out, evbuffer_get_length(r->out));
	}
	c->cut = 1;
	http_req_detach(r);
	http_conn_finish(c, "response aborted");
	conn_poke(c);
}

/*
 * Run the drain callbacks due: streamed responses whose queued output is
 * at or below the low watermark. Returns how many ran.
 */
static int
run_drains(struct http_conn *c)
{
	struct http_server *s = c->srv;
	struct http_req *r;
	http_drain_cb cb;
	int n = 0;

again:
	TAILQ_FOREACH(r, &c->reqs, entry) {
		if (r->drain_cb == NULL || r->state != REQ_STREAMING ||
		    req_queued(r) > s->lowat)
			continue;
		cb = r->drain_cb;
		r->drain_cb = NULL;
		s->in_cb++;
		cb(r, r->drain_arg);
		s->in_cb--;
		n++;
		if (c->state == CONN_CLOSED)
			return n;
		goto again;	/* the list may have changed */
	}
	return n;
}

/* ---- dispatch ---------------------------------------------------------------- */

/* Hand complete requests to the application while output allows. */
static int
dispatch(struct http_conn *c)
{
	struct http_server *s = c->srv;
	struct http_req *r;
	int n = 0;

	while (c->state != CONN_CLOSED && c->state != CONN_FLUSHING &&
	    c->state != CONN_LINGERING &&
	    (r = TAILQ_FIRST(&c->ready)) != NULL && !conn_paused(c)) {
		TAILQ_REMOVE(&c->ready, r, qentry);
		r->queued = 0;
		r->state = REQ_HANDLER;
		s->in_cb++;
		s->handler(r, s->arg);
		s->in_cb--;
		n++;
	}
	return n;
}

/* ---- HTTP/1.1 parsing ----------------------------------------------------- */

/* The layer answers the request being received (or a new one) and stops
 * reading requests. */
static void
h1_fail(struct http_conn *c, int status, const char *why)
{
	struct http_req *r = c->cur;

	if (r != NULL && r->bstream) {
		http_req_body_fail(r, status, why);
		return;
	}
	if (r == NULL && (r = http_req_new(c)) == NULL) {
		http_conn_close(c, "out of memory");
		return;
	}
	c->cur = NULL;
	c->rx_start = 0;
	conn_set_state(c, CONN_H1_LAST);
	http_req_error(r, status, why);
}

/*
 * End of the head in p[0..n): the octet after the LF LF or LF CR LF that
 * ends it, or 0. `*scan` remembers where to resume.
 */
static size_t
head_end(const uint8_t *p, size_t n, size_t *scan)
{
	const uint8_t *q;
	size_t i = *scan, j;

	while (i < n) {
		if ((q = memchr(p + i, '\n', n - i)) == NULL)
			break;
		j = (size_t)(q - p);
		if (j + 1 < n && p[j + 1] == '\n')
			return j + 2;
		if (j + 2 < n && p[j + 1] == '\r' && p[j + 2] == '\n')
			return j + 3;
		if (j + 1 >= n || (j + 2 >= n && p[j + 1] == '\r')) {
			*scan = j;	/* undecided: look again from this LF */
			return 0;
		}
		i = j + 1;
	}
	*scan = n;
	return 0;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 §3) */
static int
h1_request_line(struct http_req *r, char *line, const char **why)
{
	char *sp1, *sp2, *t, *v;
	const unsigned char *u;

	*why = "bad request line";
	if ((sp1 = strchr(line, ' ')) == NULL)
		return 400;
	*sp1 = '\0';
	if (!is_token(line)) {
		*why = "bad method";
		return 400;
	}
	t = sp1 + 1;
	if ((sp2 = strchr(t, ' ')) == NULL || sp2 == t)
		return 400;
	*sp2 = '\0';
	/* VCHARs only; '[', ']' and '"' raw are fine (XCAP node selectors) */
	for (u = (const unsigned char *)t; *u != '\0'; u++)
		if (*u <= 0x20 || *u >= 0x7f) {
			*why = "bad request-target";
			return 400;
		}
	v = sp2 + 1;
	if (strncmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' ||
	    v[6] != '.' || v[7] < '0' || v[7] > '9' || v[8] != '\0') {
		*why = "bad HTTP-version";
		return 400;
	}
	r->method = (uint32_t)(line - (char *)r->text.data);
	r->target = (uint32_t)(t - (char *)r->text.data);
	r->head = strcmp(line, "HEAD") == 0;
	if (v[5] != '1') {
		*why = "HTTP major version not 1";
		return 505;
	}
	/* a higher 1.x minor is processed as 1.1 (RFC 9110 §2.5) */
	r->version = v[7] == '0' ? 10 : 11;
	return 0;
}

/*
 * Content-Length (RFC 9110 §8.6): 1*DIGIT; a list or repeated field is
 * accepted when every value is the same. `*first` keeps the first value
 * (leading zeros skipped) to compare the others with.
 */
static int
cl_merge(const char *v, const char **first, size_t *flen, uint64_t *cl)
{
	const char *tok;
	size_t len, i;
	uint64_t n;
	int seen = 0;

	while (list_next(&v, &tok, &len)) {
		seen = 1;
		for (i = 0; i < len; i++)
			if (tok[i] < '0' || tok[i] > '9')
				return -1;
		while (len > 1 && tok[0] == '0') {
			tok++;
			len--;
		}
		if (*first != NULL) {
			if (len != *flen || memcmp(tok, *first, len) != 0)
				return -1;
			continue;
		}
		*first = tok;
		*flen = len;
		for (n = 0, i = 0; i < len; i++)
			n = n > (UINT64_MAX - 9) / 10 ? UINT64_MAX :
			    n * 10 + (uint64_t)(tok[i] - '0');
		*cl = n;
	}
	return seen ? 0 : -1;
}

/* What the fields say about framing, connection and upgrade. */
static int
h1_semantics(struct http_conn *c, struct http_req *r, const char **why)
{
	const struct http_config *cfg = &c->srv->cfg;
	const char *name, *value, *tok, *cl_first = NULL, *settings = NULL;
	size_t i, len, cl_len = 0, nhost = 0, nsettings = 0, ncodings = 0;
	uint64_t cl = 0;
	int te = 0, chunked_last = 0, opt_close = 0, opt_keep = 0;
	int opt_upgrade = 0, opt_settings = 0, h2c = 0, expect = 0;

	for (i = 0; i < r->nhdrs; i++) {
		name = str_at(r, r->hdrs[i].name);
		value = str_at(r, r->hdrs[i].value);
		if (strcasecmp(name, "host") == 0)
			nhost++;
		else if (strcasecmp(name, "content-length") == 0) {
			if (cl_merge(value, &cl_first, &cl_len, &cl) == -1) {
				*why = "bad or conflicting Content-Length";
				return 400;
			}
		} else if (strcasecmp(name, "transfer-encoding") == 0) {
			te = 1;
			while (list_next(&value, &tok, &len)) {
				ncodings++;
				chunked_last = tok_eq(tok, len, "chunked");
			}
		} else if (strcasecmp(name, "connection") == 0) {
			opt_close |= list_has(value, "close");
			opt_keep |= list_has(value, "keep-alive");
			opt_upgrade |= list_has(value, "upgrade");
			opt_settings |= list_has(value, "http2-settings");
		} else if (strcasecmp(name, "upgrade") == 0)
			h2c |= list_has(value, "h2c");
		else if (strcasecmp(name, "http2-settings") == 0) {
			nsettings++;
			settings = value;
		} else if (strcasecmp(name, "expect") == 0)
			expect |= strcasecmp(value, "100-continue") == 0;
	}
	/* RFC 9112 §3.2 */
	if ((r->version == 11 && nhost != 1) || nhost > 1) {
		*why = nhost == 0 ? "no Host" : "more than one Host";
		return 400;
	}
	r->close = opt_close || (r->version == 10 && !opt_keep);
	if (strcmp(str_at(r, r->method), "CONNECT") == 0) {
		*why = "CONNECT not implemented";
		return 501;
	}
	/* RFC 9112 §6.1, §6.3 */
	if (te) {
		if (r->version == 10) {
			*why = "Transfer-Encoding in HTTP/1.0";
			return 400;
		}
		if (cl_first != NULL) {
			*why = "Content-Length with Transfer-Encoding";
			return 400;
		}
		if (!chunked_last) {
			*why = "chunked is not the final transfer coding";
			return 400;
		}
		if (ncodings != 1) {
			*why = "transfer coding not implemented";
			return 501;
		}
		c->ps = P_CHUNK_SIZE;
	} else if (cl_first != NULL && cl > 0) {
		if (cl > cfg->body_max) {
			*why = "Content-Length over body_max";
			return 413;
		}
		c->ps = P_BODY;
		c->remaining = (size_t)cl;
	}
	/* RFC 9110 §10.1.1: only an HTTP/1.1 client waits for 100 */
	if (expect && r->version == 11 && c->ps != P_HEAD)
		r->want_continue = 1;
	/*
	 * RFC 7540 §3.2: Upgrade: h2c with exactly one HTTP2-Settings, both
	 * named in Connection; only when nothing else is in flight, so the
	 * 101 is the next thing written. A bad payload: stay on HTTP/1.1.
	 */
	if (cfg->h2 && r->version == 11 && h2c && nsettings == 1 &&
	    opt_upgrade && opt_settings && c->nreqs == 1 && !r->close &&
	    b64url_decode(settings, &r->settings) == 0)
		r->upgrade = 1;
	return 0;
}

/* Split the head in r->text into request line and fields. */
static int
h1_parse_head(struct http_conn *c, struct http_req *r, const char **why)
{
	char *base = (char *)r->text.data, *end, *line, *eol, *next, *q, *v,
	    *t;
	int status;

	end = base + r->text.len - 1;	/* our NUL */
	if (memchr(base, '\0', (size_t)(end - base)) != NULL) {
		*why = "NUL in head";
		return 400;
	}
	eol = memchr(base, '\n', (size_t)(end - base));
	next = eol + 1;
	if (eol > base && eol[-1] == '\r')
		eol--;
	*eol = '\0';
	if (strchr(base, '\r') != NULL) {
		*why = "bare CR";
		return 400;
	}
	if ((status = h1_request_line(r, base, why)) != 0)
		return status;
	for (line = next; line < end; line = next) {
		eol = memchr(line, '\n', (size_t)(end - line));
		next = eol + 1;
		if (eol > line && eol[-1] == '\r')
			eol--;
		*eol = '\0';
		if (eol == line)
			break;		/* the empty line */
		if (strchr(line, '\r') != NULL) {
			*why = "bare CR";
			return 400;
		}
		/* RFC 9112 §5.2 obs-fold, §2.2 whitespace after start-line */
		if (*line == ' ' || *line == '\t') {
			*why = "obs-fold";
			return 400;
		}
		for (q = line; is_tchar((unsigned char)*q); q++)
			;
		/* RFC 9112 §5.1: no whitespace before the colon */
		if (q == line || *q != ':') {
			*why = "bad field name";
			return 400;
		}
		*q++ = '\0';
		while (*q == ' ' || *q == '\t')
			q++;
		v = q;
		for (t = eol; t > v && (t[-1] == ' ' || t[-1] == '\t'); t--)
			;
		*t = '\0';
		if (!is_field_value(v)) {
			*why = "control character in a field value";
			return 400;
		}
		if (hdr_push(r, (uint32_t)(line - base),
		    (uint32_t)(v - base)) == -1) {
			*why = "out of memory";
			return 500;
		}
	}
	return h1_semantics(c, r, why);
}

/* The request being received is complete. */
static void
h1_complete(struct http_conn *c)
{
	static const char up[] = "HTTP/1.1 101 Switching Protocols\r\n"
	    "Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
	struct http_req *r = c->cur;

	c->cur = NULL;
	c->rx_start = 0;
	c->ps = P_HEAD;
	if (r->bstream) {
		/* with the application since its head */
		r->bend = 1;
		r->want_continue = 0;
		if (r->close && c->state == CONN_H1)
			conn_set_state(c, CONN_H1_LAST);
		return;
	}
	http_req_complete(r);
	if (c->state == CONN_CLOSED)
		return;
	if (r->upgrade) {
		bufferevent_write(c->bev, up, sizeof(up) - 1);
		conn_set_state(c, CONN_H2);
		r->version = 20;
		if (http2_conn_start(c, r) == -1)
			http_conn_close(c, "h2c upgrade failed");
		return;
	}
	if (r->close)
		conn_set_state(c, CONN_H1_LAST);
}

/* Returns 1 when a head was parsed, 0 for more input, -1 to stop. */
static int
h1_head(struct http_conn *c, struct evbuffer *in)
{
	const struct http_config *cfg = &c->srv->cfg;
	struct http_req *r;
	const uint8_t *p;
	const char *why = "";
	size_t avail = evbuffer_get_length(in), n, end;
	int status;

	if (avail == 0)
		return 0;
	if (c->rx_start == 0)
		c->rx_start = http_now_ms();
	/* RFC 9112 §2.2: empty lines before the request line are skipped */
	while (c->scan == 0 && avail > 0) {
		p = evbuffer_pullup(in, avail >= 2 ? 2 : 1);
		if (p[0] == '\n')
			n = 1;
		else if (p[0] == '\r' && avail == 1)
			return 0;
		else if (p[0] == '\r' && p[1] == '\n')
			n = 2;
		else
			break;
		evbuffer_drain(in, n);
		avail -= n;
	}
	if (avail == 0)
		return 0;
	n = avail < cfg->head_max ? avail : cfg->head_max;
	p = evbuffer_pullup(in, (ssize_t)n);
	if ((end = head_end(p, n, &c->scan)) == 0) {
		if (n < cfg->head_max)
			return 0;
		if (memchr(p, '\n', n) == NULL)
			h1_fail(c, 414, "request line over head_max");
		else
			h1_fail(c, 431, "request head over head_max");
		return -1;
	}
	c->scan = 0;
	if ((r = http_req_new(c)) == NULL) {
		http_conn_close(c, "out of memory");
		return -1;
	}
	c->cur = r;
	r->start_ms = c->rx_start;
	if (buf_append(&r->text, p, end) == -1 ||
	    buf_append(&r->text, "", 1) == -1) {
		http_conn_close(c, "out of memory");
		return -1;
	}
	evbuffer_drain(in, end);
	c->ps = P_HEAD;
	if ((status = h1_parse_head(c, r, &why)) != 0) {
		c->ps = P_HEAD;
		h1_fail(c, status, why);
		return -1;
	}
	if (c->ps == P_HEAD)
		h1_complete(c);
	else if (c->srv->cfg.stream_bodies && !r->upgrade) {
		/* the handler runs now; the body follows as it comes */
		r->bstream = 1;
		http_req_complete(r);
	}
	return 1;
}

/* A chunk-size line (RFC 9112 §7.1). 1 parsed, 0 more input, -1 stop. */
static int
h1_chunk_size(struct http_conn *c, struct evbuffer *in)
{
	size_t avail = evbuffer_get_length(in), n, i, len, size = 0;
	const uint8_t *p, *q;
	int huge = 0, hex;

	n = avail < CHUNK_LINE_MAX ? avail : CHUNK_LINE_MAX;
	if (n == 0)
		return 0;
	p = evbuffer_pullup(in, (ssize_t)n);
	if ((q = memchr(p, '\n', n)) == NULL) {
		if (n < CHUNK_LINE_MAX)
			return 0;
		h1_fail(c, 400, "chunk-size line too long");
		return -1;
	}
	len = (size_t)(q - p);		/* without the LF */
	if (len > 0 && p[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			hex = p[i] - '0';
		else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')
			hex = (p[i] | 0x20) - 'a' + 10;
		else
			break;
		if (size > (SIZE_MAX >> 4))
			huge = 1;
		else
			size = size << 4 | (size_t)hex;
	}
	if (i == 0) {
		h1_fail(c, 400, "bad chunk-size");
		return -1;
	}
	/* chunk-ext = *( BWS ";" ... ): read and ignored */
	if (i < len) {
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i == len || p[i] != ';') {
			h1_fail(c, 400, "bad chunk-size");
			return -1;
		}
		for (; i < len; i++)
			if (!is_field_char(p[i])) {
				h1_fail(c, 400, "bad chunk extension");
				return -1;
			}
	}
	evbuffer_drain(in, (size_t)(q - p) + 1);
	if (size == 0) {
		c->ps = P_TRAILER;
		c->trailer_len = 0;
		return 1;
	}
	if (huge || size > c->srv->cfg.body_max - (c->cur->bstream ?
	    (size_t)c->cur->brecv : c->cur->body.len)) {
		h1_fail(c, 413, "chunked body over body_max");
		return -1;
	}
	c->remaining = size;
	c->ps = P_CHUNK_DATA;
	return 1;
}

/* Trailer fields (RFC 9112 §7.1.2): read, capped, ignored. */
static int
h1_trailer(struct http_conn *c, struct evbuffer *in)
{
	const struct http_config *cfg = &c->srv->cfg;
	size_t avail, n, len;
	const uint8_t *p, *q;
	int last;

	for (;;) {
		avail = evbuffer_get_length(in);
		n = cfg->head_max - c->trailer_len + 1;
		if (n > avail)
			n = avail;
		if (n == 0)
			return 0;
		p = evbuffer_pullup(in, (ssize_t)n);
		if ((q = memchr(p, '\n', n)) == NULL) {
			if (c->trailer_len + n <= cfg->head_max)
				return 0;
			h1_fail(c, 431, "trailer over head_max");
			return -1;
		}
		len = (size_t)(q - p) + 1;
		c->trailer_len += len;
		if (c->trailer_len > cfg->head_max) {
			h1_fail(c, 431, "trailer over head_max");
			return -1;
		}
		last = len == 1 || (len == 2 && p[0] == '\r');
		evbuffer_drain(in, len);	/* p is gone */
		if (last) {
			h1_complete(c);
			return 1;
		}
	}
}

/*
 * A streamed body: up to c->remaining octets into r->bin while it holds
 * less than HTTP_BODY_HOLD (then reading stops: conn_update()), or
 * dropped. The request timeout counts from the last octet while the
 * client is the one to wait for.
 */
static int
h1_body_stream(struct http_conn *c, struct evbuffer *in)
{
	struct http_req *r = c->cur;
	size_t avail = evbuffer_get_length(in), n, held;
	const uint8_t *p;

	n = avail < c->remaining ? avail : c->remaining;
	if (!r->bdiscard) {
		held = r->bin != NULL ? evbuffer_get_length(r->bin) : 0;
		if (held >= HTTP_BODY_HOLD) {
			c->rx_start = 0;	/* the reader is the slow one */
			return 0;
		}
		if (n > HTTP_BODY_HOLD - held)
			n = HTTP_BODY_HOLD - held;
	}
	if (n == 0) {
		if (c->rx_start == 0)
			c->rx_start = http_now_ms();
		return 0;
	}
	c->rx_start = http_now_ms();
	p = evbuffer_pullup(in, (ssize_t)n);
	if (!r->bdiscard && ((r->bin == NULL &&
	    (r->bin = evbuffer_new()) == NULL) ||
	    evbuffer_add(r->bin, p, n) != 0)) {
		http_conn_close(c, "out of memory");
		return -1;
	}
	evbuffer_drain(in, n);
	r->brecv += n;
	r->want_continue = 0;
	c->remaining -= n;
	if (c->remaining > 0)
		return 1;
	if (c->ps == P_BODY)
		h1_complete(c);
	else
		c->ps = P_CHUNK_END;
	return 1;
}

/* Move up to c->remaining body octets into the request. */
static int
h1_body(struct http_conn *c, struct evbuffer *in)
{
	size_t avail = evbuffer_get_length(in), n;
	const uint8_t *p;

	if (c->cur->bstream)
		return h1_body_stream(c, in);
	n = avail < c->remaining ? avail : c->remaining;
	if (n == 0)
		return 0;
	p = evbuffer_pullup(in, (ssize_t)n);
	if (buf_append(&c->cur->body, p, n) == -1) {
		http_conn_close(c, "out of memory");
		return -1;
	}
	evbuffer_drain(in, n);
	c->cur->want_continue = 0;
	c->remaining -= n;
	if (c->remaining > 0)
		return 0;
	if (c->ps == P_BODY)
		h1_complete(c);
	else
		c->ps = P_CHUNK_END;
	return 1;
}

static int
h1_chunk_end(struct http_conn *c, struct evbuffer *in)
{
	size_t avail = evbuffer_get_length(in);
	const uint8_t *p;

	if (avail == 0)
		return 0;
	p = evbuffer_pullup(in, avail >= 2 ? 2 : 1);
	if (p[0] == '\n') {
		evbuffer_drain(in, 1);
	} else if (p[0] == '\r' && avail == 1) {
		return 0;
	} else if (p[0] == '\r' && p[1] == '\n') {
		evbuffer_drain(in, 2);
	} else {
		h1_fail(c, 400, "no CRLF after chunk data");
		return -1;
	}
	c->ps = P_CHUNK_SIZE;
	return 1;
}

/*
 * Parse HTTP/1.x input: as many requests as the pipeline and the output
 * allow. Returns how many steps made progress.
 */
static int
h1_parse(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	int n = 0, rc = 0;

	while (c->state == CONN_H1) {
		switch (c->ps) {
		case P_HEAD:
			if (conn_paused(c) ||
			    c->nreqs >= c->srv->cfg.pipeline_max)
				return n;
			rc = h1_head(c, in);
			break;
		case P_BODY:
		case P_CHUNK_DATA:
			rc = h1_body(c, in);
			break;
		case P_CHUNK_SIZE:
			rc = h1_chunk_size(c, in);
			break;
		case P_CHUNK_END:
			rc = h1_chunk_end(c, in);
			break;
		case P_TRAILER:
			rc = h1_trailer(c, in);
			break;
		}
		if (rc <= 0)
			return n + (rc < 0);
		n++;
	}
	return n;
}

/* NEW: the HTTP/2 preface (RFC 9113 §3.4) or HTTP/1.x? */
static void
sniff(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t avail = evbuffer_get_length(in), n;
	const uint8_t *p;

	if (avail == 0)
		return;
	if (!c->srv->cfg.h2) {
		conn_set_state(c, CONN_H1);
		return;
	}
	n = avail < H2_PREFACE_LEN ? avail : H2_PREFACE_LEN;
	p = evbuffer_pullup(in, (ssize_t)n);
	if (memcmp(p, H2_PREFACE, n) != 0) {
		conn_set_state(c, CONN_H1);
		return;
	}
	if (n < H2_PREFACE_LEN) {
		if (c->rx_start == 0)
			c->rx_start = http_now_ms();
		return;
	}
	c->rx_start = 0;
	conn_set_state(c, CONN_H2);
	if (http2_conn_start(c, NULL) == -1)
		http_conn_close(c, "cannot start HTTP/2");
}

/* ---- connection processing ---------------------------------------------- */

static void
discard_input(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

/*
 * The peer closed its sending side. HTTP/1.1 gives no way to tell a
 * half-close from a client gone, so requests still in flight are
 * abandoned (their abort callbacks run) as most servers do; with nothing
 * in flight what is queued is still written.
 */
static void
conn_eof(struct http_conn *c)
{
	switch (c->state) {
	case CONN_NEW:
	case CONN_H1:
	case CONN_H1_LAST:
	case CONN_H2:
		if (c->nreqs > 0 || c->rx_start != 0)
			http_conn_close(c, "peer closed");
		else
			http_conn_finish(c, "peer closed");
		break;
	case CONN_LINGERING:
		http_conn_close(c, "peer closed");
		break;
	case CONN_FLUSHING:
	case CONN_CLOSED:
		break;
	}
}

static void
conn_process(struct http_conn *c)
{
	int progress;

	if (c->state == CONN_CLOSED)
		return;
	c->busy++;
	do {
		progress = 0;
		switch (c->state) {
		case CONN_NEW:
			sniff(c);
			progress = c->state != CONN_NEW;
			break;
		case CONN_H1:
			progress = h1_parse(c);
			break;
		case CONN_H2:
			if (!conn_read_paused(c) && http2_conn_recv(c) == -1)
				goto out;
			break;
		case CONN_H1_LAST:
		case CONN_FLUSHING:
		case CONN_LINGERING:
			discard_input(c);
			break;
		case CONN_CLOSED:
			goto out;
		}
		if (c->state == CONN_CLOSED)
			break;
		progress += dispatch(c);
		if (c->state == CONN_CLOSED)
			break;
		if (c->h2 != NULL) {
			if (http2_conn_send(c) == -1)
				break;
		} else
			h1_write(c);
		if (c->state != CONN_CLOSED)
			progress += run_drains(c);
		if (c->state != CONN_CLOSED)
			progress += run_bodies(c);
	} while (progress > 0 && c->state != CONN_CLOSED);
	if (c->eof && c->state != CONN_CLOSED)
		conn_eof(c);
out:
	c->busy--;
	conn_update(c);
}

/* Reading on or off, FLUSHING done?, and the timer. */
static void
conn_update(struct http_conn *c)
{
	const struct http_config *cfg = &c->srv->cfg;
	struct timeval tv;
	uint64_t now, d = 0;
	int want = 0, idle;

	if (c->state == CONN_FLUSHING && conn_all_written(c))
		conn_flushed(c);
	if (c->state == CONN_CLOSED)
		return;
	switch (c->state) {
	case CONN_NEW:
	case CONN_H1:
		want = !conn_paused(c) &&
		    (c->cur != NULL || c->nreqs < cfg->pipeline_max);
		/* a streamed body held for a slow reader: TCP holds the rest */
		if (c->cur != NULL && c->cur->bstream && !c->cur->bdiscard &&
		    c->cur->bin != NULL &&
		    evbuffer_get_length(c->cur->bin) >= HTTP_BODY_HOLD)
			want = 0;
		break;
	case CONN_H2:
		want = !conn_read_paused(c);
		break;
	case CONN_H1_LAST:
	case CONN_FLUSHING:
	case CONN_LINGERING:
		want = 1;	/* to discard */
		break;
	case CONN_CLOSED:
		break;
	}
	if (c->eof)
		want = 0;
	if (want != c->reading) {
		if (want)
			bufferevent_enable(c->bev, EV_READ);
		else
			bufferevent_disable(c->bev, EV_READ);
		c->reading = want;
	}

	now = http_now_ms();
	idle = (c->state == CONN_NEW || c->state == CONN_H1 ||
	    c->state == CONN_H2) && c->nreqs == 0 && c->rx_start == 0 &&
	    conn_all_written(c);
	if (!idle)
		c->idle_since = 0;
	else if (c->idle_since == 0)
		c->idle_since = now;
	switch (c->state) {
	case CONN_NEW:
	case CONN_H1:
		if (c->rx_start != 0)
			d = c->rx_start + cfg->request_timeout_ms;
		break;
	case CONN_H2:
		d = http2_conn_deadline(c);
		break;
	case CONN_LINGERING:
		d = c->linger_until;
		break;
	default:
		break;
	}
	if (d == 0 && idle)
		d = c->idle_since + cfg->idle_timeout_ms;
	if (d == c->deadline)
		return;
	c->deadline = d;
	if (d == 0) {
		evtimer_del(c->timer);
		return;
	}
	d = d > now ? d - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(c->timer, &tv);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;
	const struct http_config *cfg = &c->srv->cfg;
	uint64_t now = http_now_ms();
	int idle;

	(void)fd;
	(void)what;
	c->deadline = 0;
	idle = c->idle_since != 0 && now >= c->idle_since + cfg->idle_timeout_ms;
	switch (c->state) {
	case CONN_NEW:
	case CONN_H1:
		if (c->rx_start != 0 &&
		    now >= c->rx_start + cfg->request_timeout_ms) {
			if (c->state == CONN_NEW)
				conn_set_state(c, CONN_H1);
			h1_fail(c, 408, "request not complete in time");
		} else if (idle) {
			http_conn_close(c, "idle");
			return;
		}
		break;
	case CONN_H2:
		http2_conn_timer(c, now, idle);
		break;
	case CONN_LINGERING:
		if (now >= c->linger_until) {
			http_conn_close(c, "linger time over");
			return;
		}
		break;
	default:
		break;
	}
	conn_process(c);
}

static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_process(arg);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;

	(void)bev;
	if (c->busy)
		event_active(c->kick, 0, 0);
	else
		conn_process(c);
}

/* Output drained to the low watermark: resume reading, send more. */
static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;

	(void)bev;
	if (c->busy)
		event_active(c->kick, 0, 0);
	else
		conn_process(c);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn *c = arg;
	int e = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		log_debug("http: %s#%llu: output stalled for %u ms", c->peer,
		    (unsigned long long)c->id, c->srv->cfg.idle_timeout_ms);
		http_conn_close(c, "output stalled: peer not reading");
	} else if (what & BEV_EVENT_ERROR) {
		http_conn_close(c, e != 0 ? evutil_socket_error_to_string(e) :
		    "transport error");
	} else if (what & BEV_EVENT_EOF) {
		c->eof = 1;
		c->reading = 0;		/* libevent stopped reading */
		if (c->busy)
			event_active(c->kick, 0, 0);
		else
			conn_process(c);
	}
}

static struct http_conn *
conn_new(struct http_server *s, struct bufferevent *bev, int fd,
    const char *peer)
{
	struct http_conn *c;
	struct timeval tv;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->kick = event_new(s->base, -1, 0, kick_cb, c);
	c->timer = evtimer_new(s->base, timer_cb, c);
	if (c->kick == NULL || c->timer == NULL) {
		if (c->kick != NULL)
			event_free(c->kick);
		if (c->timer != NULL)
			event_free(c->timer);
		free(c);
		return NULL;
	}
	c->srv = s;
	c->id = ++s->next_id;
	c->state = CONN_NEW;
	c->bev = bev;
	c->fd = fd;
	c->ps = P_HEAD;
	snprintf(c->peer, sizeof(c->peer), "%s", peer != NULL ? peer : "?");
	TAILQ_INIT(&c->reqs);
	TAILQ_INIT(&c->ready);
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	s->nconns++;

	bufferevent_setcb(bev, read_cb, write_cb, event_cb, c);
	bufferevent_setwatermark(bev, EV_READ, 0, 0);
	bufferevent_setwatermark(bev, EV_WRITE, s->lowat, 0);
	tv.tv_sec = s->cfg.idle_timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(s->cfg.idle_timeout_ms % 1000) * 1000;
	bufferevent_set_timeouts(bev, NULL, &tv);
	log_debug2("http: %s#%llu: connected", c->peer,
	    (unsigned long long)c->id);
	conn_update(c);
	if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
		event_active(c->kick, 0, 0);
	return c;
}

/* ---- server ------------------------------------------------------------ */

static void
peer_name(const struct sockaddr *sa, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out, size, "%s:%u", host, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(out, size, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else
		snprintf(out, size, "?");
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener *l = arg;
	struct http_server *s = l->srv;
	struct bufferevent *bev;
	char peer[HTTP_PEER_MAX];
	int one = 1;

	(void)lev;
	(void)salen;
	peer_name(sa, peer, sizeof(peer));
	/* whole responses are written at once: no Nagle delay */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((bev = bufferevent_socket_new(s->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("http: %s: cannot make a bufferevent", peer);
		close(fd);
		return;
	}
	if (conn_new(s, bev, fd, peer) == NULL) {
		log_warnx("http: %s: out of memory", peer);
		bufferevent_free(bev);
	}
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(l->lev);
}

/* accept() failed: out of descriptors or memory — rest a little. */
static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct listener *l = arg;
	struct timeval tv = { 0, ACCEPT_PAUSE_MS * 1000 };
	int e = EVUTIL_SOCKET_ERROR();

	log_warnx("http: accept: %s", evutil_socket_error_to_string(e));
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		evconnlistener_disable(lev);
		evtimer_add(l->resume, &tv);
	}
}

struct http_server *
http_server_new(struct event_base *base, const struct http_config *cfg,
    http_handler h, void *arg, char *err, size_t errlen)
{
	struct http_server *s;

	if (base == NULL || h == NULL) {
		fail(err, errlen, "http: no event base or handler");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fail(err, errlen, "http: out of memory");
		return NULL;
	}
	if (cfg != NULL)
		s->cfg = *cfg;
	else
		s->cfg.h2 = 1;
	if (s->cfg.head_max == 0)
		s->cfg.head_max = HTTP_HEAD_MAX_DEFAULT;
	if (s->cfg.body_max == 0)
		s->cfg.body_max = HTTP_BODY_MAX_DEFAULT;
	if (s->cfg.idle_timeout_ms == 0)
		s->cfg.idle_timeout_ms = HTTP_IDLE_TIMEOUT_DEFAULT_MS;
	if (s->cfg.request_timeout_ms == 0)
		s->cfg.request_timeout_ms = HTTP_REQUEST_TIMEOUT_DEFAULT_MS;
	if (s->cfg.out_max == 0)
		s->cfg.out_max = HTTP_OUT_MAX_DEFAULT;
	if (s->cfg.max_streams == 0)
		s->cfg.max_streams = HTTP_MAX_STREAMS_DEFAULT;
	if (s->cfg.pipeline_max == 0)
		s->cfg.pipeline_max = HTTP_PIPELINE_MAX_DEFAULT;
	if (s->cfg.head_max < HEAD_MIN || s->cfg.head_max > UINT32_MAX / 2 ||
	    s->cfg.body_max > SIZE_MAX / 2) {
		fail(err, errlen, "http: head_max or body_max out of range");
		free(s);
		return NULL;
	}
	s->lowat = s->cfg.out_max / 2 < HTTP_OUT_LOWAT ?
	    s->cfg.out_max / 2 : HTTP_OUT_LOWAT;
	if (s->lowat == 0)
		s->lowat = 1;
	s->base = base;
	s->handler = h;
	s->arg = arg;
	TAILQ_INIT(&s->listeners);
	TAILQ_INIT(&s->conns);
	TAILQ_INIT(&s->dead);
	TAILQ_INIT(&s->aborts);
	if ((s->reap = event_new(base, -1, 0, reap_cb, s)) == NULL) {
		fail(err, errlen, "http: out of memory");
		free(s);
		return NULL;
	}
	return s;
}

int
http_server_listen(struct http_server *s, const char *addr, uint16_t port,
    uint16_t *bound_port, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct listener *l;
	char portstr[8];
	unsigned flags;
	int rc, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if ((rc = getaddrinfo(addr, portstr, &hints, &res)) != 0)
		return fail(err, errlen, "http: %s: %s", addr,
		    gai_strerror(rc));
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		freeaddrinfo(res);
		return fail(err, errlen, "http: out of memory");
	}
	l->srv = s;
	flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	    LEV_OPT_CLOSE_ON_EXEC;
	if (res->ai_family == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	l->lev = evconnlistener_new_bind(s->base, accept_cb, l, flags,
	    LISTEN_BACKLOG, res->ai_addr, (int)res->ai_addrlen);
	e = errno;
	freeaddrinfo(res);
	if (l->lev == NULL) {
		free(l);
		return fail(err, errlen, "http: listen on %s port %u: %s",
		    addr, port, strerror(e));
	}
	if ((l->resume = evtimer_new(s->base, resume_cb, l)) == NULL) {
		evconnlistener_free(l->lev);
		free(l);
		return fail(err, errlen, "http: out of memory");
	}
	evconnlistener_set_error_cb(l->lev, accept_error_cb);
	TAILQ_INSERT_TAIL(&s->listeners, l, entry);
	if (bound_port != NULL) {
		*bound_port = port;
		if (getsockname(evconnlistener_get_fd(l->lev),
		    (struct sockaddr *)&ss, &sslen) == 0) {
			if (ss.ss_family == AF_INET)
				*bound_port = ntohs(((struct sockaddr_in *)
				    (void *)&ss)->sin_port);
			else if (ss.ss_family == AF_INET6)
				*bound_port = ntohs(((struct sockaddr_in6 *)
				    (void *)&ss)->sin6_port);
		}
	}
	return 0;
}

int
http_server_adopt(struct http_server *s, struct bufferevent *bev,
    const char *peer)
{
	if (s == NULL || bev == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (conn_new(s, bev, -1, peer) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
http_server_adopt_ctx(struct http_server *s, struct bufferevent *bev,
    const char *peer, void *ctx, void (*ctx_free)(void *))
{
	struct http_conn *c;

	if (s == NULL || bev == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((c = conn_new(s, bev, -1, peer)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	c->ctx = ctx;
	c->ctx_free = ctx_free;
	return 0;
}

void *
http_req_conn_ctx(const struct http_req *r)
{
	return r->conn != NULL ? r->conn->ctx : NULL;
}

size_t
http_server_conn_count(const struct http_server *s)
{
	return s->nconns;
}

void
http_server_free(struct http_server *s)
{
	struct listener *l;
	struct http_conn *c;

	if (s == NULL)
		return;
	if (s->in_cb)
		fatalx("http_server_free from inside a handler or abort "
		    "callback");
	while ((l = TAILQ_FIRST(&s->listeners)) != NULL) {
		TAILQ_REMOVE(&s->listeners, l, entry);
		evconnlistener_free(l->lev);
		event_free(l->resume);
		free(l);
	}
	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		http_conn_close(c, "server shut down");
	reap_cb(-1, 0, s);
	event_free(s->reap);
	free(s);
}

/* ---- request accessors ---------------------------------------------------- */

const char *
http_req_method(const struct http_req *r)
{
	return str_at(r, r->method);
}

const char *
http_req_target(const struct http_req *r)
{
	return str_at(r, r->target);
}

const char *
http_req_version(const struct http_req *r)
{
	switch (r->version) {
	case 10:
		return "HTTP/1.0";
	case 20:
		return "HTTP/2";
	default:
		return "HTTP/1.1";
	}
}

int
http_req_is_h2(const struct http_req *r)
{
	return r->version == 20;
}

const char *
http_req_header_nth(const struct http_req *r, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < r->nhdrs; i++)
		if (strcasecmp(str_at(r, r->hdrs[i].name), name) == 0 &&
		    n-- == 0)
			return str_at(r, r->hdrs[i].value);
	return NULL;
}

const char *
http_req_header(const struct http_req *r, const char *name)
{
	return http_req_header_nth(r, name, 0);
}

size_t
http_req_header_count(const struct http_req *r)
{
	return r->nhdrs;
}

int
http_req_header_at(const struct http_req *r, size_t i, const char **name,
    const char **value)
{
	if (i >= r->nhdrs)
		return -1;
	*name = str_at(r, r->hdrs[i].name);
	*value = str_at(r, r->hdrs[i].value);
	return 0;
}

const uint8_t *
http_req_body(const struct http_req *r, size_t *len)
{
	*len = r->body.len;
	return r->body.len > 0 ? r->body.data : (const uint8_t *)"";
}

int
http_req_body_streaming(const struct http_req *r)
{
	return r != NULL && r->bstream;
}

int
http_req_body_read(struct http_req *r, http_body_cb cb, void *arg)
{
	if (r == NULL || !r->bstream || r->bdone) {
		errno = EINVAL;
		return -1;
	}
	if (cb == NULL) {
		if (r->conn != NULL) {
			body_drop(r);
			conn_poke(r->conn);
		}
		return 0;
	}
	if (r->conn == NULL || r->bdiscard || (r->state != REQ_HANDLER &&
	    r->state != REQ_STREAMING)) {
		errno = ECONNRESET;
		return -1;
	}
	r->body_cb = cb;
	r->body_arg = arg;
	r->bprogress = http_now_ms();
	conn_poke(r->conn);
	return 0;
}

void
http_req_body_pause(struct http_req *r, int paused)
{
	if (r == NULL || !r->bstream)
		return;
	paused = paused != 0;
	if (r->bpaused == paused)
		return;
	r->bpaused = paused;
	if (!paused && r->conn != NULL) {
		r->bprogress = http_now_ms();
		conn_poke(r->conn);
	}
}

const char *
http_req_peer(const struct http_req *r)
{
	return r->peer;
}

struct http_req *
http_req_ref(struct http_req *r)
{
	r->refs++;
	return r;
}

void
http_req_unref(struct http_req *r)
{
	if (r == NULL || r->refs == 0)
		return;
	r->refs--;
	req_maybe_free(r);
}

int
http_req_alive(const struct http_req *r)
{
	return (r->state == REQ_HANDLER || r->state == REQ_STREAMING) &&
	    r->conn != NULL && r->conn->state != CONN_CLOSED;
}

void
http_req_on_abort(struct http_req *r, http_abort_cb cb, void *arg)
{
	r->abort_cb = cb;
	r->abort_arg = arg;
}
