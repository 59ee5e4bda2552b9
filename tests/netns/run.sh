#!/usr/bin/env bash
# The namespace tests: live capture with libpcap (-i) and the XDP
# pre-filter with AF_XDP sockets (--xdp), both giving up root (--user),
# and live learning (vigil learn -i --learn), each on a veth pair between
# two network namespaces it creates.
# Exit 77 (skipped) only when all skip.
set -u
cd "$(dirname "$0")/../.."
rc=0
skipped=0
tests=(tests/netns/live.sh tests/netns/xdp.sh tests/netns/privs.sh tests/netns/learn.sh)
for t in "${tests[@]}"; do
	echo "-- $(basename "$t" .sh)"
	"$t"
	r=$?
	if [ $r -eq 77 ]; then
		skipped=$((skipped + 1))
	elif [ $r -ne 0 ]; then
		rc=1
	fi
done
[ $rc -eq 0 ] && [ $skipped -eq ${#tests[@]} ] && exit 77
exit $rc
