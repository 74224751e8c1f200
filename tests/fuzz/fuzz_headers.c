/*
 * What the second release reads from strangers: a message's header
 * (rfc5322_field, rfc5322_mailbox, as the DKIM signer and the sender
 * check read From:), an SRS address coming back (srs_reverse), a DNS
 * list setting (dnsbl_lists_ok). No crash, and what comes out fits.
 */
#include <assert.h>
#include <string.h>

#include "dnsbl.h"
#include "rfc5322.h"
#include "srs.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size), value[1000], addr[320];
	char orig[400];
	const char *why;
	struct srs s = { .n = 1, .domain = "fwd.example" };
	int r;

	strlcpy(s.secret[0], "fuzz", sizeof(s.secret[0]));
	r = rfc5322_field(text, size, "from", value, sizeof(value));
	assert(r >= -1 && r <= 1);
	if (r == 1) {
		assert(strlen(value) < sizeof(value));
		if (rfc5322_mailbox(value, addr, sizeof(addr)) == 0)
			assert(strchr(addr, '@') != NULL &&
			    strlen(addr) < sizeof(addr));
	}
	if (rfc5322_mailbox(text, addr, sizeof(addr)) == 0)
		assert(strlen(addr) < sizeof(addr));
	if (srs_reverse(&s, text, 1796000000, orig, sizeof(orig), &why) == 0)
		assert(why == NULL && strchr(orig, '@') != NULL);
	else
		assert(why != NULL);
	(void)dnsbl_lists_ok(text);
	free(text);
	return 0;
}
