/*
 * hss.h — hss-stub's private header: the subscriber record, the store, the
 * GUSS document, provisioning and the Zh server.
 *
 * hss-stub is the HSS of the GBA picture as far as Zh needs it (TS 29.109):
 * subscribers with K/OPc, SQN state (TS 33.102 Annex C, SEQ||IND), scheme,
 * public identities and GUSS, answering MAR with one authentication vector.
 */
#ifndef UTSTACK_HSS_H
#define UTSTACK_HSS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "buf.h"
#include "conf.h"

#define HSS_ID_MAX	256	/* IMPI / IMPU text, with NUL */
#define HSS_IMPU_MAX	16	/* public identities per subscriber */
#define HSS_USS_MAX	16	/* USSs per subscriber */
#define HSS_FLAGS_MAX	8	/* GAA authorisation flags per USS */
#define HSS_GROUP_MAX	64	/* NAF group name, with NUL */
#define HSS_AMF_DEFAULT	0x8000	/* separation bit set (decision table) */

enum hss_scheme { HSS_AKAV1 = 1, HSS_AKAV2 = 2 };

/* One User Security Setting (TS 29.109 Annex A). Its uids are the
 * subscriber's IMPUs. */
struct hss_uss {
	uint32_t	gsid;			/* GAA service identifier */
	uint32_t	type;			/* GAA service type */
	char		naf_group[HSS_GROUP_MAX];
	uint32_t	flags[HSS_FLAGS_MAX];
	int		n_flags;
};

/* A subscriber as stored. Holds K and OPc: wipe with hss_sub_clear(). */
struct hss_sub {
	char		impi[HSS_ID_MAX];
	uint8_t		k[16];
	uint8_t		opc[16];
	uint8_t		amf[2];
	uint64_t	sqn;			/* SQN_HE: the last SQN used */
	enum hss_scheme	scheme;
	long long	lifetime;		/* GUSS bsfInfo/lifeTime, s; 0 none */
	time_t		guss_time;		/* when the GUSS content last changed */
	char		impu[HSS_IMPU_MAX][HSS_ID_MAX];
	int		n_impu;
	struct hss_uss	uss[HSS_USS_MAX];
	int		n_uss;
};

void	hss_sub_clear(struct hss_sub *s);
const char *hss_scheme_name(enum hss_scheme s);		/* "AKAv1" */
const char *hss_scheme_sip(enum hss_scheme s);		/* "Digest-AKAv1-MD5" */
/* "AKAv1"/"AKAv2" (any case) → 0 and *s; else -1. */
int	hss_scheme_parse(const char *text, enum hss_scheme *s);

/* --- hss_store.c: SQLite ---------------------------------------------- */
struct hss_store;

/* Open/create the database (schema migrations applied). NULL + err. */
struct hss_store *hss_store_open(const char *path, int busy_ms, char *err,
	    size_t errlen);
void	hss_store_close(struct hss_store *st);

/* Insert a new subscriber with its IMPUs and USSs in one transaction.
 * 0, or -1 with err ("IMPI ... exists", database errors). */
int	hss_store_add(struct hss_store *st, const struct hss_sub *s, char *err,
	    size_t errlen);
/* Read a subscriber with its IMPUs and USSs (provisioning: `show`). 0
 * found, 1 unknown, -1 error. */
int	hss_store_get(struct hss_store *st, const char *impi, struct hss_sub *s);
/* The IMPI that owns public identity `impu`. 0 found, 1 unknown, -1. */
int	hss_store_find_impu(struct hss_store *st, const char *impu,
	    char impi[HSS_ID_MAX]);
/* Delete. 0 deleted, 1 unknown, -1 error. */
int	hss_store_del(struct hss_store *st, const char *impi);
/* Call `cb` for every subscriber in IMPI order (K/OPc not loaded).
 * Returns 0, or -1 on a database error or when cb returns non-zero. */
int	hss_store_list(struct hss_store *st,
	    int (*cb)(const struct hss_sub *s, void *arg), void *arg);
/*
 * One MAR's database work in one IMMEDIATE transaction, committed before
 * this returns (TS 33.102 6.3.2: no SQN is ever handed out twice, across
 * restarts and processes):
 *  1. read subscriber `impi` into `s`: K, OPc, AMF, SQN_HE, scheme,
 *     lifetime, guss_time;
 *  2. with `check` (resynchronisation), call check(s, arg, &sqn_ms): it
 *     verifies the AUTS with s->k/s->opc and returns 0 with SQN_MS, or
 *     non-zero to reject — the transaction is rolled back, SQN_HE
 *     untouched; `check` must not use the store;
 *  3. SQN_HE moves to aka_sqn_he_next(SQN_HE), or to aka_sqn_he_next(
 *     aka_sqn_he_resync(SQN_MS)) after a verified AUTS; *sqn and s->sqn
 *     get it;
 *  4. the IMPUs and USSs are read into `s` only when the GUSS is to be
 *     sent — `guss_ts` (the BSF's GUSS-Timestamp) NULL or older than
 *     guss_time (TS 29.109 6.1.1) — and *with_guss says so.
 * Returns 0, 1 unknown IMPI, 2 rejected by `check`, -1 database error
 * (busy included). `s` may hold K/OPc whatever the result: the caller
 * wipes it with hss_sub_clear().
 */
int	hss_store_mar(struct hss_store *st, const char *impi,
	    const time_t *guss_ts,
	    int (*check)(const struct hss_sub *s, void *arg, uint64_t *sqn_ms),
	    void *arg, struct hss_sub *s, uint64_t *sqn, int *with_guss);
/* Bulk load: everything between begin and end is one transaction;
 * hss_store_abort() undoes it. */
int	hss_store_bulk_begin(struct hss_store *st);
int	hss_store_bulk_end(struct hss_store *st);
void	hss_store_bulk_abort(struct hss_store *st);
/* hss_store_add inside a bulk transaction. */
int	hss_store_add_bulk(struct hss_store *st, const struct hss_sub *s,
	    char *err, size_t errlen);
const char *hss_store_errmsg(struct hss_store *st);

/* --- hss_guss.c -------------------------------------------------------- */
/* The GUSS XML of `s` (TS 29.109 Annex A, namespace
 * urn:3gpp:gba:GBAGUSSSchema-R9:2010-02) appended to `out`. 0 or -1. */
int	hss_guss_xml(const struct hss_sub *s, struct buf *out);

/* --- hss_prov.c: `hss-stub -d DB add|list|show|del|import` ------------ */
/* Returns the exit status. */
int	hss_prov_main(const char *db_path, int argc, char **argv, FILE *out);

/* --- hss_zh.c: the Zh daemon ------------------------------------------ */
struct hss_conf {
	char		origin_host[256];
	char		origin_realm[256];
	char		db[1024];
	struct conf_addr zh_listen;
	char		zh_peers[1024];		/* allowed Origin-Hosts */
	long long	watchdog_ms;
	long long	busy_ms;
};
extern const struct conf_opt hss_conf_opts[];

struct event_base;
struct hss_zh;
/* Start the Zh server; logs LISTENING name=zh. NULL + err. */
struct hss_zh *hss_zh_new(struct event_base *base, const struct hss_conf *c,
	    struct hss_store *st, char *err, size_t errlen);
void	hss_zh_free(struct hss_zh *zh);
/* Graceful stop (dia_server_shutdown): DPR to every peer, wait for the
 * DPAs (at most DIA_SHUTDOWN_TIMEOUT_DEFAULT_MS), then done(arg) from the
 * loop. Free with hss_zh_free() afterwards (or before, to stop waiting). */
void	hss_zh_shutdown(struct hss_zh *zh, void (*done)(void *), void *arg);

#endif
