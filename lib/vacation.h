/*
 * vacation: absence replies (RFC 3834). An account is away while its
 * Maildir holds the file vacation.txt: the reply, whose first lines may
 * be header fields (Subject:, Content-Type:, ...), then an empty line and
 * the text. Each sender gets one reply per `days`; none goes to the null
 * sender, to mailing lists, bulk or automatic mail (List-*, Precedence,
 * Auto-Submitted), to senders like MAILER-DAEMON or *-request, to the
 * account itself, or for mail whose To: and Cc: do not name the address
 * it came to. Replies carry Auto-Submitted: auto-replied, leave through
 * the queue with the null sender, and are DKIM-signed like other mail.
 */
#ifndef YUBIN_VACATION_H
#define YUBIN_VACATION_H

#include "deliver.h"

#define VACATION_FILE "vacation.txt"
#define VACATION_TEXT_MAX 16384

struct vacation_in {
	char subject[256];
	char message_id[256];
	char to_cc[2048]; /* To: and Cc:, to see the address named */
	int automatic;	  /* a list's, bulk or automatic: never answered */
};

/* The fields that decide, from the message before deliver_commit. */
void vacation_scan(struct deliver_msg *m, struct vacation_in *in);

struct vacation_site {
	const char *confdir;  /* DKIM keys */
	const char *selector; /* dkim_selector */
	long days;	      /* one reply per sender in this many days */
};

/*
 * After the message was committed: the replies of its local recipients
 * who are away. Returns how many were queued (errors are logged).
 */
int vacation_reply(const struct deliver_ctx *c, const struct deliver_plan *p,
    const char *sender, const struct vacation_in *in,
    const struct vacation_site *site);

#endif
