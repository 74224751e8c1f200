/*
 * The SMTP client's reply reader on whatever a server might send: no
 * crash, no read past the bounds, and every reply it returns is a valid
 * code with its text kept within SMTPC_TEXT_MAX.
 */
#include <assert.h>
#include <errno.h>

#include "buf.h"
#include "fuzz.h"
#include "smtpc.h"

struct mem {
	const uint8_t *p;
	size_t left;
	size_t step; /* octets per read, as a network might cut them */
};

static ssize_t
mem_read(void *ctx, void *p, size_t n)
{
	struct mem *m = ctx;

	if (n > m->step)
		n = m->step;
	if (n > m->left)
		n = m->left;
	memcpy(p, m->p, n);
	m->p += n;
	m->left -= n;
	return (ssize_t)n;
}

static ssize_t
mem_write(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	(void)p;
	return (ssize_t)n;
}

static const struct buf_ops mem_ops = { mem_read, mem_write };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf b;
	static struct smtpc_reply r;
	struct mem m;
	int code, replies = 0;

	if (size < 1)
		return 0;
	m.step = 1 + data[0] % 97;
	m.p = data + 1;
	m.left = size - 1;
	buf_init(&b, -1, -1, 1);
	buf_set_ops(&b, &mem_ops, &m);
	while ((code = smtpc_read(&b, &r, 1)) != -1) {
		assert(code >= 200 && code <= 559);
		assert(strlen(r.text) < sizeof(r.text));
		assert(strncmp(r.text,
			   (char[4]) { (char)('0' + code / 100),
			       (char)('0' + code / 10 % 10),
			       (char)('0' + code % 10), 0 },
			   3) == 0);
		assert(++replies <= (int)size);
	}
	assert(r.code == -1);
	return 0;
}
