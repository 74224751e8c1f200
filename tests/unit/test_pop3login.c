/*
 * Unit tests for lib/pop3login, pop3-in's login, against users compiled
 * by the real compiler and a real Maildir: the right password opens the
 * mailbox (+OK with its count and size, and the POP-before-SMTP record
 * smtp-in reads), a wrong one is refused and the last allowed failure
 * ends the session, an account whose mail is forwarded has no mailbox,
 * and a mailbox another session holds is in use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "auth.h"
#include "pop3login.h"
#include "popbsmtp.h"
#include "testconn.h"
#include "testsite.h"

static struct conf conf;
static struct peer peer = { .text = "192.0.2.1", .known = 1 };
static struct maildrop drop;
static struct account account;
static int failures, opened;

static void
mkdirs(const char *sub)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/mail/%s", site_spool, sub);
	assert_int_equal(mkdir(path, 0700), 0);
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	char hash[256], users[1024], path[1024];

	(void)state;
	assert_int_equal(auth_hash("right", hash, sizeof(hash)), 0);
	snprintf(users, sizeof(users),
	    "taro:%s:\njiro:%s:x@elsewhere.example\n", hash, hash);
	test_site(users);
	conf_defaults(&conf, testdir);
	strlcpy(conf.spool, site_spool, sizeof(conf.spool));
	conf.max_login_failures = 2;
	assert_int_equal(cidr_from_text(peer.text, &peer.addr), 0);
	mkdirs("");
	snprintf(path, sizeof(path), "%s/popbsmtp", site_spool);
	assert_int_equal(mkdir(path, 0700), 0);
	mkdirs("taro");
	mkdirs("taro/cur");
	mkdirs("taro/new");
	mkdirs("taro/tmp");
	snprintf(path, sizeof(path), "%s/mail/taro/new/1.a.host", site_spool);
	put(path, "Subject: one\n\nhi\n");
	snprintf(path, sizeof(path), "%s/mail/taro/new/2.b.host", site_spool);
	put(path, "Subject: two\n\nhello\n");
	test_conn_open();
	failures = 0;
	opened = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (opened)
		maildrop_close(&drop);
	test_conn_close();
	test_site_close();
	return 0;
}

static enum pop3login_end
login(const char *user, const char *password, struct pop3login_why *why)
{
	const struct server_login_ctx x = { &conn_io, &conf, &peer, &site_users,
		&failures };
	char pass[64];

	strlcpy(pass, password, sizeof(pass));
	enum pop3login_end end =
	    pop3login(&x, user, pass, &account, &drop, why);

	opened = end == POP3LOGIN_IN;
	return end;
}

static void
test_right_password_opens_the_mailbox(void **state)
{
	struct pop3login_why why;

	(void)state;
	conf.relay_after_pop_minutes = 10;
	assert_int_equal(login("taro", "right", &why), POP3LOGIN_IN);
	/* 17 + 20 octets, each LF sent as CRLF */
	assert_string_equal(
	    test_conn_told(), "+OK taro has 2 messages (43 octets)\r\n");
	assert_int_equal(drop.list.n, 2);
	assert_int_equal(popbsmtp_recent(conf.spool, &peer.addr, 10), 1);
}

static void
test_wrong_password_then_the_end(void **state)
{
	struct pop3login_why why;

	(void)state;
	assert_int_equal(login("taro", "wrong", &why), POP3LOGIN_NOT);
	assert_string_equal(
	    test_conn_told(), "-ERR [AUTH] invalid user name or password\r\n");
	assert_string_equal(account.key, "");
	assert_int_equal(login("nobody", "right", &why), POP3LOGIN_END);
	assert_string_equal(why.result, "too-many-failures");
	assert_false(why.temporary);
	assert_int_equal(popbsmtp_recent(conf.spool, &peer.addr, 10), 0);
}

static void
test_forwarded_account_has_no_mailbox(void **state)
{
	struct pop3login_why why;

	(void)state;
	assert_int_equal(login("jiro", "right", &why), POP3LOGIN_END);
	assert_string_equal(why.result, "no-mailbox");
	assert_string_equal(test_conn_told(),
	    "-ERR [SYS/PERM] jiro has no mailbox "
	    "here: its mail is forwarded\r\n");
}

static void
test_mailbox_in_use(void **state)
{
	struct maildrop other;
	struct pop3login_why why;
	char dir[1024];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/mail/taro/", site_spool);
	assert_int_equal(maildrop_open(&other, dir), 0);
	assert_int_equal(login("taro", "right", &why), POP3LOGIN_END);
	assert_string_equal(why.result, "in-use");
	assert_string_equal(test_conn_told(),
	    "-ERR [IN-USE] mailbox is in use by another session\r\n");
	maildrop_close(&other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_right_password_opens_the_mailbox, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_wrong_password_then_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_forwarded_account_has_no_mailbox, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_mailbox_in_use, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
