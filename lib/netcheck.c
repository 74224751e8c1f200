/* netcheck: yubin-check's look at the network; see netcheck.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "netcheck.h"
#include "smtpc.h"
#include "tlsio.h"

/* host's first address (a literal, or through dns_servers). */
static int
resolve(const struct netcheck *n, const char *host, struct sockaddr_storage *ss)
{
	struct dns_addrs a;
	struct cidr c;
	char bare[DNS_NAME_MAX + 1];

	strlcpy(bare, host, sizeof(bare));
	if (bare[0] == '[') {
		memmove(bare, bare + 1, strlen(bare));
		bare[strcspn(bare, "]")] = '\0';
	}
	if (cidr_from_text(bare, &c) == 0) {
		cidr_to_sockaddr(&c, ss);
		return 0;
	}
	if (sitecheck_addrs(n->sc, bare, &a) == -1)
		return -1;
	*ss = a.addr[0];
	return 0;
}

static void
hang_up(struct buf *b, int fd, int tls)
{
	if (tls)
		tlsio_end(b);
	close(fd);
}

/*
 * Connects to host:port (from source, if given) and reads the first line
 * of the greeting within NETCHECK_TIMEOUT, through TLS when tls; what went
 * wrong in why. The connection's fd, or -1.
 */
static int
greeting(const struct netcheck *n, struct buf *b, const char *host, int port,
    const char *from, int tls, char *line, size_t size, char *why,
    size_t whysize)
{
	struct sockaddr_storage ss, src;
	size_t len;
	int fd;

	if (resolve(n, host, &ss) == -1)
		return snprintf(why, whysize, "%s has no address", host), -1;
	if (from != NULL && resolve(n, from, &src) == -1)
		return snprintf(why, whysize, "%s: bad address", from), -1;
	fd = smtpc_dial_from(&ss, port, from ? &src : NULL, NETCHECK_TIMEOUT);
	if (fd == -1)
		return snprintf(why, whysize, "%s", strerror(errno)), -1;
	buf_init(b, fd, fd, NETCHECK_TIMEOUT);
	if (tls &&
	    tlsio_client(b, n->sc->conf->hostname, 0, why, whysize) == -1) {
		close(fd);
		return -1;
	}
	if (buf_getline(b, line, size, &len) != BUF_LINE) {
		snprintf(
		    why, whysize, "no greeting within %d s", NETCHECK_TIMEOUT);
		hang_up(b, fd, tls);
		return -1;
	}
	return fd;
}

void
netcheck_outbound(const struct netcheck *n)
{
	char host[DNS_NAME_MAX + 1], why[256], line[SMTPC_LINE_MAX];
	struct dns_mxset mx;
	struct dns d;
	struct buf b;
	/* the port remote-send dials (lib/route): 587 for a smarthost */
	int port = n->sc->conf->smarthost[0] ? 587 : n->sc->conf->remote_port,
	    fd;
	const char *target =
	    n->sc->conf->smarthost[0] ? n->sc->conf->smarthost : n->probe;

	if (target[0] == '\0') { /* a big provider's MX, as a test */
		if (dns_open(&d, n->sc->conf->dns_servers,
			SITECHECK_DNS_TIMEOUT_MS) == -1)
			return;
		dns_mx(&d, NETCHECK_PROBE_MX, &mx);
		dns_wait(&d);
		dns_close(&d);
		if (mx.status != DNS_OK || mx.n == 0) {
			sitecheck_say(n->sc, SITECHECK_WARN,
			    "check dns_servers, or give -o host",
			    "outbound port 25: no MX of %s to try",
			    NETCHECK_PROBE_MX);
			return;
		}
		target = mx.mx[0].host;
	}
	if (smtpc_hostport(target, host, sizeof(host), &port) == -1)
		return;
	fd = greeting(
	    n, &b, host, port, NULL, 0, line, sizeof(line), why, sizeof(why));
	if (fd != -1)
		hang_up(&b, fd, 0);
	if (fd != -1 && strncmp(line, "220", 3) == 0)
		sitecheck_say(n->sc, SITECHECK_OK, NULL,
		    "outbound: %s:%d answers 220", host, port);
	else if (n->sc->conf->smarthost[0])
		sitecheck_say(n->sc, SITECHECK_FAIL,
		    "check smarthost in yubin.conf and your Internet line",
		    "smarthost %s:%d: %s", host, port,
		    fd != -1 ? "no 220 greeting" : why);
	else
		sitecheck_say(n->sc, SITECHECK_FAIL,
		    "your ISP probably blocks outgoing port 25 (OP25B): send "
		    "through its relay, in yubin.conf: smarthost = "
		    "smtp.your-isp.example:587, smarthost_user = ..., "
		    "smarthost_password_file = ... (see yubin.conf(5))",
		    "outbound port 25: %s:%d: %s", host, port,
		    fd != -1 ? "no 220 greeting" : why);
}

struct listener {
	const char *name;
	int port;
	int tls;
	const char *want; /* the greeting's start ("" for finger) */
};

static void
check_listener(const struct netcheck *n, const struct listener *l)
{
	char why[256], line[SMTPC_LINE_MAX] = "";
	struct buf b;
	int fd, ok;

	if (l->want[0] == '\0') { /* finger speaks only when asked */
		struct sockaddr_storage ss;

		fd = resolve(n, n->listen_at, &ss) == -1
		    ? -1
		    : smtpc_dial_from(&ss, l->port, NULL, NETCHECK_TIMEOUT);
		snprintf(why, sizeof(why), "%s", strerror(errno));
		ok = fd != -1;
		if (fd != -1)
			close(fd);
	} else {
		fd = greeting(n, &b, n->listen_at, l->port, NULL, l->tls, line,
		    sizeof(line), why, sizeof(why));
		ok = fd != -1 && strncmp(line, l->want, strlen(l->want)) == 0;
		if (fd != -1)
			hang_up(&b, fd, l->tls);
	}
	if (ok)
		sitecheck_say(n->sc, SITECHECK_OK, NULL, "%s on %s:%d answers",
		    l->name, n->listen_at, l->port);
	else if (fd == -1 && strcmp(why, strerror(ECONNREFUSED)) == 0 &&
	    strcmp(l->name, "smtp") != 0)
		sitecheck_say(n->sc, SITECHECK_OK, NULL,
		    "%s on %s:%d: not served", l->name, n->listen_at, l->port);
	else
		sitecheck_say(n->sc, SITECHECK_FAIL,
		    "add its line to inetd.conf (see INSTALL), reload inetd, "
		    "and read the log",
		    "%s on %s:%d: %s", l->name, n->listen_at, l->port,
		    fd == -1 ? why : "wrong greeting");
}

void
netcheck_listeners(const struct netcheck *n)
{
	const struct listener all[] = {
		{ "smtp", n->ports.smtp, 0, "220" },
		{ "submission", n->ports.submission, 0, "220" },
		{ "smtps", n->ports.smtps, 1, "220" },
		{ "pop3", n->ports.pop3, 0, "+OK" },
		{ "pop3s", n->ports.pop3s, 1, "+OK" },
		{ "finger", n->ports.finger, 0, "" },
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		check_listener(n, &all[i]);
}

/* RCPT forms open relays were known to take (RFC 2505, RFC 5321 3.6). */
static const char *const relay_forms[] = { "<relaytest@example.net>",
	"<\"relaytest@example.net\">", "<relaytest%%example.net@%s>",
	"<\"relaytest@example.net\"@%s>", "<@%s:relaytest@example.net>",
	"<example.net!relaytest@%s>", "<relaytest@example.net@%s>" };

/* 1 when the server takes a relay form (RCPT 2xx). */
static int
relay_taken(struct buf *b, const char *domain, char *took, size_t size)
{
	char rcpt[600];
	struct smtpc_reply r;
	size_t i;

	for (i = 0; i < sizeof(relay_forms) / sizeof(relay_forms[0]); i++) {
		snprintf(rcpt, sizeof(rcpt), relay_forms[i], domain);
		if (smtpc_command(b, &r, NETCHECK_TIMEOUT,
			"MAIL FROM:<relaytest@example.net>\r\n", NULL) == -1 ||
		    smtpc_command(
			b, &r, NETCHECK_TIMEOUT, "RCPT TO:%s\r\n", rcpt) == -1)
			return -1;
		if (r.code / 100 == 2) {
			strlcpy(took, rcpt, size);
			return 1;
		}
		if (smtpc_command(b, &r, NETCHECK_TIMEOUT, "RSET\r\n", NULL) ==
		    -1)
			return -1;
	}
	return 0;
}

/* Our port 25 asked to relay, from our public address (not exempt). */
void
netcheck_open_relay(const struct netcheck *n)
{
	static char domains[1][DNS_NAME_MAX + 1];
	char why[256], line[SMTPC_LINE_MAX], took[600];
	struct smtpc_reply r;
	struct buf b;
	int fd, t;

	if (n->sc->public[0] == '\0' ||
	    sitecheck_domains(n->sc->confdir, domains, 1) == 0)
		return;
	fd = greeting(n, &b, n->listen_at, n->ports.smtp, n->sc->public, 0,
	    line, sizeof(line), why, sizeof(why));
	if (fd == -1) {
		sitecheck_say(n->sc, SITECHECK_WARN,
		    "test from outside: swaks --server YOUR-HOST --to "
		    "someone@example.net (it must be refused)",
		    "open relay: cannot test from %s: %s", n->sc->public, why);
		return;
	}
	while (line[3] == '-' &&
	    buf_getline(&b, line, sizeof(line), &(size_t) { 0 }) == BUF_LINE)
		;
	t = smtpc_command(&b, &r, NETCHECK_TIMEOUT, "HELO %s\r\n",
		"relaytest.example") == -1
	    ? -1
	    : relay_taken(&b, domains[0], took, sizeof(took));
	if (t == 1)
		sitecheck_say(n->sc, SITECHECK_FAIL,
		    "remove the wide range from the relay file, run "
		    "cdbmake-users, and test again: an open relay is "
		    "blocklisted within hours",
		    "OPEN RELAY: from %s, RCPT TO:%s was accepted",
		    n->sc->public, took);
	else if (t == 0)
		sitecheck_say(n->sc, SITECHECK_OK, NULL,
		    "not an open relay: %zu forms refused from %s",
		    sizeof(relay_forms) / sizeof(relay_forms[0]),
		    n->sc->public);
	else
		sitecheck_say(n->sc, SITECHECK_WARN, NULL,
		    "open relay test: the connection failed");
	smtpc_command(&b, &r, NETCHECK_TIMEOUT, "QUIT\r\n", NULL);
	hang_up(&b, fd, 0);
}
