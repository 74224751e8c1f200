/*
 * route: where mail for a domain goes when not by its MX, decided afresh
 * at every attempt from yubin.conf: a route line for the domain ("domain
 * host[:port]", port 25 unless given), else the smarthost (port 587, the
 * provider's submission port, unless given; with its login when
 * smarthost_user is set). route_relay returns 1 with host, port and
 * flags set, or 0 for delivery by MX.
 * route_literal reads an address-literal domain ("[192.0.2.1]",
 * "[IPv6:2001:db8::1]", RFC 5321 4.1.3) into its bare address: 1, or 0
 * when the domain is not one.
 */
#ifndef YUBIN_ROUTE_H
#define YUBIN_ROUTE_H

#include <stddef.h>

#include "conf.h"

#define ROUTE_AUTH 1	  /* log in (smarthost_user) */
#define ROUTE_SMARTHOST 2 /* the smarthost: smarthost_tls applies */

int route_relay(const struct conf *c, const char *domain, char *host,
    size_t size, int *port, int *flags);
int route_literal(const char *domain, char *ip, size_t size);

#endif
