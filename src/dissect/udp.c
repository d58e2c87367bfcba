/* udp.c - UDP header decoding (RFC 768), see udp.h.  The checksum is never
 * verified: captures taken on the sending host carry it unset (offload). */
#include "dissect/udp.h"

#define UDP_HEADER_LEN 8
#define UDP_OFF_SRC_PORT 0
#define UDP_OFF_DST_PORT 2
#define UDP_OFF_LENGTH 4

enum anomaly udp_decode(struct segment *seg, struct view *payload, bool *cut)
{
	uint16_t src_port, dst_port, length;
	*payload = view_empty();
	*cut = false;

	if (!view_has(seg->l4, 0, UDP_HEADER_LEN) ||
	    !view_be16(seg->l4, UDP_OFF_SRC_PORT, &src_port) ||
	    !view_be16(seg->l4, UDP_OFF_DST_PORT, &dst_port) ||
	    !view_be16(seg->l4, UDP_OFF_LENGTH, &length))
		return ANOMALY_UDP_SHORT;
	seg->src.port = src_port;
	seg->dst.port = dst_port;

	/* RFC 768: the length counts header and data, so it is at least 8;
	 * it cannot exceed what the IP layer says it carries.  A shorter
	 * length than the IP payload leaves trailing bytes we ignore. */
	if (length < UDP_HEADER_LEN || length > seg->l4_len)
		return ANOMALY_UDP_BAD_LEN;

	size_t claimed = (size_t)length - UDP_HEADER_LEN;
	*payload = view_sub(seg->l4, UDP_HEADER_LEN, claimed);
	*cut = payload->len < claimed;
	return ANOMALY_NONE;
}
