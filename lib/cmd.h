/*
 * cmd: the command lines clients send to the servers, parsed in one place
 * that is fuzzed and unit-tested: a line split into verb and argument (the
 * servers' command loops look the verb up in their tables), the ESMTP
 * parameters of MAIL FROM (RFC 1870 SIZE, RFC 6152 BODY, RFC 4954 AUTH),
 * and an RFC 1288 finger query.
 */
#ifndef YUBIN_CMD_H
#define YUBIN_CMD_H

#include <stddef.h>

/*
 * Splits a command line of len octets in place: the line end is cut, the
 * verb ends at the first space, *arg points after it ("" when none).
 * Returns the verb, or NULL when the line holds a NUL octet.
 */
char *cmd_split(char *line, size_t len, char **arg);

/* What follows keyword kw ("FROM:", "TO:") at the start of arg, in any
 * case; NULL when arg does not start with it. */
char *cmd_after_keyword(char *arg, const char *kw);

enum cmd_param_result {
	CMD_PARAM_OK = 0,
	CMD_PARAM_BAD_SIZE = -1, /* SIZE= without a number */
	CMD_PARAM_UNKNOWN = -2	 /* a parameter we do not support */
};
/*
 * Reads the parameters after MAIL FROM:<path> (changed in place); *size
 * gets SIZE= or -1. Returns an enum cmd_param_result.
 */
int cmd_mail_params(char *params, long long *size);

/*
 * An RFC 1288 query ("name", "/W name", "" for a list) changed in place;
 * returns the name ("" for a list).
 */
char *cmd_finger_query(char *q);

#endif
