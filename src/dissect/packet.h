/* packet.h - what flows between the decoder layers: a captured frame and
 * the transport segments the IP layer finds in it. */
#ifndef SIPMON_DISSECT_PACKET_H
#define SIPMON_DISSECT_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "util/netaddr.h"
#include "util/view.h"

#define NS_PER_SEC 1000000000LL
#define NS_PER_MS 1000000LL

/* One captured record, as read from libpcap. */
struct sip_early;

struct frame {
	int64_t ts_ns;      /* capture time, ns since the Unix epoch */
	uint64_t number;    /* 1-based, across all merged inputs */
	uint32_t caplen;    /* bytes captured (data holds exactly these) */
	uint32_t wirelen;   /* bytes on the wire; > caplen when snaplen cut */
	int linktype;       /* DLT_* / LINKTYPE_* */
	uint16_t source;    /* index of the input it came from */
	const uint8_t *data;
	/* SIP parsed ahead by the reader (sip_early.h), or NULL.  The
	 * dissector may use it in place (store_sip_message() completes it). */
	struct sip_early *sip_early;
};

enum { IPPROTO_NUM_TCP = 6, IPPROTO_NUM_UDP = 17, IPPROTO_NUM_SCTP = 132 };

/* A transport-layer datagram the IP layer hands up (after reassembly). */
struct segment {
	const struct frame *frame; /* the frame that completed it */
	struct endpoint src, dst;  /* addresses; ports filled by UDP/TCP */
	uint8_t ipproto;           /* IPPROTO_NUM_* */
	bool cut;                  /* the IP datagram was not fully captured */
	struct view l4;            /* transport header + payload, as captured */
	uint32_t l4_len;           /* length the IP header claims for l4 */
	uint64_t frag_key;         /* reassembled from fragments: the key their
				      frames were held under (see
				      ip_layer_held_fragment()); 0 otherwise */
};

#endif
