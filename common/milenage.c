/*
 * milenage.c — Milenage f1, f1*, f2, f3, f4, f5, f5* (3GPP TS 35.206
 * clause 4.1), checked against the test sets of TS 35.207/35.208.
 *
 *   OPc  = E_K(OP) ^ OP
 *   TEMP = E_K(RAND ^ OPc)
 *   IN1  = SQN || AMF || SQN || AMF
 *   OUT1 = E_K(TEMP ^ rot(IN1 ^ OPc, r1) ^ c1) ^ OPc
 *   OUTk = E_K(rot(TEMP ^ OPc, rk) ^ ck) ^ OPc            k = 2..5
 *
 *   f1 = OUT1[0..63]   f1* = OUT1[64..127]
 *   f5 = OUT2[0..47]   f2  = OUT2[64..127]
 *   f3 = OUT3          f4  = OUT4          f5* = OUT5[0..47]
 *
 * r1..r5 = 64, 0, 32, 64, 96 bits; c1..c5 are zero except for the last
 * octet: 0x00, 0x01, 0x02, 0x04, 0x08. rot(x, r) rotates x by r bits
 * towards the most significant bit, so every ri is a whole number of 32-bit
 * words: octet i of the result is octet (i + r/8) mod 16 of x. The code
 * works on the blocks as two 64-bit or four 32-bit words; moving whole
 * words moves their octets unchanged, so this holds on any byte order.
 */
#include <string.h>

#include "milenage.h"
#include "secret.h"

/* A 128-bit value seen as octets, 32-bit words or 64-bit words. */
union block {
	uint8_t		b[16];
	uint32_t	w[4];
	uint64_t	q[2];
};

/*
 * Everything secret a computation touches, so one wipe at the end covers
 * it: OPc, TEMP, the AES input and the current OUTk.
 */
struct work {
	union block	opc;
	union block	temp;
	union block	x;
	union block	out;
};

/* c2..c5, the constants XORed into the last octet of OUT2..OUT5's input. */
#define C2	0x01
#define C3	0x02
#define C4	0x04
#define C5	0x08

static inline void
work_start(const struct milenage *m, struct work *w)
{
	memcpy(w->opc.b, m->opc, sizeof(w->opc.b));
}

/* TEMP = E_K(RAND ^ OPc) */
static inline void
work_temp(const struct milenage *m, struct work *w, const uint8_t rand[16])
{
	memcpy(w->x.b, rand, sizeof(w->x.b));
	w->x.q[0] ^= w->opc.q[0];
	w->x.q[1] ^= w->opc.q[1];
	crypto_aes128_encrypt(&m->aes, w->x.b, w->temp.b);
}

/* out = E_K(x) ^ OPc */
static inline void
work_encrypt(const struct milenage *m, struct work *w)
{
	crypto_aes128_encrypt(&m->aes, w->x.b, w->out.b);
	w->out.q[0] ^= w->opc.q[0];
	w->out.q[1] ^= w->opc.q[1];
}

/*
 * OUT1 = E_K(TEMP ^ rot(IN1 ^ OPc, r1) ^ c1) ^ OPc, r1 = 64, c1 = 0.
 * IN1 = SQN||AMF||SQN||AMF has equal halves, so rot(IN1 ^ OPc, 64) =
 * IN1 ^ rot(OPc, 64): each half is (SQN||AMF) ^ the other half of OPc.
 */
static inline void
work_out1(const struct milenage *m, struct work *w, const uint8_t sqn[6],
    const uint8_t amf[2])
{
	union block in1;

	memcpy(in1.b, sqn, 6);
	memcpy(in1.b + 6, amf, 2);
	w->x.q[0] = w->temp.q[0] ^ in1.q[0] ^ w->opc.q[1];
	w->x.q[1] = w->temp.q[1] ^ in1.q[0] ^ w->opc.q[0];
	work_encrypt(m, w);
}

/*
 * OUTk = E_K(rot(TEMP ^ OPc, rk) ^ ck) ^ OPc for k = 2..5, with the
 * rotation given as `rw` = rk / 32 words (0, 1, 2, 3 for r2, r3, r4, r5).
 * Called with constants, so the compiler unrolls the word moves.
 */
static inline void
work_outk(const struct milenage *m, struct work *w, unsigned int rw,
    uint8_t ck)
{
	unsigned int i, j;

	for (i = 0; i < 4; i++) {
		j = (i + rw) & 3;
		w->x.w[i] = w->temp.w[j] ^ w->opc.w[j];
	}
	w->x.b[15] ^= ck;
	work_encrypt(m, w);
}

void
milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16])
{
	struct crypto_aes128 aes;
	union block x;
	int i;

	/* OPc = E_K(OP) ^ OP; `opc` may alias `op`, so XOR from a copy. */
	crypto_aes128_init(&aes, k);
	crypto_aes128_encrypt(&aes, op, x.b);
	for (i = 0; i < 16; i++)
		x.b[i] ^= op[i];
	memcpy(opc, x.b, 16);
	crypto_aes128_clear(&aes);
	secret_wipe(&x, sizeof(x));
}

void
milenage_init(struct milenage *m, const uint8_t k[16], const uint8_t opc[16])
{
	crypto_aes128_init(&m->aes, k);
	memcpy(m->opc, opc, sizeof(m->opc));
}

void
milenage_clear(struct milenage *m)
{
	if (m == NULL)
		return;
	crypto_aes128_clear(&m->aes);
	secret_wipe(m->opc, sizeof(m->opc));
}

/* f1/f1* on a TEMP already in `w`. */
static void
do_f1(const struct milenage *m, struct work *w, const uint8_t sqn[6],
    const uint8_t amf[2], uint8_t mac_a[8], uint8_t mac_s[8])
{
	if (mac_a == NULL && mac_s == NULL)
		return;
	work_out1(m, w, sqn, amf);
	if (mac_a != NULL)
		memcpy(mac_a, w->out.b, 8);		/* f1 = OUT1[0..63] */
	if (mac_s != NULL)
		memcpy(mac_s, w->out.b + 8, 8);		/* f1* = OUT1[64..127] */
}

/* f2..f5* on a TEMP already in `w`; OUTk only when one of its outputs is
 * wanted. */
static void
do_f2345(const struct milenage *m, struct work *w, uint8_t res[8],
    uint8_t ck[16], uint8_t ik[16], uint8_t ak[6], uint8_t ak_star[6])
{
	if (res != NULL || ak != NULL) {
		work_outk(m, w, 0, C2);			/* OUT2, r2 = 0 */
		if (ak != NULL)
			memcpy(ak, w->out.b, 6);	/* f5 = OUT2[0..47] */
		if (res != NULL)
			memcpy(res, w->out.b + 8, 8);	/* f2 = OUT2[64..127] */
	}
	if (ck != NULL) {
		work_outk(m, w, 1, C3);			/* OUT3, r3 = 32 */
		memcpy(ck, w->out.b, 16);		/* f3 = OUT3 */
	}
	if (ik != NULL) {
		work_outk(m, w, 2, C4);			/* OUT4, r4 = 64 */
		memcpy(ik, w->out.b, 16);		/* f4 = OUT4 */
	}
	if (ak_star != NULL) {
		work_outk(m, w, 3, C5);			/* OUT5, r5 = 96 */
		memcpy(ak_star, w->out.b, 6);		/* f5* = OUT5[0..47] */
	}
}

void
milenage_f1(const struct milenage *m, const uint8_t rand[16],
    const uint8_t sqn[6], const uint8_t amf[2], uint8_t mac_a[8],
    uint8_t mac_s[8])
{
	struct work w;

	if (mac_a == NULL && mac_s == NULL)
		return;
	work_start(m, &w);
	work_temp(m, &w, rand);
	do_f1(m, &w, sqn, amf, mac_a, mac_s);
	secret_wipe(&w, sizeof(w));
}

void
milenage_f2345(const struct milenage *m, const uint8_t rand[16],
    uint8_t res[8], uint8_t ck[16], uint8_t ik[16], uint8_t ak[6],
    uint8_t ak_star[6])
{
	struct work w;

	if (res == NULL && ck == NULL && ik == NULL && ak == NULL &&
	    ak_star == NULL)
		return;
	work_start(m, &w);
	work_temp(m, &w, rand);
	do_f2345(m, &w, res, ck, ik, ak, ak_star);
	secret_wipe(&w, sizeof(w));
}

void
milenage_all(const struct milenage *m, const uint8_t rand[16],
    const uint8_t sqn[6], const uint8_t amf[2], struct milenage_out *out)
{
	struct work w;

	work_start(m, &w);
	work_temp(m, &w, rand);
	do_f1(m, &w, sqn, amf, out->mac_a, out->mac_s);
	do_f2345(m, &w, out->res, out->ck, out->ik, out->ak, out->ak_star);
	secret_wipe(&w, sizeof(w));
}

void
milenage_temp(const struct milenage *m, const uint8_t rand[16],
    uint8_t temp[16])
{
	struct work w;

	work_start(m, &w);
	work_temp(m, &w, rand);
	memcpy(temp, w.temp.b, 16);
	secret_wipe(&w, sizeof(w));
}

void
milenage_f1_from_temp(const struct milenage *m, const uint8_t temp[16],
    const uint8_t sqn[6], const uint8_t amf[2], uint8_t mac_a[8],
    uint8_t mac_s[8])
{
	struct work w;

	if (mac_a == NULL && mac_s == NULL)
		return;
	work_start(m, &w);
	memcpy(w.temp.b, temp, 16);
	do_f1(m, &w, sqn, amf, mac_a, mac_s);
	secret_wipe(&w, sizeof(w));
}

void
milenage_f2345_from_temp(const struct milenage *m, const uint8_t temp[16],
    uint8_t res[8], uint8_t ck[16], uint8_t ik[16], uint8_t ak[6],
    uint8_t ak_star[6])
{
	struct work w;

	if (res == NULL && ck == NULL && ik == NULL && ak == NULL &&
	    ak_star == NULL)
		return;
	work_start(m, &w);
	memcpy(w.temp.b, temp, 16);
	do_f2345(m, &w, res, ck, ik, ak, ak_star);
	secret_wipe(&w, sizeof(w));
}
