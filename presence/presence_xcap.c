/*
 * presence_xcap.c — XCAP over HTTP (RFC 4825 §7–§8, §11): who may touch
 * what, documents, elements, attributes and namespace bindings, ETags and
 * conditional requests, conflict reports; the generated documents
 * (xcap-caps, OMA xcap-directory); and GET /policy/eval, the combined
 * pres-rules result for a watcher (presence_policy.c).
 *
 * Who: the identity in X-3GPP-Asserted-Identity, believed only from a
 * trusted peer (trust.peers, and trust.secret when set); it reads and
 * writes only users/<its own XUI>/... (ARCHITECTURE.md §4), except that
 * OMA pres-content documents are readable by every asserted identity
 * (decision table: they are meant to be shared). The global tree is
 * read-only (405, Allow: GET). Authorisation is decided before any
 * document is looked up, so answers never tell whether another user's
 * document exists; a service URI taken by another user is refused without
 * naming that user (decision table).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libxml/tree.h>

#include "crypto.h"
#include "daemon.h"
#include "secret.h"
#include "hex.h"
#include "http.h"
#include "log.h"
#include "presence.h"
#include "presence_node.h"
#include "xcap_uri.h"
#include "xml.h"

#define TRUST_MAX	32
#define ERROR_BODY_MAX	4096
#define GENERATED_MAX	(8 * 1024 * 1024)	/* a generated directory */
#define ALT_VALUES	3	/* free values suggested on uniqueness-failure */
#define EVAL_PATH	"/policy/eval"
#define EVAL_VALUE_MAX	512	/* one decoded query value */
#define EVAL_OUT_MAX	(1024 * 1024)

struct pres_xcap {
	struct http_server	*http;
	const struct pres_conf	*c;
	struct pres_store	*st;
	char			 peers[sizeof(((struct pres_conf *)0)->trust_peers)];
	const char		*allow[TRUST_MAX];
	int			 n_allow;
	int			 default_sub;	/* PRES_SUB_*, policy eval */
};

/* One request being answered. */
struct xreq {
	struct pres_xcap	*x;
	struct http_req		*r;
	struct xcap_uri		*u;
	const struct pres_auid	*usage;
	char			 user[PRES_OWNER_MAX];	/* asserted, normalised */
	char			 owner[PRES_OWNER_MAX];	/* of the document */
	const char		*method;
};

/* --- answers ----------------------------------------------------------- */

static void
respond(struct xreq *q, int status, const char *ctype, const void *body,
    size_t len, const char *etag)
{
	char quoted[PRES_ETAG_LEN + 3];

	if (ctype != NULL)
		http_resp_header(q->r, "Content-Type", ctype);
	if (etag != NULL) {
		/* XCAP.md §1.7: one quoted ETag per document */
		snprintf(quoted, sizeof(quoted), "\"%s\"", etag);
		http_resp_header(q->r, "ETag", quoted);
	}
	http_respond(q->r, status, NULL, body, len);
}

static void
respond_text(struct xreq *q, int status, const char *text)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s\n", text);

	respond(q, status, "text/plain", line, (size_t)n, NULL);
}

/* 409 with an application/xcap-error+xml body (RFC 4825 §11). */
static void
respond_conflict(struct xreq *q, const char *tag, const char *phrase,
    const char *ancestor, const char *field, const char *alt)
{
	struct buf b;

	buf_init(&b, ERROR_BODY_MAX);
	if (pres_node_error_body(&b, tag, phrase, ancestor, field, alt) == 0)
		respond(q, 409, PRES_NODE_MIME_ERROR, b.data, b.len, NULL);
	else
		respond_text(q, 409, phrase);
	buf_clear(&b);
	log_event("XCAP-CONFLICT", "user", q->user, "auid", q->usage != NULL ?
	    q->usage->auid : "-", "error", tag, "phrase", phrase, (char *)NULL);
}

static void
denied(struct xreq *q, int status, const char *reason)
{
	log_event("XCAP-DENIED", "peer", http_req_peer(q->r), "user",
	    q->user[0] ? q->user : "-", "method", q->method, "reason", reason,
	    (char *)NULL);
	respond_text(q, status, reason);
}

/* --- identities -------------------------------------------------------- */

/* pres_normalise_uri (presence.h): identities and XUIs compared alike. */
int
pres_normalise_uri(const char *in, char *out, size_t size)
{
	const char *s = in, *e, *at;
	size_t n, i, o = 0;

	if ((e = strchr(in, '<')) != NULL) {
		s = e + 1;
		if ((e = strchr(s, '>')) == NULL)
			return -1;
	} else {
		while (*s == ' ' || *s == '"')
			s++;
		e = s + strcspn(s, "\" ");
	}
	n = (size_t)(e - s);
	if (n == 0 || n >= size)
		return -1;
	if (strncasecmp(s, "tel:", 4) == 0) {
		memcpy(out, "tel:", 4);
		o = 4;
		for (i = 4; i < n && s[i] != ';'; i++)
			if (strchr("-.()", s[i]) == NULL)
				out[o++] = s[i];
		out[o] = '\0';
		return o > 4 ? 0 : -1;
	}
	if (strncasecmp(s, "sip:", 4) != 0 && strncasecmp(s, "sips:", 5) != 0)
		return -1;
	at = memchr(s, '@', n);
	for (i = 0; i < n && s[i] != ';'; i++) {
		int lower = i < (size_t)(strchr(s, ':') - s) ||
		    (at != NULL && s + i > at) || at == NULL;

		out[o++] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
	}
	out[o] = '\0';
	return strchr(out, ':')[1] != '\0' ? 0 : -1;
}

static int
peer_trusted(const struct pres_xcap *x, const char *peer)
{
	char host[HTTP_PEER_MAX];
	const char *colon;
	size_t n;
	int i;

	/* "ip:port" or "[v6]:port" → the address alone */
	if (peer[0] == '[') {
		n = strcspn(peer + 1, "]");
		snprintf(host, sizeof(host), "%.*s", (int)n, peer + 1);
	} else {
		colon = strrchr(peer, ':');
		n = colon != NULL ? (size_t)(colon - peer) : strlen(peer);
		snprintf(host, sizeof(host), "%.*s", (int)n, peer);
	}
	for (i = 0; i < x->n_allow; i++)
		if (strcmp(x->allow[i], host) == 0)
			return 1;
	return 0;
}

/* --- conditional requests (RFC 4825 §7.11, XCAP.md §1.7) --------------- */

/* Does the If-Match / If-None-Match list `hdr` name `etag` (or "*")?
 * Quoted and unquoted values are both accepted (OpenXCAP tolerates bare). */
static int
etag_listed(const char *hdr, const char *etag)
{
	const char *p = hdr;
	size_t n;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p == '*')
			return 1;
		if (*p == '"')
			p++;
		n = strcspn(p, "\", \t");
		if (etag != NULL && n == strlen(etag) && strncmp(p, etag, n) == 0)
			return 1;
		p += n;
		if (*p == '"')
			p++;
	}
	return 0;
}

/*
 * Preconditions against the document's current ETag (NULL when absent).
 * Returns 0 to go on, else the status already answered (412 or 304).
 */
static int
preconditions(struct xreq *q, const char *etag, int is_get)
{
	const char *im = http_req_header(q->r, "If-Match");
	const char *inm = http_req_header(q->r, "If-None-Match");

	if (im != NULL && (etag == NULL || !etag_listed(im, etag))) {
		respond_text(q, 412, "If-Match does not hold: the document "
		    "changed or does not exist");
		return 412;
	}
	if (inm != NULL && etag != NULL && etag_listed(inm, etag)) {
		if (is_get) {
			respond(q, 304, NULL, NULL, 0, etag);
			return 304;
		}
		respond_text(q, 412, "If-None-Match: the document exists");
		return 412;
	}
	return 0;
}

/* --- documents ----------------------------------------------------------- */

static const char *const generic_types[] = {
	/* decision table: deployed clients send these for documents; they
	 * are accepted when the body validates for the AUID */
	"application/xml", "text/xml", "application/octet-stream",
	"application/x-www-form-urlencoded", NULL,
};

/* The media type without parameters, into `out`. */
static void
media_type(const char *ctype, char *out, size_t size)
{
	size_t n = ctype != NULL ? strcspn(ctype, "; \t") : 0;

	snprintf(out, size, "%.*s", (int)n, ctype != NULL ? ctype : "");
}

static int
document_type_ok(const struct pres_auid *a, const char *ctype)
{
	char mt[128];
	int i;

	media_type(ctype, mt, sizeof(mt));
	if (mt[0] == '\0' || strcasecmp(mt, a->mime) == 0)
		return 1;
	for (i = 0; generic_types[i] != NULL; i++)
		if (strcasecmp(mt, generic_types[i]) == 0)
			return 1;
	return 0;
}

/* The quota, for a write of `len` octets that creates a document or not. */
static int
quota_ok(struct xreq *q, size_t len)
{
	long docs = 0;
	long long bytes = 0;
	char phrase[160];

	if (pres_store_usage(q->x->st, q->owner, q->usage->auid, q->u->doc,
	    &docs, &bytes) != 0) {
		respond_text(q, 500, "document store failed");
		return 0;
	}
	if (docs + 1 > q->x->c->quota_docs) {
		snprintf(phrase, sizeof(phrase), "quota exceeded: at most %lld "
		    "documents per user (quota.documents)", q->x->c->quota_docs);
		respond_conflict(q, "constraint-failure", phrase, NULL, NULL, NULL);
		return 0;
	}
	if (bytes + (long long)len > q->x->c->quota_bytes) {
		snprintf(phrase, sizeof(phrase), "quota exceeded: at most %lld "
		    "octets per user (quota.bytes)", q->x->c->quota_bytes);
		respond_conflict(q, "constraint-failure", phrase, NULL, NULL, NULL);
		return 0;
	}
	return 1;
}

/*
 * Up to ALT_VALUES values like `v` that no document uses and that are not
 * among the document's own `keys`, one per line into `out` (RFC 4825 §11
 * <alt-value>s). Only values: never whose the taken one is.
 */
static void
suggest_free(struct xreq *q, const char *v, char *const *keys, size_t nkeys,
    char *out, size_t size)
{
	const char *at = strchr(v, '@');
	char cand[PRES_OWNER_MAX], key[PRES_OWNER_MAX];
	size_t i, n = 0, o = 0;
	unsigned k;

	out[0] = '\0';
	for (k = 2; k < 100 && n < ALT_VALUES; k++) {
		/* sip:user-k@host; anything else: value-k */
		if (at != NULL && strchr(v, ':') != NULL && strchr(v, ':') < at)
			snprintf(cand, sizeof(cand), "%.*s-%u%s", (int)(at - v),
			    v, k, at);
		else
			snprintf(cand, sizeof(cand), "%s-%u", v, k);
		if (pres_normalise_uri(cand, key, sizeof(key)) != 0)
			snprintf(key, sizeof(key), "%s", cand);
		for (i = 0; i < nkeys; i++)
			if (strcmp(keys[i], key) == 0)
				break;
		if (i < nkeys || pres_store_key_taken(q->x->st, key) != 0)
			continue;
		if (o + strlen(cand) + 2 > size)
			break;
		o += (size_t)snprintf(out + o, size - o, "%s%s", n > 0 ? "\n" :
		    "", cand);
		n++;
	}
}

/* Validate `body` for the usage and store it over `expect`; answers. */
static void
store_document(struct xreq *q, const uint8_t *body, size_t len,
    const char *expect, int node_created)
{
	struct pres_error perr;
	struct pres_vctx cx;
	char etag[PRES_ETAG_LEN + 1], taken[PRES_OWNER_MAX], phrase[400];
	char alt[1024];
	int created = 0, rc;

	memset(&cx, 0, sizeof(cx));
	cx.owner = q->owner;
	cx.root = q->x->c->root;
	cx.content_max = q->x->c->pres_content_max;
	if (pres_auid_validate(q->usage, body, len, (size_t)q->x->c->doc_max,
	    &cx, &perr) != 0) {
		/* a service URI used twice in the document: suggest free ones
		 * (the usage cannot: it does not see the store) */
		if ((q->usage->flags & PRES_AUID_INDEXED) &&
		    perr.alt[0] == '\0' && perr.value[0] != '\0')
			suggest_free(q, perr.value, NULL, 0, perr.alt,
			    sizeof(perr.alt));
		respond_conflict(q, perr.tag, perr.phrase, NULL,
		    perr.field[0] ? perr.field : NULL,
		    perr.alt[0] ? perr.alt : NULL);
		return;
	}
	if (!quota_ok(q, len)) {
		pres_vctx_clear(&cx);
		return;
	}
	rc = pres_store_put(q->x->st, q->owner, q->usage->auid, q->u->doc,
	    body, len, expect, (q->usage->flags & PRES_AUID_INDEXED) ?
	    (const char *const *)cx.keys : NULL, cx.nkeys, taken,
	    sizeof(taken), etag, &created);
	if (rc == 3) {
		/*
		 * RFC 4826 §4.4: service URIs are unique across the server.
		 * Who holds it is not said (decision table) — the phrase is
		 * the same whether it is another user's or another document
		 * of the requester's.
		 */
		suggest_free(q, taken, cx.keys, cx.nkeys, alt, sizeof(alt));
		snprintf(phrase, sizeof(phrase), "service URI \"%s\" is already "
		    "in use on this server", taken);
		respond_conflict(q, "uniqueness-failure", phrase, NULL,
		    "rls-services/service/@uri", alt[0] ? alt : NULL);
		pres_vctx_clear(&cx);
		return;
	}
	pres_vctx_clear(&cx);
	if (rc == 2) {
		respond_text(q, 412, "the document changed meanwhile");
		return;
	}
	if (rc != 0) {
		respond_text(q, 500, "document store failed; nothing changed");
		return;
	}
	if (q->u->has_node_selector)
		created = node_created;
	log_event("XCAP-PUT", "user", q->user, "auid", q->usage->auid, "doc",
	    q->u->doc, "node", q->u->has_node_selector ? q->u->selector : "-",
	    "etag", etag, "created", created ? "yes" : "no", (char *)NULL);
	respond(q, created ? 201 : 200, NULL, NULL, 0, etag);
}

/* GET of a generated document `b` (xcap-caps, a directory), or of a node
 * in it: its ETag is a digest of its content. */
static void
generated_get(struct xreq *q, struct buf *b)
{
	struct pres_node_err nerr;
	struct buf out;
	const char *mime;
	uint8_t h[16];
	char etag[33];

	crypto_md5(b->data, b->len, h);
	hex_encode(h, sizeof(h), etag);
	if (preconditions(q, etag, 1) != 0)
		return;
	if (!q->u->has_node_selector) {
		respond(q, 200, q->usage->mime, b->data, b->len, etag);
		return;
	}
	buf_init(&out, (size_t)q->x->c->doc_max);
	if (pres_node_get(b->data, b->len, q->u, &out, &mime, &nerr) == 0)
		respond(q, 200, mime, out.data, out.len, etag);
	else
		respond_text(q, nerr.status, nerr.phrase);
	buf_clear(&out);
}

static void
caps_get(struct xreq *q)
{
	struct buf b;

	buf_init(&b, 65536);
	if (pres_auid_caps(&b) != 0)
		respond_text(q, 500, "cannot build xcap-caps");
	else
		generated_get(q, &b);
	buf_clear(&b);
}

/* Append `s` percent-encoded for a path segment (RFC 3986 pchar kept;
 * '/' kept too when `slash`). */
static int
append_pct(struct buf *out, const char *s, int slash)
{
	static const char keep[] = "-._~!$()*+,;=:@";	/* not & ' */
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++) {
		if (isalnum((unsigned char)*s) || strchr(keep, *s) != NULL ||
		    (slash && *s == '/'))
			rc = buf_append(out, s, 1);
		else
			rc = buf_appendf(out, "%%%02X", (unsigned char)*s);
	}
	return rc;
}

/*
 * The OMA xcap-directory of the requester (XCAP.md §2.5): one <folder> per
 * usage with a users tree, each <entry> one of the requester's documents
 * with its absolute URI, ETag (unquoted), last change (UTC) and size.
 * Only the requester's: the caller checked the XUI is theirs.
 */
static void
directory_get(struct xreq *q)
{
	const char *host = http_req_header(q->r, "Host");
	const struct pres_auid *a;
	struct pres_docinfo *v = NULL;
	struct buf b;
	struct tm tm;
	char when[32];
	size_t n = 0, i, k;
	int rc = 0;

	if (pres_store_list(q->x->st, q->owner, NULL, 0,
	    (size_t)q->x->c->quota_docs + 1, &v, &n) != 0) {
		respond_text(q, 500, "document store failed");
		return;
	}
	buf_init(&b, GENERATED_MAX);
	rc |= buf_appendf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<xcap-directory xmlns=\"%s\">\n", q->usage->ns);
	for (k = 0; (a = pres_auid_at(k)) != NULL; k++) {
		if (a->flags & (PRES_AUID_GLOBAL_ONLY | PRES_AUID_DIRECTORY))
			continue;
		rc |= buf_appendf(&b, "  <folder auid=\"%s\"", a->auid);
		for (i = 0; i < n; i++)
			if (strcmp(v[i].auid, a->auid) == 0)
				break;
		if (i == n) {
			rc |= buf_appendf(&b, "/>\n");
			continue;
		}
		rc |= buf_appendf(&b, ">\n");
		for (; i < n; i++) {
			if (strcmp(v[i].auid, a->auid) != 0)
				continue;
			gmtime_r(&v[i].modified, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
			rc |= buf_appendf(&b, "    <entry uri=\"http://");
			rc |= xml_append_escaped(&b, host != NULL ? host :
			    "localhost");
			rc |= xml_append_escaped(&b, q->x->c->root);
			rc |= buf_appendf(&b, "/%s/users/", a->auid);
			rc |= append_pct(&b, q->owner, 0);
			rc |= buf_append(&b, "/", 1);
			rc |= append_pct(&b, v[i].path, 1);
			rc |= buf_appendf(&b, "\" etag=\"%s\" last-modified=\"%s\" "
			    "size=\"%zu\"/>\n", v[i].etag, when, v[i].size);
		}
		rc |= buf_appendf(&b, "  </folder>\n");
	}
	rc |= buf_appendf(&b, "</xcap-directory>\n");
	pres_docinfo_free(v, n);
	if (rc != 0)
		respond_text(q, 500, "the directory is too large");
	else
		generated_get(q, &b);
	buf_clear(&b);
}

static void
do_get(struct xreq *q)
{
	struct pres_doc d;
	struct pres_node_err nerr;
	struct buf out;
	const char *mime;
	int rc;

	rc = pres_store_get(q->x->st, q->owner, q->usage->auid, q->u->doc, &d);
	if (rc != 0) {
		respond_text(q, rc == 1 ? 404 : 500, rc == 1 ?
		    "no such document" : "document store failed");
		return;
	}
	if (preconditions(q, d.etag, 1) != 0) {
		pres_doc_clear(&d);
		return;
	}
	if (!q->u->has_node_selector) {
		respond(q, 200, q->usage->mime, d.body, d.len, d.etag);
		pres_doc_clear(&d);
		return;
	}
	buf_init(&out, (size_t)q->x->c->doc_max);
	if (pres_node_get(d.body, d.len, q->u, &out, &mime, &nerr) == 0)
		respond(q, 200, mime, out.data, out.len, d.etag);
	else
		respond_text(q, nerr.status, nerr.phrase);
	buf_clear(&out);
	pres_doc_clear(&d);
}

/* The URI of the closest existing ancestor for no-parent (RFC 4825 §11). */
static void
ancestor_uri(struct xreq *q, size_t steps, int doc_exists, char *out,
    size_t size)
{
	const char *host = http_req_header(q->r, "Host");
	char path[XCAP_URI_MAX_LEN];

	if (host == NULL)
		host = http_req_header(q->r, ":authority");
	if (doc_exists)
		xcap_uri_format(q->u, q->x->c->root, steps, 0, path,
		    sizeof(path));
	else
		snprintf(path, sizeof(path), "%s/%s/users/%s", q->x->c->root,
		    q->usage->auid, q->u->xui);
	snprintf(out, size, "http://%s%s", host != NULL ? host : "localhost",
	    path);
}

static void
do_put(struct xreq *q)
{
	struct pres_doc d;
	struct pres_node_err nerr;
	struct buf out;
	const uint8_t *body;
	const char *ctype = http_req_header(q->r, "Content-Type");
	char anc[XCAP_URI_MAX_LEN + 300];
	size_t len;
	int rc, created = 0;

	body = http_req_body(q->r, &len);
	rc = pres_store_get(q->x->st, q->owner, q->usage->auid, q->u->doc, &d);
	if (rc < 0) {
		respond_text(q, 500, "document store failed");
		return;
	}
	if (preconditions(q, rc == 0 ? d.etag : NULL, 0) != 0)
		goto done;
	if (!q->u->has_node_selector) {
		if (!document_type_ok(q->usage, ctype)) {
			respond_text(q, 415, "Content-Type is not this "
			    "application usage's MIME type");
			goto done;
		}
		/* expect: exactly the document we read (or its absence) */
		store_document(q, body, len, rc == 0 ? d.etag : "", 0);
		goto done;
	}
	if (rc == 1) {
		ancestor_uri(q, 0, 0, anc, sizeof(anc));
		respond_conflict(q, "no-parent", "the document does not exist",
		    anc, NULL, NULL);
		goto done;
	}
	buf_init(&out, (size_t)q->x->c->doc_max);
	if (pres_node_put(d.body, d.len, q->u, ctype, body, len, &out,
	    &created, &nerr) != 0) {
		if (nerr.status == 409 && nerr.tag != NULL &&
		    strcmp(nerr.tag, "no-parent") == 0) {
			ancestor_uri(q, nerr.ancestor_steps, 1, anc, sizeof(anc));
			respond_conflict(q, nerr.tag, nerr.phrase, anc, NULL, NULL);
		} else if (nerr.status == 409 && nerr.tag != NULL)
			respond_conflict(q, nerr.tag, nerr.phrase, NULL, NULL,
			    NULL);
		else
			respond_text(q, nerr.status, nerr.phrase);
	} else
		store_document(q, out.data, out.len, d.etag, created);
	buf_clear(&out);
done:
	pres_doc_clear(&d);
}

static void
do_delete(struct xreq *q)
{
	struct pres_doc d;
	struct pres_node_err nerr;
	struct buf out;
	int rc;

	rc = pres_store_get(q->x->st, q->owner, q->usage->auid, q->u->doc, &d);
	if (rc != 0) {
		respond_text(q, rc == 1 ? 404 : 500, rc == 1 ?
		    "no such document" : "document store failed");
		return;
	}
	if (preconditions(q, d.etag, 0) != 0)
		goto done;
	if (!q->u->has_node_selector) {
		rc = pres_store_delete(q->x->st, q->owner, q->usage->auid,
		    q->u->doc, d.etag);
		if (rc == 0) {
			log_event("XCAP-DELETE", "user", q->user, "auid",
			    q->usage->auid, "doc", q->u->doc, "node", "-",
			    (char *)NULL);
			respond(q, 200, NULL, NULL, 0, NULL);
		} else
			respond_text(q, rc == 1 ? 404 : rc == 2 ? 412 : 500,
			    "the document changed or could not be deleted");
		goto done;
	}
	buf_init(&out, (size_t)q->x->c->doc_max);
	if (pres_node_delete(d.body, d.len, q->u, &out, &nerr) != 0) {
		if (nerr.status == 409 && nerr.tag != NULL)
			respond_conflict(q, nerr.tag, nerr.phrase, NULL, NULL,
			    NULL);
		else
			respond_text(q, nerr.status, nerr.phrase);
	} else
		store_document(q, out.data, out.len, d.etag, 0);
	buf_clear(&out);
done:
	pres_doc_clear(&d);
}

/* --- GET /policy/eval ------------------------------------------------ */

static int
is_eval(const char *target)
{
	size_t n = strlen(EVAL_PATH);

	return strncmp(target, EVAL_PATH, n) == 0 && (target[n] == '\0' ||
	    target[n] == '?');
}

static int
hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

/*
 * The query of /policy/eval: name=value pairs joined by '&', values
 * percent-decoded ('+' stays '+': tel: URIs), each name at most once and
 * one of `names`; decoded values printable ASCII, 1 to EVAL_VALUE_MAX - 1
 * octets. Fills vals[i] for names[i] ("" when absent). 0, or -1 with err.
 */
static int
eval_query(const char *query, const char *const *names, size_t nnames,
    char vals[][EVAL_VALUE_MAX], char *err, size_t errlen)
{
	const char *p = query, *e, *eq, *v;
	size_t i, o, nl;
	int h, l;

	for (i = 0; i < nnames; i++)
		vals[i][0] = '\0';
	while (*p != '\0') {
		e = p + strcspn(p, "&");
		if ((eq = memchr(p, '=', (size_t)(e - p))) == NULL) {
			snprintf(err, errlen, "query: \"%.*s\" is not name=value",
			    (int)(e - p > 40 ? 40 : e - p), p);
			return -1;
		}
		nl = (size_t)(eq - p);
		for (i = 0; i < nnames; i++)
			if (strlen(names[i]) == nl && strncmp(p, names[i], nl) ==
			    0)
				break;
		if (i == nnames) {
			snprintf(err, errlen, "query: unknown parameter \"%.*s\" "
			    "(presentity, watcher, sphere)", (int)(nl > 40 ? 40 :
			    nl), p);
			return -1;
		}
		if (vals[i][0] != '\0') {
			snprintf(err, errlen, "query: %s given twice", names[i]);
			return -1;
		}
		for (v = eq + 1, o = 0; v < e; v++) {
			int c = (unsigned char)*v;

			if (c == '%') {
				if (e - v < 3)
					c = -1;
				else if ((h = hexval((unsigned char)v[1])) < 0 ||
				    (l = hexval((unsigned char)v[2])) < 0)
					c = -1;
				else {
					c = h << 4 | l;
					v += 2;
				}
			}
			if (c < 0x21 || c > 0x7e || o + 1 >= EVAL_VALUE_MAX) {
				snprintf(err, errlen, "query: %s: a bad escape, "
				    "a character that is not printable ASCII, or "
				    "longer than %d octets", names[i],
				    EVAL_VALUE_MAX - 1);
				return -1;
			}
			vals[i][o++] = (char)c;
		}
		vals[i][o] = '\0';
		if (o == 0) {
			snprintf(err, errlen, "query: %s is empty", names[i]);
			return -1;
		}
		p = *e == '&' ? e + 1 : e;
	}
	return 0;
}

/* Does the client prefer application/json to application/xml? (XML is
 * the default: no Accept, a wildcard, or anything else.) */
static int
wants_json(const char *accept)
{
	const char *p = accept, *q;
	double qv, json = 0, xml = -1;
	size_t n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		n = strcspn(p, ",");
		qv = 1;
		if ((q = strstr(p, ";q=")) != NULL && q < p + n)
			qv = strtod(q + 3, NULL);
		if (strncasecmp(p, "application/json", 16) == 0 &&
		    strchr(" \t;,", p[16]) != NULL && qv > json)
			json = qv;
		else if (strncasecmp(p, "application/xml", 15) == 0 &&
		    strchr(" \t;,", p[15]) != NULL && qv > xml)
			xml = qv;
		p += n;
	}
	return json > 0 && json >= xml;
}

/* What an <external-list> lookup needs. */
struct eval_ctx {
	struct xreq	*q;
	const char	*presentity;	/* normalised */
};

/* The element `u` selects in `doc` (element terminal only), evaluated on
 * the parsed tree (RFC 4825 §6.3 semantics as in presence_node.c). */
static xmlNode *
select_element(xmlDoc *doc, const struct xcap_uri *u)
{
	xmlNode *cur = xmlDocGetRootElement(doc), *c, *hit;
	const struct xcap_step *st;
	unsigned long pos;
	size_t i, matches;
	xmlChar *v;
	int ok;

	if (u->terminal != XCAP_TERM_ELEMENT)
		return NULL;
	for (i = 0; i < u->nsteps && cur != NULL; i++) {
		st = &u->step[i];
		hit = NULL;
		matches = 0;
		pos = 0;
		/* the first step is the root element itself */
		for (c = i == 0 ? cur : cur->children; c != NULL;
		    c = i == 0 ? NULL : c->next) {
			if (c->type != XML_ELEMENT_NODE)
				continue;
			if (!st->any && (strcmp((const char *)c->name,
			    st->name.local) != 0 || (st->name.ns == NULL) !=
			    (c->ns == NULL) || (c->ns != NULL && strcmp((const
			    char *)c->ns->href, st->name.ns) != 0)))
				continue;
			pos++;
			if (st->has_position && pos != st->position)
				continue;
			ok = 1;
			if (st->has_attr) {
				v = xmlGetNsProp(c, (const xmlChar *)
				    st->attr.local, (const xmlChar *)st->attr.ns);
				ok = v != NULL && strcmp((const char *)v,
				    st->value) == 0;
				xmlFree(v);
			}
			if (ok) {
				hit = c;
				matches++;
			}
		}
		cur = matches == 1 ? hit : NULL;
	}
	return cur;
}

/* Is there an <entry uri> equal to `watcher` at or below `n`? */
static int
has_entry(xmlNode *n, const char *watcher)
{
	char norm[PRES_OWNER_MAX];
	xmlNode *c;
	xmlChar *v;
	int hit = 0;

	if (n->type != XML_ELEMENT_NODE)
		return 0;
	if (n->ns != NULL && strcmp((const char *)n->ns->href,
	    "urn:ietf:params:xml:ns:resource-lists") == 0 &&
	    strcmp((const char *)n->name, "entry") == 0 &&
	    (v = xmlGetProp(n, (const xmlChar *)"uri")) != NULL) {
		hit = pres_normalise_uri((const char *)v, norm,
		    sizeof(norm)) == 0 && strcmp(norm, watcher) == 0;
		xmlFree(v);
	}
	for (c = n->children; c != NULL && !hit; c = c->next)
		hit = has_entry(c, watcher);
	return hit;
}

/*
 * OMA <external-list> (XCAP.md §2.5): `anc` names a list in one of the
 * presentity's own resource-lists documents (a whole document when it has
 * no node selector); is `watcher` one of its entries, nested lists
 * included? <entry-ref> and <external> are not followed.
 */
static int
eval_in_list(void *arg, const char *anc, const char *watcher)
{
	struct eval_ctx *ec = arg;
	struct xcap_uri *u;
	struct pres_doc d;
	xmlDoc *doc = NULL;
	xmlNode *n;
	char why[256];
	int hit = 0;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return 0;
	if (!pres_auid_own_list(anc, ec->presentity, ec->q->x->c->root, u,
	    NULL, 0) || (u->has_node_selector && xcap_uri_resolve(u,
	    "urn:ietf:params:xml:ns:resource-lists", why, sizeof(why)) != 0))
		goto done;
	if (pres_store_get(ec->q->x->st, ec->presentity, "resource-lists",
	    u->doc, &d) != 0)
		goto done;
	doc = xml_parse((const char *)d.body, d.len, (size_t)ec->q->x->c->doc_max,
	    why, sizeof(why));
	pres_doc_clear(&d);
	if (doc == NULL)
		goto done;
	n = u->has_node_selector ? select_element(doc, u) :
	    xmlDocGetRootElement(doc);
	hit = n != NULL && has_entry(n, watcher);
done:
	xml_doc_free(doc);
	xcap_uri_clear(u);
	free(u);
	return hit;
}

/*
 * GET /policy/eval?presentity=URI&watcher=URI[&sphere=S]: the combined
 * result of every pres-rules document of the presentity, IETF's and OMA's
 * alike (their rules form one rule set, RFC 4745 §10), for the watcher.
 * Trusted peers only (checked by the caller); no asserted identity needed.
 */
static void
policy_eval(struct xreq *q)
{
	static const char *const names[] = { "presentity", "watcher",
	    "sphere" };
	static const char *const auids[] = { "pres-rules",
	    "org.openmobilealliance.pres-rules" };
	const char *target = http_req_target(q->r), *query;
	char vals[3][EVAL_VALUE_MAX], err[256], pres[PRES_OWNER_MAX];
	char watcher[PRES_OWNER_MAX], rules[512];
	struct pres_policy_query pq;
	struct pres_policy *p = NULL;
	struct pres_docinfo *v;
	struct eval_ctx ec;
	struct buf out;
	size_t n, i, k;
	int json, sub, is_def;

	if (strcmp(q->method, "GET") != 0) {
		http_resp_header(q->r, "Allow", "GET");
		respond_text(q, 405, "policy evaluation is a GET");
		return;
	}
	query = strchr(target, '?');
	if (eval_query(query != NULL ? query + 1 : "", names, 3, vals, err,
	    sizeof(err)) != 0) {
		respond_text(q, 400, err);
		return;
	}
	if (vals[0][0] == '\0' || vals[1][0] == '\0') {
		respond_text(q, 400, "query: presentity and watcher are needed "
		    "(/policy/eval?presentity=URI&watcher=URI[&sphere=S])");
		return;
	}
	if (pres_normalise_uri(vals[0], pres, sizeof(pres)) != 0 ||
	    pres_normalise_uri(vals[1], watcher, sizeof(watcher)) != 0) {
		respond_text(q, 400, "query: presentity and watcher must be sip:, "
		    "sips: or tel: URIs");
		return;
	}
	memset(&pq, 0, sizeof(pq));
	ec.q = q;
	ec.presentity = pres;
	pq.presentity = pres;
	pq.watcher = watcher;
	pq.sphere = vals[2][0] != '\0' ? vals[2] : NULL;
	pq.now = time(NULL);
	pq.in_list = eval_in_list;
	pq.arg = &ec;
	if ((p = pres_policy_new(&pq)) == NULL) {
		respond_text(q, 503, "out of memory");
		return;
	}
	for (k = 0; k < sizeof(auids) / sizeof(auids[0]); k++) {
		if (pres_store_list(q->x->st, pres, auids[k], 1,
		    (size_t)q->x->c->quota_docs + 1, &v, &n) != 0) {
			respond_text(q, 500, "document store failed");
			goto done;
		}
		for (i = 0; i < n; i++)
			if (pres_policy_add(p, auids[k], v[i].path, v[i].body,
			    v[i].size, (size_t)q->x->c->doc_max) != 0)
				log_warnx("policy: %s/%s of %s does not parse; "
				    "skipped", auids[k], v[i].path, pres);
		pres_docinfo_free(v, n);
	}
	if (pres_policy_eval(p, q->x->default_sub) != 0) {
		respond_text(q, 503, "out of memory");
		goto done;
	}
	sub = pres_policy_sub(p, &is_def);
	pres_policy_rules(p, rules, sizeof(rules));
	json = wants_json(http_req_header(q->r, "Accept"));
	buf_init(&out, EVAL_OUT_MAX);
	if ((json ? pres_policy_json(p, &out) : pres_policy_xml(p, &out)) !=
	    0) {
		buf_clear(&out);
		respond_text(q, 500, "the result is too large");
		goto done;
	}
	log_event("XCAP-POLICY-EVAL", "presentity", pres, "watcher", watcher,
	    "sub_handling", pres_sub_name(sub), "rules", rules, (char *)NULL);
	http_resp_header(q->r, "Cache-Control", "no-store");
	respond(q, 200, json ? "application/json" : "application/xml",
	    out.data, out.len, NULL);
	buf_clear(&out);
done:
	pres_policy_free(p);
}

/* --- the request ------------------------------------------------------- */

static void
on_request(struct http_req *r, void *arg)
{
	struct pres_xcap *x = arg;
	struct xreq q;
	const char *ident, *secret;
	char err[256];
	int rc;

	memset(&q, 0, sizeof(q));
	q.x = x;
	q.r = r;
	q.method = http_req_method(r);
	if ((q.u = calloc(1, sizeof(*q.u))) == NULL) {
		respond_text(&q, 503, "out of memory");
		return;
	}
	/* Who: only a trusted peer's assertion counts (ARCHITECTURE.md §4). */
	if (!peer_trusted(x, http_req_peer(r))) {
		denied(&q, 403, "not a trusted peer: identities are asserted "
		    "only by the Authentication Proxy");
		goto done;
	}
	secret = http_req_header(r, "X-Utstack-Peer-Secret");
	if (x->c->trust_secret[0] != '\0' && (secret == NULL ||
	    !ct_streq(secret, x->c->trust_secret))) {
		denied(&q, 403, "the trusted peer's shared secret is missing "
		    "or wrong");
		goto done;
	}
	if (is_eval(http_req_target(r))) {
		policy_eval(&q);
		goto done;
	}
	ident = http_req_header(r, "X-3GPP-Asserted-Identity");
	if (ident == NULL || pres_normalise_uri(ident, q.user, sizeof(q.user)) != 0) {
		denied(&q, 403, "no asserted identity (X-3GPP-Asserted-Identity)");
		goto done;
	}
	rc = xcap_uri_parse(http_req_target(r), x->c->root, q.u, err,
	    sizeof(err));
	if (rc != 0) {
		respond_text(&q, rc == XCAP_URI_ENOENT ? 404 : 400, err);
		goto done;
	}
	if ((q.usage = pres_auid_find(q.u->auid)) == NULL) {
		respond_text(&q, 404, "unknown application usage (AUID)");
		goto done;
	}
	if (q.u->has_node_selector && xcap_uri_resolve(q.u, q.usage->ns, err,
	    sizeof(err)) != 0) {
		respond_text(&q, 400, err);
		goto done;
	}
	/* What: the global tree and generated documents are read-only. */
	if (q.u->tree == XCAP_TREE_GLOBAL ||
	    (q.usage->flags & PRES_AUID_GLOBAL_ONLY)) {
		if ((q.usage->flags & PRES_AUID_GLOBAL_ONLY) &&
		    (q.u->tree != XCAP_TREE_GLOBAL ||
		    strcmp(q.u->doc, "index") != 0)) {
			respond_text(&q, 404, "this usage has only global/index");
			goto done;
		}
		if (strcmp(q.method, "GET") != 0) {
			http_resp_header(r, "Allow", "GET");
			respond_text(&q, 405, "the global tree is read-only");
			goto done;
		}
		if (q.usage->flags & PRES_AUID_GLOBAL_ONLY) {
			caps_get(&q);
			goto done;
		}
		q.owner[0] = '\0';
	} else {
		/* another user's documents: only a GET, and only of a usage
		 * whose documents are shared (OMA pres-content) */
		if (pres_normalise_uri(q.u->xui, q.owner, sizeof(q.owner)) != 0 ||
		    (strcmp(q.owner, q.user) != 0 &&
		    (!(q.usage->flags & PRES_AUID_PUBLIC_READ) ||
		    strcmp(q.method, "GET") != 0))) {
			denied(&q, 403, "documents under another user's XUI are "
			    "not yours");
			goto done;
		}
		if (q.usage->flags & PRES_AUID_DIRECTORY) {
			if (strcmp(q.u->doc, "directory.xml") != 0) {
				respond_text(&q, 404, "this usage has only "
				    "users/<xui>/directory.xml");
				goto done;
			}
			if (strcmp(q.method, "GET") != 0) {
				http_resp_header(r, "Allow", "GET");
				respond_text(&q, 405, "the directory is generated "
				    "by the server: read-only");
				goto done;
			}
			directory_get(&q);
			goto done;
		}
	}
	if (q.u->has_node_selector && q.u->terminal == XCAP_TERM_NAMESPACE &&
	    strcmp(q.method, "GET") != 0) {
		http_resp_header(r, "Allow", "GET");
		respond_text(&q, 405, "namespace bindings are read-only");
		goto done;
	}
	if (strcmp(q.method, "GET") == 0)
		do_get(&q);
	else if (strcmp(q.method, "PUT") == 0)
		do_put(&q);
	else if (strcmp(q.method, "DELETE") == 0)
		do_delete(&q);
	else {
		http_resp_header(r, "Allow", "GET, PUT, DELETE");
		respond_text(&q, 405, "XCAP uses GET, PUT and DELETE");
	}
done:
	xcap_uri_clear(q.u);
	free(q.u);
}

struct pres_xcap *
pres_xcap_new(struct event_base *base, const struct pres_conf *c,
    struct pres_store *st, char *err, size_t errlen)
{
	struct pres_xcap *x;
	struct http_config hc;
	uint16_t port = 0;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->c = c;
	x->st = st;
	if ((x->default_sub = pres_sub_value(c->default_sub)) < 0) {
		snprintf(err, errlen, "policy.default_sub_handling: \"%s\" is not "
		    "block, confirm, polite-block or allow", c->default_sub);
		free(x);
		return NULL;
	}
	snprintf(x->peers, sizeof(x->peers), "%s", c->trust_peers);
	if ((x->n_allow = daemon_split_list(x->peers, x->allow, TRUST_MAX)) < 0) {
		snprintf(err, errlen, "trust.peers: more than %d", TRUST_MAX);
		free(x);
		return NULL;
	}
	memset(&hc, 0, sizeof(hc));
	hc.head_max = (size_t)c->head_max;
	hc.body_max = (size_t)c->doc_max;
	hc.idle_timeout_ms = (unsigned)c->idle_timeout_ms;
	hc.h2 = 1;
	if ((x->http = http_server_new(base, &hc, on_request, x, err,
	    errlen)) == NULL) {
		free(x);
		return NULL;
	}
	if (http_server_listen(x->http, c->listen.host, c->listen.port, &port,
	    err, errlen) != 0) {
		http_server_free(x->http);
		free(x);
		return NULL;
	}
	daemon_log_listening("xcap", c->listen.host, port);
	return x;
}

void
pres_xcap_free(struct pres_xcap *x)
{
	if (x == NULL)
		return;
	http_server_free(x->http);
	free(x);
}
