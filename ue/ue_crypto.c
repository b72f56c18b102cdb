/*
 * ue_crypto.c — `ue crypto`: a calculator for teaching and conformance
 * work. It prints every intermediate value unmasked: its inputs are the
 * secrets (docs/CONTRACT.md). Human-readable by default, one JSON object
 * with --json (lower-case hex, keys as in docs/CONTRACT.md).
 *
 *   milenage  TS 35.206 f1..f5*, AUTN (TS 33.102 6.3.2)
 *   auts      TS 33.102 6.3.3 resynchronisation token, build or verify
 *   kdf       TS 33.220 Annex B.2 generic KDF
 *   ks-naf    TS 33.220 Annex B.3 Ks_NAF with NAF_Id of Annex H
 *   digest    RFC 7616 / RFC 3310 / RFC 4169 Authorization for a challenge
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aka.h"
#include "b64.h"
#include "crypto.h"
#include "digest.h"
#include "gba.h"
#include "hex.h"
#include "milenage.h"
#include "secret.h"
#include "ue.h"

#define KDF_PARAMS_MAX	16
#define BODY_MAX	(16 * 1024 * 1024)

/* State of one calculator run: the command name for messages, output mode. */
struct calc {
	const char	*cmd;		/* "crypto milenage" */
	int		 json;
	struct ue_json	 j;
};

static int
parse_hex_arg(struct calc *c, const char *opt, const char *text, uint8_t *out,
    size_t len)
{
	const char *t = text;
	size_t digits, i;

	if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
		t += 2;
	digits = strlen(t);
	for (i = 0; i < digits; i++)
		if (!isxdigit((unsigned char)t[i]))
			return ue_usage_error(c->cmd,
			    "--%s: '%c' is not a hex digit", opt, t[i]);
	if (digits % 2 != 0)
		return ue_usage_error(c->cmd,
		    "--%s: odd number of hex digits (%zu)", opt, digits);
	if (digits / 2 != len)
		return ue_usage_error(c->cmd,
		    "--%s: expected %zu octets (%zu hex digits), got %zu",
		    opt, len, 2 * len, digits / 2);
	return hex_decode_exact(text, out, len) == 0 ? 0 :
	    ue_usage_error(c->cmd, "--%s: bad hex", opt);
}

/* Variable-length hex in [min, max] octets; returns the length or -1. */
static ssize_t
parse_hex_var(struct calc *c, const char *opt, const char *text, uint8_t *out,
    size_t min, size_t max)
{
	const char *t = text;
	size_t digits;

	if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
		t += 2;
	digits = strlen(t);
	if (digits % 2 != 0 || digits / 2 < min || digits / 2 > max) {
		ue_usage_error(c->cmd,
		    "--%s: expected %zu to %zu octets of hex, got %zu digits",
		    opt, min, max, digits);
		return -1;
	}
	if (parse_hex_arg(c, opt, text, out, digits / 2) != 0)
		return -1;
	return (ssize_t)(digits / 2);
}

/* One output line: JSON member, or "  label  value  note". */
static void
out_hex(struct calc *c, const char *key, const char *label, const void *p,
    size_t len, const char *note)
{
	char buf[2 * 512 + 1];

	if (c->json) {
		ue_json_hex(&c->j, key, p, len);
		return;
	}
	hex_encode(p, len < 512 ? len : 512, buf);
	printf("  %-13s %s%s%s\n", label, buf, note ? "   " : "",
	    note ? note : "");
}

static void
out_str(struct calc *c, const char *key, const char *label, const char *s,
    const char *note)
{
	if (c->json) {
		ue_json_str(&c->j, key, s);
		return;
	}
	printf("  %-13s %s%s%s\n", label, s, note ? "   " : "", note ? note : "");
}

static void
out_title(struct calc *c, const char *title)
{
	if (c->json)
		ue_json_begin(&c->j, stdout);
	else
		printf("%s\n", title);
}

static void
out_end(struct calc *c)
{
	if (c->json)
		ue_json_end(&c->j);
}

/*
 * getopt_long wrapper: every subcommand accepts --json and --help too.
 * Returns the option, -1 at the end, or '?' after printing one message
 * for an unknown option or a missing value.
 */
static int
next_opt(struct calc *c, int argc, char **argv, const struct option *lo)
{
	int ch = getopt_long(argc, argv, ":", lo, NULL);

	if (ch == '?') {
		ue_usage_error(c->cmd, "unknown option '%s' (see 'ue %s --help')",
		    argv[optind - 1], c->cmd);
	} else if (ch == ':') {
		ue_usage_error(c->cmd, "option '%s' needs a value",
		    argv[optind - 1]);
		ch = '?';
	}
	return ch;
}

static int
no_positional(struct calc *c, int argc, char **argv)
{
	if (optind < argc)
		return ue_usage_error(c->cmd, "unexpected argument '%s'",
		    argv[optind]);
	return 0;
}

/* --- milenage ------------------------------------------------------------ */

static const char milenage_help[] =
"usage: ue crypto milenage --k HEX (--op HEX | --opc HEX) --rand HEX\n"
"                          [--sqn HEX] [--amf HEX] [--json]\n"
"Runs TS 35.206 f1..f5* and builds AUTN = SQN xor AK || AMF || MAC-A.\n"
"K, OP, OPc, RAND: 16 octets; SQN: 6 octets (default 0); AMF: 2 (default 0).\n"
"JSON keys: opc mac_a mac_s res ck ik ak ak_star autn\n";

/* K and OP/OPc, shared by milenage and auts. */
struct subscriber_args {
	const char	*k, *op, *opc;
};

static int
load_subscriber(struct calc *c, const struct subscriber_args *a,
    uint8_t k[16], uint8_t opc[16])
{
	uint8_t op[16];

	if (a->k == NULL)
		return ue_usage_error(c->cmd, "--k is required");
	if ((a->op == NULL) == (a->opc == NULL))
		return ue_usage_error(c->cmd, "give exactly one of --op and --opc");
	if (parse_hex_arg(c, "k", a->k, k, 16) != 0)
		return UE_EXIT_USAGE;
	if (a->opc != NULL)
		return parse_hex_arg(c, "opc", a->opc, opc, 16) != 0 ?
		    UE_EXIT_USAGE : 0;
	if (parse_hex_arg(c, "op", a->op, op, 16) != 0)
		return UE_EXIT_USAGE;
	milenage_opc(k, op, opc);
	secret_wipe(op, sizeof(op));
	return 0;
}

static int
cmd_milenage(struct calc *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "k", required_argument, NULL, 'k' },
		{ "op", required_argument, NULL, 'o' },
		{ "opc", required_argument, NULL, 'c' },
		{ "rand", required_argument, NULL, 'r' },
		{ "sqn", required_argument, NULL, 's' },
		{ "amf", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct subscriber_args sa = { NULL, NULL, NULL };
	const char *rand_s = NULL, *sqn_s = NULL, *amf_s = NULL;
	uint8_t k[16], opc[16], rand[16], sqn[6] = { 0 }, amf[2] = { 0 };
	uint8_t autn[16];
	struct milenage m;
	struct milenage_out mo;
	int ch, i, rc;

	while ((ch = next_opt(c, argc, argv, lo)) != -1) {
		switch (ch) {
		case 'k': sa.k = optarg; break;
		case 'o': sa.op = optarg; break;
		case 'c': sa.opc = optarg; break;
		case 'r': rand_s = optarg; break;
		case 's': sqn_s = optarg; break;
		case 'a': amf_s = optarg; break;
		case 'j': c->json = 1; break;
		case 'h': fputs(milenage_help, stdout); return UE_EXIT_OK;
		default: return UE_EXIT_USAGE;
		}
	}
	if (no_positional(c, argc, argv) != 0)
		return UE_EXIT_USAGE;
	if ((rc = load_subscriber(c, &sa, k, opc)) != 0)
		return rc;
	if (rand_s == NULL)
		return ue_usage_error(c->cmd, "--rand is required");
	if (parse_hex_arg(c, "rand", rand_s, rand, 16) != 0 ||
	    (sqn_s != NULL && parse_hex_arg(c, "sqn", sqn_s, sqn, 6) != 0) ||
	    (amf_s != NULL && parse_hex_arg(c, "amf", amf_s, amf, 2) != 0))
		return UE_EXIT_USAGE;

	milenage_init(&m, k, opc);
	milenage_all(&m, rand, sqn, amf, &mo);
	milenage_clear(&m);
	for (i = 0; i < 6; i++)
		autn[i] = sqn[i] ^ mo.ak[i];
	memcpy(autn + 6, amf, 2);
	memcpy(autn + 8, mo.mac_a, 8);

	out_title(c, "Milenage (TS 35.206), AUTN (TS 33.102 6.3.2)");
	if (!c->json) {
		out_hex(c, NULL, "K", k, 16, NULL);
		out_hex(c, NULL, "RAND", rand, 16, NULL);
		out_hex(c, NULL, "SQN", sqn, 6, NULL);
		out_hex(c, NULL, "AMF", amf, 2, NULL);
	}
	out_hex(c, "opc", "OPc", opc, 16,
	    sa.op != NULL ? "= E_K(OP) xor OP" : "(given)");
	out_hex(c, "mac_a", "MAC-A", mo.mac_a, 8, "f1");
	out_hex(c, "mac_s", "MAC-S", mo.mac_s, 8, "f1*");
	out_hex(c, "res", "RES", mo.res, 8, "f2");
	out_hex(c, "ck", "CK", mo.ck, 16, "f3");
	out_hex(c, "ik", "IK", mo.ik, 16, "f4");
	out_hex(c, "ak", "AK", mo.ak, 6, "f5");
	out_hex(c, "ak_star", "AK*", mo.ak_star, 6, "f5*");
	out_hex(c, "autn", "AUTN", autn, 16, "= SQN xor AK || AMF || MAC-A");
	out_end(c);
	secret_wipe(k, sizeof(k));
	secret_wipe(opc, sizeof(opc));
	secret_wipe(&mo, sizeof(mo));
	return UE_EXIT_OK;
}

/* --- auts ---------------------------------------------------------------- */

static const char auts_help[] =
"usage: ue crypto auts --k HEX (--op HEX | --opc HEX) --rand HEX\n"
"                      (--sqn-ms HEX | --auts HEX) [--json]\n"
"With --sqn-ms builds AUTS = SQN_MS xor AK* || MAC-S (AMF* = 0000,\n"
"TS 33.102 6.3.3). With --auts (14 octets) verifies MAC-S and recovers\n"
"SQN_MS; exit status 3 when MAC-S does not match.\n"
"JSON keys: opc ak_star mac_s auts | mac_ok sqn_ms\n";

static int
cmd_auts(struct calc *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "k", required_argument, NULL, 'k' },
		{ "op", required_argument, NULL, 'o' },
		{ "opc", required_argument, NULL, 'c' },
		{ "rand", required_argument, NULL, 'r' },
		{ "sqn-ms", required_argument, NULL, 's' },
		{ "auts", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct subscriber_args sa = { NULL, NULL, NULL };
	const char *rand_s = NULL, *sqn_s = NULL, *auts_s = NULL;
	uint8_t k[16], opc[16], rand[16], sqn_ms[6], auts[14], ak_star[6];
	uint8_t mac_s[8], amf_star[2] = { 0, 0 };
	char b64[B64_LEN(14)];
	struct milenage m;
	int ch, rc, ok;

	while ((ch = next_opt(c, argc, argv, lo)) != -1) {
		switch (ch) {
		case 'k': sa.k = optarg; break;
		case 'o': sa.op = optarg; break;
		case 'c': sa.opc = optarg; break;
		case 'r': rand_s = optarg; break;
		case 's': sqn_s = optarg; break;
		case 'a': auts_s = optarg; break;
		case 'j': c->json = 1; break;
		case 'h': fputs(auts_help, stdout); return UE_EXIT_OK;
		default: return UE_EXIT_USAGE;
		}
	}
	if (no_positional(c, argc, argv) != 0)
		return UE_EXIT_USAGE;
	if ((rc = load_subscriber(c, &sa, k, opc)) != 0)
		return rc;
	if (rand_s == NULL)
		return ue_usage_error(c->cmd, "--rand is required");
	if ((sqn_s == NULL) == (auts_s == NULL))
		return ue_usage_error(c->cmd,
		    "give exactly one of --sqn-ms (build) and --auts (verify)");
	if (parse_hex_arg(c, "rand", rand_s, rand, 16) != 0 ||
	    (sqn_s != NULL && parse_hex_arg(c, "sqn-ms", sqn_s, sqn_ms, 6) != 0) ||
	    (auts_s != NULL && parse_hex_arg(c, "auts", auts_s, auts, 14) != 0))
		return UE_EXIT_USAGE;

	milenage_init(&m, k, opc);
	milenage_f2345(&m, rand, NULL, NULL, NULL, NULL, ak_star);
	if (sqn_s != NULL) {
		aka_auts_generate(&m, rand, sqn_ms, auts);
		milenage_f1(&m, rand, sqn_ms, amf_star, NULL, mac_s);
		milenage_clear(&m);
		b64_encode(auts, sizeof(auts), b64);
		out_title(c, "AUTS (TS 33.102 6.3.3), resynchronisation");
		out_hex(c, "opc", "OPc", opc, 16, NULL);
		out_hex(c, "ak_star", "AK*", ak_star, 6, "f5*(RAND)");
		out_hex(c, "mac_s", "MAC-S", mac_s, 8, "f1*(SQN_MS, RAND, AMF* = 0000)");
		out_hex(c, "auts", "AUTS", auts, 14, "= SQN_MS xor AK* || MAC-S");
		out_str(c, "auts_b64", "AUTS b64", b64, "(the Digest auts parameter)");
		out_end(c);
		rc = UE_EXIT_OK;
	} else {
		ok = aka_auts_verify(&m, rand, auts, sqn_ms) == 0;
		if (!ok) {
			/* Show what SQN_MS the token would carry anyway. */
			for (ch = 0; ch < 6; ch++)
				sqn_ms[ch] = auts[ch] ^ ak_star[ch];
		}
		milenage_f1(&m, rand, sqn_ms, amf_star, NULL, mac_s);
		milenage_clear(&m);
		out_title(c, "AUTS verification (TS 33.102 6.3.5)");
		out_hex(c, "opc", "OPc", opc, 16, NULL);
		out_hex(c, "ak_star", "AK*", ak_star, 6, "f5*(RAND)");
		out_hex(c, "sqn_ms", "SQN_MS", sqn_ms, 6, "= AUTS[0..5] xor AK*");
		out_hex(c, "xmac_s", "XMAC-S", mac_s, 8, "f1*(SQN_MS, RAND, AMF* = 0000)");
		if (c->json)
			ue_json_bool(&c->j, "mac_ok", ok);
		else
			printf("  %-13s %s\n", "MAC-S", ok ?
			    "matches AUTS[6..13]: token is genuine" :
			    "does NOT match AUTS[6..13]: token rejected");
		out_end(c);
		rc = ok ? UE_EXIT_OK : UE_EXIT_AUTH;
	}
	secret_wipe(k, sizeof(k));
	secret_wipe(opc, sizeof(opc));
	return rc;
}

/* --- kdf ----------------------------------------------------------------- */

static const char kdf_help[] =
"usage: ue crypto kdf --key HEX --fc HEX --param TEXT|0xHEX ... [--json]\n"
"TS 33.220 B.2: derived = HMAC-SHA-256(Key, S),\n"
"S = FC || P0 || L0 || ... || Pn || Ln, Li = length of Pi on 2 octets.\n"
"FC: 1 octet, or FF plus one octet. A --param starting with 0x is hex,\n"
"any other is taken as its UTF-8 octets. Up to 16 parameters.\n"
"JSON keys: s derived_key\n";

struct kdf_params {
	uint8_t			*store[KDF_PARAMS_MAX];
	struct gba_param	 p[KDF_PARAMS_MAX];
	size_t			 n;
};

static void
kdf_params_clear(struct kdf_params *kp)
{
	size_t i;

	for (i = 0; i < kp->n; i++) {
		secret_wipe(kp->store[i], kp->p[i].len);
		free(kp->store[i]);
	}
	kp->n = 0;
}

static int
kdf_param_add(struct calc *c, struct kdf_params *kp, const char *text)
{
	size_t len;
	uint8_t *p;

	if (kp->n == KDF_PARAMS_MAX)
		return ue_usage_error(c->cmd, "at most %d --param",
		    KDF_PARAMS_MAX);
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		len = strlen(text + 2);
		if (len % 2 != 0 || len / 2 > GBA_PARAM_MAX)
			return ue_usage_error(c->cmd,
			    "--param %s: odd hex or longer than 65535 octets",
			    text);
		len /= 2;
	} else {
		len = strlen(text);
		if (len > GBA_PARAM_MAX)
			return ue_usage_error(c->cmd,
			    "--param: longer than 65535 octets");
	}
	if ((p = malloc(len + 1)) == NULL)
		return ue_usage_error(c->cmd, "out of memory");
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		if (hex_decode(text, p, len) != (ssize_t)len) {
			free(p);
			return ue_usage_error(c->cmd,
			    "--param %s: not hex after 0x", text);
		}
	} else
		memcpy(p, text, len);
	kp->store[kp->n] = p;
	kp->p[kp->n].p = p;
	kp->p[kp->n].len = len;
	kp->n++;
	return 0;
}

/* S as the KDF hashes it, for display. Caller frees. */
static uint8_t *
kdf_s(const uint8_t *fc, size_t fc_len, const struct gba_param *p, size_t n,
    size_t *len)
{
	size_t i, total = fc_len, o;
	uint8_t *s;

	for (i = 0; i < n; i++)
		total += p[i].len + 2;
	if ((s = malloc(total)) == NULL)
		return NULL;
	memcpy(s, fc, fc_len);
	o = fc_len;
	for (i = 0; i < n; i++) {
		if (p[i].len > 0)
			memcpy(s + o, p[i].p, p[i].len);
		o += p[i].len;
		s[o++] = (uint8_t)(p[i].len >> 8);
		s[o++] = (uint8_t)p[i].len;
	}
	*len = total;
	return s;
}

static void
out_s(struct calc *c, const uint8_t *s, size_t len)
{
	size_t i;

	if (c->json) {
		ue_json_hex(&c->j, "s", s, len);
		return;
	}
	printf("  %-13s ", "S");
	for (i = 0; i < len; i++)
		printf("%02x", s[i]);
	printf("   (%zu octets)\n", len);
}

static int
cmd_kdf(struct calc *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "fc", required_argument, NULL, 'f' },
		{ "param", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kdf_params kp;
	const char *key_s = NULL, *fc_s = NULL;
	uint8_t key[256], fc[2], out[GBA_KEY_LEN], *s = NULL;
	ssize_t key_len, fc_len;
	size_t s_len;
	int ch, rc = UE_EXIT_USAGE, err;

	memset(&kp, 0, sizeof(kp));
	while ((ch = next_opt(c, argc, argv, lo)) != -1) {
		switch (ch) {
		case 'k': key_s = optarg; break;
		case 'f': fc_s = optarg; break;
		case 'p':
			if (kdf_param_add(c, &kp, optarg) != 0)
				goto fail;
			break;
		case 'j': c->json = 1; break;
		case 'h': fputs(kdf_help, stdout); rc = UE_EXIT_OK; goto fail;
		default: goto fail;
		}
	}
	if (no_positional(c, argc, argv) != 0)
		goto fail;
	if (key_s == NULL || fc_s == NULL) {
		ue_usage_error(c->cmd, "--key and --fc are required");
		goto fail;
	}
	if ((key_len = parse_hex_var(c, "key", key_s, key, 1, sizeof(key))) < 0 ||
	    (fc_len = parse_hex_var(c, "fc", fc_s, fc, 1, 2)) < 0)
		goto fail;
	if ((err = gba_kdf(key, (size_t)key_len, fc, (size_t)fc_len, kp.p, kp.n,
	    out)) != 0) {
		ue_usage_error(c->cmd, "%s", gba_strerror(err));
		goto fail;
	}
	if ((s = kdf_s(fc, (size_t)fc_len, kp.p, kp.n, &s_len)) == NULL) {
		ue_usage_error(c->cmd, "out of memory");
		goto fail;
	}
	out_title(c, "KDF (TS 33.220 B.2): HMAC-SHA-256(Key, S)");
	if (!c->json)
		out_hex(c, NULL, "Key", key, (size_t)key_len, NULL);
	out_s(c, s, s_len);
	out_hex(c, "derived_key", "derived key", out, GBA_KEY_LEN, NULL);
	out_end(c);
	rc = UE_EXIT_OK;
fail:
	free(s);
	kdf_params_clear(&kp);
	secret_wipe(key, sizeof(key));
	return rc;
}

/* --- ks-naf -------------------------------------------------------------- */

static const char ks_naf_help[] =
"usage: ue crypto ks-naf --ck HEX --ik HEX --rand HEX --impi TEXT\n"
"                        --naf-fqdn TEXT --ua-id HEX [--json]\n"
"TS 33.220 B.3: Ks = CK || IK; NAF_Id = FQDN || Ua id (Annex H);\n"
"Ks_NAF = KDF(Ks, FC 01, \"gba-me\", RAND, IMPI, NAF_Id).\n"
"Ua ids: 0100000002 HTTP Digest, 01000100yyzz TLS (yyzz = cipher suite),\n"
"0100000007 TLS 1.3.\n"
"JSON keys: ks naf_id s ks_naf ks_naf_b64\n";

static int
cmd_ks_naf(struct calc *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ck", required_argument, NULL, 'c' },
		{ "ik", required_argument, NULL, 'i' },
		{ "rand", required_argument, NULL, 'r' },
		{ "impi", required_argument, NULL, 'm' },
		{ "naf-fqdn", required_argument, NULL, 'n' },
		{ "ua-id", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ck_s = NULL, *ik_s = NULL, *rand_s = NULL, *impi = NULL;
	const char *fqdn = NULL, *ua_s = NULL;
	uint8_t ck[16], ik[16], rand[16], ua[GBA_UA_ID_LEN], ks[GBA_KS_LEN];
	uint8_t naf_id[GBA_NAF_ID_MAX], out[GBA_KEY_LEN], *s;
	char b64[B64_LEN(GBA_KEY_LEN)];
	struct gba_param p[4];
	size_t naf_id_len, s_len;
	uint8_t fc = 0x01;
	int ch, err;

	while ((ch = next_opt(c, argc, argv, lo)) != -1) {
		switch (ch) {
		case 'c': ck_s = optarg; break;
		case 'i': ik_s = optarg; break;
		case 'r': rand_s = optarg; break;
		case 'm': impi = optarg; break;
		case 'n': fqdn = optarg; break;
		case 'u': ua_s = optarg; break;
		case 'j': c->json = 1; break;
		case 'h': fputs(ks_naf_help, stdout); return UE_EXIT_OK;
		default: return UE_EXIT_USAGE;
		}
	}
	if (no_positional(c, argc, argv) != 0)
		return UE_EXIT_USAGE;
	if (!ck_s || !ik_s || !rand_s || !impi || !fqdn || !ua_s)
		return ue_usage_error(c->cmd, "--ck, --ik, --rand, --impi, "
		    "--naf-fqdn and --ua-id are all required");
	if (parse_hex_arg(c, "ck", ck_s, ck, 16) != 0 ||
	    parse_hex_arg(c, "ik", ik_s, ik, 16) != 0 ||
	    parse_hex_arg(c, "rand", rand_s, rand, 16) != 0 ||
	    parse_hex_arg(c, "ua-id", ua_s, ua, GBA_UA_ID_LEN) != 0)
		return UE_EXIT_USAGE;
	if ((err = gba_naf_id(fqdn, ua, naf_id, sizeof(naf_id), &naf_id_len)) != 0)
		return ue_usage_error(c->cmd, "--naf-fqdn: %s", gba_strerror(err));
	gba_ks(ck, ik, ks);
	if ((err = gba_ks_naf(ks, rand, impi, naf_id, naf_id_len, out)) != 0)
		return ue_usage_error(c->cmd, "--impi: %s", gba_strerror(err));

	p[0] = (struct gba_param){ (const uint8_t *)"gba-me", 6 };
	p[1] = (struct gba_param){ rand, 16 };
	p[2] = (struct gba_param){ (const uint8_t *)impi, strlen(impi) };
	p[3] = (struct gba_param){ naf_id, naf_id_len };
	if ((s = kdf_s(&fc, 1, p, 4, &s_len)) == NULL)
		return ue_usage_error(c->cmd, "out of memory");
	b64_encode(out, GBA_KEY_LEN, b64);

	out_title(c, "Ks_NAF (TS 33.220 B.3, GBA_ME)");
	out_hex(c, "ks", "Ks", ks, GBA_KS_LEN, "= CK || IK");
	out_hex(c, "naf_id", "NAF_Id", naf_id, naf_id_len,
	    "= FQDN || Ua security protocol id");
	out_s(c, s, s_len);
	out_hex(c, "ks_naf", "Ks_NAF", out, GBA_KEY_LEN,
	    "= HMAC-SHA-256(Ks, S)");
	out_str(c, "ks_naf_b64", "base64", b64, "(the Ua Digest password)");
	out_end(c);
	free(s);
	secret_wipe(ck, sizeof(ck));
	secret_wipe(ik, sizeof(ik));
	secret_wipe(ks, sizeof(ks));
	secret_wipe(out, sizeof(out));
	return UE_EXIT_OK;
}

/* --- digest -------------------------------------------------------------- */

static const char digest_help[] =
"usage: ue crypto digest --challenge 'Digest ...' --username TEXT\n"
"         (--res HEX [--ik HEX --ck HEX] | --password TEXT)\n"
"         [--method GET] [--uri /] [--body FILE] [--cnonce X] [--nc N]\n"
"         [--qop auth|auth-int] [--auts HEX] [--json]\n"
"Answers a WWW-Authenticate challenge. The algorithm comes from the\n"
"challenge: AKAv1-MD5 uses the raw RES octets as password (RFC 3310),\n"
"AKAv2-MD5 base64(HMAC-MD5(RES||IK||CK, \"http-digest-akav2-password\"))\n"
"(RFC 4169, needs --ik and --ck), MD5 and SHA-256 use --password.\n"
"--auts (14 octets) builds a resynchronisation request: empty password\n"
"and auts=\"base64(AUTS)\" (RFC 3310 3.4). qop: auth-int when offered,\n"
"else auth; nc: 8 hex digits or a decimal count (default 00000001);\n"
"cnonce: random unless given.\n"
"JSON keys: algorithm qop password ha_body response authorization\n";

/* Read at most BODY_MAX octets of `path`. Caller frees *body. */
static int
read_body(struct calc *c, const char *path, uint8_t **body, size_t *len)
{
	uint8_t *b = NULL, *nb;
	size_t n = 0, size = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0)
		return ue_usage_error(c->cmd, "--body %s: %s", path,
		    strerror(errno));
	for (;;) {
		if (n == size) {
			if (size == BODY_MAX) {
				close(fd);
				free(b);
				return ue_usage_error(c->cmd,
				    "--body %s: larger than %d octets", path,
				    BODY_MAX);
			}
			size = size == 0 ? 4096 : size * 2;
			if (size > BODY_MAX)
				size = BODY_MAX;
			if ((nb = realloc(b, size)) == NULL) {
				close(fd);
				free(b);
				return ue_usage_error(c->cmd, "out of memory");
			}
			b = nb;
		}
		r = read(fd, b + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			free(b);
			return ue_usage_error(c->cmd, "--body %s: %s", path,
			    strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*body = b;
	*len = n;
	return 0;
}

/* Does the challenge's qop list (e.g. "auth,auth-int") offer `want`? */
static int
qop_offered(const char *list, const char *want)
{
	size_t wl = strlen(want);
	const char *p = list;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncasecmp(p, want, wl) == 0 &&
		    (p[wl] == '\0' || p[wl] == ',' || p[wl] == ' ' ||
		    p[wl] == '\t'))
			return 1;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}

/* nc: 8 hex digits as given, or a decimal count 1..2^32-1. */
static int
parse_nc(struct calc *c, const char *s, char out[9])
{
	uint32_t v;
	unsigned long long d;
	char *end;

	if (strlen(s) == 8 && digest_nc_parse(s, &v) == 0) {
		memcpy(out, s, 9);
		return 0;
	}
	errno = 0;
	d = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    d == 0 || d > UINT32_MAX)
		return ue_usage_error(c->cmd,
		    "--nc: expected 8 hex digits or a count 1..4294967295");
	snprintf(out, 9, "%08llx", d);
	return 0;
}

struct digest_args {
	const char	*challenge, *username, *res, *ik, *ck, *password;
	const char	*method, *uri, *body, *cnonce, *nc, *qop, *auts;
};

static int
cmd_digest(struct calc *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "challenge", required_argument, NULL, 'C' },
		{ "username", required_argument, NULL, 'u' },
		{ "res", required_argument, NULL, 'r' },
		{ "ik", required_argument, NULL, 'i' },
		{ "ck", required_argument, NULL, 'c' },
		{ "password", required_argument, NULL, 'p' },
		{ "method", required_argument, NULL, 'm' },
		{ "uri", required_argument, NULL, 'U' },
		{ "body", required_argument, NULL, 'b' },
		{ "cnonce", required_argument, NULL, 'n' },
		{ "nc", required_argument, NULL, 'N' },
		{ "qop", required_argument, NULL, 'q' },
		{ "auts", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct digest_args a;
	struct digest_hdr ch_hdr;
	struct digest_input in;
	struct digest_build b;
	const char *realm, *nonce, *offered, *opaque, *alg_s;
	uint8_t res[DIGEST_AKA_RES_MAX], ik[16], ck[16], auts[14];
	uint8_t *body = NULL, body_hash[CRYPTO_SHA256_LEN];
	char akav2[DIGEST_AKAV2_PW_LEN], nc[9] = "00000001";
	char cnonce[2 * 16 + 1], response[DIGEST_HEX_MAX];
	char auts64[B64_LEN(14)], authz[DIGEST_MAX_LEN], err[256];
	char pw_text[2 * DIGEST_AKA_RES_MAX + 1];
	ssize_t res_len = 0;
	size_t body_len = 0;
	int ch, rc = UE_EXIT_USAGE;

	memset(&a, 0, sizeof(a));
	memset(&in, 0, sizeof(in));
	while ((ch = next_opt(c, argc, argv, lo)) != -1) {
		switch (ch) {
		case 'C': a.challenge = optarg; break;
		case 'u': a.username = optarg; break;
		case 'r': a.res = optarg; break;
		case 'i': a.ik = optarg; break;
		case 'c': a.ck = optarg; break;
		case 'p': a.password = optarg; break;
		case 'm': a.method = optarg; break;
		case 'U': a.uri = optarg; break;
		case 'b': a.body = optarg; break;
		case 'n': a.cnonce = optarg; break;
		case 'N': a.nc = optarg; break;
		case 'q': a.qop = optarg; break;
		case 'a': a.auts = optarg; break;
		case 'j': c->json = 1; break;
		case 'h': fputs(digest_help, stdout); return UE_EXIT_OK;
		default: return UE_EXIT_USAGE;
		}
	}
	if (no_positional(c, argc, argv) != 0)
		return UE_EXIT_USAGE;
	if (a.challenge == NULL || a.username == NULL)
		return ue_usage_error(c->cmd, "--challenge and --username are required");
	if (digest_parse(&ch_hdr, DIGEST_CHALLENGE, a.challenge, err,
	    sizeof(err)) != 0 || digest_validate(&ch_hdr, err, sizeof(err)) != 0)
		return ue_usage_error(c->cmd, "--challenge: %s", err);
	realm = digest_get(&ch_hdr, "realm");
	nonce = digest_get(&ch_hdr, "nonce");
	opaque = digest_get(&ch_hdr, "opaque");
	offered = digest_get(&ch_hdr, "qop");
	alg_s = digest_get(&ch_hdr, "algorithm");
	if (digest_alg_parse(alg_s, &in.alg) != 0)
		return ue_usage_error(c->cmd,
		    "--challenge: unsupported algorithm '%s'", alg_s);

	/* qop: the user's choice if the challenge offers it, else auth-int
	 * (what Ub uses) before auth; none without a qop list (RFC 2069). */
	if (a.qop != NULL) {
		if (offered == NULL || !qop_offered(offered, a.qop))
			return ue_usage_error(c->cmd,
			    "--qop %s: the challenge does not offer it", a.qop);
		if (strcmp(a.qop, "auth") != 0 && strcmp(a.qop, "auth-int") != 0)
			return ue_usage_error(c->cmd,
			    "--qop: expected auth or auth-int");
		in.qop = a.qop;
	} else if (offered != NULL) {
		if (qop_offered(offered, "auth-int"))
			in.qop = "auth-int";
		else if (qop_offered(offered, "auth"))
			in.qop = "auth";
		else
			return ue_usage_error(c->cmd,
			    "--challenge: qop \"%s\" offers neither auth nor auth-int",
			    offered);
	}

	/* The password, by algorithm. */
	if (a.auts != NULL) {
		if (parse_hex_arg(c, "auts", a.auts, auts, 14) != 0)
			return UE_EXIT_USAGE;
		if (!in.alg.aka)
			return ue_usage_error(c->cmd,
			    "--auts needs an AKA algorithm in the challenge");
		b64_encode(auts, 14, auts64);
		in.password = (const uint8_t *)"";
		in.password_len = 0;
		snprintf(pw_text, sizeof(pw_text), "%s", "");
	} else if (in.alg.aka) {
		if (a.res == NULL || a.password != NULL)
			return ue_usage_error(c->cmd,
			    "%s needs --res (not --password)",
			    digest_alg_name(&in.alg));
		if ((res_len = parse_hex_var(c, "res", a.res, res, 4,
		    DIGEST_AKA_RES_MAX)) < 0)
			return UE_EXIT_USAGE;
		if (in.alg.aka == 1) {
			in.password = res;
			in.password_len = (size_t)res_len;
			hex_encode(res, (size_t)res_len, pw_text);
		} else {
			if (a.ik == NULL || a.ck == NULL)
				return ue_usage_error(c->cmd,
				    "AKAv2-MD5 needs --ik and --ck with --res");
			if (parse_hex_arg(c, "ik", a.ik, ik, 16) != 0 ||
			    parse_hex_arg(c, "ck", a.ck, ck, 16) != 0)
				return UE_EXIT_USAGE;
			if (digest_akav2_password(res, (size_t)res_len, ik, ck,
			    akav2) != 0)
				return ue_usage_error(c->cmd, "--res: bad length");
			in.password = (const uint8_t *)akav2;
			in.password_len = strlen(akav2);
			snprintf(pw_text, sizeof(pw_text), "%s", akav2);
		}
	} else {
		if (a.password == NULL || a.res != NULL)
			return ue_usage_error(c->cmd,
			    "%s needs --password (not --res)",
			    digest_alg_name(&in.alg));
		in.password = (const uint8_t *)a.password;
		in.password_len = strlen(a.password);
		pw_text[0] = '\0';
	}

	if (a.nc != NULL && parse_nc(c, a.nc, nc) != 0)
		return UE_EXIT_USAGE;
	if (a.cnonce != NULL) {
		if (strlen(a.cnonce) == 0 || strlen(a.cnonce) >= DIGEST_MAX_VALUE)
			return ue_usage_error(c->cmd, "--cnonce: empty or too long");
	} else {
		uint8_t r[16];

		if (crypto_random(r, sizeof(r), 0) != 0)
			return ue_usage_error(c->cmd, "random generator failed");
		hex_encode(r, sizeof(r), cnonce);
	}
	if (a.body != NULL && read_body(c, a.body, &body, &body_len) != 0)
		return UE_EXIT_USAGE;

	in.username = a.username;
	in.realm = realm;
	in.nonce = nonce;
	in.method = a.method != NULL ? a.method : "GET";
	in.uri = a.uri != NULL ? a.uri : "/";
	in.nc = in.qop != NULL ? nc : NULL;
	in.cnonce = in.qop != NULL || in.alg.sess ?
	    (a.cnonce != NULL ? a.cnonce : cnonce) : NULL;
	in.body = body;
	in.body_len = body_len;
	if (digest_response(&in, response) != 0) {
		ue_usage_error(c->cmd, "cannot compute the response "
		    "(missing nc/cnonce for this qop or algorithm)");
		goto fail;
	}

	digest_build_init(&b, DIGEST_CREDENTIALS, authz, sizeof(authz));
	digest_build_add(&b, "username", in.username, DIGEST_AUTO);
	digest_build_add(&b, "realm", in.realm, DIGEST_AUTO);
	digest_build_add(&b, "nonce", in.nonce, DIGEST_AUTO);
	digest_build_add(&b, "uri", in.uri, DIGEST_AUTO);
	digest_build_add(&b, "response", response, DIGEST_AUTO);
	if (alg_s != NULL)
		digest_build_add(&b, "algorithm", digest_alg_name(&in.alg),
		    DIGEST_AUTO);
	if (in.qop != NULL) {
		digest_build_add(&b, "qop", in.qop, DIGEST_AUTO);
		digest_build_add(&b, "nc", in.nc, DIGEST_AUTO);
		digest_build_add(&b, "cnonce", in.cnonce, DIGEST_AUTO);
	}
	if (opaque != NULL)
		digest_build_add(&b, "opaque", opaque, DIGEST_AUTO);
	if (a.auts != NULL)
		digest_build_add(&b, "auts", auts64, DIGEST_AUTO);
	if (digest_build_finish(&b, NULL) != 0) {
		ue_usage_error(c->cmd, "Authorization header too long");
		goto fail;
	}

	out_title(c, "HTTP Digest (RFC 7616; AKA: RFC 3310, RFC 4169)");
	out_str(c, "algorithm", "algorithm", digest_alg_name(&in.alg), NULL);
	out_str(c, "qop", "qop", in.qop != NULL ? in.qop : "", NULL);
	if (in.alg.aka)
		out_str(c, "password", "password", pw_text, a.auts != NULL ?
		    "(empty: resynchronisation request)" : in.alg.aka == 1 ?
		    "= RES octets (hex shown)" :
		    "= base64(HMAC-MD5(RES||IK||CK, \"http-digest-akav2-password\"))");
	if (in.qop != NULL && strcmp(in.qop, "auth-int") == 0) {
		struct crypto_hash_ctx hc;

		crypto_hash_init(&hc, in.alg.hash);
		crypto_hash_update(&hc, body != NULL ? body : (const uint8_t *)"",
		    body_len);
		crypto_hash_final(&hc, body_hash);
		out_hex(c, "ha_body", "H(body)", body_hash,
		    crypto_hash_len(in.alg.hash), "(auth-int)");
	}
	out_str(c, "response", "response", response, NULL);
	out_str(c, "authorization", "Authorization", authz, NULL);
	out_end(c);
	rc = UE_EXIT_OK;
fail:
	free(body);
	secret_wipe(res, sizeof(res));
	secret_wipe(akav2, sizeof(akav2));
	secret_wipe(pw_text, sizeof(pw_text));
	return rc;
}

/* --- dispatch ------------------------------------------------------------ */

static const char crypto_help[] =
"usage: ue crypto COMMAND [options]   (each takes --help and --json)\n"
"  milenage   f1..f5* and AUTN for K, OP/OPc, RAND, SQN, AMF\n"
"  auts       build or verify a resynchronisation token\n"
"  kdf        the TS 33.220 generic key derivation function\n"
"  ks-naf     Ks_NAF for an IMPI and a NAF\n"
"  digest     an HTTP Digest Authorization for a challenge\n"
"The calculator prints every value unmasked: its inputs are the secrets.\n"
"Bad input: one message on stderr, exit status 2.\n";

int
ue_crypto_main(const struct ue_opts *o, int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(struct calc *, int, char **);
	} cmds[] = {
		{ "milenage", cmd_milenage },
		{ "auts", cmd_auts },
		{ "kdf", cmd_kdf },
		{ "ks-naf", cmd_ks_naf },
		{ "digest", cmd_digest },
	};
	char name[64];
	struct calc c;
	size_t i;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(crypto_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? UE_EXIT_USAGE : UE_EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		snprintf(name, sizeof(name), "crypto %s", cmds[i].name);
		memset(&c, 0, sizeof(c));
		c.cmd = name;
		c.json = o->json;
		optind = 0;	/* re-initialise getopt; argv[1] is the subcommand */
		return cmds[i].fn(&c, argc - 1, argv + 1);
	}
	return ue_usage_error("crypto", "unknown command '%s' (see 'ue crypto --help')",
	    argv[1]);
}
