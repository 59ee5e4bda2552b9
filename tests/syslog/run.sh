#!/usr/bin/env bash
# Delivery to a real SIEM: rsyslogd, started by this test on loopback ports
# (UDP, TCP with octet counting, TLS with a CA and a server certificate made
# here with openssl), receives a replay with thousands of signed alerts while
# the test stops and restarts it several times, in EVE JSON, CEF and LEEF
# 2.0 (over TCP and over TLS each). Over TCP and TLS every record must
# arrive, in order, a record appearing twice only as a resent copy (same
# seq, same bytes); `vigil verify` accepts what rsyslogd wrote and rejects a
# tampered copy (a CEF or LEEF field altered beside the record it carries
# too), a record copied further on and an old signature record moved. UDP
# is best effort: counted, not required. Files written in CEF and LEEF by
# Vigil itself verify too; a bad outputs.syslog.sd-id stops start-up.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=$(pwd)/${VIGIL:-$BUILD/vigil}
GEN=$(pwd)/$BUILD/vigil-gen
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || { echo "syslog: SKIP: rsyslogd missing (make test-deps installs rsyslog)"; exit 77; }
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so ] || [ -n "$(find /usr/lib -name lmnsd_ossl.so 2> /dev/null | head -1)" ] ||
	{ echo "syslog: rsyslog-openssl is missing (make test-deps installs it)"; exit 1; }
command -v openssl > /dev/null || { echo "syslog: openssl missing"; exit 1; }
T=$(mktemp -d)
RPID=
VPID=
FPID=
cleanup() {
	for p in $VPID $FPID $RPID; do kill "$p" 2> /dev/null && wait "$p" 2> /dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
fail=0
ok() { echo "  ok    $1"; }
bad() { echo "  FAIL  $1"; fail=1; }

# free loopback ports
read -r PU PT PS PTC PTL PSC PSL < <(python3 -c '
import socket
s=[socket.socket(socket.AF_INET, t) for t in (socket.SOCK_DGRAM,) + (socket.SOCK_STREAM,) * 6]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

# a CA and a server certificate for 127.0.0.1 / localhost
(
	cd "$T" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=Vigil test CA" &&
		openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=localhost" &&
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > ext.cnf &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext.cnf
) > "$T/openssl.log" 2>&1 || { echo "syslog: openssl failed"; cat "$T/openssl.log"; exit 1; }

mkdir -p "$T/rs"
cat > "$T/rsyslog.conf" << EOF
global(workDirectory="$T/rs" defaultNetstreamDriverCAFile="$T/ca.pem"
       defaultNetstreamDriverCertFile="$T/srv.pem" defaultNetstreamDriverKeyFile="$T/srv.key"
       maxMessageSize="256k")
# the main queue direct: each message written to its file before the next
# is read. With rsyslogd's default queue, its several workers wrote batches
# out of order under load (the backlog resent after a restart), and at a
# stop it can discard what it has read (TCP-acknowledged) but not written:
# a receiver that loses what it acknowledged defeats any plain TCP sender
main_queue(queue.type="Direct")
module(load="imudp")
module(load="imtcp" maxSessions="20")
template(name="msgonly" type="string" string="%msg%\n")
template(name="header" type="string"
         string="%timegenerated:::date-rfc3339% %hostname% %syslogtag%%structured-data% %msg%\n")
ruleset(name="udp") { action(type="omfile" file="$T/out-udp.log" template="msgonly") }
ruleset(name="tcp") { action(type="omfile" file="$T/out-tcp.log" template="msgonly") }
ruleset(name="tls") { action(type="omfile" file="$T/out-tls.log" template="msgonly") }
ruleset(name="tcp-cef") { action(type="omfile" file="$T/out-tcp-cef.log" template="header") }
ruleset(name="tcp-leef") { action(type="omfile" file="$T/out-tcp-leef.log" template="msgonly") }
ruleset(name="tls-cef") { action(type="omfile" file="$T/out-tls-cef.log" template="msgonly") }
ruleset(name="tls-leef") { action(type="omfile" file="$T/out-tls-leef.log" template="header") }
input(type="imudp" address="127.0.0.1" port="$PU" ruleset="udp")
input(type="imtcp" address="127.0.0.1" port="$PT" ruleset="tcp")
input(type="imtcp" address="127.0.0.1" port="$PTC" ruleset="tcp-cef")
input(type="imtcp" address="127.0.0.1" port="$PTL" ruleset="tcp-leef")
input(type="imtcp" address="127.0.0.1" port="$PS" ruleset="tls" streamDriver.name="ossl"
      streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="$PSC" ruleset="tls-cef" streamDriver.name="ossl"
      streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="$PSL" ruleset="tls-leef" streamDriver.name="ossl"
      streamDriver.mode="1" streamDriver.authMode="anon")
EOF
start_rsyslog() {
	"$RSYSLOGD" -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" > "$T/rsyslog.out" 2>&1 &
	RPID=$!
	for _ in $(seq 50); do
		if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $PT), 0.2).close()" 2> /dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "syslog: rsyslogd did not start:"
	cat "$T/rsyslog.out"
	return 1
}
stop_rsyslog() {
	kill -TERM "$RPID" 2> /dev/null
	wait "$RPID" 2> /dev/null
	RPID=
}
start_rsyslog || exit 1

# Vigil: signed records to a file and to the three receivers
"$VIGIL" keygen "$T/key" > /dev/null || { echo "syslog: keygen failed"; exit 1; }
cat > "$T/vigil.yaml" << EOF
vars:
  address-groups:
    HOME_NET: "[10.0.0.0/8]"
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
sensor-id: test-sensor
stats: {interval: 0}
logging: {flow: no}
app-layer:
  protocols: {modbus: {log: yes}, dnp3: {log: yes}, iec104: {log: yes}, s7comm: {log: yes}, enip: {log: yes}}
signing:
  key: $T/key/vigil.key
outputs:
  syslog:
    - {transport: udp, host: 127.0.0.1, port: "$PU"}
    - {transport: tcp, host: 127.0.0.1, port: "$PT", spool-dir: $T/spool-tcp, drain-ms: 20000}
    - transport: tls
      host: 127.0.0.1
      port: "$PS"
      spool-dir: $T/spool-tls
      drain-ms: 20000
      tls: {ca: $T/ca.pem, server-name: localhost}
    # the SD-ID of the test: any number will do on loopback (a real one is
    # an enterprise number IANA assigned to whoever runs the sensor)
    - {transport: tcp, host: 127.0.0.1, port: "$PTC", spool-dir: $T/spool-tcp-cef, drain-ms: 20000,
       format: cef, sd-id: "vigil@65535"}
    - {transport: tcp, host: 127.0.0.1, port: "$PTL", spool-dir: $T/spool-tcp-leef, drain-ms: 20000,
       format: leef}
    - {transport: tls, host: 127.0.0.1, port: "$PSC", spool-dir: $T/spool-tls-cef, drain-ms: 20000,
       format: cef, tls: {ca: $T/ca.pem, server-name: localhost}}
    - {transport: tls, host: 127.0.0.1, port: "$PSL", spool-dir: $T/spool-tls-leef, drain-ms: 20000,
       format: leef, sd-id: "vigil@65535", tls: {ca: $T/ca.pem, server-name: localhost}}
EOF
"$GEN" alert-storm --packets 24000 -o "$T/storm.pcap" > /dev/null || { echo "syslog: generator failed"; exit 1; }
# the capture arrives over about 8 seconds (a throttled pipe into -r -)
mkfifo "$T/feed"
python3 -c '
import sys, time
data = open(sys.argv[1], "rb").read()
out = open(sys.argv[2], "wb", buffering=0)
out.write(data[:24]); pos = 24; n = 0
import struct
while pos < len(data):
    caplen = struct.unpack("<I", data[pos+8:pos+12])[0]
    out.write(data[pos:pos+16+caplen]); pos += 16 + caplen; n += 1
    if n % 300 == 0: time.sleep(0.1)
out.close()' "$T/storm.pcap" "$T/feed" &
FPID=$!
"$VIGIL" -q -c "$T/vigil.yaml" -r - --workers 2 -o "$T/eve.json" < "$T/feed" 2> "$T/vigil.err" &
VPID=$!
# stop and restart rsyslogd three times during the replay
for i in 1 2 3; do
	sleep 1.5
	stop_rsyslog
	sleep 0.7
	start_rsyslog || { fail=1; break; }
done
wait "$FPID"
FPID=
wait "$VPID"
vst=$?
VPID=
sleep 1
stop_rsyslog
[ $vst -eq 0 ] || { bad "vigil exited with $vst"; sed 's/^/        /' "$T/vigil.err" | head; }

python3 - "$T" << 'PY' || fail=1
import base64, json, re, sys
t = sys.argv[1]
def record(line):
    """the EVE record of a line: as it is, or carried by a CEF or LEEF line"""
    c, l, j = line.find("CEF:0|Vigil|Vigil|"), line.find("LEEF:2.0|Vigil|Vigil|"), line.find("{")
    if c >= 0 and (j < 0 or c < j):
        v = line[line.index(" vigilRecord=", c) + 13:]
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), v)
    if l >= 0 and (j < 0 or l < j):
        return base64.b64decode(line[line.index("^vigilRecord=", l) + 13:], validate=True).decode()
    return line[j:] if j >= 0 else None
def seqs(path):
    out = []
    try:
        for line in open(path, errors="replace"):
            line = line.rstrip("\n")
            try:
                r = record(line)
            except Exception:
                r = None
            if r is None:
                if line:
                    out.append((None, line))
                continue
            try:
                out.append((json.loads(r)["seq"], r))
            except Exception:
                out.append((None, line))
    except FileNotFoundError:
        pass
    return out
ref = {s: l for s, l in seqs(t + "/eve.json")}
n = len(ref)
alerts = sum(1 for l in ref.values() if '"event_type":"alert"' in l)
problems = 0
for name in ("tcp", "tls", "tcp-cef", "tcp-leef", "tls-cef", "tls-leef"):
    got = seqs("%s/out-%s.log" % (t, name))
    bad = [l for s, l in got if s is None]
    first, dups, order_ok, same = [], 0, True, True
    seen = set()
    for s, l in got:
        if s is None:
            continue
        if s in seen:
            dups += 1
            if ref.get(s) != l:
                same = False
            continue
        if first and s < first[-1]:
            order_ok = False
        seen.add(s)
        first.append(s)
        if ref.get(s) != l:
            same = False
    missing = sorted(set(ref) - seen)
    if bad or missing or not order_ok or not same:
        problems += 1
        print("  FAIL  %s: %d records of %d, %d missing (first %s), order %s, bytes %s, %d unparsable" %
              (name, len(seen), n, len(missing), missing[:5], "ok" if order_ok else "BROKEN",
               "same" if same else "DIFFER", len(bad)))
    else:
        print("  ok    %s: all %d records (%d alerts) arrived in order across 3 restarts of rsyslogd, "
              "%d resent copies (same seq, same bytes)" % (name, n, alerts, dups))
udp = seqs(t + "/out-udp.log")
print("  info  udp (best effort): %d of %d records arrived" % (len(set(s for s, _ in udp)), n))
if n < 1000 or alerts < 500:
    print("  FAIL  the replay made only %d records (%d alerts)" % (n, alerts))
    problems += 1
sys.exit(1 if problems else 0)
PY

# what rsyslogd wrote verifies; a tampered copy does not
for name in tcp tls tcp-cef tcp-leef tls-cef tls-leef; do
	if out=$("$VIGIL" verify --key "$T/key/vigil.pub" "$T/out-$name.log" 2>&1); then
		ok "vigil verify accepts what rsyslogd wrote over $name: $out"
	else
		bad "vigil verify rejects the $name output: $out"
	fi
done
sed '100s/"signature_id":9100011/"signature_id":9100012/' "$T/out-tcp.log" > "$T/tampered.log"
if cmp -s "$T/tampered.log" "$T/out-tcp.log"; then
	sed '100s/"proto":"TCP"/"proto":"UDP"/' "$T/out-tcp.log" > "$T/tampered.log"
fi
if ! cmp -s "$T/tampered.log" "$T/out-tcp.log" && ! out=$("$VIGIL" verify --key "$T/key/vigil.pub" "$T/tampered.log" 2>&1); then
	ok "a tampered copy is rejected: $out"
else
	bad "a tampered copy was accepted (or could not be made)"
fi
# CEF and LEEF: a field altered beside the record the line carries, the
# record itself altered
tamper_check() { # file pattern sed-substitution what: on the first line from line 100 with pattern
	local n
	n=$(awk -v p="$2" 'NR >= 100 && index($0, p) {print NR; exit}' "$T/$1")
	sed "${n:-1}$3" "$T/$1" > "$T/tampered.log"
	if [ -z "$n" ] || cmp -s "$T/tampered.log" "$T/$1"; then
		bad "$4: the copy could not be made ($1)"
	elif out=$("$VIGIL" verify --key "$T/key/vigil.pub" "$T/tampered.log" 2>&1); then
		bad "$4 was accepted ($1): $out"
	else
		ok "$4 is rejected ($1): $(cut -c1-160 <<< "$out")"
	fi
}
tamper_check out-tcp-cef.log ' dpt=' 's/ dpt=\([0-9]*\)/ dpt=1\1/' "a CEF field altered"
tamper_check out-tls-cef.log '"dest_port":' 's/"dest_port":\([0-9]*\)/"dest_port":1\1/' "the record in a CEF line altered"
tamper_check out-tcp-leef.log '^dstPort=' 's/\^dstPort=\([0-9]*\)/^dstPort=1\1/' "a LEEF attribute altered"
tamper_check out-tls-leef.log '^vigilRecord=eyJ0aW1lc3RhbXAiOiIy' \
	's/\^vigilRecord=eyJ0aW1lc3RhbXAiOiIy/^vigilRecord=eyJ0aW1lc3RhbXAiOiIz/' "the record in a LEEF line altered"
# a record copied further on, an old signature record moved further on: not
# resends (a resend repeats records in order up to the newest)
awk 'NR==100{c=$0} {print} NR==3000{print c}' "$T/out-tcp.log" > "$T/copied.log"
sig=$(grep -n '"event_type":"signature"' "$T/out-tcp.log" | sed -n 2p | cut -d: -f1)
awk -v s="$sig" 'NR==s{c=$0} {print} NR==s+2000{print c}' "$T/out-tcp.log" > "$T/moved.log"
for f in copied moved; do
	if out=$("$VIGIL" verify --key "$T/key/vigil.pub" "$T/$f.log" 2>&1); then
		bad "a $f record was accepted: $out"
	else
		ok "a $f record is rejected: $(cut -c1-200 <<< "$out")"
	fi
done
if "$VIGIL" verify --key "$T/key/vigil.pub" "$T/eve.json" > /dev/null; then
	ok "the local eve.json verifies"
else
	bad "the local eve.json does not verify"
fi

# files written in CEF and LEEF by Vigil itself (the same replay, its own
# signing state), and the rsyslog files of all formats given together
for f in cef leef; do
	sed -e "/^outputs:/,\$d" -e "s#^  key: .*#  key: $T/key/vigil.key\n  state: $T/$f.state#" "$T/vigil.yaml" > "$T/$f.yaml"
	printf 'outputs:\n  eve-log: {format: %s}\n' "$f" >> "$T/$f.yaml"
	if ! "$VIGIL" -q -c "$T/$f.yaml" -r "$T/storm.pcap" --workers 2 -o "$T/file.$f" 2> "$T/$f.err"; then
		bad "vigil with a $f file output failed: $(head -3 "$T/$f.err")"
	elif ! head -1 "$T/file.$f" | grep -q "^$(tr a-z A-Z <<< "$f"):"; then
		bad "the $f file does not hold $f lines: $(head -c 200 "$T/file.$f")"
	elif out=$("$VIGIL" verify --key "$T/key/vigil.pub" "$T/file.$f" 2>&1); then
		ok "a $f file written by vigil verifies: $out"
	else
		bad "a $f file written by vigil does not verify: $out"
	fi
done
sed '50s/ cat=\([^ ]*\)/ cat=X\1/' "$T/file.cef" > "$T/tampered.log"
if ! cmp -s "$T/tampered.log" "$T/file.cef" && ! out=$("$VIGIL" verify --key "$T/key/vigil.pub" "$T/tampered.log" 2>&1); then
	ok "a tampered CEF file is rejected: $out"
else
	bad "a tampered CEF file was accepted (or could not be made)"
fi

# a bad SD-ID stops start-up with the reason
printf 'outputs:\n  syslog:\n    - {transport: udp, host: 127.0.0.1, port: "%s", sd-id: "vigil@32473"}\n' "$PU" > "$T/sd.yaml"
if out=$("$VIGIL" -T -c "$T/sd.yaml" 2>&1); then
	bad "the documentation SD-ID vigil@32473 was accepted"
elif grep -q "sd-id: 32473 is the enterprise number reserved for documentation" <<< "$out"; then
	ok "the documentation SD-ID is refused: $out"
else
	bad "the documentation SD-ID is refused without the reason: $out"
fi
exit $fail
