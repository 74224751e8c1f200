/*
 * cidr: IPv4 and IPv6 addresses and ranges. Parses `192.0.2.1`,
 * `192.168.1.0/24`, the old home-server form `192.168.1.*` (= /24),
 * `::1`, `2001:db8::/32`. IPv4-mapped IPv6 client addresses
 * (::ffff:192.0.2.1, as a dual-stack inetd reports them) count as IPv4.
 * cidr_parse returns 0, or -1 with a reason in *why; cidr_match 1/0.
 */
#ifndef YUBIN_CIDR_H
#define YUBIN_CIDR_H

#include <sys/socket.h>

struct cidr {
	int family; /* AF_INET or AF_INET6 */
	int prefix; /* 0..32 or 0..128 */
	unsigned char addr[16];
};

int cidr_parse(const char *s, struct cidr *c, const char **why);
/* A single address (prefix /32 or /128), mapped IPv4 made plain IPv4. */
int cidr_from_text(const char *s, struct cidr *c);
int cidr_from_sockaddr(const struct sockaddr *sa, struct cidr *c);
/* The address of c as a socket address (port 0), for connect(2). */
void cidr_to_sockaddr(const struct cidr *c, struct sockaddr_storage *ss);
/* Clears the bits past the prefix. */
void cidr_mask(struct cidr *c, int prefix);
int cidr_match(const struct cidr *range, const struct cidr *host);
/* Address length in bytes for the family: 4 or 16. */
int cidr_len(const struct cidr *c);
/* 1 for 127.0.0.0/8 and ::1. */
int cidr_is_loopback(const struct cidr *c);
/* Text form, "192.0.2.1" or "2001:db8::1", with "/N" unless a host. */
void cidr_format(const struct cidr *c, char *buf, size_t size);

#endif
