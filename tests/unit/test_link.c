/* test_link.c - link_decode(): every link type, VLAN stacks, non-IP
 * frames and every truncation point of every header. */
#include <check.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/link.h"

/* The file-format numbers a capture may carry (pcap-linktype(7)). */
#define LINKTYPE_RAW 101
#define LINKTYPE_LOOP 108
#define LINKTYPE_LINUX_SLL2 276
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_IEEE802_11 105
#define DLT_RAW_LINUX 12
#define DLT_RAW_BSDOS 14

#define ETHERTYPE_ARP 0x0806
#define TPID_8021Q 0x8100
#define TPID_8021AD 0x88A8
#define TPID_QINQ_OLD 0x9100

/* A first IP byte and a few more, enough to recognise in the output. */
static const uint8_t ipv4_start[] = { 0x45, 0x00, 0x00, 0x14, 0xAB, 0xCD };
static const uint8_t ipv6_start[] = { 0x60, 0x00, 0x00, 0x00, 0x12, 0x34 };

struct frame_buf {
	uint8_t b[256];
	size_t len;
};

static void put(struct frame_buf *f, const void *p, size_t n)
{
	ck_assert_uint_le(f->len + n, sizeof(f->b));
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put_be16(struct frame_buf *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(f, b, sizeof(b));
}

static void put_zeros(struct frame_buf *f, size_t n)
{
	static const uint8_t zeros[32];
	ck_assert_uint_le(n, sizeof(zeros));
	put(f, zeros, n);
}

static void ether_header(struct frame_buf *f)
{
	static const uint8_t macs[12] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
					  0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB };
	put(f, macs, sizeof(macs));
}

static void vlan_tag(struct frame_buf *f, uint16_t tpid, uint16_t tci)
{
	put_be16(f, tpid);
	put_be16(f, tci);
}

/* Decodes f and checks that the network layer is what follows the
 * expected header_len bytes, with the expected ethertype. */
static void expect_net(int linktype, const struct frame_buf *f,
		       size_t header_len, uint16_t want_type)
{
	struct view net;
	uint16_t type = 0xFFFF;
	enum anomaly a = link_decode(linktype, view_make(f->b, f->len), &net, &type);
	ck_assert_int_eq(a, ANOMALY_NONE);
	ck_assert_uint_eq(type, want_type);
	ck_assert_ptr_eq(net.p, f->b + header_len);
	ck_assert_uint_eq(net.len, f->len - header_len);
}

/* Every proper prefix of the first header_len bytes is LINK_SHORT. */
static void expect_short_prefixes(int linktype, const struct frame_buf *f,
				  size_t header_len)
{
	for (size_t cut = 0; cut < header_len; cut++) {
		struct view net;
		uint16_t type = 0xFFFF;
		enum anomaly a = link_decode(linktype, view_make(f->b, cut), &net, &type);
		ck_assert_msg(a == ANOMALY_LINK_SHORT, "cut at %zu: %s", cut,
			      anomaly_name(a));
		ck_assert_uint_eq(type, 0);
		ck_assert_uint_eq(net.len, 0);
	}
}

START_TEST(ethernet_ipv4)
{
	struct frame_buf f = { .len = 0 };
	ether_header(&f);
	put_be16(&f, ETHERTYPE_IPV4);
	put(&f, ipv4_start, sizeof(ipv4_start));
	expect_net(DLT_EN10MB, &f, 14, ETHERTYPE_IPV4);
	expect_short_prefixes(DLT_EN10MB, &f, 14);
}
END_TEST

START_TEST(ethernet_ipv6)
{
	struct frame_buf f = { .len = 0 };
	ether_header(&f);
	put_be16(&f, ETHERTYPE_IPV6);
	put(&f, ipv6_start, sizeof(ipv6_start));
	expect_net(DLT_EN10MB, &f, 14, ETHERTYPE_IPV6);
}
END_TEST

START_TEST(ethernet_header_only)
{
	struct frame_buf f = { .len = 0 };
	ether_header(&f);
	put_be16(&f, ETHERTYPE_IPV4);
	expect_net(DLT_EN10MB, &f, 14, ETHERTYPE_IPV4);
}
END_TEST

START_TEST(ethernet_arp_is_not_ip)
{
	struct frame_buf f = { .len = 0 };
	ether_header(&f);
	put_be16(&f, ETHERTYPE_ARP);
	put_zeros(&f, 28);
	expect_net(DLT_EN10MB, &f, 14, 0);
}
END_TEST

START_TEST(ethernet_8023_length_is_not_ip)
{
	/* 0x0800 would be IPv4; 0x0046 is an 802.3 length (then LLC). */
	struct frame_buf f = { .len = 0 };
	ether_header(&f);
	put_be16(&f, 0x0046);
	put_zeros(&f, 8);
	expect_net(DLT_EN10MB, &f, 14, 0);
}
END_TEST

START_TEST(ethernet_vlan)
{
	struct frame_buf f = { .len = 0 };
	ether_header(&f);
	vlan_tag(&f, TPID_8021Q, 0x0064);
	put_be16(&f, ETHERTYPE_IPV4);
	put(&f, ipv4_start, sizeof(ipv4_start));
	expect_net(DLT_EN10MB, &f, 18, ETHERTYPE_IPV4);
	expect_short_prefixes(DLT_EN10MB, &f, 18);
}
END_TEST

START_TEST(ethernet_qinq_8021ad)
{
	struct frame_buf f = { .len = 0 };
	ether_header(&f);
	vlan_tag(&f, TPID_8021AD, 0x00C8);
	vlan_tag(&f, TPID_8021Q, 0x0064);
	put_be16(&f, ETHERTYPE_IPV6);
	put(&f, ipv6_start, sizeof(ipv6_start));
	expect_net(DLT_EN10MB, &f, 22, ETHERTYPE_IPV6);
	expect_short_prefixes(DLT_EN10MB, &f, 22);
}
END_TEST

START_TEST(ethernet_qinq_9100_three_deep)
{
	struct frame_buf f = { .len = 0 };
	ether_header(&f);
	vlan_tag(&f, TPID_QINQ_OLD, 1);
	vlan_tag(&f, TPID_QINQ_OLD, 2);
	vlan_tag(&f, TPID_8021Q, 3);
	put_be16(&f, ETHERTYPE_IPV4);
	put(&f, ipv4_start, sizeof(ipv4_start));
	expect_net(DLT_EN10MB, &f, 26, ETHERTYPE_IPV4);
	expect_short_prefixes(DLT_EN10MB, &f, 26);
}
END_TEST

START_TEST(ethernet_vlan_arp_is_not_ip)
{
	struct frame_buf f = { .len = 0 };
	ether_header(&f);
	vlan_tag(&f, TPID_8021Q, 7);
	put_be16(&f, ETHERTYPE_ARP);
	put_zeros(&f, 28);
	expect_net(DLT_EN10MB, &f, 18, 0);
}
END_TEST

START_TEST(ethernet_vlan_depth_limit)
{
	/* Exactly the limit decodes... */
	struct frame_buf f = { .len = 0 };
	ether_header(&f);
	for (int i = 0; i < LINK_MAX_VLAN_TAGS; i++)
		vlan_tag(&f, TPID_8021Q, (uint16_t)i);
	put_be16(&f, ETHERTYPE_IPV4);
	put(&f, ipv4_start, sizeof(ipv4_start));
	expect_net(DLT_EN10MB, &f, 14 + 4 * LINK_MAX_VLAN_TAGS, ETHERTYPE_IPV4);

	/* ...one more tag is counted, not followed. */
	struct frame_buf g = { .len = 0 };
	ether_header(&g);
	for (int i = 0; i <= LINK_MAX_VLAN_TAGS; i++)
		vlan_tag(&g, TPID_8021AD, (uint16_t)i);
	put_be16(&g, ETHERTYPE_IPV4);
	put(&g, ipv4_start, sizeof(ipv4_start));
	struct view net;
	uint16_t type = 0xFFFF;
	ck_assert_int_eq(link_decode(DLT_EN10MB, view_make(g.b, g.len), &net, &type),
			 ANOMALY_LINK_VLAN_DEPTH);
	ck_assert_uint_eq(type, 0);
	ck_assert_uint_eq(net.len, 0);
}
END_TEST

static void sll_v1_header(struct frame_buf *f, uint16_t protocol)
{
	static const uint8_t address[8] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	put_be16(f, 0);      /* packet type: to us */
	put_be16(f, 1);      /* ARPHRD_ETHER */
	put_be16(f, 6);      /* address length: 6 of the 8 bytes used */
	put(f, address, sizeof(address));
	put_be16(f, protocol);
}

START_TEST(linux_sll_v1)
{
	struct frame_buf f = { .len = 0 };
	sll_v1_header(&f, ETHERTYPE_IPV4);
	ck_assert_uint_eq(f.len, 16);
	put(&f, ipv4_start, sizeof(ipv4_start));
	expect_net(DLT_LINUX_SLL, &f, 16, ETHERTYPE_IPV4);
	expect_short_prefixes(DLT_LINUX_SLL, &f, 16);

	struct frame_buf g = { .len = 0 };
	sll_v1_header(&g, ETHERTYPE_IPV6);
	put(&g, ipv6_start, sizeof(ipv6_start));
	expect_net(DLT_LINUX_SLL, &g, 16, ETHERTYPE_IPV6);

	struct frame_buf h = { .len = 0 };
	sll_v1_header(&h, ETHERTYPE_ARP);
	put_zeros(&h, 28);
	expect_net(DLT_LINUX_SLL, &h, 16, 0);
}
END_TEST

START_TEST(linux_sll_v1_vlan)
{
	/* An unstripped tag: protocol 0x8100, then TCI and the inner type. */
	struct frame_buf f = { .len = 0 };
	sll_v1_header(&f, TPID_8021Q);
	put_be16(&f, 0x0064);
	put_be16(&f, ETHERTYPE_IPV4);
	put(&f, ipv4_start, sizeof(ipv4_start));
	expect_net(DLT_LINUX_SLL, &f, 20, ETHERTYPE_IPV4);
	expect_short_prefixes(DLT_LINUX_SLL, &f, 20);
}
END_TEST

static void sll_v2_header(struct frame_buf *f, uint16_t protocol)
{
	static const uint8_t ifindex[4] = { 0, 0, 0, 3 };
	put_be16(f, protocol);
	put_be16(f, 0);              /* reserved */
	put(f, ifindex, sizeof(ifindex));
	put_be16(f, 1);              /* ARPHRD_ETHER */
	put_zeros(f, 1);             /* packet type */
	put_zeros(f, 1);             /* address length */
	put_zeros(f, 8);             /* address */
}

START_TEST(linux_sll_v2)
{
	struct frame_buf f = { .len = 0 };
	sll_v2_header(&f, ETHERTYPE_IPV6);
	ck_assert_uint_eq(f.len, 20);
	put(&f, ipv6_start, sizeof(ipv6_start));
	expect_net(LINKTYPE_LINUX_SLL2, &f, 20, ETHERTYPE_IPV6);
	expect_short_prefixes(LINKTYPE_LINUX_SLL2, &f, 20);

	struct frame_buf g = { .len = 0 };
	sll_v2_header(&g, ETHERTYPE_IPV4);
	put(&g, ipv4_start, sizeof(ipv4_start));
	expect_net(LINKTYPE_LINUX_SLL2, &g, 20, ETHERTYPE_IPV4);

	struct frame_buf h = { .len = 0 };
	sll_v2_header(&h, ETHERTYPE_ARP);
	put_zeros(&h, 28);
	expect_net(LINKTYPE_LINUX_SLL2, &h, 20, 0);
}
END_TEST

START_TEST(linux_sll_v2_vlan)
{
	struct frame_buf f = { .len = 0 };
	sll_v2_header(&f, TPID_8021Q);
	put_be16(&f, 0x0064);
	put_be16(&f, ETHERTYPE_IPV6);
	put(&f, ipv6_start, sizeof(ipv6_start));
	expect_net(LINKTYPE_LINUX_SLL2, &f, 24, ETHERTYPE_IPV6);
	expect_short_prefixes(LINKTYPE_LINUX_SLL2, &f, 24);
}
END_TEST

/* A LINKTYPE_NULL / LOOP frame with family written in either byte order. */
static void null_frame(struct frame_buf *f, uint32_t family, bool big_endian,
		       const uint8_t *ip, size_t ip_len)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++) {
		int shift = big_endian ? 8 * (3 - i) : 8 * i;
		b[i] = (uint8_t)(family >> shift);
	}
	f->len = 0;
	put(f, b, sizeof(b));
	put(f, ip, ip_len);
}

START_TEST(bsd_null_both_byte_orders)
{
	static const uint32_t inet6_families[] = { 10, 24, 28, 30 };
	struct frame_buf f;
	for (int big = 0; big <= 1; big++) {
		null_frame(&f, 2, big, ipv4_start, sizeof(ipv4_start));
		expect_net(DLT_NULL, &f, 4, ETHERTYPE_IPV4);
		expect_short_prefixes(DLT_NULL, &f, 4);
		for (size_t i = 0; i < sizeof(inet6_families) / sizeof(inet6_families[0]); i++) {
			null_frame(&f, inet6_families[i], big, ipv6_start,
				   sizeof(ipv6_start));
			expect_net(DLT_NULL, &f, 4, ETHERTYPE_IPV6);
		}
		/* AF_APPLETALK (16 on the BSDs): not IP, not an anomaly. */
		null_frame(&f, 16, big, ipv4_start, sizeof(ipv4_start));
		expect_net(DLT_NULL, &f, 4, 0);
	}
}
END_TEST

START_TEST(bsd_loop_network_order)
{
	struct frame_buf f;
	null_frame(&f, 2, true, ipv4_start, sizeof(ipv4_start));
	expect_net(DLT_LOOP, &f, 4, ETHERTYPE_IPV4);
	expect_net(LINKTYPE_LOOP, &f, 4, ETHERTYPE_IPV4);
	expect_short_prefixes(DLT_LOOP, &f, 4);
	null_frame(&f, 24, true, ipv6_start, sizeof(ipv6_start));
	expect_net(DLT_LOOP, &f, 4, ETHERTYPE_IPV6);
	/* Little-endian is not LOOP's order: 0x02000000 is no family. */
	null_frame(&f, 2, false, ipv4_start, sizeof(ipv4_start));
	expect_net(DLT_LOOP, &f, 4, 0);
}
END_TEST

START_TEST(raw_ip_by_version_nibble)
{
	static const int raw_types[] = { DLT_RAW, DLT_RAW_LINUX, DLT_RAW_BSDOS,
					 LINKTYPE_RAW };
	for (size_t i = 0; i < sizeof(raw_types) / sizeof(raw_types[0]); i++) {
		struct frame_buf f = { .len = 0 };
		put(&f, ipv4_start, sizeof(ipv4_start));
		expect_net(raw_types[i], &f, 0, ETHERTYPE_IPV4);
		expect_short_prefixes(raw_types[i], &f, 1);

		struct frame_buf g = { .len = 0 };
		put(&g, ipv6_start, sizeof(ipv6_start));
		expect_net(raw_types[i], &g, 0, ETHERTYPE_IPV6);

		static const uint8_t v5[] = { 0x50, 0x00 };
		struct view net;
		uint16_t type = 0xFFFF;
		ck_assert_int_eq(link_decode(raw_types[i], view_make(v5, sizeof(v5)),
					     &net, &type),
				 ANOMALY_IP_BAD_VERSION);
		ck_assert_uint_eq(type, 0);
	}
}
END_TEST

START_TEST(ipv4_and_ipv6_link_types)
{
	struct frame_buf f = { .len = 0 };
	put(&f, ipv4_start, sizeof(ipv4_start));
	expect_net(LINKTYPE_IPV4, &f, 0, ETHERTYPE_IPV4);
	struct frame_buf g = { .len = 0 };
	put(&g, ipv6_start, sizeof(ipv6_start));
	expect_net(LINKTYPE_IPV6, &g, 0, ETHERTYPE_IPV6);
	/* No header to cut: an empty frame is the IP layer's to judge. */
	struct frame_buf e = { .len = 0 };
	expect_net(LINKTYPE_IPV4, &e, 0, ETHERTYPE_IPV4);
}
END_TEST

START_TEST(unsupported_link_type)
{
	struct frame_buf f = { .len = 0 };
	put(&f, ipv4_start, sizeof(ipv4_start));
	struct view net;
	uint16_t type = 0xFFFF;
	ck_assert_int_eq(link_decode(LINKTYPE_IEEE802_11, view_make(f.b, f.len),
				     &net, &type),
			 ANOMALY_LINK_UNSUPPORTED);
	ck_assert_uint_eq(type, 0);
	ck_assert_uint_eq(net.len, 0);
	ck_assert(!link_supported(LINKTYPE_IEEE802_11));
	ck_assert(!link_supported(-1));
}
END_TEST

START_TEST(supported_link_types)
{
	static const int types[] = { DLT_NULL, DLT_EN10MB, DLT_RAW_LINUX,
				     DLT_RAW_BSDOS, LINKTYPE_RAW, LINKTYPE_LOOP,
				     DLT_LINUX_SLL, LINKTYPE_LINUX_SLL2,
				     LINKTYPE_IPV4, LINKTYPE_IPV6 };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		ck_assert_msg(link_supported(types[i]), "linktype %d", types[i]);
}
END_TEST

static Suite *link_suite(void)
{
	Suite *s = suite_create("link");
	TCase *tc = tcase_create("decode");
	tcase_add_test(tc, ethernet_ipv4);
	tcase_add_test(tc, ethernet_ipv6);
	tcase_add_test(tc, ethernet_header_only);
	tcase_add_test(tc, ethernet_arp_is_not_ip);
	tcase_add_test(tc, ethernet_8023_length_is_not_ip);
	tcase_add_test(tc, ethernet_vlan);
	tcase_add_test(tc, ethernet_qinq_8021ad);
	tcase_add_test(tc, ethernet_qinq_9100_three_deep);
	tcase_add_test(tc, ethernet_vlan_arp_is_not_ip);
	tcase_add_test(tc, ethernet_vlan_depth_limit);
	tcase_add_test(tc, linux_sll_v1);
	tcase_add_test(tc, linux_sll_v1_vlan);
	tcase_add_test(tc, linux_sll_v2);
	tcase_add_test(tc, linux_sll_v2_vlan);
	tcase_add_test(tc, bsd_null_both_byte_orders);
	tcase_add_test(tc, bsd_loop_network_order);
	tcase_add_test(tc, raw_ip_by_version_nibble);
	tcase_add_test(tc, ipv4_and_ipv6_link_types);
	tcase_add_test(tc, unsupported_link_type);
	tcase_add_test(tc, supported_link_types);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(link_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
