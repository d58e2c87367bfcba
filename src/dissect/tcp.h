/* tcp.h - TCP (RFC 9293) stream reassembly for SIP.
 *
 * Segments are put back in order per direction; retransmitted bytes are
 * delivered once; out-of-order segments wait (bounded) until the gap fills
 * or is declared lost.  The consumer sees the contiguous bytes it has not
 * yet consumed and says how many it consumed, so a SIP message split over
 * segments, or several messages in one segment, frame naturally. */
#ifndef SIPMON_DISSECT_TCP_H
#define SIPMON_DISSECT_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/anomaly.h"
#include "dissect/packet.h"

struct tcp_limits {
	size_t max_connections;    /* connections tracked at once */
	size_t max_stream_bytes;   /* unconsumed + out-of-order bytes per direction */
	size_t max_total_bytes;    /* all connections together */
	int64_t idle_timeout_ns;   /* a connection idle this long is forgotten */
};
void tcp_limits_default(struct tcp_limits *l);

/* What the application-layer consumer keeps per direction. */
enum tcp_app {
	TCP_APP_UNKNOWN = 0, /* nothing decided yet */
	TCP_APP_SIP,         /* SIP framed by Content-Length (RFC 3261 18.3) */
	TCP_APP_WS_HANDSHAKE,/* HTTP upgrade to WebSocket under way */
	TCP_APP_WEBSOCKET,   /* WebSocket frames (RFC 6455) carrying SIP (RFC 7118) */
	TCP_APP_IGNORE,      /* not SIP: bytes are consumed unread */
};

struct tcp_half {
	struct endpoint src, dst; /* this direction's sender and receiver */
	enum tcp_app app;          /* consumer-owned */
	struct tcp_half *peer;     /* the other direction of the connection */
	void *app_data;            /* consumer-owned; freed through free_app */
	bool resync;               /* set by tcp: bytes were lost before data,
				      so the consumer must drop partial state and
				      look for the next message start */
};

/* Called with the in-order bytes of half not consumed yet (data.p valid
 * only during the call).  seg is the segment that made them available.
 * Returns how many bytes from the start of data were consumed. */
typedef size_t (*tcp_deliver_fn)(void *ctx, struct tcp_half *half,
				 const struct segment *seg, struct view data);

/* Frees half->app_data when a connection is forgotten (may be NULL). */
typedef void (*tcp_free_app_fn)(void *ctx, struct tcp_half *half);

struct tcp_table;

struct tcp_table *tcp_table_new(const struct tcp_limits *limits,
				struct anomaly_counters *anomalies,
				tcp_deliver_fn deliver, tcp_free_app_fn free_app,
				void *ctx);
void tcp_table_free(struct tcp_table *t);

/* Feeds one TCP segment (seg->l4 starts at the TCP header). */
void tcp_input(struct tcp_table *t, struct segment *seg);

/* What a segment was, for observers that keep frames (the saver). */
struct tcp_input_result {
	bool carried_data;   /* it had payload bytes */
	enum tcp_app app;    /* its direction's protocol after delivery */
};
void tcp_input_ex(struct tcp_table *t, struct segment *seg, struct tcp_input_result *res);

/* Forgets connections idle past the timeout relative to now_ns. */
void tcp_table_expire(struct tcp_table *t, int64_t now_ns);

struct tcp_stats {
	uint64_t segments;
	uint64_t connections;        /* tracked right now */
	uint64_t retransmitted_bytes;
	uint64_t out_of_order;       /* segments that arrived ahead of a gap */
	uint64_t bytes_pending;      /* held right now */
};
void tcp_table_stats(const struct tcp_table *t, struct tcp_stats *out);

#endif
