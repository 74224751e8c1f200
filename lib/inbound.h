/*
 * inbound: the sender checks on a message from outside, once its data is
 * in: SPF (RFC 7208, lib/spf) for the client, its HELO and the envelope
 * sender; the DKIM signatures (RFC 6376, lib/dkimverify) the message was
 * fed to as it arrived; DMARC (RFC 7489, lib/dmarc) for its From: domain
 * from those two. The verdicts are logged in one line and given as one
 * Authentication-Results field (RFC 8601, lib/authres) naming us; what
 * the domain's policy then asks of us is dmarc_action's.
 * A DNS question that gets no answer counts as temperror, never as a
 * pass. inbound_check fills v and field (LF-ended) and frees dkim: 0, or
 * -1 when the field does not fit (errno EMSGSIZE).
 */
#ifndef YUBIN_INBOUND_H
#define YUBIN_INBOUND_H

#include <stddef.h>

#include "cidr.h"
#include "conf.h"
#include "dkimverify.h"
#include "dmarc.h"
#include "spf.h"

#define INBOUND_TIMEOUT_MS 5000 /* for each DNS question of a check */

struct inbound_msg {
	const char *id; /* the message's, for the log */
	const struct cidr *client;
	const char *helo;
	const char *sender;	 /* "" for <> */
	const char *from_domain; /* the single From: address's; "": none */
};

struct inbound_verdict {
	char spf[SPF_RESULT_MAX];
	struct dkimverify_result dkim;
	struct dmarc_verdict dmarc;
};

int inbound_check(const struct conf *c, const struct inbound_msg *m,
    struct dkimverify *dkim, struct inbound_verdict *v, char *field,
    size_t size);

#endif
