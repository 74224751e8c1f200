/*
 * Unit tests for lib/smtpreply: a reply line as the client reads it,
 * and one whose text would pass RFC 5321's 512 octets cut to them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "smtpreply.h"

/* What one smtp_reply put on the wire, NUL-terminated into got. */
static size_t
said(const char *text, char *got, size_t size)
{
	struct buf io;
	int p[2];
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	buf_init(&io, p[0], p[1], 5);
	smtp_reply(&io, 250, "2.0.0 %s", text);
	assert_int_equal(buf_flush(&io), 0);
	n = read(p[0], got, size - 1);
	assert_true(n > 0);
	got[n] = '\0';
	close(p[0]);
	close(p[1]);
	return (size_t)n;
}

static void
test_one_line(void **state)
{
	char got[1024];

	(void)state;
	assert_int_equal(said("Ok", got, sizeof(got)), 14);
	assert_string_equal(got, "250 2.0.0 Ok\r\n");
}

static void
test_cut_to_512_octets(void **state)
{
	char text[2000], got[2048];

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(said(text, got, sizeof(got)), SMTP_REPLY_MAX);
	assert_memory_equal(got, "250 2.0.0 xxx", 13);
	assert_string_equal(got + SMTP_REPLY_MAX - 3, "x\r\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_cut_to_512_octets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
