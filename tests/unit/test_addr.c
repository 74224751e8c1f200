/* Unit tests for lib/addr: RFC 5321 paths, normalization, relay tricks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "addr.h"

struct path_case {
	const char *label;
	const char *in;
	int ok;
	const char *local, *domain, *rest;
	int route, quoted, null, trick;
};

static const struct path_case path_cases[] = {
	{ "plain", "<taro@Example.COM>", 1, "taro", "example.com", "", 0, 0, 0,
	    0 },
	{ "parameters follow", "<a@b.c> SIZE=100 BODY=8BITMIME", 1, "a", "b.c",
	    " SIZE=100 BODY=8BITMIME", 0, 0, 0, 0 },
	{ "null path", "<>", 1, "", "", "", 0, 0, 1, 0 },
	{ "space before path", " <a@b.c>", 1, "a", "b.c", "", 0, 0, 0, 0 },
	{ "no brackets", "a@b.c", 1, "a", "b.c", "", 0, 0, 0, 0 },
	{ "postmaster alone", "<Postmaster>", 1, "Postmaster", "", "", 0, 0, 0,
	    0 },
	{ "source route", "<@relay.example,@x.example:u@y.example>", 1, "u",
	    "y.example", "", 1, 0, 0, 1 },
	{ "quoted local part", "<\"john smith\"@example.com>", 1, "john smith",
	    "example.com", "", 0, 1, 0, 0 },
	{ "quoted @ is a trick", "<\"u@other.example\"@example.com>", 1,
	    "u@other.example", "example.com", "", 0, 1, 0, 1 },
	{ "percent hack", "<u%other.example@example.com>", 1, "u%other.example",
	    "example.com", "", 0, 0, 0, 1 },
	{ "bang path", "<other!u@example.com>", 1, "other!u", "example.com", "",
	    0, 0, 0, 1 },
	{ "IPv4 literal", "<u@[192.0.2.1]>", 1, "u", "[192.0.2.1]", "", 0, 0, 0,
	    0 },
	{ "IPv6 literal normalized", "<u@[IPv6:2001:DB8:0::1]>", 1, "u",
	    "[ipv6:2001:db8::1]", "", 0, 0, 0, 0 },
	{ "bad literal", "<u@[300.0.0.1]>", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "missing bracket", "<u@example.com", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "double dot", "<a..b@example.com>", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "leading dot", "<.a@example.com>", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "empty local", "<@example.com>", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "8-bit byte", "<t\xc3\xa4@example.com>", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "CR in quoted", "<\"a\rb\"@example.com>", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "hyphen ends label", "<a@example-.com>", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "empty label", "<a@example..com>", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "junk after", "<a@b.c>x", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "local part too long",
	    "<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@"
	    "b.c>",
	    0, 0, 0, 0, 0, 0, 0, 0 },
};

static void
test_paths(void **state)
{
	const char *rest, *why;
	struct addr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *c = &path_cases[i];
		int r = addr_parse_path(c->in, &a, &rest, &why);

		if ((r == 0) != c->ok)
			fail_msg("%s: parse returned %d", c->label, r);
		if (!c->ok)
			continue;
		if (strcmp(a.local, c->local) != 0 ||
		    strcmp(a.domain, c->domain) != 0 ||
		    strcmp(rest, c->rest) != 0 || a.route != c->route ||
		    a.quoted != c->quoted || a.null != c->null ||
		    addr_is_relay_trick(&a) != c->trick)
			fail_msg("%s: got local '%s' domain '%s' rest '%s'",
			    c->label, a.local, a.domain, rest);
	}
}

static void
test_long_domain_refused(void **state)
{
	char in[400];
	const char *rest, *why;
	struct addr a;

	(void)state;
	strcpy(in, "<u@");
	for (int i = 0; i < 60; i++)
		strcat(in, "abcd.");
	strcat(in, "com>");
	assert_int_equal(addr_parse_path(in, &a, &rest, &why), -1);
}

static void
test_format_quotes_when_needed(void **state)
{
	const char *rest, *why;
	char out[ADDR_MAX + 4];
	struct addr a;

	(void)state;
	assert_int_equal(
	    addr_parse_path("<\"a b\\\"c\"@x.org>", &a, &rest, &why), 0);
	addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "\"a b\\\"c\"@x.org");
	assert_int_equal(addr_parse("Taro@X.ORG", &a, &why), 0);
	addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "Taro@x.org");
}

static void
test_domain_normalize(void **state)
{
	char out[ADDR_DOMAIN_MAX + 1];

	(void)state;
	assert_int_equal(
	    addr_domain_normalize("MAIL.Example.JP", out, sizeof(out)), 0);
	assert_string_equal(out, "mail.example.jp");
	assert_int_equal(
	    addr_domain_normalize("[IPv6:::1]", out, sizeof(out)), 0);
	assert_string_equal(out, "[ipv6:::1]");
	assert_int_equal(
	    addr_domain_normalize("bad domain", out, sizeof(out)), -1);
	assert_int_equal(addr_domain_normalize("", out, sizeof(out)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_long_domain_refused),
		cmocka_unit_test(test_format_quotes_when_needed),
		cmocka_unit_test(test_domain_normalize),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
