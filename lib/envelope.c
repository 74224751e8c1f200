/* envelope: the answers to MAIL FROM and RCPT TO; see envelope.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "envelope.h"
#include "users.h"

#define LOCAL_TROUBLE "4.3.0 Temporary local problem, try again later"

void
envelope_init(struct envelope *t)
{
	memset(t, 0, sizeof(*t));
	deliver_plan_init(&t->plan);
}

void
envelope_reset(struct envelope *t)
{
	size_t i;

	t->sender[0] = '\0';
	for (i = 0; i < t->nlocal; i++)
		free(t->locals[i]);
	free(t->locals);
	t->locals = NULL;
	t->nlocal = t->nrcpt = 0;
	deliver_plan_free(&t->plan);
}

static int
remember_local(struct envelope *t, const char *rcpt)
{
	char **l = reallocarray(t->locals, t->nlocal + 1, sizeof(*l));

	if (l == NULL)
		return -1;
	t->locals = l;
	if ((l[t->nlocal] = strdup(rcpt)) == NULL)
		return -1;
	t->nlocal++;
	return 0;
}

static int
accepted(const struct envelope_session *r, struct envelope *t, const char *rcpt,
    const char *how, struct verdict *v)
{
	t->nrcpt++;
	log_info("smtp rcpt client=%s from=<%s> to=<%s> result=accepted "
		 "how=%s",
	    r->client, r->sender, rcpt, how);
	verdict_set(v, 250, "accepted", "2.1.5 Ok");
	return 0;
}

/* A refusal: logged with reason; bad says whether it is the client's
 * error (the return value). */
static int
refused(const struct envelope_session *r, const char *rcpt, const char *reason,
    struct verdict *v, int bad)
{
	log_info("smtp rcpt client=%s from=<%s> to=<%s> result=refused "
		 "reason=%s",
	    r->client, r->sender, rcpt, reason);
	v->result = reason;
	return bad;
}

static int
local_trouble(const struct envelope_session *r, const char *rcpt,
    const char *reason, struct verdict *v)
{
	verdict_set(v, 451, reason, LOCAL_TROUBLE);
	return refused(r, rcpt, reason, v, 0);
}

/* The message has DELIVER_TARGETS_MAX destinations: this recipient in
 * another transaction (RFC 5321 4.5.3.1.10). */
static int
plan_full(const struct envelope_session *r, const char *rcpt, struct verdict *v)
{
	verdict_set(v, 452, "too-many-destinations",
	    "4.5.3 Too many recipients in this message, send the rest in "
	    "another");
	return refused(r, rcpt, "too-many-destinations", v, 0);
}

/* A recipient of one of our domains (or Postmaster). */
static int
take_local(const struct envelope_session *r, struct envelope *t,
    const struct addr *a, const char *rcpt, struct verdict *v)
{
	size_t n0 = t->plan.n, l0 = t->plan.nlocal;
	int d = deliver_plan_rcpt(&t->plan, r->ctx, a->local, a->domain, rcpt);

	if (d == 0 && r->conf->greylist_delay != 0 && !r->relay_ok(r->arg) &&
	    rcptcheck_greylisted(r->checks, r->sender, rcpt, v)) {
		deliver_plan_truncate(&t->plan, n0, l0);
		return 0; /* logged */
	}
	if (d == DELIVER_UNKNOWN) {
		verdict_set(v, 550, "unknown-user", "5.1.1 No such user here");
		return refused(r, rcpt, "unknown-user", v, 1);
	}
	if (d == -1 && errno == E2BIG) {
		deliver_plan_truncate(&t->plan, n0, l0); /* none of it */
		return plan_full(r, rcpt, v);
	}
	if (d == -1 || remember_local(t, rcpt) == -1) {
		log_error("recipient %s: %s", rcpt, strerror(errno));
		deliver_plan_truncate(&t->plan, n0, l0);
		return local_trouble(r, rcpt, "local-error", v);
	}
	return accepted(r, t, rcpt, "local", v);
}

/*
 * A bounce (or a reply) to the SRS sender of a mail we forwarded: on to
 * the original sender when the hash is one of ours and the address is
 * recent, whoever the client is; anything else is refused.
 */
static int
take_srs(const struct envelope_session *r, struct envelope *t,
    const struct addr *a, const char *rcpt, struct verdict *v)
{
	char orig[ADDR_MAX];
	const char *why;
	struct addr o;

	if (srs_reverse(r->ctx->srs, a->local, time(NULL), orig, sizeof(orig),
		&why) == 0 &&
	    (addr_parse(orig, &o, &why) == -1 || addr_is_relay_trick(&o)))
		why = "malformed"; /* a good hash over a bad address */
	else if (why == NULL)
		why = "";
	if (why[0] != '\0') {
		verdict_set(
		    v, 550, "srs", "5.7.1 Invalid SRS address (%s)", why);
		return refused(r, rcpt,
		    strcmp(why, "bad hash") == 0	? "srs-bad-hash"
			: strcmp(why, "expired") == 0	? "srs-expired"
			: strcmp(why, "malformed") == 0 ? "srs-malformed"
							: "srs-invalid",
		    v, 1);
	}
	addr_format(&o, orig, sizeof(orig));
	if (users_domain_is_local(r->ctx->domains, o.domain) == 1)
		return take_local(r, t, &o, orig, v);
	if (deliver_plan_remote(&t->plan, orig) == -1)
		return errno == E2BIG
		    ? plan_full(r, rcpt, v)
		    : local_trouble(r, rcpt, "local-error", v);
	return accepted(r, t, rcpt, "srs", v);
}

/* A recipient in a domain: ours to deliver, or to relay when allowed. */
static int
take_domain(const struct envelope_session *r, struct envelope *t,
    struct addr *a, char *rcpt, size_t size, struct verdict *v)
{
	int local = users_domain_is_local(r->ctx->domains, a->domain), ours;

	if (local == 1) {
		/* the account's address, for Delivered-To and the log */
		addr_lower(a->local, a->local, sizeof(a->local));
		addr_format(a, rcpt, size);
		return take_local(r, t, a, rcpt, v);
	}
	if (local == -1)
		return local_trouble(r, rcpt, "domains-error", v);
	ours = r->relay_ok(r->arg);
	if (!ours && !conf_domain_relayed(r->conf, a->domain)) {
		verdict_set(v, 554, "relay-denied", "5.7.1 Relaying denied");
		return refused(r, rcpt, "relay-denied", v, 0);
	}
	if (deliver_plan_remote(&t->plan, rcpt) == -1)
		return errno == E2BIG
		    ? plan_full(r, rcpt, v)
		    : local_trouble(r, rcpt, "local-error", v);
	/* ours to pass on: a client of ours, or a relay_domains one */
	return accepted(r, t, rcpt, ours ? "relay" : "relay-domain", v);
}

/* The path of RCPT TO:<...> into a and rcpt: 0, or 1 refused (v). */
static int
parse(const struct envelope_session *r, const struct envelope *t, char *arg,
    struct addr *a, char *rcpt, size_t size, struct verdict *v, int *bad)
{
	const char *rest, *why;
	char *path = cmd_after_keyword(arg, "TO:");

	*bad = 1;
	if (path == NULL || addr_parse_path(path, a, &rest, &why) == -1 ||
	    a->null)
		return verdict_set(
		    v, 501, "syntax", "5.1.3 Bad recipient address syntax");
	if (*rest != '\0')
		return verdict_set(
		    v, 555, "syntax", "5.5.4 Unsupported RCPT parameter");
	addr_format(a, rcpt, size);
	*bad = 0;
	if (t->nrcpt >= (size_t)r->conf->max_recipients) {
		verdict_set(
		    v, 452, "too-many-recipients", "4.5.3 Too many recipients");
		return refused(r, rcpt, "too-many-recipients", v, 0), 1;
	}
	/* %-hacks, bang paths, source routes, quoted @: never relayed */
	if (addr_is_relay_trick(a)) {
		verdict_set(v, 554, "relay-trick", "5.7.1 Relaying denied");
		return refused(r, rcpt, "relay-trick", v, 0), 1;
	}
	return 0;
}

int
envelope_rcpt(const struct envelope_session *r, struct envelope *t, char *arg,
    struct verdict *v)
{
	char rcpt[ADDR_MAX + 4];
	struct addr a;
	int bad;

	if (parse(r, t, arg, &a, rcpt, sizeof(rcpt), v, &bad))
		return bad;
	if (r->conf->dnsbl[0] != '\0' && !r->relay_ok(r->arg) &&
	    rcptcheck_blocked(r->checks, r->sender, &a, rcpt, v))
		return 1; /* logged */
	if (a.domain[0] == '\0') {
		/* RFC 5321 4.5.1: "Postmaster" alone must be accepted */
		if (strcasecmp(a.local, "postmaster") == 0)
			return take_local(r, t, &a, "postmaster", v);
		verdict_set(v, 501, "unqualified",
		    "5.1.3 Recipient address must have a domain");
		return refused(r, rcpt, "unqualified", v, 0);
	}
	if (srs_is_srs0(a.local) &&
	    strcasecmp(a.domain, r->conf->srs_domain) == 0 &&
	    (r->ctx->srs = srs_secrets(r->conf->dir, r->conf->srs_domain)) !=
		NULL)
		return take_srs(r, t, &a, rcpt, v);
	return take_domain(r, t, &a, rcpt, sizeof(rcpt), v);
}

/* MAIL's parameters (lib/cmd): 0, or 1 refused (v). */
static int
mail_params(const struct envelope_session *r, char *p, struct verdict *v)
{
	long long size;

	switch (cmd_mail_params(p, &size)) {
	case CMD_PARAM_BAD_SIZE:
		return verdict_set(v, 501, "syntax", "5.5.4 Bad SIZE value");
	case CMD_PARAM_UNKNOWN:
		return verdict_set(
		    v, 555, "syntax", "5.5.4 Unsupported MAIL parameter");
	}
	if (size > r->conf->max_message_size)
		return verdict_set(v, 552, "size",
		    "5.3.4 Message size exceeds fixed maximum message size");
	return 0;
}

/* After AUTH, the user's own addresses only (lib/identity). */
static int
sender_is_own(const struct envelope_session *r, const struct addr *a)
{
	if (r->auth_user[0] == '\0' || !r->conf->sender_check)
		return 1;
	return identity_sender_ok(r->identity, a);
}

int
envelope_mail(const struct envelope_session *r, struct envelope *t, char *arg,
    struct verdict *v)
{
	const char *rest, *why;
	char *path = cmd_after_keyword(arg, "FROM:");
	struct addr a;
	int own;

	if (r->submission && r->auth_user[0] == '\0') {
		verdict_set(
		    v, 530, "auth-required", "5.7.0 Authentication required");
		return 0;
	}
	if (path == NULL || addr_parse_path(path, &a, &rest, &why) == -1 ||
	    (!a.null && a.domain[0] == '\0'))
		return verdict_set(
		    v, 501, "syntax", "5.1.7 Bad sender address syntax");
	if (mail_params(r, (char *)rest, v))
		return v->code != 552; /* a size is no mistake */
	addr_format(&a, t->sender, sizeof(t->sender));
	if ((own = sender_is_own(r, &a)) == 1) {
		verdict_set(v, 250, "accepted", "2.1.0 Ok");
		return 0;
	}
	log_info("smtp mail client=%s auth=%s from=<%s> result=refused "
		 "reason=%s",
	    r->client, r->auth_user, t->sender,
	    own == 0 ? "not-own-sender" : "users-error");
	t->sender[0] = '\0';
	if (own == 0)
		verdict_set(v, 553, "not-own-sender",
		    "5.7.1 Sender address not yours: you are logged in as %s",
		    r->auth_user);
	else
		verdict_set(v, 451, "users-error", LOCAL_TROUBLE);
	return 0;
}
