/* dmarc: DMARC with libopendmarc and libpsl over c-ares; see dmarc.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>
#include <opendmarc/dmarc.h>

#include "addr.h"
#include "dmarc.h"
#include "dns.h"

#define RECORD_MAX 2048

int
dmarc_org_domain(const char *name, char *out, size_t size)
{
	char lower[DNS_NAME_MAX + 1];
	const char *org;

	/* libpsl compares octets: the list is in lower case */
	if (addr_lower(lower, name, sizeof(lower)) >= sizeof(lower) ||
	    (org = psl_registrable_domain(psl_builtin(), lower)) == NULL ||
	    strlcpy(out, org, size) >= size)
		return -1;
	return 0;
}

/*
 * The one DMARC record at _dmarc.DOMAIN (RFC 7489 6.6.3: none, or more
 * than one, is no policy): DNS_OK with it in rec, DNS_NONE, DNS_TEMP.
 */
static enum dns_status
record_at(const char *servers, int timeout_ms, const char *domain, char *rec)
{
	char name[DNS_NAME_MAX + 2];
	enum dns_status st;
	int n;

	if (snprintf(name, sizeof(name), "_dmarc.%s", domain) >=
	    (int)sizeof(name))
		return DNS_NONE;
	n = dns_txt_lookup(
	    servers, timeout_ms, name, "v=DMARC1", rec, RECORD_MAX, &st);
	if (st != DNS_OK)
		return st == DNS_TEMP ? DNS_TEMP : DNS_NONE;
	return n == 1 ? DNS_OK : DNS_NONE;
}

/* RFC 7489 3.1: strict is the same name, relaxed the same org domain. */
static int
aligned(const char *from, const char *domain, int mode)
{
	char a[DNS_NAME_MAX + 1], b[DNS_NAME_MAX + 1];

	if (strcasecmp(from, domain) == 0)
		return 1;
	if (mode == DMARC_RECORD_A_STRICT)
		return 0;
	return dmarc_org_domain(from, a, sizeof(a)) == 0 &&
	    dmarc_org_domain(domain, b, sizeof(b)) == 0 && strcmp(a, b) == 0;
}

/*
 * Whether an aligned identifier has result (pass, or temperror: one that
 * might have passed had DNS answered).
 */
static int
aligned_with(
    DMARC_POLICY_T *pctx, const struct dmarc_input *in, const char *result)
{
	int adkim = 0, aspf = 0;
	size_t i;

	opendmarc_policy_fetch_adkim(pctx, &adkim);
	opendmarc_policy_fetch_aspf(pctx, &aspf);
	for (i = 0; i < in->dkim->n; i++)
		if (strcmp(in->dkim->sig[i].result, result) == 0 &&
		    aligned(in->from_domain, in->dkim->sig[i].domain, adkim))
			return 1;
	return strcmp(in->spf_result, result) == 0 &&
	    aligned(in->from_domain, in->spf_domain, aspf);
}

static void
set(struct dmarc_verdict *out, const char *result, const char *fmt,
    const char *arg)
{
	strlcpy(out->result, result, sizeof(out->result));
	snprintf(out->why, sizeof(out->why), fmt, arg);
}

/* The policy to apply to a failing message, pct= sampled (6.6.4). */
static void
disposition(DMARC_POLICY_T *pctx, int at_org, struct dmarc_verdict *out)
{
	int p = 0, sp = 0, pct = 100;

	opendmarc_policy_fetch_p(pctx, &p);
	opendmarc_policy_fetch_sp(pctx, &sp);
	opendmarc_policy_fetch_pct(pctx, &pct);
	if (at_org && sp != DMARC_RECORD_P_UNSPECIFIED)
		p = sp;
	out->published = p == DMARC_RECORD_P_REJECT ? 'r'
	    : p == DMARC_RECORD_P_QUARANTINE	    ? 'q'
						    : 'n';
	out->disposition = out->published;
	if (pct < 100 && (int)arc4random_uniform(100) >= pct)
		out->disposition = out->published == 'r' ? 'q' : 'n';
}

/* Finds the record: at the From: domain, else its org domain. */
static enum dns_status
find_record(const char *servers, int timeout_ms, const char *from, char *rec,
    char *org, int *at_org)
{
	enum dns_status st = record_at(servers, timeout_ms, from, rec);

	*at_org = 0;
	if (st != DNS_NONE)
		return st;
	if (dmarc_org_domain(from, org, DNS_NAME_MAX + 1) == -1 ||
	    strcasecmp(org, from) == 0)
		return DNS_NONE;
	*at_org = 1;
	return record_at(servers, timeout_ms, org, rec);
}

int
dmarc_check(const char *servers, int timeout_ms, const struct dmarc_input *in,
    struct dmarc_verdict *out)
{
	char rec[RECORD_MAX], org[DNS_NAME_MAX + 1];
	enum dns_status st;
	DMARC_POLICY_T *pctx;
	int at_org, r;

	memset(out, 0, sizeof(*out));
	if (in->from_domain[0] == '\0') { /* RFC 7489 6.6.1 */
		set(out, "permerror", "%s", "no single From: address");
		return 0;
	}
	st = find_record(
	    servers, timeout_ms, in->from_domain, rec, org, &at_org);
	if (st != DNS_OK) {
		set(out, st == DNS_TEMP ? "temperror" : "none",
		    st == DNS_TEMP ? "no DNS answer for %s's policy"
				   : "%s publishes no policy",
		    in->from_domain);
		return 0;
	}
	if ((pctx = opendmarc_policy_connect_init((u_char *)"0.0.0.0", 0)) ==
	    NULL)
		return -1;
	r = opendmarc_policy_store_dmarc(pctx, (u_char *)rec,
	    (u_char *)in->from_domain, at_org ? (u_char *)org : NULL);
	if (r != DMARC_PARSE_OKAY)
		set(out, "permerror", "%s", opendmarc_policy_status_to_str(r));
	else if (aligned_with(pctx, in, "pass"))
		set(out, "pass", "%s", "aligned");
	else if (aligned_with(pctx, in, "temperror")) {
		disposition(pctx, at_org, out); /* what a fail would be */
		set(out, "temperror", "%s",
		    "an aligned SPF or DKIM check had no DNS answer");
	} else {
		disposition(pctx, at_org, out);
		set(out, "fail", "%s",
		    "no SPF or DKIM pass aligned with the From: domain");
	}
	opendmarc_policy_connect_shutdown(pctx);
	return 0;
}

enum dmarc_action
dmarc_action(const struct dmarc_verdict *v, int reject, int quarantine)
{
	if (strcmp(v->result, "temperror") == 0)
		return v->disposition == 'r' || v->disposition == 'q'
		    ? DMARC_RETRY
		    : DMARC_ACCEPT;
	if (strcmp(v->result, "fail") != 0 || v->disposition == 'n')
		return DMARC_ACCEPT;
	if (v->disposition == 'r' && reject)
		return DMARC_REFUSE;
	return quarantine ? DMARC_JUNK : DMARC_ACCEPT;
}
