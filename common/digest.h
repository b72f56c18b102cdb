/*
 * digest.h — HTTP Digest authentication: parsing and building the
 * WWW-Authenticate / Authorization / Authentication-Info header values
 * (RFC 7616, RFC 7235 §2.1 grammar, RFC 7230 §7 list rule), and computing
 * request-digest and rspauth for MD5, SHA-256, their -sess variants and
 * Digest AKA (RFC 3310 AKAv1-MD5, RFC 4169 AKAv2-MD5) as used on Ub and Ua
 * (TS 24.109 cl. 4 and 5.2, TS 33.222 cl. 5.3).
 *
 * Nothing here allocates: a parsed header is one fixed struct holding a
 * copy of the unescaped values; builders write into a caller buffer.
 */
#ifndef UTSTACK_DIGEST_H
#define UTSTACK_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define DIGEST_MAX_LEN		4096	/* cap on one header value, octets */
#define DIGEST_MAX_PARAMS	32	/* cap on auth-params in one value */
#define DIGEST_MAX_NAME		64	/* cap on one parameter name */
#define DIGEST_MAX_VALUE	2048	/* cap on one value after unescaping */
#define DIGEST_NC_LEN		8	/* nc is exactly 8 hex digits */

/* Text size of the longest request-digest (SHA-256) with its NUL. */
#define DIGEST_HEX_MAX		(2 * CRYPTO_SHA256_LEN + 1)
/* Text size of an AKAv2 password: base64 of 16 octets plus NUL. */
#define DIGEST_AKAV2_PW_LEN	25
/* Longest RES (TS 33.102 cl. 6.3.2: 4 to 16 octets). */
#define DIGEST_AKA_RES_MAX	16
/* Label of the AKAv2 password PRF (RFC 4169 §7). */
#define DIGEST_AKAV2_LABEL	"http-digest-akav2-password"

/*
 * Which header value is parsed or built: WWW-Authenticate (challenge) and
 * Authorization (credentials) start with the scheme "Digest";
 * Authentication-Info carries the bare list.
 */
enum digest_kind {
	DIGEST_CHALLENGE,
	DIGEST_CREDENTIALS,
	DIGEST_AUTH_INFO
};

/* One auth-param; `name` as received (compare case-insensitively),
 * `value` unescaped, `quoted` set when it arrived as a quoted-string. */
struct digest_param {
	const char	*name;
	const char	*value;
	int		 quoted;
};

/*
 * A parsed header value. The param pointers point into `store`, inside the
 * struct itself: do not copy the struct by assignment or memcpy (the copy
 * would point into the original). Not secret: holds only what travelled on
 * the wire.
 */
struct digest_hdr {
	enum digest_kind	 kind;
	size_t			 n;
	struct digest_param	 p[DIGEST_MAX_PARAMS];
	/* Each param costs at most one octet more than its input text
	 * (name NUL + value NUL against '='), so this never overflows. */
	char			 store[DIGEST_MAX_LEN + DIGEST_MAX_PARAMS + 1];
};

/*
 * Parse the header value `text` (NUL-terminated, at most DIGEST_MAX_LEN
 * octets, without the field name and colon) of the given kind into `h`.
 * Grammar: [ "Digest" 1*SP ] #auth-param, auth-param = token BWS "=" BWS
 * ( token / quoted-string ); empty list elements and OWS are tolerated,
 * quoted-pairs are unescaped, names are case-insensitive. Only one
 * challenge per value is understood.
 * Returns 0, or -1 with a one-line reason in `err` (`errlen` octets,
 * always NUL-terminated when errlen > 0; may be NULL): oversized input,
 * control character, wrong or missing scheme, missing '=', missing value,
 * bad character in a token, unterminated quoted-string, name or value too
 * long, duplicate parameter, too many parameters, trailing garbage.
 * After a failure `h` holds no usable result. Parsing checks syntax only;
 * see digest_validate() for the parameters each kind requires.
 */
int	digest_parse(struct digest_hdr *h, enum digest_kind kind,
	    const char *text, char *err, size_t errlen);

/* The unescaped value of parameter `name` (case-insensitive) in `h`, or
 * NULL if absent. The string lives inside `h`. */
const char	*digest_get(const struct digest_hdr *h, const char *name);

/*
 * Check that `h` carries what its kind needs (RFC 7616 §3.3-3.5):
 *   challenge:   realm, nonce; algorithm (if any) known.
 *   credentials: username, realm, nonce, uri, response; algorithm (if any)
 *                known; response empty (Ub's first request, TS 24.109
 *                A.3) or lower-case hex of the algorithm's length; when qop
 *                is present it is "auth" or "auth-int" and nc (8 hex
 *                digits) and cnonce are present. username* (RFC 7616
 *                §3.4.4) is refused.
 *   auth-info:   rspauth (if any) is lower-case hex of 32 or 64 digits;
 *                when qop is present, rspauth, cnonce and nc are too.
 * Returns 0, or -1 with a reason in `err` as for digest_parse().
 */
int	digest_validate(const struct digest_hdr *h, char *err, size_t errlen);

/*
 * Parse the nc value `s` (exactly 8 hex digits, either case) into `nc`.
 * Returns 0 or -1.
 */
int	digest_nc_parse(const char *s, uint32_t *nc);

/* How digest_build_add() writes a value. DIGEST_AUTO follows RFC 7616:
 * algorithm, nc, stale, charset, userhash and qop in credentials and
 * Authentication-Info are tokens; qop in challenges and every other
 * parameter (realm, nonce, uri, response, cnonce, opaque, username,
 * rspauth, auts, nextnonce, domain, unknown ones) is a quoted-string. */
enum digest_quoting {
	DIGEST_AUTO,
	DIGEST_TOKEN,
	DIGEST_QUOTED
};

/*
 * A header-value builder writing into a caller buffer. Failures are sticky:
 * after one failed add, later adds fail too and digest_build_finish()
 * reports it, so a sequence of adds needs one check at the end.
 */
struct digest_build {
	char			*buf;
	size_t			 size;
	size_t			 len;
	enum digest_kind	 kind;
	size_t			 n;
	int			 failed;
};

/*
 * Start a value of `kind` in `buf` (`size` octets, kept NUL-terminated;
 * the caller owns it). Challenges and credentials start with "Digest".
 */
void	digest_build_init(struct digest_build *b, enum digest_kind kind,
	    char *buf, size_t size);

/*
 * Append `name`=`value`, separated from the previous param by ", ".
 * `name` must be a token. A token value must be a non-empty token; a
 * quoted value gets '"' and '\' escaped and may not hold control
 * characters other than HTAB (no header injection). Appends all or
 * nothing. Returns 0, or -1 on overflow of the buffer or a value that
 * cannot be written (and the builder is marked failed).
 */
int	digest_build_add(struct digest_build *b, const char *name,
	    const char *value, enum digest_quoting q);

/*
 * End the value: returns 0 and stores the text length in `*lenp` (may be
 * NULL), or -1 if any step failed, in which case the buffer holds "".
 */
int	digest_build_finish(struct digest_build *b, size_t *lenp);

/* A Digest algorithm: the hash, the AKA version (0 none, 1 AKAv1, 2 AKAv2)
 * and whether it is a -sess variant. */
struct digest_alg {
	enum crypto_hash	hash;
	int			aka;
	int			sess;
};

/*
 * Parse an algorithm value, case-insensitive: "MD5" (also when `s` is
 * NULL, the RFC 7616 default), "MD5-sess", "SHA-256", "SHA-256-sess",
 * "AKAv1-MD5", "AKAv2-MD5". Returns 0, or -1 for anything else.
 */
int	digest_alg_parse(const char *s, struct digest_alg *alg);

/* The canonical name of `alg` ("AKAv1-MD5", ...), static storage; NULL for
 * a combination digest_alg_parse() never produces. */
const char	*digest_alg_name(const struct digest_alg *alg);

/*
 * Inputs of one Digest computation. Strings are the unquoted, unescaped
 * values. The password is an octet string with an explicit length: for
 * AKAv1 it is the raw RES (may contain zero octets), for AKAv2 the text
 * from digest_akav2_password(), for a resynchronisation request empty
 * (RFC 3310 §3.4), on Ua the base64 of Ks_NAF. `alg.aka` does not change
 * the formula, only what the caller passes as password.
 */
struct digest_input {
	struct digest_alg	 alg;
	const char		*username;
	const char		*realm;
	const uint8_t		*password;	/* may be NULL when len is 0 */
	size_t			 password_len;
	const char		*method;	/* "" for rspauth */
	const char		*uri;
	const char		*nonce;
	const char		*nc;		/* needed with qop */
	const char		*cnonce;	/* needed with qop and -sess */
	const char		*qop;		/* NULL, "auth" or "auth-int" */
	const uint8_t		*body;		/* auth-int only; NULL if len 0 */
	size_t			 body_len;
	const char		*ha1;		/* hex H(username:realm:password)
						 * used instead of the password
						 * (htdigest files); else NULL */
};

/*
 * Compute the request-digest (RFC 7616 §3.4.1, RFC 2617 §3.2.2):
 *   HA1 = H(username ":" realm ":" password)
 *         -sess: H(hex(that) ":" nonce ":" cnonce)            (§3.4.2)
 *   HA2 = H(method ":" uri)   auth-int: H(method ":" uri ":" hex(H(body)))
 *   out = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)
 *         without qop: H(HA1 ":" nonce ":" HA2)  (RFC 2069)
 * with hex = lower-case hex. rspauth (Authentication-Info) is the same
 * call with method "" and the response body.
 * `out` receives 2 * hash length hex digits plus NUL (33 or 65 octets; a
 * DIGEST_HEX_MAX buffer always fits). HA1 and the password pass only
 * through wiped temporaries.
 * Returns 0, or -1 for a missing input, an unknown qop, or qop/-sess
 * without the nc/cnonce they need (`out` is then "").
 */
int	digest_response(const struct digest_input *in, char out[DIGEST_HEX_MAX]);

/*
 * Compute the request-digest of `in` and compare it with the received
 * `response` in constant time. Returns 1 on match, 0 on mismatch, -1 if
 * the computation failed.
 */
int	digest_check(const struct digest_input *in, const char *response);

/*
 * Fill the wire-borne fields of `in` (username, realm, uri, nonce, nc,
 * cnonce, qop, alg) from parsed credentials `h`; the caller then sets
 * method, password and body. The strings point into `h`, which must
 * outlive `in`. Fields not set here are zeroed. Returns 0, or -1 for an
 * unknown algorithm.
 */
int	digest_input_from_hdr(struct digest_input *in,
	    const struct digest_hdr *h);

/*
 * AKAv2 password (RFC 4169 §7):
 * base64(HMAC-MD5(key = RES || IK || CK, msg = "http-digest-akav2-password")).
 * `res` is `res_len` octets (at most DIGEST_AKA_RES_MAX), `ik` and `ck` 16
 * octets each; `out` receives the 24-character text plus NUL. The caller
 * should wipe `out` when done. Returns 0, or -1 for a bad RES length.
 */
int	digest_akav2_password(const uint8_t *res, size_t res_len,
	    const uint8_t ik[16], const uint8_t ck[16],
	    char out[DIGEST_AKAV2_PW_LEN]);

#endif
