/*
 * rfc5322: pieces of the Internet Message Format that several programs
 * write: the date-time of Date:, Received: and the like (RFC 5322 3.3),
 * in local time with its numeric zone, as "Mon, 30 Nov 2026 09:15:02
 * +0900". RFC5322_DATE_MAX is enough room for one.
 */
#ifndef YUBIN_RFC5322_H
#define YUBIN_RFC5322_H

#include <stddef.h>
#include <time.h>

#define RFC5322_DATE_MAX 64

void rfc5322_date(time_t when, char *buf, size_t size);

#endif
