/*
 * bench_milenage.c — Milenage authentication vectors per second on one
 * core: utstack (common/aka.c over common/milenage.c over nettle) against
 * libosmocore's osmo_auth_gen_vec(), an independent implementation.
 *
 * What is timed, per iteration:
 *   utstack        aka_av_from_rand(): one vector as the HSS builds it
 *                  (TS 33.102 6.3.2: XRES, CK, IK, AUTN), TEMP once;
 *   utstack-all    milenage_all() alone: f1, f1*, f2..f5*;
 *   libosmocore    osmo_auth_gen_vec() with OPc, AMF and the RAND passed
 *                  in; the library steps SQN itself. Its vector also
 *                  carries the GSM Kc and SRES (TS 33.102 6.8.1.2), as
 *                  that is what the call does.
 * K and OPc are those of Milenage Test Set 1 (TS 35.208 4.3.1). RAND and
 * SQN change every iteration by counting, not by drawing random numbers,
 * so the figures compare the crypto and nothing else.
 *
 * Before timing, both implementations must agree on AUTN, RES, CK and IK
 * for a set of inputs, and utstack must reproduce Test Set 1; otherwise
 * the program stops with exit status 1. That makes the bench a cross-check
 * of common/milenage.c against code it shares nothing with.
 *
 * Method: nothing is pinned. Each implementation runs `rounds` rounds of
 * `seconds` each, interleaved (the order alternates from round to round so
 * neither always follows the other); a round counts iterations in batches
 * of 1024 and reads CLOCK_MONOTONIC between batches. The median, min and
 * max of the per-round rates are reported. A short untimed warm-up comes
 * first.
 *
 * libosmogsm exports functions named milenage_f1 and milenage_f2345, as
 * does common/milenage.c; bench/module.mk links libcommon.a with
 * --exclude-libs so ours stay local and do not interpose on the library's
 * own calls.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osmocom/crypt/auth.h>

#include "aka.h"
#include "milenage.h"
#include "secret.h"

#ifndef BENCH_CFLAGS
#define BENCH_CFLAGS	"?"
#endif
#ifndef BENCH_OSMO_VERSION
#define BENCH_OSMO_VERSION	"?"
#endif

#define BATCH		1024		/* iterations between clock reads */
#define ROUNDS_DEFAULT	7
#define SECONDS_DEFAULT	0.5
#define WARMUP_SECONDS	0.1
#define CROSS_CHECKS	64		/* inputs compared before timing */
#define IND		7		/* IND of every SQN (Test Set 1's) */

/* Milenage Test Set 1 (TS 35.208 4.3.1; tests/vectors/milenage-sets-1-6.txt) */
static const uint8_t ts1_k[16] = {
	0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
	0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc };
static const uint8_t ts1_opc[16] = {
	0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e,
	0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf };
static const uint8_t ts1_rand[16] = {
	0x23, 0x55, 0x3c, 0xbe, 0x96, 0x37, 0xa8, 0x9d,
	0x21, 0x8a, 0xe6, 0x4d, 0xae, 0x47, 0xbf, 0x35 };
static const uint8_t ts1_sqn[6] = { 0xff, 0x9b, 0xb4, 0xd0, 0xb6, 0x07 };
static const uint8_t ts1_amf[2] = { 0xb9, 0xb9 };
static const uint8_t ts1_f1[8] = {
	0x4a, 0x9f, 0xfa, 0xc3, 0x54, 0xdf, 0xaf, 0xb3 };
static const uint8_t ts1_f2[8] = {
	0xa5, 0x42, 0x11, 0xd5, 0xe3, 0xba, 0x50, 0xbf };
static const uint8_t ts1_f3[16] = {
	0xb4, 0x0b, 0xa9, 0xa3, 0xc5, 0x8b, 0x2a, 0x05,
	0xbb, 0xf0, 0xd9, 0x87, 0xb2, 0x1b, 0xf8, 0xcb };
static const uint8_t ts1_f4[16] = {
	0xf7, 0x69, 0xbc, 0xd7, 0x51, 0x04, 0x46, 0x04,
	0x12, 0x76, 0x72, 0x71, 0x1c, 0x6d, 0x34, 0x41 };
static const uint8_t ts1_f5[6] = { 0xaa, 0x68, 0x9c, 0x64, 0x83, 0x70 };

/* Written by every iteration, so the compiler must do the work. */
static volatile uint8_t sink;

/* What the timed loops share: both implementations' subscriber state. */
struct bench {
	struct milenage			m;	/* utstack: K expanded, OPc */
	struct osmo_sub_auth_data	aud;	/* libosmocore: K, OPc, SQN */
	uint64_t			ctr;	/* varies RAND and SQN */
};

/* One implementation under test: `run` does `n` iterations. */
struct impl {
	const char	*figure;	/* name of the output line */
	const char	*name;
	void		(*run)(struct bench *, uint64_t);
	double		*rate;		/* per round, vectors/s */
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...);

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench-milenage: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
hexdump(const char *label, const uint8_t *p, size_t len)
{
	size_t i;

	fprintf(stderr, "  %-22s ", label);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%02x", p[i]);
	fputc('\n', stderr);
}

/* RAND for counter value `c`: Test Set 1's RAND with `c` in its tail. */
static void
make_rand(uint64_t c, uint8_t rand[16])
{
	int i;

	memcpy(rand, ts1_rand, 16);
	for (i = 0; i < 8; i++)
		rand[15 - i] ^= (uint8_t)(c >> (8 * i));
}

static double
now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die("clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- the timed loops ------------------------------------------------------ */

static void
run_ours_av(struct bench *b, uint64_t n)
{
	struct aka_av av;
	uint8_t rand[16], sqn[6];
	uint64_t i, c = b->ctr;

	for (i = 0; i < n; i++, c++) {
		make_rand(c, rand);
		/* SEQ + 1, IND fixed: what an HSS does per vector. */
		aka_sqn_put(AKA_SQN_MAKE(c, IND), sqn);
		aka_av_from_rand(&b->m, rand, sqn, ts1_amf, &av);
		sink ^= av.autn[15] ^ av.xres[7] ^ av.ck[15] ^ av.ik[15];
	}
	b->ctr = c;
	aka_av_clear(&av);
}

static void
run_ours_all(struct bench *b, uint64_t n)
{
	struct milenage_out out;
	uint8_t rand[16], sqn[6];
	uint64_t i, c = b->ctr;

	for (i = 0; i < n; i++, c++) {
		make_rand(c, rand);
		aka_sqn_put(AKA_SQN_MAKE(c, IND), sqn);
		milenage_all(&b->m, rand, sqn, ts1_amf, &out);
		sink ^= out.mac_a[7] ^ out.res[7] ^ out.ck[15] ^ out.ik[15] ^
		    out.ak[5] ^ out.ak_star[5];
	}
	b->ctr = c;
	secret_wipe(&out, sizeof(out));
}

static void
run_osmo(struct bench *b, uint64_t n)
{
	struct osmo_auth_vector vec;
	uint8_t rand[16];
	uint64_t i, c = b->ctr;

	/* osmo_auth_gen_vec() steps aud.u.umts.sqn by one SEQ itself. */
	for (i = 0; i < n; i++, c++) {
		make_rand(c, rand);
		if (osmo_auth_gen_vec(&vec, &b->aud, rand) != 0)
			die("osmo_auth_gen_vec failed");
		sink ^= vec.autn[15] ^ vec.res[7] ^ vec.ck[15] ^ vec.ik[15];
	}
	b->ctr = c;
	secret_wipe(&vec, sizeof(vec));
}

/* Run `im` for about `seconds`; returns iterations per second. */
static double
round_rate(struct bench *b, const struct impl *im, double seconds)
{
	double t0, t;
	uint64_t n = 0;

	t0 = now();
	do {
		im->run(b, BATCH);
		n += BATCH;
		t = now();
	} while (t - t0 < seconds);
	return (double)n / (t - t0);
}

/* --- cross-check ---------------------------------------------------------- */

/*
 * libosmocore's vector for `rand` and the 48-bit `sqn`. The library uses
 * SQN_prev stepped by one SEQ with IND = aud.ind, so set SQN_prev one SEQ
 * below `sqn`, and check afterwards that it used exactly `sqn`.
 */
static void
osmo_vector(struct bench *b, const uint8_t rand[16], uint64_t sqn,
    struct osmo_auth_vector *vec)
{
	int rc;

	b->aud.u.umts.ind = AKA_SQN_IND(sqn);
	b->aud.u.umts.sqn = sqn - AKA_IND_SLOTS;
	memset(vec, 0, sizeof(*vec));
	if ((rc = osmo_auth_gen_vec(vec, &b->aud, rand)) != 0)
		die("osmo_auth_gen_vec returned %d", rc);
	if (b->aud.u.umts.sqn != sqn)
		die("libosmocore used SQN %012llx, not %012llx",
		    (unsigned long long)b->aud.u.umts.sqn,
		    (unsigned long long)sqn);
	if (!(vec->auth_types & OSMO_AUTH_TYPE_UMTS) || vec->res_len != 8)
		die("libosmocore gave no UMTS vector (types %#x, RES %u octets)",
		    (unsigned)vec->auth_types, (unsigned)vec->res_len);
}

static void
mismatch(const char *what, uint64_t sqn, const uint8_t rand[16],
    const uint8_t *ours, const uint8_t *theirs, size_t len)
{
	uint8_t s[6];

	aka_sqn_put(sqn, s);
	fprintf(stderr, "bench-milenage: MISMATCH in %s — utstack and "
	    "libosmocore disagree; not benchmarking\n", what);
	hexdump("RAND", rand, 16);
	hexdump("SQN", s, 6);
	hexdump("utstack", ours, len);
	hexdump("libosmocore", theirs, len);
	exit(1);
}

static void
compare(struct bench *b, const uint8_t rand[16], uint64_t sqn)
{
	struct aka_av av;
	struct osmo_auth_vector vec;
	uint8_t s[6];

	aka_sqn_put(sqn, s);
	aka_av_from_rand(&b->m, rand, s, ts1_amf, &av);
	osmo_vector(b, rand, sqn, &vec);
	if (memcmp(av.autn, vec.autn, 16) != 0)
		mismatch("AUTN", sqn, rand, av.autn, vec.autn, 16);
	if (av.xres_len != vec.res_len || memcmp(av.xres, vec.res, 8) != 0)
		mismatch("RES", sqn, rand, av.xres, vec.res, 8);
	if (memcmp(av.ck, vec.ck, 16) != 0)
		mismatch("CK", sqn, rand, av.ck, vec.ck, 16);
	if (memcmp(av.ik, vec.ik, 16) != 0)
		mismatch("IK", sqn, rand, av.ik, vec.ik, 16);
	aka_av_clear(&av);
	secret_wipe(&vec, sizeof(vec));
}

/* utstack against the published Test Set 1 outputs. */
static void
check_test_set_1(const struct bench *b)
{
	struct aka_av av;
	uint8_t autn[16];
	int i;

	for (i = 0; i < 6; i++)
		autn[i] = ts1_sqn[i] ^ ts1_f5[i];
	memcpy(autn + 6, ts1_amf, 2);
	memcpy(autn + 8, ts1_f1, 8);

	aka_av_from_rand(&b->m, ts1_rand, ts1_sqn, ts1_amf, &av);
	if (memcmp(av.autn, autn, 16) != 0 || memcmp(av.xres, ts1_f2, 8) != 0 ||
	    memcmp(av.ck, ts1_f3, 16) != 0 || memcmp(av.ik, ts1_f4, 16) != 0)
		die("utstack does not reproduce Milenage Test Set 1");
	aka_av_clear(&av);
}

static void
cross_check(struct bench *b)
{
	uint8_t rand[16];
	uint64_t i, sqn;

	check_test_set_1(b);
	compare(b, ts1_rand, aka_sqn_get(ts1_sqn));
	/* Counter-made inputs like the timed loops', and some SQNs with
	 * every AK bit mattering (high octets set). */
	for (i = 0; i < CROSS_CHECKS; i++) {
		make_rand(i * 0x9e3779b97f4a7c15ULL, rand);
		sqn = AKA_SQN_MAKE(i + 1, IND);
		if (i & 1)
			sqn = (sqn | 0xfedcba000000ULL) & AKA_SQN_MASK;
		compare(b, rand, sqn);
	}
}

/* --- reporting ------------------------------------------------------------ */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct stats {
	double	median, min, max;
};

static struct stats
summarise(const double *rate, int n)
{
	double s[1000];
	struct stats st;

	memcpy(s, rate, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	st.min = s[0];
	st.max = s[n - 1];
	st.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return st;
}

/*
 * The CPU model and whether it has AES instructions, from /proc/cpuinfo
 * ("flags" on x86, "Features" on arm64). Unknowns stay "unknown".
 */
static void
cpu_info(char *model, size_t modellen, const char **aes)
{
	FILE *f;
	char line[4096], *p, *tok, *save;
	int got_model = 0, got_flags = 0;

	snprintf(model, modellen, "unknown");
	*aes = "unknown";
	if ((f = fopen("/proc/cpuinfo", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL &&
	    !(got_model && got_flags)) {
		line[strcspn(line, "\n")] = '\0';
		if ((p = strchr(line, ':')) == NULL)
			continue;
		*p++ = '\0';
		p += strspn(p, " \t");
		if (!got_model && (strncmp(line, "model name", 10) == 0 ||
		    strncmp(line, "Model", 5) == 0)) {
			snprintf(model, modellen, "%s", p);
			got_model = 1;
		} else if (!got_flags && (strncmp(line, "flags", 5) == 0 ||
		    strncmp(line, "Features", 8) == 0)) {
			*aes = "no";
			for (tok = strtok_r(p, " \t", &save); tok != NULL;
			    tok = strtok_r(NULL, " \t", &save))
				if (strcmp(tok, "aes") == 0)
					*aes = "yes";
			got_flags = 1;
		}
	}
	fclose(f);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench-milenage [--rounds N] [--seconds S] "
	    "[--json]\n"
	    "  --rounds N    rounds per implementation, 1..999 (default %d)\n"
	    "  --seconds S   length of one round, 0.01..60 (default %.1f)\n"
	    "  --json        one JSON object instead of text lines\n",
	    ROUNDS_DEFAULT, SECONDS_DEFAULT);
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct bench b;
	double r_av[1000], r_all[1000], r_osmo[1000];
	struct impl impls[] = {
		{ "milenage-vector", "utstack", run_ours_av, r_av },
		{ "milenage-vector", "libosmocore", run_osmo, r_osmo },
		{ "milenage-all", "utstack", run_ours_all, r_all },
	};
	const int nimpl = (int)(sizeof(impls) / sizeof(impls[0]));
	struct stats st[3];
	char model[256], *end;
	const char *aes;
	double seconds = SECONDS_DEFAULT;
	long rounds = ROUNDS_DEFAULT;
	int json = 0, i, k, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
			errno = 0;
			rounds = strtol(argv[++i], &end, 10);
			if (errno || *end != '\0' || rounds < 1 || rounds > 999)
				usage();
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			errno = 0;
			seconds = strtod(argv[++i], &end);
			if (errno || *end != '\0' || !(seconds >= 0.01 &&
			    seconds <= 60))
				usage();
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			usage();
	}

	memset(&b, 0, sizeof(b));
	milenage_init(&b.m, ts1_k, ts1_opc);
	b.aud.type = OSMO_AUTH_TYPE_UMTS;
	b.aud.algo = OSMO_AUTH_ALG_MILENAGE;
	memcpy(b.aud.u.umts.k, ts1_k, 16);
	memcpy(b.aud.u.umts.opc, ts1_opc, 16);
	memcpy(b.aud.u.umts.amf, ts1_amf, 2);
	b.aud.u.umts.opc_is_op = 0;
	b.aud.u.umts.ind_bitlen = AKA_IND_BITS;
	if (!osmo_auth_supported(OSMO_AUTH_ALG_MILENAGE))
		die("libosmocore has no Milenage implementation registered");

	cross_check(&b);

	/* Timed runs start from one SQN; libosmocore steps its own. */
	b.ctr = 1;
	b.aud.u.umts.ind = IND;
	b.aud.u.umts.sqn = AKA_SQN_MAKE(0, IND);

	for (k = 0; k < nimpl; k++)
		(void)round_rate(&b, &impls[k], WARMUP_SECONDS);
	for (r = 0; r < rounds; r++)
		for (k = 0; k < nimpl; k++) {
			/* Alternate the order so no one always goes first. */
			const struct impl *im = &impls[r % 2 ? nimpl - 1 - k : k];

			im->rate[r] = round_rate(&b, im, seconds);
		}
	for (k = 0; k < nimpl; k++)
		st[k] = summarise(impls[k].rate, (int)rounds);

	cpu_info(model, sizeof(model), &aes);
	if (json) {
		printf("{\"bench\":\"milenage\",\"cpu\":\"%s\",\"aes_ni\":\"%s\","
		    "\"cc\":\"%s\",\"cflags\":\"%s\",\"libosmocore\":\"%s\","
		    "\"rounds\":%ld,\"seconds\":%.3f,\"cross_check\":%d,"
		    "\"results\":[", model, aes, __VERSION__, BENCH_CFLAGS,
		    BENCH_OSMO_VERSION, rounds, seconds, CROSS_CHECKS + 1);
		for (k = 0; k < nimpl; k++)
			printf("%s{\"figure\":\"%s\",\"impl\":\"%s\","
			    "\"median\":%.0f,\"min\":%.0f,\"max\":%.0f}",
			    k ? "," : "", impls[k].figure, impls[k].name,
			    st[k].median, st[k].min, st[k].max);
		printf("],\"ratio\":%.2f}\n", st[0].median / st[1].median);
	} else {
		printf("# bench-milenage: Milenage authentication vectors/s, "
		    "one core, K/OPc of Test Set 1\n");
		printf("# cpu: %s\n", model);
		printf("# aes-ni: %s\n", aes);
		printf("# cc: %s; cflags: %s\n", __VERSION__, BENCH_CFLAGS);
		printf("# libosmocore %s: osmo_auth_gen_vec (its vector also "
		    "has GSM Kc/SRES)\n", BENCH_OSMO_VERSION);
		printf("# %ld rounds of %.2f s each, interleaved; median of "
		    "per-round rates\n", rounds, seconds);
		printf("cross-check: %d vectors identical (AUTN RES CK IK), "
		    "Test Set 1 ok\n", CROSS_CHECKS + 1);
		for (k = 0; k < nimpl; k++)
			printf("%s %s median=%.0f/s min=%.0f max=%.0f "
			    "rounds=%ld\n", impls[k].figure, impls[k].name,
			    st[k].median, st[k].min, st[k].max, rounds);
		printf("ratio utstack/libosmocore=%.1f\n",
		    st[0].median / st[1].median);
	}

	milenage_clear(&b.m);
	secret_wipe(&b.aud, sizeof(b.aud));
	return 0;
}
