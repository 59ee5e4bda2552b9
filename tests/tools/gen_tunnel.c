/* SPDX-License-Identifier: BSD-3-Clause */
/* PLACEHOLDER: being written (issue 16). */
#include <stdio.h>

#include "gen.h"

int sc_tunnel(struct gen *g)
{
	(void)g;
	fprintf(stderr, "vigil-gen: scenario tunnel: not written yet\n");
	return 1;
}
