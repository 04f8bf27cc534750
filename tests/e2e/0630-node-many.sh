#!/bin/bash
# One kubefs-node process hosts 50 fake nodes: every Node registered and
# Ready with its own pod CIDR and InternalIP, every Lease renewed, pods
# bound to any of them run with an address of their node's CIDR and are
# finished when deleted; a restart keeps every node's addresses.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_node.sh"
NODES=$MNT/core/v1/nodes
LEASES=$MNT/coordination.k8s.io/v1/leases/kube-node-lease
P=$MNT/core/v1/pods/default
N=50

all_nodes() { # NAME<TAB>podCIDR<TAB>InternalIP<TAB>Ready, sorted
	for f in "$NODES"/*; do
		jq -r '[.metadata.name, .spec.podCIDR, .status.addresses[0].address,
			(.status.conditions[]? | select(.type == "Ready") | .status)] | @tsv' "$f@json"
	done | sort
}
count_ready() { [ "$(all_nodes | awk -F'\t' '$4 == "True"' | wc -l)" -eq "$1" ]; }
count_leases() { [ "$(ls "$LEASES" | wc -l)" -eq "$1" ]; }
lease_times() { for f in "$LEASES"/*; do jq -r .spec.renewTime "$f@json"; done | sort | tr '\n' ' '; }
all_renewed_since() { # every renewTime is newer than the given list's
	local now
	now=$(for f in "$LEASES"/*; do jq -r .spec.renewTime "$f@json"; done)
	[ -z "$(comm -12 <(echo "$now" | sort) <(tr ' ' '\n' <<<"$1" | sort))" ]
}
field() { jq -r "$2" "$P/$1@json" 2>/dev/null; }
is_phase() { [ "$(field "$1" '.status.phase // ""')" = "$2" ]; }
gone() { [ ! -e "$P/$1" ]; }

start_fs
start_node --fake --count $N --name-prefix fake- --node-lease-duration-seconds 4
wait_for count_ready $N
all_nodes > "$T/nodes"
expect_eq "$(wc -l < "$T/nodes")" $N "nodes"
expect_eq "$(cut -f1 "$T/nodes" | sort -t- -k2 -n | head -1)" fake-0 "first name"
expect_eq "$(cut -f1 "$T/nodes" | sort -t- -k2 -n | tail -1)" fake-49 "last name"
[ -z "$(cut -f2 "$T/nodes" | sort | uniq -d)" ] || fail "pod CIDRs shared: $(cut -f2 "$T/nodes" | sort | uniq -d)"
[ -z "$(cut -f3 "$T/nodes" | sort | uniq -d)" ] || fail "InternalIPs shared"
expect_eq "$(cut -f2 "$T/nodes" | grep -vc '^10\.24[4-7]\.[0-9]*\.0/24$')" 0 "pod CIDRs in 10.244.0.0/14"
jq -e '.metadata.labels.type == "kwok"' "$NODES/fake-17@json" >/dev/null || fail "no type=kwok label"

# one Lease per node, all renewed by the one process
wait_for count_leases $N
before=$(lease_times)
wait_for all_renewed_since "$before"
expect_eq "$(pgrep -c -P $$ -x kubefs-node)" 1 "kubefs-node processes"

# pods bound across the nodes all run, each in its node's CIDR
for i in $(seq 0 4 48); do
	cat > "$P/p$i" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: p$i}
spec: {containers: [{name: c, image: nginx}]}
YAML
	echo "fake-$i" > "$P/p$i@binding"
done
for i in $(seq 0 4 48); do
	wait_for is_phase "p$i" Running
	cidr=$(awk -F'\t' -v n="fake-$i" '$1 == n {print $2}' "$T/nodes")
	ip=$(field "p$i" .status.podIP)
	case "$ip" in "${cidr%.0/24}".*) ;; *) fail "p$i on fake-$i has $ip, not in $cidr" ;; esac
	expect_eq "$(field "p$i" .status.hostIP)" \
		"$(awk -F'\t' -v n="fake-$i" '$1 == n {print $3}' "$T/nodes")" "hostIP of p$i"
done
for i in $(seq 0 8 48); do rm "$P/p$i"; done
for i in $(seq 0 8 48); do wait_for gone "p$i"; done
is_phase p4 Running || fail "p4 was touched"

# a restart keeps every node's addresses and re-adopts the pods
stop_node "$NODE_PID"
start_node --fake --count $N --node-lease-duration-seconds 4
wait_for grep -q "re-adopting 6 running pods" "$T/node.log"
before=$(lease_times)
wait_for all_renewed_since "$before"
all_nodes > "$T/nodes2"
cmp -s <(cut -f1-3 "$T/nodes") <(cut -f1-3 "$T/nodes2") || fail "addresses changed: $(diff "$T/nodes" "$T/nodes2")"
stop_node "$NODE_PID"
echo ok
