/*
 * Unit tests for lib/dns against a real resolver: dnsmasq on a loopback
 * port with made-up records. c-ares is pointed at it explicitly and never
 * falls back to /etc/resolv.conf.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "dnsmasq.h"
#include "dnsbl.h"
#include "spf.h"

static char servers[64];

static int
start_dnsmasq(void **state)
{
	static const char *const records[] = { "--local=/example.net/",
		"--local=/example.org/", "--local=/example.com/",
		"--local=/invalid/", "--mx-host=example.net,mx2.example.net,20",
		"--mx-host=example.net,mx1.example.net,10",
		"--mx-host=example.net,mx1b.example.net,10",
		"--host-record=mx1.example.net,127.0.0.2",
		"--host-record=both.example.net,127.0.0.3,::1",
		"--host-record=nomx.example.org,127.0.0.4",
		"--dns-rr=nullmx.example.com,15,000000",
		/* a DNS list: 192.0.2.99 and 2001:db8::1 (reversed) */
		"--local=/bl.invalid/",
		"--host-record=99.2.0.192.bl.invalid,127.0.0.2",
		"--txt-record=99.2.0.192.bl.invalid,part one ,part two",
		"--host-record=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		"0.8.b.d.0.1.0.0.2.bl.invalid,127.0.0.3",
		/* SPF: two TXT records, only one of them SPF */
		"--txt-record=spf.example.net,v=spf1 ip4:192.0.2.2 "
		"include:inc.example.net -all",
		"--txt-record=spf.example.net,google-site-verification=x",
		"--txt-record=inc.example.net,v=spf1 ip6:2001:db8::/32 "
		"~all",
		/* DMARC: one record in two strings, beside another */
		"--txt-record=_dmarc.example.net,v=DMARC1; ,p=reject",
		"--txt-record=_dmarc.example.net,something else",
		"--txt-record=_dmarc.example.org,v=DMARC1; p=none",
		"--txt-record=_dmarc.example.org,v=DMARC1; p=reject", NULL };

	(void)state;
	return test_dnsmasq_start(
	    records, "mx1.example.net", servers, sizeof(servers));
}

static int
stop_dnsmasq(void **state)
{
	(void)state;
	test_dnsmasq_stop();
	return 0;
}

static void
test_mx_in_preference_order(void **state)
{
	struct dns_mxset s;
	struct dns d;
	int seen_b_first = 0, i;

	(void)state;
	for (i = 0; i < 40; i++) {
		assert_int_equal(dns_open(&d, servers, 3000), 0);
		dns_mx(&d, "example.net", &s);
		assert_int_equal(dns_wait(&d), 0);
		dns_close(&d);
		assert_int_equal(s.status, DNS_OK);
		assert_int_equal(s.n, 3);
		assert_int_equal(s.mx[0].pref, 10);
		assert_int_equal(s.mx[1].pref, 10);
		assert_string_equal(s.mx[2].host, "mx2.example.net");
		seen_b_first += strcmp(s.mx[0].host, "mx1b.example.net") == 0;
	}
	/* equal preferences come in both orders */
	assert_true(seen_b_first > 0 && seen_b_first < 40);
}

static void
test_implicit_null_and_missing(void **state)
{
	struct dns_mxset implicit, null, missing;
	struct dns d;

	(void)state;
	assert_int_equal(dns_open(&d, servers, 3000), 0);
	dns_mx(&d, "nomx.example.org", &implicit);
	dns_mx(&d, "nullmx.example.com", &null);
	dns_mx(&d, "nothing.invalid", &missing);
	assert_int_equal(dns_wait(&d), 0);
	dns_close(&d);
	/* RFC 5321 5.1: no MX means the domain itself */
	assert_int_equal(implicit.status, DNS_OK);
	assert_int_equal(implicit.n, 1);
	assert_string_equal(implicit.mx[0].host, "nomx.example.org");
	assert_int_equal(null.status, DNS_NULLMX);
	assert_int_equal(missing.status, DNS_NONE);
}

static void
test_addresses(void **state)
{
	struct dns_addrs both, v4, none;
	char text[64];
	struct dns d;
	int v6 = 0;
	size_t i;

	(void)state;
	assert_int_equal(dns_open(&d, servers, 3000), 0);
	dns_addrs(&d, "both.example.net", 0, &both);
	dns_addrs(&d, "both.example.net", 1, &v4);
	dns_addrs(&d, "ghost.example.net", 0, &none);
	assert_int_equal(dns_wait(&d), 0);
	dns_close(&d);
	assert_int_equal(both.status, DNS_OK);
	assert_int_equal(both.n, 2);
	for (i = 0; i < both.n; i++)
		v6 += both.addr[i].ss_family == AF_INET6;
	assert_int_equal(v6, 1);
	assert_int_equal(v4.status, DNS_OK);
	assert_int_equal(v4.n, 1);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&v4.addr[0])->sin_addr, text,
	    sizeof(text));
	assert_string_equal(text, "127.0.0.3");
	assert_int_equal(none.status, DNS_NONE);
}

static void
test_many_at_once(void **state)
{
	struct dns_mxset s[30];
	struct dns d;
	int i;

	(void)state;
	assert_int_equal(dns_open(&d, servers, 3000), 0);
	for (i = 0; i < 30; i++)
		dns_mx(&d, i % 2 ? "example.net" : "nomx.example.org", &s[i]);
	assert_int_equal(dns_wait(&d), 0);
	dns_close(&d);
	for (i = 0; i < 30; i++)
		assert_int_equal(s[i].status, DNS_OK);
}

static void
test_silent_server_is_temporary(void **state)
{
	struct timespec t0, t1;
	struct dns_mxset s;
	struct dns d;
	char silent[64];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	/* a UDP socket that never answers */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(silent, sizeof(silent), "127.0.0.1:%d", ntohs(sin.sin_port));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(dns_open(&d, silent, 1000), 0);
	dns_mx(&d, "example.net", &s);
	dns_wait(&d);
	dns_close(&d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	assert_int_equal(s.status, DNS_TEMP);
	assert_true(t1.tv_sec - t0.tv_sec <= 3);
}

static void
test_bad_server_list(void **state)
{
	struct dns d;

	(void)state;
	assert_int_equal(dns_open(&d, "not an address", 1000), -1);
}

/* lib/dnsbl against the same resolver: IPv4 and IPv6 names, codes. */
static void
test_dnsbl(void **state)
{
	struct dnsbl_result r;
	struct cidr v4, v6, clean;

	(void)state;
	assert_int_equal(cidr_from_text("192.0.2.99", &v4), 0);
	assert_int_equal(cidr_from_text("2001:db8::1", &v6), 0);
	assert_int_equal(cidr_from_text("192.0.2.98", &clean), 0);
	assert_int_equal(
	    dnsbl_check(servers, "bl.invalid", "", &v4, 3000, &r), 0);
	assert_true(r.listed);
	assert_string_equal(r.zone, "bl.invalid");
	assert_string_equal(r.reason, "part one part two");
	assert_int_equal(
	    dnsbl_check(servers, "bl.invalid", "", &v6, 3000, &r), 0);
	assert_true(r.listed);
	assert_int_equal(
	    dnsbl_check(servers, "bl.invalid=127.0.0.2", "", &v6, 3000, &r), 0);
	assert_false(r.listed); /* 127.0.0.3 is not an answer that counts */
	assert_int_equal(
	    dnsbl_check(servers, "bl.invalid", "", &clean, 3000, &r), 0);
	assert_false(r.listed);
	assert_int_equal(r.trouble, 0);
	/* the same zone as an allowlist: allowed, never listed */
	assert_int_equal(
	    dnsbl_check(servers, "bl.invalid", "bl.invalid", &v4, 3000, &r), 0);
	assert_true(r.allowed);
	assert_false(r.listed);
	assert_int_equal(dnsbl_lists_ok("a.example,b.example=127.0.0.2"), 1);
	assert_int_equal(dnsbl_lists_ok("a.example="), 0);
	assert_int_equal(dnsbl_lists_ok("a..example"), 0);
	assert_int_equal(dnsbl_lists_ok(""), 1);
}

/* lib/spf through the same resolver: libspf2 asks by our c-ares layer */
static void
test_spf(void **state)
{
	struct cidr ok, inc, other;
	char r[SPF_RESULT_MAX];

	(void)state;
	assert_int_equal(cidr_from_text("192.0.2.2", &ok), 0);
	assert_int_equal(cidr_from_text("2001:db8::5", &inc), 0);
	assert_int_equal(cidr_from_text("198.51.100.1", &other), 0);
	assert_int_equal(spf_check(servers, 3000, &ok, "mx.example.net",
			     "a@spf.example.net", r, sizeof(r)),
	    0);
	assert_string_equal(r, "pass");
	assert_int_equal(spf_check(servers, 3000, &inc, "mx.example.net",
			     "a@spf.example.net", r, sizeof(r)),
	    0);
	assert_string_equal(r, "pass"); /* by the include, over IPv6 */
	assert_int_equal(spf_check(servers, 3000, &other, "mx.example.net",
			     "a@spf.example.net", r, sizeof(r)),
	    0);
	assert_string_equal(r, "fail");
	assert_int_equal(spf_check(servers, 3000, &other, "mx.example.net",
			     "a@nomx.example.org", r, sizeof(r)),
	    0);
	assert_string_equal(r, "none");
	/* the null sender: judged by the HELO name */
	assert_int_equal(
	    spf_check(servers, 3000, &ok, "spf.example.net", "", r, sizeof(r)),
	    0);
	assert_string_equal(r, "pass");
}

/* dns_txt_pick: the records that begin with a prefix, strings joined */
static void
test_txt_pick(void **state)
{
	struct dns_raw net, org;
	char out[64], tiny[8];
	struct dns d;

	(void)state;
	assert_int_equal(dns_open(&d, servers, 3000), 0);
	dns_raw(&d, "_dmarc.example.net", 16, &net);
	dns_raw(&d, "_dmarc.example.org", 16, &org);
	assert_int_equal(dns_wait(&d), 0);
	dns_close(&d);
	assert_int_equal(net.status, DNS_OK);
	assert_int_equal(org.status, DNS_OK);
	assert_int_equal(dns_txt_pick(&net, "v=dmarc1", out, sizeof(out)), 1);
	assert_string_equal(out, "v=DMARC1; p=reject");
	assert_int_equal(dns_txt_pick(&net, "", out, sizeof(out)), 2);
	assert_int_equal(dns_txt_pick(&net, "v=spf1", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(dns_txt_pick(&org, "v=DMARC1", out, sizeof(out)), 2);
	assert_int_equal(
	    dns_txt_pick(&net, "v=DMARC1", tiny, sizeof(tiny)), -1);
	free(net.abuf);
	free(org.abuf);
}

/* dns_raw answers are kept for their TTL: asked again, the same answer
 * comes without a question (here to a server that is not there) */
static void
test_raw_answers_are_kept(void **state)
{
	struct dns_raw first, again;
	struct dns d;
	char out[64];

	(void)state;
	assert_int_equal(dns_open(&d, servers, 3000), 0);
	dns_raw(&d, "_dmarc.example.org", 16, &first);
	dns_wait(&d);
	dns_close(&d);
	assert_int_equal(first.status, DNS_OK);
	assert_int_equal(dns_open(&d, "127.0.0.1:9", 500), 0);
	dns_raw(&d, "_DMARC.example.org", 16, &again);
	assert_int_equal(dns_wait(&d), 0);
	dns_close(&d);
	assert_int_equal(again.status, DNS_OK);
	assert_int_equal(dns_txt_pick(&again, "v=DMARC1", out, sizeof(out)), 2);
	free(again.abuf);
	/* a name not asked before goes to that dead server: no answer */
	assert_int_equal(dns_open(&d, "127.0.0.1:9", 500), 0);
	dns_raw(&d, "nomx.example.org", 16, &again);
	dns_wait(&d);
	dns_close(&d);
	assert_int_equal(again.status, DNS_TEMP);
	free(first.abuf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt_pick),
		cmocka_unit_test(test_raw_answers_are_kept),
		cmocka_unit_test(test_mx_in_preference_order),
		cmocka_unit_test(test_implicit_null_and_missing),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_many_at_once),
		cmocka_unit_test(test_silent_server_is_temporary),
		cmocka_unit_test(test_bad_server_list),
		cmocka_unit_test(test_dnsbl),
		cmocka_unit_test(test_spf),
	};

	return cmocka_run_group_tests_name(
	    "dns", tests, start_dnsmasq, stop_dnsmasq);
}
