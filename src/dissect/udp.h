/* udp.h - UDP (RFC 768) header decoding. */
#ifndef SIPMON_DISSECT_UDP_H
#define SIPMON_DISSECT_UDP_H

#include "dissect/anomaly.h"
#include "dissect/packet.h"

/* Fills the ports of seg->src/dst and the payload as captured.  *cut is set
 * when the payload the header claims was not all captured. */
enum anomaly udp_decode(struct segment *seg, struct view *payload, bool *cut);

#endif
