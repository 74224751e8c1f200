/*
 * Unit tests for lib/dkimverify against a real resolver: keys made by
 * lib/dkimkey, their records served by dnsmasq on loopback, messages
 * signed by lib/dkimsign (dkimpy checks that signer end to end). A
 * message fed in small pieces verifies; a changed body fails; an
 * unsigned one has no result; a key that is not published is a
 * permanent error, never a pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "dkimsign.h"
#include "dkimverify.h"
#include "dnsmasq.h"
#include "testutil.h"
#include "dkimdns.h"

static char servers[64];
static const char message[] =
    "From: Taro <taro@example.net>\nTo: friend@example.org\n"
    "Subject: lunch\nMessage-ID: <m1@example.net>\n\n"
    "Shall we have lunch on Friday?\n.dotted line\n\n";

/* Keys for selectors "sel" (rsa and ed25519, published) and "gone"
 * (rsa, not published). */
static int
start(void **state)
{
	static char o1[TEST_DKIM_OPTION_MAX], o2[TEST_DKIM_OPTION_MAX];
	const char *records[] = { "--local=/example.net/", o1, o2,
		"--host-record=ready.example.net,127.0.0.9", NULL };

	(void)state;
	test_mkdir();
	test_dkim_key("example.net", "sel", "rsa", o1);
	test_dkim_key("example.net", "sel", "ed25519", o2);
	test_dkim_key("example.net", "gone", "rsa", NULL);
	return test_dnsmasq_start(
	    records, "ready.example.net", servers, sizeof(servers));
}

/* The message signed with selector sel, its fields in front. */
static char *
signed_as(const char *selector, const char *text)
{
	char why[256], *head, *out;

	assert_int_equal(dkimsign(testdir, selector, "example.net", text,
			     strlen(text), &head, why, sizeof(why)),
	    1);
	assert_non_null(out = malloc(strlen(head) + strlen(text) + 1));
	strcpy(out, head);
	strcat(out, text);
	free(head);
	return out;
}

static void
verify(const char *text, size_t piece, struct dkimverify_result *r)
{
	struct dkimverify *v = dkimverify_start(servers, 5000, "test");
	size_t len = strlen(text), at;

	assert_non_null(v);
	for (at = 0; at < len; at += piece)
		dkimverify_feed(
		    v, text + at, len - at < piece ? len - at : piece);
	dkimverify_finish(v, r);
}

static void
test_a_signed_message_passes_fed_in_pieces(void **state)
{
	struct dkimverify_result r;
	char *text = signed_as("sel", message);
	size_t i;

	(void)state;
	verify(text, 7, &r);
	free(text);
	/* rsa-sha256 and ed25519-sha256 (RFC 8463), both published */
	assert_int_equal(r.n, 2);
	for (i = 0; i < r.n; i++) {
		assert_string_equal(r.sig[i].result, "pass");
		assert_string_equal(r.sig[i].domain, "example.net");
		assert_int_equal(strlen(r.sig[i].b), 8);
	}
	assert_string_not_equal(r.sig[0].selector, r.sig[1].selector);
	for (i = 0; i < r.n; i++)
		assert_true(strcmp(r.sig[i].selector, "sel-rsa") == 0 ||
		    strcmp(r.sig[i].selector, "sel-ed25519") == 0);
}

static void
test_a_changed_body_fails(void **state)
{
	struct dkimverify_result r;
	char *text = signed_as("sel", message), *p;
	size_t i;

	(void)state;
	assert_non_null(p = strstr(text, "Friday"));
	memcpy(p, "Monday", 6);
	verify(text, 4096, &r);
	free(text);
	assert_int_equal(r.n, 2);
	for (i = 0; i < r.n; i++)
		assert_string_equal(r.sig[i].result, "fail");
}

static void
test_unsigned_and_unpublished(void **state)
{
	struct dkimverify_result r;
	char *text;

	(void)state;
	verify(message, 4096, &r);
	assert_int_equal(r.n, 0); /* dkim=none */
	text = signed_as("gone", message);
	verify(text, 4096, &r);
	free(text);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.sig[0].result, "permerror");
	assert_string_equal(r.sig[0].selector, "gone-rsa");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_signed_message_passes_fed_in_pieces),
		cmocka_unit_test(test_a_changed_body_fails),
		cmocka_unit_test(test_unsigned_and_unpublished),
	};
	return cmocka_run_group_tests_name(
	    "dkimverify", tests, start, test_dkim_stop);
}
