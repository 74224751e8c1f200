/*
 * A real resolver for the unit tests that ask DNS: dnsmasq on a free
 * loopback port, answering only from the records given (dnsmasq options
 * such as "--host-record=mx1.example.net,127.0.0.2"), nothing else.
 * test_dnsmasq_start fills servers ("127.0.0.1:PORT", for dns_servers)
 * and returns once it answers host (a name among the records), or -1.
 */
#ifndef YUBIN_TEST_DNSMASQ_H
#define YUBIN_TEST_DNSMASQ_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dns.h"

#define TEST_DNSMASQ_ARGS_MAX 64

static pid_t test_dnsmasq;

static inline int
test_free_udp_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static inline int
test_dnsmasq_start(
    const char *const *records, const char *host, char *servers, size_t size)
{
	const char *argv[TEST_DNSMASQ_ARGS_MAX + 16] = { "dnsmasq",
		"--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
		"--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1",
		"--pid-file=", "--local-ttl=60" };
	char port[32];
	int p = test_free_udp_port(), i, n = 9;
	struct dns_addrs a;
	struct dns d;

	snprintf(port, sizeof(port), "--port=%d", p);
	snprintf(servers, size, "127.0.0.1:%d", p);
	argv[n++] = port;
	for (i = 0; records[i] != NULL && i < TEST_DNSMASQ_ARGS_MAX; i++)
		argv[n++] = records[i];
	argv[n] = NULL;
	if ((test_dnsmasq = fork()) == 0) {
		execvp("dnsmasq", (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 100; i++) { /* ready when it answers */
		if (dns_open(&d, servers, 500) == -1)
			return -1;
		dns_addrs(&d, host, 1, &a);
		dns_wait(&d);
		dns_close(&d);
		if (a.status == DNS_OK)
			return 0;
		usleep(50000);
	}
	return -1;
}

static inline void
test_dnsmasq_stop(void)
{
	kill(test_dnsmasq, SIGTERM);
	waitpid(test_dnsmasq, NULL, 0);
}

#endif
