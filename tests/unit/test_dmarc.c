/*
 * Unit tests for lib/dmarc's dmarc_action: what a verdict asks of us,
 * for every result, disposition and setting (yubin.conf(5)'s table).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "dmarc.h"

static void
test_every_verdict_and_setting(void **state)
{
	static const struct {
		const char *result;
		char disposition;
		int reject, quarantine;
		enum dmarc_action want;
	} cases[] = {
		/* p=reject, failed */
		{ "fail", 'r', 1, 1, DMARC_REFUSE },
		{ "fail", 'r', 0, 1, DMARC_JUNK },
		{ "fail", 'r', 0, 0, DMARC_ACCEPT },
		{ "fail", 'r', 1, 0, DMARC_REFUSE },
		/* p=quarantine, failed */
		{ "fail", 'q', 1, 1, DMARC_JUNK },
		{ "fail", 'q', 1, 0, DMARC_ACCEPT },
		/* p=none, or pct= left it out of the sample */
		{ "fail", 'n', 1, 1, DMARC_ACCEPT },
		/* no DNS answer where the policy would decide */
		{ "temperror", 'r', 1, 1, DMARC_RETRY },
		{ "temperror", 'q', 0, 0, DMARC_RETRY },
		/* no answer for the policy itself: only recorded */
		{ "temperror", '\0', 1, 1, DMARC_ACCEPT },
		{ "temperror", 'n', 1, 1, DMARC_ACCEPT },
		/* the rest */
		{ "pass", 'r', 1, 1, DMARC_ACCEPT },
		{ "none", '\0', 1, 1, DMARC_ACCEPT },
		{ "permerror", 'r', 1, 1, DMARC_ACCEPT },
	};
	struct dmarc_verdict v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&v, 0, sizeof(v));
		strlcpy(v.result, cases[i].result, sizeof(v.result));
		v.disposition = cases[i].disposition;
		if (dmarc_action(&v, cases[i].reject, cases[i].quarantine) !=
		    cases[i].want)
			fail_msg("case %zu: %s dis=%c reject=%d quarantine=%d",
			    i, cases[i].result,
			    cases[i].disposition ? cases[i].disposition : '-',
			    cases[i].reject, cases[i].quarantine);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_verdict_and_setting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
