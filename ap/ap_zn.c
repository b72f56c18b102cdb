/*
 * ap_zn.c — the AP's Zn client (TS 29.109 §5: BIR → BIA) and its Ks_NAF
 * cache.
 *
 * A key is asked for once per (B-TID, NAF_Id): concurrent handshakes of
 * the same pair wait on the same BIR, and the answer is kept until its
 * Key-ExpiryTime (TS 33.220 §4.5.3: the NAF may keep Ks_NAF until then),
 * in a hash table bounded by cache.max_entries with the least recently
 * used entry dropped first. Nothing here blocks: the BIA (or the
 * request's timeout, zn.timeout_ms) comes back through the Diameter
 * client's callback.
 *
 * Ks_NAF lives only in struct ap_key, wiped when the last reference goes;
 * it is never logged. The IMPI (User-Name in the BIA) is not kept at all:
 * the AP asserts public identities only (24.109 cl. 7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>

#include "ap.h"
#include "dia_peer.h"
#include "diameter.h"
#include "hex.h"
#include "log.h"
#include "secret.h"
#include "xml.h"

#define ZN_MSG_MAX	(AP_USS_MAX + 4096)

/* A BIR in flight and the handshakes waiting for it. */
struct ap_zn_wait {
	struct ap_zn_wait	*next;
	struct zn_fetch		*f;
	ap_zn_cb		 cb;
	void			*arg;
};

struct zn_fetch {
	struct zn_fetch		*next;
	struct ap_zn		*zn;
	char			*btid;
	uint8_t			 naf_id[AP_NAF_ID_MAX];
	size_t			 naf_id_len;
	struct ap_zn_wait	*waiters;
	int			 orphan; /* the AP is going: answer dropped */
};

struct ap_zn {
	struct dia_client	*client;
	const struct ap_conf	*c;
	const char		*allow[2];
	struct ap_key		**table;
	size_t			 nbuckets;
	size_t			 count;
	struct ap_key		*lru_head, *lru_tail; /* head: most recent */
	struct zn_fetch		*fetches;
};

void
ap_key_ref(struct ap_key *k)
{
	k->refs++;
}

void
ap_key_unref(struct ap_key *k)
{
	size_t i;

	if (k == NULL || --k->refs > 0)
		return;
	for (i = 0; i < k->nimpus; i++)
		free(k->impus[i]);
	free(k->impus);
	free(k->btid);
	secret_wipe(k, sizeof(*k));
	free(k);
}

/* FNV-1a over the B-TID and the NAF_Id. */
static uint32_t
key_hash(const char *btid, const uint8_t *naf_id, size_t naf_id_len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; btid[i] != '\0'; i++)
		h = (h ^ (uint8_t)btid[i]) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (i = 0; i < naf_id_len; i++)
		h = (h ^ naf_id[i]) * 16777619u;
	return h;
}

static int
same_pair(const char *btid, const uint8_t *naf_id, size_t naf_id_len,
    const char *btid2, const uint8_t *naf_id2, size_t naf_id_len2)
{
	return naf_id_len == naf_id_len2 && strcmp(btid, btid2) == 0 &&
	    memcmp(naf_id, naf_id2, naf_id_len) == 0;
}

static void
lru_unlink(struct ap_zn *zn, struct ap_key *k)
{
	if (k->lru_prev != NULL)
		k->lru_prev->lru_next = k->lru_next;
	else
		zn->lru_head = k->lru_next;
	if (k->lru_next != NULL)
		k->lru_next->lru_prev = k->lru_prev;
	else
		zn->lru_tail = k->lru_prev;
	k->lru_prev = k->lru_next = NULL;
}

static void
lru_push(struct ap_zn *zn, struct ap_key *k)
{
	k->lru_prev = NULL;
	k->lru_next = zn->lru_head;
	if (zn->lru_head != NULL)
		zn->lru_head->lru_prev = k;
	zn->lru_head = k;
	if (zn->lru_tail == NULL)
		zn->lru_tail = k;
}

static void
cache_remove(struct ap_zn *zn, struct ap_key *k)
{
	struct ap_key **pp;

	for (pp = &zn->table[k->hash % zn->nbuckets]; *pp != NULL;
	    pp = &(*pp)->hnext) {
		if (*pp == k) {
			*pp = k->hnext;
			break;
		}
	}
	lru_unlink(zn, k);
	k->hnext = NULL;
	k->in_cache = 0;
	zn->count--;
	ap_key_unref(k);
}

static struct ap_key *
cache_find(struct ap_zn *zn, const char *btid, const uint8_t *naf_id,
    size_t naf_id_len, time_t now)
{
	struct ap_key *k;
	uint32_t h = key_hash(btid, naf_id, naf_id_len);

	for (k = zn->table[h % zn->nbuckets]; k != NULL; k = k->hnext) {
		if (k->hash != h || !same_pair(btid, naf_id, naf_id_len,
		    k->btid, k->naf_id, k->naf_id_len))
			continue;
		if (k->expiry <= now) {
			cache_remove(zn, k);
			return NULL;
		}
		lru_unlink(zn, k);
		lru_push(zn, k);
		return k;
	}
	return NULL;
}

static void
cache_put(struct ap_zn *zn, struct ap_key *k)
{
	struct ap_key *old;

	if ((old = cache_find(zn, k->btid, k->naf_id, k->naf_id_len, 0)) !=
	    NULL)
		cache_remove(zn, old);
	while (zn->count >= (size_t)zn->c->cache_max_entries &&
	    zn->lru_tail != NULL)
		cache_remove(zn, zn->lru_tail);
	k->hash = key_hash(k->btid, k->naf_id, k->naf_id_len);
	k->hnext = zn->table[k->hash % zn->nbuckets];
	zn->table[k->hash % zn->nbuckets] = k;
	lru_push(zn, k);
	k->in_cache = 1;
	zn->count++;
	ap_key_ref(k);
}

size_t
ap_zn_cache_size(const struct ap_zn *zn)
{
	return zn->count;
}

/* ---- GBA-UserSecSettings ------------------------------------------------ */

static int
add_impu(struct ap_key *k, const char *uri, char *err, size_t errlen)
{
	size_t i;
	char **n;

	for (i = 0; i < k->nimpus; i++)
		if (strcmp(k->impus[i], uri) == 0)
			return 0;
	if (k->nimpus >= AP_IMPUS_MAX)
		return 0;	/* kept: the first AP_IMPUS_MAX */
	if (strlen(uri) >= AP_IMPU_MAX) {
		snprintf(err, errlen, "uid longer than %d octets",
		    AP_IMPU_MAX - 1);
		return -1;
	}
	if ((n = realloc(k->impus, (k->nimpus + 1) * sizeof(*n))) == NULL ||
	    (n[k->nimpus] = strdup(uri)) == NULL) {
		if (n != NULL)
			k->impus = n;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->impus = n;
	k->nimpus++;
	return 0;
}

static int
is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/* The text of `n` with surrounding whitespace trimmed into `out`. */
static int
elem_text(xmlNode *n, char *out, size_t size)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *s, *e;
	size_t len;

	if (t == NULL)
		return -1;
	for (s = (const char *)t; *s == ' ' || *s == '\t' || *s == '\n' ||
	    *s == '\r'; s++)
		;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' ||
	    e[-1] == '\n' || e[-1] == '\r'); e--)
		;
	len = (size_t)(e - s);
	if (len == 0 || len >= size) {
		xmlFree(t);
		return -1;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	xmlFree(t);
	return 0;
}

int
ap_uss_parse(const char *xml, size_t len, struct ap_key *k, char *err,
    size_t errlen)
{
	xmlDoc *doc;
	xmlNode *root, *uss, *uids, *uid;
	char perr[200], uri[AP_IMPU_MAX];

	doc = xml_parse(xml, len, AP_USS_MAX, perr, sizeof(perr));
	if (doc == NULL) {
		snprintf(err, errlen, "GBA-UserSecSettings: %s", perr);
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || (!is_elem(root, "ussList") &&
	    !is_elem(root, "guss"))) {
		snprintf(err, errlen, "GBA-UserSecSettings: root is not "
		    "ussList");
		xml_doc_free(doc);
		return -1;
	}
	/* A whole GUSS (some BSFs send it unfiltered): look inside its
	 * ussList. */
	if (is_elem(root, "guss")) {
		for (uss = root->children; uss != NULL; uss = uss->next)
			if (is_elem(uss, "ussList"))
				break;
		root = uss;
	}
	k->has_uss = 0;
	for (uss = root != NULL ? root->children : NULL; uss != NULL;
	    uss = uss->next) {
		if (!is_elem(uss, "uss"))
			continue;
		k->has_uss = 1;
		for (uids = uss->children; uids != NULL; uids = uids->next) {
			if (!is_elem(uids, "uids"))
				continue;
			for (uid = uids->children; uid != NULL;
			    uid = uid->next) {
				if (!is_elem(uid, "uid"))
					continue;
				if (elem_text(uid, uri, sizeof(uri)) != 0) {
					snprintf(err, errlen, "GBA-UserSec"
					    "Settings: empty or oversized uid");
					xml_doc_free(doc);
					return -1;
				}
				if (add_impu(k, uri, err, errlen) != 0) {
					xml_doc_free(doc);
					return -1;
				}
			}
		}
	}
	xml_doc_free(doc);
	return 0;
}

/* ---- BIR / BIA ---------------------------------------------------------- */

static void
naf_parts(const uint8_t *naf_id, size_t naf_id_len, char *fqdn,
    size_t fqdnlen, char *ua_hex)
{
	size_t fl = naf_id_len - TLS_UA_ID_LEN;

	snprintf(fqdn, fqdnlen, "%.*s", (int)fl, (const char *)naf_id);
	hex_encode(naf_id + fl, TLS_UA_ID_LEN, ua_hex);
}

static void
fetch_unlink(struct ap_zn *zn, struct zn_fetch *f)
{
	struct zn_fetch **pp;

	for (pp = &zn->fetches; *pp != NULL; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
}

/* Answer every waiter of `f` and free it. */
static void
fetch_finish(struct zn_fetch *f, enum ap_zn_status st, struct ap_key *k,
    uint32_t result, const char *why)
{
	struct ap_zn_wait *w;

	while ((w = f->waiters) != NULL) {
		f->waiters = w->next;
		w->cb(w->arg, st, k, result, why);
		free(w);
	}
	free(f->btid);
	free(f);
}

static int
parse_bia(const struct dia_msg *m, struct ap_key *k, char *why,
    size_t whylen)
{
	const struct dia_avp *a;

	a = dia_msg_find(m, NULL, DIA_AVP_ME_KEY_MATERIAL, DIA_VENDOR_3GPP,
	    NULL);
	if (a == NULL || a->len != AP_KEY_LEN) {
		snprintf(why, whylen, "BIA without a 32-octet ME-Key-Material");
		return -1;
	}
	memcpy(k->ks_naf, a->data, AP_KEY_LEN);
	a = dia_msg_find(m, NULL, DIA_AVP_KEY_EXPIRYTIME, DIA_VENDOR_3GPP, NULL);
	if (a == NULL || dia_avp_time(a, &k->expiry, NULL) != 0) {
		snprintf(why, whylen, "BIA without Key-ExpiryTime");
		return -1;
	}
	a = dia_msg_find(m, NULL, DIA_AVP_GBA_USERSECSETTINGS, DIA_VENDOR_3GPP,
	    NULL);
	if (a != NULL && a->len > 0 && ap_uss_parse((const char *)a->data,
	    a->len, k, why, whylen) != 0)
		return -1;
	return 0;
}

static void
on_bia(void *arg, const struct dia_msg *m, const char *error)
{
	struct zn_fetch *f = arg;
	struct ap_zn *zn = f->zn;
	struct ap_key *k = NULL;
	char why[200], fqdn[AP_FQDN_MAX], ua[2 * TLS_UA_ID_LEN + 1];
	char res[16], exp[32];
	enum ap_zn_status st;
	uint32_t rc = 0;
	struct tm tm;

	if (f->orphan) {
		fetch_finish(f, AP_ZN_UNAVAILABLE, NULL, 0, "AP stopping");
		return;
	}
	fetch_unlink(zn, f);
	naf_parts(f->naf_id, f->naf_id_len, fqdn, sizeof(fqdn), ua);
	if (m == NULL) {
		st = AP_ZN_UNAVAILABLE;
		snprintf(why, sizeof(why), "BSF: %s", error);
	} else if ((rc = dia_msg_result(m)) == DIA_SUCCESS) {
		if ((k = calloc(1, sizeof(*k))) == NULL ||
		    (k->btid = strdup(f->btid)) == NULL) {
			free(k);
			k = NULL;
			st = AP_ZN_UNAVAILABLE;
			snprintf(why, sizeof(why), "out of memory");
		} else {
			k->refs = 1;
			memcpy(k->naf_id, f->naf_id, f->naf_id_len);
			k->naf_id_len = f->naf_id_len;
			if (parse_bia(m, k, why, sizeof(why)) != 0) {
				ap_key_unref(k);
				k = NULL;
				st = AP_ZN_UNAVAILABLE;
			} else if (k->expiry <= time(NULL)) {
				ap_key_unref(k);
				k = NULL;
				st = AP_ZN_UNKNOWN;
				snprintf(why, sizeof(why), "BSF: Key-ExpiryTime "
				    "already passed");
			} else
				st = AP_ZN_OK;
		}
	} else if (rc == DIA_ERROR_TRANSACTION_ID_INVALID) {
		st = AP_ZN_UNKNOWN;
		snprintf(why, sizeof(why), "BSF: unknown or expired B-TID "
		    "(5403)");
	} else {
		st = AP_ZN_REFUSED;
		snprintf(why, sizeof(why), "BSF answered %u %s", rc,
		    dia_result_name(rc));
	}
	if (st == AP_ZN_OK) {
		gmtime_r(&k->expiry, &tm);
		strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		log_event("AP-ZN-KEY-FETCHED", "btid", f->btid, "naf_fqdn", fqdn,
		    "ua_id", ua, "expiry", exp, "uss",
		    k->has_uss ? "yes" : "no", (char *)NULL);
		cache_put(zn, k);
		fetch_finish(f, st, k, rc, NULL);
		ap_key_unref(k);
		return;
	}
	snprintf(res, sizeof(res), "%u", rc);
	log_event("AP-ZN-KEY-FAILED", "btid", f->btid, "naf_fqdn", fqdn,
	    "result", res, "reason", why, (char *)NULL);
	fetch_finish(f, st, NULL, rc, why);
}

/* Send the BIR of `f`. 0, or -1 (Zn not open, or the message refused). */
static int
send_bir(struct ap_zn *zn, struct zn_fetch *f)
{
	struct dia_build d;
	struct buf b;
	char sid[300];
	int rc;

	buf_init(&b, ZN_MSG_MAX);
	dia_build_begin(&d, &b, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_BI, DIA_APP_ZN,
	    0, 0);
	if (dia_session_id(zn->c->origin_host, sid, sizeof(sid)) != 0)
		sid[0] = '\0';
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, sid);
	dia_group_begin(&d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, DIA_VENDOR_3GPP);
	dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, DIA_APP_ZN);
	dia_group_end(&d);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, zn->c->origin_host);
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0,
	    zn->c->origin_realm);
	dia_put_str(&d, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0,
	    zn->c->zn_bsf_realm);
	dia_put(&d, DIA_AVP_TRANSACTION_IDENTIFIER, DIA_AVP_M, DIA_VENDOR_3GPP,
	    f->btid, strlen(f->btid));
	dia_put(&d, DIA_AVP_NAF_ID, DIA_AVP_M, DIA_VENDOR_3GPP, f->naf_id,
	    f->naf_id_len);
	if (dia_build_end(&d) != 0) {
		buf_clear(&b);
		return -1;
	}
	rc = dia_client_request(zn->client, &b, (unsigned)zn->c->zn_timeout_ms,
	    on_bia, f);
	buf_clear(&b);
	return rc;
}

struct ap_zn_wait *
ap_zn_key(struct ap_zn *zn, const char *btid, const uint8_t *naf_id,
    size_t naf_id_len, int *cached, ap_zn_cb cb, void *arg)
{
	struct ap_key *k;
	struct zn_fetch *f;
	struct ap_zn_wait *w;
	char fqdn[AP_FQDN_MAX], ua[2 * TLS_UA_ID_LEN + 1];
	const char *why;

	*cached = 0;
	if (naf_id_len <= TLS_UA_ID_LEN || naf_id_len > AP_NAF_ID_MAX) {
		cb(arg, AP_ZN_REFUSED, NULL, 0, "bad NAF_Id length");
		return NULL;
	}
	if ((k = cache_find(zn, btid, naf_id, naf_id_len, time(NULL))) !=
	    NULL) {
		*cached = 1;
		cb(arg, AP_ZN_OK, k, 0, NULL);
		return NULL;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		cb(arg, AP_ZN_UNAVAILABLE, NULL, 0, "out of memory");
		return NULL;
	}
	w->cb = cb;
	w->arg = arg;
	for (f = zn->fetches; f != NULL; f = f->next)
		if (same_pair(btid, naf_id, naf_id_len, f->btid, f->naf_id,
		    f->naf_id_len))
			break;
	if (f == NULL) {
		if ((f = calloc(1, sizeof(*f))) == NULL ||
		    (f->btid = strdup(btid)) == NULL) {
			free(f);
			free(w);
			cb(arg, AP_ZN_UNAVAILABLE, NULL, 0, "out of memory");
			return NULL;
		}
		f->zn = zn;
		memcpy(f->naf_id, naf_id, naf_id_len);
		f->naf_id_len = naf_id_len;
		if (send_bir(zn, f) != 0) {
			why = dia_client_is_open(zn->client) ?
			    "BSF: BIR not sent (too many in flight)" :
			    "BSF: Zn connection not open";
			naf_parts(naf_id, naf_id_len, fqdn, sizeof(fqdn), ua);
			log_event("AP-ZN-KEY-FAILED", "btid", btid, "naf_fqdn",
			    fqdn, "result", "0", "reason", why, (char *)NULL);
			free(f->btid);
			free(f);
			free(w);
			cb(arg, AP_ZN_UNAVAILABLE, NULL, 0, why);
			return NULL;
		}
		f->next = zn->fetches;
		zn->fetches = f;
	}
	w->f = f;
	w->next = f->waiters;
	f->waiters = w;
	return w;
}

void
ap_zn_cancel(struct ap_zn_wait *w)
{
	struct ap_zn_wait **pp;

	if (w == NULL)
		return;
	/* the BIR goes on (its answer fills the cache); only this waiter
	 * is forgotten */
	for (pp = &w->f->waiters; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	free(w);
}

struct ap_zn *
ap_zn_new(struct event_base *base, const struct ap_conf *c, char *err,
    size_t errlen)
{
	struct ap_zn *zn;
	struct dia_local local;

	if ((zn = calloc(1, sizeof(*zn))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	zn->c = c;
	zn->nbuckets = (size_t)c->cache_max_entries;
	if (zn->nbuckets > 65536)
		zn->nbuckets = 65536;
	if ((zn->table = calloc(zn->nbuckets, sizeof(*zn->table))) == NULL) {
		free(zn);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	zn->allow[0] = c->zn_bsf_host;
	zn->allow[1] = NULL;
	dia_local_set(&local, c->origin_host, c->origin_realm, DIA_APP_ZN,
	    (unsigned)c->zn_watchdog_ms, zn->allow);
	zn->client = dia_client_new(base, &local, c->zn_bsf.host,
	    c->zn_bsf.port, (unsigned)c->zn_timeout_ms, err, errlen);
	if (zn->client == NULL) {
		free(zn->table);
		free(zn);
		return NULL;
	}
	return zn;
}

void
ap_zn_shutdown(struct ap_zn *zn, void (*done)(void *), void *arg)
{
	dia_client_shutdown(zn->client, 0, done, arg);
}

void
ap_zn_free(struct ap_zn *zn)
{
	struct zn_fetch *f;

	if (zn == NULL)
		return;
	/* pending BIRs are answered (UNAVAILABLE) by the client's free */
	for (f = zn->fetches; f != NULL; f = f->next)
		f->orphan = 1;
	zn->fetches = NULL;
	dia_client_free(zn->client);
	while (zn->lru_head != NULL)
		cache_remove(zn, zn->lru_head);
	free(zn->table);
	free(zn);
}
