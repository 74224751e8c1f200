/* queue: the durable queue entry; see queue.h and yubin-queue(5). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "copyfile.h"
#include "fsync.h"
#include "queue.h"

/* SPOOL/queue/sub, a directory. */
static int
queue_dir(char *buf, size_t size, const char *spool, const char *sub)
{
	int n =
	    snprintf(buf, size, "%s/queue%s%s", spool, sub[0] ? "/" : "", sub);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
queue_path(char *buf, size_t size, const char *spool, const char *sub,
    const char *id, const char *suffix)
{
	int n;

	/* an id may come from the command line: a file name, nothing else */
	if (id[0] == '\0' || id[0] == '.' || strchr(id, '/') != NULL) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(buf, size, "%s/queue/%s/%s%s", spool, sub, id, suffix);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
queue_init(const char *spool)
{
	static const char *const subs[] = { "", "tmp", "mess", "info" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < 4; i++) {
		if (queue_dir(path, sizeof(path), spool, subs[i]) == -1)
			return -1;
		if (mkdir(path, 0750) == -1 && errno != EEXIST)
			return -1;
	}
	return 0;
}

void
queue_new_id(char *id, size_t size)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	snprintf(id, size, "%lld.%06ld.%ld", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid());
}

int
queue_open_mess(const char *spool, const char *id)
{
	char path[PATH_MAX];

	if (queue_path(path, sizeof(path), spool, "tmp", id, ".mess") == -1)
		return -1;
	return open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
}

int
queue_prepend(const char *spool, const char *id, int messfd, const char *head)
{
	char mess[PATH_MAX], body[PATH_MAX];
	size_t len = strlen(head);
	struct stat st;
	ssize_t w;
	int fd;

	if (queue_path(mess, sizeof(mess), spool, "tmp", id, ".mess") == -1 ||
	    queue_path(body, sizeof(body), spool, "tmp", id, ".body") == -1 ||
	    fstat(messfd, &st) == -1 || rename(mess, body) == -1)
		return -1;
	if ((fd = queue_open_mess(spool, id)) == -1)
		return -1;
	w = write(fd, head, len);
	if (w != (ssize_t)len ||
	    copyfile_range(messfd, 0, fd, st.st_size) == -1) {
		if (w >= 0 && w != (ssize_t)len)
			errno = ENOSPC; /* a short write: the disk is full */
		close(fd);
		return -1;
	}
	unlink(body);
	close(messfd);
	return fd;
}

/* 1 if s may stand in an envelope line: no CR or LF (NUL ends it). */
static int
queue_field_ok(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

/*
 * The envelope's text, as queue_read reads it: the one writer of the
 * format, for new entries and rewrites. NULL when out of memory, or
 * (EINVAL) when a field holds CR or LF: callers' addresses are parsed,
 * but a bad byte is refused here too rather than written.
 */
static char *
queue_format(const struct queue_entry *e, size_t *len)
{
	char *text = NULL;
	FILE *f;
	size_t i;
	int bad;

	bad = !queue_field_ok(e->sender) || !queue_field_ok(e->id);
	for (i = 0; i < e->n && !bad; i++)
		bad = !queue_field_ok(e->rcpt[i].addr) ||
		    !queue_field_ok(e->rcpt[i].via) ||
		    !queue_field_ok(e->rcpt[i].error);
	if (bad)
		return errno = EINVAL, NULL;
	if ((f = open_memstream(&text, len)) == NULL)
		return NULL;
	fprintf(f,
	    "yubin-queue 1\nid %s\ncreated %lld\nsender %s\n"
	    "attempts %d\nnext %lld\n",
	    e->id, e->created, e->sender, e->attempts, e->next);
	for (i = 0; i < e->n; i++) {
		fprintf(f, "rcpt %s\n", e->rcpt[i].addr);
		if (e->rcpt[i].via)
			fprintf(f, "via %s\n", e->rcpt[i].via);
		if (e->rcpt[i].error)
			fprintf(f, "error %s\n", e->rcpt[i].error);
	}
	if (e->extra)
		fputs(e->extra, f);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(text);
		return NULL;
	}
	return text;
}

static int queue_store(
    const char *spool, const char *id, const char *text, size_t len);

/* A new entry's envelope, info/ID: attempts 0, due now. */
static int
queue_write_entry(const char *spool, const char *id, const char *sender,
    const struct queue_rcpt *rcpts, size_t n)
{
	struct queue_entry e = { .n = n };
	size_t i, len;
	char *text;
	int r;

	if ((e.rcpt = calloc(n ? n : 1, sizeof(*e.rcpt))) == NULL)
		return -1;
	strlcpy(e.id, id, sizeof(e.id));
	e.created = e.next = (long long)time(NULL);
	e.sender = (char *)sender; /* only read: queue_format */
	for (i = 0; i < n; i++) {
		e.rcpt[i].addr = (char *)rcpts[i].addr;
		e.rcpt[i].via = (char *)rcpts[i].via;
	}
	text = queue_format(&e, &len);
	free(e.rcpt);
	if (text == NULL)
		return -1;
	r = queue_store(spool, id, text, len);
	free(text);
	return r;
}

int
queue_commit(const char *spool, const char *id, int messfd, const char *sender,
    const struct queue_rcpt *rcpts, size_t n)
{
	char tmp[PATH_MAX], final[PATH_MAX];

	if (fsync(messfd) == -1) {
		close(messfd);
		return -1;
	}
	if (close(messfd) == -1 ||
	    queue_path(tmp, sizeof(tmp), spool, "tmp", id, ".mess") == -1 ||
	    queue_path(final, sizeof(final), spool, "mess", id, "") == -1 ||
	    rename(tmp, final) == -1 || fsync_dir(final) == -1)
		return -1;
	/* on error mess/ID stays: queue_remove_orphans takes it */
	return queue_write_entry(spool, id, sender, rcpts, n);
}

void
queue_abort(const char *spool, const char *id)
{
	char path[PATH_MAX];

	if (queue_path(path, sizeof(path), spool, "tmp", id, ".mess") == 0)
		unlink(path);
	if (queue_path(path, sizeof(path), spool, "tmp", id, ".info") == 0)
		unlink(path);
	if (queue_path(path, sizeof(path), spool, "tmp", id, ".body") == 0)
		unlink(path);
}

void
queue_entry_free(struct queue_entry *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->rcpt[i].addr);
		free(e->rcpt[i].via);
		free(e->rcpt[i].error);
	}
	free(e->rcpt);
	free(e->sender);
	free(e->extra);
	memset(e, 0, sizeof(*e));
}

static int
queue_add_rcpt(struct queue_entry *e, const char *addr)
{
	struct queue_entry_rcpt *r;

	r = reallocarray(e->rcpt, e->n + 1, sizeof(*r));
	if (r == NULL)
		return -1;
	e->rcpt = r;
	memset(&r[e->n], 0, sizeof(r[0]));
	if ((r[e->n].addr = strdup(addr)) == NULL)
		return -1;
	e->n++;
	return 0;
}

static int
queue_keep_extra(struct queue_entry *e, const char *line)
{
	size_t old = e->extra ? strlen(e->extra) : 0, n = strlen(line);
	char *x = realloc(e->extra, old + n + 2);

	if (x == NULL)
		return -1;
	memcpy(x + old, line, n);
	x[old + n] = '\n';
	x[old + n + 1] = '\0';
	e->extra = x;
	return 0;
}

static int
queue_number(const char *v, long long *out)
{
	const char *err = NULL;

	*out = strtonum(v, 0, LLONG_MAX, &err);
	return err == NULL ? 0 : -1;
}

/* One "key value" line of an envelope; -1 when it does not make sense. */
static int
queue_parse_line(struct queue_entry *e, char *line, int first)
{
	char *v = strchr(line, ' '), **slot;
	struct queue_entry_rcpt *last = e->n ? &e->rcpt[e->n - 1] : NULL;
	int spaced = v != NULL;
	long long n;

	if (v == NULL)
		v = line + strlen(line);
	else
		*v++ = '\0';
	if (first)
		return strcmp(line, "yubin-queue") == 0 && strcmp(v, "1") == 0
		    ? 0
		    : -1;
	if (strcmp(line, "id") == 0)
		return strlcpy(e->id, v, sizeof(e->id)) < sizeof(e->id) ? 0
									: -1;
	if (strcmp(line, "sender") == 0)
		return (free(e->sender), e->sender = strdup(v)) ? 0 : -1;
	if (strcmp(line, "rcpt") == 0)
		return *v ? queue_add_rcpt(e, v) : -1;
	if (strcmp(line, "via") == 0 || strcmp(line, "error") == 0) {
		if (last == NULL)
			return -1; /* belongs to a rcpt line before it */
		slot = line[0] == 'v' ? &last->via : &last->error;
		if (*slot != NULL)
			return -1;
		return (*slot = strdup(v)) ? 0 : -1;
	}
	if (strcmp(line, "created") == 0 || strcmp(line, "next") == 0 ||
	    strcmp(line, "attempts") == 0) {
		if (queue_number(v, &n) == -1)
			return -1;
		if (line[0] == 'c')
			e->created = n;
		else if (line[0] == 'n')
			e->next = n;
		else
			e->attempts = n > 1000000 ? 1000000 : (int)n;
		return 0;
	}
	if (spaced)
		v[-1] = ' ';
	return queue_keep_extra(e, line);
}

int
queue_read(const char *spool, const char *id, struct queue_entry *e)
{
	char path[PATH_MAX], line[2048];
	FILE *f;
	int first = 1, bad = 0;

	memset(e, 0, sizeof(*e));
	if (queue_path(path, sizeof(path), spool, "info", id, "") == -1)
		return -1;
	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (!bad && fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		if (len == 0 || line[len - 1] != '\n')
			bad = 1; /* too long, or cut off */
		else {
			line[len - 1] = '\0';
			bad = queue_parse_line(e, line, first) == -1;
		}
		first = 0;
	}
	if (ferror(f))
		bad = 1;
	fclose(f);
	if (bad || first || e->sender == NULL || e->n == 0 ||
	    strcmp(e->id, id) != 0) {
		queue_entry_free(e);
		return errno = EINVAL, -1;
	}
	return 1;
}

int
queue_reserve(const char *spool, const char *id, off_t size)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (queue_path(tmp, sizeof(tmp), spool, "tmp", id, ".info") == -1)
		return -1;
	unlink(tmp); /* left by a runner that died */
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) == -1)
		return -1;
	/* glibc writes the space itself where the file system cannot
	 * allocate ahead; no fsync: the space is what counts */
	if ((r = posix_fallocate(fd, 0, size)) == 0)
		return fd;
	close(fd);
	unlink(tmp);
	errno = r;
	return -1;
}

/* Writes text over the reserved fd, then renames it over info/ID. */
static int
queue_replace(
    const char *spool, const char *id, int fd, const char *text, size_t len)
{
	char tmp[PATH_MAX], final[PATH_MAX];

	if (queue_path(tmp, sizeof(tmp), spool, "tmp", id, ".info") == -1 ||
	    queue_path(final, sizeof(final), spool, "info", id, "") == -1)
		return -1;
	if (pwrite(fd, text, len, 0) != (ssize_t)len ||
	    ftruncate(fd, (off_t)len) == -1 || fsync(fd) == -1)
		return -1;
	if (rename(tmp, final) == -1)
		return -1;
	return fsync_dir(final);
}

/* text into the reserved fd and over info/ID; the fd is closed. */
static int
queue_replace_reserved(
    const char *spool, const char *id, int fd, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	int r = queue_replace(spool, id, fd, text, len), saved = errno;

	close(fd);
	if (r == -1 &&
	    queue_path(tmp, sizeof(tmp), spool, "tmp", id, ".info") == 0)
		unlink(tmp);
	errno = saved;
	return r;
}

int
queue_rewrite_reserved(const char *spool, const struct queue_entry *e, int fd)
{
	size_t len;
	char *text = queue_format(e, &len);
	int r;

	if (text == NULL) {
		queue_unreserve(spool, e->id, fd);
		return -1;
	}
	r = queue_replace_reserved(spool, e->id, fd, text, len);
	free(text);
	return r;
}

/* An envelope's text, durably, as info/ID: tmp, fsync, rename, fsync. */
static int
queue_store(const char *spool, const char *id, const char *text, size_t len)
{
	int fd = queue_reserve(spool, id, (off_t)len);

	return fd == -1 ? -1 : queue_replace_reserved(spool, id, fd, text, len);
}

int
queue_runner_lock(const char *spool)
{
	char path[PATH_MAX];

	if (queue_dir(path, sizeof(path), spool, "lock") == -1)
		return -1;
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
}

int
queue_open(const char *spool, const char *part, const char *id)
{
	char path[PATH_MAX];

	if (queue_path(path, sizeof(path), spool, part, id, "") == -1)
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

void
queue_unreserve(const char *spool, const char *id, int fd)
{
	char tmp[PATH_MAX];

	close(fd);
	if (queue_path(tmp, sizeof(tmp), spool, "tmp", id, ".info") == 0)
		unlink(tmp);
}

int
queue_rewrite(const char *spool, const struct queue_entry *e)
{
	size_t len;
	char *text = queue_format(e, &len);
	int r;

	if (text == NULL)
		return -1;
	r = queue_store(spool, e->id, text, len);
	free(text);
	return r;
}

int
queue_lock(const char *spool, const char *id)
{
	char path[PATH_MAX];
	int fd, saved;

	if (queue_path(path, sizeof(path), spool, "mess", id, "") == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	saved = errno == EWOULDBLOCK ? EBUSY : errno;
	close(fd);
	errno = saved;
	return -1;
}

static int
queue_id_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strcspn(x, "."), ly = strcspn(y, ".");

	/* ids start with the time: shorter is older, then by text */
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

int
queue_list(const char *spool, char ***ids, size_t *n)
{
	char path[PATH_MAX], **v = NULL, **nv;
	struct dirent *de;
	DIR *d;

	*ids = NULL;
	*n = 0;
	if (queue_dir(path, sizeof(path), spool, "info") == -1)
		return -1;
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((nv = reallocarray(v, *n + 1, sizeof(*v))) == NULL ||
		    (nv[*n] = strdup(de->d_name)) == NULL) {
			closedir(d);
			*ids = nv ? nv : v;
			return -1;
		}
		v = nv;
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), queue_id_cmp);
	*ids = v;
	return 0;
}

int
queue_remove_orphans(const char *spool, time_t max_age)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	int dfd, ifd, removed = 0;
	DIR *d;

	if (queue_dir(path, sizeof(path), spool, "info") == -1 ||
	    (ifd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (queue_dir(path, sizeof(path), spool, "mess") == -1 ||
	    (d = opendir(path)) == NULL) {
		close(ifd);
		return -1;
	}
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    fstatat(ifd, de->d_name, &st, 0) == 0 || errno != ENOENT ||
		    fstatat(dfd, de->d_name, &st, 0) == -1 ||
		    now - st.st_mtime < max_age)
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	close(ifd);
	return removed;
}

int
queue_remove(const char *spool, const char *id)
{
	char path[PATH_MAX];

	if (queue_path(path, sizeof(path), spool, "info", id, "") == -1)
		return -1;
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	if (fsync_dir(path) == -1 ||
	    queue_path(path, sizeof(path), spool, "mess", id, "") == -1)
		return -1;
	return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
}

int
queue_make_due(const char *spool, const char *id)
{
	struct queue_entry e;
	int lock, r, saved;

	if ((lock = queue_lock(spool, id)) == -1)
		return errno == EBUSY || errno == ENOENT ? 0 : -1;
	if ((r = queue_read(spool, id, &e)) == 1) {
		e.next = 0;
		r = queue_rewrite(spool, &e) == -1 ? -1 : 1;
		queue_entry_free(&e);
	}
	saved = errno;
	close(lock);
	errno = saved;
	return r;
}

/* 1 if info/ID exists (an envelope, maybe without its message). */
static int
queue_has_info(const char *spool, const char *id)
{
	int fd = queue_open(spool, "info", id);

	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

int
queue_remove_idle(const char *spool, const char *id, int tries)
{
	int lock, r, saved;

	while ((lock = queue_lock(spool, id)) == -1 && errno == EBUSY &&
	    tries-- > 0)
		usleep(200000);
	if (lock == -1 && errno == EINVAL)
		errno = ENOENT; /* not an id */
	if (lock == -1 && errno != ENOENT)
		return -1;
	/* an envelope whose message is gone is removed too */
	if (lock == -1 && !queue_has_info(spool, id))
		return errno = ENOENT, -1;
	r = queue_remove(spool, id);
	saved = errno;
	if (lock != -1)
		close(lock);
	errno = saved;
	return r;
}
