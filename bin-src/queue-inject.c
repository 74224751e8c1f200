/*
 * queue-inject: submits a message from the command line, the way cron
 * jobs and CGI form-mail scripts expect `sendmail` to. Delivers exactly as
 * smtp-in does (lib/deliver): local Maildirs, the queue for the rest.
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "db.h"
#include "deliver.h"
#include "dkimsign.h"
#include "log.h"
#include "queue.h"
#include "runner.h"
#include "rfc5322.h"
#include "sasl.h"
#include "spool.h"
#include "srs.h"
#include "users.h"

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

/*
 * Adds every address of an RFC 5322 address-list: display names, quoted
 * strings, comments and groups are skipped, <angle-addr> wins.
 */
static void
add_rcpt_list(struct inject *in, const char *v)
{
	char cur[ADDR_MAX + 2], angle[ADDR_MAX + 2];
	size_t n = 0, an = 0;
	int depth = 0, quoted = 0, inangle = 0, hasangle = 0;

	for (;; v++) {
		char c = *v;

		if (c == '\0' ||
		    (!quoted && !depth && !inangle &&
			(c == ',' || c == ';' || c == ':'))) {
			cur[n] = angle[an] = '\0';
			if (c != ':' && (hasangle ? an : n) > 0)
				add_rcpt(in, hasangle ? angle : cur);
			n = an = 0;
			hasangle = 0;
			if (c == '\0')
				return;
		} else if (quoted) {
			if (c == '\\' && v[1])
				v++;
			else if (c == '"')
				quoted = 0;
		} else if (c == '"')
			quoted = 1;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (depth)
			continue;
		else if (c == '<')
			inangle = hasangle = 1;
		else if (c == '>')
			inangle = 0;
		else if (isspace((unsigned char)c))
			continue;
		else if (inangle && an < ADDR_MAX)
			angle[an++] = c;
		else if (!inangle && n < ADDR_MAX)
			cur[n++] = c;
	}
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

static void
write_or_die(struct deliver_msg *m, const char *p, size_t n)
{
	if (deliver_write(m, p, n) == -1) {
		deliver_abort(m);
		die(EX_TEMPFAIL, "cannot write the message: %s",
		    strerror(errno));
	}
}

/*
 * The -F name as a display name: a quoted string (RFC 5322 3.2.4) when it
 * is ASCII, else UTF-8 encoded-words (RFC 2047), each of whole characters.
 * Control characters, CR and LF among them, become spaces: no argument
 * can add a header field.
 */
static void
display_name(const char *in, char *out, size_t size)
{
	char clean[256], b64[80];
	size_t i, n = strlcpy(clean, in, sizeof(clean)), len = 0, take;
	int ascii = 1;

	if (n >= sizeof(clean))
		n = sizeof(clean) - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)clean[i];

		if (c < 0x20 || c == 0x7f)
			clean[i] = ' ';
		ascii &= c < 0x80;
	}
	if (ascii) {
		out[len++] = '"';
		for (i = 0; i < n && len + 4 < size; i++) {
			if (clean[i] == '"' || clean[i] == '\\')
				out[len++] = '\\';
			out[len++] = clean[i];
		}
		out[len++] = '"';
		out[len] = '\0';
		return;
	}
	out[0] = '\0';
	for (i = 0; i < n; i += take) {
		take = n - i < 45 ? n - i : 45; /* 60 base64 octets a word */
		while (i + take < n && take > 1 &&
		    ((unsigned char)clean[i + take] & 0xc0) == 0x80)
			take--; /* not inside a UTF-8 character */
		sasl_b64_encode(clean + i, take, b64, sizeof(b64));
		snprintf(out + strlen(out), size - strlen(out),
		    "%s=?UTF-8?B?%s?=", i ? "\n " : "", b64);
	}
}

/* The fields we add (RFC 5322 3.6: Date and From are required). */
static void
added_fields(struct inject *in, struct deliver_msg *m, const char *user)
{
	char buf[2048], date[64], name[1024];
	time_t now = time(NULL);
	int n;

	rfc5322_date(now, date, sizeof(date));
	n = snprintf(buf, sizeof(buf),
	    "Received: (from %s uid %ld)\n\tby %s (yubin queue-inject) id %s;"
	    "\n\t%s\n",
	    user, (long)in->uid, in->conf.hostname, m->id, date);
	write_or_die(m, buf, (size_t)n);
	if (!in->has_date) {
		n = snprintf(buf, sizeof(buf), "Date: %s\n", date);
		write_or_die(m, buf, (size_t)n);
	}
	if (!in->has_msgid) {
		n = snprintf(buf, sizeof(buf), "Message-ID: <%s.qi@%s>\n",
		    m->id, in->conf.hostname);
		write_or_die(m, buf, (size_t)n);
	}
	if (!in->has_from) {
		if (in->fullname != NULL) {
			display_name(in->fullname, name, sizeof(name));
			n = snprintf(buf, sizeof(buf), "From: %s <%s>\n", name,
			    in->sender);
		} else
			n = snprintf(buf, sizeof(buf), "From: %s\n",
			    in->sender[0] ? in->sender : "MAILER-DAEMON");
		write_or_die(m, buf, (size_t)n);
	}
}

/* Copies the body; without -i a line holding only "." ends it. */
static void
copy_body(struct inject *in, struct deliver_msg *m, long long *size)
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
			deliver_abort(m);
			die(EX_DATAERR, "message bigger than %lld octets",
			    in->conf.max_message_size);
		}
		write_or_die(m, line, n);
		bol = whole;
	}
	if (ferror(stdin)) {
		deliver_abort(m);
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

int
main(int argc, char **argv)
{
	static struct inject in;
	const char *dir = CONFDIR, *fflag = NULL, *user;
	char err[CONF_ERR_MAX];
	struct deliver_msg m;
	long long size = 0;
	size_t body_at;
	int i;

	options(&in, argc, argv, &dir, &fflag);
	if (conf_load(&in.conf, dir, err, sizeof(err)) == -1)
		die(EX_TEMPFAIL, "%s", err);
	in.uid = getuid();
	user = invoking_user();
	/* the databases first: users.cdb may be readable by root only */
	open_db(&in, &in.users, "users.cdb");
	open_db(&in, &in.domains, "domains.cdb");
	become_spool_owner(in.conf.spool);
	log_open("queue-inject", in.conf.log); /* as the owner: its file */
	in.ctx = (struct deliver_ctx) { .users = &in.users,
		.domains = &in.domains,
		.spool = in.conf.spool,
		.hostname = in.conf.hostname,
		.srs = load_srs(&in) };
	deliver_plan_init(&in.plan);
	set_sender(&in, fflag, user);
	for (i = optind; i < argc; i++)
		add_rcpt_list(&in, argv[i]);
	read_header(&in);
	body_at = scan_header(&in);
	if (in.nrcpt == 0)
		die(EX_USAGE, "no recipients (name them, or use -t)");
	if (deliver_open(&m, &in.ctx, &in.plan, in.sender, "") == -1)
		die(EX_TEMPFAIL, "cannot store the message: %s",
		    strerror(errno));
	added_fields(&in, &m, user);
	if (body_at == 0)
		write_or_die(&m, "\n", 1); /* no header was given */
	write_or_die(&m, in.header, in.hlen);
	if (in.hlen > 0 && in.header[in.hlen - 1] != '\n')
		write_or_die(&m, "\n", 1);
	copy_body(&in, &m, &size);
	sign_outgoing(&in, &m);
	if (deliver_commit(&m, in.sender) == -1)
		die(EX_TEMPFAIL, "cannot deliver the message: %s",
		    strerror(errno));
	if (deliver_plan_maildirs(&in.plan) < in.plan.n)
		runner_start(in.conf.dir, NULL);
	return EX_OK;
}
