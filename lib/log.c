/*
 * log: syslog or append-only file logging with sanitized lines.
 * log_open returns 0/-1; the log_* calls never fail visibly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 2048

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

static void
log_write(int prio, const char *level, const char *fmt, va_list ap)
{
	char raw[LOG_LINE_MAX], clean[LOG_LINE_MAX], line[LOG_LINE_MAX + 128];
	int saved = errno, n;
	struct tm tm;
	time_t now;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_sanitize(clean, sizeof(clean), raw);
	if (log_fd == -1) {
		syslog(prio, "%s%s", log_tag, clean);
		errno = saved;
		return;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	/* ISO 8601 UTC, formatted by hand: strftime would read the time
	 * zone files for nothing (every server process logs) */
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02dZ %s[%ld]: %s: %s%s\n",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, log_prog, (long)getpid(), level, log_tag, clean);
	if (n > (int)sizeof(line) - 1) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* One write(2) per line with O_APPEND: lines of concurrent
	 * processes never interleave. A failed log write must not stop
	 * mail, so its result is deliberately not acted on. */
	if (write(log_fd, line, (size_t)n) < 0)
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
