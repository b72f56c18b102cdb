/*
 * bsf.c — the BSF daemon: configuration, start-up, the session purge
 * timer and shutdown.
 *
 *   bsf -c FILE [-f] [-v]... [-n] [-K] [-o section.key=value]...
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bsf.h"
#include "daemon.h"
#include "log.h"
#include "secret.h"

/* SIGTERM/SIGINT: the longest wait for the Diameter peers' DPAs before
 * exiting anyway (the Diameter layer itself gives up after 1 s). */
#define STOP_CAP_MS	2000

const struct conf_opt bsf_conf_opts[] = {
	CONF_OPT_STR("bsf.fqdn", struct bsf_conf, fqdn, "bsf.ims.example.org",
	    0, "BSF name: the Ub Digest realm and the B-TID domain"),
	CONF_OPT_STR("bsf.origin_host", struct bsf_conf, origin_host,
	    "bsf.ims.example.org", 0, "Diameter Origin-Host on Zh and Zn"),
	CONF_OPT_STR("bsf.origin_realm", struct bsf_conf, origin_realm,
	    "ims.example.org", 0, "Diameter Origin-Realm"),
	CONF_OPT_INT("bsf.lifetime", struct bsf_conf, lifetime, 1, 31536000,
	    "3600", 0, "session lifetime when the GUSS has no bsfInfo/lifeTime, s"),
	CONF_OPT_ADDR("ub.listen", struct bsf_conf, ub_listen, "127.0.0.1:8080",
	    0, "Ub HTTP listener (port 0: pick a free one)"),
	CONF_OPT_INT("ub.nonce_lifetime", struct bsf_conf, nonce_lifetime, 1,
	    3600, "60", 0, "how long a challenge can be answered, s"),
	CONF_OPT_INT("ub.nonce_max", struct bsf_conf, nonce_max, 1, 10000000,
	    "100000", 0, "outstanding challenges kept; beyond it, 503"),
	CONF_OPT_INT("ub.failure_budget", struct bsf_conf, failure_budget, 1,
	    1000, "3", 0, "wrong responses per IMPI before 403 ..."),
	CONF_OPT_INT("ub.failure_window", struct bsf_conf, failure_window, 1,
	    86400, "300", 0, "... within this window, s"),
	CONF_OPT_INT("ub.header_max", struct bsf_conf, header_max, 1024,
	    1048576, "8192", 0, "largest request head, octets"),
	CONF_OPT_INT("ub.body_max", struct bsf_conf, body_max, 0, 1048576,
	    "4096", 0, "largest request body, octets"),
	CONF_OPT_INT("ub.idle_timeout", struct bsf_conf, idle_timeout, 1, 3600,
	    "30", 0, "keep-alive connections idle this long are closed, s"),
	CONF_OPT_ADDR("zh.hss", struct bsf_conf, zh_hss, "127.0.0.1:3868", 0,
	    "the HSS's Zh address (numeric)"),
	CONF_OPT_STR("zh.hss_host", struct bsf_conf, zh_hss_host,
	    "hss.ims.example.org", 0, "the HSS's Origin-Host (or a relay's)"),
	CONF_OPT_STR("zh.hss_realm", struct bsf_conf, zh_hss_realm,
	    "ims.example.org", 0, "Destination-Realm of MARs"),
	CONF_OPT_INT("zh.timeout_ms", struct bsf_conf, zh_timeout_ms, 100,
	    60000, "3000", 0, "MAR answer timeout; then Ub gets 503"),
	CONF_OPT_INT("zh.watchdog_ms", struct bsf_conf, zh_watchdog_ms, 1000,
	    3600000, "30000", 0, "Diameter watchdog Tw on Zh"),
	CONF_OPT_ADDR("zn.listen", struct bsf_conf, zn_listen, "127.0.0.1:3869",
	    0, "Zn Diameter listener (port 0: pick a free one)"),
	CONF_OPT_STR("zn.naf_hosts", struct bsf_conf, zn_naf_hosts,
	    "ap.ims.example.org", 0,
	    "NAF Origin-Hosts allowed on Zn (space or comma separated)"),
	CONF_OPT_STR("zn.naf_fqdns", struct bsf_conf, zn_naf_fqdns,
	    "xcap.ims.example.org", 0,
	    "NAF FQDNs (in NAF_Id) those NAFs may ask keys for"),
	CONF_OPT_STR("zn.naf_group", struct bsf_conf, zn_naf_group, "default",
	    0, "USS NAF group sent to those NAFs in GBA-UserSecSettings"),
	CONF_OPT_BOOL("zn.send_impi", struct bsf_conf, zn_send_impi, "yes", 0,
	    "send the IMPI (User-Name) in BIA"),
	CONF_OPT_INT("zn.watchdog_ms", struct bsf_conf, zn_watchdog_ms, 1000,
	    3600000, "30000", 0, "Diameter watchdog Tw on Zn"),
	CONF_OPT_STR("store.db", struct bsf_conf, store_db, "bsf.db", 0,
	    "SQLite session database"),
	CONF_OPT_INT("store.busy_ms", struct bsf_conf, store_busy_ms, 0, 1000,
	    "20", 0, "longest wait for a database lock"),
	CONF_OPT_INT("store.purge_interval", struct bsf_conf,
	    store_purge_interval, 1, 86400, "60", 0,
	    "expired sessions are deleted this often, s"),
	CONF_OPT_HEXV("store.wrap_key", struct bsf_conf, store_wrap_key,
	    store_wrap_key_len, BSF_WRAP_KEY_LEN, NULL, CONF_F_SECRET,
	    "32-octet AES-256-GCM key sealing Ks at rest (empty: clear)"),
	CONF_OPT_END
};

void
bsf_vector_clear(struct bsf_vector *v)
{
	if (v == NULL)
		return;
	free(v->guss);
	secret_wipe(v, sizeof(*v));
}

static void
usage(FILE *f)
{
	fputs(
"usage: bsf -c FILE [-f] [-v]... [-n] [-K] [-o section.key=value]...\n"
"\n"
"The Bootstrapping Server Function: Ub (HTTP Digest AKA, TS 24.109),\n"
"Zh client to the HSS, Zn server for NAFs (TS 29.109).\n"
"  -c FILE  config   -f foreground (log to stderr)   -v more logging\n"
"  -n check config and exit (-n -v prints it)   -K show keys in debug logs\n"
"  -o section.key=value   override a config key (see conf/bsf.conf)\n", f);
}

enum run_state {
	RUN_SERVING,
	RUN_STOPPING,		/* Ub closed; Zn and Zh saying goodbye */
};

struct bsf {
	struct event_base	*base;
	struct bsf_store	*st;
	struct event		*purge;
	struct timeval		 purge_tv;
	struct bsf_ub		*ub;
	struct bsf_zh		*zh;
	struct bsf_zn		*zn;
	enum run_state		 state;
	struct event		*cap;		/* STOP_CAP_MS */
	int			 closing;	/* Zn and Zh not done yet */
};

static void
on_purge(evutil_socket_t fd, short what, void *arg)
{
	struct bsf *b = arg;
	long removed = 0;
	char n[32];

	(void)fd;
	(void)what;
	if (bsf_store_purge(b->st, time(NULL), &removed) != 0)
		log_warnx("store: purge failed: %s", bsf_store_errmsg(b->st));
	else if (removed > 0) {
		snprintf(n, sizeof(n), "%ld", removed);
		log_event("BSF-PURGE", "removed", n, (char *)NULL);
	}
	evtimer_add(b->purge, &b->purge_tv);
}

/* Zn or Zh said goodbye to all its peers (or they are gone). */
static void
on_stopped(void *arg)
{
	struct bsf *b = arg;

	if (--b->closing == 0)
		event_base_loopbreak(b->base);
}

static void
on_cap(evutil_socket_t fd, short what, void *arg)
{
	struct bsf *b = arg;

	(void)fd;
	(void)what;
	log_warnx("Diameter peers still closing after %d ms: stopping anyway",
	    STOP_CAP_MS);
	event_base_loopbreak(b->base);
}

/*
 * The first SIGTERM/SIGINT closes Ub, so that no bootstrap starts a MAR
 * any more, then says goodbye on Zn and Zh at the same time (RFC 6733
 * §5.4: DPR, wait for DPA) and leaves the loop when both are done, or
 * after STOP_CAP_MS. A second signal leaves at once.
 */
static void
on_term(void *arg)
{
	struct bsf *b = arg;
	struct timeval tv = { STOP_CAP_MS / 1000, (STOP_CAP_MS % 1000) * 1000 };

	if (b->state == RUN_STOPPING) {
		log_info("second signal: stopping at once");
		event_base_loopbreak(b->base);
		return;
	}
	b->state = RUN_STOPPING;
	if (evtimer_add(b->cap, &tv) != 0) {
		event_base_loopbreak(b->base);
		return;
	}
	event_del(b->purge);
	bsf_ub_free(b->ub);	/* its requests waiting for a MAR are dropped */
	b->ub = NULL;
	b->closing = 2;
	bsf_zn_shutdown(b->zn, on_stopped, b);
	bsf_zh_shutdown(b->zh, on_stopped, b);
}

static int
run(const struct daemon_args *a, const struct bsf_conf *c)
{
	struct bsf b;
	struct daemon_signals *sigs = NULL;
	char err[512];
	int rc = 1;

	memset(&b, 0, sizeof(b));
	if (daemon_start(a) != 0)
		return 1;
	b.st = bsf_store_open(c->store_db, (int)c->store_busy_ms,
	    c->store_wrap_key_len ? c->store_wrap_key : NULL, err, sizeof(err));
	if (b.st == NULL) {
		log_warnx("%s", err);
		return 1;
	}
	if ((b.base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		goto done;
	}
	if ((b.zh = bsf_zh_new(b.base, c, err, sizeof(err))) == NULL ||
	    (b.ub = bsf_ub_new(b.base, c, b.zh, b.st, err, sizeof(err))) ==
	    NULL ||
	    (b.zn = bsf_zn_new(b.base, c, b.st, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto done;
	}
	b.purge_tv.tv_sec = (time_t)c->store_purge_interval;
	b.state = RUN_SERVING;
	if ((b.purge = evtimer_new(b.base, on_purge, &b)) == NULL ||
	    evtimer_add(b.purge, &b.purge_tv) != 0 ||
	    (b.cap = evtimer_new(b.base, on_cap, &b)) == NULL ||
	    (sigs = daemon_signals_new(b.base, on_term, NULL, &b)) == NULL) {
		log_warnx("cannot set up timers and signals");
		goto done;
	}
	event_base_dispatch(b.base);
	rc = 0;
done:
	/* what the shutdown left (all of it after a second signal) is
	 * closed at once */
	bsf_ub_free(b.ub);
	bsf_zn_free(b.zn);
	bsf_zh_free(b.zh);
	if (b.purge != NULL)
		event_free(b.purge);
	if (b.cap != NULL)
		event_free(b.cap);
	daemon_signals_free(sigs);
	if (b.base != NULL)
		event_base_free(b.base);
	bsf_store_close(b.st);
	log_event("BSF-STOPPED", (char *)NULL);
	return rc;
}

int
main(int argc, char **argv)
{
	struct daemon_args a;
	struct bsf_conf c;
	int rc;

	rc = daemon_args_parse(&a, "bsf", argc, argv, usage, NULL, NULL, NULL);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (a.argc > 0) {
		fprintf(stderr, "bsf: unexpected argument '%s'\n", a.argv[0]);
		return 2;
	}
	memset(&c, 0, sizeof(c));
	if (daemon_config(&a, bsf_conf_opts, &c, 1) != 0)
		return 2;
	if (a.check) {
		if (a.verbose > 0)
			conf_dump(bsf_conf_opts, &c, stdout);
		printf("bsf: configuration OK\n");
		secret_wipe(&c, sizeof(c));
		return 0;
	}
	rc = run(&a, &c);
	secret_wipe(&c, sizeof(c));
	return rc;
}
