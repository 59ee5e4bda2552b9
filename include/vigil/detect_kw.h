/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_DETECT_KW_H
#define VIGIL_DETECT_KW_H

/*
 * Rule keywords a protocol parser offers to the detection engine, e.g.
 * `modbus: function 3`, `dnp3_func: write`, `iec104.typeid: C_SC_NA_1`.
 *
 * A parser lists its keywords in proto_parser.keywords. The engine parses a
 * rule option whose name matches by calling setup() with the option's
 * argument (trimmed, quotes removed; NULL when the option has no value),
 * then evaluates match() against every transaction of that protocol the
 * rule meets. A keyword may instead be a sticky buffer (dnp3_data): then
 * buffer() returns the bytes the content/pcre options after it inspect.
 *
 * functions() lets the engine index rules: when a matcher can only match
 * txs whose function code (the value proto_parser.tx_function() returns) is
 * in a known set, it sets those codes' bits and returns true, and the rule
 * is only evaluated against txs with one of them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app_tx;

/* Function codes the engine indexes: tx_function() values 0 .. APP_FUNC_BITS-1. */
#define APP_FUNC_BITS 1024

struct app_keyword {
	const char *name;
	/* 0, or -1 with a precise reason in err ("modbus: unknown function 'x'"). */
	int (*setup)(const char *arg, void **data, char *err, size_t errlen);
	bool (*match)(const void *data, const struct app_tx *tx);
	void (*free)(void *data);            /* accepts NULL; NULL = free() */
	/* Sets in set (APP_FUNC_BITS bits, zeroed by the caller) the function
	 * codes a tx must have for match() to be true, and returns true; false
	 * when any code may match. May be NULL (any code). */
	bool (*functions)(const void *data, uint8_t *set);
	/* Sticky buffers only (setup/match NULL): NULL when the tx has none. */
	const uint8_t *(*buffer)(const struct app_tx *tx, size_t *len);
	/* Multi-buffers (Suricata's multi-buffer matching, e.g. the topic
	 * filters of an MQTT SUBSCRIBE), optional: the idx-th instance, NULL
	 * past the last. The content/pcre options after the keyword match when
	 * they all match within one instance; buffer() gives instance 0. */
	const uint8_t *(*buffer_at)(const struct app_tx *tx, uint32_t idx, size_t *len);
	/* One line for --list-keywords, optional (NULL: one is made up from
	 * the protocol and the kind of keyword). */
	const char *desc;
};

#endif
