/*
 * addr: RFC 5321 addresses. Parses a Path (`<user@domain>`, `<>`, a source
 * route `<@a,@b:user@domain>`, quoted local parts, domain literals) so that
 * callers can refuse relay tricks; normalizes domains (lower case, address
 * literals in canonical inet_ntop form) so the same domain is one CDB key.
 * Parsers return 0, or -1 with a short reason in *why.
 */
#ifndef YUBIN_ADDR_H
#define YUBIN_ADDR_H

#include <stddef.h>

#define ADDR_LOCAL_MAX 64   /* RFC 5321 4.5.3.1.1 */
#define ADDR_DOMAIN_MAX 255 /* RFC 5321 4.5.3.1.2 */
#define ADDR_PATH_MAX 256   /* RFC 5321 4.5.3.1.3 */
#define ADDR_MAX (ADDR_LOCAL_MAX + 1 + ADDR_DOMAIN_MAX + 1)

struct addr {
	char local[ADDR_LOCAL_MAX + 1];	  /* unquoted */
	char domain[ADDR_DOMAIN_MAX + 1]; /* normalized; "" when absent */
	int null;			  /* the null path <> */
	int route;			  /* a source route was given */
	int quoted;			  /* the local part was quoted */
};

/*
 * Parses the Path at s (after "MAIL FROM:" or "RCPT TO:"). A missing domain
 * is allowed (RCPT TO:<Postmaster>); the caller decides. *rest points past
 * the path, at the ESMTP parameters.
 */
int addr_parse_path(
    const char *s, struct addr *a, const char **rest, const char **why);
/* Parses a bare `local@domain` or `local` (config files, -f). */
int addr_parse(const char *s, struct addr *a, const char **why);
/* Normalizes a domain or address literal into out; 0 or -1 if invalid. */
int addr_domain_normalize(const char *in, char *out, size_t size);
/*
 * 1 if s is a DNS name as DKIM selectors and DNS list zones are written:
 * letters, digits, '-', '_' and single inner dots (so also a plain file
 * name: no '/', no ".."), at most 253 octets.
 */
int addr_dns_name_ok(const char *s);
/* 1 if the local part tries to route mail (%, !, quoted @, source route). */
int addr_is_relay_trick(const struct addr *a);
/*
 * ASCII lower case of src into dst (size octets, NUL-terminated; dst may
 * be src). Returns strlen(src), as strlcpy does: >= size means cut.
 */
size_t addr_lower(char *dst, const char *src, size_t size);
/* Writes local@domain (quoting the local part when needed). */
void addr_format(const struct addr *a, char *buf, size_t size);

#endif
