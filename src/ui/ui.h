/* ui.h - the terminal interface (ncursesw): call list, call flow, raw
 * message, RTP quality, stats, and the filter/save/help dialogs.
 *
 * The UI runs on the main thread while the pipeline runs behind it.  It
 * only reads the store, under the store's read lock, never for long, and
 * keeps dialog indexes (store_call_by_index), never pointers, across
 * redraws.  It redraws when store_generation() moved or a key was pressed,
 * at most UI_MAX_FPS times a second; nothing is drawn from another thread. */
#ifndef SIPMON_UI_UI_H
#define SIPMON_UI_UI_H

#include <stddef.h>

#include "capture/pipeline.h"
#include "dissect/dissect.h"
#include "store/store.h"

struct config;
struct pcap_writer;
struct text_writer;

#define UI_MAX_FPS 10

struct ui_context {
	struct store *store;
	struct pipeline *pipeline;
	struct dissector *dissector;    /* counters: read under the store's read lock */
	const char *mode;               /* "file", "device", "replay" */
	const char *const *sources;     /* "file:x.pcap", "device:eth0" */
	size_t source_count;
	struct config *config;          /* sipmon.rc in force; the settings window changes it */
	size_t config_errors;           /* bad lines found reading it (noted at start) */
	const struct pcap_writer *writer; /* -O, or NULL: its progress and errors on the status line */
	const struct text_writer *text;   /* --text, or NULL */
};

/* Runs the interface until the user quits.  Returns the exit status. */
int ui_run(const struct ui_context *ctx);

#endif
