/*
 * dns: the look-ups remote-send and smtp-in need, with c-ares: MX records
 * in preference order (equal preferences shuffled), the implicit MX of a
 * domain without one (RFC 5321 5.1), null MX (RFC 7505), a host's
 * IPv4/IPv6 addresses, and a name's A and TXT records as DNS lists
 * (lib/dnsbl) publish them. The servers are the dns_servers setting
 * ("ip[:port],[ip6]:port,..."), else /etc/resolv.conf. Many look-ups run
 * at once: start them, then dns_wait for all.
 * dns_open and dns_wait return 0 or -1; results carry a dns_status.
 */
#ifndef YUBIN_DNS_H
#define YUBIN_DNS_H

#include <sys/socket.h>

#define DNS_MX_MAX 16
#define DNS_ADDR_MAX 16
#define DNS_NAME_MAX 255

enum dns_status {
	DNS_PENDING,
	DNS_OK,
	DNS_NONE,   /* no such domain or no such record: permanent */
	DNS_NULLMX, /* the domain takes no mail (RFC 7505): permanent */
	DNS_TEMP    /* timeout, server failure: try again later */
};

struct dns_mx {
	unsigned short pref;
	char host[DNS_NAME_MAX + 1];
};

struct dns_mxset {
	enum dns_status status;
	char domain[DNS_NAME_MAX + 1];
	struct dns_mx mx[DNS_MX_MAX];
	size_t n;
};

struct dns_addrs {
	enum dns_status status;
	struct sockaddr_storage addr[DNS_ADDR_MAX];
	size_t n;
};

struct dns_a {
	enum dns_status status;
	unsigned char addr[DNS_ADDR_MAX][4];
	size_t n;
};

#define DNS_TXT_MAX 512

struct dns_txt {
	enum dns_status status;
	char text[DNS_TXT_MAX]; /* the first record's strings, joined */
};

/* An answer as it came (for a parser of the caller's: lib/spf). */
struct dns_raw {
	enum dns_status status;
	unsigned char *abuf; /* allocated when status is DNS_OK */
	int alen;
};

struct dns {
	void *channel; /* ares_channel */
	int pending;
	int timeout_ms; /* for all look-ups started, together */
};

/* servers: NULL or "" for resolv.conf. */
int dns_open(struct dns *d, const char *servers, int timeout_ms);
void dns_close(struct dns *d);
/* Start look-ups; out must stay valid until dns_wait returns. */
void dns_mx(struct dns *d, const char *domain, struct dns_mxset *out);
void dns_addrs(
    struct dns *d, const char *host, int ipv4_only, struct dns_addrs *out);
void dns_a(struct dns *d, const char *name, struct dns_a *out);
/* An IP address written as text into a one-address answer, no DNS: 1,
 * or 0 when text is not one (then out is empty). */
int dns_addrs_literal(const char *text, struct dns_addrs *out);
void dns_raw(struct dns *d, const char *name, int type, struct dns_raw *out);
void dns_txt(struct dns *d, const char *name, struct dns_txt *out);
/*
 * After a DNS_OK dns_raw of type TXT: how many records begin with prefix
 * (case-insensitively; "" for all), the first of them, its strings
 * joined, in out. -1 for an answer that does not parse (EBADMSG) or a
 * first match longer than size - 1 (EMSGSIZE).
 */
int dns_txt_pick(
    const struct dns_raw *raw, const char *prefix, char *out, size_t size);
/*
 * The TXT records of name, asked of servers within timeout_ms and picked
 * as dns_txt_pick does (its return value; 0 when there was no answer);
 * *status is DNS_OK, DNS_NONE or DNS_TEMP.
 */
int dns_txt_lookup(const char *servers, int timeout_ms, const char *name,
    const char *prefix, char *out, size_t size, enum dns_status *status);
/* After a DNS_OK dns_raw of type PTR: the name; 0, or -1. */
int dns_ptr_name(const struct dns_raw *raw, char *out, size_t size);
/* Runs until every look-up is answered or the time is up (DNS_TEMP). */
int dns_wait(struct dns *d);

#endif
