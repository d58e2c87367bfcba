/* Unit tests: util/prefix_sort (radix sort on a key prefix, ties
 * compared) sorts exactly as qsort() with the same comparison does. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/prefix_sort.h"

struct text_record {
	char text[12];     /* NUL-terminated; bytes after the NUL are junk */
	uint32_t id;       /* the tie-breaker */
};

static uint64_t text_prefix(const void *p)
{
	const struct text_record *r = p;
	return prefix_of_bytes(r->text, sizeof(r->text), true);
}

static int text_compare(const void *pa, const void *pb)
{
	const struct text_record *a = pa, *b = pb;
	int c = strcmp(a->text, b->text);
	return c ? c : (a->id > b->id) - (a->id < b->id);
}

/* Texts over "ab" of 6 to 11 bytes: many share their first 8 bytes and
 * differ after, so the tie runs need their comparison sort. */
static void random_texts(struct text_record *r, size_t n, unsigned *seed, bool ids_in_order)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = 6 + (size_t)rand_r(seed) % 6;
		memset(r[i].text, 'z', sizeof(r[i].text));
		for (size_t k = 0; k < len; k++)
			r[i].text[k] = "ab"[rand_r(seed) % 2];
		r[i].text[len] = '\0';
		r[i].id = ids_in_order ? (uint32_t)i : (uint32_t)rand_r(seed);
	}
}

START_TEST(texts_as_qsort_sorts_them)
{
	static const size_t sizes[] = { 0, 1, 10, 255, 256, 1000, 20000 };
	unsigned seed = 7;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (int ordered = 0; ordered < 2; ordered++) {
			size_t n = sizes[s];
			struct text_record *got = malloc((n + 1) * sizeof(*got));
			struct text_record *want = malloc((n + 1) * sizeof(*want));
			random_texts(got, n, &seed, ordered);
			memcpy(want, got, n * sizeof(*got));
			qsort(want, n, sizeof(*want), text_compare);
			prefix_sort(got, n, sizeof(*got), text_prefix, text_compare);
			for (size_t i = 0; i < n; i++) {
				ck_assert_str_eq(got[i].text, want[i].text);
				ck_assert_uint_eq(got[i].id, want[i].id);
			}
			free(got);
			free(want);
		}
	}
}
END_TEST

struct number_record {
	int64_t num;
	uint32_t id;
};

static uint64_t number_prefix(const void *p)
{
	const struct number_record *r = p;
	return (uint64_t)r->num ^ (UINT64_C(1) << 63);
}

static int number_compare(const void *pa, const void *pb)
{
	const struct number_record *a = pa, *b = pb;
	if (a->num != b->num)
		return (a->num > b->num) - (a->num < b->num);
	return (a->id > b->id) - (a->id < b->id);
}

/* Negative, small, huge and repeated numbers. */
START_TEST(numbers_as_qsort_sorts_them)
{
	enum { N = 5000 };
	static struct number_record got[N], want[N];
	unsigned seed = 3;
	for (size_t i = 0; i < N; i++) {
		int64_t v = rand_r(&seed) % 50 - 25;
		if (i % 7 == 0)
			v = (int64_t)rand_r(&seed) << 31;   /* up to 2^62 */
		if (i % 11 == 0)
			v = -((int64_t)rand_r(&seed) << 30);
		if (i == 5)
			v = INT64_MIN;
		if (i == 6)
			v = INT64_MAX;
		got[i] = (struct number_record){ v, (uint32_t)(N - i) };
	}
	memcpy(want, got, sizeof(got));
	qsort(want, N, sizeof(*want), number_compare);
	prefix_sort(got, N, sizeof(*got), number_prefix, number_compare);
	for (size_t i = 0; i < N; i++) {
		ck_assert_int_eq(got[i].num, want[i].num);
		ck_assert_uint_eq(got[i].id, want[i].id);
	}
}
END_TEST

/* An empty list (the call list before its first dialog) has no array at
 * all: sorting it must not hand NULL on (UBSan found it in the interface). */
START_TEST(empty_and_single)
{
	prefix_sort(NULL, 0, sizeof(struct number_record), number_prefix, number_compare);
	struct number_record one = { 7, 1 };
	prefix_sort(&one, 1, sizeof(one), number_prefix, number_compare);
	ck_assert_int_eq(one.num, 7);
}
END_TEST

START_TEST(prefix_orders_as_bytes)
{
	ck_assert_uint_eq(prefix_of_bytes("ab\0junk", 8, true), UINT64_C(0x6162000000000000));
	ck_assert_uint_eq(prefix_of_bytes("ab\0junk", 8, false), UINT64_C(0x6162006a756e6b00));
	ck_assert_uint_eq(prefix_of_bytes("abc", 2, false), UINT64_C(0x6162000000000000));
	ck_assert_uint_eq(prefix_of_bytes("\xff\x01", 2, false), UINT64_C(0xff01000000000000));
	ck_assert(prefix_of_bytes("abcdefgh", 8, true) < prefix_of_bytes("abcdefgi", 8, true));
	ck_assert(prefix_of_bytes("ab", 8, true) < prefix_of_bytes("ab\x01", 8, true));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prefix_sort");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, texts_as_qsort_sorts_them);
	tcase_add_test(tc, numbers_as_qsort_sorts_them);
	tcase_add_test(tc, prefix_orders_as_bytes);
	tcase_add_test(tc, empty_and_single);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
