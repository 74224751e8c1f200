/*
 * Unit tests for lib/intake: DATA as smtp-in receives it, in pieces cut
 * anywhere, and the refusals the text itself earns: a bare LF, the size
 * limit, too many Received: fields, a Delivered-To: loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "intake.h"

static char *const locals[] = { "taro@example.com" };

/* Feeds text in pieces of step octets; the verdict, or 0 (r->code 0). */
static int
take(const char *text, size_t step, long long max, struct verdict *r)
{
	struct intake in;
	size_t len = strlen(text), off, n;
	int end = 0;

	intake_init(&in, "mail.example.com", max, locals, 1, NULL);
	for (off = 0; off < len && end == 0; off += n) {
		n = len - off < step ? len - off : step;
		end = intake_chunk(&in, NULL, text + off, n);
	}
	assert_int_equal(end, 1);
	assert_int_equal(off, len); /* the end is the end of the text */
	memset(r, 0, sizeof(*r));
	return intake_refused(&in, r);
}

static void
test_a_good_message_cut_anywhere(void **state)
{
	const char *msg = "Subject: hi\r\n\r\nbody\r\n..dot\r\n.\r\n";
	struct verdict r;
	size_t step;

	(void)state;
	for (step = 1; step <= strlen(msg); step++)
		assert_int_equal(take(msg, step, 1000, &r), 0);
}

static void
test_a_bare_lf_is_refused(void **state)
{
	struct verdict r;

	(void)state;
	assert_int_equal(
	    take("Subject: hi\n\r\nbody\r\n.\r\n", 3, 1000, &r), 1);
	assert_int_equal(r.code, 554);
	assert_string_equal(r.result, "refused-bare-lf");
	assert_non_null(strstr(r.text, "5.6.0 "));
}

static void
test_the_size_limit(void **state)
{
	const char *msg = "Subject: hi\r\n\r\n0123456789\r\n.\r\n";
	struct verdict r;

	(void)state;
	assert_int_equal(take(msg, 5, 20, &r), 1);
	assert_int_equal(r.code, 552);
	assert_string_equal(r.result, "refused-size");
	assert_int_equal(take(msg, 5, 1000, &r), 0);
}

/* A header of n Received: fields. */
static char *
received(int n, char *buf, size_t size)
{
	size_t used = 0;
	int i;

	for (i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, size - used,
		    "Received: from a by b; Mon, 30 Nov 2026 10:00:00 +0000\r\n");
	snprintf(buf + used, size - used, "\r\nbody\r\n.\r\n");
	return buf;
}

static void
test_too_many_hops(void **state)
{
	static char buf[INTAKE_HOPS_MAX * 80 + 100];
	struct verdict r;

	(void)state;
	assert_int_equal(
	    take(received(INTAKE_HOPS_MAX, buf, sizeof(buf)), 777, 1 << 20, &r),
	    0);
	assert_int_equal(take(received(INTAKE_HOPS_MAX + 1, buf, sizeof(buf)),
			     777, 1 << 20, &r),
	    1);
	assert_int_equal(r.code, 554);
	assert_string_equal(r.result, "refused-hops");
}

static void
test_a_delivered_to_loop(void **state)
{
	struct verdict r;

	(void)state;
	assert_int_equal(
	    take("Delivered-To: Taro@Example.COM\r\n\r\nx\r\n.\r\n", 4, 1000,
		&r),
	    1);
	assert_int_equal(r.code, 554);
	assert_string_equal(r.result, "refused-loop");
	assert_string_equal(
	    r.text, "5.4.6 Mail forwarding loop for Taro@Example.COM");
	/* in the body it is only text */
	assert_int_equal(take("Subject: x\r\n\r\nDelivered-To: taro@example.com"
			      "\r\n.\r\n",
			     4, 1000, &r),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_good_message_cut_anywhere),
		cmocka_unit_test(test_a_bare_lf_is_refused),
		cmocka_unit_test(test_the_size_limit),
		cmocka_unit_test(test_too_many_hops),
		cmocka_unit_test(test_a_delivered_to_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
