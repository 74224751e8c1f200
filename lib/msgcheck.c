/* msgcheck: the checks on a message from outside; see msgcheck.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dkimsign.h"
#include "filter.h"
#include "inbound.h"
#include "log.h"
#include "msgcheck.h"

/* A local failure: the message is not taken now. */
static int
local_trouble(struct deliver_msg *m, struct verdict *v)
{
	log_error("message %s: %s", m->id, deliver_why(m));
	return verdict_set(
	    v, 451, "error", "4.3.0 Temporary local problem, try again later");
}

/* What the From: domain's DMARC policy asks of a failing message. */
static int
dmarc_enforced(const struct msgcheck *c, struct deliver_msg *m,
    const struct dmarc_verdict *d, const char *from, struct verdict *v)
{
	switch (
	    dmarc_action(d, c->conf->dmarc_reject, c->conf->dmarc_quarantine)) {
	case DMARC_RETRY:
		return verdict_set(v, 451, "tempfail-dmarc",
		    "4.7.0 Cannot check the DMARC policy of %s now (%s), try "
		    "again later",
		    from, d->why);
	case DMARC_REFUSE:
		return verdict_set(v, 550, "refused-dmarc",
		    "5.7.1 Refused by the DMARC policy of %s: %s", from,
		    d->why);
	case DMARC_JUNK:
		if (deliver_plan_junk(c->plan) == -1)
			return local_trouble(m, v);
		log_info("message %s: to .Junk by the DMARC policy of %s",
		    m->id, from);
		return 0;
	default:
		return 0;
	}
}

int
msgcheck_sender(const struct msgcheck *c, struct deliver_msg *m,
    struct dkimverify *dkim, struct verdict *v)
{
	char from[DNS_NAME_MAX + 1] = "", head[2048];
	struct inbound_msg in = { m->id, &c->peer->addr, c->helo, c->sender,
		from };
	struct inbound_verdict iv;
	struct addr a;
	int r;

	if ((r = deliver_from_address(m, &a)) == -1) {
		dkimverify_abort(dkim);
		return local_trouble(m, v);
	}
	if (r == 1)
		addr_lower(from, a.domain, sizeof(from));
	r = inbound_check(c->conf, &in, dkim, &iv, head, sizeof(head));
	if (r == -1 || deliver_add_head(m, head) == -1)
		return local_trouble(m, v);
	return dmarc_enforced(c, m, &iv.dmarc, from, v);
}

/* Runs the filter over the message: its verdict, head and why. */
static enum filter_verdict
filter_message(const struct conf *conf, struct deliver_msg *m, char *head,
    size_t headsize, char *why, size_t whysize)
{
	enum filter_verdict f = FILTER_FAILED;
	int fd;

	if ((fd = deliver_text_fd(m)) == -1)
		snprintf(why, whysize, "%s", strerror(errno));
	else {
		f = filter_run(conf->filter, fd, (int)conf->filter_timeout,
		    head, headsize, why, whysize);
		close(fd);
	}
	log_info("message %s: filter %s (%s)", m->id,
	    f == FILTER_ACCEPT	       ? "accepted"
		: f == FILTER_JUNK     ? "junk"
		: f == FILTER_REJECT   ? "refused"
		: f == FILTER_TEMPFAIL ? "tempfail"
				       : "failed",
	    why);
	return f;
}

int
msgcheck_filter(
    const struct msgcheck *c, struct deliver_msg *m, struct verdict *v)
{
	char head[FILTER_HEAD_MAX] = "", why[128];
	enum filter_verdict f;

	if (c->conf->filter[0] == '\0')
		return 0;
	f = filter_message(c->conf, m, head, sizeof(head), why, sizeof(why));
	if (f == FILTER_REJECT)
		return verdict_set(v, 554, "refused-filter",
		    "5.7.1 Message refused by the content filter");
	if (f == FILTER_TEMPFAIL ||
	    (f == FILTER_FAILED && !c->conf->filter_fail_open)) {
		if (f == FILTER_FAILED)
			log_error("message %s: filter failed: %s", m->id, why);
		return verdict_set(v, 451, "error-filter",
		    "4.7.0 Message not scanned, try again later");
	}
	if (f == FILTER_FAILED) {
		log_warn("message %s: filter failed (%s): let in unscanned, "
			 "filter_fail_open is yes",
		    m->id, why);
		return 0;
	}
	if ((f == FILTER_JUNK && deliver_plan_junk(c->plan) == -1) ||
	    deliver_add_head(m, head) == -1)
		return local_trouble(m, v);
	return 0;
}

int
msgcheck_sender_checked(const struct msgcheck *c)
{
	return c->conf->auth_results && !c->ours && c->peer->known;
}

/*
 * Our own users' mail: a From: that is theirs (or a signature of ours
 * would vouch for a forgery), and signed when it leaves.
 */
static int
own_mail_refused(
    const struct msgcheck *c, struct deliver_msg *m, struct verdict *v)
{
	char why[DKIMSIGN_WHY_MAX];
	int own = c->auth_user[0] == '\0' || !c->conf->sender_check
	    ? 1
	    : identity_from_ok(c->identity, m);
	int r;

	if (own == 0)
		return verdict_set(v, 553, "refused-from-not-own",
		    "5.7.1 From: address not yours: you are logged in as %s",
		    c->auth_user);
	if (own == -1)
		return verdict_set(v, 451, "error",
		    "4.3.0 Temporary local problem, try again later");
	if (deliver_plan_maildirs(c->plan) == c->plan->n || !c->ours)
		return 0;
	r = deliver_sign(
	    m, c->conf->dir, c->conf->dkim_selector, why, sizeof(why));
	if (r != -1) {
		log_info("message %s: %s", m->id, why);
		return 0;
	}
	log_error("message %s: cannot DKIM-sign: %s", m->id, why);
	return verdict_set(v, 451, "error-dkim",
	    "4.3.0 Temporary local problem, try again later");
}

int
msgcheck_message(const struct msgcheck *c, struct intake *in,
    struct deliver_msg *m, struct verdict *v)
{
	struct dkimverify *dkim = in->dkim;

	in->dkim = NULL; /* freed here, one way or another */
	if (in->strip.removed > 0)
		log_info("message %s: removed %zu Authentication-Results "
			 "field(s) claiming to be ours",
		    m->id, in->strip.removed);
	if (intake_refused(in, v)) {
		dkimverify_abort(dkim);
		return 1;
	}
	if (!msgcheck_sender_checked(c))
		dkimverify_abort(dkim); /* none was started */
	else if (msgcheck_sender(c, m, dkim, v))
		return 1;
	if (!c->ours && msgcheck_filter(c, m, v))
		return 1;
	return own_mail_refused(c, m, v);
}
