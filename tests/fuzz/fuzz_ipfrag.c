/* fuzz_ipfrag.c - libFuzzer harness for the IP layer (ip.h) with fragment
 * reassembly (ipfrag.h) and tunnels, under tiny limits.
 *
 * Input layout (every field read with fuzz.h, short input reads zeros):
 *   u8  mode      bit 0: checked payload (below); bits 1-2: limits variant
 *   records until the input ends:
 *   u8  sel       bit 0 raw record, bit 1 IPv6, bits 2-3 datagram id,
 *                 bit 4 more-fragments flag, bits 5-7 capture-time step
 *   built record: be16 fragment offset (8-octet units, 13 bits), u8
 *                 protocol (checked mode: always UDP), be16 payload length
 *                 (mod 2048), u8 bytes cut off by the snaplen (unchecked
 *                 mode only), then (unchecked mode only) the payload
 *   raw record:   be16 length (mod 4096), then that many bytes from the
 *                 IP header on; bit 4 of sel marks the frame as cut
 *
 * In checked mode every payload byte is a function of its offset in the
 * datagram, so whatever the IP layer hands up, reassembled or not, must
 * read back as that function from offset 0: no fragment misplaced, no
 * stale bytes.  After every packet the reassembly must respect its
 * limits. */
#include "fuzz.h"

#include "dissect/ip.h"
#include "dissect/link.h"

enum { MODE_CHECKED = 0x01, MODE_LIMITS_SHIFT = 1, MODE_LIMITS_MASK = 0x3 };
enum {
	SEL_RAW = 0x01, SEL_V6 = 0x02, SEL_ID_SHIFT = 2, SEL_ID_MASK = 0x3,
	SEL_MORE = 0x10, SEL_TIME_SHIFT = 5,
};

#define IPV4_HEADER_LEN 20
#define IPV6_HEADER_LEN 40
#define IPV6_FRAG_HEADER_LEN 8
#define IPPROTO_FRAGMENT 44
#define IPV4_FLAG_MF 0x2000
#define FRAG_OFFSET_MASK 0x1FFF
#define PAYLOAD_MAX 2048
#define RAW_MAX 4096
#define FRAME_CUT_EXTRA 100
#define T0 (1700000000LL * NS_PER_SEC)

struct harness {
	bool checked;
	struct ip_limits limits;
	uint64_t delivered;
};

static void limits_variant(unsigned v, struct ip_limits *l)
{
	ip_limits_default(l);
	switch (v) {
	case 0:
		l->frag_max_bytes = 1024;
		l->frag_max_datagrams = 2;
		l->frag_timeout_ns = 1 * NS_PER_SEC;
		l->max_tunnel_depth = 1;
		break;
	case 1:
		l->frag_max_bytes = 4096;
		l->frag_max_datagrams = 4;
		l->frag_timeout_ns = 5 * NS_PER_SEC;
		l->max_tunnel_depth = 2;
		break;
	case 2:
		break; /* the defaults */
	default:
		l->frag_max_bytes = 8;
		l->frag_max_datagrams = 1;
		l->frag_timeout_ns = 1;
		l->max_tunnel_depth = 0;
		break;
	}
}

/* Mostly simultaneous, some past every timeout above, one backwards. */
static int64_t time_step(unsigned code)
{
	if (code < 4)
		return 0;
	if (code < 6)
		return 10 * NS_PER_MS;
	if (code == 6)
		return 31 * NS_PER_SEC;
	return -1 * NS_PER_SEC;
}

/* The byte at offset pos of every checked datagram (a multiplicative hash,
 * so a block put 8 or 256 bytes off shows). */
static uint8_t pattern(uint32_t pos)
{
	return (uint8_t)((pos * 2654435761u) >> 24);
}

static void on_segment(void *ctx, const struct segment *seg)
{
	struct harness *h = ctx;
	h->delivered++;
	FUZZ_CHECK(seg->frame != NULL);
	FUZZ_CHECK(seg->ipproto == IPPROTO_NUM_UDP || seg->ipproto == IPPROTO_NUM_TCP ||
		   seg->ipproto == IPPROTO_NUM_SCTP);
	FUZZ_CHECK(seg->src.ip.family == NETADDR_V4 || seg->src.ip.family == NETADDR_V6);
	FUZZ_CHECK(seg->src.ip.family == seg->dst.ip.family);
	FUZZ_CHECK(seg->l4.len <= seg->l4_len);
	FUZZ_CHECK(seg->cut == (seg->l4.len < seg->l4_len));
	fuzz_touch(seg->l4);
	if (h->checked) {
		FUZZ_CHECK(!seg->cut);
		for (size_t i = 0; i < seg->l4.len; i++)
			FUZZ_CHECK(seg->l4.p[i] == pattern((uint32_t)i));
	}
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

/* A fragment (or whole packet) of datagram id, built from a few fuzzer
 * bytes; *wirelen says how long it was before the snaplen. */
static struct view build_packet(struct harness *h, struct fuzz_input *in, uint8_t sel,
				uint32_t *wirelen)
{
	bool v6 = (sel & SEL_V6) != 0;
	bool more = (sel & SEL_MORE) != 0;
	uint16_t id = (uint16_t)(0x4242 + ((sel >> SEL_ID_SHIFT) & SEL_ID_MASK));
	uint16_t units = fuzz_be16(in) & FRAG_OFFSET_MASK;
	uint8_t protocol = fuzz_u8(in);
	size_t len = fuzz_be16(in) % PAYLOAD_MAX;
	uint8_t cut = 0;
	struct view payload = view_empty();
	if (h->checked) {
		protocol = IPPROTO_NUM_UDP;
	} else {
		cut = fuzz_u8(in);
		payload = fuzz_bytes(in, len);
		len = payload.len;
	}

	size_t header_len = v6 ? IPV6_HEADER_LEN + IPV6_FRAG_HEADER_LEN : IPV4_HEADER_LEN;
	uint8_t *p = calloc(1, header_len + len);
	if (!p)
		abort();
	if (v6) {
		p[0] = 0x60;
		put_be16(p + 4, (uint16_t)(IPV6_FRAG_HEADER_LEN + len + cut));
		p[6] = IPPROTO_FRAGMENT;
		p[7] = 64; /* hop limit */
		p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
		p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 2;
		uint8_t *fh = p + IPV6_HEADER_LEN;
		fh[0] = protocol;
		put_be16(fh + 2, (uint16_t)((units << 3) | (more ? 1 : 0)));
		put_be32(fh + 4, id);
	} else {
		p[0] = 0x45;
		put_be16(p + 2, (uint16_t)(IPV4_HEADER_LEN + len + cut));
		put_be16(p + 4, id);
		put_be16(p + 6, (uint16_t)(units | (more ? IPV4_FLAG_MF : 0)));
		p[8] = 64; /* TTL */
		p[9] = protocol;
		p[12] = 192, p[13] = 0, p[14] = 2, p[15] = 1;
		p[16] = 192, p[17] = 0, p[18] = 2, p[19] = 2;
	}
	for (size_t i = 0; i < len; i++)
		p[header_len + i] = h->checked ? pattern((uint32_t)(units * 8u + i)) : payload.p[i];
	*wirelen = (uint32_t)(header_len + len + cut);
	return view_make(p, header_len + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct harness h = { 0 };
	uint8_t mode = fuzz_u8(&in);
	h.checked = (mode & MODE_CHECKED) != 0;
	limits_variant((mode >> MODE_LIMITS_SHIFT) & MODE_LIMITS_MASK, &h.limits);

	struct anomaly_counters anomalies = { { 0 } };
	struct ip_layer *ip = ip_layer_new(&h.limits, &anomalies, on_segment, &h);
	struct frame f = { .ts_ns = T0, .linktype = 101 /* LINKTYPE_RAW */ };

	while (!fuzz_done(&in)) {
		uint8_t sel = fuzz_u8(&in);
		f.ts_ns += time_step(sel >> SEL_TIME_SHIFT);
		f.number++;
		struct view net;
		uint32_t wirelen;
		if ((sel & SEL_RAW) && !h.checked) {
			net = fuzz_dup(fuzz_bytes(&in, fuzz_be16(&in) % RAW_MAX));
			wirelen = (uint32_t)net.len + ((sel & SEL_MORE) ? FRAME_CUT_EXTRA : 0);
		} else {
			net = build_packet(&h, &in, sel, &wirelen);
		}
		f.caplen = (uint32_t)net.len;
		f.wirelen = wirelen;
		f.data = net.p;
		ip_input(ip, &f, net, (sel & SEL_V6) ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
		fuzz_free(net);

		struct ip_stats stats;
		ip_layer_stats(ip, &stats);
		FUZZ_CHECK(stats.frag_bytes_pending <= h.limits.frag_max_bytes);
		FUZZ_CHECK(stats.frag_datagrams_pending <= h.limits.frag_max_datagrams);
		FUZZ_CHECK(stats.reassembled <= stats.fragments);
	}

	ip_layer_expire(ip, INT64_MAX);
	struct ip_stats stats;
	ip_layer_stats(ip, &stats);
	FUZZ_CHECK(stats.frag_bytes_pending == 0 && stats.frag_datagrams_pending == 0);
	ip_layer_free(ip);
	return 0;
}
