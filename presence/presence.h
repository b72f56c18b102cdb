/*
 * presence.h — the presence XCAP server's private header: configuration,
 * the document store, the application usages and request handling.
 *
 * presence serves XCAP (RFC 4825) for the presence application usages
 * under /xcap-root, over HTTP/1.1 and h2c, only to identities asserted by
 * a trusted peer (the Authentication Proxy; ARCHITECTURE.md §4).
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
 * says whether the document is new. Returns 0, 2 when `expect` does not
 * hold (nothing written), -1 on error (nothing written).
 */
int	pres_store_put(struct pres_store *st, const char *owner,
	    const char *auid, const char *path, const uint8_t *body, size_t len,
	    const char *expect, char etag[PRES_ETAG_LEN + 1], int *created);

/* Delete: 0 deleted, 1 absent, 2 `expect` (as above, non-NULL) does not
 * hold, -1 error. */
int	pres_store_delete(struct pres_store *st, const char *owner,
	    const char *auid, const char *path, const char *expect);

/* What `owner` stores, not counting the document (auid, path) when given
 * (the one a PUT would replace): documents and octets. 0 or -1. */
int	pres_store_usage(struct pres_store *st, const char *owner,
	    const char *auid, const char *path, long *docs, long long *bytes);

/* --- presence_auid.c: application usages (RFC 4825 §5) ---------------- */

/* Why a document is refused: an HTTP status and, for 409, the
 * xcap-error element (RFC 4825 §11) with its details. */
struct pres_error {
	int		 status;		/* 0: no error */
	const char	*tag;			/* "schema-validation-error" ... */
	char		 phrase[256];
	char		 field[256];		/* uniqueness-failure: exists/@field */
	char		 alt[256];		/* ... and a free alt-value */
};

struct _xmlDoc;
struct pres_auid {
	const char	*auid;
	const char	*mime;		/* the document MIME type */
	const char	*ns;		/* default namespace */
	const char	*xsd;		/* schema file in the XSD folder */
	int		 global_only;	/* one generated, read-only document */
	/* Constraints beyond the schema (uniqueness ...); 0 or -1 with err. */
	int		(*constraints)(struct _xmlDoc *doc, struct pres_error *err);
};

/* Load every AUID's schema from `xsd_dir`; 0 or -1 with err. */
int	pres_auid_init(const char *xsd_dir, char *err, size_t errlen);
void	pres_auid_free(void);
/* The usage for `auid`, or NULL (unknown AUID: 404, decision table). */
const struct pres_auid *pres_auid_find(const char *auid);
/* Every usage, for xcap-caps: the i-th or NULL past the end. */
const struct pres_auid *pres_auid_at(size_t i);
/*
 * Check a whole document for usage `a`: well-formed (safe parse), root in
 * the usage's namespace, valid against its schema, constraints. 0, or -1
 * with `err` (409 not-well-formed / schema-validation-error /
 * uniqueness-failure / constraint-failure).
 */
int	pres_auid_validate(const struct pres_auid *a, const uint8_t *body,
	    size_t len, size_t max, struct pres_error *err);
/* The xcap-caps document (RFC 4825 §12) listing every usage, into `out`. */
int	pres_auid_caps(struct buf *out);

#endif
