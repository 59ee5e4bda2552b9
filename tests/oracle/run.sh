#!/usr/bin/env bash
# Runs every protocol oracle (tests/oracle/<proto>.sh): Vigil's transactions
# against tshark's dissection of the same captures. 77 = skipped.
set -u
cd "$(dirname "$0")/../.."
fail=0
ran=0
for t in tests/oracle/*.sh; do
	[ "$(basename "$t")" = run.sh ] && continue
	echo "-- $(basename "$t" .sh)"
	"$t"
	rc=$?
	if [ $rc -eq 77 ]; then
		echo "   (skipped)"
	elif [ $rc -ne 0 ]; then
		fail=1
	else
		ran=$((ran + 1))
	fi
done
[ $ran -eq 0 ] && [ $fail -eq 0 ] && { echo "oracle: nothing ran"; exit 77; }
exit $fail
