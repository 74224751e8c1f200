/* maildrop: a Maildir for one POP3 session; see maildrop.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "maildrop.h"
#include "smtpdata.h"

int
maildrop_open(struct maildrop *d, const char *dir)
{
	char cur[PATH_MAX];

	memset(d, 0, sizeof(*d));
	d->lockfd = d->curfd = -1;
	if (strlcpy(d->dir, dir, sizeof(d->dir)) >= sizeof(d->dir))
		return errno = ENAMETOOLONG, -1;
	if (maildir_create(d->dir) == -1)
		return -1;
	d->lockfd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->lockfd == -1)
		return -1;
	if (flock(d->lockfd, LOCK_EX | LOCK_NB) == -1)
		return errno == EWOULDBLOCK ? 1 : -1;
	snprintf(cur, sizeof(cur), "%s/cur", d->dir);
	if (maildir_take_new(d->dir) == -1 ||
	    maildir_list_cur(d->dir, &d->list) == -1 ||
	    (d->curfd = open(cur, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	d->deleted = calloc(d->list.n + 1, 1);
	return d->deleted == NULL ? -1 : 0;
}

int
maildrop_message(const struct maildrop *d, size_t i)
{
	return openat(
	    d->curfd, d->list.msg[i].name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

off_t
maildrop_size(struct maildrop *d, size_t i)
{
	struct maildir_msg *m = &d->list.msg[i];
	int fd;

	if (m->wsize >= 0)
		return m->wsize;
	if ((fd = maildrop_message(d, i)) == -1)
		return m->size; /* unreadable: RETR will say so */
	m->wsize = smtpdata_send_file(NULL, fd, -1, 0);
	close(fd);
	if (m->wsize < 0)
		m->wsize = -1;
	return m->wsize >= 0 ? m->wsize : m->size;
}

off_t
maildrop_octets(struct maildrop *d, size_t *count)
{
	off_t total = 0;
	size_t i;

	*count = 0;
	for (i = 0; i < d->list.n; i++)
		if (!d->deleted[i]) {
			total += maildrop_size(d, i);
			(*count)++;
		}
	return total;
}

void
maildrop_uid(const struct maildrop *d, size_t i, char *uid, size_t size)
{
	const char *name = d->list.msg[i].name;
	size_t n = maildir_name_base_len(name), k;
	uint64_t h1 = 14695981039346656037ULL, h2 = 1099511628211ULL;
	int printable = 1;

	for (k = 0; k < n; k++)
		if (name[k] < 0x21 || name[k] > 0x7e)
			printable = 0;
	if (printable && n > 0 && n <= MAILDROP_UID_MAX && n < size) {
		memcpy(uid, name, n);
		uid[n] = '\0';
		return;
	}
	for (k = 0; k < n; k++) { /* two FNV-1a variants: 128 bits */
		h1 = (h1 ^ (unsigned char)name[k]) * 1099511628211ULL;
		h2 = (h2 ^ (unsigned char)name[k]) * 14029467366897019727ULL;
	}
	snprintf(uid, size, "%016llx%016llx", (unsigned long long)h1,
	    (unsigned long long)h2);
}

int
maildrop_commit(struct maildrop *d, char *why, size_t whysize)
{
	size_t i, failed = 0;
	int first_errno = 0;
	const char *first = "";

	for (i = 0; i < d->list.n; i++) {
		if (!d->deleted[i])
			continue;
		/* ENOENT: removed by hand meanwhile, which is what we want */
		if (unlinkat(d->curfd, d->list.msg[i].name, 0) == 0 ||
		    errno == ENOENT)
			d->ndeleted++;
		else if (failed++ == 0) {
			first_errno = errno;
			first = d->list.msg[i].name;
		}
	}
	if (d->ndeleted > 0 && fsync(d->curfd) == -1 && failed++ == 0)
		first_errno = errno; /* first "": the directory itself */
	if (failed == 0)
		return 0;
	snprintf(why, whysize,
	    "%zu deletions failed; the first: %s %s%scur/%s: %s", failed,
	    first[0] ? "remove" : "fsync", d->dir,
	    d->dir[0] && d->dir[strlen(d->dir) - 1] == '/' ? "" : "/", first,
	    strerror(first_errno));
	return -1;
}

void
maildrop_close(struct maildrop *d)
{
	if (d->curfd != -1)
		close(d->curfd);
	if (d->lockfd != -1)
		close(d->lockfd); /* the lock goes with it */
	maildir_list_free(&d->list);
	free(d->deleted);
	d->deleted = NULL;
	d->curfd = d->lockfd = -1;
}
