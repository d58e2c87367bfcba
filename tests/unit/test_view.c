/* Unit tests: bounded views, addresses, JSON escaping, time format. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/json.h"
#include "util/netaddr.h"
#include "util/timefmt.h"
#include "util/view.h"

START_TEST(accessors_stop_at_the_end)
{
	const uint8_t b[] = { 0x12, 0x34, 0x56, 0x78, 0x9a };
	struct view v = view_make(b, sizeof(b));
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	ck_assert(view_u8(v, 4, &u8));
	ck_assert_uint_eq(u8, 0x9a);
	ck_assert(!view_u8(v, 5, &u8));
	ck_assert(view_be16(v, 3, &u16));
	ck_assert_uint_eq(u16, 0x789a);
	ck_assert(!view_be16(v, 4, &u16));
	ck_assert(view_le16(v, 0, &u16));
	ck_assert_uint_eq(u16, 0x3412);
	ck_assert(view_be32(v, 1, &u32));
	ck_assert_uint_eq(u32, 0x3456789a);
	ck_assert(!view_be32(v, 2, &u32));
	ck_assert(view_le32(v, 0, &u32));
	ck_assert_uint_eq(u32, 0x78563412);
	/* Offsets near SIZE_MAX must not wrap around. */
	ck_assert(!view_be32(v, SIZE_MAX - 1, &u32));
	ck_assert(!view_has(v, 2, SIZE_MAX));
}
END_TEST

START_TEST(sub_views_clamp)
{
	struct view v = view_cstr("hello world");
	struct view s = view_sub(v, 6, 100);
	ck_assert_uint_eq(s.len, 5);
	ck_assert(view_eq(s, view_cstr("world")));
	ck_assert_uint_eq(view_from(v, 50).len, 0);
	struct view out;
	ck_assert(!view_slice(v, 6, 6, &out));
	ck_assert(view_slice(v, 6, 5, &out));
	ck_assert(view_eq(out, view_cstr("world")));
}
END_TEST

START_TEST(text_helpers)
{
	ck_assert(view_eq_nocase(view_cstr("Call-ID"), "call-id"));
	ck_assert(!view_eq_nocase(view_cstr("Call-ID"), "call-i"));
	ck_assert(view_starts_with_nocase(view_cstr("SIP/2.0 200"), "sip/2.0"));
	ck_assert_int_eq(view_find(view_cstr("abcabd"), view_cstr("abd")), 3);
	ck_assert_int_eq(view_find(view_cstr("abc"), view_cstr("abcd")), -1);
	struct view t = view_trim(view_cstr(" \t x y \r\n"));
	ck_assert(view_eq(t, view_cstr("x y")));
	uint64_t n;
	ck_assert(view_to_u64(view_cstr(" 1234 "), 10000, &n));
	ck_assert_uint_eq(n, 1234);
	ck_assert(!view_to_u64(view_cstr("12a"), 10000, &n));
	ck_assert(!view_to_u64(view_cstr("10001"), 10000, &n));
	ck_assert(!view_to_u64(view_cstr("99999999999999999999999"), UINT64_MAX, &n));
	ck_assert(!view_to_u64(view_cstr(""), 10, &n));
	char buf[4];
	ck_assert_str_eq(view_to_cstr(view_cstr("abcdef"), buf, sizeof(buf)), "abc");
}
END_TEST

START_TEST(endpoints_format_and_compare)
{
	struct netaddr a, b;
	char buf[ENDPOINT_STRLEN];
	ck_assert(netaddr_parse(view_cstr("192.0.2.1"), &a));
	struct endpoint e = { a, 5060 };
	ck_assert_str_eq(endpoint_format(&e, buf, sizeof(buf)), "192.0.2.1:5060");
	ck_assert(netaddr_parse(view_cstr("2001:db8::1"), &b));
	struct endpoint e6 = { b, 20000 };
	ck_assert_str_eq(endpoint_format(&e6, buf, sizeof(buf)), "[2001:db8::1]:20000");
	ck_assert(!endpoint_eq(&e, &e6));
	struct endpoint e2 = e;
	ck_assert(endpoint_eq(&e, &e2));
	ck_assert_uint_eq(endpoint_hash(&e), endpoint_hash(&e2));
	e2.port++;
	ck_assert(!endpoint_eq(&e, &e2));
	ck_assert(!netaddr_parse(view_cstr("300.1.1.1"), &a));
	ck_assert(!netaddr_parse(view_cstr(""), &a));
}
END_TEST

static char *json_of(void (*fn)(struct json *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;
	json_init(&j, f, false);
	fn(&j);
	fclose(f);
	return buf;
}

static void write_escapes(struct json *j)
{
	json_object_begin(j);
	json_key(j, "s");
	/* quote, backslash, control, valid 2-byte UTF-8, invalid byte */
	json_string_n(j, "a\"b\\c\x01\xc3\xa9\xff", 9);
	json_key(j, "n");
	json_null(j);
	json_key(j, "a");
	json_array_begin(j);
	json_u64(j, 1);
	json_double(j, 2.5, 1);
	json_array_end(j);
	json_object_end(j);
}

START_TEST(json_is_always_valid)
{
	char *s = json_of(write_escapes);
	ck_assert_str_eq(s, "{\"s\":\"a\\\"b\\\\c\\u0001\xc3\xa9\\ufffd\",\"n\":null,\"a\":[1,2.5]}");
	free(s);
}
END_TEST

START_TEST(rfc3339_microseconds)
{
	char buf[TIMEFMT_LEN];
	ck_assert_str_eq(time_format_rfc3339(1700000000123456789LL, buf, sizeof(buf)),
			 "2023-11-14T22:13:20.123456Z");
	ck_assert_str_eq(time_format_rfc3339(0, buf, sizeof(buf)), "1970-01-01T00:00:00.000000Z");
	/* Leap days and century rules against the C library. */
	for (int64_t sec = -86400LL * 800; sec < 86400LL * 365 * 120; sec += 86400LL * 17 + 3607) {
		time_t t = (time_t)sec;
		struct tm tm;
		char want[64];
		gmtime_r(&t, &tm);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.000042Z",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		ck_assert_str_eq(time_format_rfc3339(sec * 1000000000LL + 42000, buf, sizeof(buf)), want);
	}
	ck_assert_str_eq(time_format_rfc3339(951782400LL * 1000000000LL, buf, sizeof(buf)),
			 "2000-02-29T00:00:00.000000Z");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, accessors_stop_at_the_end);
	tcase_add_test(tc, sub_views_clamp);
	tcase_add_test(tc, text_helpers);
	tcase_add_test(tc, endpoints_format_and_compare);
	tcase_add_test(tc, json_is_always_valid);
	tcase_add_test(tc, rfc3339_microseconds);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
