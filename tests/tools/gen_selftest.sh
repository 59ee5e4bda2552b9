#!/usr/bin/env bash
# The capture generator: deterministic, in step with the shipped captures,
# and writing packets that tshark finds well formed (checksums, TCP
# sequence numbers, the industrial dissectors), with the sizes asked for.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
GEN=${GEN:-$BUILD/vigil-gen}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "  ok    $1"; }
bad() { echo "  FAIL  $1"; fail=1; }
[ -x "$GEN" ] || { echo "gen: $GEN not built"; exit 1; }
command -v tshark > /dev/null || { echo "gen: tshark is missing (make test-deps installs it)"; exit 1; }

# 1. the shipped captures are exactly what the generator writes today
for cap in pcaps/*.pcap; do
	name=$(basename "$cap" .pcap)
	"$GEN" "$name" -o "$tmp/$name.pcap" > /dev/null || { bad "$name: generator failed"; continue; }
	if cmp -s "$cap" "$tmp/$name.pcap"; then
		ok "$cap is what 'vigil-gen $name' writes"
	else
		bad "$cap differs from 'vigil-gen $name' (run make pcaps and review)"
	fi
done

# 2. seeds: same seed same bytes, another seed other bytes
"$GEN" quiet-plant --packets 3000 --seed 7 -o "$tmp/a.pcap" > /dev/null
"$GEN" quiet-plant --packets 3000 --seed 7 -o "$tmp/b.pcap" > /dev/null
"$GEN" quiet-plant --packets 3000 --seed 8 -o "$tmp/c.pcap" > /dev/null
if cmp -s "$tmp/a.pcap" "$tmp/b.pcap" && ! cmp -s "$tmp/a.pcap" "$tmp/c.pcap"; then
	ok "same seed, same capture; another seed, another capture"
else
	bad "seeds do not behave"
fi

# 3. sizes
n=$(capinfos -M -c -T "$tmp/a.pcap" | tail -1 | cut -f2)
if [ "$n" -ge 3000 ] && [ "$n" -lt 3200 ]; then ok "--packets 3000 gives $n packets"; else bad "--packets 3000 gave $n"; fi
"$GEN" flow-flood --flows 500 -o "$tmp/f.pcap" > /dev/null
syn=$(tshark -r "$tmp/f.pcap" -Y "tcp.flags == 0x002" 2> /dev/null | wc -l)
streams=$(tshark -r "$tmp/f.pcap" -T fields -e tcp.stream 2> /dev/null | sort -u | wc -l)
if [ "$syn" = 500 ] && [ "$streams" = 500 ]; then ok "--flows 500 gives 500 distinct connections"; else bad "--flows 500: $syn SYNs, $streams streams"; fi

# 4. well formed: no bad checksum, no TCP sequence trouble, no malformed
#    industrial PDU in the normal parts (the anomaly flows and the
#    deliberate edge cases are excluded by address)
for sc in demo quiet-plant alert-storm background; do
	"$GEN" "$sc" --packets 4000 -o "$tmp/$sc.pcap" > /dev/null
	bad_ck=$(tshark -r "$tmp/$sc.pcap" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-o ip.check_checksum:TRUE \
		-Y "tcp.checksum.status == 0 || udp.checksum.status == 0 || ip.checksum.status == 0 || tcp.analysis.flags && !tcp.analysis.window_update || _ws.malformed || _ws.expert.severity >= 6291456" \
		2> /dev/null | wc -l)
	if [ "$bad_ck" = 0 ]; then ok "$sc: tshark finds every packet well formed"; else
		bad "$sc: tshark flags $bad_ck packets"
		tshark -r "$tmp/$sc.pcap" -o tcp.check_checksum:TRUE -Y "tcp.checksum.status == 0 || udp.checksum.status == 0 || tcp.analysis.flags && !tcp.analysis.window_update || _ws.malformed || _ws.expert.severity >= 6291456" 2> /dev/null | head -5 | sed 's/^/        /'
	fi
done

# 5. every protocol is what tshark calls it
for p in modbus:mbtcp dnp3:dnp3 iec104:iec60870_104 s7comm:s7comm enip:enip; do
	sc=${p%%:*}
	filt=${p#*:}
	k=$(tshark -r "pcaps/$sc.pcap" -Y "$filt" 2> /dev/null | wc -l)
	if [ "$k" -gt 10 ]; then ok "$sc: tshark decodes $k $filt packets"; else bad "$sc: tshark decodes only $k $filt packets"; fi
done

# 6. the command line
"$GEN" --list | grep -q "^flow-flood" && ok "--list names the scenarios" || bad "--list"
"$GEN" nosuch -o "$tmp/x.pcap" 2> "$tmp/err"
[ $? = 2 ] && grep -q "unknown scenario 'nosuch'" "$tmp/err" && ok "unknown scenario: exit 2 with its name" || bad "unknown scenario"
"$GEN" demo --packets ten -o "$tmp/x.pcap" 2> /dev/null
[ $? = 2 ] && ok "bad number: exit 2" || bad "bad number accepted"

echo "gen: $([ $fail = 0 ] && echo passed || echo FAILED)"
exit $fail
