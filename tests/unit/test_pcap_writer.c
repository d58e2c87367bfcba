/* Unit tests: the capture-file writer (src/output/pcap_writer.c).
 *
 * Every test writes into its own mkdtemp(3) directory and checks what is on
 * disk: exact bytes for the formats, names and split points for rotation,
 * and libpcap reading every file back.  Packets carry their sequence number
 * in their first four bytes, so each one is checked to be in exactly one
 * file, in order.
 *
 * `test_pcap_writer --generate DIR` writes a set of files and a MANIFEST
 * (name and packet count per file) for tests/writer/run to check with
 * tshark. */
#include <check.h>
#include <sched.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "output/pcap_writer.h"
#include "util/timefmt.h"

#define LINKTYPE_ETHERNET 1
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_LINUX_SLL2 276
#define PCAP_HEADER_BYTES 24
#define PCAP_RECORD_HEADER_BYTES 16
#define PACKET_BYTES 100
#define PCAP_RECORD_BYTES (PCAP_RECORD_HEADER_BYTES + PACKET_BYTES)
#define BASE_TS_NS 1700000000123456789LL
#define NS_PER_SEC 1000000000LL
#define MAX_PACKET 2048
#define MAX_FILES 64
#define MAX_READ 4096
/* How long a test waits for the writer thread or a child command. */
#define WAIT_LIMIT_NS (5 * NS_PER_SEC)
#define POLL_SLEEP_US 10000

/* --- helpers ----------------------------------------------------------- */

static char dir[PATH_MAX];

/* snprintf that fails the test instead of cutting a path. */
__attribute__((format(printf, 3, 4)))
static void format_path(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0 && (size_t)n < cap, "path too long");
}

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sipmon-writer-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(const char *d)
{
	DIR *dp = opendir(d);
	if (!dp)
		return;
	struct dirent *e;
	while ((e = readdir(dp))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[PATH_MAX];
		format_path(p, sizeof(p), "%s/%s", d, e->d_name);
		unlink(p);
	}
	closedir(dp);
	rmdir(d);
}

static void in_dir(char *out, size_t cap, const char *name)
{
	format_path(out, cap, "%s/%s", dir, name);
}

static struct pcap_writer_config config_for(const char *path)
{
	struct pcap_writer_config cfg = { .path = path };
	return cfg;
}

static void fill_packet(uint8_t *buf, uint32_t len, uint32_t seq)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seq * 7u + i);
	if (len >= 4) {
		buf[0] = (uint8_t)(seq >> 24);
		buf[1] = (uint8_t)(seq >> 16);
		buf[2] = (uint8_t)(seq >> 8);
		buf[3] = (uint8_t)seq;
	}
}

static int64_t packet_ts(uint32_t seq)
{
	return BASE_TS_NS + (int64_t)seq * 1000003;
}

static bool write_seq(struct pcap_writer *w, uint32_t seq, uint32_t len, int linktype)
{
	uint8_t buf[MAX_PACKET];
	fill_packet(buf, len, seq);
	return pcap_writer_write(w, packet_ts(seq), len, len, linktype, buf);
}

static struct pcap_writer *open_writer(const struct pcap_writer_config *cfg)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_writer *w = pcap_writer_open(cfg, err, sizeof(err));
	ck_assert_msg(w != NULL, "open: %s", err);
	return w;
}

static void close_writer(struct pcap_writer *w, struct pcap_writer_stats *st)
{
	pcap_writer_close(w);
	pcap_writer_stats(w, st);
	pcap_writer_free(w);
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

/* The names in dir, sorted; returns how many. */
static int list_dir(char names[][NAME_MAX + 1], int cap)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort), count = 0;
	ck_assert_int_ge(n, 0);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && count < cap)
			snprintf(names[count++], NAME_MAX + 1, "%s", ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return count;
}

struct read_back {
	int count;
	int linktype;
	uint32_t seq[MAX_READ];
	int64_t ts_ns[MAX_READ];
	uint32_t caplen[MAX_READ];
	uint32_t wirelen[MAX_READ];
	bool data_ok;
	bool clean_end; /* no error at the end of the file */
};

/* Reads a capture with libpcap at nanosecond precision. */
static void read_capture(const char *path, struct read_back *rb)
{
	char err[PCAP_ERRBUF_SIZE];
	memset(rb, 0, sizeof(*rb));
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	ck_assert_msg(p != NULL, "libpcap cannot read %s: %s", path, err);
	rb->linktype = pcap_datalink(p);
	rb->data_ok = true;
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;
	while ((rc = pcap_next_ex(p, &h, &data)) == 1 && rb->count < MAX_READ) {
		uint32_t seq = h->caplen >= 4 ? (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
							(uint32_t)data[2] << 8 | data[3]
					      : 0;
		uint8_t want[MAX_PACKET];
		fill_packet(want, h->caplen, seq);
		if (h->caplen > MAX_PACKET || memcmp(want, data, h->caplen))
			rb->data_ok = false;
		rb->seq[rb->count] = seq;
		rb->ts_ns[rb->count] = (int64_t)h->ts.tv_sec * NS_PER_SEC + h->ts.tv_usec;
		rb->caplen[rb->count] = h->caplen;
		rb->wirelen[rb->count] = h->len;
		rb->count++;
	}
	rb->clean_end = rc == PCAP_ERROR_BREAK;
	pcap_close(p);
}

/* The file holds exactly packets first..first+n-1, in order, whole. */
static void assert_holds(const char *name, uint32_t first, int n)
{
	char path[PATH_MAX];
	in_dir(path, sizeof(path), name);
	struct read_back rb;
	read_capture(path, &rb);
	ck_assert_msg(rb.clean_end, "%s does not end cleanly", name);
	ck_assert_msg(rb.data_ok, "%s: packet bytes differ", name);
	ck_assert_msg(rb.count == n, "%s holds %d packets, want %d", name, rb.count, n);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(rb.seq[i], first + (uint32_t)i);
		ck_assert_int_eq(rb.ts_ns[i], packet_ts(first + (uint32_t)i));
	}
}

static void wait_for_written(struct pcap_writer *w, uint64_t n)
{
	struct pcap_writer_stats st;
	int64_t deadline = time_monotonic_ns() + WAIT_LIMIT_NS;
	do {
		pcap_writer_stats(w, &st);
		if (st.written >= n)
			return;
		usleep(POLL_SLEEP_US);
	} while (time_monotonic_ns() < deadline);
	ck_abort_msg("the writer wrote %llu packets, want %llu", (unsigned long long)st.written,
		     (unsigned long long)n);
}

/* --- the pcap format ------------------------------------------------------ */

START_TEST(pcap_file_has_exact_bytes_and_nanoseconds)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "exact.pcap");
	struct pcap_writer_config cfg = config_for(path);
	struct pcap_writer *w = open_writer(&cfg);
	uint8_t a[60], b[10];
	fill_packet(a, sizeof(a), 1);
	fill_packet(b, sizeof(b), 2);
	ck_assert(pcap_writer_write(w, BASE_TS_NS, sizeof(a), sizeof(a), LINKTYPE_ETHERNET, a));
	ck_assert(pcap_writer_write(w, 1700000001000000001LL, sizeof(b), 1514, LINKTYPE_ETHERNET, b));
	ck_assert(pcap_writer_write(w, -5, sizeof(b), sizeof(b), LINKTYPE_ETHERNET, b));
	struct pcap_writer_stats st;
	close_writer(w, &st);

	uint8_t want[512], got[512];
	size_t n = 0;
	put32(want + n, 0xa1b23c4d); n += 4;
	put16(want + n, 2); n += 2;
	put16(want + n, 4); n += 2;
	put32(want + n, 0); n += 4;
	put32(want + n, 0); n += 4;
	put32(want + n, PCAP_WRITER_DEFAULT_SNAPLEN); n += 4;
	put32(want + n, LINKTYPE_ETHERNET); n += 4;
	put32(want + n, 1700000000); n += 4;
	put32(want + n, 123456789); n += 4;
	put32(want + n, 60); n += 4;
	put32(want + n, 60); n += 4;
	memcpy(want + n, a, sizeof(a)); n += sizeof(a);
	put32(want + n, 1700000001); n += 4;
	put32(want + n, 1); n += 4;
	put32(want + n, 10); n += 4;
	put32(want + n, 1514); n += 4;
	memcpy(want + n, b, sizeof(b)); n += sizeof(b);
	put32(want + n, 0); n += 4; /* a negative time is written as 0 */
	put32(want + n, 0); n += 4;
	put32(want + n, 10); n += 4;
	put32(want + n, 10); n += 4;
	memcpy(want + n, b, sizeof(b)); n += sizeof(b);

	ck_assert_uint_eq(slurp(path, got, sizeof(got)), n);
	ck_assert_mem_eq(got, want, n);
	ck_assert_uint_eq(st.written, 3);
	ck_assert_uint_eq(st.bytes, n);
	ck_assert_uint_eq(st.files_opened, 1);
	ck_assert_uint_eq(st.queue_drops + st.write_drops, 0);
	ck_assert(!st.failed);

	struct read_back rb;
	read_capture(path, &rb);
	ck_assert_int_eq(rb.count, 3);
	ck_assert_int_eq(rb.ts_ns[0], BASE_TS_NS);
	ck_assert_int_eq(rb.ts_ns[1], 1700000001000000001LL);
	ck_assert_uint_eq(rb.wirelen[1], 1514);
	remove_dir(dir);
}
END_TEST

START_TEST(empty_files_are_valid_captures)
{
	make_dir();
	char path[PATH_MAX];
	struct pcap_writer_stats st;
	struct read_back rb;
	in_dir(path, sizeof(path), "empty.pcap");
	struct pcap_writer_config cfg = config_for(path);
	close_writer(open_writer(&cfg), &st);
	ck_assert_int_eq(file_size(path), PCAP_HEADER_BYTES);
	read_capture(path, &rb);
	ck_assert_int_eq(rb.count, 0);
	ck_assert(rb.clean_end);

	in_dir(path, sizeof(path), "empty.pcapng");
	cfg = config_for(path);
	cfg.pcapng = true;
	close_writer(open_writer(&cfg), &st);
	read_capture(path, &rb);
	ck_assert_int_eq(rb.count, 0);
	ck_assert(rb.clean_end);
	remove_dir(dir);
}
END_TEST

START_TEST(first_packet_sets_link_type_and_pcap_keeps_one)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "sll.pcap");
	struct pcap_writer_config cfg = config_for(path);
	cfg.quiet = true;
	struct pcap_writer *w = open_writer(&cfg);
	ck_assert(write_seq(w, 0, PACKET_BYTES, LINKTYPE_LINUX_SLL));
	/* Accepted into the queue; the writer drops it: another link type. */
	ck_assert(write_seq(w, 1, PACKET_BYTES, LINKTYPE_ETHERNET));
	ck_assert(write_seq(w, 2, PACKET_BYTES, LINKTYPE_LINUX_SLL));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	ck_assert_uint_eq(st.written, 2);
	ck_assert_uint_eq(st.write_drops, 1);
	ck_assert(!st.failed);
	struct read_back rb;
	read_capture(path, &rb);
	ck_assert_int_eq(rb.linktype, LINKTYPE_LINUX_SLL);
	ck_assert_int_eq(rb.count, 2);
	ck_assert_uint_eq(rb.seq[0], 0);
	ck_assert_uint_eq(rb.seq[1], 2);
	remove_dir(dir);
}
END_TEST

START_TEST(snaplen_cuts_long_packets)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "snap.pcap");
	struct pcap_writer_config cfg = config_for(path);
	cfg.snaplen = 64;
	struct pcap_writer *w = open_writer(&cfg);
	ck_assert(write_seq(w, 7, PACKET_BYTES, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	uint8_t got[256];
	ck_assert_uint_eq(slurp(path, got, sizeof(got)), PCAP_HEADER_BYTES + PCAP_RECORD_HEADER_BYTES + 64);
	ck_assert_uint_eq(get32(got + 16), 64);
	struct read_back rb;
	read_capture(path, &rb);
	ck_assert_int_eq(rb.count, 1);
	ck_assert_uint_eq(rb.caplen[0], 64);
	ck_assert_uint_eq(rb.wirelen[0], PACKET_BYTES);
	ck_assert(rb.data_ok);
	remove_dir(dir);
}
END_TEST

START_TEST(bad_path_fails_at_open_with_one_line)
{
	struct pcap_writer_config cfg = config_for("/nonexistent-sipmon-dir/x.pcap");
	char err[256] = "";
	ck_assert_ptr_null(pcap_writer_open(&cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-sipmon-dir/x.pcap"));
	ck_assert_ptr_nonnull(strstr(err, strerror(ENOENT)));
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* --- pcapng ----------------------------------------------------------------- */

struct ng_block {
	uint32_t type;
	uint32_t len;
	uint32_t interface; /* EPB */
	uint16_t linktype;  /* IDB */
	uint8_t tsresol;    /* IDB */
	uint64_t ts;        /* EPB */
	uint32_t seq;       /* EPB */
};

/* Walks the blocks of a pcapng file written in host byte order. */
static int parse_pcapng(const uint8_t *p, size_t n, struct ng_block *out, int cap)
{
	size_t pos = 0;
	int count = 0;
	while (pos + 12 <= n && count < cap) {
		struct ng_block *b = &out[count++];
		memset(b, 0, sizeof(*b));
		b->type = get32(p + pos);
		b->len = get32(p + pos + 4);
		ck_assert_uint_ge(b->len, 12);
		ck_assert_uint_le(pos + b->len, n);
		ck_assert_uint_eq(get32(p + pos + b->len - 4), b->len);
		if (b->type == 1) {
			b->linktype = get16(p + pos + 8);
			/* options start after linktype, reserved, snaplen */
			for (size_t o = pos + 16; o + 4 <= pos + b->len - 4;) {
				uint16_t code = get16(p + o), olen = get16(p + o + 2);
				if (code == 0)
					break;
				if (code == 9)
					b->tsresol = p[o + 4];
				o += 4 + ((olen + 3u) & ~3u);
			}
		} else if (b->type == 6) {
			b->interface = get32(p + pos + 8);
			b->ts = (uint64_t)get32(p + pos + 12) << 32 | get32(p + pos + 16);
			const uint8_t *d = p + pos + 28;
			b->seq = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
		}
		pos += b->len;
	}
	ck_assert_uint_eq(pos, n);
	return count;
}

START_TEST(pcapng_is_read_back_by_libpcap)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "cap.pcapng");
	struct pcap_writer_config cfg = config_for(path);
	cfg.pcapng = true;
	struct pcap_writer *w = open_writer(&cfg);
	for (uint32_t i = 0; i < 5; i++)
		ck_assert(write_seq(w, i, PACKET_BYTES + i, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	ck_assert_uint_eq(st.written, 5);
	ck_assert_uint_eq(st.bytes, (uint64_t)file_size(path));

	static uint8_t buf[8192];
	size_t n = slurp(path, buf, sizeof(buf));
	struct ng_block blocks[16];
	int nb = parse_pcapng(buf, n, blocks, 16);
	ck_assert_int_eq(nb, 7);
	ck_assert_uint_eq(blocks[0].type, 0x0A0D0D0A);
	ck_assert_uint_eq(get32(buf + 8), 0x1A2B3C4D);
	ck_assert_uint_eq(blocks[1].type, 1);
	ck_assert_uint_eq(blocks[1].linktype, LINKTYPE_ETHERNET);
	ck_assert_uint_eq(blocks[1].tsresol, 9);
	for (int i = 0; i < 5; i++) {
		ck_assert_uint_eq(blocks[2 + i].type, 6);
		ck_assert_uint_eq(blocks[2 + i].interface, 0);
		ck_assert_uint_eq(blocks[2 + i].ts, (uint64_t)packet_ts((uint32_t)i));
	}

	struct read_back rb;
	read_capture(path, &rb);
	ck_assert(rb.clean_end);
	ck_assert(rb.data_ok);
	ck_assert_int_eq(rb.count, 5);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(rb.ts_ns[i], packet_ts((uint32_t)i));
		ck_assert_uint_eq(rb.caplen[i], PACKET_BYTES + (uint32_t)i);
	}
	remove_dir(dir);
}
END_TEST

START_TEST(pcapng_gets_an_interface_per_link_type)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "multi.pcapng");
	struct pcap_writer_config cfg = config_for(path);
	cfg.pcapng = true;
	struct pcap_writer *w = open_writer(&cfg);
	/* The first packet's type replaces the placeholder interface. */
	ck_assert(write_seq(w, 0, PACKET_BYTES, LINKTYPE_LINUX_SLL));
	ck_assert(write_seq(w, 1, PACKET_BYTES, LINKTYPE_ETHERNET));
	ck_assert(write_seq(w, 2, PACKET_BYTES, LINKTYPE_LINUX_SLL));
	ck_assert(write_seq(w, 3, PACKET_BYTES, LINKTYPE_LINUX_SLL2));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	ck_assert_uint_eq(st.written, 4);
	ck_assert_uint_eq(st.write_drops, 0);

	static uint8_t buf[8192];
	size_t n = slurp(path, buf, sizeof(buf));
	struct ng_block b[16];
	int nb = parse_pcapng(buf, n, b, 16);
	ck_assert_int_eq(nb, 8);
	const uint32_t types[] = { 0x0A0D0D0A, 1, 6, 1, 6, 6, 1, 6 };
	for (int i = 0; i < nb; i++)
		ck_assert_uint_eq(b[i].type, types[i]);
	ck_assert_uint_eq(b[1].linktype, LINKTYPE_LINUX_SLL);
	ck_assert_uint_eq(b[3].linktype, LINKTYPE_ETHERNET);
	ck_assert_uint_eq(b[6].linktype, LINKTYPE_LINUX_SLL2);
	ck_assert_uint_eq(b[2].interface, 0);
	ck_assert_uint_eq(b[4].interface, 1);
	ck_assert_uint_eq(b[5].interface, 0);
	ck_assert_uint_eq(b[7].interface, 2);
	for (int i = 0, seq = 0; i < nb; i++)
		if (b[i].type == 6)
			ck_assert_uint_eq(b[i].seq, (uint32_t)seq++);
	remove_dir(dir);
}
END_TEST

/* --- rotation ----------------------------------------------------------------- */

START_TEST(size_rotation_splits_where_the_limit_would_be_passed)
{
	make_dir();
	char path[PATH_MAX], name[PATH_MAX];
	in_dir(path, sizeof(path), "cap.pcap");
	struct pcap_writer_config cfg = config_for(path);
	/* Exactly three records fit. */
	cfg.rotate_bytes = PCAP_HEADER_BYTES + 3 * PCAP_RECORD_BYTES;
	struct pcap_writer *w = open_writer(&cfg);
	for (uint32_t i = 0; i < 10; i++)
		ck_assert(write_seq(w, i, PACKET_BYTES, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	ck_assert_uint_eq(st.written, 10);
	ck_assert_uint_eq(st.files_opened, 4);

	char names[MAX_FILES][NAME_MAX + 1];
	ck_assert_int_eq(list_dir(names, MAX_FILES), 4);
	ck_assert_str_eq(names[0], "cap.pcap");
	ck_assert_str_eq(names[1], "cap.pcap1");
	ck_assert_str_eq(names[2], "cap.pcap2");
	ck_assert_str_eq(names[3], "cap.pcap3");
	for (int i = 0; i < 3; i++) {
		in_dir(name, sizeof(name), names[i]);
		ck_assert_int_eq(file_size(name), (off_t)cfg.rotate_bytes);
		assert_holds(names[i], 3u * (uint32_t)i, 3);
	}
	in_dir(name, sizeof(name), names[3]);
	ck_assert_int_eq(file_size(name), PCAP_HEADER_BYTES + PCAP_RECORD_BYTES);
	assert_holds(names[3], 9, 1);
	remove_dir(dir);
}
END_TEST

START_TEST(size_rotation_one_byte_less_moves_the_split)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "cap.pcap");
	struct pcap_writer_config cfg = config_for(path);
	cfg.rotate_bytes = PCAP_HEADER_BYTES + 3 * PCAP_RECORD_BYTES - 1;
	struct pcap_writer *w = open_writer(&cfg);
	for (uint32_t i = 0; i < 5; i++)
		ck_assert(write_seq(w, i, PACKET_BYTES, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	char names[MAX_FILES][NAME_MAX + 1];
	ck_assert_int_eq(list_dir(names, MAX_FILES), 3);
	assert_holds("cap.pcap", 0, 2);
	assert_holds("cap.pcap1", 2, 2);
	assert_holds("cap.pcap2", 4, 1);
	remove_dir(dir);
}
END_TEST

START_TEST(packet_larger_than_the_limit_gets_a_file_of_its_own)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "big.pcap");
	struct pcap_writer_config cfg = config_for(path);
	cfg.rotate_bytes = PCAP_RECORD_BYTES / 2;
	struct pcap_writer *w = open_writer(&cfg);
	for (uint32_t i = 0; i < 3; i++)
		ck_assert(write_seq(w, i, PACKET_BYTES, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	assert_holds("big.pcap", 0, 1);
	assert_holds("big.pcap1", 1, 1);
	assert_holds("big.pcap2", 2, 1);
	remove_dir(dir);
}
END_TEST

START_TEST(ring_of_files_deletes_the_oldest)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "ring.pcap");
	struct pcap_writer_config cfg = config_for(path);
	cfg.rotate_bytes = PCAP_HEADER_BYTES + 3 * PCAP_RECORD_BYTES;
	cfg.ring_files = 3;
	struct pcap_writer *w = open_writer(&cfg);
	/* Files 0..6 hold 3,3,3,3,3,3,2 packets; names cycle 0,1,2,0,1,2,0. */
	for (uint32_t i = 0; i < 20; i++)
		ck_assert(write_seq(w, i, PACKET_BYTES, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	ck_assert_uint_eq(st.files_opened, 7);
	ck_assert_uint_eq(st.files_deleted, 4);
	ck_assert_uint_eq(st.written, 20);
	char names[MAX_FILES][NAME_MAX + 1];
	ck_assert_int_eq(list_dir(names, MAX_FILES), 3);
	ck_assert_str_eq(names[0], "ring.pcap0");
	ck_assert_str_eq(names[1], "ring.pcap1");
	ck_assert_str_eq(names[2], "ring.pcap2");
	assert_holds("ring.pcap1", 12, 3);
	assert_holds("ring.pcap2", 15, 3);
	assert_holds("ring.pcap0", 18, 2);
	remove_dir(dir);
}
END_TEST

START_TEST(ring_numbers_have_the_digits_of_the_last)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "pad.pcap");
	struct pcap_writer_config cfg = config_for(path);
	cfg.rotate_bytes = 1;
	cfg.ring_files = 11; /* FILE00 .. FILE10 */
	struct pcap_writer *w = open_writer(&cfg);
	for (uint32_t i = 0; i < 3; i++)
		ck_assert(write_seq(w, i, PACKET_BYTES, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	char names[MAX_FILES][NAME_MAX + 1];
	ck_assert_int_eq(list_dir(names, MAX_FILES), 3);
	ck_assert_str_eq(names[0], "pad.pcap00");
	ck_assert_str_eq(names[1], "pad.pcap01");
	ck_assert_str_eq(names[2], "pad.pcap02");
	assert_holds("pad.pcap02", 2, 1);
	remove_dir(dir);
}
END_TEST

START_TEST(pcapng_rotation_repeats_the_interfaces_in_use)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "ng.pcapng");
	struct pcap_writer_config cfg = config_for(path);
	cfg.pcapng = true;
	cfg.rotate_bytes = 1; /* one packet per file */
	struct pcap_writer *w = open_writer(&cfg);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert(write_seq(w, i, PACKET_BYTES, LINKTYPE_LINUX_SLL));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	const char *names[] = { "ng.pcapng", "ng.pcapng1", "ng.pcapng2", "ng.pcapng3" };
	for (uint32_t i = 0; i < 4; i++) {
		assert_holds(names[i], i, 1);
		char p[PATH_MAX];
		in_dir(p, sizeof(p), names[i]);
		struct read_back rb;
		read_capture(p, &rb);
		ck_assert_int_eq(rb.linktype, LINKTYPE_LINUX_SLL);
	}
	remove_dir(dir);
}
END_TEST

START_TEST(forced_rotation_splits_between_packets)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "force.pcap");
	struct pcap_writer_config cfg = config_for(path);
	cfg.unbuffered = true;
	struct pcap_writer *w = open_writer(&cfg);
	ck_assert(write_seq(w, 0, PACKET_BYTES, LINKTYPE_ETHERNET));
	ck_assert(write_seq(w, 1, PACKET_BYTES, LINKTYPE_ETHERNET));
	wait_for_written(w, 2);
	pcap_writer_request_rotation(w);
	ck_assert(write_seq(w, 2, PACKET_BYTES, LINKTYPE_ETHERNET));
	ck_assert(write_seq(w, 3, PACKET_BYTES, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	ck_assert_uint_eq(st.files_opened, 2);
	assert_holds("force.pcap", 0, 2);
	assert_holds("force.pcap1", 2, 2);
	remove_dir(dir);
}
END_TEST

START_TEST(ring_of_files_applies_to_forced_rotations)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "fr.pcap");
	struct pcap_writer_config cfg = config_for(path);
	cfg.unbuffered = true;
	cfg.ring_files = 2;
	struct pcap_writer *w = open_writer(&cfg);
	/* Files fr.pcap0, fr.pcap1, fr.pcap0 again: one packet each. */
	for (uint32_t i = 0; i < 3; i++) {
		if (i > 0)
			pcap_writer_request_rotation(w);
		ck_assert(write_seq(w, i, PACKET_BYTES, LINKTYPE_ETHERNET));
		wait_for_written(w, i + 1);
	}
	struct pcap_writer_stats st;
	close_writer(w, &st);
	ck_assert_uint_eq(st.files_opened, 3);
	ck_assert_uint_eq(st.files_deleted, 1);
	char names[MAX_FILES][NAME_MAX + 1];
	ck_assert_int_eq(list_dir(names, MAX_FILES), 2);
	assert_holds("fr.pcap1", 1, 1);
	assert_holds("fr.pcap0", 2, 1);
	remove_dir(dir);
}
END_TEST

/* Whether name is strftime(pattern) for some second in [from, to]. */
static bool named_for_a_second_in(const char *name, const char *pattern, time_t from, time_t to)
{
	for (time_t t = from; t <= to; t++) {
		struct tm tm;
		char want[NAME_MAX + 1];
		localtime_r(&t, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		strftime(want, sizeof(want), pattern, &tm);
#pragma GCC diagnostic pop
		if (!strcmp(want, name))
			return true;
	}
	return false;
}

START_TEST(time_rotation_names_files_with_strftime)
{
	make_dir();
	static const char pattern[] = "g-%Y%m%d-%H%M%S.pcap";
	char path[PATH_MAX];
	in_dir(path, sizeof(path), pattern);
	struct pcap_writer_config cfg = config_for(path);
	cfg.rotate_seconds = 1;
	time_t start = time(NULL);
	struct pcap_writer *w = open_writer(&cfg);
	ck_assert(write_seq(w, 0, PACKET_BYTES, LINKTYPE_ETHERNET));
	ck_assert(write_seq(w, 1, PACKET_BYTES, LINKTYPE_ETHERNET));
	usleep(1300 * 1000);
	/* The period ended with no packet: no empty file was made. */
	char names[MAX_FILES][NAME_MAX + 1];
	ck_assert_int_eq(list_dir(names, MAX_FILES), 1);
	time_t middle = time(NULL);
	ck_assert(write_seq(w, 2, PACKET_BYTES, LINKTYPE_ETHERNET));
	ck_assert(write_seq(w, 3, PACKET_BYTES, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	time_t end = time(NULL);
	ck_assert_uint_eq(st.files_opened, 2);
	ck_assert_int_eq(list_dir(names, MAX_FILES), 2);
	/* Sorted by name is sorted by time with this pattern. */
	ck_assert(named_for_a_second_in(names[0], pattern, start, middle));
	ck_assert(named_for_a_second_in(names[1], pattern, middle, end));
	assert_holds(names[0], 0, 2);
	assert_holds(names[1], 2, 2);
	remove_dir(dir);
}
END_TEST

START_TEST(time_and_size_rotation_number_within_a_period)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "gc-%Y%m%d%H%M%S.pcap");
	struct pcap_writer_config cfg = config_for(path);
	cfg.rotate_seconds = 1;
	cfg.rotate_bytes = 1; /* one packet per file */
	struct pcap_writer *w = open_writer(&cfg);
	for (uint32_t i = 0; i < 3; i++)
		ck_assert(write_seq(w, i, PACKET_BYTES, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	char names[MAX_FILES][NAME_MAX + 1], want[NAME_MAX + 8];
	/* Every file of a period is named from the period's start. */
	ck_assert_int_eq(list_dir(names, MAX_FILES), 3);
	ck_assert_uint_eq(strlen(names[0]), strlen("gc-20260101000000.pcap"));
	for (uint32_t i = 1; i < 3; i++) {
		format_path(want, sizeof(want), "%s%u", names[0], i);
		ck_assert_str_eq(names[i], want);
	}
	for (uint32_t i = 0; i < 3; i++)
		assert_holds(names[i], i, 1);
	remove_dir(dir);
}
END_TEST

/* --- flushing, killing, queue ------------------------------------------------------ */

START_TEST(buffered_packets_reach_the_file_within_a_second)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "slow.pcap");
	struct pcap_writer_config cfg = config_for(path);
	struct pcap_writer *w = open_writer(&cfg);
	int64_t t0 = time_monotonic_ns();
	ck_assert(write_seq(w, 0, PACKET_BYTES, LINKTYPE_ETHERNET));
	while (file_size(path) < PCAP_HEADER_BYTES + PCAP_RECORD_BYTES &&
	       time_monotonic_ns() - t0 < WAIT_LIMIT_NS)
		usleep(POLL_SLEEP_US);
	int64_t waited = time_monotonic_ns() - t0;
	ck_assert_int_eq(file_size(path), PCAP_HEADER_BYTES + PCAP_RECORD_BYTES);
	/* One second plus the idle wake-up and scheduling slack. */
	ck_assert_int_le(waited, NS_PER_SEC + NS_PER_SEC / 2);
	struct pcap_writer_stats st;
	close_writer(w, &st);
	remove_dir(dir);
}
END_TEST

START_TEST(killed_process_leaves_whole_files)
{
	make_dir();
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char path[PATH_MAX];
		in_dir(path, sizeof(path), "kill.pcap");
		struct pcap_writer_config cfg = config_for(path);
		cfg.rotate_bytes = PCAP_HEADER_BYTES + 3 * PCAP_RECORD_BYTES;
		char err[256];
		struct pcap_writer *w = pcap_writer_open(&cfg, err, sizeof(err));
		if (!w)
			_exit(1);
		for (uint32_t i = 0; i < 10; i++)
			write_seq(w, i, PACKET_BYTES, LINKTYPE_ETHERNET);
		usleep(1500 * 1000);
		raise(SIGKILL);
		_exit(2);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_holds("kill.pcap", 0, 3);
	assert_holds("kill.pcap1", 3, 3);
	assert_holds("kill.pcap2", 6, 3);
	assert_holds("kill.pcap3", 9, 1);
	remove_dir(dir);
}
END_TEST

struct pipe_reader {
	int fd;
	char path[PATH_MAX];
};

static void *drain_pipe(void *arg)
{
	struct pipe_reader *r = arg;
	FILE *out = fopen(r->path, "wb");
	uint8_t buf[65536];
	ssize_t n;
	while ((n = read(r->fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		fwrite(buf, 1, (size_t)n, out);
	}
	fclose(out);
	return NULL;
}

START_TEST(full_queue_drops_and_counts)
{
	make_dir();
	/* The writer writes into a pipe nobody reads yet: it blocks, the queue
	 * fills, and further packets are refused at once. */
	char fifo[PATH_MAX];
	in_dir(fifo, sizeof(fifo), "fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(rfd, 0);
	struct pcap_writer_config cfg = config_for(fifo);
	cfg.queue_bytes = 64 * 1024;
	cfg.snaplen = 1500;
	struct pcap_writer *w = open_writer(&cfg);
	enum { PACKETS = 3000, LEN = 1000 };
	uint32_t accepted = 0, refused = 0;
	for (uint32_t i = 0; i < PACKETS; i++) {
		uint8_t buf[LEN];
		fill_packet(buf, LEN, accepted);
		if (pcap_writer_write(w, packet_ts(accepted), LEN, LEN, LINKTYPE_ETHERNET, buf))
			accepted++;
		else
			refused++;
	}
	ck_assert_uint_gt(refused, 0);
	struct pcap_writer_stats st;
	pcap_writer_stats(w, &st);
	ck_assert_uint_eq(st.queue_drops, refused);

	fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) & ~O_NONBLOCK);
	struct pipe_reader reader = { .fd = rfd };
	in_dir(reader.path, sizeof(reader.path), "out.pcap");
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, drain_pipe, &reader), 0);
	close_writer(w, &st);
	pthread_join(t, NULL);
	close(rfd);
	ck_assert_uint_eq(st.queue_drops, refused);
	ck_assert_uint_eq(st.written, accepted);
	ck_assert_uint_eq(st.write_drops, 0);
	/* Accepted packets are numbered without gaps: all arrived, in order. */
	struct read_back rb;
	read_capture(reader.path, &rb);
	ck_assert(rb.clean_end);
	ck_assert(rb.data_ok);
	ck_assert_int_eq(rb.count, (int)accepted);
	for (int i = 0; i < rb.count; i++)
		ck_assert_uint_eq(rb.seq[i], (uint32_t)i);
	remove_dir(dir);
}
END_TEST

struct late_reader {
	struct pipe_reader r;
	_Atomic bool started;
};

static void *drain_pipe_later(void *arg)
{
	struct late_reader *l = arg;
	/* Long enough for the producer to fill the queue and have to wait. */
	struct timespec delay = { 0, 300 * 1000 * 1000 };
	nanosleep(&delay, NULL);
	fcntl(l->r.fd, F_SETFL, fcntl(l->r.fd, F_GETFL) & ~O_NONBLOCK);
	l->started = true;
	return drain_pipe(&l->r);
}

/* Reading files (config.lossless): a full queue makes the producer wait
 * for the writer instead of dropping. */
START_TEST(lossless_queue_waits_instead_of_dropping)
{
	make_dir();
	char fifo[PATH_MAX];
	in_dir(fifo, sizeof(fifo), "fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(rfd, 0);
	struct pcap_writer_config cfg = config_for(fifo);
	cfg.queue_bytes = 64 * 1024;
	cfg.snaplen = 1500;
	cfg.lossless = true;
	struct pcap_writer *w = open_writer(&cfg);
	struct late_reader late = { .r = { .fd = rfd } };
	in_dir(late.r.path, sizeof(late.r.path), "out.pcap");
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, drain_pipe_later, &late), 0);
	enum { PACKETS = 3000, LEN = 1000 };
	for (uint32_t i = 0; i < PACKETS; i++) {
		uint8_t buf[LEN];
		fill_packet(buf, LEN, i);
		ck_assert(pcap_writer_write(w, packet_ts(i), LEN, LEN, LINKTYPE_ETHERNET, buf));
	}
	/* 3 MB through a 64 KiB queue: the producer must have waited for the
	 * reader. */
	ck_assert(late.started);
	struct pcap_writer_stats st;
	close_writer(w, &st);
	pthread_join(t, NULL);
	close(rfd);
	ck_assert_uint_eq(st.queue_drops, 0);
	ck_assert_uint_eq(st.written, PACKETS);
	struct read_back rb;
	read_capture(late.r.path, &rb);
	ck_assert(rb.clean_end);
	ck_assert(rb.data_ok);
	ck_assert_int_eq(rb.count, PACKETS);
	for (int i = 0; i < rb.count; i++)
		ck_assert_uint_eq(rb.seq[i], (uint32_t)i);
	remove_dir(dir);
}
END_TEST

/* --- errors ------------------------------------------------------------------------- */

struct child_result {
	struct pcap_writer_stats st;
	bool wants_exit;
	bool refused_after_failure;
};

/* In a child with a file-size limit: 200 packets, then the results through a
 * pipe.  The limit ends partway through record 87 (24 + 86 * 116 = 10000). */
#define FSIZE_LIMIT 10050
#define FSIZE_WHOLE_RECORDS 86
#define FSIZE_PACKETS 200

static void run_limited_child(int wfd, const char *path, bool unbuffered)
{
	struct rlimit lim = { FSIZE_LIMIT, FSIZE_LIMIT };
	if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
		_exit(1);
	struct pcap_writer_config cfg = config_for(path);
	cfg.unbuffered = unbuffered;
	cfg.on_error = WRITER_ERROR_EXIT;
	char err[256];
	struct pcap_writer *w = pcap_writer_open(&cfg, err, sizeof(err));
	if (!w)
		_exit(2);
	for (uint32_t i = 0; i < FSIZE_PACKETS; i++)
		write_seq(w, i, PACKET_BYTES, LINKTYPE_ETHERNET);
	struct child_result res;
	memset(&res, 0, sizeof(res));
	if (unbuffered) {
		int64_t deadline = time_monotonic_ns() + WAIT_LIMIT_NS;
		while (!pcap_writer_wants_exit(w) && time_monotonic_ns() < deadline)
			usleep(POLL_SLEEP_US);
		res.refused_after_failure = !write_seq(w, FSIZE_PACKETS, PACKET_BYTES, LINKTYPE_ETHERNET);
	}
	pcap_writer_close(w);
	pcap_writer_stats(w, &res.st);
	res.wants_exit = pcap_writer_wants_exit(w);
	pcap_writer_free(w);
	_exit(write(wfd, &res, sizeof(res)) == sizeof(res) ? 0 : 3);
}

/* The same, with stderr kept in DIR/stderr for the parent to read. */
static void run_limited_child_logging(int wfd, const char *path, bool unbuffered)
{
	char log[PATH_MAX];
	in_dir(log, sizeof(log), "stderr");
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
		_exit(4);
	close(fd);
	run_limited_child(wfd, path, unbuffered);
}

static void run_in_child(void (*fn)(int, const char *, bool), const char *path, bool flag,
			 struct child_result *res)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		fn(fds[1], path, flag);
	}
	close(fds[1]);
	ssize_t n = read(fds[0], res, sizeof(*res));
	close(fds[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	ck_assert_int_eq(n, (ssize_t)sizeof(*res));
}

START_TEST(file_size_limit_cuts_back_to_whole_records)
{
	bool unbuffered = _i;
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "limit.pcap");
	struct child_result res;
	run_in_child(run_limited_child_logging, path, unbuffered, &res);
	ck_assert(res.st.failed);
	ck_assert(res.wants_exit);
	ck_assert_msg(strstr(res.st.error, strerror(EFBIG)) && strstr(res.st.error, path),
		      "error: %s", res.st.error);
	ck_assert_int_eq(file_size(path), PCAP_HEADER_BYTES + FSIZE_WHOLE_RECORDS * PCAP_RECORD_BYTES);
	ck_assert_uint_eq(res.st.written, FSIZE_WHOLE_RECORDS);
	ck_assert_uint_eq(res.st.bytes, (uint64_t)file_size(path));
	if (unbuffered) {
		ck_assert(res.refused_after_failure);
		ck_assert_uint_eq(res.st.write_drops, FSIZE_PACKETS + 1 - FSIZE_WHOLE_RECORDS);
	} else {
		ck_assert_uint_eq(res.st.write_drops, FSIZE_PACKETS - FSIZE_WHOLE_RECORDS);
	}
	assert_holds("limit.pcap", 0, FSIZE_WHOLE_RECORDS);
	/* Said once on stderr, in one line. */
	char log[PATH_MAX], got[1024] = "", want[1024];
	in_dir(log, sizeof(log), "stderr");
	slurp(log, (uint8_t *)got, sizeof(got) - 1);
	format_path(want, sizeof(want), "sipmon: %s; no more packets are written\n", res.st.error);
	ck_assert_str_eq(got, want);
	remove_dir(dir);
}
END_TEST

#define TMPFS_OPTIONS "size=64k"
#define DISK_FULL_PACKETS 1000
#define DISK_FULL_PACKET_BYTES 200
#define DISK_FULL_ROTATE_BYTES (16 * 1024)

START_TEST(full_disk_keeps_a_valid_file_and_stops)
{
	make_dir();
	char mnt[PATH_MAX], path[PATH_MAX];
	in_dir(mnt, sizeof(mnt), "mnt");
	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	/* In a mount namespace of the test's own where possible, so that the
	 * tmpfs goes with the process even if the test dies before umount. */
	if (unshare(CLONE_NEWNS) == 0)
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (mount("tmpfs", mnt, "tmpfs", 0, TMPFS_OPTIONS) != 0) {
		fprintf(stderr, "full_disk: cannot mount a tmpfs (%s): test skipped\n", strerror(errno));
		remove_dir(mnt);
		remove_dir(dir);
		return;
	}
	format_path(path, sizeof(path), "%s/full.pcap", mnt);
	struct pcap_writer_config cfg = config_for(path);
	/* One file that fills up partway through a record, or files of which
	 * the one created when the disk is full fails at its header. */
	cfg.rotate_bytes = _i ? DISK_FULL_ROTATE_BYTES : 0;
	cfg.quiet = true;
	struct pcap_writer *w = open_writer(&cfg);
	uint32_t accepted = 0;
	for (uint32_t i = 0; i < DISK_FULL_PACKETS; i++)
		accepted += write_seq(w, i, DISK_FULL_PACKET_BYTES, LINKTYPE_ETHERNET);
	struct pcap_writer_stats st;
	pcap_writer_close(w);
	pcap_writer_stats(w, &st);
	bool wants_exit = pcap_writer_wants_exit(w);
	pcap_writer_free(w);

	/* Read every file back before the tmpfs goes. */
	int files = 0, total = 0;
	bool all_clean = true, all_data = true;
	uint32_t next_seq = 0;
	bool in_order = true;
	for (int i = 0; i < MAX_FILES; i++) {
		char p[PATH_MAX];
		if (i == 0)
			format_path(p, sizeof(p), "%s", path);
		else
			format_path(p, sizeof(p), "%s%d", path, i);
		if (file_size(p) < 0)
			break;
		struct read_back rb;
		read_capture(p, &rb);
		files++;
		total += rb.count;
		all_clean &= rb.clean_end;
		all_data &= rb.data_ok;
		for (int k = 0; k < rb.count; k++)
			in_order &= rb.seq[k] == next_seq++;
	}
	off_t size0 = file_size(path);
	umount(mnt);
	remove_dir(mnt);
	remove_dir(dir);

	ck_assert(st.failed);
	ck_assert(!wants_exit);
	ck_assert_msg(strstr(st.error, strerror(ENOSPC)) != NULL, "error: %s", st.error);
	ck_assert_int_ge(files, 1);
	ck_assert_int_gt(total, 0);
	ck_assert(all_clean);
	ck_assert(all_data);
	ck_assert(in_order);
	ck_assert_uint_eq(st.written, (uint64_t)total);
	if (!_i)
		ck_assert_int_eq(size0, PCAP_HEADER_BYTES +
				 total * (PCAP_RECORD_HEADER_BYTES + DISK_FULL_PACKET_BYTES));
	ck_assert_uint_eq(st.written + st.write_drops + st.queue_drops, DISK_FULL_PACKETS);
	/* Refused at the door once writing had stopped: write drops too. */
	ck_assert_uint_eq(st.queue_drops, 0);
	ck_assert_uint_ge(st.write_drops, DISK_FULL_PACKETS - accepted);
}
END_TEST

/* --- post-rotate -------------------------------------------------------------------- */

static bool wait_for(bool (*cond)(void *), void *arg)
{
	int64_t deadline = time_monotonic_ns() + WAIT_LIMIT_NS;
	while (!cond(arg)) {
		if (time_monotonic_ns() > deadline)
			return false;
		usleep(POLL_SLEEP_US);
	}
	return true;
}

static bool log_has_three_lines(void *arg)
{
	uint8_t buf[4096];
	FILE *f = fopen(arg, "rb");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	int lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines == 3;
}

START_TEST(post_rotate_runs_through_the_shell_with_the_path)
{
	make_dir();
	char path[PATH_MAX], log[PATH_MAX], cmd[PATH_MAX + 64];
	in_dir(path, sizeof(path), "pr.pcap");
	in_dir(log, sizeof(log), "log");
	format_path(cmd, sizeof(cmd), "printf '%%s\\n' >>%s", log);
	struct pcap_writer_config cfg = config_for(path);
	cfg.rotate_bytes = 1;
	cfg.post_rotate = cmd;
	struct pcap_writer *w = open_writer(&cfg);
	for (uint32_t i = 0; i < 3; i++)
		ck_assert(write_seq(w, i, PACKET_BYTES, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	/* Each closed file, the last one at close included. */
	ck_assert_msg(wait_for(log_has_three_lines, log), "post-rotate did not run three times");
	/* The commands run side by side: their lines may come in any order. */
	char got[4096] = "";
	slurp(log, (uint8_t *)got, sizeof(got) - 1);
	for (int i = 0; i < 3; i++) {
		char line[PATH_MAX + 8];
		if (i)
			format_path(line, sizeof(line), "%s%d\n", path, i);
		else
			format_path(line, sizeof(line), "%s\n", path);
		ck_assert_msg(strstr(got, line) != NULL, "%s not in the log:\n%s", line, got);
	}
	remove_dir(dir);
}
END_TEST

static bool gzipped_all(void *arg)
{
	const char *path = arg;
	char p[PATH_MAX + 8];
	for (int i = 0; i < 3; i++) {
		if (i)
			format_path(p, sizeof(p), "%s%d", path, i);
		else
			format_path(p, sizeof(p), "%s", path);
		if (file_size(p) >= 0)
			return false;
		if (i)
			format_path(p, sizeof(p), "%s%d.gz", path, i);
		else
			format_path(p, sizeof(p), "%s.gz", path);
		if (file_size(p) <= 0)
			return false;
	}
	return true;
}

START_TEST(post_rotate_runs_a_plain_command_without_a_shell)
{
	make_dir();
	char path[PATH_MAX];
	in_dir(path, sizeof(path), "z.pcap");
	struct pcap_writer_config cfg = config_for(path);
	cfg.rotate_bytes = 1;
	cfg.post_rotate = "gzip";
	struct pcap_writer *w = open_writer(&cfg);
	for (uint32_t i = 0; i < 3; i++)
		ck_assert(write_seq(w, i, PACKET_BYTES, LINKTYPE_ETHERNET));
	struct pcap_writer_stats st;
	close_writer(w, &st);
	ck_assert_msg(wait_for(gzipped_all, path), "gzip did not compress every file");
	remove_dir(dir);
}
END_TEST

/* --- files for tests/writer/run -------------------------------------------------------- */

static FILE *manifest;

/* DIR/NAME, outside a test run (no ck_assert there). */
static void generated_path(char *out, size_t cap, const char *out_dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", out_dir, name);
	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr, "%s: path too long\n", out_dir);
		exit(EXIT_FAILURE);
	}
}

static void generated(const char *name, int packets)
{
	fprintf(manifest, "%s %d\n", name, packets);
}

static void generate_into(const char *out_dir, const char *base, bool pcapng, uint64_t rotate_bytes,
			  unsigned ring_files, const int *linktypes, int packets)
{
	char path[PATH_MAX];
	generated_path(path, sizeof(path), out_dir, base);
	struct pcap_writer_config cfg = config_for(path);
	cfg.pcapng = pcapng;
	cfg.rotate_bytes = rotate_bytes;
	cfg.ring_files = ring_files;
	char err[256];
	struct pcap_writer *w = pcap_writer_open(&cfg, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "%s\n", err);
		exit(EXIT_FAILURE);
	}
	for (int i = 0; i < packets; i++)
		write_seq(w, (uint32_t)i, PACKET_BYTES + (uint32_t)i % 7, linktypes[i % 3]);
	pcap_writer_free(w);
}

static int generate(const char *out_dir)
{
	char p[PATH_MAX];
	generated_path(p, sizeof(p), out_dir, "MANIFEST");
	manifest = fopen(p, "w");
	if (!manifest) {
		perror(p);
		return EXIT_FAILURE;
	}
	const int eth[3] = { LINKTYPE_ETHERNET, LINKTYPE_ETHERNET, LINKTYPE_ETHERNET };
	const int mixed[3] = { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 };
	const uint64_t three = PCAP_HEADER_BYTES + 3 * (PCAP_RECORD_BYTES + 6);

	generate_into(out_dir, "plain.pcap", false, 0, 0, eth, 5);
	generated("plain.pcap", 5);
	generate_into(out_dir, "rot.pcap", false, three, 0, eth, 10);
	generated("rot.pcap", 3);
	generated("rot.pcap1", 3);
	generated("rot.pcap2", 3);
	generated("rot.pcap3", 1);
	generate_into(out_dir, "ring.pcap", false, 1, 3, eth, 5);
	generated("ring.pcap0", 1); /* packet 3 */
	generated("ring.pcap1", 1); /* packet 4 */
	generated("ring.pcap2", 1); /* packet 2 */
	generate_into(out_dir, "mixed.pcapng", true, 0, 0, mixed, 9);
	generated("mixed.pcapng", 9);
	generate_into(out_dir, "rot.pcapng", true, 600, 0, mixed, 6);
	/* SHB 44 + IDB 32, then per packet an EPB of 132..140 bytes and, for
	 * a link type new to the file, an IDB of 32: three fit in 600. */
	generated("rot.pcapng", 3);
	generated("rot.pcapng1", 3);
	fclose(manifest);

	/* A file cut by a size limit (a child: the limit is per process). */
	generated_path(p, sizeof(p), out_dir, "limit.pcap");
	int fds[2];
	if (pipe(fds) != 0)
		return EXIT_FAILURE;
	pid_t pid = fork();
	if (pid == 0)
		run_limited_child(fds[1], p, false);
	close(fds[1]);
	int status;
	waitpid(pid, &status, 0);
	close(fds[0]);
	generated_path(p, sizeof(p), out_dir, "MANIFEST");
	manifest = fopen(p, "a");
	if (!manifest)
		return EXIT_FAILURE;
	generated("limit.pcap", FSIZE_WHOLE_RECORDS);
	fclose(manifest);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--generate"))
		return generate(argv[2]);

	Suite *s = suite_create("pcap_writer");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, pcap_file_has_exact_bytes_and_nanoseconds);
	tcase_add_test(tc, empty_files_are_valid_captures);
	tcase_add_test(tc, first_packet_sets_link_type_and_pcap_keeps_one);
	tcase_add_test(tc, snaplen_cuts_long_packets);
	tcase_add_test(tc, bad_path_fails_at_open_with_one_line);
	tcase_add_test(tc, pcapng_is_read_back_by_libpcap);
	tcase_add_test(tc, pcapng_gets_an_interface_per_link_type);
	tcase_add_test(tc, size_rotation_splits_where_the_limit_would_be_passed);
	tcase_add_test(tc, size_rotation_one_byte_less_moves_the_split);
	tcase_add_test(tc, packet_larger_than_the_limit_gets_a_file_of_its_own);
	tcase_add_test(tc, ring_of_files_deletes_the_oldest);
	tcase_add_test(tc, ring_numbers_have_the_digits_of_the_last);
	tcase_add_test(tc, pcapng_rotation_repeats_the_interfaces_in_use);
	tcase_add_test(tc, forced_rotation_splits_between_packets);
	tcase_add_test(tc, ring_of_files_applies_to_forced_rotations);
	tcase_add_test(tc, time_rotation_names_files_with_strftime);
	tcase_add_test(tc, time_and_size_rotation_number_within_a_period);
	tcase_add_test(tc, buffered_packets_reach_the_file_within_a_second);
	tcase_add_test(tc, killed_process_leaves_whole_files);
	tcase_add_test(tc, full_queue_drops_and_counts);
	tcase_add_test(tc, lossless_queue_waits_instead_of_dropping);
	tcase_add_loop_test(tc, file_size_limit_cuts_back_to_whole_records, 0, 2);
	tcase_add_loop_test(tc, full_disk_keeps_a_valid_file_and_stops, 0, 2);
	tcase_add_test(tc, post_rotate_runs_through_the_shell_with_the_path);
	tcase_add_test(tc, post_rotate_runs_a_plain_command_without_a_shell);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
