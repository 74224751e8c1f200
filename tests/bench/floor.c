/*
 * The per-connection floor for make bench: the least an SMTP receiver
 * started by inetd once per connection can do. It greets, says 250 to
 * everything but DATA and QUIT, takes the message into one file in
 * MAILDIR/tmp (written, fsync'd, closed), links it into new/, fsyncs
 * new/, answers 250, and says 221 to QUIT. No configuration, no checks,
 * no logging, linked statically like smtp-in: what is left is the cost
 * of a process per connection. Not a mail server.
 *
 * usage: floor [-C dir] MAILDIR   (inetd's socket on fds 0 and 1)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static char in[65536];
static size_t have, at;

static int
getline_fd(char *line, size_t size)
{
	size_t n = 0;
	ssize_t r;

	for (;;) {
		if (at == have) {
			if ((r = read(0, in, sizeof(in))) <= 0)
				return -1;
			have = (size_t)r;
			at = 0;
		}
		if (n + 1 < size)
			line[n++] = in[at];
		if (in[at++] == '\n') {
			line[n] = '\0';
			return (int)n;
		}
	}
}

static void
say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		exit(111);
}

static int
take_message(const char *maildir)
{
	char tmp[4096], new[4096], line[1024];
	static unsigned seq;
	struct timespec now;
	int fd, n;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(tmp, sizeof(tmp), "%s/tmp/%lld.%ld_%u.%d.floor", maildir,
	    (long long)now.tv_sec, now.tv_nsec, seq++, (int)getpid());
	snprintf(new, sizeof(new), "%s/new/%s", maildir, strrchr(tmp, '/') + 1);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		return -1;
	say("354 go ahead\r\n");
	while ((n = getline_fd(line, sizeof(line))) >= 0) {
		if (strcmp(line, ".\r\n") == 0)
			break;
		if (write(fd, line[0] == '.' ? line + 1 : line,
			(size_t)n - (line[0] == '.')) < 0)
			return -1;
	}
	if (n < 0 || fsync(fd) == -1 || close(fd) == -1 || link(tmp, new) == -1)
		return -1;
	unlink(tmp);
	snprintf(tmp, sizeof(tmp), "%s/new", maildir);
	if ((fd = open(tmp, O_RDONLY | O_DIRECTORY)) == -1 || fsync(fd) == -1)
		return -1;
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	char line[1024];

	if (argc < 2)
		return 100;
	say("220 floor ESMTP\r\n");
	while (getline_fd(line, sizeof(line)) >= 0) {
		if (strncasecmp(line, "DATA", 4) == 0)
			say(take_message(argv[argc - 1]) == 0 ? "250 ok\r\n"
							      : "451 no\r\n");
		else if (strncasecmp(line, "QUIT", 4) == 0) {
			say("221 bye\r\n");
			return 0;
		} else
			say("250 ok\r\n");
	}
	return 0;
}
