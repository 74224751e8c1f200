/*
 * cdbmake-users: compiles the users, domains and relay text files of a
 * yubin configuration into CDB, or makes a password hash for the users file.
 */
#include <err.h>
#include <errno.h>
#include <readpassphrase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "auth.h"
#include "conf.h"
#include "db.h"
#include "dkimkey.h"
#include "dkimsign.h"
#include "srs.h"
#include "tables.h"
#include "users.h"

#define USAGE                                                                  \
	"usage: cdbmake-users [-C dir] [users | domains | relay | all]\n"      \
	"       cdbmake-users --hash\n"                                        \
	"       cdbmake-users [-C dir] --dkim-keygen domain [selector]\n"

#define EXIT_PERM 100
#define EXIT_TEMP 111

static void
usage(void)
{
	fputs(USAGE, stderr);
	exit(EXIT_PERM);
}

/* Reads a password: twice without echo on a terminal, else one line. */
static int
read_password(char *pw, size_t size)
{
	char again[AUTH_PASSWORD_MAX];
	size_t n;

	if (isatty(STDIN_FILENO)) {
		if (readpassphrase("Password: ", pw, size, RPP_REQUIRE_TTY) ==
			NULL ||
		    readpassphrase("Again: ", again, sizeof(again),
			RPP_REQUIRE_TTY) == NULL)
			err(EXIT_TEMP, "unable to read the password");
		if (strcmp(pw, again) != 0) {
			explicit_bzero(again, sizeof(again));
			errx(EXIT_PERM, "fatal: the passwords do not match");
		}
		explicit_bzero(again, sizeof(again));
	} else {
		if (fgets(pw, (int)size, stdin) == NULL)
			errx(EXIT_PERM, "fatal: no password on standard input");
		n = strcspn(pw, "\n");
		if (pw[n] != '\n' && !feof(stdin))
			errx(EXIT_PERM, "fatal: password too long");
		pw[n] = '\0';
		if (n > 0 && pw[n - 1] == '\r')
			pw[n - 1] = '\0';
	}
	return pw[0] == '\0' ? -1 : 0;
}

static int
make_hash(void)
{
	char pw[AUTH_PASSWORD_MAX], hash[256];

	if (read_password(pw, sizeof(pw)) == -1)
		errx(EXIT_PERM, "fatal: empty password");
	if (auth_hash(pw, hash, sizeof(hash)) == -1) {
		explicit_bzero(pw, sizeof(pw));
		err(EXIT_TEMP, "fatal: unable to hash the password");
	}
	explicit_bzero(pw, sizeof(pw));
	printf("%s\n", hash);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EXIT_TEMP, "fatal: unable to write the hash");
	return 0;
}

/*
 * Run by root, a secret we make (a DKIM key, the SRS secret, their
 * directories) goes to the user the servers run as: the spool's owner.
 */
static void
give_to_run_user(const char *path, const struct conf *c)
{
	struct stat spool;

	if (geteuid() == 0 && stat(c->spool, &spool) == 0 &&
	    chown(path, spool.st_uid, spool.st_gid) == -1)
		err(EXIT_TEMP, "fatal: %s", path);
}

/* A directory of the key tree, made for the run user. */
static void
key_dir(const char *path, const struct conf *c)
{
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		err(EXIT_TEMP, "fatal: %s", path);
	give_to_run_user(path, c);
}

/* Makes the keys the selector lacks and prints the records of both. */
static int
dkim_keygen(const char *dir, const char *name, const char *selector)
{
	char why[CONF_ERR_MAX], domain[ADDR_DOMAIN_MAX + 1], path[PATH_MAX];
	char rec[DKIMKEY_RECORD_MAX], dns[600];
	struct conf conf;
	struct db domains;
	int i, local;

	if (conf_load(&conf, dir, why, sizeof(why)) == -1)
		errx(EXIT_PERM, "fatal: %s", why);
	if (selector == NULL)
		selector = conf.dkim_selector;
	if (addr_domain_normalize(name, domain, sizeof(domain)) == -1 ||
	    domain[0] == '[')
		errx(EXIT_PERM, "fatal: %s: not a domain name", name);
	if (db_open_at(&domains, dir, "domains.cdb") == -1)
		err(EXIT_TEMP, "fatal: %s/domains.cdb", dir);
	local = users_domain_is_local(&domains, domain);
	db_close(&domains);
	if (local != 1)
		errx(local == 0 ? EXIT_PERM : EXIT_TEMP,
		    "fatal: %s is not in domains.cdb: add it to %s/domains "
		    "and run cdbmake-users first",
		    domain, dir);
	snprintf(path, sizeof(path), "%s/dkim", dir);
	key_dir(path, &conf);
	snprintf(path, sizeof(path), "%s/dkim/%s", dir, domain);
	key_dir(path, &conf);
	for (i = 0; i < 2; i++) {
		if (dkimsign_key_path(path, sizeof(path), dir, domain, selector,
			dkimsign_kinds[i]) == -1)
			err(EXIT_PERM, "fatal: %s: %s", domain, selector);
		if (access(path, F_OK) == 0)
			fprintf(
			    stderr, "cdbmake-users: %s exists, kept\n", path);
		else if (dkimkey_generate(path, dkimsign_kinds[i]) == -1)
			err(EXIT_TEMP, "fatal: %s", path);
		else {
			give_to_run_user(path, &conf);
			fprintf(stderr, "cdbmake-users: %s made\n", path);
		}
		if (dkimkey_record(path, dkimsign_kinds[i], rec, sizeof(rec)) ==
		    -1)
			err(EXIT_TEMP, "fatal: %s", path);
		snprintf(dns, sizeof(dns), "%s-%s._domainkey.%s.", selector,
		    dkimsign_kinds[i], domain);
		dkimkey_print_txt(stdout, dns, rec);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EXIT_TEMP, "fatal: unable to write the records");
	return 0;
}

/*
 * Forwards need the SRS secret (see srs.h): the first compile makes
 * one, for the run user, so a new site forwards correctly from the start.
 */
static void
make_srs_secret(const char *dir)
{
	char why[CONF_ERR_MAX], path[PATH_MAX];
	struct conf conf;

	snprintf(path, sizeof(path), "%s/srs.secret", dir);
	if (access(path, F_OK) == 0 || errno != ENOENT)
		return;
	/* only for the spool's owner: without a usable yubin.conf (not
	 * this program's to judge yet), the default spool */
	if (conf_load(&conf, dir, why, sizeof(why)) == -1)
		conf_defaults(&conf, dir);
	if (srs_make_secret(dir) == -1)
		err(EXIT_TEMP, "fatal: %s", path);
	give_to_run_user(path, &conf);
	fprintf(stderr,
	    "cdbmake-users: %s made: the key of the SRS senders of "
	    "forwarded mail; keep it secret\n",
	    path);
}

/*
 * yubin.conf is checked with the tables, so the admin's usual step finds
 * a typo before the servers do (they answer 421 until it is fixed).
 * 1 when it is bad (printed as FILE:LINE: what).
 */
static int
conf_bad(const char *dir)
{
	char why[CONF_ERR_MAX];
	struct conf conf;

	if (conf_load(&conf, dir, why, sizeof(why)) == 0)
		return 0;
	fprintf(stderr, "%s\n", why);
	fprintf(stderr,
	    "cdbmake-users: every server answers 421 until "
	    "yubin.conf is fixed\n");
	return 1;
}

static unsigned
parse_which(const char *s)
{
	if (strcmp(s, "all") == 0)
		return TABLES_ALL;
	if (strcmp(s, "users") == 0)
		return TABLES_USERS;
	if (strcmp(s, "domains") == 0)
		return TABLES_DOMAINS;
	if (strcmp(s, "relay") == 0)
		return TABLES_RELAY;
	usage();
	return 0;
}

int
main(int argc, char **argv)
{
	const char *dir = CONFDIR;
	unsigned which = TABLES_ALL;
	int ch, r, i, keygen = 0;

	if (argc == 2 && strcmp(argv[1], "--hash") == 0)
		return make_hash();
	/* getopt knows no long options: take this one out first */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--dkim-keygen") == 0) {
			keygen = 1;
			memmove(&argv[i], &argv[i + 1],
			    (size_t)(argc - i) * sizeof(*argv));
			argc--;
			break;
		}
	while ((ch = getopt(argc, argv, "C:")) != -1) {
		switch (ch) {
		case 'C':
			dir = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (keygen)
		return argc == 1 || argc == 2
		    ? dkim_keygen(dir, argv[0], argc == 2 ? argv[1] : NULL)
		    : (usage(), 1);
	if (argc > 1)
		usage();
	if (argc == 1)
		which = parse_which(argv[0]);
	if (conf_bad(dir))
		r = tables_check(dir, which, stderr) == -1 ? -1 : 1;
	else
		r = tables_compile(dir, which, stderr);
	if (r == 1)
		errx(
		    EXIT_PERM, "fatal: errors found, databases left unchanged");
	if (r == -1)
		errx(EXIT_TEMP, "fatal: databases not (all) written");
	make_srs_secret(dir);
	return 0;
}
