/*
 * remote-send: works through the queue (yubin-queue(5)), delivering to
 * other hosts by MX, retrying later on temporary failure and bouncing
 * (RFC 3464) on permanent failure or when the entry is too old.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "buf.h"
#include "conf.h"
#include "db.h"
#include "deliver.h"
#include "destination.h"
#include "dns.h"
#include "log.h"
#include "queue.h"
#include "round.h"
#include "smtpc.h"
#include "spool.h"
#include "srs.h"

#define USAGE                                                                  \
	"usage: remote-send [-C dir] [-m id | --release domain]\n"             \
	"       remote-send [-C dir] --etrn host[:port] domain\n"              \
	"       remote-send [-C dir] -l | --show id | --remove id | --flush\n"
#define EXIT_PERM 100
#define EXIT_TEMP 111
#define ERROR_KEPT_MAX 300   /* octets of a reply kept in the envelope */
#define RUN_NEW_WORK_MAX 600 /* seconds a run takes up new entries */
#define ROUNDS_MAX 100	     /* rounds of one run */

static struct conf conf;
static char confdir[PATH_MAX] = CONFDIR;
static const char *released; /* --release: the held domain to send now */

/* An entry's file, for the log: SPOOL/queue/PART/ID. */
static const char *
entry_path(const char *part, const char *id)
{
	static char path[PATH_MAX];
	int saved = errno; /* it goes in a log line with strerror(errno) */

	if (queue_path(path, sizeof(path), conf.spool, part, id, "") == -1)
		strlcpy(path, id, sizeof(path));
	errno = saved;
	return path;
}

static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

/* ---- bounces: lib/bounce ---- */

/* The report for the recipients marked to bounce. */
static int
bounce(const struct deliver_ctx *ctx, const struct queue_entry *e,
    const struct dest_result *res, int mess)
{
	struct bounce_rcpt *r = calloc(e->n, sizeof(*r));
	size_t i, n = 0;
	int rc;

	if (r == NULL)
		return -1;
	for (i = 0; i < e->n; i++)
		if (res[i].bounce)
			r[n++] =
			    (struct bounce_rcpt) { e->rcpt[i].addr, res[i].host,
				    res[i].text, res[i].o == DEST_FAILED };
	rc = bounce_send(ctx, e, r, n, mess);
	free(r);
	return rc;
}

/* ---- one entry ---- */

static void
log_results(const struct queue_entry *e, const struct dest_result *res)
{
	char reply[256];
	size_t i;

	for (i = 0; i < e->n; i++) {
		strlcpy(reply, res[i].text, sizeof(reply));
		reply[strcspn(reply, "\n")] = '\0';
		log_info("remote id=%s rcpt=<%s> host=%s reply=\"%s\" "
			 "decision=%s",
		    e->id, e->rcpt[i].addr, res[i].host, reply,
		    res[i].o == DEST_DONE ? "delivered"
			: res[i].bounce	  ? "bounced"
					  : "deferred");
	}
}

/*
 * Keeps what is still to do, in the space reserved before the delivery;
 * a crash before this loses nothing. -1 when the entry could not be
 * updated: the run must stop, or recipients would get a second copy.
 */
static int
settle(const struct deliver_ctx *ctx, struct queue_entry *e,
    struct dest_result *res, int mess, int reserved)
{
	time_t now = time(NULL);
	int expired = now - e->created >= conf.queue_lifetime, any = 0;
	size_t i, kept = 0;
	long long k;

	for (i = 0; i < e->n; i++)
		any |= res[i].bounce = res[i].o == DEST_FAILED ||
		    (res[i].o != DEST_DONE && expired);
	if (any && bounce(ctx, e, res, mess) == -1) {
		log_error("id=%s: cannot write the bounce into %s/queue: %s",
		    e->id, conf.spool, strerror(errno));
		for (i = 0; i < e->n; i++) /* keep them for next time */
			if (res[i].bounce)
				res[i].o = DEST_DEFERRED, res[i].bounce = 0;
	}
	log_results(e, res);
	for (i = 0; i < e->n; i++) {
		if (res[i].o == DEST_DONE || res[i].bounce) {
			free(e->rcpt[i].addr);
			free(e->rcpt[i].via);
			free(e->rcpt[i].error);
			continue;
		}
		e->rcpt[kept] = e->rcpt[i];
		free(e->rcpt[kept].error);
		e->rcpt[kept].error = strndup(res[i].text, ERROR_KEPT_MAX);
		if (e->rcpt[kept].error)
			e->rcpt[kept]
			    .error[strcspn(e->rcpt[kept].error, "\n")] = '\0';
		kept++;
	}
	e->n = kept;
	if (kept == 0) {
		queue_unreserve(conf.spool, e->id, reserved);
		if (queue_remove(conf.spool, e->id) == 0)
			return 0;
		log_error("id=%s: cannot remove the finished entry %s: %s",
		    e->id, entry_path("*", e->id), strerror(errno));
		return -1;
	}
	/* the k-th retry about 400 k^2 seconds after arrival */
	k = ++e->attempts;
	e->next = e->created + 400 * k * k;
	if (e->next < now + 60)
		e->next = now + 60;
	if (queue_rewrite_reserved(conf.spool, e, reserved) == 0)
		return 0;
	log_error("id=%s: cannot rewrite %s: %s", e->id,
	    entry_path("info", e->id), strerror(errno));
	return -1;
}

/* Disk to reserve for an entry's next envelope: it never grows more. */
static off_t
envelope_room(const struct queue_entry *e, off_t now)
{
	return now + (off_t)e->n * (ERROR_KEPT_MAX + 16) + 4096;
}

/* An envelope whose message is gone (damage, or an old race): removed. */
static void
drop_envelope(const char *id)
{
	log_error("id=%s: the envelope has no message file; removed", id);
	if (queue_remove(conf.spool, id) == -1)
		log_error("id=%s: cannot remove %s: %s", id,
		    entry_path("info", id), strerror(errno));
}

/*
 * Delivers entry id, holding its lock. Returns 0, or -1 when the spool
 * cannot take the entry's new state (the run stops; nothing was sent).
 */
static int
process(const struct deliver_ctx *ctx, const char *id)
{
	struct queue_entry e;
	struct dest_result *res;
	struct stat st, ist;
	int mess, lock, info, reserved, r = 0;
	size_t nres;

	if ((lock = queue_lock(conf.spool, id)) == -1) {
		if (errno == ENOENT && queue_read(conf.spool, id, &e) == 1) {
			queue_entry_free(&e);
			drop_envelope(id);
		} else if (errno != EBUSY && errno != ENOENT)
			log_error("id=%s: cannot lock %s: %s", id,
			    entry_path("mess", id), strerror(errno));
		return 0; /* EBUSY: an administrator's tool has it */
	}
	if (queue_read(conf.spool, id, &e) != 1) {
		if (errno == EINVAL)
			log_error("id=%s: malformed entry, left alone", id);
		close(lock);
		return 0;
	}
	mess = lock; /* the lock is held on the message file, open */
	nres = e.n;
	if (fstat(mess, &st) == -1 ||
	    (info = queue_open(conf.spool, "info", id)) == -1 ||
	    fstat(info, &ist) == -1 || close(info) == -1 ||
	    (reserved = queue_reserve(
		 conf.spool, id, envelope_room(&e, ist.st_size))) == -1) {
		log_error("id=%s: cannot reserve spool space in %s/queue/tmp "
			  "for the entry's record, not delivering now: %s",
		    id, conf.spool, strerror(errno));
		r = -1;
	} else if ((res = mmap(NULL, nres * sizeof(*res),
			PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
			0)) == MAP_FAILED) {
		queue_unreserve(conf.spool, id, reserved);
	} else {
		destination_attempt(&conf, &e, mess, st.st_size, released, res);
		r = settle(ctx, &e, res, mess, reserved);
		munmap(res, nres * sizeof(*res));
	}
	queue_entry_free(&e);
	close(lock);
	return r;
}

/* ---- the runner ---- */

/*
 * 1 if entry id is due now (or flush, or it has mail for the released
 * domain), 0 if not, -1 if unreadable.
 */
static int
due(const char *id, int flush)
{
	struct queue_entry e;
	size_t i;
	int r;

	if (queue_read(conf.spool, id, &e) != 1)
		return -1;
	r = flush || e.next <= time(NULL);
	for (i = 0; released != NULL && i < e.n; i++)
		if (strcasecmp(domain_of(e.rcpt[i].addr), released) == 0)
			r = 1;
	queue_entry_free(&e);
	return r;
}

/* What a round needs of this run (the arg of its callbacks). */
struct run_state {
	const struct deliver_ctx *ctx;
	int flush; /* every entry is due */
};

static int
run_due(const char *id, void *arg)
{
	return due(id, ((struct run_state *)arg)->flush);
}

static int
run_process(const char *id, void *arg)
{
	return process(((struct run_state *)arg)->ctx, id);
}

/*
 * Runs the queue until nothing is due. One runner at a time: a second
 * one finds the lock taken and leaves the work to the first, which looks
 * again for new entries before it stops.
 */
static int
run(const char *only, int flush)
{
	struct db users, domains;
	struct deliver_ctx ctx;
	struct run_state st = { &ctx, flush };
	struct round_job job = { conf.spool, conf.remote_concurrency, only,
		RUN_NEW_WORK_MAX, run_due, run_process, &st };
	int lock, round, done;

	if (queue_init(conf.spool) == -1 ||
	    (lock = queue_runner_lock(conf.spool)) == -1)
		return EXIT_TEMP;
	if (flock(lock, LOCK_EX | LOCK_NB) == -1)
		return errno == EWOULDBLOCK ? 0 : EXIT_TEMP;
	if (db_open_logged(&users, conf.dir, "users.cdb") == -1 ||
	    db_open_logged(&domains, conf.dir, "domains.cdb") == -1)
		return EXIT_TEMP;
	ctx = (struct deliver_ctx) { .users = &users,
		.domains = &domains,
		.spool = conf.spool,
		.hostname = conf.hostname,
		.srs = srs_secrets(conf.dir, conf.srs_domain) };
	if ((done = queue_remove_orphans(conf.spool, 86400)) > 0)
		log_warn("removed %d message files left by a crash", done);
	for (round = 0; round < ROUNDS_MAX; round++) {
		if ((done = round_run(&job)) < 0 || only != NULL)
			break;
		/* --release and --flush: once; then the back-off counts */
		released = NULL;
		st.flush = 0;
		/* mail queued after the last look found the lock taken and
		 * left the work to us: look once more without the lock */
		flock(lock, LOCK_UN);
		if (!round_any_due(&job) ||
		    flock(lock, LOCK_EX | LOCK_NB) == -1)
			break;
	}
	return done < 0 ? EXIT_TEMP : 0;
}

static void
age(long long secs, char *buf, size_t size)
{
	if (secs < 0)
		secs = 0;
	if (secs < 3600)
		snprintf(buf, size, "%lldm", secs / 60);
	else if (secs < 86400)
		snprintf(
		    buf, size, "%lldh%02lldm", secs / 3600, secs % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", secs / 86400,
		    secs % 86400 / 3600);
}

/* -l: like mailq. */
static int
list(void)
{
	char **ids, a[32], nx[32];
	struct queue_entry e;
	time_t now = time(NULL);
	size_t n, i, j;

	if (queue_list(conf.spool, &ids, &n) == -1) {
		fprintf(stderr, "remote-send: %s/queue: %s\n", conf.spool,
		    strerror(errno));
		return EXIT_TEMP;
	}
	for (i = 0; i < n; i++) {
		if (queue_read(conf.spool, ids[i], &e) != 1) {
			printf("%s  (unreadable)\n", ids[i]);
			free(ids[i]);
			continue;
		}
		age(now - e.created, a, sizeof(a));
		age(e.next - now, nx, sizeof(nx));
		printf("%s  age %s  <%s>  attempts %d  next %s\n", e.id, a,
		    e.sender, e.attempts, e.next <= now ? "now" : nx);
		for (j = 0; j < e.n; j++)
			printf("    %s%s%s\n", e.rcpt[j].addr,
			    e.rcpt[j].error ? ": " : "",
			    e.rcpt[j].error ? e.rcpt[j].error : "");
		queue_entry_free(&e);
		free(ids[i]);
	}
	free(ids);
	printf("%zu %s in the queue\n", n, n == 1 ? "entry" : "entries");
	return fflush(stdout) == EOF ? EXIT_TEMP : 0;
}

static int
show(const char *id)
{
	const char *parts[] = { "info", "mess" };
	char buf[65536];
	ssize_t r;
	int i, fd;

	for (i = 0; i < 2; i++) {
		if ((fd = queue_open(conf.spool, parts[i], id)) == -1) {
			fprintf(stderr, "remote-send: no entry %s\n", id);
			return EXIT_PERM;
		}
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)r, stdout);
		close(fd);
		if (i == 0)
			putchar('\n');
	}
	return 0;
}

/* --flush: every entry due now; one being delivered is left to it. */
static int
flush_all(void)
{
	char **ids;
	size_t n, i;
	int r = 0;

	if (queue_list(conf.spool, &ids, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (queue_make_due(conf.spool, ids[i]) == -1) {
			fprintf(stderr, "remote-send: cannot update %s: %s\n",
			    ids[i], strerror(errno));
			r = -1;
		}
		free(ids[i]);
	}
	free(ids);
	return r;
}

/* --remove: waits up to 10 s for a delivery of the entry to end. */
static int
remove_entry(const char *id)
{
	int e;

	if (queue_remove_idle(conf.spool, id, 50) == 0) {
		log_info("remote id=%s removed by the administrator", id);
		return 0;
	}
	if ((e = errno) == EBUSY)
		fprintf(stderr,
		    "remote-send: %s is being delivered; try again\n", id);
	else if (e == ENOENT)
		fprintf(stderr, "remote-send: no entry %s\n", id);
	else
		fprintf(stderr, "remote-send: cannot remove %s: %s\n", id,
		    strerror(e));
	return e == ENOENT ? EXIT_PERM : EXIT_TEMP;
}

/* --etrn: ask a host to start its queue for a domain (RFC 1985). */
static int
etrn(const char *hostport, const char *domain)
{
	char host[DNS_NAME_MAX + 1];
	struct smtpc_reply r;
	int port = 25, c;

	if (smtpc_hostport(hostport, host, sizeof(host), &port) == -1) {
		fprintf(stderr, "remote-send: bad host[:port] %s\n", hostport);
		return EXIT_PERM;
	}
	if ((c = destination_etrn(&conf, host, port, domain, &r)) < 0) {
		fprintf(stderr, "remote-send: cannot reach %s\n", hostport);
		return EXIT_TEMP;
	}
	printf("%s\n", r.text);
	return c / 100 == 2 ? 0 : c / 100 == 5 ? EXIT_PERM : EXIT_TEMP;
}

/* What the command line asks for. */
struct options {
	const char *only, *show, *remove, *etrn_host, *etrn_domain;
	int list, flush;
};

/* 0, or -1 after the usage went to stderr. */
static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "show", required_argument, NULL, 's' },
		{ "remove", required_argument, NULL, 'r' },
		{ "flush", no_argument, NULL, 'f' },
		{ "release", required_argument, NULL, 'R' },
		{ "etrn", required_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	/* installed as mailq: list the queue, as sendmail's mailq does */
	o->list = strcmp(getprogname(), "mailq") == 0;
	while ((ch = getopt_long(argc, argv, "C:m:l", longopts, NULL)) != -1) {
		if (ch == 'C')
			strlcpy(confdir, optarg, sizeof(confdir));
		else if (ch == 'm')
			o->only = optarg;
		else if (ch == 'l')
			o->list = 1;
		else if (ch == 's')
			o->show = optarg;
		else if (ch == 'r')
			o->remove = optarg;
		else if (ch == 'f')
			o->flush = 1;
		else if (ch == 'R')
			released = optarg;
		else if (ch == 'E')
			o->etrn_host = optarg;
		else
			break;
	}
	if (ch != -1 || optind != argc - (o->etrn_host != NULL)) {
		fputs(USAGE, stderr);
		return -1;
	}
	o->etrn_domain = o->etrn_host ? argv[optind] : NULL;
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	char err[CONF_ERR_MAX];

	/* a peer that hangs up is an error to handle, not a signal */
	signal(SIGPIPE, SIG_IGN);
	if (parse_options(argc, argv, &o) == -1)
		return EXIT_PERM;
	if (conf_load(&conf, confdir, err, sizeof(err)) == -1) {
		fprintf(stderr, "remote-send: %s\n", err);
		return EXIT_TEMP;
	}
	/* run by root (cron, the administrator): as the spool's owner, so
	 * every file it writes stays readable for the servers */
	if (spool_become_owner(conf.spool) == -1) {
		fprintf(stderr,
		    "remote-send: cannot become the owner of %s: %s\n",
		    conf.spool, strerror(errno));
		return EXIT_TEMP;
	}
	log_open("remote-send", conf.log);
	if (o.etrn_host)
		return etrn(o.etrn_host, o.etrn_domain);
	if (o.list)
		return list();
	if (o.show)
		return show(o.show);
	if (o.remove)
		return remove_entry(o.remove);
	if (o.flush && flush_all() == -1)
		return EXIT_TEMP;
	return run(o.only, o.flush);
}
