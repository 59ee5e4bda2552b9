#!/usr/bin/env python3
"""Reduces EVE records to what a live capture and a replay of the same
traffic must agree on: event types, endpoints, protocols, transaction and
alert contents; not timestamps, flow ids, pcap_cnt (the tunnel object's
too) or stats. Prints one
sorted line per record."""
import json
import sys

DROP = {"timestamp", "flow_id", "pcap_cnt", "flow", "tcp", "stats", "seq", "prev", "ndpi"}

def main():
    event_types = set(sys.argv[2].split(",")) if len(sys.argv) > 2 else None
    out = []
    with open(sys.argv[1]) as f:
        for line in f:
            r = json.loads(line)
            et = r.get("event_type")
            if et == "stats" or (event_types and et not in event_types):
                continue
            for k in DROP:
                r.pop(k, None)
            if isinstance(r.get("tunnel"), dict):  # the packet's index again
                r["tunnel"].pop("pcap_cnt", None)
            out.append(json.dumps(r, sort_keys=True))
    for line in sorted(out):
        print(line)

if __name__ == "__main__":
    main()
