/*
 * ue_ua_digest.c — the UE's HTTP Digest with bootstrapped keys on Ua
 * (TS 24.109 5.2, TS 33.222 5.3: inside server-certificate TLS), used by
 * `ue xcap --digest` and the Digest cases of `ue conformance`.
 *
 * The challenge (GBA.md §3.1, §3.3). An AP may send several
 * WWW-Authenticate fields, and a field may hold several challenges (RFC
 * 9110 11.6.1): each is looked at. The one answered is the first Digest
 * challenge whose realm is "3GPP-bootstrapping@" + the NAF FQDN the UE
 * connected to (the FQDN compared case-insensitively, as DNS names are),
 * with qop auth-int or auth and a non-AKA algorithm. A bootstrapping realm
 * that names another FQDN is refused: the UE checks that the NAF asking
 * for Ks_NAF is the one it talks to (GBA.md §3.1), else any server the
 * certificate names could ask for the key of another. Realms for GBA_U
 * ("3GPP-bootstrapping-uicc@") and GBA_Digest are not ours (a USIM, GBA_ME)
 * and are passed over.
 *
 * The answer: username = B-TID, password = base64(Ks_NAF) (44 characters),
 * uri = the request target, qop auth-int when offered (it covers the
 * body), else auth; nc 00000001 on a fresh nonce; a fresh cnonce; opaque
 * echoed (RFC 7616 3.4).
 *
 * The AP's proof: rspauth in Authentication-Info = the request-digest with
 * an empty method over the response body (RFC 7616 3.5), compared in
 * constant time; qop, cnonce and nc there must be those sent. A nextnonce
 * is kept for a following request.
 *
 * Secrets: the password and Ks_NAF live in struct ue_dg and are wiped by
 * ue_dg_free(); the password is traced as [hidden] unless --show-keys.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "crypto.h"
#include "digest.h"
#include "gba.h"
#include "hex.h"
#include "secret.h"
#include "ue.h"

#define DG_URI_MAX	4096
#define DG_AUTHZ_PREFIX	"Authorization: "

struct ue_dg {
	int			 show_keys;
	struct digest_hdr	 ch;		/* the challenge answered */
	struct digest_alg	 alg;
	int			 alg_named;	/* the challenge named one */
	int			 have_ch;
	const char		*qop;		/* "auth-int" or "auth" */
	/* the last answer, for its rspauth */
	char			 username[GBA_BTID_MAX];
	char			 password[B64_LEN(GBA_KEY_LEN)];	/* secret */
	char			 uri[DG_URI_MAX];
	char			 nc[DIGEST_NC_LEN + 1];
	char			 cnonce[33];
	char			 response[DIGEST_HEX_MAX];
	int			 answered;
	char			 authz[sizeof(DG_AUTHZ_PREFIX) + DIGEST_MAX_LEN];
	char			 nextnonce[DIGEST_MAX_VALUE];
	/* scratch: one challenge's text, Authentication-Info */
	char			 text[DIGEST_MAX_LEN + 1];
	struct digest_hdr	 info;
};

struct ue_dg *
ue_dg_new(int show_keys)
{
	struct ue_dg *d = calloc(1, sizeof(*d));

	if (d != NULL)
		d->show_keys = show_keys;
	return d;
}

void
ue_dg_free(struct ue_dg *d)
{
	if (d == NULL)
		return;
	secret_wipe(d, sizeof(*d));
	free(d);
}

/* ---- the challenge ------------------------------------------------------ */

static int
is_tchar(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) !=
	    NULL);
}

/*
 * The next challenge of the WWW-Authenticate value at *pp (RFC 9110 11.6.1:
 * #challenge, challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]):
 * a comma outside a quoted-string followed by a token that is not a
 * parameter name (no "=" after it) starts the next one. Copies it,
 * trimmed, into `out` (`size` octets) and moves *pp past it. Returns 1, 0
 * at the end, -1 for a challenge longer than `size` (skipped).
 */
static int
next_challenge(const char **pp, char *out, size_t size)
{
	const char *p = *pp, *start, *end, *q;
	int quoted = 0;
	size_t n;

	p += strspn(p, " \t,");
	if (*p == '\0')
		return 0;
	start = p;
	for (end = NULL; *p != '\0' && end == NULL; p++) {
		if (quoted) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				quoted = 0;
			continue;
		}
		if (*p == '"') {
			quoted = 1;
			continue;
		}
		if (*p != ',')
			continue;
		q = p + strspn(p, " \t,");
		while (is_tchar((unsigned char)*q))
			q++;
		if (q == p + strspn(p, " \t,"))
			continue;	/* no token: the end, or garbage */
		q += strspn(q, " \t");
		if (*q != '=')
			end = p;
	}
	if (end == NULL)
		end = start + strlen(start);
	*pp = end;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == ','))
		end--;
	n = (size_t)(end - start);
	if (n >= size)
		return -1;
	memcpy(out, start, n);
	out[n] = '\0';
	return 1;
}

/* "auth-int" when the qop list offers it, else "auth", else NULL. */
static const char *
pick_qop(const char *list)
{
	const char *p = list, *best = NULL;
	size_t n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == 8 && strncasecmp(p, "auth-int", 8) == 0)
			return "auth-int";
		if (n == 4 && strncasecmp(p, "auth", 4) == 0)
			best = "auth";
		p += n;
	}
	return best;
}

int
ue_dg_challenge(struct ue_dg *d, struct ue_ua *ua, const struct ue_ua_resp *r,
    const char *naf_fqdn, char *err, size_t errlen)
{
	static const char prefix[] = UE_DG_REALM_PREFIX;
	const size_t pl = sizeof(prefix) - 1;
	const char *v, *p, *realm, *qop;
	char foreign[300] = "", why[200], perr[160];
	size_t i;
	int rc, digests = 0;

	d->have_ch = 0;
	d->answered = 0;
	for (i = 0; (v = ue_ua_header_nth(r, "WWW-Authenticate", i)) != NULL;
	    i++) {
		p = v;
		while ((rc = next_challenge(&p, d->text, sizeof(d->text))) !=
		    0) {
			if (rc < 0) {
				ue_ua_trace(ua, "   challenge over %d octets: "
				    "passed over", DIGEST_MAX_LEN);
				continue;
			}
			if (strncasecmp(d->text, "Digest", 6) != 0 ||
			    (d->text[6] != ' ' && d->text[6] != '\t'))
				continue;	/* another scheme */
			digests++;
			if (digest_parse(&d->ch, DIGEST_CHALLENGE, d->text, perr,
			    sizeof(perr)) != 0 || digest_validate(&d->ch,
			    perr, sizeof(perr)) != 0) {
				ue_ua_trace(ua, "   challenge malformed (%s): "
				    "passed over", perr);
				continue;
			}
			realm = digest_get(&d->ch, "realm");
			if (strncmp(realm, prefix, pl) != 0) {
				ue_ua_trace(ua, "   challenge realm \"%s\": not "
				    "a GBA_ME bootstrapping realm, passed over",
				    realm);
				continue;
			}
			if (strcasecmp(realm + pl, naf_fqdn) != 0) {
				/* GBA.md §3.1: the UE checks the FQDN */
				ue_ua_trace(ua, "   challenge realm \"%s\": "
				    "another NAF than %s, refused", realm,
				    naf_fqdn);
				snprintf(foreign, sizeof(foreign), "%s", realm);
				continue;
			}
			qop = pick_qop(digest_get(&d->ch, "qop"));
			if (digest_alg_parse(digest_get(&d->ch, "algorithm"),
			    &d->alg) != 0 || d->alg.aka || qop == NULL) {
				snprintf(why, sizeof(why), "%s",
				    qop == NULL ? "no qop auth or auth-int "
				    "(RFC 7616 3.3)" : "an algorithm the UE does "
				    "not use on Ua");
				ue_ua_trace(ua, "   challenge realm \"%s\": %s, "
				    "passed over", realm, why);
				continue;
			}
			d->qop = qop;
			d->alg_named = digest_get(&d->ch, "algorithm") != NULL;
			d->have_ch = 1;
			ue_ua_trace(ua, "   challenge realm \"%s\" (the NAF we "
			    "reached), algorithm %s, qop %s, nonce \"%s\"%s",
			    realm, digest_alg_name(&d->alg), qop,
			    digest_get(&d->ch, "nonce"), ue_dg_stale(d) ?
			    ", stale=true" : "");
			return 0;
		}
	}
	if (foreign[0] != '\0') {
		ue_err(err, errlen, "the AP asks for the key of another NAF: "
		    "realm \"%s\", but it was reached as %s", foreign,
		    naf_fqdn);
		return UE_EXIT_AUTH;
	}
	if (digests == 0)
		ue_err(err, errlen, "the 401 has no Digest challenge "
		    "(WWW-Authenticate)");
	else
		ue_err(err, errlen, "no usable Digest challenge for realm "
		    "\"%s%s\" in the 401", prefix, naf_fqdn);
	return UE_EXIT_PEER;
}

int
ue_dg_stale(const struct ue_dg *d)
{
	const char *s = d->have_ch ? digest_get(&d->ch, "stale") : NULL;

	return s != NULL && strcasecmp(s, "true") == 0;
}

const char *
ue_dg_realm(const struct ue_dg *d)
{
	return d->have_ch ? digest_get(&d->ch, "realm") : "";
}

const char *
ue_dg_qop(const struct ue_dg *d)
{
	return d->have_ch ? d->qop : "";
}

/* ---- the answer --------------------------------------------------------- */

/* The fields of the last answer, with `method` and `body`. */
static void
fill_input(struct ue_dg *d, struct digest_input *in, const char *method,
    const void *body, size_t body_len)
{
	memset(in, 0, sizeof(*in));
	in->alg = d->alg;
	in->username = d->username;
	in->realm = digest_get(&d->ch, "realm");
	in->password = (const uint8_t *)d->password;
	in->password_len = strlen(d->password);
	in->method = method;
	in->uri = d->uri;
	in->nonce = digest_get(&d->ch, "nonce");
	in->nc = d->nc;
	in->cnonce = d->cnonce;
	in->qop = d->qop;
	if (strcmp(d->qop, "auth-int") == 0) {
		in->body = body_len > 0 ? body : NULL;
		in->body_len = body_len;
	}
}

int
ue_dg_answer(struct ue_dg *d, struct ue_ua *ua, const char *btid,
    const uint8_t key[32], const char *method, const char *uri,
    const void *body, size_t body_len, uint32_t nc, char *err, size_t errlen)
{
	struct digest_input in;
	struct digest_build b;
	const char *opaque;
	uint8_t rnd[16];
	int rc;

	if (!d->have_ch) {
		ue_err(err, errlen, "no challenge to answer");
		return -1;
	}
	if (strlen(uri) >= sizeof(d->uri) || strlen(btid) >=
	    sizeof(d->username)) {
		ue_err(err, errlen, "the request target is too long for a "
		    "Digest uri");
		return -1;
	}
	if (crypto_random(rnd, sizeof(rnd), 0) != 0) {
		ue_err(err, errlen, "no randomness for the cnonce");
		return -1;
	}
	hex_encode(rnd, sizeof(rnd), d->cnonce);
	snprintf(d->nc, sizeof(d->nc), "%08x", nc);
	snprintf(d->username, sizeof(d->username), "%s", btid);
	snprintf(d->uri, sizeof(d->uri), "%s", uri);
	/* TS 33.222 5.3 / GBA.md §3.1: password = base64(Ks_NAF) */
	b64_encode(key, GBA_KEY_LEN, d->password);
	fill_input(d, &in, method, body, body_len);
	rc = digest_response(&in, d->response);
	secret_wipe(&in, sizeof(in));
	if (rc != 0) {
		ue_err(err, errlen, "the Digest response cannot be computed");
		return -1;
	}
	memcpy(d->authz, DG_AUTHZ_PREFIX, sizeof(DG_AUTHZ_PREFIX) - 1);
	digest_build_init(&b, DIGEST_CREDENTIALS, d->authz +
	    sizeof(DG_AUTHZ_PREFIX) - 1, sizeof(d->authz) -
	    (sizeof(DG_AUTHZ_PREFIX) - 1));
	digest_build_add(&b, "username", d->username, DIGEST_AUTO);
	digest_build_add(&b, "realm", digest_get(&d->ch, "realm"),
	    DIGEST_AUTO);
	digest_build_add(&b, "nonce", digest_get(&d->ch, "nonce"),
	    DIGEST_AUTO);
	digest_build_add(&b, "uri", d->uri, DIGEST_AUTO);
	digest_build_add(&b, "response", d->response, DIGEST_AUTO);
	if (d->alg_named)
		digest_build_add(&b, "algorithm", digest_alg_name(&d->alg),
		    DIGEST_AUTO);
	digest_build_add(&b, "qop", d->qop, DIGEST_AUTO);
	digest_build_add(&b, "nc", d->nc, DIGEST_AUTO);
	digest_build_add(&b, "cnonce", d->cnonce, DIGEST_AUTO);
	if ((opaque = digest_get(&d->ch, "opaque")) != NULL)
		digest_build_add(&b, "opaque", opaque, DIGEST_AUTO);
	if (digest_build_finish(&b, NULL) != 0) {
		ue_err(err, errlen, "the Authorization value is over %d "
		    "octets", DIGEST_MAX_LEN);
		return -1;
	}
	d->answered = 1;
	ue_ua_trace(ua, "   Digest   username %s (the B-TID), password "
	    "base64(Ks_NAF) %s", d->username, d->show_keys ? d->password :
	    "[hidden]");
	ue_ua_trace(ua, "   Digest   response %s (%s, qop %s, nc %s, cnonce "
	    "%s; RFC 7616 3.4.1)", d->response, digest_alg_name(&d->alg),
	    d->qop, d->nc, d->cnonce);
	return 0;
}

const char *
ue_dg_authz(const struct ue_dg *d)
{
	return d->authz;
}

/* ---- the AP's proof ----------------------------------------------------- */

int
ue_dg_verify(struct ue_dg *d, struct ue_ua *ua, const struct ue_ua_resp *r,
    int *present, char *err, size_t errlen)
{
	struct digest_input in;
	char expect[DIGEST_HEX_MAX], perr[160];
	const char *ai, *v, *rsp;
	int ok;

	*present = 0;
	d->nextnonce[0] = '\0';
	if (!d->answered) {
		ue_err(err, errlen, "no answer sent to check an rspauth of");
		return UE_EXIT_AUTH;
	}
	if ((ai = ue_ua_header(r, "Authentication-Info")) == NULL) {
		ue_ua_trace(ua, "   rspauth  none: the answer carries no "
		    "Authentication-Info");
		return 0;
	}
	*present = 1;
	if (digest_parse(&d->info, DIGEST_AUTH_INFO, ai, perr,
	    sizeof(perr)) != 0 || digest_validate(&d->info, perr,
	    sizeof(perr)) != 0) {
		ue_err(err, errlen, "malformed Authentication-Info: %s", perr);
		return UE_EXIT_AUTH;
	}
	if ((rsp = digest_get(&d->info, "rspauth")) == NULL) {
		ue_err(err, errlen, "Authentication-Info without rspauth");
		return UE_EXIT_AUTH;
	}
	/* RFC 7616 3.5: the values of the request, echoed */
	if (((v = digest_get(&d->info, "qop")) != NULL &&
	    strcasecmp(v, d->qop) != 0) ||
	    ((v = digest_get(&d->info, "cnonce")) != NULL &&
	    strcmp(v, d->cnonce) != 0) ||
	    ((v = digest_get(&d->info, "nc")) != NULL &&
	    strcasecmp(v, d->nc) != 0)) {
		ue_err(err, errlen, "Authentication-Info echoes another qop, "
		    "cnonce or nc than the UE sent");
		return UE_EXIT_AUTH;
	}
	fill_input(d, &in, "", r->body, r->body_len);
	ok = digest_response(&in, expect) == 0 && ct_streq(expect, rsp);
	secret_wipe(&in, sizeof(in));
	secret_wipe(expect, sizeof(expect));
	if (!ok) {
		ue_ua_trace(ua, "   rspauth  %s does not verify", rsp);
		ue_err(err, errlen, "rspauth in Authentication-Info does not "
		    "verify: the AP could not prove it knows Ks_NAF");
		return UE_EXIT_AUTH;
	}
	ue_ua_trace(ua, "   rspauth  %s verified (method \"\", %s; RFC 7616 "
	    "3.5): the AP knows Ks_NAF", rsp, strcmp(d->qop, "auth-int") ==
	    0 ? "over the response body" : "qop auth, no body");
	if ((v = digest_get(&d->info, "nextnonce")) != NULL)
		snprintf(d->nextnonce, sizeof(d->nextnonce), "%s", v);
	return 0;
}

const char *
ue_dg_nextnonce(const struct ue_dg *d)
{
	return d->nextnonce;
}

int
ue_dg_use_nextnonce(struct ue_dg *d)
{
	struct digest_build b;
	char perr[160];
	const char *opaque;

	if (!d->have_ch || d->nextnonce[0] == '\0')
		return -1;
	/* the same challenge with the next nonce (RFC 7616 3.5) */
	opaque = digest_get(&d->ch, "opaque");
	digest_build_init(&b, DIGEST_CHALLENGE, d->text, sizeof(d->text));
	digest_build_add(&b, "realm", digest_get(&d->ch, "realm"),
	    DIGEST_AUTO);
	digest_build_add(&b, "nonce", d->nextnonce, DIGEST_AUTO);
	digest_build_add(&b, "qop", d->qop, DIGEST_AUTO);
	if (d->alg_named)
		digest_build_add(&b, "algorithm", digest_alg_name(&d->alg),
		    DIGEST_TOKEN);
	if (opaque != NULL)
		digest_build_add(&b, "opaque", opaque, DIGEST_AUTO);
	d->nextnonce[0] = '\0';
	if (digest_build_finish(&b, NULL) != 0 || digest_parse(&d->ch,
	    DIGEST_CHALLENGE, d->text, perr, sizeof(perr)) != 0) {
		d->have_ch = 0;
		return -1;
	}
	d->answered = 0;
	return 0;
}
