/* text_writer.h - the --text file writer: SIP messages from the dissection
 * thread, formatted (output/sip_text.h) and written by a thread of its own,
 * so that neither the formatting nor a slow disk holds up dissection.
 *
 * Like the capture-file writer (pcap_writer.h): the producer never waits (a
 * full queue drops the message and counts it); data reaches the kernel at
 * least once a second, always at message boundaries (each message with -U);
 * a write error (ENOSPC, EFBIG, EIO) cuts the file back to the last message
 * known whole, closes it, prints one line (unless quiet) and stops writing,
 * and with WRITER_ERROR_EXIT text_writer_wants_exit() turns true. */
#ifndef SIPMON_OUTPUT_TEXT_WRITER_H
#define SIPMON_OUTPUT_TEXT_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/pcap_writer.h" /* enum writer_error_policy, PCAP_WRITER_ERROR_LEN */
#include "output/sip_text.h"

/* The queue when the config says 0: SIP is a small share of the traffic. */
#define TEXT_WRITER_DEFAULT_QUEUE_BYTES (8u * 1024u * 1024u)

struct text_writer_config {
	const char *path;
	size_t queue_bytes;         /* 0 = TEXT_WRITER_DEFAULT_QUEUE_BYTES */
	bool unbuffered;            /* -U: each message flushed to the kernel */
	enum writer_error_policy on_error;
	bool quiet;                 /* nothing on stderr (the interface owns it) */
	bool lossless;              /* input from files: text_writer_write() waits
				       for room rather than dropping */
};

struct text_writer;

/* Creates the file at once (a bad path fails here, one line in errbuf) and
 * starts the thread. */
struct text_writer *text_writer_open(const struct text_writer_config *cfg, char *errbuf, size_t errlen);

/* ONE producer thread; never blocks unless config.lossless.  m is copied.
 * False when the queue is full (queue_drops; lossless waits instead),
 * writing has stopped (write_drops) or the message is longer than
 * SIP_MAX_MESSAGE (write_drops). */
bool text_writer_write(struct text_writer *w, const struct sip_text_message *m);

/* Writes what is queued, closes the file, joins the thread; stats stay
 * readable until text_writer_free(). */
void text_writer_close(struct text_writer *w);
void text_writer_free(struct text_writer *w);

struct text_writer_stats {
	uint64_t written;           /* messages handed to the kernel */
	uint64_t bytes;
	uint64_t queue_drops;
	uint64_t write_drops;
	bool failed;
	char error[PCAP_WRITER_ERROR_LEN];
};
void text_writer_stats(const struct text_writer *w, struct text_writer_stats *out);

bool text_writer_wants_exit(const struct text_writer *w);

#endif
