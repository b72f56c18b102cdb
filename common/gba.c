/*
 * gba.c — TS 33.220 Annex B KDF, Ks and Ks_NAF, NAF_Id (Annex H), B-TID
 * (clause 4.5.2).
 */
#include <string.h>

#include "b64.h"
#include "crypto.h"
#include "gba.h"
#include "secret.h"

const uint8_t gba_ua_http_digest[GBA_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x02 };
const uint8_t gba_ua_tls13[GBA_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x07 };

const char *
gba_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case GBA_E_PARAM:
		return "KDF parameter longer than 65535 octets";
	case GBA_E_FC:
		return "FC must be one octet, or 0xFF followed by one octet";
	case GBA_E_NONASCII:
		return "identity or name is not printable ASCII (NFKC normalisation of TS 33.220 B.2.1.2 is not implemented)";
	case GBA_E_SPACE:
		return "output buffer too small";
	case GBA_E_SYNTAX:
		return "malformed identifier";
	default:
		return "unknown error";
	}
}

/* Printable ASCII without spaces: what an IMPI or an FQDN may hold here. */
static int
is_plain_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int
gba_kdf(const uint8_t *key, size_t key_len, const uint8_t *fc, size_t fc_len,
    const struct gba_param *params, size_t n, uint8_t out[GBA_KEY_LEN])
{
	struct crypto_hmac_sha256_ctx ctx;
	uint8_t l[2];
	size_t i;

	/* B.2.0: FC is a single octet 0x00..0xFE, or 0xFF || FC2. */
	if (!((fc_len == 1 && fc[0] != 0xff) || (fc_len == 2 && fc[0] == 0xff)))
		return GBA_E_FC;
	for (i = 0; i < n; i++)
		if (params[i].len > GBA_PARAM_MAX)
			return GBA_E_PARAM;

	/* S = FC || P0 || L0 || P1 || L1 || ... ; each Li follows its Pi. */
	crypto_hmac_sha256_init(&ctx, key, key_len);
	crypto_hmac_sha256_update(&ctx, fc, fc_len);
	for (i = 0; i < n; i++) {
		l[0] = (uint8_t)(params[i].len >> 8);
		l[1] = (uint8_t)params[i].len;
		if (params[i].len > 0)
			crypto_hmac_sha256_update(&ctx, params[i].p, params[i].len);
		crypto_hmac_sha256_update(&ctx, l, 2);
	}
	crypto_hmac_sha256_final(&ctx, out);
	return 0;
}

void
gba_ks(const uint8_t ck[16], const uint8_t ik[16], uint8_t ks[GBA_KS_LEN])
{
	memcpy(ks, ck, 16);
	memcpy(ks + 16, ik, 16);
}

int
gba_naf_id(const char *fqdn, const uint8_t ua_id[GBA_UA_ID_LEN], uint8_t *out,
    size_t out_size, size_t *out_len)
{
	size_t n = strlen(fqdn);

	if (n == 0 || n > GBA_FQDN_MAX)
		return GBA_E_SYNTAX;
	if (!is_plain_ascii(fqdn))
		return GBA_E_NONASCII;
	if (n + GBA_UA_ID_LEN > out_size)
		return GBA_E_SPACE;
	/* H.1: the five raw octets follow the FQDN directly. */
	memcpy(out, fqdn, n);
	memcpy(out + n, ua_id, GBA_UA_ID_LEN);
	*out_len = n + GBA_UA_ID_LEN;
	return 0;
}

static int
ks_naf_label(const char *label, const uint8_t ks[GBA_KS_LEN],
    const uint8_t rand[16], const char *impi, const uint8_t *naf_id,
    size_t naf_id_len, uint8_t out[GBA_KEY_LEN])
{
	static const uint8_t fc = 0x01;
	struct gba_param p[4];

	if (!is_plain_ascii(impi) || impi[0] == '\0')
		return GBA_E_NONASCII;
	p[0] = (struct gba_param){ (const uint8_t *)label, strlen(label) };
	p[1] = (struct gba_param){ rand, GBA_RAND_LEN };
	p[2] = (struct gba_param){ (const uint8_t *)impi, strlen(impi) };
	p[3] = (struct gba_param){ naf_id, naf_id_len };
	return gba_kdf(ks, GBA_KS_LEN, &fc, 1, p, 4, out);
}

int
gba_ks_naf(const uint8_t ks[GBA_KS_LEN], const uint8_t rand[16],
    const char *impi, const uint8_t *naf_id, size_t naf_id_len,
    uint8_t out[GBA_KEY_LEN])
{
	return ks_naf_label("gba-me", ks, rand, impi, naf_id, naf_id_len, out);
}

int
gba_ks_int_naf(const uint8_t ks[GBA_KS_LEN], const uint8_t rand[16],
    const char *impi, const uint8_t *naf_id, size_t naf_id_len,
    uint8_t out[GBA_KEY_LEN])
{
	return ks_naf_label("gba-u", ks, rand, impi, naf_id, naf_id_len, out);
}

int
gba_btid_build(const uint8_t rand[16], const char *bsf_fqdn, char *out,
    size_t out_size)
{
	char r64[B64_LEN(GBA_RAND_LEN)];
	size_t n, f = strlen(bsf_fqdn);

	if (f == 0 || f > GBA_FQDN_MAX)
		return GBA_E_SYNTAX;
	if (!is_plain_ascii(bsf_fqdn))
		return GBA_E_NONASCII;
	n = b64_encode(rand, GBA_RAND_LEN, r64);
	if (n + 1 + f + 1 > out_size)
		return GBA_E_SPACE;
	memcpy(out, r64, n);
	out[n] = '@';
	memcpy(out + n + 1, bsf_fqdn, f + 1);
	return 0;
}

int
gba_btid_parse(const char *btid, uint8_t rand[16], char *fqdn, size_t fqdn_size)
{
	uint8_t r[GBA_RAND_LEN + 3];
	const char *at = strrchr(btid, '@');
	size_t f;

	if (at == NULL || !is_plain_ascii(btid))
		return GBA_E_SYNTAX;
	f = strlen(at + 1);
	if (f == 0 || f > GBA_FQDN_MAX)
		return GBA_E_SYNTAX;
	if (b64_decode(btid, (size_t)(at - btid), r, sizeof(r)) != GBA_RAND_LEN)
		return GBA_E_SYNTAX;
	if (rand != NULL)
		memcpy(rand, r, GBA_RAND_LEN);
	if (fqdn != NULL) {
		if (f + 1 > fqdn_size)
			return GBA_E_SPACE;
		memcpy(fqdn, at + 1, f + 1);
	}
	return 0;
}

const char *
gba_psk_identity_btid(const char *identity)
{
	const char *btid = identity;
	size_t pl = strlen(GBA_PSK_IDENTITY_PREFIX);

	if (strncmp(identity, GBA_PSK_IDENTITY_PREFIX, pl) == 0)
		btid = identity + pl;
	return gba_btid_parse(btid, NULL, NULL, 0) == 0 ? btid : NULL;
}
