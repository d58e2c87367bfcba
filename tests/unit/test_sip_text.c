/* Unit tests: one SIP message as text (output/sip_text.h), the format of
 * --text and of the interface's text save. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/sip_text.h"

#define NS 1000000000LL

static struct sip_text_message msg(const char *raw, size_t len)
{
	struct sip_text_message m;
	memset(&m, 0, sizeof(m));
	m.ts_ns = 1700000000LL * NS + 123456789;
	uint8_t a[4] = { 192, 0, 2, 10 }, b[4] = { 198, 51, 100, 20 };
	netaddr_set_v4(&m.src.ip, a);
	m.src.port = 5060;
	netaddr_set_v4(&m.dst.ip, b);
	m.dst.port = 5080;
	m.transport = TRANSPORT_UDP;
	m.raw = (const uint8_t *)raw;
	m.len = len;
	return m;
}

/* Formats into a buffer of exactly sip_text_max_bytes() and NUL-ends it. */
static char *format(const struct sip_text_message *m, size_t *len)
{
	size_t cap = sip_text_max_bytes(m->len);
	char *out = malloc(cap + 1);
	*len = sip_text_format(m, (uint8_t *)out, cap);
	ck_assert_uint_le(*len, cap);
	out[*len] = '\0';
	return out;
}

START_TEST(header_body_and_blank_line)
{
	static const char raw[] = "OPTIONS sip:b@example.com SIP/2.0\r\nCall-ID: x\r\n\r\n";
	struct sip_text_message m = msg(raw, sizeof(raw) - 1);
	size_t len;
	char *out = format(&m, &len);
	ck_assert_str_eq(out, "2023/11/14 22:13:20.123456 192.0.2.10:5060 -> 198.51.100.20:5080 UDP\n"
			      "OPTIONS sip:b@example.com SIP/2.0\r\nCall-ID: x\r\n\r\n\n\n");
	ck_assert_uint_eq(len, strlen(out));
	free(out);
}
END_TEST

START_TEST(ipv6_and_transports)
{
	struct sip_text_message m = msg("X", 1);
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	netaddr_set_v6(&m.dst.ip, v6);
	m.transport = TRANSPORT_WSS;
	size_t len;
	char *out = format(&m, &len);
	ck_assert_str_eq(out, "2023/11/14 22:13:20.123456 192.0.2.10:5060 -> [2001:db8::1]:5080 WSS\nX\n\n");
	free(out);
	m.transport = TRANSPORT_TCP;
	out = format(&m, &len);
	ck_assert_ptr_nonnull(strstr(out, ":5080 TCP\n"));
	free(out);
}
END_TEST

START_TEST(times_before_1970_keep_a_positive_fraction)
{
	struct sip_text_message m = msg("", 0);
	m.ts_ns = -1; /* one nanosecond before the epoch */
	size_t len;
	char *out = format(&m, &len);
	ck_assert_str_eq(out, "1969/12/31 23:59:59.999999 192.0.2.10:5060 -> 198.51.100.20:5080 UDP\n\n\n");
	free(out);
}
END_TEST

/* sip_text.h: what is kept and what becomes \xNN. */
START_TEST(unsafe_bytes_are_escaped)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "a\tb\nc", 5, "a\tb\nc" },                  /* tab and line feed kept */
		{ "a\r\nb", 4, "a\r\nb" },                    /* CR before LF kept */
		{ "a\rb", 3, "a\\x0db" },                     /* a lone CR is not */
		{ "a\r", 2, "a\\x0d" },                       /* nor a CR at the end */
		{ "\x1b[2J", 4, "\\x1b[2J" },                 /* terminal escapes */
		{ "a\0b", 3, "a\\x00b" },
		{ "\x7f", 1, "\\x7f" },                       /* DEL */
		{ "caf\xc3\xa9", 5, "caf\xc3\xa9" },          /* UTF-8 kept */
		{ "\xe2\x82\xac\xf0\x9f\x98\x80", 7, "\xe2\x82\xac\xf0\x9f\x98\x80" },
		{ "\xc2\x9b" "31m", 5, "\\xc2\\x9b31m" },     /* C1 CSI: valid UTF-8, escaped */
		{ "\xc2\xa0", 2, "\xc2\xa0" },                /* U+00A0 is not C1 */
		{ "\xc0\x80", 2, "\\xc0\\x80" },              /* overlong */
		{ "\xed\xa0\x80", 3, "\\xed\\xa0\\x80" },     /* surrogate */
		{ "\xc3", 1, "\\xc3" },                       /* cut at the end */
		{ "\xff\xfe", 2, "\\xff\\xfe" },
		{ "a\\x41", 5, "a\\x41" },                    /* backslash kept (documented) */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sip_text_message m = msg(cases[i].in, cases[i].len);
		size_t len;
		char *out = format(&m, &len);
		const char *body = strchr(out, '\n') + 1;
		size_t want = strlen(cases[i].out);
		ck_assert_msg(len - (size_t)(body - out) == want + 2 && memcmp(body, cases[i].out, want) == 0 &&
				      memcmp(body + want, "\n\n", 2) == 0,
			      "case %zu: got '%s'", i, body);
		free(out);
	}
}
END_TEST

START_TEST(worst_case_fits_and_small_buffers_are_not_overrun)
{
	/* Every byte escaped: exactly within sip_text_max_bytes(). */
	uint8_t raw[300];
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(0x80 + i % 0x40); /* continuation bytes: never valid alone */
	struct sip_text_message m = msg((const char *)raw, sizeof(raw));
	size_t len;
	char *out = format(&m, &len);
	ck_assert_uint_gt(len, sizeof(raw) * 4);
	ck_assert(memcmp(out + len - 2, "\n\n", 2) == 0);
	free(out);
	/* Any smaller buffer: cut, never written past. */
	size_t full = len;
	for (size_t cap = 1; cap < full; cap += 37) {
		uint8_t *buf = malloc(cap + 16);
		memset(buf, 0xAA, cap + 16);
		size_t n = sip_text_format(&m, buf, cap);
		ck_assert_uint_le(n, cap);
		for (size_t i = cap; i < cap + 16; i++)
			ck_assert_uint_eq(buf[i], 0xAA);
		free(buf);
	}
}
END_TEST

/* Each header against strftime's own reading of its second, through a
 * walk that goes back and forth across seconds, minutes and years (the
 * formatter keeps the last second's text). */
START_TEST(every_second_formatted_afresh)
{
	static const int64_t seconds[] = { 1700000000, 1700000000, 1700000001, 1700000000,
					   1700000059, 1700000060, 1703980799, 1703980800,
					   0, -1, 1703980799 };
	for (size_t i = 0; i < sizeof(seconds) / sizeof(seconds[0]); i++) {
		struct sip_text_message m = msg("x", 1);
		int64_t usec = (int64_t)(i * 7919 % 1000000);
		m.ts_ns = seconds[i] * NS + usec * 1000;
		size_t len;
		char *out = format(&m, &len);
		time_t t = (time_t)seconds[i];
		struct tm tm;
		ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
		char want[64], when[32];
		strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);
		snprintf(want, sizeof(want), "%s.%06lld ", when, (long long)usec);
		ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "second %lld: '%s', want '%s'",
			      (long long)seconds[i], out, want);
		free(out);
	}
}
END_TEST

int main(void)
{
	setenv("TZ", "UTC", 1);
	Suite *s = suite_create("sip_text");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, header_body_and_blank_line);
	tcase_add_test(tc, ipv6_and_transports);
	tcase_add_test(tc, times_before_1970_keep_a_positive_fraction);
	tcase_add_test(tc, unsafe_bytes_are_escaped);
	tcase_add_test(tc, worst_case_fits_and_small_buffers_are_not_overrun);
	tcase_add_test(tc, every_second_formatted_afresh);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
