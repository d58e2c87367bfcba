/* fuzz.h - what every harness in tests/fuzz shares: the libFuzzer entry
 * point, a bounded reader that carves structure out of the fuzzer's bytes,
 * and exact-size copies so AddressSanitizer sees any read one byte past a
 * view (the fuzzer's own buffer is exact-size only as a whole).
 *
 * Each harness is built twice (see tests/fuzz/README.md): linked with
 * libFuzzer, and linked with replay_main.c, which calls the same entry
 * point on files so `make check` replays the regression inputs. */
#ifndef SIPMON_TESTS_FUZZ_H
#define SIPMON_TESTS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A harness found the code under test breaking one of its documented
 * promises (not a memory error: those the sanitizers report).  Aborting
 * makes libFuzzer keep the input as a crash. */
#define FUZZ_CHECK(cond)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, \
				__LINE__, #cond);                               \
			abort();                                                \
		}                                                               \
	} while (0)

/* The fuzzer's bytes read front to back; reads past the end give zeros
 * and empty views, so a harness never has to bail out half-way. */
struct fuzz_input {
	const uint8_t *p;
	size_t len;
};

static inline bool fuzz_done(const struct fuzz_input *in)
{
	return in->len == 0;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	if (in->len == 0)
		return 0;
	uint8_t v = in->p[0];
	in->p++;
	in->len--;
	return v;
}

static inline uint16_t fuzz_be16(struct fuzz_input *in)
{
	uint16_t hi = fuzz_u8(in);
	return (uint16_t)((hi << 8) | fuzz_u8(in));
}

static inline uint32_t fuzz_be32(struct fuzz_input *in)
{
	uint32_t hi = fuzz_be16(in);
	return (hi << 16) | fuzz_be16(in);
}

/* Up to n bytes (fewer at the end of the input). */
static inline struct view fuzz_bytes(struct fuzz_input *in, size_t n)
{
	if (n > in->len)
		n = in->len;
	struct view v = view_make(in->p, n);
	in->p += n;
	in->len -= n;
	return v;
}

/* The rest of the input. */
static inline struct view fuzz_rest(struct fuzz_input *in)
{
	return fuzz_bytes(in, in->len);
}

/* A heap copy of exactly v.len bytes (the caller frees copy->p): a read
 * one past the end is a heap-buffer-overflow.  Zero bytes still get a
 * distinct allocation so a read at p[0] is caught too. */
static inline struct view fuzz_dup(struct view v)
{
	uint8_t *p = malloc(v.len ? v.len : 1);
	if (!p)
		abort();
	if (v.len)
		memcpy(p, v.p, v.len);
	return view_make(p, v.len);
}

static inline void fuzz_free(struct view v)
{
	free((void *)v.p);
}

/* Reads every byte of v, so a view that points at freed or unowned memory
 * is reported where it is handed over rather than never. */
static inline unsigned fuzz_touch(struct view v)
{
	unsigned sum = 0;
	for (size_t i = 0; i < v.len; i++)
		sum += v.p[i];
	return sum;
}

/* Reads the first and the last byte of v: enough to catch a view into
 * freed or short memory where reading all of it each time would cost
 * quadratic time. */
static inline void fuzz_touch_ends(struct view v)
{
	if (v.len == 0)
		return;
	volatile uint8_t sink = v.p[0];
	sink = v.p[v.len - 1];
	(void)sink;
}

/* A view must lie inside the buffer it was cut from. */
static inline bool fuzz_view_within(struct view inner, struct view outer)
{
	if (inner.len == 0)
		return true;
	return inner.p >= outer.p && inner.p <= outer.p + outer.len &&
	       inner.len <= (size_t)(outer.p + outer.len - inner.p);
}

#endif
