/*
 * aka.h — UMTS AKA (3GPP TS 33.102 clause 6.3) on top of Milenage:
 * authentication vectors and AUTN on the network side, AUTN verification
 * and AUTS on the UE side, and sequence number management after
 * TS 33.102 Annex C (SQN = SEQ || IND with a 5-bit IND).
 *
 * SQNs are 48-bit numbers carried in a uint64_t (the top 16 bits zero);
 * on the wire they are 6 octets, big-endian (aka_sqn_get/aka_sqn_put).
 */
#ifndef UTSTACK_AKA_H
#define UTSTACK_AKA_H

#include <stddef.h>
#include <stdint.h>

#include "milenage.h"

#define AKA_RAND_LEN	16
#define AKA_AUTN_LEN	16	/* (SQN ^ AK) || AMF || MAC-A */
#define AKA_AUTS_LEN	14	/* (SQN_MS ^ AK*) || MAC-S */
#define AKA_SQN_LEN	6
#define AKA_AMF_LEN	2
#define AKA_MAC_LEN	8
#define AKA_AK_LEN	6
#define AKA_CK_LEN	16
#define AKA_IK_LEN	16
#define AKA_RES_MAX	16	/* RES is 4..16 octets; Milenage gives 8 */
#define AKA_IND_BITS	5	/* IND = the low 5 bits of SQN */
#define AKA_IND_SLOTS	32	/* 2^AKA_IND_BITS entries SEQ_MS(i) */

#define AKA_SQN_MASK	0xffffffffffffULL	/* 48 bits */
/* SEQ and IND of a 48-bit SQN, and SQN = SEQ || IND. */
#define AKA_SQN_SEQ(sqn)	(((sqn) & AKA_SQN_MASK) >> AKA_IND_BITS)
#define AKA_SQN_IND(sqn)	((unsigned int)((sqn) & (AKA_IND_SLOTS - 1)))
#define AKA_SQN_MAKE(seq, ind)	\
	((((uint64_t)(seq) << AKA_IND_BITS) | ((ind) & (AKA_IND_SLOTS - 1))) & \
	AKA_SQN_MASK)

/* Annex C defaults, from the project's decision table (spec/README.md). */
#define AKA_DELTA_DEFAULT	(1ULL << 28)	/* Δ, in SEQ steps */
#define AKA_LIMIT_L_DEFAULT	32		/* L, in SEQ steps */

/* Read the 6-octet big-endian SQN at `sqn` as a number. */
uint64_t	aka_sqn_get(const uint8_t sqn[6]);
/* Write the low 48 bits of `sqn` as 6 octets, big-endian, to `out`. */
void		aka_sqn_put(uint64_t sqn, uint8_t out[6]);

/*
 * Network side (HSS/AuC): one authentication vector. Holds secrets (XRES,
 * CK, IK): wipe with aka_av_clear().
 */
struct aka_av {
	uint8_t		rand[AKA_RAND_LEN];
	uint8_t		autn[AKA_AUTN_LEN];
	uint8_t		xres[AKA_RES_MAX];
	size_t		xres_len;		/* octets of xres used: 8 */
	uint8_t		ck[AKA_CK_LEN];
	uint8_t		ik[AKA_IK_LEN];
};

/*
 * Generate a vector for the 6-octet `sqn` and 2-octet `amf` (TS 33.102
 * 6.3.2): RAND from the key-grade generator (crypto_random(..., 1)), then
 * as aka_av_from_rand(). Returns 0, or -1 if the generator failed (`av` is
 * then wiped).
 */
int	aka_av_generate(const struct milenage *m, const uint8_t sqn[6],
	    const uint8_t amf[2], struct aka_av *av);

/*
 * The vector of a given 16-octet `rand`: XRES = f2, CK = f3, IK = f4,
 * AUTN = (SQN ^ AK) || AMF || MAC-A with AK = f5 and MAC-A = f1(SQN, AMF).
 * TEMP is computed once (five AES operations).
 */
void	aka_av_from_rand(const struct milenage *m, const uint8_t rand[16],
	    const uint8_t sqn[6], const uint8_t amf[2], struct aka_av *av);

/* Wipe `av`. Accepts NULL. */
void	aka_av_clear(struct aka_av *av);

/*
 * UE side (USIM): the Annex C.2 state. seq[i] is SEQ_MS(i), the highest SEQ
 * accepted with IND = i; all zero on a new USIM. `delta` is Δ and `limit_l`
 * is L, both counted in SEQ steps (one SEQ step = 32 SQN values);
 * limit_l = 0 means no age limit.
 *
 * Freshness rule (aka_sqn_ms_check), with SEQ and IND taken from the
 * received SQN and SEQ_MS = the highest seq[] (the SEQ of SQN_MS):
 *   C.2.1  reject when SEQ > SEQ_MS and SEQ - SEQ_MS > Δ (no big jumps);
 *   C.2.2  reject when SEQ_MS - SEQ >= L (age limit, applied when L != 0);
 *   C.2.2  reject when SEQ <= SEQ_MS(IND); otherwise accept.
 * See aka.c for why L is read this way.
 */
struct aka_sqn_ms {
	uint64_t	seq[AKA_IND_SLOTS];
	uint64_t	delta;
	uint64_t	limit_l;
};

/* A new USIM: every SEQ_MS(i) zero, Δ = 2^28, L = 32. */
void	aka_sqn_ms_init(struct aka_sqn_ms *s);

/*
 * Is the 48-bit `sqn` acceptable under the rule above? Returns 0 when it
 * is fresh and in range, -1 otherwise. Does not change `s`.
 */
int	aka_sqn_ms_check(const struct aka_sqn_ms *s, uint64_t sqn);

/*
 * Record `sqn` as accepted: SEQ_MS(IND) = SEQ. Never lowers an entry, so
 * calling it with an SQN that was not fresh changes nothing.
 */
void	aka_sqn_ms_update(struct aka_sqn_ms *s, uint64_t sqn);

/*
 * SQN_MS, the value a synchronisation failure reports: the highest accepted
 * SEQ anywhere in the array, with the IND of its slot (the lowest such slot
 * on a tie). 0 for a new USIM.
 */
uint64_t	aka_sqn_ms_highest(const struct aka_sqn_ms *s);

/*
 * HE side (HSS/AuC): SQN_HE is the last SQN put into a vector for this
 * subscriber. The next vector uses aka_sqn_he_next(SQN_HE), which then
 * becomes SQN_HE: SEQ + 1, and IND + 1 mod 32 (see aka.c for the choice).
 * The result is 48 bits; SEQ wraps after 2^43 vectors, which Δ keeps any
 * real subscriber far from.
 */
uint64_t	aka_sqn_he_next(uint64_t sqn_he);

/*
 * After a synchronisation failure whose AUTS verified (aka_auts_verify),
 * the new SQN_HE for the recovered 48-bit `sqn_ms` (TS 33.102 6.3.5: the
 * HE resets SQN_HE to SQN_MS). The next vector, aka_sqn_he_next() of the
 * result, has SEQ = SEQ_MS + 1 and is fresh for that UE.
 */
uint64_t	aka_sqn_he_resync(uint64_t sqn_ms);

/* Outcome of aka_autn_check(). */
enum aka_status {
	AKA_OK = 0,
	AKA_MAC_FAILURE = -1,		/* MAC-A wrong: network not authentic */
	AKA_SYNC_FAILURE = -2		/* MAC-A right, SQN not acceptable */
};

/* A static, human-readable name of `st` ("ok", "MAC failure", ...). */
const char	*aka_status_str(enum aka_status st);

/* What a successful AUTN check yields. Holds secrets: aka_result_clear(). */
struct aka_result {
	uint8_t		res[AKA_RES_MAX];
	size_t		res_len;		/* octets of res used: 8 */
	uint8_t		ck[AKA_CK_LEN];
	uint8_t		ik[AKA_IK_LEN];
	uint8_t		sqn[AKA_SQN_LEN];	/* the SQN AUTN carried */
	uint8_t		amf[AKA_AMF_LEN];	/* the AMF AUTN carried */
};

/* Wipe `r`. Accepts NULL. */
void	aka_result_clear(struct aka_result *r);

/*
 * UE side: verify the 16-octet `autn` received with the 16-octet `rand`
 * (TS 33.102 6.3.3), in this order:
 *  1. SQN = (SQN ^ AK) ^ f5(RAND); XMAC = f1(SQN, AMF); if XMAC != MAC-A
 *     (constant-time compare) return AKA_MAC_FAILURE. Nothing else is
 *     computed, `s`, `out` and `auts` are not written.
 *  2. if SQN is not acceptable (aka_sqn_ms_check) return AKA_SYNC_FAILURE
 *     with the 14-octet AUTS for aka_sqn_ms_highest(s) in `auts` (which may
 *     be NULL if unwanted); `s` and `out` are not written.
 *  3. otherwise fill `out` (RES, CK, IK, SQN, AMF), record SQN in `s` and
 *     return AKA_OK.
 * The AMF is returned, not judged: checking e.g. its separation bit is the
 * caller's business. TEMP is computed once for all steps.
 */
enum aka_status	aka_autn_check(const struct milenage *m, struct aka_sqn_ms *s,
	    const uint8_t rand[16], const uint8_t autn[16],
	    struct aka_result *out, uint8_t auts[14]);

/*
 * AUTS = (SQN_MS ^ AK*) || MAC-S (TS 33.102 6.3.3), AK* = f5*(RAND),
 * MAC-S = f1*(SQN_MS, RAND, AMF*) with the dummy AMF* = 0000 (6.3.3).
 * `sqn_ms` is 6 octets, `auts` receives 14.
 */
void	aka_auts_generate(const struct milenage *m, const uint8_t rand[16],
	    const uint8_t sqn_ms[6], uint8_t auts[14]);

/*
 * HE side of 6.3.5: recover SQN_MS from the 14-octet `auts` sent for the
 * 16-octet `rand` and check MAC-S (constant-time compare). Returns 0 with
 * the 6-octet SQN_MS in `sqn_ms`, or -1 when MAC-S is wrong (`sqn_ms` is
 * then not written).
 */
int	aka_auts_verify(const struct milenage *m, const uint8_t rand[16],
	    const uint8_t auts[14], uint8_t sqn_ms[6]);

#endif
