/*
 * fuzz_tls_hello.c — the TLS-PSK server's record scanner (common/tls.c,
 * tls_scan_records() in tls_int.h): what a client sends in clear before
 * any authentication, read for the PSK identity of a TLS 1.3 ClientHello
 * (RFC 8446 §4.2.11, extension 41) or a TLS 1.2 ClientKeyExchange
 * (RFC 4279 §2) and for the SNI (RFC 6066 §3).
 *
 * Input: octet 0 picks the TLS 1.2 suite the server is taken to have sent
 * in its ServerHello (none; PSK; ECDHE_PSK; a certificate suite), octet 1
 * where the stream is cut in two deliveries; the rest is the client's
 * octet stream. Every key lookup the scanner asks for is answered at once.
 *
 * Invariants checked on every input:
 *  - NEED_FAIL comes with a reason; NEED_PARK with a pending lookup of a
 *    NUL-free identity of 1..TLS_IDENTITY_MAX octets and the UA security
 *    protocol id of TS 33.220 Annex H that fits (TLS 1.3, or 01 00 01 and
 *    the suite); NEED_PASS leaves no whole record unscanned while the
 *    scanner still looks;
 *  - the SNI is a C string of at most TLS_SNI_MAX octets;
 *  - `scanned` never passes the input and never goes back;
 *  - while the scan stays on one record, a key once given is never asked
 *    for again (the record is walked anew after each answer: asking
 *    again would go on without end; across records every ask costs the
 *    client a record);
 *  - the stream delivered in two parts ends in the same state as in one.
 */
#include <string.h>

#include "fuzz.h"
#include "tls.h"
#include "tls_int.h"

#define MAX_ASKS	64	/* lookups followed per record */
#define MAX_TOTAL	4096	/* lookups followed per input */

struct ask {
	char	identity[TLS_IDENTITY_MAX + 1];
	uint8_t	ua_id[TLS_UA_ID_LEN];
};

/* The lookups asked while the scan stood at `at`, and in all. */
struct asks {
	size_t		at;
	size_t		n;
	size_t		total;
	struct ask	a[MAX_ASKS];
};

static const uint8_t suites[4][2] = {
	{ 0, 0 },		/* no ServerHello sent yet */
	{ 0x00, 0xa8 },		/* TLS_PSK_WITH_AES_128_GCM_SHA256 */
	{ 0xc0, 0x37 },		/* TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 */
	{ 0xc0, 0x2f },		/* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
};

static void
init_conn(struct tls_conn *c, unsigned mode)
{
	memset(c, 0, sizeof(*c));
	c->state = CS_HANDSHAKE;
	c->scan = SCAN_HELLO;
	c->lk = LK_NONE;
	if ((mode & 3) != 0) {
		c->have_suite = 1;
		memcpy(c->suite, suites[mode & 3], 2);
	}
}

/* What holds after any call. */
static void
check_common(const struct tls_conn *c, size_t avail, size_t before)
{
	FUZZ_CHECK(memchr(c->sni, '\0', sizeof(c->sni)) != NULL);
	FUZZ_CHECK(c->scanned <= avail);
	FUZZ_CHECK(c->scanned >= before);
	FUZZ_CHECK(c->keylen <= sizeof(c->key));
}

/*
 * Scan p[0..avail) on `c`, answering each lookup, and record the asks in
 * `as`. Returns the last verdict.
 */
static enum need
run(struct tls_conn *c, const uint8_t *p, size_t avail, struct asks *as)
{
	static const uint8_t tls12[3] = { 0x01, 0x00, 0x01 };
	enum need r;
	size_t before, i, idlen;

	for (;;) {
		before = c->scanned;
		r = tls_scan_records(c, p, avail);
		check_common(c, avail, before);
		switch (r) {
		case NEED_FAIL:
			FUZZ_CHECK(c->fail_reason[0] != '\0');
			return r;
		case NEED_PASS:
			/* nothing whole is left while still looking */
			if (c->scan == SCAN_HELLO && c->scanned + 5 <= avail)
				FUZZ_CHECK(c->scanned + 5 +
				    (size_t)(p[c->scanned + 3] << 8 |
				    p[c->scanned + 4]) > avail);
			return r;
		case NEED_PARK:
			break;
		default:
			FUZZ_CHECK(!"unknown verdict");
		}
		FUZZ_CHECK(c->lk == LK_PENDING && c->lk_asked);
		FUZZ_CHECK(c->keylen == 0);
		idlen = strnlen(c->identity, sizeof(c->identity));
		FUZZ_CHECK(idlen >= 1 && idlen <= TLS_IDENTITY_MAX);
		FUZZ_CHECK(memcmp(c->ua_id, tls_ua_id_tls13,
		    TLS_UA_ID_LEN) == 0 || (c->have_suite &&
		    memcmp(c->ua_id, tls12, 3) == 0 &&
		    memcmp(c->ua_id + 3, c->suite, 2) == 0));
		/* on one record, a key once given is not asked for again */
		if (c->scanned != as->at) {
			as->at = c->scanned;
			as->n = 0;
		}
		for (i = 0; i < as->n; i++)
			FUZZ_CHECK(strcmp(as->a[i].identity, c->identity) !=
			    0 || memcmp(as->a[i].ua_id, c->ua_id,
			    TLS_UA_ID_LEN) != 0);
		FUZZ_CHECK(as->n < MAX_ASKS && as->total < MAX_TOTAL);
		memcpy(as->a[as->n].identity, c->identity, idlen + 1);
		memcpy(as->a[as->n].ua_id, c->ua_id, TLS_UA_ID_LEN);
		as->n++;
		as->total++;
		/* tls_conn_psk_ready() */
		c->lk_asked = 0;
		memset(c->key, 0x5a, 32);
		c->keylen = 32;
		c->lk = LK_READY;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tls_conn one, two;
	static struct asks as1, as2;
	size_t cut;
	const uint8_t *p;
	enum need r1, r2;
	unsigned mode;

	if (size < 2 || size > TLS_HS_IN_MAX + 2)
		return 0;
	mode = data[0];
	p = data + 2;
	size -= 2;
	cut = size > 0 ? data[1] % (size + 1) : 0;

	init_conn(&one, mode);
	memset(&as1, 0, sizeof(as1));
	r1 = run(&one, p, size, &as1);

	init_conn(&two, mode);
	memset(&as2, 0, sizeof(as2));
	r2 = run(&two, p, cut, &as2);
	if (r2 != NEED_FAIL)
		r2 = run(&two, p, size, &as2);

	FUZZ_CHECK(r1 == r2);
	FUZZ_CHECK(as1.total == as2.total);
	FUZZ_CHECK(one.scanned == two.scanned && one.scan == two.scan);
	FUZZ_CHECK(strcmp(one.sni, two.sni) == 0);
	FUZZ_CHECK(one.lk == two.lk);
	if (one.lk != LK_NONE)
		FUZZ_CHECK(strcmp(one.identity, two.identity) == 0);
	return 0;
}
