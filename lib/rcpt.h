/*
 * rcpt: smtp-in's answer to one RCPT TO (RFC 5321 4.1.1.3), and the
 * transaction's recipients so far. In order: the path and its (absent)
 * parameters; max_recipients (452); a relay trick (%-hack, bang path,
 * source route, quoted @: 554, never relayed); for clients not ours the
 * DNS blocklists (lib/rcptcheck). Then the recipient itself:
 * "Postmaster" alone is always taken (RFC 5321 4.5.1), another address
 * without a domain is not (501); an SRS address of ours (a bounce to a
 * forward) goes back to its original sender when its hash and age are
 * good, whoever the client, else 550; a local domain's recipient is
 * planned for delivery (lib/deliver: 550 5.1.1 when nobody has it),
 * with greylisting for clients not ours; another domain's is relayed
 * for our clients and relay_domains only (554). Local trouble is 451.
 * Each decision is logged ("smtp rcpt ... result=").
 * rcpt_decide fills v (250 when the recipient was taken into t) and
 * returns 1 when the refusal counts as the client's error (a bad
 * path, an unknown user, a listed client, a forged SRS address: the
 * session slows down and ends after too many), else 0.
 */
#ifndef YUBIN_RCPT_H
#define YUBIN_RCPT_H

#include "conf.h"
#include "deliver.h"
#include "rcptcheck.h"
#include "srs.h"
#include "verdict.h"

struct rcpt_txn {
	struct deliver_plan plan;
	char **locals; /* the local recipients, as Delivered-To has them */
	size_t nlocal, nrcpt;
};

struct rcpt_session {
	const struct conf *conf;
	struct deliver_ctx *ctx; /* users, domains */
	struct rcptcheck *checks;
	const char *client; /* for the log */
	const char *sender; /* "" for <> */
	/* asked only when a decision needs them: */
	int (*relay_ok)(void *arg);	     /* the client is ours */
	const struct srs *(*srs)(void *arg); /* the SRS secrets, or NULL */
	void *arg;
};

void rcpt_txn_init(struct rcpt_txn *t);
/* Forgets the recipients (RSET, a new MAIL, the end of DATA). */
void rcpt_txn_reset(struct rcpt_txn *t);
int rcpt_decide(const struct rcpt_session *r, struct rcpt_txn *t, char *arg,
    struct verdict *v);

#endif
