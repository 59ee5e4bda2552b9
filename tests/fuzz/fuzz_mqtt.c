/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the mqtt parser behind the framing core (see fuzz_app.h). */
#include <stdlib.h>

#include "fuzz_app.h"

FUZZ_PARSER(proto_mqtt)
