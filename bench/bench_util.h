/*
 * bench_util.h — what the load programs (bench-zh, bench-ub) share: fatal
 * errors, the monotonic clock, latency vectors and nearest-rank
 * percentiles, CPU time from /proc, the sanitizer refusal, the report
 * header (host, compiler), JSON strings, stack.env, command-line numbers,
 * and opening one Diameter client.
 *
 * Program support, not library code: bench_die() exits, and the program
 * name given to bench_init() is kept for every message. Output goes to
 * stdout, messages to stderr.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct dia_client;
struct dia_local;
struct event_base;

/* 1 when this program is built with ASan or UBSan: its figures mean
 * nothing (gcc defines __SANITIZE_ADDRESS__, clang has __has_feature). */
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

#define BENCH_LAT_MAX	(16u << 20)	/* latencies kept per vector */
#define BENCH_ENV_MAX	128		/* stack.env keys kept */
#define BENCH_ENV_KEY_MAX	64	/* with the NUL */
#define BENCH_ENV_VALUE_MAX	1024	/* with the NUL */

/* The program's name, "bench-zh", for messages. `name` must outlive the
 * program (a string literal). Call first. */
void		 bench_init(const char *name);

/* "NAME: message" on stderr, exit status 1. */
void		 bench_die(const char *fmt, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));

/* CLOCK_MONOTONIC in ns; dies if the clock cannot be read. */
uint64_t	 bench_now_ns(void);

/*
 * Append `ns` to the vector *v of *n values (capacity *cap, grown by
 * realloc; the caller frees *v). Past BENCH_LAT_MAX values the rest are
 * dropped: percentiles are then of the first ones. Dies out of memory.
 */
void		 bench_lat_push(uint64_t **v, size_t *n, size_t *cap,
		    uint64_t ns);

/* Sort `n` latencies ascending, in place. */
void		 bench_lat_sort(uint64_t *v, size_t n);

/* Nearest-rank percentile `p` (0..100] of the sorted `v` (ns), in us;
 * 0 when n is 0. */
double		 bench_pct(const uint64_t *v, size_t n, double p);

/*
 * CPU time (user + system) of process `pid` in us, from /proc/PID/stat
 * (fields 14 and 15, in clock ticks); the system part in *sys unless sys
 * is NULL. -1 (and *sys -1) when unreadable or pid <= 0.
 */
double		 bench_proc_cpu_us(long pid, double *sys);

/* CPU time of this process in us (CLOCK_PROCESS_CPUTIME_ID); -1 when
 * unknown. */
double		 bench_self_cpu_us(void);

/*
 * Sanitizers in the running process `pid`: a shared libasan/libubsan/
 * libtsan in its maps (gcc), or the runtime's symbols linked into its
 * executable (clang). "yes", "none", or "unknown" when the process cannot
 * be inspected (pid <= 0, another user's). A static string.
 */
const char	*bench_proc_san(long pid);

/* bench_proc_san(pid); dies "refusing to run: WHO (pid N) is a sanitizer
 * build" when it says "yes". */
const char	*bench_refuse_san(const char *who, long pid);

/* Dies when this program itself is a sanitizer build (BENCH_SELF_SAN). */
void		 bench_refuse_self_san(void);

/* The peer layer's log lines (DIA-PEER-UP ...) to stderr only when
 * `verbose`, else to /dev/null: every failure reaches us anyway. */
void		 bench_quiet_logs(int verbose);

/* The CPU model from /proc/cpuinfo ("model name" on x86, "Model" on arm),
 * or "unknown"; NUL-terminated in model[size]. */
void		 bench_cpu_model(char *model, size_t size);

/*
 * The two header lines of a text report:
 *   # cpu: MODEL (N online, shared by SHARED_BY)
 *   # cc: __VERSION__; cflags: CFLAGS
 */
void		 bench_print_host(const char *shared_by, const char *cflags);

/* The start of a JSON report, the object left open:
 * {"bench":BENCH,"cpu":MODEL,"cpus":N,"cc":__VERSION__,"cflags":CFLAGS */
void		 bench_json_host(const char *bench, const char *cflags);

/* `s` as a JSON string, quoted, on stdout (quotes, backslashes and
 * control characters escaped). */
void		 bench_json_str(const char *s);

/* A per-operation figure for JSON into out[size]: "null" when unknown
 * (v < 0), else "%.1f". Returns `out`. */
const char	*bench_json_us(double v, char *out, size_t size);

/* "NAME: FAILED: N error(s); the first: FIRST" on stderr when errors > 0.
 * Returns the exit status: 1 after errors, else 0. */
int		 bench_report_errors(uint64_t errors, const char *first);

/*
 * Command-line numbers: `s` as a whole decimal number in lo..hi, else
 * usage() (which must not return). bench_arg_list reads a comma-separated
 * list of 1..vmax into out[nmax] and returns how many.
 */
double		 bench_arg_double(const char *s, double lo, double hi,
		    void (*usage)(void));
long		 bench_arg_long(const char *s, long lo, long hi,
		    void (*usage)(void));
int		 bench_arg_list(const char *s, unsigned *out, int nmax,
		    long vmax, void (*usage)(void));

/* KEY=VALUE lines of a scripts/stack stack.env (docs/CONTRACT.md). Large:
 * make it static. */
struct bench_env {
	size_t	n;
	char	key[BENCH_ENV_MAX][BENCH_ENV_KEY_MAX];
	char	val[BENCH_ENV_MAX][BENCH_ENV_VALUE_MAX];
	char	path[BENCH_ENV_VALUE_MAX];
};

/* Read `path` into `e` (comment lines and lines without '=' skipped; the
 * first BENCH_ENV_MAX keys kept). Dies when it cannot be read or a key or
 * value is too long. */
void		 bench_env_read(struct bench_env *e, const char *path);

/* The value of `key` (the first line naming it), or NULL. */
const char	*bench_env_opt(const struct bench_env *e, const char *key);

/* The value of `key`; dies when it is missing or empty. */
const char	*bench_env_get(const struct bench_env *e, const char *key);

/* The value of `key` as a decimal number in lo..hi, 0 when missing; dies
 * when it is not one. */
long		 bench_env_long(const struct bench_env *e, const char *key,
		    long lo, long hi);

/*
 * A Diameter client on `base` to addr:port as `local`, and wait up to
 * open_timeout_ms for CER/CEA. Returns the client whether it opened, was
 * refused (dia_client_refusals) or is not open in time: the caller tells
 * which and frees it with dia_client_free(). Dies when dia_client_new()
 * fails.
 */
struct dia_client *bench_dia_open(struct event_base *base,
		    const struct dia_local *local, const char *addr,
		    uint16_t port, unsigned request_timeout_ms,
		    unsigned open_timeout_ms);

/*
 * Busy and total CPU time of the whole host from the "cpu" line of
 * /proc/stat, in us (busy: user nice system irq softirq steal; total adds
 * idle and iowait); both 0 when unreadable. (bench-ap, bench-ub)
 */
void		 bench_host_cpu_us(double *busy, double *total);

/*
 * Raise this process's soft RLIMIT_NOFILE to at least `need` descriptors
 * (up to the hard limit). Dies, naming both limits, when the hard limit is
 * lower. Returns the soft limit now in force.
 */
long		 bench_raise_nofile(long need);

#endif /* BENCH_UTIL_H */
