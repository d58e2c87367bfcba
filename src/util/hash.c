/* hash.c - see hash.h. */
#include "util/hash.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t h = hash_mix(seed ^ (len * 0x9e3779b97f4a7c15ULL));
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = hash_mix(h ^ w) + 0x9e3779b97f4a7c15ULL;
		b += 8;
		len -= 8;
	}
	uint64_t tail = 0;
	if (len) /* an empty view may have no pointer: memcpy(NULL, 0) is UB */
		memcpy(&tail, b, len);
	return hash_mix(h ^ tail ^ ((uint64_t)len << 56));
}

uint64_t hash_seed(void)
{
	static _Atomic uint64_t seed;
	uint64_t s = atomic_load(&seed);
	if (s == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		s = hash_mix((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
			     ((uint64_t)getpid() << 40)) | 1;
		uint64_t expected = 0;
		if (!atomic_compare_exchange_strong(&seed, &expected, s))
			s = expected;
	}
	return s;
}
