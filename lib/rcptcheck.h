/*
 * rcptcheck: smtp-in's checks on a recipient of a client that is not
 * ours (the caller asks only for those: relay clients, AUTH and
 * POP-before-SMTP are never checked).
 * DNS blocklists (dnsbl/dnswl, lib/dnsbl), asked once a session, the
 * first time they matter, and logged: a listed client may write only to
 * postmaster and abuse (RFC 5321 4.5.1, RFC 2142), so a listed sender
 * can still reach a person; the list's words go into the 554 reply,
 * printable ASCII only.
 * Greylisting (greylist_delay, lib/greylist) of the (network, sender,
 * recipient) triple, for clients not on an allowlist; a record that
 * cannot be kept lets the mail in (logged).
 * Each returns 1 with the verdict filled (and logged), or 0.
 */
#ifndef YUBIN_RCPTCHECK_H
#define YUBIN_RCPTCHECK_H

#include "addr.h"
#include "conf.h"
#include "dnsbl.h"
#include "peer.h"
#include "verdict.h"

#define RCPTCHECK_DNSBL_TIMEOUT_MS 5000 /* for all the lists together */

struct rcptcheck {
	const struct conf *conf;
	const struct peer *peer;
	int asked; /* the lists were asked: dnsbl holds the answer */
	struct dnsbl_result dnsbl;
};

void rcptcheck_init(
    struct rcptcheck *c, const struct conf *conf, const struct peer *peer);
int rcptcheck_blocked(struct rcptcheck *c, const char *sender,
    const struct addr *a, const char *rcpt, struct verdict *v);
int rcptcheck_greylisted(struct rcptcheck *c, const char *sender,
    const char *rcpt, struct verdict *v);

#endif
