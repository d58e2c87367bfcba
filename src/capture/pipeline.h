/* pipeline.h - the threads: a reader per source filling its bounded ring,
 * one dissection thread draining the rings into the store. */
#ifndef SIPMON_CAPTURE_PIPELINE_H
#define SIPMON_CAPTURE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/live_source.h"
#include "dissect/dissect.h"
#include "store/store.h"

/* Ring size when reading files: large enough that the reader stays ahead
 * of the dissector, small next to the data (files never drop). */
#define PIPELINE_FILE_RING_BYTES (8u * 1024u * 1024u)
/* Ring per live device (--ring-size): at 100k packets/s of 200 bytes,
 * 64 MiB absorb 3 s of dissector stall before anything is dropped. */
#define PIPELINE_LIVE_RING_MIB 64
#define PIPELINE_MAX_DEVICES 16

struct pipeline_config {
	const char *const *inputs;  /* -I paths, "-" = standard input */
	size_t input_count;
	const char *const *devices; /* -d devices */
	size_t device_count;
	const char *bpf;            /* trailing filter arguments, or NULL */
	size_t ring_bytes;          /* per live device; 0 = default */
	double speed;               /* --realtime: 0 = as fast as possible */
	bool promiscuous;
	unsigned buffer_mib;        /* -B */
};

struct pipeline;

/* Opens the inputs; NULL with a one-line message in errbuf on failure. */
struct pipeline *pipeline_new(const struct pipeline_config *cfg, struct dissector *d,
			      struct store *store, char *errbuf, size_t errlen);
void pipeline_free(struct pipeline *p);

/* Starts the threads and returns at once. */
bool pipeline_start(struct pipeline *p, char *errbuf, size_t errlen);

/* Waits until all input is read and dissected. */
void pipeline_wait(struct pipeline *p);

/* Asks the readers to stop early (signal); pipeline_wait() still drains. */
void pipeline_stop(struct pipeline *p);

/* The TUI's pause: the dissection thread stops taking records (a file
 * reader then waits; a live source's ring fills and its drops are counted,
 * never hidden).  Resuming continues where it stopped. */
void pipeline_set_paused(struct pipeline *p, bool paused);
bool pipeline_paused(const struct pipeline *p);

/* The TUI's "clear list": the dissection thread forgets every dialog
 * before its next batch (only it writes the store). */
void pipeline_request_clear(struct pipeline *p);

/* True once all input has been read and dissected. */
bool pipeline_done(const struct pipeline *p);
/* A descriptor that becomes readable once pipeline_done() is true, to
 * poll() along with others; -1 when none could be made. */
int pipeline_done_fd(const struct pipeline *p);

/* How much of the input files has been read (bytes; total 0 when unknown,
 * or when the source is a live device): the interface's progress bar. */
void pipeline_progress(const struct pipeline *p, uint64_t *done, uint64_t *total);

/* Problems met while reading (e.g. "FILE: truncated at record N"). */
size_t pipeline_error_count(const struct pipeline *p);
const char *pipeline_error(const struct pipeline *p, size_t i);

/* "file:PATH" per input file, then "device:NAME" per device. */
size_t pipeline_source_count(const struct pipeline *p);
void pipeline_source_name(const struct pipeline *p, size_t i, char *buf, size_t cap);

struct drop_counters {
	uint64_t kernel;     /* pcap_stats ps_drop */
	uint64_t interface;  /* pcap_stats ps_ifdrop */
	uint64_t ring;       /* ring full (live sources only) */
};
void pipeline_drops(const struct pipeline *p, struct drop_counters *out);

/* True when at least one source is a live device. */
bool pipeline_is_live(const struct pipeline *p);

/* Whether bpf compiles as a BPF filter (pcap-filter(7)); err says why
 * not.  For the command line and sipmon.rc's capture.bpf. */
bool pipeline_bpf_valid(const char *bpf, char *err, size_t errlen);

#endif
