/* Unit tests for lib/log: file logging, one line per call, no CR/LF. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <time.h>
#include <unistd.h>

#include "log.h"
#include "testutil.h"

/* The log file's text (size > 1); its length. */
static size_t
read_log(const char *path, char *text, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(text, 1, size - 1, f);
	fclose(f);
	text[n] = '\0';
	return n;
}

static void
test_file_lines_are_sanitized(void **state)
{
	char path[512], text[4096];

	(void)state;
	test_mkdir();
	snprintf(path, sizeof(path), "%s/yubin.log", testdir);
	assert_int_equal(log_open("smtp-in", path), 0);
	log_session("sid=abc123");
	log_info("from=<%s> size=%d", "evil\r\nforged line\x1b[0m", 42);
	log_session(NULL);
	log_warn("second");
	read_log(path, text, sizeof(text));
	assert_non_null(strstr(text, "smtp-in["));
	assert_non_null(strstr(text,
	    ": info: sid=abc123 from=<evil??forged "
	    "line?[0m> size=42\n"));
	assert_non_null(strstr(text, ": warning: second\n"));
	/* exactly two lines */
	assert_non_null(strchr(text, '\n'));
	assert_null(strchr(strchr(strchr(text, '\n') + 1, '\n') + 1, '\n'));
	test_rmdir();
}

/* The line as an admin reads it: the UTC stamp of now, the program and
 * its pid, the level; a text too long is cut, and still one line. */
static void
test_the_prefix_and_a_long_text(void **state)
{
	static char big[5000], text[16384];
	char path[512], want[128], *line2;
	time_t before = time(NULL), after;
	struct tm tm;
	size_t n;

	(void)state;
	test_mkdir();
	snprintf(path, sizeof(path), "%s/yubin.log", testdir);
	assert_int_equal(log_open("smtp-in", path), 0);
	log_info("hello %d", 7);
	memset(big, 'x', sizeof(big) - 1);
	log_error("%s", big);
	after = time(NULL);
	n = read_log(path, text, sizeof(text));
	gmtime_r(&before, &tm);
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (strncmp(text, want, strlen(want)) != 0) {
		gmtime_r(&after, &tm); /* the second turned over */
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	snprintf(want + strlen(want), sizeof(want) - strlen(want),
	    " smtp-in[%ld]: info: hello 7\n", (long)getpid());
	assert_int_equal(strncmp(text, want, strlen(want)), 0);
	line2 = text + strlen(want);
	assert_non_null(strstr(line2, "]: error: xxxx"));
	/* cut: the text at 2046 octets, and its LF */
	assert_int_equal(strlen(strstr(line2, "xxx")), 2046 + 1);
	assert_int_equal(text[n - 1], '\n');
	test_rmdir();
}

/* Each connection its own tag: two in a row differ (2^-32 that they
 * do not), and the tag is on the line. */
static void
test_random_session_tags(void **state)
{
	char path[512], text[4096], *a, *b;

	(void)state;
	test_mkdir();
	snprintf(path, sizeof(path), "%s/yubin.log", testdir);
	assert_int_equal(log_open("smtp-in", path), 0);
	log_session_random();
	log_info("one");
	log_session_random();
	log_info("two");
	log_session(NULL);
	read_log(path, text, sizeof(text));
	assert_non_null(a = strstr(text, ": info: sid="));
	assert_non_null(b = strstr(a + 1, ": info: sid="));
	a += strlen(": info: sid=");
	b += strlen(": info: sid=");
	assert_int_equal(strspn(a, "0123456789abcdef"), 8);
	assert_int_equal(strncmp(a + 8, " one\n", 5), 0);
	assert_int_equal(strspn(b, "0123456789abcdef"), 8);
	assert_int_equal(strncmp(b + 8, " two\n", 5), 0);
	assert_int_not_equal(strncmp(a, b, 8), 0);
	test_rmdir();
}

static void
test_sanitize_bounds(void **state)
{
	char out[8];

	(void)state;
	log_sanitize(out, sizeof(out), "abc\0def");
	assert_string_equal(out, "abc");
	log_sanitize(out, sizeof(out), "0123456789");
	assert_string_equal(out, "0123456");
	log_sanitize(out, sizeof(out), "\x7f\t");
	assert_string_equal(out, "??");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_lines_are_sanitized),
		cmocka_unit_test(test_the_prefix_and_a_long_text),
		cmocka_unit_test(test_random_session_tags),
		cmocka_unit_test(test_sanitize_bounds),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
