/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_CAPTURE_LINKTYPE_H
#define VIGIL_CAPTURE_LINKTYPE_H

/*
 * What a captured frame looks like, to catch a capture file whose header
 * names the wrong link type (an Ethernet capture labelled raw IP, or the
 * reverse): decoded as the header says, every packet would be garbage and
 * nothing would say why. A frame "fits" a link type when the header of
 * that type is there and what it says comes next is there too (an IP
 * header whose lengths agree with the frame, ARP, an industrial
 * EtherType...). Capture only: nothing here decodes.
 */

#include <stdint.h>

enum link_kind {
	LK_ETHERNET,
	LK_RAW,   /* raw IP: LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6 */
	LK_SLL,
	LK_SLL2,
	LK_NULL,  /* BSD loopback, family in the capturing host's order */
	LK_LOOP,  /* OpenBSD loopback, family big-endian */
	LK__COUNT
};

/* The kind of a pcap link type Vigil decodes, or -1. */
int link_kind_of(int linktype);
/* "Ethernet", "raw IP", ... */
const char *link_kind_name(int kind);
/* editcap -T's name for it ("ether", "rawip", ...) */
const char *link_kind_editcap(int kind);
/* Bit (1 << kind) set for each kind the frame fits. O(header bytes). */
unsigned link_fits(const uint8_t *b, uint32_t caplen, uint32_t wirelen);

#endif
