/*
 * ap_ident.c — the identities the AP reads from clients: the B-TID in a
 * PSK identity, and the public identity in X-3GPP-Intended-Identity.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ap.h"

#define BTID_PREFIX	"3GPP-bootstrapping."

/* The B-TID in a PSK identity: "3GPP-bootstrapping." + B-TID (TS 36.508
 * Table 4.7H-5), or a bare B-TID. Printable ASCII without spaces. */
int
ap_btid_from_identity(const char *identity, char *btid, size_t size)
{
	const char *p = identity;
	size_t i;

	if (strncmp(p, BTID_PREFIX, sizeof(BTID_PREFIX) - 1) == 0)
		p += sizeof(BTID_PREFIX) - 1;
	if (*p == '\0' || strlen(p) >= size)
		return -1;
	for (i = 0; p[i] != '\0'; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return -1;
	memcpy(btid, p, i + 1);
	return 0;
}

/*
 * Compare two SIP/tel URIs as identities: scheme and host part are
 * case-insensitive (RFC 3261 §19.1.4), the user part is not.
 */
int
ap_same_identity(const char *a, const char *b)
{
	const char *ca = strchr(a, ':'), *cb = strchr(b, ':');
	const char *aa, *ab;
	size_t ua, ub;

	if (strcmp(a, b) == 0)
		return 1;
	if (ca == NULL || cb == NULL || ca - a != cb - b ||
	    strncasecmp(a, b, (size_t)(ca - a)) != 0)
		return 0;
	aa = strchr(ca, '@');
	ab = strchr(cb, '@');
	if ((aa == NULL) != (ab == NULL))
		return 0;
	if (aa == NULL)
		return strcmp(ca, cb) == 0;
	ua = (size_t)(aa - ca);
	ub = (size_t)(ab - cb);
	return ua == ub && strncmp(ca, cb, ua) == 0 &&
	    strcasecmp(aa, ab) == 0;
}

/* The URI in an X-3GPP-Intended-Identity value: "uri" (24.109 Table
 * B.3-1), <uri>, or bare. Returns 0, or -1 when malformed. */
int
ap_unquote_identity(const char *v, char *out, size_t size)
{
	size_t n = strlen(v);

	if (n >= 2 && ((v[0] == '"' && v[n - 1] == '"') ||
	    (v[0] == '<' && v[n - 1] == '>'))) {
		v++;
		n -= 2;
	}
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return strpbrk(out, "\"<> \t") != NULL ? -1 : 0;
}

