/* sip_early.c - SIP over UDP parsed on the capture reader's thread (see
 * sip_early.h).  The walk to the UDP payload covers the plain case only
 * (RFC 791 3.1, RFC 8200 3, RFC 768); anything else is left to the
 * dissector, which never relies on this walk being right: it takes the
 * result only for the very payload bytes it finds itself. */
#include "dissect/sip_early.h"

#include "dissect/link.h"
#include "dissect/packet.h"

#define IP_VERSION_SHIFT 4
#define IPV4_VERSION 4
#define IPV4_IHL_MASK 0x0F
#define IPV4_IHL_UNIT 4           /* IHL counts 32-bit words */
#define IPV4_MIN_HEADER_LEN 20
#define IPV4_OFF_TOTAL_LEN 2
#define IPV4_OFF_FLAGS_FRAG 6
#define IPV4_OFF_PROTOCOL 9
#define IPV4_FLAG_MF 0x2000
#define IPV4_FRAG_OFFSET_MASK 0x1FFF
#define IPV6_VERSION 6
#define IPV6_HEADER_LEN 40
#define IPV6_OFF_PAYLOAD_LEN 4
#define IPV6_OFF_NEXT_HEADER 6
#define UDP_HEADER_LEN 8
#define UDP_OFF_LENGTH 4

/* The transport bytes of an unfragmented IPv4 or IPv6 packet carrying UDP,
 * bounded like the IP layer bounds them: by the length the header claims
 * (l4_len) and by what was captured. */
static bool udp_datagram(struct view net, struct view *l4, size_t *l4_len)
{
	uint8_t version_ihl, protocol;
	uint16_t len16, flags_frag;
	if (!view_u8(net, 0, &version_ihl))
		return false;
	size_t header_len, claimed;
	if (version_ihl >> IP_VERSION_SHIFT == IPV4_VERSION) {
		header_len = (size_t)(version_ihl & IPV4_IHL_MASK) * IPV4_IHL_UNIT;
		if (header_len < IPV4_MIN_HEADER_LEN || !view_has(net, 0, header_len) ||
		    !view_be16(net, IPV4_OFF_TOTAL_LEN, &len16) ||
		    !view_be16(net, IPV4_OFF_FLAGS_FRAG, &flags_frag) ||
		    !view_u8(net, IPV4_OFF_PROTOCOL, &protocol) ||
		    protocol != IPPROTO_NUM_UDP ||
		    (flags_frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)))
			return false;
		/* A total length of 0 (segmentation offload): the capture. */
		claimed = len16 ? len16 : net.len;
	} else if (version_ihl >> IP_VERSION_SHIFT == IPV6_VERSION) {
		header_len = IPV6_HEADER_LEN;
		if (!view_has(net, 0, header_len) ||
		    !view_be16(net, IPV6_OFF_PAYLOAD_LEN, &len16) ||
		    !view_u8(net, IPV6_OFF_NEXT_HEADER, &protocol) ||
		    protocol != IPPROTO_NUM_UDP || len16 == 0 /* jumbogram */)
			return false;
		claimed = header_len + len16;
	} else {
		return false;
	}
	if (claimed < header_len)
		return false;
	*l4 = view_sub(view_from(net, header_len), 0, claimed - header_len);
	*l4_len = claimed - header_len;
	return true;
}

bool sip_early_payload(int linktype, struct view frame, struct view *payload)
{
	struct view net, l4;
	uint16_t ethertype, length;
	size_t l4_len;
	if (link_decode(linktype, frame, &net, &ethertype) != ANOMALY_NONE ||
	    (ethertype != ETHERTYPE_IPV4 && ethertype != ETHERTYPE_IPV6) ||
	    !udp_datagram(net, &l4, &l4_len) ||
	    !view_be16(l4, UDP_OFF_LENGTH, &length) || !view_has(l4, 0, UDP_HEADER_LEN) ||
	    length < UDP_HEADER_LEN || length > l4_len)
		return false;
	*payload = view_sub(l4, UDP_HEADER_LEN, (size_t)length - UDP_HEADER_LEN);
	return sip_looks_like(*payload);
}

void sip_early_parse(struct view payload, struct sip_early *out)
{
	out->payload = payload;
	out->result = sip_parse_fast(payload, &out->msg);
}
