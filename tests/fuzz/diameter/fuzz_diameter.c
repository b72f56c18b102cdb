/*
 * fuzz_diameter.c — fuzz target for the Diameter codec (common/diameter.c).
 *
 * One input is one candidate message, as the peer layer would hand it
 * over after framing. The harness runs everything a daemon runs on a
 * message from a peer — dia_frame_len, dia_msg_decode,
 * dia_msg_check_mandatory, dia_msg_find/require, every typed accessor on
 * every AVP, dia_msg_dump with and without keys — and then answers it the
 * way a daemon would (dia_build_answer / dia_put_error), checking
 * invariants that must hold whatever the input:
 *
 *  - a decoded message's AVP table is consistent (every AVP inside the
 *    message, inside its parent, depth = parent's depth + 1);
 *  - re-encoding a decoded message AVP by AVP (dia_put_raw) gives back
 *    exactly the input octets;
 *  - every Failed-AVP the codec hands out (decode, check, require and
 *    accessor errors) is one well-formed AVP, and every error answer we
 *    build decodes again, carrying that Failed-AVP.
 *
 * Built with libFuzzer by `make fuzz`, and with tests/fuzz/replay.c by
 * `make check`, which replays corpus/.
 */
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "diameter.h"
#include "fuzz.h"

#define OUT_MAX		(4 * DIA_MSG_MAX_DEFAULT)

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

/* A Failed-AVP handed out by the codec must be one whole AVP. */
static void
check_failed(const struct dia_error *err)
{
	size_t hlen;

	if (err->failed == NULL) {
		FUZZ_CHECK(err->failed_len == 0);
		return;
	}
	FUZZ_CHECK(err->failed_len >= DIA_AVP_HDR_LEN);
	FUZZ_CHECK(rd24(err->failed + 5) == err->failed_len);
	hlen = err->failed[4] & DIA_AVP_V ? DIA_AVP_VHDR_LEN : DIA_AVP_HDR_LEN;
	FUZZ_CHECK(err->failed_len >= hlen);
	FUZZ_CHECK(memchr(err->reason, '\0', sizeof(err->reason)) != NULL);
}

/*
 * Answer with `err` as a daemon would, decode the answer, and check that
 * it carries Result-Code and the Failed-AVP.
 */
static void
answer_error(const struct dia_msg *req, const uint8_t *hdr,
    const struct dia_error *err)
{
	struct dia_build d;
	struct dia_msg *ans = NULL;
	struct dia_error e2;
	const struct dia_avp *a, *f;
	struct buf b;
	uint32_t rc;

	check_failed(err);
	buf_init(&b, OUT_MAX);
	if (req != NULL)
		dia_build_answer(&d, &b, req, 0);
	else
		dia_build_begin(&d, &b, hdr[4] & DIA_FLAG_P, rd24(hdr + 5),
		    rd32(hdr + 8), rd32(hdr + 12), rd32(hdr + 16));
	dia_put_str(&d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, "fuzz.example");
	dia_put_str(&d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, "example");
	dia_put_error(&d, err);
	FUZZ_CHECK(dia_build_end(&d) == 0);
	FUZZ_CHECK(dia_msg_decode(b.data, b.len, &ans, &e2) == 0);
	FUZZ_CHECK(!(ans->flags & DIA_FLAG_R));
	a = dia_msg_find(ans, NULL, DIA_AVP_RESULT_CODE, 0, NULL);
	FUZZ_CHECK(a != NULL && dia_avp_u32(a, &rc, NULL) == 0 &&
	    rc == err->result);
	FUZZ_CHECK(!!(ans->flags & DIA_FLAG_E) ==
	    (err->result >= 3000 && err->result < 4000));
	f = dia_msg_find(ans, NULL, DIA_AVP_FAILED_AVP, 0, NULL);
	FUZZ_CHECK((f != NULL) == (err->failed != NULL));
	if (f != NULL) {
		FUZZ_CHECK(f->len == ((err->failed_len + 3) & ~(size_t)3));
		FUZZ_CHECK(memcmp(f->data, err->failed, err->failed_len) == 0);
	}
	a = dia_msg_find(ans, NULL, DIA_AVP_ERROR_MESSAGE, 0, NULL);
	if (a != NULL) {
		char text[sizeof(e2.reason)];

		FUZZ_CHECK(dia_avp_utf8(a, text, sizeof(text), NULL) == 0);
		FUZZ_CHECK(strcmp(text, err->reason) == 0);
	}
	FUZZ_CHECK(dia_msg_check_mandatory(ans, NULL) == 0);
	dia_msg_free(ans);
	buf_clear(&b);
}

/* The AVP table of a decoded message is consistent. */
static void
check_table(const struct dia_msg *msg)
{
	const struct dia_avp *a, *p;
	size_t i, hlen;

	FUZZ_CHECK(msg->n_avps <= DIA_AVPS_MAX);
	for (i = 0; i < msg->n_avps; i++) {
		a = &msg->avps[i];
		hlen = a->flags & DIA_AVP_V ? DIA_AVP_VHDR_LEN :
		    DIA_AVP_HDR_LEN;
		FUZZ_CHECK(a->raw >= msg->octets + DIA_HDR_LEN);
		FUZZ_CHECK(a->raw + a->raw_len <= msg->octets + msg->len);
		FUZZ_CHECK(a->raw_len == hlen + a->len);
		FUZZ_CHECK(a->data == a->raw + hlen);
		FUZZ_CHECK(rd24(a->raw + 5) == a->raw_len);
		FUZZ_CHECK(a->depth >= 0 && a->depth <= DIA_DEPTH_MAX);
		if (a->parent < 0) {
			FUZZ_CHECK(a->depth == 0);
			continue;
		}
		FUZZ_CHECK((size_t)a->parent < i);
		p = &msg->avps[a->parent];
		FUZZ_CHECK(a->depth == p->depth + 1);
		FUZZ_CHECK(a->raw >= p->data);
		FUZZ_CHECK(a->raw + a->raw_len <= p->data + p->len);
	}
}

/* Every accessor on every AVP; errors must name the AVP itself. */
static void
run_accessors(const struct dia_msg *msg)
{
	const struct dia_avp *a, *found;
	struct sockaddr_storage ss;
	struct dia_error err;
	char text[256];
	uint64_t u64;
	uint32_t u32;
	int32_t i32;
	time_t t;
	size_t i;
	int rc;

	for (i = 0; i < msg->n_avps; i++) {
		a = &msg->avps[i];
		memset(&err, 0, sizeof(err));
		rc = dia_avp_u32(a, &u32, &err);
		FUZZ_CHECK(rc == (a->len == 4 ? 0 : -1));
		if (rc == -1)
			FUZZ_CHECK(err.failed == a->raw &&
			    err.result == DIA_INVALID_AVP_LENGTH);
		rc = dia_avp_u64(a, &u64, &err);
		FUZZ_CHECK(rc == (a->len == 8 ? 0 : -1));
		(void)dia_avp_i32(a, &i32, &err);
		if (dia_avp_time(a, &t, &err) == -1)
			check_failed(&err);
		if (dia_avp_address(a, &ss, &err) == -1) {
			FUZZ_CHECK(err.failed == a->raw);
			check_failed(&err);
		} else
			FUZZ_CHECK(ss.ss_family == AF_INET ||
			    ss.ss_family == AF_INET6);
		if (dia_avp_utf8(a, text, sizeof(text), &err) == 0)
			FUZZ_CHECK(strlen(text) == a->len);
		else
			FUZZ_CHECK(text[0] == '\0' && err.failed == a->raw);
		if (dia_avp_identity(a, text, sizeof(text), NULL) == 0)
			FUZZ_CHECK(strlen(text) == a->len && a->len > 0);
		(void)dia_avp_utf8(a, text, 1, NULL);

		/* finding an AVP again under its parent */
		found = dia_msg_find(msg, a->parent < 0 ? NULL :
		    &msg->avps[a->parent], a->code, a->vendor, NULL);
		FUZZ_CHECK(found != NULL && found <= a);
		FUZZ_CHECK(found->parent == a->parent);
	}
}

/* Re-encode the decoded message AVP by AVP: exactly the input again. */
static void
reencode(const struct dia_msg *msg, const uint8_t *in, size_t len)
{
	struct dia_build d;
	struct buf b;
	size_t i;

	buf_init(&b, OUT_MAX);
	dia_build_begin(&d, &b, msg->flags, msg->cmd, msg->app, msg->hbh,
	    msg->e2e);
	for (i = 0; i < msg->n_avps; i++)
		if (msg->avps[i].parent < 0)
			dia_put_raw(&d, msg->avps[i].raw, msg->avps[i].raw_len);
	FUZZ_CHECK(dia_build_end(&d) == 0);
	FUZZ_CHECK(b.len == len);
	FUZZ_CHECK(memcmp(b.data, in, len) == 0);
	buf_clear(&b);
}

static void
dump(const struct dia_msg *msg)
{
	struct buf out;
	int show;

	for (show = 0; show <= 1; show++) {
		buf_init(&out, OUT_MAX);
		FUZZ_CHECK(dia_msg_dump(msg, &out, show) == 0);
		FUZZ_CHECK(out.len > 0 && out.data[out.len - 1] == '\n');
		buf_clear(&out);
	}
	/* and into a buffer too small for it */
	buf_init(&out, 256);
	(void)dia_msg_dump(msg, &out, 0);
	FUZZ_CHECK(out.len <= 256);
	buf_clear(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dia_msg *msg = NULL;
	struct dia_error err;
	const struct dia_avp *a;
	long n;

	n = dia_frame_len(data, size, DIA_MSG_MAX_DEFAULT);
	FUZZ_CHECK(n >= -1);
	if (n > 0)
		FUZZ_CHECK(n >= DIA_HDR_LEN && n % 4 == 0 &&
		    n <= DIA_MSG_MAX_DEFAULT);
	(void)dia_frame_len(data, size, 64);

	if (dia_msg_decode(data, size, &msg, &err) == -1) {
		FUZZ_CHECK(msg == NULL);
		FUZZ_CHECK(err.result != 0);
		if (err.failed != NULL && err.failed != err.synth)
			FUZZ_CHECK(err.failed >= data &&
			    err.failed + err.failed_len <= data + size);
		/* The peer layer answers when framing held. */
		if (size >= DIA_HDR_LEN)
			answer_error(NULL, data, &err);
		return 0;
	}
	/* What framing would have said about a message that decodes. */
	FUZZ_CHECK(dia_frame_len(data, size, size) == (long)size);
	FUZZ_CHECK(msg->len == size);

	check_table(msg);
	run_accessors(msg);
	reencode(msg, data, size);
	dump(msg);

	memset(&err, 0, sizeof(err));
	if (dia_msg_check_mandatory(msg, &err) == -1) {
		FUZZ_CHECK(err.result == DIA_AVP_UNSUPPORTED);
		if (msg->flags & DIA_FLAG_R)
			answer_error(msg, NULL, &err);
	}
	/* A Zh request without User-Name, say. */
	if ((a = dia_msg_require(msg, NULL, DIA_AVP_USER_NAME, 0, &err)) ==
	    NULL) {
		FUZZ_CHECK(err.result == DIA_MISSING_AVP &&
		    err.failed == err.synth);
		if (msg->flags & DIA_FLAG_R)
			answer_error(msg, NULL, &err);
	} else if (dia_avp_utf8(a, (char[64]){ 0 }, 64, &err) == -1 &&
	    (msg->flags & DIA_FLAG_R))
		answer_error(msg, NULL, &err);
	if ((a = dia_msg_find(msg, NULL, DIA_AVP_SIP_AUTH_DATA_ITEM,
	    DIA_VENDOR_3GPP, NULL)) != NULL &&
	    dia_msg_require(msg, a, DIA_AVP_SIP_AUTHORIZATION,
	    DIA_VENDOR_3GPP, &err) == NULL && (msg->flags & DIA_FLAG_R))
		answer_error(msg, NULL, &err);
	dia_msg_free(msg);
	return 0;
}
