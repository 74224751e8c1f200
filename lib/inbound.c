/* inbound: the sender checks on a message from outside; see inbound.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "authres.h"
#include "inbound.h"
#include "log.h"

/* The DMARC verdict on the message, from its SPF and DKIM ones. */
static void
dmarc_of(const struct conf *c, const struct inbound_msg *m,
    struct inbound_verdict *v)
{
	struct dmarc_input in = { m->from_domain, v->spf, m->helo, &v->dkim };
	const char *why;
	struct addr a;

	if (m->sender[0] != '\0' && addr_parse(m->sender, &a, &why) == 0)
		in.spf_domain = a.domain;
	if (dmarc_check(c->dns_servers, INBOUND_TIMEOUT_MS, &in, &v->dmarc) ==
	    -1) {
		strlcpy(v->dmarc.result, "temperror", sizeof(v->dmarc.result));
		snprintf(
		    v->dmarc.why, sizeof(v->dmarc.why), "%s", strerror(errno));
	}
}

static void
log_verdicts(const struct inbound_msg *m, const struct inbound_verdict *v)
{
	char sigs[DKIMVERIFY_SIGS_MAX * (DNS_NAME_MAX + 16)] = "", dis[8] = "";
	size_t i;

	for (i = 0; i < v->dkim.n; i++)
		snprintf(sigs + strlen(sigs), sizeof(sigs) - strlen(sigs),
		    "%s%s:%s", i ? "," : "", v->dkim.sig[i].result,
		    v->dkim.sig[i].domain);
	if (v->dmarc.disposition != '\0')
		snprintf(dis, sizeof(dis), " dis=%c", v->dmarc.disposition);
	log_info("message %s: spf=%s dkim=%s dmarc=%s%s from=%s (%s)", m->id,
	    v->spf, v->dkim.n ? sigs : "none", v->dmarc.result, dis,
	    m->from_domain[0] ? m->from_domain : "-", v->dmarc.why);
}

int
inbound_check(const struct conf *c, const struct inbound_msg *m,
    struct dkimverify *dkim, struct inbound_verdict *v, char *field,
    size_t size)
{
	struct authres ar = { c->hostname, v->spf,
		m->sender[0] ? "smtp.mailfrom" : "smtp.helo",
		m->sender[0] ? m->sender : m->helo, &v->dkim, &v->dmarc,
		m->from_domain };

	if (spf_check(c->dns_servers, INBOUND_TIMEOUT_MS, m->client, m->helo,
		m->sender, v->spf, sizeof(v->spf)) == -1)
		strlcpy(v->spf, "temperror", sizeof(v->spf));
	dkimverify_finish(dkim, &v->dkim);
	dmarc_of(c, m, v);
	log_verdicts(m, v);
	if (authres_format(&ar, field, size) == -1)
		return errno = EMSGSIZE, -1;
	return 0;
}
