/*
 * smtpreply: one SMTP reply line, as smtp-in and its DATA phase say it:
 * "CODE TEXT" and CRLF, cut to RFC 5321 4.5.3.1.5's 512 octets (CRLF
 * included) whatever the text holds. Into the connection's buffer; a
 * failed write shows at the next flush or read.
 */
#ifndef YUBIN_SMTPREPLY_H
#define YUBIN_SMTPREPLY_H

#include "buf.h"

#define SMTP_REPLY_MAX 512 /* octets, CRLF included */

void smtp_reply(struct buf *io, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
