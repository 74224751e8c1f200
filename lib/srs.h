/*
 * srs: the Sender Rewriting Scheme, in the SRS0 form that libsrs2 and
 * postsrsd write, so a forward leaves with an envelope sender of ours
 * (SPF at the destination passes) and its bounce finds the way back:
 *   taro@sender.example -> SRS0=HHHH=TT=sender.example=taro@OURDOMAIN
 * TT is the day (days since the epoch mod 1024, two base32 letters);
 * HHHH the first 4 base64 characters of HMAC-SHA1(secret, lower case
 * TT + domain + local). A bounce to such an address is reversed only
 * when the hash matches one of the secrets (case-insensitively, as
 * libsrs2 does) and the day is at most SRS_MAX_AGE days ago.
 * The secrets are DIR/srs.secret: one a line, the first one signs,
 * every one verifies (so a new one can be put first and the old one
 * kept until its addresses expire).
 */
#ifndef YUBIN_SRS_H
#define YUBIN_SRS_H

#include <stddef.h>
#include <time.h>

#define SRS_SECRETS_MAX 8
#define SRS_SECRET_MAX 256
#define SRS_MAX_AGE 21 /* days a rewritten address is honoured */

struct srs {
	char secret[SRS_SECRETS_MAX][SRS_SECRET_MAX];
	size_t n;
	char domain[256]; /* the domain of the addresses we make */
};

/*
 * Reads DIR/srs.secret: 1 read, 0 there is none (SRS is off), -1 an
 * error (errno; EINVAL: no secret in it, or a line too long).
 */
int srs_load(struct srs *s, const char *dir, const char *domain);
/*
 * The process's secrets: DIR/srs.secret read the first time they are
 * needed and kept. NULL when there are none or they cannot be read (that
 * is logged, once): mail still flows, without SRS.
 */
const struct srs *srs_secrets(const char *dir, const char *domain);
/*
 * Writes a new DIR/srs.secret (32 random octets in base64, mode 0600);
 * 0, or -1 (EEXIST when there is one).
 */
int srs_make_secret(const char *dir);
/* Rewrites sender (local@domain) into out; 0, or -1 if it does not fit
 * or is no address. */
int srs_forward(const struct srs *s, const char *sender, time_t now, char *out,
    size_t size);
/* 1 if local (a local part) is an SRS0 address, ours to check. */
int srs_is_srs0(const char *local);
/*
 * The original address of an SRS0 local part into out: 0 (*why NULL),
 * or -1 with *why "malformed", "bad hash" or "expired".
 */
int srs_reverse(const struct srs *s, const char *local, time_t now, char *out,
    size_t size, const char **why);

#endif
