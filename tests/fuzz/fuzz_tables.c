/*
 * users, domains and relay (the input split at the first two NULs):
 * cdbmake-users compiles them or says why, never crashes, and a failed
 * compile leaves no database behind.
 */
#include <assert.h>

#include "fuzz.h"
#include "tables.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[3] = { data, NULL, NULL }, *end = data + size;
	size_t len[3] = { size, 0, 0 };
	char path[256];
	FILE *errf;
	int i, r;

	for (i = 0; i < 2; i++) {
		const uint8_t *nul = memchr(part[i], 0, len[i]);

		if (nul == NULL)
			break;
		len[i] = (size_t)(nul - part[i]);
		part[i + 1] = nul + 1;
		len[i + 1] = (size_t)(end - nul - 1);
	}
	fuzz_file(NULL, "users", part[0], len[0]);
	fuzz_file(NULL, "domains", part[1] ? part[1] : data, len[1]);
	fuzz_file(NULL, "relay", part[2] ? part[2] : data, len[2]);
	snprintf(path, sizeof(path), "%s/users.cdb", fuzz_scratch());
	unlink(path);
	if ((errf = fopen("/dev/null", "w")) == NULL)
		abort();
	r = tables_compile(fuzz_scratch(), TABLES_ALL, errf);
	fclose(errf);
	assert(r == 0 || r == 1);
	if (r == 1)
		assert(access(path, F_OK) == -1);
	return 0;
}
