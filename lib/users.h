/*
 * users: accounts and local domains as compiled into users.cdb and
 * domains.cdb by cdbmake-users.
 *
 * users.cdb: key "name@domain", "name" or "@domain" (lower case; domains
 * normalized by addr_domain_normalize), value "secret\0targets" exactly as
 * validated from the users file. domains.cdb: key the domain, empty value.
 *
 * Lookups return 1 found, 0 not found, -1 error (errno set).
 */
#ifndef YUBIN_USERS_H
#define YUBIN_USERS_H

#include <stddef.h>

#include "addr.h"
#include "db.h"

#define USERS_NAME_MAX ADDR_LOCAL_MAX
#define USERS_SECRET_MAX 256
#define USERS_TARGETS_MAX 2048
#define USERS_ALIAS_DEPTH 10 /* alias hops before a chain is refused */

/*
 * The users.cdb value that users_find reads back: "secret\0targets" into
 * buf (size octets); returns its length without the final NUL, or 0 when
 * it does not fit. cdbmake-users writes every record with it.
 */
size_t users_value(
    char *buf, size_t size, const char *secret, const char *targets);

struct account {
	char key[ADDR_MAX];		  /* the key that matched */
	char name[USERS_NAME_MAX + 1];	  /* "" for a catch-all */
	char domain[ADDR_DOMAIN_MAX + 1]; /* "" for an all-domains account */
	char secret[USERS_SECRET_MAX];
	char targets[USERS_TARGETS_MAX];
};

/* 1 if name is a valid account name: [a-z0-9._+-], not starting with
 * '.' or '-', at most 64 octets (it becomes a directory name). */
int users_name_ok(const char *name);
/* The account name@domain, then name (domain may be ""); no catch-all. */
int users_find(
    struct db *users, const char *name, const char *domain, struct account *a);
/* The catch-all "@domain" alone. */
int users_find_catchall(
    struct db *users, const char *domain, struct account *a);
/* Like users_find, then the catch-all "@domain". */
int users_find_rcpt(
    struct db *users, const char *name, const char *domain, struct account *a);
/* A login name: "name" or "name@domain"; "root" is never found. */
int users_find_login(struct db *users, const char *login, struct account *a);
int users_domain_is_local(struct db *domains, const char *domain);
/*
 * 1 if senders.cdb lists a (local@domain) for the account key: the
 * address itself, or @domain. 0 if not (or no such database: senders
 * is NULL), -1 on error.
 */
int users_may_send_as(
    struct db *senders, const char *key, const struct addr *a);
/*
 * The domain a local alias target is looked up in (yubin-users(5)): its
 * own when written name@domain, else the domain of the account that
 * names it (a name@domain line), else the domain the walk is in (the
 * recipient's, for an all-domains line); "" for none. The account is
 * then name@that-domain, or the plain name (users_find). lib/alias, the
 * walk delivery and cdbmake-users both follow, resolves targets by it.
 */
const char *users_target_domain(const char *target_domain,
    const char *account_domain, const char *walk_domain);
/* 1 if the targets deliver into the account's own Maildir. */
int users_has_own_maildir(const struct account *a);
/* SPOOL/mail/name/ or SPOOL/mail/domain/name/; 0 or -1 if too long. */
int users_maildir(
    const char *spool, const struct account *a, char *buf, size_t size);

#endif
