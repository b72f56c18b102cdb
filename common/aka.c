/*
 * aka.c — UMTS AKA after 3GPP TS 33.102: authentication vectors (6.3.2),
 * AUTN verification and AUTS on the UE side (6.3.3), AUTS verification for
 * resynchronisation (6.3.5), and sequence numbers after Annex C
 * (SQN = SEQ || IND, IND 5 bits, an array of 32 SEQ_MS values in the UE).
 */
#include <string.h>

#include "aka.h"
#include "crypto.h"
#include "secret.h"

/* AMF* = 0000, the dummy AMF of MAC-S in AUTS (TS 33.102 6.3.3). */
static const uint8_t amf_star[AKA_AMF_LEN] = { 0x00, 0x00 };

uint64_t
aka_sqn_get(const uint8_t sqn[6])
{
	return (uint64_t)sqn[0] << 40 | (uint64_t)sqn[1] << 32 |
	    (uint64_t)sqn[2] << 24 | (uint64_t)sqn[3] << 16 |
	    (uint64_t)sqn[4] << 8 | (uint64_t)sqn[5];
}

void
aka_sqn_put(uint64_t sqn, uint8_t out[6])
{
	out[0] = (uint8_t)(sqn >> 40);
	out[1] = (uint8_t)(sqn >> 32);
	out[2] = (uint8_t)(sqn >> 24);
	out[3] = (uint8_t)(sqn >> 16);
	out[4] = (uint8_t)(sqn >> 8);
	out[5] = (uint8_t)sqn;
}

/* --- network side: vectors ---------------------------------------------- */

void
aka_av_from_rand(const struct milenage *m, const uint8_t rand[16],
    const uint8_t sqn[6], const uint8_t amf[2], struct aka_av *av)
{
	uint8_t temp[MILENAGE_TEMP_LEN], ak[MILENAGE_AK_LEN];
	int i;

	memmove(av->rand, rand, AKA_RAND_LEN);
	memset(av->xres, 0, sizeof(av->xres));
	av->xres_len = MILENAGE_RES_LEN;

	/* One TEMP for OUT1 (MAC-A) and OUT2..OUT4 (AK, XRES, CK, IK). */
	milenage_temp(m, rand, temp);
	milenage_f2345_from_temp(m, temp, av->xres, av->ck, av->ik, ak, NULL);
	milenage_f1_from_temp(m, temp, sqn, amf, av->autn + 8, NULL);

	/* AUTN = (SQN ^ AK) || AMF || MAC-A */
	for (i = 0; i < AKA_SQN_LEN; i++)
		av->autn[i] = sqn[i] ^ ak[i];
	memcpy(av->autn + 6, amf, AKA_AMF_LEN);

	secret_wipe(temp, sizeof(temp));
	secret_wipe(ak, sizeof(ak));
}

int
aka_av_generate(const struct milenage *m, const uint8_t sqn[6],
    const uint8_t amf[2], struct aka_av *av)
{
	uint8_t rand[AKA_RAND_LEN];

	/* RAND must be unpredictable (33.102 6.3.2): key-grade generator. */
	if (crypto_random(rand, sizeof(rand), 1) == -1) {
		aka_av_clear(av);
		return -1;
	}
	aka_av_from_rand(m, rand, sqn, amf, av);
	return 0;
}

void
aka_av_clear(struct aka_av *av)
{
	if (av != NULL)
		secret_wipe(av, sizeof(*av));
}

/* --- sequence numbers, UE side (Annex C.2) ------------------------------- */

void
aka_sqn_ms_init(struct aka_sqn_ms *s)
{
	memset(s, 0, sizeof(*s));
	s->delta = AKA_DELTA_DEFAULT;
	s->limit_l = AKA_LIMIT_L_DEFAULT;
}

/* Slot holding the highest SEQ_MS(i); the lowest such i on a tie. */
static unsigned int
highest_slot(const struct aka_sqn_ms *s)
{
	unsigned int i, best = 0;

	for (i = 1; i < AKA_IND_SLOTS; i++)
		if (s->seq[i] > s->seq[best])
			best = i;
	return best;
}

/*
 * The freshness rule of Annex C.2, with SEQ_MS the highest entry of the
 * array (C.2.1 defines SEQ_MS as "the highest previously accepted" SEQ; the
 * USIM reports it as SQN_MS). All three tests work on SEQ, never on the
 * whole SQN, so Δ and L count SEQ steps, not SQN values.
 *
 * Δ (C.2.1): accept only if SEQ - SEQ_MS <= Δ. Only a forward jump can
 * break it; an older SEQ is left to the two tests below.
 *
 * L (C.2.2, "the USIM shall also be able to put a limit L on the difference
 * between SEQ_MS and a received SEQ"): accept only if SEQ_MS - SEQ < L,
 * i.e. reject when SEQ_MS - SEQ >= L. Read as written: strict "<", against
 * the highest SEQ_MS rather than SEQ_MS(IND) (the per-slot test is the
 * next one), and in SEQ steps. The project's decision table gives L = 32,
 * the number of IND slots: with the HE of aka_sqn_he_next() (SEQ + 1 and
 * the next IND for every vector) a vector is then accepted only while it
 * is one of the 32 most recent ones issued, counted back from the newest
 * the UE accepted; the slot test alone would also let an older vector
 * through whenever the later vectors of its slot were never used. Reading
 * L in SQN values instead would make L = 32 mean "at most one SEQ behind"
 * and reject ordinary out-of-order use of vectors, which the array exists
 * to allow.
 *
 * Per slot (C.2.2): fresh if SEQ > SEQ_MS(IND); SEQ <= SEQ_MS(IND) is a
 * replay or an older vector overtaken in its slot.
 */
int
aka_sqn_ms_check(const struct aka_sqn_ms *s, uint64_t sqn)
{
	uint64_t seq = AKA_SQN_SEQ(sqn), seq_ms;
	unsigned int ind = AKA_SQN_IND(sqn);

	seq_ms = s->seq[highest_slot(s)];
	if (seq > seq_ms && seq - seq_ms > s->delta)
		return -1;
	if (s->limit_l != 0 && seq < seq_ms && seq_ms - seq >= s->limit_l)
		return -1;
	if (seq <= s->seq[ind])
		return -1;
	return 0;
}

void
aka_sqn_ms_update(struct aka_sqn_ms *s, uint64_t sqn)
{
	uint64_t seq = AKA_SQN_SEQ(sqn);
	unsigned int ind = AKA_SQN_IND(sqn);

	if (seq > s->seq[ind])
		s->seq[ind] = seq;
}

uint64_t
aka_sqn_ms_highest(const struct aka_sqn_ms *s)
{
	unsigned int i = highest_slot(s);

	return AKA_SQN_MAKE(s->seq[i], i);
}

/* --- sequence numbers, HE side (Annex C.1, C.3) -------------------------- */

/*
 * Annex C leaves to the HE how IND values are allocated (C.3 sketches
 * choices such as one IND per serving node or domain, so that vectors
 * held by different nodes do not overtake each other in one slot). Here
 * the one consumer of vectors is the BSF, which may hold several at once
 * (concurrent or abandoned bootstrappings, nonces that expire unused) and
 * use them in any order. Giving every vector the next IND round-robin, and
 * SEQ + 1 (profile 1 of C.1.1: a plain per-user counter, not time-based),
 * puts up to 32 consecutive vectors in 32 different slots, so any of them
 * is still accepted after a later one was used, until that slot comes
 * round again. SEQ rising by one per vector also makes L (see above) count
 * vectors, which is what L = 32 = the slot count is meant to match.
 */
uint64_t
aka_sqn_he_next(uint64_t sqn_he)
{
	return AKA_SQN_MAKE(AKA_SQN_SEQ(sqn_he) + 1, AKA_SQN_IND(sqn_he) + 1);
}

/*
 * 6.3.5: once MAC-S has verified, the HE sets SQN_HE to SQN_MS. The next
 * vector then carries SEQ_MS + 1, which is above every SEQ_MS(i), one step
 * from the highest (within Δ and L), and so fresh in whatever slot it
 * lands. It may repeat an SQN of a vector the UE never used; that vector
 * had another RAND, so nothing is replayed.
 */
uint64_t
aka_sqn_he_resync(uint64_t sqn_ms)
{
	return sqn_ms & AKA_SQN_MASK;
}

/* --- UE side: AUTN and AUTS ---------------------------------------------- */

const char *
aka_status_str(enum aka_status st)
{
	switch (st) {
	case AKA_OK:
		return "ok";
	case AKA_MAC_FAILURE:
		return "MAC failure";
	case AKA_SYNC_FAILURE:
		return "synchronisation failure";
	}
	return "unknown AKA status";
}

void
aka_result_clear(struct aka_result *r)
{
	if (r != NULL)
		secret_wipe(r, sizeof(*r));
}

/* AUTS = (SQN_MS ^ AK*) || MAC-S, from a TEMP already computed. */
static void
auts_from_temp(const struct milenage *m, const uint8_t temp[16],
    const uint8_t sqn_ms[6], uint8_t auts[14])
{
	uint8_t ak_star[MILENAGE_AK_LEN];
	int i;

	milenage_f2345_from_temp(m, temp, NULL, NULL, NULL, NULL, ak_star);
	milenage_f1_from_temp(m, temp, sqn_ms, amf_star, NULL, auts + 6);
	for (i = 0; i < AKA_SQN_LEN; i++)
		auts[i] = sqn_ms[i] ^ ak_star[i];
	secret_wipe(ak_star, sizeof(ak_star));
}

enum aka_status
aka_autn_check(const struct milenage *m, struct aka_sqn_ms *s,
    const uint8_t rand[16], const uint8_t autn[16], struct aka_result *out,
    uint8_t auts[14])
{
	uint8_t temp[MILENAGE_TEMP_LEN], ak[MILENAGE_AK_LEN];
	uint8_t res[MILENAGE_RES_LEN], sqn[AKA_SQN_LEN];
	uint8_t xmac[AKA_MAC_LEN], sqn_ms[AKA_SQN_LEN];
	uint64_t sqn_n;
	enum aka_status st;
	int i;

	/* AUTN = (SQN ^ AK) || AMF || MAC-A; OUT2 gives AK and RES at once. */
	milenage_temp(m, rand, temp);
	milenage_f2345_from_temp(m, temp, res, NULL, NULL, ak, NULL);
	for (i = 0; i < AKA_SQN_LEN; i++)
		sqn[i] = autn[i] ^ ak[i];

	/* 6.3.3: XMAC = f1(SQN, AMF) must equal MAC-A before SQN is looked
	 * at; a forged AUTN must not move or reveal the UE's state. */
	milenage_f1_from_temp(m, temp, sqn, autn + 6, xmac, NULL);
	if (!ct_memeq(xmac, autn + 8, AKA_MAC_LEN)) {
		st = AKA_MAC_FAILURE;
		goto done;
	}

	/* 6.3.3 / Annex C.2: SQN in range and fresh, else resynchronise with
	 * the highest accepted SQN (SQN_MS). */
	sqn_n = aka_sqn_get(sqn);
	if (aka_sqn_ms_check(s, sqn_n) == -1) {
		if (auts != NULL) {
			aka_sqn_put(aka_sqn_ms_highest(s), sqn_ms);
			auts_from_temp(m, temp, sqn_ms, auts);
		}
		st = AKA_SYNC_FAILURE;
		goto done;
	}

	memset(out, 0, sizeof(*out));
	memcpy(out->res, res, MILENAGE_RES_LEN);
	out->res_len = MILENAGE_RES_LEN;
	milenage_f2345_from_temp(m, temp, NULL, out->ck, out->ik, NULL, NULL);
	memcpy(out->sqn, sqn, AKA_SQN_LEN);
	memcpy(out->amf, autn + 6, AKA_AMF_LEN);
	aka_sqn_ms_update(s, sqn_n);
	st = AKA_OK;

done:
	secret_wipe(temp, sizeof(temp));
	secret_wipe(ak, sizeof(ak));
	secret_wipe(res, sizeof(res));
	secret_wipe(xmac, sizeof(xmac));
	return st;
}

void
aka_auts_generate(const struct milenage *m, const uint8_t rand[16],
    const uint8_t sqn_ms[6], uint8_t auts[14])
{
	uint8_t temp[MILENAGE_TEMP_LEN];

	milenage_temp(m, rand, temp);
	auts_from_temp(m, temp, sqn_ms, auts);
	secret_wipe(temp, sizeof(temp));
}

int
aka_auts_verify(const struct milenage *m, const uint8_t rand[16],
    const uint8_t auts[14], uint8_t sqn_ms[6])
{
	uint8_t temp[MILENAGE_TEMP_LEN], ak_star[MILENAGE_AK_LEN];
	uint8_t sqn[AKA_SQN_LEN], xmac_s[AKA_MAC_LEN];
	int i, rc = -1;

	/* SQN_MS = (SQN_MS ^ AK*) ^ f5*(RAND); XMAC-S = f1*(SQN_MS, AMF*). */
	milenage_temp(m, rand, temp);
	milenage_f2345_from_temp(m, temp, NULL, NULL, NULL, NULL, ak_star);
	for (i = 0; i < AKA_SQN_LEN; i++)
		sqn[i] = auts[i] ^ ak_star[i];
	milenage_f1_from_temp(m, temp, sqn, amf_star, NULL, xmac_s);
	if (ct_memeq(xmac_s, auts + 6, AKA_MAC_LEN)) {
		memcpy(sqn_ms, sqn, AKA_SQN_LEN);
		rc = 0;
	}
	secret_wipe(temp, sizeof(temp));
	secret_wipe(ak_star, sizeof(ak_star));
	secret_wipe(xmac_s, sizeof(xmac_s));
	return rc;
}
