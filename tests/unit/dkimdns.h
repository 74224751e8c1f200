/*
 * DKIM keys for the unit tests that verify: made by lib/dkimkey under
 * TESTDIR/dkim/DOMAIN/SELECTOR.KIND (where lib/dkimsign looks), and the
 * dnsmasq option that publishes one under lib/dkimsign's DNS selector,
 * SELECTOR-KIND._domainkey.DOMAIN, and a teardown for a group that
 * started dnsmasq with them. Needs testutil.h's testdir.
 */
#ifndef YUBIN_TEST_DKIMDNS_H
#define YUBIN_TEST_DKIMDNS_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dkimkey.h"
#include "dnsmasq.h"

#define TEST_DKIM_OPTION_MAX 2048

/* Makes the key; with option non-NULL also its "--txt-record=" option,
 * in TXT strings of at most 250 octets. */
static inline void
test_dkim_key(
    const char *domain, const char *selector, const char *kind, char *option)
{
	char path[700], record[DKIMKEY_RECORD_MAX];
	size_t n, at;

	snprintf(path, sizeof(path), "%s/dkim", testdir);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/dkim/%s", testdir, domain);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/dkim/%s/%s.%s", testdir, domain,
	    selector, kind);
	assert_int_equal(dkimkey_generate(path, kind), 0);
	if (option == NULL)
		return;
	assert_int_equal(dkimkey_record(path, kind, record, sizeof(record)), 0);
	n = (size_t)snprintf(option, TEST_DKIM_OPTION_MAX,
	    "--txt-record=%s-%s._domainkey.%s", selector, kind, domain);
	for (at = 0; at < strlen(record) && n < TEST_DKIM_OPTION_MAX; at += 250)
		n += (size_t)snprintf(option + n, TEST_DKIM_OPTION_MAX - n,
		    ",%.250s", record + at);
	assert_true(n < TEST_DKIM_OPTION_MAX);
}

/* A group teardown: dnsmasq stopped, the keys and testdir removed. */
static inline int
test_dkim_stop(void **state)
{
	(void)state;
	test_dnsmasq_stop();
	test_rmdir();
	return 0;
}

#endif
