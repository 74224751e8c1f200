/*
 * smtpc: the client side of SMTP, as remote-send speaks it: dialing with a
 * timeout, and reading replies strictly and within bounds. A reply line is
 * three digits (2xx to 5xx, RFC 5321 4.2), then "-" (more lines follow),
 * " " or the end; every line of a reply carries the same code. A reply has
 * at most SMTPC_LINES_MAX lines of at most SMTPC_LINE_MAX octets; anything
 * else is a protocol error, so a hostile server cannot hold us with an
 * endless reply. Each read waits at most the timeout the caller gives for
 * that command (RFC 5321 4.5.3.2), and never past the connection's
 * deadline (buf_set_deadline).
 * Functions return the reply code, or -1 (errno set; EPROTO: a reply that
 * breaks these rules).
 */
#ifndef YUBIN_SMTPC_H
#define YUBIN_SMTPC_H

#include <stddef.h>
#include <sys/socket.h>

#include "buf.h"

#define SMTPC_LINE_MAX 1024 /* one reply line (RFC: 512), CRLF included */
#define SMTPC_LINES_MAX 100 /* lines of one reply */
#define SMTPC_TEXT_MAX 2048 /* of a reply, what is kept */
#define SMTPC_CONNECT_TIMEOUT 30

/* RFC 5321 4.5.3.2, in seconds */
#define SMTPC_T_GREETING 300
#define SMTPC_T_MAIL 300
#define SMTPC_T_RCPT 300
#define SMTPC_T_DATA 120  /* the reply to DATA */
#define SMTPC_T_BLOCK 180 /* each write of the message */
#define SMTPC_T_DOT 600	  /* the reply after the final dot */
#define SMTPC_T_OTHER 300 /* EHLO, STARTTLS, AUTH, QUIT, ETRN */

struct smtpc_reply {
	int code;
	char text[SMTPC_TEXT_MAX]; /* every line, joined by LF */
};

/*
 * Parses one reply line (without CRLF): 0 with *code and *more set, or -1
 * when it is not one.
 */
int smtpc_parse_line(const char *line, size_t len, int *code, int *more);
/* Reads one whole reply, waiting at most timeout seconds for each line. */
int smtpc_read(struct buf *b, struct smtpc_reply *r, int timeout);
/* Sends a command (fmt with one %s, arg) and reads its reply. */
int smtpc_command(struct buf *b, struct smtpc_reply *r, int timeout,
    const char *fmt, const char *arg);
/*
 * Reads "host", "host:port", "[address]" or "[address]:port" (a route,
 * the smarthost, --etrn) into host; *port is left alone when none is
 * given. 0, or -1 when the port is not 1-65535 or host does not fit.
 */
int smtpc_hostport(const char *hp, char *host, size_t size, int *port);
/* Connects to addr:port within SMTPC_CONNECT_TIMEOUT; the fd, or -1. */
int smtpc_dial(const struct sockaddr_storage *addr, int port);
/* The same from a source address (NULL: any), within timeout seconds;
 * errno says why not (ECONNREFUSED, ETIMEDOUT, EADDRNOTAVAIL, ...). */
int smtpc_dial_from(const struct sockaddr_storage *addr, int port,
    const struct sockaddr_storage *from, int timeout);

#endif
