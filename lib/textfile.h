/*
 * textfile: reads an administrator's text file line by line with a bound on
 * line length, counting lines for FILE:LINE messages.
 * textfile_next returns TEXTFILE_LINE (1), TEXTFILE_EOF (0), TEXTFILE_ERR
 * (-1, errno set), TEXTFILE_LONG (line cut, rest skipped) or TEXTFILE_NUL.
 */
#ifndef YUBIN_TEXTFILE_H
#define YUBIN_TEXTFILE_H

#include <stddef.h>

enum {
	TEXTFILE_ERR = -1,
	TEXTFILE_EOF = 0,
	TEXTFILE_LINE = 1,
	TEXTFILE_LONG = 2,
	TEXTFILE_NUL = 3
};

struct textfile {
	int fd;
	unsigned lineno;
	size_t pos, len; /* what of buf is read and not yet taken */
	char buf[4096];
};

/* 0, or -1 with errno. */
int textfile_open(struct textfile *t, const char *path);
void textfile_close(struct textfile *t);
/* Reads the next line into buf without its LF (and CR before it). */
int textfile_next(struct textfile *t, char *buf, size_t size);

#endif
