/* saver.c - the delay line between dissection and the file writer (see
 * saver.h). */
#include "output/saver.h"

#include <stdlib.h>
#include <string.h>

#include "dissect/sip.h"
#include "util/hash.h"
#include "util/xalloc.h"

/* Keys of frames still waiting to be claimed: a small open hash. */
#define KEY_TABLE_INITIAL 1024u

struct entry {
	struct entry *next;               /* toward the newest */
	struct entry *key_older, *key_newer; /* frames held under the same key */
	int64_t ts_ns;
	uint64_t number;
	uint64_t pending_key;
	uint32_t caplen, wirelen;
	int32_t linktype;
	bool media;
	uint8_t call_count;
	uint64_t calls[DISSECT_MAX_FRAME_CALLS];
	struct saved_message *messages; /* in the same allocation, after data */
	uint32_t message_count;
	size_t size;                      /* of the allocation, for the budget */
	_Alignas(max_align_t) uint8_t data[];
};

struct key_slot {
	uint64_t key;                     /* 0 = empty, UINT64_MAX = deleted */
	struct entry *newest;
};

struct saver {
	struct saver_config cfg;
	struct store *store;
	saver_sink_fn sink;
	void *sink_ctx;
	struct entry *head, *tail;
	size_t bytes;
	uint64_t frames;
	int64_t latest_ts;
	struct key_slot *keys;
	size_t key_cap, key_used;
	struct saver_stats stats;
	/* The SIP messages of the frame being dissected (cfg.messages): their
	 * records, and their bytes one after another. */
	struct saved_message *msgs;
	size_t msg_count, msg_cap;
	uint8_t *msg_bytes;
	size_t msg_bytes_len, msg_bytes_cap;
};

#define KEY_DELETED UINT64_MAX

struct saver *saver_new(const struct saver_config *cfg, struct store *store,
			saver_sink_fn sink, void *sink_ctx)
{
	struct saver *s = xcalloc(1, sizeof(*s));
	s->cfg = *cfg;
	if (!s->cfg.pending_bytes)
		s->cfg.pending_bytes = (size_t)SAVER_DEFAULT_PENDING_MIB << 20;
	if (!s->cfg.window_ns)
		s->cfg.window_ns = (int64_t)SAVER_DEFAULT_WINDOW_S * NS_PER_SEC;
	s->store = store;
	s->sink = sink;
	s->sink_ctx = sink_ctx;
	s->key_cap = KEY_TABLE_INITIAL;
	s->keys = xcalloc(s->key_cap, sizeof(*s->keys));
	return s;
}

void saver_free(struct saver *s)
{
	if (!s)
		return;
	while (s->head) {
		struct entry *next = s->head->next;
		free(s->head);
		s->head = next;
	}
	free(s->keys);
	free(s->msgs);
	free(s->msg_bytes);
	free(s);
}

/* --- keys ------------------------------------------------------------ */

static struct key_slot *key_find(struct saver *s, uint64_t key, bool for_insert)
{
	size_t mask = s->key_cap - 1;
	struct key_slot *tomb = NULL;
	for (size_t i = hash_mix(key) & mask;; i = (i + 1) & mask) {
		struct key_slot *k = &s->keys[i];
		if (k->key == key)
			return k;
		if (k->key == KEY_DELETED && !tomb)
			tomb = k;
		if (k->key == 0)
			return for_insert ? (tomb ? tomb : k) : NULL;
	}
}

static void key_grow(struct saver *s)
{
	struct key_slot *old = s->keys;
	size_t old_cap = s->key_cap;
	s->key_cap *= 2;
	s->keys = xcalloc(s->key_cap, sizeof(*s->keys));
	s->key_used = 0;
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i].key && old[i].key != KEY_DELETED) {
			struct key_slot *k = key_find(s, old[i].key, true);
			*k = old[i];
			s->key_used++;
		}
	}
	free(old);
}

static void key_link(struct saver *s, struct entry *e)
{
	if ((s->key_used + 1) * 2 > s->key_cap)
		key_grow(s);
	struct key_slot *k = key_find(s, e->pending_key, true);
	if (k->key != e->pending_key) {
		k->key = e->pending_key;
		k->newest = NULL;
		s->key_used++;
	}
	e->key_older = k->newest;
	if (k->newest)
		k->newest->key_newer = e;
	k->newest = e;
}

/* The oldest entry leaves: it is the oldest of its key's chain too. */
static void key_unlink_oldest(struct saver *s, struct entry *e)
{
	if (!e->pending_key)
		return;
	if (e->key_newer) {
		e->key_newer->key_older = NULL;
		return;
	}
	struct key_slot *k = key_find(s, e->pending_key, false);
	if (k && k->newest == e) {
		k->key = KEY_DELETED;
		k->newest = NULL;
		s->key_used--;
	}
}

/* --- decisions ---------------------------------------------------------- */

bool saver_dialog_passes(const struct saver *s, const struct call *c)
{
	return c && (!s->cfg.filtered || c->filter_pass);
}

static bool entry_passes(struct saver *s, const struct entry *e)
{
	for (unsigned i = 0; i < e->call_count; i++)
		if (saver_dialog_passes(s, store_call_by_index(s->store, e->calls[i])))
			return true;
	return false;
}

/* Each message is written only if its own dialog passes (a TCP segment
 * may carry messages of several dialogs). */
static void write_frame(struct saver *s, const struct saved_frame *f, struct saved_message *msgs)
{
	for (size_t i = 0; i < f->message_count; i++) {
		msgs[i].passes = saver_dialog_passes(s, store_call_by_index(s->store, msgs[i].call));
		s->stats.messages_written += msgs[i].passes;
	}
	s->sink(s->sink_ctx, f);
	s->stats.frames_written++;
}

/* A frame leaves undecided: its dialogs, should they pass later, lost it. */
static void drop_entry(struct saver *s, const struct entry *e)
{
	if (e->call_count == 0)
		return; /* never claimed: not a dialog's frame */
	s->stats.frames_not_matching++;
	for (unsigned i = 0; i < e->call_count; i++) {
		struct call *c = store_call_by_index(s->store, e->calls[i]);
		if (c)
			c->save_lost_frames++;
	}
}

static void pop_head(struct saver *s, bool write)
{
	struct entry *e = s->head;
	if (write) {
		struct saved_frame f = {
			.number = e->number, .ts_ns = e->ts_ns, .caplen = e->caplen,
			.wirelen = e->wirelen, .linktype = e->linktype, .media = e->media,
			.data = e->data, .calls = e->calls, .call_count = e->call_count,
			.messages = e->messages, .message_count = e->message_count,
		};
		write_frame(s, &f, e->messages);
	} else
		drop_entry(s, e);
	key_unlink_oldest(s, e);
	s->head = e->next;
	if (!s->head)
		s->tail = NULL;
	s->bytes -= e->size;
	s->frames--;
	free(e);
}

/* Lets out of the line every frame that may leave now. */
static void drain(struct saver *s, bool force)
{
	while (s->head) {
		struct entry *e = s->head;
		bool passes = entry_passes(s, e);
		bool too_old = s->latest_ts - e->ts_ns > s->cfg.window_ns;
		bool too_full = s->bytes > s->cfg.pending_bytes;
		if (!passes && !too_old && !too_full && !force)
			break;
		pop_head(s, passes);
	}
}

/* --- observer ------------------------------------------------------------ */

static void on_claim(void *ctx, uint64_t key, uint64_t call_index)
{
	struct saver *s = ctx;
	struct key_slot *k = key_find(s, key, false);
	for (struct entry *e = k ? k->newest : NULL; e; e = e->key_older) {
		bool known = false;
		for (unsigned i = 0; i < e->call_count; i++)
			known |= e->calls[i] == call_index;
		if (!known && e->call_count < DISSECT_MAX_FRAME_CALLS)
			e->calls[e->call_count++] = call_index;
	}
}

static void on_message(void *ctx, uint64_t call_index, const struct endpoint *src,
		       const struct endpoint *dst, enum transport transport, struct view raw)
{
	struct saver *s = ctx;
	if (!s->cfg.messages)
		return;
	s->msgs = xreserve(s->msgs, &s->msg_cap, s->msg_count + 1, sizeof(*s->msgs), 8);
	s->msg_bytes = xreserve(s->msg_bytes, &s->msg_bytes_cap, s->msg_bytes_len + raw.len, 1,
				SIP_MAX_MESSAGE);
	if (raw.len)
		memcpy(s->msg_bytes + s->msg_bytes_len, raw.p, raw.len);
	/* raw is set once the bytes stop moving (frame_messages_fix). */
	s->msgs[s->msg_count++] = (struct saved_message){
		.call = call_index, .src = *src, .dst = *dst, .transport = (uint8_t)transport,
		.len = (uint32_t)raw.len, .raw = NULL,
	};
	s->msg_bytes_len += raw.len;
}

/* Points each of the frame's messages at its bytes in base. */
static void frame_messages_fix(struct saved_message *msgs, size_t n, const uint8_t *base)
{
	for (size_t i = 0; i < n; i++) {
		msgs[i].raw = base;
		base += msgs[i].len;
	}
}

static void on_frame(void *ctx, const struct frame *f, const uint64_t *calls, size_t n,
		     bool media, uint64_t pending_key)
{
	struct saver *s = ctx;
	/* The messages on_message() gathered for this frame. */
	size_t msg_count = s->msg_count, msg_bytes = s->msg_bytes_len;
	s->msg_count = 0;
	s->msg_bytes_len = 0;
	if (f->ts_ns > s->latest_ts)
		s->latest_ts = f->ts_ns;
	if ((n == 0 && pending_key == 0) || (media && s->cfg.sip_only && msg_count == 0)) {
		drain(s, false);
		return;
	}
	/* Nothing waiting and already decided: straight to the writer. */
	if (!s->head && !pending_key) {
		/* Unfiltered, a dialog this frame was just found to belong to
		 * passes: no need to look it up (the common case, per packet). */
		bool passes = !s->cfg.filtered && n > 0;
		for (size_t i = 0; i < n && !passes; i++)
			passes = saver_dialog_passes(s, store_call_by_index(s->store, calls[i]));
		if (passes) {
			frame_messages_fix(s->msgs, msg_count, s->msg_bytes);
			struct saved_frame sf = {
				.number = f->number, .ts_ns = f->ts_ns, .caplen = f->caplen,
				.wirelen = f->wirelen, .linktype = f->linktype, .media = media,
				.data = f->data, .calls = calls, .call_count = n,
				.messages = s->msgs, .message_count = msg_count,
			};
			write_frame(s, &sf, s->msgs);
			return;
		}
	}
	/* One allocation: the entry, the frame, the message records, their
	 * bytes. */
	size_t msgs_at = (f->caplen + _Alignof(struct saved_message) - 1) &
			 ~(size_t)(_Alignof(struct saved_message) - 1);
	size_t bytes_at = msgs_at + msg_count * sizeof(struct saved_message);
	size_t size = sizeof(struct entry) + (msg_count ? bytes_at + msg_bytes : f->caplen);
	struct entry *e = xmalloc(size);
	e->next = NULL;
	e->key_older = e->key_newer = NULL;
	e->ts_ns = f->ts_ns;
	e->number = f->number;
	e->media = media;
	e->pending_key = pending_key;
	e->caplen = f->caplen;
	e->wirelen = f->wirelen;
	e->linktype = f->linktype;
	e->call_count = (uint8_t)(n < DISSECT_MAX_FRAME_CALLS ? n : DISSECT_MAX_FRAME_CALLS);
	e->size = size;
	memcpy(e->calls, calls, e->call_count * sizeof(e->calls[0]));
	memcpy(e->data, f->data, f->caplen);
	e->message_count = (uint32_t)msg_count;
	e->messages = NULL;
	if (msg_count) {
		e->messages = (struct saved_message *)(e->data + msgs_at);
		memcpy(e->messages, s->msgs, msg_count * sizeof(*e->messages));
		memcpy(e->data + bytes_at, s->msg_bytes, msg_bytes);
		frame_messages_fix(e->messages, msg_count, e->data + bytes_at);
	}
	if (s->tail)
		s->tail->next = e;
	else
		s->head = e;
	s->tail = e;
	s->bytes += size;
	s->frames++;
	if (pending_key)
		key_link(s, e);
	drain(s, false);
}

void saver_attach(struct saver *s, struct dissector *d)
{
	struct dissect_observer obs = { .ctx = s, .claim = on_claim, .frame_done = on_frame,
					.message = s->cfg.messages ? on_message : NULL };
	dissector_set_observer(d, &obs);
}

void saver_finish(struct saver *s)
{
	drain(s, true);
	/* Lost frames count only for dialogs that did pass in the end. */
	s->stats.frames_lost = 0;
	for (struct call *c = store_oldest(s->store); c; c = c->newer)
		if (saver_dialog_passes(s, c))
			s->stats.frames_lost += c->save_lost_frames;
}

void saver_get_stats(const struct saver *s, struct saver_stats *out)
{
	*out = s->stats;
	out->pending_frames = s->frames;
	out->pending_bytes = s->bytes;
}
