/*
 * bench-lookup: N random recipient lookups in a users.cdb, the way smtp-in
 * does them (name@domain, name, @domain), and prints lookups per second.
 * usage: bench-lookup users.cdb accounts domain count
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "users.h"

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct account a;
	struct db users;
	long accounts, count, i, found = 0;
	char name[32];
	double secs;

	if (argc != 5)
		errx(
		    100, "usage: bench-lookup users.cdb accounts domain count");
	accounts = atol(argv[2]);
	count = atol(argv[4]);
	if (db_open(&users, argv[1]) == -1)
		err(111, "%s", argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		/* one in ten names is unknown, as spam recipients are */
		long n =
		    (long)(arc4random_uniform((unsigned)(accounts * 11 / 10)));

		snprintf(name, sizeof(name), "user%ld", n);
		if (users_find_rcpt(&users, name, argv[3], &a) == 1)
			found++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld lookups in %.3f s (%.0f/s), %ld found\n", count, secs,
	    (double)count / secs, found);
	db_close(&users);
	return 0;
}
