/* test_websocket.c - WebSocket frame headers, unmasking and the HTTP
 * upgrade handshake (RFC 6455). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/websocket.h"

/* RFC 6455 5.7 examples. */
static const uint8_t unmasked_hello[] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o' };
static const uint8_t masked_hello[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
					0x7f, 0x9f, 0x4d, 0x51, 0x58 };

static enum ws_parse_result parse(const uint8_t *p, size_t len, struct ws_frame *f)
{
	memset(f, 0xAA, sizeof(*f)); /* untouched fields would show */
	return ws_frame_header(view_make(p, len), f);
}

START_TEST(test_len7_unmasked)
{
	struct ws_frame f;
	ck_assert_int_eq(parse(unmasked_hello, sizeof(unmasked_hello), &f), WS_FRAME_OK);
	ck_assert(f.fin);
	ck_assert_uint_eq(f.opcode, WS_OP_TEXT);
	ck_assert(!f.masked);
	ck_assert_uint_eq(f.payload_len, 5);
	ck_assert_uint_eq(f.header_len, 2);
	uint8_t out[5];
	ws_unmask(&f, view_make(unmasked_hello + 2, 5), 0, out);
	ck_assert_int_eq(memcmp(out, "Hello", 5), 0);
}
END_TEST

START_TEST(test_len7_masked)
{
	struct ws_frame f;
	ck_assert_int_eq(parse(masked_hello, sizeof(masked_hello), &f), WS_FRAME_OK);
	ck_assert(f.fin);
	ck_assert_uint_eq(f.opcode, WS_OP_TEXT);
	ck_assert(f.masked);
	ck_assert_uint_eq(f.mask[0], 0x37);
	ck_assert_uint_eq(f.mask[1], 0xfa);
	ck_assert_uint_eq(f.mask[2], 0x21);
	ck_assert_uint_eq(f.mask[3], 0x3d);
	ck_assert_uint_eq(f.payload_len, 5);
	ck_assert_uint_eq(f.header_len, 6);
	uint8_t out[5];
	ws_unmask(&f, view_make(masked_hello + 6, 5), 0, out);
	ck_assert_int_eq(memcmp(out, "Hello", 5), 0);
}
END_TEST

/* Every split of the masked payload into two chunks unmasks alike. */
START_TEST(test_unmask_at_offset)
{
	struct ws_frame f;
	ck_assert_int_eq(parse(masked_hello, sizeof(masked_hello), &f), WS_FRAME_OK);
	const uint8_t *payload = masked_hello + f.header_len;
	for (size_t cut = 0; cut <= 5; cut++) {
		uint8_t out[5] = { 0 };
		ws_unmask(&f, view_make(payload, cut), 0, out);
		ws_unmask(&f, view_make(payload + cut, 5 - cut), cut, out + cut);
		ck_assert_int_eq(memcmp(out, "Hello", 5), 0);
	}
	uint8_t llo[3];
	ws_unmask(&f, view_make(payload + 2, 3), 2, llo);
	ck_assert_int_eq(memcmp(llo, "llo", 3), 0);
}
END_TEST

/* A long payload exercises the 8-byte path at every starting offset,
 * in place. */
START_TEST(test_unmask_long_in_place)
{
	enum { N = 203 };
	struct ws_frame f = { .fin = true, .opcode = WS_OP_BINARY, .masked = true,
			      .mask = { 0x01, 0x80, 0x7f, 0xfe }, .payload_len = N };
	uint8_t plain[N], wire[N];
	for (size_t i = 0; i < N; i++) {
		plain[i] = (uint8_t)(i * 7 + 3);
		wire[i] = plain[i] ^ f.mask[i % 4];
	}
	for (size_t start = 0; start < 9; start++) {
		uint8_t buf[N];
		memcpy(buf, wire, N);
		ws_unmask(&f, view_make(buf + start, N - start), start, buf + start);
		ck_assert_int_eq(memcmp(buf + start, plain + start, N - start), 0);
	}
}
END_TEST

START_TEST(test_len16)
{
	const uint8_t unmasked[] = { 0x82, 0x7E, 0x01, 0x00 };
	const uint8_t masked[] = { 0x02, 0xFE, 0xFF, 0xFF, 1, 2, 3, 4 };
	struct ws_frame f;
	ck_assert_int_eq(parse(unmasked, sizeof(unmasked), &f), WS_FRAME_OK);
	ck_assert(f.fin);
	ck_assert_uint_eq(f.opcode, WS_OP_BINARY);
	ck_assert(!f.masked);
	ck_assert_uint_eq(f.payload_len, 256);
	ck_assert_uint_eq(f.header_len, 4);

	ck_assert_int_eq(parse(masked, sizeof(masked), &f), WS_FRAME_OK);
	ck_assert(!f.fin);
	ck_assert_uint_eq(f.opcode, WS_OP_BINARY);
	ck_assert(f.masked);
	ck_assert_uint_eq(f.payload_len, 65535);
	ck_assert_uint_eq(f.header_len, 8);
	ck_assert_uint_eq(f.mask[0], 1);
	ck_assert_uint_eq(f.mask[3], 4);
}
END_TEST

START_TEST(test_len64)
{
	const uint8_t unmasked[] = { 0x81, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0 };
	const uint8_t masked[] = { 0x80, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
				   0xFF, 0xFF, 9, 8, 7, 6 };
	struct ws_frame f;
	ck_assert_int_eq(parse(unmasked, sizeof(unmasked), &f), WS_FRAME_OK);
	ck_assert_uint_eq(f.payload_len, 65536);
	ck_assert_uint_eq(f.header_len, 10);
	ck_assert(!f.masked);

	ck_assert_int_eq(parse(masked, sizeof(masked), &f), WS_FRAME_OK);
	ck_assert(f.fin);
	ck_assert_uint_eq(f.opcode, WS_OP_CONTINUATION);
	ck_assert_uint_eq(f.payload_len, 0x7FFFFFFFFFFFFFFFULL);
	ck_assert_uint_eq(f.header_len, 14);
	ck_assert(f.masked);
	ck_assert_uint_eq(f.mask[0], 9);
	ck_assert_uint_eq(f.mask[3], 6);
}
END_TEST

/* Header bytes after the header (payload) do not change the result. */
START_TEST(test_header_with_payload_following)
{
	const uint8_t frame[] = { 0x81, 0x7E, 0x00, 0x7E, 'x', 'y', 'z' };
	struct ws_frame f;
	ck_assert_int_eq(parse(frame, sizeof(frame), &f), WS_FRAME_OK);
	ck_assert_uint_eq(f.payload_len, 126);
	ck_assert_uint_eq(f.header_len, 4);
}
END_TEST

START_TEST(test_need_more_every_cut)
{
	const uint8_t h7[] = { 0x81, 0x85, 1, 2, 3, 4 };
	const uint8_t h16[] = { 0x81, 0xFE, 0x01, 0x00, 1, 2, 3, 4 };
	const uint8_t h64[] = { 0x81, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4 };
	const uint8_t h64u[] = { 0x81, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0 };
	const struct { const uint8_t *p; size_t len; } headers[] = {
		{ h7, sizeof(h7) }, { h16, sizeof(h16) }, { h64, sizeof(h64) },
		{ h64u, sizeof(h64u) }, { unmasked_hello, 2 },
	};
	struct ws_frame f;
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		for (size_t cut = 0; cut < headers[i].len; cut++)
			ck_assert_int_eq(parse(headers[i].p, cut, &f), WS_NEED_MORE);
		ck_assert_int_eq(parse(headers[i].p, headers[i].len, &f), WS_FRAME_OK);
		ck_assert_uint_eq(f.header_len, headers[i].len);
	}
	ck_assert_int_eq(ws_frame_header(view_empty(), &f), WS_NEED_MORE);
}
END_TEST

START_TEST(test_malformed)
{
	struct ws_frame f;
	const uint8_t rsv1[] = { 0xC1, 0x05 };
	const uint8_t rsv2[] = { 0xA1, 0x05 };
	const uint8_t rsv3[] = { 0x91, 0x05 };
	const uint8_t reserved_opcode[] = { 0x83, 0x00 };
	const uint8_t reserved_control[] = { 0x8B, 0x00 };
	const uint8_t ping_not_fin[] = { 0x09, 0x00 };
	const uint8_t close_126[] = { 0x88, 0x7E, 0x00, 0x7E };
	const uint8_t ping_126_masked[] = { 0x89, 0xFE, 0x00, 0x7E, 1, 2, 3, 4 };
	const uint8_t top_bit[] = { 0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1 };
	ck_assert_int_eq(parse(rsv1, sizeof(rsv1), &f), WS_MALFORMED);
	ck_assert_int_eq(parse(rsv2, sizeof(rsv2), &f), WS_MALFORMED);
	ck_assert_int_eq(parse(rsv3, sizeof(rsv3), &f), WS_MALFORMED);
	ck_assert_int_eq(parse(reserved_opcode, sizeof(reserved_opcode), &f), WS_MALFORMED);
	ck_assert_int_eq(parse(reserved_control, sizeof(reserved_control), &f), WS_MALFORMED);
	ck_assert_int_eq(parse(ping_not_fin, sizeof(ping_not_fin), &f), WS_MALFORMED);
	ck_assert_int_eq(parse(close_126, sizeof(close_126), &f), WS_MALFORMED);
	ck_assert_int_eq(parse(ping_126_masked, sizeof(ping_126_masked), &f), WS_MALFORMED);
	ck_assert_int_eq(parse(top_bit, sizeof(top_bit), &f), WS_MALFORMED);
	/* Known early: one byte shows the RSV bits, three the top bit. */
	ck_assert_int_eq(parse(rsv1, 1, &f), WS_MALFORMED);
	ck_assert_int_eq(parse(top_bit, 3, &f), WS_MALFORMED);
	/* Control frames up to 125 bytes are fine. */
	const uint8_t ping_125[] = { 0x89, 0x7D };
	ck_assert_int_eq(parse(ping_125, sizeof(ping_125), &f), WS_FRAME_OK);
	ck_assert_uint_eq(f.opcode, WS_OP_PING);
	ck_assert_uint_eq(f.payload_len, 125);
}
END_TEST

START_TEST(test_http_header_length)
{
	const char *crlf = "GET /ws HTTP/1.1\r\nHost: a\r\n\r\n\x81\x05Hello";
	ck_assert_uint_eq(ws_http_header_length(view_cstr(crlf)), 29);
	const char *lf = "HTTP/1.1 101 OK\nUpgrade: websocket\n\nrest";
	ck_assert_uint_eq(ws_http_header_length(view_cstr(lf)), 36);
	const char *mixed = "GET / HTTP/1.1\nA: b\n\r\nrest";
	ck_assert_uint_eq(ws_http_header_length(view_cstr(mixed)), 22);
	ck_assert_uint_eq(ws_http_header_length(view_cstr("GET / HTTP/1.1\r\nHost: a\r\n")), 0);
	ck_assert_uint_eq(ws_http_header_length(view_cstr("GET / HTTP/1.1\r\nHost: a\r\n\r")), 0);
	ck_assert_uint_eq(ws_http_header_length(view_cstr("GET / HTTP/1.1\r\n\r\n")), 18);
	ck_assert_uint_eq(ws_http_header_length(view_empty()), 0);
	/* The terminator just past the view's end is not read. */
	const char *s = "A: b\r\n\r\n";
	ck_assert_uint_eq(ws_http_header_length(view_make(s, 7)), 0);
	ck_assert_uint_eq(ws_http_header_length(view_make(s, 8)), 8);
}
END_TEST

/* A header block far longer than any handshake is not looked through. */
START_TEST(test_http_header_length_bounded)
{
	enum { BIG = 64 * 1024 };
	char *big = malloc(BIG);
	memset(big, 'x', BIG);
	memcpy(big + BIG - 4, "\r\n\r\n", 4);
	ck_assert_uint_eq(ws_http_header_length(view_make(big, BIG)), 0);
	free(big);
}
END_TEST

START_TEST(test_upgrade_request)
{
	const char *rfc = "GET /chat HTTP/1.1\r\n"
			  "Host: server.example.com\r\n"
			  "Upgrade: websocket\r\n"
			  "Connection: Upgrade\r\n"
			  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			  "Sec-WebSocket-Protocol: sip\r\n"
			  "Sec-WebSocket-Version: 13\r\n\r\n";
	ck_assert(ws_is_upgrade_request(view_cstr(rfc)));
	const char *odd = "GET / HTTP/1.1\n"
			  "uPgRaDe:WebSocket \n"
			  "CONNECTION:\tkeep-alive ,  UPGRADE\n\n";
	ck_assert(ws_is_upgrade_request(view_cstr(odd)));
	const char *two_connection = "GET / HTTP/1.1\r\nConnection: keep-alive\r\n"
				     "Upgrade: h2c, websocket\r\nConnection: upgrade\r\n\r\n";
	ck_assert(ws_is_upgrade_request(view_cstr(two_connection)));

	ck_assert(!ws_is_upgrade_request(view_cstr(
		"POST / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")));
	ck_assert(!ws_is_upgrade_request(view_cstr(
		"get / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")));
	ck_assert(!ws_is_upgrade_request(view_cstr(
		"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n\r\n")));
	ck_assert(!ws_is_upgrade_request(view_cstr(
		"GET / HTTP/1.1\r\nUpgrade: websockets\r\nConnection: Upgrade\r\n\r\n")));
	ck_assert(!ws_is_upgrade_request(view_cstr(
		"GET / HTTP/1.1\r\nX-Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n")));
	ck_assert(!ws_is_upgrade_request(view_cstr(
		"GET / HTTP/1.1\r\nConnection: Upgrade-Insecure\r\nUpgrade: websocket\r\n\r\n")));
	/* Fields after the empty line are body, not headers. */
	ck_assert(!ws_is_upgrade_request(view_cstr(
		"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\nConnection: Upgrade\r\n")));
	/* The start line is not a header field. */
	ck_assert(!ws_is_upgrade_request(view_cstr("GET /Upgrade: websocket\r\nConnection: upgrade\r\n\r\n")));
	ck_assert(!ws_is_upgrade_request(view_cstr("GET ")));
	ck_assert(!ws_is_upgrade_request(view_empty()));
	/* No NUL is needed: a cut view stops where it ends. */
	const char *cut = "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
	ck_assert(!ws_is_upgrade_request(view_make(cut, 48)));
	ck_assert(ws_is_upgrade_request(view_make(cut, 55)));
}
END_TEST

START_TEST(test_upgrade_response)
{
	ck_assert(ws_is_upgrade_response(view_cstr(
		"HTTP/1.1 101 Switching Protocols\r\nupgrade: WEBSOCKET\r\nConnection: Upgrade\r\n\r\n")));
	ck_assert(ws_is_upgrade_response(view_cstr("HTTP/1.1 101\nUpGrAdE: websocket\n\n")));
	ck_assert(!ws_is_upgrade_response(view_cstr(
		"HTTP/1.1 200 OK\r\nUpgrade: websocket\r\n\r\n")));
	ck_assert(!ws_is_upgrade_response(view_cstr(
		"HTTP/1.1 1010 Odd\r\nUpgrade: websocket\r\n\r\n")));
	ck_assert(!ws_is_upgrade_response(view_cstr(
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n")));
	ck_assert(!ws_is_upgrade_response(view_cstr(
		"http/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")));
	ck_assert(!ws_is_upgrade_response(view_cstr("HTTP/1.1 101")));
}
END_TEST

static Suite *websocket_suite(void)
{
	Suite *s = suite_create("websocket");
	TCase *frames = tcase_create("frames");
	tcase_add_test(frames, test_len7_unmasked);
	tcase_add_test(frames, test_len7_masked);
	tcase_add_test(frames, test_unmask_at_offset);
	tcase_add_test(frames, test_unmask_long_in_place);
	tcase_add_test(frames, test_len16);
	tcase_add_test(frames, test_len64);
	tcase_add_test(frames, test_header_with_payload_following);
	tcase_add_test(frames, test_need_more_every_cut);
	tcase_add_test(frames, test_malformed);
	suite_add_tcase(s, frames);
	TCase *http = tcase_create("handshake");
	tcase_add_test(http, test_http_header_length);
	tcase_add_test(http, test_http_header_length_bounded);
	tcase_add_test(http, test_upgrade_request);
	tcase_add_test(http, test_upgrade_response);
	suite_add_tcase(s, http);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(websocket_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
