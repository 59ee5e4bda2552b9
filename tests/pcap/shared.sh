#!/usr/bin/env bash
# Every real capture in ../shared/pcaps is replayed without an error or a
# sanitizer report; the packet count in the stats record equals capinfos';
# the records are byte-identical for 1, 2, 4 and 8 workers and across two
# runs. Skips (exit 77) when the folder is absent.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
SHARED=${SHARED:-$(pwd)/../shared}
WORKERS=${WORKERS:-1 2 4 8}
if [ ! -d "$SHARED/pcaps" ]; then
	echo "shared: SKIP: $SHARED/pcaps not found (the public captures live beside the project)"
	exit 77
fi
command -v capinfos > /dev/null || { echo "shared: capinfos missing (wireshark-common)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
while IFS= read -r cap; do
	n=$((n + 1))
	want=$(capinfos -M -c -T "$cap" 2> /dev/null | tail -1 | cut -f2)
	first=""
	for w in $WORKERS; do
		out=$tmp/out.$w.json
		rm -f "$out"
		if ! "$VIGIL" -q -c tests/pcap/vigil.yaml -r "$cap" --workers "$w" -o "$out" 2> "$tmp/err"; then
			echo "  FAIL  $cap (workers $w): exit status"
			head -5 "$tmp/err" | sed 's/^/        /'
			fail=$((fail + 1))
			continue 2
		fi
		if grep -q "runtime error\|Sanitizer" "$tmp/err"; then
			echo "  FAIL  $cap (workers $w): sanitizer report"
			head -20 "$tmp/err" | sed 's/^/        /'
			fail=$((fail + 1))
			continue 2
		fi
		if [ -z "$first" ]; then
			first=$out
			got=$(tail -1 "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["capture"]["packets"])')
			if [ "$got" != "$want" ]; then
				echo "  FAIL  $cap: $got packets, capinfos says $want"
				fail=$((fail + 1))
				continue 2
			fi
		elif ! cmp -s "$first" "$out"; then
			echo "  FAIL  $cap: workers $w wrote different records than workers ${WORKERS%% *}"
			diff "$first" "$out" | head -4 | cut -c1-200 | sed 's/^/        /'
			fail=$((fail + 1))
			continue 2
		fi
	done
	# a second run of the first configuration is byte-identical
	"$VIGIL" -q -c tests/pcap/vigil.yaml -r "$cap" --workers "${WORKERS%% *}" -o "$tmp/again.json" 2> /dev/null
	if ! cmp -s "$first" "$tmp/again.json"; then
		echo "  FAIL  $cap: two runs differ"
		fail=$((fail + 1))
		continue
	fi
	rm -f "$tmp/again.json"
done < <(find "$SHARED/pcaps" -name '*.pcap' -o -name '*.pcapng' | sort)
echo "shared: $((n - fail))/$n captures replayed cleanly (packet counts = capinfos; workers $WORKERS agree)"
[ $fail -eq 0 ]
