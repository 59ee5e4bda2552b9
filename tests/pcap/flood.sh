#!/usr/bin/env bash
# Memcap behaviour under generated floods of distinct flows.
#
# 1. FLOWS short TCP flows (handshake and one Modbus request each) under
#    small memcaps: the flow table stays within its memcap (evicting, and
#    counting every eviction), every flow is accounted for, and the process
#    RSS stays within the configured memcaps (and, when workers run in
#    their own threads, the configured rings) plus 64 MiB, with 1 and with
#    2 workers (each worker owns an equal share of every memcap, so their
#    evictions differ). The flows left at the end flush more records than a
#    worker's record queue holds: a run that does not finish within 5
#    minutes is a deadlock and fails.
# 2. SHIPPED_FLOWS (one million) TCP SYNs from distinct sources with the
#    shipped configuration (sensor/vigil.yaml: its memcaps, nDPI on): no
#    flow ever carries a byte, the worst case for state that waits for
#    payload (nDPI's). The flow table fills and evicts, every byte of
#    per-flow state (nDPI's included) is counted in the flow memcap (the
#    memory report's bytes per flow: flow + TCP session + the headers kept
#    for nDPI, within 1 KiB; its peak within the memcap but for the one
#    nDPI state made for a moment for the final guess of a flow given up),
#    and the RSS stays within the memcaps + rings + 64 MiB, with 1 and 2
#    workers. Fewer flows than fill the table would
#    prove nothing: the run fails then.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
GEN=${GEN:-$BUILD/vigil-gen}
FLOWS=${FLOWS:-200000}
SHIPPED_FLOWS=${SHIPPED_FLOWS:-1000000}
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

# 2. the shipped configuration under a SYN flood
"$GEN" syn-flood --flows "$SHIPPED_FLOWS" -o "$tmp/syn.pcap" > /dev/null || { echo "  FAIL  generator (syn-flood)"; exit 1; }
sed "s#^default-rule-path: .*#default-rule-path: $PWD/rules#" sensor/vigil.yaml > "$tmp/shipped.yaml"
for w in 1 2; do
	# a flow record per flow (some 600 MB): only the last record, the stats, is kept
	set -o pipefail
	/usr/bin/time -f "%M" -o "$tmp/srss$w" timeout 600 "$VIGIL" -q -r "$tmp/syn.pcap" -c "$tmp/shipped.yaml" \
		--workers $w -o - --memory-report 2> "$tmp/serr$w" | tail -1 > "$tmp/slast$w" ||
		{ echo "  FAIL  shipped w$w: exit status $? (124: did not finish in 600 s)"; cat "$tmp/serr$w"; fail=1; }
	set +o pipefail
done
rm -f "$tmp/syn.pcap"
python3 - "$tmp" "$SHIPPED_FLOWS" "${SAN:-0}" sensor/vigil.yaml << 'PY' || fail=1
import json, os, re, sys
d, flows, san, shipped = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
cpus = len(os.sched_getaffinity(0))

def size(v):
    m = re.fullmatch(r'(\d+)\s*(kb|mb|gb)?', v.strip().lower())
    return int(m.group(1)) * {None: 1, 'kb': 1 << 10, 'mb': 1 << 20, 'gb': 1 << 30}[m.group(2)]

# the memcaps and ring size as sensor/vigil.yaml sets them
conf, section = {}, None
for line in open(shipped):
    line = line.split('#')[0].rstrip()
    m = re.match(r'^([a-z-]+):\s*$', line)
    if m:
        section = m.group(1)
        continue
    m = re.match(r'^  ([a-z-]+):\s*(\S+)$', line)
    if m and section:
        conf[section + '.' + m.group(1)] = m.group(2)
caps = {k: size(conf[k]) for k in ('flow.memcap', 'stream.memcap', 'app-layer.pdu-memcap', 'defrag.memcap')}
ring = int(conf['capture.ring-size'])
problems = []
for w in (1, 2):
    st = json.loads(open('%s/slast%d' % (d, w)).read())['stats']
    f = st['flow']
    rep = open('%s/serr%d' % (d, w)).read()
    m = re.search(r'flow table peak (\d+) B for at most (\d+) flows at once \((\d+) B per flow', rep)
    if not m:
        problems.append('w%d: no memory report' % w)
        continue
    peak, active, per_flow = int(m.group(1)), int(m.group(2)), int(m.group(3))
    rss = int(open('%s/srss%d' % (d, w)).read().split()[-1]) << 10
    threaded = w > 1 or cpus > 1
    rings = w * (ring * 2048 + (8 << 20)) + (4 << 20) if threaded else 0
    bound = sum(caps.values()) + rings + (64 << 20)
    if f['total'] + f.get('memcap_failures', 0) < flows:
        problems.append('w%d: %d flows created + %d refused < %d generated' % (w, f['total'], f.get('memcap_failures', 0), flows))
    if f['memcap_evictions'] == 0:
        problems.append('w%d: the flow table never filled (%d flows prove nothing about its memcap)' % (w, flows))
    # a flow given up to make room has nDPI's state made for a moment, for
    # nDPI's final guess from the headers it kept: one at a time per worker
    if peak > caps['flow.memcap'] + w * 1024:
        problems.append('w%d: flow memory peaked at %d B, above the flow memcap %d (+ 1 KiB a worker)' %
                        (w, peak, caps['flow.memcap']))
    # flow 216 + TCP 152 + a SYN's headers kept for nDPI (and what keeping
    # them costs): more than the flow alone (nDPI is counted), at most 1 KiB
    if not 368 + 40 <= per_flow <= 1024:
        problems.append('w%d: %d B accounted per flow (expected 408..1024: flow, TCP and the headers kept for nDPI)' % (w, per_flow))
    if rss > bound and not san:
        problems.append('w%d: RSS %.0f MiB above memcaps + rings + 64 MiB = %.0f MiB' % (w, rss / 2**20, bound / 2**20))
    print('  shipped w%d: %d SYN flows, %d evicted, at most %d at once, %d B accounted per flow, peak RSS %.0f MiB (bound %.0f)' %
          (w, f['total'], f['memcap_evictions'], active, per_flow, rss / 2**20, bound / 2**20))
if problems:
    print('  FAIL  ' + '; '.join(problems))
    sys.exit(1)
print('  ok    %d SYN flows with the shipped configuration (nDPI on): flow memcap held with nDPI counted, RSS within memcaps + rings + 64 MiB (1 and 2 workers)%s' %
      (flows, ' (RSS not checked under ASan)' if san else ''))
PY
exit $fail
