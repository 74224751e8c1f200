/*
 * Unit tests for lib/reception, smtp-in's DATA phase: a client on the
 * other end of a socketpair sends the data, the message goes into a real
 * Maildir (or the queue), and the test reads what the client was told.
 * Taken (354, then 250 with the message in new/), queued, refused by a
 * check with the session still in step, a write that fails half-way
 * (the file size limit: 451 after the whole message was read), and a
 * client that leaves or goes silent in the middle (nothing left behind).
 * The checks that need DNS (SPF, DKIM, DMARC) are test_dmarc.py's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "envelope.h"
#include "reception.h"
#include "testsite.h"

static struct conf conf;
static struct rcptcheck checks;
static struct envelope txn;
static struct peer peer = { .text = "192.0.2.7", .known = 1 };
static struct identity identity;
static struct buf io;
static int client; /* the client's end of the socketpair */

static int
ours(void *arg)
{
	(void)arg;
	return 1;
}

/* A client that may relay has said MAIL FROM and RCPT TO:<rcpt>. */
static int
setup(void **state)
{
	int sv[2];

	(void)state;
	test_site("taro::\n");
	conf_defaults(&conf, testdir);
	strlcpy(conf.spool, site_spool, sizeof(conf.spool));
	conf.max_message_size = 100000;
	rcptcheck_init(&checks, &conf, &peer);
	envelope_init(&txn);
	identity_init(&identity, &site_ctx, testdir, NULL);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	buf_init(&io, sv[0], sv[0], 5);
	client = sv[1];
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	envelope_reset(&txn);
	identity_close(&identity);
	close(io.rfd);
	close(client);
	test_site_close();
	return 0;
}

static void
envelope_to(const char *rcpt)
{
	const struct envelope_session e = { .conf = &conf,
		.ctx = &site_ctx,
		.checks = &checks,
		.client = peer.text,
		.sender = "a@example.net",
		.auth_user = "",
		.identity = &identity,
		.relay_ok = ours };
	char line[512];
	struct verdict v;

	strlcpy(line, "FROM:<a@example.net>", sizeof(line));
	assert_int_equal(envelope_mail(&e, &txn, line, &v), 0);
	snprintf(line, sizeof(line), "TO:<%s>", rcpt);
	assert_int_equal(envelope_rcpt(&e, &txn, line, &v), 0);
	assert_int_equal(v.code, 250);
}

/* The client sends text from a child (the socket holds less than a big
 * message) and closes its side when told to; the DATA phase runs. */
static enum reception_end
run(const char *text, int then_close, struct reception_result *out)
{
	const struct msgcheck c = { &conf, &peer, "client.example", txn.sender,
		&txn.plan, 1, "", &identity };
	const struct reception r = { &io, &conf, &site_ctx, &txn, &c,
		{ "client.example", peer.text, "mail.example.com", NULL, 1, 0,
		    "", "", "", 0 } };
	enum reception_end end;
	pid_t pid = fork();

	if (pid == 0) {
		size_t len = strlen(text), off = 0;
		ssize_t n;

		while (
		    off < len && (n = write(client, text + off, len - off)) > 0)
			off += (size_t)n;
		if (then_close)
			shutdown(client, SHUT_WR);
		_exit(off == len ? 0 : 1);
	}
	assert_true(pid > 0);
	end = reception_run(&r, out);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return end;
}

/* The next command the session reads. */
static const char *
next_line(void)
{
	static char line[512];
	size_t len;

	line[0] = '\0';
	if (buf_getline(&io, line, sizeof(line), &len) != BUF_LINE)
		return "(none)";
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

/* A message of about size octets in 72-octet lines, then QUIT. */
static const char *
big_message(size_t size)
{
	static char text[300000];
	size_t i;

	assert_true(size + 64 < sizeof(text));
	memset(text, 'x', size);
	for (i = 70; i + 2 < size; i += 72)
		memcpy(text + i, "\r\n", 2);
	strcpy(text + size, "\r\n.\r\nQUIT\r\n");
	return text;
}

/* What the client was told. */
static const char *
told(void)
{
	static char text[4096];
	ssize_t n;

	buf_flush(&io);
	shutdown(io.wfd, SHUT_WR);
	n = read(client, text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

/* Names in taro's tmp/ or new/, and the text of the last. */
static int
in_folder(const char *sub, char *text, size_t size)
{
	char dir[1024], path[2048];
	struct dirent *de;
	int n = 0;
	FILE *f;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/mail/taro/%s", site_spool, sub);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			n++;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (text != NULL && (f = fopen(path, "r")) != NULL) {
				text[fread(text, 1, size - 1, f)] = '\0';
				fclose(f);
			}
		}
	closedir(d);
	return n;
}

static void
test_taken_then_250(void **state)
{
	struct reception_result out;
	char text[4096], expect[256];

	(void)state;
	envelope_to("taro@example.com");
	assert_int_equal(
	    run("Subject: hi\r\n\r\n..dots\r\nbody\r\n.\r\n", 0, &out),
	    RECEPTION_ANSWERED);
	assert_true(out.taken);
	assert_false(out.queued);
	assert_string_equal(out.result, "delivered");
	snprintf(expect, sizeof(expect),
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 2.0.0 Ok: delivered as %s\r\n",
	    out.id);
	assert_string_equal(told(), expect);
	assert_int_equal(in_folder("new", text, sizeof(text)), 1);
	assert_non_null(strstr(text, "Received: from client.example"));
	assert_non_null(strstr(text, "\nSubject: hi\n\n.dots\nbody\n"));
	assert_int_equal(in_folder("tmp", NULL, 0), 0);
}

static void
test_for_another_host_queued(void **state)
{
	struct reception_result out;

	(void)state;
	envelope_to("jiro@elsewhere.example");
	assert_int_equal(run("Subject: out\r\n\r\nbody\r\n.\r\n", 0, &out),
	    RECEPTION_ANSWERED);
	assert_true(out.taken);
	assert_true(out.queued);
	assert_non_null(strstr(told(), "250 2.0.0 Ok: queued as "));
}

/* Too big: refused after the whole of it was read, so the command behind
 * it is read as a command. */
static void
test_refused_in_step(void **state)
{
	struct reception_result out;

	(void)state;
	conf.max_message_size = 10000;
	envelope_to("taro@example.com");
	assert_int_equal(run(big_message(200000), 0, &out), RECEPTION_ANSWERED);
	assert_false(out.taken);
	assert_string_equal(next_line(), "QUIT");
	assert_non_null(strstr(told(), "\r\n552 5.3.4 "));
	assert_int_equal(in_folder("new", NULL, 0), 0);
	assert_int_equal(in_folder("tmp", NULL, 0), 0);
}

/* A write fails half-way (as on a full disk): the rest is read, 451. */
static void
test_write_failure_read_to_the_end(void **state)
{
	struct rlimit old, small = { 50000, 0 };
	struct reception_result out;
	enum reception_end end;

	(void)state;
	envelope_to("taro@example.com");
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	end = run(big_message(200000), 0, &out);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(end, RECEPTION_ANSWERED);
	assert_false(out.taken);
	assert_string_equal(out.result, "error");
	assert_string_equal(next_line(), "QUIT");
	assert_non_null(strstr(told(), "\r\n451 4.3.0 "));
	assert_int_equal(in_folder("new", NULL, 0), 0);
	assert_int_equal(in_folder("tmp", NULL, 0), 0);
}

/* Gone in the middle: nothing said, nothing left behind. */
static void
test_client_leaves_mid_data(void **state)
{
	struct reception_result out;

	(void)state;
	envelope_to("taro@example.com");
	assert_int_equal(
	    run("Subject: hi\r\n\r\nhalf", 1, &out), RECEPTION_EOF);
	assert_false(out.taken);
	assert_string_equal(told(), "354 End data with <CR><LF>.<CR><LF>\r\n");
	assert_int_equal(in_folder("new", NULL, 0), 0);
	assert_int_equal(in_folder("tmp", NULL, 0), 0);
}

static void
test_client_silent_mid_data(void **state)
{
	struct reception_result out;

	(void)state;
	io.timeout_ms = 300;
	envelope_to("taro@example.com");
	assert_int_equal(
	    run("Subject: hi\r\n\r\nhalf", 0, &out), RECEPTION_TIMEOUT);
	assert_false(out.taken);
	assert_int_equal(in_folder("new", NULL, 0), 0);
	assert_int_equal(in_folder("tmp", NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_taken_then_250, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_for_another_host_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_refused_in_step, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_failure_read_to_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_client_leaves_mid_data, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_client_silent_mid_data, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
