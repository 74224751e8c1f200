/* base64 and SASL PLAIN: no crash, and decoding what we encode is exact. */
#include <assert.h>

#include "fuzz.h"
#include "sasl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), out[SASL_B64_MAX],
	     b64[2 * SASL_B64_MAX];
	char user[320], pass[256], back[SASL_B64_MAX];
	size_t len, blen;

	if (sasl_b64_decode(s, out, sizeof(out), &len) == 0) {
		assert(len < sizeof(out));
		if (sasl_plain_split(
			out, len, user, sizeof(user), pass, sizeof(pass)) == 0)
			assert(strlen(user) < sizeof(user) &&
			    strlen(pass) < sizeof(pass));
	}
	if (size < 700 && sasl_b64_encode(data, size, b64, sizeof(b64)) == 0) {
		assert(sasl_b64_decode(b64, back, sizeof(back), &blen) == 0);
		assert(blen == size && memcmp(back, data, size) == 0);
	}
	free(s);
	return 0;
}
