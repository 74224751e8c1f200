/* yubin.conf: any file is loaded or refused with a FILE:LINE message. */
#include <assert.h>

#include "conf.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf c;
	char err[CONF_ERR_MAX];

	fuzz_file(NULL, "yubin.conf", data, size);
	err[0] = '\0';
	if (conf_load(&c, fuzz_scratch(), err, sizeof(err)) == -1)
		assert(err[0] != '\0' && strstr(err, "yubin.conf") != NULL);
	else
		assert(c.timeout >= 1 && c.remote_concurrency >= 1 &&
		    c.hostname[0] != '\0');
	return 0;
}
