/*
 * Unit tests for lib/deliver: one message written once and linked into
 * every Maildir with its S= and W= tags, remote recipients queued, and a
 * message whose write failed (RLIMIT_FSIZE standing in for a full disk)
 * never committed, even when later writes work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "deliver.h"
#include "testsite.h"
#include "users.h"

static void
site(void)
{
	test_site("postmaster::taro\nabuse::taro\ntaro::\n"
		  "hanako::.,taro,friend@example.net\n");
}

/* The one file in SPOOL/mail/name/new, or "" when there is none. */
static void
only_file(const char *name, char *out, size_t size)
{
	char path[700];
	struct dirent *de;
	DIR *d;
	int n = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/mail/%s/new", site_spool, name);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			snprintf(out, size, "%s", de->d_name);
			n++;
		}
	closedir(d);
	assert_true(n <= 1);
}

static void
test_one_write_many_mailboxes_and_the_queue(void **state)
{
	static struct deliver_msg m;
	struct deliver_plan plan;
	char a[300], b[300], pa[900], pb[900];
	struct stat sa, sb;
	const char *text = "Subject: hi\n\nline one\nline two\n";

	(void)state;
	site();
	deliver_plan_init(&plan);
	assert_int_equal(deliver_plan_rcpt(&plan, &site_ctx, "hanako",
			     "example.com", "hanako@example.com"),
	    0);
	assert_int_equal(deliver_plan_rcpt(&plan, &site_ctx, "nobody",
			     "example.com", "nobody@example.com"),
	    DELIVER_UNKNOWN);
	assert_int_equal(deliver_plan_maildirs(&plan), 2); /* hanako, taro */
	assert_int_equal(plan.n, 3);			   /* and a forward */
	assert_int_equal(
	    deliver_open(&m, &site_ctx, &plan, "a@example.net", ""), 0);
	assert_int_equal(deliver_write(&m, text, strlen(text)), 0);
	assert_int_equal(deliver_commit(&m, "a@example.net"), 0);
	only_file("hanako", a, sizeof(a));
	only_file("taro", b, sizeof(b));
	assert_true(a[0] && b[0]);
	snprintf(pa, sizeof(pa), "%s/mail/hanako/new/%s", site_spool, a);
	snprintf(pb, sizeof(pb), "%s/mail/taro/new/%s", site_spool, b);
	assert_int_equal(stat(pa, &sa), 0);
	assert_int_equal(stat(pb, &sb), 0);
	assert_int_equal(sa.st_ino, sb.st_ino); /* one file, two links */
	{
		char tags[64];

		/* with Return-Path: and Delivered-To: only in the Maildir */
		snprintf(tags, sizeof(tags), ",S=%lld,W=%lld",
		    (long long)sa.st_size,
		    (long long)sa.st_size + (long long)m.lfs);
		assert_non_null(strstr(a, tags));
	}
	{
		char **ids;
		size_t n;

		assert_int_equal(queue_list(site_spool, &ids, &n), 0);
		assert_int_equal(n, 1); /* the forward */
		free(ids[0]);
		free(ids);
	}
	deliver_plan_free(&plan);
	test_site_close();
}

static void
test_failed_write_is_never_committed(void **state)
{
	static struct deliver_msg m;
	static char big[200000];
	struct deliver_plan plan;
	struct rlimit before, small = { 100000, 100000 };
	char name[300];

	(void)state;
	site();
	signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of the signal */
	memset(big, 'x', sizeof(big));
	deliver_plan_init(&plan);
	assert_int_equal(deliver_plan_rcpt(&plan, &site_ctx, "taro",
			     "example.com", "taro@example.com"),
	    0);
	assert_int_equal(
	    deliver_open(&m, &site_ctx, &plan, "a@example.net", ""), 0);
	getrlimit(RLIMIT_FSIZE, &before);
	setrlimit(RLIMIT_FSIZE, &small);
	assert_int_equal(deliver_write(&m, big, sizeof(big)), -1);
	setrlimit(RLIMIT_FSIZE, &before); /* the "disk" has room again */
	assert_int_equal(deliver_write(&m, "end\n", 4), -1);
	assert_int_equal(deliver_commit(&m, "a@example.net"), -1);
	deliver_abort(&m);
	only_file("taro", name, sizeof(name));
	assert_string_equal(name, "");
	deliver_plan_free(&plan);
	test_site_close();
}

/* The longest alias chain cdbmake-users takes (test_tables) is one
 * delivery follows to its end, whichever way the file has it. */
static void
test_the_longest_chain_compiled_is_followed(void **state)
{
	char users[2048] = "postmaster::a10\nabuse::a10\n", line[64];
	struct deliver_plan plan;
	int bottom_up, i, k;

	(void)state;
	for (bottom_up = 0; bottom_up < 2; bottom_up++) {
		users[strlen("postmaster::a10\nabuse::a10\n")] = '\0';
		for (k = 0; k <= USERS_ALIAS_DEPTH; k++) {
			i = bottom_up ? USERS_ALIAS_DEPTH - k : k;
			if (i == USERS_ALIAS_DEPTH)
				snprintf(line, sizeof(line), "a%d::\n", i);
			else
				snprintf(
				    line, sizeof(line), "a%d::a%d\n", i, i + 1);
			strlcat(users, line, sizeof(users));
		}
		test_site(users); /* compiled without an error */
		deliver_plan_init(&plan);
		assert_int_equal(deliver_plan_rcpt(&plan, &site_ctx, "a0",
				     "example.com", "a0@example.com"),
		    0);
		assert_int_equal(plan.n, 1);
		assert_non_null(strstr(plan.t[0].where, "/a10/"));
		deliver_plan_free(&plan);
		test_site_close();
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_write_many_mailboxes_and_the_queue),
		cmocka_unit_test(test_failed_write_is_never_committed),
		cmocka_unit_test(test_the_longest_chain_compiled_is_followed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
