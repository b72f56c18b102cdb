/*
 * buf.h — a growable byte buffer with a hard cap.
 *
 * Every buffer fed from the network (or from a file) is a struct buf, so
 * that no peer can make a daemon allocate without bound: the cap `max` is
 * fixed by the owner when the buffer is initialised (lower before a peer
 * has authenticated than after) and no operation ever grows the buffer
 * beyond it.
 *
 * Ownership: the struct is embedded in its owner (buf_init/buf_clear, never
 * allocated by this module); `data` is heap memory owned by the buf and
 * released by buf_clear(). Pointers into `data` are invalidated by any call
 * that may grow the buffer (buf_append, buf_appendf, buf_cstr) and by
 * buf_consume(). Buffers may hold key material: memory is wiped before it
 * is released or reused (growth, consume, reset, clear).
 */
#ifndef UTSTACK_BUF_H
#define UTSTACK_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t	*data;	/* NULL until the first octet is stored */
	size_t	 len;	/* octets in use, at data[0..len) */
	size_t	 size;	/* octets allocated at data; len <= size <= max */
	size_t	 max;	/* cap on size: the most the buffer may ever hold */
};

/*
 * Initialise `b` as empty with a cap of `max` octets. Allocates nothing;
 * a buffer with `max` 0 accepts no data at all.
 */
void	buf_init(struct buf *b, size_t max);

/*
 * Append `n` octets at `p` (which may be NULL when `n` is 0), growing the
 * allocation geometrically up to `max`.
 * Returns 0, or -1 with errno EMSGSIZE when len + n would exceed `max`, or
 * ENOMEM when the allocation fails; on error the buffer is unchanged.
 */
int	buf_append(struct buf *b, const void *p, size_t n);

/*
 * Append printf-style text (without its terminating NUL) under the same
 * cap and error rules as buf_append(); EINVAL/EOVERFLOW when the format
 * itself fails. The buffer is unchanged on error.
 */
int	buf_appendf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* buf_appendf() with a va_list (which is consumed). */
int	buf_vappendf(struct buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/*
 * Drop the first `n` octets (all of them when `n` >= len), moving the rest
 * to the front. The allocation is kept; the vacated tail is wiped.
 */
void	buf_consume(struct buf *b, size_t n);

/* Empty the buffer (len 0), wiping its contents but keeping the memory. */
void	buf_reset(struct buf *b);

/*
 * Wipe and free the memory and leave `b` empty with its cap unchanged,
 * ready for reuse. Accepts NULL.
 */
void	buf_clear(struct buf *b);

/*
 * Make sure data[len] is a NUL octet (not counted in len) and return the
 * contents as a C string, owned by the buffer and valid until the next
 * call that changes it. The NUL needs room under the cap: returns NULL
 * with errno EMSGSIZE when len == max, ENOMEM when the allocation fails.
 * The contents may contain NULs of their own; the caller checks if it
 * matters (memchr(b->data, 0, b->len)).
 */
char	*buf_cstr(struct buf *b);

#endif
