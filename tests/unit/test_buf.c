/* Unit tests for lib/buf over a socketpair: lines, bounds, timeouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static struct buf b;
static int peer;

static long
elapsed_ms(const struct timespec *a, const struct timespec *z)
{
	return (z->tv_sec - a->tv_sec) * 1000 +
	    (z->tv_nsec - a->tv_nsec) / 1000000;
}

static int
setup(void **state)
{
	int sv[2];

	(void)state;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	buf_init(&b, sv[0], sv[0], 1);
	peer = sv[1];
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(b.rfd);
	close(peer);
	return 0;
}

static void
test_lines_keep_their_endings(void **state)
{
	char line[64];
	size_t len;

	(void)state;
	assert_int_equal(write(peer, "HELO a\r\nNOOP\nQU", 15), 15);
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LINE);
	assert_string_equal(line, "HELO a\r\n");
	assert_int_equal(len, 8);
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LINE);
	assert_string_equal(line, "NOOP\n");
	assert_int_equal(write(peer, "IT\r\n", 4), 4);
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LINE);
	assert_string_equal(line, "QUIT\r\n");
}

static void
test_long_line_reports_and_stays_in_sync(void **state)
{
	char big[40000], line[512];
	size_t len;

	(void)state;
	memset(big, 'A', sizeof(big));
	big[sizeof(big) - 2] = '\r';
	big[sizeof(big) - 1] = '\n';
	if (fork() == 0) {
		/* the writer: a line far longer than both buffers */
		if (write(peer, big, sizeof(big)) != (ssize_t)sizeof(big) ||
		    write(peer, "NOOP\r\n", 6) != 6)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LONG);
	assert_int_equal(len, sizeof(line) - 1);
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LINE);
	assert_string_equal(line, "NOOP\r\n");
}

static void
test_silent_peer_times_out(void **state)
{
	struct timespec t0, t1;
	char line[64];
	size_t len;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_ERR);
	assert_int_equal(errno, ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* the timeout is 1 s: neither before it nor long after */
	assert_in_range(elapsed_ms(&t0, &t1), 950, 2000);
}

/* A peer that sends a byte every 300 ms never lets a read idle for the
 * 1 s timeout; the deadline ends the line anyway. */
static void
test_deadline_ends_a_dripping_line(void **state)
{
	struct timespec t0, t1;
	char line[64];
	size_t len;
	pid_t pid;
	int i;

	(void)state;
	if ((pid = fork()) == 0) {
		for (i = 0; i < 10; i++) {
			if (write(peer, "x", 1) != 1)
				_exit(1);
			usleep(300000);
		}
		_exit(0);
	}
	buf_set_deadline(&b, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_ERR);
	assert_int_equal(errno, ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_in_range(elapsed_ms(&t0, &t1), 950, 1600);
	buf_set_deadline(&b, 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* An endless line: buf_getline_bounded stops at the bound at once. */
static void
test_bounded_line_stops_at_its_bound(void **state)
{
	char line[16], big[4096];
	size_t len;

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(write(peer, big, sizeof(big)), (ssize_t)sizeof(big));
	assert_int_equal(
	    buf_getline_bounded(&b, line, sizeof(line), &len), BUF_LONG);
	assert_int_equal(len, 15);
	/* the rest is still there, not thrown away */
	assert_int_equal(buf_pending(&b), sizeof(big) - 15);
}

static void
test_eof_and_partial_line(void **state)
{
	char line[64];
	size_t len;

	(void)state;
	assert_int_equal(write(peer, "no newline", 10), 10);
	shutdown(peer, SHUT_WR);
	/* bytes without LF before EOF come back as a last line */
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LINE);
	assert_string_equal(line, "no newline");
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_EOF);
}

static void
test_output_is_flushed_before_a_read(void **state)
{
	char reply[64], line[64];
	size_t len;
	ssize_t n;

	(void)state;
	assert_int_equal(buf_printf(&b, "220 %s ready\r\n", "host"), 0);
	assert_int_equal(write(peer, "EHLO x\r\n", 8), 8);
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LINE);
	/* data was already there, so nothing had to be flushed yet */
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_ERR);
	n = read(peer, reply, sizeof(reply) - 1);
	assert_int_equal(n, 16);
	reply[n] = '\0';
	assert_string_equal(reply, "220 host ready\r\n");
}

static void
test_pending_and_discard(void **state)
{
	char line[64];
	size_t len;

	(void)state;
	assert_int_equal(write(peer, "STARTTLS\r\nMAIL FROM:<x>\r\n", 25), 25);
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LINE);
	assert_int_equal(buf_pending(&b), 15);
	buf_discard(&b);
	assert_int_equal(buf_pending(&b), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_deadline_ends_a_dripping_line, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bounded_line_stops_at_its_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_lines_keep_their_endings, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_long_line_reports_and_stays_in_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_silent_peer_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_eof_and_partial_line, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_output_is_flushed_before_a_read, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pending_and_discard, setup, teardown),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
