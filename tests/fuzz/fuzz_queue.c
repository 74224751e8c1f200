/*
 * Queue envelopes as read from info/ID: no crash on any file, and an
 * envelope that reads rewrites into one that reads back the same.
 */
#include <assert.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "queue.h"

#define ID "1795534574.236127.14569"

static void
same(const struct queue_entry *a, const struct queue_entry *b)
{
	size_t i;

	assert(strcmp(a->id, b->id) == 0 && a->created == b->created &&
	    a->next == b->next && a->attempts == b->attempts &&
	    strcmp(a->sender, b->sender) == 0 && a->n == b->n);
	for (i = 0; i < a->n; i++) {
		assert(strcmp(a->rcpt[i].addr, b->rcpt[i].addr) == 0);
		assert((a->rcpt[i].via == NULL) == (b->rcpt[i].via == NULL));
		assert(
		    (a->rcpt[i].error == NULL) == (b->rcpt[i].error == NULL));
	}
	assert((a->extra == NULL) == (b->extra == NULL));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char spool[128], dir[160];
	struct queue_entry e, again;

	if (spool[0] == '\0') {
		snprintf(spool, sizeof(spool), "%s", fuzz_scratch());
		if (queue_init(spool) == -1)
			abort();
	}
	snprintf(dir, sizeof(dir), "%s/queue/info", spool);
	fuzz_file(dir, ID, data, size);
	if (queue_read(spool, ID, &e) != 1)
		return 0;
	assert(strcmp(e.id, ID) == 0 && e.n > 0);
	if (queue_rewrite(spool, &e) == 0) {
		assert(queue_read(spool, ID, &again) == 1);
		same(&e, &again);
		queue_entry_free(&again);
	}
	queue_entry_free(&e);
	return 0;
}
