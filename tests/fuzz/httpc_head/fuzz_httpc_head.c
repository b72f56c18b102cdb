/*
 * fuzz_httpc_head.c — the blocking client's response head parser
 * (httpc_parse_head(), common/httpc.c), which the UE runs on what a NAF
 * or the AP answers over Ua, and the lookups done on its result
 * (httpc_header(), httpc_header_count(), httpc_has_token()).
 *
 * Input: a response head as httpc_recv() hands it over: the status line
 * and the header lines, CRLF-separated, without the empty line (a NUL
 * ends it early, as in httpc_recv()).
 *
 * Invariants checked on every input: a refusal comes with a reason; an
 * accepted head has a status in 100..599, a reason that is a C string of
 * its buffer, at most `max` fields whose names are non-empty, hold no
 * colon and no CRLF, whose values have no SP/HTAB at either end and no
 * CRLF, all inside the head buffer; each name is found again by
 * httpc_header() (the first of its name) and counted by
 * httpc_header_count(); with room for one field fewer the same head is
 * refused.
 */
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "httpc.h"

static int
inside(const char *p, const char *base, size_t size)
{
	return p >= base && p < base + size && memchr(p, '\0',
	    size - (size_t)(p - base)) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct httpc_resp r;
	static char again[HTTPC_HEAD_MAX + 1];
	struct httpc_hdr h2[HTTPC_HDRS_MAX];
	char err[256], reason[128];
	const char *v;
	size_t i, j, n2, vlen;
	int status, count;

	if (size > HTTPC_HEAD_MAX)
		return 0;
	memcpy(r.head, data, size);
	r.head[size] = '\0';
	memcpy(again, r.head, size + 1);
	err[0] = '\0';
	if (httpc_parse_head(r.head, &r.status, r.reason, sizeof(r.reason),
	    r.h, HTTPC_HDRS_MAX, &r.n, err, sizeof(err)) != 0) {
		FUZZ_CHECK(err[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(r.status >= 100 && r.status <= 599);
	FUZZ_CHECK(memchr(r.reason, '\0', sizeof(r.reason)) != NULL);
	FUZZ_CHECK(r.n <= HTTPC_HDRS_MAX);
	for (i = 0; i < r.n; i++) {
		FUZZ_CHECK(inside(r.h[i].name, r.head, sizeof(r.head)));
		FUZZ_CHECK(inside(r.h[i].value, r.head, sizeof(r.head)));
		FUZZ_CHECK(r.h[i].name[0] != '\0');
		FUZZ_CHECK(strchr(r.h[i].name, ':') == NULL);
		FUZZ_CHECK(strstr(r.h[i].name, "\r\n") == NULL);
		FUZZ_CHECK(strstr(r.h[i].value, "\r\n") == NULL);
		vlen = strlen(r.h[i].value);
		if (vlen > 0) {
			FUZZ_CHECK(r.h[i].value[0] != ' ' &&
			    r.h[i].value[0] != '\t');
			FUZZ_CHECK(r.h[i].value[vlen - 1] != ' ' &&
			    r.h[i].value[vlen - 1] != '\t');
		}
		/* the first field of that name (case-insensitive) */
		v = httpc_header(&r, r.h[i].name);
		FUZZ_CHECK(v != NULL);
		for (j = 0; j < i; j++)
			if (strcasecmp(r.h[j].name, r.h[i].name) == 0)
				break;
		FUZZ_CHECK(v == r.h[j].value);
		count = httpc_header_count(&r, r.h[i].name);
		FUZZ_CHECK(count >= 1 && (size_t)count <= r.n);
		(void)httpc_has_token(r.h[i].value, "close");
		(void)httpc_has_token(r.h[i].value, "chunked");
	}
	/* one field over the room given: refused */
	if (r.n > 0) {
		err[0] = '\0';
		FUZZ_CHECK(httpc_parse_head(again, &status, reason,
		    sizeof(reason), h2, r.n - 1, &n2, err, sizeof(err)) == -1);
		FUZZ_CHECK(err[0] != '\0');
	}
	return 0;
}
