/* Unit tests for lib/smtpc: strict reply lines, bounded replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "smtpc.h"

struct line_case {
	const char *label;
	const char *line;
	int ok, code, more;
};

static const struct line_case line_cases[] = {
	{ "last line", "250 ok", 1, 250, 0 },
	{ "continued", "250-PIPELINING", 1, 250, 1 },
	{ "code alone", "354", 1, 354, 0 },
	{ "temporary", "451 4.3.0 later", 1, 451, 0 },
	{ "permanent", "550 5.1.1 no", 1, 550, 0 },
	{ "two digits", "25 ok", 0, 0, 0 },
	{ "letters", "2x0 ok", 0, 0, 0 },
	{ "1xx is no reply", "150 ok", 0, 0, 0 },
	{ "6xx is no reply", "650 ok", 0, 0, 0 },
	{ "second digit over 5", "260 ok", 0, 0, 0 },
	{ "four digits", "2500 ok", 0, 0, 0 },
	{ "tab after code", "250\tok", 0, 0, 0 },
	{ "empty", "", 0, 0, 0 },
};

static void
test_parse_line(void **state)
{
	size_t i;
	int code, more, r;

	(void)state;
	for (i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		const struct line_case *c = &line_cases[i];

		code = more = -7;
		r = smtpc_parse_line(c->line, strlen(c->line), &code, &more);
		if ((r == 0) != c->ok ||
		    (c->ok && (code != c->code || more != c->more)))
			fail_msg("%s: r %d code %d more %d", c->label, r, code,
			    more);
	}
}

struct read_case {
	const char *label;
	const char *input;
	int code; /* -1: an error */
	int err;  /* errno then */
	const char *text;
};

static const struct read_case read_cases[] = {
	{ "one line", "220 hello\r\n", 220, 0, "220 hello" },
	{ "multi-line", "250-a\r\n250-b\r\n250 c\r\n", 250, 0,
	    "250-a\n250-b\n250 c" },
	{ "LF only", "250 ok\n", 250, 0, "250 ok" },
	{ "codes differ", "250-a\r\n251 b\r\n", -1, EPROTO, NULL },
	{ "garbage", "hello\r\n", -1, EPROTO, NULL },
	{ "cut off", "250-a\r\n", -1, ECONNRESET, NULL },
	{ "nothing", "", -1, ECONNRESET, NULL },
};

/* Writes input into a pipe, closes it, reads one reply from it. */
static int
read_reply(const char *input, size_t len, struct smtpc_reply *r)
{
	static struct buf b;
	int p[2], code;

	assert_int_equal(pipe(p), 0);
	assert_true(len < 60000); /* fits the pipe */
	assert_int_equal(write(p[1], input, len), (ssize_t)len);
	close(p[1]);
	buf_init(&b, p[0], p[0], 5);
	code = smtpc_read(&b, r, 5);
	close(p[0]);
	return code;
}

static void
test_read(void **state)
{
	static struct smtpc_reply r;
	size_t i;
	int code;

	(void)state;
	for (i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
		const struct read_case *c = &read_cases[i];

		errno = 0;
		code = read_reply(c->input, strlen(c->input), &r);
		if (code != c->code || (code == -1 && errno != c->err) ||
		    (c->text && strcmp(r.text, c->text) != 0))
			fail_msg("%s: code %d errno %d text \"%s\"", c->label,
			    code, errno, r.text);
	}
}

/* An endless reply is cut at SMTPC_LINES_MAX lines, a long line at once. */
static void
test_bounds(void **state)
{
	static char big[50000];
	static struct smtpc_reply r;
	size_t n = 0;
	int i;

	(void)state;
	for (i = 0; i < SMTPC_LINES_MAX - 1; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "220-x\r\n");
	n += (size_t)snprintf(big + n, sizeof(big) - n, "220 last\r\n");
	assert_int_equal(read_reply(big, n, &r), 220); /* the most allowed */
	n -= strlen("220 last\r\n");
	n += (size_t)snprintf(big + n, sizeof(big) - n, "220-x\r\n220 z\r\n");
	assert_int_equal(read_reply(big, n, &r), -1);
	assert_int_equal(errno, EPROTO);
	assert_string_equal(
	    r.text, "protocol error: a malformed or endless reply");

	memset(big, 'a', SMTPC_LINE_MAX + 10);
	memcpy(big, "250 ", 4);
	assert_int_equal(read_reply(big, SMTPC_LINE_MAX + 10, &r), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(r.code, -1);
}

static void
test_hostport(void **state)
{
	static const struct {
		const char *in;
		int ok;
		const char *host;
		int port;
	} cases[] = {
		{ "mail.example.net", 1, "mail.example.net", 25 },
		{ "mail.example.net:587", 1, "mail.example.net", 587 },
		{ "[192.0.2.1]", 1, "192.0.2.1", 25 },
		{ "[2001:db8::1]:2525", 1, "2001:db8::1", 2525 },
		{ "192.0.2.1:26", 1, "192.0.2.1", 26 },
		{ "host:0", 0, NULL, 0 },
		{ "host:65536", 0, NULL, 0 },
		{ "host:x", 0, NULL, 0 },
		{ "[2001:db8::1", 0, NULL, 0 },
		{ "[::1]x", 0, NULL, 0 },
		{ ":25", 0, NULL, 0 },
		{ "", 0, NULL, 0 },
	};
	char host[64];
	size_t i;
	int port, r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		port = 25;
		r = smtpc_hostport(cases[i].in, host, sizeof(host), &port);
		if ((r == 0) != cases[i].ok ||
		    (r == 0 &&
			(strcmp(host, cases[i].host) != 0 ||
			    port != cases[i].port)))
			fail_msg("%s: r %d host %s port %d", cases[i].in, r,
			    r == 0 ? host : "-", port);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_hostport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
