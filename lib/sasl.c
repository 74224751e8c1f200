/* sasl: base64 and the PLAIN mechanism; see sasl.h. */
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "sasl.h"

int
sasl_b64_decode(const char *in, char *out, size_t size, size_t *len)
{
	size_t inlen = strlen(in);
	int n;

	if (inlen > SASL_B64_MAX || size == 0)
		return -1;
	n = b64_pton(in, (unsigned char *)out, size - 1);
	if (n < 0)
		return -1;
	out[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int
sasl_b64_encode(const void *in, size_t len, char *out, size_t size)
{
	return b64_ntop(in, len, out, size) < 0 ? -1 : 0;
}

int
sasl_plain_response(
    const char *resp, char *user, size_t usersize, char *pass, size_t passsize)
{
	char msg[SASL_B64_MAX];
	size_t len;
	int r;

	/* RFC 4954 4: "=" is an empty initial response */
	r = sasl_b64_decode(strcmp(resp, "=") == 0 ? "" : resp, msg,
		sizeof(msg), &len) == -1 ||
	    sasl_plain_split(msg, len, user, usersize, pass, passsize) == -1;
	explicit_bzero(msg, sizeof(msg));
	return r ? -1 : 0;
}

int
sasl_plain_split(const char *msg, size_t len, char *user, size_t usersize,
    char *pass, size_t passsize)
{
	const char *authzid = msg, *authcid, *passwd, *end = msg + len;
	size_t zlen, clen, plen;

	if ((authcid = memchr(msg, '\0', len)) == NULL)
		return -1;
	zlen = (size_t)(authcid - authzid);
	authcid++;
	if ((passwd = memchr(authcid, '\0', (size_t)(end - authcid))) == NULL)
		return -1;
	clen = (size_t)(passwd - authcid);
	passwd++;
	plen = (size_t)(end - passwd);
	if (memchr(passwd, '\0', plen) != NULL || clen == 0 || plen == 0 ||
	    clen >= usersize || plen >= passsize)
		return -1;
	if (zlen != 0 && (zlen != clen || memcmp(authzid, authcid, clen) != 0))
		return -1;
	memcpy(user, authcid, clen);
	user[clen] = '\0';
	memcpy(pass, passwd, plen);
	pass[plen] = '\0';
	return 0;
}

/* One answer to a challenge, into line (its end cut). */
static enum sasl_result
sasl_answer(
    const struct sasl_server *x, const char *challenge, char *line, size_t size)
{
	size_t len;
	int r;

	buf_printf(x->io, "%s%s\r\n", x->prompt, challenge);
	r = buf_getline_within(x->io, line, size, &len, x->timeout);
	if (r == BUF_EOF || r == BUF_ERR)
		return SASL_GONE;
	line[strcspn(line, "\r\n")] = '\0';
	if (r == BUF_LONG)
		return SASL_LONG;
	return strcmp(line, "*") == 0 ? SASL_CANCELLED : SASL_OK;
}

/* One base64 LOGIN answer into out: text without NUL, not empty. */
static int
sasl_login_text(const char *b64, char *out, size_t size)
{
	size_t len;

	if (sasl_b64_decode(b64, out, size, &len) == -1 ||
	    memchr(out, '\0', len) != NULL || len == 0)
		return -1;
	return 0;
}

static enum sasl_result
sasl_plain(const struct sasl_server *x, char *initial, char *user,
    size_t usersize, char *pass, size_t passsize)
{
	char line[SASL_B64_MAX + 3] = "", *resp = initial;
	enum sasl_result r = SASL_OK;

	if (*resp == '\0') {
		r = sasl_answer(x, "", line, sizeof(line));
		resp = line;
	}
	if (r == SASL_OK &&
	    sasl_plain_response(resp, user, usersize, pass, passsize) == -1)
		r = SASL_MALFORMED;
	explicit_bzero(initial, strlen(initial));
	explicit_bzero(line, sizeof(line));
	return r;
}

static enum sasl_result
sasl_login(const struct sasl_server *x, char *initial, char *user,
    size_t usersize, char *pass, size_t passsize)
{
	char line[SASL_B64_MAX + 3] = "";
	enum sasl_result r = SASL_OK;

	if (*initial == '\0')
		r = sasl_answer(x, "VXNlcm5hbWU6", line, sizeof(line));
	else
		strlcpy(line, initial, sizeof(line));
	if (r == SASL_OK && sasl_login_text(line, user, usersize) == -1)
		r = SASL_MALFORMED;
	if (r == SASL_OK)
		r = sasl_answer(x, "UGFzc3dvcmQ6", line, sizeof(line));
	if (r == SASL_OK && sasl_login_text(line, pass, passsize) == -1)
		r = SASL_MALFORMED;
	explicit_bzero(line, sizeof(line));
	return r;
}

enum sasl_result
sasl_server_exchange(const struct sasl_server *x, const char *mech,
    char *initial, char *user, size_t usersize, char *pass, size_t passsize)
{
	if (strcasecmp(mech, "PLAIN") == 0)
		return sasl_plain(x, initial, user, usersize, pass, passsize);
	if (x->login && strcasecmp(mech, "LOGIN") == 0)
		return sasl_login(x, initial, user, usersize, pass, passsize);
	return SASL_UNKNOWN;
}
