/*
 * hex.h — lower-case hexadecimal encoding and strict decoding.
 */
#ifndef UTSTACK_HEX_H
#define UTSTACK_HEX_H

#include <stddef.h>
#include <sys/types.h>

/* Size of the text buffer hex_encode() needs for `n` octets (with NUL). */
#define HEX_LEN(n)	(2 * (n) + 1)

/* Write `len` octets of `in` as lower-case hex plus NUL into `out`, which
 * holds HEX_LEN(len) characters. Returns `out`. */
char	*hex_encode(const void *in, size_t len, char *out);

/*
 * Decode the hex text `s` (upper or lower case, no separators, optional
 * "0x" prefix) into at most `max` octets at `out`.
 * Returns the number of octets, or -1 for an odd number of digits, a
 * non-hex character, or more than `max` octets.
 */
ssize_t	hex_decode(const char *s, void *out, size_t max);

/* As hex_decode(), but the text must decode to exactly `len` octets. */
int	hex_decode_exact(const char *s, void *out, size_t len);

#endif
