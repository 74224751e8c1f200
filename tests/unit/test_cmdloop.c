/*
 * Unit tests for lib/cmdloop: a command table driven over a socketpair,
 * the way smtp-in and pop3-in use it; each case says what the program
 * would have been told.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmdloop.h"

enum { GREETED = 1, READY = 2 };

struct session {
	int state;
	char said[512]; /* what the loop told us, one word each */
	jmp_buf out;
};

static void
note(struct session *s, const char *fmt, ...)
{
	size_t n = strlen(s->said);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->said + n, sizeof(s->said) - n, fmt, ap);
	va_end(ap);
}

static void
cmd_helo(struct session *s, char *arg)
{
	note(s, "helo(%s) ", arg);
	s->state = READY;
}

static void
cmd_mail(struct session *s, char *arg)
{
	note(s, "mail(%s) ", arg);
}

static void
mistake(struct session *s, enum cmdloop_mistake m)
{
	note(s, "%s ",
	    m == CMDLOOP_LONG	      ? "long"
		: m == CMDLOOP_SYNTAX ? "syntax"
				      : "unknown");
}

static void
wrong_state(struct session *s, const char *verb)
{
	note(s, "state(%s) ", verb);
}

static void
gone(struct session *s, enum cmdloop_end why)
{
	note(s, "%s",
	    why == CMDLOOP_EOF		 ? "eof"
		: why == CMDLOOP_TIMEOUT ? "timeout"
					 : "ioerr");
	longjmp(s->out, 1);
}

static const struct cmdloop_command commands[] = {
	{ "HELO", GREETED | READY, cmd_helo, NULL },
	{ "MAIL", READY, cmd_mail, NULL },
	{ "NOOP", READY, NULL, "250 nothing done" },
};

static struct session sess;
static struct buf io;
static char line[24];
static struct cmdloop loop = { &io, 2, line, sizeof(line), commands, 3,
	&sess.state, mistake, wrong_state, gone };
static int peer;

static int
setup(void **state)
{
	int sv[2];

	(void)state;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	buf_init(&io, sv[0], sv[0], 5);
	peer = sv[1];
	memset(&sess, 0, sizeof(sess));
	sess.state = GREETED;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(io.rfd);
	if (peer != -1)
		close(peer);
	return 0;
}

/* Feeds len octets, optionally hangs up, runs the loop until gone(). */
static const char *
feed(const char *text, size_t len, int hang_up)
{
	assert_int_equal(write(peer, text, len), (ssize_t)len);
	if (hang_up) {
		close(peer);
		peer = -1;
	}
	if (setjmp(sess.out) == 0)
		cmdloop_run(&loop, &sess);
	return sess.said;
}

static const char *
run(const char *text, int hang_up)
{
	return feed(text, strlen(text), hang_up);
}

#define TEXT(s) s, sizeof(s) - 1

static void
test_dispatch_by_table_and_state(void **state)
{
	static const struct {
		const char *label, *in;
		size_t len;
		const char *said;
	} cases[] = {
		{ "state checked before the handler", TEXT("MAIL x\r\n"),
		    "state(MAIL) eof" },
		{ "verbs in any case, the argument after one space",
		    TEXT("helo a.example\r\nmail FROM:<a@b>\r\n"),
		    "helo(a.example) mail(FROM:<a@b>) eof" },
		{ "no argument is an empty one", TEXT("HELO\r\n"),
		    "helo() eof" },
		{ "an unknown verb", TEXT("BOGUS\r\nHELO x\r\n"),
		    "unknown helo(x) eof" },
		{ "a NUL in the line", TEXT("HE\0LO\r\nHELO n\r\n"),
		    "syntax helo(n) eof" },
		{ "a bare LF ends a line too", TEXT("HELO y\n"),
		    "helo(y) eof" },
		{ "a last line without its end still runs", TEXT("HELO w"),
		    "helo(w) eof" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		teardown(NULL);
		setup(NULL);
		feed(cases[i].in, cases[i].len, 1);
		if (strcmp(sess.said, cases[i].said) != 0)
			fail_msg("%s: said \"%s\", want \"%s\"", cases[i].label,
			    sess.said, cases[i].said);
	}
}

static void
test_long_line_then_the_next_one(void **state)
{
	(void)state;
	/* 24 octets of room: the long line is one mistake, the rest of
	 * it is not taken for commands, and the next line still runs */
	assert_string_equal(
	    run("HELO 0123456789abcdefghijklmnop\r\nHELO z\r\n", 1),
	    "long helo(z) eof");
}

static void
test_silence_is_a_timeout_not_sooner(void **state)
{
	struct timespec a, z;
	long ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_string_equal(run("HELO q\r\n", 0), "helo(q) timeout");
	clock_gettime(CLOCK_MONOTONIC, &z);
	ms = (z.tv_sec - a.tv_sec) * 1000 + (z.tv_nsec - a.tv_nsec) / 1000000;
	/* the loop's 2 s, neither before nor long after */
	assert_true(ms >= 1900 && ms < 4000);
}

static void
test_a_line_dripped_too_slowly(void **state)
{
	struct timespec a, z;
	long ms;
	int i;

	(void)state;
	/* one octet every 0.4 s keeps each read alive, but the whole line
	 * must come within the loop's 2 s */
	if (fork() == 0) {
		for (i = 0; i < 12; i++) {
			if (write(peer, "H", 1) != 1)
				break;
			usleep(400000);
		}
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (setjmp(sess.out) == 0)
		cmdloop_run(&loop, &sess);
	clock_gettime(CLOCK_MONOTONIC, &z);
	ms = (z.tv_sec - a.tv_sec) * 1000 + (z.tv_nsec - a.tv_nsec) / 1000000;
	assert_string_equal(sess.said, "timeout");
	assert_true(ms >= 1900 && ms < 4000);
}

/* A command with a fixed answer: said as it is, whatever the argument,
 * and only in its states. */
static void
test_fixed_answer(void **state)
{
	const char *in = "NOOP\r\nHELO a\r\nNOOP\r\nnoop anything\r\n";
	char got[256];
	ssize_t n;

	(void)state;
	assert_int_equal(write(peer, in, strlen(in)), (ssize_t)strlen(in));
	shutdown(peer, SHUT_WR);
	if (setjmp(sess.out) == 0)
		cmdloop_run(&loop, &sess);
	assert_string_equal(sess.said, "state(NOOP) helo(a) eof");
	n = read(peer, got, sizeof(got) - 1);
	assert_true(n > 0);
	got[n] = '\0';
	assert_string_equal(got, "250 nothing done\r\n250 nothing done\r\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_dispatch_by_table_and_state, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_long_line_then_the_next_one, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_silence_is_a_timeout_not_sooner, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_line_dripped_too_slowly, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fixed_answer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
