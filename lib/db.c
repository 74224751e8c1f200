/* db: CDB lookups and atomic CDB creation; see db.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "fsync.h"
#include "log.h"

int
db_open(struct db *d, const char *path)
{
	int saved;

	if ((d->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (cdb_init(&d->cdb, d->fd) != 0) {
		saved = errno;
		close(d->fd);
		d->fd = -1;
		errno = saved ? saved : EINVAL;
		return -1;
	}
	return 0;
}

int
db_open_at(struct db *d, const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return db_open(d, path);
}

int
db_open_logged(struct db *d, const char *dir, const char *name)
{
	if (db_open_at(d, dir, name) == 0)
		return 0;
	log_error("cannot open %s/%s: %s", dir, name, strerror(errno));
	return -1;
}

void
db_close(struct db *d)
{
	if (d->fd == -1)
		return;
	cdb_free(&d->cdb);
	close(d->fd);
	d->fd = -1;
}

int
db_get(struct db *d, const void *key, size_t klen, char *val, size_t size,
    size_t *vlen)
{
	unsigned len;
	int r;

	r = cdb_find(&d->cdb, key, (unsigned)klen);
	if (r <= 0)
		return r < 0 ? -1 : 0;
	len = cdb_datalen(&d->cdb);
	if (vlen != NULL)
		*vlen = len;
	if (size == 0)
		return 1;
	if (len > size - 1)
		len = (unsigned)size - 1;
	if (cdb_read(&d->cdb, val, len, cdb_datapos(&d->cdb)) != 0)
		return -1;
	val[len] = '\0';
	return 1;
}

int
db_gets(struct db *d, const char *key, char *val, size_t size)
{
	return db_get(d, key, strlen(key), val, size, NULL);
}

int
db_make_start(struct db_make *m, const char *path, int mode)
{
	if (strlcpy(m->path, path, sizeof(m->path)) >= sizeof(m->path) ||
	    snprintf(m->tmp, sizeof(m->tmp), "%s.tmp", path) >=
		(int)sizeof(m->tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A leftover .tmp is from a run that died: nobody reads it. */
	unlink(m->tmp);
	m->fd = open(m->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (m->fd == -1)
		return -1;
	if (cdb_make_start(&m->cm, m->fd) != 0) {
		close(m->fd);
		unlink(m->tmp);
		m->fd = -1;
		return -1;
	}
	return 0;
}

int
db_make_add(struct db_make *m, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	return cdb_make_add(&m->cm, key, (unsigned)klen, val, (unsigned)vlen) ==
		0
	    ? 0
	    : -1;
}

int
db_make_finish(struct db_make *m)
{
	int saved;

	if (cdb_make_finish(&m->cm) != 0) {
		close(m->fd);
		m->fd = -1;
		goto fail;
	}
	if (fsync(m->fd) != 0)
		goto fail;
	if (close(m->fd) != 0) {
		m->fd = -1;
		goto fail;
	}
	m->fd = -1;
	if (rename(m->tmp, m->path) != 0)
		goto fail;
	return fsync_dir(m->path);
fail:
	saved = errno;
	db_make_abort(m);
	errno = saved;
	return -1;
}

void
db_make_abort(struct db_make *m)
{
	if (m->fd != -1) {
		/* Frees tinycdb's tables; what it writes is thrown away. */
		cdb_make_finish(&m->cm);
		close(m->fd);
	}
	m->fd = -1;
	unlink(m->tmp);
}
