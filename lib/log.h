/*
 * log: one line per event, to syslog (facility mail) or to the file named by
 * the `log` setting. Never to stdout or stderr: under inetd those are the
 * client's socket. Control characters (CR, LF, NUL, ESC...) in the formatted
 * text are replaced by '?', so envelope data can never forge a log line.
 */
#ifndef YUBIN_LOG_H
#define YUBIN_LOG_H

#include <stddef.h>

/* Returns 0, or -1 if the file could not be opened (syslog is used then). */
int log_open(const char *prog, const char *file);
/* A short tag put in front of every line, e.g. "sid=4f2a9c"; NULL clears. */
void log_session(const char *tag);
/* A tag "sid=" and eight random hex digits, for one connection's lines. */
void log_session_random(void);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copies src into dst (size > 0), control characters made '?'. */
void log_sanitize(char *dst, size_t size, const char *src);

#endif
