/*
 * Unit tests for lib/rcptcheck: greylisting at RCPT (a real spool) and
 * what a DNS blocklist's listing means for each recipient. The lists'
 * answers themselves come from dnsmasq in test_dns and test_dnsbl.py;
 * here a session that has asked already is set up with an answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "rcptcheck.h"
#include "testutil.h"

static struct conf conf;
static struct peer peer;

static int
setup(void **state)
{
	const char *why;

	(void)state;
	test_mkdir();
	conf_defaults(&conf, testdir);
	strlcpy(conf.spool, testdir, sizeof(conf.spool));
	memset(&peer, 0, sizeof(peer));
	assert_int_equal(cidr_parse("192.0.2.7", &peer.addr, &why), 0);
	strlcpy(peer.text, "192.0.2.7", sizeof(peer.text));
	peer.known = 1;
	return 0;
}

static void
test_greylisting_a_new_triple(void **state)
{
	struct rcptcheck c;
	struct verdict v;

	(void)state;
	conf.greylist_delay = 300;
	conf.greylist_expire = 86400;
	rcptcheck_init(&c, &conf, &peer);
	assert_int_equal(rcptcheck_greylisted(
			     &c, "a@sender.example", "taro@example.com", &v),
	    1);
	assert_int_equal(v.code, 451);
	assert_string_equal(v.result, "greylisted");
	assert_non_null(
	    strstr(v.text, "4.7.1 Greylisted: please try again in "));
	/* another recipient is another triple; an allowlisted client is
	 * never greylisted; greylisting off lets all in */
	c.dnsbl.allowed = 1;
	assert_int_equal(rcptcheck_greylisted(
			     &c, "a@sender.example", "jiro@example.com", &v),
	    0);
	conf.greylist_delay = 0;
	rcptcheck_init(&c, &conf, &peer);
	assert_int_equal(rcptcheck_greylisted(
			     &c, "a@sender.example", "jiro@example.com", &v),
	    0);
}

/* A session whose lists were asked: the client is listed. */
static void
listed(struct rcptcheck *c, const char *reason)
{
	strlcpy(conf.dnsbl, "bl.test", sizeof(conf.dnsbl));
	rcptcheck_init(c, &conf, &peer);
	c->asked = 1;
	c->dnsbl.listed = 1;
	strlcpy(c->dnsbl.zone, "bl.test", sizeof(c->dnsbl.zone));
	strlcpy(c->dnsbl.reason, reason, sizeof(c->dnsbl.reason));
}

static void
test_a_listed_client_reaches_postmaster_and_abuse_only(void **state)
{
	struct rcptcheck c;
	struct verdict v;
	struct addr a;
	const char *why;

	(void)state;
	listed(&c, "See https://bl.test/q?ip=192.0.2.7");
	assert_int_equal(addr_parse("taro@example.com", &a, &why), 0);
	assert_int_equal(
	    rcptcheck_blocked(&c, "x@spam.example", &a, "taro@example.com", &v),
	    1);
	assert_int_equal(v.code, 554);
	assert_string_equal(v.text,
	    "5.7.1 Client [192.0.2.7] is listed by bl.test: "
	    "See https://bl.test/q?ip=192.0.2.7");
	assert_int_equal(addr_parse("PostMaster@example.com", &a, &why), 0);
	assert_int_equal(rcptcheck_blocked(&c, "x@spam.example", &a,
			     "postmaster@example.com", &v),
	    0);
	assert_int_equal(addr_parse("abuse@example.com", &a, &why), 0);
	assert_int_equal(rcptcheck_blocked(
			     &c, "x@spam.example", &a, "abuse@example.com", &v),
	    0);
}

static void
test_the_lists_words_stay_on_one_printable_line(void **state)
{
	struct rcptcheck c;
	struct verdict v;
	struct addr a;
	const char *why;

	(void)state;
	listed(&c, "bad\r\n550 injected\x01\xff");
	assert_int_equal(addr_parse("taro@example.com", &a, &why), 0);
	assert_int_equal(
	    rcptcheck_blocked(&c, "x@spam.example", &a, "taro@example.com", &v),
	    1);
	assert_null(strchr(v.text, '\r'));
	assert_null(strchr(v.text, '\n'));
	assert_null(strchr(v.text, '\x01'));
	assert_null(strchr(v.text, '\xff'));
	/* not listed, or no lists: nothing to say */
	c.dnsbl.listed = 0;
	assert_int_equal(
	    rcptcheck_blocked(&c, "x@spam.example", &a, "taro@example.com", &v),
	    0);
	conf.dnsbl[0] = '\0';
	rcptcheck_init(&c, &conf, &peer);
	assert_int_equal(
	    rcptcheck_blocked(&c, "x@spam.example", &a, "taro@example.com", &v),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_greylisting_a_new_triple, setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_listed_client_reaches_postmaster_and_abuse_only,
		    setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_the_lists_words_stay_on_one_printable_line, setup,
		    test_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
