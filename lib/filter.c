/* filter: the content filter hook; see filter.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"

#define OUT_MAX 16384 /* of the program's output, what is read */

/* Splits line on spaces into argv (pointing into buf). */
static int
split(const char *line, char *buf, size_t size, char **argv)
{
	char *p, *save = NULL;
	int n = 0;

	if (strlcpy(buf, line, size) >= size)
		return -1;
	for (p = strtok_r(buf, " \t", &save); p != NULL;
	     p = strtok_r(NULL, " \t", &save)) {
		if (n == FILTER_ARGS_MAX)
			return -1;
		argv[n++] = p;
	}
	argv[n] = NULL;
	return n > 0 && argv[0][0] == '/' ? n : -1;
}

int
filter_argv_ok(const char *s)
{
	char buf[1024], *argv[FILTER_ARGS_MAX + 1];

	return split(s, buf, sizeof(buf), argv) > 0;
}

/* The child: stdin the message, stdout the pipe, stderr nowhere. */
static void __attribute__((noreturn)) child(char **argv, int msgfd, int out)
{
	char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin", NULL };
	int null = open("/dev/null", O_WRONLY);

	setpgid(0, 0); /* so a timeout kills what it started too */
	if (dup2(msgfd, 0) == -1 || dup2(out, 1) == -1 ||
	    (null != -1 && dup2(null, 2) == -1))
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	execve(argv[0], argv, envp);
	_exit(127);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Reads the output until EOF or the deadline; 0, or -1 on timeout. */
static int
read_output(int fd, char *out, size_t *len, long long deadline)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char skip[4096];
	ssize_t n;

	for (;;) {
		long long left = deadline - now_ms();

		if (left <= 0)
			return -1;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		if (*len < OUT_MAX - 1)
			n = read(fd, out + *len, OUT_MAX - 1 - *len);
		else
			n = read(fd, skip, sizeof(skip)); /* the rest: away */
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return 0;
		if (n > 0 && *len < OUT_MAX - 1)
			*len += (size_t)n;
	}
}

/* Waits for the child until the deadline; its status, or -1. */
static int
reap(pid_t pid, long long deadline)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r == -1 && errno != EINTR)
			return -1;
		if (now_ms() >= deadline)
			return -1;
		usleep(2000);
	}
}

/* 1 if line (NUL-terminated) is a header field: name, colon, value. */
static int
is_field(const char *line)
{
	size_t n = strspn(line,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
	    "QRSTUVWXYZ0123456789-");
	const char *p;

	if (n == 0 || line[n] != ':')
		return 0;
	for (p = line; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return 0;
	return strlen(line) <= 998;
}

/* The header fields among the output lines, into head. */
static void
collect_fields(char *out, char *head, size_t size)
{
	char *line, *save = NULL;
	size_t used = 0, n;
	int fields = 0;

	head[0] = '\0';
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!is_field(line))
			continue;
		if (++fields > FILTER_FIELDS_MAX) {
			head[0] =
			    '\0'; /* a whole message (plain spamc): none */
			return;
		}
		if (used + n + 2 > size)
			continue;
		memcpy(head + used, line, n);
		used += n;
		head[used++] = '\n';
		head[used] = '\0';
	}
}

static enum filter_verdict
verdict_of(int status, char *why, size_t whysize)
{
	if (WIFSIGNALED(status)) {
		snprintf(why, whysize, "killed by signal %d", WTERMSIG(status));
		return FILTER_FAILED;
	}
	snprintf(why, whysize, "exit %d", WEXITSTATUS(status));
	switch (WEXITSTATUS(status)) {
	case 0:
		return FILTER_ACCEPT;
	case 1:
		return FILTER_JUNK;
	case 100:
		return FILTER_REJECT;
	case 111:
		return FILTER_TEMPFAIL;
	default:
		return FILTER_FAILED;
	}
}

enum filter_verdict
filter_run(const char *argvline, int msgfd, int timeout_s, char *head,
    size_t headsize, char *why, size_t whysize)
{
	char buf[1024], *argv[FILTER_ARGS_MAX + 1], *out;
	long long deadline = now_ms() + timeout_s * 1000LL;
	size_t len = 0;
	int pipefd[2], status, timed_out;
	pid_t pid;

	head[0] = '\0';
	if (split(argvline, buf, sizeof(buf), argv) < 0)
		return snprintf(why, whysize, "bad filter setting"),
		       FILTER_FAILED;
	if ((out = malloc(OUT_MAX)) == NULL || pipe(pipefd) == -1) {
		free(out);
		return snprintf(why, whysize, "%s", strerror(errno)),
		       FILTER_FAILED;
	}
	fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pipefd[1], F_SETFD, FD_CLOEXEC); /* dup2 makes a 1 without */
	if ((pid = fork()) == 0)
		child(argv, msgfd, pipefd[1]);
	close(pipefd[1]);
	if (pid == -1) {
		close(pipefd[0]);
		free(out);
		return snprintf(why, whysize, "fork: %s", strerror(errno)),
		       FILTER_FAILED;
	}
	setpgid(pid, pid); /* as the child does: no race either way */
	timed_out = read_output(pipefd[0], out, &len, deadline) == -1;
	close(pipefd[0]);
	if (timed_out || (status = reap(pid, deadline)) == -1) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		free(out);
		snprintf(why, whysize, "no answer within %d s", timeout_s);
		return FILTER_FAILED;
	}
	out[len] = '\0';
	collect_fields(out, head, headsize);
	free(out);
	return verdict_of(status, why, whysize);
}
