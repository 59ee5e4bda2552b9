#!/usr/bin/env bash
# CPU time per packet of the sensor process on a veth pair, XDP pre-filter
# (--xdp, AF_XDP) against libpcap (-i), on a mix of 90% non-industrial and
# 10% industrial packets (vigil-gen xdp-mix). Prints figures; asserts
# nothing about time. Needs root (namespaces, XDP); part of `make bench`.
#
#   PACKETS=200000 PPS=20000 tests/bench/xdp_cpu.sh
set -u
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
netns_skip_unless_root xdp-bench
BUILD=${BUILD:-build}
VIGIL=$(pwd)/$BUILD/vigil
GEN=$(pwd)/$BUILD/vigil-gen
PACKETS=${PACKETS:-200000}
PPS=${PPS:-20000}
command -v tcpreplay > /dev/null || { echo "xdp-bench: SKIP: tcpreplay missing"; exit 77; }
TMPD=$(mktemp -d)
trap netns_cleanup EXIT
netns_up || { echo "xdp-bench: cannot create namespaces"; exit 1; }
"$GEN" xdp-mix --packets "$PACKETS" -o "$TMPD/mix.pcap" > /dev/null
netns_rewrite "$TMPD/mix.pcap" "$TMPD/mix.ll.pcap" || { echo "xdp-bench: tcprewrite failed"; exit 1; }
total=$(capinfos -M -c -T "$TMPD/mix.ll.pcap" | tail -1 | cut -f2)
# industrial packets: TCP port 502 on either side (a plain pcap walk; tshark
# is far too slow on this many HTTP segments)
ics=$(python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
pos, n = 24, 0
while pos + 16 <= len(d):
    cl = struct.unpack("<I", d[pos+8:pos+12])[0]
    f = d[pos+16:pos+16+cl]
    pos += 16 + cl
    if len(f) >= 38 and f[12:14] == b"\x08\x00" and f[23] == 6:
        ihl = (f[14] & 15) * 4
        sp, dp = struct.unpack(">HH", f[14+ihl:18+ihl])
        n += sp == 502 or dp == 502
print(n)' "$TMPD/mix.ll.pcap")

# CPU seconds (user, system) a process used: from /proc before it exits
cpu_of() {
	awk '{print $14, $15}' "/proc/$1/stat"
}

run() { # label, vigil args...
	local label=$1
	shift
	rm -f "$TMPD/out.json"
	# its messages (the rules loaded) to a file, not into the table
	netns_bg_b "$VIGIL" -q "$@" -c tests/pcap/vigil.yaml --workers 1 -o "$TMPD/out.json" 2> "$TMPD/err"
	local pid=$LAST_PID
	sleep 1.5
	kill -0 "$pid" 2> /dev/null || { echo "$label: vigil did not start:"; cat "$TMPD/err"; return 1; }
	# idle first: what the process costs with no traffic, over the same time
	read -r i0 j0 < <(cpu_of "$pid")
	local t0
	t0=$(date +%s.%N)
	sleep "$(echo "$total / $PPS" | bc -l)"
	read -r i1 j1 < <(cpu_of "$pid")
	local idle=$(((i1 - i0) + (j1 - j0)))
	read -r u0 s0 < <(cpu_of "$pid")
	ip netns exec "$NS_A" tcpreplay -q -i "$IF_A" --pps "$PPS" "$TMPD/mix.ll.pcap" > /dev/null 2>&1
	read -r u1 s1 < <(cpu_of "$pid")
	sleep 0.5
	netns_stop "$pid"
	local hz
	hz=$(getconf CLK_TCK)
	local seen drops
	read -r seen drops < <(tail -1 "$TMPD/out.json" | python3 -c 'import json,sys; s=json.load(sys.stdin)["stats"]; print(s["decoder"]["pkts"], "%d/%d" % (s["drops"]["kernel"], s["drops"]["ring"]))')
	local busy=$(((u1 - u0) + (s1 - s0)))
	printf '%-22s %8s %10s %11s %9.0f %9.0f %9.0f %12.0f %12.0f\n' "$label" "$total" "$seen" "$drops" \
		"$(echo "($u1 - $u0) * 1000 / $hz" | bc -l)" "$(echo "($s1 - $s0) * 1000 / $hz" | bc -l)" \
		"$(echo "$idle * 1000 / $hz" | bc -l)" \
		"$(echo "$busy * 1000000000 / $hz / $total" | bc -l)" \
		"$(echo "($busy - $idle) * 1000000000 / $hz / $total" | bc -l)"
}

echo "xdp-mix: $total packets sent at $PPS/s, $ics industrial ($(echo "100 * $ics / $total" | bc)%)"
printf '%-22s %8s %10s %11s %9s %9s %9s %12s %12s\n' capture sent "to user" "drops k/r" "user ms" "sys ms" "idle ms" \
	"ns/pkt" "ns/pkt-idle"
run "libpcap (-i)" -i "$IF_B"
run "XDP skb (--xdp)" --xdp "$IF_B" --xdp-mode skb
run "XDP native (--xdp)" --xdp "$IF_B" --xdp-mode native
