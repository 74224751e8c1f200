/* auth: crypt(3) checks with libxcrypt; see auth.h. */
#include <crypt.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "auth.h"

/* The hash part (after the last '$') that each accepted method makes:
 * a shorter one is a hash cut off in copying, and never matches. */
static const struct {
	const char *prefix;
	size_t hashlen;
} auth_methods[] = {
	{ "$y$", 43 },
	{ "$gy$", 43 },
	{ "$7$", 43 },
	{ "$6$", 86 },
	{ "$5$", 43 },
	{ "$2b$", 53 },
	{ "$2a$", 53 },
	{ "$2y$", 53 },
};

int
auth_secret_ok(const char *secret)
{
	const char *hash;
	size_t i, n;

	/* Every hash yubin accepts starts with "$id$"; anything else could be
	 * a clear-text password that crypt would take for a DES salt. */
	if (secret[0] != '$' || strpbrk(secret, ": \t") != NULL ||
	    crypt_checksalt(secret) != CRYPT_SALT_OK)
		return 0;
	hash = strrchr(secret, '$') + 1;
	n = strlen(hash);
	if (strspn(hash,
		"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz") != n)
		return 0;
	for (i = 0; i < sizeof(auth_methods) / sizeof(auth_methods[0]); i++)
		if (strncmp(secret, auth_methods[i].prefix,
			strlen(auth_methods[i].prefix)) == 0)
			return n == auth_methods[i].hashlen;
	return 0;
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
