/* submit: one message to an SMTP server; see submit.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dns.h"
#include "smtpdata.h"
#include "submit.h"

/* One transaction's state: the reply, and why it failed. */
struct tx {
	struct buf *b;
	struct smtpc_reply r;
	int *permanent;
	char *why;
	size_t whysize;
};

/* The step's reply is the one wanted (0), or why not (-1). */
static int
expect(struct tx *t, int code, int want, const char *what)
{
	if (code / 100 == want / 100)
		return 0;
	*t->permanent = code / 100 == 5;
	if (code == -1)
		snprintf(t->why, t->whysize, "at %s: no answer: %s", what,
		    strerror(errno));
	else
		snprintf(t->why, t->whysize, "said at %s: %s", what, t->r.text);
	return -1;
}

/* The text, dot-stuffed with CRLF (lib/smtpdata), and the dot. */
static int
send_text(FILE *text, struct buf *b)
{
	static char chunk[16384];
	static char enc[SMTPDATA_ENC_ROOM(sizeof(chunk)) + SMTPDATA_END_ROOM];
	struct smtpdata_enc e;
	size_t n;

	if (fflush(text) == EOF || fseek(text, 0, SEEK_SET) == -1)
		return -1;
	smtpdata_enc_init(&e);
	while ((n = fread(chunk, 1, sizeof(chunk), text)) > 0)
		buf_put(b, enc, smtpdata_encode(&e, chunk, n, enc));
	if (ferror(text))
		return -1;
	buf_put(b, enc, smtpdata_encode_end(&e, enc, 1));
	return 0;
}

/* Dials a numeric host[:port]: an fd, or -1 with why. */
static int
dial(const char *hostport, char *why, size_t whysize)
{
	struct dns_addrs a;
	char host[256];
	int port = 25, fd;

	if (smtpc_hostport(hostport, host, sizeof(host), &port) == -1 ||
	    !dns_addrs_literal(host, &a)) {
		snprintf(
		    why, whysize, "%s is not an IP address[:port]", hostport);
		return -1;
	}
	if ((fd = smtpc_dial(&a.addr[0], port)) == -1)
		snprintf(why, whysize, "%s", strerror(errno));
	return fd;
}

/* The transaction; 0 or -1 (t->why). */
static int
transaction(const struct submit *s, struct tx *t)
{
	size_t i;

	if (expect(t, smtpc_read(t->b, &t->r, SMTPC_T_GREETING), 220,
		"the greeting") == -1 ||
	    expect(t,
		smtpc_command(
		    t->b, &t->r, SMTPC_T_OTHER, "EHLO %s\r\n", s->helo),
		250, "EHLO") == -1 ||
	    expect(t,
		smtpc_command(
		    t->b, &t->r, SMTPC_T_MAIL, "MAIL FROM:<%s>\r\n", s->sender),
		250, "MAIL") == -1)
		return -1;
	for (i = 0; i < s->nrcpt; i++)
		if (expect(t,
			smtpc_command(t->b, &t->r, SMTPC_T_RCPT,
			    "RCPT TO:<%s>\r\n", s->rcpts[i]),
			250, s->rcpts[i]) == -1)
			return -1;
	if (expect(t,
		smtpc_command(t->b, &t->r, SMTPC_T_DATA, "DATA\r\n", NULL), 354,
		"DATA") == -1)
		return -1;
	if (send_text(s->text, t->b) == -1) {
		snprintf(t->why, t->whysize, "cannot read the message back: %s",
		    strerror(errno));
		return -1;
	}
	if (expect(t, smtpc_read(t->b, &t->r, SMTPC_T_DOT), 250,
		"the end of DATA") == -1)
		return -1;
	smtpc_command(t->b, &t->r, SMTPC_T_OTHER, "QUIT\r\n", NULL);
	return 0;
}

int
submit_smtp(const struct submit *s, int *permanent, char *why, size_t whysize)
{
	static struct tx t;
	struct buf b;
	int fd, r;

	*permanent = 0;
	if ((fd = dial(s->hostport, why, whysize)) == -1)
		return -2;
	buf_init(&b, fd, fd, s->timeout);
	t = (struct tx) {
		.b = &b, .permanent = permanent, .why = why, .whysize = whysize
	};
	r = transaction(s, &t);
	close(fd);
	return r;
}
