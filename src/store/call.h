/* call.h - one SIP dialog (all messages sharing a Call-ID) as the store
 * keeps it: identity, the messages seen, derived state and timings, and the
 * RTP streams its SDP announced. */
#ifndef SIPMON_STORE_CALL_H
#define SIPMON_STORE_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/sip.h"
#include "util/netaddr.h"

/* INVITE dialog states, derived as sngrep derives them (see sipmon.8,
 * CALL STATES). */
enum call_state {
	CALL_STATE_NONE = 0,   /* not an INVITE dialog */
	CALL_STATE_SETUP,
	CALL_STATE_IN_CALL,
	CALL_STATE_CANCELLED,
	CALL_STATE_REJECTED,
	CALL_STATE_BUSY,
	CALL_STATE_DIVERTED,
	CALL_STATE_COMPLETED,
};
const char *call_state_name(enum call_state s); /* "CALL SETUP", ...; NULL for NONE */

enum transport {
	TRANSPORT_UDP = 0,
	TRANSPORT_TCP,
	TRANSPORT_TLS,
	TRANSPORT_WS,
	TRANSPORT_WSS,
	TRANSPORT_SCTP,
};
const char *transport_name(enum transport t); /* "UDP", ... */

/* One SIP message as stored.  raw holds the message text when the store
 * keeps raw messages (the TUI and savers need them; a headless report does
 * not), else it is NULL. */
struct call_message {
	int64_t ts_ns;
	uint64_t frame_number;
	struct endpoint src, dst;
	uint32_t cseq;
	uint32_t wire_len;       /* message length on the wire */
	uint32_t raw_len;        /* bytes kept in raw[] */
	uint32_t key;            /* transaction fingerprint (retransmissions) */
	uint16_t status;         /* 0 for requests */
	uint8_t method;          /* request method, or CSeq method of a response */
	uint8_t transport;
	bool is_request;
	bool retransmission;
	bool has_sdp;
	uint8_t *raw;
};

struct media_endpoint;
struct rtp_stream;

/* A captured frame kept with its dialog, so the interface can save the
 * dialog to a capture file later (the store's keep budget bounds them). */
struct kept_frame {
	struct kept_frame *next;
	uint64_t number;          /* capture order, across dialogs */
	int64_t ts_ns;
	uint32_t caplen, wirelen;
	int32_t linktype;
	bool media;               /* RTP/RTCP */
	uint8_t data[];
};

/* Recent transaction fingerprints remembered per dialog for spotting
 * retransmissions (RFC 3261 17.1.1.2 / 17.2.1 resend the same request or
 * response; they arrive within a few messages of the original). */
#define CALL_RECENT_KEYS 16

struct call {
	/* Hot: touched for every SIP message and every lookup. */
	uint64_t hash;                /* of the Call-ID (the store's table) */
	const char *call_id;
	uint32_t call_id_len;
	uint32_t messages;            /* on the wire, retransmissions included */
	uint32_t retransmissions;
	uint32_t messages_dropped;    /* oldest messages forgotten at the per-dialog limit */
	uint32_t messages_kept;
	/* Kept messages: a ring of msg_cap slots, oldest at msg_first; it
	 * grows by doubling until the per-dialog limit, then wraps. */
	struct call_message *msgs;
	uint32_t msg_cap, msg_first;
	uint32_t recent_keys[CALL_RECENT_KEYS];
	uint8_t recent_next;

	struct call *older, *newer;   /* age list, for -R eviction and order */
	uint64_t index;               /* 1-based creation order */

	/* Identity, from the first message: NUL-terminated, all in one
	 * allocation that starts at call_id. */
	enum sip_method first_method;
	const char *from_uri, *to_uri, *from_user, *to_user;
	char *user_agent;             /* first User-Agent/Server seen, or NULL */
	struct endpoint src, dst;
	enum transport transport;
	int64_t start_ns, end_ns;

	/* Derived. */
	enum call_state state;
	uint32_t invite_cseq;         /* CSeq of the INVITE being set up */
	uint16_t final_status;        /* 0 = none yet */
	bool established;             /* a 2xx answered the INVITE */
	int64_t invite_ns, answer_ns, bye_ns; /* 0 = not seen */
	uint32_t method_counts[SIP_METHOD_COUNT];

	/* Output filter (--filter): message-level facts seen so far, and
	 * whether the dialog passes now. */
	uint64_t filter_atoms;
	bool filter_pass;
	uint32_t save_lost_frames;      /* left the saver's line before it passed */

	/* Frames kept for saving (interface mode), in capture order. */
	struct kept_frame *kept_head, *kept_tail;
	size_t kept_bytes;

	/* Media. */
	struct media_endpoint *media;   /* endpoints announced in SDP */
	uint16_t media_endpoints;       /* on that list, at most MEDIA_MAX_PER_CALL */
	struct rtp_stream *streams;     /* streams seen, in first-packet order */
	struct rtp_stream *streams_tail;
};

/* Creates a dialog for the first message seen with this Call-ID. */
struct call *call_new(const struct sip_msg *m, uint64_t hash);
void call_free(struct call *c);

/* Fingerprint of a message's transaction and direction: equal for a
 * retransmission of the same request or response. */
uint32_t call_message_key(const struct sip_msg *m, const struct endpoint *src,
			  const struct endpoint *dst);

/* Updates state, timings, counters with one message (already parsed). */
void call_update(struct call *c, const struct sip_msg *m, int64_t ts_ns,
		 bool retransmission);

/* True when key matches a recently seen message of this dialog; remembers it. */
bool call_seen_recently(struct call *c, uint32_t key);

/* A slot for a new message at the end of the kept ones, forgetting the
 * oldest (and counting it) when max_kept are kept already. */
struct call_message *call_append_message(struct call *c, uint32_t max_kept);

/* Counts a message without keeping its record: messages_dropped becomes
 * what call_append_message() would have counted. */
void call_count_message(struct call *c, uint32_t max_kept);
/* The i-th oldest kept message, 0 <= i < messages_kept. */
static inline const struct call_message *call_message_at(const struct call *c, uint32_t i)
{
	return &c->msgs[(c->msg_first + i) % c->msg_cap];
}

#endif
