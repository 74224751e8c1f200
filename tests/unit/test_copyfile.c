/*
 * Unit tests for lib/copyfile: a range copied to the end of another
 * file, in the kernel (one file system) and by read and write (from
 * tmpfs to the test directory's), and EIO when the source ends early.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "copyfile.h"
#include "testutil.h"

/* A file of n octets, octet i being 'a' + i % 26, opened for reading. */
static int
source(const char *path, size_t n)
{
	char *text = malloc(n);
	size_t i;
	int fd;

	assert_non_null(text);
	for (i = 0; i < n; i++)
		text[i] = (char)('a' + i % 26);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	free(text);
	return fd;
}

static void
copies(const char *from)
{
	char to[600], got[300000];
	int in = source(from, 200000), out;
	ssize_t n;
	size_t i;

	snprintf(to, sizeof(to), "%s/to", testdir);
	/* at its offset: copy_file_range(2) takes no O_APPEND file */
	out = open(to, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(out >= 0);
	assert_int_equal(write(out, "HEAD", 4), 4);
	/* 150000 octets from offset 1000: longer than one buffer */
	assert_int_equal(copyfile_range(in, 1000, out, 150000), 0);
	n = pread(out, got, sizeof(got), 0);
	assert_int_equal(n, 4 + 150000);
	assert_memory_equal(got, "HEAD", 4);
	for (i = 0; i < 150000; i++)
		if (got[4 + i] != (char)('a' + (1000 + i) % 26))
			fail_msg("octet %zu", i);
	/* the source ends before the length asked for */
	assert_int_equal(copyfile_range(in, 199990, out, 100), -1);
	assert_int_equal(errno, EIO);
	close(in);
	close(out);
	unlink(from);
}

static void
test_in_the_kernel(void **state)
{
	char from[600];

	(void)state;
	test_mkdir();
	snprintf(from, sizeof(from), "%s/from", testdir);
	copies(from);
	test_rmdir();
}

static void
test_across_file_systems(void **state)
{
	char from[64];
	struct stat a, b;

	(void)state;
	test_mkdir();
	snprintf(
	    from, sizeof(from), "/dev/shm/yubin-copyfile.%d", (int)getpid());
	if (stat("/dev/shm", &a) == -1 || stat(testdir, &b) == -1 ||
	    a.st_dev == b.st_dev) {
		test_rmdir();
		skip();
	}
	copies(from);
	test_rmdir();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_the_kernel),
		cmocka_unit_test(test_across_file_systems),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
