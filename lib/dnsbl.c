/* dnsbl: DNS list look-ups with lib/dns; see dnsbl.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dnsbl.h"

#define CODES_MAX 16

struct list {
	char zone[DNS_NAME_MAX + 1];
	unsigned char code[CODES_MAX][4];
	size_t ncodes;
	int allow;
	struct dns_a a;
	struct dns_txt txt;
};

/* One "zone[=code|code]" item of n octets into l; 0 or -1. */
static int
parse_item(const char *s, size_t n, struct list *l)
{
	char item[512], *codes, *code, *next;

	if (n == 0 || n >= sizeof(item))
		return -1;
	memcpy(item, s, n);
	item[n] = '\0';
	memset(l, 0, sizeof(*l));
	if ((codes = strchr(item, '=')) != NULL)
		*codes++ = '\0';
	if (!addr_dns_name_ok(item) || strlen(item) > 200)
		return -1;
	strlcpy(l->zone, item, sizeof(l->zone));
	for (code = codes; code != NULL; code = next) {
		if ((next = strchr(code, '|')) != NULL)
			*next++ = '\0';
		if (l->ncodes == CODES_MAX ||
		    inet_pton(AF_INET, code, l->code[l->ncodes]) != 1 ||
		    l->code[l->ncodes][0] != 127)
			return -1;
		l->ncodes++;
	}
	return 0;
}

/* Parses a setting into lists[*n...]; -1 if it is not one. */
static int
parse_lists(const char *s, struct list *lists, size_t *n, int allow)
{
	size_t len;

	for (; *s != '\0'; s += len + (s[len] == ',')) {
		len = strcspn(s, ",");
		if (*n == 2 * DNSBL_LISTS_MAX ||
		    parse_item(s, len, &lists[*n]) == -1)
			return -1;
		lists[(*n)++].allow = allow;
	}
	return 0;
}

int
dnsbl_lists_ok(const char *s)
{
	struct list *lists = calloc(2 * DNSBL_LISTS_MAX, sizeof(*lists));
	size_t n = 0;
	int ok;

	if (lists == NULL)
		return 0;
	ok = parse_lists(s, lists, &n, 0) == 0 && n <= DNSBL_LISTS_MAX;
	free(lists);
	return ok;
}

/* The name to ask: the address reversed, then the zone. */
static int
query_name(const struct cidr *c, const char *zone, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t used = 0;
	int i, n;

	if (c->family == AF_INET) {
		n = snprintf(buf, size, "%u.%u.%u.%u.%s", c->addr[3],
		    c->addr[2], c->addr[1], c->addr[0], zone);
		return n < 0 || (size_t)n >= size ? -1 : 0;
	}
	if (size < 64 + strlen(zone) + 1)
		return -1;
	for (i = 15; i >= 0; i--) {
		buf[used++] = hex[c->addr[i] & 15];
		buf[used++] = '.';
		buf[used++] = hex[c->addr[i] >> 4];
		buf[used++] = '.';
	}
	strlcpy(buf + used, zone, size - used);
	return 0;
}

/* 1 if an answer of l's lists the client. */
static int
counts(const struct list *l)
{
	size_t i, k;

	for (i = 0; i < l->a.n; i++) {
		const unsigned char *a = l->a.addr[i];

		if (l->ncodes == 0 && a[0] == 127 &&
		    !(a[1] == 255 && a[2] == 255))
			return 1;
		for (k = 0; k < l->ncodes; k++)
			if (memcmp(a, l->code[k], 4) == 0)
				return 1;
	}
	return 0;
}

/* Reads the answers into r: allowlists first, then blocklists in order. */
static void
verdict(struct list *lists, size_t n, struct dnsbl_result *r)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (lists[i].a.status == DNS_TEMP)
			r->trouble++;
		if (lists[i].allow && counts(&lists[i]) && !r->allowed) {
			r->allowed = 1;
			strlcpy(r->zone, lists[i].zone, sizeof(r->zone));
		}
	}
	for (i = 0; i < n && !r->allowed; i++)
		if (!lists[i].allow && counts(&lists[i])) {
			r->listed = 1;
			strlcpy(r->zone, lists[i].zone, sizeof(r->zone));
			if (lists[i].txt.status == DNS_OK)
				strlcpy(r->reason, lists[i].txt.text,
				    sizeof(r->reason));
			return;
		}
}

int
dnsbl_check(const char *servers, const char *blocklists, const char *allowlists,
    const struct cidr *client, int timeout_ms, struct dnsbl_result *r)
{
	struct list *lists = calloc(2 * DNSBL_LISTS_MAX, sizeof(*lists));
	char name[DNS_NAME_MAX + 80];
	struct dns d;
	size_t n = 0, i;

	memset(r, 0, sizeof(*r));
	if (lists == NULL)
		return -1;
	if (parse_lists(allowlists, lists, &n, 1) == -1 ||
	    parse_lists(blocklists, lists, &n, 0) == -1) {
		free(lists);
		return errno = EINVAL, -1;
	}
	if (n == 0 || dns_open(&d, servers, timeout_ms) == -1) {
		free(lists);
		return n == 0 ? 0 : -1;
	}
	for (i = 0; i < n; i++) {
		if (query_name(client, lists[i].zone, name, sizeof(name)) == -1)
			continue;
		dns_a(&d, name, &lists[i].a);
		if (!lists[i].allow)
			dns_txt(&d, name, &lists[i].txt);
	}
	dns_wait(&d);
	dns_close(&d);
	verdict(lists, n, r);
	free(lists);
	return 0;
}
