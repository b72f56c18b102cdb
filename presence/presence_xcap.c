/*
 * presence_xcap.c — XCAP over HTTP (RFC 4825 §7–§8, §11): who may touch
 * what, documents, elements, attributes and namespace bindings, ETags and
 * conditional requests, conflict reports.
 *
 * Who: the identity in X-3GPP-Asserted-Identity, believed only from a
 * trusted peer (trust.peers, and trust.secret when set); it reads and
 * writes only users/<its own XUI>/... (ARCHITECTURE.md §4). The global
 * tree is read-only (405, Allow: GET). Authorisation is decided before any
 * document is looked up, so answers never tell whether another user's
 * document exists.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "daemon.h"
#include "hex.h"
#include "http.h"
#include "log.h"
#include "presence.h"
#include "presence_node.h"
#include "xcap_uri.h"

#define TRUST_MAX	32
#define ERROR_BODY_MAX	4096

struct pres_xcap {
	struct http_server	*http;
	const struct pres_conf	*c;
	struct pres_store	*st;
	char			 peers[sizeof(((struct pres_conf *)0)->trust_peers)];
	const char		*allow[TRUST_MAX];
	int			 n_allow;
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

/*
 * The URI inside an identity header value ("<uri>", "\"uri\"", or a bare
 * URI), normalised for comparison: scheme and host part in lower case,
 * URI parameters dropped; tel: numbers without visual separators
 * (RFC 3966 §5.1.1). Returns 0, or -1 when nothing usable is there.
 */
static int
normalise_uri(const char *in, char *out, size_t size)
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

/* Validate `body` for the usage and store it over `expect`; answers. */
static void
store_document(struct xreq *q, const uint8_t *body, size_t len,
    const char *expect, int node_created)
{
	struct pres_error perr;
	char etag[PRES_ETAG_LEN + 1];
	int created = 0, rc;

	if (pres_auid_validate(q->usage, body, len, (size_t)q->x->c->doc_max,
	    &perr) != 0) {
		respond_conflict(q, perr.tag, perr.phrase, NULL,
		    perr.field[0] ? perr.field : NULL,
		    perr.alt[0] ? perr.alt : NULL);
		return;
	}
	if (!quota_ok(q, len))
		return;
	rc = pres_store_put(q->x->st, q->owner, q->usage->auid, q->u->doc,
	    body, len, expect, etag, &created);
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

static void
caps_get(struct xreq *q)
{
	struct buf b;
	uint8_t h[16];
	char etag[33];

	buf_init(&b, 65536);
	if (pres_auid_caps(&b) != 0) {
		buf_clear(&b);
		respond_text(q, 500, "cannot build xcap-caps");
		return;
	}
	/* generated: its ETag is a digest of its content */
	crypto_md5(b.data, b.len, h);
	hex_encode(h, sizeof(h), etag);
	if (preconditions(q, etag, 1) == 0) {
		if (q->u->has_node_selector) {
			struct pres_node_err nerr;
			struct buf out;
			const char *mime;

			buf_init(&out, (size_t)q->x->c->doc_max);
			if (pres_node_get(b.data, b.len, q->u, &out, &mime,
			    &nerr) == 0)
				respond(q, 200, mime, out.data, out.len, etag);
			else
				respond_text(q, nerr.status, nerr.phrase);
			buf_clear(&out);
		} else
			respond(q, 200, q->usage->mime, b.data, b.len, etag);
	}
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
	    strcmp(secret, x->c->trust_secret) != 0)) {
		denied(&q, 403, "the trusted peer's shared secret is missing "
		    "or wrong");
		goto done;
	}
	ident = http_req_header(r, "X-3GPP-Asserted-Identity");
	if (ident == NULL || normalise_uri(ident, q.user, sizeof(q.user)) != 0) {
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
	if (q.u->tree == XCAP_TREE_GLOBAL || q.usage->global_only) {
		if (q.usage->global_only && (q.u->tree != XCAP_TREE_GLOBAL ||
		    strcmp(q.u->doc, "index") != 0)) {
			respond_text(&q, 404, "this usage has only global/index");
			goto done;
		}
		if (strcmp(q.method, "GET") != 0) {
			http_resp_header(r, "Allow", "GET");
			respond_text(&q, 405, "the global tree is read-only");
			goto done;
		}
		if (q.usage->global_only) {
			caps_get(&q);
			goto done;
		}
		q.owner[0] = '\0';
	} else {
		if (normalise_uri(q.u->xui, q.owner, sizeof(q.owner)) != 0 ||
		    strcmp(q.owner, q.user) != 0) {
			denied(&q, 403, "documents under another user's XUI are "
			    "not yours");
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
