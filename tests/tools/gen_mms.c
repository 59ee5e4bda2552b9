/* SPDX-License-Identifier: BSD-3-Clause */
/* PLACEHOLDER: being written (issue 16). */
#include <stdio.h>

#include "gen.h"

int sc_mms(struct gen *g)
{
	(void)g;
	fprintf(stderr, "vigil-gen: scenario mms: not written yet\n");
	return 1;
}
