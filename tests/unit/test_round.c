/*
 * Unit tests for lib/round, one round of the queue runner: each due
 * entry once, in a process of its own, no more at a time than allowed,
 * mail queued meanwhile taken up in the same round, and a child that
 * cannot record its entry stopping the round. The entries are files in
 * SPOOL/queue/info, as queue_list sees them; the children leave a file
 * in done/ for each entry they were given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "round.h"
#include "testutil.h"

static int
setup(void **state)
{
	char path[1024];

	(void)state;
	test_mkdir();
	assert_int_equal(queue_init(testdir), 0);
	snprintf(path, sizeof(path), "%s/done", testdir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/running", testdir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/max", testdir);
	assert_int_equal(mkdir(path, 0700), 0);
	return 0;
}

static void
queued(const char *id)
{
	char name[256];

	snprintf(name, sizeof(name), "queue/info/%.100s", id);
	test_write(name, "");
}

/* The names in testdir/sub, joined by spaces in sorted order. */
static const char *
listing(const char *sub)
{
	static char out[1024];
	char path[1024];
	struct dirent **names;
	int i, n;

	snprintf(path, sizeof(path), "%s/%s", testdir, sub);
	n = scandir(path, &names, NULL, alphasort);
	assert_true(n >= 0);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			if (out[0] != '\0')
				strlcat(out, " ", sizeof(out));
			strlcat(out, names[i]->d_name, sizeof(out));
		}
		free(names[i]);
	}
	free(names);
	return out;
}

/* Not due: entries whose id starts with "later". */
static int
due(const char *id, void *arg)
{
	(void)arg;
	return strncmp(id, "later", 5) != 0;
}

/* Counts the entries being worked on now, this one included. */
static int
running_now(void)
{
	const char *l = listing("running");
	int n = l[0] != '\0';

	for (; *l != '\0'; l++)
		n += *l == ' ';
	return n;
}

/*
 * In the child: done/ID (twice: done/ID.twice); running/ID while it
 * works, and max/ID.N: N were running then. Entry "add" queues a
 * new entry "new"; entry "fail" cannot be recorded.
 */
static int
process(const char *id, void *arg)
{
	char path[1024], rel[256];
	struct timespec pause = { 0, 50 * 1000000L };
	int fd;

	(void)arg;
	snprintf(path, sizeof(path), "%s/done/%.100s", testdir, id);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		strlcat(path, ".twice", sizeof(path));
		fd = creat(path, 0600);
	}
	close(fd);
	snprintf(rel, sizeof(rel), "running/%.100s", id);
	test_write(rel, "");
	snprintf(rel, sizeof(rel), "max/%.100s.%d", id, running_now());
	test_write(rel, "");
	nanosleep(&pause, NULL);
	snprintf(path, sizeof(path), "%s/running/%.100s", testdir, id);
	unlink(path);
	if (strcmp(id, "add") == 0)
		queued("new");
	return strcmp(id, "fail") == 0 ? -1 : 0;
}

static struct round_job
job(int concurrency, const char *only)
{
	return (struct round_job) { testdir, concurrency, only, 20, due,
		process, NULL };
}

static void
test_each_due_entry_once(void **state)
{
	struct round_job j = job(3, NULL);

	(void)state;
	queued("a1");
	queued("a2");
	queued("a3");
	queued("later1");
	assert_int_equal(round_any_due(&j), 1);
	assert_int_equal(round_run(&j), 3);
	assert_string_equal(listing("done"), "a1 a2 a3");
}

static void
test_no_more_at_a_time_than_allowed(void **state)
{
	struct round_job j = job(2, NULL);
	const char *l;

	(void)state;
	queued("b1");
	queued("b2");
	queued("b3");
	queued("b4");
	queued("b5");
	assert_int_equal(round_run(&j), 5);
	assert_string_equal(listing("done"), "b1 b2 b3 b4 b5");
	l = listing("max");
	assert_null(strstr(l, ".3"));
	assert_null(strstr(l, ".4"));
}

static void
test_mail_queued_meanwhile_goes_in_the_same_round(void **state)
{
	struct round_job j = job(1, NULL);

	(void)state;
	queued("add");
	/* listed after "add" and not due: the end of the list is reached
	 * without a new listing, while "new" waits */
	queued("later9");
	assert_int_equal(round_run(&j), 2);
	assert_string_equal(listing("done"), "add new");
}

static void
test_only_the_entry_asked_for(void **state)
{
	struct round_job j = job(4, "c2");

	(void)state;
	queued("c1");
	queued("c2");
	queued("c3");
	assert_int_equal(round_run(&j), 1);
	assert_string_equal(listing("done"), "c2");
}

static void
test_an_entry_that_cannot_be_recorded_stops_the_round(void **state)
{
	struct round_job j = job(1, NULL);

	(void)state;
	/* ids of one length are listed in text order */
	queued("d100");
	queued("fail");
	queued("z100"); /* listed after "fail": never started */
	assert_int_equal(round_run(&j), -1);
	assert_string_equal(listing("done"), "d100 fail");
}

static void
test_nothing_due(void **state)
{
	struct round_job j = job(2, NULL);

	(void)state;
	assert_int_equal(round_any_due(&j), 0);
	assert_int_equal(round_run(&j), 0);
	queued("later2");
	assert_int_equal(round_any_due(&j), 0);
	assert_int_equal(round_run(&j), 0);
	assert_string_equal(listing("done"), "");
	j.concurrency = ROUND_FLIGHT_MAX + 1;
	assert_int_equal(round_run(&j), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_each_due_entry_once, setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_more_at_a_time_than_allowed, setup,
		    test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_mail_queued_meanwhile_goes_in_the_same_round, setup,
		    test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_only_the_entry_asked_for, setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_an_entry_that_cannot_be_recorded_stops_the_round,
		    setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_nothing_due, setup, test_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
