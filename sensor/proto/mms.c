/* SPDX-License-Identifier: BSD-3-Clause */
/* PLACEHOLDER: being written (issue 16); registered so that the tree builds. */
#include "vigil/app.h"

const struct proto_parser proto_mms = {
	.name = "mms",
	.transport = APP_TCP,
};
