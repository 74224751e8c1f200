/*
 * Unit tests for lib/runner's ETRN limit: one runner start every
 * RUNNER_ETRN_INTERVAL seconds over all sessions, told apart by domain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "runner.h"
#include "testutil.h"

/* The last start noted ago seconds before now. */
static void
started_ago(time_t now, long ago)
{
	char path[1024];
	struct timeval tv[2] = { { now - ago, 0 }, { now - ago, 0 } };

	snprintf(path, sizeof(path), "%s/queue/etrn", testdir);
	assert_int_equal(utimes(path, tv), 0);
}

static void
test_one_start_per_interval(void **state)
{
	time_t now = time(NULL);

	(void)state;
	/* the first ETRN starts one (the queue directory is made) */
	assert_int_equal(runner_etrn_recent(testdir, "a.example", now), 0);
	/* moments later: started for this domain, or wait */
	assert_int_equal(runner_etrn_recent(testdir, "a.example", now), 1);
	assert_int_equal(runner_etrn_recent(testdir, "b.example", now), 2);
	/* within the interval still */
	started_ago(now, RUNNER_ETRN_INTERVAL - 1);
	assert_int_equal(runner_etrn_recent(testdir, "b.example", now), 2);
	/* after it, the next domain's start, noted for it */
	started_ago(now, RUNNER_ETRN_INTERVAL);
	assert_int_equal(runner_etrn_recent(testdir, "b.example", now), 0);
	assert_int_equal(runner_etrn_recent(testdir, "b.example", now), 1);
	assert_int_equal(runner_etrn_recent(testdir, "a.example", now), 2);
}

static void
test_a_clock_set_back_does_not_block_etrn(void **state)
{
	time_t now = time(NULL);

	(void)state;
	assert_int_equal(runner_etrn_recent(testdir, "a.example", now), 0);
	/* the file's time lies in the future: not a recent start */
	started_ago(now, -3600);
	assert_int_equal(runner_etrn_recent(testdir, "b.example", now), 0);
}

static void
test_an_unwritable_spool_never_stops_etrn(void **state)
{
	(void)state;
	assert_int_equal(
	    runner_etrn_recent("/nonexistent/spool", "a.example", time(NULL)),
	    0);
	assert_int_equal(
	    runner_etrn_recent("/nonexistent/spool", "a.example", time(NULL)),
	    0);
}

static void
test_the_answers_to_etrn(void **state)
{
	struct conf c;
	struct verdict v;

	(void)state;
	conf_defaults(&c, testdir);
	strlcpy(c.spool, testdir, sizeof(c.spool));
	strlcpy(c.hold_domains, "a.example,b.example", sizeof(c.hold_domains));
	runner_etrn(&c, testdir, "192.0.2.7", "other.example", &v);
	assert_int_equal(v.code, 459);
	assert_string_equal(v.text,
	    "4.7.1 other.example: mail for this domain is not held here");
	/* held; no remote-send beside this test program to start */
	runner_etrn(&c, testdir, "192.0.2.7", "a.example", &v);
	assert_int_equal(v.code, 458);
	assert_string_equal(v.result, "no-runner");
	/* moments later: the same domain is under way, another waits */
	runner_etrn(&c, testdir, "192.0.2.7", "a.example", &v);
	assert_int_equal(v.code, 250);
	assert_string_equal(v.text, "2.0.0 Queuing for node a.example started");
	runner_etrn(&c, testdir, "192.0.2.7", "b.example", &v);
	assert_int_equal(v.code, 458);
	assert_string_equal(v.result, "too-soon");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_start_per_interval,
		    test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_clock_set_back_does_not_block_etrn, test_dir_setup,
		    test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_an_unwritable_spool_never_stops_etrn, test_dir_setup,
		    test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_the_answers_to_etrn,
		    test_dir_setup, test_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
