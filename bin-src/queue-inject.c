/*
 * queue-inject: submits a message from the command line, the way cron
 * jobs and CGI form-mail scripts expect `sendmail` to. Run by root or the
 * spool's owner it delivers exactly as smtp-in does (lib/deliver): local
 * Maildirs, the queue for the rest. Run by anybody else (a CGI script as
 * www-data, a user's mail client) it cannot write the spool, and nothing
 * is setuid: it hands the message to the local smtp-in over SMTP
 * (`local_smtp`), with that user's own address as the sender.
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "conf.h"
#include "db.h"
#include "deliver.h"
#include "dkimsign.h"
#include "log.h"
#include "queue.h"
#include "runner.h"
#include "rfc5322.h"
#include "sasl.h"
#include "smtpc.h"
#include "smtpdata.h"
#include "spool.h"
#include "srs.h"
#include "users.h"
#include "vacation.h"

#define USAGE                                                                  \
	"usage: queue-inject [-C dir] [-f sender] [-F fullname] [-t] [-i] "    \
	"[-oi] [-bm] [--] [recipient ...]\n"
#define HEADER_MAX (256 * 1024) /* the header is held in memory */
#define RCPT_MAX 1000

struct inject {
	struct conf conf;
	struct db users, domains;
	struct deliver_ctx ctx;
	struct deliver_plan plan;
	char sender[ADDR_MAX];
	const char *fullname;
	int tflag, iflag;
	char header[HEADER_MAX + 1]; /* LF line ends */
	size_t hlen;
	int has_date, has_msgid, has_from;
	size_t nrcpt;
	uid_t uid; /* who ran us, before root becomes the spool's owner */
	/* the message goes to m (into the spool), or, via SMTP, to spill */
	struct deliver_msg *m;
	FILE *spill;
	char id[QUEUE_ID_MAX];
	char *rcpts[RCPT_MAX]; /* via SMTP: the recipients, qualified */
	char **argv;
};

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("queue-inject: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE, stderr);
	exit(EX_USAGE);
}

/* ---- recipients ---- */

static void
add_rcpt(struct inject *in, const char *text)
{
	char rcpt[ADDR_MAX + 4];
	const char *why;
	struct addr a;
	int r, local;

	if (addr_parse(text, &a, &why) == -1 || addr_is_relay_trick(&a))
		die(EX_DATAERR, "bad recipient address: %s", text);
	if (++in->nrcpt > RCPT_MAX)
		die(EX_DATAERR, "more than %d recipients", RCPT_MAX);
	if (in->spill != NULL) {
		/* smtp-in wants a domain: a bare name is one of this host */
		if (a.domain[0] == '\0')
			strlcpy(a.domain, in->conf.hostname, sizeof(a.domain));
		addr_format(&a, rcpt, sizeof(rcpt));
		if ((in->rcpts[in->nrcpt - 1] = strdup(rcpt)) == NULL)
			die(EX_TEMPFAIL, "out of memory");
		return;
	}
	local = a.domain[0] == '\0'
	    ? 1
	    : users_domain_is_local(&in->domains, a.domain);
	if (local == -1)
		die(EX_TEMPFAIL, "cannot read domains.cdb: %s",
		    strerror(errno));
	if (local == 0) {
		addr_format(&a, rcpt, sizeof(rcpt));
		if (deliver_plan_remote(&in->plan, rcpt) == -1)
			die(EX_TEMPFAIL, "out of memory");
		return;
	}
	addr_lower(a.local, a.local, sizeof(a.local));
	addr_format(&a, rcpt, sizeof(rcpt));
	r = deliver_plan_rcpt(&in->plan, &in->ctx, a.local, a.domain, rcpt);
	if (r == DELIVER_UNKNOWN)
		die(EX_DATAERR, "no such user here: %s", text);
	if (r == -1)
		die(EX_TEMPFAIL, "recipient %s: %s", text, strerror(errno));
}

/* lib/rfc5322 walks an address-list; each address is added. */
static void
add_each(const char *addr, void *in)
{
	add_rcpt(in, addr);
}

static void
add_rcpt_list(struct inject *in, const char *v)
{
	rfc5322_addresses(v, add_each, in);
}

/* ---- the message ---- */

/* Reads the header (up to the empty line) into in->header. */
static void
read_header(struct inject *in)
{
	int c, prev = '\n';

	while ((c = getchar()) != EOF) {
		if (c == '\r') {
			int next = getchar();

			if (next != '\n') {
				if (next != EOF)
					ungetc(next, stdin);
				c = ' '; /* a bare CR never starts a field */
			} else
				c = '\n';
		}
		if (in->hlen >= HEADER_MAX)
			die(EX_DATAERR, "message header longer than %d octets",
			    HEADER_MAX);
		in->header[in->hlen++] = (char)c;
		if (c == '\n' && prev == '\n')
			break;
		prev = c;
	}
	in->header[in->hlen] = '\0';
	if (ferror(stdin))
		die(EX_TEMPFAIL, "cannot read the message: %s",
		    strerror(errno));
}

/* 1 if the field at f (NUL-free, LF-terminated) is named name. */
static int
field_is(const char *f, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(f, name, n) == 0 && f[n] == ':';
}

/*
 * Walks the header fields: notes what is there, takes -t recipients
 * (from the unfolded value) and drops Bcc. Text before the first field,
 * or a header that is not one, is left to be the start of the body.
 */
static size_t
scan_header(struct inject *in)
{
	char *f = in->header, *end, *w = in->header, value[HEADER_MAX / 4];
	size_t vlen;

	if (in->hlen == 0 || isspace((unsigned char)*f) ||
	    strcspn(f, ":\n") == strlen(f) || f[strcspn(f, ":\n")] != ':')
		return 0; /* no header: all of it is body */
	while (*f && *f != '\n') {
		for (end = f; (end = strchr(end, '\n')) != NULL &&
		     (end[1] == ' ' || end[1] == '\t');
		     end++)
			;
		end = end ? end + 1 : f + strlen(f);
		in->has_date |= field_is(f, "Date");
		in->has_msgid |= field_is(f, "Message-ID");
		in->has_from |= field_is(f, "From");
		if (in->tflag &&
		    (field_is(f, "To") || field_is(f, "Cc") ||
			field_is(f, "Bcc"))) {
			vlen = (size_t)(end - strchr(f, ':') - 1);
			if (vlen >= sizeof(value))
				die(EX_DATAERR, "address header too long");
			memcpy(value, strchr(f, ':') + 1, vlen);
			value[vlen] = '\0';
			for (char *p = value; *p; p++)
				if (*p == '\n')
					*p = ' ';
			add_rcpt_list(in, value);
		}
		if (!field_is(f, "Bcc")) {
			memmove(w, f, (size_t)(end - f));
			w += end - f;
		}
		f = end;
	}
	/* the empty line and anything after it stays */
	memmove(w, f, strlen(f) + 1);
	in->hlen = (size_t)(w - in->header) + strlen(w);
	return (size_t)(w - in->header);
}

/* Nothing of the message stays where a reader could see it. */
static void
abort_message(struct inject *in)
{
	if (in->m != NULL)
		deliver_abort(in->m);
}

static void
write_or_die(struct inject *in, const char *p, size_t n)
{
	int r = in->m != NULL ? deliver_write(in->m, p, n)
			      : (fwrite(p, 1, n, in->spill) == n ? 0 : -1);

	if (r == -1) {
		char why[PATH_MAX + 64];

		strlcpy(why,
		    in->m != NULL ? deliver_why(in->m) : strerror(errno),
		    sizeof(why));
		abort_message(in);
		die(EX_TEMPFAIL, "cannot write the message: %s", why);
	}
}

/* The fields we add (RFC 5322 3.6: Date and From are required). */
static void
added_fields(struct inject *in, const char *user)
{
	char buf[2048], date[64], name[1024];
	time_t now = time(NULL);
	int n;

	rfc5322_date(now, date, sizeof(date));
	n = snprintf(buf, sizeof(buf),
	    "Received: (from %s uid %ld)\n\tby %s (yubin queue-inject) id %s;"
	    "\n\t%s\n",
	    user, (long)in->uid, in->conf.hostname, in->id, date);
	write_or_die(in, buf, (size_t)n);
	if (!in->has_date) {
		n = snprintf(buf, sizeof(buf), "Date: %s\n", date);
		write_or_die(in, buf, (size_t)n);
	}
	if (!in->has_msgid) {
		n = snprintf(buf, sizeof(buf), "Message-ID: <%s.qi@%s>\n",
		    in->id, in->conf.hostname);
		write_or_die(in, buf, (size_t)n);
	}
	if (!in->has_from) {
		if (in->fullname != NULL) {
			rfc5322_display_name(in->fullname, name, sizeof(name));
			n = snprintf(buf, sizeof(buf), "From: %s <%s>\n", name,
			    in->sender);
		} else
			n = snprintf(buf, sizeof(buf), "From: %s\n",
			    in->sender[0] ? in->sender : "MAILER-DAEMON");
		write_or_die(in, buf, (size_t)n);
	}
}

/* Copies the body; without -i a line holding only "." ends it. */
static void
copy_body(struct inject *in, long long *size)
{
	char line[65536];
	int bol = 1;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		size_t n = strlen(line);
		int whole = n > 0 && line[n - 1] == '\n';

		if (whole && n >= 2 && line[n - 2] == '\r')
			line[--n - 1] = '\n';
		for (char *cr = line;
		     (cr = memchr(cr, '\r', n - (size_t)(cr - line)));)
			*cr = ' '; /* CR only in CRLF (see queue-inject(8)) */
		if (bol && !in->iflag && strcmp(line, ".\n") == 0)
			break;
		*size += (long long)n;
		if (*size > in->conf.max_message_size) {
			abort_message(in);
			die(EX_DATAERR, "message bigger than %lld octets",
			    in->conf.max_message_size);
		}
		write_or_die(in, line, n);
		bol = whole;
	}
	if (ferror(stdin)) {
		abort_message(in);
		die(EX_TEMPFAIL, "cannot read the message: %s",
		    strerror(errno));
	}
}

/* ---- set-up ---- */

/*
 * root (cron) becomes the owner of the spool before writing anything, so
 * the servers, which run as that user, can read what it delivers.
 */
static void
become_spool_owner(const char *spool)
{
	if (spool_become_owner(spool) == -1)
		die(EX_TEMPFAIL, "cannot become the owner of %s: %s", spool,
		    strerror(errno));
}

static void
open_db(struct inject *in, struct db *d, const char *name)
{
	if (db_open_at(d, in->conf.dir, name) == -1)
		die(EX_TEMPFAIL, "cannot open %s/%s: %s", in->conf.dir, name,
		    strerror(errno));
}

/* The invoking user, for the envelope sender and Received:. */
static const char *
invoking_user(void)
{
	static char name[USERS_NAME_MAX + 1];
	struct passwd *pw = getpwuid(getuid());
	const char *u = pw ? pw->pw_name : getenv("LOGNAME");

	strlcpy(name, u && *u ? u : "nobody", sizeof(name));
	return name;
}

static void
set_sender(struct inject *in, const char *fflag, const char *user)
{
	const char *why;
	struct addr a;

	if (fflag == NULL) {
		snprintf(in->sender, sizeof(in->sender), "%s@%s", user,
		    in->conf.hostname);
		if (addr_parse(in->sender, &a, &why) == -1)
			snprintf(in->sender, sizeof(in->sender), "nobody@%s",
			    in->conf.hostname);
		return;
	}
	if (strcmp(fflag, "") == 0 || strcmp(fflag, "<>") == 0) {
		in->sender[0] = '\0'; /* the null sender */
		return;
	}
	if (addr_parse(fflag, &a, &why) == -1)
		die(EX_DATAERR, "bad sender address: %s", fflag);
	if (a.domain[0] == '\0')
		strlcpy(a.domain, in->conf.hostname, sizeof(a.domain));
	addr_format(&a, in->sender, sizeof(in->sender));
}

static void
options(struct inject *in, int argc, char **argv, const char **dir,
    const char **fflag)
{
	int ch;

	while ((ch = getopt(argc, argv, "C:f:F:tib:o:")) != -1) {
		switch (ch) {
		case 'C':
			*dir = optarg;
			break;
		case 'f':
			*fflag = optarg;
			break;
		case 'F':
			in->fullname = optarg;
			break;
		case 't':
			in->tflag = 1;
			break;
		case 'i':
			in->iflag = 1;
			break;
		case 'b':
			if (strcmp(optarg, "m") != 0)
				usage(); /* only "deliver mail" mode */
			break;
		case 'o':
			/* sendmail's -o options: -oi is -i, others are
			 * ignored as sendmail does */
			if (strcmp(optarg, "i") == 0)
				in->iflag = 1;
			break;
		default:
			usage();
		}
	}
}

/* The SRS secrets, for forwards; NULL (forwards keep their sender). */
static const struct srs *
load_srs(struct inject *in)
{
	static struct srs srs;
	int r = srs_load(&srs, in->conf.dir, in->conf.srs_domain);

	if (r == -1) /* mail still flows; forwards keep their sender */
		log_error("%s/srs.secret: %s: forwards keep their sender",
		    in->conf.dir, strerror(errno));
	return r == 1 ? &srs : NULL;
}

/* ---- via the local smtp-in, for everybody else ---- */

/*
 * root and the spool's owner write the spool themselves; anybody else
 * could not (and must not), so their mail goes through smtp-in.
 */
static int
writes_the_spool(const struct inject *in)
{
	struct stat st;

	return in->uid == 0 ||
	    (stat(in->conf.spool, &st) == 0 && st.st_uid == in->uid);
}

/* A reply other than the one wanted ends it, with smtp-in's words. */
static void
expect(int code, const struct smtpc_reply *r, int want, const char *what)
{
	if (code / 100 == want / 100)
		return;
	if (code == -1)
		die(EX_TEMPFAIL, "smtp-in at %s: %s: %s", what, "no answer",
		    strerror(errno));
	die(code / 100 == 5 ? EX_DATAERR : EX_TEMPFAIL,
	    "smtp-in said at %s: %s", what, r->text);
}

/* The message text, dot-stuffed with CRLF (lib/smtpdata), and the dot. */
static int
send_spill(struct inject *in, struct buf *b)
{
	static char chunk[16384];
	static char enc[SMTPDATA_ENC_ROOM(sizeof(chunk)) + SMTPDATA_END_ROOM];
	struct smtpdata_enc e;
	size_t n;

	if (fflush(in->spill) == EOF || fseek(in->spill, 0, SEEK_SET) == -1)
		return -1;
	smtpdata_enc_init(&e);
	while ((n = fread(chunk, 1, sizeof(chunk), in->spill)) > 0)
		buf_put(b, enc, smtpdata_encode(&e, chunk, n, enc));
	if (ferror(in->spill))
		return -1;
	buf_put(b, enc, smtpdata_encode_end(&e, enc, 1));
	return 0;
}

/* Dials local_smtp: a numeric address, so no resolver is asked. */
static int
dial_local_smtp(struct inject *in)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	char host[256];
	int port = 25, fd;

	memset(&ss, 0, sizeof(ss));
	if (smtpc_hostport(in->conf.local_smtp, host, sizeof(host), &port) ==
	    -1)
		die(EX_TEMPFAIL, "local_smtp: bad address %s",
		    in->conf.local_smtp);
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		die(EX_TEMPFAIL, "local_smtp: %s is not an IP address", host);
	if ((fd = smtpc_dial(&ss, port)) == -1)
		die(EX_TEMPFAIL, "cannot reach smtp-in at %s: %s",
		    in->conf.local_smtp, strerror(errno));
	return fd;
}

/* One SMTP transaction with the local smtp-in; exits with its outcome. */
static int
submit_via_smtp(struct inject *in)
{
	static struct smtpc_reply r;
	struct buf b;
	size_t i;
	int fd = dial_local_smtp(in);

	buf_init(&b, fd, fd, in->conf.timeout);
	expect(smtpc_read(&b, &r, SMTPC_T_GREETING), &r, 220, "the greeting");
	expect(smtpc_command(
		   &b, &r, SMTPC_T_OTHER, "EHLO %s\r\n", in->conf.hostname),
	    &r, 250, "EHLO");
	expect(smtpc_command(
		   &b, &r, SMTPC_T_MAIL, "MAIL FROM:<%s>\r\n", in->sender),
	    &r, 250, "MAIL");
	for (i = 0; i < in->nrcpt; i++)
		expect(smtpc_command(&b, &r, SMTPC_T_RCPT, "RCPT TO:<%s>\r\n",
			   in->rcpts[i]),
		    &r, 250, in->rcpts[i]);
	expect(smtpc_command(&b, &r, SMTPC_T_DATA, "DATA\r\n", NULL), &r, 354,
	    "DATA");
	if (send_spill(in, &b) == -1)
		die(EX_TEMPFAIL, "cannot read the message back: %s",
		    strerror(errno));
	expect(smtpc_read(&b, &r, SMTPC_T_DOT), &r, 250, "the end of DATA");
	smtpc_command(&b, &r, SMTPC_T_OTHER, "QUIT\r\n", NULL);
	close(fd);
	return EX_OK;
}

/* Mail for other hosts is DKIM-signed before it is queued. */
static void
sign_outgoing(struct inject *in, struct deliver_msg *m)
{
	char why[DKIMSIGN_WHY_MAX];

	if (deliver_plan_maildirs(&in->plan) == in->plan.n)
		return;
	if (deliver_sign(m, in->conf.dir, in->conf.dkim_selector, why,
		sizeof(why)) == -1) {
		log_error("message %s: cannot DKIM-sign: %s", m->id, why);
		deliver_abort(m);
		die(EX_TEMPFAIL, "cannot DKIM-sign the message: %s", why);
	}
	log_info("message %s: %s", m->id, why);
}

/*
 * Recipients, the header, the fields we add and the body, into in->m
 * (opened here once the recipients are known) or in->spill.
 */
static void
take_message(struct inject *in, int argc, const char *user)
{
	long long size = 0;
	size_t body_at;
	int i;

	for (i = optind; i < argc; i++)
		add_rcpt_list(in, in->argv[i]);
	read_header(in);
	body_at = scan_header(in);
	if (in->nrcpt == 0)
		die(EX_USAGE, "no recipients (name them, or use -t)");
	if (in->m != NULL) {
		if (deliver_open(in->m, &in->ctx, &in->plan, in->sender, "") ==
		    -1)
			die(EX_TEMPFAIL, "cannot store the message: %s",
			    deliver_why(in->m));
		strlcpy(in->id, in->m->id, sizeof(in->id));
	}
	added_fields(in, user);
	if (body_at == 0)
		write_or_die(in, "\n", 1); /* no header was given */
	write_or_die(in, in->header, in->hlen);
	if (in->hlen > 0 && in->header[in->hlen - 1] != '\n')
		write_or_die(in, "\n", 1);
	copy_body(in, &size);
}

/* Everybody else's mail: through smtp-in, as the user's own address. */
static int
inject_via_smtp(struct inject *in, int argc, const char *user)
{
	if ((in->spill = tmpfile()) == NULL)
		die(EX_TEMPFAIL, "cannot make a temporary file: %s",
		    strerror(errno));
	queue_new_id(in->id, sizeof(in->id));
	set_sender(in, NULL, user);
	take_message(in, argc, user);
	return submit_via_smtp(in);
}

/* Root's and the spool owner's mail: delivered and queued here. */
static int
inject_here(struct inject *in, int argc, const char *fflag, const char *user)
{
	struct vacation_in away = { 0 };
	struct deliver_msg m;
	int replies;

	/* the databases first: users.cdb may be readable by root only */
	open_db(in, &in->users, "users.cdb");
	open_db(in, &in->domains, "domains.cdb");
	become_spool_owner(in->conf.spool);
	log_open("queue-inject", in->conf.log); /* as the owner: its file */
	in->ctx = (struct deliver_ctx) { .users = &in->users,
		.domains = &in->domains,
		.spool = in->conf.spool,
		.hostname = in->conf.hostname,
		.srs = load_srs(in) };
	deliver_plan_init(&in->plan);
	set_sender(in, fflag, user);
	in->m = &m;
	take_message(in, argc, user);
	sign_outgoing(in, &m);
	if (in->plan.nlocal > 0)
		vacation_scan(&m, &away);
	if (deliver_commit(&m, in->sender) == -1)
		die(EX_TEMPFAIL, "cannot deliver the message: %s",
		    deliver_why(&m));
	replies = in->plan.nlocal > 0 &&
	    vacation_reply(&in->ctx, &in->plan, in->sender, &away,
		&(struct vacation_site) { in->conf.dir, in->conf.dkim_selector,
		    in->conf.vacation_days }) > 0;
	if (replies || deliver_plan_maildirs(&in->plan) < in->plan.n)
		runner_kick(in->conf.dir, in->conf.spool);
	return EX_OK;
}

int
main(int argc, char **argv)
{
	static struct inject in;
	const char *dir = CONFDIR, *fflag = NULL, *user;
	char err[CONF_ERR_MAX];

	in.argv = argv;
	options(&in, argc, argv, &dir, &fflag);
	if (conf_load(&in.conf, dir, err, sizeof(err)) == -1)
		die(EX_TEMPFAIL, "%s", err);
	in.uid = getuid();
	user = invoking_user();
	if (!writes_the_spool(&in))
		return inject_via_smtp(&in, argc, user);
	return inject_here(&in, argc, fflag, user);
}
