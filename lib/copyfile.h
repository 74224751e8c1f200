/*
 * copyfile: copies part of one open file to the end of another, in the
 * kernel where it can (copy_file_range), else by read and write. Used
 * where a message that is already on disk gets a second home: a Maildir
 * on another file system, the queue's copy, a signed copy.
 * Returns 0, or -1 with errno set (EIO when in ends early).
 */
#ifndef YUBIN_COPYFILE_H
#define YUBIN_COPYFILE_H

#include <sys/types.h>

int copyfile_range(int in, off_t off, int out, off_t len);

#endif
