/* link.h - link-layer decoding: from a captured frame to its IP packet.
 * Ethernet II (802.1Q, 802.1ad/QinQ), Linux cooked v1/v2, BSD NULL/LOOP,
 * RAW, IPv4, IPv6. */
#ifndef SIPMON_DISSECT_LINK_H
#define SIPMON_DISSECT_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect/anomaly.h"
#include "util/view.h"

enum { ETHERTYPE_IPV4 = 0x0800, ETHERTYPE_IPV6 = 0x86DD };

/* VLAN tags (802.1Q, 802.1ad, 0x9100) followed in one frame; deeper stacks
 * are counted as ANOMALY_LINK_VLAN_DEPTH.  Real QinQ uses two or three. */
#define LINK_MAX_VLAN_TAGS 8

/* True for the link types link_decode() understands. */
bool link_supported(int linktype);

/* Strips the link header of frame.  On ANOMALY_NONE, *net is the network
 * layer and *ethertype is ETHERTYPE_IPV4/IPV6, or 0 for a frame that
 * carries something else (ARP, ...: not an anomaly, just not ours). */
enum anomaly link_decode(int linktype, struct view frame, struct view *net,
			 uint16_t *ethertype);

#endif
