/* smtpreply: one SMTP reply line; see smtpreply.h. */
#include <stdarg.h>
#include <stdio.h>

#include "smtpreply.h"

void
smtp_reply(struct buf *io, int code, const char *fmt, ...)
{
	char text[SMTP_REPLY_MAX - 5]; /* "NNN " before, CRLF after */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	buf_printf(io, "%03d %s\r\n", code, text);
}
