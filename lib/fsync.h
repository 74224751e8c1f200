/*
 * fsync: making a rename, link or unlink durable. After the file itself
 * is fsync'd and renamed (or linked) into place, the directory that holds
 * it must be fsync'd too, or a crash can lose the new name (STYLE.md 8).
 * fsync_dir returns 0, or -1 with errno set.
 */
#ifndef YUBIN_FSYNC_H
#define YUBIN_FSYNC_H

/* fsync(2) of the directory holding path. */
int fsync_dir(const char *path);

#endif
