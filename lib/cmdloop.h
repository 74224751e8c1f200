/*
 * cmdloop: the command loop of smtp-in and pop3-in (qmail's commands.c
 * shape): read a whole line within the session's timeout, split it,
 * look the verb up in the program's table and run its handler when the
 * session's state allows it. What to answer to a client's mistakes, and
 * how to end the session, is the program's: cmdloop only says which
 * mistake it was. cmdloop_run never returns; the program's `gone` ends
 * the process.
 *
 * struct session is each server's own; this module only passes it on.
 */
#ifndef YUBIN_CMDLOOP_H
#define YUBIN_CMDLOOP_H

#include <stddef.h>

#include "buf.h"

struct session;

struct cmdloop_command {
	const char *verb;
	int states; /* the session states (bits) it may come in */
	void (*run)(struct session *, char *arg);
	/* without run: the whole answer, whatever the arguments (NOOP) */
	const char *answer;
};

enum cmdloop_mistake {
	CMDLOOP_SYNTAX,	 /* a NUL in the line */
	CMDLOOP_UNKNOWN, /* a verb not in the table */
	CMDLOOP_LONG	 /* a line longer than the protocol allows */
};

enum cmdloop_end {
	CMDLOOP_EOF,	 /* the client hung up */
	CMDLOOP_TIMEOUT, /* no whole line within the timeout */
	CMDLOOP_IOERR	 /* the connection failed */
};

struct cmdloop {
	struct buf *io;
	int timeout; /* seconds for one whole command line */
	char *line;  /* room for one line and its end */
	size_t size;
	const struct cmdloop_command *commands;
	size_t ncommands;
	const int *state; /* the session's current state bit */
	/* a client's mistake; may end the session */
	void (*mistake)(struct session *, enum cmdloop_mistake);
	/* a known verb in the wrong state; may end the session */
	void (*wrong_state)(struct session *, const char *verb);
	/* the end of the connection: must not return */
	void (*gone)(struct session *, enum cmdloop_end);
};

/* Runs one command line already read (len octets). */
void cmdloop_dispatch(
    const struct cmdloop *l, struct session *s, char *line, size_t len);
/* Reads and runs commands until the program's gone() ends it all. */
void cmdloop_run(const struct cmdloop *l, struct session *s)
    __attribute__((noreturn));

#endif
