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
 * once instead of waiting for the client's delayed ACK. Nagle's rule
 * (Linux: Minshall's variant) holds a short segment back only while an
 * earlier short one is unacknowledged, so it matters where a server
 * writes twice without reading between: TLS (handshake flights, tickets,
 * then a reply; server_start_tls sets it), POP3's long answers, finger.
 * Plain SMTP writes once for each command it read, which acknowledged the
 * write before, and goes without it: the system call and the segments it
 * makes cost 2% of smtp-in's CPU per connection in make bench. */
void peer_nodelay(void);

#endif
