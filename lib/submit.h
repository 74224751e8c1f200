/*
 * submit: hands a message to an SMTP server at a numeric address
 * (local_smtp: queue-inject for users who may not write the spool), in
 * one transaction: EHLO, MAIL, each RCPT, DATA with the text dot-stuffed
 * and CRLF-ended (lib/smtpdata), QUIT. No resolver is asked.
 * submit_smtp returns 0 when the server took the message (250 after the
 * data); -1 when it did not, with why (at which step, in the server's
 * words when it answered) and *permanent set for a 5xx reply; -2 when
 * it could not be reached (why).
 */
#ifndef YUBIN_SUBMIT_H
#define YUBIN_SUBMIT_H

#include <stdio.h>

#include "smtpc.h"

#define SUBMIT_WHY_MAX (SMTPC_TEXT_MAX + 600)

struct submit {
	const char *hostport; /* "127.0.0.1:25", "[::1]:587" */
	const char *helo;
	int timeout; /* seconds for each read */
	const char *sender;
	char *const *rcpts;
	size_t nrcpt;
	FILE *text; /* LF line ends, read from its start */
};

int submit_smtp(
    const struct submit *s, int *permanent, char *why, size_t whysize);

#endif
