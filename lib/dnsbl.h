/*
 * dnsbl: DNS blocklists and allowlists (RFC 5782) for a client address.
 * A list setting is "zone,zone=127.0.0.2|127.0.0.4,...": each zone with
 * the answers that count (without any, every 127.0.0.0/8 answer but
 * 127.255.255.x, the error codes big lists such as Spamhaus give to
 * resolvers they refuse). An IPv4 client is asked as 4.3.2.1.zone, an
 * IPv6 one by its 32 nibbles reversed. All the lists are asked at once;
 * a client on an allowlist is never listed; else the first blocklist, in
 * the order given, that lists it names the zone, and that zone's TXT
 * record is the reason. DNS trouble is not a listing (the caller logs
 * it): a list that cannot be asked must not stop mail.
 */
#ifndef YUBIN_DNSBL_H
#define YUBIN_DNSBL_H

#include "cidr.h"
#include "dns.h"

#define DNSBL_LISTS_MAX 8 /* zones in one setting */

struct dnsbl_result {
	int listed;  /* on blocklist zone */
	int allowed; /* on allowlist zone */
	int trouble; /* lists that could not be asked */
	char zone[DNS_NAME_MAX + 1];
	char reason[DNS_TXT_MAX];
};

/* 1 if s is a valid list setting (as above), 0 if not. */
int dnsbl_lists_ok(const char *s);
/*
 * Asks the lists (either may be "") about client through servers
 * (dns_servers), waiting at most timeout_ms. 0, or -1 when no resolver
 * could be made (errno).
 */
int dnsbl_check(const char *servers, const char *blocklists,
    const char *allowlists, const struct cidr *client, int timeout_ms,
    struct dnsbl_result *r);

#endif
