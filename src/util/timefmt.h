/* timefmt.h - the report's time form: RFC 3339 UTC with microseconds. */
#ifndef SIPMON_UTIL_TIMEFMT_H
#define SIPMON_UTIL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_LEN 32

/* "2026-11-21T10:15:02.123456Z" from ns since the Unix epoch. */
char *time_format_rfc3339(int64_t ts_ns, char *buf, size_t cap);

/* Monotonic clock in ns, for timeouts and rates (not capture time). */
int64_t time_monotonic_ns(void);

#endif
