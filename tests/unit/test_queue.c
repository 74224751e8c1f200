/* Unit tests for lib/queue: entries written, read back, rewritten, listed,
 * removed; malformed envelopes are refused, unknown keys kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <utime.h>

#include "queue.h"
#include "testutil.h"

static void
make_entry(const char *id, const char *sender)
{
	static const struct queue_rcpt rcpts[] = {
		{ "friend@example.net", "hanako@example.com" },
		{ "\"john smith\"@example.org", NULL },
	};
	int fd;

	assert_int_equal(queue_init(testdir), 0);
	fd = queue_open_mess(testdir, id);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "Subject: q\n\nx\n", 14), 14);
	assert_int_equal(queue_commit(testdir, id, fd, sender, rcpts, 2), 0);
}

static void
test_commit_read_rewrite(void **state)
{
	struct queue_entry e;
	char path[512];
	int fd;

	(void)state;
	test_mkdir();
	make_entry("1700000000.000001.42", "");
	assert_int_equal(queue_read(testdir, "1700000000.000001.42", &e), 1);
	assert_string_equal(e.sender, "");
	assert_int_equal(e.attempts, 0);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.rcpt[0].addr, "friend@example.net");
	assert_string_equal(e.rcpt[0].via, "hanako@example.com");
	assert_string_equal(e.rcpt[1].addr, "\"john smith\"@example.org");
	assert_null(e.rcpt[1].via);
	/* a later program's key survives a rewrite */
	snprintf(
	    path, sizeof(path), "%s/queue/info/1700000000.000001.42", testdir);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "hold until-etrn\n", 16), 16);
	close(fd);
	queue_entry_free(&e);
	assert_int_equal(queue_read(testdir, "1700000000.000001.42", &e), 1);
	e.attempts = 3;
	e.next = 1700009999;
	e.rcpt[1].error = strdup("451 4.3.0 try later");
	assert_int_equal(queue_rewrite(testdir, &e), 0);
	queue_entry_free(&e);
	assert_int_equal(queue_read(testdir, "1700000000.000001.42", &e), 1);
	assert_int_equal(e.attempts, 3);
	assert_int_equal(e.next, 1700009999);
	assert_string_equal(e.rcpt[1].error, "451 4.3.0 try later");
	assert_string_equal(e.extra, "hold until-etrn\n");
	queue_entry_free(&e);
	assert_int_equal(queue_read(testdir, "1700000000.000001.99", &e), 0);
	test_rmdir();
}

static void
test_list_and_remove(void **state)
{
	struct queue_entry e;
	char **ids;
	size_t n, i;

	(void)state;
	test_mkdir();
	make_entry("1700000005.000000.1", "a@example.net");
	make_entry("999999999.000000.1", "b@example.net");
	make_entry("1700000001.000000.1", "c@example.net");
	assert_int_equal(queue_list(testdir, &ids, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ids[0], "999999999.000000.1");
	assert_string_equal(ids[1], "1700000001.000000.1");
	assert_string_equal(ids[2], "1700000005.000000.1");
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	assert_int_equal(queue_remove(testdir, "1700000001.000000.1"), 0);
	assert_int_equal(queue_read(testdir, "1700000001.000000.1", &e), 0);
	assert_int_equal(queue_list(testdir, &ids, &n), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	test_rmdir();
}

static void
test_malformed_envelopes(void **state)
{
	static const char *const bad[] = {
		"", "yubin-queue 2\nid X\nsender a@b\nrcpt c@d\n",
		"yubin-queue 1\nid X\nsender a@b\n", /* no rcpt */
		"yubin-queue 1\nid X\nrcpt c@d\n",   /* no sender */
		"yubin-queue 1\nid X\nsender a@b\nvia x@y\nrcpt c@d\n",
		"yubin-queue 1\nid X\nsender a@b\nrcpt c@d\nattempts many\n",
		"yubin-queue 1\nid Y\nsender a@b\nrcpt c@d\n", /* other id */
		"yubin-queue 1\nid X\nsender a@b\nrcpt c@d",   /* cut off */
	};
	struct queue_entry e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_mkdir();
		assert_int_equal(queue_init(testdir), 0);
		test_write("queue/info/X", bad[i]);
		if (queue_read(testdir, "X", &e) != -1)
			fail_msg("case %zu was accepted", i);
		test_rmdir();
	}
}

static void
test_orphans_removed_when_old(void **state)
{
	struct utimbuf old = { 1000000000, 1000000000 };
	char path[512];

	(void)state;
	test_mkdir();
	make_entry("1700000000.000001.7", "a@example.net"); /* has info */
	assert_int_equal(queue_init(testdir), 0);
	test_write("queue/mess/1700000000.000002.7", "orphan, old\n");
	test_write("queue/mess/1700000000.000003.7", "orphan, new\n");
	snprintf(
	    path, sizeof(path), "%s/queue/mess/1700000000.000002.7", testdir);
	assert_int_equal(utime(path, &old), 0);
	snprintf(
	    path, sizeof(path), "%s/queue/mess/1700000000.000001.7", testdir);
	assert_int_equal(utime(path, &old), 0);
	assert_int_equal(queue_remove_orphans(testdir, 86400), 1);
	assert_int_equal(access(path, F_OK), 0); /* its entry is there */
	snprintf(
	    path, sizeof(path), "%s/queue/mess/1700000000.000003.7", testdir);
	assert_int_equal(access(path, F_OK), 0); /* maybe being committed */
	snprintf(
	    path, sizeof(path), "%s/queue/mess/1700000000.000002.7", testdir);
	assert_int_equal(access(path, F_OK), -1);
	test_rmdir();
}

/* remote-send --flush and --remove: a delivery's lock is respected. */
static void
test_administrators_changes(void **state)
{
	const char *id = "1700000000.000003.42";
	struct queue_entry e;
	int lock;

	(void)state;
	test_mkdir();
	make_entry(id, "a@example.com");
	assert_int_equal(queue_read(testdir, id, &e), 1);
	e.next = 1900000000;
	assert_int_equal(queue_rewrite(testdir, &e), 0);
	queue_entry_free(&e);
	/* being delivered: left alone, then not removed within the wait */
	assert_true((lock = queue_lock(testdir, id)) >= 0);
	assert_int_equal(queue_make_due(testdir, id), 0);
	assert_int_equal(queue_remove_idle(testdir, id, 1), -1);
	assert_int_equal(errno, EBUSY);
	close(lock);
	assert_int_equal(queue_read(testdir, id, &e), 1);
	assert_int_equal(e.next, 1900000000);
	queue_entry_free(&e);
	/* free: due now, then removed; then there is no such entry */
	assert_int_equal(queue_make_due(testdir, id), 1);
	assert_int_equal(queue_read(testdir, id, &e), 1);
	assert_int_equal(e.next, 0);
	queue_entry_free(&e);
	assert_int_equal(queue_remove_idle(testdir, id, 1), 0);
	assert_int_equal(queue_read(testdir, id, &e), 0);
	assert_int_equal(queue_remove_idle(testdir, id, 1), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(queue_remove_idle(testdir, "../x", 1), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(queue_make_due(testdir, id), 0);
	test_rmdir();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_read_rewrite),
		cmocka_unit_test(test_list_and_remove),
		cmocka_unit_test(test_malformed_envelopes),
		cmocka_unit_test(test_orphans_removed_when_old),
		cmocka_unit_test(test_administrators_changes),
	};

	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
