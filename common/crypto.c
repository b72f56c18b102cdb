/*
 * crypto.c — nettle (AES-128, AES-256-GCM, MD5, SHA-256, HMAC) and GnuTLS
 * (random) behind the small API of crypto.h. Nettle's AES uses AES-NI
 * where the CPU has it.
 */
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/aes.h>
#include <nettle/gcm.h>
#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/sha2.h>

#include "crypto.h"
#include "secret.h"

_Static_assert(sizeof(struct aes128_ctx) <= sizeof(((struct crypto_aes128 *)0)->u),
    "crypto_aes128 too small for nettle's aes128_ctx");
_Static_assert(sizeof(struct sha256_ctx) <= sizeof(((struct crypto_hash_ctx *)0)->u),
    "crypto_hash_ctx too small for sha256_ctx");
_Static_assert(sizeof(struct md5_ctx) <= sizeof(((struct crypto_hash_ctx *)0)->u),
    "crypto_hash_ctx too small for md5_ctx");
_Static_assert(sizeof(struct hmac_sha256_ctx) <=
    sizeof(((struct crypto_hmac_sha256_ctx *)0)->u),
    "crypto_hmac_sha256_ctx too small");

void
crypto_aes128_init(struct crypto_aes128 *ctx, const uint8_t key[16])
{
	aes128_set_encrypt_key((struct aes128_ctx *)ctx->u.raw, key);
}

void
crypto_aes128_encrypt(const struct crypto_aes128 *ctx, const uint8_t in[16],
    uint8_t out[16])
{
	aes128_encrypt((const struct aes128_ctx *)ctx->u.raw, 16, out, in);
}

void
crypto_aes128_clear(struct crypto_aes128 *ctx)
{
	if (ctx != NULL)
		secret_wipe(ctx, sizeof(*ctx));
}

void
crypto_md5(const void *data, size_t len, uint8_t out[16])
{
	struct md5_ctx c;

	md5_init(&c);
	md5_update(&c, len, data);
	md5_digest(&c, MD5_DIGEST_SIZE, out);
}

void
crypto_sha256(const void *data, size_t len, uint8_t out[32])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

size_t
crypto_hash_len(enum crypto_hash alg)
{
	return alg == CRYPTO_HASH_SHA256 ? SHA256_DIGEST_SIZE : MD5_DIGEST_SIZE;
}

void
crypto_hash_init(struct crypto_hash_ctx *ctx, enum crypto_hash alg)
{
	ctx->alg = alg;
	if (alg == CRYPTO_HASH_SHA256)
		sha256_init((struct sha256_ctx *)ctx->u.raw);
	else
		md5_init((struct md5_ctx *)ctx->u.raw);
}

void
crypto_hash_update(struct crypto_hash_ctx *ctx, const void *data, size_t len)
{
	if (ctx->alg == CRYPTO_HASH_SHA256)
		sha256_update((struct sha256_ctx *)ctx->u.raw, len, data);
	else
		md5_update((struct md5_ctx *)ctx->u.raw, len, data);
}

void
crypto_hash_final(struct crypto_hash_ctx *ctx, uint8_t *out)
{
	if (ctx->alg == CRYPTO_HASH_SHA256)
		sha256_digest((struct sha256_ctx *)ctx->u.raw,
		    SHA256_DIGEST_SIZE, out);
	else
		md5_digest((struct md5_ctx *)ctx->u.raw, MD5_DIGEST_SIZE, out);
	secret_wipe(ctx->u.raw, sizeof(ctx->u.raw));
}

void
crypto_hmac_sha256(const uint8_t *key, size_t keylen, const void *data,
    size_t len, uint8_t out[32])
{
	struct crypto_hmac_sha256_ctx c;

	crypto_hmac_sha256_init(&c, key, keylen);
	crypto_hmac_sha256_update(&c, data, len);
	crypto_hmac_sha256_final(&c, out);
}

void
crypto_hmac_md5(const uint8_t *key, size_t keylen, const void *data,
    size_t len, uint8_t out[16])
{
	struct hmac_md5_ctx c;

	hmac_md5_set_key(&c, keylen, key);
	hmac_md5_update(&c, len, data);
	hmac_md5_digest(&c, MD5_DIGEST_SIZE, out);
	secret_wipe(&c, sizeof(c));
}

void
crypto_hmac_sha256_init(struct crypto_hmac_sha256_ctx *ctx, const uint8_t *key,
    size_t keylen)
{
	hmac_sha256_set_key((struct hmac_sha256_ctx *)ctx->u.raw, keylen, key);
}

void
crypto_hmac_sha256_update(struct crypto_hmac_sha256_ctx *ctx, const void *data,
    size_t len)
{
	hmac_sha256_update((struct hmac_sha256_ctx *)ctx->u.raw, len, data);
}

void
crypto_hmac_sha256_final(struct crypto_hmac_sha256_ctx *ctx, uint8_t out[32])
{
	hmac_sha256_digest((struct hmac_sha256_ctx *)ctx->u.raw,
	    SHA256_DIGEST_SIZE, out);
	secret_wipe(ctx, sizeof(*ctx));
}

int
crypto_aes256_gcm_seal(const uint8_t key[32], const uint8_t nonce[12],
    const void *ad, size_t adlen, const void *pt, size_t len, uint8_t *ct)
{
	struct gcm_aes256_ctx c;

	gcm_aes256_set_key(&c, key);
	gcm_aes256_set_iv(&c, CRYPTO_GCM_NONCE_LEN, nonce);
	if (adlen > 0)
		gcm_aes256_update(&c, adlen, ad);
	gcm_aes256_encrypt(&c, len, ct, pt);
	gcm_aes256_digest(&c, CRYPTO_GCM_TAG_LEN, ct + len);
	secret_wipe(&c, sizeof(c));	/* the expanded key */
	return 0;
}

int
crypto_aes256_gcm_open(const uint8_t key[32], const uint8_t nonce[12],
    const void *ad, size_t adlen, const uint8_t *ct, size_t ctlen,
    uint8_t *pt)
{
	struct gcm_aes256_ctx c;
	uint8_t tag[CRYPTO_GCM_TAG_LEN], want[CRYPTO_GCM_TAG_LEN];
	size_t len;
	int ok;

	if (ctlen < CRYPTO_GCM_TAG_LEN)
		return -1;
	len = ctlen - CRYPTO_GCM_TAG_LEN;
	/* Keep the received tag before an in-place decryption could touch
	 * the buffer around it. */
	memcpy(want, ct + len, sizeof(want));
	gcm_aes256_set_key(&c, key);
	gcm_aes256_set_iv(&c, CRYPTO_GCM_NONCE_LEN, nonce);
	if (adlen > 0)
		gcm_aes256_update(&c, adlen, ad);
	gcm_aes256_decrypt(&c, len, pt, ct);
	gcm_aes256_digest(&c, sizeof(tag), tag);
	secret_wipe(&c, sizeof(c));
	ok = ct_memeq(tag, want, sizeof(tag));
	secret_wipe(tag, sizeof(tag));
	if (!ok) {
		secret_wipe(pt, len);
		return -1;
	}
	return 0;
}

int
crypto_random(void *buf, size_t len, int key)
{
	return gnutls_rnd(key ? GNUTLS_RND_KEY : GNUTLS_RND_NONCE, buf, len)
	    == 0 ? 0 : -1;
}
