/*
 * Unit tests for lib/tlsio over a socketpair: a server and a client
 * (with a certificate made by openssl for the test) speak lines through
 * lib/buf both ways once encrypted; a client that asks for verification
 * refuses the self-signed certificate; input sent before the handshake
 * is thrown away (RFC 3207 4.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "testutil.h"
#include "tlsio.h"

static char cert[600], key[600];

static int
make_cert(void **state)
{
	char cmd[2048];

	(void)state;
	/* as every program does: a peer that hangs up is an error */
	signal(SIGPIPE, SIG_IGN);
	test_mkdir();
	snprintf(cert, sizeof(cert), "%s/cert.pem", testdir);
	snprintf(key, sizeof(key), "%s/key.pem", testdir);
	snprintf(cmd, sizeof(cmd),
	    "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:prime256v1 -nodes -keyout %s -out %s -days 2 "
	    "-subj /CN=mail.example.com >/dev/null 2>&1",
	    key, cert);
	return system(cmd) == 0 ? 0 : -1;
}

static int
remove_cert(void **state)
{
	(void)state;
	test_rmdir();
	return 0;
}

/* The server side in a child: says hello, echoes one line, exits. */
static pid_t
server(int fd)
{
	static struct buf b;
	char line[256], err[256];
	size_t len;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	buf_init(&b, fd, fd, 5);
	if (tlsio_server(&b, cert, key, err, sizeof(err)) == -1)
		_exit(2);
	buf_puts(&b, "hello\r\n");
	if (buf_getline(&b, line, sizeof(line), &len) != BUF_LINE)
		_exit(3);
	buf_puts(&b, line);
	buf_flush(&b);
	tlsio_end(&b);
	_exit(0);
}

static void
test_lines_both_ways(void **state)
{
	static struct buf b;
	char line[256], err[256];
	int sv[2], status;
	size_t len;
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = server(sv[1]);
	close(sv[1]);
	buf_init(&b, sv[0], sv[0], 5);
	assert_false(tlsio_active(&b));
	assert_string_equal(tlsio_info(&b), "");
	assert_int_equal(
	    tlsio_client(&b, "mail.example.com", 0, err, sizeof(err)), 0);
	assert_true(tlsio_active(&b));
	assert_non_null(strstr(tlsio_info(&b), "TLSv1."));
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LINE);
	assert_string_equal(line, "hello\r\n");
	buf_puts(&b, "echo me\r\n");
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LINE);
	assert_string_equal(line, "echo me\r\n");
	tlsio_end(&b);
	assert_false(tlsio_active(&b));
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_verifying_client_refuses_self_signed(void **state)
{
	static struct buf b;
	char err[256];
	int sv[2];
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = server(sv[1]);
	close(sv[1]);
	buf_init(&b, sv[0], sv[0], 5);
	assert_int_equal(
	    tlsio_client(&b, "mail.example.com", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "handshake"));
	assert_false(tlsio_active(&b));
	close(sv[0]);
	waitpid(pid, NULL, 0);
}

static void
test_input_before_the_handshake_is_discarded(void **state)
{
	static struct buf b;
	char line[64], err[256];
	int sv[2];
	size_t len;
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	buf_init(&b, sv[0], sv[0], 5);
	assert_int_equal(write(sv[1], "STARTTLS\r\nMAIL\r\n", 16), 16);
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LINE);
	assert_string_equal(line, "STARTTLS\r\n");
	assert_int_equal(buf_pending(&b), 6); /* "MAIL" came with it */
	if ((pid = fork()) == 0) {	      /* the client side, this time */
		static struct buf c;

		buf_init(&c, sv[1], sv[1], 5);
		if (tlsio_client(&c, "x", 0, err, sizeof(err)) == -1)
			_exit(2);
		buf_puts(&c, "after\r\n");
		buf_flush(&c);
		tlsio_end(&c);
		_exit(0);
	}
	close(sv[1]);
	assert_int_equal(tlsio_server(&b, cert, key, err, sizeof(err)), 0);
	assert_int_equal(buf_getline(&b, line, sizeof(line), &len), BUF_LINE);
	assert_string_equal(line, "after\r\n");
	tlsio_end(&b);
	close(sv[0]);
	waitpid(pid, NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_both_ways),
		cmocka_unit_test(test_verifying_client_refuses_self_signed),
		cmocka_unit_test(test_input_before_the_handshake_is_discarded),
	};

	return cmocka_run_group_tests(tests, make_cert, remove_cert);
}
