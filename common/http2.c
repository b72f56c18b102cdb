/*
 * http2.c — HTTP/2 over cleartext TCP (RFC 9113) for the server layer of
 * http.c, with nghttp2 (the only file that includes it). The connection
 * preface has been recognised (prior knowledge, §3.3) or an HTTP/1.1
 * request upgraded (RFC 7540 §3.2) before http2_conn_start() runs.
 *
 * Modelled on nghttp2's examples/libevent-server.c: nghttp2 reads from a
 * buffer we pass (mem_recv) and writes through send_cb() into the
 * bufferevent, which refuses (NGHTTP2_ERR_WOULDBLOCK) while more than the
 * server's low watermark is queued — so output never grows without bound;
 * http.c stops reading the socket meanwhile, and the bufferevent's write
 * callback resumes both.
 *
 * Each stream's request is a struct http_req (stream user data). Header
 * fields are counted as RFC 9113 §6.5.2 counts them (name + value + 32)
 * against head_max (also our SETTINGS_MAX_HEADER_LIST_SIZE) and the body
 * against body_max; the layer answers 431/413/408 on the stream itself
 * and, when the client is still sending, follows with RST_STREAM(NO_ERROR)
 * (RFC 9113 §8.1). nghttp2 checks the rest of the message rules (pseudo
 * headers, connection-specific fields, content-length against DATA).
 * No application code runs inside an nghttp2 callback: complete requests
 * wait on the connection's ready list for http.c's dispatch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "http_int.h"
#include "log.h"

#define H2_WINDOW_MIN	65535		/* the protocol's initial window */
#define H2_WINDOW_MAX	(1 << 20)	/* stream and connection windows */

static struct http_req *
stream_req(nghttp2_session *s, int32_t id)
{
	return nghttp2_session_get_stream_user_data(s, id);
}

static ssize_t
send_cb(nghttp2_session *s, const uint8_t *data, size_t len, int flags,
    void *arg)
{
	struct http_conn *c = arg;

	(void)s;
	(void)flags;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >=
	    http_conn_lowat(c))
		return NGHTTP2_ERR_WOULDBLOCK;
	if (bufferevent_write(c->bev, data, len) != 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	return (ssize_t)len;
}

static int
begin_headers_cb(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
	struct http_conn *c = arg;
	struct http_req *r;

	if (f->hd.type != NGHTTP2_HEADERS ||
	    f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	/* nghttp2 enforces our SETTINGS once acknowledged; before that, and
	 * for requests kept by the application after their stream, we do */
	if (c->nreqs >= http_conn_config(c)->max_streams) {
		nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, f->hd.stream_id,
		    NGHTTP2_REFUSED_STREAM);
		return 0;
	}
	if ((r = http_req_new(c)) == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	r->stream_id = f->hd.stream_id;
	nghttp2_session_set_stream_user_data(s, r->stream_id, r);
	return 0;
}

static int
name_is(const uint8_t *name, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(name, want, len) == 0;
}

static int
header_cb(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
    size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
    void *arg)
{
	struct http_conn *c = arg;
	struct http_req *r;
	uint32_t *off = NULL;
	int rc;

	(void)flags;
	if (f->hd.type != NGHTTP2_HEADERS ||
	    f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;	/* trailers: ignored */
	r = stream_req(s, f->hd.stream_id);
	if (r == NULL || r->state != REQ_RECEIVING || r->too_large)
		return 0;
	r->hsize += namelen + valuelen + 32;
	if (r->hsize > http_conn_config(c)->head_max) {
		r->too_large = 1;
		return 0;
	}
	if (namelen > 0 && name[0] == ':') {
		if (name_is(name, namelen, ":method"))
			off = &r->method;
		else if (name_is(name, namelen, ":path"))
			off = &r->target;
		else if (name_is(name, namelen, ":authority"))
			off = &r->authority;
		else
			return 0;	/* :scheme, :protocol */
		rc = http_req_store(r, (const char *)value, valuelen, off);
	} else
		rc = http_req_add_header(r, (const char *)name, namelen,
		    (const char *)value, valuelen);
	/* head_max bounds the text, so only memory can fail */
	return rc == 0 ? 0 : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

/* The request's header block is complete. Returns -1 when answered. */
static int
headers_done(struct http_conn *c, struct http_req *r)
{
	const char *cl;
	char *end;
	unsigned long long n;

	if (r->too_large) {
		http_req_error(r, 431, "header list over head_max");
		return -1;
	}
	if (r->target == UINT32_MAX) {
		http_req_error(r, 501, "CONNECT not implemented");
		return -1;
	}
	if (strcmp(http_req_method(r), "HEAD") == 0)
		r->head = 1;
	/* RFC 9113 §8.3.1: :authority stands for Host */
	if (r->authority != UINT32_MAX && http_req_header(r, "host") == NULL &&
	    http_req_alias_header(r, "host", 4, r->authority) == -1) {
		http_req_error(r, 500, "out of memory");
		return -1;
	}
	/* nghttp2 checked that it is a number matching the DATA */
	if ((cl = http_req_header(r, "content-length")) != NULL) {
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno != 0 || n > http_conn_config(c)->body_max) {
			http_req_error(r, 413, "content-length over body_max");
			return -1;
		}
	}
	return 0;
}

static int
frame_recv_cb(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
	struct http_conn *c = arg;
	struct http_req *r;

	if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA)
		return 0;
	r = stream_req(s, f->hd.stream_id);
	if (r != NULL && r->bstream) {
		/* a streamed body's end: given to the reader by http.c */
		if (f->hd.flags & NGHTTP2_FLAG_END_STREAM)
			r->bend = 1;
		return 0;
	}
	if (r == NULL || r->state != REQ_RECEIVING)
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS &&
	    f->headers.cat == NGHTTP2_HCAT_REQUEST &&
	    headers_done(c, r) == -1)
		return 0;
	if (f->hd.flags & NGHTTP2_FLAG_END_STREAM)
		http_req_complete(r);
	else if (f->hd.type == NGHTTP2_HEADERS &&
	    http_conn_config(c)->stream_bodies) {
		/* the handler runs now; the body follows as it comes */
		r->bstream = 1;
		r->bprogress = http_now_ms();
		http_req_complete(r);
	}
	return 0;
}

static int
data_chunk_cb(nghttp2_session *s, uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, void *arg)
{
	struct http_conn *c = arg;
	struct http_req *r;
	int manual = http_conn_config(c)->stream_bodies;

	(void)flags;
	r = stream_req(s, id);
	if (r != NULL && r->bstream) {
		/*
		 * No automatic WINDOW_UPDATE with stream_bodies
		 * (http2_conn_start): the connection's window comes back at
		 * once, so that one slow reader does not stop the other
		 * streams; the stream's when its octets are read
		 * (http2_body_consumed) or dropped.
		 */
		(void)nghttp2_session_consume_connection(s, len);
		if (r->bdiscard) {
			(void)nghttp2_session_consume_stream(s, id, len);
			return 0;
		}
		if (len > http_conn_config(c)->body_max - r->brecv) {
			(void)nghttp2_session_consume_stream(s, id, len);
			http_req_body_fail(r, 413, "body over body_max");
			return 0;
		}
		r->brecv += len;
		r->bprogress = http_now_ms();
		if ((r->bin == NULL && (r->bin = evbuffer_new()) == NULL) ||
		    evbuffer_add(r->bin, data, len) != 0)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		return 0;
	}
	if (manual)
		(void)nghttp2_session_consume(s, id, len);
	if (r == NULL || r->state != REQ_RECEIVING)
		return 0;	/* answered already: dropped */
	if (len > http_conn_config(c)->body_max - r->body.len) {
		http_req_error(r, 413, "body over body_max");
		return 0;
	}
	if (buf_append(&r->body, data, len) == -1)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	return 0;
}

static int
stream_close_cb(nghttp2_session *s, int32_t id, uint32_t error_code,
    void *arg)
{
	struct http_conn *c = arg;
	struct http_req *r;

	if ((r = stream_req(s, id)) == NULL)
		return 0;
	if (error_code != NGHTTP2_NO_ERROR)
		log_debug2("http: %s#%llu: stream %d closed: %s", c->peer,
		    (unsigned long long)c->id, id,
		    nghttp2_http2_strerror(error_code));
	nghttp2_session_set_stream_user_data(s, id, NULL);
	http_req_detach(r);
	return 0;
}

/* A complete response sent while the client still sends: RFC 9113 §8.1
 * lets us ask it to stop, without error. */
static int
frame_send_cb(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
	(void)arg;
	if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
	    (f->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
	    nghttp2_session_get_stream_remote_close(s, f->hd.stream_id) == 0)
		nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, f->hd.stream_id,
		    NGHTTP2_NO_ERROR);
	return 0;
}

static ssize_t
body_read_cb(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
    uint32_t *flags, nghttp2_data_source *src, void *arg)
{
	struct http_conn *c = arg;
	struct http_req *r = src->ptr;
	int n = 0;

	(void)s;
	(void)id;
	if (r->out != NULL && (n = evbuffer_remove(r->out, buf, length)) < 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	c->pending_out -= (size_t)n;
	if (n > 0)
		c->out_progress = http_now_ms();
	if (r->out != NULL && evbuffer_get_length(r->out) > 0)
		return n;
	/* all there is: a streamed body may have more to come */
	if (r->streaming && !r->ended)
		return n > 0 ? n : NGHTTP2_ERR_DEFERRED;
	*flags |= NGHTTP2_DATA_FLAG_EOF;
	return n;
}

/* HEADERS of `r`'s response with `clen` as content-length (-1: none)
 * and the body from r->out when `with_body`. 0 or -1 errno. */
static int
submit(struct http_req *r, int status, int64_t clen, int with_body)
{
	struct http_conn *c = r->conn;
	nghttp2_data_provider prd, *pp = NULL;
	nghttp2_nv *nva;
	char st[4], clenv[24], date[32], *names, *p;
	size_t n = 0, i, nl;
	int rv;

	if ((nva = calloc(r->nrhdrs + 3, sizeof(*nva))) == NULL)
		return -1;
	if ((names = malloc(r->rhdrs.len + 1)) == NULL) {
		free(nva);
		return -1;
	}
	snprintf(st, sizeof(st), "%03d", status);
	nva[n++] = (nghttp2_nv){ (uint8_t *)":status", (uint8_t *)st, 7, 3,
	    NGHTTP2_NV_FLAG_NONE };
	snprintf(date, sizeof(date), "%s", http_conn_date(c));
	nva[n++] = (nghttp2_nv){ (uint8_t *)"date", (uint8_t *)date, 4,
	    strlen(date), NGHTTP2_NV_FLAG_NONE };
	/* field names in lower case (RFC 9113 §8.2.1) */
	if (r->rhdrs.len > 0)
		memcpy(names, r->rhdrs.data, r->rhdrs.len);
	for (p = names, i = 0; i < r->nrhdrs; i++) {
		nl = strlen(p);
		for (size_t k = 0; k < nl; k++)
			if (p[k] >= 'A' && p[k] <= 'Z')
				p[k] = (char)(p[k] - 'A' + 'a');
		nva[n++] = (nghttp2_nv){ (uint8_t *)p,
		    (uint8_t *)p + nl + 1, nl, strlen(p + nl + 1),
		    NGHTTP2_NV_FLAG_NONE };
		p += nl + 1;
		p += strlen(p) + 1;
	}
	if (status != 204 && status != 304 && clen >= 0) {
		snprintf(clenv, sizeof(clenv), "%lld", (long long)clen);
		nva[n++] = (nghttp2_nv){ (uint8_t *)"content-length",
		    (uint8_t *)clenv, 14, strlen(clenv), NGHTTP2_NV_FLAG_NONE };
	}
	if (with_body) {
		memset(&prd, 0, sizeof(prd));
		prd.source.ptr = r;
		prd.read_callback = body_read_cb;
		pp = &prd;
	}
	rv = nghttp2_submit_response(c->h2, r->stream_id, nva, n, pp);
	free(names);
	free(nva);
	if (rv != 0) {
		errno = rv == NGHTTP2_ERR_NOMEM ? ENOMEM : ECONNRESET;
		return -1;
	}
	return 0;
}

int
http2_respond(struct http_req *r, int status, const void *body, size_t len)
{
	struct http_conn *c = r->conn;
	int with_body = !r->head && len > 0;

	if (with_body) {
		if ((r->out = evbuffer_new()) == NULL ||
		    evbuffer_add(r->out, body, len) != 0) {
			if (r->out != NULL)
				evbuffer_free(r->out);
			r->out = NULL;
			errno = ENOMEM;
			return -1;
		}
		if (c->pending_out == 0)
			c->out_progress = http_now_ms();
		c->pending_out += len;
	}
	if (submit(r, status, (int64_t)len, with_body) == -1) {
		if (r->out != NULL) {
			c->pending_out -= evbuffer_get_length(r->out);
			evbuffer_free(r->out);
			r->out = NULL;
		}
		return -1;
	}
	return 0;
}

int
http2_respond_begin(struct http_req *r, int status, int64_t length)
{
	if ((r->out = evbuffer_new()) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* no body (HEAD, 204, 304): END_STREAM on the HEADERS */
	if (submit(r, status, length, !r->nobody) == -1) {
		evbuffer_free(r->out);
		r->out = NULL;
		return -1;
	}
	return 0;
}

void
http2_stream_more(struct http_req *r)
{
	/* the data provider returned NGHTTP2_ERR_DEFERRED when it ran dry;
	 * an error just means it is not deferred now */
	if (!r->nobody)
		(void)nghttp2_session_resume_data(r->conn->h2, r->stream_id);
}

void
http2_body_consumed(struct http_req *r, size_t n)
{
	struct http_conn *c = r->conn;

	if (c != NULL && c->h2 != NULL && n > 0)
		(void)nghttp2_session_consume_stream(c->h2, r->stream_id, n);
}

void
http2_stream_abort(struct http_req *r)
{
	struct http_conn *c = r->conn;

	if (r->out != NULL) {
		c->pending_out -= evbuffer_get_length(r->out);
		evbuffer_drain(r->out, evbuffer_get_length(r->out));
	}
	/* RFC 9113 §8.1: a response cut short is a stream error */
	(void)nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, r->stream_id,
	    NGHTTP2_INTERNAL_ERROR);
}

int
http2_conn_start(struct http_conn *c, struct http_req *up)
{
	const struct http_config *cfg = http_conn_config(c);
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt = NULL;
	nghttp2_settings_entry iv[3];
	uint32_t window;
	int rv;

	if (nghttp2_session_callbacks_new(&cbs) != 0)
		return -1;
	/* streamed bodies: windows come back as octets are read */
	if (cfg->stream_bodies) {
		if (nghttp2_option_new(&opt) != 0) {
			nghttp2_session_callbacks_del(cbs);
			return -1;
		}
		nghttp2_option_set_no_auto_window_update(opt, 1);
	}
	nghttp2_session_callbacks_set_send_callback(cbs, send_cb);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cbs,
	    begin_headers_cb);
	nghttp2_session_callbacks_set_on_header_callback(cbs, header_cb);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
	    frame_recv_cb);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs,
	    data_chunk_cb);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
	    stream_close_cb);
	nghttp2_session_callbacks_set_on_frame_send_callback(cbs,
	    frame_send_cb);
	rv = nghttp2_session_server_new2(&c->h2, cbs, c, opt);
	if (opt != NULL)
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
	iv[0].settings_id = NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS;
	iv[0].value = cfg->max_streams;
	iv[1].settings_id = NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE;
	iv[1].value = (uint32_t)cfg->head_max;
	iv[2].settings_id = NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE;
	/* a stream's window bounds what a slow reader's body holds here */
	iv[2].value = cfg->stream_bodies && window > HTTP_BODY_WINDOW ?
	    HTTP_BODY_WINDOW : window;
	if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, 3) != 0 ||
	    nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0,
	    (int32_t)window) != 0)
		return -1;
	if (up != NULL) {
		rv = nghttp2_session_upgrade2(c->h2, up->settings.len > 0 ?
		    up->settings.data : (const uint8_t *)"", up->settings.len,
		    up->head, NULL);
		if (rv != 0) {
			log_debug("http: %s#%llu: h2c upgrade: %s", c->peer,
			    (unsigned long long)c->id, nghttp2_strerror(rv));
			return -1;
		}
		up->stream_id = 1;
		nghttp2_session_set_stream_user_data(c->h2, 1, up);
	}
	return 0;
}

int
http2_conn_recv(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in);
	ssize_t rv;

	if (len == 0)
		return 0;
	rv = nghttp2_session_mem_recv(c->h2, evbuffer_pullup(in, -1), len);
	if (rv < 0) {
		log_debug("http: %s#%llu: HTTP/2: %s", c->peer,
		    (unsigned long long)c->id, nghttp2_strerror((int)rv));
		http_conn_close(c, nghttp2_strerror((int)rv));
		return -1;
	}
	evbuffer_drain(in, (size_t)rv);
	return 0;
}

int
http2_conn_send(struct http_conn *c)
{
	int rv;

	if ((rv = nghttp2_session_send(c->h2)) != 0) {
		log_debug("http: %s#%llu: HTTP/2: %s", c->peer,
		    (unsigned long long)c->id, nghttp2_strerror(rv));
		http_conn_close(c, nghttp2_strerror(rv));
		return -1;
	}
	if (c->state == CONN_H2 && !nghttp2_session_want_read(c->h2) &&
	    !nghttp2_session_want_write(c->h2))
		http_conn_finish(c, "HTTP/2 session over");
	return 0;
}

int
http2_conn_want_write(struct http_conn *c)
{
	return c->h2 != NULL && nghttp2_session_want_write(c->h2);
}

/* A streamed body being read, nothing held: the client is the one
 * awaited (request_timeout_ms from its last octet). */
static int
body_waits(const struct http_req *r)
{
	return r->bstream && !r->bend && !r->bdiscard && r->body_cb != NULL &&
	    !r->bpaused && (r->bin == NULL || evbuffer_get_length(r->bin) == 0);
}

uint64_t
http2_conn_deadline(struct http_conn *c)
{
	const struct http_config *cfg = http_conn_config(c);
	struct http_req *r;
	uint64_t d = 0;

	TAILQ_FOREACH(r, &c->reqs, entry) {
		if (r->state == REQ_RECEIVING &&
		    (d == 0 || r->start_ms + cfg->request_timeout_ms < d))
			d = r->start_ms + cfg->request_timeout_ms;
		if (body_waits(r) && (d == 0 ||
		    r->bprogress + cfg->request_timeout_ms < d))
			d = r->bprogress + cfg->request_timeout_ms;
	}
	if (c->pending_out > 0 &&
	    (d == 0 || c->out_progress + cfg->idle_timeout_ms < d))
		d = c->out_progress + cfg->idle_timeout_ms;
	return d;
}

void
http2_conn_timer(struct http_conn *c, uint64_t now, int idle)
{
	const struct http_config *cfg = http_conn_config(c);
	struct http_req *r, *next;

	if (c->pending_out > 0 && now >= c->out_progress +
	    cfg->idle_timeout_ms) {
		log_debug("http: %s#%llu: %zu octets of bodies unsent for %u "
		    "ms: flow-control window closed", c->peer,
		    (unsigned long long)c->id, c->pending_out,
		    cfg->idle_timeout_ms);
		http_conn_close(c, "output stalled: window closed");
		return;
	}
	for (r = TAILQ_FIRST(&c->reqs); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->state == REQ_RECEIVING &&
		    now >= r->start_ms + cfg->request_timeout_ms)
			http_req_error(r, 408, "request not complete in time");
		else if (body_waits(r) &&
		    now >= r->bprogress + cfg->request_timeout_ms)
			http_req_body_fail(r, 408, "request body stalled");
	}
	if (idle) {
		nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE,
		    nghttp2_session_get_last_proc_stream_id(c->h2),
		    NGHTTP2_NO_ERROR, NULL, 0);
		http_conn_finish(c, "idle");
	}
}

void
http2_conn_free(struct http_conn *c)
{
	if (c->h2 != NULL)
		nghttp2_session_del(c->h2);
	c->h2 = NULL;
}
