/*
 * ue_ua.c — the UE's side of Ua/Ut through the Authentication Proxy:
 * shared-key TLS (TS 33.222 5.4, TS 24.109 5.3.3 and Annex F; RFC 4279 for
 * TLS 1.2, RFC 8446 external PSK for TLS 1.3), then HTTP/1.1 (RFC 9112) or
 * HTTP/2 (RFC 9113, ALPN "h2", nghttp2) on the blocking session of
 * common/tls. Used by `ue xcap` and the AP cases of `ue conformance`.
 *
 * The key. The PSK is Ks_NAF = KDF(Ks, "gba-me", RAND, IMPI, NAF_Id)
 * (TS 33.220 B.3) with NAF_Id = NAF FQDN || Ua security protocol id
 * (TS 33.220 H.3): 01 00 00 00 07 for TLS 1.3, 01 00 01 yy zz for TLS 1.2
 * with yy zz the suite the server picked. On TLS 1.2 the key therefore
 * depends on the server's choice: common/tls asks us for it (key_cb) while
 * GnuTLS writes the ClientKeyExchange, after the ServerHello — so one
 * handshake offers every PSK suite and still uses the right key. (The
 * alternative, one suite per attempt, costs a handshake per refused suite.)
 *
 * Identity: "3GPP-bootstrapping." + B-TID (TS 36.508 4.7H; decision table).
 *
 * Server-certificate TLS (TS 33.222 5.3; cfg->ca_file set): no PSK is
 * offered; the AP's certificate must chain to the CA file and name the NAF
 * FQDN (TS 24.109 K.2 mirror text, RFC 6125 dNSName), and the UE then
 * authenticates inside with HTTP Digest (ue_ua_digest.c) using the Ks_NAF
 * of NAF_Id = FQDN || 01 00 01 yy zz, yy zz the suite negotiated — on TLS
 * 1.3 too (13 0x), which is what ue_ua_naf_key() derives.
 *
 * Limits: response head UE_UA_HEAD_MAX octets and UE_UA_HDRS_MAX fields,
 * bodies UE_UA_BODY_MAX each way, every read within the timeout; one
 * request at a time (no pipelining, one stream at a time on h2).
 */
#include <ctype.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <nghttp2/nghttp2.h>

#include "gba.h"
#include "hex.h"
#include "secret.h"
#include "tls.h"
#include "ue.h"

#define UA_IN_MAX	(UE_UA_HEAD_MAX + 4096)	/* read-ahead buffer */
#define UA_LINE_MAX	1024		/* chunk-size and trailer lines */
#define UA_REQ_HEAD_MAX	16384		/* request head as sent */
#define UA_H2_NV_MAX	40		/* request header fields on h2 */

struct ue_ua {
	const struct ue_ua_cfg	*cfg;
	struct tls_client	*tls;
	char			 addr[64];	/* numeric */
	uint16_t		 port;
	char			 path[512];	/* of the URL */
	char			 ua_hex[2 * TLS_UA_ID_LEN + 1];
	int			 closed;	/* the peer ended the stream */
	/* HTTP/1.1 read-ahead */
	uint8_t			 in[UA_IN_MAX];
	size_t			 in_len;
	/* HTTP/2 */
	nghttp2_session		*ng;
	int32_t			 stream;
	int			 stream_done;
	uint32_t		 stream_error;
	int			 over_cap;	/* a response cap was hit */
	struct ue_ua_resp	*cur;
	const uint8_t		*req_body;
	size_t			 req_len, req_off;
};

/* ---- tracing ---------------------------------------------------------- */

static void
trace(const struct ue_ua *ua, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
vtrace(const struct ue_ua *ua, const char *fmt, va_list ap)
{
	if (ua->cfg->trace == NULL)
		return;
	fputs(ua->cfg->trace, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void
trace(const struct ue_ua *ua, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtrace(ua, fmt, ap);
	va_end(ap);
}

void
ue_ua_trace(const struct ue_ua *ua, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtrace(ua, fmt, ap);
	va_end(ap);
}

/* Text, line by line, each after `dir` ("->" or "<-"). */
static void
trace_lines(const struct ue_ua *ua, const char *dir, const char *p,
    size_t len)
{
	size_t n;

	if (ua->cfg->trace == NULL)
		return;
	while (len > 0) {
		n = 0;
		while (n < len && p[n] != '\n')
			n++;
		fprintf(stderr, "%s%s %.*s\n", ua->cfg->trace, dir,
		    (int)(n > 0 && p[n - 1] == '\r' ? n - 1 : n), p);
		if (n < len)
			n++;
		p += n;
		len -= n;
	}
}

/* A body: an empty line, then its lines. */
static void
trace_body(const struct ue_ua *ua, const char *dir, const char *p, size_t len)
{
	if (ua->cfg->trace == NULL || len == 0)
		return;
	fprintf(stderr, "%s%s\n", ua->cfg->trace, dir);
	trace_lines(ua, dir, p, len);
}

void
ue_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- URL -------------------------------------------------------------- */

/*
 * "https://HOST[:PORT][/path]" (no scheme: https): the address (a name is
 * resolved here: the UE is a command-line tool, it may block), port and
 * path. Returns 0 or UE_EXIT_USAGE with `err`.
 */
static int
parse_url(struct ue_ua *ua, const char *url, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	const char *p = url, *auth_end, *digits;
	char host[256];
	unsigned long port = UE_UA_PORT_DEFAULT;
	char *e;
	int rc;

	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strstr(p, "://") != NULL) {
		ue_err(err, errlen, "%s: the AP speaks TLS (Ua is TLS-PSK): "
		    "give an https:// URL", url);
		return UE_EXIT_USAGE;
	}
	if (httpc_split_authority(p, host, sizeof(host), &digits,
	    &auth_end) != 0)
		goto bad;
	if (digits != NULL) {
		port = strtoul(digits, &e, 10);
		if (e != auth_end || e == digits || port == 0 ||
		    port > 65535)
			goto bad;
	}
	snprintf(ua->path, sizeof(ua->path), "%.*s",
	    (int)strcspn(auth_end, "?#"), auth_end);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		ue_err(err, errlen, "%s: %s", host, gai_strerror(rc));
		return UE_EXIT_USAGE;
	}
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, ua->addr,
	    sizeof(ua->addr), NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	if (rc != 0) {
		ue_err(err, errlen, "%s: %s", host, gai_strerror(rc));
		return UE_EXIT_USAGE;
	}
	ua->port = (uint16_t)port;
	return 0;
bad:
	ue_err(err, errlen, "%s: expected https://HOST[:PORT]", url);
	return UE_EXIT_USAGE;
}

/* ---- the key ---------------------------------------------------------- */

static const char *
ua_id_meaning(const struct ue_ua *ua, const uint8_t ua_id[TLS_UA_ID_LEN])
{
	if (ua->cfg->ca_file != NULL)
		return "Digest in certificate TLS with the suite negotiated, "
		    "TS 33.222 5.3";
	if (memcmp(ua_id, tls_ua_id_tls13, TLS_UA_ID_LEN) == 0)
		return "shared-key TLS 1.3, TS 33.222 5.4.0.2";
	return "TLS 1.2 PSK with the suite the AP picked, TS 33.222 5.4";
}

/* common/tls asks for the key of `ua_id` (see the file comment). */
static int
key_cb(const uint8_t ua_id[TLS_UA_ID_LEN], uint8_t key[TLS_PSK_MAX],
    size_t *keylen, void *arg)
{
	struct ue_ua *ua = arg;
	const struct ue_ua_cfg *cfg = ua->cfg;
	uint8_t naf_id[GBA_NAF_ID_MAX];
	char hex[2 * GBA_KEY_LEN + 1];
	size_t naf_id_len;
	int e;

	hex_encode(ua_id, TLS_UA_ID_LEN, ua->ua_hex);
	if (cfg->fixed_key != NULL) {
		trace(ua, "   key      a made-up key (Ua id %s asked)",
		    ua->ua_hex);
		memcpy(key, cfg->fixed_key, GBA_KEY_LEN);
		*keylen = GBA_KEY_LEN;
		return 0;
	}
	if ((e = gba_naf_id(cfg->naf_fqdn, ua_id, naf_id, sizeof(naf_id),
	    &naf_id_len)) != 0 || (e = gba_ks_naf(cfg->ks, cfg->rand,
	    cfg->impi, naf_id, naf_id_len, key)) != 0) {
		trace(ua, "   Ks_NAF   cannot be derived: %s", gba_strerror(e));
		return -1;
	}
	if (cfg->corrupt_key)
		key[GBA_KEY_LEN - 1] ^= 0x01;
	*keylen = GBA_KEY_LEN;
	trace(ua, "   NAF_Id   %s || %s (%s; TS 33.220 H.3)", cfg->naf_fqdn,
	    ua->ua_hex, ua_id_meaning(ua, ua_id));
	trace(ua, "   Ks_NAF   %s%s", cfg->show_keys ? hex_encode(key,
	    GBA_KEY_LEN, hex) : "[hidden]", cfg->corrupt_key ?
	    " (last bit flipped on purpose)" : "");
	secret_wipe(hex, sizeof(hex));
	return 0;
}

/* ---- HTTP/2 ----------------------------------------------------------- */

/* Keep name and value in r->head; 0, or -1 over the cap. */
static int
keep_header(struct ue_ua_resp *r, const uint8_t *name, size_t nlen,
    const uint8_t *value, size_t vlen)
{
	char *p = r->head + r->head_used;

	if (r->n == UE_UA_HDRS_MAX ||
	    r->head_used + nlen + vlen + 2 > UE_UA_HEAD_MAX)
		return -1;
	memcpy(p, name, nlen);
	p[nlen] = '\0';
	memcpy(p + nlen + 1, value, vlen);
	p[nlen + 1 + vlen] = '\0';
	r->h[r->n].name = p;
	r->h[r->n].value = p + nlen + 1;
	r->n++;
	r->head_used += nlen + vlen + 2;
	return 0;
}

static int
h2_header_cb(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
    size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *arg)
{
	struct ue_ua *ua = arg;
	struct ue_ua_resp *r = ua->cur;

	(void)s;
	(void)flags;
	if (f->hd.type != NGHTTP2_HEADERS || f->hd.stream_id != ua->stream ||
	    r == NULL || (f->headers.cat == NGHTTP2_HCAT_HEADERS &&
	    r->status >= 200))
		return 0;	/* trailers and other streams: ignored */
	if (nlen == 7 && memcmp(name, ":status", 7) == 0) {
		if (vlen != 3 || !isdigit(value[0]) || !isdigit(value[1]) ||
		    !isdigit(value[2]))
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		r->status = (value[0] - '0') * 100 + (value[1] - '0') * 10 +
		    (value[2] - '0');
		if (r->status < 200) {
			/* an interim response: the final one follows */
			r->n = 0;
			r->head_used = 0;
		}
		return 0;
	}
	if (keep_header(r, name, nlen, value, vlen) != 0) {
		ua->over_cap = 1;
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	return 0;
}

static int
h2_data_cb(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
    size_t len, void *arg)
{
	struct ue_ua *ua = arg;
	struct ue_ua_resp *r = ua->cur;
	char *nb;

	(void)flags;
	if (id != ua->stream || r == NULL)
		return 0;
	if (len > UE_UA_BODY_MAX - r->body_len) {
		ua->over_cap = 1;
		nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, id,
		    NGHTTP2_CANCEL);
		return 0;
	}
	if ((nb = realloc(r->body, r->body_len + len + 1)) == NULL)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	r->body = nb;
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return 0;
}

static int
h2_close_cb(nghttp2_session *s, int32_t id, uint32_t code, void *arg)
{
	struct ue_ua *ua = arg;

	(void)s;
	if (id == ua->stream) {
		ua->stream_done = 1;
		ua->stream_error = code;
	}
	return 0;
}

static ssize_t
h2_body_cb(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
    uint32_t *flags, nghttp2_data_source *src, void *arg)
{
	struct ue_ua *ua = arg;
	size_t n = ua->req_len - ua->req_off;

	(void)s;
	(void)id;
	(void)src;
	if (n > length)
		n = length;
	memcpy(buf, ua->req_body + ua->req_off, n);
	ua->req_off += n;
	if (ua->req_off == ua->req_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static int
h2_start(struct ue_ua *ua, char *err, size_t errlen)
{
	nghttp2_session_callbacks *cbs;
	nghttp2_settings_entry iv[2] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, UE_UA_HEAD_MAX },
	};
	int rv;

	if (nghttp2_session_callbacks_new(&cbs) != 0) {
		ue_err(err, errlen, "out of memory");
		return UE_EXIT_USAGE;
	}
	nghttp2_session_callbacks_set_on_header_callback(cbs, h2_header_cb);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs,
	    h2_data_cb);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
	    h2_close_cb);
	rv = nghttp2_session_client_new(&ua->ng, cbs, ua);
	nghttp2_session_callbacks_del(cbs);
	if (rv != 0 || nghttp2_submit_settings(ua->ng, NGHTTP2_FLAG_NONE, iv,
	    2) != 0) {
		ue_err(err, errlen, "HTTP/2: %s", nghttp2_strerror(rv));
		return UE_EXIT_USAGE;
	}
	return 0;
}

/* Write what nghttp2 has to send. 0 or -1. */
static int
h2_flush(struct ue_ua *ua, char *err, size_t errlen)
{
	const uint8_t *p;
	ssize_t n;

	while ((n = nghttp2_session_mem_send(ua->ng, &p)) > 0)
		if (tls_client_write(ua->tls, p, (size_t)n) != 0) {
			ue_err(err, errlen, "the AP closed the connection");
			return -1;
		}
	if (n < 0) {
		ue_err(err, errlen, "HTTP/2: %s", nghttp2_strerror((int)n));
		return -1;
	}
	return 0;
}

/* Split "Name: value" into a lower-case name (in `buf`) and a value. */
static int
split_line(const char *line, char *buf, size_t size, const char **value)
{
	const char *colon = strchr(line, ':');
	size_t n, i;

	if (colon == NULL || colon == line || (n = (size_t)(colon - line)) >=
	    size)
		return -1;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)line[i]);
	buf[n] = '\0';
	*value = colon + 1 + strspn(colon + 1, " \t");
	return 0;
}

static int
h2_request(struct ue_ua *ua, const char *method, const char *target,
    const char *const *hdrs, const void *body, size_t body_len,
    struct ue_ua_resp *r, char *err, size_t errlen)
{
	nghttp2_nv nv[UA_H2_NV_MAX];
	char names[UA_H2_NV_MAX][64], cl[24];
	nghttp2_data_provider prd;
	uint8_t buf[16384];
	const char *value;
	size_t n = 0, i;
	ssize_t got;

#define NV(nm, nmlen, v)	do {					\
	nv[n].name = (uint8_t *)(uintptr_t)(nm);			\
	nv[n].namelen = (nmlen);					\
	nv[n].value = (uint8_t *)(uintptr_t)(v);			\
	nv[n].valuelen = strlen(v);					\
	nv[n].flags = NGHTTP2_NV_FLAG_NONE;				\
	n++;								\
} while (0)
	NV(":method", 7, method);
	NV(":scheme", 7, "https");
	NV(":authority", 10, ua->cfg->naf_fqdn);
	NV(":path", 5, target);
	trace(ua, "-> HTTP/2 stream, :method %s", method);
	trace(ua, "-> :path %s", target);
	trace(ua, "-> :authority %s", ua->cfg->naf_fqdn);
	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++) {
		if (n + 2 >= UA_H2_NV_MAX || split_line(hdrs[i], names[i],
		    sizeof(names[i]), &value) != 0) {
			ue_err(err, errlen, "bad request header '%s'", hdrs[i]);
			return UE_EXIT_USAGE;
		}
		NV(names[i], strlen(names[i]), value);
		trace(ua, "-> %s: %s", names[i], value);
	}
	if (body != NULL) {
		snprintf(cl, sizeof(cl), "%zu", body_len);
		NV("content-length", 14, cl);
		trace(ua, "-> content-length: %s", cl);
	}
#undef NV
	trace_body(ua, "->", body, body != NULL ? body_len : 0);
	ua->cur = r;
	ua->req_body = body;
	ua->req_len = body_len;
	ua->req_off = 0;
	ua->stream_done = 0;
	ua->stream_error = 0;
	ua->over_cap = 0;
	prd.source.ptr = NULL;
	prd.read_callback = h2_body_cb;
	ua->stream = nghttp2_submit_request(ua->ng, NULL, nv, n,
	    body != NULL ? &prd : NULL, NULL);
	if (ua->stream < 0) {
		ue_err(err, errlen, "HTTP/2: %s",
		    nghttp2_strerror(ua->stream));
		return UE_EXIT_USAGE;
	}
	while (!ua->stream_done) {
		if (h2_flush(ua, err, errlen) != 0)
			return UE_EXIT_UNREACHABLE;
		if (ua->stream_done)
			break;
		if (!nghttp2_session_want_read(ua->ng)) {
			ue_err(err, errlen, "the AP ended the HTTP/2 session "
			    "(GOAWAY)");
			return UE_EXIT_PEER;
		}
		got = tls_client_read(ua->tls, buf, sizeof(buf));
		if (got <= 0) {
			ue_err(err, errlen, got == 0 ? "the AP closed the "
			    "connection before the response" : "no response "
			    "from the AP in time");
			ua->closed = 1;
			return UE_EXIT_UNREACHABLE;
		}
		if ((got = nghttp2_session_mem_recv(ua->ng, buf,
		    (size_t)got)) < 0) {
			ue_err(err, errlen, "HTTP/2: %s%s",
			    nghttp2_strerror((int)got), ua->over_cap ?
			    " (response head over the cap)" : "");
			return UE_EXIT_PEER;
		}
	}
	ua->cur = NULL;
	(void)h2_flush(ua, err, errlen);	/* WINDOW_UPDATE, RST_STREAM */
	if (ua->over_cap) {
		ue_err(err, errlen, "response over %d octets", UE_UA_BODY_MAX);
		return UE_EXIT_PEER;
	}
	if (ua->stream_error != NGHTTP2_NO_ERROR || r->status == 0) {
		ue_err(err, errlen, "the AP reset the stream: %s",
		    nghttp2_http2_strerror(ua->stream_error));
		return UE_EXIT_PEER;
	}
	snprintf(r->proto, sizeof(r->proto), "HTTP/2");
	return 0;
}

/* ---- HTTP/1.1 --------------------------------------------------------- */

/* Read more into ua->in. The count, 0 at the end of the stream, -1. */
static ssize_t
fill(struct ue_ua *ua)
{
	ssize_t n;

	if (ua->in_len == sizeof(ua->in))
		return -1;
	n = tls_client_read(ua->tls, ua->in + ua->in_len,
	    sizeof(ua->in) - ua->in_len);
	if (n > 0)
		ua->in_len += (size_t)n;
	else if (n == 0)
		ua->closed = 1;
	return n;
}

static void
consume(struct ue_ua *ua, size_t n)
{
	memmove(ua->in, ua->in + n, ua->in_len - n);
	ua->in_len -= n;
}

/* One line (to LF, CR LF removed) into `line`. 0, or an exit status. */
static int
get_line(struct ue_ua *ua, char *line, size_t size, char *err, size_t errlen)
{
	uint8_t *lf;
	size_t n;
	ssize_t got;

	while ((lf = memchr(ua->in, '\n', ua->in_len)) == NULL) {
		if (ua->in_len >= size) {
			ue_err(err, errlen, "a line of the body framing is "
			    "over %zu octets", size);
			return UE_EXIT_PEER;
		}
		if ((got = fill(ua)) <= 0) {
			ue_err(err, errlen, "the response ended early");
			return UE_EXIT_UNREACHABLE;
		}
	}
	n = (size_t)(lf - ua->in);
	if (n >= size) {
		ue_err(err, errlen, "a line of the body framing is over %zu "
		    "octets", size);
		return UE_EXIT_PEER;
	}
	memcpy(line, ua->in, n);
	line[n > 0 && line[n - 1] == '\r' ? n - 1 : n] = '\0';
	consume(ua, n + 1);
	return 0;
}

/* Append `n` octets of the stream to r->body. 0, or an exit status. */
static int
take(struct ue_ua *ua, struct ue_ua_resp *r, size_t n, char *err,
    size_t errlen)
{
	size_t k;
	ssize_t got;
	char *nb;

	if (n > UE_UA_BODY_MAX - r->body_len) {
		ue_err(err, errlen, "response body over %d octets",
		    UE_UA_BODY_MAX);
		return UE_EXIT_PEER;
	}
	if ((nb = realloc(r->body, r->body_len + n + 1)) == NULL) {
		ue_err(err, errlen, "out of memory");
		return UE_EXIT_USAGE;
	}
	r->body = nb;
	while (n > 0) {
		if (ua->in_len == 0 && (got = fill(ua)) <= 0) {
			ue_err(err, errlen, "the response body ended early");
			return UE_EXIT_UNREACHABLE;
		}
		k = ua->in_len < n ? ua->in_len : n;
		memcpy(r->body + r->body_len, ua->in, k);
		r->body_len += k;
		consume(ua, k);
		n -= k;
	}
	r->body[r->body_len] = '\0';
	return 0;
}

/* Status line and header fields of r->head (CRLF-separated). */
static int
parse_head(struct ue_ua_resp *r, char *err, size_t errlen)
{
	if (httpc_parse_head(r->head, &r->status, r->reason, sizeof(r->reason),
	    r->h, UE_UA_HDRS_MAX, &r->n, err, errlen) != 0)
		return UE_EXIT_PEER;
	snprintf(r->proto, sizeof(r->proto), "%.8s", r->head);
	return 0;
}

static int
h1_read_head(struct ue_ua *ua, struct ue_ua_resp *r, char *err, size_t errlen)
{
	uint8_t *end;
	size_t len;
	ssize_t got;
	int rc;

	for (;;) {
		while ((end = memmem(ua->in, ua->in_len, "\r\n\r\n", 4)) ==
		    NULL) {
			if (ua->in_len >= UE_UA_HEAD_MAX + 4) {
				ue_err(err, errlen, "response head over %d "
				    "octets", UE_UA_HEAD_MAX);
				return UE_EXIT_PEER;
			}
			if ((got = fill(ua)) <= 0) {
				ue_err(err, errlen, got == 0 && ua->in_len ==
				    0 ? "the AP closed the connection without "
				    "a response" : got == 0 ? "the AP closed "
				    "the connection inside the response head" :
				    "no response from the AP in time");
				return UE_EXIT_UNREACHABLE;
			}
		}
		len = (size_t)(end - ua->in);
		if (len > UE_UA_HEAD_MAX) {
			ue_err(err, errlen, "response head over %d octets",
			    UE_UA_HEAD_MAX);
			return UE_EXIT_PEER;
		}
		memcpy(r->head, ua->in, len);
		r->head[len] = '\0';
		consume(ua, len + 4);
		if ((rc = parse_head(r, err, errlen)) != 0)
			return rc;
		if (r->status >= 200)
			return 0;
		/* 100 Continue and other interim answers: the next one */
	}
}

static int
h1_request(struct ue_ua *ua, const char *method, const char *target,
    const char *const *hdrs, const void *body, size_t body_len,
    struct ue_ua_resp *r, char *err, size_t errlen)
{
	char head[UA_REQ_HEAD_MAX], line[UA_LINE_MAX], *e;
	const char *te, *cl, *conn;
	unsigned long long want;
	size_t len = 0, i;
	ssize_t got;
	int n, rc;

	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: %s\r\n",
	    method, target, ua->cfg->naf_fqdn);
	if (n < 0 || (size_t)n >= sizeof(head))
		goto too_long;
	len = (size_t)n;
	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++) {
		n = snprintf(head + len, sizeof(head) - len, "%s\r\n", hdrs[i]);
		if (n < 0 || (size_t)n >= sizeof(head) - len)
			goto too_long;
		len += (size_t)n;
	}
	if (body != NULL) {
		n = snprintf(head + len, sizeof(head) - len,
		    "Content-Length: %zu\r\n", body_len);
		if (n < 0 || (size_t)n >= sizeof(head) - len)
			goto too_long;
		len += (size_t)n;
	}
	if (len + 2 >= sizeof(head))
		goto too_long;
	memcpy(head + len, "\r\n", 2);
	len += 2;
	trace_lines(ua, "->", head, len - 4);
	trace_body(ua, "->", body, body != NULL ? body_len : 0);
	if (tls_client_write(ua->tls, head, len) != 0 || (body_len > 0 &&
	    tls_client_write(ua->tls, body, body_len) != 0)) {
		ue_err(err, errlen, "the AP closed the connection");
		return UE_EXIT_UNREACHABLE;
	}
	if ((rc = h1_read_head(ua, r, err, errlen)) != 0)
		return rc;
	conn = ue_ua_header(r, "Connection");
	if (conn != NULL && httpc_has_token(conn, "close"))
		ua->closed = 1;
	te = ue_ua_header(r, "Transfer-Encoding");
	cl = ue_ua_header(r, "Content-Length");
	if (strcmp(method, "HEAD") == 0 || r->status == 204 ||
	    r->status == 304)
		rc = 0;
	else if (te != NULL) {
		if (!httpc_has_token(te, "chunked")) {
			ue_err(err, errlen, "Transfer-Encoding %s without "
			    "chunked", te);
			return UE_EXIT_PEER;
		}
		/* RFC 9112 7.1: size [; ext] CRLF data CRLF ... 0 CRLF
		 * trailers CRLF */
		for (;;) {
			if ((rc = get_line(ua, line, sizeof(line), err,
			    errlen)) != 0)
				return rc;
			want = strtoull(line, &e, 16);
			if (e == line || (*e != '\0' && *e != ';' &&
			    *e != ' ' && *e != '\t')) {
				ue_err(err, errlen, "bad chunk size '%.40s'",
				    line);
				return UE_EXIT_PEER;
			}
			if (want == 0)
				break;
			if (want > UE_UA_BODY_MAX) {
				ue_err(err, errlen, "response body over %d "
				    "octets", UE_UA_BODY_MAX);
				return UE_EXIT_PEER;
			}
			if ((rc = take(ua, r, (size_t)want, err, errlen)) != 0 ||
			    (rc = get_line(ua, line, sizeof(line), err,
			    errlen)) != 0)
				return rc;
			if (line[0] != '\0') {
				ue_err(err, errlen, "chunk longer than its "
				    "size");
				return UE_EXIT_PEER;
			}
		}
		do {
			if ((rc = get_line(ua, line, sizeof(line), err,
			    errlen)) != 0)
				return rc;
		} while (line[0] != '\0');
	} else if (cl != NULL) {
		want = strtoull(cl, &e, 10);
		if (e == cl || *e != '\0' || !isdigit((unsigned char)*cl)) {
			ue_err(err, errlen, "bad Content-Length '%.40s'", cl);
			return UE_EXIT_PEER;
		}
		if (want > UE_UA_BODY_MAX) {
			ue_err(err, errlen, "response body of %llu octets over "
			    "the cap (%d)", want, UE_UA_BODY_MAX);
			return UE_EXIT_PEER;
		}
		rc = take(ua, r, (size_t)want, err, errlen);
	} else {
		/* no framing: the body runs to the end of the stream */
		for (;;) {
			if (ua->in_len > 0 && (rc = take(ua, r, ua->in_len,
			    err, errlen)) != 0)
				return rc;
			if ((got = fill(ua)) == 0)
				break;
			if (got < 0) {
				ue_err(err, errlen, "no end of the response "
				    "body in time");
				return UE_EXIT_UNREACHABLE;
			}
		}
		ua->closed = 1;
		rc = 0;
	}
	if (rc == 0 && r->body == NULL && (r->body = calloc(1, 1)) == NULL) {
		ue_err(err, errlen, "out of memory");
		return UE_EXIT_USAGE;
	}
	return rc;
too_long:
	ue_err(err, errlen, "request head over %d octets", UA_REQ_HEAD_MAX);
	return UE_EXIT_USAGE;
}

/* ---- the API ---------------------------------------------------------- */

int
ue_ua_connect(const struct ue_ua_cfg *cfg, struct ue_ua **out, int *alert,
    char *err, size_t errlen)
{
	static const char *const alpn_h2[] = { "h2" };
	static const char *const alpn_h1[] = { "http/1.1" };
	struct tls_client_cfg tc;
	struct ue_ua *ua;
	char terr[256];
	int rc;

	*out = NULL;
	*alert = -1;
	if ((ua = calloc(1, sizeof(*ua))) == NULL) {
		ue_err(err, errlen, "out of memory");
		return UE_EXIT_USAGE;
	}
	ua->cfg = cfg;
	if ((rc = parse_url(ua, cfg->url, err, errlen)) != 0)
		goto fail;
	memset(&tc, 0, sizeof(tc));
	tc.addr = ua->addr;
	tc.port = ua->port;
	tc.sni = cfg->naf_fqdn;	/* TS 24.109 F.3 step 1 */
	tc.identity = cfg->identity;
	tc.key_cb = key_cb;
	tc.key_arg = ua;
	tc.version = cfg->version;
	tc.priority = cfg->priority;
	tc.alpn = cfg->h2 ? alpn_h2 : alpn_h1;
	tc.nalpn = 1;
	tc.timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : UE_UA_TIMEOUT_MS;
	if (cfg->ca_file != NULL) {
		/* TS 33.222 5.3: the UE authenticates the AP by its
		 * certificate, for the name it means to reach */
		tc.identity = NULL;
		tc.key_cb = NULL;
		tc.ca_file = cfg->ca_file;
		tc.verify_name = cfg->naf_fqdn;
		trace(ua, "-> TLS %s (server certificate) to %s port %u, SNI "
		    "%s, ALPN %s", cfg->priority != NULL ? "(priority given)" :
		    cfg->version == 12 ? "1.2" : "1.3", ua->addr, ua->port,
		    cfg->naf_fqdn, cfg->h2 ? "h2" : "http/1.1");
		trace(ua, "   trusting only the CA in %s; the certificate must "
		    "name %s", cfg->ca_file, cfg->naf_fqdn);
		ua->tls = tls_client_cert_connect(&tc, alert, terr,
		    sizeof(terr));
	} else {
		trace(ua, "-> TLS %s PSK to %s port %u, SNI %s, ALPN %s",
		    cfg->priority != NULL ? "(priority given)" :
		    cfg->version == 12 ? "1.2" : "1.3", ua->addr, ua->port,
		    cfg->naf_fqdn, cfg->h2 ? "h2" : "http/1.1");
		trace(ua, "-> PSK identity %s", cfg->identity);
		ua->tls = tls_client_psk_connect(&tc, alert, terr,
		    sizeof(terr));
	}
	if (ua->tls == NULL) {
		if (strncmp(terr, "connect", 7) == 0 ||
		    strncmp(terr, "socket", 6) == 0) {
			ue_err(err, errlen, "cannot reach the AP at %s port "
			    "%u: %s", ua->addr, ua->port, terr + strcspn(terr,
			    ":") + (terr[strcspn(terr, ":")] ? 2 : 0));
			rc = UE_EXIT_UNREACHABLE;
		} else if (strncmp(terr, "CA file", 7) == 0) {
			ue_err(err, errlen, "%s", terr);
			rc = UE_EXIT_USAGE;
		} else if (strncmp(terr, "certificate", 11) == 0) {
			ue_err(err, errlen, "the AP's %s", terr);
			rc = UE_EXIT_AUTH;
		} else if (*alert >= 0) {
			ue_err(err, errlen, "the AP ended the handshake with "
			    "the alert %s (%d)", tls_alert_name(*alert),
			    *alert);
			rc = UE_EXIT_AUTH;
		} else if (strstr(terr, "no key") != NULL) {
			ue_err(err, errlen, "%s", terr);
			rc = UE_EXIT_USAGE;
		} else {
			ue_err(err, errlen, "TLS %s", terr);
			rc = UE_EXIT_AUTH;
		}
		trace(ua, "<- %s", err);
		goto fail;
	}
	trace(ua, "<- TLS 1.%d, suite %s (%04x), ALPN %s",
	    tls_client_version(ua->tls) == 13 ? 3 : 2,
	    tls_client_suite_name(ua->tls), tls_client_suite(ua->tls),
	    tls_client_alpn(ua->tls)[0] ? tls_client_alpn(ua->tls) : "none");
	if (cfg->ca_file != NULL) {
		uint8_t ua_id[TLS_UA_ID_LEN] = { 0x01, 0x00, 0x01 };

		/* TS 33.220 H.3: 01 00 01 yy zz, yy zz the suite */
		ua_id[3] = (uint8_t)(tls_client_suite(ua->tls) >> 8);
		ua_id[4] = (uint8_t)(tls_client_suite(ua->tls) & 0xff);
		hex_encode(ua_id, TLS_UA_ID_LEN, ua->ua_hex);
		trace(ua, "<- certificate verified: chains to the CA, names %s",
		    cfg->naf_fqdn);
	}
	if (cfg->h2) {
		if (strcmp(tls_client_alpn(ua->tls), "h2") != 0) {
			ue_err(err, errlen, "the AP did not agree to h2 in "
			    "ALPN (RFC 9113 3.2)");
			rc = UE_EXIT_PEER;
			goto fail;
		}
		if ((rc = h2_start(ua, err, errlen)) != 0)
			goto fail;
	}
	*out = ua;
	return 0;
fail:
	ue_ua_close(ua);
	return rc;
}

int
ue_ua_request(struct ue_ua *ua, const char *method, const char *target,
    const char *const *hdrs, const void *body, size_t body_len,
    struct ue_ua_resp *r, char *err, size_t errlen)
{
	int rc;

	ue_ua_resp_clear(r);
	r->status = 0;
	r->reason[0] = r->proto[0] = r->head[0] = '\0';
	r->n = r->head_used = 0;
	if (body_len > UE_UA_BODY_MAX) {
		ue_err(err, errlen, "request body over %d octets",
		    UE_UA_BODY_MAX);
		return UE_EXIT_USAGE;
	}
	if (ua->closed) {
		ue_err(err, errlen, "the AP closed the connection");
		return UE_EXIT_UNREACHABLE;
	}
	if (ua->ng != NULL)
		rc = h2_request(ua, method, target, hdrs, body, body_len, r,
		    err, errlen);
	else
		rc = h1_request(ua, method, target, hdrs, body, body_len, r,
		    err, errlen);
	if (rc != 0) {
		trace(ua, "<- %s", err);
		return rc;
	}
	if (r->body == NULL && (r->body = calloc(1, 1)) == NULL) {
		ue_err(err, errlen, "out of memory");
		return UE_EXIT_USAGE;
	}
	if (ua->cfg->trace != NULL) {
		size_t i;

		trace(ua, "<- %s %d%s%s", r->proto, r->status,
		    r->reason[0] ? " " : "", r->reason);
		for (i = 0; i < r->n; i++)
			trace(ua, "<- %s: %s", r->h[i].name, r->h[i].value);
		trace_body(ua, "<-", r->body, r->body_len);
	}
	return 0;
}

int
ue_ua_version(const struct ue_ua *ua)
{
	return tls_client_version(ua->tls);
}

uint16_t
ue_ua_suite(const struct ue_ua *ua)
{
	return tls_client_suite(ua->tls);
}

const char *
ue_ua_suite_name(const struct ue_ua *ua)
{
	return tls_client_suite_name(ua->tls);
}

const char *
ue_ua_alpn(const struct ue_ua *ua)
{
	return tls_client_alpn(ua->tls);
}

const char *
ue_ua_id_hex(const struct ue_ua *ua)
{
	return ua->ua_hex;
}

const char *
ue_ua_url_path(const struct ue_ua *ua)
{
	return ua->path;
}

int
ue_ua_closed(const struct ue_ua *ua)
{
	return ua->closed;
}

int
ue_ua_naf_key(struct ue_ua *ua, uint8_t key[GBA_KEY_LEN])
{
	uint8_t ua_id[TLS_UA_ID_LEN], k[TLS_PSK_MAX];
	size_t len = 0;
	int rc;

	if (ua->cfg->ca_file == NULL || ua->tls == NULL)
		return -1;
	if (hex_decode_exact(ua->ua_hex, ua_id, sizeof(ua_id)) != 0)
		return -1;
	rc = key_cb(ua_id, k, &len, ua);
	if (rc == 0 && len == GBA_KEY_LEN)
		memcpy(key, k, GBA_KEY_LEN);
	secret_wipe(k, sizeof(k));
	return rc == 0 && len == GBA_KEY_LEN ? 0 : -1;
}

void
ue_ua_close(struct ue_ua *ua)
{
	if (ua == NULL)
		return;
	if (ua->ng != NULL) {
		(void)nghttp2_session_terminate_session(ua->ng,
		    NGHTTP2_NO_ERROR);
		if (!ua->closed) {
			char err[64];

			(void)h2_flush(ua, err, sizeof(err));
		}
		nghttp2_session_del(ua->ng);
	}
	tls_client_free(ua->tls);
	secret_wipe(ua, sizeof(*ua));
	free(ua);
}

const char *
ue_ua_header(const struct ue_ua_resp *r, const char *name)
{
	return ue_ua_header_nth(r, name, 0);
}

const char *
ue_ua_header_nth(const struct ue_ua_resp *r, const char *name, size_t nth)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->h[i].name, name) == 0 && nth-- == 0)
			return r->h[i].value;
	return NULL;
}

void
ue_ua_resp_clear(struct ue_ua_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}
