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
#include <unistd.h>

#include "auth.h"
#include "conf.h"
#include "tables.h"

#define USAGE                                                                  \
	"usage: cdbmake-users [-C dir] [users | domains | relay | all]\n"      \
	"       cdbmake-users --hash\n"

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
	int ch, r;

	if (argc == 2 && strcmp(argv[1], "--hash") == 0)
		return make_hash();
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
	if (argc > 1)
		usage();
	if (argc == 1)
		which = parse_which(argv[0]);
	r = tables_compile(dir, which, stderr);
	if (r == 1)
		errx(
		    EXIT_PERM, "fatal: errors found, databases left unchanged");
	if (r == -1)
		errx(EXIT_TEMP, "fatal: databases not (all) written");
	return 0;
}
