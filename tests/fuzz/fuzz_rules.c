/* SPDX-License-Identifier: BSD-3-Clause */
/* The rule loader on arbitrary rule text, then the loaded rules on a packet
 * whose payload is the same bytes: parsing, prefilter and evaluation. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vigil/detect.h"
#include "vigil/flow.h"

static const struct detect_var avars[] = {
	{ "HOME_NET", "[10.0.0.0/8,!10.0.0.66]" },
	{ "EXTERNAL_NET", "!$HOME_NET" },
	{ "ICS_NET", "10.0.0.0/24" },
	{ "ICS_MASTERS", "[10.0.0.2,10.0.0.3]" },
};
static const struct detect_var pvars[] = { { "MODBUS_PORTS", "[502,5020]" } };

static void on_alert(void *user, const struct detect_alert *a)
{
	struct detect_alert_meta m;
	detect_alert_meta_fill(a, &m);
	(*(unsigned *)user)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("rules", 0);
		if (fd < 0)
			return 0;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	struct detect_config cfg = { .address_vars = avars, .n_address_vars = 4,
				     .port_vars = pvars, .n_port_vars = 1,
				     .classification_file = "rules/classification.config" };
	if (access(cfg.classification_file, R_OK) != 0)
		cfg.classification_file = NULL;
	FILE *devnull = fopen("/dev/null", "w");
	char err[256];
	const char *paths[] = { path };
	struct detect_load_report rep;
	struct detect_engine *de = detect_engine_load(&cfg, paths, 1, devnull, &rep, err, sizeof(err));
	fclose(devnull);
	if (!de) {
		if (!err[0])
			__builtin_trap(); /* a failure always says why */
		return 0;
	}
	struct detect_thread *dt = detect_thread_new(de);
	if (dt) {
		struct packet p;
		memset(&p, 0, sizeof(p));
		p.ip_ver = 4;
		p.l4proto = IPPROTO_TCP;
		p.src.a[0] = 10, p.src.a[3] = 66;
		p.dst.a[0] = 10, p.dst.a[3] = 9;
		p.sp = 40000;
		p.dp = 502;
		p.flags = PKT_HAS_FLOW_KEY;
		p.payload = data;
		p.payload_len = (uint32_t)size;
		p.tcp_flags = 0x18;
		struct flow f;
		memset(&f, 0, sizeof(f));
		unsigned n = 0;
		struct detect_alert_sink sink = { &n, on_alert };
		detect_packet(dt, &p, &f, &sink);
		detect_packet(dt, &p, NULL, &sink);
		detect_flow_free(&f); /* the flow's flowints and thresholds by flow */
		detect_thread_free(dt);
	}
	detect_engine_free(de);
	return 0;
}
