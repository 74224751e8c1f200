/* Unit tests for lib/conf: defaults, every key type, errors with FILE:LINE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "testutil.h"

static void
test_defaults_without_settings(void **state)
{
	struct conf c;
	char err[CONF_ERR_MAX];

	(void)state;
	test_mkdir();
	test_write("yubin.conf", "# nothing set\n\n");
	assert_int_equal(conf_load(&c, testdir, err, sizeof(err)), 0);
	assert_string_equal(c.spool, "/var/yubin");
	assert_int_equal(c.timeout, 300);
	assert_int_equal(c.auth_requires_tls, 1);
	assert_int_equal(c.finger, FINGER_STATUS);
	assert_int_equal(c.max_message_size, 10 * 1024 * 1024);
	assert_true(c.hostname[0] != '\0');
	{ /* the system's name when the file names none, SRS's too */
		char host[256] = "";

		assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
		assert_string_equal(c.hostname, host[0] ? host : "localhost");
		assert_string_equal(c.srs_domain, c.hostname);
	}
	test_rmdir();
}

/* A server's static conf, loaded without zeroing it first, comes out
 * the same as conf_load over a struct full of garbage. */
static void
test_loaded_into_zeroed_storage(void **state)
{
	static struct conf zeroed;
	struct conf *dirty = malloc(sizeof(*dirty));
	char err[CONF_ERR_MAX];

	(void)state;
	assert_non_null(dirty);
	memset(dirty, 0x5a, sizeof(*dirty));
	test_mkdir();
	test_write("yubin.conf",
	    "hostname = mail.example.com\n"
	    "route = example.org mx.example.org\n"
	    "filter = /usr/bin/spamc -c\n");
	assert_int_equal(conf_load(dirty, testdir, err, sizeof(err)), 0);
	assert_int_equal(
	    conf_load_zeroed(&zeroed, testdir, err, sizeof(err)), 0);
	assert_memory_equal(dirty, &zeroed, sizeof(zeroed));
	assert_string_equal(zeroed.hostname, "mail.example.com");
	assert_int_equal(zeroed.nroute, 1);
	free(dirty);
	test_rmdir();
}

static void
test_every_type_parses(void **state)
{
	struct conf c;
	char err[CONF_ERR_MAX];

	(void)state;
	test_mkdir();
	test_write("yubin.conf",
	    "hostname = mail.example.com  # trailing comment\n"
	    "spool=/srv/yubin\n"
	    "log = /var/log/yubin.log\n"
	    "\ttimeout = 30\r\n"
	    "auth_requires_tls = no\n"
	    "relay_after_pop_minutes = 15\n"
	    "finger = list\n"
	    "max_message_size = 2048\n"
	    "max_recipients = 5\n"
	    "max_login_failures = 2\n"
	    "dns_servers = 127.0.0.1:5353,[::1]:53,192.0.2.1\n"
	    "remote_port = 2525\n"
	    "ipv4_only = yes\n"
	    "remote_concurrency = 4\n"
	    "queue_lifetime = 2d\n"
	    "smarthost = smtp.provider.example:587\n"
	    "smarthost_user = taro\n"
	    "smarthost_password_file = /etc/yubin/smarthost.pw\n"
	    "route = example.org mx.example.org\n"
	    "route = lan.example [2001:db8::25]:2525\n"
	    "hold_domains = dialup.example,Club.Example\n"
	    "dkim_selector = y2026\n"
	    "srs_domain = fwd.example.com\n"
	    "sender_check = no\n"
	    "local_smtp = [::1]:2525\n"
	    "lockout_failures = 0\n"
	    "lockout_time = 1h\n"
	    "dnsbl = zen.example.org,bl.example=127.0.0.2|127.0.0.10\n"
	    "dnswl = list.dnswl.example\n");
	assert_int_equal(conf_load(&c, testdir, err, sizeof(err)), 0);
	assert_string_equal(c.dkim_selector, "y2026");
	assert_string_equal(c.srs_domain, "fwd.example.com");
	assert_int_equal(c.sender_check, 0);
	assert_string_equal(c.local_smtp, "[::1]:2525");
	assert_int_equal(c.lockout_failures, 0);
	assert_int_equal(c.lockout_time, 3600);
	assert_string_equal(
	    c.dnsbl, "zen.example.org,bl.example=127.0.0.2|127.0.0.10");
	assert_string_equal(c.dnswl, "list.dnswl.example");
	assert_string_equal(c.hostname, "mail.example.com");
	assert_string_equal(c.spool, "/srv/yubin");
	assert_string_equal(c.log, "/var/log/yubin.log");
	assert_int_equal(c.timeout, 30);
	assert_int_equal(c.auth_requires_tls, 0);
	assert_int_equal(c.relay_after_pop_minutes, 15);
	assert_int_equal(c.finger, FINGER_LIST);
	assert_int_equal(c.max_message_size, 2048);
	assert_int_equal(c.max_recipients, 5);
	assert_int_equal(c.max_login_failures, 2);
	assert_string_equal(c.dns_servers, "127.0.0.1:5353,[::1]:53,192.0.2.1");
	assert_int_equal(c.remote_port, 2525);
	assert_int_equal(c.ipv4_only, 1);
	assert_int_equal(c.remote_concurrency, 4);
	assert_int_equal(c.queue_lifetime, 2 * 86400);
	assert_string_equal(c.smarthost, "smtp.provider.example:587");
	assert_string_equal(c.smarthost_user, "taro");
	assert_int_equal(c.nroute, 2);
	assert_string_equal(c.route[1], "lan.example [2001:db8::25]:2525");
	assert_true(conf_domain_held(&c, "club.example"));
	assert_true(conf_domain_held(&c, "dialup.example"));
	assert_false(conf_domain_held(&c, "example"));
	test_rmdir();
}

struct bad_case {
	const char *label;
	const char *text;
	const char *expect; /* substring of the error, after the path */
};

static const struct bad_case bad_cases[] = {
	{ "unknown key", "timeout = 5\nfrobnicate = 1\n",
	    "yubin.conf:2: frobnicate is not a known setting" },
	{ "no equals sign", "timeout 5\n", ":1: expected key = value" },
	{ "number out of range", "\n\ntimeout = 99999\n",
	    ":3: timeout is out of range" },
	{ "not a number", "timeout = soon\n", ":1: timeout is not a number" },
	{ "bad boolean", "auth_requires_tls = maybe\n",
	    ":1: auth_requires_tls must be yes or no" },
	{ "relative path", "spool = var/yubin\n",
	    ":1: spool must be an absolute path" },
	{ "dot-dot path", "spool = /var/../etc\n", "must not contain .." },
	{ "bad host name", "hostname = -bad-.example\n",
	    ":1: hostname is not a valid host name" },
	{ "set twice", "timeout = 5\ntimeout = 6\n",
	    ":2: timeout is set twice" },
	{ "empty value", "log =\n", ":1: log has no value" },
	{ "bad finger", "finger = everyone\n",
	    ":1: finger must be status, off or list" },
	{ "bad tls_outbound", "tls_outbound = always\n",
	    ":1: tls_outbound must be may, no or encrypt" },
	{ "bad number", "max_recipients = 0\n",
	    ":1: max_recipients is out of range (1 to " },
	{ "bad address", "public_address = mail.example.com\n",
	    ":1: public_address is not an IPv4 or IPv6 address" },
	{ "bad domain list", "relay_domains = a.example,,b.example\n",
	    ":1: relay_domains must be domains, comma-separated" },
	{ "bad dns server", "dns_servers = 127.0.0.1,ns.example.net\n",
	    ":1: dns_servers must be ip, ip:port" },
	{ "bad port", "dns_servers = 127.0.0.1:99999\n",
	    ":1: dns_servers must be" },
	{ "bad duration", "queue_lifetime = 5 weeks\n",
	    ":1: queue_lifetime must be a duration" },
	{ "bad smarthost", "smarthost = smtp.example:0\n",
	    ":1: smarthost must be host" },
	{ "bad route", "route = example.org\n", ":1: route must be: route" },
	{ "spaced user", "smarthost_user = a b\n",
	    ":1: smarthost_user must be one word" },
	/* the last keys of the table are told apart from the first ones */
	{ "last key set twice",
	    "hostname = a.example\ndnswl = a.example\n"
	    "dnswl = b.example\n",
	    ":3: dnswl is set twice" },
	{ "bad dnsbl zone", "dnsbl = bad zone.example\n",
	    ":1: dnsbl must be DNS list zones" },
	{ "bad dnsbl answer", "dnsbl = bl.example=10.0.0.2\n",
	    ":1: dnsbl must be DNS list zones" },
	{ "too many dnsbl zones",
	    "dnsbl = a.x,b.x,c.x,d.x,e.x,f.x,g.x,h.x,i.x\n",
	    ":1: dnsbl must be DNS list zones" },
	{ "bad selector", "dkim_selector = a/b\n",
	    ":1: dkim_selector is not a valid host name" },
};

static void
test_bad_lines_name_file_and_line(void **state)
{
	struct conf c;
	char err[CONF_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		test_mkdir();
		test_write("yubin.conf", bad_cases[i].text);
		if (conf_load(&c, testdir, err, sizeof(err)) != -1 ||
		    strstr(err, bad_cases[i].expect) == NULL ||
		    strstr(err, testdir) == NULL)
			fail_msg("%s: got '%s'", bad_cases[i].label, err);
		test_rmdir();
	}
}

static void
test_long_line_and_nul_are_errors(void **state)
{
	char big[CONF_LINE_MAX + 100], err[CONF_ERR_MAX], path[512];
	struct conf c;
	FILE *f;

	(void)state;
	test_mkdir();
	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	test_write("yubin.conf", big);
	assert_int_equal(conf_load(&c, testdir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: line too long"));
	snprintf(path, sizeof(path), "%s/yubin.conf", testdir);
	f = fopen(path, "w");
	fwrite("timeout = 5\nlog = /a\0b\n", 1, 23, f);
	fclose(f);
	assert_int_equal(conf_load(&c, testdir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: line contains a NUL byte"));
	test_rmdir();
}

static void
test_missing_file_is_an_error(void **state)
{
	struct conf c;
	char err[CONF_ERR_MAX];

	(void)state;
	assert_int_equal(
	    conf_load(&c, "/nonexistent/yubin", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/yubin/yubin.conf: No such"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_without_settings),
		cmocka_unit_test(test_loaded_into_zeroed_storage),
		cmocka_unit_test(test_every_type_parses),
		cmocka_unit_test(test_bad_lines_name_file_and_line),
		cmocka_unit_test(test_long_line_and_nul_are_errors),
		cmocka_unit_test(test_missing_file_is_an_error),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
