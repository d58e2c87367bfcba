/* report.h - the sipmon report (../doc/report-format, version 1): capture
 * counters, every dialog, every RTP stream; as JSON for scripts and as
 * aligned text tables for people. */
#ifndef SIPMON_OUTPUT_REPORT_H
#define SIPMON_OUTPUT_REPORT_H

#include <stdio.h>

#include "capture/pipeline.h"
#include "dissect/dissect.h"
#include "store/store.h"

#define REPORT_VERSION 1

enum report_format { REPORT_NONE = 0, REPORT_JSON, REPORT_TEXT };

struct report_input {
	const char *const *sources;   /* "file:in.pcap", "stdin", "device:eth0" */
	size_t source_count;
	const struct capture_counters *counters;
	uint64_t malformed;
	struct drop_counters drops;
	struct store *store;          /* read under the caller's read lock */
};

void report_write_json(FILE *out, const struct report_input *in);
void report_write_text(FILE *out, const struct report_input *in);

#endif
