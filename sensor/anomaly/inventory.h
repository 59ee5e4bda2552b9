/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_ANOMALY_INVENTORY_H
#define VIGIL_ANOMALY_INVENTORY_H

/*
 * `vigil inventory`: the devices of a set of asset records (assets.h has
 * their format), merged per device, printed as a table or as JSON.
 *
 * A device is its IP address, or its MAC address when its records have no
 * IP; a MAC-only device whose MAC later shows with an IP becomes that IP's.
 * Records are merged in the order they are read: the latest value of each
 * field wins, protocols and identities (per protocol and component) add
 * up, roles add up (master then replaces hmi, as the sensor decides),
 * first_seen is the earliest and last_seen the latest, and every replaced
 * value (event "change") is kept in the device's change history.
 */

#include <stddef.h>
#include <stdio.h>

struct inventory;

struct inventory *inventory_new(void);
void inventory_free(struct inventory *inv); /* accepts NULL */

/* One EVE record (a JSON object, no newline needed); anything that is not
 * an asset record is ignored. Returns 1 when it was one, 0 when not, -1
 * when it was one that could not be read. */
int inventory_add(struct inventory *inv, const char *json, size_t len);

/* Every asset record of an EVE file (one record per line; lines with a
 * syslog header before the record are fine); "-" is stdin. 0, or -1 with
 * the reason in err (the file could not be read). */
int inventory_read_file(struct inventory *inv, const char *path, char *err, size_t errlen);

/* Aligned columns: IP, MAC, VENDOR (the MAC's vendor in brackets when no
 * protocol named one), PRODUCT/MODEL, FIRMWARE, SERIAL, NAME, PROTOCOLS,
 * ROLES; a module behind a device (an identity with a component, that
 * names something) on an indented line below it. Sorted by address: IPv4,
 * IPv6, then devices seen only by their MAC. */
void inventory_print_table(const struct inventory *inv, FILE *f);
/* One JSON array of the merged devices, in the same order. */
void inventory_print_json(const struct inventory *inv, FILE *f);

/* Devices held. */
size_t inventory_count(const struct inventory *inv);

#endif
