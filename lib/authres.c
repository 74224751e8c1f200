/* authres: Authentication-Results: fields; see authres.h. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authres.h"

#define NAME "authentication-results:"
#define NAME_LEN (sizeof(NAME) - 1)

enum { MODE_PASS, MODE_NAME, MODE_HOLD, MODE_DROP };

void
authres_strip_init(struct authres_strip *st, const char *ours)
{
	/* field by field: held is written before it is read, and zeroing
	 * its 8 KiB would fault in pages at every message */
	st->ours = ours;
	st->in_header = 1;
	st->bol = 1;
	st->mode = MODE_PASS;
	st->nheld = st->name_at = st->value_at = st->removed = 0;
}

/* Skips CFWS (RFC 5322 3.2.2): blanks, line ends, nested comments. */
static size_t
skip_cfws(const char *p, size_t i, size_t n)
{
	int depth = 0;

	for (; i < n; i++) {
		if (p[i] == '\\' && depth > 0 && i + 1 < n)
			i++;
		else if (p[i] == '(')
			depth++;
		else if (p[i] == ')' && depth > 0)
			depth--;
		else if (depth == 0 && strchr(" \t\r\n", p[i]) == NULL)
			break;
	}
	return i;
}

/*
 * Whether a held field names us as its authserv-id. whole: the field
 * ended (else it was cut at AUTHRES_HOLD_MAX, and an id not seen whole
 * by then counts as ours).
 */
static int
claims_ours(const struct authres_strip *st, int whole)
{
	const char *p = st->held;
	size_t n = st->nheld, i = skip_cfws(p, st->value_at, n), start, len;
	int quoted = i < n && p[i] == '"';

	start = i += quoted;
	while (
	    i < n && (quoted ? p[i] != '"' : strchr(" \t\r\n;(", p[i]) == NULL))
		i++;
	if (i == n && !whole)
		return 1;
	len = i - start;
	while (len > 0 && p[start + len - 1] == '\n')
		len--; /* a field that ends at its id */
	return len == strlen(st->ours) &&
	    strncasecmp(p + start, st->ours, len) == 0;
}

/* The held field is over: out it goes, or away. */
static size_t
field_end(struct authres_strip *st, int whole, char *out)
{
	size_t n = 0;

	if (st->mode == MODE_HOLD && claims_ours(st, whole)) {
		st->removed++;
		st->mode = MODE_DROP;
	} else if (st->mode == MODE_HOLD || st->mode == MODE_NAME) {
		memcpy(out, st->held, st->nheld);
		n = st->nheld;
		st->mode = MODE_PASS;
	}
	st->nheld = 0;
	return n;
}

/*
 * One octet of a field's name, held while it may still be ours:
 * "Authentication-Results:", any case, with blanks before the colon as
 * RFC 5322 4.5 lets old software write it (a reader may take it so).
 */
static size_t
name_octet(struct authres_strip *st, char c, char *out)
{
	int blank = c == ' ' || c == '\t';

	if (st->nheld == sizeof(st->held)) { /* blanks past the bound */
		st->removed++;
		st->mode = MODE_DROP;
		st->nheld = 0;
		return 0;
	}
	st->held[st->nheld++] = c;
	if (blank && st->name_at == NAME_LEN - 1)
		return 0;
	if (blank || tolower((unsigned char)c) != NAME[st->name_at])
		return field_end(st, 1, out);
	if (++st->name_at == NAME_LEN) {
		st->mode = MODE_HOLD;
		st->value_at = st->nheld;
	}
	return 0;
}

/* One octet of the header. */
static size_t
header_octet(struct authres_strip *st, char c, char *out)
{
	size_t n = 0;

	if (st->bol && c != ' ' && c != '\t') {
		n = field_end(st, 1, out);
		if (c == '\n') {
			st->in_header = 0;
			out[n++] = c;
			return n;
		}
		st->mode = MODE_NAME;
		st->name_at = 0;
	}
	st->bol = c == '\n';
	if (st->mode == MODE_NAME)
		return n + name_octet(st, c, out + n);
	if (st->mode == MODE_HOLD && st->nheld == sizeof(st->held))
		n += field_end(st, 0, out + n);
	if (st->mode == MODE_HOLD)
		st->held[st->nheld++] = c;
	else if (st->mode == MODE_PASS)
		out[n++] = c;
	return n;
}

size_t
authres_strip(struct authres_strip *st, const char *in, size_t len, char *out)
{
	size_t i, n = 0;

	for (i = 0; i < len && st->in_header; i++)
		n += header_octet(st, in[i], out + n);
	memcpy(out + n, in + i, len - i);
	return n + len - i;
}

size_t
authres_strip_end(struct authres_strip *st, char *out)
{
	return st->in_header ? field_end(st, 1, out) : 0;
}

/* A comment's text: no parentheses or backslashes inside. */
static void
comment(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < size; i++)
		dst[i] = strchr("()\\\n", src[i]) != NULL ? ' ' : src[i];
	dst[i] = '\0';
}

static int add(char *buf, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
add(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

static int
format_dkim(
    const struct dkimverify_result *r, char *buf, size_t size, size_t *used)
{
	char why[DKIMVERIFY_WHY_MAX + 4];
	size_t i;

	if (r->n == 0)
		return add(buf, size, used, ";\n\tdkim=none");
	for (i = 0; i < r->n; i++) {
		const struct dkimverify_sig *s = &r->sig[i];

		why[0] = '\0';
		if (s->why[0] != '\0') {
			strlcpy(why, " (", sizeof(why));
			comment(why + 2, sizeof(why) - 3, s->why);
			strlcat(why, ")", sizeof(why));
		}
		if (add(buf, size, used,
			";\n\tdkim=%s%s header.d=%s header.s=%s "
			"header.b=\"%s\"",
			s->result, why, s->domain, s->selector, s->b) == -1)
			return -1;
	}
	return 0;
}

static int
format_dmarc(const struct authres *ar, char *buf, size_t size, size_t *used)
{
	const struct dmarc_verdict *v = ar->dmarc;
	char pol[40] = "";

	if (strcmp(v->result, "fail") == 0)
		snprintf(pol, sizeof(pol), " (p=%s dis=%s)",
		    v->published == 'r'	      ? "reject"
			: v->published == 'q' ? "quarantine"
					      : "none",
		    v->disposition == 'r'	? "reject"
			: v->disposition == 'q' ? "quarantine"
						: "none");
	if (ar->from_domain[0] == '\0')
		return add(buf, size, used,
		    ";\n\tdmarc=%s (no single From: address)", v->result);
	return add(buf, size, used, ";\n\tdmarc=%s%s header.from=%s", v->result,
	    pol, ar->from_domain);
}

int
authres_format(const struct authres *ar, char *buf, size_t size)
{
	size_t used = 0;

	if (add(buf, size, &used, "Authentication-Results: %s;\n\tspf=%s %s=%s",
		ar->hostname, ar->spf, ar->spf_property, ar->spf_value) == -1)
		return -1;
	if (ar->dkim != NULL && format_dkim(ar->dkim, buf, size, &used) == -1)
		return -1;
	if (ar->dmarc != NULL && format_dmarc(ar, buf, size, &used) == -1)
		return -1;
	return add(buf, size, &used, "\n");
}
