/* server: the servers' shared pieces; see server.h. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "db.h"
#include "lockout.h"
#include "log.h"
#include "peer.h"
#include "popbsmtp.h"
#include "relay.h"
#include "server.h"
#include "tlsio.h"

int
server_cleartext_ok(const struct conf *c, const struct peer *p)
{
	char path[PATH_MAX];
	struct db relay;
	int r = 0;

	if (!c->auth_requires_tls || (p->known && cidr_is_loopback(&p->addr)))
		return 1;
	if (!c->cleartext_login_from_relay || !p->known)
		return 0;
	/* the relay list only: POP-before-SMTP follows a login */
	if (conf_path(c, "relay.cdb", path, sizeof(path)) == 0 &&
	    db_open(&relay, path) == 0) {
		r = relay_allowed(&relay, &p->addr) == 1;
		db_close(&relay);
	}
	return r;
}

int
server_relay_client(
    const struct conf *c, struct db *relay, const struct peer *p)
{
	int r = relay_allowed(relay, &p->addr);

	if (r == 0)
		r = popbsmtp_recent(
		    c->spool, &p->addr, c->relay_after_pop_minutes);
	if (r == -1)
		log_warn("relay lookup for %s failed", p->text);
	return r == 1;
}

int
server_start_tls(struct buf *io, const struct conf *c, const char *proto,
    const struct peer *p)
{
	char err[256];

	peer_nodelay(); /* TLS writes records back to back */
	if (tlsio_server(io, c->tls_cert, c->tls_key, err, sizeof(err)) == -1) {
		log_warn("%s tls client=%s failed: %s", proto, p->text, err);
		return -1;
	}
	log_info("%s tls client=%s %s", proto, p->text, tlsio_info(io));
	return 0;
}

int
server_login_locked(
    const struct conf *c, const char *proto, const struct peer *p)
{
	int r;

	if (!p->known || c->lockout_failures == 0)
		return 0;
	r = lockout_check(c->spool, &p->addr, c->lockout_failures,
	    (long)c->lockout_time, time(NULL));
	if (r == -1) /* let it go on: no disk must lock everyone out */
		log_warn("%s lockout client=%s: cannot read its record in "
			 "%s/lockout: %s",
		    proto, p->text, c->spool, strerror(errno));
	return r == 1;
}

void
server_login_done(
    const struct conf *c, const char *proto, const struct peer *p, int ok)
{
	int n;

	if (!p->known || c->lockout_failures == 0)
		return;
	if (ok) {
		lockout_clear(c->spool, &p->addr);
		return;
	}
	n = lockout_failed(
	    c->spool, &p->addr, (long)c->lockout_time, time(NULL));
	if (n == -1)
		log_warn("%s lockout client=%s: cannot write its record in "
			 "%s/lockout: %s",
		    proto, p->text, c->spool, strerror(errno));
	else if (n == c->lockout_failures)
		log_warn("%s lockout client=%s failures=%d seconds=%lld", proto,
		    p->text, n, c->lockout_time);
}

enum server_login
server_login(const struct conf *c, const char *proto, const struct peer *p,
    struct db *users, const char *user, char *pass, struct account *acct)
{
	int r;

	if (server_login_locked(c, proto, p)) {
		explicit_bzero(pass, strlen(pass));
		return SERVER_LOGIN_LOCKED;
	}
	if ((r = users_find_login(users, user, acct)) == 1)
		r = auth_check(acct->secret, pass);
	explicit_bzero(pass, strlen(pass));
	if (r == -1)
		return SERVER_LOGIN_ERROR;
	server_login_done(c, proto, p, r == 1);
	return r == 1 ? SERVER_LOGIN_OK : SERVER_LOGIN_BAD;
}

int
server_conf_load(struct conf *c, const char *dir, const char *prog)
{
	char err[CONF_ERR_MAX];

	if (conf_load_zeroed(c, dir, err, sizeof(err)) == -1) {
		log_open(prog, NULL);
		log_error("fatal: %s", err);
		return -1;
	}
	log_open(prog, c->log);
	return 0;
}

void
server_close(struct buf *io, int told_to_go)
{
	buf_flush(io);
	if (told_to_go)
		buf_linger(io, 1 << 20, 2000);
}

int
server_login_refused(const struct server_login_ctx *x)
{
	auth_fail_delay(++*x->failures);
	return *x->failures >= x->conf->max_login_failures;
}
