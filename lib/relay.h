/*
 * relay: the relay-exempt client ranges compiled into relay.cdb.
 * Keys are a family octet ('4' or '6'), a prefix-length octet and the
 * masked address (4 or 16 octets); values are "+" (may relay) or "-" (a
 * `!range` line: may not). The keys "prefixes4"/"prefixes6" hold the prefix
 * lengths in use, longest first, so a lookup is one CDB read per length in
 * use and the longest matching range decides.
 * relay_allowed returns 1 may relay, 0 may not, -1 error.
 */
#ifndef YUBIN_RELAY_H
#define YUBIN_RELAY_H

#include "cidr.h"
#include "db.h"

#define RELAY_KEY_MAX 18

/* Builds the key of a (masked) range; returns its length. */
size_t relay_key(const struct cidr *range, unsigned char *key);
const char *relay_prefixes_key(int family);
/*
 * The value of relay_prefixes_key(family) for the range keys in use:
 * their prefix lengths, each once, longest first, into list (129 octets).
 * Returns how many.
 */
size_t relay_prefixes(const unsigned char *const *keys, size_t nkeys,
    int family, unsigned char *list);
int relay_allowed(struct db *relay, const struct cidr *client);

#endif
