/*
 * runner: starts remote-send, the queue runner, for programs that have
 * just queued mail (smtp-in, queue-inject) or been asked to (ETRN).
 * It is started from the directory the running program was started from,
 * with -C confdir, detached: a session of its own, standard input, output
 * and error on /dev/null (never a client's socket). While remote-send is
 * not installed there, nothing happens and mail waits in the queue.
 * etrn_domain (or NULL) releases that held domain's mail (--release).
 * runner_start returns 0 when it was started, -1 when there is no
 * remote-send to start or no process for it.
 * runner_kick is runner_start(confdir, NULL) for mail just queued under
 * spool, but it starts nothing while a runner holds the queue lock: that
 * runner looks at the queue once more before it stops (remote-send(8)),
 * as a new one would only find the lock taken and exit. This saves a
 * fork and exec of remote-send per relayed message in busy times.
 * runner_etrn_recent keeps ETRN (RFC 1985) to one runner start every
 * RUNNER_ETRN_INTERVAL seconds over all sessions: SPOOL/queue/etrn holds
 * the last domain, its time the start. It returns 0 to start one now
 * (and notes it), 1 when one was started for this domain moments ago, 2
 * when for another domain (try again soon). A spool where it cannot
 * note the time is logged and never stops ETRN.
 * runner_etrn answers an ETRN for domain (normalized) from client (for
 * the log), and starts the runner for it when that is due: 250 started
 * (or started moments ago), 459 when the domain's mail is not held here
 * (hold_domains), 458 too soon after another domain's or no runner. It
 * fills v and logs the result; it returns 1.
 */
#ifndef YUBIN_RUNNER_H
#define YUBIN_RUNNER_H

#include <time.h>

#include "conf.h"
#include "verdict.h"

int runner_start(const char *confdir, const char *etrn_domain);
int runner_kick(const char *confdir, const char *spool);

#define RUNNER_ETRN_INTERVAL 5 /* seconds */
int runner_etrn_recent(const char *spool, const char *domain, time_t now);
int runner_etrn(const struct conf *c, const char *confdir, const char *client,
    const char *domain, struct verdict *v);

#endif
