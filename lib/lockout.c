/* lockout: failed logins per client address; see lockout.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lockout.h"

struct record {
	long long failures, first, last;
};

/* SPOOL/lockout and SPOOL/lockout/A, A the address or its /64. */
static int
lockout_path(
    const char *spool, const struct cidr *client, char *dir, char *path)
{
	struct cidr key = *client;
	char name[64], *p;

	if (key.family == AF_INET6)
		cidr_mask(&key, 64);
	cidr_format(&key, name, sizeof(name));
	for (p = name; *p; p++)
		if (*p == '/') /* "2001:db8::/64" is no file name */
			*p = '_';
	if (snprintf(dir, PATH_MAX, "%s/lockout", spool) >= PATH_MAX ||
	    snprintf(path, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		return errno = ENAMETOOLONG, -1;
	return 0;
}

/* Opens and locks the address's file; the directory is made on use. */
static int
lockout_open(const char *spool, const struct cidr *client, int create)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int fd;

	if (lockout_path(spool, client, dir, path) == -1)
		return -1;
	fd = open(path,
	    O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0640);
	if (fd == -1 && create && errno == ENOENT &&
	    (mkdir(dir, 0750) == 0 || errno == EEXIST))
		fd =
		    open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd != -1 && flock(fd, LOCK_EX) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The record, or zeros for an empty or stale (older than secs) one. */
static void
lockout_read(int fd, struct record *r, long secs, time_t now)
{
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	memset(r, 0, sizeof(*r));
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (sscanf(buf, "%lld %lld %lld", &r->failures, &r->first, &r->last) !=
		3 ||
	    r->failures < 0 || r->last > now || now - r->last > secs)
		memset(r, 0, sizeof(*r));
}

int
lockout_check(const char *spool, const struct cidr *client, int max, long secs,
    time_t now)
{
	struct record r;
	int fd;

	if (max <= 0)
		return 0;
	if ((fd = lockout_open(spool, client, 0)) == -1)
		return errno == ENOENT ? 0 : -1;
	lockout_read(fd, &r, secs, now);
	close(fd);
	return r.failures >= max;
}

int
lockout_failed(
    const char *spool, const struct cidr *client, long secs, time_t now)
{
	char buf[128];
	struct record r;
	int fd, n;

	if ((fd = lockout_open(spool, client, 1)) == -1)
		return -1;
	lockout_read(fd, &r, secs, now);
	if (r.failures == 0)
		r.first = now;
	r.failures++;
	r.last = now;
	n = snprintf(
	    buf, sizeof(buf), "%lld %lld %lld\n", r.failures, r.first, r.last);
	if (pwrite(fd, buf, (size_t)n, 0) != n || ftruncate(fd, n) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	return (int)(r.failures > 1000000 ? 1000000 : r.failures);
}

void
lockout_clear(const char *spool, const struct cidr *client)
{
	char dir[PATH_MAX], path[PATH_MAX];

	if (lockout_path(spool, client, dir, path) == 0)
		unlink(path);
}
