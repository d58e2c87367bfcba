/* dissect.h - the dissection pipeline: one captured frame in, link → IP
 * (fragments, tunnels) → UDP/TCP (stream reassembly, WebSocket) → SIP/SDP
 * and RTP/RTCP, into the call store.  Runs on the dissection thread only. */
#ifndef SIPMON_DISSECT_DISSECT_H
#define SIPMON_DISSECT_DISSECT_H

#include <stdint.h>

#include "dissect/anomaly.h"
#include "dissect/ip.h"
#include "dissect/packet.h"
#include "dissect/tcp.h"
#include "store/store.h"

struct filter;

struct dissect_config {
	struct ip_limits ip;
	struct tcp_limits tcp;
	/* --filter or a match expression: evaluated for every message of a
	 * dialog, setting its filter_pass (the filter is used by this thread
	 * only). */
	const struct filter *filter;
};
void dissect_config_default(struct dissect_config *cfg);

/* What the report's "capture" object shows. */
struct capture_counters {
	uint64_t packets;        /* frames read */
	uint64_t bytes;          /* their length on the wire */
	uint64_t truncated;      /* frames cut by the snaplen */
	uint64_t not_ip;         /* frames carrying neither IPv4 nor IPv6 */
	uint64_t sip_messages;   /* SIP messages parsed */
	uint64_t rtp_packets;    /* RTP packets tied to a dialog */
	uint64_t rtp_streams;    /* RTP streams seen */
	uint64_t rtcp_packets;
	int64_t first_ns, last_ns;
	struct anomaly_counters anomalies;
};

struct dissector;

/* Who learns which dialogs each frame belongs to (the saver, which writes
 * the frames of matching dialogs).  Called on the dissection thread. */
struct dissect_observer {
	void *ctx;
	/* A message of dialog call_index completed: every earlier frame held
	 * under key (a TCP direction's bytes, an IP datagram's fragments)
	 * belongs to that dialog too. */
	void (*claim)(void *ctx, uint64_t key, uint64_t call_index);
	/* After each frame: the dialogs it belongs to (creation indexes, at
	 * most DISSECT_MAX_FRAME_CALLS), whether it carried RTP/RTCP, and a
	 * nonzero pending_key when a later message may still claim it. */
	void (*frame_done)(void *ctx, const struct frame *f, const uint64_t *calls, size_t n,
			   bool media, uint64_t pending_key);
	/* Optional (NULL: not called): a SIP message of dialog call_index
	 * completed in the current frame, before that frame's frame_done;
	 * raw is valid during the call only. */
	void (*message)(void *ctx, uint64_t call_index, const struct endpoint *src,
			const struct endpoint *dst, enum transport transport, struct view raw);
};
#define DISSECT_MAX_FRAME_CALLS 8

struct dissector *dissector_new(const struct dissect_config *cfg, struct store *store);

/* obs is copied; NULL removes it. */
void dissector_set_observer(struct dissector *d, const struct dissect_observer *obs);
void dissector_free(struct dissector *d);

/* Decodes one frame (f->data holds f->caplen bytes). */
void dissector_frame(struct dissector *d, const struct frame *f);

/* End of input: incomplete fragments and TCP data still held are counted
 * (frag_timeout, tcp_timeout) and released. */
void dissector_finish(struct dissector *d);

const struct capture_counters *dissector_counters(const struct dissector *d);

/* Sum of all anomaly counters: the report's "malformed". */
uint64_t dissector_malformed(const struct dissector *d);

#endif
