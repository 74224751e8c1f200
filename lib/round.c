/* round: one round of the queue runner; see round.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "queue.h"
#include "round.h"

#define EXIT_STOP 75	  /* a child's word to stop the round */
#define WAIT_STEP_MS 1000 /* the round looks at the queue again */

struct round {
	const struct round_job *job;
	pid_t flight[ROUND_FLIGHT_MAX];
	size_t nflight;
	char **ids; /* the queue as last listed, and how far we are in it */
	size_t nids, pos;
	char **tried; /* ids started in this round: once each (sorted) */
	size_t ntried, sorted;
	int stop; /* take up nothing new */
};

static int
round_idcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
round_tried(struct round *r, const char *id)
{
	if (r->sorted != r->ntried) {
		qsort(r->tried, r->ntried, sizeof(*r->tried), round_idcmp);
		r->sorted = r->ntried;
	}
	return r->ntried > 0 &&
	    bsearch(&id, r->tried, r->ntried, sizeof(*r->tried), round_idcmp) !=
	    NULL;
}

/* Starts entry id in a child; -1 when no process can be had. */
static int
round_start(struct round *r, const char *id)
{
	char **t = reallocarray(r->tried, r->ntried + 1, sizeof(*t));
	sigset_t chld;
	pid_t pid;

	if (t == NULL || (t[r->ntried] = strdup(id)) == NULL) {
		r->tried = t ? t : r->tried;
		return -1;
	}
	r->tried = t;
	r->ntried++;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		_exit(r->job->process(id, r->job->arg) == -1 ? EXIT_STOP : 0);
	}
	r->flight[r->nflight++] = pid;
	return 0;
}

static void
round_forget_list(struct round *r)
{
	size_t i;

	for (i = 0; i < r->nids; i++)
		free(r->ids[i]);
	free(r->ids);
	r->ids = NULL;
	r->nids = r->pos = 0;
}

/* Lists the queue afresh (for mail queued since); -1 on error. */
static int
round_relist(struct round *r)
{
	round_forget_list(r);
	if (queue_list(r->job->spool, &r->ids, &r->nids) == 0)
		return 0;
	log_error("cannot list the queue: %s", strerror(errno));
	r->stop = 1;
	return -1;
}

/*
 * Starts what is due and not yet tried, going on through the list where
 * it stopped, while there is room. Returns how many it started.
 */
static int
round_start_due(struct round *r)
{
	const struct round_job *job = r->job;
	const char *id;
	int started = 0;

	while (!r->stop && r->nflight < (size_t)job->concurrency &&
	    r->pos < r->nids) {
		id = r->ids[r->pos++];
		if ((job->only && strcmp(job->only, id) != 0) ||
		    round_tried(r, id) || job->due(id, job->arg) != 1)
			continue;
		if (round_start(r, id) == -1) {
			log_error(
			    "cannot start a delivery: %s", strerror(errno));
			r->stop = 1;
		} else
			started++;
	}
	return started;
}

/* Waits a little for deliveries to end, and collects those that did. */
static void
round_reap(struct round *r)
{
	struct timespec step = { WAIT_STEP_MS / 1000,
		(WAIT_STEP_MS % 1000) * 1000000L };
	sigset_t chld;
	pid_t pid;
	size_t k;
	int status;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigtimedwait(&chld, NULL, &step);
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (k = 0; k < r->nflight; k++)
			if (r->flight[k] == pid)
				r->flight[k] = r->flight[--r->nflight];
		if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_STOP &&
		    !r->stop) {
			log_error("stopping the queue run: the spool cannot "
				  "record deliveries; nothing more is sent "
				  "until it can");
			r->stop = 1;
		}
	}
	if (pid == -1 && errno == ECHILD)
		r->nflight = 0;
}

/* The round's loop: list, start, reap, until it is over. */
static void
round_loop(struct round *r)
{
	time_t start = time(NULL);
	int fresh, started, open;

	for (;;) {
		fresh = started = 0;
		open = time(NULL) - start < r->job->new_work_seconds;
		if (!r->stop && open) {
			if (r->pos == r->nids && round_relist(r) == 0)
				fresh = 1;
			started = round_start_due(r);
		}
		if (r->nflight == 0) {
			if (r->stop || !open ||
			    (fresh && started == 0 && r->pos == r->nids))
				break;
			continue; /* more of the list, or list it again */
		}
		round_reap(r);
	}
}

int
round_run(const struct round_job *job)
{
	struct round r = { .job = job };
	sigset_t chld, old;
	size_t i;
	int result;

	if (job->concurrency < 1 || job->concurrency > ROUND_FLIGHT_MAX)
		return errno = EINVAL, -1;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old); /* for sigtimedwait */
	round_loop(&r);
	sigprocmask(SIG_SETMASK, &old, NULL);
	result = r.stop ? -1 : (int)r.ntried;
	round_forget_list(&r);
	for (i = 0; i < r.ntried; i++)
		free(r.tried[i]);
	free(r.tried);
	return result;
}

int
round_any_due(const struct round_job *job)
{
	char **ids;
	size_t n, i;
	int found = 0;

	if (queue_list(job->spool, &ids, &n) == -1)
		return 0;
	for (i = 0; i < n; i++) {
		found |= !found && job->due(ids[i], job->arg) == 1;
		free(ids[i]);
	}
	free(ids);
	return found;
}
