/*
 * Unit tests for lib/dkimsign and lib/dkimkey: keys made and published,
 * which keys sign, the fields signed, and the refusals. Whether the
 * signatures verify is checked end to end by dkimpy and
 * opendkim-testmsg (tests/e2e/test_dkim.py), not by the library that
 * made them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dkimkey.h"
#include "dkimsign.h"
#include "testutil.h"

static const char msg[] = "From: Taro <taro@example.org>\nTo: x@example.net\n"
			  "Subject: hi\nX-Other: not signed\n\nbody\n";

static int
setup(void **state)
{
	char path[1024];

	(void)state;
	test_mkdir();
	snprintf(path, sizeof(path), "%s/dkim", testdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/dkim/example.org", testdir);
	mkdir(path, 0700);
	return 0;
}

static void
key(const char *selector, const char *kind)
{
	char path[1024];

	assert_int_equal(dkimsign_key_path(path, sizeof(path), testdir,
			     "example.org", selector, kind),
	    0);
	assert_int_equal(dkimkey_generate(path, kind), 0);
}

static void
test_key_path_refuses_other_places(void **state)
{
	char path[1024];

	(void)state;
	assert_int_equal(dkimsign_key_path(path, sizeof(path), "/c",
			     "example.org", "s1", "rsa"),
	    0);
	assert_string_equal(path, "/c/dkim/example.org/s1.rsa");
	assert_int_equal(
	    dkimsign_key_path(path, sizeof(path), "/c", "..", "s1", "rsa"), -1);
	assert_int_equal(dkimsign_key_path(path, sizeof(path), "/c",
			     "a/../../etc", "s1", "rsa"),
	    -1);
	assert_int_equal(dkimsign_key_path(path, sizeof(path), "/c",
			     "example.org", "../x", "rsa"),
	    -1);
	assert_int_equal(dkimsign_key_path(path, sizeof(path), "/c",
			     ".example.org", "s", "rsa"),
	    -1);
	assert_int_equal(
	    dkimsign_key_path(path, 10, "/c", "example.org", "s", "rsa"), -1);
}

static void
test_keys_and_records(void **state)
{
	char path[1024], rec[DKIMKEY_RECORD_MAX];
	struct stat st;

	(void)state;
	key("s1", "rsa");
	key("s1", "ed25519");
	snprintf(path, sizeof(path), "%s/dkim/example.org/s1.rsa", testdir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* never over an existing key */
	assert_int_equal(dkimkey_generate(path, "rsa"), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(dkimkey_record(path, "rsa", rec, sizeof(rec)), 0);
	/* SubjectPublicKeyInfo of a 2048-bit key: 294 octets, 392 base64 */
	assert_int_equal(strncmp(rec, "v=DKIM1; k=rsa; p=MIIBIjAN", 26), 0);
	assert_int_equal(strlen(rec), strlen("v=DKIM1; k=rsa; p=") + 392);
	/* a key file of another kind than its name says */
	assert_int_equal(dkimkey_record(path, "ed25519", rec, sizeof(rec)), -1);
	snprintf(path, sizeof(path), "%s/dkim/example.org/s1.ed25519", testdir);
	assert_int_equal(dkimkey_record(path, "ed25519", rec, sizeof(rec)), 0);
	assert_int_equal(strlen(rec), strlen("v=DKIM1; k=ed25519; p=") + 44);
}

static void
test_both_keys_sign(void **state)
{
	char why[DKIMSIGN_WHY_MAX], *head;

	(void)state;
	key("s2", "rsa");
	key("s2", "ed25519");
	assert_int_equal(dkimsign(testdir, "s2", "example.org", msg,
			     strlen(msg), &head, why, sizeof(why)),
	    1);
	assert_string_equal(
	    why, "DKIM-signed as example.org with s2-rsa, s2-ed25519");
	assert_non_null(strstr(head,
	    "DKIM-Signature: v=1; a=rsa-sha256; "
	    "c=relaxed/relaxed; d=example.org;"));
	assert_non_null(strstr(head,
	    "\nDKIM-Signature: v=1; "
	    "a=ed25519-sha256; c=relaxed/relaxed;"));
	assert_non_null(strstr(head, "s=s2-rsa;"));
	assert_non_null(strstr(head, "s=s2-ed25519;"));
	/* From oversigned; a field not on the list left out */
	assert_non_null(strstr(head, "h=From:To:Subject:from;"));
	assert_null(strstr(head, "X-Other"));
	assert_null(strchr(head, '\r')); /* LF line ends, as our files */
	assert_int_equal(head[strlen(head) - 1], '\n');
	free(head);
}

static void
test_one_key_signs_alone(void **state)
{
	char why[DKIMSIGN_WHY_MAX], *head;

	(void)state;
	key("s3", "ed25519");
	assert_int_equal(dkimsign(testdir, "s3", "example.org", msg,
			     strlen(msg), &head, why, sizeof(why)),
	    1);
	assert_string_equal(why, "DKIM-signed as example.org with s3-ed25519");
	assert_null(strstr(head, "rsa-sha256"));
	free(head);
}

static void
test_no_key_no_signature(void **state)
{
	char why[DKIMSIGN_WHY_MAX], *head;

	(void)state;
	assert_int_equal(dkimsign(testdir, "none", "example.org", msg,
			     strlen(msg), &head, why, sizeof(why)),
	    0);
	assert_null(head);
	assert_string_equal(why, "no DKIM key for example.org (selector none)");
}

static void
test_bad_key_is_an_error(void **state)
{
	char why[DKIMSIGN_WHY_MAX], *head;

	(void)state;
	test_write("dkim/example.org/bad.rsa",
	    "-----BEGIN PRIVATE KEY-----\nnot a key\n");
	assert_int_equal(dkimsign(testdir, "bad", "example.org", msg,
			     strlen(msg), &head, why, sizeof(why)),
	    -1);
	assert_null(head);
	assert_non_null(strstr(why, "rsa"));
	test_write("dkim/example.org/empty.ed25519", "");
	assert_int_equal(dkimsign(testdir, "empty", "example.org", msg,
			     strlen(msg), &head, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "empty.ed25519"));
}

/* Signs msg with selector, which must sign. */
static void
sign_ok(const char *selector)
{
	char why[DKIMSIGN_WHY_MAX], *head;

	assert_int_equal(dkimsign(testdir, selector, "example.org", msg,
			     strlen(msg), &head, why, sizeof(why)),
	    1);
	free(head);
}

static void
test_a_key_is_decoded_once_per_process(void **state)
{
	struct dkimsign_stats before, after;

	(void)state;
	key("s6", "rsa");
	key("s6", "ed25519");
	before = dkimsign_stats();
	sign_ok("s6");
	after = dkimsign_stats();
	assert_int_equal(after.decoded - before.decoded, 2);
	/* libopendkim got both keys from us, not by decoding them again */
	assert_int_equal(after.handed - before.handed, 2);
	sign_ok("s6");
	sign_ok("s6");
	before = after;
	after = dkimsign_stats();
	assert_int_equal(after.decoded - before.decoded, 0);
	assert_int_equal(after.handed - before.handed, 4);
}

static void
test_a_replaced_key_signs_from_the_next_message(void **state)
{
	struct dkimsign_stats before, after;
	char path[1024];

	(void)state;
	key("s7", "ed25519");
	sign_ok("s7");
	assert_int_equal(dkimsign_key_path(path, sizeof(path), testdir,
			     "example.org", "s7", "ed25519"),
	    0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(dkimkey_generate(path, "ed25519"), 0);
	before = dkimsign_stats();
	sign_ok("s7");
	after = dkimsign_stats();
	assert_int_equal(after.decoded - before.decoded, 1);
	assert_int_equal(after.handed - before.handed, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_path_refuses_other_places),
		cmocka_unit_test(test_keys_and_records),
		cmocka_unit_test(test_both_keys_sign),
		cmocka_unit_test(test_one_key_signs_alone),
		cmocka_unit_test(test_no_key_no_signature),
		cmocka_unit_test(test_bad_key_is_an_error),
		cmocka_unit_test(test_a_key_is_decoded_once_per_process),
		cmocka_unit_test(
		    test_a_replaced_key_signs_from_the_next_message),
	};
	return cmocka_run_group_tests(tests, setup, test_dir_teardown);
}
