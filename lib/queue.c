/* queue: the durable queue entry; see queue.h and yubin-queue(5). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "queue.h"

static int
queue_path(char *buf, size_t size, const char *spool, const char *sub,
    const char *id, const char *suffix)
{
	int n = snprintf(buf, size, "%s/queue/%s%s%s%s", spool, sub,
	    id[0] ? "/" : "", id, suffix);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
queue_init(const char *spool)
{
	static const char *const subs[] = { "", "tmp", "mess", "info" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < 4; i++) {
		if (queue_path(path, sizeof(path), spool, subs[i], "", "") ==
		    -1)
			return -1;
		if (mkdir(path, 0750) == -1 && errno != EEXIST)
			return -1;
	}
	return 0;
}

void
queue_new_id(char *id, size_t size)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	snprintf(id, size, "%lld.%06ld.%ld", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid());
}

int
queue_open_mess(const char *spool, const char *id)
{
	char path[PATH_MAX];

	if (queue_path(path, sizeof(path), spool, "tmp", id, ".mess") == -1)
		return -1;
	return open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
}

/* Envelope text; CR, LF and NUL never reach it (callers' addresses are
 * parsed), but a bad byte is refused here too rather than written. */
static int
queue_write_info(int fd, const char *id, const char *sender,
    const struct queue_rcpt *rcpts, size_t n)
{
	FILE *f;
	size_t i;
	int r;

	if (strpbrk(sender, "\r\n") != NULL)
		return errno = EINVAL, -1;
	if ((f = fdopen(fd, "w")) == NULL)
		return -1;
	fprintf(f,
	    "yubin-queue 1\nid %s\ncreated %lld\nsender %s\n"
	    "attempts 0\nnext %lld\n",
	    id, (long long)time(NULL), sender, (long long)time(NULL));
	for (i = 0; i < n; i++) {
		if (strpbrk(rcpts[i].addr, "\r\n") != NULL ||
		    (rcpts[i].via && strpbrk(rcpts[i].via, "\r\n") != NULL)) {
			fclose(f);
			return errno = EINVAL, -1;
		}
		fprintf(f, "rcpt %s\n", rcpts[i].addr);
		if (rcpts[i].via != NULL)
			fprintf(f, "via %s\n", rcpts[i].via);
	}
	r = (fflush(f) == 0 && !ferror(f) && fsync(fd) == 0) ? 0 : -1;
	if (fclose(f) != 0)
		r = -1;
	return r;
}

int
queue_commit(const char *spool, const char *id, int messfd, const char *sender,
    const struct queue_rcpt *rcpts, size_t n)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	int fd, r;

	if (fsync(messfd) == -1) {
		close(messfd);
		return -1;
	}
	if (close(messfd) == -1 ||
	    queue_path(tmp, sizeof(tmp), spool, "tmp", id, ".mess") == -1 ||
	    queue_path(final, sizeof(final), spool, "mess", id, "") == -1 ||
	    rename(tmp, final) == -1 || db_fsync_dir(final) == -1)
		return -1;
	if (queue_path(tmp, sizeof(tmp), spool, "tmp", id, ".info") == -1 ||
	    queue_path(final, sizeof(final), spool, "info", id, "") == -1)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	r = queue_write_info(fd, id, sender, rcpts, n);
	if (r == 0)
		r = rename(tmp, final);
	if (r == 0)
		r = db_fsync_dir(final);
	if (r == -1) {
		int saved = errno;

		unlink(tmp);
		/* the message file stays: remote-send removes orphans */
		errno = saved;
	}
	return r;
}

void
queue_start_runner(const char *confdir)
{
	char self[PATH_MAX], prog[PATH_MAX + 16], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;
	int fd;

	if (n <= 0)
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return;
	*slash = '\0';
	snprintf(prog, sizeof(prog), "%s/remote-send", self);
	if (access(prog, X_OK) == -1)
		return;
	if ((pid = fork()) == 0) {
		setsid();
		if (fork() == 0) {
			fd = open("/dev/null", O_RDWR);
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			execl(prog, "remote-send", "-C", confdir, (char *)NULL);
			_exit(111);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

void
queue_abort(const char *spool, const char *id)
{
	char path[PATH_MAX];

	if (queue_path(path, sizeof(path), spool, "tmp", id, ".mess") == 0)
		unlink(path);
	if (queue_path(path, sizeof(path), spool, "tmp", id, ".info") == 0)
		unlink(path);
}
