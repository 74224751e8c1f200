/*
 * Unit tests for lib/envelope: smtp-in's answers to MAIL FROM and RCPT
 * TO, against users
 * compiled by the real cdbmake-users code (tests/unit/testsite.h), for
 * a client that may relay and one that may not. Blocklists and SRS
 * addresses are covered by test_rcptcheck, test_dnsbl.py and
 * test_srs.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "envelope.h"
#include "testsite.h"

static struct conf conf;
static struct rcptcheck checks;
static struct envelope txn;
static struct peer peer = { .text = "192.0.2.7", .known = 1 };
static struct identity identity;
static struct account taro;
static int ours; /* the client may relay */
static const char *auth_user;
static int submission;

static int
relay_ok(void *arg)
{
	(void)arg;
	return ours;
}

static int
setup(void **state)
{
	(void)state;
	test_site("taro::\ninfo::taro\npostmaster::taro\n");
	conf_defaults(&conf, testdir);
	conf.max_recipients = 3;
	strlcpy(
	    conf.relay_domains, "backup.example", sizeof(conf.relay_domains));
	rcptcheck_init(&checks, &conf, &peer);
	envelope_init(&txn);
	ours = 0;
	auth_user = "";
	submission = 0;
	assert_int_equal(users_find_login(&site_users, "taro", &taro), 1);
	identity_init(&identity, &site_ctx, testdir, &taro);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	envelope_reset(&txn);
	identity_close(&identity);
	test_site_close();
	return 0;
}

static struct envelope_session
session(void)
{
	return (struct envelope_session) { .conf = &conf,
		.ctx = &site_ctx,
		.checks = &checks,
		.client = peer.text,
		.sender = "a@sender.example",
		.submission = submission,
		.auth_user = auth_user,
		.identity = &identity,
		.relay_ok = relay_ok };
}

/* RCPT with arg: the code; *bad whether it counts as an error. */
static int
rcpt(const char *arg, int *bad)
{
	const struct envelope_session r = session();
	char line[512];
	struct verdict v;

	strlcpy(line, arg, sizeof(line));
	*bad = envelope_rcpt(&r, &txn, line, &v);
	return v.code;
}

/* MAIL with arg, likewise. */
static int
mail(const char *arg, int *bad)
{
	const struct envelope_session r = session();
	char line[512];
	struct verdict v;

	strlcpy(line, arg, sizeof(line));
	*bad = envelope_mail(&r, &txn, line, &v);
	return v.code;
}

static void
test_mail_from(void **state)
{
	int bad;

	(void)state;
	assert_int_equal(mail("FROM:<a@sender.example> SIZE=1000", &bad), 250);
	assert_string_equal(txn.sender, "a@sender.example");
	assert_int_equal(mail("FROM:<>", &bad), 250);
	assert_string_equal(txn.sender, "");
	assert_int_equal(mail("FROM:<nodomain>", &bad), 501);
	assert_int_equal(bad, 1);
	assert_int_equal(mail("FROM:<a@sender.example> SIZE=x", &bad), 501);
	assert_int_equal(mail("FROM:<a@sender.example> FOO=1", &bad), 555);
	assert_int_equal(bad, 1);
	/* too big is no mistake of the client's */
	assert_int_equal(
	    mail("FROM:<a@sender.example> SIZE=999999999999", &bad), 552);
	assert_int_equal(bad, 0);
	/* the submission port wants AUTH first */
	submission = 1;
	assert_int_equal(mail("FROM:<taro@example.com>", &bad), 530);
	/* then only the user's own addresses (lib/identity) */
	auth_user = "taro";
	assert_int_equal(mail("FROM:<info@example.com>", &bad), 250);
	assert_int_equal(mail("FROM:<boss@bank.example>", &bad), 553);
	assert_int_equal(bad, 0);
	assert_string_equal(txn.sender, "");
	conf.sender_check = 0;
	assert_int_equal(mail("FROM:<boss@bank.example>", &bad), 250);
}

static void
test_local_recipients(void **state)
{
	int bad;

	(void)state;
	assert_int_equal(rcpt("TO:<Taro@Example.COM>", &bad), 250);
	assert_int_equal(rcpt("to:<info@example.com>", &bad), 250);
	/* as Delivered-To will have them: the local part lower case */
	assert_int_equal(txn.nlocal, 2);
	assert_string_equal(txn.locals[0], "taro@example.com");
	assert_int_equal(txn.plan.nlocal, 2);
	assert_int_equal(rcpt("TO:<nobody@example.com>", &bad), 550);
	assert_int_equal(bad, 1); /* probing for users costs the client */
	/* RFC 5321 4.5.1: Postmaster alone; nothing else without a domain */
	assert_int_equal(rcpt("TO:<taro>", &bad), 501);
	assert_int_equal(bad, 0);
	assert_int_equal(rcpt("TO:<Postmaster>", &bad), 250);
	assert_int_equal(txn.nrcpt, 3);
	/* max_recipients */
	assert_int_equal(rcpt("TO:<taro@example.com>", &bad), 452);
}

static void
test_relaying(void **state)
{
	int bad;

	(void)state;
	assert_int_equal(rcpt("TO:<friend@remote.example>", &bad), 554);
	assert_int_equal(bad, 0);
	/* relay_domains: taken from anybody (we are its backup) */
	assert_int_equal(rcpt("TO:<x@backup.example>", &bad), 250);
	ours = 1;
	assert_int_equal(rcpt("TO:<friend@remote.example>", &bad), 250);
	/* tricks are never relayed, not even for our own */
	assert_int_equal(
	    rcpt("TO:<friend%other.example@remote.example>", &bad), 554);
	assert_int_equal(txn.plan.n, 2);
	assert_int_equal(txn.nlocal, 0);
}

static void
test_bad_commands(void **state)
{
	int bad;

	(void)state;
	assert_int_equal(rcpt("FROM:<taro@example.com>", &bad), 501);
	assert_int_equal(bad, 1);
	assert_int_equal(rcpt("TO:<>", &bad), 501);
	assert_int_equal(rcpt("TO:<taro@example.com> NOTIFY=NEVER", &bad), 555);
	assert_int_equal(bad, 1);
	assert_int_equal(txn.nrcpt, 0);
}

/* Three lists of 400 accounts: 1,200 destinations, one message takes
 * DELIVER_TARGETS_MAX (1,000). */
static int
setup_lists(void **state)
{
	static char users[40000];
	char *p = users;
	int l, i;

	(void)state;
	for (l = 0; l < 3; l++)
		for (i = 0; i < 400; i++)
			p += sprintf(p, "%c%d::\n", 'a' + l, i);
	for (l = 0; l < 3; l++) {
		p += sprintf(p, "list%c::", 'a' + l);
		for (i = 0; i < 400; i++)
			p += sprintf(p, "%s%c%d", i ? "," : "", 'a' + l, i);
		p += sprintf(p, "\n");
	}
	strcpy(p, "postmaster::a0\nabuse::a0\n");
	test_site(users);
	conf_defaults(&conf, testdir);
	rcptcheck_init(&checks, &conf, &peer);
	envelope_init(&txn);
	identity_init(&identity, &site_ctx, testdir, NULL);
	ours = 0;
	auth_user = "";
	submission = 0;
	return 0;
}

/* The recipient that would pass the limit waits for another message,
 * none of its destinations in this one; the others are taken. */
static void
test_too_many_destinations(void **state)
{
	int bad;

	(void)state;
	assert_int_equal(mail("FROM:<a@sender.example>", &bad), 250);
	assert_int_equal(rcpt("TO:<lista@example.com>", &bad), 250);
	assert_int_equal(rcpt("TO:<listb@example.com>", &bad), 250);
	assert_int_equal(txn.plan.n, 800);
	assert_int_equal(rcpt("TO:<listc@example.com>", &bad), 452);
	assert_int_equal(bad, 0);
	assert_int_equal(txn.plan.n, 800);
	assert_int_equal(txn.nrcpt, 2);
	assert_int_equal(rcpt("TO:<c0@example.com>", &bad), 250);
	assert_int_equal(txn.plan.n, 801);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_local_recipients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relaying, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_too_many_destinations, setup_lists, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bad_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_mail_from, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
