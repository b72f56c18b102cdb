/*
 * b64.h — base64 (RFC 4648 §4, standard alphabet, with padding) for
 * nonces, B-TIDs, AUTS and Ks_NAF passwords.
 */
#ifndef UTSTACK_B64_H
#define UTSTACK_B64_H

#include <stddef.h>
#include <sys/types.h>

/* Size of the text buffer b64_encode() needs for `n` octets (with NUL). */
#define B64_LEN(n)	(4 * (((n) + 2) / 3) + 1)

/* Encode `len` octets into `out` (B64_LEN(len) characters, NUL-terminated).
 * Returns the text length. */
size_t	b64_encode(const void *in, size_t len, char *out);

/*
 * Decode `inlen` characters of base64 text into at most `max` octets.
 * Strict: the length must be a multiple of 4, padding only at the end, no
 * whitespace, and unused bits of the last group must be zero.
 * Returns the number of octets, or -1 on any error (including overflow of
 * `max`).
 */
ssize_t	b64_decode(const char *in, size_t inlen, void *out, size_t max);

#endif
