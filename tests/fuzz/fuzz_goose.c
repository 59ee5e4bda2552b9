/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the goose parser, its frames through the framing core,
 * one publisher table for a run of frames (see fuzz_app.h). */
#include <stdlib.h>

#include "fuzz_app.h"

FUZZ_PARSER(proto_goose)
