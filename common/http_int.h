/*
 * http_int.h — what http.c (server, connections, HTTP/1.1, the request
 * API) and http2.c (the nghttp2 session of an h2c connection) share.
 * Private to those two files; applications include http.h.
 */
#ifndef UTSTACK_HTTP_INT_H
#define UTSTACK_HTTP_INT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"

struct evbuffer;
struct event;
struct nghttp2_session;

/*
 * Connection states. A connection's life:
 *
 *	NEW -> H1 -> (H1_LAST) -> FLUSHING -> LINGERING -> CLOSED
 *	NEW -> H2 (prior knowledge), H1 -> H2 (Upgrade: h2c)
 *	H2 -> FLUSHING (GOAWAY sent, or the session has nothing left to do)
 *	any -> CLOSED (conn_close: errors, timeouts, the server freed)
 *
 * Every change goes through conn_set_state().
 */
enum conn_state {
	CONN_NEW,	/* nothing read yet: HTTP/1.x or the HTTP/2 preface */
	CONN_H1,	/* reading HTTP/1.x requests */
	CONN_H1_LAST,	/* no more requests will be read (close requested,
			 * error answered, peer closed): answer those in
			 * flight, then FLUSHING */
	CONN_H2,	/* an nghttp2 session drives the connection */
	CONN_FLUSHING,	/* last octets queued: write them; input discarded */
	CONN_LINGERING,	/* written and half-closed: wait for the peer's FIN,
			 * discarding input, so our last response is not lost
			 * to a reset (RFC 9112 §9.6) */
	CONN_CLOSED,	/* on the server's dead list, freed by the reaper */
};

/* Where the HTTP/1.1 parser is in the current request. */
enum h1_parse {
	P_HEAD,		/* looking for the end of a request head */
	P_BODY,		/* Content-Length octets to come: `remaining` */
	P_CHUNK_SIZE,	/* a chunk-size line */
	P_CHUNK_DATA,	/* `remaining` octets of chunk data */
	P_CHUNK_END,	/* the CRLF after chunk data */
	P_TRAILER,	/* trailer fields up to the empty line */
};

enum req_state {
	REQ_RECEIVING,	/* head parsed (HTTP/2: HEADERS begun), body arriving */
	REQ_READY,	/* complete; waiting on `ready` to be dispatched */
	REQ_HANDLER,	/* with the application, unanswered */
	REQ_STREAMING,	/* head queued (http_respond_begin), the body being
			 * written */
	REQ_ANSWERED,	/* response queued on the request (`out`) */
	REQ_DONE,	/* response handed to the transport */
	REQ_GONE,	/* connection or stream lost before the answer */
};

TAILQ_HEAD(http_req_list, http_req);
TAILQ_HEAD(http_conn_list, http_conn);

/* A header field: offsets into the request's `text`. */
struct http_hdr {
	uint32_t	name;
	uint32_t	value;
};

struct http_req {
	TAILQ_ENTRY(http_req)	 entry;	/* conn->reqs while attached */
	TAILQ_ENTRY(http_req)	 qentry; /* conn->ready, or srv->aborts */
	struct http_conn	*conn;	/* NULL once detached */
	enum req_state		 state;
	unsigned		 refs;	/* application references */
	int			 queued; /* on conn->ready or srv->aborts */
	int32_t			 stream_id; /* HTTP/2, else 0 */
	int			 version; /* 10, 11 or 20 */
	int			 head;	/* HEAD: no response body */
	int			 close;	/* HTTP/1.x: connection ends after it */
	int			 want_continue; /* Expect: 100-continue, 100 due */
	int			 upgrade; /* HTTP/1.1 -> h2c on completion */
	int			 too_large; /* HTTP/2: header list over head_max */
	uint64_t		 start_ms; /* first octet / HEADERS */
	uint32_t		 method; /* offsets into text, UINT32_MAX
					 * for none */
	uint32_t		 target;
	uint32_t		 authority; /* HTTP/2 :authority */
	size_t			 hsize;	/* HTTP/2 header list size so far */
	struct buf		 text;	/* HTTP/1: the head; HTTP/2: strings */
	struct http_hdr		*hdrs;
	size_t			 nhdrs;
	size_t			 hdrs_cap;
	struct buf		 body;	/* cap body_max + 1 (the NUL) */
	struct buf		 settings; /* decoded HTTP2-Settings */
	struct buf		 rhdrs;	/* response fields "name\0value\0".. */
	size_t			 nrhdrs;
	int			 status;
	struct evbuffer		*out;	/* HTTP/1: the response; HTTP/2: its
					 * body, read by nghttp2 */
	/* a streamed response (http_respond_begin) */
	int			 streaming;
	int			 chunked; /* HTTP/1.1 chunked framing */
	int			 nobody;  /* HEAD, 204, 304: writes dropped */
	int			 ended;	  /* http_respond_end() */
	int64_t			 length;  /* announced, -1 unknown */
	uint64_t		 sent;	  /* body octets written */
	http_drain_cb		 drain_cb;
	void			*drain_arg;
	http_abort_cb		 abort_cb;
	void			*abort_arg;
	int			 on_aborts; /* queued on srv->aborts */
	/* a streamed request body (cfg.stream_bodies): the handler runs at
	 * the end of the head, the body follows through http_req_body_read */
	int			 bstream;
	int			 bend;	  /* all of it received */
	int			 bdone;	  /* its end given to the reader */
	int			 bdiscard; /* answered, or no reader: dropped */
	int			 bfailed; /* failed mid-body: abort due */
	int			 bpaused;
	uint64_t		 brecv;	  /* octets received */
	uint64_t		 bprogress; /* HTTP/2: last octet received, ms */
	struct evbuffer		*bin;	  /* received, not yet given */
	http_body_cb		 body_cb;
	void			*body_arg;
	char			 peer[HTTP_PEER_MAX];
};

struct http_conn {
	TAILQ_ENTRY(http_conn)	 entry;	/* srv->conns or srv->dead */
	struct http_server	*srv;
	uint64_t		 id;
	enum conn_state		 state;
	struct bufferevent	*bev;
	int			 fd;	/* accepted socket (for shutdown), or
					 * -1 when adopted */
	struct event		*kick;	/* deferred conn_process() */
	struct event		*timer;	/* request, idle and linger times */
	uint64_t		 deadline; /* timer armed for, 0 none */
	int			 busy;	/* conn_process() running */
	int			 reading; /* EV_READ enabled */
	int			 eof;	/* peer closed its side */
	int			 cut;	/* HTTP/1.1: a response was aborted
					 * mid-body: nothing more is written */
	char			 peer[HTTP_PEER_MAX];
	void			*ctx;	/* http_server_adopt_ctx() */
	void			(*ctx_free)(void *);
	struct http_req_list	 reqs;	/* attached requests, arrival order */
	struct http_req_list	 ready;	/* complete, not yet dispatched */
	size_t			 nreqs;
	size_t			 pending_out; /* octets in the reqs' `out` */
	uint64_t		 out_progress; /* HTTP/2: last body octets sent
					 * (or first queued), ms */
	uint64_t		 idle_since; /* ms, 0 while not idle */
	uint64_t		 linger_until;
	/* HTTP/1.1 parser */
	enum h1_parse		 ps;
	struct http_req		*cur;	/* request being received */
	uint64_t		 rx_start; /* first octet of it, 0 none */
	size_t			 scan;	/* head search resumes here */
	size_t			 remaining;
	size_t			 trailer_len;
	/* HTTP/2 */
	struct nghttp2_session	*h2;
};

/* ---- http.c, for http2.c --------------------------------------------- */

uint64_t	 http_now_ms(void);
const struct http_config *http_conn_config(const struct http_conn *c);
size_t		 http_conn_lowat(const struct http_conn *c);
const char	*http_conn_date(struct http_conn *c);
void		 http_conn_close(struct http_conn *c, const char *reason);
void		 http_conn_finish(struct http_conn *c, const char *reason);
size_t		 http_conn_queued(struct http_conn *c);
/* A new request attached to `c` (RECEIVING), or NULL. */
struct http_req	*http_req_new(struct http_conn *c);
/* Record a header field (copies; HTTP/2). Returns 0 or -1 (cap, memory). */
int		 http_req_add_header(struct http_req *r, const char *name,
		    size_t nlen, const char *value, size_t vlen);
/* Record a header field whose value is already stored at `value`. */
int		 http_req_alias_header(struct http_req *r, const char *name,
		    size_t nlen, uint32_t value);
/* Store a string in r->text; its offset in `*off`. 0 or -1. */
int		 http_req_store(struct http_req *r, const char *s, size_t len,
		    uint32_t *off);
/* Body complete: NUL-terminate, queue for dispatch. */
void		 http_req_complete(struct http_req *r);
/* The layer's own answer (400, 408, 413, 431, 501 ...). */
void		 http_req_error(struct http_req *r, int status,
		    const char *why);
/* Detach from the connection (stream closed); may free it. */
void		 http_req_detach(struct http_req *r);
/* A streamed request body failed (`status` 400, 408, 413): answered by
 * the layer when still unanswered, else the response is cut; the
 * application's abort callback runs. */
void		 http_req_body_fail(struct http_req *r, int status,
		    const char *why);

/* ---- http2.c ----------------------------------------------------------- */

/*
 * Start the nghttp2 session of `c` and send our SETTINGS. With `up` the
 * connection upgrades from HTTP/1.1: `up` (complete, RECEIVING) becomes
 * stream 1, its HTTP2-Settings applied (the 101 is already queued).
 * Returns 0, or -1 (the caller closes the connection).
 */
int	http2_conn_start(struct http_conn *c, struct http_req *up);
/* Feed the connection's input to nghttp2. Returns 0, -1 if closed. */
int	http2_conn_recv(struct http_conn *c);
/* Let nghttp2 write what it may. Returns 0, -1 if closed. */
int	http2_conn_send(struct http_conn *c);
/* Has nghttp2 frames still to write? */
int	http2_conn_want_write(struct http_conn *c);
/* Answer 408 to streams whose request is overdue; GOAWAY when idle;
 * close when bodies wait longer than idle_timeout_ms for the client's
 * flow-control window. */
void	http2_conn_timer(struct http_conn *c, uint64_t now, int idle);
/* Earliest deadline of the above, 0 none. */
uint64_t http2_conn_deadline(struct http_conn *c);
/* Submit the response of `r` (status, r->rhdrs, body). 0 or -1 errno. */
int	http2_respond(struct http_req *r, int status, const void *body,
	    size_t len);
/* Submit the head of a streamed response; its body follows from r->out
 * (http2_stream_more()). 0 or -1 errno. */
int	http2_respond_begin(struct http_req *r, int status, int64_t length);
/* More of a streamed body in r->out, or its end (r->ended). */
void	http2_stream_more(struct http_req *r);
/* RST_STREAM(INTERNAL_ERROR): a streamed body cut short. */
void	http2_stream_abort(struct http_req *r);
void	http2_conn_free(struct http_conn *c);
/* `n` octets of a streamed body were given to the reader (or dropped):
 * the stream's flow-control window goes back. */
void	http2_body_consumed(struct http_req *r, size_t n);

#endif
