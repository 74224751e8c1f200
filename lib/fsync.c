/* fsync: durable renames; see fsync.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "fsync.h"

int
fsync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd, r, saved;

	strlcpy(copy, path, sizeof(copy));
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}
