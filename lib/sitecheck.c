/* sitecheck: yubin-check's verdicts and its DNS checks; see sitecheck.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "dkimkey.h"
#include "dkimsign.h"
#include "dnsbl.h"
#include "sitecheck.h"
#include "spf.h"
#include "tables.h"
#include "textfile.h"

void
sitecheck_say(struct sitecheck *c, enum sitecheck_level l, const char *fix,
    const char *fmt, ...)
{
	static const char *const words[] = { "OK  ", "WARN", "FAIL" };
	va_list ap;

	fprintf(c->out, "%s ", words[l]);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fprintf(c->out, "\n");
	if (l != SITECHECK_OK && fix != NULL)
		fprintf(c->out, "     fix: %s\n", fix);
	if (l > c->worst)
		c->worst = l;
}

const char *
sitecheck_fix(const char *fmt, ...)
{
	static char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

/* The local domains from the domains file (not a wildcard line). */
size_t
sitecheck_domains(
    const char *confdir, char names[][DNS_NAME_MAX + 1], size_t max)
{
	char path[PATH_MAX], line[TABLES_LINE_MAX];
	struct textfile t;
	size_t n = 0;
	char *p;

	snprintf(path, sizeof(path), "%s/domains", confdir);
	if (textfile_open(&t, path) == -1)
		return 0;
	while (n < max && textfile_next(&t, line, sizeof(line)) > 0) {
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = line + strspn(line, " \t");
		p[strcspn(p, " \t")] = '\0';
		if (*p != '\0' &&
		    addr_domain_normalize(p, names[n], DNS_NAME_MAX + 1) == 0 &&
		    names[n][0] != '[')
			n++;
	}
	textfile_close(&t);
	return n;
}

/* A TXT question: how many records start with prefix, the first in out. */
static int
txt(struct sitecheck *c, const char *name, const char *prefix, char *out,
    size_t size, enum dns_status *st)
{
	int n = dns_txt_lookup(c->conf->dns_servers, SITECHECK_DNS_TIMEOUT_MS,
	    name, prefix, out, size, st);

	return n < 0 ? 0 : n;
}

int
sitecheck_addrs(
    const struct sitecheck *c, const char *host, struct dns_addrs *a)
{
	struct dns d;

	if (dns_open(&d, c->conf->dns_servers, SITECHECK_DNS_TIMEOUT_MS) == -1)
		return -1;
	dns_addrs(&d, host, 0, a);
	dns_wait(&d);
	dns_close(&d);
	return a->status == DNS_OK ? 0 : -1;
}

static int
addr_is(const struct sockaddr_storage *ss, const struct cidr *want)
{
	struct cidr c;

	return cidr_from_sockaddr((const struct sockaddr *)ss, &c) == 0 &&
	    c.family == want->family &&
	    memcmp(c.addr, want->addr, (size_t)cidr_len(&c)) == 0;
}

static void
check_mx(struct sitecheck *c, const char *domain, const struct cidr *pub)
{
	struct dns_mxset mx;
	struct dns_addrs a;
	struct dns d;
	size_t i, j;
	int ours = 0;

	if (dns_open(&d, c->conf->dns_servers, SITECHECK_DNS_TIMEOUT_MS) == -1)
		return;
	dns_mx(&d, domain, &mx);
	dns_wait(&d);
	dns_close(&d);
	if (mx.status != DNS_OK || mx.n == 0) {
		sitecheck_say(c, SITECHECK_FAIL,
		    sitecheck_fix(
			"publish %s. IN MX 10 %s. (and an A record for %s)",
			domain, c->conf->hostname, c->conf->hostname),
		    "%s has no MX record%s", domain,
		    mx.status == DNS_TEMP ? " (no DNS answer)" : "");
		return;
	}
	for (i = 0; i < mx.n && !ours; i++) {
		if (sitecheck_addrs(c, mx.mx[i].host, &a) == -1) {
			sitecheck_say(c, SITECHECK_FAIL,
			    sitecheck_fix(
				"publish an A (or AAAA) record for %s",
				mx.mx[i].host),
			    "MX host %s of %s has no address", mx.mx[i].host,
			    domain);
			continue;
		}
		for (j = 0; pub != NULL && j < a.n; j++)
			ours |= addr_is(&a.addr[j], pub);
	}
	if (pub == NULL)
		sitecheck_say(c, SITECHECK_OK, NULL,
		    "%s: MX %s (whether it is this host: set "
		    "public_address)",
		    domain, mx.mx[0].host);
	else if (ours)
		sitecheck_say(c, SITECHECK_OK, NULL,
		    "%s: MX points to this host (%s)", domain, c->public);
	else
		sitecheck_say(c, SITECHECK_FAIL,
		    sitecheck_fix(
			"point the A record of %s at %s (with a home line: "
			"your dynamic DNS name, kept current)",
			mx.mx[0].host, c->public),
		    "%s: MX %s does not point to this host's public "
		    "address %s",
		    domain, mx.mx[0].host, c->public);
}

/* PTR of our address, and that name pointing back to it (FCrDNS). */
static void
check_ptr(struct sitecheck *c, const struct cidr *pub)
{
	char name[DNS_NAME_MAX + 2] = "", rev[80];
	struct dns_addrs a;
	struct dns_raw raw;
	struct dns d;
	size_t i;
	int back = 0;

	if (pub->family != AF_INET)
		return; /* IPv6 reverse names: not yet */
	snprintf(rev, sizeof(rev), "%u.%u.%u.%u.in-addr.arpa", pub->addr[3],
	    pub->addr[2], pub->addr[1], pub->addr[0]);
	if (dns_open(&d, c->conf->dns_servers, SITECHECK_DNS_TIMEOUT_MS) == -1)
		return;
	dns_raw(&d, rev, 12 /* PTR */, &raw);
	dns_wait(&d);
	dns_close(&d);
	if (raw.status == DNS_OK) {
		if (dns_ptr_name(&raw, name, sizeof(name)) == -1)
			name[0] = '\0';
		free(raw.abuf);
	}
	if (name[0] == '\0') {
		sitecheck_say(c, SITECHECK_FAIL,
		    sitecheck_fix(
			"ask your ISP (or whoever owns %s) to set its PTR "
			"record to %s; big providers refuse mail without it",
			c->public, c->conf->hostname),
		    "%s has no PTR record", c->public);
		return;
	}
	if (sitecheck_addrs(c, name, &a) == 0)
		for (i = 0; i < a.n; i++)
			back |= addr_is(&a.addr[i], pub);
	if (!back)
		sitecheck_say(c, SITECHECK_FAIL,
		    sitecheck_fix(
			"publish %s. IN A %s (the PTR name must point back)",
			name, c->public),
		    "PTR of %s is %s, which does not point back to it",
		    c->public, name);
	else if (strcasecmp(name, c->conf->hostname) != 0)
		sitecheck_say(c, SITECHECK_WARN,
		    sitecheck_fix(
			"set hostname = %s in yubin.conf, or have the PTR "
			"changed to %s",
			name, c->conf->hostname),
		    "PTR of %s is %s, not the hostname %s", c->public, name,
		    c->conf->hostname);
	else
		sitecheck_say(c, SITECHECK_OK, NULL,
		    "PTR of %s is %s, and it points back", c->public, name);
}

static void
check_spf(struct sitecheck *c, const char *domain, const struct cidr *pub)
{
	char rec[1024], result[SPF_RESULT_MAX], sender[DNS_NAME_MAX + 16];
	enum dns_status st;
	int n = txt(c, domain, "v=spf1", rec, sizeof(rec), &st);

	if (n != 1) {
		sitecheck_say(c, n == 0 ? SITECHECK_WARN : SITECHECK_FAIL,
		    sitecheck_fix(
			"publish exactly one: %s. IN TXT \"v=spf1 mx -all\"",
			domain),
		    "%s has %s SPF record%s", domain,
		    n == 0 ? "no" : "more than one",
		    st == DNS_TEMP ? " (no DNS answer)" : "");
		return;
	}
	if (pub == NULL) {
		sitecheck_say(
		    c, SITECHECK_OK, NULL, "%s: SPF \"%s\"", domain, rec);
		return;
	}
	snprintf(sender, sizeof(sender), "postmaster@%s", domain);
	if (spf_check(c->conf->dns_servers, SITECHECK_DNS_TIMEOUT_MS, pub,
		c->conf->hostname, sender, result, sizeof(result)) == -1)
		strlcpy(result, "temperror", sizeof(result));
	if (strcmp(result, "pass") == 0)
		sitecheck_say(c, SITECHECK_OK, NULL,
		    "%s: SPF passes mail from %s", domain, c->public);
	else
		sitecheck_say(c, SITECHECK_FAIL,
		    sitecheck_fix(
			"let this host send: \"v=spf1 mx ip%c:%s -all\"",
			pub->family == AF_INET ? '4' : '6', c->public),
		    "%s: SPF gives %s for mail from %s (\"%s\")", domain,
		    result, c->public, rec);
}

/* The DKIM records must carry our keys' public halves. */
static void
check_dkim(struct sitecheck *c, const char *domain)
{
	char path[PATH_MAX], want[DKIMKEY_RECORD_MAX], got[DKIMKEY_RECORD_MAX];
	char name[DNS_NAME_MAX + 2];
	enum dns_status st;
	int i, keys = 0;

	for (i = 0; i < 2; i++) {
		if (dkimsign_key_path(path, sizeof(path), c->confdir, domain,
			c->conf->dkim_selector, dkimsign_kinds[i]) == -1 ||
		    access(path, F_OK) == -1)
			continue;
		keys++;
		snprintf(name, sizeof(name), "%s-%s._domainkey.%s",
		    c->conf->dkim_selector, dkimsign_kinds[i], domain);
		if (dkimkey_record(
			path, dkimsign_kinds[i], want, sizeof(want)) == -1) {
			sitecheck_say(c, SITECHECK_FAIL,
			    sitecheck_fix("make it readable, or make new keys: "
					  "cdbmake-users --dkim-keygen %s",
				domain),
			    "%s: %s", path, strerror(errno));
			continue;
		}
		txt(c, name, "", got, sizeof(got), &st);
		if (st == DNS_TEMP)
			sitecheck_say(c, SITECHECK_WARN, "check dns_servers",
			    "%s: DKIM record %s: no "
			    "DNS answer",
			    domain, name);
		else if (strcmp(got, want) == 0)
			sitecheck_say(c, SITECHECK_OK, NULL,
			    "%s: DKIM record %s matches our %s key", domain,
			    name, dkimsign_kinds[i]);
		else
			sitecheck_say(c, SITECHECK_FAIL,
			    sitecheck_fix(
				"publish %s. IN TXT \"%s\" (yubin-check "
				"--records prints it)",
				name, want),
			    "%s: DKIM record %s %s", domain, name,
			    got[0] ? "differs from our key"
				   : "is not published");
	}
	if (keys == 0)
		sitecheck_say(c, SITECHECK_WARN,
		    sitecheck_fix(
			"cdbmake-users -C %s --dkim-keygen %s, then publish "
			"what it prints",
			c->confdir, domain),
		    "%s: no DKIM keys (selector %s): mail from it leaves "
		    "unsigned",
		    domain, c->conf->dkim_selector);
}

static void
check_dmarc(struct sitecheck *c, const char *domain)
{
	char name[DNS_NAME_MAX + 2], rec[1024];
	enum dns_status st;
	int n;

	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	n = txt(c, name, "v=DMARC1", rec, sizeof(rec), &st);
	if (n == 1)
		sitecheck_say(
		    c, SITECHECK_OK, NULL, "%s: DMARC \"%s\"", domain, rec);
	else
		sitecheck_say(c, n == 0 ? SITECHECK_WARN : SITECHECK_FAIL,
		    sitecheck_fix(
			"publish exactly one: %s. IN TXT \"v=DMARC1; p=none; "
			"rua=mailto:postmaster@%s\" (later quarantine, then "
			"reject)",
			name, domain),
		    "%s has %s DMARC record%s", domain,
		    n == 0 ? "no" : "more than one",
		    st == DNS_TEMP ? " (no DNS answer)" : "");
}

static void
check_dnsbl(struct sitecheck *c, const struct cidr *pub)
{
	struct dnsbl_result r;

	if (c->conf->dnsbl[0] == '\0' || pub == NULL)
		return;
	if (dnsbl_check(c->conf->dns_servers, c->conf->dnsbl, "", pub,
		SITECHECK_DNS_TIMEOUT_MS, &r) == -1 ||
	    r.trouble > 0)
		sitecheck_say(c, SITECHECK_WARN, "check dns_servers",
		    "DNS lists %s: no answer", c->conf->dnsbl);
	else if (r.listed)
		sitecheck_say(c, SITECHECK_FAIL,
		    sitecheck_fix(
			"see the list's page for %s (%s) on how to be "
			"removed; a dynamic home address needs the "
			"smarthost",
			r.zone, r.reason),
		    "%s is on the blocklist %s", c->public, r.zone);
	else
		sitecheck_say(c, SITECHECK_OK, NULL, "%s is on none of %s",
		    c->public, c->conf->dnsbl);
}

void
sitecheck_dns(struct sitecheck *c)
{
	static char domains[SITECHECK_DOMAINS_MAX][DNS_NAME_MAX + 1];
	struct cidr pub;
	const struct cidr *p = NULL;
	size_t n = sitecheck_domains(
		   c->confdir, domains, SITECHECK_DOMAINS_MAX),
	       i;

	if (c->conf->dns_servers[0] == '\0')
		sitecheck_say(c, SITECHECK_WARN,
		    "set dns_servers = 127.0.0.1 and run a caching resolver "
		    "(unbound, dnsmasq) on this host",
		    "dns_servers is not set: look-ups use /etc/resolv.conf");
	if (c->public[0] != '\0' && cidr_from_text(c->public, &pub) == 0)
		p = &pub;
	else
		sitecheck_say(c, SITECHECK_WARN,
		    "set public_address = your Internet address in "
		    "yubin.conf (or give -a)",
		    "public address unknown: MX, PTR and SPF are not "
		    "compared with this host");
	if (p != NULL)
		check_ptr(c, p);
	for (i = 0; i < n; i++) {
		check_mx(c, domains[i], p);
		check_spf(c, domains[i], p);
		check_dkim(c, domains[i]);
		check_dmarc(c, domains[i]);
	}
	check_dnsbl(c, p);
}
