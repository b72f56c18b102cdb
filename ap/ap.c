/*
 * ap.c — the Authentication Proxy daemon: configuration, start-up and
 * shutdown.
 *
 *   ap -c FILE [-f] [-v]... [-n] [-K] [-o section.key=value]...
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "ap.h"
#include "daemon.h"
#include "log.h"
#include "secret.h"

/* SIGTERM/SIGINT: the longest wait for the BSF's DPA before exiting. */
#define STOP_CAP_MS	2000

const struct conf_opt ap_conf_opts[] = {
	CONF_OPT_STR("ap.origin_host", struct ap_conf, origin_host,
	    "ap.ims.example.org", 0, "Diameter Origin-Host on Zn"),
	CONF_OPT_STR("ap.origin_realm", struct ap_conf, origin_realm,
	    "ims.example.org", 0, "Diameter Origin-Realm"),
	CONF_OPT_STR("ap.naf_fqdn", struct ap_conf, naf_fqdn,
	    "xcap.ims.example.org", 0,
	    "the NAF's FQDN (NAF_Id); clients' SNI must name it"),
	CONF_OPT_ADDR("ua.listen", struct ap_conf, ua_listen, "127.0.0.1:8443",
	    0, "Ua TLS listener (port 0: pick a free one)"),
	CONF_OPT_STR("ua.priority", struct ap_conf, ua_priority, "", 0,
	    "GnuTLS priority string (empty: the decision table's PSK suites)"),
	CONF_OPT_BOOL("ua.psk_ke", struct ap_conf, ua_psk_ke, "yes", 0,
	    "also allow TLS 1.3 psk_ke (no forward secrecy)"),
	CONF_OPT_INT("ua.handshake_timeout_ms", struct ap_conf,
	    ua_handshake_timeout_ms, 100, 600000, "10000", 0,
	    "accept to Finished, the Zn wait included"),
	CONF_OPT_INT("ua.head_max", struct ap_conf, ua_head_max, 1024, 1048576,
	    "16384", 0, "largest request head (431 beyond), octets"),
	CONF_OPT_INT("ua.body_max", struct ap_conf, ua_body_max, 0, 67108864,
	    "1048576", 0, "largest request body (413 beyond), octets"),
	CONF_OPT_INT("ua.idle_timeout_ms", struct ap_conf, ua_idle_timeout_ms,
	    100, 3600000, "60000", 0, "idle keep-alive connections closed"),
	CONF_OPT_INT("ua.max_conns", struct ap_conf, ua_max_conns, 1, 1000000,
	    "10000", 0, "TLS connections open at once; beyond, new ones wait"),
	CONF_OPT_ADDR("zn.bsf", struct ap_conf, zn_bsf, "127.0.0.1:3869", 0,
	    "the BSF's Zn address (numeric)"),
	CONF_OPT_STR("zn.bsf_host", struct ap_conf, zn_bsf_host,
	    "bsf.ims.example.org", 0, "the BSF's Origin-Host (or a relay's)"),
	CONF_OPT_STR("zn.bsf_realm", struct ap_conf, zn_bsf_realm,
	    "ims.example.org", 0, "Destination-Realm of BIRs"),
	CONF_OPT_INT("zn.timeout_ms", struct ap_conf, zn_timeout_ms, 100,
	    60000, "3000", 0, "BIA wait; then the handshake fails"),
	CONF_OPT_INT("zn.watchdog_ms", struct ap_conf, zn_watchdog_ms, 1000,
	    3600000, "30000", 0, "Diameter watchdog Tw on Zn"),
	CONF_OPT_INT("cache.max_entries", struct ap_conf, cache_max_entries, 1,
	    10000000, "10000", 0,
	    "Ks_NAF cache entries (least recently used dropped)"),
	CONF_OPT_ADDR("as.upstream", struct ap_conf, as_upstream,
	    "127.0.0.1:8081", 0, "the application server (presence), numeric"),
	CONF_OPT_STR("as.h2", struct ap_conf, as_h2, "follow", 0,
	    "h2c to the AS: yes, no, or follow (as the client spoke)"),
	CONF_OPT_INT("as.max_conns", struct ap_conf, as_max_conns, 1, 10000,
	    "32", 0, "HTTP/1.1 connections to the AS"),
	CONF_OPT_INT("as.connect_timeout_ms", struct ap_conf,
	    as_connect_timeout_ms, 100, 600000, "2000", 0,
	    "connect to the AS; then 502"),
	CONF_OPT_INT("as.response_timeout_ms", struct ap_conf,
	    as_response_timeout_ms, 100, 600000, "10000", 0,
	    "AS answer head, then each body read (paused time not counted); "
	    "504 or a cut answer"),
	CONF_OPT_INT("as.body_max", struct ap_conf, as_body_max, 0, 67108864,
	    "1048576", 0, "largest AS response body (502 beyond), octets"),
	CONF_OPT_STR("as.secret", struct ap_conf, as_secret, "", CONF_F_SECRET,
	    "sent as X-Utstack-Peer-Secret (presence trust.secret)"),
	CONF_OPT_STR("as.host", struct ap_conf, as_host, "", 0,
	    "Host sent to the AS (empty: the NAF FQDN)"),
	CONF_OPT_STR("ua.cert_file", struct ap_conf, ua_cert_file, "", 0,
	    "PEM server certificate naming the NAF FQDNs (empty: PSK only)"),
	CONF_OPT_STR("ua.key_file", struct ap_conf, ua_key_file, "", 0,
	    "its PEM private key"),
	CONF_OPT_INT("ua.nonce_lifetime", struct ap_conf, ua_nonce_lifetime, 1,
	    3600, "60", 0, "a Digest nonce can be answered this long, once, s"),
	CONF_OPT_INT("ua.nonce_max", struct ap_conf, ua_nonce_max, 1, 10000000,
	    "100000", 0, "outstanding Digest nonces; beyond, 503"),
	CONF_OPT_STR("ua.htdigest_file", struct ap_conf, ua_htdigest_file, "", 0,
	    "password file of clients without a USIM (empty: off)"),
	CONF_OPT_BOOL("http.enable", struct ap_conf, http_enable, "no", 0,
	    "plain-HTTP listener (RFC 2817 upgrade to TLS, or redirect)"),
	CONF_OPT_ADDR("http.listen", struct ap_conf, http_listen,
	    "127.0.0.1:8000", 0, "plain-HTTP listener (port 0: a free one)"),
	CONF_OPT_STR("http.redirect", struct ap_conf, http_redirect, "", 0,
	    "https base URL to redirect to (empty: 426 Upgrade Required)"),
#define NAF_OPTS(i)							\
	CONF_OPT_STR("naf" #i ".fqdn", struct ap_conf, naf[i - 1].fqdn, "",	\
	    0, "another NAF served by this AP (empty: none)"),		\
	CONF_OPT_ADDR("naf" #i ".upstream", struct ap_conf,		\
	    naf[i - 1].upstream, "127.0.0.1:8081", 0, "its server"),	\
	CONF_OPT_STR("naf" #i ".h2", struct ap_conf, naf[i - 1].h2,	\
	    "follow", 0, "h2c to it: yes, no, follow"),			\
	CONF_OPT_STR("naf" #i ".secret", struct ap_conf, naf[i - 1].secret,	\
	    "", CONF_F_SECRET, "its X-Utstack-Peer-Secret"),		\
	CONF_OPT_STR("naf" #i ".host", struct ap_conf, naf[i - 1].host, "",	\
	    0, "Host sent to it (empty: its FQDN)"),			\
	CONF_OPT_BOOL("naf" #i ".psk", struct ap_conf, naf[i - 1].psk,	\
	    "yes", 0, "TLS-PSK clients allowed"),				\
	CONF_OPT_BOOL("naf" #i ".digest", struct ap_conf,		\
	    naf[i - 1].digest, "yes", 0,					\
	    "certificate TLS + Digest clients allowed")
	NAF_OPTS(1),
	NAF_OPTS(2),
	NAF_OPTS(3),
#undef NAF_OPTS
	CONF_OPT_END
};

static void
usage(FILE *f)
{
	fputs(
"usage: ap -c FILE [-f] [-v]... [-n] [-K] [-o section.key=value]...\n"
"\n"
"The Authentication Proxy (TS 33.222, TS 24.109 cl. 7): TLS-PSK on Ua with\n"
"keys from the BSF over Zn, X-3GPP-Asserted-Identity, XCAP forwarded to the\n"
"application server.\n"
"  -c FILE  config   -f foreground (log to stderr)   -v more logging\n"
"  -n check config and exit (-n -v prints it)   -K show keys in debug logs\n"
"  -o section.key=value   override a config key (see conf/ap.conf)\n", f);
}

struct ap {
	struct event_base	*base;
	struct ap_zn		*zn;
	struct ap_ua		*ua;
	struct ap_plain		*plain;
	struct event		*cap;
	int			 stopping;
};

static void
on_stopped(void *arg)
{
	struct ap *ap = arg;

	event_base_loopbreak(ap->base);
}

static void
on_cap(evutil_socket_t fd, short what, void *arg)
{
	struct ap *ap = arg;

	(void)fd;
	(void)what;
	log_warnx("Zn still closing after %d ms: stopping anyway", STOP_CAP_MS);
	event_base_loopbreak(ap->base);
}

/*
 * The first SIGTERM/SIGINT stops accepting on Ua and closes the
 * connections still in their handshake, then says goodbye to the BSF
 * (DPR/DPA) and leaves the loop; requests being forwarded are dropped.
 * A second signal leaves at once.
 */
static void
on_term(void *arg)
{
	struct ap *ap = arg;
	struct timeval tv = { STOP_CAP_MS / 1000, (STOP_CAP_MS % 1000) * 1000 };

	if (ap->stopping) {
		log_info("second signal: stopping at once");
		event_base_loopbreak(ap->base);
		return;
	}
	ap->stopping = 1;
	if (evtimer_add(ap->cap, &tv) != 0) {
		event_base_loopbreak(ap->base);
		return;
	}
	ap_plain_free(ap->plain);
	ap->plain = NULL;
	ap_ua_close(ap->ua);
	ap_zn_shutdown(ap->zn, on_stopped, ap);
}

static int
run(const struct daemon_args *a, const struct ap_conf *c)
{
	struct ap ap;
	struct daemon_signals *sigs = NULL;
	char err[512];
	int rc = 1;

	memset(&ap, 0, sizeof(ap));
	if (daemon_start(a) != 0)
		return 1;
	if ((ap.base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		goto done;
	}
	if ((ap.zn = ap_zn_new(ap.base, c, err, sizeof(err))) == NULL ||
	    (ap.ua = ap_ua_new(ap.base, c, ap.zn, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto done;
	}
	if (c->http_enable && (ap.plain = ap_plain_new(ap.base, c, ap.ua, err,
	    sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto done;
	}
	if ((ap.cap = evtimer_new(ap.base, on_cap, &ap)) == NULL ||
	    (sigs = daemon_signals_new(ap.base, on_term, NULL, &ap)) == NULL) {
		log_warnx("cannot set up timers and signals");
		goto done;
	}
	event_base_dispatch(ap.base);
	rc = 0;
done:
	ap_plain_free(ap.plain);
	ap_ua_free(ap.ua);
	ap_zn_free(ap.zn);
	if (ap.cap != NULL)
		event_free(ap.cap);
	daemon_signals_free(sigs);
	if (ap.base != NULL)
		event_base_free(ap.base);
	log_event("AP-STOPPED", (char *)NULL);
	return rc;
}

int
main(int argc, char **argv)
{
	struct daemon_args a;
	struct ap_conf c;
	char err[512];
	int rc;

	rc = daemon_args_parse(&a, "ap", argc, argv, usage, NULL, NULL, NULL);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (a.argc > 0) {
		fprintf(stderr, "ap: unexpected argument '%s'\n", a.argv[0]);
		return 2;
	}
	memset(&c, 0, sizeof(c));
	if (daemon_config(&a, ap_conf_opts, &c, 1) != 0)
		return 2;
	if (a.check) {
		if (ap_ua_check(&c, err, sizeof(err)) != 0) {
			fprintf(stderr, "ap: %s\n", err);
			secret_wipe(&c, sizeof(c));
			return 2;
		}
		if (a.verbose > 0)
			conf_dump(ap_conf_opts, &c, stdout);
		printf("ap: configuration OK\n");
		secret_wipe(&c, sizeof(c));
		return 0;
	}
	rc = run(&a, &c);
	secret_wipe(&c, sizeof(c));
	return rc;
}
