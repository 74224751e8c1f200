/*
 * Unit tests for lib/identity: the envelope senders a logged-in user may
 * use, against databases the real compiler made from a users file and a
 * senders file (yubin-users(5)).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "identity.h"
#include "testsite.h"

static const char users[] = "taro::\n"
			    "hanako::\n"
			    "info::taro\n"
			    "team::taro,hanako\n"
			    "away::friend@elsewhere.example\n";

/* May account (a users name) send as address? */
static int
may(const char *account, const char *address)
{
	struct identity id = { 0 };
	struct account a;
	struct addr from;
	const char *why;
	int r;

	assert_int_equal(users_find_login(&site_users, account, &a), 1);
	identity_init(&id, &site_ctx, testdir, &a);
	if (address[0] == '\0')
		from = (struct addr) { .null = 1 };
	else
		assert_int_equal(addr_parse(address, &from, &why), 0);
	r = identity_sender_ok(&id, &from);
	identity_close(&id);
	return r;
}

static void
test_own_addresses_and_aliases_that_reach_it(void **state)
{
	(void)state;
	test_site_senders(users, "taro: old@provider.example, @club.example\n");
	assert_int_equal(may("taro", "taro@example.com"), 1);
	assert_int_equal(may("taro", "TARO@Example.COM"), 1);
	assert_int_equal(may("taro", "info@example.com"), 1);
	assert_int_equal(may("taro", "team@example.com"), 1);
	assert_int_equal(may("hanako", "team@example.com"), 1);
	/* someone else's, or an alias that leads elsewhere */
	assert_int_equal(may("taro", "hanako@example.com"), 0);
	assert_int_equal(may("hanako", "info@example.com"), 0);
	assert_int_equal(may("taro", "away@example.com"), 0);
	assert_int_equal(may("taro", "nobody@example.com"), 0);
	/* the null sender is anybody's */
	assert_int_equal(may("hanako", ""), 1);
	test_site_close();
}

static void
test_senders_gives_an_account_more(void **state)
{
	(void)state;
	test_site_senders(users, "taro: old@provider.example, @club.example\n");
	assert_int_equal(may("taro", "old@provider.example"), 1);
	assert_int_equal(may("taro", "anyone@club.example"), 1);
	assert_int_equal(may("taro", "other@provider.example"), 0);
	assert_int_equal(may("taro", "x@sub.club.example"), 0);
	/* only the account it names */
	assert_int_equal(may("hanako", "old@provider.example"), 0);
	assert_int_equal(may("hanako", "anyone@club.example"), 0);
	test_site_close();
}

static void
test_no_senders_file(void **state)
{
	char path[600];

	(void)state;
	test_site(users);
	snprintf(path, sizeof(path), "%s/senders.cdb", testdir);
	unlink(path); /* a site from before senders existed */
	assert_int_equal(may("taro", "taro@example.com"), 1);
	assert_int_equal(may("taro", "old@provider.example"), 0);
	test_site_close();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_addresses_and_aliases_that_reach_it),
		cmocka_unit_test(test_senders_gives_an_account_more),
		cmocka_unit_test(test_no_senders_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
