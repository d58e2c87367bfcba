/* ip.h - IPv4 (RFC 791) and IPv6 (RFC 8200) decoding: extension headers,
 * fragment reassembly with byte and time limits, IP-in-IP tunnels.
 * Complete transport datagrams are handed to a callback. */
#ifndef SIPMON_DISSECT_IP_H
#define SIPMON_DISSECT_IP_H

#include <stddef.h>
#include <stdint.h>

#include "dissect/anomaly.h"
#include "dissect/packet.h"

struct ip_limits {
	size_t frag_max_bytes;    /* all datagrams being reassembled, in bytes */
	size_t frag_max_datagrams;/* datagrams being reassembled at once */
	int64_t frag_timeout_ns;  /* an incomplete datagram expires after this */
	int max_tunnel_depth;     /* nested IP-in-IP levels followed */
};

/* Limits used when the caller has no opinion (documented in sipmon.8). */
void ip_limits_default(struct ip_limits *l);

/* Receives each transport datagram; seg and the bytes it points to are
 * valid only during the call. */
typedef void (*ip_deliver_fn)(void *ctx, const struct segment *seg);

struct ip_layer;

struct ip_layer *ip_layer_new(const struct ip_limits *limits,
			      struct anomaly_counters *anomalies,
			      ip_deliver_fn deliver, void *ctx);
void ip_layer_free(struct ip_layer *ip);

/* Decodes one network-layer packet of frame f (ethertype from link_decode).
 * Anomalies are counted, never fatal. */
void ip_input(struct ip_layer *ip, const struct frame *f, struct view net,
	      uint16_t ethertype);

/* Expires fragments older than the timeout relative to now_ns (capture
 * time).  ip_input() also does this lazily. */
void ip_layer_expire(struct ip_layer *ip, int64_t now_ns);

/* After ip_input(): nonzero when the frame was a fragment held for
 * reassembly, naming its datagram; the segment delivered when the datagram
 * completes carries the same value in frag_key, so a saver can claim the
 * earlier fragments' frames too. */
uint64_t ip_layer_held_fragment(const struct ip_layer *ip);

/* Counters for the report and status. */
struct ip_stats {
	uint64_t fragments;           /* fragments seen */
	uint64_t reassembled;         /* datagrams completed from fragments */
	uint64_t frag_bytes_pending;  /* bytes held right now */
	uint64_t frag_datagrams_pending; /* datagrams being reassembled now */
	uint64_t tunnelled;           /* packets found inside IP-in-IP */
	uint64_t not_ip;              /* frames carrying neither IPv4 nor IPv6 */
};
void ip_layer_stats(const struct ip_layer *ip, struct ip_stats *out);

/* The transport bytes (l4, bounded by the length the header claims,
 * l4_len, and by what was captured) and protocol of an unfragmented IPv4
 * packet or an IPv6 packet without extension headers; false for anything
 * else (fragments, options past the header, jumbograms), which only
 * ip_input() handles. */
bool ip_plain_transport(struct view net, uint8_t *protocol, struct view *l4, size_t *l4_len);

#endif
