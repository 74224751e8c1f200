/* verdict: a check's decision, as an SMTP reply; see verdict.h. */
#include <stdarg.h>
#include <stdio.h>

#include "verdict.h"

int
verdict_set(
    struct verdict *v, int code, const char *result, const char *fmt, ...)
{
	va_list ap;

	v->code = code;
	v->result = result;
	va_start(ap, fmt);
	vsnprintf(v->text, sizeof(v->text), fmt, ap);
	va_end(ap);
	return 1;
}
