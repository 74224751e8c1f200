/*
 * reception: smtp-in's DATA phase for one message, from the command to
 * the final reply. The message is opened with its Received: field (lib/
 * trace) and its checks that read it as it comes (lib/intake, a DKIM
 * verifier for mail from outside), 354 is said, the data is read within
 * the session's per-read timeout and RECEPTION_DATA_MAX for the whole
 * (after a write error, such as a full disk, on to its end, so the
 * session stays in step), the checks on the whole message run (lib/
 * msgcheck), and the message is taken, fsync'd, before 250 is said; then
 * the absence replies it asks for go out (lib/vacation). Every reply is
 * written to the session's buffer here.
 */
#ifndef YUBIN_RECEPTION_H
#define YUBIN_RECEPTION_H

#include "buf.h"
#include "conf.h"
#include "deliver.h"
#include "envelope.h"
#include "msgcheck.h"
#include "trace.h"

#define RECEPTION_DATA_MAX 3600	       /* seconds for one message's DATA */
#define RECEPTION_DKIM_TIMEOUT_MS 5000 /* for each DKIM signature's key */

struct reception {
	struct buf *io;
	const struct conf *conf;
	struct deliver_ctx *ctx;
	const struct envelope *txn;
	const struct msgcheck *check;
	struct trace_received trace; /* id and when are filled in here */
};

enum reception_end {
	RECEPTION_ANSWERED, /* the final reply is said: see result */
	RECEPTION_EOF,	    /* the client left during the data */
	RECEPTION_TIMEOUT,  /* it was too slow: nothing was said */
	RECEPTION_IOERR
};

/* What happened to the message, for the log. */
struct reception_result {
	const char *result; /* delivered, queued, error, or a refusal's */
	int taken;	    /* 250 was said */
	int queued;	    /* taken, and some of it is for the queue */
	int replies;	    /* absence replies were queued */
	long long octets;   /* as received */
	char id[QUEUE_ID_MAX];
	char maildir[300]; /* its Maildir name, with ",S=" */
};

enum reception_end reception_run(
    const struct reception *r, struct reception_result *out);

#endif
