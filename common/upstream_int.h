/*
 * upstream_int.h — the HTTP/1.1 response parser of upstream.c (h1_parse:
 * status line, fields, framing, chunked decoding, caps) on an evbuffer,
 * without a connection or an event loop. For tests and fuzzing only
 * (tests/fuzz/upstream_resp/); the AP uses upstream.h.
 */
#ifndef UTSTACK_UPSTREAM_INT_H
#define UTSTACK_UPSTREAM_INT_H

#include <stddef.h>

#include "upstream.h"

struct evbuffer;
struct upstream_h1;

/* A parser for the response to one request (`head`: a HEAD request, no
 * body) under `head_max` and `body_max` (0: the defaults of upstream.h).
 * Returns NULL when out of memory. */
struct upstream_h1 *upstream_h1_new(size_t head_max, size_t body_max,
		    int head);

/* Parse what `in` holds, consuming it as a connection would. Returns 1
 * when the response is complete, 0 when more input is needed, -1 when it
 * failed (upstream_h1_error()). Not again after 1 or -1. */
int		 upstream_h1_parse(struct upstream_h1 *p, struct evbuffer *in);

/* After -1: the error the request gets, and the reason. */
enum upstream_err upstream_h1_error(const struct upstream_h1 *p,
		    const char **why);

/* After 1: the response as the callback would see it (valid until
 * upstream_h1_free()), and whether the connection could carry another
 * request (no Connection: close, not HTTP/1.0 without keep-alive, not
 * read to EOF). */
void		 upstream_h1_resp(struct upstream_h1 *p,
		    struct upstream_resp *resp, int *keep_alive);

void		 upstream_h1_free(struct upstream_h1 *p);	/* accepts NULL */

#endif
