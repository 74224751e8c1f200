/*
 * rfc5322: pieces of the Internet Message Format that several programs
 * write or read: the date-time of Date:, Received: and the like (RFC 5322
 * 3.3), in local time with its numeric zone, as "Mon, 30 Nov 2026
 * 09:15:02 +0900", or in UTC (RFC5322_DATE_MAX is enough room); a header
 * field of a stored message (LF line ends); the one address of a From:;
 * every address of a To:, Cc: or Bcc:.
 */
#ifndef YUBIN_RFC5322_H
#define YUBIN_RFC5322_H

#include <stddef.h>
#include <time.h>

#define RFC5322_DATE_MAX 64

void rfc5322_date(time_t when, char *buf, size_t size);
/* The same in UTC ("+0000"), without reading the time zone file: for
 * smtp-in's Received: field, written at every connection (lib/utc). */
void rfc5322_date_utc(time_t when, char *buf, size_t size);
/*
 * The unfolded value of the field `name` (case-insensitive) in the
 * header of text, which ends at the first empty line or at len.
 * Returns 1 when it occurs exactly once, 0 when it is absent, -1 when
 * it occurs more than once or its value does not fit in size.
 */
int rfc5322_field(
    const char *text, size_t len, const char *name, char *out, size_t size);
/*
 * The addr-spec of a value that holds exactly one mailbox
 * ("Taro <taro@example.org>", "taro@example.org (Taro)"), comments and
 * display name left out, into addr. -1 for a list, a group, no '@'
 * or no room: such a From: names no single author.
 */
int rfc5322_mailbox(const char *value, char *addr, size_t size);
/*
 * Calls each(addr, ctx) for every address of an RFC 5322 address-list
 * (To:, Cc:, Bcc:), leniently: display names, quoted strings, comments
 * and group names are skipped, an <angle-addr> wins over the text around
 * it. An address longer than ADDR_MAX is cut short (and its reader then
 * refuses it).
 */
/*
 * A name as a display name (sendmail -F): a quoted string (RFC 5322
 * 3.2.4) when it is ASCII, else UTF-8 encoded-words (RFC 2047) of whole
 * characters, folded onto lines of their own. Control characters, CR and
 * LF among them, become spaces: no name can add a header field. The
 * name is cut at 255 octets.
 */
void rfc5322_display_name(const char *name, char *out, size_t size);
void rfc5322_addresses(
    const char *value, void (*each)(const char *addr, void *ctx), void *ctx);
/*
 * Walks a message's header as a submission program gets it (sendmail,
 * queue-inject): text holds it and the empty line after it, LF line
 * ends, NUL-terminated, *len octets. It notes which of Date, Message-ID
 * and From are there, hands the unfolded value of each To, Cc and Bcc
 * field to rcpts (when not NULL: sendmail -t), and takes the Bcc fields
 * out, in place (*len is the new length). Text that does not start with
 * a field is all body. Returns the header's length (0: no header), or
 * -1 when an address field is longer than RFC5322_ADDR_FIELD_MAX.
 */
#define RFC5322_ADDR_FIELD_MAX 65536

struct rfc5322_seen {
	int date, msgid, from;
};

long rfc5322_header_scan(char *text, size_t *len, struct rfc5322_seen *seen,
    void (*rcpts)(char *value, void *ctx), void *ctx);

#endif
