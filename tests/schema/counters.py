#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every event counter the stats record can hold is described by the schema.

A stats record carries a counter only for the events that occurred, so the
captures of run.sh cannot show them all: this reads the sensor's event
tables (decode_event_names in sensor/decode/ether.c, stream_event_names in
sensor/flow/stream.c) and the XDP program's counter names
(sensor/capture/afxdp.c), and checks that each event's counter has its place in
Suricata's schema merged with vigil.schema.json, where the stats record
writes it (sensor/pipeline/stats.c): decoder.L.N as stats.decoder.event.L.N
(the null layer as ltnull), a layerless decoder.N as stats.decoder.event.N,
stream.N as stats.stream.N. defrag.* events are counted under stats.defrag
by name of their own. Exit status 1 when one is missing."""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, HERE)
import validate  # noqa: E402


def table(path, start):
    """The string literals of the C array whose definition starts with start."""
    with open(os.path.join(ROOT, path)) as f:
        src = f.read()
    i = src.index(start)
    return re.findall(r'"([a-z0-9_.]+)"', src[i:src.index("};", i)])


def main():
    stats = validate.load_schema()["properties"]["stats"]["properties"]
    missing = []
    names = table("sensor/decode/ether.c", "decode_event_names[DEC__COUNT]")
    for n in names:
        if not n.startswith("decoder."):
            continue
        parts = n[len("decoder."):].split(".")
        node = stats["decoder"]["properties"]["event"]
        for p in parts[:-1]:
            node = node.get("properties", {}).get("ltnull" if p == "null" else p)
            if node is None:
                break
        if node is None or parts[-1] not in node.get("properties", {}):
            missing.append("stats.decoder.event." + ".".join(parts) + " (" + n + ")")
    snames = table("sensor/flow/stream.c", "stream_event_names[STREAM_EV__COUNT]")
    for n in snames:
        k = n[len("stream."):] if n.startswith("stream.") else n
        if k not in stats["stream"]["properties"]:
            missing.append("stats.stream." + k + " (" + n + ")")
    # a live XDP sensor's stats.xdp: the program's counters (their names in
    # sensor/capture/afxdp.c), then socket_drops and zerocopy
    xnames = table("sensor/capture/afxdp.c", "counter_names[VXDP__COUNT]")
    for k in xnames + ["socket_drops", "zerocopy"]:
        if k not in stats["xdp"]["properties"]:
            missing.append("stats.xdp." + k)
    for m in missing:
        print("  FAIL  not in the schema: %s" % m)
    print("counters: %d decoder and %d stream event counters, %d XDP counters, %d not described"
          % (len(names), len(snames), len(xnames), len(missing)))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
