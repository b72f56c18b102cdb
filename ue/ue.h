/*
 * ue.h — the UE client's private header: global options, exit statuses,
 * and the cross-file prototypes of ue/.
 */
#ifndef UTSTACK_UE_H
#define UTSTACK_UE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "httpc.h"	/* struct httpc_hdr */

/* Exit statuses (docs/CONTRACT.md). */
#define UE_EXIT_OK		0
#define UE_EXIT_USAGE		2	/* bad usage or input */
#define UE_EXIT_AUTH		3	/* authentication failed */
#define UE_EXIT_PEER		4	/* the peer answered with an error */
#define UE_EXIT_UNREACHABLE	5	/* the peer could not be reached */

/* Options that come before the command. */
struct ue_opts {
	const char	*usim;		/* --usim FILE */
	const char	*bsf;		/* --bsf URL */
	const char	*ap;		/* --ap URL */
	const char	*naf_fqdn;	/* --naf-fqdn NAME */
	int		 json;		/* --json: one JSON object on stdout */
	int		 trace;		/* --trace */
	int		 show_keys;	/* --show-keys */
	int		 verbose;	/* -v, repeatable */
};

/*
 * The simulated USIM (ue_usim.c): a text file of `key = value` lines (mode
 * 0600, refused when others can read it) holding the subscription (IMPI,
 * K, OPc, AMF), the SQN array of TS 33.102 Annex C, the peers to use, and
 * the last bootstrapping (B-TID, Ks, RAND, lifetime). Holds keys: wipe
 * with ue_usim_clear().
 */
#define UE_USIM_SEQ_TEXT	(32 * 16)
struct ue_usim {
	char		impi[256];
	uint8_t		k[16];
	uint8_t		opc[16];
	uint8_t		amf[2];
	char		seq[UE_USIM_SEQ_TEXT];	/* 32 SEQ values, comma separated */
	char		bsf[512];
	char		ap[512];
	char		naf_fqdn[256];
	char		impu[256];	/* the user's public identity, for
					 * `ue conformance` (a USIM does not
					 * know it; the ISIM would) */
	char		ca[512];	/* CA certificate file (PEM) that the
					 * AP's certificate must chain to
					 * (`ue xcap --digest`); "" none */
	char		btid[300];
	uint8_t		ks[32];
	size_t		ks_len;			/* 0: not bootstrapped */
	uint8_t		rand[16];
	size_t		rand_len;
	char		lifetime[64];		/* UTC, as the BSF sent it */
};

/* The USIM path: --usim, else ~/.utstack/usim. Static storage. */
const char	*ue_usim_path(const struct ue_opts *o);
/* Load; 0, or -1 after one message on stderr. */
int	ue_usim_load(const char *path, struct ue_usim *u);
/* Save atomically (temporary file, fsync, rename), mode 0600. 0 or -1. */
int	ue_usim_save(const char *path, const struct ue_usim *u);
void	ue_usim_clear(struct ue_usim *u);
/* The SQN array of `u` (TS 33.102 Annex C) and back. */
struct aka_sqn_ms;
int	ue_usim_sqn_get(const struct ue_usim *u, struct aka_sqn_ms *s);
void	ue_usim_sqn_put(struct ue_usim *u, const struct aka_sqn_ms *s);

/* `ue usim init|show`; argv[0] is "usim". */
int	ue_usim_main(const struct ue_opts *o, int argc, char **argv);
/* `ue bootstrap` (ue_bootstrap.c). */
int	ue_bootstrap_main(const struct ue_opts *o, int argc, char **argv);
/* `ue ks-naf NAF-FQDN [--ua-id HEX]` (ue_bootstrap.c). */
int	ue_ks_naf_main(const struct ue_opts *o, int argc, char **argv);

/*
 * The Ub steps of the UE (ue_bootstrap.c), shared by `ue bootstrap` and
 * `ue conformance`. They print nothing: a failure returns an exit status
 * with a one-line message in `err` (`errlen` octets, NUL-terminated) and
 * the spec clause that explains it in `*why` (static storage, may be set
 * to NULL).
 */
struct httpc_resp;
struct digest_hdr;
struct digest_alg;
struct digest_input;

/*
 * The Digest AKA challenge of the 401 `r` (RFC 3310 3.2): parsed and
 * validated into `ch` (caller's storage; the algorithm into `alg`), RAND
 * and AUTN (16 octets each) from the nonce. Returns 0, or UE_EXIT_PEER
 * when there is no challenge, it is malformed, not AKA, or its nonce is
 * not base64(RAND || AUTN || ...). Does not look at r->status.
 */
int	ue_ub_challenge(const struct httpc_resp *r, struct digest_hdr *ch,
	    struct digest_alg *alg, uint8_t rand[16], uint8_t autn[16],
	    char *err, size_t errlen, const char **why);

/*
 * The Authorization value (TS 24.109 A.4) answering `ch` for `impi` with
 * algorithm `alg`, the Digest password `password` (`pwlen` octets: raw RES
 * for AKAv1, the AKAv2 password, "" for a resync or a refused network)
 * and, for a resync, `auts64` (base64 of AUTS; else NULL). GET, uri "/",
 * nc 00000001, a fresh cnonce (written to `cnonce`, 33 octets), the
 * request-digest (to `response`, DIGEST_HEX_MAX octets), opaque echoed.
 * `in` is filled for the rspauth check and points into `ch`, `impi`,
 * `cnonce` and `password`. The value goes to `out` (`size` octets).
 * Returns 0 or -1 (does not fit, no randomness).
 */
int	ue_ub_answer(const char *impi, const struct digest_hdr *ch,
	    const struct digest_alg *alg, const uint8_t *password, size_t pwlen,
	    const char *auts64, struct digest_input *in, char *cnonce,
	    char *response, char *out, size_t size);

/*
 * Check the 200 `r` that answered `in` (from ue_ub_answer): rspauth in
 * Authentication-Info over the exact body with an empty method (RFC 3310
 * 3.5; `in` is changed for that), then the BootstrappingInfo (TS 24.109
 * Annex C) whose btid and lifetime go to `btid` (`btidlen` octets) and
 * `lifetime` (`ltlen`). Returns 0; UE_EXIT_AUTH when rspauth is missing
 * or wrong; UE_EXIT_PEER for a body that is not a BootstrappingInfo;
 * UE_EXIT_USAGE when out of memory.
 */
int	ue_ub_verify_200(const struct httpc_resp *r, struct digest_input *in,
	    char *btid, size_t btidlen, char *lifetime, size_t ltlen,
	    char *err, size_t errlen, const char **why);

/*
 * `ue conformance [--bsf URL] [--ap URL] [--json] [--list]`
 * (ue_conformance.c): the negative matrix against a BSF (and later an
 * AP). Returns 0 when every case run passed, UE_EXIT_PEER when some
 * failed, UE_EXIT_UNREACHABLE when the BSF cannot be reached,
 * UE_EXIT_USAGE for bad usage.
 */
int	ue_conformance_main(const struct ue_opts *o, int argc, char **argv);

/*
 * `ue bootstrap` as a step of another command (ue_bootstrap.c): bootstrap
 * the USIM file `usim_path` with the BSF `bsf` (NULL: the USIM's), print
 * nothing on stdout (failures on stderr, --trace steps on stderr as
 * usual), and keep B-TID, Ks, RAND and lifetime in the file. Returns an
 * exit status.
 */
int	ue_bootstrap_run(const struct ue_opts *o, const char *usim_path,
	    const char *bsf);

/*
 * ue_ua.c — the UE's side of Ua/Ut through the Authentication Proxy: a
 * TLS-PSK session (TS 33.222 5.4; identity "3GPP-bootstrapping." + B-TID,
 * key Ks_NAF for NAF_Id = NAF FQDN || Ua security protocol id of the
 * version and suite negotiated) and HTTP/1.1 or HTTP/2 (ALPN h2) requests
 * on it. Blocking, one request at a time, every read with a deadline.
 */
#define UE_UA_HEAD_MAX		16384		/* response head */
#define UE_UA_HDRS_MAX		64		/* response header fields */
#define UE_UA_BODY_MAX		(1024 * 1024)	/* request and response body */
#define UE_UA_TIMEOUT_MS	10000
#define UE_UA_PORT_DEFAULT	443
#define UE_ALERT_UNKNOWN_PSK_IDENTITY	115	/* RFC 4279 2 */

struct ue_ua_cfg {
	const char	*url;		/* https://HOST[:PORT][/...] */
	const char	*naf_fqdn;	/* SNI, Host / :authority, NAF_Id */
	const char	*identity;	/* PSK identity as sent */
	/* Ks_NAF = KDF(ks, "gba-me", rand, impi, NAF_Id) (TS 33.220 B.3) ... */
	const char	*impi;
	const uint8_t	*ks;		/* 32 octets */
	const uint8_t	*rand;		/* 16 octets */
	int		 corrupt_key;	/* ... with its last bit flipped */
	const uint8_t	*fixed_key;	/* or this (32 octets) whatever the
					 * Ua id (conformance: a made-up key) */
	const char	*ca_file;	/* set: server-certificate TLS (TS
					 * 33.222 5.3) instead of TLS-PSK: no
					 * PSK offered, the certificate must
					 * chain to this CA file (PEM) and name
					 * naf_fqdn; Ks_NAF for Digest from
					 * ue_ua_naf_key() */
	int		 version;	/* 12 or 13 */
	const char	*priority;	/* GnuTLS priority, overrides version */
	int		 h2;		/* offer ALPN h2 only, else http/1.1 */
	unsigned	 timeout_ms;	/* 0: UE_UA_TIMEOUT_MS */
	const char	*trace;		/* prefix of trace lines on stderr;
					 * NULL: no trace */
	int		 show_keys;	/* Ks_NAF in the trace */
};

/* One response; name/value point into `head`. Free with ue_ua_resp_clear(). */
struct ue_ua_resp {
	int		 status;
	char		 reason[128];		/* "" on HTTP/2 */
	char		 proto[12];		/* "HTTP/1.1" or "HTTP/2" */
	size_t		 n;
	struct httpc_hdr h[UE_UA_HDRS_MAX];
	char		 head[UE_UA_HEAD_MAX + 1];
	size_t		 head_used;		/* HTTP/2: octets of `head` used */
	char		*body;			/* NUL-terminated, malloc'd */
	size_t		 body_len;
};

struct ue_ua;

/*
 * Resolve `url` and connect with TLS-PSK, or with a server certificate
 * when cfg->ca_file is set, as `cfg` says (`cfg` and its strings must
 * outlive the session). Returns 0 with the session in *out (close with
 * ue_ua_close()), or an exit status with one line in `err`: UE_EXIT_USAGE
 * (bad URL, name not found, CA file unreadable), UE_EXIT_UNREACHABLE (no
 * connection, no handshake within the timeout), UE_EXIT_AUTH (the
 * handshake failed; `*alert` is the fatal alert received, or -1; a
 * certificate refused: `err` starts "the AP's certificate verification
 * failed: "), or UE_EXIT_PEER (h2 asked for and not agreed by ALPN).
 */
int	ue_ua_connect(const struct ue_ua_cfg *cfg, struct ue_ua **out,
	    int *alert, char *err, size_t errlen);

/*
 * One request: `method` `target` (encoded path) with the header lines
 * `hdrs` ("Name: value", NULL-terminated, may be NULL; Host/:authority and
 * Content-Length are added) and, when `body` is not NULL, `body_len`
 * octets. The response goes to `r` (cleared first). Returns 0, or
 * UE_EXIT_UNREACHABLE (closed, timeout) or UE_EXIT_PEER (malformed or
 * over a cap) with one line in `err`.
 */
int	ue_ua_request(struct ue_ua *ua, const char *method, const char *target,
	    const char *const *hdrs, const void *body, size_t body_len,
	    struct ue_ua_resp *r, char *err, size_t errlen);

/* What was negotiated: 12 or 13, the suite code point and name, ALPN. */
int		 ue_ua_version(const struct ue_ua *ua);
uint16_t	 ue_ua_suite(const struct ue_ua *ua);
const char	*ue_ua_suite_name(const struct ue_ua *ua);
const char	*ue_ua_alpn(const struct ue_ua *ua);
/* The Ua security protocol id of the key used, as 10 hex digits. */
const char	*ue_ua_id_hex(const struct ue_ua *ua);
/* The path part of the URL given ("" if none). */
const char	*ue_ua_url_path(const struct ue_ua *ua);
/* 1 once the AP closed the connection (no further request on it). */
int		 ue_ua_closed(const struct ue_ua *ua);
/*
 * Certificate sessions only: Ks_NAF for NAF_Id = naf_fqdn || 01 00 01 yy
 * zz with the suite negotiated (TS 33.220 H.3, TS 33.222 5.3) into `key`
 * (32 octets; wipe it), as cfg says (corrupt_key, fixed_key), traced like
 * the PSK. Returns 0, or -1 (not a certificate session, no key).
 */
int		 ue_ua_naf_key(struct ue_ua *ua, uint8_t key[32]);
/* One line on stderr with the session's trace prefix (nothing when the
 * session does not trace). */
void		 ue_ua_trace(const struct ue_ua *ua, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The one-line reason of a failure, formatted into `err` (`errlen`
 * octets): for ue_ua.c and ue_ua_digest.c. */
void		 ue_err(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* Close (close_notify) and free, wiping the key material. Accepts NULL. */
void	ue_ua_close(struct ue_ua *ua);

/* The first header field `name` (case-insensitive), or NULL. */
const char	*ue_ua_header(const struct ue_ua_resp *r, const char *name);
/* The field `name` number `nth` (from 0) of several, or NULL. */
const char	*ue_ua_header_nth(const struct ue_ua_resp *r, const char *name,
		    size_t nth);
/* Free the body; the struct may be reused. */
void	ue_ua_resp_clear(struct ue_ua_resp *r);

/*
 * ue_ua_digest.c — HTTP Digest with bootstrapped keys on Ua, inside
 * server-certificate TLS (TS 33.222 5.3, TS 24.109 5.2; GBA.md §3.1, §3.3):
 * realm "3GPP-bootstrapping@" + NAF FQDN, username B-TID, password
 * base64(Ks_NAF), rspauth checked. One struct per exchange; it holds the
 * password: free with ue_dg_free() (wipes). Traces go to the session's
 * trace (ue_ua_trace()); the password is [hidden] unless `show_keys`.
 */
#define UE_DG_REALM_PREFIX	"3GPP-bootstrapping@"
struct ue_dg;

/* A new exchange, or NULL (out of memory). */
struct ue_dg	*ue_dg_new(int show_keys);
/* Wipe and free. Accepts NULL. */
void		 ue_dg_free(struct ue_dg *d);

/*
 * Take the challenge to answer from the 401 `r`: of every challenge in
 * every WWW-Authenticate field, the first Digest one whose realm is
 * UE_DG_REALM_PREFIX + `naf_fqdn` (FQDN compared case-insensitively) with
 * qop auth-int or auth and a non-AKA algorithm. Returns 0; UE_EXIT_AUTH
 * when bootstrapping realms name only other FQDNs (refused: the UE checks
 * the FQDN, GBA.md §3.1); UE_EXIT_PEER when no challenge fits. `err`
 * (`errlen` octets) says why.
 */
int		 ue_dg_challenge(struct ue_dg *d, struct ue_ua *ua,
		    const struct ue_ua_resp *r, const char *naf_fqdn,
		    char *err, size_t errlen);
/* Of the challenge taken: stale=true?, its realm, the qop chosen. */
int		 ue_dg_stale(const struct ue_dg *d);
const char	*ue_dg_realm(const struct ue_dg *d);
const char	*ue_dg_qop(const struct ue_dg *d);

/*
 * Answer the challenge taken, for the request `method` `uri` (the request
 * target exactly, also the Digest uri) with `body` (`body_len` octets,
 * covered by auth-int): username `btid`, password base64(`key`) (Ks_NAF,
 * 32 octets), nonce count `nc` (1 on a fresh nonce), a fresh cnonce, opaque
 * echoed. ue_dg_authz() is then the header line "Authorization: Digest
 * ...". Returns 0, or -1 with `err`.
 */
int		 ue_dg_answer(struct ue_dg *d, struct ue_ua *ua,
		    const char *btid, const uint8_t key[32], const char *method,
		    const char *uri, const void *body, size_t body_len,
		    uint32_t nc, char *err, size_t errlen);
const char	*ue_dg_authz(const struct ue_dg *d);

/*
 * Check the answer `r` to the last ue_dg_answer(): rspauth of its
 * Authentication-Info (RFC 7616 3.5: empty method, the response body for
 * auth-int), compared in constant time, with qop, cnonce and nc as sent;
 * a nextnonce is kept. `*present`: 1 when Authentication-Info was there.
 * Returns 0 (verified, or absent), or UE_EXIT_AUTH (malformed, or it does
 * not verify) with `err`.
 */
int		 ue_dg_verify(struct ue_dg *d, struct ue_ua *ua,
		    const struct ue_ua_resp *r, int *present, char *err,
		    size_t errlen);
/* The nextnonce of the last verified answer ("" if none). */
const char	*ue_dg_nextnonce(const struct ue_dg *d);
/* Make it the challenge to answer next (realm, qop, algorithm, opaque
 * unchanged). 0, or -1 when there is none. */
int		 ue_dg_use_nextnonce(struct ue_dg *d);

/* `ue xcap get|put|delete PATH [FILE]` (ue_xcap.c). */
int	ue_xcap_main(const struct ue_opts *o, int argc, char **argv);

/* ue_crypto.c: `ue crypto ...`; argv[0] is "crypto". Returns an exit status. */
int	ue_crypto_main(const struct ue_opts *o, int argc, char **argv);

/*
 * Print one line "ue: <context>: <message>" on stderr and return
 * UE_EXIT_USAGE, so that callers can `return ue_usage_error(...)`.
 */
int	ue_usage_error(const char *context, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * ue_json.c — one JSON object written to a stream. Keys and string values
 * are escaped per RFC 8259; hex values are lower case.
 */
struct ue_json {
	FILE	*f;
	int	 n;		/* members written so far */
};
void	ue_json_begin(struct ue_json *j, FILE *f);
void	ue_json_str(struct ue_json *j, const char *key, const char *value);
void	ue_json_hex(struct ue_json *j, const char *key, const void *p,
	    size_t len);
void	ue_json_bool(struct ue_json *j, const char *key, int value);
void	ue_json_int(struct ue_json *j, const char *key, long long value);
/* Closes the object and writes a newline. */
void	ue_json_end(struct ue_json *j);

#endif
