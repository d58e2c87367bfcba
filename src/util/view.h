/* view.h - bounded, read-only views over untrusted bytes.
 *
 * Every decoder in sipmon reads packet bytes only through a struct view and
 * the accessors below (the tcpdump GET_* idea): an accessor knows where the
 * captured data ends and reports failure instead of reading past it.  A view
 * never relies on a NUL terminator.
 */
#ifndef SIPMON_UTIL_VIEW_H
#define SIPMON_UTIL_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct view {
	const uint8_t *p;
	size_t len;
};

static inline struct view view_make(const void *p, size_t len)
{
	struct view v = { (const uint8_t *)p, len };
	return v;
}

static inline struct view view_empty(void)
{
	struct view v = { NULL, 0 };
	return v;
}

/* A view of a NUL-terminated C string (for constants and tests only). */
static inline struct view view_cstr(const char *s)
{
	return view_make(s, s ? strlen(s) : 0);
}

/* The part of v from off on; empty when off is past the end. */
static inline struct view view_from(struct view v, size_t off)
{
	if (off >= v.len)
		return view_make(v.p ? v.p + v.len : NULL, 0);
	return view_make(v.p + off, v.len - off);
}

/* The part of v from off for at most len bytes (clamped to what exists). */
static inline struct view view_sub(struct view v, size_t off, size_t len)
{
	struct view r = view_from(v, off);
	if (r.len > len)
		r.len = len;
	return r;
}

/* Exactly len bytes at off, or false when they are not all captured. */
static inline bool view_slice(struct view v, size_t off, size_t len, struct view *out)
{
	if (off > v.len || len > v.len - off)
		return false;
	*out = view_make(v.p + off, len);
	return true;
}

static inline bool view_has(struct view v, size_t off, size_t len)
{
	return off <= v.len && len <= v.len - off;
}

static inline bool view_u8(struct view v, size_t off, uint8_t *out)
{
	if (!view_has(v, off, 1))
		return false;
	*out = v.p[off];
	return true;
}

static inline bool view_be16(struct view v, size_t off, uint16_t *out)
{
	if (!view_has(v, off, 2))
		return false;
	*out = (uint16_t)((v.p[off] << 8) | v.p[off + 1]);
	return true;
}

static inline bool view_le16(struct view v, size_t off, uint16_t *out)
{
	if (!view_has(v, off, 2))
		return false;
	*out = (uint16_t)((v.p[off + 1] << 8) | v.p[off]);
	return true;
}

static inline bool view_be32(struct view v, size_t off, uint32_t *out)
{
	if (!view_has(v, off, 4))
		return false;
	*out = ((uint32_t)v.p[off] << 24) | ((uint32_t)v.p[off + 1] << 16) |
	       ((uint32_t)v.p[off + 2] << 8) | (uint32_t)v.p[off + 3];
	return true;
}

static inline bool view_le32(struct view v, size_t off, uint32_t *out)
{
	if (!view_has(v, off, 4))
		return false;
	*out = ((uint32_t)v.p[off + 3] << 24) | ((uint32_t)v.p[off + 2] << 16) |
	       ((uint32_t)v.p[off + 1] << 8) | (uint32_t)v.p[off];
	return true;
}

static inline bool view_be64(struct view v, size_t off, uint64_t *out)
{
	uint32_t hi, lo;
	if (!view_be32(v, off, &hi) || !view_be32(v, off + 4, &lo))
		return false;
	*out = ((uint64_t)hi << 32) | lo;
	return true;
}

/* Byte-wise equality of two views. */
static inline bool view_eq(struct view a, struct view b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* ASCII case-insensitive equality with a C string constant. */
bool view_eq_nocase(struct view a, const char *s);

/* True when v starts with the C string prefix (case-sensitive). */
bool view_starts_with(struct view v, const char *prefix);

/* True when v starts with prefix, ignoring ASCII case. */
bool view_starts_with_nocase(struct view v, const char *prefix);

/* Offset of the first byte c in v, or -1. */
static inline long view_find_byte(struct view v, uint8_t c)
{
	const uint8_t *hit = v.len ? memchr(v.p, c, v.len) : NULL;
	return hit ? (long)(hit - v.p) : -1;
}

/* Offset of needle in v, or -1 (needle non-empty). */
long view_find(struct view v, struct view needle);

/* Leading and trailing SP / HTAB / CR / LF removed. */
struct view view_trim(struct view v);

/* Parses an unsigned decimal number filling the whole view (after trim);
 * false on empty input, a non-digit or a value above max. */
bool view_to_u64(struct view v, uint64_t max, uint64_t *out);

/* v, all decimal digits (no sign, no white space), as a number no larger
 * than max; false otherwise. */
bool view_to_u32_exact(struct view v, uint32_t max, uint32_t *out);

/* Copies v into buf as a NUL-terminated string, truncating to cap-1 bytes;
 * returns buf. */
char *view_to_cstr(struct view v, char *buf, size_t cap);

#endif
