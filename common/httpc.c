/*
 * httpc.c — the blocking HTTP/1.1 client of tools and tests (RFC 9112
 * message framing: status line, header fields, Content-Length or chunked
 * body, keep-alive). See httpc.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpc.h"

#define HTTPC_REQ_MAX	(256 * 1024)	/* one request as sent */

long
httpc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int
fail(struct httpc_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct httpc_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int
do_connect(struct httpc_conn *c)
{
	struct addrinfo hints, *res = NULL;
	int fd, rc;

	httpc_close(c);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(c->host, c->port, &hints, &res)) != 0)
		return fail(c, "%s:%s: %s", c->host, c->port, gai_strerror(rc));
	/* Non-blocking from the start: the connect too waits in poll() with
	 * a deadline (a peer whose link is cut never answers the SYN). */
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	rc = fd < 0 ? errno : 0;
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		rc = errno;
		if (rc == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			socklen_t len = sizeof(rc);

			rc = poll(&p, 1, HTTPC_TIMEOUT_MS);
			if (rc == 0)
				rc = ETIMEDOUT;
			else if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR,
			    &rc, &len) != 0)
				rc = errno;
		}
	}
	if (rc != 0) {
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return fail(c, "connect %s:%s: %s", c->host, c->port,
		    strerror(rc));
	}
	freeaddrinfo(res);
	c->fd = fd;
	c->reopen = 0;
	c->in_len = 0;
	c->connects++;
	return 0;
}

int
httpc_split_authority(const char *p, char *host, size_t hostsz,
    const char **port, const char **end)
{
	const char *auth_end, *host_end, *colon;
	size_t n;

	/* authority = host [":" port], up to the first '/' (RFC 3986 3.2) */
	*end = auth_end = p + strcspn(p, "/?#");
	*port = NULL;
	if (*p == '[') {		/* IPv6 literal */
		if ((host_end = memchr(p, ']', (size_t)(auth_end - p))) == NULL)
			return -1;
		p++;
		colon = host_end + 1 < auth_end && host_end[1] == ':' ?
		    host_end + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(auth_end - p));
		host_end = colon != NULL ? colon : auth_end;
	}
	n = (size_t)(host_end - p);
	if (n == 0 || n >= hostsz)
		return -2;
	memcpy(host, p, n);
	host[n] = '\0';
	if (colon != NULL)
		*port = colon + 1;
	return 0;
}

int
httpc_open(struct httpc_conn *c, const char *url)
{
	const char *p = url, *auth_end, *port;
	size_t n;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else if (strstr(p, "://") != NULL)
		return fail(c, "%s: only http:// URLs", url);
	switch (httpc_split_authority(p, c->host, sizeof(c->host), &port,
	    &auth_end)) {
	case -1:
		return fail(c, "%s: bad IPv6 literal", url);
	case -2:
		return fail(c, "%s: bad host", url);
	}
	if (port == NULL) {
		snprintf(c->port, sizeof(c->port), "80");
		return do_connect(c);
	}
	n = (size_t)(auth_end - port);
	if (n == 0 || n >= sizeof(c->port) ||
	    strspn(port, "0123456789") != n)
		return fail(c, "%s: bad port", url);
	memcpy(c->port, port, n);
	c->port[n] = '\0';
	return do_connect(c);
}

void
httpc_close(struct httpc_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->in_len = 0;
}

/* Has the peer closed the idle connection (EOF or reset waiting)? */
static int
peer_gone(struct httpc_conn *c)
{
	struct pollfd p = { c->fd, POLLIN, 0 };
	char b;

	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLERR | POLLHUP))
		return 1;
	return recv(c->fd, &b, 1, MSG_PEEK) <= 0;
}

static int
ensure_open(struct httpc_conn *c)
{
	if (c->fd < 0 || c->reopen || (c->in_len == 0 && peer_gone(c)))
		return do_connect(c);
	return 0;
}

/* Write all of p, waiting up to HTTPC_TIMEOUT_MS. Returns 0, -1, or -2
 * when the peer closed or reset the connection. */
static int
write_all(struct httpc_conn *c, const void *p, size_t len)
{
	const uint8_t *q = p;
	long deadline = httpc_now_ms() + HTTPC_TIMEOUT_MS;
	struct pollfd pf;
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, q, len, MSG_NOSIGNAL);
		if (n > 0) {
			q += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			fail(c, "send: %s", strerror(errno));
			return -2;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return fail(c, "send: %s", strerror(errno));
		if (httpc_now_ms() >= deadline)
			return fail(c, "send: timeout");
		pf.fd = c->fd;
		pf.events = POLLOUT;
		pf.revents = 0;
		poll(&pf, 1, (int)(deadline - httpc_now_ms()));
	}
	return 0;
}

int
httpc_send_raw(struct httpc_conn *c, const void *p, size_t len)
{
	if (ensure_open(c) != 0)
		return -1;
	/* A server that answers an oversized head and closes may reset the
	 * rest of the write: what it answered is for httpc_recv() to read. */
	return write_all(c, p, len) == -1 ? -1 : 0;
}

int
httpc_send(struct httpc_conn *c, const char *method, const char *path,
    const char *const *hdrs, const void *body, size_t body_len)
{
	static char req[HTTPC_REQ_MAX];
	size_t len = 0;
	int n, i;

	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\n", method, path);
	if (n < 0 || (size_t)n >= sizeof(req))
		return fail(c, "request line too long");
	len = (size_t)n;
	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++) {
		n = snprintf(req + len, sizeof(req) - len, "%s\r\n", hdrs[i]);
		if (n < 0 || (size_t)n >= sizeof(req) - len)
			return fail(c, "request head over %d octets", HTTPC_REQ_MAX);
		len += (size_t)n;
	}
	if (body != NULL) {
		n = snprintf(req + len, sizeof(req) - len,
		    "Content-Length: %zu\r\n", body_len);
		if (n < 0 || (size_t)n >= sizeof(req) - len)
			return fail(c, "request head over %d octets", HTTPC_REQ_MAX);
		len += (size_t)n;
	}
	if (len + 2 + body_len > sizeof(req))
		return fail(c, "request over %d octets", HTTPC_REQ_MAX);
	memcpy(req + len, "\r\n", 2);
	len += 2;
	if (body_len > 0)
		memcpy(req + len, body, body_len);
	len += body_len;
	if (ensure_open(c) != 0)
		return -1;
	return write_all(c, req, len) == 0 ? 0 : -1;
}

/* Read more octets into c->in. Returns the count, 0 at EOF, -1 on error
 * or after the deadline. */
static ssize_t
fill(struct httpc_conn *c, long deadline)
{
	struct pollfd p;
	ssize_t n;
	long left;

	if (c->in_len >= sizeof(c->in))
		return fail(c, "response over %zu octets", sizeof(c->in));
	for (;;) {
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len,
		    0);
		if (n >= 0) {
			c->in_len += (size_t)n;
			return n;
		}
		if (errno != EAGAIN && errno != EINTR)
			return fail(c, "recv: %s", strerror(errno));
		if ((left = deadline - httpc_now_ms()) <= 0)
			return fail(c, "timeout");
		p.fd = c->fd;
		p.events = POLLIN;
		p.revents = 0;
		poll(&p, 1, (int)left);
	}
}

static void
consume(struct httpc_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

static const uint8_t *
find_crlfcrlf(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 4 <= len; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0)
			return p + i;
	return NULL;
}

int
httpc_has_token(const char *list, const char *token)
{
	size_t tl = strlen(token);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		if (strncasecmp(p, token, tl) == 0 &&
		    (p[tl] == '\0' || strchr(" \t,;", p[tl]) != NULL))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

/* Cut the line at *next (CRLF-terminated, or the last one) and move
 * *next to the following line, or NULL. */
static char *
cut_line(char **next)
{
	char *line = *next, *crlf;

	if ((crlf = strstr(line, "\r\n")) != NULL) {
		*crlf = '\0';
		*next = crlf + 2;
	} else
		*next = NULL;
	return line;
}

int
httpc_parse_head(char *head, int *status, char *reason, size_t reasonlen,
    struct httpc_hdr *h, size_t max, size_t *n, char *err, size_t errlen)
{
	char *next = head, *line, *colon, *v, *e;
	long code;

	*n = 0;
	line = cut_line(&next);
	/* "HTTP/1.x" SP 3DIGIT [ SP reason-phrase ] (RFC 9112 4) */
	if (strncmp(line, "HTTP/1.", 7) != 0 || line[7] == '\0' ||
	    line[8] != ' ')
		goto bad_status;
	code = strtol(line + 9, &e, 10);
	if (e != line + 12 || code < 100 || code > 599 ||
	    (*e != ' ' && *e != '\0'))
		goto bad_status;
	*status = (int)code;
	snprintf(reason, reasonlen, "%s", *e == ' ' ? e + 1 : "");
	while (next != NULL && *next != '\0') {
		line = cut_line(&next);
		if ((colon = strchr(line, ':')) == NULL || colon == line) {
			snprintf(err, errlen, "bad header line '%.60s'", line);
			return -1;
		}
		if (*n == max) {
			snprintf(err, errlen, "more than %zu header fields",
			    max);
			return -1;
		}
		*colon = '\0';
		v = colon + 1 + strspn(colon + 1, " \t");
		e = v + strlen(v);
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		h[*n].name = line;
		h[*n].value = v;
		(*n)++;
	}
	return 0;
bad_status:
	snprintf(err, errlen, "bad status line '%.60s'", line);
	return -1;
}

/*
 * Decode a chunked body at p[0..len) into r->body. Returns 1 with the
 * octets used in *used when complete, 0 when more input is needed, -1 on
 * a malformed or oversized body.
 */
static int
dechunk(struct httpc_conn *c, const uint8_t *p, size_t len, struct httpc_resp *r,
    size_t *used)
{
	size_t pos = 0, size;
	const uint8_t *eol;
	char *e, num[32];

	r->body_len = 0;
	for (;;) {
		eol = memchr(p + pos, '\n', len - pos);
		if (eol == NULL)
			return 0;
		if ((size_t)(eol - (p + pos)) >= sizeof(num))
			return fail(c, "chunk size line too long");
		memcpy(num, p + pos, (size_t)(eol - (p + pos)));
		num[eol - (p + pos)] = '\0';
		size = strtoul(num, &e, 16);
		if (e == num)
			return fail(c, "bad chunk size '%s'", num);
		pos = (size_t)(eol - p) + 1;
		if (size == 0) {
			/* trailers, then an empty line */
			for (;;) {
				eol = memchr(p + pos, '\n', len - pos);
				if (eol == NULL)
					return 0;
				if (eol == p + pos ||
				    (eol == p + pos + 1 && p[pos] == '\r')) {
					*used = (size_t)(eol - p) + 1;
					return 1;
				}
				pos = (size_t)(eol - p) + 1;
			}
		}
		if (size > HTTPC_BODY_MAX - r->body_len)
			return fail(c, "body over %d octets", HTTPC_BODY_MAX);
		if (len - pos < size + 2)
			return 0;
		memcpy(r->body + r->body_len, p + pos, size);
		r->body_len += size;
		pos += size + 2;
	}
}

int
httpc_recv(struct httpc_conn *c, struct httpc_resp *r, int timeout_ms)
{
	long deadline = httpc_now_ms() + (timeout_ms > 0 ? timeout_ms :
	    HTTPC_TIMEOUT_MS);
	const uint8_t *end;
	const char *te, *cl, *conn;
	size_t head_len, want, used = 0;
	ssize_t n;
	char *e;
	int rc;

	if (c->fd < 0)
		return fail(c, "not connected");
again:
	memset(r, 0, offsetof(struct httpc_resp, head));
	r->head[0] = '\0';
	r->body[0] = '\0';
	r->body_len = 0;
	while ((end = find_crlfcrlf(c->in, c->in_len)) == NULL) {
		if (c->in_len > HTTPC_HEAD_MAX)
			return fail(c, "response head over %d octets",
			    HTTPC_HEAD_MAX);
		if ((n = fill(c, deadline)) < 0)
			return -1;
		if (n == 0) {
			c->reopen = 1;
			return fail(c, c->in_len == 0 ? "connection closed" :
			    "connection closed inside the response head");
		}
	}
	head_len = (size_t)(end - c->in);
	if (head_len > HTTPC_HEAD_MAX)
		return fail(c, "response head over %d octets", HTTPC_HEAD_MAX);
	memcpy(r->head, c->in, head_len);
	r->head[head_len] = '\0';
	consume(c, head_len + 4);
	if (httpc_parse_head(r->head, &r->status, r->reason,
	    sizeof(r->reason), r->h, HTTPC_HDRS_MAX, &r->n, c->err,
	    sizeof(c->err)) != 0)
		return -1;
	if (r->status >= 100 && r->status < 200)
		goto again;		/* 100 Continue and friends */
	conn = httpc_header(r, "Connection");
	if (conn != NULL && httpc_has_token(conn, "close"))
		c->reopen = 1;
	if (r->status == 204 || r->status == 304)
		return 0;
	te = httpc_header(r, "Transfer-Encoding");
	cl = httpc_header(r, "Content-Length");
	if (te != NULL && httpc_has_token(te, "chunked")) {
		while ((rc = dechunk(c, c->in, c->in_len, r, &used)) == 0) {
			if ((n = fill(c, deadline)) < 0)
				return -1;
			if (n == 0) {
				c->reopen = 1;
				return fail(c, "connection closed inside a "
				    "chunked body");
			}
		}
		if (rc < 0)
			return -1;
		consume(c, used);
	} else if (cl != NULL) {
		if (httpc_header_count(r, "Content-Length") != 1)
			return fail(c, "several Content-Length fields");
		want = strtoul(cl, &e, 10);
		if (e == cl || *e != '\0')
			return fail(c, "bad Content-Length '%s'", cl);
		if (want > HTTPC_BODY_MAX)
			return fail(c, "body of %zu octets over the cap", want);
		while (c->in_len < want) {
			if ((n = fill(c, deadline)) < 0)
				return -1;
			if (n == 0) {
				c->reopen = 1;
				return fail(c, "connection closed after %zu of "
				    "%zu body octets", c->in_len, want);
			}
		}
		memcpy(r->body, c->in, want);
		r->body_len = want;
		consume(c, want);
	} else {
		/* No framing: the body runs to the close of the connection. */
		while ((n = fill(c, deadline)) > 0)
			if (c->in_len > HTTPC_BODY_MAX)
				return fail(c, "body over %d octets",
				    HTTPC_BODY_MAX);
		if (n < 0)
			return -1;
		memcpy(r->body, c->in, c->in_len);
		r->body_len = c->in_len;
		c->in_len = 0;
		c->reopen = 1;
	}
	r->body[r->body_len] = '\0';
	return 0;
}

int
httpc_request(struct httpc_conn *c, const char *method, const char *path,
    const char *const *hdrs, const void *body, size_t body_len,
    struct httpc_resp *r, int timeout_ms)
{
	long t0 = httpc_now_ms();

	if (httpc_send(c, method, path, hdrs, body, body_len) != 0 ||
	    httpc_recv(c, r, timeout_ms) != 0)
		return -1;
	r->ms = httpc_now_ms() - t0;
	return 0;
}

const char *
httpc_header(const struct httpc_resp *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->h[i].name, name) == 0)
			return r->h[i].value;
	return NULL;
}

int
httpc_header_count(const struct httpc_resp *r, const char *name)
{
	size_t i;
	int n = 0;

	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->h[i].name, name) == 0)
			n++;
	return n;
}
