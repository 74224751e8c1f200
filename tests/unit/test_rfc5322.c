/*
 * Unit tests for lib/rfc5322: finding one header field of a stored
 * message, and the single author address of a From: value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "rfc5322.h"

static int
field(const char *text, const char *name, char *out, size_t size)
{
	return rfc5322_field(text, strlen(text), name, out, size);
}

static void
test_field(void **state)
{
	char v[64];

	(void)state;
	assert_int_equal(field("Subject: hi\nFrom: a@b\n\nFrom: x@y\n", "from",
			     v, sizeof(v)),
	    1);
	assert_string_equal(v, " a@b"); /* a From: in the body is not one */
	assert_int_equal(field("FROM : a@b\n\tc\n", "from", v, sizeof(v)), 1);
	assert_string_equal(v, " a@b\tc"); /* unfolded, case-insensitive */
	assert_int_equal(field("From: a@b\nFrom: c@d\n", "from", v, sizeof(v)),
	    -1); /* two: nobody can say which one counts */
	assert_int_equal(field("From-X: a@b\n", "from", v, sizeof(v)), 0);
	assert_int_equal(field("Subject: x\n", "from", v, sizeof(v)), 0);
	assert_int_equal(field("From: 0123456789\n", "from", v, 8), -1);
	assert_int_equal(field("From: a@b", "from", v, sizeof(v)), 1);
	assert_string_equal(v, " a@b"); /* no final LF */
}

static void
test_mailbox(void **state)
{
	static const struct {
		const char *value, *addr; /* NULL: refused */
	} cases[] = {
		{ " Taro <taro@example.org>", "taro@example.org" },
		{ " taro@example.org", "taro@example.org" },
		{ " taro@example.org (Taro Yamada)", "taro@example.org" },
		{ " \"Yamada, Taro\" <taro@example.org>", "taro@example.org" },
		{ " \"a <b@c>\" <taro@example.org>", "taro@example.org" },
		{ " (x@evil) <taro@example.org> (y)", "taro@example.org" },
		{ " <\"odd name\"@example.org>", "\"odd name\"@example.org" },
		{ " a@example.org, b@example.org", NULL },
		{ " Friends: a@example.org;", NULL },
		{ " <a@example.org> <b@example.org>", NULL },
		{ " <a@example.org> b@example.org", NULL },
		{ " Taro <taro@example.org", NULL },
		{ " no address", NULL },
		{ " <@example.org>", NULL },
		{ " (unclosed <a@b>", NULL },
		{ "", NULL },
	};
	char addr[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = rfc5322_mailbox(cases[i].value, addr, sizeof(addr));

		if (cases[i].addr == NULL) {
			if (r != -1)
				fail_msg(
				    "%s: accepted as %s", cases[i].value, addr);
			continue;
		}
		if (r != 0)
			fail_msg("%s: refused", cases[i].value);
		assert_string_equal(addr, cases[i].addr);
	}
	assert_int_equal(rfc5322_mailbox(" a@example.org", addr, 8), -1);
}

/* Collects what rfc5322_addresses gives, joined by " | ". */
static void
collect(const char *addr, void *ctx)
{
	char *out = ctx;

	if (out[0] != '\0')
		strlcat(out, " | ", 512);
	strlcat(out, addr, 512);
}

static void
test_address_list(void **state)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{ "taro@example.com", "taro@example.com" },
		{ "a@x.example, b@y.example", "a@x.example | b@y.example" },
		{ "Taro <taro@example.com>, \"Doe, Jane\" <jane@x.example>",
		    "taro@example.com | jane@x.example" },
		{ "taro@example.com (Taro, at work), jiro@example.com",
		    "taro@example.com | jiro@example.com" },
		{ "friends: a@x.example, b@x.example;, c@x.example",
		    "a@x.example | b@x.example | c@x.example" },
		{ "undisclosed-recipients:;", "" },
		{ "  ,, ", "" },
		{ "\"a\\\"b\" <q@x.example>", "q@x.example" },
		{ "bare", "bare" },
	};
	char out[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out[0] = '\0';
		rfc5322_addresses(cases[i].value, collect, out);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s: got \"%s\"", cases[i].value, out);
	}
}

static void
test_display_name(void **state)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{ "Taro Yamada", "\"Taro Yamada\"" },
		{ "a \"quoted\" \\ name", "\"a \\\"quoted\\\" \\\\ name\"" },
		{ "Evil\r\nBcc: x@y", "\"Evil  Bcc: x@y\"" },
		{ "\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e",
		    "=?UTF-8?B?5bGx55SwIOWkqumDjg==?=" },
		/* twenty 3-octet characters: 45 octets a word, none cut */
		{ "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
		  "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
		  "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
		  "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
		  "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82",
		    "=?UTF-8?B?44GC44GC44GC44GC44GC44GC44GC44GC44GC44GC44GC44GC"
		    "44GC44GC44GC?=\n =?UTF-8?B?44GC44GC44GC44GC44GC?=" },
	};
	char out[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rfc5322_display_name(cases[i].name, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: got %s", i, out);
	}
}

/* Collects what the scan hands over, joined by '|'. */
static void
collect_value(char *value, void *ctx)
{
	strlcat(ctx, value, 512);
	strlcat(ctx, "|", 512);
}

static void
test_header_scan_for_a_submission(void **state)
{
	char text[] = "From: Taro <taro@example.com>\nTo: a@example.com,\n"
		      "\tb@example.com\nBcc: secret@example.net\n"
		      "Subject: hi\n\nBcc: in the body stays\n";
	char got[512] = "";
	size_t len = strlen(text);
	struct rfc5322_seen seen;
	long n;

	(void)state;
	n = rfc5322_header_scan(text, &len, &seen, collect_value, got);
	assert_string_equal(text,
	    "From: Taro <taro@example.com>\nTo: a@example.com,\n"
	    "\tb@example.com\nSubject: hi\n\nBcc: in the body stays\n");
	assert_int_equal(len, strlen(text));
	assert_int_equal(n, (long)(strstr(text, "\n\n") + 1 - text));
	/* unfolded values, Bcc's too (sendmail -t) */
	assert_string_equal(
	    got, " a@example.com, \tb@example.com | secret@example.net |");
	assert_int_equal(seen.from, 1);
	assert_int_equal(seen.date, 0);
	assert_int_equal(seen.msgid, 0);
}

static void
test_header_scan_without_a_header(void **state)
{
	char body[] = "just some text\nno fields\n", blank[] = "\nbody\n";
	char date[] = "DATE: x\nmessage-id: <1@x>\n\n";
	size_t len = strlen(body);
	struct rfc5322_seen seen;

	(void)state;
	assert_int_equal(rfc5322_header_scan(body, &len, &seen, NULL, NULL), 0);
	assert_int_equal(len, strlen("just some text\nno fields\n"));
	len = strlen(blank);
	assert_int_equal(
	    rfc5322_header_scan(blank, &len, &seen, NULL, NULL), 0);
	/* names in any case; no -t: nothing handed over */
	len = strlen(date);
	assert_int_equal(
	    rfc5322_header_scan(date, &len, &seen, NULL, NULL), 26);
	assert_int_equal(seen.date, 1);
	assert_int_equal(seen.msgid, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_scan_for_a_submission),
		cmocka_unit_test(test_header_scan_without_a_header),
		cmocka_unit_test(test_address_list),
		cmocka_unit_test(test_display_name),
		cmocka_unit_test(test_field),
		cmocka_unit_test(test_mailbox),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
