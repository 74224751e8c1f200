/*
 * Unit tests for lib/authres: forged Authentication-Results: fields of
 * ours are taken out, whole, however the text is cut (whole, at every
 * point, one octet at a time), and nothing else is touched; and the
 * field we write. Also lib/dmarc's organizational domains (libpsl).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "dmarc.h"

#define US "mx.example.org"

struct strip_case {
	const char *label;
	const char *in;
	const char *out;
	size_t removed;
};

static const struct strip_case cases[] = {
	{ "nothing to take", "Subject: hi\n\nbody\n", "Subject: hi\n\nbody\n",
	    0 },
	{ "ours, one line",
	    "Authentication-Results: mx.example.org; spf=pass\nSubject: x\n\n"
	    "b\n",
	    "Subject: x\n\nb\n", 1 },
	{ "ours, folded, other case",
	    "X: 1\nauthentication-results:\n (c) MX.Example.ORG;\n dkim=pass\n"
	    "Y: 2\n\nb\n",
	    "X: 1\nY: 2\n\nb\n", 1 },
	{ "quoted id", "Authentication-Results: \"mx.example.org\"; none\n\n",
	    "\n", 1 },
	{ "another host's kept",
	    "Authentication-Results: mx.other.example; spf=pass\n\nb\n",
	    "Authentication-Results: mx.other.example; spf=pass\n\nb\n", 0 },
	{ "ours as a prefix is not ours",
	    "Authentication-Results: mx.example.org.evil; spf=pass\n\n",
	    "Authentication-Results: mx.example.org.evil; spf=pass\n\n", 0 },
	{ "a look-alike field name",
	    "Authentication-Results-X: mx.example.org\n\n",
	    "Authentication-Results-X: mx.example.org\n\n", 0 },
	{ "in the body it stays",
	    "S: 1\n\nAuthentication-Results: mx.example.org; spf=pass\n",
	    "S: 1\n\nAuthentication-Results: mx.example.org; spf=pass\n", 0 },
	{ "last field of a header without body",
	    "S: 1\nAuthentication-Results: mx.example.org; x=y\n", "S: 1\n",
	    1 },
	{ "id ends the field", "Authentication-Results: mx.example.org\n\n",
	    "\n", 1 },
	{ "ours, blanks before the colon (RFC 5322 4.5, obsolete)",
	    "Authentication-Results \t : mx.example.org; spf=pass\n\nb\n",
	    "\nb\n", 1 },
	{ "another host's, blanks before the colon",
	    "Authentication-Results : o.example; spf=pass\n\n",
	    "Authentication-Results : o.example; spf=pass\n\n", 0 },
	{ "a blank inside the name is another name",
	    "Authentication -Results: mx.example.org\n\n",
	    "Authentication -Results: mx.example.org\n\n", 0 },
	{ "two of ours, one other",
	    "Authentication-Results: mx.example.org; a=b\n"
	    "Authentication-Results: o.example; a=b\n"
	    "Authentication-Results: mx.example.org; c=d\n\n",
	    "Authentication-Results: o.example; a=b\n\n", 2 },
};

/* Runs the strip over in, cut into pieces of at most step octets. */
static char *
strip_in_steps(const char *in, size_t step, size_t first, size_t *removed)
{
	struct authres_strip *st = malloc(sizeof(*st));
	size_t len = strlen(in), off = 0, n = 0, piece;
	char *out = malloc(len + 1 + AUTHRES_HOLD_MAX * 2);

	assert_non_null(st);
	assert_non_null(out);
	authres_strip_init(st, US);
	while (off < len) {
		piece = off == 0 && first > 0 ? first : step;
		if (piece > len - off)
			piece = len - off;
		n += authres_strip(st, in + off, piece, out + n);
		off += piece;
	}
	n += authres_strip_end(st, out + n);
	out[n] = '\0';
	*removed = st->removed;
	free(st);
	return out;
}

static void
test_strip_every_cut(void **state)
{
	size_t i, cut, removed;
	char *out;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].in);

		for (cut = 0; cut <= len; cut++) {
			out = strip_in_steps(cases[i].in, len, cut, &removed);
			if (strcmp(out, cases[i].out) != 0)
				fail_msg("%s (cut at %zu): got \"%s\"",
				    cases[i].label, cut, out);
			assert_int_equal(removed, cases[i].removed);
			free(out);
		}
		out = strip_in_steps(cases[i].in, 1, 0, &removed);
		assert_string_equal(out, cases[i].out);
		free(out);
	}
}

/* A field too long to look into: ours unless a foreign id shows first. */
static void
test_strip_overlong(void **state)
{
	size_t fill = AUTHRES_HOLD_MAX + 100, removed;
	char *in = malloc(fill + 200), *out;
	size_t n;

	(void)state;
	assert_non_null(in);
	n = (size_t)sprintf(in, "Authentication-Results: (");
	memset(in + n, 'c', fill);
	strcpy(in + n + fill, ") mx.example.org; spf=pass\nS: 1\n\nb\n");
	out = strip_in_steps(in, 4096, 0, &removed);
	assert_string_equal(out, "S: 1\n\nb\n");
	assert_int_equal(removed, 1);
	free(out);
	n = (size_t)sprintf(in, "Authentication-Results: o.example; x=");
	memset(in + n, 'v', fill);
	strcpy(in + n + fill, "\n\nb\n");
	out = strip_in_steps(in, 4096, 0, &removed);
	assert_string_equal(out, in);
	assert_int_equal(removed, 0);
	free(out);
	/* more blanks before the colon than can be held: taken out */
	n = (size_t)sprintf(in, "Authentication-Results");
	memset(in + n, ' ', fill);
	strcpy(in + n + fill, ": mx.example.org; spf=pass\nS: 1\n\nb\n");
	out = strip_in_steps(in, 4096, 0, &removed);
	assert_string_equal(out, "S: 1\n\nb\n");
	assert_int_equal(removed, 1);
	free(out);
	free(in);
}

static void
test_format(void **state)
{
	struct dkimverify_result dkim = { 2,
		{ { "pass", "example.net", "s1", "abcd/EF+", "" },
		    { "fail", "example.com", "s2", "zzzz", "bad (sig)" } } };
	struct dmarc_verdict dmarc = { "fail", 'q', 'r', "" };
	struct authres ar = { US, "softfail", "smtp.mailfrom", "a@example.com",
		&dkim, &dmarc, "example.com" };
	char buf[1024];

	(void)state;
	assert_int_equal(authres_format(&ar, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "Authentication-Results: mx.example.org;\n"
	    "\tspf=softfail smtp.mailfrom=a@example.com;\n"
	    "\tdkim=pass header.d=example.net header.s=s1 "
	    "header.b=\"abcd/EF+\";\n"
	    "\tdkim=fail (bad  sig ) header.d=example.com header.s=s2 "
	    "header.b=\"zzzz\";\n"
	    "\tdmarc=fail (p=reject dis=quarantine) header.from=example.com\n");
	dkim.n = 0;
	ar.dmarc = NULL;
	assert_int_equal(authres_format(&ar, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "Authentication-Results: mx.example.org;\n"
	    "\tspf=softfail smtp.mailfrom=a@example.com;\n\tdkim=none\n");
	assert_int_equal(authres_format(&ar, buf, 40), -1);
}

static void
test_org_domain(void **state)
{
	static const char *const cases[][2] = {
		{ "mail.example.com", "example.com" },
		{ "A.B.Example.CO.UK", "example.co.uk" },
		{ "x.github.io", "x.github.io" }, /* a private suffix */
		{ "sub.org.test", "org.test" }, /* an unknown TLD: one label */
		{ "co.uk", NULL },
		{ "com", NULL },
	};
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = dmarc_org_domain(cases[i][0], out, sizeof(out));

		if (cases[i][1] == NULL) {
			assert_int_equal(r, -1);
			continue;
		}
		assert_int_equal(r, 0);
		assert_string_equal(out, cases[i][1]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strip_every_cut),
		cmocka_unit_test(test_strip_overlong),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_org_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
