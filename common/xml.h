/*
 * xml.h — XML helpers shared by the programs. Writing: escaping text for
 * element content and attribute values. (Parsing with libxml2, network and
 * entity expansion off, arrives with the first program that parses XML.)
 */
#ifndef UTSTACK_XML_H
#define UTSTACK_XML_H

#include "buf.h"

/*
 * Append `text` to `out` escaped for element content or a double-quoted
 * attribute value: & < > " ' become entities; control characters other
 * than TAB, LF and CR are not allowed in XML 1.0 and make this fail.
 * Returns 0, or -1 (cap reached or bad character; `out` may then hold part).
 */
int	xml_append_escaped(struct buf *out, const char *text);

#endif
