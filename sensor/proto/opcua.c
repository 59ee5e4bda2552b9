/* SPDX-License-Identifier: BSD-3-Clause */
/* PLACEHOLDER: being written (issue 16); registered so that the tree builds. */
#include "vigil/app.h"

const struct proto_parser proto_opcua = {
	.name = "opcua",
	.transport = APP_TCP,
};
