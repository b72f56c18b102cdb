/*
 * log.c — logging to stderr or syslog, event lines and key masking; see
 * log.h. After the OpenBSD daemons' log.c.
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "hex.h"
#include "log.h"

enum level { LVL_DEBUG, LVL_INFO, LVL_WARN, LVL_ERROR };

static const struct {
	const char	*name;
	int		 prio;
} levels[] = {
	[LVL_DEBUG] = { "debug", LOG_DEBUG },
	[LVL_INFO] = { "info", LOG_INFO },
	[LVL_WARN] = { "warn", LOG_WARNING },
	[LVL_ERROR] = { "error", LOG_CRIT },
};

/*
 * Room kept free for the line prefix when an event is composed, so that
 * an event is cut at a pair boundary by log_eventv() rather than in the
 * middle of a value by compose(): timestamp (24) + name (63) + pid (20) +
 * level (7) + separators, rounded up.
 */
#define PREFIX_MAX	160
#define EVENT_MAX	(LOG_LINE_MAX - PREFIX_MAX)

static char	progname[64] = "utstack";
static int	use_syslog;
static int	verbosity;
static int	show_keys;
static int	out_fd = -1;
static pid_t	cached_pid;	/* 0: read it again; see line_pid() */
static int	atfork_set;

static void
pid_forked(void)
{
	cached_pid = 0;
}

/*
 * The pid in the line prefix, read once rather than per line. The child
 * of every fork — daemon(3) after log_init() in daemon_start, a test's
 * child — reads its own again: pthread_atfork() runs pid_forked() in it.
 */
static pid_t
line_pid(void)
{
	if (cached_pid != 0)
		return cached_pid;
	if (!atfork_set && pthread_atfork(NULL, NULL, pid_forked) == 0)
		atfork_set = 1;
	if (!atfork_set)
		return getpid();	/* no handler, no cache */
	cached_pid = getpid();
	return cached_pid;
}

void
log_init(const char *name, int foreground, int verbose)
{
	int saved = errno;

	if (name != NULL)
		snprintf(progname, sizeof(progname), "%s", name);
	verbosity = verbose;
	use_syslog = !foreground;
	cached_pid = 0;		/* read again with the next line */
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	errno = saved;
}

void
log_set_verbose(int verbose)
{
	verbosity = verbose;
}

int
log_verbose(void)
{
	return verbosity;
}

void
log_set_show_keys(int on)
{
	show_keys = on != 0;
}

int
log_show_keys(void)
{
	return show_keys;
}

void
log_set_output(int fd)
{
	out_fd = fd;
}

/*
 * Copy `msg` into line[off..], escaping control characters as \xHH, and
 * end it with a newline. If the message does not fit in LOG_LINE_MAX, or
 * `truncated` says it was already cut, it is cut at a character boundary
 * and LOG_TRUNCATED is appended. Returns the line length (newline
 * included).
 */
static size_t
compose(char *line, size_t off, const char *msg, int truncated)
{
	static const char digits[] = "0123456789abcdef";
	const size_t full = LOG_LINE_MAX - 1;	/* room before the '\n' */
	const size_t part = full - (sizeof(LOG_TRUNCATED) - 1);
	const unsigned char *p;
	size_t pos = off, cut = off, w;

	for (p = (const unsigned char *)msg; *p != '\0'; p++) {
		w = (*p < 0x20 || *p == 0x7f) ? 4 : 1;
		if (pos + w > full) {
			truncated = 1;
			break;
		}
		if (w == 1) {
			line[pos] = (char)*p;
		} else {
			line[pos] = '\\';
			line[pos + 1] = 'x';
			line[pos + 2] = digits[*p >> 4];
			line[pos + 3] = digits[*p & 0x0f];
		}
		pos += w;
		if (pos <= part)
			cut = pos;
	}
	if (truncated) {
		pos = cut;
		memcpy(line + pos, LOG_TRUNCATED, sizeof(LOG_TRUNCATED) - 1);
		pos += sizeof(LOG_TRUNCATED) - 1;
	}
	line[pos++] = '\n';
	return pos;
}

/* Write one message at level `lvl`; `truncated` as for compose(). */
static void
emit(enum level lvl, const char *msg, int truncated)
{
	char line[LOG_LINE_MAX], stamp[32];
	struct timespec ts;
	struct tm tm;
	size_t off, len, done;
	ssize_t n;
	int fd, r;

	if (use_syslog && out_fd == -1) {
		len = compose(line, 0, msg, truncated);
		line[len - 1] = '\0';
		syslog(levels[lvl].prio, "%s", line);
		return;
	}

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(stamp, sizeof(stamp), "0000-00-00T00:00:00");
		ts.tv_nsec = 0;
	}
	r = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld] %s: ", stamp,
	    ts.tv_nsec / 1000000, progname, (long)line_pid(),
	    levels[lvl].name);
	off = r < 0 ? 0 : (size_t)r;
	if (off >= PREFIX_MAX)	/* cannot happen: name <= 63 chars */
		off = 0;
	len = compose(line, off, msg, truncated);

	/* One write per line; loop only for a partial write or a signal. */
	fd = out_fd != -1 ? out_fd : STDERR_FILENO;
	for (done = 0; done < len; done += (size_t)n) {
		n = write(fd, line + done, len - done);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			break;
	}
}

static void	vlog(enum level, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

/* Format a message; with `errnum` >= 0 append ": " strerror(errnum). */
static void
vlog(enum level lvl, int errnum, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	size_t len;
	int n, truncated = 0;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0) {
		snprintf(msg, sizeof(msg), "(bad log format '%s')", fmt);
		n = (int)strlen(msg);
	}
	if ((size_t)n >= sizeof(msg))
		truncated = 1;
	if (errnum >= 0 && !truncated) {
		len = (size_t)n;
		n = snprintf(msg + len, sizeof(msg) - len, ": %s",
		    strerror(errnum));
		if (n < 0 || (size_t)n >= sizeof(msg) - len)
			truncated = 1;
	}
	emit(lvl, msg, truncated);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LVL_WARN, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LVL_WARN, -1, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LVL_INFO, -1, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	vlog(LVL_DEBUG, -1, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_debug2(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (verbosity < 2)
		return;
	va_start(ap, fmt);
	vlog(LVL_DEBUG, -1, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LVL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LVL_ERROR, -1, fmt, ap);
	va_end(ap);
	exit(1);
}

/* --- event lines ------------------------------------------------------ */

static int
valid_event(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '-'))
			return 0;
	return 1;
}

static int
key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int
valid_key(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!key_char(*s))
			return 0;
	return 1;
}

/* An octet a bare value may hold: printable ASCII but for the specials. */
static int
bare_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '=' && c != '\\';
}

/* Length of `v` as written by encode(). */
static size_t
encoded_len(const char *v)
{
	const unsigned char *p;
	size_t n = 0;
	int quote = *v == '\0';

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (bare_char(*p)) {
			n++;
			continue;
		}
		quote = 1;
		if (*p == ' ')
			n++;
		else if (*p == '"' || *p == '\\')
			n += 2;
		else if (*p == '=')
			n++;
		else
			n += 4;
	}
	return quote ? n + 2 : n;
}

/* Write `v` at `out` (encoded_len(v) octets, no NUL). */
static void
encode(const char *v, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p;
	int quote = 0;

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (!bare_char(*p))
			quote = 1;
	if (*v == '\0')
		quote = 1;
	if (!quote) {
		memcpy(out, v, strlen(v));
		return;
	}
	*out++ = '"';
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			*out++ = '\\';
			*out++ = (char)*p;
		} else if (*p == ' ' || *p == '=' || bare_char(*p)) {
			*out++ = (char)*p;
		} else {
			*out++ = '\\';
			*out++ = 'x';
			*out++ = digits[*p >> 4];
			*out++ = digits[*p & 0x0f];
		}
	}
	*out = '"';
}

/*
 * Append " key=value" to the event text `ev` of length *len, unless it
 * would leave no room for the truncation tail. Returns 0, or -1 (nothing
 * written) when it does not fit.
 */
static int
add_pair(char *ev, size_t *len, const char *key, const char *val)
{
	const size_t room = EVENT_MAX - sizeof(" " LOG_TRUNCATED);
	size_t klen = strlen(key), vlen;

	if (val == NULL)
		val = "";
	vlen = encoded_len(val);
	if (klen + vlen + 2 > room - *len)
		return -1;
	ev[(*len)++] = ' ';
	memcpy(ev + *len, key, klen);
	*len += klen;
	ev[(*len)++] = '=';
	encode(val, ev + *len);
	*len += vlen;
	return 0;
}

void
log_eventv(const char *event, const char *const *tags, va_list ap)
{
	char ev[EVENT_MAX];
	const char *key, *val;
	size_t len;
	int bad = 0, full = 0, saved = errno;

	if (!valid_event(event) || strlen(event) > EVENT_MAX / 2) {
		log_warnx("log_event: invalid event name dropped");
		errno = saved;
		return;
	}
	len = strlen(event);
	memcpy(ev, event, len);
	for (; tags != NULL && tags[0] != NULL; tags += 2) {
		if (!valid_key(tags[0]))
			bad++;
		else if (!full && add_pair(ev, &len, tags[0], tags[1]) == -1)
			full = 1;
	}
	while ((key = va_arg(ap, const char *)) != NULL) {
		val = va_arg(ap, const char *);
		if (!valid_key(key))
			bad++;
		else if (!full && add_pair(ev, &len, key, val) == -1)
			full = 1;
	}
	if (full) {
		memcpy(ev + len, " " LOG_TRUNCATED, sizeof(" " LOG_TRUNCATED));
		len += sizeof(" " LOG_TRUNCATED) - 1;
	}
	ev[len] = '\0';
	emit(LVL_INFO, ev, 0);
	if (bad)
		log_warnx("log_event: %s: %d pair(s) with an invalid key dropped",
		    event, bad);
	errno = saved;
}

void
log_event(const char *event, ...)
{
	va_list ap;

	va_start(ap, event);
	log_eventv(event, NULL, ap);
	va_end(ap);
}

/* Append `c` to out[*n], keeping room for a NUL. Returns -1 when full. */
static int
put(char *out, size_t outsz, size_t *n, char c)
{
	if (*n + 1 >= outsz)
		return -1;
	out[(*n)++] = c;
	return 0;
}

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
log_event_parse(const char *msg, char *event, size_t eventsz,
    const char **pairs)
{
	size_t n = 0;

	while ((*msg >= 'A' && *msg <= 'Z') || (*msg >= '0' && *msg <= '9') ||
	    *msg == '-') {
		if (put(event, eventsz, &n, *msg++) == -1)
			return -1;
	}
	if (n == 0 || (*msg != ' ' && *msg != '\0'))
		return -1;
	event[n] = '\0';
	*pairs = msg;
	return 0;
}

int
log_event_next(const char **pos, char *key, size_t keysz, char *val,
    size_t valsz)
{
	const char *p = *pos;
	size_t n = 0;
	int hi, lo;

	if (*p == '\0')
		return 0;
	if (*p++ != ' ')
		return -1;
	while (key_char(*p))
		if (put(key, keysz, &n, *p++) == -1)
			return -1;
	if (n == 0 || *p++ != '=')
		return -1;
	key[n] = '\0';

	n = 0;
	if (*p != '"') {
		while (bare_char((unsigned char)*p))
			if (put(val, valsz, &n, *p++) == -1)
				return -1;
		if (n == 0)
			return -1;
	} else {
		for (p++; *p != '"'; p++) {
			char c = *p;

			if (c == '\0')
				return -1;
			if (c == '\\') {
				c = *++p;
				if (c == 'x') {
					if ((hi = unhex(p[1])) == -1 ||
					    (lo = unhex(p[2])) == -1 ||
					    (hi | lo) == 0)
						return -1;
					c = (char)(hi << 4 | lo);
					p += 2;
				} else if (c != '"' && c != '\\')
					return -1;
			} else if ((unsigned char)c < 0x20 || c == 0x7f)
				return -1;
			if (put(val, valsz, &n, c) == -1)
				return -1;
		}
		p++;
	}
	if (*p != ' ' && *p != '\0')
		return -1;
	val[n] = '\0';
	*pos = p;
	return 1;
}

const char *
log_key(const void *key, size_t len, char *buf, size_t bufsz)
{
	if (!show_keys)
		return LOG_KEY_HIDDEN;
	if (buf == NULL || bufsz == 0 || len > (bufsz - 1) / 2)
		return "[key too long]";
	return hex_encode(key, len, buf);
}
