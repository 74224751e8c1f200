/*
 * sasl: the SASL pieces SMTP AUTH and POP3 AUTH share (RFC 4616 PLAIN,
 * base64 per RFC 4648 through glibc's b64_pton/b64_ntop).
 * Return 0, or -1 when the input is malformed.
 */
#ifndef YUBIN_SASL_H
#define YUBIN_SASL_H

#include <stddef.h>

#define SASL_B64_MAX 1024 /* longest base64 response accepted */

/* Decodes base64 into out (NUL-terminated); *len gets the octet count. */
int sasl_b64_decode(const char *in, char *out, size_t size, size_t *len);
int sasl_b64_encode(const void *in, size_t len, char *out, size_t size);
/*
 * Splits a decoded PLAIN message "authzid\0authcid\0passwd". The authzid
 * must be empty or the same as authcid (no proxy logins).
 */
int sasl_plain_split(const char *msg, size_t len, char *user, size_t usersize,
    char *pass, size_t passsize);

/*
 * A whole PLAIN response as a client sends it (base64, "=" for an empty
 * one) into user and pass; the decoded copy is scrubbed. The caller
 * scrubs pass (and resp) once the password is checked.
 */
int sasl_plain_response(
    const char *resp, char *user, size_t usersize, char *pass, size_t passsize);

/*
 * The server's side of an AUTH exchange (RFC 4954 for SMTP, RFC 5034 for
 * POP3) for PLAIN and LOGIN: the client's initial response, or a
 * challenge (prompt, then the base64 text of the challenge: "334 " for
 * SMTP, "+ " for POP3) and its answer, each read as a whole line within
 * timeout seconds. Every copy of the password but pass is scrubbed; the
 * caller scrubs pass once it is checked. initial ("" for none) is
 * changed. Returns an enum sasl_result.
 */
enum sasl_result {
	SASL_OK,
	SASL_UNKNOWN,	/* not a mechanism offered */
	SASL_CANCELLED, /* the client answered "*" */
	SASL_MALFORMED, /* not base64, or not what the mechanism wants */
	SASL_LONG,	/* an answer longer than SASL_B64_MAX */
	SASL_GONE	/* the client hung up or said nothing in time */
};
struct buf;
struct sasl_server {
	struct buf *io;
	int timeout;
	const char *prompt;
	int login; /* LOGIN is offered too (SMTP), not only PLAIN */
};
enum sasl_result sasl_server_exchange(const struct sasl_server *x,
    const char *mech, char *initial, char *user, size_t usersize, char *pass,
    size_t passsize);

#endif
