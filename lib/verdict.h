/*
 * verdict: what one of smtp-in's checks decided against a command or a
 * message: the SMTP reply (code and text, an enhanced status code
 * first) and a word for the log's result= or reason=. The checks fill
 * one and return 1; smtp-in replies with it.
 */
#ifndef YUBIN_VERDICT_H
#define YUBIN_VERDICT_H

#define VERDICT_TEXT_MAX 512

struct verdict {
	int code;
	char text[VERDICT_TEXT_MAX];
	const char *result;
};

/* Fills v; returns 1. */
int verdict_set(struct verdict *v, int code, const char *result,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
