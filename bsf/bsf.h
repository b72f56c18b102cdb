/*
 * bsf.h — the BSF's private header: configuration, sessions and their
 * store, the GUSS, the Zh client, the Ub HTTP server and the Zn server.
 *
 * The BSF (TS 33.220 §4, TS 24.109 §4, TS 29.109) bootstraps UEs over Ub
 * with HTTP Digest AKA, taking one vector per bootstrap from the HSS over
 * Zh, keeps the resulting sessions (B-TID, Ks) and hands NAF-specific keys
 * to authorised NAFs over Zn.
 */
#ifndef UTSTACK_BSF_H
#define UTSTACK_BSF_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "gba.h"

#define BSF_ID_MAX		256	/* IMPI, host names, with NUL */
#define BSF_GUSS_MAX		(64 * 1024)	/* GUSS document cap */
#define BSF_WRAP_KEY_LEN	32	/* AES-256-GCM key wrapping Ks at rest */

/* Configuration (one table, bsf_conf_opts in bsf.c; docs/CONTRACT.md). */
struct bsf_conf {
	/* [bsf] */
	char		fqdn[BSF_ID_MAX];	/* Ub realm, B-TID domain */
	char		origin_host[BSF_ID_MAX];	/* Diameter identity */
	char		origin_realm[BSF_ID_MAX];
	long long	lifetime;		/* session lifetime without GUSS, s */
	/* [ub] */
	struct conf_addr ub_listen;
	long long	nonce_lifetime;		/* s */
	long long	nonce_max;		/* outstanding challenges */
	long long	failure_budget;		/* wrong responses per IMPI ... */
	long long	failure_window;		/* ... within this many s */
	long long	header_max;		/* octets of request head */
	long long	body_max;		/* octets of request body */
	long long	idle_timeout;		/* keep-alive idle, s */
	/* [zh] */
	struct conf_addr zh_hss;		/* numeric address of the HSS */
	char		zh_hss_host[BSF_ID_MAX];	/* its Origin-Host (allow-list) */
	char		zh_hss_realm[BSF_ID_MAX];	/* Destination-Realm */
	long long	zh_timeout_ms;		/* per MAR */
	long long	zh_watchdog_ms;
	/* [zn] */
	struct conf_addr zn_listen;
	char		zn_naf_hosts[1024];	/* NAF Origin-Hosts allowed on Zn */
	char		zn_naf_fqdns[1024];	/* FQDNs in NAF_Id they may ask for */
	char		zn_naf_group[64];	/* USS NAF group sent to them */
	int		zn_send_impi;		/* User-Name in BIA */
	long long	zn_watchdog_ms;
	/* [store] */
	char		store_db[1024];
	long long	store_busy_ms;
	long long	store_purge_interval;	/* s */
	uint8_t		store_wrap_key[BSF_WRAP_KEY_LEN];
	size_t		store_wrap_key_len;	/* 0: Ks stored in clear */
};
extern const struct conf_opt bsf_conf_opts[];

/* One bootstrapping session (TS 33.220 §4.5.2). Holds Ks: wipe and free
 * with bsf_session_clear(). */
struct bsf_session {
	char		 btid[GBA_BTID_MAX];
	char		 impi[BSF_ID_MAX];
	uint8_t		 rand[GBA_RAND_LEN];
	uint8_t		 ks[GBA_KS_LEN];
	time_t		 created;
	time_t		 expires;
	char		*guss;		/* GUSS XML from the HSS (heap), or NULL */
	size_t		 guss_len;
};
void	bsf_session_clear(struct bsf_session *s);	/* accepts NULL */

/* --- bsf_store.c: sessions in SQLite (WAL) ---------------------------- */
struct bsf_store;
/*
 * Open/create the session database. With `wrap_key` (BSF_WRAP_KEY_LEN
 * octets, or NULL) Ks is stored sealed with AES-256-GCM (nonce per row,
 * the B-TID as associated data) and opened on read; rows written without
 * a key cannot be read with one and the other way round (error). NULL +
 * err on failure.
 */
struct bsf_store *bsf_store_open(const char *path, int busy_ms,
	    const uint8_t *wrap_key, char *err, size_t errlen);
void	bsf_store_close(struct bsf_store *st);		/* accepts NULL */
/* Insert a new session; 0, 1 when a live session has this B-TID (the
 * caller picks another RAND), -1 on error. An expired row with the same
 * B-TID is replaced. */
int	bsf_store_put(struct bsf_store *st, const struct bsf_session *s,
	    time_t now);
/* Look up a live session; 0 found (caller clears *s), 1 unknown or
 * expired at `now`, -1 error. */
int	bsf_store_get(struct bsf_store *st, const char *btid, time_t now,
	    struct bsf_session *s);
/* Delete sessions expired at `now`; the count in *removed. 0 or -1. */
int	bsf_store_purge(struct bsf_store *st, time_t now, long *removed);
/* Live sessions at `now`. */
int	bsf_store_count(struct bsf_store *st, time_t now, long *count);
const char *bsf_store_errmsg(struct bsf_store *st);

/* --- bsf_guss.c: the GUSS from the HSS (libxml2, no network, no
 * entities; TS 29.109 Annex A) ----------------------------------------- */
struct bsf_guss_info {
	long long	lifetime;	/* bsfInfo/lifeTime, s; 0 when absent */
	int		n_uss;		/* USSs in the document */
};
/* Parse and check a GUSS document; 0, or -1 with err. */
int	bsf_guss_parse(const char *xml, size_t len, struct bsf_guss_info *info,
	    char *err, size_t errlen);
/*
 * The Zn form of a GUSS for a NAF group (29.109: GBA-UserSecSettings on Zn
 * carries only the relevant USSs, root element `ussList` in the GUSS
 * namespace): every <uss> whose nafGroup equals `naf_group`, appended to
 * `out`. Returns the number of USSs copied (0 is valid: an empty ussList
 * is still written), or -1 with err.
 */
int	bsf_guss_uss_list(const char *xml, size_t len, const char *naf_group,
	    struct buf *out, char *err, size_t errlen);

/* --- bsf_zh.c: the Zh client (MAR/MAA to the HSS) ---------------------- */
enum bsf_scheme { BSF_AKAV1 = 1, BSF_AKAV2 = 2 };

/* One authentication vector from an MAA. Holds XRES/CK/IK: wipe with
 * bsf_vector_clear(). */
struct bsf_vector {
	uint8_t		 rand[16];
	uint8_t		 autn[16];
	uint8_t		 xres[16];
	size_t		 xres_len;
	uint8_t		 ck[16];
	uint8_t		 ik[16];
	enum bsf_scheme	 scheme;
	char		*guss;		/* heap or NULL */
	size_t		 guss_len;
};
void	bsf_vector_clear(struct bsf_vector *v);	/* accepts NULL */

enum bsf_zh_status {
	BSF_ZH_OK,		/* vector in hand */
	BSF_ZH_UNKNOWN,		/* 5401: no such IMPI */
	BSF_ZH_REJECTED,	/* 4001: AUTS refused by the HSS */
	BSF_ZH_UNAVAILABLE,	/* HSS down, slow, busy or answering oddly */
};
/*
 * `v` is valid only during the call (take what is needed: the callee may
 * move the heap GUSS out by setting v->guss = NULL). `reason` explains a
 * failure in words for logs.
 */
typedef void (*bsf_zh_cb)(void *arg, enum bsf_zh_status st,
    struct bsf_vector *v, const char *reason);

struct event_base;
struct bsf_zh;
struct bsf_zh *bsf_zh_new(struct event_base *base, const struct bsf_conf *c,
	    char *err, size_t errlen);
void	bsf_zh_free(struct bsf_zh *zh);		/* pending: cb UNAVAILABLE */
/* Graceful stop (dia_client_shutdown): pending MARs get cb UNAVAILABLE
 * from the loop, DPR to the HSS, wait for its DPA (at most
 * DIA_SHUTDOWN_TIMEOUT_DEFAULT_MS), then done(arg) from the loop. Free
 * with bsf_zh_free() afterwards (or before, to stop waiting). */
void	bsf_zh_shutdown(struct bsf_zh *zh, void (*done)(void *), void *arg);
/*
 * Ask the HSS for one vector for `impi`; with `rand_auts` (30 octets:
 * RAND || AUTS) a resynchronisation. Returns 0 and calls `cb` exactly once
 * later, or -1 (HSS not connected, too busy) and does not call it.
 */
int	bsf_zh_mar(struct bsf_zh *zh, const char *impi, const uint8_t *rand_auts,
	    bsf_zh_cb cb, void *arg);

/* --- bsf_ub.c: the Ub HTTP server -------------------------------------- */
struct bsf_ub;
struct bsf_ub *bsf_ub_new(struct event_base *base, const struct bsf_conf *c,
	    struct bsf_zh *zh, struct bsf_store *st, char *err, size_t errlen);
void	bsf_ub_free(struct bsf_ub *ub);

/* --- bsf_zn.c: the Zn server (BIR/BIA) --------------------------------- */
struct bsf_zn;
struct bsf_zn *bsf_zn_new(struct event_base *base, const struct bsf_conf *c,
	    struct bsf_store *st, char *err, size_t errlen);
void	bsf_zn_free(struct bsf_zn *zn);
/* Graceful stop (dia_server_shutdown): stop listening, DPR to every NAF,
 * wait for the DPAs (at most DIA_SHUTDOWN_TIMEOUT_DEFAULT_MS), then
 * done(arg) from the loop. Free with bsf_zn_free() afterwards. */
void	bsf_zn_shutdown(struct bsf_zn *zn, void (*done)(void *), void *arg);

#endif
