/*
 * trace: the signs of a mail loop in a message's header, read as the
 * message streams past (RFC 5321 6.3): its Received: fields counted, and
 * a Delivered-To: field that names one of the message's own local
 * recipients (the mail has been here for them before). trace_feed takes
 * decoded text (LF line ends) cut anywhere, and stops looking at the
 * empty line that ends the header. A header line longer than
 * TRACE_LINE_MAX is judged by its start.
 */
#ifndef YUBIN_TRACE_H
#define YUBIN_TRACE_H

#include <stddef.h>
#include <time.h>

#include "addr.h"

#define TRACE_LINE_MAX 1024

struct trace {
	char *const
	    *locals; /* the local recipients, as Delivered-To has them */
	size_t nlocal;
	int in_header;
	int hops;	     /* Received: fields */
	char loop[ADDR_MAX]; /* the recipient a Delivered-To named, or "" */
	char line[TRACE_LINE_MAX];
	size_t linelen;
};

void trace_init(struct trace *t, char *const *locals, size_t nlocal);

/*
 * The Received: field smtp-in puts on top (RFC 5321 4.4), with the
 * protocol named as RFC 3848 does (SMTP, ESMTP, ESMTPS, ESMTPA,
 * ESMTPSA; the TLS details after it), the authenticated user and, for a
 * single recipient, "for <...>". LF line ends, into buf.
 */
struct trace_received {
	const char *helo, *client; /* as the client said, its address */
	const char *host;	   /* ours */
	const char *id;		   /* the message's */
	int esmtp, tls;
	const char *tls_info;  /* "" without TLS */
	const char *auth_user; /* "" without AUTH */
	const char *rcpt;      /* "" unless exactly one */
	time_t when;
};

void trace_received(const struct trace_received *r, char *buf, size_t size);
/* The HELO argument as the Received: field carries it: its first word,
 * any byte that cannot be in a host name or address literal as '?'. */
void trace_helo(char *buf, size_t size, const char *arg);
void trace_feed(struct trace *t, const char *p, size_t len);

#endif
