/* link.c - link-layer decoding: Ethernet II with 802.1Q / 802.1ad tags,
 * Linux cooked capture v1 and v2, BSD NULL and LOOP, raw IP (see link.h).
 * Header layouts follow the tcpdump.org LINKTYPE_ pages. */
#include "dissect/link.h"

#include <pcap/dlt.h>

/* Values a saved file carries that <pcap/dlt.h> spells differently (or not
 * at all) on this platform: pcap_datalink() maps LINKTYPE_RAW to DLT_RAW
 * (12 on Linux, 14 on BSD/OS and OpenBSD) and LINKTYPE_LOOP to DLT_LOOP
 * (12 on OpenBSD), but a caller may hand us the file's number untouched. */
#define LINKTYPE_RAW 101
#define LINKTYPE_LOOP 108
#define DLT_RAW_BSDOS 14
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* IEEE 802.3 clause 3.2.6: a type field below this value is a length. */
#define ETHERTYPE_MIN 0x0600
#define ETHERTYPE_VLAN 0x8100     /* IEEE 802.1Q customer tag */
#define ETHERTYPE_QINQ 0x88A8     /* IEEE 802.1ad service tag */
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-802.1ad vendor QinQ tag */

#define ETHER_ADDRS_LEN 12        /* destination + source MAC */
#define ETHER_HEADER_LEN 14
#define VLAN_TCI_LEN 2            /* after a tag's TPID: TCI, then next type */
#define VLAN_TAG_BODY_LEN 4       /* TCI + encapsulated type */

/* LINKTYPE_LINUX_SLL: packet type, ARPHRD, address length, 8-byte address,
 * protocol (offset 14). */
#define SLL_PROTOCOL_OFFSET 14
#define SLL_HEADER_LEN 16
/* LINKTYPE_LINUX_SLL2: protocol (offset 0), reserved, interface index,
 * ARPHRD, packet type, address length, 8-byte address. */
#define SLL2_PROTOCOL_OFFSET 0
#define SLL2_HEADER_LEN 20

/* LINKTYPE_NULL / LINKTYPE_LOOP: a 4-byte address family. */
#define NULL_HEADER_LEN 4
/* A real family fits in 16 bits; set upper bits mean the writer's byte
 * order was the other one. */
#define NULL_FAMILY_MAX 0xFFFF
#define BSD_AF_INET 2
#define LINUX_AF_INET6 10
#define NETBSD_OPENBSD_AF_INET6 24
#define FREEBSD_AF_INET6 28
#define DARWIN_AF_INET6 30

#define IP_VERSION_SHIFT 4
#define IP_VERSION_4 4
#define IP_VERSION_6 6

enum link_kind {
	LINK_ETHERNET,
	LINK_SLL,
	LINK_SLL2,
	LINK_NULL,
	LINK_LOOP,
	LINK_RAW,
	LINK_IPV4,
	LINK_IPV6,
};

/* First match wins, so a number that means RAW on one platform and LOOP on
 * another resolves through this platform's DLT_ constant.  Commonest first:
 * the lookup runs for every frame. */
static const struct {
	int linktype;
	enum link_kind kind;
} link_table[] = {
	{ DLT_EN10MB, LINK_ETHERNET },
	{ DLT_LINUX_SLL, LINK_SLL },
	{ DLT_LINUX_SLL2, LINK_SLL2 },
	{ DLT_RAW, LINK_RAW },
	{ DLT_LOOP, LINK_LOOP },
	{ DLT_NULL, LINK_NULL },
	{ LINKTYPE_RAW, LINK_RAW },
	{ DLT_RAW_BSDOS, LINK_RAW },
	{ LINKTYPE_LOOP, LINK_LOOP },
	{ DLT_IPV4, LINK_IPV4 },
	{ DLT_IPV6, LINK_IPV6 },
};

static bool link_kind_of(int linktype, enum link_kind *kind)
{
	for (size_t i = 0; i < sizeof(link_table) / sizeof(link_table[0]); i++) {
		if (link_table[i].linktype == linktype) {
			*kind = link_table[i].kind;
			return true;
		}
	}
	return false;
}

bool link_supported(int linktype)
{
	enum link_kind kind;
	return link_kind_of(linktype, &kind);
}

static bool is_vlan_tpid(uint16_t type)
{
	return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
	       type == ETHERTYPE_QINQ_OLD;
}

/* Reports the network layer that starts at payload_off and carries type,
 * or ethertype 0 for anything that is not IP. */
static enum anomaly link_deliver(struct view frame, size_t payload_off,
				 uint16_t type, struct view *net,
				 uint16_t *ethertype)
{
	*net = view_from(frame, payload_off);
	*ethertype = (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6) ? type : 0;
	return ANOMALY_NONE;
}

/* Follows stacked VLAN tags (IEEE 802.1Q-2018 clause 9).  type was read
 * from the link header and payload_off is where its payload starts; each
 * tag's payload is its TCI then the next type. */
static enum anomaly ethertype_resolve(struct view frame, uint16_t type,
				      size_t payload_off, struct view *net,
				      uint16_t *ethertype)
{
	for (int tags = 0; is_vlan_tpid(type); tags++) {
		if (tags == LINK_MAX_VLAN_TAGS)
			return ANOMALY_LINK_VLAN_DEPTH;
		if (!view_be16(frame, payload_off + VLAN_TCI_LEN, &type))
			return ANOMALY_LINK_SHORT;
		payload_off += VLAN_TAG_BODY_LEN;
	}
	return link_deliver(frame, payload_off, type, net, ethertype);
}

static enum anomaly ethernet_decode(struct view frame, struct view *net,
				    uint16_t *ethertype)
{
	uint16_t type;
	if (!view_be16(frame, ETHER_ADDRS_LEN, &type))
		return ANOMALY_LINK_SHORT;
	/* An 802.3 length field: LLC follows, never IP as we decode it. */
	if (type < ETHERTYPE_MIN)
		return link_deliver(frame, ETHER_HEADER_LEN, 0, net, ethertype);
	return ethertype_resolve(frame, type, ETHER_HEADER_LEN, net, ethertype);
}

/* The protocol field of both cooked headers is an Ethernet type when it is
 * one at all (values below ETHERTYPE_MIN name 802.2 / 802.3 framings). */
static enum anomaly cooked_decode(struct view frame, size_t protocol_off,
				  size_t header_len, struct view *net,
				  uint16_t *ethertype)
{
	uint16_t type;
	if (!view_has(frame, 0, header_len) ||
	    !view_be16(frame, protocol_off, &type))
		return ANOMALY_LINK_SHORT;
	return ethertype_resolve(frame, type, header_len, net, ethertype);
}

static uint16_t ethertype_of_bsd_family(uint32_t family)
{
	switch (family) {
	case BSD_AF_INET:
		return ETHERTYPE_IPV4;
	case LINUX_AF_INET6:
	case NETBSD_OPENBSD_AF_INET6:
	case FREEBSD_AF_INET6:
	case DARWIN_AF_INET6:
		return ETHERTYPE_IPV6;
	default:
		return 0;
	}
}

/* LINKTYPE_NULL holds the family in the byte order of the host that wrote
 * the capture, which need not be ours or the reader's: accept both. */
static enum anomaly null_decode(struct view frame, struct view *net,
				uint16_t *ethertype)
{
	uint32_t little, big;
	if (!view_le32(frame, 0, &little) || !view_be32(frame, 0, &big))
		return ANOMALY_LINK_SHORT;
	uint32_t family = little <= NULL_FAMILY_MAX ? little : big;
	return link_deliver(frame, NULL_HEADER_LEN,
			    ethertype_of_bsd_family(family), net, ethertype);
}

/* LINKTYPE_LOOP is LINKTYPE_NULL with the family in network byte order. */
static enum anomaly loop_decode(struct view frame, struct view *net,
				uint16_t *ethertype)
{
	uint32_t family;
	if (!view_be32(frame, 0, &family))
		return ANOMALY_LINK_SHORT;
	return link_deliver(frame, NULL_HEADER_LEN,
			    ethertype_of_bsd_family(family), net, ethertype);
}

/* Raw IP names no family: the version nibble (RFC 791, RFC 8200) does. */
static enum anomaly raw_decode(struct view frame, struct view *net,
			       uint16_t *ethertype)
{
	uint8_t first;
	if (!view_u8(frame, 0, &first))
		return ANOMALY_LINK_SHORT;
	switch (first >> IP_VERSION_SHIFT) {
	case IP_VERSION_4:
		return link_deliver(frame, 0, ETHERTYPE_IPV4, net, ethertype);
	case IP_VERSION_6:
		return link_deliver(frame, 0, ETHERTYPE_IPV6, net, ethertype);
	default:
		return ANOMALY_IP_BAD_VERSION;
	}
}

enum anomaly link_decode(int linktype, struct view frame, struct view *net,
			 uint16_t *ethertype)
{
	enum link_kind kind;
	*net = view_empty();
	*ethertype = 0;
	if (!link_kind_of(linktype, &kind))
		return ANOMALY_LINK_UNSUPPORTED;

	switch (kind) {
	case LINK_ETHERNET:
		return ethernet_decode(frame, net, ethertype);
	case LINK_SLL:
		return cooked_decode(frame, SLL_PROTOCOL_OFFSET, SLL_HEADER_LEN,
				     net, ethertype);
	case LINK_SLL2:
		return cooked_decode(frame, SLL2_PROTOCOL_OFFSET,
				     SLL2_HEADER_LEN, net, ethertype);
	case LINK_NULL:
		return null_decode(frame, net, ethertype);
	case LINK_LOOP:
		return loop_decode(frame, net, ethertype);
	case LINK_RAW:
		return raw_decode(frame, net, ethertype);
	case LINK_IPV4:
		return link_deliver(frame, 0, ETHERTYPE_IPV4, net, ethertype);
	case LINK_IPV6:
		return link_deliver(frame, 0, ETHERTYPE_IPV6, net, ethertype);
	}
	return ANOMALY_LINK_UNSUPPORTED;
}
