/* hash.h - small, fast non-cryptographic hashing for the store's indexes.
 *
 * Keys come from the network, so tables seed their hashes (hash_seed()) to
 * keep a crafted capture from forcing every key into one bucket. */
#ifndef SIPMON_UTIL_HASH_H
#define SIPMON_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The finaliser of splitmix64: spreads every input bit over the output. */
static inline uint64_t hash_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Hashes len bytes, 8 at a time, starting from seed. */
uint64_t hash_bytes(const void *p, size_t len, uint64_t seed);

/* A per-process random seed, fixed on first use. */
uint64_t hash_seed(void);

#endif
