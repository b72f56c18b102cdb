/*
 * test_httpc.c — the parts of common/httpc that a client doing its own
 * I/O uses (the UE on Ua): httpc_parse_head() on good heads (reason
 * phrases, field values with their spaces trimmed, colons inside values,
 * the cap met exactly) and every refusal with its reason;
 * httpc_split_authority() on names, IPv6 literals, ports and what ends
 * an authority, and its refusals; httpc_has_token() on field-value
 * lists.
 */
#include <stdio.h>
#include <string.h>

#include "httpc.h"
#include "suites.h"

struct head {
	char		 buf[512];
	int		 status;
	char		 reason[64];
	struct httpc_hdr h[4];
	size_t		 n;
	char		 err[128];
};

static int
parse(struct head *t, const char *text, size_t max)
{
	ck_assert_uint_lt(strlen(text), sizeof(t->buf));
	memset(t, 0, sizeof(*t));
	t->status = -1;
	snprintf(t->buf, sizeof(t->buf), "%s", text);
	ck_assert_uint_le(max, sizeof(t->h) / sizeof(t->h[0]));
	return httpc_parse_head(t->buf, &t->status, t->reason,
	    sizeof(t->reason), t->h, max, &t->n, t->err, sizeof(t->err));
}

static void
parse_bad(const char *text, size_t max, const char *want_err)
{
	struct head t;

	ck_assert_msg(parse(&t, text, max) == -1, "accepted: %s", text);
	ck_assert_msg(strncmp(t.err, want_err, strlen(want_err)) == 0,
	    "error \"%s\", want \"%s...\" for: %s", t.err, want_err, text);
}

START_TEST(head_fields)
{
	struct head t;

	ck_assert_int_eq(parse(&t, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\n"
	    "X-Empty:\r\n"
	    "X-Ows: \t a b \t\r\n"
	    "Location: http://127.0.0.1:8080/x", 4), 0);
	ck_assert_int_eq(t.status, 200);
	ck_assert_str_eq(t.reason, "OK");
	ck_assert_uint_eq(t.n, 4);
	ck_assert_str_eq(t.h[0].name, "Content-Type");
	ck_assert_str_eq(t.h[0].value, "text/plain");
	ck_assert_str_eq(t.h[1].name, "X-Empty");
	ck_assert_str_eq(t.h[1].value, "");
	ck_assert_str_eq(t.h[2].name, "X-Ows");
	ck_assert_str_eq(t.h[2].value, "a b");	/* inner space kept */
	ck_assert_str_eq(t.h[3].name, "Location");
	ck_assert_str_eq(t.h[3].value, "http://127.0.0.1:8080/x");
	/* the status line is cut in place: what follows a head reads it */
	ck_assert_str_eq(t.buf, "HTTP/1.1 200 OK");
	ck_assert(t.h[0].name > t.buf && t.h[0].name < t.buf + sizeof(t.buf));
}
END_TEST

START_TEST(head_status_lines)
{
	struct head t;

	ck_assert_int_eq(parse(&t, "HTTP/1.0 404 Not Found", 4), 0);
	ck_assert_int_eq(t.status, 404);
	ck_assert_str_eq(t.reason, "Not Found");
	ck_assert_uint_eq(t.n, 0);
	/* the reason phrase may be empty, with or without its space */
	ck_assert_int_eq(parse(&t, "HTTP/1.1 204", 4), 0);
	ck_assert_int_eq(t.status, 204);
	ck_assert_str_eq(t.reason, "");
	ck_assert_int_eq(parse(&t, "HTTP/1.1 304 \r\nETag: \"x\"", 4), 0);
	ck_assert_int_eq(t.status, 304);
	ck_assert_str_eq(t.reason, "");
	ck_assert_uint_eq(t.n, 1);
	ck_assert_str_eq(t.h[0].value, "\"x\"");
	/* interim and the ends of the range */
	ck_assert_int_eq(parse(&t, "HTTP/1.1 100 Continue", 4), 0);
	ck_assert_int_eq(t.status, 100);
	ck_assert_int_eq(parse(&t, "HTTP/1.1 599 x", 4), 0);
	ck_assert_int_eq(t.status, 599);
}
END_TEST

START_TEST(head_reason_truncated)
{
	struct head t;
	char reason[4];

	memset(&t, 0, sizeof(t));
	snprintf(t.buf, sizeof(t.buf), "HTTP/1.1 503 Service Unavailable");
	ck_assert_int_eq(httpc_parse_head(t.buf, &t.status, reason,
	    sizeof(reason), t.h, 4, &t.n, t.err, sizeof(t.err)), 0);
	ck_assert_int_eq(t.status, 503);
	ck_assert_str_eq(reason, "Ser");
}
END_TEST

START_TEST(head_bad_status)
{
	static const char *const bad[] = {
		"",
		"HTTP/2 200 OK",
		"HTTP/1.1",
		"HTTP/1.1 ",
		"HTTP/1.1 99 Low",
		"HTTP/1.1 600 High",
		"HTTP/1.1 2000 Long",
		"HTTP/1.1 20 Short",
		"HTTP/1.1 20x",
		"HTTP/1.1 200OK",
		"HTTP/1.1  200 OK",
		"HTTP/1.1 +20 OK",
		"http/1.1 200 OK",
		"ICY 200 OK",
		"Content-Type: text/plain\r\nHTTP/1.1 200 OK",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i], 4, "bad status line");
}
END_TEST

/* "HTTP/1." ends the string: what lies after its NUL is not read. */
START_TEST(head_short_status_line)
{
	struct head t;

	memset(&t, 0, sizeof(t));
	memcpy(t.buf, "HTTP/1.\0 200 OK", 16);
	ck_assert_int_eq(httpc_parse_head(t.buf, &t.status, t.reason,
	    sizeof(t.reason), t.h, 4, &t.n, t.err, sizeof(t.err)), -1);
	ck_assert_str_eq(t.err, "bad status line 'HTTP/1.'");
}
END_TEST

START_TEST(head_bad_fields)
{
	parse_bad("HTTP/1.1 200 OK\r\nNo colon here", 4,
	    "bad header line 'No colon here'");
	parse_bad("HTTP/1.1 200 OK\r\n: no name", 4,
	    "bad header line ': no name'");
	parse_bad("HTTP/1.1 200 OK\r\nA: 1\r\n\r\nB: 2", 4,
	    "bad header line ''");
}
END_TEST

START_TEST(head_field_cap)
{
	struct head t;

	ck_assert_int_eq(parse(&t, "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2", 2), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_str_eq(t.h[1].name, "B");
	ck_assert_str_eq(t.h[1].value, "2");
	parse_bad("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3", 2,
	    "more than 2 header fields");
	parse_bad("HTTP/1.1 200 OK\r\nA: 1", 0, "more than 0 header fields");
}
END_TEST

static void
authority_ok(const char *url, const char *want_host, const char *want_port,
    const char *want_rest)
{
	char host[16];
	const char *port, *end;

	ck_assert_msg(httpc_split_authority(url, host, sizeof(host), &port,
	    &end) == 0, "refused: %s", url);
	ck_assert_str_eq(host, want_host);
	if (want_port == NULL)
		ck_assert_msg(port == NULL, "a port in %s", url);
	else {
		ck_assert_msg(port != NULL, "no port in %s", url);
		ck_assert_int_eq((int)(end - port), (int)strlen(want_port));
		ck_assert(strncmp(port, want_port, strlen(want_port)) == 0);
	}
	ck_assert_str_eq(end, want_rest);
}

START_TEST(authority)
{
	authority_ok("bsf.example:8080/path?q", "bsf.example", "8080",
	    "/path?q");
	authority_ok("bsf.example", "bsf.example", NULL, "");
	authority_ok("127.0.0.1?q=1", "127.0.0.1", NULL, "?q=1");
	authority_ok("h#frag", "h", NULL, "#frag");
	authority_ok("[::1]:443/x", "::1", "443", "/x");
	authority_ok("[fe80::1]/x", "fe80::1", NULL, "/x");
	/* the port is the caller's to judge: empty or not digits */
	authority_ok("h:/x", "h", "", "/x");
	authority_ok("h:8x", "h", "8x", "");
	/* a ':' after the path is not a port */
	authority_ok("h/a:b", "h", NULL, "/a:b");
}
END_TEST

START_TEST(authority_bad)
{
	char host[16] = "untouched";
	const char *port = "x", *end = NULL;

	ck_assert_int_eq(httpc_split_authority("[::1:443/x", host,
	    sizeof(host), &port, &end), -1);
	ck_assert_ptr_null(port);
	ck_assert_str_eq(end, "/x");
	/* the ']' must come before the end of the authority */
	ck_assert_int_eq(httpc_split_authority("[::1/]", host, sizeof(host),
	    &port, &end), -1);
	ck_assert_int_eq(httpc_split_authority("", host, sizeof(host),
	    &port, &end), -2);
	ck_assert_int_eq(httpc_split_authority(":80/", host, sizeof(host),
	    &port, &end), -2);
	ck_assert_int_eq(httpc_split_authority("[]:80", host, sizeof(host),
	    &port, &end), -2);
	ck_assert_int_eq(httpc_split_authority("/path", host, sizeof(host),
	    &port, &end), -2);
	/* 15 octets fit in 16, 16 do not */
	ck_assert_int_eq(httpc_split_authority("abcdefghijklmno:1", host,
	    sizeof(host), &port, &end), 0);
	ck_assert_str_eq(host, "abcdefghijklmno");
	ck_assert_int_eq(httpc_split_authority("abcdefghijklmnop:1", host,
	    sizeof(host), &port, &end), -2);
}
END_TEST

START_TEST(has_token)
{
	ck_assert_int_eq(httpc_has_token("close", "close"), 1);
	ck_assert_int_eq(httpc_has_token("keep-alive, Close", "close"), 1);
	ck_assert_int_eq(httpc_has_token("gzip,chunked", "chunked"), 1);
	ck_assert_int_eq(httpc_has_token(" ,\tchunked ", "chunked"), 1);
	ck_assert_int_eq(httpc_has_token("chunked;ext=1", "chunked"), 1);
	ck_assert_int_eq(httpc_has_token("", "close"), 0);
	ck_assert_int_eq(httpc_has_token("keep-alive", "close"), 0);
	ck_assert_int_eq(httpc_has_token("chunkedx", "chunked"), 0);
	ck_assert_int_eq(httpc_has_token("unchunked", "chunked"), 0);
	ck_assert_int_eq(httpc_has_token("closed, keep-alive", "close"), 0);
}
END_TEST

Suite *
suite_httpc(void)
{
	Suite *s = suite_create("httpc");
	TCase *tc;

	tc = tcase_create("parse_head");
	tcase_add_test(tc, head_fields);
	tcase_add_test(tc, head_status_lines);
	tcase_add_test(tc, head_reason_truncated);
	tcase_add_test(tc, head_bad_status);
	tcase_add_test(tc, head_short_status_line);
	tcase_add_test(tc, head_bad_fields);
	tcase_add_test(tc, head_field_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("authority");
	tcase_add_test(tc, authority);
	tcase_add_test(tc, authority_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("has_token");
	tcase_add_test(tc, has_token);
	suite_add_tcase(s, tc);
	return s;
}
