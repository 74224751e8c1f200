/*
 * spool: the state directory and who owns it. Everything under SPOOL
 * belongs to one unprivileged user that inetd runs the servers as; a
 * program started by root (cron, the administrator) becomes that user
 * before it writes there, or the servers could not read what it made.
 * spool_become_owner returns 0 (also when not root, or when the spool
 * is root's own), or -1 with errno set.
 */
#ifndef YUBIN_SPOOL_H
#define YUBIN_SPOOL_H

int spool_become_owner(const char *spool);

#endif
