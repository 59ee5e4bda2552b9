/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_OUTPUT_SINK_IMPL_H
#define VIGIL_OUTPUT_SINK_IMPL_H

/* What a sink implementation provides (sink.c, syslog.c). */

#include "output/sink.h"

struct sink_ops {
	int (*write)(struct sink *s, const struct sink_rec *r);
	void (*flush)(struct sink *s);
	void (*reopen)(struct sink *s);
	int (*close)(struct sink *s);
	void (*stats)(struct sink *s, struct sink_stats *st); /* NULL: s->st */
};

struct sink {
	const struct sink_ops *ops;
	enum sink_format format;
	char name[300];
	bool failed;
	struct sink_stats st;
};

#endif
