/* smtptx: one SMTP transaction on a connection; see smtptx.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "sasl.h"
#include "smtpdata.h"
#include "smtptx.h"
#include "tlsio.h"

enum smtptx_outcome
smtptx_outcome_of(int code)
{
	return code / 100 == 2 ? SMTPTX_DONE
	    : code / 100 == 5  ? SMTPTX_FAILED
			       : SMTPTX_DEFERRED;
}

static void
set_one(struct smtptx_rcpt *r, enum smtptx_outcome o, int own, const char *text)
{
	r->o = o;
	r->own = own;
	strlcpy(r->text, text, sizeof(r->text));
}

/* The whole transaction's outcome, for every recipient. */
static void
set_all(struct smtptx *t, enum smtptx_outcome o, const char *text)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		set_one(&t->rcpt[i], o, 0, text);
}

/* The recipients accepted so far get the reply to the data (or what
 * became of it). */
static void
set_accepted(struct smtptx *t, enum smtptx_outcome o, const char *text)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->rcpt[i].o == SMTPTX_DONE)
			set_one(&t->rcpt[i], o, 1, text);
}

/* A command with the RFC 5321 4.5.3.2 time for "other" commands. */
static int
command(struct buf *b, struct smtpc_reply *r, const char *fmt, const char *arg)
{
	return smtpc_command(b, r, SMTPC_T_OTHER, fmt, arg);
}

static int
ehlo(struct buf *b, struct smtpc_reply *r, const char *helo)
{
	return command(b, r, "EHLO %s\r\n", helo) / 100 == 2 ||
	    command(b, r, "HELO %s\r\n", helo) / 100 == 2;
}

/* The message as SMTP carries it (lib/smtpdata), and the final dot. */
static int
send_body(struct buf *b, int mess, const char *via)
{
	if (via != NULL)
		buf_printf(b, "Delivered-To: %s\r\n", via);
	/* on a read error no final dot: the server keeps nothing */
	return smtpdata_send_file(b, mess, -1, 1) < 0 ? -1 : 0;
}

/*
 * STARTTLS when offered and wanted. Returns 0 (go on, maybe encrypted),
 * -1 (outcomes set: a required TLS did not work) or SMTPTX_PLAIN_AGAIN.
 */
static int
starttls(struct buf *b, struct smtpc_reply *r, struct smtptx *t)
{
	int must = t->tls == SMTPTX_TLS_MUST;
	char err[256];

	if (t->plain || t->tls == SMTPTX_TLS_NO)
		return 0;
	if (strstr(r->text, "STARTTLS") == NULL) {
		if (!must)
			return 0;
		set_all(t, SMTPTX_DEFERRED,
		    "TLS is required but the server offers no STARTTLS");
		return -1;
	}
	if (command(b, r, "STARTTLS\r\n", NULL) == 220 &&
	    tlsio_client(b, t->tls_name, t->tls_verify, err, sizeof(err)) ==
		0 &&
	    ehlo(b, r, t->helo))
		return 0;
	if (r->code != 220)
		snprintf(err, sizeof(err), "STARTTLS refused: %.200s", r->text);
	log_warn("remote host=%s tls failed: %s", t->host, err);
	if (!must)
		return SMTPTX_PLAIN_AGAIN; /* TLS only wanted: plain text */
	/* e.g. a smarthost that fails verification: later, never a bounce */
	set_all(t, SMTPTX_DEFERRED, err);
	return -1;
}

/* AUTH PLAIN, else LOGIN (RFC 4954). 0 when accepted. */
static int
login(struct buf *b, const char *caps, struct smtpc_reply *r,
    const struct smtptx *t)
{
	char msg[600], b64[900];
	int len;

	if (strstr(caps, "AUTH") && strstr(caps, "PLAIN")) {
		len = snprintf(msg, sizeof(msg), "%c%s%c%s", 0, t->auth_user, 0,
		    t->auth_pass);
		if (len < 0 || (size_t)len >= sizeof(msg))
			len = 0;
		sasl_b64_encode(msg, (size_t)len, b64, sizeof(b64));
		command(b, r, "AUTH PLAIN %s\r\n", b64);
	} else if (strstr(caps, "AUTH") && strstr(caps, "LOGIN")) {
		sasl_b64_encode(
		    t->auth_user, strlen(t->auth_user), b64, sizeof(b64));
		if (command(b, r, "AUTH LOGIN\r\n", NULL) == 334 &&
		    command(b, r, "%s\r\n", b64) == 334) {
			sasl_b64_encode(t->auth_pass, strlen(t->auth_pass), b64,
			    sizeof(b64));
			command(b, r, "%s\r\n", b64);
		}
	} else {
		strlcpy(r->text, "the smarthost offers no AUTH PLAIN or LOGIN",
		    sizeof(r->text));
		r->code = -1;
	}
	explicit_bzero(msg, sizeof(msg));
	explicit_bzero(b64, sizeof(b64));
	return r->code == 235 ? 0 : -1;
}

/* The login, when one is given: 0 to go on, -1 when the outcomes are set
 * (a refused login is our configuration: later, never a bounce). */
static int
login_if_asked(struct buf *b, struct smtpc_reply *r, struct smtptx *t)
{
	if (t->auth_user == NULL)
		return 0;
	if (!tlsio_active(b) && !t->auth_in_clear) {
		/* the password never crosses the network in clear text */
		set_all(t, SMTPTX_DEFERRED,
		    "no TLS to the smarthost (no STARTTLS, or it failed): "
		    "AUTH is not sent in clear text "
		    "(smarthost_insecure_cleartext_auth)");
	} else if (login(b, r->text, r, t) == -1) {
		set_all(t, SMTPTX_DEFERRED, r->text);
	} else {
		return 0;
	}
	command(b, r, "QUIT\r\n", NULL);
	return -1;
}

/* The outcomes are final: the caller hears of them, then QUIT. */
static void
settled_quit(struct buf *b, struct smtpc_reply *r, struct smtptx *t)
{
	if (t->settled != NULL)
		t->settled(t->settled_arg, t);
	command(b, r, "QUIT\r\n", NULL);
}

/* MAIL and every RCPT, one reply at a time or pipelined; 0 when the
 * outcomes of the recipients are set, -1 when the host went away. */
static int
envelope(struct buf *b, struct smtpc_reply *r, struct smtptx *t)
{
	int pipelining = strstr(r->text, "PIPELINING") != NULL, c;
	size_t i;

	buf_printf(b, "MAIL FROM:<%s>", t->sender);
	if (strstr(r->text, "SIZE") != NULL)
		buf_printf(b, " SIZE=%lld", (long long)t->size);
	if (t->eightbit && strstr(r->text, "8BITMIME") != NULL)
		buf_puts(b, " BODY=8BITMIME");
	buf_puts(b, "\r\n");
	if (!pipelining && (c = smtpc_read(b, r, SMTPC_T_MAIL)) / 100 != 2) {
		set_all(
		    t, c < 0 ? SMTPTX_DEFERRED : smtptx_outcome_of(c), r->text);
		return c < 0 ? -1 : 0;
	}
	for (i = 0; i < t->n; i++) {
		buf_printf(b, "RCPT TO:<%s>\r\n", t->rcpt[i].addr);
		if (!pipelining && (c = smtpc_read(b, r, SMTPC_T_RCPT)) < 0)
			return -1;
		if (!pipelining)
			set_one(&t->rcpt[i], smtptx_outcome_of(c), 1, r->text);
	}
	if (!pipelining)
		return 0;
	/* RFC 2920: the replies come in order */
	if ((c = smtpc_read(b, r, SMTPC_T_MAIL)) < 0)
		return -1;
	if (c / 100 != 2) {
		set_all(t, smtptx_outcome_of(c), r->text);
		for (i = 0; i < t->n; i++)
			smtpc_read(b, r, SMTPC_T_RCPT);
		return 0;
	}
	for (i = 0; i < t->n; i++) {
		if ((c = smtpc_read(b, r, SMTPC_T_RCPT)) < 0)
			return -1;
		set_one(&t->rcpt[i], smtptx_outcome_of(c), 1, r->text);
	}
	return 0;
}

/* DATA, the message and the reply to its end, for those accepted. */
static void
data(struct buf *b, struct smtpc_reply *r, struct smtptx *t)
{
	int c = smtpc_command(b, r, SMTPC_T_DATA, "DATA\r\n", NULL);

	if (c != 354) {
		set_accepted(
		    t, c < 0 ? SMTPTX_DEFERRED : smtptx_outcome_of(c), r->text);
		return;
	}
	b->timeout_ms = SMTPC_T_BLOCK * 1000; /* for each write */
	if (send_body(b, t->mess, t->via) == -1) {
		log_error("id=%s: cannot read the message: %s", t->id,
		    strerror(errno));
		set_accepted(
		    t, SMTPTX_DEFERRED, "local error reading the message");
		return; /* the connection closes without the final dot */
	}
	c = smtpc_read(b, r, SMTPC_T_DOT);
	/* no answer after the data: maybe delivered; at worst twice, never
	 * zero times */
	set_accepted(t, c < 0 ? SMTPTX_DEFERRED : smtptx_outcome_of(c),
	    c < 0 ? "connection lost after the data" : r->text);
	if (c >= 0)
		settled_quit(b, r, t);
}

/* After the greeting, EHLO and TLS: the login and the transaction. */
static int
transaction(struct buf *b, struct smtpc_reply *r, struct smtptx *t)
{
	size_t i, accepted = 0;

	if (login_if_asked(b, r, t) == -1)
		return 0;
	if (envelope(b, r, t) == -1)
		return -1;
	for (i = 0; i < t->n; i++)
		accepted += t->rcpt[i].o == SMTPTX_DONE;
	if (accepted == 0) {
		settled_quit(b, r, t);
		return 0;
	}
	data(b, r, t);
	return 0;
}

int
smtptx_run(int fd, struct smtptx *t)
{
	struct buf b;
	struct smtpc_reply r;
	int c;

	buf_init(&b, fd, fd, SMTPC_T_GREETING);
	buf_set_deadline(&b, t->deadline);
	if (smtpc_read(&b, &r, SMTPC_T_GREETING) / 100 != 2 ||
	    !ehlo(&b, &r, t->helo)) {
		set_all(t, SMTPTX_DEFERRED, r.text);
		return -1;
	}
	c = starttls(&b, &r, t);
	if (c == 0)
		c = transaction(&b, &r, t);
	else if (c == -1)
		c = 0; /* the outcomes are set: no other host */
	tlsio_end(&b);
	return c;
}
