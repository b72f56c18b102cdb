/*
 * test_hss.c — hss-stub end to end: provisioning from the command line,
 * MAR/MAA over a real Diameter connection from common/'s client, the
 * vector checked with `ue crypto milenage`, resynchronisation, errors, and
 * SQN durability across kill -9.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aka.h"
#include "e2e.h"
#include "hex.h"
#include "milenage.h"

#define BSF_HOST	"tester.ims.example.org"	/* stack.env TESTER_ORIGIN_HOST */
#define REALM		"ims.example.org"

struct mar_opts {
	const char	*user_name;		/* NULL: none */
	const char	*public_identity;	/* NULL: none */
	const uint8_t	*sip_authorization;	/* RAND||AUTS, 30 octets */
	const char	*scheme;		/* NULL: "Digest-AKAv1-MD5" */
	int		 guss_timestamp;	/* 0: none; else that Unix time */
	uint32_t	 cmd;			/* 0: MAR */
	int		 no_session_id;
};

static void
build_mar(struct buf *b, const struct mar_opts *o)
{
	struct dia_build d;
	char sid[128];

	buf_init(b, 65536);
	dia_build_begin(&d, b, DIA_FLAG_R | DIA_FLAG_P,
	    o->cmd ? o->cmd : DIA_CMD_MA, DIA_APP_ZH, 0, 0);
	ck_assert_int_eq(dia_session_id(BSF_HOST, sid, sizeof(sid)), 0);
	if (!o->no_session_id)
		dia_put_str(&d, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, sid);
	dia_group_begin(&d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(&d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, DIA_VENDOR_3GPP);
	dia_put_u32(&d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, DIA_APP_ZH);
	dia_group_end(&d);
	dia_put_u32(&d, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, BSF_HOST);
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, REALM);
	dia_put_str(&d, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0, REALM);
	if (o->user_name != NULL)
		dia_put_str(&d, DIA_AVP_USER_NAME, DIA_AVP_M, 0, o->user_name);
	if (o->public_identity != NULL)
		dia_put_str(&d, DIA_AVP_PUBLIC_IDENTITY, DIA_AVP_M,
		    DIA_VENDOR_3GPP, o->public_identity);
	dia_group_begin(&d, DIA_AVP_SIP_AUTH_DATA_ITEM, DIA_AVP_M,
	    DIA_VENDOR_3GPP);
	dia_put_str(&d, DIA_AVP_SIP_AUTH_SCHEME, DIA_AVP_M, DIA_VENDOR_3GPP,
	    o->scheme != NULL ? o->scheme : "Digest-AKAv1-MD5");
	if (o->sip_authorization != NULL)
		dia_put(&d, DIA_AVP_SIP_AUTHORIZATION, DIA_AVP_M,
		    DIA_VENDOR_3GPP, o->sip_authorization, 30);
	dia_group_end(&d);
	if (o->guss_timestamp)
		dia_put_time(&d, DIA_AVP_GUSS_TIMESTAMP, 0, DIA_VENDOR_3GPP,
		    (time_t)o->guss_timestamp);
	ck_assert_int_eq(dia_build_end(&d), 0);
}

static struct e2e_dia *
zh_open(const struct e2e_stack *s)
{
	struct e2e_dia *d = e2e_dia_open(BSF_HOST, REALM, DIA_APP_ZH,
	    (uint16_t)atoi(e2e_env(s, "HSS_ZH_PORT")));

	ck_assert_msg(d != NULL, "could not open Zh to hss-stub");
	return d;
}

static struct dia_msg *
mar(struct e2e_dia *d, const struct mar_opts *o)
{
	struct buf b;
	struct dia_msg *m;

	build_mar(&b, o);
	m = e2e_dia_request(d, &b);
	buf_clear(&b);
	ck_assert_msg(m != NULL, "no MAA");
	return m;
}

/* The vector of an MAA. */
struct vec {
	uint8_t	rand[16], autn[16], xres[16], ck[16], ik[16];
	size_t	xres_len;
	char	scheme[64];
	int	has_guss;
	char	guss[4096];
};

static void
get_vector(const struct dia_msg *m, struct vec *v)
{
	const struct dia_avp *item, *a;

	memset(v, 0, sizeof(*v));
	ck_assert_uint_eq(e2e_dia_result(m), DIA_SUCCESS);
	item = dia_msg_find(m, NULL, DIA_AVP_SIP_AUTH_DATA_ITEM,
	    DIA_VENDOR_3GPP, NULL);
	ck_assert_ptr_nonnull(item);
	a = dia_msg_find(m, item, DIA_AVP_SIP_AUTHENTICATE, DIA_VENDOR_3GPP, NULL);
	ck_assert(a != NULL && a->len == 32);
	memcpy(v->rand, a->data, 16);
	memcpy(v->autn, a->data + 16, 16);
	a = dia_msg_find(m, item, DIA_AVP_SIP_AUTHORIZATION, DIA_VENDOR_3GPP, NULL);
	ck_assert(a != NULL && a->len >= 4 && a->len <= 16);
	memcpy(v->xres, a->data, a->len);
	v->xres_len = a->len;
	a = dia_msg_find(m, item, DIA_AVP_CONFIDENTIALITY_KEY, DIA_VENDOR_3GPP, NULL);
	ck_assert(a != NULL && a->len == 16);
	memcpy(v->ck, a->data, 16);
	a = dia_msg_find(m, item, DIA_AVP_INTEGRITY_KEY, DIA_VENDOR_3GPP, NULL);
	ck_assert(a != NULL && a->len == 16);
	memcpy(v->ik, a->data, 16);
	a = dia_msg_find(m, item, DIA_AVP_SIP_AUTH_SCHEME, DIA_VENDOR_3GPP, NULL);
	ck_assert(a != NULL && dia_avp_utf8(a, v->scheme, sizeof(v->scheme),
	    NULL) == 0);
	a = dia_msg_find(m, NULL, DIA_AVP_GBA_USERSECSETTINGS, DIA_VENDOR_3GPP,
	    NULL);
	if (a != NULL && a->len < sizeof(v->guss)) {
		v->has_guss = 1;
		memcpy(v->guss, a->data, a->len);
	}
}

/* SQN of a vector: AUTN[0..5] xor AK, AK from K/OPc/RAND. */
static uint64_t
vector_sqn(const struct e2e_stack *s, const struct vec *v)
{
	struct milenage m;
	uint8_t k[16], opc[16], ak[6], sqn[6];
	int i;

	ck_assert_int_eq(hex_decode_exact(e2e_env(s, "K"), k, 16), 0);
	ck_assert_int_eq(hex_decode_exact(e2e_env(s, "OPC"), opc, 16), 0);
	milenage_init(&m, k, opc);
	milenage_f2345(&m, v->rand, NULL, NULL, NULL, ak, NULL);
	milenage_clear(&m);
	for (i = 0; i < 6; i++)
		sqn[i] = v->autn[i] ^ ak[i];
	return aka_sqn_get(sqn);
}

static void
ck_json_hex(const char *json, const char *key, const uint8_t *p, size_t len)
{
	char got[256], want[256];

	ck_assert_int_eq(e2e_json(json, key, got, sizeof(got)), 0);
	ck_assert_str_eq(got, hex_encode(p, len, want));
}

/* The MAA's vector is what `ue crypto milenage` computes for the same
 * K, OPc, RAND, SQN and AMF 8000. */
START_TEST(mar_vector_matches_ue_crypto)
{
	struct e2e_stack s;
	struct e2e_dia *d;
	struct dia_msg *m;
	struct vec v;
	struct e2e_run r;
	struct mar_opts o = { 0 };
	char rand_hex[33], sqn_hex[13];
	uint8_t sqn[6];
	long pos = 0;

	e2e_stack_up(&s, NULL);
	d = zh_open(&s);
	o.user_name = e2e_env(&s, "IMPI");
	m = mar(d, &o);
	get_vector(m, &v);
	ck_assert_str_eq(v.scheme, "Digest-AKAv1-MD5");
	aka_sqn_put(vector_sqn(&s, &v), sqn);
	r.status = -1;
	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--json", "crypto",
	    "milenage", "--k", e2e_env(&s, "K"), "--opc", e2e_env(&s, "OPC"),
	    "--rand", hex_encode(v.rand, 16, rand_hex), "--sqn",
	    hex_encode(sqn, 6, sqn_hex), "--amf", "8000", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_json_hex(r.out, "autn", v.autn, 16);
	ck_json_hex(r.out, "res", v.xres, v.xres_len);
	ck_json_hex(r.out, "ck", v.ck, 16);
	ck_json_hex(r.out, "ik", v.ik, 16);
	/* The GUSS lists the IMPU, in the Rel-9 namespace. */
	ck_assert_int_eq(v.has_guss, 1);
	ck_assert_ptr_nonnull(strstr(v.guss,
	    "xmlns=\"urn:3gpp:gba:GBAGUSSSchema-R9:2010-02\""));
	ck_assert_ptr_nonnull(strstr(v.guss, e2e_env(&s, "IMPU")));
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "HSS_STUB_LOG"),
	    "HSS-MAR-OK peer=" BSF_HOST, &pos, NULL, 0, E2E_WAIT_MS), 0);
	dia_msg_free(m);
	e2e_dia_close(d);
	e2e_stack_down(&s);
}
END_TEST

/* Each vector takes a fresh SEQ, the IND moves round robin, and the CK/IK
 * never leak into the log. */
START_TEST(mar_sqn_advances)
{
	struct e2e_stack s;
	struct e2e_dia *d;
	struct dia_msg *m;
	struct vec v1, v2;
	struct mar_opts o = { 0 };
	char ck_hex[33], log[65536];
	FILE *f;
	size_t n;
	uint64_t q1, q2;

	e2e_stack_up(&s, (const char *[]){ "--sqn", "000000000040", NULL });
	d = zh_open(&s);
	o.user_name = e2e_env(&s, "IMPI");
	m = mar(d, &o);
	get_vector(m, &v1);
	dia_msg_free(m);
	m = mar(d, &o);
	get_vector(m, &v2);
	dia_msg_free(m);
	q1 = vector_sqn(&s, &v1);
	q2 = vector_sqn(&s, &v2);
	ck_assert_uint_eq(AKA_SQN_SEQ(q1), 3);	/* 0x40 = SEQ 2, IND 0 */
	ck_assert_uint_eq(AKA_SQN_SEQ(q2), 4);
	ck_assert_uint_eq(AKA_SQN_IND(q2), (AKA_SQN_IND(q1) + 1) % 32);
	ck_assert(memcmp(v1.rand, v2.rand, 16) != 0);
	e2e_dia_close(d);
	f = fopen(e2e_env(&s, "HSS_STUB_LOG"), "r");
	ck_assert_ptr_nonnull(f);
	n = fread(log, 1, sizeof(log) - 1, f);
	log[n] = '\0';
	fclose(f);
	ck_assert_ptr_null(strstr(log, hex_encode(v1.ck, 16, ck_hex)));
	e2e_stack_down(&s);
}
END_TEST

/* RAND||AUTS with a good MAC-S: the HSS continues after SQN_MS. */
START_TEST(mar_resync)
{
	struct e2e_stack s;
	struct e2e_dia *d;
	struct dia_msg *m;
	struct vec v;
	struct mar_opts o = { 0 };
	struct milenage mil;
	uint8_t k[16], opc[16], sqn_ms[6], ra[30];
	uint64_t ms = AKA_SQN_MAKE(1000, 7);
	long pos = 0;

	e2e_stack_up(&s, NULL);
	d = zh_open(&s);
	o.user_name = e2e_env(&s, "IMPI");
	m = mar(d, &o);
	get_vector(m, &v);
	dia_msg_free(m);
	hex_decode_exact(e2e_env(&s, "K"), k, 16);
	hex_decode_exact(e2e_env(&s, "OPC"), opc, 16);
	milenage_init(&mil, k, opc);
	aka_sqn_put(ms, sqn_ms);
	memcpy(ra, v.rand, 16);
	aka_auts_generate(&mil, v.rand, sqn_ms, ra + 16);
	milenage_clear(&mil);
	o.sip_authorization = ra;
	m = mar(d, &o);
	get_vector(m, &v);
	dia_msg_free(m);
	ck_assert_uint_eq(AKA_SQN_SEQ(vector_sqn(&s, &v)), 1001);
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "HSS_STUB_LOG"),
	    "HSS-RESYNC impi=", &pos, NULL, 0, E2E_WAIT_MS), 0);
	e2e_dia_close(d);
	e2e_stack_down(&s);
}
END_TEST

/* A forged AUTS is refused with 4001 and the SQN does not move. */
START_TEST(mar_resync_bad_mac)
{
	struct e2e_stack s;
	struct e2e_dia *d;
	struct dia_msg *m;
	struct vec v;
	struct mar_opts o = { 0 };
	uint8_t ra[30];
	uint64_t before;
	long pos = 0;

	e2e_stack_up(&s, NULL);
	d = zh_open(&s);
	o.user_name = e2e_env(&s, "IMPI");
	m = mar(d, &o);
	get_vector(m, &v);
	dia_msg_free(m);
	before = vector_sqn(&s, &v);
	memcpy(ra, v.rand, 16);
	memset(ra + 16, 0x5a, 14);
	o.sip_authorization = ra;
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), 4001);
	ck_assert_ptr_null(dia_msg_find(m, NULL, DIA_AVP_SIP_AUTH_DATA_ITEM,
	    DIA_VENDOR_3GPP, NULL));
	dia_msg_free(m);
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "HSS_STUB_LOG"),
	    "HSS-RESYNC-FAIL", &pos, NULL, 0, E2E_WAIT_MS), 0);
	o.sip_authorization = NULL;
	m = mar(d, &o);
	get_vector(m, &v);
	dia_msg_free(m);
	ck_assert_uint_eq(AKA_SQN_SEQ(vector_sqn(&s, &v)), AKA_SQN_SEQ(before) + 1);
	e2e_dia_close(d);
	e2e_stack_down(&s);
}
END_TEST

START_TEST(mar_unknown_impi)
{
	struct e2e_stack s;
	struct e2e_dia *d;
	struct dia_msg *m;
	struct mar_opts o = { 0 };
	const struct dia_avp *er, *a;
	uint32_t vendor = 0;

	e2e_stack_up(&s, NULL);
	d = zh_open(&s);
	o.user_name = "nobody@ims.example.org";
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), DIA_ERROR_IDENTITY_UNKNOWN);
	er = dia_msg_find(m, NULL, DIA_AVP_EXPERIMENTAL_RESULT, 0, NULL);
	ck_assert_ptr_nonnull(er);
	a = dia_msg_find(m, er, DIA_AVP_VENDOR_ID, 0, NULL);
	ck_assert(a != NULL && dia_avp_u32(a, &vendor, NULL) == 0);
	ck_assert_uint_eq(vendor, DIA_VENDOR_3GPP);
	dia_msg_free(m);
	/* The same by public identity */
	o.user_name = NULL;
	o.public_identity = "sip:nobody@ims.example.org";
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), DIA_ERROR_IDENTITY_UNKNOWN);
	dia_msg_free(m);
	e2e_dia_close(d);
	e2e_stack_down(&s);
}
END_TEST

/* By IMPU instead of IMPI; AKAv2 subscriber; GUSS left out when current. */
START_TEST(mar_by_impu_akav2_guss_current)
{
	struct e2e_stack s;
	struct e2e_dia *d;
	struct dia_msg *m;
	struct vec v;
	struct mar_opts o = { 0 };

	e2e_stack_up(&s, (const char *[]){ "--scheme", "AKAv2", "--impu",
	    "sip:alice@ims.example.org", "--impu", "sip:anon-7f3a@ims.example.org",
	    "--uss", "1,0,xcap,1", NULL });
	d = zh_open(&s);
	o.public_identity = "sip:anon-7f3a@ims.example.org";
	m = mar(d, &o);
	get_vector(m, &v);
	ck_assert_str_eq(v.scheme, "Digest-AKAv2-MD5");
	ck_assert_int_eq(v.has_guss, 1);
	ck_assert_ptr_nonnull(strstr(v.guss, "nafGroup=\"xcap\""));
	ck_assert_ptr_nonnull(strstr(v.guss, "<flag>1</flag>"));
	ck_assert_ptr_nonnull(strstr(v.guss, "sip:anon-7f3a@ims.example.org"));
	dia_msg_free(m);
	o.guss_timestamp = (int)time(NULL) + 60;
	m = mar(d, &o);
	get_vector(m, &v);
	ck_assert_int_eq(v.has_guss, 0);
	dia_msg_free(m);
	e2e_dia_close(d);
	e2e_stack_down(&s);
}
END_TEST

/* Malformed requests get the right Result-Code and the daemon serves on. */
START_TEST(mar_errors)
{
	struct e2e_stack s;
	struct e2e_dia *d;
	struct dia_msg *m;
	struct mar_opts o = { 0 };
	const struct dia_avp *f;

	e2e_stack_up(&s, NULL);
	d = zh_open(&s);
	/* neither User-Name nor Public-Identity: 5005 with Failed-AVP */
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), DIA_MISSING_AVP);
	f = dia_msg_find(m, NULL, DIA_AVP_FAILED_AVP, 0, NULL);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(dia_msg_find(m, f, DIA_AVP_USER_NAME, 0, NULL));
	dia_msg_free(m);
	/* no Session-Id */
	o.user_name = e2e_env(&s, "IMPI");
	o.no_session_id = 1;
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), DIA_MISSING_AVP);
	dia_msg_free(m);
	o.no_session_id = 0;
	/* a scheme the HSS does not serve: 5004 */
	o.scheme = "Digest-MD5";
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), DIA_INVALID_AVP_VALUE);
	dia_msg_free(m);
	o.scheme = NULL;
	/* BIR (310) on Zh: 3001 with the E bit */
	o.cmd = DIA_CMD_BI;
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), DIA_COMMAND_UNSUPPORTED);
	ck_assert(m->flags & DIA_FLAG_E);
	dia_msg_free(m);
	o.cmd = 0;
	/* and a good one still works on the same connection */
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), DIA_SUCCESS);
	dia_msg_free(m);
	e2e_dia_close(d);
	e2e_stack_down(&s);
}
END_TEST

/* A peer not on zh.peers is refused at CER. */
START_TEST(zh_unknown_peer)
{
	struct e2e_stack s;
	struct e2e_dia *d;
	long pos = 0;

	e2e_stack_up(&s, NULL);
	d = e2e_dia_open("intruder.example.net", "example.net", DIA_APP_ZH,
	    (uint16_t)atoi(e2e_env(&s, "HSS_ZH_PORT")));
	ck_assert_ptr_null(d);
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "HSS_STUB_LOG"),
	    "DIA-PEER-REFUSED", &pos, NULL, 0, E2E_WAIT_MS), 0);
	e2e_stack_down(&s);
}
END_TEST

/* kill -9 and restart: the next vector's SQN is still fresh. */
START_TEST(sqn_survives_kill9)
{
	struct e2e_stack s;
	struct e2e_dia *d;
	struct dia_msg *m;
	struct vec v;
	struct mar_opts o = { 0 };
	char conf[512], line[512], *p;
	uint64_t before;
	pid_t pid;
	long pos;

	e2e_stack_up(&s, NULL);
	d = zh_open(&s);
	o.user_name = e2e_env(&s, "IMPI");
	m = mar(d, &o);
	get_vector(m, &v);
	dia_msg_free(m);
	before = vector_sqn(&s, &v);
	e2e_dia_close(d);
	pid = (pid_t)atoi(e2e_env(&s, "HSS_STUB_PID"));
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	/* restart on the same database, a new log */
	snprintf(conf, sizeof(conf), "%s/hss-stub.conf", s.dir);
	pos = e2e_log_size(e2e_env(&s, "HSS_STUB_LOG"));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *lf = freopen(e2e_env(&s, "HSS_STUB_LOG"), "a", stderr);

		(void)lf;
		execl(e2e_prog("hss-stub"), "hss-stub", "-c", conf, "-f", NULL);
		_exit(127);
	}
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "HSS_STUB_LOG"),
	    "LISTENING name=zh", &pos, line, sizeof(line), E2E_WAIT_MS), 0);
	p = strrchr(line, ':');
	ck_assert_ptr_nonnull(p);
	d = e2e_dia_open(BSF_HOST, REALM, DIA_APP_ZH, (uint16_t)atoi(p + 1));
	ck_assert_ptr_nonnull(d);
	m = mar(d, &o);
	get_vector(m, &v);
	dia_msg_free(m);
	ck_assert_uint_gt(AKA_SQN_SEQ(vector_sqn(&s, &v)), AKA_SQN_SEQ(before));
	e2e_dia_close(d);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	e2e_stack_down(&s);
}
END_TEST

/* Provisioning: bad input exits 2 and writes nothing; import is atomic. */
START_TEST(provisioning)
{
	char dir[] = "/tmp/utstack-prov-XXXXXX", db[256], csv[256];
	struct e2e_run r;
	FILE *f;
	const char *hss;

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(db, sizeof(db), "%s/hss.db", dir);
	snprintf(csv, sizeof(csv), "%s/subs.csv", dir);
	hss = strdup(e2e_prog("hss-stub"));
	e2e_run(&r, (const char *[]){ hss, "-d", db, "add", "a@x", "--k", "00",
	    "--opc", "00112233445566778899aabbccddeeff", NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--k"));
	e2e_run(&r, (const char *[]){ hss, "-d", db, "add", "a@x", "--k",
	    "00112233445566778899aabbccddeeff", "--op",
	    "00112233445566778899aabbccddeeff", "--impu", "mailto:a@x", NULL });
	ck_assert_int_eq(r.status, 2);
	e2e_run(&r, (const char *[]){ hss, "-d", db, "add", "a@x", "--k",
	    "00112233445566778899aabbccddeeff", "--op",
	    "00112233445566778899aabbccddeeff", "--impu", "sip:a@x",
	    "--uss", "1,2", NULL });
	ck_assert_int_eq(r.status, 2);
	e2e_run(&r, (const char *[]){ hss, "-d", db, "list", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");
	e2e_run(&r, (const char *[]){ hss, "-d", db, "add", "a@x", "--k",
	    "00112233445566778899aabbccddeeff", "--op",
	    "00112233445566778899aabbccddeeff", "--impu", "sip:a@x",
	    "--amf", "0000", "--lifetime", "600", NULL });
	ck_assert_int_eq(r.status, 0);
	e2e_run(&r, (const char *[]){ hss, "-d", db, "show", "a@x", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "k         [hidden]"));
	ck_assert_ptr_nonnull(strstr(r.out, "lifetime  600"));
	ck_assert_ptr_nonnull(strstr(r.out, "uss       0,0,default"));
	/* a duplicate IMPU or IMPI is refused */
	e2e_run(&r, (const char *[]){ hss, "-d", db, "add", "b@x", "--k",
	    "00112233445566778899aabbccddeeff", "--opc",
	    "00112233445566778899aabbccddeeff", "--impu", "sip:a@x", NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "sip:a@x"));
	/* import: the third line is bad, so nothing of the file is kept */
	f = fopen(csv, "w");
	fputs("impi,k,opc,amf,sqn,scheme,lifetime,impus\n"
	    "c@x,00112233445566778899aabbccddeeff,00112233445566778899aabbccddeeff,,,,,sip:c@x\n"
	    "d@x,00112233445566778899aabbccddeeff,0011,,,,,sip:d@x\n", f);
	fclose(f);
	e2e_run(&r, (const char *[]){ hss, "-d", db, "import", csv, NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, ":3: "));
	e2e_run(&r, (const char *[]){ hss, "-d", db, "show", "c@x", NULL });
	ck_assert_int_eq(r.status, 1);
	f = fopen(csv, "w");
	fputs("c@x,00112233445566778899aabbccddeeff,00112233445566778899aabbccddeeff,8000,000000000020,AKAv2,,sip:c@x;tel:+15550100\n", f);
	fclose(f);
	e2e_run(&r, (const char *[]){ hss, "-d", db, "import", csv, NULL });
	ck_assert_int_eq(r.status, 0);
	e2e_run(&r, (const char *[]){ hss, "-d", db, "list", NULL });
	ck_assert_str_eq(r.out,
	    "a@x AKAv1 sqn=000000000000 impus=sip:a@x\n"
	    "c@x AKAv2 sqn=000000000020 impus=sip:c@x,tel:+15550100\n");
	e2e_run(&r, (const char *[]){ hss, "-d", db, "del", "a@x", NULL });
	ck_assert_int_eq(r.status, 0);
	e2e_run(&r, (const char *[]){ hss, "-d", db, "del", "a@x", NULL });
	ck_assert_int_eq(r.status, 1);
	free((void *)(uintptr_t)hss);
	e2e_run(&r, (const char *[]){ "/bin/rm", "-rf", dir, NULL });
}
END_TEST

Suite *
suite_e2e_hss(void)
{
	Suite *s = suite_create("e2e_hss");
	TCase *tc = tcase_create("zh");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mar_vector_matches_ue_crypto);
	tcase_add_test(tc, mar_sqn_advances);
	tcase_add_test(tc, mar_resync);
	tcase_add_test(tc, mar_resync_bad_mac);
	tcase_add_test(tc, mar_unknown_impi);
	tcase_add_test(tc, mar_by_impu_akav2_guss_current);
	tcase_add_test(tc, mar_errors);
	tcase_add_test(tc, zh_unknown_peer);
	tcase_add_test(tc, sqn_survives_kill9);
	tcase_add_test(tc, provisioning);
	suite_add_tcase(s, tc);
	return s;
}
