/*
 * presence_policy.c — the combined result of a presentity's presence
 * authorisation rules for one watcher: RFC 4745 (common-policy) rule
 * matching and combining, RFC 5025 (pres-rules) actions and
 * transformations, and the OMA conditions and transformations that
 * ../shared/spec/XCAP.md §2.5 names. What a SIP presence server asks
 * before it accepts a SUBSCRIBE (GET /policy/eval, presence_xcap.c).
 *
 * Matching (RFC 4745 §7, §10.1): a rule applies when every child of its
 * <conditions> is true (no <conditions>: always). A condition this code
 * does not understand is false (RFC 4745 §7), so such a rule never
 * applies. Conditions:
 *  - <identity>: one of its <one id> equals the watcher, or one of its
 *    <many [domain]> covers the watcher's domain (any domain when absent)
 *    and none of that <many>'s <except domain|id> excludes it. URIs are
 *    compared normalised (pres_normalise_uri); domains case-insensitively.
 *    An anonymous watcher (sip:anonymous@anonymous.invalid, RFC 3323) has
 *    no identity to match;
 *  - <sphere value>: the presentity's current sphere (a query parameter;
 *    unknown → false) is one of the value's space-separated tokens,
 *    compared case-insensitively;
 *  - <validity>: now is inside one of its from–until pairs (inclusive; a
 *    dateTime without a zone is taken as UTC);
 *  - OMA <external-list>: the watcher is an entry of one of the resource
 *    lists its <entry anc> name (resolved by the caller); OMA
 *    <anonymous-request>: the watcher is anonymous; OMA <other-identity>:
 *    the watcher is not anonymous and no rule's <identity> or
 *    <external-list> condition names it.
 *
 * Combining (RFC 4745 §10.2, RFC 5025 §3.2.1, §3.3): over every matching
 * rule of every document evaluated, sub-handling is the maximum of
 * block (0) < confirm (10) < polite-block (20) < allow (30); boolean
 * transformations are OR-ed; provide-user-input is the maximum of false <
 * bare < thresholds < full; provide-services/-persons/-devices are the
 * union of their items (all-... wins); provide-unknown-attribute is the
 * union of the (ns, name) pairs granted; provide-all-attributes is OR-ed;
 * OMA provide-geopriv (values not described) is the union of its values
 * other than "false". When no matching rule sets sub-handling, the
 * configured default applies (policy.default_sub_handling).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "presence.h"
#include "xml.h"

#define NS_CP		"urn:ietf:params:xml:ns:common-policy"
#define NS_PR		"urn:ietf:params:xml:ns:pres-rules"
#define NS_OCP		"urn:oma:xml:xdm:common-policy"
#define NS_OPR		"urn:oma:xml:prs:pres-rules"
#define NS_EVAL		"urn:utstack:params:xml:ns:policy-eval"
#define ANONYMOUS	"sip:anonymous@anonymous.invalid"
#define RULES_MAX	100000	/* rules evaluated per request */

/* Boolean transformations: pres-rules' (RFC 5025 §3.3.2) then OMA's. */
static const struct {
	const char	*ns, *name;
} booleans[] = {
	{ NS_PR, "provide-activities" }, { NS_PR, "provide-class" },
	{ NS_PR, "provide-deviceID" }, { NS_PR, "provide-mood" },
	{ NS_PR, "provide-place-is" }, { NS_PR, "provide-place-type" },
	{ NS_PR, "provide-privacy" }, { NS_PR, "provide-relationship" },
	{ NS_PR, "provide-status-icon" }, { NS_PR, "provide-sphere" },
	{ NS_PR, "provide-time-offset" }, { NS_PR, "provide-note" },
	{ NS_OPR, "provide-willingness" },
	{ NS_OPR, "provide-network-availability" },
	{ NS_OPR, "provide-session-participation" },
	{ NS_OPR, "provide-registration-state" },
	{ NS_OPR, "provide-barring-state" },
};
#define N_BOOLEANS	(sizeof(booleans) / sizeof(booleans[0]))

static const char *const user_input[] = { "false", "bare", "thresholds",
	"full" };

/* The component sets (RFC 5025 §3.3.1) and the items they may list. */
enum { SET_SERVICES, SET_PERSONS, SET_DEVICES, N_SETS };
static const struct {
	const char	*name, *all;
	const char	*items[6];	/* pres-rules names; "op:" = OMA's */
} sets[N_SETS] = {
	{ "provide-services", "all-services", { "service-uri",
	  "service-uri-scheme", "occurrence-id", "class", "op:service-id",
	  NULL } },
	{ "provide-persons", "all-persons", { "occurrence-id", "class", NULL } },
	{ "provide-devices", "all-devices", { "deviceID", "occurrence-id",
	  "class", NULL } },
};

/* A growable list of strings (pairs are stored as two entries). */
struct strv {
	char	**v;
	size_t	  n;
};

struct set {
	int		present;	/* some matching rule has it */
	int		all;
	struct strv	kinds, values;	/* parallel */
};

struct rule {
	size_t		 doc;		/* index into docs */
	xmlNode		*node;
	int		 ext_hit;	/* an external-list condition names
					 * the watcher */
	int		 ident_hit;	/* an identity or external-list one */
};

struct pres_policy {
	struct pres_policy_query q;
	char		 domain[PRES_OWNER_MAX];	/* the watcher's */
	int		 anonymous;

	struct {
		char	auid[PRES_AUID_MAX];
		char	path[PRES_PATH_MAX];
		xmlDoc	*doc;
	}		*docs;
	size_t		 ndocs;
	struct rule	*rules;
	size_t		 nrules;

	/* the result */
	int		 sub;
	int		 is_default;
	struct strv	 matched;	/* auid, path, id triples */
	int		 bools[N_BOOLEANS];
	int		 user_input;	/* -1: none */
	struct set	 set[N_SETS];
	struct strv	 unknown;	/* ns, name pairs */
	int		 all_attributes;
	struct strv	 geopriv;
};

/* ---- small helpers ---------------------------------------------------- */

static int
strv_add(struct strv *s, const char *v)
{
	return pres_strs_add(&s->v, &s->n, v);
}

static void
strv_clear(struct strv *s)
{
	pres_strs_clear(&s->v, &s->n);
}

/* Index of the `width`-tuple (a, b) in `s` (b NULL when width is 1), or
 * -1. */
static long
strv_find(const struct strv *s, size_t width, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i + width <= s->n; i += width)
		if (strcmp(s->v[i], a) == 0 && (b == NULL ||
		    strcmp(s->v[i + 1], b) == 0))
			return (long)i;
	return -1;
}

/* An attribute's value compared as a normalised URI with `uri`. */
static int
attr_is_uri(xmlNode *n, const char *attr, const char *uri)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
	char norm[PRES_OWNER_MAX];
	int eq;

	eq = v != NULL && pres_normalise_uri((const char *)v, norm,
	    sizeof(norm)) == 0 && strcmp(norm, uri) == 0;
	xmlFree(v);
	return eq;
}

static int
attr_is_domain(xmlNode *n, const char *attr, const char *domain)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
	int eq;

	eq = v != NULL && domain[0] != '\0' &&
	    strcasecmp((const char *)v, domain) == 0;
	xmlFree(v);
	return eq;
}

const char *
pres_sub_name(int v)
{
	switch (v) {
	case PRES_SUB_BLOCK:		return "block";
	case PRES_SUB_CONFIRM:		return "confirm";
	case PRES_SUB_POLITE_BLOCK:	return "polite-block";
	case PRES_SUB_ALLOW:		return "allow";
	default:			return NULL;
	}
}

int
pres_sub_value(const char *name)
{
	static const int v[] = { PRES_SUB_BLOCK, PRES_SUB_CONFIRM,
	    PRES_SUB_POLITE_BLOCK, PRES_SUB_ALLOW };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strcmp(name, pres_sub_name(v[i])) == 0)
			return v[i];
	return -1;
}

/* ---- xs:dateTime -------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/*
 * An xs:dateTime ("2026-01-31T12:00:00Z", fractions and "+hh:mm" zones
 * allowed; no zone: UTC) as seconds since the epoch. 0 or -1.
 */
static int
parse_datetime(const char *s, long long *out)
{
	int y, mo, d, h, mi, sec, n = 0, zh, zm;
	long long t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
	    &n) != 6 || n != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 24 || mi > 59 || sec > 60 || y < 0 || h < 0 || mi < 0 ||
	    sec < 0)
		return -1;
	s += n;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			;
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400LL +
	    h * 3600LL + mi * 60LL + sec;
	if (*s == 'Z')
		s++;
	else if (*s == '+' || *s == '-') {
		if (sscanf(s + 1, "%2d:%2d%n", &zh, &zm, &n) != 2 || n != 5)
			return -1;
		t -= (*s == '+' ? 1 : -1) * (zh * 3600LL + zm * 60LL);
		s += 6;
	}
	if (*s != '\0')
		return -1;
	*out = t;
	return 0;
}

/* ---- conditions (RFC 4745 §7) ----------------------------------------- */

static int
identity_match(const struct pres_policy *p, xmlNode *id)
{
	xmlNode *c, *e;
	xmlChar *dom;
	int ok;

	if (p->anonymous)
		return 0;
	for (c = id->children; c != NULL; c = c->next) {
		if (pres_is_el(c, NS_CP, "one") && attr_is_uri(c, "id",
		    p->q.watcher))
			return 1;
		if (!pres_is_el(c, NS_CP, "many"))
			continue;
		dom = xmlGetProp(c, (const xmlChar *)"domain");
		ok = dom == NULL || attr_is_domain(c, "domain", p->domain);
		xmlFree(dom);
		for (e = c->children; ok && e != NULL; e = e->next)
			if (pres_is_el(e, NS_CP, "except") &&
			    (attr_is_domain(e, "domain", p->domain) ||
			    attr_is_uri(e, "id", p->q.watcher)))
				ok = 0;
		if (ok)
			return 1;
	}
	return 0;
}

static int
sphere_match(const struct pres_policy *p, xmlNode *sp)
{
	xmlChar *v = xmlGetProp(sp, (const xmlChar *)"value");
	const char *s = v != NULL ? (const char *)v : "";
	size_t n, k = p->q.sphere != NULL ? strlen(p->q.sphere) : 0;
	int hit = 0;

	while (k > 0 && *s != '\0' && !hit) {
		s += strspn(s, " \t\r\n");
		n = strcspn(s, " \t\r\n");
		hit = n == k && strncasecmp(s, p->q.sphere, n) == 0;
		s += n;
	}
	xmlFree(v);
	return hit;
}

static int
validity_match(const struct pres_policy *p, xmlNode *va)
{
	xmlNode *c;
	char text[64];
	long long from = 0, until, now = (long long)p->q.now;
	int have_from = 0;

	for (c = va->children; c != NULL; c = c->next) {
		if (pres_is_el(c, NS_CP, "from")) {
			pres_text(c, text, sizeof(text));
			have_from = parse_datetime(text, &from) == 0;
		} else if (pres_is_el(c, NS_CP, "until") && have_from) {
			pres_text(c, text, sizeof(text));
			if (parse_datetime(text, &until) == 0 && from <= now &&
			    now <= until)
				return 1;
			have_from = 0;
		}
	}
	return 0;
}

static int
external_match(const struct pres_policy *p, xmlNode *el)
{
	xmlNode *e;
	xmlChar *anc;
	int hit = 0;

	if (p->anonymous || p->q.in_list == NULL)
		return 0;
	for (e = el->children; e != NULL && !hit; e = e->next) {
		if (!pres_is_el(e, NS_OCP, "entry") ||
		    (anc = xmlGetProp(e, (const xmlChar *)"anc")) == NULL)
			continue;
		hit = p->q.in_list(p->q.arg, (const char *)anc,
		    p->q.watcher) == 1;
		xmlFree(anc);
	}
	return hit;
}

/* Pass 1: the identity-type conditions of every rule, for OMA's
 * <other-identity>. */
static void
identities(struct pres_policy *p, struct rule *r)
{
	xmlNode *cond = pres_child(r->node, NS_CP, "conditions"), *c;

	if (cond == NULL)
		return;
	for (c = cond->children; c != NULL; c = c->next) {
		if (pres_is_el(c, NS_CP, "identity") && identity_match(p, c))
			r->ident_hit = 1;
		if (pres_is_el(c, NS_OCP, "external-list") &&
		    external_match(p, c))
			r->ident_hit = r->ext_hit = 1;
	}
}

/* Pass 2: does the rule apply? */
static int
rule_applies(const struct pres_policy *p, const struct rule *r,
    int other_identity)
{
	xmlNode *cond = pres_child(r->node, NS_CP, "conditions"), *c;
	int ok;

	if (cond == NULL)
		return 1;
	for (c = cond->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (pres_is_el(c, NS_CP, "identity"))
			ok = identity_match(p, c);
		else if (pres_is_el(c, NS_CP, "sphere"))
			ok = sphere_match(p, c);
		else if (pres_is_el(c, NS_CP, "validity"))
			ok = validity_match(p, c);
		else if (pres_is_el(c, NS_OCP, "external-list"))
			ok = r->ext_hit;
		else if (pres_is_el(c, NS_OCP, "anonymous-request"))
			ok = p->anonymous;
		else if (pres_is_el(c, NS_OCP, "other-identity"))
			ok = other_identity;
		else
			ok = 0;		/* not understood: FALSE (RFC 4745 §7) */
		if (!ok)
			return 0;
	}
	return 1;
}

/* ---- combining (RFC 4745 §10.2) ----------------------------------------- */

static int
set_merge(struct set *s, xmlNode *el, size_t which)
{
	xmlNode *c;
	char text[1024], kind[32];
	size_t k;
	const char *name;
	long at;

	s->present = 1;
	for (c = el->children; c != NULL; c = c->next) {
		if (pres_is_el(c, NS_PR, sets[which].all)) {
			s->all = 1;
			continue;
		}
		for (k = 0; (name = sets[which].items[k]) != NULL; k++)
			if (strncmp(name, "op:", 3) == 0 ?
			    pres_is_el(c, NS_OPR, name + 3) :
			    pres_is_el(c, NS_PR, name))
				break;
		if (name == NULL)
			continue;	/* another namespace's: not ours */
		snprintf(kind, sizeof(kind), "%s", strncmp(name, "op:", 3) ==
		    0 ? name + 3 : name);
		pres_text(c, text, sizeof(text));
		for (at = 0; (size_t)at < s->kinds.n; at++)
			if (strcmp(s->kinds.v[at], kind) == 0 &&
			    strcmp(s->values.v[at], text) == 0)
				break;
		if ((size_t)at < s->kinds.n)
			continue;
		if (strv_add(&s->kinds, kind) != 0 ||
		    strv_add(&s->values, text) != 0)
			return -1;
	}
	return 0;
}

static int
is_true(xmlNode *n)
{
	char text[16];

	pres_text(n, text, sizeof(text));
	return strcmp(text, "true") == 0 || strcmp(text, "1") == 0;
}

static int
combine(struct pres_policy *p, const struct rule *r)
{
	xmlNode *a, *t, *c;
	char text[256];
	xmlChar *ns, *name;
	size_t i;
	int v, rc = 0;

	if ((a = pres_child(r->node, NS_CP, "actions")) != NULL)
		for (c = a->children; c != NULL; c = c->next)
			if (pres_is_el(c, NS_PR, "sub-handling")) {
				pres_text(c, text, sizeof(text));
				if ((v = pres_sub_value(text)) > p->sub)
					p->sub = v;
			}
	if ((t = pres_child(r->node, NS_CP, "transformations")) == NULL)
		return 0;
	for (c = t->children; c != NULL && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (i = 0; i < N_BOOLEANS; i++)
			if (pres_is_el(c, booleans[i].ns, booleans[i].name)) {
				p->bools[i] |= is_true(c);
				break;
			}
		if (i < N_BOOLEANS)
			continue;
		for (i = 0; i < N_SETS; i++)
			if (pres_is_el(c, NS_PR, sets[i].name)) {
				rc = set_merge(&p->set[i], c, i);
				break;
			}
		if (i < N_SETS)
			continue;
		if (pres_is_el(c, NS_PR, "provide-user-input")) {
			pres_text(c, text, sizeof(text));
			for (i = 0; i < 4; i++)
				if (strcmp(text, user_input[i]) == 0 &&
				    (int)i > p->user_input)
					p->user_input = (int)i;
		} else if (pres_is_el(c, NS_PR, "provide-all-attributes"))
			p->all_attributes = 1;
		else if (pres_is_el(c, NS_PR, "provide-unknown-attribute") &&
		    is_true(c)) {
			ns = xmlGetProp(c, (const xmlChar *)"ns");
			name = xmlGetProp(c, (const xmlChar *)"name");
			if (ns != NULL && name != NULL && strv_find(&p->unknown,
			    2, (const char *)ns, (const char *)name) < 0 &&
			    (strv_add(&p->unknown, (const char *)ns) != 0 ||
			    strv_add(&p->unknown, (const char *)name) != 0))
				rc = -1;
			xmlFree(ns);
			xmlFree(name);
		} else if (pres_is_el(c, NS_OPR, "provide-geopriv")) {
			pres_text(c, text, sizeof(text));
			if (text[0] != '\0' && strcmp(text, "false") != 0 &&
			    strv_find(&p->geopriv, 1, text, NULL) < 0)
				rc = strv_add(&p->geopriv, text);
		}
	}
	return rc;
}

/* ---- the evaluation ------------------------------------------------------ */

struct pres_policy *
pres_policy_new(const struct pres_policy_query *q)
{
	struct pres_policy *p;
	const char *at;
	size_t n;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->q = *q;
	p->sub = PRES_SUB_NONE;
	p->user_input = -1;
	p->anonymous = strcmp(q->watcher, ANONYMOUS) == 0;
	/* the domain of a sip:/sips: watcher: its host, without a port */
	if (strncmp(q->watcher, "tel:", 4) != 0 &&
	    (at = strrchr(q->watcher, '@')) != NULL) {
		n = strcspn(at + 1, ":");
		snprintf(p->domain, sizeof(p->domain), "%.*s", (int)n, at + 1);
	}
	return p;
}

void
pres_policy_free(struct pres_policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->ndocs; i++)
		xml_doc_free(p->docs[i].doc);
	free(p->docs);
	free(p->rules);
	strv_clear(&p->matched);
	for (i = 0; i < N_SETS; i++) {
		strv_clear(&p->set[i].kinds);
		strv_clear(&p->set[i].values);
	}
	strv_clear(&p->unknown);
	strv_clear(&p->geopriv);
	free(p);
}

int
pres_policy_add(struct pres_policy *p, const char *auid, const char *path,
    const uint8_t *body, size_t len, size_t max)
{
	char why[256];
	xmlDoc *doc;
	xmlNode *root, *r;
	struct rule *nr;
	void *nd;

	if ((doc = xml_parse((const char *)body, len, max, why,
	    sizeof(why))) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!pres_is_el(root, NS_CP, "ruleset") ||
	    (nd = realloc(p->docs, (p->ndocs + 1) * sizeof(*p->docs))) ==
	    NULL) {
		xml_doc_free(doc);
		return -1;
	}
	p->docs = nd;
	snprintf(p->docs[p->ndocs].auid, sizeof(p->docs[0].auid), "%s", auid);
	snprintf(p->docs[p->ndocs].path, sizeof(p->docs[0].path), "%s", path);
	p->docs[p->ndocs].doc = doc;
	p->ndocs++;
	for (r = root->children; r != NULL; r = r->next) {
		if (!pres_is_el(r, NS_CP, "rule") || p->nrules >= RULES_MAX)
			continue;
		if ((nr = realloc(p->rules, (p->nrules + 1) *
		    sizeof(*nr))) == NULL)
			return -1;
		p->rules = nr;
		memset(&p->rules[p->nrules], 0, sizeof(*nr));
		p->rules[p->nrules].doc = p->ndocs - 1;
		p->rules[p->nrules].node = r;
		p->nrules++;
	}
	return 0;
}

int
pres_policy_eval(struct pres_policy *p, int default_sub)
{
	xmlChar *id;
	size_t i;
	int other, rc = 0;

	for (i = 0; i < p->nrules; i++)
		identities(p, &p->rules[i]);
	other = !p->anonymous;
	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].ident_hit)
			other = 0;
	for (i = 0; i < p->nrules && rc == 0; i++) {
		if (!rule_applies(p, &p->rules[i], other))
			continue;
		id = xmlGetProp(p->rules[i].node, (const xmlChar *)"id");
		if (strv_add(&p->matched, p->docs[p->rules[i].doc].auid) != 0 ||
		    strv_add(&p->matched, p->docs[p->rules[i].doc].path) != 0 ||
		    strv_add(&p->matched, id != NULL ? (const char *)id : "") !=
		    0)
			rc = -1;
		xmlFree(id);
		if (rc == 0)
			rc = combine(p, &p->rules[i]);
	}
	if (p->sub == PRES_SUB_NONE) {
		p->sub = default_sub;
		p->is_default = 1;
	}
	return rc;
}

int
pres_policy_sub(const struct pres_policy *p, int *is_default)
{
	if (is_default != NULL)
		*is_default = p->is_default;
	return p->sub;
}

void
pres_policy_rules(const struct pres_policy *p, char *out, size_t size)
{
	size_t i, o = 0, n;

	snprintf(out, size, "-");
	for (i = 2; i < p->matched.n; i += 3) {
		n = strlen(p->matched.v[i]);
		if (o + n + 5 >= size) {
			snprintf(out + o, size - o, "%s...", o > 0 ? "," : "");
			return;
		}
		o += (size_t)snprintf(out + o, size - o, "%s%s", o > 0 ? "," :
		    "", p->matched.v[i]);
	}
}

/* ---- answers ------------------------------------------------------------ */

/* The names of the values of a p->matched triple, of a p->unknown pair. */
static const char *const rule_keys[] = { "auid", "doc", "id" };
static const char *const attr_keys[] = { "ns", "name" };

static int
x_el(struct buf *out, const char *indent, const char *tag, const char *text)
{
	return buf_appendf(out, "%s<%s>", indent, tag) != 0 ||
	    xml_append_escaped(out, text) != 0 ||
	    buf_appendf(out, "</%s>\n", tag) != 0 ? -1 : 0;
}

/* The tuple of `n` values at `v` as attributes named by keys[]. */
static int
x_attrs(struct buf *out, const char *const *keys, char *const *v, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		rc |= buf_appendf(out, " %s=\"", keys[i]);
		rc |= xml_append_escaped(out, v[i]);
		rc |= buf_append(out, "\"", 1);
	}
	return rc != 0 ? -1 : 0;
}

/* The prefix of an element of pres-rules (pr) or OMA's (op). */
static const char *
pfx(const char *ns)
{
	return strcmp(ns, NS_OPR) == 0 ? "op" : "pr";
}

int
pres_policy_xml(const struct pres_policy *p, struct buf *out)
{
	char tag[64];
	size_t i, k;
	int rc = 0;

	rc |= buf_appendf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<policy-eval xmlns=\"" NS_EVAL "\"\n    xmlns:pr=\"" NS_PR "\" "
	    "xmlns:op=\"" NS_OPR "\">\n");
	rc |= x_el(out, "  ", "presentity", p->q.presentity);
	rc |= x_el(out, "  ", "watcher", p->q.watcher);
	rc |= buf_appendf(out, "  <sub-handling default=\"%s\">%s"
	    "</sub-handling>\n", p->is_default ? "true" : "false",
	    pres_sub_name(p->sub));
	rc |= buf_appendf(out, "  <rules>\n");
	for (i = 0; i + 2 < p->matched.n; i += 3) {
		rc |= buf_appendf(out, "    <rule");
		rc |= x_attrs(out, rule_keys, p->matched.v + i, 3);
		rc |= buf_appendf(out, "/>\n");
	}
	rc |= buf_appendf(out, "  </rules>\n  <transformations>\n");
	for (i = 0; i < N_SETS; i++) {
		if (!p->set[i].present)
			continue;
		rc |= buf_appendf(out, "    <pr:%s>", sets[i].name);
		if (p->set[i].all)
			rc |= buf_appendf(out, "<pr:%s/>", sets[i].all);
		else
			for (k = 0; k < p->set[i].kinds.n; k++) {
				snprintf(tag, sizeof(tag), "%s:%s",
				    strcmp(p->set[i].kinds.v[k], "service-id") ==
				    0 ? "op" : "pr", p->set[i].kinds.v[k]);
				rc |= buf_appendf(out, "<%s>", tag);
				rc |= xml_append_escaped(out,
				    p->set[i].values.v[k]);
				rc |= buf_appendf(out, "</%s>", tag);
			}
		rc |= buf_appendf(out, "</pr:%s>\n", sets[i].name);
	}
	for (i = 0; i < N_BOOLEANS; i++)
		if (p->bools[i])
			rc |= buf_appendf(out, "    <%s:%s>true</%s:%s>\n",
			    pfx(booleans[i].ns), booleans[i].name,
			    pfx(booleans[i].ns), booleans[i].name);
	if (p->user_input >= 0)
		rc |= buf_appendf(out, "    <pr:provide-user-input>%s"
		    "</pr:provide-user-input>\n", user_input[p->user_input]);
	for (i = 0; i + 1 < p->unknown.n; i += 2) {
		rc |= buf_appendf(out, "    <pr:provide-unknown-attribute");
		rc |= x_attrs(out, attr_keys, p->unknown.v + i, 2);
		rc |= buf_appendf(out,
		    ">true</pr:provide-unknown-attribute>\n");
	}
	if (p->all_attributes)
		rc |= buf_appendf(out, "    <pr:provide-all-attributes/>\n");
	for (i = 0; i < p->geopriv.n; i++)
		rc |= x_el(out, "    ", "op:provide-geopriv", p->geopriv.v[i]);
	rc |= buf_appendf(out, "  </transformations>\n</policy-eval>\n");
	return rc != 0 ? -1 : 0;
}

/* A JSON string (RFC 8259 §7): quotes, backslashes and controls
 * escaped; the text is UTF-8 already. */
static int
j_str(struct buf *out, const char *s)
{
	int rc = buf_append(out, "\"", 1);

	for (; *s != '\0' && rc == 0; s++) {
		if (*s == '"' || *s == '\\')
			rc = buf_appendf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			rc = buf_appendf(out, "\\u%04x", (unsigned char)*s);
		else
			rc = buf_append(out, s, 1);
	}
	return rc != 0 ? -1 : buf_append(out, "\"", 1);
}

/* "key": */
static int
j_key(struct buf *out, int *first, const char *key)
{
	int rc = *first ? 0 : buf_append(out, ",", 1);

	*first = 0;
	return rc != 0 || j_str(out, key) != 0 ? -1 : buf_append(out, ":", 1);
}

/* The `width`-tuples of `s` as an array of objects, the i-th value of a
 * tuple under keys[i]. */
static int
j_tuples(struct buf *out, const struct strv *s, const char *const *keys,
    size_t width)
{
	size_t i, k;
	int rc, first;

	rc = buf_append(out, "[", 1);
	for (i = 0; i + width <= s->n; i += width) {
		first = 1;
		rc |= buf_appendf(out, "%s{", i > 0 ? "," : "");
		for (k = 0; k < width; k++) {
			rc |= j_key(out, &first, keys[k]);
			rc |= j_str(out, s->v[i + k]);
		}
		rc |= buf_append(out, "}", 1);
	}
	rc |= buf_append(out, "]", 1);
	return rc != 0 ? -1 : 0;
}

int
pres_policy_json(const struct pres_policy *p, struct buf *out)
{
	size_t i, k, j;
	int rc = 0, first = 1, f2, f3;
	const char *kind;

	rc |= buf_append(out, "{", 1);
	rc |= j_key(out, &first, "presentity");
	rc |= j_str(out, p->q.presentity);
	rc |= j_key(out, &first, "watcher");
	rc |= j_str(out, p->q.watcher);
	rc |= j_key(out, &first, "sub_handling");
	rc |= j_str(out, pres_sub_name(p->sub));
	rc |= j_key(out, &first, "default");
	rc |= buf_appendf(out, "%s", p->is_default ? "true" : "false");
	rc |= j_key(out, &first, "rules");
	rc |= j_tuples(out, &p->matched, rule_keys, 3);
	rc |= j_key(out, &first, "transformations");
	rc |= buf_append(out, "{", 1);
	f2 = 1;
	for (i = 0; i < N_SETS; i++) {
		if (!p->set[i].present)
			continue;
		rc |= j_key(out, &f2, sets[i].name);
		rc |= buf_append(out, "{", 1);
		f3 = 1;
		if (p->set[i].all) {
			rc |= j_key(out, &f3, "all");
			rc |= buf_appendf(out, "true");
		}
		/* one array per kind of item, in order of first appearance */
		for (k = 0; !p->set[i].all && k < p->set[i].kinds.n; k++) {
			kind = p->set[i].kinds.v[k];
			for (j = 0; j < k; j++)
				if (strcmp(p->set[i].kinds.v[j], kind) == 0)
					break;
			if (j < k)
				continue;
			rc |= j_key(out, &f3, kind);
			rc |= buf_append(out, "[", 1);
			for (j = k; j < p->set[i].kinds.n; j++) {
				if (strcmp(p->set[i].kinds.v[j], kind) != 0)
					continue;
				rc |= buf_appendf(out, "%s", j > k ? "," : "");
				rc |= j_str(out, p->set[i].values.v[j]);
			}
			rc |= buf_append(out, "]", 1);
		}
		rc |= buf_append(out, "}", 1);
	}
	for (i = 0; i < N_BOOLEANS; i++)
		if (p->bools[i]) {
			rc |= j_key(out, &f2, booleans[i].name);
			rc |= buf_appendf(out, "true");
		}
	if (p->user_input >= 0) {
		rc |= j_key(out, &f2, "provide-user-input");
		rc |= j_str(out, user_input[p->user_input]);
	}
	if (p->unknown.n > 0) {
		rc |= j_key(out, &f2, "provide-unknown-attribute");
		rc |= j_tuples(out, &p->unknown, attr_keys, 2);
	}
	if (p->all_attributes) {
		rc |= j_key(out, &f2, "provide-all-attributes");
		rc |= buf_appendf(out, "true");
	}
	if (p->geopriv.n > 0) {
		rc |= j_key(out, &f2, "provide-geopriv");
		rc |= buf_append(out, "[", 1);
		for (i = 0; i < p->geopriv.n; i++) {
			rc |= buf_appendf(out, "%s", i > 0 ? "," : "");
			rc |= j_str(out, p->geopriv.v[i]);
		}
		rc |= buf_append(out, "]", 1);
	}
	rc |= buf_append(out, "}}\n", 3);
	return rc != 0 ? -1 : 0;
}
