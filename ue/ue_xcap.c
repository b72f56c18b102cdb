/*
 * ue_xcap.c — `ue xcap get|put|delete PATH [FILE]`: XCAP (RFC 4825) on Ut
 * through the Authentication Proxy (TS 24.109 cl. 7, TS 33.222 cl. 4.4 and
 * 5.4), as a phone does it: TLS-PSK with Ks_NAF (ue_ua.c), then one HTTP
 * request under the XCAP root.
 *
 * Bootstrapping on demand (TS 33.220 4.5.2, TS 33.222 5.4): a USIM without
 * a bootstrapping, or whose key lifetime has passed, bootstraps first; an
 * AP that ends the handshake with unknown_psk_identity (it could not get
 * Ks_NAF for the B-TID from the BSF: unknown or expired there) makes the
 * UE bootstrap again and retry the handshake once. Nothing was sent by
 * then, so retrying a PUT or DELETE is safe.
 *
 * Modes of Ua: shared-key TLS (TLS 1.3 by default, --tls1.2), and with
 * --digest server-certificate TLS with HTTP Digest inside (TS 33.222 5.3,
 * TS 24.109 5.2): the AP's certificate must chain to the CA (--ca, else the
 * USIM's `ca`) and name the NAF FQDN; the request goes out without
 * credentials, the AP's 401 names the realm "3GPP-bootstrapping@<NAF
 * FQDN>", and the request goes again with username B-TID and password
 * base64(Ks_NAF), NAF_Id = FQDN || 01 00 01 yy zz of the suite negotiated
 * (ue_ua_digest.c). The answer must carry Authentication-Info whose rspauth
 * proves the AP knows Ks_NAF; an answer that does not verify is not shown.
 *
 * Digest and bootstrapping on demand: a 401 to the request that carried
 * credentials, without stale=true, means the AP could not get Ks_NAF for
 * the B-TID (unknown or expired at the BSF, TS 24.109 5.2.5), so the UE
 * bootstraps again and answers the fresh challenge once more; stale=true
 * only wants the fresh nonce answered (RFC 7616 3.3), once. A PUT body
 * therefore travels two or three times; the AP forwards only the request
 * it authenticated, so nothing is applied twice.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "gba.h"
#include "secret.h"
#include "ue.h"

#define XCAP_ROOT_DEFAULT	"/xcap-root"
#define NAF_FQDN_DEFAULT	"xcap.ims.example.org"
#define TARGET_MAX		4096

enum ua_mode {
	UA_PSK,		/* TS 33.222 5.4: shared-key TLS */
	UA_DIGEST	/* TS 33.222 5.3: server-certificate TLS + Digest */
};

/* One run of `ue xcap`. Holds Ks: wiped at the end. */
struct xr {
	const struct ue_opts	*o;
	enum ua_mode		 mode;
	const char		*method;	/* GET, PUT, DELETE */
	const char		*path;		/* as given */
	const char		*file;		/* PUT body: FILE or "-" */
	const char		*content_type;
	const char		*ap;
	const char		*naf_fqdn;
	const char		*intended;
	const char		*if_match;
	const char		*if_none_match;
	const char		*priority;
	const char		*output;
	const char		*ca;		/* --ca, else the USIM's */
	int			 tls12;
	int			 h2;
	int			 json;
	const char		*usim_path;
	struct ue_usim		 u;
	char			 identity[sizeof(GBA_PSK_IDENTITY_PREFIX) + 300];
	uint8_t			*body;
	size_t			 body_len;
	int			 rebootstrapped;
	struct ue_ua_cfg	 cfg;
	struct ue_ua		*ua;
	struct ue_ua_resp	 resp;
	char			 target[TARGET_MAX];
	struct ue_dg		*dg;		/* Digest mode */
};

static void
note(const struct xr *x, const char *what, const char *why)
{
	fprintf(stderr, "ue: xcap: %s\n", what);
	if (x->o->verbose > 0 && why != NULL)
		fprintf(stderr, "ue: xcap: why: %s\n", why);
}

static int
failure(const struct xr *x, int status, const char *what, const char *why)
{
	note(x, what, why);
	return status;
}

/* ---- the request ------------------------------------------------------ */

/*
 * The MIME type of a PUT to `path` (RFC 4825 7.4-7.6 for element and
 * attribute bodies, the application usages' registrations for documents;
 * XCAP.md §1.8). NULL when the AUID is not one we know.
 */
static const char *
infer_type(const char *path)
{
	static const struct {
		const char	*auid;
		const char	*mime;
	} usages[] = {
		{ "resource-lists", "application/resource-lists+xml" },
		{ "rls-services", "application/rls-services+xml" },
		{ "pres-rules", "application/auth-policy+xml" },
		{ "org.openmobilealliance.pres-rules",
		  "application/auth-policy+xml" },
		{ "org.openmobilealliance.pres-content",
		  "application/vnd.oma.pres-content+xml" },
		{ "pidf-manipulation", "application/pidf+xml" },
	};
	const char *sel, *p, *last;
	size_t n, i;
	int depth = 0, quote = 0;

	if ((sel = strstr(path, "/~~/")) != NULL) {
		/* the last step of the node selector, outside predicates
		 * and quoted values, before any query */
		last = sel + 4;
		for (p = sel + 4; *p != '\0'; p++) {
			if (quote != 0) {
				if (*p == quote)
					quote = 0;
			} else if (*p == '"' || *p == '\'')
				quote = *p;
			else if (*p == '[')
				depth++;
			else if (*p == ']' && depth > 0)
				depth--;
			else if (depth == 0 && *p == '/')
				last = p + 1;
			else if (depth == 0 && *p == '?')
				break;
		}
		if (*last == '@' || strncasecmp(last, "%40", 3) == 0)
			return "application/xcap-att+xml";
		return "application/xcap-el+xml";
	}
	while (*path == '/')
		path++;
	n = strcspn(path, "/");
	for (i = 0; i < sizeof(usages) / sizeof(usages[0]); i++)
		if (strlen(usages[i].auid) == n &&
		    strncmp(path, usages[i].auid, n) == 0)
			return usages[i].mime;
	return NULL;
}

/*
 * PATH as a request-target under `root`: octets outside RFC 3986 pchar
 * ("/" and "?" kept) are percent-encoded, existing %XX escapes kept, so
 * both raw selectors (list[@name="friends"]) and encoded ones work.
 * Returns 0 or -1 (too long).
 */
static int
build_target(const char *root, const char *path, char *out, size_t size)
{
	static const char keep[] = "-._~!$&'()*+,;=:@/?";
	static const char hexd[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t len;
	int n;

	while (*path == '/')
		path++;
	n = snprintf(out, size, "%s/", root);
	if (n < 0 || (size_t)n >= size)
		return -1;
	len = (size_t)n;
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if (len + 4 >= size)
			return -1;
		if (isalnum(*p) || strchr(keep, *p) != NULL ||
		    (*p == '%' && isxdigit(p[1]) && isxdigit(p[2])))
			out[len++] = (char)*p;
		else {
			out[len++] = '%';
			out[len++] = hexd[*p >> 4];
			out[len++] = hexd[*p & 15];
		}
	}
	out[len] = '\0';
	return 0;
}

/* The PUT body from FILE or stdin ("-"), at most UE_UA_BODY_MAX octets. */
static int
read_body(struct xr *x)
{
	FILE *f = strcmp(x->file, "-") == 0 ? stdin : fopen(x->file, "rb");
	size_t n;

	if (f == NULL)
		return ue_usage_error("xcap", "%s: %s", x->file,
		    strerror(errno));
	if ((x->body = malloc(UE_UA_BODY_MAX + 1)) == NULL) {
		if (f != stdin)
			fclose(f);
		return ue_usage_error("xcap", "out of memory");
	}
	n = fread(x->body, 1, UE_UA_BODY_MAX + 1, f);
	if (ferror(f)) {
		if (f != stdin)
			fclose(f);
		return ue_usage_error("xcap", "%s: read error", x->file);
	}
	if (f != stdin)
		fclose(f);
	if (n > UE_UA_BODY_MAX)
		return ue_usage_error("xcap", "%s: over %d octets (the AP's "
		    "default ua.body_max)", x->file, UE_UA_BODY_MAX);
	x->body_len = n;
	return 0;
}

/* An entity-tag as RFC 9110 8.8.3 writes it: quoted unless it already is,
 * or is W/"..." or "*". */
static void
etag_header(const char *name, const char *etag, char *out, size_t size)
{
	if (etag[0] == '"' || strncmp(etag, "W/\"", 3) == 0 ||
	    strcmp(etag, "*") == 0)
		snprintf(out, size, "%s: %s", name, etag);
	else
		snprintf(out, size, "%s: \"%s\"", name, etag);
}

/* ---- bootstrapping on demand ------------------------------------------ */

/* Has the USIM's key lifetime (UTC, "YYYY-MM-DDTHH:MM:SSZ") passed? An
 * unreadable lifetime counts as not passed: the AP will tell. */
static int
lifetime_passed(const char *lifetime)
{
	struct tm tm;
	const char *e;

	memset(&tm, 0, sizeof(tm));
	if ((e = strptime(lifetime, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return 0;
	return timegm(&tm) <= time(NULL);
}

static int
bootstrap_again(struct xr *x)
{
	int rc;

	ue_usim_clear(&x->u);
	if ((rc = ue_bootstrap_run(x->o, x->usim_path, NULL)) != 0)
		return rc;
	if (ue_usim_load(x->usim_path, &x->u) != 0)
		return UE_EXIT_USAGE;
	return 0;
}

/* ---- the exchange ----------------------------------------------------- */

static void
setup_cfg(struct xr *x)
{
	snprintf(x->identity, sizeof(x->identity), "%s%s",
	    GBA_PSK_IDENTITY_PREFIX, x->u.btid);
	memset(&x->cfg, 0, sizeof(x->cfg));
	x->cfg.url = x->ap;
	x->cfg.naf_fqdn = x->naf_fqdn;
	x->cfg.identity = x->identity;
	x->cfg.impi = x->u.impi;
	x->cfg.ks = x->u.ks;
	x->cfg.rand = x->u.rand;
	x->cfg.version = x->tls12 ? 12 : 13;
	x->cfg.priority = x->priority;
	x->cfg.h2 = x->h2;
	x->cfg.trace = x->o->trace ? "" : NULL;
	x->cfg.show_keys = x->o->show_keys;
	if (x->mode == UA_DIGEST)
		x->cfg.ca_file = x->ca;
}

/* Why a handshake failed with `alert`, in plain words. */
static const char *
alert_why(int alert)
{
	switch (alert) {
	case 20:	/* bad_record_mac: TLS 1.2 Finished */
	case 51:	/* decrypt_error: TLS 1.3 binder (RFC 8446 4.2.11) */
	case 47:	/* illegal_parameter: GnuTLS's answer to a bad binder */
		return "the AP and the UE do not share the key: their Ks_NAF "
		    "differ (TS 33.222 5.4; Ks_NAF = KDF(Ks, \"gba-me\", RAND, "
		    "IMPI, NAF_Id), NAF_Id = NAF FQDN || Ua id, TS 33.220 B.3 "
		    "and H.3: is --naf-fqdn the name the AP uses?)";
	case 40:
		return "no TLS version, suite or PSK key exchange in common "
		    "(TS 33.222 5.4, TS 33.310 Annex E)";
	case 112:
		return "the AP does not serve that NAF FQDN (SNI, RFC 6066 3; "
		    "give the AP's name with --naf-fqdn)";
	case 120:
		return "no application protocol in common (ALPN, RFC 7301)";
	default:
		return "the TLS-PSK handshake failed (TS 33.222 5.4)";
	}
}

/* Why a certificate handshake failed. */
static const char *
cert_why(const char *err, int alert)
{
	if (strstr(err, "certificate verification failed") != NULL)
		return "TS 33.222 5.3: the UE authenticates the AP by its "
		    "certificate, which must chain to the CA given (--ca, or ca "
		    "in the USIM) and name the NAF FQDN it reached (--naf-fqdn; "
		    "RFC 6125 6.4)";
	if (alert == 112)
		return "the AP does not serve that NAF FQDN (SNI, RFC 6066 3; "
		    "give the AP's name with --naf-fqdn)";
	if (alert == 120)
		return "no application protocol in common (ALPN, RFC 7301)";
	return "the server-certificate TLS handshake failed (TS 33.222 5.3, "
	    "TS 33.310 Annex E); does the AP offer certificate TLS "
	    "(ua.cert_file)?";
}

static int
connect_ap(struct xr *x)
{
	char err[512], what[700];
	int alert, rc;

	ue_ua_close(x->ua);
	x->ua = NULL;
	setup_cfg(x);
	rc = ue_ua_connect(&x->cfg, &x->ua, &alert, err, sizeof(err));
	if (rc != 0 && x->mode == UA_DIGEST) {
		if (rc == UE_EXIT_AUTH)
			return failure(x, rc, err, cert_why(err, alert));
		if (rc == UE_EXIT_UNREACHABLE)
			return failure(x, rc, err, "is the AP running at that "
			    "URL?");
		return failure(x, rc, err, NULL);
	}
	if (rc == UE_EXIT_AUTH && alert == UE_ALERT_UNKNOWN_PSK_IDENTITY &&
	    !x->rebootstrapped) {
		snprintf(what, sizeof(what), "the AP refused the PSK identity: "
		    "the B-TID %s is unknown or expired there; bootstrapping "
		    "again", x->u.btid);
		note(x, what, "TS 33.222 5.4: the AP (NAF) gets Ks_NAF from the "
		    "BSF over Zn (TS 29.109); an unknown or expired B-TID ends "
		    "the handshake with unknown_psk_identity, and the UE "
		    "bootstraps again (TS 33.220 4.5.2)");
		x->rebootstrapped = 1;
		if ((rc = bootstrap_again(x)) != 0)
			return rc;
		if (x->o->trace)
			fprintf(stderr, "   retrying the handshake with B-TID "
			    "%s\n", x->u.btid);
		return connect_ap(x);
	}
	if (rc == 0)
		return 0;
	if (rc == UE_EXIT_AUTH && alert == UE_ALERT_UNKNOWN_PSK_IDENTITY) {
		snprintf(what, sizeof(what), "the AP still refuses the PSK "
		    "identity after a fresh bootstrap (B-TID %s)", x->u.btid);
		return failure(x, rc, what, "TS 33.222 5.4 / TS 29.109: the AP "
		    "could not get Ks_NAF from the BSF for a B-TID the BSF just "
		    "issued: the NAF FQDN (SNI, --naf-fqdn) may not be the "
		    "AP's, the BSF may not allow this NAF (Zn 5402), or the AP "
		    "cannot reach the BSF");
	}
	if (rc == UE_EXIT_AUTH)
		return failure(x, rc, err, alert_why(alert));
	if (rc == UE_EXIT_UNREACHABLE)
		return failure(x, rc, err, "is the AP running at that URL?");
	return failure(x, rc, err, NULL);
}

/* Why the AP (or the XCAP server behind it) answered `status`. */
static const char *
status_why(int status)
{
	switch (status) {
	case 401:
		return "the AP wants another authentication (TS 24.109 5.2.5)";
	case 403:
		return "refused: an X-3GPP-Intended-Identity that is not one of "
		    "the user's IMPUs (TS 24.109 7.4, decision table: 403), or "
		    "a document of another user (RFC 4825 8; the AS acts for "
		    "the identity the AP asserts)";
	case 404:
		return "no such document or node (RFC 4825 8.1.1; a selector "
		    "must name exactly one node)";
	case 405:
		return "that method is not allowed there (RFC 4825 8.2.3: the "
		    "global tree and xcap-caps are read-only)";
	case 409:
		return "the XCAP server refused the change: see the "
		    "xcap-error body (RFC 4825 11)";
	case 412:
		return "the precondition failed: the ETag given with "
		    "--if-match/--if-none-match does not hold (RFC 7232 3, "
		    "RFC 4825 7.11)";
	case 413:
		return "the body is over the AP's or the server's cap";
	case 415:
		return "wrong Content-Type for that resource (RFC 4825 7.4-7.6; "
		    "--content-type overrides)";
	case 502:
	case 504:
		return "the AP could not get an answer from the XCAP server "
		    "(TS 24.109 7)";
	case 503:
		return "the AP is overloaded or cannot reach what it needs";
	default:
		return NULL;
	}
}

static void
print_result(struct xr *x)
{
	const struct ue_ua_resp *r = &x->resp;
	const char *etag = ue_ua_header(r, "ETag");
	const char *ct = ue_ua_header(r, "Content-Type");
	/* with --output the body of a 2xx went to the file */
	int show = x->output == NULL || r->status >= 300;
	char suite[8];

	if (x->json) {
		struct ue_json j;

		snprintf(suite, sizeof(suite), "%04x", ue_ua_suite(x->ua));
		ue_json_begin(&j, stdout);
		ue_json_int(&j, "status", r->status);
		ue_json_str(&j, "etag", etag != NULL ? etag : "");
		ue_json_str(&j, "content_type", ct != NULL ? ct : "");
		ue_json_str(&j, "body", show ? r->body : "");
		ue_json_str(&j, "http", r->proto);
		ue_json_str(&j, "tls", ue_ua_version(x->ua) == 13 ? "1.3" :
		    "1.2");
		ue_json_str(&j, "suite", suite);
		ue_json_str(&j, "ua_id", ue_ua_id_hex(x->ua));
		ue_json_str(&j, "btid", x->u.btid);
		ue_json_bool(&j, "rebootstrapped", x->rebootstrapped);
		ue_json_str(&j, "auth", x->mode == UA_DIGEST ? "digest" :
		    "psk");
		ue_json_end(&j);
		return;
	}
	printf("%s %d%s%s\n", r->proto, r->status, r->reason[0] ? " " : "",
	    r->reason);
	if (etag != NULL)
		printf("ETag: %s\n", etag);
	if (ct != NULL)
		printf("Content-Type: %s\n", ct);
	if (show && r->body_len > 0) {
		putchar('\n');
		fwrite(r->body, 1, r->body_len, stdout);
		if (r->body[r->body_len - 1] != '\n')
			putchar('\n');
	}
}

static int
write_output(const struct xr *x)
{
	FILE *f = fopen(x->output, "wb");

	if (f == NULL || fwrite(x->resp.body, 1, x->resp.body_len, f) !=
	    x->resp.body_len || fclose(f) != 0) {
		fprintf(stderr, "ue: xcap: %s: %s\n", x->output,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* One request on the session, with `hdrs`; the answer in x->resp. */
static int
send_request(struct xr *x, const char *const *hdrs)
{
	char err[512];
	int rc;

	rc = ue_ua_request(x->ua, x->method, x->target, hdrs, x->body,
	    x->body_len, &x->resp, err, sizeof(err));
	if (rc != 0)
		return failure(x, rc, err, rc == UE_EXIT_UNREACHABLE ?
		    "the AP accepted the handshake but did not answer the "
		    "request in time (ua.idle_timeout_ms, as.response_timeout_ms)"
		    : NULL);
	return 0;
}

/*
 * Digest mode (TS 33.222 5.3, TS 24.109 5.2): the request without
 * credentials, the AP's 401, the request again with them, and the AP's
 * proof (see the file comment). `hdrs` has room for one more line after
 * its `n` lines. Returns 0 with the final answer in x->resp (its rspauth
 * verified when the AP sent one), or an exit status after a message.
 */
static int
digest_exchange(struct xr *x, const char **hdrs, size_t n)
{
	const char *why;
	char err[512], what[700];
	uint8_t key[GBA_KEY_LEN];
	int rc, answered = 0, stale = 0, present;

	hdrs[n] = NULL;
	if ((x->dg = ue_dg_new(x->o->show_keys)) == NULL)
		return ue_usage_error("xcap", "out of memory");
	if ((rc = send_request(x, hdrs)) != 0)
		return rc;
	for (;;) {
		if (x->resp.status != 401) {
			if (!answered)
				note(x, "the AP answered without a Digest "
				    "challenge: it did not authenticate the UE",
				    "TS 33.222 5.3: an AP in certificate mode asks "
				    "every request for Digest credentials");
			break;
		}
		rc = ue_dg_challenge(x->dg, x->ua, &x->resp, x->naf_fqdn, err,
		    sizeof(err));
		if (rc == UE_EXIT_AUTH)
			return failure(x, rc, err, "GBA.md 3.1, TS 24.109 5.2: "
			    "the UE answers only a realm \"3GPP-bootstrapping@\" "
			    "+ the FQDN of the NAF it reached, or another server "
			    "could ask for that NAF's key");
		if (rc != 0) {
			print_result(x);
			return failure(x, rc, err, "TS 24.109 5.2.1: a NAF that "
			    "wants GBA answers 401 with a Digest challenge for "
			    "realm 3GPP-bootstrapping@<its FQDN>");
		}
		if (answered && ue_dg_stale(x->dg)) {
			/* RFC 7616 3.3: the credentials were fine, the nonce
			 * was not: answer the fresh one, once */
			if (stale++ > 0)
				return failure(x, UE_EXIT_PEER, "the AP calls "
				    "the fresh nonce stale too", "RFC 7616 3.3 "
				    "stale; ua.nonce_lifetime");
			ue_ua_trace(x->ua, "   the nonce was stale: answering "
			    "the fresh challenge");
		} else if (answered) {
			/* TS 24.109 5.2.5: the AP could not get Ks_NAF for
			 * this B-TID, so the UE bootstraps again */
			if (x->rebootstrapped) {
				snprintf(what, sizeof(what), "the AP still "
				    "refuses the Digest credentials after a fresh "
				    "bootstrap (B-TID %s)", x->u.btid);
				return failure(x, UE_EXIT_AUTH, what, "TS 33.222 "
				    "5.3 / TS 29.109: the AP could not get Ks_NAF "
				    "from the BSF for a B-TID the BSF just issued, "
				    "or derives it for another NAF_Id (NAF FQDN "
				    "|| 01 00 01 yy zz, TS 33.220 H.3)");
			}
			snprintf(what, sizeof(what), "the AP refused the Digest "
			    "credentials of B-TID %s (unknown or expired there): "
			    "bootstrapping again", x->u.btid);
			note(x, what, "TS 24.109 5.2.5: a 401 with the "
			    "bootstrapping realm to the UE's credentials asks it "
			    "to bootstrap again (TS 33.220 4.5.2)");
			x->rebootstrapped = 1;
			if ((rc = bootstrap_again(x)) != 0)
				return rc;
			if (x->o->trace)
				fprintf(stderr, "   answering again with B-TID "
				    "%s\n", x->u.btid);
		}
		if (ue_ua_closed(x->ua)) {
			/* the AP closed after its 401: a new session, whose
			 * 401 is answered without a decision above */
			if ((rc = connect_ap(x)) != 0 ||
			    (rc = send_request(x, hdrs)) != 0)
				return rc;
			answered = 0;
			continue;
		}
		if (ue_ua_naf_key(x->ua, key) != 0) {
			secret_wipe(key, sizeof(key));
			return failure(x, UE_EXIT_USAGE, "Ks_NAF cannot be "
			    "derived for this NAF FQDN", "TS 33.220 B.3");
		}
		rc = ue_dg_answer(x->dg, x->ua, x->u.btid, key, x->method,
		    x->target, x->body, x->body_len, 1, err, sizeof(err));
		secret_wipe(key, sizeof(key));
		if (rc != 0)
			return failure(x, UE_EXIT_USAGE, err, NULL);
		hdrs[n] = ue_dg_authz(x->dg);
		hdrs[n + 1] = NULL;
		rc = send_request(x, hdrs);
		hdrs[n] = NULL;
		if (rc != 0)
			return rc;
		answered = 1;
	}
	if (!answered)
		return 0;
	why = "RFC 7616 3.5, TS 24.109 7: the AP adds Authentication-Info to "
	    "the answers it passes on; its rspauth, computed with Ks_NAF over "
	    "the response body (qop auth-int), authenticates the AP";
	if ((rc = ue_dg_verify(x->dg, x->ua, &x->resp, &present, err,
	    sizeof(err))) != 0)
		return failure(x, rc, err, why);
	if (!present && x->resp.status < 400) {
		snprintf(what, sizeof(what), "the AP's %d carries no "
		    "Authentication-Info: the AP could not prove it knows "
		    "Ks_NAF", x->resp.status);
		return failure(x, UE_EXIT_AUTH, what, why);
	}
	return 0;
}

static int
run(struct xr *x)
{
	const char *hdrs[8], *root;
	char intended[600], ifm[300], ifn[300], ctype[300];
	char what[700], said[200];
	size_t n = 0, k;
	int rc;

	/* No bootstrapping yet, or its key lifetime has passed: bootstrap
	 * first (TS 33.220 4.5.2; the AP would refuse the B-TID anyway). */
	if (x->u.ks_len != GBA_KS_LEN || x->u.rand_len != 16 ||
	    x->u.btid[0] == '\0') {
		note(x, "the USIM has no bootstrapping yet: bootstrapping first",
		    NULL);
		if ((rc = bootstrap_again(x)) != 0)
			return rc;
	} else if (lifetime_passed(x->u.lifetime)) {
		snprintf(what, sizeof(what), "the key lifetime of B-TID %s "
		    "ended at %s: bootstrapping again", x->u.btid,
		    x->u.lifetime);
		note(x, what, "TS 33.220 4.5.2: Ks and its B-TID are valid "
		    "until the key lifetime the BSF gave");
		if ((rc = bootstrap_again(x)) != 0)
			return rc;
		x->rebootstrapped = 1;
	}
	if ((rc = connect_ap(x)) != 0)
		return rc;
	root = ue_ua_url_path(x->ua);
	if (root[0] == '\0' || strcmp(root, "/") == 0)
		root = XCAP_ROOT_DEFAULT;
	k = strlen(root);
	while (k > 1 && root[k - 1] == '/')
		k--;
	snprintf(what, sizeof(what), "%.*s", (int)k, root);
	if (build_target(what, x->path, x->target, sizeof(x->target)) != 0)
		return failure(x, UE_EXIT_USAGE, "PATH is too long", NULL);
	/* TS 24.109 B.3: the product token of a GBA-aware client */
	hdrs[n++] = "User-Agent: utstack-ue/" UTSTACK_VERSION " 3gpp-gba";
	if (x->intended != NULL) {
		/* TS 24.109 B.3 Table B.3-1: the identity in double quotes */
		snprintf(intended, sizeof(intended),
		    "X-3GPP-Intended-Identity: \"%s\"", x->intended);
		hdrs[n++] = intended;
	}
	if (x->if_match != NULL) {
		etag_header("If-Match", x->if_match, ifm, sizeof(ifm));
		hdrs[n++] = ifm;
	}
	if (x->if_none_match != NULL) {
		etag_header("If-None-Match", x->if_none_match, ifn,
		    sizeof(ifn));
		hdrs[n++] = ifn;
	}
	if (x->body != NULL) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s",
		    x->content_type);
		hdrs[n++] = ctype;
	}
	hdrs[n] = NULL;
	if (x->mode == UA_DIGEST)
		rc = digest_exchange(x, hdrs, n);
	else
		rc = send_request(x, hdrs);
	if (rc != 0)
		return rc;
	if (x->output != NULL && x->resp.status < 300 && write_output(x) != 0)
		return UE_EXIT_USAGE;
	print_result(x);
	if (x->resp.status >= 400) {
		k = strcspn(x->resp.body, "\r\n");
		snprintf(said, sizeof(said), "%.*s", (int)(k < 160 ? k : 160),
		    x->resp.body);
		snprintf(what, sizeof(what), "the AP answered %d%s%s%s%s",
		    x->resp.status, x->resp.reason[0] ? " " : "",
		    x->resp.reason, said[0] && said[0] != '<' ? ": " : "",
		    said[0] && said[0] != '<' ? said : "");
		return failure(x, UE_EXIT_PEER, what,
		    status_why(x->resp.status));
	}
	return UE_EXIT_OK;
}

/* ---- the command ------------------------------------------------------ */

static const char xcap_help[] =
"usage: ue [global options] xcap get|put|delete PATH [FILE] [options]\n"
"XCAP (RFC 4825) through the Authentication Proxy over TLS-PSK with Ks_NAF\n"
"(TS 33.222 5.4), or with --digest over certificate TLS (5.3). PATH is\n"
"relative to the XCAP root (the --ap URL's path, else /xcap-root), e.g.\n"
"  resource-lists/users/sip:alice@ims.example.org/index\n"
"  resource-lists/users/sip:alice@ims.example.org/index/~~/resource-lists/"
"list[@name=\"friends\"]\n"
"raw or percent-encoded. put reads the body from FILE, or stdin for '-'.\n"
"\n"
"Options (also before the command: --ap, --naf-fqdn, --json):\n"
"  --ap URL                  https://HOST:PORT of the AP (else the USIM's ap)\n"
"  --naf-fqdn NAME           NAF name: SNI, Host, NAF_Id (else the USIM's,\n"
"                            else " NAF_FQDN_DEFAULT ")\n"
"  --tls1.2                  TLS 1.2 PSK suites; Ks_NAF for 01 00 01 yy zz\n"
"                            with the suite the AP picks (default TLS 1.3,\n"
"                            01 00 00 00 07)\n"
"  --tls-priority STRING     a GnuTLS priority string instead (tests)\n"
"  --http2                   ALPN h2 and HTTP/2 (default http/1.1)\n"
"  --intended-identity URI   X-3GPP-Intended-Identity: \"URI\" (TS 24.109 7)\n"
"  --if-match ETAG, --if-none-match ETAG   conditional request\n"
"  --content-type TYPE       for put; default from the AUID, or\n"
"                            application/xcap-el+xml / xcap-att+xml for a\n"
"                            node selector (\"/~~/\", last step @attr)\n"
"  --output FILE             write the body (of a 2xx) to FILE exactly\n"
"  --json                    one object: status, etag, content_type, body,\n"
"                            http, tls, suite, ua_id, btid, rebootstrapped,\n"
"                            auth (psk or digest)\n"
"  --digest                  server-certificate TLS + HTTP Digest instead\n"
"                            (TS 33.222 5.3): the certificate must chain to\n"
"                            the CA and name the NAF FQDN; realm\n"
"                            3GPP-bootstrapping@NAF, username B-TID, password\n"
"                            base64(Ks_NAF) for 01 00 01 yy zz; the answer's\n"
"                            rspauth is checked (--tls1.2, --http2 apply)\n"
"  --ca FILE                 the CA certificate (PEM) for --digest (else the\n"
"                            USIM's ca, set by 'ue usim init --ca')\n"
"Bootstraps first when the USIM has no bootstrapping or its lifetime\n"
"passed, and again (one retry) when the AP answers unknown_psk_identity\n"
"(or, with --digest, 401 to the credentials).\n"
"--trace prints every step (TLS, NAF_Id, request and response); -v says\n"
"why a failure happened, with the clause.\n"
"Exit: 0 2xx/3xx, 2 bad usage, 3 authentication failed, 4 HTTP >= 400 or a\n"
"bad answer, 5 the AP (or the BSF) could not be reached.\n";

int
ue_xcap_main(const struct ue_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ap", required_argument, NULL, 'A' },
		{ "naf-fqdn", required_argument, NULL, 'N' },
		{ "content-type", required_argument, NULL, 'c' },
		{ "tls1.2", no_argument, NULL, '2' },
		{ "tls-priority", required_argument, NULL, 'P' },
		{ "http2", no_argument, NULL, 'H' },
		{ "intended-identity", required_argument, NULL, 'i' },
		{ "if-match", required_argument, NULL, 'm' },
		{ "if-none-match", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "digest", no_argument, NULL, 'D' },
		{ "ca", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xr *x;
	const char *cmd;
	char *ca_copy = NULL;
	int ch, rc;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return ue_usage_error("xcap", "out of memory");
	x->o = o;
	x->mode = UA_PSK;
	x->ap = o->ap;
	x->naf_fqdn = o->naf_fqdn;
	x->json = o->json;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (ch) {
		case 'A': x->ap = optarg; break;
		case 'N': x->naf_fqdn = optarg; break;
		case 'c': x->content_type = optarg; break;
		case '2': x->tls12 = 1; break;
		case 'P': x->priority = optarg; break;
		case 'H': x->h2 = 1; break;
		case 'i': x->intended = optarg; break;
		case 'm': x->if_match = optarg; break;
		case 'n': x->if_none_match = optarg; break;
		case 'o': x->output = optarg; break;
		case 'j': x->json = 1; break;
		case 'D': x->mode = UA_DIGEST; break;
		case 'C': x->ca = optarg; break;
		case 'h':
			fputs(xcap_help, stdout);
			rc = UE_EXIT_OK;
			goto done;
		case ':':
			rc = ue_usage_error("xcap", "option '%s' needs a value",
			    argv[optind - 1]);
			goto done;
		default:
			rc = ue_usage_error("xcap", "unknown option '%s' (see "
			    "'ue xcap --help')", argv[optind - 1]);
			goto done;
		}
	}
	if (optind >= argc) {
		rc = ue_usage_error("xcap", "expected get, put or delete (see "
		    "'ue xcap --help')");
		goto done;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "get") == 0)
		x->method = "GET";
	else if (strcmp(cmd, "put") == 0)
		x->method = "PUT";
	else if (strcmp(cmd, "delete") == 0)
		x->method = "DELETE";
	else {
		rc = ue_usage_error("xcap", "unknown operation '%s': get, put "
		    "or delete", cmd);
		goto done;
	}
	if (optind >= argc) {
		rc = ue_usage_error("xcap", "%s: PATH is missing", cmd);
		goto done;
	}
	x->path = argv[optind++];
	if (strcmp(cmd, "put") == 0) {
		if (optind >= argc) {
			rc = ue_usage_error("xcap", "put: FILE is missing ('-' "
			    "for stdin)");
			goto done;
		}
		x->file = argv[optind++];
	}
	if (optind < argc) {
		rc = ue_usage_error("xcap", "unexpected argument '%s'",
		    argv[optind]);
		goto done;
	}
	if (x->ca != NULL && x->mode != UA_DIGEST) {
		rc = ue_usage_error("xcap", "--ca is for --digest (TLS-PSK "
		    "needs no certificate)");
		goto done;
	}
	if (x->tls12 && x->priority != NULL) {
		rc = ue_usage_error("xcap", "--tls1.2 and --tls-priority: give "
		    "one");
		goto done;
	}
	if (x->content_type != NULL && x->file == NULL) {
		rc = ue_usage_error("xcap", "--content-type is for put");
		goto done;
	}
	if (x->file != NULL) {
		if (x->content_type == NULL &&
		    (x->content_type = infer_type(x->path)) == NULL) {
			rc = ue_usage_error("xcap", "no MIME type known for the "
			    "AUID of '%s': give --content-type", x->path);
			goto done;
		}
		if (strpbrk(x->content_type, "\r\n") != NULL) {
			rc = ue_usage_error("xcap", "--content-type: one line");
			goto done;
		}
		if ((rc = read_body(x)) != 0)
			goto done;
	}
	if ((x->intended != NULL && strpbrk(x->intended, "\r\n\"") != NULL) ||
	    (x->if_match != NULL && strpbrk(x->if_match, "\r\n") != NULL) ||
	    (x->if_none_match != NULL &&
	    strpbrk(x->if_none_match, "\r\n") != NULL)) {
		rc = ue_usage_error("xcap", "header values are one line (and an "
		    "identity has no '\"')");
		goto done;
	}
	x->usim_path = ue_usim_path(o);
	if (ue_usim_load(x->usim_path, &x->u) != 0) {
		rc = UE_EXIT_USAGE;
		goto done;
	}
	if (x->ap == NULL)
		x->ap = x->u.ap[0] != '\0' ? x->u.ap : NULL;
	if (x->ap == NULL) {
		rc = ue_usage_error("xcap", "no AP: give --ap URL or set ap in "
		    "the USIM");
		goto done;
	}
	if (x->naf_fqdn == NULL)
		x->naf_fqdn = x->u.naf_fqdn[0] != '\0' ? x->u.naf_fqdn :
		    NAF_FQDN_DEFAULT;
	if (x->mode == UA_DIGEST && x->ca == NULL) {
		if (x->u.ca[0] == '\0') {
			rc = ue_usage_error("xcap", "--digest needs the CA of the "
			    "AP's certificate: --ca FILE, or 'ue usim init --ca "
			    "FILE'");
			goto done;
		}
		/* a copy: bootstrapping again reloads x->u */
		if ((ca_copy = strdup(x->u.ca)) == NULL) {
			rc = ue_usage_error("xcap", "out of memory");
			goto done;
		}
		x->ca = ca_copy;
	}
	rc = run(x);
done:
	ue_ua_close(x->ua);
	ue_ua_resp_clear(&x->resp);
	ue_dg_free(x->dg);
	free(ca_copy);
	free(x->body);
	ue_usim_clear(&x->u);
	secret_wipe(x, sizeof(*x));
	free(x);
	return rc;
}
