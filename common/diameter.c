/*
 * diameter.c — Diameter base protocol codec: message header (RFC 6733
 * §3), AVPs (§4.1), basic and derived data formats (§4.2, §4.3), grouped
 * AVPs (§4.4), error answers with Failed-AVP (§7), Session-Id (§8.8),
 * and a human-readable dump. The dictionary is in dia_dict.c.
 *
 * The decoder validates the whole message before a caller sees it: every
 * AVP header, every length against its enclosing message or grouped AVP,
 * padding, flags, nesting depth and AVP count; no length from the wire is
 * used before it has been checked against what is really there.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "bytes.h"
#include "diameter.h"
#include "hex.h"
#include "secret.h"

#define HDR_RESERVED	0x0f	/* header flag bits r4..r7 */
#define AVP_RESERVED	0x1f	/* AVP flag bits r3..r7 */
#define LEN24_MAX	0xffffffu

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
#define NTP_UNIX_OFFSET	2208988800LL
/* RFC 6733 §4.3.1 / RFC 4330 §3: a Time with the top bit clear counts
 * from 2036-02-07T06:28:16Z (NTP era 1). */
#define NTP_ERA		4294967296LL

/* Longest dump line; values are cut well before it. */
#define DUMP_LINE_MAX	512
#define DUMP_HEX_MAX	32	/* octets shown as hex */
#define DUMP_TEXT_MAX	160	/* characters of text shown */

static size_t
pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void
seterr(struct dia_error *err, uint32_t result, const uint8_t *failed,
    size_t failed_len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
seterr(struct dia_error *err, uint32_t result, const uint8_t *failed,
    size_t failed_len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->result = result;
	err->failed = failed;
	err->failed_len = failed ? failed_len : 0;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

/* Smallest value of a type, for a zero-filled example AVP (RFC 6733
 * §7.1.5 on 5005 and 5014). */
static size_t
type_min_len(const struct dia_dict_avp *d)
{
	if (d == NULL)
		return 0;
	switch (d->type) {
	case DIA_T_U32:
	case DIA_T_I32:
	case DIA_T_ENUM:
	case DIA_T_TIME:
		return 4;
	case DIA_T_U64:
	case DIA_T_I64:
		return 8;
	case DIA_T_ADDRESS:
		return 6;	/* family + IPv4 */
	default:
		return 0;
	}
}

/*
 * Rebuild the AVP whose first `avail` octets are at `p` as a well-formed
 * example in err->synth: the header as far as it is there (zero-filled
 * beyond), its length set to header + the type's minimum, and a zero
 * value (RFC 6733 §7.1.5, 5014: "the offending AVP header and a zero
 * filled payload of the minimum required length").
 */
static void
synth_failed(struct dia_error *err, const uint8_t *p, size_t avail)
{
	const struct dia_dict_avp *d;
	size_t hlen, n;
	uint32_t vendor = 0;

	if (err == NULL)
		return;
	memset(err->synth, 0, sizeof(err->synth));
	n = avail < DIA_AVP_VHDR_LEN ? avail : DIA_AVP_VHDR_LEN;
	memcpy(err->synth, p, n);
	err->synth[4] &= DIA_AVP_V | DIA_AVP_M | DIA_AVP_P;
	hlen = err->synth[4] & DIA_AVP_V ? DIA_AVP_VHDR_LEN : DIA_AVP_HDR_LEN;
	if (hlen == DIA_AVP_VHDR_LEN)
		vendor = be_get32(err->synth + 8);
	d = dia_dict_avp(be_get32(err->synth), vendor);
	if (d != NULL && d->type == DIA_T_GROUPED)
		d = NULL;	/* a group: the header with an empty payload */
	n = hlen + type_min_len(d);
	be_put24(err->synth + 5, (uint32_t)n);
	memset(err->synth + hlen, 0, sizeof(err->synth) - hlen);
	err->failed = err->synth;
	err->failed_len = n;
}

/* ---------------------------------------------------------------------- */
/* Framing and decoding                                                   */

long
dia_frame_len(const uint8_t *buf, size_t avail, size_t max)
{
	uint32_t len;

	if (avail < 4)
		return 0;
	if (buf[0] != DIA_VERSION)
		return -1;
	len = be_get24(buf + 1);
	if (len < DIA_HDR_LEN || len % 4 != 0 || len > max)
		return -1;
	return (long)len;
}

struct decode {
	const uint8_t	*in;	/* the caller's octets, for err->failed */
	struct dia_msg	*msg;
	size_t		 cap;	/* entries allocated at msg->avps */
	struct dia_error *err;
	int		 oom;
};

/* Translate a pointer into the message copy to the caller's input. */
static const uint8_t *
in_ptr(struct decode *c, const uint8_t *p)
{
	return c->in + (p - c->msg->octets);
}

/*
 * Decode the AVPs at octets[off .. end) as children of AVP `parent` (-1:
 * the message) at nesting level `depth`. Recursion is bounded by
 * DIA_DEPTH_MAX.
 */
static int
parse_avps(struct decode *c, size_t off, size_t end, int parent, int depth)
{
	struct dia_msg *msg = c->msg;
	const struct dia_dict_avp *d;
	struct dia_avp *a;
	const uint8_t *p;
	size_t avail, hlen, alen, plen, i, mark;
	uint32_t code, vendor;
	uint8_t flags;
	int idx;

	while (off < end) {
		p = msg->octets + off;
		avail = end - off;
		if (avail < DIA_AVP_HDR_LEN) {
			seterr(c->err, DIA_INVALID_AVP_LENGTH, NULL, 0,
			    "AVP header truncated: %zu octets left", avail);
			synth_failed(c->err, in_ptr(c, p), avail);
			return -1;
		}
		code = be_get32(p);
		flags = p[4];
		alen = be_get24(p + 5);
		hlen = flags & DIA_AVP_V ? DIA_AVP_VHDR_LEN : DIA_AVP_HDR_LEN;
		if (avail < hlen || alen < hlen || alen > avail) {
			seterr(c->err, DIA_INVALID_AVP_LENGTH, NULL, 0,
			    "AVP %u length %zu: %s", code, alen,
			    alen > avail ? "overruns its container" :
			    "shorter than its header");
			synth_failed(c->err, in_ptr(c, p), avail);
			return -1;
		}
		vendor = hlen == DIA_AVP_VHDR_LEN ? be_get32(p + 8) : 0;
		plen = pad4(alen);
		if (plen > avail) {
			seterr(c->err, DIA_INVALID_AVP_LENGTH, in_ptr(c, p), alen,
			    "AVP %u padding overruns its container", code);
			return -1;
		}
		for (i = alen; i < plen; i++)
			if (p[i] != 0) {
				seterr(c->err, DIA_INVALID_AVP_LENGTH,
				    in_ptr(c, p), alen,
				    "AVP %u has non-zero padding", code);
				return -1;
			}
		if (flags & AVP_RESERVED) {
			seterr(c->err, DIA_INVALID_AVP_BITS, in_ptr(c, p), alen,
			    "AVP %u has reserved flag bits 0x%02x set", code,
			    flags & AVP_RESERVED);
			return -1;
		}
		if (msg->n_avps >= DIA_AVPS_MAX || msg->n_avps >= c->cap) {
			seterr(c->err, DIA_UNABLE_TO_COMPLY, NULL, 0,
			    "more than %d AVPs", DIA_AVPS_MAX);
			return -1;
		}
		idx = (int)msg->n_avps++;
		a = &msg->avps[idx];
		a->code = code;
		a->flags = flags;
		a->vendor = vendor;
		a->data = p + hlen;
		a->len = alen - hlen;
		a->raw = p;
		a->raw_len = alen;
		a->parent = parent;
		a->depth = depth;

		d = dia_dict_avp(code, vendor);
		if (d != NULL && d->type == DIA_T_GROUPED && alen > hlen) {
			if (depth >= DIA_DEPTH_MAX) {
				seterr(c->err, DIA_UNABLE_TO_COMPLY,
				    in_ptr(c, p), alen,
				    "grouped AVP %u nested deeper than %d",
				    code, DIA_DEPTH_MAX);
				return -1;
			}
			mark = msg->n_avps;
			if (parse_avps(c, off + hlen, off + alen, idx,
			    depth + 1) == -1) {
				/* A Failed-AVP carries what a peer found
				 * broken: keep it, opaque. */
				if (code != DIA_AVP_FAILED_AVP || vendor != 0 ||
				    c->oom)
					return -1;
				memset(&msg->avps[mark], 0,
				    (msg->n_avps - mark) * sizeof(*a));
				msg->n_avps = mark;
				if (c->err != NULL)
					memset(c->err, 0, sizeof(*c->err));
			}
		}
		off += plen;
	}
	return 0;
}

int
dia_msg_decode(const uint8_t *buf, size_t len, struct dia_msg **out,
    struct dia_error *err)
{
	struct dia_msg *msg = NULL;
	struct decode c;
	uint32_t hlen;
	uint8_t flags;

	*out = NULL;
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (len < DIA_HDR_LEN) {
		seterr(err, DIA_INVALID_MESSAGE_LENGTH, NULL, 0,
		    "message of %zu octets is shorter than a header", len);
		return -1;
	}
	if (buf[0] != DIA_VERSION) {
		seterr(err, DIA_UNSUPPORTED_VERSION, NULL, 0,
		    "version %u", buf[0]);
		return -1;
	}
	hlen = be_get24(buf + 1);
	if (hlen != len || hlen % 4 != 0) {
		seterr(err, DIA_INVALID_MESSAGE_LENGTH, NULL, 0,
		    "length field %u for %zu octets", hlen, len);
		return -1;
	}
	flags = buf[4];
	if (flags & HDR_RESERVED) {
		seterr(err, DIA_INVALID_HDR_BITS, NULL, 0,
		    "reserved header bits 0x%02x set", flags & HDR_RESERVED);
		return -1;
	}
	if ((flags & (DIA_FLAG_R | DIA_FLAG_E)) == (DIA_FLAG_R | DIA_FLAG_E)) {
		seterr(err, DIA_INVALID_HDR_BITS, NULL, 0,
		    "request with the E bit set");
		return -1;
	}

	if ((msg = calloc(1, sizeof(*msg))) == NULL ||
	    (msg->octets = malloc(len)) == NULL)
		goto oom;
	memcpy(msg->octets, buf, len);
	msg->len = len;
	msg->version = buf[0];
	msg->flags = flags;
	msg->cmd = be_get24(buf + 5);
	msg->app = be_get32(buf + 8);
	msg->hbh = be_get32(buf + 12);
	msg->e2e = be_get32(buf + 16);

	/* Every AVP takes at least a header of its own, so this bounds the
	 * count at every nesting level together: one allocation. */
	memset(&c, 0, sizeof(c));
	c.cap = (len - DIA_HDR_LEN) / DIA_AVP_HDR_LEN;
	if (c.cap > DIA_AVPS_MAX)
		c.cap = DIA_AVPS_MAX + 1;	/* +1: to notice one more */
	if (c.cap > 0 && (msg->avps = calloc(c.cap, sizeof(*msg->avps))) ==
	    NULL)
		goto oom;
	c.in = buf;
	c.msg = msg;
	c.err = err;
	if (parse_avps(&c, DIA_HDR_LEN, len, -1, 0) == -1)
		goto fail;
	*out = msg;
	return 0;

oom:
	seterr(err, DIA_UNABLE_TO_COMPLY, NULL, 0, "out of memory");
fail:
	dia_msg_free(msg);
	return -1;
}

void
dia_msg_free(struct dia_msg *msg)
{
	if (msg == NULL)
		return;
	/* The octets may hold CK, IK, XRES, Ks_NAF. */
	secret_wipe(msg->octets, msg->len);
	free(msg->octets);
	free(msg->avps);
	free(msg);
}

/* Whether AVP i lies inside a Failed-AVP. */
static int
in_failed_avp(const struct dia_msg *msg, size_t i)
{
	int p;

	for (p = msg->avps[i].parent; p >= 0; p = msg->avps[p].parent)
		if (msg->avps[p].code == DIA_AVP_FAILED_AVP &&
		    msg->avps[p].vendor == 0)
			return 1;
	return 0;
}

int
dia_msg_check_mandatory(const struct dia_msg *msg, struct dia_error *err)
{
	const struct dia_avp *a;
	size_t i;

	for (i = 0; i < msg->n_avps; i++) {
		a = &msg->avps[i];
		if (!(a->flags & DIA_AVP_M) ||
		    dia_dict_avp(a->code, a->vendor) != NULL ||
		    in_failed_avp(msg, i))
			continue;
		seterr(err, DIA_AVP_UNSUPPORTED, a->raw, a->raw_len,
		    "unknown AVP %u (vendor %u) with the M bit", a->code,
		    a->vendor);
		return -1;
	}
	return 0;
}

const struct dia_avp *
dia_msg_find(const struct dia_msg *msg, const struct dia_avp *parent,
    uint32_t code, uint32_t vendor, const struct dia_avp *after)
{
	size_t i;
	int p = -1, pdepth = -1;

	if (parent != NULL) {
		if (parent < msg->avps || parent >= msg->avps + msg->n_avps)
			return NULL;
		p = (int)(parent - msg->avps);
		pdepth = parent->depth;
	}
	if (after != NULL) {
		if (after < msg->avps || after >= msg->avps + msg->n_avps)
			return NULL;
		i = (size_t)(after - msg->avps) + 1;
	} else
		i = (size_t)p + 1;	/* 0 for the top level */
	/* Depth-first order: the subtree of `parent` ends at the first AVP
	 * that is not deeper than it. */
	for (; i < msg->n_avps && msg->avps[i].depth > pdepth; i++)
		if (msg->avps[i].parent == p && msg->avps[i].code == code &&
		    msg->avps[i].vendor == vendor)
			return &msg->avps[i];
	return NULL;
}

const struct dia_avp *
dia_msg_require(const struct dia_msg *msg, const struct dia_avp *parent,
    uint32_t code, uint32_t vendor, struct dia_error *err)
{
	const struct dia_avp *a;
	const struct dia_dict_avp *d;
	const char *name;
	size_t hlen, n;
	uint8_t flags;

	if ((a = dia_msg_find(msg, parent, code, vendor, NULL)) != NULL)
		return a;
	if (err == NULL)
		return NULL;
	d = dia_dict_avp(code, vendor);
	flags = d != NULL ? d->must : DIA_AVP_M;
	flags &= DIA_AVP_M | DIA_AVP_P;
	if (vendor != 0)
		flags |= DIA_AVP_V;
	hlen = vendor != 0 ? DIA_AVP_VHDR_LEN : DIA_AVP_HDR_LEN;
	n = hlen + (d != NULL && d->type != DIA_T_GROUPED ?
	    type_min_len(d) : 0);
	memset(err->synth, 0, sizeof(err->synth));
	be_put32(err->synth, code);
	err->synth[4] = flags;
	be_put24(err->synth + 5, (uint32_t)n);
	if (vendor != 0)
		be_put32(err->synth + 8, vendor);
	name = d != NULL ? d->name : "AVP";
	seterr(err, DIA_MISSING_AVP, err->synth, n, "missing %s (%u)", name,
	    code);
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Typed accessors                                                        */

static int
want_len(const struct dia_avp *a, size_t n, const char *type,
    struct dia_error *err)
{
	if (a->len == n)
		return 0;
	seterr(err, DIA_INVALID_AVP_LENGTH, a->raw, a->raw_len,
	    "AVP %u: %zu octets for a %s", a->code, a->len, type);
	return -1;
}

int
dia_avp_u32(const struct dia_avp *a, uint32_t *v, struct dia_error *err)
{
	if (want_len(a, 4, "32-bit value", err) == -1)
		return -1;
	*v = be_get32(a->data);
	return 0;
}

int
dia_avp_u64(const struct dia_avp *a, uint64_t *v, struct dia_error *err)
{
	if (want_len(a, 8, "64-bit value", err) == -1)
		return -1;
	*v = (uint64_t)be_get32(a->data) << 32 | be_get32(a->data + 4);
	return 0;
}

int
dia_avp_i32(const struct dia_avp *a, int32_t *v, struct dia_error *err)
{
	uint32_t u;

	if (dia_avp_u32(a, &u, err) == -1)
		return -1;
	/* Two's complement on the wire; avoid implementation-defined
	 * conversion of values above INT32_MAX. */
	*v = u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
	return 0;
}

int
dia_avp_time(const struct dia_avp *a, time_t *v, struct dia_error *err)
{
	uint32_t ntp;
	long long t;

	if (want_len(a, 4, "Time", err) == -1)
		return -1;
	ntp = be_get32(a->data);
	/* RFC 6733 §4.3.1, RFC 4330 §3: top bit set, 1968–2036 from 1900;
	 * clear, 2036–2104 from the 2036 wrap. */
	if (ntp & 0x80000000u)
		t = (long long)ntp - NTP_UNIX_OFFSET;
	else
		t = (long long)ntp + NTP_ERA - NTP_UNIX_OFFSET;
	if (sizeof(time_t) < 8 && (t > INT32_MAX || t < INT32_MIN)) {
		seterr(err, DIA_INVALID_AVP_VALUE, a->raw, a->raw_len,
		    "AVP %u: time beyond this system's time_t", a->code);
		return -1;
	}
	*v = (time_t)t;
	return 0;
}

int
dia_avp_address(const struct dia_avp *a, struct sockaddr_storage *ss,
    struct dia_error *err)
{
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	unsigned family;

	if (a->len < 2) {
		seterr(err, DIA_INVALID_AVP_LENGTH, a->raw, a->raw_len,
		    "AVP %u: Address of %zu octets", a->code, a->len);
		return -1;
	}
	family = (unsigned)a->data[0] << 8 | a->data[1];
	memset(ss, 0, sizeof(*ss));
	switch (family) {
	case 1:		/* IANA address family numbers: IP (IPv4) */
		if (want_len(a, 2 + 4, "IPv4 Address", err) == -1)
			return -1;
		sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->data + 2, 4);
		return 0;
	case 2:		/* IP6 */
		if (want_len(a, 2 + 16, "IPv6 Address", err) == -1)
			return -1;
		sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->data + 2, 16);
		return 0;
	}
	seterr(err, DIA_INVALID_AVP_VALUE, a->raw, a->raw_len,
	    "AVP %u: Address family %u not supported", a->code, family);
	return -1;
}

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF, no NUL. Returns 1 when valid.
 */
static int
utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp, min;

	while (i < n) {
		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			need = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			need = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			need = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (n - i - 1 < need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* DiameterIdentity (RFC 6733 §4.3.1): an FQDN or realm; we accept
 * non-empty printable ASCII without spaces. */
static int
identity_valid(const uint8_t *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

static int
copy_text(const struct dia_avp *a, char *out, size_t size, int identity,
    struct dia_error *err)
{
	if (size > 0)
		out[0] = '\0';
	if (identity ? !identity_valid(a->data, a->len) :
	    !utf8_valid(a->data, a->len)) {
		seterr(err, DIA_INVALID_AVP_VALUE, a->raw, a->raw_len,
		    "AVP %u: not a valid %s", a->code,
		    identity ? "DiameterIdentity" : "UTF8String");
		return -1;
	}
	if (a->len >= size) {
		seterr(err, DIA_INVALID_AVP_VALUE, a->raw, a->raw_len,
		    "AVP %u: %zu octets, at most %zu accepted", a->code,
		    a->len, size > 0 ? size - 1 : 0);
		return -1;
	}
	memcpy(out, a->data, a->len);
	out[a->len] = '\0';
	return 0;
}

int
dia_avp_utf8(const struct dia_avp *a, char *out, size_t size,
    struct dia_error *err)
{
	return copy_text(a, out, size, 0, err);
}

int
dia_avp_identity(const struct dia_avp *a, char *out, size_t size,
    struct dia_error *err)
{
	return copy_text(a, out, size, 1, err);
}

/* ---------------------------------------------------------------------- */
/* Building                                                               */

static void
build_append(struct dia_build *d, const void *p, size_t n)
{
	if (d->failed)
		return;
	if (buf_append(d->b, p, n) == -1)
		d->failed = 1;
}

static void
build_header(struct dia_build *d, struct buf *b, uint8_t flags,
    uint32_t cmd, uint32_t app, uint32_t hbh, uint32_t e2e)
{
	uint8_t h[DIA_HDR_LEN];

	d->b = b;
	d->start = b->len;
	d->depth = 0;
	d->failed = 0;
	memset(d->groups, 0, sizeof(d->groups));
	if (cmd > LEN24_MAX || (flags & HDR_RESERVED) ||
	    (flags & (DIA_FLAG_R | DIA_FLAG_E)) == (DIA_FLAG_R | DIA_FLAG_E)) {
		d->failed = 1;
		return;
	}
	h[0] = DIA_VERSION;
	be_put24(h + 1, 0);		/* patched by dia_build_end() */
	h[4] = flags;
	be_put24(h + 5, cmd);
	be_put32(h + 8, app);
	be_put32(h + 12, hbh);
	be_put32(h + 16, e2e);
	build_append(d, h, sizeof(h));
}

void
dia_build_begin(struct dia_build *d, struct buf *b, uint8_t flags,
    uint32_t cmd, uint32_t app, uint32_t hbh, uint32_t e2e)
{
	build_header(d, b, flags, cmd, app, hbh, e2e);
}

void
dia_build_answer(struct dia_build *d, struct buf *b,
    const struct dia_msg *req, uint8_t flags)
{
	if (req == NULL) {
		build_header(d, b, 0, 0, 0, 0, 0);
		d->failed = 1;
		return;
	}
	flags = (flags & ~DIA_FLAG_R) | (req->flags & DIA_FLAG_P);
	build_header(d, b, flags, req->cmd, req->app, req->hbh, req->e2e);
}

/* Write an AVP header for a payload of `len` octets (0 for a group whose
 * length is patched later). */
static void
avp_header(struct dia_build *d, uint32_t code, uint8_t flags,
    uint32_t vendor, size_t len)
{
	uint8_t h[DIA_AVP_VHDR_LEN];
	size_t hlen;

	flags &= DIA_AVP_M | DIA_AVP_P;
	if (vendor != 0)
		flags |= DIA_AVP_V;
	hlen = vendor != 0 ? DIA_AVP_VHDR_LEN : DIA_AVP_HDR_LEN;
	if (len > LEN24_MAX - hlen) {
		d->failed = 1;
		return;
	}
	be_put32(h, code);
	h[4] = flags;
	be_put24(h + 5, (uint32_t)(hlen + len));
	if (vendor != 0)
		be_put32(h + 8, vendor);
	build_append(d, h, hlen);
}

static void
put_padding(struct dia_build *d, size_t len)
{
	static const uint8_t zero[3];

	build_append(d, zero, pad4(len) - len);
}

void
dia_put(struct dia_build *d, uint32_t code, uint8_t flags, uint32_t vendor,
    const void *data, size_t len)
{
	if (d->failed)
		return;
	if (data == NULL && len > 0) {
		d->failed = 1;
		return;
	}
	avp_header(d, code, flags, vendor, len);
	build_append(d, data, len);
	put_padding(d, len);
}

void
dia_put_u32(struct dia_build *d, uint32_t code, uint8_t flags,
    uint32_t vendor, uint32_t v)
{
	uint8_t p[4];

	be_put32(p, v);
	dia_put(d, code, flags, vendor, p, sizeof(p));
}

void
dia_put_u64(struct dia_build *d, uint32_t code, uint8_t flags,
    uint32_t vendor, uint64_t v)
{
	uint8_t p[8];

	be_put32(p, (uint32_t)(v >> 32));
	be_put32(p + 4, (uint32_t)v);
	dia_put(d, code, flags, vendor, p, sizeof(p));
}

void
dia_put_str(struct dia_build *d, uint32_t code, uint8_t flags,
    uint32_t vendor, const char *s)
{
	if (s == NULL) {
		d->failed = 1;
		return;
	}
	dia_put(d, code, flags, vendor, s, strlen(s));
}

void
dia_put_time(struct dia_build *d, uint32_t code, uint8_t flags,
    uint32_t vendor, time_t t)
{
	long long ntp = (long long)t + NTP_UNIX_OFFSET;

	/* Era 0 with the top bit set (1968–2036), or era 1 with it clear
	 * (2036–2104); anything else cannot be told apart on the wire. */
	if (ntp >= 0x80000000LL && ntp < NTP_ERA)
		dia_put_u32(d, code, flags, vendor, (uint32_t)ntp);
	else if (ntp >= NTP_ERA && ntp - NTP_ERA < 0x80000000LL)
		dia_put_u32(d, code, flags, vendor, (uint32_t)(ntp - NTP_ERA));
	else
		d->failed = 1;
}

void
dia_put_address(struct dia_build *d, uint32_t code, uint8_t flags,
    uint32_t vendor, const struct sockaddr *sa)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	uint8_t p[2 + 16];

	if (sa == NULL) {
		d->failed = 1;
		return;
	}
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		p[0] = 0;
		p[1] = 1;
		memcpy(p + 2, &sin->sin_addr, 4);
		dia_put(d, code, flags, vendor, p, 2 + 4);
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		p[0] = 0;
		p[1] = 2;
		memcpy(p + 2, &sin6->sin6_addr, 16);
		dia_put(d, code, flags, vendor, p, 2 + 16);
		break;
	default:
		d->failed = 1;
	}
}

void
dia_put_raw(struct dia_build *d, const uint8_t *raw, size_t len)
{
	size_t hlen;

	if (d->failed)
		return;
	if (raw == NULL || len < DIA_AVP_HDR_LEN || be_get24(raw + 5) != len) {
		d->failed = 1;
		return;
	}
	hlen = raw[4] & DIA_AVP_V ? DIA_AVP_VHDR_LEN : DIA_AVP_HDR_LEN;
	if (len < hlen) {
		d->failed = 1;
		return;
	}
	build_append(d, raw, len);
	put_padding(d, len);
}

void
dia_group_begin(struct dia_build *d, uint32_t code, uint8_t flags,
    uint32_t vendor)
{
	if (d->failed)
		return;
	if (d->depth >= DIA_DEPTH_MAX) {
		d->failed = 1;
		return;
	}
	d->groups[d->depth++] = d->b->len;
	avp_header(d, code, flags, vendor, 0);
}

void
dia_group_end(struct dia_build *d)
{
	size_t off, len;

	if (d->failed)
		return;
	if (d->depth <= 0) {
		d->failed = 1;
		return;
	}
	off = d->groups[--d->depth];
	len = d->b->len - off;
	if (len > LEN24_MAX) {
		d->failed = 1;
		return;
	}
	/* Children are padded, so the group's length is a multiple of 4. */
	be_put24(d->b->data + off + 5, (uint32_t)len);
}

int
dia_build_end(struct dia_build *d)
{
	size_t len;

	if (!d->failed && d->depth != 0)
		d->failed = 1;
	len = d->b->len - d->start;
	if (!d->failed && len > LEN24_MAX)
		d->failed = 1;
	if (d->failed) {
		if (d->b->len > d->start)
			secret_wipe(d->b->data + d->start, len);
		d->b->len = d->start;
		return -1;
	}
	be_put24(d->b->data + d->start + 1, (uint32_t)len);
	return 0;
}

static void
set_e_bit(struct dia_build *d, uint32_t result)
{
	/* RFC 6733 §7.1.3: protocol errors travel with the E bit. */
	if (!d->failed && result >= 3000 && result < 4000 &&
	    d->b->len >= d->start + DIA_HDR_LEN)
		d->b->data[d->start + 4] |= DIA_FLAG_E;
}

void
dia_put_result(struct dia_build *d, uint32_t result)
{
	set_e_bit(d, result);
	dia_put_u32(d, DIA_AVP_RESULT_CODE, DIA_AVP_M, 0, result);
}

void
dia_put_experimental(struct dia_build *d, uint32_t vendor, uint32_t result)
{
	dia_group_begin(d, DIA_AVP_EXPERIMENTAL_RESULT, DIA_AVP_M, 0);
	dia_put_u32(d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, vendor);
	dia_put_u32(d, DIA_AVP_EXPERIMENTAL_RESULT_CODE, DIA_AVP_M, 0, result);
	dia_group_end(d);
}

void
dia_put_error(struct dia_build *d, const struct dia_error *err)
{
	size_t n;

	dia_put_result(d, err->result);
	n = strnlen(err->reason, sizeof(err->reason));
	if (n > 0 && n < sizeof(err->reason))
		dia_put(d, DIA_AVP_ERROR_MESSAGE, 0, 0, err->reason, n);
	if (err->failed != NULL) {
		dia_group_begin(d, DIA_AVP_FAILED_AVP, DIA_AVP_M, 0);
		dia_put_raw(d, err->failed, err->failed_len);
		dia_group_end(d);
	}
}

/* ---------------------------------------------------------------------- */
/* Session-Id                                                             */

int
dia_session_id(const char *origin_host, char *out, size_t size)
{
	static uint32_t high, low;
	static int started;
	int n;

	if (size > 0)
		out[0] = '\0';
	if (origin_host == NULL || origin_host[0] == '\0')
		return -1;
	/* RFC 6733 §8.8: the high 32 bits start from the time, the low 32
	 * bits count; together unique across reboots. */
	if (!started) {
		high = (uint32_t)time(NULL);
		started = 1;
	}
	if (++low == 0)
		high++;
	n = snprintf(out, size, "%s;%u;%u", origin_host, high, low);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Dump                                                                   */

struct line {
	char	 s[DUMP_LINE_MAX];
	size_t	 n;
};

static void
line_add(struct line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (l->n >= sizeof(l->s) - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(l->s + l->n, sizeof(l->s) - l->n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	l->n += (size_t)r;
	if (l->n > sizeof(l->s) - 1)
		l->n = sizeof(l->s) - 1;
}

static void
line_text(struct line *l, const uint8_t *s, size_t n)
{
	size_t i, shown = n > DUMP_TEXT_MAX ? DUMP_TEXT_MAX : n;

	line_add(l, "\"");
	for (i = 0; i < shown; i++) {
		if (s[i] == '"' || s[i] == '\\')
			line_add(l, "\\%c", s[i]);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			line_add(l, "%c", s[i]);
		else
			line_add(l, "\\x%02x", s[i]);
	}
	line_add(l, "\"%s", shown < n ? "..." : "");
}

static void
line_hex(struct line *l, const uint8_t *s, size_t n)
{
	char hex[HEX_LEN(DUMP_HEX_MAX)];
	size_t shown = n > DUMP_HEX_MAX ? DUMP_HEX_MAX : n;

	hex_encode(s, shown, hex);
	line_add(l, "0x%s%s (%zu octets)", hex, shown < n ? "..." : "", n);
}

static int
printable(const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((s[i] < 0x20 || s[i] >= 0x7f) && s[i] != '\n' &&
		    s[i] != '\r' && s[i] != '\t')
			return 0;
	return n > 0;
}

static void
dump_number(struct line *l, const struct dia_avp *a, uint32_t u)
{
	const char *name = NULL;

	switch (a->vendor == 0 ? a->code : 0) {
	case DIA_AVP_RESULT_CODE:
	case DIA_AVP_EXPERIMENTAL_RESULT_CODE:
		name = dia_result_name(u);
		break;
	case DIA_AVP_AUTH_APPLICATION_ID:
	case DIA_AVP_ACCT_APPLICATION_ID:
		name = dia_app_name(u);
		break;
	case DIA_AVP_VENDOR_ID:
	case DIA_AVP_SUPPORTED_VENDOR_ID:
		name = u == DIA_VENDOR_3GPP ? "3GPP" : NULL;
		break;
	}
	if (name == NULL)
		name = dia_enum_name(a->code, a->vendor, u);
	if (name != NULL && strcmp(name, "Unknown") != 0)
		line_add(l, " %s", name);
}

static void
dump_value(struct line *l, const struct dia_msg *msg, size_t i,
    const struct dia_dict_avp *d, int show_keys)
{
	const struct dia_avp *a = &msg->avps[i];
	struct sockaddr_storage ss;
	char addr[INET6_ADDRSTRLEN], when[32];
	struct tm tm;
	uint64_t u64;
	uint32_t u32;
	int32_t i32;
	time_t t;

	if (d != NULL && (d->flags & DIA_DICT_SECRET) && !show_keys) {
		line_add(l, " [hidden] (%zu octets)", a->len);
		return;
	}
	if (i + 1 < msg->n_avps && msg->avps[i + 1].parent == (int)i)
		return;		/* a group: its children follow */
	line_add(l, " ");
	switch (d != NULL ? d->type : DIA_T_OCTETS) {
	case DIA_T_UTF8:
	case DIA_T_URI:
		line_text(l, a->data, a->len);
		if (!utf8_valid(a->data, a->len))
			line_add(l, " <invalid UTF-8>");
		return;
	case DIA_T_IDENTITY:
		line_text(l, a->data, a->len);
		if (!identity_valid(a->data, a->len))
			line_add(l, " <invalid identity>");
		return;
	case DIA_T_U32:
	case DIA_T_ENUM:
		if (dia_avp_u32(a, &u32, NULL) == -1)
			break;
		if (d->type == DIA_T_ENUM) {
			(void)dia_avp_i32(a, &i32, NULL);
			line_add(l, "%d", i32);
		} else
			line_add(l, "%u", u32);
		dump_number(l, a, u32);
		return;
	case DIA_T_I32:
		if (dia_avp_i32(a, &i32, NULL) == -1)
			break;
		line_add(l, "%d", i32);
		return;
	case DIA_T_U64:
		if (dia_avp_u64(a, &u64, NULL) == -1)
			break;
		line_add(l, "%llu", (unsigned long long)u64);
		return;
	case DIA_T_I64:
		if (dia_avp_u64(a, &u64, NULL) == -1)
			break;
		line_add(l, "%lld", u64 <= INT64_MAX ? (long long)u64 :
		    -(long long)(~u64) - 1);
		return;
	case DIA_T_TIME:
		if (dia_avp_time(a, &t, NULL) == -1 ||
		    gmtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			break;
		line_add(l, "%s", when);
		return;
	case DIA_T_ADDRESS:
		if (dia_avp_address(a, &ss, NULL) == -1)
			break;
		if (inet_ntop(ss.ss_family, ss.ss_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)&ss)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr,
		    addr, sizeof(addr)) == NULL)
			break;
		line_add(l, "%s", addr);
		return;
	case DIA_T_GROUPED:
		if (a->len == 0) {
			line_add(l, "(empty)");
			return;
		}
		line_add(l, "<undecoded> ");
		line_hex(l, a->data, a->len);
		return;
	case DIA_T_OCTETS:
		if (printable(a->data, a->len)) {
			line_text(l, a->data, a->len);
			line_add(l, " (%zu octets)", a->len);
		} else
			line_hex(l, a->data, a->len);
		return;
	}
	line_add(l, "<invalid> ");
	line_hex(l, a->data, a->len);
}

int
dia_msg_dump(const struct dia_msg *msg, struct buf *out, int show_keys)
{
	const struct dia_dict_avp *d;
	const struct dia_avp *a;
	struct line l;
	size_t i;

	l.n = 0;
	line_add(&l, "%s (%u) flags %c%c%c%c app %u \"%s\" hbh 0x%08x "
	    "e2e 0x%08x len %zu\n",
	    dia_cmd_name(msg->cmd, msg->flags & DIA_FLAG_R), msg->cmd,
	    msg->flags & DIA_FLAG_R ? 'R' : '-',
	    msg->flags & DIA_FLAG_P ? 'P' : '-',
	    msg->flags & DIA_FLAG_E ? 'E' : '-',
	    msg->flags & DIA_FLAG_T ? 'T' : '-',
	    msg->app, dia_app_name(msg->app), msg->hbh, msg->e2e, msg->len);
	if (buf_append(out, l.s, l.n) == -1)
		return -1;
	for (i = 0; i < msg->n_avps; i++) {
		a = &msg->avps[i];
		d = dia_dict_avp(a->code, a->vendor);
		l.n = 0;
		line_add(&l, "%*s%s (%u", 2 * (a->depth + 1), "",
		    d != NULL ? d->name : "Unknown", a->code);
		if (a->vendor != 0 || (a->flags & DIA_AVP_V))
			line_add(&l, "/%u", a->vendor);
		line_add(&l, ") %c%c%c:",
		    a->flags & DIA_AVP_V ? 'V' : '-',
		    a->flags & DIA_AVP_M ? 'M' : '-',
		    a->flags & DIA_AVP_P ? 'P' : '-');
		dump_value(&l, msg, i, d, show_keys);
		/* Keep the newline even when the value filled the line. */
		if (l.n > sizeof(l.s) - 2)
			l.n = sizeof(l.s) - 2;
		l.s[l.n++] = '\n';
		if (buf_append(out, l.s, l.n) == -1) {
			secret_wipe(&l, sizeof(l));
			return -1;
		}
	}
	secret_wipe(&l, sizeof(l));
	return 0;
}

void
dia_error_set(struct dia_error *err, uint32_t result,
    const struct dia_avp *failed, const char *reason)
{
	memset(err, 0, sizeof(*err));
	err->result = result;
	snprintf(err->reason, sizeof(err->reason), "%s", reason);
	if (failed != NULL) {
		err->failed = failed->raw;
		err->failed_len = failed->raw_len;
	}
}

uint32_t
dia_msg_result(const struct dia_msg *m)
{
	const struct dia_avp *a, *er;
	uint32_t v = 0;

	if ((a = dia_msg_find(m, NULL, DIA_AVP_RESULT_CODE, 0, NULL)) != NULL &&
	    dia_avp_u32(a, &v, NULL) == 0)
		return v;
	if ((er = dia_msg_find(m, NULL, DIA_AVP_EXPERIMENTAL_RESULT, 0,
	    NULL)) != NULL && (a = dia_msg_find(m, er,
	    DIA_AVP_EXPERIMENTAL_RESULT_CODE, 0, NULL)) != NULL &&
	    dia_avp_u32(a, &v, NULL) == 0)
		return v;
	return 0;
}

void
dia_put_answer_header(struct dia_build *d, const struct dia_msg *req,
    uint32_t app, const char *origin_host, const char *origin_realm)
{
	const struct dia_avp *sid;

	/* <Session-Id> first (RFC 6733 §8.8). */
	sid = dia_msg_find(req, NULL, DIA_AVP_SESSION_ID, 0, NULL);
	if (sid != NULL)
		dia_put(d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, sid->data, sid->len);
	dia_group_begin(d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, DIA_VENDOR_3GPP);
	dia_put_u32(d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, app);
	dia_group_end(d);
	dia_put_u32(d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0,
	    DIA_AUTH_SESSION_NO_STATE);
	dia_put_str(d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, origin_host);
	dia_put_str(d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, origin_realm);
}
