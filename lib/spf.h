/*
 * spf: the SPF verdict (RFC 7208) on a client and its envelope sender
 * (the HELO name for the null sender), with libspf2. libspf2 asks DNS
 * through a layer of ours, so every question goes to dns_servers by
 * c-ares (lib/dns) within the time given, never to another resolver.
 * The result is a word of RFC 8601's spf method: pass, fail, softfail,
 * neutral, none, temperror or permerror (temperror also when DNS did
 * not answer in time).
 */
#ifndef YUBIN_SPF_H
#define YUBIN_SPF_H

#include <stddef.h>

#include "cidr.h"

#define SPF_RESULT_MAX 16

/* 0 with result set, -1 when libspf2 could not be started (errno). */
int spf_check(const char *servers, int timeout_ms, const struct cidr *client,
    const char *helo, const char *sender, char *result, size_t size);

#endif
