#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS_PER_TARGET seconds on its seed
# corpus (tests/fuzz/corpus/<name>/ plus seeds written by the capture
# generator). Any crash, leak, sanitizer report or timeout fails the run;
# the reproducer is left in build/fuzz/artifacts/.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SECS=${SECONDS_PER_TARGET:-10}
seeds=$BUILD/fuzz/seeds
mkdir -p "$BUILD/fuzz/artifacts" "$seeds"
if [ -x "$BUILD/vigil-gen" ]; then
	"$BUILD/vigil-gen" seeds "$seeds" > /dev/null 2>&1 || echo "fuzz: warning: vigil-gen seeds failed"
fi
fail=0
n=0
for t in "$@"; do
	name=$(basename "$t")
	proto=${name#fuzz_}
	n=$((n + 1))
	work=$BUILD/fuzz/work/$proto
	rm -rf "$work"
	mkdir -p "$work"
	dirs=("$work")
	[ -d "tests/fuzz/corpus/$proto" ] && dirs+=("tests/fuzz/corpus/$proto")
	[ -d "$seeds/$proto" ] && dirs+=("$seeds/$proto")
	if "$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$BUILD/fuzz/artifacts/$proto-" "${dirs[@]}" > "$work.log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
		cov=$(grep -o 'cov: [0-9]*' "$work.log" | tail -1)
		echo "  ok    $name: ${execs:-?} runs, $cov, ${SECS}s"
	else
		fail=$((fail + 1))
		echo "  FAIL  $name (log: $work.log)"
		grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$work.log" | head -8 | sed 's/^/        /'
	fi
done
echo "fuzz: $((n - fail))/$n targets clean"
[ $fail -eq 0 ] && [ $n -gt 0 ]
