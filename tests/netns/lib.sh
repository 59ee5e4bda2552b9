# Shared by the namespace tests: two network namespaces joined by a veth
# pair with link-local addresses only; everything a test starts is stopped
# by its PID and the namespaces are deleted on exit.
# shellcheck shell=bash

NS_A=vgA$$
NS_B=vgB$$
IF_A=vga$$
IF_B=vgb$$
PIDS=()

netns_skip_unless_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "$1: SKIP: needs root (network namespaces, raw capture)"
		exit 77
	fi
	if ! command -v ip > /dev/null || ! ip netns list > /dev/null 2>&1; then
		echo "$1: SKIP: iproute2 with netns support is missing"
		exit 77
	fi
}

netns_cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2> /dev/null && wait "$p" 2> /dev/null
	done
	ip netns del "$NS_A" 2> /dev/null
	ip netns del "$NS_B" 2> /dev/null
	[ -n "${TMPD:-}" ] && rm -rf "$TMPD"
}

# netns_up [xdp]: A (sender, 169.254.77.1) <-> B (sensor, 169.254.77.2)
netns_up() {
	ip netns add "$NS_A" || return 1
	ip netns add "$NS_B" || return 1
	ip link add "$IF_A" type veth peer name "$IF_B" || return 1
	ip link set "$IF_A" netns "$NS_A"
	ip link set "$IF_B" netns "$NS_B"
	ip -n "$NS_A" link set lo up
	ip -n "$NS_B" link set lo up
	ip -n "$NS_A" addr add 169.254.77.1/16 dev "$IF_A"
	ip -n "$NS_B" addr add 169.254.77.2/16 dev "$IF_B"
	# no IPv6 stack on the test link: its neighbour discovery and MLD
	# chatter would add records that are not part of the replay (captures
	# carrying IPv6 still cross the link at layer 2)
	local ns
	for ns in "$NS_A" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	done
	ip -n "$NS_A" link set "$IF_A" up
	ip -n "$NS_B" link set "$IF_B" up
}

# Rewrites every address of a capture into 169.254.0.0/16 and fd00::/8 so
# that nothing else ever goes on a wire, and fixes checksums.
netns_rewrite() {
	tcprewrite --pnat='0.0.0.0/0:169.254.0.0/16,[::/0]:[fd00::/8]' --fixcsum \
		--infile="$1" --outfile="$2" 2> /dev/null
}

# Runs a command in namespace B in the background; its PID in LAST_PID.
netns_bg_b() {
	nsenter --net="/run/netns/$NS_B" "$@" &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

netns_wait_file() { # file, seconds
	local i
	for i in $(seq 1 $(($2 * 10))); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# Stops a PID with SIGTERM and waits for it; returns its exit status.
netns_stop() {
	kill -TERM "$1" 2> /dev/null
	wait "$1"
}
