/*
 * RFC 5321 paths and bare addresses: no crash, and a path that parses
 * formats into one that parses to the same address.
 */
#include <assert.h>

#include "addr.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), text[ADDR_MAX + 4], dom[300];
	const char *rest, *why;
	struct addr a, b;

	if (addr_parse_path(s, &a, &rest, &why) == 0 && !a.null &&
	    a.domain[0] != '\0') {
		assert(rest >= s && rest <= s + size);
		addr_format(&a, text, sizeof(text));
		assert(addr_parse(text, &b, &why) == 0);
		assert(strcmp(a.local, b.local) == 0);
		assert(strcmp(a.domain, b.domain) == 0);
		assert(addr_is_relay_trick(&a) ==
		    (a.route || addr_is_relay_trick(&b)));
	}
	if (addr_parse(s, &a, &why) == 0)
		assert(strlen(a.local) <= ADDR_LOCAL_MAX &&
		    strlen(a.domain) <= ADDR_DOMAIN_MAX);
	if (addr_domain_normalize(s, dom, sizeof(dom)) == 0)
		assert(addr_domain_normalize(dom, text, sizeof(text)) == 0 &&
		    strcmp(dom, text) == 0);
	free(s);
	return 0;
}
