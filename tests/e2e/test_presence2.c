/*
 * test_presence2.c — the presence server's policies, services and OMA
 * usages end to end (issue 6): the real `presence` started by
 * scripts/stack, spoken to over HTTP/1.1 (common/httpc). Expectations are
 * those of ../shared/spec/XCAP.md §2 and the XCAP rows of the decision
 * table (spec/README.md), and the choices docs/CONTRACT.md § presence
 * states where XCAP.md leaves room:
 *
 *  - pres-rules (RFC 5025 on RFC 4745): schema (sub-handling values,
 *    transformations, conditions), rule ids unique (uniqueness-failure
 *    with a free alt-value), one sub-handling per rule, the default
 *    namespace of node selectors (pres-rules, so common-policy elements
 *    need an xmlns() prefix);
 *  - OMA pres-rules: OMA elements validated, common-policy as the default
 *    namespace, one identity-type condition of each kind per rule, no
 *    transformations without allow, external-list anchors into the
 *    owner's own lists;
 *  - rls-services (RFC 4826 §4): service URIs unique across every user's
 *    documents — 409 uniqueness-failure with free alt-values that really
 *    are free, and an answer that does not tell whose the URI is (the
 *    same answer as for the requester's own other document);
 *    <resource-list> into the owner's resource-lists only; inline lists
 *    under the resource-lists constraints; element edits checked too;
 *    a deleted document frees its URIs;
 *  - OMA pres-content: readable by any asserted identity, writable only
 *    by its owner, MIME type / base64 / size cap constraints;
 *  - OMA xcap-directory: generated, read-only, only the caller's documents
 *    with their ETags, valid against its schema, conditional GET;
 *  - pidf-manipulation (RFC 4827): the PIDF schema;
 *  - xcap-caps: every AUID, extension and namespace;
 *  - GET /policy/eval: conflicting rules combined (max, OR, union),
 *    identity one/many/except, sphere, validity, OMA conditions, IETF and
 *    OMA documents together, the default, XML and JSON, the
 *    XCAP-POLICY-EVAL event line; untrusted peer and missing secret →
 *    403, bad queries → 400, other methods → 405.
 *
 * Waits are on answers and on event lines, never sleeps. Most cases share
 * one stack (unchecked fixture), each with its own users and documents;
 * cases that need another configuration start their own stack, which a
 * failed test leaves for the sweep in the tcase teardown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "e2e.h"
#include "httpc.h"
#include "xml.h"

#define NS_RL		"urn:ietf:params:xml:ns:resource-lists"
#define NS_RLS		"urn:ietf:params:xml:ns:rls-services"
#define NS_CP		"urn:ietf:params:xml:ns:common-policy"
#define NS_PR		"urn:ietf:params:xml:ns:pres-rules"
#define NS_OCP		"urn:oma:xml:xdm:common-policy"
#define NS_OPR		"urn:oma:xml:prs:pres-rules"
#define NS_OPC		"urn:oma:xml:prs:pres-content"
#define NS_DIR		"urn:oma:xml:xdm:xcap-directory"
#define NS_PIDF		"urn:ietf:params:xml:ns:pidf"
#define NS_CAPS		"urn:ietf:params:xml:ns:xcap-caps"
#define NS_ERR		"urn:ietf:params:xml:ns:xcap-error"
#define NS_EVAL		"urn:utstack:params:xml:ns:policy-eval"
#define AP_MIME		"application/auth-policy+xml"
#define RLS_MIME	"application/rls-services+xml"
#define RL_MIME		"application/resource-lists+xml"
#define PC_MIME		"application/vnd.oma.pres-content+xml"
#define DIR_MIME	"application/vnd.oma.xcap-directory+xml"
#define PIDF_MIME	"application/pidf+xml"
#define EL_MIME		"application/xcap-el+xml"
#define ERR_MIME	"application/xcap-error+xml"
#define CAPS_MIME	"application/xcap-caps+xml"
#define DIR_XSD		"presence/xsd/xcap-directory.xsd"
#define CAPS_XSD	"presence/xsd/xcap-caps.xsd"
#define ANSWER_MS	5000

#define ID(u)		"\"sip:" u "@ims.example.org\""
#define HOME(auid, u)	"/" auid "/users/sip:" u "@ims.example.org"

static struct e2e_stack shared;

static void
shared_up(void)
{
	e2e_stack_up(&shared, NULL);
}

static void
shared_down(void)
{
	e2e_stack_down(&shared);
}

/* The state of one test: its stack, connection, last answer, last ETag. */
static struct {
	const struct e2e_stack	*s;
	char			 base[128];	/* PRESENCE_URL */
	char			 root[64];	/* XCAP_ROOT */
	char			 etag[128];
	struct httpc_conn	 c;
	struct httpc_resp	 r;
} T;

static void
t_init(const struct e2e_stack *s)
{
	memset(&T, 0, sizeof(T));
	T.s = s;
	snprintf(T.base, sizeof(T.base), "%s", e2e_env(s, "PRESENCE_URL"));
	snprintf(T.root, sizeof(T.root), "%s", e2e_env(s, "XCAP_ROOT"));
	ck_assert_msg(httpc_open(&T.c, T.base) == 0, "%s", T.c.err);
}

static void
t_done(void)
{
	httpc_close(&T.c);
}

/* `in` with $U (PRESENCE_URL), $R (XCAP_ROOT) and $E (the last ETag,
 * quoted) replaced, into `out`. */
static void
expand(const char *in, char *out, size_t size)
{
	size_t o = 0, n;
	const char *v;

	while (*in != '\0') {
		v = NULL;
		if (in[0] == '$')
			v = in[1] == 'U' ? T.base : in[1] == 'R' ? T.root :
			    in[1] == 'E' ? T.etag : NULL;
		if (v == NULL) {
			ck_assert_uint_lt(o + 1, size);
			out[o++] = *in++;
			continue;
		}
		n = strlen(v);
		ck_assert_uint_lt(o + n, size);
		memcpy(out + o, v, n);
		o += n;
		in += 2;
	}
	out[o] = '\0';
}

/*
 * One request: `path` below XCAP_ROOT (or, starting with '!', the target
 * itself), the asserted identity `who` (NULL: none), a Content-Type, a
 * body and one more header line (each may be NULL). The answer in T.r.
 */
static void
req(const char *method, const char *path, const char *who, const char *ctype,
    const char *body, const char *hdr)
{
	static char target[8192], xbody[HTTPC_BODY_MAX], xh[1024];
	const char *hdrs[6];
	char host[160], idh[300], cth[200];
	int k = 0;

	if (path[0] == '!')
		expand(path + 1, target, sizeof(target));
	else {
		snprintf(target, sizeof(target), "%s", T.root);
		expand(path, target + strlen(target), sizeof(target) -
		    strlen(target));
	}
	snprintf(host, sizeof(host), "Host: %.120s", T.base + strlen("http://"));
	hdrs[k++] = host;
	if (who != NULL) {
		snprintf(idh, sizeof(idh), "X-3GPP-Asserted-Identity: %s", who);
		hdrs[k++] = idh;
	}
	if (ctype != NULL) {
		snprintf(cth, sizeof(cth), "Content-Type: %s", ctype);
		hdrs[k++] = cth;
	}
	if (hdr != NULL) {
		expand(hdr, xh, sizeof(xh));
		hdrs[k++] = xh;
	}
	hdrs[k] = NULL;
	if (body != NULL)
		expand(body, xbody, sizeof(xbody));
	ck_assert_msg(httpc_request(&T.c, method, target, hdrs, body != NULL ?
	    xbody : NULL, body != NULL ? strlen(xbody) : 0, &T.r,
	    ANSWER_MS) == 0, "%s %s: no answer: %s", method, target, T.c.err);
}

static int
is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, ns) == 0 &&
	    (name == NULL || strcmp((const char *)n->name, name) == 0);
}

/*
 * A 409 conflict report (RFC 4825 §11): application/xcap-error+xml, one
 * element `tag` in <xcap-error>; for uniqueness-failure an <exists
 * field="`detail`"> (any when NULL) whose <alt-value>s are copied into
 * `alts` (space-separated, may be NULL); otherwise `detail` must be in the
 * phrase.
 */
static void
check_xcap_error(const char *ctx, const char *tag, const char *detail,
    char *alts, size_t altsz)
{
	const char *ct = httpc_header(&T.r, "Content-Type");
	xmlNode *root, *n, *el = NULL, *a;
	xmlDoc *doc;
	xmlChar *v;
	char err[256];
	size_t o = 0;
	int els = 0, found = 0;

	ck_assert_msg(ct != NULL && strcmp(ct, ERR_MIME) == 0,
	    "%s: Content-Type %s, expected " ERR_MIME ": %s", ctx,
	    ct ? ct : "(none)", T.r.body);
	doc = xml_parse(T.r.body, T.r.body_len, HTTPC_BODY_MAX, err,
	    sizeof(err));
	ck_assert_msg(doc != NULL, "%s: xcap-error does not parse: %s", ctx,
	    err);
	root = xmlDocGetRootElement(doc);
	ck_assert_msg(is_el(root, NS_ERR, "xcap-error"), "%s: %s", ctx,
	    T.r.body);
	for (n = root->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE) {
			els++;
			el = n;
		}
	ck_assert_msg(els == 1 && is_el(el, NS_ERR, tag), "%s: expected <%s>, "
	    "got: %s", ctx, tag, T.r.body);
	if (alts != NULL)
		alts[0] = '\0';
	if (strcmp(tag, "uniqueness-failure") == 0) {
		for (n = el->children; n != NULL; n = n->next) {
			if (!is_el(n, NS_ERR, "exists"))
				continue;
			v = xmlGetProp(n, (const xmlChar *)"field");
			ck_assert_msg(v != NULL, "%s: <exists> without field",
			    ctx);
			if (detail == NULL || strcmp((char *)v, detail) == 0)
				found = 1;
			xmlFree(v);
			for (a = n->children; alts != NULL && a != NULL;
			    a = a->next) {
				if (!is_el(a, NS_ERR, "alt-value"))
					continue;
				v = xmlNodeGetContent(a);
				o += (size_t)snprintf(alts + o, altsz - o, "%s%s",
				    o > 0 ? " " : "", (char *)v);
				xmlFree(v);
				ck_assert_uint_lt(o, altsz);
			}
		}
		ck_assert_msg(found, "%s: no <exists field=\"%s\">: %s", ctx,
		    detail ? detail : "...", T.r.body);
	} else if (detail != NULL) {
		v = xmlGetProp(el, (const xmlChar *)"phrase");
		ck_assert_msg(v != NULL && strstr((char *)v, detail) != NULL,
		    "%s: the phrase should name \"%s\": %s", ctx, detail,
		    T.r.body);
		xmlFree(v);
	}
	xml_doc_free(doc);
}

/* One step of a table: what is sent and what must come back. */
struct step {
	const char	*what;
	const char	*method;
	const char	*path;		/* below XCAP_ROOT, "!" = target */
	const char	*who;		/* NULL: none */
	const char	*ctype;
	const char	*body;
	const char	*hdr;
	int		 status;
	const char	*rctype;	/* Content-Type answered */
	const char	*xerr;		/* 409: the xcap-error element */
	const char	*detail;	/* exists/@field, or text of the phrase */
	const char	*has;		/* the body holds this */
	const char	*hasnot;	/* ... and not this */
	const char	*rhdr;		/* "Name: value" answered */
};

static void
run_step(const char *test, const struct step *st)
{
	char ctx[600], want[4096], name[64];
	const char *ct, *et, *colon, *v;

	req(st->method, st->path, st->who, st->ctype, st->body, st->hdr);
	snprintf(ctx, sizeof(ctx), "%s: \"%s\": %s %.300s", test, st->what,
	    st->method, st->path);
	ck_assert_msg(T.r.status == st->status, "%s: expected %d, got %d: %s",
	    ctx, st->status, T.r.status, T.r.body);
	ct = httpc_header(&T.r, "Content-Type");
	ck_assert_msg(ct == NULL || strchr(ct, ';') == NULL, "%s: Content-Type "
	    "with parameters: %s", ctx, ct);
	if (st->rctype != NULL)
		ck_assert_msg(ct != NULL && strcmp(ct, st->rctype) == 0,
		    "%s: Content-Type %s, expected %s", ctx, ct ? ct : "(none)",
		    st->rctype);
	et = httpc_header(&T.r, "ETag");
	if (T.r.status / 100 == 2 && (strcmp(st->method, "PUT") == 0 ||
	    (strcmp(st->method, "GET") == 0 && st->path[0] != '!')))
		ck_assert_msg(et != NULL, "%s: a 2xx without ETag", ctx);
	if (et != NULL && T.r.status / 100 == 2)
		snprintf(T.etag, sizeof(T.etag), "%s", et);
	if (st->xerr != NULL) {
		if (st->detail != NULL)
			expand(st->detail, want, sizeof(want));
		check_xcap_error(ctx, st->xerr, st->detail != NULL ? want :
		    NULL, NULL, 0);
	}
	if (st->has != NULL) {
		expand(st->has, want, sizeof(want));
		ck_assert_msg(strstr(T.r.body, want) != NULL, "%s: the answer "
		    "lacks \"%s\": %s", ctx, want, T.r.body);
	}
	if (st->hasnot != NULL) {
		expand(st->hasnot, want, sizeof(want));
		ck_assert_msg(strstr(T.r.body, want) == NULL, "%s: the answer "
		    "holds \"%s\": %s", ctx, want, T.r.body);
	}
	if (st->rhdr != NULL) {
		colon = strchr(st->rhdr, ':');
		snprintf(name, sizeof(name), "%.*s", (int)(colon - st->rhdr),
		    st->rhdr);
		v = httpc_header(&T.r, name);
		ck_assert_msg(v != NULL && strcmp(v, colon + 2) == 0,
		    "%s: %s: %s, expected %s", ctx, name, v ? v : "(none)",
		    colon + 2);
	}
	if (T.r.status == 403 || T.r.status == 400)
		ck_assert_msg(T.r.body_len > 0, "%s: a %d without a reason",
		    ctx, T.r.status);
}

static void
run_steps(const char *test, const struct step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		run_step(test, &steps[i]);
}

#define NSTEPS(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- pres-rules (RFC 5025 on RFC 4745) ------------------------------- */

#define RS_OPEN	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<cp:ruleset xmlns:cp=\"" NS_CP "\" xmlns:pr=\"" NS_PR "\">\n"
#define RS_CLOSE "</cp:ruleset>\n"
#define RULE(id, cond, sh, tr) "<cp:rule id=\"" id "\"><cp:conditions>" \
	cond "</cp:conditions><cp:actions><pr:sub-handling>" sh \
	"</pr:sub-handling></cp:actions><cp:transformations>" tr \
	"</cp:transformations></cp:rule>\n"

#define PR_DOC	RS_OPEN \
	RULE("r1", "<cp:identity><cp:one id=\"sip:bob@ims.example.org\"/>" \
	"</cp:identity><cp:validity><cp:from>2001-01-01T00:00:00Z</cp:from>" \
	"<cp:until>2101-01-01T00:00:00+01:00</cp:until></cp:validity>", \
	"allow", "<pr:provide-services><pr:service-uri-scheme>sip" \
	"</pr:service-uri-scheme></pr:provide-services>" \
	"<pr:provide-activities>true</pr:provide-activities>" \
	"<pr:provide-user-input>bare</pr:provide-user-input>" \
	"<pr:provide-unknown-attribute ns=\"urn:x\" name=\"y\">true" \
	"</pr:provide-unknown-attribute><pr:provide-all-attributes/>") \
	RULE("r2", "<cp:sphere value=\"work home\"/>", "block", "") \
	RS_CLOSE

#define PR_HOME		HOME("pres-rules", "prue")
#define PR_ID		ID("prue")
#define XMLNS_CP	"?xmlns(cp=" NS_CP ")"

static const struct step pres_rules_steps[] = {
	{ .what = "create", .method = "PUT", .path = PR_HOME "/index",
	  .who = PR_ID, .ctype = AP_MIME, .body = PR_DOC, .status = 201 },
	{ .what = "exact bytes back", .method = "GET",
	  .path = PR_HOME "/index", .who = PR_ID, .status = 200,
	  .rctype = AP_MIME, .has = "<pr:provide-all-attributes/>" },
	{ .what = "an unknown sub-handling value", .method = "PUT",
	  .path = PR_HOME "/bad", .who = PR_ID, .ctype = AP_MIME,
	  .body = RS_OPEN RULE("a", "", "maybe", "") RS_CLOSE, .status = 409,
	  .xerr = "schema-validation-error", .detail = "sub-handling" },
	{ .what = "provide-user-input not in its list", .method = "PUT",
	  .path = PR_HOME "/bad", .who = PR_ID, .ctype = AP_MIME,
	  .body = RS_OPEN RULE("a", "", "allow", "<pr:provide-user-input>"
	  "most</pr:provide-user-input>") RS_CLOSE, .status = 409,
	  .xerr = "schema-validation-error" },
	{ .what = "a boolean transformation that is no boolean",
	  .method = "PUT", .path = PR_HOME "/bad", .who = PR_ID,
	  .ctype = AP_MIME, .body = RS_OPEN RULE("a", "", "allow",
	  "<pr:provide-mood>often</pr:provide-mood>") RS_CLOSE, .status = 409,
	  .xerr = "schema-validation-error" },
	{ .what = "a validity that is no dateTime", .method = "PUT",
	  .path = PR_HOME "/bad", .who = PR_ID, .ctype = AP_MIME,
	  .body = RS_OPEN RULE("a", "<cp:validity><cp:from>yesterday</cp:from>"
	  "<cp:until>2100-01-01T00:00:00Z</cp:until></cp:validity>", "allow",
	  "") RS_CLOSE, .status = 409, .xerr = "schema-validation-error" },
	{ .what = "<one> without id", .method = "PUT", .path = PR_HOME "/bad",
	  .who = PR_ID, .ctype = AP_MIME, .body = RS_OPEN RULE("a",
	  "<cp:identity><cp:one/></cp:identity>", "allow", "") RS_CLOSE,
	  .status = 409, .xerr = "schema-validation-error" },
	{ .what = "a rule without id", .method = "PUT", .path = PR_HOME "/bad",
	  .who = PR_ID, .ctype = AP_MIME, .body = RS_OPEN "<cp:rule/>"
	  RS_CLOSE, .status = 409, .xerr = "schema-validation-error" },
	{ .what = "rule ids twice", .method = "PUT", .path = PR_HOME "/bad",
	  .who = PR_ID, .ctype = AP_MIME, .body = RS_OPEN RULE("a", "",
	  "allow", "") RULE("a-2", "", "block", "") RULE("a", "", "block", "")
	  RS_CLOSE, .status = 409, .xerr = "uniqueness-failure",
	  .detail = "ruleset/rule/@id",
	  /* a-2 is taken: the suggestion skips it */
	  .has = "<alt-value>a-3</alt-value>" },
	{ .what = "two sub-handling actions in one rule", .method = "PUT",
	  .path = PR_HOME "/bad", .who = PR_ID, .ctype = AP_MIME,
	  .body = RS_OPEN "<cp:rule id=\"a\"><cp:actions><pr:sub-handling>"
	  "allow</pr:sub-handling><pr:sub-handling>block</pr:sub-handling>"
	  "</cp:actions></cp:rule>" RS_CLOSE, .status = 409,
	  .xerr = "constraint-failure", .detail = "sub-handling" },
	{ .what = "a pres-rules element as the root", .method = "PUT",
	  .path = PR_HOME "/bad", .who = PR_ID, .ctype = AP_MIME,
	  .body = "<pr:sub-handling xmlns:pr=\"" NS_PR "\">allow"
	  "</pr:sub-handling>", .status = 409,
	  .xerr = "schema-validation-error", .detail = "ruleset" },
	{ .what = "a resource-lists document", .method = "PUT",
	  .path = PR_HOME "/bad", .who = PR_ID, .ctype = AP_MIME,
	  .body = "<resource-lists xmlns=\"" NS_RL "\"/>", .status = 409,
	  .xerr = "schema-validation-error" },
	{ .what = "another usage's MIME type", .method = "PUT",
	  .path = PR_HOME "/bad", .who = PR_ID, .ctype = RL_MIME,
	  .body = PR_DOC, .status = 415 },
	{ .what = "nothing of that was stored", .method = "GET",
	  .path = PR_HOME "/bad", .who = PR_ID, .status = 404 },
	{ .what = "the default namespace is pres-rules: unprefixed ruleset "
	  "selects nothing", .method = "GET", .path = PR_HOME "/index/~~/"
	  "ruleset/rule%5b@id=%22r1%22%5d", .who = PR_ID, .status = 404 },
	{ .what = "with an xmlns() binding for common-policy", .method = "GET",
	  .path = PR_HOME "/index/~~/cp:ruleset/cp:rule%5b@id=%22r2%22%5d"
	  XMLNS_CP, .who = PR_ID, .status = 200, .rctype = EL_MIME,
	  .has = "<cp:sphere value=\"work home\"/>" },
	{ .what = "an element PUT: a new rule", .method = "PUT",
	  .path = PR_HOME "/index/~~/cp:ruleset/cp:rule%5b@id=%22r3%22%5d"
	  XMLNS_CP, .who = PR_ID, .ctype = EL_MIME,
	  .body = "<cp:rule id=\"r3\"><cp:actions><pr:sub-handling>confirm"
	  "</pr:sub-handling></cp:actions></cp:rule>", .status = 201 },
	{ .what = "an element PUT making the schema fail", .method = "PUT",
	  .path = PR_HOME "/index/~~/cp:ruleset/cp:rule%5b@id=%22r4%22%5d"
	  XMLNS_CP, .who = PR_ID, .ctype = EL_MIME,
	  .body = "<cp:rule id=\"r4\"><cp:bogus/></cp:rule>", .status = 409,
	  .xerr = "schema-validation-error" },
	{ .what = "an attribute PUT making an id twice", .method = "PUT",
	  .path = PR_HOME "/index/~~/cp:ruleset/cp:rule%5b3%5d/@id" XMLNS_CP,
	  .who = PR_ID, .ctype = "application/xcap-att+xml", .body = "r1",
	  .status = 409, .xerr = "uniqueness-failure",
	  .detail = "ruleset/rule/@id" },
	{ .what = "another user's rules", .method = "GET",
	  .path = PR_HOME "/index", .who = ID("bob"), .status = 403 },
	{ .what = "another user writing them", .method = "PUT",
	  .path = PR_HOME "/index", .who = ID("bob"), .ctype = AP_MIME,
	  .body = PR_DOC, .status = 403 },
};

START_TEST(pres_rules_usage)
{
	t_init(&shared);
	run_steps("pres_rules_usage", pres_rules_steps,
	    NSTEPS(pres_rules_steps));
	t_done();
}
END_TEST

/* ---- OMA pres-rules ----------------------------------------------------- */

#define OMA_OPEN "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<ruleset xmlns=\"" NS_CP "\" xmlns:pr=\"" NS_PR "\" xmlns:op=\"" \
	NS_OPR "\" xmlns:ocp=\"" NS_OCP "\">\n"
#define OMA_CLOSE "</ruleset>\n"
#define ORULE(id, cond, sh, tr) "<rule id=\"" id "\"><conditions>" cond \
	"</conditions><actions><pr:sub-handling>" sh "</pr:sub-handling>" \
	"</actions><transformations>" tr "</transformations></rule>\n"
#define OMA_HOME	HOME("org.openmobilealliance.pres-rules", "olga")
#define OMA_ID		ID("olga")
#define OLGA_LISTS	"$U$R" HOME("resource-lists", "olga") "/index"

static const struct step oma_steps[] = {
	{ .what = "olga's lists", .method = "PUT",
	  .path = HOME("resource-lists", "olga") "/index", .who = OMA_ID,
	  .ctype = RL_MIME, .body = "<resource-lists xmlns=\"" NS_RL "\">"
	  "<list name=\"pals\"/></resource-lists>", .status = 201 },
	{ .what = "OMA rules: external-list, anonymous-request, OMA "
	  "transformations", .method = "PUT", .path = OMA_HOME "/pres-rules",
	  .who = OMA_ID, .ctype = AP_MIME, .body = OMA_OPEN
	  ORULE("wl", "<ocp:external-list><ocp:entry anc=\"" OLGA_LISTS
	  "/~~/resource-lists/list%5b@name=%22pals%22%5d\"/>"
	  "</ocp:external-list>", "allow",
	  "<op:provide-willingness>true</op:provide-willingness>"
	  "<op:provide-geopriv>full</op:provide-geopriv>")
	  ORULE("anon", "<ocp:anonymous-request/>", "block", "")
	  ORULE("rest", "<ocp:other-identity/>", "confirm", "")
	  OMA_CLOSE, .status = 201 },
	{ .what = "common-policy is the default namespace", .method = "GET",
	  .path = OMA_HOME "/pres-rules/~~/ruleset/rule%5b@id=%22anon%22%5d",
	  .who = OMA_ID, .status = 200, .rctype = EL_MIME,
	  .has = "<ocp:anonymous-request/>" },
	{ .what = "an OMA boolean that is no boolean", .method = "PUT",
	  .path = OMA_HOME "/bad", .who = OMA_ID, .ctype = AP_MIME,
	  .body = OMA_OPEN ORULE("a", "", "allow", "<op:provide-willingness>"
	  "yes</op:provide-willingness>") OMA_CLOSE, .status = 409,
	  .xerr = "schema-validation-error" },
	{ .what = "an external-list without anc", .method = "PUT",
	  .path = OMA_HOME "/bad", .who = OMA_ID, .ctype = AP_MIME,
	  .body = OMA_OPEN ORULE("a", "<ocp:external-list><ocp:entry/>"
	  "</ocp:external-list>", "allow", "") OMA_CLOSE, .status = 409,
	  .xerr = "schema-validation-error" },
	{ .what = "two identity conditions in a rule", .method = "PUT",
	  .path = OMA_HOME "/bad", .who = OMA_ID, .ctype = AP_MIME,
	  .body = OMA_OPEN ORULE("a", "<identity><one id=\"sip:x@y\"/>"
	  "</identity><identity><many/></identity>", "allow", "") OMA_CLOSE,
	  .status = 409, .xerr = "constraint-failure", .detail = "identity" },
	{ .what = "two other-identity conditions", .method = "PUT",
	  .path = OMA_HOME "/bad", .who = OMA_ID, .ctype = AP_MIME,
	  .body = OMA_OPEN ORULE("a", "<ocp:other-identity/>"
	  "<ocp:other-identity/>", "allow", "") OMA_CLOSE, .status = 409,
	  .xerr = "constraint-failure", .detail = "other-identity" },
	{ .what = "transformations with confirm", .method = "PUT",
	  .path = OMA_HOME "/bad", .who = OMA_ID, .ctype = AP_MIME,
	  .body = OMA_OPEN ORULE("a", "", "confirm", "<pr:provide-mood>true"
	  "</pr:provide-mood>") OMA_CLOSE, .status = 409,
	  .xerr = "constraint-failure", .detail = "not allow" },
	{ .what = "an external-list into another user's lists",
	  .method = "PUT", .path = OMA_HOME "/bad", .who = OMA_ID,
	  .ctype = AP_MIME, .body = OMA_OPEN ORULE("a", "<ocp:external-list>"
	  "<ocp:entry anc=\"$U$R" HOME("resource-lists", "bob") "/index\"/>"
	  "</ocp:external-list>", "allow", "") OMA_CLOSE, .status = 409,
	  .xerr = "constraint-failure", .detail = "owner's own" },
	{ .what = "an external-list into another usage", .method = "PUT",
	  .path = OMA_HOME "/bad", .who = OMA_ID, .ctype = AP_MIME,
	  .body = OMA_OPEN ORULE("a", "<ocp:external-list>"
	  "<ocp:entry anc=\"$U$R" HOME("pres-rules", "olga") "/index\"/>"
	  "</ocp:external-list>", "allow", "") OMA_CLOSE, .status = 409,
	  .xerr = "constraint-failure", .detail = "resource-lists" },
	{ .what = "an external-list that is no HTTP URI", .method = "PUT",
	  .path = OMA_HOME "/bad", .who = OMA_ID, .ctype = AP_MIME,
	  .body = OMA_OPEN ORULE("a", "<ocp:external-list><ocp:entry "
	  "anc=\"sip:pals@example.org\"/></ocp:external-list>", "allow", "")
	  OMA_CLOSE, .status = 409, .xerr = "constraint-failure",
	  .detail = "HTTP" },
	{ .what = "rule ids twice", .method = "PUT", .path = OMA_HOME "/bad",
	  .who = OMA_ID, .ctype = AP_MIME, .body = OMA_OPEN ORULE("a", "",
	  "block", "") ORULE("a", "", "block", "") OMA_CLOSE, .status = 409,
	  .xerr = "uniqueness-failure", .detail = "ruleset/rule/@id",
	  .has = "<alt-value>a-2</alt-value>" },
	{ .what = "none of the bad ones was stored", .method = "GET",
	  .path = OMA_HOME "/bad", .who = OMA_ID, .status = 404 },
	{ .what = "another user's", .method = "GET",
	  .path = OMA_HOME "/pres-rules", .who = ID("bob"), .status = 403 },
};

START_TEST(oma_pres_rules_usage)
{
	t_init(&shared);
	run_steps("oma_pres_rules_usage", oma_steps, NSTEPS(oma_steps));
	t_done();
}
END_TEST

/* ---- rls-services (RFC 4826 §4) ----------------------------------------- */

#define RLS_OPEN "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<rls-services xmlns=\"" NS_RLS "\" xmlns:rl=\"" NS_RL "\">\n"
#define RLS_CLOSE "</rls-services>\n"
#define SVC_LIST(uri, entries) "<service uri=\"" uri "\"><list name=\"l\">" \
	entries "</list><packages><package>presence</package></packages>" \
	"</service>\n"
#define SVC_REF(uri, ref) "<service uri=\"" uri "\"><resource-list>" ref \
	"</resource-list></service>\n"
#define RITA	"rita"
#define ROB	"rob"
#define RITA_RLS	HOME("rls-services", RITA)
#define ROB_RLS		HOME("rls-services", ROB)
#define RITA_LIST	"$U$R" HOME("resource-lists", RITA) "/index/~~/" \
	"resource-lists/list%5b@name=%22f%22%5d"

static const struct step rls_steps[] = {
	{ .what = "rita's services: an inline list and a reference",
	  .method = "PUT", .path = RITA_RLS "/index", .who = ID(RITA),
	  .ctype = RLS_MIME, .body = RLS_OPEN
	  SVC_LIST("sip:rita-friends@ims.example.org",
	  "<rl:entry uri=\"sip:a@example.org\"/>")
	  SVC_REF("sip:rita-work@ims.example.org", RITA_LIST) RLS_CLOSE,
	  .status = 201 },
	{ .what = "GET", .method = "GET", .path = RITA_RLS "/index",
	  .who = ID(RITA), .status = 200, .rctype = RLS_MIME },
	{ .what = "a service URI twice in one document", .method = "PUT",
	  .path = RITA_RLS "/two", .who = ID(RITA), .ctype = RLS_MIME,
	  .body = RLS_OPEN SVC_LIST("sip:rita-x@ims.example.org", "")
	  SVC_LIST("sip:rita-x@IMS.example.org", "") RLS_CLOSE,
	  .status = 409, .xerr = "uniqueness-failure",
	  .detail = "rls-services/service/@uri",
	  .has = "<alt-value>sip:rita-x-2@ims.example.org</alt-value>" },
	{ .what = "a reference into another user's lists", .method = "PUT",
	  .path = RITA_RLS "/bad", .who = ID(RITA), .ctype = RLS_MIME,
	  .body = RLS_OPEN SVC_REF("sip:rita-y@ims.example.org",
	  "$U$R" HOME("resource-lists", ROB) "/index") RLS_CLOSE,
	  .status = 409, .xerr = "constraint-failure", .detail = "owner's" },
	{ .what = "a reference into another usage", .method = "PUT",
	  .path = RITA_RLS "/bad", .who = ID(RITA), .ctype = RLS_MIME,
	  .body = RLS_OPEN SVC_REF("sip:rita-y@ims.example.org",
	  "$U$R" HOME("pres-rules", RITA) "/index") RLS_CLOSE,
	  .status = 409, .xerr = "constraint-failure",
	  .detail = "resource-lists" },
	{ .what = "a reference that is no HTTP URI", .method = "PUT",
	  .path = RITA_RLS "/bad", .who = ID(RITA), .ctype = RLS_MIME,
	  .body = RLS_OPEN SVC_REF("sip:rita-y@ims.example.org",
	  "sip:list@example.org") RLS_CLOSE, .status = 409,
	  .xerr = "constraint-failure", .detail = "HTTP" },
	{ .what = "a reference outside the XCAP root", .method = "PUT",
	  .path = RITA_RLS "/bad", .who = ID(RITA), .ctype = RLS_MIME,
	  .body = RLS_OPEN SVC_REF("sip:rita-y@ims.example.org",
	  "$U/elsewhere/resource-lists/users/sip:" RITA "@ims.example.org/"
	  "index") RLS_CLOSE, .status = 409, .xerr = "constraint-failure",
	  .detail = "XCAP" },
	{ .what = "an inline list with an entry twice", .method = "PUT",
	  .path = RITA_RLS "/bad", .who = ID(RITA), .ctype = RLS_MIME,
	  .body = RLS_OPEN SVC_LIST("sip:rita-y@ims.example.org",
	  "<rl:entry uri=\"sip:a@x\"/><rl:entry uri=\"sip:a@x\"/>") RLS_CLOSE,
	  .status = 409, .xerr = "uniqueness-failure",
	  .detail = "entry/@uri" },
	{ .what = "an inline list with an absolute entry-ref",
	  .method = "PUT", .path = RITA_RLS "/bad", .who = ID(RITA),
	  .ctype = RLS_MIME, .body = RLS_OPEN SVC_LIST(
	  "sip:rita-y@ims.example.org", "<rl:entry-ref ref=\"/abs\"/>")
	  RLS_CLOSE, .status = 409, .xerr = "constraint-failure",
	  .detail = "relative" },
	{ .what = "a service with both list kinds", .method = "PUT",
	  .path = RITA_RLS "/bad", .who = ID(RITA), .ctype = RLS_MIME,
	  .body = RLS_OPEN "<service uri=\"sip:rita-y@ims.example.org\">"
	  "<resource-list>" RITA_LIST "</resource-list><list/></service>"
	  RLS_CLOSE, .status = 409, .xerr = "schema-validation-error" },
	{ .what = "a service without uri", .method = "PUT",
	  .path = RITA_RLS "/bad", .who = ID(RITA), .ctype = RLS_MIME,
	  .body = RLS_OPEN "<service><list/></service>" RLS_CLOSE,
	  .status = 409, .xerr = "schema-validation-error" },
	{ .what = "nothing bad was stored", .method = "GET",
	  .path = RITA_RLS "/bad", .who = ID(RITA), .status = 404 },
	{ .what = "an element PUT adding a URI of the other document",
	  .method = "PUT", .path = RITA_RLS "/index/~~/rls-services/"
	  "service%5b@uri=%22sip:rita-dup@ims.example.org%22%5d",
	  .who = ID(RITA), .ctype = EL_MIME,
	  .body = "<service uri=\"sip:rita-dup@ims.example.org\"><list/>"
	  "</service>", .status = 201 },
	{ .what = "replacing a document keeps its own URIs", .method = "PUT",
	  .path = RITA_RLS "/index", .who = ID(RITA), .ctype = RLS_MIME,
	  .body = RLS_OPEN SVC_LIST("sip:rita-friends@ims.example.org", "")
	  SVC_LIST("sip:rita-dup@ims.example.org", "") RLS_CLOSE,
	  .status = 200 },
	{ .what = "rita's second document may not reuse one", .method = "PUT",
	  .path = RITA_RLS "/second", .who = ID(RITA), .ctype = RLS_MIME,
	  .body = RLS_OPEN SVC_LIST("sip:rita-dup@ims.example.org", "")
	  RLS_CLOSE, .status = 409, .xerr = "uniqueness-failure",
	  .detail = "rls-services/service/@uri" },
	{ .what = "rob may not read rita's", .method = "GET",
	  .path = RITA_RLS "/index", .who = ID(ROB), .status = 403 },
};

/* The text of the phrase attribute of the last xcap-error, with every
 * occurrence of `uri` replaced by "URI". */
static void
phrase_of(char *out, size_t size, const char *uri)
{
	const char *p = strstr(T.r.body, "phrase=\""), *e, *u;
	size_t o = 0;

	ck_assert_ptr_nonnull(p);
	p += 8;
	e = strchr(p, '"');
	ck_assert_ptr_nonnull(e);
	while (p < e && o + 4 < size) {
		u = strstr(p, uri);
		if (u == p) {
			memcpy(out + o, "URI", 3);
			o += 3;
			p += strlen(uri);
		} else
			out[o++] = *p++;
	}
	out[o] = '\0';
}

START_TEST(rls_services_usage)
{
	const char *test = "rls_services_usage";
	char alts[1024], first[256], p_other[512], p_own[512];
	char body[2048];
	const char *log = e2e_env(&shared, "PRESENCE_LOG");
	long pos;

	t_init(&shared);
	run_steps(test, rls_steps, NSTEPS(rls_steps));

	/* rob takes a URI of his own, then tries it in a second document,
	 * then tries rita's (written in another case): the two answers must
	 * be the same but for the URI — nothing says whose it is */
	req("PUT", ROB_RLS "/mine", ID(ROB), RLS_MIME, RLS_OPEN
	    SVC_LIST("sip:rob-own@ims.example.org", "") RLS_CLOSE, NULL);
	ck_assert_int_eq(T.r.status, 201);
	req("PUT", ROB_RLS "/index", ID(ROB), RLS_MIME, RLS_OPEN
	    SVC_LIST("sip:rob-own@ims.example.org", "") RLS_CLOSE, NULL);
	ck_assert_msg(T.r.status == 409, "%d %s", T.r.status, T.r.body);
	check_xcap_error(test, "uniqueness-failure",
	    "rls-services/service/@uri", NULL, 0);
	phrase_of(p_own, sizeof(p_own), "sip:rob-own@ims.example.org");
	pos = e2e_log_size(log);
	/* the host in another case: compared normalised */
	req("PUT", ROB_RLS "/index", ID(ROB), RLS_MIME, RLS_OPEN
	    SVC_LIST("sip:rita-friends@IMS.Example.ORG", "")
	    SVC_LIST("sip:rob-other@ims.example.org", "") RLS_CLOSE, NULL);
	ck_assert_msg(T.r.status == 409, "%d %s", T.r.status, T.r.body);
	check_xcap_error(test, "uniqueness-failure",
	    "rls-services/service/@uri", alts, sizeof(alts));
	ck_assert_msg(strstr(T.r.body, "sip:" RITA "@") == NULL &&
	    strstr(T.r.body, "users/") == NULL, "the answer names the owner: "
	    "%s", T.r.body);
	phrase_of(p_other, sizeof(p_other), "sip:rita-friends@ims.example.org");
	ck_assert_msg(strcmp(p_own, p_other) == 0, "the answers tell whose the "
	    "URI is:\n  own: %s\n  rita's: %s", p_own, p_other);
	ck_assert_msg(e2e_wait_log(log, "XCAP-CONFLICT user=sip:" ROB
	    "@ims.example.org", &pos, NULL, 0, E2E_WAIT_MS) == 0,
	    "no XCAP-CONFLICT event line");
	/* the suggestions: several, each free — the first one is accepted */
	ck_assert_msg(strchr(alts, ' ') != NULL, "one alt-value only: %s",
	    alts);
	ck_assert_msg(strstr(alts, "sip:rita-friends-2@ims.example.org") !=
	    NULL, "alt-values: %s", alts);
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(alts, " "), alts);
	snprintf(body, sizeof(body), RLS_OPEN "<service uri=\"%s\"><list/>"
	    "</service>" RLS_CLOSE, first);
	req("PUT", ROB_RLS "/index", ID(ROB), RLS_MIME, body, NULL);
	ck_assert_msg(T.r.status == 201, "the suggested %s: %d %s", first,
	    T.r.status, T.r.body);
	/* which is no longer suggested to anyone */
	req("PUT", RITA_RLS "/third", ID(RITA), RLS_MIME, RLS_OPEN
	    SVC_LIST("sip:rita-friends@ims.example.org", "") RLS_CLOSE, NULL);
	check_xcap_error(test, "uniqueness-failure", NULL, alts, sizeof(alts));
	ck_assert_msg(strstr(alts, first) == NULL, "%s suggested although "
	    "taken: %s", first, alts);
	/* an element PUT into rob's document with rita's URI */
	req("PUT", ROB_RLS "/index/~~/rls-services/service%5b2%5d", ID(ROB),
	    EL_MIME, "<service uri=\"sip:rita-dup@ims.example.org\"><list/>"
	    "</service>", NULL);
	ck_assert_msg(T.r.status == 409, "%d %s", T.r.status, T.r.body);
	check_xcap_error(test, "uniqueness-failure",
	    "rls-services/service/@uri", NULL, 0);
	/* rita deletes her document: its URIs are free again */
	req("DELETE", RITA_RLS "/index", ID(RITA), NULL, NULL, NULL);
	ck_assert_int_eq(T.r.status, 200);
	req("PUT", ROB_RLS "/index/~~/rls-services/service%5b2%5d", ID(ROB),
	    EL_MIME, "<service uri=\"sip:rita-dup@ims.example.org\"><list/>"
	    "</service>", NULL);
	ck_assert_msg(T.r.status == 201, "%d %s", T.r.status, T.r.body);
	req("GET", ROB_RLS "/index", ID(ROB), NULL, NULL, NULL);
	ck_assert_msg(strstr(T.r.body, "sip:rita-dup@") != NULL, "%s",
	    T.r.body);
	t_done();
}
END_TEST

/* ---- OMA pres-content ---------------------------------------------------- */

#define PC_DOC "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<content xmlns=\"" NS_OPC "\">\n  <mime-type>image/png</mime-type>\n" \
	"  <encoding>base64</encoding>\n  <description xml:lang=\"en\">me" \
	"</description>\n  <data>\n    iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB\n" \
	"    CAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==" \
	"\n  </data>\n</content>\n"
#define PC_PATH	HOME("org.openmobilealliance.pres-content", "paula") \
	"/oma_status-icon/rcs_status_icon"
#define PC_ID	ID("paula")
#define PC_BAD	HOME("org.openmobilealliance.pres-content", "paula") "/bad"
#define PC_OPEN	"<content xmlns=\"" NS_OPC "\">"

static const struct step pc_steps[] = {
	{ .what = "paula's icon", .method = "PUT", .path = PC_PATH,
	  .who = PC_ID, .ctype = PC_MIME, .body = PC_DOC, .status = 201 },
	{ .what = "she reads it", .method = "GET", .path = PC_PATH,
	  .who = PC_ID, .status = 200, .rctype = PC_MIME, .has = PC_DOC },
	{ .what = "bob reads it too", .method = "GET", .path = PC_PATH,
	  .who = ID("bob"), .status = 200, .rctype = PC_MIME, .has = PC_DOC },
	{ .what = "with the same ETag", .method = "GET", .path = PC_PATH,
	  .who = ID("bob"), .hdr = "If-None-Match: $E", .status = 304 },
	{ .what = "and an element of it", .method = "GET",
	  .path = PC_PATH "/~~/content/mime-type", .who = ID("bob"),
	  .status = 200, .rctype = EL_MIME,
	  .has = "<mime-type>image/png</mime-type>" },
	{ .what = "a tel: user reads it", .method = "GET", .path = PC_PATH,
	  .who = "<tel:+15550199>", .status = 200 },
	{ .what = "no asserted identity: no", .method = "GET", .path = PC_PATH,
	  .status = 403 },
	{ .what = "bob may not replace it", .method = "PUT", .path = PC_PATH,
	  .who = ID("bob"), .ctype = PC_MIME, .body = PC_DOC, .status = 403 },
	{ .what = "nor create one in her tree", .method = "PUT",
	  .path = PC_BAD, .who = ID("bob"), .ctype = PC_MIME, .body = PC_DOC,
	  .status = 403 },
	{ .what = "nor edit an element", .method = "PUT",
	  .path = PC_PATH "/~~/content/mime-type", .who = ID("bob"),
	  .ctype = EL_MIME, .body = "<mime-type>image/gif</mime-type>",
	  .status = 403 },
	{ .what = "nor delete it", .method = "DELETE", .path = PC_PATH,
	  .who = ID("bob"), .status = 403 },
	{ .what = "unchanged", .method = "GET", .path = PC_PATH,
	  .who = PC_ID, .status = 200, .has = PC_DOC },
	{ .what = "data that is no base64", .method = "PUT", .path = PC_BAD,
	  .who = PC_ID, .ctype = PC_MIME, .body = PC_OPEN "<data>not base64!"
	  "</data></content>", .status = 409, .xerr = "constraint-failure",
	  .detail = "base64" },
	{ .what = "base64 with a bad length", .method = "PUT", .path = PC_BAD,
	  .who = PC_ID, .ctype = PC_MIME, .body = PC_OPEN "<data>abcde</data>"
	  "</content>", .status = 409, .xerr = "constraint-failure" },
	{ .what = "another encoding", .method = "PUT", .path = PC_BAD,
	  .who = PC_ID, .ctype = PC_MIME, .body = PC_OPEN "<encoding>"
	  "quoted-printable</encoding><data>aGk=</data></content>",
	  .status = 409, .xerr = "constraint-failure", .detail = "base64" },
	{ .what = "a MIME type without subtype", .method = "PUT",
	  .path = PC_BAD, .who = PC_ID, .ctype = PC_MIME, .body = PC_OPEN
	  "<mime-type>image</mime-type><data>aGk=</data></content>",
	  .status = 409, .xerr = "constraint-failure", .detail = "MIME" },
	{ .what = "no data", .method = "PUT", .path = PC_BAD, .who = PC_ID,
	  .ctype = PC_MIME, .body = PC_OPEN "<mime-type>image/png</mime-type>"
	  "</content>", .status = 409, .xerr = "schema-validation-error" },
	{ .what = "elements out of order", .method = "PUT", .path = PC_BAD,
	  .who = PC_ID, .ctype = PC_MIME, .body = PC_OPEN "<data>aGk=</data>"
	  "<mime-type>image/png</mime-type></content>", .status = 409,
	  .xerr = "schema-validation-error" },
	{ .what = "bob reads an absent one: 404 (the tree is public)",
	  .method = "GET", .path = PC_BAD, .who = ID("bob"), .status = 404 },
	{ .what = "paula deletes hers", .method = "DELETE", .path = PC_PATH,
	  .who = PC_ID, .status = 200 },
	{ .what = "gone for bob too", .method = "GET", .path = PC_PATH,
	  .who = ID("bob"), .status = 404 },
};

START_TEST(pres_content_usage)
{
	t_init(&shared);
	run_steps("pres_content_usage", pc_steps, NSTEPS(pc_steps));
	t_done();
}
END_TEST

/* A pres-content document of `quanta` base64 quanta of data. */
static void
pc_doc(char *out, size_t size, size_t quanta)
{
	size_t o, i;

	o = (size_t)snprintf(out, size, PC_OPEN "<data>");
	for (i = 0; i < quanta; i++) {
		ck_assert_uint_lt(o + 4, size);
		memcpy(out + o, "QUFB", 4);
		o += 4;
	}
	ck_assert_uint_lt(o + 20, size);
	snprintf(out + o, size - o, "</data></content>");
}

/* oma.pres_content_max: its own cap, below the document cap. */
START_TEST(pres_content_cap)
{
	static struct e2e_stack s;
	static char big[8192];
	size_t o;

	e2e_stack_up(&s, (const char *[]){ "--presence-opt",
	    "oma.pres_content_max=2048", NULL });
	t_init(&s);
	pc_doc(big, sizeof(big), 520);		/* > 2048 octets */
	ck_assert_uint_gt(strlen(big), 2048);
	req("PUT", PC_BAD, PC_ID, PC_MIME, big, NULL);
	ck_assert_msg(T.r.status == 409, "%d %s", T.r.status, T.r.body);
	check_xcap_error("pres_content_cap", "constraint-failure",
	    "oma.pres_content_max", NULL, 0);
	req("GET", PC_BAD, PC_ID, NULL, NULL, NULL);
	ck_assert_int_eq(T.r.status, 404);
	/* a resource-lists document of that size is fine: the cap is
	 * pres-content's own */
	o = (size_t)snprintf(big, sizeof(big), "<resource-lists xmlns=\""
	    NS_RL "\"><list name=\"");
	memset(big + o, 'a', 2100);
	snprintf(big + o + 2100, sizeof(big) - o - 2100, "\"/>"
	    "</resource-lists>");
	req("PUT", HOME("resource-lists", "paula") "/index", PC_ID, RL_MIME,
	    big, NULL);
	ck_assert_msg(T.r.status == 201, "%d %s", T.r.status, T.r.body);
	/* under the cap: fine */
	pc_doc(big, sizeof(big), 480);		/* < 2048 octets */
	ck_assert_uint_lt(strlen(big), 2048);
	req("PUT", PC_BAD, PC_ID, PC_MIME, big, NULL);
	ck_assert_msg(T.r.status == 201, "%d %s", T.r.status, T.r.body);
	t_done();
	e2e_stack_down(&s);
}
END_TEST

/* ---- OMA xcap-directory -------------------------------------------------- */

#define DIR_OF(u)	HOME("org.openmobilealliance.xcap-directory", u) \
	"/directory.xml"

/* What one user wrote: AUID, document, and the ETag of the last write. */
struct written {
	const char	*auid, *doc, *body, *ctype;
	char		 etag[64];
};

/* The directory in T.r must list exactly `w` (n entries) of user `u`:
 * valid against its schema, each entry's URI and ETag. */
static void
check_directory(const char *u, struct written *w, size_t n)
{
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaValidCtxtPtr vc;
	xmlSchemaPtr schema;
	xmlDoc *doc;
	xmlNode *root, *f, *e;
	xmlChar *auid, *uri, *etag;
	char err[256], want[512];
	size_t i, seen = 0, folders = 0;
	int hit;

	doc = xml_parse(T.r.body, T.r.body_len, HTTPC_BODY_MAX, err,
	    sizeof(err));
	ck_assert_msg(doc != NULL, "the directory does not parse: %s", err);
	pc = xmlSchemaNewParserCtxt(DIR_XSD);
	ck_assert_ptr_nonnull(pc);
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	ck_assert_ptr_nonnull(schema);
	vc = xmlSchemaNewValidCtxt(schema);
	ck_assert_msg(xmlSchemaValidateDoc(vc, doc) == 0, "the directory is "
	    "not valid: %s", T.r.body);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	root = xmlDocGetRootElement(doc);
	ck_assert(is_el(root, NS_DIR, "xcap-directory"));
	for (f = root->children; f != NULL; f = f->next) {
		if (!is_el(f, NS_DIR, "folder"))
			continue;
		folders++;
		auid = xmlGetProp(f, (const xmlChar *)"auid");
		ck_assert_ptr_nonnull(auid);
		for (e = f->children; e != NULL; e = e->next) {
			if (!is_el(e, NS_DIR, "entry"))
				continue;
			uri = xmlGetProp(e, (const xmlChar *)"uri");
			etag = xmlGetProp(e, (const xmlChar *)"etag");
			ck_assert(uri != NULL && etag != NULL);
			hit = 0;
			for (i = 0; i < n; i++) {
				snprintf(want, sizeof(want), "%s%s/%s/users/sip:%s"
				    "@ims.example.org/%s", T.base, T.root,
				    w[i].auid, u, w[i].doc);
				if (strcmp(w[i].auid, (char *)auid) != 0 ||
				    strcmp((char *)uri, want) != 0)
					continue;
				/* the entry's etag is the ETag header's value */
				ck_assert_msg(strlen(w[i].etag) > 2 &&
				    strncmp((char *)etag, w[i].etag + 1,
				    strlen(w[i].etag) - 2) == 0 &&
				    strlen((char *)etag) == strlen(w[i].etag) - 2,
				    "%s: etag %s, the document's is %s",
				    (char *)uri, (char *)etag, w[i].etag);
				hit = 1;
			}
			ck_assert_msg(hit, "%s's directory lists %s (%s), which "
			    "is not one of theirs: %s", u, (char *)uri,
			    (char *)auid, T.r.body);
			seen++;
			xmlFree(uri);
			xmlFree(etag);
		}
		xmlFree(auid);
	}
	ck_assert_msg(seen == n, "%s's directory lists %zu documents, %zu "
	    "written: %s", u, seen, n, T.r.body);
	/* a folder for every usage with a users tree */
	ck_assert_msg(folders == 6, "%zu folders: %s", folders, T.r.body);
	xml_doc_free(doc);
}

START_TEST(xcap_directory_usage)
{
	struct written dora[] = {
		{ "resource-lists", "index", "<resource-lists xmlns=\"" NS_RL
		  "\"/>", RL_MIME, "" },
		{ "resource-lists", "sub/dir/lists", "<resource-lists xmlns=\""
		  NS_RL "\"><list name=\"x\"/></resource-lists>", RL_MIME, "" },
		{ "pres-rules", "index", RS_OPEN RS_CLOSE, AP_MIME, "" },
		{ "pidf-manipulation", "index", "<presence xmlns=\"" NS_PIDF "\" "
		  "entity=\"sip:dora@ims.example.org\"/>", PIDF_MIME, "" },
	}, dan[] = {
		{ "resource-lists", "index", "<resource-lists xmlns=\"" NS_RL
		  "\"/>", RL_MIME, "" },
	};
	const struct step steps[] = {
		{ .what = "dora reads dan's directory", .method = "GET",
		  .path = DIR_OF("dan"), .who = ID("dora"), .status = 403 },
		{ .what = "PUT", .method = "PUT", .path = DIR_OF("dora"),
		  .who = ID("dora"), .ctype = DIR_MIME, .body = "<xcap-directory "
		  "xmlns=\"" NS_DIR "\"/>", .status = 405,
		  .rhdr = "Allow: GET" },
		{ .what = "DELETE", .method = "DELETE", .path = DIR_OF("dora"),
		  .who = ID("dora"), .status = 405, .rhdr = "Allow: GET" },
		{ .what = "element DELETE", .method = "DELETE",
		  .path = DIR_OF("dora") "/~~/xcap-directory/folder%5b1%5d",
		  .who = ID("dora"), .status = 405, .rhdr = "Allow: GET" },
		{ .what = "another document name", .method = "GET",
		  .path = HOME("org.openmobilealliance.xcap-directory", "dora")
		  "/index", .who = ID("dora"), .status = 404 },
		{ .what = "the global tree", .method = "GET",
		  .path = "/org.openmobilealliance.xcap-directory/global/"
		  "directory.xml", .who = ID("dora"), .status = 404 },
		{ .what = "a folder by node selector", .method = "GET",
		  .path = DIR_OF("dora") "/~~/xcap-directory/folder%5b@auid="
		  "%22pres-rules%22%5d", .who = ID("dora"), .status = 200,
		  .rctype = EL_MIME, .has = "users/sip:dora@ims.example.org/"
		  "index\"" },
	};
	char path[512], before[64];
	size_t i;

	t_init(&shared);
	for (i = 0; i < NSTEPS(dora); i++) {
		snprintf(path, sizeof(path), "/%s/users/sip:dora@ims.example.org"
		    "/%s", dora[i].auid, dora[i].doc);
		req("PUT", path, ID("dora"), dora[i].ctype, dora[i].body, NULL);
		ck_assert_msg(T.r.status == 201, "%s: %d %s", path, T.r.status,
		    T.r.body);
		snprintf(dora[i].etag, sizeof(dora[i].etag), "%s",
		    httpc_header(&T.r, "ETag"));
	}
	req("PUT", HOME("resource-lists", "dan") "/index", ID("dan"), RL_MIME,
	    dan[0].body, NULL);
	ck_assert_int_eq(T.r.status, 201);
	snprintf(dan[0].etag, sizeof(dan[0].etag), "%s",
	    httpc_header(&T.r, "ETag"));

	req("GET", DIR_OF("dora"), ID("dora"), NULL, NULL, NULL);
	ck_assert_msg(T.r.status == 200, "%d %s", T.r.status, T.r.body);
	ck_assert_str_eq(httpc_header(&T.r, "Content-Type"), DIR_MIME);
	ck_assert_ptr_nonnull(httpc_header(&T.r, "ETag"));
	check_directory("dora", dora, NSTEPS(dora));
	snprintf(before, sizeof(before), "%s", httpc_header(&T.r, "ETag"));
	snprintf(T.etag, sizeof(T.etag), "%s", before);
	req("GET", DIR_OF("dan"), ID("dan"), NULL, NULL, NULL);
	ck_assert_int_eq(T.r.status, 200);
	check_directory("dan", dan, 1);

	/* unchanged: 304; one of dora's documents changes: a new ETag */
	req("GET", DIR_OF("dora"), ID("dora"), NULL, NULL,
	    "If-None-Match: $E");
	ck_assert_int_eq(T.r.status, 304);
	req("PUT", "/resource-lists/users/sip:dora@ims.example.org/index",
	    ID("dora"), RL_MIME, dora[1].body, NULL);
	ck_assert_int_eq(T.r.status, 200);
	snprintf(dora[0].etag, sizeof(dora[0].etag), "%s",
	    httpc_header(&T.r, "ETag"));
	req("GET", DIR_OF("dora"), ID("dora"), NULL, NULL,
	    "If-None-Match: $E");
	ck_assert_int_eq(T.r.status, 200);
	ck_assert_str_ne(httpc_header(&T.r, "ETag"), before);
	check_directory("dora", dora, NSTEPS(dora));
	/* a deleted document leaves it */
	req("DELETE", "/pidf-manipulation/users/sip:dora@ims.example.org/index",
	    ID("dora"), NULL, NULL, NULL);
	ck_assert_int_eq(T.r.status, 200);
	req("GET", DIR_OF("dora"), ID("dora"), NULL, NULL, NULL);
	check_directory("dora", dora, NSTEPS(dora) - 1);
	run_steps("xcap_directory_usage", steps, NSTEPS(steps));
	t_done();
}
END_TEST

/* ---- pidf-manipulation (RFC 4827) --------------------------------------- */

#define PIDF_HOME	HOME("pidf-manipulation", "pia")
#define PIDF_OPEN	"<presence xmlns=\"" NS_PIDF "\" entity=\"sip:pia@" \
	"ims.example.org\">"
#define TUPLE(id, basic) "<tuple id=\"" id "\"><status><basic>" basic \
	"</basic></status></tuple>"

static const struct step pidf_steps[] = {
	{ .what = "a PIDF document with RPID-style extensions",
	  .method = "PUT", .path = PIDF_HOME "/index", .who = ID("pia"),
	  .ctype = PIDF_MIME, .body = PIDF_OPEN TUPLE("t1", "open")
	  "<note xml:lang=\"en\">at work</note><x:person xmlns:x=\"urn:x\" "
	  "id=\"p\"/></presence>", .status = 201 },
	{ .what = "GET", .method = "GET", .path = PIDF_HOME "/index",
	  .who = ID("pia"), .status = 200, .rctype = PIDF_MIME,
	  .has = "at work" },
	{ .what = "basic that is neither open nor closed", .method = "PUT",
	  .path = PIDF_HOME "/bad", .who = ID("pia"), .ctype = PIDF_MIME,
	  .body = PIDF_OPEN TUPLE("t1", "away") "</presence>", .status = 409,
	  .xerr = "schema-validation-error" },
	{ .what = "tuple ids twice", .method = "PUT", .path = PIDF_HOME "/bad",
	  .who = ID("pia"), .ctype = PIDF_MIME, .body = PIDF_OPEN
	  TUPLE("t1", "open") TUPLE("t1", "closed") "</presence>",
	  .status = 409, .xerr = "schema-validation-error" },
	{ .what = "no entity", .method = "PUT", .path = PIDF_HOME "/bad",
	  .who = ID("pia"), .ctype = PIDF_MIME, .body = "<presence xmlns=\""
	  NS_PIDF "\"/>", .status = 409, .xerr = "schema-validation-error" },
	{ .what = "a tuple without status", .method = "PUT",
	  .path = PIDF_HOME "/bad", .who = ID("pia"), .ctype = PIDF_MIME,
	  .body = PIDF_OPEN "<tuple id=\"t\"/></presence>", .status = 409,
	  .xerr = "schema-validation-error" },
	{ .what = "another namespace", .method = "PUT",
	  .path = PIDF_HOME "/bad", .who = ID("pia"), .ctype = PIDF_MIME,
	  .body = "<presence xmlns=\"urn:x\" entity=\"sip:a@b\"/>",
	  .status = 409, .xerr = "schema-validation-error" },
	{ .what = "another user's", .method = "GET",
	  .path = PIDF_HOME "/index", .who = ID("bob"), .status = 403 },
};

START_TEST(pidf_manipulation_usage)
{
	t_init(&shared);
	run_steps("pidf_manipulation_usage", pidf_steps, NSTEPS(pidf_steps));
	t_done();
}
END_TEST

/* ---- xcap-caps ---------------------------------------------------------- */

START_TEST(caps_lists_everything)
{
	static const char *const auids[] = { "xcap-caps", "resource-lists",
	    "rls-services", "pres-rules", "org.openmobilealliance.pres-rules",
	    "org.openmobilealliance.pres-content",
	    "org.openmobilealliance.xcap-directory", "pidf-manipulation",
	    NULL };
	static const char *const nss[] = { NS_CAPS, NS_RL, NS_RLS, NS_CP,
	    NS_PR, NS_OCP, NS_OPR, NS_OPC, NS_DIR, NS_PIDF, NULL };
	static const char *const exts[] = { "pres-rules", "oma-common-policy",
	    "oma-pres-rules", NULL };
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaValidCtxtPtr vc;
	xmlSchemaPtr schema;
	xmlDoc *doc;
	char want[256], err[256];
	int i;

	t_init(&shared);
	req("GET", "/xcap-caps/global/index", ID("carl"), NULL, NULL, NULL);
	ck_assert_int_eq(T.r.status, 200);
	ck_assert_str_eq(httpc_header(&T.r, "Content-Type"), CAPS_MIME);
	for (i = 0; auids[i] != NULL; i++) {
		snprintf(want, sizeof(want), "<auid>%s</auid>", auids[i]);
		ck_assert_msg(strstr(T.r.body, want) != NULL, "no %s: %s", want,
		    T.r.body);
	}
	for (i = 0; nss[i] != NULL; i++) {
		snprintf(want, sizeof(want), "<namespace>%s</namespace>",
		    nss[i]);
		ck_assert_msg(strstr(T.r.body, want) != NULL, "no %s: %s", want,
		    T.r.body);
	}
	for (i = 0; exts[i] != NULL; i++) {
		snprintf(want, sizeof(want), "<extension>%s</extension>",
		    exts[i]);
		ck_assert_msg(strstr(T.r.body, want) != NULL, "no %s: %s", want,
		    T.r.body);
	}
	doc = xml_parse(T.r.body, T.r.body_len, HTTPC_BODY_MAX, err,
	    sizeof(err));
	ck_assert_msg(doc != NULL, "%s", err);
	pc = xmlSchemaNewParserCtxt(CAPS_XSD);
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	ck_assert_ptr_nonnull(schema);
	vc = xmlSchemaNewValidCtxt(schema);
	ck_assert_msg(xmlSchemaValidateDoc(vc, doc) == 0, "not valid: %s",
	    T.r.body);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xml_doc_free(doc);
	t_done();
}
END_TEST

/* ---- GET /policy/eval ------------------------------------------------------ */

#define EVAL(p, w)	"!/policy/eval?presentity=sip:" p "@ims.example.org" \
	"&watcher=" w
#define JSON_ACCEPT	"Accept: application/json"
#define CAROL		"carol"
#define CAROL_ID	ID(CAROL)

/*
 * Carol's rules, in conflict on purpose:
 *  - "friends" (IETF): bob and dave by <one> → allow, all services,
 *    activities, user-input bare;
 *  - "colleagues" (IETF): anyone of ims.example.org except dave, and a
 *    <many> of corp.example.org that excepts its own domain (so nobody
 *    there) → polite-block, persons of class "work", mood, activities
 *    false, user-input thresholds;
 *  - "bob-blocked" (IETF): bob again → block (the minimum: loses to
 *    allow by the max rule, but its transformation counts);
 *  - "elsewhere" (IETF): anyone of elsewhere.org → block;
 *  - "work-sphere" (IETF): sphere home or work → allow with time-offset;
 *  - "expired" (IETF): validity in the past → allow (never applies);
 *  - "current" (IETF): frank, the second of two validity windows → allow
 *    with an unknown attribute;
 *  - "strange" (IETF): a condition of an unknown namespace → allow (never
 *    applies: RFC 4745 §7);
 *  - "oma-list" (OMA): external-list of carol's "vip" list (erin) → allow,
 *    services: a service-uri and an OMA service-id, willingness, geopriv;
 *  - "oma-anon" (OMA): anonymous → polite-block;
 *  - "oma-other" (OMA): other-identity → confirm.
 */
#define CAROL_IETF RS_OPEN \
	RULE("friends", "<cp:identity><cp:one id=\"sip:bob@ims.example.org\"/>" \
	"<cp:one id=\"sip:Dave@IMS.example.org;user=phone\"/>" \
	"</cp:identity>", "allow", "<pr:provide-services><pr:all-services/>" \
	"</pr:provide-services><pr:provide-activities>true" \
	"</pr:provide-activities><pr:provide-user-input>bare" \
	"</pr:provide-user-input>") \
	RULE("colleagues", "<cp:identity><cp:many domain=\"IMS.example.org\">" \
	"<cp:except id=\"sip:Dave@ims.example.org\"/></cp:many>" \
	"<cp:many domain=\"corp.example.org\"><cp:except domain=\"" \
	"corp.example.org\"/></cp:many></cp:identity>", "polite-block", \
	"<pr:provide-persons><pr:class>work</pr:class></pr:provide-persons>" \
	"<pr:provide-mood>true</pr:provide-mood><pr:provide-activities>false" \
	"</pr:provide-activities><pr:provide-user-input>thresholds" \
	"</pr:provide-user-input>") \
	RULE("bob-blocked", "<cp:identity><cp:one id=\"sip:bob@ims.example.org" \
	"\"/></cp:identity>", "block", "<pr:provide-note>true</pr:provide-note>") \
	RULE("elsewhere", "<cp:identity><cp:many domain=\"elsewhere.org\"/>" \
	"</cp:identity>", "block", "") \
	RULE("work-sphere", "<cp:sphere value=\"home work\"/>", "allow", \
	"<pr:provide-time-offset>true</pr:provide-time-offset>") \
	RULE("expired", "<cp:validity><cp:from>2001-01-01T00:00:00Z</cp:from>" \
	"<cp:until>2002-01-01T00:00:00Z</cp:until></cp:validity>", "allow", \
	"<pr:provide-place-is>true</pr:provide-place-is>") \
	RULE("current", "<cp:identity><cp:one id=\"sip:frank@ims.example.org\"" \
	"/></cp:identity><cp:validity><cp:from>2001-01-01T00:00:00Z" \
	"</cp:from><cp:until>2002-01-01T00:00:00Z</cp:until><cp:from>" \
	"2002-06-01T00:00:00-05:00</cp:from><cp:until>2200-01-01T00:00:00Z" \
	"</cp:until></cp:validity>", "allow", "<pr:provide-unknown-attribute " \
	"ns=\"urn:x\" name=\"y\">true</pr:provide-unknown-attribute>") \
	RULE("strange", "<x:weekday xmlns:x=\"urn:example:x\">monday" \
	"</x:weekday>", "allow", "<pr:provide-privacy>true</pr:provide-privacy>") \
	RS_CLOSE

#define CAROL_OMA OMA_OPEN \
	ORULE("oma-list", "<ocp:external-list><ocp:entry anc=\"$U$R" \
	HOME("resource-lists", CAROL) "/index/~~/resource-lists/list%5b@name=" \
	"%22vip%22%5d\"/></ocp:external-list>", "allow", \
	"<pr:provide-services><pr:service-uri>sip:im@example.org" \
	"</pr:service-uri><op:service-id>org.openmobilealliance:IM-session" \
	"</op:service-id></pr:provide-services><op:provide-willingness>true" \
	"</op:provide-willingness><op:provide-geopriv>full</op:provide-geopriv>") \
	ORULE("oma-anon", "<ocp:anonymous-request/>", "polite-block", "") \
	ORULE("oma-other", "<ocp:other-identity/>", "confirm", "") \
	OMA_CLOSE

static const struct step eval_setup[] = {
	{ .what = "carol's lists", .method = "PUT",
	  .path = HOME("resource-lists", CAROL) "/index", .who = CAROL_ID,
	  .ctype = RL_MIME, .body = "<resource-lists xmlns=\"" NS_RL "\">"
	  "<list name=\"vip\"><list name=\"inner\"><entry uri=\"sip:erin@"
	  "ims.example.org\"/></list></list><list name=\"other\"><entry uri=\""
	  "sip:gina@other.example.org\"/></list></resource-lists>",
	  .status = 201 },
	{ .what = "carol's IETF rules", .method = "PUT",
	  .path = HOME("pres-rules", CAROL) "/index", .who = CAROL_ID,
	  .ctype = AP_MIME, .body = CAROL_IETF, .status = 201 },
	{ .what = "carol's OMA rules", .method = "PUT",
	  .path = HOME("org.openmobilealliance.pres-rules", CAROL)
	  "/pres-rules", .who = CAROL_ID, .ctype = AP_MIME, .body = CAROL_OMA,
	  .status = 201 },
};

static const struct step eval_steps[] = {
	{ .what = "bob: friends (allow) beats colleagues (polite-block) and "
	  "bob-blocked (block)", .method = "GET",
	  .path = EVAL(CAROL, "sip:bob@ims.example.org"), .hdr = JSON_ACCEPT,
	  .status = 200, .rctype = "application/json",
	  .has = "\"sub_handling\":\"allow\",\"default\":false,\"rules\":["
	  "{\"auid\":\"pres-rules\",\"doc\":\"index\",\"id\":\"friends\"},"
	  "{\"auid\":\"pres-rules\",\"doc\":\"index\",\"id\":\"colleagues\"},"
	  "{\"auid\":\"pres-rules\",\"doc\":\"index\",\"id\":"
	  "\"bob-blocked\"}]" },
	{ .what = "bob: the transformations combined: all-services wins, "
	  "booleans OR-ed (activities true beats false), user-input max",
	  .method = "GET", .path = EVAL(CAROL, "sip:bob@ims.example.org"),
	  .hdr = JSON_ACCEPT, .status = 200,
	  .has = "\"transformations\":{\"provide-services\":{\"all\":true},"
	  "\"provide-persons\":{\"class\":[\"work\"]},\"provide-activities\":"
	  "true,\"provide-mood\":true,\"provide-note\":true,"
	  "\"provide-user-input\":\"thresholds\"}" },
	{ .what = "dave (by <one>, written with parameters and an upper-case "
	  "host) is excepted from colleagues", .method = "GET",
	  .path = EVAL(CAROL, "sip:Dave@ims.example.org"), .hdr = JSON_ACCEPT,
	  .status = 200, .has = "\"sub_handling\":\"allow\"",
	  .hasnot = "colleagues" },
	{ .what = "a colleague: polite-block", .method = "GET",
	  .path = EVAL(CAROL, "sip:ivan@ims.example.org"), .hdr = JSON_ACCEPT,
	  .status = 200, .has = "\"sub_handling\":\"polite-block\"",
	  .hasnot = "friends" },
	{ .what = "a blocked domain: elsewhere only (block)",
	  .method = "GET", .path = EVAL(CAROL, "sip:zed@Elsewhere.ORG"),
	  .hdr = JSON_ACCEPT, .status = 200,
	  .has = "\"sub_handling\":\"block\",\"default\":false,\"rules\":[{"
	  "\"auid\":\"pres-rules\",\"doc\":\"index\",\"id\":"
	  "\"elsewhere\"}]" },
	{ .what = "a domain excepted by domain: nobody names joe, so OMA's "
	  "other-identity", .method = "GET",
	  .path = EVAL(CAROL, "sip:joe@corp.example.org"), .hdr = JSON_ACCEPT,
	  .status = 200, .has = "\"sub_handling\":\"confirm\",\"default\":"
	  "false,\"rules\":[{\"auid\":\"org.openmobilealliance.pres-rules\","
	  "\"doc\":\"pres-rules\",\"id\":\"oma-other\"}]" },
	{ .what = "the sphere given: work-sphere applies", .method = "GET",
	  .path = EVAL(CAROL, "sip:zed@elsewhere.org") "&sphere=WORK",
	  .hdr = JSON_ACCEPT, .status = 200,
	  .has = "\"sub_handling\":\"allow\"",
	  .hasnot = "provide-place-is" },
	{ .what = "another sphere: it does not", .method = "GET",
	  .path = EVAL(CAROL, "sip:zed@elsewhere.org") "&sphere=gym",
	  .hdr = JSON_ACCEPT, .status = 200,
	  .has = "\"sub_handling\":\"block\"", .hasnot = "work-sphere" },
	{ .what = "frank: the second validity window is now",
	  .method = "GET", .path = EVAL(CAROL, "sip:frank@ims.example.org"),
	  .hdr = JSON_ACCEPT, .status = 200,
	  .has = "\"provide-unknown-attribute\":[{\"ns\":\"urn:x\",\"name\":"
	  "\"y\"}]", .hasnot = "expired" },
	{ .what = "a rule with a condition not understood never applies",
	  .method = "GET", .path = EVAL(CAROL, "sip:frank@ims.example.org"),
	  .hdr = JSON_ACCEPT, .status = 200, .hasnot = "strange" },
	{ .what = "erin, in a list nested in carol's vip list: the OMA rule "
	  "joins the IETF ones", .method = "GET",
	  .path = EVAL(CAROL, "sip:erin@ims.example.org"), .hdr = JSON_ACCEPT,
	  .status = 200, .has = "{\"auid\":\"org.openmobilealliance."
	  "pres-rules\",\"doc\":\"pres-rules\",\"id\":\"oma-list\"}" },
	{ .what = "erin's OMA transformations", .method = "GET",
	  .path = EVAL(CAROL, "sip:erin@ims.example.org"), .hdr = JSON_ACCEPT,
	  .status = 200, .has = "\"provide-services\":{\"service-uri\":["
	  "\"sip:im@example.org\"],\"service-id\":[\"org.openmobilealliance:"
	  "IM-session\"]}" },
	{ .what = "erin: willingness and geopriv", .method = "GET",
	  .path = EVAL(CAROL, "sip:erin@ims.example.org"), .hdr = JSON_ACCEPT,
	  .status = 200, .has = "\"provide-willingness\":true" },
	{ .what = "erin is named by a list: not other-identity",
	  .method = "GET", .path = EVAL(CAROL, "sip:erin@ims.example.org"),
	  .hdr = JSON_ACCEPT, .status = 200, .hasnot = "oma-other" },
	{ .what = "gina, in another list: other-identity", .method = "GET",
	  .path = EVAL(CAROL, "sip:gina@other.example.org"),
	  .hdr = JSON_ACCEPT, .status = 200,
	  .has = "\"sub_handling\":\"confirm\"", .hasnot = "oma-list" },
	{ .what = "bob is named by an identity: not other-identity",
	  .method = "GET", .path = EVAL(CAROL, "sip:bob@ims.example.org"),
	  .hdr = JSON_ACCEPT, .status = 200, .hasnot = "oma-other" },
	{ .what = "anonymous: only oma-anon", .method = "GET",
	  .path = EVAL(CAROL, "sip:anonymous@anonymous.invalid"),
	  .hdr = JSON_ACCEPT, .status = 200,
	  .has = "\"sub_handling\":\"polite-block\",\"default\":false,"
	  "\"rules\":[{\"auid\":\"org.openmobilealliance.pres-rules\","
	  "\"doc\":\"pres-rules\",\"id\":\"oma-anon\"}]" },
	{ .what = "a tel: watcher (percent-encoded +): other-identity",
	  .method = "GET",
	  .path = EVAL(CAROL, "tel:%2B1-555-0100"), .hdr = JSON_ACCEPT,
	  .status = 200, .has = "\"watcher\":\"tel:+15550100\","
	  "\"sub_handling\":\"confirm\"" },
	{ .what = "XML by default", .method = "GET",
	  .path = EVAL(CAROL, "sip:bob@ims.example.org"), .status = 200,
	  .rctype = "application/xml",
	  .has = "<sub-handling default=\"false\">allow</sub-handling>" },
	{ .what = "XML when preferred", .method = "GET",
	  .path = EVAL(CAROL, "sip:bob@ims.example.org"),
	  .hdr = "Accept: application/json;q=0.5, application/xml",
	  .status = 200, .rctype = "application/xml" },
	{ .what = "nobody's rules: the default, confirm", .method = "GET",
	  .path = EVAL("nobody", "sip:bob@ims.example.org"),
	  .hdr = JSON_ACCEPT, .status = 200,
	  .has = "\"sub_handling\":\"confirm\",\"default\":true,\"rules\":[],"
	  "\"transformations\":{}}" },
};

/* Carol's result for bob as XML: parsed, and its transformations. */
static void
check_eval_xml(void)
{
	xmlDoc *doc;
	xmlNode *root, *n, *t = NULL;
	char err[256];
	int rules = 0, sets = 0, ok_sub = 0;
	xmlChar *v;

	doc = xml_parse(T.r.body, T.r.body_len, HTTPC_BODY_MAX, err,
	    sizeof(err));
	ck_assert_msg(doc != NULL, "%s: %s", err, T.r.body);
	root = xmlDocGetRootElement(doc);
	ck_assert(is_el(root, NS_EVAL, "policy-eval"));
	for (n = root->children; n != NULL; n = n->next) {
		if (is_el(n, NS_EVAL, "sub-handling")) {
			v = xmlNodeGetContent(n);
			ok_sub = strcmp((char *)v, "allow") == 0;
			xmlFree(v);
		} else if (is_el(n, NS_EVAL, "rules")) {
			for (t = n->children; t != NULL; t = t->next)
				rules += is_el(t, NS_EVAL, "rule");
		} else if (is_el(n, NS_EVAL, "transformations"))
			for (t = n->children; t != NULL; t = t->next)
				sets += is_el(t, NS_PR, "provide-services") &&
				    is_el(xmlFirstElementChild(t), NS_PR,
				    "all-services");
	}
	ck_assert_msg(ok_sub && rules == 3 && sets == 1, "%s", T.r.body);
	xml_doc_free(doc);
}

START_TEST(policy_eval_combining)
{
	const char *log = e2e_env(&shared, "PRESENCE_LOG");
	char line[1024];
	long pos;

	t_init(&shared);
	run_steps("policy_eval setup", eval_setup, NSTEPS(eval_setup));
	pos = e2e_log_size(log);
	run_steps("policy_eval_combining", eval_steps, NSTEPS(eval_steps));
	ck_assert_msg(e2e_wait_log(log, "XCAP-POLICY-EVAL presentity=sip:"
	    CAROL "@ims.example.org watcher=sip:bob@ims.example.org "
	    "sub_handling=allow rules=friends,colleagues,bob-blocked",
	    &pos, line, sizeof(line), E2E_WAIT_MS) == 0, "no XCAP-POLICY-EVAL "
	    "line for bob");
	ck_assert_msg(e2e_wait_log(log, "XCAP-POLICY-EVAL presentity=sip:"
	    "nobody@ims.example.org watcher=sip:bob@ims.example.org "
	    "sub_handling=confirm rules=-", &pos, line, sizeof(line),
	    E2E_WAIT_MS) == 0, "no XCAP-POLICY-EVAL line for the default");
	req("GET", EVAL(CAROL, "sip:bob@ims.example.org"), NULL, NULL, NULL,
	    NULL);
	check_eval_xml();
	/* carol's lists change: erin leaves the vip list, and with it the
	 * OMA rule */
	req("PUT", HOME("resource-lists", CAROL) "/index", CAROL_ID, RL_MIME,
	    "<resource-lists xmlns=\"" NS_RL "\"><list name=\"vip\"/>"
	    "</resource-lists>", NULL);
	ck_assert_int_eq(T.r.status, 200);
	req("GET", EVAL(CAROL, "sip:erin@ims.example.org"), NULL, NULL, NULL,
	    JSON_ACCEPT);
	ck_assert_msg(T.r.status == 200 && strstr(T.r.body, "oma-list") ==
	    NULL && strstr(T.r.body, "\"sub_handling\":\"polite-block\"") !=
	    NULL, "%s", T.r.body);
	/* carol removes her IETF rules: the OMA ones alone */
	req("DELETE", HOME("pres-rules", CAROL) "/index", CAROL_ID, NULL, NULL,
	    NULL);
	ck_assert_int_eq(T.r.status, 200);
	req("GET", EVAL(CAROL, "sip:bob@ims.example.org"), NULL, NULL, NULL,
	    JSON_ACCEPT);
	ck_assert_msg(T.r.status == 200 && strstr(T.r.body,
	    "\"sub_handling\":\"confirm\",\"default\":false") != NULL &&
	    strstr(T.r.body, "oma-other") != NULL, "%s", T.r.body);
	t_done();
}
END_TEST

static const struct step eval_bad[] = {
	{ .what = "no watcher", .method = "GET",
	  .path = "!/policy/eval?presentity=sip:a@b", .status = 400 },
	{ .what = "no presentity", .method = "GET",
	  .path = "!/policy/eval?watcher=sip:a@b", .status = 400 },
	{ .what = "no query", .method = "GET", .path = "!/policy/eval",
	  .status = 400 },
	{ .what = "an unknown parameter", .method = "GET",
	  .path = "!/policy/eval?presentity=sip:a@b&watcher=sip:c@d&x=1",
	  .status = 400, .has = "unknown parameter" },
	{ .what = "a parameter twice", .method = "GET",
	  .path = "!/policy/eval?presentity=sip:a@b&watcher=sip:c@d&"
	  "watcher=sip:e@f", .status = 400, .has = "twice" },
	{ .what = "an empty value", .method = "GET",
	  .path = "!/policy/eval?presentity=sip:a@b&watcher=", .status = 400 },
	{ .what = "a bad escape", .method = "GET",
	  .path = "!/policy/eval?presentity=sip:a@b&watcher=sip:%zz@d",
	  .status = 400 },
	{ .what = "a truncated escape", .method = "GET",
	  .path = "!/policy/eval?presentity=sip:a@b&watcher=sip:c@d%4",
	  .status = 400 },
	{ .what = "an escaped NUL", .method = "GET",
	  .path = "!/policy/eval?presentity=sip:a@b%00&watcher=sip:c@d",
	  .status = 400 },
	{ .what = "an escaped space", .method = "GET",
	  .path = "!/policy/eval?presentity=sip:a@b&watcher=sip:c%20@d",
	  .status = 400 },
	{ .what = "not name=value", .method = "GET",
	  .path = "!/policy/eval?presentity", .status = 400 },
	{ .what = "a watcher that is no SIP or tel URI", .method = "GET",
	  .path = "!/policy/eval?presentity=sip:a@b&watcher=mailto:c@d",
	  .status = 400, .has = "sip:" },
	{ .what = "a presentity that is no URI", .method = "GET",
	  .path = "!/policy/eval?presentity=alice&watcher=sip:c@d",
	  .status = 400 },
	{ .what = "POST", .method = "POST",
	  .path = "!/policy/eval?presentity=sip:a@b&watcher=sip:c@d",
	  .ctype = "text/plain", .body = "x", .status = 405,
	  .rhdr = "Allow: GET" },
	{ .what = "DELETE", .method = "DELETE",
	  .path = "!/policy/eval?presentity=sip:a@b&watcher=sip:c@d",
	  .status = 405 },
	{ .what = "another path", .method = "GET",
	  .path = "!/policy/evaluate?presentity=sip:a@b&watcher=sip:c@d",
	  .who = ID("bob"), .status = 404 },
	{ .what = "still fine after all that", .method = "GET",
	  .path = "!/policy/eval?presentity=sip:a@b&watcher=sip:c@d",
	  .status = 200 },
};

START_TEST(policy_eval_bad_requests)
{
	t_init(&shared);
	run_steps("policy_eval_bad_requests", eval_bad, NSTEPS(eval_bad));
	/* keep-alive survived every 4xx */
	ck_assert_int_eq(T.c.connects, 1);
	t_done();
}
END_TEST

/* A request from 127.0.0.2 (not in trust.peers) on its own socket. The
 * whole answer into `out`; its length, or -1. */
static ssize_t
request_from(const char *src, const char *url, const char *rq, char *out,
    size_t size)
{
	struct sockaddr_in a;
	const char *port = strrchr(url, ':');
	struct pollfd p;
	size_t len = 0, n = strlen(rq);
	ssize_t k;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	inet_pton(AF_INET, src, &a.sin_addr);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto fail;
	a.sin_port = htons((uint16_t)atoi(port + 1));
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    write(fd, rq, n) != (ssize_t)n)
		goto fail;
	for (;;) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, ANSWER_MS) != 1)
			goto fail;
		if ((k = read(fd, out + len, size - 1 - len)) < 0)
			goto fail;
		if (k == 0 || (len += (size_t)k) + 1 >= size)
			break;
	}
	out[len] = '\0';
	close(fd);
	return (ssize_t)len;
fail:
	close(fd);
	return -1;
}

START_TEST(policy_eval_untrusted_peer)
{
	const char *log = e2e_env(&shared, "PRESENCE_LOG");
	char ans[4096];
	long pos;
	ssize_t n;

	t_init(&shared);
	pos = e2e_log_size(log);
	n = request_from("127.0.0.2", T.base, "GET /policy/eval?presentity="
	    "sip:carol@ims.example.org&watcher=sip:bob@ims.example.org "
	    "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", ans,
	    sizeof(ans));
	ck_assert_msg(n > 0, "no answer to 127.0.0.2: %s", strerror(errno));
	ck_assert_msg(strncmp(ans, "HTTP/1.1 403 ", 13) == 0, "expected 403: "
	    "%s", ans);
	ck_assert_msg(strstr(ans, "sub-handling") == NULL &&
	    strstr(ans, "sub_handling") == NULL, "the 403 leaks: %s", ans);
	ck_assert_msg(e2e_wait_log(log, "XCAP-DENIED peer=127.0.0.2", &pos,
	    NULL, 0, E2E_WAIT_MS) == 0, "no XCAP-DENIED event line");
	t_done();
}
END_TEST

/* trust.secret guards /policy/eval as it guards XCAP; and
 * policy.default_sub_handling. */
START_TEST(policy_eval_secret_and_default)
{
	static struct e2e_stack s;
	const struct step steps[] = {
		{ .what = "without the secret", .method = "GET",
		  .path = EVAL("quinn", "sip:bob@ims.example.org"),
		  .status = 403 },
		{ .what = "with a wrong one", .method = "GET",
		  .path = EVAL("quinn", "sip:bob@ims.example.org"),
		  .hdr = "X-Utstack-Peer-Secret: nope", .status = 403 },
		{ .what = "with it: the configured default, block",
		  .method = "GET",
		  .path = EVAL("quinn", "sip:bob@ims.example.org"),
		  .hdr = "X-Utstack-Peer-Secret: eval-s3cret", .status = 200,
		  .has = "<sub-handling default=\"true\">block</sub-handling>" },
	};

	e2e_stack_up(&s, (const char *[]){ "--presence-opt",
	    "trust.secret=eval-s3cret", "--presence-opt",
	    "policy.default_sub_handling=block", NULL });
	t_init(&s);
	run_steps("policy_eval_secret_and_default", steps, NSTEPS(steps));
	t_done();
	e2e_stack_down(&s);
}
END_TEST

/* A bad policy.default_sub_handling stops the start (exit 2). */
START_TEST(policy_default_checked)
{
	struct e2e_run r;
	char conf[] = "/tmp/utstack-e2e-pr2-XXXXXX";
	int fd = mkstemp(conf);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(write(fd, "[policy]\ndefault_sub_handling = maybe\n",
	    38), 0);
	close(fd);
	e2e_run(&r, (const char *[]){ e2e_prog("presence"), "-c", conf, "-n",
	    "-o", "xcap.xsd_dir=presence/xsd", NULL });
	unlink(conf);
	ck_assert_msg(r.status == 2 && strstr(r.err, "default_sub_handling") !=
	    NULL, "exit %d: %s%s", r.status, r.out, r.err);
}
END_TEST

Suite *
suite_e2e_presence2(void)
{
	Suite *s = suite_create("e2e_presence2");
	TCase *sh = tcase_create("shared"), *own = tcase_create("own-stack");

	tcase_set_timeout(sh, 60);
	tcase_add_unchecked_fixture(sh, shared_up, shared_down);
	tcase_add_test(sh, pres_rules_usage);
	tcase_add_test(sh, oma_pres_rules_usage);
	tcase_add_test(sh, rls_services_usage);
	tcase_add_test(sh, pres_content_usage);
	tcase_add_test(sh, xcap_directory_usage);
	tcase_add_test(sh, pidf_manipulation_usage);
	tcase_add_test(sh, caps_lists_everything);
	tcase_add_test(sh, policy_eval_combining);
	tcase_add_test(sh, policy_eval_bad_requests);
	tcase_add_test(sh, policy_eval_untrusted_peer);
	suite_add_tcase(s, sh);

	tcase_set_timeout(own, 60);
	tcase_add_unchecked_fixture(own, e2e_sweep_setup, e2e_sweep_teardown);
	tcase_add_test(own, pres_content_cap);
	tcase_add_test(own, policy_eval_secret_and_default);
	tcase_add_test(own, policy_default_checked);
	suite_add_tcase(s, own);
	return s;
}
