/* pcap_file.c - classic pcap savefiles (see pcap_file.h).
 *
 * Layout (pcap-savefile(5), draft-ietf-opsawg-pcap): a 24-byte file header
 * - magic, version 2.4, thiszone, sigfigs, snaplen, link type - then
 * records of a 16-byte header (seconds, micro- or nanoseconds, captured
 * length, original length) and the captured bytes.  All fields are in the
 * writer's byte order, which the magic tells. */
#include "capture/pcap_file.h"

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du
#define RECORD_HEADER_LEN 16
#define DEFAULT_BLOCK (1024 * 1024)

/* The LINKTYPE_ values in a file that differ from this platform's DLT_
 * ones (pcap_datalink() maps them): of the link types sipmon decodes, only
 * raw IP.  The others are equal by definition (LINKTYPE_ == DLT_ from 104
 * up, and for NULL and Ethernet). */
#define LINKTYPE_NULL 0
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_LOOP 108
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_LINUX_SLL2 276

struct pcap_file {
	FILE *stream;
	bool swapped; /* the writer's byte order is not little-endian */
	bool nanoseconds;
	int dlt;
	uint32_t snaplen;
	uint32_t bad_length;
	uint8_t *buf;
	size_t cap;   /* bytes allocated */
	size_t block; /* bytes one read asks for, at least */
	size_t start; /* the next record's header */
	size_t end;   /* bytes read into buf */
	uint64_t buf_offset; /* the file offset of buf[0] */
	bool at_eof;
	bool read_error;
};

static uint32_t get32(const uint8_t *p, bool big_endian)
{
	if (big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t get16(const uint8_t *p, bool big_endian)
{
	return big_endian ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

/* The DLT_ value for a link type this reader takes, or -1. */
static int dlt_of(uint32_t linktype)
{
	switch (linktype) {
	case LINKTYPE_NULL: return DLT_NULL;
	case LINKTYPE_ETHERNET: return DLT_EN10MB;
	case LINKTYPE_RAW: return DLT_RAW;
	case LINKTYPE_LOOP:
	case LINKTYPE_LINUX_SLL:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
	case LINKTYPE_LINUX_SLL2: return (int)linktype;
	default: return -1; /* also any FCS or reserved bits set */
	}
}

/* The file header's byte order, precision and DLT_, when it is one this
 * reader takes. */
static bool header_taken(const uint8_t *h, size_t len, bool *big, bool *nano, int *dlt)
{
	if (len < PCAP_FILE_HEADER_LEN)
		return false; /* libpcap says what is wrong with it */
	if (get32(h, false) == MAGIC_USEC || get32(h, false) == MAGIC_NSEC)
		*big = false;
	else if (get32(h, true) == MAGIC_USEC || get32(h, true) == MAGIC_NSEC)
		*big = true;
	else
		return false; /* pcapng, or something else */
	*nano = get32(h, *big) == MAGIC_NSEC;
	/* Older versions swapped caplen and len in places; libpcap knows. */
	if (get16(h + 4, *big) != 2 || get16(h + 6, *big) != 4)
		return false;
	*dlt = dlt_of(get32(h + 20, *big));
	return *dlt >= 0;
}

bool pcap_file_takes(const uint8_t *header, size_t len)
{
	bool big, nano;
	int dlt;
	return header_taken(header, len, &big, &nano, &dlt);
}

struct pcap_file *pcap_file_open(FILE *stream, size_t block_bytes,
				 uint8_t prefix[PCAP_FILE_HEADER_LEN], size_t *prefix_len)
{
	size_t got = fread(prefix, 1, PCAP_FILE_HEADER_LEN, stream);
	*prefix_len = got;
	bool big, nano;
	int dlt;
	if (!header_taken(prefix, got, &big, &nano, &dlt))
		return NULL;

	struct pcap_file *pf = xcalloc(1, sizeof(*pf));
	pf->stream = stream;
	pf->swapped = big;
	pf->nanoseconds = nano;
	pf->dlt = dlt;
	/* As libpcap: a snapshot length that is 0 or does not fit its int
	 * means the maximum. */
	uint32_t snaplen = get32(prefix + 16, big);
	pf->snaplen = snaplen == 0 || snaplen > INT32_MAX ? PCAP_FILE_MAX_SNAPLEN : snaplen;
	pf->buf_offset = PCAP_FILE_HEADER_LEN;
	pf->block = block_bytes ? block_bytes : DEFAULT_BLOCK;
	pf->cap = pf->block + RECORD_HEADER_LEN + PCAP_FILE_MAX_SNAPLEN;
	pf->buf = xmalloc(pf->cap);
	return pf;
}

void pcap_file_close(struct pcap_file *pf)
{
	if (!pf)
		return;
	fclose(pf->stream);
	free(pf->buf);
	free(pf);
}

int pcap_file_linktype(const struct pcap_file *pf)
{
	return pf->dlt;
}

uint32_t pcap_file_snaplen(const struct pcap_file *pf)
{
	return pf->snaplen < PCAP_FILE_MAX_SNAPLEN ? pf->snaplen : PCAP_FILE_MAX_SNAPLEN;
}

uint64_t pcap_file_offset(const struct pcap_file *pf)
{
	return pf->buf_offset + pf->start;
}

uint32_t pcap_file_bad_length(const struct pcap_file *pf)
{
	return pf->bad_length;
}

/* Makes at least need bytes from start readable, moving the unread rest to
 * the front and reading a block or more behind it; false when the file
 * ends (or fails) first. */
static bool have(struct pcap_file *pf, size_t need)
{
	if (pf->end - pf->start >= need)
		return true;
	if (pf->at_eof)
		return false;
	size_t rest = pf->end - pf->start;
	memmove(pf->buf, pf->buf + pf->start, rest);
	pf->buf_offset += pf->start;
	pf->start = 0;
	pf->end = rest;
	/* Ask for a whole block at least, so that one read(2) serves many
	 * records (a record's rest can be longer); cap leaves room for a
	 * record behind a block. */
	while (pf->end < need && !pf->at_eof) {
		size_t want = need - pf->end > pf->block ? need - pf->end : pf->block;
		size_t n = fread(pf->buf + pf->end, 1, want, pf->stream);
		pf->end += n;
		if (n < want) {
			pf->at_eof = true;
			pf->read_error = ferror(pf->stream) != 0;
		}
	}
	return pf->end - pf->start >= need;
}

static enum pcap_file_status ended(const struct pcap_file *pf, bool inside_record)
{
	if (pf->read_error)
		return PCAP_FILE_READ_ERROR;
	return inside_record ? PCAP_FILE_TRUNCATED : PCAP_FILE_END;
}

enum pcap_file_status pcap_file_next(struct pcap_file *pf, struct pcap_file_record *out)
{
	if (!have(pf, RECORD_HEADER_LEN))
		return ended(pf, pf->end > pf->start);
	const uint8_t *h = pf->buf + pf->start;
	uint32_t sec = get32(h, pf->swapped), frac = get32(h + 4, pf->swapped);
	uint32_t caplen = get32(h + 8, pf->swapped), wirelen = get32(h + 12, pf->swapped);
	if (caplen > PCAP_FILE_MAX_SNAPLEN) {
		/* Damaged or crafted: libpcap stops the file here too. */
		pf->bad_length = caplen;
		return PCAP_FILE_BAD_LENGTH;
	}
	if (!have(pf, RECORD_HEADER_LEN + (size_t)caplen))
		return ended(pf, true);
	h = pf->buf + pf->start;
	out->ts_ns = (int64_t)sec * 1000000000LL + (int64_t)frac * (pf->nanoseconds ? 1 : 1000);
	/* A record longer than the file's snapshot length is cut to it, as
	 * libpcap does (old Solaris writers got the header wrong). */
	out->caplen = caplen > pf->snaplen ? pf->snaplen : caplen;
	out->wirelen = wirelen;
	out->data = h + RECORD_HEADER_LEN;
	pf->start += RECORD_HEADER_LEN + (size_t)caplen;
	return PCAP_FILE_RECORD;
}
