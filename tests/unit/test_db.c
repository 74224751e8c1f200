/*
 * Unit tests for lib/db's readers: a database opened and read, and a
 * missing one that the log names (the admin's first clue when a server
 * answers 421).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "testutil.h"

static void
test_open_and_read(void **state)
{
	struct db_make m;
	struct db d;
	char path[512], val[16];

	(void)state;
	snprintf(path, sizeof(path), "%s/t.cdb", testdir);
	assert_int_equal(db_make_start(&m, path, 0644), 0);
	assert_int_equal(db_make_add(&m, "key", 3, "value", 5), 0);
	assert_int_equal(db_make_finish(&m), 0);
	assert_int_equal(db_open_logged(&d, testdir, "t.cdb"), 0);
	assert_int_equal(db_gets(&d, "key", val, sizeof(val)), 1);
	assert_string_equal(val, "value");
	assert_int_equal(db_gets(&d, "other", val, sizeof(val)), 0);
	db_close(&d);
}

static void
test_missing_is_logged(void **state)
{
	char logpath[512], line[1024], want[600];
	struct db d;
	FILE *f;

	(void)state;
	snprintf(logpath, sizeof(logpath), "%s/log", testdir);
	assert_int_equal(log_open("test", logpath), 0);
	assert_int_equal(db_open_logged(&d, testdir, "users.cdb"), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(f = fopen(logpath, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	snprintf(want, sizeof(want), "cannot open %s/users.cdb: %s", testdir,
	    strerror(ENOENT));
	assert_non_null(strstr(line, want));
	assert_non_null(strstr(line, ": error: "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_and_read),
		cmocka_unit_test(test_missing_is_logged),
	};

	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
