/*
 * Unit tests for lib/trace: Received: fields counted and a Delivered-To:
 * naming one of the message's recipients found, in the header only,
 * whatever the cuts of the stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "trace.h"

static char *locals[] = { "taro@example.com", "hanako@example.com" };

struct want {
	int hops;
	const char *loop;
};

/* Feeds text whole, then cut at every point, then one octet at a time:
 * each way must give the same. */
static void
check(const char *label, const char *text, struct want w)
{
	size_t len = strlen(text), cut, i;
	struct trace t;

	for (cut = 0; cut <= len + 1; cut++) {
		trace_init(&t, locals, 2);
		if (cut <= len) {
			trace_feed(&t, text, cut);
			trace_feed(&t, text + cut, len - cut);
		} else {
			for (i = 0; i < len; i++)
				trace_feed(&t, text + i, 1);
		}
		if (t.hops != w.hops || strcmp(t.loop, w.loop) != 0)
			fail_msg("%s (cut %zu): hops %d loop \"%s\"", label,
			    cut, t.hops, t.loop);
	}
}

static void
test_header_only_any_cut(void **state)
{
	(void)state;
	check("no trace", "Subject: hi\n\nbody\n", (struct want) { 0, "" });
	check("two hops, any case",
	    "Received: from a\n\tby b\nRECEIVED: from c\nSubject: x\n\n",
	    (struct want) { 2, "" });
	check("the body does not count",
	    "Subject: x\n\nReceived: from a\nDelivered-To: taro@example.com\n",
	    (struct want) { 0, "" });
	check("a loop, blanks around",
	    "Delivered-To:  Taro@Example.COM \t\nSubject: x\n\n",
	    (struct want) { 0, "Taro@Example.COM" });
	check("another address is no loop",
	    "Delivered-To: jiro@example.com\nReceived: x\n\n",
	    (struct want) { 1, "" });
	check("a folded Received counts once",
	    "Received: from a\n Received: not a field\n\n",
	    (struct want) { 1, "" });
	check("no final empty line", "Received: a\nReceived: b",
	    (struct want) { 1, "" });
}

static void
test_a_long_line_is_judged_by_its_start(void **state)
{
	char text[4 * TRACE_LINE_MAX];
	struct trace t;

	(void)state;
	strlcpy(text, "Received: ", sizeof(text));
	memset(text + 10, 'x', 3 * TRACE_LINE_MAX);
	strlcpy(text + 10 + 3 * TRACE_LINE_MAX,
	    "\nDelivered-To: hanako@example.com\n\n",
	    sizeof(text) - 10 - 3 * TRACE_LINE_MAX);
	trace_init(&t, locals, 2);
	trace_feed(&t, text, strlen(text));
	assert_int_equal(t.hops, 1);
	assert_string_equal(t.loop, "hanako@example.com");
}

static void
test_the_received_field(void **state)
{
	struct trace_received r = { "pc.example.com", "192.0.2.7",
		"mail.example.com", "ABC123", 1, 1,
		"TLSv1.3 TLS_AES_256_GCM_SHA384", "taro",
		"friend@remote.example", 1795996800 };
	char buf[1024];

	(void)state;
	trace_received(&r, buf, sizeof(buf));
	assert_string_equal(buf,
	    "Received: from pc.example.com ([192.0.2.7])\n"
	    "\tby mail.example.com (yubin) with ESMTPSA (TLSv1.3 "
	    "TLS_AES_256_GCM_SHA384) id ABC123\n"
	    "\t(authenticated as taro)\n"
	    "\tfor <friend@remote.example>;\n"
	    "\tMon, 30 Nov 2026 00:00:00 +0000\n");
	/* HELO, no TLS, no AUTH, several recipients */
	r = (struct trace_received) { "x", "192.0.2.8", "mail.example.com",
		"DEF", 0, 0, "", "", "", 1795996800 };
	trace_received(&r, buf, sizeof(buf));
	assert_string_equal(buf,
	    "Received: from x ([192.0.2.8])\n"
	    "\tby mail.example.com (yubin) with SMTP id DEF;\n"
	    "\tMon, 30 Nov 2026 00:00:00 +0000\n");
}

static void
test_the_helo_as_received_carries_it(void **state)
{
	char helo[16];

	(void)state;
	trace_helo(helo, sizeof(helo), "client.example extra words");
	assert_string_equal(helo, "client.example");
	trace_helo(helo, sizeof(helo), "[192.0.2.1]");
	assert_string_equal(helo, "[192.0.2.1]");
	trace_helo(helo, sizeof(helo), "a(b)\r\n\tX:");
	assert_string_equal(helo, "a?b????X:");
	trace_helo(helo, sizeof(helo), "a-very-long-host.example");
	assert_string_equal(helo, "a-very-long-hos");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_received_field),
		cmocka_unit_test(test_the_helo_as_received_carries_it),
		cmocka_unit_test(test_header_only_any_cut),
		cmocka_unit_test(test_a_long_line_is_judged_by_its_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
