/*
 * test_xcap_uri.c — XCAP URIs (common/xcap_uri): the RFC 4825 examples
 * and the request targets of deployed clients quoted in XCAP.md §1.2
 * (percent-encoded and raw '[', ']', '"'), the global tree, terminal
 * selectors, predicates and quoting, xmlns() bindings and their edge
 * cases, namespace resolution, the canonical form, and every rejection
 * with its reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "xcap_uri.h"

#define ROOT	"/xcap-root"
#define RL_NS	"urn:ietf:params:xml:ns:resource-lists"
#define CP_NS	"urn:ietf:params:xml:ns:common-policy"
#define PR_NS	"urn:ietf:params:xml:ns:pres-rules"
#define ALICE	"/xcap-root/resource-lists/users/sip:alice@ims.example.org"
#define RL_DOC	ALICE "/index/~~/"

/* Big enough for the caps' worst cases; one per test process. */
static struct xcap_uri U;
static char big[2 * XCAP_URI_MAX_LEN];

static const char	*build(const char *, const char *, size_t,
			    const char *);

static struct xcap_uri *
parse_ok(const char *target)
{
	char err[256] = "";
	int rc;

	rc = xcap_uri_parse(target, ROOT, &U, err, sizeof(err));
	ck_assert_msg(rc == 0, "refused (%d: %s): %.200s", rc, err, target);
	return &U;
}

static void
parse_bad(const char *target, int want_rc, const char *want_err)
{
	char err[256] = "";
	int rc;

	rc = xcap_uri_parse(target, ROOT, &U, err, sizeof(err));
	ck_assert_msg(rc == want_rc, "rc %d (want %d, err \"%s\"): %.200s",
	    rc, want_rc, err, target);
	ck_assert_msg(strcmp(err, want_err) == 0,
	    "error \"%s\", want \"%s\"", err, want_err);
	ck_assert_ptr_null(U.auid);	/* nothing usable is left */
	ck_assert_uint_eq(U.nsteps, 0);
}

static void
check_step(const struct xcap_step *st, const char *prefix, const char *local,
    unsigned long pos, const char *aprefix, const char *alocal,
    const char *value)
{
	if (prefix == NULL)
		ck_assert_ptr_null(st->name.prefix);
	else
		ck_assert_str_eq(st->name.prefix, prefix);
	ck_assert_str_eq(st->name.local, local);
	ck_assert_int_eq(st->any, strcmp(local, "*") == 0);
	ck_assert_uint_eq(st->position, pos);
	ck_assert_int_eq(st->has_attr, alocal != NULL);
	if (alocal == NULL)
		return;
	if (aprefix == NULL)
		ck_assert_ptr_null(st->attr.prefix);
	else
		ck_assert_str_eq(st->attr.prefix, aprefix);
	ck_assert_str_eq(st->attr.local, alocal);
	ck_assert_str_eq(st->value, value);
}

/* The RFC 4825 §6.3 style example, joe's "l1" list, both spellings. */
static void
check_joe(const struct xcap_uri *u)
{
	ck_assert_str_eq(u->auid, "resource-lists");
	ck_assert_int_eq(u->tree, XCAP_TREE_USERS);
	ck_assert_str_eq(u->xui, "sip:joe@example.com");
	ck_assert_str_eq(u->doc, "index");
	ck_assert_str_eq(u->docname, "index");
	ck_assert_int_eq(u->has_node_selector, 1);
	ck_assert_str_eq(u->selector,
	    "resource-lists/list[@name=\"l1\"]/entry[@uri=\"sip:x@example.com\"]");
	ck_assert_uint_eq(u->nsteps, 3);
	check_step(&u->step[0], NULL, "resource-lists", 0, NULL, NULL, NULL);
	check_step(&u->step[1], NULL, "list", 0, NULL, "name", "l1");
	check_step(&u->step[2], NULL, "entry", 0, NULL, "uri",
	    "sip:x@example.com");
	ck_assert_int_eq(u->terminal, XCAP_TERM_ELEMENT);
	ck_assert_uint_eq(u->nns, 0);
}

/* ---------------------------------------------------------------------- */
/* Accepted targets                                                       */

START_TEST(rfc_example_encoded)
{
	check_joe(parse_ok("/xcap-root/resource-lists/users/sip:joe@example.com"
	    "/index/~~/resource-lists/list%5b@name=%22l1%22%5d"
	    "/entry%5b@uri=%22sip:x@example.com%22%5d"));
}
END_TEST

START_TEST(rfc_example_raw)
{
	check_joe(parse_ok("/xcap-root/resource-lists/users/sip:joe@example.com"
	    "/index/~~/resource-lists/list[@name=\"l1\"]"
	    "/entry[@uri=\"sip:x@example.com\"]"));
}
END_TEST

/* Upper-case escapes, and the whole URI encoded as a cautious client
 * would (XUI ':' and '@', the separator's '~'). */
START_TEST(rfc_example_all_encoded)
{
	check_joe(parse_ok("/xcap-root/resource-lists/users/"
	    "sip%3Ajoe%40example.com/index/%7E%7E/resource-lists/"
	    "list%5B%40name%3D%22l1%22%5D/entry%5B%40uri%3D%22sip%3Ax%40"
	    "example.com%22%5D"));
}
END_TEST

/* XCAP.md §1.2: xcaplib, unencoded. */
START_TEST(xcaplib_raw)
{
	struct xcap_uri *u = parse_ok("/xcap-root/resource-lists/users/"
	    "sip:alice@example.com/index/~~/resource-lists/"
	    "list[@name=\"friends\"]/entry[2]");

	ck_assert_str_eq(u->xui, "sip:alice@example.com");
	ck_assert_uint_eq(u->nsteps, 3);
	check_step(&u->step[1], NULL, "list", 0, NULL, "name", "friends");
	check_step(&u->step[2], NULL, "entry", 2, NULL, NULL, NULL);
}
END_TEST

/* XCAP.md §1.2: IMSDroid's OMA pres-rules request. */
START_TEST(imsdroid_pres_rules)
{
	struct xcap_uri *u = parse_ok("/xcap-root/org.openmobilealliance."
	    "pres-rules/users/sip:+8613800138000@ims.mnc000.mcc460."
	    "3gppnetwork.org/pres-rules/~~/ruleset/rule%5B@id=%22"
	    "rcs_allow_services_anonymous%22%5D");

	ck_assert_str_eq(u->auid, "org.openmobilealliance.pres-rules");
	ck_assert_str_eq(u->xui,
	    "sip:+8613800138000@ims.mnc000.mcc460.3gppnetwork.org");
	ck_assert_str_eq(u->doc, "pres-rules");
	ck_assert_uint_eq(u->nsteps, 2);
	check_step(&u->step[0], NULL, "ruleset", 0, NULL, NULL, NULL);
	check_step(&u->step[1], NULL, "rule", 0, NULL, "id",
	    "rcs_allow_services_anonymous");
}
END_TEST

START_TEST(document_only)
{
	struct xcap_uri *u = parse_ok(ALICE "/index");

	ck_assert_str_eq(u->auid, "resource-lists");
	ck_assert_str_eq(u->xui, "sip:alice@ims.example.org");
	ck_assert_str_eq(u->doc, "index");
	ck_assert_int_eq(u->has_node_selector, 0);
	ck_assert_ptr_null(u->selector);
	ck_assert_uint_eq(u->nsteps, 0);

	u = parse_ok("/xcap-root/org.openmobilealliance.pres-content/users/"
	    "sip:alice@ims.example.org/oma_status-icon/icon.jpg");
	ck_assert_str_eq(u->doc, "oma_status-icon/icon.jpg");
	ck_assert_str_eq(u->docname, "icon.jpg");

	u = parse_ok("/xcap-root/resource-lists/users/tel:+8613800138000/"
	    "index");
	ck_assert_str_eq(u->xui, "tel:+8613800138000");
}
END_TEST

START_TEST(global_tree)
{
	struct xcap_uri *u = parse_ok("/xcap-root/xcap-caps/global/index");

	ck_assert_str_eq(u->auid, "xcap-caps");
	ck_assert_int_eq(u->tree, XCAP_TREE_GLOBAL);
	ck_assert_ptr_null(u->xui);
	ck_assert_str_eq(u->doc, "index");
	ck_assert_int_eq(u->has_node_selector, 0);

	u = parse_ok("/xcap-root/xcap-caps/global/index/~~/xcap-caps/auids/"
	    "auid%5B2%5D");
	ck_assert_int_eq(u->tree, XCAP_TREE_GLOBAL);
	ck_assert_uint_eq(u->nsteps, 3);
	check_step(&u->step[2], NULL, "auid", 2, NULL, NULL, NULL);

	u = parse_ok("/xcap-root/rls-services/global/index");
	ck_assert_str_eq(u->auid, "rls-services");
	ck_assert_int_eq(u->tree, XCAP_TREE_GLOBAL);
}
END_TEST

START_TEST(attribute_selector)
{
	struct xcap_uri *u = parse_ok(RL_DOC "resource-lists/"
	    "list%5B@name=%22friends%22%5D/@name");

	ck_assert_uint_eq(u->nsteps, 2);
	ck_assert_int_eq(u->terminal, XCAP_TERM_ATTRIBUTE);
	ck_assert_ptr_null(u->term_attr.prefix);
	ck_assert_str_eq(u->term_attr.local, "name");

	u = parse_ok(RL_DOC "resource-lists/list/display-name/@xml:lang");
	ck_assert_uint_eq(u->nsteps, 3);
	ck_assert_int_eq(u->terminal, XCAP_TERM_ATTRIBUTE);
	ck_assert_str_eq(u->term_attr.prefix, "xml");
	ck_assert_str_eq(u->term_attr.local, "lang");
}
END_TEST

START_TEST(namespace_selector)
{
	struct xcap_uri *u = parse_ok(RL_DOC "resource-lists/"
	    "list%5B@name=%22friends%22%5D/namespace::*");

	ck_assert_uint_eq(u->nsteps, 2);
	ck_assert_int_eq(u->terminal, XCAP_TERM_NAMESPACE);

	/* Mobicents GetNamespaceBindingsTest's form (XCAP.md §1.4). */
	u = parse_ok(RL_DOC "resource-lists/pre:list/namespace::*"
	    "?xmlns(pre=" RL_NS ")");
	ck_assert_uint_eq(u->nsteps, 2);
	ck_assert_int_eq(u->terminal, XCAP_TERM_NAMESPACE);
	check_step(&u->step[1], "pre", "list", 0, NULL, NULL, NULL);
}
END_TEST

START_TEST(position_and_attribute)
{
	struct xcap_uri *u = parse_ok(RL_DOC "resource-lists/"
	    "list[1][@name=\"friends\"]/entry%5B3%5D%5B@uri=%22sip:bob@"
	    "example.com%22%5D/display-name");

	ck_assert_uint_eq(u->nsteps, 4);
	check_step(&u->step[1], NULL, "list", 1, NULL, "name", "friends");
	check_step(&u->step[2], NULL, "entry", 3, NULL, "uri",
	    "sip:bob@example.com");
	check_step(&u->step[3], NULL, "display-name", 0, NULL, NULL, NULL);

	/* Leading zeros are digits of 1*DIGIT; the largest position. */
	u = parse_ok(RL_DOC "resource-lists/list[007]/entry[2147483647]");
	check_step(&u->step[1], NULL, "list", 7, NULL, NULL, NULL);
	check_step(&u->step[2], NULL, "entry", 2147483647UL, NULL, NULL,
	    NULL);
}
END_TEST

START_TEST(wildcard_steps)
{
	struct xcap_uri *u = parse_ok(RL_DOC "*/*[3]/*[@uri=\"sip:carol@"
	    "example.com\"]/*[1][@xml:lang='en']");

	ck_assert_uint_eq(u->nsteps, 4);
	check_step(&u->step[0], NULL, "*", 0, NULL, NULL, NULL);
	check_step(&u->step[1], NULL, "*", 3, NULL, NULL, NULL);
	check_step(&u->step[2], NULL, "*", 0, NULL, "uri",
	    "sip:carol@example.com");
	check_step(&u->step[3], NULL, "*", 1, "xml", "lang", "en");
}
END_TEST

START_TEST(single_quotes_hold_double)
{
	struct xcap_uri *u;

	u = parse_ok(RL_DOC "resource-lists/list[@name='say%20\"hi\"']");
	check_step(&u->step[1], NULL, "list", 0, NULL, "name", "say \"hi\"");
	u = parse_ok(RL_DOC "resource-lists/list%5B@name=%27say%20%22hi%22"
	    "%27%5D");
	check_step(&u->step[1], NULL, "list", 0, NULL, "name", "say \"hi\"");
}
END_TEST

START_TEST(double_quotes_hold_single)
{
	struct xcap_uri *u;

	u = parse_ok(RL_DOC "resource-lists/list[@name=\"bob's\"]");
	check_step(&u->step[1], NULL, "list", 0, NULL, "name", "bob's");
	u = parse_ok(RL_DOC "resource-lists/list%5B@name=%22bob%27s%22%5D");
	check_step(&u->step[1], NULL, "list", 0, NULL, "name", "bob's");
}
END_TEST

/* XCAP.md §5.2: values may hold '/', '[', ']', "~~", '@' and '='; an
 * OpenXCAP-style anchor carries a whole XCAP URI, its own escapes
 * encoded once more. */
START_TEST(value_with_separators)
{
	struct xcap_uri *u = parse_ok(RL_DOC "resource-lists/list%5B@name="
	    "%22a%22%5D/external%5B@anchor=%22http://xcap.example.org/"
	    "xcap-root/resource-lists/users/sip:bob@example.org/index/~~/"
	    "resource-lists/list%255B@name=%2522mkting%2522%255D%22%5D");

	ck_assert_uint_eq(u->nsteps, 3);
	check_step(&u->step[2], NULL, "external", 0, NULL, "anchor",
	    "http://xcap.example.org/xcap-root/resource-lists/users/"
	    "sip:bob@example.org/index/~~/resource-lists/"
	    "list%5B@name=%22mkting%22%5D");

	u = parse_ok(RL_DOC "resource-lists/list[@name=\"a/b[1]/~~/@c=d\"]/"
	    "entry");
	ck_assert_uint_eq(u->nsteps, 3);
	check_step(&u->step[1], NULL, "list", 0, NULL, "name",
	    "a/b[1]/~~/@c=d");
}
END_TEST

/* AttValue references (XML 1.0 §4.1): the way to write the delimiter. */
START_TEST(value_references)
{
	struct xcap_uri *u = parse_ok(RL_DOC "resource-lists/list[@name=\""
	    "a&amp;b&quot;c&apos;d&lt;e&gt;f&%2365;&%23x42;&%23xe9;\"]");

	check_step(&u->step[1], NULL, "list", 0, NULL, "name",
	    "a&b\"c'd<e>fAB\xc3\xa9");
	u = parse_ok(RL_DOC "resource-lists/list[@name='it&apos;s']");
	check_step(&u->step[1], NULL, "list", 0, NULL, "name", "it's");
}
END_TEST

START_TEST(utf8_names_and_values)
{
	struct xcap_uri *u = parse_ok(RL_DOC "resource-lists/"
	    "list%5B@name=%22Fr%C3%BCnde%22%5D/entry%5B@uri=%22sip:"
	    "%E5%BC%A0@example.com%22%5D/%C3%A9l%C3%A9ment");

	check_step(&u->step[1], NULL, "list", 0, NULL, "name",
	    "Fr\xc3\xbcnde");
	check_step(&u->step[2], NULL, "entry", 0, NULL, "uri",
	    "sip:\xe5\xbc\xa0@example.com");
	check_step(&u->step[3], NULL, "\xc3\xa9l\xc3\xa9ment", 0, NULL, NULL,
	    NULL);
}
END_TEST

START_TEST(encoded_parts)
{
	struct xcap_uri *u;

	/* An encoded '/' stays inside the XUI, which is one segment. */
	u = parse_ok("/xcap-root/resource-lists/users/sip:a%2Fb@example.org/"
	    "index");
	ck_assert_str_eq(u->xui, "sip:a/b@example.org");
	/* Document names may hold anything printable once decoded. */
	u = parse_ok(ALICE "/my%20lists/friends%20%26%20family.xml");
	ck_assert_str_eq(u->doc, "my lists/friends & family.xml");
	ck_assert_str_eq(u->docname, "friends & family.xml");
	/* Encoded "users" and a lower-case escape in the separator. */
	u = parse_ok("/xcap-root/resource-lists/%75sers/sip:alice@"
	    "ims.example.org/index/%7e~/resource-lists");
	ck_assert_int_eq(u->tree, XCAP_TREE_USERS);
	ck_assert_uint_eq(u->nsteps, 1);
}
END_TEST

START_TEST(root_forms)
{
	char err[128];

	ck_assert_int_eq(xcap_uri_parse(ALICE "/index", "/xcap-root/", &U,
	    err, sizeof(err)), 0);
	ck_assert_str_eq(U.doc, "index");
	ck_assert_int_eq(xcap_uri_parse("/resource-lists/users/sip:a@b/index",
	    "/", &U, err, sizeof(err)), 0);
	ck_assert_str_eq(U.auid, "resource-lists");
	ck_assert_int_eq(xcap_uri_parse("/resource-lists/users/sip:a@b/index",
	    "", &U, err, sizeof(err)), 0);
	ck_assert_int_eq(xcap_uri_parse("/services/xcap/resource-lists/users/"
	    "sip:a@b/index", "/services/xcap", &U, err, sizeof(err)), 0);
	ck_assert_str_eq(U.xui, "sip:a@b");
}
END_TEST

/* ---------------------------------------------------------------------- */
/* xmlns() bindings                                                       */

START_TEST(xmlns_several)
{
	struct xcap_uri *u = parse_ok("/xcap-root/pres-rules/users/sip:alice@"
	    "ims.example.org/index/~~/cp:ruleset/cp:rule%5B@id=%22a%22%5D/"
	    "cp:actions/pr:sub-handling?xmlns(cp=" CP_NS ")xmlns(pr=" PR_NS
	    ")");

	ck_assert_uint_eq(u->nsteps, 4);
	check_step(&u->step[1], "cp", "rule", 0, NULL, "id", "a");
	check_step(&u->step[3], "pr", "sub-handling", 0, NULL, NULL, NULL);
	ck_assert_uint_eq(u->nns, 2);
	ck_assert_str_eq(u->ns[0].prefix, "cp");
	ck_assert_str_eq(u->ns[0].uri, CP_NS);
	ck_assert_str_eq(u->ns[1].prefix, "pr");
	ck_assert_str_eq(u->ns[1].uri, PR_NS);
}
END_TEST

/* The query percent-encoded as a whole, "(", ")", "=" and ":" too. */
START_TEST(xmlns_encoded)
{
	struct xcap_uri *u = parse_ok(RL_DOC "p:resource-lists?xmlns%28p%3D"
	    "urn%3Aietf%3Aparams%3Axml%3Ans%3Aresource-lists%29");

	ck_assert_uint_eq(u->nns, 1);
	ck_assert_str_eq(u->ns[0].prefix, "p");
	ck_assert_str_eq(u->ns[0].uri, RL_NS);
}
END_TEST

/* XPointer framework: blanks between parts and around '=', '^'
 * escapes, balanced parentheses, parts of other schemes skipped, and
 * "xml" bound to its own namespace name. */
START_TEST(xmlns_edge_cases)
{
	struct xcap_uri *u = parse_ok(RL_DOC "a:x?xmlns(a%20=%20urn:a^)b^(c^^)"
	    "%20xmlns(b=urn:(balanced))xpointer(/x[1])xmlns(xml="
	    XCAP_XML_NS ")");

	ck_assert_uint_eq(u->nns, 3);
	ck_assert_str_eq(u->ns[0].prefix, "a");
	ck_assert_str_eq(u->ns[0].uri, "urn:a)b(c^");
	ck_assert_str_eq(u->ns[1].prefix, "b");
	ck_assert_str_eq(u->ns[1].uri, "urn:(balanced)");
	ck_assert_str_eq(u->ns[2].prefix, "xml");

	/* An empty query is no query. */
	u = parse_ok(ALICE "/index?");
	ck_assert_uint_eq(u->nns, 0);
	u = parse_ok(RL_DOC "resource-lists?");
	ck_assert_uint_eq(u->nns, 0);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Namespace resolution                                                   */

START_TEST(resolve_default_ns)
{
	struct xcap_uri *u = parse_ok(RL_DOC "resource-lists/"
	    "list[@name=\"friends\"]/*[2]/@xml:lang");
	char err[128];

	ck_assert_int_eq(xcap_uri_resolve(u, RL_NS, err, sizeof(err)), 0);
	ck_assert_int_eq(u->resolved, 1);
	ck_assert_str_eq(u->step[0].name.ns, RL_NS);
	ck_assert_str_eq(u->step[1].name.ns, RL_NS);
	ck_assert_ptr_null(u->step[1].attr.ns);	/* unprefixed attribute */
	ck_assert_ptr_null(u->step[2].name.ns);	/* wildcard */
	ck_assert_str_eq(u->term_attr.ns, XCAP_XML_NS);

	/* Again with another default, then with none. */
	ck_assert_int_eq(xcap_uri_resolve(u, "test-app", err, sizeof(err)), 0);
	ck_assert_str_eq(u->step[0].name.ns, "test-app");
	ck_assert_int_eq(xcap_uri_resolve(u, NULL, err, sizeof(err)), 0);
	ck_assert_ptr_null(u->step[0].name.ns);
	ck_assert_int_eq(xcap_uri_resolve(u, "", err, sizeof(err)), 0);
	ck_assert_ptr_null(u->step[0].name.ns);
}
END_TEST

/* XCAP.md §1.4: pres-rules documents are <cp:ruleset>, the AUID's
 * default namespace is pres-rules, so clients bind cp explicitly. */
START_TEST(resolve_prefixes)
{
	struct xcap_uri *u = parse_ok("/xcap-root/pres-rules/users/sip:alice@"
	    "ims.example.org/index/~~/cp:ruleset/cp:rule[@id=\"wp\"]/"
	    "cp:actions/sub-handling/@p:x?xmlns(cp=" CP_NS ")xmlns(p=urn:p)");
	char err[128];

	ck_assert_int_eq(xcap_uri_resolve(u, PR_NS, err, sizeof(err)), 0);
	ck_assert_str_eq(u->step[0].name.ns, CP_NS);
	ck_assert_str_eq(u->step[1].name.ns, CP_NS);
	ck_assert_ptr_null(u->step[1].attr.ns);
	ck_assert_str_eq(u->step[2].name.ns, CP_NS);
	ck_assert_str_eq(u->step[3].name.ns, PR_NS);
	ck_assert_str_eq(u->term_attr.ns, "urn:p");

	u = parse_ok(RL_DOC "resource-lists/list[@q:name=\"x\"]?xmlns(q=urn:q)");
	ck_assert_int_eq(xcap_uri_resolve(u, RL_NS, err, sizeof(err)), 0);
	ck_assert_str_eq(u->step[1].attr.ns, "urn:q");
}
END_TEST

static void
resolve_bad(const char *target, const char *want)
{
	struct xcap_uri *u = parse_ok(target);
	char err[128] = "";

	ck_assert_int_eq(xcap_uri_resolve(u, RL_NS, err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(u->resolved, 0);
}

/* XCAP.md §1.4: an unbound prefix is a 400, wherever it appears. */
START_TEST(resolve_unbound)
{
	resolve_bad(RL_DOC "rl:resource-lists",
	    "unbound prefix rl: no xmlns() in the query binds it");
	resolve_bad(RL_DOC "resource-lists/list[@x:name=\"a\"]?xmlns(y=urn:y)",
	    "unbound prefix x: no xmlns() in the query binds it");
	resolve_bad(RL_DOC "resource-lists/list/@x:name",
	    "unbound prefix x: no xmlns() in the query binds it");
	/* Prefixes are case-sensitive. */
	resolve_bad(RL_DOC "CP:ruleset?xmlns(cp=" CP_NS ")",
	    "unbound prefix CP: no xmlns() in the query binds it");
}
END_TEST

/* Regression (fuzzer): the reason used to name the prefix twice before
 * saying "not bound", so a long prefix pushed the reason out of a
 * short error buffer. It now comes first. */
START_TEST(resolve_unbound_long_prefix)
{
	struct xcap_uri *u;
	char err[64] = "";

	u = parse_ok(build(RL_DOC, "p", XCAP_NAME_MAX, ":list"));
	ck_assert_int_eq(xcap_uri_resolve(u, RL_NS, err, sizeof(err)), -1);
	ck_assert_int_eq(strncmp(err, "unbound prefix ppp", 18), 0);
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
}
END_TEST

START_TEST(resolve_long_default)
{
	struct xcap_uri *u = parse_ok(RL_DOC "resource-lists");
	char err[128];

	memset(big, 'a', XCAP_NS_URI_MAX + 1);
	big[XCAP_NS_URI_MAX + 1] = '\0';
	ck_assert_int_eq(xcap_uri_resolve(u, big, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "default namespace too long (max 512 octets)");
	big[XCAP_NS_URI_MAX] = '\0';
	ck_assert_int_eq(xcap_uri_resolve(u, big, err, sizeof(err)), 0);
	ck_assert_str_eq(u->step[0].name.ns, big);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Canonical form                                                         */

START_TEST(format_canonical)
{
	struct xcap_uri *u;
	char out[1024];
	int n;

	u = parse_ok("/xcap-root/resource-lists/users/sip:joe@example.com/"
	    "index/~~/resource-lists/list[@name=\"l1\"]/entry[2]/@uri");
	n = xcap_uri_format(u, ROOT, u->nsteps, 1, out, sizeof(out));
	ck_assert_str_eq(out, "/xcap-root/resource-lists/users/"
	    "sip:joe@example.com/index/~~/resource-lists/"
	    "list%5B@name=%22l1%22%5D/entry%5B2%5D/@uri");
	ck_assert_int_eq(n, (int)strlen(out));
	/* The ancestors, for <no-parent><ancestor> (RFC 4825 §11). */
	ck_assert_int_eq(xcap_uri_format(u, ROOT, 2, 0, out, sizeof(out)) > 0,
	    1);
	ck_assert_str_eq(out, "/xcap-root/resource-lists/users/"
	    "sip:joe@example.com/index/~~/resource-lists/"
	    "list%5B@name=%22l1%22%5D");
	ck_assert_int_eq(xcap_uri_format(u, ROOT, 0, 0, out, sizeof(out)) > 0,
	    1);
	ck_assert_str_eq(out, "/xcap-root/resource-lists/users/"
	    "sip:joe@example.com/index");

	/* Both quotes in a value, odd characters in the XUI and the path,
	 * the namespace selector, and escaped bindings. */
	u = parse_ok("/xcap-root/test-app/users/sip:a%2Fb%20c@x/d%20ir/doc/"
	    "~~/p:x/y[@v='a\"b&apos;c&amp;%3F']/namespace::*"
	    "?xmlns(p=urn:a^)b)");
	n = xcap_uri_format(u, "/xcap-root/", u->nsteps, 1, out, sizeof(out));
	ck_assert_str_eq(out, "/xcap-root/test-app/users/sip:a%2Fb%20c@x/"
	    "d%20ir/doc/~~/p:x/y%5B@v=%22a&quot;b'c&amp;%3F%22%5D/namespace::*"
	    "?xmlns(p=urn:a%5E)b)");
	ck_assert_int_eq(n, (int)strlen(out));
	u = parse_ok(out);
	check_step(&u->step[1], NULL, "y", 0, NULL, "v", "a\"b'c&?");
	ck_assert_str_eq(u->ns[0].uri, "urn:a)b");

	/* The global tree. */
	u = parse_ok("/xcap-root/xcap-caps/global/index");
	ck_assert_int_gt(xcap_uri_format(u, "", 0, 0, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/xcap-caps/global/index");
}
END_TEST

START_TEST(format_limits)
{
	struct xcap_uri *u = parse_ok(RL_DOC "resource-lists/list/@name");
	char out[64];

	/* Too small: -1, never a cut URI. */
	ck_assert_int_eq(xcap_uri_format(u, ROOT, 2, 1, out, sizeof(out)), -1);
	ck_assert_int_eq(xcap_uri_format(u, ROOT, 2, 1, out, 0), -1);
	/* More steps than parsed, or a terminal on an ancestor. */
	ck_assert_int_eq(xcap_uri_format(u, ROOT, 3, 0, big, sizeof(big)), -1);
	ck_assert_int_eq(xcap_uri_format(u, ROOT, 1, 1, big, sizeof(big)), -1);
	ck_assert_int_gt(xcap_uri_format(u, ROOT, 1, 0, big, sizeof(big)), 0);
	ck_assert_str_eq(big, ALICE "/index/~~/resource-lists");
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Rejections                                                             */

struct bad_vec {
	const char	*target;
	int		 rc;
	const char	*err;
};

#define EBAD	XCAP_URI_EBAD
#define ENOENT_	XCAP_URI_ENOENT

static const struct bad_vec bad_vecs[] = {
	/* Outside the XCAP root: 404. */
	{ "/other/resource-lists/users/sip:a@b/index", ENOENT_,
	  "not under the XCAP root /xcap-root/" },
	{ "/xcap-rootx/resource-lists/users/sip:a@b/index", ENOENT_,
	  "not under the XCAP root /xcap-root/" },
	{ "/xcap-root", ENOENT_, "not under the XCAP root /xcap-root/" },
	{ "xcap-root/resource-lists/users/sip:a@b/index", ENOENT_,
	  "not under the XCAP root /xcap-root/" },
	/* Document selectors naming nothing: 404. */
	{ "/xcap-root/", ENOENT_, "no AUID after the XCAP root" },
	{ "/xcap-root//users/sip:a@b/index", ENOENT_,
	  "no AUID after the XCAP root" },
	{ "/xcap-root/~~/resource-lists", ENOENT_,
	  "no AUID after the XCAP root" },
	{ "/xcap-root/resource-lists", ENOENT_,
	  "no \"users\" or \"global\" after the AUID" },
	{ "/xcap-root/resource-lists/", ENOENT_,
	  "no \"users\" or \"global\" after the AUID" },
	{ "/xcap-root/resource-lists/user/sip:a@b/index", ENOENT_,
	  "the segment after the AUID must be \"users\" or \"global\"" },
	{ "/xcap-root/resource-lists/Users/sip:a@b/index", ENOENT_,
	  "the segment after the AUID must be \"users\" or \"global\"" },
	{ "/xcap-root/resource-lists/users", ENOENT_,
	  "no XUI after \"users\"" },
	{ "/xcap-root/resource-lists/users/", ENOENT_,
	  "no XUI after \"users\"" },
	{ "/xcap-root/resource-lists/users//index", ENOENT_,
	  "no XUI after \"users\"" },
	{ "/xcap-root/resource-lists/users/~~/resource-lists", ENOENT_,
	  "no XUI after \"users\"" },
	{ ALICE, ENOENT_, "no document name" },
	{ ALICE "/", ENOENT_, "no document name (the path ends with '/')" },
	{ ALICE "/dir/", ENOENT_, "no document name (the path ends with '/')" },
	{ ALICE "/~~/resource-lists", ENOENT_, "no document name" },
	{ "/xcap-root/xcap-caps/global", ENOENT_, "no document name" },
	{ "/xcap-root/xcap-caps/global/~~/xcap-caps", ENOENT_,
	  "no document name" },
	/* Dot segments. */
	{ ALICE "/../index", EBAD,
	  "document path: \".\" and \"..\" segments are not allowed" },
	{ ALICE "/./index", EBAD,
	  "document path: \".\" and \"..\" segments are not allowed" },
	{ ALICE "/dir/%2E%2E", EBAD,
	  "document path: \".\" and \"..\" segments are not allowed" },
	{ "/xcap-root/resource-lists/users/../index", EBAD,
	  "XUI: \".\" and \"..\" are not allowed" },
	{ "/xcap-root/./users/sip:a@b/index", EBAD,
	  "AUID: \".\" and \"..\" are not allowed" },
	/* Empty segments and encoded slashes. */
	{ ALICE "//index", EBAD, "empty path segment at offset 58" },
	{ ALICE "/dir//index", EBAD, "empty path segment at offset 62" },
	{ ALICE "/dir%2Findex", EBAD,
	  "document path: encoded '/' in a segment at offset 58" },
	{ "/xcap-root/resource%2Flists/users/sip:a@b/index", EBAD,
	  "AUID: character 0x2f not allowed" },
	{ "/xcap-root/resource%20lists/users/sip:a@b/index", EBAD,
	  "AUID: character 0x20 not allowed" },
	/* Raw characters that must be encoded. */
	{ ALICE "/my index", EBAD, "character 0x20 at offset 60 is not "
	  "allowed in a request-target (percent-encode it)" },
	{ ALICE "/index#frag", EBAD, "character 0x23 at offset 63 is not "
	  "allowed in a request-target (percent-encode it)" },
	{ RL_DOC "resource-lists/list[@name=\"<\"]", EBAD, "character 0x3c "
	  "at offset 94 is not allowed in a request-target (percent-encode "
	  "it)" },
	{ ALICE "/ind\xc3\xa9x", EBAD, "character 0xc3 at offset 61 is not "
	  "allowed in a request-target (percent-encode it)" },
	{ ALICE "/index\r\n", EBAD, "character 0x0d at offset 63 is not "
	  "allowed in a request-target (percent-encode it)" },
	{ RL_DOC "a?xmlns(a=urn:a b)", EBAD, "character 0x20 at offset 82 is "
	  "not allowed in a request-target (percent-encode it)" },
	/* Bad percent escapes. */
	{ ALICE "/ind%G1x", EBAD, "bad percent escape at offset 61" },
	{ ALICE "/index%2", EBAD, "bad percent escape at offset 63" },
	{ ALICE "/index%", EBAD, "bad percent escape at offset 63" },
	{ RL_DOC "a%5", EBAD, "bad percent escape at offset 68" },
	{ RL_DOC "a?xmlns%2", EBAD, "bad percent escape at offset 74" },
	/* NUL, controls and invalid UTF-8 after decoding. */
	{ ALICE "/ind%00ex", EBAD, "document path: %00 (NUL) at offset 61" },
	{ "/xcap-root/resource-lists/users/sip:a%0A@b/index", EBAD,
	  "XUI: control character U+000A" },
	{ ALICE "/index%7F", EBAD, "document path: control character U+007F" },
	{ ALICE "/index%C2%85", EBAD,
	  "document path: control character U+0085" },
	{ RL_DOC "resource-lists/list[@name=\"a%09b\"]", EBAD,
	  "node selector: control character U+0009" },
	{ ALICE "/ind%C3%28x", EBAD, "document path: invalid UTF-8" },
	{ ALICE "/%C0%AFx", EBAD, "document path: invalid UTF-8" },
	{ ALICE "/%ED%A0%80", EBAD, "document path: invalid UTF-8" },
	{ RL_DOC "a%EF%BF%BF", EBAD,
	  "node selector: U+FFFF is not an XML character" },
	{ RL_DOC "a?xmlns(a=urn:%01)", EBAD, "query: control character U+0001" },
	/* Node selector syntax. */
	{ RL_DOC, EBAD, "empty node selector after \"~~\"" },
	{ ALICE "/index/~~", EBAD, "empty node selector after \"~~\"" },
	{ RL_DOC "resource-lists//list", EBAD,
	  "node selector: empty step at offset 15" },
	{ RL_DOC "resource-lists/", EBAD,
	  "node selector: empty step at offset 15" },
	{ RL_DOC "/resource-lists", EBAD,
	  "node selector: empty step at offset 0" },
	{ RL_DOC "resource-lists/list[]", EBAD,
	  "node selector: empty predicate \"[]\" at offset 19" },
	{ RL_DOC "resource-lists/list[2147483648]", EBAD,
	  "node selector: position at offset 19 too large (max 2147483647)" },
	{ RL_DOC "resource-lists/list[1", EBAD,
	  "node selector: missing ']' at offset 21 after the position" },
	{ RL_DOC "resource-lists/list[-1]", EBAD, "node selector: bad "
	  "predicate at offset 19 (want [N], [@attr=\"value\"] or both)" },
	{ RL_DOC "resource-lists/list[%201%20]", EBAD, "node selector: bad "
	  "predicate at offset 19 (want [N], [@attr=\"value\"] or both)" },
	{ RL_DOC "resource-lists/list[last()]", EBAD, "node selector: bad "
	  "predicate at offset 19 (want [N], [@attr=\"value\"] or both)" },
	{ RL_DOC "resource-lists/list[@name]", EBAD, "node selector: "
	  "attribute test at offset 20 needs '=' and a quoted value" },
	{ RL_DOC "resource-lists/list[@name%20=%20\"a\"]", EBAD,
	  "node selector: attribute test at offset 20 needs '=' and a "
	  "quoted value" },
	{ RL_DOC "resource-lists/list[@name=friends]", EBAD, "node selector: "
	  "attribute value at offset 26 must be quoted with \" or '" },
	{ RL_DOC "resource-lists/list[@name=\"friends]", EBAD,
	  "node selector: unterminated attribute value (missing \")" },
	{ RL_DOC "resource-lists/list[@name='friends\"]", EBAD,
	  "node selector: unterminated attribute value (missing ')" },
	{ RL_DOC "resource-lists/list[@name=\"a\"b\"]", EBAD,
	  "node selector: missing ']' at offset 29 after the attribute value" },
	{ RL_DOC "resource-lists/list[@name=\"a%3Cb\"]", EBAD,
	  "node selector: '<' at offset 28 in an attribute value (write &lt;)" },
	{ RL_DOC "resource-lists/list[@name=\"a&b\"]", EBAD,
	  "node selector: bad reference at offset 28 in an attribute value "
	  "(a '&' starts &lt; &gt; &amp; &apos; &quot; or &#...;)" },
	{ RL_DOC "resource-lists/list[@name=\"&nbsp;\"]", EBAD,
	  "node selector: bad reference at offset 27 in an attribute value "
	  "(a '&' starts &lt; &gt; &amp; &apos; &quot; or &#...;)" },
	{ RL_DOC "resource-lists/list[@name=\"&%230;\"]", EBAD,
	  "node selector: bad reference at offset 27 in an attribute value "
	  "(a '&' starts &lt; &gt; &amp; &apos; &quot; or &#...;)" },
	{ RL_DOC "resource-lists/list[@name=\"&%23x110000;\"]", EBAD,
	  "node selector: bad reference at offset 27 in an attribute value "
	  "(a '&' starts &lt; &gt; &amp; &apos; &quot; or &#...;)" },
	{ RL_DOC "resource-lists/list[@name=\"&%23xD800;\"]", EBAD,
	  "node selector: bad reference at offset 27 in an attribute value "
	  "(a '&' starts &lt; &gt; &amp; &apos; &quot; or &#...;)" },
	{ RL_DOC "resource-lists/list[@name=\"x\"][1]", EBAD,
	  "node selector: no predicate may follow an attribute test (offset "
	  "30; the order is [N][@a=\"v\"])" },
	{ RL_DOC "resource-lists/list[1][2]", EBAD, "node selector: only an "
	  "attribute test may follow a position (offset 22)" },
	{ RL_DOC "resource-lists/list[1][@a=\"x\"][@b=\"y\"]", EBAD,
	  "node selector: no predicate may follow an attribute test (offset "
	  "30; the order is [N][@a=\"v\"])" },
	{ RL_DOC "resource-lists/list[@name=\"a\"]x", EBAD,
	  "node selector: unexpected 'x' at offset 30" },
	{ RL_DOC "resource-lists/@name/entry", EBAD, "node selector: the "
	  "attribute selector must be the last step (offset 20)" },
	{ RL_DOC "@name", EBAD, "node selector: a terminal selector needs an "
	  "element step before it" },
	{ RL_DOC "namespace::*", EBAD, "node selector: a terminal selector "
	  "needs an element step before it" },
	{ RL_DOC "resource-lists/namespace::x", EBAD, "node selector: the "
	  "namespace selector is \"namespace::*\", last (offset 15)" },
	{ RL_DOC "resource-lists/namespace::*/list", EBAD, "node selector: "
	  "the namespace selector is \"namespace::*\", last (offset 15)" },
	{ RL_DOC "resource-lists/@*", EBAD,
	  "node selector: bad attribute name at offset 16" },
	{ RL_DOC "rl:*", EBAD, "node selector: \"prefix:*\" at offset 0 is not "
	  "allowed (only \"*\" or a QName)" },
	{ RL_DOC "*:list", EBAD, "node selector: unexpected ':' at offset 1" },
	{ RL_DOC "a:b:c", EBAD, "node selector: unexpected ':' at offset 3" },
	{ RL_DOC "a:", EBAD, "node selector: bad element name at offset 2" },
	{ RL_DOC "1list", EBAD, "node selector: bad element name at offset 0" },
	{ RL_DOC "resource-lists/-list", EBAD,
	  "node selector: bad element name at offset 15" },
	{ RL_DOC "resource-lists/list%20x", EBAD,
	  "node selector: unexpected ' ' at offset 19" },
	{ RL_DOC "resource-lists/text()", EBAD,
	  "node selector: unexpected '(' at offset 19" },
	{ RL_DOC "resource-lists//list", EBAD,
	  "node selector: empty step at offset 15" },
	/* Query syntax and bindings. */
	{ ALICE "/index?xmlns(a=urn:a)", EBAD,
	  "a query is only allowed with a node selector" },
	{ ALICE "/index?t=1", EBAD,
	  "a query is only allowed with a node selector" },
	{ RL_DOC "a:x?xmlns(a=urn:a", EBAD,
	  "query: missing ')' in the xmlns() part" },
	{ RL_DOC "a:x?xmlns(a=urn:(a)", EBAD,
	  "query: missing ')' in the xmlns() part" },
	{ RL_DOC "a:x?xmlns", EBAD, "query: missing '(' after xmlns" },
	{ RL_DOC "a:x?xmlns(a=urn:a)foo", EBAD, "query: missing '(' after foo" },
	{ RL_DOC "a:x?xmlns(a=urn:a))", EBAD,
	  "query: expected a part like xmlns(prefix=namespace) at offset 14" },
	{ RL_DOC "a:x?(a=urn:a)", EBAD,
	  "query: expected a part like xmlns(prefix=namespace) at offset 0" },
	{ RL_DOC "a:x?xmlns(a=urn:a^b)", EBAD,
	  "query: '^' at offset 13 escapes only ( ) ^" },
	{ RL_DOC "a:x?xmlns(=urn:a)", EBAD, "query: xmlns(=urn:a): empty prefix" },
	{ RL_DOC "a:x?xmlns()", EBAD,
	  "query: xmlns(): the prefix is not an NCName" },
	{ RL_DOC "a:x?xmlns(1a=urn:a)", EBAD,
	  "query: xmlns(1a=urn:a): the prefix is not an NCName" },
	{ RL_DOC "a:x?xmlns(a:b=urn:a)", EBAD,
	  "query: xmlns(a:b=urn:a): the prefix is not an NCName" },
	{ RL_DOC "a:x?xmlns(a)", EBAD,
	  "query: xmlns(): missing '=' after the prefix a" },
	{ RL_DOC "a:x?xmlns(a%20urn:a)", EBAD,
	  "query: xmlns(): missing '=' after the prefix a" },
	{ RL_DOC "a:x?xmlns(a=)", EBAD, "query: xmlns(a=): empty namespace name" },
	{ RL_DOC "a:x?xmlns(a=urn:a%20)", EBAD,
	  "query: xmlns(a=...): space in the namespace name" },
	{ RL_DOC "a:x?xmlns(a=urn:x)xmlns(a=urn:y)", EBAD,
	  "query: duplicate prefix a in xmlns()" },
	{ RL_DOC "a:x?xmlns(a=urn:x)%20xmlns(a=urn:x)", EBAD,
	  "query: duplicate prefix a in xmlns()" },
	{ RL_DOC "a:x?xmlns(xmlns=urn:x)", EBAD,
	  "query: xmlns(): the prefix xmlns is reserved" },
	{ RL_DOC "a:x?xmlns(xml=urn:x)", EBAD,
	  "query: xmlns(): the prefix xml and the XML namespace name go only "
	  "together" },
	{ RL_DOC "a:x?xmlns(a=" XCAP_XML_NS ")", EBAD,
	  "query: xmlns(): the prefix xml and the XML namespace name go only "
	  "together" },
	{ RL_DOC "a:x?xmlns(a=http://www.w3.org/2000/xmlns/)", EBAD,
	  "query: xmlns(): the prefix xml and the XML namespace name go only "
	  "together" },
};

START_TEST(reject_vectors)
{
	const struct bad_vec *v = &bad_vecs[_i];

	parse_bad(v->target, v->rc, v->err);
}
END_TEST

/* Fill big with `prefix`, `n` copies of `unit`, and `suffix`. */
static const char *
build(const char *prefix, const char *unit, size_t n, const char *suffix)
{
	size_t len = strlen(prefix), ul = strlen(unit), i;

	ck_assert_uint_lt(len + n * ul + strlen(suffix), sizeof(big));
	memmove(big, prefix, len);
	for (i = 0; i < n; i++, len += ul)
		memcpy(big + len, unit, ul);
	strcpy(big + len, suffix);
	return big;
}

START_TEST(reject_overlong)
{
	char unit[129], last[132];

	/* Each cap, at the cap (accepted) and one past it (refused). */
	parse_ok(build(ROOT "/", "a", XCAP_AUID_MAX, "/global/index"));
	parse_bad(build(ROOT "/", "a", XCAP_AUID_MAX + 1, "/global/index"),
	    EBAD, "AUID too long (max 128 octets)");
	parse_ok(build(ROOT "/rl/users/", "%41", XCAP_XUI_MAX, "/index"));
	parse_bad(build(ROOT "/rl/users/", "%41", XCAP_XUI_MAX + 1, "/index"),
	    EBAD, "XUI too long (max 512 octets)");
	parse_ok(build(ROOT "/rl/global/", "d", XCAP_DOC_MAX, ""));
	parse_bad(build(ROOT "/rl/global/", "d", XCAP_DOC_MAX + 1, ""),
	    EBAD, "document path too long (max 1024 octets)");
	parse_bad(build(ROOT "/rl/global/", "dir/", XCAP_DOC_MAX / 4, "x"),
	    EBAD, "document path: too many segments (max 16)");
	parse_ok(build(ROOT "/rl/global/", "d/", XCAP_DOC_MAX_SEGS - 1, "x"));
	parse_bad(build(ROOT "/rl/global/", "d/", XCAP_DOC_MAX_SEGS, "x"),
	    EBAD, "document path: too many segments (max 16)");
	/* 1024 octets in 8 segments, then one more '/' or one more octet. */
	memset(unit, 'd', 127);
	strcpy(unit + 127, "/");
	memset(last, 'd', 128);
	strcpy(last + 128, "/x");
	parse_bad(build(ROOT "/rl/global/", unit, 7, last), EBAD,
	    "document path too long (max 1024 octets)");
	last[128] = '\0';
	parse_ok(build(ROOT "/rl/global/", unit, 7, last));
	ck_assert_uint_eq(strlen(U.doc), XCAP_DOC_MAX);
	strcpy(last + 127, "/x");
	parse_bad(build(ROOT "/rl/global/", unit, 7, last), EBAD,
	    "document path too long (max 1024 octets)");

	parse_ok(build(RL_DOC, "a/", XCAP_MAX_STEPS - 1, "a"));
	parse_bad(build(RL_DOC, "a/", XCAP_MAX_STEPS, "a"), EBAD,
	    "node selector: too many steps (max 32)");
	/* A terminal selector is not a step. */
	parse_ok(build(RL_DOC, "a/", XCAP_MAX_STEPS, "@b"));
	parse_ok(build(RL_DOC, "n", XCAP_NAME_MAX, ""));
	parse_bad(build(RL_DOC, "n", XCAP_NAME_MAX + 1, ""), EBAD,
	    "node selector: element name at offset 0 too long (max 256 "
	    "octets)");
	parse_bad(build(RL_DOC "p:", "n", XCAP_NAME_MAX + 1, ""), EBAD,
	    "node selector: element name at offset 0 too long (max 256 "
	    "octets)");
	parse_bad(build(RL_DOC "a/@", "n", XCAP_NAME_MAX + 1, ""), EBAD,
	    "node selector: attribute name at offset 3 too long (max 256 "
	    "octets)");
	parse_ok(build(RL_DOC "a[@v=\"", "v", XCAP_VALUE_MAX, "\"]"));
	parse_bad(build(RL_DOC "a[@v=\"", "v", XCAP_VALUE_MAX + 1, "\"]"),
	    EBAD, "node selector: attribute value too long (max 2048 octets)");
	parse_bad(build(RL_DOC "a[@v=\"", "v", XCAP_SEL_MAX, "\"]"),
	    EBAD, "node selector too long (max 4096 octets)");

	parse_ok(build(RL_DOC "a?xmlns(a=", "u", XCAP_NS_URI_MAX, ")"));
	parse_bad(build(RL_DOC "a?xmlns(a=", "u", XCAP_NS_URI_MAX + 1, ")"),
	    EBAD, "query: xmlns(): namespace name too long (max 512 octets)");
	parse_bad(build(RL_DOC "a?xmlns(", "p", XCAP_NAME_MAX + 1, "=u)"),
	    EBAD, "query: xmlns(): prefix too long (max 256 octets)");
	parse_bad(build(RL_DOC "a?", "x(y)", XCAP_MAX_PARTS + 1, ""),
	    EBAD, "query: too many XPointer parts (max 32)");
	parse_bad(build(RL_DOC "a?", "x", XCAP_QUERY_MAX + 1, ""),
	    EBAD, "query too long (max 4096 octets)");

	/* Exactly XCAP_URI_MAX_LEN octets, every part near its cap. */
	build(ROOT "/rl/users/", "%41", XCAP_XUI_MAX, "/");
	strcpy(last, "/~~/a[@v=\"vv");
	build(big, "%64", XCAP_DOC_MAX, last);
	build(big, "%76", (XCAP_URI_MAX_LEN - strlen(big) - 2) / 3, "\"]");
	ck_assert_uint_eq(strlen(big), XCAP_URI_MAX_LEN);
	parse_ok(big);
	ck_assert_uint_eq(strlen(U.xui), XCAP_XUI_MAX);
	ck_assert_uint_eq(strlen(U.doc), XCAP_DOC_MAX);
	ck_assert_uint_eq(strlen(U.step[0].value), 1185);
	parse_bad(build(ROOT "/rl/global/index/~~/", "a/", XCAP_URI_MAX_LEN / 2,
	    ""), EBAD, "request-target too long (max 8192 octets)");
	big[XCAP_URI_MAX_LEN + 1] = '\0';	/* one octet over */
	parse_bad(big, EBAD, "request-target too long (max 8192 octets)");
}
END_TEST

START_TEST(reject_too_many_bindings)
{
	char q[64];
	size_t i;

	strcpy(big, RL_DOC "a?");
	for (i = 0; i < XCAP_MAX_NS; i++) {
		snprintf(q, sizeof(q), "xmlns(p%zu=urn:%zu)", i, i);
		strcat(big, q);
	}
	parse_ok(big);
	ck_assert_uint_eq(U.nns, XCAP_MAX_NS);
	ck_assert_str_eq(U.ns[XCAP_MAX_NS - 1].prefix, "p15");
	strcat(big, "xmlns(p16=urn:16)");
	parse_bad(big, EBAD, "query: too many xmlns() bindings (max 16)");
}
END_TEST

START_TEST(reject_null_args)
{
	char err[64];

	ck_assert_int_eq(xcap_uri_parse(NULL, ROOT, &U, err, sizeof(err)),
	    XCAP_URI_EBAD);
	ck_assert_str_eq(err, "no request-target or XCAP root");
	ck_assert_int_eq(xcap_uri_parse(ALICE "/index", NULL, &U, NULL, 0),
	    XCAP_URI_EBAD);
	/* A failed parse after a good one leaves nothing behind. */
	parse_ok(RL_DOC "resource-lists");
	ck_assert_int_eq(xcap_uri_parse(RL_DOC "[", ROOT, &U, err, 8),
	    XCAP_URI_EBAD);
	ck_assert_str_eq(err, "node se");	/* cut, NUL-terminated */
	ck_assert_ptr_null(U.doc);
	ck_assert_ptr_null(U.selector);
	xcap_uri_clear(NULL);
}
END_TEST

/* [0] is in the grammar (1*DIGIT); it selects nothing, so an element PUT
 * there is 409 cannot-insert (XCAP.md §1.6) rather than a 400. */
START_TEST(position_zero_parses)
{
	struct xcap_uri *u = calloc(1, sizeof(*u));
	char err[256], out[512];

	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq(xcap_uri_parse("/xcap-root/resource-lists/users/"
	    "sip:joe@example.com/index/~~/resource-lists/list[1]/*[0]",
	    "/xcap-root", u, err, sizeof(err)), 0);
	ck_assert_int_eq(u->step[1].has_position, 1);
	ck_assert_uint_eq(u->step[1].position, 1);
	ck_assert_int_eq(u->step[2].has_position, 1);
	ck_assert_uint_eq(u->step[2].position, 0);
	ck_assert_int_eq(u->step[0].has_position, 0);
	ck_assert_int_gt(xcap_uri_format(u, "/xcap-root", u->nsteps, 1, out,
	    sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "*%5B0%5D"));
	xcap_uri_clear(u);
	free(u);
}
END_TEST

Suite *
suite_xcap_uri(void)
{
	Suite *s = suite_create("xcap_uri");
	TCase *tc;

	tc = tcase_create("accept");
	tcase_add_test(tc, rfc_example_encoded);
	tcase_add_test(tc, rfc_example_raw);
	tcase_add_test(tc, rfc_example_all_encoded);
	tcase_add_test(tc, xcaplib_raw);
	tcase_add_test(tc, imsdroid_pres_rules);
	tcase_add_test(tc, document_only);
	tcase_add_test(tc, global_tree);
	tcase_add_test(tc, attribute_selector);
	tcase_add_test(tc, namespace_selector);
	tcase_add_test(tc, position_and_attribute);
	tcase_add_test(tc, position_zero_parses);
	tcase_add_test(tc, wildcard_steps);
	tcase_add_test(tc, single_quotes_hold_double);
	tcase_add_test(tc, double_quotes_hold_single);
	tcase_add_test(tc, value_with_separators);
	tcase_add_test(tc, value_references);
	tcase_add_test(tc, utf8_names_and_values);
	tcase_add_test(tc, encoded_parts);
	tcase_add_test(tc, root_forms);
	suite_add_tcase(s, tc);

	tc = tcase_create("xmlns");
	tcase_add_test(tc, xmlns_several);
	tcase_add_test(tc, xmlns_encoded);
	tcase_add_test(tc, xmlns_edge_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("resolve");
	tcase_add_test(tc, resolve_default_ns);
	tcase_add_test(tc, resolve_prefixes);
	tcase_add_test(tc, resolve_unbound);
	tcase_add_test(tc, resolve_unbound_long_prefix);
	tcase_add_test(tc, resolve_long_default);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, format_canonical);
	tcase_add_test(tc, format_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("reject");
	tcase_add_loop_test(tc, reject_vectors, 0,
	    (int)(sizeof(bad_vecs) / sizeof(bad_vecs[0])));
	tcase_add_test(tc, reject_overlong);
	tcase_add_test(tc, reject_too_many_bindings);
	tcase_add_test(tc, reject_null_args);
	suite_add_tcase(s, tc);
	return s;
}
