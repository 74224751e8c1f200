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
#include <signal.h>
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
#include "submit.h"
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
	struct rfc5322_seen seen; /* fields the header has */
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

/* -t: the recipients of a To, Cc or Bcc field. */
static void
header_rcpts(char *value, void *ctx)
{
	add_rcpt_list(ctx, value);
}

/* The header fields (lib/rfc5322): what is there, -t's recipients, Bcc
 * taken out. The header's length (0: none). */
static size_t
scan_header(struct inject *in)
{
	long n = rfc5322_header_scan(in->header, &in->hlen, &in->seen,
	    in->tflag ? header_rcpts : NULL, in);

	if (n == -1)
		die(EX_DATAERR, "address header too long");
	return (size_t)n;
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
	if (!in->seen.date) {
		n = snprintf(buf, sizeof(buf), "Date: %s\n", date);
		write_or_die(in, buf, (size_t)n);
	}
	if (!in->seen.msgid) {
		n = snprintf(buf, sizeof(buf), "Message-ID: <%s.qi@%s>\n",
		    in->id, in->conf.hostname);
		write_or_die(in, buf, (size_t)n);
	}
	if (!in->seen.from) {
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

/* One SMTP transaction with the local smtp-in (lib/submit); exits
 * with its outcome. */
static int
submit_via_smtp(struct inject *in)
{
	const struct submit sub = { in->conf.local_smtp, in->conf.hostname,
		in->conf.timeout, in->sender, in->rcpts, in->nrcpt, in->spill };
	char why[SUBMIT_WHY_MAX];
	int permanent, r = submit_smtp(&sub, &permanent, why, sizeof(why));

	if (r == 0)
		return EX_OK;
	if (r == -2)
		die(EX_TEMPFAIL, "cannot reach smtp-in at %s: %s",
		    in->conf.local_smtp, why);
	die(permanent ? EX_DATAERR : EX_TEMPFAIL, "smtp-in at %s %s",
	    in->conf.local_smtp, why);
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
		.srs = srs_secrets(in->conf.dir, in->conf.srs_domain) };
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
	/* smtp-in gone in the middle: an error we report (75), not a
	 * death by signal the caller cannot read */
	signal(SIGPIPE, SIG_IGN);
	options(&in, argc, argv, &dir, &fflag);
	if (conf_load(&in.conf, dir, err, sizeof(err)) == -1)
		die(EX_TEMPFAIL, "%s", err);
	in.uid = getuid();
	user = invoking_user();
	if (!writes_the_spool(&in))
		return inject_via_smtp(&in, argc, user);
	return inject_here(&in, argc, fflag, user);
}
