/* pop3login: pop3-in's login; see pop3login.h. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "log.h"
#include "popbsmtp.h"
#include "pop3login.h"
#include "server.h"

static enum pop3login_end
ends(struct pop3login_why *why, const char *result, int temporary)
{
	why->result = result;
	why->temporary = temporary;
	return POP3LOGIN_END;
}

static enum pop3login_end
refused(const struct server_login_ctx *x, const char *user, enum server_login r,
    struct pop3login_why *why)
{
	/* a locked-out client is refused before the password costs us a
	 * yescrypt, and waits like any other failure */
	int last = server_login_refused(x);

	log_info("pop3 client=%s login=\"%s\" result=%s", x->peer->text, user,
	    r == SERVER_LOGIN_LOCKED ? "locked-out" : "bad-password");
	if (r == SERVER_LOGIN_LOCKED)
		buf_puts(x->io,
		    "-ERR [SYS/TEMP] too many failed logins from "
		    "your address, try again later\r\n");
	else
		buf_puts(
		    x->io, "-ERR [AUTH] invalid user name or password\r\n");
	if (last)
		return ends(why, "too-many-failures", 0);
	return POP3LOGIN_NOT;
}

/* The account's own Maildir, locked and listed. */
static enum pop3login_end
mailbox(const struct server_login_ctx *x, const struct account *acct,
    struct maildrop *drop, struct pop3login_why *why)
{
	char dir[PATH_MAX];
	int e = -1;

	if (!users_has_own_maildir(acct)) {
		buf_printf(x->io,
		    "-ERR [SYS/PERM] %s has no mailbox here: its mail is "
		    "forwarded\r\n",
		    acct->key);
		return ends(why, "no-mailbox", 0);
	}
	if (users_maildir(x->conf->spool, acct, dir, sizeof(dir)) == 0 &&
	    (e = maildrop_open(drop, dir)) == 0)
		return POP3LOGIN_IN;
	if (e == 1) {
		buf_puts(x->io,
		    "-ERR [IN-USE] mailbox is in use by another session\r\n");
		return ends(why, "in-use", 0);
	}
	log_error("maildir %s: %s", dir, strerror(errno));
	buf_puts(x->io,
	    "-ERR [SYS/TEMP] cannot open the mailbox, try again later\r\n");
	return ends(why, "maildir-error", 1);
}

static void
record_pop_login(const struct server_login_ctx *x, const struct account *acct)
{
	if (x->conf->relay_after_pop_minutes == 0 || !x->peer->known)
		return;
	if (popbsmtp_record(x->conf->spool, &x->peer->addr, acct->key) == -1)
		log_warn("cannot write the POP-before-SMTP record for %s in "
			 "%s/popbsmtp: %s",
		    x->peer->text, x->conf->spool, strerror(errno));
}

enum pop3login_end
pop3login(const struct server_login_ctx *x, const char *user, char *pass,
    struct account *acct, struct maildrop *drop, struct pop3login_why *why)
{
	enum server_login r =
	    server_login(x->conf, "pop3", x->peer, x->users, user, pass, acct);
	enum pop3login_end end;
	size_t count;
	off_t octets;

	if (r == SERVER_LOGIN_ERROR) {
		buf_puts(x->io,
		    "-ERR [SYS/TEMP] temporary failure, try again later\r\n");
		return ends(why, "db-error", 1);
	}
	if (r != SERVER_LOGIN_OK) {
		acct->key[0] = '\0';
		return refused(x, user, r, why);
	}
	if ((end = mailbox(x, acct, drop, why)) != POP3LOGIN_IN)
		return end;
	record_pop_login(x, acct);
	octets = maildrop_octets(drop, &count);
	buf_printf(x->io, "+OK %s has %zu messages (%lld octets)\r\n",
	    acct->key, count, (long long)octets);
	return POP3LOGIN_IN;
}
