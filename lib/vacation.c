/* vacation: absence replies (RFC 3834); see vacation.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "addr.h"
#include "fsync.h"
#include "log.h"
#include "rfc5322.h"
#include "users.h"
#include "vacation.h"

/* Whether needle is in hay, in any case. */
static int
contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return n == 0;
}

/* 1 when the field is there (its value in out, perhaps cut). */
static int
field(struct deliver_msg *m, const char *name, char *out, size_t size)
{
	int r = deliver_field(m, name, out, size);
	size_t lead;

	if (r != 1)
		out[0] = '\0';
	lead = strspn(out, " \t");
	memmove(out, out + lead, strlen(out + lead) + 1);
	return r != 0 && r != -2; /* twice or too long: there all the same */
}

void
vacation_scan(struct deliver_msg *m, struct vacation_in *in)
{
	static const char *const lists[] = { "list-id", "list-unsubscribe",
		"list-post", "list-help", "x-auto-response-suppress", NULL };
	char v[256], cc[1024];
	size_t i;

	memset(in, 0, sizeof(*in));
	field(m, "subject", in->subject, sizeof(in->subject));
	field(m, "message-id", in->message_id, sizeof(in->message_id));
	field(m, "to", in->to_cc, sizeof(in->to_cc));
	if (field(m, "cc", cc, sizeof(cc)))
		snprintf(in->to_cc + strlen(in->to_cc),
		    sizeof(in->to_cc) - strlen(in->to_cc), ",%s", cc);
	for (i = 0; lists[i] != NULL; i++)
		if (field(m, lists[i], v, sizeof(v)))
			in->automatic = 1;
	if (field(m, "precedence", v, sizeof(v)) &&
	    (contains(v, "bulk") || contains(v, "list") || contains(v, "junk")))
		in->automatic = 1;
	if (field(m, "auto-submitted", v, sizeof(v)) &&
	    strncasecmp(v, "no", 2) != 0)
		in->automatic = 1;
}

/* Senders that are programs (RFC 3834 2, and common practice). */
static int
sender_is_a_program(const struct addr *a)
{
	static const char *const names[] = { "mailer-daemon", "postmaster",
		"listserv", "majordomo", "noreply", "no-reply", "nobody",
		NULL };
	size_t i, n = strlen(a->local);

	for (i = 0; names[i] != NULL; i++)
		if (strcasecmp(a->local, names[i]) == 0)
			return 1;
	return strncasecmp(a->local, "owner-", 6) == 0 ||
	    (n > 8 && strcasecmp(a->local + n - 8, "-request") == 0);
}

/*
 * Whether sender had no reply from account in days: the state file
 * SPOOL/vacation/ACCOUNT/SHA1(sender) is made or touched when not.
 */
static int
not_answered_lately(
    const char *spool, const char *account, const char *sender, long days)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	char path[PATH_MAX], lower[ADDR_MAX];
	struct stat st;
	size_t i, n;
	int fd, bad;

	addr_lower(lower, sender, sizeof(lower));
	SHA1((const unsigned char *)lower, strlen(lower), md);
	n = (size_t)snprintf(path, sizeof(path), "%s/vacation", spool);
	mkdir(path, 0750);
	n += (size_t)snprintf(path + n, sizeof(path) - n, "/%s", account);
	mkdir(path, 0750);
	path[n++] = '/';
	for (i = 0; i < sizeof(md) && n + 3 < sizeof(path); i++)
		n +=
		    (size_t)snprintf(path + n, sizeof(path) - n, "%02x", md[i]);
	if (stat(path, &st) == 0 && st.st_mtime > time(NULL) - days * 86400)
		return 0;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) ==
	    -1) {
		log_warn(
		    "vacation: cannot write %s: %s", path, strerror(errno));
		return 0; /* no record, no reply: never a flood */
	}
	/* on disk before the reply is queued: after a crash the sender
	 * is not answered twice within the window */
	bad = dprintf(fd, "%s\n", lower) < 0 || fsync(fd) == -1;
	if (close(fd) == -1 || bad || fsync_dir(path) == -1) {
		log_warn(
		    "vacation: cannot record %s: %s", path, strerror(errno));
		return 0;
	}
	return 1;
}

/* The account behind a local recipient, when it is away: its text. */
static int
away_text(const struct deliver_ctx *c, const char *rcpt, struct account *a,
    char **text)
{
	char path[PATH_MAX];
	const char *why;
	struct addr ad;
	ssize_t n;
	int fd;

	if (addr_parse(rcpt, &ad, &why) == -1 ||
	    users_find_rcpt(c->users, ad.local, ad.domain, a) != 1 ||
	    !users_has_own_maildir(a) ||
	    users_maildir(c->spool, a, path, sizeof(path) - 16) == -1)
		return 0;
	strlcat(path, VACATION_FILE, sizeof(path));
	/* a link is the admin's way to let a user keep the text at home */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	/* the buffer only for someone away: this runs for every message */
	if (*text == NULL && (*text = malloc(VACATION_TEXT_MAX)) == NULL) {
		close(fd);
		return 0;
	}
	n = read(fd, *text, VACATION_TEXT_MAX - 1);
	close(fd);
	if (n <= 0)
		return 0;
	(*text)[n] = '\0';
	return 1;
}

/* Control characters (a stranger's Subject) become spaces. */
static void
clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			*s = ' ';
}

/* The length of the header fields at the top of the file (0: none). */
static size_t
own_fields(const char *text)
{
	const char *end = strstr(text, "\n\n");

	size_t name = strcspn(text, ": \t\n");

	/* "Name:" starts the first line, and an empty line ends them */
	if (end == NULL || name == 0 || text[name] != ':')
		return 0;
	return (size_t)(end - text) + 1;
}

/* The reply's text: our fields, the file's own, then its body. */
static size_t
compose(char *out, size_t size, const char *from, const char *to,
    const struct vacation_in *in, const char *hostname, const char *text)
{
	char date[64], subject[300], msgid[300];
	size_t head = own_fields(text), n;
	int own_subject = strncasecmp(text, "subject:", 8) == 0;
	size_t i;

	for (i = 0; i + 9 < head && !own_subject; i++)
		own_subject = text[i] == '\n' &&
		    strncasecmp(text + i + 1, "subject:", 8) == 0;
	snprintf(subject, sizeof(subject), "Auto: %s",
	    in->subject[0] ? in->subject : "away");
	clean(subject);
	snprintf(msgid, sizeof(msgid), "%s", in->message_id);
	clean(msgid);
	rfc5322_date(time(NULL), date, sizeof(date));
	n = (size_t)snprintf(out, size,
	    "From: <%s>\nTo: <%s>\nDate: %s\n"
	    "Message-ID: <%ld.%ld.vacation@%s>\n"
	    "Auto-Submitted: auto-replied\n",
	    from, to, date, (long)time(NULL), (long)getpid(), hostname);
	if (msgid[0] && n < size)
		n += (size_t)snprintf(out + n, size - n,
		    "In-Reply-To: %s\nReferences: %s\n", msgid, msgid);
	if (!own_subject && n < size)
		n += (size_t)snprintf(
		    out + n, size - n, "Subject: %s\n", subject);
	if (n < size)
		n += (size_t)snprintf(out + n, size - n, "%.*s\n%s", (int)head,
		    text, text + head + (head > 0));
	if (n >= size)
		return 0;
	if (out[n - 1] != '\n' && n + 1 < size)
		out[n++] = '\n';
	return n;
}

/* Queues the reply to `to`, from the null sender, signed. */
static int
queue_reply(const struct deliver_ctx *c, const char *to, const char *text,
    size_t len, const struct vacation_site *site)
{
	char why[256];
	const char *err;
	struct deliver_plan p;
	struct deliver_msg *m = malloc(sizeof(*m));
	struct addr a;
	int r = -1;

	if (m == NULL)
		return -1;
	deliver_plan_init(&p);
	if (addr_parse(to, &a, &err) == 0 &&
	    (users_domain_is_local(c->domains, a.domain) == 1
		    ? deliver_plan_rcpt(&p, c, a.local, a.domain, to)
		    : deliver_plan_remote(&p, to)) == 0 &&
	    p.n > 0 && deliver_open(m, c, &p, "", "") == 0) {
		if (deliver_write(m, text, len) == 0 &&
		    deliver_sign(m, site->confdir, site->selector, why,
			sizeof(why)) != -1 &&
		    deliver_commit(m, "") == 0) {
			log_info("vacation: replied to <%s> as %s", to, m->id);
			r = 0;
		} else {
			log_error(
			    "vacation: reply to <%s>: %s", to, deliver_why(m));
			deliver_abort(m);
		}
	}
	deliver_plan_free(&p);
	free(m);
	return r;
}

int
vacation_reply(const struct deliver_ctx *c, const struct deliver_plan *p,
    const char *sender, const struct vacation_in *in,
    const struct vacation_site *site)
{
	char *text = NULL, *out = NULL;
	struct account a;
	struct addr s;
	const char *why;
	size_t i, n;
	int sent = 0;

	if (sender[0] == '\0' || in->automatic ||
	    addr_parse(sender, &s, &why) == -1 || sender_is_a_program(&s))
		return 0; /* nobody to answer */
	for (i = 0; i < p->nlocal; i++) {
		const char *rcpt = p->local_rcpts[i];

		if (strcasecmp(rcpt, sender) == 0 ||
		    !contains(in->to_cc, rcpt) ||
		    !away_text(c, rcpt, &a, &text) ||
		    !not_answered_lately(c->spool, a.key, sender, site->days))
			continue;
		if (out == NULL &&
		    (out = malloc(VACATION_TEXT_MAX + 2048)) == NULL)
			break;
		n = compose(out, VACATION_TEXT_MAX + 2048, rcpt, sender, in,
		    c->hostname, text);
		if (n > 0 && queue_reply(c, sender, out, n, site) == 0)
			sent++;
	}
	free(text);
	free(out);
	return sent;
}
