/* store.c - the call store (see store.h). */
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/anomaly.h"
#include "dissect/multipart.h"
#include "dissect/sdp.h"
#include "store/orphan.h"
#include "util/hash.h"
#include "util/xalloc.h"

#define STORE_INITIAL_SLOTS 4096u
#define STORE_INITIAL_INDEX 4096u
/* The Call-ID table is kept at most half full (open addressing, linear
 * probing: a miss ends at the first empty slot). */
#define STORE_MAX_LOAD_DIVISOR 2

/* A slot holds the Call-ID hash next to the dialog, so probing past other
 * dialogs' slots reads the table only, never their (cold) call structs. */
struct call_slot {
	uint64_t hash;          /* 0: empty (hashes are made odd) */
	struct call *c;
};

struct store {
	struct store_config cfg;
	/* The dissector's malformed-input counters (NULL: not counted), so
	 * bad SDP is reported with every other reason. */
	struct anomaly_counters *anomalies;
	struct call_slot *slots;
	size_t mask;
	size_t count;
	uint64_t seed;
	uint64_t next_index;
	struct call *oldest, *newest;
	/* by_index[(i - first_index) & (cap - 1)] is dialog i, or NULL once
	 * evicted; a ring that grows by doubling. */
	struct call **by_index;
	size_t by_index_cap;
	uint64_t first_index;
	_Atomic uint64_t generation;
	struct media_index *media;
	struct orphan_table *orphans;
	struct store_stats stats;
	pthread_rwlock_t lock;
};

void store_config_default(struct store_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_calls = STORE_DEFAULT_MAX_CALLS;
	cfg->max_messages = STORE_DEFAULT_MAX_MESSAGES;
	cfg->keep_messages = true;
	cfg->keep_raw = true;
}

struct store *store_new(const struct store_config *cfg)
{
	struct store *s = xcalloc(1, sizeof(*s));
	s->cfg = *cfg;
	s->slots = xcalloc(STORE_INITIAL_SLOTS, sizeof(*s->slots));
	s->mask = STORE_INITIAL_SLOTS - 1;
	s->seed = hash_seed();
	s->media = media_index_new();
	if (cfg->orphan_rtp)
		s->orphans = orphan_table_new(ORPHAN_DEFAULT_MAX_STREAMS);
	s->first_index = 1;
	s->by_index_cap = STORE_INITIAL_INDEX;
	s->by_index = xcalloc(s->by_index_cap, sizeof(*s->by_index));
	pthread_rwlock_init(&s->lock, NULL);
	return s;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	struct call *c = s->oldest;
	while (c) {
		struct call *next = c->newer;
		call_free(c);
		c = next;
	}
	media_index_free(s->media);
	orphan_table_free(s->orphans);
	pthread_rwlock_destroy(&s->lock);
	free(s->slots);
	free(s->by_index);
	free(s);
}

static uint64_t call_id_hash(const struct store *s, struct view id)
{
	return hash_bytes(id.p, id.len, s->seed) | 1;
}

/* The slot of the dialog with this Call-ID, or the empty slot ending its
 * run. */
static size_t find_slot(const struct store *s, struct view id, uint64_t h)
{
	size_t i = h & s->mask;
	for (;;) {
		const struct call_slot *slot = &s->slots[i];
		if (!slot->hash)
			return i;
		const struct call *c = slot->c;
		if (slot->hash == h && c->call_id_len == id.len &&
		    memcmp(c->call_id, id.p, id.len) == 0)
			return i;
		i = (i + 1) & s->mask;
	}
}

static struct call *lookup(struct store *s, struct view id, uint64_t h)
{
	return s->slots[find_slot(s, id, h)].c;
}

struct call *store_find(struct store *s, struct view call_id)
{
	return lookup(s, call_id, call_id_hash(s, call_id));
}

static void place(struct store *s, struct call *c)
{
	size_t i = c->hash & s->mask;
	while (s->slots[i].hash)
		i = (i + 1) & s->mask;
	s->slots[i].hash = c->hash;
	s->slots[i].c = c;
}

static void grow(struct store *s)
{
	size_t old_n = s->mask + 1;
	struct call_slot *old = s->slots;
	s->slots = xcalloc(old_n * 2, sizeof(*s->slots));
	s->mask = old_n * 2 - 1;
	for (size_t i = 0; i < old_n; i++)
		if (old[i].hash)
			place(s, old[i].c);
	free(old);
}

/* Empties c's slot and moves later entries of the run back into the gap
 * (deletion without tombstones). */
static void unhash(struct store *s, struct call *c)
{
	size_t i = c->hash & s->mask;
	while (s->slots[i].hash && s->slots[i].c != c)
		i = (i + 1) & s->mask;
	if (!s->slots[i].hash)
		return;
	size_t j = i;
	for (;;) {
		j = (j + 1) & s->mask;
		if (!s->slots[j].hash)
			break;
		size_t home = s->slots[j].hash & s->mask;
		/* Entry j may fill the gap at i only if its home is not in
		 * the cyclic range (i, j]. */
		bool home_after_gap = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!home_after_gap) {
			s->slots[i] = s->slots[j];
			i = j;
		}
	}
	s->slots[i].hash = 0;
	s->slots[i].c = NULL;
}

static struct call **index_slot(struct store *s, uint64_t index)
{
	return &s->by_index[(index - s->first_index) & (s->by_index_cap - 1)];
}

/* Drops leading evicted slots so first_index names the oldest stored
 * dialog. */
static void index_trim(struct store *s)
{
	while (s->first_index <= s->next_index && !*index_slot(s, s->first_index))
		s->first_index++;
}

static void index_add(struct store *s, struct call *c)
{
	uint64_t span = c->index - s->first_index + 1;
	if (span > s->by_index_cap) {
		size_t cap = s->by_index_cap * 2;
		while (cap < span)
			cap *= 2;
		struct call **fresh = xcalloc(cap, sizeof(*fresh));
		for (uint64_t i = s->first_index; i < c->index; i++)
			fresh[(i - s->first_index) & (cap - 1)] = *index_slot(s, i);
		free(s->by_index);
		s->by_index = fresh;
		s->by_index_cap = cap;
	}
	*index_slot(s, c->index) = c;
}

static void forget(struct store *s, struct call *c)
{
	if (c->older)
		c->older->newer = c->newer;
	else
		s->oldest = c->newer;
	if (c->newer)
		c->newer->older = c->older;
	else
		s->newest = c->older;
	unhash(s, c);
	media_index_remove_call(s->media, c);
	s->stats.kept_bytes -= c->kept_bytes;
	*index_slot(s, c->index) = NULL;
	call_free(c);
	s->count--;
	index_trim(s);
}

static void evict_oldest(struct store *s)
{
	struct call *c = s->oldest;
	if (!c)
		return;
	forget(s, c);
	s->stats.calls_evicted++;
}

void store_clear(struct store *s)
{
	while (s->oldest)
		forget(s, s->oldest);
	atomic_fetch_add(&s->generation, 1);
}

struct call *store_call_by_index(struct store *s, uint64_t index)
{
	if (index < s->first_index || index > s->next_index)
		return NULL;
	return *index_slot(s, index);
}

uint64_t store_first_index(const struct store *s)
{
	return s->first_index;
}

uint64_t store_last_index(const struct store *s)
{
	return s->next_index;
}

void store_touch(struct store *s)
{
	atomic_fetch_add_explicit(&s->generation, 1, memory_order_release);
}

uint64_t store_generation(const struct store *s)
{
	return atomic_load(&((struct store *)s)->generation);
}


static struct call *create(struct store *s, const struct sip_event *ev, uint64_t h)
{
	const struct sip_msg *m = ev->msg;
	enum sip_method first = m->is_request ? m->method : m->cseq_method;
	if (s->cfg.invite_only && first != SIP_METHOD_INVITE) {
		s->stats.messages_filtered++;
		return NULL;
	}
	if (s->cfg.max_calls && s->count >= s->cfg.max_calls) {
		if (!s->cfg.rotate) {
			s->stats.messages_over_limit++;
			return NULL;
		}
		evict_oldest(s);
	}
	sip_msg_split_parties(ev->msg);
	struct call *c = call_new(m, h);
	c->index = ++s->next_index;
	c->src = ev->src;
	c->dst = ev->dst;
	c->transport = ev->transport;
	place(s, c);
	c->older = s->newest;
	if (s->newest)
		s->newest->newer = c;
	else
		s->oldest = c;
	s->newest = c;
	index_add(s, c);
	s->stats.calls_created++;
	if (++s->count > (s->mask + 1) / STORE_MAX_LOAD_DIVISOR)
		grow(s);
	return c;
}

/* The SDP body of m, parsed: false when there is none or it is not SDP
 * (counted).  Its media endpoints' index slots are fetched into the cache
 * right away, so the misses on a large index overlap the bookkeeping done
 * before media_index_announce() uses them. */
static bool read_sdp(struct store *s, const struct sip_msg *m, struct sdp *sdp)
{
	struct view body;
	if (m->body.len == 0 || !multipart_find_sdp(m->content_type, m->body, &body))
		return false;
	if (sdp_parse(body, sdp) != ANOMALY_NONE) {
		anomaly_count(s->anomalies, ANOMALY_SDP_BAD);
		return false;
	}
	for (unsigned i = 0; i < sdp->media_count; i++)
		media_index_prefetch(s->media, &sdp->media[i]);
	return true;
}

/* The record of one message, kept with its dialog (interface mode). */
static void keep_message(struct store *s, struct call *c, const struct sip_event *ev,
			 uint32_t key, bool retrans, bool has_sdp)
{
	const struct sip_msg *m = ev->msg;
	size_t raw_len = s->cfg.keep_raw ? ev->raw.len : 0;
	struct call_message *msg = call_append_message(c, s->cfg.max_messages);
	msg->ts_ns = ev->frame->ts_ns;
	msg->frame_number = ev->frame->number;
	msg->src = ev->src;
	msg->dst = ev->dst;
	msg->cseq = m->cseq;
	msg->wire_len = (uint32_t)ev->raw.len;
	msg->raw_len = (uint32_t)raw_len;
	msg->key = key;
	msg->status = m->is_request ? 0 : m->status;
	msg->method = (uint8_t)(m->is_request ? m->method : m->cseq_method);
	msg->transport = (uint8_t)ev->transport;
	msg->is_request = m->is_request;
	msg->retransmission = retrans;
	msg->has_sdp = has_sdp;
	if (raw_len) {
		msg->raw = xmalloc(raw_len);
		memcpy(msg->raw, ev->raw.p, raw_len);
	}
}

struct call *store_sip_message(struct store *s, const struct sip_event *ev)
{
	const struct sip_msg *m = ev->msg;
	uint64_t h = call_id_hash(s, m->call_id);
	/* The slot is needed after the transaction key is computed. */
	__builtin_prefetch(&s->slots[h & s->mask]);
	uint32_t key = call_message_key(m, &ev->src, &ev->dst);
	struct call *c = lookup(s, m->call_id, h);
	if (!c) {
		c = create(s, ev, h);
		if (!c)
			return NULL;
	}
	bool retrans = call_seen_recently(c, key);
	if (retrans)
		s->stats.retransmissions++;
	/* A retransmission repeats a body already registered (RFC 3261
	 * 17.1.1.2): its SDP is not read again. */
	struct sdp sdp;
	bool has_sdp = !retrans && read_sdp(s, m, &sdp);
	call_update(c, m, ev->frame->ts_ns, retrans);

	if (s->cfg.keep_messages)
		keep_message(s, c, ev, key, retrans, has_sdp);
	else
		call_count_message(c, s->cfg.max_messages);
	/* RFC 3264: each side names where it receives. */
	for (unsigned i = 0; has_sdp && i < sdp.media_count; i++)
		if (!media_index_announce(s->media, c, &sdp.media[i]))
			anomaly_count(s->anomalies, ANOMALY_SDP_MEDIA_LIMIT);
	return c;
}

void store_keep_frame(struct store *s, uint64_t call_index, uint64_t number, int64_t ts_ns,
		      uint32_t caplen, uint32_t wirelen, int linktype, bool media,
		      const uint8_t *data)
{
	struct call *c = store_call_by_index(s, call_index);
	if (!c)
		return;
	size_t cost = sizeof(struct kept_frame) + caplen;
	if (s->stats.kept_bytes + cost > s->cfg.keep_frame_bytes) {
		s->stats.keep_refused++;
		return;
	}
	struct kept_frame *k = xmalloc(cost);
	k->next = NULL;
	k->number = number;
	k->ts_ns = ts_ns;
	k->caplen = caplen;
	k->wirelen = wirelen;
	k->linktype = linktype;
	k->media = media;
	memcpy(k->data, data, caplen);
	if (c->kept_tail)
		c->kept_tail->next = k;
	else
		c->kept_head = k;
	c->kept_tail = k;
	c->kept_bytes += cost;
	s->stats.kept_bytes += cost;
}

struct media_endpoint *store_media_lookup(struct store *s, const struct endpoint *dst)
{
	return media_index_lookup(s->media, dst);
}

struct orphan_table *store_orphans(struct store *s)
{
	return s->orphans;
}

struct call *store_oldest(struct store *s)
{
	return s->oldest;
}

size_t store_call_count(const struct store *s)
{
	return s->count;
}

const struct store_config *store_get_config(const struct store *s)
{
	return &s->cfg;
}

void store_get_stats(const struct store *s, struct store_stats *out)
{
	*out = s->stats;
}

void store_read_lock(struct store *s) { pthread_rwlock_rdlock(&s->lock); }
void store_read_unlock(struct store *s) { pthread_rwlock_unlock(&s->lock); }
void store_write_lock(struct store *s) { pthread_rwlock_wrlock(&s->lock); }
void store_write_unlock(struct store *s) { pthread_rwlock_unlock(&s->lock); }

void store_count_anomalies(struct store *s, struct anomaly_counters *counters)
{
	s->anomalies = counters;
}
