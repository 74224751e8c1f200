/* greylist: triples under SPOOL/greylist; see greylist.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "addr.h"
#include "greylist.h"

#define SWEEP_INTERVAL 3600 /* seconds between two sweeps */
#define SWEEP_MAX 100000    /* records looked at by one sweep */

/* The triple as text, and its record's name: hex of its SHA-256. */
static int
triple_name(const struct cidr *client, const char *sender, const char *rcpt,
    char *text, size_t size, char name[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	struct cidr net = *client;
	char lsender[ADDR_MAX + 1], lrcpt[ADDR_MAX + 1], addr[64];
	unsigned mdlen = 0, i;
	int n;

	cidr_mask(&net, net.family == AF_INET ? 24 : 64);
	cidr_format(&net, addr, sizeof(addr));
	addr_lower(lsender, sender, sizeof(lsender));
	addr_lower(lrcpt, rcpt, sizeof(lrcpt));
	n = snprintf(text, size, "%s <%s> <%s>", addr, lsender, lrcpt);
	if (n < 0 || (size_t)n >= size ||
	    EVP_Digest(text, (size_t)n, md, &mdlen, EVP_sha256(), NULL) != 1)
		return errno = EINVAL, -1;
	for (i = 0; i < 32 && i < mdlen; i++) {
		name[2 * i] = hex[md[i] >> 4];
		name[2 * i + 1] = hex[md[i] & 15];
	}
	name[2 * i] = '\0';
	return 0;
}

/* Removes records not seen for expire seconds; at most hourly. */
static void
sweep(int dfd, long expire, time_t now)
{
	struct timespec times[2] = { { now, 0 }, { now, 0 } };
	struct stat st;
	struct dirent *e;
	DIR *d;
	int fd, n = 0;

	if (fstatat(dfd, ".swept", &st, 0) == 0 &&
	    now - st.st_mtime < SWEEP_INTERVAL)
		return;
	fd = openat(
	    dfd, ".swept", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd != -1) { /* its mtime is the sweep's time */
		futimens(fd, times);
		close(fd);
	}
	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL && n++ < SWEEP_MAX)
		if (e->d_name[0] != '.' &&
		    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now - st.st_mtime > expire)
			unlinkat(dfd, e->d_name, 0);
	closedir(d);
}

/* A new record: the triple is seen for the first time now. */
static int
record_new(int dfd, const char *name, const char *text, long expire, time_t now)
{
	int fd = openat(dfd, name,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	struct timespec times[2] = { { now, 0 }, { now, 0 } };

	if (fd == -1)
		return -1;
	if (dprintf(fd, "%lld %s\n", (long long)now, text) < 0 ||
	    futimens(fd, times) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	sweep(dfd, expire, now);
	return 0;
}

/* Opens SPOOL/greylist, made on first use. */
static int
greylist_dir(const char *spool)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/greylist", spool) >=
	    (int)sizeof(path))
		return errno = ENAMETOOLONG, -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT &&
	    (mkdir(path, 0750) == 0 || errno == EEXIST))
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd;
}

/* The first time the triple was seen, from its record; -1 if none. */
static long long
first_seen(int dfd, const char *name, long expire, time_t now)
{
	char buf[64];
	long long first;
	struct stat st;
	ssize_t n;
	int fd;

	fd = openat(dfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return -1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	if (fstat(fd, &st) == -1 || now - st.st_mtime > expire ||
	    sscanf(buf, "%lld", &first) != 1 || first > now) {
		close(fd);
		return -1; /* stale or damaged: it starts over */
	}
	close(fd);
	return first;
}

int
greylist_check(const char *spool, const struct cidr *client, const char *sender,
    const char *rcpt, long delay, long expire, time_t now, long *wait)
{
	char text[2 * ADDR_MAX + 96], name[65];
	long long first;
	int dfd, r = 0;

	*wait = 0;
	if (triple_name(client, sender, rcpt, text, sizeof(text), name) == -1 ||
	    (dfd = greylist_dir(spool)) == -1)
		return -1;
	first = first_seen(dfd, name, expire, now);
	if (first == -1) {
		*wait = delay;
		r = record_new(dfd, name, text, expire, now) == -1 ? -1 : 0;
	} else if (now - first < delay) {
		*wait = delay - (long)(now - first);
	} else {
		/* seen again: it stays for another expire seconds */
		struct timespec times[2] = { { 0, UTIME_OMIT }, { now, 0 } };

		utimensat(dfd, name, times, AT_SYMLINK_NOFOLLOW);
		r = 1;
	}
	close(dfd);
	return r;
}
