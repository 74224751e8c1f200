/*
 * Unit tests for lib/msgcheck's content filter step, with real programs
 * as the filter (coreutils, sh) and a real delivery into a Maildir: what
 * each verdict does to the message and to the client's reply. The sender
 * checks (SPF, DKIM, DMARC) need DNS: test_dmarc.py and test_spf.py run
 * them against dnsmasq.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "msgcheck.h"
#include "testsite.h"

static struct conf conf;
static struct deliver_plan plan;
static struct deliver_msg m;
static struct peer peer = { .text = "192.0.2.7", .known = 1 };

/* taro's message, written; filter set to argv. */
static struct msgcheck
message_text(const char *argv, int fail_open, const char *text)
{
	test_site("taro::\nhanako::\n");
	conf_defaults(&conf, testdir);
	strlcpy(conf.filter, argv, sizeof(conf.filter));
	conf.filter_timeout = 10;
	conf.filter_fail_open = fail_open;
	deliver_plan_init(&plan);
	assert_int_equal(deliver_plan_rcpt(&plan, &site_ctx, "taro",
			     "example.com", "taro@example.com"),
	    0);
	assert_int_equal(
	    deliver_open(&m, &site_ctx, &plan, "a@example.net", ""), 0);
	assert_int_equal(deliver_write(&m, text, strlen(text)), 0);
	return (struct msgcheck) { .conf = &conf,
		.peer = &peer,
		.helo = "client.example",
		.sender = "a@example.net",
		.plan = &plan,
		.auth_user = "" };
}

static struct msgcheck
message(const char *argv, int fail_open)
{
	return message_text(argv, fail_open, "Subject: hi\n\nbody\n");
}

/* The text of the one message in taro's folder (sub: "" or ".Junk/"). */
static const char *
arrived(const char *sub)
{
	static char text[4096];
	char dir[1024], path[2048];
	struct dirent *de;
	size_t n = 0;
	FILE *f;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/mail/taro/%snew", site_spool, sub);
	text[0] = '\0';
	if ((d = opendir(dir)) == NULL)
		return text;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			assert_non_null(f = fopen(path, "r"));
			n = fread(text, 1, sizeof(text) - 1, f);
			text[n] = '\0';
			fclose(f);
		}
	closedir(d);
	return text;
}

static void
done(int taken)
{
	if (taken)
		assert_int_equal(deliver_commit(&m, "a@example.net"), 0);
	else
		deliver_abort(&m);
	deliver_plan_free(&plan);
}

static void
test_accepted_with_the_fields_it_prints(void **state)
{
	struct msgcheck c = message("/bin/echo X-Spam-Status: No", 0);
	struct verdict v;

	(void)state;
	assert_int_equal(msgcheck_filter(&c, &m, &v), 0);
	done(1);
	assert_non_null(strstr(arrived(""), "X-Spam-Status: No\n"));
	assert_string_equal(arrived(".Junk/"), "");
	test_site_close();
}

static void
test_junk_goes_to_the_junk_folder(void **state)
{
	struct msgcheck c = message("/bin/false", 0);
	struct verdict v;

	(void)state;
	assert_int_equal(msgcheck_filter(&c, &m, &v), 0);
	done(1);
	assert_string_equal(arrived(""), "");
	assert_non_null(strstr(arrived(".Junk/"), "Subject: hi\n"));
	test_site_close();
}

static void
test_refused_and_not_scanned(void **state)
{
	struct msgcheck c = message("/bin/true", 0);
	struct verdict v;

	(void)state;
	/* the filter's argv has no shell quoting: scripts instead */
	test_write("f100", "#!/bin/sh\nexit 100\n");
	test_write("f111", "#!/bin/sh\nexit 111\n");
	test_write("f3", "#!/bin/sh\nexit 3\n");
	snprintf(conf.filter, sizeof(conf.filter), "/bin/sh %s/f100", testdir);
	assert_int_equal(msgcheck_filter(&c, &m, &v), 1);
	assert_int_equal(v.code, 554);
	assert_string_equal(v.result, "refused-filter");
	snprintf(conf.filter, sizeof(conf.filter), "/bin/sh %s/f111", testdir);
	assert_int_equal(msgcheck_filter(&c, &m, &v), 1);
	assert_int_equal(v.code, 451);
	assert_string_equal(
	    v.text, "4.7.0 Message not scanned, try again later");
	/* a broken filter: 451, unless the admin chose fail-open */
	snprintf(conf.filter, sizeof(conf.filter), "/bin/sh %s/f3", testdir);
	assert_int_equal(msgcheck_filter(&c, &m, &v), 1);
	assert_int_equal(v.code, 451);
	assert_string_equal(v.result, "error-filter");
	conf.filter_fail_open = 1;
	assert_int_equal(msgcheck_filter(&c, &m, &v), 0);
	done(1);
	assert_string_equal(arrived(".Junk/"), "");
	assert_non_null(strstr(arrived(""), "Subject: hi\n"));
	test_site_close();
}

/* The whole message's checks over text received as DATA (CRLF). */
static int
check_whole(struct msgcheck *c, const char *data, struct verdict *v)
{
	struct intake in;

	/* the message so far is the header written by message(); the
	 * intake only judges what it is fed */
	intake_init(&in, "mail.example.com", 1 << 20, NULL, 0, NULL);
	assert_int_equal(intake_chunk(&in, NULL, data, strlen(data)), 1);
	return msgcheck_message(c, &in, &m, v);
}

static void
test_the_checks_in_order(void **state)
{
	struct msgcheck c = message("/bin/true", 0);
	struct verdict v;

	(void)state;
	conf.auth_results = 0; /* SPF/DKIM/DMARC: test_dmarc.py, dnsmasq */
	/* the text's own fault comes first: the filter never runs */
	test_write("f100", "#!/bin/sh\nexit 100\n");
	snprintf(conf.filter, sizeof(conf.filter), "/bin/sh %s/f100", testdir);
	assert_int_equal(check_whole(&c, "Subject: x\n\r\n.\r\n", &v), 1);
	assert_string_equal(v.result, "refused-bare-lf");
	/* then the filter, for a stranger */
	assert_int_equal(check_whole(&c, "Subject: x\r\n\r\n.\r\n", &v), 1);
	assert_string_equal(v.result, "refused-filter");
	/* never for our own clients */
	c.ours = 1;
	assert_int_equal(check_whole(&c, "Subject: x\r\n\r\n.\r\n", &v), 0);
	done(0);
	test_site_close();
}

static void
test_a_logged_in_users_from_must_be_theirs(void **state)
{
	struct msgcheck c = message_text(
	    "/bin/true", 0, "From: Taro <taro@example.com>\n\nhi\n");
	struct identity id = { 0 };
	struct account hanako;
	struct verdict v;

	(void)state;
	assert_int_equal(users_find_login(&site_users, "hanako", &hanako), 1);
	identity_init(&id, &site_ctx, testdir, &hanako);
	c.ours = 1;
	c.auth_user = "hanako";
	c.identity = &id;
	assert_int_equal(check_whole(&c, "x\r\n.\r\n", &v), 1);
	assert_int_equal(v.code, 553);
	assert_string_equal(v.text,
	    "5.7.1 From: address not yours: you are logged in as hanako");
	/* sender_check off: taken */
	conf.sender_check = 0;
	assert_int_equal(check_whole(&c, "x\r\n.\r\n", &v), 0);
	identity_close(&id);
	done(0);
	test_site_close();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted_with_the_fields_it_prints),
		cmocka_unit_test(test_junk_goes_to_the_junk_folder),
		cmocka_unit_test(test_refused_and_not_scanned),
		cmocka_unit_test(test_the_checks_in_order),
		cmocka_unit_test(test_a_logged_in_users_from_must_be_theirs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
