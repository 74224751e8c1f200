/* smtpreply: one SMTP reply line; see smtpreply.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smtpreply.h"

void
smtp_reply(struct buf *io, int code, const char *fmt, ...)
{
	char line[SMTP_REPLY_MAX + 1];
	size_t n;
	va_list ap;

	/* one vsnprintf, not two: a reply is said several times a session */
	line[0] = (char)('0' + code / 100 % 10);
	line[1] = (char)('0' + code / 10 % 10);
	line[2] = (char)('0' + code % 10);
	line[3] = ' ';
	va_start(ap, fmt);
	/* room for the text: what is left of 512 before CRLF */
	vsnprintf(line + 4, SMTP_REPLY_MAX - 4 - 2 + 1, fmt, ap);
	va_end(ap);
	n = 4 + strlen(line + 4);
	memcpy(line + n, "\r\n", 2);
	buf_put(io, line, n + 2);
}
