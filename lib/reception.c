/* reception: smtp-in's DATA phase for one message; see reception.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dkimverify.h"
#include "intake.h"
#include "log.h"
#include "reception.h"
#include "smtpreply.h"
#include "vacation.h"

static void
local_problem(const struct reception *r)
{
	smtp_reply(
	    r->io, 451, "4.3.0 Temporary local problem, try again later");
}

/* Opens the message with its trace field, and the checks that read it
 * as it comes; -1 when it cannot be taken now (replied to). */
static int
reception_open(
    const struct reception *r, struct intake *d, struct deliver_msg *m)
{
	struct trace_received t = r->trace;
	char received[2048];

	if (deliver_open(m, r->ctx, &r->txn->plan, r->txn->sender, "") == -1 ||
	    (t.id = m->id, t.when = time(NULL),
		trace_received(&t, received, sizeof(received)),
		deliver_write(m, received, strlen(received))) == -1) {
		log_error("cannot store a message: %s", deliver_why(m));
		deliver_abort(m);
		local_problem(r);
		return -1;
	}
	intake_init(d, r->conf->hostname, r->conf->max_message_size,
	    r->txn->locals, r->txn->nlocal, NULL);
	if (msgcheck_sender_checked(r->check) &&
	    (d->dkim = dkimverify_start(r->conf->dns_servers,
		 RECEPTION_DKIM_TIMEOUT_MS, m->id)) == NULL) {
		log_error("message %s: cannot check DKIM: %s", m->id,
		    strerror(errno));
		deliver_abort(m);
		local_problem(r);
		return -1;
	}
	return 0;
}

/*
 * Reads the data to its end, writing it as it comes; after a write
 * error it reads on, so the session stays in step (*failed set).
 * RECEPTION_ANSWERED when the end was read, nothing said yet.
 */
static enum reception_end
reception_read(const struct reception *r, struct intake *d,
    struct deliver_msg *m, int *failed)
{
	static char chunk[INTAKE_CHUNK_MAX]; /* see reception_run */
	size_t len;
	int rc, w;

	/* each read waits at most `timeout`, the whole message this long */
	buf_set_deadline(r->io, RECEPTION_DATA_MAX);
	for (;;) {
		rc = buf_getchunk(r->io, chunk, sizeof(chunk), &len);
		if (rc == BUF_EOF || rc == BUF_ERR) {
			/* errno first: the clean-up may change it */
			enum reception_end end = rc == BUF_EOF ? RECEPTION_EOF
			    : errno == ETIMEDOUT ? RECEPTION_TIMEOUT
						 : RECEPTION_IOERR;

			deliver_abort(m); /* nothing was acknowledged */
			dkimverify_abort(d->dkim);
			return end;
		}
		if ((w = intake_chunk(d, *failed ? NULL : m, chunk, len)) == 1)
			break;
		if (w == -1 && !*failed) {
			log_error("message %s: %s", m->id, deliver_why(m));
			deliver_abort(m);
			*failed = 1;
		}
	}
	buf_set_deadline(r->io, 0);
	return RECEPTION_ANSWERED;
}

/* The message is taken: 250, then the absence replies it asks for. */
static void
reception_take(const struct reception *r, struct deliver_msg *m,
    struct reception_result *out)
{
	const struct deliver_plan *p = &r->txn->plan;
	struct vacation_in away;

	memset(&away, 0, sizeof(away));
	if (p->nlocal > 0)
		vacation_scan(m, &away);
	if (deliver_commit(m, r->txn->sender) == -1) {
		log_error("message %s: %s", m->id, deliver_why(m));
		local_problem(r);
		out->result = "error";
		return;
	}
	out->taken = 1;
	out->queued = deliver_plan_maildirs(p) < p->n;
	out->result = out->queued ? "queued" : "delivered";
	smtp_reply(r->io, 250, "2.0.0 Ok: %s as %s", out->result, m->id);
	/* after the 250: the client does not wait for them */
	out->replies = p->nlocal > 0 &&
	    vacation_reply(r->ctx, p, r->txn->sender, &away,
		&(struct vacation_site) { r->conf->dir, r->conf->dkim_selector,
		    r->conf->vacation_days }) > 0;
}

static void
reception_log(const struct reception *r, const struct reception_result *out)
{
	const struct msgcheck *c = r->check;

	log_info("smtp message client=%s helo=%s auth=%s from=<%s> rcpts=%zu "
		 "size=%lld result=%s id=%s maildir=%s",
	    c->peer->text, c->helo, c->auth_user[0] ? c->auth_user : "-",
	    r->txn->sender, r->txn->nrcpt, out->octets, out->result, out->id,
	    out->maildir);
}

enum reception_end
reception_run(const struct reception *r, struct reception_result *out)
{
	struct intake d; /* intake_init sets it: zeroing is 10 KiB of stack */
	/* static, like the buffers below it: on the stack they pushed every
	 * call of the DATA phase onto pages of its own (page faults at
	 * every message); one message at a time per process */
	static struct deliver_msg m;
	struct verdict v;
	enum reception_end end;
	int failed = 0;

	memset(out, 0, sizeof(*out));
	out->result = "error";
	if (reception_open(r, &d, &m) == -1)
		return RECEPTION_ANSWERED;
	strlcpy(out->id, m.id, sizeof(out->id));
	smtp_reply(r->io, 354, "End data with <CR><LF>.<CR><LF>");
	if ((end = reception_read(r, &d, &m, &failed)) != RECEPTION_ANSWERED)
		return end;
	out->octets = d.octets;
	if (failed) {
		dkimverify_abort(d.dkim);
		local_problem(r);
	} else if (msgcheck_message(r->check, &d, &m, &v)) {
		deliver_abort(&m);
		smtp_reply(r->io, v.code, "%s", v.text);
		out->result = v.result;
	} else
		reception_take(r, &m, out);
	snprintf(out->maildir, sizeof(out->maildir), "%s,S=%lld", m.base,
	    (long long)m.octets);
	reception_log(r, out);
	return RECEPTION_ANSWERED;
}
