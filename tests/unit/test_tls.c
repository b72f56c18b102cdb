/*
 * test_tls.c — the TLS-PSK server with asynchronous key lookup and the
 * blocking client (common/tls.h) on real loopback sockets: TLS 1.3 external
 * PSK with the key given several loop turns later, TLS 1.2 with each suite
 * of the decision table (the Ua id carries the suite), identities with and
 * without the "3GPP-bootstrapping." prefix, SNI, lookup failure
 * (unknown_psk_identity), wrong key, a lookup that never answers while
 * another client completes, the handshake timeout, non-TLS input, a client
 * gone during its lookup; openssl s_client and gnutls-cli against the
 * server (skipped when missing).
 *
 * With an X.509 certificate (made by scripts/gen-certs into a temporary
 * folder, so the script is exercised too): certificate handshakes with
 * tls_client_cert_connect() on TLS 1.2 and 1.3 and what the server's
 * accessors say, a name mismatch and an unknown CA refused, PSK clients
 * still getting PSK (and the lookup) — also a client that offers the
 * certificate suites first and holds a PSK; gnutls-cli and openssl
 * against it.
 *
 * The server runs on the test's event loop (EVLOOP_ONCE until a condition
 * or a deadline, no sleeps); the blocking client runs in a thread, the
 * command-line tools as child processes whose output a pipe delivers.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "buf.h"
#include "hex.h"
#include "log.h"
#include "suites.h"
#include "tls.h"

#define WAIT_MS		8000	/* generous: valgrind runs this too */
#define MAX_HELD	8
#define MAX_PLAIN	8
#define ALERT_UNKNOWN_PSK_IDENTITY 115	/* RFC 4279 §2 */

static struct event_base *base;
static FILE *logfile;
static struct tls_server *srv;
static struct evconnlistener *lev;
static uint16_t port;
static int wake[2];		/* client threads write, the loop reads */
static struct event *wake_ev;

static const uint8_t key32[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f
};
#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* ---- the loop ----------------------------------------------------------- */

/* ---- the application ------------------------------------------------------- */

enum mode { ANSWER, NEVER, FAIL, WRONG_KEY };

struct app {
	enum mode	 mode;
	int		 defer_turns;	/* answer after this many loop turns */
	int		 lookups;
	char		 identity[TLS_IDENTITY_MAX + 1];
	char		 sni[TLS_SNI_MAX + 1];	/* "" for none */
	uint8_t		 ua_id[TLS_UA_ID_LEN];
	struct tls_conn	*held[MAX_HELD];	/* NEVER: referenced */
	int		 nheld;
	int		 ready;
	char		 alpn[32];
	char		 ready_identity[TLS_IDENTITY_MAX + 1];
	int		 fails;
	char		 fail_reason[256];
	struct bufferevent *plain[MAX_PLAIN];
	int		 close_after_echo;
};

static struct app app;

/* What the server said about the handed-over connection. */
struct conn_seen {
	struct tls_conn	*c;		/* referenced; its accessors are read
					 * again after the client left */
	int		 version;
	uint16_t	 suite;
	int		 is_psk;
	char		 sni[TLS_SNI_MAX + 1];	/* "" for none */
};

static struct conn_seen seen;

/* Certificates from scripts/gen-certs: made once per tcase, in the runner
 * process (unchecked fixture). */
static char cert_dir[200], other_dir[200];
static int use_cert;		/* server_start() loads cert_dir */
static const char *srv_priority; /* NULL: the default */

struct deferred {
	struct tls_conn	*c;
	int		 turns;
	struct event	*ev;
};

static void
answer(struct tls_conn *c)
{
	static const uint8_t wrong[32] = { 0xee };

	if (app.mode == FAIL)
		(void)tls_conn_psk_fail(c, "test says no");
	else
		(void)tls_conn_psk_ready(c, app.mode == WRONG_KEY ? wrong :
		    key32, 32);
}

static void
deferred_cb(evutil_socket_t fd, short what, void *arg)
{
	struct deferred *d = arg;
	struct timeval zero = { 0, 0 };

	(void)fd;
	(void)what;
	if (--d->turns > 0) {
		evtimer_add(d->ev, &zero);
		return;
	}
	answer(d->c);
	tls_conn_unref(d->c);
	event_free(d->ev);
	free(d);
}

static void
lookup_cb(struct tls_conn *c, const char *identity, const char *sni,
    const uint8_t ua_id[TLS_UA_ID_LEN], void *arg)
{
	struct deferred *d;
	struct timeval zero = { 0, 0 };

	(void)arg;
	app.lookups++;
	snprintf(app.identity, sizeof(app.identity), "%s", identity);
	snprintf(app.sni, sizeof(app.sni), "%s", sni ? sni : "");
	memcpy(app.ua_id, ua_id, TLS_UA_ID_LEN);
	if (app.mode == NEVER) {
		ck_assert_int_lt(app.nheld, MAX_HELD);
		tls_conn_ref(c);
		app.held[app.nheld++] = c;
		return;
	}
	if (app.defer_turns == 0) {
		answer(c);
		return;
	}
	d = calloc(1, sizeof(*d));
	ck_assert_ptr_nonnull(d);
	d->c = c;
	d->turns = app.defer_turns;
	tls_conn_ref(c);
	d->ev = evtimer_new(base, deferred_cb, d);
	evtimer_add(d->ev, &zero);
}

static void
plain_forget(struct bufferevent *bev)
{
	int i;

	for (i = 0; i < MAX_PLAIN; i++)
		if (app.plain[i] == bev)
			app.plain[i] = NULL;
	bufferevent_free(bev);
}

static void	echo_event_cb(struct bufferevent *, short, void *);

static void
echo_write_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	plain_forget(bev);
}

static void
echo_read_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	/* the write callback first: adding output may flush it at once */
	if (app.close_after_echo)
		bufferevent_setcb(bev, NULL, echo_write_cb, echo_event_cb,
		    NULL);
	evbuffer_add_buffer(bufferevent_get_output(bev),
	    bufferevent_get_input(bev));
}

static void
echo_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	(void)arg;
	plain_forget(bev);
}

static void
ready_cb(struct tls_conn *c, struct bufferevent *plain, const char *alpn,
    const char *identity, void *arg)
{
	int i;

	(void)arg;
	app.ready++;
	if (seen.c == NULL) {
		tls_conn_ref(c);
		seen.c = c;
		seen.version = tls_conn_version(c);
		seen.suite = tls_conn_suite(c);
		seen.is_psk = tls_conn_is_psk(c);
		snprintf(seen.sni, sizeof(seen.sni), "%s",
		    tls_conn_sni(c) ? tls_conn_sni(c) : "");
	}
	snprintf(app.alpn, sizeof(app.alpn), "%s", alpn);
	snprintf(app.ready_identity, sizeof(app.ready_identity), "%s",
	    identity);
	for (i = 0; i < MAX_PLAIN && app.plain[i] != NULL; i++)
		;
	ck_assert_int_lt(i, MAX_PLAIN);
	app.plain[i] = plain;
	bufferevent_setcb(plain, echo_read_cb, NULL, echo_event_cb, NULL);
	bufferevent_enable(plain, EV_READ | EV_WRITE);
}

static void
fail_cb(struct tls_conn *c, const char *reason, void *arg)
{
	(void)c;
	(void)arg;
	app.fails++;
	snprintf(app.fail_reason, sizeof(app.fail_reason), "%s", reason);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	ck_assert_ptr_nonnull(tls_accept(srv, fd, "127.0.0.1"));
}

static void
server_start(unsigned timeout_ms)
{
	struct tls_server_cfg cfg = { 0 };
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	char err[256], crt[256], key[256];

	cfg.handshake_timeout_ms = timeout_ms;
	cfg.priority = srv_priority;
	if (use_cert) {
		snprintf(crt, sizeof(crt), "%s/server.pem", cert_dir);
		snprintf(key, sizeof(key), "%s/server-key.pem", cert_dir);
		cfg.cert_file = crt;
		cfg.key_file = key;
	}
	srv = tls_server_new(base, &cfg, lookup_cb, ready_cb, fail_cb, NULL,
	    err, sizeof(err));
	ck_assert_msg(srv != NULL, "%s", err);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lev = evconnlistener_new_bind(base, accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof(sin));
	ck_assert_ptr_nonnull(lev);
	ck_assert_int_eq(getsockname(evconnlistener_get_fd(lev),
	    (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
}

static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	char b[64];

	(void)what;
	(void)arg;
	(void)!read(fd, b, sizeof(b));
}

static void
setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	ck_assert_int_eq(pipe(wake), 0);
	ck_assert_int_eq(fcntl(wake[0], F_SETFL, O_NONBLOCK), 0);
	wake_ev = event_new(base, wake[0], EV_READ | EV_PERSIST, wake_cb,
	    NULL);
	event_add(wake_ev, NULL);
	logfile = tmpfile();
	ck_assert_ptr_nonnull(logfile);
	/* UTSTACK_TEST_LOG=1 shows the debug lines */
	log_set_output(getenv("UTSTACK_TEST_LOG") ? 2 : fileno(logfile));
	log_set_verbose(getenv("UTSTACK_TEST_LOG") ? 2 : 1);
	memset(&app, 0, sizeof(app));
	memset(&seen, 0, sizeof(seen));
	server_start(0);
}

static void
setup_cert(void)
{
	use_cert = 1;
	setup();
}

static int
no_conns(void *arg)
{
	(void)arg;
	return tls_server_conn_count(srv) == 0;
}

static void
teardown(void)
{
	int i;

	for (i = 0; i < app.nheld; i++)
		tls_conn_unref(app.held[i]);
	tls_conn_unref(seen.c);
	for (i = 0; i < MAX_PLAIN; i++)
		if (app.plain[i] != NULL)
			bufferevent_free(app.plain[i]);
	/* handed-over connections write close_notify, then close */
	ck_assert_msg(test_run_until(base, no_conns, NULL, WAIT_MS), "connections left");
	evconnlistener_free(lev);
	tls_server_free(srv);
	event_free(wake_ev);
	close(wake[0]);
	close(wake[1]);
	event_base_free(base);
	log_set_verbose(0);
	log_set_output(-1);
	fclose(logfile);
	use_cert = 0;
	srv_priority = NULL;
}

/* ---- the client, in a thread ---------------------------------------------- */

struct cli {
	char		 identity[128];
	const uint8_t	*key;
	const char	*sni;
	int		 version;
	const char	*priority;
	unsigned	 timeout_ms;
	int		 no_echo;
	int		 cert;		/* tls_client_cert_connect() */
	const char	*ca_file;
	const char	*verify_name;
	/* results */
	pthread_t	 th;
	int		 done;	/* atomic */
	int		 ok;	/* handshake and echo */
	int		 alert;
	uint16_t	 suite;
	int		 tls_version;
	char		 alpn[32];
	char		 err[256];
};

static void *
cli_main(void *arg)
{
	static const char *const alpn[] = { "h2", "http/1.1" };
	struct cli *k = arg;
	struct tls_client_cfg cfg = { 0 };
	struct tls_client *c;
	char got[16];
	ssize_t n;
	size_t have = 0;

	cfg.addr = "127.0.0.1";
	cfg.port = port;
	cfg.sni = k->sni;
	cfg.identity = k->identity;
	cfg.key = k->key ? k->key : key32;
	cfg.keylen = 32;
	cfg.version = k->version;
	cfg.priority = k->priority;
	cfg.alpn = alpn;
	cfg.nalpn = 2;
	cfg.timeout_ms = k->timeout_ms ? k->timeout_ms : WAIT_MS;
	cfg.ca_file = k->ca_file;
	cfg.verify_name = k->verify_name;
	if (k->cert)
		c = tls_client_cert_connect(&cfg, &k->alert, k->err,
		    sizeof(k->err));
	else
		c = tls_client_psk_connect(&cfg, &k->alert, k->err,
		    sizeof(k->err));
	if (c != NULL) {
		k->suite = tls_client_suite(c);
		k->tls_version = tls_client_version(c);
		snprintf(k->alpn, sizeof(k->alpn), "%s", tls_client_alpn(c));
		if (k->no_echo)
			k->ok = 1;
		else if (tls_client_write(c, "hello", 5) == 0) {
			while (have < 5 && (n = tls_client_read(c, got + have,
			    sizeof(got) - have)) > 0)
				have += (size_t)n;
			k->ok = have == 5 && memcmp(got, "hello", 5) == 0;
			if (!k->ok)
				snprintf(k->err, sizeof(k->err),
				    "echo: %zu octets", have);
		}
		tls_client_free(c);
	}
	__atomic_store_n(&k->done, 1, __ATOMIC_SEQ_CST);
	/* the loop may be waiting for nothing else */
	(void)!write(wake[1], "", 1);
	return NULL;
}

static void
cli_start(struct cli *k)
{
	ck_assert_int_eq(pthread_create(&k->th, NULL, cli_main, k), 0);
}

static int
cli_done(void *arg)
{
	return __atomic_load_n(&((struct cli *)arg)->done, __ATOMIC_SEQ_CST);
}

static void
cli_wait(struct cli *k)
{
	ck_assert_msg(test_run_until(base, cli_done, k, 3 * WAIT_MS), "client hangs");
	ck_assert_int_eq(pthread_join(k->th, NULL), 0);
}

static void
cli_init(struct cli *k, const char *identity, int version)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->identity, sizeof(k->identity), "%s", identity);
	k->version = version;
	k->alert = -1;
}

static int
int_at_least(void *arg)
{
	return *(int *)arg >= 1;
}

static int
none_handshaking(void *arg)
{
	(void)arg;
	return tls_server_handshaking(srv) == 0;
}

#define BTID	"MDEyMzQ1Njc4OWFiY2RlZg==@bsf.example.org"
#define PFX_ID	"3GPP-bootstrapping." BTID

/* ---- tests ------------------------------------------------------------------- */

/* TLS 1.3 external PSK; the key arrives after a few loop turns. */
START_TEST(tls13_deferred)
{
	struct cli k;

	app.defer_turns = 4;
	cli_init(&k, PFX_ID, 13);
	k.sni = "naf.example.org";
	cli_start(&k);
	cli_wait(&k);
	ck_assert_msg(k.ok, "client: %s", k.err);
	ck_assert_int_eq(k.tls_version, 13);
	ck_assert_int_eq(app.lookups, 1);
	ck_assert_hex(app.ua_id, TLS_UA_ID_LEN, "0100000007");
	ck_assert_str_eq(app.identity, PFX_ID);
	ck_assert_str_eq(app.sni, "naf.example.org");
	ck_assert_int_eq(app.ready, 1);
	ck_assert_str_eq(app.ready_identity, PFX_ID);
	ck_assert_str_eq(app.alpn, "h2");
	ck_assert_str_eq(k.alpn, "h2");
	ck_assert_int_eq(app.fails, 0);
	ck_assert_uint_eq(tls_server_handshaking(srv), 0);
}
END_TEST

static const struct {
	const char	*name;
	const char	*priority;
	const char	*ua_hex;
} suites12[] = {
	{ "PSK-AES128-GCM-SHA256", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:"
	    "+PSK:-CIPHER-ALL:+AES-128-GCM:-MAC-ALL:+AEAD", "01000100a8" },
	{ "PSK-AES256-GCM-SHA384", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:"
	    "+PSK:-CIPHER-ALL:+AES-256-GCM:-MAC-ALL:+AEAD", "01000100a9" },
	{ "DHE-PSK-AES128-GCM-SHA256", "NORMAL:-VERS-ALL:+VERS-TLS1.2:"
	    "-KX-ALL:+DHE-PSK:-CIPHER-ALL:+AES-128-GCM:-MAC-ALL:+AEAD",
	    "01000100aa" },
	{ "ECDHE-PSK-AES128-CBC-SHA256", "NORMAL:-VERS-ALL:+VERS-TLS1.2:"
	    "-KX-ALL:+ECDHE-PSK:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA256",
	    "010001c037" },
	{ "PSK-AES128-CBC-SHA256", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:"
	    "+PSK:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA256", "01000100ae" },
	{ "PSK-AES128-CBC-SHA", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:"
	    "+PSK:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1", "010001008c" },
};

/* TLS 1.2, each suite: the Ua id the key is asked for names the suite. */
START_TEST(tls12_suite)
{
	struct cli k;
	char want[5];

	app.defer_turns = 2;
	cli_init(&k, BTID, 12);	/* a bare B-TID passes unchanged */
	k.priority = suites12[_i].priority;
	cli_start(&k);
	cli_wait(&k);
	ck_assert_msg(k.ok, "%s: client: %s", suites12[_i].name, k.err);
	ck_assert_int_eq(k.tls_version, 12);
	ck_assert_int_eq(app.lookups, 1);
	ck_assert_hex(app.ua_id, TLS_UA_ID_LEN, suites12[_i].ua_hex);
	test_unhex(suites12[_i].ua_hex, want, sizeof(want));
	ck_assert_uint_eq(k.suite, (uint16_t)((uint8_t)want[3] << 8 |
	    (uint8_t)want[4]));
	ck_assert_str_eq(app.identity, BTID);
	ck_assert_str_eq(app.sni, "");
	ck_assert_int_eq(app.ready, 1);
}
END_TEST

/* TLS 1.2 with the prefixed identity and SNI, key given at once. */
START_TEST(tls12_prefixed_sni)
{
	struct cli k;

	cli_init(&k, PFX_ID, 12);
	k.sni = "naf.example.org";
	cli_start(&k);
	cli_wait(&k);
	ck_assert_msg(k.ok, "client: %s", k.err);
	ck_assert_str_eq(app.identity, PFX_ID);
	ck_assert_str_eq(app.sni, "naf.example.org");
	ck_assert_int_eq(app.ua_id[2], 1);
}
END_TEST

/* No key: the client gets unknown_psk_identity, on 1.3 and on 1.2. */
START_TEST(lookup_fail)
{
	struct cli k;

	app.mode = FAIL;
	app.defer_turns = _i == 0 ? 0 : 2;
	cli_init(&k, PFX_ID, _i == 0 ? 13 : 12);
	cli_start(&k);
	cli_wait(&k);
	ck_assert(!k.ok);
	ck_assert_msg(k.alert == ALERT_UNKNOWN_PSK_IDENTITY,
	    "alert %d: %s", k.alert, k.err);
	ck_assert_msg(test_run_until(base, none_handshaking, NULL, WAIT_MS),
	    "not closed");
	ck_assert_int_eq(app.fails, 1);
	ck_assert_msg(strstr(app.fail_reason, "test says no") != NULL, "%s",
	    app.fail_reason);
}
END_TEST

/* A wrong key fails the handshake; the server serves the next client. */
START_TEST(wrong_key)
{
	struct cli k;

	app.mode = WRONG_KEY;
	cli_init(&k, PFX_ID, _i == 0 ? 13 : 12);
	cli_start(&k);
	cli_wait(&k);
	ck_assert(!k.ok);
	ck_assert_msg(test_run_until(base, none_handshaking, NULL, WAIT_MS),
	    "not closed");
	ck_assert_int_eq(app.fails, 1);
	ck_assert_int_eq(app.ready, 0);
	app.mode = ANSWER;
	cli_init(&k, PFX_ID, _i == 0 ? 13 : 12);
	cli_start(&k);
	cli_wait(&k);
	ck_assert_msg(k.ok, "client: %s", k.err);
}
END_TEST

/* A lookup that never answers stalls nobody else; its handshake then
 * times out. The timeout leaves a wide margin for the second client's
 * handshake on a loaded machine (the check is "still held", not a time). */
START_TEST(no_stall_then_timeout)
{
	struct cli stuck, k;

	tls_server_free(srv);
	evconnlistener_free(lev);
	server_start(5000);
	app.mode = NEVER;
	cli_init(&stuck, "stuck", 13);
	stuck.no_echo = 1;
	cli_start(&stuck);
	ck_assert(test_run_until(base, int_at_least, &app.lookups, WAIT_MS));
	app.mode = ANSWER;
	cli_init(&k, PFX_ID, 13);
	cli_start(&k);
	cli_wait(&k);
	ck_assert_msg(k.ok, "client: %s", k.err);
	ck_assert_int_eq(app.ready, 1);
	ck_assert(!cli_done(&stuck));
	ck_assert_uint_eq(tls_server_handshaking(srv), 1);
	cli_wait(&stuck);
	ck_assert(!stuck.ok);
	ck_assert_int_eq(app.fails, 1);
	ck_assert_str_eq(app.fail_reason, "handshake timeout");
	ck_assert(!tls_conn_alive(app.held[0]));
	ck_assert_int_eq(tls_conn_psk_ready(app.held[0], key32, 32), -1);
}
END_TEST

/* The client leaves during its lookup: the late answer is a no-op. */
START_TEST(gone_during_lookup)
{
	struct cli k;

	app.mode = NEVER;
	cli_init(&k, PFX_ID, 12);
	k.timeout_ms = 300;
	cli_start(&k);
	cli_wait(&k);
	ck_assert(!k.ok);
	ck_assert_msg(test_run_until(base, none_handshaking, NULL, WAIT_MS),
	    "not closed");
	ck_assert_int_eq(app.nheld, 1);
	ck_assert(!tls_conn_alive(app.held[0]));
	ck_assert_int_eq(tls_conn_psk_ready(app.held[0], key32, 32), -1);
	ck_assert_int_eq(tls_conn_psk_fail(app.held[0], "late"), -1);
	ck_assert_int_eq(app.fails, 1);
}
END_TEST

static int
eof_on(void *arg)
{
	int fd = *(int *)arg;
	char b[256];
	ssize_t n;

	n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Non-TLS bytes (an HTTP request, zeros): closed, the server survives. */
START_TEST(garbage)
{
	static const struct {
		const char	*data;
		size_t		 len;
	} junk[] = {
		{ "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27 },
		/* a ClientHello longer than its record */
		{ "\x16\x03\x01\x00\x05\x01\x00\x00\xff\xff", 10 },
		/* an empty ClientHello */
		{ "\x16\x03\x01\x00\x04\x01\x00\x00\x00", 9 },
	};
	struct sockaddr_in sin;
	struct cli k;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ge(fd, 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
		ck_assert_int_eq(write(fd, junk[i].data, junk[i].len),
		    (ssize_t)junk[i].len);
		ck_assert_msg(test_run_until(base, eof_on, &fd, WAIT_MS),
		    "junk %zu: not closed", i);
		close(fd);
	}
	ck_assert(test_run_until(base, none_handshaking, NULL, WAIT_MS));
	ck_assert_int_eq(app.fails, 3);
	ck_assert_int_eq(app.lookups, 0);
	cli_init(&k, PFX_ID, 13);
	cli_start(&k);
	cli_wait(&k);
	ck_assert_msg(k.ok, "client: %s", k.err);
}
END_TEST

/* ---- interop: openssl s_client, gnutls-cli ------------------------------------ */

struct child {
	pid_t		 pid;
	int		 out, in;
	struct event	*ev;
	struct buf	 text;
	int		 done;
	int		 status;
};

static void
child_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child *ch = arg;
	char chunk[4096];
	ssize_t n;

	(void)what;
	n = read(fd, chunk, sizeof(chunk));
	if (n > 0) {
		ck_assert_int_eq(buf_append(&ch->text, chunk, (size_t)n), 0);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	event_del(ch->ev);
	ck_assert_int_eq(waitpid(ch->pid, &ch->status, 0), ch->pid);
	ch->done = 1;
}

static int
child_done(void *arg)
{
	return ((struct child *)arg)->done;
}

/* Run argv with "hello\n" on a stdin kept open; the server echoes and
 * closes. Returns the output (static) or NULL when the tool is missing. */
static const char *
run_tool(char *const argv[])
{
	static char out[1 << 16];
	struct child ch;
	int po[2], pi[2];

	memset(&ch, 0, sizeof(ch));
	buf_init(&ch.text, 1 << 20);
	ck_assert_int_eq(pipe(po), 0);
	ck_assert_int_eq(pipe(pi), 0);
	ch.pid = fork();
	ck_assert_int_ge(ch.pid, 0);
	if (ch.pid == 0) {
		dup2(pi[0], 0);
		dup2(po[1], 1);
		dup2(po[1], 2);
		close(po[0]);
		close(po[1]);
		close(pi[0]);
		close(pi[1]);
		execvp(argv[0], argv);
		printf("EXEC-FAILED\n");
		_exit(127);
	}
	close(po[1]);
	close(pi[0]);
	ck_assert_int_eq(write(pi[1], "hello\n", 6), 6);
	ch.out = po[0];
	ch.in = pi[1];
	ck_assert_int_eq(fcntl(ch.out, F_SETFL, O_NONBLOCK), 0);
	ch.ev = event_new(base, ch.out, EV_READ | EV_PERSIST, child_read_cb,
	    &ch);
	event_add(ch.ev, NULL);
	if (!test_run_until(base, child_done, &ch, 3 * WAIT_MS)) {
		kill(ch.pid, SIGKILL);
		(void)waitpid(ch.pid, NULL, 0);
	}
	close(ch.in);
	event_free(ch.ev);
	close(ch.out);
	ck_assert_ptr_nonnull(buf_cstr(&ch.text));
	snprintf(out, sizeof(out), "%s", (const char *)ch.text.data);
	buf_clear(&ch.text);
	if (strstr(out, "EXEC-FAILED") != NULL) {
		printf("SKIP: %s not installed (scripts/install-deps "
		    "installs it)\n", argv[0]);
		return NULL;
	}
	return out;
}

/* openssl s_client: 0 TLS 1.2 PSK-AES128-GCM-SHA256, 1 TLS 1.3. */
START_TEST(interop_openssl)
{
	char portarg[32];
	char *argv13[] = { "openssl", "s_client", "-connect", portarg,
	    "-tls1_3", "-psk_identity", PFX_ID, "-psk", KEY_HEX,
	    "-servername", "naf.example.org", "-ign_eof", NULL };
	char *argv12[] = { "openssl", "s_client", "-connect", portarg,
	    "-tls1_2", "-cipher", "PSK-AES128-GCM-SHA256",
	    "-psk_identity", PFX_ID, "-psk", KEY_HEX,
	    "-servername", "naf.example.org", "-ign_eof", NULL };
	const char *out;

	app.close_after_echo = 1;
	snprintf(portarg, sizeof(portarg), "127.0.0.1:%u", port);
	out = run_tool(_i == 0 ? argv12 : argv13);
	if (out == NULL)
		return;
	ck_assert_msg(app.ready == 1, "no handshake: %s", out);
	ck_assert_msg(strstr(out, "hello") != NULL, "no echo: %s", out);
	ck_assert_str_eq(app.identity, PFX_ID);
	ck_assert_str_eq(app.sni, "naf.example.org");
	ck_assert_hex(app.ua_id, TLS_UA_ID_LEN, _i == 0 ? "01000100a8" :
	    "0100000007");
}
END_TEST

/* gnutls-cli: 0 TLS 1.2, 1 TLS 1.3. */
START_TEST(interop_gnutls_cli)
{
	char portarg[16];
	char *argv[] = { "gnutls-cli", "-p", portarg, "--pskusername", BTID,
	    "--pskkey", KEY_HEX, "--priority", NULL, "--sni-hostname",
	    "naf.example.org", "127.0.0.1", NULL };
	const char *out;

	app.close_after_echo = 1;
	snprintf(portarg, sizeof(portarg), "%u", port);
	argv[8] = _i == 0 ?
	    "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+PSK:-CIPHER-ALL:"
	    "+AES-128-CBC:-MAC-ALL:+SHA1" :
	    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-PSK:+PSK";
	out = run_tool(argv);
	if (out == NULL)
		return;
	ck_assert_msg(app.ready == 1, "no handshake: %s", out);
	ck_assert_msg(strstr(out, "hello") != NULL, "no echo: %s", out);
	ck_assert_str_eq(app.identity, BTID);
	ck_assert_hex(app.ua_id, TLS_UA_ID_LEN, _i == 0 ? "010001008c" :
	    "0100000007");
}
END_TEST

/* ---- X.509 server certificate ------------------------------------------------ */

#define GEN_CERTS	"scripts/gen-certs"	/* from the top of the tree */
#define CERT_NAMES	"naf.example.org", "xcap.example.org"

static char ca_path[256], other_ca_path[256];

/* Run gen-certs DIR NAME... (`names`: NULL-terminated); `out` gets what
 * it printed. No shell: DIR comes from $TMPDIR. */
static void
gen_certs(const char *dir, const char *const *names, char *out,
    size_t outlen)
{
	char *argv[8];
	size_t have = 0;
	ssize_t n;
	int po[2], st, i;
	pid_t pid;

	ck_assert_msg(access(GEN_CERTS, X_OK) == 0,
	    "%s not found: run the tests from the top of the tree", GEN_CERTS);
	argv[0] = GEN_CERTS;
	argv[1] = (char *)(uintptr_t)dir;
	for (i = 0; names[i] != NULL && i < 5; i++)
		argv[i + 2] = (char *)(uintptr_t)names[i];
	argv[i + 2] = NULL;
	ck_assert_int_eq(pipe(po), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(po[1], 2);
		close(po[0]);
		close(po[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	while (have + 1 < outlen &&
	    (n = read(po[0], out + have, outlen - 1 - have)) > 0)
		have += (size_t)n;
	out[have] = '\0';
	close(po[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s %s: %s",
	    GEN_CERTS, dir, out);
}

static void
make_dir(char *dir, size_t size)
{
	const char *t = getenv("TMPDIR");

	ck_assert_uint_lt((size_t)snprintf(dir, size, "%s/utstack-tls-XXXXXX",
	    t ? t : "/tmp"), size);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir,
	    strerror(errno));
}

/* Twice into one folder (the second run keeps what the first made), once
 * into another: a CA of its own for the same names. */
static void
certs_setup(void)
{
	static const char *const names[] = { CERT_NAMES, NULL };
	static const char *const naf[] = { "naf.example.org", NULL };
	char out[512], path[256];
	struct stat st;

	make_dir(cert_dir, sizeof(cert_dir));
	make_dir(other_dir, sizeof(other_dir));
	gen_certs(cert_dir, names, out, sizeof(out));
	ck_assert_msg(strstr(out, "made CA and a server certificate") != NULL,
	    "%s", out);
	gen_certs(cert_dir, names, out, sizeof(out));
	ck_assert_msg(strstr(out, "kept") != NULL, "%s", out);
	gen_certs(other_dir, naf, out, sizeof(out));
	snprintf(path, sizeof(path), "%s/server-key.pem", cert_dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", cert_dir);
	snprintf(other_ca_path, sizeof(other_ca_path), "%s/ca.pem",
	    other_dir);
}

static void
rm_dir(const char *dir)
{
	static const char *const files[] = { "ca.pem", "ca-key.pem",
	    "server.pem", "server-key.pem" };
	char path[256];
	size_t i;

	if (dir[0] == '\0')
		return;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

static void
certs_teardown(void)
{
	rm_dir(cert_dir);
	rm_dir(other_dir);
}

static void
cli_cert_init(struct cli *k, int version, const char *sni)
{
	cli_init(k, "", version);
	k->cert = 1;
	k->sni = sni;
	k->ca_file = ca_path;
}

static const struct {
	int		 version;	/* asked */
	const char	*priority;	/* client's, NULL: by version */
	const char	*sni;
	const char	*verify_name;
	int		 want_version;
	uint16_t	 want_suite;
} cert_cases[] = {
	/* the server's order: AES-128-GCM first */
	{ 12, NULL, "naf.example.org", NULL, 12, 0xc02b },
	{ 13, NULL, "naf.example.org", NULL, 13, 0x1301 },
	/* the second dNSName; either version: 1.3 */
	{ 0, NULL, "xcap.example.org", NULL, 13, 0x1301 },
	/* no SNI sent, the name given apart */
	{ 12, "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM",
	    NULL, "naf.example.org", 12, 0xc02c },
};

/* Certificate handshakes: no lookup, identity "", the accessors agree
 * with the client, also after the client left. */
START_TEST(cert_handshake)
{
	struct cli k;

	cli_cert_init(&k, cert_cases[_i].version, cert_cases[_i].sni);
	k.priority = cert_cases[_i].priority;
	k.verify_name = cert_cases[_i].verify_name;
	cli_start(&k);
	cli_wait(&k);
	ck_assert_msg(k.ok, "case %d: client: %s", _i, k.err);
	ck_assert_int_eq(k.tls_version, cert_cases[_i].want_version);
	ck_assert_uint_eq(k.suite, cert_cases[_i].want_suite);
	ck_assert_str_eq(k.alpn, "h2");
	ck_assert_int_eq(app.lookups, 0);
	ck_assert_int_eq(app.ready, 1);
	ck_assert_int_eq(app.fails, 0);
	ck_assert_str_eq(app.ready_identity, "");
	ck_assert_str_eq(app.alpn, "h2");
	ck_assert_ptr_nonnull(seen.c);
	ck_assert_int_eq(seen.is_psk, 0);
	ck_assert_int_eq(seen.version, k.tls_version);
	ck_assert_uint_eq(seen.suite, k.suite);
	ck_assert_str_eq(seen.sni, cert_cases[_i].sni ?
	    cert_cases[_i].sni : "");
	/* the client is gone; what was negotiated stays readable */
	ck_assert_int_eq(tls_conn_version(seen.c), k.tls_version);
	ck_assert_uint_eq(tls_conn_suite(seen.c), k.suite);
	ck_assert_int_eq(tls_conn_is_psk(seen.c), 0);
}
END_TEST

/* 0: the certificate does not name the host; 1: signed by a CA the client
 * does not trust. Refused by the client, which tells the server. */
START_TEST(cert_refused)
{
	struct cli k;

	cli_cert_init(&k, 0, "naf.example.org");
	if (_i == 0)
		k.verify_name = "other.example.org";
	else
		k.ca_file = other_ca_path;
	cli_start(&k);
	cli_wait(&k);
	ck_assert(!k.ok);
	if (_i == 0)
		ck_assert_msg(strcmp(k.err, "certificate verification "
		    "failed: name mismatch") == 0, "%s", k.err);
	else
		ck_assert_msg(strcmp(k.err, "certificate verification "
		    "failed: unknown CA") == 0, "%s", k.err);
	ck_assert_msg(test_run_until(base, none_handshaking, NULL, WAIT_MS),
	    "not closed");
	ck_assert_int_eq(app.ready, 0);
	ck_assert_int_eq(app.fails, 1);
	ck_assert_int_eq(app.lookups, 0);
	ck_assert_msg(strstr(app.fail_reason, "Certificate is bad") != NULL,
	    "%s", app.fail_reason);
}
END_TEST

/* The certificate client refuses to start without what it verifies
 * against; nothing reaches the server. */
START_TEST(cert_client_args)
{
	struct tls_client_cfg cfg = { 0 };
	char err[256], key[256];

	cfg.addr = "127.0.0.1";
	cfg.port = port;
	cfg.sni = "naf.example.org";
	ck_assert_ptr_null(tls_client_cert_connect(&cfg, NULL, err,
	    sizeof(err)));
	ck_assert_str_eq(err, "a CA file and a name to verify are needed");
	cfg.ca_file = ca_path;
	cfg.sni = NULL;
	ck_assert_ptr_null(tls_client_cert_connect(&cfg, NULL, err,
	    sizeof(err)));
	ck_assert_str_eq(err, "a CA file and a name to verify are needed");
	cfg.verify_name = "naf.example.org";
	cfg.ca_file = "/nonexistent/ca.pem";
	ck_assert_ptr_null(tls_client_cert_connect(&cfg, NULL, err,
	    sizeof(err)));
	ck_assert_msg(strncmp(err, "CA file /nonexistent/ca.pem: ", 29) == 0,
	    "%s", err);
	snprintf(key, sizeof(key), "%s/server-key.pem", cert_dir);
	cfg.ca_file = key;	/* PEM, but no certificate */
	ck_assert_ptr_null(tls_client_cert_connect(&cfg, NULL, err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "no certificate in it") != NULL, "%s", err);
	ck_assert(test_run_until(base, test_never, NULL, 50) == 0);
	ck_assert_uint_eq(tls_server_conn_count(srv), 0);
}
END_TEST

/* A server certificate needs both files, readable, and a key that
 * belongs to it. */
START_TEST(cert_server_config)
{
	struct tls_server_cfg cfg = { 0 };
	struct tls_server *s;
	char err[1024], crt[256], key[256], other_key[256];

	snprintf(crt, sizeof(crt), "%s/server.pem", cert_dir);
	snprintf(key, sizeof(key), "%s/server-key.pem", cert_dir);
	snprintf(other_key, sizeof(other_key), "%s/server-key.pem", other_dir);
	cfg.cert_file = crt;
	s = tls_server_new(base, &cfg, lookup_cb, ready_cb, fail_cb, NULL,
	    err, sizeof(err));
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err,
	    "a server certificate needs both cert_file and key_file");
	cfg.key_file = "/nonexistent/key.pem";
	s = tls_server_new(base, &cfg, lookup_cb, ready_cb, fail_cb, NULL,
	    err, sizeof(err));
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "/nonexistent/key.pem") != NULL, "%s", err);
	cfg.key_file = other_key;
	s = tls_server_new(base, &cfg, lookup_cb, ready_cb, fail_cb, NULL,
	    err, sizeof(err));
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "server certificate") != NULL, "%s", err);
}
END_TEST

/* A PSK client against a server with a certificate: still PSK, the key
 * still looked up (0 TLS 1.3, 1 TLS 1.2). */
START_TEST(psk_with_cert)
{
	struct cli k;
	char ua[16];

	app.defer_turns = 2;
	cli_init(&k, PFX_ID, _i == 0 ? 13 : 12);
	k.sni = "naf.example.org";
	cli_start(&k);
	cli_wait(&k);
	ck_assert_msg(k.ok, "client: %s", k.err);
	ck_assert_int_eq(app.lookups, 1);
	ck_assert_str_eq(app.identity, PFX_ID);
	ck_assert_str_eq(app.ready_identity, PFX_ID);
	ck_assert_int_eq(seen.is_psk, 1);
	ck_assert_int_eq(seen.version, k.tls_version);
	ck_assert_int_eq(k.tls_version, _i == 0 ? 13 : 12);
	ck_assert_uint_eq(seen.suite, k.suite);
	ck_assert_str_eq(seen.sni, "naf.example.org");
	if (_i == 0)
		ck_assert_hex(app.ua_id, TLS_UA_ID_LEN, "0100000007");
	else {
		snprintf(ua, sizeof(ua), "010001%04x", k.suite);
		ck_assert_hex(app.ua_id, TLS_UA_ID_LEN, ua);
	}
}
END_TEST

/* A PSK client against the certificate server, each decision-table TLS 1.2
 * suite: tls12_suite (above) in the "certificate" tcase. */

/*
 * gnutls-cli and openssl s_client against the server with a certificate.
 * 0-3: certificate only (gnutls-cli, openssl; TLS 1.2, 1.3), verifying
 * chain and name. 4-7: clients that hold a PSK and trust the CA, offering
 * PSK and certificate suites, gnutls-cli with the certificate key
 * exchanges first: still PSK. 8: case 4 against a priority without
 * %SERVER_PRECEDENCE: GnuTLS follows the client to the certificate — why
 * TLS_PRIORITY_CERT_DEFAULT has it.
 */
START_TEST(interop_cert)
{
	static const char *const gnutls_vers[] = {
	    "NORMAL:-VERS-ALL:+VERS-TLS1.2", "NORMAL:-VERS-ALL:+VERS-TLS1.3" };
	/* no DHE-PSK: gnutls-cli 3.7.9 crashes after a TLS 1.2 DHE-PSK
	 * handshake (also against gnutls-serv) */
	static const char *const gnutls_mixed[] = {
	    "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:"
	    "+ECDHE-PSK:+PSK",
	    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:"
	    "+ECDHE-PSK:+PSK" };
	char portarg[32], hostport[48], *argv[32];
	int n = 0, psk = _i >= 4 && _i <= 7, v13 = _i % 2, gnutls;
	const char *out;

	if (_i == 8) {
		tls_server_free(srv);
		evconnlistener_free(lev);
		srv_priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"
		    "-KX-ALL:+DHE-PSK:+PSK:+ECDHE-PSK:+ECDHE-ECDSA:+ECDHE-RSA";
		server_start(0);
		v13 = 0;
	}
	app.close_after_echo = 1;
	snprintf(portarg, sizeof(portarg), "%u", port);
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%u", port);
	gnutls = _i == 0 || _i == 1 || _i == 4 || _i == 5 || _i == 8;
	if (gnutls) {
		argv[n++] = "gnutls-cli";
		argv[n++] = "-p";
		argv[n++] = portarg;
		argv[n++] = "--x509cafile";
		argv[n++] = ca_path;
		argv[n++] = "--verify-hostname";
		argv[n++] = "naf.example.org";
		argv[n++] = "--sni-hostname";
		argv[n++] = "naf.example.org";
		argv[n++] = "--priority";
		argv[n++] = (char *)(uintptr_t)(_i < 4 ? gnutls_vers[v13] :
		    gnutls_mixed[v13]);
		if (_i >= 4) {
			argv[n++] = "--pskusername";
			argv[n++] = PFX_ID;
			argv[n++] = "--pskkey";
			argv[n++] = KEY_HEX;
		}
		argv[n++] = "127.0.0.1";
	} else {
		argv[n++] = "openssl";
		argv[n++] = "s_client";
		argv[n++] = "-connect";
		argv[n++] = hostport;
		argv[n++] = v13 ? "-tls1_3" : "-tls1_2";
		argv[n++] = "-CAfile";
		argv[n++] = ca_path;
		argv[n++] = "-verify_return_error";
		argv[n++] = "-verify_hostname";
		argv[n++] = "naf.example.org";
		argv[n++] = "-servername";
		argv[n++] = "naf.example.org";
		if (psk) {
			argv[n++] = "-psk_identity";
			argv[n++] = PFX_ID;
			argv[n++] = "-psk";
			argv[n++] = KEY_HEX;
		}
		argv[n++] = "-ign_eof";
	}
	argv[n] = NULL;
	out = run_tool(argv);
	if (out == NULL)
		return;
	ck_assert_msg(app.ready == 1, "case %d: no handshake: %s", _i, out);
	ck_assert_msg(strstr(out, "hello") != NULL, "case %d: no echo: %s",
	    _i, out);
	ck_assert_int_eq(seen.version, v13 ? 13 : 12);
	ck_assert_msg(seen.is_psk == psk, "case %d: is_psk %d, suite %04x",
	    _i, seen.is_psk, seen.suite);
	ck_assert_int_eq(app.lookups, psk);
	ck_assert_str_eq(seen.sni, "naf.example.org");
	if (!psk && !gnutls)
		ck_assert_msg(strstr(out, "Verify return code: 0 (ok)") != NULL,
		    "case %d: %s", _i, out);
}
END_TEST

Suite *
suite_tls(void)
{
	Suite *s = suite_create("tls");
	TCase *tc;
	int n12 = (int)(sizeof(suites12) / sizeof(suites12[0]));

	tc = tcase_create("handshake");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tls13_deferred);
	tcase_add_loop_test(tc, tls12_suite, 0, n12);
	tcase_add_test(tc, tls12_prefixed_sni);
	suite_add_tcase(s, tc);

	tc = tcase_create("failures");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, lookup_fail, 0, 2);
	tcase_add_loop_test(tc, wrong_key, 0, 2);
	tcase_add_test(tc, no_stall_then_timeout);
	tcase_add_test(tc, gone_during_lookup);
	tcase_add_test(tc, garbage);
	suite_add_tcase(s, tc);

	tc = tcase_create("interop");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, interop_openssl, 0, 2);
	tcase_add_loop_test(tc, interop_gnutls_cli, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("certificate");
	tcase_add_unchecked_fixture(tc, certs_setup, certs_teardown);
	tcase_add_checked_fixture(tc, setup_cert, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, cert_handshake, 0,
	    (int)(sizeof(cert_cases) / sizeof(cert_cases[0])));
	tcase_add_loop_test(tc, cert_refused, 0, 2);
	tcase_add_test(tc, cert_client_args);
	tcase_add_test(tc, cert_server_config);
	tcase_add_loop_test(tc, psk_with_cert, 0, 2);
	tcase_add_loop_test(tc, tls12_suite, 0, n12);
	tcase_add_loop_test(tc, interop_cert, 0, 9);
	suite_add_tcase(s, tc);
	return s;
}
