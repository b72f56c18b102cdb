/*
 * ub_client.h — a minimal HTTP/1.1 client for the end-to-end tests of Ub
 * (TS 24.109 cl. 4): one keep-alive TCP connection to 127.0.0.1, a request
 * with caller-chosen header lines (or raw octets, for hostile input), and
 * the response read back as status line, headers (looked up
 * case-insensitively) and a body delimited by Content-Length, chunked
 * coding or the close of the connection.
 *
 * Test code: blocking sockets with poll() deadlines, fixed caps on what is
 * read (a response larger than the caps is an error), no allocation. A
 * response that says "Connection: close" (or a peer that closed) makes the
 * next send open a new connection; `connects` counts them so a test can
 * assert keep-alive.
 */
#ifndef UTSTACK_UB_CLIENT_H
#define UTSTACK_UB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#define UB_HEAD_MAX	16384	/* status line + headers of a response */
#define UB_BODY_MAX	65536	/* response body */
#define UB_HDRS_MAX	64	/* header fields kept per response */
#define UB_TIMEOUT_MS	10000	/* default deadline of one response */

struct ub_conn {
	int	fd;			/* -1 when not connected */
	char	host[64];		/* numeric address */
	char	port[8];
	int	reopen;			/* last response said close */
	int	connects;		/* TCP connections opened so far */
	char	err[256];		/* why the last call failed */
	size_t	in_len;			/* octets read ahead in `in` */
	uint8_t	in[UB_HEAD_MAX + UB_BODY_MAX];
};

struct ub_hdr {
	const char	*name;		/* into ub_resp.head */
	const char	*value;		/* OWS trimmed */
};

/* One response. name/value point into `head`: do not copy the struct. */
struct ub_resp {
	int		status;
	char		reason[128];
	size_t		n;
	struct ub_hdr	h[UB_HDRS_MAX];
	char		head[UB_HEAD_MAX + 1];
	char		body[UB_BODY_MAX + 1];	/* NUL-terminated copy */
	size_t		body_len;
	long		ms;		/* from the send to the last octet */
};

/*
 * Prepare `c` for `url` ("http://HOST:PORT", anything after the port is
 * ignored) and connect. Returns 0, or -1 with c->err.
 */
int	ub_open(struct ub_conn *c, const char *url);

/* Close the connection (the struct may be opened again). */
void	ub_close(struct ub_conn *c);

/*
 * Send `method` `path` HTTP/1.1 with the header lines `hdrs` (complete
 * "Name: value" strings without CRLF, NULL-terminated, may be NULL) and,
 * when `body` is not NULL, `body_len` octets after a Content-Length line.
 * (Re)connects first when needed. Returns 0, or -1 with c->err.
 */
int	ub_send(struct ub_conn *c, const char *method, const char *path,
	    const char *const *hdrs, const void *body, size_t body_len);

/*
 * Send `len` raw octets as they are ((re)connecting first when needed).
 * A peer that closes early is not an error here: ub_recv() tells.
 * Returns 0, or -1 with c->err.
 */
int	ub_send_raw(struct ub_conn *c, const void *p, size_t len);

/*
 * Read one response within `timeout_ms` (0: UB_TIMEOUT_MS) into `r`.
 * Returns 0, or -1 with c->err ("timeout", "connection closed", a cap
 * exceeded, a malformed response).
 */
int	ub_recv(struct ub_conn *c, struct ub_resp *r, int timeout_ms);

/* ub_send() then ub_recv(); r->ms covers both. Returns 0 or -1. */
int	ub_request(struct ub_conn *c, const char *method, const char *path,
	    const char *const *hdrs, const void *body, size_t body_len,
	    struct ub_resp *r, int timeout_ms);

/* The value of the first header `name` (case-insensitive), or NULL. */
const char	*ub_header(const struct ub_resp *r, const char *name);

/* How many header fields are called `name`. */
int	ub_header_count(const struct ub_resp *r, const char *name);

/* Milliseconds of CLOCK_MONOTONIC, for deadlines in tests. */
long	ub_now_ms(void);

#endif
