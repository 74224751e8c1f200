/* rfc5322: message format pieces; see rfc5322.h. */
#include "rfc5322.h"

void
rfc5322_date(time_t when, char *buf, size_t size)
{
	struct tm tm;

	/* the C locale (no program calls setlocale): English names */
	if (localtime_r(&when, &tm) == NULL ||
	    strftime(buf, size, "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		buf[0] = '\0';
}
