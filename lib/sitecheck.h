/*
 * sitecheck: yubin-check's verdicts, one line each (OK, WARN or FAIL,
 * and for a problem the fix), and its look at the site's names in DNS
 * as the world sees them, through dns_servers: for each local domain
 * its MX (pointing at this host's public address), SPF (passing mail
 * from it, checked with libspf2), DKIM records (matching our keys) and
 * DMARC; the PTR of the public address and its name pointing back
 * (FCrDNS); and whether that address is on the configured blocklists.
 * Without a public address, MX, PTR and SPF are only read, not compared.
 * sitecheck_fix formats a fix into a static buffer (one at a time).
 * sitecheck_domains reads the local domains from DIR/domains (not
 * wildcards, not address literals): how many, at most max.
 */
#ifndef YUBIN_SITECHECK_H
#define YUBIN_SITECHECK_H

#include <stdio.h>

#include "cidr.h"
#include "conf.h"
#include "dns.h"

#define SITECHECK_DNS_TIMEOUT_MS 5000
#define SITECHECK_DOMAINS_MAX 64 /* domains looked at in DNS */

enum sitecheck_level { SITECHECK_OK, SITECHECK_WARN, SITECHECK_FAIL };

struct sitecheck {
	const struct conf *conf;
	const char *confdir;
	const char *public; /* this host's Internet address, or "" */
	FILE *out;
	enum sitecheck_level worst; /* of all said so far */
};

void sitecheck_say(struct sitecheck *c, enum sitecheck_level l, const char *fix,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *sitecheck_fix(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
void sitecheck_dns(struct sitecheck *c);
size_t sitecheck_domains(
    const char *confdir, char names[][DNS_NAME_MAX + 1], size_t max);
/* host's addresses through dns_servers: 0, or -1 (none). */
int sitecheck_addrs(
    const struct sitecheck *c, const char *host, struct dns_addrs *a);

#endif
