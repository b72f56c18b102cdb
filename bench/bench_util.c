/*
 * bench_util.c — the helpers bench-zh and bench-ub share (bench_util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench_util.h"
#include "dia_peer.h"
#include "log.h"

static const char *progname = "bench";

void
bench_init(const char *name)
{
	progname = name;
}

void
bench_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		bench_die("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- latencies ------------------------------------------------------------ */

void
bench_lat_push(uint64_t **v, size_t *n, size_t *cap, uint64_t ns)
{
	uint64_t *p;
	size_t c;

	if (*n == *cap) {
		if (*cap >= BENCH_LAT_MAX)
			return;	/* percentiles of the first ones */
		c = *cap ? 2 * *cap : 65536;
		if ((p = realloc(*v, c * sizeof(*p))) == NULL)
			bench_die("out of memory for %zu latencies", c);
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = ns;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void
bench_lat_sort(uint64_t *v, size_t n)
{
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_u64);
}

double
bench_pct(const uint64_t *v, size_t n, double p)
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

/* --- CPU time ------------------------------------------------------------- */

double
bench_proc_cpu_us(long pid, double *sys)
{
	FILE *f;
	char path[64], line[1024], *p;
	unsigned long long ut, st;
	long hz = sysconf(_SC_CLK_TCK);
	int ok;

	if (sys != NULL)
		*sys = -1;
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
	if (sys != NULL)
		*sys = (double)st * 1e6 / (double)hz;
	return (double)(ut + st) * 1e6 / (double)hz;
}

double
bench_self_cpu_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return -1;
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* --- sanitizers ----------------------------------------------------------- */

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

const char *
bench_proc_san(long pid)
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

const char *
bench_refuse_san(const char *who, long pid)
{
	const char *san = bench_proc_san(pid);

	if (strcmp(san, "yes") == 0)
		bench_die("refusing to run: %s (pid %ld) is a sanitizer build",
		    who, pid);
	return san;
}

void
bench_refuse_self_san(void)
{
	if (BENCH_SELF_SAN)
		bench_die("refusing to run: %s is a sanitizer build",
		    progname);
}

void
bench_quiet_logs(int verbose)
{
	int fd;

	log_init(progname, 1, 0);
	if (verbose)
		return;
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		bench_die("/dev/null: %s", strerror(errno));
	log_set_output(fd);
}

/* --- the report ----------------------------------------------------------- */

void
bench_cpu_model(char *model, size_t size)
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

void
bench_print_host(const char *shared_by, const char *cflags)
{
	char model[256];

	bench_cpu_model(model, sizeof(model));
	printf("# cpu: %s (%ld online, shared by %s)\n", model,
	    sysconf(_SC_NPROCESSORS_ONLN), shared_by);
	printf("# cc: %s; cflags: %s\n", __VERSION__, cflags);
}

void
bench_json_host(const char *bench, const char *cflags)
{
	char model[256];

	bench_cpu_model(model, sizeof(model));
	printf("{\"bench\":\"%s\",\"cpu\":", bench);
	bench_json_str(model);
	printf(",\"cpus\":%ld,\"cc\":", sysconf(_SC_NPROCESSORS_ONLN));
	bench_json_str(__VERSION__);
	printf(",\"cflags\":");
	bench_json_str(cflags);
}

void
bench_json_str(const char *s)
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

const char *
bench_json_us(double v, char *out, size_t size)
{
	if (v < 0)
		snprintf(out, size, "null");
	else
		snprintf(out, size, "%.1f", v);
	return out;
}

int
bench_report_errors(uint64_t errors, const char *first)
{
	if (errors == 0)
		return 0;
	fprintf(stderr, "%s: FAILED: %llu error(s); the first: %s\n",
	    progname, (unsigned long long)errors, first);
	return 1;
}

/* --- the command line ----------------------------------------------------- */

double
bench_arg_double(const char *s, double lo, double hi, void (*usage)(void))
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= lo && v <= hi))
		usage();
	return v;
}

long
bench_arg_long(const char *s, long lo, long hi, void (*usage)(void))
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

int
bench_arg_list(const char *s, unsigned *out, int nmax, long vmax,
    void (*usage)(void))
{
	char *end;
	long v;
	int n = 0;

	for (;;) {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || v < 1 || v > vmax || n == nmax) {
			usage();
			return n;
		}
		out[n++] = (unsigned)v;
		if (*end == '\0')
			return n;
		if (*end != ',') {
			usage();
			return n;
		}
		s = end + 1;
	}
}

/* --- stack.env ------------------------------------------------------------ */

void
bench_env_read(struct bench_env *e, const char *path)
{
	FILE *f;
	char line[BENCH_ENV_VALUE_MAX + 80], *v;
	size_t kl, vl;

	snprintf(e->path, sizeof(e->path), "%s", path);
	if ((f = fopen(path, "r")) == NULL)
		bench_die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL && e->n < BENCH_ENV_MAX) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || (v = strchr(line, '=')) == NULL)
			continue;
		kl = (size_t)(v - line);
		vl = strlen(++v);
		if (kl >= sizeof(e->key[0]) || vl >= sizeof(e->val[0]))
			bench_die("%s: line '%.40s...' too long", path, line);
		memcpy(e->key[e->n], line, kl);
		e->key[e->n][kl] = '\0';
		memcpy(e->val[e->n], v, vl + 1);
		e->n++;
	}
	fclose(f);
}

const char *
bench_env_opt(const struct bench_env *e, const char *key)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->key[i], key) == 0)
			return e->val[i];
	return NULL;
}

const char *
bench_env_get(const struct bench_env *e, const char *key)
{
	const char *v = bench_env_opt(e, key);

	if (v == NULL || *v == '\0')
		bench_die("%s: no %s", e->path, key);
	return v;
}

long
bench_env_long(const struct bench_env *e, const char *key, long lo, long hi)
{
	const char *v = bench_env_opt(e, key);
	char *end;
	long n;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end != '\0' || n < lo || n > hi)
		bench_die("%s: bad %s '%s'", e->path, key, v);
	return n;
}

/* --- Diameter ------------------------------------------------------------- */

static void
on_open_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

struct dia_client *
bench_dia_open(struct event_base *base, const struct dia_local *local,
    const char *addr, uint16_t port, unsigned request_timeout_ms,
    unsigned open_timeout_ms)
{
	struct dia_client *c;
	struct event *timer;
	struct timeval tv = { 0, 20000 };
	char err[256];
	uint64_t deadline;

	/* The timer only wakes the loop to look at the deadline. */
	if ((timer = evtimer_new(base, on_open_timer, base)) == NULL)
		bench_die("evtimer_new failed");
	c = dia_client_new(base, local, addr, port, request_timeout_ms, err,
	    sizeof(err));
	if (c == NULL)
		bench_die("dia_client_new: %s", err);
	deadline = bench_now_ns() + (uint64_t)open_timeout_ms * 1000000u;
	while (!dia_client_is_open(c) && dia_client_refusals(c) == 0 &&
	    bench_now_ns() < deadline) {
		evtimer_add(timer, &tv);
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(timer);
	return c;
}

/* --- host CPU (bench-ap, bench-ub) and descriptors (bench-ap) ---------- */

void
bench_host_cpu_us(double *busy, double *total)
{
	FILE *f;
	unsigned long long v[8] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	int n;

	*busy = *total = 0;
	if (hz <= 0 || (f = fopen("/proc/stat", "r")) == NULL)
		return;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return;
	*busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1e6 /
	    (double)hz;
	*total = *busy + (double)(v[3] + v[4]) * 1e6 / (double)hz;
}

long
bench_raise_nofile(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		bench_die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur >= need)
		return (long)rl.rlim_cur;
	if (rl.rlim_max != RLIM_INFINITY && (long)rl.rlim_max < need)
		bench_die("need %ld descriptors, the hard limit is %ld (raise "
		    "it: ulimit -Hn, or limits.conf)", need,
		    (long)rl.rlim_max);
	rl.rlim_cur = (rlim_t)need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		bench_die("setrlimit RLIMIT_NOFILE %ld: %s", need,
		    strerror(errno));
	return need;
}
