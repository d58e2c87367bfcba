/* prefix_sort.c - radix sort on a 64-bit key prefix, ties compared
 * (see prefix_sort.h). */
#include "util/prefix_sort.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define RADIX_BITS 8
#define RADIX_BUCKETS (1u << RADIX_BITS)
#define PREFIX_BITS 64
#define PREFIX_BYTES (PREFIX_BITS / 8)
/* Below this many records qsort()'s few comparisons cost less than the
 * radix passes over their bucket tables. */
#define RADIX_MIN_RECORDS 256

struct keyed {
	uint64_t prefix;
	size_t at;        /* the record's position before sorting */
};

uint64_t prefix_of_bytes(const char *key, size_t len, bool stop_at_nul)
{
	uint64_t p = 0;
	bool ended = false;
	for (size_t i = 0; i < PREFIX_BYTES; i++) {
		unsigned char b = ended || i >= len ? 0 : (unsigned char)key[i];
		ended |= stop_at_nul && b == 0;
		p = p << 8 | b;
	}
	return p;
}

/* LSD radix sort by prefix, stable; returns whichever of items and tmp
 * holds the result.  A digit that is the same in every prefix (the high
 * bytes of small numbers) costs a counting pass and no moving. */
static struct keyed *radix_sort(struct keyed *items, struct keyed *tmp, size_t n)
{
	for (int shift = 0; shift < PREFIX_BITS; shift += RADIX_BITS) {
		size_t start[RADIX_BUCKETS] = { 0 };
		for (size_t i = 0; i < n; i++)
			start[(items[i].prefix >> shift) & (RADIX_BUCKETS - 1)]++;
		if (start[(items[0].prefix >> shift) & (RADIX_BUCKETS - 1)] == n)
			continue;
		size_t pos = 0;
		for (unsigned b = 0; b < RADIX_BUCKETS; b++) {
			size_t count = start[b];
			start[b] = pos;
			pos += count;
		}
		for (size_t i = 0; i < n; i++)
			tmp[start[(items[i].prefix >> shift) & (RADIX_BUCKETS - 1)]++] = items[i];
		struct keyed *t = items;
		items = tmp;
		tmp = t;
	}
	return items;
}

static bool in_order(const char *base, size_t n, size_t size,
		     int (*cmp)(const void *, const void *))
{
	for (size_t i = 1; i < n; i++)
		if (cmp(base + (i - 1) * size, base + i * size) > 0)
			return false;
	return true;
}

void prefix_sort(void *base, size_t n, size_t size, uint64_t (*prefix)(const void *),
		 int (*cmp)(const void *, const void *))
{
	if (n < 2)
		return; /* base may be NULL for an empty array (qsort must not see it) */
	if (n < RADIX_MIN_RECORDS) {
		qsort(base, n, size, cmp);
		return;
	}
	char *records = base;
	struct keyed *items = xmalloc(n * sizeof(*items));
	struct keyed *tmp = xmalloc(n * sizeof(*tmp));
	for (size_t i = 0; i < n; i++)
		items[i] = (struct keyed){ prefix(records + i * size), i };
	const struct keyed *sorted = radix_sort(items, tmp, n);
	char *out = xmalloc(n * size);
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * size, records + sorted[i].at * size, size);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && sorted[j].prefix == sorted[i].prefix; j++)
			;
		char *run = out + i * size;
		if (j - i > 1 && !in_order(run, j - i, size, cmp))
			qsort(run, j - i, size, cmp);
	}
	memcpy(records, out, n * size);
	free(out);
	free(items);
	free(tmp);
}
