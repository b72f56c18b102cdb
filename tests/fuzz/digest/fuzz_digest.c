/*
 * fuzz_digest.c — the HTTP Digest header parser and builder (common/digest)
 * as the Ub and Ua paths use them. The first octet picks the header kind
 * (WWW-Authenticate, Authorization, Authentication-Info); the rest is the
 * header value.
 *
 * Invariants checked on every input: a rejected value always comes with an
 * error text; an accepted one rebuilds (digest_build) into a value that
 * parses back to the same parameters; credentials that give a Digest input
 * compute a response without failing on a bad pointer.
 */
#include <string.h>

#include "digest.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct digest_hdr h, h2;
	static char text[DIGEST_MAX_LEN + 2], out[3 * DIGEST_MAX_LEN];
	struct digest_build b;
	struct digest_input in;
	char err[160], r[DIGEST_HEX_MAX];
	enum digest_kind kind;
	size_t i, len;

	if (size < 1 || size > sizeof(text))
		return 0;
	kind = (enum digest_kind)(data[0] % 3);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	err[0] = '\0';
	if (digest_parse(&h, kind, text, err, sizeof(err)) != 0) {
		FUZZ_CHECK(err[0] != '\0');
		return 0;
	}
	err[0] = '\0';
	if (digest_validate(&h, err, sizeof(err)) != 0)
		FUZZ_CHECK(err[0] != '\0');

	digest_build_init(&b, kind, out, sizeof(out));
	for (i = 0; i < h.n; i++)
		FUZZ_CHECK(digest_build_add(&b, h.p[i].name, h.p[i].value,
		    h.p[i].quoted ? DIGEST_QUOTED : DIGEST_TOKEN) == 0);
	FUZZ_CHECK(digest_build_finish(&b, &len) == 0);
	if (len <= DIGEST_MAX_LEN) {
		FUZZ_CHECK(digest_parse(&h2, kind, out, err, sizeof(err)) == 0);
		FUZZ_CHECK(h2.n == h.n);
		for (i = 0; i < h.n; i++) {
			FUZZ_CHECK(strcmp(h.p[i].name, h2.p[i].name) == 0);
			FUZZ_CHECK(strcmp(h.p[i].value, h2.p[i].value) == 0);
			FUZZ_CHECK(h.p[i].quoted == h2.p[i].quoted);
		}
	}
	if (kind == DIGEST_CREDENTIALS && digest_input_from_hdr(&in, &h) == 0) {
		in.method = "GET";
		in.password = (const uint8_t *)"";
		in.password_len = 0;
		(void)digest_response(&in, r);
	}
	return 0;
}
