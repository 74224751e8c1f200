/*
 * auth: passwords against crypt(3) hashes (libxcrypt).
 * auth_check returns 1 match, 0 no match (also for an empty or locked
 * secret), -1 error. auth_hash returns 0 or -1.
 */
#ifndef YUBIN_AUTH_H
#define YUBIN_AUTH_H

#include <stddef.h>

#define AUTH_PASSWORD_MAX 256

int auth_check(const char *secret, const char *password);
/* A new yescrypt hash of password into out. */
int auth_hash(const char *password, char *out, size_t size);
/* 1 if secret is a usable crypt(3) hash string (not clear text). */
int auth_secret_ok(const char *secret);
/* Sleeps before answering a failed login (grows with failures). */
void auth_fail_delay(int failures);

#endif
