/*
 * fuzz_upstream_resp.c — the AP's HTTP/1.1 client parser for what the AS
 * answers (common/upstream.c h1_parse(), through upstream_int.h): status
 * line, interim 1xx heads, fields, Content-Length, chunked decoding with
 * trailers, read to EOF, and the head_max / body_max caps (RFC 9112).
 *
 * Input: octet 0 — bit 0: the request was HEAD; bit 1: small caps
 * (head_max 256, body_max 1024) instead of the defaults; octet 1: the
 * size of the pieces the stream arrives in (0: all at once); the rest is
 * what the AS sends.
 *
 * Invariants checked on every input:
 *  - the stream in pieces gives the same outcome as in one: verdict,
 *    error, status, fields, body, octets consumed;
 *  - a failure is UPSTREAM_E_PROTOCOL or UPSTREAM_E_TOO_BIG with a reason,
 *    never "out of memory" (the caps size the buffers) nor a parser state
 *    error;
 *  - a complete response has a final status (200..599, or a 1xx other
 *    than 101 is never one), at most UPSTREAM_HEADERS_MAX fields whose
 *    names are tokens and values hold no CR, LF, NUL and no SP/HTAB at
 *    either end, a NUL-terminated body of at most body_max octets, empty
 *    for HEAD, 204 and 304, and of the Content-Length when one framed it;
 *  - nothing is consumed past the end of a complete response.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "fuzz.h"
#include "upstream.h"
#include "upstream_int.h"

#define SMALL_HEAD	256
#define SMALL_BODY	1024

struct outcome {
	int		 rc;
	enum upstream_err e;
	char		 why[160];
	size_t		 consumed;
	struct upstream_h1 *p;	/* kept for the response */
	struct upstream_resp resp;
	int		 keep;
};

static void
run(const uint8_t *d, size_t n, size_t piece, size_t head_max,
    size_t body_max, int head, struct outcome *o)
{
	struct evbuffer *in;
	const char *why;
	size_t fed = 0, k;

	memset(o, 0, sizeof(*o));
	o->p = upstream_h1_new(head_max, body_max, head);
	in = evbuffer_new();
	FUZZ_CHECK(o->p != NULL && in != NULL);
	do {
		k = piece == 0 || n - fed < piece ? n - fed : piece;
		FUZZ_CHECK(evbuffer_add(in, d + fed, k) == 0);
		fed += k;
		o->rc = upstream_h1_parse(o->p, in);
	} while (o->rc == 0 && fed < n);
	o->consumed = fed - evbuffer_get_length(in);
	if (o->rc == -1) {
		o->e = upstream_h1_error(o->p, &why);
		snprintf(o->why, sizeof(o->why), "%s", why);
	} else if (o->rc == 1)
		upstream_h1_resp(o->p, &o->resp, &o->keep);
	evbuffer_free(in);
}

static int
is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static void
check_resp(const struct outcome *o, size_t body_max, int head)
{
	const struct upstream_resp *r = &o->resp;
	const char *clen = NULL;
	size_t i, j, vlen;
	int chunked = 0;

	FUZZ_CHECK(r->status >= 200 && r->status <= 599);
	FUZZ_CHECK(r->nheaders <= UPSTREAM_HEADERS_MAX);
	for (i = 0; i < r->nheaders; i++) {
		FUZZ_CHECK(r->names[i][0] != '\0');
		for (j = 0; r->names[i][j] != '\0'; j++)
			FUZZ_CHECK(is_tchar((unsigned char)r->names[i][j]));
		vlen = strlen(r->values[i]);
		for (j = 0; j < vlen; j++)
			FUZZ_CHECK(r->values[i][j] != '\r' &&
			    r->values[i][j] != '\n');
		if (vlen > 0)
			FUZZ_CHECK(r->values[i][0] != ' ' &&
			    r->values[i][0] != '\t' &&
			    r->values[i][vlen - 1] != ' ' &&
			    r->values[i][vlen - 1] != '\t');
		if (strcasecmp(r->names[i], "content-length") == 0)
			clen = r->values[i];
		if (strcasecmp(r->names[i], "transfer-encoding") == 0)
			chunked = 1;
	}
	FUZZ_CHECK(r->body != NULL && r->body[r->body_len] == '\0');
	FUZZ_CHECK(r->body_len <= body_max);
	if (head || r->status == 204 || r->status == 304)
		FUZZ_CHECK(r->body_len == 0);
	else if (clen != NULL && !chunked)
		/* the digits of the first value (all agree) */
		FUZZ_CHECK(r->body_len == strtoull(clen, NULL, 10));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome a, b;
	size_t head_max, body_max, piece, i;
	int head;

	if (size < 2)
		return 0;
	head = data[0] & 1;
	head_max = (data[0] & 2) ? SMALL_HEAD : UPSTREAM_HEAD_MAX_DEFAULT;
	body_max = (data[0] & 2) ? SMALL_BODY : UPSTREAM_BODY_MAX_DEFAULT;
	piece = data[1];
	data += 2;
	size -= 2;

	run(data, size, 0, head_max, body_max, head, &a);
	run(data, size, piece, head_max, body_max, head, &b);

	FUZZ_CHECK(a.rc == b.rc);
	FUZZ_CHECK(a.consumed <= size);
	if (a.rc == -1) {
		FUZZ_CHECK(a.e == b.e && strcmp(a.why, b.why) == 0);
		FUZZ_CHECK(a.e == UPSTREAM_E_PROTOCOL ||
		    a.e == UPSTREAM_E_TOO_BIG);
		FUZZ_CHECK(a.why[0] != '\0');
		FUZZ_CHECK(strstr(a.why, "out of memory") == NULL);
		FUZZ_CHECK(strstr(a.why, "parser state") == NULL);
	} else if (a.rc == 1) {
		FUZZ_CHECK(a.consumed == b.consumed);
		check_resp(&a, body_max, head);
		FUZZ_CHECK(a.resp.status == b.resp.status);
		FUZZ_CHECK(a.keep == b.keep);
		FUZZ_CHECK(a.resp.nheaders == b.resp.nheaders);
		for (i = 0; i < a.resp.nheaders; i++)
			FUZZ_CHECK(strcmp(a.resp.names[i],
			    b.resp.names[i]) == 0 && strcmp(a.resp.values[i],
			    b.resp.values[i]) == 0);
		FUZZ_CHECK(a.resp.body_len == b.resp.body_len &&
		    memcmp(a.resp.body, b.resp.body, a.resp.body_len) == 0);
	}
	upstream_h1_free(a.p);
	upstream_h1_free(b.p);
	return 0;
}
