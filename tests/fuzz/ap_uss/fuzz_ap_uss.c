/*
 * fuzz_ap_uss.c — the AP's GBA-UserSecSettings parser (ap_uss_parse(),
 * ap/ap_zn.c): the ussList (or a whole GUSS) the BSF sends in a BIA
 * (TS 29.109 Annex A), read for the uids the client may be.
 *
 * Input: the XML as it comes in the AVP.
 *
 * Invariants checked on every input: a refusal comes with a reason; an
 * accepted value gives at most AP_IMPUS_MAX uids, each a C string of
 * 1..AP_IMPU_MAX-1 octets without whitespace at either end, no two the
 * same, and has_uss whenever there is one; parsing the same value again
 * gives the same list; the key struct frees without a leak whatever
 * happened (ap_key_unref).
 */
#include <stdlib.h>
#include <string.h>

#include "ap.h"
#include "fuzz.h"

static int
is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static struct ap_key *
key_new(void)
{
	struct ap_key *k;

	k = calloc(1, sizeof(*k));
	FUZZ_CHECK(k != NULL);
	k->refs = 1;
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ap_key *k, *k2;
	char err[256], err2[256];
	size_t i, j, len;
	int rc, rc2;

	k = key_new();
	k2 = key_new();
	err[0] = err2[0] = '\0';
	rc = ap_uss_parse((const char *)data, size, k, err, sizeof(err));
	rc2 = ap_uss_parse((const char *)data, size, k2, err2, sizeof(err2));
	FUZZ_CHECK(rc == rc2);
	if (rc != 0) {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(err[0] != '\0' && strcmp(err, err2) == 0);
		goto out;
	}
	FUZZ_CHECK(k->nimpus <= AP_IMPUS_MAX);
	FUZZ_CHECK(k->nimpus == 0 || k->has_uss);
	FUZZ_CHECK(k->has_uss == k2->has_uss && k->nimpus == k2->nimpus);
	for (i = 0; i < k->nimpus; i++) {
		len = strlen(k->impus[i]);
		FUZZ_CHECK(len >= 1 && len < AP_IMPU_MAX);
		FUZZ_CHECK(!is_ws(k->impus[i][0]) &&
		    !is_ws(k->impus[i][len - 1]));
		FUZZ_CHECK(strcmp(k->impus[i], k2->impus[i]) == 0);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(k->impus[i], k->impus[j]) != 0);
	}
out:
	ap_key_unref(k);
	ap_key_unref(k2);
	return 0;
}
