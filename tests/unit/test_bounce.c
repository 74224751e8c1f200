/*
 * Unit tests for lib/bounce: the RFC 3464 report as it lands in the
 * sender's Maildir (its three parts, each recipient's status and folded
 * reply, the original's header and not its body), and a report about a
 * bounce going to the local postmaster.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "bounce.h"
#include "testsite.h"

static void
site(void)
{
	test_site("postmaster::webmaster\nabuse::webmaster\n"
		  "webmaster::\ntaro::\n");
	test_write("mess",
	    "Subject: lost\nFrom: taro@example.com\n\n"
	    "the secret body\n");
}

/* The text of the one message in SPOOL/mail/name/new (free it). */
static char *
only_message(const char *name)
{
	char path[1200], *text;
	struct dirent *de;
	struct stat st;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "%s/mail/%s/new", site_spool, name);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d)) != NULL && de->d_name[0] == '.')
		;
	assert_non_null(de);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s",
	    de->d_name);
	closedir(d);
	assert_int_equal(stat(path, &st), 0);
	text = calloc(1, (size_t)st.st_size + 1);
	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(fread(text, 1, (size_t)st.st_size, f), st.st_size);
	fclose(f);
	return text;
}

static int
open_mess(void)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/mess", testdir);
	return open(path, O_RDONLY);
}

static void
test_report_to_the_sender(void **state)
{
	struct queue_entry e = { .id = "1700000000.000001.42",
		.sender = "taro@example.com" };
	const struct bounce_rcpt r[] = {
		{ "nobody@example.net", "mx.example.net[192.0.2.5]",
		    "550-5.1.1 no such user\n550 5.1.1 really", 1 },
		{ "slow@example.org", "example.org", "451 4.3.0 try later", 0 },
	};
	int mess;
	char *t;

	(void)state;
	site();
	mess = open_mess();
	assert_int_equal(bounce_send(&site_ctx, &e, r, 2, mess), 0);
	t = only_message("taro");
	assert_non_null(strstr(t, "Return-Path: <>\n"));
	assert_non_null(strstr(t,
	    "From: Mail Delivery System "
	    "<MAILER-DAEMON@mail.example.com>\n"));
	assert_non_null(strstr(t, "To: <taro@example.com>\n"));
	assert_non_null(strstr(t, "Auto-Submitted: auto-replied\n"));
	assert_non_null(strstr(t,
	    "Content-Type: multipart/report; "
	    "report-type=delivery-status;"));
	assert_non_null(strstr(t, "X-Queue-ID: 1700000000.000001.42\n"));
	assert_non_null(strstr(t,
	    "\nFinal-Recipient: rfc822; "
	    "nobody@example.net\nAction: failed\n"
	    "Status: 5.1.1\n"
	    "Remote-MTA: dns; mx.example.net[192.0.2.5]\n"
	    "Diagnostic-Code: smtp; 550-5.1.1 no such "
	    "user\n 550 5.1.1 really\n"));
	assert_non_null(strstr(t,
	    "Final-Recipient: rfc822; "
	    "slow@example.org\nAction: failed\n"
	    "Status: 4.4.7\n"));
	assert_non_null(strstr(t,
	    "Content-Type: text/rfc822-headers\n\n"
	    "Subject: lost\nFrom: taro@example.com\n"));
	assert_null(strstr(t, "the secret body"));
	free(t);
	close(mess);
	test_site_close();
}

static void
test_bounce_of_a_bounce_goes_to_postmaster(void **state)
{
	struct queue_entry e = { .id = "1700000000.000002.42", .sender = "" };
	const struct bounce_rcpt r[] = {
		{ "x@example.net", "example.net", "550 5.1.2 no such domain",
		    1 },
	};
	int mess;
	char *t;

	(void)state;
	site();
	mess = open_mess();
	assert_int_equal(bounce_send(&site_ctx, &e, r, 1, mess), 0);
	t = only_message("webmaster"); /* postmaster's mailbox */
	assert_non_null(strstr(t, "To: <postmaster>\n"));
	assert_non_null(strstr(t, "Return-Path: <>\n"));
	free(t);
	close(mess);
	test_site_close();
}

/* Status: copies the remote's enhanced status code when it has one. */
static void
test_status_is_the_remote_one(void **state)
{
	static const struct {
		const char *text;
		int permanent;
		const char *status;
	} cases[] = {
		{ "554 5.7.1 relaying denied", 1, "5.7.1" },
		{ "550-5.2.2 full\n550 5.2.2 mailbox full", 1, "5.2.2" },
		{ "553 5.1.10 null MX", 1, "5.1.10" },
		{ "550 no enhanced code", 1, "5.0.0" },
		{ "550 4.1.1 class is not the reply's", 1, "5.0.0" },
		{ "550 5.1.1x not a code", 1, "5.0.0" },
		{ "550 5.1234.1 too long", 1, "5.0.0" },
		{ "host not found (NXDOMAIN)", 1, "5.0.0" },
		{ "451 4.3.0 try later", 0, "4.4.7" },
	};
	char want[200], *t;
	size_t i;
	int mess;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct queue_entry e = { .id = "1700000000.000003.42",
			.sender = "taro@example.com" };
		struct bounce_rcpt r = { "x@example.net", "example.net",
			cases[i].text, cases[i].permanent };

		site();
		mess = open_mess();
		assert_int_equal(bounce_send(&site_ctx, &e, &r, 1, mess), 0);
		t = only_message("taro");
		snprintf(want, sizeof(want), "Action: failed\nStatus: %s\n",
		    cases[i].status);
		if (strstr(t, want) == NULL)
			fail_msg("%s: want %s", cases[i].text, cases[i].status);
		free(t);
		close(mess);
		test_site_close();
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_to_the_sender),
		cmocka_unit_test(test_bounce_of_a_bounce_goes_to_postmaster),
		cmocka_unit_test(test_status_is_the_remote_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
