/* identity: the addresses a logged-in user may send as; see identity.h. */
#include <errno.h>
#include <string.h>

#include "identity.h"
#include "log.h"

void
identity_init(struct identity *id, const struct deliver_ctx *ctx,
    const char *confdir, const struct account *account)
{
	id->ctx = ctx;
	id->confdir = confdir;
	id->account = account;
	id->senders_state = 0;
}

/* senders.cdb, opened the first time it is needed; NULL without one. */
static struct db *
identity_senders(struct identity *id)
{
	if (id->senders_state == 0) {
		/* optional: cdbmake-users makes it, an older site has none */
		id->senders_state = 1;
		if (db_open_at(&id->senders, id->confdir, "senders.cdb") ==
		    -1) {
			id->senders_state = 2;
			if (errno != ENOENT)
				log_warn("cannot open %s/senders.cdb: %s",
				    id->confdir, strerror(errno));
		}
	}
	return id->senders_state == 1 ? &id->senders : NULL;
}

int
identity_sender_ok(struct identity *id, const struct addr *a)
{
	int r;

	if (a->null)
		return 1;
	if ((r = users_may_send_as(
		 identity_senders(id), id->account->key, a)) != 0)
		return r; /* listed in senders (or an error) */
	if ((r = users_domain_is_local(id->ctx->domains, a->domain)) != 1)
		return r;
	return deliver_reaches(id->ctx, id->account, a->local, a->domain);
}

int
identity_from_ok(struct identity *id, struct deliver_msg *m)
{
	struct addr a;
	int r = deliver_from_address(m, &a);

	if (r == -1 || r == 0)
		return r == 0 ? 1 : -1;
	if (r == 2)
		return 0; /* two From:, a list, or no address in it */
	return identity_sender_ok(id, &a);
}

void
identity_close(struct identity *id)
{
	if (id->senders_state == 1)
		db_close(&id->senders);
	id->senders_state = 0;
}
