/*
 * xml.h — XML helpers shared by the programs. Writing: escaping text for
 * element content and attribute values. Reading: the one way any program
 * parses XML with libxml2 — size capped first, no network, no DTD at all
 * (so no entity is ever declared, expanded or fetched), errors returned as
 * text instead of printed.
 */
#ifndef UTSTACK_XML_H
#define UTSTACK_XML_H

#include <stddef.h>

#include "buf.h"

struct _xmlDoc;		/* libxml2's xmlDoc; include <libxml/tree.h> to use it */

/*
 * Append `text` to `out` escaped for element content or a double-quoted
 * attribute value: & < > " ' become entities; control characters other
 * than TAB, LF and CR are not allowed in XML 1.0 and make this fail.
 * Returns 0, or -1 (cap reached or bad character; `out` may then hold part).
 */
int	xml_append_escaped(struct buf *out, const char *text);

/*
 * Parse the `len` octets at `buf` (need not be NUL-terminated) as one XML
 * document. Refused before any parsing when `len` exceeds `max` (or is 0).
 * Parsed with XML_PARSE_NONET and without entity substitution, DTD loading,
 * default attributes or XInclude; a document with a DOCTYPE declaration
 * (internal subset or external identifier) is refused as soon as the
 * parser meets it, so entity bombs and external entities never run.
 * Whitespace text nodes are kept. Errors go to `err` ("line N: reason"),
 * never to stderr; no libxml2 global setting is changed.
 * Returns the document (caller frees with xml_doc_free()), or NULL with
 * `err` filled.
 */
struct _xmlDoc *xml_parse(const char *buf, size_t len, size_t max, char *err,
	    size_t errlen);

/* Free a document from xml_parse(). Accepts NULL. */
void	xml_doc_free(struct _xmlDoc *doc);

/* 1 when the root element of `doc` is `name` in namespace `ns`, else 0. */
int	xml_root_is(struct _xmlDoc *doc, const char *ns, const char *name);

/*
 * The text of the first child element of the root called `name` in
 * namespace `ns`, whitespace-trimmed, copied NUL-terminated into `out`
 * (`size` octets). Returns 0, or -1 when absent, holding element children,
 * or too long.
 */
int	xml_child_text(struct _xmlDoc *doc, const char *ns, const char *name,
	    char *out, size_t size);

#endif
