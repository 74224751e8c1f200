/*
 * pop3login: pop3-in's login, once the client gave a name and password
 * (USER and PASS, or AUTH PLAIN): the password checked (lib/server: the
 * lockout first, then the hash), the account's own Maildir locked and
 * listed (lib/maildrop), the login recorded for POP-before-SMTP
 * (relay_after_pop_minutes), and the reply: "+OK NAME has N messages (M
 * octets)" or an -ERR with its RFC 3206 code. A failure waits
 * (auth_fail_delay) before its reply. Logged: "pop3 client=A login=U
 * result=bad-password|locked-out" for a refused login.
 */
#ifndef YUBIN_POP3LOGIN_H
#define YUBIN_POP3LOGIN_H

#include "maildrop.h"
#include "server.h"
#include "users.h"

enum pop3login_end {
	POP3LOGIN_IN,  /* +OK said: *acct logged in, *drop open and locked */
	POP3LOGIN_NOT, /* -ERR said; the session goes on */
	POP3LOGIN_END  /* -ERR said; the session ends as *why says */
};

struct pop3login_why {
	const char *result; /* for the session's log line */
	int temporary;	    /* exit 111: something here failed */
};

enum pop3login_end pop3login(const struct server_login_ctx *x, const char *user,
    char *pass, struct account *acct, struct maildrop *drop,
    struct pop3login_why *why);

#endif
