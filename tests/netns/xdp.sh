#!/usr/bin/env bash
# vigil --xdp on a veth pair between two namespaces the test creates:
# captures replayed from the other end (addresses rewritten into
# 169.254.0.0/16 and fd00::/8) give the same industrial records as
# `vigil -r` on the same captures, and no packet of a non-industrial flow
# ever reaches user space. Native and generic (skb) XDP modes.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
netns_skip_unless_root xdp
BUILD=${BUILD:-build}
VIGIL=$(pwd)/${VIGIL:-$BUILD/vigil}
SHARED=${SHARED:-$(pwd)/../shared}
command -v tcpreplay > /dev/null || { echo "xdp: SKIP: tcpreplay missing"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "xdp: SKIP: kernel without BTF"; exit 77; }
TMPD=$(mktemp -d)
trap netns_cleanup EXIT
netns_up || { echo "xdp: cannot create namespaces"; exit 1; }
fail=0
compared=0

# a probe: can this machine load BPF at all?
if ! nsenter --net="/run/netns/$NS_B" "$VIGIL" -q --xdp "$IF_B" --workers 1 -o /dev/null \
	2> "$TMPD/probe.err" & then :; fi
probe=$!
sleep 1
if ! kill -0 $probe 2> /dev/null; then
	wait $probe
	echo "xdp: SKIP: BPF unavailable here: $(head -1 "$TMPD/probe.err")"
	exit 77
fi
kill -TERM $probe
wait $probe

# the test configuration, with Modbus on 5020 configured: the XDP program
# keeps the ports of every parser and those the configuration adds (a
# protocol on a port nobody declared is only found without the pre-filter)
sed -e "s|^default-rule-path: .*|default-rule-path: $(pwd)/rules|" \
	-e 's|^    modbus: {log: yes}$|    modbus: {log: yes, ports: {tcp: [5020]}}|' tests/pcap/vigil.yaml > "$TMPD/v.yaml"
grep -q 'tcp: \[5020\]' "$TMPD/v.yaml" || { echo "xdp: FAIL: could not add Modbus on 5020 to the configuration"; exit 1; }

caps=()
for c in pcaps/demo.pcap pcaps/modbus.pcap pcaps/dnp3.pcap pcaps/iec104.pcap \
	pcaps/s7comm.pcap pcaps/enip.pcap pcaps/transport.pcap pcaps/background.pcap \
	"$SHARED/pcaps/modbus/iti_mb2.pcap" "$SHARED/pcaps/dnp3/fwtest_full_exchange.pcap"; do
	[ -f "$c" ] && caps+=("$c")
done
[ ${#caps[@]} -gt 0 ] || { echo "xdp: SKIP: no captures to send"; exit 77; }
# Tunnels (pcaps/tunnel.pcap, one copy of the intrusion at a time: live, the
# two hours between copies are gone): GRE, GRE over IPv6 with checksum, key
# and sequence, ERSPAN II and III, VXLAN, an MPLS stack and pseudowire,
# VXLAN in GRE, fragments inside GRE, the hostile headers. The program keeps
# them whatever they carry (to the fallback socket, which routes the inner
# packet); every address at every layer is moved into 169.254/16 first.
# The plant's addresses moved too, so that the intrusion still alerts (its
# copies take a few milliseconds: no threshold window differs when live).
sed -e 's|^    ICS_NET: "\[|    ICS_NET: "[169.254.0.0/24,|' \
	-e 's|^    ICS_MASTERS: "\[|    ICS_MASTERS: "[169.254.0.2,169.254.0.3,169.254.0.4,|' \
	"$TMPD/v.yaml" > "$TMPD/vt.yaml"
grep -q '169.254.0.0/24' "$TMPD/vt.yaml" || { echo "xdp: FAIL: could not move the plant in the configuration"; exit 1; }
if [ -f pcaps/tunnel.pcap ]; then
	parts="2 4 7 9 10 12 13 14 15 17"
	if python3 tests/netns/tunnel_rewrite.py pcaps/tunnel.pcap "$TMPD" $parts; then
		for i in $parts; do caps+=("$TMPD/tunnel-$i.pcap"); done
	else
		echo "  FAIL  tunnel_rewrite.py"
		fail=1
	fi
fi

# industrial = a flow with an industrial port on one side (the ports of
# every parser, as the XDP program keeps them), or VXLAN's (tunnels are kept
# whatever they carry: a VXLAN datagram that cannot be opened is a flow)
ICS_PORTS=502,5020,20000,2404,102,44818,2222,4789
cat > "$TMPD/filter.py" <<'PY'
import json, sys
ports = set(int(p) for p in sys.argv[1].split(","))
for line in sys.stdin:
    r = json.loads(line)
    if r.get("event_type") == "stats":
        continue
    if r.get("proto") in ("TCP", "UDP") and not (r.get("src_port") in ports or r.get("dest_port") in ports):
        print("NON-INDUSTRIAL " + line.strip())
PY

for mode in skb native; do
	for cap in "${caps[@]}"; do
		name=$(basename "$cap" .pcap)
		cfg=$TMPD/v.yaml
		[ "${name#tunnel-}" != "$name" ] && cfg=$TMPD/vt.yaml
		[ -f "$TMPD/$name.pcap" ] || netns_rewrite "$cap" "$TMPD/$name.pcap" ||
			{ echo "  FAIL  tcprewrite $cap"; fail=1; continue; }
		rm -f "$TMPD/xdp.json"
		netns_bg_b "$VIGIL" -q --xdp "$IF_B" --xdp-mode $mode -c "$cfg" \
			--workers 2 -o "$TMPD/xdp.json"
		pid=$LAST_PID
		sleep 1.5
		if ! kill -0 "$pid" 2> /dev/null; then
			wait "$pid"
			echo "  FAIL  $name ($mode): vigil --xdp did not start"
			fail=1
			continue
		fi
		ip netns exec "$NS_A" tcpreplay -q -i "$IF_A" --pps 3000 "$TMPD/$name.pcap" > /dev/null 2>&1
		sleep 0.5
		netns_stop "$pid"
		st=$?
		# the reference: a replay of the same capture, industrial flows only
		rm -f "$TMPD/ref.json"
		"$VIGIL" -q -c "$cfg" -r "$TMPD/$name.pcap" -o "$TMPD/ref.json" 2> /dev/null
		python3 tests/netns/normalize.py "$TMPD/xdp.json" "$(cat tests/netns/compare_types)" > "$TMPD/x.norm"
		python3 tests/netns/normalize.py "$TMPD/ref.json" "$(cat tests/netns/compare_types)" > "$TMPD/r.norm"
		if [ "$cfg" = "$TMPD/vt.yaml" ]; then
			# the identity sweep (a threshold over the source's packets, which
			# live reach two workers in no fixed order) may fire on another
			# of its packets
			sed -i '/"signature_id": 9104026}/d' "$TMPD/x.norm" "$TMPD/r.norm"
		fi
		leaked=$(python3 "$TMPD/filter.py" "$ICS_PORTS" < "$TMPD/xdp.json" | wc -l)
		kept=$(tail -1 "$TMPD/xdp.json" | python3 -c 'import json,sys; s=json.load(sys.stdin)["stats"]; print(s["xdp"]["kept"] + s["xdp"]["kept_fallback"], s["decoder"]["pkts"])')
		if [ $st -ne 0 ]; then
			echo "  FAIL  $name ($mode): exit status $st"
			fail=1
		elif [ "$leaked" != 0 ]; then
			echo "  FAIL  $name ($mode): $leaked records of non-industrial flows reached user space"
			fail=1
		elif [ "${kept% *}" != "${kept#* }" ]; then
			echo "  FAIL  $name ($mode): XDP kept ${kept% *} packets, user space decoded ${kept#* }"
			fail=1
		elif ! cmp -s "$TMPD/x.norm" "$TMPD/r.norm"; then
			echo "  FAIL  $name ($mode): records differ from vigil -r"
			diff "$TMPD/r.norm" "$TMPD/x.norm" | head -6 | cut -c1-220 | sed 's/^/        /'
			fail=1
		else
			compared=$((compared + $(wc -l < "$TMPD/x.norm")))
			echo "  ok    $name ($mode): $(wc -l < "$TMPD/x.norm") records as with -r; ${kept% *} packets kept, none other"
		fi
	done
done
# Stopped while traffic flows: the program is detached first and what the
# sockets hold is still taken, so every packet the program kept is either
# decoded or counted as dropped by the kernel (socket_drops). Before, the
# workers left what their sockets held, and the program kept redirecting
# until it was detached at exit: kept ran ahead of what user space saw.
big="$TMPD/iti_mb2.pcap"
if [ -f "$big" ]; then
	for mode in skb native; do
		rm -f "$TMPD/xdp.json"
		netns_bg_b "$VIGIL" -q --xdp "$IF_B" --xdp-mode $mode -c "$TMPD/v.yaml" \
			--workers 2 -o "$TMPD/xdp.json"
		pid=$LAST_PID
		sleep 1.5
		ip netns exec "$NS_A" tcpreplay -q -i "$IF_A" --pps 50000 --loop 50 "$big" > /dev/null 2>&1 &
		tp=$!
		PIDS+=("$tp")
		sleep 1
		kill -0 "$tp" 2> /dev/null; sending=$?
		netns_stop "$pid"
		st=$?
		kill -TERM "$tp" 2> /dev/null
		wait "$tp" 2> /dev/null
		# per worker: its sockets' RX rings, empty once drained, and their
		# drops (part of the sockets' drops, the fallback's being the rest)
		acct=$(tail -1 "$TMPD/xdp.json" | python3 -c '
import json, sys
s = json.load(sys.stdin)["stats"]
x = s["xdp"]
ws = s["workers"]
rings = len(ws) == 2 and all(w["ring_size"] > 0 and w["ring_used"] == 0 for w in ws) \
	and sum(w["ring_drops"] for w in ws) <= x["socket_drops"]
print(x["kept"] + x["kept_fallback"], s["decoder"]["pkts"] + x["socket_drops"], x["socket_drops"],
      s["capture"]["kernel_drops"], "yes" if rings else "no")')
		read -r kept seen sdrops kdrops rings <<< "$acct"
		if [ $st -ne 0 ]; then
			echo "  FAIL  stop under load ($mode): exit status $st"
			fail=1
		elif ! [ "${kept:-0}" -gt 0 ] 2> /dev/null || [ -z "$kdrops" ]; then
			echo "  FAIL  stop under load ($mode): no packet kept, or no counters in the last stats record"
			fail=1
		elif [ $sending -ne 0 ]; then
			echo "  FAIL  stop under load ($mode): the traffic had ended before the stop"
			fail=1
		elif [ "$rings" != yes ]; then
			echo "  FAIL  stop under load ($mode): per worker, RX rings not reported, not empty after the stop, or drops beyond the sockets'"
			fail=1
		elif [ "$kept" != "$seen" ] || [ "$sdrops" != "$kdrops" ]; then
			echo "  FAIL  stop under load ($mode): XDP kept $kept packets, user space decoded or the kernel dropped $seen (socket drops $sdrops, kernel drops $kdrops)"
			fail=1
		else
			echo "  ok    stop under load ($mode): $kept packets kept, each decoded or counted as dropped ($sdrops)"
		fi
	done
fi

if [ $compared -eq 0 ]; then
	echo "  FAIL  no industrial record was compared at all"
	fail=1
fi
[ $fail -eq 0 ] && echo "xdp: all checks passed ($compared records compared)"
exit $fail
