/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ceiling for benchmarks: a bare libpcap read loop over a capture file,
 * touching each packet's first byte so the data is really read. Prints
 * packets, bytes, seconds and packets per second.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pcap-loop FILE\n");
		return 2;
	}
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(argv[1], errbuf);
	if (!pc) {
		fprintf(stderr, "pcap-loop: %s\n", errbuf);
		return 2;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t n = 0, bytes = 0, sum = 0;
	while (pcap_next_ex(pc, &h, &d) == 1) {
		n++;
		bytes += h->caplen;
		if (h->caplen)
			sum += d[0];
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("packets %llu bytes %llu seconds %.6f pps %.0f check %llu\n", (unsigned long long)n,
	       (unsigned long long)bytes, s, s > 0 ? (double)n / s : 0.0, (unsigned long long)sum);
	pcap_close(pc);
	return 0;
}
