/*
 * utc: calendar time in UTC, computed without the C library's time zone
 * machinery. glibc's gmtime_r (like localtime_r) reads /etc/localtime at
 * its first call in a process, for leap seconds; a server started once
 * per connection would pay that file read at every connection for a log
 * stamp and a Received: date that never needed it.
 */
#ifndef YUBIN_UTC_H
#define YUBIN_UTC_H

#include <time.h>

/* tm_year, tm_mon, tm_mday, tm_hour, tm_min, tm_sec, tm_wday and tm_yday
 * of t in UTC (as gmtime_r, POSIX time: no leap seconds); the rest 0. */
void utc_tm(time_t t, struct tm *tm);

#endif
