/*
 * ap_plain_int.h — the pure part of the AP's plain-HTTP listener
 * (ap_plain_head.c): finding the request head in what arrived and deciding
 * its answer, without sockets. For ap_plain.c and, for tests and fuzzing,
 * tests/fuzz/ap_plain/.
 */
#ifndef UTSTACK_AP_PLAIN_INT_H
#define UTSTACK_AP_PLAIN_INT_H

#include <stddef.h>

#define AP_PLAIN_HEAD_MAX	8192	/* request head octets (431 beyond) */

/* What ap_plain_parse() decided about one request head. */
struct ap_plain_req {
	int		 status;	/* 101: upgrade to TLS; else the answer */
	const char	*extra;		/* the answer's extra header lines, or
					 * NULL */
	const char	*text;		/* the answer's text */
	const char	*method;	/* into the head, "-" when unread */
	const char	*target;
	char		*replay;	/* 101: the request to answer over TLS,
					 * NUL-terminated (malloc); else NULL */
	size_t		 replay_len;
	size_t		 replay_size;	/* octets allocated at `replay` */
	char		 location[1200]; /* a redirect's `extra` */
};

/*
 * The length of the request head at p[0..len): up to and including the
 * first empty line (LF LF or LF CR LF), or 0 when there is none yet.
 */
size_t	ap_plain_head_len(const char *p, size_t len);

/*
 * Decide the answer to the NUL-terminated head `h` (which is cut into
 * strings), `extra` octets having arrived after it; `redirect` is
 * http.redirect ("" for none). Fills `r` (r->method and r->target point
 * into `h`). Returns 0, or -1 when out of memory (answer 503). The caller
 * frees r->replay.
 */
int	ap_plain_parse(char *h, size_t extra, const char *redirect,
	    struct ap_plain_req *r);

#endif
