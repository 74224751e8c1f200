/*
 * Unit tests for lib/filter with real programs from coreutils: verdicts
 * from exit statuses, the fields a filter prints, a hang, a program that
 * is not there, and the settings that are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"

static enum filter_verdict
run(const char *argv, int timeout, char *head, char *why)
{
	int fd = open("/dev/null", O_RDONLY);
	enum filter_verdict v;

	assert_true(fd >= 0);
	v = filter_run(argv, fd, timeout, head, FILTER_HEAD_MAX, why, 128);
	close(fd);
	return v;
}

static void
test_verdicts(void **state)
{
	char head[FILTER_HEAD_MAX], why[128];

	(void)state;
	assert_int_equal(run("/bin/true", 5, head, why), FILTER_ACCEPT);
	assert_string_equal(why, "exit 0");
	assert_int_equal(run("/bin/false", 5, head, why), FILTER_JUNK);
	assert_int_equal(
	    run("/nonexistent/filter", 5, head, why), FILTER_FAILED);
	assert_string_equal(why, "exit 127");
	assert_int_equal(run("/usr/bin/env false", 5, head, why), FILTER_JUNK);
}

static void
test_fields_it_prints(void **state)
{
	char head[FILTER_HEAD_MAX], why[128];

	(void)state;
	assert_int_equal(
	    run("/bin/echo X-Spam-Status: No, score=0.1", 5, head, why),
	    FILTER_ACCEPT);
	assert_string_equal(head, "X-Spam-Status: No, score=0.1\n");
	assert_int_equal(
	    run("/bin/echo 1000.0/5.0", 5, head, why), FILTER_ACCEPT);
	assert_string_equal(head, ""); /* spamc -c's score: not a field */
	assert_int_equal(
	    run("/bin/echo Bad Name: x", 5, head, why), FILTER_ACCEPT);
	assert_string_equal(head, "");
}

static void
test_whole_message_printed_back_adds_nothing(void **state)
{
	char head[FILTER_HEAD_MAX], why[128], path[] = "/tmp/yubin-f.XXXXXX";
	int fd = mkstemp(path), i;
	enum filter_verdict v;

	(void)state;
	for (i = 0; i < 12; i++)
		dprintf(fd, "X-Field-%d: %d\n", i, i);
	dprintf(fd, "\nbody\n");
	lseek(fd, 0, SEEK_SET);
	v = filter_run("/bin/cat", fd, 5, head, sizeof(head), why, sizeof(why));
	close(fd);
	unlink(path);
	assert_int_equal(v, FILTER_ACCEPT);
	assert_string_equal(head, "");
}

static void
test_hang_is_killed_in_time(void **state)
{
	char head[FILTER_HEAD_MAX], why[128];
	time_t t0 = time(NULL);

	(void)state;
	assert_int_equal(run("/bin/sleep 30", 1, head, why), FILTER_FAILED);
	assert_string_equal(why, "no answer within 1 s");
	assert_true(time(NULL) - t0 <= 3);
}

static void
test_settings(void **state)
{
	(void)state;
	assert_true(filter_argv_ok("/usr/bin/spamc -x -c"));
	assert_false(filter_argv_ok("spamc -c"));
	assert_false(filter_argv_ok(""));
	assert_false(
	    filter_argv_ok("/a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"));
	assert_true(filter_argv_ok("/a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_fields_it_prints),
		cmocka_unit_test(test_whole_message_printed_back_adds_nothing),
		cmocka_unit_test(test_hang_is_killed_in_time),
		cmocka_unit_test(test_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
