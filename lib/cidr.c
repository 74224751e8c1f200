/* cidr: address ranges; see cidr.h for the return conventions. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

static const unsigned char cidr_v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0xff };

int
cidr_len(const struct cidr *c)
{
	return c->family == AF_INET ? 4 : 16;
}

void
cidr_mask(struct cidr *c, int prefix)
{
	int i, len = cidr_len(c);

	c->prefix = prefix;
	for (i = 0; i < len; i++) {
		int bits = prefix - 8 * i;

		if (bits <= 0)
			c->addr[i] = 0;
		else if (bits < 8)
			c->addr[i] &= (unsigned char)(0xff << (8 - bits));
	}
}

static void
cidr_unmap(struct cidr *c)
{
	if (c->family == AF_INET6 &&
	    memcmp(c->addr, cidr_v4mapped, sizeof(cidr_v4mapped)) == 0) {
		memmove(c->addr, c->addr + 12, 4);
		memset(c->addr + 4, 0, 12);
		c->family = AF_INET;
		c->prefix = c->prefix >= 96 ? c->prefix - 96 : 0;
	}
}

int
cidr_from_text(const char *s, struct cidr *c)
{
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, s, c->addr) == 1) {
		c->family = AF_INET;
		c->prefix = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, s, c->addr) == 1) {
		c->family = AF_INET6;
		c->prefix = 128;
		cidr_unmap(c);
		return 0;
	}
	return -1;
}

/* "192.168.1.*", "10.*.*.*", "172.16.*": trailing wildcard octets. */
static int
cidr_parse_wildcard(const char *s, struct cidr *c)
{
	int part = 0, fixed = -1;
	const char *err = NULL;

	memset(c, 0, sizeof(*c));
	c->family = AF_INET;
	for (; part < 4; part++) {
		size_t n = strcspn(s, ".");
		char octet[4];

		if (n == 1 && *s == '*') {
			if (fixed == -1)
				fixed = part;
		} else {
			if (fixed != -1 || n == 0 || n > 3)
				return -1;
			memcpy(octet, s, n);
			octet[n] = '\0';
			c->addr[part] =
			    (unsigned char)strtonum(octet, 0, 255, &err);
			if (err != NULL)
				return -1;
		}
		s += n;
		if (*s == '\0')
			break;
		s++;
	}
	if (*s != '\0' || fixed < 1)
		return -1;
	c->prefix = 8 * fixed;
	return 0;
}

int
cidr_parse(const char *s, struct cidr *c, const char **why)
{
	char text[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/'), *err = NULL;
	struct cidr masked;
	long long prefix;

	*why = "not an IPv4 or IPv6 address or range";
	if (strchr(s, '*') != NULL)
		return cidr_parse_wildcard(s, c);
	if (slash == NULL)
		return cidr_from_text(s, c);
	if ((size_t)(slash - s) >= sizeof(text))
		return -1;
	memcpy(text, s, (size_t)(slash - s));
	text[slash - s] = '\0';
	if (cidr_from_text(text, c) == -1)
		return -1;
	prefix = strtonum(slash + 1, 0, cidr_len(c) * 8, &err);
	if (err != NULL || slash[1] == '\0') {
		*why = "bad prefix length";
		return -1;
	}
	/* A mapped IPv6 range is kept as written: ::ffff:0:0/96 is IPv4. */
	if (c->family == AF_INET && strchr(text, ':') != NULL)
		prefix = prefix >= 96 ? prefix - 96 : 0;
	c->prefix = (int)prefix;
	masked = *c;
	cidr_mask(&masked, c->prefix);
	if (memcmp(masked.addr, c->addr, sizeof(c->addr)) != 0) {
		*why = "address has bits set past the prefix length";
		return -1;
	}
	return 0;
}

void
cidr_to_sockaddr(const struct cidr *c, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)c->family;
	if (c->family == AF_INET)
		memcpy(
		    &((struct sockaddr_in *)(void *)ss)->sin_addr, c->addr, 4);
	else
		memcpy(&((struct sockaddr_in6 *)(void *)ss)->sin6_addr, c->addr,
		    16);
}

int
cidr_from_sockaddr(const struct sockaddr *sa, struct cidr *c)
{
	memset(c, 0, sizeof(*c));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		c->family = AF_INET;
		c->prefix = 32;
		memcpy(c->addr, &in->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		c->family = AF_INET6;
		c->prefix = 128;
		memcpy(c->addr, &in6->sin6_addr, 16);
		cidr_unmap(c);
		return 0;
	}
	return -1;
}

int
cidr_match(const struct cidr *range, const struct cidr *host)
{
	struct cidr h;

	if (range->family != host->family)
		return 0;
	h = *host;
	cidr_mask(&h, range->prefix);
	return memcmp(h.addr, range->addr, (size_t)cidr_len(range)) == 0;
}

int
cidr_is_loopback(const struct cidr *c)
{
	static const unsigned char v6lo[16] = { [15] = 1 };

	if (c->family == AF_INET)
		return c->addr[0] == 127;
	return memcmp(c->addr, v6lo, 16) == 0;
}

void
cidr_format(const struct cidr *c, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(c->family, c->addr, text, sizeof(text));
	if (c->prefix == cidr_len(c) * 8)
		snprintf(buf, size, "%s", text);
	else
		snprintf(buf, size, "%s/%d", text, c->prefix);
}
