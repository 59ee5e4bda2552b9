#!/usr/bin/env bash
# make bench: speed and memory of vigil on large generated captures, next to
# a bare libpcap read loop over the same files (the ceiling here). Prints a
# table; asserts nothing about time.
#
#   PACKETS=1000000 FLOWS=1000000 tests/bench/run.sh
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=$BUILD/vigil
GEN=$BUILD/vigil-gen
LOOP=$BUILD/pcap-loop
PACKETS=${PACKETS:-1000000}
FLOWS=${FLOWS:-1000000}
REPEAT=${REPEAT:-5}
CPUS=$(nproc)
for t in capinfos bc python3 /usr/bin/time; do
	command -v "$t" > /dev/null || { echo "bench: $t missing (make bench installs it: make test-deps)" >&2; exit 1; }
done
dir=$BUILD/bench
mkdir -p "$dir"

gen() { # scenario, file, args...
	local sc=$1 f=$2
	shift 2
	if [ ! -s "$f" ]; then
		echo "generating $f ($sc $*)" >&2
		"$GEN" "$sc" -o "$f" "$@" > /dev/null || { echo "bench: $GEN $sc failed" >&2; exit 1; }
	fi
}
gen quiet-plant "$dir/quiet.pcap" --packets "$PACKETS"
gen alert-storm "$dir/storm.pcap" --packets "$PACKETS"
gen flow-flood "$dir/flood.pcap" --flows "$FLOWS"

# signing key for the alert storm (signed EVE output)
if [ ! -f "$dir/key/vigil.key" ]; then
	rm -rf "$dir/key"
	"$VIGIL" keygen "$dir/key" > /dev/null 2>&1 || echo "bench: keygen failed; storm unsigned" >&2
fi

# seconds of one run of the bare loop (its own clock: reading only)
bare_once() {
	"$LOOP" "$1" | sed -n 's/.* seconds \([0-9.]*\) .*/\1/p'
}

min_of() { # a b: the smaller (b may be empty)
	if [ -z "$2" ] || [ "$(echo "$1 < $2" | bc -l)" = 1 ]; then echo "$1"; else echo "$2"; fi
}

# best of REPEAT: seconds of the bare loop
bare() {
	local best=""
	for _ in $(seq "$REPEAT"); do
		best=$(min_of "$(bare_once "$1")" "$best")
	done
	echo "$best"
}

# Records go to a tmpfs when there is one (BENCH_OUT to choose): the alert
# storm writes about a gigabyte, and a virtual disk's writeback would be
# measured instead of the sensor.
out_dir=${BENCH_OUT:-}
if [ -z "$out_dir" ]; then
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then out_dir=$(mktemp -d /dev/shm/vigil-bench.XXXXXX); else out_dir=$dir; fi
fi
trap 'rm -f "$out_dir/out.json" "$out_dir/copy.json"; [ "$out_dir" != "$dir" ] && [ -z "${BENCH_OUT:-}" ] && rmdir "$out_dir" 2>/dev/null' EXIT

# Two configurations, both the shipped vigil.yaml and rules:
#   alerts  as shipped: alerts, anomalies, flows, stats (what the speed
#           targets and the Snort comparison are about)
#   all-tx  besides, one record per industrial transaction (log: yes)
sed "s#^default-rule-path: .*#default-rule-path: $PWD/rules#" sensor/vigil.yaml > "$dir/alerts.yaml"
sed 's/log: no}/log: yes}/' "$dir/alerts.yaml" > "$dir/all-tx.yaml"
grep -q 'log: yes}' "$dir/all-tx.yaml" || { echo "bench: could not turn transaction records on" >&2; exit 1; }

# best of REPEAT: "seconds maxrss_kb alerts records bare_seconds". This
# machine's speed drifts by a third within minutes, so each repetition runs
# the bare loop too, just before the sensor, and a row is compared with the
# best bare run of its own repetitions. Wall time by date (/usr/bin/time
# counts in hundredths), peak RSS by /usr/bin/time.
run_vigil() { # file, workers, extra args...
	local f=$1 w=$2
	shift 2
	local best="" rss=0 alerts=0 bbest="" t0 t1 s m
	for _ in $(seq "$REPEAT"); do
		bbest=$(min_of "$(bare_once "$f")" "$bbest")
		rm -f "$out_dir/out.json"
		t0=$(date +%s.%N)
		/usr/bin/time -f "%M" -o "$dir/time" "$VIGIL" -q -r "$f" --workers "$w" \
			-o "$out_dir/out.json" "$@" 2> "$dir/err" || { cat "$dir/err" >&2; return 1; }
		t1=$(date +%s.%N)
		s=$(echo "$t1 - $t0" | bc -l)
		read -r m < "$dir/time"
		if [ -z "$best" ] || [ "$(echo "$s < $best" | bc -l)" = 1 ]; then
			best=$s
			rss=$m
		fi
	done
	# the stats record (with signing the stop signature follows it)
	alerts=$(grep '"event_type":"stats"' "$out_dir/out.json" | tail -1 |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["detect"]["alert"])')
	recs=$(wc -l < "$out_dir/out.json")
	echo "$best $rss $alerts $recs $bbest"
}

# The storm's ceiling on this machine's write path: the same bytes copied by
# dd into new pages of the same file system (best of REPEAT). Whatever the
# sensor does, it cannot write its records faster than this.
write_ceiling() { # packets, bare seconds
	local bytes best=""
	bytes=$(stat -c %s "$out_dir/out.json")
	for _ in $(seq "$REPEAT"); do
		rm -f "$out_dir/copy.json"
		local t0 t1 s
		t0=$(date +%s.%N)
		dd if="$out_dir/out.json" of="$out_dir/copy.json" bs=1M 2> /dev/null
		t1=$(date +%s.%N)
		s=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$s < $best" | bc -l)" = 1 ]; then best=$s; fi
	done
	rm -f "$out_dir/copy.json"
	printf '%-8s %-7s %-7s %10s %11.0f %8s %8.1f %7.1f%%   (dd of the %s MB of records to new pages: %.2f s, %.0f MB/s)\n' \
		storm ceiling dd "$1" "$(echo "$1 / $best" | bc -l)" - "$(echo "$best * 1000000000 / $1" | bc -l)" \
		"$(echo "100 * $2 / $best" | bc -l)" "$((bytes / 1000000))" "$best" "$(echo "$bytes / $best / 1000000" | bc -l)"
}

printf '%s\n' "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); records to $out_dir; best of $REPEAT runs"
printf '%-8s %-7s %-7s %10s %11s %8s %8s %8s %8s %9s %9s\n' scenario config workers packets "pkts/s" "Gbit/s" "ns/pkt" "vs bare" "RSS MiB" alerts records
for sc in quiet storm; do
	f=$dir/$sc.pcap
	pk=$(capinfos -M -c -T "$f" | tail -1 | cut -f2)
	by=$(stat -c %s "$f")
	b=$(bare "$f")
	printf '%-8s %-7s %-7s %10s %11.0f %8.2f %8.1f %8s %8s %9s %9s\n' "$sc" "-" "bare" "$pk" \
		"$(echo "$pk / $b" | bc -l)" "$(echo "$by * 8 / $b / 1000000000" | bc -l)" \
		"$(echo "$b * 1000000000 / $pk" | bc -l)" "100%" "-" "-" "-"
	for conf in alerts all-tx; do
		extra=(-c "$dir/$conf.yaml")
		if [ "$sc" = storm ] && [ -f "$dir/key/vigil.key" ]; then
			extra+=(--signing-key "$dir/key/vigil.key")
		fi
		for w in $(seq 1 "$CPUS"); do
			read -r s rss alerts recs rb < <(run_vigil "$f" "$w" "${extra[@]}") || continue
			printf '%-8s %-7s %-7s %10s %11.0f %8.2f %8.1f %7.1f%% %8.1f %9s %9s\n' "$sc" "$conf" "$w" "$pk" \
				"$(echo "$pk / $s" | bc -l)" "$(echo "$by * 8 / $s / 1000000000" | bc -l)" \
				"$(echo "$s * 1000000000 / $pk" | bc -l)" "$(echo "100 * $rb / $s" | bc -l)" \
				"$(echo "$rss / 1024" | bc -l)" "$alerts" "$recs"
		done
		if [ "$sc" = storm ] && [ "$conf" = alerts ] && [ -s "$out_dir/out.json" ]; then
			write_ceiling "$pk" "$b"
		fi
	done
done
echo "(vs bare: against the best bare-loop run among those interleaved with that row's runs;"
echo " storm runs sign their records: --signing-key, blocks of 1024 records)"

# the fixed cost in every row above: start-up (loading the libraries, the
# configuration, the rules; nDPI's context is made meanwhile) and exit, on
# a capture of 10 packets whose flows all end at its end
gen quiet-plant "$dir/q10.pcap" --packets 10
best=""
for _ in $(seq "$REPEAT"); do
	t0=$(date +%s.%N)
	"$VIGIL" -q -r "$dir/q10.pcap" --workers 1 -c "$dir/alerts.yaml" -o /dev/null 2> /dev/null
	t1=$(date +%s.%N)
	best=$(min_of "$(echo "$t1 - $t0" | bc -l)" "$best")
done
printf 'start-up and exit (a 10-packet capture, 1 worker): %.1f ms, best of %s\n' \
	"$(echo "$best * 1000" | bc -l)" "$REPEAT"

# memory: a flood of distinct flows against a fixed memcap
cap_mb=64
printf 'flow:\n  memcap: %dmb\nstream:\n  memcap: 16mb\napp-layer:\n  pdu-memcap: 16mb\nstats:\n  interval: 0\n' \
	$cap_mb > "$dir/flood.yaml"
rm -f "$dir/out.json"
/usr/bin/time -f "%e %M" -o "$dir/time" "$VIGIL" -q -r "$dir/flood.pcap" --workers 1 \
	-c "$dir/flood.yaml" -o "$dir/out.json" --memory-report 2> "$dir/mem"
read -r s rss < "$dir/time"
echo
echo "flow flood: $FLOWS flows, memcaps flow ${cap_mb} MiB + stream 16 + app 16 + defrag 32:"
echo "  peak RSS $(echo "$rss / 1024" | bc) MiB (bound: memcaps + 64 MiB = $((cap_mb + 16 + 16 + 32 + 64)) MiB), $s s"
sed 's/^/  /' "$dir/mem"
tail -1 "$dir/out.json" | python3 -c 'import json,sys; s=json.load(sys.stdin)["stats"]; print("  flows created %d, memcap evictions %d" % (s["flow"]["total"], s["flow"]["get_used"]))'

# the XDP pre-filter against libpcap on a veth pair (root only)
echo
if [ "$(id -u)" = 0 ]; then
	tests/bench/xdp_cpu.sh || echo "xdp-bench: could not run"
else
	echo "xdp-bench: skipped (needs root)"
fi
