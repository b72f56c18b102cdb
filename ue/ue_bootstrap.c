/*
 * ue_bootstrap.c — `ue bootstrap` (Ub, TS 24.109 §4 and Annex A, TS 33.220
 * §4.5.2, RFC 3310 / RFC 4169) and `ue ks-naf` (TS 33.220 Annex B.3).
 *
 * The UE side of Ub: ask with the IMPI, run AKA on the challenge (MAC-A,
 * then SQN freshness against the USIM's SEQ array), answer with RES (AKAv1)
 * or the AKAv2 password, check rspauth in the 200, store B-TID, Ks, RAND
 * and lifetime in the USIM. Resynchronises with AUTS when the SQN is out
 * of range; refuses a vector whose MAC-A fails (empty-password answer,
 * exit 3). The Ub steps `ue conformance` shares (ue_ub_challenge,
 * ue_ub_answer, ue_ub_verify_200) are declared in ue.h.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aka.h"
#include "b64.h"
#include "crypto.h"
#include "digest.h"
#include "gba.h"
#include "hex.h"
#include "httpc.h"
#include "milenage.h"
#include "secret.h"
#include "ue.h"
#include "xml.h"

#define UB_RESYNC_MAX	2	/* AUTS rounds before giving up */
#define UB_TIMEOUT_MS	10000

/* One run of `ue bootstrap`. */
struct ub {
	const struct ue_opts	*o;
	struct ue_usim		 u;
	const char		*usim_path;
	const char		*bsf;
	char			 authority[300];	/* Host header */
	struct httpc_conn	 conn;
	struct httpc_resp	 resp;
	struct milenage		 mil;
	struct aka_sqn_ms	 sqn;
	int			 quiet;		/* a step of another command:
						 * nothing on stdout */
};

static void
trace(const struct ub *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
trace(const struct ub *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->o->trace)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Trace a key: hex with --show-keys, else [hidden]. */
static void
trace_key(const struct ub *b, const char *name, const uint8_t *p, size_t len)
{
	char hex[2 * 64 + 1];

	if (!b->o->trace)
		return;
	fprintf(stderr, "   %-8s %s\n", name, b->o->show_keys ?
	    hex_encode(p, len < 64 ? len : 64, hex) : "[hidden]");
}

/* Explain a failure (-v) and return the exit status. */
static int
failure(const struct ub *b, int status, const char *what, const char *why)
{
	fprintf(stderr, "ue: bootstrap: %s\n", what);
	if (b->o->verbose > 0 && why != NULL)
		fprintf(stderr, "ue: bootstrap: why: %s\n", why);
	return status;
}

static void
trace_response(const struct ub *b)
{
	size_t i;

	if (!b->o->trace)
		return;
	fprintf(stderr, "<- HTTP/1.1 %d %s\n", b->resp.status, b->resp.reason);
	for (i = 0; i < b->resp.n; i++)
		fprintf(stderr, "<- %s: %s\n", b->resp.h[i].name,
		    b->resp.h[i].value);
	if (b->resp.body_len > 0)
		fprintf(stderr, "<-\n%s%s", b->resp.body,
		    b->resp.body[b->resp.body_len - 1] == '\n' ? "" : "\n");
}

/* GET / with one Authorization value; the response in b->resp. */
static int
send_get(struct ub *b, const char *authz)
{
	char host[320], auth[DIGEST_MAX_LEN + 32];
	const char *hdrs[5];

	snprintf(host, sizeof(host), "Host: %s", b->authority);
	snprintf(auth, sizeof(auth), "Authorization: %s", authz);
	hdrs[0] = host;
	hdrs[1] = auth;
	/* 33.220 4.5.2: the UE announces TMPI support with this token;
	 * utstack has none, so it sends its own product name only. */
	hdrs[2] = "User-Agent: utstack-ue/" UTSTACK_VERSION;
	hdrs[3] = "Accept: */*";
	hdrs[4] = NULL;
	trace(b, "-> GET / HTTP/1.1\n-> %s\n-> %s", host, auth);
	if (httpc_request(&b->conn, "GET", "/", hdrs, NULL, 0, &b->resp,
	    UB_TIMEOUT_MS) != 0)
		return -1;
	trace_response(b);
	return 0;
}

/* A non-401/200 status: its meaning for the user and the exit status. */
static int
peer_error(const struct ub *b)
{
	char what[512];

	snprintf(what, sizeof(what), "the BSF answered %d %s: %.300s",
	    b->resp.status, b->resp.reason, b->resp.body);
	what[strcspn(what, "\n")] = '\0';
	if (b->resp.status == 403 || b->resp.status == 401)
		return failure(b, UE_EXIT_AUTH, what, "the BSF did not accept "
		    "this subscriber or this answer (TS 24.109 4.3)");
	return failure(b, UE_EXIT_PEER, what, NULL);
}

int
ue_ub_challenge(const struct httpc_resp *r, struct digest_hdr *ch,
    struct digest_alg *alg, uint8_t rand[16], uint8_t autn[16], char *err,
    size_t errlen, const char **why)
{
	const char *www = httpc_header(r, "WWW-Authenticate");
	const char *nonce;
	uint8_t raw[64];
	char perr[160];
	ssize_t n;

	if (www == NULL) {
		snprintf(err, errlen, "401 without WWW-Authenticate");
		*why = "RFC 7235 3.1: a 401 carries a challenge";
		return UE_EXIT_PEER;
	}
	if (digest_parse(ch, DIGEST_CHALLENGE, www, perr, sizeof(perr)) != 0 ||
	    digest_validate(ch, perr, sizeof(perr)) != 0) {
		snprintf(err, errlen, "the BSF's challenge is malformed: %s",
		    perr);
		*why = "RFC 7616 3.3: realm and nonce are required";
		return UE_EXIT_PEER;
	}
	if (digest_alg_parse(digest_get(ch, "algorithm"), alg) != 0 ||
	    alg->aka == 0) {
		snprintf(err, errlen, "the BSF did not ask for AKAv1-MD5 or "
		    "AKAv2-MD5");
		*why = "TS 24.109 4.2: Ub uses Digest AKA";
		return UE_EXIT_PEER;
	}
	nonce = digest_get(ch, "nonce");
	n = b64_decode(nonce, strlen(nonce), raw, sizeof(raw));
	if (n < 32) {
		snprintf(err, errlen, "the nonce is not base64(RAND || AUTN)");
		*why = "RFC 3310 3.2: 16 octets RAND, 16 octets AUTN, optional "
		    "server data";
		return UE_EXIT_PEER;
	}
	memcpy(rand, raw, 16);
	memcpy(autn, raw + 16, 16);
	return 0;
}

/* The challenge of a 401; 0, or an exit status after a message. */
static int
read_challenge(struct ub *b, struct digest_hdr *ch, struct digest_alg *alg,
    uint8_t rand[16], uint8_t autn[16])
{
	char err[256];
	const char *why;
	int rc;

	if (b->resp.status != 401)
		return peer_error(b);
	if ((rc = ue_ub_challenge(&b->resp, ch, alg, rand, autn, err,
	    sizeof(err), &why)) != 0)
		return failure(b, rc, err, why);
	return 0;
}

static const char *
choose_qop(const struct digest_hdr *ch)
{
	const char *q = digest_get(ch, "qop");

	if (q == NULL)
		return NULL;
	if (strstr(q, "auth-int") != NULL)
		return "auth-int";
	return strstr(q, "auth") != NULL ? "auth" : NULL;
}

int
ue_ub_answer(const char *impi, const struct digest_hdr *ch,
    const struct digest_alg *alg, const uint8_t *password, size_t pwlen,
    const char *auts64, struct digest_input *in, char *cnonce,
    char *response, char *out, size_t size)
{
	struct digest_build db;
	const char *opaque = digest_get(ch, "opaque");
	uint8_t r[16];

	if (crypto_random(r, sizeof(r), 0) != 0)
		return -1;
	hex_encode(r, sizeof(r), cnonce);
	memset(in, 0, sizeof(*in));
	in->alg = *alg;
	in->username = impi;
	in->realm = digest_get(ch, "realm");
	in->password = password;
	in->password_len = pwlen;
	in->method = "GET";
	in->uri = "/";
	in->nonce = digest_get(ch, "nonce");
	in->qop = choose_qop(ch);
	in->nc = in->qop != NULL ? "00000001" : NULL;
	in->cnonce = cnonce;
	if (digest_response(in, response) != 0)
		return -1;
	digest_build_init(&db, DIGEST_CREDENTIALS, out, size);
	digest_build_add(&db, "username", in->username, DIGEST_AUTO);
	digest_build_add(&db, "realm", in->realm, DIGEST_AUTO);
	digest_build_add(&db, "nonce", in->nonce, DIGEST_AUTO);
	digest_build_add(&db, "uri", "/", DIGEST_AUTO);
	digest_build_add(&db, "response", response, DIGEST_AUTO);
	digest_build_add(&db, "algorithm", digest_alg_name(alg), DIGEST_AUTO);
	if (in->qop != NULL) {
		digest_build_add(&db, "qop", in->qop, DIGEST_AUTO);
		digest_build_add(&db, "nc", in->nc, DIGEST_AUTO);
		digest_build_add(&db, "cnonce", cnonce, DIGEST_AUTO);
	}
	if (opaque != NULL)
		digest_build_add(&db, "opaque", opaque, DIGEST_AUTO);
	if (auts64 != NULL)
		digest_build_add(&db, "auts", auts64, DIGEST_AUTO);
	return digest_build_finish(&db, NULL);
}

int
ue_ub_verify_200(const struct httpc_resp *r, struct digest_input *in,
    char *btid, size_t btidlen, char *lifetime, size_t ltlen, char *err,
    size_t errlen, const char **why)
{
	const char *ai = httpc_header(r, "Authentication-Info");
	struct digest_hdr *info;
	struct _xmlDoc *doc;
	char expect[DIGEST_HEX_MAX], perr[160];
	int ok;

	if (ai == NULL) {
		snprintf(err, errlen, "the 200 has no Authentication-Info: the "
		    "BSF did not prove it knows XRES");
		*why = "RFC 3310 3.5 / TS 24.109 A.3: rspauth authenticates "
		    "the BSF";
		return UE_EXIT_AUTH;
	}
	if ((info = malloc(sizeof(*info))) == NULL) {
		snprintf(err, errlen, "out of memory");
		*why = NULL;
		return UE_EXIT_USAGE;
	}
	ok = digest_parse(info, DIGEST_AUTH_INFO, ai, perr,
	    sizeof(perr)) == 0 && digest_get(info, "rspauth") != NULL;
	if (ok) {
		in->method = "";
		in->body = (const uint8_t *)r->body;
		in->body_len = r->body_len;
		ok = digest_response(in, expect) == 0 &&
		    ct_streq(expect, digest_get(info, "rspauth"));
	}
	free(info);
	if (!ok) {
		snprintf(err, errlen, "rspauth in Authentication-Info does not "
		    "verify: the BSF is not authenticated");
		*why = "RFC 3310 3.5: rspauth = Digest over the response body "
		    "with XRES as password and an empty method";
		return UE_EXIT_AUTH;
	}
	doc = xml_parse(r->body, r->body_len, HTTPC_BODY_MAX, perr,
	    sizeof(perr));
	if (doc == NULL || !xml_root_is(doc, "uri:3gpp-gba", "BootstrappingInfo") ||
	    xml_child_text(doc, "uri:3gpp-gba", "btid", btid, btidlen) != 0 ||
	    xml_child_text(doc, "uri:3gpp-gba", "lifetime", lifetime,
	    ltlen) != 0) {
		snprintf(err, errlen, "the 200 body is not a BootstrappingInfo "
		    "with btid and lifetime%s%s", doc == NULL ? ": " : "",
		    doc == NULL ? perr : "");
		*why = "TS 24.109 Annex C: namespace uri:3gpp-gba";
		xml_doc_free(doc);
		return UE_EXIT_PEER;
	}
	xml_doc_free(doc);
	return 0;
}

/* The 200: rspauth over the exact body (RFC 3310 3.5), BootstrappingInfo. */
static int
finish(struct ub *b, struct digest_input *in, const struct aka_result *res,
    const uint8_t rand[16])
{
	const char *ct = httpc_header(&b->resp, "Content-Type");
	char err[256], btid[300], lifetime[64];
	const char *why;
	uint8_t btid_rand[16];
	int rc;

	if ((rc = ue_ub_verify_200(&b->resp, in, btid, sizeof(btid), lifetime,
	    sizeof(lifetime), err, sizeof(err), &why)) != 0)
		return failure(b, rc, err, why);
	trace(b, "   rspauth  verified (the BSF knows XRES)");
	if (ct == NULL || strncmp(ct, "application/vnd.3gpp.bsf+xml", 28) != 0)
		fprintf(stderr, "ue: bootstrap: warning: Content-Type is %s, not "
		    "application/vnd.3gpp.bsf+xml (TS 24.109 C.1)\n",
		    ct != NULL ? ct : "missing");
	if (gba_btid_parse(btid, btid_rand, NULL, 0) == 0 &&
	    memcmp(btid_rand, rand, 16) != 0)
		fprintf(stderr, "ue: bootstrap: warning: the B-TID is not "
		    "base64(RAND)@BSF (TS 33.220 4.5.2)\n");
	snprintf(b->u.btid, sizeof(b->u.btid), "%s", btid);
	snprintf(b->u.lifetime, sizeof(b->u.lifetime), "%s", lifetime);
	gba_ks(res->ck, res->ik, b->u.ks);
	b->u.ks_len = GBA_KS_LEN;
	memcpy(b->u.rand, rand, 16);
	b->u.rand_len = 16;
	trace_key(b, "Ks", b->u.ks, GBA_KS_LEN);
	if (ue_usim_save(b->usim_path, &b->u) != 0)
		return UE_EXIT_USAGE;
	if (b->quiet)
		trace(b, "   bootstrapped: B-TID %s, lifetime %s", btid,
		    lifetime);
	else if (b->o->json) {
		struct ue_json j;

		ue_json_begin(&j, stdout);
		ue_json_str(&j, "btid", btid);
		ue_json_str(&j, "lifetime", lifetime);
		ue_json_end(&j);
	} else
		printf("B-TID     %s\nlifetime  %s\n", btid, lifetime);
	return UE_EXIT_OK;
}

static int
run(struct ub *b)
{
	struct digest_hdr *ch;
	struct digest_alg alg;
	struct digest_input in;
	struct aka_result res;
	uint8_t rand[16], autn[16], auts[14];
	char authz[DIGEST_MAX_LEN], cnonce[33], response[DIGEST_HEX_MAX];
	char akav2[DIGEST_AKAV2_PW_LEN], auts64[B64_LEN(14)], hex[33];
	char first[DIGEST_MAX_LEN];
	enum aka_status st;
	int rc, resyncs = 0;

	if ((ch = malloc(sizeof(*ch))) == NULL)
		return failure(b, UE_EXIT_USAGE, "out of memory", NULL);
	memset(&res, 0, sizeof(res));
	/* TS 24.109 A.3 step 1: the IMPI, empty nonce and response. */
	snprintf(first, sizeof(first), "Digest username=\"%s\", realm=\"%.*s\", "
	    "nonce=\"\", uri=\"/\", response=\"\"", b->u.impi,
	    (int)strcspn(b->authority, ":"), b->authority);
	if (send_get(b, first) != 0) {
		rc = failure(b, UE_EXIT_UNREACHABLE, b->conn.err,
		    "is the BSF running at that URL?");
		goto done;
	}
	for (;;) {
		if ((rc = read_challenge(b, ch, &alg, rand, autn)) != 0)
			goto done;
		trace(b, "   RAND     %s", hex_encode(rand, 16, hex));
		trace(b, "   AUTN     %s", hex_encode(autn, 16, hex));
		st = aka_autn_check(&b->mil, &b->sqn, rand, autn, &res, auts);
		if (st == AKA_MAC_FAILURE) {
			/* Decision table: no RES; empty-password response,
			 * no auts; the BSF ends the exchange with 403. */
			trace(b, "   MAC-A    does NOT verify: the network is not "
			    "authentic; answering with an empty password");
			if (ue_ub_answer(b->u.impi, ch, &alg, (const uint8_t *)"",
			    0, NULL, &in, cnonce, response, authz,
			    sizeof(authz)) == 0)
				(void)send_get(b, authz);
			rc = failure(b, UE_EXIT_AUTH, "network authentication "
			    "failed: MAC-A of the challenge does not verify",
			    "TS 33.102 6.3.3: the USIM checks XMAC-A = MAC-A; "
			    "a wrong K/OPc on either side, or a forged challenge");
			goto done;
		}
		if (st == AKA_SYNC_FAILURE) {
			if (++resyncs > UB_RESYNC_MAX) {
				rc = failure(b, UE_EXIT_AUTH, "SQN still out of "
				    "range after resynchronisation", "TS 33.102 "
				    "6.3.5: the HSS did not move its SQN past ours");
				goto done;
			}
			b64_encode(auts, sizeof(auts), auts64);
			trace(b, "   SQN      out of range: resynchronising with "
			    "AUTS %s", auts64);
			if (ue_ub_answer(b->u.impi, ch, &alg, (const uint8_t *)"",
			    0, auts64, &in, cnonce, response, authz,
			    sizeof(authz)) != 0 || send_get(b, authz) != 0) {
				rc = failure(b, UE_EXIT_UNREACHABLE,
				    b->conn.err, NULL);
				goto done;
			}
			continue;	/* a fresh challenge */
		}
		break;
	}
	trace(b, "   MAC-A    ok, SQN %s fresh", hex_encode(res.sqn, 6, hex));
	trace_key(b, "RES", res.res, res.res_len);
	trace_key(b, "CK", res.ck, 16);
	trace_key(b, "IK", res.ik, 16);
	/* The USIM accepted the SQN: remember it whatever happens next. */
	ue_usim_sqn_put(&b->u, &b->sqn);
	if (ue_usim_save(b->usim_path, &b->u) != 0) {
		rc = UE_EXIT_USAGE;
		goto done;
	}
	if (alg.aka == 2) {
		if (digest_akav2_password(res.res, res.res_len, res.ik, res.ck,
		    akav2) != 0) {
			rc = failure(b, UE_EXIT_AUTH, "bad RES length", NULL);
			goto done;
		}
		rc = ue_ub_answer(b->u.impi, ch, &alg, (const uint8_t *)akav2,
		    strlen(akav2), NULL, &in, cnonce, response, authz,
		    sizeof(authz));
	} else
		rc = ue_ub_answer(b->u.impi, ch, &alg, res.res, res.res_len,
		    NULL, &in, cnonce, response, authz, sizeof(authz));
	if (rc != 0) {
		rc = failure(b, UE_EXIT_USAGE, "cannot build the Authorization",
		    NULL);
		goto done;
	}
	if (send_get(b, authz) != 0) {
		rc = failure(b, UE_EXIT_UNREACHABLE, b->conn.err, NULL);
		goto done;
	}
	if (b->resp.status != 200) {
		rc = peer_error(b);
		goto done;
	}
	rc = finish(b, &in, &res, rand);
done:
	secret_wipe(akav2, sizeof(akav2));
	aka_result_clear(&res);
	free(ch);
	return rc;
}

static const char bootstrap_help[] =
"usage: ue [--usim FILE] [--bsf URL] [--json] [--trace [--show-keys]] [-v]\n"
"          bootstrap\n"
"Bootstraps with the BSF (Ub, HTTP Digest AKA, TS 24.109 4): AKA on the\n"
"challenge with the simulated USIM, resync with AUTS when the SQN is out of\n"
"range, rspauth checked, then B-TID, Ks and lifetime kept in the USIM.\n"
"The BSF URL: --bsf, else the USIM's bsf.\n"
"Exit: 0 bootstrapped, 3 authentication failed (either side), 4 the BSF\n"
"answered with an error, 5 the BSF could not be reached.\n";

/* One bootstrapping of the USIM at `path` with `bsf` (NULL: --bsf, else
 * the USIM's); `quiet`: print nothing on stdout. */
static int
bootstrap(const struct ue_opts *o, const char *path, const char *bsf,
    int quiet)
{
	struct ub *b;
	int rc;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ue_usage_error("bootstrap", "out of memory");
	b->o = o;
	b->quiet = quiet;
	b->usim_path = path;
	if (ue_usim_load(b->usim_path, &b->u) != 0) {
		free(b);
		return UE_EXIT_USAGE;
	}
	b->bsf = bsf != NULL ? bsf : o->bsf != NULL ? o->bsf : b->u.bsf;
	if (b->bsf[0] == '\0') {
		rc = ue_usage_error("bootstrap", "no BSF: give --bsf URL or set "
		    "bsf in the USIM");
		goto done;
	}
	snprintf(b->authority, sizeof(b->authority), "%.*s",
	    (int)strcspn(b->bsf + (strncmp(b->bsf, "http://", 7) ? 0 : 7), "/"),
	    b->bsf + (strncmp(b->bsf, "http://", 7) ? 0 : 7));
	ue_usim_sqn_get(&b->u, &b->sqn);
	milenage_init(&b->mil, b->u.k, b->u.opc);
	if (httpc_open(&b->conn, b->bsf) != 0)
		rc = failure(b, UE_EXIT_UNREACHABLE, b->conn.err,
		    "is the BSF running at that URL?");
	else
		rc = run(b);
	httpc_close(&b->conn);
done:
	milenage_clear(&b->mil);
	ue_usim_clear(&b->u);
	secret_wipe(b, sizeof(*b));
	free(b);
	return rc;
}

int
ue_bootstrap_run(const struct ue_opts *o, const char *usim_path,
    const char *bsf)
{
	return bootstrap(o, usim_path, bsf, 1);
}

int
ue_bootstrap_main(const struct ue_opts *o, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(bootstrap_help, stdout);
			return UE_EXIT_OK;
		}
		return ue_usage_error("bootstrap", "unexpected argument '%s' "
		    "(global options go before the command)", argv[i]);
	}
	return bootstrap(o, ue_usim_path(o), NULL, 0);
}

/* --- ks-naf -------------------------------------------------------------- */

static const char ks_naf_help[] =
"usage: ue [--usim FILE] [--json] ks-naf NAF-FQDN [--ua-id HEX]\n"
"Ks_NAF the NAF will use, from the USIM's last bootstrapping\n"
"(TS 33.220 B.3): KDF(Ks, \"gba-me\", RAND, IMPI, NAF_Id). Ua id default\n"
"0100000007 (shared-key TLS 1.3); 010001yyzz for TLS 1.2 with suite yyzz,\n"
"0100000002 for HTTP Digest.\n";

int
ue_ks_naf_main(const struct ue_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ua-id", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fqdn = NULL, *ua_s = "0100000007";
	uint8_t ua[GBA_UA_ID_LEN], naf_id[GBA_NAF_ID_MAX], key[GBA_KEY_LEN];
	char hex[2 * GBA_NAF_ID_MAX + 1], b64[B64_LEN(GBA_KEY_LEN)];
	struct ue_usim u;
	size_t naf_id_len;
	int ch, err;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (ch) {
		case 'u': ua_s = optarg; break;
		case 'h': fputs(ks_naf_help, stdout); return UE_EXIT_OK;
		case ':':
			return ue_usage_error("ks-naf", "option '%s' needs a value",
			    argv[optind - 1]);
		default:
			return ue_usage_error("ks-naf", "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		fqdn = argv[optind++];
	else if (o->naf_fqdn != NULL)
		fqdn = o->naf_fqdn;
	if (optind < argc)
		return ue_usage_error("ks-naf", "unexpected argument '%s'",
		    argv[optind]);
	if (hex_decode_exact(ua_s, ua, sizeof(ua)) != 0)
		return ue_usage_error("ks-naf", "--ua-id: expected 10 hex digits");
	if (ue_usim_load(ue_usim_path(o), &u) != 0)
		return UE_EXIT_USAGE;
	if (fqdn == NULL && u.naf_fqdn[0] != '\0')
		fqdn = u.naf_fqdn;
	if (fqdn == NULL) {
		ue_usim_clear(&u);
		return ue_usage_error("ks-naf", "which NAF? give NAF-FQDN");
	}
	if (u.ks_len != GBA_KS_LEN || u.rand_len != 16) {
		ue_usim_clear(&u);
		return ue_usage_error("ks-naf", "the USIM has no bootstrapping: "
		    "run 'ue bootstrap' first");
	}
	if ((err = gba_naf_id(fqdn, ua, naf_id, sizeof(naf_id),
	    &naf_id_len)) != 0 || (err = gba_ks_naf(u.ks, u.rand, u.impi,
	    naf_id, naf_id_len, key)) != 0) {
		ue_usim_clear(&u);
		return ue_usage_error("ks-naf", "%s", gba_strerror(err));
	}
	b64_encode(key, sizeof(key), b64);
	if (o->json) {
		struct ue_json j;

		ue_json_begin(&j, stdout);
		ue_json_str(&j, "btid", u.btid);
		ue_json_hex(&j, "naf_id", naf_id, naf_id_len);
		ue_json_hex(&j, "ks_naf", key, sizeof(key));
		ue_json_str(&j, "ks_naf_b64", b64);
		ue_json_end(&j);
	} else {
		printf("B-TID     %s\nNAF_Id    %s\n", u.btid,
		    hex_encode(naf_id, naf_id_len, hex));
		printf("Ks_NAF    %s\nbase64    %s\n", hex_encode(key,
		    sizeof(key), hex), b64);
	}
	secret_wipe(key, sizeof(key));
	secret_wipe(b64, sizeof(b64));
	ue_usim_clear(&u);
	return UE_EXIT_OK;
}
