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

#include <limits.h>
#include <sys/types.h>

#include "addr.h"
#include "db.h"
#include "queue.h"

#define DELIVER_TARGETS_MAX 1000 /* destinations of one message */
#define DELIVER_UNKNOWN 1

struct srs;

struct deliver_ctx {
	struct db *users, *domains;
	const char *spool;
	const char *hostname;
	/* forwards of mail from other domains leave with an SRS sender
	 * made with this (NULL: they keep their sender) */
	const struct srs *srs;
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
/*
 * 1 if mail to name@domain reaches account a: it is a's own address (a
 * looked up under it), or an alias or catch-all whose targets lead into
 * a's own Maildir. 0 if not, -1 on error. Used to decide which sender
 * addresses an authenticated user may use.
 */
struct account;
int deliver_reaches(const struct deliver_ctx *c, const struct account *a,
    const char *name, const char *domain);
/* Takes back what recipients added after the plan had n targets and
 * nlocal local recipients (a recipient refused after all). */
void deliver_plan_truncate(struct deliver_plan *p, size_t n, size_t nlocal);
/*
 * Sends the plan's Maildir destinations to their Maildir++ folder
 * .Junk/ instead (made where missing, with its maildirfolder file), as
 * an IMAP client and a POP3 user's own filters expect; forwards stay.
 */
int deliver_plan_junk(struct deliver_plan *p);
/* Adds a remote recipient (relayed mail). */
int deliver_plan_remote(struct deliver_plan *p, const char *addr);
size_t deliver_plan_maildirs(const struct deliver_plan *p);

struct deliver_msg {
	const struct deliver_ctx *ctx;
	const struct deliver_plan *plan;
	int fd;		   /* the file being written */
	int to_queue_only; /* no Maildir: fd is the queue's message */
	off_t prefix;	   /* Maildir-only header octets at the start */
	off_t octets, lfs; /* written so far, and how many were LF */
	size_t blen;	   /* octets waiting in buf */
	int write_failed;  /* a write failed: never committed then */
	char *queue_head;  /* fields only the queued copy starts with */
	/* the strings and the buffer last: deliver_open zeroes what is
	 * above and empties the strings, not 70 KiB of fresh pages */
	char id[QUEUE_ID_MAX];
	char base[256];		 /* unique Maildir name, without tags */
	char tmp[4096];		 /* the Maildir tmp/ file, when any */
	char why[PATH_MAX + 64]; /* the operation and path that failed */
	char buf[65536];	 /* one write(2) per 64 KiB, not one per line */
};

/*
 * What the last failure of m was, for the log: "create /var/yubin/mail/
 * taro/tmp/...: Permission denied" (the operation and the path), or
 * strerror(errno) when no path was involved.
 */
const char *deliver_why(const struct deliver_msg *m);

/*
 * Opens the message: Maildirs are created where missing, then the first
 * destination's file gets return_path (Maildir copies only) and the
 * header lines common to every copy (received, LF-terminated).
 */
int deliver_open(struct deliver_msg *m, const struct deliver_ctx *c,
    const struct deliver_plan *p, const char *sender, const char *received);
/* Appends message text (LF line ends). */
int deliver_write(struct deliver_msg *m, const void *data, size_t len);
/*
 * DKIM-signs the copy that goes to the queue, when there is one: when
 * the message's From: names a single address in a local domain and that
 * domain has keys under dir (see dkimsign.h), the signatures go in front
 * of the queued message (Maildir copies stay as they came). Call it
 * after the last deliver_write. Returns 1 signed, 0 not signed (why
 * says why: no remote destination, not our From:, no key), -1 when it
 * must not go out unsigned now: a key cannot be used (why, errno).
 */
int deliver_sign(struct deliver_msg *m, const char *dir, const char *selector,
    char *why, size_t whysize);
/*
 * The value of header field name in the message written so far (see
 * rfc5322_field): 1, 0 absent, -1 more than once or too long, -2 error.
 */
int deliver_field(
    struct deliver_msg *m, const char *name, char *out, size_t size);
/*
 * The message's From: address (so far): 1 one address with a domain,
 * in a; 0 no From:; 2 not one such address (two fields, a list, none);
 * -1 error.
 */
int deliver_from_address(struct deliver_msg *m, struct addr *a);
/*
 * A new read-only descriptor of the message written so far, at its
 * start (after the Maildir-only fields): for a filter to read. -1 on
 * error.
 */
int deliver_text_fd(struct deliver_msg *m);
/* Adds header fields (LF-terminated) at the top of every copy. */
int deliver_add_head(struct deliver_msg *m, const char *head);
/* Makes the message durable everywhere; sender "" is the null sender. */
int deliver_commit(struct deliver_msg *m, const char *sender);
/* Removes everything not yet committed. */
void deliver_abort(struct deliver_msg *m);

#endif
