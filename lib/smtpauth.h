/*
 * smtpauth: smtp-in's AUTH command (RFC 4954) once the session may log
 * in: the SASL exchange (lib/sasl: PLAIN, LOGIN), the password checked
 * (lib/server: the lockout first, then the hash) and every reply, 235 to
 * 538, written to the session's buffer. A failure waits (auth_fail_delay)
 * before its reply; at max_login_failures in one session the client is
 * told 421 and the session is to end. What is logged: "smtp auth
 * client=A user=U result=ok|bad-password|locked-out|error".
 */
#ifndef YUBIN_SMTPAUTH_H
#define YUBIN_SMTPAUTH_H

#include "server.h"
#include "users.h"

enum smtpauth_end {
	SMTPAUTH_IN,	   /* logged in as *acct (235 said) */
	SMTPAUTH_NOT,	   /* not logged in; the session goes on */
	SMTPAUTH_TOO_MANY, /* the session must end (421 said if due) */
	SMTPAUTH_GONE	   /* the client left in the middle */
};

/* arg: "MECHANISM [initial-response]", changed in place. */
enum smtpauth_end smtpauth_command(
    const struct server_login_ctx *x, char *arg, struct account *acct);

#endif
