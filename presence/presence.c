/*
 * presence.c — the presence XCAP server: configuration, start-up and
 * shutdown.
 *
 *   presence -c FILE [-f] [-v]... [-n] [-o section.key=value]...
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon.h"
#include "log.h"
#include "presence.h"

const struct conf_opt presence_conf_opts[] = {
	CONF_OPT_ADDR("xcap.listen", struct pres_conf, listen,
	    "127.0.0.1:8081", 0, "XCAP listener, HTTP/1.1 and h2c"),
	CONF_OPT_STR("xcap.root", struct pres_conf, root, "/xcap-root", 0,
	    "XCAP root path"),
	CONF_OPT_INT("xcap.doc_max", struct pres_conf, doc_max, 1024,
	    64 * 1024 * 1024, "1048576", 0, "largest document or body, octets"),
	CONF_OPT_INT("xcap.head_max", struct pres_conf, head_max, 1024,
	    1048576, "16384", 0, "largest request head, octets (431 beyond)"),
	CONF_OPT_INT("xcap.idle_timeout_ms", struct pres_conf, idle_timeout_ms,
	    100, 3600000, "60000", 0, "idle keep-alive connections close"),
	CONF_OPT_STR("xcap.xsd_dir", struct pres_conf, xsd_dir,
	    "presence/xsd", 0, "folder of the application usages' schemas"),
	CONF_OPT_INT("quota.documents", struct pres_conf, quota_docs, 1,
	    1000000, "1000", 0, "documents per user"),
	CONF_OPT_INT("quota.bytes", struct pres_conf, quota_bytes, 1024,
	    1LL << 40, "10485760", 0, "octets stored per user"),
	CONF_OPT_STR("store.db", struct pres_conf, db, "presence.db", 0,
	    "SQLite document database"),
	CONF_OPT_INT("store.busy_ms", struct pres_conf, busy_ms, 0, 1000, "20",
	    0, "longest wait for a database lock"),
	CONF_OPT_STR("trust.peers", struct pres_conf, trust_peers, "127.0.0.1",
	    0, "addresses whose X-3GPP-Asserted-Identity is believed"),
	CONF_OPT_STR("trust.secret", struct pres_conf, trust_secret, NULL,
	    CONF_F_SECRET, "if set, trusted peers also send it in "
	    "X-Utstack-Peer-Secret"),
	CONF_OPT_INT("oma.pres_content_max", struct pres_conf,
	    pres_content_max, 1024, 64 * 1024 * 1024, "307200", 0,
	    "largest OMA pres-content document, octets (409 beyond)"),
	CONF_OPT_STR("policy.default_sub_handling", struct pres_conf,
	    default_sub, "confirm", 0, "sub-handling when no matching rule "
	    "sets one: block, confirm, polite-block or allow"),
	CONF_OPT_END
};

static void
usage(FILE *f)
{
	fputs(
"usage: presence -c FILE [-f] [-v]... [-n] [-o section.key=value]...\n"
"\n"
"The presence XCAP server (RFC 4825): the presence application usages under\n"
"the XCAP root, HTTP/1.1 and h2c, for identities asserted by trusted peers,\n"
"and GET /policy/eval (RFC 4745 / RFC 5025 subscription authorisation).\n"
"  -c FILE config  -f foreground  -v more logging  -n check config\n"
"  -o section.key=value   override a config key (see conf/presence.conf)\n", f);
}

static void
on_term(void *arg)
{
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct daemon_args a;
	struct pres_conf c;
	struct event_base *base = NULL;
	struct pres_store *st = NULL;
	struct pres_xcap *x = NULL;
	struct daemon_signals *sigs = NULL;
	char err[512];
	int rc;

	rc = daemon_args_parse(&a, "presence", argc, argv, usage, NULL, NULL,
	    NULL);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (a.argc > 0) {
		fprintf(stderr, "presence: unexpected argument '%s'\n", a.argv[0]);
		return 2;
	}
	memset(&c, 0, sizeof(c));
	if (daemon_config(&a, presence_conf_opts, &c, 1) != 0)
		return 2;
	if (pres_sub_value(c.default_sub) < 0) {
		fprintf(stderr, "presence: policy.default_sub_handling: \"%s\" is "
		    "not block, confirm, polite-block or allow\n", c.default_sub);
		return 2;
	}
	if (pres_auid_init(c.xsd_dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "presence: %s\n", err);
		return 2;
	}
	if (a.check) {
		if (a.verbose > 0)
			conf_dump(presence_conf_opts, &c, stdout);
		printf("presence: configuration OK\n");
		pres_auid_free();
		return 0;
	}
	rc = 1;
	if (daemon_start(&a) != 0)
		goto done;
	if ((st = pres_store_open(c.db, (int)c.busy_ms, err, sizeof(err))) ==
	    NULL) {
		log_warnx("%s", err);
		goto done;
	}
	if ((base = event_base_new()) == NULL ||
	    (x = pres_xcap_new(base, &c, st, err, sizeof(err))) == NULL ||
	    (sigs = daemon_signals_new(base, on_term, NULL, base)) == NULL) {
		log_warnx("%s", base == NULL ? "event_base_new failed" : err);
		goto done;
	}
	event_base_dispatch(base);
	rc = 0;
done:
	pres_xcap_free(x);
	daemon_signals_free(sigs);
	if (base != NULL)
		event_base_free(base);
	pres_store_close(st);
	pres_auid_free();
	log_event("PRESENCE-STOPPED", (char *)NULL);
	return rc;
}
