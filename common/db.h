/*
 * db.h — SQLite behind a small interface: open with WAL, versioned schema
 * migrations, prepared statements cached per connection, transactions.
 *
 * Only db.c and each program's *_store.c include sqlite3.h: statements are
 * bound and stepped there, always through prepared statements with bound
 * parameters (never SQL built from text).
 *
 * Durability: WAL with synchronous=NORMAL. A transaction committed before
 * a client is answered survives the process being killed (kill -9): the
 * WAL frames are in the file when COMMIT returns; only an OS crash or
 * power loss can lose the last commits (set db.sync_full for that).
 */
#ifndef UTSTACK_DB_H
#define UTSTACK_DB_H

#include <stddef.h>

struct db;
struct sqlite3_stmt;

#define DB_STMT_CACHE	32	/* distinct cached statements per db */

/*
 * Open (creating if needed) the database at `path` and bring its schema to
 * version `n_migrations`: migrations[i] is the SQL that takes version i to
 * i+1, applied in one transaction each, recorded in PRAGMA user_version.
 * A database newer than the program is refused. `busy_ms` bounds how long
 * a statement waits for another process's lock (keep it short in daemons).
 * Returns a handle (free with db_close) or NULL with `err` filled.
 */
struct db	*db_open(const char *path, const char *const *migrations,
		    size_t n_migrations, int busy_ms, int sync_full, char *err,
		    size_t errlen);
void		 db_close(struct db *db);	/* accepts NULL */

/*
 * A cached prepared statement for `sql`, which must be a string literal
 * (the cache is keyed by its address). The statement is reset and its
 * bindings cleared. Returns NULL on error (db_errmsg says why).
 */
struct sqlite3_stmt *db_prepare(struct db *db, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1. */
int		 db_begin(struct db *db);
int		 db_commit(struct db *db);
int		 db_rollback(struct db *db);

/* Run SQL without parameters (schema statements, PRAGMAs). 0 or -1. */
int		 db_exec(struct db *db, const char *sql);

/* The last error text of this connection. */
const char	*db_errmsg(struct db *db);

/* 1 if the last failure was SQLITE_BUSY / SQLITE_LOCKED (try later). */
int		 db_busy(struct db *db);

#endif
