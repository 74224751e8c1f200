/* Unit tests for lib/maildir: tags, status, new/ to cur/, ordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <utime.h>

#include "maildir.h"
#include "testutil.h"

static void
put(const char *sub, const char *name, const char *text)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "md/%s/%s", sub, name);
	test_write(rel, text);
}

static void
test_name_tags(void **state)
{
	static const struct {
		const char *name;
		int tagged;
		long long size, wsize;
	} cases[] = {
		{ "1700000000.M1P2.host,S=120,W=124:2,S", 1, 120, 124 },
		{ "1700000000.M1P2.host,S=120", 1, 120, -1 },
		{ "1700000000.M1P2.host:2,S", 0, -1, -1 },
		{ "1700000000.M1P2.host,S=12x", 0, -1, -1 },
		{ "odd:2,,S=5", 0, -1, -1 }, /* tags after ':' are flags */
	};
	off_t size, wsize;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (maildir_name_sizes(cases[i].name, &size, &wsize) !=
			cases[i].tagged ||
		    size != cases[i].size || wsize != cases[i].wsize)
			fail_msg("%s: got %lld %lld", cases[i].name,
			    (long long)size, (long long)wsize);
	}
}

static void
test_create_status_take_list(void **state)
{
	char dir[512], path[600];
	struct maildir_status st;
	struct maildir_list l;
	struct utimbuf old;

	(void)state;
	test_mkdir();
	snprintf(dir, sizeof(dir), "%s/md", testdir);
	assert_int_equal(maildir_status(dir, &st), 0); /* missing: empty */
	assert_int_equal(st.messages, 0);
	snprintf(dir, sizeof(dir), "%s/deep/er/md", testdir);
	assert_int_equal(maildir_create(dir), 0);
	snprintf(dir, sizeof(dir), "%s/md", testdir);
	assert_int_equal(maildir_create(dir), 0);
	put("new", "1700000002.M1P1.h,S=6,W=7", "later\n");
	put("new", "handmade", "early one\n");
	put("cur", "1700000001.M1P1.h,S=4:2,S", "mid\n");
	put("new", ".hidden", "not a message\n");
	snprintf(path, sizeof(path), "%s/md/new/handmade", testdir);
	old.actime = old.modtime = 1600000000;
	assert_int_equal(utime(path, &old), 0);
	assert_int_equal(maildir_status(dir, &st), 0);
	assert_int_equal(st.messages, 3);
	assert_int_equal(st.unread, 2);
	assert_int_equal(st.bytes, 6 + 10 + 4);
	assert_int_equal(st.newest, 1700000002);
	assert_int_equal(maildir_take_new(dir), 0);
	assert_int_equal(maildir_list_cur(dir, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.msg[0].name, "handmade:2,");
	assert_int_equal(l.msg[0].size, 10);
	assert_int_equal(l.msg[0].wsize, -1);
	assert_string_equal(l.msg[1].name, "1700000001.M1P1.h,S=4:2,S");
	assert_string_equal(l.msg[2].name, "1700000002.M1P1.h,S=6,W=7:2,");
	assert_int_equal(l.msg[2].wsize, 7);
	maildir_list_free(&l);
	test_rmdir();
}

static void
test_lying_tag_on_hand_made_file(void **state)
{
	char dir[512];
	struct maildir_list l;

	(void)state;
	test_mkdir();
	snprintf(dir, sizeof(dir), "%s/md", testdir);
	assert_int_equal(maildir_create(dir), 0);
	/* no arrival time in the name: stat'ed, and the stat wins */
	put("cur", "copied,S=999", "short\n");
	assert_int_equal(maildir_list_cur(dir, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.msg[0].size, 6);
	assert_int_equal(l.msg[0].wsize, -1);
	maildir_list_free(&l);
	test_rmdir();
}

/* The writer beside the reader: what deliver names, POP3 reads back. */
static void
test_tagged_name_round_trip(void **state)
{
	char name[256];
	off_t size, wsize;

	(void)state;
	assert_int_equal(maildir_name_tagged(name, sizeof(name),
			     "1700000000.M1P2Q3.mail.example.com", 1234, 1260),
	    0);
	assert_string_equal(
	    name, "1700000000.M1P2Q3.mail.example.com,S=1234,W=1260");
	assert_int_equal(maildir_name_sizes(name, &size, &wsize), 1);
	assert_int_equal(size, 1234);
	assert_int_equal(wsize, 1260);
	strlcat(name, ":2,S", sizeof(name)); /* as a reader moves it */
	assert_int_equal(maildir_name_sizes(name, &size, &wsize), 1);
	assert_int_equal(wsize, 1260);
	assert_int_equal(maildir_name_base_len(name),
	    strlen("1700000000.M1P2Q3.mail.example.com"));
	assert_int_equal(maildir_name_base_len("1700000000.M1.host:2,"),
	    strlen("1700000000.M1.host"));
	assert_int_equal(maildir_name_tagged(name, 10, "long base", 1, 2), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tagged_name_round_trip),
		cmocka_unit_test(test_name_tags),
		cmocka_unit_test(test_create_status_take_list),
		cmocka_unit_test(test_lying_tag_on_hand_made_file),
	};

	return cmocka_run_group_tests_name("maildir", tests, NULL, NULL);
}
