/* call.c - dialog state and bookkeeping (see call.h). */
#include "store/call.h"

#include <stdlib.h>
#include <string.h>

#include "store/media.h"
#include "util/hash.h"
#include "util/xalloc.h"

/* Longest From/To URI or user kept; longer ones are cut (they are shown,
 * never parsed again). */
#define CALL_MAX_URI 256
#define CALL_MAX_UA 128

const char *call_state_name(enum call_state s)
{
	switch (s) {
	case CALL_STATE_SETUP: return "CALL SETUP";
	case CALL_STATE_IN_CALL: return "IN CALL";
	case CALL_STATE_CANCELLED: return "CANCELLED";
	case CALL_STATE_REJECTED: return "REJECTED";
	case CALL_STATE_BUSY: return "BUSY";
	case CALL_STATE_DIVERTED: return "DIVERTED";
	case CALL_STATE_COMPLETED: return "COMPLETED";
	case CALL_STATE_NONE: break;
	}
	return NULL;
}

const char *transport_name(enum transport t)
{
	switch (t) {
	case TRANSPORT_UDP: return "UDP";
	case TRANSPORT_TCP: return "TCP";
	case TRANSPORT_TLS: return "TLS";
	case TRANSPORT_WS: return "WS";
	case TRANSPORT_WSS: return "WSS";
	case TRANSPORT_SCTP: return "SCTP";
	}
	return "?";
}

/* Keys compared at once by call_seen_recently(); CALL_RECENT_KEYS is a
 * multiple of it. */
#define RECENT_KEYS_PER_VECTOR 4
_Static_assert(CALL_RECENT_KEYS % RECENT_KEYS_PER_VECTOR == 0, "whole vectors");

/* Initial message slots: a basic call has 7 messages. */
#define CALL_INITIAL_MESSAGE_SLOTS 8

static char *copy_unfolded(struct view v, size_t max)
{
	char buf[CALL_MAX_URI + 1];
	size_t cap = max + 1 < sizeof(buf) ? max + 1 : sizeof(buf);
	size_t n = sip_value_unfold(v, buf, cap);
	return xstrndup(buf, n);
}

/* Appends the unfolded value v (at most CALL_MAX_URI bytes) at *pos. */
static const char *pack_unfolded(struct view v, char **pos)
{
	char *start = *pos;
	size_t n = sip_value_unfold(v, start, CALL_MAX_URI + 1);
	*pos += n + 1;
	return start;
}

static size_t packed_len(struct view v)
{
	return (v.len < CALL_MAX_URI ? v.len : CALL_MAX_URI) + 1;
}

struct call *call_new(const struct sip_msg *m, uint64_t hash)
{
	struct call *c = xcalloc(1, sizeof(*c));
	c->hash = hash;
	c->call_id_len = (uint32_t)m->call_id.len;
	c->first_method = m->is_request ? m->method : m->cseq_method;
	/* One allocation for the identity strings: they live as long as the
	 * dialog and never change. */
	char *block = xmalloc(m->call_id.len + 1 + packed_len(m->from_uri) +
			      packed_len(m->to_uri) + packed_len(m->from_user) +
			      packed_len(m->to_user));
	memcpy(block, m->call_id.p, m->call_id.len);
	block[m->call_id.len] = '\0';
	c->call_id = block;
	char *pos = block + m->call_id.len + 1;
	c->from_uri = pack_unfolded(m->from_uri, &pos);
	c->to_uri = pack_unfolded(m->to_uri, &pos);
	c->from_user = pack_unfolded(m->from_user, &pos);
	c->to_user = pack_unfolded(m->to_user, &pos);
	if (m->user_agent.len)
		c->user_agent = copy_unfolded(m->user_agent, CALL_MAX_UA);
	return c;
}

void call_free(struct call *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->messages_kept; i++)
		free(call_message_at(c, i)->raw);
	free(c->msgs);
	for (struct kept_frame *k = c->kept_head, *next; k; k = next) {
		next = k->next;
		free(k);
	}
	rtp_stream_list_free(c->streams);
	free((char *)c->call_id);
	free(c->user_agent);
	free(c);
}

uint32_t call_message_key(const struct sip_msg *m, const struct endpoint *src,
			  const struct endpoint *dst)
{
	uint64_t h = hash_bytes(m->via_branch.p, m->via_branch.len, m->cseq);
	/* Known methods by number; extension methods by name. */
	if (m->cseq_method == SIP_METHOD_UNKNOWN)
		h ^= hash_bytes(m->cseq_method_text.p, m->cseq_method_text.len, 0x51);
	h = hash_mix(h ^ ((uint64_t)m->cseq_method << 40) ^ ((uint64_t)m->status << 1) ^
		     (uint64_t)m->is_request);
	h ^= endpoint_hash(src) + 0x9e3779b97f4a7c15ULL * endpoint_hash(dst);
	h = hash_mix(h);
	return (uint32_t)(h ^ (h >> 32)) | 1u; /* 0 means "empty slot" */
}

bool call_seen_recently(struct call *c, uint32_t key)
{
	/* Most messages are new, so the whole table is read anyway: four
	 * keys per vector compare instead of one compare and branch each. */
	typedef uint32_t key_vector __attribute__((vector_size(RECENT_KEYS_PER_VECTOR * 4)));
	key_vector want = { key, key, key, key }, hits = { 0, 0, 0, 0 };
	for (unsigned i = 0; i < CALL_RECENT_KEYS; i += RECENT_KEYS_PER_VECTOR) {
		key_vector keys;
		memcpy(&keys, &c->recent_keys[i], sizeof(keys));
		hits |= (key_vector)(keys == want);
	}
	uint64_t halves[2];
	memcpy(halves, &hits, sizeof(halves));
	if (halves[0] | halves[1])
		return true;
	c->recent_keys[c->recent_next] = key;
	c->recent_next = (uint8_t)((c->recent_next + 1) % CALL_RECENT_KEYS);
	return false;
}

/* sngrep's state machine (sip_call.c, call_update_state), with one
 * deliberate difference: a 400 answer counts as REJECTED (sngrep tests
 * "> 400" and calls a 400 DIVERTED).  Documented in sipmon.8. */
static void update_invite_state(struct call *c, const struct sip_msg *m)
{
	enum sip_method method = m->is_request ? m->method : SIP_METHOD_UNKNOWN;
	unsigned status = m->is_request ? 0 : m->status;

	switch (c->state) {
	case CALL_STATE_SETUP:
		if (method == SIP_METHOD_ACK && m->cseq == c->invite_cseq) {
			c->state = CALL_STATE_IN_CALL;
		} else if (method == SIP_METHOD_CANCEL) {
			c->state = CALL_STATE_CANCELLED;
		} else if (status == 480 || status == 486 || status == 600) {
			c->state = CALL_STATE_BUSY;
		} else if (status >= 400 && m->cseq == c->invite_cseq) {
			c->state = CALL_STATE_REJECTED;
		} else if (status >= 300 && status < 400) {
			c->state = CALL_STATE_DIVERTED;
		}
		break;
	case CALL_STATE_IN_CALL:
		if (method == SIP_METHOD_BYE)
			c->state = CALL_STATE_COMPLETED;
		break;
	default:
		/* A new INVITE after a challenge (401/407) or on a finished
		 * dialog starts a new setup. */
		if (method == SIP_METHOD_INVITE) {
			c->invite_cseq = m->cseq;
			c->state = CALL_STATE_SETUP;
		}
		break;
	}
}

void call_update(struct call *c, const struct sip_msg *m, int64_t ts_ns,
		 bool retransmission)
{
	if (c->messages == 0)
		c->start_ns = ts_ns;
	c->messages++;
	c->end_ns = ts_ns;
	if (retransmission) {
		c->retransmissions++;
		return; /* a resend changes nothing the first copy did not */
	}
	if (m->is_request)
		c->method_counts[m->method]++;
	if (!c->user_agent && m->user_agent.len)
		c->user_agent = copy_unfolded(m->user_agent, CALL_MAX_UA);

	if (c->first_method == SIP_METHOD_INVITE) {
		update_invite_state(c, m);
		if (m->is_request && m->method == SIP_METHOD_INVITE && !c->invite_ns)
			c->invite_ns = ts_ns;
		if (m->is_request && m->method == SIP_METHOD_BYE && !c->bye_ns)
			c->bye_ns = ts_ns;
	}

	/* final_status: the last final answer to the dialog's first method;
	 * once an INVITE is answered 2xx it stays (a later failed re-INVITE
	 * does not undo the call). */
	if (!m->is_request && m->status >= 200 && m->cseq_method == c->first_method) {
		if (!c->established)
			c->final_status = m->status;
		if (m->status < 300 && c->first_method == SIP_METHOD_INVITE) {
			if (!c->established)
				c->answer_ns = ts_ns;
			c->established = true;
		}
	}
}

void call_count_message(struct call *c, uint32_t max_kept)
{
	/* call_update() counted this message in c->messages already. */
	if (max_kept && c->messages > max_kept)
		c->messages_dropped++;
}

struct call_message *call_append_message(struct call *c, uint32_t max_kept)
{
	if (max_kept == 0)
		max_kept = UINT32_MAX;
	if (c->messages_kept == c->msg_cap && c->msg_cap < max_kept) {
		/* Not wrapped yet (wrapping starts only at the limit), so the
		 * kept messages are msgs[0 .. kept) and can simply grow. */
		uint32_t cap = c->msg_cap ? c->msg_cap * 2 : CALL_INITIAL_MESSAGE_SLOTS;
		if (cap > max_kept || cap < c->msg_cap)
			cap = max_kept;
		c->msgs = xrealloc(c->msgs, (size_t)cap * sizeof(*c->msgs));
		c->msg_cap = cap;
	}
	struct call_message *slot;
	if (c->messages_kept == c->msg_cap) {
		/* At the limit: the oldest message gives its slot. */
		slot = &c->msgs[c->msg_first];
		free(slot->raw);
		c->msg_first = (c->msg_first + 1) % c->msg_cap;
		c->messages_dropped++;
	} else {
		slot = &c->msgs[(c->msg_first + c->messages_kept) % c->msg_cap];
		c->messages_kept++;
	}
	memset(slot, 0, sizeof(*slot));
	return slot;
}
