/*
 * upstream.h — an asynchronous HTTP client to one application server, for
 * the Authentication Proxy (TS 24.109 cl. 7: the AP forwards requests to
 * the AS and the answers back). HTTP/1.1 over a keep-alive connection
 * pool, or h2c with prior knowledge (RFC 9113 §3.3, nghttp2) over one
 * connection with many streams. Numeric addresses only: nothing resolves
 * names, nothing blocks the event loop.
 *
 * Each request gets exactly one callback: the complete response (status,
 * header fields, body), or an error saying which of the AP's answers fits
 * (502 could not connect / broken answer / too large, 504 no answer in
 * time, 503 too many requests queued). A streaming request
 * (upstream_request_stream()) gets the head and the body pieces as they
 * arrive first, with back-pressure (upstream_pause()), and the same one
 * callback at the end.
 *
 * HTTP/1.1: one request per connection at a time (no pipelining), at most
 * `max_conns` connections; requests beyond wait in a FIFO queue of at most
 * `queue_max`, then UPSTREAM_E_OVERLOAD. A connection is reused after a
 * complete response unless the AS said "Connection: close" or the
 * response was read to EOF; an idle connection closes after
 * `idle_timeout_ms`. A request that fails on a reused connection before
 * any response octet arrived is retried once on a fresh connection when
 * its method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS; RFC 9110
 * §9.2.2) — the AS may have closed an idle connection at the same moment.
 * Response framing: Content-Length, chunked, or read to EOF; 1xx interim
 * answers are skipped; HEAD, 204 and 304 have no body.
 *
 * h2c: one connection, opened on first use and re-opened after GOAWAY or
 * failure; requests beyond the peer's SETTINGS_MAX_CONCURRENT_STREAMS
 * wait in the same queue. A stream the AS refused (REFUSED_STREAM, or
 * above a GOAWAY's last stream id: RFC 9113 §8.7, not processed) goes
 * back to the queue in its place, whatever its method; any other reset
 * is UPSTREAM_E_PROTOCOL. A timeout, cancel or body over body_max resets
 * the stream (RST_STREAM CANCEL) and keeps the connection.
 *
 * A connection that cannot be opened (refused, connect_timeout_ms) fails
 * with UPSTREAM_E_CONNECT the requests waiting for it: in HTTP/1.1 the
 * one it was opened for, and the whole queue when no other connection is
 * up (the AS is not there); in h2c every queued request.
 *
 * Caps: response head `head_max` (UPSTREAM_E_PROTOCOL beyond; HTTP/1.1:
 * status lines and fields of the interim 1xx heads and the final one
 * together, trailers apart; HTTP/2: RFC 9113 §6.5.2 name + value + 32 per
 * field), more than UPSTREAM_HEADERS_MAX fields (UPSTREAM_E_PROTOCOL, no
 * field is dropped silently), response body `body_max`
 * (UPSTREAM_E_TOO_BIG, at once when Content-Length says so). HTTP/1.1
 * parsing is strict (RFC 9112): "HTTP/1.x NNN [reason]", no space before
 * a field's colon, no obs-fold, no controls but HTAB in values,
 * Content-Length digits only and consistent, Transfer-Encoding only a
 * lone "chunked" and never with Content-Length; bare LF line ends are
 * accepted; 101 is an error. Octets after a complete response close the
 * connection (never read as the next answer).
 * Logging: log_debug() per request (method, target, status, ms) and per
 * connection state change.
 */
#ifndef UTSTACK_UPSTREAM_H
#define UTSTACK_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct upstream;
struct upstream_req;

#define UPSTREAM_CONNECT_TIMEOUT_DEFAULT_MS	2000
#define UPSTREAM_RESPONSE_TIMEOUT_DEFAULT_MS	10000
#define UPSTREAM_IDLE_TIMEOUT_DEFAULT_MS	30000
#define UPSTREAM_MAX_CONNS_DEFAULT		32
#define UPSTREAM_QUEUE_MAX_DEFAULT		1024
#define UPSTREAM_HEAD_MAX_DEFAULT		16384
#define UPSTREAM_BODY_MAX_DEFAULT		(1024 * 1024)
#define UPSTREAM_HEADERS_MAX			100	/* response fields kept */
#define UPSTREAM_BODY_LOWAT			65536	/* request body octets
							 * queued: the caller
							 * waits above it */

/* Configuration, copied by upstream_new(). Zero fields take the defaults
 * named; `h2` is a plain flag. */
struct upstream_cfg {
	const char	*addr;		/* numeric IPv4 or IPv6 address */
	uint16_t	 port;
	int		 h2;		/* 1: h2c prior knowledge, 0: HTTP/1.1 */
	unsigned	 connect_timeout_ms;
	unsigned	 response_timeout_ms; /* request sent (queued) to the
					 * last octet of the response */
	unsigned	 idle_timeout_ms;
	size_t		 max_conns;	/* HTTP/1.1 connections */
	size_t		 queue_max;	/* requests waiting for a connection */
	size_t		 head_max;
	size_t		 body_max;
};

enum upstream_err {
	UPSTREAM_OK = 0,
	UPSTREAM_E_CONNECT,	/* refused, unreachable, connect timeout: 502 */
	UPSTREAM_E_TIMEOUT,	/* no complete answer in time: 504 */
	UPSTREAM_E_PROTOCOL,	/* malformed answer, reset, closed early: 502 */
	UPSTREAM_E_TOO_BIG,	/* response body over body_max: 502 */
	UPSTREAM_E_OVERLOAD,	/* queue full: 503 */
	UPSTREAM_E_SHUTDOWN,	/* upstream_free() with the request pending */
};

/* A response; every pointer is valid during the callback only. Header
 * names as received (HTTP/2: lower case), hop-by-hop fields included;
 * `body` is NUL-terminated (not counted), never NULL. */
struct upstream_resp {
	int		 status;
	size_t		 nheaders;
	const char	*names[UPSTREAM_HEADERS_MAX];
	const char	*values[UPSTREAM_HEADERS_MAX];
	const uint8_t	*body;
	size_t		 body_len;
	int		 h2;		/* answered over HTTP/2 */
};

/*
 * Called exactly once per request, from the event loop (never from inside
 * upstream_request()): `resp` with e == UPSTREAM_OK, else NULL and a
 * short reason in `why` ("connect: Connection refused", "timeout after
 * 10000 ms"). A callback may call upstream_request() and cancel other
 * requests; not upstream_free().
 */
typedef void (*upstream_cb)(void *arg, enum upstream_err e,
	    const struct upstream_resp *resp, const char *why);

/* A client on `base`. Returns it, or NULL with a reason in `err`. */
struct upstream	*upstream_new(struct event_base *base,
		    const struct upstream_cfg *cfg, char *err, size_t errlen);

/* Close every connection; pending requests get UPSTREAM_E_SHUTDOWN now
 * (requests whose outcome was known but not yet delivered get that
 * outcome now). Accepts NULL. Not from inside a callback. */
void		 upstream_free(struct upstream *u);

/*
 * Send `method` `target` (origin-form, sent as is) with the `nheaders`
 * fields names[i]: values[i] (copied; the caller leaves out hop-by-hop
 * fields, Host included: `host` is sent as Host / :authority) and the
 * `len` octets at `body` (copied; Content-Length is written when len > 0
 * or the method is PUT/POST). Returns a handle valid until the callback
 * runs or upstream_cancel(), or NULL with errno EINVAL (a name or value
 * with CR/LF/NUL) or ENOMEM — then `cb` is not called.
 * Also EINVAL: a method or field name that is not a token, a target
 * with SP, HTAB, CR or LF, a `host` with those, a call while
 * upstream_free() runs. `host` NULL sends the AS's "addr:port".
 * The module frames the message itself: Host, Content-Length and
 * Transfer-Encoding among `names` are left out, and on h2c the
 * connection-specific Connection, Keep-Alive, Proxy-Connection, Upgrade
 * and TE too (RFC 9113 §8.2.2); HTTP/2 names are sent in lower case.
 */
struct upstream_req *upstream_request(struct upstream *u, const char *method,
		    const char *target, const char *host,
		    const char *const *names, const char *const *values,
		    size_t nheaders, const uint8_t *body, size_t len,
		    upstream_cb cb, void *arg);

/*
 * Streaming (optional, per request: upstream_request_stream()): the
 * response is handed over as it arrives instead of whole.
 *
 *  - head(arg, resp): once, when the final head is in (status and fields
 *    as for a buffered response; `resp->body` is "" and `body_len` 0);
 *  - body(arg, data, len): for each piece of the body, in order, `len` >
 *    0, `data` valid during the call only;
 *  - then the request's upstream_cb exactly once, as for a buffered
 *    request: UPSTREAM_OK (with `resp` holding the head again and an
 *    empty body) when the body is complete, or an error — which, after
 *    head() ran, means the body is cut short (body_max passed, the AS
 *    closed or reset, a timeout): the caller must abort what it passed on.
 *
 * head() and body() run from the loop, inside this module's reading of
 * the connection (never from upstream_request()); they return 0 to go
 * on, or -1 to drop the request — as if upstream_cancel() were called:
 * no more callbacks, the upstream_cb included. Inside them the only
 * upstream calls allowed are upstream_pause() and upstream_cancel() of
 * their own request.
 *
 * Back-pressure: upstream_pause(r, 1) stops body() calls until
 * upstream_pause(r, 0). HTTP/1.1 stops reading the connection (the AS
 * meets TCP's flow control); h2c stops giving the stream's flow-control
 * window back (the AS may send at most one window more, held here) while
 * other streams go on. While paused the response timeout does not run
 * (the reader is the slow one); after the head it counts from the last
 * body octet read rather than from the start. body_max holds as for a
 * buffered request (UPSTREAM_E_TOO_BIG, possibly after head()).
 */
struct upstream_stream {
	int	(*head)(void *arg, const struct upstream_resp *resp);
	int	(*body)(void *arg, const uint8_t *data, size_t len);
	/* upstream_request_source() only (may be NULL): the request body
	 * queued is down to UPSTREAM_BODY_LOWAT again */
	void	(*drain)(void *arg);
};

/*
 * upstream_request() in streaming mode: `st` (copied) says where the
 * response goes; `cb` completes it. Same arguments, errors and handle
 * otherwise.
 */
struct upstream_req *upstream_request_stream(struct upstream *u,
		    const char *method, const char *target, const char *host,
		    const char *const *names, const char *const *values,
		    size_t nheaders, const uint8_t *body, size_t len,
		    const struct upstream_stream *st, upstream_cb cb,
		    void *arg);

/*
 * Streaming both ways: upstream_request_stream() whose request body is
 * not known whole, but given in pieces by upstream_body_write() and
 * ended by upstream_body_end() (the AP passing on a client's upload as it
 * comes). `length` is the body's length when known — HTTP/1.1 then sends
 * Content-Length, h2c content-length, and exactly that many octets must
 * be written —, or -1: HTTP/1.1 chunked, h2c DATA up to END_STREAM.
 * The head goes out when the request gets its connection; the pieces
 * follow as the connection takes them (h2c: as the AS's flow-control
 * window allows). Such a request is never sent twice: no retry on a
 * fresh connection, and a refused h2c stream is requeued only while none
 * of its body was sent. The response timeout counts from the last piece
 * written until the end, then as for upstream_request_stream().
 * An answer that comes before the body is all sent ends the request as
 * usual; pieces written after it are dropped (and an HTTP/1.1 connection
 * is not reused).
 */
struct upstream_req *upstream_request_source(struct upstream *u,
		    const char *method, const char *target, const char *host,
		    const char *const *names, const char *const *values,
		    size_t nheaders, int64_t length,
		    const struct upstream_stream *st, upstream_cb cb,
		    void *arg);

/*
 * Queue `len` octets (copied) of the request body of `r`. Returns the
 * octets still queued here for it (not yet taken by the kernel or
 * nghttp2; on HTTP/1.1 its head included):
 * above UPSTREAM_BODY_LOWAT the caller stops writing until st->drain()
 * runs (once, from the loop). 0 once the request has its answer (the
 * octets are dropped). -1 with errno EINVAL: not a request with a body
 * source, ended already, or more than its announced length. Not from
 * inside head() or body().
 */
ssize_t		 upstream_body_write(struct upstream_req *r,
		    const void *data, size_t len);

/*
 * The request body of `r` is complete. Returns 0, or -1 with errno
 * EINVAL: not a body source, ended already, or fewer octets than the
 * announced length written (the caller then cancels the request).
 */
int		 upstream_body_end(struct upstream_req *r);

/*
 * Pause (`paused` 1) or resume (0) the body() calls of a streaming
 * request; a resumed request goes on from the loop, never from inside
 * this call. No effect on a buffered request or NULL.
 */
void		 upstream_pause(struct upstream_req *r, int paused);

/* Forget a pending request: its callback will not run (an HTTP/1.1
 * connection it was using, or being opened for it, is closed; an HTTP/2
 * stream is reset). Accepts NULL; no effect from inside the request's
 * own callback. */
void		 upstream_cancel(struct upstream_req *r);

/* Statistics, for tests: connections open, requests queued. */
size_t		 upstream_conn_count(const struct upstream *u);
size_t		 upstream_queued(const struct upstream *u);

#endif
