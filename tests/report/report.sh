#!/usr/bin/env bash
# `vigil report` in a real browser:
#  - pages built from the generated captures (pcaps/assets.pcap, the demo)
#    and a shared attack capture (read in place), with 1 and 2 workers: the
#    same bytes; the demo's page from its EVE file (`-e`) shows the same
#    model as the replay (`-r`);
#  - each page opened by headless Chromium from file:// inside a network
#    namespace of its own (loopback only) where a listener waits for any
#    request the page would make: none may come; hostile names in the
#    records (script, img, stylesheet, a right-to-left override) stay text;
#  - the DOM Chromium built (--dump-dom): the map draws the hosts and host
#    pairs the records name (counted here by tests/report/check.py, not by
#    vigil), the host table lists them, the attacker is red, no element
#    the page did not write;
#  - the screenshot (PNG decoded by check.py) shows the map: each node
#    colour in about the area of its circles, not a blank page;
#  - bad input (a truncated record, CEF lines, garbage, an oversized line)
#    is counted on the page, and bad usage is refused.
# Skips (exit 77) without chromium (Debian package chromium).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
SHARED=${SHARED:-$(pwd)/../shared}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
if [ -z "$CHROMIUM" ]; then
	echo "report: SKIP: chromium missing (Debian package chromium; make test-deps)"
	exit 77
fi
command -v python3 > /dev/null || { echo "report: SKIP: python3 missing"; exit 77; }
T=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2> /dev/null
		wait "$p" 2> /dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
fail=0
ok() { echo "  ok    $*"; }
bad() {
	echo "  FAIL  $*"
	fail=$((fail + 1))
}

# the golden tests' configuration with the inventory on: the records of a
# replay to a file are then those `report -r` keeps in memory
sed -e 's|^  enabled: no|  enabled: yes|' -e "s|^default-rule-path: .*|default-rule-path: $(pwd)/rules|" \
	tests/pcap/vigil.yaml > "$T/report.yaml"

# ---- Chromium, with no network: its own namespace, a listener on loopback ----
# browse PAGE NAME: $T/NAME.dom (the DOM) and $T/NAME.png (1300x1100,
# scrolled to the map); any request reaching the listener fails the test.
cat > "$T/listen.py" << 'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(sys.argv[2], "a").write(self.path + "\n")
        self.send_response(404)
        self.end_headers()
    do_POST = do_HEAD = do_GET
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
cat > "$T/browse.sh" << 'EOF'
# runs in the namespace: loopback up, the listener, Chromium twice
set -u
T=$1 PAGE=$2 NAME=$3 CHROMIUM=$4 NETNS=$5
[ "$NETNS" = 1 ] && ip link set lo up
python3 "$T/listen.py" 8765 "$T/$NAME.requests" &
lp=$!
export HOME=$T/home
mkdir -p "$HOME"
for i in $(seq 50); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', 8765), 1)" 2> /dev/null && break
	sleep 0.1
done
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions
	--disable-background-networking --disable-component-update --disable-sync
	--user-data-dir="$T/profile-$NAME" --host-resolver-rules="MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
timeout 90 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$PAGE" > "$T/$NAME.dom" 2> "$T/$NAME.err1"
rc1=$?
timeout 90 "$CHROMIUM" "${flags[@]}" --hide-scrollbars --window-size=1300,1100 \
	--screenshot="$T/$NAME.png" "file://$PAGE#map" > /dev/null 2> "$T/$NAME.err2"
rc2=$?
kill $lp
wait $lp 2> /dev/null
exit $((rc1 + rc2))
EOF
netns=0
if unshare -n true 2> /dev/null; then
	netns=1
	ok "Chromium runs in a network namespace of its own (loopback only)"
else
	echo "  note  unshare -n not permitted: Chromium runs with --host-resolver-rules only"
fi
browse() {
	local page=$1 name=$2 expect_requests=${3:-0}
	if [ $netns = 1 ]; then
		unshare -n bash "$T/browse.sh" "$T" "$page" "$name" "$CHROMIUM" 1 &
	else
		bash "$T/browse.sh" "$T" "$page" "$name" "$CHROMIUM" 0 &
	fi
	local p=$!
	pids+=("$p")
	wait "$p"
	local rc=$?
	pids=("${pids[@]/$p/}")
	if [ $rc -ne 0 ] || [ ! -s "$T/$name.dom" ] || [ ! -s "$T/$name.png" ]; then
		bad "$name: chromium failed (rc $rc): $(grep -v -i 'dbus\|gpu\|sandbox' "$T/$name.err1" | head -3)"
		return 1
	fi
	if [ "$expect_requests" = 1 ]; then
		[ -s "$T/$name.requests" ] && ok "$name: the listener sees the requests of a page that makes them" ||
			bad "$name: a page with an image on the listener: no request seen (the check is blind)"
	elif [ -s "$T/$name.requests" ]; then
		bad "$name: the page made network requests: $(head -3 "$T/$name.requests" | tr '\n' ' ')"
	else
		ok "$name: loaded and drawn by Chromium, no network request"
	fi
	return 0
}

# the check can see a request: a page of our own that makes one
printf '<!DOCTYPE html><html><body><svg id="map-svg"></svg><img src="http://127.0.0.1:8765/control"></body></html>\n' \
	> "$T/control.html"
browse "$T/control.html" control 1

# ---- pages from captures ----------------------------------------------------
# page NAME CAPTURE [ATTACKER]: -r with 1 and 2 workers (same bytes), the
# records of the same replay to a file, what they name, the browser's view
page() {
	local name=$1 cap=$2 atk=${3:-}
	"$VIGIL" report -r "$cap" -c "$T/report.yaml" --workers 1 -o "$T/$name.html" 2> "$T/$name.log" ||
		{ bad "$name: vigil report failed: $(tail -2 "$T/$name.log")"; return; }
	"$VIGIL" report -r "$cap" -c "$T/report.yaml" --workers 2 -o "$T/$name.w2.html" 2> /dev/null
	if cmp -s "$T/$name.html" "$T/$name.w2.html"; then
		ok "$name: the same page with 1 and 2 workers ($(wc -c < "$T/$name.html") bytes)"
	else
		bad "$name: the page differs between 1 and 2 workers"
	fi
	"$VIGIL" -q -c "$T/report.yaml" -r "$cap" --workers 1 -o "$T/$name.eve.json" 2> /dev/null
	read -r hosts pairs < <(python3 tests/report/check.py expect "$T/$name.eve.json")
	browse "$T/$name.html" "$name" || return
	local args=(--hosts "$hosts" --pairs "$pairs")
	[ -n "$atk" ] && args+=(--attacker "$atk")
	python3 tests/report/check.py dom "$T/$name.dom" "${args[@]}" || fail=$((fail + 1))
	python3 tests/report/check.py png "$T/$name.png" "$T/$name.dom" || fail=$((fail + 1))
}

page assets pcaps/assets.pcap
page demo pcaps/demo.pcap 10.0.1.66
qut=$SHARED/pcaps/dnp3/qut2017_attacks_training_infrequent.pcap
if [ -f "$qut" ]; then
	page qut "$qut" 192.168.10.66
else
	echo "  note  $qut absent: the shared attack capture is not tested"
fi

# the demo's page from its EVE file: the same model as the replay (all
# but the input section, which names the files and counts lines)
"$VIGIL" report -e "$T/demo.eve.json" -o "$T/demo-e.html" 2> /dev/null
if [ -s "$T/demo.html" ] && cmp -s <(sed '/<section id="input">/,$d' "$T/demo.html") \
	<(sed '/<section id="input">/,$d' "$T/demo-e.html"); then
	ok "demo: -e of the replay's records gives the page of -r"
else
	bad "demo: -e and -r pages differ: $(diff <(sed '/<section id="input">/,$d' "$T/demo.html") \
		<(sed '/<section id="input">/,$d' "$T/demo-e.html") | head -4 | tr '\n' ' ')"
fi

# ---- hostile names, bad input ------------------------------------------------
# (each within the 63 bytes the report keeps of a name)
hostile='<script>document.title="pwned"</script>'
hostile2='<img src="http://127.0.0.1:8765/img">'
python3 - "$T/hostile.eve.json" "$hostile" "$hostile2" << 'EOF'
import json, sys
path, name, vendor = sys.argv[1], sys.argv[2], sys.argv[3]
ts = "2023-11-14T22:13:%02d.000000+0000"
recs = [
    {"timestamp": ts % 1, "event_type": "asset", "asset": {
        "ip": "10.9.0.1", "mac": "00:1b:1b:00:00:01", "name": name,
        "vendor": vendor, "serial": "<link rel=stylesheet href=http://127.0.0.1:8765/c>",
        "product": "<style>@import url(http://127.0.0.1:8765/i)</style>",
        "model": "PLC \u202e1-gnirts", "roles": ["field_device"], "protocols": ["s7comm"]}},
    {"timestamp": ts % 2, "event_type": "alert", "src_ip": "10.9.0.66", "src_port": 4000,
     "dest_ip": "10.9.0.1", "dest_port": 102, "proto": "TCP", "app_proto": "s7comm",
     "direction": "to_server", "alert": {
        "gid": 1, "signature_id": 9999, "rev": 1, "severity": 1,
        "signature": "</td></tr></table><iframe src=http://127.0.0.1:8765/frame></iframe>",
        "category": "<svg onload=fetch('http://127.0.0.1:8765/svg')>"},
     "s7comm": {"rosctr_name": "job", "function_name": "plc_stop"}},
]
with open(path, "w") as f:
    for r in recs:
        f.write(json.dumps(r) + "\n")
    f.write('{"timestamp":"2023-11-14T22:13:03Z","event_type":"alert","src_ip":"10.9\n')  # cut
    f.write("CEF:0|Vigil|vigil|0.1.0|9999|x|10|src=10.9.0.66\n")
    f.write("LEEF:2.0|Vigil|vigil|0.1.0|9999|^|src=10.9.0.66\n")
    f.write("\x00\x01garbage \xff\n".encode("latin-1").decode("latin-1"))
    f.write("{" + "x" * (2 << 20) + "}\n")  # over the 1 MiB line limit
EOF
if "$VIGIL" report -e "$T/hostile.eve.json" -o "$T/hostile.html" 2> "$T/hostile.log"; then
	ok "hostile: $(tail -1 "$T/hostile.log" | sed 's/^vigil report: [^:]*: //')"
	if browse "$T/hostile.html" hostile; then
		python3 tests/report/check.py dom "$T/hostile.dom" --hosts 2 --pairs 1 \
			--attacker 10.9.0.66 --text "$hostile" --text "$hostile2" --text "PLC �1-gnirts" \
			--title "Vigil report" || fail=$((fail + 1))
	fi
	grep -q 'lines that are not JSON (CEF, LEEF, other text): skipped</td><td class="n">3<' \
		"$T/hostile.html" && grep -q 'malformed or truncated JSON records: skipped</td><td class="n">1<' \
		"$T/hostile.html" && grep -q 'lines longer than the limit: skipped</td><td class="n">1<' \
		"$T/hostile.html" && ok "hostile: 3 lines not JSON, 1 cut record, 1 oversized line counted on the page" ||
		bad "hostile: the bad lines are not counted on the page"
else
	bad "hostile: vigil report failed: $(cat "$T/hostile.log")"
fi

# ---- usage ----------------------------------------------------------------------
n=0
for args in "" "-r pcaps/demo.pcap" "-e $T/demo.eve.json" "-r -e pcaps/demo.pcap -o $T/x.html" \
	"-e -c sensor/vigil.yaml $T/demo.eve.json -o $T/x.html" "-r pcaps/demo.pcap -o $T/x.html --workers 0" \
	"--bogus -e $T/demo.eve.json -o $T/x.html" "-e /nonexistent/eve.json -o $T/x.html"; do
	# shellcheck disable=SC2086
	if "$VIGIL" report $args > /dev/null 2> "$T/usage.err"; then
		bad "vigil report $args: accepted"
	elif ! grep -q "^usage: vigil report\|^vigil report: " "$T/usage.err"; then
		bad "vigil report $args: no usage or reason: $(head -1 "$T/usage.err")"
	else
		n=$((n + 1))
	fi
done
[ -e "$T/x.html" ] && bad "a refused run left $T/x.html"
ok "$n bad usages refused with the usage or the reason, no page left behind"

[ $fail -eq 0 ] && echo "report: all passed"
exit $((fail > 0))
