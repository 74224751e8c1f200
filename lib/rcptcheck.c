/* rcptcheck: DNS blocklists and greylisting at RCPT; see rcptcheck.h. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "greylist.h"
#include "log.h"
#include "rcptcheck.h"

void
rcptcheck_init(
    struct rcptcheck *c, const struct conf *conf, const struct peer *peer)
{
	memset(c, 0, sizeof(*c));
	c->conf = conf;
	c->peer = peer;
}

/* Asks the DNS lists about the client, once a session, and logs it. */
static void
dnsbl_ask(struct rcptcheck *c)
{
	struct dnsbl_result *r = &c->dnsbl;
	char reason[DNS_TXT_MAX];

	c->asked = 1;
	if (!c->peer->known)
		return;
	if (dnsbl_check(c->conf->dns_servers, c->conf->dnsbl, c->conf->dnswl,
		&c->peer->addr, RCPTCHECK_DNSBL_TIMEOUT_MS, r) == -1) {
		log_warn("smtp dnsbl client=%s cannot ask: %s", c->peer->text,
		    strerror(errno));
		return;
	}
	if (r->trouble > 0)
		log_warn("smtp dnsbl client=%s: %d list(s) did not answer; "
			 "taken as not listed",
		    c->peer->text, r->trouble);
	log_sanitize(reason, sizeof(reason), r->reason);
	if (r->listed || r->allowed)
		log_info("smtp dnsbl client=%s %s=%s%s%s%s", c->peer->text,
		    r->listed ? "listed" : "allowlisted", r->zone,
		    r->listed ? " reason=\"" : "", r->listed ? reason : "",
		    r->listed ? "\"" : "");
}

int
rcptcheck_blocked(struct rcptcheck *c, const char *sender, const struct addr *a,
    const char *rcpt, struct verdict *v)
{
	char reason[120];
	size_t i;

	if (c->conf->dnsbl[0] == '\0')
		return 0;
	if (!c->asked)
		dnsbl_ask(c);
	if (!c->dnsbl.listed || strcasecmp(a->local, "postmaster") == 0 ||
	    strcasecmp(a->local, "abuse") == 0)
		return 0;
	/* the list's words, printable only, in one reply line */
	log_sanitize(reason, sizeof(reason), c->dnsbl.reason);
	for (i = 0; reason[i]; i++)
		if ((unsigned char)reason[i] > 126)
			reason[i] = '?';
	log_info("smtp rcpt client=%s from=<%s> to=<%s> result=refused "
		 "reason=dnsbl zone=%s",
	    c->peer->text, sender, rcpt, c->dnsbl.zone);
	return verdict_set(v, 554, "dnsbl",
	    "5.7.1 Client [%s] is listed by %s%s%s", c->peer->text,
	    c->dnsbl.zone, reason[0] ? ": " : "", reason);
}

int
rcptcheck_greylisted(struct rcptcheck *c, const char *sender, const char *rcpt,
    struct verdict *v)
{
	const struct conf *conf = c->conf;
	long wait;
	int r;

	if (conf->greylist_delay == 0 || !c->peer->known || c->dnsbl.allowed)
		return 0;
	r = greylist_check(conf->spool, &c->peer->addr, sender, rcpt,
	    (long)conf->greylist_delay, (long)conf->greylist_expire, time(NULL),
	    &wait);
	if (r == -1)
		log_warn("smtp greylist client=%s: record in %s/greylist: %s: "
			 "let in",
		    c->peer->text, conf->spool, strerror(errno));
	if (r != 0)
		return 0;
	log_info("smtp rcpt client=%s from=<%s> to=<%s> result=greylisted "
		 "wait=%ld",
	    c->peer->text, sender, rcpt, wait);
	return verdict_set(v, 451, "greylisted",
	    "4.7.1 Greylisted: please try again in %ld seconds", wait);
}
