/*
 * maildrop: an account's Maildir as one POP3 session sees it (RFC 1939).
 * maildrop_open locks it for the session (flock on the directory: the
 * lock dies with the process, so there is never a stale one), takes new/
 * into cur/ and lists cur/ once; it returns 0, 1 when another session
 * has it, or -1 (errno). The messages are 0 .. list.n - 1 in delivery
 * order. maildrop_size is a message's POP3 size (CRLF line ends): from
 * its W= tag, else counted once; maildrop_octets the size and count of
 * those not marked deleted. maildrop_uid gives a stable UIDL (RFC 1939
 * 7): the name's base when it is printable and at most MAILDROP_UID_MAX
 * octets, else 128 bits of hash of it. maildrop_commit removes the
 * marked messages and makes that durable (cur/ fsync'd); a message
 * already gone counts as removed. It returns 0, or -1 with why (how
 * many failed and the first).
 */
#ifndef YUBIN_MAILDROP_H
#define YUBIN_MAILDROP_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "maildir.h"

#define MAILDROP_UID_MAX 70

struct maildrop {
	char dir[PATH_MAX - 64];
	int lockfd, curfd;
	struct maildir_list list;
	unsigned char *deleted; /* marks, list.n of them */
	size_t ndeleted;	/* removed by maildrop_commit */
};

int maildrop_open(struct maildrop *d, const char *dir);
/* Opens message i for reading: an fd, or -1. */
int maildrop_message(const struct maildrop *d, size_t i);
off_t maildrop_size(struct maildrop *d, size_t i);
off_t maildrop_octets(struct maildrop *d, size_t *count);
void maildrop_uid(const struct maildrop *d, size_t i, char *uid, size_t size);
int maildrop_commit(struct maildrop *d, char *why, size_t whysize);
/* Lets it go (the lock too); after maildrop_open, whatever it said. */
void maildrop_close(struct maildrop *d);

#endif
