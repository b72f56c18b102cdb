/*
 * ue_conformance.c — `ue conformance`: a negative test matrix run against
 * any BSF (Ub: TS 33.220 4.5.2, TS 24.109 4 and Annex A, RFC 3310,
 * RFC 7616) and, when it exists, any Authentication Proxy (Ua/Ut:
 * TS 33.222, TS 24.109 7) — ours or someone else's.
 *
 * Each case is one row of a table: its name, what it sends, what must come
 * back, the basis of that expectation and the clause. The basis is "spec"
 * when the cited clause requires the behaviour, "decision" when the specs
 * leave a gap and the expectation is utstack's choice (spec/README.md,
 * decision table): a third-party BSF that differs there may still conform,
 * and the table says so rather than hiding it.
 *
 * The USIM is read and never written. AKA runs on an in-memory copy of its
 * SEQ array, so the forged SQN of the resync case never reaches the file.
 * The HSS moves ahead of the file meanwhile (every challenge costs a
 * vector; the resync case puts it CF_RESYNC_AHEAD SEQ steps further),
 * which TS 33.102 Annex C accepts at the next `ue bootstrap` (a jump of
 * less than Δ = 2^28 SEQ steps). The B-TID and Ks in the USIM stay those
 * of the user's last `ue bootstrap`.
 *
 * The AP's certificate mode (TS 33.222 5.3: server-certificate TLS, HTTP
 * Digest inside with realm "3GPP-bootstrapping@<NAF FQDN>", username B-TID,
 * password base64(Ks_NAF)) has cases of its own (ap-digest*); they need the
 * CA of the AP's certificate (--ca, else the USIM's) and are not run
 * without it.
 *
 * The order matters: the wrong-RES case spends one unit of the BSF's
 * per-IMPI failure budget (ours: ub.failure_budget wrong answers in
 * ub.failure_window; a successful bootstrap clears it) and runs last, so
 * that with a BSF that never clears the count, a spent budget spoils
 * only that case.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aka.h"
#include "b64.h"
#include "crypto.h"
#include "digest.h"
#include "gba.h"
#include "hex.h"
#include "httpc.h"
#include "milenage.h"
#include "secret.h"
#include "tls.h"
#include "ue.h"

#define CF_TIMEOUT_MS	10000
#define CF_RESYNC_MAX	2	/* AUTS rounds while preparing an answer */
/* How far the resync case puts the in-memory USIM ahead of the HSS, in SEQ
 * steps: enough to be out of range, far below Δ. */
#define CF_RESYNC_AHEAD	1000
/* A realm no BSF uses (RFC 2606: .invalid is reserved). */
#define CF_WRONG_REALM	"wrong-realm.invalid"
/* What the AP cases read: every XCAP server has it (RFC 4825 12), and any
 * authenticated user may read it — so a refusal is the AP's. */
#define CF_AP_PROBE	"xcap-caps/global/index"
#define CF_NAF_FQDN_DEFAULT	"xcap.ims.example.org"
#define CF_XCAP_ROOT	"/xcap-root"

enum cf_peer {
	CF_BSF,
	CF_AP
};

enum cf_basis {
	CF_SPEC,	/* the cited clause requires it */
	CF_DECISION	/* utstack's choice where the specs leave a gap */
};

enum cf_verdict {
	CF_NOT_RUN,
	CF_PASS,
	CF_FAIL
};

/* As the table and the JSON `result` write them. */
static const char *const verdict_names[] = {
	[CF_NOT_RUN] = "not run",
	[CF_PASS] = "pass",
	[CF_FAIL] = "fail",
};

struct cf_result {
	enum cf_verdict	verdict;
	char		got[160];	/* statuses observed, in order */
	char		detail[512];	/* why, in plain words */
};

/* A challenge from the BSF, parsed. Not copyable (digest_hdr). */
struct cf_chal {
	struct digest_hdr	hdr;
	struct digest_alg	alg;
	uint8_t			rand[AKA_RAND_LEN];
	uint8_t			autn[AKA_AUTN_LEN];
};

/* A correct answer to a challenge, and what it was made of. Secrets. */
struct cf_answer {
	struct aka_result	res;
	char			pw[DIGEST_AKAV2_PW_LEN];	/* AKAv2 only */
	const uint8_t		*password;	/* raw RES or `pw` */
	size_t			 pwlen;
	struct digest_input	in;
	char			cnonce[33];
	char			response[DIGEST_HEX_MAX];
	char			authz[DIGEST_MAX_LEN];
	int			resyncs;	/* AUTS rounds it needed */
};

/* One run of `ue conformance`. Holds K and OPc: wiped at the end. */
struct cf {
	const struct ue_opts	*o;
	const char		*bsf;
	const char		*ap;
	struct ue_usim		 u;
	struct milenage		 mil;
	struct aka_sqn_ms	 sqn;		/* in-memory: never saved */
	char			 authority[300];	/* Host header */
	char			 realm[300];	/* of the first request */
	const char		*case_name;
	struct httpc_conn	 conn;
	struct httpc_resp	 resp;
	struct cf_chal		 ch;
	struct cf_chal		 ch2;		/* a follow-up challenge */
	struct digest_hdr	 tmp;		/* scratch for rewrite() */
	struct cf_answer	 a;
	/* From the normal bootstrap, for the replay case. */
	int			 have_ok;
	char			 ok_authz[DIGEST_MAX_LEN];
	char			 scratch[DIGEST_MAX_LEN];
	/* AP cases: a bootstrapping of their own (in memory), and the Ua
	 * session of the case running. */
	const char		*naf_fqdn;
	const char		*impu;		/* NULL: unknown */
	int			 ap_state;	/* 0 not tried, 1 ready, -1
						 * failed */
	int			 ap_unreachable;
	char			 ap_fail[600];
	char			 ap_btid[300];
	uint8_t			 ap_ks[GBA_KS_LEN];
	uint8_t			 ap_rand[16];
	char			 ap_identity[sizeof(GBA_PSK_IDENTITY_PREFIX) +
				    300];
	char			 ap_root[512];
	char			 trace_prefix[64];
	struct ue_ua_cfg	 ua_cfg;
	struct ue_ua		*ua;
	struct ue_ua_resp	 ur;
	/* Digest cases: the CA file, the exchange of the case running */
	const char		*ca;
	struct ue_dg		*dg;
};

struct cf_case {
	const char	*name;
	enum cf_peer	 peer;
	const char	*sends;
	const char	*expect;
	enum cf_basis	 basis;
	const char	*clause;
	/* NULL: not implemented yet (reported as not run). */
	void		(*run)(struct cf *, struct cf_result *);
};

/* --- reporting ---------------------------------------------------------- */

static void
trace(const struct cf *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
trace(const struct cf *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->o->trace)
		return;
	fprintf(stderr, "[%s] ", c->case_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
appendf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* Append one observed status to r->got ("401 challenge -> 200 ..."). */
static void
got(struct cf_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
got(struct cf_result *r, const char *fmt, ...)
{
	char one[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(one, sizeof(one), fmt, ap);
	va_end(ap);
	appendf(r->got, sizeof(r->got), "%s%s", r->got[0] != '\0' ? " -> " :
	    "", one);
}

static void
verdict(struct cf_result *r, enum cf_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
verdict(struct cf_result *r, enum cf_verdict v, const char *fmt, ...)
{
	va_list ap;

	r->verdict = v;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* The first line of the peer's body, for a detail ("" when none). */
static const char *
peer_said(const struct cf *c, char *buf, size_t size)
{
	size_t n = strcspn(c->resp.body, "\r\n");

	if (c->resp.body_len == 0 || n == 0) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, size, "; the BSF said: %.*s", (int)(n < 160 ? n : 160),
	    c->resp.body);
	return buf;
}

/* Fail `r`: `what` was expected, the response in c->resp came instead. */
static void
unexpected(struct cf *c, struct cf_result *r, const char *what)
{
	char said[200];

	verdict(r, CF_FAIL, "expected %s, got %d %s%s", what, c->resp.status,
	    c->resp.reason, peer_said(c, said, sizeof(said)));
}

/* --- Ub messages -------------------------------------------------------- */

/* GET / with `authz` as the Authorization value (none when NULL); the
 * response in c->resp. Returns 0, or -1 with c->conn.err. */
static int
send_ub(struct cf *c, const char *authz)
{
	char host[320], auth[DIGEST_MAX_LEN + 32];
	const char *hdrs[5];
	size_t i, n = 0;

	snprintf(host, sizeof(host), "Host: %s", c->authority);
	hdrs[n++] = host;
	if (authz != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: %s", authz);
		hdrs[n++] = auth;
	}
	hdrs[n++] = "User-Agent: utstack-ue/" UTSTACK_VERSION " conformance";
	hdrs[n++] = "Accept: */*";
	hdrs[n] = NULL;
	trace(c, "-> GET / HTTP/1.1");
	for (i = 0; i < n; i++)
		trace(c, "-> %s", hdrs[i]);
	if (httpc_request(&c->conn, "GET", "/", hdrs, NULL, 0, &c->resp,
	    CF_TIMEOUT_MS) != 0) {
		trace(c, "   no answer: %s", c->conn.err);
		return -1;
	}
	trace(c, "<- HTTP/1.1 %d %s", c->resp.status, c->resp.reason);
	for (i = 0; i < c->resp.n; i++)
		trace(c, "<- %s: %s", c->resp.h[i].name, c->resp.h[i].value);
	if (c->resp.body_len > 0)
		trace(c, "<- %.*s", (int)strcspn(c->resp.body, "\n"),
		    c->resp.body);
	return 0;
}

/* Send; on a transport failure fail `r` and return -1. */
static int
exchange(struct cf *c, struct cf_result *r, const char *authz)
{
	if (send_ub(c, authz) == 0)
		return 0;
	got(r, "no answer");
	verdict(r, CF_FAIL, "%s", c->conn.err);
	return -1;
}

/*
 * The response in c->resp should be a 401 with a Digest AKA challenge:
 * parse it into `ch`. Returns 0, or -1 after failing `r` (what was
 * `expected` instead). A success is added to r->got when `record` (the
 * steps that only lead up to the case's own request are not).
 */
static int
take_challenge(struct cf *c, struct cf_result *r, struct cf_chal *ch,
    const char *expected, int record)
{
	char err[256];
	const char *why;

	if (c->resp.status != 401) {
		got(r, "%d%s", c->resp.status, record ? "" : " (setup)");
		unexpected(c, r, expected);
		return -1;
	}
	if (ue_ub_challenge(&c->resp, &ch->hdr, &ch->alg, ch->rand, ch->autn,
	    err, sizeof(err), &why) != 0) {
		got(r, "401 without a usable challenge%s", record ? "" :
		    " (setup)");
		verdict(r, CF_FAIL, "%s (%s)", err, why != NULL ? why : "");
		return -1;
	}
	if (record)
		got(r, "401 %schallenge", digest_get(&ch->hdr, "stale") !=
		    NULL && strcasecmp(digest_get(&ch->hdr, "stale"),
		    "true") == 0 ? "stale " : "");
	return 0;
}

/* TS 24.109 A.3 step 1: the IMPI with an empty nonce and response; the
 * challenge into `ch`. Returns 0, or -1 after failing `r`. */
static int
ask(struct cf *c, struct cf_result *r, struct cf_chal *ch)
{
	char first[DIGEST_MAX_LEN];

	snprintf(first, sizeof(first), "Digest username=\"%s\", realm=\"%s\", "
	    "nonce=\"\", uri=\"/\", response=\"\"", c->u.impi, c->realm);
	if (exchange(c, r, first) != 0)
		return -1;
	return take_challenge(c, r, ch, "401 with a Digest AKA challenge", 0);
}

/* The Digest password of the AKA result in `a` for `alg` (RFC 3310 3.3,
 * RFC 4169 7), with RES changed in its last octet when `corrupt`. */
static int
make_password(struct cf_answer *a, const struct digest_alg *alg,
    int corrupt)
{
	uint8_t res[AKA_RES_MAX];

	memcpy(res, a->res.res, a->res.res_len);
	if (corrupt)
		res[a->res.res_len - 1] ^= 0x01;
	if (alg->aka == 2) {
		if (digest_akav2_password(res, a->res.res_len, a->res.ik,
		    a->res.ck, a->pw) != 0) {
			secret_wipe(res, sizeof(res));
			return -1;
		}
		a->password = (const uint8_t *)a->pw;
		a->pwlen = strlen(a->pw);
	} else {
		/* kept in `pw` so the result can be wiped with `a` */
		memcpy(a->pw, res, a->res.res_len);
		a->password = (const uint8_t *)a->pw;
		a->pwlen = a->res.res_len;
	}
	secret_wipe(res, sizeof(res));
	return 0;
}

/*
 * AKA on `ch` with the in-memory USIM: on a MAC failure fail `r`; on an
 * SQN out of range answer with AUTS (RFC 3310 3.4) and take the next
 * challenge into the same `ch`, at most CF_RESYNC_MAX times. On success
 * `a` holds RES/CK/IK and the password. Returns 0 or -1 (`r` failed).
 */
static int
run_aka(struct cf *c, struct cf_result *r, struct cf_chal *ch,
    struct cf_answer *a)
{
	uint8_t auts[AKA_AUTS_LEN];
	char auts64[B64_LEN(AKA_AUTS_LEN)];
	enum aka_status st;

	for (;;) {
		st = aka_autn_check(&c->mil, &c->sqn, ch->rand, ch->autn,
		    &a->res, auts);
		if (st == AKA_OK)
			break;
		if (st == AKA_MAC_FAILURE) {
			verdict(r, CF_FAIL, "MAC-A of the BSF's challenge does "
			    "not verify: the USIM's K/OPc are not the HSS's "
			    "(TS 33.102 6.3.3)");
			return -1;
		}
		if (++a->resyncs > CF_RESYNC_MAX) {
			verdict(r, CF_FAIL, "SQN still out of range after %d "
			    "resynchronisations (TS 33.102 6.3.5)",
			    CF_RESYNC_MAX);
			return -1;
		}
		trace(c, "   SQN out of range: AUTS round");
		b64_encode(auts, sizeof(auts), auts64);
		if (ue_ub_answer(c->u.impi, &ch->hdr, &ch->alg,
		    (const uint8_t *)"", 0, auts64, &a->in, a->cnonce,
		    a->response, a->authz, sizeof(a->authz)) != 0) {
			verdict(r, CF_FAIL, "cannot build the AUTS answer");
			return -1;
		}
		if (exchange(c, r, a->authz) != 0 ||
		    take_challenge(c, r, ch, "401 with a fresh challenge after "
		    "AUTS", 0) != 0)
			return -1;
	}
	if (make_password(a, &ch->alg, 0) != 0) {
		verdict(r, CF_FAIL, "RES has a length AKAv2 cannot use");
		return -1;
	}
	return 0;
}

/* Build the correct answer to `ch` from `a` into a->authz. */
static int
build_right(struct cf *c, struct cf_result *r, const struct cf_chal *ch,
    struct cf_answer *a)
{
	if (ue_ub_answer(c->u.impi, &ch->hdr, &ch->alg, a->password, a->pwlen,
	    NULL, &a->in, a->cnonce, a->response, a->authz,
	    sizeof(a->authz)) == 0)
		return 0;
	verdict(r, CF_FAIL, "cannot build the Authorization");
	return -1;
}

/*
 * A fresh challenge in c->ch, AKA on it (with resync if needed) and the
 * correct answer in c->a.authz, not sent. Returns 0 or -1 (`r` failed).
 */
static int
prepare(struct cf *c, struct cf_result *r)
{
	if (ask(c, r, &c->ch) != 0 || run_aka(c, r, &c->ch, &c->a) != 0)
		return -1;
	return build_right(c, r, &c->ch, &c->a);
}

/*
 * Send the answer in a->authz and check the 200: rspauth and the
 * BootstrappingInfo (RFC 3310 3.5, TS 24.109 Annex C). On success `btid`
 * (may be NULL) gets the B-TID. Returns 0, or -1 after failing `r`.
 */
static int
expect_200(struct cf *c, struct cf_result *r, struct cf_answer *a,
    char *btid, size_t btidlen)
{
	char bt[300], lifetime[64], err[256];
	const char *why;

	if (exchange(c, r, a->authz) != 0)
		return -1;
	if (c->resp.status != 200) {
		got(r, "%d", c->resp.status);
		unexpected(c, r, "200 with BootstrappingInfo");
		return -1;
	}
	if (ue_ub_verify_200(&c->resp, &a->in, bt, sizeof(bt), lifetime,
	    sizeof(lifetime), err, sizeof(err), &why) != 0) {
		got(r, "200 unverified");
		verdict(r, CF_FAIL, "%s (%s)", err, why != NULL ? why : "");
		return -1;
	}
	got(r, "200 rspauth ok");
	if (btid != NULL)
		snprintf(btid, btidlen, "%s", bt);
	return 0;
}

/*
 * Rewrite the header value `text` of `kind`: leave out `drop`, write `dup`
 * twice, give `set` the value `value` (each may be NULL). Parameters keep
 * their order and quoting. The result goes to `out` (`size` octets).
 * Returns 0, or -1 when `text` does not parse or the result does not fit.
 */
static int
rewrite(struct cf *c, enum digest_kind kind, const char *text,
    const char *drop, const char *dup, const char *set, const char *value,
    char *out, size_t size)
{
	struct digest_build b;
	const struct digest_param *p;
	const char *v;
	size_t i;

	if (digest_parse(&c->tmp, kind, text, NULL, 0) != 0)
		return -1;
	digest_build_init(&b, kind, out, size);
	for (i = 0; i < c->tmp.n; i++) {
		p = &c->tmp.p[i];
		if (drop != NULL && strcasecmp(p->name, drop) == 0)
			continue;
		v = set != NULL && strcasecmp(p->name, set) == 0 ? value :
		    p->value;
		digest_build_add(&b, p->name, v, p->quoted ? DIGEST_QUOTED :
		    DIGEST_TOKEN);
		if (dup != NULL && strcasecmp(p->name, dup) == 0)
			digest_build_add(&b, p->name, v, p->quoted ?
			    DIGEST_QUOTED : DIGEST_TOKEN);
	}
	return digest_build_finish(&b, NULL);
}

/* --- the BSF cases ------------------------------------------------------ */

static void
case_no_authorization(struct cf *c, struct cf_result *r)
{
	if (exchange(c, r, NULL) != 0)
		return;
	got(r, "%d", c->resp.status);
	if (c->resp.status != 400) {
		unexpected(c, r, "400");
		return;
	}
	if (strcasestr(c->resp.body, "IMPI") == NULL) {
		verdict(r, CF_FAIL, "400, but the body does not say that the "
		    "IMPI is needed");
		return;
	}
	verdict(r, CF_PASS, "%s", "");
}

static void
case_normal(struct cf *c, struct cf_result *r)
{
	char btid[300];

	if (prepare(c, r) != 0 || expect_200(c, r, &c->a, btid,
	    sizeof(btid)) != 0)
		return;
	/* Kept for the replay case: exactly what the BSF accepted. */
	snprintf(c->ok_authz, sizeof(c->ok_authz), "%s", c->a.authz);
	c->have_ok = 1;
	verdict(r, CF_PASS, "B-TID %s%s", btid, c->a.resyncs > 0 ?
	    " (after an AUTS round: the USIM was ahead of the HSS)" : "");
}

static void
case_replay(struct cf *c, struct cf_result *r)
{
	const char *nonce;

	if (!c->have_ok) {
		verdict(r, CF_NOT_RUN, "needs a passing normal-bootstrap");
		return;
	}
	if (exchange(c, r, c->ok_authz) != 0)
		return;
	if (c->resp.status == 200) {
		got(r, "200");
		verdict(r, CF_FAIL, "the BSF accepted a replayed answer: one "
		    "RES bootstrapped twice");
		return;
	}
	if (take_challenge(c, r, &c->ch, "401 with stale=true", 1) != 0)
		return;
	nonce = digest_get(&c->ch.hdr, "nonce");
	if (digest_get(&c->ch.hdr, "stale") == NULL ||
	    strcasecmp(digest_get(&c->ch.hdr, "stale"), "true") != 0) {
		verdict(r, CF_FAIL, "401 with a fresh challenge but without "
		    "stale=true");
		return;
	}
	if (strstr(c->ok_authz, nonce) != NULL) {
		verdict(r, CF_FAIL, "the \"fresh\" challenge reuses the "
		    "replayed nonce");
		return;
	}
	verdict(r, CF_PASS, "%s", "");
}

static void
case_resync(struct cf *c, struct cf_result *r)
{
	struct aka_sqn_ms probe;
	struct cf_answer *a = &c->a;
	uint8_t auts[AKA_AUTS_LEN];
	char auts64[B64_LEN(AKA_AUTS_LEN)];
	uint64_t ahead = 0;
	enum aka_status st;
	int i;

	if (ask(c, r, &c->ch) != 0)
		return;
	/* Where is the HSS? The SQN of this challenge, on a scratch copy. */
	probe = c->sqn;
	st = aka_autn_check(&c->mil, &probe, c->ch.rand, c->ch.autn, &a->res,
	    NULL);
	if (st == AKA_MAC_FAILURE) {
		verdict(r, CF_FAIL, "MAC-A of the BSF's challenge does not "
		    "verify: the USIM's K/OPc are not the HSS's");
		return;
	}
	if (st == AKA_OK)
		ahead = AKA_SQN_SEQ(aka_sqn_get(a->res.sqn)) + CF_RESYNC_AHEAD;
	aka_result_clear(&a->res);
	/* Forge the in-memory USIM ahead of the HSS in every IND slot. */
	for (i = 0; i < AKA_IND_SLOTS; i++)
		if (c->sqn.seq[i] < ahead)
			c->sqn.seq[i] = ahead;
	st = aka_autn_check(&c->mil, &c->sqn, c->ch.rand, c->ch.autn, &a->res,
	    auts);
	if (st != AKA_SYNC_FAILURE) {
		verdict(r, CF_FAIL, "could not make the USIM's SQN out of "
		    "range (%s)", aka_status_str(st));
		return;
	}
	b64_encode(auts, sizeof(auts), auts64);
	trace(c, "   USIM put %d SEQ steps ahead of the HSS: AUTS %s",
	    CF_RESYNC_AHEAD, auts64);
	if (ue_ub_answer(c->u.impi, &c->ch.hdr, &c->ch.alg,
	    (const uint8_t *)"", 0, auts64, &a->in, a->cnonce, a->response,
	    a->authz, sizeof(a->authz)) != 0) {
		verdict(r, CF_FAIL, "cannot build the AUTS answer");
		return;
	}
	if (exchange(c, r, a->authz) != 0 || take_challenge(c, r, &c->ch2,
	    "401 with a fresh challenge after AUTS", 1) != 0)
		return;
	st = aka_autn_check(&c->mil, &c->sqn, c->ch2.rand, c->ch2.autn,
	    &a->res, NULL);
	if (st != AKA_OK) {
		verdict(r, CF_FAIL, "the challenge after AUTS fails AKA (%s): "
		    "the HSS did not reset SQN_HE from SQN_MS",
		    aka_status_str(st));
		return;
	}
	if (make_password(a, &c->ch2.alg, 0) != 0 ||
	    build_right(c, r, &c->ch2, a) != 0)
		return;
	if (expect_200(c, r, a, NULL, 0) != 0)
		return;
	verdict(r, CF_PASS, "SQN_MS sent %d SEQ steps ahead; the next "
	    "challenge was fresh", CF_RESYNC_AHEAD);
}

/*
 * The correct answer to a fresh challenge, changed by rewrite(): it must
 * get a 400. `need` names a parameter the challenge must carry for the
 * case to make sense (not run otherwise).
 */
static void
expect_400(struct cf *c, struct cf_result *r, const char *drop,
    const char *dup, const char *need)
{
	if (prepare(c, r) != 0)
		return;
	if (need != NULL && digest_get(&c->ch.hdr, need) == NULL) {
		verdict(r, CF_NOT_RUN, "the BSF's challenge has no %s", need);
		return;
	}
	if (rewrite(c, DIGEST_CREDENTIALS, c->a.authz, drop, dup, NULL, NULL,
	    c->scratch, sizeof(c->scratch)) != 0) {
		verdict(r, CF_FAIL, "cannot rewrite the Authorization");
		return;
	}
	if (exchange(c, r, c->scratch) != 0)
		return;
	got(r, "%d", c->resp.status);
	if (c->resp.status == 200)
		verdict(r, CF_FAIL, "the BSF bootstrapped with that answer");
	else if (c->resp.status != 400)
		unexpected(c, r, "400");
	else
		verdict(r, CF_PASS, "%s", "");
}

static void
case_no_nc(struct cf *c, struct cf_result *r)
{
	expect_400(c, r, "nc", NULL, NULL);
}

static void
case_no_cnonce(struct cf *c, struct cf_result *r)
{
	expect_400(c, r, "cnonce", NULL, NULL);
}

static void
case_no_uri(struct cf *c, struct cf_result *r)
{
	expect_400(c, r, "uri", NULL, NULL);
}

static void
case_duplicate(struct cf *c, struct cf_result *r)
{
	expect_400(c, r, NULL, "nonce", NULL);
}

static void
case_no_opaque(struct cf *c, struct cf_result *r)
{
	expect_400(c, r, "opaque", NULL, "opaque");
}

static void
case_wrong_algorithm(struct cf *c, struct cf_result *r)
{
	struct digest_alg md5;

	if (prepare(c, r) != 0)
		return;
	/* Plain MD5 over the same password: the same digest formula, so
	 * only the algorithm name is wrong. */
	if (digest_alg_parse("MD5", &md5) != 0 ||
	    ue_ub_answer(c->u.impi, &c->ch.hdr, &md5, c->a.password,
	    c->a.pwlen, NULL, &c->a.in, c->a.cnonce, c->a.response,
	    c->a.authz, sizeof(c->a.authz)) != 0) {
		verdict(r, CF_FAIL, "cannot build the Authorization");
		return;
	}
	if (exchange(c, r, c->a.authz) != 0)
		return;
	got(r, "%d", c->resp.status);
	if (c->resp.status == 200)
		verdict(r, CF_FAIL, "the BSF bootstrapped with algorithm=MD5");
	else if (c->resp.status != 400)
		unexpected(c, r, "400");
	else
		verdict(r, CF_PASS, "%s", "");
}

static void
case_realm(struct cf *c, struct cf_result *r)
{
	const char *www;

	if (ask(c, r, &c->ch) != 0 || run_aka(c, r, &c->ch, &c->a) != 0)
		return;
	/* Answer as a UE configured with another realm would: the
	 * response is computed over that realm, so only the realm is off. */
	www = httpc_header(&c->resp, "WWW-Authenticate");
	if (www == NULL || rewrite(c, DIGEST_CHALLENGE, www, NULL, NULL,
	    "realm", CF_WRONG_REALM, c->scratch, sizeof(c->scratch)) != 0 ||
	    digest_parse(&c->ch2.hdr, DIGEST_CHALLENGE, c->scratch, NULL,
	    0) != 0) {
		verdict(r, CF_FAIL, "cannot rewrite the challenge");
		return;
	}
	c->ch2.alg = c->ch.alg;
	if (build_right(c, r, &c->ch2, &c->a) != 0 ||
	    exchange(c, r, c->a.authz) != 0)
		return;
	if (c->resp.status == 200) {
		got(r, "200");
		verdict(r, CF_FAIL, "the BSF bootstrapped in realm "
		    CF_WRONG_REALM);
		return;
	}
	if (take_challenge(c, r, &c->ch2, "401 with a fresh challenge",
	    1) != 0)
		return;
	if (strcmp(digest_get(&c->ch2.hdr, "nonce"),
	    digest_get(&c->ch.hdr, "nonce")) == 0) {
		verdict(r, CF_FAIL, "the 401 repeats the old nonce");
		return;
	}
	verdict(r, CF_PASS, "realm sent: " CF_WRONG_REALM);
}

static void
case_network_rejected(struct cf *c, struct cf_result *r)
{
	if (ask(c, r, &c->ch) != 0)
		return;
	/* As the UE does on a MAC-A failure: no RES, an empty password,
	 * no auts. AKA is not run, so the USIM's SQN is untouched. */
	if (ue_ub_answer(c->u.impi, &c->ch.hdr, &c->ch.alg,
	    (const uint8_t *)"", 0, NULL, &c->a.in, c->a.cnonce,
	    c->a.response, c->a.authz, sizeof(c->a.authz)) != 0) {
		verdict(r, CF_FAIL, "cannot build the Authorization");
		return;
	}
	if (exchange(c, r, c->a.authz) != 0)
		return;
	got(r, "%d", c->resp.status);
	if (c->resp.status == 200)
		verdict(r, CF_FAIL, "the BSF bootstrapped without a RES");
	else if (c->resp.status != 403)
		unexpected(c, r, "403");
	else
		verdict(r, CF_PASS, "%s", "");
}

static void
case_wrong_res(struct cf *c, struct cf_result *r)
{
	if (ask(c, r, &c->ch) != 0 || run_aka(c, r, &c->ch, &c->a) != 0)
		return;
	if (make_password(&c->a, &c->ch.alg, 1) != 0 ||
	    build_right(c, r, &c->ch, &c->a) != 0 ||
	    exchange(c, r, c->a.authz) != 0)
		return;
	if (c->resp.status == 200) {
		got(r, "200");
		verdict(r, CF_FAIL, "the BSF bootstrapped with a wrong RES");
		return;
	}
	if (take_challenge(c, r, &c->ch2, "401 with a fresh challenge",
	    1) != 0) {
		if (c->resp.status == 403)
			appendf(r->detail, sizeof(r->detail), " (a 403 here "
			    "may mean the BSF's failure budget for this IMPI "
			    "is spent by earlier runs)");
		return;
	}
	/* The fresh challenge must be usable: answer it right. */
	if (run_aka(c, r, &c->ch2, &c->a) != 0 ||
	    build_right(c, r, &c->ch2, &c->a) != 0 ||
	    expect_200(c, r, &c->a, NULL, 0) != 0)
		return;
	verdict(r, CF_PASS, "spent 1 unit of the BSF's failure budget");
}

/* --- the AP cases ------------------------------------------------------- */

/*
 * A bootstrapping for the AP cases, kept in memory (the USIM file is never
 * written): B-TID, Ks = CK || IK and RAND. Done once; a failure is
 * remembered and fails every AP case. Returns 0 or -1 (`r` failed).
 */
static int
ap_bootstrap(struct cf *c, struct cf_result *r)
{
	struct cf_result setup;

	if (c->ap_state == 0) {
		memset(&setup, 0, sizeof(setup));
		if (prepare(c, &setup) == 0 && expect_200(c, &setup, &c->a,
		    c->ap_btid, sizeof(c->ap_btid)) == 0) {
			gba_ks(c->a.res.ck, c->a.res.ik, c->ap_ks);
			memcpy(c->ap_rand, c->ch.rand, sizeof(c->ap_rand));
			snprintf(c->ap_identity, sizeof(c->ap_identity), "%s%s",
			    GBA_PSK_IDENTITY_PREFIX, c->ap_btid);
			c->ap_state = 1;
			trace(c, "   bootstrapped for the AP cases: B-TID %s",
			    c->ap_btid);
		} else {
			snprintf(c->ap_fail, sizeof(c->ap_fail), "no "
			    "bootstrapping with the BSF for the AP cases: %.500s",
			    setup.detail);
			c->ap_state = -1;
		}
		secret_wipe(&c->a, sizeof(c->a));
	}
	if (c->ap_state > 0)
		return 0;
	got(r, "no B-TID");
	verdict(r, CF_FAIL, "%s", c->ap_fail);
	return -1;
}

/* The Ua settings of a case: TLS `version`, `h2`, the right key. */
static struct ue_ua_cfg *
ap_cfg(struct cf *c, int version, int h2)
{
	struct ue_ua_cfg *u = &c->ua_cfg;

	memset(u, 0, sizeof(*u));
	u->url = c->ap;
	u->naf_fqdn = c->naf_fqdn;
	u->identity = c->ap_identity;
	u->impi = c->u.impi;
	u->ks = c->ap_ks;
	u->rand = c->ap_rand;
	u->version = version;
	u->h2 = h2;
	u->timeout_ms = CF_TIMEOUT_MS;
	snprintf(c->trace_prefix, sizeof(c->trace_prefix), "[%s] ",
	    c->case_name);
	u->trace = c->o->trace ? c->trace_prefix : NULL;
	u->show_keys = c->o->show_keys;
	return u;
}

static void
ap_close(struct cf *c)
{
	ue_ua_close(c->ua);
	c->ua = NULL;
	ue_ua_resp_clear(&c->ur);
	ue_dg_free(c->dg);
	c->dg = NULL;
}

/*
 * Connect with `u`. Returns 0, or the exit status of ue_ua_connect() with
 * `*alert` and `err`; an AP that cannot be reached is remembered (the run
 * stops after this case).
 */
static int
ap_try(struct cf *c, const struct ue_ua_cfg *u, int *alert, char *err,
    size_t errlen)
{
	int rc;

	ap_close(c);
	rc = ue_ua_connect(u, &c->ua, alert, err, errlen);
	if (rc == UE_EXIT_UNREACHABLE && strstr(err, "cannot reach") != NULL)
		c->ap_unreachable = 1;
	return rc;
}

/* A handshake the case needs: on failure `r` fails. 0 or -1. */
static int
ap_open(struct cf *c, struct cf_result *r, const struct ue_ua_cfg *u)
{
	char err[512];
	int alert;

	if (ap_try(c, u, &alert, err, sizeof(err)) == 0)
		return 0;
	got(r, "%s", alert >= 0 ? tls_alert_name(alert) : "no handshake");
	verdict(r, CF_FAIL, "%s", err);
	return -1;
}

/* The XCAP request-target of `path` (under the AP URL's path, else
 * /xcap-root). */
static const char *
ap_target(struct cf *c, const char *path)
{
	const char *root = ue_ua_url_path(c->ua);
	size_t n = strlen(root);

	while (n > 0 && root[n - 1] == '/')
		n--;
	if (n == 0) {
		root = CF_XCAP_ROOT;
		n = strlen(root);
	}
	snprintf(c->ap_root, sizeof(c->ap_root), "%.*s/%s", (int)n, root,
	    path);
	return c->ap_root;
}

/*
 * One request on the case's session, with the extra header line `hdr`
 * (may be NULL). The response in c->ur; its status added to r->got.
 * Returns 0, or -1 after failing `r`.
 */
static int
ap_request(struct cf *c, struct cf_result *r, const char *method,
    const char *path, const char *hdr, const char *ctype, const char *body)
{
	const char *hdrs[4];
	char ct[128], err[512];
	size_t n = 0;

	hdrs[n++] = "User-Agent: utstack-ue/" UTSTACK_VERSION
	    " 3gpp-gba conformance";
	if (hdr != NULL)
		hdrs[n++] = hdr;
	if (ctype != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		hdrs[n++] = ct;
	}
	hdrs[n] = NULL;
	if (ue_ua_request(c->ua, method, ap_target(c, path), hdrs, body,
	    body != NULL ? strlen(body) : 0, &c->ur, err, sizeof(err)) != 0) {
		got(r, "no answer");
		verdict(r, CF_FAIL, "%s %s: %s", method, path, err);
		return -1;
	}
	got(r, "%s %d", method, c->ur.status);
	return 0;
}

/* Fail `r`: `what` was expected, c->ur came instead. */
static void
ap_unexpected(struct cf *c, struct cf_result *r, const char *what)
{
	size_t n = strcspn(c->ur.body, "\r\n");

	verdict(r, CF_FAIL, "expected %s, got %d%s%.*s", what, c->ur.status,
	    n > 0 ? "; the AP said: " : "", (int)(n < 160 ? n : 160),
	    c->ur.body);
}

/* A handshake and a GET of the probe that must give 2xx. */
static void
ap_positive(struct cf *c, struct cf_result *r, int version, int h2)
{
	if (ap_bootstrap(c, r) != 0 ||
	    ap_open(c, r, ap_cfg(c, version, h2)) != 0)
		return;
	got(r, "TLS 1.%d %04x%s", ue_ua_version(c->ua) == 13 ? 3 : 2,
	    ue_ua_suite(c->ua), h2 ? " h2" : "");
	if (ue_ua_version(c->ua) != version) {
		verdict(r, CF_FAIL, "asked for TLS 1.%d only, the handshake "
		    "gave TLS 1.%d", version == 13 ? 3 : 2,
		    ue_ua_version(c->ua) == 13 ? 3 : 2);
		return;
	}
	if (ap_request(c, r, "GET", CF_AP_PROBE, NULL, NULL, NULL) != 0)
		return;
	if (c->ur.status / 100 != 2) {
		ap_unexpected(c, r, "2xx");
		return;
	}
	verdict(r, CF_PASS, "suite %s, Ks_NAF for Ua id %s%s",
	    ue_ua_suite_name(c->ua), ue_ua_id_hex(c->ua), h2 ?
	    ", HTTP/2 over ALPN h2" : "");
}

static void
case_ap_tls13(struct cf *c, struct cf_result *r)
{
	ap_positive(c, r, 13, 0);
}

static void
case_ap_tls12(struct cf *c, struct cf_result *r)
{
	ap_positive(c, r, 12, 0);
}

static void
case_ap_h2(struct cf *c, struct cf_result *r)
{
	ap_positive(c, r, 13, 1);
}

/* A name for documents and identities of this run only. */
static void
run_token(char *out, size_t size)
{
	uint8_t rnd[6];
	char hex[13];

	if (crypto_random(rnd, sizeof(rnd), 0) != 0)
		memset(rnd, 0x5a, sizeof(rnd));
	snprintf(out, size, "%s", hex_encode(rnd, sizeof(rnd), hex));
}

static const char cf_doc_body[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">\n"
    "  <list name=\"conformance\"/>\n"
    "</resource-lists>\n";

/*
 * Write, read back and delete a resource-lists document of this run under
 * the user's own tree (users/<impu>/conformance-TOKEN), sending `hdr` with
 * each request. All must succeed: the AS acted for the user. Returns 0, or
 * -1 after failing `r`.
 */
static int
own_tree_roundtrip(struct cf *c, struct cf_result *r, const char *hdr)
{
	char path[512], tok[16];

	run_token(tok, sizeof(tok));
	snprintf(path, sizeof(path), "resource-lists/users/%s/conformance-%s",
	    c->impu, tok);
	if (ap_request(c, r, "PUT", path, hdr,
	    "application/resource-lists+xml", cf_doc_body) != 0)
		return -1;
	if (c->ur.status / 100 != 2) {
		ap_unexpected(c, r, "2xx for a document in the user's own tree "
		    "(users/<--impu>)");
		return -1;
	}
	if (ap_request(c, r, "GET", path, hdr, NULL, NULL) != 0)
		return -1;
	if (c->ur.status != 200 || strcmp(c->ur.body, cf_doc_body) != 0) {
		ap_unexpected(c, r, "200 with the document just written");
		return -1;
	}
	if (ap_request(c, r, "DELETE", path, hdr, NULL, NULL) != 0)
		return -1;
	if (c->ur.status / 100 != 2) {
		ap_unexpected(c, r, "2xx deleting the document of this run");
		return -1;
	}
	return 0;
}

static void
case_ap_no_intended(struct cf *c, struct cf_result *r)
{
	if (c->impu == NULL) {
		verdict(r, CF_NOT_RUN, "needs the user's IMPU: --impu URI or "
		    "impu in the USIM");
		return;
	}
	if (ap_bootstrap(c, r) != 0 || ap_open(c, r, ap_cfg(c, 13, 0)) != 0)
		return;
	if (own_tree_roundtrip(c, r, NULL) != 0)
		return;
	verdict(r, CF_PASS, "served as %s: PUT, GET, DELETE in its tree",
	    c->impu);
}

static void
case_ap_foreign_intended(struct cf *c, struct cf_result *r)
{
	char hdr[400], tok[16];

	if (ap_bootstrap(c, r) != 0 || ap_open(c, r, ap_cfg(c, 13, 0)) != 0)
		return;
	run_token(tok, sizeof(tok));
	snprintf(hdr, sizeof(hdr), "X-3GPP-Intended-Identity: "
	    "\"sip:conformance-foreign-%s@example.invalid\"", tok);
	/* xcap-caps is anyone's to read: a 403 is the AP's decision */
	if (ap_request(c, r, "GET", CF_AP_PROBE, hdr, NULL, NULL) != 0)
		return;
	if (c->ur.status != 403) {
		ap_unexpected(c, r, "403 for an intended identity that is not "
		    "the user's");
		return;
	}
	if (c->impu == NULL) {
		verdict(r, CF_PASS, "sip:conformance-foreign-%s@example.invalid "
		    "refused (the user's own identity not tried: no --impu)",
		    tok);
		return;
	}
	/* ... and the user's own identity is not refused */
	snprintf(hdr, sizeof(hdr), "X-3GPP-Intended-Identity: \"%s\"",
	    c->impu);
	if (ap_request(c, r, "GET", CF_AP_PROBE, hdr, NULL, NULL) != 0)
		return;
	if (c->ur.status / 100 != 2) {
		ap_unexpected(c, r, "2xx with the user's own IMPU as intended "
		    "identity");
		return;
	}
	verdict(r, CF_PASS, "another identity refused, %s accepted",
	    c->impu);
}

static void
case_ap_forged_asserted(struct cf *c, struct cf_result *r)
{
	char hdr[400], path[512], tok[16], forged[128];

	if (ap_bootstrap(c, r) != 0 || ap_open(c, r, ap_cfg(c, 13, 0)) != 0)
		return;
	run_token(tok, sizeof(tok));
	snprintf(forged, sizeof(forged),
	    "sip:conformance-forged-%s@example.invalid", tok);
	snprintf(hdr, sizeof(hdr), "X-3GPP-Asserted-Identity: \"%s\"", forged);
	/* 1. the forged user's tree: never served */
	snprintf(path, sizeof(path), "resource-lists/users/%s/index", forged);
	if (ap_request(c, r, "GET", path, hdr, NULL, NULL) != 0)
		return;
	if (c->ur.status / 100 == 2) {
		verdict(r, CF_FAIL, "the forged user's document was served: "
		    "the AP passed the UE's X-3GPP-Asserted-Identity on");
		return;
	}
	if (c->ur.status != 403 && c->ur.status != 404) {
		ap_unexpected(c, r, "403 or 404 from the AS");
		return;
	}
	if (c->impu == NULL) {
		verdict(r, CF_PASS, "the forged user's tree refused (%d); the "
		    "user's own tree not tried: no --impu", c->ur.status);
		return;
	}
	/* 2. the user's own tree, with the forged header: the AS must still
	 * see the user (a 403 here means it saw the forged identity) */
	if (own_tree_roundtrip(c, r, hdr) != 0) {
		appendf(r->detail, sizeof(r->detail), " (with the forged "
		    "header: the AS may have believed it)");
		return;
	}
	verdict(r, CF_PASS, "the header was not believed: the AS acted for "
	    "%s", c->impu);
}

/*
 * A B-TID the BSF never issued, base64(RAND)@BSF-FQDN (TS 33.220 4.5.2)
 * with a random RAND and the BSF of c->ap_btid, into `btid` (`size`
 * octets), and a random `key` (the caller wipes it). 0, or -1 with the
 * verdict.
 */
static int
unknown_btid(struct cf *c, struct cf_result *r, char *btid, size_t size,
    uint8_t key[GBA_KEY_LEN])
{
	uint8_t rnd[16];
	char b64[B64_LEN(16)];
	const char *at;

	if (crypto_random(rnd, sizeof(rnd), 0) != 0 ||
	    crypto_random(key, GBA_KEY_LEN, 0) != 0) {
		secret_wipe(key, GBA_KEY_LEN);
		verdict(r, CF_FAIL, "no randomness");
		return -1;
	}
	b64_encode(rnd, sizeof(rnd), b64);
	at = strchr(c->ap_btid, '@');
	snprintf(btid, size, "%s%s", b64, at != NULL ? at : "@bsf.invalid");
	return 0;
}

static void
case_ap_unknown_btid(struct cf *c, struct cf_result *r)
{
	struct ue_ua_cfg *u;
	uint8_t key[GBA_KEY_LEN];
	char btid[300], id[sizeof(GBA_PSK_IDENTITY_PREFIX) + 300];
	char err[512];
	int alert, rc;

	if (ap_bootstrap(c, r) != 0 ||
	    unknown_btid(c, r, btid, sizeof(btid), key) != 0)
		return;
	snprintf(id, sizeof(id), "%s%s", GBA_PSK_IDENTITY_PREFIX, btid);
	u = ap_cfg(c, 13, 0);
	u->identity = id;
	u->fixed_key = key;
	rc = ap_try(c, u, &alert, err, sizeof(err));
	secret_wipe(key, sizeof(key));
	if (rc == 0) {
		got(r, "handshake ok");
		verdict(r, CF_FAIL, "the AP completed a handshake for a B-TID "
		    "the BSF never issued");
		return;
	}
	got(r, "%s", alert >= 0 ? tls_alert_name(alert) : "no handshake");
	if (alert != UE_ALERT_UNKNOWN_PSK_IDENTITY) {
		verdict(r, CF_FAIL, "%s; expected unknown_psk_identity, which "
		    "tells the UE to bootstrap again", err);
		return;
	}
	verdict(r, CF_PASS, "identity %s", id);
}

static void
case_ap_wrong_psk(struct cf *c, struct cf_result *r)
{
	struct ue_ua_cfg *u;
	char err[512];
	int alert, v, rc;

	if (ap_bootstrap(c, r) != 0)
		return;
	/* TLS 1.3 (the binder) and TLS 1.2 (the Finished) */
	for (v = 13; v >= 12; v--) {
		u = ap_cfg(c, v, 0);
		u->corrupt_key = 1;
		rc = ap_try(c, u, &alert, err, sizeof(err));
		if (rc == 0) {
			got(r, "TLS 1.%d handshake ok", v == 13 ? 3 : 2);
			verdict(r, CF_FAIL, "the AP completed a TLS 1.%d handshake "
			    "with a wrong key", v == 13 ? 3 : 2);
			return;
		}
		if (c->ap_unreachable) {
			got(r, "no connection");
			verdict(r, CF_FAIL, "%s", err);
			return;
		}
		got(r, "TLS 1.%d %s", v == 13 ? 3 : 2, alert >= 0 ?
		    tls_alert_name(alert) : "failed");
		if (alert == UE_ALERT_UNKNOWN_PSK_IDENTITY) {
			verdict(r, CF_FAIL, "unknown_psk_identity for a B-TID the "
			    "BSF issued: a UE would bootstrap in vain");
			return;
		}
	}
	verdict(r, CF_PASS, "%s", "");
}

/* --- the AP's certificate mode: Digest (TS 33.222 5.3) ------------------- */

/*
 * A certificate session (TLS 1.3, the CA given) for a Digest case, with
 * Ks_NAF one bit off when `corrupt`. Returns 0, or -1 with `r` set (not run
 * without a CA).
 */
static int
dg_open(struct cf *c, struct cf_result *r, int corrupt)
{
	struct ue_ua_cfg *u;

	if (c->ca == NULL) {
		verdict(r, CF_NOT_RUN, "needs the CA of the AP's certificate: "
		    "--ca FILE (or ca in the USIM)");
		return -1;
	}
	if (ap_bootstrap(c, r) != 0)
		return -1;
	u = ap_cfg(c, 13, 0);
	u->ca_file = c->ca;
	u->corrupt_key = corrupt;
	if (ap_open(c, r, u) != 0)
		return -1;
	if ((c->dg = ue_dg_new(c->o->show_keys)) == NULL) {
		verdict(r, CF_FAIL, "out of memory");
		return -1;
	}
	return 0;
}

/* GET the probe, with the Digest answer of the case when `authz`. */
static int
dg_get(struct cf *c, struct cf_result *r, int authz)
{
	return ap_request(c, r, "GET", CF_AP_PROBE, authz ?
	    ue_dg_authz(c->dg) : NULL, NULL, NULL);
}

/* c->ur must be a 401 with the bootstrapping realm of the NAF: taken. */
static int
dg_challenge(struct cf *c, struct cf_result *r, const char *what)
{
	char err[512];

	if (c->ur.status != 401) {
		ap_unexpected(c, r, what);
		return -1;
	}
	if (ue_dg_challenge(c->dg, c->ua, &c->ur, c->naf_fqdn, err,
	    sizeof(err)) != 0) {
		verdict(r, CF_FAIL, "%s", err);
		return -1;
	}
	return 0;
}

/*
 * Answer the challenge taken as username `btid` (NULL: the B-TID of the AP
 * cases) with Ks_NAF (or `key`, 32 octets), nonce count `nc`.
 */
static int
dg_answer(struct cf *c, struct cf_result *r, const char *btid,
    const uint8_t *key, uint32_t nc)
{
	uint8_t k[GBA_KEY_LEN];
	char err[512];
	int rc;

	if (key != NULL)
		memcpy(k, key, sizeof(k));
	else if (ue_ua_naf_key(c->ua, k) != 0) {
		secret_wipe(k, sizeof(k));
		verdict(r, CF_FAIL, "Ks_NAF cannot be derived for %s",
		    c->naf_fqdn);
		return -1;
	}
	rc = ue_dg_answer(c->dg, c->ua, btid != NULL ? btid : c->ap_btid, k,
	    "GET", ap_target(c, CF_AP_PROBE), NULL, 0, nc, err, sizeof(err));
	secret_wipe(k, sizeof(k));
	if (rc != 0) {
		verdict(r, CF_FAIL, "%s", err);
		return -1;
	}
	return 0;
}

/* c->ur must be a 2xx whose Authentication-Info rspauth verifies. */
static int
dg_verified(struct cf *c, struct cf_result *r)
{
	char err[512];
	int present;

	if (c->ur.status / 100 != 2) {
		ap_unexpected(c, r, "2xx to the right Digest credentials");
		return -1;
	}
	if (ue_dg_verify(c->dg, c->ua, &c->ur, &present, err,
	    sizeof(err)) != 0) {
		got(r, "rspauth wrong");
		verdict(r, CF_FAIL, "%s", err);
		return -1;
	}
	if (!present) {
		got(r, "no rspauth");
		verdict(r, CF_FAIL, "the 2xx carries no Authentication-Info: "
		    "the AP did not prove it knows Ks_NAF");
		return -1;
	}
	got(r, "rspauth ok");
	return 0;
}

/* Answer the challenge taken with Ks_NAF, nonce count `nc`, on the GET. */
static int
dg_round(struct cf *c, struct cf_result *r, uint32_t nc)
{
	return dg_answer(c, r, NULL, NULL, nc) != 0 || dg_get(c, r, 1) != 0 ?
	    -1 : 0;
}

/* A Digest session (its Ks_NAF corrupted when `corrupt`), the 401 to a
 * bare GET taken and answered: c->ur is the answer to the second GET. */
static int
dg_start(struct cf *c, struct cf_result *r, int corrupt)
{
	return dg_open(c, r, corrupt) != 0 || dg_get(c, r, 0) != 0 ||
	    dg_challenge(c, r, "401 with a Digest challenge") != 0 ||
	    dg_round(c, r, 1) != 0 ? -1 : 0;
}

/* c->ur must refuse the answer just sent (else FAIL: `served` says what
 * was served) with a 401 challenge (`what`): taken. */
static int
dg_refused(struct cf *c, struct cf_result *r, const char *served,
    const char *what)
{
	if (c->ur.status / 100 == 2) {
		verdict(r, CF_FAIL, "%s", served);
		return -1;
	}
	return dg_challenge(c, r, what);
}

static void
case_ap_digest(struct cf *c, struct cf_result *r)
{
	if (dg_start(c, r, 0) != 0 || dg_verified(c, r) != 0)
		return;
	/* RFC 7616 3.5: a nextnonce, when given, answers the next request
	 * without a 401 */
	if (ue_dg_nextnonce(c->dg)[0] == '\0') {
		verdict(r, CF_PASS, "TLS 1.%d %04x, NAF_Id Ua id %s, qop %s "
		    "(no nextnonce offered)", ue_ua_version(c->ua) == 13 ? 3 :
		    2, ue_ua_suite(c->ua), ue_ua_id_hex(c->ua),
		    ue_dg_qop(c->dg));
		return;
	}
	if (ue_dg_use_nextnonce(c->dg) != 0) {
		verdict(r, CF_FAIL, "the nextnonce cannot be used");
		return;
	}
	if (dg_round(c, r, 1) != 0 || dg_verified(c, r) != 0)
		return;
	verdict(r, CF_PASS, "TLS 1.%d %04x, NAF_Id Ua id %s, qop %s; the "
	    "nextnonce answered a second request", ue_ua_version(c->ua) ==
	    13 ? 3 : 2, ue_ua_suite(c->ua), ue_ua_id_hex(c->ua),
	    ue_dg_qop(c->dg));
}

static void
case_ap_digest_wrong_password(struct cf *c, struct cf_result *r)
{
	/* refused with a fresh challenge, so that a UE can try again */
	if (dg_start(c, r, 1) != 0 || dg_refused(c, r, "the AP served a "
	    "request whose Digest password was not base64(Ks_NAF)",
	    "401 with a fresh challenge") != 0)
		return;
	if (ue_dg_stale(c->dg)) {
		verdict(r, CF_FAIL, "stale=true for a wrong password: a UE "
		    "would answer again with the same key (RFC 7616 3.3)");
		return;
	}
	verdict(r, CF_PASS, "401 and a fresh challenge");
}

static void
case_ap_digest_stale_nonce(struct cf *c, struct cf_result *r)
{
	if (dg_start(c, r, 0) != 0 || dg_verified(c, r) != 0)
		return;
	/* the same nonce again, as RFC 7616 would allow with the next nc:
	 * our APs' nonces are single use */
	if (dg_round(c, r, 2) != 0 || dg_refused(c, r, "a used nonce was "
	    "accepted again (nc 00000002)", "401 stale=true") != 0)
		return;
	if (!ue_dg_stale(c->dg)) {
		verdict(r, CF_FAIL, "401 without stale=true for a used nonce: a "
		    "UE would take its key for wrong and bootstrap again");
		return;
	}
	got(r, "stale");
	/* the fresh nonce works */
	if (dg_round(c, r, 1) != 0 || dg_verified(c, r) != 0)
		return;
	verdict(r, CF_PASS, "a used nonce got stale=true, the fresh one 2xx");
}

static void
case_ap_digest_realm(struct cf *c, struct cf_result *r)
{
	uint8_t key[GBA_KEY_LEN];
	char btid[300];

	if (dg_open(c, r, 0) != 0 || dg_get(c, r, 0) != 0 ||
	    dg_challenge(c, r, "401 with realm \"" UE_DG_REALM_PREFIX
	    "<NAF FQDN>\"") != 0)
		return;
	got(r, "realm ok");
	/* credentials of a B-TID the BSF never issued: the same realm
	 * again (TS 24.109 5.2.5: the UE bootstraps then) */
	if (unknown_btid(c, r, btid, sizeof(btid), key) != 0)
		return;
	if (dg_answer(c, r, btid, key, 1) != 0) {
		secret_wipe(key, sizeof(key));
		return;
	}
	secret_wipe(key, sizeof(key));
	if (dg_get(c, r, 1) != 0 || dg_challenge(c, r, "401 with the "
	    "bootstrapping realm for an unknown B-TID") != 0)
		return;
	got(r, "realm ok");
	verdict(r, CF_PASS, "realm \"%s\", also for the unknown B-TID %s",
	    ue_dg_realm(c->dg), btid);
}

/*
 * The matrix. BSF cases first, in an order where no case depends on the
 * outcome of a later one; wrong-res last because it spends failure
 * budget. AP cases after them: each opens its own Ua session, with a
 * B-TID bootstrapped (in memory) for them before the first.
 */
static const struct cf_case cases[] = {
	{ "no-authorization", CF_BSF,
	  "GET / without Authorization",
	  "400 naming the IMPI", CF_DECISION,
	  "Ub request without Authorization (TS 24.109 A.3: the IMPI "
	  "comes in username)", case_no_authorization },
	{ "normal-bootstrap", CF_BSF,
	  "the IMPI, then AKA and the right answer",
	  "401 challenge, 200 + rspauth", CF_SPEC,
	  "TS 33.220 4.5.2, TS 24.109 A.3/A.4, RFC 3310 3.5", case_normal },
	{ "replayed-nonce", CF_BSF,
	  "the accepted answer of normal-bootstrap again",
	  "401 stale=true, fresh nonce", CF_DECISION,
	  "Ub nonces single use (RFC 7616 3.3 stale, 3.4 nc)", case_replay },
	{ "resync", CF_BSF,
	  "USIM forged ahead: AUTS, empty password",
	  "401 fresh SQN, then 200", CF_SPEC,
	  "TS 33.102 6.3.5, RFC 3310 3.4, TS 24.109 A.4", case_resync },
	{ "missing-nc", CF_BSF,
	  "right answer with qop but no nc",
	  "400", CF_SPEC,
	  "RFC 7616 3.4 (4xx), RFC 2617 3.2.2 (400)", case_no_nc },
	{ "missing-cnonce", CF_BSF,
	  "right answer without cnonce",
	  "400", CF_SPEC,
	  "RFC 7616 3.4 (4xx), RFC 2617 3.2.2 (400)", case_no_cnonce },
	{ "missing-uri", CF_BSF,
	  "right answer without uri",
	  "400", CF_SPEC,
	  "RFC 7616 3.4 (4xx), RFC 2617 3.2.2 (400)", case_no_uri },
	{ "duplicate-parameter", CF_BSF,
	  "right answer with nonce given twice",
	  "400", CF_DECISION,
	  "malformed Digest parameters (RFC 7235 2.1, RFC 7616 3.4)",
	  case_duplicate },
	{ "realm-mismatch", CF_BSF,
	  "answer computed over realm " CF_WRONG_REALM,
	  "401 + fresh challenge", CF_DECISION,
	  "Ub realm is the BSF FQDN (TS 24.109 A.3/A.4)", case_realm },
	{ "opaque-not-echoed", CF_BSF,
	  "right answer without opaque",
	  "400", CF_DECISION,
	  "Ub challenge: opaque must be echoed (RFC 7616 3.3)",
	  case_no_opaque },
	{ "wrong-algorithm", CF_BSF,
	  "right digest but algorithm=MD5",
	  "400", CF_DECISION,
	  "algorithm not the one challenged (RFC 3310 3.1)",
	  case_wrong_algorithm },
	{ "network-rejected", CF_BSF,
	  "empty-password answer, no auts (UE refuses AUTN)",
	  "403", CF_DECISION,
	  "UE on MAC failure (TS 33.102 6.3.3, TS 24.109 4.4)",
	  case_network_rejected },
	{ "wrong-res", CF_BSF,
	  "answer over a wrong RES, then the right one",
	  "401 + fresh challenge, then 200", CF_DECISION,
	  "wrong RES under the failure budget (TS 24.109 4.3, RFC 7235 3.1)",
	  case_wrong_res },
	{ "ap-tls13-psk", CF_AP,
	  "TLS 1.3 external PSK, Ks_NAF for 01 00 00 00 07; GET xcap-caps",
	  "handshake, 2xx", CF_SPEC,
	  "TS 33.222 5.4.0.2, TS 33.220 B.3/H.3", case_ap_tls13 },
	{ "ap-tls12-psk", CF_AP,
	  "TLS 1.2 PSK suites, Ks_NAF for 01 00 01 yy zz; GET xcap-caps",
	  "handshake, 2xx", CF_SPEC,
	  "TS 33.222 5.4, RFC 4279 2, TS 33.220 H.3", case_ap_tls12 },
	{ "ap-h2-alpn", CF_AP,
	  "TLS 1.3 PSK offering ALPN h2 only; GET over HTTP/2",
	  "h2 agreed, 2xx", CF_DECISION,
	  "AP offers h2 and http/1.1 (RFC 9113 3.2, RFC 7301)", case_ap_h2 },
	{ "ap-no-intended-identity", CF_AP,
	  "no X-3GPP-Intended-Identity; PUT, GET, DELETE under --impu",
	  "2xx: acts as the first IMPU", CF_DECISION,
	  "AP asserts the USS's first IMPU when none is intended "
	  "(TS 24.109 7)", case_ap_no_intended },
	{ "ap-foreign-intended-identity", CF_AP,
	  "X-3GPP-Intended-Identity of another user, then of --impu",
	  "403, then 2xx", CF_DECISION,
	  "intended identity not the user's (TS 24.109 7, B.3): 403",
	  case_ap_foreign_intended },
	{ "ap-forged-asserted-identity", CF_AP,
	  "X-3GPP-Asserted-Identity of another user from the UE",
	  "403/404 on that user's tree; own tree 2xx", CF_DECISION,
	  "identity header to the AS is the AP's (TS 24.109 7, "
	  "TS 33.222 4.4)", case_ap_forged_asserted },
	{ "ap-unknown-btid", CF_AP,
	  "TLS-PSK with a B-TID the BSF never issued",
	  "alert unknown_psk_identity", CF_DECISION,
	  "expired/unknown B-TID at the AP (RFC 4279 2, TS 33.222 5.4)",
	  case_ap_unknown_btid },
	{ "ap-wrong-psk", CF_AP,
	  "TLS 1.3 and 1.2 PSK, right B-TID, Ks_NAF with one bit flipped",
	  "both handshakes fail", CF_SPEC,
	  "RFC 8446 4.2.11 (binder), RFC 4279 2, TS 33.222 5.4",
	  case_ap_wrong_psk },
	{ "ap-digest", CF_AP,
	  "certificate TLS 1.3; GET, 401, Digest with B-TID and "
	  "base64(Ks_NAF) for 01 00 01 yy zz; the nextnonce if any",
	  "401, then 2xx + rspauth ok", CF_SPEC,
	  "TS 33.222 5.3, TS 24.109 5.2 and 7, RFC 7616 3.4/3.5",
	  case_ap_digest },
	{ "ap-digest-wrong-password", CF_AP,
	  "Digest over Ks_NAF with one bit flipped",
	  "401 + fresh challenge (not stale)", CF_SPEC,
	  "RFC 7616 3.3/3.4, RFC 7235 3.1", case_ap_digest_wrong_password },
	{ "ap-digest-stale-nonce", CF_AP,
	  "a nonce already answered, again with nc 00000002",
	  "401 stale=true, the fresh nonce 2xx", CF_DECISION,
	  "AP Digest nonces single use (RFC 7616 3.3 stale)",
	  case_ap_digest_stale_nonce },
	{ "ap-digest-realm", CF_AP,
	  "GET without credentials; then credentials of an unknown B-TID",
	  "401 realm 3GPP-bootstrapping@<NAF FQDN>, both times", CF_SPEC,
	  "TS 24.109 5.2.1 and 5.2.5, TS 33.222 5.3 (GBA.md 3.1)",
	  case_ap_digest_realm },
};
#define N_CASES	(sizeof(cases) / sizeof(cases[0]))

/* --- output ------------------------------------------------------------- */

static const char *
basis_name(enum cf_basis b)
{
	return b == CF_SPEC ? "spec" : "decision";
}

static void
print_table(const struct cf *c, const struct cf_result *res,
    const int totals[3])
{
	static const char *const head[5] = { "case", "expect", "got", "result",
	    "clause" };
	size_t w[4], i, k;
	const char *col[4];

	for (k = 0; k < 4; k++)
		w[k] = strlen(head[k]);
	for (i = 0; i < N_CASES; i++) {
		col[0] = cases[i].name;
		col[1] = cases[i].expect;
		col[2] = res[i].got[0] != '\0' ? res[i].got : "-";
		col[3] = verdict_names[res[i].verdict];
		for (k = 0; k < 4; k++)
			if (strlen(col[k]) > w[k])
				w[k] = strlen(col[k]);
	}
	printf("BSF %s, AP %s\n\n", c->bsf, c->ap != NULL ? c->ap : "-");
	printf("%-*s | %-*s | %-*s | %-*s | %s\n", (int)w[0], head[0],
	    (int)w[1], head[1], (int)w[2], head[2], (int)w[3], head[3],
	    head[4]);
	for (k = 0; k < 4; k++) {
		for (i = 0; i < w[k]; i++)
			putchar('-');
		fputs("-+-", stdout);
	}
	puts("------");
	for (i = 0; i < N_CASES; i++) {
		printf("%-*s | %-*s | %-*s | %-*s | %s: %s\n", (int)w[0],
		    cases[i].name, (int)w[1], cases[i].expect, (int)w[2],
		    res[i].got[0] != '\0' ? res[i].got : "-", (int)w[3],
		    verdict_names[res[i].verdict], basis_name(cases[i].basis),
		    cases[i].clause);
		if (res[i].detail[0] != '\0' &&
		    (res[i].verdict != CF_PASS || c->o->verbose > 0))
			printf("    %s\n", res[i].detail);
	}
	printf("\nspec: the cited clause requires it. decision: utstack's "
	    "choice where the specs\nleave a gap (spec/README.md); a BSF or "
	    "AP that differs there may still conform.\n");
	printf("%d passed, %d failed, %d not run\n", totals[CF_PASS],
	    totals[CF_FAIL], totals[CF_NOT_RUN]);
}

/*
 * Print to `out` the object ue_json writes, without its closing "}\n"
 * (`keep_brace` 0) or without the newline only. The writer knows flat
 * objects; nesting is done by splicing its output.
 */
static int
splice(FILE *out, char *buf, size_t len, int keep_brace)
{
	size_t cut = keep_brace ? 1 : 2;

	if (buf == NULL || len < cut)
		return -1;
	fwrite(buf, 1, len - cut, out);
	return 0;
}

static int
print_json(const struct cf *c, const struct cf_result *res,
    const int totals[3])
{
	struct ue_json j;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *m;

	if ((m = open_memstream(&buf, &len)) == NULL)
		return -1;
	ue_json_begin(&j, m);
	ue_json_str(&j, "bsf", c->bsf);
	ue_json_str(&j, "ap", c->ap != NULL ? c->ap : "");
	ue_json_int(&j, "passed", totals[CF_PASS]);
	ue_json_int(&j, "failed", totals[CF_FAIL]);
	ue_json_int(&j, "not_run", totals[CF_NOT_RUN]);
	ue_json_end(&j);
	fclose(m);
	if (splice(stdout, buf, len, 0) != 0) {
		free(buf);
		return -1;
	}
	free(buf);
	fputs(", \"cases\": [", stdout);
	for (i = 0; i < N_CASES; i++) {
		buf = NULL;
		if ((m = open_memstream(&buf, &len)) == NULL)
			return -1;
		ue_json_begin(&j, m);
		ue_json_str(&j, "case", cases[i].name);
		ue_json_str(&j, "peer", cases[i].peer == CF_BSF ? "bsf" : "ap");
		ue_json_str(&j, "sends", cases[i].sends);
		ue_json_str(&j, "expect", cases[i].expect);
		ue_json_str(&j, "got", res[i].got);
		ue_json_str(&j, "result", verdict_names[res[i].verdict]);
		ue_json_str(&j, "basis", basis_name(cases[i].basis));
		ue_json_str(&j, "clause", cases[i].clause);
		ue_json_str(&j, "detail", res[i].detail);
		ue_json_end(&j);
		fclose(m);
		fputs(i > 0 ? ", " : "", stdout);
		if (splice(stdout, buf, len, 1) != 0) {
			free(buf);
			return -1;
		}
		free(buf);
	}
	fputs("]}\n", stdout);
	return 0;
}

static void
print_list(void)
{
	size_t i;

	for (i = 0; i < N_CASES; i++)
		printf("%s (%s)\n  sends   %s\n  expect  %s\n"
		    "  basis   %s: %s\n", cases[i].name,
		    cases[i].peer == CF_BSF ? "BSF" : "AP", cases[i].sends,
		    cases[i].expect, basis_name(cases[i].basis),
		    cases[i].clause);
}

/* --- the command -------------------------------------------------------- */

static const char conformance_help[] =
"usage: ue [--usim FILE] [--naf-fqdn NAME] [--trace] [-v] conformance\n"
"          [--bsf URL] [--ap URL] [--impu URI] [--ca FILE] [--json] [--list]\n"
"Runs a negative test matrix against a BSF (any implementation) with the\n"
"USIM's subscriber, and prints one row per case: case | expect | got |\n"
"result | clause, then 'N passed, M failed, K not run' (--json: one object\n"
"with the totals and a 'cases' array). -v prints the detail of passing\n"
"cases too; --trace every message; --list the cases without running them.\n"
"\n"
"Each clause is marked 'spec' (the clause requires it) or 'decision'\n"
"(utstack's choice where the specs leave a gap, spec/README.md): a BSF that\n"
"differs on a decision case may still conform.\n"
"\n"
"The USIM file is never written: AKA runs on an in-memory copy of its SQN\n"
"array (the resync case forges it ahead). The HSS's SQN moves ahead of the\n"
"file, which the next 'ue bootstrap' accepts; the USIM's B-TID and Ks stay\n"
"those of its last bootstrap.\n"
"\n"
"Failure budget: wrong-res sends one wrong answer, which the BSF counts\n"
"against this IMPI (ours: ub.failure_budget, default 3 in ub.failure_window,\n"
"default 300 s; a successful bootstrap clears it). It runs last so that with\n"
"a BSF that never clears the count, a spent budget spoils only that case.\n"
"\n"
"AP cases (with --ap https://HOST:PORT, else not run): TLS 1.3 and 1.2 PSK\n"
"handshakes with Ks_NAF, ALPN h2, the identity the AP asserts with and\n"
"without X-3GPP-Intended-Identity, a forged X-3GPP-Asserted-Identity, an\n"
"unknown B-TID and a wrong key. They bootstrap once more (in memory) for\n"
"their own B-TID; SNI and NAF_Id use --naf-fqdn (else the USIM's, else\n"
CF_NAF_FQDN_DEFAULT "). The cases that check who the AP says the user is\n"
"need the user's first IMPU: --impu URI (or impu in the USIM); without it\n"
"ap-no-intended-identity is not run and two others check less. They write\n"
"and delete one document users/<impu>/conformance-<random> each.\n"
"The ap-digest cases use the AP's certificate mode (TS 33.222 5.3: HTTP\n"
"Digest inside server-certificate TLS) and need the CA of its certificate:\n"
"--ca FILE (or ca in the USIM); without it they are not run.\n"
"\n"
"Exit: 0 every case run passed, 4 some failed, 5 the BSF or the AP could\n"
"not be reached, 2 bad usage.\n";

int
ue_conformance_main(const struct ue_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "bsf", required_argument, NULL, 'B' },
		{ "ap", required_argument, NULL, 'A' },
		{ "impu", required_argument, NULL, 'I' },
		{ "ca", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cf_result res[N_CASES];
	const char *bsf = o->bsf, *ap = o->ap, *host, *impu = NULL, *ca = NULL;
	int json = o->json, list = 0, totals[3] = { 0, 0, 0 }, ch, rc;
	struct cf *c;
	size_t i;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (ch) {
		case 'B': bsf = optarg; break;
		case 'A': ap = optarg; break;
		case 'I': impu = optarg; break;
		case 'C': ca = optarg; break;
		case 'j': json = 1; break;
		case 'l': list = 1; break;
		case 'h': fputs(conformance_help, stdout); return UE_EXIT_OK;
		case ':':
			return ue_usage_error("conformance", "option '%s' "
			    "needs a value", argv[optind - 1]);
		default:
			return ue_usage_error("conformance", "unknown option "
			    "'%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ue_usage_error("conformance", "unexpected argument '%s'",
		    argv[optind]);
	if (list) {
		print_list();
		return UE_EXIT_OK;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ue_usage_error("conformance", "out of memory");
	c->o = o;
	c->conn.fd = -1;
	if (ue_usim_load(ue_usim_path(o), &c->u) != 0) {
		rc = UE_EXIT_USAGE;
		goto done;
	}
	c->bsf = bsf != NULL ? bsf : c->u.bsf;
	c->ap = ap != NULL ? ap : c->u.ap[0] != '\0' ? c->u.ap : NULL;
	c->naf_fqdn = o->naf_fqdn != NULL ? o->naf_fqdn :
	    c->u.naf_fqdn[0] != '\0' ? c->u.naf_fqdn : CF_NAF_FQDN_DEFAULT;
	c->impu = impu != NULL ? impu : c->u.impu[0] != '\0' ? c->u.impu :
	    NULL;
	c->ca = ca != NULL ? ca : c->u.ca[0] != '\0' ? c->u.ca : NULL;
	if (c->ap != NULL && strncmp(c->ap, "https://", 8) != 0 &&
	    strstr(c->ap, "://") != NULL) {
		rc = ue_usage_error("conformance", "%s: the AP speaks TLS (Ua "
		    "is TLS-PSK): give an https:// URL", c->ap);
		goto done;
	}
	if (c->impu != NULL && (strchr(c->impu, ':') == NULL ||
	    strpbrk(c->impu, " \t\"<>/?#") != NULL)) {
		rc = ue_usage_error("conformance", "--impu: expected a URI such "
		    "as sip:alice@ims.example.org");
		goto done;
	}
	if (c->bsf[0] == '\0') {
		rc = ue_usage_error("conformance", "no BSF: give --bsf URL or "
		    "set bsf in the USIM");
		goto done;
	}
	if (strncmp(c->bsf, "http://", 7) != 0 &&
	    strstr(c->bsf, "://") != NULL) {
		/* common/httpc speaks plain HTTP only */
		rc = ue_usage_error("conformance", "%s: only http:// BSF URLs",
		    c->bsf);
		goto done;
	}
	host = c->bsf + (strncmp(c->bsf, "http://", 7) == 0 ? 7 : 0);
	snprintf(c->authority, sizeof(c->authority), "%.*s",
	    (int)strcspn(host, "/"), host);
	/* TS 24.109 A.3: the first request names the BSF's FQDN as realm. */
	snprintf(c->realm, sizeof(c->realm), "%.*s",
	    (int)strcspn(c->authority, ":"), c->authority);
	if (ue_usim_sqn_get(&c->u, &c->sqn) != 0) {
		rc = ue_usage_error("conformance", "the USIM's seq is bad");
		goto done;
	}
	milenage_init(&c->mil, c->u.k, c->u.opc);
	if (httpc_open(&c->conn, c->bsf) != 0) {
		fprintf(stderr, "ue: conformance: cannot reach the BSF: %s\n",
		    c->conn.err);
		rc = UE_EXIT_UNREACHABLE;
		goto done;
	}
	memset(res, 0, sizeof(res));
	for (i = 0; i < N_CASES; i++) {
		c->case_name = cases[i].name;
		if (cases[i].peer == CF_AP && c->ap == NULL)
			verdict(&res[i], CF_NOT_RUN, "no --ap given");
		else
			cases[i].run(c, &res[i]);
		ap_close(c);
		secret_wipe(&c->a, sizeof(c->a));
		/* An AP that cannot be reached: stop, as for the BSF. */
		if (c->ap_unreachable) {
			fprintf(stderr, "ue: conformance: cannot reach the AP at "
			    "%s: %s\n", c->ap, res[i].detail);
			rc = UE_EXIT_UNREACHABLE;
			goto done;
		}
		/* Not one answer from the BSF to the first case: stop. */
		if (i == 0 && strcmp(res[i].got, "no answer") == 0) {
			fprintf(stderr, "ue: conformance: the BSF at %s does "
			    "not answer: %s\n", c->bsf, res[i].detail);
			rc = UE_EXIT_UNREACHABLE;
			goto done;
		}
		totals[res[i].verdict]++;
	}
	if (json) {
		if (print_json(c, res, totals) != 0) {
			rc = ue_usage_error("conformance", "out of memory");
			goto done;
		}
	} else
		print_table(c, res, totals);
	rc = totals[CF_FAIL] > 0 ? UE_EXIT_PEER : UE_EXIT_OK;
done:
	ap_close(c);
	httpc_close(&c->conn);
	milenage_clear(&c->mil);
	ue_usim_clear(&c->u);
	secret_wipe(c, sizeof(*c));
	free(c);
	return rc;
}
