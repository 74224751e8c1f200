/*
 * Unit tests for lib/alias, the one walk through an account's targets,
 * over a store of a few accounts in memory: what each kind of target
 * leads to and in which order, the domain a local target is looked up
 * in (users_target_domain), a target that names no account, and the
 * USERS_ALIAS_DEPTH limit both ways it can be met: deep in one walk,
 * and from the height of what an earlier walk remembered. The two real
 * stores are tested through their users: test_deliver (users.cdb) and
 * test_tables (the users file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alias.h"

struct stored {
	const char *key, *name, *domain, *targets;
	int height; /* remembered by enter, once walked; -1 before */
};

static struct stored store[32];
static size_t nstore;
static char events[2048];
static int remember; /* enter remembers heights, as cdbmake-users does */

static void
put(const char *key, const char *targets)
{
	const char *at = strchr(key, '@');
	static char names[32][64];

	snprintf(names[nstore], sizeof(names[nstore]), "%.*s",
	    at ? (int)(at - key) : (int)strlen(key), key);
	store[nstore] = (struct stored) { key, names[nstore], at ? at + 1 : "",
		targets, -1 };
	nstore++;
}

static void
note(const char *fmt, const char *what)
{
	char line[256];

	snprintf(line, sizeof(line), fmt, what);
	strlcat(events, line, sizeof(events));
}

static int
find(void *arg, const char *name, const char *domain, struct account *space,
    struct alias_account *out)
{
	char key[300];
	size_t i, pass;

	(void)arg;
	(void)space;
	for (pass = 0; pass < 2; pass++) {
		snprintf(key, sizeof(key), "%s%s%s", name,
		    pass == 0 && domain[0] ? "@" : "", pass == 0 ? domain : "");
		for (i = 0; i < nstore; i++)
			if (strcmp(store[i].key, key) == 0) {
				*out = (struct alias_account) { store[i].key,
					store[i].name, store[i].domain,
					store[i].targets, &store[i], NULL };
				return 1;
			}
	}
	return 0;
}

static int
local_domain(void *arg, const char *domain)
{
	(void)arg;
	return strcmp(domain, "example.com") == 0 ||
	    strcmp(domain, "example.org") == 0;
}

static enum alias_enter
enter(void *arg, const struct alias_account *a, const char *ctx, int depth,
    int *height)
{
	const struct stored *s = a->entry;

	(void)arg;
	(void)ctx;
	(void)depth;
	if (!remember || s->height < 0)
		return ALIAS_ENTER_WALK;
	*height = s->height;
	return ALIAS_ENTER_KNOWN;
}

static void
leave(void *arg, const struct alias_account *a, const char *ctx, int height)
{
	struct stored *s = (struct stored *)a->entry;

	(void)arg;
	(void)ctx;
	s->height = height;
}

static int
own(void *arg, const struct alias_account *a)
{
	(void)arg;
	note("own %s; ", a->key);
	return 0;
}

static int
maildir(void *arg, const char *path)
{
	(void)arg;
	note("maildir %s; ", path);
	return 0;
}

static int
forward(void *arg, const char *address)
{
	(void)arg;
	note("forward %s; ", address);
	return 0;
}

static int
missing(void *arg, const struct alias_account *from, const char *target,
    const char *domain)
{
	(void)arg;
	(void)from;
	note("missing %s", target);
	note(" in %s; ", domain);
	return ALIAS_WRONG;
}

static int
too_long(void *arg, const struct alias_account *a, int deep)
{
	(void)arg;
	note(deep ? "too deep at %s; " : "too high at %s; ", a->key);
	return ALIAS_WRONG;
}

static const struct alias_visit visit = { find, local_domain, enter, leave, own,
	maildir, forward, missing, too_long, NULL };

/* Walks key from domain ctx: its height; what was met in events. */
static int
walk(const char *key, const char *ctx)
{
	struct alias_account a;
	const char *at = strchr(key, '@');
	char name[64];

	snprintf(name, sizeof(name), "%.*s",
	    at ? (int)(at - key) : (int)strlen(key), key);
	events[0] = '\0';
	assert_int_equal(find(NULL, name, at ? at + 1 : "", NULL, &a), 1);
	return alias_walk(&visit, &a, ctx, 0);
}

static int
setup(void **state)
{
	(void)state;
	nstore = 0;
	remember = 0;
	put("taro", "");
	put("hanako@example.org", ".");
	put("sales@example.com", "");
	put("sales@example.org", "/srv/sales/");
	put("info", "sales");
	put("family", "taro,hanako@example.org,/srv/x/,friend@example.net,.");
	put("lost", "taro,nobody");
	return 0;
}

static void
test_each_kind_of_target_in_order(void **state)
{
	(void)state;
	assert_int_equal(walk("family", "example.com"), 1);
	assert_string_equal(events,
	    "own taro; own hanako@example.org; maildir /srv/x/; "
	    "forward friend@example.net; own family; ");
}

/* An all-domains alias finds the account of the domain mail is for. */
static void
test_the_context_decides(void **state)
{
	(void)state;
	assert_int_equal(walk("info", "example.com"), 1);
	assert_string_equal(events, "own sales@example.com; ");
	assert_int_equal(walk("info", "example.org"), 1);
	assert_string_equal(events, "maildir /srv/sales/; ");
	assert_int_equal(walk("info", ""), ALIAS_WRONG);
	assert_string_equal(events, "missing sales in ; ");
}

static void
test_a_target_that_names_no_account(void **state)
{
	(void)state;
	assert_int_equal(walk("lost", "example.com"), ALIAS_WRONG);
	assert_string_equal(
	    events, "own taro; missing nobody in example.com; ");
}

/* c0 -> c1 -> ... -> c<hops>, the last with a Maildir of its own. */
static void
chain(int hops)
{
	static char keys[16][8], targets[16][8];
	int i;

	for (i = 0; i <= hops; i++) {
		snprintf(keys[i], sizeof(keys[i]), "c%d", i);
		snprintf(targets[i], sizeof(targets[i]), "c%d", i + 1);
		put(keys[i], i == hops ? "" : targets[i]);
	}
}

static void
test_ten_hops_and_no_more(void **state)
{
	(void)state;
	chain(USERS_ALIAS_DEPTH);
	assert_int_equal(walk("c0", ""), USERS_ALIAS_DEPTH);
	assert_string_equal(events, "own c10; ");
	setup(NULL);
	chain(USERS_ALIAS_DEPTH + 1);
	assert_int_equal(walk("c0", ""), ALIAS_WRONG);
	assert_string_equal(events, "too deep at c11; ");
}

/* Walked from the bottom first, the top is one hop deep but too high. */
static void
test_too_high_from_what_was_remembered(void **state)
{
	char key[8];
	int i;

	(void)state;
	remember = 1;
	chain(USERS_ALIAS_DEPTH + 1);
	for (i = USERS_ALIAS_DEPTH; i > 0; i--) {
		snprintf(key, sizeof(key), "c%d", i);
		assert_int_equal(walk(key, ""), USERS_ALIAS_DEPTH + 1 - i);
	}
	assert_int_equal(walk("c0", ""), ALIAS_WRONG);
	assert_string_equal(events, "too high at c0; ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(
		    test_each_kind_of_target_in_order, setup),
		cmocka_unit_test_setup(test_the_context_decides, setup),
		cmocka_unit_test_setup(
		    test_a_target_that_names_no_account, setup),
		cmocka_unit_test_setup(test_ten_hops_and_no_more, setup),
		cmocka_unit_test_setup(
		    test_too_high_from_what_was_remembered, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
