#!/usr/bin/env bash
# Command line and bad input: missing or unreadable files, files that are
# not captures, truncated and corrupt captures, unknown options and
# interfaces, directories and stdin; nDPI unable to make its context.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
SHARED=${SHARED:-$(pwd)/../shared}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
for t in capinfos editcap python3; do
	command -v "$t" > /dev/null || { echo "cli: $t is missing (make test-deps installs it)"; exit 1; }
done

check() { # name, expected status, actual status, condition (0 = ok)
	if [ "$2" = "$3" ] && [ "$4" = 0 ]; then
		pass=$((pass + 1))
		echo "  ok    $1"
	else
		fail=$((fail + 1))
		echo "  FAIL  $1 (status $3, expected $2)"
		head -5 "$tmp/err" | sed 's/^/        /'
	fi
}
one_line() { [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q "$1" "$tmp/err"; echo $?; }

"$VIGIL" -r "$tmp/missing.pcap" -o "$tmp/o.json" 2> "$tmp/err"
check "missing file: one line, exit 2" 2 $? "$(one_line 'missing.pcap: No such file')"

echo "this is not a capture" > "$tmp/text.pcap"
"$VIGIL" -r "$tmp/text.pcap" -o "$tmp/o.json" 2> "$tmp/err"
check "not a capture: one line, exit 2" 2 $? "$(one_line 'text.pcap')"

if [ "$(id -u)" != 0 ]; then
	cp "$tmp/text.pcap" "$tmp/noperm.pcap"
	chmod 000 "$tmp/noperm.pcap"
	"$VIGIL" -r "$tmp/noperm.pcap" -o "$tmp/o.json" 2> "$tmp/err"
	check "unreadable file: one line, exit 2" 2 $? "$(one_line 'Permission denied')"
fi

"$VIGIL" --frobnicate 2> "$tmp/err"
st=$?
grep -q "unknown option --frobnicate" "$tmp/err" && grep -q "^usage:" "$tmp/err"
check "unknown option: usage, exit 2" 2 $st $?

"$VIGIL" -r 2> "$tmp/err"
st=$?
grep -q "needs an argument" "$tmp/err"
check "missing option argument: exit 2" 2 $st $?

"$VIGIL" -i vigil-no-such-if0 -o "$tmp/o.json" 2> "$tmp/err"
check "unknown interface: one line, exit 2" 2 $? "$(one_line 'vigil-no-such-if0')"

"$VIGIL" --workers 0 -r x 2> "$tmp/err"
st=$?
grep -q "workers: expected 1..256" "$tmp/err"
check "bad --workers: exit 2" 2 $st $?

printf 'flow:\n  memcapp: 5\n' > "$tmp/bad.yaml"
"$VIGIL" -T -c "$tmp/bad.yaml" 2> "$tmp/err"
st=$?
grep -q "bad.yaml:2: flow.memcapp: unknown key" "$tmp/err"
check "-T on a bad config: FILE:LINE: key: reason, exit 1" 1 $st $?

if [ -d "$SHARED/pcaps" ]; then
	cap="$SHARED/pcaps/modbus/zeek_modbusSmall.pcap"
	full=$("$VIGIL" -q -r "$cap" -o - --workers 1 | grep -c '"event_type":"flow"')
	# truncated capture: cut in the middle of a packet record
	size=$(stat -c %s "$cap")
	head -c $((size / 2 + 7)) "$cap" > "$tmp/trunc.pcap"
	"$VIGIL" -q -r "$tmp/trunc.pcap" -o "$tmp/trunc.json" --workers 1 2> "$tmp/err"
	st=$?
	grep -q "trunc.pcap: truncated or corrupt after packet [0-9]" "$tmp/err"
	ok=$?
	tail -1 "$tmp/trunc.json" | grep -q '"event_type":"stats"' || ok=1
	check "truncated capture: warning with file and index, records written, exit 0" 0 $st $ok

	# stdin
	"$VIGIL" -q -r - -o - --workers 1 < "$cap" > "$tmp/stdin.json" 2> "$tmp/err"
	st=$?
	n=$(grep -c '"event_type":"flow"' "$tmp/stdin.json")
	[ "$n" = "$full" ]
	check "-r - reads stdin" 0 $st $?

	# directory: every capture, sorted; --recursive for subfolders
	mkdir -p "$tmp/dir/sub"
	ln -s "$cap" "$tmp/dir/b.pcap"
	ln -s "$SHARED/pcaps/modbus/zeek_modbus-eit.pcap" "$tmp/dir/a.pcap"
	ln -s "$SHARED/pcaps/dnp3/fwtest_file_read.pcap" "$tmp/dir/sub/c.pcap"
	echo "README" > "$tmp/dir/notes.txt"
	"$VIGIL" -q -r "$tmp/dir" -o - --workers 1 > "$tmp/dir.json" 2> "$tmp/err"
	st=$?
	pk=$(tail -1 "$tmp/dir.json" | python3 -c 'import json,sys; s=json.load(sys.stdin)["stats"]["capture"]; print(s["packets"], s["files"])')
	want=$(( $(capinfos -M -c -T "$cap" | tail -1 | cut -f2) + $(capinfos -M -c -T "$SHARED/pcaps/modbus/zeek_modbus-eit.pcap" | tail -1 | cut -f2) ))
	[ "$pk" = "$want 2" ] && grep -q "skipping.*notes.txt" "$tmp/err"
	check "-r DIR: captures in it, non-captures skipped with a warning" 0 $st $?
	"$VIGIL" -q -r "$tmp/dir" --recursive -o - --workers 1 > "$tmp/dir.json" 2> /dev/null
	files=$(tail -1 "$tmp/dir.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["capture"]["files"])')
	[ "$files" = 3 ]
	check "-r DIR --recursive: subfolders too" 0 0 $?
fi

# a capture whose header names the wrong link type: one warning with the
# file name and what its first packets look like (and how to fix it); the
# records are still written; -q keeps it (a warning)
editcap -T rawip pcaps/modbus.pcap "$tmp/wrong-raw.pcap"
"$VIGIL" -q -r "$tmp/wrong-raw.pcap" -o "$tmp/o.json" --workers 1 2> "$tmp/err"
check "Ethernet capture labelled raw IP: one warning naming the file and what it looks like" 0 $? \
	"$(one_line 'wrong-raw.pcap: the header says link type RAW (12), but the first 8 packets look like Ethernet (8 of 8).*editcap -T ether')"
editcap -C 14 -T ether pcaps/modbus.pcap "$tmp/wrong-eth.pcap"
"$VIGIL" -q -r "$tmp/wrong-eth.pcap" -o "$tmp/o.json" --workers 1 2> "$tmp/err"
check "raw IP labelled Ethernet: one warning" 0 $? \
	"$(one_line 'wrong-eth.pcap: the header says link type EN10MB (1), but the first 8 packets look like raw IP (8 of 8).*editcap -T rawip')"
editcap -T linux-sll pcaps/dnp3.pcap "$tmp/wrong-sll.pcap"
"$VIGIL" -q -r "$tmp/wrong-sll.pcap" -o "$tmp/o.json" --workers 1 2> "$tmp/err"
check "Ethernet labelled Linux cooked: one warning" 0 $? "$(one_line 'wrong-sll.pcap: .* LINUX_SLL (113).* like Ethernet')"
editcap -T ieee-802-11 pcaps/modbus.pcap "$tmp/wifi.pcap"
"$VIGIL" -q -r "$tmp/wifi.pcap" -o "$tmp/o.json" --workers 1 2> "$tmp/err"
check "a link type Vigil does not decode: one warning" 0 $? "$(one_line 'wifi.pcap: link type IEEE802_11 (105) is not one Vigil decodes')"
# a capture of three packets, right as labelled: nothing said
editcap -r pcaps/modbus.pcap "$tmp/three.pcap" 1-3
"$VIGIL" -q -r "$tmp/three.pcap" -o "$tmp/o.json" --workers 1 2> "$tmp/err"
check "a short capture labelled right: nothing on stderr" 0 $? "$([ ! -s "$tmp/err" ]; echo $?)"

# -q prints only errors and warnings: nothing for a clean replay, where
# without it the rules' summary is printed; a rule that fails is named
# with the summary under -q too
"$VIGIL" -q -r pcaps/modbus.pcap -c tests/pcap/vigil.yaml -o "$tmp/o.json" 2> "$tmp/err"
check "-q, a clean replay: nothing on stderr" 0 $? "$([ ! -s "$tmp/err" ]; echo $?)"
"$VIGIL" -r pcaps/modbus.pcap -c tests/pcap/vigil.yaml -o "$tmp/o.json" 2> "$tmp/err"
check "without -q: the rules' summary" 0 $? "$(one_line '^vigil: rules: [0-9]* loaded, 0 failed, 0 unsupported, from [0-9]* files$')"
printf 'alert tcp any any -> any 502 (msg:"x"; frobnicate; sid:1;)\nalert tcp any any -> any 502 (msg:"y"; content:"a"; sid:2;)\n' > "$tmp/bad.rules"
"$VIGIL" -q -r pcaps/modbus.pcap -S "$tmp/bad.rules" -o "$tmp/o.json" 2> "$tmp/err"
st=$?
[ "$(wc -l < "$tmp/err")" = 2 ] && grep -q "bad.rules:1: sid 1: unknown option 'frobnicate'" "$tmp/err" &&
	grep -q "rules: 1 loaded, 1 failed" "$tmp/err"
check "-q with a rule that fails: the rule and the summary" 0 $st $?

# nDPI cannot make its context (here its init returns NULL, through a
# library preloaded before it): the run stops with one line naming the
# worker and exit 2, with one worker inline (one CPU) or threaded, and two
cat > "$tmp/ndpi_fail.c" << 'EOF'
struct ndpi_detection_module_struct;
struct ndpi_detection_module_struct *ndpi_init_detection_module(int prefs);
struct ndpi_detection_module_struct *ndpi_init_detection_module(int prefs)
{
	(void)prefs;
	return 0;
}
EOF
if ${CC:-cc} -shared -fPIC -o "$tmp/ndpi_fail.so" "$tmp/ndpi_fail.c" 2> "$tmp/err"; then
	for mode in inline 1 2; do
		run=("$VIGIL")
		[ $mode = inline ] && run=(taskset -c 0 "$VIGIL")
		# ASan wants to be first in the list of libraries; the preloaded one is
		# not instrumented and needs nothing from it
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
			LD_PRELOAD="$tmp/ndpi_fail.so" "${run[@]}" -q -r pcaps/modbus.pcap \
			--workers "${mode/inline/1}" -o "$tmp/o.json" 2> "$tmp/err"
		check "nDPI without a context ($mode): one line, exit 2" 2 $? \
			"$(one_line 'worker [01]: out of memory for nDPI; stopped after packet')"
	done
else
	fail=$((fail + 1))
	echo "  FAIL  cannot build the library that makes nDPI fail"
fi

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
