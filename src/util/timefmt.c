/* timefmt.c - see timefmt.h. */
#include "util/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define SECONDS_PER_DAY 86400
/* Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar,
 * for the era arithmetic below. */
#define DAYS_0000_03_01_TO_EPOCH 719468
#define DAYS_PER_ERA 146097 /* 400 years */

/* The civil date of a day count since 1970-01-01: the well-known
 * era-based algorithm (400-year eras, years starting in March), pure
 * integer arithmetic, no libc calendar call per timestamp. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += DAYS_0000_03_01_TO_EPOCH;
	int64_t era = (z >= 0 ? z : z - (DAYS_PER_ERA - 1)) / DAYS_PER_ERA;
	unsigned doe = (unsigned)(z - era * DAYS_PER_ERA);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *put_digits(char *p, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

char *time_format_rfc3339(int64_t ts_ns, char *buf, size_t cap)
{
	int64_t sec = ts_ns / 1000000000LL;
	int64_t ns = ts_ns % 1000000000LL;
	if (ns < 0) {
		ns += 1000000000LL;
		sec -= 1;
	}
	int64_t days = sec / SECONDS_PER_DAY;
	int64_t rem = sec % SECONDS_PER_DAY;
	if (rem < 0) {
		rem += SECONDS_PER_DAY;
		days -= 1;
	}
	int64_t year;
	unsigned month, day;
	civil_from_days(days, &year, &month, &day);
	if (year < 0 || year > 9999 || cap < TIMEFMT_LEN) {
		snprintf(buf, cap, "invalid");
		return buf;
	}
	char *p = buf;
	p = put_digits(p, (unsigned)year, 4);
	*p++ = '-';
	p = put_digits(p, month, 2);
	*p++ = '-';
	p = put_digits(p, day, 2);
	*p++ = 'T';
	p = put_digits(p, (unsigned)(rem / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)(rem / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)(rem % 60), 2);
	*p++ = '.';
	p = put_digits(p, (unsigned)(ns / 1000), 6);
	*p++ = 'Z';
	*p = '\0';
	return buf;
}

int64_t time_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
