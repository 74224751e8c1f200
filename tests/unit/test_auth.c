/* Unit tests for lib/auth: hashes made and checked, locks, clear text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"

static void
test_hash_then_check(void **state)
{
	char hash[256], locked[260];

	(void)state;
	assert_int_equal(auth_hash("correct horse", hash, sizeof(hash)), 0);
	assert_memory_equal(hash, "$y$", 3);
	assert_true(auth_secret_ok(hash));
	assert_int_equal(auth_check(hash, "correct horse"), 1);
	assert_int_equal(auth_check(hash, "correct horsE"), 0);
	assert_int_equal(auth_check(hash, ""), 0);
	snprintf(locked, sizeof(locked), "!%s", hash);
	assert_int_equal(auth_check(locked, "correct horse"), 0);
}

static void
test_refuses_what_is_not_a_hash(void **state)
{
	(void)state;
	assert_int_equal(auth_check("", ""), 0);
	assert_int_equal(auth_check("hunter2", "hunter2"), 0);
	assert_false(auth_secret_ok("hunter2"));
	assert_false(auth_secret_ok("ab01234567890")); /* DES-shaped */
	assert_false(auth_secret_ok("$y$ with space"));
	assert_false(auth_secret_ok("$nosuch$abc"));
	assert_true(auth_secret_ok(
	    "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"
	    "jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/"));
}

static void
test_sha512_hash_checks(void **state)
{
	(void)state;
	/* crypt("password", "$6$saltsalt$") from glibc's test vectors */
	assert_int_equal(
	    auth_check("$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"
		       "jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
		"password"),
	    1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_then_check),
		cmocka_unit_test(test_refuses_what_is_not_a_hash),
		cmocka_unit_test(test_sha512_hash_checks),
	};

	return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
