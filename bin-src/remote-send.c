/*
 * remote-send: works through the queue (yubin-queue(5)), delivering to
 * other hosts by MX, retrying later on temporary failure and bouncing
 * (RFC 3464) on permanent failure or when the entry is too old.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "buf.h"
#include "cidr.h"
#include "conf.h"
#include "db.h"
#include "deliver.h"
#include "dns.h"
#include "log.h"
#include "queue.h"
#include "round.h"
#include "route.h"
#include "smtpc.h"
#include "smtptx.h"
#include "spool.h"
#include "srs.h"

#define USAGE                                                                  \
	"usage: remote-send [-C dir] [-m id | --release domain]\n"             \
	"       remote-send [-C dir] --etrn host[:port] domain\n"              \
	"       remote-send [-C dir] -l | --show id | --remove id | --flush\n"
#define EXIT_PERM 100
#define EXIT_TEMP 111
#define REPLY_MAX SMTPC_TEXT_MAX
#define SESSION_DEADLINE 3600 /* seconds for one whole connection */
#define ERROR_KEPT_MAX 300    /* octets of a reply kept in the envelope */
#define FAILURE_MAX 160	      /* the last connection failure, for -l */
#define RUN_NEW_WORK_MAX 600  /* seconds a run takes up new entries */
#define DNS_TIMEOUT 30000     /* ms for all look-ups of one entry */
#define ROUNDS_MAX 100	      /* rounds of one run */

enum outcome {
	O_PENDING, /* not tried yet / no host reached */
	O_DONE,
	O_FAILED,  /* permanent: bounce */
	O_DEFERRED /* temporary: later */
};

struct result {
	enum outcome o;
	char host[DNS_NAME_MAX + 1]; /* the host that answered */
	char text[REPLY_MAX];	     /* its reply, or what went wrong */
	int bounce;		     /* settle: a report goes to the sender */
};

static struct conf conf;
static char confdir[PATH_MAX] = CONFDIR;
static int eightbit;	     /* the message being sent has octets over 127 */
static const char *released; /* --release: the held domain to send now */

/* ---- one destination: its hosts, tried in turn (lib/smtptx) ---- */

static void
set_result(struct result *r, enum outcome o, const char *host, const char *text)
{
	r->o = o;
	strlcpy(r->host, host, sizeof(r->host));
	strlcpy(r->text, text, sizeof(r->text));
}

static void
set_all(struct result *res, const size_t *idx, size_t n, enum outcome o,
    const char *host, const char *text)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (res[idx[i]].o == O_PENDING || o != O_DEFERRED)
			set_result(&res[idx[i]], o, host, text);
}

/* The smarthost password: the first line of a file only we may read. */
static int
smarthost_password(char *pw, size_t size, char *why, size_t whysize)
{
	struct stat st;
	FILE *f = fopen(conf.smarthost_password_file, "re");

	if (f == NULL || fstat(fileno(f), &st) == -1) {
		snprintf(why, whysize, "cannot read %.200s: %s",
		    conf.smarthost_password_file, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(why, whysize, "%.200s is readable by others: refused",
		    conf.smarthost_password_file);
		fclose(f);
		return -1;
	}
	if (fgets(pw, (int)size, f) == NULL)
		pw[0] = '\0';
	fclose(f);
	pw[strcspn(pw, "\r\n")] = '\0';
	return 0;
}

/*
 * One SMTP transaction: an entry's recipients idx[0..n), with their
 * results, and the host it is tried at.
 */
struct tx {
	const struct queue_entry *e;
	const size_t *idx;
	size_t n;
	const char *via; /* the forwarding address, for Delivered-To */
	int mess;	 /* the message file */
	off_t size;
	struct result *res;
	int flags;	      /* ROUTE_AUTH, ROUTE_SMARTHOST */
	const char *password; /* the smarthost's, with ROUTE_AUTH */
	char *dial_failure;   /* the last "host[ip]:port: why", FAILURE_MAX */
};

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

/*
 * A transaction's outcomes into the entry's results: the reply to a
 * recipient's own RCPT or data always counts; the whole transaction's
 * (a greeting, MAIL or TLS refused) does not turn an earlier host's
 * answer into a deferral.
 */
static void
take_outcomes(const struct tx *t, const struct smtptx *x)
{
	static const enum outcome of[] = { O_PENDING, O_DONE, O_FAILED,
		O_DEFERRED };
	struct result *r;
	size_t i;

	for (i = 0; i < t->n; i++) {
		r = &t->res[t->idx[i]];
		if (x->rcpt[i].o == SMTPTX_PENDING)
			continue;
		if (x->rcpt[i].own || r->o == O_PENDING ||
		    x->rcpt[i].o != SMTPTX_DEFERRED)
			set_result(
			    r, of[x->rcpt[i].o], x->host, x->rcpt[i].text);
	}
}

/* The transaction for t's recipients at one host (lib/smtptx). */
static int
transaction(int fd, const struct tx *t, struct smtptx *x)
{
	size_t i;
	int r;

	for (i = 0; i < t->n; i++) {
		x->rcpt[i].addr = t->e->rcpt[t->idx[i]].addr;
		x->rcpt[i].o = SMTPTX_PENDING;
	}
	r = smtptx_run(fd, x);
	take_outcomes(t, x);
	return r;
}

/* What t asks of TLS and the login at this host. */
static void
tx_settings(const struct tx *t, struct smtptx *x)
{
	int smarthost = (t->flags & ROUTE_SMARTHOST) != 0;
	int must = conf.tls_outbound == TLS_OUT_ENCRYPT ||
	    (smarthost && conf.smarthost_tls);

	x->helo = conf.hostname;
	x->tls = must			      ? SMTPTX_TLS_MUST
	    : conf.tls_outbound == TLS_OUT_NO ? SMTPTX_TLS_NO
					      : SMTPTX_TLS_MAY;
	x->tls_verify = smarthost && conf.smarthost_tls;
	x->auth_user = t->flags & ROUTE_AUTH ? conf.smarthost_user : NULL;
	x->auth_pass = t->password;
	x->auth_in_clear = conf.smarthost_insecure_cleartext_auth;
	x->deadline = SESSION_DEADLINE;
	x->id = t->e->id;
	x->sender = t->e->sender;
	x->via = t->via;
	x->mess = t->mess;
	x->size = t->size;
	x->eightbit = eightbit;
	x->n = t->n;
}

/*
 * Dials one address and runs the transaction there, again in plain text
 * when STARTTLS failed and tls_outbound allows it. 0 when the host
 * answered for the recipients, -1 to try the next address.
 */
static int
try_address(const struct tx *base, const struct sockaddr_storage *addr,
    int port, const char *name, int flags)
{
	char where[DNS_NAME_MAX + 96], ip[64];
	struct tx t = *base;
	struct smtptx x = { 0 };
	struct cidr c;
	int fd, r = -1;

	cidr_from_sockaddr((const struct sockaddr *)addr, &c);
	cidr_format(&c, ip, sizeof(ip));
	snprintf(where, sizeof(where), "%s[%s]", name, ip);
	t.flags = flags;
	tx_settings(&t, &x);
	x.host = where;
	x.tls_name = name;
	if ((x.rcpt = calloc(t.n, sizeof(*x.rcpt))) == NULL) {
		set_all(t.res, t.idx, t.n, O_DEFERRED, "-",
		    "local trouble (memory)");
		return 0;
	}
	for (x.plain = 0; x.plain < 2; x.plain++) {
		if ((fd = smtpc_dial(addr, port)) == -1) {
			snprintf(t.dial_failure, FAILURE_MAX,
			    "%.100s:%d: %.50s", where, port, strerror(errno));
			r = -1;
			break;
		}
		r = transaction(fd, &t, &x);
		close(fd);
		if (r != SMTPTX_PLAIN_AGAIN)
			break;
	}
	free(x.rcpt);
	return r == SMTPTX_PLAIN_AGAIN ? -1 : r;
}

/* An IP address as text into a one-address list: 1, or 0 if not one. */
static int
literal_addrs(const char *text, struct dns_addrs *a)
{
	struct cidr c;

	memset(a, 0, sizeof(*a));
	if (cidr_from_text(text, &c) == -1)
		return 0;
	a->n = 1;
	a->status = DNS_OK;
	cidr_to_sockaddr(&c, &a->addr[0]);
	return 1;
}

/*
 * Deferred for want of a connection: the last failure in the text (the
 * queue listing shows it), and when nothing answered on port 25 at all,
 * the usual reason on a home line.
 */
static void
unreachable(const struct tx *t, const char *where, const char *what)
{
	char text[REPLY_MAX];

	snprintf(text, sizeof(text), "%s (last: %s)%s", what,
	    t->dial_failure[0] ? t->dial_failure : "no address",
	    t->flags == 0 ? "; if every domain fails so, your ISP may block "
			    "port 25 (OP25B): set smarthost"
			  : "");
	set_all(t->res, t->idx, t->n, O_DEFERRED, where, text);
}

/* The hosts to try for a domain: its MX, in order, or an address literal. */
static void
route(struct dns *d, const struct dns_mxset *mx, const char *domain,
    const struct tx *t)
{
	struct dns_addrs a;
	char ip[64];
	size_t h, k;

	if (route_literal(domain, ip, sizeof(ip))) {
		/* user@[192.0.2.1]: that host, no DNS (RFC 5321 4.1.3) */
		if (!literal_addrs(ip, &a)) {
			set_all(t->res, t->idx, t->n, O_FAILED, domain,
			    "550 5.1.2 bad address literal");
			return;
		}
		for (k = 0; k < a.n; k++)
			if (try_address(
				t, &a.addr[k], conf.remote_port, ip, 0) == 0)
				return;
		unreachable(t, domain, "cannot connect");
		return;
	}
	if (mx->status == DNS_NULLMX || mx->status == DNS_NONE) {
		set_all(t->res, t->idx, t->n, O_FAILED, domain,
		    mx->status == DNS_NULLMX
			? "556 5.1.10 the domain accepts no mail (null MX, "
			  "RFC 7505)"
			: "550 5.1.2 no such domain");
		return;
	}
	if (mx->status != DNS_OK) {
		set_all(t->res, t->idx, t->n, O_DEFERRED, domain,
		    "DNS look-up failed, will try again");
		return;
	}
	for (h = 0; h < mx->n; h++) {
		dns_addrs(d, mx->mx[h].host, conf.ipv4_only, &a);
		dns_wait(d);
		for (k = 0; k < a.n; k++)
			if (try_address(t, &a.addr[k], conf.remote_port,
				mx->mx[h].host, 0) == 0)
				return;
	}
	unreachable(t, domain, "no mail exchanger could be reached");
}

/* The relay host's addresses, tried in turn. */
static void
relay_hosts(
    struct dns *d, const char *host, int port, int auth, const struct tx *t)
{
	struct dns_addrs a;
	size_t k;

	if (!literal_addrs(host, &a)) {
		dns_addrs(d, host, conf.ipv4_only, &a);
		dns_wait(d);
	}
	for (k = 0; k < a.n; k++)
		if (try_address(t, &a.addr[k], port, host, auth) == 0)
			return;
	/* a relay we were told to use is never a reason to bounce */
	if (a.status == DNS_OK)
		unreachable(t, host, "cannot connect");
	else
		set_all(
		    t->res, t->idx, t->n, O_DEFERRED, host, "cannot resolve");
}

/* Delivery through a route or the smarthost: that host, no MX. */
static void
relay_via(
    struct dns *d, const char *host, int port, int auth, const struct tx *base)
{
	char pw[256] = "", why[REPLY_MAX];
	struct tx t = *base;

	if ((auth & ROUTE_AUTH) &&
	    smarthost_password(pw, sizeof(pw), why, sizeof(why)) == -1) {
		/* our configuration: later, never a bounce */
		set_all(t.res, t.idx, t.n, O_DEFERRED, host, why);
		return;
	}
	t.password = pw;
	relay_hosts(d, host, port, auth, &t);
	explicit_bzero(pw, sizeof(pw));
}

static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

/* 1 if recipients i and j of e go out together: same domain and via. */
static int
same_group(const struct queue_entry *e, size_t i, size_t j)
{
	const char *vi = e->rcpt[i].via, *vj = e->rcpt[j].via;

	return strcasecmp(domain_of(e->rcpt[i].addr),
		   domain_of(e->rcpt[j].addr)) == 0 &&
	    ((vi == NULL && vj == NULL) ||
		(vi != NULL && vj != NULL && strcmp(vi, vj) == 0));
}

/* One group's delivery, with a resolver of its own (one per process). */
static void
deliver_group(const struct queue_entry *e, const size_t *idx, size_t n,
    const struct dns_mxset *mx, int mess, off_t size, struct result *res)
{
	const char *dom = domain_of(e->rcpt[idx[0]].addr);
	char failure[FAILURE_MAX] = "";
	const struct tx t = { .e = e,
		.idx = idx,
		.n = n,
		.via = e->rcpt[idx[0]].via,
		.mess = mess,
		.size = size,
		.res = res,
		.dial_failure = failure };
	char host[DNS_NAME_MAX + 1];
	struct dns d;
	size_t j;
	int port, auth;

	if (dns_open(&d, conf.dns_servers, DNS_TIMEOUT) == -1) {
		set_all(
		    res, idx, n, O_DEFERRED, "-", "local trouble (DNS set-up)");
		return;
	}
	if (route_relay(&conf, dom, host, sizeof(host), &port, &auth))
		relay_via(&d, host, port, auth, &t);
	else
		route(&d, mx, dom, &t);
	for (j = 0; j < n; j++)
		if (res[idx[j]].o == O_PENDING)
			set_result(&res[idx[j]], O_DEFERRED, dom, "no answer");
	dns_close(&d);
}

/* The first recipient of e with the domain of recipient i. */
static size_t
first_of_domain(const struct queue_entry *e, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcasecmp(domain_of(e->rcpt[j].addr),
			domain_of(e->rcpt[i].addr)) == 0)
			return j;
	return i;
}

/* The MX look-ups of every pending recipient's domain, all at once. */
static int
lookup_mx(
    const struct queue_entry *e, const struct result *res, struct dns_mxset *mx)
{
	char host[DNS_NAME_MAX + 1];
	struct dns d;
	size_t i, j;
	int port, auth;

	if (dns_open(&d, conf.dns_servers, DNS_TIMEOUT) == -1)
		return -1;
	for (i = 0; i < e->n; i++)
		if (res[i].o == O_PENDING && first_of_domain(e, i) == i &&
		    domain_of(e->rcpt[i].addr)[0] != '[' &&
		    !route_relay(&conf, domain_of(e->rcpt[i].addr), host,
			sizeof(host), &port, &auth))
			dns_mx(&d, domain_of(e->rcpt[i].addr), &mx[i]);
	dns_wait(&d);
	dns_close(&d);
	for (i = 0; i < e->n; i++) /* one question per domain */
		if ((j = first_of_domain(e, i)) != i)
			mx[i] = mx[j];
	return 0;
}

/*
 * Waits for whichever group's process ends first. One that did not end
 * normally (killed, say) may have left results of a transaction half
 * done (a RCPT accepted, the data never sent): its recipients are all
 * tried again later.
 */
static void
reap_group(const struct queue_entry *e, pid_t *group_of, struct result *res,
    size_t *running)
{
	int status;
	pid_t pid = waitpid(-1, &status, 0);
	size_t i;

	if (pid == -1) {
		if (errno != EINTR)
			*running = 0; /* none left to wait for */
		return;
	}
	(*running)--;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	for (i = 0; i < e->n; i++)
		if (group_of[i] == pid)
			set_result(&res[i], O_DEFERRED,
			    domain_of(e->rcpt[i].addr),
			    "the delivery process ended early");
}

/* The recipients that go out with recipient i (same_group) into idx,
 * marked claimed; how many. */
static size_t
claim_group(const struct queue_entry *e, size_t i, char *claimed, size_t *idx)
{
	size_t j, n = 0;

	for (j = i; j < e->n; j++)
		if (!claimed[j] && same_group(e, i, j)) {
			idx[n++] = j;
			claimed[j] = 1;
		}
	return n;
}

/* hold_domains: their recipients wait for an ETRN (or --release). */
static void
hold(const struct queue_entry *e, struct result *res, char *claimed)
{
	const char *dom;
	size_t i;

	for (i = 0; i < e->n; i++) {
		dom = domain_of(e->rcpt[i].addr);
		if (conf_domain_held(&conf, dom) &&
		    (released == NULL || strcasecmp(released, dom) != 0))
			set_result(&res[i], O_DEFERRED, dom,
			    "held until an ETRN for the domain (hold_domains)");
		claimed[i] = res[i].o != O_PENDING;
	}
}

/*
 * Delivers every recipient of e, grouped by domain and Delivered-To; the
 * groups go out in parallel (remote_concurrency at a time), so one slow
 * or hostile destination holds only its own recipients. res is shared
 * with the children that write into it.
 */
static void
attempt(const struct queue_entry *e, int mess, off_t size, struct result *res)
{
	struct dns_mxset *mx = calloc(e->n, sizeof(*mx));
	size_t *idx = calloc(e->n, sizeof(*idx)), i, j, n, running = 0;
	char *claimed = calloc(e->n, 1);
	pid_t *group_of = calloc(e->n, sizeof(*group_of)), pid;

	if (mx == NULL || idx == NULL || claimed == NULL || group_of == NULL) {
		for (i = 0; i < e->n; i++)
			set_result(&res[i], O_DEFERRED, "-",
			    "local trouble (memory or DNS set-up)");
		goto out;
	}
	hold(e, res, claimed);
	/* held mail asks DNS nothing: a dial-up site's domains wait */
	if (memchr(claimed, 0, e->n) != NULL && lookup_mx(e, res, mx) == -1) {
		for (i = 0; i < e->n; i++)
			if (!claimed[i])
				set_result(&res[i], O_DEFERRED, "-",
				    "local trouble (DNS set-up)");
		goto out;
	}
	for (i = 0; i < e->n; i++) {
		if (claimed[i])
			continue;
		n = claim_group(e, i, claimed, idx);
		if (running == 0 && memchr(claimed, 0, e->n) == NULL) {
			/* the only group left: no process of its own */
			deliver_group(e, idx, n, &mx[i], mess, size, res);
			continue;
		}
		if (running >= (size_t)conf.remote_concurrency)
			reap_group(e, group_of, res, &running);
		switch ((pid = fork())) {
		case 0:
			deliver_group(e, idx, n, &mx[i], mess, size, res);
			_exit(0);
		case -1: /* no process for it: here, one after the other */
			deliver_group(e, idx, n, &mx[i], mess, size, res);
			break;
		default:
			for (j = 0; j < n; j++)
				group_of[idx[j]] = pid;
			running++;
		}
	}
	while (running > 0)
		reap_group(e, group_of, res, &running);
	for (i = 0; i < e->n; i++) /* a group's process that died early */
		if (res[i].o == O_PENDING)
			set_result(&res[i], O_DEFERRED,
			    domain_of(e->rcpt[i].addr),
			    "the delivery process ended early");
out:
	free(mx);
	free(idx);
	free(claimed);
	free(group_of);
}

/* ---- bounces: lib/bounce ---- */

/* The report for the recipients marked to bounce. */
static int
bounce(const struct deliver_ctx *ctx, const struct queue_entry *e,
    const struct result *res, int mess)
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
				    res[i].text, res[i].o == O_FAILED };
	rc = bounce_send(ctx, e, r, n, mess);
	free(r);
	return rc;
}

/* ---- one entry ---- */

static void
log_results(const struct queue_entry *e, const struct result *res)
{
	char reply[256];
	size_t i;

	for (i = 0; i < e->n; i++) {
		strlcpy(reply, res[i].text, sizeof(reply));
		reply[strcspn(reply, "\n")] = '\0';
		log_info("remote id=%s rcpt=<%s> host=%s reply=\"%s\" "
			 "decision=%s",
		    e->id, e->rcpt[i].addr, res[i].host, reply,
		    res[i].o == O_DONE	? "delivered"
			: res[i].bounce ? "bounced"
					: "deferred");
	}
}

/*
 * Keeps what is still to do, in the space reserved before the delivery;
 * a crash before this loses nothing. -1 when the entry could not be
 * updated: the run must stop, or recipients would get a second copy.
 */
static int
settle(const struct deliver_ctx *ctx, struct queue_entry *e, struct result *res,
    int mess, int reserved)
{
	time_t now = time(NULL);
	int expired = now - e->created >= conf.queue_lifetime, any = 0;
	size_t i, kept = 0;
	long long k;

	for (i = 0; i < e->n; i++)
		any |= res[i].bounce =
		    res[i].o == O_FAILED || (res[i].o != O_DONE && expired);
	if (any && bounce(ctx, e, res, mess) == -1) {
		log_error("id=%s: cannot write the bounce into %s/queue: %s",
		    e->id, conf.spool, strerror(errno));
		for (i = 0; i < e->n; i++) /* keep them for next time */
			if (res[i].bounce)
				res[i].o = O_DEFERRED, res[i].bounce = 0;
	}
	log_results(e, res);
	for (i = 0; i < e->n; i++) {
		if (res[i].o == O_DONE || res[i].bounce) {
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

static int
has_8bit(int fd)
{
	unsigned char buf[65536];
	off_t off = 0;
	ssize_t n, i;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (i = 0; i < n; i++)
			if (buf[i] & 0x80)
				return 1;
		off += n;
	}
	return 0;
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
	struct result *res;
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
		eightbit = has_8bit(mess);
		attempt(&e, mess, st.st_size, res);
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

static int
open_db(struct db *d, const char *name)
{
	if (db_open_at(d, conf.dir, name) == 0)
		return 0;
	log_error("cannot open %s/%s: %s", conf.dir, name, strerror(errno));
	return -1;
}

/* The SRS secrets, so a bounce for a forward goes to its real sender. */
static const struct srs *
load_srs(void)
{
	static struct srs srs;
	int r = srs_load(&srs, conf.dir, conf.srs_domain);

	if (r == -1)
		log_error("%s/srs.secret: %s", conf.dir, strerror(errno));
	return r == 1 ? &srs : NULL;
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
	if (open_db(&users, "users.cdb") == -1 ||
	    open_db(&domains, "domains.cdb") == -1)
		return EXIT_TEMP;
	ctx = (struct deliver_ctx) { .users = &users,
		.domains = &domains,
		.spool = conf.spool,
		.hostname = conf.hostname,
		.srs = load_srs() };
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
	struct queue_entry e;
	char **ids;
	size_t n, i;
	int lock, r = 0;

	if (queue_list(conf.spool, &ids, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((lock = queue_lock(conf.spool, ids[i])) != -1) {
			if (queue_read(conf.spool, ids[i], &e) == 1) {
				e.next = 0;
				if (queue_rewrite(conf.spool, &e) == -1) {
					fprintf(stderr,
					    "remote-send: cannot update "
					    "%s: %s\n",
					    ids[i], strerror(errno));
					r = -1;
				}
				queue_entry_free(&e);
			}
			close(lock);
		}
		free(ids[i]);
	}
	free(ids);
	return r;
}

/* 1 if info/ID exists (an envelope, maybe without its message). */
static int
entry_exists(const char *id)
{
	int fd = queue_open(conf.spool, "info", id);

	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

/* --remove: waits for a delivery of the entry to end, then removes it. */
static int
remove_entry(const char *id)
{
	int lock, tries;

	for (tries = 0; (lock = queue_lock(conf.spool, id)) == -1 &&
	     errno == EBUSY && tries < 50;
	     tries++)
		usleep(200000);
	if (lock == -1 && errno == EBUSY) {
		fprintf(stderr,
		    "remote-send: %s is being delivered; try again\n", id);
		return EXIT_TEMP;
	}
	if (lock == -1 && errno == EINVAL) {
		fprintf(stderr, "remote-send: no entry %s\n", id);
		return EXIT_PERM;
	}
	if (lock == -1 && errno != ENOENT) {
		fprintf(stderr, "remote-send: cannot remove %s: %s\n", id,
		    strerror(errno));
		return EXIT_TEMP;
	}
	if (lock == -1 && !entry_exists(id)) {
		fprintf(stderr, "remote-send: no entry %s\n", id);
		return EXIT_PERM;
	}
	if (queue_remove(conf.spool, id) == -1) {
		fprintf(stderr, "remote-send: cannot remove %s: %s\n", id,
		    strerror(errno));
		if (lock != -1)
			close(lock);
		return EXIT_TEMP;
	}
	if (lock != -1)
		close(lock);
	log_info("remote id=%s removed by the administrator", id);
	return 0;
}

/* --etrn: ask a host to start its queue for a domain (RFC 1985). */
static int
etrn(const char *hostport, const char *domain)
{
	char host[DNS_NAME_MAX + 1];
	struct dns_addrs a;
	struct smtpc_reply r;
	struct buf b;
	struct dns d;
	size_t k;
	int port = 25, fd, c = -1;

	if (smtpc_hostport(hostport, host, sizeof(host), &port) == -1) {
		fprintf(stderr, "remote-send: bad host[:port] %s\n", hostport);
		return EXIT_PERM;
	}
	if (!literal_addrs(host, &a)) {
		if (dns_open(&d, conf.dns_servers, DNS_TIMEOUT) == -1)
			return EXIT_TEMP;
		dns_addrs(&d, host, conf.ipv4_only, &a);
		dns_wait(&d);
		dns_close(&d);
	}
	for (k = 0; k < a.n && c < 0; k++) {
		if ((fd = smtpc_dial(&a.addr[k], port)) == -1)
			continue;
		buf_init(&b, fd, fd, SMTPC_T_GREETING);
		buf_set_deadline(&b, SESSION_DEADLINE);
		if (smtpc_read(&b, &r, SMTPC_T_GREETING) / 100 == 2 &&
		    smtpc_command(
			&b, &r, SMTPC_T_OTHER, "EHLO %s\r\n", conf.hostname) /
			    100 ==
			2) {
			c = smtpc_command(
			    &b, &r, SMTPC_T_OTHER, "ETRN %s\r\n", domain);
			printf("%s\n", r.text);
			smtpc_command(&b, &r, SMTPC_T_OTHER, "QUIT\r\n", NULL);
		}
		close(fd);
	}
	if (c < 0) {
		fprintf(stderr, "remote-send: cannot reach %s\n", hostport);
		return EXIT_TEMP;
	}
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
