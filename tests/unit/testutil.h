/* Helpers shared by the unit tests: a throw-away directory and files. */
#ifndef YUBIN_TESTUTIL_H
#define YUBIN_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char testdir[256];

static inline const char *
test_mkdir(void)
{
	strlcpy(testdir, "/tmp/yubin-unit.XXXXXX", sizeof(testdir));
	if (mkdtemp(testdir) == NULL)
		abort();
	return testdir;
}

static inline void
test_write(const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", testdir, name);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

static inline void
test_rmdir(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", testdir);
	if (system(cmd) != 0)
		abort();
}

/* cmocka fixtures: a throw-away directory for a group (or a test) */
static inline int
test_dir_setup(void **state)
{
	(void)state;
	test_mkdir();
	return 0;
}

static inline int
test_dir_teardown(void **state)
{
	(void)state;
	test_rmdir();
	return 0;
}

#endif
