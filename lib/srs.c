/* srs: SRS0 addresses with libcrypto's HMAC; see srs.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "log.h"

#include "srs.h"

#define SRS_HASH_LEN 4
static const char base32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int
srs_load(struct srs *s, const char *dir, const char *domain)
{
	char path[4096], line[SRS_SECRET_MAX + 2];
	FILE *f;
	size_t n;

	memset(s, 0, sizeof(*s));
	snprintf(s->domain, sizeof(s->domain), "%s", domain);
	snprintf(path, sizeof(path), "%s/srs.secret", dir);
	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		n = strcspn(line, "\r\n");
		if (line[n] == '\0' && !feof(f)) {
			fclose(f);
			return errno = EINVAL, -1; /* a line too long */
		}
		line[n] = '\0';
		if (n == 0 || line[0] == '#' || s->n == SRS_SECRETS_MAX)
			continue;
		memcpy(s->secret[s->n++], line, n + 1);
	}
	fclose(f);
	explicit_bzero(line, sizeof(line));
	return s->n > 0 ? 1 : (errno = EINVAL, -1);
}

const struct srs *
srs_secrets(const char *dir, const char *domain)
{
	static struct srs srs;
	static int state; /* 0 not read yet; 1 read; 2 none */
	int r;

	if (state == 0) {
		if ((r = srs_load(&srs, dir, domain)) == -1)
			log_error(
			    "%s/srs.secret: %s: SRS is off (forwards keep "
			    "their sender, bounces to SRS addresses are "
			    "refused)",
			    dir, strerror(errno));
		state = r == 1 ? 1 : 2;
	}
	return state == 1 ? &srs : NULL;
}

int
srs_make_secret(const char *dir)
{
	unsigned char raw[32], text[64];
	char path[4096];
	int fd, len, r = 0;

	snprintf(path, sizeof(path), "%s/srs.secret", dir);
	arc4random_buf(raw, sizeof(raw));
	len = EVP_EncodeBlock(text, raw, sizeof(raw));
	text[len++] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (write(fd, text, (size_t)len) != len || fsync(fd) == -1)
		r = -1;
	if (close(fd) == -1)
		r = -1;
	if (r == -1)
		unlink(path);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(text, sizeof(text));
	return r;
}

/* The day stamp: days since the epoch, mod 1024, as two letters. */
static void
day_stamp(time_t now, char tt[3])
{
	unsigned day = (unsigned)(now / 86400) % 1024;

	tt[0] = base32[day >> 5];
	tt[1] = base32[day & 31];
	tt[2] = '\0';
}

/* HHHH of tt, domain and local under one secret. */
static int
hash(const char *secret, const char *tt, const char *domain, const char *local,
    char out[SRS_HASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE], b64[64];
	char data[600];
	unsigned mdlen = 0;
	int n, i;

	n = snprintf(data, sizeof(data), "%s%s%s", tt, domain, local);
	if (n < 0 || (size_t)n >= sizeof(data))
		return -1;
	for (i = 0; i < n; i++)
		data[i] = (char)tolower((unsigned char)data[i]);
	if (HMAC(EVP_sha1(), secret, (int)strlen(secret), (unsigned char *)data,
		(size_t)n, md, &mdlen) == NULL)
		return -1;
	EVP_EncodeBlock(b64, md, (int)mdlen);
	memcpy(out, b64, SRS_HASH_LEN);
	out[SRS_HASH_LEN] = '\0';
	return 0;
}

int
srs_forward(
    const struct srs *s, const char *sender, time_t now, char *out, size_t size)
{
	char local[300], tt[3], hh[SRS_HASH_LEN + 1];
	const char *at = strrchr(sender, '@');
	int n;

	if (s->n == 0 || at == NULL || at == sender || at[1] == '\0' ||
	    (size_t)(at - sender) >= sizeof(local))
		return errno = EINVAL, -1;
	memcpy(local, sender, (size_t)(at - sender));
	local[at - sender] = '\0';
	day_stamp(now, tt);
	if (hash(s->secret[0], tt, at + 1, local, hh) == -1)
		return errno = EINVAL, -1;
	n = snprintf(
	    out, size, "SRS0=%s=%s=%s=%s@%s", hh, tt, at + 1, local, s->domain);
	if (n < 0 || (size_t)n >= size)
		return errno = ENAMETOOLONG, -1;
	return 0;
}

int
srs_is_srs0(const char *local)
{
	return strncasecmp(local, "SRS0", 4) == 0 &&
	    (local[4] == '=' || local[4] == '-' || local[4] == '+');
}

/* Days since the stamp was made, or -1 if it is not a stamp. */
static int
stamp_age(const char *tt, time_t now)
{
	const char *a = strchr(base32, toupper((unsigned char)tt[0]));
	const char *b = strchr(base32, toupper((unsigned char)tt[1]));
	int then, today = (int)((now / 86400) % 1024);

	if (tt[0] == '\0' || tt[1] == '\0' || a == NULL || b == NULL)
		return -1;
	then = (int)(a - base32) << 5 | (int)(b - base32);
	return (today - then + 1024) % 1024;
}

/* Splits "HHHH=TT=domain=local" (after "SRS0=") into its parts. */
static int
split(char *p, char **hh, char **tt, char **domain, char **local)
{
	*hh = p;
	if ((p = strchr(p, '=')) == NULL)
		return -1;
	*p++ = '\0';
	*tt = p;
	if ((p = strchr(p, '=')) == NULL)
		return -1;
	*p++ = '\0';
	*domain = p;
	if ((p = strchr(p, '=')) == NULL)
		return -1;
	*p++ = '\0';
	*local = p;
	return (**hh && strlen(*tt) == 2 && **domain && **local) ? 0 : -1;
}

int
srs_reverse(const struct srs *s, const char *local, time_t now, char *out,
    size_t size, const char **why)
{
	char copy[600], want[SRS_HASH_LEN + 1], *hh, *tt, *domain, *orig;
	size_t i;
	int age, n;

	*why = "malformed";
	if (!srs_is_srs0(local) || strlen(local) >= sizeof(copy))
		return -1;
	strlcpy(copy, local + 5, sizeof(copy));
	if (split(copy, &hh, &tt, &domain, &orig) == -1 ||
	    (age = stamp_age(tt, now)) == -1)
		return -1;
	*why = "bad hash";
	for (i = 0; i < s->n; i++)
		if (hash(s->secret[i], tt, domain, orig, want) == 0 &&
		    strcasecmp(hh, want) == 0)
			break;
	if (i == s->n)
		return -1;
	*why = "expired";
	if (age > SRS_MAX_AGE)
		return -1;
	n = snprintf(out, size, "%s@%s", orig, domain);
	if (n < 0 || (size_t)n >= size)
		return *why = "malformed", -1;
	*why = NULL;
	return 0;
}
