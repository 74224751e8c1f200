/* Unit tests for lib/log: file logging, one line per call, no CR/LF. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <time.h>
#include <unistd.h>

#include "log.h"
#include "testutil.h"

static void
test_file_lines_are_sanitized(void **state)
{
	char path[512], text[4096];
	size_t n;
	FILE *f;

	(void)state;
	test_mkdir();
	snprintf(path, sizeof(path), "%s/yubin.log", testdir);
	assert_int_equal(log_open("smtp-in", path), 0);
	log_session("sid=abc123");
	log_info("from=<%s> size=%d", "evil\r\nforged line\x1b[0m", 42);
	log_session(NULL);
	log_warn("second");
	f = fopen(path, "r");
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
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
	FILE *f;

	(void)state;
	test_mkdir();
	snprintf(path, sizeof(path), "%s/yubin.log", testdir);
	assert_int_equal(log_open("smtp-in", path), 0);
	log_info("hello %d", 7);
	memset(big, 'x', sizeof(big) - 1);
	log_error("%s", big);
	after = time(NULL);
	f = fopen(path, "r");
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
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
		cmocka_unit_test(test_sanitize_bounds),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
