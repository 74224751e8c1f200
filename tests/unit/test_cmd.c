/* Unit tests for lib/cmd: command lines, MAIL parameters, finger queries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "cmd.h"

struct split_case {
	const char *label;
	const char *line;
	size_t len;		/* 0: strlen */
	const char *verb, *arg; /* verb NULL: refused */
};

static const struct split_case split_cases[] = {
	{ "verb and argument", "MAIL FROM:<a@b.c>\r\n", 0, "MAIL",
	    "FROM:<a@b.c>" },
	{ "verb alone", "QUIT\r\n", 0, "QUIT", "" },
	{ "LF only", "NOOP\n", 0, "NOOP", "" },
	{ "no line end", "RSET", 0, "RSET", "" },
	{ "two spaces", "HELO  x\r\n", 0, "HELO", " x" },
	{ "NUL inside", "NO\0OP\r\n", 7, NULL, NULL },
	{ "empty", "\r\n", 0, "", "" },
	{ "bare CR ends it", "NOOP\rRSET\r\n", 0, "NOOP", "" },
};

static void
test_split(void **state)
{
	char line[64], *verb, *arg;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		const struct split_case *c = &split_cases[i];

		len = c->len ? c->len : strlen(c->line);
		memcpy(line, c->line, len);
		line[len] = '\0';
		verb = cmd_split(line, len, &arg);
		if ((verb == NULL) != (c->verb == NULL) ||
		    (verb &&
			(strcmp(verb, c->verb) != 0 ||
			    strcmp(arg, c->arg) != 0)))
			fail_msg("%s: verb \"%s\" arg \"%s\"", c->label,
			    verb ? verb : "(null)", verb ? arg : "");
	}
}

struct param_case {
	const char *label;
	const char *params;
	int result;
	long long size;
};

static const struct param_case param_cases[] = {
	{ "none", "", CMD_PARAM_OK, -1 },
	{ "size", " SIZE=1000", CMD_PARAM_OK, 1000 },
	{ "all three", " size=5 BODY=8BITMIME AUTH=<>", CMD_PARAM_OK, 5 },
	{ "7bit", " BODY=7bit", CMD_PARAM_OK, -1 },
	{ "size not a number", " SIZE=lots", CMD_PARAM_BAD_SIZE, -1 },
	{ "size negative", " SIZE=-1", CMD_PARAM_BAD_SIZE, -1 },
	{ "size too big", " SIZE=99999999999999999999", CMD_PARAM_BAD_SIZE,
	    -1 },
	{ "unknown", " SMTPUTF8", CMD_PARAM_UNKNOWN, -1 },
	{ "binarymime", " BODY=BINARYMIME", CMD_PARAM_UNKNOWN, -1 },
};

static void
test_mail_params(void **state)
{
	char buf[64];
	long long size;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(param_cases) / sizeof(param_cases[0]); i++) {
		const struct param_case *c = &param_cases[i];

		strlcpy(buf, c->params, sizeof(buf));
		r = cmd_mail_params(buf, &size);
		if (r != c->result || (r == CMD_PARAM_OK && size != c->size))
			fail_msg("%s: %d size %lld", c->label, r, size);
	}
}

static void
test_finger_query(void **state)
{
	static const char *const cases[][2] = {
		{ "taro\r\n", "taro" },
		{ "/W taro\r\n", "taro" },
		{ "/w\ttaro extra\r\n", "taro" },
		{ "\r\n", "" },
		{ "/W\r\n", "" },
		{ "  hanako  \r\n", "hanako" },
		{ "/Wtaro\r\n", "/Wtaro" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strlcpy(buf, cases[i][0], sizeof(buf));
		assert_string_equal(cmd_finger_query(buf), cases[i][1]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_mail_params),
		cmocka_unit_test(test_finger_query),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
