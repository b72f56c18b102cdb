/*
 * secret.c — wiping and constant-time comparison of key material.
 */
#include <string.h>

#include "secret.h"

void
secret_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

int
ct_memeq(const void *a, const void *b, size_t len)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

int
ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	/* Lengths of hex responses are public; contents are not. */
	if (la != lb)
		return 0;
	return ct_memeq(a, b, la);
}
