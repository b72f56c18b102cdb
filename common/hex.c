/*
 * hex.c — hexadecimal text for keys and test vectors.
 */
#include <string.h>

#include "hex.h"

char *
hex_encode(const void *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return out;
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t
hex_decode(const char *s, void *out, size_t max)
{
	unsigned char *o = out;
	size_t n, i;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n % 2 != 0 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		o[i] = (unsigned char)(hi << 4 | lo);
	}
	return (ssize_t)(n / 2);
}

int
hex_decode_exact(const char *s, void *out, size_t len)
{
	ssize_t n = hex_decode(s, out, len);

	return n == (ssize_t)len ? 0 : -1;
}
