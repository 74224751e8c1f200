/*
 * Unit tests for lib/route: route lines, the smarthost (its port and its
 * login) and address literals, as yubin.conf gives them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "route.h"

static void
test_routes_then_the_smarthost(void **state)
{
	static const struct {
		const char *label, *domain;
		int relayed;
		const char *host;
		int port, flags;
	} cases[] = {
		{ "a route, port 25", "example.org", 1, "mx.example.org", 25,
		    0 },
		{ "routes match in any case", "LAN.example", 1, "2001:db8::25",
		    2525, 0 },
		{ "no route, a smarthost with a login", "other.example", 1,
		    "smtp.provider.example", 587,
		    ROUTE_SMARTHOST | ROUTE_AUTH },
		{ "a subdomain is not the route's domain", "sub.example.org", 1,
		    "smtp.provider.example", 587,
		    ROUTE_SMARTHOST | ROUTE_AUTH },
	};
	struct conf c;
	char host[256];
	int port, flags;
	size_t i;

	(void)state;
	conf_defaults(&c, "/nonexistent");
	c.nroute = 2;
	strlcpy(c.route[0], "example.org mx.example.org", sizeof(c.route[0]));
	strlcpy(
	    c.route[1], "lan.example [2001:db8::25]:2525", sizeof(c.route[1]));
	strlcpy(c.smarthost, "smtp.provider.example", sizeof(c.smarthost));
	strlcpy(c.smarthost_user, "taro", sizeof(c.smarthost_user));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		host[0] = '\0';
		if (route_relay(&c, cases[i].domain, host, sizeof(host), &port,
			&flags) != cases[i].relayed ||
		    strcmp(host, cases[i].host) != 0 || port != cases[i].port ||
		    flags != cases[i].flags)
			fail_msg("%s: %s port %d flags %d", cases[i].label,
			    host, port, flags);
	}
	/* no login without smarthost_user; a port of its own */
	c.smarthost_user[0] = '\0';
	strlcpy(c.smarthost, "relay.example:2587", sizeof(c.smarthost));
	assert_int_equal(
	    route_relay(&c, "x.example", host, sizeof(host), &port, &flags), 1);
	assert_string_equal(host, "relay.example");
	assert_int_equal(port, 2587);
	assert_int_equal(flags, ROUTE_SMARTHOST);
	/* no smarthost: by MX */
	c.smarthost[0] = '\0';
	assert_int_equal(
	    route_relay(&c, "x.example", host, sizeof(host), &port, &flags), 0);
}

static void
test_address_literals(void **state)
{
	char ip[64];

	(void)state;
	assert_int_equal(route_literal("[192.0.2.1]", ip, sizeof(ip)), 1);
	assert_string_equal(ip, "192.0.2.1");
	assert_int_equal(
	    route_literal("[IPv6:2001:db8::1]", ip, sizeof(ip)), 1);
	assert_string_equal(ip, "2001:db8::1");
	assert_int_equal(route_literal("[ipv6:::1]", ip, sizeof(ip)), 1);
	assert_string_equal(ip, "::1");
	assert_int_equal(route_literal("example.org", ip, sizeof(ip)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_then_the_smarthost),
		cmocka_unit_test(test_address_literals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
