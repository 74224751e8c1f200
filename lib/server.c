/* server: the servers' shared pieces; see server.h. */
#include "log.h"
#include "server.h"
#include "tlsio.h"

int
server_cleartext_ok(const struct conf *c, const struct peer *p)
{
	return !c->auth_requires_tls ||
	    (p->known && cidr_is_loopback(&p->addr));
}

int
server_start_tls(struct buf *io, const struct conf *c, const char *proto,
    const struct peer *p)
{
	char err[256];

	if (tlsio_server(io, c->tls_cert, c->tls_key, err, sizeof(err)) == -1) {
		log_warn("%s tls client=%s failed: %s", proto, p->text, err);
		return -1;
	}
	log_info("%s tls client=%s %s", proto, p->text, tlsio_info(io));
	return 0;
}
