/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_DETECT_EVENTS_H
#define VIGIL_DETECT_EVENTS_H

/*
 * The event names rules may use (decode-event, stream-event,
 * app-layer-event), beyond those the decoder, the stream engine and the
 * parsers define: Suricata's names for the same events where they differ,
 * and Suricata's events Vigil cannot raise, each with the reason, so that
 * a rule using one is reported as unsupported rather than as broken.
 */

#include <stdint.h>

#include "vigil/app.h"

/* The return values of the lookups below. */
#define EVL_FOUND 0
#define EVL_UNKNOWN (-1)
#define EVL_UNSUPPORTED (-2)

/* decode-event:NAME (with or without "decoder."; "stream.x" is a stream
 * event): *id is a packet event id (a decoder event, or PKT_EV_STREAM(e)).
 * EVL_UNSUPPORTED sets *why. */
int event_lookup_decode(const char *name, uint16_t *id, const char **why);

/* stream-event:NAME (with or without "stream."): *id = PKT_EV_STREAM(e). */
int event_lookup_stream(const char *name, uint16_t *id, const char **why);

/* app-layer-event:NAME for a name the parsers do not define themselves:
 * Suricata's name for events of a parser Vigil has (*parser, and the
 * parser's event ids as bits of *mask), or a Suricata event Vigil cannot
 * raise (EVL_UNSUPPORTED with *why: a protocol Vigil does not parse,
 * Suricata's protocol-detection events). */
int event_lookup_app_alias(const char *name, const struct proto_parser **parser, uint64_t *mask,
			   const char **why);

#endif
