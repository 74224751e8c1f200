/*
 * smtp-in: the ESMTP receiver (RFC 5321), started by inetd once per
 * connection. Mail for local accounts goes into their Maildirs, mail for
 * other hosts into the queue; 250 is said only when it is all on disk.
 */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "cmd.h"
#include "cmdloop.h"
#include "conf.h"
#include "db.h"
#include "deliver.h"
#include "envelope.h"
#include "identity.h"
#include "log.h"
#include "msgcheck.h"
#include "peer.h"
#include "popbsmtp.h"
#include "rcptcheck.h"
#include "reception.h"
#include "relay.h"
#include "runner.h"
#include "server.h"
#include "smtpauth.h"
#include "smtpreply.h"
#include "srs.h"
#include "tlsio.h"
#include "trace.h"
#include "users.h"

#define USAGE "usage: smtp-in [-ms] [-C dir]\n"
#define SMTP_LINE_MAX 512  /* RFC 5321 4.5.3.1.4, CRLF included */
#define SMTP_BAD_MAX 20	   /* protocol errors before we hang up */
#define SMTP_SLOW_AFTER 10 /* errors before each reply to one is slowed */
#define SMTP_ETRN_MAX 5	   /* ETRN commands per session */
#define EXIT_PERM 100
#define EXIT_TEMP 111

enum smtp_state {
	S_GREETED = 1, /* before HELO/EHLO */
	S_READY = 2,   /* no transaction */
	S_MAIL = 4,    /* after MAIL */
	S_RCPT = 8     /* after at least one accepted RCPT */
};
#define S_ANY (S_GREETED | S_READY | S_MAIL | S_RCPT)
#define S_SESSION (S_READY | S_MAIL | S_RCPT)

struct session {
	int state;
	int submission;
	int tls; /* the connection is encrypted */
	struct peer peer;
	char helo[256];
	int esmtp;
	char auth_user[ADDR_MAX];
	struct account auth_account; /* whom auth_user names */
	int cleartext_ok;
	int relay_client;	 /* -1: not yet looked up */
	struct rcptcheck checks; /* DNS lists, greylisting */
	int bad, auth_failures;
	int etrns;
	unsigned messages;
	struct db users, domains, relay;
	struct identity identity; /* whom auth_account may send as */
	struct deliver_ctx ctx;	  /* its srs is set when first needed */
	/* the transaction */
	struct envelope txn; /* sender and recipients (lib/envelope) */
};

static struct conf conf;
static struct buf io;
static char confdir[PATH_MAX] = CONFDIR;

static void
finish(struct session *s, const char *result, int code)
{
	log_info("smtp disconnect client=%s messages=%u result=%s",
	    s->peer.text, s->messages, result);
	/* logged before the last reply leaves: once a client sees it,
	 * the log has the session */
	server_close(&io,
	    s->bad >= SMTP_BAD_MAX ||
		(s->auth_failures > 0 &&
		    s->auth_failures >= conf.max_login_failures));
	exit(code);
}

/*
 * Counts a client error (a bad command, an unknown recipient): past
 * SMTP_SLOW_AFTER each reply to one comes a little later, and at
 * SMTP_BAD_MAX the session ends, so probing addresses or commands costs
 * the client time and then its connection.
 */
static void
bad_command(struct session *s, int code, const char *text)
{
	if (++s->bad > SMTP_SLOW_AFTER) {
		buf_flush(&io);
		usleep(50000 * (useconds_t)(s->bad - SMTP_SLOW_AFTER));
	}
	smtp_reply(&io, code, "%s", text);
	if (s->bad >= SMTP_BAD_MAX) {
		smtp_reply(&io, 421,
		    "4.7.0 %s too many errors, closing connection",
		    conf.hostname);
		finish(s, "too-many-errors", 0);
	}
}

static void
reset_transaction(struct session *s)
{
	envelope_reset(&s->txn);
	if (s->state & (S_MAIL | S_RCPT))
		s->state = S_READY;
}

/* ---- relay policy: the client's address, AUTH, POP-before-SMTP ---- */

static int
relay_ok(struct session *s)
{
	if (s->auth_user[0] != '\0')
		return 1;
	if (s->relay_client == -1)
		s->relay_client =
		    server_relay_client(&conf, &s->relay, &s->peer);
	return s->relay_client;
}

/* ---- HELO, EHLO ---- */

/* RFC 5321 4.1.1.1 and 4.5.3.1.2: a domain or address literal. */
static int
helo_ok(struct session *s, const char *arg)
{
	if (*arg == '\0') {
		bad_command(s, 501, "5.5.4 HELO/EHLO needs a host name");
		return 0;
	}
	if (strcspn(arg, " ") > ADDR_DOMAIN_MAX) {
		bad_command(s, 501, "5.5.4 Host name too long");
		return 0;
	}
	return 1;
}

static void
cmd_helo(struct session *s, char *arg)
{
	if (!helo_ok(s, arg))
		return;
	reset_transaction(s);
	trace_helo(s->helo, sizeof(s->helo), arg);
	s->esmtp = 0;
	s->state = S_READY;
	smtp_reply(&io, 250, "%s", conf.hostname);
}

static void
cmd_ehlo(struct session *s, char *arg)
{
	if (!helo_ok(s, arg))
		return;
	reset_transaction(s);
	trace_helo(s->helo, sizeof(s->helo), arg);
	s->esmtp = 1;
	s->state = S_READY;
	buf_printf(&io,
	    "250-%s\r\n250-PIPELINING\r\n250-SIZE %lld\r\n"
	    "250-8BITMIME\r\n",
	    conf.hostname, conf.max_message_size);
	if (!s->tls && tlsio_configured(conf.tls_cert, conf.tls_key))
		buf_puts(&io, "250-STARTTLS\r\n");
	if (s->cleartext_ok && s->auth_user[0] == '\0')
		buf_puts(&io, "250-AUTH PLAIN LOGIN\r\n");
	buf_puts(&io, "250-ETRN\r\n250 ENHANCEDSTATUSCODES\r\n");
}

/* ---- AUTH (RFC 4954; lib/smtpauth) ---- */

static void
cmd_auth(struct session *s, char *arg)
{
	const struct server_login_ctx x = { &io, &conf, &s->peer, &s->users,
		&s->auth_failures };
	struct account a;
	enum smtpauth_end end;

	if (s->auth_user[0] != '\0') {
		bad_command(s, 503, "5.5.1 Already authenticated");
		return;
	}
	if (!s->cleartext_ok) {
		smtp_reply(&io, 538,
		    "5.7.11 Encryption required for requested "
		    "authentication mechanism");
		return;
	}
	if ((end = smtpauth_command(&x, arg, &a)) == SMTPAUTH_IN) {
		strlcpy(s->auth_user, a.key, sizeof(s->auth_user));
		s->auth_account = a;
		s->relay_client = -1;
	} else if (end == SMTPAUTH_GONE)
		finish(s, "dropped", 0);
	else if (end == SMTPAUTH_TOO_MANY)
		finish(s, "too-many-auth-failures", 0);
}

/* ---- MAIL, RCPT ---- */

/* The client is ours (for lib/envelope). */
static int
rcpt_relay_ok(void *arg)
{
	return relay_ok(arg);
}

/* What lib/envelope needs of the session. */
static struct envelope_session
session_envelope(struct session *s)
{
	return (struct envelope_session) { .conf = &conf,
		.ctx = &s->ctx,
		.checks = &s->checks,
		.client = s->peer.text,
		.sender = s->txn.sender,
		.submission = s->submission,
		.auth_user = s->auth_user,
		.identity = &s->identity,
		.relay_ok = rcpt_relay_ok,
		.arg = s };
}

/* MAIL and RCPT: lib/envelope decides, smtp-in answers. */
static void
envelope_reply(struct session *s, int bad, const struct verdict *v)
{
	if (bad)
		bad_command(s, v->code, v->text);
	else
		smtp_reply(&io, v->code, "%s", v->text);
}

static void
cmd_mail(struct session *s, char *arg)
{
	const struct envelope_session e = session_envelope(s);
	struct verdict v;

	envelope_reply(s, envelope_mail(&e, &s->txn, arg, &v), &v);
	if (v.code == 250)
		s->state = S_MAIL;
}

static void
cmd_rcpt(struct session *s, char *arg)
{
	const struct envelope_session e = session_envelope(s);
	struct verdict v;

	envelope_reply(s, envelope_rcpt(&e, &s->txn, arg, &v), &v);
	if (v.code == 250)
		s->state = S_RCPT;
}

/* ---- DATA ---- */

/* The checks' context (lib/msgcheck). */
static struct msgcheck
session_msgcheck(struct session *s)
{
	return (struct msgcheck) { &conf, &s->peer, s->helo, s->txn.sender,
		&s->txn.plan, relay_ok(s), s->auth_user, &s->identity };
}

/* The trace field's words (lib/trace); id and time come later. */
static struct trace_received
session_trace(struct session *s)
{
	return (struct trace_received) { s->helo, s->peer.text, conf.hostname,
		NULL, s->esmtp, s->tls, tlsio_info(&io), s->auth_user,
		s->txn.nrcpt != 1	 ? ""
		    : s->txn.nlocal == 1 ? s->txn.locals[0]
					 : s->txn.plan.t[0].where,
		0 };
}

/* The message itself (lib/reception), then the transaction is over. */
static void
cmd_data(struct session *s, char *arg)
{
	const struct msgcheck c = session_msgcheck(s);
	const struct reception r = { &io, &conf, &s->ctx, &s->txn, &c,
		session_trace(s) };
	struct reception_result out;
	enum reception_end end;

	if (*arg != '\0') {
		bad_command(s, 501, "5.5.4 DATA takes no arguments");
		return;
	}
	if (s->txn.plan.n == 0) {
		smtp_reply(&io, 554, "5.5.1 No valid recipients");
		return;
	}
	if (deliver_plan_maildirs(&s->txn.plan) < s->txn.plan.n)
		/* forwards may leave with an SRS sender */
		s->ctx.srs = srs_secrets(conf.dir, conf.srs_domain);
	if ((end = reception_run(&r, &out)) == RECEPTION_TIMEOUT)
		smtp_reply(
		    &io, 421, "4.4.2 %s timeout, closing", conf.hostname);
	if (end != RECEPTION_ANSWERED)
		finish(s,
		    end == RECEPTION_EOF	   ? "dropped-in-data"
			: end == RECEPTION_TIMEOUT ? "timeout-in-data"
						   : "io-error-in-data",
		    0);
	s->messages += out.taken;
	if (out.queued || out.replies)
		runner_kick(confdir, conf.spool);
	reset_transaction(s);
}

/* ---- the rest ---- */

static void
cmd_rset(struct session *s, char *arg)
{
	(void)arg;
	reset_transaction(s);
	smtp_reply(&io, 250, "2.0.0 Ok");
}

static void
cmd_quit(struct session *s, char *arg)
{
	(void)arg;
	smtp_reply(&io, 221, "2.0.0 %s closing connection", conf.hostname);
	finish(s, "quit", 0);
}

/* RFC 1985: start delivery of the mail held for a domain (lib/runner). */
static void
cmd_etrn(struct session *s, char *arg)
{
	char domain[ADDR_DOMAIN_MAX + 1];
	struct verdict v;

	if (*arg == '@' || *arg == '#') /* "@domain" means the same here */
		arg++;
	if (*arg == '\0' ||
	    addr_domain_normalize(arg, domain, sizeof(domain)) == -1) {
		bad_command(s, 501, "5.5.4 Syntax error in parameters");
		return;
	}
	if (++s->etrns > SMTP_ETRN_MAX) {
		bad_command(
		    s, 458, "4.7.1 Too many ETRN commands, one is enough");
		return;
	}
	buf_flush(&io); /* what was said goes out before the fork */
	runner_etrn(&conf, confdir, s->peer.text, domain, &v);
	smtp_reply(&io, v.code, "%s", v.text);
}

/* Turns TLS on: a failure leaves nothing to say (the state is unknown). */
static void
start_tls(struct session *s)
{
	if (server_start_tls(&io, &conf, "smtp", &s->peer) == -1)
		finish(s, "tls-failed", 0);
	s->tls = 1;
	s->cleartext_ok = 1;
}

/* RFC 3207: everything from before is forgotten, EHLO comes again. */
static void
cmd_starttls(struct session *s, char *arg)
{
	if (!tlsio_configured(conf.tls_cert, conf.tls_key)) {
		bad_command(s, 502, "5.5.1 STARTTLS is not available");
		return;
	}
	if (s->tls) {
		bad_command(s, 503, "5.5.1 TLS is already on");
		return;
	}
	if (*arg != '\0') {
		bad_command(s, 501, "5.5.4 STARTTLS takes no arguments");
		return;
	}
	smtp_reply(&io, 220, "2.0.0 Ready to start TLS");
	buf_flush(&io);
	start_tls(s); /* throws away whatever was pipelined behind it */
	reset_transaction(s);
	s->state = S_GREETED;
	s->helo[0] = '\0';
	s->esmtp = 0;
	s->auth_user[0] = '\0';
	s->relay_client = -1;
}

static const struct cmdloop_command commands[] = {
	{ "EHLO", S_ANY, cmd_ehlo, NULL },
	{ "HELO", S_ANY, cmd_helo, NULL },
	{ "MAIL", S_READY, cmd_mail, NULL },
	{ "RCPT", S_MAIL | S_RCPT, cmd_rcpt, NULL },
	{ "DATA", S_RCPT, cmd_data, NULL },
	{ "RSET", S_ANY, cmd_rset, NULL },
	{ "NOOP", S_ANY, NULL, "250 2.0.0 Ok" },
	{ "QUIT", S_ANY, cmd_quit, NULL },
	/* RFC 5321 3.5.3: no address harvesting, but no refusal either */
	{ "VRFY", S_ANY, NULL,
	    "252 2.5.2 Cannot VRFY user, but will accept message and attempt "
	    "delivery" },
	{ "EXPN", S_ANY, NULL, "502 5.5.1 EXPN is not available" },
	{ "HELP", S_ANY, NULL,
	    "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY "
	    "HELP AUTH" },
	{ "AUTH", S_READY, cmd_auth, NULL },
	{ "STARTTLS", S_ANY, cmd_starttls, NULL },
	{ "ETRN", S_READY, cmd_etrn, NULL },
};

static void
wrong_state(struct session *s, const char *verb)
{
	if (s->state == S_GREETED)
		bad_command(s, 503, "5.5.1 Send HELO or EHLO first");
	else if (strcasecmp(verb, "MAIL") == 0)
		bad_command(s, 503, "5.5.1 Nested MAIL command");
	else if (strcasecmp(verb, "DATA") == 0 && s->state == S_MAIL)
		smtp_reply(&io, 554, "5.5.1 No valid recipients");
	else
		bad_command(s, 503, "5.5.1 Bad sequence of commands");
}

static void
mistake(struct session *s, enum cmdloop_mistake m)
{
	bad_command(s, 500,
	    m == CMDLOOP_LONG	      ? "5.5.2 Line too long"
		: m == CMDLOOP_SYNTAX ? "5.5.2 Syntax error"
				      : "5.5.2 Command unrecognized");
}

static void
gone(struct session *s, enum cmdloop_end why)
{
	if (why == CMDLOOP_TIMEOUT)
		smtp_reply(
		    &io, 421, "4.4.2 %s timeout, closing", conf.hostname);
	finish(s,
	    why == CMDLOOP_EOF		 ? "dropped"
		: why == CMDLOOP_TIMEOUT ? "timeout"
					 : "io-error",
	    0);
}

static void
start(struct session *s)
{
	peer_get(&s->peer);
	s->relay_client = -1;
	s->state = S_GREETED;
	envelope_init(&s->txn);
	if (server_conf_load(&conf, confdir, "smtp-in") == -1) {
		smtp_reply(
		    &io, 421, "4.3.0 Temporary failure, try again later");
		finish(s, "config-error", EXIT_TEMP);
	}
	io.timeout_ms = conf.timeout * 1000;
	if (db_open_logged(&s->users, conf.dir, "users.cdb") == -1 ||
	    db_open_logged(&s->domains, conf.dir, "domains.cdb") == -1 ||
	    db_open_logged(&s->relay, conf.dir, "relay.cdb") == -1) {
		smtp_reply(&io, 421,
		    "4.3.0 %s temporary failure, try again later",
		    conf.hostname);
		finish(s, "db-error", EXIT_TEMP);
	}
	s->ctx.users = &s->users;
	s->ctx.domains = &s->domains;
	s->ctx.spool = conf.spool;
	s->ctx.hostname = conf.hostname;
	identity_init(&s->identity, &s->ctx, conf.dir, &s->auth_account);
	rcptcheck_init(&s->checks, &conf, &s->peer);
	s->cleartext_ok = server_cleartext_ok(&conf, &s->peer);
	log_info("smtp connect client=%s%s", s->peer.text,
	    s->submission ? " submission" : "");
}

int
main(int argc, char **argv)
{
	char line[SMTP_LINE_MAX + 1];
	struct session s;
	struct cmdloop loop = { &io, 0, line, sizeof(line), commands,
		sizeof(commands) / sizeof(commands[0]), &s.state, mistake,
		wrong_state, gone };
	int ch, implicit_tls = 0;

	memset(&s, 0, sizeof(s));
	while ((ch = getopt(argc, argv, "C:ms")) != -1) {
		if (ch == 'C')
			strlcpy(confdir, optarg, sizeof(confdir));
		else if (ch == 'm')
			s.submission = 1;
		else if (ch == 's')
			implicit_tls = 1;
		else
			return EXIT_PERM; /* stderr may be the socket */
	}
	signal(SIGPIPE, SIG_IGN);
	/* no TCP_NODELAY for plain SMTP: see peer_nodelay in lib/peer.h */
	buf_init(&io, 0, 1, 300);
	log_session_random();
	start(&s);
	if (implicit_tls) { /* port 465, RFC 8314: TLS from the first byte */
		if (!tlsio_configured(conf.tls_cert, conf.tls_key)) {
			log_error("-s needs tls_cert and tls_key");
			finish(&s, "no-tls-config", EXIT_TEMP);
		}
		start_tls(&s);
	}
	smtp_reply(&io, 220, "%s ESMTP yubin", conf.hostname);
	loop.timeout = conf.timeout;
	cmdloop_run(&loop, &s);
}
