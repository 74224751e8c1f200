/* trace: a mail loop's signs in the header; see trace.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rfc5322.h"
#include "trace.h"

void
trace_init(struct trace *t, char *const *locals, size_t nlocal)
{
	t->locals = locals;
	t->nlocal = nlocal;
	t->in_header = 1;
	t->hops = 0;
	t->loop[0] = '\0';
	t->linelen = 0; /* line is written before it is read */
}

/* A Delivered-To: value, without the blanks around it. */
static void
delivered_to(struct trace *t, const char *v, size_t len)
{
	char value[ADDR_MAX + 2];
	size_t i, n;

	while (len > 0 && (*v == ' ' || *v == '\t'))
		v++, len--;
	n = len < sizeof(value) - 1 ? len : sizeof(value) - 1;
	memcpy(value, v, n);
	value[n] = '\0';
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		value[--n] = '\0';
	for (i = 0; i < t->nlocal; i++)
		if (strcasecmp(value, t->locals[i]) == 0)
			strlcpy(t->loop, value, sizeof(t->loop));
}

/* One whole header line (its start, when it was longer). */
static void
header_line(struct trace *t, const char *line, size_t len)
{
	if (len == 0) {
		t->in_header = 0;
		return;
	}
	if (len >= 9 && strncasecmp(line, "Received:", 9) == 0)
		t->hops++;
	if (len >= 13 && strncasecmp(line, "Delivered-To:", 13) == 0)
		delivered_to(t, line + 13, len - 13);
}

void
trace_feed(struct trace *t, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && t->in_header; i++) {
		if (p[i] != '\n') {
			if (t->linelen < sizeof(t->line))
				t->line[t->linelen++] = p[i];
			continue;
		}
		header_line(t, t->line, t->linelen);
		t->linelen = 0;
	}
}

void
trace_helo(char *buf, size_t size, const char *arg)
{
	size_t i;

	strlcpy(buf, arg, size);
	buf[strcspn(buf, " ")] = '\0';
	for (i = 0; buf[i] != '\0'; i++)
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789.-_[]:",
			buf[i]))
			buf[i] = '?';
}

void
trace_received(const struct trace_received *r, char *buf, size_t size)
{
	char date[64], proto[200];
	int auth = r->auth_user[0] != '\0', rcpt = r->rcpt[0] != '\0';

	/* RFC 3848: ESMTP, ESMTPA, ESMTPS, ESMTPSA; the TLS details after */
	snprintf(proto, sizeof(proto), "%s%s%s%s%s%s",
	    r->esmtp ? "ESMTP" : "SMTP", r->tls ? "S" : "", auth ? "A" : "",
	    r->tls ? " (" : "", r->tls ? r->tls_info : "", r->tls ? ")" : "");
	rfc5322_date_utc(r->when, date, sizeof(date));
	snprintf(buf, size,
	    "Received: from %s ([%s])\n\tby %s (yubin) with %s id %s%s%s%s"
	    "%s%s%s;\n\t%s\n",
	    r->helo, r->client, r->host, proto, r->id,
	    auth ? "\n\t(authenticated as " : "", r->auth_user, auth ? ")" : "",
	    rcpt ? "\n\tfor <" : "", r->rcpt, rcpt ? ">" : "", date);
}
