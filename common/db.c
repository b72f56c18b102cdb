/*
 * db.c — SQLite open/migrate, statement cache, transactions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"

struct db {
	sqlite3		*h;
	struct {
		const char	*sql;
		sqlite3_stmt	*stmt;
	} cache[DB_STMT_CACHE];
	int		 last_rc;
};

static int
exec_sql(sqlite3 *h, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s", msg != NULL ? msg : sqlite3_errmsg(h));
	sqlite3_free(msg);
	return -1;
}

static int
user_version(sqlite3 *h, int *v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

struct db *
db_open(const char *path, const char *const *migrations, size_t n_migrations,
    int busy_ms, int sync_full, char *err, size_t errlen)
{
	struct db *db;
	char sql[64];
	int v = 0;
	size_t i;

	if ((db = calloc(1, sizeof(*db))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		    db->h ? sqlite3_errmsg(db->h) : "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, busy_ms);
	if (exec_sql(db->h, "PRAGMA journal_mode=WAL", err, errlen) != 0 ||
	    exec_sql(db->h, sync_full ? "PRAGMA synchronous=FULL" :
	    "PRAGMA synchronous=NORMAL", err, errlen) != 0 ||
	    exec_sql(db->h, "PRAGMA foreign_keys=ON", err, errlen) != 0 ||
	    exec_sql(db->h, "PRAGMA trusted_schema=OFF", err, errlen) != 0)
		goto fail_path;
	if (user_version(db->h, &v) != 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db->h));
		goto fail;
	}
	if (v < 0 || (size_t)v > n_migrations) {
		snprintf(err, errlen, "%s: schema version %d is newer than this "
		    "program (%zu)", path, v, n_migrations);
		goto fail;
	}
	for (i = (size_t)v; i < n_migrations; i++) {
		/* One transaction per step: a failed migration leaves the
		 * previous version intact. */
		if (exec_sql(db->h, "BEGIN IMMEDIATE", err, errlen) != 0)
			goto fail_path;
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%zu", i + 1);
		if (exec_sql(db->h, migrations[i], err, errlen) != 0 ||
		    exec_sql(db->h, sql, err, errlen) != 0 ||
		    exec_sql(db->h, "COMMIT", err, errlen) != 0) {
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
			goto fail_path;
		}
	}
	return db;

fail_path:
	{
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "%s: %s", path, tmp);
	}
fail:
	db_close(db);
	return NULL;
}

void
db_close(struct db *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < DB_STMT_CACHE; i++)
		sqlite3_finalize(db->cache[i].stmt);
	sqlite3_close(db->h);
	free(db);
}

sqlite3_stmt *
db_prepare(struct db *db, const char *sql)
{
	size_t i, slot = DB_STMT_CACHE;

	for (i = 0; i < DB_STMT_CACHE; i++) {
		if (db->cache[i].sql == sql) {
			sqlite3_reset(db->cache[i].stmt);
			sqlite3_clear_bindings(db->cache[i].stmt);
			return db->cache[i].stmt;
		}
		if (db->cache[i].sql == NULL && slot == DB_STMT_CACHE)
			slot = i;
	}
	if (slot == DB_STMT_CACHE) {
		/* Cache full: a programming error (raise DB_STMT_CACHE). */
		db->last_rc = SQLITE_FULL;
		return NULL;
	}
	db->last_rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &db->cache[slot].stmt, NULL);
	if (db->last_rc != SQLITE_OK)
		return NULL;
	db->cache[slot].sql = sql;
	return db->cache[slot].stmt;
}

int
db_exec(struct db *db, const char *sql)
{
	db->last_rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	return db->last_rc == SQLITE_OK ? 0 : -1;
}

int
db_begin(struct db *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(struct db *db)
{
	return db_exec(db, "COMMIT");
}

int
db_rollback(struct db *db)
{
	/* Harmless when no transaction is open (SQLite errors, ignored). */
	int rc = db_exec(db, "ROLLBACK");

	return rc;
}

const char *
db_errmsg(struct db *db)
{
	if (db->last_rc == SQLITE_FULL)
		return "statement cache full";
	return sqlite3_errmsg(db->h);
}

int
db_busy(struct db *db)
{
	int rc = sqlite3_extended_errcode(db->h) & 0xff;

	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}
