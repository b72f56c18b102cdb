/*
 * digest.c — HTTP Digest header values and computations.
 *
 * Parsing follows RFC 7235 §2.1 (challenge / credentials = auth-scheme
 * 1*SP #auth-param), RFC 7230 §3.2.6 (token, quoted-string, quoted-pair)
 * and §7 (the #rule: empty list elements are tolerated) and RFC 7616 §3.5
 * (Authentication-Info is a bare #auth-param list). Computations follow
 * RFC 7616 §3.4.1-3.4.3 and RFC 2617 §3.2.2-3.2.3; Digest AKA passwords
 * follow RFC 3310 §3.3 (AKAv1: the RES octets) and RFC 4169 §7 (AKAv2).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "crypto.h"
#include "digest.h"
#include "hex.h"
#include "secret.h"

static void	seterr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* RFC 7230 §3.2.6 tchar. */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* CTL other than HTAB, which quoted-strings and OWS allow. */
static int
is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int
is_lhex(const char *s, size_t len)
{
	size_t i;

	if (strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* A printable rendering of one input octet for error messages. */
static const char *
show_char(unsigned char c, char buf[8])
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, 8, "'%c'", c);
	else
		snprintf(buf, 8, "0x%02x", c);
	return buf;
}

/* A short, printable copy of a peer-supplied value for error messages. */
static const char *
show_value(const char *v, char buf[36])
{
	size_t i;

	for (i = 0; v[i] != '\0' && i < 32; i++)
		buf[i] = (v[i] > 0x20 && v[i] < 0x7f) ? v[i] : '?';
	if (v[i] != '\0' && i == 32) {
		buf[i++] = '.';
		buf[i++] = '.';
	}
	buf[i] = '\0';
	return buf;
}

int
digest_parse(struct digest_hdr *h, enum digest_kind kind, const char *text,
    char *err, size_t errlen)
{
	const unsigned char *s = (const unsigned char *)text;
	char cb[8];
	size_t len, i, j, k, st = 0, ns, nlen, vs;
	int quoted;

	h->kind = kind;
	h->n = 0;
	h->store[0] = '\0';
	seterr(err, errlen, "%s", "");
	if (text == NULL) {
		seterr(err, errlen, "no header value");
		return -1;
	}
	len = strnlen(text, DIGEST_MAX_LEN + 1);
	if (len > DIGEST_MAX_LEN) {
		seterr(err, errlen, "header value longer than %d octets",
		    DIGEST_MAX_LEN);
		return -1;
	}
	/* No CR/LF (obs-fold, injection), NUL or DEL anywhere. */
	for (i = 0; i < len; i++)
		if (is_ctl(s[i])) {
			seterr(err, errlen, "control character 0x%02x at "
			    "offset %zu", s[i], i);
			return -1;
		}

	i = 0;
	while (i < len && is_ows(s[i]))
		i++;
	if (kind != DIGEST_AUTH_INFO) {
		for (j = i; j < len && is_tchar(s[j]); j++)
			;
		if (j == i) {
			seterr(err, errlen, "missing auth scheme (expected "
			    "Digest)");
			return -1;
		}
		if (j - i != 6 || strncasecmp(text + i, "Digest", 6) != 0) {
			seterr(err, errlen, "auth scheme '%.*s' is not Digest",
			    (int)(j - i > 32 ? 32 : j - i), text + i);
			return -1;
		}
		i = j;
		if (i < len && !is_ows(s[i])) {
			seterr(err, errlen, "expected a space after the Digest "
			    "scheme, got %s", show_char(s[i], cb));
			return -1;
		}
	}

	for (;;) {
		/* #rule: OWS and empty elements between list members. */
		while (i < len && (is_ows(s[i]) || s[i] == ','))
			i++;
		if (i == len)
			break;

		ns = i;
		while (i < len && is_tchar(s[i]))
			i++;
		nlen = i - ns;
		if (nlen == 0) {
			seterr(err, errlen, "expected a parameter name at "
			    "offset %zu, got %s", i, show_char(s[i], cb));
			return -1;
		}
		if (nlen > DIGEST_MAX_NAME) {
			seterr(err, errlen, "parameter name at offset %zu "
			    "longer than %d octets", ns, DIGEST_MAX_NAME);
			return -1;
		}
		while (i < len && is_ows(s[i]))
			i++;
		if (i == len || s[i] != '=') {
			seterr(err, errlen, "parameter '%.*s' has no '='",
			    (int)nlen, text + ns);
			return -1;
		}
		i++;
		while (i < len && is_ows(s[i]))
			i++;
		if (h->n == DIGEST_MAX_PARAMS) {
			seterr(err, errlen, "more than %d parameters",
			    DIGEST_MAX_PARAMS);
			return -1;
		}
		for (k = 0; k < h->n; k++)
			if (strlen(h->p[k].name) == nlen &&
			    strncasecmp(h->p[k].name, text + ns, nlen) == 0) {
				seterr(err, errlen, "duplicate parameter "
				    "'%.*s'", (int)nlen, text + ns);
				return -1;
			}
		if (i == len) {
			seterr(err, errlen, "parameter '%.*s' has no value",
			    (int)nlen, text + ns);
			return -1;
		}

		/*
		 * The store never overflows (see struct digest_hdr); the
		 * checks below keep that true should the caps change.
		 */
		if (st + nlen + 2 > sizeof(h->store))
			goto full;
		memcpy(h->store + st, text + ns, nlen);
		h->p[h->n].name = h->store + st;
		st += nlen;
		h->store[st++] = '\0';
		vs = st;

		if (s[i] == '"') {
			quoted = 1;
			for (i++;; i++) {
				unsigned char c;

				if (i == len) {
					seterr(err, errlen, "unterminated "
					    "quoted-string in parameter '%.*s'",
					    (int)nlen, text + ns);
					return -1;
				}
				c = s[i];
				if (c == '"')
					break;
				if (c == '\\' && ++i == len) {
					seterr(err, errlen, "unterminated "
					    "quoted-string in parameter '%.*s' "
					    "(ends in a backslash)", (int)nlen,
					    text + ns);
					return -1;
				}
				/* qdtext and quoted-pair: HTAB, SP, VCHAR,
				 * obs-text; CTLs were refused above. */
				if (st - vs >= DIGEST_MAX_VALUE)
					goto toolong;
				if (st + 1 >= sizeof(h->store))
					goto full;
				h->store[st++] = (char)s[i];
			}
			i++;
		} else {
			quoted = 0;
			if (!is_tchar(s[i])) {
				seterr(err, errlen, "invalid character %s at "
				    "the start of the value of parameter "
				    "'%.*s'", show_char(s[i], cb), (int)nlen,
				    text + ns);
				return -1;
			}
			for (; i < len && is_tchar(s[i]); i++) {
				if (st - vs >= DIGEST_MAX_VALUE)
					goto toolong;
				if (st + 1 >= sizeof(h->store))
					goto full;
				h->store[st++] = (char)s[i];
			}
		}
		h->store[st++] = '\0';
		h->p[h->n].value = h->store + vs;
		h->p[h->n].quoted = quoted;
		h->n++;

		while (i < len && is_ows(s[i]))
			i++;
		if (i == len)
			break;
		if (s[i] != ',') {
			seterr(err, errlen, "unexpected %s after the value of "
			    "parameter '%.*s' (expected ',')",
			    show_char(s[i], cb), (int)nlen, text + ns);
			return -1;
		}
		i++;
	}
	return 0;

 toolong:
	seterr(err, errlen, "value of parameter '%.*s' longer than %d octets",
	    (int)nlen, text + ns, DIGEST_MAX_VALUE);
	return -1;
 full:
	seterr(err, errlen, "header value too large to store");
	return -1;
}

const char *
digest_get(const struct digest_hdr *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->p[i].name, name) == 0)
			return h->p[i].value;
	return NULL;
}

int
digest_nc_parse(const char *s, uint32_t *nc)
{
	uint32_t v = 0;
	size_t i;

	if (s == NULL || strlen(s) != DIGEST_NC_LEN)
		return -1;
	for (i = 0; i < DIGEST_NC_LEN; i++) {
		char c = s[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*nc = v;
	return 0;
}

static int
qop_ok(const char *qop)
{
	return strcasecmp(qop, "auth") == 0 || strcasecmp(qop, "auth-int") == 0;
}

/* Whether `h` has every name of the NULL-terminated list `req`. */
static int
require(const struct digest_hdr *h, const char *const *req, char *err,
    size_t errlen, const char *what)
{
	for (; *req != NULL; req++)
		if (digest_get(h, *req) == NULL) {
			seterr(err, errlen, "%s without parameter '%s'", what,
			    *req);
			return -1;
		}
	return 0;
}

int
digest_validate(const struct digest_hdr *h, char *err, size_t errlen)
{
	static const char *const chal_req[] = { "realm", "nonce", NULL };
	static const char *const cred_req[] = {
		"username", "realm", "nonce", "uri", "response", NULL
	};
	static const char *const info_req[] = {
		"rspauth", "cnonce", "nc", NULL
	};
	struct digest_alg alg = { CRYPTO_HASH_MD5, 0, 0 };
	const char *a, *v, *qop;
	char vb[36];
	size_t hexlen;
	uint32_t nc;

	seterr(err, errlen, "%s", "");
	a = digest_get(h, "algorithm");
	if (h->kind != DIGEST_AUTH_INFO && digest_alg_parse(a, &alg) == -1) {
		seterr(err, errlen, "unsupported algorithm '%s'",
		    show_value(a, vb));
		return -1;
	}
	qop = digest_get(h, "qop");

	switch (h->kind) {
	case DIGEST_CHALLENGE:
		return require(h, chal_req, err, errlen, "challenge");
	case DIGEST_CREDENTIALS:
		if (digest_get(h, "username*") != NULL) {
			seterr(err, errlen, "parameter 'username*' is not "
			    "supported");
			return -1;
		}
		if (require(h, cred_req, err, errlen, "credentials") == -1)
			return -1;
		/* Empty: Ub's first request (TS 24.109 A.3). */
		v = digest_get(h, "response");
		hexlen = 2 * crypto_hash_len(alg.hash);
		if (v[0] != '\0' && !is_lhex(v, hexlen)) {
			seterr(err, errlen, "response '%s' is not %zu "
			    "lower-case hex digits", show_value(v, vb), hexlen);
			return -1;
		}
		if (qop == NULL)
			return 0;
		if (!qop_ok(qop)) {
			seterr(err, errlen, "qop '%s' is neither auth nor "
			    "auth-int", show_value(qop, vb));
			return -1;
		}
		if ((v = digest_get(h, "nc")) == NULL) {
			seterr(err, errlen, "qop without parameter 'nc'");
			return -1;
		}
		if (digest_nc_parse(v, &nc) == -1) {
			seterr(err, errlen, "nc '%s' is not %d hex digits",
			    show_value(v, vb), DIGEST_NC_LEN);
			return -1;
		}
		if (digest_get(h, "cnonce") == NULL) {
			seterr(err, errlen, "qop without parameter 'cnonce'");
			return -1;
		}
		return 0;
	case DIGEST_AUTH_INFO:
		v = digest_get(h, "rspauth");
		if (v != NULL && !is_lhex(v, 2 * CRYPTO_MD5_LEN) &&
		    !is_lhex(v, 2 * CRYPTO_SHA256_LEN)) {
			seterr(err, errlen, "rspauth '%s' is not 32 or 64 "
			    "lower-case hex digits", show_value(v, vb));
			return -1;
		}
		if (qop == NULL)
			return 0;
		if (!qop_ok(qop)) {
			seterr(err, errlen, "qop '%s' is neither auth nor "
			    "auth-int", show_value(qop, vb));
			return -1;
		}
		/* RFC 2617 §3.2.3: with qop, rspauth, cnonce and nc. */
		if (require(h, info_req, err, errlen, "qop") == -1)
			return -1;
		v = digest_get(h, "nc");
		if (digest_nc_parse(v, &nc) == -1) {
			seterr(err, errlen, "nc '%s' is not %d hex digits",
			    show_value(v, vb), DIGEST_NC_LEN);
			return -1;
		}
		return 0;
	}
	seterr(err, errlen, "unknown header kind");
	return -1;
}

/* RFC 7616 §3.3-3.5: which parameters are tokens. */
static int
auto_quoted(enum digest_kind kind, const char *name)
{
	static const char *const tokens[] = {
		"algorithm", "nc", "stale", "charset", "userhash", NULL
	};
	const char *const *t;

	if (strcasecmp(name, "qop") == 0)
		return kind == DIGEST_CHALLENGE;
	for (t = tokens; *t != NULL; t++)
		if (strcasecmp(name, *t) == 0)
			return 0;
	return 1;
}

/* Append `n` octets; the caller has checked the room. */
static void
put(struct digest_build *b, const char *s, size_t n)
{
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void
digest_build_init(struct digest_build *b, enum digest_kind kind, char *buf,
    size_t size)
{
	b->buf = buf;
	b->size = size;
	b->len = 0;
	b->kind = kind;
	b->n = 0;
	b->failed = 0;
	if (buf == NULL || size == 0) {
		b->failed = 1;
		return;
	}
	buf[0] = '\0';
	if (kind != DIGEST_AUTH_INFO) {
		if (size <= 6)
			b->failed = 1;
		else
			put(b, "Digest", 6);
	}
}

int
digest_build_add(struct digest_build *b, const char *name, const char *value,
    enum digest_quoting q)
{
	const unsigned char *v = (const unsigned char *)value;
	size_t nlen, vlen, need, i;
	const char *sep;
	int quoted;

	if (b->failed)
		return -1;
	if (name == NULL || value == NULL)
		goto fail;
	nlen = strlen(name);
	if (nlen == 0 || nlen > DIGEST_MAX_NAME)
		goto fail;
	for (i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)name[i]))
			goto fail;
	vlen = strlen(value);
	if (vlen > DIGEST_MAX_VALUE)
		goto fail;

	if (q == DIGEST_AUTO)
		quoted = auto_quoted(b->kind, name);
	else
		quoted = q == DIGEST_QUOTED;
	if (b->n > 0)
		sep = ", ";
	else
		sep = b->kind == DIGEST_AUTH_INFO ? "" : " ";
	need = strlen(sep) + nlen + 1 + vlen;
	if (quoted) {
		need += 2;
		for (i = 0; i < vlen; i++) {
			if (is_ctl(v[i]))
				goto fail;
			if (v[i] == '"' || v[i] == '\\')
				need++;
		}
	} else {
		if (vlen == 0)
			goto fail;
		for (i = 0; i < vlen; i++)
			if (!is_tchar(v[i]))
				goto fail;
	}
	if (need >= b->size - b->len)
		goto fail;

	put(b, sep, strlen(sep));
	put(b, name, nlen);
	put(b, "=", 1);
	if (quoted) {
		put(b, "\"", 1);
		for (i = 0; i < vlen; i++) {
			if (v[i] == '"' || v[i] == '\\')
				put(b, "\\", 1);
			put(b, value + i, 1);
		}
		put(b, "\"", 1);
	} else
		put(b, value, vlen);
	b->n++;
	return 0;

 fail:
	b->failed = 1;
	return -1;
}

int
digest_build_finish(struct digest_build *b, size_t *lenp)
{
	if (b->failed) {
		if (b->buf != NULL && b->size > 0)
			b->buf[0] = '\0';
		return -1;
	}
	if (lenp != NULL)
		*lenp = b->len;
	return 0;
}

static const struct {
	const char		*name;
	struct digest_alg	 alg;
} algs[] = {
	{ "MD5",		{ CRYPTO_HASH_MD5, 0, 0 } },
	{ "MD5-sess",		{ CRYPTO_HASH_MD5, 0, 1 } },
	{ "SHA-256",		{ CRYPTO_HASH_SHA256, 0, 0 } },
	{ "SHA-256-sess",	{ CRYPTO_HASH_SHA256, 0, 1 } },
	{ "AKAv1-MD5",		{ CRYPTO_HASH_MD5, 1, 0 } },
	{ "AKAv2-MD5",		{ CRYPTO_HASH_MD5, 2, 0 } },
};

int
digest_alg_parse(const char *s, struct digest_alg *alg)
{
	size_t i;

	if (s == NULL)
		s = "MD5";
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcasecmp(s, algs[i].name) == 0) {
			*alg = algs[i].alg;
			return 0;
		}
	return -1;
}

const char *
digest_alg_name(const struct digest_alg *alg)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].alg.hash == alg->hash &&
		    algs[i].alg.aka == alg->aka &&
		    algs[i].alg.sess == alg->sess)
			return algs[i].name;
	return NULL;
}

static void
upd(struct crypto_hash_ctx *ctx, const char *s)
{
	crypto_hash_update(ctx, s, strlen(s));
}

static void
upd_colon(struct crypto_hash_ctx *ctx, const char *s)
{
	crypto_hash_update(ctx, ":", 1);
	crypto_hash_update(ctx, s, strlen(s));
}

int
digest_response(const struct digest_input *in, char out[DIGEST_HEX_MAX])
{
	struct crypto_hash_ctx ctx;
	uint8_t ha1[CRYPTO_SHA256_LEN], md[CRYPTO_SHA256_LEN];
	char ha1hex[DIGEST_HEX_MAX], hex[DIGEST_HEX_MAX];
	enum crypto_hash hash;
	size_t hl;
	int authint = 0;

	out[0] = '\0';
	if (in == NULL || in->username == NULL || in->realm == NULL ||
	    in->method == NULL || in->uri == NULL || in->nonce == NULL)
		return -1;
	if ((in->password == NULL && in->password_len > 0) ||
	    (in->body == NULL && in->body_len > 0))
		return -1;
	hash = in->alg.hash;
	if (hash != CRYPTO_HASH_MD5 && hash != CRYPTO_HASH_SHA256)
		return -1;
	if (in->qop != NULL) {
		if (!qop_ok(in->qop))
			return -1;
		authint = strcasecmp(in->qop, "auth-int") == 0;
		if (in->nc == NULL || in->cnonce == NULL)
			return -1;
	}
	if (in->alg.sess && in->cnonce == NULL)
		return -1;
	hl = crypto_hash_len(hash);

	/* HA1 = H(unq(username) ":" unq(realm) ":" passwd), or given (an
	 * htdigest file stores it, not the password) */
	if (in->ha1 != NULL) {
		if (strlen(in->ha1) != 2 * hl || hex_decode_exact(in->ha1, ha1,
		    hl) != 0)
			return -1;
	} else {
		crypto_hash_init(&ctx, hash);
		upd(&ctx, in->username);
		upd_colon(&ctx, in->realm);
		crypto_hash_update(&ctx, ":", 1);
		if (in->password_len > 0)
			crypto_hash_update(&ctx, in->password,
			    in->password_len);
		crypto_hash_final(&ctx, ha1);
	}
	hex_encode(ha1, hl, ha1hex);
	if (in->alg.sess) {
		/* RFC 7616 §3.4.2: H(H(user:realm:pass) ":" nonce ":" cnonce) */
		crypto_hash_init(&ctx, hash);
		upd(&ctx, ha1hex);
		upd_colon(&ctx, in->nonce);
		upd_colon(&ctx, in->cnonce);
		crypto_hash_final(&ctx, ha1);
		hex_encode(ha1, hl, ha1hex);
	}
	secret_wipe(ha1, sizeof(ha1));

	/* HA2 = H(method ":" uri [":" H(entity-body)]) */
	if (authint) {
		crypto_hash_init(&ctx, hash);
		if (in->body_len > 0)
			crypto_hash_update(&ctx, in->body, in->body_len);
		crypto_hash_final(&ctx, md);
		hex_encode(md, hl, hex);
	}
	crypto_hash_init(&ctx, hash);
	upd(&ctx, in->method);
	upd_colon(&ctx, in->uri);
	if (authint)
		upd_colon(&ctx, hex);
	crypto_hash_final(&ctx, md);
	hex_encode(md, hl, hex);

	/* response = H(HA1 ":" nonce [":" nc ":" cnonce ":" qop] ":" HA2) */
	crypto_hash_init(&ctx, hash);
	upd(&ctx, ha1hex);
	upd_colon(&ctx, in->nonce);
	if (in->qop != NULL) {
		upd_colon(&ctx, in->nc);
		upd_colon(&ctx, in->cnonce);
		upd_colon(&ctx, in->qop);
	}
	upd_colon(&ctx, hex);
	crypto_hash_final(&ctx, md);
	secret_wipe(ha1hex, sizeof(ha1hex));
	hex_encode(md, hl, out);
	return 0;
}

int
digest_check(const struct digest_input *in, const char *response)
{
	char want[DIGEST_HEX_MAX];
	int ok;

	if (response == NULL || digest_response(in, want) == -1)
		return -1;
	ok = ct_streq(want, response);
	/* The expected value would let anyone in: never leave it around. */
	secret_wipe(want, sizeof(want));
	return ok;
}

int
digest_input_from_hdr(struct digest_input *in, const struct digest_hdr *h)
{
	memset(in, 0, sizeof(*in));
	if (digest_alg_parse(digest_get(h, "algorithm"), &in->alg) == -1)
		return -1;
	in->username = digest_get(h, "username");
	in->realm = digest_get(h, "realm");
	in->uri = digest_get(h, "uri");
	in->nonce = digest_get(h, "nonce");
	in->nc = digest_get(h, "nc");
	in->cnonce = digest_get(h, "cnonce");
	in->qop = digest_get(h, "qop");
	return 0;
}

int
digest_akav2_password(const uint8_t *res, size_t res_len,
    const uint8_t ik[16], const uint8_t ck[16], char out[DIGEST_AKAV2_PW_LEN])
{
	uint8_t key[DIGEST_AKA_RES_MAX + 32], mac[CRYPTO_MD5_LEN];

	out[0] = '\0';
	if (res_len > DIGEST_AKA_RES_MAX || (res == NULL && res_len > 0))
		return -1;
	/* RFC 4169 §7: PRF key is RES || IK || CK, in that order. */
	if (res_len > 0)
		memcpy(key, res, res_len);
	memcpy(key + res_len, ik, 16);
	memcpy(key + res_len + 16, ck, 16);
	crypto_hmac_md5(key, res_len + 32, DIGEST_AKAV2_LABEL,
	    sizeof(DIGEST_AKAV2_LABEL) - 1, mac);
	b64_encode(mac, sizeof(mac), out);
	secret_wipe(key, sizeof(key));
	secret_wipe(mac, sizeof(mac));
	return 0;
}
