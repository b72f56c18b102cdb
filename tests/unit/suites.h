/*
 * suites.h — every unit suite, and small helpers shared by the tests.
 */
#ifndef UTSTACK_TEST_SUITES_H
#define UTSTACK_TEST_SUITES_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

Suite	*suite_encoding(void);
Suite	*suite_buf(void);
Suite	*suite_log(void);
Suite	*suite_conf(void);
Suite	*suite_milenage(void);
Suite	*suite_aka(void);
Suite	*suite_gba(void);
Suite	*suite_digest(void);
Suite	*suite_ue_crypto(void);
Suite	*suite_diameter(void);
Suite	*suite_dia_peer(void);
Suite	*suite_xml(void);
Suite	*suite_http(void);
Suite	*suite_tls(void);
Suite	*suite_xcap_uri(void);
Suite	*suite_upstream(void);
Suite	*suite_httpc(void);

/*
 * Decode the hex text `hex` into `out` (exactly `len` octets) or fail the
 * running test with a message naming the text.
 */
void	test_unhex(const char *hex, void *out, size_t len);

/*
 * Run `base` until cond(arg) holds or `ms` milliseconds have passed (a
 * deadline, never a sleep); returns cond(arg). test_never is a condition
 * that never holds, to show that something does NOT happen in `ms`.
 */
struct event_base;
int	test_run_until(struct event_base *base, int (*cond)(void *), void *arg,
	    unsigned ms);
int	test_never(void *arg);

/* Assert that `len` octets at `got` equal the hex text `want`. */
#define ck_assert_hex(got, len, want) do {				\
	char ck_hex_buf_[2 * 512 + 1];					\
	ck_assert_uint_le((len), 512);					\
	ck_assert_str_eq(hex_encode((got), (len), ck_hex_buf_), (want)); \
} while (0)

#endif
