/*
 * A throw-away site for the unit tests of the modules that deliver: the
 * users file given, compiled by the real compiler, the databases open and
 * a spool, in a deliver_ctx (host name mail.example.com).
 */
#ifndef YUBIN_TESTSITE_H
#define YUBIN_TESTSITE_H

#include <sys/stat.h>

#include "deliver.h"
#include "tables.h"
#include "testutil.h"

static struct db site_users, site_domains;
static struct deliver_ctx site_ctx;
static char site_spool[512];

/* With a senders file too, unless senders is NULL. */
static inline void
test_site_senders(const char *users, const char *senders)
{
	char path[600];
	FILE *devnull = fopen("/dev/null", "w");

	test_mkdir();
	test_write("domains", "example.com\n");
	test_write("relay", "");
	test_write("users", users);
	if (senders != NULL)
		test_write("senders", senders);
	assert_int_equal(tables_compile(testdir, TABLES_ALL, devnull), 0);
	fclose(devnull);
	snprintf(path, sizeof(path), "%s/users.cdb", testdir);
	assert_int_equal(db_open(&site_users, path), 0);
	snprintf(path, sizeof(path), "%s/domains.cdb", testdir);
	assert_int_equal(db_open(&site_domains, path), 0);
	snprintf(site_spool, sizeof(site_spool), "%s/spool", testdir);
	assert_int_equal(mkdir(site_spool, 0700), 0);
	site_ctx = (struct deliver_ctx) { .users = &site_users,
		.domains = &site_domains,
		.spool = site_spool,
		.hostname = "mail.example.com" };
}

static inline void
test_site(const char *users)
{
	test_site_senders(users, NULL);
}

static inline void
test_site_close(void)
{
	db_close(&site_users);
	db_close(&site_domains);
	test_rmdir();
}

#endif
