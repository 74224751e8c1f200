/* trace: a mail loop's signs in the header; see trace.h. */
#include <string.h>
#include <strings.h>

#include "trace.h"

void
trace_init(struct trace *t, char *const *locals, size_t nlocal)
{
	memset(t, 0, sizeof(*t));
	t->locals = locals;
	t->nlocal = nlocal;
	t->in_header = 1;
}

/* A Delivered-To: value, without the blanks around it. */
static void
delivered_to(struct trace *t, const char *v, size_t len)
{
	char value[ADDR_MAX + 2];
	size_t i, n;

	while (len > 0 && (*v == ' ' || *v == '\t'))
		v++, len--;
	n = len < sizeof(value) - 1 ? len : sizeof(value) - 1;
	memcpy(value, v, n);
	value[n] = '\0';
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		value[--n] = '\0';
	for (i = 0; i < t->nlocal; i++)
		if (strcasecmp(value, t->locals[i]) == 0)
			strlcpy(t->loop, value, sizeof(t->loop));
}

/* One whole header line (its start, when it was longer). */
static void
header_line(struct trace *t, const char *line, size_t len)
{
	if (len == 0) {
		t->in_header = 0;
		return;
	}
	if (len >= 9 && strncasecmp(line, "Received:", 9) == 0)
		t->hops++;
	if (len >= 13 && strncasecmp(line, "Delivered-To:", 13) == 0)
		delivered_to(t, line + 13, len - 13);
}

void
trace_feed(struct trace *t, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && t->in_header; i++) {
		if (p[i] != '\n') {
			if (t->linelen < sizeof(t->line))
				t->line[t->linelen++] = p[i];
			continue;
		}
		header_line(t, t->line, t->linelen);
		t->linelen = 0;
	}
}
