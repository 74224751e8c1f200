/*
 * netcheck: yubin-check's look at the network (its verdicts through
 * lib/sitecheck). netcheck_outbound: a 220 from the smarthost (on its
 * port, 587 unless given), or else from -o host or a big provider's MX
 * on port 25 (a home line's ISP often blocks it: OP25B). netcheck_listeners:
 * each of this host's services at listen_at answers as it should (the
 * TLS ones through TLS; finger only takes the connection; a refused
 * connection is "not served" for all but smtp). netcheck_open_relay:
 * our port 25, from the public address (never relay-exempt), refuses
 * the RCPT forms open relays were known to take (RFC 2505, RFC 5321
 * 3.6). Every connection waits at most NETCHECK_TIMEOUT for a reply.
 */
#ifndef YUBIN_NETCHECK_H
#define YUBIN_NETCHECK_H

#include "sitecheck.h"

#define NETCHECK_TIMEOUT 5	      /* seconds for a banner or a reply */
#define NETCHECK_PROBE_MX "gmail.com" /* whose MX answers on 25 */

struct netcheck {
	struct sitecheck *sc;
	const char *listen_at; /* where this host's listeners are */
	const char *probe;     /* -o host[:port], or "" */
	struct {
		int smtp, submission, smtps, pop3, pop3s, finger;
	} ports;
};

void netcheck_outbound(const struct netcheck *n);
void netcheck_listeners(const struct netcheck *n);
void netcheck_open_relay(const struct netcheck *n);

#endif
