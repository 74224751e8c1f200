/* Unit tests for lib/sasl: base64 and RFC 4616 PLAIN messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "sasl.h"

struct plain_case {
	const char *label;
	const char *msg;
	size_t len;
	int ok;
	const char *user, *pass;
};

static const struct plain_case plain_cases[] = {
	{ "no authzid", "\0taro\0pw", 8, 1, "taro", "pw" },
	{ "same authzid", "taro\0taro\0pw", 12, 1, "taro", "pw" },
	{ "other authzid", "root\0taro\0pw", 12, 0, NULL, NULL },
	{ "empty password", "\0taro\0", 6, 0, NULL, NULL },
	{ "empty user", "\0\0pw", 4, 0, NULL, NULL },
	{ "one NUL only", "\0taropw", 7, 0, NULL, NULL },
	{ "NUL in password", "\0taro\0p\0w", 9, 0, NULL, NULL },
};

static void
test_plain_split(void **state)
{
	char user[16], pass[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(plain_cases) / sizeof(plain_cases[0]); i++) {
		const struct plain_case *c = &plain_cases[i];
		int r = sasl_plain_split(
		    c->msg, c->len, user, sizeof(user), pass, sizeof(pass));

		if ((r == 0) != c->ok)
			fail_msg("%s: returned %d", c->label, r);
		if (c->ok &&
		    (strcmp(user, c->user) != 0 || strcmp(pass, c->pass) != 0))
			fail_msg("%s: wrong split", c->label);
	}
	assert_int_equal(sasl_plain_split("\0averylongusername\0pw", 21, user,
			     sizeof(user), pass, sizeof(pass)),
	    -1);
}

static void
test_base64(void **state)
{
	char out[64], enc[64];
	size_t len;

	(void)state;
	assert_int_equal(
	    sasl_b64_decode("AHRhcm8AcHc=", out, sizeof(out), &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(out, "\0taro\0pw", 8);
	assert_int_equal(
	    sasl_b64_decode("not base64!", out, sizeof(out), &len), -1);
	assert_int_equal(sasl_b64_decode("QUJDRA==", out, 3, &len), -1);
	assert_int_equal(sasl_b64_encode("Username:", 9, enc, sizeof(enc)), 0);
	assert_string_equal(enc, "VXNlcm5hbWU6");
}

static void
test_plain_response(void **state)
{
	char user[64], pass[64];

	(void)state;
	/* "\0taro\0secret" and "taro\0taro\0secret" */
	assert_int_equal(sasl_plain_response("AHRhcm8Ac2VjcmV0", user,
			     sizeof(user), pass, sizeof(pass)),
	    0);
	assert_string_equal(user, "taro");
	assert_string_equal(pass, "secret");
	assert_int_equal(sasl_plain_response("dGFybwB0YXJvAHNlY3JldA==", user,
			     sizeof(user), pass, sizeof(pass)),
	    0);
	/* "=" is an empty response: no user, refused */
	assert_int_equal(
	    sasl_plain_response("=", user, sizeof(user), pass, sizeof(pass)),
	    -1);
	assert_int_equal(sasl_plain_response("not base64!", user, sizeof(user),
			     pass, sizeof(pass)),
	    -1);
	/* "jiro\0taro\0x": acting for someone else is refused */
	assert_int_equal(sasl_plain_response("amlybwB0YXJvAHg=", user,
			     sizeof(user), pass, sizeof(pass)),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_response),
		cmocka_unit_test(test_plain_split),
		cmocka_unit_test(test_base64),
	};

	return cmocka_run_group_tests_name("sasl", tests, NULL, NULL);
}
