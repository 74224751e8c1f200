/*
 * Unit tests for lib/smtpdata: every case is decoded (or encoded) whole,
 * split at every point into two pieces, split into three pieces at every
 * pair of points, and fed one octet at a time; all must give the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "smtpdata.h"

struct dec_case {
	const char *label;
	const char *in;
	int end;	 /* the terminator is in it */
	size_t used;	 /* octets up to and with the terminator */
	const char *out; /* the decoded text */
	int bad_eol;
	size_t inlen, outlen; /* 0: strlen (set for text with a NUL) */
};

#define ALL ((size_t)-1)

static const struct dec_case dec_cases[] = {
	{ "one line", "hello\r\n.\r\n", 1, ALL, "hello\n", 0, 0, 0 },
	{ "terminator alone", ".\r\n", 1, ALL, "", 0, 0, 0 },
	{ "empty line first", "\r\n.\r\n", 1, ALL, "\n", 0, 0, 0 },
	{ "stuffed dot", "..dot\r\n.\r\n", 1, ALL, ".dot\n", 0, 0, 0 },
	{ "stuffed lone dot", "..\r\n.\r\n", 1, ALL, ".\n", 0, 0, 0 },
	{ "dot inside a line", "a.b\r\n.\r\n", 1, ALL, "a.b\n", 0, 0, 0 },
	{ "no terminator yet", "abc\r\n", 0, ALL, "abc\n", 0, 0, 0 },
	{ "commands after it", "x\r\n.\r\nQUIT\r\n", 1, 6, "x\n", 0, 0, 0 },
	{ "bare LF before dot", "a\n.\r\nb\r\n.\r\n", 1, ALL, "a\n.\nb\n", 1, 0,
	    0 },
	{ "bare LF dot bare LF", "a\n.\nb\r\n.\r\n", 1, ALL, "a\n.\nb\n", 1, 0,
	    0 },
	{ "bare CR before dot", "a\r.\r\n.\r\n", 1, ALL, "a\r.\n", 1, 0, 0 },
	{ "dot then bare CR", ".\rx\r\n.\r\n", 1, ALL, "\rx\n", 1, 0, 0 },
	{ "dot bare LF is no end", ".\n.\r\n", 0, ALL, "\n.\n", 1, 0, 0 },
	{ "CR CR LF", "a\r\r\n.\r\n", 1, ALL, "a\r\n", 1, 0, 0 },
	{ "8-bit and NUL", "\xc3\xa4\x00z\r\n.\r\n", 1, ALL, "\xc3\xa4\x00z\n",
	    0, 9, 5 },
	{ "dot space is text", ". \r\n.\r\n", 1, ALL, " \n", 0, 0, 0 },
};

static size_t
in_len(const struct dec_case *c)
{
	return c->inlen ? c->inlen : strlen(c->in);
}

static size_t
out_len(const struct dec_case *c)
{
	return c->outlen ? c->outlen : strlen(c->out);
}

/* Feeds in split at the given cut points; checks the result. */
static void
dec_check(const struct dec_case *c, const size_t *cuts, size_t ncuts)
{
	struct smtpdata_dec d;
	size_t len = in_len(c), start = 0, total = 0, k;
	char out[256];
	int end = 0;

	smtpdata_dec_init(&d);
	for (k = 0; k <= ncuts && !end; k++) {
		size_t stop = k < ncuts ? cuts[k] : len, used, n;

		end = smtpdata_decode(
		    &d, c->in + start, stop - start, &used, out + total, &n);
		total += n;
		if (!end)
			assert_int_equal(used, stop - start);
		start += used;
	}
	if (end != c->end || total != out_len(c) ||
	    memcmp(out, c->out, total) != 0 || d.bad_eol != c->bad_eol ||
	    start != (c->used == ALL ? len : c->used)) {
		char where[64] = "";

		for (k = 0; k < ncuts; k++)
			snprintf(where + strlen(where),
			    sizeof(where) - strlen(where), " %zu", cuts[k]);
		fail_msg("%s: cut at%s: end %d used %zu out %zu bad %d",
		    c->label, where, end, start, total, d.bad_eol);
	}
}

static void
test_decode_every_split(void **state)
{
	size_t i, a, b, cuts[64];

	(void)state;
	for (i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
		const struct dec_case *c = &dec_cases[i];
		size_t len = in_len(c), k;

		dec_check(c, NULL, 0);
		for (a = 0; a <= len; a++)
			dec_check(c, &a, 1);
		for (a = 0; a <= len; a++)
			for (b = a; b <= len; b++) {
				cuts[0] = a;
				cuts[1] = b;
				dec_check(c, cuts, 2);
			}
		for (k = 0; k + 1 < len && k < 64; k++)
			cuts[k] = k + 1;
		dec_check(c, cuts, k);
	}
}

struct enc_case {
	const char *label;
	const char *in;
	const char *out; /* with the ".\r\n" terminator */
};

static const struct enc_case enc_cases[] = {
	{ "lines", "a\nb\n", "a\r\nb\r\n.\r\n" },
	{ "dot stuffed", "a\n.b\n", "a\r\n..b\r\n.\r\n" },
	{ "lone dot line", ".\n", "..\r\n.\r\n" },
	{ "dot first", ".x", "..x\r\n.\r\n" },
	{ "no last LF", "a", "a\r\n.\r\n" },
	{ "empty", "", ".\r\n" },
	{ "CRLF kept as one end", "a\r\nb\n", "a\r\nb\r\n.\r\n" },
	{ "bare CR is a space", "a\rb\n", "a b\r\n.\r\n" },
	{ "bare CR before dot", "a\r.\n", "a .\r\n.\r\n" },
	{ "bare CR at line start", "\r.\n", " .\r\n.\r\n" },
	{ "CR at the end", "x\r", "x\r\n.\r\n" },
	{ "CR CR LF", "a\r\r\n", "a \r\n.\r\n" },
	{ "empty lines", "\n\n", "\r\n\r\n.\r\n" },
};

static void
enc_check(const struct enc_case *c, size_t cut1, size_t cut2)
{
	struct smtpdata_enc e;
	size_t len = strlen(c->in), cuts[3] = { cut1, cut2, len }, start = 0;
	char out[256];
	size_t n = 0, k;

	smtpdata_enc_init(&e);
	for (k = 0; k < 3; k++) {
		n += smtpdata_encode(
		    &e, c->in + start, cuts[k] - start, out + n);
		start = cuts[k];
	}
	n += smtpdata_encode_end(&e, out + n, 1);
	if (n != strlen(c->out) || memcmp(out, c->out, n) != 0)
		fail_msg("%s: cut at %zu %zu: got \"%.*s\"", c->label, cut1,
		    cut2, (int)n, out);
}

static void
test_encode_every_split(void **state)
{
	size_t i, a, b;

	(void)state;
	for (i = 0; i < sizeof(enc_cases) / sizeof(enc_cases[0]); i++) {
		size_t len = strlen(enc_cases[i].in);

		for (a = 0; a <= len; a++)
			for (b = a; b <= len; b++)
				enc_check(&enc_cases[i], a, b);
	}
}

/* What the encoder sends, the decoder gives back (text without CR). */
static void
test_round_trip(void **state)
{
	static const char alphabet[] = "a.\n\n.x";
	char text[300], wire[SMTPDATA_ENC_ROOM(300) + SMTPDATA_END_ROOM];
	char back[sizeof(wire) + 2];
	struct smtpdata_enc e;
	struct smtpdata_dec d;
	size_t n, w, used, got, off, piece, part;
	unsigned seed = 1;
	int round, end;

	(void)state;
	for (round = 0; round < 2000; round++) {
		n = (size_t)(rand_r(&seed) % 300);
		for (size_t i = 0; i < n; i++)
			text[i] = alphabet[rand_r(&seed) % 6];
		if (n > 0)
			text[n - 1] = '\n';
		smtpdata_enc_init(&e);
		w = smtpdata_encode(&e, text, n, wire);
		w += smtpdata_encode_end(&e, wire + w, 1);
		smtpdata_dec_init(&d);
		for (off = 0, got = 0, end = 0; off < w && !end; off += used) {
			piece = 1 + (size_t)(rand_r(&seed) % 7);
			if (piece > w - off)
				piece = w - off;
			end = smtpdata_decode(
			    &d, wire + off, piece, &used, back + got, &part);
			got += part;
		}
		assert_true(end);
		assert_int_equal(off, w);
		assert_int_equal(d.bad_eol, 0);
		assert_int_equal(got, n);
		assert_memory_equal(back, text, n);
	}
}

/* A stored message sent from its file: what went out, and the count. */
static void
send_file(const char *stored, long body_lines, int terminator, const char *want,
    long long want_count)
{
	char path[] = "/tmp/yubin-smtpdata.XXXXXX", got[4096];
	struct buf b;
	long long count;
	ssize_t n;
	int fd = mkstemp(path), sv[2];

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(
	    write(fd, stored, strlen(stored)), (ssize_t)strlen(stored));
	/* a shared descriptor's offset is left where it was */
	assert_int_equal(lseek(fd, 0, SEEK_CUR), (off_t)strlen(stored));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	buf_init(&b, sv[0], sv[0], 5);
	count = smtpdata_send_file(&b, fd, body_lines, terminator);
	assert_int_equal(buf_flush(&b), 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), (off_t)strlen(stored));
	close(sv[0]);
	n = read(sv[1], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	close(sv[1]);
	assert_string_equal(got, want);
	assert_int_equal(count, want_count);
	/* counting alone gives the same */
	assert_int_equal(
	    smtpdata_send_file(NULL, fd, body_lines, terminator), want_count);
	close(fd);
}

static void
test_send_file(void **state)
{
	static const char *msg = "Subject: a\nX: b\n\n.one\ntwo\nthree\n";

	(void)state;
	/* the whole message, as RETR sends it (LIST counts it with CRLF,
	 * without the stuffed dot) */
	send_file(msg, -1, 0,
	    "Subject: a\r\nX: b\r\n\r\n..one\r\ntwo\r\nthree\r\n", 38);
	/* TOP n 0 and TOP n 2 */
	send_file(msg, 0, 0, "Subject: a\r\nX: b\r\n\r\n", 20);
	send_file(msg, 2, 0, "Subject: a\r\nX: b\r\n\r\n..one\r\ntwo\r\n", 31);
	/* SMTP: the terminator after a last line without its end */
	send_file(
	    "Subject: c\n\nlast", -1, 1, "Subject: c\r\n\r\nlast\r\n.\r\n", 20);
	/* a file that cannot be read */
	assert_int_equal(smtpdata_send_file(NULL, -1, -1, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_every_split),
		cmocka_unit_test(test_encode_every_split),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_send_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
