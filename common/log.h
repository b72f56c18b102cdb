/*
 * log.h — logging for every utstack program, and the stable event lines.
 *
 * Modelled on the OpenBSD daemons' log.c: log_init() once at start-up,
 * then log_warn/log_warnx/log_info/log_debug, and fatal/fatalx for
 * start-up errors and broken invariants only.
 *
 * In the foreground (and whenever log_set_output() names a descriptor)
 * each message is one line written with one write(2):
 *
 *	2026-11-29T09:50:00.123Z bsf[4242] info: message
 *
 * (UTC, milliseconds; level one of debug, info, warn, error). Otherwise
 * messages go to syslog (LOG_DAEMON) with the level mapped to a priority.
 * Control characters in a message are written as \xHH, so a string from a
 * peer can never start a line of its own; a message longer than the line
 * buffer ends in "...[truncated]".
 *
 * Event lines (ARCHITECTURE.md §3) are info messages of the form
 *
 *	EVENT-NAME key=value key="value with spaces" ...
 *
 * that tests and tools wait for; see log_event(). Key material is printed
 * only through log_key(), which masks it unless show-keys (-K) is on.
 *
 * The state (program name, verbosity, show-keys, output) is process-wide;
 * the programs are single-threaded.
 */
#ifndef UTSTACK_LOG_H
#define UTSTACK_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* Longest line written, newline included (PIPE_BUF on Linux, so that a
 * line written to a shared pipe is never interleaved with another). */
#define LOG_LINE_MAX	4096

/* Appended to a message cut at the end of the line buffer. */
#define LOG_TRUNCATED	"...[truncated]"

/* What log_key() writes in place of a key when show-keys is off. */
#define LOG_KEY_HIDDEN	"[hidden]"

/* Size of a log_key() buffer for keys of up to `n` octets. */
#define LOG_KEY_BUFSZ(n)	(2 * (n) + 1)

/*
 * Set up logging for program `progname` (copied; at most 63 characters
 * kept). With `foreground` set, lines go to stderr; otherwise to syslog,
 * facility LOG_DAEMON, opened here. `verbose` as for log_set_verbose().
 * Before log_init() messages go to stderr under the name "utstack".
 */
void	log_init(const char *progname, int foreground, int verbose);

/* 0: info and above; 1 (-v): also log_debug(); 2 (-vv): also log_debug2(). */
void	log_set_verbose(int verbose);

/* The current verbosity, e.g. to skip building an expensive debug dump. */
int	log_verbose(void);

/* Turn printing of key material by log_key() on (the daemons' -K, the
 * UE's --show-keys) or off (the default). */
void	log_set_show_keys(int on);

/* Returns 1 when key material is shown, 0 when it is masked. */
int	log_show_keys(void);

/*
 * Write every line to descriptor `fd` in the stderr format, whatever
 * log_init() chose (for tests capturing output, and for a log file).
 * -1 returns to the log_init() choice. The descriptor stays the caller's.
 */
void	log_set_output(int fd);

/* Level warn, the message followed by ": " and strerror(errno).
 * errno is preserved by every log function. */
void	log_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Level warn, the message alone. */
void	log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Level info. */
void	log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Level debug, only when the verbosity is at least 1. */
void	log_debug(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Level debug, only when the verbosity is at least 2 (per-message
 * detail: frames, AVPs, state changes of every connection). */
void	log_debug2(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Level error, message and ": strerror(errno)", then exit(1). For
 * start-up errors and broken internal invariants only, never for
 * anything a peer sent. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* As fatal() without strerror(errno). */
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Log the event line `event` followed by key/value pairs given as string
 * arguments and ended by a NULL key, at level info:
 *
 *	log_event("BSF-BOOTSTRAP-OK", "impi", impi, "btid", btid,
 *	    (char *)NULL);
 *	-> BSF-BOOTSTRAP-OK impi=001010000000001@ims... btid=...
 *
 * Event names are [A-Z0-9-]+ and keys [a-z0-9_]+. A value is written bare
 * unless it is empty or holds a space, '"', '=', '\\', a control character
 * or an octet >= 0x80; then it is written in double quotes with \" \\ and
 * \xHH escapes, so that one event is one line and log_event_next() gives
 * back the exact value. A NULL value is written as "". An invalid event
 * name drops the event and an invalid key drops its pair, each with a
 * warning (a programming error, not worth a crash in a daemon). An event
 * too long for a line is cut before the first pair that does not fit and
 * ends in " ...[truncated]".
 */
void	log_event(const char *event, ...) __attribute__((sentinel));

/*
 * As log_event(), with the pairs in `ap`, preceded by the pairs of
 * `tags` (NULL, or an array of key, value, ..., NULL) — for wrappers that
 * tag every event of a connection with its id and peer address.
 */
void	log_eventv(const char *event, const char *const *tags, va_list ap);

/*
 * Start parsing the event message `msg` (the text after "level: " of a
 * stderr line, or a syslog message): copy the event name into `event`
 * (`eventsz` octets) and point `*pairs` at the rest, for
 * log_event_next(). Returns 0, or -1 if `msg` does not start with a valid
 * event name or the name does not fit.
 */
int	log_event_parse(const char *msg, char *event, size_t eventsz,
	    const char **pairs);

/*
 * Read the next pair at `*pos` into `key` (`keysz` octets) and the
 * unescaped value into `val` (`valsz` octets), and advance `*pos`.
 * Returns 1 for a pair, 0 at the end of the message, -1 for malformed
 * text (including a " ...[truncated]" tail) or a key or value that does
 * not fit.
 */
int	log_event_next(const char **pos, char *key, size_t keysz, char *val,
	    size_t valsz);

/*
 * Text for printing the key material `key` (`len` octets): its lower-case
 * hex in `buf` (`bufsz` octets, LOG_KEY_BUFSZ(len) needed) when show-keys
 * is on, otherwise the constant "[hidden]". Returns `buf` or a constant
 * string ("[key too long]" when `buf` is too small), never NULL. The only
 * way key material reaches a log.
 */
const char *log_key(const void *key, size_t len, char *buf, size_t bufsz);

#endif
