/*
 * dkimkey: a domain's DKIM keys, made and published. dkimkey_generate
 * writes a new private key (rsa: 2048 bits; ed25519) as PEM to a file
 * that must not exist yet, mode 0600; dkimkey_record gives the text of
 * the DNS TXT record that publishes its public half (RFC 6376 3.6.1,
 * RFC 8463 4). Both return 0, or -1 with errno set.
 */
#ifndef YUBIN_DKIMKEY_H
#define YUBIN_DKIMKEY_H

#include <stddef.h>
#include <stdio.h>

#define DKIMKEY_RECORD_MAX 1024

int dkimkey_generate(const char *path, const char *kind);
int dkimkey_record(const char *path, const char *kind, char *buf, size_t size);
/* Prints a TXT record in zone-file form, in strings of <= 250 octets
 * (cdbmake-users --dkim-keygen, yubin-check --records). */
void dkimkey_print_txt(FILE *f, const char *name, const char *text);

#endif
