/*
 * bsf_ub.c — Ub: bootstrapping over HTTP/1.1 with Digest AKA (TS 24.109
 * §4 and Annex A, TS 33.220 §4.5.2, RFC 3310, RFC 4169; GBA.md §1 and the
 * decision table of spec/README.md).
 *
 *   GET / + Authorization: Digest username=IMPI, nonce=""  →  MAR (async)
 *       → 401 WWW-Authenticate: Digest realm, nonce=base64(RAND||AUTN),
 *         qop="auth-int", algorithm=AKAv1-MD5|AKAv2-MD5, opaque
 *   GET / + Authorization with the response
 *       → 200 BootstrappingInfo (B-TID, lifetime), Authentication-Info
 *         with rspauth over that exact body (password XRES)
 *
 * Failures answer with a short text body saying why, and an event line
 * BSF-AUTH-FAIL with the same reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "b64.h"
#include "bsf.h"
#include "crypto.h"
#include "daemon.h"
#include "digest.h"
#include "hex.h"
#include "log.h"
#include "secret.h"

#define NONCE_BUCKETS	65536
#define FAIL_BUCKETS	4096
#define NONCE_TEXT_MAX	B64_LEN(32)	/* base64(RAND || AUTN) */
#define BSF_BODY_MAX	1024

/* An outstanding challenge: the vector behind one nonce. */
struct challenge {
	char			 nonce[NONCE_TEXT_MAX];
	char			 opaque[33];
	char			 impi[BSF_ID_MAX];
	struct bsf_vector	 v;
	time_t			 expires;
	struct challenge	*hnext;			/* hash chain */
	TAILQ_ENTRY(challenge)	 age;			/* oldest first */
};
TAILQ_HEAD(challenge_list, challenge);

/* Wrong answers of one IMPI within the failure window. */
struct failures {
	char			 impi[BSF_ID_MAX];
	long long		 count;
	time_t			 window_end;
	struct failures		*hnext;
	TAILQ_ENTRY(failures)	 age;
};
TAILQ_HEAD(failures_list, failures);

struct bsf_ub {
	struct evhttp		*http;
	const struct bsf_conf	*c;
	struct bsf_zh		*zh;
	struct bsf_store	*st;
	struct challenge	*nonces[NONCE_BUCKETS];
	struct challenge_list	 nonce_age;
	long long		 n_nonces;
	struct failures		*fails[FAIL_BUCKETS];
	struct failures_list	 fail_age;
};

/* A request waiting for the HSS. If its connection closes first, `req`
 * becomes NULL (close callback) and the answer is dropped. */
struct ub_wait {
	struct bsf_ub		*ub;
	struct evhttp_request	*req;
	char			 impi[BSF_ID_MAX];
	char			 peer[64];
	int			 stale;		/* challenge says stale=true */
	int			 resync;	/* MAR carried RAND||AUTS */
};

/* --- small tables ------------------------------------------------------ */

static unsigned
hash_str(const char *s, unsigned buckets)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % buckets;
}

static void
challenge_free(struct bsf_ub *ub, struct challenge *ch)
{
	struct challenge **pp = &ub->nonces[hash_str(ch->nonce, NONCE_BUCKETS)];

	while (*pp != NULL && *pp != ch)
		pp = &(*pp)->hnext;
	if (*pp == ch)
		*pp = ch->hnext;
	TAILQ_REMOVE(&ub->nonce_age, ch, age);
	ub->n_nonces--;
	bsf_vector_clear(&ch->v);
	secret_wipe(ch, sizeof(*ch));
	free(ch);
}

/* Drop challenges older than their lifetime (they are in age order). */
static void
challenges_expire(struct bsf_ub *ub, time_t now)
{
	struct challenge *ch;

	while ((ch = TAILQ_FIRST(&ub->nonce_age)) != NULL && ch->expires <= now)
		challenge_free(ub, ch);
}

static struct challenge *
challenge_find(struct bsf_ub *ub, const char *nonce, time_t now)
{
	struct challenge *ch;

	challenges_expire(ub, now);
	for (ch = ub->nonces[hash_str(nonce, NONCE_BUCKETS)]; ch != NULL;
	    ch = ch->hnext)
		if (strcmp(ch->nonce, nonce) == 0)
			return ch;
	return NULL;
}

static struct failures *
failures_get(struct bsf_ub *ub, const char *impi, time_t now, int create)
{
	struct failures *f;
	unsigned h = hash_str(impi, FAIL_BUCKETS);

	/* Forget windows that have ended (kept in age order). */
	while ((f = TAILQ_FIRST(&ub->fail_age)) != NULL && f->window_end <= now) {
		struct failures **pp = &ub->fails[hash_str(f->impi, FAIL_BUCKETS)];

		while (*pp != f)
			pp = &(*pp)->hnext;
		*pp = f->hnext;
		TAILQ_REMOVE(&ub->fail_age, f, age);
		free(f);
	}
	for (f = ub->fails[h]; f != NULL; f = f->hnext)
		if (strcmp(f->impi, impi) == 0)
			return f;
	if (!create || (f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	snprintf(f->impi, sizeof(f->impi), "%s", impi);
	f->window_end = now + (time_t)ub->c->failure_window;
	f->hnext = ub->fails[h];
	ub->fails[h] = f;
	TAILQ_INSERT_TAIL(&ub->fail_age, f, age);
	return f;
}

static int
budget_spent(struct bsf_ub *ub, const char *impi, time_t now)
{
	struct failures *f = failures_get(ub, impi, now, 0);

	return f != NULL && f->count >= ub->c->failure_budget;
}

/* --- answers ----------------------------------------------------------- */

static void
peer_of(struct evhttp_request *req, char *out, size_t size)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	char *host = NULL;
	ev_uint16_t port = 0;

	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &host, &port);
	snprintf(out, size, "%s:%u", host != NULL ? host : "?", port);
}

static void
answer_text(struct evhttp_request *req, int status, const char *phrase,
    const char *text)
{
	struct evbuffer *body = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Server", "utstack-bsf/" UTSTACK_VERSION);
	evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
	if (body != NULL)
		evbuffer_add_printf(body, "%s\n", text);
	evhttp_send_reply(req, status, phrase, body);
	if (body != NULL)
		evbuffer_free(body);
}

static void
fail_event(const char *impi, const char *peer, int status, const char *reason)
{
	char st[8];

	snprintf(st, sizeof(st), "%d", status);
	log_event("BSF-AUTH-FAIL", "peer", peer, "impi", impi, "status", st,
	    "reason", reason, (char *)NULL);
}

static void
answer_fail(struct evhttp_request *req, const char *impi, const char *peer,
    int status, const char *reason)
{
	static const struct { int st; const char *phrase; } phrases[] = {
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 503, "Service Unavailable" },
	};
	const char *phrase = "Error";
	size_t i;

	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].st == status)
			phrase = phrases[i].phrase;
	fail_event(impi, peer, status, reason);
	answer_text(req, status, phrase, reason);
}

/* --- challenges -------------------------------------------------------- */

static void on_vector(void *arg, enum bsf_zh_status st, struct bsf_vector *v,
    const char *reason);

static void
on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct ub_wait *w = arg;

	(void)evcon;
	w->req = NULL;	/* the answer, when it comes, goes nowhere */
}

/*
 * Ask the HSS for a vector and answer `req` with a challenge later. With
 * `rand_auts` a resynchronisation. The request waits; the loop does not.
 */
static void
challenge_start(struct bsf_ub *ub, struct evhttp_request *req,
    const char *impi, const char *peer, int stale, const uint8_t *rand_auts)
{
	struct ub_wait *w;

	if (budget_spent(ub, impi, time(NULL))) {
		answer_fail(req, impi, peer, 403,
		    "failure budget spent: too many wrong responses for this "
		    "IMPI; try again later");
		return;
	}
	if (ub->n_nonces >= ub->c->nonce_max) {
		answer_fail(req, impi, peer, 503,
		    "too many outstanding challenges (ub.nonce_max)");
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		answer_fail(req, impi, peer, 503, "out of memory");
		return;
	}
	w->ub = ub;
	w->req = req;
	w->stale = stale;
	w->resync = rand_auts != NULL;
	snprintf(w->impi, sizeof(w->impi), "%s", impi);
	snprintf(w->peer, sizeof(w->peer), "%s", peer);
	if (bsf_zh_mar(ub->zh, impi, rand_auts, on_vector, w) != 0) {
		free(w);
		answer_fail(req, impi, peer, 503,
		    "HSS not reachable over Zh (no open Diameter connection)");
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    on_conn_close, w);
}

static void
send_challenge(struct bsf_ub *ub, struct evhttp_request *req,
    struct challenge *ch, int stale)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct digest_build b;
	char value[1024];

	digest_build_init(&b, DIGEST_CHALLENGE, value, sizeof(value));
	digest_build_add(&b, "realm", ub->c->fqdn, DIGEST_AUTO);
	digest_build_add(&b, "nonce", ch->nonce, DIGEST_AUTO);
	digest_build_add(&b, "qop", "auth-int", DIGEST_AUTO);
	digest_build_add(&b, "algorithm", ch->v.scheme == BSF_AKAV2 ?
	    "AKAv2-MD5" : "AKAv1-MD5", DIGEST_AUTO);
	digest_build_add(&b, "opaque", ch->opaque, DIGEST_AUTO);
	if (stale)
		digest_build_add(&b, "stale", "true", DIGEST_TOKEN);
	if (digest_build_finish(&b, NULL) != 0) {
		answer_text(req, 500, "Internal Server Error",
		    "challenge does not fit");
		return;
	}
	evhttp_add_header(h, "WWW-Authenticate", value);
	answer_text(req, 401, "Unauthorized",
	    "Digest AKA challenge: run AKA on the nonce (RAND||AUTN) and answer");
}

static void
on_vector(void *arg, enum bsf_zh_status st, struct bsf_vector *v,
    const char *reason)
{
	struct ub_wait *w = arg;
	struct bsf_ub *ub = w->ub;
	struct evhttp_request *req = w->req;
	struct challenge *ch = NULL;
	uint8_t raw[32], op[16];
	unsigned h;

	if (req == NULL) {
		log_info("ub: %s went away before the HSS answered", w->peer);
		goto done;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL,
	    NULL);
	switch (st) {
	case BSF_ZH_OK:
		break;
	case BSF_ZH_UNKNOWN:
		answer_fail(req, w->impi, w->peer, 403,
		    "unknown IMPI: the HSS has no such subscriber (5401)");
		goto done;
	case BSF_ZH_REJECTED:
		answer_fail(req, w->impi, w->peer, 403,
		    "resynchronisation refused: the HSS could not verify AUTS");
		goto done;
	default:
		answer_fail(req, w->impi, w->peer, 503, reason);
		goto done;
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL ||
	    crypto_random(op, sizeof(op), 0) != 0) {
		free(ch);
		answer_fail(req, w->impi, w->peer, 503, "out of memory");
		goto done;
	}
	/* nonce = base64(RAND || AUTN) (RFC 3310 §3.2; no server data) */
	memcpy(raw, v->rand, 16);
	memcpy(raw + 16, v->autn, 16);
	b64_encode(raw, sizeof(raw), ch->nonce);
	hex_encode(op, sizeof(op), ch->opaque);
	snprintf(ch->impi, sizeof(ch->impi), "%s", w->impi);
	ch->v = *v;
	v->guss = NULL;		/* moved into the challenge */
	ch->expires = time(NULL) + (time_t)ub->c->nonce_lifetime;
	h = hash_str(ch->nonce, NONCE_BUCKETS);
	ch->hnext = ub->nonces[h];
	ub->nonces[h] = ch;
	TAILQ_INSERT_TAIL(&ub->nonce_age, ch, age);
	ub->n_nonces++;
	send_challenge(ub, req, ch, w->stale);
	log_event("BSF-CHALLENGE", "peer", w->peer, "impi", w->impi, "scheme",
	    ch->v.scheme == BSF_AKAV2 ? "AKAv2-MD5" : "AKAv1-MD5", "stale",
	    w->stale ? "yes" : "no", "resync", w->resync ? "yes" : "no",
	    (char *)NULL);
done:
	free(w);
}

/* --- the answer to a challenge ----------------------------------------- */

static void
bootstrap_ok(struct bsf_ub *ub, struct evhttp_request *req,
    struct challenge *ch, const struct digest_input *in, const char *peer)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct bsf_session s;
	struct bsf_guss_info gi;
	struct digest_input ri;
	struct digest_build b;
	struct evbuffer *body;
	char xml[BSF_BODY_MAX], when[32], expires[64], rspauth[DIGEST_HEX_MAX];
	char info[512], err[256];
	struct tm tm;
	long long lifetime = ub->c->lifetime;
	time_t now = time(NULL);
	int rc, n;

	memset(&s, 0, sizeof(s));
	/* Lifetime from the GUSS when it has one (decision table). */
	if (ch->v.guss != NULL) {
		if (bsf_guss_parse(ch->v.guss, ch->v.guss_len, &gi, err,
		    sizeof(err)) == 0) {
			if (gi.lifetime > 0)
				lifetime = gi.lifetime;
		} else {
			/* Kept out of the session: Zn could not filter it. */
			log_warnx("ub: GUSS of %s unusable (%s): default "
			    "lifetime, no USSs for NAFs", ch->impi, err);
			free(ch->v.guss);
			ch->v.guss = NULL;
			ch->v.guss_len = 0;
		}
	}
	if (gba_btid_build(ch->v.rand, ub->c->fqdn, s.btid, sizeof(s.btid)) != 0) {
		answer_fail(req, ch->impi, peer, 503, "cannot build B-TID");
		return;
	}
	snprintf(s.impi, sizeof(s.impi), "%s", ch->impi);
	memcpy(s.rand, ch->v.rand, 16);
	gba_ks(ch->v.ck, ch->v.ik, s.ks);	/* Ks = CK || IK */
	s.created = now;
	s.expires = now + (time_t)lifetime;
	s.guss = ch->v.guss;		/* borrowed for the store */
	s.guss_len = ch->v.guss_len;
	rc = bsf_store_put(ub->st, &s, now);
	s.guss = NULL;
	secret_wipe(s.ks, sizeof(s.ks));
	if (rc != 0) {
		/* 1: the RAND would collide with a live B-TID (decision table) */
		answer_fail(req, ch->impi, peer, 503, rc == 1 ?
		    "B-TID collision with a live session; bootstrap again" :
		    "session store failed");
		return;
	}
	gmtime_r(&s.expires, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(expires, sizeof(expires), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	n = snprintf(xml, sizeof(xml),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<BootstrappingInfo xmlns=\"uri:3gpp-gba\">\n"
	    "  <btid>%s</btid>\n"
	    "  <lifetime>%s</lifetime>\n"
	    "</BootstrappingInfo>\n", s.btid, when);
	/* rspauth over this exact body, password XRES (RFC 3310 §3.5). */
	ri = *in;
	ri.method = "";
	ri.body = (const uint8_t *)xml;
	ri.body_len = (size_t)n;
	if (digest_response(&ri, rspauth) != 0) {
		answer_fail(req, ch->impi, peer, 503, "cannot compute rspauth");
		return;
	}
	digest_build_init(&b, DIGEST_AUTH_INFO, info, sizeof(info));
	digest_build_add(&b, "qop", in->qop, DIGEST_AUTO);
	digest_build_add(&b, "rspauth", rspauth, DIGEST_AUTO);
	digest_build_add(&b, "cnonce", in->cnonce, DIGEST_AUTO);
	digest_build_add(&b, "nc", in->nc, DIGEST_AUTO);
	if (digest_build_finish(&b, NULL) != 0) {
		answer_fail(req, ch->impi, peer, 503, "Authentication-Info too long");
		return;
	}
	evhttp_add_header(h, "Server", "utstack-bsf/" UTSTACK_VERSION);
	evhttp_add_header(h, "Content-Type", "application/vnd.3gpp.bsf+xml");
	evhttp_add_header(h, "Authentication-Info", info);
	evhttp_add_header(h, "Expires", expires);
	if ((body = evbuffer_new()) == NULL) {
		answer_fail(req, ch->impi, peer, 503, "out of memory");
		return;
	}
	evbuffer_add(body, xml, (size_t)n);
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
	log_event("BSF-BOOTSTRAP-OK", "peer", peer, "impi", s.impi, "btid",
	    s.btid, "lifetime", when, (char *)NULL);
}

/* A successful bootstrap ends the IMPI's failure window. */
static void
failures_forget(struct bsf_ub *ub, const char *impi)
{
	struct failures *f = failures_get(ub, impi, time(NULL), 0);
	struct failures **pp;

	if (f == NULL)
		return;
	pp = &ub->fails[hash_str(f->impi, FAIL_BUCKETS)];
	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
	TAILQ_REMOVE(&ub->fail_age, f, age);
	free(f);
}

/* Count a wrong answer; 1 when the budget is now spent. */
static int
count_failure(struct bsf_ub *ub, const char *impi)
{
	struct failures *f = failures_get(ub, impi, time(NULL), 1);

	if (f == NULL)
		return 1;	/* no memory to count: be strict */
	return ++f->count >= ub->c->failure_budget;
}

static void
handle_response(struct bsf_ub *ub, struct evhttp_request *req,
    const struct digest_hdr *hdr, const char *peer)
{
	const char *username = digest_get(hdr, "username");
	const char *nonce = digest_get(hdr, "nonce");
	const char *realm = digest_get(hdr, "realm");
	const char *opaque = digest_get(hdr, "opaque");
	const char *auts64 = digest_get(hdr, "auts");
	const char *response = digest_get(hdr, "response");
	const char *uri = evhttp_request_get_uri(req);
	struct digest_input in;
	struct challenge *ch;
	uint8_t rand_auts[30];
	char akav2[DIGEST_AKAV2_PW_LEN], err[160];
	int ok, empty_ok;

	if (digest_validate(hdr, err, sizeof(err)) != 0) {
		answer_fail(req, username, peer, 400, err);
		return;
	}
	if ((ch = challenge_find(ub, nonce, time(NULL))) == NULL) {
		/* Unknown, expired or already used: a fresh challenge. */
		fail_event(username, peer, 401,
		    "unknown, expired or used nonce: fresh challenge, stale=true");
		challenge_start(ub, req, username, peer, 1, NULL);
		return;
	}
	if (strcmp(username, ch->impi) != 0) {
		answer_fail(req, username, peer, 400,
		    "username is not the IMPI this nonce was issued for");
		return;
	}
	if (strcmp(realm, ub->c->fqdn) != 0) {
		challenge_free(ub, ch);
		fail_event(username, peer, 401, "realm is not this BSF's; fresh "
		    "challenge");
		challenge_start(ub, req, username, peer, 0, NULL);
		return;
	}
	if (opaque == NULL || strcmp(opaque, ch->opaque) != 0) {
		answer_fail(req, username, peer, 400,
		    "opaque from the challenge not echoed");
		return;
	}
	if (digest_get(hdr, "qop") == NULL ||
	    strcmp(digest_get(hdr, "qop"), "auth-int") != 0) {
		answer_fail(req, username, peer, 400,
		    "qop must be auth-int on Ub");
		return;
	}
	if (strcmp(digest_get(hdr, "uri"), uri) != 0) {
		answer_fail(req, username, peer, 400,
		    "Digest uri is not the request URI");
		return;
	}
	if (digest_input_from_hdr(&in, hdr) != 0 ||
	    in.alg.aka != (ch->v.scheme == BSF_AKAV2 ? 2 : 1)) {
		answer_fail(req, username, peer, 400,
		    "algorithm is not the one challenged");
		return;
	}
	in.method = "GET";
	in.body = NULL;
	in.body_len = 0;	/* auth-int over the empty body of GET */

	/* RFC 3310 §3.4: a resync or a refused network answer with the
	 * response computed over an empty password. */
	in.password = (const uint8_t *)"";
	in.password_len = 0;
	empty_ok = digest_check(&in, response) == 1;
	if (auts64 != NULL) {
		if (!empty_ok) {
			challenge_free(ub, ch);
			answer_fail(req, username, peer, 400,
			    "auts present but the response is not computed "
			    "with an empty password (RFC 3310 3.4)");
			return;
		}
		if (b64_decode(auts64, strlen(auts64), rand_auts + 16, 14) != 14) {
			challenge_free(ub, ch);
			answer_fail(req, username, peer, 400,
			    "auts is not base64 of 14 octets");
			return;
		}
		memcpy(rand_auts, ch->v.rand, 16);
		challenge_free(ub, ch);
		log_event("BSF-RESYNC", "peer", peer, "impi", username,
		    (char *)NULL);
		challenge_start(ub, req, username, peer, 0, rand_auts);
		return;
	}

	if (ch->v.scheme == BSF_AKAV2) {
		if (digest_akav2_password(ch->v.xres, ch->v.xres_len, ch->v.ik,
		    ch->v.ck, akav2) != 0) {
			challenge_free(ub, ch);
			answer_fail(req, username, peer, 503, "bad XRES length");
			return;
		}
		in.password = (const uint8_t *)akav2;
		in.password_len = strlen(akav2);
	} else {
		in.password = ch->v.xres;	/* raw XRES octets (GBA.md §1.4) */
		in.password_len = ch->v.xres_len;
	}
	ok = digest_check(&in, response) == 1;
	if (ok) {
		failures_forget(ub, username);
		bootstrap_ok(ub, req, ch, &in, peer);
		secret_wipe(akav2, sizeof(akav2));
		challenge_free(ub, ch);		/* single use */
		return;
	}
	secret_wipe(akav2, sizeof(akav2));
	challenge_free(ub, ch);
	if (empty_ok) {
		/* Decision table: the UE refused the vector (MAC-A or AMF). */
		answer_fail(req, username, peer, 403,
		    "the UE rejected the network: response computed with an "
		    "empty password and no auts (network authentication "
		    "failed at the UE)");
		return;
	}
	if (count_failure(ub, username)) {
		answer_fail(req, username, peer, 403,
		    "wrong response (RES mismatch) and failure budget spent");
		return;
	}
	fail_event(username, peer, 401, "wrong response (RES mismatch): "
	    "fresh challenge");
	challenge_start(ub, req, username, peer, 0, NULL);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct bsf_ub *ub = arg;
	const char *authz, *username, *nonce;
	struct digest_hdr *hdr;
	char peer[64], err[160];

	peer_of(req, peer, sizeof(peer));
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET");
		answer_fail(req, "-", peer, 405, "only GET is used on Ub");
		return;
	}
	if (strcmp(evhttp_request_get_uri(req), "/") != 0) {
		answer_fail(req, "-", peer, 404,
		    "the bootstrapping resource is /");
		return;
	}
	authz = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (authz == NULL) {
		answer_fail(req, "-", peer, 400,
		    "the IMPI is needed: send Authorization: Digest "
		    "username=\"<IMPI>\" (TS 24.109 4.5.2)");
		return;
	}
	if ((hdr = malloc(sizeof(*hdr))) == NULL) {
		answer_fail(req, "-", peer, 503, "out of memory");
		return;
	}
	if (digest_parse(hdr, DIGEST_CREDENTIALS, authz, err, sizeof(err)) != 0) {
		answer_fail(req, "-", peer, 400, err);
		goto done;
	}
	username = digest_get(hdr, "username");
	if (username == NULL || *username == '\0') {
		answer_fail(req, "-", peer, 400,
		    "the IMPI is needed in the Digest username");
		goto done;
	}
	nonce = digest_get(hdr, "nonce");
	if (nonce == NULL || *nonce == '\0')
		challenge_start(ub, req, username, peer, 0, NULL);
	else
		handle_response(ub, req, hdr, peer);
done:
	free(hdr);
}

struct bsf_ub *
bsf_ub_new(struct event_base *base, const struct bsf_conf *c,
    struct bsf_zh *zh, struct bsf_store *st, char *err, size_t errlen)
{
	struct bsf_ub *ub;
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	ev_socklen_t sl = sizeof(ss);
	int port = 0;

	if ((ub = calloc(1, sizeof(*ub))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ub->c = c;
	ub->zh = zh;
	ub->st = st;
	TAILQ_INIT(&ub->nonce_age);
	TAILQ_INIT(&ub->fail_age);
	if ((ub->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		free(ub);
		return NULL;
	}
	evhttp_set_max_headers_size(ub->http, (ev_ssize_t)c->header_max);
	evhttp_set_max_body_size(ub->http, (ev_ssize_t)c->body_max);
	evhttp_set_timeout(ub->http, (int)c->idle_timeout);
	evhttp_set_allowed_methods(ub->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(ub->http, on_request, ub);
	bs = evhttp_bind_socket_with_handle(ub->http, c->ub_listen.host,
	    c->ub_listen.port);
	if (bs == NULL) {
		snprintf(err, errlen, "ub.listen %s:%u: cannot bind",
		    c->ub_listen.host, (unsigned)c->ub_listen.port);
		evhttp_free(ub->http);
		free(ub);
		return NULL;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
	    &sl) == 0)
		port = ss.ss_family == AF_INET6 ?
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		    ntohs(((struct sockaddr_in *)&ss)->sin_port);
	daemon_log_listening("ub", c->ub_listen.host, (unsigned)port);
	return ub;
}

void
bsf_ub_free(struct bsf_ub *ub)
{
	struct challenge *ch;
	struct failures *f;

	if (ub == NULL)
		return;
	evhttp_free(ub->http);
	while ((ch = TAILQ_FIRST(&ub->nonce_age)) != NULL)
		challenge_free(ub, ch);
	while ((f = TAILQ_FIRST(&ub->fail_age)) != NULL) {
		TAILQ_REMOVE(&ub->fail_age, f, age);
		free(f);
	}
	free(ub);
}
