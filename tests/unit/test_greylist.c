/*
 * Unit tests for lib/greylist: a new triple waits, passes after the
 * delay and from then on; the network, not the address, counts; sender
 * and recipient case does not; unseen triples expire and are swept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "greylist.h"
#include "testutil.h"

#define T0 ((time_t)1796000000)
#define DELAY 300
#define EXPIRE (35 * 86400)

static struct cidr
addr(const char *text)
{
	struct cidr c;

	assert_int_equal(cidr_from_text(text, &c), 0);
	return c;
}

static int
check(const char *client, const char *from, const char *to, time_t now,
    long *wait)
{
	struct cidr c = addr(client);

	return greylist_check(testdir, &c, from, to, DELAY, EXPIRE, now, wait);
}

static int
records(void)
{
	char path[1024];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/greylist", testdir);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
test_new_triple_waits_then_passes(void **state)
{
	long wait;

	(void)state;
	assert_int_equal(
	    check("192.0.2.1", "a@x.example", "taro@example.com", T0, &wait),
	    0);
	assert_int_equal(wait, DELAY);
	assert_int_equal(check("192.0.2.1", "a@x.example", "taro@example.com",
			     T0 + 100, &wait),
	    0);
	assert_int_equal(wait, DELAY - 100);
	/* another address of the same /24, as a pool of senders retries */
	assert_int_equal(check("192.0.2.77", "A@X.example", "Taro@example.com",
			     T0 + DELAY, &wait),
	    1);
	assert_int_equal(check("192.0.2.1", "a@x.example", "taro@example.com",
			     T0 + 10 * 86400, &wait),
	    1);
	/* another network, sender or recipient is another triple */
	assert_int_equal(check("192.0.3.1", "a@x.example", "taro@example.com",
			     T0 + DELAY, &wait),
	    0);
	assert_int_equal(check("192.0.2.1", "b@x.example", "taro@example.com",
			     T0 + DELAY, &wait),
	    0);
	assert_int_equal(check("192.0.2.1", "a@x.example", "jiro@example.com",
			     T0 + DELAY, &wait),
	    0);
	assert_int_equal(
	    check("192.0.2.1", "", "taro@example.com", T0 + DELAY, &wait),
	    0); /* the null sender is a sender like any */
}

static void
test_ipv6_by_64(void **state)
{
	long wait;

	(void)state;
	assert_int_equal(check("2001:db8:1:2::1", "a@x.example",
			     "taro@example.com", T0, &wait),
	    0);
	assert_int_equal(check("2001:db8:1:2::99", "a@x.example",
			     "taro@example.com", T0 + DELAY, &wait),
	    1);
	assert_int_equal(check("2001:db8:1:3::1", "a@x.example",
			     "taro@example.com", T0 + DELAY, &wait),
	    0);
}

static void
test_unseen_triples_expire_and_are_swept(void **state)
{
	long wait;

	(void)state;
	check("198.51.100.1", "a@x.example", "taro@example.com", T0, &wait);
	assert_int_equal(check("198.51.100.1", "a@x.example",
			     "taro@example.com", T0 + DELAY, &wait),
	    1);
	/* not seen for longer than expire: it has to wait again */
	assert_int_equal(
	    check("198.51.100.1", "a@x.example", "taro@example.com",
		T0 + DELAY + EXPIRE + 1, &wait),
	    0);
	/* a new record more than an hour after the last sweep sweeps */
	check("198.51.100.2", "old@x.example", "taro@example.com", T0, &wait);
	assert_int_equal(records(), 2);
	check("198.51.100.3", "new@x.example", "taro@example.com",
	    T0 + 2 * EXPIRE, &wait);
	assert_int_equal(records(), 2); /* old went, new came */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_new_triple_waits_then_passes, test_dir_setup,
		    test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_ipv6_by_64, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_unseen_triples_expire_and_are_swept, test_dir_setup,
		    test_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
