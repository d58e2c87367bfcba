/* writer_io.h - what the pcap writer and the text writer share: handing a
 * record to the writer's thread through its queue (waiting when the input
 * is files, dropping and counting when it is live), stopping that thread,
 * and write(2) until every byte is out. */
#ifndef SIPMON_OUTPUT_WRITER_IO_H
#define SIPMON_OUTPUT_WRITER_IO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/ring.h"
#include "output/pcap_writer.h"

/* What a writer (pcap or text) tells any thread: how much was written and
 * lost, and why writing stopped.  Counters are atomics; error is set once
 * by the writer's thread, before failed. */
struct writer_outcome {
	_Atomic bool failed;
	_Atomic bool wants_exit;
	_Atomic uint64_t written;     /* packets or messages handed to the kernel */
	_Atomic uint64_t bytes;
	_Atomic uint64_t queue_drops;
	_Atomic uint64_t write_drops;
	char error[PCAP_WRITER_ERROR_LEN];
	enum writer_error_policy on_error;
};

/* Writing stops for good (the first failure only): message is kept for
 * the stats and, when say, printed as "sipmon: MESSAGE; no more WHAT are
 * written"; with WRITER_ERROR_EXIT the program is asked to stop. */
void writer_fail(struct writer_outcome *o, const char *message, bool say, const char *what);

/* The common figures, readable from any thread: returns failed, with the
 * error copied when so. */
bool writer_outcome_read(const struct writer_outcome *o, uint64_t *written, uint64_t *bytes,
			 uint64_t *queue_drops, uint64_t *write_drops,
			 char error[PCAP_WRITER_ERROR_LEN]);

/* Queues hdr and data.  lossless: wait for room (files: nothing may be
 * lost); otherwise a full queue drops the record and counts it in drops
 * (live capture never waits for a disk).  False when it was not queued. */
bool writer_enqueue(struct ring *queue, bool lossless, const struct ring_record *hdr,
		    const uint8_t *data, _Atomic uint64_t *drops);

/* Ends the queue and waits for the writer thread to write what is left;
 * once (closed remembers). */
void writer_join(struct ring *queue, pthread_t thread, bool *closed);

/* write(2) until all n bytes are written; false with errno set (EIO for a
 * write that wrote nothing). */
bool writer_write_all(int fd, const uint8_t *p, size_t n);

#endif
