/*
 * test_xml.c — XML escaping and the safe parse: a good document, then the
 * hostile ones (DOCTYPE with entities, billion laughs, an external entity,
 * oversize, malformed), each refused with a reason and nothing on stderr.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "buf.h"
#include "suites.h"
#include "xml.h"

#define CAP	(64 * 1024)

START_TEST(xml_escape)
{
	struct buf b;

	buf_init(&b, 256);
	ck_assert_int_eq(xml_append_escaped(&b, "a<b>&\"c'\td\r\n"), 0);
	ck_assert_str_eq(buf_cstr(&b),
	    "a&lt;b&gt;&amp;&quot;c&apos;\td\r\n");
	buf_reset(&b);
	ck_assert_int_eq(xml_append_escaped(&b, "x\x01y"), -1);
	ck_assert_int_eq(xml_append_escaped(&b, "\x1f"), -1);
	buf_clear(&b);
	buf_init(&b, 4);
	ck_assert_int_eq(xml_append_escaped(&b, "&"), -1);	/* cap */
	buf_clear(&b);
}
END_TEST

/* Parse `text` (its strlen) expecting failure; the error must contain
 * `want`, and libxml2 must not have written anything to stderr. */
static void
expect_refused(const char *text, size_t max, const char *want)
{
	char err[256] = "";
	struct _xmlDoc *doc;
	FILE *tmp;
	int saved;
	long n;

	fflush(stderr);
	ck_assert_ptr_nonnull(tmp = tmpfile());
	ck_assert_int_ge(saved = dup(STDERR_FILENO), 0);
	ck_assert_int_eq(dup2(fileno(tmp), STDERR_FILENO), STDERR_FILENO);
	doc = xml_parse(text, strlen(text), max, err, sizeof(err));
	fflush(stderr);
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	ck_assert_int_eq(fseek(tmp, 0, SEEK_END), 0);
	n = ftell(tmp);
	fclose(tmp);
	xml_doc_free(doc);
	ck_assert_msg(doc == NULL, "accepted: %s", text);
	ck_assert_msg(strstr(err, want) != NULL, "error '%s' lacks '%s'", err,
	    want);
	ck_assert_msg(n == 0, "libxml2 wrote %ld octets to stderr", n);
}

START_TEST(xml_parse_good)
{
	static const char text[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<r xmlns=\"urn:example:a\" a=\"1 &amp; 2\">\n"
	    "  <c>x &lt; y &#65;</c>\n"
	    "</r>\ntrailing junk not parsed";
	char err[256] = "";
	struct _xmlDoc *doc;
	xmlNode *root, *c;
	xmlChar *v;

	/* The length stops before the junk: no NUL terminator is needed. */
	doc = xml_parse(text, strstr(text, "trailing") - text, CAP, err,
	    sizeof(err));
	ck_assert_msg(doc != NULL, "%s", err);
	ck_assert_ptr_nonnull(root = xmlDocGetRootElement(doc));
	ck_assert_str_eq((const char *)root->name, "r");
	ck_assert_ptr_nonnull(root->ns);
	ck_assert_str_eq((const char *)root->ns->href, "urn:example:a");
	v = xmlGetProp(root, (const xmlChar *)"a");
	ck_assert_str_eq((const char *)v, "1 & 2");
	xmlFree(v);
	/* Blanks are kept: the first child is the indentation text. */
	ck_assert_int_eq(root->children->type, XML_TEXT_NODE);
	for (c = root->children; c != NULL && c->type != XML_ELEMENT_NODE;
	    c = c->next)
		;
	ck_assert_ptr_nonnull(c);
	v = xmlNodeGetContent(c);
	ck_assert_str_eq((const char *)v, "x < y A");
	xmlFree(v);
	xml_doc_free(doc);
	xml_doc_free(NULL);
}
END_TEST

START_TEST(xml_parse_doctype_entity)
{
	expect_refused("<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE r [ <!ENTITY e \"expanded\"> ]>\n<r>&e;</r>",
	    CAP, "line 2: DOCTYPE not allowed");
	/* A DOCTYPE with nothing in it is refused too: the rule is simple. */
	expect_refused("<!DOCTYPE r><r/>", CAP, "DOCTYPE");
}
END_TEST

START_TEST(xml_parse_billion_laughs)
{
	static const char text[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE lolz [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	    "]>\n<lolz>&lol9;</lolz>";
	struct timespec t0, t1;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_refused(text, CAP, "DOCTYPE not allowed");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	/* Stopped at the DOCTYPE, before any declaration is read (generous
	 * bound: valgrind). */
	ck_assert_msg(ms < 1000.0, "took %.1f ms", ms);
}
END_TEST

START_TEST(xml_parse_external_entity)
{
	expect_refused("<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE r [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
	    "<r>&x;</r>", CAP, "DOCTYPE");
	expect_refused("<!DOCTYPE r SYSTEM \"file:///etc/passwd\"><r/>", CAP,
	    "DOCTYPE");
	expect_refused("<!DOCTYPE r PUBLIC \"-//x//y\" \"http://127.0.0.1:9/x.dtd\">"
	    "<r/>", CAP, "DOCTYPE");
	/* Without a DTD no entity but the predefined five exists. */
	expect_refused("<r>&x;</r>", CAP, "line 1:");
}
END_TEST

START_TEST(xml_parse_oversize)
{
	char err[256] = "";
	static const char text[] = "<r>0123456789</r>";

	ck_assert_ptr_null(xml_parse(text, sizeof(text) - 1, sizeof(text) - 2,
	    err, sizeof(err)));
	ck_assert_str_eq(err, "document too large (17 octets, at most 16)");
	ck_assert_ptr_null(xml_parse(text, 0, CAP, err, sizeof(err)));
	ck_assert_str_eq(err, "empty document");
	xml_doc_free(xml_parse(text, sizeof(text) - 1, sizeof(text) - 1, err,
	    sizeof(err)));
}
END_TEST

START_TEST(xml_parse_malformed)
{
	expect_refused("<a>\n<b></a>", CAP, "line 2:");
	expect_refused("<a>", CAP, "line 1:");
	expect_refused("not xml", CAP, "line 1:");
	expect_refused("<a/><b/>", CAP, "line 1:");
	/* Not namespace-well-formed: an undeclared prefix. */
	expect_refused("<p:a/>", CAP, "line 1:");
	/* A NUL inside the counted length. */
	{
		char err[256] = "";

		ck_assert_ptr_null(xml_parse("<a>\0</a>", 8, CAP, err,
		    sizeof(err)));
		ck_assert_str_ne(err, "");
	}
}
END_TEST

/* Regression: libxml2 stopped at a NUL after the root and accepted the
 * document, trailing junk included. */
START_TEST(xml_parse_nul)
{
	static const char doc[] = "<a/>\0junk";
	char err[128];

	ck_assert_ptr_null(xml_parse(doc, sizeof(doc) - 1, 1024, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "NUL octet at offset 4"));
}
END_TEST

Suite *
suite_xml(void)
{
	Suite *s = suite_create("xml");
	TCase *tc;

	tc = tcase_create("escape");
	tcase_add_test(tc, xml_escape);
	suite_add_tcase(s, tc);
	tc = tcase_create("parse");
	tcase_add_test(tc, xml_parse_good);
	tcase_add_test(tc, xml_parse_oversize);
	tcase_add_test(tc, xml_parse_nul);
	tcase_add_test(tc, xml_parse_malformed);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_add_test(tc, xml_parse_doctype_entity);
	tcase_add_test(tc, xml_parse_billion_laughs);
	tcase_add_test(tc, xml_parse_external_entity);
	suite_add_tcase(s, tc);
	return s;
}
