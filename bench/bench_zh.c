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
 * hss_store_next_sqn) and write one HSS-MAR-OK event line; both are part
 * of what is measured. Client and server share the host's CPUs.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
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

#ifndef BENCH_CFLAGS
#define BENCH_CFLAGS	"?"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define BENCH_SELF_SAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || \
    __has_feature(undefined_behavior_sanitizer)
#define BENCH_SELF_SAN	1
#endif
#endif
#ifndef BENCH_SELF_SAN
#define BENCH_SELF_SAN	0
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
#define LAT_MAX			(16u << 20)	/* latencies kept/run */
#define ENV_VALUE_MAX		1024

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
	struct event		*timer;
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
	char	db[ENV_VALUE_MAX];
	long	pid;
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...);

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench-zh: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

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
	s->t_send = now_ns();
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
	uint64_t *p;
	size_t cap;

	r->n++;
	if (r->nlat == r->cap) {
		if (r->cap >= LAT_MAX)
			return;	/* percentiles of the first ones */
		cap = r->cap ? 2 * r->cap : 65536;
		if ((p = realloc(r->lat, cap * sizeof(*p))) == NULL)
			die("out of memory for %zu latencies", cap);
		r->lat = p;
		r->cap = cap;
	}
	r->lat[r->nlat++] = ns;
}

static void
on_answer(void *arg, const struct dia_msg *answer, const char *error)
{
	struct slot *s = arg;
	struct bench *b = s->b;
	uint64_t t = now_ns();
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

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile `p` (0..100] of the sorted `v`, in us. */
static double
pct(const uint64_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)ceil(p / 100.0 * (double)n);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1000.0;
}

/*
 * CPU time (user + system) of process `pid` in us, from /proc/PID/stat
 * (fields 14 and 15, in clock ticks); -1 when unreadable.
 */
static double
proc_cpu_us(long pid)
{
	FILE *f;
	char path[64], line[1024], *p;
	unsigned long long ut, st;
	long hz = sysconf(_SC_CLK_TCK);
	int ok;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (pid <= 0 || hz <= 0 || (f = fopen(path, "r")) == NULL)
		return -1;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	/* The command name may hold spaces and parentheses: skip past
	 * the last ')', then state (3) .. stime (15). */
	if (!ok || (p = strrchr(line, ')')) == NULL || sscanf(p + 1,
	    " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1e6 / (double)hz;
}

static double
self_cpu_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return -1;
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void
run_inflight(struct bench *b, struct run *r, double warmup, double seconds)
{
	uint64_t t0;
	unsigned i;
	double hss0, self0, hss1, self1;

	b->run = r;
	b->slots = calloc(r->inflight, sizeof(*b->slots));
	if (b->slots == NULL)
		die("out of memory");
	hss0 = proc_cpu_us(b->hss_pid);
	self0 = self_cpu_us();
	t0 = now_ns();
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
	hss1 = proc_cpu_us(b->hss_pid);
	self1 = self_cpu_us();
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
	qsort(r->lat, r->nlat, sizeof(*r->lat), cmp_u64);
	r->p50 = pct(r->lat, r->nlat, 50);
	r->p90 = pct(r->lat, r->nlat, 90);
	r->p99 = pct(r->lat, r->nlat, 99);
	r->p999 = pct(r->lat, r->nlat, 99.9);
	r->max = pct(r->lat, r->nlat, 100);
}

static void
on_open_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Connect and wait for CER/CEA; die with a reason if it does not open. */
static void
bench_open(struct bench *b, const struct target *t)
{
	struct dia_local local;
	const char *allow[2];
	struct timeval tv = { 0, 20000 };
	char err[256];
	uint64_t deadline;

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
		die("event_base_new failed");
	if ((b->timer = evtimer_new(b->base, on_open_timer, b->base)) == NULL)
		die("evtimer_new failed");
	b->client = dia_client_new(b->base, &local, t->addr, (uint16_t)t->port,
	    REQUEST_TIMEOUT_MS, err, sizeof(err));
	if (b->client == NULL)
		die("dia_client_new: %s", err);
	deadline = now_ns() + (uint64_t)OPEN_TIMEOUT_MS * 1000000u;
	while (!dia_client_is_open(b->client) &&
	    dia_client_refusals(b->client) == 0 && now_ns() < deadline) {
		evtimer_add(b->timer, &tv);
		event_base_loop(b->base, EVLOOP_ONCE);
	}
	evtimer_del(b->timer);
	if (!dia_client_is_open(b->client))
		die("no Zh connection to %s port %ld as %s (%s)", t->addr,
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
	event_free(b->timer);
	event_base_free(b->base);
}

/* --- what is measured against ------------------------------------------- */

/* KEY=VALUE lines of stack.env into `t` (unknown keys ignored). */
static void
read_env(const char *path, struct target *t)
{
	FILE *f;
	char line[ENV_VALUE_MAX + 64], *v, *end;

	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || (v = strchr(line, '=')) == NULL)
			continue;
		*v++ = '\0';
		if (strcmp(line, "HSS_ZH_PORT") == 0) {
			errno = 0;
			t->port = strtol(v, &end, 10);
			if (errno || *end != '\0')
				die("%s: bad HSS_ZH_PORT", path);
		} else if (strcmp(line, "HSS_STUB_PID") == 0) {
			errno = 0;
			t->pid = strtol(v, &end, 10);
			if (errno || *end != '\0')
				die("%s: bad HSS_STUB_PID", path);
		} else if (strcmp(line, "IMPI") == 0)
			snprintf(t->impi, sizeof(t->impi), "%s", v);
		else if (strcmp(line, "HSS_REALM") == 0)
			snprintf(t->realm, sizeof(t->realm), "%s", v);
		else if (strcmp(line, "HSS_ORIGIN_HOST") == 0)
			snprintf(t->hss_host, sizeof(t->hss_host), "%s", v);
		else if (strcmp(line, "TESTER_ORIGIN_HOST") == 0)
			snprintf(t->tester_host, sizeof(t->tester_host), "%s",
			    v);
		else if (strcmp(line, "HSS_DB") == 0)
			snprintf(t->db, sizeof(t->db), "%s", v);
	}
	fclose(f);
	if (t->port == 0)
		die("%s: no HSS_ZH_PORT", path);
}

/* Does the file at `path` hold any of `needles`? 1, 0, or -1 unreadable. */
static int
file_has(const char *path, const char *const *needles)
{
	static char chunk[1 << 16];
	size_t keep = 64, have = 0, n;
	int fd, i, found = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	/* Overlap chunks by `keep` octets so no needle is split. */
	while (!found && (n = (size_t)read(fd, chunk + have,
	    sizeof(chunk) - have)) > 0 && n != (size_t)-1) {
		have += n;
		for (i = 0; needles[i] != NULL && !found; i++)
			found = memmem(chunk, have, needles[i],
			    strlen(needles[i])) != NULL;
		if (have > keep) {
			memmove(chunk, chunk + have - keep, keep);
			have = keep;
		}
	}
	close(fd);
	return found;
}

/*
 * Sanitizers in the running hss-stub: a shared libasan/libubsan in its
 * maps (gcc), or the runtime's symbols linked in (clang). "none", "yes",
 * or "unknown" when the process cannot be inspected.
 */
static const char *
hss_san(long pid)
{
	static const char *const libs[] = { "libasan", "libubsan", "libtsan",
		NULL };
	static const char *const syms[] = { "__asan_init", "__ubsan_handle_",
		"__tsan_init", NULL };
	char path[64];
	int a, b;

	if (pid <= 0)
		return "unknown";
	snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
	a = file_has(path, libs);
	snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
	b = file_has(path, syms);
	if (a == 1 || b == 1)
		return "yes";
	if (a == -1 || b == -1)
		return "unknown";
	return "none";
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

/* The CPU model from /proc/cpuinfo ("model name" on x86, "Model" on arm). */
static void
cpu_model(char *model, size_t size)
{
	FILE *f;
	char line[1024], *p;

	snprintf(model, size, "unknown");
	if ((f = fopen("/proc/cpuinfo", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((strncmp(line, "model name", 10) == 0 ||
		    strncmp(line, "Model", 5) == 0) &&
		    (p = strchr(line, ':')) != NULL) {
			p++;
			p += strspn(p, " \t");
			snprintf(model, size, "%s", p);
			break;
		}
	}
	fclose(f);
}

/* A string as a JSON string body (quotes, backslashes, controls). */
static void
json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* A CPU figure for JSON: null when unknown (< 0). */
static const char *
json_us(double v, char *out, size_t size)
{
	if (v < 0)
		snprintf(out, size, "null");
	else
		snprintf(out, size, "%.1f", v);
	return out;
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

static double
arg_double(const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= lo && v <= hi))
		usage();
	return v;
}

static int
parse_inflight(const char *s, unsigned *out)
{
	char *end;
	long v;
	int n = 0;

	for (;;) {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || v < 1 || v > INFLIGHT_MAX ||
		    n == INFLIGHT_LISTS)
			usage();
		out[n++] = (unsigned)v;
		if (*end == '\0')
			return n;
		if (*end != ',')
			usage();
		s = end + 1;
	}
}

int
main(int argc, char *argv[])
{
	struct bench b;
	struct target t;
	struct run runs[INFLIGHT_LISTS];
	unsigned inflight[INFLIGHT_LISTS];
	const char *env = NULL, *san, *journal;
	char model[256], n1[32], n2[32], *end;
	double seconds = SECONDS_DEFAULT, warmup = WARMUP_DEFAULT;
	long port = 0;
	int json = 0, verbose = 0, nrun, i, fd;

	memset(&b, 0, sizeof(b));
	memset(&t, 0, sizeof(t));
	memset(runs, 0, sizeof(runs));
	snprintf(t.addr, sizeof(t.addr), "127.0.0.1");
	nrun = parse_inflight(INFLIGHT_DEFAULT, inflight);
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
			seconds = arg_double(v, 0.1, 600);
		else if (strcmp(o, "--warmup") == 0)
			warmup = arg_double(v, 0, 60);
		else if (strcmp(o, "--inflight") == 0)
			nrun = parse_inflight(v, inflight);
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
		die("bad port %ld", t.port);
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
	if (BENCH_SELF_SAN)
		die("refusing to run: bench-zh is a sanitizer build");
	san = hss_san(t.pid);
	if (strcmp(san, "yes") == 0)
		die("refusing to run: hss-stub (pid %ld) is a sanitizer build",
		    t.pid);
	journal = db_journal(t.db);
	cpu_model(model, sizeof(model));

	/* The peer layer's own lines (DIA-PEER-UP ...) only with -v: every
	 * failure it reports reaches us as an error anyway. */
	log_init("bench-zh", 1, 0);
	if (!verbose) {
		if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
			die("/dev/null: %s", strerror(errno));
		log_set_output(fd);
	}
	bench_open(&b, &t);
	if (!json) {
		printf("# bench-zh: MAR->MAA over one Diameter connection "
		    "(Zh), closed loop\n");
		printf("# cpu: %s (%ld online, shared by client and "
		    "hss-stub)\n", model, sysconf(_SC_NPROCESSORS_ONLN));
		printf("# cc: %s; cflags: %s\n", __VERSION__, BENCH_CFLAGS);
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
		printf("{\"bench\":\"zh-mar\",\"cpu\":");
		json_str(model);
		printf(",\"cpus\":%ld,\"cc\":", sysconf(_SC_NPROCESSORS_ONLN));
		json_str(__VERSION__);
		printf(",\"cflags\":");
		json_str(BENCH_CFLAGS);
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
			    json_us(runs[i].hss_us, n1, sizeof(n1)),
			    json_us(runs[i].self_us, n2, sizeof(n2)));
		printf("],\"errors\":%llu,\"first_error\":",
		    (unsigned long long)b.errors);
		if (b.errors)
			json_str(b.first_error);
		else
			printf("null");
		printf("}\n");
	}
	for (i = 0; i < INFLIGHT_LISTS; i++)
		free(runs[i].lat);
	if (b.errors) {
		fprintf(stderr, "bench-zh: FAILED: %llu error(s); the first: "
		    "%s\n", (unsigned long long)b.errors, b.first_error);
		return 1;
	}
	return 0;
}
