/* relay: longest-match lookup of a client address in relay.cdb. */
#include <string.h>
#include <sys/socket.h>

#include "relay.h"

size_t
relay_key(const struct cidr *range, unsigned char *key)
{
	size_t len = (size_t)cidr_len(range);

	key[0] = range->family == AF_INET ? '4' : '6';
	key[1] = (unsigned char)range->prefix;
	memcpy(key + 2, range->addr, len);
	return len + 2;
}

size_t
relay_prefixes(const unsigned char *const *keys, size_t nkeys, int family,
    unsigned char *list)
{
	unsigned char seen[129] = { 0 };
	unsigned char fam = family == AF_INET ? '4' : '6';
	size_t i, n = 0;
	int p;

	for (i = 0; i < nkeys; i++)
		if (keys[i][0] == fam && keys[i][1] <= 128)
			seen[keys[i][1]] = 1;
	for (p = 128; p >= 0; p--)
		if (seen[p])
			list[n++] = (unsigned char)p;
	return n;
}

const char *
relay_prefixes_key(int family)
{
	return family == AF_INET ? "prefixes4" : "prefixes6";
}

int
relay_allowed(struct db *relay, const struct cidr *client)
{
	unsigned char key[RELAY_KEY_MAX];
	char prefixes[130], val[2];
	size_t n, i, klen;
	struct cidr c;
	int r;

	r = db_get(relay, relay_prefixes_key(client->family),
	    strlen(relay_prefixes_key(client->family)), prefixes,
	    sizeof(prefixes), &n);
	if (r != 1)
		return r;
	for (i = 0; i < n && i < sizeof(prefixes) - 1; i++) {
		c = *client;
		cidr_mask(&c, (unsigned char)prefixes[i]);
		klen = relay_key(&c, key);
		r = db_get(relay, key, klen, val, sizeof(val), NULL);
		if (r != 0)
			return r == 1 ? val[0] == '+' : -1;
	}
	return 0;
}
