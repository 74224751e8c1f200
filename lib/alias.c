/* alias: the walk through an account's targets; see alias.h. */
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "alias.h"

void
alias_from_account(struct alias_account *out, const struct account *a)
{
	*out = (struct alias_account) { a->key, a->name, a->domain, a->targets,
		NULL, a };
}

/* A local target of a: the account it names, walked; its height. */
static int
alias_local(const struct alias_visit *v, const struct alias_account *a,
    const char *item, const char *ctx, int depth)
{
	char name[USERS_NAME_MAX + 1];
	const char *at = strchr(item, '@');
	const char *dom = users_target_domain(at ? at + 1 : "", a->domain, ctx);
	size_t n = at ? (size_t)(at - item) : strlen(item);
	struct alias_account next;
	struct account space;
	int r;

	if (n > USERS_NAME_MAX)
		return errno = EINVAL, ALIAS_STOP;
	memcpy(name, item, n);
	name[n] = '\0';
	if ((r = v->find(v->arg, name, dom, &space, &next)) == -1)
		return ALIAS_STOP;
	if (r == 0)
		return v->missing(v->arg, a, item, dom);
	return alias_walk(v, &next, dom, depth + 1);
}

/* One target of a: 0, a local account's height + 1, or below 0. */
static int
alias_target(const struct alias_visit *v, const struct alias_account *a,
    const char *item, const char *ctx, int depth)
{
	char dom[ADDR_DOMAIN_MAX + 1];
	const char *at = strchr(item, '@');
	int r;

	if (strcmp(item, ".") == 0)
		return v->own(v->arg, a);
	if (item[0] == '/')
		return v->maildir(v->arg, item);
	if (at != NULL) {
		if (addr_domain_normalize(at + 1, dom, sizeof(dom)) == -1)
			return v->forward(v->arg, item);
		if ((r = v->local_domain(v->arg, dom)) == 0)
			return v->forward(v->arg, item);
		if (r == -1)
			return ALIAS_STOP;
	}
	r = alias_local(v, a, item, ctx, depth);
	return r < 0 ? r : r + 1;
}

/* Each of a's targets: the highest chain below, or below 0. */
static int
alias_targets(const struct alias_visit *v, const struct alias_account *a,
    const char *ctx, int depth)
{
	char item[USERS_TARGETS_MAX];
	const char *t = a->targets;
	int h = 0, r, wrong = 0;
	size_t n;

	if (*t == '\0')
		return v->own(v->arg, a);
	for (; *t != '\0'; t += n + (t[n] == ',')) {
		n = strcspn(t, ",");
		if (n == 0 || n >= sizeof(item))
			return errno = EINVAL, ALIAS_STOP;
		memcpy(item, t, n);
		item[n] = '\0';
		if ((r = alias_target(v, a, item, ctx, depth)) == ALIAS_STOP)
			return ALIAS_STOP;
		if (r == ALIAS_WRONG)
			wrong = 1;
		else if (r > h)
			h = r;
	}
	return wrong ? ALIAS_WRONG : h;
}

int
alias_walk(const struct alias_visit *v, const struct alias_account *a,
    const char *ctx, int depth)
{
	enum alias_enter e = ALIAS_ENTER_WALK;
	int h = 0;

	if (a->domain[0] != '\0')
		ctx = a->domain;
	if (depth > USERS_ALIAS_DEPTH)
		return v->too_long(v->arg, a, 1);
	if (v->enter != NULL)
		e = v->enter(v->arg, a, ctx, depth, &h);
	if (e != ALIAS_ENTER_WALK)
		return e == ALIAS_ENTER_KNOWN ? h
		    : e == ALIAS_ENTER_WRONG  ? ALIAS_WRONG
					      : ALIAS_STOP;
	h = alias_targets(v, a, ctx, depth);
	/* met near the top, what was walked before may make it too long */
	if (h > USERS_ALIAS_DEPTH)
		h = v->too_long(v->arg, a, 0);
	if (v->leave != NULL && h != ALIAS_STOP)
		v->leave(v->arg, a, ctx, h);
	return h;
}
