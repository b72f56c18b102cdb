/*
 * presence_node.c — the XCAP node engine (RFC 4825 §6.3 selection, §8.2
 * PUT with §8.2.3 insertion and the GET-after-PUT rule, §8.3 GET, §8.4
 * DELETE idempotency, §10 namespace bindings, §11 conflict reports).
 *
 * How: xml_parse() (libxml2, no DTD) checks that a document is well-formed
 * and resolves namespaces; selection runs on its tree. libxml2 keeps no
 * byte offsets, so a small tokenizer then walks the same (well-formed)
 * bytes and records every start tag, end tag and attribute. Element start
 * tags appear in the byte stream in the same order as element nodes in a
 * pre-order walk of the tree, and the attributes of a tag in the same
 * order as the node's property list (namespace declarations apart), so
 * the two are mapped one to one and every check of that mapping failing
 * is an internal error, never a guess.
 *
 * Every edit splices the stored bytes, parses the result again (it must
 * be well-formed) and evaluates the request's selector on it: after a PUT
 * it must select exactly the written node, after a DELETE nothing.
 * Those two checks are RFC 4825's GET(PUT(x)) == x and DELETE idempotency
 * rules, and they also catch every body whose name, attributes or
 * namespace would not match the selector.
 *
 * Decisions (XCAP.md marks the RFC wording [R]):
 *  - Selection is XPath's: each step applies to every node selected so
 *    far; [N] counts the children matching the step's name test, then the
 *    attribute test filters (XCAP.md §1.3). Exactly one node, else 404 —
 *    also for a PUT whose parent selector matches several elements (the
 *    insertion point would be ambiguous).
 *  - A one-step selector that does not match the root element cannot be
 *    inserted (the document already has its root): cannot-insert.
 *  - Insertion with a position N beyond the matches + 1, or with a
 *    position on the root step, is cannot-insert (XCAP.md §1.6: 409).
 *  - An attribute value travels as it appears in the document between
 *    the quotes (XML AttValue without them; Mobicents refuses '<' in it,
 *    which only makes sense for that reading). PUT keeps the attribute's
 *    quote character unless the value holds it, then uses the other one;
 *    when the value holds both, '"' is written as &quot;.
 *  - DELETE of an element removes exactly its bytes, leaving the text
 *    around it (OpenXCAP does the same, and XCAP.md §1.6 requires insert
 *    then delete to give back the same bytes); DELETE of an attribute
 *    removes it with the whitespace before it.
 *  - Inserting into an empty element written <p/> rewrites it as
 *    <p>...</p> (the only bytes outside the new node that change).
 *  - A namespaced attribute added by PUT uses a prefix already bound to
 *    its namespace in scope; failing that, the selector's prefix is
 *    declared on the element when it is free there, else cannot-insert.
 *  - Namespace declarations (xmlns, xmlns:p) are not attributes (XPath):
 *    GET/DELETE of @xmlns → 404, PUT → cannot-insert.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "buf.h"
#include "presence_node.h"
#include "xcap_uri.h"
#include "xml.h"

/* --- errors -------------------------------------------------------------- */

static void
set_err(struct pres_node_err *err, int status, const char *tag,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
set_err(struct pres_node_err *err, int status, const char *tag,
    const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->tag = tag;
	err->ancestor_steps = 0;
	va_start(ap, fmt);
	vsnprintf(err->phrase, sizeof(err->phrase), fmt, ap);
	va_end(ap);
}

#define ERR_OOM(err)	set_err((err), 500, NULL, "out of memory")

/* --- the tokenizer ------------------------------------------------------- */

struct tattr {
	size_t	lead;		/* start of the whitespace before the name */
	size_t	name, name_end;
	size_t	val, val_end;	/* between the quotes */
	int	is_ns;		/* xmlns, xmlns:p: a declaration */
};

struct tel {
	size_t	 start;		/* its '<' */
	size_t	 name_end;	/* the QName is [start + 1, name_end) */
	size_t	 stag_end;	/* past the '>' of the start tag */
	size_t	 etag;		/* '<' of the end tag; the '/' of "/>" */
	size_t	 end;		/* past the last '>' */
	int	 empty;		/* written <x/> */
	size_t	 attr, nattr;	/* attrs [attr, attr + nattr) of struct toks */
	xmlNode	*node;		/* libxml2's node for it */
};

struct toks {
	struct tel	*el;
	size_t		 nel, elcap;
	struct tattr	*at;
	size_t		 nat, atcap;
	size_t		*stack;		/* open elements while tokenizing */
	size_t		 sp, stcap;
};

static int
is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *np;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if (ncap > SIZE_MAX / size)
		return -1;
	if ((np = realloc(*p, ncap * size)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

static void
toks_free(struct toks *t)
{
	free(t->el);
	free(t->at);
	free(t->stack);
	memset(t, 0, sizeof(*t));
}

/* Move *i past the first `term` at or after it. */
static int
skip_past(const uint8_t *d, size_t len, size_t *i, const char *term)
{
	size_t tl = strlen(term);
	const uint8_t *p;

	if (*i > len)
		return -1;
	p = memmem(d + *i, len - *i, term, tl);
	if (p == NULL)
		return -1;
	*i = (size_t)(p - d) + tl;
	return 0;
}

static int
has_prefix(const uint8_t *d, size_t len, size_t i, const char *s)
{
	size_t n = strlen(s);

	return i <= len && len - i >= n && memcmp(d + i, s, n) == 0;
}

/*
 * A start tag at d[i] == '<': record it and its attributes, leave *i past
 * its '>'. Bounds are checked everywhere, so this also serves for request
 * bodies that nothing has checked yet.
 */
static int
scan_stag(const uint8_t *d, size_t len, size_t *i, struct toks *t,
    size_t *index)
{
	struct tattr a;
	struct tel *e;
	size_t j = *i + 1, lead;
	const uint8_t *p;
	uint8_t q;

	if (grow((void **)&t->el, &t->elcap, t->nel, sizeof(*t->el)) != 0)
		return -2;
	*index = t->nel;
	e = &t->el[t->nel++];
	memset(e, 0, sizeof(*e));
	e->start = *i;
	while (j < len && !is_ws(d[j]) && d[j] != '/' && d[j] != '>')
		j++;
	if (j == *i + 1)
		return -1;
	e->name_end = j;
	e->attr = t->nat;
	for (;;) {
		lead = j;
		while (j < len && is_ws(d[j]))
			j++;
		if (j >= len)
			return -1;
		if (d[j] == '>') {
			e->stag_end = j + 1;
			break;
		}
		if (d[j] == '/') {
			if (j + 1 >= len || d[j + 1] != '>')
				return -1;
			e->empty = 1;
			e->etag = j;
			e->stag_end = e->end = j + 2;
			break;
		}
		if (j == lead)
			return -1;	/* attributes follow whitespace */
		memset(&a, 0, sizeof(a));
		a.lead = lead;
		a.name = j;
		while (j < len && !is_ws(d[j]) && d[j] != '=' && d[j] != '>' &&
		    d[j] != '/')
			j++;
		a.name_end = j;
		while (j < len && is_ws(d[j]))
			j++;
		if (j >= len || d[j] != '=' || a.name_end == a.name)
			return -1;
		j++;
		while (j < len && is_ws(d[j]))
			j++;
		if (j >= len || (d[j] != '"' && d[j] != '\''))
			return -1;
		q = d[j++];
		a.val = j;
		if ((p = memchr(d + j, q, len - j)) == NULL)
			return -1;
		a.val_end = (size_t)(p - d);
		j = a.val_end + 1;
		a.is_ns = (a.name_end - a.name == 5 &&
		    memcmp(d + a.name, "xmlns", 5) == 0) ||
		    (a.name_end - a.name > 6 &&
		    memcmp(d + a.name, "xmlns:", 6) == 0);
		if (grow((void **)&t->at, &t->atcap, t->nat,
		    sizeof(*t->at)) != 0)
			return -2;
		t->at[t->nat++] = a;
		e->nattr++;
	}
	*i = e->stag_end;
	return 0;
}

/*
 * Record every element of the `len` octets at `d` in document order.
 * Meant for text that libxml2 found well-formed; anything unexpected is
 * -1 all the same. Returns 0, -1 (not understood), -2 (out of memory).
 */
static int
tokenize(const uint8_t *d, size_t len, struct toks *t)
{
	size_t i = 0, k;
	const uint8_t *p;
	struct tel *e;
	int rc;

	while (i < len) {
		if ((p = memchr(d + i, '<', len - i)) == NULL)
			break;
		i = (size_t)(p - d);
		if (i + 1 >= len)
			return -1;
		switch (d[i + 1]) {
		case '?':
			if (skip_past(d, len, &i, "?>") != 0)
				return -1;
			break;
		case '!':
			if (has_prefix(d, len, i, "<!--")) {
				i += 4;
				if (skip_past(d, len, &i, "-->") != 0)
					return -1;
			} else if (has_prefix(d, len, i, "<![CDATA[")) {
				i += 9;
				if (skip_past(d, len, &i, "]]>") != 0)
					return -1;
			} else
				return -1;	/* DOCTYPE: refused earlier */
			break;
		case '/':
			if (t->sp == 0)
				return -1;
			e = &t->el[t->stack[--t->sp]];
			e->etag = i;
			if ((p = memchr(d + i, '>', len - i)) == NULL)
				return -1;
			e->end = (size_t)(p - d) + 1;
			i = e->end;
			break;
		default:
			if ((rc = scan_stag(d, len, &i, t, &k)) != 0)
				return rc;
			if (!t->el[k].empty) {
				if (grow((void **)&t->stack, &t->stcap, t->sp,
				    sizeof(*t->stack)) != 0)
					return -2;
				t->stack[t->sp++] = k;
			}
			break;
		}
	}
	return t->sp == 0 && t->nel > 0 ? 0 : -1;
}

/* The local part of the QName at [s, e). */
static void
local_part(const uint8_t *d, size_t *s, size_t e)
{
	const uint8_t *c = memchr(d + *s, ':', e - *s);

	if (c != NULL)
		*s = (size_t)(c - d) + 1;
}

static int
name_is(const uint8_t *d, size_t s, size_t e, const xmlChar *name)
{
	size_t n = strlen((const char *)name);

	local_part(d, &s, e);
	return e - s == n && memcmp(d + s, name, n) == 0;
}

/*
 * Pair token k onwards with the element nodes of the sibling list `n`,
 * in pre-order, checking names and attribute names on the way. The
 * token's index + 1 goes into node->_private (0 = not mapped).
 */
static int
map_nodes(const uint8_t *d, xmlNode *n, struct toks *t, size_t *k,
    unsigned depth)
{
	struct tattr *a;
	struct tel *e;
	xmlAttr *p;
	size_t i;

	if (depth > 4096)
		return -1;
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (*k >= t->nel)
			return -1;
		e = &t->el[*k];
		if (!name_is(d, e->start + 1, e->name_end, n->name))
			return -1;
		p = n->properties;
		for (i = 0; i < e->nattr; i++) {
			a = &t->at[e->attr + i];
			if (a->is_ns)
				continue;
			if (p == NULL || !name_is(d, a->name, a->name_end,
			    p->name))
				return -1;
			p = p->next;
		}
		if (p != NULL)
			return -1;
		e->node = n;
		n->_private = (void *)(uintptr_t)(*k + 1);
		(*k)++;
		if (map_nodes(d, n->children, t, k, depth + 1) != 0)
			return -1;
	}
	return 0;
}

/* --- a parsed document ---------------------------------------------------- */

struct pdoc {
	const uint8_t	*d;
	size_t		 len;
	xmlDoc		*doc;
	struct toks	 t;
};

static void
pdoc_clear(struct pdoc *pd)
{
	xml_doc_free(pd->doc);
	toks_free(&pd->t);
	memset(pd, 0, sizeof(*pd));
}

/*
 * Parse and tokenize. Returns 0, or -1 with `xerr` holding libxml2's
 * reason (not well-formed) or -2 (tokenizer disagreement, out of memory),
 * the caller deciding what each means.
 */
static int
pdoc_load(struct pdoc *pd, const uint8_t *d, size_t len, char *xerr,
    size_t xerrlen)
{
	size_t k = 0;
	int rc;

	memset(pd, 0, sizeof(*pd));
	pd->d = d;
	pd->len = len;
	/* libxml2 stops silently at a NUL after the root element, so
	 * "<a/>\0junk" would pass as well-formed. */
	if (memchr(d, '\0', len) != NULL) {
		snprintf(xerr, xerrlen, "NUL character in the document");
		return -1;
	}
	if ((pd->doc = xml_parse((const char *)d, len, len, xerr,
	    xerrlen)) == NULL)
		return -1;
	if ((rc = tokenize(d, len, &pd->t)) != 0 ||
	    map_nodes(d, pd->doc->children, &pd->t, &k, 0) != 0 ||
	    k != pd->t.nel) {
		snprintf(xerr, xerrlen, "%s", rc == -2 ? "out of memory" :
		    "document not understood by the offset tokenizer");
		pdoc_clear(pd);
		return -2;
	}
	return 0;
}

static struct tel *
tel_of(struct pdoc *pd, const xmlNode *n)
{
	uintptr_t k = (uintptr_t)n->_private;

	return k == 0 || k > pd->t.nel ? NULL : &pd->t.el[k - 1];
}

/* The token of the element starting at byte `off`, or NULL. Tokens are in
 * document order, so sorted by start. */
static struct tel *
tel_at(struct pdoc *pd, size_t off)
{
	size_t lo = 0, hi = pd->t.nel, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (pd->t.el[mid].start < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pd->t.nel && pd->t.el[lo].start == off ?
	    &pd->t.el[lo] : NULL;
}

/* The token of attribute `a` of element `n` (not a declaration). */
static struct tattr *
tattr_of(struct pdoc *pd, const xmlNode *n, const xmlAttr *a)
{
	struct tel *e = tel_of(pd, n);
	const xmlAttr *p = n->properties;
	size_t i;

	if (e == NULL)
		return NULL;
	for (i = 0; i < e->nattr; i++) {
		if (pd->t.at[e->attr + i].is_ns)
			continue;
		if (p == NULL)
			return NULL;
		if (p == a)
			return &pd->t.at[e->attr + i];
		p = p->next;
	}
	return NULL;
}

/* --- selection (RFC 4825 §6.3) ------------------------------------------- */

struct nodeset {
	xmlNode	**v;
	size_t	  n, cap;
};

static int
set_add(struct nodeset *s, xmlNode *n)
{
	if (grow((void **)&s->v, &s->cap, s->n, sizeof(*s->v)) != 0)
		return -1;
	s->v[s->n++] = n;
	return 0;
}

static void
set_free(struct nodeset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/*
 * A namespace name from libxml2 against a decoded one. Parsing without
 * entity substitution (xml_parse) leaves every '&' of a namespace
 * declaration as "&#38;" in ns->href (and only '&': a raw '&' cannot
 * occur there), so that sequence compares as '&'.
 */
static int
href_eq(const char *have, const char *want)
{
	while (*have != '\0') {
		if (strncmp(have, "&#38;", 5) == 0) {
			if (*want++ != '&')
				return 0;
			have += 5;
		} else if (*have++ != *want++)
			return 0;
	}
	return *want == '\0';
}

/* Namespace names: NULL and "" both mean no namespace. */
static int
ns_eq(const xmlNs *ns, const char *want)
{
	const char *have = ns != NULL ? (const char *)ns->href : NULL;

	if (have == NULL || *have == '\0')
		return want == NULL || *want == '\0';
	return want != NULL && href_eq(have, want);
}

/* Two namespace names as libxml2 keeps them. */
static int
same_ns(const xmlNs *a, const xmlNs *b)
{
	const char *x = a != NULL ? (const char *)a->href : NULL;
	const char *y = b != NULL ? (const char *)b->href : NULL;

	return strcmp(x != NULL ? x : "", y != NULL ? y : "") == 0;
}

static int
name_test(const xmlNode *n, const struct xcap_step *s)
{
	return s->any || (strcmp((const char *)n->name, s->name.local) == 0 &&
	    ns_eq(n->ns, s->name.ns));
}

static int
is_decl_name(const struct xcap_qname *q)
{
	return (q->prefix == NULL && strcmp(q->local, "xmlns") == 0) ||
	    (q->prefix != NULL && strcmp(q->prefix, "xmlns") == 0);
}

/* The attribute of `n` with the expanded name `q`, or NULL. */
static xmlAttr *
find_attr(const xmlNode *n, const struct xcap_qname *q)
{
	xmlAttr *a;

	if (is_decl_name(q))
		return NULL;
	for (a = n->properties; a != NULL; a = a->next)
		if (strcmp((const char *)a->name, q->local) == 0 &&
		    ns_eq(a->ns, q->ns))
			return a;
	return NULL;
}

/* 1 when the step's attribute test holds on `n`, 0 when not, -1 on OOM. */
static int
attr_test(const xmlNode *n, const struct xcap_step *s)
{
	xmlAttr *a;
	xmlChar *v;
	int eq;

	if (!s->has_attr)
		return 1;
	if ((a = find_attr(n, &s->attr)) == NULL)
		return 0;
	if (a->children == NULL)
		return *s->value == '\0';
	if (a->children->type == XML_TEXT_NODE && a->children->next == NULL)
		return strcmp((const char *)a->children->content,
		    s->value) == 0;
	if ((v = xmlNodeGetContent((xmlNode *)a)) == NULL)
		return -1;
	eq = strcmp((const char *)v, s->value) == 0;
	xmlFree(v);
	return eq;
}

/*
 * Evaluate the first `nsteps` element steps of `u` on `doc`, XPath style:
 * the node set of one step is the input of the next. Returns 0 with
 * `out` (empty on entry) in document order, -1 when out of memory.
 */
static int
eval_steps(xmlDoc *doc, const struct xcap_uri *u, size_t nsteps,
    struct nodeset *out)
{
	struct nodeset cur = { NULL, 0, 0 }, next = { NULL, 0, 0 }, tmp;
	const struct xcap_step *s;
	unsigned long pos;
	xmlNode *root, *c;
	size_t i, k;
	int r;

	out->n = 0;
	root = xmlDocGetRootElement(doc);
	if (nsteps == 0 || root == NULL)
		return 0;
	s = &u->step[0];
	if (name_test(root, s) && (!s->has_position || s->position == 1)) {
		if ((r = attr_test(root, s)) < 0)
			goto fail;
		if (r && set_add(&cur, root) != 0)
			goto fail;
	}
	for (k = 1; k < nsteps && cur.n > 0; k++) {
		s = &u->step[k];
		next.n = 0;
		for (i = 0; i < cur.n; i++) {
			pos = 0;
			for (c = cur.v[i]->children; c != NULL; c = c->next) {
				if (c->type != XML_ELEMENT_NODE ||
				    !name_test(c, s))
					continue;
				pos++;
				if (s->has_position && pos != s->position)
					continue;
				if ((r = attr_test(c, s)) < 0)
					goto fail;
				if (r && set_add(&next, c) != 0)
					goto fail;
			}
		}
		tmp = cur;
		cur = next;
		next = tmp;
	}
	set_free(&next);
	if (k < nsteps)
		cur.n = 0;
	set_free(out);
	*out = cur;
	return 0;
fail:
	set_free(&cur);
	set_free(&next);
	return -1;
}

/* Evaluate to exactly one element, or fill `err` (404; 500 on OOM);
 * `*count` (may be NULL) gets the number of matches. */
static xmlNode *
select_one(struct pdoc *pd, const struct xcap_uri *u, size_t nsteps,
    size_t *count, struct pres_node_err *err)
{
	struct nodeset s = { NULL, 0, 0 };
	xmlNode *n = NULL;
	int rc;

	rc = eval_steps(pd->doc, u, nsteps, &s);
	if (count != NULL)
		*count = s.n;
	if (rc != 0)
		ERR_OOM(err);
	else if (s.n == 0)
		set_err(err, 404, NULL, "no element matches the selector");
	else if (s.n > 1)
		set_err(err, 404, NULL, "the selector matches %zu elements",
		    s.n);
	else
		n = s.v[0];
	set_free(&s);
	return n;
}

/*
 * The closest existing ancestor for no-parent: the most leading steps,
 * fewer than `below`, that select exactly one element (0: the document).
 */
static size_t
closest_ancestor(struct pdoc *pd, const struct xcap_uri *u, size_t below)
{
	struct nodeset s = { NULL, 0, 0 };
	size_t k;

	for (k = below; k-- > 1;) {
		if (eval_steps(pd->doc, u, k, &s) == 0 && s.n == 1)
			break;
	}
	set_free(&s);
	return k == (size_t)-1 ? 0 : k;
}

static int
check_sel(const struct xcap_uri *u, struct pres_node_err *err)
{
	if (u == NULL || !u->has_node_selector || u->nsteps == 0 ||
	    u->nsteps > XCAP_MAX_STEPS || !u->resolved) {
		set_err(err, 400, NULL, "no resolved node selector");
		return -1;
	}
	return 0;
}

static int
load_stored(struct pdoc *pd, const uint8_t *doc, size_t len,
    struct pres_node_err *err)
{
	char xerr[160];

	if (pdoc_load(pd, doc, len, xerr, sizeof(xerr)) != 0) {
		set_err(err, 500, NULL, "stored document unreadable: %s", xerr);
		return -1;
	}
	return 0;
}

/* Locate in a loaded document; see pres_node_locate(). */
static int
locate(struct pdoc *pd, const struct xcap_uri *u, struct pres_node_loc *loc,
    struct pres_node_err *err)
{
	struct tattr *ta;
	struct tel *e;
	xmlNode *n;
	xmlAttr *a;

	memset(loc, 0, sizeof(*loc));
	if ((n = select_one(pd, u, u->nsteps, NULL, err)) == NULL)
		return -1;
	if ((e = tel_of(pd, n)) == NULL) {
		set_err(err, 500, NULL, "element without offsets");
		return -1;
	}
	loc->el_start = e->start;
	loc->el_end = e->end;
	loc->stag_end = e->stag_end;
	switch (u->terminal) {
	case XCAP_TERM_ELEMENT:
		loc->kind = PRES_NODE_ELEMENT;
		break;
	case XCAP_TERM_NAMESPACE:
		loc->kind = PRES_NODE_NAMESPACES;
		break;
	case XCAP_TERM_ATTRIBUTE:
		loc->kind = PRES_NODE_ATTRIBUTE;
		if ((a = find_attr(n, &u->term_attr)) == NULL) {
			set_err(err, 404, NULL, "no attribute %s%s%s",
			    u->term_attr.prefix != NULL ?
			    u->term_attr.prefix : "",
			    u->term_attr.prefix != NULL ? ":" : "",
			    u->term_attr.local);
			return -1;
		}
		if ((ta = tattr_of(pd, n, a)) == NULL) {
			set_err(err, 500, NULL, "attribute without offsets");
			return -1;
		}
		loc->att_start = ta->name;
		loc->att_end = ta->val_end + 1;
		loc->val_start = ta->val;
		loc->val_end = ta->val_end;
		break;
	default:
		set_err(err, 400, NULL, "unknown terminal selector");
		return -1;
	}
	return 0;
}

const char *
pres_node_mime(const struct xcap_uri *u)
{
	switch (u->terminal) {
	case XCAP_TERM_ATTRIBUTE:
		return PRES_NODE_MIME_ATT;
	case XCAP_TERM_NAMESPACE:
		return PRES_NODE_MIME_NS;
	default:
		return PRES_NODE_MIME_EL;
	}
}

int
pres_node_locate(const uint8_t *doc, size_t len, const struct xcap_uri *u,
    struct pres_node_loc *loc, struct pres_node_err *err)
{
	struct pdoc pd;
	int rc;

	memset(err, 0, sizeof(*err));
	if (check_sel(u, err) != 0 || load_stored(&pd, doc, len, err) != 0)
		return -1;
	rc = locate(&pd, u, loc, err);
	pdoc_clear(&pd);
	return rc;
}

/* --- GET ------------------------------------------------------------------ */

struct nsent {
	const xmlNs	*ns;
	size_t		 order;		/* closeness to the element, then
					 * declaration order */
};

/* A declaration's prefix, "" for the default namespace (a real prefix is
 * never empty). */
static const char *
pfx(const xmlNs *ns)
{
	return ns->prefix != NULL ? (const char *)ns->prefix : "";
}

static int
nsent_by_prefix(const void *a, const void *b)
{
	const struct nsent *x = a, *y = b;
	int c;

	if ((c = strcmp(pfx(x->ns), pfx(y->ns))) != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
nsent_by_order(const void *a, const void *b)
{
	const struct nsent *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

/* A libxml2 namespace name, escaped, its "&#38;" being '&' (href_eq). */
static int
append_href(struct buf *out, const char *href)
{
	const char *amp;
	char *part;
	int rc;

	while ((amp = strstr(href, "&#38;")) != NULL) {
		if ((part = strndup(href, (size_t)(amp - href))) == NULL)
			return -1;
		rc = xml_append_escaped(out, part);
		free(part);
		if (rc != 0 || buf_append(out, "&amp;", 5) != 0)
			return -1;
		href = amp + 5;
	}
	return xml_append_escaped(out, href);
}

/*
 * RFC 4825 §10: the selected element's name with every namespace in
 * scope there declared, and nothing else. The innermost declaration of a
 * prefix wins; an undeclared default (xmlns="") declares nothing; "xml"
 * is implicit. Sorting keeps a hostile number of declarations at
 * n log n.
 */
static int
ns_bindings(struct pdoc *pd, xmlNode *n, struct buf *out)
{
	struct nsent *v = NULL;
	size_t nv = 0, cap = 0, i, w;
	struct tel *e = tel_of(pd, n);
	const xmlNode *p;
	const xmlNs *ns, *prev = NULL;
	int rc = -1;

	for (p = n; p != NULL && p->type == XML_ELEMENT_NODE; p = p->parent)
		for (ns = p->nsDef; ns != NULL; ns = ns->next) {
			if (grow((void **)&v, &cap, nv, sizeof(*v)) != 0)
				goto out;
			v[nv].ns = ns;
			v[nv].order = nv;
			nv++;
		}
	if (nv > 0)
		qsort(v, nv, sizeof(*v), nsent_by_prefix);
	/* Sorted by prefix, then innermost first: keep the first of each
	 * prefix. Writes go below the index read, so `prev` stays valid. */
	for (i = w = 0; i < nv; i++) {
		ns = v[i].ns;
		if (prev != NULL && strcmp(pfx(prev), pfx(ns)) == 0)
			continue;
		prev = ns;
		v[w++] = v[i];
	}
	if (w > 0)
		qsort(v, w, sizeof(*v), nsent_by_order);
	if (buf_append(out, "<", 1) != 0 ||
	    buf_append(out, pd->d + e->start + 1, e->name_end - e->start - 1)
	    != 0)
		goto out;
	for (i = 0; i < w; i++) {
		ns = v[i].ns;
		if (ns->href == NULL || *ns->href == '\0')
			continue;
		if (buf_append(out, " xmlns", 6) != 0 ||
		    (ns->prefix != NULL && buf_appendf(out, ":%s",
		    (const char *)ns->prefix) != 0) ||
		    buf_append(out, "=\"", 2) != 0 ||
		    append_href(out, (const char *)ns->href) != 0 ||
		    buf_append(out, "\"", 1) != 0)
			goto out;
	}
	rc = buf_append(out, "/>", 2);
out:
	free(v);
	return rc;
}

int
pres_node_get(const uint8_t *doc, size_t len, const struct xcap_uri *u,
    struct buf *out, const char **mime, struct pres_node_err *err)
{
	struct pres_node_loc loc;
	struct pdoc pd;
	int rc = -1;

	memset(err, 0, sizeof(*err));
	if (check_sel(u, err) != 0 || load_stored(&pd, doc, len, err) != 0)
		return -1;
	if (locate(&pd, u, &loc, err) != 0)
		goto out;
	switch (loc.kind) {
	case PRES_NODE_ELEMENT:
		rc = buf_append(out, doc + loc.el_start,
		    loc.el_end - loc.el_start);
		break;
	case PRES_NODE_ATTRIBUTE:
		rc = buf_append(out, doc + loc.val_start,
		    loc.val_end - loc.val_start);
		break;
	case PRES_NODE_NAMESPACES:
		rc = ns_bindings(&pd, tel_at(&pd, loc.el_start)->node, out);
		break;
	}
	if (rc != 0) {
		buf_reset(out);
		set_err(err, 500, NULL, "answer too large or out of memory");
	} else
		*mime = pres_node_mime(u);
out:
	pdoc_clear(&pd);
	return rc;
}

/* --- edits --------------------------------------------------------------- */

/* Content-Type `have` names `want`: the media type, case-insensitive,
 * parameters ignored. */
static int
ctype_is(const char *have, const char *want)
{
	size_t n = strlen(want);

	if (have == NULL)
		return 0;
	while (*have == ' ' || *have == '\t')
		have++;
	if (strncasecmp(have, want, n) != 0)
		return 0;
	have += n;
	while (*have == ' ' || *have == '\t')
		have++;
	return *have == '\0' || *have == ';';
}

/* RFC 3629 UTF-8: shortest forms only, no surrogates, at most U+10FFFF. */
static int
utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0, k, need;
	uint32_t c, min;

	while (i < n) {
		c = p[i++];
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			c &= 0x07;
			min = 0x10000;
		} else
			return 0;
		if (n - i < need)
			return 0;
		for (k = 0; k < need; k++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (p[i++] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
	}
	return 1;
}

struct piece {
	const void	*p;
	size_t		 n;
};

/*
 * out = doc[0, a) + pieces + doc[b, len). Returns 0, or -1 with `err`
 * (409 constraint-failure past the cap of `out`, 500 out of memory).
 */
static int
splice(struct buf *out, const uint8_t *doc, size_t len, size_t a, size_t b,
    const struct piece *pc, size_t npc, struct pres_node_err *err)
{
	size_t i;

	buf_reset(out);
	if (buf_append(out, doc, a) != 0)
		goto fail;
	for (i = 0; i < npc; i++)
		if (buf_append(out, pc[i].p, pc[i].n) != 0)
			goto fail;
	if (buf_append(out, doc + b, len - b) != 0)
		goto fail;
	return 0;
fail:
	if (errno == EMSGSIZE)
		set_err(err, 409, "constraint-failure", "the document would "
		    "exceed %zu octets", out->max);
	else
		ERR_OOM(err);
	buf_reset(out);
	return -1;
}

/*
 * Load the edited document in `out`. -1 with `err`: `tag` (409) when it
 * is not well-formed, 500 when the tokenizer fails.
 */
static int
load_edited(struct pdoc *pd, struct buf *out, const char *tag,
    struct pres_node_err *err)
{
	char xerr[160];
	int rc;

	if ((rc = pdoc_load(pd, out->data, out->len, xerr, sizeof(xerr)))
	    == -1)
		set_err(err, 409, tag, "%s", xerr);
	else if (rc != 0)
		set_err(err, 500, NULL, "%s", xerr);
	return rc == 0 ? 0 : -1;
}

/* XML 1.0 S around the body. */
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

/*
 * Where a new element goes among the element children of `parent`
 * (RFC 4825 §8.2.3, XCAP.md §1.6). `s` is the last step; `body_el`, when
 * not NULL, gives the name test of a wildcard step without position (the
 * body's own name, as OpenXCAP's fix_star). Sets *off to the insertion
 * offset and *open_empty when the parent is written <p/> (its "/>" at
 * *off is to be rewritten). Returns 0, or -1 when no place makes the new
 * element the one selected (cannot-insert).
 */
static int
insert_point(struct pdoc *pd, xmlNode *parent, const struct xcap_step *s,
    const xmlNode *body_el, size_t *off, int *open_empty)
{
	struct tel *pe = tel_of(pd, parent), *last = NULL, *first = NULL,
	    *nth = NULL;
	unsigned long m = 0;
	xmlNode *c;
	int match;

	*open_empty = 0;
	for (c = parent->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (body_el != NULL)
			match = strcmp((const char *)c->name,
			    (const char *)body_el->name) == 0 &&
			    same_ns(c->ns, body_el->ns);
		else
			match = name_test(c, s);
		if (!match)
			continue;
		m++;
		last = tel_of(pd, c);
		if (m == 1)
			first = last;
		if (s->position >= 2 && m == s->position - 1)
			nth = last;
	}
	/* [0] names no position at all: nothing can be inserted there
	 * (XCAP.md §1.6, OpenXCAP: 409 cannot-insert) */
	if (pe == NULL || (s->has_position && (s->position == 0 ||
	    s->position > m + 1)))
		return -1;
	if (s->position >= 2)
		*off = nth->end;		/* after the (N-1)-th match */
	else if (s->position == 1 && first != NULL)
		*off = first->start;		/* before the first match */
	else if (!s->has_position && last != NULL)
		*off = last->end;		/* after the last match */
	else if (pe->empty) {
		*off = pe->etag;	/* <p/>: "/>" becomes ">...</p>" */
		*open_empty = 1;
	} else
		*off = pe->etag;		/* the parent's last child */
	return 0;
}

/*
 * Splice `body` into `doc` at `off` (replacing [off, end)), or into the
 * empty parent whose "/>" is at `off`. Sets *el_off to the new element's
 * offset in `out`.
 */
static int
put_splice(struct pdoc *pd, const uint8_t *doc, size_t len, size_t off,
    size_t end, int open_empty, xmlNode *parent, const uint8_t *body,
    size_t blen, struct buf *out, size_t *el_off, struct pres_node_err *err)
{
	struct piece pc[5];
	struct tel *pe;

	if (!open_empty) {
		pc[0].p = body;
		pc[0].n = blen;
		*el_off = off;
		return splice(out, doc, len, off, end, pc, 1, err);
	}
	pe = tel_of(pd, parent);
	pc[0].p = ">";
	pc[0].n = 1;
	pc[1].p = body;
	pc[1].n = blen;
	pc[2].p = "</";
	pc[2].n = 2;
	pc[3].p = doc + pe->start + 1;
	pc[3].n = pe->name_end - pe->start - 1;
	pc[4].p = ">";
	pc[4].n = 1;
	*el_off = off + 1;
	return splice(out, doc, len, off, off + 2, pc, 5, err);
}

/*
 * After a PUT of an element: `out` must be well-formed with the body as
 * one whole element at `el_off`, and the selector must select exactly it.
 */
static int
check_put_element(struct buf *out, const struct xcap_uri *u, size_t el_off,
    size_t blen, struct pres_node_err *err)
{
	struct nodeset s = { NULL, 0, 0 };
	struct pdoc pd;
	struct tel *e;
	int rc = -1;

	if (load_edited(&pd, out, "not-xml-frag", err) != 0)
		return -1;
	if ((e = tel_at(&pd, el_off)) == NULL || e->end != el_off + blen) {
		set_err(err, 409, "not-xml-frag", "the body is not exactly "
		    "one element");
		goto out;
	}
	if (eval_steps(pd.doc, u, u->nsteps, &s) != 0) {
		ERR_OOM(err);
		goto out;
	}
	if (s.n != 1 || s.v[0] != e->node) {
		set_err(err, 409, "cannot-insert", "the selector would not "
		    "select the new element (%zu matches)", s.n);
		goto out;
	}
	rc = 0;
out:
	set_free(&s);
	pdoc_clear(&pd);
	return rc;
}

/*
 * Name test of a wildcard last step without position: the body's own
 * expanded name, found by a trial insertion as the parent's last child
 * (so its prefixes resolve in the parent's context).
 */
static int
body_name(struct pdoc *pd, const uint8_t *doc, size_t len, xmlNode *parent,
    const uint8_t *body, size_t blen, struct buf *out, struct pdoc *trial,
    xmlNode **el, struct pres_node_err *err)
{
	struct tel *pe = tel_of(pd, parent), *e;
	size_t el_off;

	if (put_splice(pd, doc, len, pe->etag, pe->etag, pe->empty, parent,
	    body, blen, out, &el_off, err) != 0)
		return -1;
	if (load_edited(trial, out, "not-xml-frag", err) != 0)
		return -1;
	if ((e = tel_at(trial, el_off)) == NULL || e->end != el_off + blen) {
		set_err(err, 409, "not-xml-frag", "the body is not exactly "
		    "one element");
		return -1;
	}
	*el = e->node;
	return 0;
}

static int
put_element(struct pdoc *pd, const uint8_t *doc, size_t len,
    const struct xcap_uri *u, const uint8_t *body, size_t blen,
    struct buf *out, int *created, struct pres_node_err *err)
{
	struct nodeset s = { NULL, 0, 0 }, ps = { NULL, 0, 0 };
	const struct xcap_step *last = &u->step[u->nsteps - 1];
	struct pdoc trial;
	xmlNode *parent, *bel = NULL;
	struct tel *e;
	size_t off, end, el_off;
	int open_empty = 0, rc = -1;

	memset(&trial, 0, sizeof(trial));
	trim_ws(&body, &blen);
	if (blen < 2 || body[0] != '<' || body[1] == '!' || body[1] == '?' ||
	    body[1] == '/' || is_ws(body[1]) || body[blen - 1] != '>') {
		set_err(err, 409, "not-xml-frag", "the body is not one XML "
		    "element");
		return -1;
	}
	if (eval_steps(pd->doc, u, u->nsteps, &s) != 0) {
		ERR_OOM(err);
		goto out;
	}
	if (s.n > 1) {
		set_err(err, 404, NULL, "the selector matches %zu elements",
		    s.n);
		goto out;
	}
	if (s.n == 1) {			/* §8.2.4 replacement */
		if ((e = tel_of(pd, s.v[0])) == NULL) {
			set_err(err, 500, NULL, "element without offsets");
			goto out;
		}
		off = e->start;
		end = e->end;
		*created = 0;
	} else {			/* §8.2.3 creation */
		if (u->nsteps == 1) {
			set_err(err, 409, "cannot-insert", "the document "
			    "already has a root element");
			goto out;
		}
		if (eval_steps(pd->doc, u, u->nsteps - 1, &ps) != 0) {
			ERR_OOM(err);
			goto out;
		}
		if (ps.n == 0) {
			set_err(err, 409, "no-parent", "the parent element "
			    "does not exist");
			err->ancestor_steps = closest_ancestor(pd, u,
			    u->nsteps - 1);
			goto out;
		}
		if (ps.n > 1) {
			set_err(err, 404, NULL, "the parent selector matches "
			    "%zu elements", ps.n);
			goto out;
		}
		parent = ps.v[0];
		if (last->any && !last->has_position &&
		    body_name(pd, doc, len, parent, body, blen, out, &trial,
		    &bel, err) != 0)
			goto out;
		if (insert_point(pd, parent, last, bel, &off,
		    &open_empty) != 0) {
			set_err(err, 409, "cannot-insert", "position %lu is "
			    "out of range", last->position);
			goto out;
		}
		end = off;
		*created = 1;
		if (put_splice(pd, doc, len, off, end, open_empty, parent,
		    body, blen, out, &el_off, err) != 0)
			goto out;
		rc = check_put_element(out, u, el_off, blen, err);
		goto out;
	}
	if (put_splice(pd, doc, len, off, end, 0, NULL, body, blen, out,
	    &el_off, err) != 0)
		goto out;
	rc = check_put_element(out, u, el_off, blen, err);
out:
	pdoc_clear(&trial);
	set_free(&s);
	set_free(&ps);
	return rc;
}

/* A prefix bound to `uri` at `n`, not shadowed there, or NULL. */
static const xmlChar *
prefix_for(xmlDoc *doc, xmlNode *n, const char *uri)
{
	const xmlNode *p;
	const xmlNs *ns;

	if (strcmp(uri, XCAP_XML_NS) == 0)
		return (const xmlChar *)"xml";
	for (p = n; p != NULL && p->type == XML_ELEMENT_NODE; p = p->parent)
		for (ns = p->nsDef; ns != NULL; ns = ns->next)
			if (ns->prefix != NULL && ns->href != NULL &&
			    href_eq((const char *)ns->href, uri) &&
			    xmlSearchNs(doc, n, ns->prefix) == ns)
				return ns->prefix;
	return NULL;
}

/*
 * Append `body` to `val`, '"' written as &quot; when `both` (the value
 * holds both quote characters).
 */
static int
att_value(struct buf *val, const uint8_t *body, size_t blen, int both)
{
	size_t i, run;

	for (i = 0; i < blen; i += run) {
		for (run = 0; i + run < blen && (!both || body[i + run] != '"');
		    run++)
			;
		if (buf_append(val, body + i, run) != 0)
			return -1;
		if (i + run < blen) {
			if (buf_append(val, "&quot;", 6) != 0)
				return -1;
			run++;
		}
	}
	return 0;
}

static int
put_attribute(struct pdoc *pd, const uint8_t *doc, size_t len,
    const struct xcap_uri *u, const uint8_t *body, size_t blen,
    struct buf *out, int *created, struct pres_node_err *err)
{
	const struct xcap_qname *q = &u->term_attr;
	struct pres_node_loc loc;
	struct tattr *ta = NULL, *lt;
	struct piece pc[8];
	struct buf val, decl;
	struct pdoc np;
	struct tel *e;
	xmlNode *n;
	xmlAttr *a;
	const xmlChar *prefix;
	size_t npc = 0, at, b, vstart, i, count;
	char quote;
	int has_dq, has_sq, lrc, rc = -1;

	if (memchr(body, '<', blen) != NULL) {
		set_err(err, 409, "not-xml-att-value", "'<' in an attribute "
		    "value");
		return -1;
	}
	if (is_decl_name(q)) {
		set_err(err, 409, "cannot-insert", "namespace declarations "
		    "are not attributes");
		return -1;
	}
	if ((n = select_one(pd, u, u->nsteps, &count, err)) == NULL) {
		if (err->status == 404 && count == 0) {
			set_err(err, 409, "no-parent", "the element does not "
			    "exist");
			err->ancestor_steps = closest_ancestor(pd, u,
			    u->nsteps);
		}
		return -1;
	}
	e = tel_of(pd, n);
	if ((a = find_attr(n, q)) != NULL &&
	    (ta = tattr_of(pd, n, a)) == NULL) {
		set_err(err, 500, NULL, "attribute without offsets");
		return -1;
	}
	buf_init(&val, blen > SIZE_MAX / 6 - 8 ? SIZE_MAX : blen * 6 + 8);
	buf_init(&decl, 2 * XCAP_NAME_MAX + 6 * XCAP_NS_URI_MAX + 16);
	memset(&np, 0, sizeof(np));

	/* Keep the quote character unless the value holds it. */
	has_dq = memchr(body, '"', blen) != NULL;
	has_sq = memchr(body, '\'', blen) != NULL;
	quote = ta != NULL ? (char)doc[ta->val - 1] : '"';
	if ((quote == '"' && has_dq) || (quote == '\'' && has_sq))
		quote = quote == '"' ? '\'' : '"';
	if (has_dq && has_sq)
		quote = '"';
	if (buf_append(&val, &quote, 1) != 0 ||
	    att_value(&val, body, blen, has_dq && has_sq) != 0 ||
	    buf_append(&val, &quote, 1) != 0) {
		ERR_OOM(err);
		goto out;
	}

	if (ta != NULL) {		/* replace the quoted value */
		at = ta->val - 1;
		b = ta->val_end + 1;
		*created = 0;
	} else {			/* add ` name="value"` */
		if (e->nattr > 0) {
			lt = &pd->t.at[e->attr + e->nattr - 1];
			at = b = lt->val_end + 1;
		} else
			at = b = e->name_end;
		pc[npc].p = " ";
		pc[npc++].n = 1;
		if (q->ns != NULL && *q->ns != '\0') {
			if ((prefix = prefix_for(pd->doc, n, q->ns)) == NULL) {
				if (q->prefix == NULL ||
				    xmlSearchNs(pd->doc, n,
				    (const xmlChar *)q->prefix) != NULL) {
					set_err(err, 409, "cannot-insert",
					    "no prefix for the attribute's "
					    "namespace");
					goto out;
				}
				/* Declare the selector's prefix here. */
				prefix = (const xmlChar *)q->prefix;
				if (buf_appendf(&decl, "xmlns:%s=\"",
				    q->prefix) != 0 ||
				    xml_append_escaped(&decl, q->ns) != 0 ||
				    buf_append(&decl, "\" ", 2) != 0) {
					ERR_OOM(err);
					goto out;
				}
				pc[npc].p = decl.data;
				pc[npc++].n = decl.len;
			}
			pc[npc].p = prefix;
			pc[npc++].n = strlen((const char *)prefix);
			pc[npc].p = ":";
			pc[npc++].n = 1;
		}
		pc[npc].p = q->local;
		pc[npc++].n = strlen(q->local);
		pc[npc].p = "=";
		pc[npc++].n = 1;
		*created = 1;
	}
	vstart = at + 1;
	for (i = 0; i < npc; i++)
		vstart += pc[i].n;
	pc[npc].p = val.data;
	pc[npc++].n = val.len;
	if (splice(out, doc, len, at, b, pc, npc, err) != 0)
		goto out;
	if (load_edited(&np, out, "not-xml-att-value", err) != 0)
		goto out;
	/* GET after PUT: the same URI selects the value just written. */
	if ((lrc = locate(&np, u, &loc, err)) != 0 && err->status == 500)
		goto out;
	if (lrc != 0 || loc.val_start != vstart ||
	    loc.val_end != vstart + val.len - 2) {
		set_err(err, 409, "cannot-insert", "the selector would not "
		    "select the new attribute value");
		goto out;
	}
	rc = 0;
out:
	pdoc_clear(&np);
	buf_clear(&val);
	buf_clear(&decl);
	return rc;
}

int
pres_node_put(const uint8_t *doc, size_t len, const struct xcap_uri *u,
    const char *ctype, const uint8_t *body, size_t blen, struct buf *out,
    int *created, struct pres_node_err *err)
{
	struct pdoc pd;
	int rc;

	memset(err, 0, sizeof(*err));
	*created = 0;
	if (check_sel(u, err) != 0)
		return -1;
	if (u->terminal == XCAP_TERM_NAMESPACE) {
		set_err(err, 405, NULL, "namespace bindings are read-only");
		return -1;
	}
	if (!ctype_is(ctype, pres_node_mime(u))) {
		set_err(err, 415, NULL, "Content-Type must be %s",
		    pres_node_mime(u));
		return -1;
	}
	if (body == NULL || blen == 0) {
		body = (const uint8_t *)"";	/* NULL allowed when empty */
		blen = 0;
	}
	if (!utf8_valid(body, blen)) {
		set_err(err, 409, "not-utf-8", "the body is not UTF-8");
		return -1;
	}
	if (load_stored(&pd, doc, len, err) != 0)
		return -1;
	if (u->terminal == XCAP_TERM_ATTRIBUTE)
		rc = put_attribute(&pd, doc, len, u, body, blen, out, created,
		    err);
	else
		rc = put_element(&pd, doc, len, u, body, blen, out, created,
		    err);
	pdoc_clear(&pd);
	if (rc != 0) {
		buf_reset(out);
		*created = 0;
	}
	return rc;
}

/* --- DELETE --------------------------------------------------------------- */

int
pres_node_delete(const uint8_t *doc, size_t len, const struct xcap_uri *u,
    struct buf *out, struct pres_node_err *err)
{
	struct nodeset s = { NULL, 0, 0 };
	struct pres_node_loc loc;
	struct pdoc pd, np;
	struct tel *e;
	size_t a, b, i;
	int rc = -1;

	memset(err, 0, sizeof(*err));
	if (check_sel(u, err) != 0)
		return -1;
	if (u->terminal == XCAP_TERM_NAMESPACE) {
		set_err(err, 405, NULL, "namespace bindings are read-only");
		return -1;
	}
	if (load_stored(&pd, doc, len, err) != 0)
		return -1;
	memset(&np, 0, sizeof(np));
	if (locate(&pd, u, &loc, err) != 0)
		goto out;
	if (loc.kind == PRES_NODE_ELEMENT) {
		if (loc.el_start == pd.t.el[0].start) {
			set_err(err, 409, "cannot-delete", "the root element "
			    "cannot be deleted (delete the document)");
			goto out;
		}
		a = loc.el_start;
		b = loc.el_end;
	} else {
		/* The attribute and the whitespace before it. */
		e = tel_at(&pd, loc.el_start);
		a = loc.att_start;
		for (i = 0; i < e->nattr; i++)
			if (pd.t.at[e->attr + i].name == loc.att_start)
				a = pd.t.at[e->attr + i].lead;
		b = loc.att_end;
	}
	if (splice(out, doc, len, a, b, NULL, 0, err) != 0)
		goto out;
	if (load_edited(&np, out, "cannot-delete", err) != 0)
		goto out;
	/* §8.4: DELETE then GET must give 404. */
	if (u->terminal == XCAP_TERM_ATTRIBUTE) {
		if (locate(&np, u, &loc, err) == 0) {
			set_err(err, 409, "cannot-delete", "the selector would "
			    "still select an attribute");
			goto out;
		}
		if (err->status != 404)
			goto out;
		memset(err, 0, sizeof(*err));
	} else {
		if (eval_steps(np.doc, u, u->nsteps, &s) != 0) {
			ERR_OOM(err);
			goto out;
		}
		if (s.n > 0) {
			set_err(err, 409, "cannot-delete", "the selector would "
			    "still select %zu element%s", s.n,
			    s.n == 1 ? "" : "s");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc != 0)
		buf_reset(out);
	set_free(&s);
	pdoc_clear(&np);
	pdoc_clear(&pd);
	return rc;
}

/* --- conflict reports (RFC 4825 §11) -------------------------------------- */

static const char *const error_tags[] = {
	"not-well-formed", "not-xml-frag", "not-xml-att-value", "not-utf-8",
	"no-parent", "cannot-insert", "cannot-delete",
	"schema-validation-error", "uniqueness-failure", "constraint-failure",
	"extension",
};

/* Escape like xml_append_escaped(), control characters becoming spaces
 * (a phrase may quote a libxml2 message). */
static int
append_text(struct buf *out, const char *s)
{
	char one[2] = { 0, 0 };
	size_t run;

	while (*s != '\0') {
		run = strcspn(s, "&<>\"'\x01\x02\x03\x04\x05\x06\x07\x08\x0b"
		    "\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
		    "\x1b\x1c\x1d\x1e\x1f");
		if (buf_append(out, s, run) != 0)
			return -1;
		s += run;
		if (*s == '\0')
			break;
		one[0] = (unsigned char)*s < 0x20 ? ' ' : *s;
		if (xml_append_escaped(out, one) != 0)
			return -1;
		s++;
	}
	return 0;
}

/* "><alt-value>a</alt-value><alt-value>b</alt-value></exists>" for the
 * lines of `alt`. */
static int
alt_values(struct buf *out, const char *alt)
{
	char one[1024];
	size_t n;

	if (buf_append(out, ">", 1) != 0)
		return -1;
	for (;;) {
		n = strcspn(alt, "\n");
		snprintf(one, sizeof(one), "%.*s", (int)n, alt);
		if (buf_append(out, "<alt-value>", 11) != 0 ||
		    append_text(out, one) != 0 ||
		    buf_append(out, "</alt-value>", 12) != 0)
			return -1;
		if (alt[n] == '\0')
			break;
		alt += n + 1;
	}
	return buf_append(out, "</exists>", 9);
}

int
pres_node_error_body(struct buf *out, const char *tag, const char *phrase,
    const char *ancestor, const char *field, const char *alt)
{
	size_t i, n = sizeof(error_tags) / sizeof(error_tags[0]);
	int no_parent, uniq;

	for (i = 0; i < n; i++)
		if (tag != NULL && strcmp(tag, error_tags[i]) == 0)
			break;
	if (i == n)
		return -1;
	no_parent = strcmp(tag, "no-parent") == 0 && ancestor != NULL;
	uniq = strcmp(tag, "uniqueness-failure") == 0 && field != NULL;
	if (buf_appendf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<xcap-error xmlns=\"%s\"><%s", PRES_NODE_NS_ERROR, tag) != 0)
		return -1;
	if (phrase != NULL && *phrase != '\0' &&
	    (buf_append(out, " phrase=\"", 9) != 0 ||
	    append_text(out, phrase) != 0 || buf_append(out, "\"", 1) != 0))
		return -1;
	if (no_parent) {
		if (buf_append(out, "><ancestor>", 11) != 0 ||
		    append_text(out, ancestor) != 0 ||
		    buf_appendf(out, "</ancestor></%s>", tag) != 0)
			return -1;
	} else if (uniq) {
		if (buf_append(out, "><exists field=\"", 16) != 0 ||
		    append_text(out, field) != 0 ||
		    buf_append(out, "\"", 1) != 0)
			return -1;
		if (alt != NULL && alt_values(out, alt) != 0)
			return -1;
		if (alt == NULL && buf_append(out, "/>", 2) != 0)
			return -1;
		if (buf_appendf(out, "</%s>", tag) != 0)
			return -1;
	} else if (buf_append(out, "/>", 2) != 0)
		return -1;
	return buf_append(out, "</xcap-error>\n", 14);
}
