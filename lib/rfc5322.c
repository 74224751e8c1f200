/* rfc5322: message format pieces; see rfc5322.h. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "rfc5322.h"
#include "sasl.h"
#include "utc.h"

void
rfc5322_date(time_t when, char *buf, size_t size)
{
	struct tm tm;

	/* the C locale (no program calls setlocale): English names */
	if (localtime_r(&when, &tm) == NULL ||
	    strftime(buf, size, "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		buf[0] = '\0';
}

void
rfc5322_date_utc(time_t when, char *buf, size_t size)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	utc_tm(when, &tm);
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* 1 if line (up to end) starts the field name: "Name:" or "Name :". */
static int
field_starts(const char *line, const char *end, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(end - line) <= n || strncasecmp(line, name, n) != 0)
		return 0;
	for (line += n; line < end && (*line == ' ' || *line == '\t');)
		line++;
	return line < end && *line == ':';
}

/* Appends the rest of one header line (without its LF) to out. */
static int
field_append(char *out, size_t size, size_t *used, const char *p, size_t n)
{
	if (*used + n >= size)
		return -1;
	memcpy(out + *used, p, n);
	*used += n;
	out[*used] = '\0';
	return 0;
}

int
rfc5322_field(
    const char *text, size_t len, const char *name, char *out, size_t size)
{
	const char *p = text, *end = text + len, *eol;
	size_t used = 0;
	int found = 0, in = 0;

	if (size == 0)
		return -1;
	out[0] = '\0';
	for (; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (eol == p)
			break; /* the empty line ends the header */
		if (*p == ' ' || *p == '\t') {
			if (in &&
			    field_append(
				out, size, &used, p, (size_t)(eol - p)) == -1)
				return -1;
			continue;
		}
		in = field_starts(p, eol, name);
		if (!in)
			continue;
		if (found++)
			return -1;
		p = (const char *)memchr(p, ':', (size_t)(eol - p)) + 1;
		if (field_append(out, size, &used, p, (size_t)(eol - p)) == -1)
			return -1;
	}
	return found;
}

/* Skips a (nested) comment starting at p; returns past it, or NULL. */
static const char *
skip_comment(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return NULL;
}

/* Copies a quoted string starting at p (with its quotes) to addr. */
static const char *
copy_quoted(const char *p, char *addr, size_t size, size_t *n)
{
	do {
		if (*p == '\\' && p[1] != '\0') {
			if (*n + 1 >= size)
				return NULL;
			addr[(*n)++] = *p++;
		}
		if (*n + 1 >= size)
			return NULL;
		addr[(*n)++] = *p++;
	} while (*p != '\0' && *p != '"');
	if (*p != '"' || *n + 1 >= size)
		return NULL;
	addr[(*n)++] = *p++;
	return p;
}

int
rfc5322_mailbox(const char *value, char *addr, size_t size)
{
	const char *p = value;
	size_t n = 0, angle_at = 0;
	int angles = 0, closed = 0;

	if (size == 0)
		return -1;
	while (*p != '\0') {
		if (*p == '(') {
			if ((p = skip_comment(p)) == NULL)
				return -1;
		} else if (*p == '"') {
			if ((p = copy_quoted(p, addr, size, &n)) == NULL)
				return -1;
		} else if (*p == ',' || *p == ':' || *p == ';' ||
		    (*p == '<' && angles++) || (*p == '>' && closed++))
			return -1; /* a list, a group, or two <...> */
		else if (*p == '<')
			angle_at = n = 0, p++; /* the display name ends */
		else if (*p == '>')
			angle_at = n, p++;
		else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		else if (n + 1 >= size || (angles && closed))
			return -1; /* text after <...> or no room */
		else
			addr[n++] = *p++;
	}
	if (angles != closed)
		return -1;
	if (angles)
		n = angle_at;
	addr[n] = '\0';
	p = strrchr(addr, '@');
	return (p == NULL || p == addr || p[1] == '\0') ? -1 : 0;
}

void
rfc5322_addresses(
    const char *v, void (*each)(const char *addr, void *ctx), void *ctx)
{
	char cur[ADDR_MAX + 2], angle[ADDR_MAX + 2];
	size_t n = 0, an = 0;
	int depth = 0, quoted = 0, inangle = 0, hasangle = 0;

	for (;; v++) {
		char c = *v;

		if (c == '\0' ||
		    (!quoted && !depth && !inangle &&
			(c == ',' || c == ';' || c == ':'))) {
			cur[n] = angle[an] = '\0';
			if (c != ':' && (hasangle ? an : n) > 0)
				each(hasangle ? angle : cur, ctx);
			n = an = 0;
			hasangle = 0;
			if (c == '\0')
				return;
		} else if (quoted) {
			if (c == '\\' && v[1])
				v++;
			else if (c == '"')
				quoted = 0;
		} else if (c == '"')
			quoted = 1;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (depth)
			continue;
		else if (c == '<')
			inangle = hasangle = 1;
		else if (c == '>')
			inangle = 0;
		else if (isspace((unsigned char)c))
			continue;
		else if (inangle && an < ADDR_MAX)
			angle[an++] = c;
		else if (!inangle && n < ADDR_MAX)
			cur[n++] = c;
	}
}

void
rfc5322_display_name(const char *in, char *out, size_t size)
{
	char clean[256], b64[80];
	size_t i, n = strlcpy(clean, in, sizeof(clean)), len = 0, take;
	int ascii = 1;

	if (n >= sizeof(clean))
		n = sizeof(clean) - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)clean[i];

		if (c < 0x20 || c == 0x7f)
			clean[i] = ' ';
		ascii &= c < 0x80;
	}
	if (ascii) {
		out[len++] = '"';
		for (i = 0; i < n && len + 4 < size; i++) {
			if (clean[i] == '"' || clean[i] == '\\')
				out[len++] = '\\';
			out[len++] = clean[i];
		}
		out[len++] = '"';
		out[len] = '\0';
		return;
	}
	out[0] = '\0';
	for (i = 0; i < n; i += take) {
		take = n - i < 45 ? n - i : 45; /* 60 base64 octets a word */
		while (i + take < n && take > 1 &&
		    ((unsigned char)clean[i + take] & 0xc0) == 0x80)
			take--; /* not inside a UTF-8 character */
		sasl_b64_encode(clean + i, take, b64, sizeof(b64));
		snprintf(out + strlen(out), size - strlen(out),
		    "%s=?UTF-8?B?%s?=", i ? "\n " : "", b64);
	}
}

/* 1 if the field at f (NUL-free, LF-terminated) is named name. */
static int
field_is(const char *f, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(f, name, n) == 0 && f[n] == ':';
}

/* The end of the field at f: after its last (folded) line. */
static char *
field_end(char *f)
{
	char *end = f;

	while ((end = strchr(end, '\n')) != NULL &&
	    (end[1] == ' ' || end[1] == '\t'))
		end++;
	return end ? end + 1 : f + strlen(f);
}

/* The value of the address field f .. end, unfolded, to rcpts. */
static int
take_rcpts(const char *f, const char *end,
    void (*rcpts)(char *value, void *ctx), void *ctx)
{
	static char value[RFC5322_ADDR_FIELD_MAX];
	const char *colon = strchr(f, ':');
	size_t vlen = (size_t)(end - colon - 1), i;

	if (vlen >= sizeof(value))
		return -1;
	memcpy(value, colon + 1, vlen);
	value[vlen] = '\0';
	for (i = 0; i < vlen; i++)
		if (value[i] == '\n')
			value[i] = ' ';
	rcpts(value, ctx);
	return 0;
}

long
rfc5322_header_scan(char *text, size_t *len, struct rfc5322_seen *seen,
    void (*rcpts)(char *value, void *ctx), void *ctx)
{
	char *f = text, *end, *w = text;

	memset(seen, 0, sizeof(*seen));
	if (*len == 0 || isspace((unsigned char)*f) ||
	    f[strcspn(f, ":\n")] != ':')
		return 0; /* no header: all of it is body */
	for (; *f && *f != '\n'; f = end) {
		end = field_end(f);
		seen->date |= field_is(f, "Date");
		seen->msgid |= field_is(f, "Message-ID");
		seen->from |= field_is(f, "From");
		if (rcpts != NULL &&
		    (field_is(f, "To") || field_is(f, "Cc") ||
			field_is(f, "Bcc")) &&
		    take_rcpts(f, end, rcpts, ctx) == -1)
			return -1;
		if (!field_is(f, "Bcc")) {
			memmove(w, f, (size_t)(end - f));
			w += end - f;
		}
	}
	/* the empty line and anything after it stays */
	memmove(w, f, strlen(f) + 1);
	*len = (size_t)(w - text) + strlen(w);
	return (long)(w - text);
}
