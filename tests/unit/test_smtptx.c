/*
 * Unit tests for lib/smtptx: one transaction against a scripted server
 * (a child process on the other end of a socketpair) that checks each
 * line it gets and answers as told. Each case says what every recipient
 * ends with and what went over the wire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smtptx.h"
#include "scripted.h"
#include "testutil.h"

struct run {
	int rc;		 /* smtptx_run's */
	int server_ok;	 /* the server got every line it expected */
	char body[4096]; /* what the server saw of the message */
	struct smtptx_rcpt rcpt[3];
};

static const char *message = "Subject: hi\n\n.a dot at the start\nline two\n";

/* Runs a transaction for the recipients against script. */
static void
run(const struct step *script, const char *const *rcpts, struct smtptx *t,
    struct run *out)
{
	char path[512];
	int sv[2], mess, status;
	size_t i, n;
	pid_t pid;
	FILE *f;

	memset(out, 0, sizeof(*out));
	test_write("mess", message);
	snprintf(path, sizeof(path), "%s/mess", testdir);
	assert_true((mess = open(path, O_RDONLY)) >= 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		serve(sv[1], script);
	}
	close(sv[1]);
	for (n = 0; rcpts[n] != NULL; n++)
		out->rcpt[n].addr = rcpts[n];
	t->helo = "mail.example.com";
	t->host = "mx.example.net[192.0.2.25]";
	t->tls_name = "mx.example.net";
	t->deadline = 60;
	t->id = "test";
	t->sender = "taro@example.com";
	t->mess = mess;
	t->size = (off_t)strlen(message);
	t->rcpt = out->rcpt;
	t->n = n;
	out->rc = smtptx_run(sv[0], t);
	close(sv[0]);
	close(mess);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	out->server_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	snprintf(path, sizeof(path), "%s/body.txt", testdir);
	if ((f = fopen(path, "r")) != NULL) {
		i = fread(out->body, 1, sizeof(out->body) - 1, f);
		out->body[i] = '\0';
		fclose(f);
	}
}

static const char *const two[] = { "a@example.net", "b@example.net", NULL };

static void
test_one_reply_at_a_time(void **state)
{
	static const struct step script[] = {
		{ "", "220 mx ESMTP\r\n" },
		{ "EHLO mail.example.com", "250 mx\r\n" },
		{ "MAIL FROM:<taro@example.com>", "250 ok\r\n" },
		{ "RCPT TO:<a@example.net>", "250 ok\r\n" },
		{ "RCPT TO:<b@example.net>", "550 5.1.1 no such user\r\n" },
		{ "DATA", "354 go\r\n" },
		{ BODY, "250 2.0.0 queued as 7\r\n" },
		{ "QUIT", "221 bye\r\n" },
		{ NULL, NULL },
	};
	struct smtptx t = { 0 };
	struct run r;

	(void)state;
	run(script, two, &t, &r);
	assert_true(r.server_ok);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.rcpt[0].o, SMTPTX_DONE);
	assert_int_equal(r.rcpt[0].own, 1);
	assert_string_equal(r.rcpt[0].text, "250 2.0.0 queued as 7");
	assert_int_equal(r.rcpt[1].o, SMTPTX_FAILED);
	assert_string_equal(r.rcpt[1].text, "550 5.1.1 no such user");
	/* CRLF line ends, the leading dot stuffed (seen here as sent) */
	assert_string_equal(
	    r.body, "Subject: hi\n\n..a dot at the start\nline two\n");
}

static void
test_pipelined_with_size_8bitmime_and_delivered_to(void **state)
{
	static const struct step script[] = {
		{ "", "220 mx ESMTP\r\n" },
		{ "EHLO",
		    "250-mx\r\n250-PIPELINING\r\n250-SIZE 1000\r\n"
		    "250 8BITMIME\r\n" },
		{ "MAIL FROM:<taro@example.com> SIZE=42 BODY=8BITMIME", "" },
		{ "RCPT TO:<a@example.net>", "" },
		{ "RCPT TO:<b@example.net>",
		    "250 ok\r\n452 4.2.2 full\r\n250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ BODY, "250 fine\r\n" },
		{ "QUIT", "221 bye\r\n" },
		{ NULL, NULL },
	};
	struct smtptx t = { .eightbit = 1, .via = "fwd@example.com" };
	struct run r;

	(void)state;
	run(script, two, &t, &r);
	assert_true(r.server_ok);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.rcpt[0].o, SMTPTX_DEFERRED);
	assert_string_equal(r.rcpt[0].text, "452 4.2.2 full");
	assert_int_equal(r.rcpt[1].o, SMTPTX_DONE);
	assert_string_equal(r.rcpt[1].text, "250 fine");
	assert_true(
	    strncmp(r.body, "Delivered-To: fwd@example.com\n", 30) == 0);
}

static void
test_whole_transaction_refusals(void **state)
{
	static const struct step greeting[] = {
		{ "", "421 busy, go away\r\n" },
		{ NULL, NULL },
	};
	static const struct step helo[] = {
		{ "", "220 old\r\n" },
		{ "EHLO", "500 what\r\n" },
		{ "HELO mail.example.com", "250 old\r\n" },
		{ "MAIL", "552 5.3.4 too big for us\r\n" },
		{ "QUIT", "221 bye\r\n" },
		{ NULL, NULL },
	};
	static const struct step data_refused[] = {
		{ "", "220 mx\r\n" },
		{ "EHLO", "250 mx\r\n" },
		{ "MAIL", "250 ok\r\n" },
		{ "RCPT TO:<a@", "250 ok\r\n" },
		{ "RCPT TO:<b@", "550 no\r\n" },
		{ "DATA", "554 5.7.1 not from you\r\n" },
		{ NULL, NULL },
	};
	struct smtptx t = { 0 };
	struct run r;

	(void)state;
	/* a refused greeting: this host cannot be used, try the next */
	run(greeting, two, &t, &r);
	assert_true(r.server_ok);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.rcpt[1].o, SMTPTX_DEFERRED);
	assert_int_equal(r.rcpt[1].own, 0);
	assert_string_equal(r.rcpt[1].text, "421 busy, go away");
	/* HELO after a refused EHLO; MAIL refused for everyone */
	run(helo, two, &t, &r);
	assert_true(r.server_ok);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.rcpt[0].o, SMTPTX_FAILED);
	assert_int_equal(r.rcpt[0].own, 0);
	assert_string_equal(r.rcpt[0].text, "552 5.3.4 too big for us");
	/* DATA refused: the accepted one fails with it, the other keeps
	 * its own reply */
	run(data_refused, two, &t, &r);
	assert_true(r.server_ok);
	assert_int_equal(r.rcpt[0].o, SMTPTX_FAILED);
	assert_string_equal(r.rcpt[0].text, "554 5.7.1 not from you");
	assert_string_equal(r.rcpt[1].text, "550 no");
}

static void
test_no_reply_after_the_data_is_deferred(void **state)
{
	static const struct step script[] = {
		{ "", "220 mx\r\n" },
		{ "EHLO", "250 mx\r\n" },
		{ "MAIL", "250 ok\r\n" },
		{ "RCPT", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ BODY, CLOSE },
		{ NULL, NULL },
	};
	static const char *const one[] = { "a@example.net", NULL };
	struct smtptx t = { 0 };
	struct run r;

	(void)state;
	run(script, one, &t, &r);
	assert_int_equal(r.rc, 0);
	/* maybe delivered: at worst twice, never lost */
	assert_int_equal(r.rcpt[0].o, SMTPTX_DEFERRED);
	assert_string_equal(r.rcpt[0].text, "connection lost after the data");
}

static void
test_login_only_inside_tls_unless_allowed(void **state)
{
	static const struct step refused[] = {
		{ "", "220 relay\r\n" },
		{ "EHLO", "250-relay\r\n250 AUTH PLAIN LOGIN\r\n" },
		{ "QUIT", "221 bye\r\n" },
		{ NULL, NULL },
	};
	/* base64 of "\0friend\0secret" */
	static const struct step plain[] = {
		{ "", "220 relay\r\n" },
		{ "EHLO", "250-relay\r\n250 AUTH PLAIN LOGIN\r\n" },
		{ "AUTH PLAIN AGZyaWVuZABzZWNyZXQ=", "235 2.7.0 ok\r\n" },
		{ "MAIL", "250 ok\r\n" },
		{ "RCPT", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ BODY, "250 ok\r\n" },
		{ "QUIT", "221 bye\r\n" },
		{ NULL, NULL },
	};
	static const struct step bad[] = {
		{ "", "220 relay\r\n" },
		{ "EHLO", "250-relay\r\n250 AUTH LOGIN\r\n" },
		{ "AUTH LOGIN", "334 VXNlcm5hbWU6\r\n" },
		{ "ZnJpZW5k", "334 UGFzc3dvcmQ6\r\n" },
		{ "c2VjcmV0", "535 5.7.8 no\r\n" },
		{ "QUIT", "221 bye\r\n" },
		{ NULL, NULL },
	};
	static const char *const one[] = { "a@example.net", NULL };
	struct smtptx t = { .auth_user = "friend", .auth_pass = "secret" };
	struct run r;

	(void)state;
	run(refused, one, &t, &r);
	assert_true(r.server_ok);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.rcpt[0].o, SMTPTX_DEFERRED);
	assert_non_null(strstr(r.rcpt[0].text, "not sent in clear text"));
	t.auth_in_clear = 1;
	run(plain, one, &t, &r);
	assert_true(r.server_ok);
	assert_int_equal(r.rcpt[0].o, SMTPTX_DONE);
	/* a refused login is deferred, never a bounce */
	run(bad, one, &t, &r);
	assert_true(r.server_ok);
	assert_int_equal(r.rcpt[0].o, SMTPTX_DEFERRED);
	assert_string_equal(r.rcpt[0].text, "535 5.7.8 no");
}

static void
test_tls_required_but_not_offered(void **state)
{
	static const struct step script[] = {
		{ "", "220 mx\r\n" },
		{ "EHLO", "250 mx\r\n" },
		{ NULL, NULL },
	};
	static const char *const one[] = { "a@example.net", NULL };
	struct smtptx t = { .tls = SMTPTX_TLS_MUST };
	struct run r;

	(void)state;
	run(script, one, &t, &r);
	assert_int_equal(r.rc, 0); /* no other host will do better */
	assert_int_equal(r.rcpt[0].o, SMTPTX_DEFERRED);
	assert_string_equal(r.rcpt[0].text,
	    "TLS is required but the server offers no STARTTLS");
}

static void
test_starttls_refused_where_only_wanted(void **state)
{
	static const struct step script[] = {
		{ "", "220 mx\r\n" },
		{ "EHLO", "250-mx\r\n250 STARTTLS\r\n" },
		{ "STARTTLS", "454 4.7.0 not now\r\n" },
		{ NULL, NULL },
	};
	static const char *const one[] = { "a@example.net", NULL };
	struct smtptx t = { .tls = SMTPTX_TLS_MAY };
	struct run r;

	(void)state;
	run(script, one, &t, &r);
	assert_true(r.server_ok);
	/* dial again without it; nothing decided for the recipient */
	assert_int_equal(r.rc, SMTPTX_PLAIN_AGAIN);
	assert_int_equal(r.rcpt[0].o, SMTPTX_PENDING);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_reply_at_a_time,
		    test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_pipelined_with_size_8bitmime_and_delivered_to,
		    test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_whole_transaction_refusals,
		    test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_reply_after_the_data_is_deferred, test_dir_setup,
		    test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_login_only_inside_tls_unless_allowed, test_dir_setup,
		    test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_tls_required_but_not_offered, test_dir_setup,
		    test_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_starttls_refused_where_only_wanted, test_dir_setup,
		    test_dir_teardown),
	};

	signal(SIGPIPE, SIG_IGN); /* a server that hangs up: an error */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
