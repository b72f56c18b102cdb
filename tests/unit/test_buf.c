/*
 * test_buf.c — the capped byte buffer: growth up to the cap and never
 * past it, errors that leave the buffer unchanged, consume, printf-style
 * appends and C-string views.
 */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "suites.h"

START_TEST(buf_init_empty)
{
	struct buf b;

	buf_init(&b, 100);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.size, 0);
	ck_assert_uint_eq(b.max, 100);
	ck_assert_int_eq(buf_append(&b, NULL, 0), 0);
	ck_assert_ptr_null(b.data);	/* nothing to store, nothing allocated */
	buf_clear(&b);
}
END_TEST

START_TEST(buf_append_within_cap)
{
	struct buf b;

	buf_init(&b, 1000);
	ck_assert_int_eq(buf_append(&b, "hello", 5), 0);
	ck_assert_int_eq(buf_append(&b, " world", 6), 0);
	ck_assert_uint_eq(b.len, 11);
	ck_assert(memcmp(b.data, "hello world", 11) == 0);
	ck_assert_uint_ge(b.size, 11);
	ck_assert_uint_le(b.size, 1000);
	buf_clear(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.max, 1000);	/* reusable with the same cap */
}
END_TEST

START_TEST(buf_grows_geometrically)
{
	struct buf b;
	uint8_t chunk[10];
	size_t i, grows = 0, last = 0;

	memset(chunk, 0xa5, sizeof(chunk));
	buf_init(&b, 100000);
	for (i = 0; i < 10000; i++) {
		ck_assert_int_eq(buf_append(&b, chunk, sizeof(chunk)), 0);
		if (b.size != last) {
			grows++;
			last = b.size;
		}
	}
	ck_assert_uint_eq(b.len, 100000);
	ck_assert_uint_eq(b.size, 100000);	/* clamped to the cap */
	/* 64, 128, ... 65536, then the cap: 12 allocations, not 10000. */
	ck_assert_uint_le(grows, 12);
	ck_assert_uint_eq(b.data[99999], 0xa5);
	buf_clear(&b);
}
END_TEST

START_TEST(buf_exact_cap)
{
	struct buf b;
	uint8_t data[16];

	memset(data, 0x11, sizeof(data));
	buf_init(&b, 16);
	ck_assert_int_eq(buf_append(&b, data, 10), 0);
	ck_assert_int_eq(buf_append(&b, data, 6), 0);
	ck_assert_uint_eq(b.len, 16);
	ck_assert_uint_eq(b.size, 16);	/* never allocated past max */
	errno = 0;
	ck_assert_int_eq(buf_append(&b, data, 1), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(b.len, 16);
	buf_clear(&b);
}
END_TEST

START_TEST(buf_over_cap_unchanged)
{
	struct buf b;
	uint8_t *before;
	size_t size;

	buf_init(&b, 8);
	ck_assert_int_eq(buf_append(&b, "abcde", 5), 0);
	before = b.data;
	size = b.size;
	errno = 0;
	ck_assert_int_eq(buf_append(&b, "fghij", 5), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_ptr_eq(b.data, before);
	ck_assert_uint_eq(b.size, size);
	ck_assert_uint_eq(b.len, 5);
	ck_assert(memcmp(b.data, "abcde", 5) == 0);
	/* A length that would wrap size_t is refused too. */
	errno = 0;
	ck_assert_int_eq(buf_append(&b, "x", SIZE_MAX), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(b.len, 5);
	buf_clear(&b);
}
END_TEST

START_TEST(buf_zero_cap)
{
	struct buf b;

	buf_init(&b, 0);
	errno = 0;
	ck_assert_int_eq(buf_append(&b, "x", 1), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	errno = 0;
	ck_assert_ptr_null(buf_cstr(&b));
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(buf_consume_front)
{
	struct buf b;
	size_t size;

	buf_init(&b, 64);
	ck_assert_int_eq(buf_append(&b, "0123456789", 10), 0);
	size = b.size;
	buf_consume(&b, 3);
	ck_assert_uint_eq(b.len, 7);
	ck_assert(memcmp(b.data, "3456789", 7) == 0);
	ck_assert_uint_eq(b.size, size);
	/* The vacated tail holds nothing of the old data. */
	ck_assert(memcmp(b.data + 7, "\0\0\0", 3) == 0);
	buf_consume(&b, 0);
	ck_assert_uint_eq(b.len, 7);
	buf_consume(&b, 7);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(buf_append(&b, "ab", 2), 0);
	buf_consume(&b, 100);	/* more than len: everything */
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.size, size);
	buf_clear(&b);
}
END_TEST

START_TEST(buf_reset_keeps_memory)
{
	struct buf b;
	uint8_t *p;

	buf_init(&b, 64);
	ck_assert_int_eq(buf_append(&b, "secret", 6), 0);
	p = b.data;
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_eq(b.data, p);
	ck_assert(memcmp(b.data, "\0\0\0\0\0\0", 6) == 0);	/* wiped */
	ck_assert_int_eq(buf_append(&b, "x", 1), 0);
	ck_assert_ptr_eq(b.data, p);
	ck_assert_uint_eq(b.data[0], 'x');
	buf_clear(&b);
}
END_TEST

START_TEST(buf_appendf_text)
{
	struct buf b;
	char big[600];

	buf_init(&b, 1024);
	ck_assert_int_eq(buf_appendf(&b, "%s=%d;", "port", 8080), 0);
	ck_assert_int_eq(buf_appendf(&b, "%02x", 0xab), 0);
	ck_assert_uint_eq(b.len, 12);
	ck_assert_str_eq(buf_cstr(&b), "port=8080;ab");
	ck_assert_uint_eq(b.len, 12);	/* the NUL is not counted */

	/* Longer than the internal first attempt. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(buf_appendf(&b, "[%s]", big), 0);
	ck_assert_uint_eq(b.len, 12 + 601);
	ck_assert_uint_eq(b.data[12], '[');
	ck_assert_uint_eq(b.data[12 + 600], ']');
	buf_clear(&b);
}
END_TEST

START_TEST(buf_appendf_cap)
{
	struct buf b;
	char big[600];

	buf_init(&b, 10);
	ck_assert_int_eq(buf_appendf(&b, "%s", "0123456789"), 0);	/* exact */
	ck_assert_uint_eq(b.len, 10);
	buf_reset(&b);
	ck_assert_int_eq(buf_appendf(&b, "%d", 1234), 0);
	errno = 0;
	ck_assert_int_eq(buf_appendf(&b, "%s", "1234567"), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(b.len, 4);
	ck_assert(memcmp(b.data, "1234", 4) == 0);
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	errno = 0;
	ck_assert_int_eq(buf_appendf(&b, "%s", big), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(b.len, 4);
	buf_clear(&b);
}
END_TEST

START_TEST(buf_cstr_view)
{
	struct buf b;
	char *s;

	buf_init(&b, 4);
	s = buf_cstr(&b);	/* empty buffer: "" */
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(buf_append(&b, "abc", 3), 0);
	ck_assert_str_eq(buf_cstr(&b), "abc");
	ck_assert_int_eq(buf_append(&b, "d", 1), 0);
	/* Full to the cap: no room for the NUL. */
	errno = 0;
	ck_assert_ptr_null(buf_cstr(&b));
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(b.len, 4);
	ck_assert(memcmp(b.data, "abcd", 4) == 0);
	buf_clear(&b);
}
END_TEST

START_TEST(buf_clear_null)
{
	struct buf b;

	buf_clear(NULL);
	buf_init(&b, 10);
	buf_clear(&b);	/* never allocated */
	buf_clear(&b);	/* twice */
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.size, 0);
}
END_TEST

Suite *
suite_buf(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, buf_init_empty);
	tcase_add_test(tc, buf_append_within_cap);
	tcase_add_test(tc, buf_grows_geometrically);
	tcase_add_test(tc, buf_exact_cap);
	tcase_add_test(tc, buf_over_cap_unchanged);
	tcase_add_test(tc, buf_zero_cap);
	tcase_add_test(tc, buf_consume_front);
	tcase_add_test(tc, buf_reset_keeps_memory);
	tcase_add_test(tc, buf_appendf_text);
	tcase_add_test(tc, buf_appendf_cap);
	tcase_add_test(tc, buf_cstr_view);
	tcase_add_test(tc, buf_clear_null);
	suite_add_tcase(s, tc);
	return s;
}
