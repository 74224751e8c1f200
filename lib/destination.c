/* destination: one group of recipients to its hosts; see destination.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cidr.h"
#include "destination.h"
#include "route.h"
#include "smtpc.h"
#include "smtptx.h"

#define SESSION_DEADLINE 3600 /* seconds for one whole connection */
#define FAILURE_MAX 160	      /* the last connection failure, for -l */

/* The domain of an address (after its last @), or "". */
static const char *
dest_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

void
dest_set(struct dest_result *r, enum dest_outcome o, const char *host,
    const char *text)
{
	r->o = o;
	strlcpy(r->host, host, sizeof(r->host));
	strlcpy(r->text, text, sizeof(r->text));
}

static void
set_all(struct dest_result *res, const size_t *idx, size_t n,
    enum dest_outcome o, const char *host, const char *text)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (res[idx[i]].o == DEST_PENDING || o != DEST_DEFERRED)
			dest_set(&res[idx[i]], o, host, text);
}

/* The smarthost password: the first line of a file only we may read. */
static int
smarthost_password(
    const struct conf *conf, char *pw, size_t size, char *why, size_t whysize)
{
	struct stat st;
	FILE *f = fopen(conf->smarthost_password_file, "re");

	if (f == NULL || fstat(fileno(f), &st) == -1) {
		snprintf(why, whysize, "cannot read %.200s: %s",
		    conf->smarthost_password_file, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(why, whysize, "%.200s is readable by others: refused",
		    conf->smarthost_password_file);
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
	const struct conf *conf;
	const struct queue_entry *e;
	const size_t *idx;
	size_t n;
	const char *via; /* the forwarding address, for Delivered-To */
	int mess;	 /* the message file */
	off_t size;
	int eightbit; /* it has octets over 127 */
	struct dest_result *res;
	int flags;	      /* ROUTE_AUTH, ROUTE_SMARTHOST */
	const char *password; /* the smarthost's, with ROUTE_AUTH */
	char *dial_failure;   /* the last "host[ip]:port: why", FAILURE_MAX */
};

/*
 * A transaction's outcomes into the entry's results: the reply to a
 * recipient's own RCPT or data always counts; the whole transaction's
 * (a greeting, MAIL or TLS refused) does not turn an earlier host's
 * answer into a deferral.
 */
static void
take_outcomes(const struct tx *t, const struct smtptx *x)
{
	static const enum dest_outcome of[] = { DEST_PENDING, DEST_DONE,
		DEST_FAILED, DEST_DEFERRED };
	struct dest_result *r;
	size_t i;

	for (i = 0; i < t->n; i++) {
		r = &t->res[t->idx[i]];
		if (x->rcpt[i].o == SMTPTX_PENDING)
			continue;
		if (x->rcpt[i].own || r->o == DEST_PENDING ||
		    x->rcpt[i].o != SMTPTX_DEFERRED)
			dest_set(r, of[x->rcpt[i].o], x->host, x->rcpt[i].text);
	}
}

/* The outcomes are in the results as soon as they are final, before
 * QUIT: if this process is killed then, the taken stay taken. */
static void
settled(void *arg, const struct smtptx *x)
{
	take_outcomes(arg, x);
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
	x->settled = settled;
	x->settled_arg = (void *)t;
	r = smtptx_run(fd, x);
	take_outcomes(t, x);
	return r;
}

/* What t asks of TLS and the login at this host. */
static void
tx_settings(const struct tx *t, struct smtptx *x)
{
	const struct conf *conf = t->conf;
	int smarthost = (t->flags & ROUTE_SMARTHOST) != 0;
	int must = conf->tls_outbound == TLS_OUT_ENCRYPT ||
	    (smarthost && conf->smarthost_tls);

	x->helo = conf->hostname;
	x->tls = must			       ? SMTPTX_TLS_MUST
	    : conf->tls_outbound == TLS_OUT_NO ? SMTPTX_TLS_NO
					       : SMTPTX_TLS_MAY;
	x->tls_verify = smarthost && conf->smarthost_tls;
	x->auth_user = t->flags & ROUTE_AUTH ? conf->smarthost_user : NULL;
	x->auth_pass = t->password;
	x->auth_in_clear = conf->smarthost_insecure_cleartext_auth;
	x->deadline = SESSION_DEADLINE;
	x->id = t->e->id;
	x->sender = t->e->sender;
	x->via = t->via;
	x->mess = t->mess;
	x->size = t->size;
	x->eightbit = t->eightbit;
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
		set_all(t.res, t.idx, t.n, DEST_DEFERRED, "-",
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

/*
 * Deferred for want of a connection: the last failure in the text (the
 * queue listing shows it), and when nothing answered on port 25 at all,
 * the usual reason on a home line.
 */
static void
unreachable(const struct tx *t, const char *where, const char *what)
{
	char text[SMTPC_TEXT_MAX];

	snprintf(text, sizeof(text), "%s (last: %s)%s", what,
	    t->dial_failure[0] ? t->dial_failure : "no address",
	    t->flags == 0 ? "; if every domain fails so, your ISP may block "
			    "port 25 (OP25B): set smarthost"
			  : "");
	set_all(t->res, t->idx, t->n, DEST_DEFERRED, where, text);
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
		if (!dns_addrs_literal(ip, &a)) {
			set_all(t->res, t->idx, t->n, DEST_FAILED, domain,
			    "550 5.1.2 bad address literal");
			return;
		}
		for (k = 0; k < a.n; k++)
			if (try_address(t, &a.addr[k], t->conf->remote_port, ip,
				0) == 0)
				return;
		unreachable(t, domain, "cannot connect");
		return;
	}
	if (mx->status == DNS_NULLMX || mx->status == DNS_NONE) {
		set_all(t->res, t->idx, t->n, DEST_FAILED, domain,
		    mx->status == DNS_NULLMX
			? "556 5.1.10 the domain accepts no mail (null MX, "
			  "RFC 7505)"
			: "550 5.1.2 no such domain");
		return;
	}
	if (mx->status != DNS_OK) {
		set_all(t->res, t->idx, t->n, DEST_DEFERRED, domain,
		    "DNS look-up failed, will try again");
		return;
	}
	for (h = 0; h < mx->n; h++) {
		dns_addrs(d, mx->mx[h].host, t->conf->ipv4_only, &a);
		dns_wait(d);
		for (k = 0; k < a.n; k++)
			if (try_address(t, &a.addr[k], t->conf->remote_port,
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

	if (!dns_addrs_literal(host, &a)) {
		dns_addrs(d, host, t->conf->ipv4_only, &a);
		dns_wait(d);
	}
	for (k = 0; k < a.n; k++)
		if (try_address(t, &a.addr[k], port, host, auth) == 0)
			return;
	/* a relay we were told to use is never a reason to bounce */
	if (a.status == DNS_OK)
		unreachable(t, host, "cannot connect");
	else
		set_all(t->res, t->idx, t->n, DEST_DEFERRED, host,
		    "cannot resolve");
}

/* Delivery through a route or the smarthost: that host, no MX. */
static void
relay_via(
    struct dns *d, const char *host, int port, int auth, const struct tx *base)
{
	char pw[256] = "", why[SMTPC_TEXT_MAX];
	struct tx t = *base;

	if ((auth & ROUTE_AUTH) &&
	    smarthost_password(base->conf, pw, sizeof(pw), why, sizeof(why)) ==
		-1) {
		/* our configuration: later, never a bounce */
		set_all(t.res, t.idx, t.n, DEST_DEFERRED, host, why);
		return;
	}
	t.password = pw;
	relay_hosts(d, host, port, auth, &t);
	explicit_bzero(pw, sizeof(pw));
}

void
destination_deliver(const struct conf *conf, const struct dest_group *g,
    const struct dns_mxset *mx, struct dest_result *res)
{
	const struct queue_entry *e = g->e;
	const char *dom = dest_domain(e->rcpt[g->idx[0]].addr);
	char failure[FAILURE_MAX] = "";
	const struct tx t = { .conf = conf,
		.e = e,
		.idx = g->idx,
		.n = g->n,
		.via = e->rcpt[g->idx[0]].via,
		.mess = g->mess,
		.size = g->size,
		.eightbit = g->eightbit,
		.res = res,
		.dial_failure = failure };
	char host[DNS_NAME_MAX + 1];
	struct dns d;
	size_t j;
	int port, auth;

	if (dns_open(&d, conf->dns_servers, DEST_DNS_TIMEOUT_MS) == -1) {
		set_all(res, g->idx, g->n, DEST_DEFERRED, "-",
		    "local trouble (DNS set-up)");
		return;
	}
	if (route_relay(conf, dom, host, sizeof(host), &port, &auth))
		relay_via(&d, host, port, auth, &t);
	else
		route(&d, mx, dom, &t);
	for (j = 0; j < g->n; j++)
		if (res[g->idx[j]].o == DEST_PENDING)
			dest_set(
			    &res[g->idx[j]], DEST_DEFERRED, dom, "no answer");
	dns_close(&d);
}

/* ---- an entry: its groups, in parallel ---- */

/* 1 if recipients i and j of e go out together: same domain and via. */
static int
same_group(const struct queue_entry *e, size_t i, size_t j)
{
	const char *vi = e->rcpt[i].via, *vj = e->rcpt[j].via;

	return strcasecmp(dest_domain(e->rcpt[i].addr),
		   dest_domain(e->rcpt[j].addr)) == 0 &&
	    ((vi == NULL && vj == NULL) ||
		(vi != NULL && vj != NULL && strcmp(vi, vj) == 0));
}

/* The first recipient of e with the domain of recipient i. */
static size_t
first_of_domain(const struct queue_entry *e, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcasecmp(dest_domain(e->rcpt[j].addr),
			dest_domain(e->rcpt[i].addr)) == 0)
			return j;
	return i;
}

/* The MX look-ups of every pending recipient's domain, all at once. */
static int
lookup_mx(const struct conf *conf, const struct queue_entry *e,
    const struct dest_result *res, struct dns_mxset *mx)
{
	char host[DNS_NAME_MAX + 1];
	struct dns d;
	size_t i, j;
	int port, auth;

	if (dns_open(&d, conf->dns_servers, DEST_DNS_TIMEOUT_MS) == -1)
		return -1;
	for (i = 0; i < e->n; i++)
		if (res[i].o == DEST_PENDING && first_of_domain(e, i) == i &&
		    dest_domain(e->rcpt[i].addr)[0] != '[' &&
		    !route_relay(conf, dest_domain(e->rcpt[i].addr), host,
			sizeof(host), &port, &auth))
			dns_mx(&d, dest_domain(e->rcpt[i].addr), &mx[i]);
	dns_wait(&d);
	dns_close(&d);
	for (i = 0; i < e->n; i++) /* one question per domain */
		if ((j = first_of_domain(e, i)) != i)
			mx[i] = mx[j];
	return 0;
}

/*
 * Waits for whichever group's process ends first. What a process that
 * did not end normally (killed, say) reported stands: its outcomes are
 * in the results as soon as a host's replies make them final (see
 * settled), so mail a host took is not sent again; its recipients
 * without one are deferred when all are done (run_groups).
 */
static void
reap_group(size_t *running)
{
	if (waitpid(-1, NULL, 0) != -1)
		(*running)--;
	else if (errno != EINTR)
		*running = 0; /* none left to wait for */
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
hold(const struct conf *conf, const char *released, const struct queue_entry *e,
    struct dest_result *res, char *claimed)
{
	const char *dom;
	size_t i;

	for (i = 0; i < e->n; i++) {
		dom = dest_domain(e->rcpt[i].addr);
		if (conf_domain_held(conf, dom) &&
		    (released == NULL || strcasecmp(released, dom) != 0))
			dest_set(&res[i], DEST_DEFERRED, dom,
			    "held until an ETRN for the domain (hold_domains)");
		claimed[i] = res[i].o != DEST_PENDING;
	}
}

/* 1 if the message has octets over 127 (8BITMIME matters). */
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

/* An entry's delivery under way: its groups and their processes. */
struct attempt {
	const struct conf *conf;
	const struct queue_entry *e;
	struct dest_result *res;
	struct dns_mxset *mx; /* per recipient: its domain's MX */
	size_t *idx;	      /* the group being started */
	char *claimed;	      /* recipients in a group already */
	size_t running;
};

/* Starts the group of recipient i, in a process of its own while other
 * groups are left or running. */
static void
start_group(struct attempt *t, struct dest_group *g, size_t i)
{
	const struct queue_entry *e = t->e;

	g->n = claim_group(e, i, t->claimed, t->idx);
	if (t->running == 0 && memchr(t->claimed, 0, e->n) == NULL) {
		/* the only group left: no process of its own */
		destination_deliver(t->conf, g, &t->mx[i], t->res);
		return;
	}
	if (t->running >= (size_t)t->conf->remote_concurrency)
		reap_group(&t->running);
	switch (fork()) {
	case 0:
		destination_deliver(t->conf, g, &t->mx[i], t->res);
		_exit(0);
	case -1: /* no process for it: here, one after the other */
		destination_deliver(t->conf, g, &t->mx[i], t->res);
		break;
	default:
		t->running++;
	}
}

/* Every recipient not held, group by group; then waits for them all. */
static void
run_groups(struct attempt *t, int mess, off_t size)
{
	const struct queue_entry *e = t->e;
	struct dest_group g = { e, t->idx, 0, mess, size, has_8bit(mess) };
	size_t i;

	for (i = 0; i < e->n; i++)
		if (!t->claimed[i])
			start_group(t, &g, i);
	while (t->running > 0)
		reap_group(&t->running);
	for (i = 0; i < e->n; i++) /* a group's process that died early */
		if (t->res[i].o == DEST_PENDING)
			dest_set(&t->res[i], DEST_DEFERRED,
			    dest_domain(e->rcpt[i].addr),
			    "the delivery process ended early");
}

void
destination_attempt(const struct conf *conf, const struct queue_entry *e,
    int mess, off_t size, const char *released, struct dest_result *res)
{
	struct attempt t = { conf, e, res, calloc(e->n, sizeof(*t.mx)),
		calloc(e->n, sizeof(*t.idx)), calloc(e->n, 1), 0 };
	size_t i;

	if (t.mx == NULL || t.idx == NULL || t.claimed == NULL) {
		for (i = 0; i < e->n; i++)
			dest_set(&res[i], DEST_DEFERRED, "-",
			    "local trouble (memory or DNS set-up)");
	} else {
		hold(conf, released, e, res, t.claimed);
		/* held mail asks DNS nothing: a dial-up site's domains wait */
		if (memchr(t.claimed, 0, e->n) == NULL ||
		    lookup_mx(conf, e, res, t.mx) == 0)
			run_groups(&t, mess, size);
		else
			for (i = 0; i < e->n; i++)
				if (!t.claimed[i])
					dest_set(&res[i], DEST_DEFERRED, "-",
					    "local trouble (DNS set-up)");
	}
	free(t.mx);
	free(t.idx);
	free(t.claimed);
}

/* ETRN on one connection: the ETRN reply's code, or -1 before it. */
static int
etrn_on(
    const struct conf *conf, int fd, const char *domain, struct smtpc_reply *r)
{
	struct smtpc_reply bye;
	struct buf b;
	int c = -1;

	buf_init(&b, fd, fd, SMTPC_T_GREETING);
	buf_set_deadline(&b, SESSION_DEADLINE);
	if (smtpc_read(&b, r, SMTPC_T_GREETING) / 100 == 2 &&
	    smtpc_command(&b, r, SMTPC_T_OTHER, "EHLO %s\r\n", conf->hostname) /
		    100 ==
		2) {
		c = smtpc_command(&b, r, SMTPC_T_OTHER, "ETRN %s\r\n", domain);
		smtpc_command(&b, &bye, SMTPC_T_OTHER, "QUIT\r\n", NULL);
	}
	close(fd);
	return c;
}

int
destination_etrn(const struct conf *conf, const char *host, int port,
    const char *domain, struct smtpc_reply *r)
{
	struct dns_addrs a;
	struct dns d;
	size_t k;
	int fd, c = -1;

	if (!dns_addrs_literal(host, &a)) {
		if (dns_open(&d, conf->dns_servers, DEST_DNS_TIMEOUT_MS) == -1)
			return -1;
		dns_addrs(&d, host, conf->ipv4_only, &a);
		dns_wait(&d);
		dns_close(&d);
	}
	for (k = 0; k < a.n && c < 0; k++)
		if ((fd = smtpc_dial(&a.addr[k], port)) != -1)
			c = etrn_on(conf, fd, domain, r);
	return c;
}
