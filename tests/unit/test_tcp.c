/* test_tcp.c - TCP segment decoding and stream reassembly (RFC 9293).
 *
 * Segments are built byte by byte.  The consumer frames "messages" ending
 * in '\n' and logs each as "text|" per direction; "~" marks a delivery
 * with resync set.  It consumes one message per call, so the table must
 * call again while bytes remain. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/tcp.h"

enum { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };
enum { CLIENT = 0, SERVER = 1 };

#define CLIENT_PORT 40000
#define SERVER_PORT 5060
#define HEADER_LEN 20
#define LOG_CAP 32768
#define T0 (1000 * NS_PER_SEC)

enum consume_mode { CONSUME_LINES, CONSUME_NOTHING };

struct recorder {
	enum consume_mode mode;
	char log[2][LOG_CAP];
	size_t log_len[2];
	int calls[2];
	int free_calls;
	const uint8_t *last_data; /* where the last delivery's bytes were */
};

static struct recorder rec;
static struct anomaly_counters anomalies;
static int64_t clock_ns;

/* The packet under test: tcp_input sees these bytes only during the call. */
static uint8_t packet[HEADER_LEN + 2048];

static int dir_index(const struct tcp_half *half)
{
	return half->src.port == SERVER_PORT ? SERVER : CLIENT;
}

static void log_append(int d, const void *p, size_t len)
{
	ck_assert_uint_lt(rec.log_len[d] + len, LOG_CAP);
	memcpy(rec.log[d] + rec.log_len[d], p, len);
	rec.log_len[d] += len;
	rec.log[d][rec.log_len[d]] = '\0';
}

static size_t line_consumer(void *ctx, struct tcp_half *half, const struct segment *seg,
			    struct view data)
{
	struct recorder *r = ctx;
	int d = dir_index(half);
	r->calls[d]++;
	r->last_data = data.p;
	/* Whatever made the bytes available, seg speaks for this direction. */
	ck_assert_ptr_nonnull(seg);
	ck_assert(endpoint_eq(&seg->src, &half->src));
	ck_assert(endpoint_eq(&seg->dst, &half->dst));
	ck_assert(half->peer->peer == half);
	ck_assert_uint_gt(data.len, 0);
	if (!half->app_data)
		half->app_data = malloc(16); /* ASan reports it if never freed */
	if (half->resync) {
		log_append(d, "~", 1);
		half->resync = false;
	}
	if (r->mode == CONSUME_NOTHING)
		return 0;
	long nl = view_find_byte(data, '\n');
	if (nl < 0)
		return 0;
	log_append(d, data.p, (size_t)nl);
	log_append(d, "|", 1);
	return (size_t)nl + 1;
}

static void free_app(void *ctx, struct tcp_half *half)
{
	struct recorder *r = ctx;
	r->free_calls++;
	free(half->app_data);
	half->app_data = NULL;
}

static struct tcp_table *table_with(const struct tcp_limits *l)
{
	memset(&rec, 0, sizeof(rec));
	memset(&anomalies, 0, sizeof(anomalies));
	clock_ns = T0;
	return tcp_table_new(l, &anomalies, line_consumer, free_app, &rec);
}

static struct tcp_table *table_default(void)
{
	struct tcp_limits l;
	tcp_limits_default(&l);
	return table_with(&l);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

struct seg_spec {
	int from;              /* CLIENT or SERVER */
	uint16_t client_port;  /* 0: CLIENT_PORT */
	uint32_t seq, ack;
	uint8_t flags;
	const char *payload;   /* NULL: none */
	uint32_t cut;          /* payload bytes claimed but not captured */
	bool v6;
};

/* Builds the segment's bytes in packet[] and feeds it. */
static void feed(struct tcp_table *t, struct seg_spec s)
{
	size_t len = s.payload ? strlen(s.payload) : 0;
	ck_assert_uint_le(len, sizeof(packet) - HEADER_LEN);
	uint16_t cport = s.client_port ? s.client_port : CLIENT_PORT;
	memset(packet, 0, HEADER_LEN);
	put16(packet, s.from == CLIENT ? cport : SERVER_PORT);
	put16(packet + 2, s.from == CLIENT ? SERVER_PORT : cport);
	put32(packet + 4, s.seq);
	put32(packet + 8, s.ack);
	packet[12] = (HEADER_LEN / 4) << 4;
	packet[13] = s.flags;
	put16(packet + 14, 65535);
	memcpy(packet + HEADER_LEN, s.payload ? s.payload : "", len);

	struct frame f = { .ts_ns = clock_ns, .number = 1 };
	struct segment seg = { .frame = &f, .ipproto = IPPROTO_NUM_TCP };
	uint8_t client_ip[16] = { 10, 0, 0, 1 }, server_ip[16] = { 10, 0, 0, 2 };
	struct netaddr c, sv;
	if (s.v6) {
		client_ip[0] = server_ip[0] = 0x20;
		client_ip[15] = 1;
		server_ip[15] = 2;
		netaddr_set_v6(&c, client_ip);
		netaddr_set_v6(&sv, server_ip);
	} else {
		netaddr_set_v4(&c, client_ip);
		netaddr_set_v4(&sv, server_ip);
	}
	seg.src.ip = s.from == CLIENT ? c : sv;
	seg.dst.ip = s.from == CLIENT ? sv : c;
	seg.l4 = view_make(packet, HEADER_LEN + len);
	seg.l4_len = (uint32_t)(HEADER_LEN + len + s.cut);
	seg.cut = s.cut > 0;
	tcp_input(t, &seg);
	ck_assert_uint_eq(seg.src.port, s.from == CLIENT ? cport : SERVER_PORT);
	ck_assert_uint_eq(seg.dst.port, s.from == CLIENT ? SERVER_PORT : cport);
}

/* Data without ACK: no acknowledgement gets a say unless a test wants it. */
static void send_data(struct tcp_table *t, int from, uint32_t seq, const char *payload)
{
	feed(t, (struct seg_spec){ .from = from, .seq = seq, .flags = PSH, .payload = payload });
}

#define CISN 1000u
#define SISN 5000u

/* RFC 9293 3.5 three-way handshake; data starts at CISN+1 / SISN+1. */
static void handshake(struct tcp_table *t, uint16_t port, uint32_t cisn, uint32_t sisn)
{
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = port, .seq = cisn, .flags = SYN });
	feed(t, (struct seg_spec){ .from = SERVER, .client_port = port, .seq = sisn,
				   .ack = cisn + 1, .flags = SYN | ACK });
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = port, .seq = cisn + 1,
				   .ack = sisn + 1, .flags = ACK });
}

static struct tcp_stats stats_of(const struct tcp_table *t)
{
	struct tcp_stats s;
	memset(&s, 0xAA, sizeof(s));
	tcp_table_stats(t, &s);
	return s;
}

static uint64_t count_of(enum anomaly a)
{
	return anomalies.count[a];
}

/* ------------------------------------------------------------------------ */

START_TEST(test_messages_in_one_segment)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "a\nbb\nccc\n");
	ck_assert_str_eq(rec.log[CLIENT], "a|bb|ccc|");
	ck_assert_int_eq(rec.calls[CLIENT], 3);
	/* Fast path: the consumer read the segment in place. */
	ck_assert(rec.last_data >= packet && rec.last_data < packet + sizeof(packet));
	struct tcp_stats s = stats_of(t);
	ck_assert_uint_eq(s.segments, 4);
	ck_assert_uint_eq(s.connections, 1);
	ck_assert_uint_eq(s.bytes_pending, 0);
	ck_assert_uint_eq(s.retransmitted_bytes, 0);
	ck_assert_uint_eq(s.out_of_order, 0);
	tcp_table_free(t);
	ck_assert_int_eq(rec.free_calls, 2);
}
END_TEST

START_TEST(test_message_across_three_segments)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "hel");
	ck_assert_str_eq(rec.log[CLIENT], "");
	ck_assert_uint_eq(stats_of(t).bytes_pending, 3);
	send_data(t, CLIENT, CISN + 4, "lo wor");
	ck_assert_uint_eq(stats_of(t).bytes_pending, 9);
	send_data(t, CLIENT, CISN + 10, "ld\nnex");
	ck_assert_str_eq(rec.log[CLIENT], "hello world|");
	ck_assert_uint_eq(stats_of(t).bytes_pending, 3);
	send_data(t, CLIENT, CISN + 16, "t\n");
	ck_assert_str_eq(rec.log[CLIENT], "hello world|next|");
	ck_assert_int_eq(rec.calls[CLIENT], 5);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	tcp_table_free(t);
}
END_TEST

START_TEST(test_out_of_order_0_2_1)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "one\n");
	send_data(t, CLIENT, CISN + 9, "three\n");
	ck_assert_str_eq(rec.log[CLIENT], "one|");
	ck_assert_uint_eq(stats_of(t).out_of_order, 1);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 6);
	send_data(t, CLIENT, CISN + 5, "two\n");
	ck_assert_str_eq(rec.log[CLIENT], "one|two|three|");
	struct tcp_stats s = stats_of(t);
	ck_assert_uint_eq(s.out_of_order, 1);
	ck_assert_uint_eq(s.bytes_pending, 0);
	ck_assert_uint_eq(s.retransmitted_bytes, 0);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 0);
	tcp_table_free(t);
}
END_TEST

/* Three segments arriving [2,1,0]: the queue is kept sorted. */
START_TEST(test_out_of_order_reversed)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 6, "c\n");
	send_data(t, CLIENT, CISN + 4, "b\n");
	send_data(t, CLIENT, CISN + 1, "aa\n");
	ck_assert_str_eq(rec.log[CLIENT], "aa|b|c|");
	ck_assert_uint_eq(stats_of(t).out_of_order, 2);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	tcp_table_free(t);
}
END_TEST

START_TEST(test_retransmission_delivered_once)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "one\n");
	send_data(t, CLIENT, CISN + 1, "one\n");
	send_data(t, CLIENT, CISN + 5, "two\n");
	ck_assert_str_eq(rec.log[CLIENT], "one|two|");
	ck_assert_uint_eq(stats_of(t).retransmitted_bytes, 4);
	/* A queued segment sent twice is held once. */
	send_data(t, CLIENT, CISN + 13, "four\n");
	send_data(t, CLIENT, CISN + 13, "four\n");
	ck_assert_uint_eq(stats_of(t).bytes_pending, 5);
	ck_assert_uint_eq(stats_of(t).retransmitted_bytes, 9);
	send_data(t, CLIENT, CISN + 9, "tri\n");
	ck_assert_str_eq(rec.log[CLIENT], "one|two|tri|four|");
	ck_assert_int_eq(rec.calls[CLIENT], 4);
	/* A retransmitted SYN changes nothing. */
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN, .flags = SYN });
	ck_assert_uint_eq(stats_of(t).connections, 1);
	ck_assert_int_eq(rec.free_calls, 0);
	send_data(t, CLIENT, CISN + 18, "five\n");
	ck_assert_str_eq(rec.log[CLIENT], "one|two|tri|four|five|");
	tcp_table_free(t);
}
END_TEST

START_TEST(test_partial_overlap)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	/* In order: the second segment repeats two bytes. */
	send_data(t, CLIENT, CISN + 1, "abc");
	send_data(t, CLIENT, CISN + 2, "bcd\n");
	ck_assert_str_eq(rec.log[CLIENT], "abcd|");
	ck_assert_uint_eq(stats_of(t).retransmitted_bytes, 2);

	/* The stream goes on at b with "0123456789\n".  Queued segments
	 * overlap: [7,10) "789" is wholly covered by [6,11) "6789\n", which
	 * then cuts [2,8) "234567" short... */
	uint32_t b = CISN + 6;
	send_data(t, CLIENT, b + 7, "789");
	send_data(t, CLIENT, b + 6, "6789\n");
	ck_assert_uint_eq(stats_of(t).retransmitted_bytes, 5);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 5);
	send_data(t, CLIENT, b + 2, "234567");
	ck_assert_uint_eq(stats_of(t).retransmitted_bytes, 7);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 9);
	/* ...and the gap [0,2) filled by a segment reaching into the queue. */
	send_data(t, CLIENT, b, "0123");
	ck_assert_str_eq(rec.log[CLIENT], "abcd|0123456789|");
	ck_assert_uint_eq(stats_of(t).retransmitted_bytes, 9);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 0);
	tcp_table_free(t);
}
END_TEST

START_TEST(test_mid_stream_join)
{
	struct tcp_table *t = table_default();
	/* No SYN seen: the first byte may be inside a message. */
	send_data(t, SERVER, 777777, "of a message\nnext\n");
	ck_assert_str_eq(rec.log[SERVER], "~of a message|next|");
	send_data(t, SERVER, 777777 + 18, "more\n");
	ck_assert_str_eq(rec.log[SERVER], "~of a message|next|more|");
	send_data(t, CLIENT, 42, "hi\n");
	ck_assert_str_eq(rec.log[CLIENT], "~hi|");
	ck_assert_uint_eq(stats_of(t).connections, 1);
	ck_assert_int_eq(rec.free_calls, 0);
	/* Pure acknowledgements of unknown connections create nothing. */
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = 1, .seq = 5, .ack = 9,
				   .flags = ACK });
	ck_assert_uint_eq(stats_of(t).connections, 1);
	tcp_table_free(t);
}
END_TEST

START_TEST(test_fin_lifecycle)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	ck_assert_uint_eq(stats_of(t).connections, 1);
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN + 1, .ack = SISN + 1,
				   .flags = ACK | PSH, .payload = "req\n" });
	feed(t, (struct seg_spec){ .from = SERVER, .seq = SISN + 1, .ack = CISN + 5,
				   .flags = ACK | PSH, .payload = "resp\n" });
	ck_assert_str_eq(rec.log[CLIENT], "req|");
	ck_assert_str_eq(rec.log[SERVER], "resp|");
	/* FIN with the last bytes; the connection stays until both FINs. */
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN + 5, .ack = SISN + 6,
				   .flags = ACK | FIN, .payload = "bye\n" });
	ck_assert_str_eq(rec.log[CLIENT], "req|bye|");
	ck_assert_uint_eq(stats_of(t).connections, 1);
	ck_assert_int_eq(rec.free_calls, 0);
	/* Bytes after the FIN are not stream. */
	send_data(t, CLIENT, CISN + 12, "junk\n");
	feed(t, (struct seg_spec){ .from = SERVER, .seq = SISN + 6, .ack = CISN + 10,
				   .flags = ACK | FIN });
	ck_assert_str_eq(rec.log[CLIENT], "req|bye|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 0);
	ck_assert_uint_eq(stats_of(t).connections, 0);
	ck_assert_int_eq(rec.free_calls, 2);
	/* The last ACK does not bring it back. */
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN + 10, .ack = SISN + 7,
				   .flags = ACK });
	ck_assert_uint_eq(stats_of(t).connections, 0);
	/* The 4-tuple is reused by a fresh connection. */
	handshake(t, 0, 90000, 3);
	send_data(t, CLIENT, 90001, "again\n");
	ck_assert_str_eq(rec.log[CLIENT], "req|bye|again|");
	ck_assert_uint_eq(stats_of(t).connections, 1);
	tcp_table_free(t);
	ck_assert_int_eq(rec.free_calls, 4);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 0);
}
END_TEST

/* FINs arriving before the last data: the connection ends once every
 * byte up to both FINs is in. */
START_TEST(test_fin_before_data)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN + 3, .flags = FIN });
	feed(t, (struct seg_spec){ .from = SERVER, .seq = SISN + 1, .flags = FIN });
	ck_assert_uint_eq(stats_of(t).connections, 1);
	send_data(t, CLIENT, CISN + 1, "x\n");
	ck_assert_str_eq(rec.log[CLIENT], "x|");
	ck_assert_uint_eq(stats_of(t).connections, 0);
	ck_assert_int_eq(rec.free_calls, 2);
	tcp_table_free(t);
}
END_TEST

START_TEST(test_rst_delivers_remaining)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "one\n");
	send_data(t, CLIENT, CISN + 20, "late\n"); /* gap before it */
	ck_assert_str_eq(rec.log[CLIENT], "one|");
	/* The server resets: the queued bytes are delivered (the gap is
	 * hopeless), with resync, and seg speaks for the client direction. */
	feed(t, (struct seg_spec){ .from = SERVER, .seq = SISN + 1, .flags = RST,
				   .payload = "diagnostic\n" });
	ck_assert_str_eq(rec.log[CLIENT], "one|~late|");
	ck_assert_str_eq(rec.log[SERVER], "");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 1);
	struct tcp_stats s = stats_of(t);
	ck_assert_uint_eq(s.connections, 0);
	ck_assert_uint_eq(s.bytes_pending, 0);
	ck_assert_int_eq(rec.free_calls, 2);
	/* A reset of an unknown connection is ignored. */
	feed(t, (struct seg_spec){ .from = SERVER, .seq = 1, .flags = RST });
	ck_assert_uint_eq(stats_of(t).connections, 0);
	tcp_table_free(t);
	ck_assert_int_eq(rec.free_calls, 2);
}
END_TEST

/* Only the server's side was seen (joined mid-stream): a client SYN on
 * the 4-tuple is a new connection. */
START_TEST(test_syn_after_one_sided_join)
{
	struct tcp_table *t = table_default();
	send_data(t, SERVER, 5555, "old\n");
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = 100, .flags = SYN });
	ck_assert_int_eq(rec.free_calls, 2);
	ck_assert_uint_eq(stats_of(t).connections, 1);
	feed(t, (struct seg_spec){ .from = SERVER, .seq = 1, .ack = 101, .flags = SYN | ACK });
	send_data(t, SERVER, 2, "new\n");
	ck_assert_str_eq(rec.log[SERVER], "~old|new|");
	tcp_table_free(t);
}
END_TEST

/* The SYN-ACK seen before any client SYN: the client's (re)transmitted
 * SYN belongs to the same handshake. */
START_TEST(test_syn_after_syn_ack)
{
	struct tcp_table *t = table_default();
	feed(t, (struct seg_spec){ .from = SERVER, .seq = SISN, .ack = CISN + 1, .flags = SYN | ACK });
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN, .flags = SYN });
	feed(t, (struct seg_spec){ .from = SERVER, .seq = SISN, .ack = CISN + 1, .flags = SYN | ACK });
	ck_assert_int_eq(rec.free_calls, 0);
	ck_assert_uint_eq(stats_of(t).connections, 1);
	send_data(t, CLIENT, CISN + 1, "req\n");
	send_data(t, SERVER, SISN + 1, "resp\n");
	ck_assert_str_eq(rec.log[CLIENT], "req|");
	ck_assert_str_eq(rec.log[SERVER], "resp|");
	/* Once the server has sent data, a client SYN with a new ISN is a
	 * new connection. */
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN + 99, .flags = SYN });
	ck_assert_int_eq(rec.free_calls, 2);
	tcp_table_free(t);
}
END_TEST

/* A new SYN with another ISN on a half-closed connection starts fresh. */
START_TEST(test_syn_reuses_finished_tuple)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "old\npart");
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN + 9, .flags = FIN });
	ck_assert_uint_eq(stats_of(t).bytes_pending, 4);
	handshake(t, 0, 7000000, 1);
	ck_assert_int_eq(rec.free_calls, 2);
	ck_assert_uint_eq(stats_of(t).connections, 1);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	send_data(t, CLIENT, 7000001, "new\n");
	ck_assert_str_eq(rec.log[CLIENT], "old|new|");
	tcp_table_free(t);
	ck_assert_int_eq(rec.free_calls, 4);
}
END_TEST

START_TEST(test_sequence_wrap)
{
	struct tcp_table *t = table_default();
	uint32_t isn = 0xFFFFFFF8u;
	handshake(t, 0, isn, SISN);
	/* Bytes at 0xFFFFFFF9 .. 0x00000003: the first segment crosses 2^32. */
	uint32_t s0 = isn + 1;
	send_data(t, CLIENT, s0, "abcdefg\n");
	ck_assert_str_eq(rec.log[CLIENT], "abcdefg|");
	/* Out of order across the wrap point, then a retransmission. */
	send_data(t, CLIENT, s0 + 12, "jkl\n");
	send_data(t, CLIENT, s0 + 8, "hi\n!");
	ck_assert_str_eq(rec.log[CLIENT], "abcdefg|hi|!jkl|");
	send_data(t, CLIENT, s0, "abcdefg\n");
	ck_assert_str_eq(rec.log[CLIENT], "abcdefg|hi|!jkl|");
	ck_assert_uint_eq(stats_of(t).retransmitted_bytes, 8);
	ck_assert_uint_eq(stats_of(t).out_of_order, 1);
	ck_assert_uint_eq(s0 + 16, 9u);
	send_data(t, CLIENT, 9, "end\n");
	ck_assert_str_eq(rec.log[CLIENT], "abcdefg|hi|!jkl|end|");
	tcp_table_free(t);
}
END_TEST

/* The receiver acknowledges past the gap: the capture lost those bytes. */
START_TEST(test_gap_acknowledged)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "a\npar");     /* "tial\n" never seen */
	send_data(t, CLIENT, CISN + 11, "c\n");
	ck_assert_str_eq(rec.log[CLIENT], "a|");
	/* An ACK not past the gap proves nothing. */
	feed(t, (struct seg_spec){ .from = SERVER, .seq = SISN + 1, .ack = CISN + 6, .flags = ACK });
	ck_assert_str_eq(rec.log[CLIENT], "a|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 0);
	feed(t, (struct seg_spec){ .from = SERVER, .seq = SISN + 1, .ack = CISN + 13, .flags = ACK });
	ck_assert_str_eq(rec.log[CLIENT], "a|~c|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 1);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	/* The missing bytes arriving late are old now. */
	send_data(t, CLIENT, CISN + 6, "tial\n");
	send_data(t, CLIENT, CISN + 13, "d\n");
	ck_assert_str_eq(rec.log[CLIENT], "a|~c|d|");
	ck_assert_uint_eq(stats_of(t).retransmitted_bytes, 5);
	tcp_table_free(t);
}
END_TEST

/* An ACK inside the gap proves only the bytes before it lost: the rest
 * of the gap may still arrive. */
START_TEST(test_gap_acknowledged_in_part)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "a\n");       /* [1,3) */
	send_data(t, CLIENT, CISN + 9, "c\n");       /* [9,11); [3,9) missing */
	feed(t, (struct seg_spec){ .from = SERVER, .seq = SISN + 1, .ack = CISN + 7, .flags = ACK });
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 1);
	ck_assert_str_eq(rec.log[CLIENT], "a|");
	send_data(t, CLIENT, CISN + 7, "x\n");       /* [7,9) still came */
	ck_assert_str_eq(rec.log[CLIENT], "a|~x|c|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 1);
	ck_assert_uint_eq(stats_of(t).retransmitted_bytes, 0);
	tcp_table_free(t);
}
END_TEST

/* Deterministic pseudo-random segmentation, bounded reordering,
 * duplicates and re-segmented retransmissions: no byte is lost, so the
 * messages come out exactly as sent, once. */
static uint32_t lcg_state;

struct piece {
	size_t off, len;
};

static uint32_t lcg_next(void)
{
	lcg_state = lcg_state * 1664525u + 1013904223u;
	return lcg_state >> 8;
}

START_TEST(test_random_reordering)
{
	enum { MESSAGES = 300, MAX_SEGS = 4096, WINDOW = 6 };
	static char stream[8192];
	static char expected[8192];
	size_t len = 0, elen = 0;
	for (int i = 0; i < MESSAGES; i++) {
		int n = snprintf(stream + len, sizeof(stream) - len, "msg %d %.*s\n", i,
				 i % 23, "abcdefghijklmnopqrstuvwxyz");
		len += (size_t)n;
		memcpy(expected + elen, stream + len - (size_t)n, (size_t)n - 1);
		elen += (size_t)n - 1;
		expected[elen++] = '|';
	}
	expected[elen] = '\0';

	for (uint32_t seed = 1; seed <= 20; seed++) {
		lcg_state = seed;
		struct tcp_table *t = table_default();
		uint32_t isn = lcg_next() * 257u; /* anywhere, wraps included */
		handshake(t, 0, isn, SISN);
		/* Cut the stream into segments of 1..40 bytes. */
		static struct piece segs[MAX_SEGS];
		size_t nsegs = 0;
		for (size_t off = 0; off < len; nsegs++) {
			size_t n = 1 + lcg_next() % 40;
			if (n > len - off)
				n = len - off;
			segs[nsegs].off = off;
			segs[nsegs].len = n;
			off += n;
		}
		/* Swap within a small window, then send; sometimes repeat an
		 * earlier range with other boundaries. */
		for (size_t i = 0; i + 1 < nsegs; i++) {
			size_t j = i + lcg_next() % WINDOW;
			if (j < nsegs) {
				struct piece tmp = segs[i];
				segs[i] = segs[j];
				segs[j] = tmp;
			}
		}
		for (size_t i = 0; i < nsegs; i++) {
			char buf[64];
			memcpy(buf, stream + segs[i].off, segs[i].len);
			buf[segs[i].len] = '\0';
			send_data(t, CLIENT, isn + 1 + (uint32_t)segs[i].off, buf);
			if (lcg_next() % 5 == 0) {
				size_t back = lcg_next() % 50, n = 1 + lcg_next() % 50;
				size_t off = segs[i].off > back ? segs[i].off - back : 0;
				if (n > len - off)
					n = len - off;
				memcpy(buf, stream + off, n);
				buf[n] = '\0';
				send_data(t, CLIENT, isn + 1 + (uint32_t)off, buf);
			}
		}
		ck_assert_str_eq(rec.log[CLIENT], expected);
		ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
		ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 0);
		ck_assert_uint_eq(count_of(ANOMALY_TCP_LIMIT), 0);
		ck_assert_uint_gt(stats_of(t).out_of_order, 0);
		ck_assert_uint_gt(stats_of(t).retransmitted_bytes, 0);
		tcp_table_free(t);
	}
}
END_TEST

/* No acknowledgement at all (one-sided capture): the gap is given up after
 * a while, and later data still flows. */
START_TEST(test_gap_times_out)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "a\n");
	send_data(t, CLIENT, CISN + 5, "c\n");
	clock_ns += 5 * NS_PER_SEC;
	send_data(t, CLIENT, CISN + 7, "d\n");
	ck_assert_str_eq(rec.log[CLIENT], "a|");
	ck_assert_uint_eq(stats_of(t).bytes_pending, 4);
	clock_ns += 6 * NS_PER_SEC;
	send_data(t, CLIENT, CISN + 9, "e\n");
	ck_assert_str_eq(rec.log[CLIENT], "a|~c|d|e|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 1);
	/* Traffic in the other direction also gets a stale gap skipped. */
	send_data(t, CLIENT, CISN + 20, "g\n");
	clock_ns += 11 * NS_PER_SEC;
	send_data(t, SERVER, SISN + 1, "ok\n");
	ck_assert_str_eq(rec.log[CLIENT], "a|~c|d|e|~g|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 2);
	tcp_table_free(t);
}
END_TEST

/* A gap that does not fill before the direction's budget is used up. */
START_TEST(test_gap_byte_limit)
{
	struct tcp_limits l;
	tcp_limits_default(&l);
	l.max_stream_bytes = 16;
	struct tcp_table *t = table_with(&l);
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "a\nwait");
	send_data(t, CLIENT, CISN + 20, "0123\n");
	send_data(t, CLIENT, CISN + 25, "4567\n");
	ck_assert_str_eq(rec.log[CLIENT], "a|");
	ck_assert_uint_eq(stats_of(t).bytes_pending, 14);
	send_data(t, CLIENT, CISN + 30, "89\n");
	ck_assert_str_eq(rec.log[CLIENT], "a|~0123|4567|89|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 1);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_LIMIT), 0);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	send_data(t, CLIENT, CISN + 33, "z\n");
	ck_assert_str_eq(rec.log[CLIENT], "a|~0123|4567|89|z|");
	tcp_table_free(t);
}
END_TEST

START_TEST(test_stream_byte_limit)
{
	struct tcp_limits l;
	tcp_limits_default(&l);
	l.max_stream_bytes = 16;
	struct tcp_table *t = table_with(&l);
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "0123456789");
	ck_assert_uint_eq(stats_of(t).bytes_pending, 10);
	send_data(t, CLIENT, CISN + 11, "0123456789");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_LIMIT), 1);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	send_data(t, CLIENT, CISN + 21, "ok\n");
	ck_assert_str_eq(rec.log[CLIENT], "~ok|");
	/* One segment alone over the limit (fast path): nothing is kept. */
	send_data(t, CLIENT, CISN + 24, "x\n0123456789abcdefgh");
	ck_assert_str_eq(rec.log[CLIENT], "~ok|x|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_LIMIT), 2);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	send_data(t, CLIENT, CISN + 44, "y\n");
	ck_assert_str_eq(rec.log[CLIENT], "~ok|x|~y|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 0);
	tcp_table_free(t);
}
END_TEST

/* All connections together: the one holding bytes longest loses them. */
START_TEST(test_total_byte_limit)
{
	struct tcp_limits l;
	tcp_limits_default(&l);
	l.max_total_bytes = 20;
	struct tcp_table *t = table_with(&l);
	handshake(t, 40001, CISN, SISN);
	handshake(t, 40002, CISN, SISN);
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = 40001, .seq = CISN + 1,
				   .flags = PSH, .payload = "first-half" });
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = 40002, .seq = CISN + 1,
				   .flags = PSH, .payload = "second-hal" });
	ck_assert_uint_eq(stats_of(t).bytes_pending, 20);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_LIMIT), 0);
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = 40002, .seq = CISN + 11,
				   .flags = PSH, .payload = "f" });
	ck_assert_uint_eq(count_of(ANOMALY_TCP_LIMIT), 1);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 11);
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = 40002, .seq = CISN + 12,
				   .flags = PSH, .payload = "\n" });
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = 40001, .seq = CISN + 11,
				   .flags = PSH, .payload = "next\n" });
	ck_assert_str_eq(rec.log[CLIENT], "second-half|~next|");
	ck_assert_uint_eq(stats_of(t).connections, 2);
	tcp_table_free(t);
}
END_TEST

START_TEST(test_connection_limit_evicts_lru)
{
	struct tcp_limits l;
	tcp_limits_default(&l);
	l.max_connections = 2;
	struct tcp_table *t = table_with(&l);
	handshake(t, 40001, CISN, SISN);
	handshake(t, 40002, CISN, SISN);
	/* 40001 is used again: 40002 becomes the least recently used. */
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = 40001, .seq = CISN + 1,
				   .flags = PSH, .payload = "a\n" });
	handshake(t, 40003, CISN, SISN);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_CONN_LIMIT), 1);
	ck_assert_uint_eq(stats_of(t).connections, 2);
	ck_assert_int_eq(rec.free_calls, 2);
	/* 40001 is still tracked; 40002 comes back as a mid-stream join. */
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = 40001, .seq = CISN + 3,
				   .flags = PSH, .payload = "b\n" });
	ck_assert_uint_eq(count_of(ANOMALY_TCP_CONN_LIMIT), 1);
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = 40002, .seq = CISN + 1,
				   .flags = PSH, .payload = "c\n" });
	ck_assert_str_eq(rec.log[CLIENT], "a|b|~c|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_CONN_LIMIT), 2);
	ck_assert_uint_eq(stats_of(t).connections, 2);
	ck_assert_int_eq(rec.free_calls, 4);
	tcp_table_free(t);
	ck_assert_int_eq(rec.free_calls, 8);
}
END_TEST

START_TEST(test_idle_expiry)
{
	struct tcp_table *t = table_default();
	handshake(t, 40001, CISN, SISN);
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = 40001, .seq = CISN + 1,
				   .flags = PSH, .payload = "partial" });
	clock_ns += 100 * NS_PER_SEC;
	handshake(t, 40002, CISN, SISN);
	feed(t, (struct seg_spec){ .from = CLIENT, .client_port = 40002, .seq = CISN + 1,
				   .flags = PSH, .payload = "whole\n" });
	tcp_table_expire(t, T0 + 299 * NS_PER_SEC);
	ck_assert_uint_eq(stats_of(t).connections, 2);
	tcp_table_expire(t, T0 + 300 * NS_PER_SEC);
	ck_assert_uint_eq(stats_of(t).connections, 1);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_TIMEOUT), 1);
	ck_assert_int_eq(rec.free_calls, 2);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	/* The end of a capture expires everything; idle without bytes is
	 * not an anomaly. */
	tcp_table_expire(t, INT64_MAX);
	ck_assert_uint_eq(stats_of(t).connections, 0);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_TIMEOUT), 1);
	ck_assert_int_eq(rec.free_calls, 4);
	tcp_table_free(t);
	ck_assert_int_eq(rec.free_calls, 4);
}
END_TEST

/* Queued out-of-order bytes count as pending for expiry. */
START_TEST(test_idle_expiry_with_queue)
{
	struct tcp_table *t = table_default();
	send_data(t, CLIENT, 100, "a\n");
	send_data(t, CLIENT, 110, "b\n");
	ck_assert_uint_eq(stats_of(t).bytes_pending, 2);
	tcp_table_expire(t, clock_ns + 300 * NS_PER_SEC);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_TIMEOUT), 1);
	ck_assert_uint_eq(stats_of(t).connections, 0);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	tcp_table_free(t);
}
END_TEST

/* Bytes the capture cut (snaplen) are a gap known at once. */
START_TEST(test_snaplen_cut_segment)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN + 1, .flags = PSH,
				   .payload = "ab\ncd", .cut = 5 }); /* "ab\ncdefgh\n" */
	ck_assert_str_eq(rec.log[CLIENT], "ab|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 1);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	send_data(t, CLIENT, CISN + 11, "x\n");
	ck_assert_str_eq(rec.log[CLIENT], "ab|~x|");
	/* A cut segment waiting out of order ([17,20) held, [20,27) cut):
	 * its cut bytes are skipped when it is reached, but only up to the
	 * next data held ([25,27) arrived on its own). */
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN + 17, .flags = PSH,
				   .payload = "q\nr", .cut = 7 });
	send_data(t, CLIENT, CISN + 25, "s\n");
	send_data(t, CLIENT, CISN + 27, "t\n");
	ck_assert_str_eq(rec.log[CLIENT], "ab|~x|");
	send_data(t, CLIENT, CISN + 13, "ppp\n");
	ck_assert_str_eq(rec.log[CLIENT], "ab|~x|ppp|q|~s|t|");
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 2);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	/* A retransmission whose captured bytes are all old but whose cut
	 * bytes are new: the pending bytes are not offered again, they go
	 * with the gap. */
	send_data(t, CLIENT, CISN + 29, "wait");
	int calls = rec.calls[CLIENT];
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN + 29, .flags = PSH,
				   .payload = "wa", .cut = 6 });
	ck_assert_int_eq(rec.calls[CLIENT], calls);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 3);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	send_data(t, CLIENT, CISN + 37, "u\n");
	ck_assert_str_eq(rec.log[CLIENT], "ab|~x|ppp|q|~s|t|~u|");
	tcp_table_free(t);
}
END_TEST

/* Data lost before a FIN: the peer acknowledging the FIN ends the wait. */
START_TEST(test_fin_gap_acknowledged)
{
	struct tcp_table *t = table_default();
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "a\nlost");
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = CISN + 12, .flags = FIN | ACK,
				   .ack = SISN + 1 });
	feed(t, (struct seg_spec){ .from = SERVER, .seq = SISN + 1, .ack = CISN + 13,
				   .flags = FIN | ACK });
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 1);
	ck_assert_uint_eq(stats_of(t).connections, 0);
	ck_assert_int_eq(rec.free_calls, 2);
	ck_assert_str_eq(rec.log[CLIENT], "a|");
	tcp_table_free(t);
}
END_TEST

START_TEST(test_ipv6_both_directions)
{
	struct tcp_table *t = table_default();
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = 1, .flags = SYN, .v6 = true });
	feed(t, (struct seg_spec){ .from = SERVER, .seq = 9, .ack = 2, .flags = SYN | ACK,
				   .v6 = true });
	feed(t, (struct seg_spec){ .from = CLIENT, .seq = 2, .ack = 10, .flags = ACK | PSH,
				   .payload = "INVITE\n", .v6 = true });
	feed(t, (struct seg_spec){ .from = SERVER, .seq = 10, .ack = 9, .flags = ACK | PSH,
				   .payload = "100\n200\n", .v6 = true });
	ck_assert_str_eq(rec.log[CLIENT], "INVITE|");
	ck_assert_str_eq(rec.log[SERVER], "100|200|");
	/* The same ports over IPv4 are another connection. */
	send_data(t, CLIENT, 2, "v4\n");
	ck_assert_uint_eq(stats_of(t).connections, 2);
	ck_assert_str_eq(rec.log[CLIENT], "INVITE|~v4|");
	tcp_table_free(t);
	ck_assert_int_eq(rec.free_calls, 4);
}
END_TEST

/* Many connections: the hash table grows and finds every one. */
START_TEST(test_many_connections)
{
	struct tcp_table *t = table_default();
	enum { N = 3000 };
	for (uint16_t i = 0; i < N; i++)
		feed(t, (struct seg_spec){ .from = CLIENT, .client_port = (uint16_t)(10000 + i),
					   .seq = 1, .flags = PSH, .payload = "x" });
	ck_assert_uint_eq(stats_of(t).connections, N);
	ck_assert_uint_eq(stats_of(t).bytes_pending, N);
	for (uint16_t i = 0; i < N; i++)
		feed(t, (struct seg_spec){ .from = SERVER, .client_port = (uint16_t)(10000 + i),
					   .seq = 1, .flags = PSH, .payload = "y\n" });
	ck_assert_uint_eq(stats_of(t).connections, N);
	ck_assert_int_eq(rec.calls[SERVER], N);
	for (uint16_t i = 0; i < N; i++)
		feed(t, (struct seg_spec){ .from = CLIENT, .client_port = (uint16_t)(10000 + i),
					   .seq = 2, .flags = PSH, .payload = "\n" });
	ck_assert_uint_eq(stats_of(t).connections, N);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 0);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_CONN_LIMIT), 0);
	tcp_table_free(t);
	ck_assert_int_eq(rec.free_calls, 2 * N);
}
END_TEST

static void feed_raw(struct tcp_table *t, const uint8_t *bytes, size_t captured, uint32_t claimed,
		     struct segment *seg)
{
	static struct frame f;
	memset(seg, 0, sizeof(*seg));
	f.ts_ns = clock_ns;
	seg->frame = &f;
	seg->ipproto = IPPROTO_NUM_TCP;
	seg->l4 = view_make(bytes, captured);
	seg->l4_len = claimed;
	tcp_input(t, seg);
}

START_TEST(test_malformed_headers)
{
	struct tcp_table *t = table_default();
	uint8_t b[64] = { 0x13, 0xC4, 0x9C, 0x40, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, PSH };
	struct segment seg;
	feed_raw(t, b, 3, 20, &seg);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_SHORT), 1);
	feed_raw(t, b, 12, 20, &seg);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_SHORT), 2);
	ck_assert_uint_eq(seg.src.port, 5060); /* ports are read when present */
	ck_assert_uint_eq(seg.dst.port, 40000);
	feed_raw(t, b, 19, 20, &seg);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_SHORT), 3);
	b[12] = 0x40; /* data offset 4 words: below the minimum */
	feed_raw(t, b, 20, 20, &seg);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_BAD_HEADER_LEN), 1);
	b[12] = 0xF0; /* 60 bytes of header, but the IP length says 24 */
	feed_raw(t, b, 24, 24, &seg);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_BAD_HEADER_LEN), 2);
	b[12] = 0x60; /* 24 bytes claimed and announced, 20 captured */
	feed_raw(t, b, 20, 30, &seg);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_SHORT), 4);
	ck_assert_uint_eq(stats_of(t).connections, 0);
	/* With options (data offset 6) the payload starts after them. */
	memcpy(b + 24, "opt\n", 4);
	feed_raw(t, b, 28, 28, &seg);
	ck_assert_uint_eq(stats_of(t).connections, 1);
	ck_assert_str_eq(rec.log[SERVER], "~opt|");
	/* Ethernet padding after the IP length is not payload. */
	memcpy(b + 24, "pad\nXXXX", 8);
	b[7] = 5;
	feed_raw(t, b, 32, 28, &seg);
	ck_assert_str_eq(rec.log[SERVER], "~opt|pad|");
	ck_assert_uint_eq(stats_of(t).segments, 8);
	ck_assert_uint_eq(count_of(ANOMALY_TCP_GAP), 0);
	tcp_table_free(t);
}
END_TEST

/* A consumer that never consumes gets each new byte offered once per
 * segment, never the same bytes twice for one segment. */
START_TEST(test_unconsumed_offered_once_per_segment)
{
	struct tcp_table *t = table_default();
	rec.mode = CONSUME_NOTHING;
	handshake(t, 0, CISN, SISN);
	send_data(t, CLIENT, CISN + 1, "abc");
	send_data(t, CLIENT, CISN + 7, "ghi"); /* queued: nothing new in order */
	ck_assert_int_eq(rec.calls[CLIENT], 1);
	send_data(t, CLIENT, CISN + 4, "def");
	ck_assert_int_eq(rec.calls[CLIENT], 2);
	ck_assert_uint_eq(stats_of(t).bytes_pending, 9);
	send_data(t, CLIENT, CISN + 1, "abc"); /* retransmission: nothing new */
	ck_assert_int_eq(rec.calls[CLIENT], 2);
	tcp_table_free(t);
}
END_TEST

static Suite *tcp_suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *stream = tcase_create("stream");
	tcase_add_test(stream, test_messages_in_one_segment);
	tcase_add_test(stream, test_message_across_three_segments);
	tcase_add_test(stream, test_out_of_order_0_2_1);
	tcase_add_test(stream, test_out_of_order_reversed);
	tcase_add_test(stream, test_retransmission_delivered_once);
	tcase_add_test(stream, test_partial_overlap);
	tcase_add_test(stream, test_mid_stream_join);
	tcase_add_test(stream, test_sequence_wrap);
	tcase_add_test(stream, test_random_reordering);
	tcase_add_test(stream, test_unconsumed_offered_once_per_segment);
	suite_add_tcase(s, stream);

	TCase *life = tcase_create("lifecycle");
	tcase_add_test(life, test_fin_lifecycle);
	tcase_add_test(life, test_fin_before_data);
	tcase_add_test(life, test_rst_delivers_remaining);
	tcase_add_test(life, test_syn_reuses_finished_tuple);
	tcase_add_test(life, test_syn_after_one_sided_join);
	tcase_add_test(life, test_syn_after_syn_ack);
	tcase_add_test(life, test_ipv6_both_directions);
	suite_add_tcase(s, life);

	TCase *loss = tcase_create("gaps");
	tcase_add_test(loss, test_gap_acknowledged);
	tcase_add_test(loss, test_gap_acknowledged_in_part);
	tcase_add_test(loss, test_gap_times_out);
	tcase_add_test(loss, test_gap_byte_limit);
	tcase_add_test(loss, test_snaplen_cut_segment);
	tcase_add_test(loss, test_fin_gap_acknowledged);
	suite_add_tcase(s, loss);

	TCase *limits = tcase_create("limits");
	tcase_add_test(limits, test_stream_byte_limit);
	tcase_add_test(limits, test_total_byte_limit);
	tcase_add_test(limits, test_connection_limit_evicts_lru);
	tcase_add_test(limits, test_idle_expiry);
	tcase_add_test(limits, test_idle_expiry_with_queue);
	tcase_add_test(limits, test_many_connections);
	suite_add_tcase(s, limits);

	TCase *header = tcase_create("header");
	tcase_add_test(header, test_malformed_headers);
	suite_add_tcase(s, header);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
