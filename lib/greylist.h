/*
 * greylist: the first time a (client network, sender, recipient) triple
 * is seen it is told to come back later (451 4.7.1); a real mail server
 * does, after its retry interval, and from then on the triple passes at
 * once. Spam software that sends once and moves on is left out. The
 * network is the client's /24 (IPv4) or /64 (IPv6), as big senders send
 * one message's retries from a pool of addresses. Each triple is one
 * file SPOOL/greylist/HASH (a SHA-256 of the triple), holding "FIRST
 * TRIPLE\n"; its mtime is the last time the triple was seen, and a
 * triple not seen for `expire` seconds starts over. Now and then (at
 * most once an hour) a new record sweeps out the expired ones.
 * greylist_check returns 1 pass, 0 wait (*wait: seconds left), -1 error
 * (errno: the caller lets the mail in, a full disk must not stop mail).
 */
#ifndef YUBIN_GREYLIST_H
#define YUBIN_GREYLIST_H

#include <time.h>

#include "cidr.h"

int greylist_check(const char *spool, const struct cidr *client,
    const char *sender, const char *rcpt, long delay, long expire, time_t now,
    long *wait);

#endif
