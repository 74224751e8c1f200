/* Unit tests for lib/popbsmtp: records written, found, and aged out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <time.h>
#include <utime.h>

#include "popbsmtp.h"
#include "testutil.h"

static void
test_record_then_recent(void **state)
{
	struct cidr a, b;
	char path[512], text[128];
	struct utimbuf old;
	FILE *f;

	(void)state;
	test_mkdir();
	snprintf(path, sizeof(path), "%s/popbsmtp", testdir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(cidr_from_text("192.0.2.7", &a), 0);
	assert_int_equal(cidr_from_text("2001:db8::7", &b), 0);
	assert_int_equal(popbsmtp_recent(testdir, &a, 10), 0);
	assert_int_equal(popbsmtp_record(testdir, &a, "taro"), 0);
	assert_int_equal(popbsmtp_recent(testdir, &a, 10), 1);
	assert_int_equal(popbsmtp_recent(testdir, &a, 0), 0); /* off */
	assert_int_equal(popbsmtp_recent(testdir, &b, 10), 0);
	snprintf(path, sizeof(path), "%s/popbsmtp/192.0.2.7", testdir);
	f = fopen(path, "r");
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_non_null(strstr(text, " taro\n"));
	old.actime = old.modtime = time(NULL) - 11 * 60;
	assert_int_equal(utime(path, &old), 0);
	assert_int_equal(popbsmtp_recent(testdir, &a, 10), 0);
	assert_int_equal(popbsmtp_recent(testdir, &a, 12), 1);
	test_rmdir();
}

static void
test_missing_directory(void **state)
{
	struct cidr a;

	(void)state;
	assert_int_equal(cidr_from_text("192.0.2.7", &a), 0);
	assert_int_equal(popbsmtp_recent("/nonexistent", &a, 10), 0);
	assert_int_equal(popbsmtp_record("/nonexistent", &a, "x"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_then_recent),
		cmocka_unit_test(test_missing_directory),
	};

	return cmocka_run_group_tests_name("popbsmtp", tests, NULL, NULL);
}
