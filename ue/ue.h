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
