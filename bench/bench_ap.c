/*
 * bench_ap.c — the Authentication Proxy under load over Ua: a TLS-PSK
 * load client of our own (wrk and h2load cannot do PSK), GnuTLS and
 * nghttp2 driven from one libevent loop, many connections from one thread.
 *
 *   bench-ap --mode new   --url https://ADDR:PORT KEYS [--conns N] ...
 *   bench-ap --mode keep  --url ... KEYS [--conns C] [--h2 [--streams M]]
 *   bench-ap --mode mixed --url ... KEYS [--conns C] --churn W
 *                         --churn-keys FILE
 *   bench-ap --mode idle  --url ... KEYS --conns N [--concurrency K]
 *                         [--hold-seconds S] [--no-get]
 * KEYS: --identity ID --key HEX, or --keys FILE [--cold] (one
 * "identity hexkey" a line, as bench-fake-bsf keys writes them).
 *
 * Nothing is started here: bench/bench-ap.sh starts presence, the AP and
 * its fake BSF (bench/fake_bsf.c) and passes their pids (--pid NAME=PID)
 * for CPU per operation.
 *
 * Ua (TS 33.222 cl. 5.4, GBA.md §3): TLS 1.3 external PSK (--tls 13,
 * default psk_dhe_ke with ECDHE; --kx psk for psk_ke) or TLS 1.2 PSK
 * (--tls 12: PSK-AES128-GCM-SHA256 00A8; --kx dhe: ECDHE-PSK-AES128-CBC-
 * SHA256 C037); --priority overrides. The key depends on the Ua security
 * protocol id (TS 33.220 H.3: 01 00 00 00 07 on TLS 1.3, 01 00 01 yy zz
 * with the TLS 1.2 suite), so a keys file is made for one suite: pinning
 * the suite keeps keys and handshakes in step, and --ua-id HEX makes every
 * handshake check it negotiated that id. SNI --sni (default
 * xcap.ims.example.org, the NAF FQDN); ALPN http/1.1, or h2 with --h2.
 * The identity is sent as given ("3GPP-bootstrapping.<B-TID>").
 *
 * new — N workers (--conns), closed loop, each: connect, handshake, one
 * GET of --path with "Connection: close", the whole response read (status
 * --expect-status, default 200; body --expect-bytes octets when given;
 * Content-Length or chunked), then the AP's close awaited (so the
 * TIME_WAIT lands on the AP's side and the client's ephemeral ports last),
 * then the next. Latency: connect() to the last octet of the response;
 * the handshake part (connect() to Finished) is shown beside it. Keys are
 * taken in turn from the set; --cold takes each at most once — a keys
 * file that runs out fails the run rather than reuse a cached key.
 *
 * keep — C connections, each with back-to-back GETs (HTTP/1.1 keep-alive,
 * one request at a time); with --h2, M streams in flight per connection
 * (--streams, default 8), each finished stream replaced at once. Latency:
 * request written to its last octet. Connections open during the
 * warm-up; a connection the AP closes is reopened (counted).
 *
 * mixed — keep's C HTTP/1.1 connections (with --identity/--key, cached by
 * the warm-up) measured while W churn workers (--churn) do new mode's
 * loop with keys of --churn-keys, each key once: with the fake BSF
 * delayed, every churn handshake waits on Zn while the keep-alive GETs go
 * on. The figures are the keep-alive GETs'; the churn's count and
 * latency are shown beside them.
 *
 * idle — N connections opened (--concurrency at a time, default 64),
 * handshake and one GET each (unless --no-get), then held. The line
 * "ap-idle-up conns=N ..." is printed (and flushed) when all are up; the
 * connections are held until SIGTERM or SIGINT, or --hold-seconds
 * (default 300), then closed; a connection the AP closes meanwhile is an
 * error. The script reads the AP's VmRSS before and while they are held.
 * RLIMIT_NOFILE is raised to fit.
 *
 * Rates are completions inside the window (after --warmup, default 0.5 s;
 * --seconds, default 3 s) over its length; percentiles nearest-rank of
 * those. Any failure — refused connection, TLS alert, wrong status or
 * size, a response or handshake over --timeout-ms (default 5000), a
 * closed connection — is an error: counted, the first one printed, the
 * connection retried after 10 ms, and the exit status 1. CPU per
 * operation of each --pid process and of this one comes from /proc (clock
 * ticks, warm-up and drain included). Sanitizer builds are refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <gnutls/gnutls.h>
#include <nghttp2/nghttp2.h>

#include "bench_util.h"
#include "hex.h"
#include "secret.h"

#ifndef BENCH_CFLAGS
#define BENCH_CFLAGS	"?"
#endif

#define SECONDS_DEFAULT		3.0
#define WARMUP_DEFAULT		0.5
#define TIMEOUT_DEFAULT_MS	5000
#define RETRY_MS		10
#define CONNS_MAX		100000	/* idle; the other modes 4096 */
#define CONNS_LOAD_MAX		4096
#define STREAMS_MAX		128
#define PIDS_MAX		6
#define IDENTITY_MAX		512	/* PSK identity octets */
#define PSK_MAX			64	/* key octets */
#define KEYS_MAX		10000000L
#define KEY_LINE_MAX		(IDENTITY_MAX + 2 * PSK_MAX + 8)
#define IN_MAX			(128 * 1024)	/* one HTTP/1.1 response */
#define OUT_MAX			(64 * 1024)	/* queued h2 output */
#define FRAME_ROOM		(16384 + 9 + 1024) /* one h2 write, at most */
#define REQ_MAX			2048	/* one HTTP/1.1 request */
#define RECV_CHUNK		16384
#define HOLD_DEFAULT_S		300
#define CONCURRENCY_DEFAULT	64
#define UA_ID_LEN		5
#define DEFAULT_SNI		"xcap.ims.example.org"
#define DEFAULT_PATH \
	"/xcap-root/resource-lists/users/sip:bench@ims.example.org/index"

/* --- options ------------------------------------------------------------- */

enum mode { MODE_NEW, MODE_KEEP, MODE_MIXED, MODE_IDLE };

struct opts {
	enum mode	 mode;
	const char	*url, *sni, *path, *label;
	int		 tls;		/* 12 or 13 */
	int		 kx_psk;	/* --kx psk: psk_ke / PSK suites */
	int		 kx_set;
	const char	*priority;
	const char	*identity, *key_hex, *keys_file, *churn_keys;
	int		 cold;
	uint8_t		 ua_id[UA_ID_LEN];
	int		 have_ua_id;
	long		 conns, churn, streams, concurrency;
	int		 h2, no_get;
	double		 seconds, warmup, hold;
	long		 timeout_ms, expect_status, expect_bytes;
	const char	*pid_name[PIDS_MAX];
	long		 pid[PIDS_MAX];
	int		 npids;
	int		 json, no_header, verbose;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bench-ap --mode new|keep|mixed|idle --url https://ADDR:PORT\n"
	    "         (--identity ID --key HEX | --keys FILE [--cold])\n"
	    "         [--tls 12|13] [--kx psk|dhe] [--priority STR] "
	    "[--ua-id HEX] [--sni FQDN]\n"
	    "         [--path P] [--expect-status N] [--expect-bytes N] "
	    "[--conns N]\n"
	    "         [--seconds S] [--warmup S] [--timeout-ms N] "
	    "[--pid NAME=PID]...\n"
	    "         [--label TEXT] [--json] [--no-header] [-v]\n"
	    "  keep:  [--h2] [--streams M]\n"
	    "  mixed: --churn W --churn-keys FILE\n"
	    "  idle:  [--concurrency K] [--hold-seconds S] [--no-get]\n");
	exit(2);
}

/* --- keys ------------------------------------------------------------------ */

struct psk {
	char		*identity;
	uint8_t		 key[PSK_MAX];
	size_t		 len;
};

struct keyset {
	struct psk	*v;
	size_t		 n, cap, next;
	int		 once;		/* --cold: each key at most once */
	const char	*src;
};

static void
keyset_add(struct keyset *ks, const char *identity, const char *hex,
    const char *where)
{
	struct psk *p;
	size_t il = strlen(identity), i;
	ssize_t n;

	if (il == 0 || il > IDENTITY_MAX)
		bench_die("%s: identity of 1 to %d octets", where,
		    IDENTITY_MAX);
	for (i = 0; i < il; i++)
		if ((unsigned char)identity[i] <= 0x20 ||
		    (unsigned char)identity[i] >= 0x7f)
			bench_die("%s: identity is not printable ASCII", where);
	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? 2 * ks->cap : 64;
		if ((p = realloc(ks->v, ks->cap * sizeof(*p))) == NULL)
			bench_die("out of memory for %zu keys", ks->cap);
		ks->v = p;
	}
	p = &ks->v[ks->n];
	n = hex_decode(hex, p->key, sizeof(p->key));
	if (n < 1 || strlen(hex) != 2 * (size_t)n)
		bench_die("%s: key of 1 to %d octets in hex", where, PSK_MAX);
	p->len = (size_t)n;
	if ((p->identity = strdup(identity)) == NULL)
		bench_die("out of memory");
	ks->n++;
}

/* "identity hexkey" lines; blank lines and lines starting with '#'
 * skipped. Dies with FILE:LINE on anything else. */
static void
keyset_read(struct keyset *ks, const char *path)
{
	FILE *f;
	char line[KEY_LINE_MAX + 2], where[300], *id, *key, *end;
	long lineno = 0;

	ks->src = path;
	if ((f = fopen(path, "r")) == NULL)
		bench_die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%ld", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(f))
			bench_die("%s: line over %d octets", where,
			    KEY_LINE_MAX);
		line[strcspn(line, "\r\n")] = '\0';
		id = line + strspn(line, " \t");
		if (*id == '\0' || *id == '#')
			continue;
		if ((end = strpbrk(id, " \t")) == NULL)
			bench_die("%s: expected \"identity hexkey\"", where);
		*end = '\0';
		key = end + 1 + strspn(end + 1, " \t");
		key[strcspn(key, " \t")] = '\0';
		if ((long)ks->n >= KEYS_MAX)
			bench_die("%s: more than %ld keys", path, KEYS_MAX);
		keyset_add(ks, id, key, where);
	}
	if (ferror(f))
		bench_die("%s: %s", path, strerror(errno));
	fclose(f);
	secret_wipe(line, sizeof(line));
	if (ks->n == 0)
		bench_die("%s: no keys", path);
}

/* The next key, or NULL when a once-only set is used up. */
static const struct psk *
keyset_take(struct keyset *ks)
{
	if (ks->next >= ks->n) {
		if (ks->once)
			return NULL;
		ks->next = 0;
	}
	return &ks->v[ks->next++];
}

static void
keyset_clear(struct keyset *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		free(ks->v[i].identity);
		secret_wipe(ks->v[i].key, sizeof(ks->v[i].key));
	}
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

/* --- figures --------------------------------------------------------------- */

/* One kind of operation: connections (new, churn) or GETs (keep). */
struct stats {
	uint64_t	 n;		/* completed inside the window */
	uint64_t	*lat;		/* their latencies, ns */
	size_t		 nlat, cap;
	uint64_t	*hs;		/* new, churn: connect() -> Finished */
	size_t		 nhs, caphs;
	uint64_t	 done;		/* all completions, window or not */
	uint64_t	 errors;
	uint64_t	 connects;	/* TCP connections opened */
	double		 rate, p50, p90, p99, max, hs_p50, hs_p99;
};

static void
stats_finish(struct stats *s, double seconds)
{
	s->rate = (double)s->n / seconds;
	bench_lat_sort(s->lat, s->nlat);
	bench_lat_sort(s->hs, s->nhs);
	s->p50 = bench_pct(s->lat, s->nlat, 50);
	s->p90 = bench_pct(s->lat, s->nlat, 90);
	s->p99 = bench_pct(s->lat, s->nlat, 99);
	s->max = bench_pct(s->lat, s->nlat, 100);
	s->hs_p50 = bench_pct(s->hs, s->nhs, 50);
	s->hs_p99 = bench_pct(s->hs, s->nhs, 99);
}

static void
stats_clear(struct stats *s)
{
	free(s->lat);
	free(s->hs);
}

/* --- connections ------------------------------------------------------------ */

enum role {
	ROLE_NEW,	/* new and mixed's churn: one GET per connection */
	ROLE_KEEP,	/* back-to-back GETs, HTTP/1.1 or h2 */
	ROLE_IDLE	/* one GET (or none), then held */
};

enum cstate {
	CS_OFF,		/* no socket: not started, retired, or pausing */
	CS_CONNECT,	/* TCP connect in progress */
	CS_HANDSHAKE,
	CS_H1,		/* an HTTP/1.1 request written / response read */
	CS_H2,		/* an h2 session with streams in flight */
	CS_EOF,		/* response read; waiting for the AP to close */
	CS_HOLD		/* idle: held open */
};
static const char *const cstate_names[] = { "off", "connect", "handshake",
	"h1", "h2", "eof", "hold" };

struct conn;

struct h2slot {
	struct conn	*c;
	int32_t		 stream_id;	/* 0: free */
	uint64_t	 t0;
	int		 status;
	size_t		 bytes;
};

struct bench;

struct conn {
	struct bench		*b;
	unsigned		 id;
	enum role		 role;
	enum cstate		 state;
	struct keyset		*keys;
	struct stats		*st;
	int			 fd;
	gnutls_session_t	 sess;
	struct event		*ev;		/* the socket, re-assigned */
	struct event		*timer;		/* deadline, or the retry pause */
	const struct psk	*psk;
	int			 retired, pausing;
	unsigned		 gen;		/* bumped by each close */
	uint64_t		 t_start, t_hs, t_req;
	/* HTTP/1.1: the request being written, the response being read */
	char			 req[REQ_MAX];
	size_t			 req_len, req_off;
	char			*in;
	size_t			 in_len;
	/* h2: output from nghttp2 waiting for the TLS layer */
	nghttp2_session		*h2;
	uint8_t			*out;
	size_t			 out_len, out_off;
	struct h2slot		 slots[STREAMS_MAX];
	unsigned		 inflight;
	const char		*h2_error;	/* set by nghttp2 callbacks */
	char			 h2_errbuf[160];
};

struct bench {
	const struct opts		*o;
	struct event_base		*base;
	struct sockaddr_storage		 addr;
	socklen_t			 addrlen;
	gnutls_priority_t		 prio;
	gnutls_psk_client_credentials_t	 cred;
	struct keyset			 keys, churn_keys;
	struct conn			*conns;
	unsigned			 nconns;
	unsigned			 active;	/* not retired */
	uint64_t			 t_window, t_end;
	int				 running;	/* new work may start */
	struct stats			 main, churn;
	uint64_t			 errors;
	char				 first_error[512];
	/* what the handshakes negotiated (the first one's) */
	char				 version[16], suite[96], kx[32];
	uint8_t				 ua_id[UA_ID_LEN];
	int				 have_neg;
	uint64_t			 reconnects;	/* keep: AP closed */
	/* idle */
	unsigned			 idle_next, idle_up, idle_failed;
	int				 idle_ramp_done;
	uint64_t			 t_idle0;
	struct event			*stop_timer, *sig_term, *sig_int;
	struct event			*drain_timer;
};

static void conn_error(struct conn *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void	conn_begin(struct conn *);
static void	on_io(evutil_socket_t, short, void *);
static void	h1_send(struct conn *);
static void	h2_start(struct conn *);
static void	h2_pump(struct conn *);
static void	idle_next(struct bench *);

static void
conn_set_state(struct conn *c, enum cstate s)
{
	if (c->b->o->verbose > 1)
		fprintf(stderr, "bench-ap: conn %u: %s -> %s\n", c->id,
		    cstate_names[c->state], cstate_names[s]);
	c->state = s;
}

/* Wait for the socket to be readable and, with `wr`, writable. */
static void
conn_wait(struct conn *c, int wr)
{
	short what = EV_READ | (wr ? EV_WRITE : 0);

	event_del(c->ev);
	if (event_assign(c->ev, c->b->base, c->fd, what, on_io, c) != 0 ||
	    event_add(c->ev, NULL) != 0)
		bench_die("event_add failed");
}

/* After GNUTLS_E_AGAIN: wait the way the TLS layer wants. */
static void
conn_wait_tls(struct conn *c)
{
	conn_wait(c, gnutls_record_get_direction(c->sess) == 1);
}

static void
conn_deadline(struct conn *c, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	c->pausing = 0;
	evtimer_add(c->timer, &tv);
}

/* Close the socket and TLS session (nothing else). */
static void
conn_close(struct conn *c)
{
	if (c->h2 != NULL) {
		nghttp2_session_del(c->h2);
		c->h2 = NULL;
	}
	if (c->sess != NULL) {
		/* close_notify, if the socket takes it now; no wait */
		if (c->state == CS_H1 || c->state == CS_H2 ||
		    c->state == CS_HOLD)
			(void)gnutls_bye(c->sess, GNUTLS_SHUT_WR);
		gnutls_deinit(c->sess);
		c->sess = NULL;
	}
	if (c->fd >= 0) {
		event_del(c->ev);
		close(c->fd);
		c->fd = -1;
	}
	evtimer_del(c->timer);
	c->gen++;
	c->in_len = c->req_len = c->req_off = 0;
	c->out_len = c->out_off = 0;
	c->inflight = 0;
	memset(c->slots, 0, sizeof(c->slots));
	c->state = CS_OFF;
}

/* Done for this run: the loop ends with the last one. */
static void
conn_retire(struct conn *c)
{
	struct bench *b = c->b;

	conn_close(c);
	if (c->retired)
		return;
	c->retired = 1;
	if (--b->active == 0)
		event_base_loopbreak(b->base);
}

/* The next operation, or retirement once the window is over. */
static void
conn_next(struct conn *c)
{
	if (!c->b->running || bench_now_ns() >= c->b->t_end)
		conn_retire(c);
	else
		conn_begin(c);
}

static void
conn_error(struct conn *c, const char *fmt, ...)
{
	struct bench *b = c->b;
	va_list ap;
	int n;

	b->errors++;
	c->st->errors++;
	if (b->errors == 1) {
		n = snprintf(b->first_error, sizeof(b->first_error),
		    "conn %u (%s, %s): ", c->id, cstate_names[c->state],
		    c->psk != NULL ? c->psk->identity : "-");
		if (n < 0 || (size_t)n >= sizeof(b->first_error))
			n = 0;
		va_start(ap, fmt);
		vsnprintf(b->first_error + n, sizeof(b->first_error) -
		    (size_t)n, fmt, ap);
		va_end(ap);
	}
	if (b->o->verbose) {
		fprintf(stderr, "bench-ap: conn %u error: ", c->id);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	if (c->role == ROLE_IDLE && c->state == CS_HOLD)
		b->idle_up--;	/* up, and now lost */
	conn_close(c);
	if (c->role == ROLE_IDLE) {
		b->idle_failed++;
		conn_retire(c);
		idle_next(b);
		return;
	}
	/* A fresh connection after a pause: no tight loop against an AP
	 * that refuses, and no recursion. */
	if (!b->running || bench_now_ns() >= b->t_end) {
		conn_retire(c);
		return;
	}
	conn_deadline(c, RETRY_MS);
	c->pausing = 1;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	if (c->pausing) {
		c->pausing = 0;
		conn_next(c);
		return;
	}
	if (c->state == CS_OFF)
		return;
	conn_error(c, "nothing within %ld ms", c->b->o->timeout_ms);
}

/* --- TLS --------------------------------------------------------------------- */

/*
 * GnuTLS asks for the PSK (TLS 1.3 while writing the ClientHello, TLS 1.2
 * while writing the ClientKeyExchange). `username` and `key` are the
 * library's (gnutls_malloc).
 */
static int
psk_cb(gnutls_session_t sess, gnutls_datum_t *username, gnutls_datum_t *key)
{
	struct conn *c = gnutls_session_get_ptr(sess);
	size_t il = strlen(c->psk->identity);

	username->data = gnutls_malloc(il + 1);
	key->data = gnutls_malloc(c->psk->len);
	if (username->data == NULL || key->data == NULL) {
		gnutls_free(username->data);
		gnutls_free(key->data);
		username->data = key->data = NULL;
		return -1;
	}
	memcpy(username->data, c->psk->identity, il + 1);
	username->size = (unsigned)il;
	memcpy(key->data, c->psk->key, c->psk->len);
	key->size = (unsigned)c->psk->len;
	return 0;
}

/* The Ua security protocol id of the session (TS 33.220 H.3): 01 00 00 00
 * 07 on TLS 1.3, 01 00 01 yy zz on TLS 1.2 with the suite's code point.
 * -1 when the TLS 1.2 suite is not in GnuTLS's table. */
static int
session_ua_id(gnutls_session_t s, uint8_t ua[UA_ID_LEN])
{
	static const uint8_t tls13[UA_ID_LEN] = { 1, 0, 0, 0, 7 };
	gnutls_kx_algorithm_t kx = gnutls_kx_get(s), k;
	gnutls_cipher_algorithm_t ci = gnutls_cipher_get(s), c;
	gnutls_mac_algorithm_t mac = gnutls_mac_get(s), m;
	gnutls_protocol_t min;
	unsigned char cs[2];
	size_t i;

	if (gnutls_protocol_get_version(s) == GNUTLS_TLS1_3) {
		memcpy(ua, tls13, UA_ID_LEN);
		return 0;
	}
	for (i = 0; gnutls_cipher_suite_info(i, cs, &k, &c, &m, &min) != NULL;
	    i++) {
		if (k == kx && c == ci && m == mac) {
			ua[0] = 1;
			ua[1] = 0;
			ua[2] = 1;
			ua[3] = cs[0];
			ua[4] = cs[1];
			return 0;
		}
	}
	return -1;
}

/* Check what the handshake agreed; the first one's is reported. */
static int
conn_check_session(struct conn *c)
{
	struct bench *b = c->b;
	const struct opts *o = b->o;
	gnutls_datum_t proto;
	const char *want = o->h2 ? "h2" : "http/1.1";
	uint8_t ua[UA_ID_LEN];
	char hex[2 * UA_ID_LEN + 1];
	int v = gnutls_protocol_get_version(c->sess);
	char *name;

	if ((o->tls == 13 && v != GNUTLS_TLS1_3) ||
	    (o->tls == 12 && v != GNUTLS_TLS1_2)) {
		conn_error(c, "negotiated %s, not TLS 1.%d",
		    gnutls_protocol_get_name(v), o->tls - 10);
		return -1;
	}
	if (gnutls_alpn_get_selected_protocol(c->sess, &proto) != 0 ||
	    proto.size != strlen(want) || memcmp(proto.data, want,
	    proto.size) != 0) {
		conn_error(c, "ALPN %s not agreed", want);
		return -1;
	}
	if (session_ua_id(c->sess, ua) != 0) {
		conn_error(c, "negotiated suite not in GnuTLS's table");
		return -1;
	}
	if (o->have_ua_id && memcmp(ua, o->ua_id, UA_ID_LEN) != 0) {
		conn_error(c, "negotiated Ua id %s, the keys are for another",
		    hex_encode(ua, UA_ID_LEN, hex));
		return -1;
	}
	if (!b->have_neg) {
		b->have_neg = 1;
		memcpy(b->ua_id, ua, UA_ID_LEN);
		snprintf(b->version, sizeof(b->version), "%s",
		    gnutls_protocol_get_name(v));
		name = gnutls_session_get_desc(c->sess);
		snprintf(b->suite, sizeof(b->suite), "%s", name ? name : "?");
		gnutls_free(name);
		snprintf(b->kx, sizeof(b->kx), "%s",
		    gnutls_kx_get_name(gnutls_kx_get(c->sess)));
	} else if (memcmp(ua, b->ua_id, UA_ID_LEN) != 0) {
		conn_error(c, "negotiated Ua id %s, the first handshake "
		    "another", hex_encode(ua, UA_ID_LEN, hex));
		return -1;
	}
	return 0;
}

static int
conn_tls_new(struct conn *c)
{
	struct bench *b = c->b;
	const struct opts *o = b->o;
	gnutls_datum_t proto;
	int ret;

	ret = gnutls_init(&c->sess, GNUTLS_CLIENT | GNUTLS_NONBLOCK |
	    GNUTLS_NO_SIGNAL | GNUTLS_NO_TICKETS);
	if (ret < 0) {
		c->sess = NULL;
		conn_error(c, "gnutls_init: %s", gnutls_strerror(ret));
		return -1;
	}
	proto.data = (unsigned char *)(uintptr_t)(o->h2 ? "h2" : "http/1.1");
	proto.size = (unsigned)strlen((const char *)proto.data);
	if ((ret = gnutls_priority_set(c->sess, b->prio)) < 0 ||
	    (ret = gnutls_credentials_set(c->sess, GNUTLS_CRD_PSK,
	    b->cred)) < 0 ||
	    (ret = gnutls_server_name_set(c->sess, GNUTLS_NAME_DNS, o->sni,
	    strlen(o->sni))) < 0 ||
	    (ret = gnutls_alpn_set_protocols(c->sess, &proto, 1, 0)) < 0) {
		conn_error(c, "TLS setup: %s", gnutls_strerror(ret));
		return -1;
	}
	gnutls_session_set_ptr(c->sess, c);
	gnutls_transport_set_int(c->sess, c->fd);
	return 0;
}

/* --- the connection's life -------------------------------------------------- */

static void
conn_begin(struct conn *c)
{
	struct bench *b = c->b;
	int fd, one = 1;

	if (c->role == ROLE_NEW || c->psk == NULL) {
		if ((c->psk = keyset_take(c->keys)) == NULL) {
			conn_error(c, "the %zu keys of %s are used up (--cold "
			    "takes each once): give more", c->keys->n,
			    c->keys->src);
			/* no retry: there is nothing to retry with */
			c->pausing = 0;
			conn_retire(c);
			return;
		}
	}
	fd = socket(b->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd < 0) {
		conn_error(c, "socket: %s", strerror(errno));
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->t_start = bench_now_ns();
	c->st->connects++;
	conn_set_state(c, CS_CONNECT);
	conn_deadline(c, b->o->timeout_ms);
	if (connect(fd, (struct sockaddr *)&b->addr, b->addrlen) != 0 &&
	    errno != EINPROGRESS) {
		conn_error(c, "connect: %s", strerror(errno));
		return;
	}
	conn_wait(c, 1);
}

static void
conn_handshake(struct conn *c)
{
	struct bench *b = c->b;
	int ret = gnutls_handshake(c->sess);

	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
		conn_wait_tls(c);
		return;
	}
	if (ret < 0) {
		if (ret == GNUTLS_E_FATAL_ALERT_RECEIVED)
			conn_error(c, "handshake: alert %s", gnutls_alert_get_name(
			    gnutls_alert_get(c->sess)));
		else
			conn_error(c, "handshake: %s", gnutls_strerror(ret));
		return;
	}
	c->t_hs = bench_now_ns();
	if (conn_check_session(c) != 0)
		return;
	if (c->role == ROLE_NEW && c->t_hs >= b->t_window && c->t_hs < b->t_end)
		bench_lat_push(&c->st->hs, &c->st->nhs, &c->st->caphs,
		    c->t_hs - c->t_start);
	if (c->role == ROLE_IDLE && b->o->no_get) {
		evtimer_del(c->timer);
		conn_set_state(c, CS_HOLD);
		conn_wait(c, 0);
		b->idle_up++;
		idle_next(b);
		return;
	}
	if (b->o->h2)
		h2_start(c);
	else
		h1_send(c);
}

/* --- HTTP/1.1 ------------------------------------------------------------- */

static void
h1_flush(struct conn *c)
{
	ssize_t n;

	while (c->req_off < c->req_len) {
		n = gnutls_record_send(c->sess, c->req + c->req_off,
		    c->req_len - c->req_off);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			conn_wait_tls(c);
			return;
		}
		if (n < 0) {
			conn_error(c, "send: %s", gnutls_strerror((int)n));
			return;
		}
		c->req_off += (size_t)n;
	}
	conn_wait(c, 0);
}

/* A GET of --path; "Connection: close" when the AP is to end it. */
static void
h1_send(struct conn *c)
{
	const struct opts *o = c->b->o;
	int n;

	n = snprintf(c->req, sizeof(c->req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: utstack-bench-ap/" UTSTACK_VERSION "\r\n%s\r\n",
	    o->path, o->sni, c->role == ROLE_NEW ? "Connection: close\r\n" :
	    "");
	if (n < 0 || (size_t)n >= sizeof(c->req))
		bench_die("request over %d octets (--path too long)", REQ_MAX);
	c->req_len = (size_t)n;
	c->req_off = 0;
	c->in_len = 0;
	if (c->in == NULL && (c->in = malloc(IN_MAX + 1)) == NULL)
		bench_die("out of memory");
	c->t_req = bench_now_ns();
	if (c->role == ROLE_KEEP)
		conn_deadline(c, o->timeout_ms);
	conn_set_state(c, CS_H1);
	h1_flush(c);
}

/*
 * Is a whole response in c->in? 1 with its status, body length and
 * whether the AP will close, 0 for more, -1 with `why` when it cannot be
 * a response. Reads Content-Length or chunked bodies (the AP may stream).
 */
static int
h1_parse(struct conn *c, int *status, size_t *body, int *closing,
    char *why, size_t whylen)
{
	char *p = c->in, *end = c->in + c->in_len, *hend, *line, *next, *v;
	char *e;
	long long cl = -1, sz;
	int chunked = 0;
	size_t total = 0;

	if ((hend = memmem(p, c->in_len, "\r\n\r\n", 4)) == NULL)
		return 0;
	*closing = 0;
	if (c->in_len < 12 || strncmp(p, "HTTP/1.1 ", 9) != 0) {
		snprintf(why, whylen, "bad status line '%.*s'",
		    (int)(c->in_len < 40 ? c->in_len : 40), p);
		return -1;
	}
	*status = (int)strtol(p + 9, NULL, 10);
	/* the status line's LF is at hend + 1 at the latest */
	for (line = (char *)memchr(p, '\n', (size_t)(hend + 2 - p)) + 1;
	    line < hend + 2; line = next) {
		next = memchr(line, '\n', (size_t)(end - line));
		next = next != NULL ? next + 1 : end;
		if ((v = memchr(line, ':', (size_t)(next - line))) == NULL)
			continue;
		v++;
		v += strspn(v, " \t");
		if (strncasecmp(line, "Content-Length:", 15) == 0) {
			errno = 0;
			cl = strtoll(v, &e, 10);
			if (errno || e == v || cl < 0 || cl > IN_MAX) {
				snprintf(why, whylen, "bad Content-Length");
				return -1;
			}
		} else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0)
			chunked = strncasecmp(v, "chunked", 7) == 0;
		else if (strncasecmp(line, "Connection:", 11) == 0)
			*closing = strncasecmp(v, "close", 5) == 0;
	}
	p = hend + 4;
	if (!chunked) {
		if (cl < 0) {
			snprintf(why, whylen, "status %d without Content-Length "
			    "or chunked body", *status);
			return -1;
		}
		if ((long long)(end - p) < cl)
			return 0;
		if ((long long)(end - p) > cl) {
			snprintf(why, whylen, "octets after the response");
			return -1;
		}
		*body = (size_t)cl;
		return 1;
	}
	/* chunked: size CRLF data CRLF ... 0 CRLF (trailers) CRLF */
	for (;;) {
		if ((e = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			return 0;
		errno = 0;
		sz = strtoll(p, &v, 16);
		if (errno || v == p || sz < 0 || sz > IN_MAX) {
			snprintf(why, whylen, "bad chunk size");
			return -1;
		}
		p = e + 2;
		if (sz == 0)
			break;
		if ((long long)(end - p) < sz + 2)
			return 0;
		total += (size_t)sz;
		p += sz + 2;
	}
	/* trailers, then the empty line */
	for (;;) {
		if ((e = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			return 0;
		if (e == p) {
			p += 2;
			break;
		}
		p = e + 2;
	}
	if (p != end) {
		snprintf(why, whylen, "octets after the response");
		return -1;
	}
	*body = total;
	return 1;
}

/* A whole response arrived. */
static void
h1_done(struct conn *c, int status, size_t body, int closing)
{
	struct bench *b = c->b;
	const struct opts *o = b->o;
	struct stats *st = c->st;
	uint64_t t = bench_now_ns(), t0;

	if (status != o->expect_status) {
		c->in[c->in_len < 200 ? c->in_len : 200] = '\0';
		conn_error(c, "status %d, expected %ld: %s", status,
		    o->expect_status, c->in);
		return;
	}
	if (o->expect_bytes >= 0 && body != (size_t)o->expect_bytes) {
		conn_error(c, "body of %zu octets, expected %ld", body,
		    o->expect_bytes);
		return;
	}
	c->in_len = 0;
	if (c->role == ROLE_IDLE) {
		evtimer_del(c->timer);
		if (closing) {
			conn_error(c, "the AP closes after the GET");
			return;
		}
		/* held connections keep no response buffer */
		free(c->in);
		c->in = NULL;
		conn_set_state(c, CS_HOLD);
		conn_wait(c, 0);
		b->idle_up++;
		idle_next(b);
		return;
	}
	st->done++;
	t0 = c->role == ROLE_NEW ? c->t_start : c->t_req;
	if (t >= b->t_window && t < b->t_end) {
		st->n++;
		bench_lat_push(&st->lat, &st->nlat, &st->cap, t - t0);
	}
	if (c->role == ROLE_NEW) {
		/* the AP closes (we asked); its TIME_WAIT, not ours */
		conn_set_state(c, CS_EOF);
		conn_wait(c, 0);
		return;
	}
	if (closing) {
		b->reconnects++;
		conn_close(c);
		conn_next(c);
		return;
	}
	if (!b->running || t >= b->t_end)
		conn_retire(c);
	else
		h1_send(c);
}

/* Read what the TLS layer has; 1 at the end of the stream, 0 for more,
 * -1 after an error (the connection is closed). */
static int
conn_read(struct conn *c)
{
	char chunk[RECV_CHUNK];
	char why[160];
	ssize_t n;
	int status = 0, closing = 0, r;
	size_t body = 0;
	unsigned gen = c->gen;

	for (;;) {
		n = gnutls_record_recv(c->sess, chunk, sizeof(chunk));
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			return 0;
		if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION) {
			if (c->state == CS_EOF)
				return 1;
			conn_error(c, "the AP closed the connection");
			return -1;
		}
		if (n < 0) {
			conn_error(c, "recv: %s", gnutls_strerror((int)n));
			return -1;
		}
		switch (c->state) {
		case CS_H1:
			if (c->in_len + (size_t)n > IN_MAX) {
				conn_error(c, "response over %d octets", IN_MAX);
				return -1;
			}
			memcpy(c->in + c->in_len, chunk, (size_t)n);
			c->in_len += (size_t)n;
			r = h1_parse(c, &status, &body, &closing, why,
			    sizeof(why));
			if (r < 0) {
				conn_error(c, "%s", why);
				return -1;
			}
			if (r > 0) {
				h1_done(c, status, body, closing);
				/* Closed (and maybe reopened): stop. Else read
				 * on until the TLS layer is empty — a
				 * close_notify it already holds would never
				 * wake the socket again. */
				if (c->gen != gen)
					return -1;
			}
			break;
		case CS_H2:
			r = (int)nghttp2_session_mem_recv(c->h2,
			    (const uint8_t *)chunk, (size_t)n);
			if (r < 0 || c->h2_error != NULL) {
				conn_error(c, "h2: %s", c->h2_error != NULL ?
				    c->h2_error : nghttp2_strerror(r));
				return -1;
			}
			break;
		case CS_EOF:
			conn_error(c, "%zd octets after the response", n);
			return -1;
		case CS_HOLD:
			conn_error(c, "%zd unsolicited octets while held", n);
			return -1;
		default:
			conn_error(c, "read in state %s",
			    cstate_names[c->state]);
			return -1;
		}
	}
}

/* --- h2 ------------------------------------------------------------------------ */

static int
on_h2_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
    size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
    void *arg)
{
	struct h2slot *sl;
	char v[8];

	(void)flags;
	(void)arg;
	if (f->hd.type != NGHTTP2_HEADERS || namelen != 7 ||
	    memcmp(name, ":status", 7) != 0)
		return 0;
	sl = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (sl != NULL && valuelen < sizeof(v)) {
		memcpy(v, value, valuelen);
		v[valuelen] = '\0';
		sl->status = (int)strtol(v, NULL, 10);
	}
	return 0;
}

static int
on_h2_data(nghttp2_session *s, uint8_t flags, int32_t stream_id,
    const uint8_t *data, size_t len, void *arg)
{
	struct h2slot *sl = nghttp2_session_get_stream_user_data(s, stream_id);

	(void)flags;
	(void)data;
	(void)arg;
	if (sl != NULL)
		sl->bytes += len;
	return 0;
}

static void	h2_submit(struct conn *);

/* A stream ended: count it, start the next (callbacks only record; the
 * connection is torn down by the caller of mem_recv). */
static int
on_h2_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code,
    void *arg)
{
	struct conn *c = arg;
	struct bench *b = c->b;
	const struct opts *o = b->o;
	struct h2slot *sl = nghttp2_session_get_stream_user_data(s, stream_id);
	uint64_t t = bench_now_ns();

	if (sl == NULL)
		return 0;
	sl->stream_id = 0;
	c->inflight--;
	if (c->h2_error != NULL)
		return 0;
	if (error_code != NGHTTP2_NO_ERROR) {
		snprintf(c->h2_errbuf, sizeof(c->h2_errbuf), "stream %d reset: "
		    "%s", stream_id, nghttp2_http2_strerror(error_code));
		c->h2_error = c->h2_errbuf;
		return 0;
	}
	if (sl->status != o->expect_status) {
		snprintf(c->h2_errbuf, sizeof(c->h2_errbuf), "status %d, "
		    "expected %ld", sl->status, o->expect_status);
		c->h2_error = c->h2_errbuf;
		return 0;
	}
	if (o->expect_bytes >= 0 && sl->bytes != (size_t)o->expect_bytes) {
		snprintf(c->h2_errbuf, sizeof(c->h2_errbuf), "body of %zu "
		    "octets, expected %ld", sl->bytes, o->expect_bytes);
		c->h2_error = c->h2_errbuf;
		return 0;
	}
	c->st->done++;
	if (t >= b->t_window && t < b->t_end) {
		c->st->n++;
		bench_lat_push(&c->st->lat, &c->st->nlat, &c->st->cap,
		    t - sl->t0);
	}
	/* progress: the deadline restarts */
	conn_deadline(c, o->timeout_ms);
	if (b->running && t < b->t_end)
		h2_submit(c);
	return 0;
}

/* One more GET on a free slot. */
static void
h2_submit(struct conn *c)
{
	const struct opts *o = c->b->o;
	struct h2slot *sl = NULL;
	nghttp2_nv nv[5];
	int32_t id;
	unsigned i;

#define NV(n, v) { (uint8_t *)(uintptr_t)(n), (uint8_t *)(uintptr_t)(v), \
	strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE }
	nghttp2_nv hdrs[5] = {
		NV(":method", "GET"), NV(":scheme", "https"),
		NV(":authority", o->sni), NV(":path", o->path),
		NV("user-agent", "utstack-bench-ap/" UTSTACK_VERSION)
	};
#undef NV

	memcpy(nv, hdrs, sizeof(nv));
	for (i = 0; i < (unsigned)o->streams; i++)
		if (c->slots[i].stream_id == 0) {
			sl = &c->slots[i];
			break;
		}
	if (sl == NULL)
		return;
	memset(sl, 0, sizeof(*sl));
	sl->c = c;
	sl->t0 = bench_now_ns();
	id = nghttp2_submit_request(c->h2, NULL, nv, 5, NULL, sl);
	if (id < 0) {
		snprintf(c->h2_errbuf, sizeof(c->h2_errbuf), "submit: %s",
		    nghttp2_strerror(id));
		c->h2_error = c->h2_errbuf;
		return;
	}
	sl->stream_id = id;
	c->inflight++;
}

static void
h2_start(struct conn *c)
{
	const struct opts *o = c->b->o;
	nghttp2_session_callbacks *cbs;
	nghttp2_settings_entry set[] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20 }
	};
	long i;

	if (nghttp2_session_callbacks_new(&cbs) != 0)
		bench_die("out of memory");
	nghttp2_session_callbacks_set_on_header_callback(cbs, on_h2_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs,
	    on_h2_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
	    on_h2_close);
	if (nghttp2_session_client_new(&c->h2, cbs, c) != 0)
		bench_die("out of memory");
	nghttp2_session_callbacks_del(cbs);
	if (c->out == NULL && (c->out = malloc(OUT_MAX)) == NULL)
		bench_die("out of memory");
	c->h2_error = NULL;
	nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, set, 2);
	conn_set_state(c, CS_H2);
	conn_deadline(c, o->timeout_ms);
	for (i = 0; i < o->streams; i++)
		h2_submit(c);
	h2_pump(c);
}

/*
 * Move nghttp2's output through the TLS layer, then wait: for more input,
 * and for the socket to take more when output is left. Ends the
 * connection once the window is over and no stream is left.
 */
static void
h2_pump(struct conn *c)
{
	struct bench *b = c->b;
	const uint8_t *data;
	ssize_t n;
	int again = 0;

	for (;;) {
		if (c->out_off == c->out_len) {
			c->out_off = c->out_len = 0;
			while (c->out_len + FRAME_ROOM <= OUT_MAX) {
				n = nghttp2_session_mem_send(c->h2, &data);
				if (n < 0) {
					conn_error(c, "h2 send: %s",
					    nghttp2_strerror((int)n));
					return;
				}
				if (n == 0)
					break;
				if (c->out_len + (size_t)n > OUT_MAX) {
					conn_error(c, "h2 output over %d "
					    "octets", OUT_MAX);
					return;
				}
				memcpy(c->out + c->out_len, data, (size_t)n);
				c->out_len += (size_t)n;
			}
			if (c->out_len == 0)
				break;
		}
		n = gnutls_record_send(c->sess, c->out + c->out_off,
		    c->out_len - c->out_off);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			again = 1;
			break;
		}
		if (n < 0) {
			conn_error(c, "send: %s", gnutls_strerror((int)n));
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->h2_error != NULL) {
		conn_error(c, "h2: %s", c->h2_error);
		return;
	}
	if (c->inflight == 0 && (!b->running || bench_now_ns() >= b->t_end)) {
		conn_retire(c);
		return;
	}
	if (!nghttp2_session_want_read(c->h2) &&
	    !nghttp2_session_want_write(c->h2)) {
		conn_error(c, "h2 session ended by the AP (GOAWAY)");
		return;
	}
	conn_wait(c, again);
}

/* --- the socket ------------------------------------------------------------------ */

static void
on_io(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	int soerr = 0, r;
	socklen_t sl = sizeof(soerr);

	(void)fd;
	(void)what;
	switch (c->state) {
	case CS_CONNECT:
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			soerr = errno;
		if (soerr != 0) {
			conn_error(c, "connect: %s", strerror(soerr));
			return;
		}
		if (conn_tls_new(c) != 0)
			return;
		conn_set_state(c, CS_HANDSHAKE);
		conn_handshake(c);
		return;
	case CS_HANDSHAKE:
		conn_handshake(c);
		return;
	case CS_H1:
		if (c->req_off < c->req_len) {
			h1_flush(c);
			return;
		}
		(void)conn_read(c);
		return;
	case CS_H2:
		if (conn_read(c) < 0)
			return;
		h2_pump(c);
		return;
	case CS_EOF:
		if ((r = conn_read(c)) == 1) {
			conn_close(c);
			conn_next(c);
		}
		return;
	case CS_HOLD:
		(void)conn_read(c);
		return;
	case CS_OFF:
		return;
	}
}

/* --- runs --------------------------------------------------------------------------- */

/* CPU of the --pid processes, this one and the host. */
struct cpu {
	double		 pid[PIDS_MAX];
	double		 self, host_busy, host_total;
	uint64_t	 t;
};

static void
cpu_take(const struct opts *o, struct cpu *c)
{
	int i;

	for (i = 0; i < o->npids; i++)
		c->pid[i] = bench_proc_cpu_us(o->pid[i], NULL);
	c->self = bench_self_cpu_us();
	bench_host_cpu_us(&c->host_busy, &c->host_total);
	c->t = bench_now_ns();
}

static void
conn_init(struct bench *b, struct conn *c, unsigned id, enum role role,
    struct keyset *keys, struct stats *st)
{
	memset(c, 0, sizeof(*c));
	c->b = b;
	c->id = id;
	c->role = role;
	c->keys = keys;
	c->st = st;
	c->fd = -1;
	if ((c->ev = event_new(b->base, -1, 0, on_io, c)) == NULL ||
	    (c->timer = evtimer_new(b->base, on_timer, c)) == NULL)
		bench_die("event_new failed");
}

static void
conn_free(struct conn *c)
{
	conn_close(c);
	event_free(c->ev);
	event_free(c->timer);
	free(c->in);
	free(c->out);
}

static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(b->base);
}

/* Open the keep-alive connections before the clock starts: a connection
 * is ready when it is in CS_H1 or CS_H2 with its first answer back. */
static void
load_run(struct bench *b, double *elapsed)
{
	const struct opts *o = b->o;
	struct timeval tv;
	uint64_t t0, drain_ms;
	unsigned i;

	t0 = bench_now_ns();
	b->t_window = t0 + (uint64_t)(o->warmup * 1e9);
	b->t_end = b->t_window + (uint64_t)(o->seconds * 1e9);
	b->running = 1;
	b->active = b->nconns;
	for (i = 0; i < b->nconns; i++)
		conn_begin(&b->conns[i]);
	/* Everything is bounded by the per-operation timeout; this only
	 * guards against a bug of ours. */
	drain_ms = (uint64_t)((o->warmup + o->seconds) * 1000) +
	    2 * (uint64_t)o->timeout_ms + 1000;
	tv.tv_sec = (time_t)(drain_ms / 1000);
	tv.tv_usec = (suseconds_t)(drain_ms % 1000) * 1000;
	evtimer_add(b->drain_timer, &tv);
	if (b->active > 0)
		event_base_dispatch(b->base);
	b->running = 0;
	for (i = 0; i < b->nconns; i++) {
		if (!b->conns[i].retired) {
			b->errors++;
			b->conns[i].st->errors++;
			if (b->errors == 1)
				snprintf(b->first_error, sizeof(b->first_error),
				    "conn %u still busy %llu ms after the "
				    "window", i, (unsigned long long)drain_ms);
		}
		conn_close(&b->conns[i]);
	}
	evtimer_del(b->drain_timer);
	*elapsed = (double)(bench_now_ns() - t0) / 1e9;
}

/* --- idle ------------------------------------------------------------------------------ */

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(b->base);
}

/* Start more connections while fewer than --concurrency are opening;
 * print the line once every one is up or failed. */
static void
idle_next(struct bench *b)
{
	const struct opts *o = b->o;
	unsigned opening = b->idle_next - b->idle_up - b->idle_failed;
	struct timeval tv;

	if (b->idle_ramp_done)
		return;
	while (b->idle_next < b->nconns && opening < (unsigned)o->concurrency) {
		conn_begin(&b->conns[b->idle_next++]);
		opening++;
	}
	if (b->idle_up + b->idle_failed < b->nconns)
		return;
	b->idle_ramp_done = 1;
	if (o->json) {
		printf("{\"bench\":\"ap-idle-up\",\"conns\":%u,\"failed\":%u,"
		    "\"seconds\":%.3f}\n", b->idle_up, b->idle_failed,
		    (double)(bench_now_ns() - b->t_idle0) / 1e9);
	} else {
		printf("ap-idle-up conns=%u failed=%u seconds=%.2f\n",
		    b->idle_up, b->idle_failed,
		    (double)(bench_now_ns() - b->t_idle0) / 1e9);
	}
	fflush(stdout);
	tv.tv_sec = (time_t)o->hold;
	tv.tv_usec = (suseconds_t)((o->hold - (double)tv.tv_sec) * 1e6);
	evtimer_add(b->stop_timer, &tv);
}

static int
idle_run(struct bench *b)
{
	const struct opts *o = b->o;
	unsigned i;
	uint64_t t_held;

	b->t_idle0 = bench_now_ns();
	b->running = 1;
	b->t_window = b->t_idle0;
	b->t_end = UINT64_MAX;
	b->active = b->nconns;
	if ((b->stop_timer = evtimer_new(b->base, on_stop, b)) == NULL ||
	    (b->sig_term = evsignal_new(b->base, SIGTERM, on_stop, b)) ==
	    NULL || (b->sig_int = evsignal_new(b->base, SIGINT, on_stop, b)) ==
	    NULL || event_add(b->sig_term, NULL) != 0 ||
	    event_add(b->sig_int, NULL) != 0)
		bench_die("event_new failed");
	idle_next(b);
	event_base_dispatch(b->base);
	t_held = bench_now_ns();
	b->running = 0;
	for (i = 0; i < b->nconns; i++)
		conn_close(&b->conns[i]);
	if (!b->idle_ramp_done) {
		fprintf(stderr, "bench-ap: stopped before all were up: "
		    "%u up, %u failed of %u\n", b->idle_up, b->idle_failed,
		    b->nconns);
		b->errors++;
	}
	if (o->json)
		printf("{\"bench\":\"ap-idle\",\"conns\":%u,\"up\":%u,"
		    "\"failed\":%u,\"held_s\":%.3f,\"errors\":%llu}\n",
		    b->nconns, b->idle_up, b->idle_failed,
		    (double)(t_held - b->t_idle0) / 1e9,
		    (unsigned long long)b->errors);
	else
		printf("ap-idle conns=%u up=%u failed=%u held=%.1fs "
		    "errors=%llu\n", b->nconns, b->idle_up, b->idle_failed,
		    (double)(t_held - b->t_idle0) / 1e9,
		    (unsigned long long)b->errors);
	event_free(b->stop_timer);
	event_free(b->sig_term);
	event_free(b->sig_int);
	return bench_report_errors(b->errors, b->first_error);
}

/* --- the report ---------------------------------------------------------------------- */

static double
per_op(double a, double c, uint64_t n)
{
	return n > 0 && a >= 0 && c >= 0 ? (c - a) / (double)n : -1;
}

static void
print_header(const struct bench *b)
{
	const struct opts *o = b->o;
	int i;

	printf("# bench-ap: TLS-PSK load client (GnuTLS %s, nghttp2 %s), one "
	    "thread, libevent\n", gnutls_check_version(NULL),
	    nghttp2_version(0)->version_str);
	bench_print_host("bench-ap and the processes measured", BENCH_CFLAGS);
	printf("# AP: %s, SNI %s, GET %s", o->url, o->sni, o->path);
	for (i = 0; i < o->npids; i++)
		printf("%s%s pid %ld sanitizers %s", i ? "; " : " | ",
		    o->pid_name[i], o->pid[i], bench_proc_san(o->pid[i]));
	printf("\n# %.2f s warm-up, %.2f s measured per line; latency "
	    "nearest-rank; CPU per operation from /proc\n", o->warmup,
	    o->seconds);
}

static void
print_result(struct bench *b, const struct cpu *c0, const struct cpu *c1)
{
	const struct opts *o = b->o;
	struct stats *s = &b->main, *ch = &b->churn;
	const char *what;
	char hex[2 * UA_ID_LEN + 1], buf[32];
	double wall = (double)(c1->t - c0->t) / 1e3, ours = 0, v;
	double busy = -1;
	uint64_t ops = s->done;
	int i;

	hex_encode(b->ua_id, UA_ID_LEN, hex);
	if (c1->host_total > c0->host_total && wall > 0)
		busy = (c1->host_busy - c0->host_busy) / wall;
	if (o->json) {
		bench_json_host(o->mode == MODE_NEW ? "ap-new" :
		    o->mode == MODE_KEEP ? "ap-keep" : "ap-mixed", BENCH_CFLAGS);
		printf(",\"label\":");
		bench_json_str(o->label != NULL ? o->label : "");
		printf(",\"tls\":\"%s\",\"suite\":", b->version);
		bench_json_str(b->suite);
		printf(",\"ua_id\":\"%s\",\"proto\":\"%s\",\"conns\":%ld,"
		    "\"streams\":%ld,\"churn\":%ld,\"warmup\":%.3f,"
		    "\"seconds\":%.3f,\"rate\":%.0f,\"p50_us\":%.1f,"
		    "\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"n\":%llu,"
		    "\"hs_p50_us\":%.1f,\"hs_p99_us\":%.1f,\"errors\":%llu,"
		    "\"connects\":%llu", hex, o->h2 ? "h2" : "http/1.1",
		    o->conns, o->h2 ? o->streams : 1, o->churn, o->warmup,
		    o->seconds, s->rate, s->p50, s->p90, s->p99, s->max,
		    (unsigned long long)s->n, s->hs_p50, s->hs_p99,
		    (unsigned long long)b->errors,
		    (unsigned long long)s->connects);
		if (o->mode == MODE_MIXED)
			printf(",\"churn_n\":%llu,\"churn_p50_us\":%.1f,"
			    "\"churn_p99_us\":%.1f", (unsigned long long)ch->n,
			    ch->p50, ch->p99);
		printf(",\"cpu_us\":{");
		for (i = 0; i < o->npids; i++) {
			printf("%s", i ? "," : "");
			bench_json_str(o->pid_name[i]);
			printf(":%s", bench_json_us(per_op(c0->pid[i],
			    c1->pid[i], ops), buf, sizeof(buf)));
		}
		printf("%s\"bench-ap\":%s},\"host_busy\":%.2f,\"first_error\":",
		    o->npids ? "," : "", bench_json_us(per_op(c0->self,
		    c1->self, ops), buf, sizeof(buf)), busy);
		if (b->errors)
			bench_json_str(b->first_error);
		else
			printf("null");
		printf("}\n");
		return;
	}
	what = o->mode == MODE_NEW ? "ap-new" : o->mode == MODE_KEEP ?
	    "ap-keep" : "ap-mixed";
	printf("%s tls=%s%s%s proto=%s conns=%ld", what, o->tls == 13 ? "1.3" :
	    "1.2", o->label != NULL ? " " : "", o->label != NULL ? o->label :
	    "", o->h2 ? "h2" : "http/1.1", o->conns);
	if (o->h2)
		printf(" streams=%ld", o->streams);
	if (o->mode == MODE_MIXED)
		printf(" churn=%ld", o->churn);
	printf(" rate=%.0f/s p50=%.0fus p90=%.0fus p99=%.0fus max=%.0fus "
	    "n=%llu errors=%llu\n", s->rate, s->p50, s->p90, s->p99, s->max,
	    (unsigned long long)s->n, (unsigned long long)b->errors);
	printf("#   %s, key exchange %s, Ua id %s", b->suite, b->kx, hex);
	if (o->mode == MODE_NEW)
		printf("; handshake (connect -> Finished) p50 %.0fus p99 "
		    "%.0fus; %llu connections", s->hs_p50, s->hs_p99,
		    (unsigned long long)s->connects);
	if (o->mode == MODE_MIXED)
		printf("; churn: %llu new connections in the window, p50 %.0fus "
		    "p99 %.0fus (handshake p50 %.0fus)",
		    (unsigned long long)ch->n, ch->p50, ch->p99, ch->hs_p50);
	if (o->mode != MODE_NEW)
		printf("; %llu reconnects", (unsigned long long)b->reconnects);
	printf("\n#   CPU per %s:", o->mode == MODE_NEW ? "connection" :
	    o->mode == MODE_KEEP ? "GET" : "keep-alive GET (churn included)");
	for (i = 0; i < o->npids; i++) {
		v = per_op(c0->pid[i], c1->pid[i], ops);
		if (v >= 0)
			printf(" %s %.1fus,", o->pid_name[i], v);
		if (c0->pid[i] >= 0 && c1->pid[i] >= 0)
			ours += c1->pid[i] - c0->pid[i];
	}
	ours += c1->self - c0->self;
	printf(" bench-ap %.1fus (%llu operations)", per_op(c0->self, c1->self,
	    ops), (unsigned long long)ops);
	if (busy >= 0)
		printf("; host %.2f of %ld cores busy, %.2f outside these",
		    busy, sysconf(_SC_NPROCESSORS_ONLN), busy - ours / wall);
	printf("\n");
	fflush(stdout);
}

/* --- main ------------------------------------------------------------------------------ */

static void
parse_url(struct bench *b, const char *url)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&b->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&b->addr;
	char host[64];
	const char *h, *p;
	long port;

	if (strncmp(url, "https://", 8) != 0)
		bench_die("--url '%s' is not https://ADDR:PORT", url);
	h = url + 8;
	if ((p = strrchr(h, ':')) == NULL || (size_t)(p - h) >= sizeof(host))
		bench_die("--url '%s' is not https://ADDR:PORT", url);
	snprintf(host, sizeof(host), "%.*s", (int)(p - h), h);
	port = bench_arg_long(p + 1, 1, 65535, usage);
	memset(&b->addr, 0, sizeof(b->addr));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		b->addrlen = sizeof(*sin);
	} else if (host[0] == '[' && strlen(host) > 2 &&
	    host[strlen(host) - 1] == ']' && (host[strlen(host) - 1] = '\0',
	    inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) == 1)) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		b->addrlen = sizeof(*sin6);
	} else
		bench_die("--url '%s': need a numeric address", url);
}

static void
parse_opts(int argc, char *argv[], struct opts *o)
{
	char *eq;
	int i;

	memset(o, 0, sizeof(*o));
	o->mode = MODE_NEW;
	o->sni = DEFAULT_SNI;
	o->path = DEFAULT_PATH;
	o->tls = 13;
	o->conns = -1;
	o->streams = 8;
	o->concurrency = CONCURRENCY_DEFAULT;
	o->seconds = SECONDS_DEFAULT;
	o->warmup = WARMUP_DEFAULT;
	o->hold = HOLD_DEFAULT_S;
	o->timeout_ms = TIMEOUT_DEFAULT_MS;
	o->expect_status = 200;
	o->expect_bytes = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--json") == 0)
			o->json = 1;
		else if (strcmp(a, "--no-header") == 0)
			o->no_header = 1;
		else if (strcmp(a, "--cold") == 0)
			o->cold = 1;
		else if (strcmp(a, "--h2") == 0)
			o->h2 = 1;
		else if (strcmp(a, "--no-get") == 0)
			o->no_get = 1;
		else if (strcmp(a, "-v") == 0)
			o->verbose++;
		else if (v == NULL)
			usage();
		else {
			i++;
			if (strcmp(a, "--mode") == 0) {
				if (strcmp(v, "new") == 0)
					o->mode = MODE_NEW;
				else if (strcmp(v, "keep") == 0)
					o->mode = MODE_KEEP;
				else if (strcmp(v, "mixed") == 0)
					o->mode = MODE_MIXED;
				else if (strcmp(v, "idle") == 0)
					o->mode = MODE_IDLE;
				else
					usage();
			} else if (strcmp(a, "--url") == 0)
				o->url = v;
			else if (strcmp(a, "--sni") == 0)
				o->sni = v;
			else if (strcmp(a, "--path") == 0)
				o->path = v;
			else if (strcmp(a, "--label") == 0)
				o->label = v;
			else if (strcmp(a, "--tls") == 0)
				o->tls = (int)bench_arg_long(v, 12, 13, usage);
			else if (strcmp(a, "--kx") == 0) {
				if (strcmp(v, "psk") == 0)
					o->kx_psk = 1;
				else if (strcmp(v, "dhe") != 0)
					usage();
				o->kx_set = 1;
			} else if (strcmp(a, "--priority") == 0)
				o->priority = v;
			else if (strcmp(a, "--identity") == 0)
				o->identity = v;
			else if (strcmp(a, "--key") == 0)
				o->key_hex = v;
			else if (strcmp(a, "--keys") == 0)
				o->keys_file = v;
			else if (strcmp(a, "--churn-keys") == 0)
				o->churn_keys = v;
			else if (strcmp(a, "--ua-id") == 0) {
				if (hex_decode_exact(v, o->ua_id, UA_ID_LEN) != 0)
					usage();
				o->have_ua_id = 1;
			} else if (strcmp(a, "--conns") == 0)
				o->conns = bench_arg_long(v, 1, CONNS_MAX, usage);
			else if (strcmp(a, "--churn") == 0)
				o->churn = bench_arg_long(v, 0, CONNS_LOAD_MAX,
				    usage);
			else if (strcmp(a, "--streams") == 0)
				o->streams = bench_arg_long(v, 1, STREAMS_MAX,
				    usage);
			else if (strcmp(a, "--concurrency") == 0)
				o->concurrency = bench_arg_long(v, 1,
				    CONNS_LOAD_MAX, usage);
			else if (strcmp(a, "--seconds") == 0)
				o->seconds = bench_arg_double(v, 0.1, 600, usage);
			else if (strcmp(a, "--warmup") == 0)
				o->warmup = bench_arg_double(v, 0, 60, usage);
			else if (strcmp(a, "--hold-seconds") == 0)
				o->hold = bench_arg_double(v, 0, 86400, usage);
			else if (strcmp(a, "--timeout-ms") == 0)
				o->timeout_ms = bench_arg_long(v, 1, 600000,
				    usage);
			else if (strcmp(a, "--expect-status") == 0)
				o->expect_status = bench_arg_long(v, 100, 599,
				    usage);
			else if (strcmp(a, "--expect-bytes") == 0)
				o->expect_bytes = bench_arg_long(v, 0, IN_MAX,
				    usage);
			else if (strcmp(a, "--pid") == 0) {
				if (o->npids >= PIDS_MAX ||
				    (eq = strchr(v, '=')) == NULL || eq == v)
					usage();
				*eq = '\0';
				o->pid_name[o->npids] = v;
				o->pid[o->npids++] = bench_arg_long(eq + 1, 1,
				    1L << 30, usage);
			} else
				usage();
		}
	}
	if (o->url == NULL)
		usage();
	if ((o->identity != NULL) != (o->key_hex != NULL) ||
	    (o->identity != NULL) == (o->keys_file != NULL))
		bench_die("give --identity and --key, or --keys FILE");
	if (o->cold && o->keys_file == NULL)
		bench_die("--cold takes the keys of a --keys FILE once each");
	if (o->conns < 0)
		o->conns = o->mode == MODE_IDLE ? 1000 : 16;
	if (o->mode != MODE_IDLE && o->conns > CONNS_LOAD_MAX)
		bench_die("--conns: at most %d in this mode", CONNS_LOAD_MAX);
	if (o->mode == MODE_MIXED && (o->churn == 0) != (o->churn_keys ==
	    NULL))
		bench_die("--mode mixed: --churn W with --churn-keys FILE "
		    "(or neither, for the baseline)");
	if (o->h2 && o->mode != MODE_KEEP)
		bench_die("--h2 is for --mode keep");
	if (o->mode == MODE_IDLE && o->no_get && o->expect_bytes >= 0)
		bench_die("--no-get with --expect-bytes");
}

/* The priority for --tls and --kx (the decision table's suites). */
static const char *
priority_for(const struct opts *o)
{
	if (o->priority != NULL)
		return o->priority;
	if (o->tls == 13)
		return o->kx_psk ?
		    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+PSK" :
		    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-PSK";
	return o->kx_set && !o->kx_psk ?
	    "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ECDHE-PSK:-CIPHER-ALL:"
	    "+AES-128-CBC:-MAC-ALL:+SHA256" :
	    "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+PSK:-CIPHER-ALL:"
	    "+AES-128-GCM:-MAC-ALL:+AEAD";
}

int
main(int argc, char *argv[])
{
	static struct opts o;
	static struct bench b;
	struct cpu c0, c1;
	const char *errpos;
	double elapsed;
	unsigned i, n;
	int ret, rc;

	bench_init("bench-ap");
	parse_opts(argc, argv, &o);
	bench_refuse_self_san();
	for (i = 0; i < (unsigned)o.npids; i++)
		bench_refuse_san(o.pid_name[i], o.pid[i]);
	signal(SIGPIPE, SIG_IGN);
	b.o = &o;
	parse_url(&b, o.url);
	if (o.keys_file != NULL)
		keyset_read(&b.keys, o.keys_file);
	else {
		keyset_add(&b.keys, o.identity, o.key_hex, "--key");
		b.keys.src = "--identity";
	}
	b.keys.once = o.cold;
	if (o.churn_keys != NULL) {
		keyset_read(&b.churn_keys, o.churn_keys);
		b.churn_keys.once = 1;
	}
	n = (unsigned)o.conns + (o.mode == MODE_MIXED ? (unsigned)o.churn : 0);
	bench_raise_nofile((long)n + 64);

	if ((ret = gnutls_global_init()) < 0)
		bench_die("gnutls_global_init: %s", gnutls_strerror(ret));
	if ((ret = gnutls_priority_init(&b.prio, priority_for(&o),
	    &errpos)) < 0)
		bench_die("priority '%s' at '%s': %s", priority_for(&o), errpos,
		    gnutls_strerror(ret));
	if (gnutls_psk_allocate_client_credentials(&b.cred) < 0)
		bench_die("out of memory");
	gnutls_psk_set_client_credentials_function2(b.cred, psk_cb);
	if ((b.base = event_base_new()) == NULL ||
	    (b.drain_timer = evtimer_new(b.base, on_drain, &b)) == NULL)
		bench_die("event_base_new failed");

	if ((b.conns = calloc(n, sizeof(*b.conns))) == NULL)
		bench_die("out of memory for %u connections", n);
	b.nconns = n;
	for (i = 0; i < n; i++) {
		enum role role = o.mode == MODE_NEW ? ROLE_NEW :
		    o.mode == MODE_IDLE ? ROLE_IDLE : ROLE_KEEP;
		struct keyset *ks = &b.keys;
		struct stats *st = &b.main;

		if (o.mode == MODE_MIXED && i >= (unsigned)o.conns) {
			role = ROLE_NEW;
			ks = &b.churn_keys;
			st = &b.churn;
		}
		conn_init(&b, &b.conns[i], i, role, ks, st);
	}
	if (!o.no_header && !o.json) {
		print_header(&b);
		fflush(stdout);
	}

	if (o.mode == MODE_IDLE) {
		rc = idle_run(&b);
	} else {
		cpu_take(&o, &c0);
		load_run(&b, &elapsed);
		cpu_take(&o, &c1);
		stats_finish(&b.main, o.seconds);
		stats_finish(&b.churn, o.seconds);
		print_result(&b, &c0, &c1);
		rc = bench_report_errors(b.errors, b.first_error);
	}

	for (i = 0; i < n; i++)
		conn_free(&b.conns[i]);
	free(b.conns);
	stats_clear(&b.main);
	stats_clear(&b.churn);
	keyset_clear(&b.keys);
	keyset_clear(&b.churn_keys);
	event_free(b.drain_timer);
	event_base_free(b.base);
	gnutls_psk_free_client_credentials(b.cred);
	gnutls_priority_deinit(b.prio);
	gnutls_global_deinit();
	return rc;
}
