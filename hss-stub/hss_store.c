/*
 * hss_store.c — hss-stub's subscriber database (SQLite, WAL).
 *
 * A MAR is one IMMEDIATE transaction (hss_store_mar): the subscriber is
 * read, the AUTS of a resynchronisation verified, SQN_HE moved and
 * committed before the vector leaves, so a restart or a second process
 * (provisioning while the daemon runs) never reuses an SQN and never sees
 * half a change (TS 33.102 6.3.2: each SQN is used once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "aka.h"
#include "db.h"
#include "hss.h"
#include "secret.h"

struct hss_store {
	struct db	*db;
};

static const char *const migrations[] = {
	/* version 1 */
	"CREATE TABLE subscriber ("
	"  impi TEXT PRIMARY KEY NOT NULL,"
	"  k BLOB NOT NULL CHECK (length(k) = 16),"
	"  opc BLOB NOT NULL CHECK (length(opc) = 16),"
	"  amf BLOB NOT NULL CHECK (length(amf) = 2),"
	"  sqn INTEGER NOT NULL CHECK (sqn >= 0 AND sqn < 281474976710656),"
	"  scheme INTEGER NOT NULL CHECK (scheme IN (1, 2)),"
	"  lifetime INTEGER NOT NULL DEFAULT 0,"
	"  guss_time INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE impu ("
	"  uri TEXT PRIMARY KEY NOT NULL,"
	"  impi TEXT NOT NULL REFERENCES subscriber(impi) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL"
	");"
	"CREATE INDEX impu_by_impi ON impu(impi, pos);"
	"CREATE TABLE uss ("
	"  impi TEXT NOT NULL REFERENCES subscriber(impi) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL,"
	"  gsid INTEGER NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  naf_group TEXT NOT NULL,"
	"  flags TEXT NOT NULL,"
	"  PRIMARY KEY (impi, pos)"
	") WITHOUT ROWID;",
};

static const char sql_add[] =
    "INSERT INTO subscriber (impi, k, opc, amf, sqn, scheme, lifetime, guss_time)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_add_impu[] =
    "INSERT INTO impu (uri, impi, pos) VALUES (?, ?, ?)";
static const char sql_add_uss[] =
    "INSERT INTO uss (impi, pos, gsid, type, naf_group, flags)"
    " VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_get[] =
    "SELECT k, opc, amf, sqn, scheme, lifetime, guss_time FROM subscriber"
    " WHERE impi = ?";
static const char sql_get_impus[] =
    "SELECT uri FROM impu WHERE impi = ? ORDER BY pos";
static const char sql_get_uss[] =
    "SELECT gsid, type, naf_group, flags FROM uss WHERE impi = ? ORDER BY pos";
static const char sql_find_impu[] = "SELECT impi FROM impu WHERE uri = ?";
static const char sql_del[] = "DELETE FROM subscriber WHERE impi = ?";
static const char sql_list[] =
    "SELECT impi, amf, sqn, scheme, lifetime, guss_time FROM subscriber"
    " ORDER BY impi";
static const char sql_set_sqn[] = "UPDATE subscriber SET sqn = ? WHERE impi = ?";

void
hss_sub_clear(struct hss_sub *s)
{
	if (s != NULL)
		secret_wipe(s, sizeof(*s));
}

const char *
hss_scheme_name(enum hss_scheme s)
{
	return s == HSS_AKAV2 ? "AKAv2" : "AKAv1";
}

const char *
hss_scheme_sip(enum hss_scheme s)
{
	return s == HSS_AKAV2 ? "Digest-AKAv2-MD5" : "Digest-AKAv1-MD5";
}

int
hss_scheme_parse(const char *text, enum hss_scheme *s)
{
	if (strcasecmp(text, "AKAv1") == 0 || strcasecmp(text, "AKAv1-MD5") == 0)
		*s = HSS_AKAV1;
	else if (strcasecmp(text, "AKAv2") == 0 ||
	    strcasecmp(text, "AKAv2-MD5") == 0)
		*s = HSS_AKAV2;
	else
		return -1;
	return 0;
}

struct hss_store *
hss_store_open(const char *path, int busy_ms, char *err, size_t errlen)
{
	struct hss_store *st;

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
hss_store_close(struct hss_store *st)
{
	if (st == NULL)
		return;
	db_close(st->db);
	free(st);
}

const char *
hss_store_errmsg(struct hss_store *st)
{
	return db_errmsg(st->db);
}

/* "1,2,3" from the flags of `u`. */
static void
flags_text(const struct hss_uss *u, char *out, size_t size)
{
	size_t len = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < u->n_flags && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%u",
		    i ? "," : "", u->flags[i]);
}

static void
flags_parse(const char *text, struct hss_uss *u)
{
	char *end;
	unsigned long v;

	u->n_flags = 0;
	while (*text != '\0' && u->n_flags < HSS_FLAGS_MAX) {
		v = strtoul(text, &end, 10);
		if (end == text)
			break;
		u->flags[u->n_flags++] = (uint32_t)v;
		text = *end == ',' ? end + 1 : end;
	}
}

static int
step_done(struct db *db, sqlite3_stmt *stmt, char *err, size_t errlen)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		snprintf(err, errlen, "already exists or violates a constraint "
		    "(%s)", db_errmsg(db));
	else
		snprintf(err, errlen, "database: %s", db_errmsg(db));
	return -1;
}

int
hss_store_add_bulk(struct hss_store *st, const struct hss_sub *s, char *err,
    size_t errlen)
{
	sqlite3_stmt *q;
	char flags[HSS_FLAGS_MAX * 11 + 1];
	int i;

	if ((q = db_prepare(st->db, sql_add)) == NULL)
		goto dberr;
	sqlite3_bind_text(q, 1, s->impi, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, s->k, 16, SQLITE_STATIC);
	sqlite3_bind_blob(q, 3, s->opc, 16, SQLITE_STATIC);
	sqlite3_bind_blob(q, 4, s->amf, 2, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, (sqlite3_int64)s->sqn);
	sqlite3_bind_int(q, 6, (int)s->scheme);
	sqlite3_bind_int64(q, 7, s->lifetime);
	sqlite3_bind_int64(q, 8, (sqlite3_int64)s->guss_time);
	if (step_done(st->db, q, err, errlen) != 0) {
		if (strstr(err, "constraint") != NULL)
			snprintf(err, errlen, "IMPI %s already exists", s->impi);
		sqlite3_reset(q);
		return -1;
	}
	sqlite3_reset(q);
	for (i = 0; i < s->n_impu; i++) {
		if ((q = db_prepare(st->db, sql_add_impu)) == NULL)
			goto dberr;
		sqlite3_bind_text(q, 1, s->impu[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, s->impi, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 3, i);
		if (step_done(st->db, q, err, errlen) != 0) {
			snprintf(err, errlen, "public identity %s already belongs "
			    "to a subscriber", s->impu[i]);
			sqlite3_reset(q);
			return -1;
		}
		sqlite3_reset(q);
	}
	for (i = 0; i < s->n_uss; i++) {
		if ((q = db_prepare(st->db, sql_add_uss)) == NULL)
			goto dberr;
		flags_text(&s->uss[i], flags, sizeof(flags));
		sqlite3_bind_text(q, 1, s->impi, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 2, i);
		sqlite3_bind_int64(q, 3, s->uss[i].gsid);
		sqlite3_bind_int64(q, 4, s->uss[i].type);
		sqlite3_bind_text(q, 5, s->uss[i].naf_group, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 6, flags, -1, SQLITE_TRANSIENT);
		if (step_done(st->db, q, err, errlen) != 0) {
			sqlite3_reset(q);
			return -1;
		}
		sqlite3_reset(q);
	}
	return 0;
dberr:
	snprintf(err, errlen, "database: %s", db_errmsg(st->db));
	return -1;
}

int
hss_store_add(struct hss_store *st, const struct hss_sub *s, char *err,
    size_t errlen)
{
	if (db_begin(st->db) != 0) {
		snprintf(err, errlen, "database: %s", db_errmsg(st->db));
		return -1;
	}
	if (hss_store_add_bulk(st, s, err, errlen) != 0) {
		db_rollback(st->db);
		return -1;
	}
	if (db_commit(st->db) != 0) {
		snprintf(err, errlen, "database: %s", db_errmsg(st->db));
		db_rollback(st->db);
		return -1;
	}
	return 0;
}

int
hss_store_bulk_begin(struct hss_store *st)
{
	return db_begin(st->db);
}

int
hss_store_bulk_end(struct hss_store *st)
{
	if (db_commit(st->db) == 0)
		return 0;
	db_rollback(st->db);
	return -1;
}

void
hss_store_bulk_abort(struct hss_store *st)
{
	db_rollback(st->db);
}

static void
copy_blob(sqlite3_stmt *q, int col, uint8_t *out, size_t len)
{
	const void *p = sqlite3_column_blob(q, col);

	if (p != NULL && (size_t)sqlite3_column_bytes(q, col) == len)
		memcpy(out, p, len);
	else
		memset(out, 0, len);
}

static int
load_lists(struct hss_store *st, struct hss_sub *s)
{
	sqlite3_stmt *q;
	int rc;

	s->n_impu = 0;
	if ((q = db_prepare(st->db, sql_get_impus)) == NULL)
		return -1;
	sqlite3_bind_text(q, 1, s->impi, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && s->n_impu < HSS_IMPU_MAX)
		snprintf(s->impu[s->n_impu++], HSS_ID_MAX, "%s",
		    (const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;

	s->n_uss = 0;
	if ((q = db_prepare(st->db, sql_get_uss)) == NULL)
		return -1;
	sqlite3_bind_text(q, 1, s->impi, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && s->n_uss < HSS_USS_MAX) {
		struct hss_uss *u = &s->uss[s->n_uss++];

		u->gsid = (uint32_t)sqlite3_column_int64(q, 0);
		u->type = (uint32_t)sqlite3_column_int64(q, 1);
		snprintf(u->naf_group, sizeof(u->naf_group), "%s",
		    (const char *)sqlite3_column_text(q, 2));
		flags_parse((const char *)sqlite3_column_text(q, 3), u);
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The subscriber row of `impi` into `s` (cleared first; no lists).
 * 0 found, 1 unknown, -1 error. */
static int
load_sub(struct hss_store *st, const char *impi, struct hss_sub *s)
{
	sqlite3_stmt *q;
	int rc;

	memset(s, 0, sizeof(*s));
	if (strlen(impi) >= HSS_ID_MAX)
		return 1;
	if ((q = db_prepare(st->db, sql_get)) == NULL)
		return -1;
	sqlite3_bind_text(q, 1, impi, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return 1;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(q);
		return -1;
	}
	snprintf(s->impi, sizeof(s->impi), "%s", impi);
	copy_blob(q, 0, s->k, 16);
	copy_blob(q, 1, s->opc, 16);
	copy_blob(q, 2, s->amf, 2);
	s->sqn = (uint64_t)sqlite3_column_int64(q, 3);
	s->scheme = sqlite3_column_int(q, 4) == 2 ? HSS_AKAV2 : HSS_AKAV1;
	s->lifetime = sqlite3_column_int64(q, 5);
	s->guss_time = (time_t)sqlite3_column_int64(q, 6);
	sqlite3_reset(q);
	return 0;
}

int
hss_store_get(struct hss_store *st, const char *impi, struct hss_sub *s)
{
	int rc;

	if ((rc = load_sub(st, impi, s)) != 0)
		return rc;
	return load_lists(st, s) == 0 ? 0 : -1;
}

int
hss_store_find_impu(struct hss_store *st, const char *impu,
    char impi[HSS_ID_MAX])
{
	sqlite3_stmt *q;
	int rc;

	if ((q = db_prepare(st->db, sql_find_impu)) == NULL)
		return -1;
	sqlite3_bind_text(q, 1, impu, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		snprintf(impi, HSS_ID_MAX, "%s",
		    (const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
hss_store_del(struct hss_store *st, const char *impi)
{
	sqlite3_stmt *q;
	int rc;

	if ((q = db_prepare(st->db, sql_del)) == NULL)
		return -1;
	sqlite3_bind_text(q, 1, impi, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(sqlite3_db_handle(q)) > 0 ? 0 : 1;
}

int
hss_store_list(struct hss_store *st, int (*cb)(const struct hss_sub *, void *),
    void *arg)
{
	sqlite3_stmt *q;
	struct hss_sub *s;
	int rc, ret = 0;

	/* Other cached statements (the lists) may step while this one is
	 * open; `cb` must not list again. */
	if ((q = db_prepare(st->db, sql_list)) == NULL)
		return -1;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		memset(s, 0, sizeof(*s));
		snprintf(s->impi, sizeof(s->impi), "%s",
		    (const char *)sqlite3_column_text(q, 0));
		copy_blob(q, 1, s->amf, 2);
		s->sqn = (uint64_t)sqlite3_column_int64(q, 2);
		s->scheme = sqlite3_column_int(q, 3) == 2 ? HSS_AKAV2 : HSS_AKAV1;
		s->lifetime = sqlite3_column_int64(q, 4);
		s->guss_time = (time_t)sqlite3_column_int64(q, 5);
		if (load_lists(st, s) != 0 || cb(s, arg) != 0) {
			ret = -1;
			break;
		}
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = -1;
	sqlite3_reset(q);
	free(s);
	return ret;
}

int
hss_store_mar(struct hss_store *st, const char *impi, const time_t *guss_ts,
    int (*check)(const struct hss_sub *, void *, uint64_t *), void *arg,
    struct hss_sub *s, uint64_t *sqn, int *with_guss)
{
	sqlite3_stmt *q;
	uint64_t cur, sqn_ms;
	int rc;

	memset(s, 0, sizeof(*s));
	*with_guss = 0;
	if (db_begin(st->db) != 0)
		return -1;
	if ((rc = load_sub(st, impi, s)) != 0) {
		db_rollback(st->db);
		return rc;
	}
	cur = s->sqn;
	/* Resynchronisation: the AUTS is verified with the K/OPc read in
	 * this transaction before SQN_HE moves; a bad MAC-S rolls back with
	 * SQN_HE untouched. TS 33.102 6.3.5 / Annex C: after a verified AUTS
	 * the HE continues from SQN_MS, then takes the next SEQ||IND as for
	 * any vector. */
	if (check != NULL) {
		if (check(s, arg, &sqn_ms) != 0) {
			db_rollback(st->db);
			return 2;
		}
		cur = aka_sqn_he_resync(sqn_ms);
	}
	*sqn = aka_sqn_he_next(cur);
	if ((q = db_prepare(st->db, sql_set_sqn)) == NULL)
		goto fail;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)*sqn);
	sqlite3_bind_text(q, 2, s->impi, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		goto fail;
	/* GUSS only when the BSF's copy is older (TS 29.109 6.1.1): the
	 * public identities and USSs are read for it alone. */
	if (guss_ts == NULL || *guss_ts < s->guss_time) {
		if (load_lists(st, s) != 0)
			goto fail;
		*with_guss = 1;
	}
	if (db_commit(st->db) != 0)
		goto fail;
	s->sqn = *sqn;
	return 0;
fail:
	db_rollback(st->db);
	*with_guss = 0;
	return -1;
}
