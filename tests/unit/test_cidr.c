/* Unit tests for lib/cidr: parsing every accepted form, matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "cidr.h"

struct parse_case {
	const char *label, *in;
	int ok;
	const char *canon; /* cidr_format of the result */
};

static const struct parse_case parse_cases[] = {
	{ "host v4", "127.0.0.1", 1, "127.0.0.1" },
	{ "range v4", "192.168.1.0/24", 1, "192.168.1.0/24" },
	{ "old star form", "192.168.1.*", 1, "192.168.1.0/24" },
	{ "two stars", "10.1.*.*", 1, "10.1.0.0/16" },
	{ "short star", "172.16.*", 1, "172.16.0.0/16" },
	{ "host v6", "::1", 1, "::1" },
	{ "range v6", "2001:db8::/32", 1, "2001:db8::/32" },
	{ "mapped v4 host", "::ffff:192.0.2.7", 1, "192.0.2.7" },
	{ "zero prefix", "0.0.0.0/0", 1, "0.0.0.0/0" },
	{ "host bits set", "192.168.1.5/24", 0, NULL },
	{ "prefix too long", "10.0.0.0/33", 0, NULL },
	{ "empty prefix", "10.0.0.0/", 0, NULL },
	{ "star alone", "*", 0, NULL },
	{ "star in middle", "10.*.1.1", 0, NULL },
	{ "octet too big", "192.168.300.*", 0, NULL },
	{ "name", "localhost", 0, NULL },
	{ "five octets", "1.2.3.4.*", 0, NULL },
};

static void
test_parse(void **state)
{
	char out[64];
	const char *why;
	struct cidr c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *p = &parse_cases[i];
		int r = cidr_parse(p->in, &c, &why);

		if ((r == 0) != p->ok)
			fail_msg("%s: returned %d", p->label, r);
		if (!p->ok)
			continue;
		cidr_format(&c, out, sizeof(out));
		if (strcmp(out, p->canon) != 0)
			fail_msg("%s: got %s", p->label, out);
	}
}

struct match_case {
	const char *label, *range, *host;
	int match;
};

static const struct match_case match_cases[] = {
	{ "inside /24", "192.168.1.0/24", "192.168.1.77", 1 },
	{ "outside /24", "192.168.1.0/24", "192.168.2.1", 0 },
	{ "odd prefix", "10.0.0.0/13", "10.7.255.255", 1 },
	{ "odd prefix out", "10.0.0.0/13", "10.8.0.0", 0 },
	{ "v6 range", "2001:db8::/32", "2001:db8:ffff::1", 1 },
	{ "v6 out", "2001:db8::/32", "2001:db9::1", 0 },
	{ "mapped client", "192.0.2.0/24", "::ffff:192.0.2.9", 1 },
	{ "family differs", "::/0", "127.0.0.1", 0 },
	{ "all v4", "0.0.0.0/0", "203.0.113.9", 1 },
};

static void
test_match(void **state)
{
	struct cidr r, h;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *m = &match_cases[i];

		assert_int_equal(cidr_parse(m->range, &r, &why), 0);
		assert_int_equal(cidr_from_text(m->host, &h), 0);
		if (cidr_match(&r, &h) != m->match)
			fail_msg("%s: wrong answer", m->label);
	}
}

static void
test_sockaddr_and_loopback(void **state)
{
	struct sockaddr_in6 in6;
	struct sockaddr_in in;
	struct cidr c;

	(void)state;
	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
	assert_int_equal(cidr_from_sockaddr((struct sockaddr *)&in6, &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_true(cidr_is_loopback(&c));
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &in.sin_addr);
	assert_int_equal(cidr_from_sockaddr((struct sockaddr *)&in, &c), 0);
	assert_false(cidr_is_loopback(&c));
	assert_int_equal(cidr_from_text("::1", &c), 0);
	assert_true(cidr_is_loopback(&c));
}

static void
test_to_sockaddr_and_back(void **state)
{
	static const char *addrs[] = { "192.0.2.25", "2001:db8::25", "::1",
		"127.0.0.1" };
	struct sockaddr_storage ss;
	struct cidr c, back;
	char text[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		assert_int_equal(cidr_from_text(addrs[i], &c), 0);
		cidr_to_sockaddr(&c, &ss);
		assert_int_equal(ss.ss_family, c.family);
		/* what connect(2) would be given, read by inet_ntop */
		if (c.family == AF_INET)
			inet_ntop(AF_INET,
			    &((struct sockaddr_in *)&ss)->sin_addr, text,
			    sizeof(text));
		else
			inet_ntop(AF_INET6,
			    &((struct sockaddr_in6 *)&ss)->sin6_addr, text,
			    sizeof(text));
		assert_string_equal(text, addrs[i]);
		assert_int_equal(
		    cidr_from_sockaddr((struct sockaddr *)&ss, &back), 0);
		assert_memory_equal(back.addr, c.addr, sizeof(c.addr));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_sockaddr_and_loopback),
		cmocka_unit_test(test_to_sockaddr_and_back),
	};

	return cmocka_run_group_tests_name("cidr", tests, NULL, NULL);
}
