/*
 * lib/authres's strip filter on a stranger's message, cut where the
 * first input octet says: no crash, never more out than in, the same
 * result as in one piece, and no field of ours left in the header.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "fuzz.h"

static size_t
strip(const char *in, size_t len, size_t cut, char *out)
{
	static struct authres_strip st;
	size_t n;

	authres_strip_init(&st, "mx.example.org");
	n = authres_strip(&st, in, cut, out);
	n += authres_strip(&st, in + cut, len - cut, out + n);
	return n + authres_strip_end(&st, out + n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 1;
	size_t len = size > 0 ? size - 1 : 0, cut, a, b;
	char *one = malloc(len + AUTHRES_HOLD_MAX * 2 + 1);
	char *two = malloc(len + AUTHRES_HOLD_MAX * 2 + 1);

	assert(one != NULL && two != NULL);
	cut = size > 0 && len > 0 ? data[0] % (len + 1) : 0;
	a = strip(in, len, len, one);
	b = strip(in, len, cut, two);
	assert(a <= len && a == b && memcmp(one, two, a) == 0);
	one[a] = '\0';
	if (memchr(one, '\0', a) == NULL &&
	    strncasecmp(one, "Authentication-Results: mx.example.org;", 40) ==
		0)
		abort(); /* ours at the top survived */
	free(one);
	free(two);
	return 0;
}
