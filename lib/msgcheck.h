/*
 * msgcheck: smtp-in's checks on a message once its data is in, before it
 * is taken. msgcheck_message runs them in order and stops at the first
 * refusal: what the text itself shows (lib/intake: a bare LF, the size,
 * too many hops, a loop); for clients not ours the sender checks and
 * the content filter; for users logged in with AUTH (sender_check) a
 * From: that is theirs (lib/identity: 553); and our own users' mail for
 * other hosts DKIM-signed (a key that cannot be used: 451). It takes
 * the intake's DKIM verifier (freed).
 * The two checks for clients that are not ours:
 * msgcheck_sender, the sender checks (lib/inbound: SPF, DKIM, DMARC): one
 * Authentication-Results: field added, and what the From: domain's DMARC
 * policy asks, as the settings say (dmarc_action): refused (550), 451
 * when the answers that decide it did not come, or the message to .Junk.
 * It frees dkim. msgcheck_filter, the content filter (lib/filter), when
 * one is set: its verdict (refused 554; not scanned 451, or let in with
 * filter_fail_open; .Junk) and its header fields added.
 * Each logs what it found and returns 1 with the verdict filled when the
 * message must not be taken (the caller aborts it and replies), or 0.
 * A local failure (the message cannot be changed) is a 451 too.
 */
#ifndef YUBIN_MSGCHECK_H
#define YUBIN_MSGCHECK_H

#include "conf.h"
#include "deliver.h"
#include "dkimverify.h"
#include "identity.h"
#include "intake.h"
#include "peer.h"
#include "verdict.h"

struct msgcheck {
	const struct conf *conf;
	const struct peer *peer;
	const char *helo;
	const char *sender; /* "" for <> */
	struct deliver_plan *plan;
	int ours;		   /* the client may relay (relay, AUTH, POP) */
	const char *auth_user;	   /* "" without AUTH */
	struct identity *identity; /* whom auth_user may send as */
};

int msgcheck_sender(const struct msgcheck *c, struct deliver_msg *m,
    struct dkimverify *dkim, struct verdict *v);
int msgcheck_filter(
    const struct msgcheck *c, struct deliver_msg *m, struct verdict *v);
int msgcheck_message(const struct msgcheck *c, struct intake *in,
    struct deliver_msg *m, struct verdict *v);
/* Mail from outside has its sender checked (auth_results). */
int msgcheck_sender_checked(const struct msgcheck *c);

#endif
