/* fuzz_pcap_file.c - libFuzzer harness for the classic pcap reader
 * (src/capture/pcap_file.c), checked against libpcap itself.
 *
 * Input layout:
 *   u8  block     which read size: 1, 7, 64, 4096 bytes or the default
 *   rest          the capture file
 * Every file the reader takes is read by libpcap too, record by record:
 * the same link type, the same lengths and bytes, the same timestamps
 * (where libpcap's signed seconds and fractions agree with the format's
 * unsigned ones), and both must end at the same record - cleanly for
 * both, or with an error for both.  Files the reader does not take must
 * come back unread: the prefix it hands back is the file's first bytes.
 * The reader's offset moves by whole records and never past the file.
 * Each record's bytes are summed, so a view past the buffer is a read
 * AddressSanitizer sees. */
#include <pcap/pcap.h>

#include "fuzz.h"

#include "capture/pcap_file.h"

static const size_t blocks[] = { 1, 7, 64, 4096, 0 };
#define BLOCK_CHOICES (sizeof(blocks) / sizeof(blocks[0]))

static volatile unsigned sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	size_t block = blocks[fuzz_u8(&in) % BLOCK_CHOICES];
	if (in.len == 0)
		return 0;
	/* fmemopen needs a writable buffer; libpcap gets a stream of its own. */
	uint8_t *file = malloc(in.len);
	memcpy(file, in.p, in.len);
	FILE *f = fmemopen(file, in.len, "rb");
	uint8_t prefix[PCAP_FILE_HEADER_LEN];
	size_t prefix_len = 0;
	struct pcap_file *pf = pcap_file_open(f, block, prefix, &prefix_len);
	if (!pf) {
		FUZZ_CHECK(prefix_len <= PCAP_FILE_HEADER_LEN && prefix_len <= in.len);
		FUZZ_CHECK(memcmp(prefix, file, prefix_len) == 0);
		fclose(f);
		free(file);
		return 0;
	}
	FILE *g = fmemopen(file, in.len, "rb");
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(g, PCAP_TSTAMP_PRECISION_NANO, err);
	FUZZ_CHECK(p != NULL); /* a file taken here is one libpcap opens */
	FUZZ_CHECK(pcap_file_linktype(pf) == pcap_datalink(p));
	uint64_t offset = pcap_file_offset(pf);
	FUZZ_CHECK(offset == PCAP_FILE_HEADER_LEN);
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *pd;
		struct pcap_file_record r;
		int rc = pcap_next_ex(p, &h, &pd);
		enum pcap_file_status st = pcap_file_next(pf, &r);
		if (rc != 1) {
			if (rc == PCAP_ERROR_BREAK)
				FUZZ_CHECK(st == PCAP_FILE_END);
			else
				FUZZ_CHECK(st == PCAP_FILE_TRUNCATED || st == PCAP_FILE_BAD_LENGTH);
			break;
		}
		FUZZ_CHECK(st == PCAP_FILE_RECORD);
		/* The offset moves by the whole record, and stays in the file. */
		FUZZ_CHECK(pcap_file_offset(pf) >= offset + 16 + r.caplen);
		offset = pcap_file_offset(pf);
		FUZZ_CHECK(offset <= in.len);
		FUZZ_CHECK(r.caplen == h->caplen && r.wirelen == h->len);
		FUZZ_CHECK(r.caplen <= pcap_file_snaplen(pf));
		FUZZ_CHECK(memcmp(r.data, pd, r.caplen) == 0);
		if (h->ts.tv_sec >= 0 && h->ts.tv_usec >= 0)
			FUZZ_CHECK(r.ts_ns == (int64_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec);
		unsigned sum = 0;
		for (uint32_t i = 0; i < r.caplen; i++)
			sum += r.data[i];
		sink = sum;
	}
	pcap_close(p);
	pcap_file_close(pf);
	free(file);
	return 0;
}
