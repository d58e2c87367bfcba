/* dialog_text.c - dialogs' searchable text, folded once (see dialog_text.h).
 *
 * The fields are joined with a separator into one string, so "does any
 * field contain it" is one substring search.  Typed text cannot hold the
 * separator (text fields refuse control characters), so a match can never
 * span two fields; a needle that does hold it is searched field by field. */
#include "ui/dialog_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/netaddr.h"
#include "util/xalloc.h"

#define FIELD_SEPARATOR '\n'
/* The search reads the text a word at a time, up to a word past a field's
 * end: the text is followed by this many zero bytes. */
#define WORD_BYTES 8
#define EVERY_BYTE_1 UINT64_C(0x0101010101010101)
#define EVERY_BYTE_HIGH_BIT UINT64_C(0x8080808080808080)

struct dialog_text {
	uint32_t verdict_generation;        /* 0: no verdict kept */
	uint32_t verdict_messages;
	bool verdict;
	uint32_t end[DIALOG_TEXT_FIELDS];   /* where each field ends in text */
	char text[];   /* fields, folded, separated; then WORD_BYTES zero bytes */
};

/* Texts by dialog index: slots[i] is dialog base + i (NULL until asked
 * for).  Indexes only grow and the store forgets the oldest first, so the
 * slots are one run that is cut at the front. */
static struct {
	struct dialog_text **slots;
	uint64_t base;
	size_t count, cap;
	struct dialog_text *scratch;   /* a dialog older than base */
} cache;

/* tolower() is what strcasestr() compares with, so folding both sides
 * once and comparing bytes matches what strcasestr() would. */
static void fold_into(char *out, const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
}

void dialog_needle_set(struct dialog_needle *n, const char *typed)
{
	size_t len = strlen(typed);
	if (len > TEXT_FIELD_MAX)
		len = TEXT_FIELD_MAX;
	fold_into(n->text, typed, len);
	n->text[len] = '\0';
	n->len = len;
	n->has_separator = memchr(n->text, FIELD_SEPARATOR, len) != NULL;
}

static struct dialog_text *fold_dialog(const struct call *c)
{
	char src[ENDPOINT_STRLEN], dst[ENDPOINT_STRLEN];
	const char *field[DIALOG_TEXT_FIELDS] = {
		[DIALOG_TEXT_FROM] = c->from_uri ? c->from_uri : "",
		[DIALOG_TEXT_TO] = c->to_uri ? c->to_uri : "",
		[DIALOG_TEXT_CALL_ID] = c->call_id ? c->call_id : "",
		[DIALOG_TEXT_SRC] = endpoint_format(&c->src, src, sizeof(src)),
		[DIALOG_TEXT_DST] = endpoint_format(&c->dst, dst, sizeof(dst)),
	};
	size_t len[DIALOG_TEXT_FIELDS], total = 0;
	for (int f = 0; f < DIALOG_TEXT_FIELDS; f++) {
		len[f] = strlen(field[f]);
		total += len[f] + 1;   /* a separator, or the final NUL */
	}
	struct dialog_text *t = xmalloc(sizeof(*t) + total + WORD_BYTES);
	t->verdict_generation = 0;
	size_t at = 0;
	for (int f = 0; f < DIALOG_TEXT_FIELDS; f++) {
		fold_into(t->text + at, field[f], len[f]);
		at += len[f];
		t->end[f] = (uint32_t)at;
		t->text[at++] = f + 1 < DIALOG_TEXT_FIELDS ? FIELD_SEPARATOR : '\0';
	}
	memset(t->text + at, 0, WORD_BYTES);
	return t;
}

static void slots_reserve(size_t n)
{
	cache.slots = xreserve(cache.slots, &cache.cap, n, sizeof(*cache.slots), 1024);
}

struct dialog_text *dialog_text_of(uint64_t index, const struct call *c)
{
	if (cache.count == 0)
		cache.base = index;
	if (index < cache.base) {
		free(cache.scratch);
		cache.scratch = fold_dialog(c);
		return cache.scratch;
	}
	size_t at = (size_t)(index - cache.base);
	if (at >= cache.count) {
		slots_reserve(at + 1);
		memset(cache.slots + cache.count, 0, (at + 1 - cache.count) * sizeof(*cache.slots));
		cache.count = at + 1;
	}
	if (!cache.slots[at])
		cache.slots[at] = fold_dialog(c);
	return cache.slots[at];
}

void dialog_text_forget_before(uint64_t first)
{
	if (cache.count == 0 || first <= cache.base)
		return;
	size_t gone = first - cache.base < cache.count ? (size_t)(first - cache.base) : cache.count;
	for (size_t i = 0; i < gone; i++)
		free(cache.slots[i]);
	memmove(cache.slots, cache.slots + gone, (cache.count - gone) * sizeof(*cache.slots));
	cache.count -= gone;
	cache.base = first;
}

static size_t field_start(const struct dialog_text *t, enum dialog_text_field f)
{
	return f == 0 ? 0 : t->end[f - 1] + 1;
}

static uint64_t load_word(const char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof(w));
	return w;
}

/* Whether text[0, len) contains the needle; reads up to WORD_BYTES - 1
 * bytes past text + len.  A word of positions is looked at closely only
 * when one of them has the needle's first byte and, needle-length on,
 * its last byte (a SWAR zero-byte test): on the digits and dots people
 * type, 3-4 times faster than strstr(), which tries every first byte. */
static bool text_search(const char *text, size_t len, const struct dialog_needle *n)
{
	size_t m = n->len;
	if (m == 0)
		return true;
	if (m > len)
		return false;
	if (m == 1)
		return memchr(text, n->text[0], len) != NULL;
	uint64_t first = EVERY_BYTE_1 * (unsigned char)n->text[0];
	uint64_t last = EVERY_BYTE_1 * (unsigned char)n->text[m - 1];
	for (size_t i = 0; i + m <= len; i += WORD_BYTES) {
		/* A zero byte in z marks a position with both bytes. */
		uint64_t z = (load_word(text + i) ^ first) | (load_word(text + i + m - 1) ^ last);
		if (!((z - EVERY_BYTE_1) & ~z & EVERY_BYTE_HIGH_BIT))
			continue;
		for (size_t k = i; k < i + WORD_BYTES && k + m <= len; k++)
			if (text[k] == n->text[0] && text[k + m - 1] == n->text[m - 1] &&
			    memcmp(text + k + 1, n->text + 1, m - 2) == 0)
				return true;
	}
	return false;
}

bool dialog_text_field_contains(const struct dialog_text *t, enum dialog_text_field f,
				const struct dialog_needle *n)
{
	size_t start = field_start(t, f);
	return text_search(t->text + start, t->end[f] - start, n);
}

bool dialog_text_contains(const struct dialog_text *t, const struct dialog_needle *n)
{
	if (!n->has_separator)
		return text_search(t->text, t->end[DIALOG_TEXT_FIELDS - 1], n);
	for (int f = 0; f < DIALOG_TEXT_FIELDS; f++)
		if (dialog_text_field_contains(t, f, n))
			return true;
	return false;
}

bool dialog_text_verdict(const struct dialog_text *t, uint32_t generation, uint32_t messages,
			 bool *passes)
{
	if (t->verdict_generation != generation || t->verdict_messages != messages)
		return false;
	*passes = t->verdict;
	return true;
}

void dialog_text_keep_verdict(struct dialog_text *t, uint32_t generation, uint32_t messages,
			      bool passes)
{
	t->verdict_generation = generation;
	t->verdict_messages = messages;
	t->verdict = passes;
}
