/*
 * presence_node.h — the XCAP node engine of the presence server: GET, PUT
 * and DELETE of elements and attributes, and GET of namespace bindings,
 * inside one stored document (RFC 4825 §6.3, §7.3–§7.10, §8.2–§8.4, §10).
 *
 * Pure functions: a document's exact bytes and a parsed, namespace-
 * resolved selector (common/xcap_uri.h) in, an answer body or the new
 * document's bytes out. No I/O, no global state. Edits splice the stored
 * text at byte offsets, so every octet outside the edited node stays as
 * it was (XCAP.md §5: no re-serialisation). The input is never modified;
 * on failure `out` is left empty.
 *
 * Not done here (the caller's job): the document's existence, ETags and
 * conditions, authorisation, the AUID's schema and constraints on the
 * resulting document, caps on request bodies.
 *
 * Behaviour chosen where XCAP.md leaves room (see presence_node.c for the
 * reasons):
 *  - selection is XPath node-set evaluation; a selector must name exactly
 *    one node: none or several → 404 (also a PUT whose selector or whose
 *    parent selector matches several elements);
 *  - an element PUT body may carry whitespace around the one element,
 *    which is dropped; anything else around it → not-xml-frag;
 *  - an attribute body is the value as it appears between the quotes
 *    (XML AttValue without its quotes: '<' not allowed, '&' only as a
 *    reference); GET of an attribute returns those bytes unchanged;
 *  - DELETE removes exactly the element's bytes (no whitespace around it,
 *    as OpenXCAP), or an attribute with the whitespace before it;
 *  - deleting the root element → 409 cannot-delete;
 *  - PUT or DELETE of namespace::* → 405.
 */
#ifndef UTSTACK_PRESENCE_NODE_H
#define UTSTACK_PRESENCE_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct xcap_uri;

#define PRES_NODE_MIME_EL	"application/xcap-el+xml"
#define PRES_NODE_MIME_ATT	"application/xcap-att+xml"
#define PRES_NODE_MIME_NS	"application/xcap-ns+xml"
#define PRES_NODE_MIME_ERROR	"application/xcap-error+xml"
#define PRES_NODE_NS_ERROR	"urn:ietf:params:xml:ns:xcap-error"

/*
 * Why an operation failed. `status` is the HTTP status: 400 (selector
 * without node selector or not resolved — a caller bug), 404, 405 (PUT or
 * DELETE of namespace bindings), 409 (then `tag` names the xcap-error
 * element, RFC 4825 §11: "not-xml-frag", "not-xml-att-value", "not-utf-8",
 * "no-parent", "cannot-insert", "cannot-delete", "constraint-failure"),
 * 415 (wrong Content-Type), 500 (stored document unreadable, out of
 * memory). `phrase` is a one-line reason about the requester's own
 * document, fit for the phrase attribute and for logs.
 */
struct pres_node_err {
	int		 status;
	const char	*tag;		/* static string; NULL unless 409 */
	char		 phrase[256];
	/*
	 * no-parent: how many leading element steps of the selector name
	 * the closest existing ancestor (0: the document itself). The
	 * caller builds <ancestor> with xcap_uri_format(u, root,
	 * ancestor_steps, 0, ...).
	 */
	size_t		 ancestor_steps;
};

enum pres_node_kind {
	PRES_NODE_ELEMENT,
	PRES_NODE_ATTRIBUTE,
	PRES_NODE_NAMESPACES
};

/*
 * Where a selected node is in the document, as byte offsets into it
 * (half-open ranges [start, end)).
 */
struct pres_node_loc {
	enum pres_node_kind	 kind;
	/* The selected element, or the one holding the attribute or the
	 * bindings: from its '<' to past its end tag (or past "/>"). */
	size_t			 el_start, el_end;
	size_t			 stag_end;	/* past its start tag's '>' */
	/* Attribute only: name="value" from the name to past the closing
	 * quote, and the value between the quotes. */
	size_t			 att_start, att_end;
	size_t			 val_start, val_end;
};

/*
 * The Content-Type an element, attribute or namespace-bindings resource
 * of `u` has (PRES_NODE_MIME_*): what GET answers with and what PUT
 * requires. `u` must have a node selector.
 */
const char *pres_node_mime(const struct xcap_uri *u);

/*
 * Find the node `u` selects in the `len` octets at `doc` (a stored,
 * well-formed document). `u` must have a node selector and be resolved
 * (xcap_uri_resolve()). Returns 0 with `loc` filled, or -1 with `err`
 * (404 when nothing or several nodes are selected, 500 when the document
 * cannot be read).
 */
int	pres_node_locate(const uint8_t *doc, size_t len,
	    const struct xcap_uri *u, struct pres_node_loc *loc,
	    struct pres_node_err *err);

/*
 * GET (RFC 4825 §8.3): append the selected node's representation to
 * `out` (empty on entry; the caller owns it and its cap) and set
 * `*mime` (static string) to its Content-Type: an element's exact bytes
 * (application/xcap-el+xml); an attribute's value exactly as it appears
 * between its quotes (application/xcap-att+xml); for namespace::*, an
 * empty element of the selected element's name declaring every namespace
 * in scope there (application/xcap-ns+xml, RFC 4825 §10).
 * Returns 0, or -1 with `err` (404, 500) and `out` empty.
 */
int	pres_node_get(const uint8_t *doc, size_t len, const struct xcap_uri *u,
	    struct buf *out, const char **mime, struct pres_node_err *err);

/*
 * PUT of an element or an attribute (RFC 4825 §8.2): write into `out`
 * (empty on entry) the whole new document, `len`+`blen` octets or so,
 * refused with 409 constraint-failure beyond out->max. `ctype` is the
 * request's Content-Type (NULL when absent); it must be the one of
 * pres_node_mime(u), parameters and case ignored, else 415.
 *
 * Element (`body` = one element, evaluated in the context of the
 * parent's namespace declarations): replaces the selected element, or,
 * when nothing is selected but the parent is, inserts it as RFC 4825
 * §8.2.3 says (after the last sibling matching the last step's name
 * test, else as the parent's last child; with a position N, so that it
 * becomes the N-th match). Attribute (`body` = the value): replaces or
 * adds it on the selected element.
 * Afterwards the same URI must select exactly the written node (GET after
 * PUT returns the body), else 409 cannot-insert.
 *
 * `*created` is 1 for an insertion (201), 0 for a replacement (200).
 * Returns 0, or -1 with `err`: 404, 405, 415, 409 not-xml-frag /
 * not-xml-att-value / not-utf-8 / no-parent (with ancestor_steps) /
 * cannot-insert / constraint-failure, 500; `out` is then empty.
 */
int	pres_node_put(const uint8_t *doc, size_t len, const struct xcap_uri *u,
	    const char *ctype, const uint8_t *body, size_t blen,
	    struct buf *out, int *created, struct pres_node_err *err);

/*
 * DELETE of an element or an attribute (RFC 4825 §8.4): write the new
 * document into `out` (empty on entry). Afterwards the URI must select
 * nothing, else 409 cannot-delete (e.g. entry[2] while entry[3] exists).
 * Returns 0, or -1 with `err` (404, 405, 409 cannot-delete, 500) and
 * `out` empty.
 */
int	pres_node_delete(const uint8_t *doc, size_t len,
	    const struct xcap_uri *u, struct buf *out,
	    struct pres_node_err *err);

/*
 * Append an application/xcap-error+xml body (RFC 4825 §11) to `out`:
 * <xcap-error xmlns="urn:ietf:params:xml:ns:xcap-error"> holding one
 * element `tag` (one of the §11 names: not-well-formed, not-xml-frag,
 * not-xml-att-value, not-utf-8, no-parent, cannot-insert, cannot-delete,
 * schema-validation-error, uniqueness-failure, constraint-failure,
 * extension) with a `phrase` attribute when `phrase` is non-empty. For
 * no-parent, `ancestor` (an absolute URI, may be NULL) becomes its
 * <ancestor> child; for uniqueness-failure, `field` (may be NULL) becomes
 * <exists field="..."> with `alt` (may be NULL) as its <alt-value>s,
 * one per line of `alt` (several free values may be suggested).
 * Text is escaped; control characters in `phrase` become spaces.
 * Returns 0, or -1 (unknown tag, cap of `out` reached).
 */
int	pres_node_error_body(struct buf *out, const char *tag,
	    const char *phrase, const char *ancestor, const char *field,
	    const char *alt);

#endif
