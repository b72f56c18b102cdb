/*
 * xcap_uri.h — XCAP resource URIs (RFC 4825 §6): the document selector
 * (AUID, "users"/<XUI> or "global", document path), the "~~" node-selector
 * separator, the node selector (§6.3, an XPath subset) and the xmlns()
 * namespace bindings of the query (§6.4, W3C XPointer xmlns() scheme).
 *
 * Pure parsing, no XML library: the result is a structure that the XCAP
 * server evaluates against its documents and that names each step's
 * namespace after xcap_uri_resolve(). Nothing here allocates; a parsed
 * URI is one fixed struct holding every decoded string in its own store.
 */
#ifndef UTSTACK_XCAP_URI_H
#define UTSTACK_XCAP_URI_H

#include <stddef.h>

/* Caps. Lengths are octets without the NUL; "decoded" means after
 * percent-decoding (and, for attribute values, after XML references). */
#define XCAP_URI_MAX_LEN	8192	/* whole request-target, as received */
#define XCAP_AUID_MAX		128	/* decoded AUID */
#define XCAP_XUI_MAX		512	/* decoded XUI */
#define XCAP_DOC_MAX		1024	/* decoded document path, "dir/doc" */
#define XCAP_DOC_MAX_SEGS	16	/* segments of the document path */
#define XCAP_SEL_MAX		4096	/* decoded node selector */
#define XCAP_MAX_STEPS		32	/* element steps of a node selector */
#define XCAP_NAME_MAX		256	/* one NCName: a prefix or local part */
#define XCAP_VALUE_MAX		2048	/* one attribute-test value */
#define XCAP_QUERY_MAX		4096	/* decoded query */
#define XCAP_MAX_NS		16	/* xmlns() bindings in the query */
#define XCAP_MAX_PARTS		32	/* XPointer parts in the query */
#define XCAP_NS_URI_MAX		512	/* one namespace name */
#define XCAP_POS_MAX		2147483647UL	/* largest position [N] */

/* Return codes of xcap_uri_parse() besides 0. */
#define XCAP_URI_EBAD		(-1)	/* malformed: the server answers 400 */
#define XCAP_URI_ENOENT		(-2)	/* well-formed, but names no XCAP
					 * document (outside the root, no
					 * AUID, tree not users/global, no
					 * XUI, no document): 404 */

/* The namespace name of the "xml" prefix, bound in every XPath context. */
#define XCAP_XML_NS		"http://www.w3.org/XML/1998/namespace"

enum xcap_tree {
	XCAP_TREE_USERS,
	XCAP_TREE_GLOBAL
};

/* What the node selector addresses (RFC 4825 §6.3 terminal-selector). */
enum xcap_terminal {
	XCAP_TERM_ELEMENT,	/* no terminal selector: the last step */
	XCAP_TERM_ATTRIBUTE,	/* ".../@name" */
	XCAP_TERM_NAMESPACE	/* ".../namespace::*" */
};

/*
 * A QName of the selector. `prefix` is NULL when unprefixed; `local` is
 * "*" for a wildcard step (see xcap_step.any). `ns` is set by
 * xcap_uri_resolve(): the namespace name, or NULL for "no namespace"
 * (and for a wildcard, which matches any element).
 */
struct xcap_qname {
	const char	*prefix;
	const char	*local;
	const char	*ns;
};

/*
 * One element step: NameorAny, then an optional position and an optional
 * attribute test, in that order (by-name, by-pos, by-attr, by-pos-attr).
 * Predicates apply in XPath order: the position-th matching child, then
 * the attribute test on it.
 */
struct xcap_step {
	struct xcap_qname	 name;
	int			 any;		/* "*": any element */
	int			 has_position;	/* [N] given */
	unsigned long		 position;	/* N; [0] parses (RFC 4825's
						 * grammar allows it) and selects
						 * nothing */
	int			 has_attr;	/* [@attr="value"] present */
	struct xcap_qname	 attr;		/* unprefixed: no namespace */
	const char		*value;		/* decoded AttValue */
};

/* One xmlns(prefix=uri) part of the query. */
struct xcap_ns_binding {
	const char	*prefix;
	const char	*uri;
};

/*
 * A parsed XCAP URI. Every string points into `store`, inside the struct
 * itself: do not copy the struct by assignment or memcpy (the copy would
 * point into the original). Every string is NUL-terminated, valid UTF-8,
 * free of control characters and within its cap.
 */
struct xcap_uri {
	const char		*auid;
	enum xcap_tree		 tree;
	const char		*xui;		/* users tree; NULL for global */
	const char		*doc;		/* document path: "index", "d/x" */
	const char		*docname;	/* its last segment, inside doc */

	int			 has_node_selector;
	const char		*selector;	/* decoded node selector text */
	size_t			 nsteps;	/* >= 1 with a node selector */
	struct xcap_step	 step[XCAP_MAX_STEPS];
	enum xcap_terminal	 terminal;
	struct xcap_qname	 term_attr;	/* XCAP_TERM_ATTRIBUTE only */

	size_t			 nns;		/* xmlns() bindings, in order */
	struct xcap_ns_binding	 ns[XCAP_MAX_NS];

	int			 resolved;	/* xcap_uri_resolve() succeeded */

	/* Private: the string store. Every piece is a decoded substring of
	 * the target, and the pieces overlap only where the selector's text
	 * and its steps are both kept, so this bound is never reached. */
	size_t			 used;
	size_t			 parsed_used;	/* `used` after parsing */
	char			 store[2 * XCAP_URI_MAX_LEN +
				    6 * XCAP_MAX_STEPS + 4 * XCAP_MAX_NS +
				    XCAP_NS_URI_MAX + 64];
};

/*
 * Parse `target`, the request-target as received (origin form: absolute
 * path and optional "?query", not yet decoded, NUL-terminated, at most
 * XCAP_URI_MAX_LEN octets), under the XCAP root path `root` (e.g.
 * "/xcap-root"; a trailing "/" is ignored; "/" or "" for a root at the
 * server's top), into `out`.
 *
 * Raw characters allowed: RFC 3986 pchar, "/", "%" escapes and, in the
 * query, "?"; raw '[', ']', '"' (and '^' in the query) are accepted too
 * because deployed clients send them unencoded. Each document-selector
 * segment is percent-decoded on its own (an encoded "/" is refused in the
 * AUID and the document path, kept in the XUI); the segment "~~" (also
 * when encoded) starts the node selector, which is decoded as a whole and
 * then parsed respecting quotes, so attribute values may hold "/", "[",
 * "]" and "~~". The query is decoded as a whole, then read as XPointer
 * parts (^-escapes, balanced parentheses); xmlns() parts bind prefixes,
 * parts of other schemes are skipped as the XPointer framework says.
 *
 * Node selector, RFC 4825 §6.3:
 *   step *("/" step) ["/" ("@" QName / "namespace::*")]
 *   step = (QName / "*") ["[" 1*DIGIT "]"] ["[" "@" QName "=" AttValue "]"]
 * AttValue is XML's: "..." or '...', the other quote allowed inside,
 * '<' not allowed, '&' only as a reference (&lt; &gt; &amp; &apos; &quot;,
 * &#N; &#xH;), which is decoded. No whitespace outside values.
 *
 * Returns 0; XCAP_URI_ENOENT when the target names no XCAP document (not
 * under `root`, no AUID, tree other than "users"/"global", no XUI, no
 * document); or XCAP_URI_EBAD for anything malformed: characters not
 * allowed, bad or NUL/control-producing escapes, invalid UTF-8, "." or
 * ".." or empty segments, overlong parts, selector syntax, a query
 * without node selector, bad query syntax, duplicate or reserved
 * prefixes. On failure a one-line reason is in `err` (`errlen` octets,
 * always NUL-terminated when errlen > 0; may be NULL) and `out` (not
 * NULL) holds no usable result. Offsets in reasons count octets of the
 * request-target, except in "node selector:" and "query:" reasons, which
 * count in the decoded selector or query.
 */
int	xcap_uri_parse(const char *target, const char *root,
	    struct xcap_uri *out, char *err, size_t errlen);

/*
 * Fill the `ns` of every QName of `u`'s node selector (RFC 4825 §6.3,
 * §6.4, §5.2): an unprefixed element name is in `default_ns`, the AUID's
 * default document namespace (NULL or "" for none), copied into `u`; an
 * unprefixed attribute name is in no namespace (NULL); a prefix is
 * looked up in the query's xmlns() bindings, "xml" is always bound to
 * XCAP_XML_NS; a wildcard step gets NULL. May be called again (e.g. with
 * another default namespace).
 * Returns 0, or -1 with a reason in `err` for a prefix that is not bound
 * (the server answers 400) or a default namespace longer than
 * XCAP_NS_URI_MAX.
 */
int	xcap_uri_resolve(struct xcap_uri *u, const char *default_ns,
	    char *err, size_t errlen);

/*
 * Write the canonical request-target of `u`, or of an ancestor of it,
 * into `out` (`outlen` octets, NUL-terminated; the caller owns it):
 * `root`, then the document selector, then, when `nsteps` > 0, "/~~/"
 * and the first `nsteps` element steps, with the terminal selector when
 * `with_terminal` is set and nsteps == u->nsteps, and the query rebuilt
 * from every xmlns() binding. Used for <no-parent><ancestor> reports
 * (RFC 4825 §11) and xcap-diff selectors. Values are written in double
 * quotes with '"', '&' and '<' as references; everything outside RFC 3986
 * pchar (and '/' within the XUI and document names) is percent-encoded,
 * so the output parses back to the same fields.
 * Returns the length written, or -1 when `out` is too small, `nsteps`
 * exceeds u->nsteps, or with_terminal is asked of a shortened selector.
 */
int	xcap_uri_format(const struct xcap_uri *u, const char *root,
	    size_t nsteps, int with_terminal, char *out, size_t outlen);

/* Reset `u` (may be NULL) to an empty, unparsed state. */
void	xcap_uri_clear(struct xcap_uri *u);

#endif
