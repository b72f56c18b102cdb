/*
 * xml.c — XML text escaping (XML 1.0 §2.4, §2.2 Char production) and the
 * safe libxml2 parse (XML 1.0 §2.8: a document without a DOCTYPE has no
 * entities beyond the five predefined ones, so none can be expanded or
 * fetched).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "xml.h"

/* libxml2 2.12 made the structured error const. */
#if LIBXML_VERSION >= 21200
#define XML_ERROR_CONST const
#else
#define XML_ERROR_CONST
#endif

/* Per parse, reached from the libxml2 context through ctxt->_private
 * (ctxt->userData must stay the context: the SAX2 handlers expect it). */
struct parse_state {
	char	*err;
	size_t	 errlen;
	int	 failed;	/* err holds the first error */
};

int
xml_append_escaped(struct buf *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t run;

	while (*p != '\0') {
		run = strcspn((const char *)p, "&<>\"'\x01\x02\x03\x04\x05\x06"
		    "\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17"
		    "\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f");
		if (run > 0 && buf_append(out, p, run) != 0)
			return -1;
		p += run;
		switch (*p) {
		case '\0':
			return 0;
		case '&':
			if (buf_append(out, "&amp;", 5) != 0)
				return -1;
			break;
		case '<':
			if (buf_append(out, "&lt;", 4) != 0)
				return -1;
			break;
		case '>':
			if (buf_append(out, "&gt;", 4) != 0)
				return -1;
			break;
		case '"':
			if (buf_append(out, "&quot;", 6) != 0)
				return -1;
			break;
		case '\'':
			if (buf_append(out, "&apos;", 6) != 0)
				return -1;
			break;
		default:
			return -1;	/* not an XML 1.0 character */
		}
		p++;
	}
	return 0;
}

static int
ctxt_line(xmlParserCtxtPtr ctxt)
{
	return ctxt->input != NULL ? ctxt->input->line : 0;
}

/* Structured error handler of this context only: keep the first error;
 * warnings (e.g. a relative namespace URI) are not failures. */
static void
on_error(void *arg, XML_ERROR_CONST xmlError *e)
{
	xmlParserCtxtPtr ctxt = arg;
	struct parse_state *ps = ctxt->_private;
	const char *msg;
	size_t n;

	if (e == NULL || e->level < XML_ERR_ERROR || ps->failed)
		return;
	ps->failed = 1;
	msg = e->message != NULL ? e->message : "parse error";
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	snprintf(ps->err, ps->errlen, "line %d: %.*s", e->line,
	    n > INT_MAX ? INT_MAX : (int)n, msg);
}

/* SAX internalSubset: called at <!DOCTYPE name ...>, before any markup
 * declaration inside [...] is read. Stop there. */
static void
on_doctype(void *arg, const xmlChar *name, const xmlChar *external_id,
    const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = arg;
	struct parse_state *ps = ctxt->_private;

	(void)name;
	(void)external_id;
	(void)system_id;
	if (!ps->failed) {
		ps->failed = 1;
		snprintf(ps->err, ps->errlen, "line %d: DOCTYPE not allowed "
		    "(no DTDs or entities are accepted)", ctxt_line(ctxt));
	}
	xmlStopParser(ctxt);
}

struct _xmlDoc *
xml_parse(const char *buf, size_t len, size_t max, char *err, size_t errlen)
{
	struct parse_state ps = { err, errlen, 0 };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;

	if (len == 0) {
		snprintf(err, errlen, "empty document");
		return NULL;
	}
	if (len > max || len > INT_MAX) {
		snprintf(err, errlen, "document too large (%zu octets, at most "
		    "%zu)", len, max);
		return NULL;
	}
	/* libxml2 stops silently at a NUL after the root element: what
	 * follows would be stored unchecked. NUL is never an XML character. */
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL octet at offset %zu: not an XML "
		    "character", (size_t)((const char *)memchr(buf, '\0', len) -
		    buf));
		return NULL;
	}
	xmlInitParser();
	if ((ctxt = xmlCreateMemoryParserCtxt(buf, (int)len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* The context owns its own copy of the SAX handler table: changing
	 * it here touches no other parse. */
	ctxt->_private = &ps;
	ctxt->sax->serror = on_error;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->externalSubset = NULL;
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET);
	/* Not left to libxml2's global defaults, which another part of the
	 * process could have changed. */
	ctxt->replaceEntities = 0;
	ctxt->loadsubset = 0;
	ctxt->validate = 0;
	ctxt->keepBlanks = 1;
	ctxt->sax->ignorableWhitespace = ctxt->sax->characters;
	ctxt->linenumbers = 1;		/* xmlGetLineNo() for callers' errors */
	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (ps.failed || !ctxt->wellFormed || doc == NULL ||
	    doc->intSubset != NULL || doc->extSubset != NULL) {
		if (!ps.failed)
			snprintf(err, errlen, "line %d: not a well-formed document",
			    ctxt_line(ctxt));
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

void
xml_doc_free(struct _xmlDoc *doc)
{
	if (doc != NULL)
		xmlFreeDoc(doc);
}

static int
node_is(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0 && n->ns != NULL &&
	    n->ns->href != NULL && strcmp((const char *)n->ns->href, ns) == 0;
}

int
xml_root_is(struct _xmlDoc *doc, const char *ns, const char *name)
{
	return node_is(xmlDocGetRootElement(doc), ns, name);
}

int
xml_child_text(struct _xmlDoc *doc, const char *ns, const char *name,
    char *out, size_t size)
{
	xmlNode *root = xmlDocGetRootElement(doc), *n, *c;
	const char *t, *e;
	size_t len;

	if (root == NULL)
		return -1;
	for (n = root->children; n != NULL; n = n->next)
		if (node_is(n, ns, name))
			break;
	if (n == NULL)
		return -1;
	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return -1;
	if (n->children == NULL || n->children->type != XML_TEXT_NODE ||
	    n->children->next != NULL) {
		if (n->children != NULL)
			return -1;
		t = "";
	} else
		t = (const char *)n->children->content;
	while (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n')
		t++;
	e = t + strlen(t);
	while (e > t && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		e--;
	len = (size_t)(e - t);
	if (len + 1 > size)
		return -1;
	memcpy(out, t, len);
	out[len] = '\0';
	return 0;
}
