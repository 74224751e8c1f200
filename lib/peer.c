/* peer: who is on the other end of fd 0; see peer.h. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "peer.h"

int
peer_get(struct peer *p)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const char *env;

	memset(p, 0, sizeof(*p));
	if (getpeername(0, (struct sockaddr *)&ss, &len) == 0 &&
	    cidr_from_sockaddr((struct sockaddr *)&ss, &p->addr) == 0)
		p->known = 1;
	else if ((env = getenv("TCPREMOTEIP")) != NULL &&
	    cidr_from_text(env, &p->addr) == 0)
		p->known = 1;
	if (!p->known) {
		strlcpy(p->text, "unknown", sizeof(p->text));
		p->addr.family = AF_INET;
		p->addr.addr[0] = 0;
		return -1;
	}
	cidr_format(&p->addr, p->text, sizeof(p->text));
	return 0;
}

void
peer_nodelay(void)
{
	int one = 1;

	/* Not a socket (a pipe in a test, a terminal): nothing to do. */
	(void)setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}
