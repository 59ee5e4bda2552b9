#!/usr/bin/env bash
# Mutation test of signed records: makes a valid signed eve.json (a
# generated alert storm, thousands of records, a signature every 256) and
# what a real rsyslogd received of it over TCP (restarted once during the
# run, so the copy holds a resend), the next run's file (same signing
# state), another run's file (same key, other state) and a file with a real
# crash (SIGKILL, then a restart); then $BUILD/chain-mutate applies at
# least PER_CLASS mutations of each class to the file and to the copy and
# checks that verify rejects every harmful one, naming the first bad line,
# and accepts every legitimate variant. Deterministic for a SEED.
#
#   PER_CLASS=1000 SEED=1 BUILD=build tests/chain/mutate.sh
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=$(pwd)/${VIGIL:-$BUILD/vigil}
GEN=$(pwd)/$BUILD/vigil-gen
MUTATE=$(pwd)/$BUILD/chain-mutate
PER_CLASS=${PER_CLASS:-1000}
SEED=${SEED:-1}
[ -x "$MUTATE" ] || { echo "mutate: $MUTATE missing (make BUILD=$BUILD $BUILD/chain-mutate)"; exit 1; }
T=$(mktemp -d)
RPID=
VPID=
FPID=
cleanup() {
	for p in $VPID $FPID; do kill -KILL "$p" 2> /dev/null && wait "$p" 2> /dev/null; done
	[ -n "$RPID" ] && kill -TERM "$RPID" 2> /dev/null && wait "$RPID" 2> /dev/null
	rm -rf "$T"
}
trap cleanup EXIT

"$VIGIL" keygen "$T/key" > /dev/null || { echo "mutate: keygen failed"; exit 1; }
"$GEN" alert-storm --packets 3000 -o "$T/storm.pcap" > /dev/null &&
	"$GEN" dnp3 -o "$T/other.pcap" > /dev/null &&
	"$GEN" modbus -o "$T/next.pcap" > /dev/null || { echo "mutate: generator failed"; exit 1; }

RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
siem=
if [ -x "$RSYSLOGD" ]; then
	mkdir -p "$T/rs"
	cat > "$T/rsyslog.conf" << EOF
global(workDirectory="$T/rs" maxMessageSize="256k")
# the main queue direct: each message written to its file before the next
# is read. With rsyslogd's default queue, its several workers wrote batches
# out of order under load (the backlog resent after a restart), and at a
# stop it can discard what it has read (TCP-acknowledged) but not written:
# a receiver that loses what it acknowledged defeats any plain TCP sender
main_queue(queue.type="Direct")
module(load="imtcp")
template(name="msgonly" type="string" string="%msg%\n")
ruleset(name="tcp") { action(type="omfile" file="$T/siem.log" template="msgonly") }
input(type="imtcp" address="127.0.0.1" port="$PORT" ruleset="tcp")
EOF
	start_rsyslog() {
		"$RSYSLOGD" -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" > "$T/rsyslog.out" 2>&1 &
		RPID=$!
		for _ in $(seq 50); do
			python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2).close()" 2> /dev/null && return 0
			sleep 0.1
		done
		return 1
	}
	start_rsyslog || { echo "mutate: rsyslogd did not start"; cat "$T/rsyslog.out"; exit 1; }
	siem=yes
else
	echo "mutate: rsyslogd missing: the file only, no rsyslog copy (make test-deps installs rsyslog)"
fi

config() { # name state [syslog]
	cat << EOF
default-rule-path: $(pwd)/rules
rule-files: [modbus.rules, dnp3.rules, iec104.rules, s7comm.rules, enip.rules, events.rules]
classification-file: classification.config
stats: {interval: 0}
app-layer:
  protocols: {modbus: {log: yes}, dnp3: {log: yes}, iec104: {log: yes}, s7comm: {log: yes}, enip: {log: yes}}
signing:
  key: $T/key/vigil.key
  state: $T/$2
  block-records: 256
EOF
	if [ -n "${3:-}" ]; then
		printf 'outputs:\n  syslog:\n    - {transport: tcp, host: 127.0.0.1, port: "%s", spool-dir: %s, drain-ms: 20000}\n' \
			"$PORT" "$T/spool"
	fi
}
config main state-main "$siem" > "$T/main.yaml"
config next state-main > "$T/next.yaml"
config other state-other > "$T/other.yaml"
config crash state-crash > "$T/crash.yaml"

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
mkfifo "$T/feed"
# the file, and the copy with rsyslogd restarted in the middle (a resend)
python3 -c "$FEED" "$T/storm.pcap" > "$T/feed" 2> /dev/null &
FPID=$!
"$VIGIL" -q -c "$T/main.yaml" -r - --workers 2 -o "$T/eve.json" < "$T/feed" 2> "$T/vigil.err" &
VPID=$!
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
if [ -n "$siem" ]; then
	for _ in $(seq 200); do
		[ "$(lines "$T/eve.json")" -gt 800 ] && break
		sleep 0.05
	done
	kill -TERM "$RPID" && wait "$RPID" 2> /dev/null
	sleep 0.3
	start_rsyslog || { echo "mutate: rsyslogd did not restart"; exit 1; }
fi
wait "$FPID"
FPID=
wait "$VPID" || { echo "mutate: vigil failed"; cat "$T/vigil.err"; exit 1; }
VPID=
if [ -n "$siem" ]; then
	sleep 1
	kill -TERM "$RPID" && wait "$RPID" 2> /dev/null
	RPID=
fi
# the next run (same state), another run (same key, its own state)
"$VIGIL" -q -c "$T/next.yaml" -r "$T/next.pcap" --workers 2 -o "$T/next.json" 2>> "$T/vigil.err" &&
	"$VIGIL" -q -c "$T/other.yaml" -r "$T/other.pcap" --workers 2 -o "$T/other.json" 2>> "$T/vigil.err" ||
	{ echo "mutate: vigil failed"; cat "$T/vigil.err"; exit 1; }
# a real crash: killed once its records are out, then restarted
python3 -c "$FEED" "$T/storm.pcap" > "$T/feed" 2> /dev/null &
FPID=$!
"$VIGIL" -q -c "$T/crash.yaml" -r - --workers 2 -o "$T/crash.json" < "$T/feed" 2>> "$T/vigil.err" &
VPID=$!
for _ in $(seq 100); do
	[ "$(lines "$T/crash.json")" -gt 300 ] && break
	sleep 0.05
done
kill -KILL "$VPID"
wait "$VPID" 2> /dev/null
VPID=
kill -KILL "$FPID" 2> /dev/null
wait "$FPID" 2> /dev/null
FPID=
"$VIGIL" -q -c "$T/crash.yaml" -r "$T/next.pcap" --workers 2 -o "$T/crash.json" 2>> "$T/vigil.err" ||
	{ echo "mutate: vigil failed after the crash"; exit 1; }

args=(--key "$T/key/vigil.pub" --file "$T/eve.json" --next "$T/next.json" --other "$T/other.json"
	--crash "$T/crash.json" --seed "$SEED" --per-class "$PER_CLASS")
[ -n "$siem" ] && args+=(--siem "$T/siem.log")
"$MUTATE" "${args[@]}"
