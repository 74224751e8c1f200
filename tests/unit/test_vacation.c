/*
 * Unit tests for lib/vacation: what vacation_scan reads from a message,
 * and vacation_reply's decisions over a real site: one reply per sender
 * (queued, with the null sender, Auto-Submitted and the thread's
 * fields), none to lists, automatic mail, programs, Bcc copies, or for
 * an account without a vacation.txt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "log.h"
#include "queue.h"
#include "testsite.h"
#include "vacation.h"

static void
site(void)
{
	char path[700];
	FILE *f;

	test_site("postmaster::taro\nabuse::taro\ntaro::\nhanako::\n");
	snprintf(path, sizeof(path), "%s/yubin.log", testdir);
	assert_int_equal(log_open("test_vacation", path), 0);
	snprintf(path, sizeof(path), "%s/mail", site_spool);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/mail/taro", site_spool);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/mail/taro/vacation.txt", site_spool);
	assert_non_null(f = fopen(path, "w"));
	fputs("I am away until Monday.\n", f);
	fclose(f);
}

/* The message text to taro (and hanako) as smtp-in would have it. */
static void
scan(const char *text, struct vacation_in *in)
{
	static struct deliver_msg m;
	struct deliver_plan plan;

	deliver_plan_init(&plan);
	assert_int_equal(deliver_plan_rcpt(&plan, &site_ctx, "taro",
			     "example.com", "taro@example.com"),
	    0);
	assert_int_equal(
	    deliver_open(&m, &site_ctx, &plan, "friend@example.net", ""), 0);
	assert_int_equal(deliver_write(&m, text, strlen(text)), 0);
	vacation_scan(&m, in);
	deliver_abort(&m);
	deliver_plan_free(&plan);
}

/* vacation_reply for one message to taro and hanako: how many replies. */
static int
reply(const char *sender, const char *text)
{
	struct vacation_site where = { testdir, "yubin", 7 };
	struct vacation_in in;
	struct deliver_plan plan;
	int n;

	scan(text, &in);
	deliver_plan_init(&plan);
	assert_int_equal(deliver_plan_rcpt(&plan, &site_ctx, "taro",
			     "example.com", "taro@example.com"),
	    0);
	assert_int_equal(deliver_plan_rcpt(&plan, &site_ctx, "hanako",
			     "example.com", "hanako@example.com"),
	    0);
	n = vacation_reply(&site_ctx, &plan, sender, &in, &where);
	deliver_plan_free(&plan);
	return n;
}

static size_t
queued(char *text, size_t size)
{
	char **ids;
	size_t n, i;
	ssize_t r;
	int fd;

	assert_int_equal(queue_list(site_spool, &ids, &n), 0);
	text[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i == n - 1) {
			fd = queue_open(site_spool, "mess", ids[i]);
			assert_true(fd >= 0);
			r = read(fd, text, size - 1);
			close(fd);
			text[r > 0 ? r : 0] = '\0';
		}
		free(ids[i]);
	}
	free(ids);
	return n;
}

static void
test_scan_reads_the_deciding_fields(void **state)
{
	struct vacation_in in;

	(void)state;
	site();
	scan("Subject: lunch\nMessage-ID: <m1@example.net>\n"
	     "To: Taro <taro@example.com>\nCc: hanako@example.com\n\nhi\n",
	    &in);
	assert_string_equal(in.subject, "lunch");
	assert_string_equal(in.message_id, "<m1@example.net>");
	assert_non_null(strstr(in.to_cc, "taro@example.com"));
	assert_non_null(strstr(in.to_cc, "hanako@example.com"));
	assert_int_equal(in.automatic, 0);
	scan("List-Id: <club.example.net>\nTo: taro@example.com\n\nx\n", &in);
	assert_int_equal(in.automatic, 1);
	scan("Precedence: bulk\nTo: taro@example.com\n\nx\n", &in);
	assert_int_equal(in.automatic, 1);
	scan("Auto-Submitted: auto-replied\nTo: taro@example.com\n\nx\n", &in);
	assert_int_equal(in.automatic, 1);
	scan("Auto-Submitted: no\nTo: taro@example.com\n\nx\n", &in);
	assert_int_equal(in.automatic, 0);
	test_site_close();
}

static void
test_one_reply_per_sender(void **state)
{
	static char text[65536];
	const char *mail = "Subject: lunch\nMessage-ID: <m1@example.net>\n"
			   "To: taro@example.com, hanako@example.com\n\nhi\n";

	(void)state;
	site();
	/* taro is away, hanako is not: one reply */
	assert_int_equal(reply("friend@example.net", mail), 1);
	assert_int_equal(queued(text, sizeof(text)), 1);
	assert_non_null(strstr(text, "From: <taro@example.com>"));
	assert_non_null(strstr(text, "To: <friend@example.net>"));
	assert_non_null(strstr(text, "Auto-Submitted: auto-replied"));
	assert_non_null(strstr(text, "Subject: Auto: lunch"));
	assert_non_null(strstr(text, "In-Reply-To: <m1@example.net>"));
	assert_non_null(strstr(text, "I am away until Monday."));
	/* the same sender again within the days: none */
	assert_int_equal(reply("friend@example.net", mail), 0);
	/* another sender: one more */
	assert_int_equal(reply("other@example.net", mail), 1);
	assert_int_equal(queued(text, sizeof(text)), 2);
	test_site_close();
}

static void
test_no_reply_to_programs_lists_or_bcc(void **state)
{
	static char text[65536];

	(void)state;
	site();
	assert_int_equal(reply("", "To: taro@example.com\n\nbounce\n"), 0);
	assert_int_equal(
	    reply("MAILER-DAEMON@example.net", "To: taro@example.com\n\nx\n"),
	    0);
	assert_int_equal(
	    reply("club-request@example.net", "To: taro@example.com\n\nx\n"),
	    0);
	assert_int_equal(reply("club@example.net",
			     "List-Id: <club.example.net>\n"
			     "To: taro@example.com\n\nx\n"),
	    0);
	/* a Bcc copy: To: and Cc: do not name taro */
	assert_int_equal(
	    reply("friend@example.net", "To: someone@example.net\n\nx\n"), 0);
	/* taro writing to himself */
	assert_int_equal(
	    reply("taro@example.com", "To: taro@example.com\n\nx\n"), 0);
	assert_int_equal(queued(text, sizeof(text)), 0);
	test_site_close();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_reads_the_deciding_fields),
		cmocka_unit_test(test_one_reply_per_sender),
		cmocka_unit_test(test_no_reply_to_programs_lists_or_bcc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
