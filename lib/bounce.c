/* bounce: RFC 3464 reports; see bounce.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "bounce.h"
#include "rfc5322.h"
#include "srs.h"
#include "users.h"

#define BOUNCE_TEXT_MAX 2048 /* of one recipient's reply, what is shown */

/* The original's header, for the report's third part. */
static void
bounce_original_header(int mess, char *buf, size_t size)
{
	ssize_t n = pread(mess, buf, size - 1, 0);
	char *end;

	buf[n > 0 ? n : 0] = '\0';
	if ((end = strstr(buf, "\n\n")) != NULL)
		end[1] = '\0';
}

/*
 * The Status: of a recipient (RFC 3464 2.3.4): the enhanced status code
 * the remote host gave in its last reply line (RFC 3463: "550 5.1.1"),
 * when its class matches the reply's; else 5.0.0 for a refusal and
 * 4.4.7 (delivery time expired) for mail that waited too long.
 */
static void
bounce_status(const struct bounce_rcpt *r, char *buf, size_t size)
{
	const char *line = strrchr(r->text, '\n'), *p;
	size_t n;

	line = line ? line + 1 : r->text;
	snprintf(buf, size, "%s", r->permanent ? "5.0.0" : "4.4.7");
	if (!r->permanent || strlen(line) < 9 || line[0] != '5' ||
	    (line[3] != ' ' && line[3] != '-') || line[4] != '5' ||
	    line[5] != '.')
		return;
	p = line + 6;
	n = strspn(p, "0123456789");
	if (n < 1 || n > 3 || p[n] != '.')
		return;
	p += n + 1;
	n = strspn(p, "0123456789");
	if (n < 1 || n > 3 || (p[n] != '\0' && p[n] != ' '))
		return;
	snprintf(buf, size, "%.*s", (int)(p + n - (line + 4)), line + 4);
}

/* Diagnostic-Code: a multi-line reply folded into one header field. */
static void
bounce_diagnostic(struct deliver_msg *m, const char *text)
{
	char line[BOUNCE_TEXT_MAX + 64];
	size_t i, n = 0;

	n = (size_t)snprintf(line, sizeof(line), "Diagnostic-Code: smtp; ");
	for (i = 0; text[i] && n < sizeof(line) - 4; i++) {
		if (text[i] == '\n') {
			line[n++] = '\n';
			line[n++] = ' ';
		} else if ((unsigned char)text[i] >= 0x20 &&
		    (unsigned char)text[i] < 0x7f)
			line[n++] = text[i];
	}
	line[n++] = '\n';
	deliver_write(m, line, n);
}

/* Everything after Received:; a failed write shows at deliver_commit. */
static void
bounce_report(struct deliver_msg *m, const char *hostname,
    const struct queue_entry *e, const struct bounce_rcpt *r, size_t nr,
    int mess)
{
	static char buf[65536];
	char date[RFC5322_DATE_MAX], boundary[400], status[16];
	size_t i;
	int n;

	rfc5322_date(time(NULL), date, sizeof(date));
	snprintf(boundary, sizeof(boundary), "%s/%s", m->id, hostname);
	n = snprintf(buf, sizeof(buf),
	    "From: Mail Delivery System <MAILER-DAEMON@%s>\n"
	    "To: <%s>\nSubject: Undelivered Mail Returned to Sender\n"
	    "Date: %s\nMessage-ID: <%s.bounce@%s>\nAuto-Submitted: "
	    "auto-replied\nMIME-Version: 1.0\nContent-Type: multipart/report; "
	    "report-type=delivery-status;\n boundary=\"%s\"\n\n"
	    "--%s\nContent-Type: text/plain; charset=us-ascii\n\n"
	    "This is the mail system at %s.\n\nYour message could not be "
	    "delivered to the recipients below.\n\n",
	    hostname, e->sender[0] ? e->sender : "postmaster", date, m->id,
	    hostname, boundary, boundary, hostname);
	deliver_write(m, buf, (size_t)n);
	for (i = 0; i < nr; i++) {
		n = snprintf(buf, sizeof(buf), "<%s>: %s said:\n%s\n\n",
		    r[i].addr, r[i].host, r[i].text);
		deliver_write(m, buf, (size_t)n);
	}
	n = snprintf(buf, sizeof(buf),
	    "--%s\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; %s\nX-Queue-ID: %s\n",
	    boundary, hostname, e->id);
	deliver_write(m, buf, (size_t)n);
	for (i = 0; i < nr; i++) {
		bounce_status(&r[i], status, sizeof(status));
		n = snprintf(buf, sizeof(buf),
		    "\nFinal-Recipient: rfc822; %s\nAction: failed\n"
		    "Status: %s\nRemote-MTA: dns; %s\n",
		    r[i].addr, status, r[i].host);
		deliver_write(m, buf, (size_t)n);
		bounce_diagnostic(m, r[i].text);
	}
	n = snprintf(buf, sizeof(buf),
	    "\n--%s\nContent-Type: text/rfc822-headers\n\n", boundary);
	deliver_write(m, buf, (size_t)n);
	bounce_original_header(mess, buf, sizeof(buf));
	deliver_write(m, buf, strlen(buf));
	n = snprintf(buf, sizeof(buf), "\n--%s--\n", boundary);
	deliver_write(m, buf, (size_t)n);
}

/*
 * A forward's SRS sender (ours) stands for the original sender: the
 * report goes to that one directly, not out and back in again.
 */
static const char *
bounce_unwrap_srs(
    const struct deliver_ctx *ctx, const char *sender, char *buf, size_t size)
{
	const char *why;
	struct addr a;

	if (ctx->srs == NULL || addr_parse(sender, &a, &why) == -1 ||
	    strcasecmp(a.domain, ctx->srs->domain) != 0 ||
	    !srs_is_srs0(a.local) ||
	    srs_reverse(ctx->srs, a.local, time(NULL), buf, size, &why) == -1)
		return sender;
	return buf;
}

/* Where the report goes: the sender, else the local postmaster. */
static int
bounce_plan(struct deliver_plan *plan, const struct deliver_ctx *ctx,
    const char *sender)
{
	char orig[ADDR_MAX];
	const char *why;
	struct addr a;
	int r = -1, local;

	sender = bounce_unwrap_srs(ctx, sender, orig, sizeof(orig));
	if (sender[0] == '\0' || addr_parse(sender, &a, &why) == -1)
		r = deliver_plan_rcpt(
		    plan, ctx, "postmaster", "", "postmaster");
	else if ((local = users_domain_is_local(ctx->domains, a.domain)) == 1)
		r = deliver_plan_rcpt(plan, ctx, a.local, a.domain, sender);
	else if (local == 0)
		r = deliver_plan_remote(plan, sender);
	if (r == DELIVER_UNKNOWN) /* a local sender that is gone */
		r = deliver_plan_rcpt(
		    plan, ctx, "postmaster", "", "postmaster");
	return r == 0 ? 0 : -1;
}

int
bounce_send(const struct deliver_ctx *ctx, const struct queue_entry *e,
    const struct bounce_rcpt *r, size_t n, int mess)
{
	struct deliver_plan plan;
	struct deliver_msg *m = malloc(sizeof(*m));
	char received[512];
	int rc = -1;

	if (m == NULL)
		return -1;
	deliver_plan_init(&plan);
	if (bounce_plan(&plan, ctx, e->sender) == 0 &&
	    deliver_open(m, ctx, &plan, "", "") == 0) {
		snprintf(received, sizeof(received),
		    "Received: by %s (yubin remote-send) id %s\n",
		    ctx->hostname, m->id);
		deliver_write(m, received, strlen(received));
		bounce_report(m, ctx->hostname, e, r, n, mess);
		rc = deliver_commit(m, "");
	}
	if (rc == -1)
		deliver_abort(m);
	deliver_plan_free(&plan);
	free(m);
	return rc;
}
