/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the PROFINET DCP parser, as frames of its EtherType
 * with one state for the run (see fuzz_app.h). */
#include <stdlib.h>

#include "fuzz_app.h"

FUZZ_PARSER(proto_pn_dcp)
