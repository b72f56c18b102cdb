/*
 * bsf_zh.c — the BSF's Zh client: MAR → MAA (TS 29.109 §4, commands of
 * TS 29.229), one vector per request, resynchronisation with RAND||AUTS
 * (GBA.md §1.8). Asynchronous: the answer (or a timeout) comes back
 * through a callback on the event loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bsf.h"
#include "dia_peer.h"
#include "log.h"
#include "secret.h"

#define ZH_MSG_MAX	4096

struct bsf_zh {
	struct dia_client	*client;
	const struct bsf_conf	*c;
	const char		*allow[2];
};

/* One MAR in flight. */
struct zh_req {
	struct bsf_zh	*zh;
	bsf_zh_cb	 cb;
	void		*arg;
	char		 impi[BSF_ID_MAX];
};

static int
parse_maa(const struct dia_msg *m, struct bsf_vector *v, char *why,
    size_t whylen)
{
	const struct dia_avp *item, *a;
	char scheme[64];

	item = dia_msg_find(m, NULL, DIA_AVP_SIP_AUTH_DATA_ITEM, DIA_VENDOR_3GPP,
	    NULL);
	if (item == NULL) {
		snprintf(why, whylen, "MAA without SIP-Auth-Data-Item");
		return -1;
	}
	a = dia_msg_find(m, item, DIA_AVP_SIP_AUTHENTICATE, DIA_VENDOR_3GPP, NULL);
	if (a == NULL || a->len != 32) {
		snprintf(why, whylen, "SIP-Authenticate is not RAND||AUTN");
		return -1;
	}
	memcpy(v->rand, a->data, 16);
	memcpy(v->autn, a->data + 16, 16);
	a = dia_msg_find(m, item, DIA_AVP_SIP_AUTHORIZATION, DIA_VENDOR_3GPP, NULL);
	if (a == NULL || a->len < 4 || a->len > sizeof(v->xres)) {
		snprintf(why, whylen, "SIP-Authorization is not an XRES");
		return -1;
	}
	memcpy(v->xres, a->data, a->len);
	v->xres_len = a->len;
	a = dia_msg_find(m, item, DIA_AVP_CONFIDENTIALITY_KEY, DIA_VENDOR_3GPP,
	    NULL);
	if (a == NULL || a->len != 16) {
		snprintf(why, whylen, "missing or bad Confidentiality-Key");
		return -1;
	}
	memcpy(v->ck, a->data, 16);
	a = dia_msg_find(m, item, DIA_AVP_INTEGRITY_KEY, DIA_VENDOR_3GPP, NULL);
	if (a == NULL || a->len != 16) {
		snprintf(why, whylen, "missing or bad Integrity-Key");
		return -1;
	}
	memcpy(v->ik, a->data, 16);
	v->scheme = BSF_AKAV1;
	a = dia_msg_find(m, item, DIA_AVP_SIP_AUTH_SCHEME, DIA_VENDOR_3GPP, NULL);
	if (a != NULL && dia_avp_utf8(a, scheme, sizeof(scheme), NULL) == 0) {
		if (strcmp(scheme, "Digest-AKAv2-MD5") == 0)
			v->scheme = BSF_AKAV2;
		else if (strcmp(scheme, "Digest-AKAv1-MD5") != 0) {
			snprintf(why, whylen, "unsupported scheme %s", scheme);
			return -1;
		}
	}
	a = dia_msg_find(m, NULL, DIA_AVP_GBA_USERSECSETTINGS, DIA_VENDOR_3GPP,
	    NULL);
	if (a != NULL && a->len > 0 && a->len <= BSF_GUSS_MAX) {
		if ((v->guss = malloc(a->len + 1)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		memcpy(v->guss, a->data, a->len);
		v->guss[a->len] = '\0';
		v->guss_len = a->len;
	}
	return 0;
}

static void
on_maa(void *arg, const struct dia_msg *m, const char *error)
{
	struct zh_req *r = arg;
	struct bsf_vector v;
	char why[160];
	uint32_t rc;

	memset(&v, 0, sizeof(v));
	if (m == NULL) {
		snprintf(why, sizeof(why), "HSS: %s", error);
		r->cb(r->arg, BSF_ZH_UNAVAILABLE, NULL, why);
		goto done;
	}
	rc = dia_msg_result(m);
	if (rc == DIA_SUCCESS) {
		if (parse_maa(m, &v, why, sizeof(why)) == 0)
			r->cb(r->arg, BSF_ZH_OK, &v, NULL);
		else
			r->cb(r->arg, BSF_ZH_UNAVAILABLE, NULL, why);
	} else if (rc == DIA_ERROR_IDENTITY_UNKNOWN) {
		r->cb(r->arg, BSF_ZH_UNKNOWN, NULL, "HSS: unknown IMPI (5401)");
	} else if (rc == DIA_AUTHENTICATION_REJECTED) {
		r->cb(r->arg, BSF_ZH_REJECTED, NULL,
		    "HSS: AUTS refused (4001 AUTHENTICATION_REJECTED)");
	} else {
		snprintf(why, sizeof(why), "HSS answered %u %s", rc,
		    dia_result_name(rc));
		r->cb(r->arg, BSF_ZH_UNAVAILABLE, NULL, why);
	}
done:
	bsf_vector_clear(&v);
	free(r);
}

int
bsf_zh_mar(struct bsf_zh *zh, const char *impi, const uint8_t *rand_auts,
    bsf_zh_cb cb, void *arg)
{
	struct zh_req *r;
	struct dia_build d;
	struct buf b;
	char sid[300];
	int rc;

	if (!dia_client_is_open(zh->client))
		return -1;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->zh = zh;
	r->cb = cb;
	r->arg = arg;
	snprintf(r->impi, sizeof(r->impi), "%s", impi);
	buf_init(&b, ZH_MSG_MAX);
	dia_build_begin(&d, &b, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_MA, DIA_APP_ZH,
	    0, 0);
	if (dia_session_id(zh->c->origin_host, sid, sizeof(sid)) != 0)
		sid[0] = '\0';
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, sid);
	dia_group_begin(&d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, DIA_VENDOR_3GPP);
	dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, DIA_APP_ZH);
	dia_group_end(&d);
	dia_put_u32(&d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, zh->c->origin_host);
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, zh->c->origin_realm);
	dia_put_str(&d, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0,
	    zh->c->zh_hss_realm);
	dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, impi);
	dia_group_begin(&d, DIA_AVP_SIP_AUTH_DATA_ITEM, DIA_AVP_M,
	    DIA_VENDOR_3GPP);
	/* "Unknown": the HSS picks the subscriber's scheme (29.229 6.3.9). */
	dia_put_str(&d, DIA_AVP_SIP_AUTH_SCHEME, DIA_AVP_M, DIA_VENDOR_3GPP,
	    "Unknown");
	if (rand_auts != NULL)
		dia_put(&d, DIA_AVP_SIP_AUTHORIZATION, DIA_AVP_M,
		    DIA_VENDOR_3GPP, rand_auts, 30);
	dia_group_end(&d);
	if (dia_build_end(&d) != 0) {
		buf_clear(&b);
		free(r);
		return -1;
	}
	rc = dia_client_request(zh->client, &b, (unsigned)zh->c->zh_timeout_ms,
	    on_maa, r);
	buf_clear(&b);
	if (rc != 0) {
		free(r);
		return -1;
	}
	return 0;
}

struct bsf_zh *
bsf_zh_new(struct event_base *base, const struct bsf_conf *c, char *err,
    size_t errlen)
{
	struct bsf_zh *zh;
	struct dia_local local;

	if ((zh = calloc(1, sizeof(*zh))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	zh->c = c;
	zh->allow[0] = c->zh_hss_host;
	zh->allow[1] = NULL;
	dia_local_set(&local, c->origin_host, c->origin_realm, DIA_APP_ZH,
	    (unsigned)c->zh_watchdog_ms, zh->allow);
	zh->client = dia_client_new(base, &local, c->zh_hss.host,
	    c->zh_hss.port, (unsigned)c->zh_timeout_ms, err, errlen);
	if (zh->client == NULL) {
		free(zh);
		return NULL;
	}
	return zh;
}

void
bsf_zh_shutdown(struct bsf_zh *zh, void (*done)(void *), void *arg)
{
	dia_client_shutdown(zh->client, 0, done, arg);
}

void
bsf_zh_free(struct bsf_zh *zh)
{
	if (zh == NULL)
		return;
	dia_client_free(zh->client);
	free(zh);
}
