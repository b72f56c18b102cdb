/*
 * ue.h — the UE client's private header: global options, exit statuses,
 * and the cross-file prototypes of ue/.
 */
#ifndef UTSTACK_UE_H
#define UTSTACK_UE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
