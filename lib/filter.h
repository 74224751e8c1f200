/*
 * filter: the content filter hook. The `filter` setting is an argv (a
 * program by absolute path and its arguments, split on spaces; no shell
 * ever), run with execve for each message from a client that may not
 * relay, the message on its standard input, an empty environment but
 * PATH. Its exit status is the verdict:
 *   0 accept, 1 deliver to the recipients' .Junk folders (spamc -c says
 *   1 for spam), 100 refuse (554), 111 try later (451);
 * anything else, a signal, or no end within the timeout (the program
 * and its process group are killed) is a failure, which the caller
 * turns into 451 unless the admin chose fail-open. Lines it prints that
 * are header fields ("X-Spam-Status: Yes, ...") are added to the
 * message: at most FILTER_FIELDS_MAX of them, FILTER_HEAD_MAX octets in
 * all (more fields than that is a whole message printed back, as plain
 * spamc does: then none is added); anything else it prints is ignored.
 */
#ifndef YUBIN_FILTER_H
#define YUBIN_FILTER_H

#include <stddef.h>

#define FILTER_ARGS_MAX 16
#define FILTER_FIELDS_MAX 10
#define FILTER_HEAD_MAX 4096

enum filter_verdict {
	FILTER_ACCEPT,
	FILTER_JUNK,
	FILTER_REJECT,
	FILTER_TEMPFAIL,
	FILTER_FAILED
};

/* 1 if s is a usable filter setting: an absolute path, <= 16 words. */
int filter_argv_ok(const char *s);
/*
 * Runs the filter on the message readable from fd msgfd (from its
 * current offset), for at most timeout_s seconds. head gets the fields
 * to add (LF-terminated lines, "" for none); why says what went wrong
 * for FILTER_FAILED, and the exit status otherwise.
 */
enum filter_verdict filter_run(const char *argvline, int msgfd, int timeout_s,
    char *head, size_t headsize, char *why, size_t whysize);

#endif
