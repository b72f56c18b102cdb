/*
 * http.h — the HTTP server layer of every utstack daemon: HTTP/1.1
 * (RFC 9112) and HTTP/2 in cleartext (h2c, RFC 9113, nghttp2) on one
 * port, one request API over both.
 *
 * A connection starts as HTTP/1.1 unless its first octets are the HTTP/2
 * connection preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (prior knowledge,
 * RFC 9113 §3.3); an HTTP/1.1 request with "Upgrade: h2c" and one
 * HTTP2-Settings field (RFC 7540 §3.2, still sent by nghttp and curl) is
 * answered "101 Switching Protocols" and then on HTTP/2 stream 1. Either
 * way the application sees the same struct http_req.
 *
 * What the layer does itself, so that no application has to:
 *  - framing: Content-Length and chunked request bodies (trailers read and
 *    ignored), "Expect: 100-continue" (the 100 is sent when the body is
 *    about to be read, in pipeline order), keep-alive (HTTP/1.1 by
 *    default, HTTP/1.0 with "Connection: keep-alive"), "Connection: close";
 *  - pipelining: requests are read ahead (at most `pipeline_max`) and
 *    handed to the handler in order; responses leave in request order
 *    whatever order the application answers in;
 *  - caps: a request head over `head_max` is answered 431 (414 when the
 *    request line alone does not fit), a body over `body_max` 413 (at once
 *    when Content-Length says so, without a 100 Continue), malformed input
 *    400, an unsupported transfer coding 501, a major version other than
 *    1 505 — on HTTP/1.1 each with "Connection: close", then the
 *    connection is closed after a lingering half-close (RFC 9112 §9.6);
 *    on HTTP/2 the stream gets the response and, if the client is still
 *    sending, RST_STREAM(NO_ERROR) (RFC 9113 §8.1);
 *  - time: a request whose head and body do not arrive within
 *    `request_timeout_ms` gets 408 (slowloris); a connection with nothing
 *    in flight is closed after `idle_timeout_ms` (HTTP/2: GOAWAY first);
 *    a connection whose output makes no progress for `idle_timeout_ms` is
 *    dropped (a peer that does not read);
 *  - back-pressure: while a connection has more than HTTP_OUT_LOWAT
 *    (at most out_max / 2) octets of output queued, no more requests are
 *    handed to the application, and nothing more is read — on HTTP/2 only
 *    while the transport itself is that full, so that the WINDOW_UPDATE
 *    releasing bodies held by flow control is still read; a response that
 *    would take queued output beyond `out_max` closes the connection (the
 *    peer does not read), and so do HTTP/2 bodies that wait longer than
 *    `idle_timeout_ms` for the client's window;
 *  - a client that closes its sending side (FIN) abandons the requests it
 *    has in flight (HTTP/1.1 cannot tell a half-close from a client gone):
 *    their abort callbacks run; what is already queued is still written;
 *  - every response carries Date, and Content-Length (except 204 and 304,
 *    RFC 9110 §8.6); HEAD responses have the length of the body given but
 *    no body;
 *  - streamed responses (http_respond_begin() and what follows): the body
 *    written as it is produced — Content-Length when known, else chunked
 *    (HTTP/1.1), the end of the connection (HTTP/1.0), DATA frames as the
 *    window allows (HTTP/2) — with a drain callback for back-pressure, and
 *    an abort that the client can tell from an end.
 *
 * HTTP/1.1 parsing is strict (RFC 9112): single SP in the request line,
 * request-target of VCHARs only (raw '[', ']' and '"' included), no
 * whitespace before a field's colon (§5.1), no obs-fold (§5.2), no bare
 * CR; but a bare LF is accepted as a line end (§2.2 allows it, and many
 * tools send it). Empty lines before a request line are skipped (§2.2).
 * An HTTP/1.1 request needs exactly one Host field (§3.2). Content-Length
 * must be digits; several values must agree (RFC 9110 §8.6), else 400.
 * Transfer-Encoding with Content-Length, in HTTP/1.0, or without
 * "chunked" last is 400 (§6.1, §6.3); any coding but a lone "chunked" 501.
 * Expectations other than 100-continue are ignored (RFC 9110 §10.1.1
 * permits it).
 *
 * Addresses are numeric: nothing here resolves names, nothing blocks the
 * event loop. Single-threaded, like all libevent use in utstack. The
 * process must ignore SIGPIPE (daemon_start() does): a write to a peer
 * gone is then an error on that connection only.
 * Logging: log_debug() one line per request answered (method, target,
 * version, status, length) and per connection error; log_debug2()
 * connection states. No event lines: the application logs those.
 */
#ifndef UTSTACK_HTTP_H
#define UTSTACK_HTTP_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct bufferevent;
struct http_server;
struct http_req;

#define HTTP_HEAD_MAX_DEFAULT		16384		/* 431 beyond */
#define HTTP_BODY_MAX_DEFAULT		(1024 * 1024)	/* 413 beyond */
#define HTTP_IDLE_TIMEOUT_DEFAULT_MS	60000
#define HTTP_REQUEST_TIMEOUT_DEFAULT_MS	30000
#define HTTP_OUT_MAX_DEFAULT		(8 * 1024 * 1024)
#define HTTP_MAX_STREAMS_DEFAULT	100	/* HTTP/2 concurrent streams */
#define HTTP_PIPELINE_MAX_DEFAULT	16	/* HTTP/1.1 requests read ahead */
#define HTTP_OUT_LOWAT			65536	/* reading pauses above this */
#define HTTP_RESP_HEADERS_MAX		65536	/* response header fields */
#define HTTP_PEER_MAX			64	/* "ip:port", "[v6]:port" + NUL */
#define HTTP_BODY_HOLD			65536	/* streamed request body octets
						 * held for a slow reader
						 * (HTTP/1.1) */
#define HTTP_BODY_WINDOW		(128 * 1024) /* ... HTTP/2: the
						 * stream window */

/*
 * Server configuration, copied by http_server_new(). A zero field takes
 * the default named; `h2` is a plain flag.
 */
struct http_config {
	size_t		head_max;	/* request line + fields (HTTP/2: the
					 * RFC 9113 §6.5.2 header list size),
					 * HTTP_HEAD_MAX_DEFAULT; also
					 * SETTINGS_MAX_HEADER_LIST_SIZE */
	size_t		body_max;	/* request body, HTTP_BODY_MAX_DEFAULT */
	unsigned	idle_timeout_ms; /* nothing in flight; also the longest
					 * output stall */
	unsigned	request_timeout_ms; /* first octet of a request (HTTP/2:
					 * its HEADERS) to its last */
	size_t		out_max;	/* queued output per connection */
	unsigned	max_streams;	/* SETTINGS_MAX_CONCURRENT_STREAMS */
	unsigned	pipeline_max;	/* HTTP/1.1 requests in flight */
	int		h2;		/* 1: accept h2c (prior knowledge and
					 * Upgrade), 0: HTTP/1.x only */
	int		stream_bodies;	/* 1: request bodies are streamed
					 * (http_req_body_read()), 0: read
					 * whole before the handler runs */
};

/*
 * Called once for each complete request, from the event loop (never from
 * inside another http_* call). Answer it with http_respond(), now or
 * later. `req` belongs to the layer: it is valid during the call, and
 * afterwards only until it is answered or its connection (HTTP/2: its
 * stream) is gone — which the application cannot see coming. To answer
 * later, take a reference with http_req_ref() before returning.
 */
typedef void (*http_handler)(struct http_req *req, void *arg);

/* Called once when an unanswered, referenced request is abandoned. */
typedef void (*http_abort_cb)(struct http_req *req, void *arg);

/* Called once when a streamed response's queued output has drained
 * (http_respond_on_drain()). */
typedef void (*http_drain_cb)(struct http_req *req, void *arg);

/*
 * A streamed request body (http_req_body_read()): a piece, `len` > 0
 * octets at `data` (valid during the call only), or the end: `data`
 * NULL and `len` 0 — the last call.
 */
typedef void (*http_body_cb)(struct http_req *req, const uint8_t *data,
	    size_t len, void *arg);

/* ---- server ----------------------------------------------------------- */

/*
 * A server on `base` with configuration `cfg` (NULL: every default, h2c
 * on) calling `h` with `arg` for each request. It has no listener yet:
 * see http_server_listen() and http_server_adopt().
 * Returns the server (free with http_server_free()), or NULL with a reason
 * in `err` (`errlen` octets).
 */
struct http_server *http_server_new(struct event_base *base,
	    const struct http_config *cfg, http_handler h, void *arg,
	    char *err, size_t errlen);

/*
 * Listen on the numeric IPv4 or IPv6 address `addr` (an IPv6 listener is
 * IPv6-only) and TCP `port`, 0 for any free one; the port bound is stored
 * in `*bound_port` when it is not NULL. May be called more than once.
 * Returns 0, or -1 with a reason in `err`.
 */
int	http_server_listen(struct http_server *s, const char *addr,
	    uint16_t port, uint16_t *bound_port, char *err, size_t errlen);

/*
 * Serve one already connected transport: `bev` (a socket bufferevent, or
 * a filter bufferevent doing TLS, say) becomes a connection of `s` exactly
 * as if it had been accepted, octets already in its input included. The
 * layer sets its callbacks, watermarks and timeouts and frees it with
 * bufferevent_free() when the connection ends (give it
 * BEV_OPT_CLOSE_ON_FREE for the transport to close too); it never calls
 * shutdown() on an adopted transport. `peer` (copied, at most
 * HTTP_PEER_MAX - 1 characters kept) names the client in
 * http_req_peer() and logs.
 * Returns 0 (`bev` is the server's), or -1 (out of memory; `bev` is still
 * the caller's).
 */
int	http_server_adopt(struct http_server *s, struct bufferevent *bev,
	    const char *peer);

/*
 * http_server_adopt() with an application context for the connection
 * (the AP's: who authenticated on this TLS session): handlers read it with
 * http_req_conn_ctx(); `ctx_free(ctx)` (may be NULL) runs when the
 * connection is freed. On failure (-1) nothing is freed.
 */
int	http_server_adopt_ctx(struct http_server *s, struct bufferevent *bev,
	    const char *peer, void *ctx, void (*ctx_free)(void *));

/* Connections open (for tests and statistics). */
size_t	http_server_conn_count(const struct http_server *s);

/*
 * Close every listener and connection and free the server. Unanswered
 * requests with an abort callback get it now; referenced requests stay
 * allocated until http_req_unref(). Not from inside a handler or abort
 * callback. Accepts NULL.
 */
void	http_server_free(struct http_server *s);

/* ---- request side --------------------------------------------------------
 * Every string returned is owned by the request, NUL-terminated, and valid
 * as long as the request is.
 */

/* The method token as sent ("GET"; case-sensitive, RFC 9110 §9.1). */
const char	*http_req_method(const struct http_req *r);

/*
 * The request-target exactly as sent (HTTP/2: :path): not
 * percent-decoded, query included ("/xcap-root/a%20b?x").
 */
const char	*http_req_target(const struct http_req *r);

/*
 * "HTTP/1.0", "HTTP/1.1" or "HTTP/2" — the protocol the request is
 * answered in: a request that upgraded to h2c says "HTTP/2".
 */
const char	*http_req_version(const struct http_req *r);

/* 1 when the request is answered over HTTP/2, else 0. */
int	http_req_is_h2(const struct http_req *r);

/*
 * The value of the first header field called `name` (case-insensitive),
 * leading and trailing whitespace removed; NULL when there is none.
 * HTTP/2 names are lower case; :authority appears as "host" when the
 * request has no host field of its own; other pseudo-headers do not
 * appear.
 */
const char	*http_req_header(const struct http_req *r, const char *name);

/* The value of the `n`th (from 0) field called `name`, or NULL. */
const char	*http_req_header_nth(const struct http_req *r, const char *name,
	    size_t n);

/* Number of header fields, for http_req_header_at(). */
size_t	http_req_header_count(const struct http_req *r);

/*
 * Field `i` (0 <= i < count) in the order received: its name as sent and
 * its value in `*name` and `*value`. Returns 0, or -1 when `i` is out of
 * range.
 */
int	http_req_header_at(const struct http_req *r, size_t i,
	    const char **name, const char **value);

/*
 * The complete request body (after chunked decoding) and its length in
 * `*len`; never NULL (an empty body is ""), and always followed by a NUL
 * octet that is not counted, for parsers that want a C string. A
 * streamed body (http_req_body_streaming()) is not here: "".
 */
const uint8_t	*http_req_body(const struct http_req *r, size_t *len);

/*
 * Streamed request bodies (a server with `stream_bodies`): a request with
 * a body (HTTP/1.1 Content-Length > 0 or chunked — unless it upgrades to
 * h2c —, HTTP/2 HEADERS without END_STREAM) goes to the handler at the
 * end of its head; http_req_body() then says "" and the body comes
 * through http_req_body_read(). "Expect: 100-continue" is answered when
 * the reading starts, so a handler that answers at once (401, 403) gets
 * no body sent. Until then, and while paused, the layer holds at most
 * HTTP_BODY_HOLD octets (HTTP/1.1: then it stops reading the connection)
 * or the stream's window, HTTP_BODY_WINDOW (HTTP/2: no WINDOW_UPDATE for
 * the stream; the connection's window comes back at once).
 * body_max holds: a Content-Length over it is answered 413 before the
 * handler; a body that grows over it (chunked, HTTP/2 without
 * content-length), a malformed chunk (400) or a body that stalls for
 * request_timeout_ms while being read (408) fails mid-stream — the layer
 * answers the request itself if the application has not, else cuts the
 * application's response (http_respond_abort()), and the abort callback
 * (http_req_on_abort()) runs either way.
 * A request answered before its body is all in: HTTP/1.1 reads the rest
 * and drops it (the connection ends instead when a 100 Continue was due
 * but not sent), HTTP/2 resets the stream (NO_ERROR) once the answer is
 * out. Body callbacks stop when the request is answered (a streamed
 * answer: when it ends).
 */

/* 1 when the body of `r` is streamed (http_req_body_read()), else 0. */
int	http_req_body_streaming(const struct http_req *r);

/*
 * Receive the streamed body of `r`: `cb(r, data, len, arg)` for each piece
 * and once for the end, from the event loop (never from inside this call).
 * NULL `cb` stops: the rest is dropped. Returns 0, or -1 with errno
 * EINVAL (not streamed, or its end given already), ECONNRESET (gone or
 * answered).
 */
int	http_req_body_read(struct http_req *r, http_body_cb cb, void *arg);

/* Stop (`paused` 1) or resume (0) the body callbacks of `r`. */
void	http_req_body_pause(struct http_req *r, int paused);

/* The context given to http_server_adopt_ctx() for the request's
 * connection; NULL for other connections and once the connection is
 * gone. */
void	*http_req_conn_ctx(const struct http_req *r);

/* The client's address as "ip:port" ("[v6]:port"), or what was given to
 * http_server_adopt(). */
const char	*http_req_peer(const struct http_req *r);

/* ---- keeping a request ----------------------------------------------------
 * A reference keeps the request allocated — its accessors keep working —
 * until the matching http_req_unref(), even after it was answered or its
 * connection closed; http_respond() on a request whose connection or stream
 * is gone fails with ECONNRESET.
 */

/* Take a reference. Returns `r`. */
struct http_req	*http_req_ref(struct http_req *r);

/* Drop a reference; the request may be freed. Accepts NULL. */
void	http_req_unref(struct http_req *r);

/* 1 while the request can still be answered (or, once
 * http_respond_begin() ran, written to), 0 once its connection or stream
 * is gone or it was answered. */
int	http_req_alive(const struct http_req *r);

/*
 * Ask for `cb(r, arg)` to be called once, from the event loop, if the
 * request is abandoned (connection closed, stream reset, server freed)
 * before it is answered — to cancel work done for it. Meaningful only
 * with a reference held; NULL `cb` cancels.
 */
void	http_req_on_abort(struct http_req *r, http_abort_cb cb, void *arg);

/* ---- answering ----------------------------------------------------------- */

/*
 * Add the response header field `name: value` (both copied; HTTP/2 sends
 * the name in lower case). The layer writes Date, Content-Length and
 * Connection itself: these names and Transfer-Encoding, Keep-Alive,
 * Upgrade, Proxy-Connection are refused — except "Connection: close",
 * which ends an HTTP/1.1 connection after this response (ignored on
 * HTTP/2). Returns 0, or -1 with errno EINVAL (name not a token, value
 * with CR, LF, NUL or other controls but HTAB, a refused name),
 * EMSGSIZE (over HTTP_RESP_HEADERS_MAX in all), EALREADY (answered),
 * ECONNRESET (gone), ENOMEM.
 */
int	http_resp_header(struct http_req *r, const char *name,
	    const char *value);

/*
 * Answer `r` with `status` (200-599) and `reason` (NULL: the standard
 * phrase; HTTP/2 has none), the header fields added before, and the
 * `len` octets at `body` (copied; NULL when `len` is 0). For HEAD the
 * Content-Length says `len` but no body is sent, so a handler may answer
 * HEAD like GET. 204 and 304 carry no body (`len` must be 0).
 * Exactly once per request.
 * Returns 0: the response is queued and, without a reference, `r` must
 * not be used again. -1 with errno: EINVAL (bad status, reason, or a body
 * with 204/304) and ENOMEM leave the request unanswered, to be answered
 * again (e.g. with 500); EALREADY — answered before; ECONNRESET — the
 * connection or stream is gone, or closed now because its queued output
 * would pass `out_max` (the peer does not read).
 */
int	http_respond(struct http_req *r, int status, const char *reason,
	    const void *body, size_t len);

/*
 * Streaming: a response whose body is not known in full when its head
 * goes out (the AP passing on the AS's answer as it comes).
 *
 * http_respond_begin() answers `r` like http_respond() — same `status`,
 * `reason`, header fields and errors — but the body follows in
 * http_respond_write() calls and ends with http_respond_end() (or
 * http_respond_abort()). `length` is the body's length when known
 * (HTTP/1.1 and HTTP/2 send Content-Length; the body written must then
 * have exactly that length), or -1: HTTP/1.1 uses chunked framing,
 * HTTP/1.0 ends the connection after the body (close-delimited), HTTP/2
 * simply ends the stream. HEAD answers carry the Content-Length when
 * known and no body; 204 and 304 neither (their writes must be empty):
 * their writes are dropped. HTTP/2 sends the body in DATA frames as it is
 * written and as the client's flow-control window allows. On HTTP/1.1
 * the responses after `r` in the pipeline wait until it ends. Until
 * then `r` must stay referenced by the application (http_req_ref()),
 * and its abort callback (http_req_on_abort()) runs if the client goes
 * away mid-body.
 * Returns 0, or -1 with errno as for http_respond().
 */
int	http_respond_begin(struct http_req *r, int status, const char *reason,
	    int64_t length);

/*
 * Queue `len` octets (copied) of the body of `r`. Returns the octets of
 * `r`'s response still queued in the server (not yet given to the
 * kernel) — the caller stops producing when that passes HTTP_OUT_LOWAT
 * and waits for http_respond_on_drain(); a response whose output would
 * pass `out_max` closes the connection (ECONNRESET) like http_respond().
 * -1 with errno: EINVAL (not begun, or more than the announced length,
 * or a body on 204/304), EALREADY (ended), ECONNRESET (gone).
 */
ssize_t	http_respond_write(struct http_req *r, const void *data, size_t len);

/*
 * Call `cb(r, arg)` once, from the event loop, when the queued output of
 * `r` is at or below the server's low watermark (HTTP_OUT_LOWAT, or
 * out_max / 2) — at once (from the loop) when it already is. Not called
 * when `r` is ended, aborted or gone (its abort callback is). NULL `cb`
 * cancels.
 */
void	http_respond_on_drain(struct http_req *r, http_drain_cb cb, void *arg);

/*
 * The body of `r` is complete: HTTP/1.1 chunked writes the last chunk,
 * HTTP/2 ends the stream. After it `r` is answered (REQ_ANSWERED rules:
 * drop the reference when done). Returns 0, or -1 with errno: EINVAL —
 * fewer octets than the announced length were written (the response is
 * aborted instead), EALREADY, ECONNRESET.
 */
int	http_respond_end(struct http_req *r);

/*
 * Cut the body of `r` short, the client must not take it for complete:
 * HTTP/1.1 writes what is queued (earlier responses of the pipeline and
 * the body so far) and closes the connection (with chunked or
 * Content-Length framing the client sees the truncation; an HTTP/1.0
 * close-delimited body cannot tell it); HTTP/2 resets the stream
 * (RST_STREAM INTERNAL_ERROR) and the connection goes on. No effect on a
 * request not streaming.
 */
void	http_respond_abort(struct http_req *r);

/* The standard reason phrase of `status`, or "Unknown". */
const char	*http_reason(int status);

#endif
