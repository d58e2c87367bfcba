/* pcap_file.h - the classic pcap savefile format (pcap-savefile(5)), read
 * a megabyte at a time.
 *
 * libpcap reads a savefile with two fread() calls per record; on a
 * 2-million-packet capture that is a third of the reader thread.  This
 * reader takes the common case itself - version 2.4, microsecond or
 * nanosecond timestamps, either byte order, the link types sipmon decodes -
 * and gives records as pointers into its own buffer.  Anything else (pcapng,
 * other link types, FCS bits, old versions) is left to libpcap: the caller
 * gets back the bytes already read, to hand them on.
 *
 * The records are what libpcap would give for the same file: the same
 * timestamps in ns, the same DLT_ value, caplen cut to the file's snaplen
 * when a record claims more, and the same end conditions. */
#ifndef SIPMON_CAPTURE_PCAP_FILE_H
#define SIPMON_CAPTURE_PCAP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAP_FILE_HEADER_LEN 24
/* libpcap's largest snapshot length for the link types taken here
 * (MAXIMUM_SNAPLEN); a record claiming more is an error. */
#define PCAP_FILE_MAX_SNAPLEN 262144

struct pcap_file;

struct pcap_file_record {
	int64_t ts_ns;
	uint32_t caplen;
	uint32_t wirelen;
	const uint8_t *data; /* valid until the next pcap_file_next() */
};

enum pcap_file_status {
	PCAP_FILE_RECORD,    /* *out holds the next record */
	PCAP_FILE_END,       /* the file ended after a whole record */
	PCAP_FILE_TRUNCATED, /* it ended inside a record */
	PCAP_FILE_BAD_LENGTH,/* a record longer than PCAP_FILE_MAX_SNAPLEN */
	PCAP_FILE_READ_ERROR,/* the stream reported an error */
};

/* Reads the file header from stream.  A file this reader takes gives a
 * reader that owns stream from then on.  Otherwise NULL, with the bytes
 * read so far (at most PCAP_FILE_HEADER_LEN) in prefix and their count in
 * *prefix_len: stream stays the caller's, and those bytes come first.
 * block_bytes (0 for the default of 1 MiB) is how much one read asks for at
 * least; 1 asks only for what the next record lacks, so that a pipe hands
 * over each record as soon as it is whole (tests also make it small to
 * cross block ends often). */
struct pcap_file *pcap_file_open(FILE *stream, size_t block_bytes,
				 uint8_t prefix[PCAP_FILE_HEADER_LEN], size_t *prefix_len);

/* Whether pcap_file_open() would take a file that starts with these bytes
 * (at most the first PCAP_FILE_HEADER_LEN are looked at). */
bool pcap_file_takes(const uint8_t *header, size_t len);

/* Closes the stream too. */
void pcap_file_close(struct pcap_file *pf);

/* The DLT_ value libpcap's pcap_datalink() would give, and the snapshot
 * length in force (the header's, or the maximum when it is 0 or larger). */
int pcap_file_linktype(const struct pcap_file *pf);
uint32_t pcap_file_snaplen(const struct pcap_file *pf);

enum pcap_file_status pcap_file_next(struct pcap_file *pf, struct pcap_file_record *out);

/* Bytes of the file taken as header and records so far (not what is read
 * ahead into the buffer): how far a replay has got. */
uint64_t pcap_file_offset(const struct pcap_file *pf);

/* For PCAP_FILE_BAD_LENGTH: the length the record claimed. */
uint32_t pcap_file_bad_length(const struct pcap_file *pf);

#endif
