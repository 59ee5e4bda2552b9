#!/usr/bin/env bash
# `make install` into a DESTDIR under a temporary folder: the files and
# their modes, nothing else; the installed configuration (records to
# /var/log/vigil, rules beside it, the signing state and spools where the
# service can write) is valid and loads every rule; the units name the
# installed paths, pass `systemd-analyze verify`, score below 4 in
# `systemd-analyze security --offline=true`, and differ from each other
# only where capture needs it; the sysusers.d file makes a system user
# with no login shell (systemd-sysusers --root on the staged tree); the
# logrotate file parses; PREFIX=/usr puts everything under /usr; a changed
# configuration is kept on reinstall; staging creates no user on this
# machine.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
MAX_SCORE=${MAX_SCORE:-4.0}
for t in systemd-analyze systemd-sysusers logrotate; do
	command -v $t > /dev/null || { echo "service-install: SKIP: $t missing (make test-deps)"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "  ok    $*"; }
bad() {
	echo "  FAIL  $*"
	fail=1
}

user_before=$(getent passwd vigil)
D=$tmp/a
if ! make --no-print-directory -s install BUILD="$BUILD" PGO=0 DESTDIR="$D" > "$tmp/install.log" 2>&1; then
	echo "service-install: make install failed:"
	tail -5 "$tmp/install.log"
	exit 1
fi

# ---- the files, their modes, nothing else -----------------------------------
{
	echo "755 f usr/local/bin/vigil"
	echo "644 f etc/vigil/vigil.yaml"
	echo "644 f etc/vigil/rules/classification.config"
	for r in rules/*.rules; do echo "644 f etc/vigil/rules/$(basename "$r")"; done
	echo "644 f etc/default/vigil"
	echo "644 f etc/logrotate.d/vigil"
	echo "644 f usr/local/lib/systemd/system/vigil.service"
	echo "644 f usr/local/lib/systemd/system/vigil-xdp.service"
	echo "644 f usr/local/lib/sysusers.d/vigil.conf"
	echo "644 f usr/local/share/man/man8/vigil.8"
	echo "750 d var/log/vigil"
	echo "750 d var/lib/vigil"
} | sort -k3 > "$tmp/want"
(cd "$D" && find . -mindepth 1 \( -type f -o -type d -empty -o -path ./var/log/vigil -o -path ./var/lib/vigil \) \
	-printf '%m %y %P\n') | sort -k3 > "$tmp/got"
if cmp -s "$tmp/want" "$tmp/got"; then
	ok "installed: $(wc -l < "$tmp/got") files and folders, modes as expected, nothing else"
else
	bad "installed files differ (< expected, > installed):"
	diff "$tmp/want" "$tmp/got" | grep '^[<>]' | head -10 | sed 's/^/        /'
fi
cmp -s sensor/vigil.8 "$D/usr/local/share/man/man8/vigil.8" || bad "the installed man page is not sensor/vigil.8"

# ---- the configuration --------------------------------------------------------
cfg=$D/etc/vigil/vigil.yaml
for line in 'default-log-dir: /var/log/vigil' 'default-rule-path: rules' \
	'#   state: /var/lib/vigil/vigil.state' '#     spool-dir: /var/lib/vigil/spool-siem' \
	'#   key: /etc/vigil/vigil.key'; do
	grep -q "^ *$line" "$cfg" && ok "vigil.yaml: $line" || bad "vigil.yaml has no line \"$line\""
done
# every other line as shipped
diff <(grep -v -e '^default-log-dir:' -e '^default-rule-path:' -e '^#   state:' -e 'spool-dir:' sensor/vigil.yaml) \
	<(grep -v -e '^default-log-dir:' -e '^default-rule-path:' -e '^#   state:' -e 'spool-dir:' "$cfg") > /dev/null &&
	ok "vigil.yaml: every other line as shipped" || bad "vigil.yaml: other lines changed"
"$D/usr/local/bin/vigil" -T -c "$cfg" > "$tmp/out" 2>&1 && ok "vigil -T: $(cat "$tmp/out")" ||
	bad "vigil -T: $(head -1 "$tmp/out")"
if "$D/usr/local/bin/vigil" --test-rules -c "$cfg" > "$tmp/out" 2>&1; then
	ok "vigil --test-rules with the installed rules: $(tail -1 "$tmp/out" | sed 's/^vigil: rules: //')"
else
	bad "vigil --test-rules with the installed configuration: $(tail -1 "$tmp/out")"
fi

# ---- the units ------------------------------------------------------------------
U=$D/usr/local/lib/systemd/system
for u in vigil vigil-xdp; do
	f=$U/$u.service
	if grep -qx 'ExecStartPre=/usr/local/bin/vigil -T -c /etc/vigil/vigil.yaml' "$f" &&
		grep -q '^ExecStart=/usr/local/bin/vigil .* -c /etc/vigil/vigil.yaml ' "$f" &&
		grep -qx 'EnvironmentFile=-/etc/default/vigil' "$f"; then
		ok "$u.service: runs /usr/local/bin/vigil -c /etc/vigil/vigil.yaml, settings in /etc/default/vigil"
	else
		bad "$u.service: ExecStartPre, ExecStart or EnvironmentFile do not name the installed paths"
	fi
	for l in User=vigil Group=vigil LogsDirectory=vigil StateDirectory=vigil NoNewPrivileges=yes \
		ProtectSystem=strict MemoryDenyWriteExecute=yes; do
		grep -qx "$l" "$f" || bad "$u.service: no $l"
	done
	# systemd's own check: keys, values; with the staged man page found
	MANPATH=$D/usr/local/share/man systemd-analyze verify "$f" > "$tmp/verify" 2>&1
	grep -v "Command /usr/local/bin/vigil is not executable" "$tmp/verify" > "$tmp/verify.rest"
	[ ! -s "$tmp/verify.rest" ] && ok "$u.service: systemd-analyze verify (only: the binary is not installed on this machine)" ||
		bad "$u.service: systemd-analyze verify: $(head -2 "$tmp/verify.rest" | tr '\n' ' ')"
	systemd-analyze security --offline=true "$f" > "$tmp/sec" 2>&1
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' "$tmp/sec")
	if [ -n "$score" ] && awk -v s="$score" -v m="$MAX_SCORE" 'BEGIN { exit !(s < m) }'; then
		ok "$u.service: systemd-analyze security --offline=true: $score (below $MAX_SCORE)"
	else
		bad "$u.service: exposure ${score:-?} (want below $MAX_SCORE): $(tail -1 "$tmp/sec")"
	fi
done
# the two units differ only where the capture needs it
diff <(grep -v '^#' "$U/vigil.service") <(grep -v '^#' "$U/vigil-xdp.service") | grep '^[<>]' |
	grep -v -E '^[<>] (Description|Conflicts|ExecStart|CapabilityBoundingSet|AmbientCapabilities|RestrictAddressFamilies)=' |
	grep -v -x '> SystemCallFilter=bpf' > "$tmp/diff"
[ ! -s "$tmp/diff" ] && ok "vigil.service and vigil-xdp.service differ only in capture, capabilities, families, bpf()" ||
	bad "the units differ elsewhere: $(head -3 "$tmp/diff" | tr '\n' ' ')"
grep -q '^ExecStart=.* -i ${VIGIL_IFACE} ' "$U/vigil.service" && grep -q '^ExecStart=.* --xdp ${VIGIL_IFACE} ' "$U/vigil-xdp.service" ||
	bad "vigil.service must run -i, vigil-xdp.service --xdp"
grep -qx 'CapabilityBoundingSet=CAP_NET_RAW' "$U/vigil.service" || bad "vigil.service: CAP_NET_RAW only"

# ---- the user -------------------------------------------------------------------
mkdir -p "$D/etc"
if systemd-sysusers --root="$D" "$D/usr/local/lib/sysusers.d/vigil.conf" > "$tmp/su" 2>&1; then
	IFS=: read -r name _ uid gid _ home shell < <(grep '^vigil:' "$D/etc/passwd")
	if [ "${name:-}" = vigil ] && [ "$uid" -lt 1000 ] && [ "$home" = /var/lib/vigil ] &&
		[ "$shell" = /usr/sbin/nologin ] && grep -q "^vigil:x:$gid:" "$D/etc/group"; then
		ok "sysusers.d: system user vigil (uid $uid < 1000, group vigil, home /var/lib/vigil, no login shell)"
	else
		bad "sysusers.d: $(grep '^vigil:' "$D/etc/passwd")"
	fi
else
	bad "systemd-sysusers --root: $(head -1 "$tmp/su")"
fi
[ "$(getent passwd vigil)" = "$user_before" ] && ok "staging with DESTDIR changed no user on this machine" ||
	bad "make install DESTDIR=... created or changed the user vigil on this machine"

# ---- logrotate --------------------------------------------------------------------
lr=$D/etc/logrotate.d/vigil
if logrotate -d -s "$tmp/lr.state" "$lr" > "$tmp/lr" 2>&1 && ! grep -qi 'error' "$tmp/lr"; then
	ok "logrotate parses /etc/logrotate.d/vigil ($(grep -m1 'rotating pattern' "$tmp/lr"))"
else
	bad "logrotate -d: $(grep -i -m2 error "$tmp/lr" | tr '\n' ' ')"
fi
for d in '/var/log/vigil/eve.json {' daily compress delaycompress postrotate 'systemctl reload "$u"'; do
	grep -qF "$d" "$lr" || bad "logrotate file: no \"$d\""
done

# ---- PREFIX=/usr, and a reinstall over a changed configuration ------------------
E=$tmp/b
make --no-print-directory -s install BUILD="$BUILD" PGO=0 DESTDIR="$E" PREFIX=/usr > "$tmp/install.log" 2>&1 ||
	bad "make install PREFIX=/usr failed"
if [ -x "$E/usr/bin/vigil" ] && [ -f "$E/usr/share/man/man8/vigil.8" ] && [ -f "$E/usr/lib/sysusers.d/vigil.conf" ] &&
	grep -q '^ExecStart=/usr/bin/vigil -i ' "$E/usr/lib/systemd/system/vigil.service" &&
	grep -q '^ExecStartPre=/usr/bin/vigil -T -c /etc/vigil/vigil.yaml$' "$E/usr/lib/systemd/system/vigil-xdp.service"; then
	ok "PREFIX=/usr: /usr/bin/vigil, /usr/lib/systemd/system, /usr/lib/sysusers.d, /usr/share/man; units name /usr/bin/vigil"
else
	bad "PREFIX=/usr: files or unit paths wrong"
fi
echo "workers: 1" >> "$D/etc/vigil/vigil.yaml"
make --no-print-directory -s install BUILD="$BUILD" PGO=0 DESTDIR="$D" > "$tmp/install.log" 2>&1
if tail -1 "$D/etc/vigil/vigil.yaml" | grep -qx 'workers: 1' && [ -f "$D/etc/vigil/vigil.yaml.new" ] &&
	grep -q 'vigil.yaml.new' "$tmp/install.log"; then
	ok "reinstall: the changed vigil.yaml is kept, the new one is vigil.yaml.new (and install says so)"
else
	bad "reinstall over a changed vigil.yaml"
fi

# ---- the real installation (no DESTDIR), in a private mount namespace -----------
# /etc, /usr/local and /var are overlays on a tmpfs there, so that nothing
# of this machine changes: the user is made (with systemd-sysusers, and
# with useradd where systemd-sysusers is absent) and given the folders.
real_install() { # sysusers|useradd
	unshare -m bash -s "$1" "$tmp" "$BUILD" << 'EOS'
set -e
how=$1 tmp=$2 BUILD=$3
mount --make-rprivate /
mkdir -p "$tmp/ov"
mount -t tmpfs tmpfs "$tmp/ov"
for d in /etc /usr/local /var; do
	n=$(echo "$d" | tr / _)
	mkdir -p "$tmp/ov/$n.u" "$tmp/ov/$n.w"
	mount -t overlay overlay -o "lowerdir=$d,upperdir=$tmp/ov/$n.u,workdir=$tmp/ov/$n.w" "$d"
done
if [ "$how" = useradd ]; then
	# systemd-sysusers there but not executable: install falls back to useradd
	mount --bind /dev/null "$(command -v systemd-sysusers)"
	if systemd-sysusers --help > /dev/null 2>&1; then
		echo "systemd-sysusers still runs"
		exit 1
	fi
fi
! getent passwd vigil > /dev/null || { echo "a user vigil exists already"; exit 1; }
make --no-print-directory -s install BUILD="$BUILD" PGO=0 > "$tmp/real.log" 2>&1 || { tail -3 "$tmp/real.log"; exit 1; }
IFS=: read -r name _ uid _ _ home shell < <(getent passwd vigil)
[ "$uid" -lt 1000 ] && [ "$home" = /var/lib/vigil ] && [ "$shell" = /usr/sbin/nologin ] ||
	{ echo "user: $(getent passwd vigil)"; exit 1; }
getent group vigil > /dev/null || { echo "no group vigil"; exit 1; }
for d in /var/log/vigil /var/lib/vigil; do
	[ "$(stat -c '%U:%G %a' "$d")" = "vigil:vigil 750" ] || { echo "$d: $(stat -c '%U:%G %a' "$d")"; exit 1; }
done
[ -x /usr/local/bin/vigil ] && [ -f /usr/local/lib/systemd/system/vigil.service ] && [ -f /etc/logrotate.d/vigil ]
# again, the user there: nothing to do for it, and nothing fails
make --no-print-directory -s install BUILD="$BUILD" PGO=0 > "$tmp/real.log" 2>&1 || { tail -3 "$tmp/real.log"; exit 1; }
echo "uid $uid"
EOS
}
if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null && grep -qw overlay /proc/filesystems; then
	for how in sysusers useradd; do
		if out=$(real_install $how 2>&1); then
			ok "make install (no DESTDIR), with $how: system user vigil ($(echo "$out" | tail -1)), /var/log/vigil and /var/lib/vigil its own (0750); again: fine"
		else
			bad "make install (no DESTDIR) with $how: $(echo "$out" | tail -2 | tr '\n' ' ')"
		fi
	done
	[ "$(getent passwd vigil)" = "$user_before" ] && [ ! -e /var/log/vigil ] || [ -n "$user_before" ] ||
		bad "the real installation leaked out of its namespace"
else
	echo "  skip  make install without DESTDIR: needs root, unshare and overlayfs"
fi

[ $fail -eq 0 ] && echo "service-install: all passed"
exit $fail
