/*
 * round: one round of the queue runner (remote-send). Every entry listed
 * in SPOOL/queue/info that is due is started once, each in a process of
 * its own, at most concurrency at a time, as the listing is worked
 * through; at its end the queue is listed again, so mail queued meanwhile
 * goes out in the same round, and a slow destination holds only its own
 * process. The round ends when nothing is in flight and a fresh listing
 * has nothing left to start, or, for new work, after new_work_seconds.
 *
 * due(id, arg): 1 the entry is due now, 0 not, -1 unreadable (skipped).
 * process(id, arg), in the child: 0 done, -1 the spool cannot record the
 * entry's new state, so the round takes up nothing more.
 * round_run returns how many entries it started, or -1 when it had to
 * stop (no listing, no process, or a child's -1). SIGCHLD is blocked
 * while it runs (it waits for it), and unblocked in each child.
 * round_any_due is 1 when some listed entry is due now.
 */
#ifndef YUBIN_ROUND_H
#define YUBIN_ROUND_H

#define ROUND_FLIGHT_MAX 100 /* processes at most */

struct round_job {
	const char *spool;
	int concurrency;      /* 1 .. ROUND_FLIGHT_MAX */
	const char *only;     /* this entry only, or NULL */
	int new_work_seconds; /* a round takes up new entries this long */
	int (*due)(const char *id, void *arg);
	int (*process)(const char *id, void *arg);
	void *arg;
};

int round_run(const struct round_job *job);
int round_any_due(const struct round_job *job);

#endif
