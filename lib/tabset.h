/*
 * tabset: the tables cdbmake-users is compiling, in memory: each file's
 * entries in the order written, and sorted by key for lookups. Shared
 * by lib/tables (parse, check, write) and lib/tabcheck (the alias
 * checks) only; nothing else sees this form.
 */
#ifndef YUBIN_TABSET_H
#define YUBIN_TABSET_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

struct tab_entry {
	char *key;	   /* users: the address; domains: the domain */
	char *domain;	   /* users: "" for all-domains accounts */
	char *name;	   /* users: "" for a catch-all */
	char *value;	   /* users: "secret\0targets"; relay: "+" or "-" */
	const char *label; /* the entry as written, for messages */
	size_t vlen;
	size_t klen;
	unsigned line;
	int aliases;	    /* users: a local account among the targets */
	int alias_reported; /* users: its chain too long or too wide, said */
};

struct tab_table {
	char path[PATH_MAX];
	struct tab_entry *e;
	size_t n, cap;
	struct tab_entry **sorted;
};

struct tables {
	FILE *errf;
	int errors;
	struct tab_table domains, relay, users, senders;
};

/* "PATH:LINE: message" to errf, counted as an error. */
void tab_error(struct tables *t, const char *path, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The entry with key in tb (sorted), or NULL. */
struct tab_entry *tab_find(const struct tab_table *tb, const char *key);
/* 1 if dom is one of the domains being compiled. */
int tab_domain_local(struct tables *t, const char *dom);
/* lib/tabcheck: 0 with every problem said (errors counted), -1 out of
 * memory. */
int tab_check_aliases(struct tables *t);

#endif
