/*
 * Unit tests for lib/submit: one message handed to a scripted SMTP
 * server on loopback (tests/unit/scripted.h), taken or refused at each
 * step, and a server that cannot be reached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scripted.h"
#include "submit.h"
#include "testutil.h"

static char *rcpts[] = { "a@example.com", "b@example.net" };

/* Submits the test message to 127.0.0.1:port; submit_smtp's result. */
static int
submit_to(int port, int *permanent, char *why, size_t whysize)
{
	char hostport[64];
	FILE *text = tmpfile();
	struct submit s = { hostport, "mail.example.com", 10,
		"www-data@mail.example.com", rcpts, 2, text };
	int r;

	assert_non_null(text);
	fputs("Subject: form\n\n.a line with a dot\nend\n", text);
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%d", port);
	r = submit_smtp(&s, permanent, why, whysize);
	fclose(text);
	return r;
}

static void
test_taken(void **state)
{
	static const struct step script[] = {
		{ "", "220 mail ESMTP\r\n" },
		{ "EHLO mail.example.com", "250 mail\r\n" },
		{ "MAIL FROM:<www-data@mail.example.com>", "250 ok\r\n" },
		{ "RCPT TO:<a@example.com>", "250 ok\r\n" },
		{ "RCPT TO:<b@example.net>", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ BODY, "250 2.0.0 Ok: queued as X\r\n" },
		{ "QUIT", "221 bye\r\n" },
		{ NULL, NULL },
	};
	char why[SUBMIT_WHY_MAX], body[256] = "", path[600];
	int port, fd = listener(&port), permanent;
	pid_t pid = server(fd, script);
	FILE *f;

	(void)state;
	assert_int_equal(submit_to(port, &permanent, why, sizeof(why)), 0);
	assert_true(server_ok(pid));
	snprintf(path, sizeof(path), "%s/body.txt", testdir);
	assert_non_null(f = fopen(path, "r"));
	body[fread(body, 1, sizeof(body) - 1, f)] = '\0';
	fclose(f);
	/* as sent: the leading dot stuffed */
	assert_string_equal(
	    body, "Subject: form\n\n..a line with a dot\nend\n");
}

static void
test_refused_for_good_or_for_now(void **state)
{
	static const struct step refused[] = {
		{ "", "220 mail ESMTP\r\n" },
		{ "EHLO", "250 mail\r\n" },
		{ "MAIL", "250 ok\r\n" },
		{ "RCPT TO:<a@example.com>", "250 ok\r\n" },
		{ "RCPT TO:<b@example.net>", "554 5.7.1 Relaying denied\r\n" },
		{ NULL, NULL },
	};
	static const struct step later[] = {
		{ "", "220 mail ESMTP\r\n" },
		{ "EHLO", "250 mail\r\n" },
		{ "MAIL", "451 4.3.0 Temporary local problem\r\n" },
		{ NULL, NULL },
	};
	char why[SUBMIT_WHY_MAX];
	int port, fd = listener(&port), permanent;
	pid_t pid = server(fd, refused);

	(void)state;
	assert_int_equal(submit_to(port, &permanent, why, sizeof(why)), -1);
	assert_true(server_ok(pid));
	assert_int_equal(permanent, 1);
	assert_string_equal(
	    why, "said at b@example.net: 554 5.7.1 Relaying denied");
	fd = listener(&port);
	pid = server(fd, later);
	assert_int_equal(submit_to(port, &permanent, why, sizeof(why)), -1);
	assert_true(server_ok(pid));
	assert_int_equal(permanent, 0);
	assert_string_equal(
	    why, "said at MAIL: 451 4.3.0 Temporary local problem");
}

static void
test_nobody_there(void **state)
{
	char why[SUBMIT_WHY_MAX];
	int port, fd = listener(&port), permanent;
	struct submit s = { "mail.example.com:25", "h", 10, "x@h", rcpts, 1,
		NULL };

	(void)state;
	close(fd); /* nobody listens on port now */
	assert_int_equal(submit_to(port, &permanent, why, sizeof(why)), -2);
	assert_string_equal(why, "Connection refused");
	/* a name, not an address: nothing is looked up */
	assert_int_equal(submit_smtp(&s, &permanent, why, sizeof(why)), -2);
	assert_string_equal(
	    why, "mail.example.com:25 is not an IP address[:port]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_taken, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_refused_for_good_or_for_now, test_dir_setup,
		    test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_nobody_there, test_dir_setup, test_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
