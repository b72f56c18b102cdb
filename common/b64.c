/*
 * b64.c — strict base64, RFC 4648 §4.
 */
#include <stdint.h>

#include "b64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
b64_encode(const void *in, size_t len, char *out)
{
	const unsigned char *p = in;
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int
value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

ssize_t
b64_decode(const char *in, size_t inlen, void *out, size_t max)
{
	unsigned char *o = out;
	size_t i, n = 0;

	if (inlen % 4 != 0)
		return -1;
	for (i = 0; i < inlen; i += 4) {
		int a = value(in[i]), b = value(in[i + 1]);
		int c = value(in[i + 2]), d = value(in[i + 3]);
		int last = i + 4 == inlen;
		uint32_t v;

		if (a < 0 || b < 0)
			return -1;
		if (last && in[i + 2] == '=' && in[i + 3] == '=') {
			if (b & 15 || n + 1 > max)
				return -1;
			o[n++] = (unsigned char)(a << 2 | b >> 4);
			break;
		}
		if (c < 0)
			return -1;
		if (last && in[i + 3] == '=') {
			if (c & 3 || n + 2 > max)
				return -1;
			v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
			o[n++] = (unsigned char)(v >> 16);
			o[n++] = (unsigned char)(v >> 8);
			break;
		}
		if (d < 0 || n + 3 > max)
			return -1;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
		o[n++] = (unsigned char)(v >> 16);
		o[n++] = (unsigned char)(v >> 8);
		o[n++] = (unsigned char)v;
	}
	return (ssize_t)n;
}
