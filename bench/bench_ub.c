/*
 * bench_ub.c — the BSF under load: full bootstraps per second over Ub
 * (TS 24.109 §4, Annex A) with N concurrent UEs, and BIR → BIA per second
 * over Zn (TS 29.109 §6) with a store of many live sessions.
 *
 *   bench-ub ub   --env STACK.ENV [--clients 1,16,64] ...
 *   bench-ub load --env STACK.ENV --db BSF.DB [--sessions 100000] ...
 *   bench-ub zn   --env STACK.ENV [--sessions 100000] [--inflight 1,64] ...
 *
 * Nothing is started here: bench/bench-ub.sh runs a stack (scripts/stack)
 * and passes its stack.env, and stops and restarts bsf around `load`.
 *
 * ub — one process, one event_base, N UEs each on its own keep-alive TCP
 * connection (non-blocking sockets, our own HTTP/1.1 framing: the BSF's
 * answers carry Content-Length). Each UE loops, closed loop:
 *   request 1: GET / with Authorization: Digest username=IMPI, nonce=""
 *   → 401: the nonce decoded to RAND‖AUTN; RES (and CK, IK) from Milenage
 *     f2345 with K and OPc of stack.env. The UE side does NOT run the AUTN
 *     check (MAC-A, SQN freshness): the HSS moves one SQN per vector and N
 *     UEs share one subscriber, so a USIM's SQN window would refuse
 *     vectors taken by the others; the figures are the network's, and the
 *     e2e suite checks AUTN. AKAv2 passwords are derived when challenged.
 *   request 2: the Digest response (qop auth-int over the empty body,
 *     nc 00000001, a fresh cnonce, opaque echoed) on the same connection
 *   → 200: the BootstrappingInfo must carry <btid> = base64(RAND)@BSF_FQDN;
 *     the rspauth of Authentication-Info (password RES, method "", the
 *     exact body) is verified for every --verify-every'th bootstrap
 *     (default 16; the first one always).
 * A bootstrap is counted when its 200 arrives inside the measured window;
 * its latency runs from sending request 1 to the last octet of the 200
 * (both round trips, the MAR/MAA to the HSS and the store write inside).
 * Any other answer, a broken connection or a bootstrap over 5 s is an
 * error: counted, the first one printed, the connection reopened after
 * 10 ms, and the exit status 1. The BSF's failure budget and nonce
 * lifetime never come into play for correct answers.
 *
 * load — 100,000 (--sessions) sessions written with bsf_store_put (the
 * BSF's own store code, linked from bsf/bsf_store.o) into a BSF database
 * while bsf is stopped: RAND and Ks derived from --seed and the row number
 * (SHA-256), so `zn` can rebuild each B-TID and the Ks_NAF it must get;
 * IMPI of stack.env, lifetime --lifetime (default 3600 s); the GUSS copied
 * from a live session already in the database (the one HSS document of a
 * real bootstrap, so each BIA filters a real ussList). Every put is its
 * own autocommit transaction, as in the BSF. The time of the load is
 * printed.
 *
 * zn — one Diameter client (common/dia_peer) as TESTER_ORIGIN_HOST (the
 * identity stack.env names for tools, admitted by zn.naf_hosts) to
 * BSF_ZN_PORT. BIRs carry a B-TID of the loaded set picked at random and
 * NAF-Id = NAF_FQDN ‖ 01 00 00 00 07 (TLS 1.3 Ua). C BIRs in flight, each
 * answer sends the next (as bench-zh does). Every BIA is checked: 2001,
 * and a 32-octet ME-Key-Material equal to KDF(Ks, "gba-me", RAND, IMPI,
 * NAF_Id) computed here from the loaded Ks.
 *
 * Rates are answers inside the window divided by its length (warm-up
 * first, default 0.5 s; window 3 s; then a drain with no new work).
 * Percentiles are nearest-rank. CPU per operation of bsf, hss-stub and
 * this program comes from /proc (clock ticks, warm-up and drain
 * included): a figure other load on the host moves less than the rate.
 * Client, bsf and hss-stub share the host's CPUs. Sanitizer builds of
 * any of the three are refused: their figures mean nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "b64.h"
#include "bench_util.h"
#include "bsf.h"
#include "buf.h"
#include "crypto.h"
#include "dia_peer.h"
#include "diameter.h"
#include "digest.h"
#include "gba.h"
#include "hex.h"
#include "log.h"
#include "milenage.h"
#include "secret.h"

#ifndef BENCH_CFLAGS
#define BENCH_CFLAGS	"?"
#endif

#define SECONDS_DEFAULT		3.0
#define WARMUP_DEFAULT		0.5
#define CLIENTS_DEFAULT		"1,16,64"
#define INFLIGHT_DEFAULT	"1,64"
#define SESSIONS_DEFAULT	100000
#define SESSIONS_MAX		10000000
#define LIFETIME_DEFAULT	3600
#define VERIFY_DEFAULT		16
#define COUNT_MAX		4096	/* clients or BIRs in flight */
#define LISTS_MAX		16	/* values in --clients / --inflight */
#define BOOT_TIMEOUT_MS		5000	/* one whole bootstrap */
#define RETRY_MS		10	/* reconnect after an error */
#define REQUEST_TIMEOUT_MS	5000	/* one BIR */
#define OPEN_TIMEOUT_MS		5000
#define HTTP_IN_MAX		16384	/* one response: head + body */
#define HTTP_OUT_MAX		(DIGEST_MAX_LEN + 512)	/* one request */
#define BIR_MAX			4096	/* one BIR is ~250 octets */
#define UA_TLS13	"\x01\x00\x00\x00\x07"

/* --- figures -------------------------------------------------------------- */

/* Figures of one client count (ub) or in-flight count (zn). */
struct run {
	unsigned	 count;		/* clients or BIRs in flight */
	size_t		 n;		/* good answers in the window */
	uint64_t	*lat;		/* their latencies, ns */
	size_t		 nlat, cap;
	uint64_t	*lat1, *lat2;	/* ub: each round trip, ns */
	size_t		 nlat1, cap1, nlat2, cap2;
	uint64_t	 boots;		/* ub: 200s checked, whole run */
	uint64_t	 errors;	/* warm-up, window and drain */
	uint64_t	 done;		/* all completions, errors included */
	uint64_t	 verified;	/* ub: rspauth checked */
	uint64_t	 connects;	/* ub: TCP connections opened */
	double		 rate;		/* n / window, per s */
	double		 p50, p90, p99, max;	/* us */
	double		 rt1_p50, rt2_p50;	/* us */
	double		 bsf_us, hss_us, self_us;	/* CPU per op; < 0 unknown */
	double		 bsf_sys_us;		/* of bsf_us, in the kernel */
	double		 host_busy, others;	/* cores busy: all, not ours */
};

static void
run_finish(struct run *r, double seconds)
{
	r->rate = (double)r->n / seconds;
	bench_lat_sort(r->lat, r->nlat);
	r->p50 = bench_pct(r->lat, r->nlat, 50);
	r->p90 = bench_pct(r->lat, r->nlat, 90);
	r->p99 = bench_pct(r->lat, r->nlat, 99);
	r->max = bench_pct(r->lat, r->nlat, 100);
	bench_lat_sort(r->lat1, r->nlat1);
	bench_lat_sort(r->lat2, r->nlat2);
	r->rt1_p50 = bench_pct(r->lat1, r->nlat1, 50);
	r->rt2_p50 = bench_pct(r->lat2, r->nlat2, 50);
}

static void
run_clear(struct run *r)
{
	free(r->lat);
	free(r->lat1);
	free(r->lat2);
}

/* CPU of the processes behind a run (bsf, hss-stub, us) and the host. */
struct cpu {
	double		bsf, hss, self;
	double		bsf_sys, hss_sys;
	double		host_busy, host_total;
	uint64_t	t;		/* ns */
};

static void
cpu_take(struct cpu *c, long bsf_pid, long hss_pid)
{
	c->bsf = bench_proc_cpu_us(bsf_pid, &c->bsf_sys);
	c->hss = bench_proc_cpu_us(hss_pid, &c->hss_sys);
	c->self = bench_self_cpu_us();
	bench_host_cpu_us(&c->host_busy, &c->host_total);
	c->t = bench_now_ns();
}

static double
cpu_per(double a, double b, uint64_t n)
{
	return n > 0 && a >= 0 && b >= 0 ? (b - a) / (double)n : -1;
}

static void
cpu_finish(struct run *r, const struct cpu *c0, const struct cpu *c1)
{
	r->bsf_us = cpu_per(c0->bsf, c1->bsf, r->done);
	r->bsf_sys_us = cpu_per(c0->bsf_sys, c1->bsf_sys, r->done);
	r->hss_us = cpu_per(c0->hss, c1->hss, r->done);
	r->self_us = cpu_per(c0->self, c1->self, r->done);
	r->host_busy = r->others = -1;
	if (c1->t > c0->t && c1->host_total > c0->host_total) {
		double wall = (double)(c1->t - c0->t) / 1e3, ours = 0;

		/* Cores busy over the run, and those not spent in our three
		 * processes: kernel threads (writeback, softirq not charged
		 * to a task) and whatever else runs on the host. */
		r->host_busy = (c1->host_busy - c0->host_busy) / wall;
		if (c0->bsf >= 0 && c1->bsf >= 0)
			ours += c1->bsf - c0->bsf;
		if (c0->hss >= 0 && c1->hss >= 0)
			ours += c1->hss - c0->hss;
		ours += c1->self - c0->self;
		r->others = r->host_busy - ours / wall;
	}
}

/* --- the loaded sessions -------------------------------------------------- */

/*
 * Session `i` of the set made with `seed`: RAND and Ks from SHA-256 over
 * "utstack bench-ub" || seed || i || label (1: RAND, 2: Ks). Random-looking
 * keys, so the B-tree sees what real RANDs give it.
 */
static void
session_derive(uint64_t seed, uint64_t i, uint8_t rand[GBA_RAND_LEN],
    uint8_t ks[GBA_KS_LEN])
{
	uint8_t in[16 + 8 + 8 + 1], md[CRYPTO_SHA256_LEN];
	int k;

	memcpy(in, "utstack bench-ub", 16);
	for (k = 0; k < 8; k++) {
		in[16 + k] = (uint8_t)(seed >> (56 - 8 * k));
		in[24 + k] = (uint8_t)(i >> (56 - 8 * k));
	}
	in[32] = 1;
	crypto_sha256(in, sizeof(in), md);
	memcpy(rand, md, GBA_RAND_LEN);
	in[32] = 2;
	crypto_sha256(in, sizeof(in), ks);
	secret_wipe(md, sizeof(md));
}

/* --- ub: the UEs ------------------------------------------------------------ */

enum ue_state {
	UE_IDLE,		/* the run is over for this UE */
	UE_WAIT_401,		/* request 1 sent */
	UE_WAIT_200,		/* request 2 sent */
	UE_PAUSE		/* after an error, before the retry */
};

struct ub_bench;

struct ue {
	struct ub_bench	*b;
	unsigned	 id;
	int		 fd;
	struct event	*rev, *wev;	/* readable, writable */
	struct event	*timer;		/* bootstrap timeout or retry */
	enum ue_state	 state;
	uint64_t	 t_start, t_401;	/* ns */
	/* the request being written */
	char		 out[HTTP_OUT_MAX];
	size_t		 out_len, out_off;
	/* the response being read; `head_len` 0 until its head is parsed */
	char		 in[HTTP_IN_MAX + 1];
	size_t		 in_len;
	size_t		 head_len, body_len;
	int		 status;
	const char	*www_auth, *auth_info;	/* into `in` */
	int		 close;		/* Connection: close */
	/* the challenge and our answer */
	uint8_t		 rand[16];
	char		 nonce[B64_LEN(64)];
	char		 algorithm[32];
	uint8_t		 pw[DIGEST_AKAV2_PW_LEN];
	size_t		 pw_len;
	char		 cnonce[33];
	uint64_t	 cn_ctr;
};

struct ub_bench {
	struct event_base	*base;
	struct sockaddr_in	 addr;
	struct milenage		 mil;
	char			 impi[BSF_ID_MAX];
	char			 fqdn[BSF_ID_MAX];
	char			 host_hdr[BSF_ID_MAX + 16];
	long			 bsf_pid, hss_pid;
	unsigned		 verify_every;
	struct ue		*ues;
	unsigned		 active;	/* UEs not idle */
	uint64_t		 t_window, t_end;
	struct run		*run;
	struct digest_hdr	 hdr;		/* scratch */
	uint64_t		 errors;
	char			 first_error[512];
};

static void ue_error(struct ue *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void	ue_begin(struct ue *);

static void
ue_disconnect(struct ue *u)
{
	if (u->fd < 0)
		return;
	event_free(u->rev);
	event_free(u->wev);
	u->rev = u->wev = NULL;
	close(u->fd);
	u->fd = -1;
	u->in_len = u->head_len = 0;
	u->out_len = u->out_off = 0;
}

/* Done with this UE for the run: the loop ends with the last one. */
static void
ue_retire(struct ue *u)
{
	struct ub_bench *b = u->b;

	u->state = UE_IDLE;
	evtimer_del(u->timer);
	if (--b->active == 0)
		event_base_loopbreak(b->base);
}

/* The next bootstrap, or retirement after the window. */
static void
ue_next(struct ue *u)
{
	if (bench_now_ns() >= u->b->t_end)
		ue_retire(u);
	else
		ue_begin(u);
}

static void
ue_error(struct ue *u, const char *fmt, ...)
{
	struct ub_bench *b = u->b;
	struct timeval tv = { 0, RETRY_MS * 1000 };
	va_list ap;
	int n;

	b->errors++;
	b->run->errors++;
	b->run->done++;
	if (b->errors == 1) {
		n = snprintf(b->first_error, sizeof(b->first_error),
		    "UE %u: ", u->id);
		va_start(ap, fmt);
		vsnprintf(b->first_error + n, sizeof(b->first_error) - (size_t)n,
		    fmt, ap);
		va_end(ap);
	}
	/* A fresh connection after a pause: no tight loop against a BSF
	 * that refuses, and no recursion. */
	ue_disconnect(u);
	u->state = UE_PAUSE;
	evtimer_add(u->timer, &tv);
}

static void	on_readable(evutil_socket_t, short, void *);
static void	on_writable(evutil_socket_t, short, void *);

static int
ue_connect(struct ue *u)
{
	struct ub_bench *b = u->b;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/* Loopback: a blocking connect returns at once. */
	if (connect(fd, (struct sockaddr *)&b->addr, sizeof(b->addr)) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (evutil_make_socket_nonblocking(fd) != 0) {
		close(fd);
		return -1;
	}
	u->fd = fd;
	u->rev = event_new(b->base, fd, EV_READ | EV_PERSIST, on_readable, u);
	u->wev = event_new(b->base, fd, EV_WRITE, on_writable, u);
	if (u->rev == NULL || u->wev == NULL || event_add(u->rev, NULL) != 0)
		bench_die("event_new failed");
	b->run->connects++;
	return 0;
}

/* Write what is left of u->out; wait for POLLOUT when the socket is full. */
static void
ue_flush(struct ue *u)
{
	ssize_t n;

	while (u->out_off < u->out_len) {
		n = send(u->fd, u->out + u->out_off, u->out_len - u->out_off,
		    MSG_NOSIGNAL);
		if (n > 0) {
			u->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			event_add(u->wev, NULL);
			return;
		}
		ue_error(u, "send: %s", n < 0 ? strerror(errno) : "0 octets");
		return;
	}
}

static void
on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ue_flush(arg);
}

/* GET / with Host, User-Agent (TS 24.109 A.3) and Authorization. */
static void
ue_send(struct ue *u, const char *authz)
{
	int n;

	n = snprintf(u->out, sizeof(u->out), "GET / HTTP/1.1\r\n%s\r\n"
	    "User-Agent: utstack-bench-ub/" UTSTACK_VERSION " 3gpp-gba\r\n"
	    "Authorization: %s\r\n\r\n", u->b->host_hdr, authz);
	if (n < 0 || (size_t)n >= sizeof(u->out)) {
		ue_error(u, "request over %zu octets", sizeof(u->out));
		return;
	}
	u->out_len = (size_t)n;
	u->out_off = 0;
	u->in_len = u->head_len = 0;
	ue_flush(u);
}

/* Request 1 (TS 24.109 A.3): username, realm, uri, empty nonce and
 * response. */
static void
ue_begin(struct ue *u)
{
	struct ub_bench *b = u->b;
	struct timeval tv = { BOOT_TIMEOUT_MS / 1000,
	    (BOOT_TIMEOUT_MS % 1000) * 1000 };
	struct digest_build d;
	char authz[DIGEST_MAX_LEN];

	if (u->fd < 0 && ue_connect(u) != 0) {
		ue_error(u, "connect: %s", strerror(errno));
		return;
	}
	digest_build_init(&d, DIGEST_CREDENTIALS, authz, sizeof(authz));
	digest_build_add(&d, "username", b->impi, DIGEST_AUTO);
	digest_build_add(&d, "realm", b->fqdn, DIGEST_AUTO);
	digest_build_add(&d, "nonce", "", DIGEST_QUOTED);
	digest_build_add(&d, "uri", "/", DIGEST_AUTO);
	digest_build_add(&d, "response", "", DIGEST_QUOTED);
	if (digest_build_finish(&d, NULL) != 0) {
		ue_error(u, "request 1 Authorization does not fit");
		return;
	}
	u->state = UE_WAIT_401;
	u->t_start = bench_now_ns();
	evtimer_add(u->timer, &tv);
	ue_send(u, authz);
}

/* The 401: run Milenage on the nonce and send request 2 (TS 24.109 A.4). */
static void
ue_answer(struct ue *u)
{
	struct ub_bench *b = u->b;
	struct digest_hdr *h = &b->hdr;
	struct digest_input in;
	struct digest_build d;
	uint8_t raw[64], res[8], ck[16], ik[16], ak[6], aks[6];
	char err[160], resp[DIGEST_HEX_MAX], pw2[DIGEST_AKAV2_PW_LEN];
	char authz[DIGEST_MAX_LEN];
	const char *nonce, *opaque, *alg;
	ssize_t n;

	if (u->status != 401 || u->www_auth == NULL) {
		ue_error(u, "request 1: expected 401 with WWW-Authenticate, got "
		    "%d: %.200s", u->status, u->in + u->head_len);
		return;
	}
	if (digest_parse(h, DIGEST_CHALLENGE, u->www_auth, err,
	    sizeof(err)) != 0) {
		ue_error(u, "WWW-Authenticate: %s", err);
		return;
	}
	nonce = digest_get(h, "nonce");
	opaque = digest_get(h, "opaque");
	alg = digest_get(h, "algorithm");
	if (nonce == NULL || opaque == NULL || alg == NULL ||
	    strlen(nonce) >= sizeof(u->nonce) ||
	    strlen(alg) >= sizeof(u->algorithm)) {
		ue_error(u, "challenge without nonce/opaque/algorithm: %s",
		    u->www_auth);
		return;
	}
	n = b64_decode(nonce, strlen(nonce), raw, sizeof(raw));
	if (n < 32) {
		ue_error(u, "nonce '%s' is not base64 of RAND||AUTN", nonce);
		return;
	}
	snprintf(u->nonce, sizeof(u->nonce), "%s", nonce);
	snprintf(u->algorithm, sizeof(u->algorithm), "%s", alg);
	memcpy(u->rand, raw, 16);
	/* f2345 only: no MAC-A/SQN check on the UE side (file comment). */
	milenage_f2345(&b->mil, u->rand, res, ck, ik, ak, aks);
	memset(&in, 0, sizeof(in));
	if (digest_alg_parse(alg, &in.alg) != 0 || !in.alg.aka) {
		ue_error(u, "algorithm '%s' is not Digest AKA", alg);
		return;
	}
	if (in.alg.aka == 2) {
		if (digest_akav2_password(res, sizeof(res), ik, ck, pw2) != 0) {
			ue_error(u, "AKAv2 password failed");
			return;
		}
		u->pw_len = strlen(pw2);
		memcpy(u->pw, pw2, u->pw_len);
	} else {
		u->pw_len = sizeof(res);
		memcpy(u->pw, res, sizeof(res));
	}
	/* A fresh cnonce per answer; uniqueness is all it needs here. */
	snprintf(u->cnonce, sizeof(u->cnonce), "%08x%016llx", u->id,
	    (unsigned long long)++u->cn_ctr);
	in.username = b->impi;
	in.realm = b->fqdn;
	in.password = u->pw;
	in.password_len = u->pw_len;
	in.method = "GET";
	in.uri = "/";
	in.nonce = u->nonce;
	in.nc = "00000001";
	in.cnonce = u->cnonce;
	in.qop = "auth-int";
	if (digest_response(&in, resp) != 0) {
		ue_error(u, "digest_response failed");
		return;
	}
	digest_build_init(&d, DIGEST_CREDENTIALS, authz, sizeof(authz));
	digest_build_add(&d, "username", b->impi, DIGEST_AUTO);
	digest_build_add(&d, "realm", b->fqdn, DIGEST_AUTO);
	digest_build_add(&d, "nonce", u->nonce, DIGEST_AUTO);
	digest_build_add(&d, "uri", "/", DIGEST_AUTO);
	digest_build_add(&d, "qop", "auth-int", DIGEST_AUTO);
	digest_build_add(&d, "nc", "00000001", DIGEST_AUTO);
	digest_build_add(&d, "cnonce", u->cnonce, DIGEST_AUTO);
	digest_build_add(&d, "response", resp, DIGEST_AUTO);
	digest_build_add(&d, "opaque", opaque, DIGEST_AUTO);
	digest_build_add(&d, "algorithm", u->algorithm, DIGEST_AUTO);
	secret_wipe(res, sizeof(res));
	secret_wipe(ck, sizeof(ck));
	secret_wipe(ik, sizeof(ik));
	secret_wipe(pw2, sizeof(pw2));
	if (digest_build_finish(&d, NULL) != 0) {
		ue_error(u, "request 2 Authorization does not fit");
		return;
	}
	u->state = UE_WAIT_200;
	u->t_401 = bench_now_ns();
	ue_send(u, authz);
}

/* rspauth of Authentication-Info over the exact body (RFC 3310 §3.5). */
static int
ue_check_rspauth(struct ue *u, const char *body, size_t len)
{
	struct ub_bench *b = u->b;
	struct digest_hdr *h = &b->hdr;
	struct digest_input in;
	const char *v;
	char err[160], want[DIGEST_HEX_MAX];

	if (u->auth_info == NULL) {
		ue_error(u, "200 without Authentication-Info");
		return -1;
	}
	if (digest_parse(h, DIGEST_AUTH_INFO, u->auth_info, err,
	    sizeof(err)) != 0) {
		ue_error(u, "Authentication-Info: %s", err);
		return -1;
	}
	if ((v = digest_get(h, "rspauth")) == NULL) {
		ue_error(u, "Authentication-Info without rspauth");
		return -1;
	}
	memset(&in, 0, sizeof(in));
	if (digest_alg_parse(u->algorithm, &in.alg) != 0) {
		ue_error(u, "algorithm '%s'", u->algorithm);
		return -1;
	}
	in.username = b->impi;
	in.realm = b->fqdn;
	in.password = u->pw;
	in.password_len = u->pw_len;
	in.method = "";
	in.uri = "/";
	in.nonce = u->nonce;
	in.nc = "00000001";
	in.cnonce = u->cnonce;
	in.qop = "auth-int";
	in.body = (const uint8_t *)body;
	in.body_len = len;
	if (digest_response(&in, want) != 0 || strcmp(want, v) != 0) {
		ue_error(u, "rspauth %s, expected %s", v, want);
		return -1;
	}
	b->run->verified++;
	return 0;
}

/* The 200 (TS 24.109 A.3, C.1): BootstrappingInfo with our B-TID. */
static void
ue_done(struct ue *u)
{
	struct ub_bench *b = u->b;
	struct run *r = b->run;
	char *body = u->in + u->head_len, want[GBA_BTID_MAX];
	const char *p, *e;
	uint64_t t = bench_now_ns();
	size_t wl;

	if (u->status != 200) {
		ue_error(u, "request 2: expected 200, got %d: %.200s",
		    u->status, body);
		return;
	}
	/* <btid> = base64(RAND)@fqdn of the RAND we answered */
	if (gba_btid_build(u->rand, b->fqdn, want, sizeof(want)) != 0)
		bench_die("gba_btid_build failed");
	wl = strlen(want);
	if ((p = strstr(body, "<btid>")) == NULL ||
	    (e = strstr(p, "</btid>")) == NULL || (size_t)(e - p - 6) != wl ||
	    memcmp(p + 6, want, wl) != 0) {
		ue_error(u, "BootstrappingInfo without <btid>base64(RAND)@%s: "
		    "%.300s", b->fqdn, body);
		return;
	}
	if (r->boots++ % b->verify_every == 0 &&
	    ue_check_rspauth(u, body, u->body_len) != 0)
		return;
	r->done++;
	if (t >= b->t_window && t < b->t_end) {
		r->n++;
		bench_lat_push(&r->lat, &r->nlat, &r->cap, t - u->t_start);
		bench_lat_push(&r->lat1, &r->nlat1, &r->cap1,
		    u->t_401 - u->t_start);
		bench_lat_push(&r->lat2, &r->nlat2, &r->cap2, t - u->t_401);
	}
	evtimer_del(u->timer);
	if (u->close)
		ue_disconnect(u);	/* keep-alive refused: reopen */
	ue_next(u);
}

/* Parse the head in u->in[0 .. end): status, the headers we read,
 * Content-Length. NUL-terminates lines in place. */
static int
ue_parse_head(struct ue *u, char *end)
{
	char *line, *next, *colon, *v, *e;
	long cl = -1;

	*end = '\0';
	line = u->in;
	if ((next = strstr(line, "\r\n")) != NULL) {
		*next = '\0';
		next += 2;
	}
	if (strncmp(line, "HTTP/1.1 ", 9) != 0 || strlen(line) < 12) {
		ue_error(u, "bad status line '%.60s'", line);
		return -1;
	}
	u->status = (int)strtol(line + 9, NULL, 10);
	u->www_auth = u->auth_info = NULL;
	u->close = 0;
	while ((line = next) != NULL && *line != '\0') {
		if ((next = strstr(line, "\r\n")) != NULL) {
			*next = '\0';
			next += 2;
		}
		if ((colon = strchr(line, ':')) == NULL) {
			ue_error(u, "bad header line '%.60s'", line);
			return -1;
		}
		*colon = '\0';
		v = colon + 1 + strspn(colon + 1, " \t");
		for (e = v + strlen(v); e > v && (e[-1] == ' ' ||
		    e[-1] == '\t'); )
			*--e = '\0';
		if (strcasecmp(line, "Content-Length") == 0) {
			errno = 0;
			cl = strtol(v, &e, 10);
			if (errno || e == v || *e != '\0' || cl < 0)
				cl = -2;
		} else if (strcasecmp(line, "WWW-Authenticate") == 0)
			u->www_auth = v;
		else if (strcasecmp(line, "Authentication-Info") == 0)
			u->auth_info = v;
		else if (strcasecmp(line, "Connection") == 0)
			u->close = strcasestr(v, "close") != NULL;
		else if (strcasecmp(line, "Transfer-Encoding") == 0)
			cl = -2;	/* the BSF always sends Content-Length */
	}
	if (cl < 0 || (size_t)cl > HTTP_IN_MAX - (size_t)(end + 4 - u->in)) {
		ue_error(u, "status %d: no usable Content-Length", u->status);
		return -1;
	}
	u->head_len = (size_t)(end + 4 - u->in);
	u->body_len = (size_t)cl;
	return 0;
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct ue *u = arg;
	char *end;
	ssize_t n;

	(void)what;
	for (;;) {
		if (u->in_len >= HTTP_IN_MAX) {
			ue_error(u, "response over %d octets", HTTP_IN_MAX);
			return;
		}
		n = recv(fd, u->in + u->in_len, HTTP_IN_MAX - u->in_len, 0);
		if (n > 0) {
			u->in_len += (size_t)n;
			break;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		ue_error(u, "%s in state %d", n == 0 ? "connection closed" :
		    strerror(errno), (int)u->state);
		return;
	}
	if (u->state != UE_WAIT_401 && u->state != UE_WAIT_200) {
		ue_error(u, "%zu unsolicited octets", u->in_len);
		return;
	}
	if (u->head_len == 0) {
		if ((end = memmem(u->in, u->in_len, "\r\n\r\n", 4)) == NULL)
			return;
		if (ue_parse_head(u, end) != 0)
			return;
	}
	if (u->in_len < u->head_len + u->body_len)
		return;
	if (u->in_len > u->head_len + u->body_len) {
		ue_error(u, "octets after the response (none was asked)");
		return;
	}
	u->in[u->in_len] = '\0';	/* the body as a string */
	if (u->state == UE_WAIT_401)
		ue_answer(u);
	else
		ue_done(u);
}

static void
on_ue_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ue *u = arg;

	(void)fd;
	(void)what;
	if (u->state == UE_PAUSE)
		ue_next(u);
	else if (u->state == UE_WAIT_401 || u->state == UE_WAIT_200)
		ue_error(u, "no %s within %d ms", u->state == UE_WAIT_401 ?
		    "401" : "200", BOOT_TIMEOUT_MS);
}

static void
ub_run(struct ub_bench *b, struct run *r, double warmup, double seconds)
{
	struct cpu c0, c1;
	unsigned i;
	uint64_t t0;

	b->run = r;
	if ((b->ues = calloc(r->count, sizeof(*b->ues))) == NULL)
		bench_die("out of memory");
	for (i = 0; i < r->count; i++) {
		b->ues[i].b = b;
		b->ues[i].id = i;
		b->ues[i].fd = -1;
		if ((b->ues[i].timer = evtimer_new(b->base, on_ue_timer,
		    &b->ues[i])) == NULL)
			bench_die("evtimer_new failed");
	}
	/* Connections first, so connect time is no bootstrap's. */
	for (i = 0; i < r->count; i++)
		if (ue_connect(&b->ues[i]) != 0)
			bench_die("connect to the BSF: %s", strerror(errno));
	cpu_take(&c0, b->bsf_pid, b->hss_pid);
	t0 = bench_now_ns();
	b->t_window = t0 + (uint64_t)(warmup * 1e9);
	b->t_end = b->t_window + (uint64_t)(seconds * 1e9);
	b->active = r->count;
	for (i = 0; i < r->count; i++)
		ue_begin(&b->ues[i]);
	event_base_dispatch(b->base);
	cpu_take(&c1, b->bsf_pid, b->hss_pid);
	cpu_finish(r, &c0, &c1);
	for (i = 0; i < r->count; i++) {
		ue_disconnect(&b->ues[i]);
		event_free(b->ues[i].timer);
		secret_wipe(b->ues[i].pw, sizeof(b->ues[i].pw));
	}
	free(b->ues);
	b->ues = NULL;
	run_finish(r, seconds);
}

/* --- zn: BIR/BIA ---------------------------------------------------------- */

struct zn_bench;

struct bir_slot {
	struct zn_bench	*b;
	struct buf	 msg;
	uint64_t	 t_send;
	uint64_t	 idx;		/* session of the set */
};

struct zn_bench {
	struct event_base	*base;
	struct dia_client	*client;
	const char		*origin_host, *origin_realm, *dest_realm;
	char			 impi[BSF_ID_MAX];
	char			 fqdn[BSF_ID_MAX];
	uint8_t			 naf_id[GBA_NAF_ID_MAX];
	size_t			 naf_id_len;
	uint64_t		 seed, sessions, rng;
	long			 bsf_pid;
	struct bir_slot		*slots;
	unsigned		 in_flight;
	uint64_t		 t_window, t_end;
	struct run		*run;
	uint64_t		 errors;
	char			 first_error[512];
};

static void zn_error(struct zn_bench *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
zn_error(struct zn_bench *b, const char *fmt, ...)
{
	va_list ap;

	b->errors++;
	if (b->run != NULL)
		b->run->errors++;
	if (b->errors > 1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->first_error, sizeof(b->first_error), fmt, ap);
	va_end(ap);
}

/* xorshift64*: which loaded session the next BIR names. */
static uint64_t
zn_pick(struct zn_bench *b)
{
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return (b->rng * 0x2545F4914F6CDD1DULL) % b->sessions;
}

/* A BIR as a NAF sends it (TS 29.109 6.3.1.1, GBA.md §4.3). */
static int
zn_build(struct zn_bench *b, struct bir_slot *s)
{
	struct dia_build d;
	uint8_t rand[GBA_RAND_LEN], ks[GBA_KS_LEN];
	char sid[320], btid[GBA_BTID_MAX];

	s->idx = zn_pick(b);
	session_derive(b->seed, s->idx, rand, ks);
	secret_wipe(ks, sizeof(ks));
	if (gba_btid_build(rand, b->fqdn, btid, sizeof(btid)) != 0 ||
	    dia_session_id(b->origin_host, sid, sizeof(sid)) != 0)
		return -1;
	buf_reset(&s->msg);
	dia_build_begin(&d, &s->msg, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_BI,
	    DIA_APP_ZN, 0, 0);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, sid);
	dia_group_begin(&d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, DIA_VENDOR_3GPP);
	dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, DIA_APP_ZN);
	dia_group_end(&d);
	dia_put_u32(&d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, b->origin_host);
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, b->origin_realm);
	dia_put_str(&d, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0,
	    b->dest_realm);
	dia_put(&d, DIA_AVP_TRANSACTION_IDENTIFIER, DIA_AVP_M, DIA_VENDOR_3GPP,
	    btid, strlen(btid));
	dia_put(&d, DIA_AVP_NAF_ID, DIA_AVP_M, DIA_VENDOR_3GPP, b->naf_id,
	    b->naf_id_len);
	return dia_build_end(&d);
}

/* Why `m` is not the BIA of session s->idx, or NULL when it is. */
static const char *
zn_check(const struct zn_bench *b, const struct bir_slot *s,
    const struct dia_msg *m, char *why, size_t size)
{
	const struct dia_avp *a, *er;
	uint8_t rand[GBA_RAND_LEN], ks[GBA_KS_LEN], want[GBA_KEY_LEN];
	uint32_t rc = 0;
	int ok;

	if (m->cmd != DIA_CMD_BI || (m->flags & DIA_FLAG_R))
		return "not a BIA";
	if ((a = dia_msg_find(m, NULL, DIA_AVP_RESULT_CODE, 0, NULL)) == NULL) {
		if ((er = dia_msg_find(m, NULL, DIA_AVP_EXPERIMENTAL_RESULT, 0,
		    NULL)) != NULL && (a = dia_msg_find(m, er,
		    DIA_AVP_EXPERIMENTAL_RESULT_CODE, 0, NULL)) != NULL &&
		    dia_avp_u32(a, &rc, NULL) == 0) {
			snprintf(why, size, "Experimental-Result-Code %u%s", rc,
			    rc == 5403 ? " (B-TID unknown: was the store "
			    "loaded with this --seed?)" : "");
			return why;
		}
		return "no Result-Code";
	}
	if (dia_avp_u32(a, &rc, NULL) != 0)
		return "malformed Result-Code";
	if (rc != DIA_SUCCESS) {
		snprintf(why, size, "Result-Code %u %s", rc,
		    dia_result_name(rc));
		return why;
	}
	if ((a = dia_msg_find(m, NULL, DIA_AVP_ME_KEY_MATERIAL,
	    DIA_VENDOR_3GPP, NULL)) == NULL || a->len != GBA_KEY_LEN)
		return "no 32-octet ME-Key-Material";
	/* Ks_NAF = KDF(Ks, "gba-me", RAND, IMPI, NAF_Id) (33.220 B.3) */
	session_derive(b->seed, s->idx, rand, ks);
	if (gba_ks_naf(ks, rand, b->impi, b->naf_id, b->naf_id_len,
	    want) != 0)
		return "gba_ks_naf failed";
	ok = ct_memeq(a->data, want, GBA_KEY_LEN);
	secret_wipe(ks, sizeof(ks));
	secret_wipe(want, sizeof(want));
	if (!ok) {
		snprintf(why, size, "ME-Key-Material is not Ks_NAF of "
		    "session %llu", (unsigned long long)s->idx);
		return why;
	}
	return NULL;
}

static void	on_bia(void *, const struct dia_msg *, const char *);

static int
zn_send(struct bir_slot *s)
{
	struct zn_bench *b = s->b;

	if (zn_build(b, s) != 0) {
		zn_error(b, "cannot build a BIR");
		return -1;
	}
	s->t_send = bench_now_ns();
	if (dia_client_request(b->client, &s->msg, REQUEST_TIMEOUT_MS, on_bia,
	    s) != 0) {
		zn_error(b, "dia_client_request refused the BIR (%s)",
		    dia_client_is_open(b->client) ? "output full?" :
		    "connection not open");
		return -1;
	}
	return 0;
}

static void
on_bia(void *arg, const struct dia_msg *answer, const char *error)
{
	struct bir_slot *s = arg;
	struct zn_bench *b = s->b;
	struct run *r = b->run;
	uint64_t t = bench_now_ns();
	const char *bad;
	char why[160];

	r->done++;
	if (answer == NULL)
		zn_error(b, "no answer: %s", error);
	else if ((bad = zn_check(b, s, answer, why, sizeof(why))) != NULL)
		zn_error(b, "bad BIA (hbh 0x%08x): %s", answer->hbh, bad);
	else if (t >= b->t_window && t < b->t_end) {
		r->n++;
		bench_lat_push(&r->lat, &r->nlat, &r->cap, t - s->t_send);
	}
	if (t < b->t_end && zn_send(s) == 0)
		return;
	if (--b->in_flight == 0)
		event_base_loopbreak(b->base);
}

static void
zn_run(struct zn_bench *b, struct run *r, double warmup, double seconds)
{
	struct cpu c0, c1;
	unsigned i;

	b->run = r;
	if ((b->slots = calloc(r->count, sizeof(*b->slots))) == NULL)
		bench_die("out of memory");
	cpu_take(&c0, b->bsf_pid, 0);
	b->t_window = bench_now_ns() + (uint64_t)(warmup * 1e9);
	b->t_end = b->t_window + (uint64_t)(seconds * 1e9);
	b->in_flight = 0;
	for (i = 0; i < r->count; i++) {
		b->slots[i].b = b;
		buf_init(&b->slots[i].msg, BIR_MAX);
		if (zn_send(&b->slots[i]) == 0)
			b->in_flight++;
	}
	if (b->in_flight > 0)
		event_base_dispatch(b->base);
	cpu_take(&c1, b->bsf_pid, 0);
	cpu_finish(r, &c0, &c1);
	for (i = 0; i < r->count; i++)
		buf_clear(&b->slots[i].msg);
	free(b->slots);
	b->slots = NULL;
	run_finish(r, seconds);
}

static void
zn_open(struct zn_bench *b, const char *peer_host, long port)
{
	struct dia_local local;
	const char *allow[2] = { peer_host, NULL };

	memset(&local, 0, sizeof(local));
	snprintf(local.origin_host, sizeof(local.origin_host), "%s",
	    b->origin_host);
	snprintf(local.origin_realm, sizeof(local.origin_realm), "%s",
	    b->origin_realm);
	local.product_name = "utstack bench-ub";
	local.app_id = DIA_APP_ZN;
	local.reconnect_min_ms = 60000;	/* a loss is an error */
	local.reconnect_max_ms = 60000;
	local.allow = allow;
	if ((b->base = event_base_new()) == NULL)
		bench_die("event_base_new failed");
	b->client = bench_dia_open(b->base, &local, "127.0.0.1",
	    (uint16_t)port, REQUEST_TIMEOUT_MS, OPEN_TIMEOUT_MS);
	if (!dia_client_is_open(b->client))
		bench_die("no Zn connection to 127.0.0.1 port %ld as %s (%s)",
		    port, b->origin_host, dia_client_refusals(b->client) ?
		    "refused at CER: is it in zn.naf_hosts?" :
		    "not open in time");
}

/* --- options -------------------------------------------------------------- */

struct opts {
	const char	*cmd;
	const char	*env;
	const char	*db;
	const char	*wrap_key;
	double		 seconds, warmup;
	unsigned	 counts[LISTS_MAX];
	int		 ncounts;
	long		 sessions, lifetime;
	unsigned long long seed;
	unsigned	 verify_every;
	int		 json, verbose;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bench-ub ub   --env STACK.ENV [--clients LIST] "
	    "[--verify-every N] [common]\n"
	    "       bench-ub load --env STACK.ENV --db BSF.DB [--sessions N] "
	    "[--seed S]\n"
	    "                     [--lifetime S] [--wrap-key HEX]\n"
	    "       bench-ub zn   --env STACK.ENV [--sessions N] [--seed S] "
	    "[--inflight LIST] [common]\n"
	    "  --env FILE        a scripts/stack stack.env\n"
	    "  --clients LIST    concurrent UEs, comma-separated, 1..%d "
	    "(default %s)\n"
	    "  --verify-every N  check rspauth on every Nth bootstrap, the "
	    "first always (default %d)\n"
	    "  --db FILE         the stopped BSF's store.db (load)\n"
	    "  --sessions N      sessions loaded / named in BIRs (default %d)\n"
	    "  --seed S          which set of sessions (default 1)\n"
	    "  --lifetime S      of the loaded sessions (default %d)\n"
	    "  --wrap-key HEX    the BSF's store.wrap_key, if it has one\n"
	    "  --inflight LIST   BIRs in flight, 1..%d (default %s)\n"
	    "common: --seconds S (window, default %.1f), --warmup S (default "
	    "%.1f),\n"
	    "        --json (one JSON object), -v (the Diameter layer's "
	    "lines)\n"
	    "bench/bench-ub.sh runs all three against a stack of its own.\n",
	    COUNT_MAX, CLIENTS_DEFAULT, VERIFY_DEFAULT, SESSIONS_DEFAULT,
	    LIFETIME_DEFAULT, COUNT_MAX, INFLIGHT_DEFAULT, SECONDS_DEFAULT,
	    WARMUP_DEFAULT);
	exit(2);
}

static void
parse_opts(int argc, char *argv[], struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->seconds = SECONDS_DEFAULT;
	o->warmup = WARMUP_DEFAULT;
	o->sessions = SESSIONS_DEFAULT;
	o->lifetime = LIFETIME_DEFAULT;
	o->seed = 1;
	o->verify_every = VERIFY_DEFAULT;
	if (argc < 2)
		usage();
	o->cmd = argv[1];
	if (strcmp(o->cmd, "ub") == 0)
		o->ncounts = bench_arg_list(CLIENTS_DEFAULT, o->counts,
		    LISTS_MAX, COUNT_MAX, usage);
	else if (strcmp(o->cmd, "zn") == 0)
		o->ncounts = bench_arg_list(INFLIGHT_DEFAULT, o->counts,
		    LISTS_MAX, COUNT_MAX, usage);
	else if (strcmp(o->cmd, "load") != 0)
		usage();
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--json") == 0) {
			o->json = 1;
			continue;
		}
		if (strcmp(a, "-v") == 0) {
			o->verbose = 1;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--env") == 0)
			o->env = v;
		else if (strcmp(a, "--db") == 0)
			o->db = v;
		else if (strcmp(a, "--wrap-key") == 0)
			o->wrap_key = v;
		else if (strcmp(a, "--seconds") == 0)
			o->seconds = bench_arg_double(v, 0.1, 600, usage);
		else if (strcmp(a, "--warmup") == 0)
			o->warmup = bench_arg_double(v, 0, 60, usage);
		else if (strcmp(a, "--sessions") == 0)
			o->sessions = bench_arg_long(v, 1, SESSIONS_MAX, usage);
		else if (strcmp(a, "--lifetime") == 0)
			o->lifetime = bench_arg_long(v, 60, 10L * 365 * 86400,
			    usage);
		else if (strcmp(a, "--seed") == 0)
			o->seed = (unsigned long long)bench_arg_long(v, 0,
			    0x7fffffffL, usage);
		else if (strcmp(a, "--verify-every") == 0)
			o->verify_every = (unsigned)bench_arg_long(v, 1, 1000000,
			    usage);
		else if ((strcmp(a, "--clients") == 0 &&
		    strcmp(o->cmd, "ub") == 0) ||
		    (strcmp(a, "--inflight") == 0 &&
		    strcmp(o->cmd, "zn") == 0))
			o->ncounts = bench_arg_list(v, o->counts, LISTS_MAX,
			    COUNT_MAX, usage);
		else
			usage();
	}
	if (o->env == NULL || (strcmp(o->cmd, "load") == 0 && o->db == NULL))
		usage();
}

static void
print_json_head(const char *bench, const struct opts *o)
{
	bench_json_host(bench, BENCH_CFLAGS);
	printf(",\"warmup\":%.3f,\"seconds\":%.3f", o->warmup, o->seconds);
}

static void
print_json_runs(const char *key, const struct run *runs, int n,
    uint64_t errors, const char *first_error)
{
	char a[32], c[32], d[32], e[32];
	int i;

	printf(",\"results\":[");
	for (i = 0; i < n; i++) {
		const struct run *r = &runs[i];

		printf("%s{\"%s\":%u,\"rate\":%.0f,\"p50_us\":%.1f,"
		    "\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
		    "\"n\":%zu,\"errors\":%llu,\"bsf_cpu_us\":%s,"
		    "\"bsf_sys_us\":%s,"
		    "\"hss_cpu_us\":%s,\"bench_cpu_us\":%s,\"host_busy\":%.2f,"
		    "\"host_others\":%.2f", i ? "," : "", key,
		    r->count, r->rate, r->p50, r->p90, r->p99, r->max, r->n,
		    (unsigned long long)r->errors,
		    bench_json_us(r->bsf_us, a, sizeof(a)),
		    bench_json_us(r->bsf_sys_us, e, sizeof(e)),
		    bench_json_us(r->hss_us, c, sizeof(c)),
		    bench_json_us(r->self_us, d, sizeof(d)), r->host_busy,
		    r->others);
		if (r->nlat1 > 0)
			printf(",\"rt1_p50_us\":%.1f,\"rt2_p50_us\":%.1f,"
			    "\"verified\":%llu,\"connects\":%llu", r->rt1_p50,
			    r->rt2_p50, (unsigned long long)r->verified,
			    (unsigned long long)r->connects);
		printf("}");
	}
	printf("],\"errors\":%llu,\"first_error\":",
	    (unsigned long long)errors);
	if (errors)
		bench_json_str(first_error);
	else
		printf("null");
	printf("}\n");
}

/* --- main: ub ------------------------------------------------------------- */

static int
cmd_ub(const struct opts *o, const struct bench_env *e)
{
	static struct ub_bench b;
	struct run runs[LISTS_MAX];
	const char *url = bench_env_get(e, "BSF_URL"), *p;
	uint8_t k[16], opc[16];
	char host[64];
	long port;
	int i, n;

	memset(runs, 0, sizeof(runs));
	snprintf(b.impi, sizeof(b.impi), "%s", bench_env_get(e, "IMPI"));
	snprintf(b.fqdn, sizeof(b.fqdn), "%s", bench_env_get(e, "BSF_FQDN"));
	snprintf(b.host_hdr, sizeof(b.host_hdr), "Host: %s", b.fqdn);
	if (hex_decode_exact(bench_env_get(e, "K"), k, 16) != 0 ||
	    hex_decode_exact(bench_env_get(e, "OPC"), opc, 16) != 0)
		bench_die("%s: K and OPC must be 32 hex digits", e->path);
	milenage_init(&b.mil, k, opc);
	secret_wipe(k, sizeof(k));
	secret_wipe(opc, sizeof(opc));
	/* BSF_URL is http://127.0.0.1:PORT (scripts/stack). */
	if (strncmp(url, "http://", 7) != 0 || (p = strrchr(url, ':')) == NULL ||
	    (size_t)(p - url - 7) >= sizeof(host))
		bench_die("BSF_URL '%s' is not http://ADDR:PORT", url);
	snprintf(host, sizeof(host), "%.*s", (int)(p - url - 7), url + 7);
	port = strtol(p + 1, NULL, 10);
	memset(&b.addr, 0, sizeof(b.addr));
	b.addr.sin_family = AF_INET;
	b.addr.sin_port = htons((uint16_t)port);
	if (port < 1 || port > 65535 ||
	    inet_pton(AF_INET, host, &b.addr.sin_addr) != 1)
		bench_die("BSF_URL '%s': need a numeric IPv4 address and a "
		    "port", url);
	b.bsf_pid = bench_env_long(e, "BSF_PID", 0, 1L << 30);
	b.hss_pid = bench_env_long(e, "HSS_STUB_PID", 0, 1L << 30);
	b.verify_every = o->verify_every;
	bench_refuse_san("bsf", b.bsf_pid);
	bench_refuse_san("hss-stub", b.hss_pid);
	if ((b.base = event_base_new()) == NULL)
		bench_die("event_base_new failed");

	if (!o->json) {
		printf("# bench-ub ub: full bootstraps over Ub (HTTP/1.1 "
		    "keep-alive, both round trips + Zh MAR/MAA + store), "
		    "closed loop\n");
		bench_print_host("bench-ub, bsf and hss-stub", BENCH_CFLAGS);
		printf("# bsf: %s, pid %ld, sanitizers %s; hss-stub pid %ld, "
		    "sanitizers %s\n", url, b.bsf_pid,
		    bench_proc_san(b.bsf_pid),
		    b.hss_pid, bench_proc_san(b.hss_pid));
		printf("# UE: IMPI %s; RES by Milenage f2 on RAND, no "
		    "AUTN/SQN check on the UE side; rspauth checked every "
		    "%u (first always)\n", b.impi, b.verify_every);
		printf("# per client count: %.2f s warm-up, %.2f s measured; "
		    "latency request 1 sent -> 200 read, nearest-rank\n",
		    o->warmup, o->seconds);
		fflush(stdout);
	}
	bench_quiet_logs(o->verbose);
	for (i = 0; i < o->ncounts; i++) {
		runs[i].count = o->counts[i];
		ub_run(&b, &runs[i], o->warmup, o->seconds);
		if (o->json)
			continue;
		printf("ub-bootstrap clients=%u rate=%.0f/s p50=%.0fus "
		    "p99=%.0fus n=%zu errors=%llu\n", runs[i].count,
		    runs[i].rate, runs[i].p50, runs[i].p99, runs[i].n,
		    (unsigned long long)runs[i].errors);
		printf("# clients=%u: p50 401 round trip %.0fus, 200 round "
		    "trip %.0fus; p90 %.0fus max %.0fus; rspauth verified on "
		    "%llu of %llu 200s; connections %llu\n", runs[i].count,
		    runs[i].rt1_p50, runs[i].rt2_p50, runs[i].p90, runs[i].max,
		    (unsigned long long)runs[i].verified,
		    (unsigned long long)runs[i].boots,
		    (unsigned long long)runs[i].connects);
		if (runs[i].bsf_us >= 0)
			printf("# clients=%u: CPU per bootstrap: bsf %.1fus "
			    "(%.1fus of it in the kernel), hss-stub %.1fus, "
			    "bench-ub %.1fus (%llu bootstraps)\n", runs[i].count,
			    runs[i].bsf_us, runs[i].bsf_sys_us, runs[i].hss_us,
			    runs[i].self_us,
			    (unsigned long long)runs[i].done);
		if (runs[i].host_busy >= 0)
			printf("# clients=%u: host %.2f of %ld cores busy, %.2f "
			    "of them outside bsf, hss-stub and bench-ub\n",
			    runs[i].count, runs[i].host_busy,
			    sysconf(_SC_NPROCESSORS_ONLN), runs[i].others);
		fflush(stdout);
	}
	n = i;
	if (o->json) {
		print_json_head("ub-bootstrap", o);
		printf(",\"bsf_pid\":%ld,\"verify_every\":%u", b.bsf_pid,
		    b.verify_every);
		print_json_runs("clients", runs, n, b.errors, b.first_error);
	}
	for (i = 0; i < LISTS_MAX; i++)
		run_clear(&runs[i]);
	milenage_clear(&b.mil);
	event_base_free(b.base);
	return bench_report_errors(b.errors, b.first_error);
}

/* --- main: load ----------------------------------------------------------- */

/* The GUSS of one live session in the database (read-only), or NULL. */
static char *
guss_sample(const char *db, size_t *len)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *q = NULL;
	char *out = NULL;
	const void *p;
	int n;

	*len = 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		bench_die("%s: %s", db, h ? sqlite3_errmsg(h) : "cannot open");
	if (sqlite3_prepare_v2(h, "SELECT guss FROM session WHERE guss IS NOT "
	    "NULL AND expires > ? LIMIT 1", -1, &q, NULL) != SQLITE_OK)
		bench_die("%s: %s", db, sqlite3_errmsg(h));
	sqlite3_bind_int64(q, 1, (sqlite3_int64)time(NULL));
	if (sqlite3_step(q) == SQLITE_ROW && (p = sqlite3_column_blob(q, 0)) !=
	    NULL && (n = sqlite3_column_bytes(q, 0)) > 0) {
		if ((out = malloc((size_t)n)) == NULL)
			bench_die("out of memory");
		memcpy(out, p, (size_t)n);
		*len = (size_t)n;
	}
	sqlite3_finalize(q);
	sqlite3_close(h);
	return out;
}

static int
cmd_load(const struct opts *o, const struct bench_env *e)
{
	struct bsf_store *st;
	struct bsf_session s;
	uint8_t key[BSF_WRAP_KEY_LEN];
	char err[512], *guss;
	size_t guss_len;
	long i, live = 0;
	unsigned long taken = 0;
	time_t now = time(NULL);
	uint64_t t0, t1;
	double secs;
	int rc;

	if (o->wrap_key != NULL &&
	    hex_decode_exact(o->wrap_key, key, sizeof(key)) != 0)
		bench_die("--wrap-key: expected %d hex digits",
		    2 * BSF_WRAP_KEY_LEN);
	guss = guss_sample(o->db, &guss_len);
	if (guss == NULL)
		bench_die("%s: no live session with a GUSS to copy: bootstrap "
		    "once first (bench-ub ub)", o->db);
	st = bsf_store_open(o->db, 1000, o->wrap_key ? key : NULL, err,
	    sizeof(err));
	secret_wipe(key, sizeof(key));
	if (st == NULL)
		bench_die("%s", err);
	memset(&s, 0, sizeof(s));
	snprintf(s.impi, sizeof(s.impi), "%s", bench_env_get(e, "IMPI"));
	s.guss = guss;
	s.guss_len = guss_len;
	t0 = bench_now_ns();
	for (i = 0; i < o->sessions; i++) {
		session_derive(o->seed, (uint64_t)i, s.rand, s.ks);
		if (gba_btid_build(s.rand, bench_env_get(e, "BSF_FQDN"), s.btid,
		    sizeof(s.btid)) != 0)
			bench_die("gba_btid_build failed");
		s.created = now;
		s.expires = now + (time_t)o->lifetime;
		if ((rc = bsf_store_put(st, &s, now)) < 0)
			bench_die("bsf_store_put %s: %s", s.btid,
			    bsf_store_errmsg(st));
		if (rc == 1)
			taken++;	/* loaded before with this seed */
	}
	t1 = bench_now_ns();
	secs = (double)(t1 - t0) / 1e9;
	if (bsf_store_count(st, time(NULL), &live) != 0)
		bench_die("count: %s", bsf_store_errmsg(st));
	s.guss = NULL;
	bsf_session_clear(&s);
	bsf_store_close(st);
	free(guss);
	if (o->json) {
		printf("{\"bench\":\"store-load\",\"db\":");
		bench_json_str(o->db);
		printf(",\"sessions\":%ld,\"seconds\":%.3f,\"rate\":%.0f,"
		    "\"put_us\":%.1f,\"already\":%lu,\"live\":%ld,"
		    "\"guss_octets\":%zu,\"sealed\":%s}\n", o->sessions, secs,
		    (double)o->sessions / secs,
		    secs * 1e6 / (double)o->sessions, taken, live, guss_len,
		    o->wrap_key ? "true" : "false");
		return 0;
	}
	printf("# bench-ub load: bsf_store_put (bsf/bsf_store.c) into %s, "
	    "bsf stopped; one autocommit transaction per session (WAL, "
	    "synchronous=NORMAL); GUSS %zu octets copied from a live session; "
	    "Ks %s\n", o->db, guss_len, o->wrap_key ? "sealed (AES-256-GCM)" :
	    "in clear (no wrap key)");
	printf("store-load sessions=%ld seconds=%.2f rate=%.0f/s "
	    "put=%.1fus already=%lu live=%ld\n", o->sessions, secs,
	    (double)o->sessions / secs, secs * 1e6 / (double)o->sessions,
	    taken, live);
	return 0;
}

/* --- main: zn ------------------------------------------------------------- */

static int
cmd_zn(const struct opts *o, const struct bench_env *e)
{
	static struct zn_bench b;
	struct run runs[LISTS_MAX];
	const char *naf_fqdn = bench_env_get(e, "NAF_FQDN");
	long port = bench_env_long(e, "BSF_ZN_PORT", 1, 65535);
	int i, n;

	memset(runs, 0, sizeof(runs));
	b.origin_host = bench_env_get(e, "TESTER_ORIGIN_HOST");
	b.origin_realm = bench_env_get(e, "NAF_ORIGIN_REALM");
	b.dest_realm = bench_env_get(e, "BSF_REALM");
	snprintf(b.impi, sizeof(b.impi), "%s", bench_env_get(e, "IMPI"));
	snprintf(b.fqdn, sizeof(b.fqdn), "%s", bench_env_get(e, "BSF_FQDN"));
	if (gba_naf_id(naf_fqdn, (const uint8_t *)UA_TLS13, b.naf_id,
	    sizeof(b.naf_id), &b.naf_id_len) != 0)
		bench_die("NAF_FQDN '%s' does not make a NAF_Id", naf_fqdn);
	b.seed = o->seed;
	b.sessions = (uint64_t)o->sessions;
	b.rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)bench_now_ns();
	b.bsf_pid = bench_env_long(e, "BSF_PID", 0, 1L << 30);
	bench_refuse_san("bsf", b.bsf_pid);

	bench_quiet_logs(o->verbose);
	zn_open(&b, bench_env_get(e, "BSF_ORIGIN_HOST"), port);
	if (!o->json) {
		printf("# bench-ub zn: BIR->BIA over one Diameter connection "
		    "(Zn), closed loop\n");
		bench_print_host("bench-ub, bsf and hss-stub", BENCH_CFLAGS);
		printf("# bsf: Zn 127.0.0.1 port %ld, pid %ld, sanitizers %s; "
		    "we are %s\n", port, b.bsf_pid, bench_proc_san(b.bsf_pid),
		    b.origin_host);
		printf("# BIR: a random B-TID of %ld loaded (seed %llu), "
		    "NAF-Id %s || 01 00 00 00 07; every BIA checked: 2001 and "
		    "ME-Key-Material = Ks_NAF\n", o->sessions, o->seed,
		    naf_fqdn);
		printf("# per in-flight count: %.2f s warm-up, %.2f s "
		    "measured; latency send->answer, nearest-rank\n",
		    o->warmup, o->seconds);
		fflush(stdout);
	}
	for (i = 0; i < o->ncounts; i++) {
		if (!dia_client_is_open(b.client)) {
			zn_error(&b, "connection lost before inflight=%u",
			    o->counts[i]);
			break;
		}
		runs[i].count = o->counts[i];
		zn_run(&b, &runs[i], o->warmup, o->seconds);
		if (o->json)
			continue;
		printf("zn-bir inflight=%u rate=%.0f/s p50=%.0fus p99=%.0fus "
		    "n=%zu errors=%llu\n", runs[i].count, runs[i].rate,
		    runs[i].p50, runs[i].p99, runs[i].n,
		    (unsigned long long)runs[i].errors);
		if (runs[i].bsf_us >= 0)
			printf("# inflight=%u: CPU per BIR: bsf %.1fus (%.1fus "
			    "of it in the kernel), bench-ub %.1fus (%llu "
			    "answers)\n", runs[i].count, runs[i].bsf_us,
			    runs[i].bsf_sys_us, runs[i].self_us,
			    (unsigned long long)runs[i].done);
		if (runs[i].host_busy >= 0)
			printf("# inflight=%u: host %.2f of %ld cores busy, %.2f "
			    "of them outside bsf and bench-ub\n",
			    runs[i].count, runs[i].host_busy,
			    sysconf(_SC_NPROCESSORS_ONLN), runs[i].others);
		fflush(stdout);
	}
	n = i;
	dia_client_free(b.client);
	event_base_loop(b.base, EVLOOP_NONBLOCK);	/* let the DPR out */
	event_base_free(b.base);
	if (o->json) {
		print_json_head("zn-bir", o);
		printf(",\"bsf_pid\":%ld,\"sessions\":%ld", b.bsf_pid,
		    o->sessions);
		print_json_runs("inflight", runs, n, b.errors, b.first_error);
	}
	for (i = 0; i < LISTS_MAX; i++)
		run_clear(&runs[i]);
	return bench_report_errors(b.errors, b.first_error);
}

int
main(int argc, char *argv[])
{
	static struct bench_env e;
	struct opts o;

	bench_init("bench-ub");
	parse_opts(argc, argv, &o);
	bench_refuse_self_san();
	bench_env_read(&e, o.env);
	if (strcmp(o.cmd, "ub") == 0)
		return cmd_ub(&o, &e);
	if (strcmp(o.cmd, "load") == 0)
		return cmd_load(&o, &e);
	return cmd_zn(&o, &e);
}
