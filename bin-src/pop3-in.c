/*
 * pop3-in: POP3 (RFC 1939, RFC 2449, RFC 5034) access to an account's
 * Maildir, started by inetd once per connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "buf.h"
#include "cmdloop.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "maildrop.h"
#include "peer.h"
#include "pop3login.h"
#include "sasl.h"
#include "server.h"
#include "smtpdata.h"
#include "tlsio.h"
#include "users.h"

#define USAGE "usage: pop3-in [-s] [-C dir]\n"
#define POP3_LINE_MAX 255 /* RFC 2449 section 4: a command line */
#define POP3_BAD_MAX 20	  /* bad commands before we hang up */
#define EXIT_PERM 100
#define EXIT_TEMP 111

enum pop3_state { POP3_AUTHORIZATION = 1, POP3_TRANSACTION = 2 };

struct session {
	int state; /* enum pop3_state */
	struct peer peer;
	struct db users;
	int cleartext_ok;
	int tls;
	char user[POP3_LINE_MAX + 1];
	int failures, bad;
	struct account acct;
	struct maildrop drop; /* the account's Maildir, once logged in */
	size_t retrieved;
	unsigned long long sent;
};

static struct conf conf;
static struct buf io;

static void ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
reply(const char *status, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	buf_printf(&io, "%s%s%s\r\n", status, line[0] ? " " : "", line);
}

static void
ok(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply("+OK", fmt, ap);
	va_end(ap);
}

static void
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply("-ERR", fmt, ap);
	va_end(ap);
}

static void
finish(struct session *s, const char *result, int code)
{
	log_info("pop3 client=%s account=%s messages=%zu retrieved=%zu "
		 "deleted=%zu bytes=%llu result=%s",
	    s->peer.text, s->acct.key[0] ? s->acct.key : "-", s->drop.list.n,
	    s->retrieved, s->drop.ndeleted, s->sent, result);
	/* logged before the last reply leaves: once a client sees it,
	 * the log has the session */
	server_close(&io,
	    s->bad >= POP3_BAD_MAX ||
		(s->failures > 0 && s->failures >= conf.max_login_failures));
	exit(code);
}

/* ---- message access ---- */

/* Parses a message number; returns its index or -1 (reply sent). */
static long
message_arg(struct session *s, const char *arg)
{
	const char *errstr = NULL;
	long long n;

	if (arg == NULL || *arg == '\0') {
		fail("message number required");
		return -1;
	}
	n = strtonum(arg, 1, (long long)s->drop.list.n, &errstr);
	if (errstr != NULL) {
		fail("no such message");
		return -1;
	}
	if (s->drop.deleted[n - 1]) {
		fail("message %lld already deleted", n);
		return -1;
	}
	return (long)(n - 1);
}

/* ---- login (lib/pop3login) ---- */

static void
login(struct session *s, const char *user, char *pass)
{
	const struct server_login_ctx x = { &io, &conf, &s->peer, &s->users,
		&s->failures };
	struct pop3login_why why;
	enum pop3login_end end =
	    pop3login(&x, user, pass, &s->acct, &s->drop, &why);

	if (end == POP3LOGIN_IN)
		s->state = POP3_TRANSACTION;
	else if (end == POP3LOGIN_END)
		finish(s, why.result, why.temporary ? EXIT_TEMP : 0);
}

static int
cleartext_refused(struct session *s)
{
	if (s->cleartext_ok)
		return 0;
	fail("[AUTH] clear-text passwords are not accepted on this "
	     "unencrypted connection");
	return 1;
}

static void
cmd_user(struct session *s, char *arg)
{
	if (cleartext_refused(s))
		return;
	if (arg == NULL || *arg == '\0') {
		fail("user name required");
		return;
	}
	strlcpy(s->user, arg, sizeof(s->user));
	ok("send PASS");
}

static void
cmd_pass(struct session *s, char *arg)
{
	if (s->user[0] == '\0') {
		fail("USER first");
		return;
	}
	if (cleartext_refused(s))
		return;
	login(s, s->user, arg ? arg : (char *)"");
	s->user[0] = '\0';
}

static void
cmd_auth(struct session *s, char *arg)
{
	char user[POP3_LINE_MAX + 1], pass[AUTH_PASSWORD_MAX];
	struct sasl_server x = { &io, conf.timeout, "+ ", 0 };
	char *mech = arg, *resp;
	enum sasl_result r;

	if (arg == NULL || *arg == '\0') {
		ok("methods follow");
		buf_puts(&io, s->cleartext_ok ? "PLAIN\r\n.\r\n" : ".\r\n");
		return;
	}
	resp = mech + strcspn(mech, " ");
	if (*resp == ' ')
		*resp++ = '\0';
	if (strcasecmp(mech, "PLAIN") != 0) {
		fail("unsupported mechanism");
		return;
	}
	if (cleartext_refused(s))
		return;
	/* RFC 5034 4: "+ " then the response, when it did not come */
	r = sasl_server_exchange(
	    &x, mech, resp, user, sizeof(user), pass, sizeof(pass));
	if (r == SASL_GONE || r == SASL_LONG)
		finish(s, "auth-dropped", 0);
	else if (r == SASL_CANCELLED)
		fail("authentication cancelled");
	else if (r != SASL_OK)
		fail("malformed PLAIN response");
	else
		login(s, user, pass);
	explicit_bzero(pass, sizeof(pass));
}

static void
start_tls(struct session *s)
{
	if (server_start_tls(&io, &conf, "pop3", &s->peer) == -1)
		finish(s, "tls-failed", 0);
	s->tls = 1;
	s->cleartext_ok = 1;
}

/* RFC 2595 4: STLS, then the session starts over (USER forgotten). */
static void
cmd_stls(struct session *s, char *arg)
{
	(void)arg;
	if (!tlsio_configured(conf.tls_cert, conf.tls_key) || s->tls) {
		fail("STLS not available");
		return;
	}
	ok("Begin TLS negotiation");
	buf_flush(&io);
	start_tls(s); /* anything pipelined behind STLS is thrown away */
	s->user[0] = '\0';
}

static void
cmd_capa(struct session *s, char *arg)
{
	(void)arg;
	ok("capability list follows");
	buf_puts(&io,
	    "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
	    "PIPELINING\r\n");
	if (s->state == POP3_AUTHORIZATION && s->cleartext_ok)
		buf_puts(&io, "USER\r\nSASL PLAIN\r\n");
	if (s->state == POP3_AUTHORIZATION && !s->tls &&
	    tlsio_configured(conf.tls_cert, conf.tls_key))
		buf_puts(&io, "STLS\r\n");
	buf_puts(&io, "IMPLEMENTATION yubin\r\n.\r\n");
}

/* ---- transaction ---- */

static void
cmd_stat(struct session *s, char *arg)
{
	size_t count;
	off_t octets = maildrop_octets(&s->drop, &count);

	(void)arg;
	ok("%zu %lld", count, (long long)octets);
}

static void
cmd_list(struct session *s, char *arg)
{
	size_t i;
	long n;

	if (arg != NULL && *arg != '\0') {
		if ((n = message_arg(s, arg)) >= 0)
			ok("%ld %lld", n + 1,
			    (long long)maildrop_size(&s->drop, n));
		return;
	}
	ok("scan listing follows");
	for (i = 0; i < s->drop.list.n; i++)
		if (!s->drop.deleted[i])
			buf_printf(&io, "%zu %lld\r\n", i + 1,
			    (long long)maildrop_size(&s->drop, i));
	buf_puts(&io, ".\r\n");
}

static void
cmd_uidl(struct session *s, char *arg)
{
	char uid[MAILDROP_UID_MAX + 1];
	size_t i;
	long n;

	if (arg != NULL && *arg != '\0') {
		if ((n = message_arg(s, arg)) >= 0) {
			maildrop_uid(&s->drop, (size_t)n, uid, sizeof(uid));
			ok("%ld %s", n + 1, uid);
		}
		return;
	}
	ok("unique-id listing follows");
	for (i = 0; i < s->drop.list.n; i++)
		if (!s->drop.deleted[i]) {
			maildrop_uid(&s->drop, i, uid, sizeof(uid));
			buf_printf(&io, "%zu %s\r\n", i + 1, uid);
		}
	buf_puts(&io, ".\r\n");
}

static void
send_message(struct session *s, long n, long body_lines)
{
	off_t sent;
	int fd;

	if ((fd = maildrop_message(&s->drop, (size_t)n)) == -1) {
		log_warn("cannot open %scur/%s: %s", s->drop.dir,
		    s->drop.list.msg[n].name, strerror(errno));
		fail("[SYS/TEMP] message %ld cannot be read", n + 1);
		return;
	}
	ok("%lld octets", (long long)maildrop_size(&s->drop, (size_t)n));
	sent = smtpdata_send_file(&io, fd, body_lines, 0);
	close(fd);
	if (sent < 0) {
		/* Mid-message: the client sees a short message, then an
		 * honest end; the session goes on. */
		log_warn("cannot read %scur/%s: %s", s->drop.dir,
		    s->drop.list.msg[n].name, strerror(errno));
		sent = 0;
	}
	buf_puts(&io, ".\r\n");
	s->sent += (unsigned long long)sent;
}

static void
cmd_retr(struct session *s, char *arg)
{
	long n = message_arg(s, arg);

	if (n < 0)
		return;
	send_message(s, n, -1);
	s->retrieved++;
}

static void
cmd_top(struct session *s, char *arg)
{
	char *lines = arg ? strchr(arg, ' ') : NULL;
	const char *errstr = NULL;
	long long count;
	long n;

	if (lines == NULL) {
		fail("usage: TOP message lines");
		return;
	}
	*lines++ = '\0';
	count = strtonum(lines, 0, 1LL << 30, &errstr);
	if (errstr != NULL) {
		fail("bad line count");
		return;
	}
	if ((n = message_arg(s, arg)) >= 0)
		send_message(s, n, (long)count);
}

static void
cmd_dele(struct session *s, char *arg)
{
	long n = message_arg(s, arg);

	if (n < 0)
		return;
	s->drop.deleted[n] = 1;
	ok("message %ld deleted", n + 1);
}

static void
cmd_rset(struct session *s, char *arg)
{
	size_t count;
	off_t octets;

	(void)arg;
	memset(s->drop.deleted, 0, s->drop.list.n);
	octets = maildrop_octets(&s->drop, &count);
	ok("maildrop has %zu messages (%lld octets)", count, (long long)octets);
}

/* RFC 1939 6: the UPDATE state (lib/maildrop: durable removals). */
static void
cmd_quit(struct session *s, char *arg)
{
	char why[PATH_MAX + 200];

	(void)arg;
	if (s->state != POP3_TRANSACTION) {
		ok("%s closing connection", conf.hostname);
		finish(s, "quit", 0);
	}
	if (maildrop_commit(&s->drop, why, sizeof(why)) == -1) {
		log_error("maildir %s: %s", s->drop.dir, why);
		fail("[SYS/TEMP] some deleted messages were not removed");
		finish(s, "delete-error", EXIT_TEMP);
	}
	ok("%s closing connection (%zu messages deleted)", conf.hostname,
	    s->drop.ndeleted);
	finish(s, "quit", 0);
}

static const struct cmdloop_command commands[] = {
	{ "USER", POP3_AUTHORIZATION, cmd_user, NULL },
	{ "PASS", POP3_AUTHORIZATION, cmd_pass, NULL },
	{ "AUTH", POP3_AUTHORIZATION, cmd_auth, NULL },
	{ "STLS", POP3_AUTHORIZATION, cmd_stls, NULL },
	{ "CAPA", POP3_AUTHORIZATION | POP3_TRANSACTION, cmd_capa, NULL },
	{ "QUIT", POP3_AUTHORIZATION | POP3_TRANSACTION, cmd_quit, NULL },
	{ "NOOP", POP3_TRANSACTION, NULL, "+OK" },
	{ "STAT", POP3_TRANSACTION, cmd_stat, NULL },
	{ "LIST", POP3_TRANSACTION, cmd_list, NULL },
	{ "UIDL", POP3_TRANSACTION, cmd_uidl, NULL },
	{ "RETR", POP3_TRANSACTION, cmd_retr, NULL },
	{ "TOP", POP3_TRANSACTION, cmd_top, NULL },
	{ "DELE", POP3_TRANSACTION, cmd_dele, NULL },
	{ "RSET", POP3_TRANSACTION, cmd_rset, NULL },
};

static void
bad_command(struct session *s, const char *why)
{
	fail("%s", why);
	if (++s->bad >= POP3_BAD_MAX) {
		fail("too many bad commands, closing");
		finish(s, "too-many-errors", 0);
	}
}

static void
mistake(struct session *s, enum cmdloop_mistake m)
{
	bad_command(s,
	    m == CMDLOOP_LONG	      ? "line too long"
		: m == CMDLOOP_SYNTAX ? "bad command"
				      : "unknown command");
}

static void
wrong_state(struct session *s, const char *verb)
{
	(void)verb;
	bad_command(s,
	    s->state == POP3_AUTHORIZATION ? "log in first"
					   : "not allowed now");
}

static void
gone(struct session *s, enum cmdloop_end why)
{
	if (why == CMDLOOP_TIMEOUT)
		fail("timeout, closing connection");
	finish(s,
	    why == CMDLOOP_EOF		 ? "dropped"
		: why == CMDLOOP_TIMEOUT ? "timeout"
					 : "io-error",
	    0);
}

static void
start(struct session *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	s->state = POP3_AUTHORIZATION;
	s->drop.lockfd = s->drop.curfd = -1;
	s->users.fd = -1;
	peer_get(&s->peer);
	if (server_conf_load(&conf, dir, "pop3-in") == -1) {
		fail("[SYS/TEMP] temporary failure, try again later");
		finish(s, "config-error", EXIT_TEMP);
	}
	io.timeout_ms = conf.timeout * 1000;
	if (db_open_logged(&s->users, conf.dir, "users.cdb") == -1) {
		fail("[SYS/TEMP] temporary failure, try again later");
		finish(s, "db-error", EXIT_TEMP);
	}
	s->cleartext_ok = server_cleartext_ok(&conf, &s->peer);
}

int
main(int argc, char **argv)
{
	char line[POP3_LINE_MAX + 2];
	const char *dir = CONFDIR;
	struct session s;
	struct cmdloop loop = { &io, 0, line, sizeof(line), commands,
		sizeof(commands) / sizeof(commands[0]), &s.state, mistake,
		wrong_state, gone };
	int ch, implicit_tls = 0;

	while ((ch = getopt(argc, argv, "C:s")) != -1) {
		if (ch == 's')
			implicit_tls = 1;
		else if (ch == 'C')
			dir = optarg;
		else
			return EXIT_PERM; /* stderr may be the socket */
	}
	signal(SIGPIPE, SIG_IGN); /* a client that hangs up: an error */
	buf_init(&io, 0, 1, 300);
	peer_nodelay();
	start(&s, dir);
	if (implicit_tls) { /* port 995, RFC 8314 */
		if (!tlsio_configured(conf.tls_cert, conf.tls_key))
			finish(&s, "no-tls-config", EXIT_TEMP);
		start_tls(&s);
	}
	ok("%s POP3 server ready", conf.hostname);
	loop.timeout = conf.timeout;
	cmdloop_run(&loop, &s);
}
