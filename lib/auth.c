/* auth: crypt(3) checks with libxcrypt; see auth.h. */
#include <crypt.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "auth.h"

int
auth_secret_ok(const char *secret)
{
	/* Every hash yubin accepts starts with "$id$"; anything else could be
	 * a clear-text password that crypt would take for a DES salt. */
	if (secret[0] != '$' || strpbrk(secret, ": \t") != NULL)
		return 0;
	return crypt_checksalt(secret) == CRYPT_SALT_OK;
}

/* Compares without an early exit, so timing tells nothing. (Debian's
 * libbsd has no timingsafe_bcmp.) */
static int
auth_equal(const char *a, const char *b, size_t len)
{
	unsigned char diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

int
auth_check(const char *secret, const char *password)
{
	struct crypt_data data;
	size_t len;
	int ok;

	if (secret[0] == '\0' || secret[0] == '!' || !auth_secret_ok(secret))
		return 0;
	memset(&data, 0, sizeof(data));
	if (crypt_r(password, secret, &data) == NULL || data.output[0] == '*') {
		explicit_bzero(&data, sizeof(data));
		return -1;
	}
	len = strlen(secret);
	ok = strlen(data.output) == len && auth_equal(data.output, secret, len);
	explicit_bzero(&data, sizeof(data));
	return ok;
}

int
auth_hash(const char *password, char *out, size_t size)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data;
	int r = -1;

	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return -1;
	memset(&data, 0, sizeof(data));
	if (crypt_r(password, salt, &data) != NULL && data.output[0] != '*' &&
	    strlcpy(out, data.output, size) < size)
		r = 0;
	explicit_bzero(&data, sizeof(data));
	if (r == -1 && errno == 0)
		errno = EINVAL;
	return r;
}

void
auth_fail_delay(int failures)
{
	struct timespec ts;

	ts.tv_sec = failures < 3 ? failures : 3;
	ts.tv_nsec = 500000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
