/*
 * presence_node_tests.c — the XCAP node engine (presence/presence_node.c)
 * in its own Check runner, with selectors parsed by common/xcap_uri.c as
 * the daemon parses them. Every success asserts the exact bytes.
 *
 *   suite "node_get":    elements, attributes, namespace bindings of a
 *                        seed document full of byte-level traps.
 *   suite "node_insert": every RFC 4825 §8.2.3 case of XCAP.md §1.6 (the
 *                        OpenXCAP test_element_put document), each undone
 *                        by DELETE back to the same bytes.
 *   suite "node_edit":   replacement, fragments, no-parent, several
 *                        matches, attributes, DELETE rules, caps, and the
 *                        xcap-error bodies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "presence_node.h"
#include "xcap_uri.h"
#include "xml.h"

#define ROOT	"/xcap-root"
#define DOCURI	ROOT "/test-app/users/sip:joe@example.com/index"
#define NS_RL	"urn:ietf:params:xml:ns:resource-lists"
#define NS_CP	"urn:ietf:params:xml:ns:common-policy"
#define Q_CP	"?xmlns(cp=" NS_CP ")"
#define CAP	(1024 * 1024)

/*
 * The seed: an XML declaration in single quotes, comments (one holding
 * markup), attributes in both quote styles with odd spacing, a value
 * holding the other quote, a prefixed element of another namespace with
 * the same local name as its siblings, CDATA holding markup, <x></x> and
 * <x/>, tabs, and a newline after the root.
 */
static const char seed[] =
    "<?xml version='1.0' encoding=\"UTF-8\"?>\n"
    "<!-- seed: <resource-lists> -->\n"
    "<resource-lists xmlns=\"" NS_RL "\"\n"
    "   xmlns:cp='" NS_CP "'  >\n"
    "  <list name=\"friends\" >\n"
    "    <entry uri='sip:bob@example.com'><display-name>Bob &amp; Co"
    "</display-name></entry>\n"
    "\t<entry   uri=\"sip:alice@example.com\"  cp:note='x &gt; y'/>\n"
    "    <cp:entry uri=\"sip:other-ns@example.com\"/>\n"
    "    <!-- <entry uri=\"sip:in-comment@example.com\"/> -->\n"
    "    <entry uri=\"sip:carol@example.com\"></entry>\n"
    "    <cp:ext id=\"1\"><![CDATA[<entry uri=\"fake\"/>]]></cp:ext>\n"
    "  </list>\n"
    "  <list name='empty'/>\n"
    "  <list name=\"o'brien\"></list>\n"
    "</resource-lists>\n";

/* XCAP.md §1.6, from OpenXCAP's test_element_put.py. */
static const char start[] =
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<root xmlns=\"test-app\">\n"
    "<el1 att=\"first\"/>\n"
    "<el1 att=\"second\"/>\n"
    "<!-- comment -->\n"
    "<el2 att=\"first\"/>\n"
    "</root>";

static struct xcap_uri U;

/* Parse DOCURI/~~/`sel` (selector and query) with `dns` as the AUID's
 * default namespace. */
static const struct xcap_uri *
mksel(const char *dns, const char *sel)
{
	char target[XCAP_URI_MAX_LEN], err[256] = "";
	int rc;

	snprintf(target, sizeof(target), "%s/~~/%s", DOCURI, sel);
	rc = xcap_uri_parse(target, ROOT, &U, err, sizeof(err));
	ck_assert_msg(rc == 0, "parse %s: %s", target, err);
	rc = xcap_uri_resolve(&U, dns, err, sizeof(err));
	ck_assert_msg(rc == 0, "resolve %s: %s", target, err);
	return &U;
}

#define RL(sel)		mksel(NS_RL, (sel))
#define TA(sel)		mksel("test-app", (sel))

/* `s` with its only occurrence of `from` replaced by `to`; caller frees. */
static char *
subst(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	char *r;

	ck_assert_msg(p != NULL, "test bug: '%s' not in the text", from);
	ck_assert_msg(strstr(p + 1, from) == NULL,
	    "test bug: '%s' twice in the text", from);
	r = malloc(strlen(s) - strlen(from) + strlen(to) + 1);
	ck_assert_ptr_nonnull(r);
	memcpy(r, s, (size_t)(p - s));
	strcpy(r + (p - s), to);
	strcat(r, p + strlen(from));
	return r;
}

static void
assert_bytes(const struct buf *b, const char *want)
{
	ck_assert_msg(b->len == strlen(want) &&
	    memcmp(b->data, want, b->len) == 0,
	    "got (%zu)\n[%.*s]\nwant (%zu)\n[%s]", b->len, (int)b->len,
	    b->data != NULL ? (const char *)b->data : "", strlen(want), want);
}

static void
get_ok(const char *doc, const struct xcap_uri *u, const char *want,
    const char *mime)
{
	struct pres_node_err err;
	const char *m = NULL;
	struct buf out;

	buf_init(&out, CAP);
	ck_assert_msg(pres_node_get((const uint8_t *)doc, strlen(doc), u,
	    &out, &m, &err) == 0, "GET %s: %d %s", u->selector, err.status,
	    err.phrase);
	assert_bytes(&out, want);
	ck_assert_str_eq(m, mime);
	buf_clear(&out);
}

static void
get_fail(const char *doc, const struct xcap_uri *u, int status)
{
	struct pres_node_err err;
	const char *m = NULL;
	struct buf out;

	buf_init(&out, CAP);
	ck_assert_msg(pres_node_get((const uint8_t *)doc, strlen(doc), u,
	    &out, &m, &err) == -1, "GET %s succeeded", u->selector);
	ck_assert_int_eq(err.status, status);
	ck_assert_uint_eq(out.len, 0);
	buf_clear(&out);
}

/* PUT expecting success; returns the new document (caller frees). */
static char *
put_doc(const char *doc, const struct xcap_uri *u, const char *body,
    int want_created)
{
	struct pres_node_err err;
	struct buf out;
	int created = -1;
	char *r;

	buf_init(&out, CAP);
	ck_assert_msg(pres_node_put((const uint8_t *)doc, strlen(doc), u,
	    pres_node_mime(u), (const uint8_t *)body, strlen(body), &out,
	    &created, &err) == 0, "PUT %s: %d %s %s", u->selector,
	    err.status, err.tag != NULL ? err.tag : "-", err.phrase);
	ck_assert_int_eq(created, want_created);
	ck_assert_ptr_nonnull(r = strndup((const char *)out.data, out.len));
	ck_assert_uint_eq(strlen(r), out.len);
	buf_clear(&out);
	return r;
}

static void
put_ok(const char *doc, const struct xcap_uri *u, const char *body,
    int want_created, const char *want)
{
	char *r = put_doc(doc, u, body, want_created);

	ck_assert_msg(strcmp(r, want) == 0, "PUT %s:\n[%s]\nwant\n[%s]",
	    u->selector, r, want);
	free(r);
}

/* PUT expecting failure `status` (and xcap-error `tag` for 409); `out`
 * must be left empty. Returns err for more checks. */
static struct pres_node_err
put_fail_ct(const char *doc, const struct xcap_uri *u, const char *ctype,
    const char *body, size_t blen, int status, const char *tag)
{
	struct pres_node_err err;
	struct buf out;
	int created = -1;

	buf_init(&out, CAP);
	ck_assert_msg(pres_node_put((const uint8_t *)doc, strlen(doc), u,
	    ctype, (const uint8_t *)body, blen, &out, &created, &err) == -1,
	    "PUT %s of [%s] succeeded", u->selector, body);
	ck_assert_msg(err.status == status, "PUT %s: status %d (%s), want %d",
	    u->selector, err.status, err.phrase, status);
	if (tag != NULL) {
		ck_assert_ptr_nonnull(err.tag);
		ck_assert_str_eq(err.tag, tag);
	} else
		ck_assert_ptr_null(err.tag);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(created, 0);
	buf_clear(&out);
	return err;
}

static struct pres_node_err
put_fail(const char *doc, const struct xcap_uri *u, const char *body,
    int status, const char *tag)
{
	return put_fail_ct(doc, u, pres_node_mime(u), body, strlen(body),
	    status, tag);
}

static char *
del_doc(const char *doc, const struct xcap_uri *u)
{
	struct pres_node_err err;
	struct buf out;
	char *r;

	buf_init(&out, CAP);
	ck_assert_msg(pres_node_delete((const uint8_t *)doc, strlen(doc), u,
	    &out, &err) == 0, "DELETE %s: %d %s %s", u->selector, err.status,
	    err.tag != NULL ? err.tag : "-", err.phrase);
	ck_assert_ptr_nonnull(r = strndup((const char *)out.data, out.len));
	buf_clear(&out);
	return r;
}

static void
del_ok(const char *doc, const struct xcap_uri *u, const char *want)
{
	char *r = del_doc(doc, u);

	ck_assert_msg(strcmp(r, want) == 0, "DELETE %s:\n[%s]\nwant\n[%s]",
	    u->selector, r, want);
	free(r);
}

static void
del_fail(const char *doc, const struct xcap_uri *u, int status,
    const char *tag)
{
	struct pres_node_err err;
	struct buf out;

	buf_init(&out, CAP);
	ck_assert_msg(pres_node_delete((const uint8_t *)doc, strlen(doc), u,
	    &out, &err) == -1, "DELETE %s succeeded", u->selector);
	ck_assert_msg(err.status == status, "DELETE %s: %d (%s), want %d",
	    u->selector, err.status, err.phrase, status);
	if (tag != NULL) {
		ck_assert_ptr_nonnull(err.tag);
		ck_assert_str_eq(err.tag, tag);
	} else
		ck_assert_ptr_null(err.tag);
	ck_assert_uint_eq(out.len, 0);
	buf_clear(&out);
}

/* ---- node_get ---------------------------------------------------------- */

#define FRIENDS	"resource-lists/list[@name=\"friends\"]"

START_TEST(get_elements)
{
	get_ok(seed, RL(FRIENDS "/entry[1]"),
	    "<entry uri='sip:bob@example.com'><display-name>Bob &amp; Co"
	    "</display-name></entry>", PRES_NODE_MIME_EL);
	get_ok(seed, RL(FRIENDS "/entry[2]"),
	    "<entry   uri=\"sip:alice@example.com\"  cp:note='x &gt; y'/>",
	    PRES_NODE_MIME_EL);
	/* cp:entry is another expanded name: entry[3] is carol. */
	get_ok(seed, RL(FRIENDS "/entry[3]"),
	    "<entry uri=\"sip:carol@example.com\"></entry>",
	    PRES_NODE_MIME_EL);
	get_fail(seed, RL(FRIENDS "/entry[4]"), 404);
	get_ok(seed, RL(FRIENDS "/cp:entry" Q_CP),
	    "<cp:entry uri=\"sip:other-ns@example.com\"/>", PRES_NODE_MIME_EL);
	get_ok(seed, RL(FRIENDS "/cp:ext[@id=\"1\"]" Q_CP),
	    "<cp:ext id=\"1\"><![CDATA[<entry uri=\"fake\"/>]]></cp:ext>",
	    PRES_NODE_MIME_EL);
	get_ok(seed, RL("resource-lists/list[@name=\"o'brien\"]"),
	    "<list name=\"o'brien\"></list>", PRES_NODE_MIME_EL);
	get_ok(seed, RL("resource-lists/list[2]"), "<list name='empty'/>",
	    PRES_NODE_MIME_EL);
	get_ok(seed, RL(FRIENDS "/entry[1]/display-name"),
	    "<display-name>Bob &amp; Co</display-name>", PRES_NODE_MIME_EL);
	/* Attribute test on a value written with an entity. */
	get_ok(seed, RL(FRIENDS "/entry[@cp:note=\"x%20%3E%20y\"]" Q_CP),
	    "<entry   uri=\"sip:alice@example.com\"  cp:note='x &gt; y'/>",
	    PRES_NODE_MIME_EL);
	/* The root, with its declarations, as written. */
	get_ok(start, TA("root"), start + strlen("<?xml version='1.0' "
	    "encoding='UTF-8'?>\n"), PRES_NODE_MIME_EL);
}
END_TEST

START_TEST(get_wildcards_positions)
{
	get_ok(seed, RL("*/*[1]/*[4]"),
	    "<entry uri=\"sip:carol@example.com\"></entry>",
	    PRES_NODE_MIME_EL);
	get_ok(seed, RL("*/*[@name=\"friends\"]/*[3]"),
	    "<cp:entry uri=\"sip:other-ns@example.com\"/>", PRES_NODE_MIME_EL);
	get_ok(seed, RL("resource-lists/list[1][@name=\"friends\"]/*[2]"),
	    "<entry   uri=\"sip:alice@example.com\"  cp:note='x &gt; y'/>",
	    PRES_NODE_MIME_EL);
	/* [N] then the attribute test, not the N-th with the attribute. */
	get_fail(seed, RL("resource-lists/list[2][@name=\"friends\"]"), 404);
	get_fail(seed, RL("resource-lists/list[3][@name='empty']"), 404);
	get_ok(seed, RL("resource-lists/list[3][@name=\"o'brien\"]"),
	    "<list name=\"o'brien\"></list>", PRES_NODE_MIME_EL);
	/* XPath node sets: list/entry[2] exists in one list only. */
	get_ok(seed, RL("resource-lists/list/entry[2]"),
	    "<entry   uri=\"sip:alice@example.com\"  cp:note='x &gt; y'/>",
	    PRES_NODE_MIME_EL);
	/* Several matches, no match, wrong namespace, wrong root. */
	get_fail(seed, RL("resource-lists/list"), 404);
	get_fail(seed, RL(FRIENDS "/entry"), 404);
	get_fail(seed, RL("resource-lists/*"), 404);
	get_fail(seed, RL(FRIENDS "/ext"), 404);
	get_fail(seed, RL("cp:resource-lists" Q_CP), 404);
	get_fail(seed, RL("resource-lists[2]"), 404);
	get_fail(seed, RL("other"), 404);
	get_ok(seed, RL("resource-lists[1]/list[2]"), "<list name='empty'/>",
	    PRES_NODE_MIME_EL);
}
END_TEST

START_TEST(get_attributes)
{
	get_ok(seed, RL(FRIENDS "/entry[1]/@uri"), "sip:bob@example.com",
	    PRES_NODE_MIME_ATT);
	get_ok(seed, RL(FRIENDS "/entry[2]/@cp:note" Q_CP), "x &gt; y",
	    PRES_NODE_MIME_ATT);
	get_ok(seed, RL("resource-lists/list[3]/@name"), "o'brien",
	    PRES_NODE_MIME_ATT);
	get_ok(seed, RL("resource-lists/list[@name='empty']/@name"), "empty",
	    PRES_NODE_MIME_ATT);
	/* Unprefixed attribute names are in no namespace. */
	get_fail(seed, RL(FRIENDS "/entry[2]/@note"), 404);
	get_fail(seed, RL(FRIENDS "/entry[2]/@missing"), 404);
	get_fail(seed, RL("resource-lists/list/@name"), 404);
	/* Declarations are not attributes. */
	get_fail(seed, RL("resource-lists/@xmlns"), 404);
}
END_TEST

START_TEST(get_namespaces)
{
	static const char nsdoc[] =
	    "<r xmlns:p=\"urn:b\" xmlns=\"urn:a\">"
	    "<s xmlns:p=\"urn:c\" xmlns:q='urn:d&amp;e'><t xmlns=\"\"/>"
	    "<p:u/><q:v/></s></r>";

	get_ok(seed, RL(FRIENDS "/entry[1]/namespace::*"),
	    "<entry xmlns=\"" NS_RL "\" xmlns:cp=\"" NS_CP "\"/>",
	    PRES_NODE_MIME_NS);
	get_ok(seed, RL(FRIENDS "/cp:ext/namespace::*" Q_CP),
	    "<cp:ext xmlns=\"" NS_RL "\" xmlns:cp=\"" NS_CP "\"/>",
	    PRES_NODE_MIME_NS);
	/* Innermost declaration wins, undeclared default omitted, values
	 * escaped. */
	get_ok(nsdoc, mksel("urn:a", "r/s/namespace::*"),
	    "<s xmlns:p=\"urn:c\" xmlns:q=\"urn:d&amp;e\" xmlns=\"urn:a\"/>",
	    PRES_NODE_MIME_NS);
	get_ok(nsdoc, mksel(NULL, "x:r/x:s/t/namespace::*?xmlns(x=urn:a)"),
	    "<t xmlns:p=\"urn:c\" xmlns:q=\"urn:d&amp;e\"/>",
	    PRES_NODE_MIME_NS);
	get_ok(nsdoc, mksel("urn:a", "r/s/y:u/namespace::*?xmlns(y=urn:c)"),
	    "<p:u xmlns:p=\"urn:c\" xmlns:q=\"urn:d&amp;e\" xmlns=\"urn:a\"/>",
	    PRES_NODE_MIME_NS);
	/* A namespace name holding '&' (libxml2 keeps it as &#38;). */
	get_ok(nsdoc, mksel("urn:a", "r/s/w:v?xmlns(w=urn:d%26e)"), "<q:v/>",
	    PRES_NODE_MIME_EL);
	get_fail(nsdoc, mksel("urn:a", "r/s/w:v?xmlns(w=urn:d%26%2338;e)"),
	    404);
	get_fail(seed, RL("resource-lists/list/namespace::*"), 404);
}
END_TEST

START_TEST(locate_offsets)
{
	struct pres_node_err err;
	struct pres_node_loc loc;
	const char *el = "<entry   uri=\"sip:alice@example.com\"  "
	    "cp:note='x &gt; y'/>";
	size_t off = (size_t)(strstr(seed, el) - seed);

	ck_assert_int_eq(pres_node_locate((const uint8_t *)seed, strlen(seed),
	    RL(FRIENDS "/entry[2]/@cp:note" Q_CP), &loc, &err), 0);
	ck_assert_int_eq(loc.kind, PRES_NODE_ATTRIBUTE);
	ck_assert_uint_eq(loc.el_start, off);
	ck_assert_uint_eq(loc.el_end, off + strlen(el));
	ck_assert_uint_eq(loc.stag_end, off + strlen(el));
	ck_assert_uint_eq(loc.att_start, off + strlen(el) - 20);
	ck_assert_uint_eq(loc.att_end, off + strlen(el) - 2);
	ck_assert_uint_eq(loc.val_start, off + strlen(el) - 11);
	ck_assert_uint_eq(loc.val_end, off + strlen(el) - 3);
	ck_assert_int_eq(pres_node_locate((const uint8_t *)seed, strlen(seed),
	    RL(FRIENDS), &loc, &err), 0);
	ck_assert_int_eq(loc.kind, PRES_NODE_ELEMENT);
	ck_assert_uint_eq(loc.stag_end - loc.el_start,
	    strlen("<list name=\"friends\" >"));
	ck_assert_int_eq(pres_node_locate((const uint8_t *)seed, strlen(seed),
	    RL(FRIENDS "/nothing"), &loc, &err), -1);
	ck_assert_int_eq(err.status, 404);
	/* A stored document that is not XML is an internal error. */
	ck_assert_int_eq(pres_node_locate((const uint8_t *)"<a>", 3,
	    RL("a"), &loc, &err), -1);
	ck_assert_int_eq(err.status, 500);
	/* libxml2 alone would take "<a/>" and ignore what follows a NUL. */
	ck_assert_int_eq(pres_node_locate((const uint8_t *)"<a/>\0<b", 7,
	    mksel(NULL, "a"), &loc, &err), -1);
	ck_assert_int_eq(err.status, 500);
	ck_assert_int_eq(pres_node_locate((const uint8_t *)"<a/>", 4,
	    mksel(NULL, "a"), &loc, &err), 0);
}
END_TEST

/* ---- node_insert: XCAP.md §1.6 ----------------------------------------- */

/* PUT `body` at `sel` into `start` expecting 201 and `want`, then DELETE
 * the same URI: GET gives 404 and the bytes are `start` again. */
static void
insert_undo(const char *sel, const char *body, const char *want)
{
	char *doc, *back;

	doc = put_doc(start, TA(sel), body, 1);
	ck_assert_msg(strcmp(doc, want) == 0, "PUT %s:\n[%s]\nwant\n[%s]",
	    sel, doc, want);
	get_ok(doc, TA(sel), body, PRES_NODE_MIME_EL);
	back = del_doc(doc, TA(sel));
	ck_assert_str_eq(back, start);
	get_fail(back, TA(sel), 404);
	free(back);
	free(doc);
}

static const char after_second[] =
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<root xmlns=\"test-app\">\n"
    "<el1 att=\"first\"/>\n"
    "<el1 att=\"second\"/><el1 att=\"third\"/>\n"
    "<!-- comment -->\n"
    "<el2 att=\"first\"/>\n"
    "</root>";

START_TEST(insert_after_last_same_name)
{
	insert_undo("root/el1[@att=\"third\"]", "<el1 att=\"third\"/>",
	    after_second);
	insert_undo("root/el1[3][@att=\"third\"]", "<el1 att=\"third\"/>",
	    after_second);
	insert_undo("root/*[3][@att=\"third\"]", "<el1 att=\"third\"/>",
	    after_second);
}
END_TEST

START_TEST(insert_out_of_range)
{
	put_fail(start, TA("root/el1[4][@att=\"third\"]"),
	    "<el1 att=\"third\"/>", 409, "cannot-insert");
	put_fail(start, TA("root/*[5]"), "<el1 att=\"third\"/>", 409,
	    "cannot-insert");
	/* *[0]: XCAP.md §1.6 lists 409 (OpenXCAP); position = 1*DIGIT
	 * starting at 1 is enforced by the selector parser, which answers
	 * 400 before the engine runs. */
}
END_TEST

START_TEST(insert_not_selected)
{
	/* GET(PUT(x)) == x would break: cannot-insert, nothing written. */
	put_fail(start, TA("root/el1[@att=\"third\"]"),
	    "<el1 att=\"fourth\"/>", 409, "cannot-insert");
	put_fail(start, TA("root/el1[3][@att=\"third\"]"),
	    "<el1 att=\"fourth\"/>", 409, "cannot-insert");
	put_fail(start, TA("root/*[3][@att=\"third\"]"),
	    "<el1 att=\"fourth\"/>", 409, "cannot-insert");
	/* Name or namespace of the body not matching the step. */
	put_fail(start, TA("root/el3"), "<el4/>", 409, "cannot-insert");
	put_fail(start, TA("root/el3"), "<el3 xmlns=\"other\"/>", 409,
	    "cannot-insert");
	put_fail(start, TA("root/el1[2][@att=\"x\"]"), "<el2 att=\"x\"/>", 409,
	    "cannot-insert");
}
END_TEST

START_TEST(insert_new_name_last_child)
{
	insert_undo("root/el3", "<el3 att=\"first\"/>",
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"first\"/>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/>\n"
	    "<el3 att=\"first\"/></root>");
}
END_TEST

START_TEST(insert_positions)
{
	static const char after_el2[] =
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"first\"/>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/><el2 att=\"2\"/>\n"
	    "</root>";

	insert_undo("root/el2[@att=\"2\"]", "<el2 att=\"2\"/>", after_el2);
	insert_undo("root/el2[2][@att=\"2\"]", "<el2 att=\"2\"/>", after_el2);
	insert_undo("root/*[2][@att=\"2\"]", "<el2 att=\"2\"/>",
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"first\"/><el2 att=\"2\"/>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/>\n"
	    "</root>");
	insert_undo("root/el2[1][@att=\"2\"]", "<el2 att=\"2\"/>",
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"first\"/>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"2\"/><el2 att=\"first\"/>\n"
	    "</root>");
	insert_undo("root/*[1][@att=\"0\"]", "<el0 att=\"0\"/>",
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el0 att=\"0\"/><el1 att=\"first\"/>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/>\n"
	    "</root>");
	insert_undo("root/*[4]", "<el9/>",
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"first\"/>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/><el9/>\n"
	    "</root>");
	/* First of a name that has no element yet: the parent's end. */
	insert_undo("root/el5[1]", "<el5/>",
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"first\"/>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/>\n"
	    "<el5/></root>");
}
END_TEST

START_TEST(insert_wildcard_attr)
{
	/* *[@att="2"]: the name test is the body's own name (OpenXCAP
	 * fix_star), then the rules above. */
	insert_undo("root/*[@att=\"2\"]", "<el1 att=\"2\"/>",
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"first\"/>\n"
	    "<el1 att=\"second\"/><el1 att=\"2\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/>\n"
	    "</root>");
	insert_undo("root/el1[@att=\"2\"]", "<el1 att=\"2\"/>",
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"first\"/>\n"
	    "<el1 att=\"second\"/><el1 att=\"2\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/>\n"
	    "</root>");
	insert_undo("root/*[@att=\"2\"]", "<el2 att=\"2\"/>",
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"first\"/>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/><el2 att=\"2\"/>\n"
	    "</root>");
	insert_undo("root/*[@att=\"2\"]", "<el3 att=\"2\"/>",
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"first\"/>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/>\n"
	    "<el3 att=\"2\"/></root>");
	insert_undo("root/el3[@att=\"2\"]", "<el3 att=\"2\"/>",
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"first\"/>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/>\n"
	    "<el3 att=\"2\"/></root>");
	/* The wildcard body must still be one well-formed element. */
	put_fail(start, TA("root/*[@att=\"2\"]"), "<el1 att=\"2\">", 409,
	    "not-xml-frag");
}
END_TEST

START_TEST(replace_rules)
{
	static const char third_first[] =
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<el1 att=\"third\"/>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/>\n"
	    "</root>";

	put_fail(start, TA("root/el1[@att=\"first\"]"), "<el1 att=\"third\"/>",
	    409, "cannot-insert");
	put_fail(start, TA("root/el1[1][@att=\"first\"]"),
	    "<el1 att=\"third\"/>", 409, "cannot-insert");
	put_fail(start, TA("root/*[1][@att=\"first\"]"),
	    "<el1 att=\"third\"/>", 409, "cannot-insert");
	put_ok(start, TA("root/el1[1]"), "<el1 att=\"third\"/>", 0,
	    third_first);
	put_ok(start, TA("root/*[1]"), "<el1 att=\"third\"/>", 0, third_first);
	/* *[1] replaced by another name still is *[1]. */
	put_ok(start, TA("root/*[1]"), "<x>y</x>", 0,
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\">\n"
	    "<x>y</x>\n"
	    "<el1 att=\"second\"/>\n"
	    "<!-- comment -->\n"
	    "<el2 att=\"first\"/>\n"
	    "</root>");
	/* ... but el1[1] replaced by an el2 would not be. */
	put_fail(start, TA("root/el1[1]"), "<el2/>", 409, "cannot-insert");
	/* The root element itself. */
	put_ok(start, TA("root"), "<root xmlns=\"test-app\"/>", 0,
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<root xmlns=\"test-app\"/>");
	put_fail(start, TA("other"), "<other xmlns=\"test-app\"/>", 409,
	    "cannot-insert");
}
END_TEST

/* ---- node_edit ---------------------------------------------------------- */

START_TEST(put_replace_exact)
{
	const char *old = "<entry   uri=\"sip:alice@example.com\"  "
	    "cp:note='x &gt; y'/>";
	char *want;

	/* Everything but the element stays as it was, byte for byte. */
	want = subst(seed, old, "<entry uri='sip:alice@example.com'>"
	    "<cp:x/></entry>");
	put_ok(seed, RL(FRIENDS "/entry[2]"), "<entry uri='sip:alice@example."
	    "com'><cp:x/></entry>", 0, want);
	free(want);
	/* Whitespace around the body is dropped; <x></x> stays so. */
	want = subst(seed, "<entry uri=\"sip:carol@example.com\"></entry>",
	    "<entry uri=\"sip:carol@example.com\" ></entry>");
	put_ok(seed, RL(FRIENDS "/entry[@uri=\"sip:carol@example.com\"]"),
	    "\r\n\t <entry uri=\"sip:carol@example.com\" ></entry> \n", 0,
	    want);
	free(want);
	want = subst(seed, "<list name='empty'/>",
	    "<list name='empty'></list>");
	put_ok(seed, RL("resource-lists/list[@name='empty']"),
	    "<list name='empty'></list>", 0, want);
	free(want);
	/* Content-Type parameters and case are tolerated on requests. */
	{
		struct pres_node_err err;
		struct buf out;
		int created;
		const char *b = "<list name='empty'/>";

		buf_init(&out, CAP);
		ck_assert_int_eq(pres_node_put((const uint8_t *)seed,
		    strlen(seed), RL("resource-lists/list[2]"),
		    "Application/XCAP-el+xml; charset=UTF-8",
		    (const uint8_t *)b, strlen(b), &out, &created, &err), 0);
		assert_bytes(&out, seed);
		buf_clear(&out);
	}
}
END_TEST

START_TEST(put_insert_seed)
{
	char *want;

	/* After the last sibling of the same expanded name: after carol,
	 * before cp:ext, not after cp:entry. */
	want = subst(seed, "<entry uri=\"sip:carol@example.com\"></entry>",
	    "<entry uri=\"sip:carol@example.com\"></entry>"
	    "<entry uri=\"sip:dan@example.com\"/>");
	put_ok(seed, RL(FRIENDS "/entry[@uri=\"sip:dan@example.com\"]"),
	    "<entry uri=\"sip:dan@example.com\"/>", 1, want);
	free(want);
	want = subst(seed, "<cp:entry uri=\"sip:other-ns@example.com\"/>",
	    "<cp:entry uri=\"sip:other-ns@example.com\"/><cp:entry/>");
	put_ok(seed, RL(FRIENDS "/cp:entry[2]" Q_CP), "<cp:entry/>", 1, want);
	free(want);
	/* Into <x/>: it is opened; into <x></x>: between the tags. */
	want = subst(seed, "<list name='empty'/>",
	    "<list name='empty'><entry uri=\"sip:x@y\"/></list>");
	put_ok(seed, RL("resource-lists/list[@name='empty']/entry"),
	    "<entry uri=\"sip:x@y\"/>", 1, want);
	free(want);
	want = subst(seed, "<list name=\"o'brien\"></list>",
	    "<list name=\"o'brien\"><entry uri=\"sip:x@y\"/></list>");
	put_ok(seed, RL("resource-lists/list[@name=\"o'brien\"]/*[1]"),
	    "<entry uri=\"sip:x@y\"/>", 1, want);
	free(want);
	/* A prefix bound only in the document is usable in the body. */
	want = subst(seed, "</cp:ext>", "</cp:ext><cp:ext id=\"2\"><cp:y/>"
	    "</cp:ext>");
	put_ok(seed, RL(FRIENDS "/cp:ext[@id=\"2\"]" Q_CP),
	    "<cp:ext id=\"2\"><cp:y/></cp:ext>", 1, want);
	free(want);
}
END_TEST

START_TEST(put_bad_bodies)
{
	const struct xcap_uri *u;

	u = RL(FRIENDS "/entry[@uri=\"sip:new@x\"]");
	put_fail(seed, u, "<entry uri=\"sip:new@x\">", 409, "not-xml-frag");
	put_fail(seed, u, "<entry uri=\"sip:new@x\"></entri>", 409,
	    "not-xml-frag");
	put_fail(seed, u, "<entry uri=\"sip:new@x\"/><entry/>", 409,
	    "not-xml-frag");
	put_fail(seed, u, "<entry uri=\"sip:new@x\"/>text", 409,
	    "not-xml-frag");
	put_fail(seed, u, "<!-- c --><entry uri=\"sip:new@x\"/>", 409,
	    "not-xml-frag");
	put_fail(seed, u, "<?pi x?><entry uri=\"sip:new@x\"/>", 409,
	    "not-xml-frag");
	put_fail(seed, u, "<!DOCTYPE x [<!ENTITY a \"b\">]><entry/>", 409,
	    "not-xml-frag");
	put_fail(seed, u, "<entry uri=\"sip:new@x\">&a;</entry>", 409,
	    "not-xml-frag");
	put_fail(seed, u, "<zz:entry uri=\"sip:new@x\"/>", 409,
	    "not-xml-frag");
	put_fail(seed, u, "<entry uri=\"sip:new@x\"/></list><list>", 409,
	    "not-xml-frag");
	put_fail(seed, u, "</list><entry uri=\"sip:new@x\"/>", 409,
	    "not-xml-frag");
	put_fail(seed, u, "", 409, "not-xml-frag");
	put_fail(seed, u, "  ", 409, "not-xml-frag");
	put_fail(seed, u, "just text", 409, "not-xml-frag");
	put_fail(seed, u, "<entry uri=\"sip:\xff@x\"/>", 409, "not-utf-8");
	put_fail(seed, u, "<entry uri=\"sip:\xc0\xaf@x\"/>", 409,
	    "not-utf-8");
	put_fail_ct(seed, u, NULL, "<entry/>", 8, 415, NULL);
	put_fail_ct(seed, u, PRES_NODE_MIME_ATT, "<entry/>", 8, 415, NULL);
	put_fail_ct(seed, u, "application/xcap-el+xmlx", "<entry/>", 8, 415,
	    NULL);
	put_fail_ct(seed, u, "application/xml", "<entry/>", 8, 415, NULL);
	/* A NUL inside the body. */
	put_fail_ct(seed, u, PRES_NODE_MIME_EL, "<entry uri=\"sip:new@x\"\0/>",
	    25, 409, "not-xml-frag");
}
END_TEST

START_TEST(put_no_parent)
{
	struct pres_node_err err;
	char anc[512];

	err = put_fail(seed, RL("resource-lists/list[@name=\"nope\"]/entry"),
	    "<entry uri=\"sip:x@y\"/>", 409, "no-parent");
	ck_assert_uint_eq(err.ancestor_steps, 1);
	ck_assert_int_gt(xcap_uri_format(&U, ROOT, err.ancestor_steps, 0,
	    anc, sizeof(anc)), 0);
	ck_assert_str_eq(anc, DOCURI "/~~/resource-lists");
	err = put_fail(seed, RL(FRIENDS "/entry[9]/display-name"),
	    "<display-name>x</display-name>", 409, "no-parent");
	ck_assert_uint_eq(err.ancestor_steps, 2);
	ck_assert_int_gt(xcap_uri_format(&U, ROOT, err.ancestor_steps, 0,
	    anc, sizeof(anc)), 0);
	ck_assert_str_eq(anc, DOCURI "/~~/resource-lists/list%5B@name=%22"
	    "friends%22%5D");
	err = put_fail(seed, RL("other/list"), "<list/>", 409, "no-parent");
	ck_assert_uint_eq(err.ancestor_steps, 0);
	/* The closest ancestor that is one element: list is ambiguous. */
	err = put_fail(seed, RL("resource-lists/list/x/y"), "<y/>", 409,
	    "no-parent");
	ck_assert_uint_eq(err.ancestor_steps, 1);
	/* Attribute on a missing element. */
	err = put_fail(seed, RL(FRIENDS "/entry[7]/@uri"), "sip:x@y", 409,
	    "no-parent");
	ck_assert_uint_eq(err.ancestor_steps, 2);
}
END_TEST

START_TEST(put_several)
{
	put_fail(seed, RL(FRIENDS "/entry"), "<entry/>", 404, NULL);
	/* The parent selector matches three lists. */
	put_fail(seed, RL("resource-lists/list/entry[@uri=\"sip:n@x\"]"),
	    "<entry uri=\"sip:n@x\"/>", 404, NULL);
	put_fail(seed, RL("resource-lists/list/@name"), "x", 404, NULL);
	put_fail(seed, RL("resource-lists/list[1]/namespace::*"), "<x/>", 405,
	    NULL);
}
END_TEST

START_TEST(attribute_put)
{
	char *want, *doc;

	/* Replace, keeping the quote character. */
	want = subst(seed, "uri='sip:bob@example.com'",
	    "uri='sip:bob2@example.com'");
	put_ok(seed, RL(FRIENDS "/entry[1]/@uri"), "sip:bob2@example.com", 0,
	    want);
	free(want);
	/* The value holds the quote in use: the other one is taken. */
	want = subst(seed, "uri='sip:bob@example.com'", "uri=\"it's\"");
	put_ok(seed, RL(FRIENDS "/entry[1]/@uri"), "it's", 0, want);
	free(want);
	doc = put_doc(seed, RL(FRIENDS "/entry[3]/@uri"), "say \"hi\"", 0);
	want = subst(seed, "uri=\"sip:carol@example.com\"",
	    "uri='say \"hi\"'");
	ck_assert_str_eq(doc, want);
	get_ok(doc, RL(FRIENDS "/entry[3]/@uri"), "say \"hi\"",
	    PRES_NODE_MIME_ATT);
	free(doc);
	free(want);
	/* Both quotes: '"' becomes &quot;. */
	want = subst(seed, "uri=\"sip:carol@example.com\"",
	    "uri=\"a&quot;b'c\"");
	put_ok(seed, RL(FRIENDS "/entry[3]/@uri"), "a\"b'c", 0, want);
	free(want);
	/* References stay as sent; GET gives them back as they appear. */
	want = subst(seed, "cp:note='x &gt; y'", "cp:note='a &amp; b&#x41;'");
	put_ok(seed, RL(FRIENDS "/entry[2]/@cp:note" Q_CP), "a &amp; b&#x41;",
	    0, want);
	free(want);
	/* Add: after the last attribute, before any space and "/>" or ">". */
	want = subst(seed, "<list name=\"friends\" >",
	    "<list name=\"friends\" id=\"f\" >");
	put_ok(seed, RL(FRIENDS "/@id"), "f", 1, want);
	free(want);
	want = subst(seed, "<list name='empty'/>",
	    "<list name='empty' id=\"\"/>");
	put_ok(seed, RL("resource-lists/list[2]/@id"), "", 1, want);
	free(want);
	want = subst(seed, "<display-name>", "<display-name lang=\"en\">");
	put_ok(seed, RL(FRIENDS "/entry[1]/display-name/@lang"), "en", 1,
	    want);
	free(want);
	/* Namespaced: an in-scope prefix is used, else one is declared. */
	want = subst(seed, "<entry uri=\"sip:carol@example.com\">",
	    "<entry uri=\"sip:carol@example.com\" cp:note=\"n\">");
	put_ok(seed, RL(FRIENDS "/entry[3]/@c:note?xmlns(c=" NS_CP ")"), "n",
	    1, want);
	free(want);
	want = subst(seed, "<entry uri=\"sip:carol@example.com\">",
	    "<entry uri=\"sip:carol@example.com\" xmlns:z=\"urn:z\" "
	    "z:flag=\"1\">");
	put_ok(seed, RL(FRIENDS "/entry[3]/@z:flag?xmlns(z=urn:z)"), "1", 1,
	    want);
	free(want);
	want = subst(seed, "<list name=\"o'brien\">",
	    "<list name=\"o'brien\" xml:lang=\"en\">");
	put_ok(seed, RL("resource-lists/list[3]/@xml:lang"), "en", 1, want);
	free(want);
	/* A prefix already bound to something else: cannot-insert. */
	put_fail(seed, RL(FRIENDS "/entry[3]/@cp:x?xmlns(cp=urn:other)"), "1",
	    409, "cannot-insert");
}
END_TEST

START_TEST(attribute_put_refused)
{
	const struct xcap_uri *u = RL(FRIENDS "/entry[3]/@uri");

	put_fail(seed, u, "a<b", 409, "not-xml-att-value");
	put_fail(seed, u, "a&b", 409, "not-xml-att-value");
	put_fail(seed, u, "a&unknown;", 409, "not-xml-att-value");
	put_fail(seed, u, "a&#1;", 409, "not-xml-att-value");
	put_fail(seed, u, "a\x01", 409, "not-xml-att-value");
	put_fail(seed, u, "\xe2\x82", 409, "not-utf-8");
	put_fail_ct(seed, u, PRES_NODE_MIME_EL, "x", 1, 415, NULL);
	put_fail_ct(seed, u, NULL, "x", 1, 415, NULL);
	/* Changing the attribute the selector filters on: GET after PUT
	 * would not find it. */
	put_fail(seed, RL(FRIENDS "/entry[@uri=\"sip:carol@example.com\"]"
	    "/@uri"), "sip:zed@x", 409, "cannot-insert");
	put_ok(seed, RL(FRIENDS "/entry[@uri=\"sip:carol@example.com\"]"
	    "/@uri"), "sip:carol@example.com", 0, seed);
	put_fail(seed, RL("resource-lists/@xmlns"), "urn:x", 409,
	    "cannot-insert");
}
END_TEST

START_TEST(attribute_delete)
{
	char *want, *doc;

	want = subst(seed, "<entry   uri=\"sip:alice@example.com\"  "
	    "cp:note='x &gt; y'/>", "<entry   uri=\"sip:alice@example.com\"/>");
	doc = del_doc(seed, RL(FRIENDS "/entry[2]/@cp:note" Q_CP));
	ck_assert_str_eq(doc, want);
	get_fail(doc, RL(FRIENDS "/entry[2]/@cp:note" Q_CP), 404);
	del_fail(doc, RL(FRIENDS "/entry[2]/@cp:note" Q_CP), 404, NULL);
	free(doc);
	free(want);
	/* The attribute the selector filters on may go: afterwards the URI
	 * selects nothing, as DELETE requires. */
	want = subst(seed, "<list name=\"o'brien\">", "<list>");
	del_ok(seed, RL("resource-lists/list[@name=\"o'brien\"]/@name"), want);
	free(want);
	want = subst(seed, "<list name=\"friends\" >", "<list >");
	del_ok(seed, RL(FRIENDS "/@name"), want);
	free(want);
	del_fail(seed, RL(FRIENDS "/@missing"), 404, NULL);
	del_fail(seed, RL("resource-lists/@xmlns"), 404, NULL);
	del_fail(seed, RL("resource-lists/list/@name"), 404, NULL);
}
END_TEST

START_TEST(element_delete)
{
	char *want, *doc;

	/* The last entry: exactly its bytes go, then GET is 404. */
	want = subst(seed, "<entry uri=\"sip:carol@example.com\"></entry>",
	    "");
	doc = del_doc(seed, RL(FRIENDS "/entry[3]"));
	ck_assert_str_eq(doc, want);
	get_fail(doc, RL(FRIENDS "/entry[3]"), 404);
	free(doc);
	free(want);
	/* entry[1] while entry[2] exists: the URI would select again. */
	del_fail(seed, RL(FRIENDS "/entry[1]"), 409, "cannot-delete");
	del_fail(seed, RL(FRIENDS "/*[1]"), 409, "cannot-delete");
	/* By attribute: idempotent. */
	want = subst(seed, "<entry uri='sip:bob@example.com'><display-name>"
	    "Bob &amp; Co</display-name></entry>", "");
	del_ok(seed, RL(FRIENDS "/entry[@uri=\"sip:bob@example.com\"]"), want);
	free(want);
	want = subst(seed, "<cp:ext id=\"1\"><![CDATA[<entry uri=\"fake\"/>]]>"
	    "</cp:ext>", "");
	del_ok(seed, RL(FRIENDS "/cp:ext" Q_CP), want);
	free(want);
	/* The last list, by position: nothing follows it. */
	want = subst(seed, "<list name=\"o'brien\"></list>", "");
	del_ok(seed, RL("resource-lists/list[3]"), want);
	free(want);
	del_fail(seed, RL("resource-lists"), 409, "cannot-delete");
	del_fail(seed, RL("resource-lists/list"), 404, NULL);
	del_fail(seed, RL(FRIENDS "/entry[9]"), 404, NULL);
	del_fail(seed, RL("resource-lists/namespace::*"), 405, NULL);
}
END_TEST

START_TEST(round_trip_seed)
{
	const char *sel[] = {
		FRIENDS "/entry[@uri=\"sip:new@x\"]",
		FRIENDS "/entry[4]",
		"resource-lists/list[@name=\"new\"]",
		"resource-lists/list[@name=\"o'brien\"]/entry",
	};
	const char *body[] = {
		"<entry uri=\"sip:new@x\"/>",
		"<entry uri='sip:4@x'>\n  <display-name>d</display-name>\n"
		    "</entry>",
		"<list name=\"new\"><entry uri=\"sip:a@b\"/></list>",
		"<entry uri=\"sip:ob@x\"/>",
	};
	size_t i;
	char *doc, *back;

	for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++) {
		doc = put_doc(seed, RL(sel[i]), body[i], 1);
		get_ok(doc, RL(sel[i]), body[i], PRES_NODE_MIME_EL);
		back = del_doc(doc, RL(sel[i]));
		ck_assert_str_eq(back, seed);
		free(back);
		free(doc);
	}
}
END_TEST

START_TEST(caps_and_input)
{
	struct pres_node_err err;
	struct buf out;
	int created = 1;
	const char *b = "<entry uri=\"sip:cap@x\"/>";

	/* The result may not outgrow the caller's cap. */
	buf_init(&out, strlen(seed) + 4);
	ck_assert_int_eq(pres_node_put((const uint8_t *)seed, strlen(seed),
	    RL(FRIENDS "/entry[@uri=\"sip:cap@x\"]"), PRES_NODE_MIME_EL,
	    (const uint8_t *)b, strlen(b), &out, &created, &err), -1);
	ck_assert_int_eq(err.status, 409);
	ck_assert_str_eq(err.tag, "constraint-failure");
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(created, 0);
	buf_clear(&out);
	/* A selector that is not resolved is a caller error. */
	buf_init(&out, CAP);
	(void)RL(FRIENDS);
	U.resolved = 0;
	ck_assert_int_eq(pres_node_delete((const uint8_t *)seed, strlen(seed),
	    &U, &out, &err), -1);
	ck_assert_int_eq(err.status, 400);
	buf_clear(&out);
}
END_TEST

START_TEST(error_bodies)
{
	struct buf out;
	char err[128];

	buf_init(&out, 4096);
	ck_assert_int_eq(pres_node_error_body(&out, "cannot-insert",
	    "selector \"x\" <no> & \x01", NULL, NULL, NULL), 0);
	assert_bytes(&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<xcap-error xmlns=\"urn:ietf:params:xml:ns:xcap-error\">"
	    "<cannot-insert phrase=\"selector &quot;x&quot; &lt;no&gt; &amp; "
	    " \"/></xcap-error>\n");
	buf_reset(&out);
	ck_assert_int_eq(pres_node_error_body(&out, "no-parent", "",
	    "http://x/xcap-root/a?b&c", NULL, NULL), 0);
	assert_bytes(&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<xcap-error xmlns=\"urn:ietf:params:xml:ns:xcap-error\">"
	    "<no-parent><ancestor>http://x/xcap-root/a?b&amp;c</ancestor>"
	    "</no-parent></xcap-error>\n");
	buf_reset(&out);
	ck_assert_int_eq(pres_node_error_body(&out, "uniqueness-failure",
	    "dup", NULL, "/*/*[1]/@name", "friends1"), 0);
	assert_bytes(&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<xcap-error xmlns=\"urn:ietf:params:xml:ns:xcap-error\">"
	    "<uniqueness-failure phrase=\"dup\">"
	    "<exists field=\"/*/*[1]/@name\">"
	    "<alt-value>friends1</alt-value></exists></uniqueness-failure>"
	    "</xcap-error>\n");
	buf_reset(&out);
	/* several free values, one per line: one <alt-value> each */
	ck_assert_int_eq(pres_node_error_body(&out, "uniqueness-failure",
	    NULL, NULL, "rls-services/service/@uri", "sip:a-2@x\nsip:a-3@x<"),
	    0);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "<exists field=\""
	    "rls-services/service/@uri\"><alt-value>sip:a-2@x</alt-value>"
	    "<alt-value>sip:a-3@x&lt;</alt-value></exists>"));
	buf_reset(&out);
	ck_assert_int_eq(pres_node_error_body(&out, "uniqueness-failure",
	    NULL, NULL, "f", NULL), 0);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out),
	    "<uniqueness-failure><exists field=\"f\"/></uniqueness-failure>"));
	xml_doc_free(xml_parse((const char *)out.data, out.len, 4096, err,
	    sizeof(err)));
	buf_reset(&out);
	ck_assert_int_eq(pres_node_error_body(&out, "no-parent", NULL, NULL,
	    NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "<no-parent/>"));
	buf_reset(&out);
	ck_assert_int_eq(pres_node_error_body(&out, "bogus", NULL, NULL,
	    NULL, NULL), -1);
	ck_assert_int_eq(pres_node_error_body(&out, NULL, NULL, NULL, NULL,
	    NULL), -1);
	buf_clear(&out);
	buf_init(&out, 10);
	ck_assert_int_eq(pres_node_error_body(&out, "cannot-delete", NULL,
	    NULL, NULL, NULL), -1);
	buf_clear(&out);
}
END_TEST

static Suite *
suite_node_get(void)
{
	Suite *s = suite_create("node_get");
	TCase *tc = tcase_create("get");

	tcase_add_test(tc, get_elements);
	tcase_add_test(tc, get_wildcards_positions);
	tcase_add_test(tc, get_attributes);
	tcase_add_test(tc, get_namespaces);
	tcase_add_test(tc, locate_offsets);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *
suite_node_insert(void)
{
	Suite *s = suite_create("node_insert");
	TCase *tc = tcase_create("rfc4825_8_2_3");

	tcase_add_test(tc, insert_after_last_same_name);
	tcase_add_test(tc, insert_out_of_range);
	tcase_add_test(tc, insert_not_selected);
	tcase_add_test(tc, insert_new_name_last_child);
	tcase_add_test(tc, insert_positions);
	tcase_add_test(tc, insert_wildcard_attr);
	tcase_add_test(tc, replace_rules);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *
suite_node_edit(void)
{
	Suite *s = suite_create("node_edit");
	TCase *tc = tcase_create("edit");

	tcase_add_test(tc, put_replace_exact);
	tcase_add_test(tc, put_insert_seed);
	tcase_add_test(tc, put_bad_bodies);
	tcase_add_test(tc, put_no_parent);
	tcase_add_test(tc, put_several);
	tcase_add_test(tc, attribute_put);
	tcase_add_test(tc, attribute_put_refused);
	tcase_add_test(tc, attribute_delete);
	tcase_add_test(tc, element_delete);
	tcase_add_test(tc, round_trip_seed);
	tcase_add_test(tc, caps_and_input);
	tcase_add_test(tc, error_bodies);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(suite_node_get());
	srunner_add_suite(sr, suite_node_insert());
	srunner_add_suite(sr, suite_node_edit());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
