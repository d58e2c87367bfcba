/* Unit tests: the saver's delay line, driven by the real dissector over the
 * project's generated captures (tests/golden/captures). */
#include <check.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/dissect.h"
#include "output/saver.h"
#include "store/store.h"

#define MAX_FRAMES 4096
#define MAX_MESSAGES 64
#define MESSAGE_LINE 48

/* Frames of the capture, and which of them the saver wrote. */
struct run {
	int64_t ts[MAX_FRAMES];
	uint32_t len[MAX_FRAMES];
	size_t frames;
	bool written[MAX_FRAMES];
	size_t written_count;
	size_t order_errors;
	size_t last_written;
	/* saver_config.messages: each message's frame and start line. */
	size_t messages;
	size_t message_frame[MAX_MESSAGES];
	char message_line[MAX_MESSAGES][MESSAGE_LINE];
	bool message_passes[MAX_MESSAGES];
};

static void sink(void *ctx, const struct saved_frame *sf)
{
	struct run *r = ctx;
	int64_t ts_ns = sf->ts_ns;
	uint32_t caplen = sf->caplen;
	ck_assert_uint_gt(sf->call_count, 0);
	/* Frames are told apart by time and length (unique in these captures). */
	for (size_t i = 0; i < r->frames; i++) {
		if (r->ts[i] == ts_ns && r->len[i] == caplen && !r->written[i]) {
			r->written[i] = true;
			r->written_count++;
			if (i + 1 < r->last_written)
				r->order_errors++;
			r->last_written = i + 1;
			for (size_t k = 0; k < sf->message_count && r->messages < MAX_MESSAGES; k++) {
				const struct saved_message *m = &sf->messages[k];
				size_t n = 0;
				while (n < m->len && n < MESSAGE_LINE - 1 && m->raw[n] != '\r')
					n++;
				memcpy(r->message_line[r->messages], m->raw, n);
				r->message_line[r->messages][n] = '\0';
				r->message_frame[r->messages] = i + 1;
				r->message_passes[r->messages] = m->passes;
				r->messages++;
			}
			return;
		}
	}
	ck_abort_msg("the saver wrote a frame the capture does not have");
}

typedef void (*after_frame_fn)(struct store *s);

/* Dissects capture (relative to tests/golden/captures) with a saver. */
static struct run *run_capture(const char *capture, struct saver_config *cfg,
			       after_frame_fn after, struct saver_stats *stats)
{
	char path[1024], err[PCAP_ERRBUF_SIZE];
	const char *srcdir = getenv("SRCDIR");
	snprintf(path, sizeof(path), "%s/tests/golden/captures/%s", srcdir ? srcdir : ".", capture);
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	ck_assert_msg(p != NULL, "%s", err);

	struct store_config scfg;
	store_config_default(&scfg);
	struct store *store = store_new(&scfg);
	struct dissect_config dcfg;
	dissect_config_default(&dcfg);
	struct dissector *d = dissector_new(&dcfg, store);
	struct run *r = calloc(1, sizeof(*r));
	struct saver *sv = saver_new(cfg, store, sink, r);
	saver_attach(sv, d);

	struct pcap_pkthdr *h;
	const u_char *data;
	while (pcap_next_ex(p, &h, &data) == 1) {
		ck_assert_uint_lt(r->frames, MAX_FRAMES);
		struct frame f = {
			.ts_ns = (int64_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec,
			.number = r->frames + 1,
			.caplen = h->caplen,
			.wirelen = h->len,
			.linktype = pcap_datalink(p),
			.data = data,
		};
		r->ts[r->frames] = f.ts_ns;
		r->len[r->frames] = f.caplen;
		r->frames++;
		dissector_frame(d, &f);
		if (after)
			after(store);
	}
	dissector_finish(d);
	saver_finish(sv);
	saver_get_stats(sv, stats);
	saver_free(sv);
	dissector_free(d);
	store_free(store);
	pcap_close(p);
	return r;
}

static void assert_written(const struct run *r, const int *frames, size_t n, bool want)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(r->written[frames[i] - 1] == want, "frame %d %s written", frames[i],
			      want ? "not" : "wrongly");
}

/* --text: each message rides with the frame that completed it, whole
 * (reassembled across segments), once. */
START_TEST(messages_ride_with_the_frame_that_completes_them)
{
	struct saver_config cfg = { .messages = true };
	struct saver_stats st;
	struct run *r = run_capture("tcp-split.pcap", &cfg, NULL, &st);
	static const struct {
		size_t frame;
		const char *line;
	} want[] = {
		{ 6, "INVITE sip:" }, { 8, "SIP/2.0 100 Trying" }, { 10, "SIP/2.0 180 Ringing" },
		{ 13, "SIP/2.0 200 OK" }, { 15, "ACK sip:" }, { 33, "BYE sip:" }, { 35, "SIP/2.0 200 OK" },
	};
	ck_assert_uint_eq(r->messages, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < r->messages; i++) {
		ck_assert_uint_eq(r->message_frame[i], want[i].frame);
		ck_assert_msg(strncmp(r->message_line[i], want[i].line, strlen(want[i].line)) == 0,
			      "message %zu: %s", i, r->message_line[i]);
		ck_assert(r->message_passes[i]);
	}
	ck_assert_uint_eq(st.messages_written, r->messages);
	free(r);
	/* Without the option, no messages. */
	cfg.messages = false;
	r = run_capture("tcp-split.pcap", &cfg, NULL, &st);
	ck_assert_uint_eq(r->messages, 0);
	free(r);
}
END_TEST

START_TEST(tcp_segments_of_a_message_are_claimed)
{
	struct saver_config cfg = { 0 };
	struct saver_stats st;
	struct run *r = run_capture("tcp-split.pcap", &cfg, NULL, &st);
	/* tshark: 4, 5, 6 carry the INVITE in three pieces; 8 100, 10 180,
	 * 12+13 the 200 with SDP, 15 ACK.  The others are bare handshake
	 * and ACK segments: no dialog's bytes. */
	static const int data[] = { 4, 5, 6, 8, 10, 12, 13, 15 };
	static const int bare[] = { 1, 2, 3, 7, 9, 11, 14, 16 };
	assert_written(r, data, sizeof(data) / sizeof(data[0]), true);
	assert_written(r, bare, sizeof(bare) / sizeof(bare[0]), false);
	ck_assert_uint_eq(r->order_errors, 0);
	ck_assert_uint_eq(st.frames_lost, 0);
	ck_assert_uint_eq(st.pending_frames, 0);
	free(r);
}
END_TEST

START_TEST(fragments_of_a_datagram_are_claimed)
{
	struct saver_config cfg = { 0 };
	struct saver_stats st;
	struct run *r = run_capture("ip4-frag.pcap", &cfg, NULL, &st);
	/* Frames 1-3: the INVITE in three IPv4 fragments. */
	static const int frags[] = { 1, 2, 3, 4, 5, 6, 7 };
	assert_written(r, frags, sizeof(frags) / sizeof(frags[0]), true);
	/* Everything in this capture is the call's: SIP and RTP. */
	ck_assert_uint_eq(r->written_count, r->frames);
	ck_assert_uint_eq(r->order_errors, 0);
	free(r);
}
END_TEST

/* As a filter on the final status would: a dialog passes at its 2xx. */
static void pass_when_answered(struct store *s)
{
	for (struct call *c = store_oldest(s); c; c = c->newer)
		c->filter_pass = c->final_status >= 200 && c->final_status < 300;
}

START_TEST(late_decision_keeps_earlier_frames_in_order)
{
	struct saver_config cfg = { .filtered = true };
	struct saver_stats st;
	struct run *r = run_capture("states-invite.pcap", &cfg, pass_when_answered, &st);
	/* Two of the ten calls are answered (COMPLETED 7 messages + 10 RTP,
	 * IN CALL 5 messages + 10 RTP): their INVITE, 100 and 180 went by
	 * before the 200 decided them, and are written all the same. */
	ck_assert_uint_eq(r->written_count, 7 + 10 + 5 + 10);
	ck_assert_uint_eq(r->order_errors, 0);
	ck_assert_uint_eq(st.frames_lost, 0);
	ck_assert_uint_eq(st.frames_not_matching, 46 - 12);
	ck_assert(r->written[0]); /* the first call's INVITE */
	free(r);
}
END_TEST

START_TEST(sip_only_leaves_media_out)
{
	struct saver_config cfg = { .sip_only = true };
	struct saver_stats st;
	struct run *r = run_capture("states-invite.pcap", &cfg, NULL, &st);
	ck_assert_uint_eq(r->written_count, 46); /* every SIP message, no RTP */
	free(r);
}
END_TEST

START_TEST(a_full_line_counts_what_the_dialog_lost)
{
	/* Room for about one frame: the answered calls' early messages are
	 * pushed out before the 200 decides them. */
	struct saver_config cfg = { .filtered = true, .pending_bytes = 600 };
	struct saver_stats st;
	struct run *r = run_capture("states-invite.pcap", &cfg, pass_when_answered, &st);
	ck_assert_uint_gt(st.frames_lost, 0);
	ck_assert_uint_eq(r->written_count + st.frames_lost, 7 + 10 + 5 + 10);
	ck_assert_uint_eq(r->order_errors, 0);
	free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("saver");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, tcp_segments_of_a_message_are_claimed);
	tcase_add_test(tc, messages_ride_with_the_frame_that_completes_them);
	tcase_add_test(tc, fragments_of_a_datagram_are_claimed);
	tcase_add_test(tc, late_decision_keeps_earlier_frames_in_order);
	tcase_add_test(tc, sip_only_leaves_media_out);
	tcase_add_test(tc, a_full_line_counts_what_the_dialog_lost);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
