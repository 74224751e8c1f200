/*
 * tables: compiles the administrator's text files `domains`, `relay` and
 * `users` (see yubin-users(5)) into domains.cdb, relay.cdb and users.cdb,
 * and with the users the optional `senders` into senders.cdb (key the
 * account, value the addresses and @domains it may also send as,
 * comma-separated, lower case; see users_may_send_as).
 * Every file named is read and checked before anything is written; each
 * problem is printed to errf as "FILE:LINE: what is wrong", warnings as
 * "FILE: warning: ...". tables_compile returns 0 (written), 1 (bad input,
 * nothing written, old databases untouched) or -1 (system error, printed).
 */
#ifndef YUBIN_TABLES_H
#define YUBIN_TABLES_H

#include <stdio.h>

enum { TABLES_DOMAINS = 1, TABLES_RELAY = 2, TABLES_USERS = 4, TABLES_ALL = 7 };

#define TABLES_LINE_MAX 4096

int tables_compile(const char *dir, unsigned which, FILE *errf);
/* The same reading and checking, nothing written (yubin-check). */
int tables_check(const char *dir, unsigned which, FILE *errf);

#endif
