# Sourced by the real-node e2e scripts (tests/e2e/064x-069x) after lib.sh:
# a kubefs-node running real containers under $T, with its own root dir
# (so its bridge, CNI network and cgroups are its own) and a pod CIDR no
# interface of this machine uses, and the checks that nothing is left.

node_skip_unless_able() {
	[ "$(id -u)" = 0 ] || skip "real containers need root"
	command -v runc >/dev/null || skip "runc is not installed"
	[ -x /usr/lib/cni/bridge ] || skip "the CNI plugins are not installed"
	command -v busybox >/dev/null || [ -x /bin/busybox ] ||
		skip "busybox-static is not installed"
}

ROOT=${ROOT:-$T/root}
NODE_PID=
P=$MNT/core/v1/pods/default

fail() {
	echo "FAIL: $*" >&2
	[ -f "$T/node.log" ] && { echo "--- kubefs-node log (tail)" >&2; tail -n 30 "$T/node.log" >&2; }
	[ -f "$T/fs.log" ] && { echo "--- kubefs-fs log (tail)" >&2; tail -n 10 "$T/fs.log" >&2; }
	exit 1
}

# A /24 of 10.0.0.0/8 that no address of this machine is in.
free_pod_cidr() {
	local used c
	used=$(ip -o -4 addr show | awk '{print $4}')
	for _ in $(seq 1 200); do
		c=10.$((100 + RANDOM % 150)).$((RANDOM % 250))
		case "$used" in *"$c."*) continue ;; esac
		echo "$c.0/24"
		return 0
	done
	fail "no free pod CIDR"
}
POD_CIDR=$(free_pod_cidr)

# busybox images: docker save and OCI archives, loaded into the node.
load_images() {
	"$E2E_SRC/tests/images/build-busybox.sh" docker "$T/bb.tar" busybox:latest ||
		fail "cannot build the image"
	kubefs-node image --root-dir "$ROOT" load "$T/bb.tar" >/dev/null ||
		fail "image load"
}

# A TCP port nothing listens on, for the node's log endpoint.
free_port() {
	local used p
	used=$(ss -ltnH 2>/dev/null | awk '{print $4}')
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		case "$used" in *":$p"*) continue ;; esac
		echo "$p"
		return 0
	done
	fail "no free port"
}
NODE_PORT=$(free_port)

start_node() {
	kubefs-node --cluster "$MNT" --name n1 --root-dir "$ROOT" \
		--pod-cidr "$POD_CIDR" --port "$NODE_PORT" "$@" \
		>>"$T/node.log" 2>&1 &
	NODE_PID=$!
	WATCH_PIDS=$NODE_PID
	wait_for node_ready n1
}

stop_node() {
	local rc=0
	[ -n "$NODE_PID" ] || return 0
	kill -TERM "$NODE_PID" 2>/dev/null || true
	wait "$NODE_PID" 2>/dev/null || rc=$?
	NODE_PID=
	WATCH_PIDS=
	[ "$rc" = 0 ] || fail "kubefs-node exited with $rc on SIGTERM"
}

# node_setup [kubefs-node flags]: images, API server and a Ready node.
node_setup() {
	node_skip_unless_able
	load_images
	start_fs
	start_node "$@"
}

node_ready() {
	[ "$(jq -r '.status.conditions[]? | select(.type == "Ready") | .status' \
		"$MNT/core/v1/nodes/$1@json" 2>/dev/null)" = True ]
}

# mk_httpd NAME [GRACE [APP]]: a busybox httpd pod on n1 (label app=APP,
# else NAME), serving
# "hello from kubefs" on port 80 (httpd, as pid 1, ignores SIGTERM: it
# ends at the grace period).
mk_httpd() {
	cat > "$P/$1" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {app: ${3:-$1}}}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: ${2:-2}
  containers:
  - name: httpd
    image: busybox
    command: [httpd, -f, -p, "80", -h, /var/www]
    ports: [{containerPort: 80}]
YAML
}

field() { jq -r "$2" "$P/$1@json" 2>/dev/null; }
phase() { field "$1" '.status.phase // ""'; }
is_phase() { [ "$(phase "$1")" = "$2" ]; }
gone() { [ ! -e "$P/$1" ]; }
has_event() {
	local f
	for f in "$MNT"/core/v1/events/default/*; do
		[ -e "$f" ] && cat "$f@json"
	done | jq -r --arg n "$1" 'select(.involvedObject.name == $n) |
		.type + " " + .reason + ": " + .message' | qgrep -- "$2"
}

# wait_long SECONDS CMD...: like wait_for, for slower conditions.
wait_long() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >/dev/null 2>&1 || fail "timed out waiting for: $*"
}

# The node's bridge (it holds the pod CIDR's gateway), "" if none.
node_bridge() {
	ip -o -4 addr show | awk -v g="${POD_CIDR%.0/24}.1/24" '$4 == g {print $2}'
}

# What the node holds on the host: "PODS VETHS CGROUPS MOUNTS" — pod
# directories, veths on its bridge, pod cgroups, mounts under its root
# (rootfs overlays, network namespaces). "0 0 0 0" when nothing is left.
node_leftovers() {
	local br pods veths=0 cgroups=0 mounts
	br=$(node_bridge)
	pods=$(find "$ROOT/pods" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	if [ -n "$br" ]; then
		veths=$(ip -o link show master "$br" 2>/dev/null | wc -l)
		cgroups=$(find /sys/fs/cgroup/*/"kubefs-${br#kfb}" -type d \
			-name 'pod*' 2>/dev/null | wc -l)
	fi
	mounts=$(grep -c -F " $ROOT/" /proc/self/mountinfo || true)
	echo "$pods $veths $cgroups $mounts"
}

# expect_clean: wait (10 s) until node_leftovers is "0 0 0 0"; else say
# what is left.
expect_clean() {
	for _ in $(seq 1 100); do
		[ "$(node_leftovers)" = "0 0 0 0" ] && return 0
		sleep 0.1
	done
	fail "left on the host ($(node_leftovers)): $(find "$ROOT/pods" -maxdepth 2) $(grep -F " $ROOT/" /proc/self/mountinfo | awk '{print $5}')"
}

node_cleanup() {
	local rc=$?
	set +e
	if [ -n "$NODE_PID" ]; then
		kill -TERM "$NODE_PID" 2>/dev/null
		wait "$NODE_PID" 2>/dev/null
		local nrc=$?
		if [ "$nrc" != 0 ] && [ "$rc" = 0 ]; then
			echo "FAIL: kubefs-node exited with $nrc on SIGTERM" >&2
			tail -n 30 "$T/node.log" >&2
			rc=1
		fi
	fi
	if [ -n "${S:-}" ] && [ -d "$S/run" ]; then
		KUBEFS_MOUNT=$MNT kubefs down --state "$S" >/dev/null 2>&1
	fi
	# what a failed test may have left: its own objects only
	if [ -d "$ROOT/runc" ]; then
		for c in "$ROOT"/runc/*; do
			[ -d "$c" ] && runc --root "$ROOT/runc" delete -f "$(basename "$c")" >/dev/null 2>&1
		done
	fi
	grep -F " $ROOT/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	br=$(ip -o -4 addr show | awk -v g="${POD_CIDR%.0/24}.1/24" '$4 == g {print $2}')
	case "$br" in kfb*)
		# pod cgroups a failed test left (empty once runc let go)
		find /sys/fs/cgroup/*/"kubefs-${br#kfb}" -depth -type d 2>/dev/null |
			while read -r d; do rmdir "$d" 2>/dev/null; done
		ip link del "$br" 2>/dev/null ;;
	esac
	(exit "$rc")
	cleanup
}
trap node_cleanup EXIT

# agent_curl ARGS...: curl with the node agent's bearer token (data.token
# of the Secret kube-system/kubefs-node-endpoint-n1).
agent_curl() {
	local tok
	tok=$(jq -r '.data.token' "$MNT/core/v1/secrets/kube-system/kubefs-node-endpoint-n1@json") ||
		fail "no endpoint token"
	curl -H "Authorization: Bearer $tok" "$@"
}
