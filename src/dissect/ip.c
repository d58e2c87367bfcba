/* ip.c - IPv4 (RFC 791) and IPv6 (RFC 8200) decoding with extension
 * headers, fragment reassembly (ipfrag.c) and IP-in-IP tunnels (RFC 2003,
 * RFC 2473, RFC 4213); see ip.h.
 *
 * A packet and every packet tunnelled inside it are decoded by one loop,
 * not by recursion, so a crafted nesting costs no stack.  The path for an
 * unfragmented packet neither allocates nor copies: segments point into
 * the frame. */
#include "dissect/ip.h"

#include <stdlib.h>

#include "dissect/ipfrag.h"
#include "dissect/link.h"
#include "util/hash.h"
#include "util/xalloc.h"

/* Defaults, documented in sipmon.8.  30 s is Linux's ipfrag_time (RFC 8200
 * 4.5 lets a host wait 60 s; a sniffer that only watches need not hold
 * memory that long); 4 MiB holds about 2,800 MTU-sized fragments; four
 * tunnel levels is deeper than deployments nest while a crafted packet
 * still stops early. */
#define IP_DEFAULT_FRAG_MAX_BYTES ((size_t)4 * 1024 * 1024)
#define IP_DEFAULT_FRAG_MAX_DATAGRAMS 1024
#define IP_DEFAULT_FRAG_TIMEOUT_NS (30 * NS_PER_SEC)
#define IP_DEFAULT_MAX_TUNNEL_DEPTH 4

#define IP_VERSION_SHIFT 4
#define IP_MAX_PACKET 65535u      /* 16-bit length fields */
#define IP_FRAG_UNIT 8            /* fragment offsets count 8-octet units */

/* RFC 791 3.1 */
#define IPV4_VERSION 4
#define IPV4_IHL_MASK 0x0F
#define IPV4_IHL_UNIT 4           /* IHL counts 32-bit words */
#define IPV4_MIN_HEADER_LEN 20
#define IPV4_OFF_TOTAL_LEN 2
#define IPV4_OFF_ID 4
#define IPV4_OFF_FLAGS_FRAG 6
#define IPV4_OFF_PROTOCOL 9
#define IPV4_OFF_SRC 12
#define IPV4_OFF_DST 16
#define IPV4_ADDR_LEN 4
#define IPV4_FLAG_MF 0x2000
#define IPV4_FRAG_OFFSET_MASK 0x1FFF

/* RFC 8200 3 */
#define IPV6_VERSION 6
#define IPV6_HEADER_LEN 40
#define IPV6_OFF_PAYLOAD_LEN 4
#define IPV6_OFF_NEXT_HEADER 6
#define IPV6_OFF_SRC 8
#define IPV6_OFF_DST 24
#define IPV6_ADDR_LEN 16

/* Extension headers: every one starts with Next Header then a length. */
#define IPV6_EXT_OFF_NEXT 0
#define IPV6_EXT_OFF_LEN 1
#define IPV6_EXT_MIN_LEN 2
#define IPV6_EXT_LEN_UNIT 8       /* RFC 8200 4.3: 8-octet units after the first 8 */
#define IPV6_AH_LEN_UNIT 4        /* RFC 4302 2.2: 32-bit words, minus 2 */
#define IPV6_AH_LEN_BIAS 2
/* RFC 8200 4.5: Fragment header */
#define IPV6_FRAG_HEADER_LEN 8
#define IPV6_FRAG_OFF_OFFSET_FLAGS 2
#define IPV6_FRAG_OFF_ID 4
#define IPV6_FRAG_OFFSET_MASK 0xFFF8  /* already in bytes: units << 3 */
#define IPV6_FRAG_FLAG_M 0x0001
/* RFC 8200 4.1 orders at most seven extension headers (destination
 * options twice); more than twice that is not a real packet, and the
 * bound keeps a crafted chain from costing more than it must. */
#define IPV6_MAX_EXT_HEADERS 16

/* Protocol numbers (IANA) beyond those in packet.h. */
enum {
	IPPROTO_NUM_HOPOPTS = 0,
	IPPROTO_NUM_IPIP = 4,
	IPPROTO_NUM_IPV6 = 41,
	IPPROTO_NUM_ROUTING = 43,
	IPPROTO_NUM_FRAGMENT = 44,
	IPPROTO_NUM_AH = 51,
	IPPROTO_NUM_DSTOPTS = 60,
};

struct ip_layer {
	/* hot path first */
	struct ipfrag_table *frags;
	ip_deliver_fn deliver;
	void *ctx;
	struct anomaly_counters *anomalies;
	int max_tunnel_depth;
	struct ip_stats stats;
	uint64_t held_fragment;   /* key of the fragment the last frame left held */
};

/* The packet the decode loop is about to read. */
struct ip_cursor {
	struct view net;
	uint8_t family;   /* NETADDR_V4 / NETADDR_V6 */
	bool may_be_cut;  /* the bytes under net may stop short of what the
			     headers claim (snaplen), rather than be wrong */
	int depth;        /* IP-in-IP levels entered */
	/* A reassembled datagram net may point into; freed when replaced or
	 * when the loop ends. */
	struct ipfrag_datagram *owned;
	uint64_t frag_key;  /* set once the cursor reads a reassembled datagram */
};

/* What an IP header says its payload is. */
struct ip_payload {
	struct netaddr src, dst;
	uint8_t protocol;
	struct view bytes;  /* as captured */
	uint32_t claimed;   /* as the header says */
	bool cut;
};

enum ip_next { IP_NEXT_DONE, IP_NEXT_INNER };

void ip_limits_default(struct ip_limits *l)
{
	l->frag_max_bytes = IP_DEFAULT_FRAG_MAX_BYTES;
	l->frag_max_datagrams = IP_DEFAULT_FRAG_MAX_DATAGRAMS;
	l->frag_timeout_ns = IP_DEFAULT_FRAG_TIMEOUT_NS;
	l->max_tunnel_depth = IP_DEFAULT_MAX_TUNNEL_DEPTH;
}

struct ip_layer *ip_layer_new(const struct ip_limits *limits,
			      struct anomaly_counters *anomalies,
			      ip_deliver_fn deliver, void *ctx)
{
	struct ip_limits defaults;
	if (!limits) {
		ip_limits_default(&defaults);
		limits = &defaults;
	}
	struct ip_layer *ip = xcalloc(1, sizeof(*ip));
	ip->frags = ipfrag_table_new(limits, anomalies);
	ip->deliver = deliver;
	ip->ctx = ctx;
	ip->anomalies = anomalies;
	ip->max_tunnel_depth = limits->max_tunnel_depth > 0 ? limits->max_tunnel_depth : 0;
	return ip;
}

void ip_layer_free(struct ip_layer *ip)
{
	if (!ip)
		return;
	ipfrag_table_free(ip->frags);
	free(ip);
}

void ip_layer_expire(struct ip_layer *ip, int64_t now_ns)
{
	ipfrag_expire(ip->frags, now_ns);
}

void ip_layer_stats(const struct ip_layer *ip, struct ip_stats *out)
{
	*out = ip->stats;
	out->frag_bytes_pending = ipfrag_bytes_held(ip->frags);
	out->frag_datagrams_pending = ipfrag_datagrams_held(ip->frags);
}

static enum ip_next ip_reject(struct ip_layer *ip, enum anomaly why)
{
	anomaly_count(ip->anomalies, why);
	return IP_NEXT_DONE;
}

/* Makes a completed datagram the buffer the cursor reads from; the one it
 * replaces is no longer referenced once its fragment has been copied. */
static void cursor_own(struct ip_cursor *cur, struct ipfrag_datagram *dg)
{
	ipfrag_datagram_free(cur->owned);
	cur->owned = dg;
}

/* Hands a transport datagram up, or steps into an IP-in-IP tunnel. */
static enum ip_next ip_upper(struct ip_layer *ip, const struct frame *f,
			     struct ip_cursor *cur, const struct ip_payload *pl)
{
	switch (pl->protocol) {
	case IPPROTO_NUM_IPIP:
	case IPPROTO_NUM_IPV6:
		if (cur->depth >= ip->max_tunnel_depth)
			return ip_reject(ip, ANOMALY_IP_TUNNEL_DEPTH);
		cur->net = pl->bytes;
		cur->family = pl->protocol == IPPROTO_NUM_IPIP ? NETADDR_V4 : NETADDR_V6;
		cur->may_be_cut = pl->cut;
		cur->depth++;
		ip->stats.tunnelled++;
		return IP_NEXT_INNER;
	case IPPROTO_NUM_UDP:
	case IPPROTO_NUM_TCP:
	case IPPROTO_NUM_SCTP: {
		struct segment seg = {
			.frame = f,
			.src = { .ip = pl->src },
			.dst = { .ip = pl->dst },
			.ipproto = pl->protocol,
			.cut = pl->cut,
			.l4 = pl->bytes,
			.l4_len = pl->claimed,
			.frag_key = cur->frag_key,
		};
		ip->deliver(ip->ctx, &seg);
		return IP_NEXT_DONE;
	}
	default:
		/* ICMP, ESP, GRE, no next header, ...: not ours, not wrong. */
		return IP_NEXT_DONE;
	}
}

/* Applies the claimed length of a packet whose header is header_len bytes
 * of cur->net: trims link padding, marks a snaplen cut, and rejects a claim
 * the bytes cannot hold when nothing was cut. */
static bool ip_claim(struct ip_layer *ip, const struct ip_cursor *cur,
		     size_t header_len, uint32_t payload_claimed,
		     struct ip_payload *pl)
{
	pl->claimed = payload_claimed;
	pl->bytes = view_sub(cur->net, header_len, payload_claimed);
	pl->cut = pl->bytes.len < payload_claimed;
	if (pl->cut && !cur->may_be_cut) {
		anomaly_count(ip->anomalies, ANOMALY_IP_BAD_TOTAL_LEN);
		return false;
	}
	return true;
}

/* A nonzero name for a datagram's fragments (ip_layer_held_fragment). */
static uint64_t fragment_key_hash(const struct ipfrag_key *key)
{
	uint64_t h = hash_bytes(key->src.bytes, sizeof(key->src.bytes), key->src.family);
	h = hash_bytes(key->dst.bytes, sizeof(key->dst.bytes), h);
	h = hash_mix(h ^ ((uint64_t)key->id << 8) ^ key->protocol);
	return h ? h : 1;
}

/* Adds a fragment to reassembly; true (with the datagram owned by cur)
 * when it completed one. */
static bool ip_reassemble(struct ip_layer *ip, const struct frame *f,
			  struct ip_cursor *cur, const struct ipfrag_key *key,
			  const struct ipfrag_fragment *frag, bool cut)
{
	ip->stats.fragments++;
	if (cut) {
		anomaly_count(ip->anomalies, ANOMALY_FRAG_CUT);
		return false;
	}
	uint64_t held = fragment_key_hash(key);
	struct ipfrag_datagram *dg = ipfrag_insert(ip->frags, key, frag, f->ts_ns);
	if (!dg) {
		ip->held_fragment = held;
		return false;
	}
	ip->stats.reassembled++;
	cursor_own(cur, dg);
	cur->frag_key = held;
	return true;
}

/* RFC 791 3.1 (header), 3.2 (fragmentation). */
static enum ip_next ipv4_decode(struct ip_layer *ip, const struct frame *f,
				struct ip_cursor *cur)
{
	struct view v = cur->net;
	uint8_t version_ihl, protocol;
	uint16_t total_len, id, flags_frag;
	struct view src, dst;

	if (!view_u8(v, 0, &version_ihl))
		return ip_reject(ip, ANOMALY_IP_SHORT);
	if (version_ihl >> IP_VERSION_SHIFT != IPV4_VERSION)
		return ip_reject(ip, ANOMALY_IP_BAD_VERSION);
	size_t header_len = (size_t)(version_ihl & IPV4_IHL_MASK) * IPV4_IHL_UNIT;
	if (header_len < IPV4_MIN_HEADER_LEN)
		return ip_reject(ip, ANOMALY_IP_BAD_HEADER_LEN);
	if (!view_has(v, 0, header_len) ||
	    !view_be16(v, IPV4_OFF_TOTAL_LEN, &total_len) ||
	    !view_be16(v, IPV4_OFF_ID, &id) ||
	    !view_be16(v, IPV4_OFF_FLAGS_FRAG, &flags_frag) ||
	    !view_u8(v, IPV4_OFF_PROTOCOL, &protocol) ||
	    !view_slice(v, IPV4_OFF_SRC, IPV4_ADDR_LEN, &src) ||
	    !view_slice(v, IPV4_OFF_DST, IPV4_ADDR_LEN, &dst))
		return ip_reject(ip, ANOMALY_IP_SHORT);

	/* A total length of 0 is what TCP segmentation offload leaves in
	 * packets captured before the NIC splits them: trust the capture. */
	size_t claimed = total_len ? total_len : v.len;
	if (claimed < header_len)
		return ip_reject(ip, ANOMALY_IP_BAD_TOTAL_LEN);

	struct ip_payload pl = { .protocol = protocol };
	netaddr_set_v4(&pl.src, src.p);
	netaddr_set_v4(&pl.dst, dst.p);
	if (!ip_claim(ip, cur, header_len, (uint32_t)(claimed - header_len), &pl))
		return IP_NEXT_DONE;

	if (flags_frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) {
		struct ipfrag_key key = {
			.src = pl.src, .dst = pl.dst, .id = id, .protocol = protocol,
		};
		struct ipfrag_fragment frag = {
			.offset = (uint32_t)(flags_frag & IPV4_FRAG_OFFSET_MASK) * IP_FRAG_UNIT,
			.data = pl.bytes,
			.more = (flags_frag & IPV4_FLAG_MF) != 0,
			.max_end = (uint32_t)(IP_MAX_PACKET - header_len),
			.next_header = protocol,
		};
		if (!ip_reassemble(ip, f, cur, &key, &frag, pl.cut))
			return IP_NEXT_DONE;
		pl.bytes = view_make(cur->owned->data, cur->owned->len);
		pl.claimed = cur->owned->len;
		pl.cut = false;
	}
	return ip_upper(ip, f, cur, &pl);
}

/* Size of the extension header at the start of rest, by its own rules. */
static bool ipv6_ext_len(uint8_t header, struct view rest, size_t *len)
{
	uint8_t units;
	if (!view_u8(rest, IPV6_EXT_OFF_LEN, &units))
		return false;
	if (header == IPPROTO_NUM_AH)
		*len = ((size_t)units + IPV6_AH_LEN_BIAS) * IPV6_AH_LEN_UNIT;
	else
		*len = ((size_t)units + 1) * IPV6_EXT_LEN_UNIT;
	return true;
}

/* Walks the extension header chain (RFC 8200 4) of pl, starting with next,
 * up to the upper-layer header.  A fragment header hands the fragmentable
 * part to reassembly; a completed datagram is walked on from the Next
 * Header of its offset-0 fragment. */
static enum ip_next ipv6_walk(struct ip_layer *ip, const struct frame *f,
			      struct ip_cursor *cur, struct ip_payload *pl,
			      uint8_t next)
{
	bool first_header = true;   /* where hop-by-hop may stand (4.1) */
	bool fragmentable = true;   /* no fragment header inside a reassembly */
	size_t unfragmentable_len = 0;

	for (int headers = 0;; headers++) {
		size_t len;
		switch (next) {
		case IPPROTO_NUM_HOPOPTS:
			if (!first_header)
				return ip_reject(ip, ANOMALY_IP6_BAD_EXT);
			__attribute__((fallthrough));
		case IPPROTO_NUM_ROUTING:
		case IPPROTO_NUM_DSTOPTS:
		case IPPROTO_NUM_AH:
			if (pl->claimed < IPV6_EXT_MIN_LEN)
				return ip_reject(ip, ANOMALY_IP6_BAD_EXT);
			if (!ipv6_ext_len(next, pl->bytes, &len))
				return ip_reject(ip, ANOMALY_IP_SHORT);
			break;
		case IPPROTO_NUM_FRAGMENT:
			if (!fragmentable)
				return ip_reject(ip, ANOMALY_IP6_BAD_EXT);
			len = IPV6_FRAG_HEADER_LEN;
			break;
		default:
			pl->protocol = next;
			return ip_upper(ip, f, cur, pl);
		}
		if (headers == IPV6_MAX_EXT_HEADERS || len > pl->claimed)
			return ip_reject(ip, ANOMALY_IP6_BAD_EXT);

		uint8_t header = next;
		struct view ext;
		if (!view_slice(pl->bytes, 0, len, &ext) ||
		    !view_u8(ext, IPV6_EXT_OFF_NEXT, &next))
			return ip_reject(ip, ANOMALY_IP_SHORT);
		pl->bytes = view_from(pl->bytes, len);
		pl->claimed -= (uint32_t)len;
		first_header = false;
		if (header != IPPROTO_NUM_FRAGMENT) {
			unfragmentable_len += len;
			continue;
		}

		/* One fragment header per packet: after it the rest is either
		 * a whole packet (atomic) or a reassembled one. */
		fragmentable = false;
		uint16_t offset_flags;
		uint32_t id;
		if (!view_be16(ext, IPV6_FRAG_OFF_OFFSET_FLAGS, &offset_flags) ||
		    !view_be32(ext, IPV6_FRAG_OFF_ID, &id))
			return ip_reject(ip, ANOMALY_IP_SHORT);
		struct ipfrag_fragment frag = {
			.offset = offset_flags & IPV6_FRAG_OFFSET_MASK,
			.data = pl->bytes,
			.more = (offset_flags & IPV6_FRAG_FLAG_M) != 0,
			.max_end = (uint32_t)(IP_MAX_PACKET - unfragmentable_len),
			.next_header = next,
		};
		/* RFC 6946 4: an atomic fragment is processed as a whole
		 * packet, never mixed with a reassembly. */
		if (frag.offset == 0 && !frag.more)
			continue;
		struct ipfrag_key key = { .src = pl->src, .dst = pl->dst, .id = id };
		if (!ip_reassemble(ip, f, cur, &key, &frag, pl->cut))
			return IP_NEXT_DONE;
		pl->bytes = view_make(cur->owned->data, cur->owned->len);
		pl->claimed = cur->owned->len;
		pl->cut = false;
		next = cur->owned->next_header;
	}
}

/* RFC 8200 3. */
static enum ip_next ipv6_decode(struct ip_layer *ip, const struct frame *f,
				struct ip_cursor *cur)
{
	struct view v = cur->net;
	uint8_t first, next;
	uint16_t payload_len;
	struct view src, dst;

	if (!view_u8(v, 0, &first))
		return ip_reject(ip, ANOMALY_IP_SHORT);
	if (first >> IP_VERSION_SHIFT != IPV6_VERSION)
		return ip_reject(ip, ANOMALY_IP_BAD_VERSION);
	if (!view_be16(v, IPV6_OFF_PAYLOAD_LEN, &payload_len) ||
	    !view_u8(v, IPV6_OFF_NEXT_HEADER, &next) ||
	    !view_slice(v, IPV6_OFF_SRC, IPV6_ADDR_LEN, &src) ||
	    !view_slice(v, IPV6_OFF_DST, IPV6_ADDR_LEN, &dst))
		return ip_reject(ip, ANOMALY_IP_SHORT);

	/* Payload length 0 is a jumbogram (RFC 2675) or a segmentation
	 * offload capture: trust the capture, as for IPv4. */
	size_t claimed = payload_len ? payload_len : v.len - IPV6_HEADER_LEN;

	struct ip_payload pl = { 0 };
	netaddr_set_v6(&pl.src, src.p);
	netaddr_set_v6(&pl.dst, dst.p);
	if (!ip_claim(ip, cur, IPV6_HEADER_LEN, (uint32_t)claimed, &pl))
		return IP_NEXT_DONE;
	return ipv6_walk(ip, f, cur, &pl, next);
}

void ip_input(struct ip_layer *ip, const struct frame *f, struct view net,
	      uint16_t ethertype)
{
	struct ip_cursor cur = {
		.net = net,
		.may_be_cut = f->wirelen > f->caplen,
	};
	ip->held_fragment = 0;
	if (ethertype == ETHERTYPE_IPV4) {
		cur.family = NETADDR_V4;
	} else if (ethertype == ETHERTYPE_IPV6) {
		cur.family = NETADDR_V6;
	} else {
		ip->stats.not_ip++;
		return;
	}
	ipfrag_expire(ip->frags, f->ts_ns);

	enum ip_next next;
	do {
		if (cur.family == NETADDR_V4)
			next = ipv4_decode(ip, f, &cur);
		else
			next = ipv6_decode(ip, f, &cur);
	} while (next == IP_NEXT_INNER);
	ipfrag_datagram_free(cur.owned);
}

uint64_t ip_layer_held_fragment(const struct ip_layer *ip)
{
	return ip->held_fragment;
}

/* The fast path of the capture reader (dissect/sip_early.c): the header
 * checks of ip_input() for the plain case, nothing held or counted. */
bool ip_plain_transport(struct view net, uint8_t *protocol_out, struct view *l4, size_t *l4_len)
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
		    (flags_frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)))
			return false;
		/* A total length of 0 (segmentation offload): the capture. */
		claimed = len16 ? len16 : net.len;
	} else if (version_ihl >> IP_VERSION_SHIFT == IPV6_VERSION) {
		header_len = IPV6_HEADER_LEN;
		if (!view_has(net, 0, header_len) ||
		    !view_be16(net, IPV6_OFF_PAYLOAD_LEN, &len16) ||
		    !view_u8(net, IPV6_OFF_NEXT_HEADER, &protocol) ||
		    len16 == 0 /* jumbogram */)
			return false;
		claimed = header_len + len16;
	} else {
		return false;
	}
	if (claimed < header_len)
		return false;
	*l4 = view_sub(view_from(net, header_len), 0, claimed - header_len);
	*l4_len = claimed - header_len;
	*protocol_out = protocol;
	return true;
}
