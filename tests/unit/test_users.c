/*
 * Unit tests for lib/users and lib/relay: lookups in users.cdb,
 * domains.cdb and relay.cdb as the real compiler (lib/tables) makes them
 * from a users, domains and relay file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "deliver.h"
#include "relay.h"
#include "tables.h"
#include "testutil.h"
#include "users.h"

static struct db users, domains, relay;

static int
setup(void **state)
{
	char path[600];
	FILE *devnull = fopen("/dev/null", "w");

	(void)state;
	test_mkdir();
	test_write("domains", "example.com\nexample.org\n");
	test_write("relay",
	    "192.168.1.0/24\n!192.168.1.13\n10.0.0.0/8\n"
	    "2001:db8:1::/48\n");
	test_write("users",
	    "taro::\n"
	    "taro@example.org::\n"
	    "list::taro\n"
	    "hanako@example.org::\n"
	    "fwd::friend@example.net\n"
	    "both::.,friend@example.net\n"
	    "@example.org::taro\n"
	    "root::\n"
	    "postmaster::taro\nabuse::taro\n");
	assert_int_equal(tables_compile(testdir, TABLES_ALL, devnull), 0);
	fclose(devnull);
	snprintf(path, sizeof(path), "%s/users.cdb", testdir);
	assert_int_equal(db_open(&users, path), 0);
	snprintf(path, sizeof(path), "%s/domains.cdb", testdir);
	assert_int_equal(db_open(&domains, path), 0);
	snprintf(path, sizeof(path), "%s/relay.cdb", testdir);
	assert_int_equal(db_open(&relay, path), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_close(&users);
	db_close(&domains);
	db_close(&relay);
	test_rmdir();
	return 0;
}

static void
test_accounts_by_name_domain_and_catch_all(void **state)
{
	static const struct {
		const char *label, *name, *domain;
		int (*find)(
		    struct db *, const char *, const char *, struct account *);
		int want;
		const char *key;
	} cases[] = {
		{ "a plain name in any local domain", "taro", "example.com",
		    users_find, 1, "taro" },
		{ "name@domain before the plain name", "taro", "example.org",
		    users_find, 1, "taro@example.org" },
		{ "name@domain first", "hanako", "example.org", users_find, 1,
		    "hanako@example.org" },
		{ "name@domain only there", "hanako", "example.com", users_find,
		    0, NULL },
		{ "no catch-all for users_find", "nobody", "example.org",
		    users_find, 0, NULL },
		{ "the catch-all for a recipient", "nobody", "example.org",
		    users_find_rcpt, 1, "@example.org" },
		{ "no catch-all in another domain", "nobody", "example.com",
		    users_find_rcpt, 0, NULL },
	};
	struct account a;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = cases[i].find(&users, cases[i].name, cases[i].domain, &a);
		if (r != cases[i].want ||
		    (r == 1 && strcmp(a.key, cases[i].key) != 0))
			fail_msg("%s: %d %s", cases[i].label, r,
			    r == 1 ? a.key : "-");
	}
}

static void
test_logins_maildirs_and_domains(void **state)
{
	struct account a;
	char dir[512], want[600];

	(void)state;
	assert_int_equal(users_find_login(&users, "taro", &a), 1);
	assert_int_equal(users_find_login(&users, "hanako@example.org", &a), 1);
	assert_string_equal(a.key, "hanako@example.org");
	assert_int_equal(users_find_login(&users, "root", &a), 0);
	assert_int_equal(users_find_login(&users, "@example.org", &a), 0);
	/* own Maildirs: no targets, or "." among them */
	assert_int_equal(users_find(&users, "taro", "", &a), 1);
	assert_int_equal(users_has_own_maildir(&a), 1);
	assert_int_equal(users_maildir("/var/yubin", &a, dir, sizeof(dir)), 0);
	assert_string_equal(dir, "/var/yubin/mail/taro/");
	assert_int_equal(users_find(&users, "both", "", &a), 1);
	assert_int_equal(users_has_own_maildir(&a), 1);
	assert_int_equal(users_find(&users, "fwd", "", &a), 1);
	assert_int_equal(users_has_own_maildir(&a), 0);
	assert_int_equal(users_find(&users, "hanako", "example.org", &a), 1);
	assert_int_equal(users_maildir(testdir, &a, dir, sizeof(dir)), 0);
	snprintf(want, sizeof(want), "%s/mail/example.org/hanako/", testdir);
	assert_string_equal(dir, want);
	assert_int_equal(users_domain_is_local(&domains, "example.org"), 1);
	assert_int_equal(users_domain_is_local(&domains, "example.net"), 0);
}

static void
test_relay_longest_range_decides(void **state)
{
	static const struct {
		const char *client;
		int want;
	} cases[] = {
		{ "192.168.1.20", 1 },
		{ "192.168.1.13", 0 }, /* !192.168.1.13 inside the /24 */
		{ "192.168.2.1", 0 }, { "10.200.3.4", 1 },
		{ "2001:db8:1:ff::25", 1 }, { "2001:db8:2::25", 0 },
		{ "::ffff:10.0.0.1", 1 }, /* mapped IPv4 is IPv4 */
	};
	struct cidr c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cidr_from_text(cases[i].client, &c), 0);
		if (relay_allowed(&relay, &c) != cases[i].want)
			fail_msg("%s: not %d", cases[i].client, cases[i].want);
	}
}

/*
 * yubin-users(5): a local account named by an all-domains account is
 * looked up in the recipient's domain first, then as a plain name.
 */
static void
test_alias_targets_in_the_recipients_domain(void **state)
{
	struct deliver_ctx ctx = { .users = &users,
		.domains = &domains,
		.spool = testdir,
		.hostname = "mail.example.com" };
	struct deliver_plan plan;
	char want[600];

	(void)state;
	deliver_plan_init(&plan);
	assert_int_equal(deliver_plan_rcpt(&plan, &ctx, "list", "example.org",
			     "list@example.org"),
	    0);
	assert_int_equal(plan.n, 1);
	snprintf(want, sizeof(want), "%s/mail/example.org/taro/", testdir);
	assert_string_equal(plan.t[0].where, want);
	deliver_plan_free(&plan);
	deliver_plan_init(&plan);
	assert_int_equal(deliver_plan_rcpt(&plan, &ctx, "list", "example.com",
			     "list@example.com"),
	    0);
	snprintf(want, sizeof(want), "%s/mail/taro/", testdir);
	assert_string_equal(plan.t[0].where, want);
	deliver_plan_free(&plan);
}

static void
test_the_domain_a_target_is_looked_up_in(void **state)
{
	(void)state;
	/* its own, the naming account's, the walk's, in that order */
	assert_string_equal(
	    users_target_domain("a.example", "b.example", "c.example"),
	    "a.example");
	assert_string_equal(
	    users_target_domain("", "b.example", "c.example"), "b.example");
	assert_string_equal(
	    users_target_domain("", "", "c.example"), "c.example");
	assert_string_equal(users_target_domain(NULL, NULL, NULL), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_domain_a_target_is_looked_up_in),
		cmocka_unit_test_setup_teardown(
		    test_accounts_by_name_domain_and_catch_all, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_logins_maildirs_and_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_relay_longest_range_decides, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_alias_targets_in_the_recipients_domain, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
