#!/usr/bin/env bash
# Rule tests with the real binary:
#  1. the shipped rules load with zero errors (--test-rules, exit 0), and a
#     broken rule file makes --test-rules exit 1 naming the rule;
#  2. every shipped rule is exercised: its sid appears in an alert of the
#     expected records of some capture in pcaps/;
#  3. SIGHUP reloads the rules while a capture streams in: packets before the
#     reload meet the old rules, packets after it the new ones, and a rule
#     set that fails to load leaves the previous one running.
set -u
cd "$(dirname "$0")/../.."
VIGIL=${VIGIL:-build/vigil}
CFG=tests/pcap/vigil.yaml
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "  ok    $1"; }
bad() { echo "  FAIL  $1"; fail=1; }

# ---- 1. loading -------------------------------------------------------------
shipped=(rules/*.rules)
args=()
for r in "${shipped[@]}"; do args+=(-S "$r"); done
if out=$("$VIGIL" --test-rules -c "$CFG" "${args[@]}" 2>&1); then
	n=$(echo "$out" | sed -n 's/.*rules: \([0-9]*\) loaded, 0 failed, 0 unsupported.*/\1/p')
	if [ -n "$n" ] && [ "$n" -ge 150 ]; then
		ok "shipped rules: $n loaded, none failed"
	else
		bad "shipped rules: expected >= 150 loaded with no failure: $out"
	fi
else
	bad "shipped rules do not load cleanly:"
	echo "$out" | head -20 | sed 's/^/        /'
fi
printf 'alert tcp any any -> any any (msg:"ok"; sid:1;)\nalert tcp any any -> any any (msg:"bad"; nosuch:1; sid:2;)\nalert tcp any any -> any any (msg:"u"; ttl:3; sid:3;)\n' > "$tmp/broken.rules"
out=$("$VIGIL" --test-rules -S "$tmp/broken.rules" 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "broken.rules:2: sid 2: unknown option 'nosuch'" &&
	echo "$out" | grep -q "broken.rules:3: sid 3: unsupported option 'ttl'" &&
	echo "$out" | grep -q "1 loaded, 1 failed, 1 unsupported"; then
	ok "--test-rules names the bad and the unsupported rule, exit 1"
else
	bad "--test-rules on a broken file (rc $rc): $out"
fi

# ---- 2. every shipped rule is exercised by a generated capture ---------------
python3 - "${shipped[@]}" << 'PY' || fail=1
import glob, json, re, sys
sids = {}
for path in sys.argv[1:]:
    for n, line in enumerate(open(path), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        m = re.search(r'[(;]\s*sid\s*:\s*(\d+)', line)
        if m:
            sids[int(m.group(1))] = '%s:%d' % (path, n)
seen = set()
for exp in glob.glob('pcaps/*.eve.json'):
    for l in open(exp):
        d = json.loads(l)
        if d.get('event_type') == 'alert':
            seen.add(d['alert']['signature_id'])
missing = sorted(set(sids) - seen)
if missing:
    print('  FAIL  %d of %d shipped rules never alert in pcaps/*.eve.json:' % (len(missing), len(sids)))
    for s in missing[:40]:
        print('        sid %d (%s)' % (s, sids[s]))
    sys.exit(1)
print('  ok    all %d shipped rules alert in the expected records of pcaps/' % len(sids))
PY

# ---- 3. SIGHUP reload during a streamed capture --------------------------------
cap=${SHARED:-$(pwd)/../shared}/pcaps/modbus/iti_mb2.pcap
[ -f "$cap" ] || cap=$(ls pcaps/*.pcap 2> /dev/null | head -1)
if [ -z "$cap" ] || ! command -v editcap > /dev/null; then
	echo "  skip  reload test: no capture or no editcap"
else
	editcap -F pcap -r "$cap" "$tmp/p1.pcap" 1-400 > /dev/null
	editcap -F pcap -r "$cap" "$tmp/p2.pcap" 401-800 > /dev/null
	editcap -F pcap -r "$cap" "$tmp/p3.pcap" 801-1200 > /dev/null
	rule='alert tcp any any -> any any (msg:"payload"; flow:to_server; dsize:>0; sid:%d; rev:1;)\n'
	printf "$rule" 1 > "$tmp/live.rules"
	mkfifo "$tmp/fifo"
	"$VIGIL" -r - -S "$tmp/live.rules" --workers 1 -o "$tmp/eve.json" < "$tmp/fifo" 2> "$tmp/err" &
	vpid=$!
	pids+=("$vpid")
	exec 3> "$tmp/fifo"
	cat "$tmp/p1.pcap" >&3
	sleep 1
	printf "$rule" 2 > "$tmp/live.rules"
	kill -HUP "$vpid"
	sleep 0.5
	tail -c +25 "$tmp/p2.pcap" >&3
	for _ in $(seq 50); do grep -q "rule reload:" "$tmp/err" && break; sleep 0.1; done
	sleep 1
	mv "$tmp/live.rules" "$tmp/gone.rules"
	kill -HUP "$vpid"
	sleep 0.5
	tail -c +25 "$tmp/p3.pcap" >&3
	exec 3>&-
	wait "$vpid"
	rc=$?
	python3 - "$tmp/eve.json" "$tmp/err" "$rc" << 'PY' || fail=1
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
err = open(sys.argv[2]).read()
rc = int(sys.argv[3])
al = [(r['pcap_cnt'], r['alert']['signature_id']) for r in recs if r['event_type'] == 'alert']
a = sorted({s for c, s in al if c <= 400})
b = sorted({s for c, s in al if 400 < c <= 800})
c = sorted({s for c, s in al if c > 800})
problems = []
if rc != 0: problems.append('vigil exit %d' % rc)
if a != [1]: problems.append('before the reload: sids %s, want [1]' % a)
if b != [2]: problems.append('after the reload: sids %s, want [2]' % b)
if c != [2]: problems.append('after the failed reload: sids %s, want [2] (old rules kept)' % c)
if 'rule reload failed; the previous rules keep running' not in err: problems.append('no failure message for the bad reload')
if problems:
    print('  FAIL  SIGHUP reload: ' + '; '.join(problems))
    print('        ' + err.replace('\n', '\n        '))
    sys.exit(1)
print('  ok    SIGHUP reload: %d alerts; old rules before, new after, kept on a failed reload' % len(al))
PY
fi
exit $fail
