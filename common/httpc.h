/*
 * httpc.h — a small blocking HTTP/1.1 client for command-line tools and
 * tests (the UE, conformance runs, the e2e suites; never a daemon, whose
 * event loop must not block): one keep-alive TCP connection, a request
 * with caller-chosen header lines (or raw octets, for hostile input), and
 * the response read back as status line, headers (looked up
 * case-insensitively) and a body delimited by Content-Length, chunked
 * coding or the close of the connection.
 *
 * Blocking sockets with poll() deadlines, fixed caps on what is read (a
 * response larger than the caps is an error), no allocation. A
 * response that says "Connection: close" (or a peer that closed) makes the
 * next send open a new connection; `connects` counts them so a test can
 * assert keep-alive.
 */
#ifndef UTSTACK_HTTPC_H
#define UTSTACK_HTTPC_H

#include <stddef.h>
#include <stdint.h>

#define HTTPC_HEAD_MAX	16384	/* status line + headers of a response */
#define HTTPC_BODY_MAX	65536	/* response body */
#define HTTPC_HDRS_MAX	64	/* header fields kept per response */
#define HTTPC_TIMEOUT_MS	10000	/* default deadline of one response */

struct httpc_conn {
	int	fd;			/* -1 when not connected */
	char	host[256];		/* name or numeric address */
	char	port[8];
	int	reopen;			/* last response said close */
	int	connects;		/* TCP connections opened so far */
	char	err[256];		/* why the last call failed */
	size_t	in_len;			/* octets read ahead in `in` */
	uint8_t	in[HTTPC_HEAD_MAX + HTTPC_BODY_MAX];
};

struct httpc_hdr {
	const char	*name;		/* into the response head */
	const char	*value;		/* OWS trimmed */
};

/* One response. name/value point into `head`: do not copy the struct. */
struct httpc_resp {
	int		status;
	char		reason[128];
	size_t		n;
	struct httpc_hdr	h[HTTPC_HDRS_MAX];
	char		head[HTTPC_HEAD_MAX + 1];
	char		body[HTTPC_BODY_MAX + 1];	/* NUL-terminated copy */
	size_t		body_len;
	long		ms;		/* from the send to the last octet */
};

/*
 * Prepare `c` for `url` ("http://HOST:PORT", anything after the port is
 * ignored) and connect. Returns 0, or -1 with c->err.
 */
int	httpc_open(struct httpc_conn *c, const char *url);

/* Close the connection (the struct may be opened again). */
void	httpc_close(struct httpc_conn *c);

/*
 * Send `method` `path` HTTP/1.1 with the header lines `hdrs` (complete
 * "Name: value" strings without CRLF, NULL-terminated, may be NULL) and,
 * when `body` is not NULL, `body_len` octets after a Content-Length line.
 * (Re)connects first when needed. Returns 0, or -1 with c->err.
 */
int	httpc_send(struct httpc_conn *c, const char *method, const char *path,
	    const char *const *hdrs, const void *body, size_t body_len);

/*
 * Send `len` raw octets as they are ((re)connecting first when needed).
 * A peer that closes early is not an error here: httpc_recv() tells.
 * Returns 0, or -1 with c->err.
 */
int	httpc_send_raw(struct httpc_conn *c, const void *p, size_t len);

/*
 * Read one response within `timeout_ms` (0: HTTPC_TIMEOUT_MS) into `r`.
 * Returns 0, or -1 with c->err ("timeout", "connection closed", a cap
 * exceeded, a malformed response).
 */
int	httpc_recv(struct httpc_conn *c, struct httpc_resp *r, int timeout_ms);

/* httpc_send() then httpc_recv(); r->ms covers both. Returns 0 or -1. */
int	httpc_request(struct httpc_conn *c, const char *method, const char *path,
	    const char *const *hdrs, const void *body, size_t body_len,
	    struct httpc_resp *r, int timeout_ms);

/* The value of the first header `name` (case-insensitive), or NULL. */
const char	*httpc_header(const struct httpc_resp *r, const char *name);

/* How many header fields are called `name`. */
int	httpc_header_count(const struct httpc_resp *r, const char *name);

/* Milliseconds of CLOCK_MONOTONIC, for deadlines in tests. */
long	httpc_now_ms(void);

/*
 * Below: the parts of a URL and of a response, for clients that do their
 * own I/O (the UE on Ua, inside TLS). No allocation, no I/O.
 */

/*
 * Split the authority at `p`, just past a URL's "scheme://" (RFC 3986
 * 3.2: host [":" port], up to the first '/', '?', '#' or the end): the
 * host, an IPv6 literal without its brackets, into `host` (`hostsz`
 * octets); *port is NULL without a ':', else the port's text, which runs
 * to *end, the end of the authority (set in any case). The port is the
 * caller's to check. Returns 0, -1 for a '[' without its ']', -2 for an
 * empty host or one of `hostsz` octets or more.
 */
int	httpc_split_authority(const char *p, char *host, size_t hostsz,
	    const char **port, const char **end);

/*
 * Split `head`, a NUL-terminated response head — the status line and the
 * header lines, CRLF-separated, without the empty line that ends them —
 * in place (the lines are cut with NULs): *status gets the status code,
 * `reason` (`reasonlen` octets) the reason phrase, `h` (room for `max`)
 * the header fields in order, name and value (without surrounding spaces
 * and tabs) pointing into `head`, and *n their count. Returns 0, or -1
 * with one line in `err`: a status line other than "HTTP/1.x NNN[ reason]"
 * with NNN in 100..599 ("bad status line"), a header line with no name
 * before a colon ("bad header line"), more than `max` fields.
 */
int	httpc_parse_head(char *head, int *status, char *reason,
	    size_t reasonlen, struct httpc_hdr *h, size_t max, size_t *n,
	    char *err, size_t errlen);

/* 1 when `token` is one of the comma-separated elements of the field
 * value `list` (case-insensitive, parameters after ';' ignored), else 0. */
int	httpc_has_token(const char *list, const char *token);

#endif
