/*
 * test_upstream.c — the AP's client to the AS (common/upstream.h) on real
 * loopback sockets. Positive cases talk to the project's own HTTP server
 * (common/http.h) over HTTP/1.1 and h2c; negative ones to raw servers on
 * the same loop (evconnlistener + bufferevent) that answer what a broken
 * AS would: malformed status lines and fields, heads and bodies over the
 * caps, bad chunking, 101, a close before or inside the answer, no answer
 * at all; and to closed ports. Also: keep-alive reuse, the pool and its
 * queue, overload, cancel (no callback, connection not reused), free with
 * requests pending, the retry of an idempotent request after the AS closed
 * an idle connection (and no retry of a POST), h2c streams beyond the
 * peer's SETTINGS_MAX_CONCURRENT_STREAMS, GOAWAY with a stream refused.
 * Streaming (upstream_request_stream): head, pieces, completion in that
 * order over both protocols, pause and resume (no timeout while paused),
 * a request dropped from head() or body(), body_max after the head, an AS
 * that closes mid-body, one h2c stream paused while another completes,
 * upstream_free() with a paused request.
 *
 * One event_base per test; the loop runs until a condition holds or a
 * deadline passes (test_run_until, no sleeps). Something that must NOT
 * happen is shown by running the loop for a while with test_never.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "http.h"
#include "log.h"
#include "suites.h"
#include "upstream.h"

#define WAIT_MS		8000	/* generous: valgrind runs this too */
#define QUIET_MS	200	/* "nothing happens" window */
#define NGOT		16
#define HELD_MAX	16
#define RS_CONNS	8

static struct event_base *base;
static struct upstream *up;

/* ---- what the callbacks saw ---------------------------------------------- */

struct got {
	int			calls;
	enum upstream_err	e;
	int			status;
	int			h2;
	char			why[128];
	char			body[4096];
	size_t			body_len;
	size_t			nheaders;
	char			ctype[64];	/* content-type, if any */
	char			first_name[64];
};

static struct got got[NGOT];

static void
got_cb(void *arg, enum upstream_err e, const struct upstream_resp *resp,
    const char *why)
{
	struct got *g = arg;
	size_t i;

	g->calls++;
	g->e = e;
	if (e != UPSTREAM_OK) {
		ck_assert_ptr_null(resp);
		ck_assert_ptr_nonnull(why);
		snprintf(g->why, sizeof(g->why), "%s", why);
		return;
	}
	ck_assert_ptr_nonnull(resp);
	ck_assert_ptr_nonnull(resp->body);
	ck_assert_uint_eq(resp->body[resp->body_len], 0);	/* NUL */
	g->status = resp->status;
	g->h2 = resp->h2;
	g->nheaders = resp->nheaders;
	g->body_len = resp->body_len;
	if (resp->body_len < sizeof(g->body))
		memcpy(g->body, resp->body, resp->body_len + 1);
	for (i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->names[i], "content-type") == 0)
			snprintf(g->ctype, sizeof(g->ctype), "%s",
			    resp->values[i]);
	if (resp->nheaders > 0)
		snprintf(g->first_name, sizeof(g->first_name), "%s",
		    resp->names[0]);
}

static int
called(void *arg)
{
	return ((struct got *)arg)->calls > 0;
}

static void
wait_got(struct got *g)
{
	ck_assert_msg(test_run_until(base, called, g, WAIT_MS),
	    "no callback in %d ms", WAIT_MS);
	ck_assert_int_eq(g->calls, 1);
}

/* ---- the client ---------------------------------------------------------- */

static void
up_start(uint16_t port, int h2, const struct upstream_cfg *tweak)
{
	struct upstream_cfg cfg;
	char err[256];

	if (tweak != NULL)
		cfg = *tweak;
	else
		memset(&cfg, 0, sizeof(cfg));
	cfg.addr = "127.0.0.1";
	cfg.port = port;
	cfg.h2 = h2;
	up = upstream_new(base, &cfg, err, sizeof(err));
	ck_assert_msg(up != NULL, "%s", err);
}

static struct upstream_req *
req(const char *method, const char *target, const char *body, struct got *g)
{
	static const char *const names[] = { "X-Test", "Content-Type" };
	static const char *const values[] = { "upstream", "text/plain" };
	struct upstream_req *r;
	size_t len = body != NULL ? strlen(body) : 0;

	r = upstream_request(up, method, target, "as.example", names, values,
	    2, (const uint8_t *)body, len, got_cb, g);
	ck_assert_ptr_nonnull(r);
	/* never from inside upstream_request() */
	ck_assert_int_eq(g->calls, 0);
	return r;
}

static int
conns_are(void *arg)
{
	return upstream_conn_count(up) == *(size_t *)arg;
}

/* ---- the AS: common/http ------------------------------------------------- */

static struct http_server *srv;
static uint16_t srv_port;

struct app {
	int		 hold;
	int		 calls;
	int		 aborted;
	size_t		 nheld, max_held;
	struct http_req	*held[HELD_MAX];
	char		 host[128];
	char		 xtest[64];
	char		 version[16];
	char		 te[32];	/* Transfer-Encoding, Content-Length */
	char		 clen[32];
};

static struct app app;
static char big[8192];

static void
app_abort(struct http_req *r, void *arg)
{
	(void)arg;
	ck_assert_int_eq(http_req_alive(r), 0);
	app.aborted++;
}

/* "/big/N": N octets of 'x'; "/status/N"; else the body echoed, or
 * "METHOD TARGET VERSION". */
static void
echo(struct http_req *r)
{
	const char *target = http_req_target(r);
	char text[640];
	const uint8_t *body;
	size_t len;
	int status = 200;

	ck_assert_int_eq(http_resp_header(r, "Content-Type", "text/echo"), 0);
	if (strncmp(target, "/big/", 5) == 0) {
		len = strtoul(target + 5, NULL, 10);
		ck_assert_uint_le(len, sizeof(big));
		ck_assert_int_eq(http_respond(r, 200, NULL, big, len), 0);
		return;
	}
	if (strncmp(target, "/status/", 8) == 0)
		status = atoi(target + 8);
	if (status == 204 || status == 304) {
		ck_assert_int_eq(http_respond(r, status, NULL, NULL, 0), 0);
		return;
	}
	body = http_req_body(r, &len);
	if (len == 0) {
		len = (size_t)snprintf(text, sizeof(text), "%s %s %s",
		    http_req_method(r), target, http_req_version(r));
		body = (const uint8_t *)text;
	}
	ck_assert_int_eq(http_respond(r, status, NULL, body, len), 0);
}

static void
handler(struct http_req *r, void *arg)
{
	const char *v;

	(void)arg;
	app.calls++;
	v = http_req_header(r, "host");
	snprintf(app.host, sizeof(app.host), "%s", v != NULL ? v : "");
	v = http_req_header(r, "x-test");
	snprintf(app.xtest, sizeof(app.xtest), "%s", v != NULL ? v : "");
	snprintf(app.version, sizeof(app.version), "%s", http_req_version(r));
	v = http_req_header(r, "transfer-encoding");
	snprintf(app.te, sizeof(app.te), "%s", v != NULL ? v : "");
	v = http_req_header(r, "content-length");
	snprintf(app.clen, sizeof(app.clen), "%s", v != NULL ? v : "");
	if (app.hold) {
		ck_assert_uint_lt(app.nheld, HELD_MAX);
		app.held[app.nheld++] = http_req_ref(r);
		http_req_on_abort(r, app_abort, NULL);
		if (app.nheld > app.max_held)
			app.max_held = app.nheld;
		return;
	}
	echo(r);
}

static void
srv_start(const struct http_config *cfg)
{
	char err[256];

	srv = http_server_new(base, cfg, handler, &app, err, sizeof(err));
	ck_assert_msg(srv != NULL, "%s", err);
	ck_assert_msg(http_server_listen(srv, "127.0.0.1", 0, &srv_port, err,
	    sizeof(err)) == 0, "%s", err);
}

static int
held_at_least(void *arg)
{
	return app.nheld >= *(size_t *)arg;
}

static void
wait_held(size_t n)
{
	ck_assert_msg(test_run_until(base, held_at_least, &n, WAIT_MS),
	    "%zu requests held, wanted %zu", app.nheld, n);
}

static int
aborted_at_least(void *arg)
{
	return app.aborted >= *(int *)arg;
}

static int
all_called(void *arg)
{
	int i, n = *(int *)arg;

	for (i = 0; i < n; i++)
		if (got[i].calls == 0)
			return 0;
	return 1;
}

static int
held_or_all_called(void *arg)
{
	return app.nheld > 0 || all_called(arg);
}

static void	answer_held(void);

/* Answer what the server holds until got[0..n) are all called back. */
static void
answer_all(int n)
{
	while (!all_called(&n)) {
		ck_assert_msg(test_run_until(base, held_or_all_called, &n,
		    WAIT_MS), "stuck: nothing held, not all answered");
		answer_held();
	}
}

/* Answer every held request. */
static void
answer_held(void)
{
	struct http_req *r;

	while (app.nheld > 0) {
		r = app.held[--app.nheld];
		http_req_on_abort(r, NULL, NULL);
		echo(r);
		http_req_unref(r);
	}
}

/* ---- a raw AS ------------------------------------------------------------ */

struct rconn {
	struct rawsrv		*rs;
	struct bufferevent	*bev;
	int			 idx;	/* accept order */
	int			 nreq;	/* requests seen on it */
	int			 close_flushed;
};

struct rawsrv {
	struct evconnlistener	*l;
	uint16_t		 port;
	/* a complete request arrived (its text, NUL-terminated) */
	void			(*on_req)(struct rconn *, const char *);
	void			(*on_accept)(struct rconn *);
	const char		*reply;	/* for reply_once() */
	int			 close_after;
	struct rconn		 conns[RS_CONNS];
	int			 naccepted;
	int			 nreqs;
	int			 neof;	/* connections the client closed */
	char			 last[4096];
};

static struct rawsrv rs;

static void
rc_free(struct rconn *rc)
{
	if (rc->bev != NULL)
		bufferevent_free(rc->bev);
	rc->bev = NULL;
}

static void
rc_send(struct rconn *rc, const char *text)
{
	ck_assert_int_eq(bufferevent_write(rc->bev, text, strlen(text)), 0);
}

/* Close once what was sent is out. */
static void
rc_close_flushed(struct rconn *rc)
{
	if (evbuffer_get_length(bufferevent_get_output(rc->bev)) == 0)
		rc_free(rc);
	else
		rc->close_flushed = 1;
}

static void
rs_write_cb(struct bufferevent *bev, void *arg)
{
	struct rconn *rc = arg;

	(void)bev;
	if (rc->close_flushed)
		rc_free(rc);
}

static void
rs_read_cb(struct bufferevent *bev, void *arg)
{
	struct rconn *rc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;
	const char *text, *cl;
	size_t head, need, clen;

	for (;;) {
		p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		if (p.pos < 0)
			return;
		head = (size_t)p.pos + 4;
		ck_assert_uint_lt(head, sizeof(rs.last));
		text = (const char *)evbuffer_pullup(in, (ssize_t)head);
		snprintf(rs.last, sizeof(rs.last), "%.*s", (int)head, text);
		clen = 0;
		if ((cl = strcasestr(rs.last, "\r\ncontent-length: ")) != NULL)
			clen = strtoul(cl + 18, NULL, 10);
		need = head + clen;
		if (evbuffer_get_length(in) < need)
			return;
		text = (const char *)evbuffer_pullup(in, (ssize_t)need);
		snprintf(rs.last, sizeof(rs.last), "%.*s", (int)need, text);
		evbuffer_drain(in, need);
		rc->nreq++;
		rs.nreqs++;
		if (rs.on_req != NULL)
			rs.on_req(rc, rs.last);
		if (rc->bev == NULL)
			return;
	}
}

static void
rs_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct rconn *rc = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		rs.neof++;
		rc_free(rc);
	}
}

static void
rs_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct rconn *rc;

	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	ck_assert_int_lt(rs.naccepted, RS_CONNS);
	rc = &rs.conns[rs.naccepted];
	rc->rs = &rs;
	rc->idx = rs.naccepted++;
	rc->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	ck_assert_ptr_nonnull(rc->bev);
	bufferevent_setcb(rc->bev, rs_read_cb, rs_write_cb, rs_event_cb, rc);
	bufferevent_enable(rc->bev, EV_READ | EV_WRITE);
	if (rs.on_accept != NULL)
		rs.on_accept(rc);
}

static void
rs_start(void (*on_req)(struct rconn *, const char *))
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rs.on_req = on_req;
	rs.l = evconnlistener_new_bind(base, rs_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof(sin));
	ck_assert_ptr_nonnull(rs.l);
	ck_assert_int_eq(getsockname(evconnlistener_get_fd(rs.l),
	    (struct sockaddr *)&sin, &len), 0);
	rs.port = ntohs(sin.sin_port);
}

static void
rs_stop(void)
{
	int i;

	for (i = 0; i < RS_CONNS; i++)
		rc_free(&rs.conns[i]);
	if (rs.l != NULL)
		evconnlistener_free(rs.l);
	memset(&rs, 0, sizeof(rs));
}

/* Behaviours. */
static void
reply_once(struct rconn *rc, const char *text)
{
	(void)text;
	if (rs.reply != NULL)
		rc_send(rc, rs.reply);
	if (rs.close_after)
		rc_close_flushed(rc);
}

static void
reply_keepalive(struct rconn *rc, const char *text)
{
	(void)text;
	rc_send(rc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
}

static void
silent(struct rconn *rc, const char *text)
{
	(void)rc;
	(void)text;
}

/* The first connection answers once, then closes when the next request
 * comes (as an AS closing an idle connection just as it is reused);
 * later connections answer. */
static void
close_second(struct rconn *rc, const char *text)
{
	(void)text;
	if (rc->idx == 0 && rc->nreq == 2)
		rc_free(rc);
	else
		reply_keepalive(rc, text);
}

static int
rs_eof_at_least(void *arg)
{
	return rs.neof >= *(int *)arg;
}

static int
rs_reqs_at_least(void *arg)
{
	return rs.nreqs >= *(int *)arg;
}

/* ---- fixtures ------------------------------------------------------------ */

static FILE *logfile;

static void
setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	memset(got, 0, sizeof(got));
	memset(&app, 0, sizeof(app));
	memset(&rs, 0, sizeof(rs));
	memset(big, 'x', sizeof(big));
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	logfile = tmpfile();
	ck_assert_ptr_nonnull(logfile);
	log_set_output(fileno(logfile));
	log_set_verbose(2);	/* exercise the debug lines too */
	up = NULL;
	srv = NULL;
}

/* UPSTREAM_TEST_LOG=1 copies each test's captured log to stderr. */
static void
teardown(void)
{
	char chunk[4096];
	ssize_t n;
	off_t off = 0;
	size_t i;

	upstream_free(up);
	up = NULL;
	for (i = 0; i < app.nheld; i++)
		http_req_unref(app.held[i]);
	app.nheld = 0;
	http_server_free(srv);
	srv = NULL;
	rs_stop();
	log_set_output(-1);
	if (getenv("UPSTREAM_TEST_LOG") != NULL)
		while ((n = pread(fileno(logfile), chunk, sizeof(chunk),
		    off)) > 0) {
			(void)fwrite(chunk, 1, (size_t)n, stderr);
			off += n;
		}
	log_set_verbose(0);
	fclose(logfile);
	event_base_free(base);
	base = NULL;
}

/* ---- HTTP/1.1 against common/http ---------------------------------------- */

START_TEST(test_h1_get_put)
{
	size_t one = 1;

	srv_start(NULL);
	up_start(srv_port, 0, NULL);

	req("GET", "/xcap-root/doc?q=1", NULL, &got[0]);
	wait_got(&got[0]);
	ck_assert_int_eq(got[0].e, UPSTREAM_OK);
	ck_assert_int_eq(got[0].status, 200);
	ck_assert_int_eq(got[0].h2, 0);
	ck_assert_str_eq(got[0].body, "GET /xcap-root/doc?q=1 HTTP/1.1");
	ck_assert_str_eq(got[0].ctype, "text/echo");
	ck_assert_str_eq(app.host, "as.example");
	ck_assert_str_eq(app.xtest, "upstream");

	req("PUT", "/doc", "<doc>exact bytes</doc>", &got[1]);
	wait_got(&got[1]);
	ck_assert_int_eq(got[1].status, 200);
	ck_assert_str_eq(got[1].body, "<doc>exact bytes</doc>");

	/* no body for HEAD and 204, and the connection goes on */
	req("HEAD", "/big/100", NULL, &got[2]);
	wait_got(&got[2]);
	ck_assert_int_eq(got[2].e, UPSTREAM_OK);
	ck_assert_int_eq(got[2].status, 200);
	ck_assert_uint_eq(got[2].body_len, 0);
	req("DELETE", "/status/204", NULL, &got[3]);
	wait_got(&got[3]);
	ck_assert_int_eq(got[3].status, 204);
	ck_assert_uint_eq(got[3].body_len, 0);
	req("GET", "/status/404", NULL, &got[4]);
	wait_got(&got[4]);
	ck_assert_int_eq(got[4].status, 404);
	ck_assert_str_eq(got[4].body, "GET /status/404 HTTP/1.1");
	req("GET", "/big/8192", NULL, &got[5]);
	wait_got(&got[5]);
	ck_assert_uint_eq(got[5].body_len, 8192);
	ck_assert(test_run_until(base, conns_are, &one, WAIT_MS));
	ck_assert_uint_eq(http_server_conn_count(srv), 1);
}
END_TEST

START_TEST(test_h1_keep_alive)
{
	size_t i;

	srv_start(NULL);
	up_start(srv_port, 0, NULL);
	for (i = 0; i < 6; i++) {
		req("GET", "/x", NULL, &got[i]);
		wait_got(&got[i]);
		ck_assert_int_eq(got[i].status, 200);
		ck_assert_uint_eq(upstream_conn_count(up), 1);
	}
	ck_assert_uint_eq(http_server_conn_count(srv), 1);
	ck_assert_int_eq(app.calls, 6);
}
END_TEST

/* The raw server: keep-alive answers on one connection. */
START_TEST(test_h1_keep_alive_raw)
{
	int i;

	rs_start(reply_keepalive);
	up_start(rs.port, 0, NULL);
	for (i = 0; i < 4; i++) {
		req("GET", "/k", NULL, &got[i]);
		wait_got(&got[i]);
		ck_assert_int_eq(got[i].e, UPSTREAM_OK);
		ck_assert_str_eq(got[i].body, "ok");
	}
	ck_assert_int_eq(rs.naccepted, 1);
	ck_assert_ptr_nonnull(strstr(rs.last, "GET /k HTTP/1.1\r\n"
	    "Host: as.example\r\nX-Test: upstream\r\n"));
	ck_assert_ptr_null(strstr(rs.last, "Content-Length"));
	/* PUT and POST carry Content-Length even when empty */
	req("POST", "/p", NULL, &got[4]);
	wait_got(&got[4]);
	ck_assert_ptr_nonnull(strstr(rs.last, "Content-Length: 0\r\n"));
}
END_TEST

START_TEST(test_h1_pool_queue)
{
	struct upstream_cfg cfg;
	size_t i, two = 2;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_conns = 2;
	srv_start(NULL);
	app.hold = 1;
	up_start(srv_port, 0, &cfg);
	for (i = 0; i < 5; i++)
		req("GET", "/q", NULL, &got[i]);
	wait_held(2);
	ck_assert(test_run_until(base, conns_are, &two, WAIT_MS));
	ck_assert_uint_eq(upstream_queued(up), 3);
	/* the queue drains as connections come free */
	answer_all(5);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(got[i].calls, 1);
		ck_assert_int_eq(got[i].status, 200);
	}
	ck_assert_uint_le(app.max_held, 2);
	ck_assert_uint_eq(upstream_conn_count(up), 2);
	ck_assert_uint_eq(upstream_queued(up), 0);
}
END_TEST

START_TEST(test_h1_overload)
{
	struct upstream_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_conns = 1;
	cfg.queue_max = 2;
	rs_start(silent);
	up_start(rs.port, 0, &cfg);
	req("GET", "/1", NULL, &got[0]);
	req("GET", "/2", NULL, &got[1]);
	req("GET", "/3", NULL, &got[2]);
	req("GET", "/4", NULL, &got[3]);	/* callback later, not now */
	ck_assert_uint_eq(upstream_queued(up), 2);
	wait_got(&got[3]);
	ck_assert_int_eq(got[3].e, UPSTREAM_E_OVERLOAD);
	ck_assert_ptr_nonnull(strstr(got[3].why, "queue full"));
	ck_assert_int_eq(got[0].calls + got[1].calls + got[2].calls, 0);
}
END_TEST

/* ---- HTTP/1.1 against hostile or broken servers -------------------------- */

struct raw_case {
	const char		*name;
	const char		*reply;	/* NULL: none */
	int			 close_after;
	enum upstream_err	 e;
	int			 status;
	const char		*body;
	const char		*why;	/* part of the reason */
};

static char many_fields[8192];
static char long_head[1024];

static const struct raw_case raw_cases[] = {
	/* good, if unusual */
	{ "bare LF", "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", 0,
	  UPSTREAM_OK, 200, "hi", NULL },
	{ "empty reason", "HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n", 0,
	  UPSTREAM_OK, 201, "", NULL },
	{ "chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "3;ext=1\r\nabc\r\n2\r\nde\r\nA\r\n0123456789\r\n0\r\n"
	  "Trailer-Field: x\r\n\r\n", 0, UPSTREAM_OK, 200, "abcde0123456789",
	  NULL },
	{ "chunked LF", "HTTP/1.1 200 OK\nTransfer-Encoding: Chunked\n\n"
	  "1\nz\n0\n\n", 0, UPSTREAM_OK, 200, "z", NULL },
	{ "interim 100 and 103", "HTTP/1.1 100 Continue\r\n\r\n"
	  "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
	  "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nfin", 0,
	  UPSTREAM_OK, 200, "fin", NULL },
	{ "to EOF", "HTTP/1.1 200 OK\r\n\r\nuntil the end", 1,
	  UPSTREAM_OK, 200, "until the end", NULL },
	{ "HTTP/1.0 to EOF", "HTTP/1.0 200 OK\r\n\r\nold", 1,
	  UPSTREAM_OK, 200, "old", NULL },
	{ "equal lengths", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n"
	  "Content-Length: 3\r\n\r\nabc", 0, UPSTREAM_OK, 200, "abc", NULL },
	{ "304 no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n"
	  "\r\n", 0, UPSTREAM_OK, 304, "", NULL },
	{ "Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\n"
	  "Content-Length: 1\r\n\r\nc", 1, UPSTREAM_OK, 200, "c", NULL },
	/* broken */
	{ "no answer, closed", NULL, 1, UPSTREAM_E_PROTOCOL, 0, NULL,
	  "before a response" },
	{ "status 4 digits", "HTTP/1.1 2000 OK\r\n\r\n", 0,
	  UPSTREAM_E_PROTOCOL, 0, NULL, "status line" },
	{ "status 600", "HTTP/1.1 600 X\r\n\r\n", 0,
	  UPSTREAM_E_PROTOCOL, 0, NULL, "status line" },
	{ "HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", 0,
	  UPSTREAM_E_PROTOCOL, 0, NULL, "status line" },
	{ "ICY", "ICY 200 OK\r\n\r\n", 0, UPSTREAM_E_PROTOCOL, 0, NULL,
	  "status line" },
	{ "no SP", "HTTP/1.1 200OK\r\n\r\n", 0, UPSTREAM_E_PROTOCOL, 0,
	  NULL, "status line" },
	{ "space before colon", "HTTP/1.1 200 OK\r\nBad Name : x\r\n\r\n",
	  0, UPSTREAM_E_PROTOCOL, 0, NULL, "field line" },
	{ "obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", 0,
	  UPSTREAM_E_PROTOCOL, 0, NULL, "folding" },
	{ "bare CR", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", 0,
	  UPSTREAM_E_PROTOCOL, 0, NULL, "control" },
	{ "length not digits", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
	  0, UPSTREAM_E_PROTOCOL, 0, NULL, "Content-Length" },
	{ "length negative", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	  0, UPSTREAM_E_PROTOCOL, 0, NULL, "Content-Length" },
	{ "lengths differ", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	  "Content-Length: 6\r\n\r\n", 0, UPSTREAM_E_PROTOCOL, 0, NULL,
	  "conflicting" },
	{ "gzip coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	  0, UPSTREAM_E_PROTOCOL, 0, NULL, "transfer coding" },
	{ "TE and CL", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	  "Content-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 0,
	  UPSTREAM_E_PROTOCOL, 0, NULL, "Transfer-Encoding with" },
	{ "101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
	  0, UPSTREAM_E_PROTOCOL, 0, NULL, "101" },
	{ "bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	  "\r\nzz\r\n", 0, UPSTREAM_E_PROTOCOL, 0, NULL, "chunk size" },
	{ "chunk size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	  "chunked\r\n\r\n11111111111111111\r\n", 0, UPSTREAM_E_PROTOCOL, 0,
	  NULL, "chunk size" },
	{ "chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	  "chunked\r\n\r\n3\r\nabcXY", 0, UPSTREAM_E_PROTOCOL, 0, NULL,
	  "CRLF" },
	{ "truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
	  1, UPSTREAM_E_PROTOCOL, 0, NULL, "in the response" },
	{ "truncated head", "HTTP/1.1 200 OK\r\nContent-", 1,
	  UPSTREAM_E_PROTOCOL, 0, NULL, "in the response" },
	/* over the caps: head_max 512, body_max 64 */
	{ "long head", long_head, 0, UPSTREAM_E_PROTOCOL, 0, NULL,
	  "head_max" },
	{ "too many fields", many_fields, 0, UPSTREAM_E_PROTOCOL, 0, NULL,
	  "header fields" },
	{ "Content-Length over", "HTTP/1.1 200 OK\r\nContent-Length: 65\r\n"
	  "\r\n", 0, UPSTREAM_E_TOO_BIG, 0, NULL, "body_max" },
	{ "huge Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: "
	  "99999999999999999999999\r\n\r\n", 0, UPSTREAM_E_PROTOCOL, 0, NULL,
	  "Content-Length" },
	{ "chunked over", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	  "\r\n20\r\n0123456789abcdef0123456789abcdef\r\n21\r\n", 0,
	  UPSTREAM_E_TOO_BIG, 0, NULL, "body_max" },
	{ "EOF body over", "HTTP/1.1 200 OK\r\n\r\n"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefX",
	  0, UPSTREAM_E_TOO_BIG, 0, NULL, "body_max" },
};

static void
fill_caps_cases(void)
{
	size_t i, off;

	off = (size_t)snprintf(long_head, sizeof(long_head),
	    "HTTP/1.1 200 OK\r\nX-Long: ");
	for (i = 0; i < 600; i++)
		long_head[off++] = 'a';
	snprintf(long_head + off, sizeof(long_head) - off, "\r\n\r\n");
	off = (size_t)snprintf(many_fields, sizeof(many_fields),
	    "HTTP/1.1 200 OK\r\n");
	for (i = 0; i <= UPSTREAM_HEADERS_MAX; i++)
		off += (size_t)snprintf(many_fields + off,
		    sizeof(many_fields) - off, "A%zu: b\r\n", i);
	snprintf(many_fields + off, sizeof(many_fields) - off, "\r\n");
}

START_TEST(test_h1_raw)
{
	const struct raw_case *tc = &raw_cases[_i];
	struct upstream_cfg cfg;
	int one = 1;
	size_t zero = 0;

	fill_caps_cases();
	memset(&cfg, 0, sizeof(cfg));
	cfg.body_max = 64;
	/* the many-fields case needs a head that fits */
	cfg.head_max = tc->reply == many_fields ? 4096 : 512;
	rs.reply = tc->reply;
	rs.close_after = tc->close_after;
	rs_start(reply_once);
	up_start(rs.port, 0, &cfg);
	req("GET", "/raw", NULL, &got[0]);
	wait_got(&got[0]);
	ck_assert_msg(got[0].e == tc->e, "%s: error %d (%s), wanted %d",
	    tc->name, got[0].e, got[0].why, tc->e);
	if (tc->e == UPSTREAM_OK) {
		ck_assert_int_eq(got[0].status, tc->status);
		ck_assert_str_eq(got[0].body, tc->body);
		ck_assert_uint_eq(got[0].body_len, strlen(tc->body));
	} else
		ck_assert_msg(strstr(got[0].why, tc->why) != NULL,
		    "%s: reason '%s' does not say '%s'", tc->name, got[0].why,
		    tc->why);
	/* a connection that failed or was read to its end is closed */
	if (tc->e != UPSTREAM_OK || tc->close_after) {
		ck_assert(test_run_until(base, conns_are, &zero, WAIT_MS));
		if (!tc->close_after)
			ck_assert(test_run_until(base, rs_eof_at_least, &one,
			    WAIT_MS));
	} else
		ck_assert_uint_eq(upstream_conn_count(up), 1);
}
END_TEST

START_TEST(test_h1_timeout)
{
	struct upstream_cfg cfg;
	size_t zero = 0;
	int one = 1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.response_timeout_ms = 300;
	cfg.max_conns = 1;
	rs_start(silent);
	up_start(rs.port, 0, &cfg);
	req("GET", "/never", NULL, &got[0]);
	/* the second times out in the queue */
	req("GET", "/queued", NULL, &got[1]);
	wait_got(&got[0]);
	wait_got(&got[1]);
	ck_assert_int_eq(got[0].e, UPSTREAM_E_TIMEOUT);
	ck_assert_str_eq(got[0].why, "timeout after 300 ms");
	ck_assert_int_eq(got[1].e, UPSTREAM_E_TIMEOUT);
	ck_assert_uint_eq(upstream_queued(up), 0);
	/* the second may have left the queue as the first timed out */
	ck_assert_int_ge(rs.nreqs, 1);
	/* its answer may still come: the connection is not reused */
	ck_assert(test_run_until(base, conns_are, &zero, WAIT_MS));
	ck_assert(test_run_until(base, rs_eof_at_least, &one, WAIT_MS));
}
END_TEST

/* A free port: bound, then closed. */
static uint16_t
closed_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

START_TEST(test_connect_refused)
{
	struct upstream_cfg cfg;
	int h2 = _i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_conns = 1;
	up_start(closed_port(), h2, &cfg);
	/* the second waits for the first's connection in HTTP/1.1, for
	 * the one connection in h2c: both fail with it */
	req("GET", "/a", NULL, &got[0]);
	req("GET", "/b", NULL, &got[1]);
	wait_got(&got[0]);
	wait_got(&got[1]);
	ck_assert_int_eq(got[0].e, UPSTREAM_E_CONNECT);
	ck_assert_int_eq(got[1].e, UPSTREAM_E_CONNECT);
	ck_assert_ptr_nonnull(strstr(got[0].why, "refused"));
	ck_assert_uint_eq(upstream_conn_count(up), 0);
	ck_assert_uint_eq(upstream_queued(up), 0);
}
END_TEST

START_TEST(test_h1_cancel)
{
	struct upstream_cfg cfg;
	struct upstream_req *r, *q;
	int one = 1;
	size_t zero = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_conns = 1;
	rs_start(silent);
	up_start(rs.port, 0, &cfg);

	/* a request on the wire, and one queued behind it */
	r = req("GET", "/c", NULL, &got[0]);
	q = req("GET", "/q", NULL, &got[1]);
	ck_assert(test_run_until(base, rs_reqs_at_least, &one, WAIT_MS));
	ck_assert_uint_eq(upstream_queued(up), 1);
	upstream_cancel(q);
	ck_assert_uint_eq(upstream_queued(up), 0);
	upstream_cancel(r);
	/* its connection is closed, not reused */
	ck_assert(test_run_until(base, rs_eof_at_least, &one, WAIT_MS));
	ck_assert(test_run_until(base, conns_are, &zero, WAIT_MS));
	(void)test_run_until(base, test_never, NULL, QUIET_MS);
	ck_assert_int_eq(got[0].calls, 0);
	ck_assert_int_eq(got[1].calls, 0);

	/* freed with one request written, one queued */
	rs.on_req = reply_keepalive;
	req("GET", "/1", NULL, &got[2]);
	req("GET", "/2", NULL, &got[3]);	/* queued: max_conns 1 */
	upstream_free(up);	/* both get SHUTDOWN at once */
	up = NULL;
	ck_assert_int_eq(got[2].calls, 1);
	ck_assert_int_eq(got[3].calls, 1);
	ck_assert_int_eq(got[2].e, UPSTREAM_E_SHUTDOWN);
	ck_assert_int_eq(got[3].e, UPSTREAM_E_SHUTDOWN);

	/* an outcome known (OVERLOAD) but not yet delivered */
	cfg.queue_max = 1;
	up_start(rs.port, 0, &cfg);
	req("GET", "/1", NULL, &got[4]);
	req("GET", "/2", NULL, &got[5]);
	r = req("GET", "/3", NULL, &got[6]);	/* OVERLOAD, not yet told */
	upstream_cancel(r);
	wait_got(&got[4]);
	wait_got(&got[5]);
	ck_assert_int_eq(got[4].e, UPSTREAM_OK);
	ck_assert_int_eq(got[5].e, UPSTREAM_OK);
	(void)test_run_until(base, test_never, NULL, QUIET_MS);
	ck_assert_int_eq(got[6].calls, 0);
}
END_TEST

START_TEST(test_free_pending)
{
	struct upstream_cfg cfg;
	int h2 = _i, n = h2 ? 3 : 1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_conns = 1;
	srv_start(NULL);
	app.hold = 1;
	up_start(srv_port, h2, &cfg);
	req("GET", "/1", NULL, &got[0]);
	req("GET", "/2", NULL, &got[1]);
	req("GET", "/3", NULL, &got[2]);
	wait_held(h2 ? 3 : 1);
	ck_assert_uint_eq(upstream_queued(up), h2 ? 0 : 2);
	upstream_free(up);
	up = NULL;
	ck_assert_int_eq(got[0].calls, 1);
	ck_assert_int_eq(got[1].calls, 1);
	ck_assert_int_eq(got[2].calls, 1);
	ck_assert_int_eq(got[0].e, UPSTREAM_E_SHUTDOWN);
	ck_assert_int_eq(got[1].e, UPSTREAM_E_SHUTDOWN);
	ck_assert_int_eq(got[2].e, UPSTREAM_E_SHUTDOWN);
	/* the server sees the requests on the wire abandoned */
	ck_assert(test_run_until(base, aborted_at_least, &n, WAIT_MS));
	ck_assert_int_eq(app.aborted, n);
}
END_TEST

/* The AS closed an idle connection just as it was reused. */
START_TEST(test_h1_retry)
{
	rs_start(close_second);
	up_start(rs.port, 0, NULL);
	req("GET", "/first", NULL, &got[0]);
	wait_got(&got[0]);
	ck_assert_int_eq(got[0].e, UPSTREAM_OK);
	req("GET", "/again", NULL, &got[1]);
	wait_got(&got[1]);
	ck_assert_msg(got[1].e == UPSTREAM_OK, "%s", got[1].why);
	ck_assert_str_eq(got[1].body, "ok");
	ck_assert_int_eq(rs.naccepted, 2);	/* on a fresh connection */
	ck_assert_int_eq(rs.nreqs, 3);
	ck_assert_ptr_nonnull(strstr(rs.last, "GET /again "));
}
END_TEST

/* Not idempotent: a POST is not sent twice. */
START_TEST(test_h1_no_retry_post)
{
	rs_start(close_second);
	up_start(rs.port, 0, NULL);
	req("GET", "/first", NULL, &got[0]);
	wait_got(&got[0]);
	req("POST", "/once", "data", &got[1]);
	wait_got(&got[1]);
	ck_assert_int_eq(got[1].e, UPSTREAM_E_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(got[1].why, "before a response"));
	ck_assert_int_eq(rs.naccepted, 1);
	ck_assert_int_eq(rs.nreqs, 2);
}
END_TEST

/* Each callback starts the next request: callbacks may use the API. */
static int chain_left;

static void
chain_cb(void *arg, enum upstream_err e, const struct upstream_resp *resp,
    const char *why)
{
	struct got *g = arg;

	(void)resp;
	ck_assert_msg(e == UPSTREAM_OK, "%s", why);
	g->calls++;
	if (--chain_left > 0)
		ck_assert_ptr_nonnull(upstream_request(up, "GET", "/chain",
		    NULL, NULL, NULL, 0, NULL, 0, chain_cb, g));
}

static int
chain_done(void *arg)
{
	(void)arg;
	return chain_left == 0;
}

START_TEST(test_h1_chain_and_api)
{
	struct upstream_cfg cfg;
	static const char *const bad_names[] = { "X:Y" };
	static const char *const ok_names[] = { "X" };
	static const char *const bad_values[] = { "a\r\nInjected: 1" };
	char err[128];

	memset(&cfg, 0, sizeof(cfg));
	cfg.addr = "localhost";	/* names do not resolve */
	cfg.port = 80;
	ck_assert_ptr_null(upstream_new(base, &cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "numeric"));
	cfg.addr = "::1";
	cfg.port = 0;
	ck_assert_ptr_null(upstream_new(base, &cfg, err, sizeof(err)));
	upstream_free(NULL);
	upstream_cancel(NULL);

	srv_start(NULL);
	up_start(srv_port, 0, NULL);
	errno = 0;
	ck_assert_ptr_null(upstream_request(up, "GET\r\n", "/", NULL, NULL,
	    NULL, 0, NULL, 0, got_cb, &got[0]));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(upstream_request(up, "GET", "/a b", NULL, NULL,
	    NULL, 0, NULL, 0, got_cb, &got[0]));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(upstream_request(up, "GET", "/", "h\r\nX: y", NULL,
	    NULL, 0, NULL, 0, got_cb, &got[0]));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(upstream_request(up, "GET", "/", NULL, bad_names,
	    ok_names, 1, NULL, 0, got_cb, &got[0]));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(upstream_request(up, "GET", "/", NULL, ok_names,
	    bad_values, 1, NULL, 0, got_cb, &got[0]));
	ck_assert_int_eq(errno, EINVAL);
	(void)test_run_until(base, test_never, NULL, QUIET_MS);
	ck_assert_int_eq(got[0].calls, 0);
	ck_assert_int_eq(app.calls, 0);

	chain_left = 5;
	ck_assert_ptr_nonnull(upstream_request(up, "GET", "/chain", NULL,
	    NULL, NULL, 0, NULL, 0, chain_cb, &got[1]));
	ck_assert(test_run_until(base, chain_done, NULL, WAIT_MS));
	ck_assert_int_eq(got[1].calls, 5);
	ck_assert_int_eq(app.calls, 5);
	/* no host given: the AS's address */
	ck_assert_ptr_nonnull(strstr(app.host, "127.0.0.1:"));
	ck_assert_uint_eq(upstream_conn_count(up), 1);
}
END_TEST

/*
 * A listener whose accept queue is full and never accepted: the kernel
 * drops further SYNs, so a connect neither succeeds nor fails.
 */
static int
full_listener(uint16_t *port, int *fillers, size_t nfill)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	size_t i;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 0), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	for (i = 0; i < nfill; i++) {
		fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ck_assert_int_ge(fillers[i], 0);
		(void)connect(fillers[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	return fd;
}

START_TEST(test_connect_timeout)
{
	struct upstream_cfg cfg;
	int h2 = _i, lfd, fill[4];
	uint16_t port;
	size_t i;

	lfd = full_listener(&port, fill, 4);
	memset(&cfg, 0, sizeof(cfg));
	cfg.connect_timeout_ms = 300;
	cfg.max_conns = 1;
	up_start(port, h2, &cfg);
	req("GET", "/a", NULL, &got[0]);
	req("GET", "/b", NULL, &got[1]);
	wait_got(&got[0]);
	wait_got(&got[1]);
	ck_assert_int_eq(got[0].e, UPSTREAM_E_CONNECT);
	ck_assert_int_eq(got[1].e, UPSTREAM_E_CONNECT);
	ck_assert_str_eq(got[0].why, "connect timeout after 300 ms");
	ck_assert_uint_eq(upstream_conn_count(up), 0);
	for (i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
}
END_TEST

/* Idle connections close after idle_timeout_ms; the next request opens
 * a new one. */
START_TEST(test_idle_reconnect)
{
	struct upstream_cfg cfg;
	int h2 = _i;
	size_t zero = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.idle_timeout_ms = 200;
	srv_start(NULL);
	up_start(srv_port, h2, &cfg);
	req("GET", "/1", NULL, &got[0]);
	wait_got(&got[0]);
	ck_assert_int_eq(got[0].status, 200);
	ck_assert_uint_eq(upstream_conn_count(up), 1);
	ck_assert(test_run_until(base, conns_are, &zero, WAIT_MS));
	req("GET", "/2", NULL, &got[1]);
	wait_got(&got[1]);
	ck_assert_int_eq(got[1].status, 200);
	ck_assert_int_eq(got[1].h2, h2);
	ck_assert_uint_eq(upstream_conn_count(up), 1);
}
END_TEST

/* Bodies far over the socket and HTTP/2 window sizes, both ways. */
static uint8_t bigbody[300000];

static void
big_cb(void *arg, enum upstream_err e, const struct upstream_resp *resp,
    const char *why)
{
	struct got *g = arg;

	g->calls++;
	g->e = e;
	ck_assert_msg(e == UPSTREAM_OK, "%s", why);
	g->status = resp->status;
	g->body_len = resp->body_len;
	ck_assert_int_eq(memcmp(resp->body, bigbody, sizeof(bigbody)), 0);
}

START_TEST(test_big_bodies)
{
	int h2 = _i;
	size_t i;

	for (i = 0; i < sizeof(bigbody); i++)
		bigbody[i] = (uint8_t)(i * 7 + i / 251);
	srv_start(NULL);
	up_start(srv_port, h2, NULL);
	for (i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(upstream_request(up, "PUT", "/echo",
		    NULL, NULL, NULL, 0, bigbody, sizeof(bigbody), big_cb,
		    &got[i]));
	for (i = 0; i < 3; i++) {
		wait_got(&got[i]);
		ck_assert_int_eq(got[i].status, 200);
		ck_assert_uint_eq(got[i].body_len, sizeof(bigbody));
	}
}
END_TEST

/* ---- h2c ----------------------------------------------------------------- */

START_TEST(test_h2_get_put)
{
	size_t one = 1;

	srv_start(NULL);
	up_start(srv_port, 1, NULL);
	req("GET", "/xcap-root/doc?q=1", NULL, &got[0]);
	wait_got(&got[0]);
	ck_assert_msg(got[0].e == UPSTREAM_OK, "%s", got[0].why);
	ck_assert_int_eq(got[0].status, 200);
	ck_assert_int_eq(got[0].h2, 1);
	ck_assert_str_eq(got[0].body, "GET /xcap-root/doc?q=1 HTTP/2");
	ck_assert_str_eq(got[0].ctype, "text/echo");
	ck_assert_str_eq(app.host, "as.example");	/* :authority */
	ck_assert_str_eq(app.xtest, "upstream");
	ck_assert_str_eq(app.version, "HTTP/2");

	req("PUT", "/doc", "<doc>exact bytes</doc>", &got[1]);
	wait_got(&got[1]);
	ck_assert_int_eq(got[1].status, 200);
	ck_assert_str_eq(got[1].body, "<doc>exact bytes</doc>");
	req("HEAD", "/big/100", NULL, &got[2]);
	wait_got(&got[2]);
	ck_assert_int_eq(got[2].e, UPSTREAM_OK);
	ck_assert_uint_eq(got[2].body_len, 0);
	req("DELETE", "/status/204", NULL, &got[3]);
	wait_got(&got[3]);
	ck_assert_int_eq(got[3].status, 204);
	req("GET", "/big/8192", NULL, &got[4]);
	wait_got(&got[4]);
	ck_assert_uint_eq(got[4].body_len, 8192);
	ck_assert_uint_eq(upstream_conn_count(up), 1);
	ck_assert(test_run_until(base, conns_are, &one, WAIT_MS));
	ck_assert_uint_eq(http_server_conn_count(srv), 1);
}
END_TEST

/* SETTINGS_MAX_CONCURRENT_STREAMS 2: the rest wait in our queue. */
START_TEST(test_h2_concurrent)
{
	struct http_config hc;
	int i;

	memset(&hc, 0, sizeof(hc));
	hc.h2 = 1;
	hc.max_streams = 2;
	srv_start(&hc);
	app.hold = 1;
	up_start(srv_port, 1, NULL);
	for (i = 0; i < 6; i++)
		req("GET", "/s", NULL, &got[i]);
	wait_held(2);
	(void)test_run_until(base, test_never, NULL, QUIET_MS);
	ck_assert_uint_eq(app.nheld, 2);
	ck_assert_uint_eq(upstream_queued(up), 4);
	ck_assert_uint_eq(upstream_conn_count(up), 1);
	answer_all(6);
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(got[i].calls, 1);
		ck_assert_msg(got[i].e == UPSTREAM_OK, "%d: %s", i,
		    got[i].why);
		ck_assert_int_eq(got[i].h2, 1);
	}
	ck_assert_uint_le(app.max_held, 2);
	ck_assert_uint_eq(upstream_conn_count(up), 1);
	ck_assert_uint_eq(http_server_conn_count(srv), 1);
}
END_TEST

/* Timeout and cancel reset a stream; the connection stays. */
START_TEST(test_h2_timeout_cancel)
{
	struct upstream_cfg cfg;
	struct upstream_req *r;
	int one = 1, two = 2;

	memset(&cfg, 0, sizeof(cfg));
	cfg.response_timeout_ms = 300;
	srv_start(NULL);
	app.hold = 1;
	up_start(srv_port, 1, &cfg);
	req("GET", "/slow", NULL, &got[0]);
	wait_got(&got[0]);
	ck_assert_int_eq(got[0].e, UPSTREAM_E_TIMEOUT);
	ck_assert_str_eq(got[0].why, "timeout after 300 ms");
	ck_assert(test_run_until(base, aborted_at_least, &one, WAIT_MS));

	r = req("PUT", "/cancelled", "body", &got[1]);
	wait_held(2);
	upstream_cancel(r);
	ck_assert(test_run_until(base, aborted_at_least, &two, WAIT_MS));
	(void)test_run_until(base, test_never, NULL, QUIET_MS);
	ck_assert_int_eq(got[1].calls, 0);

	app.hold = 0;
	req("GET", "/after", NULL, &got[2]);
	wait_got(&got[2]);
	ck_assert_int_eq(got[2].status, 200);
	ck_assert_uint_eq(upstream_conn_count(up), 1);
	ck_assert_uint_eq(http_server_conn_count(srv), 1);
}
END_TEST

START_TEST(test_h2_too_big)
{
	struct upstream_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.body_max = 100;
	srv_start(NULL);
	up_start(srv_port, 1, &cfg);
	req("GET", "/big/101", NULL, &got[0]);
	wait_got(&got[0]);
	ck_assert_int_eq(got[0].e, UPSTREAM_E_TOO_BIG);
	req("GET", "/big/100", NULL, &got[1]);
	wait_got(&got[1]);
	ck_assert_int_eq(got[1].e, UPSTREAM_OK);
	ck_assert_uint_eq(got[1].body_len, 100);
	ck_assert_uint_eq(upstream_conn_count(up), 1);
}
END_TEST

/* The first connection says SETTINGS, then GOAWAY with last stream 0:
 * our stream 1 was refused, goes again on a new connection (adopted by
 * the real server). */
static void
goaway_first(struct rconn *rc)
{
	static const unsigned char frames[] = {
		0, 0, 0, 4, 0, 0, 0, 0, 0,		/* SETTINGS */
		0, 0, 8, 7, 0, 0, 0, 0, 0,		/* GOAWAY */
		0, 0, 0, 0, 0, 0, 0, 0,			/* last 0, NO_ERROR */
	};
	struct bufferevent *bev;

	if (rc->idx == 0) {
		ck_assert_int_eq(bufferevent_write(rc->bev, frames,
		    sizeof(frames)), 0);
		return;
	}
	bev = rc->bev;
	rc->bev = NULL;
	ck_assert_int_eq(http_server_adopt(srv, bev, "raw"), 0);
}

START_TEST(test_h2_goaway)
{
	int one = 1;

	srv_start(NULL);
	rs.on_accept = goaway_first;
	rs_start(NULL);
	up_start(rs.port, 1, NULL);
	req("GET", "/refused", NULL, &got[0]);
	wait_got(&got[0]);
	ck_assert_msg(got[0].e == UPSTREAM_OK, "%s", got[0].why);
	ck_assert_str_eq(got[0].body, "GET /refused HTTP/2");
	ck_assert_int_eq(rs.naccepted, 2);
	ck_assert_int_eq(app.calls, 1);
	/* the first one closes once drained */
	ck_assert(test_run_until(base, rs_eof_at_least, &one, WAIT_MS));
	ck_assert_uint_eq(upstream_conn_count(up), 1);
}
END_TEST

/* An HTTP/1.1 server answers our h2c preface. */
static void
h1_answer(struct rconn *rc)
{
	rc_send(rc, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n");
}

START_TEST(test_h2_garbage)
{
	rs.on_accept = h1_answer;
	rs_start(NULL);
	up_start(rs.port, 1, NULL);
	req("GET", "/x", NULL, &got[0]);
	wait_got(&got[0]);
	ck_assert_int_eq(got[0].e, UPSTREAM_E_PROTOCOL);
	ck_assert_uint_eq(upstream_conn_count(up), 0);
}
END_TEST

/* ---- streaming ----------------------------------------------------------- */

struct sgot {
	struct upstream_req	*r;
	int			 heads, bodies, calls;
	int			 status, h2;
	enum upstream_err	 e;
	char			 why[128];
	size_t			 len;
	uint8_t			*data;	/* a copy of the body, `cap` at most */
	size_t			 cap;
	int			 pause_at_first; /* pause in the first body() */
	int			 drop_at;	/* body() returns -1 at call n */
	int			 drop_head;	/* head() returns -1 */
	int			 cancel_in_head; /* upstream_cancel() in head() */
};

static struct sgot sg;

static int
s_head(void *arg, const struct upstream_resp *resp)
{
	struct sgot *g = arg;

	ck_assert_int_eq(g->bodies, 0);
	ck_assert_int_eq(g->calls, 0);
	ck_assert_uint_eq(resp->body_len, 0);
	ck_assert_ptr_nonnull(resp->body);
	g->heads++;
	g->status = resp->status;
	g->h2 = resp->h2;
	if (g->cancel_in_head) {
		upstream_cancel(g->r);
		return 0;
	}
	return g->drop_head ? -1 : 0;
}

static int
s_body(void *arg, const uint8_t *data, size_t len)
{
	struct sgot *g = arg;

	ck_assert_int_eq(g->heads, 1);
	ck_assert_int_eq(g->calls, 0);
	ck_assert_uint_gt(len, 0);
	g->bodies++;
	if (g->data != NULL) {
		ck_assert_uint_le(g->len + len, g->cap);
		memcpy(g->data + g->len, data, len);
	}
	g->len += len;
	if (g->drop_at > 0 && g->bodies == g->drop_at)
		return -1;
	if (g->pause_at_first && g->bodies == 1)
		upstream_pause(g->r, 1);
	return 0;
}

static void
s_done(void *arg, enum upstream_err e, const struct upstream_resp *resp,
    const char *why)
{
	struct sgot *g = arg;

	g->calls++;
	g->e = e;
	if (e != UPSTREAM_OK) {
		ck_assert_ptr_null(resp);
		snprintf(g->why, sizeof(g->why), "%s", why);
		return;
	}
	ck_assert_int_eq(g->heads, 1);
	ck_assert_int_eq(resp->status, g->status);
	ck_assert_uint_eq(resp->body_len, 0);
}

static const struct upstream_stream s_cbs = { s_head, s_body, NULL };

static struct upstream_req *
sreq(const char *method, const char *target, const uint8_t *body,
    size_t len, struct sgot *g)
{
	g->r = upstream_request_stream(up, method, target, NULL, NULL, NULL,
	    0, body, len, &s_cbs, s_done, g);
	ck_assert_ptr_nonnull(g->r);
	ck_assert_int_eq(g->heads + g->calls, 0);
	return g->r;
}

static int
s_called(void *arg)
{
	return ((struct sgot *)arg)->calls > 0;
}

static void
s_wait(struct sgot *g)
{
	ck_assert_msg(test_run_until(base, s_called, g, WAIT_MS),
	    "no completion in %d ms (%d heads, %zu octets)", WAIT_MS,
	    g->heads, g->len);
	ck_assert_int_eq(g->calls, 1);
}

static int
s_bodies_at_least_one(void *arg)
{
	return ((struct sgot *)arg)->bodies > 0;
}

static void
big_fill(void)
{
	size_t i;

	for (i = 0; i < sizeof(bigbody); i++)
		bigbody[i] = (uint8_t)(i * 7 + i / 251);
}

/* The body in pieces, after the head, then the completion; HEAD and 204
 * have a head and no body. Also: a NULL stream is refused. */
START_TEST(test_stream_basic)
{
	static uint8_t copy[sizeof(bigbody)];
	int h2 = _i;

	big_fill();
	srv_start(NULL);
	up_start(srv_port, h2, NULL);
	ck_assert_ptr_null(upstream_request_stream(up, "GET", "/", NULL,
	    NULL, NULL, 0, NULL, 0, NULL, s_done, &sg));
	ck_assert_int_eq(errno, EINVAL);
	memset(&sg, 0, sizeof(sg));
	sg.data = copy;
	sg.cap = sizeof(copy);
	sreq("PUT", "/echo", bigbody, sizeof(bigbody), &sg);
	s_wait(&sg);
	ck_assert_msg(sg.e == UPSTREAM_OK, "%s", sg.why);
	ck_assert_int_eq(sg.heads, 1);
	ck_assert_int_eq(sg.status, 200);
	ck_assert_int_eq(sg.h2, h2);
	ck_assert_uint_eq(sg.len, sizeof(bigbody));
	ck_assert(memcmp(copy, bigbody, sizeof(bigbody)) == 0);
	ck_assert_int_gt(sg.bodies, 1);		/* in pieces */

	memset(&sg, 0, sizeof(sg));
	sreq("HEAD", "/big/100", NULL, 0, &sg);
	s_wait(&sg);
	ck_assert_int_eq(sg.e, UPSTREAM_OK);
	ck_assert_int_eq(sg.heads, 1);
	ck_assert_int_eq(sg.bodies, 0);

	memset(&sg, 0, sizeof(sg));
	sreq("DELETE", "/status/204", NULL, 0, &sg);
	s_wait(&sg);
	ck_assert_int_eq(sg.e, UPSTREAM_OK);
	ck_assert_int_eq(sg.status, 204);
	ck_assert_int_eq(sg.bodies, 0);
	ck_assert_uint_eq(upstream_conn_count(up), 1);	/* kept */
}
END_TEST

/* Paused in the first body(): nothing more until resumed — and no
 * response timeout meanwhile; then the rest, whole and in order. */
START_TEST(test_stream_pause)
{
	static uint8_t copy[sizeof(bigbody)];
	struct upstream_cfg cfg;
	int h2 = _i;

	big_fill();
	memset(&cfg, 0, sizeof(cfg));
	cfg.response_timeout_ms = 500;
	srv_start(NULL);
	up_start(srv_port, h2, &cfg);
	memset(&sg, 0, sizeof(sg));
	sg.data = copy;
	sg.cap = sizeof(copy);
	sg.pause_at_first = 1;
	sreq("PUT", "/echo", bigbody, sizeof(bigbody), &sg);
	ck_assert(test_run_until(base, s_bodies_at_least_one, &sg, WAIT_MS));
	ck_assert(!test_run_until(base, s_called, &sg, 800));
	ck_assert_int_eq(sg.bodies, 1);
	ck_assert_uint_lt(sg.len, sizeof(bigbody));
	upstream_pause(sg.r, 1);	/* again: no effect */
	upstream_pause(sg.r, 0);
	ck_assert_int_eq(sg.bodies, 1);	/* from the loop, not from here */
	s_wait(&sg);
	ck_assert_msg(sg.e == UPSTREAM_OK, "%s", sg.why);
	ck_assert_uint_eq(sg.len, sizeof(bigbody));
	ck_assert(memcmp(copy, bigbody, sizeof(bigbody)) == 0);
	/* the connection serves the next one */
	req("GET", "/after", NULL, &got[0]);
	wait_got(&got[0]);
	ck_assert_int_eq(got[0].e, UPSTREAM_OK);
	ck_assert_uint_eq(upstream_conn_count(up), 1);
	upstream_pause(NULL, 1);	/* accepted */
}
END_TEST

/* body() or head() says -1, or head() cancels: no more callbacks;
 * HTTP/1.1 closes the connection, h2c resets the stream only. */
START_TEST(test_stream_drop)
{
	size_t zero = 0;
	int h2 = _i, i;

	big_fill();
	srv_start(NULL);
	up_start(srv_port, h2, NULL);
	for (i = 0; i < 3; i++) {
		memset(&sg, 0, sizeof(sg));
		sg.drop_at = i == 0 ? 1 : 0;
		sg.drop_head = i == 1;
		sg.cancel_in_head = i == 2;
		sreq("PUT", "/echo", bigbody, sizeof(bigbody), &sg);
		ck_assert(test_run_until(base, test_never, NULL, QUIET_MS) ==
		    0);
		ck_assert_int_eq(sg.heads, 1);
		ck_assert_int_eq(sg.bodies, i == 0 ? 1 : 0);
		ck_assert_int_eq(sg.calls, 0);
		if (!h2)
			ck_assert(test_run_until(base, conns_are, &zero,
			    WAIT_MS));
		/* the AS is still served */
		memset(&got[i], 0, sizeof(got[i]));
		req("GET", "/next", NULL, &got[i]);
		wait_got(&got[i]);
		ck_assert_int_eq(got[i].e, UPSTREAM_OK);
		ck_assert_str_eq(got[i].body, h2 ? "GET /next HTTP/2" :
		    "GET /next HTTP/1.1");
	}
	if (h2)
		ck_assert_uint_eq(upstream_conn_count(up), 1);
}
END_TEST

static char chunked_big[220000];

static void
reply_chunked_big(struct rconn *rc, const char *text)
{
	(void)text;
	rc_send(rc, chunked_big);
}

static void
reply_short(struct rconn *rc, const char *text)
{
	(void)text;
	rc_send(rc, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
	rc_close_flushed(rc);
}

/* body_max after the head (chunked: the length is not known before) and
 * before it (Content-Length says so); an AS that closes mid-body. */
START_TEST(test_stream_h1_errors)
{
	struct upstream_cfg cfg;
	size_t n, i;

	/* 200000 octets in chunks of 10000 */
	n = (size_t)snprintf(chunked_big, sizeof(chunked_big),
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 20; i++) {
		n += (size_t)snprintf(chunked_big + n, sizeof(chunked_big) - n,
		    "2710\r\n");
		memset(chunked_big + n, 'c', 10000);
		n += 10000;
		n += (size_t)snprintf(chunked_big + n, sizeof(chunked_big) - n,
		    "\r\n");
	}
	n += (size_t)snprintf(chunked_big + n, sizeof(chunked_big) - n,
	    "0\r\n\r\n");
	ck_assert_uint_lt(n, sizeof(chunked_big) - 1);

	memset(&cfg, 0, sizeof(cfg));
	cfg.body_max = 100000;
	rs_start(reply_chunked_big);
	up_start(rs.port, 0, &cfg);
	memset(&sg, 0, sizeof(sg));
	sreq("GET", "/chunked", NULL, 0, &sg);
	s_wait(&sg);
	ck_assert_int_eq(sg.e, UPSTREAM_E_TOO_BIG);
	ck_assert_int_eq(sg.heads, 1);
	ck_assert_uint_le(sg.len, 100000);
	ck_assert_ptr_nonnull(strstr(sg.why, "body_max"));
	upstream_free(up);
	up = NULL;
	rs_stop();

	/* Content-Length over body_max: an error before any head */
	cfg.body_max = 100;
	srv_start(NULL);
	up_start(srv_port, 0, &cfg);
	memset(&sg, 0, sizeof(sg));
	sreq("GET", "/big/101", NULL, 0, &sg);
	s_wait(&sg);
	ck_assert_int_eq(sg.e, UPSTREAM_E_TOO_BIG);
	ck_assert_int_eq(sg.heads, 0);
	upstream_free(up);
	up = NULL;

	/* closed after 10 of 100 octets */
	rs_start(reply_short);
	up_start(rs.port, 0, NULL);
	memset(&sg, 0, sizeof(sg));
	sreq("GET", "/short", NULL, 0, &sg);
	s_wait(&sg);
	ck_assert_int_eq(sg.e, UPSTREAM_E_PROTOCOL);
	ck_assert_int_eq(sg.heads, 1);
	ck_assert_uint_eq(sg.len, 10);
}
END_TEST

/* h2c: body_max after the head (the stream is reset, the connection
 * kept), and a paused stream does not hold the others up. */
START_TEST(test_stream_h2)
{
	struct upstream_cfg cfg;
	static struct sgot other;

	big_fill();
	memset(&cfg, 0, sizeof(cfg));
	cfg.body_max = 100000;
	srv_start(NULL);
	up_start(srv_port, 1, &cfg);
	memset(&sg, 0, sizeof(sg));
	sreq("PUT", "/echo", bigbody, 100000, &sg);
	s_wait(&sg);
	ck_assert_int_eq(sg.e, UPSTREAM_OK);
	ck_assert_uint_eq(sg.len, 100000);
	memset(&sg, 0, sizeof(sg));
	ck_assert_ptr_nonnull(upstream_request_stream(up, "GET", "/big/8192",
	    NULL, NULL, NULL, 0, NULL, 0, &s_cbs, s_done, &sg));
	s_wait(&sg);
	ck_assert_int_eq(sg.e, UPSTREAM_OK);
	upstream_free(up);
	up = NULL;

	cfg.body_max = 100;
	up_start(srv_port, 1, &cfg);
	memset(&sg, 0, sizeof(sg));
	sreq("GET", "/big/8192", NULL, 0, &sg);
	s_wait(&sg);
	ck_assert_int_eq(sg.e, UPSTREAM_E_TOO_BIG);
	ck_assert_int_eq(sg.heads, 1);	/* h2: no length checked before */
	ck_assert_uint_le(sg.len, 100);
	ck_assert_uint_eq(upstream_conn_count(up), 1);
	upstream_free(up);
	up = NULL;

	/*
	 * One stream paused with its body held (100000 octets, within its
	 * window), another of 140000 completes meanwhile: the connection's
	 * window (150000) came back as the octets arrived, not as they were
	 * taken. (The AS must not itself wait on the paused stream: our
	 * http server stops dispatching while a body waits for a window.)
	 */
	cfg.body_max = 150000;
	up_start(srv_port, 1, &cfg);
	memset(&sg, 0, sizeof(sg));
	sg.pause_at_first = 1;
	sreq("PUT", "/echo", bigbody, 100000, &sg);
	ck_assert(test_run_until(base, s_bodies_at_least_one, &sg, WAIT_MS));
	memset(&other, 0, sizeof(other));
	sreq("PUT", "/echo", bigbody, 140000, &other);
	s_wait(&other);
	ck_assert_int_eq(other.e, UPSTREAM_OK);
	ck_assert_uint_eq(other.len, 140000);
	ck_assert_int_eq(sg.calls, 0);
	ck_assert_int_eq(sg.bodies, 1);
	upstream_pause(sg.r, 0);
	s_wait(&sg);
	ck_assert_int_eq(sg.e, UPSTREAM_OK);
	ck_assert_uint_eq(sg.len, 100000);
}
END_TEST

/* Freed while a streaming request is paused: held octets are given and
 * the outcome delivered, or SHUTDOWN. */
START_TEST(test_stream_free_paused)
{
	int h2 = _i;

	big_fill();
	srv_start(NULL);
	up_start(srv_port, h2, NULL);
	memset(&sg, 0, sizeof(sg));
	sg.pause_at_first = 1;
	sreq("PUT", "/echo", bigbody, sizeof(bigbody), &sg);
	ck_assert(test_run_until(base, s_bodies_at_least_one, &sg, WAIT_MS));
	upstream_free(up);
	up = NULL;
	ck_assert_int_eq(sg.calls, 1);
	ck_assert(sg.e == UPSTREAM_E_SHUTDOWN || (sg.e == UPSTREAM_OK &&
	    sg.len == sizeof(bigbody)));
}
END_TEST

/* ---- request bodies in pieces (upstream_request_source) ---------------- */

/* The writer: pieces of bigbody while the upstream takes them. */
struct src {
	struct upstream_req	*r;
	size_t			 len, off, piece;
	int			 drains, waits, ended;
	size_t			 dropped;	/* writes after the answer */
};

static struct src src;

static void
src_pump(struct src *s)
{
	ssize_t q;
	size_t n;

	while (s->off < s->len) {
		n = s->len - s->off < s->piece ? s->len - s->off : s->piece;
		q = upstream_body_write(s->r, bigbody + s->off, n);
		ck_assert_int_ge(q, 0);
		if (q == 0 && sg.calls + sg.heads > 0)
			s->dropped += n;
		s->off += n;
		if ((size_t)q > UPSTREAM_BODY_LOWAT) {
			s->waits++;
			return;		/* src_drain() goes on */
		}
	}
	if (!s->ended) {
		ck_assert_int_eq(upstream_body_end(s->r), 0);
		s->ended = 1;
	}
}

static void
src_drain(void *arg)
{
	ck_assert_ptr_eq(arg, &sg);
	src.drains++;
	src_pump(&src);
}

static const struct upstream_stream src_cbs = { s_head, s_body, src_drain };

static void
src_start(const char *target, size_t len, int announce)
{
	memset(&src, 0, sizeof(src));
	src.len = len;
	src.piece = 10000;
	sg.r = src.r = upstream_request_source(up, "PUT", target, NULL, NULL,
	    NULL, 0, announce ? (int64_t)len : -1, &src_cbs, s_done, &sg);
	ck_assert_ptr_nonnull(src.r);
	src_pump(&src);
}

/* Known length (Content-Length) and unknown (chunked / DATA to
 * END_STREAM): the AS gets the body whole, written under back-pressure;
 * misuse is refused. */
START_TEST(test_source_body)
{
	static uint8_t copy[sizeof(bigbody)];
	int h2 = _i, announce;
	char cl[24];

	big_fill();
	srv_start(NULL);
	up_start(srv_port, h2, NULL);
	for (announce = 1; announce >= 0; announce--) {
		memset(&sg, 0, sizeof(sg));
		sg.data = copy;
		sg.cap = sizeof(copy);
		src_start("/echo", sizeof(bigbody), announce);
		s_wait(&sg);
		ck_assert_msg(sg.e == UPSTREAM_OK, "%s", sg.why);
		ck_assert_int_eq(sg.status, 200);
		ck_assert_int_eq(sg.h2, h2);
		ck_assert_uint_eq(sg.len, sizeof(bigbody));
		ck_assert(memcmp(copy, bigbody, sizeof(bigbody)) == 0);
		ck_assert_int_gt(src.waits, 0);	/* back-pressure */
		ck_assert_int_eq(src.drains, src.waits);
		snprintf(cl, sizeof(cl), "%zu", sizeof(bigbody));
		ck_assert_str_eq(app.clen, announce ? cl : "");
		ck_assert_str_eq(app.te, announce || h2 ? "" : "chunked");
	}

	/* misuse: not a source, more than announced, short end */
	memset(&sg, 0, sizeof(sg));
	sreq("GET", "/x", NULL, 0, &sg);
	ck_assert_int_eq(upstream_body_write(sg.r, "x", 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(upstream_body_end(sg.r), -1);
	s_wait(&sg);
	memset(&sg, 0, sizeof(sg));
	sg.r = upstream_request_source(up, "PUT", "/echo", NULL, NULL, NULL,
	    0, 3, &src_cbs, s_done, &sg);
	ck_assert_ptr_nonnull(sg.r);
	ck_assert_int_eq(upstream_body_write(sg.r, "abcd", 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_ge(upstream_body_write(sg.r, "ab", 2), 0);
	ck_assert_int_eq(upstream_body_end(sg.r), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_ge(upstream_body_write(sg.r, "c", 1), 0);
	ck_assert_int_eq(upstream_body_end(sg.r), 0);
	ck_assert_int_eq(upstream_body_end(sg.r), -1);
	s_wait(&sg);
	ck_assert_int_eq(sg.e, UPSTREAM_OK);
	ck_assert_uint_eq(sg.len, 3);
	ck_assert_ptr_null(upstream_request_source(up, "PUT", "/", NULL, NULL,
	    NULL, 0, -2, &src_cbs, s_done, &sg));
}
END_TEST

/* The AS answers before the body is all sent (a streaming AS that does
 * not read it): the answer completes the request, later pieces are
 * dropped, and an HTTP/1.1 connection is not reused. */
START_TEST(test_source_early_answer)
{
	struct http_config cfg = { .stream_bodies = 1, .h2 = 1 };
	int h2 = _i;
	size_t none = 0;

	big_fill();
	srv_start(&cfg);
	up_start(srv_port, h2, NULL);
	memset(&sg, 0, sizeof(sg));
	src_start("/status/413", sizeof(bigbody), 1);
	ck_assert_uint_lt(src.off, sizeof(bigbody));
	s_wait(&sg);
	ck_assert_msg(sg.e == UPSTREAM_OK, "%s", sg.why);
	ck_assert_int_eq(sg.status, 413);
	src.r = NULL;
	if (!h2)
		ck_assert_msg(test_run_until(base, conns_are, &none, WAIT_MS),
		    "connection kept after a cut body");
	/* the upstream goes on */
	memset(&got[0], 0, sizeof(got[0]));
	req("GET", "/after", NULL, &got[0]);
	wait_got(&got[0]);
	ck_assert_int_eq(got[0].e, UPSTREAM_OK);
	ck_assert_int_eq(got[0].status, 200);
}
END_TEST

Suite *
suite_upstream(void)
{
	Suite *s = suite_create("upstream");
	TCase *tc;

	tc = tcase_create("h1");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_h1_get_put);
	tcase_add_test(tc, test_h1_keep_alive);
	tcase_add_test(tc, test_h1_keep_alive_raw);
	tcase_add_test(tc, test_h1_pool_queue);
	tcase_add_test(tc, test_h1_overload);
	tcase_add_test(tc, test_h1_timeout);
	tcase_add_test(tc, test_h1_cancel);
	tcase_add_test(tc, test_h1_retry);
	tcase_add_test(tc, test_h1_no_retry_post);
	tcase_add_test(tc, test_h1_chain_and_api);
	tcase_add_loop_test(tc, test_connect_refused, 0, 2);
	tcase_add_loop_test(tc, test_free_pending, 0, 2);
	tcase_add_loop_test(tc, test_connect_timeout, 0, 2);
	tcase_add_loop_test(tc, test_idle_reconnect, 0, 2);
	tcase_add_loop_test(tc, test_big_bodies, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("h1_raw");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_h1_raw, 0,
	    (int)(sizeof(raw_cases) / sizeof(raw_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("h2");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_h2_get_put);
	tcase_add_test(tc, test_h2_concurrent);
	tcase_add_test(tc, test_h2_timeout_cancel);
	tcase_add_test(tc, test_h2_too_big);
	tcase_add_test(tc, test_h2_goaway);
	tcase_add_test(tc, test_h2_garbage);
	suite_add_tcase(s, tc);

	tc = tcase_create("upstream_stream");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_stream_basic, 0, 2);
	tcase_add_loop_test(tc, test_stream_pause, 0, 2);
	tcase_add_loop_test(tc, test_stream_drop, 0, 2);
	tcase_add_test(tc, test_stream_h1_errors);
	tcase_add_test(tc, test_stream_h2);
	tcase_add_loop_test(tc, test_stream_free_paused, 0, 2);
	tcase_add_loop_test(tc, test_source_body, 0, 2);
	tcase_add_loop_test(tc, test_source_early_answer, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
