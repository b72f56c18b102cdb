/*
 * test_aka.c — AKA vectors, AUTN checks, AUTS and Annex C sequence numbers
 * (common/aka.c). Published data: the AUTS vectors of GBA.md §5.4 (hostapd
 * tests/test-milenage.c, Test Set 20 K/OPc). GBA.md §7.1/§7.2 values are
 * LOCAL (computed by an independent implementation), a consistency check.
 */
#include <string.h>

#include "aka.h"
#include "hex.h"
#include "suites.h"

#include "milenage_sets.h"

/* Milenage state, RAND, SQN and AMF of test set `i` (0-based). */
static void
set_load(int i, struct milenage *m, uint8_t rand[16], uint8_t sqn[6],
    uint8_t amf[2])
{
	const struct milenage_set *t = &milenage_sets[i];
	uint8_t k[16], opc[16];

	test_unhex(t->k, k, sizeof(k));
	test_unhex(t->opc, opc, sizeof(opc));
	milenage_init(m, k, opc);
	if (rand != NULL)
		test_unhex(t->rand, rand, 16);
	if (sqn != NULL)
		test_unhex(t->sqn, sqn, 6);
	if (amf != NULL)
		test_unhex(t->amf, amf, 2);
}

/* A UE whose highest accepted SQN is `sqn` (so that SEQ + 1 is fresh). */
static void
ue_at(struct aka_sqn_ms *s, uint64_t sqn)
{
	aka_sqn_ms_init(s);
	aka_sqn_ms_update(s, sqn);
	ck_assert_uint_eq(aka_sqn_ms_highest(s), sqn);
}

/* A vector for SQN `sqn` (a number) with a fixed RAND derived from it. */
static void
av_for(const struct milenage *m, uint64_t sqn, const uint8_t amf[2],
    struct aka_av *av)
{
	uint8_t rand[16], sqnb[6];

	memset(rand, 0x3c, sizeof(rand));
	aka_sqn_put(sqn, rand);		/* distinct RAND per SQN */
	aka_sqn_put(sqn, sqnb);
	aka_av_from_rand(m, rand, sqnb, amf, av);
}

static const uint8_t amf_8000[2] = { 0x80, 0x00 };

START_TEST(test_sqn_get_put)
{
	uint8_t b[6];
	uint64_t sqn;

	test_unhex("ff9bb4d0b607", b, 6);
	sqn = aka_sqn_get(b);
	ck_assert_uint_eq(sqn, 0xff9bb4d0b607ULL);
	ck_assert_uint_eq(AKA_SQN_IND(sqn), 0x07);
	ck_assert_uint_eq(AKA_SQN_SEQ(sqn), 0xff9bb4d0b607ULL >> 5);
	ck_assert_uint_eq(AKA_SQN_MAKE(AKA_SQN_SEQ(sqn), AKA_SQN_IND(sqn)),
	    sqn);

	memset(b, 0, sizeof(b));
	aka_sqn_put(0xabcd000000000001ULL, b);	/* only the low 48 bits */
	ck_assert_hex(b, 6, "000000000001");
	aka_sqn_put(0x0000123456789abcULL, b);
	ck_assert_hex(b, 6, "123456789abc");
	ck_assert_uint_eq(aka_sqn_get(b), 0x123456789abcULL);
}
END_TEST

/*
 * GBA.md §5.4: hostapd's two AUTS checks, Test Set 20 K/OPc, AMF* = 0000.
 */
static const struct {
	const char	*rand, *auts, *sqn_ms;
} auts_vectors[] = {
	{ "9fddc72092c6ad036b6e464789315b78",
	  "4f2039392ddd4bb4316ed4a14688", "000000000001" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "43681ad3daf006bcde405a207267", "00000000002a" },
};

static void
set20_load(struct milenage *m)
{
	uint8_t k[16], opc[16];

	test_unhex("90dca4eda45b53cf0f12d7c9c3bc6a89", k, 16);
	test_unhex("cb9cccc4b9258e6dca4760379fb82581", opc, 16);
	milenage_init(m, k, opc);
}

START_TEST(test_auts_set20_verify)
{
	struct milenage m;
	uint8_t rand[16], auts[14], sqn_ms[6];

	set20_load(&m);
	test_unhex(auts_vectors[_i].rand, rand, 16);
	test_unhex(auts_vectors[_i].auts, auts, 14);
	memset(sqn_ms, 0xee, sizeof(sqn_ms));
	ck_assert_int_eq(aka_auts_verify(&m, rand, auts, sqn_ms), 0);
	ck_assert_hex(sqn_ms, 6, auts_vectors[_i].sqn_ms);

	/* One bit off in MAC-S, or in the concealed SQN_MS: refused, and
	 * sqn_ms is left alone. */
	auts[13] ^= 0x01;
	memset(sqn_ms, 0xee, sizeof(sqn_ms));
	ck_assert_int_eq(aka_auts_verify(&m, rand, auts, sqn_ms), -1);
	ck_assert_hex(sqn_ms, 6, "eeeeeeeeeeee");
	auts[13] ^= 0x01;
	auts[5] ^= 0x01;
	ck_assert_int_eq(aka_auts_verify(&m, rand, auts, sqn_ms), -1);
	milenage_clear(&m);
}
END_TEST

START_TEST(test_auts_set20_generate)
{
	struct milenage m;
	uint8_t rand[16], auts[14], sqn_ms[6];

	set20_load(&m);
	test_unhex(auts_vectors[_i].rand, rand, 16);
	test_unhex(auts_vectors[_i].sqn_ms, sqn_ms, 6);
	aka_auts_generate(&m, rand, sqn_ms, auts);
	ck_assert_hex(auts, 14, auts_vectors[_i].auts);
	milenage_clear(&m);
}
END_TEST

/* GBA.md §7.1 [LOCAL]: Test Set 1's vector and AUTN. */
START_TEST(test_gba_7_1_vector)
{
	struct milenage m;
	struct aka_av av;
	uint8_t rand[16], sqn[6], amf[2];

	set_load(0, &m, rand, sqn, amf);
	memset(&av, 0xa5, sizeof(av));
	aka_av_from_rand(&m, rand, sqn, amf, &av);
	ck_assert_hex(av.rand, 16, "23553cbe9637a89d218ae64dae47bf35");
	ck_assert_hex(av.autn, 16, "55f328b43577b9b94a9ffac354dfafb3");
	ck_assert_uint_eq(av.xres_len, 8);
	ck_assert_hex(av.xres, 8, "a54211d5e3ba50bf");
	ck_assert_hex(av.ck, 16, "b40ba9a3c58b2a05bbf0d987b21bf8cb");
	ck_assert_hex(av.ik, 16, "f769bcd751044604127672711c6d3441");
	aka_av_clear(&av);
	milenage_clear(&m);
}
END_TEST

/* The UE side of §7.1: the AUTN verifies and yields RES, CK, IK. */
START_TEST(test_gba_7_1_check)
{
	struct milenage m;
	struct aka_sqn_ms s;
	struct aka_result r;
	uint8_t rand[16], autn[16], auts[14];

	set_load(0, &m, rand, NULL, NULL);
	test_unhex("55f328b43577b9b94a9ffac354dfafb3", autn, 16);
	/* SQN ff9bb4d0b607 is far beyond Δ for a new USIM; start the UE one
	 * SEQ below it. */
	ue_at(&s, 0xff9bb4d0b607ULL - 32);
	ck_assert_int_eq(aka_autn_check(&m, &s, rand, autn, &r, auts), AKA_OK);
	ck_assert_uint_eq(r.res_len, 8);
	ck_assert_hex(r.res, 8, "a54211d5e3ba50bf");
	ck_assert_hex(r.ck, 16, "b40ba9a3c58b2a05bbf0d987b21bf8cb");
	ck_assert_hex(r.ik, 16, "f769bcd751044604127672711c6d3441");
	ck_assert_hex(r.sqn, 6, "ff9bb4d0b607");
	ck_assert_hex(r.amf, 2, "b9b9");
	ck_assert_uint_eq(aka_sqn_ms_highest(&s), 0xff9bb4d0b607ULL);
	aka_result_clear(&r);
	milenage_clear(&m);
}
END_TEST

/* GBA.md §7.2 [LOCAL]: AUTS for SQN_MS ff9bb4d0b607, both ways, and as
 * the UE's answer to a replay of the §7.1 AUTN. */
START_TEST(test_gba_7_2_auts)
{
	struct milenage m;
	struct aka_sqn_ms s;
	struct aka_result r;
	uint8_t rand[16], sqn[6], autn[16], auts[14], sqn_ms[6];

	set_load(0, &m, rand, sqn, NULL);
	aka_auts_generate(&m, rand, sqn, auts);
	ck_assert_hex(auts, 14, "ba853f3c123ccf44e93596e355c6");
	ck_assert_int_eq(aka_auts_verify(&m, rand, auts, sqn_ms), 0);
	ck_assert_hex(sqn_ms, 6, "ff9bb4d0b607");

	test_unhex("55f328b43577b9b94a9ffac354dfafb3", autn, 16);
	ue_at(&s, 0xff9bb4d0b607ULL);
	memset(auts, 0, sizeof(auts));
	ck_assert_int_eq(aka_autn_check(&m, &s, rand, autn, &r, auts),
	    AKA_SYNC_FAILURE);
	ck_assert_hex(auts, 14, "ba853f3c123ccf44e93596e355c6");
	milenage_clear(&m);
}
END_TEST

/* av_from_rand -> autn_check, on every test set's K/OPc/RAND/AMF. */
START_TEST(test_round_trip)
{
	struct milenage m;
	struct aka_sqn_ms s;
	struct aka_av av;
	struct aka_result r;
	uint8_t rand[16], sqn[6], amf[2], auts[14];
	uint64_t sqn_he;

	set_load(_i, &m, rand, NULL, amf);
	aka_sqn_ms_init(&s);
	sqn_he = aka_sqn_he_next(0x1234 << AKA_IND_BITS);
	aka_sqn_put(sqn_he, sqn);
	aka_av_from_rand(&m, rand, sqn, amf, &av);

	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, auts),
	    AKA_OK);
	ck_assert_uint_eq(r.res_len, av.xres_len);
	ck_assert_mem_eq(r.res, av.xres, av.xres_len);
	ck_assert_mem_eq(r.ck, av.ck, 16);
	ck_assert_mem_eq(r.ik, av.ik, 16);
	ck_assert_mem_eq(r.sqn, sqn, 6);
	ck_assert_mem_eq(r.amf, amf, 2);
	ck_assert_mem_eq(av.autn + 6, amf, 2);
	ck_assert_uint_eq(aka_sqn_ms_highest(&s), sqn_he);
	ck_assert_uint_eq(s.seq[AKA_SQN_IND(sqn_he)], AKA_SQN_SEQ(sqn_he));
	aka_av_clear(&av);
	aka_result_clear(&r);
	milenage_clear(&m);
}
END_TEST

/* One flipped AUTN bit (in SQN^AK, AMF or MAC-A): MAC failure, and the UE
 * state, the result and AUTS are untouched. */
START_TEST(test_mac_failure)
{
	static const int bits[] = { 0, 47, 48, 63, 64, 127 };
	struct milenage m;
	struct aka_sqn_ms s, before;
	struct aka_av av;
	struct aka_result r, r0;
	uint8_t auts[14], auts0[14];
	uint64_t sqn = AKA_SQN_MAKE(500, 3);
	int bit = bits[_i];

	set_load(0, &m, NULL, NULL, NULL);
	ue_at(&s, AKA_SQN_MAKE(499, 2));
	before = s;
	av_for(&m, sqn, amf_8000, &av);
	av.autn[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));

	memset(&r, 0x5a, sizeof(r));
	r0 = r;
	memset(auts, 0x5a, sizeof(auts));
	memcpy(auts0, auts, sizeof(auts));
	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, auts),
	    AKA_MAC_FAILURE);
	ck_assert_mem_eq(&s, &before, sizeof(s));
	ck_assert_mem_eq(&r, &r0, sizeof(r));
	ck_assert_mem_eq(auts, auts0, sizeof(auts));

	/* The intact AUTN still works afterwards. */
	av.autn[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, auts),
	    AKA_OK);
	aka_av_clear(&av);
	milenage_clear(&m);
}
END_TEST

/* The same AUTN twice: sync failure, with an AUTS the HE accepts and whose
 * SQN_MS is the UE's highest. */
START_TEST(test_replay)
{
	struct milenage m;
	struct aka_sqn_ms s, before;
	struct aka_av av;
	struct aka_result r;
	uint8_t auts[14], sqn_ms[6];
	uint64_t sqn = AKA_SQN_MAKE(77, 9);

	set_load(1, &m, NULL, NULL, NULL);
	ue_at(&s, AKA_SQN_MAKE(60, 30));
	av_for(&m, sqn, amf_8000, &av);
	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, auts),
	    AKA_OK);
	ck_assert_uint_eq(aka_sqn_ms_highest(&s), sqn);

	before = s;
	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, auts),
	    AKA_SYNC_FAILURE);
	ck_assert_mem_eq(&s, &before, sizeof(s));
	ck_assert_int_eq(aka_auts_verify(&m, av.rand, auts, sqn_ms), 0);
	ck_assert_uint_eq(aka_sqn_get(sqn_ms), aka_sqn_ms_highest(&s));
	ck_assert_uint_eq(aka_sqn_get(sqn_ms), sqn);

	/* AUTS is optional for the caller. */
	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, NULL),
	    AKA_SYNC_FAILURE);
	aka_av_clear(&av);
	milenage_clear(&m);
}
END_TEST

/* C.2.1: SEQ may run ahead of SEQ_MS by at most Δ. */
START_TEST(test_delta)
{
	struct milenage m;
	struct aka_sqn_ms s;
	struct aka_av av;
	struct aka_result r;
	uint8_t rand[16], sqn[6], amf[2], auts[14], sqn_ms[6];

	aka_sqn_ms_init(&s);
	ck_assert_uint_eq(s.delta, 1ULL << 28);
	ck_assert_int_eq(aka_sqn_ms_check(&s, AKA_SQN_MAKE(1ULL << 28, 0)), 0);
	ck_assert_int_eq(aka_sqn_ms_check(&s,
	    AKA_SQN_MAKE((1ULL << 28) + 1, 0)), -1);

	ue_at(&s, AKA_SQN_MAKE(1000, 5));
	ck_assert_int_eq(aka_sqn_ms_check(&s,
	    AKA_SQN_MAKE(1000 + (1ULL << 28), 6)), 0);
	ck_assert_int_eq(aka_sqn_ms_check(&s,
	    AKA_SQN_MAKE(1000 + (1ULL << 28) + 1, 6)), -1);

	/* Through AUTN: Test Set 1's SQN on a new USIM is a jump of ~2^42
	 * SEQ; the AUTS reports SQN_MS = 0. */
	set_load(0, &m, rand, sqn, amf);
	aka_sqn_ms_init(&s);
	aka_av_from_rand(&m, rand, sqn, amf, &av);
	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, auts),
	    AKA_SYNC_FAILURE);
	ck_assert_int_eq(aka_auts_verify(&m, rand, auts, sqn_ms), 0);
	ck_assert_hex(sqn_ms, 6, "000000000000");
	aka_av_clear(&av);
	milenage_clear(&m);
}
END_TEST

/* C.2.2: one SEQ_MS per IND slot. */
START_TEST(test_ind_slots)
{
	struct milenage m;
	struct aka_sqn_ms s;
	struct aka_av av;
	struct aka_result r;
	uint8_t auts[14];

	ue_at(&s, AKA_SQN_MAKE(100, 3));
	/* Older SEQ in an unused slot: fresh. */
	ck_assert_int_eq(aka_sqn_ms_check(&s, AKA_SQN_MAKE(90, 4)), 0);
	/* Older or equal SEQ in the used slot: not fresh. */
	ck_assert_int_eq(aka_sqn_ms_check(&s, AKA_SQN_MAKE(95, 3)), -1);
	ck_assert_int_eq(aka_sqn_ms_check(&s, AKA_SQN_MAKE(100, 3)), -1);
	ck_assert_int_eq(aka_sqn_ms_check(&s, AKA_SQN_MAKE(101, 3)), 0);

	/* The same through AUTN, and the slot records it. */
	set_load(2, &m, NULL, NULL, NULL);
	av_for(&m, AKA_SQN_MAKE(90, 4), amf_8000, &av);
	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, auts),
	    AKA_OK);
	ck_assert_uint_eq(s.seq[4], 90);
	ck_assert_uint_eq(s.seq[3], 100);
	ck_assert_uint_eq(aka_sqn_ms_highest(&s), AKA_SQN_MAKE(100, 3));
	av_for(&m, AKA_SQN_MAKE(95, 3), amf_8000, &av);
	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, auts),
	    AKA_SYNC_FAILURE);
	ck_assert_uint_eq(s.seq[3], 100);

	/* update never lowers a slot. */
	aka_sqn_ms_update(&s, AKA_SQN_MAKE(50, 3));
	ck_assert_uint_eq(s.seq[3], 100);
	aka_av_clear(&av);
	milenage_clear(&m);
}
END_TEST

/* C.2.2 age limit: reject SEQ when SEQ_MS - SEQ >= L (L = 32 SEQ steps). */
START_TEST(test_age_limit)
{
	struct milenage m;
	struct aka_sqn_ms s;
	struct aka_av av;
	struct aka_result r;
	uint8_t auts[14];

	ue_at(&s, AKA_SQN_MAKE(100, 0));
	ck_assert_uint_eq(s.limit_l, 32);
	ck_assert_int_eq(aka_sqn_ms_check(&s, AKA_SQN_MAKE(69, 7)), 0);
	ck_assert_int_eq(aka_sqn_ms_check(&s, AKA_SQN_MAKE(68, 7)), -1);
	ck_assert_int_eq(aka_sqn_ms_check(&s, AKA_SQN_MAKE(1, 7)), -1);

	set_load(3, &m, NULL, NULL, NULL);
	av_for(&m, AKA_SQN_MAKE(68, 7), amf_8000, &av);
	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, auts),
	    AKA_SYNC_FAILURE);
	ck_assert_uint_eq(s.seq[7], 0);

	/* L = 0: no age limit, only the slot decides. */
	s.limit_l = 0;
	ck_assert_int_eq(aka_sqn_ms_check(&s, AKA_SQN_MAKE(1, 7)), 0);
	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, auts),
	    AKA_OK);
	ck_assert_uint_eq(s.seq[7], 68);
	aka_av_clear(&av);
	milenage_clear(&m);
}
END_TEST

/* HE: SEQ + 1 and IND round-robin; 32 vectors used in any order pass. */
START_TEST(test_he_next)
{
	struct milenage m;
	struct aka_sqn_ms s;
	struct aka_av av[AKA_IND_SLOTS + 1];
	struct aka_result r;
	uint8_t auts[14];
	uint64_t sqn_he = 0, sqns[AKA_IND_SLOTS + 1];
	int i;

	ck_assert_uint_eq(aka_sqn_he_next(0), AKA_SQN_MAKE(1, 1));
	ck_assert_uint_eq(aka_sqn_he_next(AKA_SQN_MAKE(7, 31)),
	    AKA_SQN_MAKE(8, 0));
	ck_assert_uint_eq(aka_sqn_he_next(AKA_SQN_MASK), AKA_SQN_MAKE(0, 0));

	set_load(4, &m, NULL, NULL, NULL);
	aka_sqn_ms_init(&s);
	for (i = 0; i < AKA_IND_SLOTS + 1; i++) {
		sqn_he = aka_sqn_he_next(sqn_he);
		sqns[i] = sqn_he;
		av_for(&m, sqn_he, amf_8000, &av[i]);
	}
	/* Vectors 1..32 (32 distinct slots) used newest first: all fresh. */
	for (i = AKA_IND_SLOTS; i >= 1; i--)
		ck_assert_msg(aka_autn_check(&m, &s, av[i].rand, av[i].autn,
		    &r, auts) == AKA_OK, "vector %d refused", i);
	ck_assert_uint_eq(aka_sqn_ms_highest(&s), sqns[AKA_IND_SLOTS]);
	/* Vector 0 shares its slot with vector 32: no longer fresh. */
	ck_assert_uint_eq(AKA_SQN_IND(sqns[0]), AKA_SQN_IND(sqns[32]));
	ck_assert_int_eq(aka_autn_check(&m, &s, av[0].rand, av[0].autn, &r,
	    auts), AKA_SYNC_FAILURE);
	for (i = 0; i < AKA_IND_SLOTS + 1; i++)
		aka_av_clear(&av[i]);
	milenage_clear(&m);
}
END_TEST

/*
 * HE out of step with the UE (ahead by more than Δ, or behind after a
 * restore): the UE answers with AUTS, the HE verifies it, resyncs, and the
 * next vector passes.
 */
START_TEST(test_resync)
{
	static const uint64_t he_start[] = {
		AKA_SQN_MAKE(5000 + (1ULL << 28) + 10, 0),	/* far ahead */
		AKA_SQN_MAKE(4000, 12),				/* behind */
		AKA_SQN_MAKE(5000, 17),				/* just used */
	};
	struct milenage m;
	struct aka_sqn_ms s;
	struct aka_av av;
	struct aka_result r;
	uint8_t auts[14], sqn_ms[6];
	uint64_t sqn_he = he_start[_i];

	set_load(5, &m, NULL, NULL, NULL);
	ue_at(&s, AKA_SQN_MAKE(5000, 17));

	sqn_he = aka_sqn_he_next(sqn_he);
	av_for(&m, sqn_he, amf_8000, &av);
	if (_i == 0 || _i == 1)
		ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r,
		    auts), AKA_SYNC_FAILURE);
	else {
		/* HE in step: fresh first time, then replay it. */
		ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r,
		    auts), AKA_OK);
		ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r,
		    auts), AKA_SYNC_FAILURE);
	}

	/* HE: verify AUTS with the RAND it sent, reset SQN_HE. */
	ck_assert_int_eq(aka_auts_verify(&m, av.rand, auts, sqn_ms), 0);
	ck_assert_uint_eq(aka_sqn_get(sqn_ms), aka_sqn_ms_highest(&s));
	sqn_he = aka_sqn_he_resync(aka_sqn_get(sqn_ms));
	ck_assert_uint_eq(sqn_he, aka_sqn_get(sqn_ms));

	sqn_he = aka_sqn_he_next(sqn_he);
	ck_assert_int_eq(aka_sqn_ms_check(&s, sqn_he), 0);
	av_for(&m, sqn_he, amf_8000, &av);
	ck_assert_int_eq(aka_autn_check(&m, &s, av.rand, av.autn, &r, auts),
	    AKA_OK);
	ck_assert_uint_eq(aka_sqn_ms_highest(&s), sqn_he);
	aka_av_clear(&av);
	aka_result_clear(&r);
	milenage_clear(&m);
}
END_TEST

/* RAND from the generator: different every time, and the vectors work. */
START_TEST(test_av_generate)
{
	struct milenage m;
	struct aka_sqn_ms s;
	struct aka_av a, b;
	struct aka_result r;
	uint8_t sqn[6], auts[14];
	uint64_t sqn_he = aka_sqn_he_next(0);

	set_load(0, &m, NULL, NULL, NULL);
	aka_sqn_ms_init(&s);
	aka_sqn_put(sqn_he, sqn);
	ck_assert_int_eq(aka_av_generate(&m, sqn, amf_8000, &a), 0);
	sqn_he = aka_sqn_he_next(sqn_he);
	aka_sqn_put(sqn_he, sqn);
	ck_assert_int_eq(aka_av_generate(&m, sqn, amf_8000, &b), 0);
	ck_assert(memcmp(a.rand, b.rand, 16) != 0);
	ck_assert(memcmp(a.xres, b.xres, 8) != 0);
	ck_assert_uint_eq(a.xres_len, 8);

	ck_assert_int_eq(aka_autn_check(&m, &s, a.rand, a.autn, &r, auts),
	    AKA_OK);
	ck_assert_mem_eq(r.res, a.xres, 8);
	ck_assert_int_eq(aka_autn_check(&m, &s, b.rand, b.autn, &r, auts),
	    AKA_OK);
	ck_assert_mem_eq(r.res, b.xres, 8);
	aka_av_clear(&a);
	aka_av_clear(&b);
	aka_result_clear(&r);
	milenage_clear(&m);
}
END_TEST

/* Clear functions wipe and accept NULL; status names. */
START_TEST(test_clear_and_names)
{
	static const uint8_t zero_av[sizeof(struct aka_av)];
	static const uint8_t zero_r[sizeof(struct aka_result)];
	struct aka_av av;
	struct aka_result r;

	memset(&av, 0xa5, sizeof(av));
	aka_av_clear(&av);
	ck_assert_mem_eq(&av, zero_av, sizeof(av));
	memset(&r, 0xa5, sizeof(r));
	aka_result_clear(&r);
	ck_assert_mem_eq(&r, zero_r, sizeof(r));
	aka_av_clear(NULL);
	aka_result_clear(NULL);

	ck_assert_str_eq(aka_status_str(AKA_OK), "ok");
	ck_assert_str_eq(aka_status_str(AKA_MAC_FAILURE), "MAC failure");
	ck_assert_str_eq(aka_status_str(AKA_SYNC_FAILURE),
	    "synchronisation failure");
	ck_assert_str_eq(aka_status_str((enum aka_status)7),
	    "unknown AKA status");
}
END_TEST

Suite *
suite_aka(void)
{
	Suite *s = suite_create("aka");
	TCase *tc;
	int nauts = (int)(sizeof(auts_vectors) / sizeof(auts_vectors[0]));

	tc = tcase_create("vectors");
	tcase_add_test(tc, test_sqn_get_put);
	tcase_add_loop_test(tc, test_auts_set20_verify, 0, nauts);
	tcase_add_loop_test(tc, test_auts_set20_generate, 0, nauts);
	tcase_add_test(tc, test_gba_7_1_vector);
	tcase_add_test(tc, test_gba_7_1_check);
	tcase_add_test(tc, test_gba_7_2_auts);
	suite_add_tcase(s, tc);

	tc = tcase_create("autn");
	tcase_add_loop_test(tc, test_round_trip, 0, (int)MILENAGE_SETS_N);
	tcase_add_loop_test(tc, test_mac_failure, 0, 6);
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_av_generate);
	tcase_add_test(tc, test_clear_and_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("sqn");
	tcase_add_test(tc, test_delta);
	tcase_add_test(tc, test_ind_slots);
	tcase_add_test(tc, test_age_limit);
	tcase_add_test(tc, test_he_next);
	tcase_add_loop_test(tc, test_resync, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}
