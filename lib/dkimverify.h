/*
 * dkimverify: the DKIM signatures of an arriving message (RFC 6376, RFC
 * 8463) checked with libopendkim as the text comes in; the public keys
 * are asked of dns_servers through lib/dns (c-ares), never of another
 * resolver. At most DKIMVERIFY_SIGS_MAX signatures are checked (each
 * costs a DNS question), the others are reported as not looked at.
 */
#ifndef YUBIN_DKIMVERIFY_H
#define YUBIN_DKIMVERIFY_H

#include <stddef.h>

#include "dns.h"

#define DKIMVERIFY_SIGS_MAX 5
#define DKIMVERIFY_WHY_MAX 64

struct dkimverify_sig {
	/* RFC 8601's word: pass, fail, neutral, temperror, permerror */
	char result[12];
	char domain[DNS_NAME_MAX + 1]; /* d= */
	char selector[64];	       /* s= */
	char b[9]; /* the first 8 of b=, header.b (RFC 6008) */
	char why[DKIMVERIFY_WHY_MAX]; /* why not pass, for the log */
};

struct dkimverify_result {
	size_t n; /* 0: the message carries no signature (dkim=none) */
	struct dkimverify_sig sig[DKIMVERIFY_SIGS_MAX];
};

struct dkimverify;

/* NULL when libopendkim could not be started (errno). */
struct dkimverify *dkimverify_start(
    const char *servers, int timeout_ms, const char *id);
/* The message as it arrives, LF line ends, cut anywhere. */
void dkimverify_feed(struct dkimverify *v, const char *p, size_t len);
/* Checks what was fed, fills out, frees v. */
void dkimverify_finish(struct dkimverify *v, struct dkimverify_result *out);
/* Frees v without checking (the message was refused). */
void dkimverify_abort(struct dkimverify *v);

/*
 * RSA public keys decoded by this process, and times libopendkim was
 * handed one decoded before instead of decoding it again.
 */
struct dkimverify_stats {
	unsigned long decoded;
	unsigned long handed;
};
struct dkimverify_stats dkimverify_stats(void);

#endif
