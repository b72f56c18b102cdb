/*
 * run.c — the unit-test runner: every suite of suites.h in one SRunner.
 * CK_RUN_SUITE / CK_RUN_CASE select a subset; CK_FORK=no runs in-process
 * (used under valgrind).
 */
#include <stdlib.h>

#include <event2/event.h>

#include "hex.h"
#include "suites.h"

void
test_unhex(const char *hex, void *out, size_t len)
{
	ck_assert_msg(hex_decode_exact(hex, out, len) == 0,
	    "bad test hex '%s' for %zu octets", hex, len);
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

int
test_run_until(struct event_base *base, int (*cond)(void *), void *arg,
    unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *ev;
	int expired = 0;

	ev = evtimer_new(base, deadline_cb, &expired);
	evtimer_add(ev, &tv);
	while (!cond(arg) && !expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	return cond(arg);
}

int
test_never(void *arg)
{
	(void)arg;
	return 0;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(suite_encoding());
	srunner_add_suite(sr, suite_buf());
	srunner_add_suite(sr, suite_log());
	srunner_add_suite(sr, suite_conf());
	srunner_add_suite(sr, suite_milenage());
	srunner_add_suite(sr, suite_aka());
	srunner_add_suite(sr, suite_gba());
	srunner_add_suite(sr, suite_digest());
	srunner_add_suite(sr, suite_ue_crypto());
	srunner_add_suite(sr, suite_diameter());
	srunner_add_suite(sr, suite_dia_peer());
	srunner_add_suite(sr, suite_xml());
	srunner_add_suite(sr, suite_http());
	srunner_add_suite(sr, suite_tls());
	srunner_add_suite(sr, suite_xcap_uri());
	srunner_add_suite(sr, suite_upstream());
	srunner_add_suite(sr, suite_httpc());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
