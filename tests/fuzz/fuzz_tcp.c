/* fuzz_tcp.c - libFuzzer harness for TCP stream reassembly (tcp.h), under
 * small limits, with a consumer that frames the bytes it is offered in
 * fuzzer-chosen ways.
 *
 * Input layout (every field read with fuzz.h, short input reads zeros):
 *   u8  mode      bit 0: checked stream (below); bits 1-2: limits variant
 *   u8  plan[8]   how much the consumer takes per call, cyclically:
 *                 0 nothing, 0xFF all, 0xFE SIP framing, else that many
 *   records until the input ends:
 *   u8  sel       bits 0-1 connection, bit 2 direction, bit 3 raw record,
 *                 bits 4-7 capture-time step (see time_step())
 *   built record: u8 tcp flags, be16 seq delta (signed, from where the
 *                 direction's last segment ended), s8 ack delta (x16,
 *                 from where the peer's last segment ended), be16 payload
 *                 length (mod 2048), u8 bytes cut off by the snaplen,
 *                 then (unchecked mode only) the payload bytes
 *   raw record:   be16 length (mod 2048), u8 extra claimed length, then
 *                 that many bytes from the TCP header on
 *
 * In checked mode every payload byte is the low byte of its sequence
 * number, so the consumer can verify what tcp.h promises: bytes come in
 * stream order, each once, and any bytes skipped are announced by
 * half->resync.  After every segment the table must respect its limits. */
#include "fuzz.h"

#include "dissect/sip.h"
#include "dissect/tcp.h"

enum { FLAG_FIN = 0x01, FLAG_SYN = 0x02, FLAG_RST = 0x04, FLAG_ACK = 0x10 };
enum { MODE_CHECKED = 0x01, MODE_LIMITS_SHIFT = 1, MODE_LIMITS_MASK = 0x3 };
enum { SEL_CONN_MASK = 0x3, SEL_DIR = 0x04, SEL_RAW = 0x08, SEL_TIME_SHIFT = 4 };

#define CONNS 4
#define PLAN_LEN 8
#define TCP_HEADER_LEN 20
#define PAYLOAD_MAX 2048
#define ACK_DELTA_UNIT 16
#define T0 (1700000000LL * NS_PER_SEC)

struct endpoint_pair {
	uint8_t family;
	uint8_t a[16], b[16];
	uint16_t port_a, port_b;
};

/* Four 4-tuples: two share a client, one is IPv6. */
static const struct endpoint_pair pairs[CONNS] = {
	{ NETADDR_V4, { 10, 0, 0, 1 }, { 10, 0, 0, 2 }, 5060, 5060 },
	{ NETADDR_V4, { 10, 0, 0, 1 }, { 10, 0, 0, 2 }, 40000, 5060 },
	{ NETADDR_V4, { 10, 0, 0, 3 }, { 10, 0, 0, 2 }, 5060, 5060 },
	{ NETADDR_V6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
	  { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }, 5061, 443 },
};

/* Where each connection's sequence numbers start: one wraps at 2^32
 * early, one crosses the signed midpoint. */
static const uint32_t initial_seq[CONNS] = { 1000, 0xFFFFFF80u, 0x7FFFFFF0u, 0 };
/* The other direction starts elsewhere, so mixing them up shows. */
#define REVERSE_SEQ_XOR 0x5555u

struct harness {
	bool checked;
	uint8_t plan[PLAN_LEN];
	struct tcp_limits limits;
	uint32_t next_seq[CONNS][2];  /* where the last segment ended */
	unsigned live_states;         /* app_data allocated, not yet freed */
};

/* What the consumer keeps per direction (half->app_data). */
struct half_state {
	bool valid;      /* want holds the next byte expected */
	uint8_t want;
	unsigned plan_pos;
};

static void limits_variant(unsigned v, struct tcp_limits *l)
{
	tcp_limits_default(l);
	switch (v) {
	case 0:
		l->max_connections = 2;
		l->max_stream_bytes = 256;
		l->max_total_bytes = 700;
		l->idle_timeout_ns = 5 * NS_PER_SEC;
		break;
	case 1:
		l->max_connections = 3;
		l->max_stream_bytes = 2048;
		l->max_total_bytes = 4096;
		l->idle_timeout_ns = 60 * NS_PER_SEC;
		break;
	case 2:
		break; /* the defaults */
	default:
		l->max_connections = 1;
		l->max_stream_bytes = 64;
		l->max_total_bytes = 64;
		l->idle_timeout_ns = 1 * NS_PER_SEC;
		break;
	}
}

/* Capture-time steps: most segments close together, some past the gap
 * timeout (10 s) or an idle timeout, one running backwards. */
static int64_t time_step(unsigned code)
{
	if (code < 8)
		return 0;
	if (code < 12)
		return 100 * NS_PER_MS;
	if (code < 14)
		return 11 * NS_PER_SEC;
	if (code == 14)
		return 301 * NS_PER_SEC;
	return -1 * NS_PER_SEC;
}

static size_t consumer(void *ctx, struct tcp_half *half, const struct segment *seg,
		       struct view data)
{
	struct harness *h = ctx;
	FUZZ_CHECK(seg != NULL);
	FUZZ_CHECK(data.len > 0);
	fuzz_touch_ends(data);
	if (!half->app_data) {
		half->app_data = calloc(1, sizeof(struct half_state));
		if (!half->app_data)
			abort();
		h->live_states++;
	}
	struct half_state *st = half->app_data;
	if (half->resync) {
		half->resync = false;
		st->valid = false;
	}
	uint8_t p = h->plan[st->plan_pos++ % PLAN_LEN];
	size_t used;
	if (p == 0) {
		used = 0;
	} else if (p == 0xFF) {
		used = data.len;
	} else if (p == 0xFE) {
		long n = sip_frame_length(data);
		used = n < 0 ? data.len : (size_t)n;
	} else {
		used = p < data.len ? p : data.len;
	}
	/* Only the bytes taken are checked: a consumer that takes a byte at
	 * a time from a long buffer would otherwise cost quadratic time. */
	if (h->checked) {
		if (st->valid)
			FUZZ_CHECK(data.p[0] == st->want);
		for (size_t i = 1; i < used; i++)
			FUZZ_CHECK(data.p[i] == (uint8_t)(data.p[i - 1] + 1));
	}
	if (used) {
		st->want = (uint8_t)(data.p[used - 1] + 1);
		st->valid = true;
	}
	return used;
}

static void free_state(void *ctx, struct tcp_half *half)
{
	struct harness *h = ctx;
	if (half->app_data) {
		FUZZ_CHECK(h->live_states > 0);
		h->live_states--;
	}
	free(half->app_data);
	half->app_data = NULL;
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

static void set_endpoints(struct segment *seg, unsigned conn, bool reverse)
{
	const struct endpoint_pair *pr = &pairs[conn];
	struct endpoint a = { .ip.family = pr->family, .port = pr->port_a };
	struct endpoint b = { .ip.family = pr->family, .port = pr->port_b };
	memcpy(a.ip.bytes, pr->a, pr->family == NETADDR_V4 ? 4 : 16);
	memcpy(b.ip.bytes, pr->b, pr->family == NETADDR_V4 ? 4 : 16);
	seg->src = reverse ? b : a;
	seg->dst = reverse ? a : b;
}

/* One segment built from a few fuzzer bytes: a header tcp.c accepts, at a
 * sequence number near where the direction left off. */
static struct view build_segment(struct harness *h, struct fuzz_input *in, unsigned conn,
				 unsigned dir, uint32_t *l4_len)
{
	uint8_t flags = fuzz_u8(in);
	int16_t seq_delta = (int16_t)fuzz_be16(in);
	int8_t ack_delta = (int8_t)fuzz_u8(in);
	size_t len = fuzz_be16(in) % PAYLOAD_MAX;
	uint8_t lost = fuzz_u8(in);

	uint32_t seq = h->next_seq[conn][dir] + (uint32_t)(int32_t)seq_delta;
	uint32_t data_seq = seq + ((flags & FLAG_SYN) ? 1 : 0);
	uint32_t ack = h->next_seq[conn][!dir] + (uint32_t)(int32_t)(ack_delta * ACK_DELTA_UNIT);

	struct view payload = view_empty();
	if (!h->checked) {
		payload = fuzz_bytes(in, len);
		len = payload.len;
	}
	uint8_t *p = malloc(TCP_HEADER_LEN + len);
	if (!p)
		abort();
	const struct endpoint_pair *pr = &pairs[conn];
	put_be16(p + 0, dir ? pr->port_b : pr->port_a);
	put_be16(p + 2, dir ? pr->port_a : pr->port_b);
	put_be32(p + 4, seq);
	put_be32(p + 8, ack);
	p[12] = (TCP_HEADER_LEN / 4) << 4;
	p[13] = flags;
	put_be16(p + 14, 65535); /* window */
	put_be16(p + 16, 0);     /* checksum: never verified */
	put_be16(p + 18, 0);     /* urgent pointer */
	for (size_t i = 0; i < len; i++)
		p[TCP_HEADER_LEN + i] = h->checked ? (uint8_t)(data_seq + i) : payload.p[i];

	h->next_seq[conn][dir] = data_seq + (uint32_t)len + lost;
	*l4_len = (uint32_t)(TCP_HEADER_LEN + len + lost);
	return view_make(p, TCP_HEADER_LEN + len);
}

static struct view raw_segment(struct fuzz_input *in, uint32_t *l4_len)
{
	size_t len = fuzz_be16(in) % PAYLOAD_MAX;
	uint8_t extra = fuzz_u8(in);
	struct view v = fuzz_dup(fuzz_bytes(in, len));
	*l4_len = (uint32_t)(v.len + extra);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct harness h = { 0 };
	uint8_t mode = fuzz_u8(&in);
	h.checked = (mode & MODE_CHECKED) != 0;
	limits_variant((mode >> MODE_LIMITS_SHIFT) & MODE_LIMITS_MASK, &h.limits);
	for (int i = 0; i < PLAN_LEN; i++)
		h.plan[i] = fuzz_u8(&in);
	for (int c = 0; c < CONNS; c++) {
		h.next_seq[c][0] = initial_seq[c];
		h.next_seq[c][1] = initial_seq[c] ^ REVERSE_SEQ_XOR;
	}

	struct anomaly_counters anomalies = { { 0 } };
	struct tcp_table *t = tcp_table_new(&h.limits, &anomalies, consumer, free_state, &h);
	struct frame f = { .ts_ns = T0, .linktype = 1 };

	while (!fuzz_done(&in)) {
		uint8_t sel = fuzz_u8(&in);
		unsigned conn = sel & SEL_CONN_MASK;
		unsigned dir = (sel & SEL_DIR) ? 1 : 0;
		int64_t step = time_step(sel >> SEL_TIME_SHIFT);
		f.ts_ns += step;
		f.number++;

		struct segment seg = { .frame = &f, .ipproto = IPPROTO_NUM_TCP };
		set_endpoints(&seg, conn, dir);
		uint32_t l4_len;
		struct view l4 = (sel & SEL_RAW) && !h.checked ? raw_segment(&in, &l4_len)
							       : build_segment(&h, &in, conn, dir, &l4_len);
		seg.l4 = l4;
		seg.l4_len = l4_len;
		seg.cut = l4_len > l4.len;
		f.caplen = f.wirelen = (uint32_t)l4.len;
		f.data = l4.p;
		tcp_input(t, &seg);
		fuzz_free(l4);

		struct tcp_stats stats;
		tcp_table_stats(t, &stats);
		FUZZ_CHECK(stats.connections <= h.limits.max_connections);
		FUZZ_CHECK(stats.bytes_pending <= h.limits.max_total_bytes);
		if (step >= 11 * NS_PER_SEC)
			tcp_table_expire(t, f.ts_ns);
	}

	tcp_table_expire(t, INT64_MAX);
	struct tcp_stats stats;
	tcp_table_stats(t, &stats);
	FUZZ_CHECK(stats.connections == 0);
	FUZZ_CHECK(stats.bytes_pending == 0);
	FUZZ_CHECK(h.live_states == 0);
	tcp_table_free(t);
	return 0;
}
