/*
 * presence_store.c — XCAP documents in SQLite: one row per document with
 * its exact bytes and ETag (XCAP.md §5: GET returns the bytes last
 * written; one ETag per document, renewed on every change, §1.7), and an
 * index of values that must be unique across every user's documents
 * (rls-services service URIs, RFC 4826 §4.4), kept in the same
 * transaction as the document it comes from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "crypto.h"
#include "db.h"
#include "hex.h"
#include "presence.h"

struct pres_store {
	struct db	*db;
};

static const char *const migrations[] = {
	/* version 1: shaped like the OpenSIPS/Kamailio xcap table (XCAP.md
	 * §5.5): owner (XUI, "" = global tree), AUID, document path. */
	"CREATE TABLE document ("
	"  owner TEXT NOT NULL,"
	"  auid TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  body BLOB NOT NULL,"
	"  etag TEXT NOT NULL,"
	"  modified INTEGER NOT NULL,"
	"  PRIMARY KEY (owner, auid, path)"
	") WITHOUT ROWID;",
	/* version 2: server-wide unique keys (rls-services service URIs)
	 * and the document each belongs to. */
	"CREATE TABLE doc_key ("
	"  key TEXT NOT NULL PRIMARY KEY,"
	"  owner TEXT NOT NULL,"
	"  auid TEXT NOT NULL,"
	"  path TEXT NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX doc_key_doc ON doc_key (owner, auid, path);",
};

static const char sql_get[] =
    "SELECT body, etag, modified FROM document"
    " WHERE owner = ? AND auid = ? AND path = ?";
static const char sql_etag[] =
    "SELECT etag FROM document WHERE owner = ? AND auid = ? AND path = ?";
static const char sql_put[] =
    "INSERT INTO document (owner, auid, path, body, etag, modified)"
    " VALUES (?, ?, ?, ?, ?, strftime('%s', 'now'))"
    " ON CONFLICT (owner, auid, path) DO UPDATE SET body = excluded.body,"
    " etag = excluded.etag, modified = excluded.modified";
static const char sql_del[] =
    "DELETE FROM document WHERE owner = ? AND auid = ? AND path = ?";
static const char sql_key_get[] =
    "SELECT owner, auid, path FROM doc_key WHERE key = ?";
static const char sql_key_del[] =
    "DELETE FROM doc_key WHERE owner = ? AND auid = ? AND path = ?";
static const char sql_key_put[] =
    "INSERT INTO doc_key (owner, auid, path, key) VALUES (?, ?, ?, ?)";
static const char sql_list[] =
    "SELECT auid, path, etag, modified, length(body) FROM document"
    " WHERE owner = ?1 AND (?2 IS NULL OR auid = ?2) ORDER BY auid, path";
static const char sql_list_body[] =
    "SELECT auid, path, etag, modified, length(body), body FROM document"
    " WHERE owner = ?1 AND (?2 IS NULL OR auid = ?2) ORDER BY auid, path";
static const char sql_usage[] =
    "SELECT count(*), coalesce(sum(length(body)), 0) FROM document"
    " WHERE owner = ? AND NOT (auid = ? AND path = ?)";

void
pres_doc_clear(struct pres_doc *d)
{
	if (d == NULL)
		return;
	free(d->body);
	memset(d, 0, sizeof(*d));
}

struct pres_store *
pres_store_open(const char *path, int busy_ms, char *err, size_t errlen)
{
	struct pres_store *st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	st->db = db_open(path, migrations, sizeof(migrations) /
	    sizeof(migrations[0]), busy_ms, 0, err, errlen);
	if (st->db == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

void
pres_store_close(struct pres_store *st)
{
	if (st == NULL)
		return;
	db_close(st->db);
	free(st);
}

const char *
pres_store_errmsg(struct pres_store *st)
{
	return db_errmsg(st->db);
}

static void
bind_key(sqlite3_stmt *q, const char *owner, const char *auid,
    const char *path)
{
	sqlite3_bind_text(q, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, auid, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, path, -1, SQLITE_STATIC);
}

int
pres_store_get(struct pres_store *st, const char *owner, const char *auid,
    const char *path, struct pres_doc *d)
{
	sqlite3_stmt *q;
	const void *body;
	int rc, n;

	memset(d, 0, sizeof(*d));
	if ((q = db_prepare(st->db, sql_get)) == NULL)
		return -1;
	bind_key(q, owner, auid, path);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return 1;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(q);
		return -1;
	}
	body = sqlite3_column_blob(q, 0);
	n = sqlite3_column_bytes(q, 0);
	if ((d->body = malloc((size_t)n + 1)) == NULL) {
		sqlite3_reset(q);
		return -1;
	}
	if (n > 0)
		memcpy(d->body, body, (size_t)n);
	d->body[n] = '\0';
	d->len = (size_t)n;
	snprintf(d->etag, sizeof(d->etag), "%s",
	    (const char *)sqlite3_column_text(q, 1));
	d->modified = (time_t)sqlite3_column_int64(q, 2);
	sqlite3_reset(q);
	return 0;
}

/* Inside a transaction: does the stored ETag satisfy `expect`? 1 yes,
 * 0 no, -1 error; *exists says whether the document is there. */
static int
precondition(struct pres_store *st, const char *owner, const char *auid,
    const char *path, const char *expect, int *exists)
{
	sqlite3_stmt *q;
	int rc, ok;

	if ((q = db_prepare(st->db, sql_etag)) == NULL)
		return -1;
	bind_key(q, owner, auid, path);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(q);
		return -1;
	}
	*exists = rc == SQLITE_ROW;
	if (expect == NULL)
		ok = 1;
	else if (*expect == '\0')
		ok = !*exists;
	else
		ok = *exists && strcmp((const char *)sqlite3_column_text(q, 0),
		    expect) == 0;
	sqlite3_reset(q);
	return ok;
}

/*
 * Inside a transaction: make `keys` the index keys of the document, unless
 * one belongs to another document. 0, 3 (taken: copied to `taken`), -1.
 */
static int
put_keys(struct pres_store *st, const char *owner, const char *auid,
    const char *path, const char *const *keys, size_t nkeys, char *taken,
    size_t takenlen)
{
	sqlite3_stmt *q;
	size_t i;
	int rc;

	for (i = 0; i < nkeys; i++) {
		if ((q = db_prepare(st->db, sql_key_get)) == NULL)
			return -1;
		sqlite3_bind_text(q, 1, keys[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW && (strcmp((const char *)
		    sqlite3_column_text(q, 0), owner) != 0 ||
		    strcmp((const char *)sqlite3_column_text(q, 1), auid) != 0 ||
		    strcmp((const char *)sqlite3_column_text(q, 2), path) != 0)) {
			sqlite3_reset(q);
			snprintf(taken, takenlen, "%s", keys[i]);
			return 3;
		}
		sqlite3_reset(q);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return -1;
	}
	if ((q = db_prepare(st->db, sql_key_del)) == NULL)
		return -1;
	bind_key(q, owner, auid, path);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return -1;
	for (i = 0; i < nkeys; i++) {
		if ((q = db_prepare(st->db, sql_key_put)) == NULL)
			return -1;
		bind_key(q, owner, auid, path);
		sqlite3_bind_text(q, 4, keys[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
		/* a key twice in one document is the caller's bug (the
		 * usage's uniqueness check refuses it first) */
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

int
pres_store_put(struct pres_store *st, const char *owner, const char *auid,
    const char *path, const uint8_t *body, size_t len, const char *expect,
    const char *const *keys, size_t nkeys, char *taken, size_t takenlen,
    char etag[PRES_ETAG_LEN + 1], int *created)
{
	sqlite3_stmt *q;
	uint8_t r[PRES_ETAG_LEN / 2];
	int ok, exists = 0, rc;

	if (crypto_random(r, sizeof(r), 0) != 0)
		return -1;
	hex_encode(r, sizeof(r), etag);
	if (db_begin(st->db) != 0)
		return -1;
	if ((ok = precondition(st, owner, auid, path, expect, &exists)) != 1) {
		db_rollback(st->db);
		return ok == 0 ? 2 : -1;
	}
	if (keys != NULL && (rc = put_keys(st, owner, auid, path, keys, nkeys,
	    taken, takenlen)) != 0) {
		db_rollback(st->db);
		return rc;
	}
	if ((q = db_prepare(st->db, sql_put)) == NULL)
		goto fail;
	bind_key(q, owner, auid, path);
	sqlite3_bind_blob(q, 4, body, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, etag, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE || db_commit(st->db) != 0)
		goto fail;
	*created = !exists;
	return 0;
fail:
	db_rollback(st->db);
	return -1;
}

int
pres_store_key_taken(struct pres_store *st, const char *key)
{
	sqlite3_stmt *q;
	int rc;

	if ((q = db_prepare(st->db, sql_key_get)) == NULL)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
pres_store_delete(struct pres_store *st, const char *owner, const char *auid,
    const char *path, const char *expect)
{
	sqlite3_stmt *q;
	int ok, exists = 0, rc;

	if (db_begin(st->db) != 0)
		return -1;
	if ((ok = precondition(st, owner, auid, path, expect, &exists)) != 1 ||
	    !exists) {
		db_rollback(st->db);
		return ok < 0 ? -1 : !exists ? 1 : 2;
	}
	if ((q = db_prepare(st->db, sql_del)) == NULL)
		goto fail;
	bind_key(q, owner, auid, path);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		goto fail;
	if ((q = db_prepare(st->db, sql_key_del)) == NULL)
		goto fail;
	bind_key(q, owner, auid, path);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE || db_commit(st->db) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(st->db);
	return -1;
}

int
pres_store_usage(struct pres_store *st, const char *owner, const char *auid,
    const char *path, long *docs, long long *bytes)
{
	sqlite3_stmt *q;
	int rc;

	if ((q = db_prepare(st->db, sql_usage)) == NULL)
		return -1;
	bind_key(q, owner, auid != NULL ? auid : "", path != NULL ? path : "");
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*docs = (long)sqlite3_column_int64(q, 0);
		*bytes = (long long)sqlite3_column_int64(q, 1);
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? 0 : -1;
}

void
pres_docinfo_free(struct pres_docinfo *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].body);
	free(v);
}

int
pres_store_list(struct pres_store *st, const char *owner, const char *auid,
    int with_body, size_t max, struct pres_docinfo **out, size_t *n)
{
	struct pres_docinfo *v = NULL, *nv, *d;
	sqlite3_stmt *q;
	size_t cnt = 0, cap = 0;
	const void *body;
	int rc, len;

	*out = NULL;
	*n = 0;
	if ((q = db_prepare(st->db, with_body ? sql_list_body : sql_list)) ==
	    NULL)
		return -1;
	sqlite3_bind_text(q, 1, owner, -1, SQLITE_STATIC);
	if (auid != NULL)
		sqlite3_bind_text(q, 2, auid, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (cnt == max)
			goto fail;
		if (cnt == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		d = &v[cnt++];
		memset(d, 0, sizeof(*d));
		snprintf(d->auid, sizeof(d->auid), "%s",
		    (const char *)sqlite3_column_text(q, 0));
		snprintf(d->path, sizeof(d->path), "%s",
		    (const char *)sqlite3_column_text(q, 1));
		snprintf(d->etag, sizeof(d->etag), "%s",
		    (const char *)sqlite3_column_text(q, 2));
		d->modified = (time_t)sqlite3_column_int64(q, 3);
		d->size = (size_t)sqlite3_column_int64(q, 4);
		if (!with_body)
			continue;
		body = sqlite3_column_blob(q, 5);
		len = sqlite3_column_bytes(q, 5);
		if ((d->body = malloc((size_t)len + 1)) == NULL)
			goto fail;
		if (len > 0)
			memcpy(d->body, body, (size_t)len);
		d->body[len] = '\0';
		d->size = (size_t)len;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		pres_docinfo_free(v, cnt);
		return -1;
	}
	*out = v;
	*n = cnt;
	return 0;
fail:
	sqlite3_reset(q);
	pres_docinfo_free(v, cnt);
	return -1;
}
