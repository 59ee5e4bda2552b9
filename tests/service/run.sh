#!/usr/bin/env bash
# Vigil as a service: `make install` into a staging folder (install.sh), the
# man page against the program (man.sh), and the installed units started
# the way systemd would start them, capturing on a veth pair, with
# logrotate (live.sh; root). Exit 77 (skipped) only when all three skip.
set -u
cd "$(dirname "$0")/../.."
rc=0
skipped=0
for t in tests/service/install.sh tests/service/man.sh tests/service/live.sh; do
	echo "-- $(basename "$t" .sh)"
	"$t"
	r=$?
	if [ $r -eq 77 ]; then
		skipped=$((skipped + 1))
	elif [ $r -ne 0 ]; then
		rc=1
	fi
done
[ $rc -eq 0 ] && [ $skipped -eq 3 ] && exit 77
exit $rc
