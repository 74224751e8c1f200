/*
 * Unit tests for lib/tables with lib/users and lib/relay: what
 * cdbmake-users compiles is what the servers look up, bad lines give
 * FILE:LINE and leave the old databases alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "cidr.h"
#include "relay.h"
#include "tables.h"
#include "testutil.h"
#include "users.h"

/* yescrypt of "secret" (made with cdbmake-users --hash) */
#define HASH                                                                   \
	"$y$j9T$aif3vB9HURiRwvbdIzv6T.$Y11MCrEE58E5rZYPdvCJgSN9mCVUIdLwuFzBSPbt2A/"

/* the same, with its last character lost in copying */
#define HASH_CUT                                                               \
	"$y$j9T$aif3vB9HURiRwvbdIzv6T.$Y11MCrEE58E5rZYPdvCJgSN9mCVUIdLwuFzBSPbt2A"

static char *errtext;
static size_t errlen;

static int
compile(unsigned which)
{
	FILE *f = open_memstream(&errtext, &errlen);
	int r;

	r = tables_compile(testdir, which, f);
	fclose(f);
	return r;
}

static void
open_db(struct db *d, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", testdir, name);
	assert_int_equal(db_open(d, path), 0);
}

static void
unlink_senders(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/senders", testdir);
	assert_int_equal(unlink(path), 0);
}

static void
write_site(const char *users)
{
	test_write("domains",
	    "# local domains\nExample.COM\n[192.0.2.1]\n"
	    "example.org\n");
	test_write("relay",
	    "127.0.0.1\n::1\n192.168.1.*\n!192.168.1.99\n"
	    "2001:db8::/32\n");
	test_write("users", users);
}

static const char good_users[] =
    "# a family site\n"
    "webmaster:" HASH ":\n"
    "postmaster::webmaster\n"
    "abuse::webmaster\n"
    "taro@example.com:!" HASH ":.,taro@example.net\n"
    "hanako:" HASH ":/srv/mail/hanako/\n"
    "@example.org::webmaster\n"
    "info@example.org::hanako, taro@example.com\n"
    "root:" HASH ":\n";

static void
test_good_site_compiles_and_looks_up(void **state)
{
	struct db users, domains;
	struct account a;

	(void)state;
	test_mkdir();
	write_site(good_users);
	assert_int_equal(compile(TABLES_ALL), 0);
	assert_string_equal(errtext, "");
	free(errtext);
	open_db(&users, "users.cdb");
	open_db(&domains, "domains.cdb");
	assert_int_equal(users_domain_is_local(&domains, "example.com"), 1);
	assert_int_equal(users_domain_is_local(&domains, "[192.0.2.1]"), 1);
	assert_int_equal(users_domain_is_local(&domains, "example.net"), 0);
	/* name@domain first */
	assert_int_equal(users_find(&users, "taro", "example.com", &a), 1);
	assert_string_equal(a.key, "taro@example.com");
	assert_string_equal(a.secret, "!" HASH);
	assert_string_equal(a.targets, ".,taro@example.net");
	assert_true(users_has_own_maildir(&a));
	/* then name in any local domain */
	assert_int_equal(users_find(&users, "webmaster", "example.org", &a), 1);
	assert_string_equal(a.key, "webmaster");
	assert_string_equal(a.targets, "");
	assert_int_equal(users_find(&users, "nobody", "example.com", &a), 0);
	/* the catch-all only for recipients, and exact accounts win */
	assert_int_equal(
	    users_find_rcpt(&users, "nobody", "example.org", &a), 1);
	assert_string_equal(a.key, "@example.org");
	assert_false(users_has_own_maildir(&a));
	assert_int_equal(users_find_rcpt(&users, "info", "example.org", &a), 1);
	assert_string_equal(a.key, "info@example.org");
	assert_string_equal(a.targets, "hanako,taro@example.com");
	assert_int_equal(
	    users_find_rcpt(&users, "nobody", "example.com", &a), 0);
	/* logins */
	assert_int_equal(users_find_login(&users, "Taro@Example.com", &a), 1);
	assert_int_equal(users_find_login(&users, "hanako", &a), 1);
	assert_false(users_has_own_maildir(&a));
	assert_int_equal(users_find_login(&users, "../etc", &a), 0);
	/* root is never a login, even when the users file has it */
	assert_int_equal(users_find(&users, "root", "", &a), 1);
	assert_int_equal(users_find_login(&users, "root", &a), 0);
	assert_int_equal(users_find_login(&users, "Root@example.com", &a), 0);
	db_close(&users);
	db_close(&domains);
	test_rmdir();
}

static void
test_maildir_paths(void **state)
{
	struct account a;
	char path[256];

	(void)state;
	memset(&a, 0, sizeof(a));
	strcpy(a.key, "taro@example.com");
	strcpy(a.name, "taro");
	strcpy(a.domain, "example.com");
	assert_int_equal(
	    users_maildir("/var/yubin", &a, path, sizeof(path)), 0);
	assert_string_equal(path, "/var/yubin/mail/example.com/taro/");
	strcpy(a.key, "webmaster");
	strcpy(a.name, "webmaster");
	assert_int_equal(
	    users_maildir("/var/yubin", &a, path, sizeof(path)), 0);
	assert_string_equal(path, "/var/yubin/mail/webmaster/");
}

static void
test_relay_longest_match(void **state)
{
	struct db relay;
	struct cidr c;
	size_t i;
	static const struct {
		const char *ip;
		int allowed;
	} cases[] = {
		{ "127.0.0.1", 1 },
		{ "127.0.0.2", 0 },
		{ "::1", 1 },
		{ "::ffff:127.0.0.1", 1 },
		{ "192.168.1.20", 1 },
		{ "192.168.1.99", 0 }, /* the /32 deny beats the /24 */
		{ "192.168.2.20", 0 },
		{ "2001:db8:1::5", 1 },
		{ "2001:db9::5", 0 },
		{ "203.0.113.5", 0 },
	};

	(void)state;
	test_mkdir();
	write_site(good_users);
	assert_int_equal(compile(TABLES_RELAY), 0);
	free(errtext);
	open_db(&relay, "relay.cdb");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cidr_from_text(cases[i].ip, &c), 0);
		if (relay_allowed(&relay, &c) != cases[i].allowed)
			fail_msg("%s: wrong relay answer", cases[i].ip);
	}
	db_close(&relay);
	test_rmdir();
}

struct bad_case {
	const char *label;
	const char *users;
	const char *expect; /* "users:LINE: ..." */
};

static const struct bad_case bad_cases[] = {
	{ "clear-text secret", "webmaster:hunter2:\n",
	    "users:1: secret is not a crypt(3) hash" },
	{ "no colons", "webmaster\n",
	    "users:1: expected address:secret:targets" },
	{ "bad name", "\nweb master::\n",
	    "users:2: 'web master' is not a valid" },
	{ "slash in name", "a/b::\n", "users:1: 'a/b' is not a valid account" },
	{ "unknown domain", "taro@example.net::\n",
	    "users:1: domain example.net is not listed in" },
	{ "missing alias target", "webmaster::\npostmaster::nobody\n",
	    "users:2: target nobody names no account" },
	{ "alias loop", "webmaster::\na::b\nb::c\nc::a\n", "alias loop: " },
	{ "self loop", "webmaster::\nme::me\n", "alias loop: me -> me" },
	{ "relative maildir", "webmaster::Maildir/\n",
	    "users:1: target 'Maildir/' is not an account" },
	{ "maildir without slash", "webmaster::/srv/mail\n",
	    "users:1: '/srv/mail' is not an absolute Maildir path" },
	{ "dot-dot maildir", "webmaster::/srv/../etc/\n",
	    "is not an absolute Maildir path" },
	{ "empty target", "webmaster::a,,b\n", "users:1: empty target" },
	{ "trailing comma", "webmaster::.,\n", "users:1: empty target" },
	{ "catch-all with secret",
	    "webmaster::\n@example.com:" HASH ":webmaster\n",
	    "users:2: a catch-all cannot log in" },
	{ "catch-all without target", "@example.com::\n",
	    "users:1: a catch-all needs a target" },
	{ "duplicate", "webmaster::\nWebmaster::\n",
	    "users:2: address webmaster is already listed at line 1" },
	{ "percent hack target", "webmaster::u%x@example.net\n",
	    "is not an account, a Maildir or an address" },
	{ "hash cut short", "webmaster:$y$j9T:\n",
	    "users:1: secret is not a crypt(3) hash" },
	{ "hash missing its end", "webmaster:" HASH_CUT ":\n",
	    "users:1: secret is not a crypt(3) hash" },
	{ "locked hash cut short", "webmaster:!$y$j9T$abc:\n",
	    "users:1: secret is not a crypt(3) hash" },
	{ "md5crypt", "webmaster:$1$abcdefgh$abcdefghijklmnopqrstuv:\n",
	    "users:1: secret is not a crypt(3) hash" },
};

static void
test_bad_users_lines(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		test_mkdir();
		write_site(bad_cases[i].users);
		if (compile(TABLES_USERS) != 1 ||
		    strstr(errtext, bad_cases[i].expect) == NULL)
			fail_msg("%s: got '%s'", bad_cases[i].label, errtext);
		free(errtext);
		test_rmdir();
	}
}

static void
test_bad_domains_and_relay_lines(void **state)
{
	(void)state;
	test_mkdir();
	test_write("domains", "example.com\nnot a domain\n");
	test_write("relay", "10.0.0.0/8\n10.1.2.3/8\nlocalhost\n10.0.0.0/8\n");
	test_write("users", "webmaster::\n");
	assert_int_equal(compile(TABLES_ALL), 1);
	assert_non_null(strstr(errtext, "domains:2: 'not a domain' is not"));
	assert_non_null(strstr(errtext, "relay:2: '10.1.2.3/8': address has"));
	assert_non_null(strstr(errtext, "relay:3: 'localhost': not an IPv4"));
	assert_non_null(
	    strstr(errtext, "relay:4: range 10.0.0.0/8 is already"));
	free(errtext);
	test_rmdir();
}

static void
test_open_relay_ranges_refused(void **state)
{
	static const char *const open[] = { "0.0.0.0/0", "::/0", "0.0.0.0/7",
		"2000::/15", "128.0.0.0/1" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		test_mkdir();
		test_write("domains", "example.com\n");
		test_write("users", "webmaster::\npostmaster::webmaster\n");
		test_write("relay", "127.0.0.1\n");
		assert_int_equal(compile(TABLES_ALL), 0);
		free(errtext);
		test_write("relay", open[i]);
		if (compile(TABLES_ALL) != 1 ||
		    strstr(errtext, "relay:1: ") == NULL ||
		    strstr(errtext, "an open relay") == NULL)
			fail_msg("%s: got '%s'", open[i], errtext);
		free(errtext);
		test_rmdir();
	}
	test_mkdir(); /* exclusions and private /8s are fine */
	test_write("domains", "example.com\n");
	test_write("users", "webmaster::\npostmaster::webmaster\n");
	test_write("relay", "!0.0.0.0/0\n10.0.0.0/8\nfd00::/16\n");
	assert_int_equal(compile(TABLES_ALL), 0);
	free(errtext);
	test_rmdir();
}

static void
test_locked_without_password_and_known_hashes(void **state)
{
	struct db users;
	struct account a;

	(void)state;
	test_mkdir();
	/* $6$ from openssl passwd -6, $2b$ from python3-bcrypt: other tools */
	write_site(
	    "webmaster::\npostmaster::webmaster\nabuse::webmaster\n"
	    "gone:!:\n"
	    "sha:$6$EPkuw9a5QSmJB4Z1$luVIDvSr3S4YZr9Zbkiw6i9y2nzW5NjjioUUsXE"
	    "UXYFJsRK1HSNg7ghwJmNs4KXaBO.ZoiwonK1cAoSuFciDi1:\n"
	    "bf:$2b$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui:"
	    "\n");
	assert_int_equal(compile(TABLES_ALL), 0);
	free(errtext);
	open_db(&users, "users.cdb");
	assert_int_equal(users_find(&users, "gone", "", &a), 1);
	assert_string_equal(a.secret, "!");
	db_close(&users);
	test_rmdir();
}

static void
test_bare_postmaster_reaches_a_domain_postmaster(void **state)
{
	struct db users;
	struct account a;

	(void)state;
	test_mkdir();
	write_site("webmaster::\npostmaster@example.org::webmaster\n"
		   "abuse::webmaster\n");
	assert_int_equal(compile(TABLES_ALL), 0);
	assert_null(strstr(errtext, "Postmaster without a domain"));
	free(errtext);
	open_db(&users, "users.cdb");
	assert_int_equal(users_find(&users, "postmaster", "", &a), 1);
	assert_string_equal(a.targets, "postmaster@example.org");
	db_close(&users);
	test_rmdir();

	test_mkdir(); /* no postmaster anywhere: said plainly */
	write_site("webmaster::\n");
	assert_int_equal(compile(TABLES_ALL), 0);
	assert_non_null(strstr(errtext, "Postmaster without a domain"));
	free(errtext);
	test_rmdir();
}

/* senders: written by tables, read by users_may_send_as. */
static void
test_senders_written_and_read(void **state)
{
	struct addr a;
	struct db senders;
	const char *why;
	size_t i;
	static const struct {
		const char *key, *addr;
		int may;
	} cases[] = {
		{ "taro@example.com", "taro@isp.example", 1 },
		{ "taro@example.com", "Taro@ISP.example", 1 },
		{ "taro@example.com", "anyone@taro.example", 1 },
		{ "taro@example.com", "other@isp.example", 0 },
		{ "taro@example.com", "x@sub.taro.example", 0 },
		{ "hanako", "taro@isp.example", 0 },
		{ "webmaster", "web@isp.example", 1 },
	};

	(void)state;
	test_mkdir();
	write_site(good_users);
	test_write("senders",
	    "taro@example.com: taro@isp.example, "
	    "@Taro.Example\nwebmaster:web@isp.example\n");
	assert_int_equal(compile(TABLES_ALL), 0);
	free(errtext);
	open_db(&senders, "senders.cdb");
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(addr_parse(cases[i].addr, &a, &why), 0);
		if (users_may_send_as(&senders, cases[i].key, &a) !=
		    cases[i].may)
			fail_msg("%s as %s", cases[i].key, cases[i].addr);
	}
	assert_int_equal(users_may_send_as(NULL, "taro@example.com", &a), 0);
	db_close(&senders);
	/* without the file: an empty senders.cdb, nothing stale left */
	unlink_senders();
	assert_int_equal(compile(TABLES_ALL), 0);
	free(errtext);
	open_db(&senders, "senders.cdb");
	assert_int_equal(addr_parse("taro@isp.example", &a, &why), 0);
	assert_int_equal(
	    users_may_send_as(&senders, "taro@example.com", &a), 0);
	db_close(&senders);
	test_rmdir();
}

static void
test_errors_leave_old_databases(void **state)
{
	struct stat before, after;
	char path[512];

	(void)state;
	test_mkdir();
	write_site(good_users);
	assert_int_equal(compile(TABLES_ALL), 0);
	free(errtext);
	snprintf(path, sizeof(path), "%s/users.cdb", testdir);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(before.st_mode & 0777, 0640);
	test_write("users", "webmaster::\nbroken line\n");
	test_write("domains", "example.com\n");
	assert_int_equal(compile(TABLES_ALL), 1);
	free(errtext);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	snprintf(path, sizeof(path), "%s/users.cdb.tmp", testdir);
	assert_int_equal(access(path, F_OK), -1);
	test_rmdir();
}

static void
test_missing_postmaster_warns(void **state)
{
	(void)state;
	test_mkdir();
	write_site("webmaster::\nabuse@example.com::webmaster\n");
	assert_int_equal(compile(TABLES_ALL), 0);
	assert_non_null(strstr(errtext,
	    "users: warning: postmaster@example.com does not reach a mailbox"));
	assert_null(strstr(errtext, "abuse@example.com does not"));
	assert_non_null(strstr(errtext, "abuse@example.org does not"));
	free(errtext);
	test_rmdir();
}

/* A chain of hops alias hops, a0 -> a1 -> ... -> a<hops> (a Maildir),
 * written from the top down or from the bottom up. */
static void
chain_site(int hops, int bottom_up)
{
	char users[2048] = "webmaster::\n", line[64];
	int i, k;

	for (k = 0; k <= hops; k++) {
		i = bottom_up ? hops - k : k;
		if (i == hops)
			snprintf(line, sizeof(line), "a%d::\n", i);
		else
			snprintf(line, sizeof(line), "a%d::a%d\n", i, i + 1);
		strlcat(users, line, sizeof(users));
	}
	test_mkdir();
	write_site(users);
}

/* Delivery follows USERS_ALIAS_DEPTH hops: one more is refused here,
 * whichever way the file is written (delivery's side: test_deliver). */
static void
test_long_chain_refused(void **state)
{
	int bottom_up;

	(void)state;
	for (bottom_up = 0; bottom_up < 2; bottom_up++) {
		chain_site(USERS_ALIAS_DEPTH, bottom_up);
		assert_int_equal(compile(TABLES_USERS), 0);
		free(errtext);
		test_rmdir();
		chain_site(USERS_ALIAS_DEPTH + 1, bottom_up);
		assert_int_equal(compile(TABLES_USERS), 1);
		assert_non_null(strstr(errtext,
		    bottom_up ? "users:13: alias chain through a0 is longer "
				"than 10 hops\n"
			      : "users:2: alias chain through a0 is longer "
				"than 10 hops\n"));
		/* said once, though walked for each domain */
		assert_null(
		    strstr(strstr(errtext, "alias chain") + 1, "alias chain"));
		free(errtext);
		test_rmdir();
	}
}

/* Lists of 400: all three together are more than a message takes
 * (DELIVER_TARGETS_MAX); a list that names the same members twice is
 * not, as delivery counts each once. */
static void
test_too_wide_lists(void **state)
{
	static char users[60000];
	char *p = users;
	int l, i;

	(void)state;
	p += sprintf(p, "webmaster::\n");
	for (l = 0; l < 3; l++)
		for (i = 0; i < 400; i++)
			p += sprintf(p, "%c%d::\n", 'a' + l, i);
	for (l = 0; l < 4; l++) {
		p += sprintf(p, "list%c::", 'a' + l);
		for (i = 0; i < 400; i++) /* listd: lista's members again */
			p += sprintf(p, "%s%c%d", i ? "," : "",
			    'a' + (l == 3 ? 0 : l), i);
		p += sprintf(p, "\n");
	}
	sprintf(p, "twice::lista,listb,listd\nall::lista,listb,listc\n");
	test_mkdir();
	write_site(users);
	assert_int_equal(compile(TABLES_USERS), 1);
	assert_non_null(strstr(errtext,
	    "users:1207: all reaches more than 1000 mailboxes and addresses"));
	assert_null(strstr(errtext, "twice"));
	free(errtext);
	test_rmdir();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_site_compiles_and_looks_up),
		cmocka_unit_test(test_maildir_paths),
		cmocka_unit_test(test_relay_longest_match),
		cmocka_unit_test(test_bad_users_lines),
		cmocka_unit_test(test_bad_domains_and_relay_lines),
		cmocka_unit_test(test_open_relay_ranges_refused),
		cmocka_unit_test(test_locked_without_password_and_known_hashes),
		cmocka_unit_test(
		    test_bare_postmaster_reaches_a_domain_postmaster),
		cmocka_unit_test(test_errors_leave_old_databases),
		cmocka_unit_test(test_senders_written_and_read),
		cmocka_unit_test(test_missing_postmaster_warns),
		cmocka_unit_test(test_long_chain_refused),
		cmocka_unit_test(test_too_wide_lists),
	};

	return cmocka_run_group_tests_name("tables", tests, NULL, NULL);
}
