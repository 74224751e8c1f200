/*
 * dkimsign: DKIM signatures (RFC 6376, RFC 8463) for mail from our own
 * domains, made with libopendkim. A domain's keys are PEM files under the
 * configuration directory, one pair per selector:
 *   DIR/dkim/DOMAIN/SELECTOR.rsa      rsa-sha256, DNS name SELECTOR-rsa
 *   DIR/dkim/DOMAIN/SELECTOR.ed25519  ed25519-sha256, SELECTOR-ed25519
 * (one DNS name cannot hold two key types, hence the suffixes). Each key
 * that exists signs: relaxed/relaxed, the fields of DKIMSIGN_FIELDS, and
 * From oversigned, so no From: can be added on the way.
 */
#ifndef YUBIN_DKIMSIGN_H
#define YUBIN_DKIMSIGN_H

#include <stddef.h>

#define DKIMSIGN_KEY_MAX 16384 /* octets of one PEM key file */
#define DKIMSIGN_WHY_MAX 512

/* The two kinds of key, in the order they sign. */
extern const char *const dkimsign_kinds[2]; /* "rsa", "ed25519" */

/*
 * Builds DIR/dkim/DOMAIN/SELECTOR.KIND into buf; -1 (EINVAL) when domain
 * or selector could name something else than a file there.
 */
int dkimsign_key_path(char *buf, size_t size, const char *dir,
    const char *domain, const char *selector, const char *kind);
/*
 * Signs text (the message, LF line ends) as domain. On 1, *head is the
 * DKIM-Signature fields to put in front of the message (allocated, LF
 * line ends). 0: no key for domain and selector, nothing signed. -1: a
 * key cannot be read or used, or signing failed (errno). why says what
 * happened in words fit for the log, in every case.
 */
int dkimsign(const char *dir, const char *selector, const char *domain,
    const char *text, size_t len, char **head, char *why, size_t whysize);

/*
 * Keys decoded by this process, and times libopendkim was handed a key
 * decoded before instead of decoding it again (tests, make bench).
 */
struct dkimsign_stats {
	unsigned long decoded;
	unsigned long handed;
};
struct dkimsign_stats dkimsign_stats(void);

#endif
