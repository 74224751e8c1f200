/* route: a route line or the smarthost for a domain; see route.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "route.h"
#include "smtpc.h"

int
route_relay(const struct conf *c, const char *domain, char *host, size_t size,
    int *port, int *flags)
{
	const char *hp = NULL;
	size_t n;
	int i;

	*flags = 0;
	for (i = 0; i < c->nroute && hp == NULL; i++) {
		n = strcspn(c->route[i], " ");
		if (strlen(domain) == n &&
		    strncasecmp(c->route[i], domain, n) == 0)
			hp = c->route[i] + n + 1;
	}
	*port = 25;
	if (hp == NULL && c->smarthost[0] != '\0') {
		hp = c->smarthost;
		*port = 587; /* the provider's submission port (OP25B) */
		*flags = ROUTE_SMARTHOST |
		    (c->smarthost_user[0] != '\0' ? ROUTE_AUTH : 0);
	}
	if (hp == NULL)
		return 0;
	/* yubin.conf was checked: a bad one never loads */
	if (smtpc_hostport(hp, host, size, port) == -1)
		strlcpy(host, hp, size);
	return 1;
}

int
route_literal(const char *domain, char *ip, size_t size)
{
	const char *lit;

	if (domain[0] != '[')
		return 0;
	lit = domain + 1 + (strncasecmp(domain, "[ipv6:", 6) == 0 ? 5 : 0);
	snprintf(ip, size, "%.*s", (int)strcspn(lit, "]"), lit);
	return 1;
}
