#!/usr/bin/env bash
# A flood of IP fragments that never complete, with the shipped
# configuration (defrag memcap 32 MiB): 30,000 first fragments of 1480 bytes
# (about 60 MiB of datagrams to hold), then ten DNP3 cold restarts over UDP,
# each in three fragments sent together. The defragmenter gives up the
# oldest incomplete datagrams to make room, so each of the ten is
# reassembled and alerts (shipped sid 9101010) on its last fragment; the
# evictions are counted in the stats record, and the anomaly records that
# report them are at most one per report interval of packet time, their
# counts adding up to no more than the stats' (none per fragment). Records
# are the same with 1 and 2 workers.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
GEN=${GEN:-$BUILD/vigil-gen}
FRAGS=${FRAGS:-30000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GEN" frag-flood --packets "$FRAGS" -o "$tmp/ff.pcap" > /dev/null || { echo "  FAIL  generator"; exit 1; }
sed "s#^default-rule-path: .*#default-rule-path: $PWD/rules#" sensor/vigil.yaml > "$tmp/shipped.yaml"
fail=0
for w in 1 2; do
	"$VIGIL" -q -c "$tmp/shipped.yaml" -r "$tmp/ff.pcap" --workers $w -o "$tmp/out$w.json" 2> "$tmp/err$w" ||
		{ echo "  FAIL  w$w: exit status $?"; cat "$tmp/err$w"; fail=1; }
done
if ! cmp -s "$tmp/out1.json" "$tmp/out2.json"; then
	echo "  FAIL  records differ between 1 and 2 workers"
	fail=1
fi
python3 - "$tmp/out1.json" "$FRAGS" << 'PY' || fail=1
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
flood = int(sys.argv[2])
st = recs[-1]['stats']
df = st['defrag']
problems = []
# the ten datagrams: packets flood+1 .. flood+30, three fragments each, the
# last one completing the datagram
last = {flood + 3 * k + 3: '10.0.1.%d' % (101 + k) for k in range(10)}
alerts = [r for r in recs if r['event_type'] == 'alert' and r['alert']['signature_id'] == 9101010]
got = {r['pcap_cnt']: r['src_ip'] for r in alerts}
if df['reassembled'] != 10:
    problems.append('%d datagrams reassembled, not 10' % df['reassembled'])
if got != last:
    problems.append('cold restart alerts at %s, expected one on each last fragment %s' %
                    (sorted(got.items()), sorted(last.items())))
ev = df.get('memcap_evictions', 0)
if ev == 0:
    problems.append('no eviction: the flood did not reach the memcap (the test proves nothing)')
if df['memcap_drops'] != 0:
    problems.append('%d fragments dropped' % df['memcap_drops'])
hits = [r for r in recs if r['event_type'] == 'anomaly' and r['anomaly']['event'] == 'defrag.memcap_hit']
anomalies = [r for r in recs if r['event_type'] == 'anomaly']
# report-interval is 10 s in the shipped configuration; the flood lasts
# 0.6 s of packet time
span = (flood * 20 + 200000) / 1e6
bound = 1 + int(span // 10)
if not 1 <= len(hits) <= bound:
    problems.append('%d defrag.memcap_hit records (expected 1..%d)' % (len(hits), bound))
if len(anomalies) != len(hits):
    problems.append('%d other anomaly records' % (len(anomalies) - len(hits)))
reported = sum(r['anomaly']['evicted'] for r in hits)
if not 1 <= reported <= ev:
    problems.append('records report %d evictions, stats %d' % (reported, ev))
if st['memcap']['defrag_hits'] != ev + df['memcap_drops']:
    problems.append('memcap.defrag_hits %d != evictions + drops' % st['memcap']['defrag_hits'])
print('  %d fragments: %d datagrams reassembled, %d cold restart alerts, %d evicted, '
      '%d anomaly record(s) (first reports %d), %d records in all' %
      (df['fragments'], df['reassembled'], len(alerts), ev, len(hits),
       hits[0]['anomaly']['evicted'] if hits else 0, len(recs)))
if problems:
    print('  FAIL  ' + '; '.join(problems))
    sys.exit(1)
print('  ok    fragment flood: the oldest datagrams evicted, all 10 legitimate ones reassembled '
      'and alerting, %d record(s) for %d evictions (1 and 2 workers alike)' % (len(hits), ev))
PY
exit $fail
