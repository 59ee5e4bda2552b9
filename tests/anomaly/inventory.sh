#!/usr/bin/env bash
# The passive asset inventory on real captures:
#  - on every shared capture of EtherNet/IP, Modbus, S7comm, BACnet and
#    IEC 61850 (GOOSE) whose identity answers tshark decodes, `vigil
#    inventory -r` names each vendor, product, serial, firmware, device
#    instance, GOOSE publisher as tshark shows it, on the device that
#    answered (tests/anomaly/inventory_check.py);
#  - the asset records of those captures are the same bytes for 1, 2, 4
#    and 8 workers (the golden tests' configuration turns the inventory
#    off, so shared.sh does not see them);
#  - vigil inventory reads back what the sensor wrote (EVE records), the
#    same devices as the replay, and rejects bad usage.
# Skips (exit 77) without the shared captures or tshark.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
SHARED=${SHARED:-$(pwd)/../shared}
if [ ! -d "$SHARED/pcaps" ]; then
	echo "inventory: SKIP: $SHARED/pcaps not found (the public captures live beside the project)"
	exit 77
fi
command -v tshark > /dev/null || { echo "inventory: SKIP: tshark missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

python3 tests/anomaly/inventory_check.py "$VIGIL" "$SHARED/pcaps" || fail=$((fail + 1))

# the same records for any number of workers
cat > "$tmp/assets.yaml" << 'EOF'
stats: {interval: 0}
assets: {enabled: yes}
EOF
n=0
for cap in "$SHARED"/pcaps/enip/iti_enip_test.pcap \
	"$SHARED"/pcaps/enip/quickdraw_CL5000EIP-Software_Upload.pcap \
	"$SHARED"/pcaps/modbus/icsnpp_modbus_example.pcap "$SHARED"/pcaps/modbus/iti_mb2.pcap \
	"$SHARED"/pcaps/s7comm/gym_tia_s300_goOnline.pcapng \
	"$SHARED"/pcaps/bacnet/icsnpp_bacnet_example.pcap "$SHARED"/pcaps/bacnet/ws_BACnetIP-MSTP-Mix.pcap \
	"$SHARED"/pcaps/iec61850/ct_GE_Multilin_UR_GOOSE_and_MMS.pcapng \
	"$SHARED"/pcaps/opcua/icsnpp_open62541_client-server-getEndpoints.pcap \
	"$SHARED"/pcaps/dnp3/zeek_dnp3.pcap; do
	[ -f "$cap" ] || continue
	n=$((n + 1))
	first=""
	for w in 1 2 4 8; do
		"$VIGIL" -q -c "$tmp/assets.yaml" -r "$cap" --workers "$w" -o - 2> "$tmp/err" |
			grep '"event_type":"asset"' > "$tmp/a.$w.json"
		if grep -q "runtime error\|Sanitizer" "$tmp/err"; then
			echo "  FAIL  $cap (workers $w): sanitizer report"
			head -20 "$tmp/err" | sed 's/^/        /'
			fail=$((fail + 1))
		fi
		if [ -z "$first" ]; then
			first=$tmp/a.$w.json
			if [ ! -s "$first" ]; then
				echo "  FAIL  $cap: no asset record"
				fail=$((fail + 1))
			fi
		elif ! cmp -s "$first" "$tmp/a.$w.json"; then
			echo "  FAIL  $cap: workers $w wrote other asset records than workers 1"
			diff "$first" "$tmp/a.$w.json" | head -4 | cut -c1-200 | sed 's/^/        /'
			fail=$((fail + 1))
		fi
	done
	# reading the records back gives the devices of the replay
	"$VIGIL" inventory --json "$first" > "$tmp/read.json"
	"$VIGIL" inventory --json -r "$cap" > "$tmp/replay.json"
	if ! python3 - "$tmp/read.json" "$tmp/replay.json" << 'EOF'; then
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda d: (d.get("ip"), d.get("mac"), d.get("vendor"), d.get("product"), d.get("firmware"),
                 tuple(d.get("roles", [])))
sys.exit(0 if sorted(map(key, a), key=str) == sorted(map(key, b), key=str) else 1)
EOF
		echo "  FAIL  $cap: vigil inventory of the records differs from the replay's"
		fail=$((fail + 1))
	fi
done
echo "  ok    asset records of $n captures: the same for 1, 2, 4 and 8 workers; read back alike"

# bad usage: a usage line and exit 2; a missing file: exit 2
"$VIGIL" inventory > /dev/null 2>&1
[ $? -eq 2 ] || { echo "  FAIL  vigil inventory without arguments: not exit 2"; fail=$((fail + 1)); }
"$VIGIL" inventory /nonexistent/eve.json > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "nonexistent" "$tmp/err" ||
	{ echo "  FAIL  vigil inventory of a missing file: not exit 2 with its name"; fail=$((fail + 1)); }
"$VIGIL" inventory --workers 2 "$tmp/read.json" > /dev/null 2>&1
[ $? -eq 2 ] || { echo "  FAIL  vigil inventory --workers without -r: not exit 2"; fail=$((fail + 1)); }

if [ $fail -eq 0 ]; then
	echo "inventory: ok"
else
	echo "inventory: $fail failure(s)"
fi
[ $fail -eq 0 ]
