/* runner: starting remote-send, detached; see runner.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "log.h"
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

int
runner_etrn_recent(const char *spool, const char *domain, time_t now)
{
	char path[PATH_MAX], last[ADDR_DOMAIN_MAX + 2];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/queue/etrn", spool);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1 &&
	    errno == ENOENT && queue_init(spool) == 0)
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		log_warn("cannot note the ETRN time in %s: %s", path,
		    strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_mtime <= now &&
	    now - st.st_mtime < RUNNER_ETRN_INTERVAL) {
		n = pread(fd, last, sizeof(last) - 1, 0);
		last[n > 0 ? n : 0] = '\0';
		close(fd);
		return strcmp(last, domain) == 0 ? 1 : 2;
	}
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, domain, strlen(domain), 0);
	close(fd);
	return 0;
}

int
runner_etrn(const struct conf *c, const char *confdir, const char *client,
    const char *domain, struct verdict *v)
{
	int recent;

	if (!conf_domain_held(c, domain)) {
		log_info("smtp etrn client=%s domain=%s result=not-held",
		    client, domain);
		return verdict_set(v, 459, "not-held",
		    "4.7.1 %s: mail for this domain is not held here", domain);
	}
	if ((recent = runner_etrn_recent(c->spool, domain, time(NULL))) != 0) {
		log_info("smtp etrn client=%s domain=%s result=%s", client,
		    domain, recent == 1 ? "recently-started" : "too-soon");
		if (recent == 1)
			return verdict_set(v, 250, "recently-started",
			    "2.0.0 Queuing for node %s started", domain);
		return verdict_set(v, 458, "too-soon",
		    "4.7.1 Unable to queue messages for node %s now, try "
		    "again in a few seconds",
		    domain);
	}
	if (runner_start(confdir, domain) == -1) {
		log_warn("smtp etrn client=%s domain=%s result=no-runner",
		    client, domain);
		return verdict_set(v, 458, "no-runner",
		    "4.7.1 Unable to queue messages for node %s", domain);
	}
	log_info(
	    "smtp etrn client=%s domain=%s result=started", client, domain);
	return verdict_set(
	    v, 250, "started", "2.0.0 Queuing for node %s started", domain);
}
