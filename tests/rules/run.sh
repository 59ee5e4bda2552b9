#!/usr/bin/env bash
# Rule tests with the real binary:
#  1. the shipped rules load with zero errors (--test-rules, exit 0), and a
#     broken rule file makes --test-rules exit 1 naming the rule;
#  2. every shipped rule is exercised: its sid appears in an alert of the
#     expected records of some capture in pcaps/;
#  3. SIGHUP reloads the rules while a capture streams in: packets before the
#     reload meet the old rules, packets after it the new ones, and a rule
#     set that fails to load leaves the previous one running;
#  4. Suricata's own event rule files (tests/rules/suricata/) and the rules of
#     suricata-verify's ICS tests (tests/rules/suricata-verify/) load with the
#     numbers of loaded, failed and unsupported rules written below;
#  5. a line over the reader's buffer is rejected whole; -T and --test-rules
#     fail on a missing rule file or a bad variable (CONFIG:LINE); a run names
#     the rules using an undefined variable; --list-keywords and
#     --list-app-layer-protos.
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
# ---- 4. Suricata's rule files ------------------------------------------------------
# loaded/failed/unsupported per file. decoder-events: 15 of its rules name the
# GRE, ERSPAN, MPLS and too_many_layers events that the tunnel decapsulation
# adds (unsupported before it, loaded with it: 84/0/31).
counts() { # rule file -> "loaded/failed/unsupported"
	"$VIGIL" --test-rules -c "$CFG" -S "$1" 2>&1 |
		sed -n 's/.*rules: \([0-9]*\) loaded, \([0-9]*\) failed[^,]*, \([0-9]*\) unsupported.*/\1\/\2\/\3/p'
}
while read -r file want; do
	got=$(counts "$file")
	case " $want " in
	*" $got "*) ok "$file: $got (loaded/failed/unsupported)" ;;
	*) bad "$file: $got, want $want (loaded/failed/unsupported)" ;;
	esac
done << 'LIST'
tests/rules/suricata/app-layer-events.rules 0/0/4
tests/rules/suricata/decoder-events.rules 69/0/46 84/0/31
tests/rules/suricata/dnp3-events.rules 5/0/0
tests/rules/suricata/enip-events.rules 1/0/1
tests/rules/suricata/modbus-events.rules 9/0/0
tests/rules/suricata/stream-events.rules 21/0/31
tests/rules/suricata-verify/dnp3-dnp3_data-alert.rules 7/0/0
tests/rules/suricata-verify/dnp3-flood.rules 6/0/0
tests/rules/suricata-verify/dnp3-ind-keyword.rules 5/0/0
tests/rules/suricata-verify/dnp3-lua.rules 0/0/1
tests/rules/suricata-verify/dnp3-max-objects.rules 6/0/1
tests/rules/suricata-verify/dnp3-too-long-reassembly-request.rules 1/0/0
tests/rules/suricata-verify/feature-9205-dnp3-recovery-resync.rules 1/0/2
tests/rules/suricata-verify/issue-8979-dnp3-link-event-before-tx.rules 1/0/0
tests/rules/suricata-verify/issue-8980-dnp3-framing-recovery.rules 1/0/0
tests/rules/suricata-verify/modbus.rules 5/0/0
LIST

# ---- 5. the reader, the checks, the lists -------------------------------------------
# a 100 KiB line whose tail beyond the 64 KiB buffer is a valid rule: one
# rule, rejected whole; the next line loads
python3 - "$tmp/long.rules" << 'PY'
import sys
tail = 'alert tcp any any -> any any (msg:"tail of a long line"; sid:77;)'
head = 'alert tcp any any -> any any (msg:"' + 'x' * (65535 - 35)
line = head + ' ' * (102400 - len(head) - len(tail)) + tail
open(sys.argv[1], 'w').write(line + '\nalert tcp any any -> any any (msg:"next"; sid:78;)\n')
PY
out=$("$VIGIL" --test-rules -S "$tmp/long.rules" 2>&1)
if echo "$out" | grep -q "long.rules:1: rule longer than 65536 bytes: skipped" &&
	echo "$out" | grep -q "rules: 1 loaded, 1 failed, 0 unsupported"; then
	ok "a 100 KiB line is one rule, rejected whole (its tail is not read as a rule)"
else
	bad "100 KiB line: $out"
fi

# a configuration naming a missing rule file, or with a bad address in vars:
# -T and --test-rules exit 1 with CONFIG:LINE
sed -e 's#^default-rule-path:.*#default-rule-path: '"$(pwd)"'/rules#' \
	-e 's#^classification-file:.*#classification-file: '"$(pwd)"'/rules/classification.config#' \
	sensor/vigil.yaml > "$tmp/good.yaml"
sed 's#^  - modbus.rules#  - nosuch.rules#' "$tmp/good.yaml" > "$tmp/missing.yaml"
sed 's#^\(    ICS_MASTERS: \).*#\1"[10.0.0.2,10.0.0.256]"#' "$tmp/good.yaml" > "$tmp/badvar.yaml"
mline=$(grep -n '^  - nosuch.rules' "$tmp/missing.yaml" | cut -d: -f1)
vline=$(grep -n '^    ICS_MASTERS:' "$tmp/badvar.yaml" | cut -d: -f1)
for mode in -T --test-rules; do
	"$VIGIL" $mode -c "$tmp/good.yaml" > /dev/null 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		ok "$mode on the shipped configuration: exit 0"
	else
		bad "$mode on the shipped configuration: exit $rc"
	fi
	out=$("$VIGIL" $mode -c "$tmp/missing.yaml" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q "missing.yaml:$mline: rule-files: .*nosuch.rules: No such file"; then
		ok "$mode: a missing rule file: CONFIG:LINE, exit 1"
	else
		bad "$mode, missing rule file (rc $rc): $out"
	fi
	out=$("$VIGIL" $mode -c "$tmp/badvar.yaml" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q "badvar.yaml:$vline: ICS_MASTERS: invalid address '10.0.0.256'"; then
		ok "$mode: a bad address in vars: CONFIG:LINE, exit 1"
	else
		bad "$mode, bad variable (rc $rc): $out"
	fi
done

# a run reports the rules naming a variable nobody defined
printf 'alert tcp $NO_SUCH_NET any -> any any (msg:"v"; sid:1;)\nalert tcp any any -> any any (msg:"ok"; sid:2;)\n' > "$tmp/undef.rules"
out=$("$VIGIL" -q -r pcaps/modbus.pcap -S "$tmp/undef.rules" -o /dev/null 2>&1)
if echo "$out" | grep -q "undef.rules:1: sid 1: header: unknown variable '\$NO_SUCH_NET'" &&
	echo "$out" | grep -q "1 loaded, 1 failed (1 for undefined variables: \$NO_SUCH_NET)"; then
	ok "a run names the rule using an undefined variable, and counts it"
else
	bad "undefined variable: $out"
fi

# --list-keywords and --list-app-layer-protos: from the parser's own tables
out=$("$VIGIL" --list-keywords=csv 2>&1)
rc=$?
missing=""
for k in msg sid content pcre flowbits flowint stream-event decode-event app-layer-event \
	ipv4-csum tcpv4-csum tcpv6-csum udpv4-csum udpv6-csum icmpv4-csum icmpv6-csum \
	threshold modbus dnp3_ind dnp3.ind enip_command; do
	echo "$out" | grep -q "^$k;[a-z]*;supported;" || missing="$missing $k"
done
if [ $rc -eq 0 ] && [ -z "$missing" ]; then
	ok "--list-keywords lists the rule keywords, supported"
else
	bad "--list-keywords=csv (rc $rc): missing$missing"
fi
out=$("$VIGIL" --list-keywords 2>&1)
if echo "$out" | grep -q "^- stream-event  *suricata  " && echo "$out" | grep -q "^- flowint  *suricata  "; then
	ok "--list-keywords: one line per keyword, with its origin and description"
else
	bad "--list-keywords: $(echo "$out" | head -3)"
fi
out=$("$VIGIL" --list-keywords=stream-event 2>&1)
if echo "$out" | grep -q "Origin: Suricata" && echo "$out" | grep -q "Status: supported"; then
	ok "--list-keywords=NAME describes one keyword"
else
	bad "--list-keywords=stream-event: $out"
fi
if "$VIGIL" --list-keywords=no-such-keyword > /dev/null 2>&1; then
	bad "--list-keywords=UNKNOWN: exit 0"
else
	ok "--list-keywords=UNKNOWN: exit 1"
fi
n=$("$VIGIL" --list-keywords=csv | tail -n +2 | wc -l)
k=$("$VIGIL" --list-keywords=csv | tail -n +2 | cut -d';' -f1 | sort -u | wc -l)
if [ "$n" -gt 100 ] && [ "$n" = "$k" ]; then
	ok "--list-keywords=csv: $n keywords, each once"
else
	bad "--list-keywords=csv: $n lines, $k names"
fi
out=$("$VIGIL" --list-app-layer-protos 2>&1)
missing=""
for p in modbus dnp3 iec104 s7comm enip bacnet opcua mqtt; do
	echo "$out" | grep -qx "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	ok "--list-app-layer-protos lists the parsers"
else
	bad "--list-app-layer-protos: missing$missing"
fi
exit $fail
