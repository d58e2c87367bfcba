/* file_source.h - reading pcap and pcapng files (and standard input)
 * through libpcap, several files merged in timestamp order. */
#ifndef SIPMON_CAPTURE_FILE_SOURCE_H
#define SIPMON_CAPTURE_FILE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/ring.h"

struct file_source;

/* Opens every path ("-" is standard input) and applies the BPF filter (may
 * be NULL).  On failure returns NULL with one line naming the file in
 * errbuf. */
struct file_source *file_source_open(const char *const *paths, size_t count,
				     const char *bpf, char *errbuf, size_t errlen);
void file_source_free(struct file_source *fs);

/* Largest record any opened file can hold (its snaplen). */
size_t file_source_max_record(const struct file_source *fs);

/* Reads all files to the end, merging by timestamp, into ring (waiting when
 * it is full: nothing read from a file is dropped).  speed > 0 replays at
 * the recorded pace scaled by speed (1 = as recorded, 2 = twice as fast);
 * 0 reads as fast as possible.  Stops early when *stop is set. */
void file_source_run(struct file_source *fs, struct ring *ring, double speed,
		     const volatile int *stop);

/* How far reading has got, in bytes of the input files (compressed bytes
 * for gzip files), and their total size; total is 0 when unknown
 * (standard input).  Safe from any thread while run goes on. */
void file_source_progress(const struct file_source *fs, uint64_t *done, uint64_t *total);

/* After run: the problems met (one line each, e.g. "FILE: truncated at
 * record N"), or NULL. */
size_t file_source_error_count(const struct file_source *fs);
const char *file_source_error(const struct file_source *fs, size_t i);

/* "file:PATH" names for the report. */
size_t file_source_count(const struct file_source *fs);
const char *file_source_path(const struct file_source *fs, size_t i);

#endif
