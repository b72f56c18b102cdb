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
