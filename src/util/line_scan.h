/* line_scan.h - finding the end of a short text line in packet bytes.
 *
 * SIP header lines and SDP lines are tens of bytes long: a call into the C
 * library's vector memchr() costs more than the search itself there.  The
 * search below compares sixteen bytes at a time inline while that many
 * remain, then byte by byte, and never reads at or past end. */
#ifndef SIPMON_UTIL_LINE_SCAN_H
#define SIPMON_UTIL_LINE_SCAN_H

#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Bytes compared at once. */
#define LINE_SCAN_VECTOR 16

/* The first LF in [p, end), or NULL. */
static inline const uint8_t *line_scan_lf(const uint8_t *p, const uint8_t *end)
{
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n');
	while (end - p >= LINE_SCAN_VECTOR) {
		__m128i chunk = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned hits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, lf));
		if (hits)
			return p + __builtin_ctz(hits);
		p += LINE_SCAN_VECTOR;
	}
	for (; p < end; p++)
		if (*p == '\n')
			return p;
	return NULL;
#else
	return p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
#endif
}

#endif
