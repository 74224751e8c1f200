/*
 * identity: the addresses a user logged in with AUTH may send as
 * (sender_check in yubin.conf(5), senders in yubin-users(5)): the
 * account's address in every local domain, the aliases and catch-alls
 * that lead into its Maildir (deliver_reaches), and what senders.cdb
 * lists for it. The null sender is anybody's. senders.cdb is opened
 * the first time it is needed; a site without one is fine.
 * identity_sender_ok (an envelope sender) and identity_from_ok (the
 * message's From:, which a signature of ours would vouch for) return 1
 * yes (or no From: at all), 0 no, -1 a lookup failed. identity_init
 * keeps the pointers: account is read at each check, so it may be
 * filled in later (at AUTH).
 */
#ifndef YUBIN_IDENTITY_H
#define YUBIN_IDENTITY_H

#include "addr.h"
#include "db.h"
#include "deliver.h"
#include "users.h"

struct identity {
	const struct deliver_ctx *ctx; /* users.cdb, domains.cdb */
	const char *confdir;	       /* where senders.cdb is */
	const struct account *account; /* who logged in */
	struct db senders;
	int senders_state; /* 0 not yet opened; 1 open; 2 none */
};

void identity_init(struct identity *id, const struct deliver_ctx *ctx,
    const char *confdir, const struct account *account);
int identity_sender_ok(struct identity *id, const struct addr *a);
int identity_from_ok(struct identity *id, struct deliver_msg *m);
void identity_close(struct identity *id);

#endif
