/*
 * alias: the walk through an account's targets (yubin-users(5)), the one
 * walk that delivery (lib/deliver, over users.cdb) and cdbmake-users's
 * check (lib/tables, over the users file being compiled) both follow.
 *
 * From an account found in a domain (the walk's context; an account
 * with a domain of its own is its own context), each target in turn:
 * "." or no targets at all, the account's own Maildir; "/path/", a
 * Maildir by path; an address in a domain that is not ours, a forward;
 * any other name, a local account, looked up in the domain
 * users_target_domain gives (the target's, the naming account's, or the
 * context) and walked in turn with that domain as its context. At most
 * USERS_ALIAS_DEPTH hops are followed from the account the walk starts
 * at; a chain longer than that, whether met deep in a walk or seen from
 * the height of what was walked before, is too long.
 *
 * The store (find, local_domain) says what an account's targets are and
 * which domains are ours. What happens at each step is the caller's
 * (struct alias_visit): delivery plans destinations and stops at the
 * first problem; the check remembers what it walked (enter, leave),
 * reports loops, targets that name no account and chains too long, and
 * goes on to find every error of the file.
 */
#ifndef YUBIN_ALIAS_H
#define YUBIN_ALIAS_H

#include "users.h"

/* alias_walk's results below 0, and the visits' */
#define ALIAS_WRONG (-1) /* something below is wrong (reported); go on */
#define ALIAS_STOP (-2)	 /* stop the walk now (errno says why) */

/* An account as the store has it. */
struct alias_account {
	const char *key;     /* as the users file names it */
	const char *name;    /* "" for a catch-all */
	const char *domain;  /* "" for an all-domains account */
	const char *targets; /* normalized, comma-separated; "": own Maildir */
	const void *entry;   /* the store's own handle, or NULL */
	const struct account *account; /* users.cdb's record, or NULL */
};

enum alias_enter {
	ALIAS_ENTER_WALK,  /* walk it */
	ALIAS_ENTER_KNOWN, /* walked before in this context: *height */
	ALIAS_ENTER_WRONG, /* a loop: reported */
	ALIAS_ENTER_STOP
};

struct alias_visit {
	/* The account name in domain, else the plain name: 1 (out set, its
	 * strings in space when the store copies), 0 none, -1 (errno). */
	int (*find)(void *arg, const char *name, const char *domain,
	    struct account *space, struct alias_account *out);
	/* 1 if domain is one of ours, 0 if not, -1 (errno). */
	int (*local_domain)(void *arg, const char *domain);
	/* Optional: an account entered at depth in its context, and left
	 * with its height (hops below it) or ALIAS_WRONG. */
	enum alias_enter (*enter)(void *arg, const struct alias_account *a,
	    const char *ctx, int depth, int *height);
	void (*leave)(void *arg, const struct alias_account *a, const char *ctx,
	    int height);
	/* The destinations met: 0, or ALIAS_STOP. */
	int (*own)(void *arg, const struct alias_account *a);
	int (*maildir)(void *arg, const char *path);
	int (*forward)(void *arg, const char *address);
	/* A local target of from that names no account in domain, and a
	 * chain too long: a met deeper than USERS_ALIAS_DEPTH hops from
	 * where the walk began (deep), or a's own chain that long (seen
	 * from its height): ALIAS_WRONG or ALIAS_STOP. */
	int (*missing)(void *arg, const struct alias_account *from,
	    const char *target, const char *domain);
	int (*too_long)(void *arg, const struct alias_account *a, int deep);
	void *arg;
};

/* Walks account a, found in domain ctx ("" for none), depth hops from
 * where the walk began: the height of its chain (0: no local account
 * among its targets), ALIAS_WRONG or ALIAS_STOP. */
int alias_walk(const struct alias_visit *v, const struct alias_account *a,
    const char *ctx, int depth);
/* The fields of a users.cdb record, as a step of the walk. */
void alias_from_account(struct alias_account *out, const struct account *a);

#endif
