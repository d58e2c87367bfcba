/* test_multipart.c - finding SDP in SIP bodies (RFC 2046 5.1, RFC 5621),
 * including SIP-I bodies that carry ISUP beside the SDP. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/multipart.h"

#define ck_assert_view_str(v, s)                                                         \
	do {                                                                              \
		struct view v_ = (v);                                                      \
		const char *s_ = (s);                                                      \
		ck_assert_msg(view_eq(v_, view_cstr(s_)), "%s is \"%.*s\", expected \"%s\"", \
			      #v, (int)v_.len, v_.p ? (const char *)v_.p : "", s_);        \
	} while (0)

static bool find(const char *content_type, const char *body, struct view *sdp)
{
	return multipart_find_sdp(view_cstr(content_type), view_cstr(body), sdp);
}

#define SDP_TEXT "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n"

START_TEST(plain_sdp)
{
	struct view sdp;
	ck_assert(find("application/sdp", SDP_TEXT, &sdp));
	ck_assert_view_str(sdp, SDP_TEXT);
	ck_assert(find("Application/SDP ; charset=utf-8", "v=0\r\n", &sdp));
	ck_assert_view_str(sdp, "v=0\r\n");
	ck_assert(find("  application/sdp  ", "v=0\r\n", &sdp));
	ck_assert(!find("text/plain", "v=0\r\n", &sdp));
	ck_assert(!find("application/sdpx", "v=0\r\n", &sdp));
	ck_assert(!find("application/isup", "v=0\r\n", &sdp));
	ck_assert(!find("", "v=0\r\n", &sdp));
	ck_assert(!multipart_find_sdp(view_empty(), view_empty(), &sdp));
}
END_TEST

/* RFC 3204 / ITU-T Q.1912.5 style: SDP and an IAM with binary bytes that
 * include CR, LF and dashes. */
static const char isup_part[] =
	"Content-Type: application/ISUP;version=itu-t92+;base=itu-t92+\r\n"
	"Content-Disposition: signal;handling=required\r\n"
	"\r\n"
	"\x01\x00\x49\x00\x00\x03\x02\x00\x07\x04\x10\x00\x33\x63\x21\x43\x00\x00\x03"
	"\r\n--unique-boundary-10\n--\r\n\x0d\x0a\x2d\x2d";

/* Appends len bytes (which may include NULs) to buf at *n. */
static void append(char *buf, size_t *n, const void *bytes, size_t len)
{
	memcpy(buf + *n, bytes, len);
	*n += len;
}
#define APPEND_LITERAL(buf, n, lit) append((buf), (n), (lit), sizeof(lit) - 1)

START_TEST(sip_i_mixed)
{
	static const char sdp_part[] = "--unique-boundary-1\r\n"
				       "Content-Type: application/sdp\r\n"
				       "\r\n" SDP_TEXT;
	static const char next_part[] = "\r\n--unique-boundary-1\r\n";
	static const char close[] = "\r\n--unique-boundary-1--\r\n";
	char body[1024];
	size_t n = 0;
	APPEND_LITERAL(body, &n, sdp_part);
	APPEND_LITERAL(body, &n, next_part);
	APPEND_LITERAL(body, &n, isup_part);
	APPEND_LITERAL(body, &n, close);
	struct view sdp;
	ck_assert(multipart_find_sdp(view_cstr("multipart/mixed;boundary=unique-boundary-1"),
				     view_make(body, n), &sdp));
	ck_assert_view_str(sdp, SDP_TEXT);

	/* ISUP first, SDP second. */
	n = 0;
	APPEND_LITERAL(body, &n, "--unique-boundary-1\r\n");
	APPEND_LITERAL(body, &n, isup_part);
	APPEND_LITERAL(body, &n, "\r\n");
	APPEND_LITERAL(body, &n, sdp_part);
	APPEND_LITERAL(body, &n, close);
	ck_assert(multipart_find_sdp(view_cstr("multipart/mixed; boundary=unique-boundary-1"),
				     view_make(body, n), &sdp));
	ck_assert_view_str(sdp, SDP_TEXT);
}
END_TEST

START_TEST(quoted_boundary_preamble_and_epilogue)
{
	static const char body[] =
		"This is the preamble.  It is to be ignored.\r\n"
		"It mentions --simple boundary but not at a line start.\r\n"
		"--simple boundary\r\n"
		"\r\n"
		"A part without headers is text/plain.\r\n"
		"--simple boundary  \r\n"
		"content-TYPE :  Application/SDP\r\n"
		"Content-ID: <sdp@example>\r\n"
		"\r\n"
		"v=0\r\n"
		"--simple boundary--\r\n"
		"This is the epilogue.  It is also to be ignored.\r\n"
		"--simple boundary\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n"
		"v=1\r\n";
	struct view sdp;
	ck_assert(find("multipart/alternative; boundary=\"simple boundary\"", body, &sdp));
	ck_assert_view_str(sdp, "v=0");
}
END_TEST

START_TEST(lf_only)
{
	static const char body[] =
		"--b1\n"
		"Content-Type: text/plain\n"
		"\n"
		"hello\n"
		"--b1\n"
		"Content-Type: application/sdp\n"
		"\n"
		"v=0\n"
		"m=audio 1 RTP/AVP 0\n"
		"\n"
		"--b1--\n";
	struct view sdp;
	ck_assert(find("multipart/mixed;boundary=b1", body, &sdp));
	ck_assert_view_str(sdp, "v=0\nm=audio 1 RTP/AVP 0\n");
}
END_TEST

START_TEST(nested)
{
	static const char body[] =
		"--outer\r\n"
		"Content-Type: application/ISUP;version=itu-t92+\r\n"
		"\r\n"
		"\x01\x02\r\n"
		"--outer\r\n"
		"Content-Type: multipart/alternative; boundary=inner\r\n"
		"\r\n"
		"--inner\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"not sdp\r\n"
		"--inner\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n"
		"v=0\r\ns=nested\r\n"
		"--inner--\r\n"
		"\r\n"
		"--outer--\r\n";
	struct view sdp;
	ck_assert(find("multipart/mixed;boundary=outer", body, &sdp));
	ck_assert_view_str(sdp, "v=0\r\ns=nested");
	ck_assert(find("multipart/related;type=\"application/sdp\";boundary=outer", body, &sdp));
}
END_TEST

/* A body with multipart nested `levels` deep around one SDP part. */
static char *nested_body(int levels)
{
	size_t cap = 4096, n = 0;
	char *body = malloc(cap);
	for (int level = 0; level < levels; level++) {
		n += (size_t)snprintf(body + n, cap - n, "--b%d\r\n", level);
		if (level + 1 < levels)
			n += (size_t)snprintf(body + n, cap - n,
					      "Content-Type: multipart/mixed;boundary=b%d\r\n\r\n",
					      level + 1);
		else
			n += (size_t)snprintf(body + n, cap - n,
					      "Content-Type: application/sdp\r\n\r\nv=0\r\n");
	}
	for (int level = levels - 1; level >= 0; level--)
		n += (size_t)snprintf(body + n, cap - n, "--b%d--\r\n", level);
	return body;
}

START_TEST(nesting_depth_limit)
{
	struct view sdp;
	for (int levels = 1; levels <= 5; levels++) {
		char *body = nested_body(levels);
		bool found = find("multipart/mixed;boundary=b0", body, &sdp);
		/* Three levels of multipart are followed, not more. */
		ck_assert_msg(found == (levels <= 3), "levels %d", levels);
		if (found)
			ck_assert_view_str(sdp, "v=0");
		free(body);
	}
}
END_TEST

START_TEST(no_sdp_part_or_no_boundary)
{
	static const char body[] =
		"--b\r\n"
		"Content-Type: application/ISUP\r\n"
		"\r\n"
		"\x01\x02\r\n"
		"--b\r\n"
		"Content-Type: application/pidf+xml\r\n"
		"\r\n"
		"<presence/>\r\n"
		"--b--\r\n";
	struct view sdp;
	ck_assert(!find("multipart/mixed;boundary=b", body, &sdp));
	ck_assert(!find("multipart/mixed", body, &sdp));
	ck_assert(!find("multipart/mixed;boundary=", body, &sdp));
	ck_assert(!find("multipart/mixed;boundary=\"\"", body, &sdp));
	ck_assert(!find("multipart/mixed;boundary=absent", body, &sdp));
	ck_assert(!find("multipart/mixed;boundary=b", "", &sdp));
	/* Over 70 characters (RFC 2046 5.1.1). */
	char ct[160];
	snprintf(ct, sizeof(ct), "multipart/mixed;boundary=%071d", 0);
	ck_assert(!find(ct, body, &sdp));
	/* A part whose headers never end. */
	ck_assert(!find("multipart/mixed;boundary=b", "--b\r\nContent-Type: application/sdp\r\n", &sdp));
}
END_TEST

START_TEST(boundary_lookalikes)
{
	/* "--bee" and "--b-x" start like "--b" but are not delimiters. */
	static const char body[] =
		"--b\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n"
		"v=0\r\n"
		"--bee\r\n"
		"--b-x\r\n"
		"s=-\r\n"
		"--b--";
	struct view sdp;
	ck_assert(find("multipart/mixed;boundary=b", body, &sdp));
	ck_assert_view_str(sdp, "v=0\r\n--bee\r\n--b-x\r\ns=-");
}
END_TEST

START_TEST(cut_body)
{
	/* No closing delimiter (snaplen or a lying Content-Length): the last
	 * part runs to the end. */
	struct view sdp;
	ck_assert(find("multipart/mixed;boundary=b",
		       "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=audio 1", &sdp));
	ck_assert_view_str(sdp, "v=0\r\nm=audio 1");
	ck_assert(find("multipart/mixed;boundary=b",
		       "--b\r\nContent-Type: application/sdp\r\n\r\n", &sdp));
	ck_assert_uint_eq(sdp.len, 0);
	/* The line break before a delimiter belongs to it (RFC 2046 5.1.1),
	 * so this part's headers have no empty line after them. */
	ck_assert(!find("multipart/mixed;boundary=b", "--b\nContent-Type: application/sdp\n\n--b--", &sdp));
	ck_assert(find("multipart/mixed;boundary=b", "--b\nContent-Type: application/sdp\n\n\n--b--", &sdp));
	ck_assert_uint_eq(sdp.len, 0);
}
END_TEST

START_TEST(part_limit)
{
	/* Many empty parts before the SDP: the search is bounded. */
	size_t cap = 64 * 1024, n = 0;
	char *body = malloc(cap);
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(body + n, cap - n, "--b\r\n\r\nx\r\n");
	snprintf(body + n, cap - n, "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b--\r\n");
	struct view sdp;
	ck_assert(!find("multipart/mixed;boundary=b", body, &sdp));
	free(body);
}
END_TEST

static void exercise(const char *content_type, const char *bytes, size_t len)
{
	char *copy = malloc(len ? len : 1);
	memcpy(copy, bytes, len);
	struct view sdp;
	if (multipart_find_sdp(view_cstr(content_type), view_make(copy, len), &sdp))
		ck_assert(sdp.len == 0 || (sdp.p >= (uint8_t *)copy &&
					   sdp.p + sdp.len <= (uint8_t *)copy + len));
	free(copy);
}

static const char prefix_body[] =
	"preamble\r\n"
	"--outer\r\n"
	"Content-Type: application/ISUP\r\n"
	"\r\n"
	"\x01\x02--outer\r\n"
	"--outer \r\n"
	"Content-Type: multipart/alternative;boundary=\"in ner\"\r\n"
	"\r\n"
	"--in ner\r\n"
	"Content-Type: application/sdp\r\n"
	"\r\n"
	"v=0\r\n"
	"--in ner--\r\n"
	"--outer--";

START_TEST(every_prefix_is_safe)
{
	size_t len = sizeof(prefix_body) - 1;
	struct view sdp;
	ck_assert(find("multipart/mixed;boundary=outer", prefix_body, &sdp));
	ck_assert_view_str(sdp, "v=0");
	for (size_t cut = 0; cut <= len; cut++)
		exercise("multipart/mixed;boundary=outer", prefix_body, cut);
	for (size_t start = 0; start <= len; start++)
		exercise("multipart/mixed;boundary=outer", prefix_body + start, len - start);
	/* And every prefix of the Content-Type value. */
	static const char ct[] = "multipart/mixed ; boundary=\"outer\"";
	for (size_t cut = 0; cut <= sizeof(ct) - 1; cut++) {
		char *copy = malloc(cut ? cut : 1);
		memcpy(copy, ct, cut);
		multipart_find_sdp(view_make(copy, cut), view_cstr(prefix_body), &sdp);
		free(copy);
	}
}
END_TEST

static Suite *multipart_suite(void)
{
	Suite *s = suite_create("multipart");
	TCase *tc = tcase_create("find_sdp");
	tcase_add_test(tc, plain_sdp);
	tcase_add_test(tc, sip_i_mixed);
	tcase_add_test(tc, quoted_boundary_preamble_and_epilogue);
	tcase_add_test(tc, lf_only);
	tcase_add_test(tc, nested);
	tcase_add_test(tc, nesting_depth_limit);
	tcase_add_test(tc, no_sdp_part_or_no_boundary);
	tcase_add_test(tc, boundary_lookalikes);
	tcase_add_test(tc, cut_body);
	tcase_add_test(tc, part_limit);
	tcase_add_test(tc, every_prefix_is_safe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(multipart_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
