/*
 * Unit tests for lib/smtpauth, smtp-in's AUTH command, over a socketpair
 * against users compiled by the real compiler: PLAIN with an initial
 * response and LOGIN with its prompts, what a wrong password, an unknown
 * mechanism, a malformed answer and a cancel are told, the end of the
 * session at max_login_failures, and a client whose address is locked
 * out refused without its password being looked at. (The AUTH command
 * before STARTTLS, 538, and after a login, 503, are smtp-in's own:
 * test_smtp.py, test_tls.py.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "auth.h"
#include "smtpauth.h"
#include "testconn.h"
#include "testsite.h"

static struct conf conf;
static struct peer peer = { .text = "192.0.2.1", .known = 1 };
static int failures;

static int
setup(void **state)
{
	char hash[256], users[1024];

	(void)state;
	assert_int_equal(auth_hash("right", hash, sizeof(hash)), 0);
	snprintf(users, sizeof(users), "taro:%s:\n", hash);
	test_site(users);
	conf_defaults(&conf, testdir);
	strlcpy(conf.spool, site_spool, sizeof(conf.spool));
	strlcpy(conf.hostname, "mail.example.com", sizeof(conf.hostname));
	conf.timeout = 5;
	conf.max_login_failures = 2;
	assert_int_equal(cidr_from_text(peer.text, &peer.addr), 0);
	test_conn_open();
	failures = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_conn_close();
	test_site_close();
	return 0;
}

/* AUTH arg, with what the client answers to prompts sent first. */
static enum smtpauth_end
auth(const char *arg, const char *answers, struct account *a)
{
	const struct server_login_ctx x = { &conn_io, &conf, &peer, &site_users,
		&failures };
	char line[512];

	if (*answers != '\0') /* nothing written after a shutdown */
		assert_int_equal(write(conn_client, answers, strlen(answers)),
		    (ssize_t)strlen(answers));
	strlcpy(line, arg, sizeof(line));
	return smtpauth_command(&x, line, a);
}

static void
test_plain_and_login(void **state)
{
	struct account a;

	(void)state;
	/* "\0taro\0right" */
	assert_int_equal(auth("PLAIN AHRhcm8AcmlnaHQ=", "", &a), SMTPAUTH_IN);
	assert_string_equal(a.key, "taro");
	assert_string_equal(
	    test_conn_told(), "235 2.7.0 Authentication successful\r\n");
	assert_int_equal(
	    auth("LOGIN", "dGFybw==\r\ncmlnaHQ=\r\n", &a), SMTPAUTH_IN);
	assert_string_equal(test_conn_told(),
	    "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n"
	    "235 2.7.0 Authentication successful\r\n");
	assert_int_equal(failures, 0);
}

static void
test_refusals_then_the_end(void **state)
{
	struct account a;

	(void)state;
	assert_int_equal(auth("CRAM-MD5", "", &a), SMTPAUTH_NOT);
	assert_string_equal(
	    test_conn_told(), "504 5.5.4 Unrecognized authentication type\r\n");
	assert_int_equal(auth("PLAIN !!!", "", &a), SMTPAUTH_NOT);
	assert_string_equal(
	    test_conn_told(), "501 5.5.2 Malformed PLAIN response\r\n");
	assert_int_equal(auth("LOGIN", "*\r\n", &a), SMTPAUTH_NOT);
	assert_string_equal(test_conn_told(),
	    "334 VXNlcm5hbWU6\r\n501 5.0.0 Authentication cancelled\r\n");
	/* an answer longer than any PLAIN or LOGIN one, then in step */
	{
		static char answer[20000];

		memset(answer, 'Q', sizeof(answer) - 3);
		strcpy(answer + sizeof(answer) - 3, "\r\n");
		assert_int_equal(auth("LOGIN", answer, &a), SMTPAUTH_NOT);
		assert_string_equal(test_conn_told(),
		    "334 VXNlcm5hbWU6\r\n500 5.5.6 Authentication Exchange line "
		    "is too long\r\n");
	}
	assert_int_equal(failures, 0);
	/* "\0taro\0wrong": the first failure, then the last */
	assert_int_equal(auth("PLAIN AHRhcm8Ad3Jvbmc=", "", &a), SMTPAUTH_NOT);
	assert_string_equal(test_conn_told(),
	    "535 5.7.8 Authentication credentials invalid\r\n");
	assert_int_equal(
	    auth("PLAIN AHRhcm8Ad3Jvbmc=", "", &a), SMTPAUTH_TOO_MANY);
	assert_string_equal(test_conn_told(),
	    "535 5.7.8 Authentication credentials invalid\r\n"
	    "421 4.7.0 mail.example.com too many failed authentications\r\n");
	assert_int_equal(failures, 2);
}

/* Locked out after one failure: even the right password is refused. */
static void
test_locked_out_address(void **state)
{
	struct account a;

	(void)state;
	conf.lockout_failures = 1;
	conf.lockout_time = 600;
	conf.max_login_failures = 10;
	assert_int_equal(auth("PLAIN AHRhcm8Ad3Jvbmc=", "", &a), SMTPAUTH_NOT);
	test_conn_told();
	assert_int_equal(auth("PLAIN AHRhcm8AcmlnaHQ=", "", &a), SMTPAUTH_NOT);
	assert_string_equal(test_conn_told(),
	    "454 4.7.0 Too many failed logins from your address, try "
	    "again later\r\n");
}

static void
test_client_gone(void **state)
{
	struct account a;

	(void)state;
	shutdown(conn_client, SHUT_WR);
	assert_int_equal(auth("LOGIN", "", &a), SMTPAUTH_GONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_plain_and_login, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_refusals_then_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_locked_out_address, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_client_gone, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
