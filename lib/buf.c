/* buf: poll(2)-based buffered connection I/O; see buf.h for conventions. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"

static ssize_t
buf_fd_read(void *ctx, void *p, size_t n)
{
	return read(((struct buf *)ctx)->rfd, p, n);
}

static ssize_t
buf_fd_write(void *ctx, const void *p, size_t n)
{
	return write(((struct buf *)ctx)->wfd, p, n);
}

static const struct buf_ops buf_fd_ops = { buf_fd_read, buf_fd_write };

void
buf_init(struct buf *b, int rfd, int wfd, int timeout_seconds)
{
	b->rfd = rfd;
	b->wfd = wfd;
	b->timeout_ms = timeout_seconds * 1000;
	b->deadline.tv_sec = 0;
	b->deadline.tv_nsec = 0;
	b->ops = &buf_fd_ops;
	b->ctx = b;
	b->want = 0;
	b->failed = 0;
	b->rpos = b->rlen = b->wlen = 0;
	/* Non-blocking, so that every wait goes through poll() and its
	 * timeout: a client that stops reading cannot hold a write. */
	fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
	if (wfd != rfd)
		fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
}

void
buf_set_deadline(struct buf *b, int seconds)
{
	b->deadline.tv_sec = 0;
	b->deadline.tv_nsec = 0;
	if (seconds > 0) {
		clock_gettime(CLOCK_MONOTONIC, &b->deadline);
		b->deadline.tv_sec += seconds;
	}
}

void
buf_set_ops(struct buf *b, const struct buf_ops *ops, void *ctx)
{
	b->ops = ops;
	b->ctx = ctx;
}

int
buf_is_plain(const struct buf *b)
{
	return b->ops == &buf_fd_ops;
}

/* Milliseconds this wait may take: the idle timeout, cut by the deadline. */
static int
buf_wait_ms(const struct buf *b)
{
	struct timespec now;
	long long left;

	if (b->deadline.tv_sec == 0)
		return b->timeout_ms;
	clock_gettime(CLOCK_MONOTONIC, &now);
	left = (b->deadline.tv_sec - now.tv_sec) * 1000LL +
	    (b->deadline.tv_nsec - now.tv_nsec) / 1000000;
	if (left < 0)
		left = 0;
	return left < b->timeout_ms ? (int)left : b->timeout_ms;
}

static int
buf_poll(struct buf *b, int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&pfd, 1, buf_wait_ms(b));
	while (r == -1 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? 0 : -1;
}

int
buf_flush(struct buf *b)
{
	size_t off = 0;
	ssize_t w;

	if (b->failed)
		return -1;
	while (off < b->wlen) {
		w = b->ops->write(b->ctx, b->wbuf + off, b->wlen - off);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && (errno == EINTR))
			continue;
		if (w == -1 && errno == EAGAIN &&
		    buf_poll(b, b->wfd, b->want ? b->want : POLLOUT) == 0) {
			b->want = 0;
			continue;
		}
		b->failed = 1;
		return -1;
	}
	b->wlen = 0;
	return 0;
}

int
buf_put(struct buf *b, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n > 0) {
		size_t room = sizeof(b->wbuf) - b->wlen;

		if (room == 0) {
			if (buf_flush(b) == -1)
				return -1;
			continue;
		}
		if (room > n)
			room = n;
		memcpy(b->wbuf + b->wlen, s, room);
		b->wlen += room;
		s += room;
		n -= room;
	}
	return b->failed ? -1 : 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	return buf_put(b, tmp, (size_t)n);
}

static int
buf_fill_failed(struct buf *b)
{
	/* A timeout leaves the connection usable for a last reply. */
	if (errno != ETIMEDOUT)
		b->failed = 1;
	return -1;
}

/* Refills the read buffer; 1 data, 0 EOF, -1 error or timeout. */
static int
buf_fill(struct buf *b)
{
	ssize_t r;

	int answered = b->wlen > 0;

	if (b->failed)
		return -1;
	if (answered && buf_flush(b) == -1)
		return -1;
	b->rpos = b->rlen = 0;
	/* After a reply the peer has rarely answered yet: wait first rather
	 * than read, fail with EAGAIN and then wait (one system call less
	 * per command). A transport decides its own waits. */
	if (answered && buf_is_plain(b) && buf_poll(b, b->rfd, POLLIN) == -1)
		return buf_fill_failed(b);
	for (;;) {
		r = b->ops->read(b->ctx, b->rbuf, sizeof(b->rbuf));
		if (r > 0) {
			b->rlen = (size_t)r;
			return 1;
		}
		if (r == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN &&
		    buf_poll(b, b->rfd, b->want ? b->want : POLLIN) == 0) {
			b->want = 0;
			continue;
		}
		return buf_fill_failed(b);
	}
}

/* buf_getline and buf_getline_bounded; discard: read a long line's rest */
static int
buf_readline(struct buf *b, char *line, size_t size, size_t *len, int discard)
{
	size_t n = 0;
	int toolong = 0, r;

	for (;;) {
		unsigned char *start, *nl;
		size_t avail, take;

		if (b->rpos == b->rlen) {
			if ((r = buf_fill(b)) < 0)
				return BUF_ERR;
			if (r == 0 && n > 0)
				break; /* a last line without LF */
			if (r == 0) {
				*len = 0;
				line[0] = '\0';
				return BUF_EOF;
			}
		}
		start = b->rbuf + b->rpos;
		avail = b->rlen - b->rpos;
		nl = memchr(start, '\n', avail);
		take = nl ? (size_t)(nl - start) + 1 : avail;
		if (n + take > size - 1) {
			toolong = 1;
			if (!discard) {
				take = size - 1 - n;
				nl = NULL;
			}
			memcpy(line + n, start, size - 1 - n);
			n = size - 1;
		} else {
			memcpy(line + n, start, take);
			n += take;
		}
		b->rpos += take;
		if (nl != NULL || (toolong && !discard))
			break;
	}
	line[n] = '\0';
	*len = n;
	return toolong ? BUF_LONG : BUF_LINE;
}

int
buf_getline(struct buf *b, char *line, size_t size, size_t *len)
{
	return buf_readline(b, line, size, len, 1);
}

int
buf_getline_within(
    struct buf *b, char *line, size_t size, size_t *len, int seconds)
{
	struct timespec session = b->deadline;
	int r;

	buf_set_deadline(b, seconds);
	if (session.tv_sec != 0 &&
	    (session.tv_sec < b->deadline.tv_sec ||
		(session.tv_sec == b->deadline.tv_sec &&
		    session.tv_nsec < b->deadline.tv_nsec)))
		b->deadline = session;
	r = buf_readline(b, line, size, len, 1);
	b->deadline = session;
	return r;
}

int
buf_getline_bounded(struct buf *b, char *line, size_t size, size_t *len)
{
	return buf_readline(b, line, size, len, 0);
}

int
buf_getchunk(struct buf *b, char *p, size_t size, size_t *len)
{
	unsigned char *start, *nl;
	size_t avail, take;
	int r;

	if (b->rpos == b->rlen) {
		if ((r = buf_fill(b)) <= 0) {
			*len = 0;
			return r == 0 ? BUF_EOF : BUF_ERR;
		}
	}
	start = b->rbuf + b->rpos;
	avail = b->rlen - b->rpos;
	nl = memchr(start, '\n', avail);
	take = nl ? (size_t)(nl - start) + 1 : avail;
	if (take > size - 1)
		take = size - 1;
	memcpy(p, start, take);
	p[take] = '\0';
	b->rpos += take;
	*len = take;
	return take > 0 && p[take - 1] == '\n' ? BUF_LINE : BUF_LONG;
}

size_t
buf_pending(const struct buf *b)
{
	return b->rlen - b->rpos;
}

void
buf_discard(struct buf *b)
{
	b->rpos = b->rlen = 0;
}

void
buf_linger(struct buf *b, size_t max, int ms)
{
	struct timespec end, now;
	unsigned char junk[4096];
	struct pollfd pfd = { .fd = b->rfd, .events = POLLIN };
	size_t total = 0;
	ssize_t r;
	long left;

	if (!buf_is_plain(b) || shutdown(b->wfd, SHUT_WR) == -1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000L;
	while (total < max) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (end.tv_sec - now.tv_sec) * 1000 +
		    (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return;
		if ((r = read(b->rfd, junk, sizeof(junk))) <= 0)
			return;
		total += (size_t)r;
	}
}
