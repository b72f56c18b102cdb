/*
 * gba.h — GBA key derivation and identifiers (TS 33.220 clause 4.5.2,
 * Annex B (KDF, Ks_NAF), Annex H (NAF_Id, Ua security protocol ids)).
 *
 * Identities and names are used as UTF-8 octets. TS 33.220 B.2.1.2 asks for
 * NFKC normalisation first; utstack does not implement it, so non-ASCII
 * IMPIs and NAF FQDNs are refused (GBA_E_NONASCII) rather than derived into
 * a key a real peer would not share.
 */
#ifndef UTSTACK_GBA_H
#define UTSTACK_GBA_H

#include <stddef.h>
#include <stdint.h>

#define GBA_KEY_LEN		32	/* HMAC-SHA-256 output: Ks_NAF etc. */
#define GBA_KS_LEN		32	/* Ks = CK || IK */
#define GBA_RAND_LEN		16
#define GBA_UA_ID_LEN		5
#define GBA_PARAM_MAX		65535	/* B.1: Li is two octets */
#define GBA_FQDN_MAX		255
#define GBA_NAF_ID_MAX		(GBA_FQDN_MAX + GBA_UA_ID_LEN)
#define GBA_BTID_MAX		(24 + 1 + GBA_FQDN_MAX + 1)	/* base64(RAND)@fqdn + NUL */
/* Prefix of the TLS-PSK identity (TS 36.508 4.7H default contents). */
#define GBA_PSK_IDENTITY_PREFIX	"3GPP-bootstrapping."

/* Error codes (negative) with text from gba_strerror(). */
#define GBA_E_PARAM	-1	/* a parameter is longer than 65535 octets */
#define GBA_E_FC	-2	/* FC is not one octet or 0xFF + one octet */
#define GBA_E_NONASCII	-3	/* an identity or name is not printable ASCII */
#define GBA_E_SPACE	-4	/* output buffer too small */
#define GBA_E_SYNTAX	-5	/* B-TID or identity malformed */

/* Ua security protocol identifiers (33.220 H.3). */
extern const uint8_t gba_ua_http_digest[GBA_UA_ID_LEN];	/* 01 00 00 00 02 */
extern const uint8_t gba_ua_tls13[GBA_UA_ID_LEN];		/* 01 00 00 00 07 */

/* Text for a GBA_E_* code. */
const char	*gba_strerror(int err);

/* One KDF input parameter Pi (its length Li is derived). */
struct gba_param {
	const uint8_t	*p;
	size_t		 len;
};

/*
 * Generic KDF of 33.220 B.2: derived = HMAC-SHA-256(key, S) with
 * S = FC || P0 || L0 || ... || Pn || Ln, Li two octets big-endian.
 * `fc`/`fc_len`: one octet, or two with the first 0xFF (extended FC).
 * `params`: `n` parameters, each at most 65535 octets (n may be 0).
 * Writes GBA_KEY_LEN octets to `out`. Returns 0, GBA_E_FC or GBA_E_PARAM.
 */
int	gba_kdf(const uint8_t *key, size_t key_len, const uint8_t *fc,
	    size_t fc_len, const struct gba_param *params, size_t n,
	    uint8_t out[GBA_KEY_LEN]);

/* Ks = CK || IK (33.220 4.5.2). */
void	gba_ks(const uint8_t ck[16], const uint8_t ik[16],
	    uint8_t ks[GBA_KS_LEN]);

/*
 * NAF_Id = FQDN || Ua security protocol id (33.220 H.1): writes
 * strlen(fqdn) + 5 octets to `out` (at most `out_size`) and their count to
 * `*out_len`. Returns 0, GBA_E_NONASCII, GBA_E_SYNTAX (empty or over 255)
 * or GBA_E_SPACE.
 */
int	gba_naf_id(const char *fqdn, const uint8_t ua_id[GBA_UA_ID_LEN],
	    uint8_t *out, size_t out_size, size_t *out_len);

/*
 * Ks_NAF (= Ks_ext_NAF) = KDF(Ks, FC 0x01, "gba-me", RAND, IMPI, NAF_Id)
 * (33.220 B.3). `naf_id` as built by gba_naf_id(). Returns 0,
 * GBA_E_NONASCII (IMPI) or GBA_E_PARAM.
 */
int	gba_ks_naf(const uint8_t ks[GBA_KS_LEN], const uint8_t rand[16],
	    const char *impi, const uint8_t *naf_id, size_t naf_id_len,
	    uint8_t out[GBA_KEY_LEN]);

/* Ks_int_NAF = KDF(Ks, 0x01, "gba-u", RAND, IMPI, NAF_Id) (GBA_U, B.3). */
int	gba_ks_int_naf(const uint8_t ks[GBA_KS_LEN], const uint8_t rand[16],
	    const char *impi, const uint8_t *naf_id, size_t naf_id_len,
	    uint8_t out[GBA_KEY_LEN]);

/*
 * B-TID = base64(RAND) "@" BSF FQDN (33.220 4.5.2), NUL-terminated into
 * `out` (GBA_BTID_MAX is always enough). Returns 0, GBA_E_NONASCII,
 * GBA_E_SYNTAX or GBA_E_SPACE.
 */
int	gba_btid_build(const uint8_t rand[16], const char *bsf_fqdn,
	    char *out, size_t out_size);

/*
 * Parse a B-TID: the part before the last '@' must be base64 of exactly 16
 * octets (written to `rand`, may be NULL), the part after a non-empty
 * printable-ASCII name without spaces (copied to `fqdn` when not NULL,
 * `fqdn_size` with NUL). Returns 0 or GBA_E_SYNTAX / GBA_E_SPACE.
 */
int	gba_btid_parse(const char *btid, uint8_t rand[16], char *fqdn,
	    size_t fqdn_size);

/*
 * The B-TID inside a TLS-PSK identity: "3GPP-bootstrapping." + B-TID, or a
 * bare B-TID (both accepted at the AP, decision table). Returns a pointer
 * into `identity`, or NULL when what remains is not a well-formed B-TID.
 */
const char	*gba_psk_identity_btid(const char *identity);

#endif
