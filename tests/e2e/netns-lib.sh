# Sourced FIRST (before lib.sh) by e2e scripts that run a whole cluster
# with `kubefs up`: the script runs again inside a network namespace it
# creates (nsenter --net: the mount namespace, /sys and cgroups stay the
# machine's), so the cluster's proxy, nftables table, cluster DNS, bridge
# and pod routes are its own and never meet another cluster's (scripts
# run concurrently). The namespace has loopback and a veth pair (both
# ends inside) carrying the default route: its address, 192.0.2.2
# (TEST-NET-1), is the node's InternalIP and where cluster DNS listens.
# E2E_NETNS names the namespace inside.

if [ -z "${E2E_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP network namespaces need root"; exit 77; }
	command -v nsenter >/dev/null || { echo "SKIP nsenter is not installed"; exit 77; }
	E2E_NETNS=kfs$$x$RANDOM
	ip netns add "$E2E_NETNS" 2>/dev/null ||
		{ echo "SKIP cannot create network namespaces"; exit 77; }
	ip -n "$E2E_NETNS" link set lo up
	ip -n "$E2E_NETNS" link add kfd0 type veth peer name kfd1
	ip -n "$E2E_NETNS" addr add 192.0.2.2/24 dev kfd0
	ip -n "$E2E_NETNS" link set kfd1 up
	ip -n "$E2E_NETNS" link set kfd0 up
	ip -n "$E2E_NETNS" route add default dev kfd0
	netns_rc=0
	E2E_NETNS=$E2E_NETNS nsenter --net="/run/netns/$E2E_NETNS" \
		bash "$0" "$@" &
	netns_child=$!
	trap 'kill -TERM $netns_child 2>/dev/null' TERM INT
	wait "$netns_child" || netns_rc=$?
	if kill -0 "$netns_child" 2>/dev/null; then
		wait "$netns_child" || netns_rc=$?
	fi
	ip netns del "$E2E_NETNS" 2>/dev/null
	rm -rf "/etc/netns/$E2E_NETNS"
	exit $netns_rc
fi
