/* report.h - the sipmon report (../doc/report-format, version 1): capture
 * counters, every dialog, every RTP stream; as JSON for scripts and as
 * aligned text tables for people. */
#ifndef SIPMON_OUTPUT_REPORT_H
#define SIPMON_OUTPUT_REPORT_H

#include <stdbool.h>
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
	bool filtered;                /* --filter / match: list passing dialogs only */
	const struct saver *saver;    /* -O: what was saved, or NULL */
	const struct pcap_writer *writer;
	const struct text_writer *text; /* --text, or NULL */
};

/* The quality figures of a stream as the report and the TUI show them
 * (E-model codec from the stream's codec, RTT from RTCP when known). */
void stream_figures(const struct rtp_stream *s, struct rtp_figures *out);

void report_write_json(FILE *out, const struct report_input *in);
void report_write_text(FILE *out, const struct report_input *in);

/* The report's source names, built from a pipeline. */
#define REPORT_MAX_SOURCES 96
#define REPORT_SOURCE_NAME_LEN 1100
struct saver;
struct pcap_writer;
struct text_writer;

/* What a report is about besides the store: the inputs' names, and the
 * filter and output file when there are any. */
struct report_sources {
	char names[REPORT_MAX_SOURCES][REPORT_SOURCE_NAME_LEN];
	const char *ptrs[REPORT_MAX_SOURCES];
	size_t count;
	bool filtered;
	const struct saver *saver;
	const struct pcap_writer *writer;
	const struct text_writer *text;
};
void report_sources_init(struct report_sources *rs, const struct pipeline *p);

/* Fills in from the pipeline's current state; call under the store's read
 * lock (the counters are the dissection thread's). */
void report_input_init(struct report_input *in, const struct report_sources *rs,
		       const struct pipeline *p, const struct dissector *d,
		       struct store *store);

/* Writes the report to stdout (fmt json or text), under the read lock. */
void report_print(enum report_format fmt, const struct report_sources *rs,
		  const struct pipeline *p, const struct dissector *d, struct store *store);

/* Rewrites path atomically (a temporary file beside it, then rename(2)),
 * so a reader never sees half a report.  false with errbuf on failure. */
bool report_write_file(const char *path, enum report_format fmt,
		       const struct report_sources *rs, const struct pipeline *p,
		       const struct dissector *d, struct store *store,
		       char *errbuf, size_t errlen);

#endif
