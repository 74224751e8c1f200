/*
 * intake: a message's DATA as smtp-in receives it (RFC 5321 4.1.1.4),
 * in pieces of at most INTAKE_CHUNK_MAX octets as they come: decoded
 * (CRLF to LF, dot-stuffing undone, the end found), counted against the
 * size limit, its trace fields read for loops (lib/trace), fed to the
 * DKIM verifier as it was sent, forged Authentication-Results: fields
 * naming us taken out (lib/authres), and written to the message.
 * After a bare CR or LF or past the size limit nothing more is written,
 * but the data is read on to its end so the session stays in step.
 * intake_chunk returns 1 at the end of the data, 0 to go on, -1 when
 * the message could not be written (m may then be NULL for the rest).
 * intake_refused says, at the end, what the text itself shows wrong: 1
 * with the reply and the log's result, or 0.
 */
#ifndef YUBIN_INTAKE_H
#define YUBIN_INTAKE_H

#include "authres.h"
#include "deliver.h"
#include "dkimverify.h"
#include "smtpdata.h"
#include "trace.h"
#include "verdict.h"

/* smtp-in's pieces are lines from its buffer (lib/buf's BUF_SIZE at the
 * most): bigger would only make the DATA path's stack frames deeper, and
 * each page of stack it first touches is a fault at every message */
#define INTAKE_CHUNK_MAX 16384
#define INTAKE_HOPS_MAX 100 /* Received: fields (RFC 5321 6.3) */

struct intake {
	struct smtpdata_dec dec;
	struct trace trace;	    /* Received: counted, Delivered-To: loops */
	struct authres_strip strip; /* takes out forged verdicts of ours */
	struct dkimverify *dkim;    /* NULL: signatures not checked */
	long long octets;	    /* as received */
	long long max_size;
	int too_big;
};

/* locals: the message's local recipients (the loop check); dkim or
 * NULL; hostname: ours, as Authentication-Results: names us. */
void intake_init(struct intake *in, const char *hostname, long long max_size,
    char *const *locals, size_t nlocal, struct dkimverify *dkim);
int intake_chunk(
    struct intake *in, struct deliver_msg *m, const char *p, size_t len);
int intake_refused(const struct intake *in, struct verdict *v);

#endif
