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
 * server_login checks a password for a login name: a client that is
 * locked out is refused before any hash is computed; else the account's
 * hash decides, and the result is counted for the lockout. The password
 * is scrubbed on every path. It returns an enum server_login (acct is
 * filled for SERVER_LOGIN_OK); the program logs and answers.
 * server_conf_load reads yubin.conf into c, which is still all zero (a
 * server's static conf, loaded once), and opens the program's log: 0, or -1
 * after logging "fatal: FILE:LINE: ..." (the program then answers with a
 * temporary failure). server_close sends what is still buffered and, for
 * a client told to go, reads what it still sends for up to 2 s, so the
 * last reply is not lost to a TCP reset; the program then exits.
 */
#ifndef YUBIN_SERVER_H
#define YUBIN_SERVER_H

#include "buf.h"
#include "conf.h"
#include "db.h"
#include "peer.h"
#include "users.h"

/*
 * 1 when a password may come in clear text: auth_requires_tls is off, the
 * client is on loopback, or cleartext_login_from_relay is on and the
 * client is in the relay list (the LAN).
 */
int server_cleartext_ok(const struct conf *c, const struct peer *p);
/*
 * 1 when the client may relay by where it is: relay.cdb lists its
 * address, or it logged in over POP3 within relay_after_pop_minutes
 * (POP-before-SMTP); 0 if not, and when that cannot be told (logged).
 */
int server_relay_client(
    const struct conf *c, struct db *relay, const struct peer *p);
int server_start_tls(struct buf *io, const struct conf *c, const char *proto,
    const struct peer *p);
int server_login_locked(
    const struct conf *c, const char *proto, const struct peer *p);
void server_login_done(
    const struct conf *c, const char *proto, const struct peer *p, int ok);

enum server_login {
	SERVER_LOGIN_OK,
	SERVER_LOGIN_BAD,    /* no such login, locked account, bad password */
	SERVER_LOGIN_LOCKED, /* the client's address is locked out */
	SERVER_LOGIN_ERROR   /* the database could not be read */
};
enum server_login server_login(const struct conf *c, const char *proto,
    const struct peer *p, struct db *users, const char *user, char *pass,
    struct account *acct);

/* What a login needs of its session (lib/smtpauth, lib/pop3login). */
struct server_login_ctx {
	struct buf *io;
	const struct conf *conf;
	const struct peer *peer;
	struct db *users;
	int *failures; /* the session's failed logins */
};
/* A refused login: the client waits (auth_fail_delay) and it counts; 1
 * when it was the last the session allows (max_login_failures). */
int server_login_refused(const struct server_login_ctx *x);
int server_conf_load(struct conf *c, const char *dir, const char *prog);
void server_close(struct buf *io, int told_to_go);

#endif
