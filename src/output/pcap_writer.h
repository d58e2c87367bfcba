/* pcap_writer.h - the capture-file writer (-O): its own thread and queue,
 * pcap (nanosecond) or pcapng, rotation by size (-C), by time (-G), ring of
 * files (-W), forced rotation (SIGUSR1) and a command run on every closed
 * file (--post-rotate).
 *
 * File names follow tcpdump's -C/-W/-G rules (tcpdump(8)):
 *
 *   no -W:        FILE, FILE1, FILE2, ...          (the first has no number)
 *   -W N:         FILE0 .. FILE<N-1>, then FILE0 again; the number has as
 *                 many digits as N-1 (-W 10: FILE0..FILE9, -W 11: FILE00..
 *                 FILE10); -W 1 keeps the one name FILE.
 *   -G S:         strftime(3) of FILE in local time at the start of each
 *                 period; a new period restarts the number, so with -C the
 *                 names are strftime(FILE), strftime(FILE)1, ... (or 0..N-1
 *                 with -W).  -G without -C adds no number: a name that
 *                 repeats overwrites the earlier file, as in tcpdump.
 *
 * Where sipmon differs from tcpdump, on purpose:
 *   -C            rotates before a packet that would make the file larger
 *                 than the limit (tcpdump rotates once it already is), so a
 *                 file exceeds -C only when it holds a single packet that
 *                 does.  rotate_bytes is in bytes (units are the command
 *                 line's business).
 *   -W            keeps at most N files in every mode by deleting the oldest
 *                 file this writer made (tcpdump stops capturing after N
 *                 files with -G, and ignores -W with -C and -G together).
 *   -G            measures the period on the monotonic clock from its first
 *                 file's opening (tcpdump compares wall-clock seconds), so a
 *                 clock step neither ends nor stretches it; names use the
 *                 wall clock.  A file is closed when its
 *                 period ends even when no packet comes (checked every
 *                 second); the next file is created by the next packet, so
 *                 idle time makes no empty files.
 *   --post-rotate runs for every closed file, the last one at exit included
 *                 (tcpdump's -z skips the last).
 *
 * Link types: the file header needs one before the first packet is known.
 * A file starts with the link type of the previous file (Ethernet for the
 * very first) and, while it holds no packet, takes the first packet's.  A
 * pcap file holds one link type: a packet of another is dropped (counted in
 * write_drops, warned about once, suggesting --pcapng).  A pcapng file gets
 * one interface (IDB) per link type as they appear; Wireshark and tshark
 * read such a file, libpcap (and so sipmon -I) only one of a single type.
 *
 * Output: pcap with nanosecond timestamps (magic 0xa1b23c4d) or pcapng with
 * if_tsresol 9, in host byte order.  Records longer than snaplen are cut to
 * snaplen (the original length is kept).  Negative timestamps are written
 * as 0.  Data is flushed to the kernel at least once a second (each packet
 * with -U), always at record boundaries, so a killed process loses at most
 * the last second and closed files are whole (a kill in the middle of a
 * write(2) can still leave the current file's last record short).
 *
 * Errors (ENOSPC, EFBIG, EIO): the file is cut back to its last complete
 * record and closed, one message goes to stats.error and (unless quiet) to
 * stderr, and every later packet counts as a write drop; with
 * WRITER_ERROR_EXIT pcap_writer_wants_exit() turns true (the program exits
 * with status 3). */
#ifndef SIPMON_OUTPUT_PCAP_WRITER_H
#define SIPMON_OUTPUT_PCAP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* tcpdump's default snapshot length, used when the config says 0. */
#define PCAP_WRITER_DEFAULT_SNAPLEN 262144
/* The queue between the dissection thread and the writer, when the config
 * says 0: about a second of a busy 200 Mbit/s link. */
#define PCAP_WRITER_DEFAULT_QUEUE_BYTES (32u * 1024u * 1024u)

/* stats.error: one line, long paths shortened from the left. */
#define PCAP_WRITER_ERROR_LEN 256

enum writer_error_policy { WRITER_ERROR_STOP_WRITING, WRITER_ERROR_EXIT };

struct pcap_writer_config {
	const char *path;             /* -O FILE; with -G it may hold strftime(3) patterns */
	uint64_t rotate_bytes;        /* -C: rotate before a packet that would make the file larger; 0 = never */
	unsigned ring_files;          /* -W: keep at most N files, deleting the oldest; 0 = keep all */
	unsigned rotate_seconds;      /* -G: a period of N seconds starts with each new name; 0 = never */
	bool pcapng;                  /* --pcapng */
	bool unbuffered;              /* -U: each packet flushed to the kernel */
	const char *post_rotate;      /* --post-rotate CMD: run as `CMD PATH` for every closed file */
	size_t queue_bytes;           /* the writer's queue; 0 = PCAP_WRITER_DEFAULT_QUEUE_BYTES */
	enum writer_error_policy on_error;
	int snaplen;                  /* for the file header; 0 = PCAP_WRITER_DEFAULT_SNAPLEN */
	bool quiet;                   /* nothing on stderr (the TUI shows stats.error instead) */
	bool lossless;                /* input from files: pcap_writer_write() waits for room
					 rather than dropping (a file can wait, a wire cannot) */
};

struct pcap_writer;

/* Opens the first file at once (so a bad path or permission fails at start,
 * with one line in errbuf) and starts the writer thread.  Ignores SIGXFSZ
 * (process-wide) so that a file-size limit shows as EFBIG. */
struct pcap_writer *pcap_writer_open(const struct pcap_writer_config *cfg, char *errbuf, size_t errlen);

/* Called by ONE producer thread; never blocks unless config.lossless.  False
 * when the queue is full (counted in queue_drops; with lossless it waits
 * for room instead) or writing has stopped after an error (counted in
 * write_drops).  linktype is a LINKTYPE_ value (pcap_datalink()). */
bool pcap_writer_write(struct pcap_writer *w, int64_t ts_ns, uint32_t caplen, uint32_t wirelen,
		       int linktype, const uint8_t *data);

/* Forces a rotation at the next packet boundary (SIGUSR1): async-signal-safe,
 * it only sets a flag.  The next file is the next number; with -G and no -C
 * (no numbers) it starts a new period and takes its strftime name.  Packets
 * still queued when the flag is seen go to the new file.  Nothing happens
 * while no file is open (-G idle). */
void pcap_writer_request_rotation(struct pcap_writer *w);

/* Drains the queue, closes the current file cleanly and joins the thread.
 * Call after the producer's last pcap_writer_write().  The writer stays
 * readable (stats, wants_exit: an error found by the last flush shows
 * there) until pcap_writer_free(). */
void pcap_writer_close(struct pcap_writer *w);

/* Closes (if not yet) and releases the writer. */
void pcap_writer_free(struct pcap_writer *w);

struct pcap_writer_stats {
	uint64_t written;       /* packets handed to the kernel, in files */
	uint64_t queue_drops;   /* refused because the queue was full */
	uint64_t write_drops;   /* lost to a write error, refused after one, or of a second link type in pcap */
	uint64_t bytes;         /* bytes handed to the kernel, file headers included */
	uint64_t files_opened;
	uint64_t files_deleted; /* by -W */
	bool failed;            /* writing stopped after an error */
	char error[PCAP_WRITER_ERROR_LEN]; /* the error, when failed */
};

/* Safe from any thread, at any time until pcap_writer_free(). */
void pcap_writer_stats(const struct pcap_writer *w, struct pcap_writer_stats *out);

/* True once writing failed (disk full, EFBIG) and the policy is
 * WRITER_ERROR_EXIT: the main loop should stop with exit status 3. */
bool pcap_writer_wants_exit(const struct pcap_writer *w);

#endif
