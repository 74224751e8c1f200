/* dkimverify: DKIM verification with libopendkim; see dkimverify.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "addr.h"
#include "dkimverify.h"

struct dkimverify {
	DKIM *dkim;
	const char *servers;
	int timeout_ms;
	int broken; /* libopendkim refused the text: no verdict */
	/* signatures whose key DNS did not give in time: libopendkim gives
	 * up on the whole message when told so, so it is told "no key" */
	DKIM_SIGINFO *no_answer[DKIMVERIFY_SIGS_MAX];
	size_t nno_answer;
};

/*
 * RSA public keys, decoded once per process. libopendkim decodes the key
 * of every signature it checks (d2i_PUBKEY_bio); OpenSSL 3's generic
 * decoder costs more than the check itself (about 300 us against 20).
 * smtp-in is linked with that call wrapped (KEY_WRAP in the Makefile):
 * the same DER, seen before in this session, gets the key decoded then.
 * Public keys, a few per session: bounded, never evicted.
 */
#define PUBKEY_CACHE_MAX 32

struct cached_pubkey {
	unsigned char *der;
	size_t len;
	EVP_PKEY *key;
};

static struct cached_pubkey pubkeys[PUBKEY_CACHE_MAX];
static size_t pubkeys_used;
static struct dkimverify_stats pubkey_stats;

/* Weak: a program linked without the wrap never calls the wrapper. */
EVP_PKEY *__real_d2i_PUBKEY_bio(BIO *bio, EVP_PKEY **a) __attribute__((weak));
EVP_PKEY *__wrap_d2i_PUBKEY_bio(BIO *bio, EVP_PKEY **a);

/* Keeps key, decoded from der, for the rest of the process. */
static void
pubkey_keep(const unsigned char *der, size_t len, EVP_PKEY *key)
{
	struct cached_pubkey *slot = &pubkeys[pubkeys_used];

	if (pubkeys_used == PUBKEY_CACHE_MAX ||
	    (slot->der = malloc(len)) == NULL)
		return;
	if (EVP_PKEY_up_ref(key) != 1) {
		free(slot->der);
		return;
	}
	memcpy(slot->der, der, len);
	slot->len = len;
	slot->key = key;
	pubkeys_used++;
	pubkey_stats.decoded++;
}

EVP_PKEY *
__wrap_d2i_PUBKEY_bio(BIO *bio, EVP_PKEY **a)
{
	unsigned char *der;
	EVP_PKEY *key;
	long len;
	size_t i;

	if (a != NULL || BIO_method_type(bio) != BIO_TYPE_MEM ||
	    (len = BIO_get_mem_data(bio, &der)) <= 0)
		return __real_d2i_PUBKEY_bio(bio, a);
	for (i = 0; i < pubkeys_used; i++)
		if (pubkeys[i].len == (size_t)len &&
		    memcmp(pubkeys[i].der, der, (size_t)len) == 0 &&
		    EVP_PKEY_up_ref(pubkeys[i].key) == 1) {
			pubkey_stats.handed++;
			return pubkeys[i].key;
		}
	/* the BIO's memory is libopendkim's and outlives the read */
	if ((key = __real_d2i_PUBKEY_bio(bio, NULL)) != NULL)
		pubkey_keep(der, (size_t)len, key);
	return key;
}

struct dkimverify_stats
dkimverify_stats(void)
{
	return pubkey_stats;
}

/* The public key of a signature: TXT at SELECTOR._domainkey.DOMAIN. */
static DKIM_CBSTAT
key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t size)
{
	struct dkimverify *v = dkim_get_user_context(dkim);
	const char *domain = (const char *)dkim_sig_getdomain(sig);
	const char *selector = (const char *)dkim_sig_getselector(sig);
	char name[DNS_NAME_MAX + 2];
	enum dns_status st;
	int n;

	if (domain == NULL || selector == NULL ||
	    snprintf(name, sizeof(name), "%s._domainkey.%s", selector,
		domain) >= (int)sizeof(name) ||
	    !addr_dns_name_ok(name))
		return DKIM_CBSTAT_NOTFOUND;
	/* RFC 6376 3.6.2.2: with several records the result is undefined;
	 * the first is used */
	n = dns_txt_lookup(
	    v->servers, v->timeout_ms, name, "", (char *)buf, size, &st);
	if (st == DNS_TEMP && v->nno_answer < DKIMVERIFY_SIGS_MAX)
		v->no_answer[v->nno_answer++] = sig;
	return n > 0 ? DKIM_CBSTAT_CONTINUE : DKIM_CBSTAT_NOTFOUND;
}

/* Each signature checked costs a DNS question: a bounded number. */
static DKIM_CBSTAT
prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
	int i;

	(void)dkim;
	for (i = DKIMVERIFY_SIGS_MAX; i < nsigs; i++)
		dkim_sig_ignore(sigs[i]);
	return DKIM_CBSTAT_CONTINUE;
}

/* The library handle, made once per process. */
static DKIM_LIB *
verifying_lib(void)
{
	static DKIM_LIB *lib;
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF; /* our text ends in LF */

	if (lib != NULL)
		return lib;
	if ((lib = dkim_init(NULL, NULL)) == NULL)
		return NULL;
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
		sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_set_key_lookup(lib, key_lookup) != DKIM_STAT_OK ||
	    dkim_set_prescreen(lib, prescreen) != DKIM_STAT_OK) {
		dkim_close(lib);
		lib = NULL;
	}
	return lib;
}

struct dkimverify *
dkimverify_start(const char *servers, int timeout_ms, const char *id)
{
	DKIM_LIB *lib = verifying_lib();
	struct dkimverify *v;
	DKIM_STAT st;

	if (lib == NULL)
		return errno = ENOMEM, NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->servers = servers;
	v->timeout_ms = timeout_ms;
	v->dkim = dkim_verify(lib, (const unsigned char *)id, NULL, &st);
	if (v->dkim == NULL ||
	    dkim_set_user_context(v->dkim, v) != DKIM_STAT_OK) {
		dkimverify_abort(v);
		return errno = ENOMEM, NULL;
	}
	return v;
}

void
dkimverify_feed(struct dkimverify *v, const char *p, size_t len)
{
	if (v->broken || len == 0)
		return;
	if (dkim_chunk(v->dkim, (u_char *)p, len) != DKIM_STAT_OK)
		v->broken = 1;
}

/* RFC 8601 2.7.1's word for one signature, and why when not pass. */
static void
sig_verdict(
    const struct dkimverify *v, DKIM_SIGINFO *sig, struct dkimverify_sig *out)
{
	unsigned int flags = dkim_sig_getflags(sig);
	DKIM_SIGERROR err;
	const char *word = "permerror", *why;
	size_t i;

	for (i = 0; i < v->nno_answer; i++)
		if (v->no_answer[i] == sig) {
			strlcpy(out->result, "temperror", sizeof(out->result));
			strlcpy(out->why, "no DNS answer for the key",
			    sizeof(out->why));
			return;
		}
	if (flags & DKIM_SIGFLAG_IGNORE) {
		strlcpy(out->result, "neutral", sizeof(out->result));
		strlcpy(out->why, "signature ignored by libopendkim",
		    sizeof(out->why));
		return;
	}
	if (DKIM_SIG_CHECK(sig)) {
		strlcpy(out->result, "pass", sizeof(out->result));
		return;
	}
	err = dkim_sig_geterror(sig);
	if (err == DKIM_SIGERROR_KEYFAIL)
		word = "temperror";
	else if (err == DKIM_SIGERROR_BADSIG ||
	    (err == DKIM_SIGERROR_OK &&
		dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH))
		word = "fail";
	why = err == DKIM_SIGERROR_OK &&
		dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH
	    ? "body hash did not verify"
	    : dkim_sig_geterrorstr(err);
	strlcpy(out->result, word, sizeof(out->result));
	strlcpy(
	    out->why, why != NULL ? why : "unknown error", sizeof(out->why));
}

static void
sig_names(DKIM_SIGINFO *sig, struct dkimverify_sig *out)
{
	const char *d = (const char *)dkim_sig_getdomain(sig);
	const char *s = (const char *)dkim_sig_getselector(sig);
	const char *b =
	    (const char *)dkim_sig_gettagvalue(sig, 0, (u_char *)"b");

	addr_lower(out->domain, d != NULL ? d : "", sizeof(out->domain));
	strlcpy(out->selector, s != NULL ? s : "", sizeof(out->selector));
	strlcpy(out->b, b != NULL ? b : "", sizeof(out->b));
}

void
dkimverify_finish(struct dkimverify *v, struct dkimverify_result *out)
{
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0, i;

	memset(out, 0, sizeof(*out));
	if (!v->broken)
		dkim_chunk(v->dkim, NULL, 0);
	if (!v->broken)
		(void)dkim_eom(v->dkim, NULL); /* verdicts per signature */
	if (dkim_getsiglist(v->dkim, &sigs, &nsigs) != DKIM_STAT_OK)
		nsigs = 0;
	for (i = 0; i < nsigs && out->n < DKIMVERIFY_SIGS_MAX; i++) {
		struct dkimverify_sig *o = &out->sig[out->n++];

		sig_names(sigs[i], o);
		if (v->broken) {
			strlcpy(o->result, "permerror", sizeof(o->result));
			strlcpy(o->why, "message not in DKIM syntax",
			    sizeof(o->why));
		} else
			sig_verdict(v, sigs[i], o);
	}
	dkimverify_abort(v);
}

void
dkimverify_abort(struct dkimverify *v)
{
	if (v == NULL)
		return;
	if (v->dkim != NULL)
		dkim_free(v->dkim);
	free(v);
}
