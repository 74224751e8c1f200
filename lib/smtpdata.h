/*
 * smtpdata: the SMTP DATA codec (RFC 5321 4.1.4, 4.5.2), both ways, as
 * state machines that keep their state between calls, so a terminator, a
 * stuffed dot or a CRLF split across any two reads or TLS records is
 * decoded exactly as if it had come in one piece.
 *
 * Decoding (what a server receives): CRLF becomes LF, the stuffed dot at
 * the start of a line is removed, and only <CRLF>.<CRLF> ends the data; a
 * bare CR or a bare LF is passed through and noted in bad_eol (RFC 5321
 * 2.3.8), and a line that starts after a bare LF can never end the data
 * (SMTP smuggling).
 *
 * Encoding (what a client or a POP3 server sends): stored text with LF
 * line ends becomes CRLF lines with a dot stuffed before every line that
 * starts with one. A CR directly before an LF is part of that line end; any
 * other CR becomes a space, so what goes on the wire has CR only in CRLF
 * and no bare CR can end a line at the next hop.
 */
#ifndef YUBIN_SMTPDATA_H
#define YUBIN_SMTPDATA_H

#include <stddef.h>

struct smtpdata_dec {
	int state;
	int bad_eol; /* a bare CR or LF was seen */
};

/* Ready for the first octet after the 354 reply (a line start). */
void smtpdata_dec_init(struct smtpdata_dec *d);
/*
 * Decodes in[0..len) into out, which has room for len + 2 octets; *outlen
 * is what was written. Returns 1 when <CRLF>.<CRLF> ended the data, with
 * *used the octets of in that belonged to it (the rest is the next
 * command), else 0 with all of in used.
 */
int smtpdata_decode(struct smtpdata_dec *d, const char *in, size_t len,
    size_t *used, char *out, size_t *outlen);

struct smtpdata_enc {
	int bol;	/* at the start of a line */
	int pending_cr; /* the last octet seen was a CR */
	size_t stuffed; /* dots added (POP3 sizes count without them) */
};

#define SMTPDATA_ENC_ROOM(len) (2 * (len) + 2) /* out room for len in */
#define SMTPDATA_END_ROOM 8

void smtpdata_enc_init(struct smtpdata_enc *e);
/* Encodes in[0..len) into out (SMTPDATA_ENC_ROOM(len)); returns octets. */
size_t smtpdata_encode(
    struct smtpdata_enc *e, const char *in, size_t len, char *out);
/*
 * Ends the text: a pending CR, a last CRLF if the text lacked one, and
 * with terminator the ".\r\n" that ends DATA. out has SMTPDATA_END_ROOM.
 */
size_t smtpdata_encode_end(struct smtpdata_enc *e, char *out, int terminator);

/*
 * A stored message (the file fd, read with pread from its start, so a
 * descriptor shared with other processes is never moved) sent encoded
 * into out, or only counted when out is NULL. body_lines < 0 sends the
 * whole message; otherwise the header and that many lines of the body
 * (POP3 TOP). With terminator, the ".\r\n" that ends DATA follows.
 * Returns the octets sent before dot-stuffing and without the terminator
 * (what POP3's LIST counts), or -1 when the file could not be read.
 */
struct buf;
long long smtpdata_send_file(
    struct buf *out, int fd, long body_lines, int terminator);

#endif
