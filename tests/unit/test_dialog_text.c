/* Unit tests: the display filters' folded dialog text (ui/dialog_text.h)
 * finds exactly what strcasestr() over each field finds. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/dialog_text.h"
#include "util/netaddr.h"

static struct call make_call(uint64_t index, const char *from, const char *to,
			     const char *call_id)
{
	struct call c;
	memset(&c, 0, sizeof(c));
	c.index = index;
	c.from_uri = from;
	c.to_uri = to;
	c.call_id = call_id;
	static const uint8_t src[4] = { 192, 0, 2, 10 }, dst[4] = { 198, 51, 100, 20 };
	netaddr_set_v4(&c.src.ip, src);
	c.src.port = 5060;
	netaddr_set_v4(&c.dst.ip, dst);
	c.dst.port = 5080;
	return c;
}

static bool contains(const struct dialog_text *t, const char *typed)
{
	struct dialog_needle n;
	dialog_needle_set(&n, typed);
	return dialog_text_contains(t, &n);
}

static bool field_contains(const struct dialog_text *t, enum dialog_text_field f, const char *typed)
{
	struct dialog_needle n;
	dialog_needle_set(&n, typed);
	return dialog_text_field_contains(t, f, &n);
}

START_TEST(any_field_ignoring_case)
{
	struct call c = make_call(1, "sip:Alice@Example.COM", "sip:bob@example.com", "AbC123@host");
	const struct dialog_text *t = dialog_text_of(c.index, &c);
	ck_assert(contains(t, "alice@example.com"));
	ck_assert(contains(t, "ALICE"));
	ck_assert(contains(t, "BOB@"));
	ck_assert(contains(t, "abc123"));
	ck_assert(contains(t, "192.0.2.10:5060"));
	ck_assert(contains(t, "100.20:5080"));
	ck_assert(contains(t, ""));
	ck_assert(!contains(t, "carol"));
	ck_assert(!contains(t, "5061"));
	dialog_text_forget_before(c.index + 1);
}
END_TEST

START_TEST(one_field_only)
{
	struct call c = make_call(10, "sip:alice@a.example", NULL, "x@y");
	const struct dialog_text *t = dialog_text_of(c.index, &c);
	ck_assert(field_contains(t, DIALOG_TEXT_FROM, "Alice"));
	ck_assert(!field_contains(t, DIALOG_TEXT_TO, "alice"));
	ck_assert(!field_contains(t, DIALOG_TEXT_TO, "x"));   /* no To: empty */
	ck_assert(field_contains(t, DIALOG_TEXT_TO, ""));
	ck_assert(field_contains(t, DIALOG_TEXT_SRC, "192.0.2.10"));
	ck_assert(!field_contains(t, DIALOG_TEXT_SRC, "198.51"));
	ck_assert(field_contains(t, DIALOG_TEXT_DST, "198.51"));
	ck_assert(field_contains(t, DIALOG_TEXT_CALL_ID, "X@Y"));
	dialog_text_forget_before(c.index + 1);
}
END_TEST

/* The fields are joined into one string: a match must not span two. */
START_TEST(never_across_fields)
{
	struct call c = make_call(20, "sip:ab", "cd", "ef");
	const struct dialog_text *t = dialog_text_of(c.index, &c);
	ck_assert(contains(t, "ab"));
	ck_assert(contains(t, "cd"));
	ck_assert(!contains(t, "bc"));
	ck_assert(!contains(t, "b\nc"));
	ck_assert(!contains(t, "abcd"));
	dialog_text_forget_before(c.index + 1);
}
END_TEST

/* Texts are kept by index and dropped below the oldest dialog kept; an
 * index older than every kept text still gets its own text. */
START_TEST(kept_by_index)
{
	struct call a = make_call(100, "sip:first", "", "");
	struct call b = make_call(101, "sip:second", "", "");
	const struct dialog_text *ta = dialog_text_of(a.index, &a);
	const struct dialog_text *tb = dialog_text_of(b.index, &b);
	ck_assert_ptr_eq(dialog_text_of(a.index, &a), ta);
	ck_assert(contains(ta, "first") && !contains(ta, "second"));
	ck_assert(contains(tb, "second"));
	dialog_text_forget_before(101);
	ck_assert_ptr_eq(dialog_text_of(b.index, &b), tb);
	struct call old = make_call(50, "sip:old", "", "");
	ck_assert(contains(dialog_text_of(old.index, &old), "old"));
	ck_assert(contains(dialog_text_of(b.index, &b), "second"));
	dialog_text_forget_before(102);
}
END_TEST

/* A kept verdict holds only for the same filter and message count. */
START_TEST(verdict_kept_until_filter_or_messages_change)
{
	struct call c = make_call(200, "sip:a", "sip:b", "id");
	struct dialog_text *t = dialog_text_of(c.index, &c);
	bool passes = true;
	ck_assert(!dialog_text_verdict(t, 1, 7, &passes));
	dialog_text_keep_verdict(t, 1, 7, false);
	ck_assert(dialog_text_verdict(t, 1, 7, &passes));
	ck_assert(!passes);
	ck_assert(!dialog_text_verdict(t, 2, 7, &passes));
	ck_assert(!dialog_text_verdict(t, 1, 8, &passes));
	dialog_text_keep_verdict(t, 2, 8, true);
	ck_assert(dialog_text_verdict(t, 2, 8, &passes));
	ck_assert(passes);
	ck_assert_ptr_eq(dialog_text_of(c.index, &c), t);
	dialog_text_forget_before(c.index + 1);
}
END_TEST

/* Random fields and needles over a small alphabet (so that matches and
 * near misses are common), half the needles cut from a field with their
 * case changed: the answer is strcasestr()'s over each field.  Fields
 * and needles span several 8-byte words, as the search reads them. */
#define RANDOM_FIELD_MAX 40
#define RANDOM_NEEDLE_MAX 12

static void random_needle(char *needle, char field[][RANDOM_FIELD_MAX + 1], unsigned *seed,
			  const char *alphabet, size_t alphabet_len)
{
	const char *from = field[rand_r(seed) % 3];
	size_t from_len = strlen(from);
	size_t len = 1 + (size_t)rand_r(seed) % RANDOM_NEEDLE_MAX;
	if (rand_r(seed) % 2 && from_len) {
		size_t at = (size_t)rand_r(seed) % from_len;
		if (len > from_len - at)
			len = from_len - at;
		for (size_t i = 0; i < len; i++) {
			char ch = from[at + i];
			needle[i] = rand_r(seed) % 2 ? (char)toupper((unsigned char)ch) : ch;
		}
	} else {
		for (size_t i = 0; i < len; i++)
			needle[i] = alphabet[(size_t)rand_r(seed) % alphabet_len];
	}
	needle[len] = '\0';
}

START_TEST(same_as_strcasestr)
{
	static const char alphabet[] = "aAbB1:.@\n";
	unsigned seed = 1;
	size_t found = 0;
	for (uint64_t index = 1000; index < 21000; index++) {
		char field[3][RANDOM_FIELD_MAX + 1], needle[RANDOM_NEEDLE_MAX + 1];
		for (int f = 0; f < 3; f++) {
			int len = rand_r(&seed) % (RANDOM_FIELD_MAX + 1);
			for (int i = 0; i < len; i++)
				field[f][i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
			field[f][len] = '\0';
		}
		random_needle(needle, field, &seed, alphabet, sizeof(alphabet) - 1);
		struct call c = make_call(index, field[0], field[1], field[2]);
		char src[ENDPOINT_STRLEN], dst[ENDPOINT_STRLEN];
		endpoint_format(&c.src, src, sizeof(src));
		endpoint_format(&c.dst, dst, sizeof(dst));
		bool want = strcasestr(field[0], needle) || strcasestr(field[1], needle) ||
			    strcasestr(field[2], needle) || strcasestr(src, needle) ||
			    strcasestr(dst, needle);
		const struct dialog_text *t = dialog_text_of(c.index, &c);
		ck_assert_msg(contains(t, needle) == want, "fields '%s' '%s' '%s', needle '%s'",
			      field[0], field[1], field[2], needle);
		for (int f = 0; f < 3; f++)
			ck_assert(field_contains(t, (enum dialog_text_field)f, needle) ==
				  (strcasestr(field[f], needle) != NULL));
		found += want;
		dialog_text_forget_before(index + 1);
	}
	/* Both answers were tried often. */
	ck_assert_uint_gt(found, 5000);
	ck_assert_uint_lt(found, 15000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dialog_text");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, any_field_ignoring_case);
	tcase_add_test(tc, one_field_only);
	tcase_add_test(tc, never_across_fields);
	tcase_add_test(tc, kept_by_index);
	tcase_add_test(tc, verdict_kept_until_filter_or_messages_change);
	tcase_add_test(tc, same_as_strcasestr);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
