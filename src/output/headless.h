/* headless.h - running without the terminal interface (-N): a status line
 * once a second on a terminal, the report file rewritten periodically, and
 * an orderly stop on SIGINT/SIGTERM or at the end of the input. */
#ifndef SIPMON_OUTPUT_HEADLESS_H
#define SIPMON_OUTPUT_HEADLESS_H

#include <stdbool.h>
#include <stdint.h>

#include "output/report.h"

struct headless_config {
	bool status_line;              /* on stderr, when it is a terminal */
	const char *report_file;       /* NULL: none */
	enum report_format report_file_format;
	uint32_t report_interval_s;
	/* Stop early (true) when the output file writer gave up and wants the
	 * process to exit (--on-write-error=exit); may be NULL. */
	bool (*should_stop)(void *ctx);
	/* Runs once the pipeline is drained, before the final report (the
	 * saver decides its last frames, the writer closes its file). */
	void (*after_drain)(void *ctx);
	void *ctx;
};

/* Returns when the input is exhausted or a stop signal came; the pipeline
 * is then stopped and drained (pipeline_wait() done).  Returns false when
 * the report file could not be written (the message is on stderr). */
bool headless_run(const struct headless_config *cfg, const struct report_sources *rs,
		  struct pipeline *p, struct dissector *d, struct store *store);

#endif
