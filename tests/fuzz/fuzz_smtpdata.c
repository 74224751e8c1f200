/*
 * The DATA decoder fed the same stream whole and cut into pieces (the
 * cut points come from the input) must give the same result; and what
 * the encoder sends, the decoder gives back, normalized as documented.
 */
#include <assert.h>

#include "fuzz.h"
#include "smtpdata.h"

struct decoded {
	int end;
	size_t used, outlen;
	int bad_eol;
};

static void
decode(const uint8_t *cuts, size_t ncuts, const char *in, size_t len, char *out,
    struct decoded *r)
{
	struct smtpdata_dec d;
	size_t off = 0, k = 0, piece, used, n;

	smtpdata_dec_init(&d);
	r->end = 0;
	r->outlen = 0;
	while (off < len && !r->end) {
		piece = ncuts ? 1 + cuts[k++ % ncuts] % 64 : len - off;
		if (piece > len - off)
			piece = len - off;
		r->end = smtpdata_decode(
		    &d, in + off, piece, &used, out + r->outlen, &n);
		assert(r->end || used == piece);
		assert(n <= piece + 2);
		r->outlen += n;
		off += used;
	}
	r->used = off;
	r->bad_eol = d.bad_eol;
}

static void
round_trip(const char *in, size_t len)
{
	char *wire = malloc(SMTPDATA_ENC_ROOM(len) + SMTPDATA_END_ROOM);
	char *back = malloc(SMTPDATA_ENC_ROOM(len) + SMTPDATA_END_ROOM + 2);
	char *want = malloc(len + 2);
	struct smtpdata_enc e;
	struct decoded r;
	size_t w, i, n = 0;

	smtpdata_enc_init(&e);
	w = smtpdata_encode(&e, in, len, wire);
	w += smtpdata_encode_end(&e, wire + w, 1);
	decode(NULL, 0, wire, w, back, &r);
	assert(r.end && r.used == w && !r.bad_eol);
	for (i = 0; i < len; i++) { /* CRLF is a line end, bare CR a space */
		if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue;
		want[n++] = in[i] == '\r' ? (i + 1 == len ? '\n' : ' ') : in[i];
	}
	if (n > 0 && want[n - 1] != '\n')
		want[n++] = '\n';
	assert(r.outlen == n && memcmp(back, want, n) == 0);
	free(wire);
	free(back);
	free(want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t ncuts = size > 0 ? data[0] % 16 : 0;
	const char *in;
	char *a, *b;
	struct decoded whole, cut;
	size_t len;

	if (size < 1 + ncuts)
		return 0;
	in = (const char *)data + 1 + ncuts;
	len = size - 1 - ncuts;
	a = malloc(len + 2);
	b = malloc(len + 2);
	decode(NULL, 0, in, len, a, &whole);
	decode(data + 1, ncuts, in, len, b, &cut);
	assert(whole.end == cut.end && whole.used == cut.used &&
	    whole.bad_eol == cut.bad_eol && whole.outlen == cut.outlen &&
	    memcmp(a, b, whole.outlen) == 0);
	free(a);
	free(b);
	round_trip(in, len);
	return 0;
}
