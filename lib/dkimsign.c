/* dkimsign: DKIM signing with libopendkim; see dkimsign.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <opendkim/dkim.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "addr.h"
#include "dkimsign.h"

const char *const dkimsign_kinds[2] = { "rsa", "ed25519" };

/* What we sign besides From (RFC 6376 5.4.1 and the fields MIME adds). */
static const char *sign_fields[] = { "from", "to", "cc", "subject", "date",
	"message-id", "reply-to", "in-reply-to", "references", "mime-version",
	"content-type", "content-transfer-encoding", "content-id",
	"content-description", NULL };
static const char *oversign_fields[] = { "from", NULL };

#define SIG_FIELD "DKIM-Signature: "

int
dkimsign_key_path(char *buf, size_t size, const char *dir, const char *domain,
    const char *selector, const char *kind)
{
	int n;

	if (!addr_dns_name_ok(domain) || !addr_dns_name_ok(selector))
		return errno = EINVAL, -1;
	n = snprintf(
	    buf, size, "%s/dkim/%s/%s.%s", dir, domain, selector, kind);
	if (n < 0 || (size_t)n >= size)
		return errno = ENAMETOOLONG, -1;
	return 0;
}

/* The library handle, made once per process. */
static DKIM_LIB *
signing_lib(void)
{
	static DKIM_LIB *lib;
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF; /* our files end in LF */

	if (lib != NULL)
		return lib;
	if ((lib = dkim_init(NULL, NULL)) == NULL)
		return NULL;
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
		sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, sign_fields,
		sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
		oversign_fields, sizeof(char **)) != DKIM_STAT_OK) {
		dkim_close(lib);
		lib = NULL;
	}
	return lib;
}

/*
 * Decoded keys, kept for the life of the process. libopendkim takes a
 * key as PEM text and decodes it for every message; OpenSSL 3's generic
 * decoder costs about 300 us a key here, and a freshly decoded RSA key
 * as much again in set-up at its first signature: more than the two
 * signatures themselves (about 280 and 50 us). So we decode a key once,
 * by its known type (a quarter of the generic cost), and the programs
 * that sign are linked with PEM_read_bio_PrivateKey wrapped (-Wl,--wrap,
 * see the Makefile): when libopendkim reads text we decoded before, it
 * gets that key back. Any other text is read as usual. The text is read
 * from the file for every message and compared whole, so a key replaced
 * under the same name signs from the next message on.
 */
#define KEY_CACHE_MAX 64

/*
 * Kept until the process ends, never evicted: a session signs for a few
 * domains, and libopendkim 2.11 never releases an ed25519 key it was
 * handed (tests/lsan.supp), so a key let go would be lost anyway. Past
 * KEY_CACHE_MAX keys, libopendkim decodes the others itself.
 */
struct cached_key {
	unsigned char *text;
	size_t len;
	EVP_PKEY *key;
};

static struct cached_key key_cache[KEY_CACHE_MAX];
static size_t key_cache_used;
static struct dkimsign_stats key_stats;

/* The key decoded from exactly this text, or NULL. */
static EVP_PKEY *
cached_key_find(const void *text, size_t len)
{
	size_t i;

	for (i = 0; i < key_cache_used; i++)
		if (key_cache[i].len == len &&
		    memcmp(key_cache[i].text, text, len) == 0)
			return key_cache[i].key;
	return NULL;
}

/* Weak: a program linked without the wrap never calls the wrapper. */
EVP_PKEY *__real_PEM_read_bio_PrivateKey(
    BIO *bio, EVP_PKEY **x, pem_password_cb *cb, void *u) __attribute__((weak));
EVP_PKEY *__wrap_PEM_read_bio_PrivateKey(
    BIO *bio, EVP_PKEY **x, pem_password_cb *cb, void *u);

EVP_PKEY *
__wrap_PEM_read_bio_PrivateKey(
    BIO *bio, EVP_PKEY **x, pem_password_cb *cb, void *u)
{
	EVP_PKEY *key;
	char *text;
	long len;

	if (x == NULL && BIO_method_type(bio) == BIO_TYPE_MEM &&
	    (len = BIO_get_mem_data(bio, &text)) > 0 &&
	    (key = cached_key_find(text, (size_t)len)) != NULL &&
	    EVP_PKEY_up_ref(key) == 1) {
		key_stats.handed++;
		return key;
	}
	return __real_PEM_read_bio_PrivateKey(bio, x, cb, u);
}

/* PEM text to a key of the type kind names; NULL if it is not one. */
static EVP_PKEY *
decode_key(const unsigned char *text, size_t len, const char *kind)
{
	int type = strcmp(kind, "rsa") == 0 ? EVP_PKEY_RSA : EVP_PKEY_ED25519;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *key = NULL;
	long derlen;
	BIO *bio;

	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL)
		return NULL;
	if (PEM_read_bio(bio, &name, &header, &der, &derlen) == 1 &&
	    (strcmp(name, "PRIVATE KEY") == 0 ||
		(type == EVP_PKEY_RSA &&
		    strcmp(name, "RSA PRIVATE KEY") == 0))) {
		p = der;
		key = d2i_PrivateKey(type, NULL, &p, derlen);
	}
	BIO_free(bio);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_clear_free(der, der != NULL ? (size_t)derlen : 0);
	if (key != NULL && EVP_PKEY_get_base_id(key) != type) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	return key;
}

/* Makes sure the key in text is decoded and cached (best effort: on
 * failure libopendkim decodes it itself and says what is wrong). */
static void
cache_key(const unsigned char *text, size_t len, const char *kind)
{
	struct cached_key *slot = &key_cache[key_cache_used];
	EVP_PKEY *key;

	if (key_cache_used == KEY_CACHE_MAX || cached_key_find(text, len))
		return;
	if ((slot->text = malloc(len)) == NULL)
		return;
	if ((key = decode_key(text, len, kind)) == NULL) {
		free(slot->text);
		return;
	}
	memcpy(slot->text, text, len);
	slot->len = len;
	slot->key = key;
	key_cache_used++;
	key_stats.decoded++;
}

struct dkimsign_stats
dkimsign_stats(void)
{
	return key_stats;
}

/* Reads a key file: its length, 0 when it does not exist, or -1. */
static ssize_t
read_key(const char *path, unsigned char *key, size_t size)
{
	ssize_t n, got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return errno == ENOENT ? 0 : -1;
	while ((n = read(fd, key + got, size - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	if (n == -1)
		return -1;
	if ((size_t)got == size - 1 || got == 0)
		return errno = EFBIG, -1; /* too long, or empty */
	key[got] = '\0';
	return got;
}

/* Appends "DKIM-Signature: " and the header made by d, CRLF made LF. */
static int
append_signature(DKIM *d, char **head, size_t *used)
{
	unsigned char *h;
	size_t hl, i, n = strlen(SIG_FIELD);
	char *out;

	if (dkim_getsighdr_d(d, n, &h, &hl) != DKIM_STAT_OK)
		return errno = EINVAL, -1;
	if ((out = realloc(*head, *used + n + hl + 2)) == NULL)
		return -1;
	*head = out;
	memcpy(out + *used, SIG_FIELD, n);
	*used += n;
	for (i = 0; i < hl; i++)
		if (h[i] != '\r')
			out[(*used)++] = (char)h[i];
	out[(*used)++] = '\n';
	out[*used] = '\0';
	return 0;
}

/* One signature with one key; -1 with why set on failure. */
static int
sign_one(unsigned char *key, const char *selector, const char *kind,
    const char *domain, const char *text, size_t len, char **head, size_t *used,
    char *why, size_t whysize)
{
	char dns_selector[300];
	DKIM_STAT st;
	DKIM *d;
	int r = -1;

	snprintf(dns_selector, sizeof(dns_selector), "%s-%s", selector, kind);
	d = dkim_sign(signing_lib(), (const unsigned char *)"yubin", NULL, key,
	    (const unsigned char *)dns_selector, (const unsigned char *)domain,
	    DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
	    strcmp(kind, "rsa") == 0 ? DKIM_SIGN_RSASHA256
				     : DKIM_SIGN_ED25519SHA256,
	    -1, &st);
	if (d == NULL) {
		snprintf(why, whysize, "%s key of %s: %s", kind, domain,
		    dkim_getresultstr(st));
		return errno = EINVAL, -1;
	}
	if ((st = dkim_chunk(d, (unsigned char *)(uintptr_t)text, len)) !=
		DKIM_STAT_OK ||
	    (st = dkim_chunk(d, NULL, 0)) != DKIM_STAT_OK ||
	    (st = dkim_eom(d, NULL)) != DKIM_STAT_OK)
		snprintf(why, whysize, "%s signature for %s: %s", kind, domain,
		    dkim_geterror(d) ? dkim_geterror(d)
				     : dkim_getresultstr(st));
	else if (append_signature(d, head, used) == -1)
		snprintf(why, whysize, "%s signature for %s: %s", kind, domain,
		    strerror(errno));
	else
		r = 0;
	dkim_free(d);
	if (r == -1 && errno == 0)
		errno = EINVAL;
	return r;
}

int
dkimsign(const char *dir, const char *selector, const char *domain,
    const char *text, size_t len, char **head, char *why, size_t whysize)
{
	static unsigned char key[DKIMSIGN_KEY_MAX];
	char path[4096], names[600] = "";
	size_t used = 0, i;
	ssize_t n;

	*head = NULL;
	snprintf(
	    why, whysize, "no DKIM key for %s (selector %s)", domain, selector);
	if (signing_lib() == NULL)
		return snprintf(why, whysize, "libopendkim: cannot start"), -1;
	for (i = 0; i < 2; i++) {
		if (dkimsign_key_path(path, sizeof(path), dir, domain, selector,
			dkimsign_kinds[i]) == -1 ||
		    (n = read_key(path, key, sizeof(key))) == -1) {
			snprintf(why, whysize, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			continue;
		cache_key(key, (size_t)n, dkimsign_kinds[i]);
		errno = 0;
		if (sign_one(key, selector, dkimsign_kinds[i], domain, text,
			len, head, &used, why, whysize) == -1)
			goto fail;
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
		    "%s%s-%s", names[0] ? ", " : "", selector,
		    dkimsign_kinds[i]);
	}
	explicit_bzero(key, sizeof(key));
	if (names[0] != '\0')
		snprintf(
		    why, whysize, "DKIM-signed as %s with %s", domain, names);
	return names[0] != '\0';
fail:
	explicit_bzero(key, sizeof(key));
	free(*head);
	*head = NULL;
	return -1;
}
