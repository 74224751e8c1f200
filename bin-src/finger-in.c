/*
 * finger-in: RFC 1288 on port 79, the old home servers' "is there mail for
 * me?". One query line, one answer, then the connection closes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "maildir.h"
#include "peer.h"
#include "rfc5322.h"
#include "server.h"
#include "users.h"

#define USAGE "usage: finger-in [-C dir]\n"
#define FINGER_QUERY_MAX 512 /* RFC 1288 sets none; ours */
#define FINGER_TIMEOUT 30
#define EXIT_PERM 100
#define EXIT_TEMP 111

static struct conf conf;
static struct buf out;
static struct peer peer;

static void
finish(const char *query, const char *result, int code)
{
	log_info("finger client=%s query=\"%s\" result=%s", peer.text, query,
	    result);
	/* logged before the last reply leaves: once a client sees it,
	 * the log has the session */
	buf_flush(&out);
	exit(code);
}

/* Prints a line with control characters made '?', CRLF-terminated. */
static void
reply(const char *text)
{
	char clean[1024];

	log_sanitize(clean, sizeof(clean), text);
	buf_puts(&out, clean);
	buf_puts(&out, "\r\n");
}

static void
status_lines(const char *label, const struct maildir_status *st)
{
	char line[600], when[64] = "-";

	if (st->messages > 0)
		rfc5322_date(st->newest, when, sizeof(when));
	snprintf(line, sizeof(line), "Mailbox: %s", label);
	reply(line);
	snprintf(line, sizeof(line), "Messages: %zu (%zu new)", st->messages,
	    st->unread);
	reply(line);
	snprintf(line, sizeof(line), "Size: %lld octets", (long long)st->bytes);
	reply(line);
	snprintf(line, sizeof(line), "Newest: %s", when);
	reply(line);
}

/*
 * Status of one account's own Maildir: 1, or 0 with zeros when the name
 * has none (unknown, an alias, a forward); -1 on error.
 */
static int
account_status(struct db *users, const char *name, struct maildir_status *st)
{
	char dir[PATH_MAX];
	struct account a;
	int r;

	memset(st, 0, sizeof(*st));
	r = users_find(users, name, "", &a);
	if (r == -1)
		return -1;
	if (r == 0 || !users_has_own_maildir(&a))
		return 0;
	if (users_maildir(conf.spool, &a, dir, sizeof(dir)) == -1 ||
	    maildir_status(dir, st) == -1)
		return -1;
	return 1;
}

static void
answer_user(struct db *users, const char *query, const char *name)
{
	struct maildir_status st;
	char lower[USERS_NAME_MAX + 1];

	/* An invalid or unknown name gets the same shape with zeros: the
	 * answer does not tell which names exist. */
	if (addr_lower(lower, name, sizeof(lower)) >= sizeof(lower) ||
	    !users_name_ok(lower))
		memset(&st, 0, sizeof(st));
	else if (account_status(users, lower, &st) == -1) {
		reply("finger: temporary failure, try again later");
		finish(query, "error", EXIT_TEMP);
	}
	status_lines(name, &st);
	finish(query, "status", 0);
}

/* `finger = list`: every all-domains account with a Maildir of its own. */
static void
answer_list(struct db *users)
{
	struct maildir_status st;
	char line[600];
	unsigned pos;
	int shown = 0;

	cdb_seqinit(&pos, &users->cdb);
	reply("Account           Messages    New   Octets");
	while (cdb_seqnext(&pos, &users->cdb) > 0) {
		char key[USERS_NAME_MAX + 1];
		unsigned klen = cdb_keylen(&users->cdb);

		if (klen == 0 || klen > USERS_NAME_MAX ||
		    cdb_read(&users->cdb, key, klen, cdb_keypos(&users->cdb)) !=
			0)
			continue;
		key[klen] = '\0';
		if (strchr(key, '@') != NULL ||
		    account_status(users, key, &st) != 1)
			continue;
		snprintf(line, sizeof(line), "%-16s %9zu %6zu %8lld", key,
		    st.messages, st.unread, (long long)st.bytes);
		reply(line);
		shown++;
	}
	if (shown == 0)
		reply("(no accounts)");
	finish("", "list", 0);
}

/* Reads the query line: the query, or the session ends (logged). */
static char *
read_query(char *line, size_t size)
{
	size_t len;
	int r = buf_getline(&out, line, size, &len);

	if (r == BUF_ERR || r == BUF_EOF)
		finish("", r == BUF_EOF ? "eof" : "timeout", 0);
	if (r == BUF_LONG) {
		reply("finger: query too long");
		finish("(too long)", "refused", 0);
	}
	if (memchr(line, '\0', len) != NULL) {
		reply("finger: bad query");
		finish("(binary)", "refused", 0);
	}
	return cmd_finger_query(line);
}

/* What the settings and RFC 1288 refuse to answer (the session ends). */
static void
refuse_unless_allowed(const char *query)
{
	if (conf.finger == FINGER_OFF) {
		reply("finger: this service is turned off");
		finish(query, "off", 0);
	}
	if (strchr(query, '@') != NULL) {
		/* RFC 1288 3.2.1: forwarding is a relay for probes. */
		reply("finger: forwarding refused");
		finish(query, "refused-forward", 0);
	}
	if (query[0] == '\0' && conf.finger != FINGER_LIST) {
		reply("finger: please name an account");
		finish(query, "refused-list", 0);
	}
}

int
main(int argc, char **argv)
{
	char line[FINGER_QUERY_MAX + 3], path[PATH_MAX];
	const char *dir = CONFDIR;
	struct db users;
	char *query;
	int ch;

	while ((ch = getopt(argc, argv, "C:")) != -1) {
		if (ch != 'C') {
			/* stderr may be a socket: say nothing there */
			return EXIT_PERM;
		}
		dir = optarg;
	}
	signal(SIGPIPE, SIG_IGN); /* a client that hangs up: an error */
	buf_init(&out, 0, 1, FINGER_TIMEOUT);
	peer_get(&peer);
	if (server_conf_load(&conf, dir, "finger-in") == -1) {
		reply("finger: temporary failure, try again later");
		finish("", "config-error", EXIT_TEMP);
	}
	if (conf.timeout < FINGER_TIMEOUT)
		out.timeout_ms = conf.timeout * 1000;
	peer_nodelay();
	query = read_query(line, sizeof(line));
	refuse_unless_allowed(query);
	if (conf_path(&conf, "users.cdb", path, sizeof(path)) == -1 ||
	    db_open(&users, path) == -1) {
		log_error("cannot open %s: %s", path, strerror(errno));
		reply("finger: temporary failure, try again later");
		finish(query, "error", EXIT_TEMP);
	}
	if (query[0] == '\0')
		answer_list(&users);
	answer_user(&users, query, query);
	return 0;
}
