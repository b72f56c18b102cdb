/*
 * test_bsf.c — the BSF end to end (issue 4, items 1, 2, 4 and 6): a test
 * UE written here (Milenage and the Annex C SQN array from common/, the
 * Digest computation of common/digest, HTTP/1.1 through ub_client) against
 * the real `bsf` and `hss-stub` started by scripts/stack.
 *
 *  - Ub (TS 24.109 cl. 4, RFC 3310/4169, ../shared/spec/GBA.md §1): the
 *    401 challenge, AKAv1 and AKAv2 success with BootstrappingInfo and a
 *    verified rspauth, clients that send only the username, keep-alive;
 *  - every failure path of the decision table (spec/README.md, Ub rows):
 *    one table of "what the UE does wrong -> status, event reason", the
 *    failure budget, replayed/unknown/expired nonces, unknown IMPI,
 *    resynchronisation with AUTS, the HSS stopped or gone (503 in time),
 *    hostile request heads;
 *  - Zn (TS 29.109, GBA.md §4): BIA keys equal to `ue crypto ks-naf`, the
 *    BIA's other AVPs, 5403/5402/5005, unauthorised NAFs;
 *  - sessions: survive a restart, expire and are purged.
 *
 * Every BSF failure must leave one event line
 *   BSF-AUTH-FAIL impi=... status=NNN reason="..."
 * and every success BSF-BOOTSTRAP-OK impi=... btid=... in BSF_LOG; the
 * tests wait for them with inotify (never sleep). Stacks a failed test
 * left behind are stopped by the tcase's unchecked teardown.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aka.h"
#include "b64.h"
#include "crypto.h"
#include "digest.h"
#include "e2e.h"
#include "hex.h"
#include "milenage.h"
#include "httpc.h"

#define UA_TLS13_HEX	"0100000007"	/* 33.220 H.3: shared-key TLS 1.3 */
#define UA_DIGEST_HEX	"0100000002"	/* 33.220 H.3: HTTP Digest */
#define EVIL_FQDN	"evil.example.org"
#define UNKNOWN_IMPI	"nobody@ims.example.org"
#define ANSWER_MAX_MS	5000	/* longest acceptable wait for any answer */
#define LIFETIME_SLACK	10	/* s between the BSF's clock and ours */

/* ---- the test UE ------------------------------------------------------- */

struct ue {
	const struct e2e_stack	*s;
	char			 impi[256];
	char			 fqdn[256];
	struct milenage		 mil;
	struct aka_sqn_ms	 sqn_ms;	/* the USIM's SEQ array */
	struct httpc_conn		 c;
	struct httpc_resp		 r;		/* the last response */
	long			 mark;		/* BSF_LOG size before it */
	/* the last challenge */
	char			 nonce[512];
	char			 opaque[512];
	char			 algorithm[32];
	int			 stale;
	uint8_t			 rand[16], autn[16];
	enum aka_status		 st;
	struct aka_result	 res;
	uint8_t			 auts[14];
	/* the last answer */
	char			 cnonce[33];
	uint8_t			 pw[64];
	size_t			 pw_len;
	char			 authz[DIGEST_MAX_LEN];
	/* the last success */
	char			 btid[256];
	time_t			 lifetime;
};

/* A UE with the stack's subscriber (`bad_k`: a K one bit off, so every
 * AUTN fails its MAC check) and a new USIM, connected to the BSF. */
static void
ue_init(struct ue *u, const struct e2e_stack *s, int bad_k)
{
	uint8_t k[16], opc[16];

	memset(u, 0, sizeof(*u));
	u->s = s;
	snprintf(u->impi, sizeof(u->impi), "%s", e2e_env(s, "IMPI"));
	snprintf(u->fqdn, sizeof(u->fqdn), "%s", e2e_env(s, "BSF_FQDN"));
	ck_assert_int_eq(hex_decode_exact(e2e_env(s, "K"), k, 16), 0);
	ck_assert_int_eq(hex_decode_exact(e2e_env(s, "OPC"), opc, 16), 0);
	if (bad_k)
		k[15] ^= 0x01;
	milenage_init(&u->mil, k, opc);
	aka_sqn_ms_init(&u->sqn_ms);
	ck_assert_msg(httpc_open(&u->c, e2e_env(s, "BSF_URL")) == 0, "%s",
	    u->c.err);
}

static void
ue_free(struct ue *u)
{
	httpc_close(&u->c);
	milenage_clear(&u->mil);
	aka_result_clear(&u->res);
}

/* GET / with Host and User-Agent (TS 24.109 A.3) and, unless NULL, the
 * Authorization value `authz`; the answer lands in u->r. Returns 0, or -1
 * with the reason in u->c.err. */
static int
ub_try(struct ue *u, const char *authz)
{
	char host[300], auth[DIGEST_MAX_LEN + 32];
	const char *hdrs[] = { host,
	    "User-Agent: utstack-e2e/1.0 3gpp-gba-tmpi", NULL, NULL };

	snprintf(host, sizeof(host), "Host: %s", u->fqdn);
	if (authz != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: %s", authz);
		hdrs[2] = auth;
	}
	u->mark = e2e_log_size(e2e_env(u->s, "BSF_LOG"));
	return httpc_request(&u->c, "GET", "/", hdrs, NULL, 0, &u->r,
	    ANSWER_MAX_MS);
}

static void
ub_get(struct ue *u, const char *authz)
{
	ck_assert_msg(ub_try(u, authz) == 0, "Ub request: %s", u->c.err);
}

/* The Authorization of request 1 (TS 24.109 A.3): username, realm, uri
 * and empty nonce and response. */
static void
request1_authz(const struct ue *u, const char *impi, char *v, size_t size)
{
	struct digest_build b;

	digest_build_init(&b, DIGEST_CREDENTIALS, v, size);
	digest_build_add(&b, "username", impi, DIGEST_AUTO);
	digest_build_add(&b, "realm", u->fqdn, DIGEST_AUTO);
	digest_build_add(&b, "nonce", "", DIGEST_QUOTED);
	digest_build_add(&b, "uri", "/", DIGEST_AUTO);
	digest_build_add(&b, "response", "", DIGEST_QUOTED);
	ck_assert_int_eq(digest_build_finish(&b, NULL), 0);
}

static void
request1(struct ue *u, const char *impi)
{
	char v[DIGEST_MAX_LEN];

	request1_authz(u, impi, v, sizeof(v));
	ub_get(u, v);
}

/* Does the comma-separated `list` hold `tok`? */
static int
list_has(const char *list, const char *tok)
{
	size_t n = strlen(tok);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		if (strncasecmp(p, tok, n) == 0 &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

/*
 * The 401 in u->r: one WWW-Authenticate with realm = the BSF's FQDN,
 * qop auth-int, algorithm `alg`, an opaque and a nonce of base64(RAND ||
 * AUTN [|| server data]) that differs from the previous challenge. Runs
 * the USIM's AUTN check on it (result in u->st).
 */
static void
take_challenge(struct ue *u, const char *alg)
{
	struct digest_hdr h;
	const char *w, *v;
	uint8_t raw[256];
	char err[256], prev[512];
	ssize_t n;

	ck_assert_msg(u->r.status == 401, "expected 401, got %d %s: %s",
	    u->r.status, u->r.reason, u->r.body);
	ck_assert_int_eq(httpc_header_count(&u->r, "WWW-Authenticate"), 1);
	w = httpc_header(&u->r, "WWW-Authenticate");
	ck_assert_msg(digest_parse(&h, DIGEST_CHALLENGE, w, err,
	    sizeof(err)) == 0, "WWW-Authenticate '%s': %s", w, err);
	ck_assert_msg(digest_validate(&h, err, sizeof(err)) == 0,
	    "WWW-Authenticate '%s': %s", w, err);
	ck_assert_str_eq(digest_get(&h, "realm"), u->fqdn);
	ck_assert_ptr_nonnull(v = digest_get(&h, "qop"));
	ck_assert_msg(list_has(v, "auth-int"), "qop '%s'", v);
	ck_assert_ptr_nonnull(v = digest_get(&h, "algorithm"));
	ck_assert_str_eq(v, alg);
	snprintf(u->algorithm, sizeof(u->algorithm), "%s", v);
	ck_assert_ptr_nonnull(v = digest_get(&h, "opaque"));
	ck_assert_msg(*v != '\0' && strlen(v) < sizeof(u->opaque),
	    "opaque '%s'", v);
	snprintf(u->opaque, sizeof(u->opaque), "%s", v);
	v = digest_get(&h, "stale");
	u->stale = v != NULL && strcasecmp(v, "true") == 0;
	ck_assert_ptr_nonnull(v = digest_get(&h, "nonce"));
	ck_assert_msg(strlen(v) < sizeof(u->nonce), "nonce too long");
	n = b64_decode(v, strlen(v), raw, sizeof(raw));
	ck_assert_msg(n >= 32, "nonce '%s' is not base64 of RAND||AUTN", v);
	snprintf(prev, sizeof(prev), "%s", u->nonce);
	ck_assert_msg(strcmp(prev, v) != 0, "the BSF sent nonce %s again", v);
	snprintf(u->nonce, sizeof(u->nonce), "%s", v);
	memcpy(u->rand, raw, 16);
	memcpy(u->autn, raw + 16, 16);
	aka_result_clear(&u->res);
	u->st = aka_autn_check(&u->mil, &u->sqn_ms, u->rand, u->autn,
	    &u->res, u->auts);
}

/* What the UE does wrong in request 2. */
enum tweak {
	TW_NONE,
	TW_WRONG_RES,		/* one bit of RES flipped */
	TW_REALM,		/* realm (and HA1) of another domain */
	TW_UNKNOWN_NONCE,	/* a nonce the BSF never sent */
	TW_DUP_PARAM,		/* nc twice */
	TW_NO_CNONCE,		/* qop without cnonce */
	TW_NO_NC,		/* qop without nc */
	TW_NO_OPAQUE,		/* opaque not echoed */
	TW_SYNTAX		/* an unterminated quoted-string */
};

/*
 * Request 2 for the current challenge (TS 24.109 A.4): the password is
 * RES (AKAv1) or the AKAv2 password when the AUTN check passed; after a
 * synchronisation failure it is empty and `auts` is added; after a MAC
 * failure it is empty without `auts` (the UE rejects the network). qop
 * auth-int over the empty body, nc 00000001, a new cnonce, opaque echoed.
 */
static void
answer(struct ue *u, enum tweak tw)
{
	struct digest_input in;
	struct digest_build b;
	uint8_t res[AKA_RES_MAX], cn[16], bogus[32];
	char resp[DIGEST_HEX_MAX], pw2[DIGEST_AKAV2_PW_LEN];
	char nonce[sizeof(u->nonce)], auts[B64_LEN(14)];
	const char *realm = tw == TW_REALM ? EVIL_FQDN : u->fqdn;

	u->pw_len = 0;
	if (u->st == AKA_OK) {
		memcpy(res, u->res.res, u->res.res_len);
		if (tw == TW_WRONG_RES)
			res[0] ^= 0x01;
		if (strcasecmp(u->algorithm, "AKAv2-MD5") == 0) {
			ck_assert_int_eq(digest_akav2_password(res,
			    u->res.res_len, u->res.ik, u->res.ck, pw2), 0);
			u->pw_len = strlen(pw2);
			memcpy(u->pw, pw2, u->pw_len);
		} else {
			u->pw_len = u->res.res_len;
			memcpy(u->pw, res, u->pw_len);
		}
	}
	if (tw == TW_UNKNOWN_NONCE) {
		ck_assert_int_eq(crypto_random(bogus, sizeof(bogus), 0), 0);
		b64_encode(bogus, sizeof(bogus), nonce);
	} else
		snprintf(nonce, sizeof(nonce), "%s", u->nonce);
	ck_assert_int_eq(crypto_random(cn, sizeof(cn), 0), 0);
	hex_encode(cn, sizeof(cn), u->cnonce);
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(digest_alg_parse(u->algorithm, &in.alg), 0);
	in.username = u->impi;
	in.realm = realm;
	in.password = u->pw;
	in.password_len = u->pw_len;
	in.method = "GET";
	in.uri = "/";
	in.nonce = nonce;
	in.nc = "00000001";
	in.cnonce = u->cnonce;
	in.qop = "auth-int";
	ck_assert_int_eq(digest_response(&in, resp), 0);

	digest_build_init(&b, DIGEST_CREDENTIALS, u->authz, sizeof(u->authz));
	digest_build_add(&b, "username", u->impi, DIGEST_AUTO);
	digest_build_add(&b, "realm", realm, DIGEST_AUTO);
	digest_build_add(&b, "nonce", nonce, DIGEST_AUTO);
	digest_build_add(&b, "uri", "/", DIGEST_AUTO);
	digest_build_add(&b, "qop", "auth-int", DIGEST_AUTO);
	if (tw != TW_NO_NC)
		digest_build_add(&b, "nc", "00000001", DIGEST_AUTO);
	if (tw != TW_NO_CNONCE)
		digest_build_add(&b, "cnonce", u->cnonce, DIGEST_AUTO);
	digest_build_add(&b, "response", resp, DIGEST_AUTO);
	if (tw != TW_NO_OPAQUE)
		digest_build_add(&b, "opaque", u->opaque, DIGEST_AUTO);
	digest_build_add(&b, "algorithm", u->algorithm, DIGEST_AUTO);
	if (u->st == AKA_SYNC_FAILURE) {
		b64_encode(u->auts, sizeof(u->auts), auts);
		digest_build_add(&b, "auts", auts, DIGEST_AUTO);
	}
	ck_assert_int_eq(digest_build_finish(&b, NULL), 0);
	if (tw == TW_DUP_PARAM)
		strncat(u->authz, ", nc=00000001",
		    sizeof(u->authz) - strlen(u->authz) - 1);
	if (tw == TW_SYNTAX)
		strncat(u->authz, ", cnonce=\"unterminated",
		    sizeof(u->authz) - strlen(u->authz) - 1);
	memset(res, 0, sizeof(res));
	memset(pw2, 0, sizeof(pw2));
	ub_get(u, u->authz);
}

/* The text between <tag> and </tag> in `xml`. */
static int
xml_text(const char *xml, const char *tag, char *out, size_t size)
{
	char open[64], close[64];
	const char *p, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if ((p = strstr(xml, open)) == NULL)
		return -1;
	p += strlen(open);
	if ((e = strstr(p, close)) == NULL || (size_t)(e - p) >= size)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

/* "2026-11-29T10:13:17Z" (xs:dateTime in UTC) as a time_t. */
static time_t
utc_time(const char *s)
{
	struct tm tm;
	const char *e;

	memset(&tm, 0, sizeof(tm));
	e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	ck_assert_msg(e != NULL, "'%s' is not an xs:dateTime", s);
	if (*e == '.')		/* fractional seconds are allowed */
		e += 1 + strspn(e + 1, "0123456789");
	ck_assert_msg(strcmp(e, "Z") == 0, "'%s' does not end in Z (UTC)", s);
	return timegm(&tm);
}

/* Wait for `event` in BSF_LOG written since u->mark. */
static void
wait_event(struct ue *u, const char *event, char *line, size_t size)
{
	long pos = u->mark;
	char needle[64];

	snprintf(needle, sizeof(needle), "%s ", event);
	ck_assert_msg(e2e_wait_log(e2e_env(u->s, "BSF_LOG"), needle, &pos, line,
	    size, E2E_WAIT_MS) == 0, "no %s in %s after the request", event,
	    e2e_env(u->s, "BSF_LOG"));
}

/* The value of key `key` in an event line (quoted or not), without
 * unescaping. */
static int
event_value(const char *line, const char *key, char *out, size_t size)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), " %s=", key);
	if ((p = strstr(line, pat)) == NULL)
		return -1;
	p += strlen(pat);
	if (*p == '"') {
		for (e = ++p; *e != '\0' && *e != '"'; e++)
			if (*e == '\\' && e[1] != '\0')
				e++;
	} else
		e = p + strcspn(p, " \n");
	if ((size_t)(e - p) >= size)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

/*
 * BSF-AUTH-FAIL for the last request: impi, status and a reason holding
 * one of the '|'-separated keywords of `reasons` (case-insensitive; ""
 * takes any non-empty reason).
 */
static void
expect_fail_event(struct ue *u, const char *impi, int status,
    const char *reasons)
{
	char line[4096], v[1024], want[16], kw[64];
	const char *p, *e;
	int hit = 0;

	wait_event(u, "BSF-AUTH-FAIL", line, sizeof(line));
	/* impi NULL: a header too broken to read it from ("-" is fine) */
	ck_assert_msg(event_value(line, "impi", v, sizeof(v)) == 0 &&
	    (strcmp(v, impi != NULL ? impi : u->impi) == 0 ||
	    (impi == NULL && strcmp(v, "-") == 0)), "impi=%s not in: %s",
	    impi != NULL ? impi : u->impi, line);
	snprintf(want, sizeof(want), "%d", status);
	ck_assert_msg(event_value(line, "status", v, sizeof(v)) == 0 &&
	    strcmp(v, want) == 0, "status=%d not in: %s", status, line);
	ck_assert_msg(event_value(line, "reason", v, sizeof(v)) == 0 &&
	    v[0] != '\0', "no reason in: %s", line);
	for (p = reasons; *p != '\0' && !hit; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "|");
		snprintf(kw, sizeof(kw), "%.*s", (int)(e - p), p);
		hit = strcasestr(v, kw) != NULL;
	}
	ck_assert_msg(*reasons == '\0' || hit,
	    "reason \"%s\" mentions none of %s (line: %s)", v, reasons, line);
}

/*
 * The 200 in u->r (TS 24.109 A.3/C.1, RFC 3310 §3.5): BootstrappingInfo
 * with B-TID = base64(RAND)@fqdn and a UTC lifetime of about now +
 * `lifetime` s, rspauth over the exact body verified with the same
 * password, and BSF-BOOTSTRAP-OK in the log.
 */
static void
check_bootstrap_ok(struct ue *u, long lifetime)
{
	struct digest_hdr h;
	struct digest_input in;
	const char *ct, *ai, *v;
	char want[300], rand64[B64_LEN(16)], lt[64], err[256], rsp[DIGEST_HEX_MAX];
	char line[2048];
	time_t now = time(NULL);

	ck_assert_msg(u->r.status == 200, "expected 200, got %d %s: %s",
	    u->r.status, u->r.reason, u->r.body);
	ck_assert_ptr_nonnull(ct = httpc_header(&u->r, "Content-Type"));
	ck_assert_msg(strncasecmp(ct, "application/vnd.3gpp.bsf+xml", 28) == 0 &&
	    (ct[28] == '\0' || ct[28] == ';'), "Content-Type '%s'", ct);
	ck_assert_msg(strstr(u->r.body,
	    "<BootstrappingInfo xmlns=\"uri:3gpp-gba\">") != NULL,
	    "body: %s", u->r.body);
	ck_assert_msg(xml_text(u->r.body, "btid", u->btid, sizeof(u->btid)) == 0,
	    "no <btid>: %s", u->r.body);
	b64_encode(u->rand, 16, rand64);
	snprintf(want, sizeof(want), "%s@%s", rand64, u->fqdn);
	ck_assert_str_eq(u->btid, want);
	ck_assert_msg(xml_text(u->r.body, "lifetime", lt, sizeof(lt)) == 0,
	    "no <lifetime>: %s", u->r.body);
	u->lifetime = utc_time(lt);
	ck_assert_msg(labs((long)(u->lifetime - now) - lifetime) <= LIFETIME_SLACK,
	    "lifetime %s is %ld s from now, expected %ld", lt,
	    (long)(u->lifetime - now), lifetime);

	ck_assert_int_eq(httpc_header_count(&u->r, "Authentication-Info"), 1);
	ai = httpc_header(&u->r, "Authentication-Info");
	ck_assert_msg(digest_parse(&h, DIGEST_AUTH_INFO, ai, err,
	    sizeof(err)) == 0, "Authentication-Info '%s': %s", ai, err);
	ck_assert_msg(digest_validate(&h, err, sizeof(err)) == 0,
	    "Authentication-Info '%s': %s", ai, err);
	if ((v = digest_get(&h, "qop")) != NULL)
		ck_assert_str_eq(v, "auth-int");
	if ((v = digest_get(&h, "cnonce")) != NULL)
		ck_assert_str_eq(v, u->cnonce);
	if ((v = digest_get(&h, "nc")) != NULL)
		ck_assert_str_eq(v, "00000001");
	ck_assert_ptr_nonnull(v = digest_get(&h, "rspauth"));
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(digest_alg_parse(u->algorithm, &in.alg), 0);
	in.username = u->impi;
	in.realm = u->fqdn;
	in.password = u->pw;
	in.password_len = u->pw_len;
	in.method = "";
	in.uri = "/";
	in.nonce = u->nonce;
	in.nc = "00000001";
	in.cnonce = u->cnonce;
	in.qop = "auth-int";
	in.body = (const uint8_t *)u->r.body;
	in.body_len = u->r.body_len;
	ck_assert_int_eq(digest_response(&in, rsp), 0);
	ck_assert_msg(strcmp(v, rsp) == 0,
	    "rspauth %s, expected %s (password RES, method \"\", the %zu-octet"
	    " body)", v, rsp, u->r.body_len);

	wait_event(u, "BSF-BOOTSTRAP-OK", line, sizeof(line));
	ck_assert_msg(strstr(line, u->impi) != NULL &&
	    strstr(line, u->btid) != NULL, "event without impi/btid: %s", line);
}

/* A whole bootstrap on u's connection: 401, AKA, 200. */
static void
bootstrap(struct ue *u, const char *alg, long lifetime)
{
	request1(u, u->impi);
	take_challenge(u, alg);
	ck_assert_msg(u->st == AKA_OK, "AUTN check: %s",
	    aka_status_str(u->st));
	answer(u, TW_NONE);
	check_bootstrap_ok(u, lifetime);
}

/* ---- Ub: success -------------------------------------------------------- */

/* AKAv1: both round trips on one keep-alive connection. */
START_TEST(ub_bootstrap_akav1)
{
	struct e2e_stack s;
	struct ue u;

	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, 0);
	request1(&u, u.impi);
	take_challenge(&u, "AKAv1-MD5");
	ck_assert_int_eq(u.stale, 0);
	ck_assert_int_eq(u.st, AKA_OK);
	ck_assert_msg(httpc_header(&u.r, "Connection") == NULL ||
	    strcasestr(httpc_header(&u.r, "Connection"), "close") == NULL,
	    "the 401 closes the connection");
	answer(&u, TW_NONE);
	check_bootstrap_ok(&u, 3600);
	ck_assert_int_eq(u.c.connects, 1);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

START_TEST(ub_bootstrap_akav2)
{
	struct e2e_stack s;
	struct ue u;

	e2e_stack_up(&s, (const char *[]){ "--scheme", "AKAv2", NULL });
	ue_init(&u, &s, 0);
	bootstrap(&u, "AKAv2-MD5", 3600);
	ck_assert_uint_eq(u.pw_len, 24);	/* the base64 text is the password */
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* A client that skips the empty nonce/response and sends only the
 * username gets the same challenge and can finish. */
START_TEST(ub_username_only)
{
	struct e2e_stack s;
	struct ue u;
	char v[512];

	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, 0);
	snprintf(v, sizeof(v), "Digest username=\"%s\"", u.impi);
	ub_get(&u, v);
	take_challenge(&u, "AKAv1-MD5");
	ck_assert_int_eq(u.st, AKA_OK);
	answer(&u, TW_NONE);
	check_bootstrap_ok(&u, 3600);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* No Authorization: 400 saying the IMPI is needed, then service as usual. */
START_TEST(ub_no_authorization)
{
	struct e2e_stack s;
	struct ue u;

	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, 0);
	ub_get(&u, NULL);
	ck_assert_msg(u.r.status == 400, "expected 400, got %d", u.r.status);
	ck_assert_msg(strcasestr(u.r.body, "IMPI") != NULL ||
	    strcasestr(u.r.body, "username") != NULL,
	    "the 400 body does not say the IMPI is needed: '%s'", u.r.body);
	ck_assert_int_eq(httpc_header_count(&u.r, "WWW-Authenticate"), 0);
	bootstrap(&u, "AKAv1-MD5", 3600);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* bsf.lifetime from the config when the GUSS has none; a second bootstrap
 * of the same IMPI gives another B-TID. */
START_TEST(ub_lifetime_config)
{
	struct e2e_stack s;
	struct ue u;
	char first[256];

	e2e_stack_up(&s, (const char *[]){ "--bsf-opt", "bsf.lifetime=600", NULL });
	ue_init(&u, &s, 0);
	bootstrap(&u, "AKAv1-MD5", 600);
	snprintf(first, sizeof(first), "%s", u.btid);
	bootstrap(&u, "AKAv1-MD5", 600);
	ck_assert_str_ne(first, u.btid);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* ---- Ub: what the UE gets wrong in request 2 ---------------------------- */

struct answer_case {
	const char	*name;
	enum tweak	 tw;
	int		 bad_k;		/* UE's K differs: AUTN fails its MAC */
	int		 status;
	const char	*reason;	/* '|'-separated keywords, "" any */
	int		 rechallenge;	/* a fresh challenge comes with it */
	int		 stale;		/* ... with stale=true */
	int		 broken;	/* event may say impi=- */
};

static const struct answer_case answer_cases[] = {
	{ "wrong RES", TW_WRONG_RES, 0, 401, "response|RES", 1, 0, 0 },
	{ "realm not the BSF's", TW_REALM, 0, 401, "realm", 1, 0, 0 },
	{ "nonce never sent", TW_UNKNOWN_NONCE, 0, 401, "nonce", 1, 1, 0 },
	{ "nc twice", TW_DUP_PARAM, 0, 400, "duplicate", 0, 0, 1 },
	{ "qop without cnonce", TW_NO_CNONCE, 0, 400, "cnonce", 0, 0, 0 },
	{ "qop without nc", TW_NO_NC, 0, 400, "", 0, 0, 0 },
	{ "opaque not echoed", TW_NO_OPAQUE, 0, 400, "opaque", 0, 0, 0 },
	{ "unterminated quoted-string", TW_SYNTAX, 0, 400, "", 0, 0, 1 },
	{ "UE rejected the network (MAC-A)", TW_NONE, 1, 403, "network", 0, 0, 0 },
};

START_TEST(ub_answer_failures)
{
	const struct answer_case *c = &answer_cases[_i];
	struct e2e_stack s;
	struct ue u, good;

	fprintf(stderr, "ub_answer_failures: %s\n", c->name);
	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, c->bad_k);
	request1(&u, u.impi);
	take_challenge(&u, "AKAv1-MD5");
	ck_assert_int_eq(u.st, c->bad_k ? AKA_MAC_FAILURE : AKA_OK);
	answer(&u, c->tw);
	ck_assert_msg(u.r.status == c->status, "%s: expected %d, got %d %s: %s",
	    c->name, c->status, u.r.status, u.r.reason, u.r.body);
	expect_fail_event(&u, c->broken ? NULL : u.impi, c->status, c->reason);
	if (c->rechallenge) {
		/* a new vector, which a correct answer turns into a session */
		take_challenge(&u, "AKAv1-MD5");
		ck_assert_msg(u.stale == c->stale, "%s: stale=%d, expected %d",
		    c->name, u.stale, c->stale);
		ck_assert_int_eq(u.st, AKA_OK);
		answer(&u, TW_NONE);
		check_bootstrap_ok(&u, 3600);
	} else {
		ck_assert_int_eq(httpc_header_count(&u.r, "WWW-Authenticate"), 0);
		/* the BSF serves on */
		ue_init(&good, &s, 0);
		bootstrap(&good, "AKAv1-MD5", 3600);
		ue_free(&good);
	}
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* ub.failure_budget wrong answers within the window: the last one (and any
 * later wrong answer) gets 403. Loop 0: the default 3; loop 1: -o 1. */
START_TEST(ub_failure_budget)
{
	const int budget = _i == 0 ? 3 : 1;
	struct e2e_stack s;
	struct ue u;
	int k;

	e2e_stack_up(&s, _i == 0 ? NULL :
	    (const char *[]){ "--bsf-opt", "ub.failure_budget=1", NULL });
	ue_init(&u, &s, 0);
	request1(&u, u.impi);
	for (k = 1; k <= budget; k++) {
		take_challenge(&u, "AKAv1-MD5");
		ck_assert_int_eq(u.st, AKA_OK);
		answer(&u, TW_WRONG_RES);
		if (k < budget) {
			ck_assert_msg(u.r.status == 401,
			    "wrong answer %d of %d: expected 401, got %d", k,
			    budget, u.r.status);
			expect_fail_event(&u, u.impi, 401, "response|RES");
		} else {
			ck_assert_msg(u.r.status == 403,
			    "wrong answer %d of %d: expected 403, got %d", k,
			    budget, u.r.status);
			expect_fail_event(&u, u.impi, 403, "");
			ck_assert_int_eq(httpc_header_count(&u.r,
			    "WWW-Authenticate"), 0);
		}
	}
	/* Still within the window: a new attempt is refused at once, or its
	 * next wrong answer is. */
	request1(&u, u.impi);
	if (u.r.status != 403) {
		take_challenge(&u, "AKAv1-MD5");
		answer(&u, TW_WRONG_RES);
		ck_assert_msg(u.r.status == 403, "wrong answer after the budget "
		    "was spent: expected 403, got %d", u.r.status);
	}
	expect_fail_event(&u, u.impi, 403, "");
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* Request 2 sent again after the 200: 401 stale=true and a fresh
 * challenge, which works. */
START_TEST(ub_replayed_nonce)
{
	struct e2e_stack s;
	struct ue u;
	char first[256];

	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, 0);
	bootstrap(&u, "AKAv1-MD5", 3600);
	snprintf(first, sizeof(first), "%s", u.btid);
	ub_get(&u, u.authz);
	ck_assert_msg(u.r.status == 401, "replay: expected 401, got %d",
	    u.r.status);
	expect_fail_event(&u, u.impi, 401, "nonce");
	take_challenge(&u, "AKAv1-MD5");
	ck_assert_int_eq(u.stale, 1);
	ck_assert_int_eq(u.st, AKA_OK);
	answer(&u, TW_NONE);
	check_bootstrap_ok(&u, 3600);
	ck_assert_str_ne(first, u.btid);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

START_TEST(ub_unknown_impi)
{
	struct e2e_stack s;
	struct ue u;

	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, 0);
	request1(&u, UNKNOWN_IMPI);
	ck_assert_msg(u.r.status == 403, "expected 403, got %d", u.r.status);
	ck_assert_int_eq(httpc_header_count(&u.r, "WWW-Authenticate"), 0);
	expect_fail_event(&u, UNKNOWN_IMPI, 403, "unknown|5401");
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* The USIM is ahead of the HSS (SEQ 1000): AUTS with an empty-password
 * response, a new challenge from the resynchronised HSS, success. */
START_TEST(ub_resync)
{
	struct e2e_stack s;
	struct ue u;
	long pos = 0;

	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, 0);
	aka_sqn_ms_update(&u.sqn_ms, AKA_SQN_MAKE(1000, 0));
	request1(&u, u.impi);
	take_challenge(&u, "AKAv1-MD5");
	ck_assert_msg(u.st == AKA_SYNC_FAILURE, "AUTN check: %s",
	    aka_status_str(u.st));
	answer(&u, TW_NONE);		/* auts, empty password */
	take_challenge(&u, "AKAv1-MD5");
	ck_assert_msg(u.st == AKA_OK, "vector after resync: %s",
	    aka_status_str(u.st));
	ck_assert_uint_eq(AKA_SQN_SEQ(aka_sqn_get(u.res.sqn)), 1001);
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "HSS_STUB_LOG"),
	    "HSS-RESYNC impi=", &pos, NULL, 0, E2E_WAIT_MS), 0);
	answer(&u, TW_NONE);
	check_bootstrap_ok(&u, 3600);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* The HSS stopped (SIGSTOP): 503 within zh.timeout_ms, never a hang; once
 * it runs again the BSF drops the late answer and serves normally. */
START_TEST(ub_hss_stopped)
{
	struct e2e_stack s;
	struct ue u;
	char v[DIGEST_MAX_LEN];
	pid_t hss;
	int rc;

	e2e_stack_up(&s, (const char *[]){ "--bsf-opt", "zh.timeout_ms=300", NULL });
	ue_init(&u, &s, 0);
	hss = (pid_t)atoi(e2e_env(&s, "HSS_STUB_PID"));
	request1_authz(&u, u.impi, v, sizeof(v));
	ck_assert_int_eq(kill(hss, SIGSTOP), 0);
	rc = ub_try(&u, v);
	kill(hss, SIGCONT);		/* before any assertion can end the test */
	ck_assert_msg(rc == 0, "no answer within %d ms: %s", ANSWER_MAX_MS,
	    u.c.err);
	ck_assert_msg(u.r.status == 503, "expected 503, got %d after %ld ms",
	    u.r.status, u.r.ms);
	/* it waited for the HSS, and no longer than zh.timeout_ms allows */
	fprintf(stderr, "ub_hss_stopped: 503 after %ld ms\n", u.r.ms);
	ck_assert_msg(u.r.ms >= 250 && u.r.ms < 300 + 1500,
	    "503 after %ld ms with zh.timeout_ms=300", u.r.ms);
	expect_fail_event(&u, u.impi, 503, "HSS");
	bootstrap(&u, "AKAv1-MD5", 3600);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* The HSS gone: 503 at once. */
START_TEST(ub_hss_down)
{
	struct e2e_stack s;
	struct ue u;
	long pos;

	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, 0);
	pos = e2e_log_size(e2e_env(&s, "BSF_LOG"));
	ck_assert_int_eq(kill((pid_t)atoi(e2e_env(&s, "HSS_STUB_PID")),
	    SIGTERM), 0);
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "BSF_LOG"), "DIA-PEER-DOWN ",
	    &pos, NULL, 0, E2E_WAIT_MS), 0);
	request1(&u, u.impi);
	ck_assert_msg(u.r.status == 503, "expected 503, got %d", u.r.status);
	ck_assert_msg(u.r.ms < ANSWER_MAX_MS, "503 after %ld ms", u.r.ms);
	expect_fail_event(&u, u.impi, 503, "HSS");
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* ---- Ub: hostile request heads ------------------------------------------ */

struct head_case {
	const char	*name;
	const char	*prefix;	/* request text before the filler */
	size_t		 filler;	/* 'a' octets of filler */
	const char	*suffix;
	int		 may_reset;	/* the BSF may close before answering */
};

static const struct head_case head_cases[] = {
	{ "header over ub.header_max (8192)",
	    "GET / HTTP/1.1\r\nHost: bsf.ims.example.org\r\nX-Filler: ", 9000,
	    "\r\n\r\n", 0 },
	{ "head of 200 kB",
	    "GET / HTTP/1.1\r\nHost: bsf.ims.example.org\r\nX-Filler: ", 200000,
	    "\r\n\r\n", 1 },
	{ "Authorization over the Digest cap (4096)",
	    "GET / HTTP/1.1\r\nHost: bsf.ims.example.org\r\n"
	    "Authorization: Digest username=\"", 6000,
	    "\", realm=\"bsf.ims.example.org\", nonce=\"\", uri=\"/\", "
	    "response=\"\"\r\n\r\n", 0 },
	{ "header line without a colon",
	    "GET / HTTP/1.1\r\nHost: bsf.ims.example.org\r\nNoColonHere", 10,
	    "\r\n\r\n", 0 },
	{ "garbage request line", "\x01\x02 ", 5, " HTTP/9.9\r\n\r\n", 0 },
};

START_TEST(ub_hostile_heads)
{
	const struct head_case *c = &head_cases[_i];
	struct e2e_stack s;
	struct ue u, good;
	struct httpc_resp *r;
	size_t pl = strlen(c->prefix), sl = strlen(c->suffix);
	char *req = malloc(pl + c->filler + sl);
	int rc;

	fprintf(stderr, "ub_hostile_heads: %s\n", c->name);
	ck_assert_ptr_nonnull(req);
	memcpy(req, c->prefix, pl);
	memset(req + pl, 'a', c->filler);
	memcpy(req + pl + c->filler, c->suffix, sl);
	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, 0);
	r = &u.r;
	ck_assert_msg(httpc_send_raw(&u.c, req, pl + c->filler + sl) == 0, "%s",
	    u.c.err);
	rc = httpc_recv(&u.c, r, ANSWER_MAX_MS);
	fprintf(stderr, "ub_hostile_heads: %s: %d %s\n", c->name,
	    rc == 0 ? r->status : -1, rc == 0 ? r->reason : u.c.err);
	if (rc != 0) {
		ck_assert_msg(c->may_reset && strstr(u.c.err, "timeout") == NULL,
		    "%s: no answer: %s", c->name, u.c.err);
	} else {
		ck_assert_msg(r->status == 400 || r->status == 431,
		    "%s: expected 400 or 431, got %d", c->name, r->status);
	}
	/* the BSF serves the next client */
	ue_init(&good, &s, 0);
	bootstrap(&good, "AKAv1-MD5", 3600);
	ue_free(&good);
	ue_free(&u);
	free(req);
	e2e_stack_down(&s);
}
END_TEST

/* ---- Zn ----------------------------------------------------------------- */

/* What a BIA carried. */

/* Ks_NAF as `ue crypto ks-naf` computes it for the UE's last vector. */
static void
ue_ks_naf(const struct ue *u, const char *naf_fqdn, const char *ua_hex,
    char out[65])
{
	struct e2e_run r;
	char ck[33], ik[33], rand[33];

	e2e_run(&r, (const char *[]){ e2e_prog("ue"), "--json", "crypto",
	    "ks-naf", "--ck", hex_encode(u->res.ck, 16, ck), "--ik",
	    hex_encode(u->res.ik, 16, ik), "--rand",
	    hex_encode(u->rand, 16, rand), "--impi", u->impi, "--naf-fqdn",
	    naf_fqdn, "--ua-id", ua_hex, NULL });
	ck_assert_msg(r.status == 0, "ue crypto ks-naf: %s", r.err);
	ck_assert_int_eq(e2e_json(r.out, "ks_naf", out, 65), 0);
}

/* Neither the vector's secrets nor Ks_NAF (hex, base64) are in BSF_LOG
 * (keys print as [hidden] unless -K). */
static void
ck_no_keys_in_log(const struct ue *u, const char *ks_naf_hex)
{
	static char log[1 << 20];
	const char *secrets[6];
	char ck[33], ik[33], res[33], ks[65], b64[B64_LEN(32)];
	uint8_t k[32];
	size_t n;
	FILE *f;
	int i;

	ck_assert_int_eq(hex_decode_exact(ks_naf_hex, k, 32), 0);
	b64_encode(k, 32, b64);
	hex_encode(u->res.ck, 16, ck);
	hex_encode(u->res.ik, 16, ik);
	hex_encode(u->res.res, u->res.res_len, res);
	snprintf(ks, sizeof(ks), "%s%s", ck, ik);
	secrets[0] = ck;
	secrets[1] = ik;
	secrets[2] = res;
	secrets[3] = ks_naf_hex;
	secrets[4] = b64;
	secrets[5] = ks;
	f = fopen(e2e_env(u->s, "BSF_LOG"), "r");
	ck_assert_ptr_nonnull(f);
	n = fread(log, 1, sizeof(log) - 1, f);
	log[n] = '\0';
	fclose(f);
	for (i = 0; i < 6; i++)
		ck_assert_msg(strcasestr(log, secrets[i]) == NULL,
		    "key material %s in BSF_LOG", secrets[i]);
}

static void
ck_key(const struct e2e_bia *a, const char *want_hex)
{
	char got[129];

	ck_assert_msg(a->result == DIA_SUCCESS, "BIA result %u", a->result);
	ck_assert_int_eq(a->has_key, 1);
	ck_assert_uint_eq(a->key_len, 32);
	ck_assert_str_eq(hex_encode(a->key, a->key_len, got), want_hex);
}

/* The BIA of a fresh session: Ks_NAF for the NAF_Id asked (TLS 1.3 and
 * HTTP Digest Ua ids), expiry = the BootstrappingInfo lifetime, creation
 * time, GBA-Type 0, the IMPI, and only the NAF group's USSs in a ussList. */
START_TEST(zn_bia)
{
	struct e2e_stack s;
	struct ue u;
	struct e2e_dia *d;
	struct e2e_bia a;
	char want[65];
	time_t t0 = time(NULL);

	e2e_stack_up(&s, (const char *[]){ "--uss", "0,0,default",
	    "--uss", "7,1,other,1", NULL });
	ue_init(&u, &s, 0);
	bootstrap(&u, "AKAv1-MD5", 3600);
	d = e2e_zn_open(&s, e2e_env(&s, "TESTER_ORIGIN_HOST"));
	ck_assert_msg(d != NULL, "Zn: the BSF refused TESTER_ORIGIN_HOST");
	e2e_bir(d, &s, e2e_env(&s, "TESTER_ORIGIN_HOST"), u.btid,
	    e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, &a);
	ue_ks_naf(&u, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, want);
	ck_key(&a, want);
	ck_assert_int_eq(a.has_expiry, 1);
	ck_assert_msg(labs((long)(a.expiry - u.lifetime)) <= 1,
	    "Key-ExpiryTime %ld, BootstrappingInfo lifetime %ld",
	    (long)a.expiry, (long)u.lifetime);
	ck_assert_int_eq(a.has_created, 1);
	ck_assert_msg(a.created >= t0 - 1 && a.created <= time(NULL) + 1,
	    "BootstrapInfoCreationTime %ld, test ran from %ld", (long)a.created,
	    (long)t0);
	ck_assert_int_eq(a.has_type, 1);
	ck_assert_uint_eq(a.gba_type, 0);
	ck_assert_int_eq(a.has_user, 1);
	ck_assert_str_eq(a.user, u.impi);
	ck_assert_int_eq(a.has_guss, 1);
	ck_assert_msg(strstr(a.guss, "<ussList") != NULL &&
	    strstr(a.guss, "<guss") == NULL, "GUSS on Zn is not a ussList: %s",
	    a.guss);
	ck_assert_msg(strstr(a.guss, "nafGroup=\"default\"") != NULL &&
	    strstr(a.guss, e2e_env(&s, "IMPU")) != NULL,
	    "the default group's USS is missing: %s", a.guss);
	ck_assert_msg(strstr(a.guss, "nafGroup=\"other\"") == NULL,
	    "another group's USS was sent: %s", a.guss);
	/* the Ua protocol id is part of NAF_Id: another id, another key */
	e2e_bir(d, &s, e2e_env(&s, "TESTER_ORIGIN_HOST"), u.btid,
	    e2e_env(&s, "NAF_FQDN"), UA_DIGEST_HEX, &a);
	ue_ks_naf(&u, e2e_env(&s, "NAF_FQDN"), UA_DIGEST_HEX, want);
	ck_key(&a, want);
	e2e_dia_close(d);
	ck_no_keys_in_log(&u, want);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* zn.send_impi = no: no User-Name in the BIA. */
START_TEST(zn_no_impi)
{
	struct e2e_stack s;
	struct ue u;
	struct e2e_dia *d;
	struct e2e_bia a;
	char want[65];

	e2e_stack_up(&s, (const char *[]){ "--bsf-opt", "zn.send_impi=no", NULL });
	ue_init(&u, &s, 0);
	bootstrap(&u, "AKAv1-MD5", 3600);
	d = e2e_zn_open(&s, e2e_env(&s, "TESTER_ORIGIN_HOST"));
	ck_assert_ptr_nonnull(d);
	e2e_bir(d, &s, e2e_env(&s, "TESTER_ORIGIN_HOST"), u.btid,
	    e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, &a);
	ue_ks_naf(&u, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, want);
	ck_key(&a, want);
	ck_assert_int_eq(a.has_user, 0);
	e2e_dia_close(d);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

static void
ck_refused(const struct e2e_bia *a, uint32_t code, const char *what)
{
	ck_assert_msg(a->result == code, "%s: expected %u, got %u", what, code,
	    a->result);
	if (code > 5400 && code < 5410)
		ck_assert_msg(a->vendor == DIA_VENDOR_3GPP,
		    "%s: Experimental-Result vendor %u", what, a->vendor);
	ck_assert_msg(!a->has_key, "%s: the BIA carries a key", what);
}

/* 5403 unknown B-TID, 5402 a NAF_Id not mapped to this NAF, 5005 no
 * NAF-Id; the connection serves on. */
START_TEST(zn_errors)
{
	struct e2e_stack s;
	struct ue u;
	struct e2e_dia *d;
	struct e2e_bia a;
	char want[65], unknown[300];
	const char *naf;

	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, 0);
	bootstrap(&u, "AKAv1-MD5", 3600);
	naf = e2e_env(&s, "TESTER_ORIGIN_HOST");
	d = e2e_zn_open(&s, naf);
	ck_assert_ptr_nonnull(d);
	snprintf(unknown, sizeof(unknown), "AAAAAAAAAAAAAAAAAAAAAA==@%s",
	    u.fqdn);
	e2e_bir(d, &s, naf, unknown, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, &a);
	ck_refused(&a, DIA_ERROR_TRANSACTION_ID_INVALID, "unknown B-TID");
	e2e_bir(d, &s, naf, u.btid, EVIL_FQDN, UA_TLS13_HEX, &a);
	ck_refused(&a, DIA_ERROR_NOT_AUTHORIZED, "NAF_Id of another FQDN");
	e2e_bir(d, &s, naf, u.btid, NULL, NULL, &a);
	ck_refused(&a, DIA_MISSING_AVP, "no NAF-Id");
	e2e_bir(d, &s, naf, u.btid, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, &a);
	ue_ks_naf(&u, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, want);
	ck_key(&a, want);
	e2e_dia_close(d);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* A Diameter identity not on zn.naf_hosts: refused at CER, or its BIR
 * gets 5402. */
START_TEST(zn_unknown_naf)
{
	struct e2e_stack s;
	struct ue u;
	struct e2e_dia *d;
	struct e2e_bia a;

	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, 0);
	bootstrap(&u, "AKAv1-MD5", 3600);
	d = e2e_zn_open(&s, "naf." EVIL_FQDN);
	if (d != NULL) {
		e2e_bir(d, &s, "naf." EVIL_FQDN, u.btid, e2e_env(&s, "NAF_FQDN"),
		    UA_TLS13_HEX, &a);
		ck_refused(&a, DIA_ERROR_NOT_AUTHORIZED, "unknown NAF host");
		e2e_dia_close(d);
	}
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/* ---- sessions ----------------------------------------------------------- */

/* Two bootstraps of one IMPI: both B-TIDs stay valid, with their own keys. */
START_TEST(sessions_two_per_impi)
{
	struct e2e_stack s;
	struct ue u1, u2;
	struct e2e_dia *d;
	struct e2e_bia a;
	char want[65];
	const char *naf;

	e2e_stack_up(&s, NULL);
	ue_init(&u1, &s, 0);
	ue_init(&u2, &s, 0);
	bootstrap(&u1, "AKAv1-MD5", 3600);
	/* the second USIM's array is new, the HSS's next SEQ is fresh */
	bootstrap(&u2, "AKAv1-MD5", 3600);
	ck_assert_str_ne(u1.btid, u2.btid);
	naf = e2e_env(&s, "TESTER_ORIGIN_HOST");
	d = e2e_zn_open(&s, naf);
	ck_assert_ptr_nonnull(d);
	e2e_bir(d, &s, naf, u1.btid, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, &a);
	ue_ks_naf(&u1, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, want);
	ck_key(&a, want);
	e2e_bir(d, &s, naf, u2.btid, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, &a);
	ue_ks_naf(&u2, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, want);
	ck_key(&a, want);
	e2e_dia_close(d);
	ue_free(&u1);
	ue_free(&u2);
	e2e_stack_down(&s);
}
END_TEST

/* SIGTERM and a restart on the same config and database: the B-TID still
 * gets its key. */
START_TEST(sessions_survive_restart)
{
	struct e2e_stack s;
	struct ue u;
	struct e2e_dia *d;
	struct e2e_bia a;
	char want[65], conf[512], line[512], *p;
	const char *log, *naf;
	pid_t pid;
	long pos;

	e2e_stack_up(&s, NULL);
	ue_init(&u, &s, 0);
	bootstrap(&u, "AKAv1-MD5", 3600);
	ue_ks_naf(&u, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, want);
	log = e2e_env(&s, "BSF_LOG");
	naf = e2e_env(&s, "TESTER_ORIGIN_HOST");
	pos = e2e_log_size(log);
	ck_assert_int_eq(kill((pid_t)atoi(e2e_env(&s, "BSF_PID")), SIGTERM), 0);
	ck_assert_int_eq(e2e_wait_log(log, "BSF-STOPPED", &pos, NULL, 0,
	    E2E_WAIT_MS), 0);
	snprintf(conf, sizeof(conf), "%s/bsf.conf", s.dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *lf = freopen(log, "a", stderr);

		(void)lf;
		execl(e2e_prog("bsf"), "bsf", "-c", conf, "-f", (char *)NULL);
		_exit(127);
	}
	e2e_sweep_note(NULL, (long)pid);
	ck_assert_msg(e2e_wait_log(log, "LISTENING name=zn", &pos, line,
	    sizeof(line), E2E_WAIT_MS) == 0, "the restarted bsf did not listen");
	p = strrchr(line, ':');
	ck_assert_ptr_nonnull(p);
	d = e2e_dia_open(naf, e2e_env(&s, "NAF_ORIGIN_REALM"), DIA_APP_ZN,
	    (uint16_t)atoi(p + 1));
	ck_assert_ptr_nonnull(d);
	e2e_bir(d, &s, naf, u.btid, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, &a);
	ck_key(&a, want);
	e2e_dia_close(d);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

/*
 * Lifetimes: a GUSS lifeTime of 2 s (hss-stub --lifetime) sets the
 * session's; with store.purge_interval=1 BSF-PURGE removes it, after which
 * its B-TID gets 5403. A challenge taken before the session (nonce
 * lifetime 1 s) is then past its lifetime: 401 stale=true.
 */
START_TEST(sessions_expire_and_purge)
{
	struct e2e_stack s;
	struct ue u, late;
	struct e2e_dia *d;
	struct e2e_bia a;
	char want[65], line[512];
	const char *naf;
	long pos;

	e2e_stack_up(&s, (const char *[]){ "--lifetime", "2",
	    "--bsf-opt", "store.purge_interval=1",
	    "--bsf-opt", "ub.nonce_lifetime=1", NULL });
	ue_init(&late, &s, 0);
	request1(&late, late.impi);
	take_challenge(&late, "AKAv1-MD5");
	ck_assert_int_eq(late.st, AKA_OK);
	ue_init(&u, &s, 0);
	pos = e2e_log_size(e2e_env(&s, "BSF_LOG"));
	bootstrap(&u, "AKAv1-MD5", 2);
	naf = e2e_env(&s, "TESTER_ORIGIN_HOST");
	d = e2e_zn_open(&s, naf);
	ck_assert_ptr_nonnull(d);
	e2e_bir(d, &s, naf, u.btid, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, &a);
	ue_ks_naf(&u, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, want);
	ck_key(&a, want);
	ck_assert_msg(e2e_wait_log(e2e_env(&s, "BSF_LOG"), "BSF-PURGE ", &pos,
	    line, sizeof(line), E2E_WAIT_MS) == 0,
	    "no BSF-PURGE within %d ms of a 2 s session", E2E_WAIT_MS);
	ck_assert_msg(strstr(line, "removed=1") != NULL, "%s", line);
	ck_assert_msg(time(NULL) >= u.lifetime, "purged at %ld, before the "
	    "session's lifetime %ld", (long)time(NULL), (long)u.lifetime);
	e2e_bir(d, &s, naf, u.btid, e2e_env(&s, "NAF_FQDN"), UA_TLS13_HEX, &a);
	ck_refused(&a, DIA_ERROR_TRANSACTION_ID_INVALID, "purged B-TID");
	e2e_dia_close(d);
	/* the challenge taken > 1 s ago */
	answer(&late, TW_NONE);
	ck_assert_msg(late.r.status == 401, "expired nonce: expected 401, "
	    "got %d", late.r.status);
	expect_fail_event(&late, late.impi, 401, "nonce");
	take_challenge(&late, "AKAv1-MD5");
	ck_assert_int_eq(late.stale, 1);
	ue_free(&late);
	ue_free(&u);
	e2e_stack_down(&s);
}
END_TEST

Suite *
suite_e2e_bsf(void)
{
	Suite *s = suite_create("e2e_bsf");
	TCase *ub = tcase_create("ub"), *zn = tcase_create("zn");

	tcase_set_timeout(ub, 60);
	tcase_add_unchecked_fixture(ub, e2e_sweep_setup, e2e_sweep_teardown);
	tcase_add_test(ub, ub_bootstrap_akav1);
	tcase_add_test(ub, ub_bootstrap_akav2);
	tcase_add_test(ub, ub_username_only);
	tcase_add_test(ub, ub_no_authorization);
	tcase_add_test(ub, ub_lifetime_config);
	tcase_add_loop_test(ub, ub_answer_failures, 0,
	    (int)(sizeof(answer_cases) / sizeof(answer_cases[0])));
	tcase_add_loop_test(ub, ub_failure_budget, 0, 2);
	tcase_add_test(ub, ub_replayed_nonce);
	tcase_add_test(ub, ub_unknown_impi);
	tcase_add_test(ub, ub_resync);
	tcase_add_test(ub, ub_hss_stopped);
	tcase_add_test(ub, ub_hss_down);
	tcase_add_loop_test(ub, ub_hostile_heads, 0,
	    (int)(sizeof(head_cases) / sizeof(head_cases[0])));
	suite_add_tcase(s, ub);

	tcase_set_timeout(zn, 60);
	tcase_add_unchecked_fixture(zn, e2e_sweep_setup, e2e_sweep_teardown);
	tcase_add_test(zn, zn_bia);
	tcase_add_test(zn, zn_no_impi);
	tcase_add_test(zn, zn_errors);
	tcase_add_test(zn, zn_unknown_naf);
	tcase_add_test(zn, sessions_two_per_impi);
	tcase_add_test(zn, sessions_survive_restart);
	tcase_add_test(zn, sessions_expire_and_purge);
	suite_add_tcase(s, zn);
	return s;
}
