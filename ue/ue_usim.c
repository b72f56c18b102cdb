/*
 * ue_usim.c — the simulated USIM file and `ue usim init|show`.
 *
 * The file holds K and OPc like a real USIM holds them: it is written with
 * mode 0600 and refused when group or others may read it. SQN handling is
 * TS 33.102 Annex C (an array of 32 SEQ values indexed by IND, common/aka).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aka.h"
#include "conf.h"
#include "hex.h"
#include "milenage.h"
#include "secret.h"
#include "ue.h"

static const struct conf_opt usim_opts[] = {
	CONF_OPT_STR("impi", struct ue_usim, impi, NULL, CONF_F_REQUIRED,
	    "private identity"),
	CONF_OPT_HEX("k", struct ue_usim, k, NULL,
	    CONF_F_REQUIRED | CONF_F_SECRET, "subscriber key K"),
	CONF_OPT_HEX("opc", struct ue_usim, opc, NULL,
	    CONF_F_REQUIRED | CONF_F_SECRET, "OPc"),
	CONF_OPT_HEX("amf", struct ue_usim, amf, "8000", 0, "AMF"),
	CONF_OPT_STR("seq", struct ue_usim, seq, NULL, 0,
	    "SEQ array of TS 33.102 Annex C, 32 values"),
	CONF_OPT_STR("bsf", struct ue_usim, bsf, NULL, 0, "BSF URL"),
	CONF_OPT_STR("ap", struct ue_usim, ap, NULL, 0, "AP URL"),
	CONF_OPT_STR("naf_fqdn", struct ue_usim, naf_fqdn, NULL, 0, "NAF name"),
	CONF_OPT_STR("impu", struct ue_usim, impu, NULL, 0,
	    "the user's public identity (for ue conformance)"),
	CONF_OPT_STR("ca", struct ue_usim, ca, NULL, 0,
	    "CA certificate file of the AP (ue xcap --digest)"),
	CONF_OPT_STR("btid", struct ue_usim, btid, NULL, 0, "last B-TID"),
	CONF_OPT_HEXV("ks", struct ue_usim, ks, ks_len, 0, NULL, CONF_F_SECRET,
	    "Ks = CK || IK of the last bootstrapping"),
	CONF_OPT_HEXV("rand", struct ue_usim, rand, rand_len, 0, NULL, 0,
	    "RAND of the last bootstrapping"),
	CONF_OPT_STR("lifetime", struct ue_usim, lifetime, NULL, 0,
	    "key lifetime of the last bootstrapping (UTC)"),
	CONF_OPT_END
};

const char *
ue_usim_path(const struct ue_opts *o)
{
	static char path[1024];
	const char *home = getenv("HOME");

	if (o->usim != NULL)
		return o->usim;
	snprintf(path, sizeof(path), "%s/.utstack/usim",
	    home != NULL ? home : ".");
	return path;
}

void
ue_usim_clear(struct ue_usim *u)
{
	if (u != NULL)
		secret_wipe(u, sizeof(*u));
}

int
ue_usim_load(const char *path, struct ue_usim *u)
{
	struct stat sb;
	char err[512];
	struct aka_sqn_ms s;

	memset(u, 0, sizeof(*u));
	if (stat(path, &sb) != 0) {
		fprintf(stderr, "ue: USIM %s: %s (create it with 'ue usim "
		    "init')\n", path, strerror(errno));
		return -1;
	}
	if (sb.st_mode & 077) {
		fprintf(stderr, "ue: USIM %s holds K and OPc but others may read "
		    "it (mode %03o): chmod 600 it\n", path,
		    (unsigned)(sb.st_mode & 0777));
		return -1;
	}
	if (conf_defaults(usim_opts, u, err, sizeof(err)) != 0 ||
	    conf_load(usim_opts, u, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "ue: %s\n", err);
		ue_usim_clear(u);
		return -1;
	}
	if (ue_usim_sqn_get(u, &s) != 0) {
		fprintf(stderr, "ue: %s: seq: expected up to 32 comma-separated "
		    "numbers\n", path);
		ue_usim_clear(u);
		return -1;
	}
	return 0;
}

int
ue_usim_sqn_get(const struct ue_usim *u, struct aka_sqn_ms *s)
{
	const char *p = u->seq;
	unsigned long long v;
	char *end;
	int i = 0;

	aka_sqn_ms_init(s);
	while (*p != '\0') {
		if (i == AKA_IND_SLOTS)
			return -1;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (end == p || errno != 0 || v > (AKA_SQN_MASK >> AKA_IND_BITS))
			return -1;
		s->seq[i++] = v;
		p = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return -1;
	}
	return 0;
}

void
ue_usim_sqn_put(struct ue_usim *u, const struct aka_sqn_ms *s)
{
	size_t len = 0;
	int i;

	for (i = 0; i < AKA_IND_SLOTS; i++)
		len += (size_t)snprintf(u->seq + len, sizeof(u->seq) - len,
		    "%s%llu", i ? "," : "", (unsigned long long)s->seq[i]);
}

static void
put_hex(FILE *f, const char *key, const uint8_t *p, size_t len)
{
	char text[2 * 32 + 1];

	fprintf(f, "%s = %s\n", key, hex_encode(p, len, text));
	secret_wipe(text, sizeof(text));
}

int
ue_usim_save(const char *path, const struct ue_usim *u)
{
	char tmp[1100];
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "ue: %s: %s\n", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "# utstack simulated USIM (test material: holds K and "
	    "OPc)\nimpi = %s\n", u->impi);
	put_hex(f, "k", u->k, 16);
	put_hex(f, "opc", u->opc, 16);
	put_hex(f, "amf", u->amf, 2);
	fprintf(f, "seq = %s\n", u->seq);
	if (u->bsf[0] != '\0')
		fprintf(f, "bsf = %s\n", u->bsf);
	if (u->ap[0] != '\0')
		fprintf(f, "ap = %s\n", u->ap);
	if (u->naf_fqdn[0] != '\0')
		fprintf(f, "naf_fqdn = %s\n", u->naf_fqdn);
	if (u->impu[0] != '\0')
		fprintf(f, "impu = %s\n", u->impu);
	if (u->ca[0] != '\0')
		fprintf(f, "ca = %s\n", u->ca);
	if (u->ks_len > 0) {
		fprintf(f, "btid = %s\n", u->btid);
		put_hex(f, "ks", u->ks, u->ks_len);
		put_hex(f, "rand", u->rand, u->rand_len);
		fprintf(f, "lifetime = %s\n", u->lifetime);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0) {
		fprintf(stderr, "ue: %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "ue: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static const char usim_init_help[] =
"usage: ue usim init [--file FILE] --impi IMPI --k HEX (--op HEX | --opc HEX)\n"
"                    [--amf HEX] [--bsf URL] [--ap URL] [--naf-fqdn NAME]\n"
"                    [--impu URI] [--ca FILE] [--force]\n"
"       ue usim show\n"
"Creates the simulated USIM (default ~/.utstack/usim, or --usim FILE), mode\n"
"0600. OP is turned into OPc. AMF defaults to 8000. The SQN array starts at\n"
"zero, like a new USIM. --impu names the user's public identity, which\n"
"'ue conformance' needs for the AP cases that check who the AP says the\n"
"user is. --ca names the CA certificate (PEM) that the AP's certificate must\n"
"chain to, for 'ue xcap --digest' (kept as an absolute path).\n";

/*
 * --ca FILE: kept as an absolute path (the USIM is used from anywhere), and
 * it must be readable now — a typo found at `ue xcap --digest` time would
 * look like a TLS failure. Returns 0 or UE_EXIT_USAGE after a message.
 */
static int
usim_ca(const char *file, char *out, size_t size)
{
	char *abs;
	FILE *f;

	if ((abs = realpath(file, NULL)) == NULL || (f = fopen(abs, "r")) ==
	    NULL) {
		ue_usage_error("usim init", "--ca %s: %s", file,
		    strerror(errno));
		free(abs);
		return UE_EXIT_USAGE;
	}
	fclose(f);
	if (strlen(abs) >= size || strpbrk(abs, "\n\r\"") != NULL) {
		ue_usage_error("usim init", "--ca %s: path too long or not "
		    "one line", file);
		free(abs);
		return UE_EXIT_USAGE;
	}
	snprintf(out, size, "%s", abs);
	free(abs);
	return 0;
}

static int
usim_init(const struct ue_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "impi", required_argument, NULL, 'i' },
		{ "k", required_argument, NULL, 'k' },
		{ "op", required_argument, NULL, 'o' },
		{ "opc", required_argument, NULL, 'c' },
		{ "amf", required_argument, NULL, 'a' },
		{ "bsf", required_argument, NULL, 'b' },
		{ "ap", required_argument, NULL, 'p' },
		{ "naf-fqdn", required_argument, NULL, 'n' },
		{ "impu", required_argument, NULL, 'm' },
		{ "ca", required_argument, NULL, 'C' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = ue_usim_path(o), *k = NULL, *op = NULL, *opc = NULL;
	const char *amf = "8000", *ca = NULL;
	struct ue_usim u;
	struct aka_sqn_ms s;
	uint8_t opb[16];
	char dir[1100], *slash;
	int ch, force = 0, rc = UE_EXIT_USAGE;

	memset(&u, 0, sizeof(u));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (ch) {
		case 'f': path = optarg; break;
		case 'i': snprintf(u.impi, sizeof(u.impi), "%s", optarg); break;
		case 'k': k = optarg; break;
		case 'o': op = optarg; break;
		case 'c': opc = optarg; break;
		case 'a': amf = optarg; break;
		case 'b': snprintf(u.bsf, sizeof(u.bsf), "%s", optarg); break;
		case 'p': snprintf(u.ap, sizeof(u.ap), "%s", optarg); break;
		case 'n': snprintf(u.naf_fqdn, sizeof(u.naf_fqdn), "%s", optarg);
			break;
		case 'm': snprintf(u.impu, sizeof(u.impu), "%s", optarg);
			break;
		case 'C': ca = optarg; break;
		case 'F': force = 1; break;
		case 'h': fputs(usim_init_help, stdout); return UE_EXIT_OK;
		case ':':
			return ue_usage_error("usim init", "option '%s' needs a "
			    "value", argv[optind - 1]);
		default:
			return ue_usage_error("usim init", "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ue_usage_error("usim init", "unexpected argument '%s'",
		    argv[optind]);
	if (u.impi[0] == '\0' || strchr(u.impi, ' ') != NULL)
		return ue_usage_error("usim init", "--impi is required (no spaces)");
	if (k == NULL || hex_decode_exact(k, u.k, 16) != 0)
		return ue_usage_error("usim init", "--k: expected 32 hex digits");
	if ((op == NULL) == (opc == NULL))
		return ue_usage_error("usim init", "give exactly one of --op and "
		    "--opc");
	if (opc != NULL && hex_decode_exact(opc, u.opc, 16) != 0)
		goto bad_opc;
	if (op != NULL) {
		if (hex_decode_exact(op, opb, 16) != 0)
			goto bad_opc;
		milenage_opc(u.k, opb, u.opc);
		secret_wipe(opb, sizeof(opb));
	}
	if (u.impu[0] != '\0' && (strchr(u.impu, ':') == NULL ||
	    strpbrk(u.impu, " \t\"<>") != NULL)) {
		ue_usage_error("usim init", "--impu: expected a URI such as "
		    "sip:alice@ims.example.org");
		goto done;
	}
	if (ca != NULL && (rc = usim_ca(ca, u.ca, sizeof(u.ca))) != 0)
		goto done;
	rc = UE_EXIT_USAGE;
	if (hex_decode_exact(amf, u.amf, 2) != 0) {
		ue_usage_error("usim init", "--amf: expected 4 hex digits");
		goto done;
	}
	if (!force && access(path, F_OK) == 0) {
		ue_usage_error("usim init", "%s exists (--force replaces it)",
		    path);
		goto done;
	}
	/* ~/.utstack itself is private too. */
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "ue: %s: %s\n", dir, strerror(errno));
			rc = UE_EXIT_USAGE;
			goto done;
		}
	}
	aka_sqn_ms_init(&s);
	ue_usim_sqn_put(&u, &s);
	if (ue_usim_save(path, &u) != 0) {
		rc = UE_EXIT_USAGE;
		goto done;
	}
	if (o->json) {
		struct ue_json j;

		ue_json_begin(&j, stdout);
		ue_json_str(&j, "usim", path);
		ue_json_str(&j, "impi", u.impi);
		ue_json_end(&j);
	} else
		printf("USIM %s created for %s\n", path, u.impi);
	rc = UE_EXIT_OK;
	goto done;
bad_opc:
	ue_usage_error("usim init", "--op/--opc: expected 32 hex digits");
done:
	ue_usim_clear(&u);
	return rc;
}

static int
usim_show(const struct ue_opts *o)
{
	const char *path = ue_usim_path(o);
	struct ue_usim u;
	char hex[65];

	if (ue_usim_load(path, &u) != 0)
		return UE_EXIT_USAGE;
	if (o->json) {
		struct ue_json j;

		ue_json_begin(&j, stdout);
		ue_json_str(&j, "usim", path);
		ue_json_str(&j, "impi", u.impi);
		ue_json_str(&j, "btid", u.btid);
		ue_json_str(&j, "lifetime", u.lifetime);
		ue_json_end(&j);
	} else {
		printf("usim      %s\nimpi      %s\n", path, u.impi);
		printf("k, opc    %s\n", o->show_keys ? "" : "[hidden]");
		if (o->show_keys) {
			/* one buffer: one hex_encode() per printf */
			printf("k         %s\n", hex_encode(u.k, 16, hex));
			printf("opc       %s\n", hex_encode(u.opc, 16, hex));
		}
		printf("amf       %s\nseq       %s\n", hex_encode(u.amf, 2, hex),
		    u.seq);
		if (u.impu[0] != '\0')
			printf("impu      %s\n", u.impu);
		if (u.ca[0] != '\0')
			printf("ca        %s\n", u.ca);
		if (u.ks_len > 0)
			printf("btid      %s\nlifetime  %s\nks        %s\n", u.btid,
			    u.lifetime, o->show_keys ?
			    hex_encode(u.ks, u.ks_len, hex) : "[hidden]");
		else
			printf("btid      (not bootstrapped)\n");
	}
	ue_usim_clear(&u);
	return UE_EXIT_OK;
}

int
ue_usim_main(const struct ue_opts *o, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		return usim_init(o, argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "show") == 0)
		return usim_show(o);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(usim_init_help, stdout);
		return UE_EXIT_OK;
	}
	return ue_usage_error("usim", "expected 'init' or 'show' (see 'ue usim "
	    "--help')");
}
