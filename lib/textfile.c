/* textfile: bounded line reading; see textfile.h for return values. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "textfile.h"

int
textfile_open(struct textfile *t, const char *path)
{
	t->lineno = 0;
	t->pos = t->len = 0;
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	return t->fd == -1 ? -1 : 0;
}

void
textfile_close(struct textfile *t)
{
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
}

/* 1 with more text in the buffer, 0 at the end, -1 on an error. */
static int
fill(struct textfile *t)
{
	ssize_t r;

	do
		r = read(t->fd, t->buf, sizeof(t->buf));
	while (r == -1 && errno == EINTR);
	if (r < 0)
		return -1;
	t->pos = 0;
	t->len = (size_t)r;
	return r > 0;
}

/*
 * A line at a time with memchr, not a character at a time with getc:
 * the servers read yubin.conf at every connection, and the sample one is
 * 5 KiB of comments (getc made that 190,000 instructions, 60% of an
 * SMTP session's).
 */
int
textfile_next(struct textfile *t, char *buf, size_t size)
{
	size_t n = 0, take, keep;
	const char *p, *nl = NULL;
	int result = TEXTFILE_LINE, any = 0, r;

	while (nl == NULL) {
		if (t->pos == t->len && (r = fill(t)) <= 0) {
			if (r < 0)
				return TEXTFILE_ERR;
			break;
		}
		p = t->buf + t->pos;
		nl = memchr(p, '\n', t->len - t->pos);
		take = nl != NULL ? (size_t)(nl - p) : t->len - t->pos;
		t->pos += take + (nl != NULL);
		any = 1;
		if (memchr(p, '\0', take) != NULL)
			result = TEXTFILE_NUL;
		keep = n + take < size ? take : size - 1 - n;
		if (keep < take && result == TEXTFILE_LINE)
			result = TEXTFILE_LONG;
		memcpy(buf + n, p, keep);
		n += keep;
	}
	if (!any)
		return TEXTFILE_EOF;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	t->lineno++;
	return result;
}
