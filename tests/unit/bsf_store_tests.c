/*
 * bsf_store_tests.c — the BSF's session store and GUSS handling (bsf/
 * bsf_store.c, bsf/bsf_guss.c), in their own Check runner because they
 * belong to a program, not to common/. The GUSS documents come from
 * hss-stub's own writer (hss-stub/hss_guss.c), the format the BSF reads
 * on Zh.
 *
 *   suite "bsf_store": round trips clear and sealed, B-TID collisions,
 *   expiry at read, purge, wrap-key mismatches, restart.
 *   suite "bsf_guss": lifetime and USS count, refusals, the Zn ussList.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <libxml/tree.h>
#include <sqlite3.h>

#include "bsf.h"
#include "buf.h"
#include "hss.h"
#include "xml.h"

#define GUSS_NS	"urn:3gpp:gba:GBAGUSSSchema-R9:2010-02"
#define T0	1700000000	/* a fixed "now" */

static char dir[64];
static char path[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/bsf-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bsf.db", dir);
}

static void
teardown(void)
{
	char p[160];

	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

static const uint8_t key_a[BSF_WRAP_KEY_LEN] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
	0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
};
static const uint8_t key_b[BSF_WRAP_KEY_LEN] = { 0xff };

static struct bsf_store *
open_store(const uint8_t *key)
{
	char err[256] = "";
	struct bsf_store *st;

	st = bsf_store_open(path, 100, key, err, sizeof(err));
	ck_assert_msg(st != NULL, "open: %s", err);
	return st;
}

/* A session numbered `i`, live from T0 for `life` s; the GUSS is a copy
 * (caller clears). */
static void
make_session(struct bsf_session *s, int i, long life, const char *guss)
{
	int j;

	memset(s, 0, sizeof(*s));
	snprintf(s->btid, sizeof(s->btid), "btid%d@bsf.example.org", i);
	snprintf(s->impi, sizeof(s->impi), "user%d@example.org", i);
	for (j = 0; j < GBA_RAND_LEN; j++)
		s->rand[j] = (uint8_t)(i + j);
	for (j = 0; j < GBA_KS_LEN; j++)
		s->ks[j] = (uint8_t)(0xa0 + i + j);
	s->created = T0;
	s->expires = T0 + life;
	if (guss != NULL) {
		ck_assert_ptr_nonnull(s->guss = strdup(guss));
		s->guss_len = strlen(guss);
	}
}

static void
assert_same(const struct bsf_session *a, const struct bsf_session *b)
{
	ck_assert_str_eq(a->btid, b->btid);
	ck_assert_str_eq(a->impi, b->impi);
	ck_assert_mem_eq(a->rand, b->rand, GBA_RAND_LEN);
	ck_assert_mem_eq(a->ks, b->ks, GBA_KS_LEN);
	ck_assert_int_eq((long long)a->created, (long long)b->created);
	ck_assert_int_eq((long long)a->expires, (long long)b->expires);
	ck_assert_uint_eq(a->guss_len, b->guss_len);
	if (a->guss == NULL) {
		ck_assert_ptr_null(b->guss);
	} else {
		ck_assert_ptr_nonnull(b->guss);
		ck_assert_mem_eq(a->guss, b->guss, a->guss_len);
		ck_assert_int_eq(b->guss[b->guss_len], '\0');
	}
}

/* The raw Ks column and `sealed` flag of `btid`, straight from SQLite. */
static int
raw_ks(const char *btid, uint8_t *out, size_t size, int *sealed)
{
	sqlite3 *h;
	sqlite3_stmt *q;
	int n = -1;

	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT ks, sealed FROM session"
	    " WHERE btid = ?", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, btid, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		n = sqlite3_column_bytes(q, 0);
		ck_assert_uint_le((size_t)n, size);
		memcpy(out, sqlite3_column_blob(q, 0), (size_t)n);
		*sealed = sqlite3_column_int(q, 1);
	}
	sqlite3_finalize(q);
	sqlite3_close(h);
	return n;
}

static void
round_trip(const uint8_t *key)
{
	struct bsf_store *st = open_store(key);
	struct bsf_session s, s2, got;
	uint8_t raw[128];
	int sealed = -1;
	long n;

	make_session(&s, 1, 3600, "<guss/>");
	make_session(&s2, 2, 3600, NULL);
	ck_assert_int_eq(bsf_store_put(st, &s, T0), 0);
	ck_assert_int_eq(bsf_store_put(st, &s2, T0), 0);
	ck_assert_int_eq(bsf_store_get(st, s.btid, T0 + 10, &got), 0);
	assert_same(&s, &got);
	bsf_session_clear(&got);
	ck_assert_int_eq(bsf_store_get(st, s2.btid, T0, &got), 0);
	assert_same(&s2, &got);
	bsf_session_clear(&got);
	ck_assert_int_eq(bsf_store_count(st, T0, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(bsf_store_get(st, "nobody@bsf.example.org", T0, &got),
	    1);
	bsf_session_clear(&got);

	/* At rest: 32 octets in clear, or nonce || ct || tag without Ks. */
	n = raw_ks(s.btid, raw, sizeof(raw), &sealed);
	if (key == NULL) {
		ck_assert_int_eq(n, GBA_KS_LEN);
		ck_assert_int_eq(sealed, 0);
		ck_assert_mem_eq(raw, s.ks, GBA_KS_LEN);
	} else {
		ck_assert_int_eq(n, 12 + GBA_KS_LEN + 16);
		ck_assert_int_eq(sealed, 1);
		ck_assert_ptr_null(memmem(raw, (size_t)n, s.ks, 8));
	}
	bsf_session_clear(&s);
	bsf_session_clear(&s2);
	bsf_store_close(st);
	bsf_store_close(NULL);
}

START_TEST(store_round_trip_clear)
{
	round_trip(NULL);
}
END_TEST

START_TEST(store_round_trip_sealed)
{
	round_trip(key_a);
}
END_TEST

START_TEST(store_collision_live)
{
	struct bsf_store *st = open_store(key_a);
	struct bsf_session s, other, got;

	make_session(&s, 1, 3600, "<a/>");
	make_session(&other, 2, 7200, "<b/>");
	snprintf(other.btid, sizeof(other.btid), "%s", s.btid);
	ck_assert_int_eq(bsf_store_put(st, &s, T0), 0);
	/* Same B-TID, first still live (even in its last second). */
	ck_assert_int_eq(bsf_store_put(st, &other, T0), 1);
	ck_assert_int_eq(bsf_store_put(st, &other, T0 + 3599), 1);
	ck_assert_int_eq(bsf_store_get(st, s.btid, T0, &got), 0);
	assert_same(&s, &got);
	bsf_session_clear(&got);
	bsf_session_clear(&s);
	bsf_session_clear(&other);
	bsf_store_close(st);
}
END_TEST

START_TEST(store_expired_replaced)
{
	struct bsf_store *st = open_store(NULL);
	struct bsf_session s, again, got;
	long n;

	make_session(&s, 1, 10, "<a/>");
	make_session(&again, 2, 3600, NULL);
	snprintf(again.btid, sizeof(again.btid), "%s", s.btid);
	again.created = T0 + 10;
	again.expires = T0 + 10 + 3600;
	ck_assert_int_eq(bsf_store_put(st, &s, T0), 0);
	/* At T0 + 10 the first session has expired: its B-TID is free. */
	ck_assert_int_eq(bsf_store_put(st, &again, T0 + 10), 0);
	ck_assert_int_eq(bsf_store_get(st, s.btid, T0 + 10, &got), 0);
	assert_same(&again, &got);
	bsf_session_clear(&got);
	ck_assert_int_eq(bsf_store_count(st, T0 + 10, &n), 0);
	ck_assert_int_eq(n, 1);
	bsf_session_clear(&s);
	bsf_session_clear(&again);
	bsf_store_close(st);
}
END_TEST

START_TEST(store_get_expired)
{
	struct bsf_store *st = open_store(key_a);
	struct bsf_session s, got;

	make_session(&s, 1, 60, NULL);
	ck_assert_int_eq(bsf_store_put(st, &s, T0), 0);
	ck_assert_int_eq(bsf_store_get(st, s.btid, T0 + 59, &got), 0);
	bsf_session_clear(&got);
	/* Expired exactly at `expires`, without any purge having run. */
	ck_assert_int_eq(bsf_store_get(st, s.btid, T0 + 60, &got), 1);
	ck_assert_ptr_null(got.guss);
	ck_assert_int_eq(bsf_store_get(st, s.btid, T0 + 100000, &got), 1);
	bsf_session_clear(&s);
	bsf_store_close(st);
}
END_TEST

START_TEST(store_purge)
{
	struct bsf_store *st = open_store(NULL);
	struct bsf_session s;
	long removed, n;
	int i;

	for (i = 0; i < 5; i++) {
		make_session(&s, i, 10 * (i + 1), "<g/>");	/* 10..50 s */
		ck_assert_int_eq(bsf_store_put(st, &s, T0), 0);
		bsf_session_clear(&s);
	}
	ck_assert_int_eq(bsf_store_purge(st, T0 + 5, &removed), 0);
	ck_assert_int_eq(removed, 0);
	ck_assert_int_eq(bsf_store_purge(st, T0 + 20, &removed), 0);
	ck_assert_int_eq(removed, 2);
	ck_assert_int_eq(bsf_store_count(st, T0 + 20, &n), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(bsf_store_count(st, T0 + 45, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(bsf_store_purge(st, T0 + 20, &removed), 0);
	ck_assert_int_eq(removed, 0);
	ck_assert_int_eq(bsf_store_purge(st, T0 + 1000, &removed), 0);
	ck_assert_int_eq(removed, 3);
	ck_assert_int_eq(bsf_store_count(st, T0, &n), 0);
	ck_assert_int_eq(n, 0);
	bsf_store_close(st);
}
END_TEST

START_TEST(store_wrong_key)
{
	struct bsf_store *st;
	struct bsf_session s, c, got;

	make_session(&s, 1, 3600, NULL);
	make_session(&c, 2, 3600, NULL);
	st = open_store(key_a);
	ck_assert_int_eq(bsf_store_put(st, &s, T0), 0);
	bsf_store_close(st);
	st = open_store(NULL);
	ck_assert_int_eq(bsf_store_put(st, &c, T0), 0);
	/* Sealed row, no key. */
	ck_assert_int_eq(bsf_store_get(st, s.btid, T0, &got), -1);
	ck_assert_ptr_nonnull(strstr(bsf_store_errmsg(st), "stored sealed"));
	bsf_store_close(st);

	st = open_store(key_b);
	ck_assert_int_eq(bsf_store_get(st, s.btid, T0, &got), -1);
	ck_assert_ptr_nonnull(strstr(bsf_store_errmsg(st), "does not open"));
	/* Nothing of a failed open is handed out. */
	ck_assert_str_eq(got.btid, "");
	ck_assert_ptr_null(got.guss);
	/* Clear row, a key configured. */
	ck_assert_int_eq(bsf_store_get(st, c.btid, T0, &got), -1);
	ck_assert_ptr_nonnull(strstr(bsf_store_errmsg(st), "stored in clear"));
	bsf_store_close(st);

	st = open_store(key_a);
	ck_assert_int_eq(bsf_store_get(st, s.btid, T0, &got), 0);
	assert_same(&s, &got);
	bsf_session_clear(&got);
	bsf_store_close(st);
	bsf_session_clear(&s);
	bsf_session_clear(&c);
}
END_TEST

/* A sealed Ks copied to another row does not open there (AD = B-TID). */
START_TEST(store_sealed_bound_to_btid)
{
	struct bsf_store *st = open_store(key_a);
	struct bsf_session a, b, got;
	sqlite3 *h;

	make_session(&a, 1, 3600, NULL);
	make_session(&b, 2, 3600, NULL);
	ck_assert_int_eq(bsf_store_put(st, &a, T0), 0);
	ck_assert_int_eq(bsf_store_put(st, &b, T0), 0);
	bsf_store_close(st);
	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "UPDATE session SET ks = (SELECT ks "
	    "FROM session WHERE btid = 'btid1@bsf.example.org') WHERE btid = "
	    "'btid2@bsf.example.org'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	st = open_store(key_a);
	ck_assert_int_eq(bsf_store_get(st, a.btid, T0, &got), 0);
	bsf_session_clear(&got);
	ck_assert_int_eq(bsf_store_get(st, b.btid, T0, &got), -1);
	bsf_store_close(st);
	bsf_session_clear(&a);
	bsf_session_clear(&b);
}
END_TEST

START_TEST(store_restart)
{
	struct bsf_store *st = open_store(key_a);
	struct bsf_session s, got;
	long n;
	int i;

	for (i = 0; i < 3; i++) {
		make_session(&s, i, 3600, "<guss>x</guss>");
		ck_assert_int_eq(bsf_store_put(st, &s, T0), 0);
		bsf_session_clear(&s);
	}
	bsf_store_close(st);
	st = open_store(key_a);
	ck_assert_int_eq(bsf_store_count(st, T0, &n), 0);
	ck_assert_int_eq(n, 3);
	make_session(&s, 1, 3600, "<guss>x</guss>");
	ck_assert_int_eq(bsf_store_get(st, s.btid, T0 + 1, &got), 0);
	assert_same(&s, &got);
	bsf_session_clear(&got);
	bsf_session_clear(&s);
	bsf_store_close(st);
}
END_TEST

START_TEST(store_bad_input)
{
	struct bsf_store *st = open_store(NULL);
	struct bsf_session s, got;
	char longid[GBA_BTID_MAX + 10];
	char err[256];

	make_session(&s, 1, 3600, NULL);
	s.btid[0] = '\0';
	ck_assert_int_eq(bsf_store_put(st, &s, T0), -1);
	ck_assert_str_ne(bsf_store_errmsg(st), "");
	make_session(&s, 1, 3600, NULL);
	s.guss_len = 5;		/* with no GUSS */
	ck_assert_int_eq(bsf_store_put(st, &s, T0), -1);
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	ck_assert_int_eq(bsf_store_get(st, longid, T0, &got), 1);
	bsf_store_close(st);

	/* A directory where the database should be. */
	ck_assert_ptr_null(bsf_store_open(dir, 10, NULL, err, sizeof(err)));
	ck_assert_str_ne(err, "");
}
END_TEST

/* --- GUSS --------------------------------------------------------------- */

/* hss-stub's GUSS for a subscriber with USSs in groups `g1` and `g2`
 * (NULL: none) and `lifetime` (0: no bsfInfo). */
static void
hss_guss(struct buf *out, long long lifetime, const char *g1, const char *g2)
{
	struct hss_sub *s;

	ck_assert_ptr_nonnull(s = calloc(1, sizeof(*s)));
	snprintf(s->impi, sizeof(s->impi), "user1@example.org");
	s->lifetime = lifetime;
	s->guss_time = T0;
	snprintf(s->impu[0], sizeof(s->impu[0]), "sip:user1@example.org");
	snprintf(s->impu[1], sizeof(s->impu[1]), "tel:+15551234&5");
	s->n_impu = 2;
	if (g1 != NULL) {
		s->uss[s->n_uss].gsid = 1;
		s->uss[s->n_uss].type = 0;
		snprintf(s->uss[s->n_uss].naf_group, sizeof(s->uss[0].naf_group),
		    "%s", g1);
		s->n_uss++;
	}
	if (g2 != NULL) {
		s->uss[s->n_uss].gsid = 2;
		s->uss[s->n_uss].type = 1;
		snprintf(s->uss[s->n_uss].naf_group, sizeof(s->uss[0].naf_group),
		    "%s", g2);
		s->uss[s->n_uss].flags[0] = 7;
		s->uss[s->n_uss].n_flags = 1;
		s->n_uss++;
	}
	buf_init(out, BSF_GUSS_MAX);
	ck_assert_int_eq(hss_guss_xml(s, out), 0);
	free(s);
}

START_TEST(guss_parse_hss)
{
	struct bsf_guss_info info;
	struct buf b;
	char err[256] = "";

	hss_guss(&b, 7200, "xcap", "other");
	ck_assert_int_eq(bsf_guss_parse((const char *)b.data, b.len, &info,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(info.lifetime, 7200);
	ck_assert_int_eq(info.n_uss, 2);
	buf_clear(&b);

	hss_guss(&b, 0, NULL, NULL);
	ck_assert_msg(bsf_guss_parse((const char *)b.data, b.len, &info,
	    err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(info.lifetime, 0);
	ck_assert_int_eq(info.n_uss, 0);
	buf_clear(&b);
}
END_TEST

static const char *const guss_good[] = {
	/* GBA.md §4.6 example, default namespace */
	"<guss id=\"358500004836551@home1.net\" xmlns=\"" GUSS_NS "\">"
	"<bsfInfo><lifeTime> 86400 </lifeTime></bsfInfo>"
	"<Extension><timestamp>2008-09-10T11:12:13Z</timestamp></Extension>"
	"<ussList><uss id=\"0\" type=\"0\" nafGroup=\"A\"><uids>"
	"<uid>tel:+358504836551</uid></uids></uss>"
	"<uss id=\"1\" type=\"1\" nafGroup=\"B\"><uids><uid>sip:o@h</uid>"
	"</uids><flags><flag>1</flag></flags></uss></ussList></guss>",
	/* the same with a prefix */
	"<g:guss xmlns:g=\"" GUSS_NS "\"><g:bsfInfo><g:lifeTime>86400"
	"</g:lifeTime></g:bsfInfo><g:ussList><g:uss nafGroup=\"A\"/>"
	"<g:uss nafGroup=\"B\"/><x:uss xmlns:x=\"urn:other\"/></g:ussList>"
	"</g:guss>",
};

START_TEST(guss_parse_good)
{
	struct bsf_guss_info info;
	char err[256] = "";
	const char *x = guss_good[_i];

	ck_assert_msg(bsf_guss_parse(x, strlen(x), &info, err, sizeof(err))
	    == 0, "%s", err);
	ck_assert_int_eq(info.lifetime, 86400);
	ck_assert_int_eq(info.n_uss, 2);
}
END_TEST

static const struct {
	const char	*xml;
	const char	*why;
} guss_bad[] = {
	{ "<guss><ussList/></guss>", "root element is {}guss" },
	{ "<guss xmlns=\"urn:3gpp:gba:GBAGUSSSchema:2005\"/>",
	  "{urn:3gpp:gba:GBAGUSSSchema:2005}guss" },
	{ "<ussList xmlns=\"" GUSS_NS "\"/>", "}ussList, not" },
	{ "<?xml version=\"1.0\"?>\n<!DOCTYPE guss [<!ENTITY l \"86400\">]>\n"
	  "<guss xmlns=\"" GUSS_NS "\"><bsfInfo><lifeTime>&l;</lifeTime>"
	  "</bsfInfo></guss>", "DOCTYPE not allowed" },
	{ "<guss xmlns=\"" GUSS_NS "\"><bsfInfo><lifeTime>0</lifeTime>"
	  "</bsfInfo></guss>", "lifeTime '0'" },
	{ "<guss xmlns=\"" GUSS_NS "\"><bsfInfo><lifeTime>-5</lifeTime>"
	  "</bsfInfo></guss>", "lifeTime '-5'" },
	{ "<guss xmlns=\"" GUSS_NS "\"><bsfInfo><lifeTime>+5</lifeTime>"
	  "</bsfInfo></guss>", "lifeTime '+5'" },
	{ "<guss xmlns=\"" GUSS_NS "\"><bsfInfo><lifeTime>1h</lifeTime>"
	  "</bsfInfo></guss>", "lifeTime '1h'" },
	{ "<guss xmlns=\"" GUSS_NS "\"><bsfInfo><lifeTime>315360001</lifeTime>"
	  "</bsfInfo></guss>", "1..315360000 s" },
	{ "<guss xmlns=\"" GUSS_NS "\"><bsfInfo><lifeTime>99999999999999999999"
	  "</lifeTime></bsfInfo></guss>", "not a lifetime" },
	{ "<guss xmlns=\"" GUSS_NS "\"><bsfInfo><lifeTime/></bsfInfo></guss>",
	  "not a lifetime" },
	{ "<guss xmlns=\"" GUSS_NS "\"><bsfInfo><lifeTime>60</lifeTime>"
	  "<lifeTime>60</lifeTime></bsfInfo></guss>", "more than one lifeTime" },
	{ "<guss xmlns=\"" GUSS_NS "\"><ussList/><ussList/></guss>",
	  "more than one ussList" },
	{ "<guss xmlns=\"" GUSS_NS "\">", "line 1:" },
};

START_TEST(guss_parse_bad)
{
	struct bsf_guss_info info;
	char err[256] = "";
	const char *x = guss_bad[_i].xml;

	ck_assert_int_eq(bsf_guss_parse(x, strlen(x), &info, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, guss_bad[_i].why) != NULL,
	    "error '%s' lacks '%s'", err, guss_bad[_i].why);
}
END_TEST

START_TEST(guss_parse_oversize)
{
	struct bsf_guss_info info;
	char err[256] = "";
	char *x;

	ck_assert_ptr_nonnull(x = malloc(BSF_GUSS_MAX + 1));
	memset(x, ' ', BSF_GUSS_MAX + 1);
	ck_assert_int_eq(bsf_guss_parse(x, BSF_GUSS_MAX + 1, &info, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "too large"));
	free(x);
}
END_TEST

/* Parse a Zn ussList back with xml_parse: the root, and the nafGroup of
 * each <uss> (in the GUSS namespace) joined with ','. */
static void
read_uss_list(const struct buf *b, char *groups, size_t size)
{
	char err[256] = "";
	struct _xmlDoc *doc;
	xmlNode *root, *c;
	xmlChar *g;

	groups[0] = '\0';
	doc = xml_parse((const char *)b->data, b->len, BSF_GUSS_MAX, err,
	    sizeof(err));
	ck_assert_msg(doc != NULL, "ussList does not parse: %s", err);
	root = xmlDocGetRootElement(doc);
	ck_assert_str_eq((const char *)root->name, "ussList");
	ck_assert_ptr_nonnull(root->ns);
	ck_assert_str_eq((const char *)root->ns->href, GUSS_NS);
	for (c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		ck_assert_str_eq((const char *)c->name, "uss");
		ck_assert_ptr_nonnull(c->ns);
		ck_assert_str_eq((const char *)c->ns->href, GUSS_NS);
		g = xmlGetNoNsProp(c, (const xmlChar *)"nafGroup");
		ck_assert_ptr_nonnull(g);
		if (groups[0] != '\0')
			strncat(groups, ",", size - strlen(groups) - 1);
		strncat(groups, (const char *)g, size - strlen(groups) - 1);
		xmlFree(g);
	}
	xml_doc_free(doc);
}

START_TEST(guss_uss_list_filter)
{
	static const char zn_head[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ussList xmlns=\""
	    GUSS_NS "\"><uss id=\"1\" type=\"0\" nafGroup=\"xcap\">";
	struct buf g, out;
	char err[256] = "", groups[128];

	hss_guss(&g, 3600, "xcap", "other");
	buf_init(&out, BSF_GUSS_MAX);
	ck_assert_int_eq(bsf_guss_uss_list((const char *)g.data, g.len, "xcap",
	    &out, err, sizeof(err)), 1);
	read_uss_list(&out, groups, sizeof(groups));
	ck_assert_str_eq(groups, "xcap");
	/* The copy keeps the USS's content, escaping intact. */
	ck_assert_ptr_nonnull(buf_cstr(&out));
	ck_assert_ptr_nonnull(strstr((char *)out.data,
	    "<uid>tel:+15551234&amp;5</uid>"));
	ck_assert_ptr_null(strstr((char *)out.data, "<flag>"));
	ck_assert_msg(strncmp((char *)out.data, zn_head, strlen(zn_head)) == 0,
	    "%s", (char *)out.data);
	buf_reset(&out);

	ck_assert_int_eq(bsf_guss_uss_list((const char *)g.data, g.len, "other",
	    &out, err, sizeof(err)), 1);
	read_uss_list(&out, groups, sizeof(groups));
	ck_assert_str_eq(groups, "other");
	ck_assert_ptr_nonnull(buf_cstr(&out));
	ck_assert_ptr_nonnull(strstr((char *)out.data, "<flag>7</flag>"));
	buf_clear(&out);
	buf_clear(&g);

	/* Two USSs of one group are both copied, in order. */
	hss_guss(&g, 0, "xcap", "xcap");
	buf_init(&out, BSF_GUSS_MAX);
	ck_assert_int_eq(bsf_guss_uss_list((const char *)g.data, g.len, "xcap",
	    &out, err, sizeof(err)), 2);
	read_uss_list(&out, groups, sizeof(groups));
	ck_assert_str_eq(groups, "xcap,xcap");
	buf_clear(&out);
	buf_clear(&g);
}
END_TEST

START_TEST(guss_uss_list_empty)
{
	struct buf g, out;
	char err[256] = "", groups[128];

	hss_guss(&g, 3600, "a", "b");
	buf_init(&out, BSF_GUSS_MAX);
	ck_assert_int_eq(bsf_guss_uss_list((const char *)g.data, g.len, "xcap",
	    &out, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(buf_cstr(&out));
	ck_assert_str_eq((char *)out.data,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ussList xmlns=\"" GUSS_NS "\"></ussList>");
	read_uss_list(&out, groups, sizeof(groups));
	ck_assert_str_eq(groups, "");
	buf_clear(&out);
	buf_clear(&g);

	/* No ussList at all in the GUSS. */
	hss_guss(&g, 3600, NULL, NULL);
	buf_init(&out, BSF_GUSS_MAX);
	ck_assert_int_eq(bsf_guss_uss_list((const char *)g.data, g.len, "xcap",
	    &out, err, sizeof(err)), 0);
	read_uss_list(&out, groups, sizeof(groups));
	buf_clear(&out);
	buf_clear(&g);
}
END_TEST

/* A prefixed GUSS with a foreign-namespace extension inside a USS still
 * gives a ussList where every uss is in the GUSS namespace. */
START_TEST(guss_uss_list_prefixed)
{
	static const char x[] =
	    "<g:guss xmlns:g=\"" GUSS_NS "\" xmlns:e=\"urn:ext\"><g:ussList>"
	    "<g:uss g:x=\"1\" nafGroup=\"A\"><g:uids><g:uid>sip:a@b</g:uid>"
	    "</g:uids><e:extra>1</e:extra></g:uss>"
	    "<g:uss nafGroup=\"B\"/></g:ussList></g:guss>";
	struct buf out;
	char err[256] = "", groups[128];
	struct _xmlDoc *doc;
	xmlNode *root, *c;

	buf_init(&out, BSF_GUSS_MAX);
	ck_assert_int_eq(bsf_guss_uss_list(x, sizeof(x) - 1, "A", &out, err,
	    sizeof(err)), 1);
	read_uss_list(&out, groups, sizeof(groups));
	ck_assert_str_eq(groups, "A");
	doc = xml_parse((const char *)out.data, out.len, BSF_GUSS_MAX, err,
	    sizeof(err));
	ck_assert_ptr_nonnull(doc);
	root = xmlDocGetRootElement(doc);
	for (c = root->children->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, "extra") == 0)
			break;
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq((const char *)c->ns->href, "urn:ext");
	xml_doc_free(doc);
	buf_clear(&out);
}
END_TEST

START_TEST(guss_uss_list_errors)
{
	struct buf g, out;
	char err[256] = "";

	hss_guss(&g, 3600, "xcap", "xcap");
	/* Too small for the output: -1, and `out` as it was. */
	buf_init(&out, 200);
	ck_assert_int_eq(buf_append(&out, "keep", 4), 0);
	ck_assert_int_eq(bsf_guss_uss_list((const char *)g.data, g.len, "xcap",
	    &out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "does not fit"));
	ck_assert_uint_eq(out.len, 4);
	/* Not a GUSS. */
	ck_assert_int_eq(bsf_guss_uss_list("<x/>", 4, "xcap", &out, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not {" GUSS_NS "}guss"));
	ck_assert_uint_eq(out.len, 4);
	buf_clear(&out);
	buf_clear(&g);
}
END_TEST

static Suite *
suite_bsf_store(void)
{
	Suite *s = suite_create("bsf_store");
	TCase *tc;

	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, store_round_trip_clear);
	tcase_add_test(tc, store_round_trip_sealed);
	tcase_add_test(tc, store_collision_live);
	tcase_add_test(tc, store_expired_replaced);
	tcase_add_test(tc, store_get_expired);
	tcase_add_test(tc, store_purge);
	tcase_add_test(tc, store_wrong_key);
	tcase_add_test(tc, store_sealed_bound_to_btid);
	tcase_add_test(tc, store_restart);
	tcase_add_test(tc, store_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *
suite_bsf_guss(void)
{
	Suite *s = suite_create("bsf_guss");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, guss_parse_hss);
	tcase_add_loop_test(tc, guss_parse_good, 0,
	    sizeof(guss_good) / sizeof(guss_good[0]));
	tcase_add_loop_test(tc, guss_parse_bad, 0,
	    sizeof(guss_bad) / sizeof(guss_bad[0]));
	tcase_add_test(tc, guss_parse_oversize);
	suite_add_tcase(s, tc);
	tc = tcase_create("uss_list");
	tcase_add_test(tc, guss_uss_list_filter);
	tcase_add_test(tc, guss_uss_list_empty);
	tcase_add_test(tc, guss_uss_list_prefixed);
	tcase_add_test(tc, guss_uss_list_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(suite_bsf_store());
	srunner_add_suite(sr, suite_bsf_guss());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
