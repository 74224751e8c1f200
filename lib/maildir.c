/* maildir: reading and preparing Maildirs; see maildir.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir.h"

int
maildir_create(const char *dir)
{
	static const char *const subdirs[] = { "tmp", "new", "cur" };
	char path[PATH_MAX];
	size_t i, len = strlen(dir);

	if (len == 0 || len + 5 >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* the common case, every delivery: it is there already */
	snprintf(path, sizeof(path), "%s/new", dir);
	if (access(path, F_OK) == 0) {
		snprintf(path, sizeof(path), "%s/tmp", dir);
		if (access(path, F_OK) == 0)
			return 0;
	}
	/* the parents (SPOOL/mail/domain/) too, like mkdir -p */
	strlcpy(path, dir, sizeof(path));
	for (i = 1; i < len; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			return -1;
		path[i] = '/';
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return -1;
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			return -1;
	}
	return 0;
}

static off_t
maildir_tag(const char *name, const char *tag)
{
	const char *p = name, *end = strchr(name, ':');
	off_t v = 0;

	while ((p = strstr(p, tag)) != NULL && (end == NULL || p < end)) {
		p += strlen(tag);
		if (*p < '0' || *p > '9')
			continue;
		for (v = 0; *p >= '0' && *p <= '9'; p++) {
			if (v > (off_t)1 << 50)
				return -1;
			v = v * 10 + (*p - '0');
		}
		if (*p == ',' || *p == ':' || *p == '\0')
			return v;
	}
	return -1;
}

int
maildir_name_sizes(const char *name, off_t *size, off_t *wsize)
{
	*size = maildir_tag(name, ",S=");
	*wsize = maildir_tag(name, ",W=");
	return *size >= 0;
}

int
maildir_name_tagged(
    char *buf, size_t bufsize, const char *base, off_t size, off_t wsize)
{
	int n = snprintf(buf, bufsize, "%s,S=%lld,W=%lld", base,
	    (long long)size, (long long)wsize);

	return n < 0 || (size_t)n >= bufsize ? -1 : 0;
}

size_t
maildir_name_base_len(const char *name)
{
	size_t n = strcspn(name, ":");
	const char *tag = strstr(name, ",S=");

	/* the size tags are not part of a message's identity */
	return tag != NULL && (size_t)(tag - name) < n ? (size_t)(tag - name)
						       : n;
}

/* The arrival time a Maildir name starts with ("1732460000.M..."). */
static time_t
maildir_name_time(const char *name)
{
	time_t t = 0;
	int digits = 0;

	for (; *name >= '0' && *name <= '9' && digits < 12; name++, digits++)
		t = t * 10 + (*name - '0');
	return (*name == '.' && digits >= 9) ? t : -1;
}

static struct maildir_msg *
maildir_grow(struct maildir_list *l)
{
	struct maildir_msg *m;
	size_t cap;

	if (l->n < l->cap)
		return &l->msg[l->n];
	if (l->cap >= MAILDIR_MAX_MESSAGES)
		return NULL; /* the rest waits for the next session */
	cap = l->cap ? l->cap * 2 : 64;
	if (cap > MAILDIR_MAX_MESSAGES)
		cap = MAILDIR_MAX_MESSAGES;
	if ((m = reallocarray(l->msg, cap, sizeof(*m))) == NULL)
		return NULL;
	l->msg = m;
	l->cap = cap;
	return &l->msg[l->n];
}

/*
 * Adds one file. A name with an S= tag and an arrival time (as smtp-in
 * writes them) is taken at its word, as Courier and Dovecot do: that
 * saves a stat(2) per message. Anything else is stat'ed.
 */
static int
maildir_add(
    struct maildir_list *l, int dfd, const struct dirent *de, int in_new)
{
	struct maildir_msg *m;
	struct stat st;
	off_t size, wsize;
	time_t when = maildir_name_time(de->d_name);

	if (strlen(de->d_name) > MAILDIR_NAME_MAX ||
	    (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
		return 0;
	if (!maildir_name_sizes(de->d_name, &size, &wsize) || when == -1 ||
	    de->d_type == DT_UNKNOWN) {
		if (fstatat(dfd, de->d_name, &st, 0) == -1)
			return errno == ENOENT ? 0 : -1; /* taken meanwhile */
		if (!S_ISREG(st.st_mode))
			return 0;
		if (size != st.st_size) {
			/* a tag that disagrees with the file is not trusted */
			size = st.st_size;
			wsize = -1;
		}
		when = st.st_mtime;
	}
	errno = 0;
	if ((m = maildir_grow(l)) == NULL)
		return errno == ENOMEM ? -1 : 0;
	if ((m->name = strdup(de->d_name)) == NULL)
		return -1;
	m->size = size;
	m->wsize = wsize;
	m->mtime = when;
	m->in_new = in_new;
	l->n++;
	return 0;
}

/* Appends the regular files of dir/sub to l. A missing dir is empty. */
static int
maildir_read(const char *dir, const char *sub, struct maildir_list *l)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (r == 0 && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			r = maildir_add(l, dirfd(d), de, sub[0] == 'n');
	closedir(d);
	return r;
}

int
maildir_status(const char *dir, struct maildir_status *st)
{
	struct maildir_list l = { 0 };
	size_t i;

	memset(st, 0, sizeof(*st));
	if (maildir_read(dir, "new", &l) == -1 ||
	    maildir_read(dir, "cur", &l) == -1) {
		maildir_list_free(&l);
		return -1;
	}
	for (i = 0; i < l.n; i++) {
		st->messages++;
		st->unread += l.msg[i].in_new;
		st->bytes += l.msg[i].size;
		if (l.msg[i].mtime > st->newest)
			st->newest = l.msg[i].mtime;
	}
	maildir_list_free(&l);
	return 0;
}

int
maildir_take_new(const char *dir)
{
	char path[PATH_MAX], to[MAILDIR_NAME_MAX + 8];
	struct dirent *de;
	int curfd, r = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/cur", dir);
	if ((curfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	snprintf(path, sizeof(path), "%s/new", dir);
	if ((d = opendir(path)) == NULL) {
		close(curfd);
		return errno == ENOENT ? 0 : -1;
	}
	/* renameat on open directories: no path walk per message */
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    strlen(de->d_name) > MAILDIR_NAME_MAX)
			continue;
		snprintf(to, sizeof(to), "%s%s", de->d_name,
		    strchr(de->d_name, ':') ? "" : ":2,");
		/* ENOENT: another reader took it first; fine. */
		if (renameat(dirfd(d), de->d_name, curfd, to) == -1 &&
		    errno != ENOENT)
			r = -1;
	}
	closedir(d);
	close(curfd);
	return r;
}

static int
maildir_cmp(const void *a, const void *b)
{
	const struct maildir_msg *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

int
maildir_list_cur(const char *dir, struct maildir_list *l)
{
	memset(l, 0, sizeof(*l));
	if (maildir_read(dir, "cur", l) == -1) {
		maildir_list_free(l);
		return -1;
	}
	if (l->n > 1)
		qsort(l->msg, l->n, sizeof(*l->msg), maildir_cmp);
	return 0;
}

void
maildir_list_free(struct maildir_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->msg[i].name);
	free(l->msg);
	l->msg = NULL;
	l->n = l->cap = 0;
}
