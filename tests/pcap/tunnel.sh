#!/usr/bin/env bash
# Tunnels, from Vigil's own records on pcaps/tunnel.pcap (vigil-gen tunnel):
#  1. every tunnelled copy of the intrusion gives the same alerts (signature
#     ids, inner addresses, ports, how many) as the plain copy (the IPv6
#     ones as the plain IPv6 copy, itself the plain copy made IPv6);
#  2. every alert of a tunnelled copy has a tunnel object naming the outer
#     addresses, protocol, ports and depth; no other alert has one;
#  3. the stats record counts each decapsulation: decoder.gre, erspan,
#     vxlan, mpls against the packets of each copy;
#  4. fragments inside a tunnel and a tunnel in outer fragments are
#     reassembled and inspected; every tunnel event is raised and alerts;
#  5. flow identity: the plain and the GRE copy replayed at the same time
#     are two flows per conversation, both alerting, with 1 and 4 workers.
# The copies are cut apart by time (two hours between them).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
CAP=${CAP:-pcaps/tunnel.pcap}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -f "$CAP" ] || { echo "tunnel: $CAP missing"; exit 1; }
python3 - "$VIGIL" "$CAP" "$tmp" << 'PY'
import ipaddress, json, struct, subprocess, sys
from collections import Counter

vigil, cap, tmp = sys.argv[1:4]
fail = 0

def ok(msg):
    print("  ok    " + msg)

def bad(msg):
    global fail
    fail = 1
    print("  FAIL  " + msg)

# ---- the capture, cut into its parts ----------------------------------------
raw = open(cap, "rb").read()
hdr, pkts, off = raw[:24], [], 24
while off + 16 <= len(raw):
    sec, usec, incl, orig = struct.unpack("<IIII", raw[off:off + 16])
    pkts.append((sec * 1000000 + usec, raw[off:off + 16 + incl]))
    off += 16 + incl
parts, last = [], None
for ts, rec in pkts:
    if last is None or ts - last > 3600 * 1000000:
        parts.append([])
    parts[-1].append((ts, rec))
    last = ts
NAMES = ["plain", "plain-ipv6", "gre", "gre-ipv6", "gre-keyseq", "gre-teb", "erspan1",
         "erspan2", "erspan3", "erspan3-sub", "vxlan", "mpls", "mpls-stack", "mpls-pw", "nested",
         "frag-inner", "frag-outer", "hostile"]
if len(parts) != len(NAMES):
    print("  FAIL  %s: %d parts, expected %d" % (cap, len(parts), len(NAMES)))
    sys.exit(1)

def write(path, recs):
    with open(path, "wb") as f:
        f.write(hdr)
        for _, r in recs:
            f.write(r)

def run(recs, name, workers=1):
    pc, out = "%s/%s.pcap" % (tmp, name), "%s/%s.%d.json" % (tmp, name, workers)
    write(pc, recs)
    subprocess.run([vigil, "-q", "-c", "tests/pcap/vigil.yaml", "-r", pc, "--workers",
                    str(workers), "-o", out], check=True, stderr=subprocess.DEVNULL)
    return [json.loads(l) for l in open(out)]

res = {n: run(p, n) for n, p in zip(NAMES, parts)}

def alerts(recs):
    return [r for r in recs if r["event_type"] == "alert"]

def key(r):
    return (r["alert"]["signature_id"], r.get("src_ip"), r.get("src_port"), r.get("dest_ip"),
            r.get("dest_port"), r.get("proto"))

def v6(a):
    """10.0.C.D as the generator makes it IPv6: fd00::C:D"""
    ip = ipaddress.ip_address(a)
    if ip.version == 6:
        return a
    b = ip.packed
    return str(ipaddress.ip_address(bytes([0xfd]) + bytes(11) + bytes([0, b[2], 0, b[3]])))

# ---- 1. the same alerts ------------------------------------------------------
plain = Counter(key(r) for r in alerts(res["plain"]))
plain6 = Counter(key(r) for r in alerts(res["plain-ipv6"]))
if sum(plain.values()) != 23:
    bad("plain copy: %d alerts, the demo's intrusion gives 23" % sum(plain.values()))
mapped = Counter((k[0], v6(k[1]), k[2], v6(k[3]), k[4], k[5]) for k in plain.elements())
if plain6 == mapped:
    ok("plain IPv6 copy: the plain copy's %d alerts, addresses made IPv6" % sum(plain6.values()))
else:
    bad("plain IPv6 copy differs from the plain copy: %s" % (set(plain6) ^ set(mapped)))
OUTER4 = ("172.31.200.1", "172.31.200.2")
OUTER6 = ("fd00::c8:1", "fd00::c8:2")
# name: (reference, outer addresses or None, proto, depth, counters that equal the packets)
COPIES = {
    "gre": (plain, OUTER4, "GRE", 1, {"gre"}),
    "gre-ipv6": (plain6, OUTER4, "GRE", 1, {"gre"}),
    "gre-keyseq": (plain, OUTER6, "GRE", 1, {"gre"}),
    "gre-teb": (plain, OUTER4, "GRE", 1, {"gre"}),
    "erspan1": (plain, OUTER4, "GRE", 1, {"gre", "erspan"}),
    "erspan2": (plain, OUTER4, "GRE", 1, {"gre", "erspan"}),
    "erspan3": (plain, OUTER4, "GRE", 1, {"gre", "erspan"}),
    "erspan3-sub": (plain, OUTER4, "GRE", 1, {"gre", "erspan"}),
    "vxlan": (plain, OUTER4, "UDP", 1, {"vxlan"}),
    "mpls": (plain, None, None, 0, {"mpls"}),
    "mpls-stack": (plain, None, None, 0, {"mpls"}),
    "mpls-pw": (plain, None, None, 0, {"mpls"}),
    "nested": (plain, OUTER4, "GRE", 2, {"gre", "vxlan"}),
    "plain": (plain, None, None, 0, set()),
    "plain-ipv6": (plain6, None, None, 0, set()),
}
for name, (ref, outer, proto, depth, counted) in COPIES.items():
    al = alerts(res[name])
    got = Counter(key(r) for r in al)
    problems = []
    if got != ref:
        problems.append("alerts differ: missing %s, extra %s" %
                        (sorted(ref - got)[:3], sorted(got - ref)[:3]))
    # ---- 2. the tunnel object
    for r in al:
        t = r.get("tunnel")
        if outer is None:
            if t is not None:
                problems.append("a tunnel object on a copy without an IP tunnel")
                break
            continue
        want = {"src_ip": outer[0], "dest_ip": outer[1], "proto": proto, "depth": depth,
                "pcap_cnt": r["pcap_cnt"], "pkt_src": "wire/pcap"}
        if t is None or any(t.get(k) != v for k, v in want.items()) or \
                set(t) != {"src_ip", "src_port", "dest_ip", "dest_port", "proto", "depth",
                           "pcap_cnt", "pkt_src"}:
            problems.append("tunnel object %s, expected %s" % (t, want))
            break
        if proto == "UDP" and not (t["dest_port"] == 4789 and t["src_port"] >= 49152):
            problems.append("VXLAN tunnel ports %s -> %s" % (t["src_port"], t["dest_port"]))
            break
        if proto == "GRE" and (t["src_port"], t["dest_port"]) != (0, 0):
            problems.append("GRE tunnel ports not 0")
            break
    # ---- 3. the counters
    st = res[name][-1]["stats"]
    n = st["capture"]["packets"]
    d = st["decoder"]
    for c in ("gre", "erspan", "vxlan", "mpls"):
        if d[c] != (n if c in counted else 0):
            problems.append("decoder.%s %d for %d packets" % (c, d[c], n))
    if d["invalid"] or any(r["event_type"] == "anomaly" for r in res[name]):
        problems.append("decoder events or anomalies where none belong")
    if problems:
        bad("%s: %s" % (name, "; ".join(problems)))
    else:
        ok("%s: the %d alerts of the %s copy%s; %s" %
           (name, len(al), "IPv6" if ref is plain6 else "plain",
            ", each with the tunnel %s -> %s %s depth %d" % (outer[0], outer[1], proto, depth)
            if outer else ", no tunnel object",
            ", ".join("decoder.%s %d" % (c, d[c]) for c in sorted(counted)) + " of %d packets" % n
            if counted else "no decapsulation counted"))

# ---- 4. fragments, events -----------------------------------------------------
fi = res["frag-inner"]
sids = sorted(r["alert"]["signature_id"] for r in alerts(fi))
tun = [r.get("tunnel", {}).get("src_ip") for r in alerts(fi)]
if sids == [9104020, 9104021, 9104022] and tun == [OUTER4[0]] * 3 and \
        fi[-1]["stats"]["defrag"]["reassembled"] == 1:
    ok("fragments inside a GRE tunnel: reassembled, the identity response alerts, in the tunnel")
else:
    bad("fragments inside a tunnel: alerts %s, tunnels %s, reassembled %d" %
        (sids, tun, fi[-1]["stats"]["defrag"]["reassembled"]))
fo = res["frag-outer"]
sids = sorted(r["alert"]["signature_id"] for r in alerts(fo))
st = fo[-1]["stats"]
if sids == [9100011, 9100017, 9100021] and st["defrag"]["reassembled"] == st["capture"]["packets"] // 2 \
        and st["decoder"]["gre"] == st["defrag"]["reassembled"]:
    ok("GRE in outer IPv4 fragments: %d datagrams reassembled, then opened; the write alerts"
       % st["defrag"]["reassembled"])
else:
    bad("outer fragments: alerts %s, stats %s" % (sids, st["defrag"]))
EVENTS = ["decoder.gre.pkt_too_small", "decoder.gre.wrong_version", "decoder.gre.version0_recur",
          "decoder.gre.version0_flags", "decoder.gre.version0_hdr_too_big",
          "decoder.erspan.header_too_small", "decoder.erspan.unsupported_version",
          "decoder.erspan.too_many_vlan_layers", "decoder.vxlan.unknown_payload_type",
          "decoder.mpls.header_too_small", "decoder.mpls.pkt_too_small",
          "decoder.mpls.bad_label_router_alert", "decoder.mpls.bad_label_implicit_null",
          "decoder.mpls.bad_label_reserved", "decoder.mpls.unknown_payload_type",
          "decoder.too_many_layers"]
ho = res["hostile"]
seen = Counter(r["anomaly"]["event"] for r in ho if r["event_type"] == "anomaly")
missing = [e for e in EVENTS if not seen[e]]
counted = ho[-1]["stats"]["decoder"]["event"]
wrong = [e for e in EVENTS if counted.get(e) != seen[e]]
tsids = set(range(9109030, 9109046))
fired = tsids & {r["alert"]["signature_id"] for r in alerts(ho)}
if missing or wrong or fired != tsids:
    bad("hostile headers: events missing %s, counted apart from the records %s, rules silent %s"
        % (missing, wrong, sorted(tsids - fired)))
else:
    ok("hostile headers: all %d tunnel events, each counted and each alerting (%d rules)"
       % (len(EVENTS), len(fired)))
inner_bad = [r for r in ho if r["event_type"] == "anomaly" and
             r["anomaly"]["event"] == "decoder.ipv4.pkt_too_small"]
if inner_bad and inner_bad[0].get("tunnel", {}).get("src_ip") == OUTER4[0]:
    ok("a truncated packet inside a tunnel: its event names the tunnel")
else:
    bad("a truncated packet inside a tunnel: %s" % inner_bad)

# ---- 5. flow identity ----------------------------------------------------------
p0, g0 = parts[0], parts[2]
shift = g0[0][0] - p0[0][0]
both = []
for (ts, rec), (gts, grec) in zip(p0, g0):
    both.append((ts, rec))
    t = gts - shift
    both.append((t, struct.pack("<II", t // 1000000, t % 1000000) + grec[8:]))
outs = [run(both, "both", w) for w in (1, 4)]
if outs[0] != outs[1]:
    bad("plain and GRE copies at once: 1 and 4 workers wrote different records")
flows = Counter((r["src_ip"], r["src_port"], r["dest_ip"], r["dest_port"], r["proto"])
                for r in outs[0] if r["event_type"] == "flow")
al = Counter(key(r) for r in alerts(outs[0]))
retrans = sum(1 for r in outs[0] if r["event_type"] == "anomaly")
# the identity sweep (9104026) counts destinations per source over both
# copies: it fires twice, earlier in the sweep than with one copy
SWEEP = 9104026
twice = Counter({k: v for k, v in (plain + plain).items() if k[0] != SWEEP})
swept = sum(v for k, v in al.items() if k[0] == SWEEP)
if set(flows.values()) == {2} and +Counter({k: v for k, v in al.items() if k[0] != SWEEP}) == twice \
        and swept == 2 and retrans == 0:
    ok("plain and GRE copies at once: %d conversations, two flows each, %d alerts (each copy's "
       "23), no anomaly; the same records with 1 and 4 workers" % (len(flows), sum(al.values())))
else:
    bad("plain and GRE copies at once: flows per conversation %s, %d alerts, %d anomalies; "
        "alerts not twice the plain copy's: %s %s" % (set(flows.values()), sum(al.values()), retrans,
        sorted((al - (plain + plain)).items()), sorted(((plain + plain) - al).items())))
sys.exit(fail)
PY
rc=$?
[ $rc -eq 0 ] && echo "tunnel: all checks passed" || echo "tunnel: FAILED"
exit $rc
