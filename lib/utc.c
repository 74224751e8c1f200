/* utc: see utc.h. */
#include <string.h>

#include "utc.h"

#define DAY 86400

/* Days since 1970-01-01 to a proleptic Gregorian date, by 400-year eras
 * of 146097 days counted from 0000-03-01 (the leap day ends a year). */
static void
civil_from_days(long long days, struct tm *tm)
{
	long long z = days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097; /* [0, 146096] */
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* from Mar */
	long long mp = (5 * doy + 2) / 153;			 /* Mar = 0 */
	long long year = yoe + era * 400 + (mp >= 10);
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_mon = (int)(mp < 10 ? mp + 2 : mp - 10);
	tm->tm_year = (int)(year - 1900);
	/* days before March 1 of this year: January 31, February 28 or 29 */
	tm->tm_yday = (int)(mp < 10 ? doy + 59 + leap : doy - 306);
	tm->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01: Thursday */
}

void
utc_tm(time_t t, struct tm *tm)
{
	long long days = (long long)t / DAY, secs = (long long)t % DAY;

	memset(tm, 0, sizeof(*tm));
	if (secs < 0) {
		secs += DAY;
		days--;
	}
	civil_from_days(days, tm);
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
}
