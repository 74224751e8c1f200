/* intake: a message's DATA as it arrives at smtp-in; see intake.h. */
#include <stdio.h>

#include "intake.h"

void
intake_init(struct intake *in, const char *hostname, long long max_size,
    char *const *locals, size_t nlocal, struct dkimverify *dkim)
{
	smtpdata_dec_init(&in->dec);
	trace_init(&in->trace, locals, nlocal);
	authres_strip_init(&in->strip, hostname);
	in->dkim = dkim;
	in->octets = 0;
	in->max_size = max_size;
	in->too_big = 0;
}

int
intake_chunk(
    struct intake *in, struct deliver_msg *m, const char *p, size_t len)
{
	/* static scratch (one message at a time): off the DATA path's stack */
	static char out[INTAKE_CHUNK_MAX + 2];
	static char kept[INTAKE_CHUNK_MAX + 2 + AUTHRES_HOLD_MAX];
	size_t used, n;
	int end = smtpdata_decode(&in->dec, p, len, &used, out, &n);

	in->octets += (long long)used;
	if (in->octets > in->max_size)
		in->too_big = 1;
	trace_feed(&in->trace, out, n);
	if (in->too_big || in->dec.bad_eol)
		return end; /* read to the end, write nothing more */
	if (in->dkim != NULL)
		dkimverify_feed(in->dkim, out, n); /* the text as it was sent */
	n = authres_strip(&in->strip, out, n, kept);
	if (end == 1)
		n += authres_strip_end(&in->strip, kept + n);
	if (m != NULL && deliver_write(m, kept, n) == -1)
		return -1;
	return end;
}

int
intake_refused(const struct intake *in, struct verdict *v)
{
	if (in->dec.bad_eol)
		return verdict_set(v, 554, "refused-bare-lf",
		    "5.6.0 Message contains a bare CR or LF; lines must end "
		    "in CRLF (RFC 5321 2.3.8)");
	if (in->too_big)
		return verdict_set(v, 552, "refused-size",
		    "5.3.4 Message size exceeds fixed maximum message size");
	if (in->trace.hops > INTAKE_HOPS_MAX)
		return verdict_set(
		    v, 554, "refused-hops", "5.4.6 Too many hops");
	if (in->trace.loop[0] != '\0')
		return verdict_set(v, 554, "refused-loop",
		    "5.4.6 Mail forwarding loop for %s", in->trace.loop);
	return 0;
}
