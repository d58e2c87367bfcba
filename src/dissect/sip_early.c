/* sip_early.c - SIP over UDP parsed on the capture reader's thread (see
 * sip_early.h).  The walk to the UDP payload covers the plain case only
 * (RFC 791 3.1, RFC 8200 3, RFC 768); anything else is left to the
 * dissector, which never relies on this walk being right: it takes the
 * result only for the very payload bytes it finds itself. */
#include "dissect/sip_early.h"

#include "dissect/ip.h"
#include "dissect/link.h"
#include "dissect/packet.h"
#include "dissect/udp.h"

bool sip_early_payload(int linktype, struct view frame, struct view *payload)
{
	struct view net;
	uint16_t ethertype;
	struct segment seg = { .ipproto = 0 };
	size_t l4_len;
	bool cut;
	if (link_decode(linktype, frame, &net, &ethertype) != ANOMALY_NONE ||
	    (ethertype != ETHERTYPE_IPV4 && ethertype != ETHERTYPE_IPV6) ||
	    !ip_plain_transport(net, &seg.ipproto, &seg.l4, &l4_len) ||
	    seg.ipproto != IPPROTO_NUM_UDP)
		return false;
	seg.l4_len = (uint32_t)l4_len;
	if (udp_decode(&seg, payload, &cut) != ANOMALY_NONE)
		return false;
	return sip_looks_like(*payload);
}

void sip_early_parse(struct view payload, struct sip_early *out)
{
	out->payload = payload;
	out->result = sip_parse_fast(payload, &out->msg);
}
