#!/usr/bin/env bash
# Memcap behaviour under a generated flood of distinct flows: the flow table
# stays within its memcap (evicting, and counting every eviction), every
# flow is accounted for, and the process RSS stays within the configured
# memcaps (and, with several workers, the configured rings) plus 64 MiB,
# with 1 and with 2 workers (each worker owns an equal share of every
# memcap, so their evictions differ).
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
	/usr/bin/time -f "%M" -o "$tmp/rss$w" "$VIGIL" -q -r "$tmp/flood.pcap" -c "$tmp/c.yaml" \
		--workers $w -o "$tmp/out$w.json" --memory-report 2> "$tmp/err$w" || { cat "$tmp/err$w"; fail=1; }
done
python3 - "$tmp" "$FLOWS" "${SAN:-0}" << 'PY' || fail=1
import json, sys
d, flows = sys.argv[1], int(sys.argv[2])
# under AddressSanitizer the process carries shadow memory and a quarantine
# of freed blocks: its RSS says nothing about Vigil's bounds
san = sys.argv[3] == "1"
problems = []
for w in (1, 2):
    recs = [json.loads(l) for l in open('%s/out%d.json' % (d, w))]
    st = recs[-1]['stats']
    f = st['flow']
    rss_mb = int(open('%s/rss%d' % (d, w)).read().split()[-1]) / 1024
    # the memcaps, plus with several workers their rings, whose sizes are
    # configured too (capture.ring-size x 2 KiB of packets, 8 MiB of
    # records per worker, touched whole under a flood), plus 64 MiB
    rings = 0 if w == 1 else w * (4096 * 2048 + (8 << 20)) // (1 << 20)
    bound = 8 + 4 + 4 + 4 + rings + 64
    if f['total'] + f.get('memcap_failures', 0) < flows:
        problems.append('w%d: %d flows created + %d refused < %d generated' % (w, f['total'], f.get('memcap_failures', 0), flows))
    if f['memcap_evictions'] == 0:
        problems.append('w%d: no memcap eviction under a flood' % w)
    if st['memcap']['flow_hits'] == 0:
        problems.append('w%d: memcap hits not counted in stats' % w)
    if rss_mb > bound and not san:
        problems.append('w%d: RSS %.0f MiB above memcaps + 64 MiB = %d MiB' % (w, rss_mb, bound))
    print('  w%d: %d flows, %d evicted by the memcap, peak RSS %.0f MiB (bound %d)' %
          (w, f['total'], f['memcap_evictions'], rss_mb, bound))
if problems:
    print('  FAIL  ' + '; '.join(problems))
    sys.exit(1)
print('  ok    flood of %d flows bounded by the memcaps, evictions counted (1 and 2 workers)%s' %
      (flows, ' (RSS not checked under ASan)' if san else ''))
PY
exit $fail
