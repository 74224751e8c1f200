/* Relay list entries: no crash; a parsed range formats and parses back. */
#include <assert.h>

#include "cidr.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), text[128];
	struct cidr c, d;
	const char *why;

	if (cidr_parse(s, &c, &why) == 0) {
		assert(c.family == 2 || c.family == 10);
		assert(c.prefix >= 0 && c.prefix <= (c.family == 2 ? 32 : 128));
		cidr_format(&c, text, sizeof(text));
		assert(cidr_parse(text, &d, &why) == 0);
		assert(d.family == c.family && d.prefix == c.prefix &&
		    memcmp(d.addr, c.addr, 16) == 0);
		assert(cidr_match(&c, &c) == 1);
	}
	free(s);
	return 0;
}
