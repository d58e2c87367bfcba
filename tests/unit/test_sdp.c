/* test_sdp.c - SDP parsing (RFC 8866; a=rtcp RFC 3605; rtcp-mux RFC 5761;
 * static payload types RFC 3551). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/sdp.h"

#define ck_assert_view_str(v, s)                                                         \
	do {                                                                              \
		struct view v_ = (v);                                                      \
		const char *s_ = (s);                                                      \
		ck_assert_msg(view_eq(v_, view_cstr(s_)), "%s is \"%.*s\", expected \"%s\"", \
			      #v, (int)v_.len, v_.p ? (const char *)v_.p : "", s_);        \
	} while (0)

/* Asserts that a holds the textual address text. */
#define ck_assert_addr(a, text)                                          \
	do {                                                              \
		char buf_[NETADDR_STRLEN];                                \
		ck_assert_str_eq(netaddr_format(&(a), buf_, sizeof(buf_)), (text)); \
	} while (0)

static enum anomaly parse(const char *text, struct sdp *s)
{
	return sdp_parse(view_cstr(text), s);
}

static const char offer[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 198.51.100.1\r\n"
	"s=-\r\n"
	"c=IN IP4 198.51.100.1\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\n"
	"a=ptime:20\r\n"
	"a=sendrecv\r\n";

START_TEST(audio_offer)
{
	struct sdp s;
	ck_assert_int_eq(parse(offer, &s), ANOMALY_NONE);
	ck_assert_addr(s.session_addr, "198.51.100.1");
	ck_assert_int_eq(s.session_direction, SDP_DIR_UNSET);
	ck_assert_uint_eq(s.media_count, 1);
	ck_assert_uint_eq(s.media_dropped, 0);
	const struct sdp_media *m = &s.media[0];
	ck_assert_view_str(m->type, "audio");
	ck_assert_view_str(m->proto, "RTP/AVP");
	ck_assert_uint_eq(m->port, 49170);
	ck_assert_uint_eq(m->port_count, 1);
	ck_assert_addr(m->addr, "198.51.100.1");
	ck_assert_int_eq(m->direction, SDP_DIR_SENDRECV);
	ck_assert_uint_eq(m->ptime_ms, 20);
	ck_assert_uint_eq(m->rtcp_port, 0);
	ck_assert_uint_eq(m->rtcp_addr.family, 0);
	ck_assert(!m->rtcp_mux);
	ck_assert_uint_eq(m->format_count, 3);
	ck_assert_uint_eq(m->formats[0].pt, 0);
	ck_assert(m->formats[0].has_rtpmap);
	ck_assert_str_eq(m->formats[0].encoding, "PCMU");
	ck_assert_uint_eq(m->formats[0].clock_rate, 8000);
	ck_assert_uint_eq(m->formats[0].channels, 0);
	ck_assert_uint_eq(m->formats[0].fmtp.len, 0);
	ck_assert_uint_eq(m->formats[1].pt, 8);
	ck_assert_str_eq(m->formats[1].encoding, "PCMA");
	ck_assert_uint_eq(m->formats[2].pt, 101);
	ck_assert_str_eq(m->formats[2].encoding, "telephone-event");
	ck_assert_uint_eq(m->formats[2].clock_rate, 8000);
	ck_assert_view_str(m->formats[2].fmtp, "0-16");

	const struct sdp_format *f = sdp_media_format(m, 101);
	ck_assert_ptr_eq(f, &m->formats[2]);
	ck_assert_ptr_null(sdp_media_format(m, 9));
}
END_TEST

START_TEST(ipv6_and_ttl_suffixes)
{
	struct sdp s;
	ck_assert_int_eq(parse("v=0\r\nc=IN IP6 2001:db8::1\r\nm=audio 5004 RTP/AVP 0\r\n", &s),
			 ANOMALY_NONE);
	ck_assert_uint_eq(s.session_addr.family, NETADDR_V6);
	ck_assert_addr(s.media[0].addr, "2001:db8::1");

	/* RFC 8866 5.7: multicast TTL and address count are not part of the address. */
	ck_assert_int_eq(parse("v=0\r\nc=IN IP4 233.252.0.1/127/3\r\nm=video 5004 RTP/AVP 31\r\n", &s),
			 ANOMALY_NONE);
	ck_assert_addr(s.media[0].addr, "233.252.0.1");
	ck_assert_int_eq(parse("v=0\r\nc=IN IP6 ff15::101/3\r\nm=video 5004 RTP/AVP 31\r\n", &s),
			 ANOMALY_NONE);
	ck_assert_addr(s.session_addr, "ff15::101");

	/* Hold (RFC 3264 8.4 legacy form) keeps the zero address. */
	ck_assert_int_eq(parse("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 5004 RTP/AVP 0\r\n", &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media[0].addr.family, NETADDR_V4);
	ck_assert_addr(s.media[0].addr, "0.0.0.0");

	/* Unusable c= lines leave the address unset. */
	static const char *const bad[] = {
		"v=0\r\nc=IN IP4 host.example.com\r\nm=audio 1 RTP/AVP 0\r\n",
		"v=0\r\nc=ATM NSAP 47.0091\r\nm=audio 1 RTP/AVP 0\r\n",
		"v=0\r\nc=IN IP4\r\nm=audio 1 RTP/AVP 0\r\n",
		"v=0\r\nc=IN IP4 300.1.1.1\r\nm=audio 1 RTP/AVP 0\r\n",
		"v=0\r\nc=\r\nm=audio 1 RTP/AVP 0\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse(bad[i], &s), ANOMALY_NONE);
		ck_assert_msg(s.media[0].addr.family == 0, "case %zu", i);
	}

	/* IPv4 text forms: what inet_pton takes, and nothing else. */
	static const struct {
		const char *text, *expected; /* expected NULL: refused */
	} v4[] = {
		{ "255.255.255.255", "255.255.255.255" }, { "0.0.0.0", "0.0.0.0" },
		{ "10.20.30.40", "10.20.30.40" },         { "1.2.3", NULL },
		{ "1.2.3.4.5", NULL },                    { "1.2.3.4x", NULL },
		{ "01.2.3.4", NULL },                     { "1..2.3", NULL },
		{ "1234.1.1.1", NULL },                   { "256.1.1.1", NULL },
		{ ".1.2.3", NULL },                       { "1.2.3.", NULL },
	};
	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		char text[96];
		snprintf(text, sizeof(text), "v=0\r\nc=IN IP4 %s\r\n", v4[i].text);
		ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
		if (v4[i].expected)
			ck_assert_addr(s.session_addr, v4[i].expected);
		else
			ck_assert_msg(s.session_addr.family == 0, "%s accepted", v4[i].text);
	}
}
END_TEST

START_TEST(session_and_media_connection)
{
	static const char text[] =
		"v=0\r\n"
		"o=- 1 1 IN IP4 192.0.2.9\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n"
		"c=IN IP4 192.0.2.2\r\n"
		"m=video 4002 RTP/AVP 96\r\n"
		"m=audio 4004 RTP/AVP 8\r\n"
		"c=IN IP6 2001:db8::2\r\n";
	struct sdp s;
	ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media_count, 3);
	ck_assert_addr(s.session_addr, "192.0.2.1");
	ck_assert_addr(s.media[0].addr, "192.0.2.2");
	ck_assert_addr(s.media[1].addr, "192.0.2.1");
	ck_assert_addr(s.media[2].addr, "2001:db8::2");

	/* No c= anywhere. */
	ck_assert_int_eq(parse("v=0\r\nm=audio 4000 RTP/AVP 0\r\n", &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.session_addr.family, 0);
	ck_assert_uint_eq(s.media[0].addr.family, 0);
}
END_TEST

START_TEST(several_media_with_port_zero_and_t38)
{
	static const char text[] =
		"v=0\n"
		"c=IN IP4 10.1.1.1\n"
		"m=audio 0 RTP/AVP 0\n"
		"m=image 6000 udptl t38\n"
		"a=T38FaxVersion:0\n"
		"m=message 7394 TCP/MSRP *\n"
		"m=video 49170/2 RTP/AVP 31 32\n"
		"m=audio 5000 RTP/SAVP 0\n";
	struct sdp s;
	ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media_count, 5);
	ck_assert_uint_eq(s.media[0].port, 0);
	ck_assert_uint_eq(s.media[0].format_count, 1);
	ck_assert_view_str(s.media[1].type, "image");
	ck_assert_view_str(s.media[1].proto, "udptl");
	ck_assert_uint_eq(s.media[1].port, 6000);
	ck_assert_uint_eq(s.media[1].format_count, 0);
	ck_assert_view_str(s.media[2].proto, "TCP/MSRP");
	ck_assert_uint_eq(s.media[2].format_count, 0);
	ck_assert_uint_eq(s.media[3].port, 49170);
	ck_assert_uint_eq(s.media[3].port_count, 2);
	ck_assert_uint_eq(s.media[3].format_count, 2);
	ck_assert_str_eq(s.media[3].formats[1].encoding, "MPV");
	ck_assert_view_str(s.media[4].proto, "RTP/SAVP");
	for (int i = 0; i < 5; i++)
		ck_assert_addr(s.media[i].addr, "10.1.1.1");
}
END_TEST

START_TEST(rtpmap_channels_and_dynamic_types)
{
	static const char text[] =
		"v=0\r\n"
		"m=audio 4000 RTP/AVP 111 10 96 97 98\r\n"
		"a=rtpmap:111 opus/48000/2\r\n"
		"a=rtpmap:10 L16/44100/2\r\n"
		"a=rtpmap:96 AMR-WB/16000\r\n"
		"a=fmtp:96 octet-align=1; mode-change-capability=2\r\n"
		"a=rtpmap:97 VERYLONGENCODINGNAMEBEYONDTHELIMIT/8000/1\r\n"
		"a=rtpmap:120 ignored/8000\r\n"
		"a=fmtp:120 ignored\r\n"
		"a=fmtp:111 minptime=10;useinbandfec=1\r\n";
	struct sdp s;
	ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
	const struct sdp_media *m = &s.media[0];
	ck_assert_uint_eq(m->format_count, 5);
	const struct sdp_format *opus = sdp_media_format(m, 111);
	ck_assert_ptr_nonnull(opus);
	ck_assert(opus->has_rtpmap);
	ck_assert_str_eq(opus->encoding, "opus");
	ck_assert_uint_eq(opus->clock_rate, 48000);
	ck_assert_uint_eq(opus->channels, 2);
	ck_assert_view_str(opus->fmtp, "minptime=10;useinbandfec=1");
	const struct sdp_format *l16 = sdp_media_format(m, 10);
	ck_assert_str_eq(l16->encoding, "L16");
	ck_assert_uint_eq(l16->clock_rate, 44100);
	ck_assert_uint_eq(l16->channels, 2);
	const struct sdp_format *amr = sdp_media_format(m, 96);
	ck_assert_str_eq(amr->encoding, "AMR-WB");
	ck_assert_uint_eq(amr->clock_rate, 16000);
	ck_assert_uint_eq(amr->channels, 0);
	ck_assert_view_str(amr->fmtp, "octet-align=1; mode-change-capability=2");
	const struct sdp_format *longname = sdp_media_format(m, 97);
	ck_assert_uint_eq(strlen(longname->encoding), SDP_ENCODING_LEN - 1);
	ck_assert_uint_eq(longname->channels, 1);
	/* A dynamic type without rtpmap stays unknown. */
	const struct sdp_format *bare = sdp_media_format(m, 98);
	ck_assert(!bare->has_rtpmap);
	ck_assert_str_eq(bare->encoding, "");
	ck_assert_uint_eq(bare->clock_rate, 0);
	/* rtpmap/fmtp for a type not in the m= line are ignored. */
	ck_assert_ptr_null(sdp_media_format(m, 120));
}
END_TEST

struct static_entry {
	uint8_t pt;
	const char *encoding;
	uint32_t clock_rate;
};

START_TEST(static_payload_table)
{
	/* RFC 3551 tables 4 and 5. */
	static const struct static_entry table[] = {
		{ 0, "PCMU", 8000 },   { 3, "GSM", 8000 },    { 4, "G723", 8000 },
		{ 5, "DVI4", 8000 },   { 6, "DVI4", 16000 },  { 7, "LPC", 8000 },
		{ 8, "PCMA", 8000 },   { 9, "G722", 8000 },   { 10, "L16", 44100 },
		{ 11, "L16", 44100 },  { 12, "QCELP", 8000 }, { 13, "CN", 8000 },
		{ 14, "MPA", 90000 },  { 15, "G728", 8000 },  { 16, "DVI4", 11025 },
		{ 17, "DVI4", 22050 }, { 18, "G729", 8000 },  { 25, "CelB", 90000 },
		{ 26, "JPEG", 90000 }, { 28, "nv", 90000 },   { 31, "H261", 90000 },
		{ 32, "MPV", 90000 },  { 33, "MP2T", 90000 }, { 34, "H263", 90000 },
		/* Reserved or unassigned: unknown. */
		{ 1, "", 0 },          { 2, "", 0 },          { 19, "", 0 },
		{ 35, "", 0 },         { 72, "", 0 },         { 127, "", 0 },
	};
	char text[128];
	struct sdp s;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		snprintf(text, sizeof(text), "v=0\r\nm=audio 4000 RTP/AVP %u\r\n", table[i].pt);
		ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
		ck_assert_uint_eq(s.media[0].format_count, 1);
		const struct sdp_format *f = &s.media[0].formats[0];
		ck_assert_uint_eq(f->pt, table[i].pt);
		ck_assert(!f->has_rtpmap);
		ck_assert_msg(strcmp(f->encoding, table[i].encoding) == 0, "pt %u: %s", table[i].pt,
			      f->encoding);
		ck_assert_uint_eq(f->clock_rate, table[i].clock_rate);
	}
	/* Not payload types: over 127, negative, not numbers. */
	ck_assert_int_eq(parse("v=0\r\nm=audio 4000 RTP/AVP 128 -1 x1 0x1 8\r\n", &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media[0].format_count, 1);
	ck_assert_uint_eq(s.media[0].formats[0].pt, 8);
	/* A duplicate is kept once. */
	ck_assert_int_eq(parse("v=0\r\nm=audio 4000 RTP/AVP 0 0 8\r\n", &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media[0].format_count, 2);
}
END_TEST

static const char *const directions[] = { "sendrecv", "sendonly", "recvonly", "inactive" };

START_TEST(direction_at_both_levels)
{
	enum sdp_direction dir = (enum sdp_direction)(SDP_DIR_SENDRECV + _i);
	char text[256];
	struct sdp s;
	ck_assert_str_eq(sdp_direction_name(dir), directions[_i]);

	/* Session level only: every m= section inherits it. */
	snprintf(text, sizeof(text), "v=0\r\na=%s\r\nm=audio 1 RTP/AVP 0\r\nm=video 2 RTP/AVP 31\r\n",
		 directions[_i]);
	ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
	ck_assert_int_eq(s.session_direction, dir);
	ck_assert_int_eq(s.media[0].direction, dir);
	ck_assert_int_eq(s.media[1].direction, dir);

	/* Media level overrides the session for its own section only. */
	int other = (_i + 1) % 4;
	snprintf(text, sizeof(text),
		 "v=0\r\na=%s\r\nm=audio 1 RTP/AVP 0\r\na=%s\r\nm=video 2 RTP/AVP 31\r\n",
		 directions[other], directions[_i]);
	ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
	ck_assert_int_eq(s.session_direction, SDP_DIR_SENDRECV + other);
	ck_assert_int_eq(s.media[0].direction, dir);
	ck_assert_int_eq(s.media[1].direction, SDP_DIR_SENDRECV + other);

	/* Media level only. */
	snprintf(text, sizeof(text), "v=0\r\nm=audio 1 RTP/AVP 0\r\na=%s\r\nm=video 2 RTP/AVP 31\r\n",
		 directions[_i]);
	ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
	ck_assert_int_eq(s.session_direction, SDP_DIR_UNSET);
	ck_assert_int_eq(s.media[0].direction, dir);
	ck_assert_int_eq(s.media[1].direction, SDP_DIR_SENDRECV);
}
END_TEST

START_TEST(direction_names)
{
	ck_assert_str_eq(sdp_direction_name(SDP_DIR_UNSET), "unset");
	ck_assert_str_eq(sdp_direction_name((enum sdp_direction)99), "unset");
}
END_TEST

START_TEST(rtcp_attribute_and_mux)
{
	static const char text[] =
		"v=0\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"a=rtcp:9999\r\n"            /* session level: not defined, ignored */
		"a=rtcp-mux\r\n"             /* likewise */
		"m=audio 49170 RTP/AVP 0\r\n"
		"a=rtcp:53020\r\n"
		"m=audio 49180 RTP/AVP 0\r\n"
		"a=rtcp:53020 IN IP4 126.16.64.4\r\n"
		"m=audio 49190 RTP/AVP 0\r\n"
		"a=rtcp:53022 IN IP6 2001:2345:6789:ABCD:EF01:2345:6789:ABCD\r\n"
		"a=rtcp-mux\r\n"
		"m=audio 49200 RTP/AVP 0\r\n"
		"a=rtcp:notaport\r\n"
		"a=rtcp:70000\r\n";
	struct sdp s;
	ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media_count, 4);
	ck_assert_uint_eq(s.media[0].rtcp_port, 53020);
	ck_assert_uint_eq(s.media[0].rtcp_addr.family, 0);
	ck_assert(!s.media[0].rtcp_mux);
	ck_assert_uint_eq(s.media[1].rtcp_port, 53020);
	ck_assert_addr(s.media[1].rtcp_addr, "126.16.64.4");
	ck_assert(!s.media[1].rtcp_mux);
	ck_assert_uint_eq(s.media[2].rtcp_port, 53022);
	ck_assert_addr(s.media[2].rtcp_addr, "2001:2345:6789:abcd:ef01:2345:6789:abcd");
	ck_assert(s.media[2].rtcp_mux);
	ck_assert_uint_eq(s.media[3].rtcp_port, 0);
	ck_assert(!s.media[3].rtcp_mux);
}
END_TEST

START_TEST(ptime_levels)
{
	struct sdp s;
	ck_assert_int_eq(parse("v=0\r\na=ptime:30\r\nm=audio 1 RTP/AVP 0\r\n"
			       "m=audio 2 RTP/AVP 0\r\na=ptime:40\r\n"
			       "m=audio 3 RTP/AVP 0\r\na=ptime:20.5\r\n"
			       "m=audio 4 RTP/AVP 0\r\na=ptime:x\r\n", &s),
			 ANOMALY_NONE);
	ck_assert_uint_eq(s.media[0].ptime_ms, 30);
	ck_assert_uint_eq(s.media[1].ptime_ms, 40);
	ck_assert_uint_eq(s.media[2].ptime_ms, 20);
	ck_assert_uint_eq(s.media[3].ptime_ms, 30);
}
END_TEST

START_TEST(truncated_lines)
{
	static const char text[] =
		"v=0\r\n"
		"c=IN IP4 10.0.0.1\r\n"
		"m=audio 4000 RTP/AVP 0 8 96\r\n"
		"a=rtpmap:96 opus/48000/2\r\n"
		"a=rtpmap:8 PCMA/8000\r\n";
	struct sdp s;
	/* Cut inside "a=rtpmap:8 PCMA/8000": whatever was complete stays. */
	const char *cut = strstr(text, "PCMA/8000") + strlen("PC");
	ck_assert_int_eq(sdp_parse(view_make(text, (size_t)(cut - text)), &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media_count, 1);
	ck_assert_str_eq(sdp_media_format(&s.media[0], 96)->encoding, "opus");
	ck_assert_str_eq(sdp_media_format(&s.media[0], 8)->encoding, "PC");
	ck_assert_uint_eq(sdp_media_format(&s.media[0], 8)->clock_rate, 0);

	/* Cut inside the c= address: no address rather than a wrong one... */
	cut = strstr(text, "10.0.0.1") + strlen("10.0.");
	ck_assert_int_eq(sdp_parse(view_make(text, (size_t)(cut - text)), &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.session_addr.family, 0);
	ck_assert_uint_eq(s.media_count, 0);

	/* ...and an m= line without its protocol is not kept. */
	ck_assert_int_eq(parse("v=0\r\nm=audio 4000", &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media_count, 0);
	ck_assert_int_eq(parse("v=0\r\nm=audio 4000 RTP/AVP", &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media_count, 1);
	ck_assert_uint_eq(s.media[0].format_count, 0);
}
END_TEST

START_TEST(malformed_lines_are_skipped)
{
	static const char text[] =
		"v=0\r\n"
		"garbage line\r\n"
		"x\r\n"
		"\r\n"
		"m=audio notaport RTP/AVP 0\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=sendonly\r\n"
		"c=IN IP4 10.9.9.9\r\n"
		"m=audio 70000 RTP/AVP 0\r\n"
		"m=audio 4000/0 RTP/AVP 0\r\n"
		"a=recvonly\r\n";
	struct sdp s;
	ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
	/* The two bad m= sections and their lines are dropped, not given to
	 * their neighbours; a port count of 0 is read as 1. */
	ck_assert_uint_eq(s.media_count, 1);
	ck_assert_uint_eq(s.media[0].port, 4000);
	ck_assert_uint_eq(s.media[0].port_count, 1);
	ck_assert_int_eq(s.media[0].direction, SDP_DIR_RECVONLY);
	ck_assert_uint_eq(s.session_addr.family, 0);
	ck_assert_uint_eq(s.media[0].addr.family, 0);
}
END_TEST

START_TEST(media_and_format_limits)
{
	char text[2048];
	size_t n = (size_t)snprintf(text, sizeof(text), "v=0\r\n");
	for (int i = 0; i < SDP_MAX_MEDIA + 3; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "m=audio %d RTP/AVP 0\r\na=ptime:%d\r\nc=IN IP4 10.0.0.%d\r\n",
				      1000 + i, 10 + i, i + 1);
	struct sdp s;
	ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media_count, SDP_MAX_MEDIA);
	ck_assert_uint_eq(s.media_dropped, 3);
	/* The last kept section is not changed by the dropped ones. */
	const struct sdp_media *last = &s.media[SDP_MAX_MEDIA - 1];
	ck_assert_uint_eq(last->port, 1000 + SDP_MAX_MEDIA - 1);
	ck_assert_uint_eq(last->ptime_ms, 10 + SDP_MAX_MEDIA - 1);
	char expected[32];
	snprintf(expected, sizeof(expected), "10.0.0.%d", SDP_MAX_MEDIA);
	ck_assert_addr(last->addr, expected);

	n = (size_t)snprintf(text, sizeof(text), "v=0\r\nm=audio 4000 RTP/AVP");
	for (int pt = 96; pt < 96 + SDP_MAX_FORMATS + 4; pt++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " %d", pt);
	snprintf(text + n, sizeof(text) - n, "\r\na=rtpmap:%d late/8000\r\n", 96 + SDP_MAX_FORMATS);
	ck_assert_int_eq(parse(text, &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media[0].format_count, SDP_MAX_FORMATS);
	ck_assert_uint_eq(s.media[0].formats[SDP_MAX_FORMATS - 1].pt, 96 + SDP_MAX_FORMATS - 1);
	ck_assert_ptr_null(sdp_media_format(&s.media[0], 96 + SDP_MAX_FORMATS));

	/* media_dropped saturates instead of wrapping. */
	size_t big = 8 + 300 * 20;
	char *many = malloc(big);
	n = (size_t)snprintf(many, big, "v=0\n");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(many + n, big - n, "m=audio 1 RTP/AVP 0\n");
	ck_assert_int_eq(sdp_parse(view_make(many, n), &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media_dropped, UINT8_MAX);
	free(many);
}
END_TEST

START_TEST(not_sdp)
{
	struct sdp s;
	ck_assert_int_eq(parse("", &s), ANOMALY_SDP_BAD);
	ck_assert_int_eq(sdp_parse(view_empty(), &s), ANOMALY_SDP_BAD);
	ck_assert_int_eq(parse("o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", &s), ANOMALY_SDP_BAD);
	ck_assert_int_eq(parse("<?xml version=\"1.0\"?>", &s), ANOMALY_SDP_BAD);
	ck_assert_int_eq(parse("v", &s), ANOMALY_SDP_BAD);
	/* Leading blank lines are tolerated; v= alone is a (useless) SDP. */
	ck_assert_int_eq(parse("\r\n\r\nv=0\r\n", &s), ANOMALY_NONE);
	ck_assert_uint_eq(s.media_count, 0);
	ck_assert_int_eq(parse("v=", &s), ANOMALY_NONE);
}
END_TEST

/* Runs the parser over exactly these bytes in a buffer of their size. */
static void exercise(const char *bytes, size_t len)
{
	char *copy = malloc(len ? len : 1);
	memcpy(copy, bytes, len);
	struct sdp s;
	if (sdp_parse(view_make(copy, len), &s) == ANOMALY_NONE) {
		ck_assert_uint_le(s.media_count, SDP_MAX_MEDIA);
		for (int i = 0; i < s.media_count; i++) {
			ck_assert_uint_le(s.media[i].format_count, SDP_MAX_FORMATS);
			for (int f = 0; f < s.media[i].format_count; f++)
				ck_assert_uint_lt(strlen(s.media[i].formats[f].encoding),
						  SDP_ENCODING_LEN);
		}
	}
	free(copy);
}

static const char full_sdp[] =
	"v=0\r\n"
	"o=- 1 1 IN IP6 2001:db8::9\r\n"
	"s=-\r\n"
	"c=IN IP6 2001:db8::1\r\n"
	"t=0 0\r\n"
	"a=sendonly\r\n"
	"a=ptime:20\r\n"
	"m=audio 49170/2 RTP/AVP 0 8 101 96\r\n"
	"c=IN IP4 192.0.2.1/127\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=rtpmap:96 opus/48000/2\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=rtcp:49171 IN IP4 192.0.2.1\r\n"
	"a=rtcp-mux\r\n"
	"a=inactive\r\n"
	"m=image 0 udptl t38\n"
	"a=T38FaxRateManagement:transferredTCF\n";

START_TEST(every_prefix_is_safe)
{
	size_t len = sizeof(full_sdp) - 1;
	for (size_t cut = 0; cut <= len; cut++)
		exercise(full_sdp, cut);
	for (size_t start = 0; start <= len; start++)
		exercise(full_sdp + start, len - start);
}
END_TEST

static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

START_TEST(mutations_are_safe)
{
	uint32_t state = 0xbadc0de;
	size_t len = sizeof(full_sdp) - 1;
	char buf[sizeof(full_sdp)];
	static const char interesting[] = { '\r', '\n', ' ', '/', ':', '=', '0', '9', 'm', 'a', 'c', 0 };
	for (int round = 0; round < 3000; round++) {
		memcpy(buf, full_sdp, len);
		int flips = 1 + (int)(next_random(&state) % 8);
		for (int k = 0; k < flips; k++)
			buf[next_random(&state) % len] =
				interesting[next_random(&state) % sizeof(interesting)];
		exercise(buf, next_random(&state) % (len + 1));
	}
}
END_TEST

static Suite *sdp_suite(void)
{
	Suite *s = suite_create("sdp");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, audio_offer);
	tcase_add_test(tc, ipv6_and_ttl_suffixes);
	tcase_add_test(tc, session_and_media_connection);
	tcase_add_test(tc, several_media_with_port_zero_and_t38);
	tcase_add_test(tc, rtpmap_channels_and_dynamic_types);
	tcase_add_test(tc, static_payload_table);
	tcase_add_loop_test(tc, direction_at_both_levels, 0, 4);
	tcase_add_test(tc, direction_names);
	tcase_add_test(tc, rtcp_attribute_and_mux);
	tcase_add_test(tc, ptime_levels);
	tcase_add_test(tc, truncated_lines);
	tcase_add_test(tc, malformed_lines_are_skipped);
	tcase_add_test(tc, media_and_format_limits);
	tcase_add_test(tc, not_sdp);
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_prefix_is_safe);
	tcase_add_test(tc, mutations_are_safe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sdp_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
