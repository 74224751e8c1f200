/*
 * popbsmtp: POP-before-SMTP records. A POP3 login from address A writes
 * SPOOL/popbsmtp/A (A in cidr_format text form), replaced atomically by
 * rename; smtp-in lets A relay while the record is younger than
 * relay_after_pop_minutes. The file's mtime is the login time; its text,
 * "UNIXTIME ACCOUNT\n", is for the administrator.
 * popbsmtp_record returns 0/-1; popbsmtp_recent 1 yes, 0 no, -1 error.
 */
#ifndef YUBIN_POPBSMTP_H
#define YUBIN_POPBSMTP_H

#include "cidr.h"

int popbsmtp_record(
    const char *spool, const struct cidr *client, const char *account);
int popbsmtp_recent(const char *spool, const struct cidr *client, int minutes);

#endif
