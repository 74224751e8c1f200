/*
 * Unit tests for lib/maildrop: a Maildir opened for one POP3 session —
 * the lock against a second session, new/ taken into cur/, POP3 sizes,
 * UIDLs, and removals that are carried out at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildrop.h"
#include "testutil.h"

static char dir[512];

static int
setup(void **state)
{
	(void)state;
	test_mkdir();
	snprintf(dir, sizeof(dir), "%s/taro/", testdir);
	assert_int_equal(maildir_create(dir), 0);
	/* two messages as smtp-in writes them, one put there by hand */
	test_write("taro/new/1700000000.M1P1.host,S=10,W=12", "a: b\n\nxyz\n");
	test_write("taro/new/1700000001.M2P2.host,S=10,W=12", "c: d\n\nxyz\n");
	test_write("taro/new/1700000002.by hand", "one\ntwo\nthree\n");
	return 0;
}

static void
test_listed_sized_and_locked(void **state)
{
	struct maildrop d, other;
	char uid[MAILDROP_UID_MAX + 1], path[700];
	size_t count;
	struct stat st;

	(void)state;
	assert_int_equal(maildrop_open(&d, dir), 0);
	assert_int_equal(d.list.n, 3);
	/* in delivery order; new/ is empty now */
	assert_non_null(strstr(d.list.msg[0].name, "1700000000.M1P1"));
	snprintf(path, sizeof(path),
	    "%s/taro/new/1700000000.M1P1.host,S=10,W=12", testdir);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(maildrop_size(&d, 0), 12); /* from W= */
	assert_int_equal(maildrop_size(&d, 2), 17); /* counted: 3 CRLF */
	assert_int_equal(maildrop_octets(&d, &count), 12 + 12 + 17);
	assert_int_equal(count, 3);
	d.deleted[1] = 1;
	assert_int_equal(maildrop_octets(&d, &count), 12 + 17);
	assert_int_equal(count, 2);
	maildrop_uid(&d, 0, uid, sizeof(uid));
	assert_string_equal(uid, "1700000000.M1P1.host");
	/* a space is not for a UIDL: a hash of the name instead */
	maildrop_uid(&d, 2, uid, sizeof(uid));
	assert_int_equal(strlen(uid), 32);
	assert_int_equal(strspn(uid, "0123456789abcdef"), 32);
	/* a second session waits its turn */
	assert_int_equal(maildrop_open(&other, dir), 1);
	maildrop_close(&other);
	maildrop_close(&d);
	/* and may then have it */
	assert_int_equal(maildrop_open(&other, dir), 0);
	maildrop_close(&other);
}

static void
test_removals_at_the_end(void **state)
{
	struct maildrop d;
	char why[600], path[700];
	struct stat st;

	(void)state;
	assert_int_equal(maildrop_open(&d, dir), 0);
	d.deleted[0] = d.deleted[2] = 1;
	/* one of them already gone by hand: that is what was wanted */
	snprintf(
	    path, sizeof(path), "%s/taro/cur/%s", testdir, d.list.msg[2].name);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(maildrop_commit(&d, why, sizeof(why)), 0);
	assert_int_equal(d.ndeleted, 2);
	snprintf(
	    path, sizeof(path), "%s/taro/cur/%s", testdir, d.list.msg[0].name);
	assert_int_equal(stat(path, &st), -1);
	snprintf(
	    path, sizeof(path), "%s/taro/cur/%s", testdir, d.list.msg[1].name);
	assert_int_equal(stat(path, &st), 0);
	maildrop_close(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_listed_sized_and_locked, setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_removals_at_the_end, setup, test_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
