/*
 * dmarc: the DMARC verdict (RFC 7489) on an arriving message. The policy
 * record of the From: domain, or of its organizational domain when the
 * From: domain has none, is asked of dns_servers through lib/dns and
 * parsed by libopendmarc; organizational domains come from the Public
 * Suffix List (libpsl's built-in copy). The message passes when an SPF
 * pass or a DKIM pass is for a domain aligned with the From: domain. DNS
 * trouble is never a pass: no answer for the policy, or an aligned SPF
 * or DKIM check that could not be made, is a temperror (with, in the
 * second case, the disposition a fail would have had).
 */
#ifndef YUBIN_DMARC_H
#define YUBIN_DMARC_H

#include <stddef.h>

#include "dkimverify.h"

#define DMARC_WHY_MAX 160

struct dmarc_input {
	const char *from_domain; /* of the single From: address; "": none */
	const char *spf_result;	 /* RFC 8601's word */
	const char *spf_domain;	 /* MAIL FROM's domain, or HELO for <> */
	const struct dkimverify_result *dkim;
};

struct dmarc_verdict {
	char result[12]; /* pass, fail, none, temperror, permerror */
	/*
	 * When result is fail (or a temperror that might be one): what the
	 * domain asks, after its pct= sample
	 * (RFC 7489 6.6.4): 'n' none, 'q' quarantine, 'r' reject; and the
	 * policy as published ('n', 'q', 'r'), for the header's comment.
	 */
	char disposition;
	char published;
	char why[DMARC_WHY_MAX];
};

/* Fills out; returns 0, or -1 when libopendmarc failed (errno). */
int dmarc_check(const char *servers, int timeout_ms,
    const struct dmarc_input *in, struct dmarc_verdict *out);

/*
 * What a verdict asks of us, as the settings say: a failure under
 * p=reject is refused (reject on) or filed as junk; under p=quarantine
 * filed as junk (quarantine on) or let in; a temperror where the domain
 * has such a policy is tried again later (what DNS did not answer
 * decides it: never a pass, never a wrong refusal); anything else is
 * let in.
 */
enum dmarc_action { DMARC_ACCEPT, DMARC_JUNK, DMARC_REFUSE, DMARC_RETRY };
enum dmarc_action dmarc_action(
    const struct dmarc_verdict *v, int reject, int quarantine);

/* The organizational domain (RFC 7489 3.2) of name, lower case; -1 when
 * name is a public suffix or not a domain. */
int dmarc_org_domain(const char *name, char *out, size_t size);

#endif
