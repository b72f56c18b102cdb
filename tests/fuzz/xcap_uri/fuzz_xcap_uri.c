/*
 * fuzz_xcap_uri.c — the XCAP URI and node-selector parser (common/xcap_uri)
 * as the presence server uses it: parse a request-target under
 * "/xcap-root", resolve the selector's names against the resource-lists
 * default namespace, and write the canonical form back.
 *
 * Invariants checked on every input: a rejected target always comes with
 * an error text and one of the two documented codes, and never because
 * the internal store ran out; an accepted one has every string inside the
 * struct's store, NUL-terminated within its cap and free of control
 * characters, at most XCAP_MAX_STEPS steps, and a node selector exactly
 * when it has steps; resolve either fails with a reason or gives every
 * prefixed name a namespace; the canonical form (and each ancestor's)
 * parses back to the same fields.
 */
#include <string.h>

#include "fuzz.h"
#include "xcap_uri.h"

#define ROOT		"/xcap-root"
#define DEFAULT_NS	"urn:ietf:params:xml:ns:resource-lists"

/* `s` lies in u's store, ends with a NUL within `cap` octets and holds
 * no C0 control or DEL. */
static void
check_str(const struct xcap_uri *u, const char *s, size_t cap)
{
	size_t room, i;

	FUZZ_CHECK(s != NULL);
	FUZZ_CHECK(s >= u->store && s < u->store + sizeof(u->store));
	room = (size_t)(u->store + sizeof(u->store) - s);
	FUZZ_CHECK(memchr(s, '\0', room) != NULL);
	FUZZ_CHECK(strlen(s) <= cap);
	for (i = 0; s[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] != 0x7f);
}

static void
check_qname(const struct xcap_uri *u, const struct xcap_qname *q)
{
	if (q->prefix != NULL)
		check_str(u, q->prefix, XCAP_NAME_MAX);
	FUZZ_CHECK(q->local != NULL);
	if (strcmp(q->local, "*") != 0)	/* a wildcard's is static */
		check_str(u, q->local, XCAP_NAME_MAX);
	else
		FUZZ_CHECK(q->prefix == NULL);
}

static void
check_uri(const struct xcap_uri *u)
{
	size_t i;

	check_str(u, u->auid, XCAP_AUID_MAX);
	FUZZ_CHECK(u->auid[0] != '\0');
	FUZZ_CHECK(u->tree == XCAP_TREE_USERS || u->tree == XCAP_TREE_GLOBAL);
	FUZZ_CHECK((u->tree == XCAP_TREE_USERS) == (u->xui != NULL));
	if (u->xui != NULL) {
		check_str(u, u->xui, XCAP_XUI_MAX);
		FUZZ_CHECK(u->xui[0] != '\0');
	}
	check_str(u, u->doc, XCAP_DOC_MAX);
	FUZZ_CHECK(u->docname >= u->doc &&
	    u->docname < u->doc + strlen(u->doc));
	FUZZ_CHECK(strcmp(u->doc, "..") != 0 && strcmp(u->doc, ".") != 0);
	FUZZ_CHECK(u->nsteps <= XCAP_MAX_STEPS);
	FUZZ_CHECK(u->has_node_selector == (u->nsteps > 0));
	if (u->has_node_selector)
		check_str(u, u->selector, XCAP_SEL_MAX);
	else
		FUZZ_CHECK(u->terminal == XCAP_TERM_ELEMENT && u->nns == 0);
	for (i = 0; i < u->nsteps; i++) {
		const struct xcap_step *st = &u->step[i];

		check_qname(u, &st->name);
		FUZZ_CHECK(st->any == (strcmp(st->name.local, "*") == 0));
		FUZZ_CHECK(st->position <= XCAP_POS_MAX);
		if (st->has_attr) {
			check_qname(u, &st->attr);
			check_str(u, st->value, XCAP_VALUE_MAX);
		}
	}
	if (u->terminal == XCAP_TERM_ATTRIBUTE)
		check_qname(u, &u->term_attr);
	FUZZ_CHECK(u->nns <= XCAP_MAX_NS);
	for (i = 0; i < u->nns; i++) {
		check_str(u, u->ns[i].prefix, XCAP_NAME_MAX);
		check_str(u, u->ns[i].uri, XCAP_NS_URI_MAX);
	}
}

static int
same_opt(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
check_same_qname(const struct xcap_qname *a, const struct xcap_qname *b)
{
	FUZZ_CHECK(same_opt(a->prefix, b->prefix));
	FUZZ_CHECK(strcmp(a->local, b->local) == 0);
}

/* `b`, parsed from a canonical form of `a` with `nsteps` steps and the
 * terminal selector when `term` is set, holds the same fields. */
static void
check_same(const struct xcap_uri *a, const struct xcap_uri *b,
    size_t nsteps, int term)
{
	size_t i;

	FUZZ_CHECK(strcmp(a->auid, b->auid) == 0);
	FUZZ_CHECK(a->tree == b->tree);
	FUZZ_CHECK(same_opt(a->xui, b->xui));
	FUZZ_CHECK(strcmp(a->doc, b->doc) == 0);
	FUZZ_CHECK(b->nsteps == nsteps);
	for (i = 0; i < nsteps; i++) {
		const struct xcap_step *x = &a->step[i], *y = &b->step[i];

		check_same_qname(&x->name, &y->name);
		FUZZ_CHECK(x->any == y->any);
		FUZZ_CHECK(x->position == y->position);
		FUZZ_CHECK(x->has_attr == y->has_attr);
		if (x->has_attr) {
			check_same_qname(&x->attr, &y->attr);
			FUZZ_CHECK(strcmp(x->value, y->value) == 0);
		}
	}
	FUZZ_CHECK(b->terminal == (term ? a->terminal : XCAP_TERM_ELEMENT));
	if (term && a->terminal == XCAP_TERM_ATTRIBUTE)
		check_same_qname(&a->term_attr, &b->term_attr);
	FUZZ_CHECK(b->nns == (nsteps > 0 ? a->nns : 0));
	for (i = 0; i < b->nns; i++) {
		FUZZ_CHECK(strcmp(a->ns[i].prefix, b->ns[i].prefix) == 0);
		FUZZ_CHECK(strcmp(a->ns[i].uri, b->ns[i].uri) == 0);
	}
}

static void
check_resolved(const struct xcap_uri *u)
{
	size_t i;

	FUZZ_CHECK(u->resolved);
	for (i = 0; i < u->nsteps; i++) {
		const struct xcap_step *st = &u->step[i];

		if (st->any)
			FUZZ_CHECK(st->name.ns == NULL);
		else if (st->name.prefix == NULL)
			FUZZ_CHECK(strcmp(st->name.ns, DEFAULT_NS) == 0);
		else
			FUZZ_CHECK(st->name.ns != NULL);
		if (st->has_attr)
			FUZZ_CHECK((st->attr.prefix == NULL) ==
			    (st->attr.ns == NULL));
	}
	if (u->terminal == XCAP_TERM_ATTRIBUTE)
		FUZZ_CHECK((u->term_attr.prefix == NULL) ==
		    (u->term_attr.ns == NULL));
}

/* Format `u` with `nsteps` steps and parse it back. */
static void
roundtrip(const struct xcap_uri *u, size_t nsteps, int term)
{
	static struct xcap_uri v;
	static char out[4 * XCAP_URI_MAX_LEN];
	char err[256];
	int len, rc;

	len = xcap_uri_format(u, ROOT, nsteps, term, out, sizeof(out));
	FUZZ_CHECK(len > 0 && (size_t)len == strlen(out));
	if (len > XCAP_URI_MAX_LEN)
		return;
	err[0] = '\0';
	rc = xcap_uri_parse(out, ROOT, &v, err, sizeof(err));
	/* Escaping may lengthen a value or the selector past its cap. */
	if (rc != 0) {
		FUZZ_CHECK(rc == XCAP_URI_EBAD && strstr(err, "too long"));
		return;
	}
	check_uri(&v);
	check_same(u, &v, nsteps, term);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xcap_uri u;
	static char target[XCAP_URI_MAX_LEN + 2];
	char err[256];
	size_t i;
	int rc;

	if (size > XCAP_URI_MAX_LEN + 1)
		return 0;
	memcpy(target, data, size);
	target[size] = '\0';

	err[0] = '\0';
	rc = xcap_uri_parse(target, ROOT, &u, err, sizeof(err));
	if (rc != 0) {
		FUZZ_CHECK(rc == XCAP_URI_EBAD || rc == XCAP_URI_ENOENT);
		FUZZ_CHECK(err[0] != '\0');
		/* The whole text: other errors may quote the input. */
		FUZZ_CHECK(strcmp(err, "internal: URI store full") != 0);
		return 0;
	}
	check_uri(&u);

	err[0] = '\0';
	if (xcap_uri_resolve(&u, DEFAULT_NS, err, sizeof(err)) == 0) {
		check_resolved(&u);
		/* Again, with no default namespace: the store is reused. */
		FUZZ_CHECK(xcap_uri_resolve(&u, NULL, err, sizeof(err)) == 0);
		for (i = 0; i < u.nsteps; i++)
			if (u.step[i].name.prefix == NULL)
				FUZZ_CHECK(u.step[i].name.ns == NULL);
	} else {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(strncmp(err, "unbound prefix ", 15) == 0);
	}

	roundtrip(&u, u.nsteps, 1);
	for (i = 0; i < u.nsteps; i++)
		roundtrip(&u, i, 0);
	return 0;
}
