/*
 * test_presence.c — the presence XCAP server end to end (issue 5, item 7):
 * the real `presence` started by scripts/stack, spoken to over HTTP/1.1
 * (common/httpc) and over h2c with `nghttp` (Debian nghttp2-client), by
 * prior knowledge and by "Upgrade: h2c".
 *
 * Most cases are tables of steps — what is sent (method, document or node
 * selector, identity, Content-Type, body, one more header) and what must
 * come back (status, Content-Type, the ETag rule, the exact body, the
 * xcap-error element and its <exists field>, <ancestor> or phrase, one
 * more header) — run in order against one document, each table over four
 * variants: HTTP/1.1 with the selector's '[', ']' and '"' raw and
 * percent-encoded, h2c by prior knowledge and h2c by Upgrade. The
 * expectations are those of ../shared/spec/XCAP.md §1 and §2.1 and the
 * XCAP rows of the decision table (spec/README.md):
 *
 *  - documents: 201 then 200, a quoted ETag renewed on every change, GET
 *    returning the exact bytes, DELETE, 404; document Content-Types (the
 *    AUID's, generic ones when the body validates, others 415); 409
 *    not-well-formed / not-utf-8 / schema-validation-error /
 *    uniqueness-failure with <exists field> / constraint-failure;
 *  - elements, attributes and namespace bindings (RFC 4825 §7, §8, §10)
 *    with position and attribute predicates, xmlns() bindings, 415, 405,
 *    no-parent with <ancestor>, cannot-insert, cannot-delete, several
 *    matches → 404; every insertion rule of XCAP.md §1.6 (resource-lists
 *    standing in for the test-app usage), each followed by a DELETE that
 *    must give back the start document byte for byte;
 *  - ETags and conditions (§1.7): If-Match, If-None-Match, 412, 304;
 *  - who may touch what (issue 5 item 5): other users' documents (403,
 *    the same answer whether they exist or not), no identity, an
 *    untrusted peer (127.0.0.2), the shared secret, normalised XUIs, the
 *    read-only global tree and xcap-caps (405 Allow: GET), unknown AUIDs;
 *  - xcap-caps (§1.10) parsed and validated; quotas; 413 and 431; HTTP/1.1
 *    pipelining; kill -9 durability and "a failed PUT changes nothing".
 *
 * Waits are on answers and on event lines (LISTENING, XCAP-DENIED),
 * never sleeps. Table cases share one stack per test case (unchecked
 * fixture), each on its own documents; cases that need another
 * configuration start their own stack, which a failed test leaves for the
 * sweep in the tcase teardown.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "e2e.h"
#include "httpc.h"
#include "xml.h"

#define ALICE		"sip:alice@ims.example.org"
#define ALICE_ID	"\"" ALICE "\""
#define BOB		"sip:bob@ims.example.org"
#define BOB_ID		"\"" BOB "\""
#define ALICE_HOME	"/resource-lists/users/" ALICE
#define NS_RL		"urn:ietf:params:xml:ns:resource-lists"
#define NS_ERR		"urn:ietf:params:xml:ns:xcap-error"
#define NS_CAPS		"urn:ietf:params:xml:ns:xcap-caps"
#define RL_MIME		"application/resource-lists+xml"
#define EL_MIME		"application/xcap-el+xml"
#define ATT_MIME	"application/xcap-att+xml"
#define NSB_MIME	"application/xcap-ns+xml"
#define ERR_MIME	"application/xcap-error+xml"
#define CAPS_MIME	"application/xcap-caps+xml"
#define CAPS_XSD	"presence/xsd/xcap-caps.xsd"
#define ANSWER_MS	5000	/* longest acceptable wait for an answer */

/* One stack shared by the table cases of a tcase (its documents are
 * named after the case, so cases do not meet). */
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

/* ---- transports -------------------------------------------------------- */

enum proto { P_H1, P_H2, P_H2U };

struct variant {
	const char	*name;
	enum proto	 proto;
	int		 pct;	/* percent-encode '[', ']' and '"' */
};

static const struct variant variants[] = {
	{ "HTTP/1.1, raw selector", P_H1, 0 },
	{ "HTTP/1.1, percent-encoded selector", P_H1, 1 },
	{ "h2c prior knowledge", P_H2, 0 },
	{ "h2c Upgrade, percent-encoded selector", P_H2U, 1 },
};
#define N_VARIANTS	(int)(sizeof(variants) / sizeof(variants[0]))

/* The state of one test: its stack, the variant, its document, the last
 * ETag seen, and the last answer. Large: one static instance. */
struct px {
	const struct e2e_stack	*s;
	const struct variant	*v;
	char			 base[128];	/* http://HOST:PORT */
	char			 root[64];	/* XCAP_ROOT */
	char			 doc[64];	/* the table's document */
	char			 etag[128];	/* the last one seen */
	char			 err[512];
	struct httpc_conn	 c;
	struct httpc_resp	 r;
	struct httpc_resp	 prev;		/* the answer before r */
	struct e2e_run		 run;
};
static struct px X;

static const char *
nghttp_path(void)
{
	static const char *const where[] = { "/usr/bin/nghttp",
	    "/usr/local/bin/nghttp", NULL };
	int i;

	for (i = 0; where[i] != NULL; i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

/* Start test `name` on stack `s` for variant `v` with document `doc`.
 * Returns 0, or -1 (after a SKIP line) when the variant needs nghttp and
 * it is not installed. */
static int
px_init(const char *name, const struct e2e_stack *s, const struct variant *v,
    const char *doc)
{
	memset(&X, 0, sizeof(X));
	X.s = s;
	X.v = v;
	if (v->proto != P_H1 && nghttp_path() == NULL) {
		fprintf(stderr, "SKIP: %s [%s]: nghttp is not installed "
		    "(Debian nghttp2-client)\n", name, v->name);
		return -1;
	}
	snprintf(X.base, sizeof(X.base), "%s", e2e_env(s, "PRESENCE_URL"));
	snprintf(X.root, sizeof(X.root), "%s", e2e_env(s, "XCAP_ROOT"));
	snprintf(X.doc, sizeof(X.doc), "%s", doc);
	ck_assert_msg(httpc_open(&X.c, X.base) == 0, "%s", X.c.err);
	return 0;
}

static void
px_done(void)
{
	httpc_close(&X.c);
}

/* Copy the JSON string starting just past its opening quote at `p` into
 * `out`; returns the position past its closing quote, or NULL. */
static const char *
json_str(const char *p, char *out, size_t size)
{
	size_t o = 0;
	unsigned v;
	char c;

	while (*p != '\0' && *p != '"') {
		c = *p++;
		if (c == '\\') {
			switch (c = *p++) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				if (sscanf(p, "%4x", &v) != 1)
					return NULL;
				p += 4;
				c = v < 0x80 ? (char)v : '?';
				break;
			case '\0':
				return NULL;
			default:
				break;	/* \" \\ \/ */
			}
		}
		if (o + 1 < size)
			out[o++] = c;
	}
	out[o] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

/*
 * The response of nghttp's HAR file `har` into `r`: status, header fields
 * (stored as "name\0value\0" in r->head), and the body nghttp wrote to
 * its standard output.
 */
static int
har_response(const char *har, const char *body, struct httpc_resp *r)
{
	const char *p, *status, *q;
	char name[256], value[HTTPC_BODY_MAX];
	size_t used = 0, nl, vl;

	memset(r, 0, offsetof(struct httpc_resp, head));
	if ((p = strstr(har, "\"response\"")) == NULL ||
	    (status = strstr(p, "\"status\": ")) == NULL)
		return -1;
	r->status = atoi(status + 10);
	while ((q = strstr(p, "\"name\": \"")) != NULL && q < status) {
		if ((p = json_str(q + 9, name, sizeof(name))) == NULL ||
		    (q = strstr(p, "\"value\": \"")) == NULL ||
		    (p = json_str(q + 10, value, sizeof(value))) == NULL)
			return -1;
		nl = strlen(name) + 1;
		vl = strlen(value) + 1;
		if (name[0] == ':' || r->n >= HTTPC_HDRS_MAX)
			continue;
		if (used + nl + vl > sizeof(r->head))
			return -1;
		memcpy(r->head + used, name, nl);
		r->h[r->n].name = r->head + used;
		used += nl;
		memcpy(r->head + used, value, vl);
		r->h[r->n].value = r->head + used;
		used += vl;
		r->n++;
	}
	r->body_len = strlen(body);
	if (r->body_len > HTTPC_BODY_MAX)
		return -1;
	memcpy(r->body, body, r->body_len + 1);
	return 0;
}

static char *
slurp_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(max + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* One request with nghttp (-u for the Upgrade variant); the answer in
 * X.r. Returns 0, or -1 with X.err. */
static int
h2_request(const char *method, const char *target, const char *const *hdrs,
    const char *body, size_t blen)
{
	static char hl[8][4096];
	const char *argv[40];
	char har[300], dat[300], url[8192], mh[64], *text;
	int n = 0, i, k;
	size_t j;
	FILE *f;

	snprintf(har, sizeof(har), "%s/nghttp-%ld.har", X.s->dir,
	    (long)getpid());
	snprintf(dat, sizeof(dat), "%s/nghttp-%ld.body", X.s->dir,
	    (long)getpid());
	snprintf(url, sizeof(url), "%s%s", X.base, target);
	snprintf(mh, sizeof(mh), ":method: %s", method);
	unlink(har);
	argv[n++] = nghttp_path();
	argv[n++] = "-t";
	argv[n++] = "10";
	if (X.v->proto == P_H2U)
		argv[n++] = "-u";
	argv[n++] = "-r";
	argv[n++] = har;
	if (body != NULL) {
		f = fopen(dat, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(body, 1, blen, f), blen);
		fclose(f);
		argv[n++] = "-d";
		argv[n++] = dat;
	}
	argv[n++] = "-H";
	argv[n++] = mh;
	for (i = 0; hdrs != NULL && hdrs[i] != NULL && i < 8; i++) {
		/* HTTP/2 field names are lower case (RFC 9113 §8.2.1) */
		snprintf(hl[i], sizeof(hl[i]), "%s", hdrs[i]);
		for (k = 0; hl[i][k] != '\0' && hl[i][k] != ':'; k++)
			hl[i][k] = (char)tolower((unsigned char)hl[i][k]);
		argv[n++] = "-H";
		argv[n++] = hl[i];
	}
	argv[n++] = url;
	argv[n] = NULL;
	e2e_run(&X.run, argv);
	if (X.run.status != 0) {
		snprintf(X.err, sizeof(X.err), "nghttp exited %d: %.400s",
		    X.run.status, X.run.err);
		return -1;
	}
	if ((text = slurp_file(har, 1 << 20)) == NULL) {
		snprintf(X.err, sizeof(X.err), "nghttp wrote no HAR: %.400s",
		    X.run.err);
		return -1;
	}
	j = strlen(X.run.out);
	if (har_response(text, X.run.out, &X.r) != 0) {
		snprintf(X.err, sizeof(X.err), "unreadable HAR (%zu octets of "
		    "body)", j);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

/* One request over the variant's transport; the answer in X.r (the one
 * before in X.prev). Returns 0, or -1 with X.err. */
static int
px_request(const char *method, const char *target, const char *const *hdrs,
    const char *body, size_t blen)
{
	const char *all[12];
	char host[200];
	int n = 0, i;

	memcpy(&X.prev, &X.r, sizeof(X.r));
	if (X.v->proto != P_H1)
		return h2_request(method, target, hdrs, body, blen);
	snprintf(host, sizeof(host), "Host: %.120s",
	    X.base + strlen("http://"));
	all[n++] = host;
	for (i = 0; hdrs != NULL && hdrs[i] != NULL && n < 11; i++)
		all[n++] = hdrs[i];
	all[n] = NULL;
	if (httpc_request(&X.c, method, target, all, body, blen, &X.r,
	    ANSWER_MS) != 0) {
		snprintf(X.err, sizeof(X.err), "%.400s", X.c.err);
		return -1;
	}
	return 0;
}

/* ---- steps ------------------------------------------------------------- */

enum etag_rule {
	E_ANY,		/* no rule beyond "quoted when present" */
	E_NONE,		/* no ETag */
	E_SAME,		/* the ETag last seen */
	E_NEW		/* a new one (the document changed) */
};

/*
 * One request and what must come back. Strings may hold $E (the last
 * ETag, quoted), $e (the same without quotes), $U (PRESENCE_URL), $N (the
 * table's document name).
 */
struct step {
	const char	*what;
	const char	*method;
	const char	*path;	/* below XCAP_ROOT; NULL: ALICE_HOME/$N */
	const char	*node;	/* node selector after "/~~/" */
	const char	*query;	/* after "?": xmlns() bindings */
	const char	*who;	/* X-3GPP-Asserted-Identity; NULL:
				 * alice's, "": none */
	const char	*ctype;	/* Content-Type sent; NULL: none */
	const char	*body;	/* NULL: no body */
	const char	*hdr;	/* one more request header line */
	int		 status;
	const char	*rctype; /* Content-Type answered ("": none) */
	enum etag_rule	 etag;
	const char	*rbody;	/* the exact body answered */
	const char	*xerr;	/* 409: the xcap-error element */
	const char	*detail; /* uniqueness-failure: an <exists field>;
				  * no-parent: the <ancestor>; other
				  * xcap-errors: text in the phrase */
	const char	*rhdr;	/* one header answered, "Name: value" */
	int		 same;	/* answer identical to the previous one
				 * (status, Content-Type, body, no ETag) */
};

/* `in` with $E, $e, $U and $N replaced, into `out`. */
static void
expand(const char *in, char *out, size_t size)
{
	size_t o = 0, n;
	const char *v;
	char bare[128];

	n = strlen(X.etag);
	snprintf(bare, sizeof(bare), "%.*s", n >= 2 ? (int)n - 2 : 0,
	    X.etag + (n >= 2));
	while (*in != '\0' && o + 1 < size) {
		v = NULL;
		if (in[0] == '$') {
			switch (in[1]) {
			case 'E': v = X.etag; break;
			case 'e': v = bare; break;
			case 'U': v = X.base; break;
			case 'N': v = X.doc; break;
			default: break;
			}
		}
		if (v == NULL) {
			out[o++] = *in++;
			continue;
		}
		n = strlen(v);
		ck_assert_uint_lt(o + n, size);
		memcpy(out + o, v, n);
		o += n;
		in += 2;
	}
	ck_assert_msg(*in == '\0', "expand: %zu octets are not enough", size);
	out[o] = '\0';
}

/* Percent-encode '[', ']' and '"' (RFC 4825 §6: clients should). */
static void
pct_encode(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in != '\0' && o + 4 < size; in++) {
		const char *e = *in == '[' ? "%5B" : *in == ']' ? "%5D" :
		    *in == '"' ? "%22" : NULL;

		if (e != NULL) {
			memcpy(out + o, e, 3);
			o += 3;
		} else
			out[o++] = *in;
	}
	out[o] = '\0';
}

static void
target_of(const struct step *st, char *out, size_t size)
{
	char path[1024], node[2048], enc[4096];
	size_t n;

	expand(st->path != NULL ? st->path : ALICE_HOME "/$N", path,
	    sizeof(path));
	snprintf(out, size, "%s%s", X.root, path);
	if (st->node != NULL) {
		expand(st->node, node, sizeof(node));
		if (X.v->pct)
			pct_encode(node, enc, sizeof(enc));
		else
			snprintf(enc, sizeof(enc), "%s", node);
		n = strlen(out);
		snprintf(out + n, size - n, "/~~/%s", enc);
	}
	if (st->query != NULL) {
		n = strlen(out);
		snprintf(out + n, size - n, "?%s", st->query);
	}
}

static int
is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, ns) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/*
 * A 409 conflict report (RFC 4825 §11, XCAP.md §1.9): Content-Type
 * application/xcap-error+xml, a well-formed <xcap-error> in its namespace
 * holding exactly one element, `tag`; `detail` as struct step says.
 */
static void
check_xcap_error(const char *ctx, const struct httpc_resp *r, const char *tag,
    const char *detail)
{
	const char *ct = httpc_header(r, "Content-Type");
	xmlDoc *doc;
	xmlNode *root, *n, *el = NULL;
	xmlChar *v;
	char err[256];
	int els = 0, found = 0;

	ck_assert_msg(ct != NULL && strcmp(ct, ERR_MIME) == 0,
	    "%s: Content-Type %s, expected " ERR_MIME, ctx, ct ? ct : "(none)");
	doc = xml_parse(r->body, r->body_len, HTTPC_BODY_MAX, err, sizeof(err));
	ck_assert_msg(doc != NULL, "%s: the xcap-error body does not parse: "
	    "%s: %s", ctx, err, r->body);
	root = xmlDocGetRootElement(doc);
	ck_assert_msg(is_el(root, NS_ERR, "xcap-error"), "%s: root is not "
	    "<xcap-error xmlns=\"" NS_ERR "\">: %s", ctx, r->body);
	for (n = root->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE) {
			els++;
			el = n;
		}
	ck_assert_msg(els == 1 && is_el(el, NS_ERR, tag), "%s: expected one "
	    "<%s>, got: %s", ctx, tag, r->body);
	if (strcmp(tag, "uniqueness-failure") == 0) {
		/* XCAP.md §1.9: one or more <exists field="..."> */
		for (n = el->children; n != NULL; n = n->next) {
			if (!is_el(n, NS_ERR, "exists"))
				continue;
			v = xmlGetProp(n, (const xmlChar *)"field");
			ck_assert_msg(v != NULL, "%s: <exists> without field: "
			    "%s", ctx, r->body);
			if (detail == NULL || strcmp((char *)v, detail) == 0)
				found = 1;
			xmlFree(v);
		}
		ck_assert_msg(found, "%s: no <exists field=\"%s\">: %s", ctx,
		    detail ? detail : "...", r->body);
	} else if (strcmp(tag, "no-parent") == 0 && detail != NULL) {
		for (n = el->children; n != NULL; n = n->next)
			if (is_el(n, NS_ERR, "ancestor")) {
				v = xmlNodeGetContent(n);
				found = v != NULL && strcmp((char *)v,
				    detail) == 0;
				xmlFree(v);
			}
		ck_assert_msg(found, "%s: expected <ancestor>%s</ancestor>, "
		    "got: %s", ctx, detail, r->body);
	} else if (detail != NULL) {
		v = xmlGetProp(el, (const xmlChar *)"phrase");
		ck_assert_msg(v != NULL && strstr((char *)v, detail) != NULL,
		    "%s: phrase should name \"%s\": %s", ctx, detail, r->body);
		xmlFree(v);
	}
	xml_doc_free(doc);
}

static int
quoted(const char *etag)
{
	size_t n = strlen(etag);

	return n > 2 && etag[0] == '"' && etag[n - 1] == '"' &&
	    strchr(etag + 1, '"') == etag + n - 1;
}

/* Do the comma-separated lists `a` and `b` hold the same tokens? */
static int
same_tokens(const char *a, const char *b)
{
	const char *lists[2] = { a, b }, *p, *q;
	char tok[64];
	size_t n;
	int i;

	for (i = 0; i < 2; i++)
		for (p = lists[i]; *p != '\0'; p += n) {
			p += strspn(p, ", \t");
			if ((n = strcspn(p, ", \t")) == 0)
				break;
			snprintf(tok, sizeof(tok), "%.*s", (int)n, p);
			for (q = lists[1 - i]; (q = strstr(q, tok)) != NULL;
			    q += n)
				if ((q == lists[1 - i] || strchr(", \t",
				    q[-1]) != NULL) && strchr(", \t", q[n]) !=
				    NULL)
					break;
			if (q == NULL)
				return 0;
		}
	return 1;
}

/* Run one step against X and check every expectation. */
static void
run_step(const char *test, const struct step *st)
{
	const char *hdrs[6], *ct, *et;
	char target[8192], idh[512], cth[256], xh[4096], ctx[9000];
	char want[4096], name[128];
	const struct httpc_resp *r = &X.r;
	size_t n;
	int k = 0;

	target_of(st, target, sizeof(target));
	snprintf(ctx, sizeof(ctx), "%s [%s] step \"%s\": %s %s", test,
	    X.v->name, st->what, st->method, target);
	if (st->who == NULL || st->who[0] != '\0') {
		snprintf(idh, sizeof(idh), "X-3GPP-Asserted-Identity: %s",
		    st->who != NULL ? st->who : ALICE_ID);
		hdrs[k++] = idh;
	}
	if (st->ctype != NULL) {
		snprintf(cth, sizeof(cth), "Content-Type: %s", st->ctype);
		hdrs[k++] = cth;
	}
	if (st->hdr != NULL) {
		expand(st->hdr, xh, sizeof(xh));
		hdrs[k++] = xh;
	}
	hdrs[k] = NULL;
	ck_assert_msg(px_request(st->method, target, hdrs, st->body,
	    st->body != NULL ? strlen(st->body) : 0) == 0, "%s: no answer: %s",
	    ctx, X.err);
	ck_assert_msg(r->status == st->status, "%s: expected %d, got %d: %s",
	    ctx, st->status, r->status, r->body);
	/* XCAP.md §1.8: Content-Type without parameters */
	ct = httpc_header(r, "Content-Type");
	ck_assert_msg(ct == NULL || strchr(ct, ';') == NULL,
	    "%s: Content-Type with parameters: %s", ctx, ct);
	if (st->rctype != NULL && st->rctype[0] == '\0')
		ck_assert_msg(ct == NULL, "%s: unexpected Content-Type %s", ctx,
		    ct);
	else if (st->rctype != NULL)
		ck_assert_msg(ct != NULL && strcmp(ct, st->rctype) == 0,
		    "%s: Content-Type %s, expected %s", ctx, ct ? ct : "(none)",
		    st->rctype);
	/* XCAP.md §1.7: quoted; on every 2xx GET and PUT; one per document */
	et = httpc_header(r, "ETag");
	ck_assert_msg(httpc_header_count(r, "ETag") <= 1, "%s: several ETags",
	    ctx);
	if (et != NULL)
		ck_assert_msg(quoted(et), "%s: ETag not quoted: %s", ctx, et);
	if (r->status / 100 == 2 && (strcmp(st->method, "GET") == 0 ||
	    strcmp(st->method, "PUT") == 0))
		ck_assert_msg(et != NULL, "%s: a 2xx %s without ETag", ctx,
		    st->method);
	switch (st->etag) {
	case E_NONE:
		ck_assert_msg(et == NULL, "%s: unexpected ETag %s", ctx, et);
		break;
	case E_SAME:
		ck_assert_msg(et != NULL && strcmp(et, X.etag) == 0,
		    "%s: ETag %s, expected the unchanged %s", ctx,
		    et ? et : "(none)", X.etag);
		break;
	case E_NEW:
		ck_assert_msg(et != NULL && strcmp(et, X.etag) != 0,
		    "%s: ETag %s, expected a new one (was %s)", ctx,
		    et ? et : "(none)", X.etag);
		break;
	case E_ANY:
		break;
	}
	if (et != NULL && r->status / 100 == 2)
		snprintf(X.etag, sizeof(X.etag), "%s", et);
	if (st->rbody != NULL) {
		expand(st->rbody, want, sizeof(want));
		n = strlen(want);
		ck_assert_msg(r->body_len == n && memcmp(r->body, want, n) == 0,
		    "%s: body differs:\n--- got (%zu octets)\n%s\n--- expected "
		    "(%zu octets)\n%s\n---", ctx, r->body_len, r->body, n,
		    want);
	}
	if (st->xerr != NULL) {
		ck_assert_int_eq(st->status, 409);
		if (st->detail != NULL)
			expand(st->detail, want, sizeof(want));
		check_xcap_error(ctx, r, st->xerr, st->detail != NULL ? want :
		    NULL);
	} else
		ck_assert_msg(st->status != 409, "%s: table error", ctx);
	if (st->rhdr != NULL) {
		const char *colon = strchr(st->rhdr, ':'), *v;

		snprintf(name, sizeof(name), "%.*s", (int)(colon - st->rhdr),
		    st->rhdr);
		v = httpc_header(r, name);
		/* Allow is a set: its order is free (RFC 9110 §10.2.1) */
		ck_assert_msg(v != NULL && (strcasecmp(name, "Allow") == 0 ?
		    same_tokens(v, colon + 2) : strcmp(v, colon + 2) == 0),
		    "%s: %s: %s, expected %s", ctx, name, v ? v : "(none)",
		    colon + 2);
	}
	/* issue 5 item 5: "403 with a reason" */
	if (r->status == 403)
		ck_assert_msg(r->body_len > 0, "%s: a 403 without a reason",
		    ctx);
	if (st->same) {
		const char *pct = httpc_header(&X.prev, "Content-Type");

		ck_assert_msg(X.prev.status == r->status &&
		    X.prev.body_len == r->body_len &&
		    memcmp(X.prev.body, r->body, r->body_len) == 0 &&
		    ((pct == NULL && ct == NULL) || (pct != NULL &&
		    ct != NULL && strcmp(pct, ct) == 0)) && et == NULL &&
		    httpc_header(&X.prev, "ETag") == NULL,
		    "%s: the answer differs from the previous one (it must not "
		    "tell whether the document exists):\n%d %s\n---\n%d %s",
		    ctx, X.prev.status, X.prev.body, r->status, r->body);
	}
}

static void
run_steps(const char *test, const struct step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		run_step(test, &steps[i]);
}

/* A table test: `steps` on document `doc`-<variant> of the shared stack,
 * for variant `vi`. */
static void
run_table(const char *test, int vi, const char *doc, const struct step *steps,
    size_t n)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-%d", doc, vi);
	if (px_init(test, &shared, &variants[vi], name) != 0)
		return;
	run_steps(test, steps, n);
	/* keep-alive: no answer of the table (4xx included) closed it */
	if (X.v->proto == P_H1)
		ck_assert_msg(X.c.connects == 1, "%s [%s]: %d connections for "
		    "one keep-alive client", test, X.v->name, X.c.connects);
	px_done();
}

#define NSTEPS(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- documents ---------------------------------------------------------- */

/* Odd but valid: single quotes, a comment before the root, a PI, tabs,
 * spaces inside tags, CRLF, a CDATA-free entity reference, no final
 * newline. GET must give back exactly these octets. */
#define DOC1 "<?xml version='1.0' encoding='UTF-8'?>\r\n" \
	"<!-- alice's lists -->\n" \
	"<?utstack keep me?>\n" \
	"<resource-lists xmlns='" NS_RL "'   xmlns:x=\"urn:example:x\" >\n" \
	"\t<list name='friends' >\n" \
	"    <entry uri=\"sip:bob@example.org\"><display-name>Bob &amp; " \
	"'co'</display-name></entry>\n" \
	"\t\t<entry   uri='sip:carol@example.org'/>  <!-- carol -->\n" \
	"  </list>\n" \
	"  <list name=\"work\"></list>\n" \
	"</resource-lists>"

#define DOC2 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<resource-lists xmlns=\"" NS_RL "\">\n" \
	"  <list name=\"friends\"/>\n" \
	"</resource-lists>\n"

static const struct step doc_steps[] = {
	{ .what = "GET of an absent document", .method = "GET",
	  .status = 404, .etag = E_NONE },
	{ .what = "DELETE of an absent document", .method = "DELETE",
	  .status = 404, .etag = E_NONE },
	{ .what = "create", .method = "PUT", .ctype = RL_MIME, .body = DOC1,
	  .status = 201, .etag = E_NEW },
	{ .what = "GET gives the exact bytes", .method = "GET", .status = 200,
	  .rctype = RL_MIME, .etag = E_SAME, .rbody = DOC1 },
	{ .what = "replace", .method = "PUT", .ctype = RL_MIME, .body = DOC2,
	  .status = 200, .etag = E_NEW },
	{ .what = "GET gives the new bytes", .method = "GET", .status = 200,
	  .rctype = RL_MIME, .etag = E_SAME, .rbody = DOC2 },
	{ .what = "replace with the first again", .method = "PUT",
	  .ctype = RL_MIME, .body = DOC1, .status = 200, .etag = E_NEW },
	{ .what = "GET again", .method = "GET", .status = 200,
	  .rctype = RL_MIME, .etag = E_SAME, .rbody = DOC1 },
	{ .what = "delete", .method = "DELETE", .status = 200 },
	{ .what = "GET after DELETE", .method = "GET", .status = 404,
	  .etag = E_NONE },
	{ .what = "DELETE after DELETE", .method = "DELETE", .status = 404,
	  .etag = E_NONE },
	{ .what = "create again", .method = "PUT", .ctype = RL_MIME,
	  .body = DOC2, .status = 201, .etag = E_NEW },
	{ .what = "a document in a sub-directory", .method = "PUT",
	  .path = ALICE_HOME "/dir-$N/sub/index", .ctype = RL_MIME,
	  .body = DOC2, .status = 201, .etag = E_NEW },
	{ .what = "GET it", .method = "GET",
	  .path = ALICE_HOME "/dir-$N/sub/index", .status = 200,
	  .rctype = RL_MIME, .etag = E_SAME, .rbody = DOC2 },
	{ .what = "POST is not XCAP", .method = "POST", .ctype = RL_MIME,
	  .body = DOC2, .status = 405, .etag = E_NONE,
	  .rhdr = "Allow: GET, PUT, DELETE" },
};

START_TEST(xcap_documents)
{
	run_table("xcap_documents", _i, "doc", doc_steps, NSTEPS(doc_steps));
}
END_TEST

#define BAD_SCHEMA "<resource-lists xmlns=\"" NS_RL "\"><bogus/>" \
	"</resource-lists>"

static const struct step ctype_steps[] = {
	{ .what = "text/plain", .method = "PUT", .ctype = "text/plain",
	  .body = DOC2, .status = 415, .etag = E_NONE },
	{ .what = "application/json", .method = "PUT",
	  .ctype = "application/json", .body = DOC2, .status = 415,
	  .etag = E_NONE },
	{ .what = "the AUID of another usage", .method = "PUT",
	  .ctype = "application/auth-policy+xml", .body = DOC2, .status = 415,
	  .etag = E_NONE },
	{ .what = "nothing was stored", .method = "GET", .status = 404 },
	{ .what = "application/xml, invalid", .method = "PUT",
	  .ctype = "application/xml", .body = BAD_SCHEMA, .status = 409,
	  .xerr = "schema-validation-error" },
	{ .what = "application/xml, valid", .method = "PUT",
	  .ctype = "application/xml", .body = DOC2, .status = 201,
	  .etag = E_NEW },
	{ .what = "text/xml, valid", .method = "PUT", .ctype = "text/xml",
	  .body = DOC1, .status = 200, .etag = E_NEW },
	{ .what = "the AUID's MIME type", .method = "PUT", .ctype = RL_MIME,
	  .body = DOC2, .status = 200, .etag = E_NEW },
	{ .what = "no Content-Type, valid", .method = "PUT", .body = DOC1,
	  .status = 200, .etag = E_NEW },
	{ .what = "application/octet-stream, valid", .method = "PUT",
	  .ctype = "application/octet-stream", .body = DOC2, .status = 200,
	  .etag = E_NEW },
	{ .what = "a 415 changes nothing", .method = "PUT",
	  .ctype = "text/plain", .body = DOC1, .status = 415, .etag = E_NONE },
	{ .what = "GET: the document of the last 2xx", .method = "GET",
	  .status = 200, .rctype = RL_MIME, .etag = E_SAME, .rbody = DOC2 },
};

START_TEST(xcap_document_content_types)
{
	run_table("xcap_document_content_types", _i, "ct", ctype_steps,
	    NSTEPS(ctype_steps));
}
END_TEST

#define RL_OPEN	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<resource-lists xmlns=\"" NS_RL "\">"
#define RL_CLOSE "</resource-lists>"

static const struct step conflict_steps[] = {
	{ .what = "not well-formed: truncated", .method = "PUT",
	  .ctype = RL_MIME, .body = RL_OPEN "<list name=\"a\">", .status = 409,
	  .xerr = "not-well-formed" },
	{ .what = "not well-formed: two roots", .method = "PUT",
	  .ctype = RL_MIME, .body = RL_OPEN RL_CLOSE RL_OPEN RL_CLOSE,
	  .status = 409, .xerr = "not-well-formed" },
	{ .what = "not well-formed: empty body", .method = "PUT",
	  .ctype = RL_MIME, .body = "", .status = 409,
	  .xerr = "not-well-formed" },
	{ .what = "DOCTYPE with an entity", .method = "PUT", .ctype = RL_MIME,
	  .body = "<?xml version=\"1.0\"?>\n<!DOCTYPE resource-lists [<!ENTITY "
	  "x \"xxxxxxxxxx\">]>\n<resource-lists xmlns=\"" NS_RL "\"><list "
	  "name=\"&x;\"/></resource-lists>", .status = 409,
	  .xerr = "not-well-formed" },
	{ .what = "not UTF-8: a stray 0xA9", .method = "PUT", .ctype = RL_MIME,
	  .body = RL_OPEN "<list name=\"caf\xa9\"/>" RL_CLOSE, .status = 409,
	  .xerr = "not-utf-8" },
	{ .what = "not UTF-8: encoding=\"ISO-8859-1\"", .method = "PUT",
	  .ctype = RL_MIME, .body = "<?xml version=\"1.0\" encoding=\"ISO-8859-1"
	  "\"?>\n<resource-lists xmlns=\"" NS_RL "\"><list name=\"caf\xe9\"/>"
	  RL_CLOSE, .status = 409, .xerr = "not-utf-8" },
	{ .what = "not UTF-8: encoding=\"UTF-16\"", .method = "PUT",
	  .ctype = RL_MIME, .body = "<?xml version=\"1.0\" encoding=\"UTF-16"
	  "\"?>\n<resource-lists xmlns=\"" NS_RL "\"/>", .status = 409,
	  .xerr = "not-utf-8" },
	{ .what = "schema: unknown element", .method = "PUT", .ctype = RL_MIME,
	  .body = BAD_SCHEMA, .status = 409,
	  .xerr = "schema-validation-error" },
	{ .what = "schema: entry without uri", .method = "PUT",
	  .ctype = RL_MIME, .body = RL_OPEN "<list><entry/></list>" RL_CLOSE,
	  .status = 409, .xerr = "schema-validation-error" },
	{ .what = "schema: root in another namespace", .method = "PUT",
	  .ctype = RL_MIME, .body = "<resource-lists xmlns=\"urn:example:other"
	  "\"/>", .status = 409, .xerr = "schema-validation-error" },
	{ .what = "uniqueness: list names", .method = "PUT", .ctype = RL_MIME,
	  .body = RL_OPEN "<list name=\"a\"/><list name=\"a\"/>" RL_CLOSE,
	  .status = 409, .xerr = "uniqueness-failure",
	  .detail = "list/@name" },
	{ .what = "uniqueness: nested list names", .method = "PUT",
	  .ctype = RL_MIME, .body = RL_OPEN "<list name=\"a\"><list name=\"b\"/>"
	  "<list name=\"b\"/></list>" RL_CLOSE, .status = 409,
	  .xerr = "uniqueness-failure", .detail = "list/@name" },
	{ .what = "uniqueness: entry uris", .method = "PUT", .ctype = RL_MIME,
	  .body = RL_OPEN "<list><entry uri=\"sip:x@example.org\"/><entry uri="
	  "\"sip:x@example.org\"/></list>" RL_CLOSE, .status = 409,
	  .xerr = "uniqueness-failure", .detail = "entry/@uri" },
	{ .what = "uniqueness: entry-refs", .method = "PUT", .ctype = RL_MIME,
	  .body = RL_OPEN "<list><entry-ref ref=\"a/b\"/><entry-ref ref=\"a/b\"/>"
	  "</list>" RL_CLOSE, .status = 409, .xerr = "uniqueness-failure",
	  .detail = "entry-ref/@ref" },
	{ .what = "uniqueness: external anchors", .method = "PUT",
	  .ctype = RL_MIME, .body = RL_OPEN "<list><external anchor=\"http://x."
	  "example.org/a\"/><external anchor=\"http://x.example.org/a\"/></list>"
	  RL_CLOSE, .status = 409, .xerr = "uniqueness-failure",
	  .detail = "external/@anchor" },
	{ .what = "constraint: ftp anchor", .method = "PUT", .ctype = RL_MIME,
	  .body = RL_OPEN "<list><external anchor=\"ftp://x.example.org/a\"/>"
	  "</list>" RL_CLOSE, .status = 409, .xerr = "constraint-failure",
	  .detail = "ftp://x.example.org/a" },
	{ .what = "constraint: relative anchor", .method = "PUT",
	  .ctype = RL_MIME, .body = RL_OPEN "<list><external anchor=\"lists/a"
	  "\"/></list>" RL_CLOSE, .status = 409, .xerr = "constraint-failure" },
	{ .what = "constraint: absolute entry-ref", .method = "PUT",
	  .ctype = RL_MIME, .body = RL_OPEN "<list><entry-ref ref=\"http://x."
	  "example.org/a\"/></list>" RL_CLOSE, .status = 409,
	  .xerr = "constraint-failure" },
	{ .what = "constraint: entry-ref with an absolute path",
	  .method = "PUT",
	  .ctype = RL_MIME, .body = RL_OPEN "<list><entry-ref ref=\"/xcap-root/"
	  "a\"/></list>" RL_CLOSE, .status = 409, .xerr = "constraint-failure" },
	/* the same values among different parents, and differing in case,
	 * are fine (XCAP.md §2.1: among siblings, case-sensitive) */
	{ .what = "same names in different parents", .method = "PUT",
	  .ctype = RL_MIME, .body = RL_OPEN "<list name=\"a\"><entry uri=\"sip:"
	  "x@example.org\"/><list name=\"a\"/></list><list name=\"b\"><entry "
	  "uri=\"sip:x@example.org\"/></list><list name=\"A\"/>" RL_CLOSE,
	  .status = 201, .etag = E_NEW },
	{ .what = "https anchor and relative entry-ref", .method = "PUT",
	  .ctype = RL_MIME, .body = RL_OPEN "<list><external anchor=\"https://x."
	  "example.org/a\"/><entry-ref ref=\"resource-lists/users/" ALICE
	  "/index/~~/resource-lists/list%5b1%5d\"/></list>" RL_CLOSE,
	  .status = 201, .etag = E_NEW },
};
#define N_CONFLICTS	(int)(sizeof(conflict_steps) / sizeof(conflict_steps[0]))

/* One case of conflict_steps on a document of its own (so that a case
 * that fails hides no other), then a GET: nothing stored after a
 * failure, the exact bytes after a success. */
START_TEST(xcap_document_conflicts)
{
	const struct step *c = &conflict_steps[_i % N_CONFLICTS];
	const struct step absent = { .what = "nothing was stored",
	    .method = "GET", .status = 404, .etag = E_NONE };
	const struct step stored = { .what = "stored as sent",
	    .method = "GET", .status = 200, .rctype = RL_MIME, .etag = E_SAME,
	    .rbody = c->body };
	char name[32], test[300];

	snprintf(name, sizeof(name), "bad-%d", _i);
	snprintf(test, sizeof(test), "xcap_document_conflicts: %s", c->what);
	if (px_init(test, &shared, &variants[_i / N_CONFLICTS], name) != 0)
		return;
	run_step(test, c);
	run_step(test, c->status < 300 ? &stored : &absent);
	px_done();
}
END_TEST

/* ---- elements, attributes, namespace bindings -------------------------- */

#define EL_BOB	"<entry uri=\"sip:bob@example.org\"><display-name>Bob &amp; " \
	"co</display-name></entry>"
#define EL_CAROL "<entry uri='sip:carol@example.org'/>"
#define EL_CAROL2 "<entry uri=\"sip:carol@example.org\"><display-name>Carol" \
	"</display-name></entry>"
#define EL_ODD	"<list name=\"a/b[1]&quot;x\"><entry uri=\"sip:odd@example.org" \
	"\"/></list>"
#define EL_HEAD	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<resource-lists xmlns=\"" NS_RL "\">\n" \
	"  <list name=\"friends\">\n" \
	"    "
#define EL_MID	"\n    "
#define EL_TAIL	"\n  </list>\n  " EL_ODD "\n</resource-lists>\n"
#define EL0	EL_HEAD EL_BOB EL_MID EL_CAROL EL_TAIL
#define EL1	EL_HEAD EL_BOB EL_MID EL_CAROL2 EL_TAIL
#define EL_DAVE	"<entry uri=\"sip:dave@example.org\"/>"
#define ANC_ROOT "$U/xcap-root/resource-lists/users/" ALICE "/$N/~~/" \
	"resource-lists"

static const struct step element_steps[] = {
	{ .what = "the document", .method = "PUT", .ctype = RL_MIME,
	  .body = EL0, .status = 201, .etag = E_NEW },
	{ .what = "GET by attribute, then position", .method = "GET",
	  .node = "resource-lists/list[@name=\"friends\"]/entry[1]",
	  .status = 200, .rctype = EL_MIME, .etag = E_SAME, .rbody = EL_BOB },
	{ .what = "GET by position, then attribute", .method = "GET",
	  .node = "resource-lists/list[1]/entry[@uri=\"sip:carol@example.org\"]",
	  .status = 200, .rctype = EL_MIME, .etag = E_SAME,
	  .rbody = EL_CAROL },
	{ .what = "GET by position and attribute, single quotes", .method =
	  "GET", .node = "resource-lists/list[1]/entry[2][@uri='sip:carol@"
	  "example.org']", .status = 200, .rctype = EL_MIME, .etag = E_SAME,
	  .rbody = EL_CAROL },
	{ .what = "GET with / [ ] \" inside the value", .method = "GET",
	  .node = "resource-lists/list[@name='a/b[1]\"x']", .status = 200,
	  .rctype = EL_MIME, .etag = E_SAME, .rbody = EL_ODD },
	{ .what = "GET with wildcards", .method = "GET",
	  .node = "resource-lists/*[1]/*[2]", .status = 200,
	  .rctype = EL_MIME, .etag = E_SAME, .rbody = EL_CAROL },
	{ .what = "GET of a grandchild", .method = "GET",
	  .node = "resource-lists/list[1]/entry[1]/display-name",
	  .status = 200, .rctype = EL_MIME, .etag = E_SAME,
	  .rbody = "<display-name>Bob &amp; co</display-name>" },
	{ .what = "GET with an xmlns() binding", .method = "GET",
	  .node = "rl:resource-lists/rl:list[1]/rl:entry[2]",
	  .query = "xmlns(rl=" NS_RL ")", .status = 200, .rctype = EL_MIME,
	  .etag = E_SAME, .rbody = EL_CAROL },
	{ .what = "GET with an unbound prefix", .method = "GET",
	  .node = "rl:resource-lists/rl:list[1]", .status = 400,
	  .etag = E_NONE },
	{ .what = "PUT with an unbound prefix", .method = "PUT",
	  .ctype = EL_MIME, .node = "rl:resource-lists/rl:list[3]",
	  .body = "<list/>", .status = 400, .etag = E_NONE },
	{ .what = "DELETE with an unbound prefix", .method = "DELETE",
	  .node = "resource-lists/rl:list[2]", .status = 400,
	  .etag = E_NONE },
	{ .what = "GET with an empty predicate", .method = "GET",
	  .node = "resource-lists/list[]", .status = 400, .etag = E_NONE },
	{ .what = "GET: several matches", .method = "GET",
	  .node = "resource-lists/list[1]/entry", .status = 404,
	  .etag = E_NONE },
	{ .what = "GET: no match", .method = "GET",
	  .node = "resource-lists/list[@name=\"nobody\"]", .status = 404,
	  .etag = E_NONE },
	{ .what = "GET: unprefixed names are in the usage's namespace",
	  .method = "GET", .node = "resource-lists/list[1]/entry[1]",
	  .query = "xmlns(rl=urn:example:other)", .status = 200,
	  .rctype = EL_MIME, .etag = E_SAME, .rbody = EL_BOB },
	{ .what = "replace an element", .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[1]/entry[2]", .body = EL_CAROL2,
	  .status = 200, .etag = E_NEW },
	{ .what = "GET it", .method = "GET",
	  .node = "resource-lists/list[1]/entry[2]", .status = 200,
	  .rctype = EL_MIME, .etag = E_SAME, .rbody = EL_CAROL2 },
	{ .what = "GET the document: only that element changed",
	  .method = "GET", .status = 200, .rctype = RL_MIME, .etag = E_SAME,
	  .rbody = EL1 },
	{ .what = "insert an element", .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[1]/entry[@uri=\"sip:dave@example.org\"]",
	  .body = EL_DAVE, .status = 201, .etag = E_NEW },
	{ .what = "GET it", .method = "GET",
	  .node = "resource-lists/list[1]/entry[3]", .status = 200,
	  .rctype = EL_MIME, .etag = E_SAME, .rbody = EL_DAVE },
	{ .what = "GET the document with it", .method = "GET", .status = 200,
	  .rctype = RL_MIME, .etag = E_SAME, .rbody = EL_HEAD EL_BOB EL_MID
	  EL_CAROL2 EL_DAVE EL_TAIL },
	{ .what = "delete it", .method = "DELETE",
	  .node = "resource-lists/list[1]/entry[@uri=\"sip:dave@example.org\"]",
	  .status = 200, .etag = E_NEW },
	{ .what = "GET after DELETE", .method = "GET",
	  .node = "resource-lists/list[1]/entry[@uri=\"sip:dave@example.org\"]",
	  .status = 404, .etag = E_NONE },
	{ .what = "DELETE after DELETE", .method = "DELETE",
	  .node = "resource-lists/list[1]/entry[@uri=\"sip:dave@example.org\"]",
	  .status = 404, .etag = E_NONE },
	{ .what = "GET the document: as before the insert", .method = "GET",
	  .status = 200, .rctype = RL_MIME, .etag = E_SAME, .rbody = EL1 },
	/* failures: none may change the document */
	{ .what = "element PUT as application/xml", .method = "PUT",
	  .ctype = "application/xml", .node = "resource-lists/list[1]/entry[3]",
	  .body = EL_DAVE, .status = 415, .etag = E_NONE },
	{ .what = "element PUT as the document type", .method = "PUT",
	  .ctype = RL_MIME, .node = "resource-lists/list[1]/entry[3]",
	  .body = EL_DAVE, .status = 415, .etag = E_NONE },
	{ .what = "element PUT as an attribute", .method = "PUT",
	  .ctype = ATT_MIME, .node = "resource-lists/list[1]/entry[3]",
	  .body = EL_DAVE, .status = 415, .etag = E_NONE },
	{ .what = "element PUT without Content-Type", .method = "PUT",
	  .node = "resource-lists/list[1]/entry[3]", .body = EL_DAVE,
	  .status = 415, .etag = E_NONE },
	{ .what = "two elements", .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[1]/entry[3]",
	  .body = EL_DAVE "<entry uri=\"sip:eve@example.org\"/>", .status = 409,
	  .xerr = "not-xml-frag" },
	{ .what = "text, not an element", .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[1]/entry[3]", .body = "dave",
	  .status = 409, .xerr = "not-xml-frag" },
	{ .what = "a broken element", .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[1]/entry[3]",
	  .body = "<entry uri=\"sip:dave@example.org\">", .status = 409,
	  .xerr = "not-xml-frag" },
	{ .what = "an element that is not UTF-8", .method = "PUT",
	  .ctype = EL_MIME, .node = "resource-lists/list[1]/entry[3]",
	  .body = "<entry uri=\"sip:caf\xa9@example.org\"/>", .status = 409,
	  .xerr = "not-utf-8" },
	{ .what = "an attribute value that is not UTF-8", .method = "PUT",
	  .ctype = ATT_MIME, .node = "resource-lists/list[1]/@name",
	  .body = "caf\xa9", .status = 409, .xerr = "not-utf-8" },
	{ .what = "no parent element", .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[@name=\"nope\"]/entry", .body = EL_DAVE,
	  .status = 409, .xerr = "no-parent", .detail = ANC_ROOT },
	{ .what = "no parent two levels up", .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[@name=\"nope\"]/list[1]/entry",
	  .body = EL_DAVE, .status = 409, .xerr = "no-parent",
	  .detail = ANC_ROOT },
	{ .what = "no parent: the document is absent", .method = "PUT",
	  .path = ALICE_HOME "/absent-$N", .ctype = EL_MIME,
	  .node = "resource-lists/list[1]", .body = "<list/>", .status = 409,
	  .xerr = "no-parent",
	  .detail = "$U/xcap-root/resource-lists/users/" ALICE },
	{ .what = "cannot-insert: the body has another attribute value",
	  .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[1]/entry[@uri=\"sip:x@example.org\"]",
	  .body = "<entry uri=\"sip:y@example.org\"/>", .status = 409,
	  .xerr = "cannot-insert" },
	{ .what = "cannot-insert: the body's name is not the step's",
	  .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[1]/entry[3]",
	  .body = "<external anchor=\"http://x.example.org/\"/>",
	  .status = 409, .xerr = "cannot-insert" },
	{ .what = "cannot-insert: replacing an element by another name",
	  .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[1]/entry[2]",
	  .body = "<entry-ref ref=\"a/b\"/>", .status = 409,
	  .xerr = "cannot-insert" },
	{ .what = "PUT: several matches", .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[1]/entry", .body = EL_DAVE,
	  .status = 404, .etag = E_NONE },
	{ .what = "DELETE: several matches", .method = "DELETE",
	  .node = "resource-lists/list[1]/entry", .status = 404,
	  .etag = E_NONE },
	{ .what = "PUT: the parent matches several", .method = "PUT",
	  .ctype = EL_MIME,
	  .node = "resource-lists/list/entry[@uri=\"sip:new@example.org\"]",
	  .body = "<entry uri=\"sip:new@example.org\"/>", .status = 404,
	  .etag = E_NONE },
	{ .what = "uniqueness after the insert", .method = "PUT",
	  .ctype = EL_MIME, .node = "resource-lists/list[1]/entry[3]",
	  .body = "<entry uri=\"sip:bob@example.org\"/>", .status = 409,
	  .xerr = "uniqueness-failure", .detail = "entry/@uri" },
	{ .what = "schema after the insert", .method = "PUT", .ctype = EL_MIME,
	  .node = "resource-lists/list[1]/bogus", .body = "<bogus/>",
	  .status = 409, .xerr = "schema-validation-error" },
	{ .what = "constraint after the insert", .method = "PUT",
	  .ctype = EL_MIME, .node = "resource-lists/list[1]/external",
	  .body = "<external anchor=\"ftp://x.example.org/\"/>", .status = 409,
	  .xerr = "constraint-failure" },
	{ .what = "cannot-delete: entry[1] while entry[2] exists",
	  .method = "DELETE", .node = "resource-lists/list[1]/entry[1]",
	  .status = 409, .xerr = "cannot-delete" },
	{ .what = "schema after a delete (entry without uri)",
	  .method = "DELETE", .node = "resource-lists/list[1]/entry[2]/@uri",
	  .status = 409, .xerr = "schema-validation-error" },
	{ .what = "the document is unchanged", .method = "GET", .status = 200,
	  .rctype = RL_MIME, .etag = E_SAME, .rbody = EL1 },
	{ .what = "delete the last of its kind", .method = "DELETE",
	  .node = "resource-lists/list[1]/entry[2]", .status = 200,
	  .etag = E_NEW },
	{ .what = "the document without it", .method = "GET", .status = 200,
	  .rctype = RL_MIME, .etag = E_SAME,
	  .rbody = EL_HEAD EL_BOB EL_MID EL_TAIL },
};

START_TEST(xcap_elements)
{
	run_table("xcap_elements", _i, "el", element_steps,
	    NSTEPS(element_steps));
}
END_TEST

#define ATT0 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<resource-lists xmlns=\"" NS_RL "\">\n" \
	"<list name=\"l\"><entry uri=\"sip:bob@example.org\"/></list>\n" \
	"<list/>\n" \
	"</resource-lists>\n"

static const struct step attribute_steps[] = {
	{ .what = "the document", .method = "PUT", .ctype = RL_MIME,
	  .body = ATT0, .status = 201, .etag = E_NEW },
	{ .what = "GET an attribute", .method = "GET",
	  .node = "resource-lists/list[1]/@name", .status = 200,
	  .rctype = ATT_MIME, .etag = E_SAME, .rbody = "l" },
	{ .what = "GET an attribute through a predicate", .method = "GET",
	  .node = "resource-lists/list[@name=\"l\"]/entry/@uri", .status = 200,
	  .rctype = ATT_MIME, .etag = E_SAME, .rbody = "sip:bob@example.org" },
	{ .what = "GET an absent attribute", .method = "GET",
	  .node = "resource-lists/list[2]/@name", .status = 404,
	  .etag = E_NONE },
	{ .what = "create an attribute", .method = "PUT", .ctype = ATT_MIME,
	  .node = "resource-lists/list[2]/@name", .body = "new", .status = 201,
	  .etag = E_NEW },
	{ .what = "GET it", .method = "GET",
	  .node = "resource-lists/list[2]/@name", .status = 200,
	  .rctype = ATT_MIME, .etag = E_SAME, .rbody = "new" },
	{ .what = "replace it", .method = "PUT", .ctype = ATT_MIME,
	  .node = "resource-lists/list[2]/@name", .body = "B &amp; C",
	  .status = 200, .etag = E_NEW },
	{ .what = "GET gives the value as written", .method = "GET",
	  .node = "resource-lists/list[2]/@name", .status = 200,
	  .rctype = ATT_MIME, .etag = E_SAME, .rbody = "B &amp; C" },
	{ .what = "select by the new value", .method = "GET",
	  .node = "resource-lists/list[@name=\"B%20&amp;%20C\"]", .status = 200,
	  .rctype = EL_MIME, .etag = E_SAME,
	  .rbody = "<list name=\"B &amp; C\"/>" },
	{ .what = "attribute PUT as an element", .method = "PUT",
	  .ctype = EL_MIME, .node = "resource-lists/list[2]/@name",
	  .body = "x", .status = 415, .etag = E_NONE },
	{ .what = "attribute PUT as text/plain", .method = "PUT",
	  .ctype = "text/plain", .node = "resource-lists/list[2]/@name",
	  .body = "x", .status = 415, .etag = E_NONE },
	{ .what = "a value with '<'", .method = "PUT", .ctype = ATT_MIME,
	  .node = "resource-lists/list[2]/@name", .body = "a<b", .status = 409,
	  .xerr = "not-xml-att-value" },
	{ .what = "an attribute of an absent element", .method = "PUT",
	  .ctype = ATT_MIME, .node = "resource-lists/list[3]/@name",
	  .body = "x", .status = 409, .xerr = "no-parent",
	  .detail = ANC_ROOT },
	{ .what = "uniqueness through an attribute", .method = "PUT",
	  .ctype = ATT_MIME, .node = "resource-lists/list[2]/@name",
	  .body = "l", .status = 409, .xerr = "uniqueness-failure",
	  .detail = "list/@name" },
	{ .what = "delete it", .method = "DELETE",
	  .node = "resource-lists/list[2]/@name", .status = 200,
	  .etag = E_NEW },
	{ .what = "GET after DELETE", .method = "GET",
	  .node = "resource-lists/list[2]/@name", .status = 404,
	  .etag = E_NONE },
	{ .what = "DELETE after DELETE", .method = "DELETE",
	  .node = "resource-lists/list[2]/@name", .status = 404,
	  .etag = E_NONE },
	{ .what = "create, replace, delete leave the bytes as they were",
	  .method = "GET", .status = 200, .rctype = RL_MIME, .etag = E_SAME,
	  .rbody = ATT0 },
	{ .what = "replace an attribute in place", .method = "PUT",
	  .ctype = ATT_MIME, .node = "resource-lists/list[1]/entry/@uri",
	  .body = "sip:carol@example.org", .status = 200, .etag = E_NEW },
	{ .what = "only its value changed", .method = "GET", .status = 200,
	  .rctype = RL_MIME, .etag = E_SAME,
	  .rbody = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	  "<resource-lists xmlns=\"" NS_RL "\">\n"
	  "<list name=\"l\"><entry uri=\"sip:carol@example.org\"/></list>\n"
	  "<list/>\n</resource-lists>\n" },
};

START_TEST(xcap_attributes)
{
	run_table("xcap_attributes", _i, "att", attribute_steps,
	    NSTEPS(attribute_steps));
}
END_TEST

static const struct step namespace_steps[] = {
	{ .what = "the document", .method = "PUT", .ctype = RL_MIME,
	  .body = "<resource-lists xmlns=\"" NS_RL "\" xmlns:x=\"urn:example:x\">"
	  "<list name=\"l\"/></resource-lists>", .status = 201, .etag = E_NEW },
	{ .what = "GET the bindings of an element", .method = "GET",
	  .node = "resource-lists/list[1]/namespace::*", .status = 200,
	  .rctype = NSB_MIME, .etag = E_SAME,
	  .rbody = "<list xmlns=\"" NS_RL "\" xmlns:x=\"urn:example:x\"/>" },
	{ .what = "GET the bindings through a prefix", .method = "GET",
	  .node = "p:resource-lists/namespace::*",
	  .query = "xmlns(p=" NS_RL ")", .status = 200, .rctype = NSB_MIME,
	  .etag = E_SAME, .rbody = "<resource-lists xmlns=\"" NS_RL "\" "
	  "xmlns:x=\"urn:example:x\"/>" },
	{ .what = "GET the bindings of an absent element", .method = "GET",
	  .node = "resource-lists/list[2]/namespace::*", .status = 404,
	  .etag = E_NONE },
	{ .what = "PUT bindings", .method = "PUT", .ctype = NSB_MIME,
	  .node = "resource-lists/list[1]/namespace::*",
	  .body = "<list xmlns=\"" NS_RL "\"/>", .status = 405,
	  .etag = E_NONE, .rhdr = "Allow: GET" },
	{ .what = "DELETE bindings", .method = "DELETE",
	  .node = "resource-lists/list[1]/namespace::*", .status = 405,
	  .etag = E_NONE, .rhdr = "Allow: GET" },
};

START_TEST(xcap_namespaces)
{
	run_table("xcap_namespaces", _i, "ns", namespace_steps,
	    NSTEPS(namespace_steps));
}
END_TEST

/* ---- the insertion rules of XCAP.md §1.6 ------------------------------- */

/*
 * The start document of OpenXCAP's test_element_put with resource-lists
 * in place of test-app: el1 → entry (attribute uri), el2 → external
 * (attribute anchor), a comment between them, whitespace text around.
 * INS_P[k] are its pieces; an insertion at position k goes after piece k.
 */
#define INS_P1	"<?xml version='1.0' encoding='UTF-8'?>\n<resource-lists " \
	"xmlns=\"" NS_RL "\">\n<list name=\"l\">\n<entry uri=\"first\"/>"
#define INS_P2	"\n<entry uri=\"second\"/>"
#define INS_P3	"\n<!-- comment -->\n"
#define INS_P4	"<external anchor=\"http://first.example.org/\"/>"
#define INS_P5	"\n"
#define INS_P6	"</list>\n</resource-lists>\n"
#define INS_DOC	INS_P1 INS_P2 INS_P3 INS_P4 INS_P5 INS_P6
#define INS_L	"resource-lists/list[@name=\"l\"]/"
#define THIRD	"<entry uri=\"third\"/>"
#define EXT2	"<external anchor=\"http://2.example.org/\"/>"
#define A2	"[@anchor=\"http://2.example.org/\"]"
#define INS_P1_THIRD "<?xml version='1.0' encoding='UTF-8'?>\n<resource-lists " \
	"xmlns=\"" NS_RL "\">\n<list name=\"l\">\n" THIRD

struct ins_case {
	const char	*what;
	const char	*method;
	const char	*sel;	/* below the start document's root */
	const char	*query;
	const char	*body;
	int		 status;
	const char	*xerr;
	int		 pos;	/* insert after piece pos; DELETE */
	const char	*after;	/* else the document afterwards (NULL:
				 * unchanged) */
};

static const char *const ins_pieces[] = { INS_P1, INS_P2, INS_P3, INS_P4,
    INS_P5, INS_P6 };

static const struct ins_case ins_cases[] = {
	{ "el1[@att=third] goes after the last el1", "PUT",
	  INS_L "entry[@uri=\"third\"]", NULL, THIRD, 201, NULL, 2, NULL },
	{ "el1[3][@att=third] likewise", "PUT",
	  INS_L "entry[3][@uri=\"third\"]", NULL, THIRD, 201, NULL, 2, NULL },
	{ "*[3][@att=third] likewise", "PUT", INS_L "*[3][@uri=\"third\"]",
	  NULL, THIRD, 201, NULL, 2, NULL },
	{ "el1[3] likewise", "PUT", INS_L "entry[3]", NULL, THIRD, 201, NULL,
	  2, NULL },
	{ "with an xmlns() prefix", "PUT",
	  "rl:resource-lists/rl:list[@name=\"l\"]/rl:entry[@uri=\"third\"]",
	  "xmlns(rl=" NS_RL ")", THIRD, 201, NULL, 2, NULL },
	{ "a new name goes last, after the trailing text", "PUT",
	  INS_L "entry-ref", NULL, "<entry-ref ref=\"third\"/>", 201, NULL, 5,
	  NULL },
	{ "el2[@att=2] goes after the existing el2", "PUT", INS_L "external" A2,
	  NULL, EXT2, 201, NULL, 4, NULL },
	{ "el2[2][@att=2] likewise", "PUT", INS_L "external[2]" A2, NULL, EXT2,
	  201, NULL, 4, NULL },
	{ "*[2][@att=2] goes after the first element", "PUT", INS_L "*[2]" A2,
	  NULL, EXT2, 201, NULL, 1, NULL },
	{ "el2[1][@att=2] goes before the existing el2", "PUT",
	  INS_L "external[1]" A2, NULL, EXT2, 201, NULL, 3, NULL },
	{ "*[@att=2] takes the name from the body", "PUT", INS_L "*" A2, NULL,
	  EXT2, 201, NULL, 4, NULL },
	{ "position out of range", "PUT", INS_L "entry[4]", NULL,
	  "<entry uri=\"x\"/>", 409, "cannot-insert", 0, NULL },
	{ "position 0", "PUT", INS_L "*[0]", NULL, "<entry uri=\"x\"/>", 409,
	  "cannot-insert", 0, NULL },
	{ "body not selected by the URI", "PUT", INS_L "entry[@uri=\"third\"]",
	  NULL, "<entry uri=\"fourth\"/>", 409, "cannot-insert", 0, NULL },
	{ "replacing so that the URI no longer selects it", "PUT",
	  INS_L "entry[@uri=\"first\"]", NULL, THIRD, 409, "cannot-insert", 0,
	  NULL },
	{ "body of another name than the step", "PUT",
	  INS_L "external[@anchor=\"http://first.example.org/\"]", NULL,
	  "<entry uri=\"x\"/>", 409, "cannot-insert", 0, NULL },
	{ "replace el1[1]", "PUT", INS_L "entry[1]", NULL, THIRD, 200, NULL, 0,
	  INS_P1_THIRD INS_P2 INS_P3 INS_P4 INS_P5 INS_P6 },
	{ "replace *[1]", "PUT", INS_L "*[1]", NULL, THIRD, 200, NULL, 0,
	  INS_P1_THIRD INS_P2 INS_P3 INS_P4 INS_P5 INS_P6 },
	{ "PUT: two el1 match", "PUT", INS_L "entry", NULL,
	  "<entry uri=\"x\"/>", 404, NULL, 0, NULL },
	{ "DELETE el1[1] while el1[2] exists", "DELETE", INS_L "entry[1]",
	  NULL, NULL, 409, "cannot-delete", 0, NULL },
	{ "DELETE *[1]", "DELETE", INS_L "*[1]", NULL, NULL, 409,
	  "cannot-delete", 0, NULL },
	{ "DELETE the last el1", "DELETE", INS_L "entry[2]", NULL, NULL, 200,
	  NULL, 0, INS_P1 "\n" INS_P3 INS_P4 INS_P5 INS_P6 },
	{ "DELETE el1[@att=first]", "DELETE", INS_L "entry[@uri=\"first\"]",
	  NULL, NULL, 200, NULL, 0, "<?xml version='1.0' encoding='UTF-8'?>\n"
	  "<resource-lists xmlns=\"" NS_RL "\">\n<list name=\"l\">\n"
	  INS_P2 INS_P3 INS_P4 INS_P5 INS_P6 },
	{ "DELETE the only el2", "DELETE", INS_L "external", NULL, NULL, 200,
	  NULL, 0, INS_P1 INS_P2 INS_P3 INS_P5 INS_P6 },
	{ "DELETE: two el1 match", "DELETE", INS_L "entry", NULL, NULL, 404,
	  NULL, 0, NULL },
};
#define N_INS	(int)(sizeof(ins_cases) / sizeof(ins_cases[0]))

START_TEST(xcap_insertion_rules)
{
	const struct ins_case *c = &ins_cases[_i % N_INS];
	char name[32], want[4096], test[300];
	size_t o = 0;
	int k;

	snprintf(name, sizeof(name), "ins-%d", _i);
	snprintf(test, sizeof(test), "xcap_insertion_rules: %s", c->what);
	if (px_init(test, &shared, &variants[_i / N_INS], name) != 0)
		return;
	if (c->pos > 0)
		for (k = 0; k < 6; k++) {
			o += (size_t)snprintf(want + o, sizeof(want) - o,
			    "%s%s", ins_pieces[k], k + 1 == c->pos ? c->body :
			    "");
		}
	else
		snprintf(want, sizeof(want), "%s", c->after != NULL ? c->after :
		    INS_DOC);
	{
		const struct step put = { .what = "the start document",
		    .method = "PUT", .ctype = RL_MIME, .body = INS_DOC,
		    .status = 201, .etag = E_NEW };
		const struct step op = { .what = "the operation",
		    .method = c->method, .node = c->sel, .query = c->query,
		    .ctype = c->body != NULL ? EL_MIME : NULL, .body = c->body,
		    .status = c->status, .xerr = c->xerr,
		    .etag = c->status < 300 ? E_NEW : E_NONE };
		const struct step get_el = { .what = "GET(PUT(x)) == x",
		    .method = "GET", .node = c->sel, .query = c->query,
		    .status = 200, .rctype = EL_MIME, .etag = E_SAME,
		    .rbody = c->body };
		const struct step get_doc = { .what = "the document",
		    .method = "GET", .status = 200, .rctype = RL_MIME,
		    .etag = E_SAME, .rbody = want };
		const struct step del = { .what = "DELETE of what was inserted",
		    .method = "DELETE", .node = c->sel, .query = c->query,
		    .status = 200, .etag = E_NEW };
		const struct step gone = { .what = "GET after DELETE",
		    .method = "GET", .node = c->sel, .query = c->query,
		    .status = 404, .etag = E_NONE };
		const struct step start = { .what = "byte-identical to the "
		    "start document", .method = "GET", .status = 200,
		    .rctype = RL_MIME, .etag = E_SAME, .rbody = INS_DOC };

		run_step(test, &put);
		run_step(test, &op);
		if (c->pos > 0 || (c->status == 200 && strcmp(c->method,
		    "PUT") == 0))
			run_step(test, &get_el);
		run_step(test, &get_doc);
		if (c->pos > 0) {
			run_step(test, &del);
			run_step(test, &gone);
			run_step(test, &start);
		}
	}
	px_done();
}
END_TEST

/* ---- ETags and conditional requests (XCAP.md §1.7) --------------------- */

static const struct step condition_steps[] = {
	{ .what = "If-Match on an absent document", .method = "PUT",
	  .ctype = RL_MIME, .body = DOC2, .hdr = "If-Match: \"0123\"",
	  .status = 412, .etag = E_NONE },
	{ .what = "If-Match: * on an absent document", .method = "PUT",
	  .ctype = RL_MIME, .body = DOC2, .hdr = "If-Match: *", .status = 412,
	  .etag = E_NONE },
	{ .what = "nothing was created", .method = "GET", .status = 404 },
	{ .what = "If-None-Match: * on an absent document", .method = "PUT",
	  .ctype = RL_MIME, .body = DOC2, .hdr = "If-None-Match: *",
	  .status = 201, .etag = E_NEW },
	{ .what = "If-None-Match: * on a present document", .method = "PUT",
	  .ctype = RL_MIME, .body = DOC1, .hdr = "If-None-Match: *",
	  .status = 412, .etag = E_NONE },
	{ .what = "GET If-None-Match: its ETag", .method = "GET",
	  .hdr = "If-None-Match: $E", .status = 304, .etag = E_SAME,
	  .rbody = "" },
	{ .what = "GET If-None-Match: *", .method = "GET",
	  .hdr = "If-None-Match: *", .status = 304, .etag = E_SAME,
	  .rbody = "" },
	{ .what = "GET If-None-Match: in a list", .method = "GET",
	  .hdr = "If-None-Match: \"other\", $E", .status = 304,
	  .etag = E_SAME },
	{ .what = "GET If-None-Match: another ETag", .method = "GET",
	  .hdr = "If-None-Match: \"other\"", .status = 200, .rctype = RL_MIME,
	  .etag = E_SAME, .rbody = DOC2 },
	{ .what = "GET If-Match: another ETag", .method = "GET",
	  .hdr = "If-Match: \"other\"", .status = 412, .etag = E_NONE },
	{ .what = "PUT If-Match: a wrong ETag", .method = "PUT",
	  .ctype = RL_MIME, .body = DOC1, .hdr = "If-Match: \"other\"",
	  .status = 412, .etag = E_NONE },
	{ .what = "unchanged", .method = "GET", .status = 200,
	  .rctype = RL_MIME, .etag = E_SAME, .rbody = DOC2 },
	{ .what = "PUT If-Match: its ETag", .method = "PUT", .ctype = RL_MIME,
	  .body = DOC1, .hdr = "If-Match: $E", .status = 200, .etag = E_NEW },
	{ .what = "PUT If-Match: *", .method = "PUT", .ctype = RL_MIME,
	  .body = DOC2, .hdr = "If-Match: *", .status = 200, .etag = E_NEW },
	{ .what = "PUT If-Match: its ETag unquoted", .method = "PUT",
	  .ctype = RL_MIME, .body = DOC1, .hdr = "If-Match: $e",
	  .status = 200, .etag = E_NEW },
	{ .what = "the old ETag no longer matches", .method = "GET",
	  .hdr = "If-None-Match: \"other\"", .status = 200, .etag = E_SAME },
	{ .what = "element PUT If-Match: wrong", .method = "PUT",
	  .ctype = EL_MIME, .node = "resource-lists/list[1]/entry[3]",
	  .body = EL_DAVE, .hdr = "If-Match: \"other\"", .status = 412,
	  .etag = E_NONE },
	{ .what = "element PUT If-Match: right", .method = "PUT",
	  .ctype = EL_MIME, .node = "resource-lists/list[1]/entry[3]",
	  .body = EL_DAVE, .hdr = "If-Match: $E", .status = 201,
	  .etag = E_NEW },
	{ .what = "element GET If-None-Match: the document's ETag",
	  .method = "GET", .node = "resource-lists/list[1]/entry[3]",
	  .hdr = "If-None-Match: $E", .status = 304, .etag = E_SAME },
	{ .what = "element GET: the document's ETag", .method = "GET",
	  .node = "resource-lists/list[1]/entry[3]", .status = 200,
	  .rctype = EL_MIME, .etag = E_SAME, .rbody = EL_DAVE },
	{ .what = "attribute GET: the document's ETag", .method = "GET",
	  .node = "resource-lists/list[1]/entry[3]/@uri", .status = 200,
	  .rctype = ATT_MIME, .etag = E_SAME, .rbody = "sip:dave@example.org" },
	{ .what = "attribute PUT If-Match: wrong", .method = "PUT",
	  .ctype = ATT_MIME, .node = "resource-lists/list[1]/@name",
	  .body = "x", .hdr = "If-Match: \"other\"", .status = 412,
	  .etag = E_NONE },
	{ .what = "element DELETE If-Match: wrong", .method = "DELETE",
	  .node = "resource-lists/list[1]/entry[3]",
	  .hdr = "If-Match: \"other\"", .status = 412, .etag = E_NONE },
	{ .what = "element DELETE If-Match: right", .method = "DELETE",
	  .node = "resource-lists/list[1]/entry[3]", .hdr = "If-Match: $E",
	  .status = 200, .etag = E_NEW },
	{ .what = "after it: the document as before", .method = "GET",
	  .status = 200, .etag = E_SAME, .rbody = DOC1 },
	{ .what = "DELETE If-Match: wrong", .method = "DELETE",
	  .hdr = "If-Match: \"other\"", .status = 412, .etag = E_NONE },
	{ .what = "still there", .method = "GET", .status = 200,
	  .etag = E_SAME, .rbody = DOC1 },
	{ .what = "DELETE If-Match: right", .method = "DELETE",
	  .hdr = "If-Match: $E", .status = 200 },
	{ .what = "gone", .method = "GET", .status = 404, .etag = E_NONE },
};

START_TEST(xcap_conditions)
{
	run_table("xcap_conditions", _i, "cond", condition_steps,
	    NSTEPS(condition_steps));
}
END_TEST

/* ---- who may touch what (issue 5 item 5) -------------------------------- */

#define BOB_DOC	"/resource-lists/users/" BOB "/$N"
#define BOB_NONE "/resource-lists/users/" BOB "/absent-$N"

static const struct step auth_steps[] = {
	{ .what = "bob creates his document", .method = "PUT", .who = BOB_ID,
	  .path = BOB_DOC, .ctype = RL_MIME, .body = DOC2, .status = 201,
	  .etag = E_NEW },
	{ .what = "alice GETs it", .method = "GET", .path = BOB_DOC,
	  .status = 403, .etag = E_NONE },
	{ .what = "alice GETs an absent one of bob's", .method = "GET",
	  .path = BOB_NONE, .status = 403, .etag = E_NONE, .same = 1 },
	{ .what = "alice PUTs over his", .method = "PUT", .path = BOB_DOC,
	  .ctype = RL_MIME, .body = DOC1, .status = 403, .etag = E_NONE },
	{ .what = "alice PUTs an absent one of bob's", .method = "PUT",
	  .path = BOB_NONE, .ctype = RL_MIME, .body = DOC1, .status = 403,
	  .etag = E_NONE, .same = 1 },
	{ .what = "alice PUTs a bad document over his", .method = "PUT",
	  .path = BOB_DOC, .ctype = RL_MIME, .body = "<x", .status = 403,
	  .etag = E_NONE, .same = 1 },
	{ .what = "alice PUTs with If-Match over his", .method = "PUT",
	  .path = BOB_DOC, .ctype = RL_MIME, .body = DOC1,
	  .hdr = "If-Match: $E", .status = 403, .etag = E_NONE, .same = 1 },
	{ .what = "alice DELETEs his", .method = "DELETE", .path = BOB_DOC,
	  .status = 403, .etag = E_NONE },
	{ .what = "alice DELETEs an absent one", .method = "DELETE",
	  .path = BOB_NONE, .status = 403, .etag = E_NONE, .same = 1 },
	{ .what = "alice GETs an element of his", .method = "GET",
	  .path = BOB_DOC, .node = "resource-lists/list[1]", .status = 403,
	  .etag = E_NONE },
	{ .what = "alice GETs an element of an absent one", .method = "GET",
	  .path = BOB_NONE, .node = "resource-lists/list[1]", .status = 403,
	  .etag = E_NONE, .same = 1 },
	{ .what = "alice PUTs an element into his", .method = "PUT",
	  .path = BOB_DOC, .node = "resource-lists/list[2]", .ctype = EL_MIME,
	  .body = "<list/>", .status = 403, .etag = E_NONE },
	{ .what = "alice PUTs an element into an absent one", .method = "PUT",
	  .path = BOB_NONE, .node = "resource-lists/list[2]",
	  .ctype = EL_MIME, .body = "<list/>", .status = 403, .etag = E_NONE,
	  .same = 1 },
	{ .what = "bob's document is unchanged", .method = "GET", .who = BOB_ID,
	  .path = BOB_DOC, .status = 200, .rctype = RL_MIME, .etag = E_SAME,
	  .rbody = DOC2 },
	{ .what = "alice's own", .method = "PUT", .ctype = RL_MIME,
	  .body = DOC1, .status = 201, .etag = E_NEW },
	{ .what = "bob GETs alice's", .method = "GET", .who = BOB_ID,
	  .status = 403, .etag = E_NONE },
	{ .what = "no identity", .method = "GET", .who = "", .status = 403,
	  .etag = E_NONE },
	{ .what = "no identity, PUT", .method = "PUT", .who = "",
	  .ctype = RL_MIME, .body = DOC2, .status = 403, .etag = E_NONE },
	{ .what = "no identity, DELETE", .method = "DELETE", .who = "",
	  .status = 403, .etag = E_NONE },
	{ .what = "an identity that is no URI", .method = "GET",
	  .who = "alice", .status = 403, .etag = E_NONE },
	{ .what = "an empty quoted identity", .method = "GET", .who = "\"\"",
	  .status = 403, .etag = E_NONE },
	{ .what = "unchanged by all that", .method = "GET", .status = 200,
	  .rctype = RL_MIME, .etag = E_SAME, .rbody = DOC1 },
	{ .what = "the identity in angle brackets", .method = "GET",
	  .who = "<" ALICE ">", .status = 200, .etag = E_SAME, .rbody = DOC1 },
	{ .what = "the identity with a display name and parameters",
	  .method = "GET", .who = "\"Alice\" <sip:alice@IMS.example.org;"
	  "user=phone>", .status = 200, .etag = E_SAME, .rbody = DOC1 },
	{ .what = "the XUI with the host in upper case", .method = "GET",
	  .path = "/resource-lists/users/sip:alice@IMS.EXAMPLE.ORG/$N",
	  .status = 200, .etag = E_SAME, .rbody = DOC1 },
	{ .what = "the XUI percent-encoded", .method = "GET",
	  .path = "/resource-lists/users/sip%3Aalice%40ims.example.org/$N",
	  .status = 200, .etag = E_SAME, .rbody = DOC1 },
	{ .what = "the XUI's user part is case-sensitive", .method = "GET",
	  .path = "/resource-lists/users/sip:Alice@ims.example.org/$N",
	  .status = 403, .etag = E_NONE },
	{ .what = "a tel: identity, its XUI without visual separators",
	  .method = "PUT", .who = "\"tel:+1-555-0100\"",
	  .path = "/resource-lists/users/tel:+15550100/$N", .ctype = RL_MIME,
	  .body = DOC2, .status = 201, .etag = E_NEW },
	{ .what = "and the other way round", .method = "GET",
	  .who = "<tel:+15550100>",
	  .path = "/resource-lists/users/tel:+1(555)0100/$N", .status = 200,
	  .etag = E_SAME, .rbody = DOC2 },
	{ .what = "another tel: number", .method = "GET",
	  .who = "<tel:+15550101>",
	  .path = "/resource-lists/users/tel:+15550100/$N", .status = 403,
	  .etag = E_NONE },
	{ .what = "unknown AUID", .method = "GET",
	  .path = "/no-such-auid/users/" ALICE "/$N", .status = 404,
	  .etag = E_NONE },
	{ .what = "unknown AUID, PUT", .method = "PUT",
	  .path = "/no-such-auid/users/" ALICE "/$N", .ctype = RL_MIME,
	  .body = DOC2, .status = 404, .etag = E_NONE },
	{ .what = "global tree, PUT", .method = "PUT",
	  .path = "/resource-lists/global/$N", .ctype = RL_MIME, .body = DOC2,
	  .status = 405, .etag = E_NONE, .rhdr = "Allow: GET" },
	{ .what = "global tree, element PUT", .method = "PUT",
	  .path = "/resource-lists/global/$N", .node = "resource-lists/list[1]",
	  .ctype = EL_MIME, .body = "<list/>", .status = 405, .etag = E_NONE,
	  .rhdr = "Allow: GET" },
	{ .what = "global tree, DELETE", .method = "DELETE",
	  .path = "/resource-lists/global/$N", .status = 405, .etag = E_NONE,
	  .rhdr = "Allow: GET" },
	{ .what = "global tree, GET of an absent document", .method = "GET",
	  .path = "/resource-lists/global/$N", .status = 404, .etag = E_NONE },
	{ .what = "outside the XCAP root", .method = "GET",
	  .path = "-other/resource-lists/users/" ALICE "/$N", .status = 404,
	  .etag = E_NONE },
	{ .what = "a dot-dot AUID", .method = "GET",
	  .path = "/../resource-lists/users/" ALICE "/$N", .status = 400,
	  .etag = E_NONE },
};

START_TEST(xcap_authorisation)
{
	run_table("xcap_authorisation", _i, "auth", auth_steps,
	    NSTEPS(auth_steps));
}
END_TEST

/* A request from 127.0.0.2 (not in trust.peers) on its own socket:
 * httpc cannot bind. The whole answer into `out`; its length, or -1. */
static ssize_t
request_from(const char *src, const char *url, const char *req, char *out,
    size_t size)
{
	struct sockaddr_in a;
	const char *port = strrchr(url, ':');
	struct pollfd p;
	size_t len = 0, n = strlen(req);
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
	    write(fd, req, n) != (ssize_t)n)
		goto fail;
	/* "Connection: close": read to the end */
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

START_TEST(xcap_untrusted_peer)
{
	const struct step put = { .what = "alice's document", .method = "PUT",
	    .ctype = RL_MIME, .body = DOC1, .status = 201, .etag = E_NEW };
	const struct step get = { .what = "unchanged", .method = "GET",
	    .status = 200, .etag = E_SAME, .rbody = DOC1 };
	char req[2048], ans[8192], target[512];
	const char *log = e2e_env(&shared, "PRESENCE_LOG");
	long pos;
	ssize_t n;

	px_init("xcap_untrusted_peer", &shared, &variants[0], "untrusted");
	run_step("xcap_untrusted_peer", &put);
	snprintf(target, sizeof(target), "%s" ALICE_HOME "/untrusted", X.root);
	pos = e2e_log_size(log);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n"
	    "X-3GPP-Asserted-Identity: " ALICE_ID "\r\nConnection: close"
	    "\r\n\r\n", target);
	n = request_from("127.0.0.2", X.base, req, ans, sizeof(ans));
	ck_assert_msg(n > 0, "no answer to 127.0.0.2: %s", strerror(errno));
	ck_assert_msg(strncmp(ans, "HTTP/1.1 403 ", 13) == 0, "GET from "
	    "127.0.0.2: expected 403, got: %s", ans);
	ck_assert_msg(strstr(ans, "alice's lists") == NULL &&
	    strcasestr(ans, "\r\nETag:") == NULL, "the 403 leaks: %s", ans);
	ck_assert_msg(e2e_wait_log(log, "XCAP-DENIED peer=127.0.0.2", &pos,
	    NULL, 0, E2E_WAIT_MS) == 0, "no XCAP-DENIED event line");
	snprintf(req, sizeof(req), "PUT %s HTTP/1.1\r\nHost: x\r\n"
	    "X-3GPP-Asserted-Identity: " ALICE_ID "\r\nContent-Type: " RL_MIME
	    "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s", target,
	    strlen(DOC2), DOC2);
	n = request_from("127.0.0.2", X.base, req, ans, sizeof(ans));
	ck_assert_msg(n > 0, "no answer to 127.0.0.2");
	ck_assert_msg(strncmp(ans, "HTTP/1.1 403 ", 13) == 0, "PUT from "
	    "127.0.0.2: expected 403, got: %s", ans);
	run_step("xcap_untrusted_peer", &get);
	px_done();
}
END_TEST

/* ---- xcap-caps (XCAP.md §1.10) ----------------------------------------- */

#define CAPS	"/xcap-caps/global/index"

static const struct step caps_steps[] = {
	{ .what = "GET xcap-caps", .method = "GET", .path = CAPS,
	  .status = 200, .rctype = CAPS_MIME, .etag = E_ANY },
	{ .what = "GET If-None-Match", .method = "GET", .path = CAPS,
	  .hdr = "If-None-Match: $E", .status = 304, .etag = E_SAME },
	{ .what = "GET an element of it", .method = "GET", .path = CAPS,
	  .node = "xcap-caps/auids", .status = 200, .rctype = EL_MIME,
	  .etag = E_SAME },
	{ .what = "PUT", .method = "PUT", .path = CAPS,
	  .ctype = CAPS_MIME, .body = "<xcap-caps xmlns=\"" NS_CAPS "\"/>",
	  .status = 405, .etag = E_NONE, .rhdr = "Allow: GET" },
	{ .what = "DELETE", .method = "DELETE", .path = CAPS, .status = 405,
	  .etag = E_NONE, .rhdr = "Allow: GET" },
	{ .what = "element DELETE", .method = "DELETE", .path = CAPS,
	  .node = "xcap-caps/auids", .status = 405, .etag = E_NONE,
	  .rhdr = "Allow: GET" },
	{ .what = "in the users tree", .method = "GET",
	  .path = "/xcap-caps/users/" ALICE "/index", .status = 404,
	  .etag = E_NONE },
	{ .what = "PUT in the users tree", .method = "PUT",
	  .path = "/xcap-caps/users/" ALICE "/index", .ctype = CAPS_MIME,
	  .body = "<xcap-caps xmlns=\"" NS_CAPS "\"/>", .status = 404,
	  .etag = E_NONE },
	{ .what = "another global document", .method = "GET",
	  .path = "/xcap-caps/global/other", .status = 404, .etag = E_NONE },
	{ .what = "GET again: the same ETag", .method = "GET", .path = CAPS,
	  .status = 200, .rctype = CAPS_MIME, .etag = E_SAME },
};

START_TEST(xcap_caps_table)
{
	run_table("xcap_caps_table", _i, "caps", caps_steps,
	    NSTEPS(caps_steps));
}
END_TEST

/* The texts of the `name` children of the root's `list` child, joined
 * with spaces. */
static void
caps_list(xmlNode *root, const char *list, const char *name, char *out,
    size_t size)
{
	xmlNode *l, *n;
	xmlChar *v;
	size_t o = 0;

	out[0] = '\0';
	for (l = root->children; l != NULL; l = l->next) {
		if (!is_el(l, NS_CAPS, list))
			continue;
		for (n = l->children; n != NULL; n = n->next) {
			if (!is_el(n, NS_CAPS, name))
				continue;
			v = xmlNodeGetContent(n);
			o += (size_t)snprintf(out + o, size - o, " %s ",
			    v != NULL ? (char *)v : "");
			xmlFree(v);
			if (o >= size)
				return;
		}
	}
}

START_TEST(xcap_caps_document)
{
	const struct step get = { .what = "GET xcap-caps", .method = "GET",
	    .path = CAPS, .status = 200, .rctype = CAPS_MIME };
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaValidCtxtPtr vc;
	xmlSchemaPtr schema;
	xmlDoc *doc;
	xmlNode *root, *n;
	char err[256], auids[1024], nss[2048];
	const char *order[3] = { "auids", "extensions", "namespaces" };
	int k = 0;

	px_init("xcap_caps_document", &shared, &variants[0], "caps");
	run_step("xcap_caps_document", &get);
	doc = xml_parse(X.r.body, X.r.body_len, HTTPC_BODY_MAX, err,
	    sizeof(err));
	ck_assert_msg(doc != NULL, "xcap-caps does not parse: %s", err);
	root = xmlDocGetRootElement(doc);
	ck_assert_msg(is_el(root, NS_CAPS, "xcap-caps"), "root is not "
	    "<xcap-caps xmlns=\"" NS_CAPS "\">: %s", X.r.body);
	/* RFC 4825 §12.2: auids, optional extensions, namespaces, in order */
	for (n = root->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		while (k < 3 && !is_el(n, NS_CAPS, order[k]))
			k++;
		ck_assert_msg(k < 3, "unexpected <%s> in xcap-caps", n->name);
	}
	caps_list(root, "auids", "auid", auids, sizeof(auids));
	ck_assert_msg(strstr(auids, " resource-lists ") != NULL &&
	    strstr(auids, " xcap-caps ") != NULL, "auids:%s", auids);
	caps_list(root, "namespaces", "namespace", nss, sizeof(nss));
	ck_assert_msg(strstr(nss, " " NS_RL " ") != NULL &&
	    strstr(nss, " " NS_CAPS " ") != NULL, "namespaces:%s", nss);
	/* and valid against the RFC 4825 §12.2 schema */
	pc = xmlSchemaNewParserCtxt(CAPS_XSD);
	ck_assert_ptr_nonnull(pc);
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	ck_assert_msg(schema != NULL, "cannot read " CAPS_XSD);
	vc = xmlSchemaNewValidCtxt(schema);
	ck_assert_ptr_nonnull(vc);
	ck_assert_msg(xmlSchemaValidateDoc(vc, doc) == 0, "xcap-caps is not "
	    "valid: %s", X.r.body);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xml_doc_free(doc);
	px_done();
}
END_TEST

/* ---- HTTP: pipelining, h2c ---------------------------------------------- */

START_TEST(xcap_pipelined)
{
	char req[8192], target[512];
	struct httpc_resp *r = &X.r;
	size_t n;

	px_init("xcap_pipelined", &shared, &variants[0], "pipe");
	snprintf(target, sizeof(target), "%s" ALICE_HOME "/pipe", X.root);
	/* PUT, GET, DELETE, GET, GET of xcap-caps in one write: each answer
	 * must come in order and reflect the ones before it (HTTP/1.1
	 * pipelining, issue 5 item 1) */
	n = (size_t)snprintf(req, sizeof(req),
	    "PUT %s HTTP/1.1\r\nHost: x\r\nX-3GPP-Asserted-Identity: " ALICE_ID
	    "\r\nContent-Type: " RL_MIME "\r\nContent-Length: %zu\r\n\r\n%s"
	    "GET %s HTTP/1.1\r\nHost: x\r\nX-3GPP-Asserted-Identity: " ALICE_ID
	    "\r\n\r\n"
	    "DELETE %s HTTP/1.1\r\nHost: x\r\nX-3GPP-Asserted-Identity: "
	    ALICE_ID "\r\n\r\n"
	    "GET %s HTTP/1.1\r\nHost: x\r\nX-3GPP-Asserted-Identity: " ALICE_ID
	    "\r\n\r\n"
	    "GET %s" CAPS " HTTP/1.1\r\nHost: x\r\nX-3GPP-Asserted-Identity: "
	    ALICE_ID "\r\n\r\n", target, strlen(DOC1), DOC1, target, target,
	    target, X.root);
	ck_assert_uint_lt(n, sizeof(req));
	ck_assert_msg(httpc_send_raw(&X.c, req, n) == 0, "%s", X.c.err);
	ck_assert_msg(httpc_recv(&X.c, r, ANSWER_MS) == 0, "%s", X.c.err);
	ck_assert_int_eq(r->status, 201);
	ck_assert_msg(httpc_recv(&X.c, r, ANSWER_MS) == 0, "%s", X.c.err);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(r->body, DOC1);
	ck_assert_msg(httpc_recv(&X.c, r, ANSWER_MS) == 0, "%s", X.c.err);
	ck_assert_int_eq(r->status, 200);
	ck_assert_msg(httpc_recv(&X.c, r, ANSWER_MS) == 0, "%s", X.c.err);
	ck_assert_int_eq(r->status, 404);
	ck_assert_msg(httpc_recv(&X.c, r, ANSWER_MS) == 0, "%s", X.c.err);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(httpc_header(r, "Content-Type"), CAPS_MIME);
	/* a chunked document PUT (two chunks), then GET, in one write */
	n = (size_t)snprintf(req, sizeof(req),
	    "PUT %s HTTP/1.1\r\nHost: x\r\nX-3GPP-Asserted-Identity: " ALICE_ID
	    "\r\nContent-Type: " RL_MIME "\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n%zx\r\n%.20s\r\n%zx\r\n%s\r\n0\r\n\r\n"
	    "GET %s HTTP/1.1\r\nHost: x\r\nX-3GPP-Asserted-Identity: " ALICE_ID
	    "\r\n\r\n", target, (size_t)20, DOC2, strlen(DOC2) - 20, DOC2 + 20,
	    target);
	ck_assert_uint_lt(n, sizeof(req));
	ck_assert_msg(httpc_send_raw(&X.c, req, n) == 0, "%s", X.c.err);
	ck_assert_msg(httpc_recv(&X.c, r, ANSWER_MS) == 0, "%s", X.c.err);
	ck_assert_int_eq(r->status, 201);
	ck_assert_msg(httpc_recv(&X.c, r, ANSWER_MS) == 0, "%s", X.c.err);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(r->body, DOC2);
	ck_assert_int_eq(X.c.connects, 1);
	px_done();
}
END_TEST

/*
 * nghttp -v, to see the protocol itself: by prior knowledge the first
 * frames are HTTP/2; with -u the 101 and "HTTP Upgrade success". A PUT and
 * a GET each way, status and body asserted.
 */
START_TEST(xcap_h2c_nghttp)
{
	static struct e2e_run r;
	const char *ng = nghttp_path();
	char url[512], body[300];
	int up;
	FILE *f;

	if (ng == NULL) {
		fprintf(stderr, "SKIP: xcap_h2c_nghttp: nghttp is not "
		    "installed (Debian nghttp2-client)\n");
		return;
	}
	snprintf(body, sizeof(body), "%s/h2c-body", shared.dir);
	f = fopen(body, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(DOC1, f);
	fclose(f);
	for (up = 0; up < 2; up++) {
		const char *how = up ? "Upgrade" : "prior knowledge";

		snprintf(url, sizeof(url), "%s%s" ALICE_HOME "/h2c-%d",
		    e2e_env(&shared, "PRESENCE_URL"),
		    e2e_env(&shared, "XCAP_ROOT"), up);
		e2e_run(&r, (const char *[]){ ng, "-v", "-H", ":method: PUT",
		    "-H", "x-3gpp-asserted-identity: " ALICE_ID, "-H",
		    "content-type: " RL_MIME, "-d", body, url, up ? "-u" : NULL,
		    NULL });
		ck_assert_msg(r.status == 0, "nghttp PUT (%s): %s", how, r.err);
		/* with -u and a body nghttp upgrades with OPTIONS *, then
		 * sends the PUT on a stream of its own */
		ck_assert_msg((strstr(r.out, "HTTP Upgrade success") != NULL) ==
		    up, "nghttp PUT (%s): %s", how, r.out);
		ck_assert_msg(strstr(r.out, ") :status: 201") != NULL,
		    "nghttp PUT (%s): no 201: %s", how, r.out);
		e2e_run(&r, (const char *[]){ ng, "-v", "-H",
		    "x-3gpp-asserted-identity: " ALICE_ID, url,
		    up ? "-u" : NULL, NULL });
		ck_assert_msg(r.status == 0, "nghttp GET (%s): %s", how, r.err);
		ck_assert_msg((strstr(r.out, "HTTP Upgrade success") != NULL) ==
		    up, "nghttp GET (%s): %s", how, r.out);
		/* after "101 Switching Protocols" the answer comes on stream 1
		 * (RFC 7540 §3.2) */
		ck_assert_msg(strstr(r.out, up ? "(stream_id=1) :status: 200" :
		    ") :status: 200") != NULL, "nghttp GET (%s): no 200: %s",
		    how, r.out);
		ck_assert_msg(strstr(r.out, ") content-type: " RL_MIME "\n") !=
		    NULL, "nghttp GET (%s): %s", how, r.out);
		ck_assert_msg(strstr(r.out, DOC1) != NULL, "nghttp GET (%s): "
		    "not the bytes PUT: %s", how, r.out);
	}
}
END_TEST

/* ---- configurations of their own ---------------------------------------- */

/* A resource-lists document of about `size` octets. */
static void
sized_doc(char *out, size_t size, const char *name)
{
	size_t n;

	n = (size_t)snprintf(out, size, RL_OPEN "<list name=\"%s\"><entry "
	    "uri=\"sip:x@example.org\"><display-name>", name);
	ck_assert_uint_lt(n + 64, size);
	memset(out + n, 'a', size - n - 64);
	snprintf(out + size - 64, 64, "</display-name></entry></list>"
	    RL_CLOSE);
}

/* quota.documents=2, quota.bytes=3000: 409 constraint-failure naming the
 * quota (decision table); replacements and other users unaffected. */
START_TEST(xcap_quota)
{
	static struct e2e_stack s;
	static char big[3600], huge_el[3000];
	char small[400];
	const char *test = "xcap_quota";

	e2e_stack_up(&s, (const char *[]){ "--presence-opt", "quota.documents=2",
	    "--presence-opt", "quota.bytes=3000", NULL });
	px_init(test, &s, &variants[0], "a");
	sized_doc(big, sizeof(big), "big");
	sized_doc(small, sizeof(small), "small");
	snprintf(huge_el, sizeof(huge_el), "<entry uri=\"sip:y@example.org\">"
	    "<display-name>%02600d</display-name></entry>", 0);
	{
		const struct step steps[] = {
			{ .what = "first document", .method = "PUT",
			  .path = ALICE_HOME "/a", .ctype = RL_MIME,
			  .body = small, .status = 201, .etag = E_NEW },
			{ .what = "second document", .method = "PUT",
			  .path = ALICE_HOME "/b", .ctype = RL_MIME,
			  .body = small, .status = 201, .etag = E_NEW },
			{ .what = "third document", .method = "PUT",
			  .path = ALICE_HOME "/c", .ctype = RL_MIME,
			  .body = small, .status = 409,
			  .xerr = "constraint-failure",
			  .detail = "quota.documents" },
			{ .what = "not stored", .method = "GET",
			  .path = ALICE_HOME "/c", .status = 404 },
			{ .what = "replacing is no new document",
			  .method = "PUT",
			  .path = ALICE_HOME "/a", .ctype = RL_MIME,
			  .body = DOC2, .status = 200, .etag = E_NEW },
			{ .what = "over the bytes", .method = "PUT",
			  .path = ALICE_HOME "/a", .ctype = RL_MIME,
			  .body = big, .status = 409,
			  .xerr = "constraint-failure",
			  .detail = "quota.bytes" },
			{ .what = "unchanged", .method = "GET",
			  .path = ALICE_HOME "/a", .status = 200,
			  .etag = E_SAME, .rbody = DOC2 },
			{ .what = "an element over the bytes", .method = "PUT",
			  .path = ALICE_HOME "/a",
			  .node = "resource-lists/list[1]/entry[1]",
			  .ctype = EL_MIME, .body = huge_el, .status = 409,
			  .xerr = "constraint-failure",
			  .detail = "quota.bytes" },
			{ .what = "unchanged", .method = "GET",
			  .path = ALICE_HOME "/a", .status = 200,
			  .etag = E_SAME, .rbody = DOC2 },
			{ .what = "bob has his own quota", .method = "PUT",
			  .who = BOB_ID, .path = "/resource-lists/users/" BOB
			  "/c", .ctype = RL_MIME, .body = small, .status = 201,
			  .etag = E_NEW },
			{ .what = "delete one", .method = "DELETE",
			  .path = ALICE_HOME "/b", .status = 200 },
			{ .what = "now the third fits", .method = "PUT",
			  .path = ALICE_HOME "/c", .ctype = RL_MIME,
			  .body = small, .status = 201, .etag = E_NEW },
		};

		run_steps(test, steps, NSTEPS(steps));
	}
	px_done();
	e2e_stack_down(&s);
}
END_TEST

/* xcap.doc_max=4096 → 413; xcap.head_max=2048 → 431; the server goes
 * on serving. */
START_TEST(xcap_limits)
{
	static struct e2e_stack s;
	static char big[5000], fits[4000], filler[3100], fhdr[3200];
	const char *test = "xcap_limits";
	int vi;

	e2e_stack_up(&s, (const char *[]){ "--presence-opt", "xcap.doc_max=4096",
	    "--presence-opt", "xcap.head_max=2048", NULL });
	sized_doc(big, sizeof(big), "big");
	sized_doc(fits, sizeof(fits), "fits");
	memset(filler, 'f', sizeof(filler) - 1);
	snprintf(fhdr, sizeof(fhdr), "X-Filler: %s", filler);
	for (vi = 0; vi < N_VARIANTS; vi += 2) {
		const struct step steps[] = {
			{ .what = "a body over xcap.doc_max", .method = "PUT",
			  .ctype = RL_MIME, .body = big, .status = 413,
			  .etag = E_NONE },
			{ .what = "not stored", .method = "GET", .status = 404,
			  .etag = E_NONE },
			{ .what = "a head over xcap.head_max", .method = "GET",
			  .hdr = fhdr, .status = 431, .etag = E_NONE },
			{ .what = "a body under it", .method = "PUT",
			  .ctype = RL_MIME, .body = fits, .status = 201,
			  .etag = E_NEW },
			{ .what = "GET it", .method = "GET", .status = 200,
			  .etag = E_SAME, .rbody = fits },
		};

		if (px_init(test, &s, &variants[vi], vi ? "h2" : "h1") != 0)
			continue;
		run_steps(test, steps, NSTEPS(steps));
		px_done();
	}
	e2e_stack_down(&s);
}
END_TEST

/* trust.secret: trusted peers must also send X-Utstack-Peer-Secret. */
START_TEST(xcap_trust_secret)
{
	static struct e2e_stack s;
	const char *test = "xcap_trust_secret";
	const struct step steps[] = {
		{ .what = "without the secret", .method = "PUT",
		  .ctype = RL_MIME, .body = DOC2, .status = 403,
		  .etag = E_NONE },
		{ .what = "with a wrong secret", .method = "PUT",
		  .ctype = RL_MIME, .body = DOC2,
		  .hdr = "X-Utstack-Peer-Secret: s3cret", .status = 403,
		  .etag = E_NONE },
		{ .what = "with the secret", .method = "PUT", .ctype = RL_MIME,
		  .body = DOC2, .hdr = "X-Utstack-Peer-Secret: s3cret-e2e",
		  .status = 201, .etag = E_NEW },
		{ .what = "GET without it", .method = "GET", .status = 403,
		  .etag = E_NONE },
		{ .what = "GET with it", .method = "GET",
		  .hdr = "X-Utstack-Peer-Secret: s3cret-e2e", .status = 200,
		  .etag = E_SAME, .rbody = DOC2 },
	};

	e2e_stack_up(&s, (const char *[]){ "--presence-opt",
	    "trust.secret=s3cret-e2e", NULL });
	px_init(test, &s, &variants[0], "secret");
	run_steps(test, steps, NSTEPS(steps));
	px_done();
	e2e_stack_down(&s);
}
END_TEST

/* ---- kill -9 durability ----------------------------------------------- */

/* SIGKILL `pid` and wait until it is gone (a pidfd, no sleeping). */
static void
kill9(pid_t pid)
{
	struct pollfd p;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	ck_assert_msg(fd >= 0, "pidfd_open(%ld): %s", (long)pid,
	    strerror(errno));
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	p.fd = fd;
	p.events = POLLIN;
	ck_assert_msg(poll(&p, 1, E2E_WAIT_MS) == 1, "pid %ld lives on",
	    (long)pid);
	close(fd);
	waitpid(pid, NULL, WNOHANG);	/* ours after a restart */
}

/* Start presence again with the stack's config, its log appended; wait
 * for LISTENING name=xcap and point X at the new address. */
static pid_t
presence_restart(const struct e2e_stack *s)
{
	const char *log = e2e_env(s, "PRESENCE_LOG");
	char conf[512], prog[1024], line[512], *a;
	long pos = e2e_log_size(log);
	pid_t pid;
	int fd;

	snprintf(conf, sizeof(conf), "%s/presence.conf", s->dir);
	snprintf(prog, sizeof(prog), "%s", e2e_prog("presence"));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_APPEND);
		dup2(fd, 1);
		dup2(fd, 2);
		close(0);
		open("/dev/null", O_RDONLY);
		execl(prog, "presence", "-c", conf, "-f", (char *)NULL);
		_exit(127);
	}
	e2e_sweep_note(NULL, (long)pid);
	ck_assert_msg(e2e_wait_log(log, "LISTENING name=xcap", &pos, line,
	    sizeof(line), E2E_WAIT_MS) == 0, "the restarted presence did not "
	    "listen");
	ck_assert_ptr_nonnull(a = strstr(line, "addr="));
	a[5 + strcspn(a + 5, " \n")] = '\0';
	httpc_close(&X.c);
	snprintf(X.base, sizeof(X.base), "http://%s", a + 5);
	ck_assert_msg(httpc_open(&X.c, X.base) == 0, "%s", X.c.err);
	return pid;
}

START_TEST(xcap_kill9_durability)
{
	static struct e2e_stack s;
	const char *test = "xcap_kill9_durability";
	char etag[128];
	pid_t pid;
	const struct step before[] = {
		{ .what = "a document", .method = "PUT", .ctype = RL_MIME,
		  .body = EL0, .status = 201, .etag = E_NEW },
		{ .what = "a second one", .method = "PUT",
		  .path = ALICE_HOME "/gone", .ctype = RL_MIME, .body = DOC2,
		  .status = 201, .etag = E_NEW },
		{ .what = "deleted", .method = "DELETE",
		  .path = ALICE_HOME "/gone", .status = 200 },
		{ .what = "an element spliced in", .method = "PUT",
		  .ctype = EL_MIME, .node = "resource-lists/list[1]/entry[2]",
		  .body = EL_CAROL2, .status = 200, .etag = E_NEW },
	};
	const struct step after[] = {
		{ .what = "the last write survived", .method = "GET",
		  .status = 200, .rctype = RL_MIME, .etag = E_SAME,
		  .rbody = EL1 },
		{ .what = "the delete survived", .method = "GET",
		  .path = ALICE_HOME "/gone", .status = 404, .etag = E_NONE },
	};
	const struct step failures[] = {
		{ .what = "PUT not well-formed", .method = "PUT",
		  .ctype = RL_MIME, .body = RL_OPEN "<list>", .status = 409,
		  .xerr = "not-well-formed" },
		{ .what = "PUT invalid", .method = "PUT", .ctype = RL_MIME,
		  .body = BAD_SCHEMA, .status = 409,
		  .xerr = "schema-validation-error" },
		{ .what = "PUT not unique", .method = "PUT", .ctype = RL_MIME,
		  .body = RL_OPEN "<list name=\"a\"/><list name=\"a\"/>"
		  RL_CLOSE, .status = 409, .xerr = "uniqueness-failure",
		  .detail = "list/@name" },
		{ .what = "element PUT that cannot insert", .method = "PUT",
		  .ctype = EL_MIME,
		  .node = "resource-lists/list[1]/entry[@uri=\"sip:x@y\"]",
		  .body = "<entry uri=\"sip:z@y\"/>", .status = 409,
		  .xerr = "cannot-insert" },
		{ .what = "element PUT not unique", .method = "PUT",
		  .ctype = EL_MIME, .node = "resource-lists/list[1]/entry[3]",
		  .body = "<entry uri=\"sip:bob@example.org\"/>",
		  .status = 409, .xerr = "uniqueness-failure",
		  .detail = "entry/@uri" },
		{ .what = "element DELETE that cannot delete",
		  .method = "DELETE", .node = "resource-lists/list[1]/entry[1]",
		  .status = 409, .xerr = "cannot-delete" },
		{ .what = "PUT with a stale If-Match", .method = "PUT",
		  .ctype = RL_MIME, .body = DOC2, .hdr = "If-Match: \"stale\"",
		  .status = 412, .etag = E_NONE },
		{ .what = "nothing changed", .method = "GET", .status = 200,
		  .rctype = RL_MIME, .etag = E_SAME, .rbody = EL1 },
	};

	e2e_stack_up(&s, NULL);
	px_init(test, &s, &variants[0], "durable");
	run_steps(test, before, NSTEPS(before));
	snprintf(etag, sizeof(etag), "%s", X.etag);
	/* right after the 2xx: nothing may be lost */
	kill9((pid_t)atoi(e2e_env(&s, "PRESENCE_PID")));
	pid = presence_restart(&s);
	run_steps(test, after, NSTEPS(after));
	ck_assert_str_eq(X.etag, etag);
	run_steps(test, failures, NSTEPS(failures));
	/* and the failures left nothing behind on disk either */
	kill9(pid);
	pid = presence_restart(&s);
	run_steps(test, after, NSTEPS(after));
	ck_assert_str_eq(X.etag, etag);
	px_done();
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	e2e_stack_down(&s);
}
END_TEST

Suite *
suite_e2e_presence(void)
{
	Suite *s = suite_create("e2e_presence");
	TCase *xc = tcase_create("xcap"), *own = tcase_create("own-stack");

	tcase_set_timeout(xc, 60);
	tcase_add_unchecked_fixture(xc, shared_up, shared_down);
	tcase_add_loop_test(xc, xcap_documents, 0, N_VARIANTS);
	tcase_add_loop_test(xc, xcap_document_content_types, 0, N_VARIANTS);
	tcase_add_loop_test(xc, xcap_document_conflicts, 0,
	    N_CONFLICTS * N_VARIANTS);
	tcase_add_loop_test(xc, xcap_elements, 0, N_VARIANTS);
	tcase_add_loop_test(xc, xcap_attributes, 0, N_VARIANTS);
	tcase_add_loop_test(xc, xcap_namespaces, 0, N_VARIANTS);
	tcase_add_loop_test(xc, xcap_insertion_rules, 0, N_INS * N_VARIANTS);
	tcase_add_loop_test(xc, xcap_conditions, 0, N_VARIANTS);
	tcase_add_loop_test(xc, xcap_authorisation, 0, N_VARIANTS);
	tcase_add_test(xc, xcap_untrusted_peer);
	tcase_add_loop_test(xc, xcap_caps_table, 0, N_VARIANTS);
	tcase_add_test(xc, xcap_caps_document);
	tcase_add_test(xc, xcap_pipelined);
	tcase_add_test(xc, xcap_h2c_nghttp);
	suite_add_tcase(s, xc);

	tcase_set_timeout(own, 60);
	tcase_add_unchecked_fixture(own, e2e_sweep_setup, e2e_sweep_teardown);
	tcase_add_test(own, xcap_quota);
	tcase_add_test(own, xcap_limits);
	tcase_add_test(own, xcap_trust_secret);
	tcase_add_test(own, xcap_kill9_durability);
	suite_add_tcase(s, own);
	return s;
}
