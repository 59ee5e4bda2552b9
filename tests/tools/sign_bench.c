/* SPDX-License-Identifier: BSD-3-Clause */
/* Signed records per second on one core: a typical alert record chained
 * and signed in block mode (1024 and 64 records) and in per-record mode.
 *   sign-bench KEY [RECORDS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output/chain.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sign-bench KEY [RECORDS]\n");
		return 2;
	}
	long n = argc > 2 ? atol(argv[2]) : 200000;
	static const char rec[] =
		"{\"timestamp\":\"2023-11-14T22:13:20.038000+0000\",\"flow_id\":1346066267577507604,"
		"\"pcap_cnt\":1234,\"event_type\":\"alert\",\"src_ip\":\"10.0.1.66\",\"src_port\":42000,"
		"\"dest_ip\":\"10.0.0.10\",\"dest_port\":502,\"proto\":\"TCP\",\"app_proto\":\"modbus\","
		"\"direction\":\"to_server\",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":9100011,"
		"\"rev\":1,\"signature\":\"VIGIL MODBUS write single register from a host that is not a master\","
		"\"category\":\"Unauthorized Industrial Command\",\"severity\":1,\"metadata\":{\"mitre_technique_id\":"
		"[\"T0836\"]}},\"modbus\":{\"request\":{\"transaction_id\":2,\"protocol_id\":0,\"unit_id\":1,"
		"\"function_raw\":6,\"function_code\":\"WrSingleReg\",\"access_type\":\"WRITE | HOLDING\","
		"\"category\":\"PUBLIC_ASSIGNED\",\"write\":{\"address\":40,\"data\":9999}}}}";
	uint32_t modes[3] = { 1024, 64, 1 };
	const char *names[3] = { "block (1024 records, the default)", "block (64 records)", "per record" };
	for (int m = 0; m < 3; m++) {
		char st[64];
		snprintf(st, sizeof(st), "/tmp/sign-bench-%d.state", (int)getpid());
		unlink(st);
		struct chain_config cc = { argv[1], NULL, st, modes[m], 1000000 };
		char err[256];
		struct chain *c = chain_open(&cc, err, sizeof(err));
		if (!c) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		static char line[8192];
		size_t bytes = 0;
		double t0 = now();
		for (long i = 0; i < n; i++) {
			bytes += chain_record(c, rec, sizeof(rec) - 1, (uint64_t)i, line, sizeof(line));
			if (chain_due(c, (uint64_t)i))
				bytes += chain_signature(c, "block", (uint64_t)i, line, sizeof(line));
		}
		double dt = now() - t0;
		printf("%-20s %9.0f records/s  (%ld records of %zu bytes, %llu signatures, %.2f s)\n", names[m],
		       (double)n / dt, n, sizeof(rec) - 1, (unsigned long long)chain_signatures(c), dt);
		chain_free(c);
		unlink(st);
	}
	return 0;
}
