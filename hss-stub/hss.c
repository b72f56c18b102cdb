/*
 * hss.c — hss-stub: the subscriber database and the Zh server (TS 29.109).
 *
 *   hss-stub -c FILE [-f] [-v] [-n] [-K] [-o key=value]...   the Zh daemon
 *   hss-stub (-d DB | -c FILE) add|list|show|del|import ...  provisioning
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon.h"
#include "hss.h"
#include "log.h"

/* SIGTERM/SIGINT: the longest wait for the Zh peers' DPAs before exiting
 * anyway (the Diameter layer itself gives up after 1 s). */
#define STOP_CAP_MS	2000

enum run_state {
	RUN_SERVING,
	RUN_STOPPING,		/* DPRs sent; waiting for the DPAs */
};

struct run {
	struct event_base	*base;
	struct hss_zh		*zh;
	struct event		*cap;
	enum run_state		 state;
};

const struct conf_opt hss_conf_opts[] = {
	CONF_OPT_STR("hss.origin_host", struct hss_conf, origin_host,
	    "hss.ims.example.org", 0, "Diameter Origin-Host of this HSS"),
	CONF_OPT_STR("hss.origin_realm", struct hss_conf, origin_realm,
	    "ims.example.org", 0, "Diameter Origin-Realm"),
	CONF_OPT_STR("hss.db", struct hss_conf, db, "hss.db", 0,
	    "SQLite subscriber database"),
	CONF_OPT_INT("hss.busy_ms", struct hss_conf, busy_ms, 0, 1000, "20", 0,
	    "longest wait for a database lock held by another process"),
	CONF_OPT_ADDR("zh.listen", struct hss_conf, zh_listen,
	    "127.0.0.1:3868", 0, "Zh listener (port 0: pick a free one)"),
	CONF_OPT_STR("zh.peers", struct hss_conf, zh_peers,
	    "bsf.ims.example.org", 0,
	    "Origin-Hosts allowed to connect (space or comma separated)"),
	CONF_OPT_INT("zh.watchdog_ms", struct hss_conf, watchdog_ms, 1000,
	    3600000, "30000", 0, "Diameter watchdog Tw (RFC 3539)"),
	CONF_OPT_END
};

static void
usage(FILE *f)
{
	fputs(
"usage: hss-stub -c FILE [-f] [-v]... [-n] [-K] [-o key=value]...\n"
"       hss-stub (-d DB | -c FILE) COMMAND ...\n"
"\n"
"Without a command: the Zh Diameter server (MAR/MAA, TS 29.109).\n"
"  -c FILE  config   -f foreground (log to stderr)   -v more logging\n"
"  -n check config and exit   -K show key material in debug logs\n"
"  -o section.key=value   override a config key\n"
"\n"
"Commands (provisioning; -d DB or the config's hss.db):\n"
"  add IMPI --k HEX (--opc HEX | --op HEX) [--amf HEX] [--sqn HEX]\n"
"      [--impu URI]... [--scheme AKAv1|AKAv2] [--lifetime SECONDS]\n"
"      [--uss GSID,TYPE,NAF-GROUP[,FLAG...]]...\n"
"  list | show IMPI | del IMPI\n"
"  import FILE.csv    columns impi,k,opc,amf,sqn,scheme,lifetime,impus\n"
"                     (impus separated by ';'; empty amf/sqn/scheme/lifetime\n"
"                     take the defaults 8000/000000000000/AKAv1/none)\n", f);
}

static int
extra_opt(int opt, const char *arg, void *ctx)
{
	if (opt != 'd')
		return -1;
	*(const char **)ctx = arg;
	return 0;
}

/* Every Zh peer said goodbye (DPA), or is gone. */
static void
on_stopped(void *arg)
{
	struct run *r = arg;

	event_base_loopbreak(r->base);
}

static void
on_cap(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
	log_warnx("Zh peers still closing after %d ms: stopping anyway",
	    STOP_CAP_MS);
	event_base_loopbreak(r->base);
}

/*
 * The first SIGTERM/SIGINT says goodbye to the Zh peers (RFC 6733 §5.4:
 * DPR, wait for DPA) and leaves the loop when that is done, or after
 * STOP_CAP_MS; a second one leaves at once.
 */
static void
on_term(void *arg)
{
	struct run *r = arg;
	struct timeval tv = { STOP_CAP_MS / 1000, (STOP_CAP_MS % 1000) * 1000 };

	if (r->state == RUN_STOPPING) {
		log_info("second signal: stopping at once");
		event_base_loopbreak(r->base);
		return;
	}
	r->state = RUN_STOPPING;
	if (evtimer_add(r->cap, &tv) != 0) {
		event_base_loopbreak(r->base);
		return;
	}
	hss_zh_shutdown(r->zh, on_stopped, r);
}

static int
run_daemon(const struct daemon_args *a, const struct hss_conf *cfg)
{
	struct event_base *base = NULL;
	struct hss_store *st = NULL;
	struct hss_zh *zh = NULL;
	struct daemon_signals *sigs = NULL;
	struct run r;
	char err[512];
	int rc = 1;

	memset(&r, 0, sizeof(r));
	if (daemon_start(a) != 0)
		return 1;
	if ((st = hss_store_open(cfg->db, (int)cfg->busy_ms, err,
	    sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return 1;
	}
	if ((base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		goto done;
	}
	if ((zh = hss_zh_new(base, cfg, st, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto done;
	}
	r.base = base;
	r.zh = zh;
	r.state = RUN_SERVING;
	if ((r.cap = evtimer_new(base, on_cap, &r)) == NULL ||
	    (sigs = daemon_signals_new(base, on_term, NULL, &r)) == NULL) {
		log_warnx("cannot install signal handlers");
		goto done;
	}
	event_base_dispatch(base);
	rc = 0;
done:
	hss_zh_free(zh);	/* what the shutdown left, closed at once */
	if (r.cap != NULL)
		event_free(r.cap);
	daemon_signals_free(sigs);
	if (base != NULL)
		event_base_free(base);
	hss_store_close(st);
	log_event("HSS-STOPPED", (char *)NULL);
	return rc;
}

int
main(int argc, char **argv)
{
	struct daemon_args a;
	struct hss_conf cfg;
	const char *db = NULL;
	int rc;

	rc = daemon_args_parse(&a, "hss-stub", argc, argv, usage, "d:",
	    extra_opt, &db);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	memset(&cfg, 0, sizeof(cfg));
	if (a.argc > 0) {
		/* Provisioning: the config only supplies hss.db. */
		if (db == NULL && a.conf != NULL) {
			if (daemon_config(&a, hss_conf_opts, &cfg, 1) != 0)
				return 2;
			db = cfg.db;
		}
		return hss_prov_main(db, a.argc, a.argv, stdout);
	}
	if (db != NULL) {
		fprintf(stderr, "hss-stub: -d is for provisioning commands; "
		    "the daemon reads hss.db from its config\n");
		return 2;
	}
	if (daemon_config(&a, hss_conf_opts, &cfg, 1) != 0)
		return 2;
	if (a.check) {
		if (a.verbose > 0)
			conf_dump(hss_conf_opts, &cfg, stdout);
		printf("hss-stub: configuration OK\n");
		return 0;
	}
	return run_daemon(&a, &cfg);
}
