/*
 * hss_zh.c — the Zh server: MAR → MAA with one authentication vector and
 * the GUSS (TS 29.109 §4, §6; commands reused from TS 29.229), and
 * resynchronisation (TS 33.102 6.3.5; GBA.md §1.8).
 *
 * Answers:
 *   success                     Result-Code 2001, SIP-Auth-Data-Item
 *                               {scheme, RAND||AUTN, XRES, CK, IK}, GUSS
 *   unknown IMPI / IMPU         Experimental-Result 10415/5401
 *   AUTS with a bad MAC-S       Result-Code 4001 AUTHENTICATION_REJECTED,
 *                               SQN untouched
 *   missing / malformed AVPs    5005 / 5004 / 5014 with Failed-AVP
 *   other command               3001 (E bit); other realm 3003 (E bit)
 *   database busy               3004 TOO_BUSY (E bit): the BSF may retry
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aka.h"
#include "daemon.h"
#include "dia_peer.h"
#include "hex.h"
#include "hss.h"
#include "log.h"
#include "milenage.h"
#include "secret.h"

#define HSS_PEERS_MAX		32
#define HSS_ANSWER_MAX		(16 * 1024)

struct hss_zh {
	struct dia_server	*srv;
	struct hss_store	*st;
	struct hss_conf		 cfg;
	char			 peers[sizeof(((struct hss_conf *)0)->zh_peers)];
	const char		*allow[HSS_PEERS_MAX + 1];
};

/* One MAR being answered. */
struct mar {
	struct hss_zh		*zh;
	struct dia_conn		*conn;
	const struct dia_msg	*req;
	char			 impi[HSS_ID_MAX];
};

static void
log_rejected(const struct mar *m, uint32_t result, const char *reason)
{
	char code[16];

	snprintf(code, sizeof(code), "%u", result);
	log_event("HSS-MAR-REJECTED", "peer", dia_conn_peer_host(m->conn),
	    "impi", m->impi, "result", code, "reason", reason, (char *)NULL);
}

/* An answer carrying `err` (protocol errors get the E bit). */
static void
answer_error(struct mar *m, const struct dia_error *err)
{
	if (dia_conn_answer_error(m->conn, m->req, err) != 0)
		log_warnx("zh: cannot send the answer to %s",
		    dia_conn_peer_host(m->conn));
	log_rejected(m, err->result, err->reason);
}

static void
answer_experimental(struct mar *m, uint32_t result, const char *reason)
{
	if (dia_conn_answer_experimental(m->conn, m->req, result) != 0)
		log_warnx("zh: cannot send the answer to %s",
		    dia_conn_peer_host(m->conn));
	log_rejected(m, result, reason);
}

/* Who is asked for: User-Name (IMPI), else Public-Identity. 0 found, 1
 * answered already. */
static int
mar_identity(struct mar *m)
{
	const struct dia_avp *a;
	struct dia_error err;
	char impu[HSS_ID_MAX];
	int rc;

	memset(&err, 0, sizeof(err));
	if ((a = dia_msg_find(m->req, NULL, DIA_AVP_USER_NAME, 0, NULL)) != NULL) {
		if (dia_avp_utf8(a, m->impi, sizeof(m->impi), &err) != 0) {
			snprintf(m->impi, sizeof(m->impi), "?");
			answer_error(m, &err);
			return 1;
		}
		return 0;
	}
	a = dia_msg_find(m->req, NULL, DIA_AVP_PUBLIC_IDENTITY, DIA_VENDOR_3GPP,
	    NULL);
	if (a == NULL) {
		dia_msg_require(m->req, NULL, DIA_AVP_USER_NAME, 0, &err);
		snprintf(err.reason, sizeof(err.reason),
		    "neither User-Name nor Public-Identity");
		answer_error(m, &err);
		return 1;
	}
	if (dia_avp_utf8(a, impu, sizeof(impu), &err) != 0) {
		answer_error(m, &err);
		return 1;
	}
	rc = hss_store_find_impu(m->zh->st, impu, m->impi);
	if (rc == 0)
		return 0;
	snprintf(m->impi, sizeof(m->impi), "%s", impu);
	if (rc == 1)
		answer_experimental(m, DIA_ERROR_IDENTITY_UNKNOWN,
		    "unknown public identity");
	else {
		dia_error_set(&err, DIA_UNABLE_TO_COMPLY, NULL, "database error");
		answer_error(m, &err);
	}
	return 1;
}

/*
 * SIP-Auth-Data-Item of the MAR: the scheme asked for (checked) and, on
 * resynchronisation, RAND||AUTS. Returns 0 (resync set when AUTS present),
 * or 1 when answered.
 */
static int
mar_auth_item(struct mar *m, int *resync, uint8_t rand[16], uint8_t auts[14])
{
	const struct dia_avp *item, *a;
	struct dia_error err;
	char scheme[64];

	*resync = 0;
	item = dia_msg_find(m->req, NULL, DIA_AVP_SIP_AUTH_DATA_ITEM,
	    DIA_VENDOR_3GPP, NULL);
	if (item == NULL)
		return 0;
	a = dia_msg_find(m->req, item, DIA_AVP_SIP_AUTH_SCHEME, DIA_VENDOR_3GPP,
	    NULL);
	if (a != NULL) {
		if (dia_avp_utf8(a, scheme, sizeof(scheme), &err) != 0) {
			answer_error(m, &err);
			return 1;
		}
		/* The HSS picks the subscriber's scheme; "Unknown" (TS 29.229
		 * 6.3.9) lets it choose. Anything else is not ours. */
		if (strcmp(scheme, "Digest-AKAv1-MD5") != 0 &&
		    strcmp(scheme, "Digest-AKAv2-MD5") != 0 &&
		    strcmp(scheme, "Unknown") != 0) {
			dia_error_set(&err, DIA_INVALID_AVP_VALUE, a,
			    "unsupported SIP-Authentication-Scheme");
			answer_error(m, &err);
			return 1;
		}
	}
	a = dia_msg_find(m->req, item, DIA_AVP_SIP_AUTHORIZATION,
	    DIA_VENDOR_3GPP, NULL);
	if (a == NULL)
		return 0;
	/* GBA.md §1.8: SIP-Authorization = RAND (16) || AUTS (14). */
	if (a->len != 30) {
		dia_error_set(&err, DIA_INVALID_AVP_VALUE, a,
		    "SIP-Authorization must be RAND||AUTS (30 octets)");
		answer_error(m, &err);
		return 1;
	}
	memcpy(rand, a->data, 16);
	memcpy(auts, a->data + 16, 14);
	*resync = 1;
	return 0;
}

static void
answer_vector(struct mar *m, const struct hss_sub *s, const struct aka_av *av,
    int with_guss)
{
	const struct dia_local *l = dia_conn_local(m->conn);
	struct dia_build d;
	struct buf b, guss;
	uint8_t sip_auth[32];

	buf_init(&b, HSS_ANSWER_MAX);
	buf_init(&guss, HSS_ANSWER_MAX / 2);
	dia_build_answer(&d, &b, m->req, 0);
	dia_put_answer_header(&d, m->req, DIA_APP_ZH, l->origin_host,
	    l->origin_realm);
	dia_put_result(&d, DIA_SUCCESS);
	dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, s->impi);
	dia_put_u32(&d, DIA_AVP_SIP_NUMBER_AUTH_ITEMS, DIA_AVP_M,
	    DIA_VENDOR_3GPP, 1);
	dia_group_begin(&d, DIA_AVP_SIP_AUTH_DATA_ITEM, DIA_AVP_M,
	    DIA_VENDOR_3GPP);
	dia_put_u32(&d, DIA_AVP_SIP_ITEM_NUMBER, DIA_AVP_M, DIA_VENDOR_3GPP, 1);
	dia_put_str(&d, DIA_AVP_SIP_AUTH_SCHEME, DIA_AVP_M, DIA_VENDOR_3GPP,
	    hss_scheme_sip(s->scheme));
	memcpy(sip_auth, av->rand, 16);
	memcpy(sip_auth + 16, av->autn, 16);
	dia_put(&d, DIA_AVP_SIP_AUTHENTICATE, DIA_AVP_M, DIA_VENDOR_3GPP,
	    sip_auth, sizeof(sip_auth));
	dia_put(&d, DIA_AVP_SIP_AUTHORIZATION, DIA_AVP_M, DIA_VENDOR_3GPP,
	    av->xres, av->xres_len);
	dia_put(&d, DIA_AVP_CONFIDENTIALITY_KEY, DIA_AVP_M, DIA_VENDOR_3GPP,
	    av->ck, 16);
	dia_put(&d, DIA_AVP_INTEGRITY_KEY, DIA_AVP_M, DIA_VENDOR_3GPP,
	    av->ik, 16);
	dia_group_end(&d);
	if (with_guss) {
		if (hss_guss_xml(s, &guss) == 0)
			dia_put(&d, DIA_AVP_GBA_USERSECSETTINGS, DIA_AVP_M,
			    DIA_VENDOR_3GPP, guss.data, guss.len);
		else
			log_warnx("zh: GUSS of %s does not fit; sent without",
			    s->impi);
	}
	if (dia_conn_send_built(m->conn, &d, &b) != 0)
		log_warnx("zh: cannot send the MAA to %s",
		    dia_conn_peer_host(m->conn));
	buf_clear(&guss);
	buf_clear(&b);	/* wipes CK, IK, XRES */
}

/* A resynchronisation's RAND||AUTS, verified inside the MAR transaction. */
struct resync {
	struct milenage	 mil;		/* K/OPc of the subscriber as read */
	uint8_t		 rand[16];
	uint8_t		 auts[14];
	uint8_t		 sqn_ms[6];	/* when verified */
};

/* hss_store_mar's check: TS 33.102 6.3.5, MAC-S with the stored K/OPc.
 * 0 with SQN_MS, or -1 (the SQN stays untouched). */
static int
resync_check(const struct hss_sub *s, void *arg, uint64_t *sqn_ms)
{
	struct resync *r = arg;

	milenage_init(&r->mil, s->k, s->opc);
	if (aka_auts_verify(&r->mil, r->rand, r->auts, r->sqn_ms) != 0)
		return -1;
	*sqn_ms = aka_sqn_get(r->sqn_ms);
	return 0;
}

static void
handle_mar(struct mar *m)
{
	static const uint32_t required[] = {
		DIA_AVP_SESSION_ID, DIA_AVP_ORIGIN_HOST, DIA_AVP_ORIGIN_REALM,
		DIA_AVP_DESTINATION_REALM, DIA_AVP_AUTH_SESSION_STATE,
		DIA_AVP_VENDOR_SPECIFIC_APP_ID,
	};
	const struct dia_avp *a;
	struct dia_error err;
	struct hss_sub *s = NULL;
	struct milenage mil;
	struct resync rs;
	struct aka_av av;
	uint8_t sqn_b[6];
	uint64_t sqn;
	char realm[256], sqn_hex[13], sqn_ms_hex[13];
	time_t guss_ts;
	int resync, rc, with_guss, have_ts;
	size_t i;

	snprintf(m->impi, sizeof(m->impi), "?");
	memset(&err, 0, sizeof(err));
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (dia_msg_require(m->req, NULL, required[i], 0, &err) == NULL) {
			answer_error(m, &err);
			return;
		}
	}
	a = dia_msg_find(m->req, NULL, DIA_AVP_DESTINATION_REALM, 0, NULL);
	if (dia_avp_identity(a, realm, sizeof(realm), &err) != 0) {
		answer_error(m, &err);
		return;
	}
	if (strcasecmp(realm, m->zh->cfg.origin_realm) != 0) {
		dia_error_set(&err, DIA_REALM_NOT_SERVED, a, "realm not served here");
		answer_error(m, &err);
		return;
	}
	if (mar_identity(m) != 0)
		return;
	memset(&rs, 0, sizeof(rs));
	memset(&mil, 0, sizeof(mil));
	if (mar_auth_item(m, &resync, rs.rand, rs.auts) != 0)
		return;
	/* GUSS only when the BSF's copy is older (29.109 6.1.1); a
	 * GUSS-Timestamp that does not decode asks for it. */
	a = dia_msg_find(m->req, NULL, DIA_AVP_GUSS_TIMESTAMP, DIA_VENDOR_3GPP,
	    NULL);
	have_ts = a != NULL && dia_avp_time(a, &guss_ts, NULL) == 0;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		dia_error_set(&err, DIA_UNABLE_TO_COMPLY, NULL, "out of memory");
		answer_error(m, &err);
		return;
	}
	/* One transaction: subscriber, AUTS check, SQN committed (and the
	 * lists when the GUSS goes out) before the answer is built. */
	rc = hss_store_mar(m->zh->st, m->impi, have_ts ? &guss_ts : NULL,
	    resync ? resync_check : NULL, &rs, s, &sqn, &with_guss);
	if (rc == 1) {
		answer_experimental(m, DIA_ERROR_IDENTITY_UNKNOWN,
		    "unknown IMPI");
		goto done;
	}
	if (rc == 2) {
		log_event("HSS-RESYNC-FAIL", "impi", s->impi, "reason",
		    "MAC-S does not verify", (char *)NULL);
		dia_error_set(&err, DIA_AUTHENTICATION_REJECTED, NULL,
		    "AUTS rejected: MAC-S does not verify");
		answer_error(m, &err);
		goto done;
	}
	if (rc != 0) {
		dia_error_set(&err, DIA_TOO_BUSY, NULL,
		    "database busy or failing");
		answer_error(m, &err);
		goto done;
	}
	if (resync) {
		hex_encode(rs.sqn_ms, 6, sqn_ms_hex);
		log_event("HSS-RESYNC", "impi", s->impi, "sqn_ms", sqn_ms_hex,
		    (char *)NULL);
	}
	milenage_init(&mil, s->k, s->opc);
	aka_sqn_put(sqn, sqn_b);
	if (aka_av_generate(&mil, sqn_b, s->amf, &av) != 0) {
		dia_error_set(&err, DIA_UNABLE_TO_COMPLY, NULL,
		    "random generator failed");
		answer_error(m, &err);
		goto done;
	}
	answer_vector(m, s, &av, with_guss);
	hex_encode(sqn_b, 6, sqn_hex);
	log_event("HSS-MAR-OK", "peer", dia_conn_peer_host(m->conn), "impi",
	    s->impi, "sqn", sqn_hex, "resync", resync ? "yes" : "no", "guss",
	    with_guss ? "sent" : "current", (char *)NULL);
	aka_av_clear(&av);
done:
	milenage_clear(&mil);
	milenage_clear(&rs.mil);
	hss_sub_clear(s);
	free(s);
}

static void
on_request(struct dia_conn *conn, const struct dia_msg *req, void *arg)
{
	struct mar m;
	struct dia_error err;

	memset(&m, 0, sizeof(m));
	m.zh = arg;
	m.conn = conn;
	m.req = req;
	if (req->cmd != DIA_CMD_MA) {
		snprintf(m.impi, sizeof(m.impi), "-");
		dia_error_set(&err, DIA_COMMAND_UNSUPPORTED, NULL,
		    "only MAR (303) is served on Zh");
		answer_error(&m, &err);
		return;
	}
	handle_mar(&m);
}

struct hss_zh *
hss_zh_new(struct event_base *base, const struct hss_conf *c,
    struct hss_store *st, char *err, size_t errlen)
{
	struct hss_zh *zh;
	struct dia_local local;
	int n;

	if ((zh = calloc(1, sizeof(*zh))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	zh->cfg = *c;
	zh->st = st;
	snprintf(zh->peers, sizeof(zh->peers), "%s", c->zh_peers);
	if ((n = daemon_split_list(zh->peers, zh->allow, HSS_PEERS_MAX)) < 0) {
		snprintf(err, errlen, "zh.peers: more than %d peers",
		    HSS_PEERS_MAX);
		free(zh);
		return NULL;
	}
	zh->allow[n] = NULL;
	dia_local_set(&local, c->origin_host, c->origin_realm, DIA_APP_ZH,
	    (unsigned)c->watchdog_ms, zh->allow);
	zh->srv = dia_server_new(base, &local, c->zh_listen.host,
	    c->zh_listen.port, on_request, zh, err, errlen);
	if (zh->srv == NULL) {
		free(zh);
		return NULL;
	}
	daemon_log_listening("zh", c->zh_listen.host,
	    (unsigned)dia_server_port(zh->srv));
	return zh;
}

void
hss_zh_shutdown(struct hss_zh *zh, void (*done)(void *), void *arg)
{
	dia_server_shutdown(zh->srv, 0, done, arg);
}

void
hss_zh_free(struct hss_zh *zh)
{
	if (zh == NULL)
		return;
	dia_server_free(zh->srv);
	free(zh);
}
