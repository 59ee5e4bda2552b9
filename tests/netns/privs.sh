#!/usr/bin/env bash
# Live capture giving up root (--user/--group, run-as:) on a veth pair
# between two namespaces the test creates. With libpcap (-i) and, where BPF
# can be loaded, with the XDP pre-filter (--xdp): once the capture is open
# the sensor and every one of its threads (/proc/PID/task/*/status) runs as
# nobody:nogroup with no capability in any set (CapInh, CapPrm, CapEff,
# CapBnd, CapAmb all zero) and NoNewPrivs 1; it still captures, alerts and
# writes records; SIGHUP reopens eve.json after a rotation, the new file
# being created as nobody; SIGTERM stops it with exit 0 and, with --xdp,
# the program is detached (no capability needed for that). The same status
# lines of a sensor started without --user show root and every capability
# (the check is not vacuous). An unknown user stops start-up with one line.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
netns_skip_unless_root privs
BUILD=${BUILD:-build}
VIGIL=$(pwd)/${VIGIL:-$BUILD/vigil}
command -v tcpreplay > /dev/null || { echo "privs: SKIP: tcpreplay missing"; exit 77; }
id nobody > /dev/null 2>&1 && getent group nogroup > /dev/null ||
	{ echo "privs: SKIP: no user nobody or group nogroup"; exit 77; }
UID_N=$(id -u nobody)
GID_N=$(getent group nogroup | cut -d: -f3)
TMPD=$(mktemp -d)
chmod 755 "$TMPD"
trap netns_cleanup EXIT
netns_up || { echo "privs: cannot create namespaces"; exit 1; }
fail=0
ok() { echo "  ok    $*"; }
bad() { echo "  FAIL  $*"; fail=1; }

# Modbus and DNP3 captures with alerts (the shipped rules), addresses rewritten
for c in modbus dnp3; do
	netns_rewrite "pcaps/$c.pcap" "$TMPD/$c.pcap" || { echo "privs: tcprewrite failed"; exit 1; }
done
sed "s#^default-rule-path: .*#default-rule-path: $PWD/rules#" sensor/vigil.yaml > "$TMPD/v.yaml"
chmod 644 "$TMPD/v.yaml" "$TMPD/modbus.pcap" "$TMPD/dnp3.pcap"

# checks the status of the process and of each thread; prints one line per
# thread on failure
check_status() { # pid, label
	python3 - "$1" "$UID_N" "$GID_N" "$2" << 'PY'
import os, sys
pid, uid, gid, label = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
want = {'Uid': '\t'.join([uid] * 4), 'Gid': '\t'.join([gid] * 4), 'Groups': gid,
        'CapInh': '0' * 16, 'CapPrm': '0' * 16, 'CapEff': '0' * 16, 'CapBnd': '0' * 16,
        'CapAmb': '0' * 16, 'NoNewPrivs': '1'}
paths = ['/proc/%s/status' % pid] + ['/proc/%s/task/%s/status' % (pid, t)
                                     for t in sorted(os.listdir('/proc/%s/task' % pid))]
bad = []
for p in paths:
    st = dict(l.rstrip('\n').split(':', 1) for l in open(p) if ':' in l)
    st = {k: v.strip() for k, v in st.items()}
    for k, v in want.items():
        if st.get(k) != v:
            bad.append('%s: %s is "%s", expected "%s"' % (p, k, st.get(k), v))
if bad:
    print('\n'.join('        ' + b for b in bad[:8]))
    sys.exit(1)
print('  ok    %s: the process and its %d threads: Uid %s, Gid %s, Groups %s, CapInh/CapPrm/CapEff/CapBnd/CapAmb 0, NoNewPrivs 1' %
      (label, len(paths) - 1, uid, gid, gid))
PY
}

wait_alert() { # file: an alert within 5 s
	local i
	for i in $(seq 50); do
		grep -q '"event_type":"alert"' "$1" 2> /dev/null && return 0
		sleep 0.1
	done
	return 1
}

# a sensor started as root without --user: root, every capability; with
# -q it says nothing at all (start, SIGHUP, stop)
netns_bg_b "$VIGIL" -q -i "$IF_B" -c "$TMPD/v.yaml" --workers 2 -o /dev/null 2> "$TMPD/err-root"
pid=$LAST_PID
sleep 1
if grep -q "^CapEff:[[:space:]]*0*$" "/proc/$pid/status" || ! grep -q "^Uid:[[:space:]]*0[[:space:]]" "/proc/$pid/status"; then
	bad "without --user: expected root with capabilities ($(grep -E '^(Uid|CapEff)' "/proc/$pid/status" | tr '\n\t' '  '))"
else
	ok "without --user the sensor keeps root and its capabilities ($(grep '^CapEff' "/proc/$pid/status" | tr '\t' ' '))"
fi
kill -HUP "$pid"
sleep 0.5
netns_stop "$pid"
if [ -s "$TMPD/err-root" ]; then
	bad "live with -q: stderr not empty: $(head -2 "$TMPD/err-root")"
else
	ok "live with -q (start, SIGHUP: rules reloaded, stop): nothing on stderr"
fi

modes=(pcap)
# can this machine load BPF? (as in xdp.sh)
nsenter --net="/run/netns/$NS_B" "$VIGIL" -q --xdp "$IF_B" --workers 1 -o /dev/null 2> "$TMPD/probe.err" &
probe=$!
sleep 1
if kill -0 $probe 2> /dev/null; then
	kill -TERM $probe
	wait $probe
	modes+=(xdp)
else
	wait $probe
	echo "  skip  --xdp: BPF unavailable here: $(head -1 "$TMPD/probe.err")"
fi

for mode in "${modes[@]}"; do
	log=$TMPD/log-$mode
	mkdir "$log"
	chown nobody:nogroup "$log"
	src=(-i "$IF_B")
	[ "$mode" = xdp ] && src=(--xdp "$IF_B")
	netns_bg_b "$VIGIL" "${src[@]}" -c "$TMPD/v.yaml" --user nobody --group nogroup --workers 2 \
		-l "$log" 2> "$TMPD/err-$mode"
	pid=$LAST_PID
	sleep 1.5
	if ! kill -0 "$pid" 2> /dev/null; then
		wait "$pid"
		bad "$mode: vigil --user nobody did not start: $(head -3 "$TMPD/err-$mode")"
		continue
	fi
	[ "$(cat "/proc/$pid/comm")" = vigil ] || bad "$mode: PID $pid is $(cat "/proc/$pid/comm"), not vigil"
	grep -q "running as nobody:nogroup (uid $UID_N, gid $GID_N) without capabilities" "$TMPD/err-$mode" ||
		bad "$mode: no line saying who the sensor runs as"
	check_status "$pid" "$mode" || bad "$mode: privileges left (above)"
	ip netns exec "$NS_A" tcpreplay -q -i "$IF_A" --pps 2000 "$TMPD/modbus.pcap" > /dev/null 2>&1
	if wait_alert "$log/eve.json"; then
		ok "$mode: captures and alerts after the drop ($(grep -c '"event_type":"alert"' "$log/eve.json") alerts in eve.json)"
	else
		bad "$mode: no alert in eve.json within 5 s of the traffic"
	fi
	# logrotate: move the file away, SIGHUP, the sensor creates a new one as
	# nobody (other traffic: the same again would be retransmissions)
	mv "$log/eve.json" "$log/eve.json.1"
	kill -HUP "$pid"
	sleep 0.5
	ip netns exec "$NS_A" tcpreplay -q -i "$IF_A" --pps 2000 "$TMPD/dnp3.pcap" > /dev/null 2>&1
	if wait_alert "$log/eve.json" && [ "$(stat -c %U "$log/eve.json")" = nobody ]; then
		ok "$mode: SIGHUP after a rotation: a new eve.json made by nobody, with the alerts of the traffic after it"
	else
		bad "$mode: after SIGHUP: $(ls -l "$log" | tail -n +2 | tr '\n' ';')"
	fi
	check_status "$pid" "$mode, after SIGHUP" > /dev/null || bad "$mode: privileges back after SIGHUP"
	grep -q "^vigil: rule reload: [0-9]* loaded, 0 failed" "$TMPD/err-$mode" ||
		bad "$mode: no summary of the rules reloaded as nobody on SIGHUP (without -q)"
	netns_stop "$pid"
	st=$?
	[ $st = 0 ] && ok "$mode: SIGTERM: exit 0" || bad "$mode: exit status $st after SIGTERM: $(tail -2 "$TMPD/err-$mode")"
	tail -1 "$log/eve.json" | grep -q '"event_type":"stats"' || bad "$mode: no final stats record"
	if [ "$mode" = xdp ]; then
		if ip -n "$NS_B" link show "$IF_B" | grep -q "xdp"; then
			bad "xdp: the program is still attached after the stop: $(ip -n "$NS_B" link show "$IF_B" | grep xdp)"
		else
			ok "xdp: the program detached at the stop, without any capability"
		fi
	fi
done

"$VIGIL" -i "$IF_B" --user vigil-no-such-user -o /dev/null 2> "$TMPD/err"
st=$?
if [ $st = 2 ] && [ "$(wc -l < "$TMPD/err")" = 1 ] && grep -q 'no such user "vigil-no-such-user"' "$TMPD/err"; then
	ok "unknown user: one line, exit 2, before anything is opened"
else
	bad "unknown user: exit $st: $(head -2 "$TMPD/err")"
fi

[ $fail -eq 0 ] && echo "privs: all checks passed"
exit $fail
