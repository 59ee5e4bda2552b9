#!/usr/bin/env bash
# Signed records through crashes: Vigil is killed with SIGKILL at random
# points, KILLS times during a signed replay (a generated capture fed slowly
# through a pipe) and KILLS times during a live capture (a veth pair between
# two network namespaces this test creates), and restarted each time with
# the same signing state and syslog spool. Records go to an eve.json file
# and over TCP to a real rsyslogd. Afterwards:
#   - `vigil verify` accepts the file and what rsyslogd received, with the
#     crash status (3), and reports every crash (one restart per kill);
#   - no seq appears with two different records, in the file, in what
#     rsyslogd received, or between the two;
#   - every record of the file reached rsyslogd (the spool survives kills).
# Deterministic kill points for a given SEED (printed). The live part needs
# root, iproute2 and tcpreplay, and is skipped without them.
#
#   KILLS=20 SEED=1234 BUILD=build tests/chain/crash.sh
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=$(pwd)/${VIGIL:-$BUILD/vigil}
GEN=$(pwd)/$BUILD/vigil-gen
KILLS=${KILLS:-20}
SEED=${SEED:-$((($$ * 7919) % 30000 + 1))}
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || { echo "crash: SKIP: rsyslogd missing (make test-deps installs rsyslog)"; exit 77; }
. tests/netns/lib.sh
TMPD=$(mktemp -d)
T=$TMPD
RPIDS=()
VPID=
FPID=
TPID=
cleanup() {
	local p
	for p in $VPID $FPID $TPID; do kill -KILL "$p" 2> /dev/null && wait "$p" 2> /dev/null; done
	for p in "${RPIDS[@]}"; do kill -TERM "$p" 2> /dev/null && wait "$p" 2> /dev/null; done
	netns_cleanup
}
trap cleanup EXIT
fail=0
ok() { echo "  ok    $1"; }
bad() { echo "  FAIL  $1"; fail=1; }
RANDOM=$SEED
echo "crash: seed $SEED, $KILLS kills per part (SEED=$SEED to repeat)"

"$VIGIL" keygen "$T/key" > /dev/null || { echo "crash: keygen failed"; exit 1; }
"$GEN" alert-storm --packets 60000 -o "$T/storm.pcap" > /dev/null || { echo "crash: generator failed"; exit 1; }

# rsyslogd on a loopback TCP port, writing each message's text as a line;
# run by $1 (empty, or nsenter into a namespace). Sets RPORT, RPID.
start_rsyslog() { # prefix-command, name
	local pre=$1 name=$2
	mkdir -p "$T/rs-$name"
	RPORT=$(python3 -c 'import random; print(random.randint(20000, 60000))')
	cat > "$T/rsyslog-$name.conf" << EOF
global(workDirectory="$T/rs-$name" maxMessageSize="256k")
# the main queue direct: each message written to its file before the next
# is read. With rsyslogd's default queue, its several workers wrote batches
# out of order under load (the backlog resent after a restart), and at a
# stop it can discard what it has read (TCP-acknowledged) but not written:
# a receiver that loses what it acknowledged defeats any plain TCP sender
main_queue(queue.type="Direct")
module(load="imtcp" maxSessions="20")
template(name="msgonly" type="string" string="%msg%\n")
ruleset(name="tcp") { action(type="omfile" file="$T/siem-$name.log" template="msgonly") }
input(type="imtcp" address="127.0.0.1" port="$RPORT" ruleset="tcp")
EOF
	$pre "$RSYSLOGD" -n -f "$T/rsyslog-$name.conf" -i "$T/rsyslog-$name.pid" > "$T/rsyslog-$name.out" 2>&1 &
	RPID=$!
	RPIDS+=("$RPID")
	for _ in $(seq 50); do
		if $pre python3 -c "import socket; socket.create_connection(('127.0.0.1', $RPORT), 0.2).close()" 2> /dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "crash: rsyslogd did not start:"
	cat "$T/rsyslog-$name.out"
	return 1
}

config() { # name port
	cat > "$T/vigil-$1.yaml" << EOF
vars:
  address-groups:
    HOME_NET: "[10.0.0.0/8,169.254.0.0/16]"
    EXTERNAL_NET: "!\$HOME_NET"
    ICS_NET: "[10.0.0.0/24]"
    ICS_MASTERS: "[10.0.0.2,10.0.0.3,10.0.0.4]"
    ICS_ENGINEERING: "[10.0.0.5]"
  port-groups:
    MODBUS_PORTS: "[502,5020]"
    DNP3_PORTS: "20000"
    IEC104_PORTS: "2404"
    S7_PORTS: "102"
    ENIP_PORTS: "[44818,2222]"
default-rule-path: $(pwd)/rules
rule-files: [modbus.rules, dnp3.rules, iec104.rules, s7comm.rules, enip.rules, events.rules]
classification-file: classification.config
sensor-id: crash-test
stats: {interval: 0}
app-layer:
  protocols: {modbus: {log: yes}, dnp3: {log: yes}, iec104: {log: yes}, s7comm: {log: yes}, enip: {log: yes}}
signing:
  key: $T/key/vigil.key
  state: $T/state-$1
  block-records: 256
outputs:
  syslog:
    - {transport: tcp, host: 127.0.0.1, port: "$2", spool-dir: $T/spool-$1, drain-ms: 30000}
EOF
}

lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }

# waits until file $1 has grown by two lines or more since it had $2: a
# run's records are out (not only the newline that ends a line a kill cut)
wait_growth() {
	local i
	for i in $(seq 200); do
		[ "$(lines "$1")" -gt $(($2 + 1)) ] && return 0
		sleep 0.05
	done
	return 1
}

# a random pause of 0..1.5 s from the seeded generator
pause() { sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", (r % 1500) / 1000 }')"; }

# the checks after a part: verify both copies, count crashes, seq uniqueness
check() { # name kills
	local name=$1 k=$2 out st c
	echo "  ($(date +%T)) checks"
	for f in "$T/eve-$name.json" "$T/siem-$name.log"; do
		out=$("$VIGIL" verify --key "$T/key/vigil.pub" "$f" 2>&1)
		st=$?
		c=$(grep -c 'the sensor restarted after a crash' <<< "$out")
		if [ $st -eq 3 ] && [ "$c" -eq "$k" ]; then
			ok "$name: $(basename "$f"): verify exit 3, $c crashes reported: $(tail -1 <<< "$out")"
		else
			bad "$name: $(basename "$f"): verify exit $st, $c crashes reported of $k kills"
			grep -v 'restarted after a crash' <<< "$out" | head -5 | cut -c1-300 | sed 's/^/        /'
		fi
		grep 'restarted after a crash' <<< "$out" | head -3 | cut -c1-260 | sed 's/^/        /'
	done
	python3 - "$T/eve-$name.json" "$T/siem-$name.log" "$name" << 'PY' || fail=1
import json, sys
recs = {}
cut = 0
def load(path, tag):
    global cut
    n = 0
    seqs = set()
    for line in open(path, errors="replace"):
        i = line.find("{")
        if i < 0:
            continue
        text = line[i:].rstrip("\n")
        try:
            s = json.loads(text)["seq"]
        except Exception:
            cut += 1
            continue
        n += 1
        seqs.add(s)
        recs.setdefault(s, set()).add(text)
    return n, seqs
fn, fseq = load(sys.argv[1], "file")
sn, sseq = load(sys.argv[2], "siem")
twice = [s for s, v in recs.items() if len(v) > 1]
lost = sorted(fseq - sseq)
name = sys.argv[3]
bad = 0
if twice:
    print("  FAIL  %s: %d seq numbers carry two different records (first %s)" % (name, len(twice), sorted(twice)[:5]))
    bad = 1
else:
    print("  ok    %s: no seq with two different records (%d lines in the file, %d received, %d distinct seq, %d cut lines)"
          % (name, fn, sn, len(recs), cut))
if lost:
    print("  FAIL  %s: %d records of the file never reached rsyslogd (first %s)" % (name, len(lost), lost[:5]))
    bad = 1
else:
    print("  ok    %s: every record of the file reached rsyslogd (%d more there: lost from the file's buffer at a kill)"
          % (name, len(sseq - fseq)))
if fn < 1000:
    print("  FAIL  %s: only %d records written" % (name, fn))
    bad = 1
sys.exit(bad)
PY
}

# ---- a signed replay, killed KILLS times --------------------------------------
echo "== replay: -r - from a slow pipe, killed $KILLS times ($(date +%T))"
start_rsyslog "" replay || exit 1
config replay "$RPORT"
# the capture at about 2000 packets a second, to stdout (a writer that
# outlives a killed reader gets EPIPE and ends)
FEED='
import sys, time, struct
data = open(sys.argv[1], "rb").read()
out = sys.stdout.buffer
try:
    out.write(data[:24]); pos = 24; n = 0
    while pos < len(data):
        caplen = struct.unpack("<I", data[pos+8:pos+12])[0]
        out.write(data[pos:pos+16+caplen]); pos += 16 + caplen; n += 1
        if n % 100 == 0:
            out.flush(); time.sleep(0.05)
    out.flush()
except BrokenPipeError:
    sys.stderr.close()
'
rm -f "$T/feed"
mkfifo "$T/feed"
kills=0
for i in $(seq "$KILLS"); do
	before=$(lines "$T/eve-replay.json")
	python3 -c "$FEED" "$T/storm.pcap" > "$T/feed" 2> /dev/null &
	FPID=$!
	"$VIGIL" -q -c "$T/vigil-replay.yaml" -r - --workers 2 -o "$T/eve-replay.json" < "$T/feed" 2>> "$T/vigil-replay.err" &
	VPID=$!
	if ! wait_growth "$T/eve-replay.json" "$before"; then
		bad "replay run $i wrote nothing"
		sed 's/^/        /' "$T/vigil-replay.err" | tail -3
	fi
	pause
	kill -KILL "$VPID" 2> /dev/null && kills=$((kills + 1))
	wait "$VPID" 2> /dev/null
	VPID=
	kill -KILL "$FPID" 2> /dev/null
	wait "$FPID" 2> /dev/null
	FPID=
done
# the last run ends in order: a short capture, then the spool drains
"$GEN" modbus -o "$T/short.pcap" > /dev/null
if "$VIGIL" -q -c "$T/vigil-replay.yaml" -r "$T/short.pcap" --workers 2 -o "$T/eve-replay.json" 2>> "$T/vigil-replay.err"; then
	ok "replay: $kills kills, then an orderly run"
else
	bad "replay: the last (orderly) run failed"
fi
sleep 1.5
check replay "$kills"

# ---- a live capture, killed KILLS times ----------------------------------------
echo "== live: -i on a veth pair in namespaces, killed $KILLS times ($(date +%T))"
if [ "$(id -u)" != 0 ] || ! command -v ip > /dev/null || ! ip netns list > /dev/null 2>&1 ||
	! command -v tcpreplay > /dev/null; then
	echo "  skip  live part: needs root, iproute2 with netns and tcpreplay"
	exit $fail
fi
netns_up || { echo "crash: cannot create namespaces"; exit 1; }
IN_B="nsenter --net=/run/netns/$NS_B"
start_rsyslog "$IN_B" live || exit 1
config live "$RPORT"
"$GEN" alert-storm --packets 4000 -o "$T/live-src.pcap" > /dev/null
netns_rewrite "$T/live-src.pcap" "$T/live.pcap" || { echo "crash: tcprewrite failed"; exit 1; }
ip netns exec "$NS_A" tcpreplay -q -i "$IF_A" --pps 1500 --loop 0 "$T/live.pcap" > /dev/null 2>&1 &
TPID=$!
kills=0
for i in $(seq "$KILLS"); do
	before=$(lines "$T/eve-live.json")
	$IN_B "$VIGIL" -q -i "$IF_B" -c "$T/vigil-live.yaml" --workers 2 -o "$T/eve-live.json" 2>> "$T/vigil-live.err" &
	VPID=$!
	if ! wait_growth "$T/eve-live.json" "$before"; then
		bad "live run $i wrote nothing"
		sed 's/^/        /' "$T/vigil-live.err" | tail -3
	fi
	pause
	kill -KILL "$VPID" 2> /dev/null && kills=$((kills + 1))
	wait "$VPID" 2> /dev/null
	VPID=
done
$IN_B "$VIGIL" -q -i "$IF_B" -c "$T/vigil-live.yaml" --workers 2 -o "$T/eve-live.json" 2>> "$T/vigil-live.err" &
VPID=$!
wait_growth "$T/eve-live.json" "$(lines "$T/eve-live.json")"
sleep 1
kill -TERM "$TPID" 2> /dev/null
wait "$TPID" 2> /dev/null
TPID=
kill -TERM "$VPID"
if wait "$VPID"; then
	ok "live: $kills kills, then an orderly stop (SIGTERM)"
else
	bad "live: the last run did not stop in order"
fi
VPID=
sleep 1.5
check live "$kills"
exit $fail
