/*
 * A client's connection for the unit tests of the modules that answer
 * one (lib/smtpauth, lib/pop3login): the module's buffer, conn_io, on
 * one end of a socketpair; the test, as the client, on the other.
 */
#ifndef YUBIN_TESTCONN_H
#define YUBIN_TESTCONN_H

#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"

static struct buf conn_io;
static int conn_client = -1;

static inline void
test_conn_open(void)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	buf_init(&conn_io, sv[0], sv[0], 5);
	conn_client = sv[1];
}

static inline void
test_conn_close(void)
{
	close(conn_io.rfd);
	close(conn_client);
}

/* What the client was told since the last call. */
static inline const char *
test_conn_told(void)
{
	static char text[4096];
	ssize_t n;

	buf_flush(&conn_io);
	n = recv(conn_client, text, sizeof(text) - 1, MSG_DONTWAIT);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

#endif
