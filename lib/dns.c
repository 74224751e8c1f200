/* dns: c-ares look-ups for MX and addresses; see dns.h. */
#include <ares.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cidr.h"
#include "dns.h"

/*
 * One channel a process keeps for its look-ups with the same servers and
 * time (smtp-in asks three to six questions per message): made once, not
 * at every question, with its UDP socket left open. A forked child makes
 * its own (a socket shared with the parent would mix their answers).
 */
static struct {
	ares_channel ch;
	pid_t pid;
	int timeout_ms;
	char servers[512];
} kept;

static ares_channel
channel_new(const char *servers, int timeout_ms)
{
	struct ares_options opt;
	ares_channel ch;
	int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;

	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		return errno = ENOMEM, NULL;
	memset(&opt, 0, sizeof(opt));
	/* mail domains are absolute: no search list */
	opt.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_STAYOPEN;
	opt.timeout = timeout_ms / 4 > 0 ? timeout_ms / 4 : 1;
	opt.tries = 3;
	if (ares_init_options(&ch, &opt, mask) != ARES_SUCCESS)
		return errno = ENOMEM, NULL;
	if (servers != NULL && servers[0] != '\0' &&
	    ares_set_servers_ports_csv(ch, servers) != ARES_SUCCESS) {
		ares_destroy(ch);
		return errno = EINVAL, NULL;
	}
	return ch;
}

int
dns_open(struct dns *d, const char *servers, int timeout_ms)
{
	const char *key = servers != NULL ? servers : "";

	memset(d, 0, sizeof(*d));
	d->timeout_ms = timeout_ms;
	if (kept.ch != NULL && kept.pid == getpid() &&
	    kept.timeout_ms == timeout_ms && strcmp(kept.servers, key) == 0) {
		d->channel = kept.ch;
		return 0;
	}
	if ((d->channel = channel_new(servers, timeout_ms)) == NULL)
		return -1;
	/* the first servers and time a process uses are kept; others (none
	 * today) get a channel of their own, never taken from under them */
	if ((kept.ch == NULL || kept.pid != getpid()) &&
	    strlen(key) < sizeof(kept.servers)) {
		kept.ch = d->channel;
		kept.pid = getpid();
		kept.timeout_ms = timeout_ms;
		strlcpy(kept.servers, key, sizeof(kept.servers));
	}
	return 0;
}

void
dns_close(struct dns *d)
{
	if (d->channel != NULL && d->channel != kept.ch)
		ares_destroy((ares_channel)d->channel);
	else if (d->channel != NULL)
		ares_cancel((ares_channel)d->channel); /* none left pending */
	d->channel = NULL;
}

static enum dns_status
dns_status_of(int status)
{
	if (status == ARES_SUCCESS)
		return DNS_OK;
	if (status == ARES_ENOTFOUND || status == ARES_ENODATA)
		return DNS_NONE;
	return DNS_TEMP;
}

static int
dns_mx_cmp(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;

	return (int)x->pref - (int)y->pref;
}

/* Equal preferences in random order, so load spreads (RFC 5321 5.1). */
static void
dns_mx_shuffle(struct dns_mxset *s)
{
	size_t i, j, k;

	qsort(s->mx, s->n, sizeof(s->mx[0]), dns_mx_cmp);
	for (i = 0; i < s->n; i = j) {
		for (j = i + 1; j < s->n && s->mx[j].pref == s->mx[i].pref; j++)
			;
		for (k = j - 1; k > i; k--) {
			size_t r =
			    i + arc4random_uniform((unsigned)(k - i + 1));
			struct dns_mx t = s->mx[k];

			s->mx[k] = s->mx[r];
			s->mx[r] = t;
		}
	}
}

static void
dns_mx_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_mxset *s = arg;
	struct ares_mx_reply *mx = NULL, *p;

	(void)timeouts;
	s->n = 0;
	if (status == ARES_ENODATA) {
		/* no MX: the domain itself, at preference 0 (RFC 5321 5.1) */
		s->mx[0].pref = 0;
		strlcpy(s->mx[0].host, s->domain, sizeof(s->mx[0].host));
		s->n = 1;
		s->status = DNS_OK;
		return;
	}
	s->status = dns_status_of(status);
	if (s->status != DNS_OK)
		return;
	if (ares_parse_mx_reply(abuf, alen, &mx) != ARES_SUCCESS) {
		s->status = DNS_TEMP;
		return;
	}
	for (p = mx; p != NULL && s->n < DNS_MX_MAX; p = p->next) {
		s->mx[s->n].pref = p->priority;
		strlcpy(s->mx[s->n].host, p->host, sizeof(s->mx[s->n].host));
		s->n++;
	}
	ares_free_data(mx);
	/* RFC 7505: a single MX naming the root means "no mail here" */
	if (s->n == 1 &&
	    (s->mx[0].host[0] == '\0' || strcmp(s->mx[0].host, ".") == 0))
		s->status = DNS_NULLMX;
	else if (s->n == 0)
		s->status = DNS_NONE;
	else
		dns_mx_shuffle(s);
}

struct dns_call {
	struct dns *d;
	void *out;
	char name[DNS_NAME_MAX + 1]; /* for dns_raw's cache */
	int type;
};

/*
 * dns_raw's answers, kept by the process for their TTL (at most
 * CACHE_TTL_MAX): a client sending many messages in one session has its
 * SPF, DKIM and DMARC records asked once, not for every message. Only
 * answers with records are kept, at most CACHE_MAX of them, each at
 * most CACHE_ANSWER_MAX octets; the oldest goes first.
 */
#define CACHE_MAX 32
#define CACHE_TTL_MAX 300
#define CACHE_ANSWER_MAX 4096

static struct cached {
	char name[DNS_NAME_MAX + 1];
	int type;
	time_t until;
	unsigned char *abuf;
	int alen;
} cache[CACHE_MAX];
static size_t cache_next;

static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Past a (perhaps compressed) name at off; -1 if it runs out. */
static int
skip_name(const unsigned char *a, int alen, int off)
{
	while (off < alen) {
		if (a[off] == 0)
			return off + 1;
		if ((a[off] & 0xc0) == 0xc0)
			return off + 2 <= alen ? off + 2 : -1;
		off += 1 + a[off];
	}
	return -1;
}

/* The smallest TTL of the answer's records; -1 if it does not parse. */
static long
answer_ttl(const unsigned char *a, int alen)
{
	unsigned qd, an, i;
	long ttl = CACHE_TTL_MAX, t;
	int off = 12;

	if (alen < 12)
		return -1;
	qd = get16(a + 4);
	an = get16(a + 6);
	for (i = 0; i < qd && off >= 0; i++)
		if ((off = skip_name(a, alen, off)) >= 0)
			off += 4;
	for (i = 0; i < an && off >= 0; i++) {
		if ((off = skip_name(a, alen, off)) < 0 || off + 10 > alen)
			return -1;
		t = (long)((unsigned long)get16(a + off + 4) << 16 |
		    get16(a + off + 6));
		if (t < ttl)
			ttl = t;
		off += 10 + (int)get16(a + off + 8);
	}
	return off < 0 || off > alen || an == 0 ? -1 : ttl;
}

static void
cache_put(const char *name, int type, const unsigned char *a, int alen)
{
	struct cached *c = &cache[cache_next];
	long ttl = answer_ttl(a, alen);

	if (ttl <= 0 || alen > CACHE_ANSWER_MAX ||
	    strlen(name) >= sizeof(c->name))
		return;
	free(c->abuf);
	if ((c->abuf = malloc((size_t)alen)) == NULL)
		return;
	memcpy(c->abuf, a, (size_t)alen);
	c->alen = alen;
	strlcpy(c->name, name, sizeof(c->name));
	c->type = type;
	c->until = time(NULL) + ttl;
	cache_next = (cache_next + 1) % CACHE_MAX;
}

static const struct cached *
cache_get(const char *name, int type)
{
	time_t now = time(NULL);
	size_t i;

	for (i = 0; i < CACHE_MAX; i++)
		if (cache[i].abuf != NULL && cache[i].type == type &&
		    cache[i].until > now &&
		    strcasecmp(cache[i].name, name) == 0)
			return &cache[i];
	return NULL;
}

static void
dns_mx_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_call *c = arg;

	dns_mx_done(c->out, status, timeouts, abuf, alen);
	c->d->pending--;
	free(c);
}

void
dns_mx(struct dns *d, const char *domain, struct dns_mxset *out)
{
	struct dns_call *c = malloc(sizeof(*c));

	memset(out, 0, sizeof(*out));
	strlcpy(out->domain, domain, sizeof(out->domain));
	if (c == NULL) {
		out->status = DNS_TEMP;
		return;
	}
	c->d = d;
	c->out = out;
	out->status = DNS_PENDING;
	d->pending++;
	ares_query((ares_channel)d->channel, domain, C_IN, T_MX, dns_mx_cb, c);
}

/* Starts a query whose answer done() reads into out. */
static void
dns_query(struct dns *d, const char *name, int type, void *out,
    enum dns_status *status, ares_callback cb)
{
	struct dns_call *c = malloc(sizeof(*c));

	if (c == NULL) {
		*status = DNS_TEMP;
		return;
	}
	c->d = d;
	c->out = out;
	strlcpy(c->name, name, sizeof(c->name));
	c->type = type;
	*status = DNS_PENDING;
	d->pending++;
	ares_query((ares_channel)d->channel, name, C_IN, type, cb, c);
}

static void
dns_a_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_call *c = arg;
	struct dns_a *out = c->out;
	struct ares_addrttl ttls[DNS_ADDR_MAX];
	int i, n = DNS_ADDR_MAX;

	(void)timeouts;
	out->status = dns_status_of(status);
	if (out->status == DNS_OK &&
	    ares_parse_a_reply(abuf, alen, NULL, ttls, &n) != ARES_SUCCESS)
		out->status = DNS_TEMP;
	for (i = 0; out->status == DNS_OK && i < n; i++)
		memcpy(out->addr[out->n++], &ttls[i].ipaddr, 4);
	if (out->status == DNS_OK && out->n == 0)
		out->status = DNS_NONE;
	c->d->pending--;
	free(c);
}

static void
dns_raw_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_call *c = arg;
	struct dns_raw *out = c->out;

	(void)timeouts;
	out->status = dns_status_of(status);
	if (out->status == DNS_OK && (out->abuf = malloc((size_t)alen)) == NULL)
		out->status = DNS_TEMP;
	if (out->status == DNS_OK) {
		memcpy(out->abuf, abuf, (size_t)alen);
		out->alen = alen;
		cache_put(c->name, c->type, abuf, alen);
	}
	c->d->pending--;
	free(c);
}

void
dns_raw(struct dns *d, const char *name, int type, struct dns_raw *out)
{
	const struct cached *hit = cache_get(name, type);

	memset(out, 0, sizeof(*out));
	if (hit != NULL && (out->abuf = malloc((size_t)hit->alen)) != NULL) {
		memcpy(out->abuf, hit->abuf, (size_t)hit->alen);
		out->alen = hit->alen;
		out->status = DNS_OK;
		return;
	}
	dns_query(d, name, type, out, &out->status, dns_raw_cb);
}

/*
 * Joins the strings of one record (RFC 7208 3.3, RFC 6376 3.6.2.2) into
 * out, which is as long as the whole answer, so anything fits.
 */
static void
txt_join(const struct ares_txt_ext **p, char *out)
{
	const struct ares_txt_ext *t = *p;
	size_t used = 0;

	do {
		memcpy(out + used, t->txt, t->length);
		used += t->length;
		t = t->next;
	} while (t != NULL && !t->record_start);
	out[used] = '\0';
	*p = t;
}

int
dns_txt_pick(
    const struct dns_raw *raw, const char *prefix, char *out, size_t size)
{
	struct ares_txt_ext *txt = NULL;
	const struct ares_txt_ext *p;
	size_t plen = strlen(prefix);
	char *one;
	int found = 0, first_fits = 1;

	if (ares_parse_txt_reply_ext(raw->abuf, raw->alen, &txt) !=
	    ARES_SUCCESS)
		return errno = EBADMSG, -1;
	if ((one = malloc((size_t)raw->alen + 1)) == NULL) {
		ares_free_data(txt);
		return -1;
	}
	out[0] = '\0';
	for (p = txt; p != NULL;) {
		txt_join(&p, one);
		if (strncasecmp(one, prefix, plen) != 0 || found++ > 0)
			continue;
		first_fits = strlcpy(out, one, size) < size;
	}
	ares_free_data(txt);
	free(one);
	if (!first_fits)
		return errno = EMSGSIZE, -1;
	return found;
}

int
dns_txt_lookup(const char *servers, int timeout_ms, const char *name,
    const char *prefix, char *out, size_t size, enum dns_status *status)
{
	struct dns_raw raw;
	struct dns d;
	int n = 0;

	out[0] = '\0';
	if (dns_open(&d, servers, timeout_ms) == -1) {
		*status = DNS_TEMP;
		return 0;
	}
	dns_raw(&d, name, T_TXT, &raw);
	dns_wait(&d);
	dns_close(&d);
	*status = raw.status;
	if (raw.status == DNS_OK) {
		n = dns_txt_pick(&raw, prefix, out, size);
		free(raw.abuf);
	}
	return n;
}

int
dns_ptr_name(const struct dns_raw *raw, char *out, size_t size)
{
	struct hostent *host = NULL;
	int r = -1;

	if (ares_parse_ptr_reply(
		raw->abuf, raw->alen, NULL, 0, AF_INET, &host) != ARES_SUCCESS)
		return errno = EBADMSG, -1;
	if (host->h_name != NULL && strlcpy(out, host->h_name, size) < size)
		r = 0;
	ares_free_hostent(host);
	return r;
}

void
dns_a(struct dns *d, const char *name, struct dns_a *out)
{
	memset(out, 0, sizeof(*out));
	dns_query(d, name, T_A, out, &out->status, dns_a_cb);
}

static void
dns_txt_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_call *c = arg;
	struct dns_txt *out = c->out;
	struct ares_txt_ext *txt = NULL, *p;
	size_t used = 0, n;

	(void)timeouts;
	out->status = dns_status_of(status);
	if (out->status == DNS_OK &&
	    ares_parse_txt_reply_ext(abuf, alen, &txt) != ARES_SUCCESS)
		out->status = DNS_TEMP;
	/* the strings of the first record: record_start marks the next */
	for (p = txt; out->status == DNS_OK && p != NULL; p = p->next) {
		if (p != txt && p->record_start)
			break;
		n = p->length < sizeof(out->text) - 1 - used
		    ? p->length
		    : sizeof(out->text) - 1 - used;
		memcpy(out->text + used, p->txt, n);
		used += n;
	}
	out->text[used] = '\0';
	if (txt != NULL)
		ares_free_data(txt);
	c->d->pending--;
	free(c);
}

void
dns_txt(struct dns *d, const char *name, struct dns_txt *out)
{
	memset(out, 0, sizeof(*out));
	dns_query(d, name, T_TXT, out, &out->status, dns_txt_cb);
}

static void
dns_addrs_cb(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct dns_call *c = arg;
	struct dns_addrs *a = c->out;
	struct ares_addrinfo_node *n;

	(void)timeouts;
	a->status = dns_status_of(status);
	a->n = 0;
	for (n = res ? res->nodes : NULL; n != NULL && a->n < DNS_ADDR_MAX;
	     n = n->ai_next) {
		if (n->ai_addrlen > sizeof(a->addr[0]))
			continue;
		memcpy(&a->addr[a->n++], n->ai_addr, n->ai_addrlen);
	}
	if (a->status == DNS_OK && a->n == 0)
		a->status = DNS_NONE;
	if (res != NULL)
		ares_freeaddrinfo(res);
	c->d->pending--;
	free(c);
}

void
dns_addrs(struct dns *d, const char *host, int ipv4_only, struct dns_addrs *out)
{
	struct ares_addrinfo_hints hints;
	struct dns_call *c = malloc(sizeof(*c));

	memset(out, 0, sizeof(*out));
	if (c == NULL) {
		out->status = DNS_TEMP;
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ipv4_only ? AF_INET : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	c->d = d;
	c->out = out;
	out->status = DNS_PENDING;
	d->pending++;
	ares_getaddrinfo(
	    (ares_channel)d->channel, host, NULL, &hints, dns_addrs_cb, c);
}

static long long
dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int
dns_wait(struct dns *d)
{
	ares_channel ch = d->channel;
	long long deadline = dns_now_ms() + d->timeout_ms;

	while (d->pending > 0) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		struct timeval tvmax, tvbuf, *tv;
		long long left = deadline - dns_now_ms();
		int bits, i, n = 0, ms;

		if (left <= 0) {
			/* every unanswered look-up ends as DNS_TEMP */
			ares_cancel(ch);
			break;
		}
		bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			/* c-ares's ARES_GETSOCK_WRITABLE shifts 1 into the
			 * sign bit of an int; the same test, unsigned: */
			unsigned u = (unsigned)bits;
			short ev = (short)(((u >> i) & 1u ? POLLIN : 0) |
			    ((u >> (i + ARES_GETSOCK_MAXNUM)) & 1u ? POLLOUT
								   : 0));

			if (ev)
				pfd[n++] = (struct pollfd) { socks[i], ev, 0 };
		}
		tvmax.tv_sec = left / 1000;
		tvmax.tv_usec = (left % 1000) * 1000;
		tv = ares_timeout(ch, &tvmax, &tvbuf);
		ms = (int)(tv->tv_sec * 1000 + tv->tv_usec / 1000);
		if (poll(pfd, (nfds_t)n, ms) <= 0) {
			ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			continue;
		}
		for (i = 0; i < n; i++)
			ares_process_fd(ch,
			    pfd[i].revents & (POLLIN | POLLERR | POLLHUP)
				? pfd[i].fd
				: ARES_SOCKET_BAD,
			    pfd[i].revents & POLLOUT ? pfd[i].fd
						     : ARES_SOCKET_BAD);
	}
	return d->pending > 0 ? -1 : 0;
}

int
dns_addrs_literal(const char *text, struct dns_addrs *out)
{
	struct cidr c;

	memset(out, 0, sizeof(*out));
	if (cidr_from_text(text, &c) == -1)
		return 0;
	out->n = 1;
	out->status = DNS_OK;
	cidr_to_sockaddr(&c, &out->addr[0]);
	return 1;
}
