/* cmdloop: one command loop for the servers (see cmdloop.h). */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "cmd.h"
#include "cmdloop.h"

void
cmdloop_dispatch(
    const struct cmdloop *l, struct session *s, char *line, size_t len)
{
	const struct cmdloop_command *c;
	char *verb, *arg;
	size_t i;

	if ((verb = cmd_split(line, len, &arg)) == NULL) {
		l->mistake(s, CMDLOOP_SYNTAX);
		return;
	}
	for (i = 0; i < l->ncommands; i++) {
		c = &l->commands[i];
		if (strcasecmp(verb, c->verb) != 0)
			continue;
		if (!(c->states & *l->state))
			l->wrong_state(s, c->verb);
		else if (c->run != NULL)
			c->run(s, arg);
		else
			buf_printf(l->io, "%s\r\n", c->answer);
		return;
	}
	l->mistake(s, CMDLOOP_UNKNOWN);
}

void
cmdloop_run(const struct cmdloop *l, struct session *s)
{
	size_t len;
	int r;

	for (;;) {
		/* a whole line within the timeout: a client that drips a
		 * byte at a time cannot hold the session open */
		r = buf_getline_within(
		    l->io, l->line, l->size, &len, l->timeout);
		if (r == BUF_EOF)
			l->gone(s, CMDLOOP_EOF);
		else if (r == BUF_ERR)
			l->gone(s,
			    errno == ETIMEDOUT ? CMDLOOP_TIMEOUT
					       : CMDLOOP_IOERR);
		else if (r == BUF_LONG)
			l->mistake(s, CMDLOOP_LONG);
		else
			cmdloop_dispatch(l, s, l->line, len);
	}
}
