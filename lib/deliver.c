/* deliver: recipient plans and durable storage of one message. */
/* copy_file_range(2) is a GNU extension in glibc. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "addr.h"
#include "deliver.h"
#include "fsync.h"
#include "maildir.h"
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

static int plan_account(struct deliver_plan *p, const struct deliver_ctx *c,
    const struct account *a, const char *rcpt, int depth, int *local);

/* A target naming another local account: name or name@localdomain. */
static int
plan_alias(struct deliver_plan *p, const struct deliver_ctx *c,
    const char *target, const char *ctxdomain, const char *rcpt, int depth,
    int *local)
{
	char name[USERS_NAME_MAX + 1];
	const char *at = strchr(target, '@');
	const char *dom = at ? at + 1 : ctxdomain;
	size_t n = at ? (size_t)(at - target) : strlen(target);
	struct account next;
	int r;

	if (n > USERS_NAME_MAX)
		return errno = EINVAL, -1;
	memcpy(name, target, n);
	name[n] = '\0';
	if ((r = users_find(c->users, name, dom, &next)) != 1)
		return r == 0 ? (errno = ENOENT, -1) : -1; /* cdb is stale */
	return plan_account(p, c, &next, rcpt, depth + 1, local);
}

static int
plan_own(struct deliver_plan *p, const struct deliver_ctx *c,
    const struct account *a, int *local)
{
	char dir[PATH_MAX];

	if (a->name[0] == '\0' ||
	    users_maildir(c->spool, a, dir, sizeof(dir)) == -1)
		return errno = EINVAL, -1;
	*local = 1;
	return plan_add(p, 0, dir, NULL);
}

/* Walks one account's targets (see yubin-users(5)). */
static int
plan_account(struct deliver_plan *p, const struct deliver_ctx *c,
    const struct account *a, const char *rcpt, int depth, int *local)
{
	char item[USERS_TARGETS_MAX], dom[ADDR_DOMAIN_MAX + 1];
	const char *t = a->targets, *at;
	size_t n;
	int r;

	if (depth > USERS_ALIAS_DEPTH)
		return errno = ELOOP, -1;
	if (*t == '\0')
		return plan_own(p, c, a, local);
	for (; *t != '\0'; t += n + (t[n] == ',')) {
		n = strcspn(t, ",");
		if (n == 0 || n >= sizeof(item))
			return errno = EINVAL, -1;
		memcpy(item, t, n);
		item[n] = '\0';
		at = strchr(item, '@');
		if (strcmp(item, ".") == 0)
			r = plan_own(p, c, a, local);
		else if (item[0] == '/') {
			*local = 1;
			r = plan_add(p, 0, item, NULL);
		} else if (at != NULL &&
		    (addr_domain_normalize(at + 1, dom, sizeof(dom)) == -1 ||
			(r = users_domain_is_local(c->domains, dom)) == 0))
			r = plan_add(p, 1, item, rcpt); /* a forward */
		else if (at != NULL && r == -1)
			return -1;
		else
			r = plan_alias(
			    p, c, item, a->domain, rcpt, depth, local);
		if (r == -1)
			return -1;
	}
	return 0;
}

int
deliver_plan_rcpt(struct deliver_plan *p, const struct deliver_ctx *c,
    const char *name, const char *domain, const char *rcpt)
{
	struct account a;
	char lower[USERS_NAME_MAX + 1];
	int r, local = 0;
	char **l;

	/* A local part that cannot be an account name (quoted, '=' ...)
	 * can still reach the domain's catch-all. */
	if (addr_lower(lower, name, sizeof(lower)) < sizeof(lower) &&
	    users_name_ok(lower))
		r = users_find_rcpt(c->users, lower, domain, &a);
	else
		r = users_find_catchall(c->users, domain, &a);
	if (r != 1)
		return r == 0 ? DELIVER_UNKNOWN : -1;
	if (plan_account(p, c, &a, rcpt, 0, &local) == -1)
		return -1;
	if (!local)
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
deliver_plan_remote(struct deliver_plan *p, const char *addr)
{
	return plan_add(p, 1, addr, NULL);
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

int
deliver_open(struct deliver_msg *m, const struct deliver_ctx *c,
    const struct deliver_plan *p, const char *sender, const char *received)
{
	const char *first = NULL;
	struct timeval tv;
	char host[64];
	size_t i;
	int n;

	memset(m, 0, sizeof(*m));
	m->ctx = c;
	m->plan = p;
	m->fd = -1;
	queue_new_id(m->id, sizeof(m->id));
	/* a host name in a file name: no '/' or ':' (Maildir's separator) */
	strlcpy(host, c->hostname, sizeof(host));
	for (i = 0; host[i]; i++)
		if (host[i] == '/' || host[i] == ':')
			host[i] = '_';
	/* Maildir's unique name: time, microseconds, pid, a counter */
	gettimeofday(&tv, NULL);
	n = snprintf(m->base, sizeof(m->base), "%lld.M%06ldP%ldQ%u.%s",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
	    ++deliver_counter, host);
	if (n < 0 || (size_t)n >= sizeof(m->base))
		return errno = ENAMETOOLONG, -1;
	for (i = 0; i < p->n; i++) {
		if (p->t[i].forward)
			continue;
		if (maildir_create(p->t[i].where) == -1)
			return -1;
		if (first == NULL)
			first = p->t[i].where;
	}
	if (first == NULL) {
		m->to_queue_only = 1;
		if (queue_init(c->spool) == -1 ||
		    (m->fd = queue_open_mess(c->spool, m->id)) == -1)
			return -1;
	} else {
		if (snprintf(m->tmp, sizeof(m->tmp), "%stmp/%s", first,
			m->base) >= (int)sizeof(m->tmp))
			return errno = ENAMETOOLONG, -1;
		m->fd =
		    open(m->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (m->fd == -1)
			return -1;
		n = snprintf(
		    m->buf, sizeof(m->buf), "Return-Path: <%s>\n", sender);
		if (p->nlocal == 1)
			n += snprintf(m->buf + n, sizeof(m->buf) - (size_t)n,
			    "Delivered-To: %s\n", p->local_rcpts[0]);
		m->blen = (size_t)n;
		m->prefix = m->octets = n;
		m->lfs = 1 + (p->nlocal == 1);
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
		if (w <= 0)
			return w == 0 ? (errno = EIO, -1) : -1;
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

/* Copies len octets from in at off to the end of out, in the kernel. */
static int
copy_range(int in, off_t off, int out, off_t len)
{
	char buf[65536];
	ssize_t n;

	while (len > 0) {
		n = copy_file_range(in, &off, out, NULL, (size_t)len, 0);
		if (n > 0) {
			len -= n;
			continue;
		}
		if (n == 0)
			return errno = EIO, -1;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL &&
		    errno != EOPNOTSUPP)
			return -1;
		/* fall back to read and write for the rest */
		n = pread(in, buf,
		    len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf), off);
		if (n <= 0 || write(out, buf, (size_t)n) != n)
			return n == 0 ? (errno = EIO, -1) : -1;
		off += n;
		len -= n;
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
	if (copy_range(m->fd, 0, fd, m->octets) == 0 && fsync(fd) == 0 &&
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
		unlink_new(m, name, i);
		return -1;
	}
	for (i = 0; i < p->n; i++) {
		if (p->t[i].forward)
			continue;
		snprintf(path, sizeof(path), "%snew/%s", p->t[i].where, name);
		if (fsync_dir(path) == -1) {
			unlink_new(m, name, p->n);
			return -1;
		}
	}
	return 0;
}

static int
commit_queue(struct deliver_msg *m, const char *sender)
{
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
		if (copy_range(m->fd, m->prefix, qfd, m->octets - m->prefix) ==
		    -1) {
			close(qfd);
			return -1;
		}
	} else
		m->fd = -1; /* queue_commit closes it */
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
	if (m->write_failed || deliver_flush(m) == -1 ||
	    (!m->to_queue_only && fsync(m->fd) == -1))
		goto fail;
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
	if (m->ctx != NULL)
		queue_abort(m->ctx->spool, m->id);
}
