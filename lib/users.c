/* users: account lookups in users.cdb and domains.cdb; see users.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "users.h"

int
users_name_ok(const char *name)
{
	size_t n;

	if (name[0] == '\0' || name[0] == '.' || name[0] == '-')
		return 0;
	for (n = 0; name[n] != '\0'; n++)
		if (!islower((unsigned char)name[n]) &&
		    !isdigit((unsigned char)name[n]) &&
		    strchr("._+-", name[n]) == NULL)
			return 0;
	return n <= USERS_NAME_MAX;
}

size_t
users_value(char *buf, size_t size, const char *secret, const char *targets)
{
	size_t s = strlen(secret), t = strlen(targets);

	if (s + 1 + t + 1 > size)
		return 0;
	memcpy(buf, secret, s + 1);
	memcpy(buf + s + 1, targets, t + 1);
	return s + 1 + t;
}

static int
users_get(struct db *users, const char *key, struct account *a)
{
	char val[USERS_SECRET_MAX + USERS_TARGETS_MAX + 2];
	size_t vlen, slen;
	int r;

	r = db_get(users, key, strlen(key), val, sizeof(val), &vlen);
	if (r != 1)
		return r;
	if (vlen >= sizeof(val) || (slen = strlen(val)) >= vlen ||
	    slen >= sizeof(a->secret)) {
		errno = EINVAL; /* not a record cdbmake-users wrote */
		return -1;
	}
	strlcpy(a->key, key, sizeof(a->key));
	strlcpy(a->secret, val, sizeof(a->secret));
	strlcpy(a->targets, val + slen + 1, sizeof(a->targets));
	return 1;
}

int
users_find(
    struct db *users, const char *name, const char *domain, struct account *a)
{
	char key[ADDR_MAX];
	int r;

	strlcpy(a->name, name, sizeof(a->name));
	if (domain[0] != '\0') {
		snprintf(key, sizeof(key), "%s@%s", name, domain);
		strlcpy(a->domain, domain, sizeof(a->domain));
		if ((r = users_get(users, key, a)) != 0)
			return r;
	}
	a->domain[0] = '\0';
	return users_get(users, name, a);
}

int
users_find_catchall(struct db *users, const char *domain, struct account *a)
{
	char key[ADDR_MAX];

	if (domain[0] == '\0')
		return 0;
	snprintf(key, sizeof(key), "@%s", domain);
	a->name[0] = '\0';
	strlcpy(a->domain, domain, sizeof(a->domain));
	return users_get(users, key, a);
}

int
users_find_rcpt(
    struct db *users, const char *name, const char *domain, struct account *a)
{
	int r;

	if ((r = users_find(users, name, domain, a)) != 0)
		return r;
	return users_find_catchall(users, domain, a);
}

int
users_find_login(struct db *users, const char *login, struct account *a)
{
	char name[USERS_NAME_MAX + 1], domain[ADDR_DOMAIN_MAX + 1];
	const char *at = strchr(login, '@');
	size_t n = at ? (size_t)(at - login) : strlen(login);

	if (n == 0 || n > USERS_NAME_MAX)
		return 0;
	addr_lower(name, login, n + 1); /* the part before '@' */
	/* root never logs in, whatever the users file says */
	if (!users_name_ok(name) || strcmp(name, "root") == 0)
		return 0;
	domain[0] = '\0';
	if (at != NULL &&
	    addr_domain_normalize(at + 1, domain, sizeof(domain)) == -1)
		return 0;
	return users_find(users, name, domain, a);
}

int
users_domain_is_local(struct db *domains, const char *domain)
{
	return db_gets(domains, domain, NULL, 0);
}

int
users_has_own_maildir(const struct account *a)
{
	const char *t = a->targets;

	if (a->name[0] == '\0')
		return 0; /* a catch-all has no Maildir of its own */
	if (*t == '\0')
		return 1;
	for (;;) {
		size_t n = strcspn(t, ",");

		if (n == 1 && t[0] == '.')
			return 1;
		if (t[n] == '\0')
			return 0;
		t += n + 1;
	}
}

int
users_maildir(
    const char *spool, const struct account *a, char *buf, size_t size)
{
	int n;

	if (a->domain[0] != '\0' && strchr(a->key, '@') != NULL)
		n = snprintf(
		    buf, size, "%s/mail/%s/%s/", spool, a->domain, a->name);
	else
		n = snprintf(buf, size, "%s/mail/%s/", spool, a->name);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int
users_may_send_as(struct db *senders, const char *key, const struct addr *a)
{
	char list[USERS_TARGETS_MAX], addr[ADDR_MAX + 2],
	    dom[ADDR_DOMAIN_MAX + 2];
	const char *p;
	size_t n;
	int r;

	if (senders == NULL)
		return 0;
	if ((r = db_gets(senders, key, list, sizeof(list))) != 1)
		return r;
	addr_format(a, addr, sizeof(addr));
	addr_lower(addr, addr, sizeof(addr));
	snprintf(dom, sizeof(dom), "@%s", a->domain);
	for (p = list; *p != '\0'; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if ((n == strlen(addr) && strncmp(p, addr, n) == 0) ||
		    (n == strlen(dom) && strncasecmp(p, dom, n) == 0))
			return 1;
	}
	return 0;
}

const char *
users_target_domain(const char *target_domain, const char *account_domain,
    const char *walk_domain)
{
	if (target_domain != NULL && target_domain[0] != '\0')
		return target_domain;
	if (account_domain != NULL && account_domain[0] != '\0')
		return account_domain;
	return walk_domain != NULL ? walk_domain : "";
}
