/*
 * tabcheck: cdbmake-users's alias checks over the users being compiled
 * (lib/tables): every account with a local one among its targets is
 * walked (lib/alias, the walk delivery follows) in each context it can
 * be met in, and every loop, target naming no account, chain longer than
 * delivery follows and list reaching more than one message takes is
 * said at its line, once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "alias.h"
#include "deliver.h"
#include "tabset.h"
#include "users.h"

/* The walk's memory, per account and context (a domain, or the last). */
struct tab_walk {
	struct tables *t;
	char **missing; /* "LINE TARGET" reported: each said once */
	size_t nmissing;
	unsigned char *state; /* users x contexts */
	signed char *height;
	unsigned short *reach; /* destinations below, up to one more than a
				  message takes (one met two ways twice) */
	size_t nctx;
	size_t stack[USERS_ALIAS_DEPTH + 2];
	unsigned reach_at[USERS_ALIAS_DEPTH + 2]; /* on the way down */
	int depth;				  /* of the account walked */
};

/* The context index of a domain: its place in domains, or the last. */
static size_t
tab_ctx(struct tab_walk *w, const char *domain)
{
	struct tables *t = w->t;
	struct tab_entry *d;

	if (domain[0] == '\0' || (d = tab_find(&t->domains, domain)) == NULL)
		return w->nctx - 1;
	return (size_t)(d - t->domains.e);
}

static const char *
tab_ctx_domain(struct tab_walk *w, size_t ctx)
{
	return ctx == w->nctx - 1 ? "" : w->t->domains.e[ctx].key;
}

/* An entry as a step of the walk (lib/alias). */
static void
tab_account(const struct tab_entry *e, struct alias_account *out)
{
	*out = (struct alias_account) { e->key, e->name, e->domain,
		e->value + strlen(e->value) + 1, e, NULL };
}

/* The account a local target names, as users_find will at run time. */
static int
tab_alias_find(void *arg, const char *name, const char *domain,
    struct account *space, struct alias_account *out)
{
	struct tab_walk *w = arg;
	struct tables *t = w->t;
	char key[ADDR_MAX];
	struct tab_entry *v = NULL;

	(void)space;
	if (domain[0] != '\0') {
		snprintf(key, sizeof(key), "%s@%s", name, domain);
		v = tab_find(&t->users, key);
	}
	if (v == NULL && (v = tab_find(&t->users, name)) == NULL)
		return 0;
	tab_account(v, out);
	return 1;
}

static int
tab_alias_local_domain(void *arg, const char *domain)
{
	return tab_domain_local(((struct tab_walk *)arg)->t, domain);
}

enum { WALK_NEW, WALK_ACTIVE, WALK_DONE };

/* Destinations below the account walked at depth, counted up to one
 * more than a message takes. */
static void
tab_reach_add(struct tab_walk *w, int depth, unsigned n)
{
	unsigned *r = &w->reach_at[depth];

	*r =
	    *r + n > DELIVER_TARGETS_MAX + 1 ? DELIVER_TARGETS_MAX + 1 : *r + n;
}

static void
tab_report_loop(struct tab_walk *w, const struct tab_entry *v, int depth)
{
	struct tables *t = w->t;
	char path[1024] = "";
	int i = depth;

	while (i > 0 && &t->users.e[w->stack[i]] != v)
		i--;
	for (; i <= depth; i++) {
		strlcat(path, t->users.e[w->stack[i]].key, sizeof(path));
		strlcat(path, " -> ", sizeof(path));
	}
	strlcat(path, v->key, sizeof(path));
	tab_error(t, t->users.path, v->line, "alias loop: %s", path);
}

/* The walk's memory: an entry in a context once, a loop when met again
 * on the way down. */
static enum alias_enter
tab_alias_enter(void *arg, const struct alias_account *a, const char *ctx,
    int depth, int *height)
{
	struct tab_walk *w = arg;
	struct tables *t = w->t;
	const struct tab_entry *e = a->entry;
	size_t ui = (size_t)(e - t->users.e),
	       s = ui * w->nctx + tab_ctx(w, ctx);

	if (w->state[s] == WALK_DONE) {
		*height = w->height[s];
		if (depth > 0)
			tab_reach_add(w, depth - 1, w->reach[s]);
		return *height < 0 ? ALIAS_ENTER_WRONG : ALIAS_ENTER_KNOWN;
	}
	w->stack[depth] = ui;
	if (w->state[s] == WALK_ACTIVE) {
		tab_report_loop(w, e, depth - 1);
		return ALIAS_ENTER_WRONG;
	}
	w->state[s] = WALK_ACTIVE;
	w->depth = depth;
	w->reach_at[depth] = 0;
	return ALIAS_ENTER_WALK;
}

static void
tab_alias_leave(
    void *arg, const struct alias_account *a, const char *ctx, int height)
{
	struct tab_walk *w = arg;
	struct tables *t = w->t;
	const struct tab_entry *e = a->entry;
	size_t s = (size_t)(e - t->users.e) * w->nctx + tab_ctx(w, ctx);

	w->state[s] = WALK_DONE;
	w->height[s] = (signed char)(height < 0 ? -1 : height);
	w->reach[s] = (unsigned short)w->reach_at[w->depth];
	if (w->depth > 0)
		tab_reach_add(w, w->depth - 1, w->reach[s]);
	w->depth--;
}

/* A destination: its own Maildir, a Maildir by path, a forward. */
static int
tab_alias_end(void *arg, const struct alias_account *a)
{
	(void)a;
	tab_reach_add(arg, ((struct tab_walk *)arg)->depth, 1);
	return 0;
}

static int
tab_alias_path(void *arg, const char *path)
{
	(void)path;
	tab_reach_add(arg, ((struct tab_walk *)arg)->depth, 1);
	return 0;
}

/* Each target that names no account is said once, whatever the walk
 * it was met in. */
static int
tab_alias_missing(void *arg, const struct alias_account *from,
    const char *target, const char *domain)
{
	struct tab_walk *w = arg;
	struct tables *t = w->t;
	const struct tab_entry *e = from->entry;
	char text[USERS_TARGETS_MAX + 16], *said, **m;
	size_t i;

	snprintf(text, sizeof(text), "%u %s", e->line, target);
	if ((said = strdup(text)) == NULL)
		return ALIAS_STOP;
	for (i = 0; i < w->nmissing; i++)
		if (strcmp(w->missing[i], said) == 0) {
			free(said);
			return ALIAS_WRONG;
		}
	if ((m = reallocarray(w->missing, w->nmissing + 1, sizeof(*m))) ==
	    NULL) {
		free(said);
		return ALIAS_STOP;
	}
	w->missing = m;
	w->missing[w->nmissing++] = said;
	tab_error(t, t->users.path, e->line, "target %s names no account%s%s",
	    target,
	    strchr(target, '@') || domain[0] == '\0' ? "" : " in domain ",
	    strchr(target, '@') ? "" : domain);
	return ALIAS_WRONG;
}

/* Said at the line of the account whose mail would not get through:
 * where the walk began, or the one whose own chain is too long. */
static int
tab_alias_too_long(void *arg, const struct alias_account *a, int deep)
{
	struct tab_walk *w = arg;
	struct tables *t = w->t;
	struct tab_entry *e =
	    deep ? &t->users.e[w->stack[0]] : (struct tab_entry *)a->entry;

	if (!e->alias_reported++)
		tab_error(t, t->users.path, e->line,
		    "alias chain through %s is longer than %d hops", e->key,
		    USERS_ALIAS_DEPTH);
	return ALIAS_WRONG;
}

/* The distinct destinations of one account, as delivery counts them. */
struct tab_reach {
	struct tab_walk *w;
	char *d[DELIVER_TARGETS_MAX + 1];
	size_t n;
	unsigned long steps; /* a bound on the time: lists of lists */
};

static int
tab_reach_one(struct tab_reach *r, const char *where)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->d[i], where) == 0)
			return 0;
	if (r->n > DELIVER_TARGETS_MAX)
		return ALIAS_STOP; /* enough to know */
	if ((r->d[r->n] = strdup(where)) == NULL)
		return ALIAS_STOP;
	r->n++;
	return 0;
}

static int
tab_reach_find(void *arg, const char *name, const char *domain,
    struct account *space, struct alias_account *out)
{
	struct tab_reach *r = arg;

	if (++r->steps > 1000000)
		return errno = E2BIG, -1; /* left to delivery's 452 */
	return tab_alias_find(r->w, name, domain, space, out);
}

static int
tab_reach_local_domain(void *arg, const char *domain)
{
	return tab_domain_local(((struct tab_reach *)arg)->w->t, domain);
}

static int
tab_reach_own(void *arg, const struct alias_account *a)
{
	return tab_reach_one(arg, a->key); /* one Maildir per account */
}

static int
tab_reach_path(void *arg, const char *path)
{
	return tab_reach_one(arg, path);
}

static int
tab_reach_known(
    void *arg, const struct alias_account *a, const char *t, const char *d)
{
	(void)arg;
	(void)a;
	(void)t;
	(void)d;
	return ALIAS_WRONG; /* said by the first walk */
}

static int
tab_reach_deep(void *arg, const struct alias_account *a, int deep)
{
	(void)arg;
	(void)a;
	(void)deep;
	return ALIAS_WRONG;
}

/*
 * An account whose destinations may be more than one message takes
 * (DELIVER_TARGETS_MAX) is walked again, counting each once as delivery
 * does: smtp-in would answer every message to it 452.
 */
static void
tab_check_reach(struct tab_walk *w, struct tab_entry *e, const char *ctx)
{
	struct tables *t = w->t;
	struct tab_reach r = { .w = w };
	const struct alias_visit v = { .find = tab_reach_find,
		.local_domain = tab_reach_local_domain,
		.own = tab_reach_own,
		.maildir = tab_reach_path,
		.forward = tab_reach_path,
		.missing = tab_reach_known,
		.too_long = tab_reach_deep,
		.arg = &r };
	struct alias_account a;

	tab_account(e, &a);
	alias_walk(&v, &a, ctx, 0);
	if (r.n > DELIVER_TARGETS_MAX && !e->alias_reported++)
		tab_error(t, t->users.path, e->line,
		    "%s reaches more than %d mailboxes and addresses, more "
		    "than one message is delivered to: split it",
		    e->key, DELIVER_TARGETS_MAX);
	while (r.n > 0)
		free(r.d[--r.n]);
}

/* Walks every account with a local one among its targets, in each
 * context it can be met in. */
static int
tab_walk_all(struct tab_walk *w)
{
	const struct alias_visit v = { .find = tab_alias_find,
		.local_domain = tab_alias_local_domain,
		.enter = tab_alias_enter,
		.leave = tab_alias_leave,
		.own = tab_alias_end,
		.maildir = tab_alias_path,
		.forward = tab_alias_path,
		.missing = tab_alias_missing,
		.too_long = tab_alias_too_long,
		.arg = w };
	struct tables *t = w->t;
	struct alias_account a;
	size_t i, c;

	for (i = 0; i < t->users.n; i++) {
		if (!t->users.e[i].aliases)
			continue;
		tab_account(&t->users.e[i], &a);
		for (c = 0; c < (a.domain[0] != '\0' ? 1 : w->nctx); c++) {
			const char *ctx = tab_ctx_domain(w, c);

			if (alias_walk(&v, &a, ctx, 0) == ALIAS_STOP)
				return -1;
			if (w->reach[i * w->nctx +
				tab_ctx(w, a.domain[0] ? a.domain : ctx)] >
			    DELIVER_TARGETS_MAX)
				tab_check_reach(w, &t->users.e[i], ctx);
		}
	}
	return 0;
}

int
tab_check_aliases(struct tables *t)
{
	struct tab_walk w = { .t = t, .nctx = t->domains.n + 1 };
	size_t cells = t->users.n * w.nctx + 1;
	int r = -1;

	w.state = calloc(cells, 1);
	w.height = calloc(cells, 1);
	w.reach = calloc(cells, sizeof(*w.reach));
	if (w.state != NULL && w.height != NULL && w.reach != NULL)
		r = tab_walk_all(&w);
	while (w.nmissing > 0)
		free(w.missing[--w.nmissing]);
	free(w.missing);
	free(w.state);
	free(w.height);
	free(w.reach);
	return r;
}
