/*
 * tlsio: TLS (libtls) under lib/buf, so protocol code does not care
 * whether the connection is encrypted. The prefix is tlsio_ because
 * libtls owns tls_. Functions return 0 or -1 (message in err).
 */
#ifndef YUBIN_TLSIO_H
#define YUBIN_TLSIO_H

#include <stddef.h>

#include "buf.h"

/* 1 if a certificate and key are configured (both settings non-empty). */
int tlsio_configured(const char *cert, const char *key);
/*
 * Server side: handshake on the buffer's fds within its timeout, then
 * every read and write of b goes through TLS. Input already buffered is
 * thrown away first (RFC 3207 4.2: nothing sent before counts).
 */
int tlsio_server(
    struct buf *b, const char *cert, const char *key, char *err, size_t errlen);
/*
 * Client side (remote-send after STARTTLS): verify says whether the
 * server's certificate and name must check out against the system's CA
 * store. Buffered input is thrown away first, as for the server.
 */
int tlsio_client(struct buf *b, const char *servername, int verify, char *err,
    size_t errlen);
/* Ends TLS on b and frees it (for programs that open many connections). */
void tlsio_end(struct buf *b);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" for Received: and logs; "" if none. */
const char *tlsio_info(const struct buf *b);
/* 1 if b is encrypted now. */
int tlsio_active(const struct buf *b);

#endif
