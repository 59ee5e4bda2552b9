#!/usr/bin/env bash
# Profile-guided optimisation, training step (called by the Makefile):
#
#   pgo_train.sh PGO_DIR OBJ_DIR GENERATOR
#
# Runs the instrumented sensor (PGO_DIR/vigil) over captures the generator
# makes with a seed of their own (not the benchmark's captures), and over
# the project's pcaps/, with the shipped configuration and rules, one and
# two workers, signed output, every transaction logged, a flood of flows.
# The profiles land next to the final objects, in OBJ_DIR (see the
# Makefile).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$1 obj=$2 gen=$3
vigil=$dir/vigil
work=$dir/train
rm -rf "$work"
mkdir -p "$work" "$obj"
find "$obj" -name '*.gcda' -delete

seed=20261203
"$gen" quiet-plant -o "$work/quiet.pcap" --seed $seed --packets 200000 > /dev/null
"$gen" alert-storm -o "$work/storm.pcap" --seed $seed --packets 40000 > /dev/null
"$gen" flow-flood -o "$work/flood.pcap" --seed $seed --flows 20000 > /dev/null

sed "s#^default-rule-path: .*#default-rule-path: $PWD/rules#" sensor/vigil.yaml > "$work/shipped.yaml"
sed 's/log: no}/log: yes}/' "$work/shipped.yaml" > "$work/all-tx.yaml"
"$vigil" keygen "$work/key" > /dev/null 2>&1

run() {
	"$vigil" -q -o /dev/null "$@" 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
}
for w in 1 2; do
	run -c "$work/shipped.yaml" -r "$work/quiet.pcap" --workers $w
	run -c "$work/shipped.yaml" -r "$work/storm.pcap" --workers $w --signing-key "$work/key/vigil.key"
done
run -c "$work/all-tx.yaml" -r "$work/quiet.pcap" --workers 1
run -c "$work/shipped.yaml" -r "$work/flood.pcap" --workers 1
for f in pcaps/*.pcap; do
	run -c "$work/all-tx.yaml" -r "$f" --workers 1
done

[ -n "$(find "$obj" -name '*.gcda' -print -quit)" ] ||
	{ echo "pgo: the training runs left no profile in $obj" >&2; exit 1; }
rm -rf "$work"
