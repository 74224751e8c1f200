/*
 * maildir: reading Maildirs (as written by smtp-in or by hand).
 * A message's size comes from the ",S=<octets>" tag of its name when there
 * is one, else from stat(2); ",W=<octets>" (the size with CRLF line ends,
 * as POP3 counts it) likewise, else -1 until counted. A name with an S=
 * tag and a leading arrival time is trusted without a stat(2), as Courier
 * and Dovecot do; a file placed by hand is stat'ed.
 * Functions return 0/-1 (errno set) unless said otherwise.
 */
#ifndef YUBIN_MAILDIR_H
#define YUBIN_MAILDIR_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define MAILDIR_NAME_MAX 255
#define MAILDIR_MAX_MESSAGES 200000 /* a bound on one scan */

struct maildir_msg {
	char *name;   /* file name inside cur/ or new/ (allocated) */
	off_t size;   /* octets on disk */
	off_t wsize;  /* octets with CRLF ends; -1 unknown */
	time_t mtime; /* arrival: the name's leading time, else mtime */
	int in_new;
};

struct maildir_list {
	struct maildir_msg *msg;
	size_t n, cap;
};

struct maildir_status {
	size_t messages, unread; /* unread: still in new/ */
	off_t bytes;
	time_t newest;
};

/* Creates dir/ with tmp/, new/ and cur/ (mode 0700) where missing. */
int maildir_create(const char *dir);
/* Counts messages in new/ and cur/. A missing Maildir counts as empty. */
int maildir_status(const char *dir, struct maildir_status *st);
/* Moves everything in new/ into cur/ (adding ":2,"), as a reader must. */
int maildir_take_new(const char *dir);
/* Lists cur/ in delivery order (time of arrival, then name). */
int maildir_list_cur(const char *dir, struct maildir_list *l);
void maildir_list_free(struct maildir_list *l);
/* Reads the tags of a file name: 1 if it had S= (and maybe W=), else 0. */
int maildir_name_sizes(const char *name, off_t *size, off_t *wsize);
/*
 * Writes the name maildir_name_sizes reads: base ",S=" size ",W=" wsize
 * (the octets on disk, and with CRLF line ends). -1 if it does not fit.
 */
int maildir_name_tagged(
    char *buf, size_t bufsize, const char *base, off_t size, off_t wsize);
/* The length of a name's base: what comes before its tags and flags. */
size_t maildir_name_base_len(const char *name);

#endif
