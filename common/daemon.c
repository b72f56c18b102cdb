/*
 * daemon.c — the standard daemon command line, config loading, logging
 * set-up and signals (docs/CONTRACT.md, "Every daemon").
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "log.h"

int
daemon_args_parse(struct daemon_args *a, const char *prog, int argc,
    char **argv, void (*usage)(FILE *), const char *extra,
    int (*extra_cb)(int opt, const char *arg, void *ctx), void *ctx)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char opts[64];
	int ch;

	memset(a, 0, sizeof(*a));
	a->prog = prog;
	snprintf(opts, sizeof(opts), "+:c:fvnKo:%s", extra != NULL ? extra : "");
	opterr = 0;
	optind = 0;	/* glibc: 0 re-initialises getopt (ordering of an earlier parse) */
	while ((ch = getopt_long(argc, argv, opts, lo, NULL)) != -1) {
		switch (ch) {
		case 'c': a->conf = optarg; break;
		case 'f': a->foreground = 1; break;
		case 'v': a->verbose++; break;
		case 'n': a->check = 1; break;
		case 'K': a->show_keys = 1; break;
		case 'o':
			if (a->n_overrides == DAEMON_OVERRIDES_MAX) {
				fprintf(stderr, "%s: too many -o (at most %d)\n",
				    prog, DAEMON_OVERRIDES_MAX);
				return -1;
			}
			a->overrides[a->n_overrides++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("%s (utstack) %s\n", prog, UTSTACK_VERSION);
			return 1;
		case ':':
			fprintf(stderr, "%s: option '%s' needs a value (see --help)\n",
			    prog, argv[optind - 1]);
			return -1;
		case '?':
			fprintf(stderr, "%s: unknown option '%s' (see --help)\n",
			    prog, argv[optind - 1]);
			return -1;
		default:
			if (extra_cb == NULL || extra_cb(ch, optarg, ctx) != 0)
				return -1;
		}
	}
	a->argc = argc - optind;
	a->argv = argv + optind;
	return 0;
}

int
daemon_config(const struct daemon_args *a, const struct conf_opt *opts,
    void *cfg, int need_file)
{
	char err[512];
	int i;

	if (conf_defaults(opts, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", a->prog, err);
		return -1;
	}
	if (a->conf == NULL && need_file) {
		fprintf(stderr, "%s: a config file is required (-c FILE)\n",
		    a->prog);
		return -1;
	}
	if (a->conf != NULL && conf_load(opts, cfg, a->conf, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", a->prog, err);
		return -1;
	}
	for (i = 0; i < a->n_overrides; i++) {
		if (conf_set(opts, cfg, a->overrides[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s\n", a->prog, err);
			return -1;
		}
	}
	return 0;
}

int
daemon_start(const struct daemon_args *a)
{
	log_init(a->prog, a->foreground, a->verbose);
	log_set_show_keys(a->show_keys);
	if (!a->foreground && daemon(0, 0) != 0) {
		log_warn("daemon");
		return -1;
	}
	return 0;
}

struct daemon_signals {
	struct event	*ev[4];
	void		(*term)(void *);
	void		(*hup)(void *);
	void		*arg;
};

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_signals *s = arg;

	(void)what;
	if (sig == SIGHUP) {
		if (s->hup != NULL)
			s->hup(s->arg);
		else
			log_info("SIGHUP: nothing to reload");
		return;
	}
	log_info("%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	s->term(s->arg);
}

struct daemon_signals *
daemon_signals_new(struct event_base *base, void (*term)(void *),
    void (*hup)(void *), void *arg)
{
	static const int sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	struct daemon_signals *s;
	int i;

	signal(SIGPIPE, SIG_IGN);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->term = term;
	s->hup = hup;
	s->arg = arg;
	for (i = 0; i < 3; i++) {
		s->ev[i] = evsignal_new(base, sigs[i], on_signal, s);
		if (s->ev[i] == NULL || evsignal_add(s->ev[i], NULL) != 0) {
			daemon_signals_free(s);
			return NULL;
		}
	}
	return s;
}

void
daemon_signals_free(struct daemon_signals *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < 4; i++)
		if (s->ev[i] != NULL)
			event_free(s->ev[i]);
	free(s);
}

int
daemon_split_list(char *s, const char **items, int max)
{
	int n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		if (n == max)
			return -1;
		items[n++] = tok;
	}
	return n;
}

void
daemon_log_listening(const char *name, const char *host, unsigned port)
{
	char addr[300];
	int v6 = strchr(host, ':') != NULL;

	snprintf(addr, sizeof(addr), "%s%s%s:%u", v6 ? "[" : "", host,
	    v6 ? "]" : "", port);
	log_event("LISTENING", "name", name, "addr", addr, (char *)NULL);
}
