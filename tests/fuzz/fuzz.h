/*
 * Helpers for the libFuzzer harnesses (make fuzz, and a short smoke run
 * in make check): a scratch directory of the process's own, and input as
 * a NUL-terminated string or a file.
 */
#ifndef YUBIN_FUZZ_H
#define YUBIN_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[64];

/* The scratch directory, made on first use, removed at exit. */
static void
fuzz_cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir);
	if (system(cmd) != 0)
		fuzz_dir[0] = '\0';
}

static inline const char *
fuzz_scratch(void)
{
	if (fuzz_dir[0] == '\0') {
		strcpy(fuzz_dir, "/tmp/yubin-fuzz.XXXXXX");
		if (mkdtemp(fuzz_dir) == NULL)
			abort();
		atexit(fuzz_cleanup);
	}
	return fuzz_dir;
}

/* A copy of data with a NUL after it (free it). */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Writes data to dir/name (the scratch directory when dir is NULL). */
static inline void
fuzz_file(const char *dir, const char *name, const void *data, size_t size)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : fuzz_scratch(), name);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();
}

#endif
