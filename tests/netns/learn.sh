#!/usr/bin/env bash
# Live learning (issue 17): `vigil learn -i IFACE --learn DURATION` on a veth
# pair between two namespaces the test creates:
#  - it stops by itself after DURATION (exit 0) and writes the baseline;
#  - what it learned from the wire equals what `vigil learn -r` learns from
#    the same (address-rewritten) capture, timings aside (first/last times
#    and polling periods are those of the wire, not of the file);
#  - SIGTERM before DURATION ends: exit 0 and what was learned so far is
#    written;
#  - a live sensor with that baseline (`vigil -i --baseline`) sees the same
#    traffic again without a baseline alert other than polling periods
#    (tcpreplay's pacing is not the plant's).
set -u
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
netns_skip_unless_root learn
BUILD=${BUILD:-build}
VIGIL=$(pwd)/${VIGIL:-$BUILD/vigil}
for t in tcpreplay tcprewrite mergecap python3; do
	command -v $t > /dev/null || { echo "learn: SKIP: $t missing"; exit 77; }
done
TMPD=$(mktemp -d)
trap netns_cleanup EXIT
netns_up || { echo "learn: cannot create namespaces"; exit 1; }
fail=0
ok() { echo "  ok    $1"; }
bad() { echo "  FAIL  $1"; fail=1; }

caps=()
for c in pcaps/modbus.pcap pcaps/dnp3.pcap pcaps/iec104.pcap pcaps/s7comm.pcap; do
	[ -f "$c" ] && caps+=("$c")
done
[ ${#caps[@]} -gt 0 ] || { echo "learn: SKIP: no captures to send"; exit 77; }
mergecap -a -w "$TMPD/all.pcap" "${caps[@]}" || { echo "learn: mergecap failed"; exit 1; }
netns_rewrite "$TMPD/all.pcap" "$TMPD/rw.pcap" || { echo "learn: tcprewrite failed"; exit 1; }

cat > "$TMPD/cfg.yaml" << 'EOF'
stats:
  interval: 0
logging:
  anomaly: no
  flow: no
ndpi:
  enabled: no
EOF

# a baseline without what depends on timing: "learned", first/last times and
# the polling periods
strip() {
	python3 - "$1" << 'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
b.pop("learned", None)
for c in b["conversations"]:
    c.pop("first", None)
    c.pop("last", None)
    for f in c.get("functions", []):
        f.pop("period", None)
        f.pop("connection_period", None)
for i in b.get("identities", []):
    i.pop("first", None)
    i.pop("last", None)
print(json.dumps(b, indent=1, sort_keys=True))
EOF
}

"$VIGIL" learn -q -c "$TMPD/cfg.yaml" -r "$TMPD/rw.pcap" -o "$TMPD/replay.json" ||
	{ echo "learn: vigil learn -r failed"; exit 1; }
strip "$TMPD/replay.json" > "$TMPD/replay.norm"

# 1. the duration ends learning
start=$(date +%s)
netns_bg_b "$VIGIL" learn -q -i "$IF_B" --learn 4s -c "$TMPD/cfg.yaml" --workers 2 -o "$TMPD/live.json"
pid=$LAST_PID
sleep 1
ip netns exec "$NS_A" tcpreplay -q -i "$IF_A" --pps 2000 "$TMPD/rw.pcap" > /dev/null 2>&1
st=0
for _ in $(seq 100); do # up to 10 s more
	kill -0 "$pid" 2> /dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2> /dev/null; then
	bad "vigil learn --learn 4s still running after $(($(date +%s) - start)) s"
	netns_stop "$pid"
else
	wait "$pid"
	st=$?
	took=$(($(date +%s) - start))
	if [ $st -eq 0 ] && [ -s "$TMPD/live.json" ]; then
		ok "--learn 4s: stopped by itself after about $took s, exit 0, baseline written"
	else
		bad "--learn 4s: exit $st, baseline $(test -s "$TMPD/live.json" && echo written || echo missing)"
	fi
fi
if [ -s "$TMPD/live.json" ]; then
	strip "$TMPD/live.json" > "$TMPD/live.norm"
	n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["conversations"]))' "$TMPD/live.json")
	if cmp -s "$TMPD/live.norm" "$TMPD/replay.norm" && [ "$n" -gt 0 ]; then
		ok "learned live = learned from the capture ($n conversations; timings aside)"
	else
		bad "learned live differs from learned from the capture"
		diff "$TMPD/replay.norm" "$TMPD/live.norm" | head -8 | sed 's/^/        /'
	fi
fi

# 2. SIGTERM before the duration: what was learned is written
rm -f "$TMPD/early.json"
netns_bg_b "$VIGIL" learn -q -i "$IF_B" --learn 1h -c "$TMPD/cfg.yaml" --workers 1 -o "$TMPD/early.json"
pid=$LAST_PID
sleep 1
ip netns exec "$NS_A" tcpreplay -q -i "$IF_A" --pps 2000 "$TMPD/rw.pcap" > /dev/null 2>&1
sleep 0.5
netns_stop "$pid"
st=$?
if [ $st -eq 0 ] && [ -s "$TMPD/early.json" ] &&
	strip "$TMPD/early.json" | cmp -s - "$TMPD/replay.norm"; then
	ok "--learn 1h stopped by SIGTERM: exit 0, everything seen so far written"
else
	bad "--learn 1h stopped by SIGTERM: exit $st, baseline $(test -s "$TMPD/early.json" && echo "differs from the capture's" || echo missing)"
fi

# 3. the live-learned baseline in a live sensor on the same traffic
if [ -s "$TMPD/live.json" ]; then
	rm -f "$TMPD/det.json"
	netns_bg_b "$VIGIL" -q -i "$IF_B" -c "$TMPD/cfg.yaml" --baseline "$TMPD/live.json" --workers 2 \
		-o "$TMPD/det.json"
	pid=$LAST_PID
	sleep 1
	ip netns exec "$NS_A" tcpreplay -q -i "$IF_A" --pps 2000 "$TMPD/rw.pcap" > /dev/null 2>&1
	sleep 0.5
	netns_stop "$pid"
	st=$?
	python3 - "$TMPD/det.json" > "$TMPD/det.txt" << 'EOF'
import json, sys
pkts = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("event_type") == "stats":
        pkts = r["stats"]["decoder"]["pkts"]
    elif r.get("event_type") == "alert" and r["alert"].get("category") == "baseline":
        if r["baseline"]["kind"] not in ("period_silence", "period_burst"):
            print(r["baseline"]["kind"], json.dumps(r["baseline"]))
print("pkts", pkts)
EOF
	pk=$(sed -n 's/^pkts //p' "$TMPD/det.txt")
	other=$(grep -vc '^pkts ' "$TMPD/det.txt")
	if [ $st -eq 0 ] && [ "$other" = 0 ] && [ "${pk:-0}" -gt 0 ]; then
		ok "vigil -i --baseline (learned live) on the same traffic: $pk packets, no baseline alert but periods"
	else
		bad "vigil -i --baseline: exit $st, $pk packets, $other baseline alerts"
		head -4 "$TMPD/det.txt" | cut -c1-200 | sed 's/^/        /'
	fi
fi

# 4. --learn is for live capture only; a bad duration is refused
"$VIGIL" learn -r "$TMPD/rw.pcap" --learn 10 -o "$TMPD/x.json" 2> "$TMPD/err"
st=$?
[ $st -eq 2 ] && grep -q "for live capture" "$TMPD/err" &&
	ok "--learn with -r: exit 2 ($(head -1 "$TMPD/err" | cut -c1-70)...)" ||
	bad "--learn with -r: exit $st"
for d in 0 -5 10x 1.5h 999999d; do
	"$VIGIL" learn -i "$IF_B" --learn "$d" -o "$TMPD/x.json" 2> "$TMPD/err"
	st=$?
	if [ $st -ne 2 ] || ! grep -q "expected a duration" "$TMPD/err"; then
		bad "--learn $d: exit $st, $(head -1 "$TMPD/err")"
	fi
done
[ $fail -eq 0 ] && ok "--learn 0, -5, 10x, 1.5h, 999999d: refused, exit 2"

[ $fail -eq 0 ] && echo "learn: all checks passed"
exit $fail
