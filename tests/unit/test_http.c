/*
 * test_http.c — the HTTP server layer (common/http.h) on real loopback
 * sockets: HTTP/1.1 framing (Content-Length, chunked, HEAD, 100-continue,
 * keep-alive, HTTP/1.0), pipelining with answers given out of order,
 * every malformed-request answer (400/413/414/431/501/505) followed by a
 * close that leaves other connections alone, slow and idle clients, a
 * client that never reads, adopt() over a socketpair, abort callbacks and
 * API misuse; HTTP/2 in cleartext with nghttp and h2load (nghttp2-client)
 * as child processes: prior knowledge and Upgrade, GET and PUT, answers
 * given out of order, 413 and 431 per stream, many concurrent streams;
 * streamed responses (http_respond_begin/write/end/abort): known length,
 * chunked, HTTP/1.0 close-delimited, HEAD and 204, an abort mid-body,
 * pipelined order both ways, a slow reader holding the producer through
 * the drain callback, and the same on HTTP/2 (a reset stream, a client
 * window kept shut).
 *
 * One event_base per test; the loop runs with EVLOOP_ONCE until a
 * condition holds or a deadline passes (no sleeps). Raw clients are
 * non-blocking sockets on the same loop, so they can send what a broken or
 * hostile client would. Child processes write into a pipe the loop reads;
 * their end is the pipe's EOF.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include <nghttp2/nghttp2.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "suites.h"

#define WAIT_MS		8000	/* generous: valgrind runs this too */
#define HELD_MAX	16
#define IN_MAX		(8 * 1024 * 1024)
#define RESP_BODY_MAX	(128 * 1024)

static struct event_base *base;
static FILE *logfile;
static struct http_server *srv;
static uint16_t port;
static char tmpdir[64];

/* ---- the loop ---------------------------------------------------------- */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
run_for(unsigned ms)
{
	(void)test_run_until(base, test_never, NULL, ms);
}

/* ---- the application ------------------------------------------------------ */

struct app {
	int		 hold;	/* keep requests; the test answers them */
	int		 calls;
	struct http_req	*held[HELD_MAX];
	size_t		 nheld;
	int		 aborted;
	int		 deaf_calls;	/* "/big/65535" */
	char		 method[16];
	char		 target[512];
	char		 version[16];
	char		 peer[HTTP_PEER_MAX];
	char		 host[128];
	char		 xtest[128];
	int		 is_h2;
	size_t		 nhdrs;
	char		 body[8192];
	size_t		 body_len;
};

static struct app app;

/* The application's side: a handler that takes streamed bodies. */
struct sapp {
	int		 on;	/* the handler streams bodies */
	int		 read;	/* and reads them at once */
	int		 early;	/* answers 401 at the head, unread */
	int		 begin;	/* begins a streamed answer at the head */
	size_t		 pause_at; /* pauses once this much is in */
	int		 paused;
	int		 heads;
	struct http_req	*r;
	size_t		 got;
	size_t		 pieces;
	uint32_t	 sum;
	int		 ended;
};

static struct sapp sapp;
static void	shandler(struct http_req *);
static char big[1 << 20];

static void
abort_cb(struct http_req *r, void *arg)
{
	(void)arg;
	ck_assert_int_eq(http_req_alive(r), 0);
	app.aborted++;
}

/*
 * The answer to every request: the body echoed, or "METHOD TARGET
 * VERSION"; "/big/N" answers N octets of 'x'; "/status/N" answers N.
 */
static void
echo(struct http_req *r)
{
	const char *target = http_req_target(r);
	char text[640];
	const uint8_t *body;
	size_t len;
	int status = 200;

	ck_assert_int_eq(http_resp_header(r, "Content-Type", "text/plain"), 0);
	ck_assert_int_eq(http_resp_header(r, "X-Version",
	    http_req_version(r)), 0);
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
	const uint8_t *body;

	ck_assert_ptr_eq(arg, &app);
	app.calls++;
	if (strcmp(http_req_target(r), "/big/65535") == 0)
		app.deaf_calls++;
	snprintf(app.method, sizeof(app.method), "%s", http_req_method(r));
	snprintf(app.target, sizeof(app.target), "%s", http_req_target(r));
	snprintf(app.version, sizeof(app.version), "%s", http_req_version(r));
	snprintf(app.peer, sizeof(app.peer), "%s", http_req_peer(r));
	v = http_req_header(r, "host");
	snprintf(app.host, sizeof(app.host), "%s", v != NULL ? v : "");
	v = http_req_header(r, "x-test");
	snprintf(app.xtest, sizeof(app.xtest), "%s", v != NULL ? v : "");
	app.is_h2 = http_req_is_h2(r);
	app.nhdrs = http_req_header_count(r);
	if (sapp.on && http_req_body_streaming(r)) {
		shandler(r);
		return;
	}
	body = http_req_body(r, &app.body_len);
	ck_assert_uint_eq(body[app.body_len], 0);	/* NUL after it */
	if (app.body_len <= sizeof(app.body))
		memcpy(app.body, body, app.body_len);
	if (app.hold) {
		ck_assert_uint_lt(app.nheld, HELD_MAX);
		app.held[app.nheld++] = http_req_ref(r);
		http_req_on_abort(r, abort_cb, NULL);
		return;
	}
	echo(r);
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

static void
release_held(void)
{
	size_t i;

	for (i = 0; i < app.nheld; i++)
		http_req_unref(app.held[i]);
	app.nheld = 0;
}

/* ---- fixtures ------------------------------------------------------------ */

static void
setup(void)
{
	/* as the daemons do (daemon.c): a write to a closed peer is EPIPE */
	signal(SIGPIPE, SIG_IGN);
	memset(&app, 0, sizeof(app));
	memset(big, 'x', sizeof(big));
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	logfile = tmpfile();
	ck_assert_ptr_nonnull(logfile);
	log_set_output(fileno(logfile));
	log_set_verbose(2);	/* exercise the debug lines too */
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-http.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	srv = NULL;
	port = 0;
}

/* HTTP_TEST_LOG=1 copies each test's captured log to stderr. */
static void
teardown(void)
{
	char chunk[4096], path[128];
	ssize_t n;
	off_t off = 0;

	release_held();
	http_server_free(srv);
	srv = NULL;
	log_set_output(-1);
	if (getenv("HTTP_TEST_LOG") != NULL)
		while ((n = pread(fileno(logfile), chunk, sizeof(chunk),
		    off)) > 0) {
			(void)fwrite(chunk, 1, (size_t)n, stderr);
			off += n;
		}
	log_set_verbose(0);
	fclose(logfile);
	logfile = NULL;
	event_base_free(base);
	base = NULL;
	snprintf(path, sizeof(path), "%s/body", tmpdir);
	(void)unlink(path);
	(void)rmdir(tmpdir);
}

/* Does the captured log contain `needle`? */
static int
log_has(const char *needle)
{
	struct stat st;
	char *text;
	ssize_t n;
	int found;

	ck_assert_int_eq(fstat(fileno(logfile), &st), 0);
	text = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(text);
	n = pread(fileno(logfile), text, (size_t)st.st_size, 0);
	ck_assert_int_ge(n, 0);
	text[n] = '\0';
	found = strstr(text, needle) != NULL;
	free(text);
	return found;
}

/* A server on 127.0.0.1, any port, with `cfg` (NULL: defaults). */
static void
start(const struct http_config *cfg)
{
	char err[256];

	srv = http_server_new(base, cfg, handler, &app, err, sizeof(err));
	ck_assert_msg(srv != NULL, "%s", err);
	ck_assert_msg(http_server_listen(srv, "127.0.0.1", 0, &port, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_ne(port, 0);
}

/* ---- a raw HTTP/1.1 client on the loop ---------------------------------- */

struct tc {
	int		 fd;
	struct event	*rev;
	struct event	*wev;
	struct buf	 in;
	size_t		 pos;	/* responses parsed up to here */
	struct buf	 out;
	int		 eof;	/* FIN or reset seen */
	int		 reset;
};

struct tresp {
	int	status;
	char	head[16384];
	size_t	body_len;
	char	body[RESP_BODY_MAX + 1];
};

static struct tresp resp;	/* big: not on the stack */

static void
tc_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tc *t = arg;
	uint8_t chunk[16384];
	ssize_t n;

	(void)what;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n > 0) {
			ck_assert_int_eq(buf_append(&t->in, chunk, (size_t)n),
			    0);
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			t->eof = 1;
			t->reset = n < 0;
			event_del(t->rev);
		}
		return;
	}
}

static void
tc_flush(struct tc *t)
{
	ssize_t n;

	while (t->out.len > 0) {
		n = write(t->fd, t->out.data, t->out.len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			buf_reset(&t->out);	/* peer gone */
			return;
		}
		buf_consume(&t->out, (size_t)n);
	}
	if (t->out.len > 0)
		event_add(t->wev, NULL);
}

static void
tc_write_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tc_flush(arg);
}

/* Use the connected socket `fd`; `reading` 0 makes a client that never
 * reads. */
static void
tc_attach(struct tc *t, int fd, int reading)
{
	memset(t, 0, sizeof(*t));
	t->fd = fd;
	ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK),
	    0);
	buf_init(&t->in, IN_MAX);
	buf_init(&t->out, IN_MAX);
	t->rev = event_new(base, fd, EV_READ | EV_PERSIST, tc_read_cb, t);
	t->wev = event_new(base, fd, EV_WRITE, tc_write_cb, t);
	if (reading)
		event_add(t->rev, NULL);
}

static void
tc_open_opt(struct tc *t, int reading, int rcvbuf)
{
	struct sockaddr_in sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	if (rcvbuf > 0)
		ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf)), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* loopback: the kernel completes the handshake before accept() */
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	tc_attach(t, fd, reading);
}

static void
tc_open(struct tc *t)
{
	tc_open_opt(t, 1, 0);
}

static void
tc_close(struct tc *t)
{
	if (t->fd == -1)
		return;
	event_free(t->rev);
	event_free(t->wev);
	close(t->fd);
	t->fd = -1;
	buf_clear(&t->in);
	buf_clear(&t->out);
}

static void
tc_send(struct tc *t, const void *p, size_t len)
{
	ck_assert_int_eq(buf_append(&t->out, p, len), 0);
	tc_flush(t);
}

static void
tc_sends(struct tc *t, const char *s)
{
	tc_send(t, s, strlen(s));
}

/* The value of header `name` in the response head `head`, or NULL. */
static const char *
resp_header(const struct tresp *r, const char *name)
{
	static char val[1024];
	const char *p = strstr(r->head, "\r\n"), *e, *colon;
	size_t nl = strlen(name), vl;

	while (p != NULL && p[2] != '\r') {
		p += 2;
		e = strstr(p, "\r\n");
		colon = strchr(p, ':');
		if (colon != NULL && colon < e && (size_t)(colon - p) == nl &&
		    strncasecmp(p, name, nl) == 0) {
			colon++;
			while (*colon == ' ')
				colon++;
			vl = (size_t)(e - colon);
			ck_assert_uint_lt(vl, sizeof(val));
			memcpy(val, colon, vl);
			val[vl] = '\0';
			return val;
		}
		p = e;
	}
	return NULL;
}

/* Parse the next complete response at t->pos into `r`; 1 or 0. */
static int
tc_parse(struct tc *t, int head_req, struct tresp *r)
{
	const char *p, *end, *cl;
	size_t n, hlen, blen = 0;

	if (t->in.len <= t->pos)
		return 0;
	p = (const char *)t->in.data + t->pos;
	n = t->in.len - t->pos;
	if ((end = memmem(p, n, "\r\n\r\n", 4)) == NULL)
		return 0;
	hlen = (size_t)(end - p) + 4;
	ck_assert_uint_lt(hlen, sizeof(r->head));
	memcpy(r->head, p, hlen);
	r->head[hlen] = '\0';
	ck_assert_msg(sscanf(r->head, "HTTP/1.1 %d ", &r->status) == 1,
	    "bad status line: %.80s", r->head);
	if (r->status >= 200 && !head_req && r->status != 204 &&
	    r->status != 304) {
		cl = resp_header(r, "Content-Length");
		ck_assert_msg(cl != NULL, "no Content-Length: %s", r->head);
		blen = strtoul(cl, NULL, 10);
	}
	if (n < hlen + blen)
		return 0;
	ck_assert_uint_le(blen, RESP_BODY_MAX);
	memcpy(r->body, p + hlen, blen);
	r->body[blen] = '\0';
	r->body_len = blen;
	t->pos += hlen + blen;
	return 1;
}

struct wait_resp {
	struct tc	*t;
	int		 head;
	struct tresp	*r;
	int		 got;
};

static int
resp_ready(void *arg)
{
	struct wait_resp *w = arg;

	if (!w->got)
		w->got = tc_parse(w->t, w->head, w->r);
	return w->got || (w->t->eof && w->t->in.len <= w->t->pos);
}

/* Wait for the next response; fails the test without one. */
static void
tc_recv_head(struct tc *t, int head_req, struct tresp *r)
{
	struct wait_resp w = { t, head_req, r, 0 };

	(void)test_run_until(base, resp_ready, &w, WAIT_MS);
	ck_assert_msg(w.got, "no response (eof %d, %zu octets unparsed)",
	    t->eof, t->in.len - t->pos);
}

static void
tc_recv(struct tc *t, struct tresp *r)
{
	tc_recv_head(t, 0, r);
}

static int
tc_eof_cond(void *arg)
{
	return ((struct tc *)arg)->eof;
}

static void
tc_wait_eof(struct tc *t)
{
	ck_assert_msg(test_run_until(base, tc_eof_cond, t, WAIT_MS),
	    "connection not closed");
}

/* One request and its response on a fresh connection; the connection
 * stays open in `t`. */
static void
tc_exchange(struct tc *t, const char *req, struct tresp *r)
{
	tc_open(t);
	tc_sends(t, req);
	tc_recv(t, r);
}

/* Every response carries Date (IMF-fixdate) and Content-Length. */
static void
assert_common(const struct tresp *r)
{
	const char *d = resp_header(r, "Date");

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(strlen(d), 29);
	ck_assert_str_eq(d + 25, " GMT");
	if (r->status != 204 && r->status != 304)
		ck_assert_ptr_nonnull(resp_header(r, "Content-Length"));
}

/* ---- child processes (nghttp, h2load) ------------------------------------- */

struct child {
	pid_t		 pid;
	int		 fd;
	struct event	*ev;
	struct buf	 out;
	int		 done;
	int		 status;
};

static void
child_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child *ch = arg;
	char chunk[8192];
	ssize_t n;

	(void)what;
	n = read(fd, chunk, sizeof(chunk));
	if (n > 0) {
		ck_assert_int_eq(buf_append(&ch->out, chunk, (size_t)n), 0);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	event_del(ch->ev);
	ck_assert_int_eq(waitpid(ch->pid, &ch->status, 0), ch->pid);
	ch->done = 1;
}

static void
child_start(struct child *ch, char *const argv[])
{
	int p[2];

	memset(ch, 0, sizeof(*ch));
	buf_init(&ch->out, 1 << 20);
	ck_assert_int_eq(pipe(p), 0);
	ch->pid = fork();
	ck_assert_int_ge(ch->pid, 0);
	if (ch->pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s (scripts/install-deps installs "
		    "nghttp2-client)\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	ch->fd = p[0];
	ck_assert_int_eq(fcntl(ch->fd, F_SETFL, O_NONBLOCK), 0);
	ch->ev = event_new(base, ch->fd, EV_READ | EV_PERSIST, child_read_cb,
	    ch);
	event_add(ch->ev, NULL);
}

static int
child_done(void *arg)
{
	return ((struct child *)arg)->done;
}

/* Wait for the child and return its output (NUL-terminated, owned by
 * `ch` until child_clear()). */
static const char *
child_wait(struct child *ch)
{
	ck_assert_msg(test_run_until(base, child_done, ch, 4 * WAIT_MS),
	    "%s", "child did not finish");
	ck_assert_ptr_nonnull(buf_cstr(&ch->out));
	return (const char *)ch->out.data;
}

static void
child_clear(struct child *ch)
{
	if (!ch->done) {
		kill(ch->pid, SIGKILL);
		(void)waitpid(ch->pid, NULL, 0);
	}
	event_free(ch->ev);
	close(ch->fd);
	buf_clear(&ch->out);
}

/* Run argv to completion; its output in `out` (static, NUL-terminated). */
static const char *
child_run(char *const argv[], int *exit_status)
{
	static char out[1 << 20];
	struct child ch;
	const char *o;

	child_start(&ch, argv);
	o = child_wait(&ch);
	snprintf(out, sizeof(out), "%s", o);
	*exit_status = WIFEXITED(ch.status) ? WEXITSTATUS(ch.status) : -1;
	child_clear(&ch);
	return out;
}

static void
url(char *out, size_t size, const char *path)
{
	snprintf(out, size, "http://127.0.0.1:%u%s", port, path);
}

static char *
write_file(const char *data, size_t len)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/body", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

/* =========================================================================
 * HTTP/1.1
 * ========================================================================= */

START_TEST(test_get_and_put)
{
	struct tc t;

	start(NULL);
	tc_exchange(&t, "GET /xcap-root/a%20b?x=1 HTTP/1.1\r\n"
	    "Host: example.org\r\nX-Test: one\r\n\r\n", &resp);
	ck_assert_int_eq(resp.status, 200);
	assert_common(&resp);
	ck_assert_str_eq(resp.body, "GET /xcap-root/a%20b?x=1 HTTP/1.1");
	ck_assert_str_eq(resp_header(&resp, "Content-Length"), "33");
	ck_assert_str_eq(resp_header(&resp, "Content-Type"), "text/plain");
	ck_assert_ptr_null(resp_header(&resp, "Connection"));
	ck_assert_str_eq(app.method, "GET");
	ck_assert_str_eq(app.target, "/xcap-root/a%20b?x=1");
	ck_assert_str_eq(app.version, "HTTP/1.1");
	ck_assert_str_eq(app.host, "example.org");
	ck_assert_str_eq(app.xtest, "one");
	ck_assert_uint_eq(app.nhdrs, 2);
	ck_assert_int_eq(app.is_h2, 0);
	ck_assert_ptr_nonnull(strstr(app.peer, "127.0.0.1:"));

	/* raw '[', ']' and '"' in the target: as sent */
	tc_sends(&t, "PUT /d/~~/r/e[@n=\"ab\"] HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 11\r\n\r\nhello world");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "hello world");
	ck_assert_str_eq(app.method, "PUT");
	ck_assert_str_eq(app.target, "/d/~~/r/e[@n=\"ab\"]");
	ck_assert_uint_eq(app.body_len, 11);
	ck_assert_int_eq(app.calls, 2);
	ck_assert_uint_eq(http_server_conn_count(srv), 1);
	tc_close(&t);
}
END_TEST

START_TEST(test_chunked)
{
	struct tc t;

	start(NULL);
	tc_exchange(&t, "PUT /c HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n6;name=\"v\"\r\n world\r\n"
	    "0\r\nX-Trailer: ignored\r\n\r\n", &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "hello world");
	ck_assert_uint_eq(app.body_len, 11);
	ck_assert_ptr_null(resp_header(&resp, "Transfer-Encoding"));

	/* in pieces, LF-only line ends, upper-case hex */
	tc_sends(&t, "PUT /c2 HTTP/1.1\nHost: h\nTransfer-Encoding: ");
	run_for(20);
	tc_sends(&t, "Chunked\n\n");
	run_for(20);
	tc_sends(&t, "A\nabcde");
	run_for(20);
	tc_sends(&t, "fghij\n0\n\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "abcdefghij");
	ck_assert_str_eq(app.target, "/c2");
	ck_assert_uint_eq(http_server_conn_count(srv), 1);
	tc_close(&t);
}
END_TEST

START_TEST(test_keep_alive)
{
	struct tc t;
	char req[128], want[128];
	int i;

	start(NULL);
	tc_open(&t);
	for (i = 0; i < 5; i++) {
		snprintf(req, sizeof(req), "GET /k/%d HTTP/1.1\r\nHost: h\r\n"
		    "\r\n", i);
		tc_sends(&t, req);
		tc_recv(&t, &resp);
		ck_assert_int_eq(resp.status, 200);
		snprintf(want, sizeof(want), "GET /k/%d HTTP/1.1", i);
		ck_assert_str_eq(resp.body, want);
		ck_assert_ptr_null(resp_header(&resp, "Connection"));
	}
	ck_assert_int_eq(app.calls, 5);
	ck_assert_uint_eq(http_server_conn_count(srv), 1);
	ck_assert_int_eq(t.eof, 0);

	/* Connection: close: answered with close, then the FIN; a request
	 * pipelined after it is never read */
	tc_sends(&t, "GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
	    "GET /never HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp_header(&resp, "Connection"), "close");
	ck_assert_str_eq(resp.body, "GET /last HTTP/1.1");
	tc_wait_eof(&t);
	ck_assert_uint_eq(t.in.len, t.pos);
	ck_assert_int_eq(app.calls, 6);
	tc_close(&t);
}
END_TEST

START_TEST(test_pipelined_sync)
{
	struct tc t;

	start(NULL);
	tc_open(&t);
	tc_sends(&t, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
	    "PUT /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\ntwo"
	    "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "GET /1 HTTP/1.1");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "two");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "GET /3 HTTP/1.1");
	ck_assert_int_eq(app.calls, 3);
	tc_close(&t);
}
END_TEST

/* Three requests in one write, answered 3, 2, 1 later: sent 1, 2, 3. */
START_TEST(test_pipelined_async)
{
	struct tc t;
	int i;

	start(NULL);
	app.hold = 1;
	tc_open(&t);
	tc_sends(&t, "GET /p1 HTTP/1.1\r\nHost: h\r\n\r\n"
	    "GET /p2 HTTP/1.1\r\nHost: h\r\n\r\n"
	    "PUT /p3 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nthree");
	wait_held(3);
	ck_assert_str_eq(http_req_target(app.held[0]), "/p1");
	ck_assert_str_eq(http_req_target(app.held[1]), "/p2");
	ck_assert_str_eq(http_req_target(app.held[2]), "/p3");
	for (i = 2; i >= 0; i--) {
		ck_assert_int_eq(http_req_alive(app.held[i]), 1);
		echo(app.held[i]);
		ck_assert_int_eq(http_req_alive(app.held[i]), 0);
		run_for(10);	/* a later answer must wait */
		if (i > 0)
			ck_assert_uint_eq(t.in.len, 0);
	}
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "GET /p1 HTTP/1.1");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "GET /p2 HTTP/1.1");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "three");
	/* the references keep the answered requests readable */
	ck_assert_str_eq(http_req_method(app.held[2]), "PUT");
	release_held();
	ck_assert_uint_eq(http_server_conn_count(srv), 1);
	tc_close(&t);
}
END_TEST

START_TEST(test_head)
{
	struct tc t;

	start(NULL);
	tc_open(&t);
	tc_sends(&t, "HEAD /big/1000 HTTP/1.1\r\nHost: h\r\n\r\n"
	    "GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv_head(&t, 1, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp_header(&resp, "Content-Length"), "1000");
	ck_assert_uint_eq(resp.body_len, 0);
	tc_recv(&t, &resp);		/* no body octets came in between */
	ck_assert_str_eq(resp.body, "GET /after HTTP/1.1");
	ck_assert_str_eq(app.method, "GET");

	/* 204 and 304: no Content-Length, no body */
	tc_sends(&t, "GET /status/204 HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 204);
	ck_assert_ptr_null(resp_header(&resp, "Content-Length"));
	tc_sends(&t, "GET /status/304 HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 304);
	ck_assert_int_eq(strncmp(resp.head, "HTTP/1.1 304 Not Modified\r\n",
	    27), 0);
	ck_assert_ptr_null(resp_header(&resp, "Content-Length"));
	tc_sends(&t, "GET /status/404 HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 404);
	ck_assert_int_eq(strncmp(resp.head, "HTTP/1.1 404 Not Found\r\n", 24),
	    0);
	tc_close(&t);
}
END_TEST

START_TEST(test_expect_continue)
{
	struct tc t;
	struct http_config cfg = { .body_max = 100, .h2 = 1 };

	start(&cfg);
	tc_open(&t);
	tc_sends(&t, "PUT /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
	    "Content-Length: 4\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 100);
	ck_assert_str_eq(resp.head, "HTTP/1.1 100 Continue\r\n\r\n");
	ck_assert_int_eq(app.calls, 0);
	tc_sends(&t, "body");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "body");

	/* too large: 413 at once, no 100 */
	tc_sends(&t, "PUT /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
	    "Content-Length: 101\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 413);
	ck_assert_str_eq(resp_header(&resp, "Connection"), "close");
	tc_wait_eof(&t);
	ck_assert_int_eq(app.calls, 1);
	tc_close(&t);
}
END_TEST

START_TEST(test_http10)
{
	struct tc t;

	start(NULL);
	/* HTTP/1.0 closes by default and needs no Host */
	tc_exchange(&t, "GET /old HTTP/1.0\r\n\r\n", &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_int_eq(strncmp(resp.head, "HTTP/1.1 200 OK\r\n", 17), 0);
	ck_assert_str_eq(resp_header(&resp, "Connection"), "close");
	ck_assert_str_eq(resp.body, "GET /old HTTP/1.0");
	ck_assert_str_eq(app.version, "HTTP/1.0");
	tc_wait_eof(&t);
	tc_close(&t);

	/* ... unless it asks for keep-alive */
	tc_exchange(&t, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	    &resp);
	ck_assert_str_eq(resp_header(&resp, "Connection"), "keep-alive");
	tc_sends(&t, "GET /b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "GET /b HTTP/1.0");
	ck_assert_int_eq(t.eof, 0);
	/* a higher minor version is served as 1.1 */
	tc_sends(&t, "GET /c HTTP/1.7\r\nHost: h\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "GET /c HTTP/1.1");
	tc_close(&t);
}
END_TEST

/* Line-end leniency that RFC 9112 §2.2 allows. */
START_TEST(test_lenient_line_ends)
{
	struct tc t;

	start(NULL);
	tc_exchange(&t, "\r\n\r\nGET /lf HTTP/1.1\nHost: h\n"
	    "Content-Length: 3, 3\nContent-Length: 003\n\nabc", &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "abc");
	ck_assert_str_eq(app.target, "/lf");
	tc_close(&t);
}
END_TEST

/* ---- malformed requests: answer, "Connection: close", FIN ---------------- */

#define S(lit)	lit, sizeof(lit) - 1	/* NULs inside count */

static const struct bad_case {
	const char	*req;
	size_t		 len;
	int		 status;
} bad_cases[] = {
	{ S("\x01\x02garbage\r\n\r\n"), 400 },
	{ S("GET /\r\nHost: h\r\n\r\n"), 400 },
	{ S("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), 400 },
	{ S("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), 400 },
	{ S("GET / http/1.1\r\nHost: h\r\n\r\n"), 400 },
	{ S("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), 400 },
	{ S("GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), 400 },
	{ S("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400 },
	{ S("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	    "Content-Length: 4\r\n\r\nabcd"), 400 },
	{ S("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n"
	    "abcd"), 400 },
	{ S("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc"), 400 },
	{ S("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n"), 400 },
	{ S("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n"), 400 },
	{ S("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), 400 },
	{ S("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), 400 },
	{ S("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"), 400 },
	{ S("GET / HTTP/1.1\r\n\r\n"), 400 },
	{ S("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400 },
	{ S("GET / HTTP/1.1\rHost: h\r\n\r\n"), 400 },
	{ S("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n"), 400 },
	{ S("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01\r\n\r\n"), 400 },
	{ S("GET / HTTP/1.1\r\nHost: h\r\nX-\0A: a\r\n\r\n"), 400 },
	{ S("PUT / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n"), 501 },
	{ S("PUT / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked, gzip\r\n\r\n"), 400 },
	{ S("PUT / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	    400 },
	{ S("PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "zz\r\n"), 400 },
	{ S("PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3 x\r\nabc\r\n0\r\n\r\n"), 400 },
	{ S("PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nabcX\r\n0\r\n\r\n"), 400 },
	{ S("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505 },
	{ S("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), 505 },
	{ S("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"), 501 },
};

START_TEST(test_bad_request)
{
	const struct bad_case *bc = &bad_cases[_i];
	struct tc t, other;

	start(NULL);
	tc_open(&other);	/* another connection, open throughout */
	tc_open(&t);
	tc_send(&t, bc->req, bc->len);
	tc_recv(&t, &resp);
	ck_assert_msg(resp.status == bc->status, "case %d: got %d, want %d",
	    _i, resp.status, bc->status);
	assert_common(&resp);
	ck_assert_str_eq(resp_header(&resp, "Connection"), "close");
	ck_assert_int_eq(app.calls, 0);
	tc_wait_eof(&t);
	tc_close(&t);
	/* the other connection is served as before */
	tc_sends(&other, "GET /other HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&other, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "GET /other HTTP/1.1");
	tc_close(&other);
}
END_TEST

/* A 400 after earlier pipelined requests waits for their answers. */
START_TEST(test_bad_after_pipelined)
{
	struct tc t;

	start(NULL);
	app.hold = 1;
	tc_open(&t);
	tc_sends(&t, "GET /ok HTTP/1.1\r\nHost: h\r\n\r\nBAD\r\n\r\n");
	wait_held(1);
	run_for(30);
	ck_assert_uint_eq(t.in.len, 0);		/* the 400 waits */
	echo(app.held[0]);
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_null(resp_header(&resp, "Connection"));
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 400);
	ck_assert_str_eq(resp_header(&resp, "Connection"), "close");
	tc_wait_eof(&t);
	tc_close(&t);
}
END_TEST

START_TEST(test_head_too_large)
{
	struct http_config cfg = { .head_max = 1024, .h2 = 1 };
	struct tc t, other;
	char req[4096];

	start(&cfg);
	tc_open(&other);
	memset(req, 'a', sizeof(req));
	memcpy(req, "GET / HTTP/1.1\r\nHost: h\r\nX-Big: ", 32);
	memcpy(req + 2000, "\r\n\r\n", 5);
	tc_exchange(&t, req, &resp);
	ck_assert_int_eq(resp.status, 431);
	ck_assert_str_eq(resp_header(&resp, "Connection"), "close");
	ck_assert_str_eq(resp.body, "Request Header Fields Too Large\n");
	tc_wait_eof(&t);
	tc_close(&t);

	/* a request line alone over head_max: 414 */
	memcpy(req, "GET /", 5);
	memset(req + 5, 'a', 1500);
	memcpy(req + 1505, " HTTP/1.1\r\nHost: h\r\n\r\n", 23);
	tc_exchange(&t, req, &resp);
	ck_assert_int_eq(resp.status, 414);
	tc_wait_eof(&t);
	tc_close(&t);

	/* just under the cap is fine */
	memset(req, 'a', sizeof(req));
	memcpy(req, "GET / HTTP/1.1\r\nHost: h\r\nX-Big: ", 32);
	memcpy(req + 1020, "\r\n\r\n", 5);
	tc_exchange(&t, req, &resp);
	ck_assert_int_eq(resp.status, 200);
	tc_close(&t);

	/* chunked trailers count against head_max as well */
	tc_open(&t);
	tc_sends(&t, "PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n1\r\na\r\n0\r\nX-T: ");
	memset(req, 'b', 1100);
	tc_send(&t, req, 1100);
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 431);
	tc_wait_eof(&t);
	tc_close(&t);

	ck_assert_int_eq(app.calls, 1);
	tc_sends(&other, "GET /other HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&other, &resp);
	ck_assert_int_eq(resp.status, 200);
	tc_close(&other);
}
END_TEST

START_TEST(test_body_too_large)
{
	struct http_config cfg = { .body_max = 1000, .h2 = 1 };
	struct tc t;
	char req[8192];

	start(&cfg);
	/* Content-Length says so: 413 before the body is read; the body
	 * the client keeps sending does not turn into a reset */
	memset(req, 'z', sizeof(req));
	tc_open(&t);
	tc_sends(&t, "PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n"
	    "\r\n");
	tc_send(&t, req, 5000);
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 413);
	ck_assert_str_eq(resp_header(&resp, "Connection"), "close");
	ck_assert_str_eq(resp.body, "Content Too Large\n");
	tc_wait_eof(&t);
	ck_assert_int_eq(t.reset, 0);
	tc_close(&t);

	/* chunked: 413 when the chunk that passes the cap is announced */
	tc_open(&t);
	tc_sends(&t, "PUT /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n3e8\r\n");
	tc_send(&t, req, 1000);
	tc_sends(&t, "\r\n1\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 413);
	tc_wait_eof(&t);
	tc_close(&t);

	/* exactly body_max is fine */
	tc_open(&t);
	tc_sends(&t, "PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n"
	    "\r\n");
	tc_send(&t, req, 1000);
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_uint_eq(resp.body_len, 1000);
	ck_assert_int_eq(app.calls, 1);
	tc_close(&t);
}
END_TEST

START_TEST(test_slow_client)
{
	struct http_config cfg = { .request_timeout_ms = 300,
	    .idle_timeout_ms = 400, .h2 = 1 };
	struct tc slow, body, idle, ok;
	uint64_t t0;

	start(&cfg);
	t0 = (uint64_t)now_ms();
	tc_open(&idle);
	/* a head that never ends */
	tc_open(&slow);
	tc_sends(&slow, "GET / HTTP/1.1\r\nHost: h\r\n");
	/* a body that never ends */
	tc_open(&body);
	tc_sends(&body, "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n"
	    "\r\n12345");
	/* a client that is served in the meantime */
	tc_open(&ok);
	tc_sends(&ok, "GET /ok HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&ok, &resp);
	ck_assert_int_eq(resp.status, 200);

	tc_recv(&slow, &resp);
	ck_assert_int_eq(resp.status, 408);
	ck_assert_str_eq(resp_header(&resp, "Connection"), "close");
	ck_assert_uint_ge((uint64_t)now_ms() - t0, 290);
	tc_wait_eof(&slow);
	tc_recv(&body, &resp);
	ck_assert_int_eq(resp.status, 408);
	tc_wait_eof(&body);
	/* no request at all: closed without a word after idle_timeout */
	tc_wait_eof(&idle);
	ck_assert_uint_eq(idle.in.len, 0);
	ck_assert_int_eq(app.calls, 1);
	tc_close(&slow);
	tc_close(&body);
	tc_close(&idle);
	tc_close(&ok);
}
END_TEST

static int
aborted(void *arg)
{
	(void)arg;
	return app.aborted > 0;
}

static int
conns_at_most(void *arg)
{
	return http_server_conn_count(srv) <= *(size_t *)arg;
}

/* A client that sends requests and never reads is dropped; another is
 * served all along. */
START_TEST(test_never_reads)
{
	struct http_config cfg = { .out_max = 256 * 1024,
	    .idle_timeout_ms = 500, .h2 = 1 };
	struct tc deaf, ok;
	char req[64 * 200];
	size_t n = 0, one = 1;
	uint64_t t0;
	int i;

	start(&cfg);
	tc_open_opt(&deaf, 0, 4096);
	for (i = 0; i < 200; i++)
		n += (size_t)snprintf(req + n, sizeof(req) - n,
		    "GET /big/65535 HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_send(&deaf, req, n);
	tc_open(&ok);
	for (i = 0; i < 5; i++) {
		tc_sends(&ok, "GET /big/60000 HTTP/1.1\r\nHost: h\r\n\r\n");
		tc_recv(&ok, &resp);
		ck_assert_int_eq(resp.status, 200);
		ck_assert_uint_eq(resp.body_len, 60000);
	}
	/* keep `ok` busy (never idle) until the deaf one is dropped */
	t0 = now_ms();
	while (!conns_at_most(&one) && now_ms() - t0 < WAIT_MS) {
		tc_sends(&ok, "GET /poll HTTP/1.1\r\nHost: h\r\n\r\n");
		tc_recv(&ok, &resp);
		ck_assert_int_eq(resp.status, 200);
		run_for(50);
	}
	ck_assert_msg(conns_at_most(&one), "the deaf client is still connected");
	ck_assert_uint_ge(now_ms() - t0, 400);	/* after its output stalled */
	/* back-pressure: it was not served everything it asked for */
	ck_assert_int_gt(app.deaf_calls, 0);
	ck_assert_int_lt(app.deaf_calls, 200);
	ck_assert(log_has("output stalled"));
	tc_sends(&ok, "GET /still HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&ok, &resp);
	ck_assert_str_eq(resp.body, "GET /still HTTP/1.1");
	tc_close(&deaf);
	tc_close(&ok);
}
END_TEST

/* Answers queued for a client that does not read, past out_max: the
 * connection is closed at once and the answer fails with ECONNRESET. */
START_TEST(test_out_max)
{
	struct http_config cfg = { .out_max = 100 * 1024, .h2 = 1 };
	struct tc deaf;
	size_t none = 0;

	start(&cfg);
	app.hold = 1;
	tc_open_opt(&deaf, 0, 4096);
	tc_sends(&deaf, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
	    "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
	wait_held(2);
	/* one response alone may pass out_max: nothing else is queued */
	ck_assert_int_eq(http_respond(app.held[1], 200, NULL, big, 150000), 0);
	errno = 0;
	ck_assert_int_eq(http_respond(app.held[0], 200, NULL, big, 1000), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	ck_assert_int_eq(http_req_alive(app.held[0]), 0);
	ck_assert_msg(test_run_until(base, conns_at_most, &none, WAIT_MS),
	    "connection not closed");
	ck_assert(log_has("peer not reading"));
	/* the unanswered one is abandoned, from the loop */
	ck_assert_msg(test_run_until(base, aborted, NULL, WAIT_MS), "no abort callback");
	ck_assert_int_eq(app.aborted, 1);
	release_held();
	tc_close(&deaf);
}
END_TEST

/* adopt(): a connection on a bufferevent the caller made. */
START_TEST(test_adopt)
{
	struct bufferevent *bev;
	struct tc t;
	char err[128];
	int sv[2];

	srv = http_server_new(base, NULL, handler, &app, err, sizeof(err));
	ck_assert_ptr_nonnull(srv);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(evutil_make_socket_nonblocking(sv[0]), 0);
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	ck_assert_ptr_nonnull(bev);
	/* octets already waiting in the bufferevent count */
	ck_assert_int_eq(bufferevent_write(bev, "", 0), 0);
	ck_assert_int_eq(http_server_adopt(srv, bev, "tls-peer:4433"), 0);
	ck_assert_uint_eq(http_server_conn_count(srv), 1);
	tc_attach(&t, sv[1], 1);
	tc_sends(&t, "PUT /adopted HTTP/1.1\r\nHost: h\r\nContent-Length: 2"
	    "\r\n\r\nok");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "ok");
	ck_assert_str_eq(app.peer, "tls-peer:4433");
	ck_assert_str_eq(app.target, "/adopted");
	tc_sends(&t, "GET /bye HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "GET /bye HTTP/1.1");
	tc_wait_eof(&t);
	ck_assert_uint_eq(http_server_conn_count(srv), 0);
	tc_close(&t);
}
END_TEST

/* An unanswered request whose connection goes: abort callback, then
 * http_respond() says ECONNRESET; the reference keeps it readable. */

START_TEST(test_abort)
{
	struct http_req *r;
	struct tc t;

	start(NULL);
	app.hold = 1;
	tc_open(&t);
	tc_sends(&t, "GET /wait HTTP/1.1\r\nHost: h\r\n\r\n");
	wait_held(1);
	r = app.held[0];
	ck_assert_int_eq(http_req_alive(r), 1);
	tc_close(&t);
	ck_assert_msg(test_run_until(base, aborted, NULL, WAIT_MS), "no abort callback");
	ck_assert_int_eq(app.aborted, 1);
	ck_assert_int_eq(http_req_alive(r), 0);
	ck_assert_str_eq(http_req_target(r), "/wait");
	errno = 0;
	ck_assert_int_eq(http_respond(r, 200, NULL, "x", 1), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	ck_assert_int_eq(http_resp_header(r, "X-A", "b"), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	ck_assert_uint_eq(http_server_conn_count(srv), 0);
	release_held();
}
END_TEST

START_TEST(test_api_misuse)
{
	struct http_req *r;
	struct tc t;
	const char *name, *value;

	start(NULL);
	app.hold = 1;
	tc_open(&t);
	tc_sends(&t, "GET /m HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nx-dup: 2 \r\n"
	    "\r\n");
	wait_held(1);
	r = app.held[0];

	/* headers: case-insensitive, repeated, in order */
	ck_assert_str_eq(http_req_header(r, "X-DUP"), "1");
	ck_assert_str_eq(http_req_header_nth(r, "x-dup", 1), "2");
	ck_assert_ptr_null(http_req_header_nth(r, "x-dup", 2));
	ck_assert_uint_eq(http_req_header_count(r), 3);
	ck_assert_int_eq(http_req_header_at(r, 2, &name, &value), 0);
	ck_assert_str_eq(name, "x-dup");
	ck_assert_str_eq(value, "2");
	ck_assert_int_eq(http_req_header_at(r, 3, &name, &value), -1);

	ck_assert_int_eq(http_resp_header(r, "Bad Name", "v"), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(http_resp_header(r, "X-A", "line\r\nX-B: c"), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(http_resp_header(r, "Content-Length", "3"), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(http_resp_header(r, "Transfer-Encoding", "chunked"),
	    -1);
	ck_assert_int_eq(http_resp_header(r, "Connection", "keep-alive"), -1);
	ck_assert_int_eq(http_respond(r, 99, NULL, NULL, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(http_respond(r, 600, NULL, NULL, 0), -1);
	ck_assert_int_eq(http_respond(r, 204, NULL, "x", 1), -1);
	ck_assert_int_eq(http_respond(r, 200, "bad\r\nreason", NULL, 0), -1);
	ck_assert_int_eq(http_req_alive(r), 1);	/* still to be answered */

	ck_assert_int_eq(http_resp_header(r, "ETag", "\"e1\""), 0);
	ck_assert_int_eq(http_resp_header(r, "Connection", "close"), 0);
	ck_assert_int_eq(http_respond(r, 201, "Made", "new", 3), 0);
	ck_assert_int_eq(http_respond(r, 200, NULL, NULL, 0), -1);
	ck_assert_int_eq(errno, EALREADY);
	ck_assert_int_eq(http_resp_header(r, "X-A", "b"), -1);
	ck_assert_int_eq(errno, EALREADY);
	tc_recv(&t, &resp);
	ck_assert_int_eq(strncmp(resp.head, "HTTP/1.1 201 Made\r\n", 19), 0);
	ck_assert_str_eq(resp_header(&resp, "ETag"), "\"e1\"");
	ck_assert_str_eq(resp_header(&resp, "Connection"), "close");
	ck_assert_str_eq(resp.body, "new");
	tc_wait_eof(&t);
	ck_assert_int_eq(app.aborted, 0);
	release_held();
	tc_close(&t);
}
END_TEST

START_TEST(test_config)
{
	struct http_config cfg = { .head_max = 10 };
	char err[128];
	uint16_t p;

	ck_assert_ptr_null(http_server_new(base, &cfg, handler, &app, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "head_max"));
	srv = http_server_new(base, NULL, handler, &app, err, sizeof(err));
	ck_assert_ptr_nonnull(srv);
	ck_assert_int_eq(http_server_listen(srv, "localhost", 0, &p, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(http_server_listen(srv, "::1", 0, &p, err,
	    sizeof(err)), 0);
	ck_assert_uint_ne(p, 0);
	ck_assert_int_eq(http_server_listen(srv, "::1", p, NULL, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "in use"));
	ck_assert_str_eq(http_reason(431), "Request Header Fields Too Large");
	ck_assert_str_eq(http_reason(299), "Unknown");
}
END_TEST

/* "Upgrade: h2c" is ignored when h2 is off or the request lacks the
 * fields RFC 7540 §3.2 asks for; the PRI line is then just a 505. */
START_TEST(test_upgrade_refused)
{
	struct http_config cfg = { .h2 = 0 };
	struct tc t;

	start(&cfg);
	tc_exchange(&t, "GET /u HTTP/1.1\r\nHost: h\r\n"
	    "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
	    "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n", &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "GET /u HTTP/1.1");
	tc_close(&t);
	tc_exchange(&t, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &resp);
	ck_assert_int_eq(resp.status, 505);
	tc_wait_eof(&t);
	tc_close(&t);
	http_server_free(srv);
	srv = NULL;

	start(NULL);
	tc_exchange(&t, "GET /u HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
	    "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n", &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "GET /u HTTP/1.1");
	/* on a later request of the connection, a bad payload: also */
	tc_sends(&t, "GET /v HTTP/1.1\r\nHost: h\r\n"
	    "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
	    "HTTP2-Settings: !!!\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "GET /v HTTP/1.1");
	tc_close(&t);
}
END_TEST

/* =========================================================================
 * HTTP/2 (nghttp, h2load)
 * ========================================================================= */

START_TEST(test_h2_prior_knowledge)
{
	char u[128], u2[128], *argv[8];
	const char *out;
	char *path;
	int rc;

	start(NULL);
	url(u, sizeof(u), "/xcap-root/doc?q=1");
	argv[0] = "nghttp";
	argv[1] = "-v";
	argv[2] = "-H";
	argv[3] = "x-test: h2";
	argv[4] = u;
	argv[5] = NULL;
	out = child_run(argv, &rc);
	ck_assert_msg(rc == 0, "nghttp failed: %s", out);
	ck_assert_ptr_null(strstr(out, "HTTP Upgrade"));
	ck_assert_ptr_nonnull(strstr(out, ":status: 200"));
	ck_assert_ptr_nonnull(strstr(out, "content-length: 29"));
	ck_assert_ptr_nonnull(strstr(out, "date: "));
	ck_assert_ptr_nonnull(strstr(out, "x-version: HTTP/2"));
	ck_assert_ptr_nonnull(strstr(out, "GET /xcap-root/doc?q=1 HTTP/2"));
	ck_assert_ptr_nonnull(strstr(out, "SETTINGS_MAX_CONCURRENT_STREAMS"
	    "(0x03):100"));
	ck_assert_str_eq(app.method, "GET");
	ck_assert_str_eq(app.target, "/xcap-root/doc?q=1");
	ck_assert_str_eq(app.version, "HTTP/2");
	ck_assert_int_eq(app.is_h2, 1);
	ck_assert_str_eq(app.xtest, "h2");
	ck_assert_ptr_nonnull(strstr(app.host, "127.0.0.1:"));	/* :authority */

	/* PUT with a body */
	path = write_file("<doc>exact bytes</doc>", 22);
	url(u2, sizeof(u2), "/xcap-root/put");
	argv[0] = "nghttp";
	argv[1] = "-d";
	argv[2] = path;
	argv[3] = "-H";
	argv[4] = ":method: PUT";
	argv[5] = u2;
	argv[6] = NULL;
	out = child_run(argv, &rc);
	ck_assert_msg(rc == 0, "nghttp failed: %s", out);
	ck_assert_str_eq(out, "<doc>exact bytes</doc>");
	ck_assert_str_eq(app.method, "PUT");
	ck_assert_uint_eq(app.body_len, 22);
	ck_assert_int_eq(memcmp(app.body, "<doc>exact bytes</doc>", 22), 0);
	ck_assert_int_eq(app.calls, 2);
}
END_TEST

START_TEST(test_h2_upgrade)
{
	char u[128], u2[128], *argv[8];
	const char *out;
	char *path;
	int rc;

	start(NULL);
	url(u, sizeof(u), "/up");
	argv[0] = "nghttp";
	argv[1] = "-u";
	argv[2] = "-v";
	argv[3] = u;
	argv[4] = NULL;
	out = child_run(argv, &rc);
	ck_assert_msg(rc == 0, "nghttp failed: %s", out);
	ck_assert_ptr_nonnull(strstr(out, "HTTP Upgrade response"));
	ck_assert_ptr_nonnull(strstr(out, "HTTP Upgrade success"));
	ck_assert_ptr_nonnull(strstr(out, "recv (stream_id=1) :status: 200"));
	ck_assert_ptr_nonnull(strstr(out, "GET /up HTTP/2"));
	ck_assert_str_eq(app.version, "HTTP/2");
	ck_assert_str_eq(app.target, "/up");

	/* with a body nghttp upgrades with OPTIONS, then PUTs on stream 3 */
	path = write_file("payload", 7);
	url(u2, sizeof(u2), "/up-put");
	argv[0] = "nghttp";
	argv[1] = "-u";
	argv[2] = "-d";
	argv[3] = path;
	argv[4] = "-H";
	argv[5] = ":method: PUT";
	argv[6] = u2;
	argv[7] = NULL;
	out = child_run(argv, &rc);
	ck_assert_msg(rc == 0, "nghttp failed: %s", out);
	ck_assert_ptr_nonnull(strstr(out, "payload"));
	ck_assert_str_eq(app.method, "PUT");
	ck_assert_str_eq(app.body, "payload");
	ck_assert_int_eq(app.calls, 3);
}
END_TEST

/* Three concurrent streams held, answered in reverse order. */
START_TEST(test_h2_async)
{
	char u1[128], u2[128], u3[128], *argv[6];
	struct child ch;
	const char *out;
	int i;

	start(NULL);
	app.hold = 1;
	url(u1, sizeof(u1), "/s1");
	url(u2, sizeof(u2), "/s2");
	url(u3, sizeof(u3), "/s3");
	argv[0] = "nghttp";
	argv[1] = "-v";
	argv[2] = u1;
	argv[3] = u2;
	argv[4] = u3;
	argv[5] = NULL;
	child_start(&ch, argv);
	wait_held(3);
	ck_assert_uint_eq(http_server_conn_count(srv), 1);
	for (i = 2; i >= 0; i--) {
		echo(app.held[i]);
		run_for(10);
	}
	out = child_wait(&ch);
	ck_assert_msg(WIFEXITED(ch.status) && WEXITSTATUS(ch.status) == 0,
	    "nghttp failed: %s", out);
	ck_assert_ptr_nonnull(strstr(out, "GET /s1 HTTP/2"));
	ck_assert_ptr_nonnull(strstr(out, "GET /s2 HTTP/2"));
	ck_assert_ptr_nonnull(strstr(out, "GET /s3 HTTP/2"));
	/* the answers left in the order given: /s3 first */
	ck_assert(strstr(out, "GET /s3 HTTP/2") <
	    strstr(out, "GET /s1 HTTP/2"));
	child_clear(&ch);
	release_held();
}
END_TEST

START_TEST(test_h2_limits)
{
	struct http_config cfg = { .head_max = 1024, .body_max = 1000,
	    .h2 = 1 };
	char u[128], hdr[2100], *argv[10];
	const char *out;
	char *path;
	int rc;

	start(&cfg);
	url(u, sizeof(u), "/big-head");
	snprintf(hdr, sizeof(hdr), "x-big: %01500d", 7);
	argv[0] = "nghttp";
	argv[1] = "-v";
	argv[2] = "-H";
	argv[3] = hdr;
	argv[4] = u;
	argv[5] = NULL;
	out = child_run(argv, &rc);
	ck_assert_ptr_nonnull(strstr(out, ":status: 431"));
	ck_assert_ptr_nonnull(strstr(out, "SETTINGS_MAX_HEADER_LIST_SIZE"
	    "(0x06):1024"));

	memset(big, 'q', 5000);
	path = write_file(big, 5000);
	url(u, sizeof(u), "/big-body");
	argv[0] = "nghttp";
	argv[1] = "-v";
	argv[2] = "-d";
	argv[3] = path;
	argv[4] = u;
	argv[5] = NULL;
	out = child_run(argv, &rc);
	ck_assert_ptr_nonnull(strstr(out, ":status: 413"));

	/* the same without content-length: found while the DATA arrive */
	argv[4] = "--no-content-length";
	argv[5] = u;
	argv[6] = NULL;
	out = child_run(argv, &rc);
	ck_assert_ptr_nonnull(strstr(out, ":status: 413"));
	ck_assert_int_eq(app.calls, 0);

	/* and a request within the limits on the same server */
	url(u, sizeof(u), "/fine");
	argv[0] = "nghttp";
	argv[1] = u;
	argv[2] = NULL;
	out = child_run(argv, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "GET /fine HTTP/2");
}
END_TEST

/* h2load: many concurrent streams; and --h1 for pipelined HTTP/1.1. */
START_TEST(test_h2load)
{
	char u[128], *argv[12];
	const char *out;
	int rc;

	start(NULL);
	url(u, sizeof(u), "/big/20000");
	argv[0] = "h2load";
	argv[1] = "-n";
	argv[2] = "300";
	argv[3] = "-c";
	argv[4] = "3";
	argv[5] = "-m";
	argv[6] = "50";
	argv[7] = u;
	argv[8] = NULL;
	out = child_run(argv, &rc);
	ck_assert_msg(rc == 0, "h2load failed: %s", out);
	ck_assert_msg(strstr(out, "300 succeeded, 0 failed, 0 errored") !=
	    NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "Application protocol: h2c"));
	ck_assert_int_eq(app.calls, 300);

	argv[7] = "--h1";
	argv[8] = u;
	argv[9] = NULL;
	argv[6] = "8";
	out = child_run(argv, &rc);
	ck_assert_msg(rc == 0, "h2load failed: %s", out);
	ck_assert_msg(strstr(out, "300 succeeded, 0 failed, 0 errored") !=
	    NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "Application protocol: http/1.1"));
	ck_assert_int_eq(app.calls, 600);
}
END_TEST

/* An h2 client that goes away with streams held: aborts, no leaks. */
START_TEST(test_h2_abort)
{
	char u[128], *argv[5];
	struct child ch;

	start(NULL);
	app.hold = 1;
	url(u, sizeof(u), "/gone");
	argv[0] = "nghttp";
	argv[1] = u;
	argv[2] = NULL;
	child_start(&ch, argv);
	wait_held(1);
	kill(ch.pid, SIGKILL);
	(void)child_wait(&ch);
	ck_assert_msg(test_run_until(base, aborted, NULL, WAIT_MS), "no abort callback");
	ck_assert_int_eq(http_respond(app.held[0], 200, NULL, "x", 1), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	child_clear(&ch);
	release_held();
}
END_TEST

/* ---- a minimal nghttp2 client, for what nghttp cannot do ---------------- */

struct h2c {
	struct tc	 t;	/* the socket and its output buffer */
	struct event	*ev;
	nghttp2_session	*s;
	int		 status[8];	/* by stream id / 2 */
	size_t		 data[8];
	int		 closed[8];
	uint32_t	 err[8];
	int		 goaway;
	int		 eof;
	int		 consume;	/* manual windows: give back as read */
	int		 want;		/* stream index a test waits on */
};

static ssize_t
h2c_send_cb(nghttp2_session *s, const uint8_t *data, size_t len, int flags,
    void *arg)
{
	struct h2c *h = arg;

	(void)s;
	(void)flags;
	tc_send(&h->t, data, len);
	return (ssize_t)len;
}

static int
h2c_header_cb(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
    size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
    void *arg)
{
	struct h2c *h = arg;
	char v[8];

	(void)s;
	(void)flags;
	if (f->hd.type == NGHTTP2_HEADERS && namelen == 7 &&
	    memcmp(name, ":status", 7) == 0 && valuelen < sizeof(v) &&
	    f->hd.stream_id / 2 < 8) {
		memcpy(v, value, valuelen);
		v[valuelen] = '\0';
		h->status[f->hd.stream_id / 2] = atoi(v);
	}
	return 0;
}

static int
h2c_data_cb(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
    size_t len, void *arg)
{
	struct h2c *h = arg;

	(void)flags;
	(void)data;
	if (id / 2 < 8)
		h->data[id / 2] += len;
	if (h->consume)
		ck_assert_int_eq(nghttp2_session_consume(s, id, len), 0);
	return 0;
}

static int
h2c_frame_recv_cb(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
	(void)s;
	if (f->hd.type == NGHTTP2_GOAWAY)
		((struct h2c *)arg)->goaway = 1;
	return 0;
}

static int
h2c_close_cb(nghttp2_session *s, int32_t id, uint32_t err, void *arg)
{
	struct h2c *h = arg;

	(void)s;
	if (id / 2 < 8) {
		h->closed[id / 2] = 1;
		h->err[id / 2] = err;
	}
	return 0;
}

/* A request body that never comes. */
static ssize_t
h2c_deferred_cb(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
    uint32_t *flags, nghttp2_data_source *src, void *arg)
{
	(void)s;
	(void)id;
	(void)buf;
	(void)length;
	(void)flags;
	(void)src;
	(void)arg;
	return NGHTTP2_ERR_DEFERRED;
}

static void
h2c_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct h2c *h = arg;
	uint8_t chunk[16384];
	ssize_t n;

	(void)what;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		ck_assert_int_eq(nghttp2_session_mem_recv(h->s, chunk,
		    (size_t)n), n);
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		h->eof = 1;
		event_del(h->ev);
	}
	ck_assert_int_eq(nghttp2_session_send(h->s), 0);
}

/* A client with stream windows of `window` octets (0: the default);
 * `manual` leaves every WINDOW_UPDATE to the test (none are sent). */
static void
h2c_open_opt(struct h2c *h, uint32_t window, int manual)
{
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt;
	nghttp2_settings_entry iv = { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE,
	    window };

	memset(h, 0, sizeof(*h));
	tc_open_opt(&h->t, 0, 0);
	ck_assert_int_eq(nghttp2_session_callbacks_new(&cbs), 0);
	nghttp2_session_callbacks_set_send_callback(cbs, h2c_send_cb);
	nghttp2_session_callbacks_set_on_header_callback(cbs, h2c_header_cb);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs,
	    h2c_data_cb);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
	    h2c_frame_recv_cb);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
	    h2c_close_cb);
	ck_assert_int_eq(nghttp2_option_new(&opt), 0);
	nghttp2_option_set_no_auto_window_update(opt, manual);
	ck_assert_int_eq(nghttp2_session_client_new2(&h->s, cbs, h, opt), 0);
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cbs);
	ck_assert_int_eq(nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE,
	    &iv, window > 0 ? 1 : 0), 0);
	h->ev = event_new(base, h->t.fd, EV_READ | EV_PERSIST, h2c_read_cb, h);
	event_add(h->ev, NULL);
}

static void
h2c_open(struct h2c *h)
{
	h2c_open_opt(h, 0, 0);
}

static void
h2c_close(struct h2c *h)
{
	nghttp2_session_del(h->s);
	event_free(h->ev);
	tc_close(&h->t);
}

#define NV(n, v)	{ (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, \
			  sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE }

/* GET `path`, or with `body_never_ends` a POST whose body never comes. */
static int32_t
h2c_request_path(struct h2c *h, const char *path, int body_never_ends)
{
	nghttp2_nv nv[] = { NV(":method", "GET"), NV(":scheme", "http"),
	    NV(":path", "/"), NV(":authority", "h") };
	nghttp2_data_provider prd;
	int32_t id;

	nv[2].value = (uint8_t *)(uintptr_t)path;
	nv[2].valuelen = strlen(path);
	memset(&prd, 0, sizeof(prd));
	prd.read_callback = h2c_deferred_cb;
	if (body_never_ends) {
		nv[0].value = (uint8_t *)"POST";
		nv[0].valuelen = 4;
		id = nghttp2_submit_request(h->s, NULL, nv, 4, &prd, NULL);
	} else
		id = nghttp2_submit_request(h->s, NULL, nv, 4, NULL, NULL);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(nghttp2_session_send(h->s), 0);
	return id;
}

static int32_t
h2c_request(struct h2c *h, int body_never_ends)
{
	return h2c_request_path(h, body_never_ends ? "/slow" : "/h2c",
	    body_never_ends);
}

static int
h2c_stream_closed(void *arg)
{
	struct h2c *h = arg;

	return h->closed[0] && h->closed[1];
}

static int
h2c_gone(void *arg)
{
	return ((struct h2c *)arg)->eof;
}

/* An HTTP/2 request whose body never ends: 408 on its stream, while the
 * connection serves another; then, idle, GOAWAY and close. */
START_TEST(test_h2_timeouts)
{
	struct http_config cfg = { .request_timeout_ms = 300,
	    .idle_timeout_ms = 600, .h2 = 1 };
	struct h2c h;
	uint64_t t0;
	size_t none = 0;

	start(&cfg);
	h2c_open(&h);
	t0 = now_ms();
	ck_assert_int_eq(h2c_request(&h, 1), 1);
	ck_assert_int_eq(h2c_request(&h, 0), 3);
	ck_assert_msg(test_run_until(base, h2c_stream_closed, &h, WAIT_MS),
	    "streams not closed");
	ck_assert_int_eq(h.status[1], 200);
	ck_assert_int_eq(h.status[0], 408);
	ck_assert_uint_eq(h.err[0], NGHTTP2_NO_ERROR);	/* RFC 9113 §8.1 */
	ck_assert_uint_ge(now_ms() - t0, 290);
	ck_assert_int_eq(app.calls, 1);
	ck_assert_str_eq(app.target, "/h2c");
	ck_assert_int_eq(h.goaway, 0);
	ck_assert_msg(test_run_until(base, h2c_gone, &h, WAIT_MS), "not closed when idle");
	ck_assert_int_eq(h.goaway, 1);
	ck_assert_uint_ge(now_ms() - t0, 590);
	h2c_close(&h);
	ck_assert_msg(test_run_until(base, conns_at_most, &none, WAIT_MS),
	    "server side not closed");
}
END_TEST

static int
h2c_all_closed(void *arg)
{
	struct h2c *h = arg;
	int i;

	for (i = 0; i < 6; i++)
		if (!h->closed[i])
			return 0;
	return 1;
}

/*
 * Bodies larger than the client's windows: while they wait for
 * WINDOW_UPDATE the server must keep reading (or it would never see the
 * update); a client that never opens its window is dropped after
 * idle_timeout_ms.
 */
START_TEST(test_h2_flow_control)
{
	struct http_config cfg = { .idle_timeout_ms = 500, .h2 = 1 };
	struct h2c h;
	size_t none = 0;
	int i;

	start(&cfg);
	h2c_open_opt(&h, 16384, 0);
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(h2c_request_path(&h, "/big/200000", 0),
		    2 * i + 1);
	ck_assert_msg(test_run_until(base, h2c_all_closed, &h, WAIT_MS),
	    "streams not complete");
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(h.status[i], 200);
		ck_assert_uint_eq(h.data[i], 200000);
		ck_assert_uint_eq(h.err[i], NGHTTP2_NO_ERROR);
	}
	h2c_close(&h);

	/* windows never reopened */
	h2c_open_opt(&h, 1000, 1);
	ck_assert_int_eq(h2c_request_path(&h, "/big/200000", 0), 1);
	ck_assert_msg(test_run_until(base, h2c_gone, &h, WAIT_MS), "not dropped");
	ck_assert_int_eq(h.status[0], 200);
	ck_assert_uint_eq(h.data[0], 1000);
	ck_assert(log_has("flow-control window closed"));
	h2c_close(&h);
	ck_assert(test_run_until(base, conns_at_most, &none, WAIT_MS));
}
END_TEST

/* =========================================================================
 * Streamed responses (http_respond_begin / write / end / abort)
 * ========================================================================= */

/* Has the client got `n` octets or more? */
struct want_in {
	struct tc	*t;
	size_t		 n;
};

static int
in_at_least(void *arg)
{
	struct want_in *w = arg;

	return w->t->in.len >= w->n;
}

static void
wait_in(struct tc *t, size_t n)
{
	struct want_in w = { t, n };

	ck_assert_msg(test_run_until(base, in_at_least, &w, WAIT_MS),
	    "%zu octets in, wanted %zu", t->in.len, n);
}

/* The octets after the head of the first response in t->in. */
static size_t
body_at(struct tc *t)
{
	const char *p = memmem(t->in.data, t->in.len, "\r\n\r\n", 4);

	ck_assert_ptr_nonnull(p);
	return (size_t)(p - (const char *)t->in.data) + 4;
}

/*
 * Decode the chunked body at t->in[at..): its octets into `out` (at most
 * `max`), their count in `*len`. Returns the offset after the last chunk
 * (and its empty trailer), or 0 when incomplete.
 */
static size_t
dechunk(struct tc *t, size_t at, uint8_t *out, size_t max, size_t *len)
{
	const char *p = (const char *)t->in.data;
	char *end;
	unsigned long n;

	*len = 0;
	for (;;) {
		if (at >= t->in.len || memmem(p + at, t->in.len - at, "\r\n",
		    2) == NULL)
			return 0;
		n = strtoul(p + at, &end, 16);
		ck_assert_msg(end[0] == '\r' && end[1] == '\n', "bad chunk "
		    "line at %zu", at);
		at = (size_t)(end - p) + 2;
		if (t->in.len - at < n + 2)
			return 0;
		if (n == 0) {
			ck_assert(memcmp(p + at, "\r\n", 2) == 0);
			return at + 2;
		}
		ck_assert_uint_le(*len + n, max);
		memcpy(out + *len, p + at, n);
		*len += n;
		ck_assert_msg(memcmp(p + at + n, "\r\n", 2) == 0,
		    "chunk data not followed by CRLF");
		at += n + 2;
	}
}

/* Known length: the head and the first octets reach the client before
 * the body is complete; the layer holds the caller to the length. */
START_TEST(test_stream_length)
{
	struct http_req *r;
	struct tc t;
	size_t at;

	start(NULL);
	app.hold = 1;
	tc_open(&t);
	tc_sends(&t, "GET /s HTTP/1.1\r\nHost: h\r\n\r\n");
	wait_held(1);
	r = app.held[0];
	/* misuse before the head */
	ck_assert_int_eq(http_respond_write(r, "x", 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(http_respond_end(r), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(http_respond_begin(r, 99, NULL, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(http_respond_begin(r, 200, NULL, -2), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(http_resp_header(r, "X-S", "1"), 0);
	ck_assert_int_eq(http_respond_begin(r, 200, NULL, 10), 0);
	ck_assert_int_eq(http_respond_begin(r, 200, NULL, 10), -1);
	ck_assert_int_eq(errno, EALREADY);
	ck_assert_int_eq(http_respond(r, 200, NULL, "x", 1), -1);
	ck_assert_int_eq(errno, EALREADY);
	ck_assert_int_eq(http_req_alive(r), 1);
	ck_assert_int_ge(http_respond_write(r, "hello", 5), 0);
	/* the client has the head and half the body: streamed */
	wait_in(&t, 5);
	at = body_at(&t);
	wait_in(&t, at + 5);
	ck_assert(memcmp(t.in.data + at, "hello", 5) == 0);
	ck_assert_int_eq(http_respond_write(r, "world!", 6), -1);
	ck_assert_int_eq(errno, EINVAL);	/* over the length */
	ck_assert_int_ge(http_respond_write(r, "world", 5), 0);
	ck_assert_int_eq(http_respond_end(r), 0);
	ck_assert_int_eq(http_respond_end(r), -1);
	ck_assert_int_eq(errno, EALREADY);
	ck_assert_int_eq(http_respond_write(r, "x", 1), -1);
	ck_assert_int_eq(errno, EALREADY);
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	assert_common(&resp);
	ck_assert_str_eq(resp_header(&resp, "Content-Length"), "10");
	ck_assert_ptr_null(resp_header(&resp, "Transfer-Encoding"));
	ck_assert_str_eq(resp_header(&resp, "X-S"), "1");
	ck_assert_str_eq(resp.body, "helloworld");
	release_held();

	/* ended short of its length: aborted, the connection closes */
	tc_sends(&t, "GET /short HTTP/1.1\r\nHost: h\r\n\r\n");
	wait_held(1);
	r = app.held[0];
	ck_assert_int_eq(http_respond_begin(r, 200, NULL, 10), 0);
	ck_assert_int_ge(http_respond_write(r, "abc", 3), 0);
	ck_assert_int_eq(http_respond_end(r), -1);
	ck_assert_int_eq(errno, EINVAL);
	tc_wait_eof(&t);
	ck_assert_int_eq(app.aborted, 0);
	ck_assert(log_has("3 of 10 octets written: aborted"));
	tc_close(&t);
	release_held();
}
END_TEST

/* Unknown length: chunked on HTTP/1.1 (the connection goes on), the
 * end of the connection on HTTP/1.0. */
START_TEST(test_stream_chunked)
{
	static const char want[] = "3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n";
	static uint8_t body[64];
	struct http_req *r;
	struct tc t;
	size_t at, len;

	start(NULL);
	app.hold = 1;
	tc_open(&t);
	tc_sends(&t, "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
	wait_held(1);
	r = app.held[0];
	ck_assert_int_eq(http_respond_begin(r, 200, NULL, -1), 0);
	ck_assert_int_ge(http_respond_write(r, "abc", 3), 0);
	ck_assert_int_ge(http_respond_write(r, "", 0), 0);	/* no chunk */
	ck_assert_int_ge(http_respond_write(r, "defgh", 5), 0);
	ck_assert_int_eq(http_respond_end(r), 0);
	wait_in(&t, 4);
	at = body_at(&t);
	wait_in(&t, at + strlen(want));
	ck_assert_uint_eq(t.in.len, at + strlen(want));
	ck_assert(memcmp(t.in.data + at, want, strlen(want)) == 0);
	ck_assert_uint_eq(dechunk(&t, at, body, sizeof(body), &len),
	    t.in.len);
	ck_assert_uint_eq(len, 8);
	ck_assert(tc_parse(&t, 1, &resp));	/* the head only */
	ck_assert_str_eq(resp_header(&resp, "Transfer-Encoding"), "chunked");
	ck_assert_ptr_null(resp_header(&resp, "Content-Length"));
	ck_assert_ptr_null(resp_header(&resp, "Connection"));
	release_held();
	/* kept alive */
	t.pos = t.in.len;
	app.hold = 0;
	tc_sends(&t, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "GET /next HTTP/1.1");
	tc_close(&t);

	/* HTTP/1.0: no chunked coding; the end of the body is the end */
	app.hold = 1;
	tc_open(&t);
	tc_sends(&t, "GET /c10 HTTP/1.0\r\n\r\n");
	wait_held(1);
	r = app.held[0];
	ck_assert_int_eq(http_respond_begin(r, 200, NULL, -1), 0);
	ck_assert_int_ge(http_respond_write(r, "abc", 3), 0);
	ck_assert_int_eq(http_respond_end(r), 0);
	tc_wait_eof(&t);
	at = body_at(&t);
	ck_assert_uint_eq(t.in.len, at + 3);
	ck_assert(memcmp(t.in.data + at, "abc", 3) == 0);
	ck_assert(tc_parse(&t, 1, &resp));
	ck_assert_ptr_null(resp_header(&resp, "Transfer-Encoding"));
	ck_assert_ptr_null(resp_header(&resp, "Content-Length"));
	ck_assert_str_eq(resp_header(&resp, "Connection"), "close");
	tc_close(&t);
	release_held();
}
END_TEST

/* HEAD: the length announced, no body; 204: neither. */
START_TEST(test_stream_head)
{
	struct http_req *r;
	struct tc t;

	start(NULL);
	app.hold = 1;
	tc_open(&t);
	tc_sends(&t, "HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n");
	wait_held(1);
	r = app.held[0];
	ck_assert_int_eq(http_respond_begin(r, 200, NULL, 1234), 0);
	ck_assert_int_ge(http_respond_write(r, big, 1000), 0);
	ck_assert_int_ge(http_respond_write(r, big, 234), 0);
	ck_assert_int_eq(http_respond_end(r), 0);
	tc_recv_head(&t, 1, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp_header(&resp, "Content-Length"), "1234");
	release_held();

	tc_sends(&t, "GET /status/204 HTTP/1.1\r\nHost: h\r\n\r\n");
	wait_held(1);
	r = app.held[0];
	ck_assert_int_eq(http_respond_begin(r, 204, NULL, 5), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(http_respond_begin(r, 204, NULL, -1), 0);
	ck_assert_int_eq(http_respond_write(r, "x", 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(http_respond_end(r), 0);
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 204);
	ck_assert_ptr_null(resp_header(&resp, "Content-Length"));
	ck_assert_ptr_null(resp_header(&resp, "Transfer-Encoding"));
	release_held();

	/* nothing leaked into the stream: the next answer parses */
	app.hold = 0;
	tc_sends(&t, "GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "GET /after HTTP/1.1");
	ck_assert_uint_eq(t.pos, t.in.len);
	tc_close(&t);
}
END_TEST

/* Aborted mid-body: what was written arrives, then the connection ends
 * short of the announced length; the request gets no abort callback. */
START_TEST(test_stream_abort)
{
	struct http_req *r;
	struct tc t;
	size_t at;

	start(NULL);
	app.hold = 1;
	tc_open(&t);
	tc_sends(&t, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
	wait_held(1);
	r = app.held[0];
	ck_assert_int_eq(http_respond_begin(r, 200, NULL, 100), 0);
	ck_assert_int_ge(http_respond_write(r, "0123456789", 10), 0);
	wait_in(&t, 4);
	at = body_at(&t);
	wait_in(&t, at + 10);
	http_respond_abort(r);
	tc_wait_eof(&t);
	ck_assert_uint_eq(t.in.len, at + 10);
	ck_assert_int_eq(http_req_alive(r), 0);
	ck_assert_int_eq(http_respond_write(r, "x", 1), -1);
	http_respond_abort(r);	/* no effect */
	run_for(50);
	ck_assert_int_eq(app.aborted, 0);
	ck_assert(log_has("aborted after 10 octets"));
	tc_close(&t);
	release_held();
}
END_TEST

/* Pipelined: a later answer waits for the streamed one to end, and a
 * streamed answer waits for the earlier ones. */
START_TEST(test_stream_pipelined)
{
	struct http_req *a, *b, *c;
	struct tc t;
	size_t at;

	start(NULL);
	app.hold = 1;
	tc_open(&t);
	tc_sends(&t, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
	    "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
	    "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
	wait_held(3);
	a = app.held[0];
	b = app.held[1];
	c = app.held[2];
	/* the third streams first: nothing may go out before /1 and /2 */
	ck_assert_int_eq(http_respond_begin(c, 200, NULL, 5), 0);
	ck_assert_int_ge(http_respond_write(c, "third", 5), 0);
	ck_assert_int_eq(http_respond_end(c), 0);
	/* /1 streams; /2 answered whole meanwhile */
	ck_assert_int_eq(http_respond_begin(a, 200, NULL, 6), 0);
	ck_assert_int_ge(http_respond_write(a, "fir", 3), 0);
	ck_assert_int_eq(http_respond(b, 200, NULL, "second", 6), 0);
	wait_in(&t, 4);
	at = body_at(&t);
	wait_in(&t, at + 3);
	run_for(100);
	ck_assert_uint_eq(t.in.len, at + 3);	/* /2 and /3 wait */
	ck_assert_int_ge(http_respond_write(a, "st-", 3), 0);
	ck_assert_int_eq(http_respond_end(a), 0);
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "first-");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "second");
	tc_recv(&t, &resp);
	ck_assert_str_eq(resp.body, "third");
	ck_assert_str_eq(resp_header(&resp, "Content-Length"), "5");
	tc_close(&t);
	release_held();
}
END_TEST

/* A producer that writes while the output allows and waits for the drain
 * callback otherwise. */
struct producer {
	struct http_req	*r;
	const uint8_t	*data;
	size_t		 total, sent;
	size_t		 max_queued;
	int		 drains;
	int		 done;
};

static void	produce(struct producer *);

static void
producer_drained(struct http_req *r, void *arg)
{
	struct producer *p = arg;

	ck_assert_ptr_eq(r, p->r);
	p->drains++;
	produce(p);
}

static void
produce(struct producer *p)
{
	ssize_t q;
	size_t n;

	while (p->sent < p->total) {
		n = p->total - p->sent < 16384 ? p->total - p->sent : 16384;
		q = http_respond_write(p->r, p->data + p->sent, n);
		ck_assert_int_ge(q, 0);
		p->sent += n;
		if ((size_t)q > p->max_queued)
			p->max_queued = (size_t)q;
		if ((size_t)q > HTTP_OUT_LOWAT) {
			http_respond_on_drain(p->r, producer_drained, p);
			return;
		}
	}
	ck_assert_int_eq(http_respond_end(p->r), 0);
	p->done = 1;
}

static int
producer_done(void *arg)
{
	return ((struct producer *)arg)->done;
}

/* A slow reader: the producer waits on the drain callback, the queued
 * output stays near the watermark, the body arrives whole and in order. */
START_TEST(test_stream_backpressure)
{
	static uint8_t pattern[4 << 20], got_body[4 << 20];
	struct producer p;
	struct tc t;
	size_t at, len, i;
	int d0;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i % 251);
	start(NULL);
	app.hold = 1;
	tc_open_opt(&t, 0, 4096);	/* not reading for now */
	tc_sends(&t, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
	wait_held(1);
	memset(&p, 0, sizeof(p));
	p.r = app.held[0];
	p.data = pattern;
	p.total = sizeof(pattern);
	ck_assert_int_eq(http_respond_begin(p.r, 200, NULL, -1), 0);
	produce(&p);
	/* the kernel takes what it can; then the producer is held */
	run_for(300);
	d0 = p.drains;
	run_for(300);
	ck_assert_int_eq(p.drains, d0);
	ck_assert_int_eq(p.done, 0);
	ck_assert_uint_lt(p.sent, p.total);
	/* the reader wakes up */
	event_add(t.rev, NULL);
	ck_assert_msg(test_run_until(base, producer_done, &p, 4 * WAIT_MS),
	    "producer not done: %zu of %zu", p.sent, p.total);
	ck_assert_int_gt(p.drains, 0);
	/* never much more than the watermark and one write */
	ck_assert_uint_le(p.max_queued, HTTP_OUT_LOWAT + 16384 + 64);
	wait_in(&t, 4);
	at = body_at(&t);
	for (i = 0; i < 1000 && dechunk(&t, at, got_body, sizeof(got_body),
	    &len) == 0; i++)
		run_for(20);
	ck_assert_uint_eq(len, sizeof(pattern));
	ck_assert(memcmp(got_body, pattern, len) == 0);
	tc_close(&t);
	release_held();
}
END_TEST

static int
h2c_status_1(void *arg)
{
	return ((struct h2c *)arg)->status[0] != 0;
}

static int
h2c_closed_want(void *arg)
{
	struct h2c *h = arg;

	return h->closed[h->want];
}

/* HEAD `path`. */
static int32_t
h2c_head(struct h2c *h, const char *path)
{
	nghttp2_nv nv[] = { NV(":method", "HEAD"), NV(":scheme", "http"),
	    NV(":path", "/"), NV(":authority", "h") };
	int32_t id;

	nv[2].value = (uint8_t *)(uintptr_t)path;
	nv[2].valuelen = strlen(path);
	id = nghttp2_submit_request(h->s, NULL, nv, 4, NULL, NULL);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(nghttp2_session_send(h->s), 0);
	return id;
}

/* HTTP/2: the head before the body is complete, DATA as written, the
 * stream ends with the body; an abort resets only its stream; HEAD has
 * no DATA; a client window that stays shut holds the producer. */
START_TEST(test_stream_h2)
{
	static uint8_t pattern[300000];
	struct http_req *r;
	struct producer p;
	struct h2c h;
	size_t i;
	int d0;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i % 251);
	start(NULL);
	app.hold = 1;
	h2c_open(&h);
	ck_assert_int_eq(h2c_request_path(&h, "/s1", 0), 1);
	wait_held(1);
	r = app.held[0];
	ck_assert_int_eq(http_req_is_h2(r), 1);
	ck_assert_int_eq(http_respond_begin(r, 200, NULL, -1), 0);
	ck_assert_int_ge(http_respond_write(r, "hello", 5), 0);
	ck_assert(test_run_until(base, h2c_status_1, &h, WAIT_MS));
	ck_assert_int_eq(h.status[0], 200);
	ck_assert_int_eq(h.closed[0], 0);	/* streaming */
	ck_assert_int_ge(http_respond_write(r, pattern, 100000), 0);
	ck_assert_int_eq(http_respond_end(r), 0);
	h.want = 0;
	ck_assert(test_run_until(base, h2c_closed_want, &h, WAIT_MS));
	ck_assert_uint_eq(h.data[0], 100005);
	ck_assert_uint_eq(h.err[0], NGHTTP2_NO_ERROR);
	release_held();

	/* aborted: RST_STREAM(INTERNAL_ERROR), the connection goes on */
	ck_assert_int_eq(h2c_request_path(&h, "/s2", 0), 3);
	wait_held(1);
	r = app.held[0];
	ck_assert_int_eq(http_respond_begin(r, 200, NULL, 1000), 0);
	ck_assert_int_ge(http_respond_write(r, "0123456789", 10), 0);
	http_respond_abort(r);
	h.want = 1;
	ck_assert(test_run_until(base, h2c_closed_want, &h, WAIT_MS));
	ck_assert_uint_eq(h.err[1], NGHTTP2_INTERNAL_ERROR);
	ck_assert_int_eq(app.aborted, 0);
	release_held();

	/* HEAD: no DATA, whatever is written */
	ck_assert_int_eq(h2c_head(&h, "/h"), 5);
	wait_held(1);
	r = app.held[0];
	ck_assert_int_eq(http_respond_begin(r, 200, NULL, 1234), 0);
	ck_assert_int_ge(http_respond_write(r, pattern, 1234), 0);
	ck_assert_int_eq(http_respond_end(r), 0);
	h.want = 2;
	ck_assert(test_run_until(base, h2c_closed_want, &h, WAIT_MS));
	ck_assert_int_eq(h.status[2], 200);
	ck_assert_uint_eq(h.data[2], 0);
	ck_assert_uint_eq(h.err[2], NGHTTP2_NO_ERROR);
	release_held();
	h2c_close(&h);

	/* a window that stays shut: the producer waits for the drain */
	app.hold = 1;
	h2c_open_opt(&h, 16384, 1);
	ck_assert_int_eq(h2c_request_path(&h, "/slow", 0), 1);
	wait_held(1);
	memset(&p, 0, sizeof(p));
	p.r = app.held[0];
	p.data = pattern;
	p.total = sizeof(pattern);
	ck_assert_int_eq(http_respond_begin(p.r, 200, NULL,
	    (int64_t)sizeof(pattern)), 0);
	produce(&p);
	run_for(200);
	d0 = p.drains;
	run_for(200);
	ck_assert_int_eq(p.drains, d0);
	ck_assert_int_eq(p.done, 0);
	ck_assert_uint_eq(h.data[0], 16384);
	/* the client gives its windows back as it reads */
	h.consume = 1;
	ck_assert_int_eq(nghttp2_session_consume(h.s, 1, h.data[0]), 0);
	ck_assert_int_eq(nghttp2_session_send(h.s), 0);
	ck_assert(test_run_until(base, producer_done, &p, 4 * WAIT_MS));
	h.want = 0;
	ck_assert(test_run_until(base, h2c_closed_want, &h, 4 * WAIT_MS));
	ck_assert_uint_eq(h.data[0], sizeof(pattern));
	ck_assert_uint_eq(h.err[0], NGHTTP2_NO_ERROR);
	ck_assert_int_gt(p.drains, 0);
	h2c_close(&h);
	release_held();
}
END_TEST

/* ---- streamed request bodies (stream_bodies) ----------------------- */


static uint32_t
sum_of(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i < n; i++)
		sum = sum * 31 + p[i];
	return sum;
}

static void
sbody(struct http_req *r, const uint8_t *data, size_t len, void *arg)
{
	char text[64];
	int n;

	ck_assert_ptr_eq(arg, &sapp);
	ck_assert_ptr_eq(r, sapp.r);
	ck_assert_int_eq(sapp.ended, 0);
	ck_assert_int_eq(sapp.paused, 0);
	if (data == NULL) {
		ck_assert_uint_eq(len, 0);
		sapp.ended = 1;
		if (sapp.begin) {
			ck_assert_int_ge(http_respond_end(r), 0);
			return;
		}
		n = snprintf(text, sizeof(text), "%zu %08x", sapp.got,
		    sapp.sum);
		ck_assert_int_eq(http_respond(r, 200, NULL, text, (size_t)n),
		    0);
		return;
	}
	ck_assert_uint_gt(len, 0);
	sapp.got += len;
	sapp.pieces++;
	sapp.sum = sum_of(data, len, sapp.sum);
	if (sapp.pause_at > 0 && sapp.got >= sapp.pause_at) {
		sapp.pause_at = 0;
		sapp.paused = 1;
		http_req_body_pause(r, 1);
	}
}

/* Called by handler() for a request whose body is streamed. */
static void
shandler(struct http_req *r)
{
	size_t len;

	sapp.heads++;
	ck_assert_int_eq(http_req_body_streaming(r), 1);
	(void)http_req_body(r, &len);
	ck_assert_uint_eq(len, 0);
	if (sapp.early) {
		ck_assert_int_eq(http_respond(r, 401, NULL, "no\n", 3), 0);
		/* answered: nothing more to read */
		ck_assert_int_eq(http_req_body_read(r, sbody, &sapp), -1);
		return;
	}
	ck_assert_ptr_null(sapp.r);
	sapp.r = http_req_ref(r);
	http_req_on_abort(r, abort_cb, NULL);
	if (sapp.begin)
		ck_assert_int_eq(http_respond_begin(r, 200, NULL, -1), 0);
	if (sapp.read)
		ck_assert_int_eq(http_req_body_read(r, sbody, &sapp), 0);
}

static void
sapp_reset(void)
{
	http_req_unref(sapp.r);
	memset(&sapp, 0, sizeof(sapp));
}

static int
sapp_heads(void *arg)
{
	return sapp.heads >= *(int *)arg;
}

static int
sapp_got(void *arg)
{
	return sapp.got >= *(size_t *)arg;
}

static void
fill_pattern(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + i / 251);
}

/* Content-Length: the handler runs at the end of the head, before any of
 * the body is sent; the body comes in pieces, intact; keep-alive goes on. */
START_TEST(test_reqstream_length)
{
	struct http_config cfg = { .stream_bodies = 1, .h2 = 1 };
	struct tc t;
	char head[128], want[64];
	size_t len = 300000;
	int one = 1;

	fill_pattern((uint8_t *)big, len);
	start(&cfg);
	sapp.on = 1;
	tc_open(&t);
	snprintf(head, sizeof(head), "PUT /s HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: %zu\r\n\r\n", len);
	tc_sends(&t, head);
	ck_assert_msg(test_run_until(base, sapp_heads, &one, WAIT_MS),
	    "no handler call at the head");
	ck_assert_str_eq(app.method, "PUT");
	ck_assert_uint_eq(sapp.got, 0);
	ck_assert_int_eq(http_req_body_read(sapp.r, sbody, &sapp), 0);
	tc_send(&t, big, len);
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	snprintf(want, sizeof(want), "%zu %08x", len,
	    sum_of((const uint8_t *)big, len, 0));
	ck_assert_str_eq(resp.body, want);
	ck_assert_uint_gt(sapp.pieces, 1);
	/* no body: the buffered path, same connection */
	tc_sends(&t, "GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "GET /after HTTP/1.1");
	ck_assert_int_eq(sapp.heads, 1);
	ck_assert_int_eq(app.aborted, 0);
	tc_close(&t);
	sapp_reset();
}
END_TEST

/* Chunked, with extensions and a trailer; HTTP/1.0 has no chunked. */
START_TEST(test_reqstream_chunked)
{
	struct http_config cfg = { .stream_bodies = 1, .h2 = 1 };
	struct tc t;
	char want[64];
	size_t three = 3;

	start(&cfg);
	sapp.on = sapp.read = 1;
	tc_open(&t);
	tc_sends(&t, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n5;ext=1\r\nhello\r\n");
	tc_sends(&t, "1\r\n \r\n");
	tc_sends(&t, "5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	snprintf(want, sizeof(want), "11 %08x",
	    sum_of((const uint8_t *)"hello world", 11, 0));
	ck_assert_str_eq(resp.body, want);
	sapp_reset();
	sapp.on = sapp.read = 1;
	/* a bad chunk after the handler has it: 400, the abort callback */
	tc_sends(&t, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n3\r\nabc\r\n");
	ck_assert_msg(test_run_until(base, sapp_got, &three, WAIT_MS),
	    "the first chunk not read");
	tc_sends(&t, "zz\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 400);
	ck_assert_msg(test_run_until(base, aborted, NULL, WAIT_MS),
	    "no abort callback");
	ck_assert_int_eq(sapp.ended, 0);
	tc_wait_eof(&t);
	tc_close(&t);
	sapp_reset();
}
END_TEST

/* 100-continue goes when the application starts reading, not before;
 * an answer without reading it ends the connection (the client never
 * sent the body); without Expect the unread body is dropped and the
 * connection goes on. */
START_TEST(test_reqstream_continue)
{
	struct http_config cfg = { .stream_bodies = 1, .h2 = 1 };
	struct tc t;
	int one = 1;

	start(&cfg);
	sapp.on = 1;
	tc_open(&t);
	tc_sends(&t, "PUT /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
	    "Content-Length: 4\r\n\r\n");
	ck_assert_msg(test_run_until(base, sapp_heads, &one, WAIT_MS),
	    "no handler call");
	run_for(100);
	ck_assert_uint_eq(t.in.len, 0);		/* no 100 yet */
	ck_assert_int_eq(http_req_body_read(sapp.r, sbody, &sapp), 0);
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 100);
	tc_sends(&t, "body");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_null(resp_header(&resp, "Connection"));
	sapp_reset();

	/* answered at the head without reading: no 100, and the end */
	sapp.on = sapp.early = 1;
	tc_sends(&t, "PUT /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
	    "Content-Length: 4\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 401);
	ck_assert_str_eq(resp_header(&resp, "Connection"), "close");
	tc_wait_eof(&t);
	tc_close(&t);

	/* no Expect: the body is read and dropped, keep-alive goes on */
	tc_open(&t);
	tc_sends(&t, "PUT /e HTTP/1.1\r\nHost: h\r\nContent-Length: 100000"
	    "\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 401);
	ck_assert_ptr_null(resp_header(&resp, "Connection"));
	tc_send(&t, big, 100000);
	tc_sends(&t, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "GET /next HTTP/1.1");
	ck_assert_int_eq(sapp.heads, 2);	/* the two early answers */
	tc_close(&t);
	sapp_reset();
}
END_TEST

/* body_max mid-stream: 413 when nothing was answered; a streamed answer
 * already begun is cut instead. The abort callback runs either way. */
START_TEST(test_reqstream_cap)
{
	struct http_config cfg = { .stream_bodies = 1, .body_max = 1000,
	    .h2 = 1 };
	struct tc t;
	char chunk[700];
	size_t want = 600;

	memset(chunk, 'a', sizeof(chunk));
	start(&cfg);
	/* Content-Length over body_max: 413 before the handler */
	sapp.on = sapp.read = 1;
	tc_exchange(&t, "PUT /m HTTP/1.1\r\nHost: h\r\nContent-Length: 1001"
	    "\r\n\r\n", &resp);
	ck_assert_int_eq(resp.status, 413);
	ck_assert_int_eq(sapp.heads, 0);
	tc_close(&t);

	tc_open(&t);
	tc_sends(&t, "PUT /m HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n258\r\n");
	tc_send(&t, chunk, 600);
	tc_sends(&t, "\r\n");
	ck_assert_msg(test_run_until(base, sapp_got, &want, WAIT_MS),
	    "the first chunk not read");
	tc_sends(&t, "258\r\n");
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 413);
	ck_assert_msg(test_run_until(base, aborted, NULL, WAIT_MS),
	    "no abort callback");
	ck_assert_int_eq(http_req_alive(sapp.r), 0);
	ck_assert_int_eq(http_respond(sapp.r, 200, NULL, NULL, 0), -1);
	tc_wait_eof(&t);
	tc_close(&t);
	sapp_reset();
	app.aborted = 0;

	/* the answer has begun (chunked): it is cut, not ended */
	sapp.on = sapp.read = sapp.begin = 1;
	tc_open(&t);
	tc_sends(&t, "PUT /m HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n258\r\n");
	tc_send(&t, chunk, 600);
	tc_sends(&t, "\r\n");
	ck_assert_msg(test_run_until(base, sapp_got, &want, WAIT_MS),
	    "the first chunk not read");
	ck_assert_int_ge(http_respond_write(sapp.r, "part", 4), 0);
	tc_sends(&t, "258\r\n");
	tc_wait_eof(&t);
	ck_assert_msg(test_run_until(base, aborted, NULL, WAIT_MS),
	    "no abort callback");
	ck_assert_ptr_nonnull(memmem(t.in.data, t.in.len, "4\r\npart\r\n", 9));
	ck_assert_ptr_null(memmem(t.in.data, t.in.len, "0\r\n\r\n", 5));
	tc_close(&t);
	sapp_reset();
}
END_TEST

/* Paused: no body callback until resumed; then the rest, intact. */
START_TEST(test_reqstream_pause)
{
	struct http_config cfg = { .stream_bodies = 1, .h2 = 1 };
	struct tc t;
	char head[128], want[64];
	size_t len = 1 << 20, at;

	fill_pattern((uint8_t *)big, len);
	start(&cfg);
	sapp.on = sapp.read = 1;
	sapp.pause_at = 20000;
	tc_open(&t);
	snprintf(head, sizeof(head), "PUT /p HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: %zu\r\n\r\n", len);
	tc_sends(&t, head);
	tc_send(&t, big, len);
	ck_assert_msg(test_run_until(base, sapp_got, &sapp.pause_at,
	    WAIT_MS), "nothing read");
	ck_assert_int_eq(sapp.paused, 1);
	at = sapp.got;
	run_for(200);
	ck_assert_uint_eq(sapp.got, at);	/* nothing while paused */
	ck_assert_uint_lt(sapp.got, len);
	sapp.paused = 0;
	http_req_body_pause(sapp.r, 0);
	tc_recv(&t, &resp);
	ck_assert_int_eq(resp.status, 200);
	snprintf(want, sizeof(want), "%zu %08x", len,
	    sum_of((const uint8_t *)big, len, 0));
	ck_assert_str_eq(resp.body, want);
	tc_close(&t);
	sapp_reset();
}
END_TEST

/* An HTTP/2 request body from `big`, `len` octets, content-length
 * announced when `clen`. */
static size_t h2c_body_left;
static size_t h2c_body_off;

static ssize_t
h2c_body_cb(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
    uint32_t *flags, nghttp2_data_source *src, void *arg)
{
	size_t n = h2c_body_left < length ? h2c_body_left : length;

	(void)s;
	(void)id;
	(void)src;
	(void)arg;
	memcpy(buf, big + h2c_body_off, n);
	h2c_body_off += n;
	h2c_body_left -= n;
	if (h2c_body_left == 0)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static int32_t
h2c_put(struct h2c *h, size_t len, int clen)
{
	char cl[24];
	nghttp2_nv nv[] = { NV(":method", "PUT"), NV(":scheme", "http"),
	    NV(":path", "/h2put"), NV(":authority", "h"),
	    NV("content-length", "0") };
	nghttp2_data_provider prd;
	int32_t id;

	snprintf(cl, sizeof(cl), "%zu", len);
	nv[4].value = (uint8_t *)cl;
	nv[4].valuelen = strlen(cl);
	memset(&prd, 0, sizeof(prd));
	prd.read_callback = h2c_body_cb;
	h2c_body_left = len;
	h2c_body_off = 0;
	id = nghttp2_submit_request(h->s, NULL, nv, clen ? 5 : 4, &prd, NULL);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(nghttp2_session_send(h->s), 0);
	return id;
}

static int
h2c_first_closed(void *arg)
{
	return ((struct h2c *)arg)->closed[0];
}

/* HTTP/2: a body larger than the stream's window comes through as the
 * reader takes it; paused, nothing comes; body_max holds (413, abort). */
START_TEST(test_reqstream_h2)
{
	struct http_config cfg = { .stream_bodies = 1, .h2 = 1,
	    .body_max = 2 * 1024 * 1024 };
	struct h2c h;
	size_t len = 600000, at;

	fill_pattern((uint8_t *)big, len);
	start(&cfg);
	sapp.on = sapp.read = 1;
	sapp.pause_at = 30000;
	h2c_open(&h);
	ck_assert_int_eq(h2c_put(&h, len, 1), 1);
	ck_assert_msg(test_run_until(base, sapp_got, &sapp.pause_at,
	    WAIT_MS), "nothing read");
	at = sapp.got;
	run_for(200);
	ck_assert_uint_eq(sapp.got, at);
	/* the client is held by the stream's window, not the body */
	ck_assert_uint_le(h2c_body_off, at + HTTP_BODY_WINDOW + 16384);
	sapp.paused = 0;
	http_req_body_pause(sapp.r, 0);
	ck_assert_msg(test_run_until(base, h2c_first_closed, &h, WAIT_MS),
	    "stream not closed");
	ck_assert_int_eq(h.status[0], 200);
	ck_assert_int_eq(sapp.ended, 1);
	ck_assert_uint_eq(sapp.got, len);
	ck_assert_uint_eq(sapp.sum, sum_of((const uint8_t *)big, len, 0));
	h2c_close(&h);
	sapp_reset();
}
END_TEST

START_TEST(test_reqstream_h2_cap)
{
	struct http_config cfg = { .stream_bodies = 1, .h2 = 1,
	    .body_max = 100000 };
	struct h2c h;

	start(&cfg);
	sapp.on = sapp.read = 1;
	h2c_open(&h);
	/* no content-length: the cap is met mid-stream */
	ck_assert_int_eq(h2c_put(&h, 300000, 0), 1);
	ck_assert_msg(test_run_until(base, h2c_first_closed, &h, WAIT_MS),
	    "stream not closed");
	ck_assert_int_eq(h.status[0], 413);
	ck_assert_msg(test_run_until(base, aborted, NULL, WAIT_MS),
	    "no abort callback");
	ck_assert_int_eq(sapp.ended, 0);
	ck_assert_uint_le(sapp.got, 100000);
	/* the connection goes on */
	ck_assert_int_eq(h2c_request_path(&h, "/after", 0), 3);
	ck_assert_msg(test_run_until(base, h2c_stream_closed, &h, WAIT_MS),
	    "second stream not closed");
	ck_assert_int_eq(h.status[1], 200);
	h2c_close(&h);
	sapp_reset();
}
END_TEST


Suite *
suite_http(void)
{
	Suite *s = suite_create("http");
	TCase *tc;

	tc = tcase_create("http1");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_get_and_put);
	tcase_add_test(tc, test_chunked);
	tcase_add_test(tc, test_keep_alive);
	tcase_add_test(tc, test_pipelined_sync);
	tcase_add_test(tc, test_pipelined_async);
	tcase_add_test(tc, test_head);
	tcase_add_test(tc, test_expect_continue);
	tcase_add_test(tc, test_http10);
	tcase_add_test(tc, test_lenient_line_ends);
	tcase_add_test(tc, test_bad_after_pipelined);
	tcase_add_test(tc, test_head_too_large);
	tcase_add_test(tc, test_body_too_large);
	tcase_add_test(tc, test_slow_client);
	tcase_add_test(tc, test_never_reads);
	tcase_add_test(tc, test_out_max);
	tcase_add_test(tc, test_adopt);
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_api_misuse);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_upgrade_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad_request");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_bad_request, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("h2");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_h2_prior_knowledge);
	tcase_add_test(tc, test_h2_upgrade);
	tcase_add_test(tc, test_h2_async);
	tcase_add_test(tc, test_h2_limits);
	tcase_add_test(tc, test_h2load);
	tcase_add_test(tc, test_h2_abort);
	tcase_add_test(tc, test_h2_timeouts);
	tcase_add_test(tc, test_h2_flow_control);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_stream_length);
	tcase_add_test(tc, test_stream_chunked);
	tcase_add_test(tc, test_stream_head);
	tcase_add_test(tc, test_stream_abort);
	tcase_add_test(tc, test_stream_pipelined);
	tcase_add_test(tc, test_stream_backpressure);
	tcase_add_test(tc, test_stream_h2);
	suite_add_tcase(s, tc);

	tc = tcase_create("reqstream");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reqstream_length);
	tcase_add_test(tc, test_reqstream_chunked);
	tcase_add_test(tc, test_reqstream_continue);
	tcase_add_test(tc, test_reqstream_cap);
	tcase_add_test(tc, test_reqstream_pause);
	tcase_add_test(tc, test_reqstream_h2);
	tcase_add_test(tc, test_reqstream_h2_cap);
	suite_add_tcase(s, tc);
	return s;
}
