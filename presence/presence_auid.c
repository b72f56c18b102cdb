/*
 * presence_auid.c — the application usages the server knows (RFC 4825 §5):
 * one table entry per AUID with its MIME type, default namespace, root
 * element, schema, uniqueness and constraints (RFC 4826 §3.4 and §4.4,
 * RFC 4745, RFC 5025, and the OMA usages as far as
 * ../shared/spec/XCAP.md §2.5 describes them).
 *
 * Schemas are read from local files written in the repo (presence/xsd/,
 * one main .xsd per usage; imports name sibling files by relative
 * schemaLocation, resolved against the XSD folder): nothing is ever
 * fetched.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "presence.h"
#include "xcap_uri.h"
#include "xml.h"

#define XSD_MAX		(256 * 1024)
#define NS_RL		"urn:ietf:params:xml:ns:resource-lists"
#define NS_RLS		"urn:ietf:params:xml:ns:rls-services"
#define NS_CAPS		"urn:ietf:params:xml:ns:xcap-caps"
#define NS_CP		"urn:ietf:params:xml:ns:common-policy"
#define NS_PR		"urn:ietf:params:xml:ns:pres-rules"
#define NS_OCP		"urn:oma:xml:xdm:common-policy"
#define NS_OPR		"urn:oma:xml:prs:pres-rules"
#define NS_OPC		"urn:oma:xml:prs:pres-content"
#define NS_DIR		"urn:oma:xml:xdm:xcap-directory"
#define NS_PIDF		"urn:ietf:params:xml:ns:pidf"

static int	rl_constraints(xmlDoc *doc, struct pres_vctx *cx,
		    struct pres_error *err);
static int	rls_constraints(xmlDoc *doc, struct pres_vctx *cx,
		    struct pres_error *err);
static int	rules_unique(xmlDoc *doc, struct pres_error *err);
static int	pr_constraints(xmlDoc *doc, struct pres_vctx *cx,
		    struct pres_error *err);
static int	oma_pr_constraints(xmlDoc *doc, struct pres_vctx *cx,
		    struct pres_error *err);
static int	content_constraints(xmlDoc *doc, struct pres_vctx *cx,
		    struct pres_error *err);

/*
 * The usages. Default namespaces (for node selectors, RFC 4825 §5.2): the
 * IETF pres-rules usage's is the pres-rules URN although its documents are
 * common-policy <ruleset>s (RFC 5025 §9; XCAP.md §1.4); OMA's pres-rules
 * usage declares common-policy itself (XCAP.md §1.4: Mobicents, and
 * IMSDroid's unprefixed "ruleset/rule[@id=...]" selectors).
 */
static const struct pres_auid usages[] = {
	{ "xcap-caps", "application/xcap-caps+xml", NS_CAPS, NS_CAPS,
	  "xcap-caps", "xcap-caps.xsd", PRES_AUID_GLOBAL_ONLY, NULL, NULL },
	{ "resource-lists", "application/resource-lists+xml", NS_RL, NS_RL,
	  "resource-lists", "resource-lists.xsd", 0, NULL, rl_constraints },
	{ "rls-services", "application/rls-services+xml", NS_RLS, NS_RLS,
	  "rls-services", "rls-services.xsd", PRES_AUID_INDEXED, NULL,
	  rls_constraints },
	{ "pres-rules", "application/auth-policy+xml", NS_PR, NS_CP,
	  "ruleset", "pres-rules.xsd", 0, rules_unique, pr_constraints },
	{ "org.openmobilealliance.pres-rules", "application/auth-policy+xml",
	  NS_CP, NS_CP, "ruleset", "oma-pres-rules.xsd", 0, rules_unique,
	  oma_pr_constraints },
	{ "org.openmobilealliance.pres-content",
	  "application/vnd.oma.pres-content+xml", NS_OPC, NS_OPC, "content",
	  "oma-pres-content.xsd", PRES_AUID_PUBLIC_READ | PRES_AUID_CONTENT_CAP,
	  NULL, content_constraints },
	{ "org.openmobilealliance.xcap-directory",
	  "application/vnd.oma.xcap-directory+xml", NS_DIR, NS_DIR,
	  "xcap-directory", "xcap-directory.xsd", PRES_AUID_DIRECTORY, NULL,
	  NULL },
	{ "pidf-manipulation", "application/pidf+xml", NS_PIDF, NS_PIDF,
	  "presence", "pidf.xsd", 0, NULL, NULL },
};
#define N_USAGES	(sizeof(usages) / sizeof(usages[0]))

/* Namespaces understood beyond the usages' default ones (xcap-caps
 * <namespaces>), and the common-policy extensions evaluated
 * (<extensions>; see docs/CONTRACT.md). */
static const char *const more_namespaces[] = { NS_OCP, NS_OPR, NULL };
static const char *const extensions[] = { "pres-rules",
	"oma-common-policy", "oma-pres-rules", NULL };

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
    __attribute__((format(printf, 2, 3)));

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
		free(text);
		/*
		 * Read again by libxml2 from the path, so that the imports'
		 * relative schemaLocations resolve against the XSD folder.
		 * Every import in presence/xsd/ names a sibling file; the
		 * read above only checked that the main file is there and
		 * within XSD_MAX.
		 */
		phrase[0] = '\0';
		pc = xmlSchemaNewParserCtxt(path);
		if (pc != NULL) {
			xmlSchemaSetParserErrors(pc, schema_error, schema_error,
			    phrase);
			schemas[i] = xmlSchemaParse(pc);
			xmlSchemaFreeParserCtxt(pc);
		}
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

void
pres_vctx_clear(struct pres_vctx *cx)
{
	if (cx != NULL)
		pres_strs_clear(&cx->keys, &cx->nkeys);
}

int
pres_strs_add(char ***v, size_t *n, const char *s)
{
	char **nv;

	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

void
pres_strs_clear(char ***v, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

int
pres_auid_validate(const struct pres_auid *a, const uint8_t *body, size_t len,
    size_t max, struct pres_vctx *cx, struct pres_error *err)
{
	xmlSchemaValidCtxtPtr vc;
	xmlDoc *doc;
	xmlNode *root;
	char why[256];
	size_t i = (size_t)(a - usages);
	int rc = -1;

	memset(err, 0, sizeof(*err));
	pres_vctx_clear(cx);
	if ((a->flags & PRES_AUID_CONTENT_CAP) && cx->content_max > 0 &&
	    (long long)len > cx->content_max) {
		/* OMA pres-content is shared and fetched by every watcher:
		 * its own cap, below the general document cap (XCAP.md §2.5:
		 * OpenXCAP allows 300 KiB) */
		set_error(err, "constraint-failure", "a %s document is at most "
		    "%lld octets (oma.pres_content_max)", a->auid,
		    cx->content_max);
		return -1;
	}
	if (check_utf8(body, len, err) != 0)
		return -1;
	if ((doc = xml_parse((const char *)body, len, max, why,
	    sizeof(why))) == NULL) {
		set_error(err, "not-well-formed", "%s", why);
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || root->ns == NULL ||
	    strcmp((const char *)root->ns->href, a->root_ns) != 0 ||
	    strcmp((const char *)root->name, a->root) != 0) {
		set_error(err, "schema-validation-error", "the root element of "
		    "a %s document is <%s> in the %s namespace", a->auid,
		    a->root, a->root_ns);
		goto done;
	}
	if (a->unique != NULL && a->unique(doc, err) != 0)
		goto done;
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
	if (a->constraints != NULL && a->constraints(doc, cx, err) != 0)
		goto done;
	rc = 0;
done:
	if (rc != 0)
		pres_vctx_clear(cx);
	xml_doc_free(doc);
	return rc;
}

/* --- helpers for the constraints (and presence_policy.c) --------------- */

int
pres_is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, ns) == 0 &&
	    (name == NULL || strcmp((const char *)n->name, name) == 0);
}

xmlNode *
pres_child(const xmlNode *n, const char *ns, const char *name)
{
	xmlNode *c;

	for (c = n->children; c != NULL; c = c->next)
		if (pres_is_el(c, ns, name))
			return c;
	return NULL;
}

/* XML white space (XML 1.0 §2.3 S) is all isspace() can meet here: \v and
 * \f are not characters of an XML 1.0 document. */
int
pres_text(xmlNode *n, char *out, size_t size)
{
	xmlChar *v = xmlNodeGetContent(n);
	const char *s = v != NULL ? (const char *)v : "";
	size_t len;
	int rc = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	len = strlen(s);
	while (len > 0 && strchr(" \t\n\r", s[len - 1]) != NULL)
		len--;
	if (len >= size) {
		len = 0;
		rc = -1;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	xmlFree(v);
	return rc;
}

/* A value like `v` that is not in the NULL-terminated `taken` list:
 * v-2, v-3 ... (for sip: URIs the suffix goes on the user part). */
static void
free_value(const char *v, const char *const *taken, size_t ntaken, char *out,
    size_t size)
{
	const char *at = strchr(v, '@');
	size_t i, k;

	for (k = 2; k < 1000; k++) {
		if (at != NULL && strchr(v, ':') != NULL && strchr(v, ':') < at)
			snprintf(out, size, "%.*s-%zu%s", (int)(at - v), v, k, at);
		else
			snprintf(out, size, "%s-%zu", v, k);
		for (i = 0; i < ntaken; i++)
			if (strcmp(taken[i], out) == 0)
				break;
		if (i == ntaken)
			return;
	}
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
rl_constraints(xmlDoc *doc, struct pres_vctx *cx, struct pres_error *err)
{
	(void)cx;
	return check_list(xmlDocGetRootElement(doc), err);
}

/* --- references to resource lists -------------------------------------- */

int
pres_auid_own_list(const char *uri, const char *owner, const char *root,
    struct xcap_uri *u, char *why, size_t whylen)
{
	struct xcap_uri *mine = NULL;
	char path[XCAP_URI_MAX_LEN + 1], xui[PRES_OWNER_MAX], e[200];
	const char *p;
	size_t n;
	int ok = 0;

	if (why == NULL || whylen == 0) {
		why = e;
		whylen = sizeof(e);
	}
	if (strncasecmp(uri, "http://", 7) == 0)
		p = uri + 7;
	else if (strncasecmp(uri, "https://", 8) == 0)
		p = uri + 8;
	else {
		snprintf(why, whylen, "not an absolute HTTP(S) URI");
		return 0;
	}
	if ((p = strchr(p, '/')) == NULL || (n = strcspn(p, "#")) >=
	    sizeof(path)) {
		snprintf(why, whylen, "no XCAP path in it");
		return 0;
	}
	memcpy(path, p, n);
	path[n] = '\0';
	if (u == NULL && (u = mine = calloc(1, sizeof(*mine))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return 0;
	}
	if (xcap_uri_parse(path, root, u, NULL, 0) != 0)
		snprintf(why, whylen, "not an XCAP URI under %s", root);
	else if (strcmp(u->auid, "resource-lists") != 0)
		snprintf(why, whylen, "not a resource-lists document");
	else if (u->tree != XCAP_TREE_USERS ||
	    pres_normalise_uri(u->xui, xui, sizeof(xui)) != 0 ||
	    strcmp(xui, owner) != 0)
		snprintf(why, whylen, "not in the owner's own resource lists");
	else
		ok = 1;
	free(mine);
	return ok;
}

/* --- rls-services (RFC 4826 §4.4; XCAP.md §2.2) ------------------------- */

/*
 * Service URIs are unique across every document on the server (checked
 * by the store against the other documents, here within this one), and
 * compared normalised as identities are (so "sip:Friends@EXAMPLE.com;x"
 * and "sip:Friends@example.com" are one service). A <resource-list> must
 * point into the owner's own resource-lists documents; an inline <list>
 * obeys the resource-lists constraints.
 */
static int
rls_constraints(xmlDoc *doc, struct pres_vctx *cx, struct pres_error *err)
{
	xmlNode *svc, *c;
	xmlChar *uri;
	char key[PRES_OWNER_MAX], text[XCAP_URI_MAX_LEN], why[200];
	size_t i;

	for (svc = xmlDocGetRootElement(doc)->children; svc != NULL;
	    svc = svc->next) {
		if (!pres_is_el(svc, NS_RLS, "service"))
			continue;
		if ((uri = xmlGetProp(svc, (const xmlChar *)"uri")) == NULL)
			continue;	/* the schema requires it */
		if (pres_normalise_uri((const char *)uri, key, sizeof(key)) != 0)
			snprintf(key, sizeof(key), "%.*s", (int)sizeof(key) - 1,
			    (const char *)uri);
		for (i = 0; i < cx->nkeys; i++)
			if (strcmp(cx->keys[i], key) == 0)
				break;
		if (i < cx->nkeys) {
			set_error(err, "uniqueness-failure", "service URI "
			    "\"%s\" is used twice in this document",
			    (const char *)uri);
			snprintf(err->field, sizeof(err->field),
			    "rls-services/service/@uri");
			/* suggestions start from the normalised form */
			snprintf(err->value, sizeof(err->value), "%s", key);
			xmlFree(uri);
			return -1;
		}
		xmlFree(uri);
		if (pres_strs_add(&cx->keys, &cx->nkeys, key) != 0) {
			set_error(err, "constraint-failure", "out of memory");
			return -1;
		}
		if ((c = pres_child(svc, NS_RLS, "resource-list")) != NULL) {
			if (pres_text(c, text, sizeof(text)) != 0 ||
			    !pres_auid_own_list(text, cx->owner, cx->root, NULL,
			    why, sizeof(why))) {
				set_error(err, "constraint-failure", "service "
				    "\"%.80s\": its <resource-list> is %s (RFC "
				    "4826 §4.4: it must point into the owner's "
				    "resource-lists)", key, why);
				return -1;
			}
		}
		if ((c = pres_child(svc, NS_RLS, "list")) != NULL &&
		    check_list(c, err) != 0)
			return -1;
	}
	return 0;
}

/* --- pres-rules (RFC 4745, RFC 5025; XCAP.md §2.3–§2.5) ------------------ */

/* Rule ids are xs:ID, unique in the document (RFC 4745 §5): reported as
 * uniqueness-failure with a free id, before the schema would call it a
 * schema error. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
rules_unique(xmlDoc *doc, struct pres_error *err)
{
	xmlNode *r;
	xmlChar *id;
	char **ids = NULL, **nv;
	const char **sorted = NULL;
	size_t n = 0, i;
	int rc = -1;

	for (r = xmlDocGetRootElement(doc)->children; r != NULL; r = r->next) {
		if (!pres_is_el(r, NS_CP, "rule") ||
		    (id = xmlGetProp(r, (const xmlChar *)"id")) == NULL)
			continue;
		if ((nv = realloc(ids, (n + 1) * sizeof(*nv))) == NULL) {
			xmlFree(id);
			goto nomem;
		}
		ids = nv;
		ids[n++] = (char *)id;
	}
	if (n > 1) {
		/* sorted, duplicates adjacent: O(n log n) */
		if ((sorted = malloc(n * sizeof(*sorted))) == NULL)
			goto nomem;
		memcpy(sorted, ids, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_str);
		for (i = 1; i < n; i++) {
			if (strcmp(sorted[i], sorted[i - 1]) != 0)
				continue;
			set_error(err, "uniqueness-failure", "rule id \"%s\" is "
			    "used twice (RFC 4745: ids are unique in a "
			    "ruleset)", sorted[i]);
			snprintf(err->field, sizeof(err->field),
			    "ruleset/rule/@id");
			snprintf(err->value, sizeof(err->value), "%s",
			    sorted[i]);
			free_value(sorted[i], sorted, n, err->alt,
			    sizeof(err->alt));
			goto done;
		}
	}
	rc = 0;
	goto done;
nomem:
	set_error(err, "constraint-failure", "out of memory");
done:
	for (i = 0; i < n; i++)
		xmlFree(ids[i]);
	free(ids);
	free(sorted);
	return rc;
}

/* At most one <pr:sub-handling> per rule: the rule's own value must be
 * one value before rules are combined (RFC 5025 §3.2.1). */
static int
pr_constraints(xmlDoc *doc, struct pres_vctx *cx, struct pres_error *err)
{
	xmlNode *r, *act, *c;
	xmlChar *id;
	int n;

	(void)cx;
	for (r = xmlDocGetRootElement(doc)->children; r != NULL; r = r->next) {
		if (!pres_is_el(r, NS_CP, "rule") ||
		    (act = pres_child(r, NS_CP, "actions")) == NULL)
			continue;
		n = 0;
		for (c = act->children; c != NULL; c = c->next)
			n += pres_is_el(c, NS_PR, "sub-handling");
		if (n > 1) {
			id = xmlGetProp(r, (const xmlChar *)"id");
			set_error(err, "constraint-failure", "rule \"%s\" has %d "
			    "<sub-handling> actions; one at most",
			    id != NULL ? (const char *)id : "", n);
			xmlFree(id);
			return -1;
		}
	}
	return 0;
}

/*
 * OMA's pres-rules usage adds, as OpenXCAP implements it (XCAP.md §2.5):
 * at most one of each identity-type condition (<cp:identity>,
 * <ocp:external-list>, <ocp:anonymous-request>, <ocp:other-identity>) in
 * a rule; no transformations unless the rule's sub-handling is allow; and
 * external-list anchors that point into the owner's own resource lists.
 */
static int
oma_pr_constraints(xmlDoc *doc, struct pres_vctx *cx, struct pres_error *err)
{
	static const struct { const char *ns, *name; } kinds[] = {
		{ NS_CP, "identity" }, { NS_OCP, "external-list" },
		{ NS_OCP, "anonymous-request" }, { NS_OCP, "other-identity" },
	};
	xmlNode *r, *cond, *c, *e, *t, *sh;
	xmlChar *id = NULL, *anc;
	char val[32], why[200];
	size_t k;
	int n, rc = -1;

	if (pr_constraints(doc, cx, err) != 0)
		return -1;
	for (r = xmlDocGetRootElement(doc)->children; r != NULL; r = r->next) {
		if (!pres_is_el(r, NS_CP, "rule"))
			continue;
		id = xmlGetProp(r, (const xmlChar *)"id");
		if ((cond = pres_child(r, NS_CP, "conditions")) != NULL) {
			for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
				n = 0;
				for (c = cond->children; c != NULL; c = c->next)
					n += pres_is_el(c, kinds[k].ns,
					    kinds[k].name);
				if (n > 1) {
					set_error(err, "constraint-failure", "rule "
					    "\"%s\": %d <%s> conditions; OMA allows "
					    "one", id ? (const char *)id : "", n,
					    kinds[k].name);
					goto done;
				}
			}
			for (c = cond->children; c != NULL; c = c->next) {
				if (!pres_is_el(c, NS_OCP, "external-list"))
					continue;
				for (e = c->children; e != NULL; e = e->next) {
					if (!pres_is_el(e, NS_OCP, "entry") ||
					    (anc = xmlGetProp(e, (const xmlChar *)
					    "anc")) == NULL)
						continue;
					if (!pres_auid_own_list((const char *)anc,
					    cx->owner, cx->root, NULL, why,
					    sizeof(why))) {
						set_error(err, "constraint-failure",
						    "rule \"%s\": an external-list "
						    "anchor is %s", id ? (const char *)
						    id : "", why);
						xmlFree(anc);
						goto done;
					}
					xmlFree(anc);
				}
			}
		}
		t = pres_child(r, NS_CP, "transformations");
		if (t != NULL && xmlFirstElementChild(t) != NULL) {
			sh = NULL;
			if ((c = pres_child(r, NS_CP, "actions")) != NULL)
				sh = pres_child(c, NS_PR, "sub-handling");
			if (sh == NULL ||
			    pres_text(sh, val, sizeof(val)) != 0 ||
			    strcmp(val, "allow") != 0) {
				set_error(err, "constraint-failure", "rule \"%s\" "
				    "has transformations but its sub-handling is "
				    "not allow", id ? (const char *)id : "");
				goto done;
			}
		}
		xmlFree(id);
		id = NULL;
	}
	rc = 0;
done:
	xmlFree(id);
	return rc;
}

/* --- OMA pres-content (XCAP.md §2.5) ---------------------------------- */

/* A MIME type "type/subtype" of RFC 2045 tokens, no parameters. */
static int
mime_ok(const char *s)
{
	static const char tspecial[] = "()<>@,;:\\\"/[]?=";
	size_t i, slash = 0, n = strlen(s);

	for (i = 0; i < n; i++) {
		if (s[i] == '/' && slash == 0 && i > 0) {
			slash = i;
			continue;
		}
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f ||
		    strchr(tspecial, s[i]) != NULL)
			return 0;
	}
	return slash > 0 && slash + 1 < n;
}

/* base64 (RFC 4648 §4), whitespace between characters allowed, padding
 * only at the end, at least one quantum. */
static int
base64_ok(const char *s)
{
	size_t n = 0, pad = 0;

	for (; *s != '\0'; s++) {
		if (strchr(" \t\r\n", *s) != NULL)
			continue;
		if (*s == '=') {
			pad++;
			n++;
			continue;
		}
		if (pad > 0 || !(isalnum((unsigned char)*s) || *s == '+' ||
		    *s == '/'))
			return 0;
		n++;
	}
	return n > 0 && n % 4 == 0 && pad <= 2;
}

/*
 * <mime-type> a MIME type; <encoding> base64 (the one encoding described;
 * absent means base64 too); <data> well-formed base64. Which media types
 * are allowed is the clients' business (OpenXCAP keeps to image/jpeg, gif
 * and png; the OMA text is not available here).
 */
static int
content_constraints(xmlDoc *doc, struct pres_vctx *cx, struct pres_error *err)
{
	xmlNode *root = xmlDocGetRootElement(doc), *n;
	xmlChar *v;
	char text[256];
	int ok;

	(void)cx;
	if ((n = pres_child(root, NS_OPC, "mime-type")) != NULL &&
	    (pres_text(n, text, sizeof(text)) != 0 || !mime_ok(text))) {
		set_error(err, "constraint-failure", "<mime-type> is not a MIME "
		    "type (type/subtype)");
		return -1;
	}
	if ((n = pres_child(root, NS_OPC, "encoding")) != NULL &&
	    (pres_text(n, text, sizeof(text)) != 0 ||
	    strcasecmp(text, "base64") != 0)) {
		set_error(err, "constraint-failure", "<encoding> must be base64");
		return -1;
	}
	if ((n = pres_child(root, NS_OPC, "data")) == NULL)
		return 0;	/* the schema requires it */
	v = xmlNodeGetContent(n);
	ok = v != NULL && base64_ok((const char *)v);
	xmlFree(v);
	if (!ok) {
		set_error(err, "constraint-failure", "<data> is not base64");
		return -1;
	}
	return 0;
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
	rc |= buf_appendf(out, "  </auids>\n  <extensions>\n");
	for (i = 0; extensions[i] != NULL; i++)
		rc |= buf_appendf(out, "    <extension>%s</extension>\n",
		    extensions[i]);
	rc |= buf_appendf(out, "  </extensions>\n  <namespaces>\n");
	for (i = 0; i < N_USAGES; i++)
		rc |= buf_appendf(out, "    <namespace>%s</namespace>\n",
		    usages[i].ns);
	for (i = 0; more_namespaces[i] != NULL; i++)
		rc |= buf_appendf(out, "    <namespace>%s</namespace>\n",
		    more_namespaces[i]);
	rc |= buf_appendf(out, "  </namespaces>\n</xcap-caps>\n");
	return rc != 0 ? -1 : 0;
}
