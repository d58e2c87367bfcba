/* timefmt.c - see timefmt.h. */
#include "util/timefmt.h"

#include <stdio.h>
#include <time.h>

char *time_format_rfc3339(int64_t ts_ns, char *buf, size_t cap)
{
	int64_t sec = ts_ns / 1000000000LL;
	int64_t ns = ts_ns % 1000000000LL;
	if (ns < 0) {
		ns += 1000000000LL;
		sec -= 1;
	}
	/* Reports print many times within the same second: the calendar
	 * part is computed once per second per thread. */
	static _Thread_local int64_t cached_sec = INT64_MIN;
	static _Thread_local char cached[64];
	if (sec != cached_sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		if (!gmtime_r(&t, &tm)) {
			snprintf(buf, cap, "invalid");
			return buf;
		}
		snprintf(cached, sizeof(cached), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		cached_sec = sec;
	}
	snprintf(buf, cap, "%s.%06dZ", cached, (int)(ns / 1000));
	return buf;
}

int64_t time_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
