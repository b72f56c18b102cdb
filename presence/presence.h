/*
 * presence.h — the presence XCAP server's private header: configuration,
 * the document store, the application usages, policy evaluation and
 * request handling.
 *
 * presence serves XCAP (RFC 4825) for the presence application usages
 * under /xcap-root, over HTTP/1.1 and h2c, only to identities asserted by
 * a trusted peer (the Authentication Proxy; ARCHITECTURE.md §4), and
 * answers those peers' /policy/eval questions (RFC 4745, RFC 5025).
 */
#ifndef UTSTACK_PRESENCE_H
#define UTSTACK_PRESENCE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

#define PRES_ETAG_LEN	32	/* hex characters of an ETag (unquoted) */
#define PRES_OWNER_MAX	256	/* normalised XUI */
#define PRES_AUID_MAX	64
#define PRES_PATH_MAX	512

#include "conf.h"

/* Configuration (presence_conf_opts in presence.c; conf/presence.conf). */
struct pres_conf {
	struct conf_addr listen;
	char		root[64];		/* XCAP root, "/xcap-root" */
	char		db[1024];
	long long	busy_ms;
	char		xsd_dir[1024];
	long long	doc_max;		/* octets of one document */
	long long	head_max;		/* octets of a request head */
	long long	idle_timeout_ms;
	long long	quota_docs;		/* per user */
	long long	quota_bytes;		/* per user */
	char		trust_peers[1024];	/* addresses allowed to assert */
	char		trust_secret[256];	/* X-Utstack-Peer-Secret, or "" */
	long long	pres_content_max;	/* octets of a pres-content doc */
	char		default_sub[16];	/* sub-handling when no rule says */
};
extern const struct conf_opt presence_conf_opts[];

struct event_base;
struct pres_store;
struct pres_xcap;
/* The XCAP server on `c->listen`: logs LISTENING name=xcap. NULL + err. */
struct pres_xcap *pres_xcap_new(struct event_base *base,
	    const struct pres_conf *c, struct pres_store *st, char *err,
	    size_t errlen);
void	pres_xcap_free(struct pres_xcap *x);

/* --- presence_store.c: documents in SQLite (WAL) ---------------------- */
struct pres_store;

/* A stored document: the exact bytes last written and their ETag. */
struct pres_doc {
	uint8_t		*body;		/* heap, NUL-terminated for convenience */
	size_t		 len;
	char		 etag[PRES_ETAG_LEN + 1];
	time_t		 modified;
};
void	pres_doc_clear(struct pres_doc *d);	/* frees body; NULL ok */

/* Open/create; NULL + err on failure. */
struct pres_store *pres_store_open(const char *path, int busy_ms, char *err,
	    size_t errlen);
void	pres_store_close(struct pres_store *st);	/* NULL ok */
const char *pres_store_errmsg(struct pres_store *st);

/* Read a document: 0 found (caller clears *d), 1 absent, -1 error.
 * `owner` is the normalised XUI, or "" for the global tree. */
int	pres_store_get(struct pres_store *st, const char *owner,
	    const char *auid, const char *path, struct pres_doc *d);

/*
 * Write a document in one transaction, committed before this returns (so a
 * 2xx after it survives kill -9). `expect`: NULL writes unconditionally;
 * "" requires the document to be absent; an ETag requires the stored
 * document to carry it (read-modify-write of element edits, If-Match).
 * A new ETag is made for every write and returned in `etag`; `*created`
 * says whether the document is new.
 *
 * `keys` (NULL: the usage keeps no index) are the document's server-wide
 * unique values (rls-services service URIs, RFC 4826 §4.4), `nkeys` of
 * them: in the same transaction they replace the document's old keys,
 * unless one of them belongs to another document (of any user), which
 * refuses the write and copies that key into `taken` (`takenlen` octets).
 *
 * Returns 0, 2 when `expect` does not hold, 3 when a key is taken, -1 on
 * error; nothing is written unless 0.
 */
int	pres_store_put(struct pres_store *st, const char *owner,
	    const char *auid, const char *path, const uint8_t *body, size_t len,
	    const char *expect, const char *const *keys, size_t nkeys,
	    char *taken, size_t takenlen, char etag[PRES_ETAG_LEN + 1],
	    int *created);

/* Is `key` indexed for any document? 1 yes, 0 no, -1 error. */
int	pres_store_key_taken(struct pres_store *st, const char *key);

/* Delete (and drop the document's index keys): 0 deleted, 1 absent, 2
 * `expect` (as above, non-NULL) does not hold, -1 error. */
int	pres_store_delete(struct pres_store *st, const char *owner,
	    const char *auid, const char *path, const char *expect);

/* What `owner` stores, not counting the document (auid, path) when given
 * (the one a PUT would replace): documents and octets. 0 or -1. */
int	pres_store_usage(struct pres_store *st, const char *owner,
	    const char *auid, const char *path, long *docs, long long *bytes);

/* One document of a listing. */
struct pres_docinfo {
	char		 auid[PRES_AUID_MAX];
	char		 path[PRES_PATH_MAX];
	char		 etag[PRES_ETAG_LEN + 1];
	time_t		 modified;
	size_t		 size;		/* octets */
	uint8_t		*body;		/* with_body only: heap, NUL-terminated */
};

/*
 * The documents of `owner` (in AUID `auid`, or every AUID when NULL),
 * ordered by AUID and path, at most `max` of them (more: -1), with their
 * bodies when `with_body`. On success *out is a heap array of *n entries
 * (NULL when 0) the caller frees with pres_docinfo_free(). 0 or -1.
 */
int	pres_store_list(struct pres_store *st, const char *owner,
	    const char *auid, int with_body, size_t max,
	    struct pres_docinfo **out, size_t *n);
void	pres_docinfo_free(struct pres_docinfo *v, size_t n);	/* NULL ok */

/* --- presence_auid.c: application usages (RFC 4825 §5) ---------------- */

/* Why a document is refused: an HTTP status and, for 409, the
 * xcap-error element (RFC 4825 §11) with its details. */
struct pres_error {
	int		 status;		/* 0: no error */
	const char	*tag;			/* "schema-validation-error" ... */
	char		 phrase[256];
	char		 field[256];		/* uniqueness-failure: exists/@field */
	char		 alt[1024];		/* ... and free alt-values, one per
						 * line */
	char		 value[512];		/* the duplicated value (not sent:
						 * the caller may suggest others) */
};

/* What a document is checked against besides its bytes, and what the
 * check hands back. */
struct pres_vctx {
	/* in */
	const char	*owner;		/* normalised XUI of the document's owner */
	const char	*root;		/* the XCAP root path ("/xcap-root") */
	long long	 content_max;	/* pres-content documents, octets */
	/* out: server-wide unique keys of the document (rls-services service
	 * URIs, normalised), for pres_store_put(); heap, see
	 * pres_vctx_clear() */
	char		**keys;
	size_t		 nkeys;
};
void	pres_vctx_clear(struct pres_vctx *cx);	/* frees the keys; NULL ok */
/* Append a copy of `s` to the growable array *v of *n strings: 0, or -1
 * out of memory. Free them all with pres_strs_clear() (*v NULL, *n 0). */
int	pres_strs_add(char ***v, size_t *n, const char *s);
void	pres_strs_clear(char ***v, size_t *n);

/* Flags of a usage. */
#define PRES_AUID_GLOBAL_ONLY	0x01	/* one generated document, global/index */
#define PRES_AUID_PUBLIC_READ	0x02	/* any asserted identity may GET */
#define PRES_AUID_DIRECTORY	0x04	/* generated users/<xui>/directory.xml */
#define PRES_AUID_INDEXED	0x08	/* keeps server-wide unique keys */
#define PRES_AUID_CONTENT_CAP	0x10	/* size capped by vctx.content_max */

struct _xmlDoc;
struct pres_auid {
	const char	*auid;
	const char	*mime;		/* the document MIME type */
	const char	*ns;		/* default namespace (node selectors) */
	const char	*root_ns;	/* namespace of the root element */
	const char	*root;		/* local name of the root element */
	const char	*xsd;		/* main schema file in the XSD folder */
	int		 flags;		/* PRES_AUID_* */
	/* Uniqueness checked before the schema (so a duplicate xs:ID is a
	 * uniqueness-failure, not a schema error); 0 or -1 with err. */
	int		(*unique)(struct _xmlDoc *doc, struct pres_error *err);
	/* Constraints beyond the schema; 0 or -1 with err. */
	int		(*constraints)(struct _xmlDoc *doc, struct pres_vctx *cx,
			    struct pres_error *err);
};

/* Load every AUID's schema from `xsd_dir`; 0 or -1 with err. */
int	pres_auid_init(const char *xsd_dir, char *err, size_t errlen);
void	pres_auid_free(void);
/* The usage for `auid`, or NULL (unknown AUID: 404, decision table). */
const struct pres_auid *pres_auid_find(const char *auid);
/* Every usage, for xcap-caps: the i-th or NULL past the end. */
const struct pres_auid *pres_auid_at(size_t i);
/*
 * Check a whole document for usage `a`: UTF-8, size (pres-content), well-
 * formed (safe parse), root element, uniqueness, schema, constraints. 0,
 * or -1 with `err` (409 not-utf-8 / not-well-formed /
 * schema-validation-error / uniqueness-failure / constraint-failure). On
 * success cx->keys holds the document's index keys (PRES_AUID_INDEXED).
 */
int	pres_auid_validate(const struct pres_auid *a, const uint8_t *body,
	    size_t len, size_t max, struct pres_vctx *cx,
	    struct pres_error *err);
/* The xcap-caps document (RFC 4825 §12) listing every usage, extension
 * and namespace, into `out`. */
int	pres_auid_caps(struct buf *out);

/*
 * Does `uri` (an absolute http(s) URI, as in rls-services <resource-list>
 * and OMA <external-list> anchors) name a resource-lists document (or a
 * node in one) in the users tree of `owner` under `root`? 1 yes, 0 no;
 * `why` (may be NULL) says what is wrong. When `u` is not NULL it gets
 * the parsed XCAP URI of the path.
 */
struct xcap_uri;
int	pres_auid_own_list(const char *uri, const char *owner,
	    const char *root, struct xcap_uri *u, char *why, size_t whylen);

/*
 * The URI inside an identity value ("<uri>", "\"uri\"", a display name
 * then <uri>, or a bare URI), normalised for comparison: scheme and host
 * part in lower case, URI parameters dropped; tel: numbers without visual
 * separators (RFC 3966 §5.1.1). Only sip:, sips: and tel:. Returns 0, or
 * -1 when nothing usable is there. (presence_xcap.c)
 */
int	pres_normalise_uri(const char *in, char *out, size_t size);

/*
 * Reading a parsed document (the usages' constraints, the policy): is `n`
 * an element in namespace `ns` called `name` (NULL: any name)? The first
 * child element of `n` so named, or NULL. The text of `n`, leading and
 * trailing white space removed, into `out` (`size` octets): 0, or -1 when
 * it does not fit (`out` is then "").
 */
struct _xmlNode;
int	pres_is_el(const struct _xmlNode *n, const char *ns,
	    const char *name);
struct _xmlNode *pres_child(const struct _xmlNode *n, const char *ns,
	    const char *name);
int	pres_text(struct _xmlNode *n, char *out, size_t size);

/* --- presence_policy.c: RFC 4745 / RFC 5025 evaluation ---------------- */

/* sub-handling values (RFC 5025 §3.2.1): ordered for combining by max. */
#define PRES_SUB_NONE		(-1)
#define PRES_SUB_BLOCK		0
#define PRES_SUB_CONFIRM	10
#define PRES_SUB_POLITE_BLOCK	20
#define PRES_SUB_ALLOW		30

/* "block" ... for a value, NULL for another; and back (-1 unknown). */
const char *pres_sub_name(int v);
int	pres_sub_value(const char *name);

/* What a request is: who asks about whom, in which sphere, when. */
struct pres_policy_query {
	const char	*presentity;	/* normalised */
	const char	*watcher;	/* normalised */
	const char	*sphere;	/* the presentity's sphere, or NULL */
	time_t		 now;
	/*
	 * Is `watcher` an entry of the resource list named by the OMA
	 * <external-list> anchor `anc`? 1 yes, 0 no or unresolvable.
	 */
	int		(*in_list)(void *arg, const char *anc,
			    const char *watcher);
	void		*arg;
};

struct pres_policy;
/* An empty evaluation, to which documents are added. NULL: no memory. */
struct pres_policy *pres_policy_new(const struct pres_policy_query *q);
void	pres_policy_free(struct pres_policy *p);	/* NULL ok */
/*
 * Add the rules of one stored pres-rules document (`auid`, `path`; its
 * bytes already valid for that usage). Rules are combined over every
 * document added (RFC 4745 §10). 0, or -1 when it does not parse.
 */
int	pres_policy_add(struct pres_policy *p, const char *auid,
	    const char *path, const uint8_t *body, size_t len, size_t max);
/*
 * Evaluate (after every document was added): the combined sub-handling
 * (`default_sub` when no matching rule sets one) and transformations.
 * 0 or -1 (out of memory).
 */
int	pres_policy_eval(struct pres_policy *p, int default_sub);
/* Results: the combined sub-handling, whether it is the default, and the
 * matched rules as "id,id,..." (or "-") into `out`. */
int	pres_policy_sub(const struct pres_policy *p, int *is_default);
void	pres_policy_rules(const struct pres_policy *p, char *out, size_t size);
/* The result as an XML document (application/xml) or a JSON object
 * (application/json), appended to `out`. 0 or -1 (cap of `out`). */
int	pres_policy_xml(const struct pres_policy *p, struct buf *out);
int	pres_policy_json(const struct pres_policy *p, struct buf *out);

#endif
