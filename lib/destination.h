/*
 * destination: one group of a queue entry's recipients (one domain, one
 * Delivered-To) delivered to its hosts, tried in turn, one SMTP
 * transaction at a time (lib/smtptx): the domain's MX hosts in order of
 * preference and each of their addresses, or an address literal's host
 * (RFC 5321 4.1.3), or, where a route line or the smarthost says so
 * (lib/route), that relay host, logged in as the smarthost settings say.
 * A host that refuses STARTTLS is tried again in plain text when
 * tls_outbound allows it.
 * What each recipient ends with is its dest_result: done, failed
 * (permanent: the caller bounces it) or deferred (later), with the host
 * that answered and its reply or what went wrong. A recipient's own
 * reply always counts; a later host's trouble never turns an earlier
 * host's answer into a deferral. Our own trouble is never a bounce: DNS
 * that does not answer, a relay we were told to use that cannot be
 * reached, a smarthost password file that cannot be read (or that
 * others may read) all defer. A deferral for want of any connection
 * names the last failure and, without a smarthost, the usual reason on
 * a home line (port 25 blocked by the ISP).
 * destination_deliver asks DNS through dns_servers with a resolver of
 * its own; mx is the domain's MX answer, asked before (unused for a
 * route or a literal).
 * destination_attempt delivers every recipient of an entry: grouped by
 * domain and Delivered-To, every group's MX asked at once, the groups
 * in parallel (remote_concurrency processes at a time), so one slow or
 * hostile destination holds only its own recipients. res (e->n of them)
 * must be shared memory: the children write into it. The recipients of
 * a held domain (hold_domains) wait, asking DNS nothing, unless it is
 * the released one (--release, ETRN); those of a process that did not
 * end normally are all deferred (a transaction may be half done).
 */
#ifndef YUBIN_DESTINATION_H
#define YUBIN_DESTINATION_H

#include <sys/types.h>

#include "conf.h"
#include "dns.h"
#include "queue.h"
#include "smtpc.h"

#define DEST_DNS_TIMEOUT_MS 30000 /* for all look-ups of one entry */

enum dest_outcome {
	DEST_PENDING, /* not tried yet / no host reached */
	DEST_DONE,
	DEST_FAILED,  /* permanent: bounce */
	DEST_DEFERRED /* temporary: later */
};

struct dest_result {
	enum dest_outcome o;
	char host[DNS_NAME_MAX + 1]; /* the host that answered */
	char text[SMTPC_TEXT_MAX];   /* its reply, or what went wrong */
	int bounce;		     /* the caller's: a report goes out */
};

struct dest_group {
	const struct queue_entry *e;
	const size_t *idx; /* e's recipients in the group */
	size_t n;
	int mess; /* the message file */
	off_t size;
	int eightbit; /* it has octets over 127 */
};

void dest_set(struct dest_result *r, enum dest_outcome o, const char *host,
    const char *text);
void destination_deliver(const struct conf *conf, const struct dest_group *g,
    const struct dns_mxset *mx, struct dest_result *res);

void destination_attempt(const struct conf *conf, const struct queue_entry *e,
    int mess, off_t size, const char *released, struct dest_result *res);

/*
 * ETRN (RFC 1985) as a client: asks host (a name, looked up with the
 * configured resolver, or an address literal) on port to start its
 * queue for domain, after EHLO. The ETRN reply's code with its text in
 * *r, or -1 when no address of host answered (or DNS failed).
 */
int destination_etrn(const struct conf *conf, const char *host, int port,
    const char *domain, struct smtpc_reply *r);

#endif
