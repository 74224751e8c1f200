/*
 * bounce: the delivery status notification (RFC 3464) remote-send sends
 * for recipients it gives up on: a multipart/report from MAILER-DAEMON
 * with the null sender, a readable part, a message/delivery-status part
 * with each recipient's status and the remote host's whole reply, and the
 * original message's header (never its body). It goes to the sender, or,
 * when the sender is null (a bounce itself) or a local account that is
 * gone, to the local postmaster: bounces never bounce.
 * bounce_send returns 0 once the report is on disk, or -1 (errno set).
 */
#ifndef YUBIN_BOUNCE_H
#define YUBIN_BOUNCE_H

#include <stddef.h>

#include "deliver.h"
#include "queue.h"

struct bounce_rcpt {
	const char *addr; /* the recipient given up on */
	const char *host; /* the host that answered, or the domain */
	const char *text; /* its reply, or what went wrong; lines by LF */
	int permanent;	  /* refused (5xx); else it timed out in the queue */
};

/* The report for the n recipients of entry e, whose message is mess. */
int bounce_send(const struct deliver_ctx *ctx, const struct queue_entry *e,
    const struct bounce_rcpt *r, size_t n, int mess);

#endif
