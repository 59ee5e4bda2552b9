#!/usr/bin/env bash
# Golden tests: vigil on every capture in pcaps/ must write exactly the
# records in pcaps/<name>.eve.json (timestamps and ids included: replay is
# deterministic), with 1 and with 4 workers, and with 1 worker confined to
# one CPU (taskset), where the worker runs inline in the capture thread.
#   tests/pcap/run.sh            compare
#   tests/pcap/run.sh --update   rewrite the expected files (review the diff!)
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
update=0
[ "${1:-}" = "--update" ] && update=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for cap in pcaps/*.pcap pcaps/*.pcapng; do
	[ -e "$cap" ] || continue
	name=${cap%.*}
	expect=$name.eve.json
	args=()
	[ -f "$name.args" ] && read -r -a args < "$name.args"
	n=$((n + 1))
	for w in 1 1i 4; do
		out=$tmp/$(basename "$name").$w.json
		pin=()
		[ "$w" = 1i ] && pin=(taskset -c 0)
		if ! "${pin[@]}" "$VIGIL" -q -c tests/pcap/vigil.yaml -r "$cap" --workers "${w%i}" -o "$out" \
			"${args[@]}" 2> "$tmp/err"; then
			echo "  FAIL  $cap (workers $w): exit status $?"
			sed 's/^/        /' "$tmp/err" | head -10
			fail=$((fail + 1))
			continue 2
		fi
		if grep -q "runtime error\|Sanitizer" "$tmp/err"; then
			echo "  FAIL  $cap (workers $w): sanitizer report"
			head -20 "$tmp/err" | sed 's/^/        /'
			fail=$((fail + 1))
			continue 2
		fi
	done
	if ! cmp -s "$tmp/$(basename "$name").1.json" "$tmp/$(basename "$name").4.json"; then
		echo "  FAIL  $cap: 1 and 4 workers wrote different records"
		diff "$tmp/$(basename "$name").1.json" "$tmp/$(basename "$name").4.json" | head -6 | sed 's/^/        /'
		fail=$((fail + 1))
		continue
	fi
	if ! cmp -s "$tmp/$(basename "$name").1.json" "$tmp/$(basename "$name").1i.json"; then
		echo "  FAIL  $cap: the inline worker (one CPU) and the worker thread wrote different records"
		diff "$tmp/$(basename "$name").1.json" "$tmp/$(basename "$name").1i.json" | head -6 | sed 's/^/        /'
		fail=$((fail + 1))
		continue
	fi
	if [ $update = 1 ]; then
		cp "$tmp/$(basename "$name").1.json" "$expect"
		echo "  wrote $expect"
		continue
	fi
	if [ ! -f "$expect" ]; then
		echo "  FAIL  $cap: no expected records ($expect)"
		fail=$((fail + 1))
		continue
	fi
	if ! cmp -s "$expect" "$tmp/$(basename "$name").1.json"; then
		echo "  FAIL  $cap: records differ from $expect"
		diff "$expect" "$tmp/$(basename "$name").1.json" | head -10 | cut -c1-300 | sed 's/^/        /'
		fail=$((fail + 1))
		continue
	fi
	echo "  ok    $cap ($(wc -l < "$expect") records)"
done
echo "pcap: $((n - fail))/$n captures match"

# Signed: worker threads hash each record before the output thread chains
# it (the prehash), the inline worker does not; the lines must not differ,
# and they must verify.
"$VIGIL" keygen "$tmp/key" > /dev/null 2>&1 || { echo "  FAIL  keygen"; fail=$((fail + 1)); }
for w in 1 1i 4; do
	rm -f "$tmp/key/vigil.key.state"
	pin=()
	[ "$w" = 1i ] && pin=(taskset -c 0)
	"${pin[@]}" "$VIGIL" -q -c tests/pcap/vigil.yaml -r pcaps/modbus.pcap --workers "${w%i}" \
		--signing-key "$tmp/key/vigil.key" -o "$tmp/signed.$w.json" 2> /dev/null ||
		{ echo "  FAIL  signed run (workers $w)"; fail=$((fail + 1)); }
done
if cmp -s "$tmp/signed.1.json" "$tmp/signed.1i.json" && cmp -s "$tmp/signed.1.json" "$tmp/signed.4.json" &&
	"$VIGIL" verify --key "$tmp/key/vigil.pub" "$tmp/signed.1.json" > /dev/null 2>&1; then
	echo "  ok    signed records: the same bytes with 1 (inline and threaded) and 4 workers; they verify"
else
	echo "  FAIL  signed records differ between worker counts, or do not verify"
	fail=$((fail + 1))
fi
[ $fail -eq 0 ] && [ $n -gt 0 ]
