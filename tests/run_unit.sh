#!/usr/bin/env bash
# Runs every cmocka unit test binary given; prints one line per binary and
# a summary; exits non-zero when any test failed.
set -u
fail=0
total=0
for t in "$@"; do
	total=$((total + 1))
	name=$(basename "$t")
	if out=$("$t" 2>&1); then
		n=$(printf '%s\n' "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		printf '  ok    %-28s %s tests\n' "$name" "${n:-?}"
	else
		fail=$((fail + 1))
		printf '  FAIL  %s\n' "$name"
		printf '%s\n' "$out" | grep -E 'FAILED|ERROR|LINE|runtime error|Sanitizer' | head -20 | sed 's/^/        /'
	fi
done
echo "unit: $((total - fail))/$total binaries passed"
[ "$fail" -eq 0 ]
