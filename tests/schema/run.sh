#!/usr/bin/env bash
# Every record Vigil writes validates against Suricata's EVE schema
# (tests/schema/suricata.schema.json, vendored) merged with Vigil's
# extension (tests/schema/vigil.schema.json), which may only add members:
# the records of every capture in pcaps/ and of every shared capture in
# ../shared/pcaps, with transaction records on for every protocol, a
# sensor name (host) and the asset inventory on; for one capture signed
# (seq, prev, signature records), and again after a simulated crash (a
# restart record); the learned baseline's alerts on the generator's
# plant. Every record but the output stage's ends with host. Every
# decoder, stream and XDP counter the stats record can hold is described
# (counters.py, from the sensor's tables). Also checks that every integer
# is exact in a double and that flow ids fit in 51 bits. The shared
# captures are skipped, with a message, when their folder is absent.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
SHARED=${SHARED:-$(pwd)/../shared}
# Debian's python3-jsonschema is for Debian's python3
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
if ! "$PY" -c 'import jsonschema' 2> /dev/null; then
	echo "schema: python3-jsonschema missing (apt-get install python3-jsonschema)"
	exit 1
fi
[ -x "$VIGIL" ] || { echo "schema: $VIGIL not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the golden tests' configuration (every protocol's log on), with a name
sed "s#^default-rule-path: .*#default-rule-path: $(pwd)/rules#" tests/pcap/vigil.yaml > "$tmp/vigil.yaml"
printf 'sensor-name: "schema \\"test\\" sensor"\n' >> "$tmp/vigil.yaml"
# the asset inventory on (its records, the stats' assets member), MAC
# vendors from the golden tests' excerpt of the OUI file
sed -i -e '/^assets:$/,/^[^ ]/s/^  enabled: no$/  enabled: yes/' \
	-e "s#^assets:\$#assets:\n  oui-file: $(pwd)/tests/pcap/oui.csv#" "$tmp/vigil.yaml"
grep -q '^  enabled: yes' "$tmp/vigil.yaml" || { echo "schema: the asset inventory not turned on"; exit 1; }

fail=0
n=0
run() { # capture, output, extra arguments...
	local cap=$1 out=$2
	shift 2
	if ! "$VIGIL" -q -c "$tmp/vigil.yaml" -r "$cap" --workers 1 -o "$out" "$@" 2> "$tmp/err"; then
		echo "  FAIL  $cap: exit status"
		head -3 "$tmp/err" | sed 's/^/        /'
		fail=$((fail + 1))
	fi
	n=$((n + 1))
}
for cap in pcaps/*.pcap; do
	run "$cap" "$tmp/pcaps.$(basename "$cap" .pcap).json"
done
# signed: seq and prev on every record, signature records
if "$VIGIL" keygen "$tmp/key" > /dev/null 2>&1; then
	run pcaps/demo.pcap "$tmp/pcaps.signed.json" --signing-key "$tmp/key/vigil.key"
	grep -q '"event_type":"signature"' "$tmp/pcaps.signed.json" ||
		{ echo "  FAIL  no signature record in the signed run"; fail=$((fail + 1)); }
	# a run after a crash (the state left "running") begins with a
	# restart record (saved_seq, reboot)
	sed -i 's/^status stopped$/status running/' "$tmp/key/vigil.key.state"
	run pcaps/dnp3.pcap "$tmp/pcaps.restart.json" --signing-key "$tmp/key/vigil.key"
	grep -q '"reason":"restart"' "$tmp/pcaps.restart.json" ||
		{ echo "  FAIL  no restart record after a crash"; fail=$((fail + 1)); }
else
	echo "  FAIL  vigil keygen"
	fail=$((fail + 1))
fi
# the learned baseline: its alerts (category baseline, the baseline
# object) and the stats' baseline member, on the generator's plant
GEN=${GEN:-$BUILD/vigil-gen}
if [ -x "$GEN" ]; then
	if "$GEN" baseline-plant -o "$tmp/plant.pcap" > /dev/null &&
		"$GEN" baseline-intrusion -o "$tmp/intrusion.pcap" > /dev/null &&
		"$VIGIL" learn -q -c "$tmp/vigil.yaml" -r "$tmp/plant.pcap" -o "$tmp/plant.baseline"; then
		run "$tmp/intrusion.pcap" "$tmp/pcaps.baseline.json" --baseline "$tmp/plant.baseline"
		grep -q '"category":"baseline"' "$tmp/pcaps.baseline.json" ||
			{ echo "  FAIL  no baseline alert on the intrusion"; fail=$((fail + 1)); }
	else
		echo "  FAIL  the baseline plant: vigil-gen or vigil learn"
		fail=$((fail + 1))
	fi
else
	echo "schema: $GEN not built: the learned baseline's records are not checked"
fi
if [ -d "$SHARED/pcaps" ]; then
	while IFS= read -r cap; do
		run "$cap" "$tmp/shared.$n.json"
	done < <(find "$SHARED/pcaps" -name '*.pcap' -o -name '*.pcapng' | sort)
else
	echo "schema: $SHARED/pcaps not found: the shared captures are not checked"
fi

if ! "$PY" tests/schema/validate.py "$tmp"/*.json; then
	fail=$((fail + 1))
fi
# the sensor's name on every record but the output stage's (signature,
# delivery), as its last member
if ! "$PY" -c 'import json, sys
want = "schema \"test\" sensor"
bad = 0
for name in sys.argv[1:]:
    for line in open(name):
        r = json.loads(line)
        if r["event_type"] not in ("signature", "delivery") and list(r)[-1:] != ["host"] \
                and list(r)[-3:] != ["host", "seq", "prev"] or r.get("host", want) != want:
            bad += 1
            if bad <= 3:
                print("  FAIL  no host at the end: %s" % line[:200])
sys.exit(1 if bad else 0)' "$tmp"/*.json; then
	fail=$((fail + 1))
fi
# every counter the stats record can hold is described, also those no
# capture here raises
if ! "$PY" tests/schema/counters.py; then
	fail=$((fail + 1))
fi
# for information: Suricata's schema alone lists neither host (every
# record here has one) nor Vigil's own members, each of which the
# extension describes
"$PY" tests/schema/validate.py --suricata-only --report --quiet "$tmp"/*.json |
	sed 's/^/  (for information, without vigil.schema.json) /'
echo "schema: $n runs, records $([ $fail -eq 0 ] && echo valid || echo INVALID)"
[ $fail -eq 0 ]
