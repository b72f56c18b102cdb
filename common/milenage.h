/*
 * milenage.h — the Milenage algorithm set (3GPP TS 35.205/35.206): the
 * authentication functions f1, f1* and key generation functions f2, f3, f4,
 * f5, f5* over AES-128 (through crypto.h).
 *
 * Notation as in TS 35.206 clause 4.1: OPc = E_K(OP) ^ OP,
 * TEMP = E_K(RAND ^ OPc), OUT1..OUT5 built from TEMP with the rotations
 * r1..r5 and constants c1..c5. All values are big-endian octet strings;
 * "bits 0..63" are the first eight octets.
 */
#ifndef UTSTACK_MILENAGE_H
#define UTSTACK_MILENAGE_H

#include <stdint.h>

#include "crypto.h"

#define MILENAGE_K_LEN		16	/* subscriber key K */
#define MILENAGE_OP_LEN		16	/* operator variant OP */
#define MILENAGE_OPC_LEN	16	/* OPc = E_K(OP) ^ OP */
#define MILENAGE_RAND_LEN	16
#define MILENAGE_SQN_LEN	6
#define MILENAGE_AMF_LEN	2
#define MILENAGE_MAC_LEN	8	/* MAC-A (f1) and MAC-S (f1*) */
#define MILENAGE_RES_LEN	8	/* RES (f2) */
#define MILENAGE_CK_LEN		16	/* CK (f3) */
#define MILENAGE_IK_LEN		16	/* IK (f4) */
#define MILENAGE_AK_LEN		6	/* AK (f5) and AK* (f5*) */
#define MILENAGE_TEMP_LEN	16	/* TEMP */

/*
 * One subscriber's Milenage state: K expanded once, and OPc. Secret: wipe
 * with milenage_clear(). Embedded by the caller; no heap.
 */
struct milenage {
	struct crypto_aes128	aes;		/* E_K */
	uint8_t			opc[MILENAGE_OPC_LEN];
};

/* Every output of one RAND (and SQN/AMF for f1/f1*). */
struct milenage_out {
	uint8_t		mac_a[MILENAGE_MAC_LEN];	/* f1 */
	uint8_t		mac_s[MILENAGE_MAC_LEN];	/* f1* */
	uint8_t		res[MILENAGE_RES_LEN];		/* f2 */
	uint8_t		ck[MILENAGE_CK_LEN];		/* f3 */
	uint8_t		ik[MILENAGE_IK_LEN];		/* f4 */
	uint8_t		ak[MILENAGE_AK_LEN];		/* f5 */
	uint8_t		ak_star[MILENAGE_AK_LEN];	/* f5* */
};

/*
 * OPc = E_K(OP) ^ OP (TS 35.206 clause 4.1) from the 16-octet key `k` and
 * operator variant `op`, written to the 16 octets at `opc` (which may be
 * `op`). Key material on the stack is wiped.
 */
void	milenage_opc(const uint8_t k[16], const uint8_t op[16],
	    uint8_t opc[16]);

/*
 * Set up `m` for the 16-octet key `k` and the 16-octet `opc` (derive it
 * with milenage_opc() when only OP is known). Expands K once; every later
 * call reuses it.
 */
void	milenage_init(struct milenage *m, const uint8_t k[16],
	    const uint8_t opc[16]);

/* Wipe `m` (expanded K and OPc). Accepts NULL. */
void	milenage_clear(struct milenage *m);

/*
 * f1 and f1*: MAC-A (OUT1 octets 0..7) and MAC-S (OUT1 octets 8..15) of the
 * 16-octet `rand`, 6-octet `sqn` and 2-octet `amf`. Either output (8 octets)
 * may be NULL. Two AES operations.
 */
void	milenage_f1(const struct milenage *m, const uint8_t rand[16],
	    const uint8_t sqn[6], const uint8_t amf[2], uint8_t mac_a[8],
	    uint8_t mac_s[8]);

/*
 * f2..f5*: RES (8 octets), CK (16), IK (16), AK (6) and AK* (6) of the
 * 16-octet `rand`. Any output may be NULL; the AES operation of an OUTk no
 * output needs is skipped (RES and AK share OUT2). One AES operation for
 * TEMP plus one per OUTk wanted.
 */
void	milenage_f2345(const struct milenage *m, const uint8_t rand[16],
	    uint8_t res[8], uint8_t ck[16], uint8_t ik[16], uint8_t ak[6],
	    uint8_t ak_star[6]);

/*
 * Every function at once: TEMP is computed once, then OUT1..OUT5, six AES
 * operations in all. `out` holds secrets; the caller wipes it.
 */
void	milenage_all(const struct milenage *m, const uint8_t rand[16],
	    const uint8_t sqn[6], const uint8_t amf[2], struct milenage_out *out);

/*
 * The same in steps, for callers (aka.c) that decide from one output which
 * others they need, without computing TEMP again: milenage_temp() writes
 * TEMP = E_K(RAND ^ OPc) (16 octets, secret: the caller wipes it), and the
 * _from_temp variants take that TEMP in place of RAND, with the outputs and
 * NULL rules of milenage_f1() and milenage_f2345().
 */
void	milenage_temp(const struct milenage *m, const uint8_t rand[16],
	    uint8_t temp[16]);
void	milenage_f1_from_temp(const struct milenage *m, const uint8_t temp[16],
	    const uint8_t sqn[6], const uint8_t amf[2], uint8_t mac_a[8],
	    uint8_t mac_s[8]);
void	milenage_f2345_from_temp(const struct milenage *m,
	    const uint8_t temp[16], uint8_t res[8], uint8_t ck[16],
	    uint8_t ik[16], uint8_t ak[6], uint8_t ak_star[6]);

#endif
