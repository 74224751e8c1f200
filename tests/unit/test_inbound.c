/*
 * Unit tests for lib/inbound against a real resolver (dnsmasq on
 * loopback): SPF, DKIM and DMARC of one message from outside, and the
 * Authentication-Results field that says so. A permitted client with a
 * signed message passes all three; another client with an unsigned one
 * fails SPF and DMARC (p=reject); a resolver that does not answer is a
 * temperror for each, never a pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "conf.h"
#include "dkimsign.h"
#include "dnsmasq.h"
#include "inbound.h"
#include "testutil.h"
#include "dkimdns.h"

static char servers[64];
static const char message[] =
    "From: Taro <taro@example.net>\nTo: hanako@example.com\n"
    "Subject: lunch\n\nShall we have lunch on Friday?\n";

static int
start(void **state)
{
	static char o[TEST_DKIM_OPTION_MAX];
	const char *records[] = { "--local=/example.net/", o,
		"--txt-record=example.net,v=spf1 ip4:192.0.2.2 -all",
		"--txt-record=_dmarc.example.net,v=DMARC1; p=reject",
		"--host-record=ready.example.net,127.0.0.9", NULL };

	(void)state;
	test_mkdir();
	test_dkim_key("example.net", "sel", "rsa", o);
	test_dkim_key("example.org", "other", "rsa", NULL); /* unpublished */
	return test_dnsmasq_start(
	    records, "ready.example.net", servers, sizeof(servers));
}

/* inbound_check of message from client, its sender and From: in domain,
 * signed for domain with selector unless that is NULL. */
static void
check(const char *dns, const char *client, const char *domain,
    const char *selector, struct inbound_verdict *v, char *field, size_t size)
{
	static struct conf c;
	char why[256], *head = NULL, sender[300];
	struct inbound_msg m = { "test", NULL, "mx.example.net", sender,
		domain };
	struct cidr addr;
	struct dkimverify *dkim = dkimverify_start(dns, 5000, "test");

	snprintf(sender, sizeof(sender), "taro@%s", domain);
	conf_defaults(&c, testdir);
	strlcpy(c.hostname, "mail.example.com", sizeof(c.hostname));
	strlcpy(c.dns_servers, dns, sizeof(c.dns_servers));
	assert_int_equal(cidr_from_text(client, &addr), 0);
	m.client = &addr;
	assert_non_null(dkim);
	if (selector != NULL) {
		assert_int_equal(dkimsign(testdir, selector, domain, message,
				     strlen(message), &head, why, sizeof(why)),
		    1);
		dkimverify_feed(dkim, head, strlen(head));
		free(head);
	}
	dkimverify_feed(dkim, message, strlen(message));
	assert_int_equal(inbound_check(&c, &m, dkim, v, field, size), 0);
}

static void
test_a_permitted_signed_message_passes(void **state)
{
	struct inbound_verdict v;
	char field[2048];

	(void)state;
	check(servers, "192.0.2.2", "example.net", "sel", &v, field,
	    sizeof(field));
	assert_string_equal(v.spf, "pass");
	assert_int_equal(v.dkim.n, 1);
	assert_string_equal(v.dkim.sig[0].result, "pass");
	assert_string_equal(v.dmarc.result, "pass");
	assert_int_equal(
	    strncmp(field, "Authentication-Results: mail.example.com;", 41), 0);
	assert_non_null(strstr(field, "spf=pass"));
	assert_non_null(strstr(field, "smtp.mailfrom=taro@example.net"));
	assert_non_null(strstr(field, "dkim=pass"));
	assert_non_null(strstr(field, "header.d=example.net"));
	assert_non_null(strstr(field, "dmarc=pass"));
	assert_non_null(strstr(field, "header.from=example.net"));
	assert_int_equal(field[strlen(field) - 1], '\n');
}

static void
test_another_client_unsigned_fails(void **state)
{
	struct inbound_verdict v;
	char field[2048];

	(void)state;
	check(servers, "192.0.2.9", "example.net", NULL, &v, field,
	    sizeof(field));
	assert_string_equal(v.spf, "fail");
	assert_int_equal(v.dkim.n, 0);
	assert_string_equal(v.dmarc.result, "fail");
	assert_int_equal(v.dmarc.disposition, 'r');
	assert_non_null(strstr(field, "spf=fail"));
	assert_non_null(strstr(field, "dkim=none"));
	assert_non_null(strstr(field, "dmarc=fail"));
}

static void
test_a_silent_resolver_is_never_a_pass(void **state)
{
	struct inbound_verdict v;
	char field[2048], dead[64];

	(void)state;
	/* a loopback port where nothing answers: refused at once */
	snprintf(dead, sizeof(dead), "127.0.0.1:%d", test_free_udp_port());
	/* names never asked before: this process keeps the answers it got */
	check(dead, "192.0.2.2", "example.org", "other", &v, field,
	    sizeof(field));
	assert_string_equal(v.spf, "temperror");
	assert_int_equal(v.dkim.n, 1);
	assert_string_equal(v.dkim.sig[0].result, "temperror");
	assert_string_equal(v.dmarc.result, "temperror");
	assert_null(strstr(field, "=pass"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_permitted_signed_message_passes),
		cmocka_unit_test(test_another_client_unsigned_fails),
		cmocka_unit_test(test_a_silent_resolver_is_never_a_pass),
	};
	return cmocka_run_group_tests_name(
	    "inbound", tests, start, test_dkim_stop);
}
