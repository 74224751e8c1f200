/*
 * Unit tests for lib/utc: calendar time in UTC, checked against the C
 * library's gmtime_r over leap days, century years, the ends of months
 * and times before 1970; and the Received: date of lib/rfc5322 made
 * from it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rfc5322.h"
#include "utc.h"

static void
same_as_gmtime(time_t t)
{
	struct tm ours, libc;
	char what[64];

	utc_tm(t, &ours);
	assert_non_null(gmtime_r(&t, &libc));
	snprintf(what, sizeof(what), "t=%lld", (long long)t);
	if (ours.tm_year != libc.tm_year || ours.tm_mon != libc.tm_mon ||
	    ours.tm_mday != libc.tm_mday || ours.tm_hour != libc.tm_hour ||
	    ours.tm_min != libc.tm_min || ours.tm_sec != libc.tm_sec ||
	    ours.tm_wday != libc.tm_wday || ours.tm_yday != libc.tm_yday)
		fail_msg("%s: %d-%d-%d %d:%d:%d wday %d yday %d, libc "
			 "%d-%d-%d %d:%d:%d wday %d yday %d",
		    what, ours.tm_year, ours.tm_mon, ours.tm_mday, ours.tm_hour,
		    ours.tm_min, ours.tm_sec, ours.tm_wday, ours.tm_yday,
		    libc.tm_year, libc.tm_mon, libc.tm_mday, libc.tm_hour,
		    libc.tm_min, libc.tm_sec, libc.tm_wday, libc.tm_yday);
}

static void
test_days_around_the_calendar_edges(void **state)
{
	/* 1900 and 2100 are not leap years, 2000 and 2400 are */
	static const long long edges[] = { -2208988800LL, -2203891200LL, -86401,
		-86400, -1, 0, 1, 951782399, 951782400, 951868800, 1795996800,
		1798675199, 4107542400LL, 4107456000LL, 4102444800LL,
		13574563200LL, 13574649600LL, 253402300799LL };
	long long day;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		same_as_gmtime((time_t)edges[i]);
	/* every day (at its last second) from 1899 to 2101 */
	for (day = -25567 - 365; day < 47482 + 365; day++)
		same_as_gmtime((time_t)(day * 86400 + 86399));
}

static void
test_seconds_at_random(void **state)
{
	unsigned seed = 20261130;
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		long long t = ((long long)rand_r(&seed) << 20 ^ rand_r(&seed)) %
		    8000000000000LL;
		same_as_gmtime((time_t)(i % 2 ? t : -t / 1000));
	}
}

static void
test_the_received_date(void **state)
{
	char buf[RFC5322_DATE_MAX];

	(void)state;
	rfc5322_date_utc(1795996800, buf, sizeof(buf));
	assert_string_equal(buf, "Mon, 30 Nov 2026 00:00:00 +0000");
	rfc5322_date_utc(951868799, buf, sizeof(buf));
	assert_string_equal(buf, "Tue, 29 Feb 2000 23:59:59 +0000");
	rfc5322_date_utc(0, buf, sizeof(buf));
	assert_string_equal(buf, "Thu, 01 Jan 1970 00:00:00 +0000");
	/* whatever the zone of the machine */
	setenv("TZ", "JST-9", 1);
	tzset();
	rfc5322_date_utc(
	    1795996800 + 3600 * 23 + 59 * 60 + 59, buf, sizeof(buf));
	assert_string_equal(buf, "Mon, 30 Nov 2026 23:59:59 +0000");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_around_the_calendar_edges),
		cmocka_unit_test(test_seconds_at_random),
		cmocka_unit_test(test_the_received_date),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
