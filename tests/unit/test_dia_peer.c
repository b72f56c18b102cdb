/*
 * test_dia_peer.c — the Diameter peer layer on real loopback sockets:
 * CER/CEA both ways, refusal of unknown peers (3010) and of peers without a
 * common application (5010), the Relay application, request/answer with
 * asynchronous answers, request timeouts and late answers, the watchdog
 * and reconnection, DPR/DPA, graceful shutdown (DPR, wait for DPA or a
 * timeout, then `done`), framing loss on one connection only, AVP errors
 * answered on a connection that stays, messages before CER.
 *
 * One event_base per test; the loop runs with EVLOOP_ONCE until a
 * condition holds or a deadline passes (no sleeps). Raw peers are plain
 * sockets driven by the same loop, so the tests can send what a broken or
 * hostile peer would. Event lines are captured through log_set_output().
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "dia_peer.h"
#include "diameter.h"
#include "log.h"
#include "suites.h"

#define REALM		"ims.example.org"
#define HSS_HOST	"hss.test"
#define BSF_HOST	"bsf.test"
#define WAIT_MS		3000

static struct event_base *base;
static FILE *logfile;

static void
setup(void)
{
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	logfile = tmpfile();
	ck_assert_ptr_nonnull(logfile);
	log_set_output(fileno(logfile));
	log_set_verbose(2);	/* exercise the message dumps too */
}

/* DIA_TEST_LOG=1 copies each test's captured log to stderr. */
static void
teardown(void)
{
	char chunk[4096];
	ssize_t n;
	off_t off = 0;

	log_set_output(-1);
	if (getenv("DIA_TEST_LOG") != NULL)
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

/* Run the loop for `ms` (to show that something does NOT happen). */
static void
run_for(unsigned ms)
{
	(void)test_run_until(base, test_never, NULL, ms);
}

static const char *const hss_allow[] = { BSF_HOST, "raw.test", "raw2.test",
    "relay.test", NULL };
static const char *const bsf_allow[] = { HSS_HOST, "silent.test", NULL };

static void
local_init(struct dia_local *l, const char *host, const char *const *allow)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->origin_host, sizeof(l->origin_host), "%s", host);
	snprintf(l->origin_realm, sizeof(l->origin_realm), "%s", REALM);
	l->app_id = DIA_APP_ZH;
	l->tw_ms = 2000;
	l->cer_timeout_ms = 1000;
	l->reconnect_min_ms = 50;
	l->reconnect_max_ms = 200;
	l->allow = allow;
}

/* ---- the server's application ---------------------------------------- */

enum app_mode { APP_SYNC, APP_ASYNC, APP_SILENT };

#define SAVED_MAX 16
struct app {
	struct dia_server	*srv;
	enum app_mode		 mode;
	int			 nreq;
	int			 send_failed;	/* dia_conn_send -1 */
	uint64_t		 ids[SAVED_MAX];
	uint8_t			*saved[SAVED_MAX];
	size_t			 saved_len[SAVED_MAX];
	int			 nsaved;
};

/* Answer `req` on `conn`: 2001 and the User-Name echoed. */
static int
answer(struct dia_conn *conn, const struct dia_msg *req)
{
	const struct dia_local *l = dia_conn_local(conn);
	const struct dia_avp *a;
	struct dia_build d;
	struct buf b;
	int rc;

	buf_init(&b, DIA_MSG_MAX_DEFAULT);
	dia_build_answer(&d, &b, req, 0);
	if ((a = dia_msg_find(req, NULL, DIA_AVP_SESSION_ID, 0, NULL)) != NULL)
		dia_put(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, a->data, a->len);
	dia_put_result(&d, DIA_SUCCESS);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, l->origin_host);
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, l->origin_realm);
	if ((a = dia_msg_find(req, NULL, DIA_AVP_USER_NAME, 0, NULL)) != NULL)
		dia_put(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, a->data, a->len);
	ck_assert_int_eq(dia_build_end(&d), 0);
	rc = dia_conn_send(conn, b.data, b.len);
	buf_clear(&b);
	return rc;
}

static void
app_cb(struct dia_conn *conn, const struct dia_msg *req, void *arg)
{
	struct app *app = arg;

	app->nreq++;
	ck_assert_str_eq(dia_conn_peer_host(conn), BSF_HOST) ;
	switch (app->mode) {
	case APP_SYNC:
		ck_assert_int_eq(answer(conn, req), 0);
		break;
	case APP_ASYNC:
	case APP_SILENT:
		ck_assert_int_lt(app->nsaved, SAVED_MAX);
		app->ids[app->nsaved] = dia_conn_id(conn);
		app->saved[app->nsaved] = malloc(req->len);
		ck_assert_ptr_nonnull(app->saved[app->nsaved]);
		memcpy(app->saved[app->nsaved], req->octets, req->len);
		app->saved_len[app->nsaved] = req->len;
		app->nsaved++;
		break;
	}
}

/* Relay and raw peers use other Origin-Hosts: accept any allowed one. */
static void
app_any_cb(struct dia_conn *conn, const struct dia_msg *req, void *arg)
{
	struct app *app = arg;

	app->nreq++;
	if (answer(conn, req) == -1)
		app->send_failed++;
}

/* Answer saved request `i` now, outside any callback; -1 if gone. */
static int
app_answer_saved(struct app *app, int i)
{
	struct dia_conn *conn;
	struct dia_msg *req = NULL;
	struct dia_error err;
	int rc;

	if ((conn = dia_server_conn(app->srv, app->ids[i])) == NULL)
		return -1;
	ck_assert_int_eq(dia_msg_decode(app->saved[i], app->saved_len[i],
	    &req, &err), 0);
	rc = answer(conn, req);
	dia_msg_free(req);
	return rc;
}

static void
app_clear(struct app *app)
{
	int i;

	for (i = 0; i < app->nsaved; i++)
		free(app->saved[i]);
	app->nsaved = 0;
}

static struct dia_server *
server_start_local(struct app *app, const struct dia_local *l,
    uint16_t port, dia_request_cb cb)
{
	struct dia_server *s;
	char err[256] = "";

	s = dia_server_new(base, l, "127.0.0.1", port, cb ? cb : app_cb, app,
	    err, sizeof(err));
	ck_assert_msg(s != NULL, "dia_server_new: %s", err);
	ck_assert_uint_ne(dia_server_port(s), 0);
	app->srv = s;
	return s;
}

static struct dia_server *
server_start(struct app *app, const char *host, uint16_t port,
    dia_request_cb cb)
{
	struct dia_local l;

	local_init(&l, host, hss_allow);
	return server_start_local(app, &l, port, cb);
}

static struct dia_client *
client_start(const char *host, uint16_t port, unsigned tw_ms)
{
	struct dia_local l;
	struct dia_client *c;
	char err[256] = "";

	local_init(&l, host, bsf_allow);
	if (tw_ms)
		l.tw_ms = tw_ms;
	c = dia_client_new(base, &l, "127.0.0.1", port, 2000, err,
	    sizeof(err));
	ck_assert_msg(c != NULL, "dia_client_new: %s", err);
	return c;
}

static int
client_not_open(void *arg)
{
	return !dia_client_is_open(arg);
}

/* ---- requests and answers on the client side ---------------------------- */

/* A MAR-like request of application `app` for user `user`. */
static void
build_request(struct buf *b, uint32_t app, const char *user)
{
	struct dia_build d;
	char sid[128];

	buf_init(b, DIA_MSG_MAX_DEFAULT);
	ck_assert_int_eq(dia_session_id(BSF_HOST, sid, sizeof(sid)), 0);
	dia_build_begin(&d, b, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_MA, app, 0, 0);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, sid);
	dia_put_u32(&d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, BSF_HOST);
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, REALM);
	dia_put_str(&d, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0, REALM);
	dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, user);
	ck_assert_int_eq(dia_build_end(&d), 0);
}

struct reply {
	int	 calls;
	int	 answered;
	uint32_t result;
	uint32_t hbh;
	char	 user[64];
	char	 error[128];
};

static void
reply_cb(void *arg, const struct dia_msg *answer_msg, const char *error)
{
	struct reply *r = arg;
	const struct dia_avp *a;

	r->calls++;
	if (answer_msg == NULL) {
		ck_assert_ptr_nonnull(error);
		snprintf(r->error, sizeof(r->error), "%s", error);
		return;
	}
	r->answered = 1;
	r->hbh = answer_msg->hbh;
	if ((a = dia_msg_find(answer_msg, NULL, DIA_AVP_RESULT_CODE, 0,
	    NULL)) != NULL)
		ck_assert_int_eq(dia_avp_u32(a, &r->result, NULL), 0);
	if ((a = dia_msg_find(answer_msg, NULL, DIA_AVP_USER_NAME, 0,
	    NULL)) != NULL)
		ck_assert_int_eq(dia_avp_utf8(a, r->user, sizeof(r->user),
		    NULL), 0);
}

static int
reply_called(void *arg)
{
	return ((struct reply *)arg)->calls > 0;
}

static int
send_request(struct dia_client *c, const char *user, unsigned timeout_ms,
    struct reply *r)
{
	struct buf b;
	int rc;

	build_request(&b, DIA_APP_ZH, user);
	rc = dia_client_request(c, &b, timeout_ms, reply_cb, r);
	if (rc == 0) {
		/* the layer wrote the ids into the caller's message */
		ck_assert_uint_ne(b.data[16] | b.data[17] | b.data[18] |
		    b.data[19], 0);
	}
	buf_clear(&b);
	return rc;
}

/* ---- raw peers ---------------------------------------------------------- */

struct raw {
	int		 fd;
	struct event	*ev;
	uint8_t		 in[65536];
	size_t		 len;
	int		 eof;
};

static void
raw_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct raw *r = arg;
	ssize_t n;

	(void)what;
	if (r->len == sizeof(r->in)) {
		r->eof = 1;
		event_del(r->ev);
		return;
	}
	n = recv(fd, r->in + r->len, sizeof(r->in) - r->len, 0);
	if (n > 0)
		r->len += (size_t)n;
	else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		r->eof = 1;
		event_del(r->ev);
	}
}

static struct raw *
raw_wrap(int fd)
{
	struct raw *r = calloc(1, sizeof(*r));

	ck_assert_ptr_nonnull(r);
	r->fd = fd;
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	r->ev = event_new(base, fd, EV_READ | EV_PERSIST, raw_read_cb, r);
	ck_assert_ptr_nonnull(r->ev);
	event_add(r->ev, NULL);
	return r;
}

static struct raw *
raw_connect(uint16_t port)
{
	struct sockaddr_in sin;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	/* loopback: the kernel completes the handshake from the backlog */
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return raw_wrap(fd);
}

static void
raw_free(struct raw *r)
{
	if (r == NULL)
		return;
	event_free(r->ev);
	close(r->fd);
	free(r);
}

static void
raw_send(struct raw *r, const uint8_t *p, size_t len)
{
	ck_assert_int_eq(send(r->fd, p, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Take the next whole message off the raw peer's input, decoded. */
static struct dia_msg *
raw_take(struct raw *r)
{
	struct dia_msg *m = NULL;
	struct dia_error err;
	long n;

	n = dia_frame_len(r->in, r->len, sizeof(r->in));
	ck_assert_int_ge(n, 0);
	if (n == 0 || (size_t)n > r->len)
		return NULL;
	ck_assert_msg(dia_msg_decode(r->in, (size_t)n, &m, &err) == 0,
	    "raw peer got an undecodable message: %s", err.reason);
	memmove(r->in, r->in + n, r->len - (size_t)n);
	r->len -= (size_t)n;
	return m;
}

static int
raw_has_msg(void *arg)
{
	struct raw *r = arg;
	long n = dia_frame_len(r->in, r->len, sizeof(r->in));

	return r->eof || (n > 0 && (size_t)n <= r->len);
}

static int
raw_eof(void *arg)
{
	return ((struct raw *)arg)->eof;
}

/* Wait for the next message; fail the test if none comes. */
static struct dia_msg *
raw_wait(struct raw *r)
{
	struct dia_msg *m;

	ck_assert_msg(test_run_until(base, raw_has_msg, r, WAIT_MS), "no message");
	m = raw_take(r);
	ck_assert_msg(m != NULL, "connection closed instead of a message");
	return m;
}

static uint32_t
result_of(const struct dia_msg *m)
{
	const struct dia_avp *a;
	uint32_t v = 0;

	a = dia_msg_find(m, NULL, DIA_AVP_RESULT_CODE, 0, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(dia_avp_u32(a, &v, NULL), 0);
	return v;
}

/* Application advertising in a raw CER */
enum adv { ADV_ZH_VSAI, ADV_ZN_VSAI, ADV_RELAY, ADV_ZH_AUTH };

static void
raw_build_cer(struct buf *b, const char *host, enum adv adv)
{
	struct sockaddr_in sin;
	struct dia_build d;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	buf_init(b, DIA_MSG_MAX_DEFAULT);
	dia_build_begin(&d, b, DIA_FLAG_R, DIA_CMD_CE, 0, 0x1111, 0x2222);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, host);
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, REALM);
	dia_put_address(&d, DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    (struct sockaddr *)&sin);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, 0);
	dia_put_str(&d, DIA_AVP_PRODUCT_NAME, 0, 0, "raw");
	switch (adv) {
	case ADV_ZH_VSAI:
	case ADV_ZN_VSAI:
		dia_group_begin(&d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M,
		    0);
		dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0,
		    DIA_VENDOR_3GPP);
		dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0,
		    adv == ADV_ZH_VSAI ? DIA_APP_ZH : DIA_APP_ZN);
		dia_group_end(&d);
		break;
	case ADV_RELAY:		/* what freeDiameterd sends */
		dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0,
		    DIA_APP_RELAY);
		break;
	case ADV_ZH_AUTH:
		dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0,
		    DIA_APP_ZH);
		break;
	}
	ck_assert_int_eq(dia_build_end(&d), 0);
}

/* Connect a raw peer and complete CER/CEA with 2001. */
static struct raw *
raw_open(uint16_t port, const char *host, enum adv adv)
{
	struct raw *r = raw_connect(port);
	struct dia_msg *m;
	struct buf b;

	raw_build_cer(&b, host, adv);
	raw_send(r, b.data, b.len);
	buf_clear(&b);
	m = raw_wait(r);
	ck_assert_uint_eq(m->cmd, DIA_CMD_CE);
	ck_assert_uint_eq(m->flags & DIA_FLAG_R, 0);
	ck_assert_uint_eq(m->hbh, 0x1111);
	ck_assert_uint_eq(result_of(m), DIA_SUCCESS);
	dia_msg_free(m);
	return r;
}

/* A request as a raw peer sends it, ids fixed. */
static void
raw_build_request(struct buf *b, uint32_t app, const char *host,
    const char *user, uint32_t hbh, size_t *user_avp_off)
{
	struct dia_build d;

	buf_init(b, DIA_MSG_MAX_DEFAULT);
	dia_build_begin(&d, b, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_MA, app, hbh,
	    hbh ^ 0x55aa);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, "raw.test;1;2");
	dia_put_u32(&d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, host);
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, REALM);
	dia_put_str(&d, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0, REALM);
	if (user_avp_off != NULL)
		*user_avp_off = b->len;
	dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, user);
	ck_assert_int_eq(dia_build_end(&d), 0);
}

/* ---- tests ---------------------------------------------------------------- */

struct both {
	struct dia_server	*s;
	struct dia_client	*c;
};

static int
both_open(void *arg)
{
	struct both *b = arg;

	return dia_client_is_open(b->c) && dia_server_npeers(b->s) == 1;
}

START_TEST(cer_cea_success)
{
	struct app app = { .mode = APP_SYNC };
	struct both b;

	b.s = server_start(&app, HSS_HOST, 0, NULL);
	b.c = client_start(BSF_HOST, dia_server_port(b.s), 0);
	ck_assert_int_eq(dia_client_is_open(b.c), 0);	/* not before the loop */
	ck_assert_str_eq(dia_client_peer_host(b.c), "");
	ck_assert(test_run_until(base, both_open, &b, WAIT_MS));
	ck_assert_str_eq(dia_client_peer_host(b.c), HSS_HOST);
	ck_assert(log_has("DIA-PEER-UP peer=" BSF_HOST " addr=127.0.0.1:"));
	ck_assert(log_has("role=server"));
	ck_assert(log_has("DIA-PEER-UP peer=" HSS_HOST " addr=127.0.0.1:"));
	ck_assert(log_has("role=client"));
	ck_assert(log_has("app=\"3GPP Zh\""));
	dia_client_free(b.c);
	dia_server_free(b.s);
}
END_TEST

START_TEST(unknown_peer_refused)
{
	struct app app = { .mode = APP_SYNC };
	struct dia_server *s;
	struct dia_client *c;
	struct dia_msg *m;
	struct raw *r;
	struct buf cer, req;
	uint8_t both[2 * 4096];
	struct reply rep = { 0 };

	s = server_start(&app, HSS_HOST, 0, NULL);
	r = raw_connect(dia_server_port(s));
	/* CER and a request in one write: the request must never be served */
	raw_build_cer(&cer, "evil.test", ADV_ZH_VSAI);
	raw_build_request(&req, DIA_APP_ZH, "evil.test", "victim", 7, NULL);
	ck_assert_uint_le(cer.len + req.len, sizeof(both));
	memcpy(both, cer.data, cer.len);
	memcpy(both + cer.len, req.data, req.len);
	raw_send(r, both, cer.len + req.len);
	buf_clear(&cer);
	buf_clear(&req);
	m = raw_wait(r);
	ck_assert_uint_eq(m->cmd, DIA_CMD_CE);
	ck_assert_uint_eq(result_of(m), DIA_UNKNOWN_PEER);
	ck_assert_uint_ne(m->flags & DIA_FLAG_E, 0);	/* 3xxx: E bit */
	dia_msg_free(m);
	ck_assert(test_run_until(base, raw_eof, r, WAIT_MS));
	ck_assert_uint_eq(r->len, 0);		/* nothing after the CEA */
	ck_assert_int_eq(app.nreq, 0);
	ck_assert_uint_eq(dia_server_npeers(s), 0);
	ck_assert(log_has("DIA-PEER-REFUSED addr=127.0.0.1:"));
	ck_assert(log_has("origin_host=evil.test result=3010"));
	raw_free(r);

	/* the same through a dia_client: refused, never open */
	c = client_start("stranger.test", dia_server_port(s), 0);
	run_for(300);
	ck_assert_int_eq(dia_client_is_open(c), 0);
	ck_assert(log_has("origin_host=stranger.test result=3010"));
	ck_assert(log_has("origin_host=" HSS_HOST " result=3010 role=client"));
	ck_assert_int_eq(send_request(c, "x", 0, &rep), -1);
	ck_assert_int_eq(rep.calls, 0);		/* -1: callback not called */
	ck_assert_int_eq(app.nreq, 0);
	dia_client_free(c);
	dia_server_free(s);
}
END_TEST

START_TEST(relay_accepted)
{
	struct app app = { .mode = APP_SYNC };
	struct dia_server *s;
	struct dia_msg *m;
	struct raw *r;
	struct buf req;

	s = server_start(&app, HSS_HOST, 0, app_any_cb);
	r = raw_open(dia_server_port(s), "relay.test", ADV_RELAY);
	ck_assert_uint_eq(dia_server_npeers(s), 1);
	ck_assert(log_has("DIA-PEER-UP peer=relay.test"));
	/* a Zh request relayed through it is served */
	raw_build_request(&req, DIA_APP_ZH, BSF_HOST, "alice", 0x77, NULL);
	raw_send(r, req.data, req.len);
	buf_clear(&req);
	m = raw_wait(r);
	ck_assert_uint_eq(m->cmd, DIA_CMD_MA);
	ck_assert_uint_eq(m->hbh, 0x77);
	ck_assert_uint_eq(m->e2e, 0x77 ^ 0x55aa);
	ck_assert_uint_eq(result_of(m), DIA_SUCCESS);
	dia_msg_free(m);
	ck_assert_int_eq(app.nreq, 1);
	ck_assert_int_eq(app.send_failed, 0);
	raw_free(r);
	dia_server_free(s);
}
END_TEST

START_TEST(no_common_application)
{
	struct app app = { .mode = APP_SYNC };
	struct dia_server *s;
	struct dia_msg *m;
	struct raw *r;
	struct buf cer;

	s = server_start(&app, HSS_HOST, 0, NULL);
	r = raw_connect(dia_server_port(s));
	raw_build_cer(&cer, "raw.test", ADV_ZN_VSAI);	/* Zn to a Zh server */
	raw_send(r, cer.data, cer.len);
	buf_clear(&cer);
	m = raw_wait(r);
	ck_assert_uint_eq(result_of(m), DIA_NO_COMMON_APPLICATION);
	dia_msg_free(m);
	ck_assert(test_run_until(base, raw_eof, r, WAIT_MS));
	ck_assert(log_has("origin_host=raw.test result=5010"));
	ck_assert_uint_eq(dia_server_npeers(s), 0);
	raw_free(r);

	/* a plain Auth-Application-Id of Zh is enough */
	r = raw_open(dia_server_port(s), "raw.test", ADV_ZH_AUTH);
	ck_assert_uint_eq(dia_server_npeers(s), 1);
	raw_free(r);
	dia_server_free(s);
}
END_TEST

struct wait_n {
	struct app	*app;
	int		 n;
};

static int
app_has(void *arg)
{
	struct wait_n *w = arg;

	return w->app->nreq >= w->n;
}

#define NREQ 8
struct replies {
	struct reply	r[NREQ];
};

static int
all_replied(void *arg)
{
	struct replies *rs = arg;
	int i;

	for (i = 0; i < NREQ; i++)
		if (rs->r[i].calls == 0)
			return 0;
	return 1;
}

START_TEST(request_answer_async)
{
	struct app app = { .mode = APP_ASYNC };
	struct replies rs;
	struct wait_n w = { &app, NREQ };
	struct both b;
	char user[32];
	int i;

	memset(&rs, 0, sizeof(rs));
	b.s = server_start(&app, HSS_HOST, 0, NULL);
	b.c = client_start(BSF_HOST, dia_server_port(b.s), 0);
	ck_assert(test_run_until(base, both_open, &b, WAIT_MS));
	for (i = 0; i < NREQ; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		ck_assert_int_eq(send_request(b.c, user, 0, &rs.r[i]), 0);
	}
	ck_assert_uint_eq(dia_client_pending(b.c), NREQ);
	ck_assert(test_run_until(base, app_has, &w, WAIT_MS));
	ck_assert_int_eq(rs.r[0].calls, 0);
	/* answer later, from outside the callback, in reverse order */
	for (i = NREQ - 1; i >= 0; i--)
		ck_assert_int_eq(app_answer_saved(&app, i), 0);
	ck_assert(test_run_until(base, all_replied, &rs, WAIT_MS));
	for (i = 0; i < NREQ; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		ck_assert_int_eq(rs.r[i].calls, 1);
		ck_assert_int_eq(rs.r[i].answered, 1);
		ck_assert_uint_eq(rs.r[i].result, DIA_SUCCESS);
		ck_assert_str_eq(rs.r[i].user, user);
	}
	ck_assert_uint_ne(rs.r[0].hbh, rs.r[1].hbh);
	ck_assert_uint_eq(dia_client_pending(b.c), 0);
	dia_client_free(b.c);
	dia_server_free(b.s);
	app_clear(&app);
}
END_TEST

START_TEST(request_timeout_late_answer)
{
	struct app app = { .mode = APP_SILENT };
	struct reply r1 = { 0 }, r2 = { 0 };
	struct wait_n w = { &app, 1 };
	struct both b;

	b.s = server_start(&app, HSS_HOST, 0, NULL);
	b.c = client_start(BSF_HOST, dia_server_port(b.s), 0);
	ck_assert(test_run_until(base, both_open, &b, WAIT_MS));
	ck_assert_int_eq(send_request(b.c, "slow", 100, &r1), 0);
	ck_assert(test_run_until(base, app_has, &w, WAIT_MS));
	ck_assert(test_run_until(base, reply_called, &r1, WAIT_MS));
	ck_assert_int_eq(r1.calls, 1);
	ck_assert_int_eq(r1.answered, 0);
	ck_assert_str_eq(r1.error, "timeout");
	ck_assert(log_has("DIA-REQUEST-TIMEOUT peer=" HSS_HOST " cmd=MAR hbh=0x"));
	ck_assert_uint_eq(dia_client_pending(b.c), 0);

	/* the late answer arrives before the next one (TCP keeps order) and
	 * is dropped: r1 is not called again */
	ck_assert_int_eq(app_answer_saved(&app, 0), 0);
	app.mode = APP_SYNC;
	ck_assert_int_eq(send_request(b.c, "fast", 0, &r2), 0);
	ck_assert(test_run_until(base, reply_called, &r2, WAIT_MS));
	ck_assert_int_eq(r2.answered, 1);
	ck_assert_str_eq(r2.user, "fast");
	ck_assert_int_eq(r1.calls, 1);
	ck_assert(log_has("matches no request in flight"));
	ck_assert(dia_client_is_open(b.c));
	dia_client_free(b.c);
	dia_server_free(b.s);
	app_clear(&app);
}
END_TEST

/* A listener whose one peer is driven by the test. */
struct raw_srv {
	int		 fd;
	uint16_t	 port;
	struct event	*ev;
	struct raw	*peer;
};

static void
raw_srv_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct raw_srv *rs = arg;
	int cfd;

	(void)what;
	if ((cfd = accept(fd, NULL, NULL)) == -1)
		return;
	if (rs->peer != NULL) {		/* one at a time */
		close(cfd);
		return;
	}
	rs->peer = raw_wrap(cfd);
}

static void
raw_srv_start(struct raw_srv *rs)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int one = 1;

	memset(rs, 0, sizeof(*rs));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rs->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(rs->fd, 0);
	ck_assert_int_eq(setsockopt(rs->fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)), 0);
	ck_assert_int_eq(bind(rs->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(rs->fd, 8), 0);
	ck_assert_int_eq(getsockname(rs->fd, (struct sockaddr *)&sin, &len), 0);
	rs->port = ntohs(sin.sin_port);
	rs->ev = event_new(base, rs->fd, EV_READ | EV_PERSIST,
	    raw_srv_accept_cb, rs);
	event_add(rs->ev, NULL);
}

static void
raw_srv_stop(struct raw_srv *rs)
{
	raw_free(rs->peer);
	rs->peer = NULL;
	event_free(rs->ev);
	close(rs->fd);
}

static int
raw_srv_has_peer(void *arg)
{
	return ((struct raw_srv *)arg)->peer != NULL;
}

/* Answer the CER in `m` as a silent HSS would, once. */
static void
raw_send_cea(struct raw *r, const struct dia_msg *cer, const char *host)
{
	struct sockaddr_in sin;
	struct dia_build d;
	struct buf b;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	buf_init(&b, DIA_MSG_MAX_DEFAULT);
	dia_build_answer(&d, &b, cer, 0);
	dia_put_result(&d, DIA_SUCCESS);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, host);
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, REALM);
	dia_put_address(&d, DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    (struct sockaddr *)&sin);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, 0);
	dia_put_str(&d, DIA_AVP_PRODUCT_NAME, 0, 0, "silent");
	dia_group_begin(&d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, DIA_VENDOR_3GPP);
	dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, DIA_APP_ZH);
	dia_group_end(&d);
	ck_assert_int_eq(dia_build_end(&d), 0);
	raw_send(r, b.data, b.len);
	buf_clear(&b);
}

struct host_wait {
	struct dia_client	*c;
	const char		*host;
};

static int
client_open_to(void *arg)
{
	struct host_wait *h = arg;

	return dia_client_is_open(h->c) &&
	    strcmp(dia_client_peer_host(h->c), h->host) == 0;
}

START_TEST(watchdog_reconnect)
{
	struct app app = { .mode = APP_SYNC };
	struct host_wait hw;
	struct raw_srv rs;
	struct dia_server *s;
	struct dia_client *c;
	struct dia_msg *m;
	struct reply rep = { 0 };
	const struct dia_avp *a;
	char host[64];

	raw_srv_start(&rs);
	c = client_start(BSF_HOST, rs.port, 200);
	ck_assert(test_run_until(base, raw_srv_has_peer, &rs, WAIT_MS));
	m = raw_wait(rs.peer);
	ck_assert_uint_eq(m->cmd, DIA_CMD_CE);
	ck_assert_uint_ne(m->flags & DIA_FLAG_R, 0);
	/* our CER carries what RFC 6733 §5.3.1 asks for */
	a = dia_msg_find(m, NULL, DIA_AVP_ORIGIN_HOST, 0, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(dia_avp_identity(a, host, sizeof(host), NULL), 0);
	ck_assert_str_eq(host, BSF_HOST);
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL, DIA_AVP_ORIGIN_REALM, 0,
	    NULL));
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL, DIA_AVP_HOST_IP_ADDRESS, 0,
	    NULL));
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL, DIA_AVP_VENDOR_ID, 0,
	    NULL));
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL, DIA_AVP_PRODUCT_NAME, 0,
	    NULL));
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL, DIA_AVP_ORIGIN_STATE_ID, 0,
	    NULL));
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL,
	    DIA_AVP_SUPPORTED_VENDOR_ID, 0, NULL));
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL,
	    DIA_AVP_VENDOR_SPECIFIC_APP_ID, 0, NULL));
	raw_send_cea(rs.peer, m, "silent.test");
	dia_msg_free(m);
	hw.c = c;
	hw.host = "silent.test";
	ck_assert(test_run_until(base, client_open_to, &hw, WAIT_MS));

	/* after Tw of silence the client sends DWR ... */
	m = raw_wait(rs.peer);
	ck_assert_uint_eq(m->cmd, DIA_CMD_DW);
	ck_assert_uint_ne(m->flags & DIA_FLAG_R, 0);
	dia_msg_free(m);
	/* ... and with no DWA within Tw declares the peer down */
	ck_assert(test_run_until(base, client_not_open, c, WAIT_MS));
	ck_assert(log_has("DIA-WATCHDOG-TIMEOUT peer=silent.test"));
	ck_assert(log_has("DIA-PEER-DOWN peer=silent.test"));
	ck_assert(log_has("reason=\"watchdog timeout\""));
	ck_assert_int_eq(send_request(c, "x", 0, &rep), -1);

	/* a fresh server on the same port: the client reconnects to it */
	raw_srv_stop(&rs);
	s = server_start(&app, HSS_HOST, rs.port, NULL);
	hw.host = HSS_HOST;
	ck_assert(test_run_until(base, client_open_to, &hw, WAIT_MS));
	ck_assert_int_eq(send_request(c, "back", 0, &rep), 0);
	ck_assert(test_run_until(base, reply_called, &rep, WAIT_MS));
	ck_assert_int_eq(rep.answered, 1);
	ck_assert_str_eq(rep.user, "back");
	dia_client_free(c);
	dia_server_free(s);
}
END_TEST

/* Watchdog exchange that works: a quiet but live peer stays up. */
START_TEST(watchdog_keeps_alive)
{
	struct app app = { .mode = APP_SYNC };
	struct both b;

	b.s = server_start(&app, HSS_HOST, 0, NULL);
	b.c = client_start(BSF_HOST, dia_server_port(b.s), 100);
	ck_assert(test_run_until(base, both_open, &b, WAIT_MS));
	run_for(700);		/* several Tw: DWR/DWA keep it open */
	ck_assert(dia_client_is_open(b.c));
	ck_assert_uint_eq(dia_server_npeers(b.s), 1);
	ck_assert(!log_has("DIA-WATCHDOG-TIMEOUT"));
	ck_assert(log_has("DWR"));
	dia_client_free(b.c);
	dia_server_free(b.s);
}
END_TEST

static int
server_empty(void *arg)
{
	return dia_server_npeers(arg) == 0;
}

START_TEST(dpr_on_client_free)
{
	struct app app = { .mode = APP_SILENT };
	struct reply rep = { 0 };
	struct wait_n w = { &app, 1 };
	struct both b;

	b.s = server_start(&app, HSS_HOST, 0, NULL);
	b.c = client_start(BSF_HOST, dia_server_port(b.s), 0);
	ck_assert(test_run_until(base, both_open, &b, WAIT_MS));
	ck_assert_int_eq(send_request(b.c, "pending", 0, &rep), 0);
	ck_assert(test_run_until(base, app_has, &w, WAIT_MS));
	dia_client_free(b.c);
	/* the request in flight was failed at once, exactly once */
	ck_assert_int_eq(rep.calls, 1);
	ck_assert_str_eq(rep.error, "shutting down");
	/* the server got DPR and closed */
	ck_assert(test_run_until(base, server_empty, b.s, WAIT_MS));
	ck_assert(log_has("DPR received (cause REBOOTING)"));
	ck_assert(dia_server_conn(b.s, app.ids[0]) == NULL);
	ck_assert_int_eq(app_answer_saved(&app, 0), -1);
	dia_server_free(b.s);
	app_clear(&app);
}
END_TEST

START_TEST(dpr_on_server_free)
{
	struct app app = { .mode = APP_SILENT };
	struct reply rep = { 0 };
	struct wait_n w = { &app, 1 };
	struct both b;

	b.s = server_start(&app, HSS_HOST, 0, NULL);
	b.c = client_start(BSF_HOST, dia_server_port(b.s), 0);
	ck_assert(test_run_until(base, both_open, &b, WAIT_MS));
	ck_assert_int_eq(send_request(b.c, "pending", 0, &rep), 0);
	ck_assert(test_run_until(base, app_has, &w, WAIT_MS));
	dia_server_free(b.s);
	ck_assert(test_run_until(base, reply_called, &rep, WAIT_MS));
	ck_assert_int_eq(rep.answered, 0);
	ck_assert_ptr_nonnull(strstr(rep.error, "connection lost"));
	ck_assert(!dia_client_is_open(b.c));
	ck_assert(log_has("DPR received (cause REBOOTING)"));
	dia_client_free(b.c);
	ck_assert_int_eq(rep.calls, 1);
	app_clear(&app);
}
END_TEST

/* ---- graceful shutdown ---------------------------------------------------- */

static long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What a `done` callback saw. */
struct done_ctx {
	int			 calls;
	long			 at_ms;
	int			 replies_before;	/* rep->calls then */
	struct reply		*rep;
	struct dia_server	*free_srv;	/* freed inside done */
	struct dia_client	*free_cli;
};

static void
done_cb(void *arg)
{
	struct done_ctx *d = arg;

	d->calls++;
	d->at_ms = mono_ms();
	if (d->rep != NULL)
		d->replies_before = d->rep->calls;
	if (d->free_srv != NULL) {
		dia_server_free(d->free_srv);
		d->free_srv = NULL;
	}
	if (d->free_cli != NULL) {
		dia_client_free(d->free_cli);
		d->free_cli = NULL;
	}
}

static int
done_called(void *arg)
{
	return ((struct done_ctx *)arg)->calls > 0;
}

/* The client's shutdown: DPR, the server's DPA, the close; then `done`,
 * after the pending request's "shutting down". */
START_TEST(client_shutdown_waits_for_dpa)
{
	struct app app = { .mode = APP_SILENT };
	struct reply rep = { 0 }, late = { 0 };
	struct wait_n w = { &app, 1 };
	struct done_ctx d = { 0 };
	struct both b;
	long t0;

	b.s = server_start(&app, HSS_HOST, 0, NULL);
	b.c = client_start(BSF_HOST, dia_server_port(b.s), 0);
	ck_assert(test_run_until(base, both_open, &b, WAIT_MS));
	ck_assert_int_eq(send_request(b.c, "pending", 0, &rep), 0);
	ck_assert(test_run_until(base, app_has, &w, WAIT_MS));
	d.rep = &rep;
	t0 = mono_ms();
	dia_client_shutdown(b.c, 5000, done_cb, &d);
	/* nothing re-entrant: the callbacks come from the loop */
	ck_assert_int_eq(rep.calls, 0);
	ck_assert_int_eq(d.calls, 0);
	ck_assert_int_eq(dia_client_is_open(b.c), 0);
	ck_assert_int_eq(send_request(b.c, "late", 0, &late), -1);
	dia_client_shutdown(b.c, 0, done_cb, &d);	/* ignored */
	ck_assert(test_run_until(base, done_called, &d, WAIT_MS));
	/* the DPA ended it, long before the 5 s timeout */
	ck_assert_int_lt(d.at_ms - t0, 2000);
	ck_assert_int_eq(rep.calls, 1);
	ck_assert_int_eq(d.replies_before, 1);	/* before done */
	ck_assert_str_eq(rep.error, "shutting down");
	ck_assert_int_eq(late.calls, 0);
	ck_assert(log_has("DPR received (cause REBOOTING)"));
	ck_assert(log_has("DIA-PEER-DOWN peer=" HSS_HOST " addr=127.0.0.1:"));
	ck_assert(log_has("role=client reason=\"DPA received\""));
	ck_assert(log_has("closed: closed after the last message"));
	ck_assert(!log_has("no DPA within"));
	ck_assert(test_run_until(base, server_empty, b.s, WAIT_MS));
	run_for(50);
	ck_assert_int_eq(d.calls, 1);
	ck_assert_int_eq(rep.calls, 1);
	dia_client_free(b.c);
	dia_server_free(b.s);
	app_clear(&app);
}
END_TEST

/* A peer that never answers the DPR: `done` after the timeout, and the
 * connection is closed then. */
START_TEST(client_shutdown_times_out)
{
	struct raw_srv rs;
	struct dia_client *c;
	struct dia_msg *m;
	struct done_ctx d = { 0 };
	struct host_wait hw;
	const struct dia_avp *a;
	uint32_t cause = 99;
	long t0;

	raw_srv_start(&rs);
	c = client_start(BSF_HOST, rs.port, 0);
	ck_assert(test_run_until(base, raw_srv_has_peer, &rs, WAIT_MS));
	m = raw_wait(rs.peer);
	ck_assert_uint_eq(m->cmd, DIA_CMD_CE);
	raw_send_cea(rs.peer, m, "silent.test");
	dia_msg_free(m);
	hw.c = c;
	hw.host = "silent.test";
	ck_assert(test_run_until(base, client_open_to, &hw, WAIT_MS));
	t0 = mono_ms();
	d.free_cli = c;		/* and free the client from inside done */
	dia_client_shutdown(c, 300, done_cb, &d);
	m = raw_wait(rs.peer);
	ck_assert_uint_eq(m->cmd, DIA_CMD_DP);
	ck_assert_uint_ne(m->flags & DIA_FLAG_R, 0);
	a = dia_msg_find(m, NULL, DIA_AVP_DISCONNECT_CAUSE, 0, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(dia_avp_u32(a, &cause, NULL), 0);
	ck_assert_uint_eq(cause, DIA_DISCONNECT_REBOOTING);
	dia_msg_free(m);
	/* no DPA: still open on our side until the timeout */
	ck_assert(!test_run_until(base, raw_eof, rs.peer, 150));
	ck_assert_int_eq(d.calls, 0);
	ck_assert(test_run_until(base, done_called, &d, WAIT_MS));
	/* (libevent's clock and ours round differently: a few ms) */
	ck_assert_int_ge(d.at_ms - t0, 300 - 10);
	ck_assert_int_lt(d.at_ms - t0, 300 + 1000);
	ck_assert_ptr_null(d.free_cli);		/* freed in done */
	ck_assert(log_has("reason=\"shutting down: no DPA within 300 ms\""));
	ck_assert(test_run_until(base, raw_eof, rs.peer, WAIT_MS));
	raw_srv_stop(&rs);
}
END_TEST

/* Raw DPA for the DPR in `dpr`. */
static void
raw_send_dpa(struct raw *r, const struct dia_msg *dpr, const char *host)
{
	struct dia_build d;
	struct buf b;

	buf_init(&b, DIA_MSG_MAX_DEFAULT);
	dia_build_answer(&d, &b, dpr, 0);
	dia_put_result(&d, DIA_SUCCESS);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, host);
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, REALM);
	ck_assert_int_eq(dia_build_end(&d), 0);
	raw_send(r, b.data, b.len);
	buf_clear(&b);
}

static int
port_refuses(uint16_t port)
{
	struct sockaddr_in sin;
	int fd, rc;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
	return rc == -1 && errno == ECONNREFUSED;
}

/*
 * The server's shutdown towards a raw peer: an answer queued just before
 * still goes out, before the DPR; while the DPR is out, DWR is answered and
 * a new request gets 3004; the peer's DPA ends the connection cleanly
 * (half-close, the peer closes), then `done`.
 */
START_TEST(server_shutdown_clean_close)
{
	struct app app = { .mode = APP_ASYNC };
	struct wait_n w = { &app, 1 };
	struct done_ctx d = { 0 };
	struct dia_server *s;
	struct dia_msg *m, *dpr;
	struct dia_build db;
	struct raw *r;
	struct buf req;
	uint16_t port;

	s = server_start(&app, HSS_HOST, 0, NULL);
	port = dia_server_port(s);
	r = raw_open(port, BSF_HOST, ADV_ZH_VSAI);
	raw_build_request(&req, DIA_APP_ZH, BSF_HOST, "kept", 0x301, NULL);
	raw_send(r, req.data, req.len);
	buf_clear(&req);
	ck_assert(test_run_until(base, app_has, &w, WAIT_MS));
	/* the answer is queued (written by the loop), then the shutdown */
	ck_assert_int_eq(app_answer_saved(&app, 0), 0);
	dia_server_shutdown(s, 5000, done_cb, &d);
	ck_assert_int_eq(d.calls, 0);
	ck_assert_uint_eq(dia_server_npeers(s), 0);
	ck_assert_ptr_null(dia_server_conn(s, app.ids[0]));
	ck_assert(port_refuses(port));
	m = raw_wait(r);
	ck_assert_uint_eq(m->cmd, DIA_CMD_MA);		/* the answer first */
	ck_assert_uint_eq(m->flags & DIA_FLAG_R, 0);
	ck_assert_uint_eq(m->hbh, 0x301);
	ck_assert_uint_eq(result_of(m), DIA_SUCCESS);
	dia_msg_free(m);
	dpr = raw_wait(r);				/* then the DPR */
	ck_assert_uint_eq(dpr->cmd, DIA_CMD_DP);
	ck_assert_uint_ne(dpr->flags & DIA_FLAG_R, 0);

	/* a request now: 3004 with the E bit, the application never sees it */
	raw_build_request(&req, DIA_APP_ZH, BSF_HOST, "too-late", 0x302, NULL);
	raw_send(r, req.data, req.len);
	buf_clear(&req);
	m = raw_wait(r);
	ck_assert_uint_eq(m->hbh, 0x302);
	ck_assert_uint_eq(result_of(m), DIA_TOO_BUSY);
	ck_assert_uint_ne(m->flags & DIA_FLAG_E, 0);
	dia_msg_free(m);
	ck_assert_int_eq(app.nreq, 1);
	/* DWR: still answered */
	buf_init(&req, DIA_MSG_MAX_DEFAULT);
	dia_build_begin(&db, &req, DIA_FLAG_R, DIA_CMD_DW, 0, 0x303, 0x303);
	dia_put_str(&db, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, BSF_HOST);
	dia_put_str(&db, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, REALM);
	ck_assert_int_eq(dia_build_end(&db), 0);
	raw_send(r, req.data, req.len);
	buf_clear(&req);
	m = raw_wait(r);
	ck_assert_uint_eq(m->cmd, DIA_CMD_DW);
	ck_assert_uint_eq(m->hbh, 0x303);
	ck_assert_uint_eq(result_of(m), DIA_SUCCESS);
	dia_msg_free(m);
	ck_assert_int_eq(d.calls, 0);

	/* DPA: the server half-closes (we read EOF, nothing else) ... */
	raw_send_dpa(r, dpr, BSF_HOST);
	dia_msg_free(dpr);
	ck_assert(test_run_until(base, raw_eof, r, WAIT_MS));
	ck_assert_uint_eq(r->len, 0);
	ck_assert(log_has("DIA-PEER-DOWN peer=" BSF_HOST));
	ck_assert(log_has("role=server reason=\"DPA received\""));
	ck_assert_int_eq(d.calls, 0);	/* the peer has not closed yet */
	/* ... and once we close too, it is done */
	raw_free(r);
	d.free_srv = s;
	ck_assert(test_run_until(base, done_called, &d, WAIT_MS));
	ck_assert_ptr_null(d.free_srv);
	ck_assert(log_has("closed: closed after the last message"));
	ck_assert(!log_has("no DPA within"));
	app_clear(&app);
}
END_TEST

/* Both ends shut down at once: the DPRs cross, each answers the other's
 * and both finish long before the timeout. */
START_TEST(shutdown_both_sides)
{
	struct app app = { .mode = APP_SYNC };
	struct done_ctx ds = { 0 }, dc = { 0 };
	struct both b;
	long t0;

	b.s = server_start(&app, HSS_HOST, 0, NULL);
	b.c = client_start(BSF_HOST, dia_server_port(b.s), 0);
	ck_assert(test_run_until(base, both_open, &b, WAIT_MS));
	t0 = mono_ms();
	dia_server_shutdown(b.s, 5000, done_cb, &ds);
	dia_client_shutdown(b.c, 5000, done_cb, &dc);
	ck_assert(test_run_until(base, done_called, &ds, WAIT_MS));
	ck_assert(test_run_until(base, done_called, &dc, WAIT_MS));
	ck_assert_int_lt(ds.at_ms - t0, 2000);
	ck_assert_int_lt(dc.at_ms - t0, 2000);
	ck_assert(!log_has("no DPA within"));
	dia_client_free(b.c);
	dia_server_free(b.s);
}
END_TEST

/* Nothing open: `done` still comes from the loop, not from the call; and
 * a free during the shutdown ends it without `done`. */
START_TEST(shutdown_edges)
{
	struct app app = { .mode = APP_SILENT };
	struct done_ctx d1 = { 0 }, d2 = { 0 }, d3 = { 0 };
	struct reply rep = { 0 };
	struct wait_n w = { &app, 1 };
	struct dia_server *s;
	struct dia_client *c;
	struct both b;
	uint16_t port;

	/* a server without peers; a client that cannot connect */
	s = server_start(&app, HSS_HOST, 0, NULL);
	port = dia_server_port(s);
	dia_server_free(s);
	c = client_start(BSF_HOST, port, 0);
	s = server_start(&app, HSS_HOST, 0, NULL);
	dia_server_shutdown(s, 0, done_cb, &d1);
	dia_client_shutdown(c, 0, done_cb, &d2);
	ck_assert_int_eq(d1.calls + d2.calls, 0);
	ck_assert(test_run_until(base, done_called, &d1, WAIT_MS));
	ck_assert(test_run_until(base, done_called, &d2, WAIT_MS));
	dia_server_free(s);
	dia_client_free(c);
	dia_server_shutdown(NULL, 0, done_cb, &d1);
	dia_client_shutdown(NULL, 0, done_cb, &d1);
	ck_assert_int_eq(d1.calls, 1);

	/* freed while waiting for the DPA: the request's callback once,
	 * `done` never */
	b.s = server_start(&app, HSS_HOST, 0, NULL);
	b.c = client_start(BSF_HOST, dia_server_port(b.s), 0);
	ck_assert(test_run_until(base, both_open, &b, WAIT_MS));
	ck_assert_int_eq(send_request(b.c, "pending", 0, &rep), 0);
	ck_assert(test_run_until(base, app_has, &w, WAIT_MS));
	dia_client_shutdown(b.c, 0, done_cb, &d3);
	dia_client_free(b.c);
	ck_assert_int_eq(rep.calls, 1);
	ck_assert_str_eq(rep.error, "shutting down");
	dia_server_shutdown(b.s, 0, done_cb, &d3);
	dia_server_free(b.s);
	run_for(50);
	ck_assert_int_eq(d3.calls, 0);
	ck_assert_int_eq(rep.calls, 1);
	app_clear(&app);
}
END_TEST

START_TEST(garbage_closes_one_connection)
{
	static const uint8_t garbage[20] = { 2, 0, 0, 20 };	/* version 2 */
	struct app app = { .mode = APP_SYNC };
	struct reply rep = { 0 };
	struct both b;
	struct raw *r;

	b.s = server_start(&app, HSS_HOST, 0, NULL);
	b.c = client_start(BSF_HOST, dia_server_port(b.s), 0);
	ck_assert(test_run_until(base, both_open, &b, WAIT_MS));
	r = raw_open(dia_server_port(b.s), "raw.test", ADV_ZH_VSAI);
	ck_assert_uint_eq(dia_server_npeers(b.s), 2);
	raw_send(r, garbage, sizeof(garbage));
	ck_assert(test_run_until(base, raw_eof, r, WAIT_MS));
	ck_assert_uint_eq(r->len, 0);		/* closed without an answer */
	ck_assert(log_has("reason=\"framing lost\""));
	ck_assert_uint_eq(dia_server_npeers(b.s), 1);
	/* the other peer is untouched */
	ck_assert(dia_client_is_open(b.c));
	ck_assert_int_eq(send_request(b.c, "still", 0, &rep), 0);
	ck_assert(test_run_until(base, reply_called, &rep, WAIT_MS));
	ck_assert_int_eq(rep.answered, 1);
	ck_assert_str_eq(rep.user, "still");
	raw_free(r);
	dia_client_free(b.c);
	dia_server_free(b.s);
}
END_TEST

START_TEST(oversized_message_closes)
{
	struct app app = { .mode = APP_SYNC };
	struct dia_server *s;
	struct raw *r;
	uint8_t hdr[20] = { 1, 0x02, 0x00, 0x00, 0x80 };	/* 128 KiB */

	s = server_start(&app, HSS_HOST, 0, app_any_cb);
	r = raw_open(dia_server_port(s), "raw.test", ADV_ZH_VSAI);
	raw_send(r, hdr, sizeof(hdr));
	ck_assert(test_run_until(base, raw_eof, r, WAIT_MS));
	ck_assert_uint_eq(dia_server_npeers(s), 0);
	raw_free(r);
	dia_server_free(s);
}
END_TEST

static int
server_has_peer(void *arg)
{
	return dia_server_npeers(arg) > 0;
}

/* A peer that sends requests but never reads its answers fills the
 * server's capped output buffer and is closed; others are not affected. */
START_TEST(output_cap_closes_non_reader)
{
	struct app app = { .mode = APP_SYNC };
	struct dia_server *s;
	struct dia_local l;
	struct raw *r;
	struct buf req, batch;
	struct reply rep = { 0 };
	struct dia_client *c;
	size_t sent = 0, off;
	ssize_t n;
	int i, rcvbuf = 4096;

	log_set_verbose(1);	/* no dump of every flooding request */
	local_init(&l, HSS_HOST, hss_allow);
	l.msg_max = 4096;
	l.out_max = 4096;
	s = server_start_local(&app, &l, 0, app_any_cb);
	c = client_start(BSF_HOST, dia_server_port(s), 0);
	ck_assert(test_run_until(base, server_has_peer, s, WAIT_MS));
	r = raw_open(dia_server_port(s), "raw.test", ADV_ZH_VSAI);
	ck_assert_int_eq(setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf)), 0);
	event_del(r->ev);			/* never read again */
	raw_build_request(&req, DIA_APP_ZH, "raw.test", "flood", 0x9, NULL);
	buf_init(&batch, 64 * req.len);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(buf_append(&batch, req.data, req.len), 0);
	/* the kernel buffers fill first, then the 4096-octet output cap */
	while (dia_server_npeers(s) == 2 && sent < 64 * 1024 * 1024) {
		for (off = 0; off < batch.len; off += (size_t)n) {
			n = send(r->fd, batch.data + off, batch.len - off,
			    MSG_NOSIGNAL);
			if (n == -1 && errno == EAGAIN) {
				n = 0;
				event_base_loop(base, EVLOOP_NONBLOCK);
				if (dia_server_npeers(s) < 2)
					break;
				continue;
			}
			if (n == -1)	/* reset by the server */
				break;
		}
		sent += batch.len;
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	ck_assert_uint_eq(dia_server_npeers(s), 1);
	ck_assert(log_has("reason=\"output buffer full: peer not reading\""));
	ck_assert_int_gt(app.nreq, 0);
	ck_assert_int_eq(app.send_failed, 1);	/* then nothing more read */
	/* the well-behaved client still gets answers */
	ck_assert(dia_client_is_open(c));
	ck_assert_int_eq(send_request(c, "polite", 0, &rep), 0);
	ck_assert(test_run_until(base, reply_called, &rep, WAIT_MS));
	ck_assert_int_eq(rep.answered, 1);
	buf_clear(&req);
	buf_clear(&batch);
	raw_free(r);
	dia_client_free(c);
	dia_server_free(s);
}
END_TEST

START_TEST(avp_errors_answered)
{
	struct app app = { .mode = APP_SYNC };
	struct dia_server *s;
	struct dia_msg *m;
	struct raw *r;
	struct buf req;
	struct dia_build d;
	size_t off;

	s = server_start(&app, HSS_HOST, 0, app_any_cb);
	r = raw_open(dia_server_port(s), "raw.test", ADV_ZH_VSAI);

	/* an AVP whose length overruns the message: 5014 with Failed-AVP */
	raw_build_request(&req, DIA_APP_ZH, "raw.test", "bob", 0x101, &off);
	req.data[off + 7] = 0xff;
	raw_send(r, req.data, req.len);
	buf_clear(&req);
	m = raw_wait(r);
	ck_assert_uint_eq(m->cmd, DIA_CMD_MA);
	ck_assert_uint_eq(m->flags & DIA_FLAG_R, 0);
	ck_assert_uint_eq(m->hbh, 0x101);
	ck_assert_uint_eq(result_of(m), DIA_INVALID_AVP_LENGTH);
	ck_assert_uint_eq(m->flags & DIA_FLAG_E, 0);	/* 5xxx: no E bit */
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL, DIA_AVP_FAILED_AVP, 0,
	    NULL));
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL, DIA_AVP_ORIGIN_HOST, 0,
	    NULL));
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL, DIA_AVP_SESSION_ID, 0,
	    NULL));
	dia_msg_free(m);

	/* an unknown AVP with the M bit: 5001 */
	buf_init(&req, DIA_MSG_MAX_DEFAULT);
	dia_build_begin(&d, &req, DIA_FLAG_R, DIA_CMD_MA, DIA_APP_ZH, 0x102,
	    0x102);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, "raw.test;1;3");
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "raw.test");
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, REALM);
	dia_put(&d, 64999, DIA_AVP_M, 0, "x", 1);
	ck_assert_int_eq(dia_build_end(&d), 0);
	raw_send(r, req.data, req.len);
	buf_clear(&req);
	m = raw_wait(r);
	ck_assert_uint_eq(m->hbh, 0x102);
	ck_assert_uint_eq(result_of(m), DIA_AVP_UNSUPPORTED);
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL, DIA_AVP_FAILED_AVP, 0,
	    NULL));
	dia_msg_free(m);

	/* another application: 3007 with the E bit */
	raw_build_request(&req, DIA_APP_ZN, "raw.test", "bob", 0x103, NULL);
	raw_send(r, req.data, req.len);
	buf_clear(&req);
	m = raw_wait(r);
	ck_assert_uint_eq(m->hbh, 0x103);
	ck_assert_uint_eq(result_of(m), DIA_APPLICATION_UNSUPPORTED);
	ck_assert_uint_ne(m->flags & DIA_FLAG_E, 0);
	dia_msg_free(m);

	/* the connection stayed: a good request is served */
	ck_assert_int_eq(app.nreq, 0);
	raw_build_request(&req, DIA_APP_ZH, "raw.test", "carol", 0x104, NULL);
	raw_send(r, req.data, req.len);
	buf_clear(&req);
	m = raw_wait(r);
	ck_assert_uint_eq(m->hbh, 0x104);
	ck_assert_uint_eq(result_of(m), DIA_SUCCESS);
	dia_msg_free(m);
	ck_assert_int_eq(app.nreq, 1);
	ck_assert_uint_eq(dia_server_npeers(s), 1);
	ck_assert(!r->eof);
	raw_free(r);
	dia_server_free(s);
}
END_TEST

START_TEST(message_before_cer)
{
	struct app app = { .mode = APP_SYNC };
	struct dia_server *s;
	struct raw *r;
	struct buf req;

	s = server_start(&app, HSS_HOST, 0, app_any_cb);
	r = raw_connect(dia_server_port(s));
	raw_build_request(&req, DIA_APP_ZH, BSF_HOST, "early", 9, NULL);
	raw_send(r, req.data, req.len);
	buf_clear(&req);
	ck_assert(test_run_until(base, raw_eof, r, WAIT_MS));
	ck_assert_uint_eq(r->len, 0);		/* no answer at all */
	ck_assert_int_eq(app.nreq, 0);
	ck_assert(log_has("message before CER"));
	raw_free(r);
	dia_server_free(s);
}
END_TEST

/* The application may free the client from inside an answer callback,
 * with more answers still buffered. */
struct free_ctx {
	struct dia_client	*c;
	int			 calls;
	int			 freed;
};

static void
free_cb(void *arg, const struct dia_msg *answer_msg, const char *error)
{
	struct free_ctx *f = arg;

	(void)error;
	f->calls++;
	if (answer_msg != NULL && !f->freed) {
		f->freed = 1;
		dia_client_free(f->c);
	}
}

static int
freed(void *arg)
{
	return ((struct free_ctx *)arg)->freed;
}

START_TEST(free_inside_callback)
{
	struct app app = { .mode = APP_ASYNC };
	struct wait_n w = { &app, 3 };
	struct free_ctx f = { 0 };
	struct both b;
	struct buf req;
	int i;

	b.s = server_start(&app, HSS_HOST, 0, NULL);
	b.c = client_start(BSF_HOST, dia_server_port(b.s), 0);
	f.c = b.c;
	ck_assert(test_run_until(base, both_open, &b, WAIT_MS));
	for (i = 0; i < 3; i++) {
		build_request(&req, DIA_APP_ZH, "u");
		ck_assert_int_eq(dia_client_request(b.c, &req, 0, free_cb, &f),
		    0);
		buf_clear(&req);
	}
	ck_assert(test_run_until(base, app_has, &w, WAIT_MS));
	for (i = 0; i < 3; i++)		/* three answers in one read */
		ck_assert_int_eq(app_answer_saved(&app, i), 0);
	ck_assert(test_run_until(base, freed, &f, WAIT_MS));
	/* one answer, and "shutting down" for the two others */
	ck_assert_int_eq(f.calls, 3);
	run_for(50);
	ck_assert_int_eq(f.calls, 3);
	dia_server_free(b.s);
	app_clear(&app);
}
END_TEST

START_TEST(bad_config)
{
	struct dia_local l;
	char err[256];

	local_init(&l, "", hss_allow);
	ck_assert_ptr_null(dia_server_new(base, &l, "127.0.0.1", 0, app_cb,
	    NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "Origin-Host"));
	local_init(&l, HSS_HOST, hss_allow);
	ck_assert_ptr_null(dia_server_new(base, &l, "localhost", 0, app_cb,
	    NULL, err, sizeof(err)));	/* names are not resolved */
	ck_assert_ptr_nonnull(strstr(err, "numeric"));
	ck_assert_ptr_null(dia_client_new(base, &l, "127.0.0.1", 0, 0, err,
	    sizeof(err)));
	dia_server_free(NULL);
	dia_client_free(NULL);
}
END_TEST

Suite *
suite_dia_peer(void)
{
	Suite *s = suite_create("dia_peer");
	TCase *tc = tcase_create("peer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, cer_cea_success);
	tcase_add_test(tc, unknown_peer_refused);
	tcase_add_test(tc, relay_accepted);
	tcase_add_test(tc, no_common_application);
	tcase_add_test(tc, request_answer_async);
	tcase_add_test(tc, request_timeout_late_answer);
	tcase_add_test(tc, watchdog_reconnect);
	tcase_add_test(tc, watchdog_keeps_alive);
	tcase_add_test(tc, dpr_on_client_free);
	tcase_add_test(tc, dpr_on_server_free);
	tcase_add_test(tc, client_shutdown_waits_for_dpa);
	tcase_add_test(tc, client_shutdown_times_out);
	tcase_add_test(tc, server_shutdown_clean_close);
	tcase_add_test(tc, shutdown_both_sides);
	tcase_add_test(tc, shutdown_edges);
	tcase_add_test(tc, garbage_closes_one_connection);
	tcase_add_test(tc, oversized_message_closes);
	tcase_add_test(tc, output_cap_closes_non_reader);
	tcase_add_test(tc, avp_errors_answered);
	tcase_add_test(tc, message_before_cer);
	tcase_add_test(tc, free_inside_callback);
	tcase_add_test(tc, bad_config);
	suite_add_tcase(s, tc);
	return s;
}
