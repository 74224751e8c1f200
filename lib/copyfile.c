/* copyfile: file-to-file copies; see copyfile.h. */
/* copy_file_range(2) is a GNU extension in glibc. */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>

#include "copyfile.h"

int
copyfile_range(int in, off_t off, int out, off_t len)
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
