/*
 * conf: table-driven parser for yubin.conf. Each key has a type, a place in
 * struct conf and, for numbers, a range. Returns 0/-1 (message in err).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cidr.h"
#include "conf.h"
#include "dnsbl.h"
#include "filter.h"
#include "textfile.h"

enum conf_type {
	CT_HOST,
	CT_PATH,
	CT_FILE,
	CT_INT,
	CT_LLONG,
	CT_WORD, /* printable, no spaces */
	CT_BOOL,
	CT_FINGER,
	CT_DURATION, /* seconds, or with an s, m, h or d suffix */
	CT_SERVERS,  /* ip, ip:port, [ip6]:port, comma-separated */
	CT_HOSTPORT, /* host, host:port, [ip6]:port */
	CT_ROUTE,    /* "domain host[:port]", may be given many times */
	CT_DOMAINS,  /* comma-separated domain names */
	CT_TLSOUT,   /* may, no or encrypt */
	CT_DNSLISTS, /* zone[=code|code],... (lib/dnsbl) */
	CT_ARGV,     /* /absolute/program arg ... (lib/filter) */
	CT_ADDR	     /* one IPv4 or IPv6 address */
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;
	size_t size;
	long long min, max;
};

#define K(n, t, min, max)                                                      \
	{                                                                      \
#n, t, offsetof(struct conf, n),                               \
		    sizeof(((struct conf *)0)->n), min, max                    \
	}

static const struct conf_key conf_keys[] = {
	K(hostname, CT_HOST, 0, 0),
	K(spool, CT_PATH, 0, 0),
	K(log, CT_FILE, 0, 0),
	K(timeout, CT_INT, 1, 3600),
	K(auth_requires_tls, CT_BOOL, 0, 1),
	K(relay_after_pop_minutes, CT_INT, 0, 1440),
	K(max_login_failures, CT_INT, 1, 100),
	K(finger, CT_FINGER, 0, 0),
	K(max_message_size, CT_LLONG, 1024, 1LL << 40),
	K(max_recipients, CT_INT, 1, 100000),
	K(dns_servers, CT_SERVERS, 0, 0),
	K(remote_port, CT_INT, 1, 65535),
	K(ipv4_only, CT_BOOL, 0, 1),
	K(remote_concurrency, CT_INT, 1, 100),
	K(queue_lifetime, CT_DURATION, 60, 90LL * 86400),
	K(smarthost, CT_HOSTPORT, 0, 0),
	K(smarthost_user, CT_WORD, 0, 0),
	K(smarthost_password_file, CT_FILE, 0, 0),
	{ "route", CT_ROUTE, 0, 0, 0, 0 },
	K(hold_domains, CT_DOMAINS, 0, 0),
	K(tls_cert, CT_FILE, 0, 0),
	K(tls_key, CT_FILE, 0, 0),
	K(tls_outbound, CT_TLSOUT, 0, 0),
	K(smarthost_tls, CT_BOOL, 0, 1),
	K(smarthost_insecure_cleartext_auth, CT_BOOL, 0, 1),
	K(dkim_selector, CT_HOST, 0, 0),
	K(srs_domain, CT_HOST, 0, 0),
	K(sender_check, CT_BOOL, 0, 1),
	K(local_smtp, CT_HOSTPORT, 0, 0),
	K(lockout_failures, CT_INT, 0, 1000),
	K(lockout_time, CT_DURATION, 1, 7 * 86400),
	K(dnsbl, CT_DNSLISTS, 0, 0),
	K(dnswl, CT_DNSLISTS, 0, 0),
	K(greylist_delay, CT_DURATION, 0, 86400),
	K(greylist_expire, CT_DURATION, 3600, 366LL * 86400),
	K(filter, CT_ARGV, 0, 0),
	K(filter_timeout, CT_DURATION, 1, 3600),
	K(filter_fail_open, CT_BOOL, 0, 1),
	K(auth_results, CT_BOOL, 0, 1),
	K(dmarc_reject, CT_BOOL, 0, 1),
	K(dmarc_quarantine, CT_BOOL, 0, 1),
	K(public_address, CT_ADDR, 0, 0),
	K(cleartext_login_from_relay, CT_BOOL, 0, 1),
	K(relay_domains, CT_DOMAINS, 0, 0),
	K(vacation_days, CT_INT, 1, 365),
};

/* conf_load marks the keys it has seen in one 64-bit word */
_Static_assert(sizeof(conf_keys) / sizeof(conf_keys[0]) <= 64,
    "more keys than bits in conf_load's seen");

/* The system's name, when yubin.conf names none (asked only then: a
 * system call at every connection otherwise). */
static void
conf_default_hostname(struct conf *c)
{
	if (c->hostname[0] != '\0')
		return;
	if (gethostname(c->hostname, sizeof(c->hostname) - 1) != 0 ||
	    c->hostname[0] == '\0')
		strlcpy(c->hostname, "localhost", sizeof(c->hostname));
}

/* The defaults that are not zero, into a zeroed struct conf (the
 * hostname's after the file). */
static void
conf_set_defaults(struct conf *c, const char *dir)
{
	strlcpy(c->dir, dir ? dir : CONFDIR, sizeof(c->dir));
	strlcpy(c->spool, "/var/yubin", sizeof(c->spool));
	c->timeout = 300;
	c->auth_requires_tls = 1;
	c->relay_after_pop_minutes = 0;
	c->max_login_failures = 3;
	c->finger = FINGER_STATUS;
	c->max_message_size = 10 * 1024 * 1024;
	c->max_recipients = 100;
	c->remote_port = 25;
	c->remote_concurrency = 10;
	c->queue_lifetime = 5 * 86400;
	strlcpy(c->dkim_selector, "yubin", sizeof(c->dkim_selector));
	c->sender_check = 1;
	strlcpy(c->local_smtp, "127.0.0.1:25", sizeof(c->local_smtp));
	c->lockout_failures = 10;
	c->lockout_time = 15 * 60;
	c->greylist_expire = 35 * 86400;
	c->filter_timeout = 120;
	c->auth_results = 1;
	c->dmarc_reject = 1;
	c->dmarc_quarantine = 1;
	c->vacation_days = 7;
}

void
conf_defaults(struct conf *c, const char *dir)
{
	memset(c, 0, sizeof(*c));
	conf_set_defaults(c, dir);
	conf_default_hostname(c);
}

/* 1 if domain is in a comma-separated list of domains. */
static int
domain_listed(const char *list, const char *domain)
{
	const char *p = list;
	size_t n, len = strlen(domain);

	for (; *p; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n == len && strncasecmp(p, domain, n) == 0)
			return 1;
	}
	return 0;
}

int
conf_domain_held(const struct conf *c, const char *domain)
{
	return domain_listed(c->hold_domains, domain);
}

int
conf_domain_relayed(const struct conf *c, const char *domain)
{
	return domain_listed(c->relay_domains, domain);
}

int
conf_path(const struct conf *c, const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", c->dir, name);

	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

/* RFC 1123 host name: letter/digit labels with inner hyphens. */
static int
conf_hostname_ok(const char *s)
{
	size_t label = 0, total = strlen(s);

	if (total == 0 || total > 253)
		return 0;
	for (; *s; s++) {
		if (*s == '.') {
			if (label == 0 || s[-1] == '-')
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*s) ||
		    (*s == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0 && s[-1] != '-';
}

/* "5d", "12h", "90m", "3600s", "3600" into seconds; -1 if bad. */
static long long
conf_duration(const char *v)
{
	static const char units[] = "smhd";
	static const long long mult[] = { 1, 60, 3600, 86400 };
	char num[32];
	const char *errstr = NULL, *u;
	size_t n = strlen(v);
	long long x, m = 1;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, v, n + 1);
	if ((u = strchr(units, num[n - 1])) != NULL && num[n - 1] != '\0') {
		m = mult[u - units];
		num[n - 1] = '\0';
	}
	x = strtonum(num, 0, 1LL << 40, &errstr);
	return errstr ? -1 : x * m;
}

/* Each item an address c-ares can use: ip, ip:port or [ip6]:port. */
static int
conf_servers_ok(const char *v)
{
	char item[80], host[64];
	unsigned char bin[16];
	const char *errstr = NULL, *port = NULL;
	size_t n;

	for (; *v; v += n + (v[n] == ',')) {
		n = strcspn(v, ",");
		if (n == 0 || n >= sizeof(item))
			return 0;
		memcpy(item, v, n);
		item[n] = '\0';
		if (item[0] == '[') {
			char *close = strchr(item, ']');

			if (close == NULL || (close[1] && close[1] != ':'))
				return 0;
			*close = '\0';
			strlcpy(host, item + 1, sizeof(host));
			port = close[1] ? close + 2 : NULL;
		} else {
			char *colon = strchr(item, ':');

			if (colon && strchr(colon + 1, ':'))
				colon = NULL; /* a bare IPv6 address */
			if (colon)
				*colon = '\0';
			strlcpy(host, item, sizeof(host));
			port = colon ? colon + 1 : NULL;
		}
		if (inet_pton(AF_INET, host, bin) != 1 &&
		    inet_pton(AF_INET6, host, bin) != 1)
			return 0;
		if (port != NULL && (strtonum(port, 1, 65535, &errstr), errstr))
			return 0;
	}
	return 1;
}

/* "host", "host:port" or "[ipv6]:port": a name or an address. */
static int
conf_hostport_ok(const char *v)
{
	char host[256];
	unsigned char bin[16];
	const char *errstr = NULL, *port = NULL, *close;
	size_t n;

	if (v[0] == '[') {
		if ((close = strchr(v, ']')) == NULL ||
		    (close[1] && close[1] != ':'))
			return 0;
		n = (size_t)(close - v - 1);
		port = close[1] ? close + 2 : NULL;
		if (n >= sizeof(host))
			return 0;
		memcpy(host, v + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, bin) != 1)
			return 0;
	} else {
		n = strcspn(v, ":");
		port = v[n] ? v + n + 1 : NULL;
		if (n >= sizeof(host))
			return 0;
		memcpy(host, v, n);
		host[n] = '\0';
		if (!conf_hostname_ok(host))
			return 0;
	}
	if (port != NULL && (strtonum(port, 1, 65535, &errstr), errstr))
		return 0;
	return 1;
}

/* "domain host[:port]" */
static const char *
conf_route(struct conf *c, const char *v)
{
	char domain[256];
	size_t n = strcspn(v, " \t");
	const char *host = v + n;

	while (*host == ' ' || *host == '\t')
		host++;
	if (n == 0 || n >= sizeof(domain) || *host == '\0')
		return "must be: route = domain host[:port]";
	memcpy(domain, v, n);
	domain[n] = '\0';
	if (!conf_hostname_ok(domain) || !conf_hostport_ok(host))
		return "must be: route = domain host[:port]";
	if (c->nroute >= CONF_ROUTES_MAX)
		return "is given too many times";
	snprintf(
	    c->route[c->nroute++], sizeof(c->route[0]), "%s %s", domain, host);
	return NULL;
}

/* The settings that are one of a few words, and what each word means. */
struct conf_word {
	const char *word;
	int value;
};
static const struct conf_word conf_bools[] = { { "yes", 1 }, { "no", 0 },
	{ NULL, 0 } };
static const struct conf_word conf_tls_words[] = { { "may", TLS_OUT_MAY },
	{ "no", TLS_OUT_NO }, { "encrypt", TLS_OUT_ENCRYPT }, { NULL, 0 } };
static const struct conf_word conf_finger_words[] = { { "status",
							  FINGER_STATUS },
	{ "off", FINGER_OFF }, { "list", FINGER_LIST }, { NULL, 0 } };

static const char *
conf_word(const struct conf_word *w, const char *v, int *dst, const char *why)
{
	for (; w->word != NULL; w++)
		if (strcmp(v, w->word) == 0) {
			*dst = w->value;
			return NULL;
		}
	return why;
}

static const char *
conf_number(const struct conf_key *k, const char *v, char *dst)
{
	static char range[80];
	const char *errstr = NULL;
	long long n = strtonum(v, k->min, k->max, &errstr);

	if (errstr != NULL && strcmp(errstr, "invalid") == 0)
		return "is not a number";
	if (errstr != NULL) {
		snprintf(range, sizeof(range), "is out of range (%lld to %lld)",
		    k->min, k->max);
		return range;
	}
	if (k->type == CT_INT)
		*(int *)(void *)dst = (int)n;
	else
		*(long long *)(void *)dst = n;
	return NULL;
}

static const char *
conf_path_bad(const char *v)
{
	if (v[0] != '/')
		return "must be an absolute path";
	if (strstr(v, "/../") || strcmp(v + strlen(v) - 3, "/..") == 0)
		return "must not contain ..";
	return NULL;
}

static const char *
conf_word_bad(const char *v)
{
	for (const char *p = v; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return "must be one word";
	return NULL;
}

static const char *
conf_domains_bad(const char *v)
{
	char one[256];
	size_t n;

	for (const char *p = v; *p; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(one))
			return "must be domains, comma-separated";
		memcpy(one, p, n);
		one[n] = '\0';
		if (!conf_hostname_ok(one))
			return "must be domains, comma-separated";
	}
	return NULL;
}

/* What is wrong with a text setting's value, or NULL. */
static const char *
conf_text_bad(const struct conf_key *k, const char *v)
{
	struct cidr a;

	switch (k->type) {
	case CT_HOST:
		return conf_hostname_ok(v) ? NULL : "is not a valid host name";
	case CT_PATH:
	case CT_FILE:
		return conf_path_bad(v);
	case CT_WORD:
		return conf_word_bad(v);
	case CT_HOSTPORT:
		return conf_hostport_ok(v)
		    ? NULL
		    : "must be host, host:port or [ipv6]:port";
	case CT_DOMAINS:
		return conf_domains_bad(v);
	case CT_ARGV:
		return filter_argv_ok(v)
		    ? NULL
		    : "must be a program by its absolute path, then at most "
		      "15 arguments, split on spaces";
	case CT_DNSLISTS:
		return dnsbl_lists_ok(v)
		    ? NULL
		    : "must be DNS list zones, comma-separated, each with "
		      "=127.0.0.x|127.0.0.y answers or none (at most 8)";
	case CT_ADDR:
		return cidr_from_text(v, &a) == 0
		    ? NULL
		    : "is not an IPv4 or IPv6 address";
	case CT_SERVERS:
		return conf_servers_ok(v)
		    ? NULL
		    : "must be ip, ip:port or [ipv6]:port, comma-separated";
	default:
		return NULL;
	}
}

static const char *
conf_set(struct conf *c, const struct conf_key *k, const char *v)
{
	char *dst = (char *)c + k->offset;
	const char *why;
	long long d;

	switch (k->type) {
	case CT_INT:
	case CT_LLONG:
		return conf_number(k, v, dst);
	case CT_BOOL:
		return conf_word(
		    conf_bools, v, (int *)(void *)dst, "must be yes or no");
	case CT_TLSOUT:
		return conf_word(conf_tls_words, v, (int *)(void *)dst,
		    "must be may, no or encrypt");
	case CT_FINGER:
		return conf_word(conf_finger_words, v, (int *)(void *)dst,
		    "must be status, off or list");
	case CT_DURATION:
		if ((d = conf_duration(v)) < k->min || d > k->max)
			return "must be a duration from 60s to 90d (say 5d)";
		*(long long *)(void *)dst = d;
		return NULL;
	case CT_ROUTE:
		return conf_route(c, v);
	default:
		if ((why = conf_text_bad(k, v)) != NULL)
			return why;
		if (strlcpy(dst, v, k->size) >= k->size)
			return "is too long";
		return NULL;
	}
}

static char *
conf_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Parses one line; returns NULL or the error text. */
static const char *
conf_line(struct conf *c, char *line, unsigned long long *seen, char *what,
    size_t whatlen)
{
	char *eq, *key, *val, *hash;
	size_t i;

	for (hash = line; (hash = strchr(hash, '#')) != NULL; hash++)
		if (hash == line || hash[-1] == ' ' || hash[-1] == '\t') {
			*hash = '\0';
			break;
		}
	key = conf_trim(line);
	if (*key == '\0')
		return NULL;
	if ((eq = strchr(key, '=')) == NULL)
		return "expected key = value";
	*eq = '\0';
	key = conf_trim(key);
	val = conf_trim(eq + 1);
	strlcpy(what, key, whatlen);
	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++) {
		if (strcmp(conf_keys[i].name, key) != 0)
			continue;
		if ((*seen & (1ULL << i)) && conf_keys[i].type != CT_ROUTE)
			return "is set twice";
		*seen |= 1ULL << i;
		if (*val == '\0')
			return "has no value";
		return conf_set(c, &conf_keys[i], val);
	}
	return "is not a known setting";
}

static const char *
conf_read_error(int r)
{
	return r == TEXTFILE_LONG ? "line too long"
				  : "line contains a NUL byte";
}

int
conf_load(struct conf *c, const char *dir, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	return conf_load_zeroed(c, dir, err, errlen);
}

int
conf_load_zeroed(struct conf *c, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX], line[CONF_LINE_MAX], what[64];
	const char *msg = NULL;
	struct textfile t;
	unsigned long long seen = 0; /* a bit per key of conf_keys */
	int r;

	conf_set_defaults(c, dir);
	if (conf_path(c, "yubin.conf", path, sizeof(path)) == -1) {
		snprintf(err, errlen, "%s: configuration path too long", dir);
		conf_default_hostname(c);
		return -1;
	}
	if (textfile_open(&t, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		conf_default_hostname(c);
		return -1;
	}
	while ((r = textfile_next(&t, line, sizeof(line))) > 0) {
		what[0] = '\0';
		msg = r == TEXTFILE_LINE
		    ? conf_line(c, line, &seen, what, sizeof(what))
		    : conf_read_error(r);
		if (msg != NULL)
			break;
	}
	if (r == TEXTFILE_ERR)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (msg != NULL)
		snprintf(err, errlen, "%s:%u: %s%s%s", path, t.lineno, what,
		    what[0] ? " " : "", msg);
	textfile_close(&t);
	conf_default_hostname(c);
	if (c->srs_domain[0] == '\0') /* after hostname, which it follows */
		strlcpy(c->srs_domain, c->hostname, sizeof(c->srs_domain));
	return (r == TEXTFILE_ERR || msg != NULL) ? -1 : 0;
}
