/*
 * queue: mail waiting for remote delivery, under SPOOL/queue (see
 * yubin-queue(5)). An entry ID is two files:
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
#include <time.h>

#define QUEUE_ID_MAX 64

struct queue_rcpt {
	const char *addr; /* where it goes */
	const char *via;  /* the local address that forwards it, or NULL */
};

/* Makes SPOOL/queue/{tmp,mess,info} where missing. */
int queue_init(const char *spool);
/* A new unique id ("TIME.USEC.PID"). */
void queue_new_id(char *id, size_t size);
/* Opens SPOOL/queue/tmp/ID.mess for writing (O_EXCL); returns the fd. */
int queue_open_mess(const char *spool, const char *id);
/*
 * Commits an entry: fsyncs and closes messfd (tmp/ID.mess, written by
 * the caller), renames it to mess/ID, then writes info/ID. sender is ""
 * for the null sender. On error the caller calls queue_abort.
 */
int queue_commit(const char *spool, const char *id, int messfd,
    const char *sender, const struct queue_rcpt *rcpts, size_t n);
/*
 * Starts remote-send -C confdir, detached (its own session, stdio on
 * /dev/null: never a client's socket), from the directory the running
 * program was started from. While remote-send is not installed there,
 * nothing happens and mail waits in the queue.
 */
void queue_start_runner(const char *confdir);
/* Removes whatever tmp/ID.* files exist (for error paths). */
void queue_abort(const char *spool, const char *id);

#endif
