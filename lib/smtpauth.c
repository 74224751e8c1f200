/* smtpauth: smtp-in's AUTH command; see smtpauth.h. */
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "log.h"
#include "sasl.h"
#include "server.h"
#include "smtpauth.h"

static const char *
login_result(enum server_login r)
{
	return r == SERVER_LOGIN_OK    ? "ok"
	    : r == SERVER_LOGIN_LOCKED ? "locked-out"
	    : r == SERVER_LOGIN_ERROR  ? "error"
				       : "bad-password";
}

/* A login refused: after the wait, why, and whether that was the last. */
static enum smtpauth_end
login_refused(const struct server_login_ctx *x, enum server_login r)
{
	/* a locked-out client is refused before the password costs us a
	 * yescrypt, and waits like any other failure */
	int last = server_login_refused(x);

	if (r == SERVER_LOGIN_LOCKED)
		buf_puts(x->io,
		    "454 4.7.0 Too many failed logins from your "
		    "address, try again later\r\n");
	else if (r == SERVER_LOGIN_ERROR)
		buf_puts(
		    x->io, "454 4.7.0 Temporary authentication failure\r\n");
	else
		buf_puts(
		    x->io, "535 5.7.8 Authentication credentials invalid\r\n");
	if (r == SERVER_LOGIN_ERROR || !last)
		return SMTPAUTH_NOT;
	if (r == SERVER_LOGIN_BAD)
		buf_printf(x->io,
		    "421 4.7.0 %s too many failed authentications\r\n",
		    x->conf->hostname);
	return SMTPAUTH_TOO_MANY;
}

static enum smtpauth_end
login_check(const struct server_login_ctx *x, const char *user, char *pass,
    struct account *acct)
{
	enum server_login r =
	    server_login(x->conf, "smtp", x->peer, x->users, user, pass, acct);

	if (r == SERVER_LOGIN_OK) {
		log_info("smtp auth client=%s user=%s result=ok", x->peer->text,
		    acct->key);
		buf_puts(x->io, "235 2.7.0 Authentication successful\r\n");
		return SMTPAUTH_IN;
	}
	log_info("smtp auth client=%s user=\"%s\" result=%s", x->peer->text,
	    user, login_result(r));
	return login_refused(x, r);
}

enum smtpauth_end
smtpauth_command(
    const struct server_login_ctx *x, char *arg, struct account *acct)
{
	char *resp = arg + strcspn(arg, " ");
	char user[ADDR_MAX], pass[AUTH_PASSWORD_MAX];
	struct sasl_server s = { x->io, x->conf->timeout, "334 ", 1 };
	enum smtpauth_end end = SMTPAUTH_NOT;
	enum sasl_result r;

	if (*resp == ' ')
		*resp++ = '\0';
	r = sasl_server_exchange(
	    &s, arg, resp, user, sizeof(user), pass, sizeof(pass));
	if (r == SASL_OK)
		end = login_check(x, user, pass, acct);
	else if (r == SASL_GONE)
		end = SMTPAUTH_GONE;
	else if (r == SASL_UNKNOWN)
		buf_puts(
		    x->io, "504 5.5.4 Unrecognized authentication type\r\n");
	else if (r == SASL_LONG) /* RFC 4954 4 */
		buf_puts(x->io,
		    "500 5.5.6 Authentication Exchange line is too "
		    "long\r\n");
	else if (r == SASL_MALFORMED)
		buf_printf(x->io, "501 5.5.2 Malformed %s response\r\n",
		    strcasecmp(arg, "PLAIN") == 0 ? "PLAIN" : "LOGIN");
	else
		buf_puts(x->io, "501 5.0.0 Authentication cancelled\r\n");
	explicit_bzero(pass, sizeof(pass));
	return end;
}
