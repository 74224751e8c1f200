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
void trace_feed(struct trace *t, const char *p, size_t len);

#endif
