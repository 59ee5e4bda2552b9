#!/usr/bin/env bash
# make fuzz: a fuzzing campaign of FUZZ_SECONDS per target (600 by default:
# ten CPU-minutes each), one target after the other on one CPU.
#
#   FUZZ_SECONDS=600 BUILD=build tests/fuzz/campaign.sh build/fuzz/fuzz_*
#
# Each target starts from what earlier campaigns kept ($BUILD/fuzz/corpus/
# NAME), the committed seeds (tests/fuzz/corpus/NAME), the generator's
# (vigil-gen seeds) and those taken from the captures, rules and
# configurations ($BUILD/fuzz/seeds-pcap/NAME, tests/fuzz/seeds.py). What a
# run finds that adds coverage is merged into the kept corpus (libFuzzer
# -merge=1), so the next campaign starts where this one ended. At the end, a
# table: per target the runs, libFuzzer's coverage (cov: edges, ft:
# features) when the run ended, the kept corpus, and what this run added;
# with FUZZ_COVERAGE=1 also the line coverage of the sensor's sources by
# each kept corpus and the seeds (llvm-cov); FUZZ_SECONDS=0 fuzzes nothing
# and only reports (make fuzz-cov). Any crash, leak,
# sanitizer report or timeout fails the campaign, its input left in
# $BUILD/fuzz/artifacts/.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SECS=${FUZZ_SECONDS:-600}
fz=$BUILD/fuzz
mkdir -p "$fz/artifacts" "$fz/corpus" "$fz/seeds"
if [ -x "$BUILD/vigil-gen" ]; then
	"$BUILD/vigil-gen" seeds "$fz/seeds" > /dev/null 2>&1 || echo "fuzz: warning: vigil-gen seeds failed"
fi
[ -d "$fz/seeds-pcap" ] || echo "fuzz: warning: no seeds from captures ($fz/seeds-pcap: make fuzz-seeds)"
fail=0
rows=()
for t in "$@"; do
	name=$(basename "$t")
	proto=${name#fuzz_}
	kept=$fz/corpus/$proto
	new=$fz/new/$proto
	rm -rf "$new"
	mkdir -p "$kept" "$new"
	dirs=("$new" "$kept")
	for d in "tests/fuzz/corpus/$proto" "$fz/seeds/$proto" "$fz/seeds-pcap/$proto"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	before=$(find "$kept" -type f | wc -l)
	log=$fz/campaign-$proto.log
	if [ "$SECS" = 0 ]; then # report only: the starting corpus, run once
		run=(-runs=0)
	else
		run=(-max_total_time="$SECS")
		echo "fuzz: $name for ${SECS}s (corpus: ${dirs[*]:1})"
	fi
	case $proto in
	packet | rules)
		# an input of these reaches tens of thousands of features: the
		# entropic schedule's bookkeeping of their frequencies took 70 % of
		# the packet target's time (it had not got through its seeds
		# after 25 s: 50 runs/s; 640 without it, coverage rising)
		run+=(-entropic=0) ;;
	esac
	if ! "$t" "${run[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$fz/artifacts/$proto-" "${dirs[@]}" > "$log" 2>&1; then
		fail=$((fail + 1))
		echo "  FAIL  $name (log: $log)"
		grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -8 | sed 's/^/        /'
		rows+=("$(printf '%-16s %s' "$name" "FAILED")")
		continue
	fi
	# what the run found that adds to the kept corpus
	"$t" -merge=1 -timeout=10 -rss_limit_mb=2048 "$kept" "$new" > "$fz/merge-$proto.log" 2>&1 ||
		echo "  warning: $name: merge failed (log: $fz/merge-$proto.log)"
	after=$(find "$kept" -type f | wc -l)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1)
	cov=$(echo "$last" | grep -o 'cov: [0-9]*' | cut -d' ' -f2)
	ft=$(echo "$last" | grep -o 'ft: [0-9]*' | cut -d' ' -f2)
	init=$(grep -E '^#[0-9]+[[:space:]]+INITED' "$log" | grep -o 'cov: [0-9]*' | cut -d' ' -f2)
	rows+=("$(printf '%-16s %10s %8s %8s %8s %8s %+8d' "$name" "${execs:-?}" "${init:-?}" "${cov:-?}" \
		"${ft:-?}" "$after" $((after - before)))")
done
echo
printf '%-16s %10s %8s %8s %8s %8s %8s\n' target runs "cov@0" cov ft kept added
printf '%s\n' "${rows[@]}"
echo "(cov@0: edges covered by the starting corpus; cov, ft: edges and features when the run ended)"

if [ "${FUZZ_COVERAGE:-0}" = 1 ]; then
	# line coverage of sensor/ by each kept corpus (and the seeds), with
	# targets built for it (make fuzz-cov builds $fz/cov/fuzz_*)
	echo
	for t in "$@"; do
		name=$(basename "$t")
		proto=${name#fuzz_}
		c=$fz/cov/$name
		[ -x "$c" ] || { echo "fuzz: no coverage build of $name ($c)"; continue; }
		rm -f "$fz/cov/$proto".profraw
		dirs=("$fz/corpus/$proto")
		for d in "tests/fuzz/corpus/$proto" "$fz/seeds/$proto" "$fz/seeds-pcap/$proto"; do
			[ -d "$d" ] && dirs+=("$d")
		done
		LLVM_PROFILE_FILE="$fz/cov/$proto.profraw" "$c" -runs=0 "${dirs[@]}" > /dev/null 2>&1
		# the code the target is there for, and all of sensor/
		case $proto in
		packet) own=(sensor/decode sensor/flow sensor/proto sensor/pipeline/worker.c sensor/output/eve.c) ;;
		rules) own=(sensor/detect) ;;
		config) own=(sensor/config.c sensor/util/yaml.c) ;;
		*) own=("sensor/proto/$proto.c" sensor/proto/framing.c) ;;
		esac
		llvm-profdata merge -sparse "$fz/cov/$proto.profraw" -o "$fz/cov/$proto.profdata" 2> /dev/null ||
			{ echo "fuzz: $name: no profile"; continue; }
		lines() { # paths...: "covered of total (percent)"
			llvm-cov report "$c" -instr-profile="$fz/cov/$proto.profdata" "$@" 2> /dev/null |
				tail -1 | awk '{ printf "%d of %d lines (%s)", $8 - $9, $8, $10 }'
		}
		printf '%-16s %s: %s; all of sensor/: %s\n' "$name" "${own[*]}" "$(lines "${own[@]}")" "$(lines sensor/)"
	done
fi
echo "fuzz: $(($# - fail))/$# targets clean"
[ $fail -eq 0 ] && [ $# -gt 0 ]
