/* spf: SPF with libspf2 over c-ares; see spf.h. */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <ares.h>
#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "dns.h"
#include "spf.h"

struct spf_dns {
	const char *servers;
	int timeout_ms;
};

#define FILL_NONE (-1)	/* the answer holds no such records */
#define FILL_AGAIN (-2) /* no memory for them: try again */

static int
fill_a(SPF_dns_rr_t *rr, const unsigned char *abuf, int alen)
{
	struct ares_addrttl a[DNS_ADDR_MAX];
	int n = DNS_ADDR_MAX, i;

	if (ares_parse_a_reply(abuf, alen, NULL, a, &n) != ARES_SUCCESS)
		return FILL_NONE;
	for (i = 0; i < n; i++) {
		if (SPF_dns_rr_buf_realloc(rr, i, sizeof(a[i].ipaddr)))
			return FILL_AGAIN;
		rr->rr[i]->a = a[i].ipaddr;
	}
	return n;
}

static int
fill_aaaa(SPF_dns_rr_t *rr, const unsigned char *abuf, int alen)
{
	struct ares_addr6ttl a6[DNS_ADDR_MAX];
	int n = DNS_ADDR_MAX, i;

	if (ares_parse_aaaa_reply(abuf, alen, NULL, a6, &n) != ARES_SUCCESS)
		return FILL_NONE;
	for (i = 0; i < n; i++) {
		if (SPF_dns_rr_buf_realloc(rr, i, sizeof(a6[i].ip6addr)))
			return FILL_AGAIN;
		memcpy(&rr->rr[i]->aaaa, &a6[i].ip6addr, sizeof(a6[i].ip6addr));
	}
	return n;
}

static int
fill_mx(SPF_dns_rr_t *rr, const unsigned char *abuf, int alen)
{
	struct ares_mx_reply *mx = NULL, *m;
	int k = 0;

	if (ares_parse_mx_reply(abuf, alen, &mx) != ARES_SUCCESS)
		return FILL_NONE;
	for (m = mx; m != NULL; m = m->next) {
		if (SPF_dns_rr_buf_realloc(rr, k, strlen(m->host) + 1))
			break;
		strcpy(rr->rr[k++]->mx, m->host);
	}
	ares_free_data(mx);
	return k;
}

/* Each TXT record's strings joined, as RFC 7208 3.3 says. */
static int
fill_txt(SPF_dns_rr_t *rr, const unsigned char *abuf, int alen)
{
	struct ares_txt_ext *txt = NULL, *t;
	size_t have;
	int k = 0;

	if (ares_parse_txt_reply_ext(abuf, alen, &txt) != ARES_SUCCESS)
		return FILL_NONE;
	for (t = txt; t != NULL; t = t->next) {
		have = 0;
		if (t->record_start || k == 0)
			k++;
		else
			have = strlen(rr->rr[k - 1]->txt);
		if (SPF_dns_rr_buf_realloc(rr, k - 1, have + t->length + 1))
			break;
		memcpy(rr->rr[k - 1]->txt + have, t->txt, t->length);
		rr->rr[k - 1]->txt[have + t->length] = '\0';
	}
	ares_free_data(txt);
	return k;
}

static int
fill_ptr(SPF_dns_rr_t *rr, const unsigned char *abuf, int alen)
{
	struct hostent *host = NULL;
	const char *name;
	int i, k = 0;

	if (ares_parse_ptr_reply(abuf, alen, NULL, 0, AF_INET, &host) !=
	    ARES_SUCCESS)
		return FILL_NONE;
	for (i = 0; host->h_aliases[i] != NULL || i == 0; i++) {
		name = i == 0 ? host->h_name : host->h_aliases[i];
		if (name == NULL ||
		    SPF_dns_rr_buf_realloc(rr, k, strlen(name) + 1))
			break;
		strcpy(rr->rr[k++]->ptr, name);
		if (host->h_aliases[i] == NULL)
			break;
	}
	ares_free_hostent(host);
	return k;
}

/* Fills rr from a raw answer of type; the SPF_dns_stat_t it was. */
static int
fill(SPF_dns_rr_t *rr, int type, const unsigned char *abuf, int alen)
{
	int k = type == ns_t_a	? fill_a(rr, abuf, alen)
	    : type == ns_t_aaaa ? fill_aaaa(rr, abuf, alen)
	    : type == ns_t_mx	? fill_mx(rr, abuf, alen)
	    : type == ns_t_txt	? fill_txt(rr, abuf, alen)
	    : type == ns_t_ptr	? fill_ptr(rr, abuf, alen)
				: FILL_NONE;

	if (k == FILL_AGAIN)
		return TRY_AGAIN;
	if (k == FILL_NONE)
		return NO_DATA;
	rr->num_rr = k;
	return k > 0 ? NETDB_SUCCESS : NO_DATA;
}

/* libspf2's question, asked through lib/dns. */
static SPF_dns_rr_t *
lookup(SPF_dns_server_t *server, const char *domain, ns_type type,
    int should_cache)
{
	struct spf_dns *h = server->hook;
	struct dns_raw raw;
	struct dns d;
	int herrno = TRY_AGAIN;
	SPF_dns_rr_t *rr;

	(void)should_cache;
	if (dns_open(&d, h->servers, h->timeout_ms) == 0) {
		dns_raw(&d, domain, (int)type, &raw);
		dns_wait(&d);
		dns_close(&d);
		herrno = raw.status == DNS_NONE ? HOST_NOT_FOUND
		    : raw.status == DNS_OK	? NETDB_SUCCESS
						: TRY_AGAIN;
	}
	rr = SPF_dns_rr_new_init(server, domain, type, 0, herrno);
	if (rr != NULL && herrno == NETDB_SUCCESS)
		rr->herrno = fill(rr, (int)type, raw.abuf, raw.alen);
	if (herrno == NETDB_SUCCESS)
		free(raw.abuf);
	return rr;
}

/*
 * RFC 8601's word for libspf2's result. What it leaves as "(invalid)"
 * is a temperror when DNS failed or nothing was said (RFC 7208 2.6.6),
 * and a permerror for a record that is wrong (2.6.7).
 */
static const char *
spf_word(SPF_response_t *resp, SPF_errcode_t err)
{
	static const char *const words[] = { "pass", "fail", "softfail",
		"neutral", "none", "temperror", "permerror" };
	const char *r;
	size_t i;

	if (resp == NULL)
		return "temperror";
	r = SPF_strresult(SPF_response_result(resp));
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(r, words[i]) == 0)
			return words[i];
	return err == SPF_E_SUCCESS || err == SPF_E_DNS_ERROR ||
		err == SPF_E_NO_MEMORY || err == SPF_E_INTERNAL_ERROR
	    ? "temperror"
	    : "permerror";
}

int
spf_check(const char *servers, int timeout_ms, const struct cidr *client,
    const char *helo, const char *sender, char *result, size_t size)
{
	/* one libspf2 server a process: making one parses its defaults */
	static struct spf_dns hook;
	static SPF_dns_server_t layer;
	static SPF_server_t *srv;
	SPF_response_t *resp = NULL;
	SPF_request_t *req;
	SPF_errcode_t err;

	hook.servers = servers;
	hook.timeout_ms = timeout_ms;
	if (srv == NULL) {
		layer.lookup = lookup;
		layer.name = "yubin";
		layer.hook = &hook;
		if ((srv = SPF_server_new_dns(&layer, 0)) == NULL)
			return -1;
	}
	if ((req = SPF_request_new(srv)) == NULL)
		return -1;
	if (client->family == AF_INET)
		SPF_request_set_ipv4(
		    req, *(const struct in_addr *)client->addr);
	else
		SPF_request_set_ipv6(
		    req, *(const struct in6_addr *)client->addr);
	SPF_request_set_helo_dom(req, helo);
	if (sender[0] != '\0')
		SPF_request_set_env_from(req, sender);
	err = SPF_request_query_mailfrom(req, &resp);
	strlcpy(result, spf_word(resp, err), size);
	if (resp != NULL)
		SPF_response_free(resp);
	SPF_request_free(req);
	return 0;
}
