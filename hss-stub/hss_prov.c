/*
 * hss_prov.c — provisioning: `hss-stub -d DB add|list|show|del|import`
 * (docs/CONTRACT.md). Every command validates all of its input before it
 * writes, and writes in one transaction: bad input leaves nothing behind.
 *
 * Exit status: 0 done, 1 not found or database error, 2 bad usage/input.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aka.h"
#include "hex.h"
#include "hss.h"
#include "milenage.h"
#include "secret.h"

#define CSV_LINE_MAX	4096

static int
perr(const char *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
perr(const char *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hss-stub: %s: ", ctx);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* Printable ASCII without spaces or commas, 1..255 characters. */
static int
valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= HSS_ID_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    *s == ',' || *s == ';')
			return 0;
	return 1;
}

static int
valid_impu(const char *s)
{
	return valid_id(s) && (strncmp(s, "sip:", 4) == 0 ||
	    strncmp(s, "sips:", 5) == 0 || strncmp(s, "tel:", 4) == 0) &&
	    strchr(s, ':')[1] != '\0';
}

static int
parse_u32(const char *s, uint32_t *v)
{
	unsigned long long x;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0 || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* "GSID,TYPE,NAF-GROUP[,FLAG...]" */
static int
parse_uss(const char *ctx, const char *text, struct hss_uss *u)
{
	char copy[512], *field[3 + HSS_FLAGS_MAX], *save = NULL, *t;
	int n = 0, i;
	const char *g;

	if (strlen(text) >= sizeof(copy))
		return perr(ctx, "--uss: too long");
	snprintf(copy, sizeof(copy), "%s", text);
	for (t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (n == 3 + HSS_FLAGS_MAX)
			return perr(ctx, "--uss %s: at most %d flags", text,
			    HSS_FLAGS_MAX);
		field[n++] = t;
	}
	if (n < 3)
		return perr(ctx, "--uss %s: expected GSID,TYPE,NAF-GROUP[,FLAG...]",
		    text);
	memset(u, 0, sizeof(*u));
	if (parse_u32(field[0], &u->gsid) != 0)
		return perr(ctx, "--uss %s: GSID '%s' is not a number", text,
		    field[0]);
	if (parse_u32(field[1], &u->type) != 0)
		return perr(ctx, "--uss %s: TYPE '%s' is not a number", text,
		    field[1]);
	for (g = field[2]; *g != '\0'; g++)
		if (!isalnum((unsigned char)*g) && *g != '-' && *g != '_' &&
		    *g != '.')
			return perr(ctx, "--uss %s: NAF group may hold letters, "
			    "digits, '-', '_' and '.'", text);
	if (strlen(field[2]) >= sizeof(u->naf_group))
		return perr(ctx, "--uss %s: NAF group too long", text);
	snprintf(u->naf_group, sizeof(u->naf_group), "%s", field[2]);
	for (i = 3; i < n; i++)
		if (parse_u32(field[i], &u->flags[u->n_flags++]) != 0)
			return perr(ctx, "--uss %s: flag '%s' is not a number",
			    text, field[i]);
	return 0;
}

/* Fill the fields every add path shares, then defaults. */
static int
finish_sub(const char *ctx, struct hss_sub *s, const char *k, const char *op,
    const char *opc, const char *amf, const char *sqn, const char *scheme,
    const char *lifetime)
{
	uint8_t op_b[16], sqn_b[6];
	char *end;
	long long lt;

	if (!valid_id(s->impi))
		return perr(ctx, "IMPI '%s': expected 1-255 printable characters "
		    "without spaces, ',' or ';'", s->impi);
	if (k == NULL || hex_decode_exact(k, s->k, 16) != 0)
		return perr(ctx, "--k: expected 32 hex digits");
	if ((op == NULL) == (opc == NULL))
		return perr(ctx, "give exactly one of --op and --opc");
	if (opc != NULL && hex_decode_exact(opc, s->opc, 16) != 0)
		return perr(ctx, "--opc: expected 32 hex digits");
	if (op != NULL) {
		if (hex_decode_exact(op, op_b, 16) != 0)
			return perr(ctx, "--op: expected 32 hex digits");
		/* Stored as OPc only (TS 35.206: OP need not be in the HSS). */
		milenage_opc(s->k, op_b, s->opc);
		secret_wipe(op_b, sizeof(op_b));
	}
	s->amf[0] = HSS_AMF_DEFAULT >> 8;
	s->amf[1] = HSS_AMF_DEFAULT & 0xff;
	if (amf != NULL && *amf != '\0' && hex_decode_exact(amf, s->amf, 2) != 0)
		return perr(ctx, "--amf: expected 4 hex digits");
	s->sqn = 0;
	if (sqn != NULL && *sqn != '\0') {
		if (hex_decode_exact(sqn, sqn_b, 6) != 0)
			return perr(ctx, "--sqn: expected 12 hex digits (48 bits)");
		s->sqn = aka_sqn_get(sqn_b);
	}
	s->scheme = HSS_AKAV1;
	if (scheme != NULL && *scheme != '\0' &&
	    hss_scheme_parse(scheme, &s->scheme) != 0)
		return perr(ctx, "--scheme: expected AKAv1 or AKAv2");
	s->lifetime = 0;
	if (lifetime != NULL && *lifetime != '\0') {
		errno = 0;
		lt = strtoll(lifetime, &end, 10);
		if (!isdigit((unsigned char)*lifetime) || *end != '\0' ||
		    errno != 0 || lt < 1 || lt > 10LL * 365 * 86400)
			return perr(ctx, "--lifetime: expected 1..315360000 seconds");
		s->lifetime = lt;
	}
	if (s->n_uss == 0) {
		/* ARCHITECTURE.md §3: one USS, NAF group "default", every IMPU. */
		s->n_uss = 1;
		memset(&s->uss[0], 0, sizeof(s->uss[0]));
		snprintf(s->uss[0].naf_group, sizeof(s->uss[0].naf_group),
		    "default");
	}
	s->guss_time = time(NULL);
	return 0;
}

static void
usage_add(FILE *f)
{
	fputs("usage: hss-stub -d DB add IMPI --k HEX (--opc HEX | --op HEX)\n"
	    "         [--amf HEX] [--sqn HEX] [--impu URI]... [--scheme AKAv1|AKAv2]\n"
	    "         [--lifetime SECONDS] [--uss GSID,TYPE,NAF-GROUP[,FLAG...]]...\n",
	    f);
}

static int
cmd_add(struct hss_store *st, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "k", required_argument, NULL, 'k' },
		{ "op", required_argument, NULL, 'o' },
		{ "opc", required_argument, NULL, 'c' },
		{ "amf", required_argument, NULL, 'a' },
		{ "sqn", required_argument, NULL, 's' },
		{ "impu", required_argument, NULL, 'i' },
		{ "scheme", required_argument, NULL, 'S' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "uss", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *k = NULL, *op = NULL, *opc = NULL, *amf = NULL, *sqn = NULL;
	const char *scheme = NULL, *lifetime = NULL;
	struct hss_sub *s;
	char err[512];
	int ch, rc = 2;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return perr("add", "out of memory");
	optind = 0;	/* glibc: 0 re-initialises getopt (ordering of an earlier parse) */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (ch) {
		case 'k': k = optarg; break;
		case 'o': op = optarg; break;
		case 'c': opc = optarg; break;
		case 'a': amf = optarg; break;
		case 's': sqn = optarg; break;
		case 'S': scheme = optarg; break;
		case 'l': lifetime = optarg; break;
		case 'i':
			if (s->n_impu == HSS_IMPU_MAX) {
				perr("add", "at most %d --impu", HSS_IMPU_MAX);
				goto done;
			}
			if (!valid_impu(optarg)) {
				perr("add", "--impu '%s': expected a sip:, sips: "
				    "or tel: URI without spaces", optarg);
				goto done;
			}
			snprintf(s->impu[s->n_impu++], HSS_ID_MAX, "%s", optarg);
			break;
		case 'u':
			if (s->n_uss == HSS_USS_MAX) {
				perr("add", "at most %d --uss", HSS_USS_MAX);
				goto done;
			}
			if (parse_uss("add", optarg, &s->uss[s->n_uss++]) != 0)
				goto done;
			break;
		case 'h':
			usage_add(stdout);
			rc = 0;
			goto done;
		case ':':
			perr("add", "option '%s' needs a value", argv[optind - 1]);
			goto done;
		default:
			perr("add", "unknown option '%s'", argv[optind - 1]);
			goto done;
		}
	}
	if (argc - optind != 1) {
		usage_add(stderr);
		goto done;
	}
	snprintf(s->impi, sizeof(s->impi), "%s", argv[optind]);
	if (strlen(argv[optind]) >= sizeof(s->impi)) {
		perr("add", "IMPI too long");
		goto done;
	}
	if (finish_sub("add", s, k, op, opc, amf, sqn, scheme, lifetime) != 0)
		goto done;
	if (hss_store_add(st, s, err, sizeof(err)) != 0) {
		rc = perr("add", "%s", err);
		goto done;
	}
	printf("added %s (%s, %d public identities, %d USS)\n", s->impi,
	    hss_scheme_name(s->scheme), s->n_impu, s->n_uss);
	rc = 0;
done:
	hss_sub_clear(s);
	free(s);
	return rc;
}

static void
print_sub(FILE *f, const struct hss_sub *s, int detail)
{
	char amf[5], sqn_hex[13];
	uint8_t sqn_b[6];
	int i, j;

	hex_encode(s->amf, 2, amf);
	aka_sqn_put(s->sqn, sqn_b);
	hex_encode(sqn_b, 6, sqn_hex);
	if (!detail) {
		fprintf(f, "%s %s sqn=%s impus=", s->impi,
		    hss_scheme_name(s->scheme), sqn_hex);
		for (i = 0; i < s->n_impu; i++)
			fprintf(f, "%s%s", i ? "," : "", s->impu[i]);
		fputc('\n', f);
		return;
	}
	fprintf(f, "impi      %s\nk         [hidden]\nopc       [hidden]\n"
	    "amf       %s\nsqn       %s (SEQ %llu, IND %u)\nscheme    %s\n",
	    s->impi, amf, sqn_hex, (unsigned long long)AKA_SQN_SEQ(s->sqn),
	    (unsigned)AKA_SQN_IND(s->sqn), hss_scheme_name(s->scheme));
	if (s->lifetime > 0)
		fprintf(f, "lifetime  %lld\n", s->lifetime);
	for (i = 0; i < s->n_impu; i++)
		fprintf(f, "impu      %s\n", s->impu[i]);
	for (i = 0; i < s->n_uss; i++) {
		fprintf(f, "uss       %u,%u,%s", s->uss[i].gsid, s->uss[i].type,
		    s->uss[i].naf_group);
		for (j = 0; j < s->uss[i].n_flags; j++)
			fprintf(f, ",%u", s->uss[i].flags[j]);
		fputc('\n', f);
	}
}

static int
list_cb(const struct hss_sub *s, void *arg)
{
	print_sub(arg, s, 0);
	return 0;
}

/* One CSV line: impi,k,opc,amf,sqn,scheme,lifetime,impus (impus ';'). */
static int
import_line(const char *ctx, char *line, struct hss_sub *s)
{
	char *f[8], *p = line, *impu, *save = NULL;
	int n = 0;

	while (n < 8) {
		f[n++] = p;
		if ((p = strchr(p, ',')) == NULL)
			break;
		*p++ = '\0';
	}
	if (n != 8 || p != NULL)
		return perr(ctx, "expected 8 columns: "
		    "impi,k,opc,amf,sqn,scheme,lifetime,impus");
	memset(s, 0, sizeof(*s));
	if (strlen(f[0]) >= sizeof(s->impi))
		return perr(ctx, "IMPI too long");
	snprintf(s->impi, sizeof(s->impi), "%s", f[0]);
	for (impu = strtok_r(f[7], ";", &save); impu != NULL;
	    impu = strtok_r(NULL, ";", &save)) {
		if (s->n_impu == HSS_IMPU_MAX)
			return perr(ctx, "at most %d public identities",
			    HSS_IMPU_MAX);
		if (!valid_impu(impu))
			return perr(ctx, "public identity '%s': expected a sip:, "
			    "sips: or tel: URI", impu);
		snprintf(s->impu[s->n_impu++], HSS_ID_MAX, "%s", impu);
	}
	return finish_sub(ctx, s, f[1], NULL, f[2], f[3], f[4], f[5], f[6]);
}

static int
cmd_import(struct hss_store *st, const char *path)
{
	char line[CSV_LINE_MAX + 2], ctx[1100], err[512];
	struct hss_sub *s;
	FILE *f;
	long lineno = 0, added = 0;
	size_t len;
	int rc = 2;

	if ((f = fopen(path, "r")) == NULL) {
		perr("import", "%s: %s", path, strerror(errno));
		return 1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fclose(f);
		return perr("import", "out of memory");
	}
	if (hss_store_bulk_begin(st) != 0) {
		rc = perr("import", "database: %s", hss_store_errmsg(st));
		goto done;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		snprintf(ctx, sizeof(ctx), "import: %s:%ld", path, lineno);
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(f)) {
			perr(ctx, "line longer than %d characters", CSV_LINE_MAX);
			goto abort;
		}
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0 || line[0] == '#' ||
		    (lineno == 1 && strncmp(line, "impi,", 5) == 0))
			continue;
		if (import_line(ctx, line, s) != 0)
			goto abort;
		if (hss_store_add_bulk(st, s, err, sizeof(err)) != 0) {
			perr(ctx, "%s", err);
			goto abort;
		}
		added++;
	}
	if (ferror(f)) {
		perr("import", "%s: read error", path);
		goto abort;
	}
	if (hss_store_bulk_end(st) != 0) {
		rc = perr("import", "database: %s", hss_store_errmsg(st));
		goto done;
	}
	printf("imported %ld subscribers from %s\n", added, path);
	rc = 0;
	goto done;
abort:
	hss_store_bulk_abort(st);
	fprintf(stderr, "hss-stub: import: nothing imported\n");
done:
	secret_wipe(line, sizeof(line));
	hss_sub_clear(s);
	free(s);
	fclose(f);
	return rc;
}

int
hss_prov_main(const char *db_path, int argc, char **argv, FILE *out)
{
	struct hss_store *st;
	struct hss_sub *s;
	char err[512];
	int rc;

	if (db_path == NULL)
		return perr(argv[0], "the database is needed: -d DB (or -c FILE "
		    "with hss.db)");
	if (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "list") != 0 &&
	    strcmp(argv[0], "show") != 0 && strcmp(argv[0], "del") != 0 &&
	    strcmp(argv[0], "import") != 0)
		return perr("command", "unknown command '%s' (add, list, show, "
		    "del, import)", argv[0]);
	if (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "list") != 0 &&
	    argc != 2)
		return perr(argv[0], "expected one argument");
	if (strcmp(argv[0], "list") == 0 && argc != 1)
		return perr("list", "takes no arguments");
	if ((st = hss_store_open(db_path, 1000, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hss-stub: %s\n", err);
		return 1;
	}
	if (strcmp(argv[0], "add") == 0)
		rc = cmd_add(st, argc, argv);
	else if (strcmp(argv[0], "import") == 0)
		rc = cmd_import(st, argv[1]);
	else if (strcmp(argv[0], "list") == 0)
		rc = hss_store_list(st, list_cb, out) == 0 ? 0 :
		    (perr("list", "database: %s", hss_store_errmsg(st)), 1);
	else if (strcmp(argv[0], "del") == 0) {
		rc = hss_store_del(st, argv[1]);
		if (rc == 1)
			fprintf(stderr, "hss-stub: del: no subscriber %s\n",
			    argv[1]);
		else if (rc < 0)
			perr("del", "database: %s", hss_store_errmsg(st));
		else
			printf("deleted %s\n", argv[1]);
		rc = rc == 0 ? 0 : 1;
	} else {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			hss_store_close(st);
			return perr("show", "out of memory");
		}
		rc = hss_store_get(st, argv[1], s);
		if (rc == 0)
			print_sub(out, s, 1);
		else if (rc == 1)
			fprintf(stderr, "hss-stub: show: no subscriber %s\n",
			    argv[1]);
		else
			perr("show", "database: %s", hss_store_errmsg(st));
		rc = rc == 0 ? 0 : 1;
		hss_sub_clear(s);
		free(s);
	}
	hss_store_close(st);
	return rc;
}
