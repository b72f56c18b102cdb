/*
 * bsf_store.c — bootstrapping sessions in SQLite (WAL): B-TID, IMPI, RAND,
 * Ks, creation and expiry times and the GUSS (TS 33.220 §4.5.2: the BSF
 * keeps Ks with the B-TID until the key lifetime ends; several live B-TIDs
 * per IMPI are allowed).
 *
 * A session is live while now < expires. Expiry is checked on every read,
 * so a session ends exactly on time whatever the purge interval; the purge
 * only reclaims space. Every write is a single statement, which SQLite
 * runs as one transaction.
 *
 * With a wrap key, Ks is stored sealed with AES-256-GCM: a random 96-bit
 * nonce per row (NIST SP 800-38D §8.2.2: random nonces are safe for up to
 * 2^32 seals under one key) and the B-TID as associated data, so a sealed
 * Ks cannot be moved to another row. The column is nonce || ct || tag and
 * `sealed` says which form a row holds.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bsf.h"
#include "crypto.h"
#include "db.h"
#include "secret.h"

#define SEALED_LEN	(CRYPTO_GCM_NONCE_LEN + GBA_KS_LEN + CRYPTO_GCM_TAG_LEN)

struct bsf_store {
	struct db	*db;
	uint8_t		 key[BSF_WRAP_KEY_LEN];
	int		 sealed;		/* a wrap key is in `key` */
	char		 err[512];
};

static const char *const migrations[] = {
	/* version 1 */
	"CREATE TABLE session ("
	"  btid TEXT PRIMARY KEY NOT NULL,"
	"  impi TEXT NOT NULL,"
	"  rand BLOB NOT NULL CHECK (length(rand) = 16),"
	"  sealed INTEGER NOT NULL CHECK (sealed IN (0, 1)),"
	"  ks BLOB NOT NULL CHECK (length(ks) = CASE sealed WHEN 0 THEN 32"
	"    ELSE 60 END),"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  guss BLOB"
	") WITHOUT ROWID;"
	"CREATE INDEX session_by_expires ON session(expires);",
};

/* Insert, or take over the row of an expired session with the same B-TID;
 * a live row is left alone (no change: the caller picks another RAND). */
static const char sql_put[] =
    "INSERT INTO session (btid, impi, rand, sealed, ks, created, expires, guss)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT (btid) DO UPDATE SET impi = excluded.impi,"
    " rand = excluded.rand, sealed = excluded.sealed, ks = excluded.ks,"
    " created = excluded.created, expires = excluded.expires,"
    " guss = excluded.guss WHERE session.expires <= ?9";
static const char sql_get[] =
    "SELECT impi, rand, sealed, ks, created, expires, guss FROM session"
    " WHERE btid = ? AND expires > ?";
static const char sql_purge[] = "DELETE FROM session WHERE expires <= ?";
static const char sql_count[] =
    "SELECT count(*) FROM session WHERE expires > ?";

void
bsf_session_clear(struct bsf_session *s)
{
	if (s == NULL)
		return;
	free(s->guss);
	secret_wipe(s, sizeof(*s));
}

static void
dberr(struct bsf_store *st, const char *what)
{
	snprintf(st->err, sizeof(st->err), "%s: %s", what, db_errmsg(st->db));
}

struct bsf_store *
bsf_store_open(const char *path, int busy_ms, const uint8_t *wrap_key,
    char *err, size_t errlen)
{
	struct bsf_store *st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (wrap_key != NULL) {
		memcpy(st->key, wrap_key, sizeof(st->key));
		st->sealed = 1;
	}
	st->db = db_open(path, migrations, sizeof(migrations) /
	    sizeof(migrations[0]), busy_ms, 0, err, errlen);
	if (st->db == NULL)
		goto fail;
	/* Deleted rows (clear Ks among them) are zeroed where that costs no
	 * extra I/O. */
	if (db_exec(st->db, "PRAGMA secure_delete=FAST") != 0) {
		snprintf(err, errlen, "%s: %s", path, db_errmsg(st->db));
		goto fail;
	}
	return st;
fail:
	bsf_store_close(st);
	return NULL;
}

void
bsf_store_close(struct bsf_store *st)
{
	if (st == NULL)
		return;
	db_close(st->db);
	secret_wipe(st, sizeof(*st));
	free(st);
}

const char *
bsf_store_errmsg(struct bsf_store *st)
{
	return st->err;
}

int
bsf_store_put(struct bsf_store *st, const struct bsf_session *s, time_t now)
{
	uint8_t wrapped[SEALED_LEN];
	sqlite3_stmt *q;
	size_t btid_len;
	int rc;

	btid_len = strnlen(s->btid, sizeof(s->btid));
	if (btid_len == 0 || btid_len == sizeof(s->btid) ||
	    strnlen(s->impi, sizeof(s->impi)) == sizeof(s->impi)) {
		snprintf(st->err, sizeof(st->err), "put: bad B-TID or IMPI");
		return -1;
	}
	if (s->guss_len > BSF_GUSS_MAX || (s->guss == NULL && s->guss_len)) {
		snprintf(st->err, sizeof(st->err), "put %s: bad GUSS (%zu "
		    "octets, at most %d)", s->btid, s->guss_len, BSF_GUSS_MAX);
		return -1;
	}
	if (st->sealed) {
		if (crypto_random(wrapped, CRYPTO_GCM_NONCE_LEN, 0) != 0) {
			snprintf(st->err, sizeof(st->err), "put %s: no random "
			    "nonce", s->btid);
			return -1;
		}
		crypto_aes256_gcm_seal(st->key, wrapped, s->btid, btid_len,
		    s->ks, GBA_KS_LEN, wrapped + CRYPTO_GCM_NONCE_LEN);
	}
	if ((q = db_prepare(st->db, sql_put)) == NULL) {
		dberr(st, "put");
		goto fail;
	}
	sqlite3_bind_text(q, 1, s->btid, (int)btid_len, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, s->impi, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 3, s->rand, GBA_RAND_LEN, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, st->sealed);
	if (st->sealed)
		sqlite3_bind_blob(q, 5, wrapped, SEALED_LEN, SQLITE_STATIC);
	else
		sqlite3_bind_blob(q, 5, s->ks, GBA_KS_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, (sqlite3_int64)s->created);
	sqlite3_bind_int64(q, 7, (sqlite3_int64)s->expires);
	if (s->guss != NULL)
		sqlite3_bind_blob(q, 8, s->guss, (int)s->guss_len,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 8);
	sqlite3_bind_int64(q, 9, (sqlite3_int64)now);
	rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		dberr(st, "put");
	sqlite3_reset(q);
	/* No pointer to Ks stays bound in the cached statement. */
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_DONE)
		goto fail;
	secret_wipe(wrapped, sizeof(wrapped));
	/* No change: the row is a live session's (DO UPDATE ... WHERE). */
	return sqlite3_changes(sqlite3_db_handle(q)) > 0 ? 0 : 1;
fail:
	secret_wipe(wrapped, sizeof(wrapped));
	return -1;
}

/* Ks of the row at `q` into s->ks, opening it when sealed. */
static int
row_ks(struct bsf_store *st, sqlite3_stmt *q, struct bsf_session *s)
{
	const uint8_t *p = sqlite3_column_blob(q, 3);
	int n = sqlite3_column_bytes(q, 3);
	int sealed = sqlite3_column_int(q, 2);

	if (sealed != st->sealed) {
		snprintf(st->err, sizeof(st->err), "get %s: Ks is stored %s but "
		    "%s (store.wrap_key changed?)", s->btid,
		    sealed ? "sealed" : "in clear", st->sealed ?
		    "a wrap key is configured" : "no wrap key is configured");
		return -1;
	}
	if (!sealed) {
		if (p == NULL || n != GBA_KS_LEN)
			goto corrupt;
		memcpy(s->ks, p, GBA_KS_LEN);
		return 0;
	}
	if (p == NULL || n != SEALED_LEN)
		goto corrupt;
	if (crypto_aes256_gcm_open(st->key, p, s->btid, strlen(s->btid),
	    p + CRYPTO_GCM_NONCE_LEN, GBA_KS_LEN + CRYPTO_GCM_TAG_LEN,
	    s->ks) != 0) {
		snprintf(st->err, sizeof(st->err), "get %s: sealed Ks does not "
		    "open with the configured wrap key", s->btid);
		return -1;
	}
	return 0;
corrupt:
	snprintf(st->err, sizeof(st->err), "get %s: Ks column has %d octets",
	    s->btid, n);
	return -1;
}

int
bsf_store_get(struct bsf_store *st, const char *btid, time_t now,
    struct bsf_session *s)
{
	sqlite3_stmt *q;
	const void *p;
	int rc, n, ret = -1;

	memset(s, 0, sizeof(*s));
	if (strlen(btid) >= sizeof(s->btid))
		return 1;		/* no such B-TID can have been stored */
	if ((q = db_prepare(st->db, sql_get)) == NULL) {
		dberr(st, "get");
		return -1;
	}
	sqlite3_bind_text(q, 1, btid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)now);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return 1;
	}
	if (rc != SQLITE_ROW) {
		dberr(st, "get");
		sqlite3_reset(q);
		return -1;
	}
	snprintf(s->btid, sizeof(s->btid), "%s", btid);
	p = sqlite3_column_text(q, 0);
	n = sqlite3_column_bytes(q, 0);
	if (p == NULL || n <= 0 || (size_t)n >= sizeof(s->impi)) {
		snprintf(st->err, sizeof(st->err), "get %s: bad IMPI column",
		    btid);
		goto out;
	}
	memcpy(s->impi, p, (size_t)n);
	p = sqlite3_column_blob(q, 1);
	if (p == NULL || sqlite3_column_bytes(q, 1) != GBA_RAND_LEN) {
		snprintf(st->err, sizeof(st->err), "get %s: bad RAND column",
		    btid);
		goto out;
	}
	memcpy(s->rand, p, GBA_RAND_LEN);
	if (row_ks(st, q, s) != 0)
		goto out;
	s->created = (time_t)sqlite3_column_int64(q, 4);
	s->expires = (time_t)sqlite3_column_int64(q, 5);
	if (sqlite3_column_type(q, 6) != SQLITE_NULL) {
		p = sqlite3_column_blob(q, 6);
		n = sqlite3_column_bytes(q, 6);
		/* NUL-terminated for the XML parser's callers' convenience;
		 * guss_len is the document's length. */
		if ((s->guss = malloc((size_t)n + 1)) == NULL) {
			snprintf(st->err, sizeof(st->err), "get %s: out of "
			    "memory", btid);
			goto out;
		}
		if (n > 0)
			memcpy(s->guss, p, (size_t)n);
		s->guss[n] = '\0';
		s->guss_len = (size_t)n;
	}
	ret = 0;
out:
	sqlite3_reset(q);
	if (ret != 0)
		bsf_session_clear(s);
	return ret;
}

int
bsf_store_purge(struct bsf_store *st, time_t now, long *removed)
{
	sqlite3_stmt *q;
	int rc;

	*removed = 0;
	if ((q = db_prepare(st->db, sql_purge)) == NULL) {
		dberr(st, "purge");
		return -1;
	}
	sqlite3_bind_int64(q, 1, (sqlite3_int64)now);
	rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		dberr(st, "purge");
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return -1;
	*removed = (long)sqlite3_changes(sqlite3_db_handle(q));
	return 0;
}

int
bsf_store_count(struct bsf_store *st, time_t now, long *count)
{
	sqlite3_stmt *q;
	int rc;

	*count = 0;
	if ((q = db_prepare(st->db, sql_count)) == NULL) {
		dberr(st, "count");
		return -1;
	}
	sqlite3_bind_int64(q, 1, (sqlite3_int64)now);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*count = (long)sqlite3_column_int64(q, 0);
	else
		dberr(st, "count");
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? 0 : -1;
}
