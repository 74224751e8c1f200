/* cmd: clients' command lines; see cmd.h. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"

char *
cmd_split(char *line, size_t len, char **arg)
{
	char *a;

	if (memchr(line, '\0', len) != NULL)
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	a = line + strcspn(line, " ");
	if (*a == ' ')
		*a++ = '\0';
	*arg = a;
	return line;
}

int
cmd_mail_params(char *p, long long *size)
{
	char *tok, *save = NULL;
	const char *errstr = NULL;

	*size = -1;
	for (tok = strtok_r(p, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		if (strncasecmp(tok, "SIZE=", 5) == 0) {
			*size = strtonum(tok + 5, 0, LLONG_MAX, &errstr);
			if (errstr != NULL)
				return CMD_PARAM_BAD_SIZE;
		} else if (strcasecmp(tok, "BODY=7BIT") != 0 &&
		    strcasecmp(tok, "BODY=8BITMIME") != 0 &&
		    strncasecmp(tok, "AUTH=", 5) != 0)
			return CMD_PARAM_UNKNOWN;
	}
	return CMD_PARAM_OK;
}

char *
cmd_finger_query(char *q)
{
	q[strcspn(q, "\r\n")] = '\0';
	while (*q == ' ' || *q == '\t')
		q++;
	/* RFC 1288 2.3: "/W" asks for verbose output; same answer here */
	if ((q[0] == '/') && (q[1] == 'W' || q[1] == 'w') &&
	    (q[2] == '\0' || q[2] == ' ' || q[2] == '\t')) {
		q += 2;
		while (*q == ' ' || *q == '\t')
			q++;
	}
	q[strcspn(q, " \t")] = '\0';
	return q;
}

char *
cmd_after_keyword(char *arg, const char *kw)
{
	size_t n = strlen(kw);

	return strncasecmp(arg, kw, n) == 0 ? arg + n : NULL;
}
