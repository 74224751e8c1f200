/*
 * Unit tests for lib/srs. The expected addresses were made by postsrsd
 * 1.10 (Debian's, the reference the issue names) with the same secret on
 * the same days: `postsrsd -s FILE -d fwd.example`, "get ADDRESS" on its
 * forward port. tests/e2e/test_srs.py asks a running postsrsd too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "srs.h"
#include "testutil.h"

/* 2026-11-30 12:00 UTC: day 20787, 20787 % 1024 = 307 = "JT" */
#define NOV30 ((time_t)1796040000)
#define DAY 86400

static struct srs srs;

static int
setup(void **state)
{
	(void)state;
	test_mkdir();
	test_write("srs.secret", "tops3cret\n# old secrets verify too\nold\n");
	assert_int_equal(srs_load(&srs, testdir, "fwd.example"), 1);
	return 0;
}

static void
test_forward_matches_postsrsd(void **state)
{
	char out[400];

	(void)state;
	assert_int_equal(srs.n, 2);
	assert_int_equal(
	    srs_forward(&srs, "taro@sender.example", NOV30, out, sizeof(out)),
	    0);
	assert_string_equal(
	    out, "SRS0=bCT9=JT=sender.example=taro@fwd.example");
	/* case kept in the address, folded in the hash */
	assert_int_equal(
	    srs_forward(&srs, "Taro@Sender.Example", NOV30, out, sizeof(out)),
	    0);
	assert_string_equal(
	    out, "SRS0=bCT9=JT=Sender.Example=Taro@fwd.example");
	assert_int_equal(
	    srs_forward(&srs, "nodomain", NOV30, out, sizeof(out)), -1);
	assert_int_equal(srs_forward(&srs, "a@b.example", NOV30, out, 20), -1);
}

static void
test_reverse(void **state)
{
	char out[400];
	const char *why;

	(void)state;
	assert_int_equal(srs_reverse(&srs, "SRS0=bCT9=JT=sender.example=taro",
			     NOV30, out, sizeof(out), &why),
	    0);
	assert_string_equal(out, "taro@sender.example");
	assert_null(why);
	/* as a mail server may have folded it */
	assert_int_equal(srs_reverse(&srs, "srs0=BCT9=jt=SENDER.example=taro",
			     NOV30, out, sizeof(out), &why),
	    0);
	/* 21 days later still good, 22 days later expired */
	assert_int_equal(srs_reverse(&srs, "SRS0=bCT9=JT=sender.example=taro",
			     NOV30 + 21 * DAY, out, sizeof(out), &why),
	    0);
	assert_int_equal(srs_reverse(&srs, "SRS0=bCT9=JT=sender.example=taro",
			     NOV30 + 22 * DAY, out, sizeof(out), &why),
	    -1);
	assert_string_equal(why, "expired");
}

static void
test_reverse_refuses_forgeries(void **state)
{
	static const char *bad_hash[] = {
		"SRS0=bCT8=JT=sender.example=taro", /* hash changed */
		"SRS0=bCT9=JT=sender.example=jiro", /* user changed */
		"SRS0=bCT9=JT=evil.example=taro",   /* domain changed */
		"SRS0=bCT9=JS=sender.example=taro", /* day changed */
	};
	static const char *malformed[] = {
		"SRS0=bCT9=JT=sender.example",
		"SRS0=bCT9",
		"SRS0==JT=a=b",
		"SRS0=bCT9=J=sender.example=taro",
		"SRS0=bCT9=J1=a.example=t",
		"SRS1=x=y==bCT9=JT=a=b",
		"taro",
	};
	char out[400];
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_hash) / sizeof(*bad_hash); i++) {
		assert_int_equal(srs_reverse(&srs, bad_hash[i], NOV30, out,
				     sizeof(out), &why),
		    -1);
		assert_string_equal(why, "bad hash");
	}
	for (i = 0; i < sizeof(malformed) / sizeof(*malformed); i++) {
		assert_int_equal(srs_reverse(&srs, malformed[i], NOV30, out,
				     sizeof(out), &why),
		    -1);
		assert_string_equal(why, "malformed");
	}
}

static void
test_old_secret_verifies_but_does_not_sign(void **state)
{
	struct srs old;
	char out[400], back[400];
	const char *why;

	(void)state;
	memset(&old, 0, sizeof(old));
	strlcpy(old.secret[0], "old", sizeof(old.secret[0]));
	old.n = 1;
	strlcpy(old.domain, "fwd.example", sizeof(old.domain));
	assert_int_equal(
	    srs_forward(&old, "a@b.example", NOV30, out, sizeof(out)), 0);
	assert_non_null(strchr(out, '@'));
	*strchr(out, '@') = '\0'; /* the local part is what comes back */
	assert_int_equal(
	    srs_reverse(&srs, out, NOV30, back, sizeof(back), &why), 0);
	assert_string_equal(back, "a@b.example");
	/* what the current set makes is signed with its first secret */
	assert_int_equal(
	    srs_forward(&srs, "a@b.example", NOV30, back, sizeof(back)), 0);
	assert_string_not_equal(back, out);
}

static void
test_load(void **state)
{
	struct srs s;

	(void)state;
	assert_int_equal(srs_load(&s, "/nonexistent", "x"), 0);
	test_write("srs.secret", "# only a comment\n\n");
	assert_int_equal(srs_load(&s, testdir, "x"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(srs_make_secret(testdir), -1);
	assert_int_equal(errno, EEXIST);
	{
		char path[1024];
		struct stat st;

		snprintf(path, sizeof(path), "%s/srs.secret", testdir);
		unlink(path);
		assert_int_equal(srs_make_secret(testdir), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_equal(srs_load(&s, testdir, "x"), 1);
		assert_int_equal(strlen(s.secret[0]), 44);
	}
}

/* In a process of its own: srs_secrets keeps what it read. */
static int
secrets_in_child(int with_file)
{
	const struct srs *a, *b;
	pid_t pid;
	int status;

	if ((pid = fork()) == 0) {
		if (!with_file) {
			a = srs_secrets("/nonexistent", "fwd.example");
			test_write("srs.secret", "new\n"); /* too late */
			b = srs_secrets(testdir, "fwd.example");
			_exit(a == NULL && b == NULL ? 0 : 1);
		}
		a = srs_secrets(testdir, "fwd.example");
		test_write("srs.secret", "changed\n"); /* not read again */
		b = srs_secrets(testdir, "fwd.example");
		_exit(a != NULL && a == b &&
			    strcmp(a->secret[0], "tops3cret") == 0 &&
			    strcmp(a->domain, "fwd.example") == 0
			? 0
			: 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_secrets_read_once(void **state)
{
	(void)state;
	test_write("srs.secret", "tops3cret\n");
	assert_int_equal(secrets_in_child(1), 0);
	assert_int_equal(secrets_in_child(0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_matches_postsrsd),
		cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_reverse_refuses_forgeries),
		cmocka_unit_test(test_old_secret_verifies_but_does_not_sign),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_secrets_read_once),
	};
	return cmocka_run_group_tests(tests, setup, test_dir_teardown);
}
