/*
 * peer: the client's address, from getpeername(0) as under inetd, xinetd
 * and systemd sockets, else $TCPREMOTEIP as under tcpserver.
 * peer_get returns 0, or -1 when neither names an address (then the text
 * is "unknown" and the address is not loopback).
 */
#ifndef YUBIN_PEER_H
#define YUBIN_PEER_H

#include "cidr.h"

struct peer {
	struct cidr addr;
	char text[64];
	int known;
};

int peer_get(struct peer *p);
/* Sets TCP_NODELAY on fd 1 when it is a TCP socket: replies go out at
 * once instead of waiting for the client's delayed ACK. */
void peer_nodelay(void);

#endif
