/*
 * The servers' command lines: split, then the parts an SMTP session
 * parses (MAIL and RCPT paths and MAIL parameters), a POP3 message
 * number, a finger query. No crash, and results stay inside the line.
 */
#include <assert.h>
#include <strings.h>

#include "addr.h"
#include "cmd.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_string(data, size), *copy = fuzz_string(data, size);
	char *verb, *arg, *q;
	const char *rest, *why, *errstr;
	struct addr a;
	long long n;

	if ((verb = cmd_split(line, size, &arg)) != NULL) {
		assert(verb == line && arg >= line && arg <= line + size);
		assert(strpbrk(verb, "\r\n ") == NULL);
		if (strncasecmp(arg, "FROM:", 5) == 0 ||
		    strncasecmp(arg, "TO:", 3) == 0) {
			char *path = strchr(arg, ':') + 1;

			if (addr_parse_path(path, &a, &rest, &why) == 0) {
				char params[600];

				assert(rest >= path && rest <= line + size);
				strlcpy(params, rest, sizeof(params));
				if (cmd_mail_params(params, &n) == CMD_PARAM_OK)
					assert(n >= -1);
			}
		}
		n = strtonum(arg, 1, 1000, &errstr);
		assert(errstr != NULL || (n >= 1 && n <= 1000));
	}
	q = cmd_finger_query(copy);
	assert(q >= copy && q <= copy + size && strpbrk(q, " \t\r\n") == NULL);
	free(line);
	free(copy);
	return 0;
}
