/*
 * Unit tests for lib/lockout: failures counted per address across calls
 * (as across connections), the lock and its end, a stale record, a
 * success that forgets, IPv6 counted by /64, and a damaged record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lockout.h"
#include "testutil.h"

#define T0 ((time_t)1796000000)

static struct cidr
addr(const char *text)
{
	struct cidr c;

	assert_int_equal(cidr_from_text(text, &c), 0);
	return c;
}

static void
test_locks_after_max_and_ends_after_secs(void **state)
{
	struct cidr a = addr("192.0.2.7"), b = addr("192.0.2.8");
	int i;

	(void)state;
	assert_int_equal(lockout_check(testdir, &a, 3, 60, T0), 0);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(lockout_check(testdir, &a, 3, 60, T0 + i), 0);
		assert_int_equal(lockout_failed(testdir, &a, 60, T0 + i), i);
	}
	assert_int_equal(lockout_check(testdir, &a, 3, 60, T0 + 4), 1);
	assert_int_equal(lockout_check(testdir, &b, 3, 60, T0 + 4), 0);
	/* a minute after the last failure it is over, and starts again */
	assert_int_equal(lockout_check(testdir, &a, 3, 60, T0 + 63), 1);
	assert_int_equal(lockout_check(testdir, &a, 3, 60, T0 + 64), 0);
	assert_int_equal(lockout_failed(testdir, &a, 60, T0 + 64), 1);
	/* 0 turns it off */
	assert_int_equal(lockout_check(testdir, &a, 0, 60, T0 + 64), 0);
}

static void
test_slow_guesses_never_add_up(void **state)
{
	struct cidr a = addr("192.0.2.9");
	int i;

	(void)state;
	for (i = 0; i < 10; i++)
		assert_int_equal(
		    lockout_failed(testdir, &a, 60, T0 + i * 61), 1);
	assert_int_equal(lockout_check(testdir, &a, 3, 60, T0 + 9 * 61), 0);
}

static void
test_success_forgets(void **state)
{
	struct cidr a = addr("198.51.100.1");

	(void)state;
	lockout_failed(testdir, &a, 60, T0);
	lockout_failed(testdir, &a, 60, T0 + 1);
	lockout_clear(testdir, &a);
	assert_int_equal(lockout_failed(testdir, &a, 60, T0 + 2), 1);
	lockout_clear(testdir, &a);
	lockout_clear(testdir, &a); /* nothing there: nothing happens */
}

static void
test_ipv6_counts_by_64(void **state)
{
	struct cidr a = addr("2001:db8:1:2::1"), b = addr("2001:db8:1:2::ff");
	struct cidr c = addr("2001:db8:1:3::1");
	char path[1024];
	struct stat st;

	(void)state;
	lockout_failed(testdir, &a, 60, T0);
	lockout_failed(testdir, &b, 60, T0);
	assert_int_equal(lockout_check(testdir, &a, 2, 60, T0), 1);
	assert_int_equal(lockout_check(testdir, &c, 2, 60, T0), 0);
	snprintf(path, sizeof(path), "%s/lockout/2001:db8:1:2::_64", testdir);
	assert_int_equal(stat(path, &st), 0);
}

static void
test_damaged_record_starts_over(void **state)
{
	struct cidr a = addr("203.0.113.5");

	(void)state;
	mkdir(testdir, 0700);
	test_write("lockout/203.0.113.5", "garbage\n");
	assert_int_equal(lockout_check(testdir, &a, 1, 60, T0), 0);
	assert_int_equal(lockout_failed(testdir, &a, 60, T0), 1);
	/* a record from the future (a clock set back) is no lock either */
	test_write("lockout/203.0.113.5", "50 1796000100 1796000100\n");
	assert_int_equal(lockout_check(testdir, &a, 3, 60, T0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locks_after_max_and_ends_after_secs),
		cmocka_unit_test(test_slow_guesses_never_add_up),
		cmocka_unit_test(test_success_forgets),
		cmocka_unit_test(test_ipv6_counts_by_64),
		cmocka_unit_test(test_damaged_record_starts_over),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
