/*
 * bench-dkimsign: the cost of DKIM-signing one 4 KiB message with the
 * keys of each selector named, as smtp-in and queue-inject sign: the
 * key file read and loaded, the message canonicalized and hashed, the
 * signature made. Prints microseconds per message for each selector.
 * usage: bench-dkimsign confdir domain count selector...
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkimsign.h"

/* A message like smtp-source's: a short header, 4 KiB of lines. */
static size_t
make_message(char *buf, size_t size, const char *domain)
{
	size_t n;
	int i;

	n = (size_t)snprintf(buf, size,
	    "From: <bench@%s>\nTo: <friend@remote.example>\n"
	    "Date: Mon, 30 Nov 2026 02:24:08 +0000\n"
	    "Message-Id: <1.2.3@%s>\nSubject: bench\n\n",
	    domain, domain);
	for (i = 0; i < 52 && n + 80 < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%02d%s\n", i,
		    "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
		    "XXXXXXXXXXXXXXXXXX");
	return n;
}

int
main(int argc, char **argv)
{
	char msg[8192], why[DKIMSIGN_WHY_MAX], *head;
	struct timespec t0, t1;
	long count, i;
	size_t len;
	int s;

	if (argc < 5)
		errx(100,
		    "usage: bench-dkimsign confdir domain count "
		    "selector...");
	count = atol(argv[3]);
	len = make_message(msg, sizeof(msg), argv[2]);
	for (s = 4; s < argc; s++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < count; i++) {
			if (dkimsign(argv[1], argv[s], argv[2], msg, len, &head,
				why, sizeof(why)) != 1)
				errx(111, "%s", why);
			free(head);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("%s %.1f\n", argv[s],
		    ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e3) /
			(double)count);
	}
	return 0;
}
