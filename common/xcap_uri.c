/*
 * xcap_uri.c — XCAP resource URIs: document selector and node selector
 * (RFC 4825 §6.1-6.3), namespace bindings in the query (§6.4: the W3C
 * XPointer Framework for scheme-based parts and '^' escaping, the
 * XPointer xmlns() Scheme for the bindings), and the canonical form
 * written back (§11 <ancestor>). Names and values follow XML 1.0 5th ed. §2.2 (Char), §2.3
 * (Name, AttValue), §4.1 (references) and Namespaces in XML 1.0 §3-4
 * (NCName, QName, the reserved "xml" and "xmlns" prefixes). Percent
 * escapes are RFC 3986 §2.1; request-target characters RFC 3986 §3.3-3.4.
 *
 * Where RFC 4825 leaves the server a choice, this file makes it and says
 * so at the place (search for "Choice:").
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xcap_uri.h"

#define XMLNS_NS	"http://www.w3.org/2000/xmlns/"

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

/* ---------------------------------------------------------------------- */
/* Characters                                                             */

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* RFC 3986 §2.3 unreserved, §2.2 sub-delims, §3.3 pchar (without the
 * pct-encoded alternative). */
static int
is_pchar(int c)
{
	return is_alnum(c) || (c != '\0' && strchr("-._~!$&'()*+,;=:@", c)
	    != NULL);
}

/*
 * Raw octets accepted in the path of a request-target: pchar, "/", "%"
 * escapes, and '[', ']', '"', which RFC 4825 clients should encode but
 * deployed ones (xcaplib) send raw (decision table, XCAP.md §1.2).
 * Choice: nothing else raw (space, '<', '#', octets >= 0x80, ...): those
 * are not URI characters and no known client needs them.
 */
static int
raw_path_ok(int c)
{
	return is_pchar(c) || c == '/' || c == '%' || c == '[' || c == ']' ||
	    c == '"';
}

/* The query adds "?" (RFC 3986 §3.4) and tolerates a raw '^', the
 * XPointer escape character, for the same kind of client. */
static int
raw_query_ok(int c)
{
	return raw_path_ok(c) || c == '?' || c == '^';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode one UTF-8 sequence at `s` (NUL-terminated) into `*cp`. Returns its
 * length in octets, or 0 at the NUL or for an invalid sequence (overlong
 * forms, surrogates and code points above U+10FFFF are invalid).
 */
static size_t
utf8_dec(const char *str, unsigned long *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned long c;
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return s[0] != 0;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	/* A NUL fails the continuation test, so this never reads past it. */
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Write `cp` (a valid code point) as UTF-8 into `out` (4 octets). */
static size_t
utf8_enc(unsigned long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* C0, DEL and C1 controls. Choice: never accepted in any decoded part,
 * not even as &#9; in a value, so no parsed string can carry one into a
 * log line or a stored key. */
static int
is_ctl(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* XML 1.0 §2.2 Char. */
static int
is_xml_char(unsigned long cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd ||
	    (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
	    (cp >= 0x10000 && cp <= 0x10ffff);
}

/* XML 1.0 5th ed. §2.3 NameStartChar, without ':' (Namespaces §3). */
static int
is_name_start(unsigned long c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	    (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) ||
	    (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d) ||
	    (c >= 0x37f && c <= 0x1fff) || (c >= 0x200c && c <= 0x200d) ||
	    (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) ||
	    (c >= 0x3001 && c <= 0xd7ff) || (c >= 0xf900 && c <= 0xfdcf) ||
	    (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0x10000 && c <= 0xeffff);
}

/* ... and NameChar. */
static int
is_name_char(unsigned long c)
{
	return is_name_start(c) || c == '-' || c == '.' ||
	    (c >= '0' && c <= '9') || c == 0xb7 ||
	    (c >= 0x300 && c <= 0x36f) || (c >= 0x203f && c <= 0x2040);
}

/* Octets of the NCName starting at `s`, 0 when none starts there. */
static size_t
ncname_len(const char *s)
{
	unsigned long cp;
	size_t n, k;

	if ((k = utf8_dec(s, &cp)) == 0 || !is_name_start(cp))
		return 0;
	n = k;
	while ((k = utf8_dec(s + n, &cp)) != 0 && is_name_char(cp))
		n += k;
	return n;
}

/*
 * Check a decoded part: valid UTF-8, no control character and, when
 * `xml` is set, only XML Chars. `what` names the part in the error.
 */
static int
check_text(const char *s, const char *what, int xml, char *err,
    size_t errlen)
{
	unsigned long cp;
	size_t k;

	while (*s != '\0') {
		if ((k = utf8_dec(s, &cp)) == 0) {
			seterr(err, errlen, "%s: invalid UTF-8", what);
			return -1;
		}
		if (is_ctl(cp)) {
			seterr(err, errlen, "%s: control character U+%04lX",
			    what, cp);
			return -1;
		}
		if (xml && !is_xml_char(cp)) {
			seterr(err, errlen, "%s: U+%04lX is not an XML "
			    "character", what, cp);
			return -1;
		}
		s += k;
	}
	return 0;
}

/*
 * Percent-decode `n` raw octets at `src` (which start at offset `off` of
 * the request-target, for messages) into `dst`, which has room for
 * `cap` octets plus a NUL. Returns the decoded length, or -1 for a '%'
 * not followed by two hex digits, an escape giving NUL, or more than
 * `cap` octets (the part's cap is `max`, for the message: `cap` is less
 * when the part continues earlier text). Other checks are check_text()'s.
 */
static long
pct_decode(const char *src, size_t n, size_t off, char *dst, size_t cap,
    size_t max, const char *what, char *err, size_t errlen)
{
	size_t i, len = 0;
	int hi, lo, c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)src[i];
		if (c == '%') {
			if (i + 2 >= n) {
				seterr(err, errlen, "bad percent escape at "
				    "offset %zu", off + i);
				return -1;
			}
			hi = hexval((unsigned char)src[i + 1]);
			lo = hexval((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0) {
				seterr(err, errlen, "bad percent escape at "
				    "offset %zu", off + i);
				return -1;
			}
			c = hi << 4 | lo;
			if (c == 0) {
				seterr(err, errlen, "%s: %%00 (NUL) at offset "
				    "%zu", what, off + i);
				return -1;
			}
			i += 2;
		}
		if (len == cap) {
			seterr(err, errlen, "%s too long (max %zu octets)",
			    what, max);
			return -1;
		}
		dst[len++] = (char)c;
	}
	dst[len] = '\0';
	return (long)len;
}

/* ---------------------------------------------------------------------- */
/* The string store inside struct xcap_uri                                */

/* Room for `cap` octets and a NUL at the end of the store, or NULL. */
static char *
store_room(struct xcap_uri *u, size_t cap, char *err, size_t errlen)
{
	if (sizeof(u->store) - u->used < cap + 1) {
		/* Not reachable within the caps (see xcap_uri.h). */
		seterr(err, errlen, "internal: URI store full");
		return NULL;
	}
	return u->store + u->used;
}

/* Keep the `len` octets (plus NUL) written at store_room(). */
static const char *
store_keep(struct xcap_uri *u, size_t len)
{
	const char *s = u->store + u->used;

	u->store[u->used + len] = '\0';
	u->used += len + 1;
	return s;
}

static const char *
store_dup(struct xcap_uri *u, const char *s, size_t len, char *err,
    size_t errlen)
{
	char *d;

	if ((d = store_room(u, len, err, errlen)) == NULL)
		return NULL;
	memcpy(d, s, len);
	return store_keep(u, len);
}

/* ---------------------------------------------------------------------- */
/* Node selector (RFC 4825 §6.3)                                          */

/*
 * A QName at `*pp` into `q` (prefix NULL when absent); `what` names it in
 * errors, `sel` is the selector start for offsets.
 */
static int
parse_qname(struct xcap_uri *u, const char **pp, struct xcap_qname *q,
    const char *sel, const char *what, char *err, size_t errlen)
{
	const char *p = *pp;
	size_t n, m;

	if ((n = ncname_len(p)) == 0) {
		seterr(err, errlen, "node selector: bad %s at offset %zu",
		    what, (size_t)(p - sel));
		return -1;
	}
	m = 0;
	if (p[n] == ':') {
		if (p[n + 1] == '*') {
			/* XPath allows p:*, RFC 4825's NameorAny does not. */
			seterr(err, errlen, "node selector: \"prefix:*\" at "
			    "offset %zu is not allowed (only \"*\" or a QName)",
			    (size_t)(p - sel));
			return -1;
		}
		if ((m = ncname_len(p + n + 1)) == 0) {
			seterr(err, errlen, "node selector: bad %s at offset "
			    "%zu", what, (size_t)(p + n + 1 - sel));
			return -1;
		}
	}
	if (n > XCAP_NAME_MAX || m > XCAP_NAME_MAX) {
		seterr(err, errlen, "node selector: %s at offset %zu too long "
		    "(max %d octets)", what, (size_t)(p - sel), XCAP_NAME_MAX);
		return -1;
	}
	if (m > 0) {
		if ((q->prefix = store_dup(u, p, n, err, errlen)) == NULL ||
		    (q->local = store_dup(u, p + n + 1, m, err, errlen)) ==
		    NULL)
			return -1;
		*pp = p + n + 1 + m;
	} else {
		q->prefix = NULL;
		if ((q->local = store_dup(u, p, n, err, errlen)) == NULL)
			return -1;
		*pp = p + n;
	}
	return 0;
}

/*
 * An XML reference (XML 1.0 §4.1, §4.6) at `*pp` (on the '&') into
 * `*cp`. Only the five predefined entities and character references:
 * there is no DTD.
 */
static int
parse_ref(const char **pp, unsigned long *cp)
{
	static const struct {
		const char	*name;
		char		 c;
	} ents[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
		{ "&apos;", '\'' }, { "&quot;", '"' }
	};
	const char *p = *pp;
	unsigned long v = 0;
	size_t i;
	int d, hex, nd = 0;

	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		if (strncmp(p, ents[i].name, strlen(ents[i].name)) == 0) {
			*cp = (unsigned char)ents[i].c;
			*pp = p + strlen(ents[i].name);
			return 0;
		}
	}
	if (p[1] != '#')
		return -1;
	hex = p[2] == 'x';
	p += hex ? 3 : 2;
	for (;; p++, nd++) {
		d = hex ? hexval((unsigned char)*p) :
		    (*p >= '0' && *p <= '9' ? *p - '0' : -1);
		if (d < 0)
			break;
		v = v * (hex ? 16 : 10) + (unsigned long)d;
		if (v > 0x10ffff)
			return -1;
	}
	if (nd == 0 || *p != ';' || !is_xml_char(v) || is_ctl(v))
		return -1;
	*cp = v;
	*pp = p + 1;
	return 0;
}

/* [@name="value"] from the '@' at `*pp` through the ']'. */
static int
parse_attr_test(struct xcap_uri *u, const char **pp, struct xcap_step *st,
    const char *sel, char *err, size_t errlen)
{
	const char *p = *pp + 1;
	unsigned long cp;
	char quote, *dst, enc[4];
	size_t n = 0, k;

	if (parse_qname(u, &p, &st->attr, sel, "attribute name", err,
	    errlen) == -1)
		return -1;
	if (*p != '=') {
		seterr(err, errlen, "node selector: attribute test at offset "
		    "%zu needs '=' and a quoted value", (size_t)(*pp - sel));
		return -1;
	}
	p++;
	if (*p != '"' && *p != '\'') {
		seterr(err, errlen, "node selector: attribute value at offset "
		    "%zu must be quoted with \" or '", (size_t)(p - sel));
		return -1;
	}
	quote = *p++;
	if ((dst = store_room(u, XCAP_VALUE_MAX, err, errlen)) == NULL)
		return -1;
	/* AttValue: the other quote may appear, its own delimiter not. */
	while (*p != quote) {
		if (*p == '\0') {
			seterr(err, errlen, "node selector: unterminated "
			    "attribute value (missing %c)", quote);
			return -1;
		}
		if (*p == '<') {
			seterr(err, errlen, "node selector: '<' at offset %zu "
			    "in an attribute value (write &lt;)",
			    (size_t)(p - sel));
			return -1;
		}
		if (*p == '&') {
			const char *at = p;

			if (parse_ref(&p, &cp) == -1) {
				seterr(err, errlen, "node selector: bad "
				    "reference at offset %zu in an attribute "
				    "value (a '&' starts &lt; &gt; &amp; "
				    "&apos; &quot; or &#...;)",
				    (size_t)(at - sel));
				return -1;
			}
			k = utf8_enc(cp, enc);
		} else {
			/* The selector was checked as UTF-8 as a whole. */
			k = utf8_dec(p, &cp);
			memcpy(enc, p, k);
			p += k;
		}
		if (n + k > XCAP_VALUE_MAX) {
			seterr(err, errlen, "node selector: attribute value "
			    "too long (max %d octets)", XCAP_VALUE_MAX);
			return -1;
		}
		memcpy(dst + n, enc, k);
		n += k;
	}
	p++;
	st->value = store_keep(u, n);
	st->has_attr = 1;
	if (*p != ']') {
		seterr(err, errlen, "node selector: missing ']' at offset %zu "
		    "after the attribute value", (size_t)(p - sel));
		return -1;
	}
	*pp = p + 1;
	return 0;
}

/* The predicates of one step, from the '[' at `*pp`. */
static int
parse_predicates(struct xcap_uri *u, const char **pp, struct xcap_step *st,
    const char *sel, char *err, size_t errlen)
{
	const char *p = *pp + 1;
	unsigned long v = 0;

	if (*p >= '0' && *p <= '9') {
		/* position = 1*DIGIT; leading zeros are digits too. */
		for (; *p >= '0' && *p <= '9'; p++) {
			v = v * 10 + (unsigned long)(*p - '0');
			if (v > XCAP_POS_MAX) {
				seterr(err, errlen, "node selector: position "
				    "at offset %zu too large (max %lu)",
				    (size_t)(*pp - sel), XCAP_POS_MAX);
				return -1;
			}
		}
		if (*p != ']') {
			seterr(err, errlen, "node selector: missing ']' at "
			    "offset %zu after the position", (size_t)(p - sel));
			return -1;
		}
		st->position = v;
		st->has_position = 1;
		p++;
		if (*p == '[') {
			if (p[1] != '@') {
				seterr(err, errlen, "node selector: only an "
				    "attribute test may follow a position "
				    "(offset %zu)", (size_t)(p - sel));
				return -1;
			}
			p++;
			if (parse_attr_test(u, &p, st, sel, err, errlen) == -1)
				return -1;
		}
	} else if (*p == '@') {
		if (parse_attr_test(u, &p, st, sel, err, errlen) == -1)
			return -1;
	} else if (*p == ']') {
		seterr(err, errlen, "node selector: empty predicate \"[]\" at "
		    "offset %zu", (size_t)(*pp - sel));
		return -1;
	} else {
		seterr(err, errlen, "node selector: bad predicate at offset "
		    "%zu (want [N], [@attr=\"value\"] or both)",
		    (size_t)(*pp - sel));
		return -1;
	}
	if (*p == '[') {
		seterr(err, errlen, "node selector: no predicate may follow "
		    "an attribute test (offset %zu; the order is [N][@a=\"v\"])",
		    (size_t)(p - sel));
		return -1;
	}
	*pp = p;
	return 0;
}

/*
 * The decoded node selector `sel` into u->step, u->terminal and
 * u->term_attr. Choice: the extension-selector of the grammar (any text
 * without "/") names no extension this server knows, so a step that is
 * none of the forms above is a syntax error (400), as in OpenXCAP.
 */
static int
parse_selector(struct xcap_uri *u, const char *sel, char *err, size_t errlen)
{
	const char *p = sel;
	struct xcap_step *st;

	for (;;) {
		if (*p == '\0' || *p == '/') {
			seterr(err, errlen, "node selector: empty step at "
			    "offset %zu", (size_t)(p - sel));
			return -1;
		}
		if (*p == '@' || strncmp(p, "namespace::", 11) == 0) {
			if (u->nsteps == 0) {
				seterr(err, errlen, "node selector: a terminal "
				    "selector needs an element step before it");
				return -1;
			}
			if (*p == '@') {
				p++;
				if (parse_qname(u, &p, &u->term_attr, sel,
				    "attribute name", err, errlen) == -1)
					return -1;
				if (*p != '\0') {
					seterr(err, errlen, "node selector: "
					    "the attribute selector must be "
					    "the last step (offset %zu)",
					    (size_t)(p - sel));
					return -1;
				}
				u->terminal = XCAP_TERM_ATTRIBUTE;
			} else {
				if (strcmp(p + 11, "*") != 0) {
					seterr(err, errlen, "node selector: "
					    "the namespace selector is "
					    "\"namespace::*\", last (offset "
					    "%zu)", (size_t)(p - sel));
					return -1;
				}
				u->terminal = XCAP_TERM_NAMESPACE;
			}
			return 0;
		}
		if (u->nsteps == XCAP_MAX_STEPS) {
			seterr(err, errlen, "node selector: too many steps "
			    "(max %d)", XCAP_MAX_STEPS);
			return -1;
		}
		st = &u->step[u->nsteps++];
		if (*p == '*') {
			st->any = 1;
			st->name.local = "*";
			p++;
		} else if (parse_qname(u, &p, &st->name, sel, "element name",
		    err, errlen) == -1)
			return -1;
		if (*p == '[' &&
		    parse_predicates(u, &p, st, sel, err, errlen) == -1)
			return -1;
		if (*p == '\0')
			return 0;
		if (*p != '/') {
			seterr(err, errlen, "node selector: unexpected '%c' at "
			    "offset %zu", *p, (size_t)(p - sel));
			return -1;
		}
		p++;
	}
}

/* ---------------------------------------------------------------------- */
/* Query: XPointer parts and xmlns() bindings (RFC 4825 §6.4)             */

static const char *
skip_ws(const char *p)
{
	while (*p == ' ')	/* the other XML S octets are controls */
		p++;
	return p;
}

/* The scheme data of one xmlns() part, '^' escapes already removed. */
static int
parse_xmlns(struct xcap_uri *u, const char *d, char *err, size_t errlen)
{
	const char *p = d, *uri;
	struct xcap_ns_binding *b;
	size_t n, ulen, i;

	if ((n = ncname_len(p)) == 0) {
		seterr(err, errlen, "query: xmlns(%s): %s", d, *p == '=' ?
		    "empty prefix" : "the prefix is not an NCName");
		return -1;
	}
	if (n > XCAP_NAME_MAX) {
		seterr(err, errlen, "query: xmlns(): prefix too long (max %d "
		    "octets)", XCAP_NAME_MAX);
		return -1;
	}
	if (p[n] == ':') {
		seterr(err, errlen, "query: xmlns(%s): the prefix is not an "
		    "NCName", d);
		return -1;
	}
	p = skip_ws(p + n);
	if (*p != '=') {
		seterr(err, errlen, "query: xmlns(): missing '=' after the "
		    "prefix %.*s", (int)n, d);
		return -1;
	}
	uri = skip_ws(p + 1);
	ulen = strlen(uri);
	if (ulen == 0) {
		seterr(err, errlen, "query: xmlns(%.*s=): empty namespace name",
		    (int)n, d);
		return -1;
	}
	if (ulen > XCAP_NS_URI_MAX) {
		seterr(err, errlen, "query: xmlns(): namespace name too long "
		    "(max %d octets)", XCAP_NS_URI_MAX);
		return -1;
	}
	/* Choice: a namespace name is a URI reference, which holds no
	 * space; trailing blanks would silently never match. */
	if (strchr(uri, ' ') != NULL) {
		seterr(err, errlen, "query: xmlns(%.*s=...): space in the "
		    "namespace name", (int)n, d);
		return -1;
	}
	/* Namespaces in XML §3: "xmlns" is never bound, "xml" only to its
	 * own name, and no other prefix to either reserved name. */
	if (n == 5 && strncmp(d, "xmlns", 5) == 0) {
		seterr(err, errlen, "query: xmlns(): the prefix xmlns is "
		    "reserved");
		return -1;
	}
	if ((n == 3 && strncmp(d, "xml", 3) == 0) !=
	    (strcmp(uri, XCAP_XML_NS) == 0) || strcmp(uri, XMLNS_NS) == 0) {
		seterr(err, errlen, "query: xmlns(): the prefix xml and the "
		    "XML namespace name go only together");
		return -1;
	}
	for (i = 0; i < u->nns; i++) {
		if (strlen(u->ns[i].prefix) == n &&
		    strncmp(u->ns[i].prefix, d, n) == 0) {
			seterr(err, errlen, "query: duplicate prefix %.*s in "
			    "xmlns()", (int)n, d);
			return -1;
		}
	}
	if (u->nns == XCAP_MAX_NS) {
		seterr(err, errlen, "query: too many xmlns() bindings (max "
		    "%d)", XCAP_MAX_NS);
		return -1;
	}
	b = &u->ns[u->nns];
	if ((b->prefix = store_dup(u, d, n, err, errlen)) == NULL ||
	    (b->uri = store_dup(u, uri, ulen, err, errlen)) == NULL)
		return -1;
	u->nns++;
	return 0;
}

/*
 * The decoded query `q`: SchemeBased pointer = PointerPart (S?
 * PointerPart)*, PointerPart = SchemeName "(" SchemeData ")", where
 * SchemeData holds balanced parentheses and '^' escapes "^(", "^)",
 * "^^". Choice: parts of schemes other than xmlns() are skipped, as the
 * XPointer framework says for unknown schemes (Mobicents does too).
 */
static int
parse_query(struct xcap_uri *u, const char *q, char *err, size_t errlen)
{
	char data[XCAP_QUERY_MAX + 1];
	const char *p = skip_ws(q), *name;
	size_t n, m = 0, len, parts = 0;
	int depth;

	while (*p != '\0') {
		if (parts++ == XCAP_MAX_PARTS) {
			seterr(err, errlen, "query: too many XPointer parts "
			    "(max %d)", XCAP_MAX_PARTS);
			return -1;
		}
		name = p;
		if ((n = ncname_len(p)) != 0 && p[n] == ':' &&
		    (m = ncname_len(p + n + 1)) != 0)
			n += 1 + m;
		if (n == 0) {
			seterr(err, errlen, "query: expected a part like "
			    "xmlns(prefix=namespace) at offset %zu",
			    (size_t)(p - q));
			return -1;
		}
		p += n;
		if (*p != '(') {
			seterr(err, errlen, "query: missing '(' after %.*s",
			    (int)n, name);
			return -1;
		}
		p++;
		len = 0;
		depth = 0;
		for (;; p++) {
			if (*p == '\0') {
				seterr(err, errlen, "query: missing ')' in the "
				    "%.*s() part", (int)n, name);
				return -1;
			}
			if (*p == ')' && depth == 0)
				break;
			if (*p == '^') {
				p++;
				if (*p != '(' && *p != ')' && *p != '^') {
					seterr(err, errlen, "query: '^' at "
					    "offset %zu escapes only ( ) ^",
					    (size_t)(p - 1 - q));
					return -1;
				}
			} else if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			/* The data is a substring of q: it fits. */
			data[len++] = *p;
		}
		data[len] = '\0';
		p = skip_ws(p + 1);
		if (n == 5 && strncmp(name, "xmlns", 5) == 0 &&
		    parse_xmlns(u, data, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Document selector (RFC 4825 §6.2)                                      */

/* Whether the raw segment is the node-selector separator "~~", written
 * raw or with percent escapes. Choice: "%7E%7E" separates too (RFC 3986
 * §6.2.2.2: encoded unreserved characters mean the same octets). */
static int
is_separator(const char *s, size_t n)
{
	char buf[8];
	size_t i, len = 0;

	if (n < 2 || n > 6)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n || hexval((unsigned char)s[i + 1]) < 0 ||
			    hexval((unsigned char)s[i + 2]) < 0)
				return 0;
			buf[len++] = (char)(hexval((unsigned char)s[i + 1]) << 4 |
			    hexval((unsigned char)s[i + 2]));
			i += 2;
		} else
			buf[len++] = s[i];
	}
	return len == 2 && buf[0] == '~' && buf[1] == '~';
}

static int
is_dot_segment(const char *s)
{
	return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

/* Where the document-selector walk stands. */
enum ds_state {
	DS_AUID,
	DS_TREE,
	DS_XUI,
	DS_DOC
};

void
xcap_uri_clear(struct xcap_uri *u)
{
	if (u == NULL)
		return;
	/* The store needs no clearing: nothing points into it any more. */
	memset(u, 0, offsetof(struct xcap_uri, store));
	u->store[0] = '\0';
}

/* Fail with `rc`: the reason is already in err. */
static int
parse_fail(struct xcap_uri *u, int rc)
{
	xcap_uri_clear(u);
	return rc;
}

int
xcap_uri_parse(const char *target, const char *root, struct xcap_uri *u,
    char *err, size_t errlen)
{
	char qbuf[XCAP_QUERY_MAX + 1], tbuf[8], *doc = NULL, *dst;
	const char *path, *query, *p, *end, *slash, *segend, *sel = NULL;
	size_t tlen, rlen, pathlen, seglen, off, i, doclen = 0, ndoc = 0;
	enum ds_state st = DS_AUID;
	long n;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	xcap_uri_clear(u);
	if (target == NULL || root == NULL) {
		seterr(err, errlen, "no request-target or XCAP root");
		return XCAP_URI_EBAD;
	}
	if ((tlen = strnlen(target, XCAP_URI_MAX_LEN + 1)) > XCAP_URI_MAX_LEN) {
		seterr(err, errlen, "request-target too long (max %d octets)",
		    XCAP_URI_MAX_LEN);
		return XCAP_URI_EBAD;
	}
	rlen = strlen(root);
	while (rlen > 0 && root[rlen - 1] == '/')
		rlen--;
	if (strncmp(target, root, rlen) != 0 || target[rlen] != '/') {
		seterr(err, errlen, "not under the XCAP root %.*s/",
		    (int)rlen, root);
		return XCAP_URI_ENOENT;
	}
	path = target + rlen + 1;
	/* RFC 3986 §3.4: the first '?' starts the query. Choice: also
	 * inside a quoted value (no guessing): such a '?' must be %3F. */
	query = strchr(path, '?');
	pathlen = query != NULL ? (size_t)(query - path) : strlen(path);
	for (i = 0; i < tlen - rlen - 1; i++) {
		int c = (unsigned char)path[i];

		if (i < pathlen ? !raw_path_ok(c) :
		    i > pathlen && !raw_query_ok(c)) {
			seterr(err, errlen, "character 0x%02x at offset %zu is "
			    "not allowed in a request-target (percent-encode "
			    "it)", c, rlen + 1 + i);
			return XCAP_URI_EBAD;
		}
	}

	/* The document selector, one segment at a time, up to "~~". */
	p = path;
	end = path + pathlen;
	for (;;) {
		slash = memchr(p, '/', (size_t)(end - p));
		segend = slash != NULL ? slash : end;
		seglen = (size_t)(segend - p);
		off = (size_t)(p - target);
		if (is_separator(p, seglen)) {
			sel = slash != NULL ? slash + 1 : end;
			break;
		}
		if (seglen == 0) {
			switch (st) {
			case DS_AUID:
				seterr(err, errlen, "no AUID after the XCAP "
				    "root");
				return parse_fail(u, XCAP_URI_ENOENT);
			case DS_TREE:
				seterr(err, errlen, "no \"users\" or "
				    "\"global\" after the AUID");
				return parse_fail(u, XCAP_URI_ENOENT);
			case DS_XUI:
				seterr(err, errlen, "no XUI after \"users\"");
				return parse_fail(u, XCAP_URI_ENOENT);
			case DS_DOC:
				if (slash == NULL) {
					seterr(err, errlen, "no document name "
					    "(the path ends with '/')");
					return parse_fail(u, XCAP_URI_ENOENT);
				}
				seterr(err, errlen, "empty path segment at "
				    "offset %zu", off);
				return parse_fail(u, XCAP_URI_EBAD);
			}
		}
		switch (st) {
		case DS_AUID:
			if ((dst = store_room(u, XCAP_AUID_MAX, err,
			    errlen)) == NULL ||
			    (n = pct_decode(p, seglen, off, dst, XCAP_AUID_MAX,
			    XCAP_AUID_MAX, "AUID", err, errlen)) < 0)
				return parse_fail(u, XCAP_URI_EBAD);
			/* Choice: AUIDs are tokens of pchar (RFC 4825 §5.1
			 * [R]); every registered one is plain ASCII. */
			for (i = 0; i < (size_t)n; i++) {
				if (!is_pchar((unsigned char)dst[i])) {
					seterr(err, errlen, "AUID: character "
					    "0x%02x not allowed",
					    (unsigned char)dst[i]);
					return parse_fail(u, XCAP_URI_EBAD);
				}
			}
			if (is_dot_segment(dst)) {
				seterr(err, errlen, "AUID: \".\" and \"..\" "
				    "are not allowed");
				return parse_fail(u, XCAP_URI_EBAD);
			}
			u->auid = store_keep(u, (size_t)n);
			st = DS_TREE;
			break;
		case DS_TREE:
			if (pct_decode(p, seglen, off, tbuf, 6, 6, "tree", err,
			    errlen) < 0 ||
			    (strcmp(tbuf, "users") != 0 &&
			    strcmp(tbuf, "global") != 0)) {
				seterr(err, errlen, "the segment after the "
				    "AUID must be \"users\" or \"global\"");
				return parse_fail(u, XCAP_URI_ENOENT);
			}
			if (strcmp(tbuf, "users") == 0) {
				u->tree = XCAP_TREE_USERS;
				st = DS_XUI;
			} else {
				u->tree = XCAP_TREE_GLOBAL;
				st = DS_DOC;
			}
			break;
		case DS_XUI:
			if ((dst = store_room(u, XCAP_XUI_MAX, err,
			    errlen)) == NULL ||
			    pct_decode(p, seglen, off, dst, XCAP_XUI_MAX,
			    XCAP_XUI_MAX, "XUI", err, errlen) < 0 ||
			    check_text(dst, "XUI", 0, err, errlen) == -1)
				return parse_fail(u, XCAP_URI_EBAD);
			if (is_dot_segment(dst)) {
				seterr(err, errlen, "XUI: \".\" and \"..\" are "
				    "not allowed");
				return parse_fail(u, XCAP_URI_EBAD);
			}
			/* An encoded '/' stays: the XUI is one segment. */
			u->xui = store_keep(u, strlen(dst));
			st = DS_DOC;
			break;
		case DS_DOC:
			if (ndoc == XCAP_DOC_MAX_SEGS) {
				seterr(err, errlen, "document path: too many "
				    "segments (max %d)", XCAP_DOC_MAX_SEGS);
				return parse_fail(u, XCAP_URI_EBAD);
			}
			if (doc == NULL && (doc = store_room(u, XCAP_DOC_MAX,
			    err, errlen)) == NULL)
				return parse_fail(u, XCAP_URI_EBAD);
			if (ndoc > 0) {
				if (doclen == XCAP_DOC_MAX) {
					seterr(err, errlen, "document path too "
					    "long (max %d octets)",
					    XCAP_DOC_MAX);
					return parse_fail(u, XCAP_URI_EBAD);
				}
				doc[doclen++] = '/';
			}
			if ((n = pct_decode(p, seglen, off, doc + doclen,
			    XCAP_DOC_MAX - doclen, XCAP_DOC_MAX,
			    "document path", err, errlen)) < 0 ||
			    check_text(doc + doclen, "document path", 0, err,
			    errlen) == -1)
				return parse_fail(u, XCAP_URI_EBAD);
			/* Choice: "a%2Fb" would alias the path "a/b". */
			if (memchr(doc + doclen, '/', (size_t)n) != NULL) {
				seterr(err, errlen, "document path: encoded "
				    "'/' in a segment at offset %zu", off);
				return parse_fail(u, XCAP_URI_EBAD);
			}
			if (is_dot_segment(doc + doclen)) {
				seterr(err, errlen, "document path: \".\" and "
				    "\"..\" segments are not allowed");
				return parse_fail(u, XCAP_URI_EBAD);
			}
			doclen += (size_t)n;
			ndoc++;
			break;
		}
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	if (u->auid == NULL) {		/* "~~" right after the root */
		seterr(err, errlen, "no AUID after the XCAP root");
		return parse_fail(u, XCAP_URI_ENOENT);
	}
	switch (st) {
	case DS_AUID:	/* not reached: the AUID is set */
	case DS_TREE:
		seterr(err, errlen, "no \"users\" or \"global\" after the "
		    "AUID");
		return parse_fail(u, XCAP_URI_ENOENT);
	case DS_XUI:
		seterr(err, errlen, "no XUI after \"users\"");
		return parse_fail(u, XCAP_URI_ENOENT);
	case DS_DOC:
		if (ndoc == 0) {
			seterr(err, errlen, "no document name");
			return parse_fail(u, XCAP_URI_ENOENT);
		}
		break;
	}
	u->doc = store_keep(u, doclen);
	u->docname = strrchr(u->doc, '/') != NULL ?
	    strrchr(u->doc, '/') + 1 : u->doc;

	/* The node selector: decoded as a whole, then parsed. */
	if (sel != NULL) {
		if (sel == end) {
			seterr(err, errlen, "empty node selector after \"~~\"");
			return parse_fail(u, XCAP_URI_EBAD);
		}
		if ((dst = store_room(u, XCAP_SEL_MAX, err, errlen)) == NULL ||
		    (n = pct_decode(sel, (size_t)(end - sel),
		    (size_t)(sel - target), dst, XCAP_SEL_MAX,
		    XCAP_SEL_MAX, "node selector", err, errlen)) < 0 ||
		    check_text(dst, "node selector", 1, err, errlen) == -1)
			return parse_fail(u, XCAP_URI_EBAD);
		u->selector = store_keep(u, (size_t)n);
		u->has_node_selector = 1;
		if (parse_selector(u, u->selector, err, errlen) == -1)
			return parse_fail(u, XCAP_URI_EBAD);
	}

	/* The query: namespace bindings for the node selector. */
	if (query != NULL && query[1] != '\0') {
		if (!u->has_node_selector) {
			/* Choice, as Mobicents: bindings only make sense
			 * with a node selector, anything else is an error. */
			seterr(err, errlen, "a query is only allowed with a "
			    "node selector");
			return parse_fail(u, XCAP_URI_EBAD);
		}
		if (pct_decode(query + 1, strlen(query + 1),
		    (size_t)(query + 1 - target), qbuf, XCAP_QUERY_MAX,
		    XCAP_QUERY_MAX, "query", err, errlen) < 0 ||
		    check_text(qbuf, "query", 1, err, errlen) == -1 ||
		    parse_query(u, qbuf, err, errlen) == -1)
			return parse_fail(u, XCAP_URI_EBAD);
	}
	u->parsed_used = u->used;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Namespace resolution                                                   */

static const char *
lookup_prefix(const struct xcap_uri *u, const char *prefix)
{
	size_t i;

	for (i = 0; i < u->nns; i++)
		if (strcmp(u->ns[i].prefix, prefix) == 0)
			return u->ns[i].uri;
	if (strcmp(prefix, "xml") == 0)
		return XCAP_XML_NS;
	return NULL;
}

/* `q`'s namespace: `unprefixed` when it has no prefix. */
static int
resolve_qname(const struct xcap_uri *u, struct xcap_qname *q,
    const char *unprefixed, char *err, size_t errlen)
{
	if (q->prefix == NULL) {
		q->ns = unprefixed;
		return 0;
	}
	if ((q->ns = lookup_prefix(u, q->prefix)) == NULL) {
		seterr(err, errlen, "unbound prefix %s: no xmlns() in the "
		    "query binds it", q->prefix);
		return -1;
	}
	return 0;
}

int
xcap_uri_resolve(struct xcap_uri *u, const char *default_ns, char *err,
    size_t errlen)
{
	const char *dns = NULL;
	size_t i, len;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	u->resolved = 0;
	u->used = u->parsed_used;	/* drop an earlier default namespace */
	if (default_ns != NULL && default_ns[0] != '\0') {
		if ((len = strlen(default_ns)) > XCAP_NS_URI_MAX) {
			seterr(err, errlen, "default namespace too long (max "
			    "%d octets)", XCAP_NS_URI_MAX);
			return -1;
		}
		if ((dns = store_dup(u, default_ns, len, err, errlen)) == NULL)
			return -1;
	}
	for (i = 0; i < u->nsteps; i++) {
		struct xcap_step *st = &u->step[i];

		/* RFC 4825 §6.3/§5.2: unprefixed element names are in the
		 * AUID's default document namespace, not in whatever the
		 * stored document declares; attribute names without a
		 * prefix are in no namespace. */
		if (st->any)
			st->name.ns = NULL;
		else if (resolve_qname(u, &st->name, dns, err, errlen) == -1)
			return -1;
		if (st->has_attr &&
		    resolve_qname(u, &st->attr, NULL, err, errlen) == -1)
			return -1;
	}
	if (u->terminal == XCAP_TERM_ATTRIBUTE &&
	    resolve_qname(u, &u->term_attr, NULL, err, errlen) == -1)
		return -1;
	u->resolved = 1;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Canonical form                                                         */

struct wbuf {
	char	*buf;
	size_t	 size;
	size_t	 len;
	int	 failed;
};

static void
put_mem(struct wbuf *w, const char *s, size_t n)
{
	if (w->failed || w->size - w->len <= n) {
		w->failed = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void
put_str(struct wbuf *w, const char *s)
{
	put_mem(w, s, strlen(s));
}

/*
 * Append `n` octets of `s` percent-encoded: pchar stays raw, and so does
 * each character of `keep` ("/" for paths, "/?" for the query).
 */
static void
put_enc(struct wbuf *w, const char *s, size_t n, const char *keep)
{
	static const char hx[] = "0123456789ABCDEF";
	char e[3];
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (is_pchar(c) || (c != '\0' && strchr(keep, c) != NULL)) {
			e[0] = (char)c;
			put_mem(w, e, 1);
		} else {
			e[0] = '%';
			e[1] = hx[c >> 4];
			e[2] = hx[c & 15];
			put_mem(w, e, 3);
		}
	}
}

/* A QName of the selector, percent-encoded for the path. */
static void
put_qname(struct wbuf *w, const struct xcap_qname *q)
{
	if (q->prefix != NULL) {
		put_enc(w, q->prefix, strlen(q->prefix), "");
		put_str(w, ":");
	}
	put_enc(w, q->local, strlen(q->local), "");
}

int
xcap_uri_format(const struct xcap_uri *u, const char *root, size_t nsteps,
    int with_terminal, char *out, size_t outlen)
{
	struct wbuf w = { out, outlen, 0, 0 };
	const struct xcap_step *st;
	const char *s;
	char num[32];
	size_t i, rlen;

	if (outlen == 0 || u->auid == NULL || nsteps > u->nsteps ||
	    (with_terminal && nsteps != u->nsteps))
		return -1;
	out[0] = '\0';
	rlen = strlen(root);
	while (rlen > 0 && root[rlen - 1] == '/')
		rlen--;
	put_mem(&w, root, rlen);
	put_str(&w, "/");
	put_enc(&w, u->auid, strlen(u->auid), "");
	if (u->tree == XCAP_TREE_USERS) {
		put_str(&w, "/users/");
		put_enc(&w, u->xui, strlen(u->xui), "");
	} else
		put_str(&w, "/global");
	put_str(&w, "/");
	put_enc(&w, u->doc, strlen(u->doc), "/");
	if (nsteps > 0) {
		put_str(&w, "/~~");
		for (i = 0; i < nsteps; i++) {
			st = &u->step[i];
			put_str(&w, "/");
			put_qname(&w, &st->name);
			if (st->has_position) {
				snprintf(num, sizeof(num), "%%5B%lu%%5D",
				    st->position);
				put_str(&w, num);
			}
			if (!st->has_attr)
				continue;
			put_str(&w, "%5B@");
			put_qname(&w, &st->attr);
			put_str(&w, "=%22");
			/* AttValue in double quotes: '"', '&' and '<' as
			 * references, then percent-encoded ('/' may stay:
			 * the selector is parsed quote-aware). */
			for (s = st->value; *s != '\0'; s++) {
				if (*s == '"')
					put_str(&w, "&quot;");
				else if (*s == '&')
					put_str(&w, "&amp;");
				else if (*s == '<')
					put_str(&w, "&lt;");
				else
					put_enc(&w, s, 1, "/");
			}
			put_str(&w, "%22%5D");
		}
		if (with_terminal && u->terminal == XCAP_TERM_ATTRIBUTE) {
			put_str(&w, "/@");
			put_qname(&w, &u->term_attr);
		} else if (with_terminal && u->terminal == XCAP_TERM_NAMESPACE)
			put_str(&w, "/namespace::*");
		for (i = 0; i < u->nns; i++) {
			put_str(&w, i == 0 ? "?xmlns(" : "xmlns(");
			put_enc(&w, u->ns[i].prefix, strlen(u->ns[i].prefix),
			    "");
			put_str(&w, "=");
			for (s = u->ns[i].uri; *s != '\0'; s++) {
				if (*s == '(' || *s == ')' || *s == '^')
					put_str(&w, "%5E");
				put_enc(&w, s, 1, "/?");
			}
			put_str(&w, ")");
		}
	}
	if (w.failed)
		return -1;
	return (int)w.len;
}
