/* Unit tests: the capture ring (order, wrap-around, full, threads). */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "capture/ring.h"

static void fill(uint8_t *buf, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 31u + i);
}

static bool check_bytes(const uint8_t *buf, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		if (buf[i] != (uint8_t)(seed * 31u + i))
			return false;
	return true;
}

START_TEST(push_pop_in_order)
{
	struct ring *r = ring_new(0, 1500);
	uint8_t buf[1500];
	for (uint32_t i = 0; i < 10; i++) {
		struct ring_record h = { .ts_ns = i, .caplen = 100 + i, .wirelen = 200 + i,
					 .linktype = 1, .source = 3 };
		fill(buf, h.caplen, i);
		ck_assert(ring_try_push(r, &h, buf));
	}
	for (uint32_t i = 0; i < 10; i++) {
		const struct ring_record *rec = ring_peek(r);
		ck_assert_ptr_nonnull(rec);
		ck_assert_int_eq(rec->ts_ns, i);
		ck_assert_uint_eq(rec->caplen, 100 + i);
		ck_assert_uint_eq(rec->wirelen, 200 + i);
		ck_assert_int_eq(rec->linktype, 1);
		ck_assert_uint_eq(rec->source, 3);
		ck_assert(check_bytes(ring_record_data(rec), rec->caplen, i));
		ring_pop(r);
	}
	ck_assert_ptr_null(ring_peek(r));
	ck_assert_uint_eq(ring_used(r), 0);
	ring_free(r);
}
END_TEST

START_TEST(full_ring_refuses_then_recovers_across_wrap)
{
	struct ring *r = ring_new(0, 1500);
	size_t cap = ring_capacity(r);
	uint8_t buf[1000];
	uint32_t pushed = 0, popped = 0;
	/* Fill until refused: a live producer would count a drop here. */
	for (;;) {
		struct ring_record h = { .ts_ns = pushed, .caplen = 1000 };
		fill(buf, 1000, pushed);
		if (!ring_try_push(r, &h, buf))
			break;
		pushed++;
	}
	ck_assert_uint_gt(pushed, cap / 1100);
	ck_assert_uint_le(ring_used(r), cap);
	/* Make room, then keep going many times around the buffer with odd
	 * sizes, checking every byte. */
	for (uint32_t round = 0; round < 20000; round++) {
		const struct ring_record *rec = ring_peek(r);
		if (rec) {
			ck_assert_int_eq(rec->ts_ns, popped);
			ck_assert(check_bytes(ring_record_data(rec), rec->caplen, popped));
			ring_pop(r);
			popped++;
		} else {
			ck_assert_uint_eq(popped, pushed);
		}
		/* Two pushes per pop keep the ring near full. */
		for (int k = 0; k < 2; k++) {
			uint32_t len = 1 + ((round * 2 + k) * 7919u) % 1000u;
			struct ring_record h = { .ts_ns = pushed, .caplen = len };
			fill(buf, len, pushed);
			bool was_empty = ring_used(r) == 0;
			if (ring_try_push(r, &h, buf))
				pushed++;
			else
				ck_assert(!was_empty);
		}
	}
	ck_assert_uint_gt(popped, 19000);
	ring_free(r);
}
END_TEST

START_TEST(oversized_record_is_refused)
{
	struct ring *r = ring_new(0, 100);
	static uint8_t big[1 << 20];
	struct ring_record h = { .caplen = sizeof(big) };
	ck_assert(!ring_try_push(r, &h, big));
	ring_free(r);
}
END_TEST

/* Extra bytes of the n-th record in extra_bytes_survive_wrap (none for
 * every third). */
static uint32_t extra_for(uint32_t n)
{
	return n % 3 ? 8 + (n * 131u) % 500u : 0;
}

/* Records with extra bytes (ring_reserve_wait/ring_commit) mixed with plain
 * ones, across many wrap-arounds: data and notes come out intact. */
START_TEST(extra_bytes_survive_wrap)
{
	struct ring *r = ring_new(64 * 1024, 1000);
	uint8_t buf[1000];
	uint32_t pushed = 0, popped = 0;
	for (uint32_t round = 0; round < 5000; round++) {
		uint32_t len = 1 + (round * 7919u) % 1000u;
		uint32_t extra = extra_for(pushed);
		ck_assert(ring_record_fits(r, len, extra));
		struct ring_record h = { .ts_ns = pushed, .caplen = len };
		fill(buf, len, pushed);
		struct ring_record *slot = ring_reserve_wait(r, &h, buf, extra);
		ck_assert_ptr_nonnull(slot);
		if (extra)
			fill(ring_record_extra(slot), extra, pushed + 1);
		else
			ck_assert_ptr_null(ring_record_extra(slot));
		ring_commit(r, slot);
		pushed++;
		const struct ring_record *rec = ring_peek(r);
		ck_assert_ptr_nonnull(rec);
		ck_assert_int_eq(rec->ts_ns, popped);
		ck_assert(check_bytes(ring_record_data(rec), rec->caplen, popped));
		ck_assert_uint_eq(rec->extra_len, extra_for(popped));
		if (rec->extra_len)
			ck_assert(check_bytes(ring_record_extra(rec), rec->extra_len, popped + 1));
		/* Leave one record behind now and then so the ring fills up. */
		if (round % 4 != 0 || ring_used(r) > 32 * 1024) {
			ring_pop(r);
			popped++;
		}
		if (popped < pushed && ring_used(r) > 48 * 1024) {
			while ((rec = ring_peek(r)) != NULL) {
				ck_assert_int_eq(rec->ts_ns, popped);
				ring_pop(r);
				popped++;
			}
		}
	}
	ck_assert(!ring_record_fits(r, 40 * 1024, 0));
	ring_free(r);
}
END_TEST

#define THREAD_RECORDS 200000u

static void *producer(void *arg)
{
	struct ring *r = arg;
	uint8_t buf[600];
	for (uint32_t i = 0; i < THREAD_RECORDS; i++) {
		uint32_t len = 20 + (i * 131u) % 580u;
		struct ring_record h = { .ts_ns = i, .caplen = len };
		fill(buf, len, i);
		ring_push_wait(r, &h, buf);
	}
	ring_finish(r);
	return NULL;
}

START_TEST(threads_lose_nothing_when_waiting)
{
	struct ring *r = ring_new(64 * 1024, 600);
	pthread_t t;
	pthread_create(&t, NULL, producer, r);
	uint32_t expect = 0;
	struct ring *rings[1] = { r };
	for (;;) {
		const struct ring_record *rec = ring_peek(r);
		if (!rec) {
			if (ring_finished(r))
				break;
			ring_wait_any(rings, 1, 1000000);
			continue;
		}
		ck_assert_int_eq(rec->ts_ns, expect);
		ck_assert(check_bytes(ring_record_data(rec), rec->caplen, expect));
		ring_pop(r);
		expect++;
	}
	pthread_join(t, NULL);
	ck_assert_uint_eq(expect, THREAD_RECORDS);
	ring_free(r);
}
END_TEST

/* The writers' way: a cursor over a batch, released at once, while a
 * producer that only tries (never waits) and a wake threshold are in play:
 * every record arrives once, in order, and space comes back only on
 * release. */
struct try_producer_arg {
	struct ring *r;
	uint32_t refused;
};

static void *try_producer(void *arg)
{
	struct try_producer_arg *a = arg;
	uint8_t buf[600];
	for (uint32_t i = 0; i < THREAD_RECORDS;) {
		uint32_t len = 20 + (i * 131u) % 580u;
		struct ring_record h = { .ts_ns = i, .caplen = len };
		fill(buf, len, i);
		if (ring_try_push(a->r, &h, buf))
			i++;
		else
			a->refused++;
	}
	ring_finish(a->r);
	return NULL;
}

START_TEST(cursor_batches_lose_nothing)
{
	struct ring *r = ring_new(64 * 1024, 600);
	ring_set_wake_bytes(r, ring_capacity(r) / 16);
	/* Space is released only by ring_release(). */
	uint8_t buf[600] = { 0 };
	struct ring_record h = { .caplen = 500 };
	ck_assert(ring_try_push(r, &h, buf));
	struct ring_cursor cur;
	ring_cursor_start(r, &cur);
	ck_assert_ptr_nonnull(ring_cursor_next(r, &cur));
	ck_assert_ptr_null(ring_cursor_next(r, &cur));
	ck_assert_uint_gt(ring_used(r), 0);
	ring_release(r, &cur);
	ck_assert_uint_eq(ring_used(r), 0);

	struct try_producer_arg a = { r, 0 };
	pthread_t t;
	pthread_create(&t, NULL, try_producer, &a);
	uint32_t expect = 0;
	struct ring *rings[1] = { r };
	for (;;) {
		ring_cursor_start(r, &cur);
		unsigned n = 0;
		for (const struct ring_record *rec; n < 50 && (rec = ring_cursor_next(r, &cur)); n++) {
			ck_assert_int_eq(rec->ts_ns, expect);
			ck_assert(check_bytes(ring_record_data(rec), rec->caplen, expect));
			expect++;
		}
		ring_release(r, &cur);
		if (n)
			continue;
		if (ring_finished(r))
			break;
		ring_wait_any(rings, 1, 1000000);
	}
	pthread_join(t, NULL);
	ck_assert_uint_eq(expect, THREAD_RECORDS);
	ring_free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, push_pop_in_order);
	tcase_add_test(tc, full_ring_refuses_then_recovers_across_wrap);
	tcase_add_test(tc, oversized_record_is_refused);
	tcase_add_test(tc, extra_bytes_survive_wrap);
	tcase_add_test(tc, threads_lose_nothing_when_waiting);
	tcase_add_test(tc, cursor_batches_lose_nothing);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
