/*
 * deliver: what happens to one message after it is accepted. A plan lists
 * the recipients' destinations: Maildirs (aliases expanded, duplicates
 * merged) and remote addresses (relayed mail and forwards). A message is
 * then streamed once into its first destination and committed: fsync'd,
 * hard-linked into every other Maildir's new/ under a name carrying
 * ",S=<octets>,W=<octets with CRLF>", the new/ directories fsync'd, and a
 * queue entry written for the remote destinations. Only when
 * deliver_commit returns 0 is the message safe to acknowledge.
 * Functions return 0, or -1 with errno set; deliver_plan_rcpt also
 * returns DELIVER_UNKNOWN (no such account).
 */
#ifndef YUBIN_DELIVER_H
#define YUBIN_DELIVER_H

#include <sys/types.h>

#include "db.h"
#include "queue.h"

#define DELIVER_TARGETS_MAX 1000 /* destinations of one message */
#define DELIVER_UNKNOWN 1

struct deliver_ctx {
	struct db *users, *domains;
	const char *spool;
	const char *hostname;
};

struct deliver_target {
	int forward; /* 0: Maildir path; 1: remote address */
	char *where; /* "/path/Maildir/" or "user@host" */
	char *via;   /* forwards: the local address forwarding, else NULL */
};

struct deliver_plan {
	struct deliver_target *t;
	size_t n, cap;
	char **local_rcpts; /* RCPT addresses that reached a Maildir */
	size_t nlocal, localcap;
};

void deliver_plan_init(struct deliver_plan *p);
void deliver_plan_free(struct deliver_plan *p);
/*
 * Adds a local recipient: name@domain (domain "" for RCPT TO:<Postmaster>)
 * resolved through users.cdb (account, then catch-all, aliases followed).
 * rcpt is the address as it will appear in Delivered-To.
 */
int deliver_plan_rcpt(struct deliver_plan *p, const struct deliver_ctx *c,
    const char *name, const char *domain, const char *rcpt);
/* Adds a remote recipient (relayed mail). */
int deliver_plan_remote(struct deliver_plan *p, const char *addr);
size_t deliver_plan_maildirs(const struct deliver_plan *p);

struct deliver_msg {
	const struct deliver_ctx *ctx;
	const struct deliver_plan *plan;
	char id[QUEUE_ID_MAX];
	char base[256];	   /* unique Maildir name, without tags */
	char tmp[4096];	   /* the Maildir tmp/ file, when any */
	int fd;		   /* the file being written */
	int to_queue_only; /* no Maildir: fd is the queue's message */
	off_t prefix;	   /* Maildir-only header octets at the start */
	off_t octets, lfs; /* written so far, and how many were LF */
	size_t blen;	   /* octets waiting in buf */
	int write_failed;  /* a write failed: never committed then */
	char buf[65536];   /* one write(2) per 64 KiB, not one per line */
};

/*
 * Opens the message: Maildirs are created where missing, then the first
 * destination's file gets return_path (Maildir copies only) and the
 * header lines common to every copy (received, LF-terminated).
 */
int deliver_open(struct deliver_msg *m, const struct deliver_ctx *c,
    const struct deliver_plan *p, const char *sender, const char *received);
/* Appends message text (LF line ends). */
int deliver_write(struct deliver_msg *m, const void *data, size_t len);
/* Makes the message durable everywhere; sender "" is the null sender. */
int deliver_commit(struct deliver_msg *m, const char *sender);
/* Removes everything not yet committed. */
void deliver_abort(struct deliver_msg *m);

#endif
