/* smtpdata: the DATA codec as two state machines; see smtpdata.h. */
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "smtpdata.h"

enum {
	DEC_BOL,   /* a line start after CRLF: may end the data */
	DEC_MID,   /* inside a line (or after a bare LF) */
	DEC_CR,	   /* a CR inside a line: is LF next? */
	DEC_DOT,   /* "." at a line start */
	DEC_DOTCR, /* ".\r" at a line start: the end if LF is next */
	DEC_END	   /* the terminator was seen */
};

void
smtpdata_dec_init(struct smtpdata_dec *d)
{
	d->state = DEC_BOL;
	d->bad_eol = 0;
}

/* One octet inside a line; returns the octets written to out. */
static size_t
dec_mid(struct smtpdata_dec *d, char c, char *out)
{
	if (c == '\r') {
		d->state = DEC_CR;
		return 0;
	}
	if (c == '\n')
		d->bad_eol = 1; /* and what follows is no line start */
	d->state = DEC_MID;
	out[0] = c;
	return 1;
}

/* A CR that was not followed by LF: keep it, note it, go on with c. */
static size_t
dec_bare_cr(struct smtpdata_dec *d, char c, char *out)
{
	d->bad_eol = 1;
	out[0] = '\r';
	return 1 + dec_mid(d, c, out + 1);
}

/* How many octets from p on are neither CR nor LF (at least one). */
static size_t
dec_text_run(const char *p, size_t len)
{
	const char *lf = memchr(p, '\n', len);
	const char *cr = memchr(p, '\r', lf ? (size_t)(lf - p) : len);
	const char *stop = cr ? cr : lf;

	return stop ? (size_t)(stop - p) : len;
}

int
smtpdata_decode(struct smtpdata_dec *d, const char *in, size_t len,
    size_t *used, char *out, size_t *outlen)
{
	size_t i, n = 0;

	for (i = 0; i < len && d->state != DEC_END; i++) {
		char c = in[i];

		if (d->state == DEC_MID && c != '\r' && c != '\n') {
			/* the common case: the rest of a line, copied whole */
			size_t run = dec_text_run(in + i, len - i);

			memcpy(out + n, in + i, run);
			n += run;
			i += run - 1;
			continue;
		}
		switch (d->state) {
		case DEC_BOL:
			if (c == '.')
				d->state = DEC_DOT;
			else
				n += dec_mid(d, c, out + n);
			break;
		case DEC_MID:
			n += dec_mid(d, c, out + n);
			break;
		case DEC_CR:
			if (c == '\n') {
				out[n++] = '\n';
				d->state = DEC_BOL;
			} else
				n += dec_bare_cr(d, c, out + n);
			break;
		case DEC_DOT: /* the stuffed dot goes (RFC 5321 4.5.2) */
			if (c == '\r')
				d->state = DEC_DOTCR;
			else
				n += dec_mid(d, c, out + n);
			break;
		case DEC_DOTCR:
			if (c == '\n')
				d->state = DEC_END;
			else
				n += dec_bare_cr(d, c, out + n);
			break;
		}
	}
	*used = i;
	*outlen = n;
	return d->state == DEC_END;
}

void
smtpdata_enc_init(struct smtpdata_enc *e)
{
	e->bol = 1;
	e->pending_cr = 0;
	e->stuffed = 0;
}

size_t
smtpdata_encode(struct smtpdata_enc *e, const char *in, size_t len, char *out)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		char c = in[i];

		if (e->pending_cr) {
			e->pending_cr = 0;
			if (c == '\n') {
				out[n++] = '\r';
				out[n++] = '\n';
				e->bol = 1;
				continue;
			}
			out[n++] = ' '; /* a bare CR never reaches the wire */
			e->bol = 0;
		}
		if (c == '\r') {
			e->pending_cr = 1;
			continue;
		}
		if (e->bol && c == '.') {
			out[n++] = '.';
			e->stuffed++;
		}
		if (c == '\n') {
			out[n++] = '\r';
			e->bol = 1;
		} else
			e->bol = 0;
		out[n++] = c;
	}
	return n;
}

size_t
smtpdata_encode_end(struct smtpdata_enc *e, char *out, int terminator)
{
	size_t n = 0;

	/* a CR at the very end, or a last line without LF, is ended */
	if (e->pending_cr || !e->bol) {
		out[n++] = '\r';
		out[n++] = '\n';
	}
	e->pending_cr = 0;
	e->bol = 1;
	if (terminator) {
		memcpy(out + n, ".\r\n", 3);
		n += 3;
	}
	return n;
}

/* Where TOP is in a message: the header, then counted body lines. */
struct top {
	long body_lines; /* < 0: the whole message */
	int in_body;
	long lines;
	off_t linelen; /* octets of the current line before its LF */
	int last_cr;   /* the current line's last octet so far is a CR */
};

/* Notes the line piece p[0..n), which ends at an LF or not at all. */
static void
top_track(struct top *t, const unsigned char *p, size_t n)
{
	int ends = n > 0 && p[n - 1] == '\n';
	size_t text = n - (size_t)ends;

	if (text > 0) {
		t->linelen += (off_t)text;
		t->last_cr = p[text - 1] == '\r';
	}
	if (!ends)
		return;
	if (t->in_body)
		t->lines++;
	else if (t->linelen - t->last_cr == 0)
		t->in_body = 1; /* the empty line ends the header */
	t->linelen = 0;
	t->last_cr = 0;
}

long long
smtpdata_send_file(struct buf *out, int fd, long body_lines, int terminator)
{
	static unsigned char in[16384];
	static char enc[SMTPDATA_ENC_ROOM(sizeof(in)) + SMTPDATA_END_ROOM];
	struct top t = { body_lines, 0, 0, 0, 0 };
	struct smtpdata_enc e;
	off_t total = 0, total_in = 0;
	size_t i, end, w;
	ssize_t n = 0;
	int done = 0;

	smtpdata_enc_init(&e);
	while (!done && (n = pread(fd, in, sizeof(in), total_in)) > 0) {
		total_in += n;
		for (i = 0; i < (size_t)n; i = end) {
			unsigned char *nl = memchr(in + i, '\n', (size_t)n - i);

			if (e.bol && t.in_body && body_lines >= 0 &&
			    t.lines >= body_lines) {
				done = 1;
				break;
			}
			end = nl ? (size_t)(nl - in) + 1 : (size_t)n;
			top_track(&t, in + i, end - i);
			w = smtpdata_encode(&e, (char *)in + i, end - i, enc);
			total += (off_t)w;
			if (out != NULL)
				buf_put(out, enc, w);
		}
	}
	if (n < 0)
		return -1;
	w = smtpdata_encode_end(&e, enc, terminator);
	if (out != NULL)
		buf_put(out, enc, w);
	/* the terminator (3 octets) is not the message's */
	return (long long)(total + (off_t)w - (off_t)e.stuffed) -
	    (terminator ? 3 : 0);
}
