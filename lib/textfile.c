/* textfile: bounded line reading; see textfile.h for return values. */
#include <errno.h>
#include <stdio.h>

#include "textfile.h"

int
textfile_open(struct textfile *t, const char *path)
{
	t->lineno = 0;
	t->f = fopen(path, "re");
	return t->f == NULL ? -1 : 0;
}

void
textfile_close(struct textfile *t)
{
	if (t->f != NULL)
		fclose(t->f);
	t->f = NULL;
}

int
textfile_next(struct textfile *t, char *buf, size_t size)
{
	size_t n = 0;
	int c, result = TEXTFILE_LINE;

	while ((c = getc(t->f)) != EOF && c != '\n') {
		if (c == '\0')
			result = TEXTFILE_NUL;
		if (n + 1 < size)
			buf[n++] = (char)c;
		else if (result == TEXTFILE_LINE)
			result = TEXTFILE_LONG;
	}
	if (c == EOF && ferror(t->f))
		return TEXTFILE_ERR;
	if (c == EOF && n == 0 && result == TEXTFILE_LINE)
		return TEXTFILE_EOF;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	t->lineno++;
	return result;
}
