/*
 * Unit tests for lib/netcheck against scripted servers on loopback
 * (tests/unit/scripted.h): a listener that answers and those that are
 * not there, and the open-relay test refused and taken. The outbound
 * check needs the Internet or a smarthost: test_check.py runs it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netcheck.h"
#include "scripted.h"
#include "testutil.h"

static struct conf conf;
static struct sitecheck sc;
static char *said;
static size_t saidlen;

static int
setup(void **state)
{
	(void)state;
	test_mkdir();
	test_write("domains", "example.com\n");
	conf_defaults(&conf, testdir);
	strlcpy(conf.hostname, "mail.example.com", sizeof(conf.hostname));
	sc = (struct sitecheck) { &conf, testdir, "127.0.0.1",
		open_memstream(&said, &saidlen), SITECHECK_OK };
	assert_non_null(sc.out);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fclose(sc.out);
	free(said);
	test_rmdir();
	return 0;
}

/* A port nobody listens on. */
static int
closed_port(void)
{
	int port, fd = listener(&port);

	close(fd);
	return port;
}

static void
test_listeners(void **state)
{
	static const struct step smtp[] = { { "", "220 mail ESMTP\r\n" },
		{ "", CLOSE }, { NULL, NULL } };
	int port, fd = listener(&port);
	pid_t pid = server(fd, smtp);
	struct netcheck n = { &sc, "127.0.0.1", "",
		{ port, closed_port(), closed_port(), closed_port(),
		    closed_port(), closed_port() } };
	char want[200];

	(void)state;
	netcheck_listeners(&n);
	fflush(sc.out);
	assert_true(server_ok(pid));
	snprintf(
	    want, sizeof(want), "OK   smtp on 127.0.0.1:%d answers\n", port);
	assert_non_null(strstr(said, want));
	snprintf(want, sizeof(want), "OK   pop3 on 127.0.0.1:%d: not served\n",
	    n.ports.pop3);
	assert_non_null(strstr(said, want));
	assert_int_equal(sc.worst, SITECHECK_OK);
	/* smtp itself not there: that is a failure */
	n.ports.smtp = closed_port();
	netcheck_listeners(&n);
	assert_int_equal(sc.worst, SITECHECK_FAIL);
}

/* The open-relay test against a server that answers rcpt to RCPT. */
static void
relay_test(const char *rcpt_reply, int forms)
{
	struct step script[4 + 3 * 7] = { { "", "220 mail ESMTP\r\n" },
		{ "HELO relaytest.example", "250 mail\r\n" } };
	int port, fd = listener(&port), i, k = 2;
	struct netcheck n = { &sc, "127.0.0.1", "", { 0, 0, 0, 0, 0, 0 } };
	pid_t pid;

	for (i = 0; i < forms; i++) {
		script[k++] =
		    (struct step) { "MAIL FROM:<relaytest@example.net>",
			    "250 ok\r\n" };
		script[k++] = (struct step) { "RCPT TO:", rcpt_reply };
		if (rcpt_reply[0] != '2')
			script[k++] = (struct step) { "RSET", "250 ok\r\n" };
	}
	script[k++] = (struct step) { "QUIT", "221 bye\r\n" };
	script[k] = (struct step) { NULL, NULL };
	pid = server(fd, script);
	n.ports.smtp = port;
	netcheck_open_relay(&n);
	fflush(sc.out);
	assert_true(server_ok(pid));
}

static void
test_not_an_open_relay(void **state)
{
	(void)state;
	relay_test("554 5.7.1 Relaying denied\r\n", 7);
	assert_non_null(strstr(
	    said, "OK   not an open relay: 7 forms refused from 127.0.0.1\n"));
}

static void
test_an_open_relay(void **state)
{
	(void)state;
	relay_test("250 ok\r\n", 1);
	assert_non_null(strstr(said,
	    "FAIL OPEN RELAY: from 127.0.0.1, RCPT "
	    "TO:<relaytest@example.net> was "
	    "accepted\n"));
	assert_int_equal(sc.worst, SITECHECK_FAIL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_listeners, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_not_an_open_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_an_open_relay, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
