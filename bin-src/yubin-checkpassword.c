/*
 * yubin-checkpassword: yubin's accounts for Dovecot's IMAP, through the
 * checkpassword interface (passdb checkpassword): the login name and the
 * password, each NUL-terminated, on descriptor 3. A login is checked as
 * pop3-in checks it (the same names, hashes, no-login accounts and the
 * lockout across connections); on success the account's Maildir and the
 * spool's owner go to Dovecot as extra fields in the environment, and the
 * program named by the arguments (Dovecot's checkpassword-reply) runs.
 * Exit 1: wrong login or no mailbox here; 111: trouble, try again.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "maildir.h"
#include "peer.h"
#include "server.h"
#include "users.h"

#define USAGE "usage: yubin-checkpassword [-C dir] program [arg ...]\n"
#define EXIT_BAD 1
#define EXIT_TEMP 111
#define INPUT_MAX 512 /* login, password and timestamp on fd 3 */

static struct conf conf;

/* Reads "login\0password\0..." from fd 3 (bounded); -1 if malformed. */
static int
read_request(char *buf, size_t size, char **login, char **pass)
{
	size_t have = 0, n;
	ssize_t r;

	while (have < size - 1 &&
	    (r = read(3, buf + have, size - 1 - have)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		have += (size_t)r;
	}
	buf[have] = '\0';
	*login = buf;
	n = strlen(buf);
	if (n == 0 || n + 1 >= have)
		return -1;
	*pass = buf + n + 1;
	return memchr(*pass, '\0', have - n - 1) != NULL ? 0 : -1;
}

/* Dovecot's extra fields: what the account's IMAP session uses. */
static int
set_fields(const struct account *a, const char *login)
{
	char maildir[PATH_MAX + 16], uid[32], gid[32];
	struct stat spool;
	size_t n;

	if (stat(conf.spool, &spool) == -1 ||
	    users_maildir(conf.spool, a, maildir + 8, sizeof(maildir) - 8) ==
		-1)
		return -1;
	/* made as delivery makes it (Dovecot would mark a Maildir it makes
	 * itself as a subfolder) */
	if (maildir_create(maildir + 8) == -1)
		return -1;
	memcpy(maildir, "maildir:", 8);
	n = strlen(maildir);
	if (n > 8 && maildir[n - 1] == '/')
		maildir[n - 1] = '\0';
	snprintf(uid, sizeof(uid), "%ld", (long)spool.st_uid);
	snprintf(gid, sizeof(gid), "%ld", (long)spool.st_gid);
	/* HOME too: the Maildir is the account's whole home for Dovecot */
	return setenv("USER", login, 1) == -1 ||
		setenv("HOME", maildir + 8, 1) == -1 ||
		setenv("userdb_mail", maildir, 1) == -1 ||
		setenv("userdb_uid", uid, 1) == -1 ||
		setenv("userdb_gid", gid, 1) == -1 ||
		setenv("EXTRA", "userdb_mail userdb_uid userdb_gid", 1) == -1
	    ? -1
	    : 0;
}

/* 1 when login and pass are an account's, 0 when not, -1 trouble. */
static int
check(const struct peer *peer, const char *login, char *pass, struct account *a)
{
	char path[PATH_MAX];
	enum server_login r;
	struct db users;

	if (conf_path(&conf, "users.cdb", path, sizeof(path)) == -1 ||
	    db_open(&users, path) == -1) {
		explicit_bzero(pass, strlen(pass));
		log_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	r = server_login(&conf, "imap", peer, &users, login, pass, a);
	db_close(&users);
	if (r == SERVER_LOGIN_LOCKED || r == SERVER_LOGIN_BAD)
		log_info("imap client=%s login=\"%s\" result=%s", peer->text,
		    login,
		    r == SERVER_LOGIN_LOCKED ? "locked-out" : "bad-password");
	return r == SERVER_LOGIN_OK ? 1 : r == SERVER_LOGIN_ERROR ? -1 : 0;
}

int
main(int argc, char **argv)
{
	char buf[INPUT_MAX], *login, *pass;
	const char *dir = CONFDIR;
	struct account a;
	struct peer peer;
	int ch, r;

	while ((ch = getopt(argc, argv, "+C:")) != -1) {
		if (ch != 'C') {
			fputs(USAGE, stderr);
			return EXIT_TEMP;
		}
		dir = optarg;
	}
	if (optind >= argc) {
		fputs(USAGE, stderr);
		return EXIT_TEMP;
	}
	if (server_conf_load(&conf, dir, "yubin-checkpassword") == -1)
		return EXIT_TEMP;
	if (read_request(buf, sizeof(buf), &login, &pass) == -1) {
		log_error("malformed checkpassword request on descriptor 3");
		return EXIT_TEMP;
	}
	peer_get(&peer);
	if ((r = check(&peer, login, pass, &a)) != 1)
		return r == 0 ? EXIT_BAD : EXIT_TEMP;
	if (!users_has_own_maildir(&a)) {
		log_info("imap client=%s login=\"%s\" result=no-mailbox",
		    peer.text, login);
		return EXIT_BAD;
	}
	if (set_fields(&a, a.key) == -1) {
		log_error("imap login=\"%s\": %s", login, strerror(errno));
		return EXIT_TEMP;
	}
	log_info("imap client=%s login=\"%s\" account=%s result=ok", peer.text,
	    login, a.key);
	execv(argv[optind], argv + optind);
	log_error("cannot run %s: %s", argv[optind], strerror(errno));
	return EXIT_TEMP;
}
