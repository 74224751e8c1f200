/*
 * Unit tests for lib/peer and lib/textfile: the client's address from a
 * real TCP connection on fd 0 (as inetd hands it over) or from
 * $TCPREMOTEIP; administrators' files read line by line with bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "peer.h"
#include "testutil.h"
#include "textfile.h"

/* Puts the server end of a loopback TCP connection on fd 0. */
static int
tcp_on_stdin(int *saved)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0), c, s;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	s = accept(l, NULL, NULL);
	*saved = dup(0);
	dup2(s, 0);
	close(s);
	close(l);
	return c;
}

static void
test_peer_from_socket_then_environment(void **state)
{
	struct peer p;
	int saved, c;

	(void)state;
	unsetenv("TCPREMOTEIP");
	c = tcp_on_stdin(&saved);
	assert_int_equal(peer_get(&p), 0);
	assert_string_equal(p.text, "127.0.0.1");
	assert_true(p.known && cidr_is_loopback(&p.addr));
	dup2(saved, 0);
	close(saved);
	close(c);

	/* not a socket (tcpserver's pipes): $TCPREMOTEIP */
	saved = dup(0);
	{
		int fds[2];

		assert_int_equal(pipe(fds), 0);
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
	}
	setenv("TCPREMOTEIP", "192.0.2.7", 1);
	assert_int_equal(peer_get(&p), 0);
	assert_string_equal(p.text, "192.0.2.7");
	assert_false(cidr_is_loopback(&p.addr));
	setenv("TCPREMOTEIP", "not an address", 1);
	assert_int_equal(peer_get(&p), -1);
	assert_string_equal(p.text, "unknown");
	assert_false(p.known);
	unsetenv("TCPREMOTEIP");
	dup2(saved, 0);
	close(saved);
}

static void
test_textfile_lines(void **state)
{
	struct textfile t;
	char path[512], line[8];

	(void)state;
	test_mkdir();
	test_write("f", "one\r\ntwo\nlonger than eight\nlast");
	snprintf(path, sizeof(path), "%s/f", testdir);
	assert_int_equal(textfile_open(&t, path), 0);
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_LINE);
	assert_string_equal(line, "one");
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_LINE);
	assert_string_equal(line, "two");
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_LONG);
	assert_int_equal(t.lineno, 3);
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_LINE);
	assert_string_equal(line, "last");
	assert_int_equal(t.lineno, 4);
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_EOF);
	textfile_close(&t);
	{
		FILE *f;

		snprintf(path, sizeof(path), "%s/nul", testdir);
		f = fopen(path, "w");
		fwrite("a\0b\nok\n", 1, 7, f);
		fclose(f);
	}
	assert_int_equal(textfile_open(&t, path), 0);
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_NUL);
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_LINE);
	assert_string_equal(line, "ok");
	textfile_close(&t);
	snprintf(path, sizeof(path), "%s/missing", testdir);
	assert_int_equal(textfile_open(&t, path), -1);
	test_rmdir();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_from_socket_then_environment),
		cmocka_unit_test(test_textfile_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
