/* SPDX-License-Identifier: BSD-3-Clause */
/* The configuration parser on arbitrary YAML text. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/vigil-fuzz-config-%d.yaml", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	struct vigil_config c;
	config_defaults(&c);
	char err[1024];
	if (config_load(&c, path, err, sizeof(err)) < 0 && err[0] == '\0')
		__builtin_trap(); /* a failure always says why */
	config_free(&c);
	return 0;
}
