/* fuzz_pipeline.c - libFuzzer harness for the whole dissector: captured
 * records in, through link, IP (fragments, tunnels), UDP, TCP (streams,
 * WebSocket), SIP, SDP and RTP, into the call store, and out as both
 * reports.
 *
 * Input layout (every field read with fuzz.h, short input reads zeros):
 *   u8  config    bit 0 tiny reassembly limits, bit 1 tiny store (-l 4,
 *                 few messages per dialog), bit 2 rotate (-R), bit 3
 *                 INVITE dialogs only (-c), bit 4 keep no message text
 *   records until the input ends:
 *   be16 caplen   bytes captured
 *   u8  sel       bits 0-3 link type (link_types[]), bits 4-5 capture-time
 *                 step, bit 6 the frame was cut by the snaplen, bit 7
 *                 capture time runs back
 *   caplen bytes  the frame, from the link header on
 * Each frame is copied into an allocation of exactly caplen bytes, so a
 * read past what was captured is a heap-buffer-overflow. */
#include "fuzz.h"
#include "json_check.h"

#include "dissect/dissect.h"
#include "output/report.h"
#include "store/store.h"

enum {
	CFG_TINY_LIMITS = 0x01,
	CFG_TINY_STORE = 0x02,
	CFG_ROTATE = 0x04,
	CFG_INVITE_ONLY = 0x08,
	CFG_NO_RAW = 0x10,
};
enum {
	SEL_LINK_MASK = 0x0F,
	SEL_TIME_SHIFT = 4,
	SEL_TIME_MASK = 0x3,
	SEL_CUT = 0x40,
	SEL_BACK = 0x80,
};

/* What libpcap reports for the link types sipmon decodes (DLT_ values on
 * Linux and their LINKTYPE_ twins), and two it does not. */
static const int link_types[] = {
	1,   /* EN10MB */
	113, /* LINUX_SLL */
	276, /* LINUX_SLL2 */
	12,  /* DLT_RAW (Linux) */
	101, /* LINKTYPE_RAW */
	14,  /* DLT_RAW (BSD/OS, OpenBSD) */
	0,   /* NULL */
	108, /* LOOP */
	228, /* IPV4 */
	229, /* IPV6 */
	105, /* IEEE802_11: unsupported */
	147, /* USER0: unsupported */
};
#define LINK_TYPE_COUNT (sizeof(link_types) / sizeof(link_types[0]))

#define T0 (1700000000LL * NS_PER_SEC)
#define FRAME_CUT_EXTRA 100
#define TIME_BACK (3 * NS_PER_SEC)

/* Steps of capture time: same instant, a packetisation interval, past the
 * expiry interval (1 s) and the tiny timeouts, past every timeout. */
static const int64_t time_steps[] = {
	0, 20 * NS_PER_MS, 2 * NS_PER_SEC, 400 * NS_PER_SEC,
};

static void configure(uint8_t cfg, struct dissect_config *dcfg, struct store_config *scfg)
{
	dissect_config_default(dcfg);
	if (cfg & CFG_TINY_LIMITS) {
		dcfg->ip.frag_max_bytes = 2048;
		dcfg->ip.frag_max_datagrams = 2;
		dcfg->ip.frag_timeout_ns = 1 * NS_PER_SEC;
		dcfg->ip.max_tunnel_depth = 1;
		dcfg->tcp.max_connections = 2;
		dcfg->tcp.max_stream_bytes = 1024;
		dcfg->tcp.max_total_bytes = 2048;
		dcfg->tcp.idle_timeout_ns = 5 * NS_PER_SEC;
	}
	store_config_default(scfg);
	if (cfg & CFG_TINY_STORE) {
		scfg->max_calls = 4;
		scfg->max_messages = 3;
	}
	scfg->rotate = (cfg & CFG_ROTATE) != 0;
	scfg->invite_only = (cfg & CFG_INVITE_ONLY) != 0;
	scfg->keep_raw = !(cfg & CFG_NO_RAW);
}

/* A terminal shows the text report: it must be valid UTF-8 without
 * control characters other than TAB and LF, C0, DEL or C1 alike (an ESC or
 * CSI from a Call-ID would let a packet drive the operator's terminal). */
static bool text_is_printable(const char *text, size_t len)
{
	struct json_check c = { (const uint8_t *)text, (const uint8_t *)text + len };
	while (c.p < c.end) {
		uint8_t b = c.p[0];
		if (b < 0x80) {
			if ((b < 0x20 && b != '\t' && b != '\n') || b == 0x7F)
				return false;
			c.p++;
			continue;
		}
		/* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8. */
		if (b == 0xC2 && c.end - c.p >= 2 && c.p[1] >= 0x80 && c.p[1] <= 0x9F)
			return false;
		if (!json_check_utf8(&c))
			return false;
	}
	return true;
}

/* Both reports, into memory: the JSON one must be valid JSON (json.h
 * promises it whatever the network sent), the text one printable. */
static void write_reports(struct dissector *d, struct store *store)
{
	static const char *const sources[] = { "file:fuzz.pcap" };
	struct report_input ri = {
		.sources = sources,
		.source_count = 1,
		.counters = dissector_counters(d),
		.malformed = dissector_malformed(d),
		.store = store,
	};
	char *json = NULL, *text = NULL;
	size_t json_len = 0, text_len = 0;
	FILE *json_out = open_memstream(&json, &json_len);
	FILE *text_out = open_memstream(&text, &text_len);
	if (!json_out || !text_out)
		abort();
	store_read_lock(store);
	report_write_json(json_out, &ri);
	report_write_text(text_out, &ri);
	store_read_unlock(store);
	fclose(json_out);
	fclose(text_out);
	FUZZ_CHECK(json_check_text(json, json_len));
	FUZZ_CHECK(text_is_printable(text, text_len));
	free(json);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct dissect_config dcfg;
	struct store_config scfg;
	configure(fuzz_u8(&in), &dcfg, &scfg);

	struct store *store = store_new(&scfg);
	struct dissector *d = dissector_new(&dcfg, store);
	struct frame f = { .ts_ns = T0 };

	while (!fuzz_done(&in)) {
		uint16_t caplen = fuzz_be16(&in);
		uint8_t sel = fuzz_u8(&in);
		struct view bytes = fuzz_dup(fuzz_bytes(&in, caplen));

		f.ts_ns += time_steps[(sel >> SEL_TIME_SHIFT) & SEL_TIME_MASK];
		if (sel & SEL_BACK)
			f.ts_ns -= TIME_BACK;
		f.number++;
		f.linktype = link_types[(sel & SEL_LINK_MASK) % LINK_TYPE_COUNT];
		f.caplen = (uint32_t)bytes.len;
		f.wirelen = f.caplen + ((sel & SEL_CUT) ? FRAME_CUT_EXTRA : 0);
		f.data = bytes.p;

		store_write_lock(store);
		dissector_frame(d, &f);
		store_touch(store);
		store_write_unlock(store);
		fuzz_free(bytes);
	}

	store_write_lock(store);
	dissector_finish(d);
	store_write_unlock(store);

	const struct capture_counters *c = dissector_counters(d);
	FUZZ_CHECK(c->packets == f.number);
	FUZZ_CHECK(store_call_count(store) <= scfg.max_calls);
	write_reports(d, store);

	dissector_free(d);
	store_free(store);
	return 0;
}
