/*
 * gen_corpus.c — writes real Diameter messages, built with the codec, one
 * binary file each, into a directory: the seed corpus of the Diameter
 * fuzz target (`make fuzz-corpus` writes tests/fuzz/diameter/corpus/) and
 * the input of tests/interop/tshark-decode.sh.
 *
 *	diameter-gen-corpus DIR
 *
 * prints one line per message written: "DIR/NAME OCTETS AVPS APP-ID".
 *
 * The messages follow GBA.md §4 (Zh MAR/MAA, Zn BIR/BIA) and RFC 6733
 * §5 (CER/CEA, DWR/DWA, DPR/DPA), with the values of GBA.md §7 (Milenage
 * Test Set 1) and §5.4 (the AUTS of Test Set 20). Everything is fixed,
 * so that the output is the same on every run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diameter.h"
#include "hex.h"

#define V3GPP	DIA_VENDOR_3GPP
#define VM	(DIA_AVP_V | DIA_AVP_M)

#define BSF_HOST	"bsf.home1.net"
#define HSS_HOST	"hss.home1.net"
#define NAF_HOST	"naf1.home1.net"
#define REALM		"home1.net"
#define IMPI		"user1_private@home1.net"
#define IMPU		"sip:user1_public1@home1.net"
#define SID_ZH		BSF_HOST ";1700000000;1"
#define SID_ZN		NAF_HOST ";1700000000;7"
#define BTID		"I1U8vpY3qJ0hiuZNrke/NQ==@" BSF_HOST
#define T_NOW		1700000000	/* 2023-11-14T22:13:20Z */

/* GBA.md §7.1 (Milenage Test Set 1) */
#define TS1_RAND	"23553cbe9637a89d218ae64dae47bf35"
#define TS1_AUTN	"55f328b43577b9b94a9ffac354dfafb3"
#define TS1_RES		"a54211d5e3ba50bf"
#define TS1_CK		"b40ba9a3c58b2a05bbf0d987b21bf8cb"
#define TS1_IK		"f769bcd751044604127672711c6d3441"
/* GBA.md §5.4 (Test Set 20 RAND and AUTS) */
#define TS20_RAND	"9fddc72092c6ad036b6e464789315b78"
#define TS20_AUTS	"4f2039392ddd4bb4316ed4a14688"
/* a Ks_NAF, for the BIA only */
#define KS_NAF		"0f1e2d3c4b5a69788796a5b4c3d2e1f0" \
			"00112233445566778899aabbccddeeff"

static const char guss[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<guss id=\"" IMPI "\" xmlns=\"urn:3gpp:gba:GBAGUSSSchema-R9:2010-02\">"
    "<bsfInfo><lifeTime>86400</lifeTime></bsfInfo>"
    "<ussList><uss id=\"1\" type=\"1\" nafGroup=\"A\"><uids>"
    "<uid>" IMPU "</uid></uids></uss></ussList></guss>\n";

static const char uss_list[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ussList xmlns=\"urn:3gpp:gba:GBAGUSSSchema-R9:2010-02\">"
    "<uss id=\"1\" type=\"1\" nafGroup=\"A\"><uids>"
    "<uid>" IMPU "</uid></uids></uss></ussList>\n";

static const char *outdir;
static int failures;

static void
unhex(const char *hex, uint8_t *out, size_t len)
{
	if (hex_decode_exact(hex, out, len) == -1) {
		fprintf(stderr, "gen-corpus: bad hex %s\n", hex);
		exit(1);
	}
}

/*
 * Finish the message, check that it decodes, write it to DIR/name and
 * print "DIR/name OCTETS AVPS APP" (AVPS counted at every level), which
 * tests/interop/tshark-decode.sh compares with what tshark sees.
 */
static void
emit(const char *name, struct dia_build *d, struct buf *b)
{
	struct dia_msg *msg = NULL;
	struct dia_error err;
	char path[1024];
	FILE *f;

	if (dia_build_end(d) == -1 ||
	    dia_msg_decode(b->data, b->len, &msg, &err) == -1) {
		fprintf(stderr, "gen-corpus: %s: build failed\n", name);
		failures++;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0) {
		fprintf(stderr, "gen-corpus: %s: %s\n", path, strerror(errno));
		failures++;
		goto out;
	}
	printf("%s %zu %zu %u\n", path, b->len, msg->n_avps, msg->app);
out:
	dia_msg_free(msg);
	buf_reset(b);
}

static void
put_vsai(struct dia_build *d, uint32_t app)
{
	dia_group_begin(d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, V3GPP);
	dia_put_u32(d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, app);
	dia_group_end(d);
}

static void
put_origin(struct dia_build *d, const char *host)
{
	dia_put_str(d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, host);
	dia_put_str(d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, REALM);
}

static void
gen_base(struct buf *b)
{
	struct dia_build d;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.10", &sin.sin_addr);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::20", &sin6.sin6_addr);

	/* CER from the BSF: Zh, and the Relay application */
	dia_build_begin(&d, b, DIA_FLAG_R, DIA_CMD_CE, DIA_APP_COMMON,
	    0x00000001, 0x6553f100);
	put_origin(&d, BSF_HOST);
	dia_put_address(&d, DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    (struct sockaddr *)&sin);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, 0);
	dia_put_str(&d, DIA_AVP_PRODUCT_NAME, 0, 0, "utstack");
	dia_put_u32(&d, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0, T_NOW);
	dia_put_u32(&d, DIA_AVP_SUPPORTED_VENDOR_ID, DIA_AVP_M, 0, V3GPP);
	dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0,
	    DIA_APP_RELAY);
	dia_put_u32(&d, DIA_AVP_INBAND_SECURITY_ID, DIA_AVP_M, 0, 0);
	put_vsai(&d, DIA_APP_ZH);
	dia_put_u32(&d, DIA_AVP_FIRMWARE_REVISION, 0, 0, 100);
	emit("cer", &d, b);

	/* CEA from the HSS, IPv6 */
	dia_build_begin(&d, b, 0, DIA_CMD_CE, DIA_APP_COMMON, 0x00000001,
	    0x6553f100);
	dia_put_result(&d, DIA_SUCCESS);
	put_origin(&d, HSS_HOST);
	dia_put_address(&d, DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
	    (struct sockaddr *)&sin6);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, 0);
	dia_put_str(&d, DIA_AVP_PRODUCT_NAME, 0, 0, "utstack");
	dia_put_u32(&d, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0, T_NOW + 1);
	dia_put_u32(&d, DIA_AVP_SUPPORTED_VENDOR_ID, DIA_AVP_M, 0, V3GPP);
	put_vsai(&d, DIA_APP_ZH);
	emit("cea", &d, b);

	dia_build_begin(&d, b, DIA_FLAG_R, DIA_CMD_DW, DIA_APP_COMMON,
	    0x00000002, 0x6553f101);
	put_origin(&d, BSF_HOST);
	dia_put_u32(&d, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0, T_NOW);
	emit("dwr", &d, b);

	dia_build_begin(&d, b, 0, DIA_CMD_DW, DIA_APP_COMMON, 0x00000002,
	    0x6553f101);
	dia_put_result(&d, DIA_SUCCESS);
	put_origin(&d, HSS_HOST);
	dia_put_u32(&d, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0, T_NOW + 1);
	emit("dwa", &d, b);

	dia_build_begin(&d, b, DIA_FLAG_R, DIA_CMD_DP, DIA_APP_COMMON,
	    0x00000003, 0x6553f102);
	put_origin(&d, BSF_HOST);
	dia_put_u32(&d, DIA_AVP_DISCONNECT_CAUSE, DIA_AVP_M, 0, 0);
	emit("dpr", &d, b);

	dia_build_begin(&d, b, 0, DIA_CMD_DP, DIA_APP_COMMON, 0x00000003,
	    0x6553f102);
	dia_put_result(&d, DIA_SUCCESS);
	put_origin(&d, HSS_HOST);
	emit("dpa", &d, b);
}

/* The common head of a Zh MAR (GBA.md §4.2). */
static void
mar_head(struct dia_build *d, struct buf *b, uint32_t hbh)
{
	dia_build_begin(d, b, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_MA, DIA_APP_ZH,
	    hbh, 0x6553f200 + hbh);
	dia_put_str(d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, SID_ZH);
	put_vsai(d, DIA_APP_ZH);
	dia_put_u32(d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	put_origin(d, BSF_HOST);
	dia_put_str(d, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0, REALM);
	dia_put_str(d, DIA_AVP_DESTINATION_HOST, DIA_AVP_M, 0, HSS_HOST);
	dia_put_str(d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, IMPI);
	dia_put_str(d, DIA_AVP_PUBLIC_IDENTITY, VM, V3GPP, IMPU);
}

static void
maa_head(struct dia_build *d, struct buf *b, uint32_t hbh)
{
	dia_build_begin(d, b, DIA_FLAG_P, DIA_CMD_MA, DIA_APP_ZH, hbh,
	    0x6553f200 + hbh);
	dia_put_str(d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, SID_ZH);
	put_vsai(d, DIA_APP_ZH);
}

static void
gen_zh(struct buf *b)
{
	struct dia_build d;
	uint8_t v[32], res[8], ck[16], ik[16];

	/* MAR: first bootstrapping, AKAv1, with a GUSS timestamp and a
	 * relay's Proxy-Info and Route-Record */
	mar_head(&d, b, 0x10);
	dia_group_begin(&d, DIA_AVP_SIP_AUTH_DATA_ITEM, VM, V3GPP);
	dia_put_str(&d, DIA_AVP_SIP_AUTH_SCHEME, VM, V3GPP, "Digest-AKAv1-MD5");
	dia_group_end(&d);
	dia_put_time(&d, DIA_AVP_GUSS_TIMESTAMP, DIA_AVP_V, V3GPP, T_NOW - 86400);
	dia_group_begin(&d, DIA_AVP_PROXY_INFO, DIA_AVP_M, 0);
	dia_put_str(&d, DIA_AVP_PROXY_HOST, DIA_AVP_M, 0, "dra.home1.net");
	dia_put(&d, DIA_AVP_PROXY_STATE, DIA_AVP_M, 0, "\x01\x02\x03", 3);
	dia_group_end(&d);
	dia_put_str(&d, DIA_AVP_ROUTE_RECORD, DIA_AVP_M, 0, "dra.home1.net");
	emit("mar", &d, b);

	/* MAA: the vector of Test Set 1 and the GUSS */
	maa_head(&d, b, 0x10);
	dia_put_result(&d, DIA_SUCCESS);
	dia_put_u32(&d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	put_origin(&d, HSS_HOST);
	dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, IMPI);
	dia_put_str(&d, DIA_AVP_PUBLIC_IDENTITY, VM, V3GPP, IMPU);
	dia_group_begin(&d, DIA_AVP_SIP_AUTH_DATA_ITEM, VM, V3GPP);
	dia_put_u32(&d, DIA_AVP_SIP_ITEM_NUMBER, VM, V3GPP, 1);
	dia_put_str(&d, DIA_AVP_SIP_AUTH_SCHEME, VM, V3GPP, "Digest-AKAv1-MD5");
	unhex(TS1_RAND, v, 16);
	unhex(TS1_AUTN, v + 16, 16);
	dia_put(&d, DIA_AVP_SIP_AUTHENTICATE, VM, V3GPP, v, 32);
	unhex(TS1_RES, res, sizeof(res));
	dia_put(&d, DIA_AVP_SIP_AUTHORIZATION, VM, V3GPP, res, sizeof(res));
	unhex(TS1_CK, ck, sizeof(ck));
	dia_put(&d, DIA_AVP_CONFIDENTIALITY_KEY, VM, V3GPP, ck, sizeof(ck));
	unhex(TS1_IK, ik, sizeof(ik));
	dia_put(&d, DIA_AVP_INTEGRITY_KEY, VM, V3GPP, ik, sizeof(ik));
	dia_group_end(&d);
	dia_put(&d, DIA_AVP_GBA_USERSECSETTINGS, VM, V3GPP, guss,
	    sizeof(guss) - 1);
	emit("maa", &d, b);

	/* MAR resync: SIP-Authorization = RAND || AUTS, 30 octets */
	mar_head(&d, b, 0x11);
	dia_group_begin(&d, DIA_AVP_SIP_AUTH_DATA_ITEM, VM, V3GPP);
	dia_put_str(&d, DIA_AVP_SIP_AUTH_SCHEME, VM, V3GPP, "Digest-AKAv1-MD5");
	unhex(TS20_RAND, v, 16);
	unhex(TS20_AUTS, v + 16, 14);
	dia_put(&d, DIA_AVP_SIP_AUTHORIZATION, VM, V3GPP, v, 30);
	dia_group_end(&d);
	emit("mar-resync", &d, b);

	/* MAA: unknown IMPI, Experimental-Result 10415/5401 */
	maa_head(&d, b, 0x12);
	dia_put_experimental(&d, V3GPP, DIA_ERROR_IDENTITY_UNKNOWN);
	dia_put_u32(&d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	put_origin(&d, HSS_HOST);
	emit("maa-5401", &d, b);
}

static void
gen_zn(struct buf *b)
{
	struct dia_build d;
	uint8_t naf_id[sizeof(NAF_HOST) - 1 + 5], ks[32];

	/* NAF_Id = FQDN || Ua security protocol id (GBA.md §2.4, §2.5:
	 * 0x01 0x00 0x00 0x00 0x02, HTTP Digest per TS 33.222) */
	memcpy(naf_id, NAF_HOST, sizeof(NAF_HOST) - 1);
	memcpy(naf_id + sizeof(NAF_HOST) - 1, "\x01\x00\x00\x00\x02", 5);

	dia_build_begin(&d, b, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_BI,
	    DIA_APP_ZN, 0x20, 0x6553f300);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, SID_ZN);
	put_vsai(&d, DIA_APP_ZN);
	put_origin(&d, NAF_HOST);
	dia_put_str(&d, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0, REALM);
	dia_put_str(&d, DIA_AVP_DESTINATION_HOST, DIA_AVP_M, 0, BSF_HOST);
	dia_put(&d, DIA_AVP_GAA_SERVICE_IDENTIFIER, VM, V3GPP, "1", 1);
	dia_put(&d, DIA_AVP_TRANSACTION_IDENTIFIER, VM, V3GPP, BTID,
	    sizeof(BTID) - 1);
	dia_put(&d, DIA_AVP_NAF_ID, VM, V3GPP, naf_id, sizeof(naf_id));
	dia_put_u32(&d, DIA_AVP_GBA_U_AWARENESS_IND, VM, V3GPP, 1);
	emit("bir", &d, b);

	unhex(KS_NAF, ks, sizeof(ks));
	dia_build_begin(&d, b, DIA_FLAG_P, DIA_CMD_BI, DIA_APP_ZN, 0x20,
	    0x6553f300);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, SID_ZN);
	put_vsai(&d, DIA_APP_ZN);
	dia_put_result(&d, DIA_SUCCESS);
	put_origin(&d, BSF_HOST);
	dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, IMPI);
	dia_put(&d, DIA_AVP_ME_KEY_MATERIAL, VM, V3GPP, ks, sizeof(ks));
	dia_put(&d, DIA_AVP_UICC_KEY_MATERIAL, VM, V3GPP, ks + 16, 16);
	dia_put_time(&d, DIA_AVP_KEY_EXPIRYTIME, VM, V3GPP, T_NOW + 86400);
	dia_put_time(&d, DIA_AVP_BOOTSTRAPINFO_CREATION, VM, V3GPP, T_NOW);
	dia_put(&d, DIA_AVP_GBA_USERSECSETTINGS, VM, V3GPP, uss_list,
	    sizeof(uss_list) - 1);
	dia_put_u32(&d, DIA_AVP_GBA_TYPE, VM, V3GPP, 0);
	emit("bia", &d, b);

	/* BIA: B-TID unknown, Experimental-Result 10415/5403 */
	dia_build_begin(&d, b, DIA_FLAG_P, DIA_CMD_BI, DIA_APP_ZN, 0x21,
	    0x6553f301);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, SID_ZN);
	put_vsai(&d, DIA_APP_ZN);
	dia_put_experimental(&d, V3GPP, DIA_ERROR_TRANSACTION_ID_INVALID);
	put_origin(&d, BSF_HOST);
	emit("bia-5403", &d, b);
}

/* Error answers made the way a daemon makes them. */
static void
gen_errors(struct buf *b)
{
	struct dia_build d;
	struct dia_msg *req;
	struct dia_error err;
	struct buf r;

	/* an MAR without User-Name → 5005 with Failed-AVP { User-Name } */
	buf_init(&r, DIA_MSG_MAX_DEFAULT);
	dia_build_begin(&d, &r, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_MA,
	    DIA_APP_ZH, 0x13, 0x6553f213);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, SID_ZH);
	put_vsai(&d, DIA_APP_ZH);
	dia_put_u32(&d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	put_origin(&d, BSF_HOST);
	dia_put_str(&d, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0, REALM);
	if (dia_build_end(&d) == -1 ||
	    dia_msg_decode(r.data, r.len, &req, &err) == -1) {
		fprintf(stderr, "gen-corpus: request failed\n");
		exit(1);
	}
	if (dia_msg_require(req, NULL, DIA_AVP_USER_NAME, 0, &err) != NULL)
		exit(1);
	dia_build_answer(&d, b, req, 0);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, SID_ZH);
	put_vsai(&d, DIA_APP_ZH);
	dia_put_u32(&d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	put_origin(&d, HSS_HOST);
	dia_put_error(&d, &err);
	emit("maa-5005", &d, b);

	/* the same MAR with an unknown mandatory AVP → 5001 */
	dia_msg_free(req);
	buf_reset(&r);
	dia_build_begin(&d, &r, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_MA,
	    DIA_APP_ZH, 0x14, 0x6553f214);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, SID_ZH);
	dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, IMPI);
	/* Sh User-Data (TS 29.328): not a Zh AVP */
	dia_put(&d, 702, VM, V3GPP, "<Sh-Data/>", 10);
	if (dia_build_end(&d) == -1 ||
	    dia_msg_decode(r.data, r.len, &req, &err) == -1 ||
	    dia_msg_check_mandatory(req, &err) != -1) {
		fprintf(stderr, "gen-corpus: request failed\n");
		exit(1);
	}
	dia_build_answer(&d, b, req, 0);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, SID_ZH);
	put_origin(&d, HSS_HOST);
	dia_put_error(&d, &err);
	emit("maa-5001", &d, b);

	/* a command the HSS does not serve (Cx Push-Profile) → 3001 with
	 * the E bit */
	dia_msg_free(req);
	dia_build_begin(&d, b, DIA_FLAG_P, 305, DIA_APP_ZH, 0x15, 0x6553f215);
	dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, SID_ZH);
	put_origin(&d, HSS_HOST);
	dia_put_result(&d, DIA_COMMAND_UNSUPPORTED);
	dia_put_str(&d, DIA_AVP_ERROR_REPORTING_HOST, 0, 0, HSS_HOST);
	emit("answer-3001", &d, b);
	buf_clear(&r);
}

int
main(int argc, char *argv[])
{
	struct buf b;

	if (argc != 2) {
		fprintf(stderr, "usage: diameter-gen-corpus DIR\n");
		return 2;
	}
	outdir = argv[1];
	buf_init(&b, DIA_MSG_MAX_DEFAULT);
	gen_base(&b);
	gen_zh(&b);
	gen_zn(&b);
	gen_errors(&b);
	buf_clear(&b);
	return failures ? 1 : 0;
}
