/*
 * server: what smtp-in and pop3-in do alike around their command loops:
 * whether clear-text passwords are taken on this connection, and turning
 * TLS on (STARTTLS, STLS, or -s from the first byte) with one log line
 * either way ("PROTO tls client=ADDR ..."). server_start_tls returns 0,
 * or -1 when the handshake failed: the connection's state is unknown
 * then and the caller ends the session without a reply.
 * Logins from one client address are limited across connections
 * (lib/lockout): server_login_locked says 1 when the client is locked
 * out, before any password is checked, and logs it; server_login_done
 * records the result of a login that was checked: a failure counts (the
 * one that locks the address out is logged as "PROTO lockout client=A
 * failures=N seconds=S", a line for fail2ban), a success forgets them.
 * server_conf_load reads yubin.conf and opens the program's log: 0, or -1
 * after logging "fatal: FILE:LINE: ..." (the program then answers with a
 * temporary failure). server_close sends what is still buffered and, for
 * a client told to go, reads what it still sends for up to 2 s, so the
 * last reply is not lost to a TCP reset; the program then exits.
 */
#ifndef YUBIN_SERVER_H
#define YUBIN_SERVER_H

#include "buf.h"
#include "conf.h"
#include "peer.h"

/*
 * 1 when a password may come in clear text: auth_requires_tls is off, the
 * client is on loopback, or cleartext_login_from_relay is on and the
 * client is in the relay list (the LAN).
 */
int server_cleartext_ok(const struct conf *c, const struct peer *p);
int server_start_tls(struct buf *io, const struct conf *c, const char *proto,
    const struct peer *p);
int server_login_locked(
    const struct conf *c, const char *proto, const struct peer *p);
void server_login_done(
    const struct conf *c, const char *proto, const struct peer *p, int ok);

int server_conf_load(struct conf *c, const char *dir, const char *prog);
void server_close(struct buf *io, int told_to_go);

#endif
