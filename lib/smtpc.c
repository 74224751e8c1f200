/* smtpc: SMTP client replies and dialing; see smtpc.h. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpc.h"

int
smtpc_parse_line(const char *line, size_t len, int *code, int *more)
{
	if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' ||
	    line[1] > '5' || line[2] < '0' || line[2] > '9')
		return -1;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return -1;
	if (memchr(line, '\0', len) != NULL)
		return -1;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	*more = len > 3 && line[3] == '-';
	return 0;
}

/* Appends a line to the kept text, cut where it is full. */
static void
smtpc_keep(struct smtpc_reply *r, const char *line, size_t len)
{
	size_t used = strlen(r->text), room = sizeof(r->text) - used;

	if (used > 0 && room > 1) {
		r->text[used++] = '\n';
		room--;
	}
	if (len >= room)
		len = room - 1;
	memcpy(r->text + used, line, len);
	r->text[used + len] = '\0';
}

/* No reply: the text says why, for the log and a bounce. */
static int
smtpc_fail(struct smtpc_reply *r, int err)
{
	r->code = -1;
	snprintf(r->text, sizeof(r->text), "%s",
	    err == EPROTO ? "protocol error: a malformed or endless reply"
		: err == ETIMEDOUT ? "timeout waiting for a reply"
				   : "connection lost");
	errno = err;
	return -1;
}

int
smtpc_read(struct buf *b, struct smtpc_reply *r, int timeout)
{
	char line[SMTPC_LINE_MAX + 1];
	size_t len;
	int rc, lines, code, more;

	r->code = -1;
	r->text[0] = '\0';
	b->timeout_ms = timeout * 1000;
	for (lines = 0; lines < SMTPC_LINES_MAX; lines++) {
		/* an endless line is refused at once, not read to its end */
		rc = buf_getline_bounded(b, line, sizeof(line), &len);
		if (rc == BUF_EOF)
			errno = ECONNRESET;
		if (rc == BUF_EOF || rc == BUF_ERR)
			return smtpc_fail(r, errno);
		if (rc == BUF_LONG)
			return smtpc_fail(r, EPROTO);
		if (len > 0 && line[len - 1] == '\n')
			len--; /* a last line before EOF may lack it */
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (smtpc_parse_line(line, len, &code, &more) == -1 ||
		    (lines > 0 && code != r->code))
			return smtpc_fail(r, EPROTO);
		r->code = code;
		smtpc_keep(r, line, len);
		if (!more)
			return code;
	}
	return smtpc_fail(r, EPROTO);
}

int
smtpc_command(struct buf *b, struct smtpc_reply *r, int timeout,
    const char *fmt, const char *arg)
{
	buf_printf(b, fmt, arg);
	return smtpc_read(b, r, timeout);
}

int
smtpc_hostport(const char *hp, char *host, size_t size, int *port)
{
	const char *colon, *errstr = NULL;
	size_t n;
	long long p;

	if (hp[0] == '[') {
		n = strcspn(hp + 1, "]");
		if (hp[1 + n] != ']')
			return -1;
		colon = hp + 2 + n;
		hp++;
	} else {
		n = strcspn(hp, ":");
		colon = hp + n;
	}
	if (n == 0 || n >= size || (*colon != '\0' && *colon != ':'))
		return -1;
	memcpy(host, hp, n);
	host[n] = '\0';
	if (*colon == ':') {
		p = strtonum(colon + 1, 1, 65535, &errstr);
		if (errstr != NULL)
			return -1;
		*port = (int)p;
	}
	return 0;
}

int
smtpc_dial(const struct sockaddr_storage *ss, int port)
{
	return smtpc_dial_from(ss, port, NULL, SMTPC_CONNECT_TIMEOUT);
}

static socklen_t
sockaddr_len(const struct sockaddr_storage *sa)
{
	return sa->ss_family == AF_INET ? sizeof(struct sockaddr_in)
					: sizeof(struct sockaddr_in6);
}

int
smtpc_dial_from(const struct sockaddr_storage *ss, int port,
    const struct sockaddr_storage *from, int timeout)
{
	struct sockaddr_storage sa = *ss;
	struct pollfd pfd;
	int fd, err = 0, saved;

	if (sa.ss_family == AF_INET)
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)port);
	fd =
	    socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if ((from != NULL &&
		bind(fd, (const struct sockaddr *)from, sockaddr_len(from)) ==
		    -1) ||
	    (connect(fd, (struct sockaddr *)&sa, sockaddr_len(&sa)) == -1 &&
		errno != EINPROGRESS)) {
		saved = errno;
		close(fd);
		return errno = saved, -1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, timeout * 1000) != 1)
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
		     &(socklen_t) { sizeof(err) }) == -1)
		err = errno;
	if (err != 0) {
		close(fd);
		return errno = err, -1;
	}
	return fd;
}
