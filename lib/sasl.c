/* sasl: base64 and the PLAIN mechanism; see sasl.h. */
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

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
