/*
 * authres: the Authentication-Results: field (RFC 8601) on mail from
 * outside. authres_strip takes out, as the message arrives, every such
 * field that claims to be ours (its authserv-id is our hostname): only
 * our own may say what we checked (RFC 8601 5). authres_format writes
 * ours from the SPF, DKIM and DMARC verdicts.
 */
#ifndef YUBIN_AUTHRES_H
#define YUBIN_AUTHRES_H

#include <stddef.h>

#include "dkimverify.h"
#include "dmarc.h"

/* An Authentication-Results: field longer than this is not looked into:
 * it is taken out when it does not show a foreign authserv-id by then. */
#define AUTHRES_HOLD_MAX 8192

struct authres_strip {
	const char *ours; /* our authserv-id */
	int in_header, bol, mode;
	size_t nheld;
	size_t name_at;	 /* octets of the field name matched */
	size_t value_at; /* where the held field's value starts */
	size_t removed;	 /* fields taken out */
	char held[AUTHRES_HOLD_MAX];
};

void authres_strip_init(struct authres_strip *st, const char *ours);
/*
 * Passes decoded message text (LF line ends, cut anywhere) from in to
 * out, without the fields that claim to be ours. out must have room for
 * len + AUTHRES_HOLD_MAX octets. Returns the octets put in out.
 */
size_t authres_strip(
    struct authres_strip *st, const char *in, size_t len, char *out);
/* At the end of the text: what is still held (a header without body). */
size_t authres_strip_end(struct authres_strip *st, char *out);

struct authres {
	const char *hostname;
	const char *spf;	  /* RFC 8601 word */
	const char *spf_property; /* smtp.mailfrom or smtp.helo */
	const char *spf_value;
	const struct dkimverify_result *dkim; /* NULL: not checked */
	const struct dmarc_verdict *dmarc;    /* NULL: not checked */
	const char *from_domain;	      /* header.from */
};

/* The whole field, folded, ending in LF; -1 if it does not fit. */
int authres_format(const struct authres *ar, char *buf, size_t size);

#endif
