/* Unit tests: the classic pcap reader (src/capture/pcap_file.c).
 *
 * Made-up files cover what the format allows (both byte orders, micro- and
 * nanosecond magics, records cut to the snapshot length, records crossing
 * read blocks) and how it can end (cleanly, inside a header, inside the
 * data, with an impossible length).  Every capture of the golden suite is
 * then read by both this reader and libpcap, record by record, with
 * blocks small enough that records straddle them. */
#include <check.h>
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/pcap_file.h"

/* A capture being built in memory. */
struct image {
	uint8_t *bytes;
	size_t len, cap;
	bool big;
};

static void put(struct image *im, const void *p, size_t n)
{
	if (im->len + n > im->cap) {
		im->cap = (im->len + n) * 2;
		im->bytes = realloc(im->bytes, im->cap);
		ck_assert_ptr_nonnull(im->bytes);
	}
	memcpy(im->bytes + im->len, p, n);
	im->len += n;
}

static void put32(struct image *im, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(im->big ? v >> (24 - 8 * i) : v >> (8 * i));
	put(im, b, 4);
}

static void put16(struct image *im, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(im->big ? v >> 8 : v), (uint8_t)(im->big ? v : v >> 8) };
	put(im, b, 2);
}

static void file_header(struct image *im, uint32_t magic, uint16_t major, uint16_t minor,
			uint32_t snaplen, uint32_t linktype)
{
	put32(im, magic);
	put16(im, major);
	put16(im, minor);
	put32(im, 0);
	put32(im, 0);
	put32(im, snaplen);
	put32(im, linktype);
}

/* A record whose bytes are (seed + i) & 0xff. */
static void record(struct image *im, uint32_t sec, uint32_t frac, uint32_t caplen,
		   uint32_t wirelen, uint8_t seed)
{
	put32(im, sec);
	put32(im, frac);
	put32(im, caplen);
	put32(im, wirelen);
	for (uint32_t i = 0; i < caplen; i++) {
		uint8_t b = (uint8_t)(seed + i);
		put(im, &b, 1);
	}
}

static bool bytes_ok(const struct pcap_file_record *r, uint8_t seed)
{
	for (uint32_t i = 0; i < r->caplen; i++)
		if (r->data[i] != (uint8_t)(seed + i))
			return false;
	return true;
}

static struct pcap_file *open_image(struct image *im, size_t block)
{
	FILE *f = fmemopen(im->bytes, im->len, "rb");
	ck_assert_ptr_nonnull(f);
	uint8_t prefix[PCAP_FILE_HEADER_LEN];
	size_t n;
	struct pcap_file *pf = pcap_file_open(f, block, prefix, &n);
	if (!pf)
		fclose(f);
	return pf;
}

START_TEST(both_byte_orders_and_precisions)
{
	static const struct {
		bool big;
		uint32_t magic;
		int64_t frac_ns;
	} kinds[] = {
		{ false, 0xa1b2c3d4u, 123456000 }, /* microseconds: 123456 */
		{ true, 0xa1b2c3d4u, 123456000 },
		{ false, 0xa1b23c4du, 123456789 }, /* nanoseconds */
		{ true, 0xa1b23c4du, 123456789 },
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct image im = { .big = kinds[k].big };
		file_header(&im, kinds[k].magic, 2, 4, 65535, 1);
		uint32_t frac = kinds[k].frac_ns == 123456000 ? 123456 : 123456789;
		record(&im, 1700000000u, frac, 60, 70, 7);
		record(&im, 4000000000u, frac, 0, 0, 0); /* seconds past 2038 */
		struct pcap_file *pf = open_image(&im, 0);
		ck_assert_ptr_nonnull(pf);
		ck_assert_int_eq(pcap_file_linktype(pf), DLT_EN10MB);
		ck_assert_uint_eq(pcap_file_snaplen(pf), 65535);
		struct pcap_file_record r;
		ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_RECORD);
		ck_assert_int_eq(r.ts_ns, 1700000000LL * 1000000000LL + kinds[k].frac_ns);
		ck_assert_uint_eq(r.caplen, 60);
		ck_assert_uint_eq(r.wirelen, 70);
		ck_assert(bytes_ok(&r, 7));
		ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_RECORD);
		ck_assert_int_eq(r.ts_ns, 4000000000LL * 1000000000LL + kinds[k].frac_ns);
		ck_assert_uint_eq(r.caplen, 0);
		ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_END);
		ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_END);
		pcap_file_close(pf);
		free(im.bytes);
	}
}
END_TEST

START_TEST(link_types_mapped_as_libpcap)
{
	static const struct {
		uint32_t linktype;
		int dlt; /* -1: left to libpcap */
	} cases[] = {
		{ 0, DLT_NULL }, { 1, DLT_EN10MB }, { 101, DLT_RAW }, { 108, DLT_LOOP },
		{ 113, DLT_LINUX_SLL }, { 228, 228 }, { 229, 229 }, { 276, 276 },
		{ 105, -1 },                    /* 802.11: not decoded, libpcap's */
		{ 0x04000000u | 1, -1 },        /* Ethernet with FCS length bits */
		{ 12, -1 },                     /* a DLT_ value, not a LINKTYPE_ */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct image im = { 0 };
		file_header(&im, 0xa1b2c3d4u, 2, 4, 65535, cases[i].linktype);
		struct pcap_file *pf = open_image(&im, 0);
		if (cases[i].dlt < 0) {
			ck_assert_msg(pf == NULL, "link type %u should be left to libpcap",
				      cases[i].linktype);
		} else {
			ck_assert_ptr_nonnull(pf);
			ck_assert_int_eq(pcap_file_linktype(pf), cases[i].dlt);
			pcap_file_close(pf);
		}
		free(im.bytes);
	}
}
END_TEST

/* What is not taken comes back whole, for libpcap. */
START_TEST(other_formats_handed_back)
{
	static const uint8_t pcapng[] = { 0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c,
					  0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, 0x1c, 0, 0, 0 };
	FILE *f = fmemopen((void *)pcapng, sizeof(pcapng), "rb");
	uint8_t prefix[PCAP_FILE_HEADER_LEN];
	size_t n;
	ck_assert_ptr_null(pcap_file_open(f, 0, prefix, &n));
	ck_assert_uint_eq(n, PCAP_FILE_HEADER_LEN);
	ck_assert_mem_eq(prefix, pcapng, n);
	fclose(f);

	/* Version 2.3 (caplen and len were swapped by some writers). */
	struct image im = { 0 };
	file_header(&im, 0xa1b2c3d4u, 2, 3, 65535, 1);
	ck_assert_ptr_null(open_image(&im, 0));
	free(im.bytes);

	/* Shorter than a file header. */
	static const uint8_t shortf[] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0 };
	f = fmemopen((void *)shortf, sizeof(shortf), "rb");
	ck_assert_ptr_null(pcap_file_open(f, 0, prefix, &n));
	ck_assert_uint_eq(n, sizeof(shortf));
	ck_assert_mem_eq(prefix, shortf, n);
	fclose(f);
}
END_TEST

/* libpcap cuts a record longer than the snapshot length to it and reads
 * on; a record longer than it will ever accept ends the file. */
START_TEST(record_lengths)
{
	struct image im = { 0 };
	file_header(&im, 0xa1b2c3d4u, 2, 4, 100, 1);
	record(&im, 1, 0, 150, 150, 3);
	record(&im, 2, 0, 100, 1500, 4);
	put32(&im, 3);
	put32(&im, 0);
	put32(&im, PCAP_FILE_MAX_SNAPLEN + 1);
	put32(&im, 60);
	struct pcap_file *pf = open_image(&im, 0);
	ck_assert_ptr_nonnull(pf);
	struct pcap_file_record r;
	ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_RECORD);
	ck_assert_uint_eq(r.caplen, 100);
	ck_assert_uint_eq(r.wirelen, 150);
	ck_assert(bytes_ok(&r, 3));
	ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_RECORD);
	ck_assert_uint_eq(r.caplen, 100);
	ck_assert_uint_eq(r.wirelen, 1500);
	ck_assert(bytes_ok(&r, 4));
	ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_BAD_LENGTH);
	ck_assert_uint_eq(pcap_file_bad_length(pf), PCAP_FILE_MAX_SNAPLEN + 1);
	pcap_file_close(pf);
	free(im.bytes);

	/* Snapshot length 0 means the maximum. */
	im = (struct image){ 0 };
	file_header(&im, 0xa1b2c3d4u, 2, 4, 0, 1);
	record(&im, 1, 0, PCAP_FILE_MAX_SNAPLEN, PCAP_FILE_MAX_SNAPLEN, 9);
	pf = open_image(&im, 0);
	ck_assert_ptr_nonnull(pf);
	ck_assert_uint_eq(pcap_file_snaplen(pf), PCAP_FILE_MAX_SNAPLEN);
	ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_RECORD);
	ck_assert_uint_eq(r.caplen, PCAP_FILE_MAX_SNAPLEN);
	ck_assert(bytes_ok(&r, 9));
	ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_END);
	pcap_file_close(pf);
	free(im.bytes);
}
END_TEST

/* Cut anywhere inside the last record: truncated, after the whole ones. */
START_TEST(truncated_anywhere)
{
	struct image im = { 0 };
	file_header(&im, 0xa1b2c3d4u, 2, 4, 65535, 1);
	record(&im, 1, 0, 40, 40, 1);
	size_t whole = im.len;
	record(&im, 2, 0, 40, 40, 2);
	for (size_t cut = whole; cut <= im.len; cut++) {
		FILE *f = fmemopen(im.bytes, cut, "rb");
		uint8_t prefix[PCAP_FILE_HEADER_LEN];
		size_t n;
		struct pcap_file *pf = pcap_file_open(f, 16, prefix, &n);
		ck_assert_ptr_nonnull(pf);
		struct pcap_file_record r;
		ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_RECORD);
		ck_assert(bytes_ok(&r, 1));
		enum pcap_file_status st = pcap_file_next(pf, &r);
		if (cut == whole)
			ck_assert_int_eq(st, PCAP_FILE_END);
		else if (cut == im.len)
			ck_assert_int_eq(st, PCAP_FILE_RECORD);
		else
			ck_assert_msg(st == PCAP_FILE_TRUNCATED, "cut at %zu: status %d", cut, st);
		pcap_file_close(pf);
	}
	free(im.bytes);
}
END_TEST

/* Many records of every length through blocks of a few bytes up. */
START_TEST(records_across_blocks)
{
	struct image im = { .big = true };
	file_header(&im, 0xa1b23c4du, 2, 4, 65535, 101);
	for (uint32_t i = 0; i < 3000; i++)
		record(&im, i, i, (i * 7919) % 1600, 2000, (uint8_t)i);
	static const size_t blocks[] = { 1, 17, 100, 4096, 0 };
	for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		struct pcap_file *pf = open_image(&im, blocks[b]);
		ck_assert_ptr_nonnull(pf);
		ck_assert_int_eq(pcap_file_linktype(pf), DLT_RAW);
		struct pcap_file_record r;
		uint64_t offset = PCAP_FILE_HEADER_LEN;
		ck_assert_uint_eq(pcap_file_offset(pf), offset);
		for (uint32_t i = 0; i < 3000; i++) {
			ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_RECORD);
			offset += 16 + (i * 7919) % 1600;
			ck_assert_uint_eq(pcap_file_offset(pf), offset);
			ck_assert_int_eq(r.ts_ns, (int64_t)i * 1000000000LL + i);
			ck_assert_uint_eq(r.caplen, (i * 7919) % 1600);
			ck_assert_msg(bytes_ok(&r, (uint8_t)i), "block %zu record %u", blocks[b], i);
		}
		ck_assert_int_eq(pcap_file_next(pf, &r), PCAP_FILE_END);
		ck_assert_uint_eq(pcap_file_offset(pf), im.len);
		pcap_file_close(pf);
	}
	free(im.bytes);
}
END_TEST

/* Every golden capture this reader takes, against libpcap. */
static int compare_with_libpcap(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	uint8_t prefix[PCAP_FILE_HEADER_LEN];
	size_t n;
	struct pcap_file *pf = pcap_file_open(f, 333, prefix, &n);
	if (!pf) {
		fclose(f);
		return 0;
	}
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	ck_assert_msg(p != NULL, "%s: %s", path, err);
	ck_assert_int_eq(pcap_file_linktype(pf), pcap_datalink(p));
	for (uint64_t i = 1;; i++) {
		struct pcap_pkthdr *h;
		const u_char *data;
		struct pcap_file_record r;
		int rc = pcap_next_ex(p, &h, &data);
		enum pcap_file_status st = pcap_file_next(pf, &r);
		if (rc != 1) {
			/* -2: the end; -1: an error (truncated or bad length). */
			ck_assert_msg(rc == -2 ? st == PCAP_FILE_END : st != PCAP_FILE_RECORD &&
										st != PCAP_FILE_END,
				      "%s: record %llu: libpcap %d, pcap_file %d", path,
				      (unsigned long long)i, rc, st);
			break;
		}
		ck_assert_msg(st == PCAP_FILE_RECORD, "%s: record %llu: status %d", path,
			      (unsigned long long)i, st);
		ck_assert_int_eq(r.ts_ns, (int64_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec);
		ck_assert_uint_eq(r.caplen, h->caplen);
		ck_assert_uint_eq(r.wirelen, h->len);
		ck_assert_mem_eq(r.data, data, r.caplen);
	}
	pcap_close(p);
	pcap_file_close(pf);
	return 1;
}

START_TEST(golden_captures_as_libpcap)
{
	const char *srcdir = getenv("SRCDIR");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/golden/captures", srcdir ? srcdir : ".");
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "cannot open %s (set SRCDIR)", dir);
	int taken = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 5, ".pcap") != 0)
			continue;
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		taken += compare_with_libpcap(path);
	}
	closedir(d);
	/* The suite has dozens of classic pcap files: all must be read here. */
	ck_assert_int_ge(taken, 30);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pcap_file");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, both_byte_orders_and_precisions);
	tcase_add_test(tc, link_types_mapped_as_libpcap);
	tcase_add_test(tc, other_formats_handed_back);
	tcase_add_test(tc, record_lengths);
	tcase_add_test(tc, truncated_anywhere);
	tcase_add_test(tc, records_across_blocks);
	tcase_add_test(tc, golden_captures_as_libpcap);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
