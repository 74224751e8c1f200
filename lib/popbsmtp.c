/* popbsmtp: POP-before-SMTP records under SPOOL/popbsmtp; see popbsmtp.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "popbsmtp.h"

static int
popbsmtp_dir(const char *spool)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/popbsmtp", spool) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
popbsmtp_record(
    const char *spool, const struct cidr *client, const char *account)
{
	char name[64], tmp[80];
	int dfd, fd, r = -1, saved;

	if ((dfd = popbsmtp_dir(spool)) == -1)
		return -1;
	cidr_format(client, name, sizeof(name));
	snprintf(tmp, sizeof(tmp), ".tmp.%ld", (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd != -1 &&
	    dprintf(fd, "%lld %s\n", (long long)time(NULL), account) > 0 &&
	    close(fd) == 0) {
		fd = -1;
		r = renameat(dfd, tmp, dfd, name);
	}
	saved = errno;
	if (fd != -1)
		close(fd);
	if (r == -1)
		unlinkat(dfd, tmp, 0);
	close(dfd);
	errno = saved;
	return r;
}

int
popbsmtp_recent(const char *spool, const struct cidr *client, int minutes)
{
	char name[64];
	struct stat st;
	int dfd, r;

	if (minutes <= 0)
		return 0;
	if ((dfd = popbsmtp_dir(spool)) == -1)
		return errno == ENOENT ? 0 : -1;
	cidr_format(client, name, sizeof(name));
	r = fstatat(dfd, name, &st, 0);
	close(dfd);
	if (r == -1)
		return errno == ENOENT ? 0 : -1;
	return time(NULL) - st.st_mtime <= (time_t)minutes * 60;
}
