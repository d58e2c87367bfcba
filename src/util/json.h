/* json.h - a small streaming JSON writer (RFC 8259) for the report.
 *
 * Strings come from the network: they are escaped, and bytes that are not
 * valid UTF-8 become U+FFFD, so the output is always valid JSON.  Output
 * collects in the writer's own buffer and goes to the FILE in large
 * writes: a report of 100k dialogs is millions of small pieces. */
#ifndef SIPMON_UTIL_JSON_H
#define SIPMON_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define JSON_MAX_DEPTH 16
#define JSON_BUFFER_BYTES (64 * 1024)

struct json {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no member written yet at this level */
	bool pretty;
	bool after_key;             /* a key was written; its value comes next */
	size_t used;
	char buf[JSON_BUFFER_BYTES];
};

void json_init(struct json *j, FILE *out, bool pretty);

/* Writes out what is buffered (also done when the outermost value ends). */
void json_flush(struct json *j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);

/* Member name inside an object: a constant of the program's own, written
 * as is (never network data).  The value call follows. */
void json_key_n(struct json *j, const char *key, size_t len);

/* Bytes a key needs beside its name: two quotes, ':' and a space. */
#define JSON_KEY_EXTRA 4
/* The separator and opening quote of a key of n bytes, with room for the
 * name and JSON_KEY_EXTRA - 1 more; json_key_finish() closes it. */
char *json_key_start(struct json *j, size_t n);
static inline void json_key_finish(struct json *j, char *p)
{
	*p++ = '"';
	*p++ = ':';
	if (j->pretty)
		*p++ = ' ';
	j->used = (size_t)(p - j->buf);
	j->after_key = true;
}

/* Inline so that a literal key's length is a constant and its copy a few
 * moves rather than a call. */
static inline void json_key(struct json *j, const char *key)
{
	size_t n = strlen(key);
	if (n > JSON_BUFFER_BYTES / 2) {
		json_key_n(j, key, n);
		return;
	}
	char *p = json_key_start(j, n);
	memcpy(p, key, n);
	json_key_finish(j, p + n);
}

void json_string(struct json *j, const char *s);
void json_string_n(struct json *j, const char *s, size_t len);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
/* A number with the given decimals; non-finite values become null. */
void json_double(struct json *j, double v, int decimals);
/* A duration in ns written as milliseconds with 3 decimals (the report's
 * unit), without floating point. */
void json_ns_as_ms(struct json *j, int64_t ns);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

#endif
