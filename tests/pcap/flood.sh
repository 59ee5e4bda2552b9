#!/usr/bin/env bash
# Memcap behaviour under a generated flood of distinct flows: the flow table
# stays within its memcap (evicting, and counting every eviction), every
# flow is accounted for, and the process RSS stays within the configured
# memcaps (and, when workers run in their own threads, the configured
# rings) plus 64 MiB, with 1 and with 2 workers (each worker owns an equal
# share of every memcap, so their evictions differ). The flows left at the
# end flush more records than a worker's record queue holds: a run that
# does not finish within 5 minutes is a deadlock and fails.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
GEN=${GEN:-$BUILD/vigil-gen}
FLOWS=${FLOWS:-200000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GEN" flow-flood --flows "$FLOWS" -o "$tmp/flood.pcap" > /dev/null || { echo "  FAIL  generator"; exit 1; }
cat > "$tmp/c.yaml" << 'Y'
flow:
  memcap: 8mb
stream:
  memcap: 4mb
app-layer:
  pdu-memcap: 4mb
defrag:
  memcap: 4mb
stats:
  interval: 0
Y
fail=0
for w in 1 2; do
	/usr/bin/time -f "%M" -o "$tmp/rss$w" timeout 300 "$VIGIL" -q -r "$tmp/flood.pcap" -c "$tmp/c.yaml" \
		--workers $w -o "$tmp/out$w.json" --memory-report 2> "$tmp/err$w" ||
		{ echo "  FAIL  w$w: exit status $? (124: did not finish in 300 s)"; cat "$tmp/err$w"; fail=1; }
done
python3 - "$tmp" "$FLOWS" "${SAN:-0}" << 'PY' || fail=1
import json, os, sys
d, flows = sys.argv[1], int(sys.argv[2])
cpus = len(os.sched_getaffinity(0))
# under AddressSanitizer the process carries shadow memory and a quarantine
# of freed blocks: its RSS says nothing about Vigil's bounds
san = sys.argv[3] == "1"
problems = []
for w in (1, 2):
    last = None
    for last in open('%s/out%d.json' % (d, w)):
        pass
    st = json.loads(last)['stats']
    f = st['flow']
    rss_mb = int(open('%s/rss%d' % (d, w)).read().split()[-1]) / 1024
    # the memcaps, plus the rings of threaded workers (several workers, or
    # one with a second CPU), whose sizes are configured too
    # (capture.ring-size x 2 KiB of packets, 8 MiB of records per worker,
    # touched whole under a flood, 4 MiB for the capture thread), plus 64 MiB
    threaded = w > 1 or cpus > 1
    rings = w * (4096 * 2048 + (8 << 20)) // (1 << 20) + 4 if threaded else 0
    bound = 8 + 4 + 4 + 4 + rings + 64
    if f['total'] + f.get('get_used_failed', 0) < flows:
        problems.append('w%d: %d flows created + %d refused < %d generated' % (w, f['total'], f.get('get_used_failed', 0), flows))
    if f['get_used'] == 0:
        problems.append('w%d: no memcap eviction under a flood' % w)
    if st['memcap']['flow_hits'] == 0:
        problems.append('w%d: memcap hits not counted in stats' % w)
    if rss_mb > bound and not san:
        problems.append('w%d: RSS %.0f MiB above memcaps + 64 MiB = %d MiB' % (w, rss_mb, bound))
    print('  w%d: %d flows, %d evicted by the memcap, peak RSS %.0f MiB (bound %d)' %
          (w, f['total'], f['get_used'], rss_mb, bound))
if problems:
    print('  FAIL  ' + '; '.join(problems))
    sys.exit(1)
print('  ok    flood of %d flows bounded by the memcaps, evictions counted (1 and 2 workers)%s' %
      (flows, ' (RSS not checked under ASan)' if san else ''))
PY
exit $fail
