/*
 * db: the CDB files (tinycdb). Readers map the file once; a database that
 * cdbmake-users replaces later stays whole for them (rename(2) is atomic
 * and the old mapping stays valid). Writers build DIR/x.cdb.tmp and rename
 * it into place only after fsync, then fsync the directory.
 * Actions return 0/-1 (errno set); db_get returns 1 found, 0 not, -1 error.
 */
#ifndef YUBIN_DB_H
#define YUBIN_DB_H

#include <cdb.h>
#include <limits.h>
#include <stddef.h>

struct db {
	struct cdb cdb;
	int fd;
};

int db_open(struct db *d, const char *path);
/* db_open of DIR/name (a configuration directory's database). */
int db_open_at(struct db *d, const char *dir, const char *name);
/* db_open_at, with a failure logged ("cannot open DIR/name: why"). */
int db_open_logged(struct db *d, const char *dir, const char *name);
void db_close(struct db *d);
/* Copies the value (NUL-terminated, cut to size - 1) into val. */
int db_get(struct db *d, const void *key, size_t klen, char *val, size_t size,
    size_t *vlen);
/* Like db_get with a NUL-terminated key. */
int db_gets(struct db *d, const char *key, char *val, size_t size);

struct db_make {
	struct cdb_make cm;
	int fd;
	char path[PATH_MAX];
	char tmp[PATH_MAX];
};

/* Creates path.tmp (mode given) to be renamed to path by db_make_finish. */
int db_make_start(struct db_make *m, const char *path, int mode);
int db_make_add(struct db_make *m, const void *key, size_t klen,
    const void *val, size_t vlen);
int db_make_finish(struct db_make *m);
/* Removes the temporary file; for error paths. */
void db_make_abort(struct db_make *m);

#endif
