#!/usr/bin/env python3
"""Prints the alerts of an eve.json as a table (for `make run`), then a
count of every record type."""
import collections
import json
import sys

def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "eve.json"
    counts = collections.Counter()
    alerts = []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            counts[r.get("event_type")] += 1
            if r.get("event_type") == "alert":
                alerts.append(r)
    for r in alerts:
        a = r["alert"]
        print("%s  %-15s -> %-15s %-7s sid %-7d sev %d  %s" % (
            r["timestamp"][11:23], r.get("src_ip", "?"), r.get("dest_ip", "?"),
            r.get("app_proto", r.get("proto", "")), a["signature_id"], a["severity"],
            a["signature"]))
    print("--- %d alerts; records by type: %s" % (
        len(alerts), ", ".join("%s %d" % kv for kv in sorted(counts.items()))))

if __name__ == "__main__":
    main()
