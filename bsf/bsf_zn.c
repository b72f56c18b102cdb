/*
 * bsf_zn.c — the BSF's Zn server: BIR → BIA with the NAF-specific key
 * (TS 29.109 §5, §6; TS 33.220 §4.5.3 and Annex B.3; GBA.md §4.3–4.5).
 *
 * Answers:
 *   success                     Result-Code 2001, ME-Key-Material = Ks_NAF,
 *                               Key-ExpiryTime, BootstrapInfoCreationTime,
 *                               User-Name (zn.send_impi), GBA-UserSecSettings
 *                               (the ussList of zn.naf_group, when the
 *                               session has a GUSS), GBA-Type 3G GBA
 *   Origin-Host not in          Experimental-Result 10415/5402
 *   zn.naf_hosts, or NAF FQDN
 *   not in zn.naf_fqdns
 *   unknown or expired B-TID    Experimental-Result 10415/5403
 *   missing / malformed AVPs    5005 / 5004 / 5009 with Failed-AVP
 *   other command               3001 (E bit); other realm 3003 (E bit)
 *   store failure               5012
 *
 * Authorisation (ARCHITECTURE.md §4): dia_peer admits the transport peer
 * at CER; here every BIR's own Origin-Host and NAF_Id are checked before
 * the B-TID is looked up, so an unauthorised NAF learns nothing about
 * which B-TIDs are live.
 *
 * Sessions come from GBA_ME bootstraps (the ME holds Ks), so there is no
 * Ks_int_NAF to give: a NAF announcing GBA_U awareness still gets
 * ME-Key-Material only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bsf.h"
#include "daemon.h"
#include "dia_peer.h"
#include "hex.h"
#include "log.h"
#include "secret.h"

#define ZN_LIST_MAX		32	/* NAF hosts, NAF FQDNs */
#define ZN_ANSWER_MAX		DIA_MSG_MAX_DEFAULT	/* the peer layer's cap */
#define GBA_U_AWARE_NO		0	/* GBA_U-Awareness-Indicator */
#define GBA_U_AWARE_YES		1
#define GBA_TYPE_3G		0	/* GBA-Type */

/* `c` is the daemon's configuration, which outlives the server (it holds
 * the store's wrap key: not copied); the lists are split in copies. */
struct bsf_zn {
	struct dia_server	*srv;
	struct bsf_store	*st;
	const struct bsf_conf	*c;
	char			 hosts[sizeof(((struct bsf_conf *)0)->zn_naf_hosts)];
	char			 fqdns[sizeof(((struct bsf_conf *)0)->zn_naf_fqdns)];
	const char		*allow[ZN_LIST_MAX + 1];	/* NAF hosts */
	const char		*naf[ZN_LIST_MAX + 1];		/* NAF FQDNs */
};

/* One BIR being answered; `btid` and `naf` are "-" until known good. */
struct bir {
	struct bsf_zn		*zn;
	struct dia_conn		*conn;
	const struct dia_msg	*req;
	const uint8_t		*naf_id;	/* into req: FQDN || Ua id */
	size_t			 naf_id_len;
	char			 peer[BSF_ID_MAX];	/* Origin-Host */
	char			 btid[GBA_BTID_MAX];
	char			 naf[GBA_FQDN_MAX + 1];
};

static void
log_rejected(const struct bir *m, uint32_t result, const char *reason)
{
	char code[16];

	snprintf(code, sizeof(code), "%u", result);
	log_event("BSF-ZN-REJECTED", "peer", m->peer, "btid", m->btid, "naf",
	    m->naf, "result", code, "reason", reason, (char *)NULL);
}

/* An answer carrying `err` (protocol errors get the E bit). */
static void
answer_error(struct bir *m, const struct dia_error *err)
{
	if (dia_conn_answer_error(m->conn, m->req, err) != 0)
		log_warnx("zn: cannot send the answer to %s",
		    dia_conn_peer_host(m->conn));
	log_rejected(m, err->result, err->reason);
}

static void
answer_experimental(struct bir *m, uint32_t result, const char *reason)
{
	if (dia_conn_answer_experimental(m->conn, m->req, result) != 0)
		log_warnx("zn: cannot send the answer to %s",
		    dia_conn_peer_host(m->conn));
	log_rejected(m, result, reason);
}

static int
require_one(struct bir *m, uint32_t code, uint32_t vendor,
    const struct dia_avp **out)
{
	const struct dia_avp *a, *again;
	struct dia_error err;

	memset(&err, 0, sizeof(err));
	if ((a = dia_msg_require(m->req, NULL, code, vendor, &err)) == NULL) {
		answer_error(m, &err);
		return 1;
	}
	if ((again = dia_msg_find(m->req, NULL, code, vendor, a)) != NULL) {
		dia_error_set(&err, DIA_AVP_OCCURS_TOO_MANY_TIMES, again,
		    "AVP given more than once");
		answer_error(m, &err);
		return 1;
	}
	*out = a;
	return 0;
}

/* 1 when `s` equals one of the NULL-terminated `list`, case-insensitive
 * (host names); with `wildcard`, "*" matches anything (as at CER). */
static int
in_list(const char *const *list, const char *s, int wildcard)
{
	for (; *list != NULL; list++) {
		if (strcasecmp(*list, s) == 0 ||
		    (wildcard && strcmp(*list, "*") == 0))
			return 1;
	}
	return 0;
}

/* 1 when the `len` octets at `p` are printable ASCII without spaces. */
static int
is_visible(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * NAF-Id (33.220 H.1): FQDN || 5-octet Ua security protocol id. The FQDN
 * part must be printable ASCII of 1..255 octets (the KDF takes it as
 * UTF-8 without NFKC, decision table). On success m->naf holds the FQDN
 * and m->naf_id the octets as received. 0, or 1 when answered.
 */
static int
parse_naf_id(struct bir *m, const struct dia_avp *a)
{
	struct dia_error err;
	size_t n;

	if (a->len < GBA_UA_ID_LEN + 1 || a->len > GBA_NAF_ID_MAX) {
		dia_error_set(&err, DIA_INVALID_AVP_VALUE, a,
		    "NAF-Id must be an FQDN of 1..255 octets and a 5-octet "
		    "Ua security protocol id");
		answer_error(m, &err);
		return 1;
	}
	n = a->len - GBA_UA_ID_LEN;
	if (!is_visible(a->data, n)) {
		dia_error_set(&err, DIA_INVALID_AVP_VALUE, a,
		    "NAF-Id FQDN is not printable ASCII");
		answer_error(m, &err);
		return 1;
	}
	memcpy(m->naf, a->data, n);
	m->naf[n] = '\0';
	m->naf_id = a->data;
	m->naf_id_len = a->len;
	return 0;
}

/*
 * Transaction-Identifier: an OctetString holding the B-TID. 0 and
 * m->btid set when it is printable ASCII of B-TID size, else -1: then it
 * cannot be one we issued, and is answered (after authorisation) like an
 * unknown B-TID, so that the NAF sends the UE to bootstrap again.
 */
static int
parse_btid(struct bir *m, const struct dia_avp *a)
{
	if (a->len == 0 || a->len >= sizeof(m->btid) ||
	    !is_visible(a->data, a->len))
		return -1;
	memcpy(m->btid, a->data, a->len);
	m->btid[a->len] = '\0';
	return 0;
}

/* GBA_U-Awareness-Indicator, default NO. 0 with *aware, or 1 when
 * answered. */
static int
parse_gba_u(struct bir *m, int *aware)
{
	const struct dia_avp *a;
	struct dia_error err;
	int32_t v;

	*aware = 0;
	a = dia_msg_find(m->req, NULL, DIA_AVP_GBA_U_AWARENESS_IND,
	    DIA_VENDOR_3GPP, NULL);
	if (a == NULL)
		return 0;
	if (dia_avp_i32(a, &v, &err) != 0) {
		answer_error(m, &err);
		return 1;
	}
	if (v != GBA_U_AWARE_NO && v != GBA_U_AWARE_YES) {
		dia_error_set(&err, DIA_INVALID_AVP_VALUE, a,
		    "GBA_U-Awareness-Indicator is neither NO (0) nor YES (1)");
		answer_error(m, &err);
		return 1;
	}
	*aware = v == GBA_U_AWARE_YES;
	return 0;
}

/*
 * The BIA for a live session. Ks_NAF = KDF(Ks, "gba-me", RAND, IMPI,
 * NAF_Id) (33.220 B.3), NAF_Id exactly as the NAF sent it. 0 when sent,
 * or -1 with `why` (nothing sent).
 */
static int
answer_key(struct bir *m, const struct bsf_session *s, const char **why)
{
	const struct bsf_conf *c = m->zn->c;
	struct dia_build d;
	struct buf b, uss;
	uint8_t ks_naf[GBA_KEY_LEN];
	char err[128];
	int rc = -1;

	buf_init(&b, ZN_ANSWER_MAX);
	buf_init(&uss, BSF_GUSS_MAX);
	if (gba_ks_naf(s->ks, s->rand, s->impi, m->naf_id, m->naf_id_len,
	    ks_naf) != 0) {
		*why = "cannot derive Ks_NAF (IMPI not printable ASCII)";
		goto done;
	}
	/* 29.109: on Zn the GUSS shrinks to the USSs of the NAF's group. */
	if (s->guss != NULL && bsf_guss_uss_list(s->guss, s->guss_len,
	    c->zn_naf_group, &uss, err, sizeof(err)) < 0) {
		log_warnx("zn: GUSS of %s: %s", s->impi, err);
		*why = "stored GUSS cannot be filtered";
		goto done;
	}
	dia_build_answer(&d, &b, m->req, 0);
	dia_put_answer_header(&d, m->req, DIA_APP_ZN, c->origin_host,
	    c->origin_realm);
	dia_put_result(&d, DIA_SUCCESS);
	if (c->zn_send_impi)
		dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, s->impi);
	dia_put(&d, DIA_AVP_ME_KEY_MATERIAL, DIA_AVP_V | DIA_AVP_M,
	    DIA_VENDOR_3GPP, ks_naf, sizeof(ks_naf));
	dia_put_time(&d, DIA_AVP_KEY_EXPIRYTIME, DIA_AVP_V | DIA_AVP_M,
	    DIA_VENDOR_3GPP, s->expires);
	dia_put_time(&d, DIA_AVP_BOOTSTRAPINFO_CREATION, DIA_AVP_V | DIA_AVP_M,
	    DIA_VENDOR_3GPP, s->created);
	if (s->guss != NULL)
		dia_put(&d, DIA_AVP_GBA_USERSECSETTINGS, DIA_AVP_V | DIA_AVP_M,
		    DIA_VENDOR_3GPP, uss.data, uss.len);
	dia_put_u32(&d, DIA_AVP_GBA_TYPE, DIA_AVP_V | DIA_AVP_M,
	    DIA_VENDOR_3GPP, GBA_TYPE_3G);
	if (dia_conn_send_built(m->conn, &d, &b) != 0) {
		*why = "answer does not fit (GUSS too large, or a time out of "
		    "range) or cannot be sent";
		goto done;
	}
	rc = 0;
done:
	secret_wipe(ks_naf, sizeof(ks_naf));
	buf_clear(&uss);
	buf_clear(&b);	/* wipes ME-Key-Material */
	return rc;
}

static void
handle_bir(struct bir *m)
{
	enum { SID, OHOST, OREALM, DREALM, TID, NAFID, NREQ };
	static const struct {
		uint32_t	code, vendor;
	} required[NREQ] = {
		[SID] = { DIA_AVP_SESSION_ID, 0 },
		[OHOST] = { DIA_AVP_ORIGIN_HOST, 0 },
		[OREALM] = { DIA_AVP_ORIGIN_REALM, 0 },
		[DREALM] = { DIA_AVP_DESTINATION_REALM, 0 },
		[TID] = { DIA_AVP_TRANSACTION_IDENTIFIER, DIA_VENDOR_3GPP },
		[NAFID] = { DIA_AVP_NAF_ID, DIA_VENDOR_3GPP },
	};
	const struct dia_avp *avp[NREQ];
	struct bsf_zn *zn = m->zn;
	struct bsf_session s;
	struct dia_error err;
	char realm[BSF_ID_MAX], ua[HEX_LEN(GBA_UA_ID_LEN)];
	const char *why;
	int aware, btid_ok, rc;
	size_t i;

	/* Vendor-Specific-Application-Id and Auth-Session-State are not
	 * required: the header already names Zn, and cipango's BIR has no
	 * Auth-Session-State (GBA.md §4.3). */
	for (i = 0; i < NREQ; i++) {
		if (require_one(m, required[i].code, required[i].vendor,
		    &avp[i]) != 0)
			return;
	}
	if (dia_avp_identity(avp[OHOST], m->peer, sizeof(m->peer), &err) != 0) {
		snprintf(m->peer, sizeof(m->peer), "%s",
		    dia_conn_peer_host(m->conn));
		answer_error(m, &err);
		return;
	}
	if (dia_avp_identity(avp[DREALM], realm, sizeof(realm), &err) != 0) {
		answer_error(m, &err);
		return;
	}
	if (strcasecmp(realm, zn->c->origin_realm) != 0) {
		dia_error_set(&err, DIA_REALM_NOT_SERVED, avp[DREALM],
		    "realm not served here");
		answer_error(m, &err);
		return;
	}
	if (parse_naf_id(m, avp[NAFID]) != 0 || parse_gba_u(m, &aware) != 0)
		return;
	btid_ok = parse_btid(m, avp[TID]) == 0;	/* named in events from here */
	/* Authorisation before the B-TID is looked up (file comment). */
	if (!in_list(zn->allow, m->peer, 1)) {
		answer_experimental(m, DIA_ERROR_NOT_AUTHORIZED,
		    "Origin-Host is not an allowed NAF");
		return;
	}
	if (!in_list(zn->naf, m->naf, 0)) {
		answer_experimental(m, DIA_ERROR_NOT_AUTHORIZED,
		    "NAF FQDN not allowed for this NAF");
		return;
	}
	if (!btid_ok) {
		answer_experimental(m, DIA_ERROR_TRANSACTION_ID_INVALID,
		    "Transaction-Identifier is not a B-TID (not printable "
		    "ASCII of B-TID size)");
		return;
	}
	memset(&s, 0, sizeof(s));
	rc = bsf_store_get(zn->st, m->btid, time(NULL), &s);
	if (rc == 1) {
		answer_experimental(m, DIA_ERROR_TRANSACTION_ID_INVALID,
		    "B-TID unknown or expired");
		return;
	}
	if (rc != 0) {
		log_warnx("zn: store: %s", bsf_store_errmsg(zn->st));
		dia_error_set(&err, DIA_UNABLE_TO_COMPLY, NULL,
		    "session store failing");
		answer_error(m, &err);
		return;
	}
	if (answer_key(m, &s, &why) != 0) {
		dia_error_set(&err, DIA_UNABLE_TO_COMPLY, NULL, why);
		answer_error(m, &err);
		bsf_session_clear(&s);
		return;
	}
	if (aware)
		log_info("zn: %s is GBA_U aware; answered with GBA_ME keys "
		    "only (sessions hold no UICC keys)", m->peer);
	hex_encode(m->naf_id + m->naf_id_len - GBA_UA_ID_LEN, GBA_UA_ID_LEN,
	    ua);
	log_event("BSF-ZN-KEY", "peer", m->peer, "btid", m->btid, "naf",
	    m->naf, "ua", ua, "impi", s.impi, (char *)NULL);
	bsf_session_clear(&s);
}

static void
on_request(struct dia_conn *conn, const struct dia_msg *req, void *arg)
{
	struct bir m;
	struct dia_error err;

	memset(&m, 0, sizeof(m));
	m.zn = arg;
	m.conn = conn;
	m.req = req;
	/* Until the BIR's Origin-Host is read, events name the transport
	 * peer (a relay, when there is one). */
	snprintf(m.peer, sizeof(m.peer), "%s", dia_conn_peer_host(conn));
	snprintf(m.btid, sizeof(m.btid), "-");
	snprintf(m.naf, sizeof(m.naf), "-");
	if (req->cmd != DIA_CMD_BI) {
		dia_error_set(&err, DIA_COMMAND_UNSUPPORTED, NULL,
		    "only BIR (310) is served on Zn");
		answer_error(&m, &err);
		return;
	}
	handle_bir(&m);
}

struct bsf_zn *
bsf_zn_new(struct event_base *base, const struct bsf_conf *c,
    struct bsf_store *st, char *err, size_t errlen)
{
	struct bsf_zn *zn;
	struct dia_local local;
	int n;

	if ((zn = calloc(1, sizeof(*zn))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	zn->c = c;
	zn->st = st;
	snprintf(zn->hosts, sizeof(zn->hosts), "%s", c->zn_naf_hosts);
	if ((n = daemon_split_list(zn->hosts, zn->allow, ZN_LIST_MAX)) < 0) {
		snprintf(err, errlen, "zn.naf_hosts: more than %d hosts",
		    ZN_LIST_MAX);
		goto fail;
	}
	zn->allow[n] = NULL;
	if (n == 0)
		log_warnx("zn.naf_hosts is empty: no NAF can connect");
	snprintf(zn->fqdns, sizeof(zn->fqdns), "%s", c->zn_naf_fqdns);
	if ((n = daemon_split_list(zn->fqdns, zn->naf, ZN_LIST_MAX)) < 0) {
		snprintf(err, errlen, "zn.naf_fqdns: more than %d names",
		    ZN_LIST_MAX);
		goto fail;
	}
	zn->naf[n] = NULL;
	dia_local_set(&local, c->origin_host, c->origin_realm, DIA_APP_ZN,
	    (unsigned)c->zn_watchdog_ms, zn->allow);
	zn->srv = dia_server_new(base, &local, c->zn_listen.host,
	    c->zn_listen.port, on_request, zn, err, errlen);
	if (zn->srv == NULL)
		goto fail;
	daemon_log_listening("zn", c->zn_listen.host,
	    (unsigned)dia_server_port(zn->srv));
	return zn;
fail:
	free(zn);
	return NULL;
}

void
bsf_zn_shutdown(struct bsf_zn *zn, void (*done)(void *), void *arg)
{
	dia_server_shutdown(zn->srv, 0, done, arg);
}

void
bsf_zn_free(struct bsf_zn *zn)
{
	if (zn == NULL)
		return;
	dia_server_free(zn->srv);
	free(zn);
}
