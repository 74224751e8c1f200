/*
 * Unit tests for lib/fsync: fsync_dir syncs the directory that holds a
 * path (the path itself need not exist yet: its name is what was made),
 * and says why when that directory is not there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <sys/stat.h>

#include "fsync.h"
#include "testutil.h"

static void
test_the_directory_of_a_path(void **state)
{
	char path[600];

	(void)state;
	test_mkdir();
	test_write("file", "x\n");
	snprintf(path, sizeof(path), "%s/file", testdir);
	assert_int_equal(fsync_dir(path), 0);
	snprintf(path, sizeof(path), "%s/new/name", testdir);
	assert_int_equal(fsync_dir(path), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/new", testdir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/new/name", testdir);
	assert_int_equal(fsync_dir(path), 0);
	/* a file where the directory should be */
	snprintf(path, sizeof(path), "%s/file/name", testdir);
	assert_int_equal(fsync_dir(path), -1);
	assert_int_equal(errno, ENOTDIR);
	test_rmdir();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_directory_of_a_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
