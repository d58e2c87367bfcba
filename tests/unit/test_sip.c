/* test_sip.c - SIP parsing (RFC 3261): start lines, headers, compact forms,
 * folding, line ends, name-addr, framing on streams, and malformed input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/sip.h"

/* Asserts that view v holds exactly the C string s. */
#define ck_assert_view_str(v, s)                                                         \
	do {                                                                              \
		struct view v_ = (v);                                                      \
		const char *s_ = (s);                                                      \
		ck_assert_msg(view_eq(v_, view_cstr(s_)), "%s is \"%.*s\", expected \"%s\"", \
			      #v, (int)v_.len, v_.p ? (const char *)v_.p : "", s_);        \
	} while (0)

static enum anomaly parse(const char *text, struct sip_msg *m)
{
	return sip_parse(view_cstr(text), m);
}

/* RFC 3261 24.2 (F1), with an SDP body. */
static const char invite_text[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
	"User-Agent: softphone 1.0\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 10\r\n"
	"\r\n"
	"v=0\r\no=x\r\n";

START_TEST(invite_request_fields)
{
	struct sip_msg m;
	ck_assert_int_eq(parse(invite_text, &m), ANOMALY_NONE);
	ck_assert(m.is_request);
	ck_assert_int_eq(m.method, SIP_METHOD_INVITE);
	ck_assert_view_str(m.method_text, "INVITE");
	ck_assert_view_str(m.request_uri, "sip:bob@biloxi.example.com");
	ck_assert_int_eq(m.status, 0);
	ck_assert_view_str(m.start_line, "INVITE sip:bob@biloxi.example.com SIP/2.0");
	ck_assert_view_str(m.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
	ck_assert_view_str(m.from, "\"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774");
	ck_assert_view_str(m.from_uri, "sip:alice@atlanta.example.com");
	ck_assert_view_str(m.from_user, "alice");
	ck_assert_view_str(m.from_tag, "1928301774");
	ck_assert_view_str(m.to, "Bob <sip:bob@biloxi.example.com>");
	ck_assert_view_str(m.to_uri, "sip:bob@biloxi.example.com");
	ck_assert_view_str(m.to_user, "bob");
	ck_assert_uint_eq(m.to_tag.len, 0);
	ck_assert_uint_eq(m.cseq, 314159);
	ck_assert_int_eq(m.cseq_method, SIP_METHOD_INVITE);
	ck_assert_view_str(m.cseq_method_text, "INVITE");
	ck_assert_view_str(m.via_branch, "z9hG4bK776asdhds");
	ck_assert_view_str(m.content_type, "application/sdp");
	ck_assert_int_eq(m.content_length, 10);
	ck_assert_view_str(m.user_agent, "softphone 1.0");
	ck_assert_view_str(m.body, "v=0\r\no=x\r\n");
	ck_assert(!m.body_cut);
	ck_assert_uint_eq(m.header_count, 10);
	ck_assert_int_eq(m.soft_anomaly, ANOMALY_NONE);
	/* headers: from the first header line to the empty line. */
	ck_assert(view_starts_with(m.headers, "Via: SIP/2.0/UDP"));
	ck_assert_ptr_eq(m.headers.p + m.headers.len + 2, m.body.p);
	ck_assert(m.headers.p[m.headers.len - 1] == '\n');
}
END_TEST

static const char *const all_methods[] = {
	"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK",
	"SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
};
#define ALL_METHOD_COUNT (sizeof(all_methods) / sizeof(all_methods[0]))

START_TEST(every_method_request_and_response)
{
	const char *name = all_methods[_i];
	enum sip_method expected = (enum sip_method)(SIP_METHOD_INVITE + _i);
	char text[512];
	struct sip_msg m;

	snprintf(text, sizeof(text),
		 "%s sip:bob@b.example SIP/2.0\r\nCall-ID: c%d\r\nCSeq: 7 %s\r\n\r\n",
		 name, _i, name);
	ck_assert_int_eq(parse(text, &m), ANOMALY_NONE);
	ck_assert(m.is_request);
	ck_assert_int_eq(m.method, expected);
	ck_assert_view_str(m.method_text, name);
	ck_assert_int_eq(m.cseq_method, expected);
	ck_assert_uint_eq(m.cseq, 7);
	ck_assert_str_eq(sip_method_name(expected), name);
	ck_assert_int_eq(sip_method_from_view(view_cstr(name)), expected);
	ck_assert_int_eq(m.content_length, -1);
	ck_assert_uint_eq(m.body.len, 0);

	snprintf(text, sizeof(text),
		 "SIP/2.0 200 OK\r\nCall-ID: c%d\r\nCSeq: 7 %s\r\n\r\n", _i, name);
	ck_assert_int_eq(parse(text, &m), ANOMALY_NONE);
	ck_assert(!m.is_request);
	ck_assert_int_eq(m.method, SIP_METHOD_UNKNOWN);
	ck_assert_int_eq(m.cseq_method, expected);
	ck_assert_uint_eq(m.status, 200);
}
END_TEST

START_TEST(extension_and_lowercase_methods)
{
	struct sip_msg m;
	ck_assert_int_eq(parse("FOO-BAR sip:x@y SIP/2.0\r\ni: 1\r\nCSeq: 2 FOO-BAR\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_int_eq(m.method, SIP_METHOD_UNKNOWN);
	ck_assert_view_str(m.method_text, "FOO-BAR");
	ck_assert_int_eq(m.cseq_method, SIP_METHOD_UNKNOWN);
	ck_assert_view_str(m.cseq_method_text, "FOO-BAR");
	/* RFC 3261 7.1: method names are case-sensitive. */
	ck_assert_int_eq(parse("invite sip:x@y SIP/2.0\r\ni: 1\r\nCSeq: 2 invite\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_int_eq(m.method, SIP_METHOD_UNKNOWN);
	ck_assert_view_str(m.method_text, "invite");
	/* The SIP-Version is case-insensitive. */
	ck_assert_int_eq(parse("BYE sip:x@y sip/2.0\r\ni: 1\r\nCSeq: 2 BYE\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_int_eq(m.method, SIP_METHOD_BYE);
}
END_TEST

START_TEST(method_names)
{
	ck_assert_str_eq(sip_method_name(SIP_METHOD_UNKNOWN), "UNKNOWN");
	ck_assert_str_eq(sip_method_name(SIP_METHOD_COUNT), "UNKNOWN");
	ck_assert_str_eq(sip_method_name((enum sip_method)-1), "UNKNOWN");
	ck_assert_int_eq(sip_method_from_view(view_cstr("")), SIP_METHOD_UNKNOWN);
	ck_assert_int_eq(sip_method_from_view(view_cstr("INVITEX")), SIP_METHOD_UNKNOWN);
	ck_assert_int_eq(sip_method_from_view(view_cstr("UNKNOWN")), SIP_METHOD_UNKNOWN);
	ck_assert_int_eq(sip_method_from_view(view_empty()), SIP_METHOD_UNKNOWN);
}
END_TEST

START_TEST(response_fields)
{
	static const char text[] =
		"SIP/2.0 180 Ringing\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;received=192.0.2.1\r\n"
		"To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Server: pbx/2.1\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	struct sip_msg m;
	ck_assert_int_eq(parse(text, &m), ANOMALY_NONE);
	ck_assert(!m.is_request);
	ck_assert_uint_eq(m.status, 180);
	ck_assert_view_str(m.reason, "Ringing");
	ck_assert_uint_eq(m.method_text.len, 0);
	ck_assert_uint_eq(m.request_uri.len, 0);
	ck_assert_view_str(m.to_tag, "a6c85cf");
	ck_assert_view_str(m.from_tag, "1928301774");
	ck_assert_view_str(m.via_branch, "z9hG4bKnashds8");
	ck_assert_view_str(m.user_agent, "pbx/2.1");
	ck_assert_int_eq(m.cseq_method, SIP_METHOD_INVITE);
	ck_assert_int_eq(m.content_length, 0);
	ck_assert_uint_eq(m.body.len, 0);
	ck_assert(!m.body_cut);
	ck_assert_uint_eq(m.header_count, 7);
}
END_TEST

START_TEST(status_codes)
{
	struct sip_msg m;
	ck_assert_int_eq(parse("SIP/2.0 100 Trying\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n", &m), ANOMALY_NONE);
	ck_assert_uint_eq(m.status, 100);
	ck_assert_int_eq(parse("SIP/2.0 486 Busy Here\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n", &m), ANOMALY_NONE);
	ck_assert_uint_eq(m.status, 486);
	ck_assert_view_str(m.reason, "Busy Here");
	ck_assert_int_eq(parse("SIP/2.0 699 X\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n", &m), ANOMALY_NONE);
	ck_assert_uint_eq(m.status, 699);
	/* Empty reason phrase, with and without its SP. */
	ck_assert_int_eq(parse("SIP/2.0 200 \r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n", &m), ANOMALY_NONE);
	ck_assert_uint_eq(m.status, 200);
	ck_assert_uint_eq(m.reason.len, 0);
	ck_assert_int_eq(parse("SIP/2.0 200\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n", &m), ANOMALY_NONE);
	ck_assert_uint_eq(m.reason.len, 0);

	static const char *const bad[] = {
		"SIP/2.0 099 Low\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"SIP/2.0 700 High\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"SIP/2.0 2x0 OK\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"SIP/2.0 20 OK\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"SIP/2.0 2000 OK\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"SIP/2.0  200 OK\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"SIP/1.0 200 OK\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"HTTP/1.1 200 OK\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &m) == ANOMALY_SIP_BAD_START_LINE, "case %zu", i);
}
END_TEST

START_TEST(bad_request_lines)
{
	static const char *const bad[] = {
		"INVITE sip:x@y SIP/3.0\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"INVITE  sip:x@y SIP/2.0\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"INVITE sip:x@y  SIP/2.0\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"INVITE sip:x @y SIP/2.0\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"INVITE sip:x@y\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"INVITE SIP/2.0\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"INVITE sip:x@y SIP/2.0 \r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"IN(VITE sip:x@y SIP/2.0\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		" INVITE sip:x@y SIP/2.0\r\ni: a\r\nCSeq: 1 INVITE\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"OPTIONS rtsp://x/y RTSP/1.0\r\nCSeq: 1\r\n\r\n",
		"",
		"\r\n\r\n",
		"SIP/2.0",
		"I",
	};
	struct sip_msg m;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &m) == ANOMALY_SIP_BAD_START_LINE, "case %zu", i);
	ck_assert_int_eq(sip_parse(view_empty(), &m), ANOMALY_SIP_BAD_START_LINE);
}
END_TEST

START_TEST(compact_forms)
{
	static const char text[] =
		"INVITE sip:bob@b.example SIP/2.0\r\n"
		"v: SIP/2.0/TCP h.example;branch=z9hG4bKcompact\r\n"
		"i: compact-1@h\r\n"
		"f: <sip:alice@a.example>;tag=ft\r\n"
		"t: sip:bob@b.example\r\n"
		"m: <sip:alice@10.0.0.1>\r\n"
		"CSeq: 3 INVITE\r\n"
		"c: application/sdp\r\n"
		"k: timer\r\n"
		"s: lunch\r\n"
		"x: 1800\r\n"
		"r: <sip:carol@c.example>\r\n"
		"b: <sip:alice@a.example>\r\n"
		"o: presence\r\n"
		"u: dialog\r\n"
		"e: gzip\r\n"
		"y: abc\r\n"
		"l: 4\r\n"
		"\r\n"
		"v=0\n";
	struct sip_msg m;
	ck_assert_int_eq(parse(text, &m), ANOMALY_NONE);
	ck_assert_view_str(m.call_id, "compact-1@h");
	ck_assert_view_str(m.from_uri, "sip:alice@a.example");
	ck_assert_view_str(m.from_tag, "ft");
	ck_assert_view_str(m.to_uri, "sip:bob@b.example");
	ck_assert_view_str(m.to_user, "bob");
	ck_assert_view_str(m.via_branch, "z9hG4bKcompact");
	ck_assert_view_str(m.content_type, "application/sdp");
	ck_assert_int_eq(m.content_length, 4);
	ck_assert_view_str(m.body, "v=0\n");
	ck_assert_view_str(m.refer_to, "<sip:carol@c.example>");
	ck_assert_view_str(m.referred_by, "<sip:alice@a.example>");
	ck_assert_uint_eq(m.header_count, 17);

	/* Lookup by either spelling finds the other. */
	static const struct {
		const char *query, *value;
	} lookups[] = {
		{ "Call-ID", "compact-1@h" }, { "i", "compact-1@h" },  { "I", "compact-1@h" },
		{ "contact", "<sip:alice@10.0.0.1>" }, { "Supported", "timer" },
		{ "subject", "lunch" },       { "SESSION-EXPIRES", "1800" },
		{ "Event", "presence" },      { "allow-events", "dialog" },
		{ "Content-Encoding", "gzip" }, { "Identity", "abc" },
		{ "Content-Length", "4" },    { "Refer-To", "<sip:carol@c.example>" },
		{ "Referred-By", "<sip:alice@a.example>" }, { "CSeq", "3 INVITE" },
	};
	for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		struct view v;
		ck_assert_msg(sip_msg_header(&m, lookups[i].query, &v), "%s", lookups[i].query);
		ck_assert_view_str(v, lookups[i].value);
	}
	struct view v;
	ck_assert(!sip_msg_header(&m, "Max-Forwards", &v));
	ck_assert(!sip_msg_header(&m, "z", &v));
	ck_assert(!sip_msg_header(&m, "", &v));
}
END_TEST

START_TEST(mixed_case_names_and_colon_spacing)
{
	static const char text[] =
		"BYE sip:bob@b SIP/2.0\r\n"
		"cAlL-iD   :   case-1  \r\n"
		"FROM:<sip:a@x>;TAG=up\r\n"
		"to\t: <sip:b@y>;Tag=low\r\n"
		"cseq:9 BYE\r\n"
		"VIA : SIP/2.0/UDP h;BRANCH=z9hG4bKup\r\n"
		"CONTENT-LENGTH : 0\r\n"
		"user-AGENT: ua\r\n"
		"\r\n";
	struct sip_msg m;
	ck_assert_int_eq(parse(text, &m), ANOMALY_NONE);
	ck_assert_view_str(m.call_id, "case-1");
	ck_assert_view_str(m.from_tag, "up");
	ck_assert_view_str(m.to_tag, "low");
	ck_assert_uint_eq(m.cseq, 9);
	ck_assert_view_str(m.via_branch, "z9hG4bKup");
	ck_assert_int_eq(m.content_length, 0);
	ck_assert_view_str(m.user_agent, "ua");
	struct view v;
	ck_assert(sip_msg_header(&m, "CALL-ID", &v));
	ck_assert_view_str(v, "case-1");
}
END_TEST

/* Names of the same length and last letter as a known header, and names
 * one byte off, are other headers: the classification compares the whole
 * name, not only what the lookup keys on. */
START_TEST(near_miss_header_names)
{
	static const char text[] =
		"BYE sip:bob@b SIP/2.0\r\n"
		"Call-IE: no\r\n"
		"Cell-ID: no\r\n"
		"X-Mail-Id: no\r\n"
		"Via_: no\r\n"
		"Xia: no\r\n"
		"Content-Lengti: 7\r\n"
		"Refer-Do: no\r\n"
		"Server: srv\r\n"
		"Call-ID: real\r\n"
		"From: <sip:a@x>;tag=f\r\n"
		"To: <sip:b@y>\r\n"
		"CSeq: 2 BYE\r\n"
		"Via: SIP/2.0/UDP h;branch=z9hG4bKreal\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	struct sip_msg m;
	ck_assert_int_eq(parse(text, &m), ANOMALY_NONE);
	ck_assert_view_str(m.call_id, "real");
	ck_assert_view_str(m.via_branch, "z9hG4bKreal");
	ck_assert_int_eq(m.content_length, 0);
	ck_assert_view_str(m.user_agent, "srv");
	ck_assert_uint_eq(m.refer_to.len, 0);
	ck_assert_uint_eq(m.x_call_id.len, 0);
	ck_assert_uint_eq(m.header_count, 14);
}
END_TEST

START_TEST(folded_lines)
{
	static const char text[] =
		"INVITE sip:bob@b SIP/2.0\r\n"
		"Subject: I know you're there,\r\n"
		"   pick up the phone\r\n"
		"\tand talk to me!\r\n"
		"From: \"Alice\"\r\n <sip:alice@a>\r\n ;tag=folded\r\n"
		"Call-ID: f1\r\n"
		"CSeq: 1\r\n INVITE\r\n"
		"\r\n";
	struct sip_msg m;
	ck_assert_int_eq(parse(text, &m), ANOMALY_NONE);
	ck_assert_uint_eq(m.header_count, 4);
	ck_assert_view_str(m.from, "\"Alice\"\r\n <sip:alice@a>\r\n ;tag=folded");
	ck_assert_view_str(m.from_uri, "sip:alice@a");
	ck_assert_view_str(m.from_tag, "folded");
	ck_assert_int_eq(m.cseq_method, SIP_METHOD_INVITE);

	struct view subject;
	ck_assert(sip_msg_header(&m, "subject", &subject));
	ck_assert_view_str(subject, "I know you're there,\r\n   pick up the phone\r\n\tand talk to me!");
	char buf[128];
	ck_assert_uint_eq(sip_value_unfold(subject, buf, sizeof(buf)),
			  strlen("I know you're there, pick up the phone and talk to me!"));
	ck_assert_str_eq(buf, "I know you're there, pick up the phone and talk to me!");
	sip_value_unfold(m.from, buf, sizeof(buf));
	ck_assert_str_eq(buf, "\"Alice\" <sip:alice@a> ;tag=folded");
}
END_TEST

START_TEST(value_unfold)
{
	char buf[16];
	ck_assert_uint_eq(sip_value_unfold(view_cstr("a  \n  b"), buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "a b");
	ck_assert_uint_eq(sip_value_unfold(view_cstr("plain"), buf, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "plain");
	/* Truncated to cap - 1 bytes, always NUL-terminated. */
	ck_assert_uint_eq(sip_value_unfold(view_cstr("0123456789abcdefXYZ"), buf, sizeof(buf)), 15);
	ck_assert_str_eq(buf, "0123456789abcde");
	ck_assert_uint_eq(sip_value_unfold(view_cstr("abc"), buf, 1), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(sip_value_unfold(view_cstr("abc"), buf, 0), 0);
	ck_assert_uint_eq(sip_value_unfold(view_empty(), buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(sip_value_unfold(view_cstr("x\r\n\r\n y"), buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "x y");
}
END_TEST

START_TEST(bare_lf_line_ends)
{
	static const char text[] =
		"OPTIONS sip:b@b SIP/2.0\n"
		"Via: SIP/2.0/UDP h;branch=z9hG4bKlf\n"
		"Call-ID: lf-1\n"
		"From: <sip:a@a>;tag=1\n"
		"To: <sip:b@b>\n"
		"CSeq: 5 OPTIONS\n"
		"Subject: folded\n over LF\n"
		"Content-Length: 3\n"
		"\n"
		"abcdef";
	struct sip_msg m;
	ck_assert_int_eq(parse(text, &m), ANOMALY_NONE);
	ck_assert_view_str(m.start_line, "OPTIONS sip:b@b SIP/2.0");
	ck_assert_view_str(m.call_id, "lf-1");
	ck_assert_view_str(m.via_branch, "z9hG4bKlf");
	ck_assert_int_eq(m.cseq_method, SIP_METHOD_OPTIONS);
	ck_assert_view_str(m.body, "abc");
	ck_assert_uint_eq(m.header_count, 7);
	struct view v;
	ck_assert(sip_msg_header(&m, "Subject", &v));
	ck_assert_view_str(v, "folded\n over LF");
}
END_TEST

START_TEST(mixed_line_ends)
{
	static const char text[] =
		"SIP/2.0 200 OK\n"
		"Call-ID: mix-1\r\n"
		"From: <sip:a@a>;tag=1\n"
		"To: <sip:b@b>;tag=2\r\n"
		"CSeq: 5 BYE\n"
		"\r\n"
		"body";
	struct sip_msg m;
	ck_assert_int_eq(parse(text, &m), ANOMALY_NONE);
	ck_assert_view_str(m.reason, "OK");
	ck_assert_view_str(m.call_id, "mix-1");
	ck_assert_view_str(m.to_tag, "2");
	ck_assert_int_eq(m.cseq_method, SIP_METHOD_BYE);
	ck_assert_int_eq(m.content_length, -1);
	ck_assert_view_str(m.body, "body");
}
END_TEST

START_TEST(keepalive_before_start_line)
{
	struct sip_msg m;
	ck_assert_int_eq(parse("\r\n\r\nOPTIONS sip:b SIP/2.0\r\ni: ka\r\nCSeq: 1 OPTIONS\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_view_str(m.start_line, "OPTIONS sip:b SIP/2.0");
	ck_assert_view_str(m.call_id, "ka");
}
END_TEST

START_TEST(missing_call_id)
{
	struct sip_msg m;
	ck_assert_int_eq(parse("BYE sip:b SIP/2.0\r\nCSeq: 1 BYE\r\nFrom: <sip:a@a>;tag=x\r\n\r\n", &m),
			 ANOMALY_SIP_NO_CALL_ID);
	/* What was read is still there for the caller to show. */
	ck_assert_view_str(m.from_tag, "x");
	ck_assert_uint_eq(m.cseq, 1);
	ck_assert_int_eq(parse("BYE sip:b SIP/2.0\r\nCall-ID:   \r\nCSeq: 1 BYE\r\n\r\n", &m),
			 ANOMALY_SIP_NO_CALL_ID);
	/* Only a start line. */
	ck_assert_int_eq(parse("BYE sip:b SIP/2.0\r\n", &m), ANOMALY_SIP_NO_CALL_ID);
	ck_assert_int_eq(parse("BYE sip:b SIP/2.0", &m), ANOMALY_SIP_NO_CALL_ID);
	ck_assert_uint_eq(m.headers.len, 0);
}
END_TEST

START_TEST(bad_cseq)
{
	static const char *const values[] = {
		"", "INVITE", "abc INVITE", "1", "1INVITE", "1 INVITE x", "1 INV(ITE",
		"4294967296 INVITE", "-1 INVITE", "1 ",
	};
	struct sip_msg m;
	char text[256];
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(text, sizeof(text), "INVITE sip:b SIP/2.0\r\ni: c\r\nCSeq: %s\r\n\r\n", values[i]);
		ck_assert_msg(parse(text, &m) == ANOMALY_SIP_BAD_CSEQ, "CSeq \"%s\"", values[i]);
	}
	ck_assert_int_eq(parse("INVITE sip:b SIP/2.0\r\ni: c\r\n\r\n", &m), ANOMALY_SIP_BAD_CSEQ);
	/* The largest 32-bit number, tabs and extra spaces are fine. */
	ck_assert_int_eq(parse("INVITE sip:b SIP/2.0\r\ni: c\r\nCSeq: 4294967295 \t INVITE \r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_uint_eq(m.cseq, 4294967295u);
	/* A CSeq method other than the request method is left to the caller. */
	ck_assert_int_eq(parse("INVITE sip:b SIP/2.0\r\ni: c\r\nCSeq: 2 BYE\r\n\r\n", &m), ANOMALY_NONE);
	ck_assert_int_eq(m.cseq_method, SIP_METHOD_BYE);
	ck_assert_int_eq(m.method, SIP_METHOD_INVITE);
}
END_TEST

START_TEST(content_length_values)
{
	static const char *const bad[] = { "abc", "-1", "1 2", "2147483648", "99999999999999999999999", "" };
	struct sip_msg m;
	char text[256];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "MESSAGE sip:b SIP/2.0\r\ni: c\r\nCSeq: 1 MESSAGE\r\nContent-Length: %s\r\n\r\nhi",
			 bad[i]);
		ck_assert_msg(parse(text, &m) == ANOMALY_SIP_BAD_CONTENT_LENGTH, "\"%s\"", bad[i]);
		ck_assert_int_eq(m.content_length, -1);
		ck_assert_view_str(m.body, "hi");
	}
	/* Absent: the body runs to the end of the datagram. */
	ck_assert_int_eq(parse("MESSAGE sip:b SIP/2.0\r\ni: c\r\nCSeq: 1 MESSAGE\r\n\r\nhello\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_int_eq(m.content_length, -1);
	ck_assert_view_str(m.body, "hello\r\n");
	ck_assert(!m.body_cut);
	/* Bytes past Content-Length are not part of the body (RFC 3261 18.3). */
	ck_assert_int_eq(parse("MESSAGE sip:b SIP/2.0\r\ni: c\r\nCSeq: 1 MESSAGE\r\nl: 2\r\n\r\nhello", &m),
			 ANOMALY_NONE);
	ck_assert_view_str(m.body, "he");
	ck_assert(!m.body_cut);
	/* Zero with trailing bytes. */
	ck_assert_int_eq(parse("MESSAGE sip:b SIP/2.0\r\ni: c\r\nCSeq: 1 MESSAGE\r\nl: 0\r\n\r\nx", &m),
			 ANOMALY_NONE);
	ck_assert_uint_eq(m.body.len, 0);
	ck_assert_int_eq(m.soft_anomaly, ANOMALY_NONE);
}
END_TEST

START_TEST(cut_body)
{
	struct sip_msg m;
	ck_assert_int_eq(parse("INVITE sip:b SIP/2.0\r\ni: c\r\nCSeq: 1 INVITE\r\n"
			       "Content-Length: 100\r\n\r\nv=0\r\n", &m),
			 ANOMALY_NONE);
	ck_assert(m.body_cut);
	ck_assert_int_eq(m.content_length, 100);
	ck_assert_view_str(m.body, "v=0\r\n");
	ck_assert_int_eq(m.soft_anomaly, ANOMALY_SIP_CUT);

	/* Cut inside the headers (snaplen): still shown, marked cut. */
	ck_assert_int_eq(parse("INVITE sip:b SIP/2.0\r\ni: c\r\nCSeq: 1 INVITE\r\n"
			       "Content-Length: 100\r\nContact: <sip:a", &m),
			 ANOMALY_NONE);
	ck_assert(m.body_cut);
	ck_assert_uint_eq(m.body.len, 0);
	ck_assert_int_eq(m.soft_anomaly, ANOMALY_SIP_CUT);
	ck_assert_uint_eq(m.header_count, 4);

	ck_assert_int_eq(parse("INVITE sip:b SIP/2.0\r\ni: c\r\nCSeq: 1 INVITE\r\n", &m), ANOMALY_NONE);
	ck_assert(!m.body_cut);
	ck_assert_int_eq(m.soft_anomaly, ANOMALY_SIP_CUT);
}
END_TEST

START_TEST(header_without_colon_is_skipped)
{
	static const char text[] =
		"INVITE sip:b SIP/2.0\r\n"
		"Call-ID: skip-1\r\n"
		"this line has no colon\r\n"
		"Bad Name: x\r\n"
		": no name\r\n"
		"CSeq: 1 INVITE\r\n"
		"\r\n";
	struct sip_msg m;
	ck_assert_int_eq(parse(text, &m), ANOMALY_NONE);
	ck_assert_int_eq(m.soft_anomaly, ANOMALY_SIP_BAD_HEADER);
	ck_assert_uint_eq(m.header_count, 2);
	ck_assert_view_str(m.call_id, "skip-1");
	ck_assert_uint_eq(m.cseq, 1);
	/* A continuation line with no header before it is malformed too. */
	ck_assert_int_eq(parse("INVITE sip:b SIP/2.0\r\n  lost: x\r\ni: c\r\nCSeq: 1 INVITE\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_int_eq(m.soft_anomaly, ANOMALY_SIP_BAD_HEADER);
	ck_assert_uint_eq(m.header_count, 2);
}
END_TEST

struct name_addr_case {
	const char *value, *uri, *user, *tag;
};

START_TEST(name_addr_forms)
{
	static const struct name_addr_case cases[] = {
		{ "\"Alice Smith\" <sip:alice@atlanta.com>;tag=1928301774",
		  "sip:alice@atlanta.com", "alice", "1928301774" },
		{ "<sip:bob@biloxi.com;transport=tcp>;tag=a6c85cf",
		  "sip:bob@biloxi.com;transport=tcp", "bob", "a6c85cf" },
		{ "sip:carol@chicago.com;tag=887s", "sip:carol@chicago.com", "carol", "887s" },
		{ "sip:carol@chicago.com ;tag=887s", "sip:carol@chicago.com", "carol", "887s" },
		{ "Bob <sips:bob@biloxi.com>", "sips:bob@biloxi.com", "bob", "" },
		{ "Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8",
		  "sip:c8oqz84zk7z@privacy.org", "c8oqz84zk7z", "hyh8" },
		{ "<tel:+1-201-555-0123;ext=1>;tag=x", "tel:+1-201-555-0123;ext=1", "+1-201-555-0123", "x" },
		{ "tel:+4930123;tag=9", "tel:+4930123", "+4930123", "9" },
		{ "\"A;<odd>, \\\"q\\\"\" <sip:x@y>;tag=t", "sip:x@y", "x", "t" },
		{ "<sip:u:secret@h>", "sip:u:secret@h", "u", "" },
		{ "<sip:biloxi.com>;tag=1", "sip:biloxi.com", "", "1" },
		{ "<sip:a@b;tag=inner>;tag=outer", "sip:a@b;tag=inner", "a", "outer" },
		{ "<sip:a@b;tag=inner>", "sip:a@b;tag=inner", "a", "" },
		{ "<urn:service:sos>", "urn:service:sos", "", "" },
		{ "  <SIP:Upper@Host>  ;TAG=Mixed  ", "SIP:Upper@Host", "Upper", "Mixed" },
		{ "<sip:+4930123;phone-context=x@h;user=phone>", "sip:+4930123;phone-context=x@h;user=phone",
		  "+4930123;phone-context=x", "" },
		{ "<sip:unterminated@h", "sip:unterminated@h", "unterminated", "" },
		{ "", "", "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct view uri, user, tag = view_empty();
		struct view value = view_cstr(cases[i].value);
		sip_name_addr(value, &uri, &user);
		ck_assert_msg(view_eq(uri, view_cstr(cases[i].uri)), "case %zu uri \"%.*s\"", i,
			      (int)uri.len, uri.p ? (const char *)uri.p : "");
		ck_assert_msg(view_eq(user, view_cstr(cases[i].user)), "case %zu user \"%.*s\"", i,
			      (int)user.len, user.p ? (const char *)user.p : "");
		bool has_tag = sip_param(value, "tag", &tag);
		ck_assert_msg(has_tag == (cases[i].tag[0] != '\0'), "case %zu tag presence", i);
		ck_assert_msg(view_eq(tag, view_cstr(cases[i].tag)), "case %zu tag", i);
	}
	/* Either output may be left out. */
	struct view uri;
	sip_name_addr(view_cstr("<sip:a@b>"), &uri, NULL);
	ck_assert_view_str(uri, "sip:a@b");
	struct view user;
	sip_name_addr(view_cstr("<sip:a@b>"), NULL, &user);
	ck_assert_view_str(user, "a");
}
END_TEST

START_TEST(params)
{
	struct view v;
	struct view route = view_cstr("<sip:p1.example.com;lr>;lr ; q = 0.7 ;foo=\"a;b,c\";bar");
	ck_assert(sip_param(route, "lr", &v));
	ck_assert_uint_eq(v.len, 0);
	ck_assert(sip_param(route, "Q", &v));
	ck_assert_view_str(v, "0.7");
	ck_assert(sip_param(route, "foo", &v));
	ck_assert_view_str(v, "\"a;b,c\"");
	ck_assert(sip_param(route, "bar", &v));
	ck_assert_uint_eq(v.len, 0);
	ck_assert(!sip_param(route, "transport", &v));
	ck_assert(!sip_param(route, "", &v));
	/* Only the first element of a multi-valued header is searched. */
	ck_assert(!sip_param(view_cstr("<sip:a@b>, <sip:c@d>;expires=60"), "expires", &v));
	ck_assert(sip_param(view_cstr("<sip:a@b>;expires=30, <sip:c@d>;expires=60"), "expires", &v));
	ck_assert_view_str(v, "30");
	ck_assert(!sip_param(view_empty(), "tag", &v));
	ck_assert(!sip_param(view_cstr("sip:a@b"), "tag", &v));
	ck_assert(!sip_param(view_cstr("<sip:a@b"), "tag", &v));
	ck_assert(sip_param(view_cstr("<sip:a@b>;tag="), "tag", &v));
	ck_assert_uint_eq(v.len, 0);
}
END_TEST

START_TEST(via_branch_of_first_via)
{
	struct sip_msg m;
	ck_assert_int_eq(parse("SIP/2.0 200 OK\r\n"
			       "Via: SIP/2.0/UDP a.example;branch=z9hG4bK1;received=10.0.0.1, "
			       "SIP/2.0/UDP b.example;branch=z9hG4bK2\r\n"
			       "Via: SIP/2.0/UDP c.example;branch=z9hG4bK3\r\n"
			       "i: v\r\nCSeq: 1 INVITE\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_view_str(m.via_branch, "z9hG4bK1");

	/* The top via-parm has no branch: the second one's does not count. */
	ck_assert_int_eq(parse("SIP/2.0 200 OK\r\n"
			       "v: SIP/2.0/UDP a.example;rport, SIP/2.0/UDP b.example;branch=z9hG4bK2\r\n"
			       "i: v\r\nCSeq: 1 INVITE\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_uint_eq(m.via_branch.len, 0);

	/* IPv6 sent-by, spaces around ';' and '=' (RFC 3261 25.1 SEMI/EQUAL). */
	ck_assert_int_eq(parse("SIP/2.0 200 OK\r\n"
			       "Via: SIP/2.0/TCP [2001:db8::1]:5060 ; branch = z9hG4bK6 ;rport\r\n"
			       "i: v\r\nCSeq: 1 INVITE\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_view_str(m.via_branch, "z9hG4bK6");
}
END_TEST

START_TEST(user_agent_server_reason_and_related_dialogs)
{
	struct sip_msg m;
	ck_assert_int_eq(parse("SIP/2.0 200 OK\r\nServer: srv\r\nUser-Agent: ua\r\nServer: srv2\r\n"
			       "i: u\r\nCSeq: 1 BYE\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_view_str(m.user_agent, "ua");
	ck_assert_int_eq(parse("SIP/2.0 200 OK\r\nServer: srv\r\ni: u\r\nCSeq: 1 BYE\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_view_str(m.user_agent, "srv");
	ck_assert_int_eq(parse("BYE sip:b SIP/2.0\r\n"
			       "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n"
			       "X-Call-ID: leg-a\r\n"
			       "Replaces: 425928@bobster.example.org;to-tag=7743;from-tag=6472\r\n"
			       "i: u\r\nCSeq: 1 BYE\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_view_str(m.reason_header, "Q.850;cause=16;text=\"Normal call clearing\"");
	ck_assert_view_str(m.x_call_id, "leg-a");
	ck_assert_view_str(m.replaces, "425928@bobster.example.org;to-tag=7743;from-tag=6472");
	ck_assert_int_eq(parse("INVITE sip:b SIP/2.0\r\nX-CID: leg-b\r\ni: u\r\nCSeq: 1 INVITE\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_view_str(m.x_call_id, "leg-b");
	/* Repeated single-valued headers: the first one counts. */
	ck_assert_int_eq(parse("INVITE sip:b SIP/2.0\r\ni: first\r\nCall-ID: second\r\nCSeq: 1 INVITE\r\n"
			       "CSeq: 2 BYE\r\n\r\n", &m),
			 ANOMALY_NONE);
	ck_assert_view_str(m.call_id, "first");
	ck_assert_uint_eq(m.cseq, 1);
}
END_TEST

START_TEST(too_big)
{
	size_t len = SIP_MAX_MESSAGE + 1;
	char *text = malloc(len);
	ck_assert_ptr_nonnull(text);
	static const char head[] = "MESSAGE sip:b SIP/2.0\r\ni: big\r\nCSeq: 1 MESSAGE\r\n\r\n";
	memset(text, 'x', len);
	memcpy(text, head, sizeof(head) - 1);
	struct sip_msg m;
	ck_assert_int_eq(sip_parse(view_make(text, len), &m), ANOMALY_SIP_TOO_BIG);
	ck_assert_int_eq(sip_parse(view_make(text, len - 1), &m), ANOMALY_NONE);
	ck_assert_uint_eq(m.body.len, SIP_MAX_MESSAGE - (sizeof(head) - 1));
	free(text);
}
END_TEST

/* ---- sip_looks_like ---------------------------------------------------- */

START_TEST(looks_like_positives)
{
	static const char *const yes[] = {
		"INVITE sip:bob@b SIP/2.0\r\n",
		"ACK sip:bob@b SIP/2.0\n",
		"X sip:a@b SIP/2.0\r\nVia: x\r\n",
		"NEWMETHOD sips:a@b;transport=tls SIP/2.0\r\n",
		"REGISTER sip:registrar.example.com sip/2.0\r\n",
		"SIP/2.0 200 OK\r\n",
		"SIP/2.0 100 Trying\r\n",
		"SIP/2.0 699 x",
		"SIP/2.0 200\r\n",
		"sip/2.0 180 Ringing\r\n",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ck_assert_msg(sip_looks_like(view_cstr(yes[i])), "\"%s\"", yes[i]);
}
END_TEST

START_TEST(looks_like_negatives)
{
	static const char *const no[] = {
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /sip HTTP/1.1\r\n",
		"HTTP/1.1 200 OK\r\n",
		"OPTIONS rtsp://cam.example/stream RTSP/1.0\r\nCSeq: 1\r\n",
		"RTSP/1.0 200 OK\r\n",
		"",
		"I",
		"SIP/2.0",
		"SIP/2.0 ",
		"SIP/2.0 20",
		"SIP/2.0 200",
		"SIP/2.0 2000 OK\r\n",
		"SIP/2.0 999 Nope\r\n",
		"SIP/2.0 099 Nope\r\n",
		"SIP/2.0 20x OK\r\n",
		"INVITE sip:bob@b SIP/2.0",
		"INVITE sip:bob@b SIP/2.1\r\n",
		"INVITE  sip:bob@b SIP/2.0\r\n",
		"INVITE sip:bob@b  SIP/2.0\r\n",
		"INVITE sip:bob b SIP/2.0\r\n",
		"\r\n\r\n",
		"\r\nINVITE sip:bob@b SIP/2.0\r\n",
		"hello world, this is just some text\n",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA sip:x SIP/2.0\r\n",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!sip_looks_like(view_cstr(no[i])), "\"%s\"", no[i]);
	ck_assert(!sip_looks_like(view_empty()));

	/* An RTP packet (version 2, PCMU) and a DNS query. */
	static const uint8_t rtp[] = { 0x80, 0x00, 0x12, 0x34, 0x00, 0x00, 0x01, 0x40, 0xde,
				       0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t dns[] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x03, 'w',  'w',  'w',  0x07, 'e',  'x',  'a',
				       'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',  0x00, 0x00,
				       0x01, 0x00, 0x01 };
	ck_assert(!sip_looks_like(view_make(rtp, sizeof(rtp))));
	ck_assert(!sip_looks_like(view_make(dns, sizeof(dns))));
}
END_TEST

/* xorshift32: deterministic pseudo-random bytes for the tests. */
static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

START_TEST(looks_like_random_bytes)
{
	uint32_t state = 0x12345678;
	uint8_t buf[256];
	for (int round = 0; round < 20000; round++) {
		size_t len = next_random(&state) % sizeof(buf);
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)next_random(&state);
		ck_assert(!sip_looks_like(view_make(buf, len)));
		/* Random printable text too. */
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(' ' + next_random(&state) % 95);
		ck_assert(!sip_looks_like(view_make(buf, len)));
	}
}
END_TEST

/* ---- sip_frame_length -------------------------------------------------- */

static const char stream_msg[] =
	"MESSAGE sip:bob@b SIP/2.0\r\n"
	"Via: SIP/2.0/TCP h;branch=z9hG4bKtcp\r\n"
	"Call-ID: tcp-1\r\n"
	"CSeq: 1 MESSAGE\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Length: 5\r\n"
	"\r\n"
	"hello";

START_TEST(frame_complete_and_need_more_at_every_cut)
{
	size_t len = sizeof(stream_msg) - 1;
	ck_assert_int_eq(sip_frame_length(view_make(stream_msg, len)), (long)len);
	for (size_t cut = 0; cut < len; cut++) {
		char *copy = malloc(cut ? cut : 1);
		memcpy(copy, stream_msg, cut);
		ck_assert_msg(sip_frame_length(view_make(copy, cut)) == 0, "cut at %zu", cut);
		free(copy);
	}
}
END_TEST

START_TEST(frame_response_need_more_at_every_cut)
{
	static const char text[] = "SIP/2.0 200 OK\nCall-ID: r\nCSeq: 1 MESSAGE\nl: 2\n\nok";
	size_t len = sizeof(text) - 1;
	ck_assert_int_eq(sip_frame_length(view_make(text, len)), (long)len);
	for (size_t cut = 0; cut < len; cut++)
		ck_assert_msg(sip_frame_length(view_make(text, cut)) == 0, "cut at %zu", cut);
}
END_TEST

START_TEST(frame_back_to_back_and_keepalives)
{
	char buf[1024];
	size_t one = sizeof(stream_msg) - 1;
	static const char second[] = "SIP/2.0 200 OK\r\ni: tcp-1\r\nCSeq: 1 MESSAGE\r\nl: 0\r\n\r\n";
	size_t two = sizeof(second) - 1;
	/* keep-alive, message, keep-alive, message, keep-alive */
	size_t n = 0;
	memcpy(buf + n, "\r\n\r\n", 4), n += 4;
	memcpy(buf + n, stream_msg, one), n += one;
	memcpy(buf + n, "\r\n", 2), n += 2;
	memcpy(buf + n, second, two), n += two;
	memcpy(buf + n, "\r\n\r\n", 4), n += 4;

	struct view all = view_make(buf, n);
	long first = sip_frame_length(all);
	ck_assert_int_eq(first, (long)(4 + one));
	struct sip_msg m;
	ck_assert_int_eq(sip_parse(view_make(buf, (size_t)first), &m), ANOMALY_NONE);
	ck_assert_view_str(m.body, "hello");

	struct view rest = view_from(all, (size_t)first);
	long next = sip_frame_length(rest);
	ck_assert_int_eq(next, (long)(2 + two));
	ck_assert_int_eq(sip_parse(view_make(rest.p, (size_t)next), &m), ANOMALY_NONE);
	ck_assert_uint_eq(m.status, 200);

	/* Keep-alives alone wait for the message that follows them. */
	rest = view_from(rest, (size_t)next);
	ck_assert_int_eq(sip_frame_length(rest), 0);
	ck_assert_int_eq(sip_frame_length(view_cstr("\r\n")), 0);
	ck_assert_int_eq(sip_frame_length(view_empty()), 0);
}
END_TEST

START_TEST(frame_without_content_length)
{
	static const char text[] = "ACK sip:b SIP/2.0\r\ni: x\r\nCSeq: 1 ACK\r\n\r\nOPTIONS";
	/* Content-Length is mandatory on streams; without it there is no body. */
	ck_assert_int_eq(sip_frame_length(view_cstr(text)), (long)(sizeof(text) - 1 - strlen("OPTIONS")));
	/* No headers at all. */
	ck_assert_int_eq(sip_frame_length(view_cstr("ACK sip:b SIP/2.0\r\n\r\n")), 21);
	ck_assert_int_eq(sip_frame_length(view_cstr("ACK sip:b SIP/2.0\n\n")), 19);
	/* Compact form, whitespace before the colon, folded header before it. */
	ck_assert_int_eq(sip_frame_length(view_cstr("ACK sip:b SIP/2.0\r\nSubject: a\r\n b\r\nl : 3\r\n\r\nabcdef")),
			 (long)strlen("ACK sip:b SIP/2.0\r\nSubject: a\r\n b\r\nl : 3\r\n\r\nabc"));
}
END_TEST

START_TEST(frame_not_sip_or_too_big)
{
	ck_assert_int_eq(sip_frame_length(view_cstr("GET / HTTP/1.1\r\nHost: x\r\n\r\n")), -1);
	ck_assert_int_eq(sip_frame_length(view_cstr("HTTP/1.1 200 OK\r\n")), -1);
	/* Garbage is refused before its first line is complete. */
	static const uint8_t binary[] = { 0x80, 0x08, 0x00, 0x01 };
	ck_assert_int_eq(sip_frame_length(view_make(binary, sizeof(binary))), -1);
	ck_assert_int_eq(sip_frame_length(view_cstr("HTTP/1.1 ")), -1);
	ck_assert_int_eq(sip_frame_length(view_cstr("{\"json\": 1}")), -1);
	ck_assert_int_eq(sip_frame_length(view_cstr("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")), -1);
	/* Malformed or oversized Content-Length. */
	ck_assert_int_eq(sip_frame_length(view_cstr("ACK sip:b SIP/2.0\r\nContent-Length: x\r\n\r\n")), -1);
	ck_assert_int_eq(sip_frame_length(view_cstr("ACK sip:b SIP/2.0\r\nContent-Length: 70000\r\n\r\n")), -1);
	ck_assert_int_eq(sip_frame_length(view_cstr("ACK sip:b SIP/2.0\r\nContent-Length: 65500\r\n\r\n")), -1);
	ck_assert_int_eq(sip_frame_length(view_cstr("ACK sip:b SIP/2.0\r\nContent-Length: 60000\r\n\r\n")), 0);

	/* A header block that never ends. */
	size_t len = SIP_MAX_MESSAGE + 100;
	char *text = malloc(len);
	static const char head[] = "ACK sip:b SIP/2.0\r\nX: ";
	memset(text, 'a', len);
	memcpy(text, head, sizeof(head) - 1);
	ck_assert_int_eq(sip_frame_length(view_make(text, len)), -1);
	ck_assert_int_eq(sip_frame_length(view_make(text, SIP_MAX_MESSAGE / 2)), 0);
	/* A start line that never ends. */
	memcpy(text, "ACK ", 4);
	ck_assert_int_eq(sip_frame_length(view_make(text, len)), -1);
	/* Keep-alives without end. */
	for (size_t i = 0; i < len; i++)
		text[i] = (i % 2) ? '\n' : '\r';
	ck_assert_int_eq(sip_frame_length(view_make(text, len)), -1);
	free(text);
}
END_TEST

/* ---- robustness -------------------------------------------------------- */

/* Runs every entry point over exactly these bytes, in a buffer of exactly
 * their size so that ASan sees any read past the end. */
static void exercise(const void *bytes, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	memcpy(copy, bytes, len);
	struct view v = view_make(copy, len);
	struct sip_msg m;
	enum anomaly a = sip_parse(v, &m);
	ck_assert_int_lt(a, ANOMALY_COUNT);
	if (a == ANOMALY_NONE) {
		ck_assert(m.call_id.len > 0);
		ck_assert(m.body.p >= copy && m.body.p + m.body.len <= copy + len);
		ck_assert(m.headers.p >= copy && m.headers.p + m.headers.len <= copy + len);
		struct view value;
		sip_msg_header(&m, "Contact", &value);
		sip_msg_header(&m, "v", &value);
		char buf[64];
		sip_value_unfold(m.from, buf, sizeof(buf));
	}
	(void)sip_looks_like(v);
	long frame = sip_frame_length(v);
	ck_assert(frame >= -1 && frame <= (long)len);
	struct view uri, user, param;
	sip_name_addr(v, &uri, &user);
	sip_param(v, "tag", &param);
	free(copy);
}

static const char *const corpus[] = {
	invite_text,
	stream_msg,
	"SIP/2.0 200 OK\nVia: SIP/2.0/UDP h;branch=\"q\nCall-ID: x\nFrom: \"unterminated <sip:a@b>;tag=\n"
	"To: <sip:b@c;tag=1\nCSeq: 12 INVITE\nSubject: a\n \n\tb\nContent-Length: 30\n\nshort",
	"INVITE sip:a@b SIP/2.0\r\nf: sip:x@y;tag=1;tag\r\nt:tel:+1;tag\r\ni:a\r\nCSeq:1 INVITE\r\n"
	"c:multipart/mixed;boundary=\"b\"\r\nl:0\r\n\r\n",
};

START_TEST(every_prefix_is_safe)
{
	const char *text = corpus[_i];
	size_t len = strlen(text);
	for (size_t cut = 0; cut <= len; cut++)
		exercise(text, cut);
	/* And every suffix (a capture that starts mid-message). */
	for (size_t start = 0; start <= len; start++)
		exercise(text + start, len - start);
}
END_TEST

START_TEST(mutations_are_safe)
{
	uint32_t state = 0xc0ffee;
	size_t len = sizeof(invite_text) - 1;
	uint8_t buf[sizeof(invite_text)];
	static const uint8_t interesting[] = { '\r', '\n', ' ', '\t', ':', ';', '<', '>', '"',
					       ',', '=', '\\', '@', 0, 0xff };
	for (int round = 0; round < 3000; round++) {
		memcpy(buf, invite_text, len);
		int flips = 1 + (int)(next_random(&state) % 8);
		for (int k = 0; k < flips; k++)
			buf[next_random(&state) % len] =
				interesting[next_random(&state) % sizeof(interesting)];
		exercise(buf, next_random(&state) % (len + 1));
	}
}
END_TEST

static Suite *sip_suite(void)
{
	Suite *s = suite_create("sip");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, invite_request_fields);
	tcase_add_loop_test(tc, every_method_request_and_response, 0, (int)ALL_METHOD_COUNT);
	tcase_add_test(tc, extension_and_lowercase_methods);
	tcase_add_test(tc, method_names);
	tcase_add_test(tc, response_fields);
	tcase_add_test(tc, status_codes);
	tcase_add_test(tc, bad_request_lines);
	tcase_add_test(tc, compact_forms);
	tcase_add_test(tc, mixed_case_names_and_colon_spacing);
	tcase_add_test(tc, near_miss_header_names);
	tcase_add_test(tc, folded_lines);
	tcase_add_test(tc, value_unfold);
	tcase_add_test(tc, bare_lf_line_ends);
	tcase_add_test(tc, mixed_line_ends);
	tcase_add_test(tc, keepalive_before_start_line);
	tcase_add_test(tc, missing_call_id);
	tcase_add_test(tc, bad_cseq);
	tcase_add_test(tc, content_length_values);
	tcase_add_test(tc, cut_body);
	tcase_add_test(tc, header_without_colon_is_skipped);
	tcase_add_test(tc, name_addr_forms);
	tcase_add_test(tc, params);
	tcase_add_test(tc, via_branch_of_first_via);
	tcase_add_test(tc, user_agent_server_reason_and_related_dialogs);
	tcase_add_test(tc, too_big);
	suite_add_tcase(s, tc);

	tc = tcase_create("looks_like");
	tcase_add_test(tc, looks_like_positives);
	tcase_add_test(tc, looks_like_negatives);
	tcase_add_test(tc, looks_like_random_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("frame");
	tcase_add_test(tc, frame_complete_and_need_more_at_every_cut);
	tcase_add_test(tc, frame_response_need_more_at_every_cut);
	tcase_add_test(tc, frame_back_to_back_and_keepalives);
	tcase_add_test(tc, frame_without_content_length);
	tcase_add_test(tc, frame_not_sip_or_too_big);
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, every_prefix_is_safe, 0, (int)(sizeof(corpus) / sizeof(corpus[0])));
	tcase_add_test(tc, mutations_are_safe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sip_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
