/* test_ip.c - ip_input() and udp_decode(): IPv4 and IPv6 headers,
 * extension headers, fragment reassembly and its limits, IP-in-IP, snaplen
 * cuts and UDP length checks.  Packets are built byte by byte here. */
#include <check.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/anomaly.h"
#include "dissect/ip.h"
#include "dissect/link.h"
#include "dissect/packet.h"
#include "dissect/udp.h"
#include "util/netaddr.h"

#define IP_MAX 65535
#define IPV4_MF 0x2000
#define PROTO_HOPOPTS 0
#define PROTO_ICMP 1
#define PROTO_IPIP 4
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_IPV6 41
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_GRE 47
#define PROTO_AH 51
#define PROTO_NONE 59
#define PROTO_DSTOPTS 60
#define PROTO_SCTP 132
#define DLT_RAW_LINUX 12
#define SIP_PORT 5060
#define SIP_PORT_2 5062

static const uint8_t v4_a[4] = { 192, 0, 2, 1 };
static const uint8_t v4_b[4] = { 192, 0, 2, 2 };
static const uint8_t v4_c[4] = { 198, 51, 100, 7 };
static const uint8_t v4_tun_a[4] = { 203, 0, 113, 1 };
static const uint8_t v4_tun_b[4] = { 203, 0, 113, 2 };
static const uint8_t v6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* ---- packet building ------------------------------------------------- */

struct buf {
	uint8_t b[IP_MAX + 1024];
	size_t len;
};

#define SCRATCH_BUFS 6
static struct buf scratch_pool[SCRATCH_BUFS];

static struct buf *scratch(int i)
{
	scratch_pool[i].len = 0;
	return &scratch_pool[i];
}

static void put(struct buf *b, const void *p, size_t n)
{
	ck_assert_uint_le(b->len + n, sizeof(b->b));
	if (n)
		memcpy(b->b + b->len, p, n);
	b->len += n;
}

static void put_u8(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_be16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(b, x, sizeof(x));
}

static void put_be32(struct buf *b, uint32_t v)
{
	put_be16(b, (uint16_t)(v >> 16));
	put_be16(b, (uint16_t)v);
}

static void put_fill(struct buf *b, uint8_t value, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_u8(b, value);
}

static void set_be16(struct buf *b, size_t off, uint16_t v)
{
	ck_assert_uint_le(off + 2, b->len);
	b->b[off] = (uint8_t)(v >> 8);
	b->b[off + 1] = (uint8_t)v;
}

/* Recognisable payload bytes: 'a' + i mod 26, shifted by seed. */
static void put_text(struct buf *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		put_u8(b, (uint8_t)('a' + (i + seed) % 26));
}

static void udp_append(struct buf *b, uint16_t sport, uint16_t dport,
		       const uint8_t *payload, size_t len)
{
	put_be16(b, sport);
	put_be16(b, dport);
	put_be16(b, (uint16_t)(8 + len));
	put_be16(b, 0); /* checksum: never checked */
	put(b, payload, len);
}

/* A UDP datagram of payload_len text bytes. */
static struct buf *udp_datagram(int slot, size_t payload_len, uint8_t seed)
{
	struct buf *text = scratch(SCRATCH_BUFS - 1);
	put_text(text, payload_len, seed);
	struct buf *d = scratch(slot);
	udp_append(d, SIP_PORT, SIP_PORT_2, text->b, text->len);
	return d;
}

static void ipv4_append(struct buf *b, const uint8_t src[4], const uint8_t dst[4],
			uint8_t proto, uint16_t id, uint16_t flags_frag,
			size_t options_len, const uint8_t *payload, size_t len)
{
	size_t header_len = 20 + options_len;
	ck_assert_uint_eq(options_len % 4, 0);
	put_u8(b, (uint8_t)(0x40 | header_len / 4));
	put_u8(b, 0);                            /* DSCP/ECN */
	put_be16(b, (uint16_t)(header_len + len));
	put_be16(b, id);
	put_be16(b, flags_frag);
	put_u8(b, 64);                           /* TTL */
	put_u8(b, proto);
	put_be16(b, 0);                          /* checksum: never checked */
	put(b, src, 4);
	put(b, dst, 4);
	for (size_t i = 0; i < options_len; i++)
		put_u8(b, i + 1 < options_len ? 1 : 0); /* NOPs, then EOL */
	put(b, payload, len);
}

static void ipv6_append(struct buf *b, const uint8_t src[16], const uint8_t dst[16],
			uint8_t next, const uint8_t *payload, size_t len)
{
	put_be32(b, 0x60000000);
	put_be16(b, (uint16_t)len);
	put_u8(b, next);
	put_u8(b, 64);                           /* hop limit */
	put(b, src, 16);
	put(b, dst, 16);
	put(b, payload, len);
}

/* A hop-by-hop / routing / destination options header of len bytes. */
static void ext_append(struct buf *b, uint8_t next, size_t len)
{
	ck_assert_uint_eq(len % 8, 0);
	put_u8(b, next);
	put_u8(b, (uint8_t)(len / 8 - 1));
	put_fill(b, 0, len - 2);                 /* Pad1 options */
}

static void ah_append(struct buf *b, uint8_t next, uint8_t len_field)
{
	put_u8(b, next);
	put_u8(b, len_field);
	put_fill(b, 0xA5, ((size_t)len_field + 2) * 4 - 2);
}

static void frag6_append(struct buf *b, uint8_t next, uint32_t offset, bool more,
			 uint32_t id)
{
	put_u8(b, next);
	put_u8(b, 0);
	put_be16(b, (uint16_t)(offset | (more ? 1 : 0)));
	put_be32(b, id);
}

/* An IPv4 fragment of whole[from, to) between v4_a and v4_b. */
static struct buf *frag4(int slot, uint16_t id, uint8_t proto,
			 const struct buf *whole, size_t from, size_t to, bool more)
{
	struct buf *b = scratch(slot);
	ipv4_append(b, v4_a, v4_b, proto, id,
		    (uint16_t)((more ? IPV4_MF : 0) | from / 8), 0,
		    whole->b + from, to - from);
	return b;
}

/* ---- the layer under test -------------------------------------------- */

#define MAX_DELIVERED 4
#define MAX_FRAMES 64

struct delivered_seg {
	const struct frame *frame;
	struct endpoint src, dst;
	uint8_t ipproto;
	bool cut;
	uint32_t l4_len;
	size_t l4_captured;
	uint8_t l4[IP_MAX];
};

/* The first MAX_DELIVERED segments are recorded; n_delivered counts all. */
static struct delivered_seg delivered[MAX_DELIVERED];
static int n_delivered;
static struct frame frames[MAX_FRAMES];
static int n_frames;
static struct anomaly_counters anomalies;
static struct ip_layer *layer;

static void on_segment(void *ctx, const struct segment *seg)
{
	ck_assert_ptr_eq(ctx, &delivered);
	ck_assert_uint_le(seg->l4.len, sizeof(delivered[0].l4));
	ck_assert_uint_le(seg->l4.len, seg->l4_len);
	ck_assert_uint_eq(seg->src.port, 0);
	ck_assert_uint_eq(seg->dst.port, 0);
	if (n_delivered >= MAX_DELIVERED) {
		n_delivered++;
		return;
	}
	struct delivered_seg *d = &delivered[n_delivered++];
	d->frame = seg->frame;
	d->src = seg->src;
	d->dst = seg->dst;
	d->ipproto = seg->ipproto;
	d->cut = seg->cut;
	d->l4_len = seg->l4_len;
	d->l4_captured = seg->l4.len;
	if (seg->l4.len)
		memcpy(d->l4, seg->l4.p, seg->l4.len);
}

static void layer_with(const struct ip_limits *limits)
{
	ip_layer_free(layer);
	layer = ip_layer_new(limits, &anomalies, on_segment, &delivered);
}

static void setup(void)
{
	memset(&anomalies, 0, sizeof(anomalies));
	n_delivered = 0;
	n_frames = 0;
	layer = NULL;
	struct ip_limits limits;
	ip_limits_default(&limits);
	layer_with(&limits);
}

static void teardown(void)
{
	ip_layer_free(layer);
	layer = NULL;
}

/* Feeds caplen bytes of pkt, of which wirelen were on the wire, at ts. */
static const struct frame *feed_cut(const struct buf *pkt, size_t caplen,
				    size_t wirelen, int64_t ts_ns, uint16_t ethertype)
{
	ck_assert_int_lt(n_frames, MAX_FRAMES);
	ck_assert_uint_le(caplen, pkt->len);
	struct frame *f = &frames[n_frames++];
	*f = (struct frame){
		.ts_ns = ts_ns,
		.number = (uint64_t)n_frames,
		.caplen = (uint32_t)caplen,
		.wirelen = (uint32_t)wirelen,
		.linktype = DLT_RAW_LINUX,
		.data = pkt->b,
	};
	ip_input(layer, f, view_make(pkt->b, caplen), ethertype);
	return f;
}

static const struct frame *feed4_at(const struct buf *pkt, int64_t ts_ns)
{
	return feed_cut(pkt, pkt->len, pkt->len, ts_ns, ETHERTYPE_IPV4);
}

static const struct frame *feed4(const struct buf *pkt)
{
	return feed4_at(pkt, 0);
}

static const struct frame *feed6(const struct buf *pkt)
{
	return feed_cut(pkt, pkt->len, pkt->len, 0, ETHERTYPE_IPV6);
}

static uint64_t anomalies_total(void)
{
	uint64_t n = 0;
	for (int i = 0; i < ANOMALY_COUNT; i++)
		n += anomalies.count[i];
	return n;
}

/* Exactly n anomalies, all of kind a (n = 0: none at all). */
static void expect_only_anomaly(enum anomaly a, uint64_t n)
{
	ck_assert_msg(anomalies.count[a] == n, "%s: %llu, want %llu",
		      anomaly_name(a), (unsigned long long)anomalies.count[a],
		      (unsigned long long)n);
	ck_assert_uint_eq(anomalies_total(), n);
}

static void expect_addr(const struct netaddr *a, const char *text)
{
	char s[NETADDR_STRLEN];
	ck_assert_str_eq(netaddr_format(a, s, sizeof(s)), text);
}

/* Delivery i carries exactly want as its transport bytes. */
static void expect_l4(int i, uint8_t proto, const uint8_t *want, size_t len)
{
	ck_assert_int_lt(i, n_delivered);
	ck_assert_int_lt(i, MAX_DELIVERED);
	ck_assert_uint_eq(delivered[i].ipproto, proto);
	ck_assert(!delivered[i].cut);
	ck_assert_uint_eq(delivered[i].l4_len, len);
	ck_assert_uint_eq(delivered[i].l4_captured, len);
	ck_assert_mem_eq(delivered[i].l4, want, len);
}

static struct ip_stats stats(void)
{
	struct ip_stats s;
	ip_layer_stats(layer, &s);
	return s;
}

/* ---- IPv4 ------------------------------------------------------------ */

START_TEST(limits_default_values)
{
	struct ip_limits l;
	ip_limits_default(&l);
	ck_assert_uint_eq(l.frag_max_bytes, 4 * 1024 * 1024);
	ck_assert_uint_eq(l.frag_max_datagrams, 1024);
	ck_assert_int_eq(l.frag_timeout_ns, 30 * NS_PER_SEC);
	ck_assert_int_eq(l.max_tunnel_depth, 4);
}
END_TEST

START_TEST(layer_without_limits_uses_defaults)
{
	/* Deliberately no limits: the defaults apply, tunnels included. */
	ip_layer_free(layer);
	layer = ip_layer_new(NULL, &anomalies, on_segment, &delivered);
	struct buf *udp = udp_datagram(0, 8, 0);
	struct buf *inner = scratch(1);
	ipv4_append(inner, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	struct buf *outer = scratch(2);
	ipv4_append(outer, v4_tun_a, v4_tun_b, PROTO_IPIP, 2, 0, 0, inner->b, inner->len);
	feed4(outer);
	ck_assert_int_eq(n_delivered, 1);
	expect_l4(0, PROTO_UDP, udp->b, 16);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(ipv4_udp)
{
	struct buf *udp = udp_datagram(0, 32, 0);
	struct buf *pkt = scratch(1);
	ipv4_append(pkt, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	const struct frame *f = feed4(pkt);

	ck_assert_int_eq(n_delivered, 1);
	ck_assert_ptr_eq(delivered[0].frame, f);
	expect_addr(&delivered[0].src.ip, "192.0.2.1");
	expect_addr(&delivered[0].dst.ip, "192.0.2.2");
	expect_l4(0, PROTO_UDP, udp->b, 40);
	expect_only_anomaly(ANOMALY_NONE, 0);
	struct ip_stats s = stats();
	ck_assert_uint_eq(s.fragments + s.reassembled + s.tunnelled + s.not_ip, 0);
}
END_TEST

START_TEST(ipv4_ethernet_padding_ignored)
{
	/* A 10-byte UDP datagram leaves an Ethernet frame 16 bytes short of
	 * its 46-byte minimum payload: the padding is not IP's. */
	struct buf *udp = udp_datagram(0, 2, 0);
	struct buf *pkt = scratch(1);
	ipv4_append(pkt, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	put_fill(pkt, 0xEE, 16);
	feed4(pkt);
	ck_assert_int_eq(n_delivered, 1);
	expect_l4(0, PROTO_UDP, udp->b, 10);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(ipv4_options_skipped)
{
	static const size_t options[] = { 4, 40 }; /* IHL 6 and the maximum 15 */
	struct buf *udp = udp_datagram(0, 12, 3);
	for (size_t i = 0; i < 2; i++) {
		struct buf *pkt = scratch(1);
		ipv4_append(pkt, v4_a, v4_b, PROTO_UDP, 1, 0, options[i], udp->b,
			    udp->len);
		feed4(pkt);
		ck_assert_int_eq(n_delivered, (int)i + 1);
		expect_l4((int)i, PROTO_UDP, udp->b, 20);
	}
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(ipv4_tcp_sctp_delivered_others_ignored)
{
	static const uint8_t body[20] = { 0x13, 0xC4, 0x13, 0xC6 };
	static const uint8_t protos[] = { PROTO_TCP, PROTO_SCTP, PROTO_ICMP, PROTO_GRE };
	for (size_t i = 0; i < sizeof(protos); i++) {
		struct buf *pkt = scratch(0);
		ipv4_append(pkt, v4_a, v4_b, protos[i], 1, 0, 0, body, sizeof(body));
		feed4(pkt);
	}
	ck_assert_int_eq(n_delivered, 2);
	expect_l4(0, PROTO_TCP, body, sizeof(body));
	expect_l4(1, PROTO_SCTP, body, sizeof(body));
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(ipv4_every_header_cut)
{
	struct buf *udp = udp_datagram(0, 8, 0);
	struct buf *pkt = scratch(1);
	ipv4_append(pkt, v4_a, v4_b, PROTO_UDP, 1, 0, 4, udp->b, udp->len);
	/* Cut anywhere in the 24-byte header, by snaplen or not. */
	for (size_t cut = 0; cut < 24; cut++) {
		feed_cut(pkt, cut, pkt->len, 0, ETHERTYPE_IPV4);
		feed_cut(pkt, cut, cut, 0, ETHERTYPE_IPV4);
		n_frames = 0;
	}
	ck_assert_int_eq(n_delivered, 0);
	expect_only_anomaly(ANOMALY_IP_SHORT, 48);
}
END_TEST

START_TEST(ipv4_bad_version)
{
	struct buf *udp = udp_datagram(0, 8, 0);
	struct buf *pkt = scratch(1);
	ipv4_append(pkt, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	pkt->b[0] = 0x55;
	feed4(pkt);
	pkt->b[0] = 0x45;
	/* An IPv4 packet under the IPv6 ethertype. */
	feed_cut(pkt, pkt->len, pkt->len, 0, ETHERTYPE_IPV6);
	ck_assert_int_eq(n_delivered, 0);
	expect_only_anomaly(ANOMALY_IP_BAD_VERSION, 2);
}
END_TEST

START_TEST(ipv4_bad_header_len)
{
	struct buf *udp = udp_datagram(0, 8, 0);
	struct buf *pkt = scratch(1);
	ipv4_append(pkt, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		pkt->b[0] = (uint8_t)(0x40 | ihl);
		feed4(pkt);
	}
	ck_assert_int_eq(n_delivered, 0);
	expect_only_anomaly(ANOMALY_IP_BAD_HEADER_LEN, 5);
}
END_TEST

START_TEST(ipv4_bad_total_len)
{
	struct buf *udp = udp_datagram(0, 8, 0);
	struct buf *pkt = scratch(1);
	ipv4_append(pkt, v4_a, v4_b, PROTO_UDP, 1, 0, 4, udp->b, udp->len);
	set_be16(pkt, 2, 23);   /* shorter than its own 24-byte header */
	feed4(pkt);
	/* Claims one byte more than the frame had, and the frame was whole. */
	set_be16(pkt, 2, (uint16_t)(pkt->len + 1));
	feed4(pkt);
	ck_assert_int_eq(n_delivered, 0);
	expect_only_anomaly(ANOMALY_IP_BAD_TOTAL_LEN, 2);
}
END_TEST

START_TEST(ipv4_snaplen_cut_delivered)
{
	struct buf *udp = udp_datagram(0, 172, 0);
	struct buf *pkt = scratch(1);
	ipv4_append(pkt, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	ck_assert_uint_eq(pkt->len, 200);
	feed_cut(pkt, 60, 200, 0, ETHERTYPE_IPV4);

	ck_assert_int_eq(n_delivered, 1);
	ck_assert(delivered[0].cut);
	ck_assert_uint_eq(delivered[0].l4_len, 180);
	ck_assert_uint_eq(delivered[0].l4_captured, 40);
	ck_assert_mem_eq(delivered[0].l4, udp->b, 40);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(ipv4_zero_total_len_is_offload)
{
	struct buf *udp = udp_datagram(0, 24, 0);
	struct buf *pkt = scratch(1);
	ipv4_append(pkt, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	set_be16(pkt, 2, 0);
	feed4(pkt);
	ck_assert_int_eq(n_delivered, 1);
	expect_l4(0, PROTO_UDP, udp->b, 32);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(not_ip_counted)
{
	struct buf *pkt = scratch(0);
	put_fill(pkt, 0, 28);
	feed_cut(pkt, pkt->len, pkt->len, 0, 0);
	feed_cut(pkt, pkt->len, pkt->len, 0, 0x0806);
	ck_assert_int_eq(n_delivered, 0);
	ck_assert_uint_eq(stats().not_ip, 2);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(ethernet_vlan_to_udp_payload)
{
	static const char sip[] = "OPTIONS sip:bob@example.com SIP/2.0\r\n\r\n";
	struct buf *udp = scratch(0);
	udp_append(udp, SIP_PORT, SIP_PORT_2, (const uint8_t *)sip, strlen(sip));
	struct buf *frame = scratch(1);
	put_fill(frame, 0x11, 12);                  /* MAC addresses */
	put_be16(frame, 0x8100);
	put_be16(frame, 42);
	put_be16(frame, ETHERTYPE_IPV4);
	ipv4_append(frame, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);

	struct view net;
	uint16_t type;
	ck_assert_int_eq(link_decode(DLT_EN10MB, view_make(frame->b, frame->len), &net, &type),
			 ANOMALY_NONE);
	struct frame f = { .caplen = (uint32_t)frame->len,
			   .wirelen = (uint32_t)frame->len, .data = frame->b };
	ip_input(layer, &f, net, type);
	ck_assert_int_eq(n_delivered, 1);

	struct segment seg = {
		.l4 = view_make(delivered[0].l4, delivered[0].l4_captured),
		.l4_len = delivered[0].l4_len,
	};
	struct view payload;
	bool cut;
	ck_assert_int_eq(udp_decode(&seg, &payload, &cut), ANOMALY_NONE);
	ck_assert_uint_eq(seg.src.port, SIP_PORT);
	ck_assert_uint_eq(seg.dst.port, SIP_PORT_2);
	ck_assert(!cut);
	ck_assert_uint_eq(payload.len, strlen(sip));
	ck_assert_mem_eq(payload.p, sip, strlen(sip));
}
END_TEST

/* ---- IPv4 fragments -------------------------------------------------- */

/* The 40-byte UDP datagram the fragment tests split at 16 and 32. */
static struct buf *frag_whole(void)
{
	return udp_datagram(0, 32, 5);
}

START_TEST(frag4_in_order)
{
	struct buf *whole = frag_whole();
	feed4(frag4(1, 7, PROTO_UDP, whole, 0, 16, true));
	feed4(frag4(1, 7, PROTO_UDP, whole, 16, 32, true));
	ck_assert_int_eq(n_delivered, 0);
	ck_assert_uint_eq(stats().frag_bytes_pending, 32);
	const struct frame *last = feed4(frag4(1, 7, PROTO_UDP, whole, 32, 40, false));

	ck_assert_int_eq(n_delivered, 1);
	ck_assert_ptr_eq(delivered[0].frame, last);
	expect_addr(&delivered[0].src.ip, "192.0.2.1");
	expect_addr(&delivered[0].dst.ip, "192.0.2.2");
	expect_l4(0, PROTO_UDP, whole->b, 40);
	struct ip_stats s = stats();
	ck_assert_uint_eq(s.fragments, 3);
	ck_assert_uint_eq(s.reassembled, 1);
	ck_assert_uint_eq(s.frag_bytes_pending, 0);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(frag4_reversed)
{
	struct buf *whole = frag_whole();
	feed4(frag4(1, 7, PROTO_UDP, whole, 32, 40, false));
	ck_assert_uint_eq(stats().frag_bytes_pending, 40);
	feed4(frag4(1, 7, PROTO_UDP, whole, 16, 32, true));
	const struct frame *last = feed4(frag4(1, 7, PROTO_UDP, whole, 0, 16, true));
	ck_assert_int_eq(n_delivered, 1);
	ck_assert_ptr_eq(delivered[0].frame, last);
	expect_l4(0, PROTO_UDP, whole->b, 40);
	ck_assert_uint_eq(stats().frag_bytes_pending, 0);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(frag4_duplicates)
{
	struct buf *whole = frag_whole();
	feed4(frag4(1, 7, PROTO_UDP, whole, 0, 16, true));
	feed4(frag4(1, 7, PROTO_UDP, whole, 0, 16, true));
	feed4(frag4(1, 7, PROTO_UDP, whole, 32, 40, false));
	feed4(frag4(1, 7, PROTO_UDP, whole, 32, 40, false));
	ck_assert_int_eq(n_delivered, 0);
	const struct frame *last = feed4(frag4(1, 7, PROTO_UDP, whole, 16, 32, true));
	ck_assert_int_eq(n_delivered, 1);
	ck_assert_ptr_eq(delivered[0].frame, last);
	expect_l4(0, PROTO_UDP, whole->b, 40);
	expect_only_anomaly(ANOMALY_NONE, 0);

	/* A copy arriving after completion starts a new datagram, which is
	 * left to expire (as a receiving host would do). */
	feed4(frag4(1, 7, PROTO_UDP, whole, 16, 32, true));
	ck_assert_int_eq(n_delivered, 1);
	struct ip_stats s = stats();
	ck_assert_uint_eq(s.fragments, 6);
	ck_assert_uint_eq(s.reassembled, 1);
	ck_assert_uint_eq(s.frag_bytes_pending, 32);
}
END_TEST

START_TEST(frag4_overlap_same_bytes)
{
	struct buf *whole = frag_whole();
	feed4(frag4(1, 7, PROTO_UDP, whole, 0, 24, true));
	feed4(frag4(1, 7, PROTO_UDP, whole, 8, 40, false));
	ck_assert_int_eq(n_delivered, 1);
	expect_l4(0, PROTO_UDP, whole->b, 40);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(frag4_overlap_conflict_first_bytes_win)
{
	struct buf *whole = frag_whole();
	struct buf *forged = scratch(2);
	put(forged, whole->b, whole->len);
	memset(forged->b + 8, 0xEE, 8);   /* the UDP payload's first 8 bytes */

	/* Genuine first: the forged overlap is counted and loses. */
	feed4(frag4(1, 7, PROTO_UDP, whole, 0, 16, true));
	feed4(frag4(1, 7, PROTO_UDP, forged, 8, 24, true));
	feed4(frag4(1, 7, PROTO_UDP, whole, 24, 40, false));
	ck_assert_int_eq(n_delivered, 1);
	expect_l4(0, PROTO_UDP, whole->b, 40);
	expect_only_anomaly(ANOMALY_FRAG_BAD, 1);

	/* Forged first: it wins, deterministically. */
	feed4(frag4(1, 8, PROTO_UDP, forged, 8, 24, true));
	feed4(frag4(1, 8, PROTO_UDP, whole, 0, 16, true));
	feed4(frag4(1, 8, PROTO_UDP, whole, 24, 40, false));
	ck_assert_int_eq(n_delivered, 2);
	expect_l4(1, PROTO_UDP, forged->b, 40);
	expect_only_anomaly(ANOMALY_FRAG_BAD, 2);
}
END_TEST

START_TEST(frag4_timeout_by_capture_time)
{
	struct buf *whole = frag_whole();
	const int64_t t0 = 1700000000 * NS_PER_SEC;
	const int64_t timeout = 30 * NS_PER_SEC;
	feed4_at(frag4(1, 7, PROTO_UDP, whole, 0, 16, true), t0);

	/* Unrelated traffic at exactly the timeout: still waiting. */
	struct buf *other = scratch(2);
	ipv4_append(other, v4_c, v4_b, PROTO_UDP, 99, 0, 0, whole->b, whole->len);
	feed4_at(other, t0 + timeout);
	ck_assert_uint_eq(stats().frag_bytes_pending, 16);
	ck_assert_uint_eq(stats().frag_datagrams_pending, 1);
	ck_assert_int_eq(n_delivered, 1);
	expect_only_anomaly(ANOMALY_NONE, 0);

	/* One nanosecond later it has expired. */
	feed4_at(other, t0 + timeout + 1);
	ck_assert_uint_eq(stats().frag_bytes_pending, 0);
	ck_assert_uint_eq(stats().frag_datagrams_pending, 0);
	expect_only_anomaly(ANOMALY_FRAG_TIMEOUT, 1);

	/* The rest arrive too late to complete anything. */
	feed4_at(frag4(1, 7, PROTO_UDP, whole, 16, 32, true), t0 + timeout + 2);
	feed4_at(frag4(1, 7, PROTO_UDP, whole, 32, 40, false), t0 + timeout + 3);
	ck_assert_int_eq(n_delivered, 2);
	ck_assert_uint_eq(stats().frag_bytes_pending, 40);

	/* ip_layer_expire() does the same without a packet. */
	ip_layer_expire(layer, t0 + 2 * timeout + 2);
	ck_assert_uint_eq(stats().frag_bytes_pending, 40);
	ip_layer_expire(layer, t0 + 2 * timeout + 3);
	ck_assert_uint_eq(stats().frag_bytes_pending, 0);
	expect_only_anomaly(ANOMALY_FRAG_TIMEOUT, 2);
}
END_TEST

START_TEST(frag4_timestamps_far_apart_do_not_overflow)
{
	struct buf *whole = frag_whole();
	feed4_at(frag4(1, 7, PROTO_UDP, whole, 0, 16, true), INT64_MIN);
	feed4_at(frag4(1, 8, PROTO_UDP, whole, 0, 16, true), INT64_MAX);
	/* The first expired; the second is not older than itself. */
	expect_only_anomaly(ANOMALY_FRAG_TIMEOUT, 1);
	ck_assert_uint_eq(stats().frag_bytes_pending, 16);
	ip_layer_expire(layer, INT64_MIN);
	ck_assert_uint_eq(stats().frag_bytes_pending, 16);
}
END_TEST

START_TEST(frag4_byte_limit_evicts_oldest)
{
	struct ip_limits limits;
	ip_limits_default(&limits);
	limits.frag_max_bytes = 48;
	layer_with(&limits);

	struct buf *older = frag_whole();
	struct buf *newer = udp_datagram(2, 32, 9);
	feed4(frag4(1, 1, PROTO_UDP, older, 0, 16, true));
	feed4(frag4(1, 1, PROTO_UDP, older, 32, 40, false));
	ck_assert_uint_eq(stats().frag_bytes_pending, 40);
	/* 40 + 16 > 48: the older datagram goes. */
	feed4(frag4(1, 2, PROTO_UDP, newer, 0, 16, true));
	expect_only_anomaly(ANOMALY_FRAG_LIMIT, 1);
	ck_assert_uint_eq(stats().frag_bytes_pending, 16);
	feed4(frag4(1, 2, PROTO_UDP, newer, 16, 32, true));
	feed4(frag4(1, 2, PROTO_UDP, newer, 32, 40, false));
	ck_assert_int_eq(n_delivered, 1);
	expect_l4(0, PROTO_UDP, newer->b, 40);
	/* The evicted one cannot complete any more. */
	feed4(frag4(1, 1, PROTO_UDP, older, 16, 32, true));
	ck_assert_int_eq(n_delivered, 1);
	expect_only_anomaly(ANOMALY_FRAG_LIMIT, 1);
}
END_TEST

START_TEST(frag4_single_datagram_over_byte_limit)
{
	struct ip_limits limits;
	ip_limits_default(&limits);
	limits.frag_max_bytes = 32;
	layer_with(&limits);
	struct buf *whole = frag_whole();
	feed4(frag4(1, 1, PROTO_UDP, whole, 0, 16, true));
	feed4(frag4(1, 1, PROTO_UDP, whole, 16, 32, true));
	ck_assert_uint_eq(stats().frag_bytes_pending, 32);
	feed4(frag4(1, 1, PROTO_UDP, whole, 32, 40, false));
	ck_assert_int_eq(n_delivered, 0);
	ck_assert_uint_eq(stats().frag_bytes_pending, 0);
	expect_only_anomaly(ANOMALY_FRAG_LIMIT, 1);
}
END_TEST

START_TEST(frag4_datagram_limit)
{
	struct ip_limits limits;
	ip_limits_default(&limits);
	limits.frag_max_datagrams = 2;
	layer_with(&limits);
	struct buf *whole = frag_whole();
	for (uint16_t id = 1; id <= 3; id++)
		feed4(frag4(1, id, PROTO_UDP, whole, 0, 16, true));
	expect_only_anomaly(ANOMALY_FRAG_LIMIT, 1);
	for (uint16_t id = 2; id <= 3; id++) {
		feed4(frag4(1, id, PROTO_UDP, whole, 16, 32, true));
		feed4(frag4(1, id, PROTO_UDP, whole, 32, 40, false));
	}
	ck_assert_int_eq(n_delivered, 2);
	expect_l4(0, PROTO_UDP, whole->b, 40);
	expect_l4(1, PROTO_UDP, whole->b, 40);
	/* id 1 was evicted: its remaining fragments start over and wait. */
	feed4(frag4(1, 1, PROTO_UDP, whole, 16, 32, true));
	feed4(frag4(1, 1, PROTO_UDP, whole, 32, 40, false));
	ck_assert_int_eq(n_delivered, 2);
	expect_only_anomaly(ANOMALY_FRAG_LIMIT, 1);
	ck_assert_uint_eq(stats().frag_bytes_pending, 40);
}
END_TEST

START_TEST(frag4_no_datagrams_allowed)
{
	struct ip_limits limits;
	ip_limits_default(&limits);
	limits.frag_max_datagrams = 0;
	layer_with(&limits);
	struct buf *whole = frag_whole();
	feed4(frag4(1, 7, PROTO_UDP, whole, 0, 16, true));
	feed4(frag4(1, 7, PROTO_UDP, whole, 16, 40, false));
	ck_assert_int_eq(n_delivered, 0);
	ck_assert_uint_eq(stats().frag_datagrams_pending, 0);
	expect_only_anomaly(ANOMALY_FRAG_LIMIT, 2);
}
END_TEST

START_TEST(frag4_many_interleaved)
{
	/* 1000 datagrams at once (the default allows 1024), so that hash
	 * chains hold several entries; completed newest first. */
	enum { DATAGRAMS = 1000 };
	struct buf *whole = frag_whole();
	for (uint16_t id = 0; id < DATAGRAMS; id++) {
		feed4(frag4(1, id, PROTO_UDP, whole, 0, 16, true));
		n_frames = 0;
	}
	struct ip_stats s = stats();
	ck_assert_uint_eq(s.frag_datagrams_pending, DATAGRAMS);
	ck_assert_uint_eq(s.frag_bytes_pending, DATAGRAMS * 16);
	for (int id = DATAGRAMS - 1; id >= 0; id--) {
		feed4(frag4(1, (uint16_t)id, PROTO_UDP, whole, 16, 40, false));
		n_frames = 0;
	}
	ck_assert_int_eq(n_delivered, DATAGRAMS);
	expect_l4(0, PROTO_UDP, whole->b, 40);
	s = stats();
	ck_assert_uint_eq(s.reassembled, DATAGRAMS);
	ck_assert_uint_eq(s.frag_datagrams_pending, 0);
	ck_assert_uint_eq(s.frag_bytes_pending, 0);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(frag4_too_big)
{
	struct buf *whole = frag_whole();
	feed4(frag4(1, 7, PROTO_UDP, whole, 0, 16, true));
	ck_assert_uint_eq(stats().frag_bytes_pending, 16);
	/* Offset 8190 units = 65520 bytes, +16 bytes: past 65535 - 20. */
	struct buf *big = scratch(2);
	ipv4_append(big, v4_a, v4_b, PROTO_UDP, 7, IPV4_MF | 8190, 0, whole->b, 16);
	feed4(big);
	expect_only_anomaly(ANOMALY_FRAG_TOO_BIG, 1);
	/* The whole datagram is dropped, not just that fragment. */
	ck_assert_uint_eq(stats().frag_bytes_pending, 0);
	ck_assert_int_eq(n_delivered, 0);
}
END_TEST

START_TEST(frag4_largest_datagram_shuffled)
{
	/* 65515 bytes (65535 minus the header) in 45 fragments of 1480. */
	struct buf *whole = udp_datagram(0, IP_MAX - 20 - 8, 1);
	ck_assert_uint_eq(whole->len, 65515);
	const size_t chunk = 1480, count = 45;
	const struct frame *last = NULL;
	for (size_t i = 0; i < count; i++) {
		size_t k = i * 7 % count;            /* a fixed permutation */
		size_t from = k * chunk;
		size_t to = from + chunk < whole->len ? from + chunk : whole->len;
		last = feed4(frag4(1, 77, PROTO_UDP, whole, from, to, to < whole->len));
		ck_assert_int_eq(n_delivered, i + 1 == count ? 1 : 0);
	}
	ck_assert_ptr_eq(delivered[0].frame, last);
	expect_l4(0, PROTO_UDP, whole->b, whole->len);
	expect_only_anomaly(ANOMALY_NONE, 0);
	ck_assert_uint_eq(stats().fragments, 45);
}
END_TEST

START_TEST(frag4_inconsistent_fragments)
{
	struct buf *whole = frag_whole();
	/* A non-last fragment that is not a multiple of 8 bytes. */
	feed4(frag4(1, 7, PROTO_UDP, whole, 0, 12, true));
	/* An empty fragment. */
	feed4(frag4(1, 7, PROTO_UDP, whole, 16, 16, true));
	expect_only_anomaly(ANOMALY_FRAG_BAD, 2);
	ck_assert_uint_eq(stats().frag_bytes_pending, 0);

	feed4(frag4(1, 7, PROTO_UDP, whole, 32, 40, false));
	/* A second, different end. */
	feed4(frag4(1, 7, PROTO_UDP, whole, 32, 48, false));
	/* Data past the known end. */
	feed4(frag4(1, 7, PROTO_UDP, whole, 40, 48, true));
	expect_only_anomaly(ANOMALY_FRAG_BAD, 4);

	/* An end before bytes already held. */
	feed4(frag4(1, 9, PROTO_UDP, whole, 16, 32, true));
	feed4(frag4(1, 9, PROTO_UDP, whole, 8, 16, false));
	expect_only_anomaly(ANOMALY_FRAG_BAD, 5);

	/* None of that spoiled datagram 7. */
	feed4(frag4(1, 7, PROTO_UDP, whole, 0, 16, true));
	feed4(frag4(1, 7, PROTO_UDP, whole, 16, 32, true));
	ck_assert_int_eq(n_delivered, 1);
	expect_l4(0, PROTO_UDP, whole->b, 40);
	expect_only_anomaly(ANOMALY_FRAG_BAD, 5);
}
END_TEST

START_TEST(frag4_snaplen_cut_fragment)
{
	struct buf *whole = frag_whole();
	struct buf *f = frag4(1, 7, PROTO_UDP, whole, 0, 16, true);
	feed_cut(f, f->len - 4, f->len, 0, ETHERTYPE_IPV4);
	expect_only_anomaly(ANOMALY_FRAG_CUT, 1);
	struct ip_stats s = stats();
	ck_assert_uint_eq(s.fragments, 1);
	ck_assert_uint_eq(s.frag_bytes_pending, 0);
}
END_TEST

START_TEST(frag4_key_includes_protocol_and_addresses)
{
	struct buf *whole = frag_whole();
	struct buf *tcp_whole = udp_datagram(2, 32, 11);
	/* Same id 7: UDP from v4_a, TCP from v4_a, UDP from v4_c. */
	feed4(frag4(1, 7, PROTO_UDP, whole, 0, 16, true));
	feed4(frag4(1, 7, PROTO_TCP, tcp_whole, 0, 16, true));
	struct buf *other = scratch(3);
	ipv4_append(other, v4_c, v4_b, PROTO_UDP, 7, IPV4_MF, 0, tcp_whole->b, 16);
	feed4(other);
	feed4(frag4(1, 7, PROTO_TCP, tcp_whole, 16, 40, false));
	feed4(frag4(1, 7, PROTO_UDP, whole, 16, 40, false));
	ck_assert_int_eq(n_delivered, 2);
	expect_l4(0, PROTO_TCP, tcp_whole->b, 40);
	expect_l4(1, PROTO_UDP, whole->b, 40);
	ck_assert_uint_eq(stats().frag_bytes_pending, 16);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

/* ---- IPv6 ------------------------------------------------------------ */

START_TEST(ipv6_udp)
{
	struct buf *udp = udp_datagram(0, 32, 2);
	struct buf *pkt = scratch(1);
	ipv6_append(pkt, v6_a, v6_b, PROTO_UDP, udp->b, udp->len);
	const struct frame *f = feed6(pkt);
	ck_assert_int_eq(n_delivered, 1);
	ck_assert_ptr_eq(delivered[0].frame, f);
	expect_addr(&delivered[0].src.ip, "2001:db8::1");
	expect_addr(&delivered[0].dst.ip, "2001:db8::2");
	expect_l4(0, PROTO_UDP, udp->b, 40);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(ipv6_extension_chain)
{
	/* hop-by-hop, destination options, routing, atomic fragment, UDP */
	struct buf *udp = udp_datagram(0, 20, 0);
	struct buf *ext = scratch(1);
	ext_append(ext, PROTO_DSTOPTS, 8);
	ext_append(ext, PROTO_ROUTING, 16);
	ext_append(ext, PROTO_FRAGMENT, 24);
	frag6_append(ext, PROTO_UDP, 0, false, 0x12345678);
	put(ext, udp->b, udp->len);
	struct buf *pkt = scratch(2);
	ipv6_append(pkt, v6_a, v6_b, PROTO_HOPOPTS, ext->b, ext->len);
	feed6(pkt);
	ck_assert_int_eq(n_delivered, 1);
	expect_l4(0, PROTO_UDP, udp->b, 28);
	expect_only_anomaly(ANOMALY_NONE, 0);
	ck_assert_uint_eq(stats().fragments, 0);   /* atomic: not reassembled */
}
END_TEST

START_TEST(ipv6_authentication_header)
{
	/* AH length counts 32-bit words minus 2: field 4 is 24 bytes. */
	struct buf *udp = udp_datagram(0, 16, 0);
	struct buf *ext = scratch(1);
	ah_append(ext, PROTO_UDP, 4);
	ck_assert_uint_eq(ext->len, 24);
	put(ext, udp->b, udp->len);
	struct buf *pkt = scratch(2);
	ipv6_append(pkt, v6_a, v6_b, PROTO_AH, ext->b, ext->len);
	feed6(pkt);
	ck_assert_int_eq(n_delivered, 1);
	expect_l4(0, PROTO_UDP, udp->b, 24);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(ipv6_hop_by_hop_not_first)
{
	struct buf *udp = udp_datagram(0, 8, 0);
	struct buf *ext = scratch(1);
	ext_append(ext, PROTO_HOPOPTS, 8);
	ext_append(ext, PROTO_UDP, 8);
	put(ext, udp->b, udp->len);
	struct buf *pkt = scratch(2);
	ipv6_append(pkt, v6_a, v6_b, PROTO_DSTOPTS, ext->b, ext->len);
	feed6(pkt);
	ck_assert_int_eq(n_delivered, 0);
	expect_only_anomaly(ANOMALY_IP6_BAD_EXT, 1);
}
END_TEST

/* count destination options headers, then UDP. */
static void feed_dstopts_chain(int count)
{
	struct buf *udp = udp_datagram(0, 8, 0);
	struct buf *ext = scratch(1);
	for (int i = 0; i < count; i++)
		ext_append(ext, i + 1 < count ? PROTO_DSTOPTS : PROTO_UDP, 8);
	put(ext, udp->b, udp->len);
	struct buf *pkt = scratch(2);
	ipv6_append(pkt, v6_a, v6_b, PROTO_DSTOPTS, ext->b, ext->len);
	feed6(pkt);
}

START_TEST(ipv6_extension_chain_bound)
{
	feed_dstopts_chain(16);
	ck_assert_int_eq(n_delivered, 1);
	expect_l4(0, PROTO_UDP, scratch_pool[0].b, 16);
	expect_only_anomaly(ANOMALY_NONE, 0);
	feed_dstopts_chain(17);
	ck_assert_int_eq(n_delivered, 1);
	expect_only_anomaly(ANOMALY_IP6_BAD_EXT, 1);
}
END_TEST

START_TEST(ipv6_extension_past_payload)
{
	/* A 24-byte header in a 16-byte payload. */
	struct buf *ext = scratch(1);
	ext_append(ext, PROTO_UDP, 24);
	struct buf *pkt = scratch(2);
	ipv6_append(pkt, v6_a, v6_b, PROTO_DSTOPTS, ext->b, 16);
	feed6(pkt);
	/* A payload too short for any extension header at all. */
	struct buf *tiny = scratch(3);
	ipv6_append(tiny, v6_a, v6_b, PROTO_DSTOPTS, ext->b, 1);
	feed6(tiny);
	ck_assert_int_eq(n_delivered, 0);
	expect_only_anomaly(ANOMALY_IP6_BAD_EXT, 2);
}
END_TEST

START_TEST(ipv6_extension_cut_by_snaplen)
{
	struct buf *udp = udp_datagram(0, 8, 0);
	struct buf *ext = scratch(1);
	ext_append(ext, PROTO_UDP, 24);
	put(ext, udp->b, udp->len);
	struct buf *pkt = scratch(2);
	ipv6_append(pkt, v6_a, v6_b, PROTO_DSTOPTS, ext->b, ext->len);
	/* Every cut inside the extension header, including its length byte. */
	for (size_t cut = 40; cut < 64; cut++)
		feed_cut(pkt, cut, pkt->len, 0, ETHERTYPE_IPV6);
	ck_assert_int_eq(n_delivered, 0);
	expect_only_anomaly(ANOMALY_IP_SHORT, 24);
}
END_TEST

START_TEST(ipv6_no_next_header)
{
	struct buf *pkt = scratch(1);
	static const uint8_t junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	ipv6_append(pkt, v6_a, v6_b, PROTO_NONE, junk, sizeof(junk));
	feed6(pkt);
	ck_assert_int_eq(n_delivered, 0);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(ipv6_every_header_cut)
{
	struct buf *udp = udp_datagram(0, 8, 0);
	struct buf *pkt = scratch(1);
	ipv6_append(pkt, v6_a, v6_b, PROTO_UDP, udp->b, udp->len);
	for (size_t cut = 0; cut < 40; cut++) {
		feed_cut(pkt, cut, pkt->len, 0, ETHERTYPE_IPV6);
		n_frames = 0;
	}
	ck_assert_int_eq(n_delivered, 0);
	expect_only_anomaly(ANOMALY_IP_SHORT, 40);
}
END_TEST

START_TEST(ipv6_bad_version_and_length)
{
	struct buf *udp = udp_datagram(0, 8, 0);
	struct buf *pkt = scratch(1);
	ipv6_append(pkt, v6_a, v6_b, PROTO_UDP, udp->b, udp->len);
	pkt->b[0] = 0x40;
	feed6(pkt);
	expect_only_anomaly(ANOMALY_IP_BAD_VERSION, 1);
	pkt->b[0] = 0x60;
	set_be16(pkt, 4, 17);     /* one byte more than the frame holds */
	feed6(pkt);
	ck_assert_uint_eq(anomalies.count[ANOMALY_IP_BAD_TOTAL_LEN], 1);
	ck_assert_uint_eq(anomalies_total(), 2);
	/* The same claim with a snaplen cut is delivered, marked cut. */
	feed_cut(pkt, pkt->len, pkt->len + 1, 0, ETHERTYPE_IPV6);
	ck_assert_int_eq(n_delivered, 1);
	ck_assert(delivered[0].cut);
	ck_assert_uint_eq(delivered[0].l4_len, 17);
	ck_assert_uint_eq(delivered[0].l4_captured, 16);
	ck_assert_uint_eq(anomalies_total(), 2);
}
END_TEST

/* One IPv6 fragment: hop-by-hop and destination options unfragmentable,
 * then a fragment header with next, then part[from, to). */
static struct buf *frag6(int slot, uint8_t next, const struct buf *part,
			 size_t from, size_t to, bool more, uint32_t id)
{
	struct buf *ext = scratch(SCRATCH_BUFS - 1);
	ext_append(ext, PROTO_DSTOPTS, 8);
	ext_append(ext, PROTO_FRAGMENT, 8);
	frag6_append(ext, next, (uint32_t)from, more, id);
	put(ext, part->b + from, to - from);
	struct buf *pkt = scratch(slot);
	ipv6_append(pkt, v6_a, v6_b, PROTO_HOPOPTS, ext->b, ext->len);
	return pkt;
}

START_TEST(ipv6_fragments_with_extension_headers)
{
	/* Fragmentable part: destination options, then the UDP datagram. */
	struct buf *udp = udp_datagram(0, 32, 4);
	struct buf *part = scratch(1);
	ext_append(part, PROTO_UDP, 8);
	put(part, udp->b, udp->len);
	ck_assert_uint_eq(part->len, 48);

	/* Only the offset-0 fragment's Next Header counts (RFC 8200 4.5). */
	feed6(frag6(2, PROTO_UDP, part, 32, 48, false, 0xCAFE));
	feed6(frag6(2, PROTO_DSTOPTS, part, 0, 16, true, 0xCAFE));
	ck_assert_int_eq(n_delivered, 0);
	ck_assert_uint_eq(stats().frag_bytes_pending, 48);
	const struct frame *last = feed6(frag6(2, PROTO_TCP, part, 16, 32, true, 0xCAFE));

	ck_assert_int_eq(n_delivered, 1);
	ck_assert_ptr_eq(delivered[0].frame, last);
	expect_addr(&delivered[0].src.ip, "2001:db8::1");
	expect_l4(0, PROTO_UDP, udp->b, 40);
	struct ip_stats s = stats();
	ck_assert_uint_eq(s.fragments, 3);
	ck_assert_uint_eq(s.reassembled, 1);
	ck_assert_uint_eq(s.frag_bytes_pending, 0);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(ipv6_fragment_header_inside_reassembly)
{
	struct buf *part = scratch(1);
	frag6_append(part, PROTO_UDP, 0, false, 1);
	put_fill(part, 0, 8);
	feed6(frag6(2, PROTO_FRAGMENT, part, 0, 8, true, 5));
	feed6(frag6(2, PROTO_FRAGMENT, part, 8, 16, false, 5));
	ck_assert_int_eq(n_delivered, 0);
	ck_assert_uint_eq(stats().reassembled, 1);
	expect_only_anomaly(ANOMALY_IP6_BAD_EXT, 1);
}
END_TEST

START_TEST(ipv6_fragment_too_big)
{
	/* 65535 minus 16 bytes of unfragmentable headers is the limit. */
	struct buf *part = scratch(1);
	put_fill(part, 0x33, 65535);
	feed6(frag6(2, PROTO_UDP, part, 65512, 65519, false, 3));
	ck_assert_uint_eq(stats().frag_bytes_pending, 65519);
	expect_only_anomaly(ANOMALY_NONE, 0);
	feed6(frag6(2, PROTO_UDP, part, 65512, 65528, false, 4));
	expect_only_anomaly(ANOMALY_FRAG_TOO_BIG, 1);
}
END_TEST

/* ---- IP-in-IP -------------------------------------------------------- */

START_TEST(tunnel_4in4)
{
	struct buf *udp = udp_datagram(0, 16, 0);
	struct buf *inner = scratch(1);
	ipv4_append(inner, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	struct buf *outer = scratch(2);
	ipv4_append(outer, v4_tun_a, v4_tun_b, PROTO_IPIP, 2, 0, 0, inner->b, inner->len);
	feed4(outer);
	ck_assert_int_eq(n_delivered, 1);
	expect_addr(&delivered[0].src.ip, "192.0.2.1");
	expect_addr(&delivered[0].dst.ip, "192.0.2.2");
	expect_l4(0, PROTO_UDP, udp->b, 24);
	ck_assert_uint_eq(stats().tunnelled, 1);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(tunnel_6in4)
{
	struct buf *udp = udp_datagram(0, 16, 0);
	struct buf *inner = scratch(1);
	ipv6_append(inner, v6_a, v6_b, PROTO_UDP, udp->b, udp->len);
	struct buf *outer = scratch(2);
	ipv4_append(outer, v4_tun_a, v4_tun_b, PROTO_IPV6, 2, 0, 0, inner->b, inner->len);
	feed4(outer);
	ck_assert_int_eq(n_delivered, 1);
	expect_addr(&delivered[0].src.ip, "2001:db8::1");
	expect_addr(&delivered[0].dst.ip, "2001:db8::2");
	expect_l4(0, PROTO_UDP, udp->b, 24);
	ck_assert_uint_eq(stats().tunnelled, 1);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

START_TEST(tunnel_4in6_and_6in6)
{
	struct buf *udp = udp_datagram(0, 16, 0);
	struct buf *inner = scratch(1);
	ipv4_append(inner, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	struct buf *outer = scratch(2);
	ipv6_append(outer, v6_a, v6_b, PROTO_IPIP, inner->b, inner->len);
	feed6(outer);
	ck_assert_int_eq(n_delivered, 1);
	expect_addr(&delivered[0].src.ip, "192.0.2.1");
	expect_l4(0, PROTO_UDP, udp->b, 24);

	struct buf *inner6 = scratch(1);
	ipv6_append(inner6, v6_b, v6_a, PROTO_UDP, udp->b, udp->len);
	struct buf *outer6 = scratch(2);
	ipv6_append(outer6, v6_a, v6_b, PROTO_IPV6, inner6->b, inner6->len);
	feed6(outer6);
	ck_assert_int_eq(n_delivered, 2);
	expect_addr(&delivered[1].src.ip, "2001:db8::2");
	expect_l4(1, PROTO_UDP, udp->b, 24);
	ck_assert_uint_eq(stats().tunnelled, 2);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

/* A UDP datagram wrapped in levels of alternating 4-in-4 / 6-in-4. */
static struct buf *nested(int levels)
{
	struct buf *udp = udp_datagram(0, 8, 0);
	struct buf *cur = scratch(1);
	ipv4_append(cur, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	bool cur_is_v6 = false;
	for (int i = 0; i < levels; i++) {
		struct buf *next = scratch(1 + (i + 1) % 2);
		if (i % 2 == 0)
			ipv6_append(next, v6_a, v6_b, cur_is_v6 ? PROTO_IPV6 : PROTO_IPIP,
				    cur->b, cur->len);
		else
			ipv4_append(next, v4_tun_a, v4_tun_b,
				    cur_is_v6 ? PROTO_IPV6 : PROTO_IPIP, 1, 0, 0,
				    cur->b, cur->len);
		cur_is_v6 = i % 2 == 0;
		cur = next;
	}
	return cur;
}

START_TEST(tunnel_depth_limit)
{
	struct buf *ok = nested(4);   /* outermost is IPv4 after 4 levels */
	feed4(ok);
	ck_assert_int_eq(n_delivered, 1);
	expect_addr(&delivered[0].src.ip, "192.0.2.1");
	expect_l4(0, PROTO_UDP, scratch_pool[0].b, 16);
	ck_assert_uint_eq(stats().tunnelled, 4);
	expect_only_anomaly(ANOMALY_NONE, 0);

	struct buf *deep = nested(5); /* outermost IPv6 */
	feed6(deep);
	ck_assert_int_eq(n_delivered, 1);
	ck_assert_uint_eq(stats().tunnelled, 8);
	expect_only_anomaly(ANOMALY_IP_TUNNEL_DEPTH, 1);

	struct ip_limits limits;
	ip_limits_default(&limits);
	limits.max_tunnel_depth = 0;
	layer_with(&limits);
	feed6(nested(1));
	ck_assert_int_eq(n_delivered, 1);
	expect_only_anomaly(ANOMALY_IP_TUNNEL_DEPTH, 2);
}
END_TEST

START_TEST(tunnel_inner_cut_and_inner_lies)
{
	struct buf *udp = udp_datagram(0, 100, 0);
	struct buf *inner = scratch(1);
	ipv4_append(inner, v4_a, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	struct buf *outer = scratch(2);
	ipv4_append(outer, v4_tun_a, v4_tun_b, PROTO_IPIP, 2, 0, 0, inner->b, inner->len);
	/* Snaplen cut in the inner payload: delivered, cut, claimed 108. */
	feed_cut(outer, 60, outer->len, 0, ETHERTYPE_IPV4);
	ck_assert_int_eq(n_delivered, 1);
	ck_assert(delivered[0].cut);
	ck_assert_uint_eq(delivered[0].l4_len, 108);
	ck_assert_uint_eq(delivered[0].l4_captured, 20);
	ck_assert_mem_eq(delivered[0].l4, udp->b, 20);
	expect_only_anomaly(ANOMALY_NONE, 0);

	/* A whole outer packet whose inner header claims more than it has. */
	set_be16(outer, 20 + 2, (uint16_t)(inner->len + 1));
	feed4(outer);
	ck_assert_int_eq(n_delivered, 1);
	expect_only_anomaly(ANOMALY_IP_BAD_TOTAL_LEN, 1);
}
END_TEST

START_TEST(tunnel_fragmented_outer_and_inner)
{
	struct buf *udp = udp_datagram(0, 32, 6);
	struct buf *inner = scratch(1);
	ipv4_append(inner, v4_c, v4_b, PROTO_UDP, 1, 0, 0, udp->b, udp->len);
	ck_assert_uint_eq(inner->len, 60);

	/* Outer fragments of a 4-in-4 packet. */
	feed4(frag4(2, 40, PROTO_IPIP, inner, 32, 60, false));
	feed4(frag4(2, 40, PROTO_IPIP, inner, 0, 32, true));
	ck_assert_int_eq(n_delivered, 1);
	expect_addr(&delivered[0].src.ip, "198.51.100.7");
	expect_l4(0, PROTO_UDP, udp->b, 40);

	/* Inner fragments, each in a whole outer IPv6 packet. */
	struct buf *f1 = scratch(3);
	ipv4_append(f1, v4_c, v4_b, PROTO_UDP, 41, IPV4_MF, 0, udp->b, 24);
	struct buf *o1 = scratch(2);
	ipv6_append(o1, v6_a, v6_b, PROTO_IPIP, f1->b, f1->len);
	feed6(o1);
	struct buf *f2 = scratch(3);
	ipv4_append(f2, v4_c, v4_b, PROTO_UDP, 41, 3, 0, udp->b + 24, 16);
	struct buf *o2 = scratch(2);
	ipv6_append(o2, v6_a, v6_b, PROTO_IPIP, f2->b, f2->len);
	feed6(o2);
	ck_assert_int_eq(n_delivered, 2);
	expect_addr(&delivered[1].src.ip, "198.51.100.7");
	expect_l4(1, PROTO_UDP, udp->b, 40);

	struct ip_stats s = stats();
	ck_assert_uint_eq(s.fragments, 4);
	ck_assert_uint_eq(s.reassembled, 2);
	ck_assert_uint_eq(s.tunnelled, 3);
	expect_only_anomaly(ANOMALY_NONE, 0);
}
END_TEST

/* ---- UDP ------------------------------------------------------------- */

static struct segment udp_segment(const struct buf *b, size_t captured, uint32_t claimed)
{
	struct segment seg = {
		.ipproto = PROTO_UDP,
		.l4 = view_make(b->b, captured),
		.l4_len = claimed,
	};
	return seg;
}

START_TEST(udp_ports_and_payload)
{
	struct buf *udp = udp_datagram(0, 12, 0);
	struct segment seg = udp_segment(udp, udp->len, 20);
	struct view payload;
	bool cut = true;
	ck_assert_int_eq(udp_decode(&seg, &payload, &cut), ANOMALY_NONE);
	ck_assert_uint_eq(seg.src.port, SIP_PORT);
	ck_assert_uint_eq(seg.dst.port, SIP_PORT_2);
	ck_assert(!cut);
	ck_assert_uint_eq(payload.len, 12);
	ck_assert_mem_eq(payload.p, "abcdefghijkl", 12);
}
END_TEST

START_TEST(udp_header_cut)
{
	struct buf *udp = udp_datagram(0, 12, 0);
	for (size_t n = 0; n < 8; n++) {
		struct segment seg = udp_segment(udp, n, 20);
		struct view payload;
		bool cut = true;
		ck_assert_int_eq(udp_decode(&seg, &payload, &cut), ANOMALY_UDP_SHORT);
		ck_assert_uint_eq(payload.len, 0);
		ck_assert(!cut);
		ck_assert_uint_eq(seg.src.port, 0);
	}
}
END_TEST

START_TEST(udp_bad_length)
{
	struct buf *udp = udp_datagram(0, 12, 0);
	struct view payload;
	bool cut;
	/* Shorter than the header itself. */
	set_be16(udp, 4, 7);
	struct segment seg = udp_segment(udp, udp->len, 20);
	ck_assert_int_eq(udp_decode(&seg, &payload, &cut), ANOMALY_UDP_BAD_LEN);
	ck_assert_uint_eq(seg.src.port, SIP_PORT);   /* the header was there */
	ck_assert_uint_eq(payload.len, 0);
	/* Longer than what IP says it carries. */
	set_be16(udp, 4, 21);
	seg = udp_segment(udp, udp->len, 20);
	ck_assert_int_eq(udp_decode(&seg, &payload, &cut), ANOMALY_UDP_BAD_LEN);
	ck_assert_uint_eq(payload.len, 0);
}
END_TEST

START_TEST(udp_length_bounds_payload)
{
	/* UDP says 14 bytes; IP carried 20: six trailing bytes are not UDP's. */
	struct buf *udp = udp_datagram(0, 12, 0);
	set_be16(udp, 4, 14);
	struct segment seg = udp_segment(udp, udp->len, 20);
	struct view payload;
	bool cut = true;
	ck_assert_int_eq(udp_decode(&seg, &payload, &cut), ANOMALY_NONE);
	ck_assert(!cut);
	ck_assert_uint_eq(payload.len, 6);
	ck_assert_mem_eq(payload.p, "abcdef", 6);
}
END_TEST

START_TEST(udp_payload_cut)
{
	struct buf *udp = udp_datagram(0, 92, 0);
	struct segment seg = udp_segment(udp, 20, 100);
	struct view payload;
	bool cut = false;
	ck_assert_int_eq(udp_decode(&seg, &payload, &cut), ANOMALY_NONE);
	ck_assert(cut);
	ck_assert_uint_eq(payload.len, 12);
	ck_assert_mem_eq(payload.p, "abcdefghijkl", 12);
}
END_TEST

/* The capture reader's fast path: plain IPv4 (with options) and IPv6 give
 * their transport bytes bounded by the claimed length; fragments, bad
 * headers and cut headers are left to ip_input(). */
START_TEST(plain_transport_fast_path)
{
	struct buf *d = udp_datagram(0, 40, 1);
	struct view l4;
	size_t l4_len;
	uint8_t proto;

	struct buf *b = scratch(1);
	ipv4_append(b, v4_a, v4_b, PROTO_UDP, 1, 0, 8, d->b, d->len);
	put_fill(b, 0, 6); /* Ethernet padding after the datagram */
	ck_assert(ip_plain_transport(view_make(b->b, b->len), &proto, &l4, &l4_len));
	ck_assert_uint_eq(proto, PROTO_UDP);
	ck_assert_uint_eq(l4_len, d->len);
	ck_assert_uint_eq(l4.len, d->len);
	ck_assert_mem_eq(l4.p, d->b, d->len);
	/* Cut by the snaplen: the view stops at the capture, the length not. */
	ck_assert(ip_plain_transport(view_make(b->b, 28 + 10), &proto, &l4, &l4_len));
	ck_assert_uint_eq(l4.len, 10);
	ck_assert_uint_eq(l4_len, d->len);
	/* A fragment, a header cut short, a bad header length, not IP. */
	struct buf *f = frag4(2, 7, PROTO_UDP, d, 0, 16, true);
	ck_assert(!ip_plain_transport(view_make(f->b, f->len), &proto, &l4, &l4_len));
	ck_assert(!ip_plain_transport(view_make(b->b, 24), &proto, &l4, &l4_len));
	b->b[0] = 0x44;
	ck_assert(!ip_plain_transport(view_make(b->b, b->len), &proto, &l4, &l4_len));
	b->b[0] = 0x55;
	ck_assert(!ip_plain_transport(view_make(b->b, b->len), &proto, &l4, &l4_len));

	struct buf *v6 = scratch(3);
	ipv6_append(v6, v6_a, v6_b, PROTO_UDP, d->b, d->len);
	ck_assert(ip_plain_transport(view_make(v6->b, v6->len), &proto, &l4, &l4_len));
	ck_assert_uint_eq(proto, PROTO_UDP);
	ck_assert_uint_eq(l4_len, d->len);
	/* An extension header is reported as the protocol, not walked. */
	struct buf *ext = scratch(4);
	ipv6_append(ext, v6_a, v6_b, PROTO_HOPOPTS, d->b, d->len);
	ck_assert(ip_plain_transport(view_make(ext->b, ext->len), &proto, &l4, &l4_len));
	ck_assert_uint_eq(proto, PROTO_HOPOPTS);
}
END_TEST

static Suite *ip_suite(void)
{
	Suite *s = suite_create("ip");
	TCase *v4 = tcase_create("ipv4");
	tcase_add_checked_fixture(v4, setup, teardown);
	tcase_add_test(v4, limits_default_values);
	tcase_add_test(v4, layer_without_limits_uses_defaults);
	tcase_add_test(v4, ipv4_udp);
	tcase_add_test(v4, ipv4_ethernet_padding_ignored);
	tcase_add_test(v4, ipv4_options_skipped);
	tcase_add_test(v4, ipv4_tcp_sctp_delivered_others_ignored);
	tcase_add_test(v4, ipv4_every_header_cut);
	tcase_add_test(v4, ipv4_bad_version);
	tcase_add_test(v4, ipv4_bad_header_len);
	tcase_add_test(v4, ipv4_bad_total_len);
	tcase_add_test(v4, ipv4_snaplen_cut_delivered);
	tcase_add_test(v4, ipv4_zero_total_len_is_offload);
	tcase_add_test(v4, not_ip_counted);
	tcase_add_test(v4, ethernet_vlan_to_udp_payload);
	tcase_add_test(v4, plain_transport_fast_path);
	suite_add_tcase(s, v4);

	TCase *frag = tcase_create("ipv4 fragments");
	tcase_add_checked_fixture(frag, setup, teardown);
	tcase_add_test(frag, frag4_in_order);
	tcase_add_test(frag, frag4_reversed);
	tcase_add_test(frag, frag4_duplicates);
	tcase_add_test(frag, frag4_overlap_same_bytes);
	tcase_add_test(frag, frag4_overlap_conflict_first_bytes_win);
	tcase_add_test(frag, frag4_timeout_by_capture_time);
	tcase_add_test(frag, frag4_timestamps_far_apart_do_not_overflow);
	tcase_add_test(frag, frag4_byte_limit_evicts_oldest);
	tcase_add_test(frag, frag4_single_datagram_over_byte_limit);
	tcase_add_test(frag, frag4_datagram_limit);
	tcase_add_test(frag, frag4_no_datagrams_allowed);
	tcase_add_test(frag, frag4_many_interleaved);
	tcase_add_test(frag, frag4_too_big);
	tcase_add_test(frag, frag4_largest_datagram_shuffled);
	tcase_add_test(frag, frag4_inconsistent_fragments);
	tcase_add_test(frag, frag4_snaplen_cut_fragment);
	tcase_add_test(frag, frag4_key_includes_protocol_and_addresses);
	suite_add_tcase(s, frag);

	TCase *v6 = tcase_create("ipv6");
	tcase_add_checked_fixture(v6, setup, teardown);
	tcase_add_test(v6, ipv6_udp);
	tcase_add_test(v6, ipv6_extension_chain);
	tcase_add_test(v6, ipv6_authentication_header);
	tcase_add_test(v6, ipv6_hop_by_hop_not_first);
	tcase_add_test(v6, ipv6_extension_chain_bound);
	tcase_add_test(v6, ipv6_extension_past_payload);
	tcase_add_test(v6, ipv6_extension_cut_by_snaplen);
	tcase_add_test(v6, ipv6_no_next_header);
	tcase_add_test(v6, ipv6_every_header_cut);
	tcase_add_test(v6, ipv6_bad_version_and_length);
	tcase_add_test(v6, ipv6_fragments_with_extension_headers);
	tcase_add_test(v6, ipv6_fragment_header_inside_reassembly);
	tcase_add_test(v6, ipv6_fragment_too_big);
	suite_add_tcase(s, v6);

	TCase *tun = tcase_create("ip-in-ip");
	tcase_add_checked_fixture(tun, setup, teardown);
	tcase_add_test(tun, tunnel_4in4);
	tcase_add_test(tun, tunnel_6in4);
	tcase_add_test(tun, tunnel_4in6_and_6in6);
	tcase_add_test(tun, tunnel_depth_limit);
	tcase_add_test(tun, tunnel_inner_cut_and_inner_lies);
	tcase_add_test(tun, tunnel_fragmented_outer_and_inner);
	suite_add_tcase(s, tun);

	TCase *udp = tcase_create("udp");
	tcase_add_test(udp, udp_ports_and_payload);
	tcase_add_test(udp, udp_header_cut);
	tcase_add_test(udp, udp_bad_length);
	tcase_add_test(udp, udp_length_bounds_payload);
	tcase_add_test(udp, udp_payload_cut);
	suite_add_tcase(s, udp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ip_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
