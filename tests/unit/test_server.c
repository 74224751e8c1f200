/*
 * Unit tests for lib/server's login check, shared by smtp-in, pop3-in and
 * yubin-checkpassword: the hash decides, the password is scrubbed on
 * every path, failures lock the client's address out (before any hash
 * is computed) and a good login forgets them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auth.h"
#include "popbsmtp.h"
#include "server.h"
#include "testsite.h"

static struct conf conf;
static struct peer peer;

static int
setup(void **state)
{
	char hash[256], users[1024];

	(void)state;
	assert_int_equal(auth_hash("right", hash, sizeof(hash)), 0);
	snprintf(users, sizeof(users),
	    "taro:%s:\njiro:!%s:\npostmaster::taro\nabuse::taro\n", hash, hash);
	test_site(users);
	conf_defaults(&conf, testdir);
	strlcpy(conf.spool, site_spool, sizeof(conf.spool));
	conf.lockout_failures = 3;
	conf.lockout_time = 600;
	assert_int_equal(cidr_from_text("192.0.2.1", &peer.addr), 0);
	strlcpy(peer.text, "192.0.2.1", sizeof(peer.text));
	peer.known = 1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_site_close();
	return 0;
}

/* One login; checks that the password was scrubbed. */
static enum server_login
login(const char *user, const char *password, struct account *a)
{
	char pass[64] = "", zero[64] = "";
	enum server_login r;

	strlcpy(pass, password, sizeof(pass));
	r = server_login(&conf, "test", &peer, &site_users, user, pass, a);
	assert_memory_equal(pass, zero, sizeof(pass));
	return r;
}

static void
test_the_hash_decides(void **state)
{
	static const struct {
		const char *label, *user, *pass;
		enum server_login want;
	} cases[] = {
		{ "right password", "taro", "right", SERVER_LOGIN_OK },
		{ "with the domain", "taro@example.com", "right",
		    SERVER_LOGIN_OK },
		{ "wrong password", "taro", "wrong", SERVER_LOGIN_BAD },
		{ "no such user", "nobody", "right", SERVER_LOGIN_BAD },
		{ "a locked account", "jiro", "right", SERVER_LOGIN_BAD },
		{ "an alias has no password", "postmaster", "",
		    SERVER_LOGIN_BAD },
	};
	struct account a;
	size_t i;

	(void)state;
	conf.lockout_failures = 0; /* only the hash here */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (login(cases[i].user, cases[i].pass, &a) != cases[i].want)
			fail_msg("%s: wrong result", cases[i].label);
	assert_int_equal(login("taro", "right", &a), SERVER_LOGIN_OK);
	assert_string_equal(a.key, "taro");
}

static void
test_failures_lock_the_address_out(void **state)
{
	struct account a;
	struct peer other = peer;

	(void)state;
	assert_int_equal(login("taro", "wrong", &a), SERVER_LOGIN_BAD);
	assert_int_equal(login("taro", "wrong", &a), SERVER_LOGIN_BAD);
	/* a good login in between forgets them */
	assert_int_equal(login("taro", "right", &a), SERVER_LOGIN_OK);
	assert_int_equal(login("nobody", "x", &a), SERVER_LOGIN_BAD);
	assert_int_equal(login("taro", "wrong", &a), SERVER_LOGIN_BAD);
	assert_int_equal(login("taro", "wrong", &a), SERVER_LOGIN_BAD);
	/* the third: now even the right password is refused unchecked */
	assert_int_equal(login("taro", "right", &a), SERVER_LOGIN_LOCKED);
	assert_int_equal(login("jiro", "right", &a), SERVER_LOGIN_LOCKED);
	/* another address is not locked out */
	assert_int_equal(cidr_from_text("192.0.2.200", &other.addr), 0);
	peer = other;
	assert_int_equal(login("taro", "right", &a), SERVER_LOGIN_OK);
}

/* Relaying by where the client is: the relay list, then a recent POP3
 * login from its address when POP-before-SMTP is on. */
static void
test_relay_by_address_or_pop(void **state)
{
	FILE *devnull = fopen("/dev/null", "w");
	char dir[PATH_MAX];
	struct db relay;
	struct peer p = { .known = 1 };
	static const struct {
		const char *addr;
		int minutes, popped, may;
	} cases[] = {
		{ "192.0.2.1", 0, 0, 1 },     /* listed */
		{ "192.0.2.5", 0, 0, 0 },     /* listed with ! */
		{ "198.51.100.7", 0, 0, 0 },  /* not listed */
		{ "198.51.100.7", 0, 1, 0 },  /* popped, but it is off */
		{ "198.51.100.7", 10, 1, 1 }, /* popped, on */
		{ "198.51.100.8", 10, 0, 0 }, /* on, but not this one */
	};
	size_t i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/popbsmtp", conf.spool);
	assert_int_equal(mkdir(dir, 0700), 0); /* as the spool has it */
	test_write("relay", "192.0.2.0/28\n!192.0.2.5\n");
	assert_int_equal(tables_compile(testdir, TABLES_ALL, devnull), 0);
	fclose(devnull);
	assert_int_equal(db_open_at(&relay, testdir, "relay.cdb"), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cidr_from_text(cases[i].addr, &p.addr), 0);
		strlcpy(p.text, cases[i].addr, sizeof(p.text));
		if (cases[i].popped)
			assert_int_equal(
			    popbsmtp_record(conf.spool, &p.addr, "taro"), 0);
		conf.relay_after_pop_minutes = cases[i].minutes;
		assert_int_equal(
		    server_relay_client(&conf, &relay, &p), cases[i].may);
	}
	db_close(&relay);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_the_hash_decides, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_failures_lock_the_address_out, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_relay_by_address_or_pop, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
