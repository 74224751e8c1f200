/*
 * yubin-check: walks the bring-up of a yubin site, as the old home-server
 * guides did by hand, and prints one line per check (OK, WARN or FAIL)
 * with the fix for each problem: the configuration and the tables, who
 * owns what, the names in DNS (MX, PTR, SPF, DKIM, DMARC) through
 * dns_servers, outbound port 25, the listeners, the certificate, an
 * open-relay test. --records prints the DNS records to publish.
 * Exit status: 0 all OK, 1 warnings, 2 failures, 100 bad usage.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "addr.h"
#include "conf.h"
#include "dkimkey.h"
#include "dkimsign.h"
#include "netcheck.h"
#include "sitecheck.h"
#include "tables.h"

#define USAGE                                                                  \
	"usage: yubin-check [-C dir] [-a public-address] [-o host[:port]]\n"   \
	"                   [-l listen-address] [-p smtp=25,...] [--records]\n"
#define EXIT_PERM 100
#define WALK_MAX 200000	  /* spool entries looked at */
#define CERT_WARN_DAYS 14 /* a certificate this close to its end */

static struct conf conf;
static const char *confdir = CONFDIR;
static char public[64]; /* -a, else public_address */
/* The verdicts, and the checks of the names in DNS (lib/sitecheck). */
static struct sitecheck sc;
static char probe[300]; /* -o */
static char listen_at[64] = "127.0.0.1";
/* The network checks (lib/netcheck): where, and the ports (-p). */
static struct netcheck net = { &sc, listen_at, probe,
	{ 25, 587, 465, 110, 995, 79 } };

/* ---- the configuration and the tables ---- */

static void
check_conf(void)
{
	char why[CONF_ERR_MAX];

	if (conf_load(&conf, confdir, why, sizeof(why)) == 0) {
		sitecheck_say(
		    &sc, SITECHECK_OK, NULL, "%s/yubin.conf: valid", confdir);
		return;
	}
	sitecheck_say(&sc, SITECHECK_FAIL,
	    "correct that line (see yubin.conf(5)); every server answers 421 "
	    "until it is fixed",
	    "%s", why);
}

/* Each line tables_check printed: a warning or an error. */
static void
check_tables(void)
{
	char line[1024];
	int r, problems = 0;
	FILE *f = tmpfile();

	if (f == NULL) {
		sitecheck_say(&sc, SITECHECK_FAIL, NULL,
		    "cannot make a temporary file: %s", strerror(errno));
		return;
	}
	r = tables_check(confdir, TABLES_ALL, f);
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		problems++;
		if (strstr(line, ": warning: ") != NULL)
			sitecheck_say(&sc, SITECHECK_WARN,
			    "add the missing line to the users file (see "
			    "yubin-users(5)), then run cdbmake-users",
			    "%s", line);
		else
			sitecheck_say(&sc, SITECHECK_FAIL,
			    sitecheck_fix("correct the line shown, then run "
					  "cdbmake-users -C %s",
				confdir),
			    "%s", line);
	}
	fclose(f);
	if (r == 0 && problems == 0)
		sitecheck_say(&sc, SITECHECK_OK, NULL,
		    "users, domains, relay: no errors");
}

/* Each CDB must be newer than the text it is made from. */
static void
check_fresh(void)
{
	static const char *const names[] = { "domains", "relay", "users",
		"senders" };
	char text[PATH_MAX], cdb[PATH_MAX];
	struct stat ts, cs;
	size_t i;
	int stale = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(text, sizeof(text), "%s/%s", confdir, names[i]);
		snprintf(cdb, sizeof(cdb), "%s/%s.cdb", confdir, names[i]);
		if (stat(text, &ts) == -1)
			continue; /* senders is optional; the rest: above */
		if (stat(cdb, &cs) == -1 ||
		    cs.st_mtim.tv_sec < ts.st_mtim.tv_sec ||
		    (cs.st_mtim.tv_sec == ts.st_mtim.tv_sec &&
			cs.st_mtim.tv_nsec < ts.st_mtim.tv_nsec)) {
			stale = 1;
			sitecheck_say(&sc, SITECHECK_FAIL,
			    sitecheck_fix("run cdbmake-users -C %s", confdir),
			    "%s %s", cdb,
			    errno == ENOENT && access(cdb, F_OK) == -1
				? "does not exist"
				: "is older than its text file: changes are "
				  "not in use");
		}
	}
	if (!stale)
		sitecheck_say(&sc, SITECHECK_OK, NULL,
		    "every database is newer than its text file");
}

/* ---- who owns what ---- */

static uid_t run_uid;
static gid_t run_gid;
static long walked, foreign, by_root;
static char first_foreign[PATH_MAX];

static int
walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)type;
	(void)ftw;
	if (++walked > WALK_MAX)
		return 1;
	if (st->st_uid != run_uid) {
		if (foreign++ == 0)
			strlcpy(first_foreign, path, sizeof(first_foreign));
		if (st->st_uid == 0)
			by_root++;
	}
	return 0;
}

/* Whether the run user may read path (owner, group or other bits). */
static int
readable_by_run_user(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return 0;
	if (run_uid == 0 || st.st_uid == run_uid)
		return (st.st_mode & S_IRUSR) != 0;
	if (st.st_gid == run_gid)
		return (st.st_mode & S_IRGRP) != 0;
	return (st.st_mode & S_IROTH) != 0;
}

static void
check_readable(const char *path, const char *what)
{
	if (readable_by_run_user(path))
		sitecheck_say(&sc, SITECHECK_OK, NULL,
		    "%s readable by the run user (uid %ld)", path,
		    (long)run_uid);
	else
		sitecheck_say(&sc, SITECHECK_FAIL,
		    sitecheck_fix(
			"chown %ld:%ld %s, or make it readable for that "
			"user",
			(long)run_uid, (long)run_gid, path),
		    "%s (%s) not readable by the run user (uid %ld)", path,
		    what, (long)run_uid);
}

static void
check_owners(void)
{
	char path[PATH_MAX];
	struct stat st;

	if (stat(conf.spool, &st) == -1) {
		sitecheck_say(&sc, SITECHECK_FAIL,
		    sitecheck_fix(
			"mkdir -p %s and chown it to the user inetd runs "
			"the servers as",
			conf.spool),
		    "spool %s: %s", conf.spool, strerror(errno));
		return;
	}
	run_uid = st.st_uid;
	run_gid = st.st_gid;
	if (run_uid == 0)
		sitecheck_say(&sc, SITECHECK_WARN,
		    "make a user for yubin (useradd -r yubin), chown -R it the "
		    "spool and run the servers as that user in inetd.conf",
		    "spool %s belongs to root: the servers would run as root",
		    conf.spool);
	snprintf(path, sizeof(path), "%s/users.cdb", confdir);
	check_readable(path, "accounts");
	snprintf(path, sizeof(path), "%s/domains.cdb", confdir);
	check_readable(path, "local domains");
	if (conf.tls_key[0] != '\0')
		check_readable(conf.tls_key, "the TLS key");
	walked = foreign = by_root = 0;
	nftw(conf.spool, walk_one, 32, FTW_PHYS);
	if (foreign == 0)
		sitecheck_say(&sc, SITECHECK_OK, NULL,
		    "everything in %s belongs to the run user", conf.spool);
	else
		sitecheck_say(&sc, SITECHECK_FAIL,
		    sitecheck_fix("chown -R %ld:%ld %s", (long)run_uid,
			(long)run_gid, conf.spool),
		    "%ld file(s) in %s belong to another user%s, e.g. %s: "
		    "mail for them fails with 451",
		    foreign, conf.spool, by_root ? " (root)" : "",
		    first_foreign);
}

static void
check_log(void)
{
	char dir[PATH_MAX], *slash;

	if (conf.log[0] == '\0') {
		sitecheck_say(&sc, SITECHECK_OK, NULL,
		    "logging to syslog (facility mail)");
		return;
	}
	strlcpy(dir, conf.log, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (access(conf.log, W_OK) == 0 ||
	    (errno == ENOENT && access(dir[0] ? dir : "/", W_OK) == 0)) {
		sitecheck_say(&sc, SITECHECK_OK, NULL,
		    "log file %s can be written", conf.log);
		return;
	}
	sitecheck_say(&sc, SITECHECK_WARN,
	    sitecheck_fix(
		"touch %s && chown %ld %s (the servers make it only where "
		"they may write: %s)",
		conf.log, (long)run_uid, conf.log, dir[0] ? dir : "/"),
	    "log file %s cannot be written (%s): log lines go to syslog",
	    conf.log, strerror(errno));
}

static void
check_hostname(void)
{
	if (strchr(conf.hostname, '.') != NULL &&
	    addr_dns_name_ok(conf.hostname) &&
	    strncmp(conf.hostname, "localhost", 9) != 0)
		sitecheck_say(&sc, SITECHECK_OK, NULL,
		    "hostname %s is a fully qualified name", conf.hostname);
	else
		sitecheck_say(&sc, SITECHECK_FAIL,
		    "set hostname = mail.your-domain in yubin.conf (the name "
		    "your MX record and PTR give)",
		    "hostname %s is not a fully qualified domain name",
		    conf.hostname);
}

/* ---- the certificate ---- */

static void
check_cert(void)
{
	X509 *cert = NULL;
	FILE *f;
	int days = 0, secs = 0;

	if (conf.tls_cert[0] == '\0') {
		sitecheck_say(&sc, SITECHECK_WARN,
		    "set tls_cert and tls_key (a Let's Encrypt certificate, "
		    "see INSTALL): mail and passwords travel in clear",
		    "no TLS certificate configured");
		return;
	}
	if ((f = fopen(conf.tls_cert, "r")) != NULL) {
		cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (cert == NULL) {
		sitecheck_say(&sc, SITECHECK_FAIL,
		    "point tls_cert at a PEM certificate chain", "%s: %s",
		    conf.tls_cert,
		    f == NULL ? strerror(errno) : "not a PEM certificate");
		return;
	}
	check_readable(conf.tls_cert, "the TLS certificate");
	if (X509_check_host(cert, conf.hostname, 0, 0, NULL) != 1)
		sitecheck_say(&sc, SITECHECK_FAIL,
		    sitecheck_fix("get a certificate for %s", conf.hostname),
		    "%s is not for %s", conf.tls_cert, conf.hostname);
	ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert));
	if (days < 0 || (days == 0 && secs <= 0))
		sitecheck_say(&sc, SITECHECK_FAIL,
		    "renew it (certbot renew) and check the deploy hook",
		    "%s has expired", conf.tls_cert);
	else if (days < CERT_WARN_DAYS)
		sitecheck_say(&sc, SITECHECK_WARN,
		    "renew it (certbot renew) and check the deploy hook",
		    "%s ends in %d days", conf.tls_cert, days);
	else
		sitecheck_say(&sc, SITECHECK_OK, NULL,
		    "%s: for %s, %d days left", conf.tls_cert, conf.hostname,
		    days);
	X509_free(cert);
}

/* ---- --records ---- */

static void
print_records(void)
{
	static char domains[SITECHECK_DOMAINS_MAX][DNS_NAME_MAX + 1];
	char path[PATH_MAX], rec[DKIMKEY_RECORD_MAX], name[DNS_NAME_MAX + 2];
	char dmarc[DNS_NAME_MAX + 64];
	size_t n = sitecheck_domains(confdir, domains, SITECHECK_DOMAINS_MAX),
	       i;
	int k;

	printf("; the DNS records for mail to and from %s, to paste into "
	       "each zone\n",
	    conf.hostname);
	if (public[0] != '\0')
		printf("%s. IN %s %s\n", conf.hostname,
		    strchr(public, ':') ? "AAAA" : "A", public);
	for (i = 0; i < n; i++) {
		printf("\n; %s\n%s. IN MX 10 %s.\n", domains[i], domains[i],
		    conf.hostname);
		printf("%s. IN TXT \"v=spf1 mx -all\"\n", domains[i]);
		for (k = 0; k < 2; k++) {
			if (dkimsign_key_path(path, sizeof(path), confdir,
				domains[i], conf.dkim_selector,
				dkimsign_kinds[k]) == -1 ||
			    dkimkey_record(path, dkimsign_kinds[k], rec,
				sizeof(rec)) == -1)
				continue;
			snprintf(name, sizeof(name), "%s-%s._domainkey.%s.",
			    conf.dkim_selector, dkimsign_kinds[k], domains[i]);
			dkimkey_print_txt(stdout, name, rec);
		}
		snprintf(dmarc, sizeof(dmarc),
		    "v=DMARC1; p=none; rua=mailto:postmaster@%s", domains[i]);
		snprintf(name, sizeof(name), "_dmarc.%s.", domains[i]);
		dkimkey_print_txt(stdout, name, dmarc);
	}
	if (public[0] != '\0')
		printf("\n; at whoever runs %s (your ISP): PTR %s\n", public,
		    conf.hostname);
}

/* ---- main ---- */

/* "-p smtp=2525,pop3=1110": other ports than the standard ones. */
static int
set_ports(char *list)
{
	static const struct {
		const char *name;
		int *port;
	} names[] = { { "smtp", &net.ports.smtp },
		{ "submission", &net.ports.submission },
		{ "smtps", &net.ports.smtps }, { "pop3", &net.ports.pop3 },
		{ "pop3s", &net.ports.pop3s },
		{ "finger", &net.ports.finger } };
	char *item, *eq;
	size_t i;
	long v;

	for (item = strtok(list, ","); item; item = strtok(NULL, ",")) {
		if ((eq = strchr(item, '=')) == NULL)
			return -1;
		*eq++ = '\0';
		v = strtol(eq, NULL, 10);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(item, names[i].name) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]) || v < 1 || v > 65535)
			return -1;
		*names[i].port = (int)v;
	}
	return 0;
}

static void
usage(void)
{
	fputs(USAGE, stderr);
	exit(EXIT_PERM);
}

/* Reads the command line; 1 for --records. */
static int
parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "records", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, records = 0;

	while ((ch = getopt_long(argc, argv, "C:a:o:l:p:", longopts, NULL)) !=
	    -1) {
		if (ch == 'r')
			records = 1;
		else if (ch == 'C')
			confdir = optarg;
		else if (ch == 'a')
			strlcpy(public, optarg, sizeof(public));
		else if (ch == 'o')
			strlcpy(probe, optarg, sizeof(probe));
		else if (ch == 'l')
			strlcpy(listen_at, optarg, sizeof(listen_at));
		else if (ch != 'p' || set_ports(optarg) == -1)
			usage();
	}
	if (optind != argc)
		usage();
	return records;
}

int
main(int argc, char **argv)
{
	char why[CONF_ERR_MAX];
	int records;

	signal(SIGPIPE, SIG_IGN);
	records = parse_options(argc, argv);
	/* after the options: -C moves confdir */
	sc =
	    (struct sitecheck) { &conf, confdir, public, stdout, SITECHECK_OK };
	if (records) {
		if (conf_load(&conf, confdir, why, sizeof(why)) == -1)
			errx(2, "%s", why);
		if (public[0] == '\0')
			strlcpy(public, conf.public_address, sizeof(public));
		print_records();
		return fflush(stdout) == EOF ? 2 : 0;
	}
	check_conf();
	if (public[0] == '\0')
		strlcpy(public, conf.public_address, sizeof(public));
	check_tables();
	check_fresh();
	check_hostname();
	check_owners();
	check_log();
	sitecheck_dns(&sc);
	netcheck_outbound(&net);
	netcheck_listeners(&net);
	check_cert();
	netcheck_open_relay(&net);
	return (int)sc.worst;
}
