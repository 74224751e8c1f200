/* deliver: recipient plans and durable storage of one message. */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "alias.h"
#include "copyfile.h"
#include "deliver.h"
#include "dkimsign.h"
#include "fsync.h"
#include "log.h"
#include "maildir.h"
#include "rfc5322.h"
#include "srs.h"
#include "users.h"

void
deliver_plan_init(struct deliver_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void
deliver_plan_free(struct deliver_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->t[i].where);
		free(p->t[i].via);
	}
	for (i = 0; i < p->nlocal; i++)
		free(p->local_rcpts[i]);
	free(p->t);
	free(p->local_rcpts);
	deliver_plan_init(p);
}

/* Adds a destination unless the plan has it already. */
static int
plan_add(
    struct deliver_plan *p, int forward, const char *where, const char *via)
{
	struct deliver_target *t;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->t[i].forward == forward &&
		    strcasecmp(p->t[i].where, where) == 0)
			return 0;
	if (p->n >= DELIVER_TARGETS_MAX)
		return errno = E2BIG, -1;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;

		if ((t = reallocarray(p->t, cap, sizeof(*t))) == NULL)
			return -1;
		p->t = t;
		p->cap = cap;
	}
	t = &p->t[p->n];
	t->forward = forward;
	t->where = strdup(where);
	t->via = via ? strdup(via) : NULL;
	if (t->where == NULL || (via && t->via == NULL)) {
		free(t->where);
		free(t->via);
		return -1;
	}
	p->n++;
	return 0;
}

/* One recipient's walk through its account's targets (lib/alias). */
struct walk {
	struct deliver_plan *p;
	const struct deliver_ctx *c;
	const char *rcpt;
	int local; /* a Maildir of ours is among the targets */
};

static int
plan_find(void *arg, const char *name, const char *domain,
    struct account *space, struct alias_account *out)
{
	struct walk *w = arg;
	int r = users_find(w->c->users, name, domain, space);

	if (r == 1)
		alias_from_account(out, space);
	return r;
}

static int
plan_local_domain(void *arg, const char *domain)
{
	struct walk *w = arg;

	return users_domain_is_local(w->c->domains, domain);
}

static int
plan_own(void *arg, const struct alias_account *a)
{
	struct walk *w = arg;
	char dir[PATH_MAX];

	if (a->name[0] == '\0' ||
	    users_maildir(w->c->spool, a->account, dir, sizeof(dir)) == -1)
		return errno = EINVAL, ALIAS_STOP;
	w->local = 1;
	return plan_add(w->p, 0, dir, NULL) == -1 ? ALIAS_STOP : 0;
}

static int
plan_maildir(void *arg, const char *path)
{
	struct walk *w = arg;

	w->local = 1;
	return plan_add(w->p, 0, path, NULL) == -1 ? ALIAS_STOP : 0;
}

static int
plan_forward(void *arg, const char *address)
{
	struct walk *w = arg;

	return plan_add(w->p, 1, address, w->rcpt) == -1 ? ALIAS_STOP : 0;
}

/* cdbmake-users checked every target and chain: users.cdb is stale */
static int
plan_missing(void *arg, const struct alias_account *from, const char *target,
    const char *domain)
{
	(void)arg;
	(void)from;
	(void)target;
	(void)domain;
	return errno = ENOENT, ALIAS_STOP;
}

static int
plan_too_long(void *arg, const struct alias_account *a, int deep)
{
	(void)arg;
	(void)a;
	(void)deep;
	return errno = ELOOP, ALIAS_STOP;
}

/* The account's destinations into the plan: 0, or -1 (errno). */
static int
plan_account(struct walk *w, const struct account *a, const char *domain)
{
	const struct alias_visit v = { .find = plan_find,
		.local_domain = plan_local_domain,
		.own = plan_own,
		.maildir = plan_maildir,
		.forward = plan_forward,
		.missing = plan_missing,
		.too_long = plan_too_long,
		.arg = w };
	struct alias_account top;

	alias_from_account(&top, a);
	return alias_walk(&v, &top, domain, 0) < 0 ? -1 : 0;
}

int
deliver_plan_rcpt(struct deliver_plan *p, const struct deliver_ctx *c,
    const char *name, const char *domain, const char *rcpt)
{
	struct walk w = { p, c, rcpt, 0 };
	struct account a;
	char lower[USERS_NAME_MAX + 1];
	char **l;
	int r;

	/* A local part that cannot be an account name (quoted, '=' ...)
	 * can still reach the domain's catch-all. */
	if (addr_lower(lower, name, sizeof(lower)) < sizeof(lower) &&
	    users_name_ok(lower))
		r = users_find_rcpt(c->users, lower, domain, &a);
	else
		r = users_find_catchall(c->users, domain, &a);
	if (r != 1)
		return r == 0 ? DELIVER_UNKNOWN : -1;
	if (plan_account(&w, &a, domain) == -1)
		return -1;
	if (!w.local)
		return 0;
	if (p->nlocal == p->localcap) {
		size_t cap = p->localcap ? p->localcap * 2 : 8;

		if ((l = reallocarray(p->local_rcpts, cap, sizeof(*l))) == NULL)
			return -1;
		p->local_rcpts = l;
		p->localcap = cap;
	}
	if ((p->local_rcpts[p->nlocal] = strdup(rcpt)) == NULL)
		return -1;
	p->nlocal++;
	return 0;
}

int
deliver_plan_junk(struct deliver_plan *p)
{
	char path[PATH_MAX], *junk;
	size_t i;
	int fd;

	for (i = 0; i < p->n; i++) {
		if (p->t[i].forward)
			continue;
		if (snprintf(path, sizeof(path), "%s.Junk/", p->t[i].where) >=
			(int)sizeof(path) ||
		    maildir_create(path) == -1)
			return -1;
		/* Maildir++: the folder says it is one (Dovecot, Courier) */
		strlcat(path, "maildirfolder", sizeof(path));
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd != -1)
			close(fd);
		path[strlen(path) - strlen("maildirfolder")] = '\0';
		if ((junk = strdup(path)) == NULL)
			return -1;
		free(p->t[i].where);
		p->t[i].where = junk;
	}
	return 0;
}

void
deliver_plan_truncate(struct deliver_plan *p, size_t n, size_t nlocal)
{
	while (p->n > n) {
		p->n--;
		free(p->t[p->n].where);
		free(p->t[p->n].via);
	}
	while (p->nlocal > nlocal)
		free(p->local_rcpts[--p->nlocal]);
}

int
deliver_plan_remote(struct deliver_plan *p, const char *addr)
{
	return plan_add(p, 1, addr, NULL);
}

int
deliver_reaches(const struct deliver_ctx *c, const struct account *a,
    const char *name, const char *domain)
{
	char lower[USERS_NAME_MAX + 1], dir[PATH_MAX];
	struct deliver_plan p;
	struct account found;
	size_t i;
	int r;

	if (addr_lower(lower, name, sizeof(lower)) < sizeof(lower) &&
	    users_name_ok(lower) &&
	    (r = users_find(c->users, lower, domain, &found)) != 0) {
		if (r == -1)
			return -1;
		if (strcmp(found.key, a->key) == 0)
			return 1;
	}
	if (a->name[0] == '\0' ||
	    users_maildir(c->spool, a, dir, sizeof(dir)) == -1)
		return 0;
	deliver_plan_init(&p);
	r = deliver_plan_rcpt(&p, c, name, domain, "-");
	if (r == DELIVER_UNKNOWN)
		r = 0;
	for (i = 0; r == 0 && i < p.n; i++)
		if (!p.t[i].forward && strcmp(p.t[i].where, dir) == 0)
			r = 1;
	deliver_plan_free(&p);
	return r;
}

size_t
deliver_plan_maildirs(const struct deliver_plan *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += !p->t[i].forward;
	return n;
}

/* ---- the message ---- */

static unsigned deliver_counter;

/* Notes which operation on which path failed; keeps errno. */
static int
failed(struct deliver_msg *m, const char *op, const char *path)
{
	int e = errno;

	snprintf(m->why, sizeof(m->why), "%s %s: %s", op, path, strerror(e));
	errno = e;
	return -1;
}

const char *
deliver_why(const struct deliver_msg *m)
{
	return m->why[0] != '\0' ? m->why : strerror(errno);
}

/* Maildir's unique name: time, microseconds, pid, a counter, host. */
static int
unique_name(struct deliver_msg *m, const char *hostname)
{
	struct timeval tv;
	char host[64];
	size_t i;
	int n;

	/* a host name in a file name: no '/' or ':' (Maildir's separator) */
	strlcpy(host, hostname, sizeof(host));
	for (i = 0; host[i]; i++)
		if (host[i] == '/' || host[i] == ':')
			host[i] = '_';
	gettimeofday(&tv, NULL);
	n = snprintf(m->base, sizeof(m->base), "%lld.M%06ldP%ldQ%u.%s",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
	    ++deliver_counter, host);
	if (n < 0 || (size_t)n >= sizeof(m->base))
		return errno = ENAMETOOLONG, -1;
	return 0;
}

/* The file in the first Maildir's tmp/, its Maildir fields first. */
static int
open_in_maildir(struct deliver_msg *m, const char *first, const char *sender)
{
	const struct deliver_plan *p = m->plan;
	int n;

	if (snprintf(m->tmp, sizeof(m->tmp), "%stmp/%s", first, m->base) >=
	    (int)sizeof(m->tmp))
		return errno = ENAMETOOLONG, -1;
	m->fd = open(m->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (m->fd == -1)
		return failed(m, "create", m->tmp);
	n = snprintf(m->buf, sizeof(m->buf), "Return-Path: <%s>\n", sender);
	if (p->nlocal == 1)
		n += snprintf(m->buf + n, sizeof(m->buf) - (size_t)n,
		    "Delivered-To: %s\n", p->local_rcpts[0]);
	m->blen = (size_t)n;
	m->prefix = m->octets = n;
	m->lfs = 1 + (p->nlocal == 1);
	return 0;
}

int
deliver_open(struct deliver_msg *m, const struct deliver_ctx *c,
    const struct deliver_plan *p, const char *sender, const char *received)
{
	const char *first = NULL;
	size_t i;

	memset(m, 0, offsetof(struct deliver_msg, id));
	m->id[0] = m->base[0] = m->tmp[0] = m->why[0] = '\0';
	m->ctx = c;
	m->plan = p;
	m->fd = -1;
	queue_new_id(m->id, sizeof(m->id));
	if (unique_name(m, c->hostname) == -1)
		return -1;
	for (i = 0; i < p->n; i++) {
		if (p->t[i].forward)
			continue;
		if (maildir_create(p->t[i].where) == -1)
			return failed(m, "make the Maildir", p->t[i].where);
		if (first == NULL)
			first = p->t[i].where;
	}
	if (first != NULL) {
		if (open_in_maildir(m, first, sender) == -1)
			return -1;
	} else {
		m->to_queue_only = 1;
		if (queue_init(c->spool) == -1 ||
		    (m->fd = queue_open_mess(c->spool, m->id)) == -1)
			return failed(m, "make a queue file in", c->spool);
	}
	return deliver_write(m, received, strlen(received));
}

/* Writes out what waits in the buffer. */
static int
deliver_flush(struct deliver_msg *m)
{
	const char *p = m->buf;
	ssize_t w;

	while (m->blen > 0) {
		w = write(m->fd, p, m->blen);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return failed(m, "write",
			    m->to_queue_only ? "the queue file" : m->tmp);
		}
		p += w;
		m->blen -= (size_t)w;
	}
	return 0;
}

int
deliver_write(struct deliver_msg *m, const void *data, size_t len)
{
	const char *p = data, *end = p + len;
	size_t room;

	if (m->write_failed)
		return -1;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		m->lfs++;
		p++;
	}
	m->octets += (off_t)len;
	for (p = data; p < end; p += room) {
		if (m->blen == sizeof(m->buf) && deliver_flush(m) == -1) {
			/* what is in the file now has a hole: a later write
			 * that works must not make it look whole */
			m->write_failed = 1;
			return -1;
		}
		room = sizeof(m->buf) - m->blen;
		if (room > (size_t)(end - p))
			room = (size_t)(end - p);
		memcpy(m->buf + m->blen, p, room);
		m->blen += room;
	}
	return 0;
}

/* Another file system (a custom Maildir path): a copy of its own. */
static int
copy_into(struct deliver_msg *m, const char *maildir, const char *name)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	int fd, r = -1;

	snprintf(tmp, sizeof(tmp), "%stmp/%s", maildir, m->base);
	snprintf(final, sizeof(final), "%snew/%s", maildir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1)
		return -1;
	if (copyfile_range(m->fd, 0, fd, m->octets) == 0 && fsync(fd) == 0 &&
	    close(fd) == 0) {
		fd = -1;
		r = link(tmp, final);
	}
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return r;
}

/* Undoes the links made so far (best effort): nothing was acknowledged. */
static void
unlink_new(struct deliver_msg *m, const char *name, size_t upto)
{
	const struct deliver_plan *p = m->plan;
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < upto; i++)
		if (!p->t[i].forward) {
			snprintf(path, sizeof(path), "%snew/%s", p->t[i].where,
			    name);
			unlink(path);
		}
}

static int
commit_maildirs(struct deliver_msg *m, char *name, size_t size)
{
	const struct deliver_plan *p = m->plan;
	char path[PATH_MAX];
	size_t i;

	if (maildir_name_tagged(
		name, size, m->base, m->octets, m->octets + m->lfs) == -1)
		return errno = ENAMETOOLONG, -1;
	for (i = 0; i < p->n; i++) {
		if (p->t[i].forward)
			continue;
		snprintf(path, sizeof(path), "%snew/%s", p->t[i].where, name);
		if (link(m->tmp, path) == 0 ||
		    (errno == EXDEV && copy_into(m, p->t[i].where, name) == 0))
			continue;
		failed(m, "link the message into", path);
		unlink_new(m, name, i);
		return -1;
	}
	for (i = 0; i < p->n; i++) {
		if (p->t[i].forward)
			continue;
		snprintf(path, sizeof(path), "%snew/%s", p->t[i].where, name);
		if (fsync_dir(path) == -1) {
			failed(m, "fsync the directory of", path);
			unlink_new(m, name, p->n);
			return -1;
		}
	}
	return 0;
}

/* The queued copy's own first fields, when it has any. */
static int
queue_head_write(struct deliver_msg *m, int qfd)
{
	size_t len = m->queue_head ? strlen(m->queue_head) : 0;
	ssize_t w;

	if (len == 0)
		return 0;
	if ((w = write(qfd, m->queue_head, len)) == (ssize_t)len)
		return 0;
	if (w >= 0)
		errno = ENOSPC;
	return -1;
}

/* The From: domain of text when it is one of ours, lower case; else 0. */
static int
local_from_domain(struct deliver_msg *m, const char *text, size_t len,
    char *domain, size_t size, char *why, size_t whysize)
{
	char from[1000], addr[ADDR_MAX];
	const char *at;
	int r;

	if (rfc5322_field(text, len, "from", from, sizeof(from)) != 1 ||
	    rfc5322_mailbox(from, addr, sizeof(addr)) == -1) {
		snprintf(why, whysize, "not signed: no single From: address");
		return 0;
	}
	at = strrchr(addr, '@');
	if (addr_domain_normalize(at + 1, domain, size) == -1 ||
	    domain[0] == '[') {
		snprintf(why, whysize, "not signed: From: domain not valid");
		return 0;
	}
	if ((r = users_domain_is_local(m->ctx->domains, domain)) != 1) {
		snprintf(why, whysize, "%s%s",
		    r == 0 ? "not signed: From: " : "domains.cdb: ",
		    r == 0 ? "not a local domain" : strerror(errno));
		return r;
	}
	return 1;
}

/*
 * The message as written so far: the text after the Maildir prefix.
 * A message that still fits in the write buffer is read there (*map is
 * then NULL); a bigger one is flushed and mapped (unmap *map, *maplen
 * octets, after). NULL on error (errno).
 */
static const char *
message_text(struct deliver_msg *m, void **map, size_t *maplen)
{
	*map = NULL;
	if (m->write_failed)
		return errno = EIO, NULL;
	if (m->octets == (off_t)m->blen) /* nothing in the file yet */
		return m->buf + m->prefix;
	if (deliver_flush(m) == -1)
		return NULL;
	*maplen = (size_t)m->octets;
	*map = mmap(NULL, *maplen, PROT_READ, MAP_PRIVATE, m->fd, 0);
	if (*map == MAP_FAILED)
		return *map = NULL, NULL;
	return (const char *)*map + m->prefix;
}

static void
message_text_done(void *map, size_t maplen)
{
	if (map != NULL)
		munmap(map, maplen);
}

/*
 * A queue-only message that is all in the buffer gets its signatures
 * written first, straight into its still empty file: no second copy.
 */
static int
head_first(struct deliver_msg *m)
{
	size_t len = strlen(m->queue_head);
	ssize_t w;

	if (!m->to_queue_only || m->octets != (off_t)m->blen)
		return 0;
	if ((w = write(m->fd, m->queue_head, len)) != (ssize_t)len)
		return w >= 0 ? (errno = ENOSPC, -1) : -1;
	free(m->queue_head);
	m->queue_head = NULL;
	return 0;
}

int
deliver_field(struct deliver_msg *m, const char *name, char *out, size_t size)
{
	const char *text;
	size_t maplen = 0;
	void *map;
	int r;

	if ((text = message_text(m, &map, &maplen)) == NULL)
		return -2;
	r = rfc5322_field(
	    text, (size_t)(m->octets - m->prefix), name, out, size);
	message_text_done(map, maplen);
	return r;
}

int
deliver_from_address(struct deliver_msg *m, struct addr *a)
{
	char value[1000], addr[ADDR_MAX];
	const char *why;
	int r;

	if ((r = deliver_field(m, "from", value, sizeof(value))) == -2)
		return -1;
	if (r == 0)
		return 0;
	if (r == -1 || rfc5322_mailbox(value, addr, sizeof(addr)) == -1 ||
	    addr_parse(addr, a, &why) == -1 || a->domain[0] == '\0')
		return 2;
	return 1;
}

int
deliver_sign(struct deliver_msg *m, const char *dir, const char *selector,
    char *why, size_t whysize)
{
	char domain[ADDR_DOMAIN_MAX + 1];
	const char *text;
	size_t maplen = 0;
	void *map;
	int r;

	if (deliver_plan_maildirs(m->plan) == m->plan->n) {
		snprintf(why, whysize, "not signed: no remote recipient");
		return 0;
	}
	if ((text = message_text(m, &map, &maplen)) == NULL)
		return snprintf(why, whysize, "%s", strerror(errno)), -1;
	r = local_from_domain(m, text, (size_t)(m->octets - m->prefix), domain,
	    sizeof(domain), why, whysize);
	if (r == 1) {
		free(m->queue_head);
		r = dkimsign(dir, selector, domain, text,
		    (size_t)(m->octets - m->prefix), &m->queue_head, why,
		    whysize);
	}
	message_text_done(map, maplen);
	if (r == 1 && head_first(m) == -1)
		return snprintf(why, whysize, "%s", strerror(errno)), -1;
	return r;
}

int
deliver_text_fd(struct deliver_msg *m)
{
	char path[64];
	int fd;

	if (m->write_failed)
		return errno = EIO, -1;
	if (deliver_flush(m) == -1)
		return -1;
	/* a description of its own: the filter's reads must not move the
	 * offset our writes use */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m->fd);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (lseek(fd, m->prefix, SEEK_SET) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The Maildir copy again: prefix, head, the rest; renamed over tmp. */
static int
add_head_maildir(struct deliver_msg *m, const char *head, size_t len)
{
	char path[sizeof(m->tmp) + 4];
	int fd;

	if (snprintf(path, sizeof(path), "%s.h", m->tmp) >= (int)sizeof(path))
		return errno = ENAMETOOLONG, -1;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (copyfile_range(m->fd, 0, fd, m->prefix) == -1 ||
	    write(fd, head, len) != (ssize_t)len ||
	    copyfile_range(m->fd, m->prefix, fd, m->octets - m->prefix) == -1 ||
	    rename(path, m->tmp) == -1) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(m->fd);
	m->fd = fd;
	return 0;
}

int
deliver_add_head(struct deliver_msg *m, const char *head)
{
	size_t len = strlen(head);
	const char *p;
	int fd;

	if (len == 0)
		return 0;
	if (m->write_failed)
		return errno = EIO, -1;
	if (m->octets == (off_t)m->blen && m->blen + len <= sizeof(m->buf)) {
		/* all of it still in the buffer: in there, no file again */
		memmove(m->buf + m->prefix + len, m->buf + m->prefix,
		    m->blen - (size_t)m->prefix);
		memcpy(m->buf + m->prefix, head, len);
		m->blen += len;
	} else if (deliver_flush(m) == -1)
		return -1;
	else if (m->to_queue_only) {
		if ((fd = queue_prepend(m->ctx->spool, m->id, m->fd, head)) ==
		    -1)
			return -1;
		m->fd = fd;
	} else if (add_head_maildir(m, head, len) == -1)
		return -1;
	m->octets += (off_t)len;
	for (p = head; (p = strchr(p, '\n')) != NULL; p++)
		m->lfs++;
	return 0;
}

/*
 * The queue entry's sender: a forward re-sends someone else's mail from
 * our address, so when the entry holds one and the sender is in another
 * domain, the sender becomes an SRS address of ours (SPF at the
 * destination then checks our domain, and a bounce finds its way back).
 */
static const char *
queue_sender(struct deliver_msg *m, const char *sender, char *buf, size_t size)
{
	const struct deliver_plan *p = m->plan;
	char domain[ADDR_DOMAIN_MAX + 1];
	const char *at = strrchr(sender, '@');
	size_t i;

	if (m->ctx->srs == NULL || at == NULL)
		return sender;
	for (i = 0; i < p->n && !(p->t[i].forward && p->t[i].via); i++)
		;
	/* this host's own name is ours too (root@hostname, cron mail) */
	if (i == p->n ||
	    addr_domain_normalize(at + 1, domain, sizeof(domain)) == -1 ||
	    strcasecmp(domain, m->ctx->hostname) == 0 ||
	    strcasecmp(domain, m->ctx->srs->domain) == 0 ||
	    users_domain_is_local(m->ctx->domains, domain) != 0)
		return sender;
	if (srs_forward(m->ctx->srs, sender, time(NULL), buf, size) == -1) {
		log_warn("message %s: no SRS address for <%s>: %s", m->id,
		    sender, strerror(errno));
		return sender;
	}
	log_info("message %s: forwarded with sender <%s>", m->id, buf);
	return buf;
}

static int
commit_queue(struct deliver_msg *m, const char *sender)
{
	char srs_sender[ADDR_MAX + 64];
	const struct deliver_plan *p = m->plan;
	struct queue_rcpt rcpts[DELIVER_TARGETS_MAX];
	size_t i, n = 0;
	int qfd = m->fd;

	for (i = 0; i < p->n; i++)
		if (p->t[i].forward) {
			rcpts[n].addr = p->t[i].where;
			rcpts[n].via = p->t[i].via;
			n++;
		}
	if (n == 0)
		return 0;
	if (!m->to_queue_only) {
		if (queue_init(m->ctx->spool) == -1 ||
		    (qfd = queue_open_mess(m->ctx->spool, m->id)) == -1)
			return -1;
		if (queue_head_write(m, qfd) == -1 ||
		    copyfile_range(
			m->fd, m->prefix, qfd, m->octets - m->prefix) == -1) {
			close(qfd);
			return -1;
		}
	} else {
		if (m->queue_head != NULL &&
		    (qfd = queue_prepend(
			 m->ctx->spool, m->id, m->fd, m->queue_head)) == -1)
			return -1;
		m->fd = -1; /* queue_commit closes it */
	}
	sender = queue_sender(m, sender, srs_sender, sizeof(srs_sender));
	return queue_commit(m->ctx->spool, m->id, qfd, sender, rcpts, n);
}

int
deliver_commit(struct deliver_msg *m, const char *sender)
{
	char name[512];
	int saved;

	/* a message only for the queue is fsync'd by queue_commit */
	if (m->write_failed)
		errno = EIO;
	if (m->write_failed || deliver_flush(m) == -1)
		goto fail;
	if (!m->to_queue_only && fsync(m->fd) == -1) {
		failed(m, "fsync", m->tmp);
		goto fail;
	}
	if (!m->to_queue_only && commit_maildirs(m, name, sizeof(name)) == -1)
		goto fail;
	if (commit_queue(m, sender) == -1) {
		saved = errno;
		if (!m->to_queue_only)
			unlink_new(m, name, m->plan->n);
		errno = saved;
		goto fail;
	}
	if (m->fd != -1)
		close(m->fd); /* the Maildir copy: fsync'd and linked above */
	m->fd = -1;
	if (m->tmp[0] != '\0')
		unlink(m->tmp);
	free(m->queue_head);
	m->queue_head = NULL;
	return 0;
fail:
	saved = errno;
	deliver_abort(m);
	errno = saved;
	return -1;
}

void
deliver_abort(struct deliver_msg *m)
{
	if (m->fd != -1)
		close(m->fd);
	m->fd = -1;
	if (m->tmp[0] != '\0')
		unlink(m->tmp);
	m->tmp[0] = '\0';
	free(m->queue_head);
	m->queue_head = NULL;
	if (m->ctx != NULL)
		queue_abort(m->ctx->spool, m->id);
}
