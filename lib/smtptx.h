/*
 * smtptx: one SMTP transaction on a connection, as remote-send runs it
 * (RFC 5321): the greeting; EHLO, or HELO when EHLO is refused; STARTTLS
 * when offered and wanted (RFC 3207); AUTH PLAIN, else LOGIN, when a
 * login is given (RFC 4954), and only inside TLS unless allowed; MAIL
 * with SIZE (RFC 1870) and BODY=8BITMIME (RFC 6152) when offered; RCPT
 * for each recipient, pipelined when offered (RFC 2920); DATA and the
 * message through lib/smtpdata; QUIT. Replies are read by lib/smtpc,
 * strictly and within the RFC 5321 4.5.3.2 times.
 *
 * Each recipient ends with an outcome and the text that decided it: the
 * server's reply, or what went wrong. `own` says the text was the reply
 * to that recipient's RCPT or to the data; otherwise it is the whole
 * transaction's (a refused greeting, MAIL, AUTH or TLS).
 *
 * smtptx_run returns 0 when the host answered for the recipients (the
 * outcomes are set; no other host is to be tried), -1 when this host
 * could not be used (try the next one; the outcomes say why), or
 * SMTPTX_PLAIN_AGAIN when STARTTLS failed where TLS was only wanted:
 * dial again and run with plain set.
 */
#ifndef YUBIN_SMTPTX_H
#define YUBIN_SMTPTX_H

#include <stddef.h>
#include <sys/types.h>

#include "smtpc.h"

enum smtptx_outcome {
	SMTPTX_PENDING, /* no answer for it yet */
	SMTPTX_DONE,
	SMTPTX_FAILED,	/* permanent (5xx) */
	SMTPTX_DEFERRED /* temporary (4xx, or no answer) */
};

struct smtptx_rcpt {
	const char *addr;
	enum smtptx_outcome o;
	int own; /* text is the reply to this recipient's RCPT or data */
	char text[SMTPC_TEXT_MAX];
};

enum smtptx_tls {
	SMTPTX_TLS_NO,	/* never STARTTLS */
	SMTPTX_TLS_MAY, /* when offered; plain again when it fails */
	SMTPTX_TLS_MUST /* no TLS, no mail: deferred */
};

struct smtptx {
	/* the connection */
	const char *helo;     /* our name, for EHLO */
	const char *host;     /* "name[ip]", for the log */
	const char *tls_name; /* the server's name, for TLS */
	enum smtptx_tls tls;
	int tls_verify;	       /* the server's certificate is checked */
	int plain;	       /* STARTTLS failed before: not again */
	const char *auth_user; /* NULL: no login */
	const char *auth_pass;
	int auth_in_clear; /* a login without TLS too */
	int deadline;	   /* seconds for the whole connection */
	/* the message */
	const char *id; /* the queue id, for the log */
	const char *sender;
	const char *via; /* a Delivered-To: field first, or NULL */
	int mess;	 /* the message file, read with pread */
	off_t size;
	int eightbit; /* the message has octets over 127 */
	struct smtptx_rcpt *rcpt;
	size_t n;
	/* Optional: called once the recipients' outcomes are final (after
	 * the reply to the data, or when none was accepted), before QUIT:
	 * a caller killed while QUIT waits still knows what was taken. */
	void (*settled)(void *arg, const struct smtptx *t);
	void *settled_arg;
};

#define SMTPTX_PLAIN_AGAIN (-2)

int smtptx_run(int fd, struct smtptx *t);
/* The outcome a reply code means: 2xx done, 5xx failed, else deferred. */
enum smtptx_outcome smtptx_outcome_of(int code);

#endif
