/* tlsio: libtls as a lib/buf transport; see tlsio.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <tls.h>

#include "tlsio.h"

/* A libtls result as read(2) and write(2) give theirs, for lib/buf. */
static ssize_t
tlsio_result(struct buf *b, ssize_t r)
{
	if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
		b->want = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		errno = EAGAIN;
		return -1;
	}
	if (r < 0)
		errno = EIO;
	return r;
}

static ssize_t
tlsio_read(void *ctx, void *p, size_t n)
{
	struct buf *b = ctx;

	return tlsio_result(b, tls_read(b->tls, p, n));
}

static ssize_t
tlsio_write(void *ctx, const void *p, size_t n)
{
	struct buf *b = ctx;

	return tlsio_result(b, tls_write(b->tls, p, n));
}

static const struct buf_ops tlsio_ops = { tlsio_read, tlsio_write };

int
tlsio_configured(const char *cert, const char *key)
{
	return cert[0] != '\0' && key[0] != '\0';
}

static int
tlsio_fail(char *err, size_t errlen, const char *what, const char *why)
{
	snprintf(err, errlen, "%s: %s", what, why ? why : "unknown error");
	return -1;
}

static int
tlsio_handshake(struct buf *b, struct tls *conn, char *err, size_t errlen)
{
	struct pollfd pfd;
	int r;

	while ((r = tls_handshake(conn)) != 0) {
		if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT)
			return tlsio_fail(
			    err, errlen, "handshake", tls_error(conn));
		pfd.fd = r == TLS_WANT_POLLIN ? b->rfd : b->wfd;
		pfd.events = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		if (poll(&pfd, 1, b->timeout_ms) != 1)
			return tlsio_fail(
			    err, errlen, "handshake", "timed out");
	}
	snprintf(b->tls_info, sizeof(b->tls_info), "%s %s",
	    tls_conn_version(conn), tls_conn_cipher(conn));
	buf_set_ops(b, &tlsio_ops, b);
	return 0;
}

int
tlsio_client(
    struct buf *b, const char *servername, int verify, char *err, size_t errlen)
{
	struct tls_config *cfg;
	struct tls *conn;

	buf_discard(b);
	if (tls_init() == -1 || (cfg = tls_config_new()) == NULL)
		return tlsio_fail(err, errlen, "tls", "cannot initialize");
	if (!verify) {
		/* opportunistic: encrypted beats plain, even unverified */
		tls_config_insecure_noverifycert(cfg);
		tls_config_insecure_noverifyname(cfg);
	}
	if ((conn = tls_client()) == NULL || tls_configure(conn, cfg) == -1 ||
	    tls_connect_fds(conn, b->rfd, b->wfd, servername) == -1) {
		tlsio_fail(err, errlen, "tls", conn ? tls_error(conn) : NULL);
		tls_free(conn);
		tls_config_free(cfg);
		return -1;
	}
	tls_config_free(cfg);
	b->tls = conn;
	return tlsio_handshake(b, conn, err, errlen);
}

int
tlsio_server(
    struct buf *b, const char *cert, const char *key, char *err, size_t errlen)
{
	struct tls_config *cfg;
	struct tls *srv, *conn = NULL;

	buf_discard(b);
	if (tls_init() == -1 || (cfg = tls_config_new()) == NULL)
		return tlsio_fail(err, errlen, "tls", "cannot initialize");
	if (tls_config_set_cert_file(cfg, cert) == -1 ||
	    tls_config_set_key_file(cfg, key) == -1) {
		tlsio_fail(
		    err, errlen, "certificate or key", tls_config_error(cfg));
		tls_config_free(cfg);
		return -1;
	}
	/* kept in b: it lives as long as the connection, to the exit */
	if ((srv = b->tls_server = tls_server()) == NULL ||
	    tls_configure(srv, cfg) == -1 ||
	    tls_accept_fds(srv, &conn, b->rfd, b->wfd) == -1) {
		tlsio_fail(err, errlen, "tls", srv ? tls_error(srv) : NULL);
		tls_config_free(cfg);
		return -1;
	}
	b->tls = conn;
	tls_config_free(cfg);
	return tlsio_handshake(b, conn, err, errlen);
}

void
tlsio_end(struct buf *b)
{
	if (b->tls != NULL) {
		tls_close(b->tls);
		tls_free(b->tls);
	}
	if (b->tls_server != NULL)
		tls_free(b->tls_server);
	b->tls = b->tls_server = NULL;
}

const char *
tlsio_info(const struct buf *b)
{
	return b->tls ? b->tls_info : "";
}
