/* dkimkey: DKIM key pairs with libcrypto; see dkimkey.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkimkey.h"

static EVP_PKEY *
new_key(const char *kind)
{
	if (strcmp(kind, "rsa") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (strcmp(kind, "ed25519") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	errno = EINVAL;
	return NULL;
}

int
dkimkey_generate(const char *path, const char *kind)
{
	EVP_PKEY *key = new_key(kind);
	FILE *f = NULL;
	int fd, r = -1;

	if (key == NULL)
		return errno = errno ? errno : EINVAL, -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd != -1 && (f = fdopen(fd, "w")) == NULL)
		close(fd);
	if (f != NULL) {
		errno = EIO;
		if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) ==
			1 &&
		    fflush(f) == 0 && fsync(fileno(f)) == 0)
			r = 0;
		if (fclose(f) != 0)
			r = -1;
		if (r == -1)
			unlink(path); /* no half-written key */
	}
	EVP_PKEY_free(key);
	return r;
}

/* The public key as the record's p= wants it: DER SPKI, or raw ed25519. */
static int
public_octets(EVP_PKEY *key, const char *kind, unsigned char *out, size_t *n)
{
	unsigned char *p = out;
	int len;

	if (strcmp(kind, "ed25519") == 0)
		return EVP_PKEY_get_raw_public_key(key, out, n) == 1 ? 0 : -1;
	if ((len = i2d_PUBKEY(key, NULL)) <= 0 || (size_t)len > *n)
		return -1;
	*n = (size_t)i2d_PUBKEY(key, &p);
	return 0;
}

int
dkimkey_record(const char *path, const char *kind, char *buf, size_t size)
{
	unsigned char pub[1024], b64[1500];
	size_t n = sizeof(pub);
	EVP_PKEY *key;
	FILE *f;
	int r = -1, len;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL)
		return errno = EINVAL, -1;
	if (EVP_PKEY_is_a(key, strcmp(kind, "rsa") == 0 ? "RSA" : "ED25519") !=
	    1)
		n = 0; /* another kind of key than its name says */
	if (n > 0 && public_octets(key, kind, pub, &n) == 0 &&
	    (len = EVP_EncodeBlock(b64, pub, (int)n)) > 0 &&
	    snprintf(buf, size, "v=DKIM1; k=%s; p=%s", kind, b64) < (int)size)
		r = 0;
	else
		errno = EINVAL;
	EVP_PKEY_free(key);
	return r;
}

void
dkimkey_print_txt(FILE *f, const char *name, const char *text)
{
	size_t n = strlen(text), i;

	fprintf(f, "%s IN TXT (", name);
	for (i = 0; i < n; i += 250)
		fprintf(
		    f, " \"%.*s\"", (int)(n - i < 250 ? n - i : 250), text + i);
	fprintf(f, " )\n");
}
