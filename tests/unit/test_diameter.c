/*
 * test_diameter.c — the Diameter codec (common/diameter.c, dia_dict.c):
 * the dictionary, framing, a byte-exact CER, build → decode → accessor
 * round trips for every type and for grouped nesting, every malformed
 * input class with the RFC 6733 §7.1 Result-Code it must map to and the
 * Failed-AVP it must carry, error answers, Session-Id, and the dump
 * (names, values by type, secrets masked).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diameter.h"
#include "hex.h"
#include "suites.h"

#define V3GPP	DIA_VENDOR_3GPP
#define VM	(DIA_AVP_V | DIA_AVP_M)

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

static uint32_t
rd24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | rd24(p + 1);
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
wr24(uint8_t *p, uint32_t v)
{
	p[0] = v >> 16;
	p[1] = v >> 8;
	p[2] = v;
}

/* A hand-made message: header at m[0..20), AVPs appended raw. */
struct raw {
	uint8_t	 m[9000];
	size_t	 n;
};

static void
raw_hdr(struct raw *r, uint8_t flags, uint32_t cmd, uint32_t app)
{
	memset(r, 0, sizeof(*r));
	r->m[0] = 1;
	r->m[4] = flags;
	wr24(r->m + 5, cmd);
	wr32(r->m + 8, app);
	wr32(r->m + 12, 0x01020304);
	wr32(r->m + 16, 0x05060708);
	r->n = DIA_HDR_LEN;
}

/* Append an AVP whose length field says `lenfield` (normally the header
 * plus dlen), the data, and zero padding to 4. Returns its offset. */
static size_t
raw_avp(struct raw *r, uint32_t code, uint8_t flags, uint32_t vendor,
    uint32_t lenfield, const void *data, size_t dlen)
{
	size_t off = r->n, h = flags & DIA_AVP_V ? 12 : 8;

	wr32(r->m + r->n, code);
	r->m[r->n + 4] = flags;
	wr24(r->m + r->n + 5, lenfield);
	if (h == 12)
		wr32(r->m + r->n + 8, vendor);
	r->n += h;
	if (dlen > 0)
		memcpy(r->m + r->n, data, dlen);
	r->n += dlen;
	while (r->n % 4)
		r->m[r->n++] = 0;
	return off;
}

/* A well-formed AVP (length field = header + dlen). */
static size_t
raw_put(struct raw *r, uint32_t code, uint8_t flags, uint32_t vendor,
    const void *data, size_t dlen)
{
	return raw_avp(r, code, flags, vendor,
	    (uint32_t)((flags & DIA_AVP_V ? 12 : 8) + dlen), data, dlen);
}

/* Patch the header length to the octets written. */
static void
raw_end(struct raw *r)
{
	wr24(r->m + 1, (uint32_t)r->n);
}

static struct dia_msg *
decode_ok(const uint8_t *p, size_t n)
{
	struct dia_msg *msg = NULL;
	struct dia_error err;
	int rc;

	rc = dia_msg_decode(p, n, &msg, &err);
	ck_assert_msg(rc == 0, "decode failed: %u %s", err.result, err.reason);
	ck_assert_ptr_nonnull(msg);
	return msg;
}

static void
decode_fail(const uint8_t *p, size_t n, uint32_t result,
    struct dia_error *err)
{
	struct dia_msg *msg = (struct dia_msg *)1;

	ck_assert_int_eq(dia_msg_decode(p, n, &msg, err), -1);
	ck_assert_ptr_null(msg);
	ck_assert_msg(err->result == result, "result %u (%s), want %u",
	    err->result, err->reason, result);
	ck_assert_msg(err->reason[0] != '\0', "no reason");
}

/* Build an MAA as hss-stub sends it. */
static void
build_maa(struct buf *b)
{
	struct dia_build d;
	uint8_t autn[32], xres[8], ck[16], ik[16];
	const char *guss = "<guss xmlns=\"urn:3gpp:gba:GBAGUSSSchema-R9:"
	    "2010-02\"><bsfInfo><lifeTime>86400</lifeTime></bsfInfo></guss>";

	memset(autn, 0xa1, sizeof(autn));
	memset(xres, 0xb2, sizeof(xres));
	memset(ck, 0xc3, sizeof(ck));
	memset(ik, 0xd4, sizeof(ik));
	dia_build_begin(&d, b, DIA_FLAG_P, DIA_CMD_MA, DIA_APP_ZH, 7, 9);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, "bsf.home1.net;1;2");
	dia_group_begin(&d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, V3GPP);
	dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, DIA_APP_ZH);
	dia_group_end(&d);
	dia_put_result(&d, DIA_SUCCESS);
	dia_put_u32(&d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "hss.home1.net");
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, "home1.net");
	dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0,
	    "user1_private@home1.net");
	dia_put_str(&d, DIA_AVP_PUBLIC_IDENTITY, VM, V3GPP,
	    "sip:user1_public1@home1.net");
	dia_group_begin(&d, DIA_AVP_SIP_AUTH_DATA_ITEM, VM, V3GPP);
	dia_put_str(&d, DIA_AVP_SIP_AUTH_SCHEME, VM, V3GPP, "Digest-AKAv1-MD5");
	dia_put(&d, DIA_AVP_SIP_AUTHENTICATE, VM, V3GPP, autn, sizeof(autn));
	dia_put(&d, DIA_AVP_SIP_AUTHORIZATION, VM, V3GPP, xres, sizeof(xres));
	dia_put(&d, DIA_AVP_CONFIDENTIALITY_KEY, VM, V3GPP, ck, sizeof(ck));
	dia_put(&d, DIA_AVP_INTEGRITY_KEY, VM, V3GPP, ik, sizeof(ik));
	dia_group_end(&d);
	dia_put(&d, DIA_AVP_GBA_USERSECSETTINGS, VM, V3GPP, guss, strlen(guss));
	dia_put_time(&d, DIA_AVP_GUSS_TIMESTAMP, DIA_AVP_V, V3GPP, 1700000000);
	dia_put_str(&d, DIA_AVP_ROUTE_RECORD, DIA_AVP_M, 0, "r1.home1.net");
	dia_put_str(&d, DIA_AVP_ROUTE_RECORD, DIA_AVP_M, 0, "r2.home1.net");
	ck_assert_int_eq(dia_build_end(&d), 0);
}

/* ---------------------------------------------------------------------- */
/* Dictionary                                                             */

struct dict_want {
	uint32_t	 code;
	uint32_t	 vendor;
	const char	*name;
	enum dia_type	 type;
	uint8_t		 must;
	int		 secret;
};

static const struct dict_want dict_wants[] = {
	{ 1, 0, "User-Name", DIA_T_UTF8, DIA_AVP_M, 0 },
	{ 33, 0, "Proxy-State", DIA_T_OCTETS, DIA_AVP_M, 0 },
	{ 257, 0, "Host-IP-Address", DIA_T_ADDRESS, DIA_AVP_M, 0 },
	{ 258, 0, "Auth-Application-Id", DIA_T_U32, DIA_AVP_M, 0 },
	{ 259, 0, "Acct-Application-Id", DIA_T_U32, DIA_AVP_M, 0 },
	{ 260, 0, "Vendor-Specific-Application-Id", DIA_T_GROUPED, DIA_AVP_M, 0 },
	{ 263, 0, "Session-Id", DIA_T_UTF8, DIA_AVP_M, 0 },
	{ 264, 0, "Origin-Host", DIA_T_IDENTITY, DIA_AVP_M, 0 },
	{ 265, 0, "Supported-Vendor-Id", DIA_T_U32, DIA_AVP_M, 0 },
	{ 266, 0, "Vendor-Id", DIA_T_U32, DIA_AVP_M, 0 },
	{ 267, 0, "Firmware-Revision", DIA_T_U32, 0, 0 },
	{ 268, 0, "Result-Code", DIA_T_U32, DIA_AVP_M, 0 },
	{ 269, 0, "Product-Name", DIA_T_UTF8, 0, 0 },
	{ 273, 0, "Disconnect-Cause", DIA_T_ENUM, DIA_AVP_M, 0 },
	{ 277, 0, "Auth-Session-State", DIA_T_ENUM, DIA_AVP_M, 0 },
	{ 278, 0, "Origin-State-Id", DIA_T_U32, DIA_AVP_M, 0 },
	{ 279, 0, "Failed-AVP", DIA_T_GROUPED, DIA_AVP_M, 0 },
	{ 280, 0, "Proxy-Host", DIA_T_IDENTITY, DIA_AVP_M, 0 },
	{ 281, 0, "Error-Message", DIA_T_UTF8, 0, 0 },
	{ 282, 0, "Route-Record", DIA_T_IDENTITY, DIA_AVP_M, 0 },
	{ 283, 0, "Destination-Realm", DIA_T_IDENTITY, DIA_AVP_M, 0 },
	{ 284, 0, "Proxy-Info", DIA_T_GROUPED, DIA_AVP_M, 0 },
	{ 293, 0, "Destination-Host", DIA_T_IDENTITY, DIA_AVP_M, 0 },
	{ 294, 0, "Error-Reporting-Host", DIA_T_IDENTITY, 0, 0 },
	{ 296, 0, "Origin-Realm", DIA_T_IDENTITY, DIA_AVP_M, 0 },
	{ 297, 0, "Experimental-Result", DIA_T_GROUPED, DIA_AVP_M, 0 },
	{ 298, 0, "Experimental-Result-Code", DIA_T_U32, DIA_AVP_M, 0 },
	{ 299, 0, "Inband-Security-Id", DIA_T_U32, DIA_AVP_M, 0 },
	{ 601, V3GPP, "Public-Identity", DIA_T_UTF8, VM, 0 },
	{ 607, V3GPP, "SIP-Number-Auth-Items", DIA_T_U32, VM, 0 },
	{ 608, V3GPP, "SIP-Authentication-Scheme", DIA_T_UTF8, VM, 0 },
	{ 609, V3GPP, "SIP-Authenticate", DIA_T_OCTETS, VM, 0 },
	{ 610, V3GPP, "SIP-Authorization", DIA_T_OCTETS, VM, 1 },
	{ 611, V3GPP, "SIP-Authentication-Context", DIA_T_OCTETS, VM, 0 },
	{ 612, V3GPP, "SIP-Auth-Data-Item", DIA_T_GROUPED, VM, 0 },
	{ 613, V3GPP, "SIP-Item-Number", DIA_T_U32, VM, 0 },
	{ 625, V3GPP, "Confidentiality-Key", DIA_T_OCTETS, VM, 1 },
	{ 626, V3GPP, "Integrity-Key", DIA_T_OCTETS, VM, 1 },
	{ 400, V3GPP, "GBA-UserSecSettings", DIA_T_OCTETS, VM, 0 },
	{ 401, V3GPP, "Transaction-Identifier", DIA_T_OCTETS, VM, 0 },
	{ 402, V3GPP, "NAF-Id", DIA_T_OCTETS, VM, 0 },
	{ 403, V3GPP, "GAA-Service-Identifier", DIA_T_OCTETS, VM, 0 },
	{ 404, V3GPP, "Key-ExpiryTime", DIA_T_TIME, VM, 0 },
	{ 405, V3GPP, "ME-Key-Material", DIA_T_OCTETS, VM, 1 },
	{ 406, V3GPP, "UICC-Key-Material", DIA_T_OCTETS, VM, 1 },
	{ 407, V3GPP, "GBA_U-Awareness-Indicator", DIA_T_ENUM, VM, 0 },
	{ 408, V3GPP, "BootstrapInfoCreationTime", DIA_T_TIME, VM, 0 },
	{ 409, V3GPP, "GUSS-Timestamp", DIA_T_TIME, DIA_AVP_V, 0 },
	{ 410, V3GPP, "GBA-Type", DIA_T_ENUM, VM, 0 },
	{ 411, V3GPP, "UE-Id", DIA_T_OCTETS, VM, 0 },
	{ 412, V3GPP, "UE-Id-Type", DIA_T_ENUM, VM, 0 },
	{ 413, V3GPP, "UICC-App-Label", DIA_T_OCTETS, VM, 0 },
	{ 414, V3GPP, "UICC-ME", DIA_T_ENUM, VM, 0 },
	{ 415, V3GPP, "Requested-Key-Lifetime", DIA_T_TIME, VM, 0 },
	{ 416, V3GPP, "Private-Identity-Request", DIA_T_ENUM, VM, 0 },
	{ 417, V3GPP, "GBA-Push-Info", DIA_T_OCTETS, VM, 0 },
	{ 418, V3GPP, "NAF-SA-Identifier", DIA_T_OCTETS, VM, 0 },
	{ 419, V3GPP, "Security-Feature-Request", DIA_T_OCTETS, VM, 0 },
	{ 420, V3GPP, "Security-Feature-Response", DIA_T_OCTETS, VM, 0 },
};

START_TEST(test_dict_entry)
{
	const struct dict_want *w = &dict_wants[_i];
	const struct dia_dict_avp *d;

	d = dia_dict_avp(w->code, w->vendor);
	ck_assert_msg(d != NULL, "AVP %u/%u missing", w->code, w->vendor);
	ck_assert_str_eq(d->name, w->name);
	ck_assert_int_eq(d->type, w->type);
	ck_assert_uint_eq(d->must, w->must);
	ck_assert_int_eq(!!(d->flags & DIA_DICT_SECRET), w->secret);
	/* the same code with the other vendor is another AVP */
	ck_assert_ptr_null(dia_dict_avp(w->code, w->vendor ? 0 : V3GPP));
}
END_TEST

START_TEST(test_dict_table)
{
	const struct dia_dict_avp *d, *e;
	size_t i, j, secrets = 0;

	for (i = 0; (d = dia_dict_avp_at(i)) != NULL; i++) {
		ck_assert_ptr_eq(dia_dict_avp(d->code, d->vendor), d);
		ck_assert_uint_eq(!!(d->must & DIA_AVP_V), d->vendor != 0);
		for (j = i + 1; (e = dia_dict_avp_at(j)) != NULL; j++)
			ck_assert_msg(d->code != e->code ||
			    d->vendor != e->vendor, "duplicate %u", d->code);
		if (d->flags & DIA_DICT_SECRET)
			secrets++;
	}
	ck_assert_uint_ge(i, sizeof(dict_wants) / sizeof(dict_wants[0]));
	ck_assert_uint_eq(secrets, 5);
	ck_assert_ptr_null(dia_dict_avp(999999, 0));
}
END_TEST

START_TEST(test_dict_names)
{
	ck_assert_str_eq(dia_cmd_name(DIA_CMD_CE, 1), "CER");
	ck_assert_str_eq(dia_cmd_name(DIA_CMD_CE, 0), "CEA");
	ck_assert_str_eq(dia_cmd_name(DIA_CMD_DW, 1), "DWR");
	ck_assert_str_eq(dia_cmd_name(DIA_CMD_DW, 0), "DWA");
	ck_assert_str_eq(dia_cmd_name(DIA_CMD_DP, 1), "DPR");
	ck_assert_str_eq(dia_cmd_name(DIA_CMD_DP, 0), "DPA");
	ck_assert_str_eq(dia_cmd_name(DIA_CMD_MA, 1), "MAR");
	ck_assert_str_eq(dia_cmd_name(DIA_CMD_MA, 0), "MAA");
	ck_assert_str_eq(dia_cmd_name(DIA_CMD_BI, 1), "BIR");
	ck_assert_str_eq(dia_cmd_name(DIA_CMD_BI, 0), "BIA");
	ck_assert_str_eq(dia_cmd_name(12345, 1), "Unknown");

	ck_assert_str_eq(dia_result_name(DIA_SUCCESS), "DIAMETER_SUCCESS");
	ck_assert_str_eq(dia_result_name(DIA_COMMAND_UNSUPPORTED),
	    "DIAMETER_COMMAND_UNSUPPORTED");
	ck_assert_str_eq(dia_result_name(DIA_UNKNOWN_PEER),
	    "DIAMETER_UNKNOWN_PEER");
	ck_assert_str_eq(dia_result_name(DIA_AVP_UNSUPPORTED),
	    "DIAMETER_AVP_UNSUPPORTED");
	ck_assert_str_eq(dia_result_name(DIA_MISSING_AVP),
	    "DIAMETER_MISSING_AVP");
	ck_assert_str_eq(dia_result_name(DIA_INVALID_AVP_LENGTH),
	    "DIAMETER_INVALID_AVP_LENGTH");
	ck_assert_str_eq(dia_result_name(DIA_INVALID_MESSAGE_LENGTH),
	    "DIAMETER_INVALID_MESSAGE_LENGTH");
	ck_assert_str_eq(dia_result_name(DIA_ERROR_IDENTITY_UNKNOWN),
	    "DIAMETER_ERROR_IDENTITY_UNKNOWN");
	ck_assert_str_eq(dia_result_name(DIA_ERROR_NOT_AUTHORIZED),
	    "DIAMETER_ERROR_NOT_AUTHORIZED");
	ck_assert_str_eq(dia_result_name(DIA_ERROR_TRANSACTION_ID_INVALID),
	    "DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID");
	ck_assert_str_eq(dia_result_name(9999), "Unknown");

	ck_assert_str_eq(dia_app_name(DIA_APP_ZH), "3GPP Zh");
	ck_assert_str_eq(dia_app_name(DIA_APP_ZN), "3GPP Zn");
	ck_assert_str_eq(dia_app_name(DIA_APP_RELAY), "Relay");
	ck_assert_str_eq(dia_app_name(DIA_APP_COMMON),
	    "Diameter Common Messages");
	ck_assert_str_eq(dia_app_name(4), "Unknown");

	ck_assert_str_eq(dia_enum_name(DIA_AVP_AUTH_SESSION_STATE, 0, 1),
	    "NO_STATE_MAINTAINED");
	ck_assert_str_eq(dia_enum_name(DIA_AVP_DISCONNECT_CAUSE, 0, 2),
	    "DO_NOT_WANT_TO_TALK_TO_YOU");
	ck_assert_str_eq(dia_enum_name(DIA_AVP_GBA_TYPE, V3GPP, 0), "3G GBA");
	ck_assert_str_eq(dia_enum_name(DIA_AVP_GBA_U_AWARENESS_IND, V3GPP, 1),
	    "YES");
	ck_assert_ptr_null(dia_enum_name(DIA_AVP_GBA_TYPE, V3GPP, 7));
	ck_assert_ptr_null(dia_enum_name(DIA_AVP_GBA_TYPE, 0, 0));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Framing                                                                */

START_TEST(test_frame_len)
{
	uint8_t h[DIA_HDR_LEN] = { 1, 0, 0, 0x40, 0x80 };

	ck_assert_int_eq(dia_frame_len(h, 0, 65536), 0);
	ck_assert_int_eq(dia_frame_len(h, 3, 65536), 0);
	ck_assert_int_eq(dia_frame_len(h, 4, 65536), 64);
	ck_assert_int_eq(dia_frame_len(h, 20, 65536), 64);
	ck_assert_int_eq(dia_frame_len(h, 4, 64), 64);		/* at the cap */
	ck_assert_int_eq(dia_frame_len(h, 4, 63), -1);		/* over it */
	h[3] = 20;
	ck_assert_int_eq(dia_frame_len(h, 4, 65536), 20);	/* header only */
	h[3] = 16;
	ck_assert_int_eq(dia_frame_len(h, 4, 65536), -1);	/* < header */
	h[3] = 0;
	ck_assert_int_eq(dia_frame_len(h, 4, 65536), -1);
	h[3] = 66;
	ck_assert_int_eq(dia_frame_len(h, 4, 65536), -1);	/* not 4n */
	h[3] = 64;
	h[0] = 2;
	ck_assert_int_eq(dia_frame_len(h, 4, 65536), -1);	/* version */
	h[0] = 0;
	ck_assert_int_eq(dia_frame_len(h, 4, 65536), -1);
	/* the largest 24-bit length, against the default and a huge cap */
	h[0] = 1;
	h[1] = 0xff;
	h[2] = 0xff;
	h[3] = 0xfc;
	ck_assert_int_eq(dia_frame_len(h, 4, DIA_MSG_MAX_DEFAULT), -1);
	ck_assert_int_eq(dia_frame_len(h, 4, 1u << 24), 0xfffffc);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Byte-exact encoding                                                    */

/*
 * A CER written out octet by octet (RFC 6733 §3, §4.1, §5.3.1): R flag,
 * command 257, application 0, every string AVP with 1–3 octets of
 * padding, an Address, a grouped Vendor-Specific-Application-Id.
 */
static const uint8_t cer_octets[] = {
	/* header: version, length 164, flags R, command 257, app 0 */
	0x01, 0x00, 0x00, 0xa4, 0x80, 0x00, 0x01, 0x01,
	0x00, 0x00, 0x00, 0x00,
	0x11, 0x22, 0x33, 0x44,		/* hop-by-hop */
	0x55, 0x66, 0x77, 0x88,		/* end-to-end */
	/* Origin-Host (264), M, length 21, "hss.home1.net", 3 pad */
	0x00, 0x00, 0x01, 0x08, 0x40, 0x00, 0x00, 0x15,
	'h', 's', 's', '.', 'h', 'o', 'm', 'e', '1', '.', 'n', 'e',
	't', 0x00, 0x00, 0x00,
	/* Origin-Realm (296), M, length 17, "home1.net", 3 pad */
	0x00, 0x00, 0x01, 0x28, 0x40, 0x00, 0x00, 0x11,
	'h', 'o', 'm', 'e', '1', '.', 'n', 'e', 't', 0x00, 0x00, 0x00,
	/* Host-IP-Address (257), M, length 14, family 1, 127.0.0.1, 2 pad */
	0x00, 0x00, 0x01, 0x01, 0x40, 0x00, 0x00, 0x0e,
	0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x00, 0x00,
	/* Vendor-Id (266), M, length 12, 0 */
	0x00, 0x00, 0x01, 0x0a, 0x40, 0x00, 0x00, 0x0c,
	0x00, 0x00, 0x00, 0x00,
	/* Product-Name (269), no flags, length 15, "utstack", 1 pad */
	0x00, 0x00, 0x01, 0x0d, 0x00, 0x00, 0x00, 0x0f,
	'u', 't', 's', 't', 'a', 'c', 'k', 0x00,
	/* Origin-State-Id (278), M, length 12, 1 */
	0x00, 0x00, 0x01, 0x16, 0x40, 0x00, 0x00, 0x0c,
	0x00, 0x00, 0x00, 0x01,
	/* Supported-Vendor-Id (265), M, length 12, 10415 */
	0x00, 0x00, 0x01, 0x09, 0x40, 0x00, 0x00, 0x0c,
	0x00, 0x00, 0x28, 0xaf,
	/* Vendor-Specific-Application-Id (260), M, length 32 */
	0x00, 0x00, 0x01, 0x04, 0x40, 0x00, 0x00, 0x20,
	/*   Vendor-Id (266), M, length 12, 10415 */
	0x00, 0x00, 0x01, 0x0a, 0x40, 0x00, 0x00, 0x0c,
	0x00, 0x00, 0x28, 0xaf,
	/*   Auth-Application-Id (258), M, length 12, 16777221 (Zh) */
	0x00, 0x00, 0x01, 0x02, 0x40, 0x00, 0x00, 0x0c,
	0x01, 0x00, 0x00, 0x05,
};

START_TEST(test_cer_exact)
{
	struct dia_build d;
	struct buf b;
	struct sockaddr_in sin;
	struct dia_msg *msg;
	const struct dia_avp *a, *g;
	char s[64];
	uint32_t u;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	buf_init(&b, 4096);
	dia_build_begin(&d, &b, DIA_FLAG_R, DIA_CMD_CE, DIA_APP_COMMON,
	    0x11223344, 0x55667788);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "hss.home1.net");
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, "home1.net");
	dia_put_address(&d, DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    (struct sockaddr *)&sin);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, 0);
	dia_put_str(&d, DIA_AVP_PRODUCT_NAME, 0, 0, "utstack");
	dia_put_u32(&d, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0, 1);
	dia_put_u32(&d, DIA_AVP_SUPPORTED_VENDOR_ID, DIA_AVP_M, 0, V3GPP);
	dia_group_begin(&d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, V3GPP);
	dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, DIA_APP_ZH);
	dia_group_end(&d);
	ck_assert_int_eq(dia_build_end(&d), 0);
	ck_assert_uint_eq(b.len, sizeof(cer_octets));
	ck_assert_mem_eq(b.data, cer_octets, sizeof(cer_octets));

	/* and the hand-written octets decode to the same values */
	msg = decode_ok(cer_octets, sizeof(cer_octets));
	ck_assert_uint_eq(msg->version, 1);
	ck_assert_uint_eq(msg->flags, DIA_FLAG_R);
	ck_assert_uint_eq(msg->cmd, 257);
	ck_assert_uint_eq(msg->app, 0);
	ck_assert_uint_eq(msg->hbh, 0x11223344);
	ck_assert_uint_eq(msg->e2e, 0x55667788);
	ck_assert_uint_eq(msg->n_avps, 10);
	a = dia_msg_find(msg, NULL, DIA_AVP_ORIGIN_HOST, 0, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(dia_avp_identity(a, s, sizeof(s), NULL), 0);
	ck_assert_str_eq(s, "hss.home1.net");
	ck_assert_uint_eq(a->raw_len, 21);
	ck_assert_ptr_eq(a->raw, msg->octets + 20);
	g = dia_msg_find(msg, NULL, DIA_AVP_VENDOR_SPECIFIC_APP_ID, 0, NULL);
	ck_assert_ptr_nonnull(g);
	a = dia_msg_find(msg, g, DIA_AVP_AUTH_APPLICATION_ID, 0, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(dia_avp_u32(a, &u, NULL), 0);
	ck_assert_uint_eq(u, DIA_APP_ZH);
	/* the top-level Vendor-Id is not the grouped one */
	a = dia_msg_find(msg, NULL, DIA_AVP_VENDOR_ID, 0, NULL);
	ck_assert_int_eq(dia_avp_u32(a, &u, NULL), 0);
	ck_assert_uint_eq(u, 0);
	ck_assert_ptr_null(dia_msg_find(msg, NULL, DIA_AVP_VENDOR_ID, 0, a));
	dia_msg_free(msg);
	buf_clear(&b);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Round trips                                                            */

START_TEST(test_rt_integers)
{
	struct dia_build d;
	struct buf b;
	struct dia_msg *msg;
	const struct dia_avp *a;
	uint32_t u32;
	uint64_t u64;
	int32_t i32;

	buf_init(&b, 4096);
	dia_build_begin(&d, &b, DIA_FLAG_R, 5, 6, 7, 8);
	dia_put_u32(&d, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0, 0xfedcba98);
	dia_put_u64(&d, 287, DIA_AVP_M, 0, 0x0123456789abcdefULL);
	dia_put_u32(&d, DIA_AVP_DISCONNECT_CAUSE, DIA_AVP_M, 0, 2);
	dia_put_u32(&d, 5000, 0, 0, (uint32_t)-5);	/* Integer32 -5 */
	dia_put_u32(&d, 5001, 0, 0, 0x80000000u);	/* INT32_MIN */
	dia_put_u32(&d, DIA_AVP_SIP_ITEM_NUMBER, VM, V3GPP, 3);
	ck_assert_int_eq(dia_build_end(&d), 0);
	msg = decode_ok(b.data, b.len);
	ck_assert_uint_eq(msg->n_avps, 6);

	a = dia_msg_find(msg, NULL, DIA_AVP_ORIGIN_STATE_ID, 0, NULL);
	ck_assert_int_eq(dia_avp_u32(a, &u32, NULL), 0);
	ck_assert_uint_eq(u32, 0xfedcba98);
	a = dia_msg_find(msg, NULL, 287, 0, NULL);
	ck_assert_int_eq(dia_avp_u64(a, &u64, NULL), 0);
	ck_assert(u64 == 0x0123456789abcdefULL);
	ck_assert_uint_eq(a->raw_len, 16);
	a = dia_msg_find(msg, NULL, DIA_AVP_DISCONNECT_CAUSE, 0, NULL);
	ck_assert_int_eq(dia_avp_i32(a, &i32, NULL), 0);	/* Enumerated */
	ck_assert_int_eq(i32, 2);
	a = dia_msg_find(msg, NULL, 5000, 0, NULL);
	ck_assert_int_eq(dia_avp_i32(a, &i32, NULL), 0);
	ck_assert_int_eq(i32, -5);
	ck_assert_uint_eq(a->flags, 0);
	a = dia_msg_find(msg, NULL, 5001, 0, NULL);
	ck_assert_int_eq(dia_avp_i32(a, &i32, NULL), 0);
	ck_assert_int_eq(i32, INT32_MIN);
	a = dia_msg_find(msg, NULL, DIA_AVP_SIP_ITEM_NUMBER, V3GPP, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->flags, VM);
	ck_assert_uint_eq(a->vendor, V3GPP);
	ck_assert_uint_eq(a->raw_len, 16);
	ck_assert_int_eq(dia_avp_u32(a, &u32, NULL), 0);
	ck_assert_uint_eq(u32, 3);
	/* vendor is part of the key */
	ck_assert_ptr_null(dia_msg_find(msg, NULL, DIA_AVP_SIP_ITEM_NUMBER, 0,
	    NULL));
	dia_msg_free(msg);
	buf_clear(&b);
}
END_TEST

struct time_vec {
	time_t		 t;
	uint32_t	 ntp;
	const char	*iso;
};

/* RFC 6733 §4.3.1: 1968-01-20T03:14:08Z is NTP 0x80000000, the wrap at
 * 2036-02-07T06:28:16Z is 0, and 0x7fffffff is the last second, in 2104. */
static const struct time_vec time_vecs[] = {
	{ 0, 2208988800u, "1970-01-01T00:00:00Z" },
	{ 1700000000, 3908988800u, "2023-11-14T22:13:20Z" },
	{ -61505152, 0x80000000u, "1968-01-20T03:14:08Z" },
	{ 2085978495, 0xffffffffu, "2036-02-07T06:28:15Z" },
	{ 2085978496, 0, "2036-02-07T06:28:16Z" },
	{ 2085978497, 1, "2036-02-07T06:28:17Z" },
	{ 4233462143LL, 0x7fffffffu, "2104-02-26T09:42:23Z" },
};

START_TEST(test_rt_time)
{
	const struct time_vec *v = &time_vecs[_i];
	struct dia_build d;
	struct buf b, out;
	struct dia_msg *msg;
	const struct dia_avp *a;
	time_t t;

	buf_init(&b, 256);
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	dia_put_time(&d, DIA_AVP_KEY_EXPIRYTIME, VM, V3GPP, v->t);
	ck_assert_int_eq(dia_build_end(&d), 0);
	ck_assert_uint_eq(b.len, 20 + 16);
	ck_assert_uint_eq(rd32(b.data + 32), v->ntp);	/* on the wire */
	msg = decode_ok(b.data, b.len);
	a = dia_msg_find(msg, NULL, DIA_AVP_KEY_EXPIRYTIME, V3GPP, NULL);
	ck_assert_int_eq(dia_avp_time(a, &t, NULL), 0);
	ck_assert_int_eq((long long)t, (long long)v->t);
	buf_init(&out, 4096);
	ck_assert_int_eq(dia_msg_dump(msg, &out, 0), 0);
	ck_assert_ptr_nonnull(buf_cstr(&out));
	ck_assert_msg(strstr((char *)out.data, v->iso) != NULL, "%s not in %s",
	    v->iso, (char *)out.data);
	buf_clear(&out);
	dia_msg_free(msg);
	buf_clear(&b);
}
END_TEST

START_TEST(test_time_range)
{
	struct dia_build d;
	struct buf b;

	buf_init(&b, 256);
	/* one second before 1968-01-20T03:14:08Z cannot be sent */
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	dia_put_time(&d, DIA_AVP_KEY_EXPIRYTIME, VM, V3GPP, -61505153);
	ck_assert_int_eq(dia_build_end(&d), -1);
	ck_assert_uint_eq(b.len, 0);
	/* nor a second after 2104-02-26T09:42:23Z */
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	dia_put_time(&d, DIA_AVP_KEY_EXPIRYTIME, VM, V3GPP, 4233462144LL);
	ck_assert_int_eq(dia_build_end(&d), -1);
	buf_clear(&b);
}
END_TEST

START_TEST(test_rt_address)
{
	struct dia_build d;
	struct buf b;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_storage ss;
	struct dia_msg *msg;
	const struct dia_avp *a;
	char text[INET6_ADDRSTRLEN];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.33", &sin.sin_addr);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1:2", &sin6.sin6_addr);
	buf_init(&b, 256);
	dia_build_begin(&d, &b, DIA_FLAG_R, 257, 0, 1, 2);
	dia_put_address(&d, DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    (struct sockaddr *)&sin);
	dia_put_address(&d, DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    (struct sockaddr *)&sin6);
	ck_assert_int_eq(dia_build_end(&d), 0);
	/* 8 + 6 padded to 16; 8 + 18 padded to 28 */
	ck_assert_uint_eq(b.len, 20 + 16 + 28);
	msg = decode_ok(b.data, b.len);
	a = dia_msg_find(msg, NULL, DIA_AVP_HOST_IP_ADDRESS, 0, NULL);
	ck_assert_uint_eq(a->len, 6);
	ck_assert_int_eq(dia_avp_address(a, &ss, NULL), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text,
	    sizeof(text));
	ck_assert_str_eq(text, "192.0.2.33");
	a = dia_msg_find(msg, NULL, DIA_AVP_HOST_IP_ADDRESS, 0, a);
	ck_assert_uint_eq(a->len, 18);
	ck_assert_int_eq(dia_avp_address(a, &ss, NULL), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, text,
	    sizeof(text));
	ck_assert_str_eq(text, "2001:db8::1:2");
	dia_msg_free(msg);

	/* another family cannot be built */
	ss.ss_family = AF_UNIX;
	dia_build_begin(&d, &b, DIA_FLAG_R, 257, 0, 1, 2);
	dia_put_address(&d, DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    (struct sockaddr *)&ss);
	ck_assert_int_eq(dia_build_end(&d), -1);
	buf_clear(&b);
}
END_TEST

START_TEST(test_rt_text)
{
	struct dia_build d;
	struct buf b;
	struct dia_msg *msg;
	const struct dia_avp *a;
	char s[64];
	/* "Grüße, 日本 🎉" in UTF-8 */
	const char *utf = "Gr\xc3\xbc\xc3\x9f" "e, \xe6\x97\xa5\xe6\x9c\xac "
	    "\xf0\x9f\x8e\x89";

	buf_init(&b, 512);
	dia_build_begin(&d, &b, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_MA,
	    DIA_APP_ZH, 1, 2);
	dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, utf);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "bsf.home1.net");
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, "");
	ck_assert_int_eq(dia_build_end(&d), 0);
	msg = decode_ok(b.data, b.len);
	a = dia_msg_find(msg, NULL, DIA_AVP_USER_NAME, 0, NULL);
	ck_assert_int_eq(dia_avp_utf8(a, s, sizeof(s), NULL), 0);
	ck_assert_str_eq(s, utf);
	a = dia_msg_find(msg, NULL, DIA_AVP_ORIGIN_HOST, 0, NULL);
	ck_assert_int_eq(dia_avp_identity(a, s, sizeof(s), NULL), 0);
	ck_assert_str_eq(s, "bsf.home1.net");
	ck_assert_int_eq(dia_avp_utf8(a, s, 14, NULL), 0);	/* exact fit */
	ck_assert_str_eq(s, "bsf.home1.net");
	a = dia_msg_find(msg, NULL, DIA_AVP_SESSION_ID, 0, NULL);
	ck_assert_uint_eq(a->len, 0);
	ck_assert_uint_eq(a->raw_len, 8);
	ck_assert_int_eq(dia_avp_utf8(a, s, sizeof(s), NULL), 0);
	ck_assert_str_eq(s, "");
	dia_msg_free(msg);
	buf_clear(&b);
}
END_TEST

/* Octet strings of 0..9 octets: length field, padding to 4, zero pad. */
START_TEST(test_rt_octets_padding)
{
	struct dia_build d;
	struct buf b;
	struct dia_msg *msg;
	const struct dia_avp *a;
	uint8_t v[9] = { 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 0xf7 };
	size_t n = (size_t)_i, off = 20, i;

	buf_init(&b, 256);
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	dia_put(&d, DIA_AVP_SIP_AUTHENTICATE, VM, V3GPP, v, n);
	dia_put(&d, DIA_AVP_PROXY_STATE, DIA_AVP_M, 0, v, n);
	ck_assert_int_eq(dia_build_end(&d), 0);
	ck_assert_uint_eq(rd24(b.data + off + 5), 12 + n);
	ck_assert_uint_eq(b.data[off + 4], VM);
	ck_assert_uint_eq(rd32(b.data + off + 8), V3GPP);
	for (i = 12 + n; i < ((12 + n + 3) & ~3u); i++)
		ck_assert_uint_eq(b.data[off + i], 0);
	off += (12 + n + 3) & ~3u;
	ck_assert_uint_eq(rd24(b.data + off + 5), 8 + n);
	ck_assert_uint_eq(b.len, off + ((8 + n + 3) & ~3u));
	msg = decode_ok(b.data, b.len);
	ck_assert_uint_eq(msg->n_avps, 2);
	a = &msg->avps[0];
	ck_assert_uint_eq(a->len, n);
	ck_assert_uint_eq(a->raw_len, 12 + n);
	if (n > 0)
		ck_assert_mem_eq(a->data, v, n);
	a = &msg->avps[1];
	ck_assert_uint_eq(a->len, n);
	ck_assert_uint_eq(a->vendor, 0);
	dia_msg_free(msg);
	buf_clear(&b);
}
END_TEST

START_TEST(test_rt_grouped)
{
	struct buf b;
	struct dia_msg *msg;
	const struct dia_avp *a, *g, *rr;
	char s[64];
	uint32_t u;
	time_t t;

	buf_init(&b, 4096);
	build_maa(&b);
	msg = decode_ok(b.data, b.len);
	ck_assert_uint_eq(msg->flags, DIA_FLAG_P);
	ck_assert_uint_eq(msg->cmd, DIA_CMD_MA);
	ck_assert_uint_eq(msg->app, DIA_APP_ZH);
	/* 13 top level + 2 in Vendor-Specific-Application-Id + 5 in the item */
	ck_assert_uint_eq(msg->n_avps, 13 + 2 + 5);

	g = dia_msg_find(msg, NULL, DIA_AVP_SIP_AUTH_DATA_ITEM, V3GPP, NULL);
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(g->depth, 0);
	ck_assert_int_eq(g->parent, -1);
	a = dia_msg_find(msg, g, DIA_AVP_SIP_AUTH_SCHEME, V3GPP, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->depth, 1);
	ck_assert_int_eq(a->parent, (int)(g - msg->avps));
	ck_assert_int_eq(dia_avp_utf8(a, s, sizeof(s), NULL), 0);
	ck_assert_str_eq(s, "Digest-AKAv1-MD5");
	a = dia_msg_find(msg, g, DIA_AVP_CONFIDENTIALITY_KEY, V3GPP, NULL);
	ck_assert_uint_eq(a->len, 16);
	ck_assert_uint_eq(a->data[0], 0xc3);
	a = dia_msg_find(msg, g, DIA_AVP_SIP_AUTHENTICATE, V3GPP, NULL);
	ck_assert_uint_eq(a->len, 32);
	/* children are not found at the top level, nor top-level AVPs in g */
	ck_assert_ptr_null(dia_msg_find(msg, NULL, DIA_AVP_INTEGRITY_KEY,
	    V3GPP, NULL));
	ck_assert_ptr_null(dia_msg_find(msg, g, DIA_AVP_USER_NAME, 0, NULL));
	/* the group's length covers its padded children */
	ck_assert_uint_eq(g->len, 28 + 44 + 20 + 28 + 28);

	g = dia_msg_find(msg, NULL, DIA_AVP_VENDOR_SPECIFIC_APP_ID, 0, NULL);
	a = dia_msg_find(msg, g, DIA_AVP_VENDOR_ID, 0, NULL);
	ck_assert_int_eq(dia_avp_u32(a, &u, NULL), 0);
	ck_assert_uint_eq(u, V3GPP);

	a = dia_msg_find(msg, NULL, DIA_AVP_GUSS_TIMESTAMP, V3GPP, NULL);
	ck_assert_uint_eq(a->flags, DIA_AVP_V);		/* no M on 409 */
	ck_assert_int_eq(dia_avp_time(a, &t, NULL), 0);
	ck_assert_int_eq((long long)t, 1700000000LL);

	/* iterate repeated AVPs with `after` */
	rr = dia_msg_find(msg, NULL, DIA_AVP_ROUTE_RECORD, 0, NULL);
	ck_assert_int_eq(dia_avp_identity(rr, s, sizeof(s), NULL), 0);
	ck_assert_str_eq(s, "r1.home1.net");
	rr = dia_msg_find(msg, NULL, DIA_AVP_ROUTE_RECORD, 0, rr);
	ck_assert_int_eq(dia_avp_identity(rr, s, sizeof(s), NULL), 0);
	ck_assert_str_eq(s, "r2.home1.net");
	ck_assert_ptr_null(dia_msg_find(msg, NULL, DIA_AVP_ROUTE_RECORD, 0,
	    rr));
	ck_assert_int_eq(dia_msg_check_mandatory(msg, NULL), 0);
	dia_msg_free(msg);
	buf_clear(&b);
}
END_TEST

/* Eight nested groups (the builder's limit) decode, depth 8 innermost. */
START_TEST(test_rt_max_depth)
{
	struct dia_build d;
	struct buf b;
	struct dia_msg *msg;
	const struct dia_avp *g = NULL, *a;
	uint32_t u;
	int i;

	buf_init(&b, 1024);
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	for (i = 0; i < DIA_DEPTH_MAX; i++)
		dia_group_begin(&d, DIA_AVP_SIP_AUTH_DATA_ITEM, VM, V3GPP);
	dia_put_u32(&d, DIA_AVP_SIP_ITEM_NUMBER, VM, V3GPP, 42);
	for (i = 0; i < DIA_DEPTH_MAX; i++)
		dia_group_end(&d);
	ck_assert_int_eq(dia_build_end(&d), 0);
	msg = decode_ok(b.data, b.len);
	ck_assert_uint_eq(msg->n_avps, DIA_DEPTH_MAX + 1);
	for (i = 0; i < DIA_DEPTH_MAX; i++) {
		g = dia_msg_find(msg, g, DIA_AVP_SIP_AUTH_DATA_ITEM, V3GPP,
		    NULL);
		ck_assert_ptr_nonnull(g);
		ck_assert_int_eq(g->depth, i);
	}
	a = dia_msg_find(msg, g, DIA_AVP_SIP_ITEM_NUMBER, V3GPP, NULL);
	ck_assert_int_eq(a->depth, DIA_DEPTH_MAX);
	ck_assert_int_eq(dia_avp_u32(a, &u, NULL), 0);
	ck_assert_uint_eq(u, 42);
	dia_msg_free(msg);

	/* a ninth level cannot be built */
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	for (i = 0; i <= DIA_DEPTH_MAX; i++)
		dia_group_begin(&d, DIA_AVP_SIP_AUTH_DATA_ITEM, VM, V3GPP);
	ck_assert_int_eq(d.failed, 1);
	ck_assert_int_eq(dia_build_end(&d), -1);
	buf_clear(&b);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Builder                                                                */

START_TEST(test_build_answer)
{
	struct dia_build d;
	struct buf b, a;
	struct dia_msg *req, *ans;
	uint32_t u;

	buf_init(&b, 4096);
	buf_init(&a, 4096);
	dia_build_begin(&d, &b, DIA_FLAG_R | DIA_FLAG_P | DIA_FLAG_T,
	    DIA_CMD_MA, DIA_APP_ZH, 0xaabbccdd, 0x11223344);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, "x;1;2");
	ck_assert_int_eq(dia_build_end(&d), 0);
	req = decode_ok(b.data, b.len);

	dia_build_answer(&d, &a, req, 0);
	dia_put_result(&d, DIA_SUCCESS);
	ck_assert_int_eq(dia_build_end(&d), 0);
	ans = decode_ok(a.data, a.len);
	ck_assert_uint_eq(ans->flags, DIA_FLAG_P);
	ck_assert_uint_eq(ans->cmd, DIA_CMD_MA);
	ck_assert_uint_eq(ans->app, DIA_APP_ZH);
	ck_assert_uint_eq(ans->hbh, 0xaabbccdd);
	ck_assert_uint_eq(ans->e2e, 0x11223344);
	ck_assert_int_eq(dia_avp_u32(dia_msg_find(ans, NULL,
	    DIA_AVP_RESULT_CODE, 0, NULL), &u, NULL), 0);
	ck_assert_uint_eq(u, DIA_SUCCESS);
	dia_msg_free(ans);

	/* a 3xxx result sets the E bit; a second answer appends after the
	 * first in the same buffer */
	dia_build_answer(&d, &a, req, 0);
	ck_assert_uint_eq(d.start, 32);
	dia_put_result(&d, DIA_COMMAND_UNSUPPORTED);
	ck_assert_int_eq(dia_build_end(&d), 0);
	ans = decode_ok(a.data + 32, a.len - 32);
	ck_assert_uint_eq(ans->flags, DIA_FLAG_P | DIA_FLAG_E);
	dia_msg_free(ans);

	/* Experimental-Result { Vendor-Id, Experimental-Result-Code } */
	buf_reset(&a);
	dia_build_answer(&d, &a, req, 0);
	dia_put_experimental(&d, V3GPP, DIA_ERROR_IDENTITY_UNKNOWN);
	ck_assert_int_eq(dia_build_end(&d), 0);
	ans = decode_ok(a.data, a.len);
	ck_assert_uint_eq(ans->flags, DIA_FLAG_P);
	ck_assert_uint_eq(ans->n_avps, 3);
	ck_assert_int_eq(dia_avp_u32(dia_msg_find(ans, &ans->avps[0],
	    DIA_AVP_EXPERIMENTAL_RESULT_CODE, 0, NULL), &u, NULL), 0);
	ck_assert_uint_eq(u, 5401);
	ck_assert_int_eq(dia_avp_u32(dia_msg_find(ans, &ans->avps[0],
	    DIA_AVP_VENDOR_ID, 0, NULL), &u, NULL), 0);
	ck_assert_uint_eq(u, V3GPP);
	dia_msg_free(ans);

	dia_build_answer(&d, &a, NULL, 0);
	ck_assert_int_eq(dia_build_end(&d), -1);
	dia_msg_free(req);
	buf_clear(&b);
	buf_clear(&a);
}
END_TEST

START_TEST(test_build_cap)
{
	struct dia_build d;
	struct buf b;
	uint8_t big[90];

	memset(big, 0x5a, sizeof(big));
	buf_init(&b, 128);
	ck_assert_int_eq(buf_append(&b, "prefix!!", 8), 0);
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	/* 8 + 20 + 8 + 90 + 2 padding: exactly the cap */
	dia_put(&d, 1, DIA_AVP_M, 0, big, sizeof(big));
	ck_assert_uint_eq(b.len, 128);
	ck_assert_int_eq(d.failed, 0);
	dia_put(&d, 1, DIA_AVP_M, 0, big, 1);		/* over 128 */
	ck_assert_int_eq(d.failed, 1);
	dia_put_u32(&d, 2, 0, 0, 3);			/* sticky */
	ck_assert_int_eq(dia_build_end(&d), -1);
	ck_assert_uint_eq(b.len, 8);	/* partial message gone */
	ck_assert_mem_eq(b.data, "prefix!!", 8);
	ck_assert_uint_eq(b.data[8], 0);	/* and wiped */
	buf_clear(&b);
}
END_TEST

START_TEST(test_build_misuse)
{
	struct dia_build d;
	struct buf b;
	uint8_t raw[12] = { 0, 0, 0, 1, 0x40, 0, 0, 12, 0, 0, 0, 5 };

	buf_init(&b, 1024);
	/* close without open */
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	dia_group_end(&d);
	ck_assert_int_eq(dia_build_end(&d), -1);
	/* open without close */
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	dia_group_begin(&d, DIA_AVP_PROXY_INFO, DIA_AVP_M, 0);
	ck_assert_int_eq(dia_build_end(&d), -1);
	/* raw AVP whose length field is not its size */
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	dia_put_raw(&d, raw, 11);
	ck_assert_int_eq(dia_build_end(&d), -1);
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	dia_put_raw(&d, raw, 12);
	ck_assert_int_eq(dia_build_end(&d), 0);
	ck_assert_uint_eq(b.len, 32);
	buf_reset(&b);
	/* header: R with E, reserved bits, a command over 24 bits */
	dia_build_begin(&d, &b, DIA_FLAG_R | DIA_FLAG_E, 303, DIA_APP_ZH, 1, 2);
	ck_assert_int_eq(dia_build_end(&d), -1);
	dia_build_begin(&d, &b, 0x01, 303, DIA_APP_ZH, 1, 2);
	ck_assert_int_eq(dia_build_end(&d), -1);
	dia_build_begin(&d, &b, DIA_FLAG_R, 0x1000000, DIA_APP_ZH, 1, 2);
	ck_assert_int_eq(dia_build_end(&d), -1);
	/* NULL data with a length, NULL string */
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	dia_put(&d, 1, 0, 0, NULL, 4);
	ck_assert_int_eq(dia_build_end(&d), -1);
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	dia_put_str(&d, 1, 0, 0, NULL);
	ck_assert_int_eq(dia_build_end(&d), -1);
	ck_assert_uint_eq(b.len, 0);
	buf_clear(&b);
}
END_TEST

START_TEST(test_build_flags)
{
	struct dia_build d;
	struct buf b;

	buf_init(&b, 1024);
	dia_build_begin(&d, &b, DIA_FLAG_R, 303, DIA_APP_ZH, 1, 2);
	dia_put_u32(&d, 613, DIA_AVP_M, V3GPP, 1);		/* V added */
	dia_put_u32(&d, 278, DIA_AVP_V | DIA_AVP_M, 0, 1);	/* V dropped */
	dia_put_u32(&d, 278, 0xff, 0, 1);		/* reserved dropped */
	ck_assert_int_eq(dia_build_end(&d), 0);
	ck_assert_uint_eq(b.data[20 + 4], DIA_AVP_V | DIA_AVP_M);
	ck_assert_uint_eq(rd24(b.data + 20 + 5), 16);
	ck_assert_uint_eq(b.data[36 + 4], DIA_AVP_M);
	ck_assert_uint_eq(rd24(b.data + 36 + 5), 12);
	ck_assert_uint_eq(b.data[48 + 4], DIA_AVP_M | DIA_AVP_P);
	ck_assert_uint_eq(rd24(b.data + 1), 60);
	buf_clear(&b);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Malformed messages                                                     */

START_TEST(test_mal_truncated_header)
{
	struct dia_error err;

	decode_fail(cer_octets, 19, DIA_INVALID_MESSAGE_LENGTH, &err);
	ck_assert_ptr_null(err.failed);
	decode_fail(cer_octets, 0, DIA_INVALID_MESSAGE_LENGTH, &err);
	ck_assert_int_eq(dia_frame_len(cer_octets, 3, 65536), 0);
}
END_TEST

START_TEST(test_mal_length_larger)
{
	struct dia_error err;

	/* header says 164, only 160 octets there */
	decode_fail(cer_octets, sizeof(cer_octets) - 4,
	    DIA_INVALID_MESSAGE_LENGTH, &err);
}
END_TEST

START_TEST(test_mal_length_smaller)
{
	struct raw r;
	struct dia_error err;

	memcpy(r.m, cer_octets, sizeof(cer_octets));
	wr24(r.m + 1, sizeof(cer_octets) - 4);	/* says 160, 164 there */
	decode_fail(r.m, sizeof(cer_octets), DIA_INVALID_MESSAGE_LENGTH, &err);
	wr24(r.m + 1, 8);			/* says less than a header */
	decode_fail(r.m, sizeof(cer_octets), DIA_INVALID_MESSAGE_LENGTH, &err);
	ck_assert_int_eq(dia_frame_len(r.m, 4, 65536), -1);
}
END_TEST

START_TEST(test_mal_length_not4)
{
	struct raw r;
	struct dia_error err;

	raw_hdr(&r, DIA_FLAG_R, 280, 0);
	raw_put(&r, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "a.b", 3);
	wr24(r.m + 1, 31);		/* the AVP without its padding */
	decode_fail(r.m, 31, DIA_INVALID_MESSAGE_LENGTH, &err);
	ck_assert_int_eq(dia_frame_len(r.m, 4, 65536), -1);
}
END_TEST

START_TEST(test_mal_over_cap)
{
	uint8_t h[4] = { 1, 0x01, 0x00, 0x04 };	/* 65540 octets */

	ck_assert_int_eq(dia_frame_len(h, 4, DIA_MSG_MAX_DEFAULT), -1);
	ck_assert_int_eq(dia_frame_len(h, 4, 65540), 65540);
	h[3] = 0x00;				/* 65536: at the cap */
	ck_assert_int_eq(dia_frame_len(h, 4, DIA_MSG_MAX_DEFAULT), 65536);
	/* a lower cap before the peer is known */
	ck_assert_int_eq(dia_frame_len(h, 4, 4096), -1);
}
END_TEST

START_TEST(test_mal_version)
{
	struct raw r;
	struct dia_error err;

	memcpy(r.m, cer_octets, sizeof(cer_octets));
	r.m[0] = 2;
	decode_fail(r.m, sizeof(cer_octets), DIA_UNSUPPORTED_VERSION, &err);
	ck_assert_int_eq(dia_frame_len(r.m, 4, 65536), -1);
	r.m[0] = 0;
	decode_fail(r.m, sizeof(cer_octets), DIA_UNSUPPORTED_VERSION, &err);
}
END_TEST

START_TEST(test_mal_avp_lt8)
{
	struct raw r;
	struct dia_error err;
	uint8_t v[4] = { 0, 0, 0, 1 };

	raw_hdr(&r, DIA_FLAG_R, 280, 0);
	raw_avp(&r, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0, 7, v, 4);
	raw_end(&r);
	decode_fail(r.m, r.n, DIA_INVALID_AVP_LENGTH, &err);
	/* Failed-AVP: the header with a zero Unsigned32 (RFC 6733 §7.1.5) */
	ck_assert_ptr_eq(err.failed, err.synth);
	ck_assert_uint_eq(err.failed_len, 12);
	ck_assert_hex(err.failed, 12, "00000116" "4000000c" "00000000");
	/* length 0: the same */
	wr24(r.m + 25, 0);
	decode_fail(r.m, r.n, DIA_INVALID_AVP_LENGTH, &err);
	ck_assert_hex(err.failed, 12, "00000116" "4000000c" "00000000");
}
END_TEST

START_TEST(test_mal_avp_lt12_vendor)
{
	struct raw r;
	struct dia_error err;
	uint8_t v[4] = { 0, 0, 0, 1 };

	raw_hdr(&r, DIA_FLAG_R, 303, DIA_APP_ZH);
	/* V flag but length 8..11 */
	raw_avp(&r, DIA_AVP_GUSS_TIMESTAMP, DIA_AVP_V, V3GPP, 11, v, 4);
	raw_end(&r);
	decode_fail(r.m, r.n, DIA_INVALID_AVP_LENGTH, &err);
	ck_assert_uint_eq(err.failed_len, 16);
	ck_assert_hex(err.failed, 16, "00000199" "80000010" "000028af"
	    "00000000");
	/* V flag and only 8 octets left in the message */
	raw_hdr(&r, DIA_FLAG_R, 303, DIA_APP_ZH);
	raw_avp(&r, DIA_AVP_GUSS_TIMESTAMP, DIA_AVP_V, 0, 12, NULL, 0);
	r.n = 28;
	raw_end(&r);
	decode_fail(r.m, r.n, DIA_INVALID_AVP_LENGTH, &err);
	ck_assert_uint_eq(err.failed_len, 12);	/* vendor 0: unknown type */
	ck_assert_hex(err.failed, 12, "00000199" "8000000c" "00000000");
}
END_TEST

START_TEST(test_mal_avp_overrun)
{
	struct raw r;
	struct dia_error err;

	raw_hdr(&r, DIA_FLAG_R, 280, 0);
	raw_put(&r, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "hss.home1.net", 13);
	raw_avp(&r, DIA_AVP_SIP_ITEM_NUMBER, VM, V3GPP, 200, "\0\0\0\1", 4);
	raw_end(&r);
	decode_fail(r.m, r.n, DIA_INVALID_AVP_LENGTH, &err);
	ck_assert_uint_eq(err.failed_len, 16);
	ck_assert_hex(err.failed, 16, "00000265" "c0000010" "000028af"
	    "00000000");
	/* a grouped AVP overrunning: its header, empty */
	raw_hdr(&r, DIA_FLAG_R, 280, 0);
	raw_avp(&r, DIA_AVP_PROXY_INFO, DIA_AVP_M, 0, 0xffffff, NULL, 0);
	raw_end(&r);
	decode_fail(r.m, r.n, DIA_INVALID_AVP_LENGTH, &err);
	ck_assert_hex(err.failed, err.failed_len, "0000011c" "40000008");
	/* a header cut short by the end of the message */
	raw_hdr(&r, DIA_FLAG_R, 280, 0);
	r.m[20] = 0;
	r.m[21] = 0;
	r.m[22] = 0x01;
	r.m[23] = 0x08;
	r.n = 24;
	raw_end(&r);
	decode_fail(r.m, r.n, DIA_INVALID_AVP_LENGTH, &err);
	ck_assert_hex(err.failed, err.failed_len, "00000108" "00000008");
}
END_TEST

START_TEST(test_mal_avp_overrun_group)
{
	struct raw r, g;
	struct dia_error err;
	size_t off;

	/* a child whose length runs past its group but not past the message */
	memset(&g, 0, sizeof(g));
	raw_avp(&g, DIA_AVP_SIP_ITEM_NUMBER, VM, V3GPP, 24, "\0\0\0\1", 4);
	raw_hdr(&r, DIA_FLAG_R, 303, DIA_APP_ZH);
	off = raw_put(&r, DIA_AVP_SIP_AUTH_DATA_ITEM, VM, V3GPP, g.m, g.n);
	raw_put(&r, DIA_AVP_USER_NAME, DIA_AVP_M, 0, "abcd", 4);
	raw_end(&r);
	ck_assert_uint_eq(off, 20);
	decode_fail(r.m, r.n, DIA_INVALID_AVP_LENGTH, &err);
	ck_assert_hex(err.failed, err.failed_len, "00000265" "c0000010"
	    "000028af" "00000000");

	/* a child whose padding runs past its group: group length 12+13 */
	memset(&g, 0, sizeof(g));
	raw_put(&g, DIA_AVP_SIP_AUTH_SCHEME, VM, V3GPP, "a", 1);
	raw_hdr(&r, DIA_FLAG_R, 303, DIA_APP_ZH);
	raw_avp(&r, DIA_AVP_SIP_AUTH_DATA_ITEM, VM, V3GPP, 12 + 13, g.m, 13);
	raw_end(&r);
	decode_fail(r.m, r.n, DIA_INVALID_AVP_LENGTH, &err);
	ck_assert_ptr_eq(err.failed, r.m + 32);	/* the child, as it is */
	ck_assert_uint_eq(err.failed_len, 13);
}
END_TEST

START_TEST(test_mal_padding)
{
	struct raw r;
	struct dia_error err;
	size_t off;

	raw_hdr(&r, DIA_FLAG_R, 280, 0);
	off = raw_put(&r, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "a.b.c", 5);
	raw_end(&r);
	dia_msg_free(decode_ok(r.m, r.n));
	r.m[off + 8 + 5 + 2] = 0x01;	/* the last padding octet */
	decode_fail(r.m, r.n, DIA_INVALID_AVP_LENGTH, &err);
	ck_assert_ptr_eq(err.failed, r.m + off);	/* into the input */
	ck_assert_uint_eq(err.failed_len, 13);
}
END_TEST

START_TEST(test_mal_depth)
{
	struct raw r;
	struct dia_error err;
	size_t n, i, lvl = DIA_DEPTH_MAX + 1, sz[DIA_DEPTH_MAX + 2];
	uint8_t inner[8] = { 0, 0, 0x02, 0x65, 0x40, 0, 0, 8 };

	/* DIA_DEPTH_MAX + 1 nested Vendor-Specific-Application-Id around
	 * one more AVP: the innermost group sits at depth 9 */
	raw_hdr(&r, DIA_FLAG_R, 257, 0);
	sz[lvl] = sizeof(inner);
	for (i = lvl; i-- > 0;)
		sz[i] = sz[i + 1] + 8;
	for (i = 0; i < lvl; i++) {
		wr32(r.m + r.n, DIA_AVP_VENDOR_SPECIFIC_APP_ID);
		r.m[r.n + 4] = DIA_AVP_M;
		wr24(r.m + r.n + 5, (uint32_t)sz[i]);
		r.n += 8;
	}
	memcpy(r.m + r.n, inner, sizeof(inner));
	r.n += sizeof(inner);
	raw_end(&r);
	decode_fail(r.m, r.n, DIA_UNABLE_TO_COMPLY, &err);
	/* the group at depth DIA_DEPTH_MAX whose children would be too deep */
	ck_assert_ptr_eq(err.failed, r.m + 20 + 8 * DIA_DEPTH_MAX);
	ck_assert_uint_eq(err.failed_len, 16);

	/* one level less decodes */
	raw_hdr(&r, DIA_FLAG_R, 257, 0);
	for (i = 1; i < lvl; i++) {
		wr32(r.m + r.n, DIA_AVP_VENDOR_SPECIFIC_APP_ID);
		r.m[r.n + 4] = DIA_AVP_M;
		wr24(r.m + r.n + 5, (uint32_t)sz[i]);
		r.n += 8;
	}
	memcpy(r.m + r.n, inner, sizeof(inner));
	r.n += sizeof(inner);
	raw_end(&r);
	n = r.n;
	{
		struct dia_msg *msg = decode_ok(r.m, n);

		ck_assert_uint_eq(msg->n_avps, DIA_DEPTH_MAX + 1);
		ck_assert_int_eq(msg->avps[DIA_DEPTH_MAX].depth,
		    DIA_DEPTH_MAX);
		dia_msg_free(msg);
	}
}
END_TEST

START_TEST(test_mal_too_many)
{
	struct raw r;
	struct dia_error err;
	struct dia_msg *msg;
	int i;

	raw_hdr(&r, DIA_FLAG_R, 280, 0);
	for (i = 0; i < DIA_AVPS_MAX; i++)
		raw_put(&r, 70000, 0, 0, NULL, 0);
	raw_end(&r);
	msg = decode_ok(r.m, r.n);
	ck_assert_uint_eq(msg->n_avps, DIA_AVPS_MAX);
	dia_msg_free(msg);
	raw_put(&r, 70000, 0, 0, NULL, 0);
	raw_end(&r);
	decode_fail(r.m, r.n, DIA_UNABLE_TO_COMPLY, &err);
	ck_assert_ptr_null(err.failed);
}
END_TEST

START_TEST(test_mal_hdr_bits)
{
	struct raw r;
	struct dia_error err;
	uint8_t bits;

	for (bits = 0x01; bits <= 0x08; bits <<= 1) {
		memcpy(r.m, cer_octets, sizeof(cer_octets));
		r.m[4] |= bits;
		decode_fail(r.m, sizeof(cer_octets), DIA_INVALID_HDR_BITS,
		    &err);
		ck_assert_ptr_null(err.failed);
	}
}
END_TEST

START_TEST(test_mal_r_and_e)
{
	struct raw r;
	struct dia_error err;
	struct dia_msg *msg;

	memcpy(r.m, cer_octets, sizeof(cer_octets));
	r.m[4] = DIA_FLAG_R | DIA_FLAG_E;
	decode_fail(r.m, sizeof(cer_octets), DIA_INVALID_HDR_BITS, &err);
	/* E on an answer is fine, so are P and T on a request */
	r.m[4] = DIA_FLAG_E | DIA_FLAG_P;
	msg = decode_ok(r.m, sizeof(cer_octets));
	dia_msg_free(msg);
	r.m[4] = DIA_FLAG_R | DIA_FLAG_P | DIA_FLAG_T;
	msg = decode_ok(r.m, sizeof(cer_octets));
	dia_msg_free(msg);
}
END_TEST

START_TEST(test_mal_avp_bits)
{
	struct raw r;
	struct dia_error err;
	struct dia_msg *msg;
	size_t off;

	raw_hdr(&r, DIA_FLAG_R, 280, 0);
	raw_put(&r, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "a.b", 3);
	off = raw_put(&r, DIA_AVP_ORIGIN_REALM, DIA_AVP_M | 0x04, 0, "b", 1);
	raw_end(&r);
	decode_fail(r.m, r.n, DIA_INVALID_AVP_BITS, &err);
	ck_assert_ptr_eq(err.failed, r.m + off);
	ck_assert_uint_eq(err.failed_len, 9);
	/* the P bit is reserved but tolerated (RFC 6733 §4.1 SHOULD) */
	r.m[off + 4] = DIA_AVP_M | DIA_AVP_P;
	msg = decode_ok(r.m, r.n);
	ck_assert_uint_eq(msg->avps[1].flags, DIA_AVP_M | DIA_AVP_P);
	dia_msg_free(msg);
}
END_TEST

/* An unknown AVP with M → 5001 with the AVP; the error answer carries it. */
START_TEST(test_mandatory_unknown)
{
	struct raw r;
	struct dia_error err;
	struct dia_msg *msg, *ans;
	struct dia_build d;
	struct buf b;
	const struct dia_avp *f, *a;
	char s[128];
	uint32_t u;
	size_t off;

	raw_hdr(&r, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_MA, DIA_APP_ZH);
	raw_put(&r, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, "s;1;1", 5);
	off = raw_put(&r, 4242, VM, 99, "xyz", 3);
	raw_end(&r);
	msg = decode_ok(r.m, r.n);
	ck_assert_int_eq(dia_msg_check_mandatory(msg, &err), -1);
	ck_assert_uint_eq(err.result, DIA_AVP_UNSUPPORTED);
	ck_assert_ptr_eq(err.failed, msg->octets + off);
	ck_assert_uint_eq(err.failed_len, 15);

	buf_init(&b, 4096);
	dia_build_answer(&d, &b, msg, 0);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "hss.home1.net");
	dia_put_error(&d, &err);
	ck_assert_int_eq(dia_build_end(&d), 0);
	ans = decode_ok(b.data, b.len);
	ck_assert_uint_eq(ans->flags, DIA_FLAG_P);	/* 5xxx: no E */
	ck_assert_int_eq(dia_avp_u32(dia_msg_find(ans, NULL,
	    DIA_AVP_RESULT_CODE, 0, NULL), &u, NULL), 0);
	ck_assert_uint_eq(u, 5001);
	a = dia_msg_find(ans, NULL, DIA_AVP_ERROR_MESSAGE, 0, NULL);
	ck_assert_uint_eq(a->flags, 0);
	ck_assert_int_eq(dia_avp_utf8(a, s, sizeof(s), NULL), 0);
	ck_assert_str_eq(s, err.reason);
	f = dia_msg_find(ans, NULL, DIA_AVP_FAILED_AVP, 0, NULL);
	ck_assert_ptr_nonnull(f);
	a = dia_msg_find(ans, f, 4242, 99, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_mem_eq(a->raw, msg->octets + off, 15);
	/* the echoed unknown AVP does not fail the answer */
	ck_assert_int_eq(dia_msg_check_mandatory(ans, NULL), 0);
	dia_msg_free(ans);
	dia_msg_free(msg);
	buf_clear(&b);
}
END_TEST

START_TEST(test_unknown_not_mandatory)
{
	struct raw r;
	struct dia_msg *msg;
	struct dia_error err;
	struct buf out;

	raw_hdr(&r, DIA_FLAG_R, 280, 0);
	raw_put(&r, 4242, 0, 0, "\x01\x02", 2);
	raw_put(&r, 4243, DIA_AVP_V, 99, "abc", 3);
	raw_end(&r);
	msg = decode_ok(r.m, r.n);
	ck_assert_uint_eq(msg->n_avps, 2);
	ck_assert_int_eq(dia_msg_check_mandatory(msg, &err), 0);
	buf_init(&out, 4096);
	ck_assert_int_eq(dia_msg_dump(msg, &out, 0), 0);
	ck_assert_ptr_nonnull(buf_cstr(&out));
	ck_assert_ptr_nonnull(strstr((char *)out.data,
	    "  Unknown (4242) ---: 0x0102 (2 octets)\n"));
	ck_assert_ptr_nonnull(strstr((char *)out.data,
	    "  Unknown (4243/99) V--: \"abc\" (3 octets)\n"));
	buf_clear(&out);
	dia_msg_free(msg);
}
END_TEST

/* A Failed-AVP whose contents do not decode is kept as opaque octets. */
START_TEST(test_failed_avp_opaque)
{
	struct raw r, g;
	struct dia_msg *msg;
	const struct dia_avp *f;

	memset(&g, 0, sizeof(g));
	raw_avp(&g, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M | 0x01, 0, 12,
	    "\0\0\0\1", 4);			/* reserved bit: 3009 alone */
	raw_hdr(&r, DIA_FLAG_E, 280, 0);
	raw_put(&r, DIA_AVP_RESULT_CODE, DIA_AVP_M, 0, "\0\0\x0b\xc1", 4);
	raw_put(&r, DIA_AVP_FAILED_AVP, DIA_AVP_M, 0, g.m, g.n);
	raw_put(&r, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "h.x", 3);
	raw_end(&r);
	msg = decode_ok(r.m, r.n);
	ck_assert_uint_eq(msg->n_avps, 3);
	f = dia_msg_find(msg, NULL, DIA_AVP_FAILED_AVP, 0, NULL);
	ck_assert_uint_eq(f->len, 12);
	ck_assert_ptr_null(dia_msg_find(msg, f, DIA_AVP_ORIGIN_STATE_ID, 0,
	    NULL));
	ck_assert_ptr_nonnull(dia_msg_find(msg, NULL, DIA_AVP_ORIGIN_HOST, 0,
	    NULL));
	dia_msg_free(msg);
}
END_TEST

struct missing_vec {
	uint32_t	 code;
	uint32_t	 vendor;
	const char	*want;		/* the Failed-AVP example, hex */
};

static const struct missing_vec missing_vecs[] = {
	/* Auth-Session-State: M, Enumerated → 4 zero octets */
	{ 277, 0, "00000115" "4000000c" "00000000" },
	/* Origin-Host: M, DiameterIdentity → empty */
	{ 264, 0, "00000108" "40000008" },
	/* Transaction-Identifier: V M, 10415, OctetString → empty */
	{ 401, V3GPP, "00000191" "c000000c" "000028af" },
	/* GUSS-Timestamp: V only, Time → 4 zero octets */
	{ 409, V3GPP, "00000199" "80000010" "000028af" "00000000" },
	/* SIP-Auth-Data-Item: grouped → empty */
	{ 612, V3GPP, "00000264" "c000000c" "000028af" },
	/* Accounting-Sub-Session-Id: Unsigned64 → 8 zero octets */
	{ 287, 0, "0000011f" "40000010" "00000000" "00000000" },
	/* Host-IP-Address: Address → family 0 and 4 octets */
	{ 257, 0, "00000101" "4000000e" "00000000" "0000" },
	/* unknown: M, empty */
	{ 7777, 0, "00001e61" "40000008" },
};

START_TEST(test_missing_avp)
{
	const struct missing_vec *v = &missing_vecs[_i];
	struct raw r;
	struct dia_error err;
	struct dia_msg *msg, *ans;
	struct dia_build d;
	struct buf b;
	const struct dia_avp *f, *a;
	uint32_t u;

	/* a DWR with nothing but Origin-State-Id */
	raw_hdr(&r, DIA_FLAG_R, DIA_CMD_DW, 0);
	raw_put(&r, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0, "\0\0\0\1", 4);
	raw_end(&r);
	msg = decode_ok(r.m, r.n);
	memset(&err, 0x55, sizeof(err));
	ck_assert_ptr_null(dia_msg_require(msg, NULL, v->code, v->vendor,
	    &err));
	ck_assert_uint_eq(err.result, DIA_MISSING_AVP);
	ck_assert_ptr_eq(err.failed, err.synth);
	ck_assert_hex(err.failed, err.failed_len, v->want);

	/* the error answer: Result-Code 5005 and Failed-AVP { example } */
	buf_init(&b, 4096);
	dia_build_answer(&d, &b, msg, 0);
	dia_put_error(&d, &err);
	ck_assert_int_eq(dia_build_end(&d), 0);
	ans = decode_ok(b.data, b.len);
	ck_assert_int_eq(dia_avp_u32(dia_msg_find(ans, NULL,
	    DIA_AVP_RESULT_CODE, 0, NULL), &u, NULL), 0);
	ck_assert_uint_eq(u, 5005);
	f = dia_msg_find(ans, NULL, DIA_AVP_FAILED_AVP, 0, NULL);
	a = dia_msg_find(ans, f, v->code, v->vendor, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_hex(a->raw, a->raw_len, v->want);
	dia_msg_free(ans);
	dia_msg_free(msg);
	buf_clear(&b);
}
END_TEST

START_TEST(test_require_found)
{
	struct dia_msg *msg;
	struct dia_error err;
	const struct dia_avp *g, *a;

	msg = decode_ok(cer_octets, sizeof(cer_octets));
	memset(&err, 0, sizeof(err));
	a = dia_msg_require(msg, NULL, DIA_AVP_PRODUCT_NAME, 0, &err);
	ck_assert_ptr_eq(a, &msg->avps[4]);
	ck_assert_uint_eq(err.result, 0);
	g = dia_msg_require(msg, NULL, DIA_AVP_VENDOR_SPECIFIC_APP_ID, 0,
	    &err);
	ck_assert_ptr_nonnull(dia_msg_require(msg, g,
	    DIA_AVP_AUTH_APPLICATION_ID, 0, &err));
	/* not in the group, though at the top level */
	ck_assert_ptr_null(dia_msg_require(msg, g, DIA_AVP_ORIGIN_HOST, 0,
	    &err));
	ck_assert_uint_eq(err.result, DIA_MISSING_AVP);
	ck_assert_ptr_null(dia_msg_require(msg, NULL, 1, 0, NULL));
	dia_msg_free(msg);
}
END_TEST

/* An error answer for a decode failure round-trips (5014, with the E bit
 * for 3008). */
START_TEST(test_error_answer_decode_failure)
{
	struct raw r;
	struct dia_error err;
	struct dia_msg *ans;
	struct dia_build d;
	struct buf b;
	const struct dia_avp *f, *a;

	raw_hdr(&r, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_MA, DIA_APP_ZH);
	raw_put(&r, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, "s;1;1", 5);
	raw_avp(&r, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 99, "\0\0\0\1",
	    4);
	raw_end(&r);
	decode_fail(r.m, r.n, DIA_INVALID_AVP_LENGTH, &err);
	buf_init(&b, 4096);
	/* no decoded request: the header from the octets */
	dia_build_begin(&d, &b, r.m[4] & DIA_FLAG_P, rd24(r.m + 5),
	    rd32(r.m + 8), rd32(r.m + 12), rd32(r.m + 16));
	dia_put_error(&d, &err);
	ck_assert_int_eq(dia_build_end(&d), 0);
	ans = decode_ok(b.data, b.len);
	ck_assert_uint_eq(ans->hbh, 0x01020304);
	f = dia_msg_find(ans, NULL, DIA_AVP_FAILED_AVP, 0, NULL);
	a = dia_msg_find(ans, f, DIA_AVP_AUTH_SESSION_STATE, 0, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_hex(a->raw, a->raw_len, "00000115" "4000000c" "00000000");
	dia_msg_free(ans);

	/* 3008: E bit, no Failed-AVP */
	buf_reset(&b);
	r.m[4] |= 0x02;
	decode_fail(r.m, r.n, DIA_INVALID_HDR_BITS, &err);
	dia_build_begin(&d, &b, DIA_FLAG_P, DIA_CMD_MA, DIA_APP_ZH, 1, 2);
	dia_put_error(&d, &err);
	ck_assert_int_eq(dia_build_end(&d), 0);
	ans = decode_ok(b.data, b.len);
	ck_assert_uint_eq(ans->flags, DIA_FLAG_P | DIA_FLAG_E);
	ck_assert_uint_eq(ans->n_avps, 2);	/* Result-Code, Error-Message */
	ck_assert_ptr_null(dia_msg_find(ans, NULL, DIA_AVP_FAILED_AVP, 0,
	    NULL));
	dia_msg_free(ans);
	buf_clear(&b);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Accessor errors                                                        */

/* One AVP of `dlen` octets in a message; returns the decoded message. */
static struct dia_msg *
one_avp(uint32_t code, uint8_t flags, uint32_t vendor, const void *data,
    size_t dlen)
{
	struct raw r;

	raw_hdr(&r, DIA_FLAG_R, 280, 0);
	raw_put(&r, code, flags, vendor, data, dlen);
	raw_end(&r);
	return decode_ok(r.m, r.n);
}

static const char *bad_utf8[] = {
	"\xc0\x80",		/* overlong NUL */
	"\xc1\xbf",		/* overlong */
	"\xe0\x80\xaf",		/* overlong '/' */
	"\xed\xa0\x80",		/* surrogate D800 */
	"\xf4\x90\x80\x80",	/* U+110000 */
	"\xf8\x88\x80\x80\x80",	/* 5 octets */
	"\x80",			/* lone continuation */
	"ab\xc3",		/* truncated */
	"\xe6\x97",		/* truncated */
	"a\xc3\x62",		/* missing continuation ("b") */
	"\xff",
};

START_TEST(test_bad_utf8)
{
	const char *s = bad_utf8[_i];
	struct dia_msg *msg;
	struct dia_error err;
	char out[64] = "junk";

	msg = one_avp(DIA_AVP_USER_NAME, DIA_AVP_M, 0, s, strlen(s));
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(dia_avp_utf8(&msg->avps[0], out, sizeof(out), &err),
	    -1);
	ck_assert_uint_eq(err.result, DIA_INVALID_AVP_VALUE);
	ck_assert_ptr_eq(err.failed, msg->avps[0].raw);
	ck_assert_uint_eq(err.failed_len, 8 + strlen(s));
	ck_assert_str_eq(out, "");
	dia_msg_free(msg);
}
END_TEST

START_TEST(test_utf8_nul_and_size)
{
	struct dia_msg *msg;
	struct dia_error err;
	char out[8];

	msg = one_avp(DIA_AVP_USER_NAME, DIA_AVP_M, 0, "ab\0cd", 5);
	ck_assert_int_eq(dia_avp_utf8(&msg->avps[0], out, sizeof(out), &err),
	    -1);
	ck_assert_uint_eq(err.result, DIA_INVALID_AVP_VALUE);
	dia_msg_free(msg);
	msg = one_avp(DIA_AVP_USER_NAME, DIA_AVP_M, 0, "12345678", 8);
	ck_assert_int_eq(dia_avp_utf8(&msg->avps[0], out, sizeof(out), &err),
	    -1);		/* 8 + NUL does not fit in 8 */
	ck_assert_uint_eq(err.result, DIA_INVALID_AVP_VALUE);
	ck_assert_int_eq(dia_avp_utf8(&msg->avps[0], out, 0, NULL), -1);
	dia_msg_free(msg);
	/* the largest code point and the last before the surrogates */
	msg = one_avp(DIA_AVP_USER_NAME, DIA_AVP_M, 0,
	    "\xf4\x8f\xbf\xbf\xed\x9f\xbf", 7);
	ck_assert_int_eq(dia_avp_utf8(&msg->avps[0], out, sizeof(out), &err),
	    0);
	dia_msg_free(msg);
}
END_TEST

START_TEST(test_bad_identity)
{
	static const char *bad[] = { "", "a b", "h\xc3\xa9.net", "a\tb",
	    "a\x7f" };
	struct dia_msg *msg;
	struct dia_error err;
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg = one_avp(DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, bad[i],
		    strlen(bad[i]));
		ck_assert_int_eq(dia_avp_identity(&msg->avps[0], out,
		    sizeof(out), &err), -1);
		ck_assert_uint_eq(err.result, DIA_INVALID_AVP_VALUE);
		dia_msg_free(msg);
	}
	msg = one_avp(DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "hss.home1.net", 13);
	ck_assert_int_eq(dia_avp_identity(&msg->avps[0], out, 13, &err), -1);
	ck_assert_int_eq(dia_avp_identity(&msg->avps[0], out, 14, &err), 0);
	ck_assert_str_eq(out, "hss.home1.net");
	dia_msg_free(msg);
}
END_TEST

START_TEST(test_bad_address)
{
	struct dia_msg *msg;
	struct dia_error err;
	struct sockaddr_storage ss;

	/* family 3 (NSAP) */
	msg = one_avp(DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    "\x00\x03\x01\x02\x03\x04", 6);
	ck_assert_int_eq(dia_avp_address(&msg->avps[0], &ss, &err), -1);
	ck_assert_uint_eq(err.result, DIA_INVALID_AVP_VALUE);
	ck_assert_ptr_eq(err.failed, msg->avps[0].raw);
	dia_msg_free(msg);
	/* IPv4 with 16 octets */
	msg = one_avp(DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    "\x00\x01" "0123456789abcdef", 18);
	ck_assert_int_eq(dia_avp_address(&msg->avps[0], &ss, &err), -1);
	ck_assert_uint_eq(err.result, DIA_INVALID_AVP_LENGTH);
	dia_msg_free(msg);
	/* IPv6 with 4 octets */
	msg = one_avp(DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    "\x00\x02\x01\x02\x03\x04", 6);
	ck_assert_int_eq(dia_avp_address(&msg->avps[0], &ss, &err), -1);
	ck_assert_uint_eq(err.result, DIA_INVALID_AVP_LENGTH);
	dia_msg_free(msg);
	/* no room for a family */
	msg = one_avp(DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0, "\x00", 1);
	ck_assert_int_eq(dia_avp_address(&msg->avps[0], &ss, &err), -1);
	ck_assert_uint_eq(err.result, DIA_INVALID_AVP_LENGTH);
	ck_assert_int_eq(dia_avp_address(&msg->avps[0], &ss, NULL), -1);
	dia_msg_free(msg);
}
END_TEST

START_TEST(test_bad_int_length)
{
	struct dia_msg *msg;
	struct dia_error err;
	uint32_t u32;
	uint64_t u64;
	int32_t i32;
	time_t t;
	size_t n;

	for (n = 0; n <= 9; n++) {
		msg = one_avp(DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0,
		    "\1\2\3\4\5\6\7\10\11", n);
		memset(&err, 0, sizeof(err));
		ck_assert_int_eq(dia_avp_u32(&msg->avps[0], &u32, &err),
		    n == 4 ? 0 : -1);
		ck_assert_int_eq(dia_avp_i32(&msg->avps[0], &i32, NULL),
		    n == 4 ? 0 : -1);
		ck_assert_int_eq(dia_avp_time(&msg->avps[0], &t, NULL),
		    n == 4 ? 0 : -1);
		ck_assert_int_eq(dia_avp_u64(&msg->avps[0], &u64, NULL),
		    n == 8 ? 0 : -1);
		if (n != 4) {
			ck_assert_uint_eq(err.result, DIA_INVALID_AVP_LENGTH);
			ck_assert_ptr_eq(err.failed, msg->avps[0].raw);
			ck_assert_uint_eq(err.failed_len, 8 + n);
		} else
			ck_assert_uint_eq(u32, 0x01020304);
		dia_msg_free(msg);
	}
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Dump                                                                   */

START_TEST(test_dump_maa)
{
	struct buf b, out;
	struct dia_msg *msg;
	const char *s;

	buf_init(&b, 4096);
	build_maa(&b);
	msg = decode_ok(b.data, b.len);
	buf_init(&out, 16384);
	ck_assert_int_eq(dia_msg_dump(msg, &out, 0), 0);
	s = buf_cstr(&out);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_eq(strstr(s, "MAA (303) flags -P-- app 16777221 "
	    "\"3GPP Zh\" hbh 0x00000007 e2e 0x00000009 len "), s);
	ck_assert_ptr_nonnull(strstr(s,
	    "\n  Session-Id (263) -M-: \"bsf.home1.net;1;2\"\n"));
	ck_assert_ptr_nonnull(strstr(s,
	    "\n  Vendor-Specific-Application-Id (260) -M-:\n"
	    "    Vendor-Id (266) -M-: 10415 3GPP\n"
	    "    Auth-Application-Id (258) -M-: 16777221 3GPP Zh\n"));
	ck_assert_ptr_nonnull(strstr(s,
	    "\n  Result-Code (268) -M-: 2001 DIAMETER_SUCCESS\n"));
	ck_assert_ptr_nonnull(strstr(s,
	    "\n  Auth-Session-State (277) -M-: 1 NO_STATE_MAINTAINED\n"));
	ck_assert_ptr_nonnull(strstr(s,
	    "\n  Origin-Host (264) -M-: \"hss.home1.net\"\n"));
	ck_assert_ptr_nonnull(strstr(s,
	    "\n  SIP-Auth-Data-Item (612/10415) VM-:\n"
	    "    SIP-Authentication-Scheme (608/10415) VM-: "
	    "\"Digest-AKAv1-MD5\"\n"
	    "    SIP-Authenticate (609/10415) VM-: 0xa1a1a1a1a1a1a1a1a1a1a1a1"
	    "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1 (32 octets)\n"
	    "    SIP-Authorization (610/10415) VM-: [hidden] (8 octets)\n"
	    "    Confidentiality-Key (625/10415) VM-: [hidden] (16 octets)\n"
	    "    Integrity-Key (626/10415) VM-: [hidden] (16 octets)\n"));
	ck_assert_ptr_nonnull(strstr(s,
	    "\n  GUSS-Timestamp (409/10415) V--: 2023-11-14T22:13:20Z\n"));
	ck_assert_ptr_nonnull(strstr(s, "\n  GBA-UserSecSettings (400/10415) "
	    "VM-: \"<guss xmlns=\\\"urn:3gpp:gba:GBAGUSSSchema-R9:2010-02\\\">"));
	/* no key octets anywhere */
	ck_assert_ptr_null(strstr(s, "b2b2"));
	ck_assert_ptr_null(strstr(s, "c3c3"));
	ck_assert_ptr_null(strstr(s, "d4d4"));

	buf_reset(&out);
	ck_assert_int_eq(dia_msg_dump(msg, &out, 1), 0);
	s = buf_cstr(&out);
	ck_assert_ptr_nonnull(strstr(s, "    Confidentiality-Key (625/10415) "
	    "VM-: 0xc3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3 (16 octets)\n"));
	ck_assert_ptr_nonnull(strstr(s, "    Integrity-Key (626/10415) "
	    "VM-: 0xd4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4 (16 octets)\n"));
	ck_assert_ptr_nonnull(strstr(s, "    SIP-Authorization (610/10415) "
	    "VM-: 0xb2b2b2b2b2b2b2b2 (8 octets)\n"));
	ck_assert_ptr_null(strstr(s, "[hidden]"));
	buf_clear(&out);
	dia_msg_free(msg);
	buf_clear(&b);
}
END_TEST

START_TEST(test_dump_values)
{
	struct dia_build d;
	struct buf b, out;
	struct dia_msg *msg;
	struct sockaddr_in6 sin6;
	uint8_t ks[32], big[100];
	const char *s;

	memset(ks, 0xee, sizeof(ks));
	memset(big, 0x01, sizeof(big));
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	buf_init(&b, 4096);
	dia_build_begin(&d, &b, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_BI,
	    DIA_APP_ZN, 1, 2);
	dia_put_address(&d, DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    (struct sockaddr *)&sin6);
	dia_put(&d, DIA_AVP_ME_KEY_MATERIAL, VM, V3GPP, ks, sizeof(ks));
	dia_put(&d, DIA_AVP_UICC_KEY_MATERIAL, VM, V3GPP, ks, sizeof(ks));
	dia_put(&d, DIA_AVP_PROXY_STATE, DIA_AVP_M, 0, big, sizeof(big));
	dia_put_u32(&d, DIA_AVP_GBA_TYPE, VM, V3GPP, 1);
	dia_put_u32(&d, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0, 3);
	dia_put_u32(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, 0);	/* not text */
	dia_put(&d, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0, "\1\2", 2);
	dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, "a\"b\\c\x01");
	dia_group_begin(&d, DIA_AVP_PROXY_INFO, DIA_AVP_M, 0);
	dia_group_end(&d);
	dia_put_u64(&d, 287, DIA_AVP_M, 0, 18446744073709551615ULL);
	ck_assert_int_eq(dia_build_end(&d), 0);
	msg = decode_ok(b.data, b.len);
	buf_init(&out, 16384);
	ck_assert_int_eq(dia_msg_dump(msg, &out, 0), 0);
	s = buf_cstr(&out);
	ck_assert_ptr_eq(strstr(s, "BIR (310) flags RP-- app 16777220 "
	    "\"3GPP Zn\""), s);
	ck_assert_ptr_nonnull(strstr(s, "  Host-IP-Address (257) -M-: ::1\n"));
	ck_assert_ptr_nonnull(strstr(s, "  ME-Key-Material (405/10415) VM-: "
	    "[hidden] (32 octets)\n"));
	ck_assert_ptr_nonnull(strstr(s, "  UICC-Key-Material (406/10415) "
	    "VM-: [hidden] (32 octets)\n"));
	ck_assert_ptr_nonnull(strstr(s, "  Proxy-State (33) -M-: 0x"
	    "0101010101010101010101010101010101010101010101010101010101010101"
	    "... (100 octets)\n"));
	ck_assert_ptr_nonnull(strstr(s, "  GBA-Type (410/10415) VM-: 1 2G GBA\n"));
	ck_assert_ptr_nonnull(strstr(s, "  Origin-State-Id (278) -M-: 3\n"));
	ck_assert_ptr_nonnull(strstr(s, "  Origin-Host (264) -M-: "
	    "\"\\x00\\x00\\x00\\x00\" <invalid identity>\n"));
	ck_assert_ptr_nonnull(strstr(s, "  Origin-State-Id (278) -M-: "
	    "<invalid> 0x0102 (2 octets)\n"));
	ck_assert_ptr_nonnull(strstr(s, "  User-Name (1) -M-: "
	    "\"a\\\"b\\\\c\\x01\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "  Proxy-Info (284) -M-: (empty)\n"));
	ck_assert_ptr_nonnull(strstr(s, "  Accounting-Sub-Session-Id (287) "
	    "-M-: 18446744073709551615\n"));
	ck_assert_ptr_null(strstr(s, "eeee"));
	buf_clear(&out);
	dia_msg_free(msg);
	buf_clear(&b);
}
END_TEST

START_TEST(test_dump_truncated)
{
	struct buf b, out;
	struct dia_msg *msg;

	buf_init(&b, 4096);
	build_maa(&b);
	msg = decode_ok(b.data, b.len);
	buf_init(&out, 200);
	ck_assert_int_eq(dia_msg_dump(msg, &out, 0), -1);
	ck_assert_uint_le(out.len, 200);
	/* whole lines only */
	ck_assert_uint_gt(out.len, 0);
	ck_assert_uint_eq(out.data[out.len - 1], '\n');
	buf_clear(&out);
	buf_init(&out, 10);
	ck_assert_int_eq(dia_msg_dump(msg, &out, 0), -1);
	ck_assert_uint_eq(out.len, 0);
	buf_clear(&out);
	dia_msg_free(msg);
	buf_clear(&b);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Session-Id                                                             */

START_TEST(test_session_id)
{
	char a[128], b[128], tiny[8];
	unsigned long ha, la, hb, lb;
	int n;

	ck_assert_int_eq(dia_session_id("bsf.home1.net", a, sizeof(a)), 0);
	ck_assert_int_eq(dia_session_id("bsf.home1.net", b, sizeof(b)), 0);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(strncmp(a, "bsf.home1.net;", 14), 0);
	n = 0;
	ck_assert_int_eq(sscanf(a + 14, "%lu;%lu%n", &ha, &la, &n), 2);
	ck_assert_uint_eq(strlen(a + 14), (size_t)n);
	ck_assert_int_eq(sscanf(b + 14, "%lu;%lu", &hb, &lb), 2);
	ck_assert_uint_eq(ha, hb);
	ck_assert_uint_eq(lb, la + 1);
	ck_assert_uint_le(ha, 0xffffffffUL);
	ck_assert_int_eq(dia_session_id("bsf.home1.net", tiny, sizeof(tiny)),
	    -1);
	ck_assert_str_eq(tiny, "");
	ck_assert_int_eq(dia_session_id("", a, sizeof(a)), -1);
	ck_assert_int_eq(dia_session_id(NULL, a, sizeof(a)), -1);
}
END_TEST

Suite *
suite_diameter(void)
{
	Suite *s = suite_create("diameter");
	TCase *tc;

	tc = tcase_create("dict");
	tcase_add_loop_test(tc, test_dict_entry, 0,
	    (int)(sizeof(dict_wants) / sizeof(dict_wants[0])));
	tcase_add_test(tc, test_dict_table);
	tcase_add_test(tc, test_dict_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("encode");
	tcase_add_test(tc, test_frame_len);
	tcase_add_test(tc, test_cer_exact);
	tcase_add_test(tc, test_rt_integers);
	tcase_add_loop_test(tc, test_rt_time, 0,
	    (int)(sizeof(time_vecs) / sizeof(time_vecs[0])));
	tcase_add_test(tc, test_time_range);
	tcase_add_test(tc, test_rt_address);
	tcase_add_test(tc, test_rt_text);
	tcase_add_loop_test(tc, test_rt_octets_padding, 0, 10);
	tcase_add_test(tc, test_rt_grouped);
	tcase_add_test(tc, test_rt_max_depth);
	tcase_add_test(tc, test_build_answer);
	tcase_add_test(tc, test_build_cap);
	tcase_add_test(tc, test_build_misuse);
	tcase_add_test(tc, test_build_flags);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_test(tc, test_mal_truncated_header);
	tcase_add_test(tc, test_mal_length_larger);
	tcase_add_test(tc, test_mal_length_smaller);
	tcase_add_test(tc, test_mal_length_not4);
	tcase_add_test(tc, test_mal_over_cap);
	tcase_add_test(tc, test_mal_version);
	tcase_add_test(tc, test_mal_avp_lt8);
	tcase_add_test(tc, test_mal_avp_lt12_vendor);
	tcase_add_test(tc, test_mal_avp_overrun);
	tcase_add_test(tc, test_mal_avp_overrun_group);
	tcase_add_test(tc, test_mal_padding);
	tcase_add_test(tc, test_mal_depth);
	tcase_add_test(tc, test_mal_too_many);
	tcase_add_test(tc, test_mal_hdr_bits);
	tcase_add_test(tc, test_mal_r_and_e);
	tcase_add_test(tc, test_mal_avp_bits);
	tcase_add_test(tc, test_mandatory_unknown);
	tcase_add_test(tc, test_unknown_not_mandatory);
	tcase_add_test(tc, test_failed_avp_opaque);
	tcase_add_loop_test(tc, test_missing_avp, 0,
	    (int)(sizeof(missing_vecs) / sizeof(missing_vecs[0])));
	tcase_add_test(tc, test_require_found);
	tcase_add_test(tc, test_error_answer_decode_failure);
	suite_add_tcase(s, tc);

	tc = tcase_create("accessors");
	tcase_add_loop_test(tc, test_bad_utf8, 0,
	    (int)(sizeof(bad_utf8) / sizeof(bad_utf8[0])));
	tcase_add_test(tc, test_utf8_nul_and_size);
	tcase_add_test(tc, test_bad_identity);
	tcase_add_test(tc, test_bad_address);
	tcase_add_test(tc, test_bad_int_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("dump");
	tcase_add_test(tc, test_dump_maa);
	tcase_add_test(tc, test_dump_values);
	tcase_add_test(tc, test_dump_truncated);
	tcase_add_test(tc, test_session_id);
	suite_add_tcase(s, tc);

	return s;
}
