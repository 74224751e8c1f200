/* runner: starting remote-send, detached; see runner.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "queue.h"
#include "runner.h"

int
runner_start(const char *confdir, const char *etrn_domain)
{
	char self[PATH_MAX], prog[PATH_MAX + 16], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;
	int fd;

	if (n <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	snprintf(prog, sizeof(prog), "%s/remote-send", self);
	if (access(prog, X_OK) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		setsid();
		if (fork() == 0) {
			fd = open("/dev/null", O_RDWR);
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (etrn_domain != NULL)
				execl(prog, "remote-send", "-C", confdir,
				    "--release", etrn_domain, (char *)NULL);
			else
				execl(prog, "remote-send", "-C", confdir,
				    (char *)NULL);
			_exit(111);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid > 0 ? 0 : -1;
}

int
runner_kick(const char *confdir, const char *spool)
{
	int fd = queue_runner_lock(spool), busy;

	if (fd == -1)
		return runner_start(confdir, NULL);
	busy = flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK;
	close(fd); /* drops the lock if we took it */
	return busy ? 0 : runner_start(confdir, NULL);
}
