/* view.c - helpers over bounded views (see view.h). */
#include "util/view.h"

static inline uint8_t ascii_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

bool view_eq_nocase(struct view a, const char *s)
{
	size_t n = strlen(s);
	if (a.len != n)
		return false;
	/* Most text is written as the constant is: one compare then. */
	if (n == 0 || memcmp(a.p, s, n) == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(a.p[i]) != ascii_lower((uint8_t)s[i]))
			return false;
	return true;
}

bool view_starts_with(struct view v, const char *prefix)
{
	size_t n = strlen(prefix);
	return v.len >= n && memcmp(v.p, prefix, n) == 0;
}

bool view_starts_with_nocase(struct view v, const char *prefix)
{
	size_t n = strlen(prefix);
	if (v.len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(v.p[i]) != ascii_lower((uint8_t)prefix[i]))
			return false;
	return true;
}

long view_find(struct view v, struct view needle)
{
	if (needle.len == 0 || needle.len > v.len)
		return -1;
	const uint8_t *p = v.p, *end = v.p + v.len - needle.len + 1;
	while (p < end) {
		const uint8_t *hit = memchr(p, needle.p[0], (size_t)(end - p));
		if (!hit)
			return -1;
		if (memcmp(hit, needle.p, needle.len) == 0)
			return (long)(hit - v.p);
		p = hit + 1;
	}
	return -1;
}

static inline bool is_trim_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct view view_trim(struct view v)
{
	while (v.len && is_trim_space(v.p[0])) {
		v.p++;
		v.len--;
	}
	while (v.len && is_trim_space(v.p[v.len - 1]))
		v.len--;
	return v;
}

bool view_to_u64(struct view v, uint64_t max, uint64_t *out)
{
	v = view_trim(v);
	if (v.len == 0)
		return false;
	uint64_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		uint8_t c = v.p[i];
		if (c < '0' || c > '9')
			return false;
		if (n > (max - (uint64_t)(c - '0')) / 10)
			return false;
		n = n * 10 + (uint64_t)(c - '0');
	}
	*out = n;
	return true;
}

bool view_to_u32_exact(struct view v, uint32_t max, uint32_t *out)
{
	if (v.len == 0)
		return false;
	/* max is below 2**32, so the 64-bit accumulator cannot overflow
	 * before the comparison stops it. */
	uint64_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		unsigned digit = (unsigned)v.p[i] - '0';
		if (digit > 9)
			return false;
		n = n * 10 + digit;
		if (n > max)
			return false;
	}
	*out = (uint32_t)n;
	return true;
}

char *view_to_cstr(struct view v, char *buf, size_t cap)
{
	if (cap == 0)
		return buf;
	size_t n = v.len < cap - 1 ? v.len : cap - 1;
	if (n)
		memcpy(buf, v.p, n);
	buf[n] = '\0';
	return buf;
}
