/*
 * log: syslog or append-only file logging with sanitized lines.
 * log_open returns 0/-1; the log_* calls never fail visibly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "utc.h"

#define LOG_LINE_MAX 2048
#define LOG_PROG_MAX 32 /* of the program name put in a line */

static const char *log_prog = "yubin";
static int log_fd = -1;
static char log_tag[64];

int
log_open(const char *prog, const char *file)
{
	log_prog = prog;
	if (file != NULL && file[0] != '\0') {
		log_fd = open(file,
		    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0640);
		if (log_fd != -1)
			return 0;
	}
	openlog(prog, LOG_PID | LOG_NDELAY, LOG_MAIL);
	return (file != NULL && file[0] != '\0') ? -1 : 0;
}

void
log_session(const char *tag)
{
	if (tag == NULL)
		log_tag[0] = '\0';
	else
		snprintf(log_tag, sizeof(log_tag), "%s ", tag);
}

/* getrandom(2), not arc4random: four bytes are not worth setting up
 * libbsd's ChaCha state (two mmaps and a key schedule) at every
 * connection. */
void
log_session_random(void)
{
	unsigned n;

	if (getrandom(&n, sizeof(n), GRND_NONBLOCK) != (ssize_t)sizeof(n))
		n = (unsigned)getpid() ^ (unsigned)time(NULL);
	snprintf(log_tag, sizeof(log_tag), "sid=%08x ", n);
}

void
log_sanitize(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i] != '\0'; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[i] = '\0';
}

/* Puts s at p, cut at end; returns where it stopped. */
static char *
put(char *p, const char *end, const char *s)
{
	while (*s != '\0' && p < end)
		*p++ = *s++;
	return p;
}

/* Puts v as n decimal digits, zero-padded, at p. */
static char *
put_digits(char *p, unsigned long v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/* Puts "[pid]: " at p (at most 24 octets). */
static char *
put_pid(char *p, unsigned long pid)
{
	char digits[21];
	int n = 0;

	do
		digits[n++] = (char)('0' + pid % 10);
	while ((pid /= 10) > 0);
	*p++ = '[';
	while (n > 0)
		*p++ = digits[--n];
	*p++ = ']';
	*p++ = ':';
	*p++ = ' ';
	return p;
}

/* "2026-11-30T16:15:12Z smtp-in[4242]: info: sid=... ": ISO 8601 UTC
 * by hand, without gmtime_r and strftime (they would read the time zone
 * file for nothing: every server process logs) or a printf for it. */
static char *
put_prefix(char *p, const char *end, const char *level)
{
	struct tm tm;

	utc_tm(time(NULL), &tm);
	p = put_digits(p, (unsigned long)tm.tm_year + 1900, 4);
	*p++ = '-';
	p = put_digits(p, (unsigned long)tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, (unsigned long)tm.tm_mday, 2);
	*p++ = 'T';
	p = put_digits(p, (unsigned long)tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, (unsigned long)tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, (unsigned long)tm.tm_sec, 2);
	p = put(p, end, "Z ");
	p = put(p, p + LOG_PROG_MAX, log_prog);
	p = put_pid(p, (unsigned long)getpid());
	p = put(p, end, level);
	p = put(p, end, ": ");
	return put(p, end, log_tag);
}

static void
log_write(int prio, const char *level, const char *fmt, va_list ap)
{
	/* the prefix: a stamp, a short name, a pid, a level, a tag */
	char line[64 + LOG_PROG_MAX + sizeof(log_tag) + LOG_LINE_MAX];
	char *text = line, *end = line + sizeof(line) - LOG_LINE_MAX;
	int saved = errno, n;

	if (log_fd != -1)
		text = put_prefix(line, end, level);
	/* the text is cut at LOG_LINE_MAX - 2 octets, room for the LF */
	n = vsnprintf(text, LOG_LINE_MAX - 1, fmt, ap);
	n = n < 0 ? 0 : n > LOG_LINE_MAX - 2 ? LOG_LINE_MAX - 2 : n;
	log_sanitize(text, (size_t)n + 1, text);
	if (log_fd == -1) {
		syslog(prio, "%s%s", log_tag, text);
		errno = saved;
		return;
	}
	text[n++] = '\n';
	/* One write(2) per line with O_APPEND: lines of concurrent
	 * processes never interleave. A failed log write must not stop
	 * mail, so its result is deliberately not acted on. */
	if (write(log_fd, line, (size_t)(text + n - line)) < 0)
		errno = saved;
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(LOG_INFO, "info", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(LOG_WARNING, "warning", fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(LOG_ERR, "error", fmt, ap);
	va_end(ap);
}
