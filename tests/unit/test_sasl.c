/* Unit tests for lib/sasl: base64 and RFC 4616 PLAIN messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
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

/* One exchange: the client's lines are written first (they wait in the
 * socket), then what the server said is read back. */
struct exchange {
	const char *label, *mech, *initial, *client;
	int login, hang_up;
	enum sasl_result want;
	const char *user, *pass, *said;
};

static void
run_exchange(const struct exchange *e)
{
	char initial[256], user[64] = "", pass[64] = "", said[256] = "";
	struct buf io;
	struct sasl_server x = { &io, 2, "334 ", e->login };
	enum sasl_result r;
	ssize_t n;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	buf_init(&io, sv[0], sv[0], 2);
	assert_int_equal(write(sv[1], e->client, strlen(e->client)),
	    (ssize_t)strlen(e->client));
	if (e->hang_up)
		shutdown(sv[1], SHUT_WR);
	strlcpy(initial, e->initial, sizeof(initial));
	r = sasl_server_exchange(
	    &x, e->mech, initial, user, sizeof(user), pass, sizeof(pass));
	buf_flush(&io);
	close(sv[0]);
	n = read(sv[1], said, sizeof(said) - 1);
	said[n > 0 ? n : 0] = '\0';
	close(sv[1]);
	if (r != e->want || strcmp(said, e->said) != 0 ||
	    (r == SASL_OK &&
		(strcmp(user, e->user) != 0 || strcmp(pass, e->pass) != 0)))
		fail_msg("%s: result %d, said \"%s\", user \"%s\"", e->label,
		    (int)r, said, user);
	/* the initial response held a password: scrubbed */
	if (strcasecmp(e->mech, "PLAIN") == 0)
		assert_int_equal(initial[0], '\0');
}

static void
test_server_exchange(void **state)
{
	/* "\0taro\0secret" and LOGIN's "taro", "secret" */
	static const struct exchange cases[] = {
		{ "PLAIN, initial response", "PLAIN", "AHRhcm8Ac2VjcmV0", "", 0,
		    0, SASL_OK, "taro", "secret", "" },
		{ "PLAIN after a challenge", "plain", "",
		    "AHRhcm8Ac2VjcmV0\r\n", 0, 0, SASL_OK, "taro", "secret",
		    "334 \r\n" },
		{ "PLAIN cancelled", "PLAIN", "", "*\r\n", 0, 0, SASL_CANCELLED,
		    NULL, NULL, "334 \r\n" },
		{ "PLAIN not base64", "PLAIN", "!!!", "", 0, 0, SASL_MALFORMED,
		    NULL, NULL, "" },
		{ "PLAIN, client gone", "PLAIN", "", "", 0, 1, SASL_GONE, NULL,
		    NULL, "334 \r\n" },
		{ "LOGIN, two challenges", "LOGIN", "",
		    "dGFybw==\r\nc2VjcmV0\r\n", 1, 0, SASL_OK, "taro", "secret",
		    "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n" },
		{ "LOGIN, the name at once", "LOGIN",
		    "dGFybw==", "c2VjcmV0\r\n", 1, 0, SASL_OK, "taro", "secret",
		    "334 UGFzc3dvcmQ6\r\n" },
		{ "LOGIN, an empty name", "LOGIN", "", "=\r\n", 1, 0,
		    SASL_MALFORMED, NULL, NULL, "334 VXNlcm5hbWU6\r\n" },
		{ "LOGIN not offered (POP3)", "LOGIN", "", "", 0, 0,
		    SASL_UNKNOWN, NULL, NULL, "" },
		{ "an unknown mechanism", "CRAM-MD5", "", "", 1, 0,
		    SASL_UNKNOWN, NULL, NULL, "" },
	};
	size_t i;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_exchange(&cases[i]);
}

static void
test_server_answer_too_long(void **state)
{
	static char client[SASL_B64_MAX + 64];
	const struct exchange e = { "a long answer", "PLAIN", "", client, 0, 0,
		SASL_LONG, NULL, NULL, "334 \r\n" };

	(void)state;
	memset(client, 'A', sizeof(client) - 3);
	strlcpy(client + sizeof(client) - 3, "\r\n", 3);
	run_exchange(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_response),
		cmocka_unit_test(test_plain_split),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_server_exchange),
		cmocka_unit_test(test_server_answer_too_long),
	};

	return cmocka_run_group_tests_name("sasl", tests, NULL, NULL);
}
