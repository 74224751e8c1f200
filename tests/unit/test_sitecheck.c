/*
 * Unit tests for lib/sitecheck's verdict lines and its reading of the
 * local domains. The DNS checks themselves run in test_check.py against
 * dnsmasq with the records a good and a broken site publish.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sitecheck.h"
#include "testutil.h"

static void
test_verdict_lines_and_the_worst(void **state)
{
	struct sitecheck c = { 0 };
	size_t size;
	char *text;

	(void)state;
	c.out = open_memstream(&text, &size);
	assert_non_null(c.out);
	sitecheck_say(&c, SITECHECK_OK, "never shown", "%s is fine", "a");
	assert_int_equal(c.worst, SITECHECK_OK);
	sitecheck_say(&c, SITECHECK_FAIL,
	    sitecheck_fix("publish %s. IN MX 10 %s.", "b.example", "mx"),
	    "b.example has no MX record");
	sitecheck_say(&c, SITECHECK_WARN, NULL, "c");
	assert_int_equal(c.worst, SITECHECK_FAIL); /* the worst stays */
	fclose(c.out);
	assert_string_equal(text,
	    "OK   a is fine\n"
	    "FAIL b.example has no MX record\n"
	    "     fix: publish b.example. IN MX 10 mx.\n"
	    "WARN c\n");
	free(text);
}

static void
test_the_local_domains(void **state)
{
	char names[4][DNS_NAME_MAX + 1];

	(void)state;
	test_mkdir();
	test_write("domains",
	    "# ours\nExample.COM\n  club.example  # the "
	    "club\n*.wild.example\n[192.0.2.1]\n\n"
	    "third.example\nfourth.example\nfifth.example\n");
	assert_int_equal(sitecheck_domains(testdir, names, 4), 4);
	assert_string_equal(names[0], "example.com");
	assert_string_equal(names[1], "club.example");
	assert_string_equal(names[2], "third.example");
	assert_string_equal(names[3], "fourth.example");
	test_rmdir();
	assert_int_equal(sitecheck_domains("/nonexistent", names, 4), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_lines_and_the_worst),
		cmocka_unit_test(test_the_local_domains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
