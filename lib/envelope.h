/*
 * envelope: smtp-in's answers to MAIL FROM and RCPT TO (RFC 5321
 * 4.1.1.2-3), and the transaction's sender and recipients so far.
 * envelope_mail: on the submission port only after AUTH (530); the path
 * (501: a sender needs a domain, <> is fine) and its parameters (SIZE
 * over max_message_size 552, unknown ones 555); after AUTH, with
 * sender_check, only the user's own addresses (lib/identity: 553, 451
 * when the lookup fails). It fills v (250 when the sender was taken)
 * and returns 1 when the refusal counts as the client's error.
 * envelope_rcpt, for each recipient, in order: the path and its (absent)
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
 * envelope_rcpt fills v (250 when the recipient was taken into t) and
 * returns 1 when the refusal counts as the client's error (a bad
 * path, an unknown user, a listed client, a forged SRS address: the
 * session slows down and ends after too many), else 0.
 */
#ifndef YUBIN_ENVELOPE_H
#define YUBIN_ENVELOPE_H

#include "conf.h"
#include "deliver.h"
#include "identity.h"
#include "rcptcheck.h"
#include "srs.h"
#include "verdict.h"

struct envelope {
	char sender[ADDR_MAX]; /* "" for <>, or before MAIL */
	struct deliver_plan plan;
	char **locals; /* the local recipients, as Delivered-To has them */
	size_t nlocal, nrcpt;
};

struct envelope_session {
	const struct conf *conf;
	struct deliver_ctx *ctx; /* users, domains; srs when first needed */
	struct rcptcheck *checks;
	const char *client; /* for the log */
	const char *sender; /* "" for <> */
	/* MAIL: */
	int submission;		   /* the port that wants AUTH first */
	const char *auth_user;	   /* "" before AUTH */
	struct identity *identity; /* whom auth_user may send as */
	/* asked only when a decision needs it: the client is ours */
	int (*relay_ok)(void *arg);
	void *arg;
};

void envelope_init(struct envelope *t);
/* Forgets the recipients (RSET, a new MAIL, the end of DATA). */
void envelope_reset(struct envelope *t);
int envelope_mail(const struct envelope_session *r, struct envelope *t,
    char *arg, struct verdict *v);
int envelope_rcpt(const struct envelope_session *r, struct envelope *t,
    char *arg, struct verdict *v);

#endif
