/*
 * conf: reads yubin.conf, `key = value` lines with `#` comments.
 * Unknown keys, repeated keys and bad values are errors naming FILE:LINE.
 * conf_load returns 0, or -1 with the message in err.
 */
#ifndef YUBIN_CONF_H
#define YUBIN_CONF_H

#include <limits.h>
#include <stddef.h>

#ifndef CONFDIR
#define CONFDIR "/etc/yubin"
#endif

#define CONF_LINE_MAX 1024
#define CONF_ERR_MAX 1200
#define CONF_ROUTES_MAX 32 /* route lines */
/* room left in PATH_MAX for SPOOL/mail/domain/name/cur/file */
#define CONF_SPOOL_MAX (PATH_MAX - 1024)

enum conf_finger { FINGER_STATUS, FINGER_OFF, FINGER_LIST };

enum conf_tls_outbound {
	TLS_OUT_MAY,	/* STARTTLS when offered; plain if it fails */
	TLS_OUT_NO,	/* never */
	TLS_OUT_ENCRYPT /* required: no plain text, ever */
};

struct conf {
	/* Numbers and short strings first, long and rarely set strings last:
	 * the servers load this into static storage that is still zero
	 * (conf_load_zeroed), and each page of it a session writes is a page
	 * fault at every connection. */
	int timeout;	       /* seconds a read may wait */
	int auth_requires_tls; /* refuse clear-text passwords off loopback */
	int relay_after_pop_minutes; /* POP-before-SMTP window; 0: off */
	int max_login_failures;	     /* per connection, then disconnect */
	int finger;		     /* enum conf_finger */
	long long max_message_size;  /* octets, for smtp-in */
	int max_recipients;	     /* per message, for smtp-in */
	int remote_port;	     /* remote-send: the SMTP port it dials */
	int ipv4_only;		     /* remote-send: no IPv6 */
	int remote_concurrency;	     /* remote-send: entries at once */
	long long queue_lifetime;    /* seconds before a bounce */
	int nroute;
	int tls_outbound;  /* enum conf_tls_outbound */
	int smarthost_tls; /* STARTTLS to the smarthost, verified */
	/* AUTH to the smarthost even without TLS: the password in clear */
	int smarthost_insecure_cleartext_auth;
	int sender_check;     /* AUTH users send only as their own addresses */
	int lockout_failures; /* failed logins from one address; 0: off */
	long long lockout_time;	   /* seconds they count, and it lasts */
	long long greylist_delay;  /* seconds a new triple waits; 0: off */
	long long greylist_expire; /* seconds an unseen triple is kept */
	long long filter_timeout;  /* seconds it may take */
	int filter_fail_open;	   /* a failed filter lets mail in */
	int auth_results;	   /* SPF, DKIM, DMARC checked and reported */
	int dmarc_reject;	   /* refuse a p=reject failure (else .Junk) */
	int dmarc_quarantine;	   /* a p=quarantine failure goes to .Junk */
	int cleartext_login_from_relay; /* the LAN may log in without TLS */
	int vacation_days;	  /* one absence reply per sender in these */
	char hostname[256];	  /* names this host in greetings, headers */
	char dns_servers[256];	  /* remote-send; empty: resolv.conf */
	char dkim_selector[64];	  /* DIR/dkim/DOMAIN/SELECTOR.{rsa,ed25519} */
	char srs_domain[256];	  /* forwards' SRS senders; default hostname */
	char local_smtp[300];	  /* queue-inject for other users: smtp-in */
	char public_address[64];  /* ours on the Internet (yubin-check) */
	char smarthost[300];	  /* host[:port]: all mail there */
	char smarthost_user[256]; /* AUTH to the smarthost */
	char spool[CONF_SPOOL_MAX]; /* queue/, popbsmtp/, mail/ */
	char dir[PATH_MAX];	    /* the configuration directory (-C) */
	char log[PATH_MAX];	    /* log file; empty: syslog */
	char dnsbl[1024];	    /* DNS blocklists (lib/dnsbl); "": none */
	char dnswl[1024];	    /* DNS allowlists, asked with them */
	char filter[1024];	    /* content filter argv (lib/filter) */
	char hold_domains[1024];    /* comma-separated: wait for ETRN */
	char relay_domains[1024]; /* taken from anyone, for them (backup MX) */
	char smarthost_password_file[PATH_MAX];
	char tls_cert[PATH_MAX]; /* PEM certificate chain; with tls_key */
	char tls_key[PATH_MAX];	 /* PEM private key: TLS is offered */
	char route[CONF_ROUTES_MAX][320]; /* "domain host[:port]" */
};

/* Fills c with the defaults (hostname from gethostname). */
void conf_defaults(struct conf *c, const char *dir);
/* Defaults, then DIR/yubin.conf. */
int conf_load(struct conf *c, const char *dir, char *err, size_t errlen);
/* conf_load into a struct conf that is all zero (static storage, loaded
 * once): nothing written where no setting is. */
int conf_load_zeroed(struct conf *c, const char *dir, char *err, size_t errlen);
/* 1 if domain is listed in hold_domains. */
int conf_domain_held(const struct conf *c, const char *domain);
/* 1 if domain is listed in relay_domains. */
int conf_domain_relayed(const struct conf *c, const char *domain);
/* Builds DIR/name into buf; -1 if it does not fit. */
int conf_path(const struct conf *c, const char *name, char *buf, size_t size);

#endif
