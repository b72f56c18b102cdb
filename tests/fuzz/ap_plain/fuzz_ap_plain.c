/*
 * fuzz_ap_plain.c — the AP's plain-HTTP listener (ap/ap_plain.c) as its
 * read callback drives it: the request head found in what arrived
 * (ap_plain_head_len()), refused when over AP_PLAIN_HEAD_MAX or holding a
 * NUL, else answered by ap_plain_parse(): 101 and a replay of the request
 * for the TLS side (RFC 2817 §3), or a refusal.
 *
 * Input: octet 0 says whether http.redirect is set (bit 0); the rest is
 * what the client sent, as one read (cut at the read watermark).
 *
 * Invariants checked on every input:
 *  - the head ends at the first empty line (LF LF or LF CR LF), never
 *    past one, and includes it;
 *  - a verdict is 101 or one of the documented answers, with a text;
 *    431 never comes from ap_plain_parse() (its replay always fits);
 *  - 101 only for a request with nothing after its head; its replay fits
 *    its buffer, holds no NUL, no bare CR or LF, starts with the request
 *    line of the head, ends with CRLF CRLF, carries exactly one Host for
 *    HTTP/1.1 and none of Upgrade, Connection, Content-Length,
 *    Transfer-Encoding, and every other field line of the head;
 *  - a refusal carries no replay.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ap_plain_int.h"
#include "fuzz.h"

#define REDIRECT	"https://ap.example.com:8443"

/* The head ends at the first empty line. */
static void
check_head_len(const char *p, size_t len, size_t hl)
{
	size_t i;

	FUZZ_CHECK(hl <= len);
	for (i = 0; i + 1 < (hl > 0 ? hl - 1 : len); i++) {
		if (p[i] != '\n')
			continue;
		FUZZ_CHECK(p[i + 1] != '\n');
		FUZZ_CHECK(!(p[i + 1] == '\r' && i + 2 < len &&
		    p[i + 2] == '\n' && i + 3 != hl));
	}
	if (hl > 0)
		FUZZ_CHECK(hl >= 2 && p[hl - 1] == '\n' && (p[hl - 2] == '\n' ||
		    (hl >= 3 && p[hl - 2] == '\r' && p[hl - 3] == '\n')));
}

static int
name_is(const char *line, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(line, name, n) == 0;
}

/* The field lines of `head` a replay keeps: all but the hop-by-hop
 * ones, up to the empty line. */
static size_t
kept_fields(const char *head)
{
	const char *line, *eol, *colon;
	size_t n, kept = 0;

	line = strchr(head, '\n') + 1;		/* past the request line */
	for (; (eol = strchr(line, '\n')) != NULL; line = eol + 1) {
		n = (size_t)(eol - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		colon = memchr(line, ':', n);
		FUZZ_CHECK(colon != NULL);
		n = (size_t)(colon - line);
		if (!name_is(line, n, "upgrade") &&
		    !name_is(line, n, "connection") &&
		    !name_is(line, n, "content-length") &&
		    !name_is(line, n, "transfer-encoding"))
			kept++;
	}
	return kept;
}

/* The replay of a 101: well-formed, hop-by-hop fields gone. */
static void
check_replay(const struct ap_plain_req *r, const char *head)
{
	const char *line, *eol, *colon;
	size_t n, rl, nhost = 0, nfields = 0;
	int first = 1, v11 = 0;

	FUZZ_CHECK(r->replay != NULL);
	FUZZ_CHECK(r->replay_len < r->replay_size);
	FUZZ_CHECK(strlen(r->replay) == r->replay_len);
	FUZZ_CHECK(r->replay_len >= 4 && memcmp(r->replay + r->replay_len - 4,
	    "\r\n\r\n", 4) == 0);
	/* the request line, as the head had it (CR LF or LF) */
	rl = strcspn(head, "\r\n");
	FUZZ_CHECK(strncmp(r->replay, head, rl) == 0 &&
	    memcmp(r->replay + rl, "\r\n", 2) == 0);
	for (line = r->replay; *line != '\0'; line = eol + 2) {
		eol = strstr(line, "\r\n");
		FUZZ_CHECK(eol != NULL);
		n = (size_t)(eol - line);
		FUZZ_CHECK(memchr(line, '\r', n) == NULL &&
		    memchr(line, '\n', n) == NULL);
		if (first) {
			v11 = n >= 8 && memcmp(eol - 8, "HTTP/1.1", 8) == 0;
			first = 0;
			continue;
		}
		if (n == 0) {
			FUZZ_CHECK(eol[2] == '\0');	/* the last line */
			break;
		}
		colon = memchr(line, ':', n);
		FUZZ_CHECK(colon != NULL && colon > line);
		n = (size_t)(colon - line);
		nfields++;
		FUZZ_CHECK(!(n == 7 && strncasecmp(line, "upgrade", n) == 0));
		FUZZ_CHECK(!(n == 10 &&
		    strncasecmp(line, "connection", n) == 0));
		FUZZ_CHECK(!(n == 14 &&
		    strncasecmp(line, "content-length", n) == 0));
		FUZZ_CHECK(!(n == 17 &&
		    strncasecmp(line, "transfer-encoding", n) == 0));
		if (n == 4 && strncasecmp(line, "host", 4) == 0)
			nhost++;
	}
	if (v11)
		FUZZ_CHECK(nhost == 1);
	/* no field of the head dropped but the hop-by-hop ones */
	FUZZ_CHECK(nfields == kept_fields(head));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ap_plain_req r;
	const char *p;
	size_t len, hl;
	char *h, *copy;
	int redirect;

	if (size < 1)
		return 0;
	redirect = data[0] & 1;
	p = (const char *)data + 1;
	len = size - 1;
	if (len > AP_PLAIN_HEAD_MAX + 1)
		len = AP_PLAIN_HEAD_MAX + 1;	/* the read watermark */

	hl = ap_plain_head_len(p, len);
	check_head_len(p, len, hl);
	if (hl == 0 || hl > AP_PLAIN_HEAD_MAX || memchr(p, '\0', hl) != NULL)
		return 0;	/* 431 or wait; 400 for a NUL */

	/* exact-size copies: ASan sees a read past the end */
	h = malloc(hl + 1);
	copy = malloc(hl + 1);
	FUZZ_CHECK(h != NULL && copy != NULL);
	memcpy(h, p, hl);
	h[hl] = '\0';
	memcpy(copy, h, hl + 1);

	FUZZ_CHECK(ap_plain_parse(h, len - hl, redirect ? REDIRECT : "",
	    &r) == 0);
	FUZZ_CHECK(r.method != NULL && r.target != NULL);
	switch (r.status) {
	case 101:
		FUZZ_CHECK(len == hl);
		check_replay(&r, copy);
		break;
	case 301:
	case 308:
		FUZZ_CHECK(redirect && r.extra == r.location);
		FUZZ_CHECK(strncmp(r.location, "Location: " REDIRECT "/",
		    strlen("Location: " REDIRECT "/")) == 0);
		break;
	case 426:
		FUZZ_CHECK(r.extra != NULL &&
		    strcmp(r.extra, "Upgrade: TLS/1.0, HTTP/1.1\r\n") == 0);
		break;
	case 400:
	case 505:
		FUZZ_CHECK(r.extra == NULL);
		break;
	default:
		FUZZ_CHECK(!"unexpected status");
	}
	if (r.status != 101) {
		FUZZ_CHECK(r.replay == NULL && r.replay_len == 0);
		FUZZ_CHECK(r.text != NULL && r.text[0] != '\0');
		/* extra header lines end their line, cut or not */
		if (r.extra != NULL)
			FUZZ_CHECK(strlen(r.extra) >= 2 && strcmp(r.extra +
			    strlen(r.extra) - 2, "\r\n") == 0 &&
			    strchr(r.extra, '\n') == r.extra +
			    strlen(r.extra) - 1);
	}
	free(r.replay);
	free(h);
	free(copy);
	return 0;
}
