/*
 * queue: mail waiting for remote delivery, under SPOOL/queue (see
 * yubin-queue(5)). An entry ID (a file name: one with '/' or a leading
 * '.' is refused with EINVAL) is two files:
 *   mess/ID  the message as it will be sent (LF line ends), never changed;
 *   info/ID  the envelope, text lines "key value", replaced by rename.
 * Both are written under tmp/ and fsync'd; mess/ID is renamed into place
 * (and mess/ fsync'd) before info/ID, so an info file never names a
 * missing message. An entry exists once info/ID does.
 * Functions return 0, or -1 with errno set.
 */
#ifndef YUBIN_QUEUE_H
#define YUBIN_QUEUE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define QUEUE_ID_MAX 64

struct queue_rcpt {
	const char *addr; /* where it goes */
	const char *via;  /* the local address that forwards it, or NULL */
};

/* An envelope as read from info/ID; strings are allocated. */
struct queue_entry {
	char id[QUEUE_ID_MAX];
	long long created, next;
	int attempts;
	char *sender; /* "" for the null sender */
	struct queue_entry_rcpt {
		char *addr;
		char *via;   /* or NULL */
		char *error; /* the last temporary error, or NULL */
	} * rcpt;
	size_t n;
	char *extra; /* lines with keys this version does not know, kept */
};

/* Makes SPOOL/queue/{tmp,mess,info} where missing. */
int queue_init(const char *spool);
/* SPOOL/queue/SUB/ID+SUFFIX, a file of entry id; -1 for an id that is
 * not a file name (EINVAL) or a path too long. */
int queue_path(char *buf, size_t size, const char *spool, const char *sub,
    const char *id, const char *suffix);
/* A new unique id ("TIME.USEC.PID"). */
void queue_new_id(char *id, size_t size);
/* Opens SPOOL/queue/tmp/ID.mess for writing (O_EXCL); returns the fd. */
int queue_open_mess(const char *spool, const char *id);
/*
 * Puts head in front of the message being written as tmp/ID.mess (open
 * as messfd), in a new file of that name: returns its fd, messfd is
 * closed. -1 with errno, messfd left open (queue_abort cleans up).
 */
int queue_prepend(
    const char *spool, const char *id, int messfd, const char *head);
/*
 * Commits an entry: fsyncs and closes messfd (tmp/ID.mess, written by
 * the caller), renames it to mess/ID, then writes info/ID. sender is ""
 * for the null sender. On error the caller calls queue_abort.
 */
int queue_commit(const char *spool, const char *id, int messfd,
    const char *sender, const struct queue_rcpt *rcpts, size_t n);
/* Opens part ("info" or "mess") of entry id for reading: an fd or -1. */
int queue_open(const char *spool, const char *part, const char *id);
/*
 * Opens SPOOL/queue/lock, the runner's lock file (created where missing);
 * the runner holds an flock on it. An fd, or -1.
 */
int queue_runner_lock(const char *spool);
/* Reads info/ID: 1 read, 0 no such entry, -1 error (EINVAL: malformed). */
int queue_read(const char *spool, const char *id, struct queue_entry *e);
/* Replaces info/ID by e, atomically (tmp, fsync, rename, fsync dir). */
int queue_rewrite(const char *spool, const struct queue_entry *e);
/*
 * Reserves size octets of disk for the next rewrite of entry id before
 * anything is delivered, so that a full disk can stop a delivery but
 * never its record: remote-send must not send to a recipient twice
 * because it could not write down that it was sent. Returns an fd for
 * queue_rewrite_reserved (which closes it) or queue_unreserve.
 */
int queue_reserve(const char *spool, const char *id, off_t size);
int queue_rewrite_reserved(
    const char *spool, const struct queue_entry *e, int fd);
void queue_unreserve(const char *spool, const char *id, int fd);
/*
 * Locks entry id for its delivery or an administrator's change (flock on
 * mess/ID, which never moves while the entry lives). Returns the fd that
 * holds the lock (close it to unlock), or -1: EBUSY when someone else has
 * it, ENOENT when the entry has no message file.
 */
int queue_lock(const char *spool, const char *id);
void queue_entry_free(struct queue_entry *e);
/* The ids in info/, oldest first; *ids is allocated (free each, then it). */
int queue_list(const char *spool, char ***ids, size_t *n);
/* Removes an entry: info/ID first (it ends the entry), then mess/ID. */
int queue_remove(const char *spool, const char *id);
/*
 * The administrator's changes (remote-send --flush, --remove), under the
 * entry's lock. queue_make_due: entry id is due now; 1, 0 when a
 * delivery has it (it is left to that) or it is gone, -1 (errno).
 * queue_remove_idle: removes entry id once no delivery holds it, waiting
 * up to tries * 0.2 s; 0, or -1 with errno EBUSY (still being
 * delivered), ENOENT (no such entry, or an id that cannot be one), or
 * another.
 */
int queue_make_due(const char *spool, const char *id);
int queue_remove_idle(const char *spool, const char *id, int tries);
/*
 * Removes mess/ID files that have no info/ID and are older than
 * max_age seconds: left by a crash between the two renames of
 * queue_commit, never acknowledged. Returns how many, or -1.
 */
int queue_remove_orphans(const char *spool, time_t max_age);
/* Removes whatever tmp/ID.* files exist (for error paths). */
void queue_abort(const char *spool, const char *id);

#endif
