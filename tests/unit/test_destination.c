/*
 * Unit tests for lib/destination: a group of recipients delivered to a
 * scripted SMTP server on loopback (tests/unit/scripted.h), reached by
 * an address literal, by MX hosts tried in turn, or as the smarthost;
 * and the outcomes when nothing answers or DNS says the domain takes no
 * mail. The MX hosts' addresses come from dnsmasq on loopback
 * (tests/unit/dnsmasq.h); nothing here asks another resolver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "destination.h"
#include "dnsmasq.h"
#include "scripted.h"
#include "testutil.h"

static struct conf conf;
static struct queue_entry entry;
static struct queue_entry_rcpt rcpts[3];
static struct dest_result res[2];
static const size_t idx[2] = { 0, 1 };
static int mess;
static char servers[64]; /* dnsmasq's */

/* The MX hosts' addresses come from a real resolver. */
static int
start_dnsmasq(void **state)
{
	static const char *const records[] = { "--local=/test/",
		"--host-record=mx1.test,127.0.0.2",
		"--host-record=mx2.test,127.0.0.1", NULL };

	(void)state;
	return test_dnsmasq_start(
	    records, "mx2.test", servers, sizeof(servers));
}

static int
stop_dnsmasq(void **state)
{
	(void)state;
	test_dnsmasq_stop();
	return 0;
}

static int
setup(void **state)
{
	char path[600];

	(void)state;
	test_mkdir();
	conf_defaults(&conf, testdir);
	strlcpy(conf.dns_servers, servers, sizeof(conf.dns_servers));
	conf.tls_outbound = TLS_OUT_NO;
	test_write("mess", "Subject: hi\n\nbody\n");
	snprintf(path, sizeof(path), "%s/mess", testdir);
	assert_true((mess = open(path, O_RDONLY)) >= 0);
	memset(&entry, 0, sizeof(entry));
	memset(res, 0, sizeof(res));
	strlcpy(entry.id, "test1", sizeof(entry.id));
	entry.rcpt = rcpts;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(mess);
	test_rmdir();
	return 0;
}

/* The group of n recipients of domain, delivered. */
static void
deliver(const char *domain, size_t n, const struct dns_mxset *mx)
{
	static char addr[2][300], sender[] = "taro@example.com";
	struct dest_group g = { &entry, idx, n, mess, 18, 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(
		    addr[i], sizeof(addr[i]), "%c@%s", (int)('a' + i), domain);
		rcpts[i].addr = addr[i];
	}
	entry.n = n;
	entry.sender = sender;
	memset(res, 0, sizeof(res)); /* every recipient pending */
	destination_deliver(&conf, &g, mx, res);
}

static const struct step two_rcpts[] = {
	{ "", "220 mx ESMTP\r\n" },
	{ "EHLO ", "250 mx\r\n" },
	{ "MAIL FROM:<taro@example.com>", "250 ok\r\n" },
	{ "RCPT TO:<a@", "250 ok\r\n" },
	{ "RCPT TO:<b@", "550 5.1.1 no such user\r\n" },
	{ "DATA", "354 go\r\n" },
	{ BODY, "250 2.0.0 queued as 7\r\n" },
	{ "QUIT", "221 bye\r\n" },
	{ NULL, NULL },
};

static void
test_an_address_literal_and_each_recipients_own_reply(void **state)
{
	int port, fd = listener(&port);
	pid_t pid = server(fd, two_rcpts);

	(void)state;
	conf.remote_port = port;
	deliver("[127.0.0.1]", 2, NULL);
	assert_true(server_ok(pid));
	assert_int_equal(res[0].o, DEST_DONE);
	assert_string_equal(res[0].host, "127.0.0.1[127.0.0.1]");
	assert_string_equal(res[0].text, "250 2.0.0 queued as 7");
	assert_int_equal(res[1].o, DEST_FAILED);
	assert_string_equal(res[1].text, "550 5.1.1 no such user");
}

static void
test_mx_hosts_in_turn(void **state)
{
	struct dns_mxset mx = { .status = DNS_OK, .n = 2 };
	int port, fd = listener(&port);
	pid_t pid = server(fd, two_rcpts);

	(void)state;
	/* the first answers nothing on that port (the server is on .1) */
	strlcpy(mx.mx[0].host, "mx1.test", sizeof(mx.mx[0].host));
	strlcpy(mx.mx[1].host, "mx2.test", sizeof(mx.mx[1].host));
	conf.remote_port = port;
	deliver("example.net", 2, &mx);
	assert_true(server_ok(pid));
	assert_int_equal(res[0].o, DEST_DONE);
	assert_string_equal(res[0].host, "mx2.test[127.0.0.1]");
	assert_int_equal(res[1].o, DEST_FAILED);
}

static void
test_nothing_answers(void **state)
{
	struct dns_mxset mx = { .status = DNS_OK, .n = 1 };
	int port, fd = listener(&port);
	char want[200];

	(void)state;
	close(fd); /* a port nobody listens on */
	strlcpy(mx.mx[0].host, "mx2.test", sizeof(mx.mx[0].host));
	conf.remote_port = port;
	deliver("example.net", 1, &mx);
	assert_int_equal(res[0].o, DEST_DEFERRED);
	snprintf(want, sizeof(want),
	    "no mail exchanger could be reached (last: "
	    "mx2.test[127.0.0.1]:%d: Connection refused); if every domain "
	    "fails so, your ISP may block port 25 (OP25B): set smarthost",
	    port);
	assert_string_equal(res[0].text, want);
}

static void
test_what_dns_said(void **state)
{
	struct dns_mxset mx = { .status = DNS_NULLMX };

	(void)state;
	deliver("example.net", 1, &mx);
	assert_int_equal(res[0].o, DEST_FAILED);
	assert_non_null(strstr(res[0].text, "556 5.1.10 "));
	mx.status = DNS_NONE;
	deliver("example.net", 1, &mx);
	assert_int_equal(res[0].o, DEST_FAILED);
	assert_string_equal(res[0].text, "550 5.1.2 no such domain");
	/* no answer: later, never a bounce */
	mx.status = DNS_TEMP;
	deliver("example.net", 1, &mx);
	assert_int_equal(res[0].o, DEST_DEFERRED);
	assert_string_equal(res[0].text, "DNS look-up failed, will try again");
	deliver("[not an address]", 1, NULL);
	assert_int_equal(res[0].o, DEST_FAILED);
	assert_string_equal(res[0].text, "550 5.1.2 bad address literal");
}

static void
test_the_smarthost_and_its_password_file(void **state)
{
	static const struct step script[] = {
		{ "", "220 relay ESMTP\r\n" },
		{ "EHLO ", "250-relay\r\n250 AUTH PLAIN\r\n" },
		{ "AUTH PLAIN AHRhcm8Ac2VjcmV0", "235 ok\r\n" },
		{ "MAIL FROM:<taro@example.com>", "250 ok\r\n" },
		{ "RCPT TO:<a@example.net>", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ BODY, "250 2.0.0 taken\r\n" },
		{ "QUIT", "221 bye\r\n" },
		{ NULL, NULL },
	};
	struct dns_mxset mx = { .status = DNS_NONE }; /* never asked */
	int port, fd = listener(&port);
	char path[600];
	pid_t pid;

	(void)state;
	snprintf(conf.smarthost, sizeof(conf.smarthost), "127.0.0.1:%d", port);
	strlcpy(conf.smarthost_user, "taro", sizeof(conf.smarthost_user));
	conf.smarthost_insecure_cleartext_auth = 1;
	snprintf(path, sizeof(path), "%s/pw", testdir);
	strlcpy(conf.smarthost_password_file, path,
	    sizeof(conf.smarthost_password_file));
	test_write("pw", "secret\n");
	/* the server is up: a refused password must not reach it */
	pid = server(fd, script);
	/* a password others may read: refused, and only deferred */
	assert_int_equal(chmod(path, 0644), 0);
	deliver("example.net", 1, &mx);
	assert_int_equal(res[0].o, DEST_DEFERRED);
	assert_non_null(strstr(res[0].text, "is readable by others: refused"));
	assert_int_equal(chmod(path, 0600), 0);
	deliver("example.net", 1, &mx);
	assert_true(server_ok(pid));
	assert_int_equal(res[0].o, DEST_DONE);
	assert_string_equal(res[0].text, "250 2.0.0 taken");
}

/* The whole entry (destination_attempt), res in shared memory. */
static struct dest_result *
attempt(const char *const *addrs, size_t n, const char *released)
{
	struct dest_result *r = mmap(NULL, n * sizeof(*r),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	size_t i;

	assert_true(r != MAP_FAILED);
	for (i = 0; i < n; i++)
		rcpts[i].addr = (char *)addrs[i];
	entry.n = n;
	entry.sender = "taro@example.com";
	destination_attempt(&conf, &entry, mess, 18, released, r);
	return r;
}

static void
test_a_held_domain_waits_until_released(void **state)
{
	static const struct step script[] = {
		{ "", "220 mx ESMTP\r\n" },
		{ "EHLO ", "250 mx\r\n" },
		{ "MAIL FROM:<taro@example.com>", "250 ok\r\n" },
		{ "RCPT TO:<a@[127.0.0.1]>", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ BODY, "250 2.0.0 queued\r\n" },
		{ "QUIT", "221 bye\r\n" },
		{ NULL, NULL },
	};
	static const char *const addrs[] = { "a@[127.0.0.1]" };
	struct dest_result *r;
	int port, fd = listener(&port);
	pid_t pid;

	(void)state;
	conf.remote_port = port;
	strlcpy(conf.hold_domains, "[127.0.0.1]", sizeof(conf.hold_domains));
	r = attempt(addrs, 1, NULL);
	assert_int_equal(r[0].o, DEST_DEFERRED);
	assert_string_equal(
	    r[0].text, "held until an ETRN for the domain (hold_domains)");
	munmap(r, sizeof(*r));
	/* released (ETRN): sent */
	pid = server(fd, script);
	r = attempt(addrs, 1, "[127.0.0.1]");
	assert_true(server_ok(pid));
	assert_int_equal(r[0].o, DEST_DONE);
	munmap(r, sizeof(*r));
}

/* Kills every child of parent (its delivery processes) once the server
 * was reached (TESTDIR/reached); gives up after 10 s. */
static pid_t
killer(pid_t parent)
{
	char path[600], list[1024];
	pid_t pid = fork();
	int i, k, n;
	FILE *f;

	if (pid != 0)
		return pid;
	snprintf(path, sizeof(path), "%s/reached", testdir);
	for (i = 0; i < 1000 && access(path, F_OK) != 0; i++)
		usleep(10000);
	snprintf(list, sizeof(list), "/proc/%d/task/%d/children", (int)parent,
	    (int)parent);
	if (i == 1000 || (f = fopen(list, "r")) == NULL)
		_exit(1);
	for (k = 0; fscanf(f, "%d", &n) == 1; k++)
		kill((pid_t)n, SIGKILL);
	_exit(k > 0 ? 0 : 1);
}

/* A delivery process killed while it waits for the reply to QUIT: the
 * host took the message, so it stays taken (no second copy later). The
 * entry's attempt runs in a process of its own, whose only children are
 * its deliveries (it waits for any child). */
static void
test_a_killed_delivery_keeps_what_was_taken(void **state)
{
	static const struct step script[] = {
		{ "", "220 mx ESMTP\r\n" },
		{ "EHLO ", "250 mx\r\n" },
		{ "MAIL FROM:<taro@example.com>", "250 ok\r\n" },
		{ "RCPT TO:<a@[127.0.0.1]>", "250 ok\r\n" },
		{ "RCPT TO:<b@[127.0.0.1]>", "451 4.3.0 not now\r\n" },
		{ "DATA", "354 go\r\n" },
		{ BODY, "250 2.0.0 taken\r\n" },
		{ "QUIT", HANG },
		{ NULL, NULL },
	};
	/* two domains: two groups, each in a process of its own (nothing
	 * listens on 127.0.0.2) */
	static const char *const addrs[] = { "a@[127.0.0.1]", "b@[127.0.0.1]",
		"c@[127.0.0.2]" };
	int port, status, fd = listener(&port);
	pid_t one = server(fd, script), attempter, k;
	struct dest_result *r = mmap(NULL, 3 * sizeof(*r),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	size_t i;

	(void)state;
	assert_true(r != MAP_FAILED);
	conf.remote_port = port;
	for (i = 0; i < 3; i++)
		rcpts[i].addr = (char *)addrs[i];
	entry.n = 3;
	entry.sender = "taro@example.com";
	if ((attempter = fork()) == 0) {
		destination_attempt(&conf, &entry, mess, 18, NULL, r);
		_exit(0);
	}
	k = killer(attempter);
	assert_int_equal(waitpid(attempter, NULL, 0), attempter);
	assert_int_equal(waitpid(k, &status, 0), k);
	kill(one, SIGKILL);
	waitpid(one, NULL, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(r[0].o, DEST_DONE);
	assert_string_equal(r[0].text, "250 2.0.0 taken");
	assert_int_equal(r[1].o, DEST_DEFERRED);
	assert_string_equal(r[1].text, "451 4.3.0 not now");
	assert_int_equal(r[2].o, DEST_DEFERRED);
	munmap(r, 3 * sizeof(*r));
}

static const struct step etrn_script[] = {
	{ "", "220 mx ESMTP\r\n" },
	{ "EHLO ", "250 mx\r\n" },
	{ "ETRN backup.example", "250 2.0.0 Queuing for backup.example\r\n" },
	{ "QUIT", "221 bye\r\n" },
	{ NULL, NULL },
};

/* remote-send --etrn: a name through DNS, then nothing on a dead port. */
static void
test_etrn_asks_the_host(void **state)
{
	int port, fd = listener(&port);
	pid_t pid = server(fd, etrn_script);
	struct smtpc_reply r;

	(void)state;
	assert_int_equal(
	    destination_etrn(&conf, "mx2.test", port, "backup.example", &r),
	    250);
	assert_true(server_ok(pid));
	assert_string_equal(r.text, "250 2.0.0 Queuing for backup.example");
	fd = listener(&port);
	close(fd); /* nothing listens there now */
	assert_int_equal(
	    destination_etrn(&conf, "[127.0.0.1]", port, "backup.example", &r),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_an_address_literal_and_each_recipients_own_reply,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_mx_hosts_in_turn, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nothing_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_what_dns_said, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_the_smarthost_and_its_password_file, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_held_domain_waits_until_released, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_etrn_asks_the_host, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_killed_delivery_keeps_what_was_taken, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, start_dnsmasq, stop_dnsmasq);
}
