#!/usr/bin/env bash
# The installed services, started the way systemd starts them, capturing on
# a veth pair between two namespaces the test creates. PID 1 here is not
# systemd, so tests/service/unit_exec.py applies the unit file's sandbox
# itself (user, capabilities, no_new_privs, read-only system, private /tmp
# and /dev, the system call, address family, W^X and namespace filters),
# with a user id that is free on this machine in place of the user vigil,
# and the test's folders bound on /var/log/vigil and /var/lib/vigil.
#
# First, that the sandbox is really there (tests/service/probe.py in it:
# read-only system, hidden /root, /proc and disks, refused families, W+X
# memory, namespaces and uid 0). vigil.service (-i): ExecStartPre passes;
# the sensor runs as that user with CAP_NET_RAW only, captures, alerts, and writes signed records to the log
# folder (0640) and its state to the state folder; the installed logrotate
# file rotates eve.json twice (compress, delaycompress, SIGHUP in
# postrotate) and the sensor reopens it each time; the series, the oldest
# part decompressed, verifies in order with `vigil verify`, and with a part
# missing does not. vigil-xdp.service (--xdp) the same with its
# capabilities; the --xdp command under vigil.service's capabilities is
# refused, naming what is missing. A capture replayed in the sandbox (where
# PCRE2's JIT is refused W+X memory) gives the golden records.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
netns_skip_unless_root service-live
BUILD=${BUILD:-build}
# LeakSanitizer stops the sensor's threads with ptrace at exit, which the
# unit's sandbox forbids (seccomp filter, no_new_privs): under the sanitizer
# build this test checks everything but leaks (the other tests check them)
[ "${SAN:-0}" = 1 ] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
for t in tcpreplay tcprewrite logrotate setpriv systemd-analyze gzip; do
	command -v $t > /dev/null || { echo "service-live: SKIP: $t missing (make test-deps)"; exit 77; }
done
python3 -c 'import ctypes; ctypes.CDLL("libseccomp.so.2")' 2> /dev/null ||
	{ echo "service-live: SKIP: libseccomp2 missing"; exit 77; }
# under ProtectHome= and PrivateTmp= the test's files must be elsewhere
case "$(pwd)" in
/home/* | /root/* | /tmp/* | /var/tmp/*)
	echo "service-live: SKIP: the worktree is under /home, /root or /tmp, which the sandbox hides"
	exit 77
	;;
esac
mkdir -p "$BUILD"
TMPD=$(mktemp -d "$(cd "$BUILD" && pwd)/service-live.XXXXXX")
chmod 0755 "$TMPD"
trap netns_cleanup EXIT
fail=0
ok() { echo "  ok    $*"; }
bad() {
	echo "  FAIL  $*"
	fail=1
}

# a user and group id nobody has here
U=
for id in $(seq 64100 64999); do
	if ! getent passwd "$id" > /dev/null && ! getent group "$id" > /dev/null; then
		U=$id
		break
	fi
done
[ -n "$U" ] || { echo "service-live: no free user id in 64100..64999"; exit 1; }

D=$TMPD/root
if ! make --no-print-directory -s install BUILD="$BUILD" PGO=0 DESTDIR="$D" > "$TMPD/install.log" 2>&1; then
	echo "service-live: make install failed"
	tail -5 "$TMPD/install.log"
	exit 1
fi
VIGIL=$D/usr/local/bin/vigil
# what systemd's LogsDirectory= and StateDirectory= make at start
LOG=$TMPD/log
STATE=$TMPD/state
mkdir -m 0750 "$LOG" "$STATE"
chown "$U:$U" "$LOG" "$STATE"
# the key as vigil(8) says: readable by the service's group
"$VIGIL" keygen "$D/etc/vigil" > /dev/null
chgrp "$U" "$D/etc/vigil/vigil.key"
chmod 0640 "$D/etc/vigil/vigil.key"
# the installed configuration with its signing block uncommented as it
# stands (key, and the state in the state folder), stats every second
cfg=$D/etc/vigil/vigil.yaml
sed -i -e 's|^# signing:|signing:|' \
	-e 's/^#   \(key\|previous-key\|state\|mode\|block-records\|block-ms\):/  \1:/' \
	-e "s|/etc/vigil/vigil.key|$D/etc/vigil/vigil.key|" \
	-e 's|^  interval: 30 |  interval: 1 |' "$cfg"
grep -q '^  state: /var/lib/vigil/vigil.state' "$cfg" || bad "the installed configuration does not put the signing state in /var/lib/vigil"

netns_up || { echo "service-live: cannot create namespaces"; exit 1; }
# a capture per round: the same one again would be the same flows and
# segments, which the sensor takes for retransmissions
for c in modbus dnp3 iec104 s7comm enip; do
	netns_rewrite "pcaps/$c.pcap" "$TMPD/$c.pcap" || { echo "service-live: tcprewrite failed"; exit 1; }
done

# the command of an Exec line of the installed unit, with the test's paths
exec_line() { # unit, key
	sed -n "s/^$2=//p" "$1" | sed -e "s|\${VIGIL_IFACE}|$IF_B|g" -e "s|\\\$VIGIL_OPTIONS|${OPTIONS:-}|g" \
		-e "s|/usr/local/bin/vigil|$VIGIL|g" -e "s|/etc/vigil/|$D/etc/vigil/|g"
}
# in_unit UNIT CMD...: run as the unit runs its commands, in namespace B
in_unit() {
	local unit=$1
	shift
	nsenter --net="/run/netns/$NS_B" python3 tests/service/unit_exec.py "$unit" --uid "$U" --gid "$U" \
		--bind "$LOG:/var/log/vigil" --bind "$STATE:/var/lib/vigil" -- "$@"
}
status_of() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | head -1; }
# the capability mask the unit's AmbientCapabilities= name
cap_mask() {
	local m=0 c
	for c in $(sed -n 's/^AmbientCapabilities=//p' "$1"); do
		case $c in
		CAP_NET_ADMIN) m=$((m | 1 << 12)) ;;
		CAP_NET_RAW) m=$((m | 1 << 13)) ;;
		CAP_IPC_LOCK) m=$((m | 1 << 14)) ;;
		CAP_PERFMON) m=$((m | 1 << 38)) ;;
		CAP_BPF) m=$((m | 1 << 39)) ;;
		*) echo "unknown capability $c" >&2 ;;
		esac
	done
	printf '%016x' $m
}
wait_for() { # seconds, condition...
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
alerts() { cat "$1" 2> /dev/null | grep -c '"event_type":"alert"'; }
has_alert() { [ "$(alerts "$1")" -gt 0 ]; }
send() { ip netns exec "$NS_A" tcpreplay -q -i "$IF_A" --pps 2000 "$TMPD/$1.pcap" > /dev/null 2>&1; }
nonempty() { [ -s "$1" ]; }

# start UNIT: ExecStartPre, then ExecStart in the background ($PID)
start() {
	local unit=$1 pre
	read -r -a pre <<< "$(exec_line "$unit" ExecStartPre)"
	if in_unit "$unit" "${pre[@]}" > "$TMPD/pre.out" 2>&1; then
		ok "$(basename "$unit"): ExecStartPre (vigil -T) passes in the sandbox"
	else
		bad "$(basename "$unit"): ExecStartPre failed: $(head -1 "$TMPD/pre.out")"
	fi
	read -r -a cmd <<< "$(exec_line "$unit" ExecStart)"
	# not through in_unit: a function in the background is a subshell, and
	# $! must be the sensor (nsenter, python, setpriv, python, vigil: each
	# execs the next, one PID)
	nsenter --net="/run/netns/$NS_B" python3 tests/service/unit_exec.py "$unit" --uid "$U" --gid "$U" \
		--bind "$LOG:/var/log/vigil" --bind "$STATE:/var/lib/vigil" -- "${cmd[@]}" 2> "$TMPD/err" &
	PID=$!
	PIDS+=("$PID")
}

# checks of the running sensor against its unit
check_running() { # unit, name
	local unit=$1 name=$2 want
	if ! wait_for 20 nonempty "$LOG/eve.json"; then
		bad "$name: no eve.json in the log folder: $(head -3 "$TMPD/err" | tr '\n' ' ')"
		return 1
	fi
	want=$(cap_mask "$unit")
	local uid eff bnd nnp sec
	uid=$(status_of "$PID" Uid)
	eff=$(status_of "$PID" CapEff)
	bnd=$(status_of "$PID" CapBnd)
	nnp=$(status_of "$PID" NoNewPrivs)
	sec=$(status_of "$PID" Seccomp)
	if [ "$(echo $uid)" = "$U $U $U $U" ] && [ "$eff" = "$want" ] && [ "$bnd" = "$want" ] &&
		[ "$nnp" = 1 ] && [ "$sec" = 2 ]; then
		ok "$name: runs as uid $U, capabilities $eff (bounding $bnd), no_new_privs, seccomp"
	else
		bad "$name: uid '$uid' CapEff $eff CapBnd $bnd (want $want) NoNewPrivs $nnp Seccomp $sec"
	fi
	local own
	own=$(stat -c '%u %a' "$LOG/eve.json")
	[ "$own" = "$U 640" ] && ok "$name: eve.json is the user's, mode 0640 (UMask=0027)" ||
		bad "$name: eve.json owner and mode: $own"
	[ "$(stat -c %u "$STATE/vigil.state" 2> /dev/null)" = "$U" ] &&
		ok "$name: signing state in the state folder" || bad "$name: no signing state in the state folder"
}

stop() { # name
	kill -TERM "$PID" 2> /dev/null
	wait "$PID"
	local st=$?
	[ $st -eq 0 ] && ok "$1: SIGTERM: exit 0" || bad "$1: exit status $st after SIGTERM: $(tail -2 "$TMPD/err" | tr '\n' ' ')"
}

# ---- vigil.service: -i, logrotate ------------------------------------------
UNIT=$D/usr/local/lib/systemd/system/vigil.service
# first, that the sandbox is there: what the unit allows and refuses
cat > "$TMPD/probe.want" << 'EOF'
write /etc: Read-only file system
write /usr: Read-only file system
write /var/log/vigil: ok
write /var/lib/vigil: ok
read /root: Permission denied
/proc/1: hidden
/proc/sys: hidden
/dev/sda or vda: absent
socket AF_INET: ok
socket AF_BLUETOOTH: Address family not supported by protocol
mmap W+X: Operation not permitted
unshare(CLONE_NEWNET): Operation not permitted
setresuid(own): ok
setresuid(0): Operation not permitted
sethostname: Operation not permitted
NoNewPrivs: 1
Seccomp: 2
EOF
in_unit "$UNIT" /usr/bin/python3 "$(pwd)/tests/service/probe.py" "$U" > "$TMPD/probe.got" 2>&1
if cmp -s "$TMPD/probe.want" "$TMPD/probe.got"; then
	ok "the sandbox of vigil.service: read-only system, writable log and state folders, no /root," \
		"/proc/1, /proc/sys, disks; AF_INET yes, AF_BLUETOOTH, W+X memory, namespaces, uid 0 no"
else
	bad "the sandbox of vigil.service (< expected, > got):"
	diff "$TMPD/probe.want" "$TMPD/probe.got" | grep '^[<>]' | head -8 | sed 's/^/        /'
fi
echo "-- vigil.service (-i)"
# VIGIL_OPTIONS (/etc/default/vigil): a TCP syslog target where nothing
# listens, so that its spool is made in the log folder
OPTIONS="--syslog tcp://127.0.0.1:6514"
start "$UNIT"
OPTIONS=
if check_running "$UNIT" "vigil.service"; then
	send modbus
	wait_for 10 has_alert "$LOG/eve.json" && ok "vigil.service: captured on $IF_B: $(alerts "$LOG/eve.json") alerts" ||
		bad "vigil.service: no alert after sending modbus.pcap"
	# the installed logrotate file, on the test's folder, its postrotate
	# signalling the test's sensor
	python3 - "$D/etc/logrotate.d/vigil" "$LOG" "$PID" > "$TMPD/logrotate.conf" << 'EOF'
import sys
src, log, pid = sys.argv[1:]
out, skip = [], False
for line in open(src):
    if line.strip() == "endscript":
        skip = False
    if skip:
        continue
    out.append(line.replace("/var/log/vigil", log))
    if line.strip() == "postrotate":
        out.append("\t\tkill -HUP %s\n" % pid)
        skip = True
sys.stdout.write("".join(out))
EOF
	for round in 1 2; do
		if ! logrotate -f -s "$TMPD/logrotate.state" "$TMPD/logrotate.conf" 2> "$TMPD/lr.err"; then
			bad "logrotate round $round: $(head -2 "$TMPD/lr.err" | tr '\n' ' ')"
			continue
		fi
		# reopened before the next record (a stats record every second)
		if wait_for 10 nonempty "$LOG/eve.json"; then
			own=$(stat -c '%u %a' "$LOG/eve.json")
			[ "$own" = "$U 640" ] && ok "rotation $round: the sensor reopened eve.json on SIGHUP (the user's, 0640)" ||
				bad "rotation $round: the new eve.json: $own"
		else
			bad "rotation $round: no new eve.json after SIGHUP"
		fi
		[ $round = 1 ] && send dnp3 || send iec104
		wait_for 10 has_alert "$LOG/eve.json" && ok "rotation $round: alerts go to the new eve.json" ||
			bad "rotation $round: no alert in the new eve.json"
	done
	stop "vigil.service"
	[ "$(stat -c '%u %a' "$LOG/spool-127.0.0.1-6514" 2> /dev/null)" = "$U 700" ] &&
		ok "vigil.service: the syslog target's spool is in the log folder (the user's, 0700)" ||
		bad "vigil.service: no spool folder of the syslog target in the log folder"
	if [ -f "$LOG/eve.json.2.gz" ] && [ -f "$LOG/eve.json.1" ] && [ -f "$LOG/eve.json" ]; then
		ok "logrotate: eve.json.2.gz, eve.json.1 (delaycompress), eve.json"
		gzip -dc "$LOG/eve.json.2.gz" > "$TMPD/eve.json.2"
		"$VIGIL" verify --key "$D/etc/vigil/vigil.pub" "$TMPD/eve.json.2" "$LOG/eve.json.1" "$LOG/eve.json" > "$TMPD/verify.out" 2>&1
		st=$?
		[ $st -eq 0 ] && ok "vigil verify, the rotated series in order: $(head -1 "$TMPD/verify.out")" ||
			bad "vigil verify of the rotated series: exit $st: $(head -2 "$TMPD/verify.out" | tr '\n' ' ')"
		"$VIGIL" verify --key "$D/etc/vigil/vigil.pub" "$TMPD/eve.json.2" "$LOG/eve.json" > "$TMPD/verify.out" 2>&1
		st=$?
		[ $st -eq 1 ] && ok "vigil verify without eve.json.1: exit 1 ($(grep -m1 -o 'removed\|missing\|gap[^,]*' "$TMPD/verify.out" || head -c 60 "$TMPD/verify.out"))" ||
			bad "vigil verify with eve.json.1 missing: exit $st"
	else
		bad "logrotate: expected eve.json.2.gz, eve.json.1, eve.json; found: $(ls "$LOG" | tr '\n' ' ')"
	fi
fi

# W^X: PCRE2's JIT is refused; its interpreter gives the same alerts (the
# GOOSE rule set has a pcre rule that fires on goose.pcap)
in_unit "$UNIT" "$VIGIL" -q -c tests/pcap/vigil.yaml -r pcaps/goose.pcap --workers 1 \
	-o /var/log/vigil/goose.json 2> "$TMPD/err"
st=$?
if [ $st -eq 0 ] && cmp -s "$LOG/goose.json" pcaps/goose.eve.json && grep -q '"signature_id":9110052,' "$LOG/goose.json"; then
	ok "in the sandbox (MemoryDenyWriteExecute=yes), goose.pcap gives its golden records, pcre rule 9110052 included"
else
	bad "goose.pcap in the sandbox: exit $st, records $(cmp "$LOG/goose.json" pcaps/goose.eve.json 2>&1 | head -1)"
fi

# the --xdp command under vigil.service's capabilities: refused, and why
read -r -a cmd <<< "$(exec_line "$D/usr/local/lib/systemd/system/vigil-xdp.service" ExecStart)"
in_unit "$UNIT" "${cmd[@]}" > /dev/null 2> "$TMPD/err"
st=$?
if [ $st -eq 2 ] && grep -q 'missing: CAP_BPF CAP_PERFMON CAP_NET_ADMIN;' "$TMPD/err"; then
	ok "--xdp with CAP_NET_RAW only: exit 2, names CAP_BPF CAP_PERFMON CAP_NET_ADMIN"
else
	bad "--xdp under vigil.service: exit $st: $(head -1 "$TMPD/err")"
fi

# ---- vigil-xdp.service ----------------------------------------------------
echo "-- vigil-xdp.service (--xdp)"
rm -f "$LOG"/eve.json*
UNIT=$D/usr/local/lib/systemd/system/vigil-xdp.service
start "$UNIT"
if check_running "$UNIT" "vigil-xdp.service"; then
	send s7comm
	wait_for 10 has_alert "$LOG/eve.json" && ok "vigil-xdp.service: captured on $IF_B: $(alerts "$LOG/eve.json") alerts" ||
		bad "vigil-xdp.service: no alert after sending s7comm.pcap: $(head -2 "$TMPD/err" | tr '\n' ' ')"
	mv "$LOG/eve.json" "$LOG/eve.json.1"
	kill -HUP "$PID"
	wait_for 10 nonempty "$LOG/eve.json" && ok "vigil-xdp.service: reopened eve.json on SIGHUP" ||
		bad "vigil-xdp.service: no new eve.json after SIGHUP"
	send enip
	wait_for 10 has_alert "$LOG/eve.json" || bad "vigil-xdp.service: no alert in the reopened eve.json"
	stop "vigil-xdp.service"
	"$VIGIL" verify --key "$D/etc/vigil/vigil.pub" "$LOG/eve.json.1" "$LOG/eve.json" > "$TMPD/verify.out" 2>&1 &&
		ok "vigil-xdp.service: the series verifies: $(head -1 "$TMPD/verify.out")" ||
		bad "vigil-xdp.service: vigil verify: $(head -2 "$TMPD/verify.out" | tr '\n' ' ')"
fi

[ $fail -eq 0 ] && echo "service-live: all passed"
exit $fail
