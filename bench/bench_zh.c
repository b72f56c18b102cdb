/*
 * bench_zh.c — MAR → MAA per second against hss-stub over one Diameter
 * connection (Zh, TS 29.109), with latency percentiles.
 *
 * One dia_client (common/dia_peer.h) on one event_base talks to a running
 * hss-stub; nothing is started here. bench/bench-zh.sh starts a stack with
 * scripts/stack and passes its stack.env with --env; --port/--impi name
 * any other hss-stub. Our Origin-Host is the stack's TESTER_ORIGIN_HOST
 * when stack.env has one, else bsf.ims.example.org: hss-stub replaces an
 * open connection of the same Origin-Host, so the tester identity leaves
 * a running BSF's Zh connection alone (and is not replaced by it).
 *
 * Method: closed loop. For each in-flight count C, C MARs (User-Name =
 * the IMPI, no GUSS-Timestamp, so each MAA carries the GUSS, as on a first
 * bootstrap) are sent; each answer sends the next one. A warm-up (default
 * 0.5 s) comes first, then the measured window (default 3 s); after the
 * window no new MAR is sent and those in flight are drained. The rate is
 * the answers received inside the window divided by its length; a
 * request's latency is CLOCK_MONOTONIC at dia_client_request() to
 * CLOCK_MONOTONIC when its answer callback runs, recorded for every good
 * answer received in the window. Percentiles are nearest-rank. When
 * hss-stub's pid is known (HSS_STUB_PID), the CPU time it and we spent per
 * answer (warm-up and drain included; /proc/PID/stat, clock ticks) is
 * printed too: a figure that noise from other load on the host moves less
 * than the rate.
 *
 * Every answer is checked, warm-up and drain included: Result-Code 2001,
 * no E bit, a SIP-Auth-Data-Item holding a 32-octet SIP-Authenticate, and
 * GBA-UserSecSettings present unless --guss-current asked for none. Any
 * failure (also a timeout or a lost connection) counts as an error and
 * makes the exit status 1; the first one is printed.
 *
 * Each MAR makes hss-stub commit one SQLite transaction (the SQN,
 * hss_store_mar) and write one HSS-MAR-OK event line; both are part
 * of what is measured. Client and server share the host's CPUs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench_util.h"
#include "buf.h"
#include "dia_peer.h"
#include "diameter.h"
#include "log.h"

#ifndef BENCH_CFLAGS
#define BENCH_CFLAGS	"?"
#endif

#define BSF_HOST		"bsf.ims.example.org"
#define REALM_DEFAULT		"ims.example.org"
#define IMPI_DEFAULT	"001010000000001@ims.mnc001.mcc001.3gppnetwork.org"
#define SECONDS_DEFAULT		3.0
#define WARMUP_DEFAULT		0.5
#define INFLIGHT_DEFAULT	"1,64"
#define INFLIGHT_MAX		4096	/* under DIA_PENDING_MAX */
#define INFLIGHT_LISTS		16	/* values in --inflight */
#define REQUEST_TIMEOUT_MS	5000
#define OPEN_TIMEOUT_MS		5000
#define MAR_MAX			4096	/* one MAR is ~300 octets */

/* One request slot: C of them keep C MARs in flight. */
struct slot {
	struct bench	*b;
	struct buf	 msg;		/* the MAR in flight */
	uint64_t	 t_send;	/* ns, CLOCK_MONOTONIC */
};

/* Figures of one in-flight count. */
struct run {
	unsigned	 inflight;
	size_t		 n;		/* good answers in window */
	uint64_t	*lat;		/* their latencies, ns */
	size_t		 nlat, cap;
	uint64_t	 errors;	/* whole run: warm-up, window, drain */
	double		 rate;		/* n / window, per s */
	double		 p50, p90, p99, p999, max;	/* us */
	uint64_t	 answers;	/* all, warm-up and drain included */
	double		 hss_us, self_us;	/* CPU per answer; < 0 unknown */
};

struct bench {
	struct event_base	*base;
	struct dia_client	*client;
	const char		*impi;
	const char		*realm;
	const char		*origin_host;
	int			 guss_current;	/* --guss-current */
	time_t			 guss_ts;
	struct slot		*slots;
	unsigned		 in_flight;
	uint64_t		 t_window, t_end;	/* ns */
	struct run		*run;
	long			 hss_pid;	/* 0: unknown */
	uint64_t		 errors;	/* all runs */
	char			 first_error[512];
};

/* What --env read from stack.env, or came from the command line. */
struct target {
	char	addr[64];
	long	port;
	char	impi[256];
	char	realm[256];
	char	hss_host[256];
	char	tester_host[256];
	char	db[BENCH_ENV_VALUE_MAX];
	long	pid;
};

/* --- the requests --------------------------------------------------------- */

static void bench_error(struct bench *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
bench_error(struct bench *b, const char *fmt, ...)
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

/* A MAR as the BSF sends it on bootstrap (TS 29.109 6.1.1): a fresh
 * Session-Id, User-Name, scheme "Unknown" (the HSS picks, TS 29.229
 * 6.3.9), GUSS-Timestamp only with --guss-current. */
static int
build_mar(struct bench *b, struct buf *msg)
{
	struct dia_build d;
	char sid[320];

	buf_reset(msg);
	if (dia_session_id(b->origin_host, sid, sizeof(sid)) != 0)
		return -1;
	dia_build_begin(&d, msg, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_MA,
	    DIA_APP_ZH, 0, 0);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, sid);
	dia_group_begin(&d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, DIA_VENDOR_3GPP);
	dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, DIA_APP_ZH);
	dia_group_end(&d);
	dia_put_u32(&d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, b->origin_host);
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, b->realm);
	dia_put_str(&d, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0, b->realm);
	dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, b->impi);
	dia_group_begin(&d, DIA_AVP_SIP_AUTH_DATA_ITEM, DIA_AVP_M,
	    DIA_VENDOR_3GPP);
	dia_put_str(&d, DIA_AVP_SIP_AUTH_SCHEME, DIA_AVP_M, DIA_VENDOR_3GPP,
	    "Unknown");
	dia_group_end(&d);
	if (b->guss_current)
		dia_put_time(&d, DIA_AVP_GUSS_TIMESTAMP, 0, DIA_VENDOR_3GPP,
		    b->guss_ts);
	return dia_build_end(&d);
}

/* Why `m` is not a good MAA, or NULL when it is. */
static const char *
check_maa(const struct bench *b, const struct dia_msg *m, char *why,
    size_t size)
{
	const struct dia_avp *a, *item, *er;
	uint32_t rc = 0;

	if (m->cmd != DIA_CMD_MA || (m->flags & DIA_FLAG_R))
		return "not an MAA";
	if ((a = dia_msg_find(m, NULL, DIA_AVP_RESULT_CODE, 0, NULL)) == NULL) {
		if ((er = dia_msg_find(m, NULL, DIA_AVP_EXPERIMENTAL_RESULT, 0,
		    NULL)) != NULL && (a = dia_msg_find(m, er,
		    DIA_AVP_EXPERIMENTAL_RESULT_CODE, 0, NULL)) != NULL &&
		    dia_avp_u32(a, &rc, NULL) == 0) {
			snprintf(why, size, "Experimental-Result-Code %u", rc);
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
	if (m->flags & DIA_FLAG_E)
		return "E bit set with Result-Code 2001";
	if ((item = dia_msg_find(m, NULL, DIA_AVP_SIP_AUTH_DATA_ITEM,
	    DIA_VENDOR_3GPP, NULL)) == NULL)
		return "no SIP-Auth-Data-Item";
	if ((a = dia_msg_find(m, item, DIA_AVP_SIP_AUTHENTICATE,
	    DIA_VENDOR_3GPP, NULL)) == NULL || a->len != 32)
		return "no 32-octet SIP-Authenticate (RAND||AUTN)";
	a = dia_msg_find(m, NULL, DIA_AVP_GBA_USERSECSETTINGS, DIA_VENDOR_3GPP,
	    NULL);
	if (!b->guss_current && a == NULL)
		return "no GBA-UserSecSettings";
	if (b->guss_current && a != NULL)
		return "GBA-UserSecSettings though GUSS-Timestamp is current";
	return NULL;
}

static void	on_answer(void *, const struct dia_msg *, const char *);

/* Send the slot's next MAR. 0, or -1 (error counted; slot idle). */
static int
slot_send(struct slot *s)
{
	struct bench *b = s->b;

	if (build_mar(b, &s->msg) != 0) {
		bench_error(b, "cannot build a MAR (IMPI or realm too long?)");
		return -1;
	}
	s->t_send = bench_now_ns();
	if (dia_client_request(b->client, &s->msg, REQUEST_TIMEOUT_MS,
	    on_answer, s) != 0) {
		bench_error(b, "dia_client_request refused the MAR (%s)",
		    dia_client_is_open(b->client) ? "output full?" :
		    "connection not open");
		return -1;
	}
	return 0;
}

static void
record(struct run *r, uint64_t ns)
{
	r->n++;
	bench_lat_push(&r->lat, &r->nlat, &r->cap, ns);
}

static void
on_answer(void *arg, const struct dia_msg *answer, const char *error)
{
	struct slot *s = arg;
	struct bench *b = s->b;
	uint64_t t = bench_now_ns();
	const char *bad;
	char why[128];

	b->run->answers++;
	if (answer == NULL)
		bench_error(b, "no answer: %s", error);
	else if ((bad = check_maa(b, answer, why, sizeof(why))) != NULL)
		bench_error(b, "bad MAA (hbh 0x%08x): %s", answer->hbh, bad);
	else if (t >= b->t_window && t < b->t_end)
		record(b->run, t - s->t_send);
	/* After an error keep going: the count is the figure. */
	if (t < b->t_end && slot_send(s) == 0)
		return;
	if (--b->in_flight == 0)
		event_base_loopbreak(b->base);
}

/* --- runs ----------------------------------------------------------------- */

static void
run_inflight(struct bench *b, struct run *r, double warmup, double seconds)
{
	uint64_t t0;
	unsigned i;
	double hss0, self0, hss1, self1;

	b->run = r;
	b->slots = calloc(r->inflight, sizeof(*b->slots));
	if (b->slots == NULL)
		bench_die("out of memory");
	hss0 = bench_proc_cpu_us(b->hss_pid, NULL);
	self0 = bench_self_cpu_us();
	t0 = bench_now_ns();
	b->t_window = t0 + (uint64_t)(warmup * 1e9);
	b->t_end = b->t_window + (uint64_t)(seconds * 1e9);
	b->in_flight = 0;
	for (i = 0; i < r->inflight; i++) {
		b->slots[i].b = b;
		buf_init(&b->slots[i].msg, MAR_MAX);
		if (slot_send(&b->slots[i]) == 0)
			b->in_flight++;
	}
	/* Answers drive everything; the loop breaks when the last one of
	 * the drain arrives (or each request's timeout fires). */
	if (b->in_flight > 0)
		event_base_dispatch(b->base);
	hss1 = bench_proc_cpu_us(b->hss_pid, NULL);
	self1 = bench_self_cpu_us();
	r->hss_us = r->self_us = -1;
	if (r->answers > 0 && hss0 >= 0 && hss1 >= 0)
		r->hss_us = (hss1 - hss0) / (double)r->answers;
	if (r->answers > 0 && self0 >= 0 && self1 >= 0)
		r->self_us = (self1 - self0) / (double)r->answers;
	for (i = 0; i < r->inflight; i++)
		buf_clear(&b->slots[i].msg);
	free(b->slots);
	b->slots = NULL;

	r->rate = (double)r->n / seconds;
	bench_lat_sort(r->lat, r->nlat);
	r->p50 = bench_pct(r->lat, r->nlat, 50);
	r->p90 = bench_pct(r->lat, r->nlat, 90);
	r->p99 = bench_pct(r->lat, r->nlat, 99);
	r->p999 = bench_pct(r->lat, r->nlat, 99.9);
	r->max = bench_pct(r->lat, r->nlat, 100);
}

/* Connect and wait for CER/CEA; die with a reason if it does not open. */
static void
bench_open(struct bench *b, const struct target *t)
{
	struct dia_local local;
	const char *allow[2];

	memset(&local, 0, sizeof(local));
	snprintf(local.origin_host, sizeof(local.origin_host), "%s",
	    b->origin_host);
	snprintf(local.origin_realm, sizeof(local.origin_realm), "%s",
	    b->realm);
	local.product_name = "utstack bench-zh";
	local.app_id = DIA_APP_ZH;
	local.reconnect_min_ms = 60000;	/* a loss is an error */
	local.reconnect_max_ms = 60000;
	allow[0] = t->hss_host[0] != '\0' ? t->hss_host : "*";
	allow[1] = NULL;
	local.allow = allow;
	if ((b->base = event_base_new()) == NULL)
		bench_die("event_base_new failed");
	b->client = bench_dia_open(b->base, &local, t->addr, (uint16_t)t->port,
	    REQUEST_TIMEOUT_MS, OPEN_TIMEOUT_MS);
	if (!dia_client_is_open(b->client))
		bench_die("no Zh connection to %s port %ld as %s (%s)", t->addr,
		    t->port, b->origin_host,
		    dia_client_refusals(b->client) ? "refused at CER" :
		    "not open in time");
}

static void
bench_close(struct bench *b)
{
	dia_client_free(b->client);
	/* let the DPR go out */
	event_base_loop(b->base, EVLOOP_NONBLOCK);
	event_base_free(b->base);
}

/* --- what is measured against ------------------------------------------- */

/* The stack.env keys bench-zh uses into `t` (others ignored). */
static void
read_env(const char *path, struct target *t)
{
	static struct bench_env e;
	const char *v;

	bench_env_read(&e, path);
	t->port = bench_env_long(&e, "HSS_ZH_PORT", LONG_MIN,
	    LONG_MAX);
	t->pid = bench_env_long(&e, "HSS_STUB_PID", LONG_MIN,
	    LONG_MAX);
	if ((v = bench_env_opt(&e, "IMPI")) != NULL)
		snprintf(t->impi, sizeof(t->impi), "%s", v);
	if ((v = bench_env_opt(&e, "HSS_REALM")) != NULL)
		snprintf(t->realm, sizeof(t->realm), "%s", v);
	if ((v = bench_env_opt(&e, "HSS_ORIGIN_HOST")) != NULL)
		snprintf(t->hss_host, sizeof(t->hss_host), "%s", v);
	if ((v = bench_env_opt(&e, "TESTER_ORIGIN_HOST")) != NULL)
		snprintf(t->tester_host, sizeof(t->tester_host), "%s", v);
	if ((v = bench_env_opt(&e, "HSS_DB")) != NULL)
		snprintf(t->db, sizeof(t->db), "%s", v);
	if (t->port == 0)
		bench_die("%s: no HSS_ZH_PORT", path);
}

/* The journal mode of the SQLite file at `path` from its header (offset
 * 18, 19: 1 rollback journal, 2 WAL). */
static const char *
db_journal(const char *path)
{
	unsigned char h[100];
	ssize_t n;
	int fd;

	if (path[0] == '\0' || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return "unknown";
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n != (ssize_t)sizeof(h) ||
	    memcmp(h, "SQLite format 3", 16) != 0)
		return "unknown";
	if (h[18] == 2 && h[19] == 2)
		return "WAL";
	if (h[18] == 1 && h[19] == 1)
		return "rollback";
	return "unknown";
}

/* --- main ----------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: bench-zh (--env STACK.ENV | --port P) "
	    "[options]\n"
	    "  --env FILE       a scripts/stack stack.env: HSS_ZH_PORT, IMPI, "
	    "HSS_REALM,\n"
	    "                   HSS_ORIGIN_HOST, HSS_STUB_PID, HSS_DB, "
	    "TESTER_ORIGIN_HOST\n"
	    "  --port P         hss-stub's Zh port (overrides --env)\n"
	    "  --addr A         its numeric address (default 127.0.0.1)\n"
	    "  --impi IMPI      subscriber (default %s)\n"
	    "  --realm R        Origin/Destination-Realm (default %s)\n"
	    "  --origin-host H  our Origin-Host (default: TESTER_ORIGIN_HOST "
	    "of --env, else %s)\n"
	    "  --seconds S      measured window per in-flight count, 0.1..600 "
	    "(default %.1f)\n"
	    "  --warmup S       warm-up before it, 0..60 (default %.1f)\n"
	    "  --inflight LIST  comma-separated counts, 1..%d (default %s)\n"
	    "  --guss-current   send GUSS-Timestamp = now: MAAs without GUSS\n"
	    "  --json           one JSON object instead of text lines\n"
	    "  -v               show the Diameter layer's log lines\n"
	    "bench/bench-zh.sh starts a stack and passes --env.\n",
	    IMPI_DEFAULT, REALM_DEFAULT, BSF_HOST, SECONDS_DEFAULT,
	    WARMUP_DEFAULT, INFLIGHT_MAX, INFLIGHT_DEFAULT);
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct bench b;
	struct target t;
	struct run runs[INFLIGHT_LISTS];
	unsigned inflight[INFLIGHT_LISTS];
	const char *env = NULL, *san, *journal;
	char n1[32], n2[32], *end;
	double seconds = SECONDS_DEFAULT, warmup = WARMUP_DEFAULT;
	long port = 0;
	int json = 0, verbose = 0, nrun, i;

	bench_init("bench-zh");
	memset(&b, 0, sizeof(b));
	memset(&t, 0, sizeof(t));
	memset(runs, 0, sizeof(runs));
	snprintf(t.addr, sizeof(t.addr), "127.0.0.1");
	nrun = bench_arg_list(INFLIGHT_DEFAULT, inflight, INFLIGHT_LISTS,
	    INFLIGHT_MAX, usage);
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--json") == 0) {
			json = 1;
			continue;
		}
		if (strcmp(o, "-v") == 0) {
			verbose = 1;
			continue;
		}
		if (strcmp(o, "--guss-current") == 0) {
			b.guss_current = 1;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(o, "--env") == 0)
			env = v;
		else if (strcmp(o, "--port") == 0) {
			errno = 0;
			port = strtol(v, &end, 10);
			if (errno || *end != '\0' || port < 1 || port > 65535)
				usage();
		} else if (strcmp(o, "--addr") == 0)
			snprintf(t.addr, sizeof(t.addr), "%s", v);
		else if (strcmp(o, "--impi") == 0)
			b.impi = v;
		else if (strcmp(o, "--realm") == 0)
			b.realm = v;
		else if (strcmp(o, "--origin-host") == 0)
			b.origin_host = v;
		else if (strcmp(o, "--seconds") == 0)
			seconds = bench_arg_double(v, 0.1, 600, usage);
		else if (strcmp(o, "--warmup") == 0)
			warmup = bench_arg_double(v, 0, 60, usage);
		else if (strcmp(o, "--inflight") == 0)
			nrun = bench_arg_list(v, inflight, INFLIGHT_LISTS,
			    INFLIGHT_MAX, usage);
		else
			usage();
	}
	if (env == NULL && port == 0)
		usage();
	if (env != NULL)
		read_env(env, &t);
	if (port != 0)
		t.port = port;
	if (t.port < 1 || t.port > 65535)
		bench_die("bad port %ld", t.port);
	if (b.impi == NULL)
		b.impi = t.impi[0] != '\0' ? t.impi : IMPI_DEFAULT;
	if (b.realm == NULL)
		b.realm = t.realm[0] != '\0' ? t.realm : REALM_DEFAULT;
	if (b.origin_host == NULL)
		b.origin_host = t.tester_host[0] != '\0' ? t.tester_host :
		    BSF_HOST;
	b.guss_ts = time(NULL);
	b.hss_pid = t.pid;

	/* Figures from sanitizer builds mean nothing. */
	bench_refuse_self_san();
	san = bench_refuse_san("hss-stub", t.pid);
	journal = db_journal(t.db);

	bench_quiet_logs(verbose);
	bench_open(&b, &t);
	if (!json) {
		printf("# bench-zh: MAR->MAA over one Diameter connection "
		    "(Zh), closed loop\n");
		bench_print_host("client and hss-stub", BENCH_CFLAGS);
		if (t.pid > 0)
			printf("# hss-stub: %s port %ld, pid %ld, "
			    "sanitizers: %s\n", t.addr, t.port, t.pid, san);
		else
			printf("# hss-stub: %s port %ld, pid and build unknown "
			    "(no HSS_STUB_PID)\n", t.addr, t.port);
		if (t.db[0] != '\0')
			printf("# hss-stub db: SQLite journal=%s "
			    "synchronous=NORMAL (db_open), one IMMEDIATE "
			    "transaction committed per MAR; one HSS-MAR-OK log "
			    "line per MAR\n", journal);
		printf("# MAR: User-Name %s, %s\n", b.impi, b.guss_current ?
		    "GUSS-Timestamp current (MAA without GUSS)" :
		    "no GUSS-Timestamp (MAA with GUSS)");
		printf("# per in-flight count: %.2f s warm-up, %.2f s "
		    "measured; latency send->answer, nearest-rank "
		    "percentiles\n", warmup, seconds);
		fflush(stdout);
	}
	for (i = 0; i < nrun; i++) {
		if (!dia_client_is_open(b.client)) {
			bench_error(&b, "connection lost before inflight=%u",
			    inflight[i]);
			break;
		}
		runs[i].inflight = inflight[i];
		run_inflight(&b, &runs[i], warmup, seconds);
		if (!json) {
			printf("zh-mar inflight=%u rate=%.0f/s p50=%.0fus "
			    "p99=%.0fus n=%zu errors=%llu\n", runs[i].inflight,
			    runs[i].rate, runs[i].p50, runs[i].p99, runs[i].n,
			    (unsigned long long)runs[i].errors);
			if (runs[i].hss_us >= 0)
				printf("# inflight=%u: CPU per MAR: hss-stub "
				    "%.1fus, bench-zh %.1fus (%llu answers)\n",
				    runs[i].inflight, runs[i].hss_us,
				    runs[i].self_us,
				    (unsigned long long)runs[i].answers);
			fflush(stdout);
		}
	}
	nrun = i;
	bench_close(&b);
	if (json) {
		bench_json_host("zh-mar", BENCH_CFLAGS);
		printf(",\"hss_pid\":%ld,\"hss_sanitizers\":\"%s\","
		    "\"db_journal\":\"%s\",\"db_synchronous\":\"%s\","
		    "\"guss\":\"%s\",\"warmup\":%.3f,\"seconds\":%.3f,"
		    "\"results\":[", t.pid, san, journal,
		    t.db[0] != '\0' ? "NORMAL" : "unknown",
		    b.guss_current ? "current" : "sent", warmup, seconds);
		for (i = 0; i < nrun; i++)
			printf("%s{\"inflight\":%u,\"rate\":%.0f,"
			    "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,"
			    "\"p999_us\":%.1f,\"max_us\":%.1f,\"n\":%zu,"
			    "\"errors\":%llu,\"hss_cpu_us\":%s,"
			    "\"bench_cpu_us\":%s}",
			    i ? "," : "", runs[i].inflight, runs[i].rate,
			    runs[i].p50, runs[i].p90, runs[i].p99, runs[i].p999,
			    runs[i].max, runs[i].n,
			    (unsigned long long)runs[i].errors,
			    bench_json_us(runs[i].hss_us, n1, sizeof(n1)),
			    bench_json_us(runs[i].self_us, n2, sizeof(n2)));
		printf("],\"errors\":%llu,\"first_error\":",
		    (unsigned long long)b.errors);
		if (b.errors)
			bench_json_str(b.first_error);
		else
			printf("null");
		printf("}\n");
	}
	for (i = 0; i < INFLIGHT_LISTS; i++)
		free(runs[i].lat);
	return bench_report_errors(b.errors, b.first_error);
}
