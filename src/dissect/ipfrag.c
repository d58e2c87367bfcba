/* ipfrag.c - IP fragment reassembly (RFC 791 section 3.2, RFC 8200
 * section 4.5), see ipfrag.h.
 *
 * Every fragment but the last carries a multiple of 8 octets at an offset
 * counted in 8-octet units, so what has arrived is tracked as a bitmap of
 * 8-octet blocks; only the last block of the datagram may be partial.  A
 * datagram's buffer is exactly as long as the furthest byte seen, and that
 * is the size frag_max_bytes accounts. */
#include "dissect/ipfrag.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/xalloc.h"

#define IPFRAG_BLOCK 8
#define IPFRAG_MAX_BLOCKS ((IPFRAG_MAX_LEN + IPFRAG_BLOCK - 1) / IPFRAG_BLOCK)
#define BITS_PER_WORD 64
#define IPFRAG_BITMAP_WORDS (IPFRAG_MAX_BLOCKS / BITS_PER_WORD)
/* Hash buckets: one per datagram allowed, within these bounds. */
#define IPFRAG_MIN_BUCKETS 16u
#define IPFRAG_MAX_BUCKETS 65536u

struct frag_entry {
	struct ipfrag_datagram dg; /* dg.len: bytes allocated = furthest end */
	struct frag_entry *hash_next, **hash_pprev;
	struct frag_entry *older, *newer;
	uint64_t hash;
	int64_t first_ts_ns;
	uint32_t total_len;  /* from the last fragment, when have_last */
	bool have_last;
	bool have_first;     /* the offset-0 fragment set dg.next_header */
	uint32_t blocks_have;
	uint64_t blocks[IPFRAG_BITMAP_WORDS];
};

struct ipfrag_table {
	size_t max_bytes;
	size_t max_datagrams;
	int64_t timeout_ns;
	struct anomaly_counters *anomalies;
	struct frag_entry **buckets;
	size_t bucket_mask;
	struct frag_entry *oldest, *newest;
	size_t count;
	size_t bytes_held;
	uint64_t seed;
};

static struct frag_entry *entry_of(struct ipfrag_datagram *d)
{
	return (struct frag_entry *)(void *)((char *)d - offsetof(struct frag_entry, dg));
}

struct ipfrag_table *ipfrag_table_new(const struct ip_limits *limits,
				      struct anomaly_counters *anomalies)
{
	struct ipfrag_table *t = xcalloc(1, sizeof(*t));
	t->max_bytes = limits->frag_max_bytes;
	t->max_datagrams = limits->frag_max_datagrams;
	t->timeout_ns = limits->frag_timeout_ns;
	t->anomalies = anomalies;
	t->seed = hash_seed();

	size_t buckets = IPFRAG_MIN_BUCKETS;
	while (buckets < t->max_datagrams && buckets < IPFRAG_MAX_BUCKETS)
		buckets *= 2;
	t->buckets = xcalloc(buckets, sizeof(*t->buckets));
	t->bucket_mask = buckets - 1;
	return t;
}

static void entry_destroy(struct frag_entry *e)
{
	free(e->dg.data);
	free(e);
}

void ipfrag_table_free(struct ipfrag_table *t)
{
	if (!t)
		return;
	struct frag_entry *e = t->oldest;
	while (e) {
		struct frag_entry *next = e->newer;
		entry_destroy(e);
		e = next;
	}
	free(t->buckets);
	free(t);
}

void ipfrag_datagram_free(struct ipfrag_datagram *d)
{
	if (d)
		entry_destroy(entry_of(d));
}

size_t ipfrag_bytes_held(const struct ipfrag_table *t)
{
	return t->bytes_held;
}

size_t ipfrag_datagrams_held(const struct ipfrag_table *t)
{
	return t->count;
}

static uint64_t key_hash(const struct ipfrag_table *t, const struct ipfrag_key *k)
{
	uint8_t packed[2 + sizeof(k->id) + 2 * sizeof(k->src.bytes)];
	size_t n = 0;
	packed[n++] = k->src.family;
	packed[n++] = k->protocol;
	memcpy(packed + n, &k->id, sizeof(k->id));
	n += sizeof(k->id);
	memcpy(packed + n, k->src.bytes, sizeof(k->src.bytes));
	n += sizeof(k->src.bytes);
	memcpy(packed + n, k->dst.bytes, sizeof(k->dst.bytes));
	n += sizeof(k->dst.bytes);
	return hash_bytes(packed, n, t->seed);
}

static bool key_eq(const struct ipfrag_key *a, const struct ipfrag_key *b)
{
	return a->id == b->id && a->protocol == b->protocol &&
	       netaddr_eq(&a->src, &b->src) && netaddr_eq(&a->dst, &b->dst);
}

static struct frag_entry *entry_lookup(const struct ipfrag_table *t,
				       const struct ipfrag_key *key, uint64_t hash)
{
	for (struct frag_entry *e = t->buckets[hash & t->bucket_mask]; e;
	     e = e->hash_next)
		if (e->hash == hash && key_eq(&e->dg.key, key))
			return e;
	return NULL;
}

/* Takes e out of the table; the caller frees or hands it on. */
static void entry_unlink(struct ipfrag_table *t, struct frag_entry *e)
{
	*e->hash_pprev = e->hash_next;
	if (e->hash_next)
		e->hash_next->hash_pprev = e->hash_pprev;
	if (e->older)
		e->older->newer = e->newer;
	else
		t->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		t->newest = e->older;
	t->count--;
	t->bytes_held -= e->dg.len;
}

static void entry_drop(struct ipfrag_table *t, struct frag_entry *e,
		       enum anomaly why)
{
	anomaly_count(t->anomalies, why);
	entry_unlink(t, e);
	entry_destroy(e);
}

/* Evicts the oldest datagram other than keep; false when there is none. */
static bool evict_oldest_except(struct ipfrag_table *t,
				const struct frag_entry *keep)
{
	struct frag_entry *victim = t->oldest;
	if (victim == keep)
		victim = victim->newer;
	if (!victim)
		return false;
	entry_drop(t, victim, ANOMALY_FRAG_LIMIT);
	return true;
}

static struct frag_entry *entry_create(struct ipfrag_table *t,
				       const struct ipfrag_key *key,
				       uint64_t hash, int64_t now_ns)
{
	if (t->max_datagrams == 0) {
		anomaly_count(t->anomalies, ANOMALY_FRAG_LIMIT);
		return NULL;
	}
	while (t->count >= t->max_datagrams)
		evict_oldest_except(t, NULL);

	struct frag_entry *e = xcalloc(1, sizeof(*e));
	e->dg.key = *key;
	e->hash = hash;
	e->first_ts_ns = now_ns;

	struct frag_entry **bucket = &t->buckets[hash & t->bucket_mask];
	e->hash_next = *bucket;
	if (*bucket)
		(*bucket)->hash_pprev = &e->hash_next;
	*bucket = e;
	e->hash_pprev = bucket;

	e->older = t->newest;
	if (t->newest)
		t->newest->newer = e;
	else
		t->oldest = e;
	t->newest = e;
	t->count++;
	return e;
}

/* Grows e's buffer to new_len bytes, evicting older datagrams while the
 * byte limit would be exceeded.  When even that is not enough, e itself is
 * dropped and false returned. */
static bool entry_reserve(struct ipfrag_table *t, struct frag_entry *e,
			  uint32_t new_len)
{
	size_t grow = new_len - e->dg.len;
	while (t->bytes_held + grow > t->max_bytes) {
		if (!evict_oldest_except(t, e)) {
			entry_drop(t, e, ANOMALY_FRAG_LIMIT);
			return false;
		}
	}
	e->dg.data = xrealloc(e->dg.data, new_len);
	e->dg.len = new_len;
	t->bytes_held += grow;
	return true;
}

static bool block_has(const struct frag_entry *e, uint32_t block)
{
	return (e->blocks[block / BITS_PER_WORD] >> (block % BITS_PER_WORD)) & 1;
}

static void block_set(struct frag_entry *e, uint32_t block)
{
	e->blocks[block / BITS_PER_WORD] |= (uint64_t)1 << (block % BITS_PER_WORD);
	e->blocks_have++;
}

/* Copies the blocks not yet held (first bytes win) and reports whether an
 * overlap with bytes already held disagreed with them. */
static bool entry_fill(struct frag_entry *e, uint32_t offset, struct view data)
{
	bool conflict = false;
	uint32_t end = offset + (uint32_t)data.len;
	for (uint32_t at = offset; at < end; at += IPFRAG_BLOCK) {
		uint32_t block = at / IPFRAG_BLOCK;
		uint32_t n = end - at < IPFRAG_BLOCK ? end - at : IPFRAG_BLOCK;
		const uint8_t *src = data.p + (at - offset);
		if (!block_has(e, block)) {
			memcpy(e->dg.data + at, src, n);
			block_set(e, block);
		} else if (memcmp(e->dg.data + at, src, n) != 0) {
			conflict = true;
		}
	}
	return conflict;
}

static bool entry_complete(const struct frag_entry *e)
{
	return e->have_last &&
	       e->blocks_have == (e->total_len + IPFRAG_BLOCK - 1) / IPFRAG_BLOCK;
}

/* A fragment that contradicts what the datagram already holds: a second
 * end that differs from the first, or bytes past the known end. */
static bool fragment_contradicts(const struct frag_entry *e,
				 const struct ipfrag_fragment *frag, uint32_t end)
{
	if (!frag->more)
		return e->have_last ? e->total_len != end : e->dg.len > end;
	return e->have_last && end > e->total_len;
}

struct ipfrag_datagram *ipfrag_insert(struct ipfrag_table *t,
				      const struct ipfrag_key *key,
				      const struct ipfrag_fragment *frag,
				      int64_t now_ns)
{
	uint64_t hash = key_hash(t, key);
	struct frag_entry *e = entry_lookup(t, key, hash);
	uint64_t end = (uint64_t)frag->offset + frag->data.len;

	/* RFC 8200 4.5 and the "ping of death": a datagram that would exceed
	 * the length field can never be valid; drop all of it. */
	if (end > frag->max_end || end > IPFRAG_MAX_LEN) {
		anomaly_count(t->anomalies, ANOMALY_FRAG_TOO_BIG);
		if (e) {
			entry_unlink(t, e);
			entry_destroy(e);
		}
		return NULL;
	}
	/* RFC 791 3.2 / RFC 8200 4.5: all but the last fragment carry a
	 * multiple of 8 octets; an empty fragment adds nothing. */
	if (frag->data.len == 0 || frag->offset % IPFRAG_BLOCK != 0 ||
	    (frag->more && frag->data.len % IPFRAG_BLOCK != 0)) {
		anomaly_count(t->anomalies, ANOMALY_FRAG_BAD);
		return NULL;
	}

	if (!e) {
		e = entry_create(t, key, hash, now_ns);
		if (!e)
			return NULL;
	}
	if (fragment_contradicts(e, frag, (uint32_t)end)) {
		anomaly_count(t->anomalies, ANOMALY_FRAG_BAD);
		return NULL;
	}
	if (end > e->dg.len && !entry_reserve(t, e, (uint32_t)end))
		return NULL;

	if (!frag->more) {
		e->have_last = true;
		e->total_len = (uint32_t)end;
	}
	if (frag->offset == 0 && !e->have_first) {
		e->have_first = true;
		e->dg.next_header = frag->next_header;
	}
	if (entry_fill(e, frag->offset, frag->data))
		anomaly_count(t->anomalies, ANOMALY_FRAG_BAD);

	if (!entry_complete(e))
		return NULL;
	entry_unlink(t, e);
	return &e->dg;
}

/* True when more than timeout_ns passed from since to now, without the
 * signed overflow a crafted capture timestamp could cause. */
static bool expired(int64_t since, int64_t now, int64_t timeout_ns)
{
	if (now <= since)
		return false;
	uint64_t elapsed = (uint64_t)now - (uint64_t)since;
	return timeout_ns < 0 || elapsed > (uint64_t)timeout_ns;
}

void ipfrag_expire(struct ipfrag_table *t, int64_t now_ns)
{
	while (t->oldest && expired(t->oldest->first_ts_ns, now_ns, t->timeout_ns))
		entry_drop(t, t->oldest, ANOMALY_FRAG_TIMEOUT);
}
