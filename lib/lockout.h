/*
 * lockout: failed logins counted per client address across connections,
 * so that password guessing from one place stops: after `max` failures
 * within `secs` seconds the address is refused for `secs` seconds after
 * its last failure, before any password is checked (a yescrypt check
 * costs us far more than the guess costs them). IPv6 clients count by
 * their /64, which one host usually has to itself. State is one small
 * file per address, SPOOL/lockout/A ("FAILURES FIRST LAST\n", unix
 * times), changed under flock; a file older than the window is stale
 * and starts over. Shared by smtp-in (AUTH) and pop3-in (USER/PASS,
 * AUTH), and by anything else that checks yubin passwords.
 * lockout_check returns 1 locked out, 0 not, -1 error (errno; callers
 * let the login go on then: a full disk must not lock everyone out).
 * lockout_failed returns the failures now counted, or -1.
 */
#ifndef YUBIN_LOCKOUT_H
#define YUBIN_LOCKOUT_H

#include <time.h>

#include "cidr.h"

int lockout_check(const char *spool, const struct cidr *client, int max,
    long secs, time_t now);
int lockout_failed(
    const char *spool, const struct cidr *client, long secs, time_t now);
/* A successful login forgets the address's failures. */
void lockout_clear(const char *spool, const struct cidr *client);

#endif
