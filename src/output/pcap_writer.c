/* pcap_writer.c - the capture-file writer (naming and behaviour in
 * pcap_writer.h).
 *
 * The dissection thread copies each packet into a bounded ring and never
 * waits (unless the input is files: see lossless); the writer thread alone
 * touches files.  It takes the queued packets in batches (one clock reading,
 * one look at the timers and one release of queue space per batch, not per
 * packet) and builds each record straight into its own
 * output buffer, at least as large as the largest record, which goes to
 * the kernel in one write(2) when the next record would not fit: a packet
 * is copied once on each side of the queue, and the kernel is only ever
 * handed whole records, so what a killed process leaves behind ends at a
 * record boundary.  The producer wakes the writer only once a batch's worth
 * is queued (or with -U at every packet); otherwise the writer looks every
 * WRITER_IDLE_WAKE_NS, well within the flush interval.
 *
 * Formats: pcap-savefile(5) in its nanosecond variant, and pcapng
 * (draft-ietf-opsawg-pcapng: SHB 4.1, IDB 4.2, EPB 4.3). */
#include "output/pcap_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/ring.h"
#include "output/writer_io.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

extern char **environ;

/* pcap-savefile(5), nanosecond-resolution variant. */
#define PCAP_MAGIC_NANOSECONDS 0xa1b23c4du
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_FILE_HEADER_BYTES 24
#define PCAP_HEADER_LINKTYPE_OFFSET 20
#define PCAP_RECORD_HEADER_BYTES 16
#define PCAP_RECORD_CAPLEN_OFFSET 8

/* pcapng block types, options and layout. */
#define PCAPNG_BLOCK_SHB 0x0A0D0D0Au
#define PCAPNG_BLOCK_IDB 1u
#define PCAPNG_BLOCK_EPB 6u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define PCAPNG_VERSION_MAJOR 1
#define PCAPNG_VERSION_MINOR 0
#define PCAPNG_SECTION_LENGTH_UNSPECIFIED UINT64_MAX
#define PCAPNG_OPT_ENDOFOPT 0
#define PCAPNG_OPT_SHB_USERAPPL 4
#define PCAPNG_OPT_IF_TSRESOL 9
#define PCAPNG_TSRESOL_NANOSECONDS 9 /* 10^-9 s per timestamp unit */
#define PCAPNG_ALIGN 4
#define PCAPNG_BLOCK_HEADER_BYTES 8  /* type, total length */
#define PCAPNG_BLOCK_TRAILER_BYTES 4 /* total length again */
#define PCAPNG_MIN_BLOCK_BYTES (PCAPNG_BLOCK_HEADER_BYTES + PCAPNG_BLOCK_TRAILER_BYTES)
#define PCAPNG_EPB_FIXED_BYTES 20    /* interface, timestamp high/low, captured, original */
#define PCAPNG_IDB_LINKTYPE_OFFSET 8 /* from the start of the IDB */
#define PCAPNG_USERAPPL "sipmon"

#define LINKTYPE_ETHERNET 1
/* Until a file has seen a packet, it carries this link type (see .h). */
#define WRITER_INITIAL_LINKTYPE LINKTYPE_ETHERNET

/* libpcap rejects records longer than this (its MAXIMUM_SNAPLEN). */
#define PCAP_WRITER_MAX_SNAPLEN 262144
/* Link types in one pcapng file; a capture mixing more is not plausible,
 * and packets of a further type are dropped. */
#define PCAPNG_MAX_INTERFACES 32
/* Output buffer: large enough that a busy link costs few write calls; it is
 * grown to the largest record if the snaplen needs more. */
#define WRITER_BUFFER_BYTES (1024u * 1024u)
/* Packets the writer thread takes from the queue between two looks at its
 * timers: at most a few milliseconds of work. */
#define WRITER_BATCH_PACKETS 4096u
/* The producer wakes a sleeping writer once this much is queued (a
 * fraction of the queue, so the producer never comes near filling it
 * before the writer runs). */
#define WRITER_WAKE_FRACTION 16u
#define NS_PER_SEC 1000000000LL
/* Buffered data reaches the kernel at least this often. */
#define WRITER_FLUSH_INTERVAL_NS NS_PER_SEC
/* How long the idle writer sleeps between checks of the flush, -G and
 * rotation timers (well under the flush interval). */
#define WRITER_IDLE_WAKE_NS (100 * 1000 * 1000LL)
/* A --post-rotate command with any of these is run by /bin/sh. */
#define SHELL_SPECIAL_CHARS " \t\n|&;<>()$`\\\"'*?[]#~=%{}!"
#define POST_ROTATE_SHELL "/bin/sh"
#define POST_ROTATE_STDIN "/dev/null"

/* pcap_writer_request_rotation() stores one from a signal handler. */
_Static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "a signal handler needs a lock-free atomic bool");

enum rotation_reason {
	ROTATE_FIRST,  /* the file opened by pcap_writer_open() */
	ROTATE_SIZE,   /* -C */
	ROTATE_PERIOD, /* -G */
	ROTATE_FORCED, /* SIGUSR1 */
};

struct pcap_writer {
	/* Producer side, touched for every packet. */
	struct ring *queue;
	uint32_t snaplen;
	_Atomic bool rotation_requested;

	/* Read by any thread (stats). */
	struct writer_outcome out;
	_Atomic uint64_t files_opened;
	_Atomic uint64_t files_deleted;

	/* Configuration. */
	char *path;
	char *post_rotate;
	char *post_rotate_script; /* for /bin/sh -c, or NULL to exec directly */
	uint64_t rotate_bytes;
	unsigned ring_files;
	int64_t rotate_ns;
	bool pcapng;
	bool unbuffered;
	bool quiet;
	bool lossless;

	pthread_t thread;
	bool started; /* errors before this go to pcap_writer_open()'s errbuf only */
	bool closed;

	/* The writer thread's own state from here on. */
	int out_fd;               /* -1 when no file is open */
	bool out_seekable;
	bool header_pending;  /* non-seekable output: header waits for the first packet */
	char out_path[PATH_MAX];
	char prev_path[PATH_MAX];
	uint64_t file_bytes;      /* written into the current file or buffered for it */
	uint64_t flushed_bytes;   /* of which the kernel has all (a record boundary) */
	uint64_t pending_packets; /* packets between flushed_bytes and file_bytes */
	uint64_t file_packets;
	int64_t period_started_ns;
	time_t period_started_wall; /* names every file of the -G period */
	int64_t last_flush_ns;
	unsigned name_index;
	int first_linktype;       /* the header's (pcap) or the first IDB's (pcapng) */
	uint64_t first_linktype_offset;
	int if_linktypes[PCAPNG_MAX_INTERFACES];
	unsigned if_count;
	uint8_t *scratch;         /* a file header or IDB being assembled */
	size_t scratch_size;
	uint8_t *buf;             /* file_bytes - flushed_bytes bytes not yet written */
	size_t buf_size;
	char **kept;              /* -W: files made, oldest first */
	unsigned kept_count;
	pid_t *children;          /* --post-rotate commands not reaped yet */
	size_t child_count;
	size_t child_cap;
	bool warned_linktype;
	bool warned_interfaces;
	bool warned_overwrite;
	bool warned_command;
};

/* --- building records ---------------------------------------------------- */

struct block {
	uint8_t *p;
	size_t len;
};

static void put_bytes(struct block *b, const void *src, size_t n)
{
	if (n == 0) /* an empty option's value may be NULL */
		return;
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put_u16(struct block *b, uint16_t v) { put_bytes(b, &v, sizeof(v)); }
static void put_u32(struct block *b, uint32_t v) { put_bytes(b, &v, sizeof(v)); }
static void put_u64(struct block *b, uint64_t v) { put_bytes(b, &v, sizeof(v)); }

static void put_zeros(struct block *b, size_t n)
{
	memset(b->p + b->len, 0, n);
	b->len += n;
}

static size_t pad_to_pcapng_align(size_t n)
{
	return (n + PCAPNG_ALIGN - 1) & ~(size_t)(PCAPNG_ALIGN - 1);
}

static void pcapng_begin(struct block *b, uint32_t type)
{
	b->len = 0;
	put_u32(b, type);
	put_u32(b, 0); /* total length, set by pcapng_end() */
}

static void pcapng_option(struct block *b, uint16_t code, const void *value, uint16_t len)
{
	put_u16(b, code);
	put_u16(b, len);
	put_bytes(b, value, len);
	put_zeros(b, pad_to_pcapng_align(len) - len);
}

static void pcapng_end(struct block *b)
{
	uint32_t total = (uint32_t)(b->len + PCAPNG_BLOCK_TRAILER_BYTES);
	memcpy(b->p + sizeof(uint32_t), &total, sizeof(total));
	put_u32(b, total);
}

static void build_shb(struct block *b)
{
	pcapng_begin(b, PCAPNG_BLOCK_SHB);
	put_u32(b, PCAPNG_BYTE_ORDER_MAGIC);
	put_u16(b, PCAPNG_VERSION_MAJOR);
	put_u16(b, PCAPNG_VERSION_MINOR);
	put_u64(b, PCAPNG_SECTION_LENGTH_UNSPECIFIED);
	pcapng_option(b, PCAPNG_OPT_SHB_USERAPPL, PCAPNG_USERAPPL, sizeof(PCAPNG_USERAPPL) - 1);
	pcapng_option(b, PCAPNG_OPT_ENDOFOPT, NULL, 0);
	pcapng_end(b);
}

static void build_idb(struct block *b, int linktype, uint32_t snaplen)
{
	const uint8_t tsresol = PCAPNG_TSRESOL_NANOSECONDS;
	pcapng_begin(b, PCAPNG_BLOCK_IDB);
	put_u16(b, (uint16_t)linktype);
	put_u16(b, 0); /* reserved */
	put_u32(b, snaplen);
	pcapng_option(b, PCAPNG_OPT_IF_TSRESOL, &tsresol, sizeof(tsresol));
	pcapng_option(b, PCAPNG_OPT_ENDOFOPT, NULL, 0);
	pcapng_end(b);
}

static void build_pcap_header(struct block *b, int linktype, uint32_t snaplen)
{
	b->len = 0;
	put_u32(b, PCAP_MAGIC_NANOSECONDS);
	put_u16(b, PCAP_VERSION_MAJOR);
	put_u16(b, PCAP_VERSION_MINOR);
	put_u32(b, 0); /* thiszone: timestamps are UTC */
	put_u32(b, 0); /* sigfigs */
	put_u32(b, snaplen);
	put_u32(b, (uint32_t)linktype);
}

static uint64_t record_timestamp(int64_t ts_ns)
{
	/* Neither format has a sign for times before 1970. */
	return ts_ns < 0 ? 0 : (uint64_t)ts_ns;
}

static size_t record_bytes(const struct pcap_writer *w, uint32_t caplen)
{
	if (w->pcapng)
		return PCAPNG_BLOCK_HEADER_BYTES + PCAPNG_EPB_FIXED_BYTES + pad_to_pcapng_align(caplen) +
		       PCAPNG_BLOCK_TRAILER_BYTES;
	return PCAP_RECORD_HEADER_BYTES + caplen;
}

/* Builds the record into b, which has room for record_bytes(caplen). */
static void build_record(const struct pcap_writer *w, struct block *b, const struct ring_record *rec,
			 unsigned interface)
{
	uint64_t ts = record_timestamp(rec->ts_ns);
	/* A record never claims fewer original bytes than it holds. */
	uint32_t wirelen = rec->wirelen < rec->caplen ? rec->caplen : rec->wirelen;
	if (w->pcapng) {
		pcapng_begin(b, PCAPNG_BLOCK_EPB);
		put_u32(b, interface);
		put_u32(b, (uint32_t)(ts >> 32));
		put_u32(b, (uint32_t)ts);
		put_u32(b, rec->caplen);
		put_u32(b, wirelen);
		put_bytes(b, ring_record_data(rec), rec->caplen);
		put_zeros(b, pad_to_pcapng_align(rec->caplen) - rec->caplen);
		pcapng_end(b);
		return;
	}
	b->len = 0;
	put_u32(b, (uint32_t)(ts / NS_PER_SEC));
	put_u32(b, (uint32_t)(ts % NS_PER_SEC));
	put_u32(b, rec->caplen);
	put_u32(b, wirelen);
	put_bytes(b, ring_record_data(rec), rec->caplen);
}

static size_t idb_bytes(void)
{
	uint8_t buf[64];
	struct block b = { buf, 0 };
	build_idb(&b, 0, 0);
	return b.len;
}

/* --- errors ---------------------------------------------------------------- */

/* One line on stderr, unless the TUI owns the terminal (config.quiet). */
__attribute__((format(printf, 2, 3)))
static void writer_warn(const struct pcap_writer *w, const char *fmt, ...)
{
	if (w->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("sipmon: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* "WHAT PATH: REASON" in one line of cap bytes; a path too long for it
 * keeps its end, where the file name is. */
static void describe_error(char *buf, size_t cap, const char *what, const char *path, const char *reason)
{
	static const char elision[] = "...";
	size_t fixed = strlen(what) + strlen(" : ") + strlen(reason) + 1;
	size_t room = cap > fixed ? cap - fixed : 0;
	size_t len = strlen(path);
	const char *prefix = "";
	if (len > room && room > sizeof(elision)) {
		prefix = elision;
		path += len - (room - (sizeof(elision) - 1));
	}
	if (snprintf(buf, cap, "%s %s%s: %s", what, prefix, path, reason) >= (int)cap) {
		/* Still too long (a very long reason): cut, it is one line anyway. */
	}
}

static void count_write_drops(struct pcap_writer *w, uint64_t n)
{
	atomic_fetch_add_explicit(&w->out.write_drops, n, memory_order_relaxed);
}

/* Writing stops for good: one message, kept for the stats and printed once. */
static void fail_writing(struct pcap_writer *w, const char *message)
{
	/* Before the thread starts, pcap_writer_open() returns it in errbuf. */
	writer_fail(&w->out, message, w->started && !w->quiet, "packets");
}

/* The offset, at most end, where the run of whole records beginning at
 * start (a record boundary) stops; counts the packets in that run.  Only our
 * own bytes are read: each length field reached the file before the error. */
static uint64_t complete_records_end(const struct pcap_writer *w, int fd, uint64_t start, uint64_t end,
				     uint64_t *packets)
{
	uint64_t pos = start;
	size_t header_len = w->pcapng ? PCAPNG_BLOCK_HEADER_BYTES : PCAP_RECORD_HEADER_BYTES;
	for (;;) {
		uint8_t header[PCAP_RECORD_HEADER_BYTES];
		if (end - pos < header_len || pread(fd, header, header_len, (off_t)pos) != (ssize_t)header_len)
			break;
		uint32_t type = 0, field;
		uint64_t len;
		if (w->pcapng) {
			memcpy(&type, header, sizeof(type));
			memcpy(&field, header + sizeof(type), sizeof(field));
			if (field < PCAPNG_MIN_BLOCK_BYTES || field % PCAPNG_ALIGN)
				break;
			len = field;
		} else {
			memcpy(&field, header + PCAP_RECORD_CAPLEN_OFFSET, sizeof(field));
			len = (uint64_t)PCAP_RECORD_HEADER_BYTES + field;
		}
		if (end - pos < len)
			break;
		pos += len;
		if (!w->pcapng || type == PCAPNG_BLOCK_EPB)
			(*packets)++;
	}
	return pos;
}

static void run_post_rotate(struct pcap_writer *w, const char *path);

/* A write failed (ENOSPC, EFBIG, EIO): cut the file back to its last whole
 * record, close it, and stop writing.  What is still buffered is
 * discarded. */
static void abandon_file(struct pcap_writer *w, int err)
{
	uint64_t keep = w->flushed_bytes, kept_packets = 0;
	struct stat st;
	if (w->out_seekable && fstat(w->out_fd, &st) == 0 && (uint64_t)st.st_size > keep) {
		int rfd = open(w->out_path, O_RDONLY | O_CLOEXEC);
		if (rfd >= 0) {
			keep = complete_records_end(w, rfd, keep, (uint64_t)st.st_size, &kept_packets);
			close(rfd);
		}
	}
	bool cut_back = w->out_seekable && ftruncate(w->out_fd, (off_t)keep) == 0;
	close(w->out_fd);
	w->out_fd = -1;
	atomic_fetch_add(&w->out.written, kept_packets);
	atomic_fetch_add(&w->out.bytes, keep - w->flushed_bytes);
	count_write_drops(w, w->pending_packets - kept_packets);
	w->pending_packets = 0;

	char message[PCAP_WRITER_ERROR_LEN], reason[PCAP_WRITER_ERROR_LEN];
	bool has_header = w->flushed_bytes > 0;
	snprintf(reason, sizeof(reason), "%s%s", strerror(err),
		 !cut_back ? " (the last record may be cut short)" :
		 has_header ? "" : " (file removed)");
	describe_error(message, sizeof(message), "writing", w->out_path, reason);
	if (w->out_seekable && !has_header)
		unlink(w->out_path); /* not even a file header: nothing to keep */
	fail_writing(w, message);
	if (w->out_seekable && has_header)
		run_post_rotate(w, w->out_path);
}

/* --- writing --------------------------------------------------------------- */

/* Hands the buffered records to the kernel. */
static bool flush_output(struct pcap_writer *w, int64_t now)
{
	w->last_flush_ns = now;
	if (w->out_fd < 0 || w->file_bytes == w->flushed_bytes)
		return true;
	if (!writer_write_all(w->out_fd, w->buf, (size_t)(w->file_bytes - w->flushed_bytes))) {
		abandon_file(w, errno ? errno : EIO);
		return false;
	}
	atomic_fetch_add(&w->out.written, w->pending_packets);
	atomic_fetch_add(&w->out.bytes, w->file_bytes - w->flushed_bytes);
	w->flushed_bytes = w->file_bytes;
	w->pending_packets = 0;
	return true;
}

/* Room for a whole record of len bytes at the end of the buffer (flushing
 * first when it would not fit, so no write(2) ever ends inside a record);
 * NULL when the flush failed. */
static uint8_t *reserve(struct pcap_writer *w, size_t len)
{
	if (w->file_bytes - w->flushed_bytes + len > w->buf_size && !flush_output(w, time_monotonic_ns()))
		return NULL;
	return w->buf + (w->file_bytes - w->flushed_bytes);
}

/* Appends one whole block (file header, IDB) to the buffer. */
static bool emit(struct pcap_writer *w, const struct block *b, unsigned packets)
{
	uint8_t *dst = reserve(w, b->len);
	if (!dst)
		return false;
	memcpy(dst, b->p, b->len);
	w->file_bytes += b->len;
	w->pending_packets += packets;
	return true;
}

static bool add_interface(struct pcap_writer *w, int linktype)
{
	struct block b = { w->scratch, 0 };
	build_idb(&b, linktype, w->snaplen);
	if (w->if_count == 0)
		w->first_linktype_offset = w->file_bytes + PCAPNG_IDB_LINKTYPE_OFFSET;
	if (!emit(w, &b, 0))
		return false;
	w->if_linktypes[w->if_count++] = linktype;
	return true;
}

/* The file header, flushed at once so that even an empty file is a valid
 * capture. */
static bool write_file_header(struct pcap_writer *w, int linktype)
{
	struct block b = { w->scratch, 0 };
	w->header_pending = false;
	w->first_linktype = linktype;
	w->if_count = 0;
	if (w->pcapng) {
		build_shb(&b);
		if (!emit(w, &b, 0) || !add_interface(w, linktype))
			return false;
	} else {
		build_pcap_header(&b, linktype, w->snaplen);
		w->first_linktype_offset = PCAP_HEADER_LINKTYPE_OFFSET;
		if (!emit(w, &b, 0))
			return false;
	}
	return flush_output(w, time_monotonic_ns());
}

/* The file holds no packet yet: its header takes this packet's link type. */
static bool adopt_first_linktype(struct pcap_writer *w, int linktype)
{
	if (w->header_pending) {
		w->first_linktype = linktype;
		return true;
	}
	if (!flush_output(w, time_monotonic_ns()))
		return false;
	struct block b = { w->scratch, 0 };
	if (w->pcapng)
		put_u16(&b, (uint16_t)linktype);
	else
		put_u32(&b, (uint32_t)linktype);
	errno = 0;
	if (pwrite(w->out_fd, b.p, b.len, (off_t)w->first_linktype_offset) != (ssize_t)b.len) {
		abandon_file(w, errno ? errno : EIO);
		return false;
	}
	w->first_linktype = linktype;
	if (w->pcapng)
		w->if_linktypes[0] = linktype;
	return true;
}

/* --- files and names --------------------------------------------------------- */

static unsigned decimal_digits(unsigned n)
{
	unsigned digits = 0;
	for (; n; n /= 10)
		digits++;
	return digits;
}

/* tcpdump numbers files when -C is given, and (our choice) when neither
 * -C nor -G gives them a distinct name, i.e. for forced rotations. */
static bool files_are_numbered(const struct pcap_writer *w)
{
	return w->rotate_bytes || !w->rotate_ns;
}

static bool make_file_name(const struct pcap_writer *w, char *out, size_t cap)
{
	char expanded[PATH_MAX];
	const char *base = w->path;
	if (w->rotate_ns) {
		struct tm tm;
		localtime_r(&w->period_started_wall, &tm);
		/* The pattern is the user's -O argument, as with tcpdump -G. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		size_t n = strftime(expanded, sizeof(expanded), w->path, &tm);
#pragma GCC diagnostic pop
		if (n == 0)
			return false;
		base = expanded;
	}
	unsigned width = w->ring_files ? decimal_digits(w->ring_files - 1) : 0;
	int n;
	if (!files_are_numbered(w) || (w->name_index == 0 && width == 0))
		n = snprintf(out, cap, "%s", base);
	else
		n = snprintf(out, cap, "%s%0*u", base, (int)width, w->name_index);
	return n >= 0 && (size_t)n < cap;
}

static void delete_file(struct pcap_writer *w, const char *path)
{
	if (unlink(path) == 0)
		atomic_fetch_add(&w->files_deleted, 1);
}

static void forget_kept(struct pcap_writer *w, unsigned i)
{
	free(w->kept[i]);
	memmove(&w->kept[i], &w->kept[i + 1], (w->kept_count - i - 1) * sizeof(w->kept[0]));
	w->kept_count--;
}

/* -W: before the next file exists, at most N-1 of ours may.  A name about to
 * be reused is deleted rather than truncated, so that a command still
 * reading the old file (--post-rotate) keeps a whole one. */
static void make_room_for(struct pcap_writer *w, const char *name)
{
	if (!w->ring_files)
		return;
	for (unsigned i = 0; i < w->kept_count; i++) {
		if (strcmp(w->kept[i], name) == 0) {
			delete_file(w, w->kept[i]);
			forget_kept(w, i);
			break;
		}
	}
	while (w->kept_count >= w->ring_files) {
		delete_file(w, w->kept[0]);
		forget_kept(w, 0);
	}
}

static bool create_file(struct pcap_writer *w, const char *name, char *err, size_t errlen)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		describe_error(err, errlen, "cannot create", name, strerror(errno));
		return false;
	}
	struct stat st;
	w->out_fd = fd;
	w->out_seekable = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	snprintf(w->out_path, sizeof(w->out_path), "%s", name);
	w->file_bytes = w->flushed_bytes = 0;
	w->pending_packets = 0;
	w->file_packets = 0;
	atomic_fetch_add(&w->files_opened, 1);
	if (w->ring_files)
		w->kept[w->kept_count++] = xstrdup(name);
	/* A pipe cannot have its header patched later: it waits for the first
	 * packet's link type instead. */
	w->header_pending = !w->out_seekable;
	if (w->header_pending) {
		w->if_count = 0;
		return true;
	}
	if (!write_file_header(w, w->first_linktype)) {
		snprintf(err, errlen, "%s", w->out.error[0] ? w->out.error : "cannot write the file header");
		return false;
	}
	return true;
}

/* Opens the next file of the sequence; err gets one line on failure. */
static bool open_next_file(struct pcap_writer *w, enum rotation_reason reason, char *err, size_t errlen)
{
	bool new_period = reason == ROTATE_FIRST || reason == ROTATE_PERIOD ||
			  (reason == ROTATE_FORCED && !files_are_numbered(w));
	if (new_period) {
		w->name_index = 0;
		w->period_started_ns = time_monotonic_ns();
		w->period_started_wall = time(NULL);
	} else if (++w->name_index == w->ring_files) {
		w->name_index = 0;
	}
	char name[PATH_MAX];
	if (!make_file_name(w, name, sizeof(name))) {
		snprintf(err, errlen, "the file name from '%s' is too long or empty", w->path);
		return false;
	}
	if (reason != ROTATE_FIRST && !files_are_numbered(w) && strcmp(name, w->prev_path) == 0 &&
	    !w->warned_overwrite) {
		w->warned_overwrite = true;
		writer_warn(w, "%s is written again, losing the file before: "
			    "give -O a finer strftime pattern than the -G period", name);
	}
	make_room_for(w, name);
	return create_file(w, name, err, errlen);
}

/* Closes the current file whole; false when that failed (writing stopped). */
static bool close_current_file(struct pcap_writer *w)
{
	if (w->out_fd < 0)
		return true;
	if (w->header_pending && !write_file_header(w, w->first_linktype))
		return false;
	if (!flush_output(w, time_monotonic_ns()))
		return false;
	int fd = w->out_fd;
	w->out_fd = -1;
	if (close(fd) != 0) {
		char message[PCAP_WRITER_ERROR_LEN];
		describe_error(message, sizeof(message), "closing", w->out_path, strerror(errno));
		fail_writing(w, message);
		return false;
	}
	snprintf(w->prev_path, sizeof(w->prev_path), "%s", w->out_path);
	run_post_rotate(w, w->out_path);
	return true;
}

static bool rotate(struct pcap_writer *w, enum rotation_reason reason)
{
	char err[PCAP_WRITER_ERROR_LEN];
	if (!close_current_file(w))
		return false;
	if (!open_next_file(w, reason, err, sizeof(err))) {
		fail_writing(w, err);
		return false;
	}
	return true;
}

/* --- post-rotate commands ------------------------------------------------------ */

static void run_post_rotate(struct pcap_writer *w, const char *path)
{
	if (!w->post_rotate)
		return;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t actions;
	sigset_t none, defaults;
	sigemptyset(&none);
	/* The writer thread blocks every signal, and the process ignores these
	 * two: the command starts with neither. */
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGXFSZ);
	sigaddset(&defaults, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	/* Not the terminal the TUI is reading. */
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, POST_ROTATE_STDIN, O_RDONLY, 0);

	pid_t pid;
	int err;
	if (w->post_rotate_script) {
		char *argv[] = { "sh", "-c", w->post_rotate_script, "sh", (char *)path, NULL };
		err = posix_spawn(&pid, POST_ROTATE_SHELL, &actions, &attr, argv, environ);
	} else {
		char *argv[] = { w->post_rotate, (char *)path, NULL };
		err = posix_spawnp(&pid, w->post_rotate, &actions, &attr, argv, environ);
	}
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	if (err) {
		if (!w->warned_command) {
			w->warned_command = true;
			writer_warn(w, "--post-rotate %s: %s", w->post_rotate, strerror(err));
		}
		return;
	}
	if (w->child_count == w->child_cap) {
		w->child_cap = w->child_cap ? 2 * w->child_cap : 4;
		w->children = xrealloc(w->children, w->child_cap * sizeof(w->children[0]));
	}
	w->children[w->child_count++] = pid;
}

/* Collects finished commands without waiting for running ones.  Only our own
 * children are waited for, never any other part of the program's. */
static void reap_children(struct pcap_writer *w)
{
	for (size_t i = 0; i < w->child_count;) {
		int status;
		pid_t r = waitpid(w->children[i], &status, WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR)) {
			i++;
			continue;
		}
		if (r > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0) && !w->warned_command) {
			w->warned_command = true;
			writer_warn(w, "--post-rotate %s failed (%s %d)", w->post_rotate,
				    WIFEXITED(status) ? "exit status" : "signal",
				    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		}
		w->children[i] = w->children[--w->child_count];
	}
}

/* --- the writer thread ------------------------------------------------------- */

static bool interface_for(const struct pcap_writer *w, int linktype, unsigned *id)
{
	for (unsigned i = 0; i < w->if_count; i++) {
		if (w->if_linktypes[i] == linktype) {
			*id = i;
			return true;
		}
	}
	return false;
}

static void write_packet(struct pcap_writer *w, const struct ring_record *rec)
{
	if (atomic_load(&w->out.failed)) {
		count_write_drops(w, 1);
		return;
	}
	char err[PCAP_WRITER_ERROR_LEN];
	if (w->out_fd < 0 && !open_next_file(w, ROTATE_PERIOD, err, sizeof(err))) {
		/* The previous -G period's file was closed; this one cannot be made. */
		fail_writing(w, err);
		count_write_drops(w, 1);
		return;
	}
	int linktype = rec->linktype;
	if (w->file_packets == 0 && linktype != w->first_linktype && !adopt_first_linktype(w, linktype)) {
		count_write_drops(w, 1);
		return;
	}
	unsigned interface = 0;
	bool known = w->pcapng ? interface_for(w, linktype, &interface) || w->header_pending
			       : linktype == w->first_linktype;
	if (!w->pcapng && !known) {
		if (!w->warned_linktype) {
			w->warned_linktype = true;
			writer_warn(w, "%s: dropping packets of link type %d: a pcap file holds "
				    "one link type (%d); use --pcapng to keep them",
				    w->out_path, linktype, w->first_linktype);
		}
		count_write_drops(w, 1);
		return;
	}
	if (!known && w->if_count == PCAPNG_MAX_INTERFACES) {
		if (!w->warned_interfaces) {
			w->warned_interfaces = true;
			writer_warn(w, "%s: more than %d link types in one file; dropping link type %d",
				    w->out_path, PCAPNG_MAX_INTERFACES, linktype);
		}
		count_write_drops(w, 1);
		return;
	}
	size_t need = record_bytes(w, rec->caplen) + (known ? 0 : idb_bytes());
	if (w->rotate_bytes && w->file_packets > 0 && w->file_bytes + need > w->rotate_bytes) {
		if (!rotate(w, ROTATE_SIZE)) {
			count_write_drops(w, 1);
			return;
		}
	}
	if (w->header_pending && !write_file_header(w, linktype)) {
		count_write_drops(w, 1);
		return;
	}
	if (w->pcapng && !interface_for(w, linktype, &interface)) {
		if (!add_interface(w, linktype)) {
			count_write_drops(w, 1);
			return;
		}
		interface = w->if_count - 1;
	}
	size_t len = record_bytes(w, rec->caplen);
	struct block b = { reserve(w, len), 0 };
	if (!b.p) {
		count_write_drops(w, 1);
		return;
	}
	build_record(w, &b, rec, interface);
	w->file_bytes += len;
	w->pending_packets++;
	w->file_packets++;
	if (w->unbuffered)
		flush_output(w, time_monotonic_ns());
}

/* Timers and requests, checked between packets and while idle. */
static void housekeeping(struct pcap_writer *w, int64_t now)
{
	if (w->out_fd >= 0 && w->rotate_ns && now - w->period_started_ns >= w->rotate_ns) {
		/* The period is over: close now; the next packet opens the next
		 * period's file. */
		close_current_file(w);
	}
	if (atomic_exchange(&w->rotation_requested, false) && w->out_fd >= 0)
		rotate(w, ROTATE_FORCED);
	if (now - w->last_flush_ns >= WRITER_FLUSH_INTERVAL_NS) {
		flush_output(w, now);
		reap_children(w);
	}
}

static void *writer_thread(void *arg)
{
	struct pcap_writer *w = arg;
	struct ring *const rings[1] = { w->queue };
	pthread_setname_np(pthread_self(), "sipmon-writer");
	for (;;) {
		housekeeping(w, time_monotonic_ns());
		unsigned n = 0;
		struct ring_cursor cur;
		ring_cursor_start(w->queue, &cur);
		for (const struct ring_record *rec; n < WRITER_BATCH_PACKETS && (rec = ring_cursor_next(w->queue, &cur)); n++)
			write_packet(w, rec);
		ring_release(w->queue, &cur);
		if (n)
			continue;
		if (ring_finished(w->queue))
			break;
		ring_wait_any(rings, 1, WRITER_IDLE_WAKE_NS);
	}
	close_current_file(w);
	reap_children(w);
	return NULL;
}

/* --- the public interface ---------------------------------------------------- */

static void writer_free_memory(struct pcap_writer *w)
{
	for (unsigned i = 0; i < w->kept_count; i++)
		free(w->kept[i]);
	free(w->kept);
	free(w->children);
	free(w->scratch);
	free(w->buf);
	free(w->path);
	free(w->post_rotate);
	free(w->post_rotate_script);
	ring_free(w->queue);
	free(w);
}

static void ignore_sigxfsz(void)
{
	/* A file-size limit must show as EFBIG, not kill the program. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGXFSZ, &sa, NULL);
}

struct pcap_writer *pcap_writer_open(const struct pcap_writer_config *cfg, char *errbuf, size_t errlen)
{
	if (!cfg->path || !cfg->path[0]) {
		snprintf(errbuf, errlen, "no capture file name");
		return NULL;
	}
	ignore_sigxfsz();
	tzset(); /* localtime_r() in the writer thread needs the zone loaded */

	struct pcap_writer *w = xcalloc(1, sizeof(*w));
	w->out_fd = -1;
	w->snaplen = cfg->snaplen <= 0 ? PCAP_WRITER_DEFAULT_SNAPLEN
		   : cfg->snaplen > PCAP_WRITER_MAX_SNAPLEN ? PCAP_WRITER_MAX_SNAPLEN
		   : (uint32_t)cfg->snaplen;
	w->path = xstrdup(cfg->path);
	w->rotate_bytes = cfg->rotate_bytes;
	w->ring_files = cfg->ring_files;
	w->rotate_ns = (int64_t)cfg->rotate_seconds * NS_PER_SEC;
	w->pcapng = cfg->pcapng;
	w->unbuffered = cfg->unbuffered;
	w->quiet = cfg->quiet;
	w->lossless = cfg->lossless;
	w->out.on_error = cfg->on_error;
	w->first_linktype = WRITER_INITIAL_LINKTYPE;
	if (cfg->post_rotate && cfg->post_rotate[0]) {
		w->post_rotate = xstrdup(cfg->post_rotate);
		if (strpbrk(cfg->post_rotate, SHELL_SPECIAL_CHARS)) {
			static const char path_argument[] = " \"$1\"";
			size_t n = strlen(cfg->post_rotate);
			w->post_rotate_script = xmalloc(n + sizeof(path_argument));
			memcpy(w->post_rotate_script, cfg->post_rotate, n);
			memcpy(w->post_rotate_script + n, path_argument, sizeof(path_argument));
		}
	}
	if (w->ring_files)
		w->kept = xcalloc(w->ring_files, sizeof(w->kept[0]));

	size_t largest_record = record_bytes(w, w->snaplen);
	w->scratch_size = largest_record > idb_bytes() ? largest_record : idb_bytes();
	{
		uint8_t shb[128];
		struct block b = { shb, 0 };
		build_shb(&b);
		if (b.len > w->scratch_size)
			w->scratch_size = b.len;
	}
	w->scratch = xmalloc(w->scratch_size);
	w->buf_size = WRITER_BUFFER_BYTES > largest_record ? WRITER_BUFFER_BYTES : largest_record;
	if (w->buf_size < w->scratch_size)
		w->buf_size = w->scratch_size;
	w->buf = xmalloc(w->buf_size);

	size_t queue_bytes = cfg->queue_bytes ? cfg->queue_bytes : PCAP_WRITER_DEFAULT_QUEUE_BYTES;
	w->queue = ring_new(queue_bytes, w->snaplen);
	if (!w->queue) {
		snprintf(errbuf, errlen, "cannot allocate a %zu-byte queue for the capture file", queue_bytes);
		writer_free_memory(w);
		return NULL;
	}
	if (!w->unbuffered)
		ring_set_wake_bytes(w->queue, ring_capacity(w->queue) / WRITER_WAKE_FRACTION);

	char err[PCAP_WRITER_ERROR_LEN];
	if (!open_next_file(w, ROTATE_FIRST, err, sizeof(err))) {
		snprintf(errbuf, errlen, "%s", err);
		writer_free_memory(w);
		return NULL;
	}
	w->last_flush_ns = time_monotonic_ns();
	w->started = true;

	/* Signals (SIGINT, SIGUSR1...) belong to the main thread. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&w->thread, NULL, writer_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(errbuf, errlen, "cannot start the capture file writer: %s", strerror(rc));
		close(w->out_fd);
		writer_free_memory(w);
		return NULL;
	}
	return w;
}

bool pcap_writer_write(struct pcap_writer *w, int64_t ts_ns, uint32_t caplen, uint32_t wirelen, int linktype,
		       const uint8_t *data)
{
	if (atomic_load_explicit(&w->out.failed, memory_order_relaxed)) {
		count_write_drops(w, 1);
		return false;
	}
	struct ring_record hdr = {
		.ts_ns = ts_ns,
		.caplen = caplen > w->snaplen ? w->snaplen : caplen,
		.wirelen = wirelen,
		.linktype = linktype,
	};
	return writer_enqueue(w->queue, w->lossless, &hdr, data, &w->out.queue_drops);
}

void pcap_writer_request_rotation(struct pcap_writer *w)
{
	atomic_store(&w->rotation_requested, true);
}

void pcap_writer_close(struct pcap_writer *w)
{
	if (w)
		writer_join(w->queue, w->thread, &w->closed);
}

void pcap_writer_free(struct pcap_writer *w)
{
	if (!w)
		return;
	pcap_writer_close(w);
	writer_free_memory(w);
}

void pcap_writer_stats(const struct pcap_writer *w, struct pcap_writer_stats *out)
{
	struct pcap_writer *m = (struct pcap_writer *)w; /* atomics are read, not changed */
	memset(out, 0, sizeof(*out));
	out->failed = writer_outcome_read(&w->out, &out->written, &out->bytes, &out->queue_drops,
					  &out->write_drops, out->error);
	out->files_opened = atomic_load(&m->files_opened);
	out->files_deleted = atomic_load(&m->files_deleted);
}

bool pcap_writer_wants_exit(const struct pcap_writer *w)
{
	return atomic_load(&((struct pcap_writer *)w)->out.wants_exit);
}
