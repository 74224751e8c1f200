/* Maildir file names and their S=/W= tags: no crash, sizes never < 0. */
#include <assert.h>
#include <sys/types.h>

#include "fuzz.h"
#include "maildir.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	off_t sz = -7, w = -7;
	int r = maildir_name_sizes(s, &sz, &w);

	assert(r == 0 || r == 1);
	if (r == 1)
		assert(sz >= 0 && (w >= 0 || w == -1));
	free(s);
	return 0;
}
