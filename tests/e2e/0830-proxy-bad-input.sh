#!/bin/bash
# Services kubefs-proxy cannot program get a Warning Event and no rules;
# every other Service is synced as usual: 10,000 ports in one Service, an
# external IP, protocol and port that another Service's ClusterIP already
# serves.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/08-netlib.inc"
S=$MNT/core/v1/services/default

has_event() { # NAME REASON TEXT
	local f
	for f in "$MNT"/core/v1/events/default/*; do
		[ -e "$f" ] && cat "$f@json"
	done | jq -r --arg n "$1" 'select(.involvedObject.name == $n) |
		.type + " " + .reason + ": " + .message' | grep -F "$2" | grep -F "$3" >/dev/null
}

start_fs
mk_ns node
cat > "$S/good" <<YAML
apiVersion: v1
kind: Service
metadata: {name: good}
spec:
  ports: [{port: 80}]
YAML
GIP=$(jq -r .spec.clusterIP "$S/good@json")
jq -n '{apiVersion: "v1", kind: "Service", metadata: {name: "wide"},
	spec: {ports: [range(1; 10001) | {name: "p\(.)", port: ., protocol: "TCP"}]}}' \
	> "$T/wide.json"
cp "$T/wide.json" "$S/wide" || skip "the API server refuses a Service with 10000 ports"
cat > "$S/thief" <<YAML
apiVersion: v1
kind: Service
metadata: {name: thief}
spec:
  externalIPs: [$GIP]
  ports: [{port: 80}]
YAML

start_proxy node --min-sync-period 100ms
wait_net 20 has_event wide "Warning FailedToProgram" "has 10000 ports; kubefs-proxy programs at most 1000 ports per Service"
wait_net 20 has_event thief "Warning FailedToProgram" "already used by Service default/good"
rules=$(in_ns node nft list table ip kubefs)
expect_contains "$rules" "$GIP . tcp . 80" "the good Service's rules"
case $rules in *wide*|*thief*) fail "rules for a refused Service: $rules" ;; esac

# fixed, the Service is programmed on the next sync
jq '.spec.ports |= .[0:3]' "$S/wide@json" > "$T/narrow.json"
cat "$T/narrow.json" > "$S/wide@json" || fail "replace: $(last_error)"
expect_eq "$(jq ".spec.ports | length" "$S/wide@json")" 3 "ports after the fix"
WIP=$(jq -r .spec.clusterIP "$S/wide@json")
# no endpoints: its ports are rejected, which takes rules of its own
has_wide() { has node "$WIP . tcp . 3 : goto reject-chain"; }
wait_net 20 has_wide
stop_proxy
echo ok
