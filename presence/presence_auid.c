/*
 * presence_auid.c — the application usages the server knows (RFC 4825 §5):
 * one table entry per AUID with its MIME type, default namespace, schema
 * and constraints. Part 2 of the presence work adds entries, not code
 * paths.
 *
 * Schemas are read from local files written in the repo
 * (presence/xsd/, one .xsd per usage) and parsed from memory: nothing is
 * ever fetched.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "presence.h"
#include "xml.h"

#define XSD_MAX		(256 * 1024)
#define NS_RL		"urn:ietf:params:xml:ns:resource-lists"
#define NS_CAPS		"urn:ietf:params:xml:ns:xcap-caps"

static int	rl_constraints(xmlDoc *doc, struct pres_error *err);

static const struct pres_auid usages[] = {
	{ "xcap-caps", "application/xcap-caps+xml", NS_CAPS, "xcap-caps.xsd",
	  1, NULL },
	{ "resource-lists", "application/resource-lists+xml", NS_RL,
	  "resource-lists.xsd", 0, rl_constraints },
};
#define N_USAGES	(sizeof(usages) / sizeof(usages[0]))

/* Compiled schemas, parallel to usages[]; loaded once at start-up. */
static xmlSchemaPtr schemas[N_USAGES];

static void
set_error(struct pres_error *err, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_error(struct pres_error *err, const char *tag, const char *fmt, ...)
{
	va_list ap;

	memset(err, 0, sizeof(*err));
	err->status = 409;
	err->tag = tag;
	va_start(ap, fmt);
	vsnprintf(err->phrase, sizeof(err->phrase), fmt, ap);
	va_end(ap);
}

/* Collect libxml2's schema messages into the phrase, first one wins. */
static void
schema_error(void *ctx, const char *fmt, ...)
{
	char *phrase = ctx;
	va_list ap;

	if (phrase[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(phrase, 256, fmt, ap);
	va_end(ap);
	phrase[strcspn(phrase, "\n")] = '\0';
}

static char *
read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	if ((buf = malloc(max + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int
pres_auid_init(const char *xsd_dir, char *err, size_t errlen)
{
	xmlSchemaParserCtxtPtr pc;
	char path[1024], phrase[256];
	size_t i, len;
	char *text;

	for (i = 0; i < N_USAGES; i++) {
		snprintf(path, sizeof(path), "%s/%s", xsd_dir, usages[i].xsd);
		if ((text = read_file(path, XSD_MAX, &len)) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		phrase[0] = '\0';
		pc = xmlSchemaNewMemParserCtxt(text, (int)len);
		if (pc != NULL) {
			xmlSchemaSetParserErrors(pc, schema_error, schema_error,
			    phrase);
			schemas[i] = xmlSchemaParse(pc);
			xmlSchemaFreeParserCtxt(pc);
		}
		free(text);
		if (schemas[i] == NULL) {
			snprintf(err, errlen, "%s: %s", path, phrase[0] ? phrase :
			    "not a usable schema");
			goto fail;
		}
	}
	return 0;
fail:
	pres_auid_free();
	return -1;
}

void
pres_auid_free(void)
{
	size_t i;

	for (i = 0; i < N_USAGES; i++) {
		if (schemas[i] != NULL)
			xmlSchemaFree(schemas[i]);
		schemas[i] = NULL;
	}
}

const struct pres_auid *
pres_auid_find(const char *auid)
{
	size_t i;

	for (i = 0; i < N_USAGES; i++)
		if (strcmp(usages[i].auid, auid) == 0)
			return &usages[i];
	return NULL;
}

const struct pres_auid *
pres_auid_at(size_t i)
{
	return i < N_USAGES ? &usages[i] : NULL;
}

/* Well-formed UTF-8 (RFC 3629 §4): no overlong forms, no surrogates,
 * nothing above U+10FFFF. Bounded by `n`; needs no terminator. */
static int
utf8_ok(const uint8_t *p, size_t n)
{
	static const uint32_t min[4] = { 0, 0x80, 0x800, 0x10000 };
	size_t i = 0, k, j;
	uint32_t cp;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			k = 1;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			k = 2;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			k = 3;
			cp = p[i] & 0x07;
		} else
			return 0;
		if (k >= n - i)
			return 0;
		for (j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

/*
 * XCAP documents are UTF-8 (RFC 4825 §6; XCAP.md §1.9 not-utf-8): no
 * UTF-16 byte-order mark, no encoding declaration naming another charset,
 * and only well-formed UTF-8 sequences. 0 when so, else -1 with err.
 */
static int
check_utf8(const uint8_t *body, size_t len, struct pres_error *err)
{
	const char *enc, *end;
	size_t n;

	if (len >= 2 && ((body[0] == 0xfe && body[1] == 0xff) ||
	    (body[0] == 0xff && body[1] == 0xfe))) {
		set_error(err, "not-utf-8", "UTF-16 byte-order mark");
		return -1;
	}
	if (len > 5 && memcmp(body, "<?xml", 5) == 0 &&
	    (end = memchr(body, '>', len)) != NULL &&
	    (enc = memmem(body, (size_t)(end - (const char *)body), "encoding",
	    8)) != NULL) {
		enc += 8;
		while (enc < end && (*enc == ' ' || *enc == '=' || *enc == '"' ||
		    *enc == '\''))
			enc++;
		for (n = 0; enc + n < end && strchr("\"' ?", enc[n]) == NULL; n++)
			;
		if (!((n == 5 && strncasecmp(enc, "UTF-8", 5) == 0) ||
		    (n == 4 && strncasecmp(enc, "UTF8", 4) == 0))) {
			set_error(err, "not-utf-8", "the XML declaration names "
			    "%.*s; XCAP documents are UTF-8", (int)(n > 32 ?
			    32 : n), enc);
			return -1;
		}
	}
	if (!utf8_ok(body, len)) {
		set_error(err, "not-utf-8", "the body is not well-formed UTF-8");
		return -1;
	}
	return 0;
}

int
pres_auid_validate(const struct pres_auid *a, const uint8_t *body, size_t len,
    size_t max, struct pres_error *err)
{
	xmlSchemaValidCtxtPtr vc;
	xmlDoc *doc;
	xmlNode *root;
	char why[256];
	size_t i = (size_t)(a - usages);
	int rc = -1;

	memset(err, 0, sizeof(*err));
	if (check_utf8(body, len, err) != 0)
		return -1;
	if ((doc = xml_parse((const char *)body, len, max, why,
	    sizeof(why))) == NULL) {
		set_error(err, "not-well-formed", "%s", why);
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || root->ns == NULL ||
	    strcmp((const char *)root->ns->href, a->ns) != 0) {
		set_error(err, "schema-validation-error", "the root element is "
		    "not in the %s namespace (%s)", a->auid, a->ns);
		goto done;
	}
	if (i < N_USAGES && schemas[i] != NULL) {
		why[0] = '\0';
		if ((vc = xmlSchemaNewValidCtxt(schemas[i])) == NULL) {
			set_error(err, "schema-validation-error", "out of memory");
			goto done;
		}
		xmlSchemaSetValidErrors(vc, schema_error, schema_error, why);
		if (xmlSchemaValidateDoc(vc, doc) != 0) {
			xmlSchemaFreeValidCtxt(vc);
			set_error(err, "schema-validation-error", "%s", why[0] ?
			    why : "not valid against the schema");
			goto done;
		}
		xmlSchemaFreeValidCtxt(vc);
	}
	if (a->constraints != NULL && a->constraints(doc, err) != 0)
		goto done;
	rc = 0;
done:
	xml_doc_free(doc);
	return rc;
}

/* --- resource-lists constraints (RFC 4826 §3.4; XCAP.md §2.1) --------- */

static int
is_rl(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, NS_RL) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/*
 * Uniqueness among siblings of `parent`: attribute `attr` of its `name`
 * children. The field names the duplicated attribute (a selector relative
 * to its parent list); for list names the alt-value suggests a free one.
 */
static int
cmp_values(const void *a, const void *b)
{
	return xmlStrcmp(*(const xmlChar *const *)a, *(const xmlChar *const *)b);
}

static int
unique_among(xmlNode *parent, const char *name, const char *attr,
    struct pres_error *err)
{
	xmlNode *c;
	xmlChar **v = NULL, **nv, *val;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	/* Each value read once, sorted, duplicates adjacent: O(n log n) on
	 * lists of thousands of entries (the bench's 100 KB document). */
	for (c = parent->children; c != NULL; c = c->next) {
		if (!is_rl(c, name) || (val = xmlGetProp(c,
		    (const xmlChar *)attr)) == NULL)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				xmlFree(val);
				set_error(err, "constraint-failure",
				    "out of memory checking %s/@%s", name, attr);
				rc = -1;
				goto done;
			}
			v = nv;
		}
		v[n++] = val;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_values);
	for (i = 1; i < n; i++) {
		if (xmlStrcmp(v[i], v[i - 1]) != 0)
			continue;
		set_error(err, "uniqueness-failure", "%s/@%s \"%s\" is not "
		    "unique among its siblings", name, attr, (const char *)v[i]);
		snprintf(err->field, sizeof(err->field), "%s/@%s", name, attr);
		/* a free name is easy to suggest; a URI is not ours to
		 * invent (RFC 4825 §11: alt-value is optional) */
		if (strcmp(attr, "name") == 0)
			snprintf(err->alt, sizeof(err->alt), "%s-2",
			    (const char *)v[i]);
		rc = -1;
		break;
	}
done:
	for (i = 0; i < n; i++)
		xmlFree(v[i]);
	free(v);
	return rc;
}

static int
check_list(xmlNode *list, struct pres_error *err)
{
	xmlNode *c;
	xmlChar *v;

	if (unique_among(list, "list", "name", err) != 0 ||
	    unique_among(list, "entry", "uri", err) != 0 ||
	    unique_among(list, "entry-ref", "ref", err) != 0 ||
	    unique_among(list, "external", "anchor", err) != 0)
		return -1;
	for (c = list->children; c != NULL; c = c->next) {
		if (is_rl(c, "entry-ref") && (v = xmlGetProp(c,
		    (const xmlChar *)"ref")) != NULL) {
			/* a relative path reference (RFC 4826 §3.4) */
			int bad = strchr((const char *)v, ':') != NULL &&
			    strchr((const char *)v, ':') < strchr((const char *)v,
			    '/');

			if (bad || v[0] == '/') {
				set_error(err, "constraint-failure", "entry-ref "
				    "\"%s\" must be a relative path reference",
				    (const char *)v);
				xmlFree(v);
				return -1;
			}
			xmlFree(v);
		}
		if (is_rl(c, "external") && (v = xmlGetProp(c,
		    (const xmlChar *)"anchor")) != NULL) {
			int ok = strncmp((const char *)v, "http://", 7) == 0 ||
			    strncmp((const char *)v, "https://", 8) == 0;

			if (!ok) {
				set_error(err, "constraint-failure", "external "
				    "anchor \"%s\" must be an absolute HTTP(S) URI",
				    (const char *)v);
				xmlFree(v);
				return -1;
			}
			xmlFree(v);
		}
		if (is_rl(c, "list") && check_list(c, err) != 0)
			return -1;
	}
	return 0;
}

static int
rl_constraints(xmlDoc *doc, struct pres_error *err)
{
	return check_list(xmlDocGetRootElement(doc), err);
}

int
pres_auid_caps(struct buf *out)
{
	size_t i;
	int rc = 0;

	rc |= buf_appendf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<xcap-caps xmlns=\"" NS_CAPS "\">\n  <auids>\n");
	for (i = 0; i < N_USAGES; i++)
		rc |= buf_appendf(out, "    <auid>%s</auid>\n", usages[i].auid);
	rc |= buf_appendf(out, "  </auids>\n  <extensions/>\n  <namespaces>\n");
	for (i = 0; i < N_USAGES; i++)
		rc |= buf_appendf(out, "    <namespace>%s</namespace>\n",
		    usages[i].ns);
	rc |= buf_appendf(out, "  </namespaces>\n</xcap-caps>\n");
	return rc != 0 ? -1 : 0;
}
