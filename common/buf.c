/*
 * buf.c — a growable byte buffer with a hard cap; see buf.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "secret.h"

/* First allocation, so that small appends do not realloc one by one. */
#define BUF_MIN_SIZE	64

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->max = max;
}

/*
 * Make room for at least `need` octets in total (need <= max already
 * checked). Grows by doubling, clamped to max. Not realloc(): the old
 * block may hold keys and must be wiped before it goes back to malloc.
 */
static int
grow(struct buf *b, size_t need)
{
	uint8_t *p;
	size_t size;

	if (need <= b->size)
		return 0;
	size = b->size < BUF_MIN_SIZE ? BUF_MIN_SIZE : b->size;
	while (size < need)
		size = size > b->max / 2 ? b->max : size * 2;
	if (size > b->max)
		size = b->max;
	if ((p = malloc(size)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (b->len > 0)
		memcpy(p, b->data, b->len);
	secret_wipe(b->data, b->size);
	free(b->data);
	b->data = p;
	b->size = size;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (n > b->max - b->len) {	/* len <= max, so no wrap-around */
		errno = EMSGSIZE;
		return -1;
	}
	if (grow(b, b->len + n) == -1)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
buf_vappendf(struct buf *b, const char *fmt, va_list ap)
{
	char small[256], *big = NULL;
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		va_end(ap2);
		if (errno == 0)
			errno = EINVAL;
		return -1;
	}
	if ((size_t)n < sizeof(small)) {
		rc = buf_append(b, small, (size_t)n);
	} else if ((size_t)n > b->max - b->len) {
		/* Check the cap before allocating for an oversized text. */
		errno = EMSGSIZE;
		rc = -1;
	} else if ((big = malloc((size_t)n + 1)) == NULL) {
		errno = ENOMEM;
		rc = -1;
	} else {
		vsnprintf(big, (size_t)n + 1, fmt, ap2);
		rc = buf_append(b, big, (size_t)n);
		secret_wipe(big, (size_t)n + 1);
		free(big);
	}
	va_end(ap2);
	secret_wipe(small, sizeof(small));
	return rc;
}

int
buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vappendf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	secret_wipe(b->data + b->len - n, n);
	b->len -= n;
}

void
buf_reset(struct buf *b)
{
	secret_wipe(b->data, b->len);
	b->len = 0;
}

void
buf_clear(struct buf *b)
{
	if (b == NULL)
		return;
	secret_wipe(b->data, b->size);
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->size = 0;
}

char *
buf_cstr(struct buf *b)
{
	if (b->len >= b->max) {
		errno = EMSGSIZE;
		return NULL;
	}
	if (grow(b, b->len + 1) == -1)
		return NULL;
	b->data[b->len] = '\0';
	return (char *)b->data;
}
