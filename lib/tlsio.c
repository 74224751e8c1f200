/* tlsio: libtls as a lib/buf transport; see tlsio.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>

#include "tlsio.h"

/* What a TLS connection keeps, as the context of its buf_ops. */
struct tlsio {
	struct buf *b;
	struct tls *conn;
	struct tls *server; /* the server context it came from, or NULL */
	char info[128];
};

static const struct buf_ops tlsio_ops;

static struct tlsio *
tlsio_of(const struct buf *b)
{
	return b->ops == &tlsio_ops ? b->ctx : NULL;
}

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
	struct tlsio *t = ctx;

	return tlsio_result(t->b, tls_read(t->conn, p, n));
}

static ssize_t
tlsio_write(void *ctx, const void *p, size_t n)
{
	struct tlsio *t = ctx;

	return tlsio_result(t->b, tls_write(t->conn, p, n));
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

/* Handshakes, then puts t under b; t is freed when it fails. */
static int
tlsio_handshake(struct buf *b, struct tlsio *t, char *err, size_t errlen)
{
	struct tls *conn = t->conn;
	struct pollfd pfd;
	int r;

	while ((r = tls_handshake(conn)) != 0) {
		if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT) {
			tlsio_fail(err, errlen, "handshake", tls_error(conn));
			break;
		}
		pfd.fd = r == TLS_WANT_POLLIN ? b->rfd : b->wfd;
		pfd.events = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		if (poll(&pfd, 1, b->timeout_ms) != 1) {
			tlsio_fail(err, errlen, "handshake", "timed out");
			break;
		}
	}
	if (r != 0) {
		tls_free(t->conn);
		tls_free(t->server);
		free(t);
		return -1;
	}
	snprintf(t->info, sizeof(t->info), "%s %s", tls_conn_version(conn),
	    tls_conn_cipher(conn));
	t->b = b;
	buf_set_ops(b, &tlsio_ops, t);
	return 0;
}

int
tlsio_client(
    struct buf *b, const char *servername, int verify, char *err, size_t errlen)
{
	struct tls_config *cfg;
	struct tls *conn;
	struct tlsio *t;

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
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		tls_free(conn);
		return tlsio_fail(err, errlen, "tls", "out of memory");
	}
	t->conn = conn;
	return tlsio_handshake(b, t, err, errlen);
}

int
tlsio_server(
    struct buf *b, const char *cert, const char *key, char *err, size_t errlen)
{
	struct tls_config *cfg;
	struct tls *srv, *conn = NULL;
	struct tlsio *t;

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
	if ((srv = tls_server()) == NULL || tls_configure(srv, cfg) == -1 ||
	    tls_accept_fds(srv, &conn, b->rfd, b->wfd) == -1 ||
	    (t = calloc(1, sizeof(*t))) == NULL) {
		tlsio_fail(err, errlen, "tls", srv ? tls_error(srv) : NULL);
		tls_free(conn);
		tls_free(srv);
		tls_config_free(cfg);
		return -1;
	}
	tls_config_free(cfg);
	/* the server context lives as long as the connection */
	t->conn = conn;
	t->server = srv;
	return tlsio_handshake(b, t, err, errlen);
}

void
tlsio_end(struct buf *b)
{
	struct tlsio *t = tlsio_of(b);

	if (t == NULL)
		return;
	tls_close(t->conn);
	tls_free(t->conn);
	tls_free(t->server);
	free(t);
	buf_set_ops(b, NULL, NULL); /* nothing more goes over b */
	b->failed = 1;
}

const char *
tlsio_info(const struct buf *b)
{
	struct tlsio *t = tlsio_of(b);

	return t ? t->info : "";
}

int
tlsio_active(const struct buf *b)
{
	return tlsio_of(b) != NULL;
}
