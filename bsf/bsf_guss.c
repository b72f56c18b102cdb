/*
 * bsf_guss.c — the GBA User Security Settings from the HSS (TS 29.109
 * Annex A; GBA.md §4.6): checking the document that arrives on Zh, its
 * session lifetime (bsfInfo/lifeTime), and the Zn form for one NAF group
 * (root `ussList`, only that group's USSs, 29.109 §6.3.1.1 and the
 * GBA-UserSecSettings AVP).
 *
 * Parsed only through xml_parse(): size capped at BSF_GUSS_MAX, no
 * network, no DTD, no entities. Elements are matched by namespace and
 * local name, so a prefixed GUSS reads the same as one in the default
 * namespace; unknown elements (Extension, other namespaces) are ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "bsf.h"
#include "xml.h"

#define GUSS_NS			"urn:3gpp:gba:GBAGUSSSchema-R9:2010-02"
#define GUSS_LIFETIME_MAX	(3650LL * 86400)	/* ten years, s */

/* `n` is an element `name` of the GUSS namespace. */
static int
is_guss(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, GUSS_NS) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/* The only child element `name` of `parent`: 0 and *out (NULL when
 * absent), or -1 when it occurs twice. */
static int
only_child(const xmlNode *parent, const char *name, xmlNode **out,
    char *err, size_t errlen)
{
	xmlNode *c;

	*out = NULL;
	for (c = parent->children; c != NULL; c = c->next) {
		if (!is_guss(c, name))
			continue;
		if (*out != NULL) {
			snprintf(err, errlen, "GUSS line %ld: more than one %s in "
			    "%s", xmlGetLineNo(c), name,
			    (const char *)parent->name);
			return -1;
		}
		*out = c;
	}
	return 0;
}

/* Parse `xml` and find its root `guss` and the ussList under it (which
 * may be absent). Caller frees *doc with xml_doc_free(). */
static int
guss_open(const char *xml, size_t len, xmlDoc **doc, xmlNode **root,
    xmlNode **uss_list, char *err, size_t errlen)
{
	char why[256];

	if ((*doc = xml_parse(xml, len, BSF_GUSS_MAX, why, sizeof(why))) ==
	    NULL) {
		snprintf(err, errlen, "GUSS %s", why);
		return -1;
	}
	*root = xmlDocGetRootElement(*doc);
	if (*root == NULL || !is_guss(*root, "guss")) {
		snprintf(err, errlen, "GUSS root element is {%s}%s, not {"
		    GUSS_NS "}guss", *root != NULL && (*root)->ns != NULL ?
		    (const char *)(*root)->ns->href : "",
		    *root != NULL ? (const char *)(*root)->name : "(none)");
		goto fail;
	}
	if (only_child(*root, "ussList", uss_list, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	xml_doc_free(*doc);
	*doc = NULL;
	return -1;
}

/* bsfInfo/lifeTime: an xs:integer, here 1 s .. ten years. */
static int
parse_lifetime(const xmlNode *root, long long *lifetime, char *err,
    size_t errlen)
{
	xmlNode *info, *lt;
	xmlChar *text;
	const char *p;
	char *end;
	long long v;
	int ok;

	*lifetime = 0;
	if (only_child(root, "bsfInfo", &info, err, errlen) != 0)
		return -1;
	if (info == NULL)
		return 0;
	if (only_child(info, "lifeTime", &lt, err, errlen) != 0)
		return -1;
	if (lt == NULL)
		return 0;
	if ((text = xmlNodeGetContent(lt)) == NULL) {
		snprintf(err, errlen, "GUSS: out of memory");
		return -1;
	}
	/* xs:integer collapses surrounding whitespace; only digits inside
	 * (no sign, no exponent: strtoll alone would take "+5" and " 5"). */
	p = (const char *)text;
	p += strspn(p, " \t\r\n");
	ok = *p >= '0' && *p <= '9';
	v = ok ? strtoll(p, &end, 10) : 0;
	if (ok)
		ok = end[strspn(end, " \t\r\n")] == '\0' && v >= 1 &&
		    v <= GUSS_LIFETIME_MAX;
	if (!ok)
		snprintf(err, errlen, "GUSS line %ld: bsfInfo/lifeTime '%.32s' "
		    "is not a lifetime of 1..%lld s", xmlGetLineNo(lt),
		    (const char *)text, GUSS_LIFETIME_MAX);
	xmlFree(text);
	if (!ok)
		return -1;
	*lifetime = v;
	return 0;
}

int
bsf_guss_parse(const char *xml, size_t len, struct bsf_guss_info *info,
    char *err, size_t errlen)
{
	xmlDoc *doc;
	xmlNode *root, *list, *c;

	memset(info, 0, sizeof(*info));
	if (guss_open(xml, len, &doc, &root, &list, err, errlen) != 0)
		return -1;
	if (parse_lifetime(root, &info->lifetime, err, errlen) != 0) {
		xml_doc_free(doc);
		return -1;
	}
	for (c = list != NULL ? list->children : NULL; c != NULL; c = c->next)
		if (is_guss(c, "uss"))
			info->n_uss++;
	xml_doc_free(doc);
	return 0;
}

/*
 * `copy` (a child of `top`, which declares the GUSS namespace as default)
 * came from xmlDocCopyNode, which declares on the copy every namespace it
 * uses from outside itself. A default GUSS declaration there repeats the
 * parent's: point its users at the parent's and drop it, so that a USS
 * from the usual (default-namespace) GUSS is written exactly as it came.
 */
static void
drop_redundant_ns(xmlNode *copy, xmlNs *top_ns)
{
	xmlNs **pp, *d = NULL;
	xmlNode *n;
	xmlAttr *a;

	for (pp = &copy->nsDef; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->prefix == NULL && (*pp)->href != NULL &&
		    strcmp((const char *)(*pp)->href, GUSS_NS) == 0) {
			d = *pp;
			*pp = d->next;
			d->next = NULL;
			break;
		}
	if (d == NULL)
		return;
	/* Pre-order walk of the copy without recursion. */
	n = copy;
	while (n != NULL) {
		if (n->type == XML_ELEMENT_NODE) {
			if (n->ns == d)
				n->ns = top_ns;
			for (a = n->properties; a != NULL; a = a->next)
				if (a->ns == d)
					a->ns = top_ns;
		}
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != copy && n->next == NULL)
			n = n->parent;
		n = n == copy ? NULL : n->next;
	}
	xmlFreeNs(d);
}

int
bsf_guss_uss_list(const char *xml, size_t len, const char *naf_group,
    struct buf *out, char *err, size_t errlen)
{
	xmlDoc *doc, *zn = NULL;
	xmlNode *root, *list, *c, *top, *copy;
	xmlNs *ns;
	xmlBuffer *xb = NULL;
	xmlChar *group;
	size_t start = out->len;
	int n = 0, match;

	if (guss_open(xml, len, &doc, &root, &list, err, errlen) != 0)
		return -1;
	/*
	 * Each matching <uss> is copied under a ussList declaring the GUSS
	 * namespace as the default one and written out on its own: the copy
	 * declares whatever other namespaces (or GUSS prefix) it uses, so it
	 * reads the same inside the ussList written around it here.
	 * (xmlDOMWrapCloneNode would remap to the parent's declarations but
	 * in libxml2 2.9 drops namespaced attributes' prefixes and leaves
	 * references into the source document: not used.)
	 */
	if ((zn = xmlNewDoc((const xmlChar *)"1.0")) == NULL ||
	    (top = xmlNewDocNode(zn, NULL, (const xmlChar *)"ussList",
	    NULL)) == NULL)
		goto nomem;
	xmlDocSetRootElement(zn, top);
	if ((ns = xmlNewNs(top, (const xmlChar *)GUSS_NS, NULL)) == NULL)
		goto nomem;
	xmlSetNs(top, ns);
	if ((xb = xmlBufferCreate()) == NULL)
		goto nomem;
	if (buf_appendf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ussList xmlns=\"" GUSS_NS "\">") != 0)
		goto toolong;
	for (c = list != NULL ? list->children : NULL; c != NULL; c = c->next) {
		if (!is_guss(c, "uss"))
			continue;
		group = xmlGetNoNsProp(c, (const xmlChar *)"nafGroup");
		match = group != NULL &&
		    strcmp((const char *)group, naf_group) == 0;
		xmlFree(group);
		if (!match)
			continue;
		if ((copy = xmlDocCopyNode(c, zn, 1)) == NULL)
			goto nomem;
		xmlAddChild(top, copy);
		drop_redundant_ns(copy, ns);
		xmlBufferEmpty(xb);
		if (xmlNodeDump(xb, zn, copy, 0, 0) < 0)
			goto nomem;
		if (buf_append(out, xmlBufferContent(xb),
		    (size_t)xmlBufferLength(xb)) != 0)
			goto toolong;
		n++;
	}
	if (buf_appendf(out, "</ussList>") != 0)
		goto toolong;
	xmlBufferFree(xb);
	xmlFreeDoc(zn);
	xml_doc_free(doc);
	return n;
toolong:
	snprintf(err, errlen, "ussList for NAF group '%s' does not fit "
	    "(%zu octets at most)", naf_group, out->max);
	goto fail;
nomem:
	snprintf(err, errlen, "ussList: out of memory");
fail:
	/* Nothing half-written is left behind (not secret: no wipe). */
	out->len = start;
	xmlBufferFree(xb);
	xmlFreeDoc(zn);
	xml_doc_free(doc);
	return -1;
}
