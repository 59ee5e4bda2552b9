#!/usr/bin/env bash
# Runs every test suite of `make test` (and, with SAN=1, of `make sanitize`).
# A suite that exits 77 is skipped with its reason printed; any other
# non-zero status fails the run.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export VIGIL=${VIGIL:-$BUILD/vigil}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
skipped=()
run() {
	local name=$1
	shift
	echo "== $name"
	"$@"
	local rc=$?
	if [ $rc -eq 77 ]; then
		skipped+=("$name")
	elif [ $rc -ne 0 ]; then
		failed+=("$name")
	fi
}
run unit tests/run_unit.sh "$BUILD"/tests/test_*
run pcap tests/pcap/run.sh
run shared tests/pcap/shared.sh
for s in tests/pcap/community_id.sh tests/pcap/tunnel.sh tests/pcap/flood.sh tests/pcap/frag_flood.sh \
	tests/schema/run.sh tests/tools/gen_selftest.sh tests/oracle/run.sh tests/anomaly/inventory.sh \
	tests/rules/run.sh tests/syslog/run.sh tests/chain/mutate.sh tests/chain/crash.sh tests/netns/run.sh \
	tests/cli/run.sh tests/service/run.sh tests/anomaly/baseline.sh tests/report/report.sh; do
	[ -x "$s" ] && run "$(basename "$(dirname "$s")")/$(basename "$s" .sh)" "$s"
done
echo
[ ${#skipped[@]} -gt 0 ] && echo "skipped: ${skipped[*]}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED: ${failed[*]}"
	exit 1
fi
echo "all suites passed"
