/*
 * Unit tests for lib/textfile across its reads: lines that straddle the
 * 4 KiB buffer come out whole, a line longer than the buffer is cut
 * and its rest skipped, counted lines stay right, and a read error is
 * an error (test_peer has the short cases: CR LF, NUL, a last line
 * without LF).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>

#include "textfile.h"
#include "testutil.h"

static void
test_lines_across_reads(void **state)
{
	static char text[200000], line[100];
	struct textfile t;
	char path[512], want[100];
	size_t n = 0;
	int i, r;

	(void)state;
	test_mkdir();
	/* lines of 1 to 73 octets: every offset meets a buffer's end */
	for (i = 0; i < 3000; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%d:%.*s\n",
		    i, i % 70,
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx"
		    "yzabcdefghijklmnopqrstuvwxyz");
	test_write("f", text);
	snprintf(path, sizeof(path), "%s/f", testdir);
	assert_int_equal(textfile_open(&t, path), 0);
	for (i = 0; i < 3000; i++) {
		snprintf(want, sizeof(want), "%d:%.*s", i, i % 70,
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx"
		    "yzabcdefghijklmnopqrstuvwxyz");
		r = textfile_next(&t, line, sizeof(line));
		assert_int_equal(r, TEXTFILE_LINE);
		assert_string_equal(line, want);
	}
	assert_int_equal(t.lineno, 3000);
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_EOF);
	textfile_close(&t);
	test_rmdir();
}

static void
test_a_line_longer_than_the_buffer(void **state)
{
	static char text[20000];
	struct textfile t;
	char path[512], line[64];

	(void)state;
	test_mkdir();
	memset(text, 'x', 10000);
	strcpy(text + 10000, "\nnext\n");
	test_write("f", text);
	snprintf(path, sizeof(path), "%s/f", testdir);
	assert_int_equal(textfile_open(&t, path), 0);
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_LONG);
	assert_int_equal(strlen(line), 63);
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_LINE);
	assert_string_equal(line, "next");
	assert_int_equal(t.lineno, 2);
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_EOF);
	textfile_close(&t);
	/* a directory opens but cannot be read */
	assert_int_equal(textfile_open(&t, testdir), 0);
	assert_int_equal(textfile_next(&t, line, sizeof(line)), TEXTFILE_ERR);
	assert_int_equal(errno, EISDIR);
	textfile_close(&t);
	test_rmdir();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_across_reads),
		cmocka_unit_test(test_a_line_longer_than_the_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
