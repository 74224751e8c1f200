/*
 * addr: an RFC 5321 section 4.1.2 parser. Returns 0/-1 with *why set.
 * Only printable US-ASCII is accepted: no SMTPUTF8, and never CR, LF or NUL.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

#define FAIL(msg)                                                              \
	do {                                                                   \
		*why = (msg);                                                  \
		return -1;                                                     \
	} while (0)

static int
addr_atext(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* A dot-string or quoted string; returns the end or NULL. */
static const char *
addr_local(const char *s, struct addr *a, const char **why)
{
	size_t n = 0;

	a->quoted = (*s == '"');
	if (a->quoted) {
		for (s++; *s != '"'; s++) {
			if (*s == '\\' && s[1] >= 32 && s[1] <= 126)
				s++;
			else if (*s < 32 || *s > 126 || *s == '\\')
				return *why =
					   "bad character in quoted local part",
				       NULL;
			if (n >= ADDR_LOCAL_MAX)
				return *why = "local part too long", NULL;
			a->local[n++] = *s;
		}
		s++;
	} else {
		for (; addr_atext((unsigned char)*s) || *s == '.'; s++) {
			if (*s == '.' &&
			    (n == 0 || s[1] == '.' || s[1] == '@' ||
				!addr_atext((unsigned char)s[1])))
				return *why = "bad dot in local part", NULL;
			if (n >= ADDR_LOCAL_MAX)
				return *why = "local part too long", NULL;
			a->local[n++] = *s;
		}
		if (n == 0)
			return *why = "empty local part", NULL;
	}
	a->local[n] = '\0';
	return s;
}

/* Length of the domain or address literal at s (up to a delimiter). */
static size_t
addr_domain_span(const char *s)
{
	const char *e;

	if (*s == '[')
		return (e = strchr(s, ']')) ? (size_t)(e - s) + 1 : strlen(s);
	return strcspn(s, ">,: \t");
}

static int
addr_literal_normalize(const char *in, size_t len, char *out, size_t size)
{
	char body[ADDR_DOMAIN_MAX + 1], text[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	int v6;

	if (len < 3 || len - 2 >= sizeof(body) || in[len - 1] != ']')
		return -1;
	memcpy(body, in + 1, len - 2);
	body[len - 2] = '\0';
	v6 = strncasecmp(body, "IPv6:", 5) == 0;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? body + 5 : body, bin) != 1)
		return -1;
	inet_ntop(v6 ? AF_INET6 : AF_INET, bin, text, sizeof(text));
	return snprintf(out, size, "[%s%s]", v6 ? "ipv6:" : "", text) <
		(int)size
	    ? 0
	    : -1;
}

static int
addr_domain_normalize_n(const char *in, size_t len, char *out, size_t size)
{
	size_t i, label = 0;

	if (len > 0 && in[0] == '[')
		return addr_literal_normalize(in, len, out, size);
	if (len == 0 || len >= size || len > ADDR_DOMAIN_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0 || in[i - 1] == '-')
				return -1;
			label = 0;
		} else if (isalnum(c) || (c == '-' && label > 0) || c == '_') {
			if (++label > 63)
				return -1;
		} else
			return -1;
		out[i] = (char)tolower(c);
	}
	if (label == 0 || in[len - 1] == '-')
		return -1;
	out[len] = '\0';
	return 0;
}

int
addr_domain_normalize(const char *in, char *out, size_t size)
{
	return addr_domain_normalize_n(in, strlen(in), out, size);
}

/* Parses `local[@domain]` at s; returns the end or NULL. */
static const char *
addr_mailbox(const char *s, struct addr *a, const char **why)
{
	size_t dlen;

	if ((s = addr_local(s, a, why)) == NULL)
		return NULL;
	if (*s != '@') {
		a->domain[0] = '\0';
		return s;
	}
	s++;
	dlen = addr_domain_span(s);
	if (addr_domain_normalize_n(s, dlen, a->domain, sizeof(a->domain)) ==
	    -1)
		return *why = "bad domain", NULL;
	return s + dlen;
}

/* Skips an RFC 5321 A-d-l ("@a,@b:"); returns the end or NULL. */
static const char *
addr_route(const char *s, const char **why)
{
	char dom[ADDR_DOMAIN_MAX + 1];
	size_t dlen;

	for (;;) {
		if (*s++ != '@')
			return *why = "bad source route", NULL;
		dlen = addr_domain_span(s);
		if (addr_domain_normalize_n(s, dlen, dom, sizeof(dom)) == -1)
			return *why = "bad source route", NULL;
		s += dlen;
		if (*s == ':')
			return s + 1;
		if (*s++ != ',')
			return *why = "bad source route", NULL;
	}
}

int
addr_parse_path(
    const char *s, struct addr *a, const char **rest, const char **why)
{
	const char *start, *end;
	int bracket;

	memset(a, 0, sizeof(*a));
	while (*s == ' ')
		s++; /* "MAIL FROM: <x>" is common, if not strict */
	start = s;
	bracket = (*s == '<');
	if (bracket && s[1] == '>') {
		a->null = 1;
		*rest = s + 2;
		return 0;
	}
	if (bracket)
		s++;
	if (*s == '@') {
		a->route = 1;
		if ((s = addr_route(s, why)) == NULL)
			return -1;
	}
	if ((end = addr_mailbox(s, a, why)) == NULL)
		return -1;
	if (bracket && *end++ != '>')
		FAIL("missing >");
	if (*end != '\0' && *end != ' ')
		FAIL("junk after address");
	if ((size_t)(end - start) > ADDR_PATH_MAX) /* brackets included */
		FAIL("path too long");
	*rest = end;
	return 0;
}

int
addr_parse(const char *s, struct addr *a, const char **why)
{
	const char *end;

	memset(a, 0, sizeof(*a));
	if ((end = addr_mailbox(s, a, why)) == NULL)
		return -1;
	if (*end != '\0')
		FAIL("junk after address");
	return 0;
}

int
addr_is_relay_trick(const struct addr *a)
{
	return a->route || strchr(a->local, '%') != NULL ||
	    strchr(a->local, '!') != NULL ||
	    (a->quoted && strchr(a->local, '@') != NULL);
}

size_t
addr_lower(char *dst, const char *src, size_t size)
{
	size_t i, n = strlen(src);

	for (i = 0; i + 1 < size && i < n; i++)
		dst[i] = src[i] >= 'A' && src[i] <= 'Z' ? (char)(src[i] + 32)
							: src[i];
	if (size > 0)
		dst[i] = '\0';
	return n;
}

void
addr_format(const struct addr *a, char *buf, size_t size)
{
	char local[2 * ADDR_LOCAL_MAX + 3];
	size_t i, n = 0;
	int plain = !a->quoted;

	for (i = 0; a->local[i] && plain; i++)
		if (!addr_atext((unsigned char)a->local[i]) &&
		    a->local[i] != '.')
			plain = 0;
	if (plain)
		strlcpy(local, a->local, sizeof(local));
	else {
		local[n++] = '"';
		for (i = 0; a->local[i]; i++) {
			if (a->local[i] == '"' || a->local[i] == '\\')
				local[n++] = '\\';
			local[n++] = a->local[i];
		}
		local[n++] = '"';
		local[n] = '\0';
	}
	if (a->null)
		snprintf(buf, size, "%s", "");
	else if (a->domain[0])
		snprintf(buf, size, "%s@%s", local, a->domain);
	else
		snprintf(buf, size, "%s", local);
}

int
addr_dns_name_ok(const char *s)
{
	const char *p;

	if (*s == '\0' || *s == '.' || strlen(s) > 253)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			(*p == '.' && p[1] != '.' && p[1] != '\0')))
			return 0;
	return 1;
}
