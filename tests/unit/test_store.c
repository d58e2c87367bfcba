/* Unit tests: the call store — dialog assembly, sngrep's call states,
 * final status, retransmissions, limits, per-dialog message ring, and media
 * association through SDP. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static struct frame test_frame;
static struct endpoint A, B;

static void setup(void)
{
	netaddr_parse(view_cstr("192.0.2.1"), &A.ip);
	A.port = 5060;
	netaddr_parse(view_cstr("198.51.100.2"), &B.ip);
	B.port = 5070;
	memset(&test_frame, 0, sizeof(test_frame));
}

/* Builds a message from a template: %M method/status line, fields below. */
static char msgbuf[4096];

static const char *request(const char *method, const char *call_id, unsigned cseq,
			   const char *cseq_method, const char *branch, const char *body)
{
	snprintf(msgbuf, sizeof(msgbuf),
		 "%s sip:bob@example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
		 "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
		 "To: <sip:bob@example.com>\r\n"
		 "Call-ID: %s\r\n"
		 "CSeq: %u %s\r\n"
		 "%s"
		 "Content-Length: %zu\r\n\r\n%s",
		 method, branch, call_id, cseq, cseq_method,
		 body ? "Content-Type: application/sdp\r\n" : "", body ? strlen(body) : 0,
		 body ? body : "");
	return msgbuf;
}

static const char *response(unsigned status, const char *call_id, unsigned cseq,
			    const char *cseq_method, const char *branch, const char *body)
{
	snprintf(msgbuf, sizeof(msgbuf),
		 "SIP/2.0 %u Whatever\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
		 "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
		 "To: <sip:bob@example.com>;tag=b1\r\n"
		 "Call-ID: %s\r\n"
		 "CSeq: %u %s\r\n"
		 "%s"
		 "Content-Length: %zu\r\n\r\n%s",
		 status, branch, call_id, cseq, cseq_method,
		 body ? "Content-Type: application/sdp\r\n" : "", body ? strlen(body) : 0,
		 body ? body : "");
	return msgbuf;
}

static struct call *feed(struct store *s, const char *text, int64_t ts_ms, bool from_a)
{
	struct sip_msg m;
	struct view raw = view_cstr(text);
	ck_assert_int_eq(sip_parse(raw, &m), ANOMALY_NONE);
	test_frame.ts_ns = ts_ms * NS_PER_MS;
	test_frame.number++;
	struct sip_event ev = {
		.frame = &test_frame,
		.src = from_a ? A : B,
		.dst = from_a ? B : A,
		.transport = TRANSPORT_UDP,
		.raw = raw,
		.msg = &m,
	};
	return store_sip_message(s, &ev);
}

static struct store *new_store(uint32_t max_calls, bool rotate, bool invite_only)
{
	struct store_config cfg;
	store_config_default(&cfg);
	cfg.max_calls = max_calls;
	cfg.rotate = rotate;
	cfg.invite_only = invite_only;
	return store_new(&cfg);
}

START_TEST(completed_call_with_timings)
{
	struct store *s = new_store(10, false, false);
	struct call *c = feed(s, request("INVITE", "c1", 1, "INVITE", "z9hG4bK1", NULL), 0, true);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->state, CALL_STATE_SETUP);
	feed(s, response(100, "c1", 1, "INVITE", "z9hG4bK1", NULL), 2, false);
	feed(s, response(180, "c1", 1, "INVITE", "z9hG4bK1", NULL), 50, false);
	ck_assert_int_eq(c->state, CALL_STATE_SETUP);
	feed(s, response(200, "c1", 1, "INVITE", "z9hG4bK1", NULL), 1000, false);
	ck_assert_int_eq(c->state, CALL_STATE_SETUP); /* sngrep: IN CALL on the ACK */
	feed(s, request("ACK", "c1", 1, "ACK", "z9hG4bK2", NULL), 1003, true);
	ck_assert_int_eq(c->state, CALL_STATE_IN_CALL);
	feed(s, request("BYE", "c1", 2, "BYE", "z9hG4bK3", NULL), 11000, true);
	ck_assert_int_eq(c->state, CALL_STATE_COMPLETED);
	feed(s, response(200, "c1", 2, "BYE", "z9hG4bK3", NULL), 11004, false);
	ck_assert_uint_eq(c->messages, 7);
	ck_assert_uint_eq(c->retransmissions, 0);
	ck_assert_uint_eq(c->final_status, 200);
	ck_assert_int_eq(c->answer_ns - c->invite_ns, 1000 * NS_PER_MS);
	ck_assert_int_eq(c->bye_ns - c->answer_ns, 10000 * NS_PER_MS);
	ck_assert_uint_eq(c->method_counts[SIP_METHOD_INVITE], 1);
	ck_assert_uint_eq(c->method_counts[SIP_METHOD_ACK], 1);
	ck_assert_uint_eq(c->method_counts[SIP_METHOD_BYE], 1);
	ck_assert_str_eq(c->from_user, "alice");
	ck_assert_str_eq(c->to_uri, "sip:bob@example.com");
	ck_assert_uint_eq(store_call_count(s), 1);
	store_free(s);
}
END_TEST

/* Each terminal state from CALL SETUP, as sngrep derives it. */
START_TEST(setup_outcomes)
{
	static const struct { unsigned status; enum call_state want; } cases[] = {
		{ 486, CALL_STATE_BUSY }, { 480, CALL_STATE_BUSY }, { 600, CALL_STATE_BUSY },
		{ 403, CALL_STATE_REJECTED }, { 404, CALL_STATE_REJECTED },
		{ 400, CALL_STATE_REJECTED }, { 603, CALL_STATE_REJECTED },
		{ 302, CALL_STATE_DIVERTED }, { 183, CALL_STATE_SETUP },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct store *s = new_store(10, false, false);
		struct call *c = feed(s, request("INVITE", "x", 1, "INVITE", "b1", NULL), 0, true);
		feed(s, response(cases[i].status, "x", 1, "INVITE", "b1", NULL), 10, false);
		ck_assert_msg(c->state == cases[i].want, "status %u gave state %s", cases[i].status,
			      call_state_name(c->state));
		ck_assert_uint_eq(c->final_status, cases[i].status >= 200 ? cases[i].status : 0);
		store_free(s);
	}
}
END_TEST

START_TEST(cancelled_call)
{
	struct store *s = new_store(10, false, false);
	struct call *c = feed(s, request("INVITE", "k", 1, "INVITE", "b1", NULL), 0, true);
	feed(s, response(180, "k", 1, "INVITE", "b1", NULL), 10, false);
	feed(s, request("CANCEL", "k", 1, "CANCEL", "b1", NULL), 1000, true);
	ck_assert_int_eq(c->state, CALL_STATE_CANCELLED);
	feed(s, response(200, "k", 1, "CANCEL", "b1", NULL), 1001, false);
	feed(s, response(487, "k", 1, "INVITE", "b1", NULL), 1002, false);
	ck_assert_int_eq(c->state, CALL_STATE_CANCELLED);
	ck_assert_uint_eq(c->final_status, 487);
	store_free(s);
}
END_TEST

/* A 407 challenge, then the INVITE again with a new CSeq, answered 200. */
START_TEST(challenge_then_answer)
{
	struct store *s = new_store(10, false, false);
	struct call *c = feed(s, request("INVITE", "a", 1, "INVITE", "b1", NULL), 0, true);
	feed(s, response(407, "a", 1, "INVITE", "b1", NULL), 5, false);
	ck_assert_int_eq(c->state, CALL_STATE_REJECTED);
	feed(s, request("ACK", "a", 1, "ACK", "b1", NULL), 6, true);
	feed(s, request("INVITE", "a", 2, "INVITE", "b2", NULL), 10, true);
	ck_assert_int_eq(c->state, CALL_STATE_SETUP);
	ck_assert_uint_eq(c->invite_cseq, 2);
	feed(s, response(200, "a", 2, "INVITE", "b2", NULL), 20, false);
	feed(s, request("ACK", "a", 2, "ACK", "b3", NULL), 21, true);
	ck_assert_int_eq(c->state, CALL_STATE_IN_CALL);
	ck_assert_uint_eq(c->final_status, 200);
	/* A rejected re-INVITE later does not undo the answered call. */
	feed(s, request("INVITE", "a", 3, "INVITE", "b4", NULL), 30, true);
	feed(s, response(491, "a", 3, "INVITE", "b4", NULL), 31, false);
	ck_assert_uint_eq(c->final_status, 200);
	ck_assert_int_eq(c->state, CALL_STATE_IN_CALL);
	store_free(s);
}
END_TEST

START_TEST(register_dialog_has_no_call_state)
{
	struct store *s = new_store(10, false, false);
	struct call *c = feed(s, request("REGISTER", "r", 1, "REGISTER", "b1", NULL), 0, true);
	feed(s, response(401, "r", 1, "REGISTER", "b1", NULL), 5, false);
	ck_assert_uint_eq(c->final_status, 401);
	feed(s, request("REGISTER", "r", 2, "REGISTER", "b2", NULL), 10, true);
	feed(s, response(200, "r", 2, "REGISTER", "b2", NULL), 15, false);
	ck_assert_int_eq(c->state, CALL_STATE_NONE);
	ck_assert_ptr_null(call_state_name(c->state));
	ck_assert_uint_eq(c->final_status, 200);
	ck_assert_int_eq(c->first_method, SIP_METHOD_REGISTER);
	ck_assert_uint_eq(c->method_counts[SIP_METHOD_REGISTER], 2);
	store_free(s);
}
END_TEST

START_TEST(retransmissions_are_counted_once)
{
	struct store *s = new_store(10, false, false);
	struct call *c = feed(s, request("INVITE", "r", 1, "INVITE", "b1", NULL), 0, true);
	feed(s, request("INVITE", "r", 1, "INVITE", "b1", NULL), 500, true);
	feed(s, request("INVITE", "r", 1, "INVITE", "b1", NULL), 1500, true);
	feed(s, response(200, "r", 1, "INVITE", "b1", NULL), 1600, false);
	feed(s, response(200, "r", 1, "INVITE", "b1", NULL), 2100, false);
	/* The same request in the other direction is another hop, not a resend. */
	feed(s, request("INVITE", "r", 1, "INVITE", "b1", NULL), 2200, false);
	ck_assert_uint_eq(c->messages, 6);
	ck_assert_uint_eq(c->retransmissions, 3);
	ck_assert_uint_eq(c->method_counts[SIP_METHOD_INVITE], 2);
	ck_assert(call_message_at(c, 1)->retransmission);
	ck_assert(!call_message_at(c, 3)->retransmission);
	ck_assert(call_message_at(c, 4)->retransmission);
	store_free(s);
}
END_TEST

START_TEST(limit_refuses_or_rotates)
{
	char id[16];
	struct store *s = new_store(3, false, false);
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "call%d", i);
		struct call *c = feed(s, request("OPTIONS", id, 1, "OPTIONS", "b", NULL), i, true);
		ck_assert(i < 3 ? c != NULL : c == NULL);
	}
	struct store_stats st;
	store_get_stats(s, &st);
	ck_assert_uint_eq(store_call_count(s), 3);
	ck_assert_uint_eq(st.messages_over_limit, 2);
	ck_assert_ptr_nonnull(store_find(s, view_cstr("call0")));
	store_free(s);

	s = new_store(3, true, false);
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "call%d", i);
		ck_assert_ptr_nonnull(feed(s, request("OPTIONS", id, 1, "OPTIONS", "b", NULL), i, true));
	}
	store_get_stats(s, &st);
	ck_assert_uint_eq(store_call_count(s), 3);
	ck_assert_uint_eq(st.calls_evicted, 2);
	ck_assert_ptr_null(store_find(s, view_cstr("call1")));
	ck_assert_str_eq(store_oldest(s)->call_id, "call2");
	ck_assert_uint_eq(store_oldest(s)->index, 3);
	store_free(s);
}
END_TEST

START_TEST(index_lookup_survives_eviction_and_clear)
{
	char id[16];
	struct store *s = new_store(4, true, false);
	for (int i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "d%d", i);
		feed(s, request("OPTIONS", id, 1, "OPTIONS", "b", NULL), i, true);
	}
	ck_assert_uint_eq(store_first_index(s), 2997);
	ck_assert_uint_eq(store_last_index(s), 3000);
	ck_assert_ptr_null(store_call_by_index(s, 2996));
	ck_assert_str_eq(store_call_by_index(s, 2997)->call_id, "d2996");
	ck_assert_str_eq(store_call_by_index(s, 3000)->call_id, "d2999");
	ck_assert_ptr_null(store_call_by_index(s, 3001));
	uint64_t gen = store_generation(s);
	store_clear(s);
	ck_assert_uint_gt(store_generation(s), gen);
	ck_assert_uint_eq(store_call_count(s), 0);
	ck_assert_ptr_null(store_call_by_index(s, 3000));
	ck_assert_ptr_null(store_oldest(s));
	feed(s, request("OPTIONS", "after", 1, "OPTIONS", "b", NULL), 1, true);
	ck_assert_str_eq(store_call_by_index(s, 3001)->call_id, "after");
	ck_assert_uint_eq(store_first_index(s), 3001);
	store_free(s);

	/* Without eviction the index keeps growing past its first size. */
	s = new_store(10000, false, false);
	for (int i = 0; i < 9000; i++) {
		snprintf(id, sizeof(id), "g%d", i);
		feed(s, request("OPTIONS", id, 1, "OPTIONS", "b", NULL), i, true);
	}
	for (int i = 0; i < 9000; i += 997) {
		snprintf(id, sizeof(id), "g%d", i);
		ck_assert_str_eq(store_call_by_index(s, (uint64_t)i + 1)->call_id, id);
	}
	store_free(s);
}
END_TEST

START_TEST(invite_only_filters_other_dialogs)
{
	struct store *s = new_store(10, false, true);
	ck_assert_ptr_null(feed(s, request("REGISTER", "r", 1, "REGISTER", "b", NULL), 0, true));
	ck_assert_ptr_nonnull(feed(s, request("INVITE", "i", 1, "INVITE", "b", NULL), 1, true));
	/* A dialog first seen through an INVITE response is an INVITE dialog. */
	ck_assert_ptr_nonnull(feed(s, response(180, "j", 1, "INVITE", "b", NULL), 2, false));
	struct store_stats st;
	store_get_stats(s, &st);
	ck_assert_uint_eq(st.messages_filtered, 1);
	ck_assert_uint_eq(store_call_count(s), 2);
	store_free(s);
}
END_TEST

START_TEST(message_ring_keeps_the_newest)
{
	struct store_config cfg;
	store_config_default(&cfg);
	cfg.max_messages = 5;
	struct store *s = store_new(&cfg);
	struct call *c = NULL;
	for (unsigned i = 1; i <= 12; i++)
		c = feed(s, request("OPTIONS", "o", i, "OPTIONS", "b", NULL), i, true);
	ck_assert_uint_eq(c->messages, 12);
	ck_assert_uint_eq(c->messages_kept, 5);
	ck_assert_uint_eq(c->messages_dropped, 7);
	for (uint32_t i = 0; i < 5; i++)
		ck_assert_uint_eq(call_message_at(c, i)->cseq, 8 + i);
	/* Kept text is the message as it was on the wire. */
	const struct call_message *last = call_message_at(c, 4);
	ck_assert_ptr_nonnull(last->raw);
	ck_assert(memcmp(last->raw, "OPTIONS sip:bob@example.com SIP/2.0\r\n", 37) == 0);
	store_free(s);
}
END_TEST

/* Headless: no records, the same counts. */
START_TEST(messages_only_counted_without_records)
{
	struct store_config cfg;
	store_config_default(&cfg);
	cfg.max_messages = 5;
	cfg.keep_messages = false;
	struct store *s = store_new(&cfg);
	struct call *c = NULL;
	for (unsigned i = 1; i <= 12; i++)
		c = feed(s, request("OPTIONS", "o", i, "OPTIONS", "b", NULL), i, true);
	ck_assert_uint_eq(c->messages, 12);
	ck_assert_uint_eq(c->messages_kept, 0);
	ck_assert_uint_eq(c->messages_dropped, 7);
	store_free(s);
}
END_TEST

#define SDP_A "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" \
	      "m=audio 20000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n" \
	      "a=rtpmap:101 telephone-event/8000\r\n"
#define SDP_B "v=0\r\no=- 2 2 IN IP4 198.51.100.2\r\ns=-\r\nc=IN IP4 198.51.100.2\r\nt=0 0\r\n" \
	      "m=audio 40000 RTP/AVP 0\r\na=rtcp:40011\r\n"

START_TEST(sdp_announces_media)
{
	struct store *s = new_store(10, false, false);
	struct call *c = feed(s, request("INVITE", "m", 1, "INVITE", "b", SDP_A), 0, true);
	feed(s, response(200, "m", 1, "INVITE", "b", SDP_B), 10, false);
	struct endpoint e;
	netaddr_parse(view_cstr("192.0.2.1"), &e.ip);
	e.port = 20000;
	struct media_endpoint *me = store_media_lookup(s, &e);
	ck_assert_ptr_nonnull(me);
	ck_assert_ptr_eq(me->call, c);
	ck_assert_int_eq(me->kind, MEDIA_RTP);
	ck_assert_uint_eq(me->format_count, 2);
	e.port = 20001; /* RTCP on port + 1 */
	ck_assert_int_eq(store_media_lookup(s, &e)->kind, MEDIA_RTCP);
	netaddr_parse(view_cstr("198.51.100.2"), &e.ip);
	e.port = 40011; /* a=rtcp */
	ck_assert_int_eq(store_media_lookup(s, &e)->kind, MEDIA_RTCP);
	e.port = 40001;
	ck_assert_ptr_null(store_media_lookup(s, &e));

	/* A stream arriving at the announced port, from anywhere (NAT). */
	struct endpoint src, dst;
	netaddr_parse(view_cstr("203.0.113.9"), &src.ip);
	src.port = 31000;
	netaddr_parse(view_cstr("192.0.2.1"), &dst.ip);
	dst.port = 20000;
	me = store_media_lookup(s, &dst);
	struct rtp_stream *st = media_endpoint_stream(me, &src, &dst, 0x1234, 8);
	ck_assert_ptr_eq(media_endpoint_stream(me, &src, &dst, 0x1234, 8), st);
	ck_assert_str_eq(st->codec, "PCMA");
	ck_assert_uint_eq(st->clock_rate, 8000);
	ck_assert_ptr_eq(c->streams, st);
	/* A new SSRC on the same addresses is a new stream. */
	ck_assert_ptr_ne(media_endpoint_stream(me, &src, &dst, 0x5678, 8), st);

	/* Ever new SSRCs stop making streams at the endpoint's limit. */
	unsigned made = 2;
	for (uint32_t ssrc = 1; made < MEDIA_MAX_STREAMS_PER_ENDPOINT; ssrc++, made++)
		ck_assert_ptr_nonnull(media_endpoint_stream(me, &src, &dst, ssrc, 8));
	ck_assert_ptr_null(media_endpoint_stream(me, &src, &dst, 0x9999, 8));
	ck_assert_ptr_eq(media_endpoint_stream(me, &src, &dst, 0x1234, 8), st);

	/* Another dialog announcing the same port takes it over. */
	struct call *c2 = feed(s, request("INVITE", "m2", 1, "INVITE", "b", SDP_A), 20, true);
	ck_assert_ptr_eq(store_media_lookup(s, &dst)->call, c2);
	ck_assert_ptr_eq(c->streams, st); /* the old dialog keeps its streams */
	store_free(s);
}
END_TEST

/* A dialog re-offering new ports without end owns at most
 * MEDIA_MAX_PER_CALL endpoints; the rest are counted, not registered, and
 * a port it already owns is still updated. */
START_TEST(media_endpoints_per_dialog_are_bounded)
{
	struct store *s = new_store(10, false, false);
	struct anomaly_counters counters = { { 0 } };
	store_count_anomalies(s, &counters);
	char sdp[256];
	struct call *c = NULL;
	const unsigned offers = MEDIA_MAX_PER_CALL; /* RTP + RTCP each: twice the limit */
	for (unsigned i = 0; i < offers; i++) {
		snprintf(sdp, sizeof(sdp),
			 "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
			 "t=0 0\r\nm=audio %u RTP/AVP 0\r\n", 10000 + 2 * i);
		char branch[16];
		snprintf(branch, sizeof(branch), "r%u", i);
		c = feed(s, request("INVITE", "storm", i + 1, "INVITE", branch, sdp), i, true);
	}
	ck_assert_uint_eq(c->media_endpoints, MEDIA_MAX_PER_CALL);
	unsigned listed = 0;
	for (struct media_endpoint *e = c->media; e; e = e->call_next)
		listed++;
	ck_assert_uint_eq(listed, MEDIA_MAX_PER_CALL);
	ck_assert_uint_eq(counters.count[ANOMALY_SDP_MEDIA_LIMIT], offers / 2);
	struct endpoint e;
	netaddr_parse(view_cstr("192.0.2.1"), &e.ip);
	e.port = 10000;
	ck_assert_ptr_eq(store_media_lookup(s, &e)->call, c);
	e.port = (uint16_t)(10000 + 2 * (offers - 1));
	ck_assert_ptr_null(store_media_lookup(s, &e));
	/* A bad SDP body is counted with the same counters. */
	feed(s, request("INVITE", "bad", 1, "INVITE", "x", "not a session description"), 1000, true);
	ck_assert_uint_eq(counters.count[ANOMALY_SDP_BAD], 1);
	store_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, completed_call_with_timings);
	tcase_add_test(tc, setup_outcomes);
	tcase_add_test(tc, cancelled_call);
	tcase_add_test(tc, challenge_then_answer);
	tcase_add_test(tc, register_dialog_has_no_call_state);
	tcase_add_test(tc, retransmissions_are_counted_once);
	tcase_add_test(tc, limit_refuses_or_rotates);
	tcase_add_test(tc, index_lookup_survives_eviction_and_clear);
	tcase_add_test(tc, invite_only_filters_other_dialogs);
	tcase_add_test(tc, message_ring_keeps_the_newest);
	tcase_add_test(tc, messages_only_counted_without_records);
	tcase_add_test(tc, sdp_announces_media);
	tcase_add_test(tc, media_endpoints_per_dialog_are_bounded);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
