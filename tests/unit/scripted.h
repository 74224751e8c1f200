/*
 * A scripted SMTP server for the unit tests of the SMTP client side
 * (lib/smtptx, lib/destination): a child process that checks each line
 * it gets against its script and answers as told. What it saw of the
 * message goes to TESTDIR/body.txt; its exit status says whether every
 * line was the expected one.
 */
#ifndef YUBIN_SCRIPTED_H
#define YUBIN_SCRIPTED_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

/* One step of the server: a line it must get (a prefix; "" for none,
 * BODY for the message up to its dot), then its reply ("" for none,
 * CLOSE to hang up). */
struct step {
	const char *expect, *reply;
};
#define BODY "\001body"
#define CLOSE "\001close"
/* as a reply: none; TESTDIR/reached says the line came, then 20 s of
 * silence (for a client to be killed in the middle) */
#define HANG "\001hang"

/* Reads one line from fd (without its CRLF); -1 at the end. */
static inline int
read_line(int fd, char *line, size_t size)
{
	size_t n = 0;
	char c;

	while (read(fd, &c, 1) == 1) {
		if (c == '\n') {
			if (n > 0 && line[n - 1] == '\r')
				n--;
			line[n] = '\0';
			return 0;
		}
		if (n + 1 < size)
			line[n++] = c;
	}
	return -1;
}

/* The scripted server, on fd. */
static inline void
serve(int fd, const struct step *script)
{
	char line[2048], path[512];
	FILE *body;

	snprintf(path, sizeof(path), "%s/body.txt", testdir);
	if ((body = fopen(path, "w")) == NULL)
		_exit(2);
	for (; script->expect != NULL; script++) {
		if (strcmp(script->expect, BODY) == 0) {
			while (read_line(fd, line, sizeof(line)) == 0 &&
			    strcmp(line, ".") != 0)
				fprintf(body, "%s\n", line);
		} else if (script->expect[0] != '\0') {
			if (read_line(fd, line, sizeof(line)) == -1 ||
			    strncmp(line, script->expect,
				strlen(script->expect)) != 0) {
				fprintf(stderr,
				    "server: got \"%s\", want \"%s\"\n", line,
				    script->expect);
				_exit(1);
			}
		}
		if (strcmp(script->reply, CLOSE) == 0)
			_exit(0);
		if (strcmp(script->reply, HANG) == 0) {
			snprintf(path, sizeof(path), "%s/reached", testdir);
			fclose(fopen(path, "w"));
			sleep(20);
			_exit(0);
		}
		if (write(fd, script->reply, strlen(script->reply)) < 0)
			_exit(2);
	}
	fclose(body);
	_exit(0);
}

/* A listening socket on 127.0.0.1; its port in *port. */
static inline int
listener(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* The scripted server for one connection on fd (closed here); its pid. */
static inline pid_t
server(int fd, const struct step *script)
{
	pid_t pid = fork();
	int c;

	assert_true(pid >= 0);
	if (pid == 0) {
		if ((c = accept(fd, NULL, NULL)) == -1)
			_exit(3);
		serve(c, script);
	}
	close(fd);
	return pid;
}

/* 1 if the server got every line it expected. */
static inline int
server_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

#endif
