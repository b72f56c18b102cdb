/*
 * ap.h — the Authentication Proxy (TS 33.222 cl. 4.4, TS 24.109 cl. 7):
 * terminates TLS-PSK on Ua with keys fetched from the BSF over Zn, asserts
 * the user's public identity, and forwards XCAP to the application server.
 *
 *   ap.c      configuration, start-up, shutdown
 *   ap_zn.c   Zn client (BIR/BIA, TS 29.109) and the Ks_NAF cache
 *   ap_ua.c   the Ua listener: TLS-PSK handshakes, identity, proxying
 */
#ifndef UTSTACK_AP_H
#define UTSTACK_AP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/listener.h>
#include <event2/util.h>

#include "conf.h"
#include "tls.h"

struct event_base;

#define AP_BTID_MAX	256	/* B-TID octets accepted (base64(RAND)@fqdn) */
#define AP_FQDN_MAX	256
#define AP_NAF_ID_MAX	(AP_FQDN_MAX + TLS_UA_ID_LEN)
#define AP_IMPU_MAX	256
#define AP_IMPUS_MAX	32	/* public identities kept from a USS */
#define AP_USS_MAX	(64 * 1024) /* GBA-UserSecSettings octets parsed */
#define AP_KEY_LEN	32	/* Ks_NAF */
#define AP_EXTRA_NAFS	3	/* [naf1] .. [naf3] besides ap.naf_fqdn */

struct ap_conf {
	char		 origin_host[AP_FQDN_MAX];
	char		 origin_realm[AP_FQDN_MAX];
	char		 naf_fqdn[AP_FQDN_MAX];
	struct conf_addr ua_listen;
	char		 ua_priority[1024];
	int		 ua_psk_ke;
	long long	 ua_handshake_timeout_ms;
	long long	 ua_head_max;
	long long	 ua_body_max;
	long long	 ua_idle_timeout_ms;
	long long	 ua_max_conns;
	struct conf_addr zn_bsf;
	char		 zn_bsf_host[AP_FQDN_MAX];
	char		 zn_bsf_realm[AP_FQDN_MAX];
	long long	 zn_timeout_ms;
	long long	 zn_watchdog_ms;
	long long	 cache_max_entries;
	struct conf_addr as_upstream;
	char		 as_h2[16];
	long long	 as_max_conns;
	long long	 as_connect_timeout_ms;
	long long	 as_response_timeout_ms;
	long long	 as_body_max;
	char		 as_secret[256];
	char		 as_host[AP_FQDN_MAX];
	/* part 2: server certificate, Digest, plain HTTP, more NAFs */
	char		 ua_cert_file[1024];
	char		 ua_key_file[1024];
	long long	 ua_nonce_lifetime;
	long long	 ua_nonce_max;
	char		 ua_htdigest_file[1024];
	int		 http_enable;
	struct conf_addr http_listen;
	char		 http_redirect[512];
	struct ap_naf_conf {
		char		 fqdn[AP_FQDN_MAX];
		struct conf_addr upstream;
		char		 h2[16];
		char		 secret[256];
		char		 host[AP_FQDN_MAX];
		int		 psk;
		int		 digest;
	}		 naf[AP_EXTRA_NAFS];
};

extern const struct conf_opt ap_conf_opts[];

/* What the BSF told us about one (B-TID, NAF_Id): shared by the cache and
 * the connections authenticated with it (reference counted). */
struct ap_key {
	unsigned	 refs;
	char		*btid;
	uint8_t		 naf_id[AP_NAF_ID_MAX];
	size_t		 naf_id_len;
	uint8_t		 ks_naf[AP_KEY_LEN];
	time_t		 expiry;	/* Key-ExpiryTime */
	int		 has_uss;	/* a USS was present in the BIA */
	size_t		 nimpus;	/* uids of the USSs, in order */
	char		**impus;
	/* cache linkage (ap_zn.c) */
	struct ap_key	*hnext;
	struct ap_key	*lru_prev, *lru_next;
	uint32_t	 hash;
	int		 in_cache;
};

void	ap_key_ref(struct ap_key *k);
void	ap_key_unref(struct ap_key *k);		/* accepts NULL; wipes */

/*
 * Parse a GBA-UserSecSettings value (a ussList, TS 29.109 Annex A) into
 * k->impus: the uids of every uss, in order, duplicates dropped, at most
 * AP_IMPUS_MAX. Returns 0, or -1 with a reason in `err` (malformed, too
 * large).
 */
int	ap_uss_parse(const char *xml, size_t len, struct ap_key *k, char *err,
	    size_t errlen);

/* ---- identities (ap_ident.c) ------------------------------------------ */

/* The B-TID in a PSK identity: "3GPP-bootstrapping." + B-TID (TS 36.508
 * Table 4.7H-5) or a bare B-TID; printable ASCII without spaces, shorter
 * than `size`. Returns 0, or -1. */
int	ap_btid_from_identity(const char *identity, char *btid, size_t size);

/* The URI of an X-3GPP-Intended-Identity value: "uri" (TS 24.109 Table
 * B.3-1), <uri> or bare. Returns 0, or -1 when empty, too long or holding
 * quotes, angle brackets or blanks. */
int	ap_unquote_identity(const char *v, char *out, size_t size);

/* 1 when two SIP/tel URIs name the same identity: scheme and host part
 * case-insensitive (RFC 3261 §19.1.4), user part exact. */
int	ap_same_identity(const char *a, const char *b);

/* ---- Digest (ap_digest.c) ---------------------------------------------- */

#define AP_NONCE_LEN	24	/* base64 of 18 random octets */

struct ap_nonces;

/* A table of at most `max` single-use nonces living `lifetime` s. */
struct ap_nonces *ap_nonces_new(size_t max, long lifetime);
void	ap_nonces_free(struct ap_nonces *n);	/* accepts NULL */
/* Forget nonces whose lifetime ended by `now`. */
void	ap_nonces_expire(struct ap_nonces *n, time_t now);
size_t	ap_nonces_count(const struct ap_nonces *n);
/* A fresh nonce into `out`. 0, or -1 with errno EAGAIN (table full) or
 * ENOMEM. */
int	ap_nonce_new(struct ap_nonces *n, time_t now,
	    char out[AP_NONCE_LEN + 1]);
/* 0 when `nonce` was issued, is alive and unused — it is used up now —
 * else -1 (unknown, expired or used: the client gets stale=true). */
int	ap_nonce_take(struct ap_nonces *n, const char *nonce, time_t now);

/* An htdigest password file (user:realm:HA1 lines). */
struct ap_htdigest;
struct ap_htdigest *ap_htdigest_load(const char *path, char *err,
	    size_t errlen);
void	ap_htdigest_free(struct ap_htdigest *h);	/* accepts NULL */
/* HA1 (32 lower-case hex digits) of user in realm, or NULL. */
const char *ap_htdigest_ha1(const struct ap_htdigest *h, const char *user,
	    const char *realm);
int	ap_htdigest_has_realm(const struct ap_htdigest *h, const char *realm);
/* The i-th distinct realm of the file (from 0), or NULL past the end. */
const char *ap_htdigest_realm(const struct ap_htdigest *h, size_t i);

/* ---- Zn -------------------------------------------------------------- */

struct ap_zn;

enum ap_zn_status {
	AP_ZN_OK,
	AP_ZN_UNKNOWN,		/* 5403: unknown or expired B-TID */
	AP_ZN_REFUSED,		/* another answer (5402 not authorised ...) */
	AP_ZN_UNAVAILABLE,	/* no BSF connection, timeout, bad answer */
};

/* `k` (a reference the callee takes if it keeps it) with AP_ZN_OK, else
 * NULL; `result` the Diameter result (0 when none), `why` a reason. */
typedef void (*ap_zn_cb)(void *arg, enum ap_zn_status st, struct ap_key *k,
	    uint32_t result, const char *why);

struct ap_zn	*ap_zn_new(struct event_base *base, const struct ap_conf *c,
		    char *err, size_t errlen);
void		 ap_zn_free(struct ap_zn *zn);
void		 ap_zn_shutdown(struct ap_zn *zn, void (*done)(void *),
		    void *arg);

/*
 * The key for (btid, naf_id): from the cache when present and not expired
 * (`*cached` = 1, `cb` called before returning), else a BIR to the BSF
 * (`*cached` = 0, `cb` called later from the loop; concurrent fetches of
 * the same pair share one BIR). Returns a handle for ap_zn_cancel(), or
 * NULL when `cb` has already been called.
 */
struct ap_zn_wait;
struct ap_zn_wait *ap_zn_key(struct ap_zn *zn, const char *btid,
		    const uint8_t *naf_id, size_t naf_id_len, int *cached,
		    ap_zn_cb cb, void *arg);
void		 ap_zn_cancel(struct ap_zn_wait *w);
size_t		 ap_zn_cache_size(const struct ap_zn *zn);

/* ---- listeners (ap_ua.c) --------------------------------------------- */

struct conf_addr;
struct sockaddr;
/* A listener on `a` logging `LISTENING name=<name>`; NULL with err. */
struct evconnlistener *ap_listen(struct event_base *base,
	    const struct conf_addr *a, evconnlistener_cb cb, void *arg,
	    const char *name, char *err, size_t errlen);
/* "ip:port" or "[v6]:port" of `sa`. */
void	ap_peer_name(const struct sockaddr *sa, char *peer, size_t size);

/* ---- plain HTTP (ap_plain.c) ----------------------------------------- */

struct ap_plain;
struct ap_ua;
/* The plain-HTTP listener of http.listen: RFC 2817 upgrades are handed to
 * `ua`; other requests get 426, or a redirect to http.redirect. */
struct ap_plain	*ap_plain_new(struct event_base *base,
		    const struct ap_conf *c, struct ap_ua *ua, char *err,
		    size_t errlen);
void		 ap_plain_free(struct ap_plain *p);	/* accepts NULL */

/* ---- Ua -------------------------------------------------------------- */

struct ap_ua;

struct ap_ua	*ap_ua_new(struct event_base *base, const struct ap_conf *c,
		    struct ap_zn *zn, char *err, size_t errlen);
/* Take over a plain-HTTP socket whose request asked for TLS (RFC 2817):
 * the handshake starts on `fd`, and the `len` octets of `head` (the
 * request, without its Upgrade fields) are served as the first request
 * over TLS. Returns 0, or -1 (fd closed). */
int		 ap_ua_upgrade(struct ap_ua *ua, evutil_socket_t fd,
		    const char *peer, const char *head, size_t len);
/* For `ap -n`: refuse what ap_ua_new() would (NAF names, the key pair,
 * the password file...) without opening listeners. 0, or -1 with err. */
int		 ap_ua_check(const struct ap_conf *c, char *err, size_t errlen);
/* Stop accepting; connections in their handshake are closed. */
void		 ap_ua_close(struct ap_ua *ua);
void		 ap_ua_free(struct ap_ua *ua);

#endif
