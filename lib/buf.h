/*
 * buf: buffered I/O on a connection (inetd's fds 0 and 1) with an idle
 * timeout on every read and write and an optional session deadline, on
 * poll(2). Pending output is flushed before every read that has to wait,
 * so a reply is never stuck behind a read (qmail's saferead rule).
 *
 * buf_getline returns BUF_LINE (1; a last line before EOF may lack its
 * LF), BUF_EOF (0), BUF_ERR (-1, errno set:
 * ETIMEDOUT on timeout) or BUF_LONG (2): the line did not fit, its start is
 * in the buffer and the rest up to LF was read and thrown away, so the
 * caller can answer "line too long" and stay in sync.
 * Writers return 0 or -1 (errno set); after an error every call fails.
 */
#ifndef YUBIN_BUF_H
#define YUBIN_BUF_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define BUF_SIZE 16384

enum { BUF_ERR = -1, BUF_EOF = 0, BUF_LINE = 1, BUF_LONG = 2 };

/* A transport under the buffers (plain fds, TLS). Returns as
 * read(2)/write(2); errno EAGAIN asks for another poll, in the direction
 * the transport put in buf->want (0: the natural one). */
struct buf_ops {
	ssize_t (*read)(void *ctx, void *p, size_t n);
	ssize_t (*write)(void *ctx, const void *p, size_t n);
};

struct buf {
	int rfd, wfd;
	int timeout_ms;
	struct timespec deadline; /* 0: none */
	const struct buf_ops *ops;
	void *ctx;
	short want; /* POLLIN or POLLOUT, set by a transport on EAGAIN */
	int failed;
	size_t rpos, rlen, wlen;
	unsigned char rbuf[BUF_SIZE];
	unsigned char wbuf[BUF_SIZE];
};

void buf_init(struct buf *b, int rfd, int wfd, int timeout_seconds);
/* The whole session ends this many seconds from now (0: no deadline). */
void buf_set_deadline(struct buf *b, int seconds);
void buf_set_ops(struct buf *b, const struct buf_ops *ops, void *ctx);
/* 1 while b reads and writes its fds directly (no transport on top). */
int buf_is_plain(const struct buf *b);

/* Reads one line including its LF into line (NUL-terminated), *len bytes. */
int buf_getline(struct buf *b, char *line, size_t size, size_t *len);
/*
 * buf_getline, with the whole line due within seconds (and never past a
 * session deadline already set): a peer that drips one octet at a time
 * never lets a read idle, but cannot hold a command line open for long.
 */
int buf_getline_within(
    struct buf *b, char *line, size_t size, size_t *len, int seconds);
/*
 * Like buf_getline, but a line that does not fit is not read to its end:
 * BUF_LONG comes as soon as size - 1 octets without LF are in (for peers
 * that might send an endless line; the connection is then given up).
 */
int buf_getline_bounded(struct buf *b, char *line, size_t size, size_t *len);
/*
 * Reads up to and including the next LF, or size - 1 bytes of a longer
 * line (BUF_LONG: the rest follows in the next calls; nothing is lost).
 * For message bodies, whose lines may be long.
 */
int buf_getchunk(struct buf *b, char *p, size_t size, size_t *len);
/* Bytes already received but not yet consumed. */
size_t buf_pending(const struct buf *b);
/* Throws away input already received (after STARTTLS, RFC 3207 4.2). */
void buf_discard(struct buf *b);

int buf_put(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_flush(struct buf *b);
/*
 * Before hanging up on a client that is still sending (pipelined
 * commands after a 421): ends our side, then reads and throws away what
 * comes for at most ms milliseconds or max octets, so the last reply is
 * not lost to a TCP reset. Does nothing under TLS or on a pipe.
 */
void buf_linger(struct buf *b, size_t max, int ms);

#endif
