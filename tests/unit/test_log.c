/*
 * test_log.c — log line format, levels and verbosity, escaping of
 * control characters, event-line quoting and its round trip through
 * log_event_parse()/log_event_next(), key masking, truncation, fatalx().
 * Output is captured through log_set_output() on a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "suites.h"

static int cap_fd[2] = { -1, -1 };
static char cap_text[65536];

static void
setup(void)
{
	ck_assert_int_eq(pipe(cap_fd), 0);
	ck_assert_int_eq(fcntl(cap_fd[0], F_SETFL, O_NONBLOCK), 0);
	log_init("testprog", 1, 0);
	log_set_show_keys(0);
	log_set_output(cap_fd[1]);
}

static void
teardown(void)
{
	log_set_output(-1);
	log_set_verbose(0);
	log_set_show_keys(0);
	close(cap_fd[0]);
	close(cap_fd[1]);
	cap_fd[0] = cap_fd[1] = -1;
}

/* Everything logged since the last call, NUL-terminated. */
static const char *
captured(void)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(cap_fd[0], cap_text + len,
	    sizeof(cap_text) - 1 - len)) > 0)
		len += (size_t)n;
	cap_text[len] = '\0';
	return cap_text;
}

/* The message part of the single line captured at level `level`. */
static const char *
message(const char *level)
{
	static char msg[sizeof(cap_text)];
	char tag[32];
	const char *line = captured(), *p;
	size_t len = strlen(line);

	ck_assert_msg(len > 0 && line[len - 1] == '\n', "no line: '%s'",
	    line);
	ck_assert_msg(strchr(line, '\n') == line + len - 1,
	    "more than one line: '%s'", line);
	snprintf(tag, sizeof(tag), " %s: ", level);
	p = strstr(line, tag);
	ck_assert_msg(p != NULL, "no '%s' in '%s'", tag, line);
	p += strlen(tag);
	snprintf(msg, sizeof(msg), "%.*s", (int)(line + len - 1 - p), p);
	return msg;
}

START_TEST(log_line_format)
{
	char before[32], after[32], want[64];
	const char *line;
	regex_t re;
	time_t t0, t1;
	struct tm tm;

	t0 = time(NULL);
	log_info("hello %d", 42);
	t1 = time(NULL);
	line = captured();

	ck_assert_int_eq(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T"
	    "[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z testprog\\[[0-9]+\\] "
	    "info: hello 42\n$", REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(regexec(&re, line, 0, NULL, 0) == 0, "bad line '%s'",
	    line);
	regfree(&re);

	/* The stamp is now, in UTC. */
	strftime(before, sizeof(before), "%Y-%m-%dT%H:%M:%S",
	    gmtime_r(&t0, &tm));
	strftime(after, sizeof(after), "%Y-%m-%dT%H:%M:%S",
	    gmtime_r(&t1, &tm));
	ck_assert_msg(strncmp(line, before, 19) == 0 ||
	    strncmp(line, after, 19) == 0, "stamp of '%s' is not %s", line,
	    before);
	snprintf(want, sizeof(want), " testprog[%ld] info: ", (long)getpid());
	ck_assert_ptr_nonnull(strstr(line, want));
}
END_TEST

START_TEST(log_levels)
{
	log_warnx("w %s", "x");
	ck_assert_str_eq(message("warn"), "w x");
	errno = ENOENT;
	log_warn("open %s", "/nonexistent");
	ck_assert_int_eq(errno, ENOENT);	/* preserved */
	ck_assert_str_eq(message("warn"),
	    "open /nonexistent: No such file or directory");
	log_info("i");
	ck_assert_str_eq(message("info"), "i");
}
END_TEST

START_TEST(log_debug_verbosity)
{
	log_set_verbose(0);
	log_debug("d1");
	log_debug2("d2");
	ck_assert_str_eq(captured(), "");
	ck_assert_int_eq(log_verbose(), 0);

	log_set_verbose(1);
	log_debug2("d2");
	ck_assert_str_eq(captured(), "");
	log_debug("d1");
	ck_assert_str_eq(message("debug"), "d1");

	log_set_verbose(2);
	log_debug2("d2");
	ck_assert_str_eq(message("debug"), "d2");
	ck_assert_int_eq(log_verbose(), 2);

	/* log_init() sets the level too. */
	log_init("testprog", 1, 0);
	log_debug("d1");
	ck_assert_str_eq(captured(), "");
}
END_TEST

START_TEST(log_escapes_control_chars)
{
	log_info("a\nb\rc\td%c", 0x7f);
	ck_assert_str_eq(message("info"), "a\\x0ab\\x0dc\\x09d\\x7f");
	/* A peer's string cannot forge an event line of its own. */
	log_warnx("bad user '%s'", "x\n2026-01-01T00:00:00.000Z bsf[1] info: "
	    "BSF-BOOTSTRAP-OK impi=evil");
	ck_assert_str_eq(message("warn"), "bad user 'x\\x0a2026-01-01T00:00:00"
	    ".000Z bsf[1] info: BSF-BOOTSTRAP-OK impi=evil'");
}
END_TEST

START_TEST(log_truncates_long_lines)
{
	static char big[3 * LOG_LINE_MAX];
	const char *line;
	size_t len;

	memset(big, 'x', sizeof(big) - 1);
	log_info("%s", big);
	line = captured();
	len = strlen(line);
	ck_assert_uint_eq(len, LOG_LINE_MAX);
	ck_assert_str_eq(line + len - sizeof(LOG_TRUNCATED),
	    LOG_TRUNCATED "\n");
	ck_assert_uint_eq(line[len - sizeof(LOG_TRUNCATED) - 1], 'x');

	/* Escapes are never cut in half. */
	memset(big, '\n', sizeof(big) - 1);
	log_info("%s", big);
	line = captured();
	len = strlen(line);
	ck_assert_uint_le(len, LOG_LINE_MAX);
	ck_assert_str_eq(line + len - sizeof(LOG_TRUNCATED),
	    LOG_TRUNCATED "\n");
	ck_assert(strncmp(line + len - sizeof(LOG_TRUNCATED) - 4, "\\x0a",
	    4) == 0);
}
END_TEST

START_TEST(log_event_quoting)
{
	log_event("TEST-EVENT", "a", "plain", "b", "with space", "c", "q\"uote",
	    "d", "back\\slash", "e", "", "f", "x=y", "g", "line\nbreak\r\t",
	    "h", "caf\xc3\xa9", "i", (const char *)NULL, (char *)NULL);
	ck_assert_str_eq(message("info"), "TEST-EVENT a=plain "
	    "b=\"with space\" c=\"q\\\"uote\" d=\"back\\\\slash\" e=\"\" "
	    "f=\"x=y\" g=\"line\\x0abreak\\x0d\\x09\" h=\"caf\\xc3\\xa9\" i=\"\"");

	log_event("LISTENING", "name", "ub", "addr", "127.0.0.1:8080",
	    (char *)NULL);
	ck_assert_str_eq(message("info"), "LISTENING name=ub "
	    "addr=127.0.0.1:8080");

	log_event("NO-PAIRS", (char *)NULL);
	ck_assert_str_eq(message("info"), "NO-PAIRS");
}
END_TEST

/* Parse `msg` back, expecting `event` and the n pairs of `kv`. */
static void
check_parse(const char *msg, const char *event, const char *const *kv,
    size_t n)
{
	char name[64], key[64], val[2048];
	const char *pos;
	size_t i;

	ck_assert_int_eq(log_event_parse(msg, name, sizeof(name), &pos), 0);
	ck_assert_str_eq(name, event);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(log_event_next(&pos, key, sizeof(key), val,
		    sizeof(val)), 1);
		ck_assert_str_eq(key, kv[2 * i]);
		ck_assert_str_eq(val, kv[2 * i + 1]);
	}
	ck_assert_int_eq(log_event_next(&pos, key, sizeof(key), val,
	    sizeof(val)), 0);
}

START_TEST(log_event_round_trip)
{
	static char all[256];
	const char *kv[] = {
		"all", all, "empty", "", "sp", "  two  spaces ",
		"q", "\"\"", "bs", "\\\\x41", "eq", "==", "plain", "abc-DEF.1:2/3",
		"esc", "\\x00", "nl", "\n",
	};
	size_t i;

	for (i = 1; i < 256; i++)	/* every octet but NUL */
		all[i - 1] = (char)i;
	log_event("ROUND-TRIP", kv[0], kv[1], kv[2], kv[3], kv[4], kv[5],
	    kv[6], kv[7], kv[8], kv[9], kv[10], kv[11], kv[12], kv[13],
	    kv[14], kv[15], kv[16], kv[17], (char *)NULL);
	check_parse(message("info"), "ROUND-TRIP", kv, 9);
}
END_TEST

START_TEST(log_event_parse_rejects)
{
	char name[16], key[16], val[16];
	const char *pos;

	ck_assert_int_eq(log_event_parse("lower k=v", name, sizeof(name),
	    &pos), -1);
	ck_assert_int_eq(log_event_parse("", name, sizeof(name), &pos), -1);
	ck_assert_int_eq(log_event_parse("EVENT-NAME-LONGER-THAN-16", name,
	    sizeof(name), &pos), -1);
	ck_assert_int_eq(log_event_parse("EV: x", name, sizeof(name), &pos),
	    -1);

#define NEXT_FAILS(text) do {						\
	ck_assert_int_eq(log_event_parse("EV" text, name, sizeof(name),	\
	    &pos), 0);							\
	ck_assert_int_eq(log_event_next(&pos, key, sizeof(key), val,	\
	    sizeof(val)), -1);						\
} while (0)
	NEXT_FAILS(" k=\"open");		/* unterminated */
	NEXT_FAILS(" k=\"a\\qb\"");		/* unknown escape */
	NEXT_FAILS(" k=\"\\x0\"");		/* short \x */
	NEXT_FAILS(" k=\"\\x00\"");		/* NUL */
	NEXT_FAILS(" k=");			/* bare empty */
	NEXT_FAILS(" K=v");			/* bad key */
	NEXT_FAILS(" k=a\"b");			/* quote in bare value */
	NEXT_FAILS(" k=\"a\"b");		/* junk after quotes */
	NEXT_FAILS("  k=v");			/* two spaces */
	NEXT_FAILS(" k=0123456789abcdef");	/* value too long for val */
	NEXT_FAILS(" " LOG_TRUNCATED);
#undef NEXT_FAILS
}
END_TEST

START_TEST(log_event_bad_names)
{
	const char *text;

	log_event("lower-case", "k", "v", (char *)NULL);
	ck_assert_str_eq(message("warn"), "log_event: invalid event name "
	    "dropped");
	log_event("", (char *)NULL);
	ck_assert_str_eq(message("warn"), "log_event: invalid event name "
	    "dropped");

	/* A bad key drops its pair only, and says so after the event. */
	log_event("EV", "ok", "1", "Bad Key", "2", "", "3", "ok2", "4",
	    (char *)NULL);
	text = captured();
	ck_assert_ptr_nonnull(strstr(text, " info: EV ok=1 ok2=4\n"));
	ck_assert_ptr_nonnull(strstr(text, " warn: log_event: EV: 2 pair(s) "
	    "with an invalid key dropped\n"));
}
END_TEST

static void
tagged(const char *event, ...)
{
	static const char *const tags[] = { "conn", "7", "peer",
	    "127.0.0.1:5555", NULL };
	va_list ap;

	va_start(ap, event);
	log_eventv(event, tags, ap);
	va_end(ap);
}

START_TEST(log_event_tags)
{
	tagged("AP-ZN-KEY-FETCHED", "btid", "abc@bsf", (char *)NULL);
	ck_assert_str_eq(message("info"), "AP-ZN-KEY-FETCHED conn=7 "
	    "peer=127.0.0.1:5555 btid=abc@bsf");
}
END_TEST

START_TEST(log_event_truncated)
{
	static char big[3000];
	char name[16], key[16], val[sizeof(big)];
	const char *msg, *pos;

	memset(big, 'v', sizeof(big) - 1);
	log_event("LONG", "a", "1", "b", big, "c", big, "d", "2",
	    (char *)NULL);
	msg = message("info");
	/* Cut before the first pair that does not fit, not inside it. */
	ck_assert_uint_eq(strlen(msg), strlen("LONG a=1 b=") + 2999 +
	    strlen(" " LOG_TRUNCATED));
	ck_assert_str_eq(msg + strlen(msg) - strlen(LOG_TRUNCATED),
	    LOG_TRUNCATED);
	ck_assert_int_eq(log_event_parse(msg, name, sizeof(name), &pos), 0);
	ck_assert_int_eq(log_event_next(&pos, key, sizeof(key), val,
	    sizeof(val)), 1);
	ck_assert_str_eq(val, "1");
	ck_assert_int_eq(log_event_next(&pos, key, sizeof(key), val,
	    sizeof(val)), 1);
	ck_assert_str_eq(key, "b");
	ck_assert_str_eq(val, big);
	ck_assert_int_eq(log_event_next(&pos, key, sizeof(key), val,
	    sizeof(val)), -1);
}
END_TEST

START_TEST(log_key_masking)
{
	static const uint8_t k[4] = { 0xde, 0xad, 0xbe, 0xef };
	char buf[LOG_KEY_BUFSZ(4)];

	ck_assert_int_eq(log_show_keys(), 0);
	ck_assert_str_eq(log_key(k, sizeof(k), buf, sizeof(buf)), "[hidden]");
	log_event("KEY", "ks", log_key(k, sizeof(k), buf, sizeof(buf)),
	    (char *)NULL);
	ck_assert_str_eq(message("info"), "KEY ks=[hidden]");

	log_set_show_keys(1);
	ck_assert_int_eq(log_show_keys(), 1);
	ck_assert_str_eq(log_key(k, sizeof(k), buf, sizeof(buf)), "deadbeef");
	ck_assert_str_eq(log_key(k, 0, buf, sizeof(buf)), "");
	ck_assert_str_eq(log_key(k, sizeof(k), buf, sizeof(buf) - 1),
	    "[key too long]");
	ck_assert_str_eq(log_key(k, sizeof(k), NULL, 0), "[key too long]");

	log_set_show_keys(0);
	ck_assert_str_eq(log_key(k, sizeof(k), buf, sizeof(buf)), "[hidden]");
}
END_TEST

START_TEST(log_fatalx_exits)
{
	pid_t pid;
	int status;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		fatalx("broken invariant %d", 3);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_str_eq(message("error"), "broken invariant 3");

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		errno = EACCES;
		fatal("open %s", "x.conf");
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_str_eq(message("error"), "open x.conf: Permission denied");
}
END_TEST

Suite *
suite_log(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, log_line_format);
	tcase_add_test(tc, log_levels);
	tcase_add_test(tc, log_debug_verbosity);
	tcase_add_test(tc, log_escapes_control_chars);
	tcase_add_test(tc, log_truncates_long_lines);
	tcase_add_test(tc, log_event_quoting);
	tcase_add_test(tc, log_event_round_trip);
	tcase_add_test(tc, log_event_parse_rejects);
	tcase_add_test(tc, log_event_bad_names);
	tcase_add_test(tc, log_event_tags);
	tcase_add_test(tc, log_event_truncated);
	tcase_add_test(tc, log_key_masking);
	tcase_add_test(tc, log_fatalx_exits);
	suite_add_tcase(s, tc);
	return s;
}
