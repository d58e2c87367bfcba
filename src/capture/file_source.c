/* file_source.c - pcap/pcapng files (see file_source.h): classic pcap by
 * pcap_file.c, everything else through libpcap. */
#include "capture/file_source.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/pcap_file.h"
#include "dissect/sip_early.h"
#include "util/xalloc.h"

#define FILE_SOURCE_MAX_ERRORS 64
/* stdio's default 4 KiB buffer costs one read(2) per 4 KiB of capture. */
#define FILE_SOURCE_READ_BUFFER (1024 * 1024)
/* Standard input read as it comes: one read(2) takes what the pipe holds,
 * up to this. */
#define FILE_SOURCE_STREAM_BUFFER (64 * 1024)

struct input_file {
	const char *path;
	struct pcap_file *fast;    /* classic pcap, read by pcap_file.c */
	pcap_t *pcap;              /* or libpcap's handle; with fast, only
				    * there to compile the filter */
	struct bpf_program filter; /* fast's BPF filter, when has_filter */
	bool has_filter;
	int linktype;
	uint64_t records;          /* records read so far */
	bool has_pending;          /* the fields below hold the next record */
	bool done;
	uint32_t caplen, wirelen;
	const u_char *data;
	int64_t pending_ts;
	/* Progress: the size to measure against (0 when unknown: standard
	 * input), and how far reading has got - the compressed offset of a
	 * gzip file whose uncompressed size is unknown, the reader's offset of
	 * a classic pcap, else the records' bytes (headers estimated). */
	uint64_t size;
	gzFile gz;
	uint64_t approx_consumed;
};

struct file_source {
	struct input_file *files;
	size_t count;
	size_t max_record;
	char *errors[FILE_SOURCE_MAX_ERRORS];
	size_t error_count;
	uint64_t total_bytes;           /* 0 when some input's size is unknown */
	_Atomic uint64_t done_bytes;    /* published by the reader thread */
};

static void add_error(struct file_source *fs, const char *line)
{
	if (fs->error_count < FILE_SOURCE_MAX_ERRORS)
		fs->errors[fs->error_count++] = xstrdup(line);
}

/* RFC 1952 2.3.1: a gzip member starts with 0x1f 0x8b.  No pcap or pcapng
 * magic starts with 0x1f, so the first byte is enough to tell. */
#define GZIP_FIRST_BYTE 0x1f

static ssize_t gz_cookie_read(void *cookie, char *buf, size_t size)
{
	int n = gzread((gzFile)cookie, buf, size > INT32_MAX ? INT32_MAX : (unsigned)size);
	return n < 0 ? -1 : n;
}

static int gz_cookie_close(void *cookie)
{
	return gzclose((gzFile)cookie) == Z_OK ? 0 : EOF;
}

static FILE *gz_stream(gzFile gz)
{
	cookie_io_functions_t io = { .read = gz_cookie_read, .close = gz_cookie_close };
	FILE *f = fopencookie(gz, "rb", io);
	if (!f)
		gzclose(gz);
	return f;
}

/* The first byte of fd without taking it - a pipe's through tee(2), a
 * file's through pread(2), a socket's through MSG_PEEK - waiting for it if
 * need be: -1 when it cannot be peeked, -2 when fd is at its end. */
#define PEEK_UNKNOWN (-1)
#define PEEK_END (-2)
static int peek_first_byte(int fd)
{
	struct stat st;
	uint8_t b;
	if (fstat(fd, &st) != 0)
		return PEEK_UNKNOWN;
	if (S_ISREG(st.st_mode)) {
		off_t at = lseek(fd, 0, SEEK_CUR);
		ssize_t n = at < 0 ? -1 : pread(fd, &b, 1, at);
		return n == 1 ? b : n == 0 ? PEEK_END : PEEK_UNKNOWN;
	}
	if (S_ISSOCK(st.st_mode)) {
		ssize_t n;
		while ((n = recv(fd, &b, 1, MSG_PEEK)) < 0 && errno == EINTR)
			;
		return n == 1 ? b : n == 0 ? PEEK_END : PEEK_UNKNOWN;
	}
	if (!S_ISFIFO(st.st_mode))
		return PEEK_UNKNOWN;
	int scratch[2];
	if (pipe(scratch) != 0)
		return PEEK_UNKNOWN;
	ssize_t n;
	while ((n = tee(fd, scratch[1], 1, 0)) < 0 && errno == EINTR)
		;
	int r = n == 0 ? PEEK_END : PEEK_UNKNOWN;
	if (n == 1 && read(scratch[0], &b, 1) == 1)
		r = b;
	close(scratch[0]);
	close(scratch[1]);
	return r;
}

/* Standard input that is not gzip: its first bytes (read already, to tell
 * the format), then read(2) as it comes.  One read per call, whatever it
 * gives: stdio then hands each record on as soon as it is whole, where a
 * full-buffer read would hold a slow pipe's packets back (a capture piped
 * from tcpdump -U or over ssh). */
struct fd_stream {
	int fd;
	uint8_t head[PCAP_FILE_HEADER_LEN];
	size_t len, pos;
};

static ssize_t fd_stream_read(void *cookie, char *buf, size_t size)
{
	struct fd_stream *s = cookie;
	if (s->pos < s->len) {
		size_t n = s->len - s->pos < size ? s->len - s->pos : size;
		memcpy(buf, s->head + s->pos, n);
		s->pos += n;
		return (ssize_t)n;
	}
	ssize_t n;
	while ((n = read(s->fd, buf, size)) < 0 && errno == EINTR)
		;
	return n;
}

static int fd_stream_close(void *cookie)
{
	struct fd_stream *s = cookie;
	int rc = close(s->fd);
	free(s);
	return rc;
}

/* Reads the first PCAP_FILE_HEADER_LEN bytes of fd (fewer at its end) into
 * head and returns a stream that starts with them. */
static FILE *fd_stream_open(int fd, uint8_t *head, size_t *head_len)
{
	struct fd_stream *s = xcalloc(1, sizeof(*s));
	s->fd = fd;
	while (s->len < PCAP_FILE_HEADER_LEN) {
		ssize_t n = read(fd, s->head + s->len, PCAP_FILE_HEADER_LEN - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		s->len += (size_t)n;
	}
	memcpy(head, s->head, s->len);
	*head_len = s->len;
	cookie_io_functions_t io = { .read = fd_stream_read, .close = fd_stream_close };
	FILE *f = fopencookie(s, "rb", io);
	if (!f)
		free(s);
	return f;
}

/* Opens path ("-" = standard input) as a FILE*, decompressing it on the fly
 * when it is gzip-compressed (captures are often handed over as .pcap.gz).
 * *size_out gets the size progress is measured against (0 when unknown:
 * standard input, anything but a regular file): the file's, or a gzip
 * file's uncompressed size; *gz_out the gzip handle when only its
 * compressed offset can tell progress.  *streaming is set for standard
 * input read as it comes (see fd_stream), with its first bytes in head. */
static FILE *open_capture_stream(const char *path, gzFile *gz_out, uint64_t *size_out,
				 bool *streaming, uint8_t *head, size_t *head_len,
				 char *errbuf, size_t errlen)
{
	*gz_out = NULL;
	*size_out = 0;
	*streaming = false;
	if (strcmp(path, "-") == 0) {
		int fd = dup(STDIN_FILENO);
		int first = fd >= 0 ? peek_first_byte(fd) : PEEK_UNKNOWN;
		if (first == PEEK_END) {
			close(fd);
			snprintf(errbuf, errlen, "standard input: empty, not a capture");
			return NULL;
		}
		if (first >= 0 && first != GZIP_FIRST_BYTE) {
			FILE *f = fd_stream_open(fd, head, head_len);
			if (!f) {
				close(fd);
				snprintf(errbuf, errlen, "standard input: cannot read");
			}
			*streaming = f != NULL;
			return f;
		}
		/* gzip, or a terminal or device that cannot be peeked: zlib
		 * passes data that is not gzip through unchanged. */
		gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
		FILE *f = gz ? gz_stream(gz) : NULL;
		if (!f) {
			if (!gz && fd >= 0)
				close(fd);
			snprintf(errbuf, errlen, "standard input: cannot read");
		}
		return f;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
		*size_out = (uint64_t)st.st_size;
	int c = getc(f);
	if (c != GZIP_FIRST_BYTE) {
		if (c == EOF) {
			snprintf(errbuf, errlen, "%s: empty file, not a capture", path);
			fclose(f);
			return NULL;
		}
		ungetc(c, f);
		return f;
	}
	/* RFC 1952 2.3.1: a member ends with ISIZE, its uncompressed size
	 * modulo 2^32.  Smaller than the compressed file means it wrapped (or
	 * several members): then progress goes by the compressed offset. */
	uint64_t compressed = *size_out, isize = 0;
	uint8_t tail[4];
	if (fseek(f, -4, SEEK_END) == 0 && fread(tail, 1, 4, f) == 4)
		isize = (uint64_t)tail[0] | (uint64_t)tail[1] << 8 | (uint64_t)tail[2] << 16 |
			(uint64_t)tail[3] << 24;
	fclose(f);
	gzFile gz = gzopen(path, "rb");
	f = gz ? gz_stream(gz) : NULL;
	if (!f) {
		snprintf(errbuf, errlen, "%s: cannot read gzip data", path);
		return NULL;
	}
	if (compressed && isize >= compressed)
		*size_out = isize; /* measured by the uncompressed offset */
	else
		*gz_out = gz;
	return f;
}

/* The bytes pcap_file_open() read from a stream it did not take, served
 * again before the rest of the stream: libpcap then sees the whole file. */
struct prefixed {
	FILE *under;
	uint8_t bytes[PCAP_FILE_HEADER_LEN];
	size_t len, pos;
};

static ssize_t prefixed_read(void *cookie, char *buf, size_t size)
{
	struct prefixed *p = cookie;
	size_t n = 0;
	if (p->pos < p->len) {
		n = p->len - p->pos < size ? p->len - p->pos : size;
		memcpy(buf, p->bytes + p->pos, n);
		p->pos += n;
	}
	if (n < size) {
		n += fread(buf + n, 1, size - n, p->under);
		if (n == 0 && ferror(p->under))
			return -1;
	}
	return (ssize_t)n;
}

static int prefixed_close(void *cookie)
{
	struct prefixed *p = cookie;
	int rc = fclose(p->under);
	free(p);
	return rc;
}

static FILE *prefixed_stream(FILE *under, const uint8_t *bytes, size_t len)
{
	struct prefixed *p = xcalloc(1, sizeof(*p));
	p->under = under;
	memcpy(p->bytes, bytes, len);
	p->len = len;
	cookie_io_functions_t io = { .read = prefixed_read, .close = prefixed_close };
	FILE *f = fopencookie(p, "rb", io);
	if (!f)
		free(p);
	return f;
}

/* libpcap says "unknown file format" for anything that is not a capture;
 * say it the way a user understands. */
static void describe_open_error(const char *path, const char *pcap_err, char *errbuf,
				size_t errlen)
{
	if (strstr(pcap_err, "unknown file format") || strstr(pcap_err, "bad dump file format"))
		snprintf(errbuf, errlen, "%s: not a pcap or pcapng capture file", path);
	else if (strstr(pcap_err, "different from the type of the first interface"))
		snprintf(errbuf, errlen,
			 "%s: pcapng interfaces of different link types cannot be read through libpcap "
			 "(split it per interface, e.g. tshark -r FILE -Y frame.interface_id==0 -w PART)",
			 path);
	else if (strstr(pcap_err, "truncated dump file"))
		snprintf(errbuf, errlen, "%s: truncated capture file header", path);
	else
		snprintf(errbuf, errlen, "%s: %s", path, pcap_err);
}

struct file_source *file_source_open(const char *const *paths, size_t count,
				     const char *bpf, char *errbuf, size_t errlen)
{
	struct file_source *fs = xcalloc(1, sizeof(*fs));
	fs->files = xcalloc(count ? count : 1, sizeof(*fs->files));
	fs->count = count;
	for (size_t i = 0; i < count; i++) {
		struct input_file *in = &fs->files[i];
		char pcap_err[PCAP_ERRBUF_SIZE] = "";
		in->path = paths[i];
		bool streaming;
		uint8_t head[PCAP_FILE_HEADER_LEN];
		size_t head_len = 0;
		FILE *stream = open_capture_stream(paths[i], &in->gz, &in->size, &streaming, head,
						   &head_len, errbuf, errlen);
		if (!stream)
			goto fail;
		setvbuf(stream, NULL, _IOFBF,
			streaming ? FILE_SOURCE_STREAM_BUFFER : FILE_SOURCE_READ_BUFFER);
		uint8_t prefix[PCAP_FILE_HEADER_LEN];
		size_t prefix_len;
		/* Streaming, what this reader does not take goes to libpcap
		 * whole (the stream starts with the head again), and what it
		 * takes is read a record at a time. */
		in->fast = !streaming || pcap_file_takes(head, head_len)
				   ? pcap_file_open(stream, streaming ? 1 : 0, prefix, &prefix_len)
				   : NULL;
		if (streaming && !in->fast) {
			in->pcap = pcap_fopen_offline_with_tstamp_precision(
				stream, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
			if (!in->pcap) {
				fclose(stream);
				describe_open_error("standard input", pcap_err, errbuf, errlen);
				goto fail;
			}
			in->linktype = pcap_datalink(in->pcap);
		} else if (in->fast) {
			in->linktype = pcap_file_linktype(in->fast);
			/* A handle without a file, to compile the filter for
			 * this link type. */
			in->pcap = pcap_open_dead_with_tstamp_precision(
				in->linktype, (int)pcap_file_snaplen(in->fast),
				PCAP_TSTAMP_PRECISION_NANO);
			if (!in->pcap) {
				snprintf(errbuf, errlen, "%s: out of memory", paths[i]);
				goto fail;
			}
		} else {
			FILE *whole = prefixed_stream(stream, prefix, prefix_len);
			if (!whole) {
				fclose(stream);
				snprintf(errbuf, errlen, "%s: cannot read", paths[i]);
				goto fail;
			}
			setvbuf(whole, NULL, _IOFBF, FILE_SOURCE_READ_BUFFER);
			/* libpcap owns the stream from here: pcap_close()
			 * closes it. */
			in->pcap = pcap_fopen_offline_with_tstamp_precision(
				whole, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
			if (!in->pcap) {
				fclose(whole);
				describe_open_error(strcmp(paths[i], "-") ? paths[i]
									 : "standard input",
						    pcap_err, errbuf, errlen);
				goto fail;
			}
			in->linktype = pcap_datalink(in->pcap);
		}
		int snaplen = pcap_snapshot(in->pcap);
		if (snaplen > 0 && (size_t)snaplen > fs->max_record)
			fs->max_record = (size_t)snaplen;
		if (bpf && *bpf) {
			struct bpf_program prog;
			if (pcap_compile(in->pcap, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
				snprintf(errbuf, errlen, "bad filter '%s': %s", bpf,
					 pcap_geterr(in->pcap));
				goto fail;
			}
			if (in->fast) {
				in->filter = prog;
				in->has_filter = true;
				continue;
			}
			int rc = pcap_setfilter(in->pcap, &prog);
			pcap_freecode(&prog);
			if (rc < 0) {
				snprintf(errbuf, errlen, "%s: cannot apply filter: %s", paths[i],
					 pcap_geterr(in->pcap));
				goto fail;
			}
		}
	}
	fs->total_bytes = 0;
	for (size_t i = 0; i < count; i++) {
		if (!fs->files[i].size) {
			fs->total_bytes = 0;
			break;
		}
		fs->total_bytes += fs->files[i].size;
	}
	/* libpcap caps snaplen at 262144; a file may claim less and still
	 * hold larger records, so allow the maximum. */
	if (fs->max_record < 262144)
		fs->max_record = 262144;
	return fs;
fail:
	file_source_free(fs);
	return NULL;
}

void file_source_free(struct file_source *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->count; i++) {
		struct input_file *in = &fs->files[i];
		if (in->has_filter)
			pcap_freecode(&in->filter);
		if (in->pcap)
			pcap_close(in->pcap);
		pcap_file_close(in->fast);
	}
	for (size_t i = 0; i < fs->error_count; i++)
		free(fs->errors[i]);
	free(fs->files);
	free(fs);
}

size_t file_source_max_record(const struct file_source *fs)
{
	return fs->max_record;
}

/* A file's timestamp in ns since the epoch.  A crafted pcapng (whole-
 * second resolution, huge values) can hold seconds past what int64 ns
 * reach: those are clamped, never overflowed. */
#define TS_SECONDS_MAX (INT64_MAX / 1000000000LL - 1)
static int64_t timestamp_ns(int64_t sec, int64_t ns)
{
	if (sec > TS_SECONDS_MAX)
		return TS_SECONDS_MAX * 1000000000LL;
	if (sec < -TS_SECONDS_MAX)
		return -TS_SECONDS_MAX * 1000000000LL;
	return sec * 1000000000LL + ns;
}

static const char *shown_name(const struct input_file *in)
{
	return strcmp(in->path, "-") ? in->path : "standard input";
}

/* The next record of a classic pcap file that passes its filter, with
 * libpcap's words for how a file can end badly. */
static void advance_fast(struct file_source *fs, struct input_file *in)
{
	struct pcap_file_record rec;
	enum pcap_file_status st;
	while ((st = pcap_file_next(in->fast, &rec)) == PCAP_FILE_RECORD) {
		in->records++;
		if (in->has_filter) {
			struct pcap_pkthdr hdr = { .caplen = rec.caplen, .len = rec.wirelen };
			if (!pcap_offline_filter(&in->filter, &hdr, rec.data))
				continue;
		}
		in->has_pending = true;
		in->caplen = rec.caplen;
		in->wirelen = rec.wirelen;
		in->data = rec.data;
		in->pending_ts = rec.ts_ns;
		return;
	}
	in->done = true;
	char line[1024];
	switch (st) {
	case PCAP_FILE_TRUNCATED:
		snprintf(line, sizeof(line), "%s: truncated at record %llu", shown_name(in),
			 (unsigned long long)in->records + 1);
		break;
	case PCAP_FILE_BAD_LENGTH:
		snprintf(line, sizeof(line),
			 "%s: record %llu: invalid packet capture length %u, bigger than maximum of %u",
			 shown_name(in), (unsigned long long)in->records + 1,
			 pcap_file_bad_length(in->fast), PCAP_FILE_MAX_SNAPLEN);
		break;
	case PCAP_FILE_READ_ERROR:
		snprintf(line, sizeof(line), "%s: read error after record %llu", shown_name(in),
			 (unsigned long long)in->records);
		break;
	default:
		return;
	}
	add_error(fs, line);
}

/* Reads the next record of in into its pending slot. */
static void advance(struct file_source *fs, struct input_file *in)
{
	in->has_pending = false;
	if (in->done)
		return;
	if (in->fast) {
		advance_fast(fs, in);
		return;
	}
	struct pcap_pkthdr *hdr;
	int rc = pcap_next_ex(in->pcap, &hdr, &in->data);
	if (rc == 1) {
		in->records++;
		in->has_pending = true;
		/* A pcap record header, or about a pcapng packet block's. */
		in->approx_consumed += hdr->caplen + 24u;
		in->caplen = hdr->caplen;
		in->wirelen = hdr->len;
		/* Opened with nanosecond precision: tv_usec holds ns. */
		in->pending_ts = timestamp_ns(hdr->ts.tv_sec, hdr->ts.tv_usec);
		return;
	}
	in->done = true;
	if (rc == PCAP_ERROR) {
		const char *err = pcap_geterr(in->pcap);
		char line[1024];
		if (strstr(err, "truncated"))
			snprintf(line, sizeof(line), "%s: truncated at record %llu", shown_name(in),
				 (unsigned long long)in->records + 1);
		else
			snprintf(line, sizeof(line), "%s: %s", shown_name(in), err);
		add_error(fs, line);
	}
}

static void sleep_ns(int64_t ns)
{
	if (ns <= 0)
		return;
	struct timespec ts = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };
	nanosleep(&ts, NULL);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Pushes one frame.  A SIP message over UDP is parsed here, in the ring's
 * copy of the frame, and the result travels with it (sip_early.h): the
 * reader has time to spare, the dissection thread has not. */
static bool push_record(struct ring *ring, const struct ring_record *rec, const uint8_t *data)
{
	struct view payload;
	if (!sip_early_payload(rec->linktype, view_make(data, rec->caplen), &payload) ||
	    !ring_record_fits(ring, rec->caplen, sizeof(struct sip_early)))
		return ring_push_wait(ring, rec, data);
	struct ring_record *slot = ring_reserve_wait(ring, rec, data, sizeof(struct sip_early));
	if (!slot)
		return false;
	size_t offset = (size_t)(payload.p - data);
	sip_early_parse(view_make(ring_record_data(slot) + offset, payload.len),
			ring_record_extra(slot));
	ring_commit(ring, slot);
	return true;
}

/* Records between two progress updates: cheap, and many times a second. */
#define PROGRESS_EVERY 1024

static uint64_t file_position(const struct input_file *in)
{
	uint64_t pos;
	if (in->done)
		return in->size;
	if (in->gz) {
		z_off_t off = gzoffset(in->gz);
		pos = off > 0 ? (uint64_t)off : 0;
	} else if (in->fast) {
		pos = pcap_file_offset(in->fast);
	} else {
		pos = in->approx_consumed;
	}
	return pos < in->size ? pos : in->size;
}

static void publish_progress(struct file_source *fs)
{
	if (!fs->total_bytes)
		return;
	uint64_t done = 0;
	for (size_t i = 0; i < fs->count; i++)
		done += file_position(&fs->files[i]);
	atomic_store_explicit(&fs->done_bytes, done, memory_order_relaxed);
}

void file_source_progress(const struct file_source *fs, uint64_t *done, uint64_t *total)
{
	*total = fs->total_bytes;
	*done = atomic_load_explicit(&((struct file_source *)fs)->done_bytes, memory_order_relaxed);
}

void file_source_run(struct file_source *fs, struct ring *ring, double speed,
		     const volatile int *stop)
{
	unsigned since_progress = 0;
	for (size_t i = 0; i < fs->count; i++)
		advance(fs, &fs->files[i]);
	int64_t first_ts = 0, start_clock = 0;
	bool paced = speed > 0;

	while (!(stop && *stop)) {
		/* The few inputs are merged by a linear pick of the oldest. */
		struct input_file *next = NULL;
		for (size_t i = 0; i < fs->count; i++) {
			struct input_file *in = &fs->files[i];
			if (in->has_pending && (!next || in->pending_ts < next->pending_ts))
				next = in;
		}
		if (!next)
			break;
		if (paced) {
			if (!start_clock) {
				start_clock = now_ns();
				first_ts = next->pending_ts;
			}
			int64_t due = start_clock + (int64_t)((double)(next->pending_ts - first_ts) / speed);
			sleep_ns(due - now_ns());
		}
		struct ring_record rec = {
			.ts_ns = next->pending_ts,
			.caplen = next->caplen,
			.wirelen = next->wirelen,
			.linktype = next->linktype,
			.source = (uint16_t)(next - fs->files),
		};
		if (!push_record(ring, &rec, next->data))
			break;
		advance(fs, next);
		if (++since_progress == PROGRESS_EVERY || paced) {
			since_progress = 0;
			publish_progress(fs);
		}
	}
	publish_progress(fs);
	ring_finish(ring);
}

size_t file_source_error_count(const struct file_source *fs)
{
	return fs->error_count;
}

const char *file_source_error(const struct file_source *fs, size_t i)
{
	return i < fs->error_count ? fs->errors[i] : NULL;
}

size_t file_source_count(const struct file_source *fs)
{
	return fs->count;
}

const char *file_source_path(const struct file_source *fs, size_t i)
{
	return i < fs->count ? fs->files[i].path : NULL;
}
