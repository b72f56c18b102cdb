/*
 * fuzz_xcap_node.c — the XCAP node engine of the presence server
 * (presence/presence_node.c): GET, PUT and DELETE of elements and
 * attributes inside a stored document (RFC 4825 §8.2–§8.4, §10, §11).
 *
 * Input: one line holding a node selector as it appears in a
 * request-target after "~~/" (percent-encoded or raw, with an optional
 * "?xmlns(...)" query), then the request body (the rest, possibly
 * empty). The selector is parsed under the users tree of resource-lists
 * and resolved against that AUID's default namespace; inputs the parser
 * refuses are fuzz_xcap_uri's business and end here. The same selector
 * and body are then applied to each of a few fixed seed documents, which
 * vary what the engine's byte-offset tokenizer has to get right: quote
 * characters, whitespace and line ends inside tags, '>' and "/>" inside
 * values, comments, PIs and CDATA holding markup, prefixed, repeated and
 * undeclared default namespaces, references, non-ASCII text and names,
 * empty-element tags, a BOM.
 *
 * Invariants, on every seed document:
 *  - no call modifies the document it is given;
 *  - a failed call leaves `out` empty and carries a phrase, a status the
 *    header documents for that operation and, exactly for 409, one of the
 *    documented tags; its conflict report is well-formed XML. The seeds
 *    are well-formed, so 500 (unreadable document, tokenizer and libxml2
 *    disagreeing on an edit) is always a failure;
 *  - GET answers the bytes at pres_node_locate()'s offsets, fails exactly
 *    when locate does, and namespace bindings are a well-formed element;
 *  - PUT (RFC 4825 §8.2): namespace::* is 405, a missing Content-Type
 *    415; on success the new document is well-formed, GET with the same
 *    URI returns the body (an element trimmed of XML whitespace around it;
 *    an attribute value with '"' written &quot; when it holds both quote
 *    characters, presence_node.c's documented exception), `created` is
 *    set exactly when GET found nothing before, a replacement keeps every
 *    octet outside the replaced node, an insertion adds one contiguous run
 *    (an empty parent <p/> becoming <p>...</p>), PUT again changes
 *    nothing, a cap one octet short of the result is constraint-failure,
 *    and DELETE of the same URI then leaves GET at 404 (or is
 *    cannot-delete, never for an insertion without position) and undoes
 *    an insertion byte for byte; no-parent names an ancestor that exists;
 *  - DELETE fails with 404 exactly when GET does; on success it removes
 *    exactly the node's bytes (an attribute with the whitespace before
 *    it), the result is well-formed and GET and DELETE then answer 404.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "presence_node.h"
#include "xcap_uri.h"
#include "xml.h"

#define ROOT		"/xcap-root"
#define DOC_TARGET	ROOT "/resource-lists/users/sip:a@b/index/~~/"
#define DEFAULT_NS	"urn:ietf:params:xml:ns:resource-lists"
#define DOC_MAX		(1 << 20)	/* the server's default document cap */
#define FORMAT_MAX	(4 * XCAP_URI_MAX_LEN)

/*
 * The stored documents every input is applied to. All are well-formed,
 * with a resource-lists root in the resource-lists namespace.
 */
static const char *const seeds[] = {
	/* Mixed quotes, tabs, spaces before '>', a comment before the root,
	 * a second namespace, CDATA that looks like an entry. */
	"<?xml version='1.0' encoding=\"UTF-8\"?>\n<!-- c -->\n"
	"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"\n"
	" xmlns:cp='urn:cp'  >\n"
	"  <list name=\"friends\" >\n"
	"    <entry uri='sip:bob@example.com'><display-name>Bob &amp; Co"
	"</display-name></entry>\n"
	"\t<entry   uri=\"sip:alice@example.com\"  cp:note='x &gt; y'/>\n"
	"    <cp:entry uri=\"a\"/>\n"
	"    <entry uri=\"sip:carol@example.com\"></entry>\n"
	"    <cp:ext id=\"1\"><![CDATA[<entry uri=\"fake\"/>]]></cp:ext>\n"
	"  </list>\n"
	"  <list name='empty'/>\n"
	"  <list name=\"o'brien\"></list>\n"
	"</resource-lists>\n",

	/* Prefixed root, CRLF, whitespace around '=' and inside tags, '>'
	 * and "/>" inside values, a PI and a comment holding markup, nested
	 * lists, a default namespace undeclared, duplicate entries,
	 * whitespace before the '>' of end tags, a trailer after the root. */
	"<rl:resource-lists xmlns:rl=\"urn:ietf:params:xml:ns:resource-lists\""
	"\r\n    xmlns:x=\"urn:x\"\r\n>\r\n"
	" <?app data <entry/>?>\r\n"
	" <rl:list name = \"outer\" x:flag=\"a/>b\">\r\n"
	"  <rl:list name='inner'>\r\n"
	"   <rl:entry uri=\"sip:x>y@z\"/>\r\n"
	"   <rl:entry-ref ref=\"resource-lists/users/sip:a@b/index/~~/"
	"resource-lists/list%5b1%5d\"/>\r\n"
	"  </rl:list >\r\n"
	"  <rl:external anchor=\"http://xcap.example.com/xcap-root/"
	"resource-lists/users/sip:c@d/index\"/>\r\n"
	"  <other xmlns=\"\"><entry uri=\"sip:nons@x\"/><list/></other>\r\n"
	"  <rl:entry\r\n uri=\"sip:dup@x\"\r\n/>\r\n"
	"  <rl:entry uri=\"sip:dup@x\"/>\r\n"
	" </rl:list>\r\n"
	" <!-- <rl:list name=\"commented\"/> -->\r\n"
	"</rl:resource-lists >\r\n<!-- trailer -->\r\n<?done?>\r\n",

	/* The smallest: the root as an empty-element tag. */
	"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"/>",

	/* BOM, character and entity references in values, one namespace
	 * under two prefixes, a namespace name holding '&', xml:lang,
	 * non-ASCII text and names, a value with a line end and a tab,
	 * nesting, mixed content, a list in another namespace. */
	"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\" "
	"standalone=\"yes\"?>\n"
	"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\" "
	"xmlns:a=\"urn:cp\" xmlns:b=\"urn:cp\" xmlns:q=\"urn:q?x=1&amp;y=2\" "
	"xml:lang=\"de\">\n"
	"<list name=\"Gr&#xFC;&#223;e\" a:id=\"1\" b:id2='2' q:id=\"3\">\n"
	"<entry uri=\"sip:&#x41;lice@example.com\" "
	"a:note=\"it&apos;s &quot;quoted&quot;\"><display-name "
	"xml:lang=\"fr\">\xc3\x89lo\xc3\xafse \xc2\xab"
	"ami\xc2\xbb \xf0\x9f\x98\x80</display-name></entry>\n"
	"<entry uri=\"sip:\xc3\xbcmlaut@example.com\" name=\"multi\n"
	"line\tvalue\"/>\n"
	"<a:ext><a:ext><a:ext><entry uri=\"deep\"/></a:ext></a:ext></a:ext>\n"
	"<q:item/><q:item></q:item><q:item q:k=\"v\"/><a:\xc3\xbcnic/>\n"
	"<entry uri='tel:+123'>text<!-- c --><![CDATA[ ]]>more</entry>\n"
	"</list>\n"
	"<list name=\"second\"><entry uri=\"sip:a@b\"/></list>\n"
	"<list xmlns=\"urn:cp\" name=\"not-rl\"><entry/></list>\n"
	"</resource-lists>\n",
};

#define NSEEDS	(sizeof(seeds) / sizeof(seeds[0]))

/* The 409 tags each operation may answer with (RFC 4825 §11). */
static const char *const no_tags[] = { NULL };
static const char *const put_el_tags[] = {
	"not-xml-frag", "not-utf-8", "no-parent", "cannot-insert",
	"constraint-failure", NULL
};
static const char *const put_att_tags[] = {
	"not-xml-att-value", "not-utf-8", "no-parent", "cannot-insert",
	"constraint-failure", NULL
};
static const char *const delete_tags[] = { "cannot-delete", NULL };

/* The input's URI, and one of its leading steps (load_prefix()); static
 * for their size. */
static struct xcap_uri uri, anc;

static int
is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* XML 1.0 S around an element body, as the engine drops it. */
static void
trim_ws(const uint8_t **p, size_t *n)
{
	while (*n > 0 && is_ws((*p)[0])) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && is_ws((*p)[*n - 1]))
		(*n)--;
}

static int
same(const struct buf *b, const void *p, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->data, p, n) == 0);
}

/* An exact-size heap copy, so that ASan sees any read past the end. */
static uint8_t *
dup_exact(const void *p, size_t n)
{
	uint8_t *d;

	d = malloc(n > 0 ? n : 1);
	FUZZ_CHECK(d != NULL);
	if (n > 0)
		memcpy(d, p, n);
	return d;
}

static void
check_wf(const uint8_t *d, size_t n)
{
	struct _xmlDoc *x;
	char err[160];

	x = xml_parse((const char *)d, n, n, err, sizeof(err));
	FUZZ_CHECK(x != NULL);
	xml_doc_free(x);
}

/*
 * A failed call: `out` empty, a reason, a 409 exactly with a tag from
 * `tags`, and a conflict report that is well-formed.
 */
static void
check_fail(const struct buf *out, const struct pres_node_err *err,
    const char *const *tags)
{
	struct buf rep;
	size_t i;

	FUZZ_CHECK(out->len == 0);
	FUZZ_CHECK(memchr(err->phrase, '\0', sizeof(err->phrase)) != NULL);
	FUZZ_CHECK(err->phrase[0] != '\0');
	FUZZ_CHECK((err->status == 409) == (err->tag != NULL));
	if (err->tag == NULL)
		return;
	for (i = 0; tags[i] != NULL; i++)
		if (strcmp(err->tag, tags[i]) == 0)
			break;
	FUZZ_CHECK(tags[i] != NULL);
	buf_init(&rep, 4096);
	FUZZ_CHECK(pres_node_error_body(&rep, err->tag, err->phrase,
	    strcmp(err->tag, "no-parent") == 0 ? DOC_TARGET : NULL, NULL,
	    NULL) == 0);
	check_wf(rep.data, rep.len);
	buf_clear(&rep);
}

/*
 * Parse into `anc` the URI made of the first `nsteps` element steps of
 * `u`, resolved. Returns 0, or -1 when the canonical form outgrows the
 * parser's caps (escaping lengthens values).
 */
static int
load_prefix(const struct xcap_uri *u, size_t nsteps)
{
	static char target[FORMAT_MAX];
	char err[256];
	int n;

	n = xcap_uri_format(u, ROOT, nsteps, 0, target, sizeof(target));
	FUZZ_CHECK(n > 0);
	if (n > XCAP_URI_MAX_LEN ||
	    xcap_uri_parse(target, ROOT, &anc, err, sizeof(err)) != 0)
		return -1;
	FUZZ_CHECK(anc.nsteps == nsteps);
	FUZZ_CHECK(xcap_uri_resolve(&anc, DEFAULT_NS, err, sizeof(err)) == 0);
	return 0;
}

/* no-parent: the reported ancestor is a proper one and selects exactly
 * one element (0 steps: the document). */
static void
check_no_parent(const uint8_t *doc, size_t len, const struct xcap_uri *u,
    const struct pres_node_err *err)
{
	struct pres_node_loc loc;
	struct pres_node_err lerr;
	size_t below;

	below = u->terminal == XCAP_TERM_ELEMENT ? u->nsteps - 1 : u->nsteps;
	FUZZ_CHECK(err->ancestor_steps < below);
	if (err->ancestor_steps == 0 ||
	    load_prefix(u, err->ancestor_steps) != 0)
		return;
	FUZZ_CHECK(pres_node_locate(doc, len, &anc, &loc, &lerr) == 0);
}

/*
 * GET on a document: the answer is the located node. Returns 1 when a
 * node was found, 0 when not (404), with `loc` filled when found.
 */
static int
check_get(const uint8_t *doc, size_t len, const struct xcap_uri *u,
    struct pres_node_loc *loc)
{
	struct pres_node_err err, lerr;
	const char *mime = NULL;
	struct buf out;
	int rc, lrc;

	buf_init(&out, DOC_MAX);
	rc = pres_node_get(doc, len, u, &out, &mime, &err);
	lrc = pres_node_locate(doc, len, u, loc, &lerr);
	FUZZ_CHECK(rc == lrc);
	if (rc != 0) {
		check_fail(&out, &err, no_tags);
		FUZZ_CHECK(err.status == 404 && lerr.status == 404);
		buf_clear(&out);
		return 0;
	}
	FUZZ_CHECK(mime != NULL && strcmp(mime, pres_node_mime(u)) == 0);
	FUZZ_CHECK(loc->el_start < loc->stag_end &&
	    loc->stag_end <= loc->el_end && loc->el_end <= len);
	FUZZ_CHECK(doc[loc->el_start] == '<' && doc[loc->stag_end - 1] == '>' &&
	    doc[loc->el_end - 1] == '>');
	switch (loc->kind) {
	case PRES_NODE_ELEMENT:
		FUZZ_CHECK(u->terminal == XCAP_TERM_ELEMENT);
		FUZZ_CHECK(same(&out, doc + loc->el_start,
		    loc->el_end - loc->el_start));
		break;
	case PRES_NODE_ATTRIBUTE:
		FUZZ_CHECK(u->terminal == XCAP_TERM_ATTRIBUTE);
		FUZZ_CHECK(loc->el_start < loc->att_start &&
		    loc->att_start < loc->val_start &&
		    loc->val_start <= loc->val_end &&
		    loc->att_end == loc->val_end + 1 &&
		    loc->att_end < loc->stag_end);
		FUZZ_CHECK(doc[loc->val_start - 1] == doc[loc->val_end] &&
		    (doc[loc->val_end] == '"' || doc[loc->val_end] == '\''));
		FUZZ_CHECK(same(&out, doc + loc->val_start,
		    loc->val_end - loc->val_start));
		break;
	case PRES_NODE_NAMESPACES:
		FUZZ_CHECK(u->terminal == XCAP_TERM_NAMESPACE);
		FUZZ_CHECK(out.len > 3 && out.data[0] == '<' &&
		    memcmp(out.data + out.len - 2, "/>", 2) == 0);
		check_wf(out.data, out.len);
		break;
	default:
		FUZZ_CHECK(!"unknown node kind");
	}
	buf_clear(&out);
	return 1;
}

/* After a successful DELETE: well-formed, and GET and DELETE find
 * nothing any more. */
static void
check_gone(const uint8_t *doc, size_t len, const struct xcap_uri *u)
{
	struct pres_node_loc loc;
	struct pres_node_err err;
	struct buf out;

	check_wf(doc, len);
	FUZZ_CHECK(check_get(doc, len, u, &loc) == 0);
	buf_init(&out, DOC_MAX);
	FUZZ_CHECK(pres_node_delete(doc, len, u, &out, &err) == -1);
	check_fail(&out, &err, delete_tags);
	FUZZ_CHECK(err.status == 404);
	buf_clear(&out);
}

/* DELETE on the input, `found` and `loc` from GET. */
static void
check_delete(const uint8_t *doc, size_t len, const struct xcap_uri *u,
    int found, const struct pres_node_loc *loc)
{
	struct pres_node_err err;
	struct buf out;
	size_t a, b, i, removed;
	uint8_t *d;
	int rc;

	buf_init(&out, DOC_MAX);
	rc = pres_node_delete(doc, len, u, &out, &err);
	if (rc != 0) {
		check_fail(&out, &err, delete_tags);
		if (u->terminal == XCAP_TERM_NAMESPACE)
			FUZZ_CHECK(err.status == 405);
		else if (!found)
			FUZZ_CHECK(err.status == 404);
		else
			FUZZ_CHECK(err.status == 409);
		goto out;
	}
	FUZZ_CHECK(found && u->terminal != XCAP_TERM_NAMESPACE);
	/* Exactly [a, b) is gone. */
	FUZZ_CHECK(out.len < len);
	removed = len - out.len;
	b = loc->kind == PRES_NODE_ELEMENT ? loc->el_end : loc->att_end;
	FUZZ_CHECK(removed <= b);
	a = b - removed;
	if (loc->kind == PRES_NODE_ELEMENT)
		FUZZ_CHECK(a == loc->el_start);
	else {
		FUZZ_CHECK(a > loc->el_start && a <= loc->att_start);
		for (i = a; i < loc->att_start; i++)
			FUZZ_CHECK(is_ws(doc[i]));
	}
	FUZZ_CHECK(memcmp(out.data, doc, a) == 0);
	FUZZ_CHECK(memcmp(out.data + a, doc + b, len - b) == 0);
	d = dup_exact(out.data, out.len);
	check_gone(d, out.len, u);
	free(d);
out:
	buf_clear(&out);
}

/*
 * What GET answers after a successful PUT of `body`: an element without
 * the whitespace around it; an attribute value as sent, '"' written as
 * &quot; when it holds both quote characters.
 */
static void
expected_get(const struct xcap_uri *u, const uint8_t *body, size_t blen,
    struct buf *exp)
{
	size_t i;
	int both;

	if (u->terminal == XCAP_TERM_ELEMENT) {
		trim_ws(&body, &blen);
		FUZZ_CHECK(buf_append(exp, body, blen) == 0);
		return;
	}
	both = blen > 0 && memchr(body, '"', blen) != NULL &&
	    memchr(body, '\'', blen) != NULL;
	for (i = 0; i < blen; i++) {
		if (both && body[i] == '"')
			FUZZ_CHECK(buf_append(exp, "&quot;", 6) == 0);
		else
			FUZZ_CHECK(buf_append(exp, body + i, 1) == 0);
	}
}

/*
 * `big` is `small` with one contiguous run of `n` octets inserted.
 */
static int
is_insertion(const uint8_t *big, size_t blen, const uint8_t *small,
    size_t slen, size_t n)
{
	size_t p = 0;

	if (blen != slen + n)
		return 0;
	while (p < slen && big[p] == small[p])
		p++;
	return memcmp(big + blen - (slen - p), small + p, slen - p) == 0;
}

/*
 * The input as a DELETE after an element insertion gives it back: the
 * same, unless the parent was written <p/>, which the insertion opened
 * into <p>...</p>. Returns 0, or -1 when the parent's URI cannot be
 * rebuilt (too long).
 */
static int
undo_of_insert(const uint8_t *doc, size_t len, const struct xcap_uri *u,
    struct buf *undo)
{
	struct pres_node_loc ploc;
	struct pres_node_err err;
	size_t name_end;

	if (load_prefix(u, u->nsteps - 1) != 0)
		return -1;
	FUZZ_CHECK(pres_node_locate(doc, len, &anc, &ploc, &err) == 0);
	if (doc[ploc.el_end - 2] != '/') {
		FUZZ_CHECK(buf_append(undo, doc, len) == 0);
		return 0;
	}
	for (name_end = ploc.el_start + 1; !is_ws(doc[name_end]) &&
	    doc[name_end] != '/' && doc[name_end] != '>'; name_end++)
		;
	FUZZ_CHECK(buf_append(undo, doc, ploc.el_end - 2) == 0);
	FUZZ_CHECK(buf_append(undo, "></", 3) == 0);
	FUZZ_CHECK(buf_append(undo, doc + ploc.el_start + 1,
	    name_end - ploc.el_start - 1) == 0);
	FUZZ_CHECK(buf_append(undo, ">", 1) == 0);
	FUZZ_CHECK(buf_append(undo, doc + ploc.el_end, len - ploc.el_end) ==
	    0);
	return 0;
}

/* The Content-Type of `u` in capitals with a parameter, which PUT must
 * take as well. */
static void
shouted_ctype(const struct xcap_uri *u, char *ct, size_t size)
{
	size_t i;

	snprintf(ct, size, "%s ; charset=\"UTF-8\"", pres_node_mime(u));
	for (i = 0; ct[i] != '\0'; i++)
		ct[i] = (char)toupper((unsigned char)ct[i]);
}

/* After a successful PUT of the input `doc` into `nd`. */
static void
check_put_result(const uint8_t *doc, size_t len, const struct xcap_uri *u,
    const uint8_t *body, size_t blen, const uint8_t *nd, size_t nlen,
    int created, const struct pres_node_loc *loc)
{
	struct pres_node_loc nloc;
	struct pres_node_err err;
	struct buf exp, got, again, del, undo;
	const char *mime;
	size_t a, b;
	char ct[64];
	int rc, ok, has_undo = 0;
	uint8_t q, *dd;

	buf_init(&exp, DOC_MAX);
	buf_init(&got, DOC_MAX);
	buf_init(&again, DOC_MAX);
	buf_init(&del, DOC_MAX);
	buf_init(&undo, DOC_MAX);

	/* GET(PUT(x)) == x. */
	check_wf(nd, nlen);
	expected_get(u, body, blen, &exp);
	FUZZ_CHECK(pres_node_get(nd, nlen, u, &got, &mime, &err) == 0);
	FUZZ_CHECK(same(&got, exp.data, exp.len));
	FUZZ_CHECK(check_get(nd, nlen, u, &nloc) == 1);

	if (!created) {
		/* Only the node changed: the element, or the quoted value. */
		if (u->terminal == XCAP_TERM_ELEMENT) {
			a = loc->el_start;
			b = loc->el_end;
		} else {
			a = loc->val_start - 1;
			b = loc->val_end + 1;
		}
		FUZZ_CHECK(nlen == len - (b - a) + exp.len +
		    (u->terminal == XCAP_TERM_ELEMENT ? 0 : 2));
		FUZZ_CHECK(memcmp(nd, doc, a) == 0);
		FUZZ_CHECK(memcmp(nd + nlen - (len - b), doc + b, len - b) ==
		    0);
		if (u->terminal == XCAP_TERM_ATTRIBUTE) {
			q = nd[a];
			FUZZ_CHECK((q == '"' || q == '\'') &&
			    nd[a + 1 + exp.len] == q);
			FUZZ_CHECK(exp.len == 0 ||
			    memchr(exp.data, q, exp.len) == NULL);
		}
	} else if (u->terminal == XCAP_TERM_ELEMENT) {
		if (undo_of_insert(doc, len, u, &undo) == 0) {
			has_undo = 1;
			FUZZ_CHECK(is_insertion(nd, nlen, undo.data, undo.len,
			    exp.len));
		}
	} else {
		/* ` name="value"`, maybe with a declaration first. */
		FUZZ_CHECK(nlen >= len + exp.len + 5);
		FUZZ_CHECK(is_insertion(nd, nlen, doc, len, nlen - len));
	}

	/* PUT again: a replacement that changes nothing. */
	shouted_ctype(u, ct, sizeof(ct));
	FUZZ_CHECK(pres_node_put(nd, nlen, u, ct, body, blen, &again, &rc,
	    &err) == 0);
	FUZZ_CHECK(rc == 0 && same(&again, nd, nlen));

	/* DELETE after PUT: GET is 404 again, and an insertion is undone. */
	rc = pres_node_delete(nd, nlen, u, &del, &err);
	if (rc != 0) {
		check_fail(&del, &err, delete_tags);
		FUZZ_CHECK(err.status == 409);
		/* Only a position can make the deletion shift another
		 * element into the selected place. */
		FUZZ_CHECK(!created || (u->terminal == XCAP_TERM_ELEMENT &&
		    u->step[u->nsteps - 1].position != 0));
	} else {
		dd = dup_exact(del.data, del.len);
		check_gone(dd, del.len, u);
		free(dd);
		if (has_undo)
			FUZZ_CHECK(same(&del, undo.data, undo.len));
		else if (created && u->terminal == XCAP_TERM_ATTRIBUTE) {
			/* A prefix declared for the attribute stays. */
			ok = same(&del, doc, len) ||
			    (u->term_attr.prefix != NULL &&
			    del.len > len && is_insertion(del.data, del.len,
			    doc, len, del.len - len));
			FUZZ_CHECK(ok);
		}
	}
	buf_clear(&exp);
	buf_clear(&got);
	buf_clear(&again);
	buf_clear(&del);
	buf_clear(&undo);
}

/* PUT of the body on the input, `found` and `loc` from GET. */
static void
check_put(const uint8_t *doc, size_t len, const struct xcap_uri *u,
    const uint8_t *body, size_t blen, int found,
    const struct pres_node_loc *loc)
{
	struct pres_node_err err;
	struct buf out, small;
	uint8_t *nd;
	int created = -1, rc;

	buf_init(&out, DOC_MAX);

	/* No Content-Type: 415, or 405 for namespace bindings. */
	rc = pres_node_put(doc, len, u, NULL, body, blen, &out, &created,
	    &err);
	FUZZ_CHECK(rc == -1 && created == 0);
	check_fail(&out, &err, no_tags);
	FUZZ_CHECK(err.status ==
	    (u->terminal == XCAP_TERM_NAMESPACE ? 405 : 415));
	if (u->terminal == XCAP_TERM_NAMESPACE)
		goto out;

	created = -1;
	rc = pres_node_put(doc, len, u, pres_node_mime(u), body, blen, &out,
	    &created, &err);
	if (rc != 0) {
		FUZZ_CHECK(created == 0);
		check_fail(&out, &err, u->terminal == XCAP_TERM_ELEMENT ?
		    put_el_tags : put_att_tags);
		FUZZ_CHECK(err.status == 404 || err.status == 409);
		/* An existing node is replaced or refused, never missed. */
		FUZZ_CHECK(!found || (err.status == 409 &&
		    strcmp(err.tag, "no-parent") != 0));
		if (err.tag != NULL && strcmp(err.tag, "no-parent") == 0)
			check_no_parent(doc, len, u, &err);
		goto out;
	}
	FUZZ_CHECK(created == !found);
	nd = dup_exact(out.data, out.len);
	check_put_result(doc, len, u, body, blen, nd, out.len, created, loc);
	FUZZ_CHECK(memcmp(nd, out.data, out.len) == 0);
	free(nd);

	/* A cap one octet short of the result: constraint-failure. */
	buf_init(&small, out.len - 1);
	FUZZ_CHECK(pres_node_put(doc, len, u, pres_node_mime(u), body, blen,
	    &small, &created, &err) == -1);
	check_fail(&small, &err, u->terminal == XCAP_TERM_ELEMENT ?
	    put_el_tags : put_att_tags);
	FUZZ_CHECK(err.status == 409 &&
	    strcmp(err.tag, "constraint-failure") == 0);
	buf_clear(&small);
out:
	buf_clear(&out);
}

/* Parse DOC_TARGET + the selector line into `uri` and resolve it. */
static int
load_uri(const uint8_t *sel, size_t n)
{
	static char target[XCAP_URI_MAX_LEN + 1];
	size_t pl = strlen(DOC_TARGET);
	char err[256];

	if (n > XCAP_URI_MAX_LEN - pl || memchr(sel, '\0', n) != NULL)
		return -1;
	memcpy(target, DOC_TARGET, pl);
	memcpy(target + pl, sel, n);
	target[pl + n] = '\0';
	if (xcap_uri_parse(target, ROOT, &uri, err, sizeof(err)) != 0)
		return -1;
	FUZZ_CHECK(uri.has_node_selector && uri.nsteps > 0);
	if (xcap_uri_resolve(&uri, DEFAULT_NS, err, sizeof(err)) != 0)
		return -1;	/* an unbound prefix: 400 before the engine */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int seeds_checked;
	struct pres_node_loc loc;
	const uint8_t *nl, *body;
	size_t i, len, blen;
	uint8_t *doc;
	int found;

	if (!seeds_checked) {
		for (i = 0; i < NSEEDS; i++)
			check_wf((const uint8_t *)seeds[i], strlen(seeds[i]));
		seeds_checked = 1;
	}
	if ((nl = memchr(data, '\n', size)) == NULL) {
		/* No body at all: NULL, which PUT takes for an empty one. */
		nl = data + size;
		body = NULL;
		blen = 0;
	} else {
		body = nl + 1;
		blen = size - (size_t)(body - data);
	}
	if (load_uri(data, (size_t)(nl - data)) != 0)
		return 0;

	for (i = 0; i < NSEEDS; i++) {
		len = strlen(seeds[i]);
		doc = dup_exact(seeds[i], len);
		found = check_get(doc, len, &uri, &loc);
		check_delete(doc, len, &uri, found, &loc);
		check_put(doc, len, &uri, body, blen, found, &loc);
		FUZZ_CHECK(memcmp(doc, seeds[i], len) == 0);
		free(doc);
	}
	return 0;
}
