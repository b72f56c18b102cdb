/*
 * daemon.h — what every utstack daemon does the same way: the standard
 * command line (-c -f -v -n -K -o --help --version), loading its config
 * (defaults, file, -o overrides; swapped in only when all succeed), logging
 * set-up, detaching, and SIGTERM/SIGINT/SIGHUP on its event loop.
 */
#ifndef UTSTACK_DAEMON_H
#define UTSTACK_DAEMON_H

#include <stdio.h>

#include "conf.h"

struct event_base;

#define DAEMON_OVERRIDES_MAX	64

struct daemon_args {
	const char	*prog;
	const char	*conf;		/* -c FILE */
	int		 foreground;	/* -f */
	int		 verbose;	/* -v, repeatable */
	int		 check;		/* -n */
	int		 show_keys;	/* -K */
	const char	*overrides[DAEMON_OVERRIDES_MAX];	/* -o */
	int		 n_overrides;
	int		 argc;		/* operands after the options */
	char		**argv;
};

/*
 * Parse the standard options. `usage` prints the program's usage to the
 * stream it is given. Returns 0 to go on, 1 when --help/--version was
 * answered (exit 0), -1 after printing a usage error (exit 2). Operands
 * (e.g. a provisioning subcommand) are left in a->argc/argv; the program
 * may accept more options itself through `extra` (getopt letters, e.g.
 * "d:"), handed to `extra_cb` one at a time (return -1 to fail).
 */
int	daemon_args_parse(struct daemon_args *a, const char *prog, int argc,
	    char **argv, void (*usage)(FILE *), const char *extra,
	    int (*extra_cb)(int opt, const char *arg, void *ctx), void *ctx);

/*
 * Fill `cfg` from defaults, the -c file (required when `need_file`) and
 * the -o overrides. Errors go to stderr as one line each
 * (`FILE:LINE: message`). Returns 0 or -1. The caller passes a fresh struct
 * and swaps it in only on success.
 */
int	daemon_config(const struct daemon_args *a, const struct conf_opt *opts,
	    void *cfg, int need_file);

/* Start logging per -f/-v/-K and detach unless -f. 0 or -1. */
int	daemon_start(const struct daemon_args *a);

/*
 * Signals on `base`: SIGTERM/SIGINT call `term`, SIGHUP calls `hup` (NULL:
 * logged and ignored); SIGPIPE is ignored. Returns an opaque handle freed
 * with daemon_signals_free(), or NULL.
 */
struct daemon_signals;
struct daemon_signals *daemon_signals_new(struct event_base *base,
	    void (*term)(void *), void (*hup)(void *), void *arg);
void	daemon_signals_free(struct daemon_signals *s);

/* Log the start-up event `LISTENING name=NAME addr=HOST:PORT` (IPv6
 * hosts in brackets) — what tests and scripts/stack wait for. */
void	daemon_log_listening(const char *name, const char *host,
	    unsigned port);

/* Split a whitespace/comma separated list in place into at most `max`
 * NUL-terminated items of `s`; returns the count or -1 if more. */
int	daemon_split_list(char *s, const char **items, int max);

#endif
