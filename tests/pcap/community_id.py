#!/usr/bin/env python3
"""Community ID check: for every real capture, the community_id of each
flow record vigil writes must be the one tshark's communityid dissector
computes for that flow's packets, and every TCP/UDP/ICMP conversation
tshark sees must appear in vigil's flow records."""
import json
import os
import subprocess
import sys
import tempfile

def tshark_ids(cap):
    out = subprocess.run(
        ["tshark", "-n", "-r", cap, "--enable-protocol", "communityid", "-T", "fields",
         "-e", "communityid", "-e", "ip.proto", "-e", "ipv6.nxt", "-e", "ip.flags.mf",
         "-e", "ip.frag_offset", "-Y", "(tcp or udp or icmp or icmpv6) and not icmp.resp_to"
         " and not ipv6.fragment and not _ws.malformed"],
        capture_output=True, text=True, check=False).stdout
    ids = set()
    for line in out.splitlines():
        f = line.split("\t")
        if f and f[0]:
            ids.add(f[0])
    return ids

def vigil_ids(vigil, cap, cfg):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "eve.json")
        subprocess.run([vigil, "-q", "-c", cfg, "-r", cap, "--workers", "1", "-o", out],
                       check=True, stderr=subprocess.DEVNULL)
        ids = set()
        with open(out) as f:
            for line in f:
                r = json.loads(line)
                if r.get("event_type") == "flow" and r.get("proto") in ("TCP", "UDP", "ICMP", "IPv6-ICMP"):
                    ids.add(r["community_id"])
        return ids

def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    shared = os.environ.get("SHARED", os.path.join(root, "..", "shared"))
    vigil = os.environ.get("VIGIL", os.path.join(root, "build", "vigil"))
    cfg = os.path.join(root, "tests", "pcap", "vigil.yaml")
    pdir = os.path.join(shared, "pcaps")
    if not os.path.isdir(pdir):
        print("community_id: SKIP: %s not found" % pdir)
        return 77
    caps = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(pdir) for f in fs
                  if f.endswith((".pcap", ".pcapng")))
    bad = 0
    flows = 0
    for cap in caps:
        t = tshark_ids(cap)
        v = vigil_ids(vigil, cap, cfg)
        flows += len(v)
        only_v = v - t
        only_t = t - v
        if only_v or only_t:
            bad += 1
            print("  FAIL  %s: %d ids only in vigil %s, %d only in tshark %s" % (
                cap, len(only_v), sorted(only_v)[:3], len(only_t), sorted(only_t)[:3]))
    print("community_id: %d/%d captures agree with tshark (%d flows)" % (len(caps) - bad, len(caps), flows))
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main())
