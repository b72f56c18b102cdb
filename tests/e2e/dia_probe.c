/*
 * dia_probe.c — one Zh or Zn request from the command line, for the
 * declarative end-to-end cases (tests/e2e/run-cases.sh): a MAR to the HSS
 * (TS 29.109 cl. 5, GBA.md §4.2) or a BIR to the BSF (TS 29.109 cl. 6,
 * GBA.md §4.3), sent as a Diameter peer built from common/ (diameter.h,
 * dia_peer.h), and one line saying what came back:
 *
 *	dia-probe zh --port P --host ORIGIN --realm R --dest-realm R
 *	    [--impu URI] [--scheme S] [--rand HEX --auts HEX] [--timeout-ms N]
 *	    [IMPI]
 *	  -> result=NNNN vector=yes|no [scheme=... guss=yes|no]
 *	dia-probe zn --port P --host ORIGIN --realm R --dest-realm R
 *	    [--timeout-ms N] BTID NAF_FQDN UAHEX
 *	  -> result=NNNN key=yes|no [expiry=... created=... gba_type=N
 *	     user=yes|no uss=yes|no]
 *
 * ORIGIN is the tester's identity (stack.env TESTER_ORIGIN_HOST): a second
 * CER from the BSF's or the AP's own Origin-Host would replace that
 * daemon's connection. The key material of an answer (XRES, CK, IK,
 * Ks_NAF) is never printed, only whether it was there, and is wiped.
 * `--rand HEX --auts HEX` (16 and 14 octets) make the MAR a
 * resynchronisation request: SIP-Authorization = RAND || AUTS (TS 29.109
 * cl. 5.2.2, TS 33.102 cl. 6.3.5). A repeated option: the last one counts.
 *
 * Exit status: 0 an answer came (whatever its result), 2 bad usage, 4 the
 * peer refused our capabilities exchange (prints `refused=yes`), 5 the
 * peer could not be reached or did not answer in time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "buf.h"
#include "dia_peer.h"
#include "diameter.h"
#include "hex.h"
#include "log.h"
#include "secret.h"

#define PROBE_TIMEOUT_MS	10000	/* CER/CEA, and the answer, each */
#define PROBE_RAND_LEN		16
#define PROBE_AUTS_LEN		14
#define PROBE_UA_LEN		5	/* Ua protocol id, TS 33.220 H.2 */

struct probe {
	struct event_base	*base;
	struct dia_client	*client;
	struct event		*timer;
	int			 expired;
	int			 answered;
	struct dia_msg		*answer;	/* decoded copy, ours */
};

struct opts {
	const char	*cmd;		/* "zh" or "zn" */
	long		 port;
	const char	*host, *realm, *dest_realm;
	const char	*impu, *scheme, *rand_hex, *auts_hex;
	long		 timeout_ms;
	const char	*arg[3];	/* IMPI, or BTID NAF_FQDN UAHEX */
	int		 nargs;
	uint8_t		 rand_auts[PROBE_RAND_LEN + PROBE_AUTS_LEN];
	uint8_t		 naf_id[255 + PROBE_UA_LEN];	/* FQDN || Ua id */
	size_t		 naf_id_len;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: dia-probe zh --port P --host ORIGIN --realm R "
	    "--dest-realm R\n"
	    "           [--impu URI] [--scheme S] [--rand HEX --auts HEX]"
	    " [--timeout-ms N] [IMPI]\n"
	    "       dia-probe zn --port P --host ORIGIN --realm R "
	    "--dest-realm R\n"
	    "           [--timeout-ms N] BTID NAF_FQDN UAHEX\n");
	exit(2);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;

	(void)fd;
	(void)what;
	p->expired = 1;
	event_base_loopbreak(p->base);
}

/* Run the loop until `done(p)` or `ms` have passed. */
static void
run_until(struct probe *p, int (*done)(const struct probe *), long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	p->expired = 0;
	evtimer_add(p->timer, &tv);
	while (!done(p) && !p->expired)
		if (event_base_loop(p->base, EVLOOP_ONCE) != 0)
			break;
	evtimer_del(p->timer);
}

static int
open_or_refused(const struct probe *p)
{
	return dia_client_is_open(p->client) ||
	    dia_client_refusals(p->client) > 0;
}

static int
answered(const struct probe *p)
{
	return p->answered;
}

static void
on_answer(void *arg, const struct dia_msg *answer, const char *error)
{
	struct probe *p = arg;

	p->answered = 1;
	if (answer == NULL) {
		fprintf(stderr, "dia-probe: no answer: %s\n", error);
		return;
	}
	if (dia_msg_decode(answer->octets, answer->len, &p->answer,
	    NULL) != 0) {
		fprintf(stderr, "dia-probe: the answer does not decode\n");
		p->answer = NULL;
	}
}

/* The common head of a Zh/Zn request (TS 29.109 cl. 5.2.1, 6.3.1.1). */
static int
build_head(struct dia_build *b, struct buf *msg, const struct opts *o,
    uint32_t cmd, uint32_t app)
{
	char sid[512];

	if (dia_session_id(o->host, sid, sizeof(sid)) != 0)
		return -1;
	dia_build_begin(b, msg, DIA_FLAG_R | DIA_FLAG_P, cmd, app, 0, 0);
	dia_put_str(b, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, sid);
	dia_group_begin(b, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(b, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, DIA_VENDOR_3GPP);
	dia_put_u32(b, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, app);
	dia_group_end(b);
	dia_put_u32(b, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0,
	    DIA_AUTH_SESSION_NO_STATE);
	dia_put_str(b, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, o->host);
	dia_put_str(b, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, o->realm);
	dia_put_str(b, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0, o->dest_realm);
	return 0;
}

/* MAR: User-Name and/or Public-Identity, one SIP-Auth-Data-Item. */
static int
build_mar(struct buf *msg, const struct opts *o)
{
	struct dia_build b;

	if (build_head(&b, msg, o, DIA_CMD_MA, DIA_APP_ZH) != 0)
		return -1;
	if (o->nargs == 1)
		dia_put_str(&b, DIA_AVP_USER_NAME, DIA_AVP_M, 0, o->arg[0]);
	if (o->impu != NULL)
		dia_put_str(&b, DIA_AVP_PUBLIC_IDENTITY, DIA_AVP_M,
		    DIA_VENDOR_3GPP, o->impu);
	dia_group_begin(&b, DIA_AVP_SIP_AUTH_DATA_ITEM, DIA_AVP_M,
	    DIA_VENDOR_3GPP);
	dia_put_str(&b, DIA_AVP_SIP_AUTH_SCHEME, DIA_AVP_M, DIA_VENDOR_3GPP,
	    o->scheme != NULL ? o->scheme : "Digest-AKAv1-MD5");
	if (o->auts_hex != NULL)
		dia_put(&b, DIA_AVP_SIP_AUTHORIZATION, DIA_AVP_M,
		    DIA_VENDOR_3GPP, o->rand_auts, sizeof(o->rand_auts));
	dia_group_end(&b);
	return dia_build_end(&b);
}

/* BIR: Transaction-Identifier (B-TID), NAF-Id = NAF FQDN || Ua id. */
static int
build_bir(struct buf *msg, const struct opts *o)
{
	struct dia_build b;

	if (build_head(&b, msg, o, DIA_CMD_BI, DIA_APP_ZN) != 0)
		return -1;
	dia_put(&b, DIA_AVP_TRANSACTION_IDENTIFIER, DIA_AVP_M, DIA_VENDOR_3GPP,
	    o->arg[0], strlen(o->arg[0]));
	dia_put(&b, DIA_AVP_NAF_ID, DIA_AVP_M, DIA_VENDOR_3GPP, o->naf_id,
	    o->naf_id_len);
	return dia_build_end(&b);
}

static const char *
yes_no(int b)
{
	return b ? "yes" : "no";
}

/* A Time AVP as " name=YYYY-MM-DDTHH:MM:SSZ", or nothing. */
static void
print_time(const struct dia_msg *m, const char *name, uint32_t code)
{
	const struct dia_avp *a;
	struct tm tm;
	time_t t;
	char s[32];

	a = dia_msg_find(m, NULL, code, DIA_VENDOR_3GPP, NULL);
	if (a == NULL || dia_avp_time(a, &t, NULL) != 0 ||
	    gmtime_r(&t, &tm) == NULL)
		return;
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf(" %s=%s", name, s);
}

static void
print_maa(const struct dia_msg *m)
{
	const struct dia_avp *item, *a;
	char scheme[64];

	item = dia_msg_find(m, NULL, DIA_AVP_SIP_AUTH_DATA_ITEM,
	    DIA_VENDOR_3GPP, NULL);
	printf("result=%u vector=%s", dia_msg_result(m),
	    yes_no(item != NULL && dia_msg_find(m, item,
	    DIA_AVP_SIP_AUTHENTICATE, DIA_VENDOR_3GPP, NULL) != NULL));
	if (item != NULL && (a = dia_msg_find(m, item, DIA_AVP_SIP_AUTH_SCHEME,
	    DIA_VENDOR_3GPP, NULL)) != NULL &&
	    dia_avp_utf8(a, scheme, sizeof(scheme), NULL) == 0)
		printf(" scheme=%s", scheme);
	if (item != NULL)
		printf(" guss=%s", yes_no(dia_msg_find(m, NULL,
		    DIA_AVP_GBA_USERSECSETTINGS, DIA_VENDOR_3GPP,
		    NULL) != NULL));
	printf("\n");
}

static void
print_bia(const struct dia_msg *m)
{
	const struct dia_avp *a;
	uint32_t type;
	int key;

	key = dia_msg_find(m, NULL, DIA_AVP_ME_KEY_MATERIAL, DIA_VENDOR_3GPP,
	    NULL) != NULL;
	printf("result=%u key=%s", dia_msg_result(m), yes_no(key));
	if (key) {
		print_time(m, "expiry", DIA_AVP_KEY_EXPIRYTIME);
		print_time(m, "created", DIA_AVP_BOOTSTRAPINFO_CREATION);
		if ((a = dia_msg_find(m, NULL, DIA_AVP_GBA_TYPE,
		    DIA_VENDOR_3GPP, NULL)) != NULL &&
		    dia_avp_u32(a, &type, NULL) == 0)
			printf(" gba_type=%u", type);
		printf(" user=%s uss=%s", yes_no(dia_msg_find(m, NULL,
		    DIA_AVP_USER_NAME, 0, NULL) != NULL),
		    yes_no(dia_msg_find(m, NULL, DIA_AVP_GBA_USERSECSETTINGS,
		    DIA_VENDOR_3GPP, NULL) != NULL));
	}
	printf("\n");
}

static const char *
need(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "dia-probe: %s needs a value\n", argv[*i]);
		usage();
	}
	return argv[++*i];
}

static void
parse(int argc, char **argv, struct opts *o)
{
	char *end;
	size_t fl;
	int i;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = PROBE_TIMEOUT_MS;
	if (argc < 2 || (strcmp(argv[1], "zh") != 0 &&
	    strcmp(argv[1], "zn") != 0))
		usage();
	o->cmd = argv[1];
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0) {
			o->port = strtol(need(argc, argv, &i), &end, 10);
			if (*end != '\0' || o->port < 1 || o->port > 65535)
				usage();
		} else if (strcmp(argv[i], "--timeout-ms") == 0) {
			o->timeout_ms = strtol(need(argc, argv, &i), &end, 10);
			if (*end != '\0' || o->timeout_ms < 1 ||
			    o->timeout_ms > 600000)
				usage();
		} else if (strcmp(argv[i], "--host") == 0)
			o->host = need(argc, argv, &i);
		else if (strcmp(argv[i], "--realm") == 0)
			o->realm = need(argc, argv, &i);
		else if (strcmp(argv[i], "--dest-realm") == 0)
			o->dest_realm = need(argc, argv, &i);
		else if (strcmp(argv[i], "--impu") == 0)
			o->impu = need(argc, argv, &i);
		else if (strcmp(argv[i], "--scheme") == 0)
			o->scheme = need(argc, argv, &i);
		else if (strcmp(argv[i], "--rand") == 0)
			o->rand_hex = need(argc, argv, &i);
		else if (strcmp(argv[i], "--auts") == 0)
			o->auts_hex = need(argc, argv, &i);
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "dia-probe: unknown option %s\n",
			    argv[i]);
			usage();
		} else if (o->nargs < 3)
			o->arg[o->nargs++] = argv[i];
		else
			usage();
	}
	if (o->port == 0 || o->host == NULL || o->realm == NULL ||
	    o->dest_realm == NULL)
		usage();
	if (strcmp(o->cmd, "zh") == 0 ? (o->nargs > 1 ||
	    (o->nargs == 0 && o->impu == NULL) ||
	    (o->rand_hex == NULL) != (o->auts_hex == NULL)) :
	    (o->nargs != 3 || o->impu != NULL || o->scheme != NULL ||
	    o->rand_hex != NULL || o->auts_hex != NULL))
		usage();
	if (o->auts_hex != NULL && (hex_decode_exact(o->rand_hex, o->rand_auts,
	    PROBE_RAND_LEN) != 0 || hex_decode_exact(o->auts_hex,
	    o->rand_auts + PROBE_RAND_LEN, PROBE_AUTS_LEN) != 0)) {
		fprintf(stderr, "dia-probe: --rand needs 32 and --auts 28 hex "
		    "digits\n");
		exit(2);
	}
	if (o->nargs == 3) {
		fl = strlen(o->arg[1]);
		if (fl == 0 || fl > 255 || hex_decode_exact(o->arg[2],
		    o->naf_id + fl, PROBE_UA_LEN) != 0) {
			fprintf(stderr, "dia-probe: a NAF_FQDN of 1..255 "
			    "octets and a Ua id of 10 hex digits expected\n");
			exit(2);
		}
		memcpy(o->naf_id, o->arg[1], fl);
		o->naf_id_len = fl + PROBE_UA_LEN;
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct probe p;
	struct dia_local local;
	struct buf msg;
	const char *allow[] = { "*", NULL };
	uint32_t app;
	char err[256];
	int rc = 5, zh;

	parse(argc, argv, &o);
	zh = strcmp(o.cmd, "zh") == 0;
	app = zh ? DIA_APP_ZH : DIA_APP_ZN;
	/* the Diameter layer's own lines (DIA-PEER-UP ...) go to stderr */
	log_init("dia-probe", 1, 0);

	memset(&p, 0, sizeof(p));
	if ((p.base = event_base_new()) == NULL ||
	    (p.timer = evtimer_new(p.base, on_timer, &p)) == NULL) {
		fprintf(stderr, "dia-probe: out of memory\n");
		return 5;
	}
	dia_local_set(&local, o.host, o.realm, app, 30000, allow);
	local.product_name = "utstack dia-probe";
	/* one connection attempt: a refusal is the answer, not a retry */
	local.reconnect_min_ms = 600000;
	local.reconnect_max_ms = 600000;
	p.client = dia_client_new(p.base, &local, "127.0.0.1",
	    (uint16_t)o.port, (unsigned)o.timeout_ms, err, sizeof(err));
	if (p.client == NULL) {
		fprintf(stderr, "dia-probe: %s\n", err);
		goto done;
	}
	run_until(&p, open_or_refused, o.timeout_ms);
	if (!dia_client_is_open(p.client)) {
		if (dia_client_refusals(p.client) > 0) {
			printf("refused=yes\n");
			fprintf(stderr, "dia-probe: 127.0.0.1:%ld refused the "
			    "capabilities exchange of %s\n", o.port, o.host);
			rc = 4;
		} else
			fprintf(stderr, "dia-probe: no connection to "
			    "127.0.0.1:%ld (refused, or not open within %ld "
			    "ms)\n", o.port, o.timeout_ms);
		goto done;
	}

	buf_init(&msg, DIA_MSG_MAX_DEFAULT);
	if ((zh ? build_mar(&msg, &o) : build_bir(&msg, &o)) != 0) {
		fprintf(stderr, "dia-probe: could not build the request\n");
		buf_clear(&msg);
		rc = 2;
		goto done;
	}
	if (dia_client_request(p.client, &msg, 0, on_answer, &p) != 0) {
		fprintf(stderr, "dia-probe: the request was not sent\n");
		buf_clear(&msg);
		goto done;
	}
	buf_clear(&msg);
	/* the client's own request timeout ends the wait first */
	run_until(&p, answered, o.timeout_ms + 1000);
	if (p.answer == NULL) {
		if (!p.answered)
			fprintf(stderr, "dia-probe: no answer within %ld ms\n",
			    o.timeout_ms);
		goto done;
	}
	if (zh)
		print_maa(p.answer);
	else
		print_bia(p.answer);
	rc = 0;
done:
	if (p.answer != NULL) {
		/* XRES, CK, IK or Ks_NAF were in there */
		secret_wipe(p.answer->octets, p.answer->len);
		dia_msg_free(p.answer);
	}
	dia_client_free(p.client);
	event_base_loop(p.base, EVLOOP_NONBLOCK);	/* let the DPR go out */
	if (p.timer != NULL)
		event_free(p.timer);
	event_base_free(p.base);
	fflush(stdout);
	return rc;
}
