/*
 * crypto.h — the project's only door to its crypto backend (nettle for the
 * primitives, GnuTLS for random numbers). Nothing else includes nettle, so
 * the backend can be read and replaced in this one place.
 */
#ifndef UTSTACK_CRYPTO_H
#define UTSTACK_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_AES128_KEY_LEN	16
#define CRYPTO_AES256_KEY_LEN	32
#define CRYPTO_GCM_NONCE_LEN	12
#define CRYPTO_GCM_TAG_LEN	16
#define CRYPTO_AES_BLOCK_LEN	16
#define CRYPTO_MD5_LEN		16
#define CRYPTO_SHA256_LEN	32

/*
 * An expanded AES-128 encryption key. Opaque storage sized for the backend's
 * context (checked at compile time in crypto.c); wipe with
 * crypto_aes128_clear() when it held a subscriber key.
 */
struct crypto_aes128 {
	union {
		uint8_t		raw[256];
		uint64_t	align;
	} u;
};

/* Expand the 16-octet key `key` into `ctx`. */
void	crypto_aes128_init(struct crypto_aes128 *ctx, const uint8_t key[16]);
/* Encrypt one 16-octet block; `in` and `out` may be the same buffer. */
void	crypto_aes128_encrypt(const struct crypto_aes128 *ctx,
	    const uint8_t in[16], uint8_t out[16]);
/* Wipe the expanded key. Accepts NULL. */
void	crypto_aes128_clear(struct crypto_aes128 *ctx);

/* One-shot digests; `out` receives CRYPTO_MD5_LEN / CRYPTO_SHA256_LEN octets. */
void	crypto_md5(const void *data, size_t len, uint8_t out[16]);
void	crypto_sha256(const void *data, size_t len, uint8_t out[32]);

/*
 * Incremental digest over several pieces, used by Digest computations that
 * hash "a:b:c" without building the string. `alg` is CRYPTO_HASH_MD5 or
 * CRYPTO_HASH_SHA256.
 */
enum crypto_hash { CRYPTO_HASH_MD5, CRYPTO_HASH_SHA256 };
struct crypto_hash_ctx {
	enum crypto_hash	alg;
	union {
		uint8_t		raw[256];
		uint64_t	align;
	} u;
};
/* Output length in octets of `alg`. */
size_t	crypto_hash_len(enum crypto_hash alg);
void	crypto_hash_init(struct crypto_hash_ctx *ctx, enum crypto_hash alg);
void	crypto_hash_update(struct crypto_hash_ctx *ctx, const void *data,
	    size_t len);
/* Writes crypto_hash_len() octets to `out` and wipes the context. */
void	crypto_hash_final(struct crypto_hash_ctx *ctx, uint8_t *out);

/* HMAC; `out` receives 32 (SHA-256) or 16 (MD5) octets. */
void	crypto_hmac_sha256(const uint8_t *key, size_t keylen,
	    const void *data, size_t len, uint8_t out[32]);
void	crypto_hmac_md5(const uint8_t *key, size_t keylen,
	    const void *data, size_t len, uint8_t out[16]);

/*
 * Incremental HMAC-SHA-256 (for the GBA KDF, whose input S is built from
 * pieces). The context holds key material: crypto_hmac_sha256_final wipes it.
 */
struct crypto_hmac_sha256_ctx {
	union {
		uint8_t		raw[512];
		uint64_t	align;
	} u;
};
void	crypto_hmac_sha256_init(struct crypto_hmac_sha256_ctx *ctx,
	    const uint8_t *key, size_t keylen);
void	crypto_hmac_sha256_update(struct crypto_hmac_sha256_ctx *ctx,
	    const void *data, size_t len);
void	crypto_hmac_sha256_final(struct crypto_hmac_sha256_ctx *ctx,
	    uint8_t out[32]);

/*
 * AES-256-GCM (NIST SP 800-38D) with a 12-octet nonce and a full 16-octet
 * tag, for sealing key material at rest. A nonce must never repeat under
 * one key: take it from crypto_random().
 *
 * Seal: encrypt `len` octets at `pt` and authenticate them together with
 * `adlen` octets of associated data `ad` (may be NULL when `adlen` is 0);
 * writes `len` + CRYPTO_GCM_TAG_LEN octets to `ct` (ciphertext, then tag).
 * `pt` and `ct` may be the same buffer. Returns 0.
 */
int	crypto_aes256_gcm_seal(const uint8_t key[32], const uint8_t nonce[12],
	    const void *ad, size_t adlen, const void *pt, size_t len,
	    uint8_t *ct);
/*
 * Open: check and decrypt `ctlen` octets at `ct` (ciphertext, then the
 * 16-octet tag) into `ctlen` - CRYPTO_GCM_TAG_LEN octets at `pt` (may be
 * the same buffer as `ct`). Returns 0, or -1 when `ctlen` is shorter than
 * a tag or the tag does not verify (compared in constant time); `pt` is
 * then wiped, so no unauthenticated plaintext is ever handed out.
 */
int	crypto_aes256_gcm_open(const uint8_t key[32], const uint8_t nonce[12],
	    const void *ad, size_t adlen, const uint8_t *ct, size_t ctlen,
	    uint8_t *pt);

/*
 * Fill `buf` with `len` octets from GnuTLS's random generator. `key` selects
 * the key-grade generator (RAND of an authentication vector, nonces) over
 * the nonce-grade one. Returns 0, or -1 if the generator failed.
 */
int	crypto_random(void *buf, size_t len, int key);

#endif
