/* pcap_floor - the benchmark floor: read a capture with libpcap and touch
 * every captured byte (a checksum the compiler cannot drop), nothing else.
 * No tool that reads the file through libpcap can be faster. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pcap_floor FILE\n");
		return 1;
	}
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "pcap_floor: %s\n", err);
		return 1;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t packets = 0, sum = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		packets++;
		for (uint32_t i = 0; i < h->caplen; i++)
			sum += d[i];
	}
	pcap_close(p);
	printf("%llu packets, byte sum %llu\n", (unsigned long long)packets, (unsigned long long)sum);
	return 0;
}
