/*
 * tables: text-to-CDB compiler; see tables.h. The users pass keeps all
 * entries in memory, sorted by key, so alias targets, loops and chain
 * lengths are checked before the database is written.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "auth.h"
#include "cidr.h"
#include "db.h"
#include "relay.h"
#include "tables.h"
#include "tabset.h"
#include "textfile.h"
#include "users.h"

/* shorter relay prefixes would make an open relay (0.0.0.0/0, ::/0) */
#define RELAY_V4_MIN 8
#define RELAY_V6_MIN 16

void
tab_error(
    struct tables *t, const char *path, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (line > 0)
		fprintf(t->errf, "%s:%u: ", path, line);
	else
		fprintf(t->errf, "%s: ", path);
	va_start(ap, fmt);
	vfprintf(t->errf, fmt, ap);
	va_end(ap);
	fputc('\n', t->errf);
	t->errors++;
}

static struct tab_entry *
tab_add(struct tab_table *tb, const char *key, size_t vsize, unsigned line)
{
	struct tab_entry *e;
	size_t klen = strlen(key);

	if (tb->n == tb->cap) {
		size_t cap = tb->cap ? tb->cap * 2 : 256;
		struct tab_entry *ne = reallocarray(tb->e, cap, sizeof(*ne));

		if (ne == NULL)
			return NULL;
		tb->e = ne;
		tb->cap = cap;
	}
	e = &tb->e[tb->n];
	memset(e, 0, sizeof(*e));
	/* key, NUL, value: one allocation per entry */
	if ((e->key = malloc(klen + 1 + vsize + 1)) == NULL)
		return NULL;
	memcpy(e->key, key, klen + 1);
	e->klen = klen;
	e->value = e->key + klen + 1;
	e->line = line;
	e->label = e->key;
	tb->n++;
	return e;
}

static int
tab_cmp(const void *a, const void *b)
{
	const struct tab_entry *x = *(struct tab_entry *const *)a;
	const struct tab_entry *y = *(struct tab_entry *const *)b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int r = memcmp(x->key, y->key, n);

	if (r != 0)
		return r;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return x->line < y->line ? -1 : (x->line > y->line);
}

/* Sorts the table by key and reports keys given twice. */
static int
tab_sort(struct tables *t, struct tab_table *tb, const char *what)
{
	size_t i;

	tb->sorted = reallocarray(NULL, tb->n ? tb->n : 1, sizeof(*tb->sorted));
	if (tb->sorted == NULL)
		return -1;
	for (i = 0; i < tb->n; i++)
		tb->sorted[i] = &tb->e[i];
	qsort(tb->sorted, tb->n, sizeof(*tb->sorted), tab_cmp);
	for (i = 1; i < tb->n; i++)
		if (tb->sorted[i]->klen == tb->sorted[i - 1]->klen &&
		    memcmp(tb->sorted[i]->key, tb->sorted[i - 1]->key,
			tb->sorted[i]->klen) == 0)
			tab_error(t, tb->path, tb->sorted[i]->line,
			    "%s %s is already listed at line %u", what,
			    tb->sorted[i]->label, tb->sorted[i - 1]->line);
	return 0;
}

struct tab_entry *
tab_find(const struct tab_table *tb, const char *key)
{
	size_t lo = 0, hi = tb->n, klen = strlen(key);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tab_entry *e = tb->sorted[mid];
		size_t n = klen < e->klen ? klen : e->klen;
		int r = memcmp(key, e->key, n);

		if (r == 0)
			r = klen < e->klen ? -1 : (klen > e->klen);
		if (r == 0)
			return (struct tab_entry *)e;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static char *
tab_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Reads path line by line, calling parse for each line that is not blank
 * or a comment. Returns 0, or -1 if the file could not be read.
 */
static int
tab_read(struct tables *t, struct tab_table *tb,
    int (*parse)(struct tables *, char *, unsigned))
{
	char line[TABLES_LINE_MAX];
	struct textfile tf;
	char *s;
	int r;

	if (textfile_open(&tf, tb->path) == -1) {
		tab_error(t, tb->path, 0, "%s", strerror(errno));
		return errno == ENOENT ? 0 : -1;
	}
	while ((r = textfile_next(&tf, line, sizeof(line))) > 0) {
		if (r == TEXTFILE_LONG || r == TEXTFILE_NUL) {
			tab_error(t, tb->path, tf.lineno, "%s",
			    r == TEXTFILE_LONG ? "line too long"
					       : "line contains a NUL byte");
			continue;
		}
		s = tab_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (parse(t, s, tf.lineno) == -1) {
			textfile_close(&tf);
			return -1;
		}
	}
	if (r == TEXTFILE_ERR)
		tab_error(t, tb->path, 0, "read error: %s", strerror(errno));
	textfile_close(&tf);
	return r == TEXTFILE_ERR ? -1 : 0;
}

/* ---- domains ---- */

static int
tab_parse_domain(struct tables *t, char *s, unsigned line)
{
	char dom[ADDR_DOMAIN_MAX + 1];

	if (addr_domain_normalize(s, dom, sizeof(dom)) == -1) {
		tab_error(t, t->domains.path, line,
		    "'%s' is not a domain name or address literal", s);
		return 0;
	}
	return tab_add(&t->domains, dom, 0, line) ? 0 : -1;
}

/* ---- relay ---- */

static int
tab_parse_relay(struct tables *t, char *s, unsigned line)
{
	unsigned char key[RELAY_KEY_MAX + 1];
	const char *why;
	struct cidr c;
	struct tab_entry *e;
	int deny = (*s == '!');
	size_t klen;

	if (cidr_parse(s + deny, &c, &why) == -1) {
		tab_error(t, t->relay.path, line, "'%s': %s", s, why);
		return 0;
	}
	if (!deny &&
	    c.prefix < (c.family == AF_INET ? RELAY_V4_MIN : RELAY_V6_MIN)) {
		tab_error(t, t->relay.path, line,
		    "'%s' covers too much of the Internet: everyone there could "
		    "send mail through this server (an open relay); list your "
		    "own networks, and let others use AUTH",
		    s);
		return 0;
	}
	klen = relay_key(&c, key);
	if ((e = tab_add(&t->relay, "", 0, line)) == NULL)
		return -1;
	free(e->key);
	/* binary key, NUL, value "+" or "-", NUL, the line as written */
	if ((e->key = malloc(klen + 3 + strlen(s) + 1)) == NULL)
		return -1;
	memcpy(e->key, key, klen);
	e->key[klen] = '\0';
	e->klen = klen;
	e->value = e->key + klen + 1;
	memcpy(e->value, deny ? "-" : "+", 2);
	e->vlen = 1;
	e->label = e->value + 2;
	memcpy(e->value + 2, s, strlen(s) + 1);
	return 0;
}

/* ---- users ---- */

int
tab_domain_local(struct tables *t, const char *dom)
{
	return tab_find(&t->domains, dom) != NULL;
}

/* Splits "address:secret:targets"; an address literal may hold colons. */
static int
tab_split_user(char *s, char **addr, char **secret, char **targets)
{
	char *p = s;

	for (; *p && *p != ':'; p++)
		if (*p == '[' && (p = strchr(p, ']')) == NULL)
			return -1;
	if (*p != ':')
		return -1;
	*p++ = '\0';
	*addr = s;
	*secret = p;
	if ((p = strchr(p, ':')) == NULL)
		return -1;
	*p++ = '\0';
	*targets = p;
	return 0;
}

static void
tab_lower(char *s)
{
	addr_lower(s, s, strlen(s) + 1);
}

/* Checks the address field; fills name and domain. 0 ok, 1 bad. */
static int
tab_user_address(
    struct tables *t, unsigned line, char *addr, char *name, char *domain)
{
	char *at = strchr(addr, '@');

	tab_lower(addr);
	domain[0] = '\0';
	if (at != NULL) {
		*at = '\0';
		if (addr_domain_normalize(
			at + 1, domain, ADDR_DOMAIN_MAX + 1) == -1) {
			tab_error(t, t->users.path, line,
			    "'%s' is not a valid domain", at + 1);
			return 1;
		}
		if (!tab_domain_local(t, domain)) {
			tab_error(t, t->users.path, line,
			    "domain %s is not listed in %s", domain,
			    t->domains.path);
			return 1;
		}
	}
	strlcpy(name, addr, USERS_NAME_MAX + 1);
	if ((at == NULL || addr[0] != '\0') &&
	    (!users_name_ok(addr) || strlen(addr) > USERS_NAME_MAX)) {
		tab_error(t, t->users.path, line,
		    "'%s' is not a valid account name (use a-z 0-9 . _ + -)",
		    addr);
		return 1;
	}
	return 0;
}

static int
tab_path_ok(const char *p)
{
	size_t n = strlen(p);

	if (n < 2 || p[0] != '/' || p[n - 1] != '/' || n > PATH_MAX - 128)
		return 0;
	if (strstr(p, "/../") || strstr(p, "/./"))
		return 0;
	for (; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == ',')
			return 0;
	return 1;
}

/*
 * Checks one target and appends its normalized form to out.
 * Returns 0, 1 (bad, reported) or -1 (out of memory).
 */
static int
tab_target(struct tables *t, struct tab_entry *e, char *item, char *out,
    size_t outsize)
{
	char norm[ADDR_MAX + 2];
	const char *why;
	struct addr a;
	unsigned line = e->line;

	if (*item == '\0') {
		tab_error(t, t->users.path, line, "empty target");
		return 1;
	}
	if (strcmp(item, ".") == 0 && e->name[0] == '\0') {
		tab_error(t, t->users.path, line,
		    "a catch-all has no Maildir of its own: name an account");
		return 1;
	}
	if (strcmp(item, ".") == 0 || item[0] == '/') {
		if (item[0] == '/' && !tab_path_ok(item)) {
			tab_error(t, t->users.path, line,
			    "'%s' is not an absolute Maildir path ending in /",
			    item);
			return 1;
		}
		strlcpy(norm, item, sizeof(norm));
	} else if (addr_parse(item, &a, &why) == -1 ||
	    addr_is_relay_trick(&a)) {
		tab_error(t, t->users.path, line,
		    "target '%s' is not an account, a Maildir or an address",
		    item);
		return 1;
	} else if (a.domain[0] == '\0' || tab_domain_local(t, a.domain)) {
		tab_lower(a.local);
		if (!users_name_ok(a.local)) {
			tab_error(t, t->users.path, line,
			    "target '%s' is not an account, a Maildir or an address",
			    item);
			return 1;
		}
		e->aliases = 1;
		addr_format(&a, norm, sizeof(norm));
	} else
		addr_format(&a, norm, sizeof(norm));
	if (out[0] != '\0')
		strlcat(out, ",", outsize);
	if (strlcat(out, norm, outsize) >= outsize) {
		tab_error(t, t->users.path, line, "too many targets");
		return 1;
	}
	return 0;
}

/* What is wrong with an account's secret, or NULL. */
static const char *
tab_secret_bad(const char *name, const char *secret)
{
	size_t slen = strlen(secret);

	if (name[0] == '\0' && slen > 0)
		return "a catch-all cannot log in: leave its secret empty";
	/* "!" alone: locked, no password (the /etc/shadow form) */
	if (slen > 0 && strcmp(secret, "!") != 0 &&
	    (slen >= USERS_SECRET_MAX ||
		!auth_secret_ok(secret + (secret[0] == '!'))))
		return "secret is not a crypt(3) hash (make one with "
		       "cdbmake-users --hash)";
	return NULL;
}

/* The comma-separated targets of e into out: 0, 1 after an error in the
 * file, -1 for want of memory. */
static int
tab_targets(struct tables *t, struct tab_entry *e, char *targets, unsigned line,
    char *out, size_t size)
{
	char *item, *next;
	int r;

	out[0] = '\0';
	if (*targets == '\0' && e->name[0] == '\0') {
		tab_error(t, t->users.path, line,
		    "a catch-all needs a target (for example webmaster)");
		return 1;
	}
	for (item = targets; *item != '\0'; item = next) {
		next = item + strcspn(item, ",");
		if (*next == ',') {
			*next++ = '\0';
			if (*tab_trim(next) == '\0')
				next = NULL; /* "a," ends in an empty target */
		}
		if ((r = tab_target(t, e, tab_trim(item), out, size)) != 0)
			return r;
		if (next == NULL) {
			tab_error(t, t->users.path, line, "empty target");
			return 1;
		}
	}
	return 0;
}

static int
tab_parse_user(struct tables *t, char *s, unsigned line)
{
	char *addr, *secret, *targets;
	char name[USERS_NAME_MAX + 1], domain[ADDR_DOMAIN_MAX + 1];
	char key[ADDR_MAX], out[USERS_TARGETS_MAX];
	const char *why;
	struct tab_entry *e;
	size_t slen;
	int r;

	if (tab_split_user(s, &addr, &secret, &targets) == -1) {
		tab_error(
		    t, t->users.path, line, "expected address:secret:targets");
		return 0;
	}
	addr = tab_trim(addr);
	secret = tab_trim(secret);
	if (tab_user_address(t, line, addr, name, domain) != 0)
		return 0;
	if ((why = tab_secret_bad(name, secret)) != NULL) {
		tab_error(t, t->users.path, line, "%s", why);
		return 0;
	}
	slen = strlen(secret);
	snprintf(
	    key, sizeof(key), "%s%s%s", name, domain[0] ? "@" : "", domain);
	/* one block: key NUL name NUL secret NUL targets */
	if ((e = tab_add(&t->users, key,
		 strlen(name) + 1 + slen + 1 + USERS_TARGETS_MAX, line)) ==
	    NULL)
		return -1;
	e->name = e->value;
	memcpy(e->name, name, strlen(name) + 1);
	e->value = e->name + strlen(name) + 1;
	e->domain = domain[0] ? strchr(e->key, '@') + 1 : e->key + e->klen;
	r = tab_targets(t, e, tab_trim(targets), line, out, sizeof(out));
	if (r != 0)
		return r == 1 ? 0 : -1;
	/* the room tab_add made: slen + 1 + USERS_TARGETS_MAX */
	e->vlen =
	    users_value(e->value, slen + 1 + USERS_TARGETS_MAX, secret, out);
	return 0;
}

/* RFC 5321 4.5.1 and RFC 2142: postmaster and abuse must reach someone. */
static void
tab_check_role(struct tables *t, const char *role, const char *dom)
{
	char key[ADDR_MAX];

	snprintf(key, sizeof(key), "%s@%s", role, dom);
	if (dom[0] != '\0' && tab_find(&t->users, key))
		return;
	if (tab_find(&t->users, role))
		return;
	snprintf(key, sizeof(key), "@%s", dom);
	if (dom[0] != '\0' && tab_find(&t->users, key))
		return;
	fprintf(t->errf, "%s: warning: %s%s%s does not reach a mailbox\n",
	    t->users.path, role, dom[0] ? "@" : "", dom);
}

static void
tab_check_roles(struct tables *t)
{
	size_t i;

	for (i = 0; i < t->domains.n; i++) {
		tab_check_role(t, "postmaster", t->domains.e[i].key);
		tab_check_role(t, "abuse", t->domains.e[i].key);
	}
	if (t->domains.n == 0) {
		tab_check_role(t, "postmaster", "");
		tab_check_role(t, "abuse", "");
	}
}

/* ---- senders: more addresses an account may send as ---- */

/* One item of a senders line, checked, lower case, appended to list. */
static int
tab_sender_item(struct tables *t, unsigned line, char *item, char *list,
    size_t size, size_t *used)
{
	char out[ADDR_MAX + 2], dom[ADDR_DOMAIN_MAX + 1];
	const char *why;
	struct addr a;
	size_t n;

	if (item[0] == '@') {
		if (addr_domain_normalize(item + 1, dom, sizeof(dom)) == -1) {
			tab_error(t, t->senders.path, line,
			    "'%s' is not a valid domain", item + 1);
			return 0;
		}
		snprintf(out, sizeof(out), "@%s", dom);
	} else if (addr_parse(item, &a, &why) == -1 || a.domain[0] == '\0' ||
	    addr_is_relay_trick(&a)) {
		tab_error(t, t->senders.path, line,
		    "'%s' is not an address (local@domain) or @domain", item);
		return 0;
	} else {
		addr_lower(a.local, a.local, sizeof(a.local));
		addr_format(&a, out, sizeof(out));
	}
	n = strlen(out);
	if (*used + n + 2 > size) {
		tab_error(t, t->senders.path, line, "line too long");
		return 0;
	}
	if (*used > 0)
		list[(*used)++] = ',';
	memcpy(list + *used, out, n + 1);
	*used += n;
	return 0;
}

/* "account: address, @domain, ..." (see yubin-users(5)) */
static int
tab_parse_sender(struct tables *t, char *s, unsigned line)
{
	char list[TABLES_LINE_MAX], *colon = strchr(s, ':'), *acct, *p, *item;
	char *next;
	size_t used = 0, errors = (size_t)t->errors;
	struct tab_entry *e;

	if (colon == NULL) {
		tab_error(t, t->senders.path, line,
		    "expected 'account: address, ...'");
		return 0;
	}
	*colon = '\0';
	acct = tab_trim(s);
	tab_lower(acct);
	e = tab_find(&t->users, acct);
	if (e == NULL || e->name[0] == '\0') {
		tab_error(t, t->senders.path, line,
		    "'%s' is not an account in %s", acct, t->users.path);
		return 0;
	}
	for (p = colon + 1; p != NULL; p = next) {
		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		item = tab_trim(p);
		if (*item != '\0' &&
		    tab_sender_item(t, line, item, list, sizeof(list), &used) ==
			-1)
			return -1;
	}
	if (used == 0 && (size_t)t->errors == errors)
		tab_error(t, t->senders.path, line, "no address for %s", acct);
	if ((size_t)t->errors != errors)
		return 0;
	if ((e = tab_add(&t->senders, acct, used, line)) == NULL)
		return -1;
	memcpy(e->value, list, used + 1);
	e->vlen = used;
	return 0;
}

/* ---- writing ---- */

/* The prefix lengths in use per family, longest first (see relay.h). */
static int
tab_write_prefixes(struct tables *t, struct db_make *m)
{
	static const int families[] = { AF_INET, AF_INET6 };
	const unsigned char **keys;
	unsigned char list[129];
	size_t i, f, n;

	if ((keys = calloc(t->relay.n + 1, sizeof(*keys))) == NULL)
		return -1;
	for (i = 0; i < t->relay.n; i++)
		keys[i] = (const unsigned char *)t->relay.e[i].key;
	for (f = 0; f < 2; f++) {
		n = relay_prefixes(keys, t->relay.n, families[f], list);
		if (n > 0 &&
		    db_make_add(m, relay_prefixes_key(families[f]),
			strlen(relay_prefixes_key(families[f])), list,
			n) == -1) {
			free(keys);
			return -1;
		}
	}
	free(keys);
	return 0;
}

static int
tab_write(
    struct tables *t, struct tab_table *tb, int mode, const struct stat *owner)
{
	char path[PATH_MAX + 8];
	struct db_make m;
	size_t i;

	snprintf(path, sizeof(path), "%s.cdb", tb->path);
	if (db_make_start(&m, path, mode) == -1)
		goto fail;
	if (owner != NULL && geteuid() == 0 &&
	    (fchown(m.fd, owner->st_uid, owner->st_gid) == -1 ||
		fchmod(m.fd, (mode_t)mode) == -1)) {
		db_make_abort(&m);
		goto fail;
	}
	for (i = 0; i < tb->n; i++)
		if (db_make_add(&m, tb->e[i].key, tb->e[i].klen, tb->e[i].value,
			tb->e[i].vlen) == -1) {
			db_make_abort(&m);
			goto fail;
		}
	if (tb == &t->relay && tab_write_prefixes(t, &m) == -1) {
		db_make_abort(&m);
		goto fail;
	}
	if (db_make_finish(&m) == -1)
		goto fail;
	return 0;
fail:
	fprintf(t->errf, "%s: cannot write: %s\n", path, strerror(errno));
	return -1;
}

static void
tab_free_table(struct tab_table *tb)
{
	size_t i;

	for (i = 0; i < tb->n; i++)
		free(tb->e[i].key);
	free(tb->e);
	free(tb->sorted);
}

static void
tab_free(struct tables *t)
{
	tab_free_table(&t->senders);
	tab_free_table(&t->domains);
	tab_free_table(&t->relay);
	tab_free_table(&t->users);
}

static int
tab_load(struct tables *t, struct tab_table *tb,
    int (*parse)(struct tables *, char *, unsigned), const char *what)
{
	if (tab_read(t, tb, parse) == -1)
		return -1;
	return tab_sort(t, tb, what);
}

/*
 * RFC 5321 4.5.1: RCPT TO:<Postmaster>, without a domain, must always be
 * accepted. Without a `postmaster` line for every domain, it goes to
 * postmaster@ the first domain in `domains` that has one: an alias is
 * added for it. -1 on system error.
 */
static int
tab_bare_postmaster(struct tables *t)
{
	char key[ADDR_MAX], line[2 * ADDR_MAX];
	size_t i;

	if (tab_find(&t->users, "postmaster") != NULL)
		return 0;
	for (i = 0; i < t->domains.n; i++) {
		snprintf(
		    key, sizeof(key), "postmaster@%s", t->domains.e[i].key);
		if (tab_find(&t->users, key) == NULL)
			continue;
		snprintf(line, sizeof(line), "postmaster::%s", key);
		if (tab_parse_user(t, line, 0) == -1)
			return -1;
		free(t->users.sorted);
		return tab_sort(t, &t->users, "address");
	}
	fprintf(t->errf,
	    "%s: warning: Postmaster without a domain (RFC 5321 4.5.1) does "
	    "not reach a mailbox: add a line postmaster::ACCOUNT\n",
	    t->users.path);
	return 0;
}

/* Reads and checks everything that `which` needs; -1 on system error. */
static int
tab_check(struct tables *t, unsigned which)
{
	if ((which & (TABLES_DOMAINS | TABLES_USERS)) &&
	    tab_load(t, &t->domains, tab_parse_domain, "domain") == -1)
		return -1;
	if ((which & TABLES_RELAY) &&
	    tab_load(t, &t->relay, tab_parse_relay, "range") == -1)
		return -1;
	if (!(which & TABLES_USERS))
		return 0;
	if (tab_load(t, &t->users, tab_parse_user, "address") == -1)
		return -1;
	if (t->errors == 0 && tab_bare_postmaster(t) == -1)
		return -1;
	/* Only a file whose every line is good is worth the alias walk:
	 * a bad line would show up again as a missing target. */
	if (t->errors == 0 && tab_check_aliases(t) == -1)
		return -1;
	if (t->errors == 0)
		tab_check_roles(t);
	/* senders is optional: without it, nobody has extra addresses */
	if (access(t->senders.path, F_OK) == 0 &&
	    tab_load(t, &t->senders, tab_parse_sender, "account") == -1)
		return -1;
	return 0;
}

/* Reads and checks the files named: 0 good, 1 bad, -1 system error. */
static int
tables_read(struct tables *t, const char *dir, unsigned which, FILE *errf)
{
	memset(t, 0, sizeof(*t));
	t->errf = errf;
	snprintf(t->domains.path, sizeof(t->domains.path), "%s/domains", dir);
	snprintf(t->relay.path, sizeof(t->relay.path), "%s/relay", dir);
	snprintf(t->users.path, sizeof(t->users.path), "%s/users", dir);
	snprintf(t->senders.path, sizeof(t->senders.path), "%s/senders", dir);
	if (tab_check(t, which) == -1) {
		if (errno == ENOMEM)
			fprintf(errf, "%s: out of memory\n", dir);
		return -1;
	}
	return t->errors > 0 ? 1 : 0;
}

int
tables_check(const char *dir, unsigned which, FILE *errf)
{
	struct tables t;
	int r = tables_read(&t, dir, which, errf);

	tab_free(&t);
	return r;
}

int
tables_compile(const char *dir, unsigned which, FILE *errf)
{
	struct tables t;
	struct stat st;
	int r;

	if ((r = tables_read(&t, dir, which, errf)) != 0)
		goto out;
	r = -1;
	if ((which & TABLES_DOMAINS) &&
	    tab_write(&t, &t.domains, 0644, NULL) == -1)
		goto out;
	if ((which & TABLES_RELAY) && tab_write(&t, &t.relay, 0644, NULL) == -1)
		goto out;
	/* users.cdb holds password hashes: the users file's owner and group,
	 * never world-readable. */
	if ((which & TABLES_USERS) &&
	    (stat(t.users.path, &st) == -1 ||
		tab_write(&t, &t.users, 0640, &st) == -1 ||
		tab_write(&t, &t.senders, 0644, NULL) == -1))
		goto out;
	r = 0;
out:
	tab_free(&t);
	return r;
}
