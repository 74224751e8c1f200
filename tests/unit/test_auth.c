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

/* Hashes of "correct horse" made by other tools on 2026-11-30. */
static const struct {
	const char *tool, *hash;
} vectors[] = {
	{ "mkpasswd -m yescrypt (whois)",
	    "$y$j9T$/mR0LZvS.ZaGtp7r98Nby/$DDS/ubUe.yfwe78X4aRXYAzE8sTFxH5fgmB4"
	    "qnjzDC5" },
	{ "openssl passwd -6",
	    "$6$Gx7Qm2Zp$R0YHINlibpBLBatAyWsxa26zvhf7pCEXcKStvK9eY1iJOr4/0lCP5wj"
	    "hViq1orGNY0k7EpFQvLQvvvMmkE67D/" },
	{ "mkpasswd -m bcrypt (whois)",
	    "$2b$05$JIhmPMIt7I8OITNBP2KB2utQwa9d.xwCS6clZqeYwEK9fRMoP8ozK" },
	{ "htpasswd -B (Apache's own bcrypt)",
	    "$2y$05$hwKOrmVUw8l53DznzPUhaeKe1ZOswUMxdMOks9iHEHpR.kVO1CB8y" },
};

static void
test_hashes_made_by_other_tools(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		if (!auth_secret_ok(vectors[i].hash) ||
		    auth_check(vectors[i].hash, "correct horse") != 1 ||
		    auth_check(vectors[i].hash, "correct horsE") != 0)
			fail_msg("%s: not checked right", vectors[i].tool);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_then_check),
		cmocka_unit_test(test_refuses_what_is_not_a_hash),
		cmocka_unit_test(test_sha512_hash_checks),
		cmocka_unit_test(test_hashes_made_by_other_tools),
	};

	return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
