/*
 * secret.h — handling of key material: wiping and constant-time comparison.
 */
#ifndef UTSTACK_SECRET_H
#define UTSTACK_SECRET_H

#include <stddef.h>

/* Overwrite `len` octets at `p` with zeros in a way the compiler keeps.
 * Accepts NULL. */
void	secret_wipe(void *p, size_t len);

/*
 * Compare two buffers of `len` octets in time that depends only on `len`.
 * Returns 1 when equal, 0 otherwise. Use for MACs, RES, Digest responses.
 */
int	ct_memeq(const void *a, const void *b, size_t len);

/*
 * Compare two NUL-terminated strings (e.g. hex Digest responses) without
 * leaking where they differ; the time depends on the lengths only. Returns 1
 * when equal.
 */
int	ct_streq(const char *a, const char *b);

#endif
