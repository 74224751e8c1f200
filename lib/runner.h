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
 */
#ifndef YUBIN_RUNNER_H
#define YUBIN_RUNNER_H

int runner_start(const char *confdir, const char *etrn_domain);

#endif
