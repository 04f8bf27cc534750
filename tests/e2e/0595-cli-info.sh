#!/bin/bash
# kubefs explain / version / api-resources / api-versions, and help: every
# command's --help reads like kubectl's.
. "$(dirname "$0")/lib.sh"
start_fs
export KUBEFS_MOUNT=$MNT

run() {
	set +e
	OUT=$("$@" 2>"$T/err")
	RC=$?
	set -e
	ERR=$(cat "$T/err")
}

# explain
run kubefs explain deploy
expect_eq "$RC" 0 "explain"
expect_eq "$(echo "$OUT" | head -3)" "GROUP:      apps
KIND:       Deployment
VERSION:    v1" "explain header"
expect_contains "$OUT" "RESOURCE:   deployments" "resource"
expect_contains "$OUT" "SCOPE:      Namespaced" "scope"
expect_contains "$OUT" "SUBRESOURCES: status, scale" "subresources"
expect_contains "$OUT" "SHORT NAMES: deploy" "short names"
expect_contains "$OUT" "PATH:       apps/v1/deployments/NAMESPACE/NAME" "path"
run kubefs explain nodes
expect_eq "$(echo "$OUT" | head -1)" "KIND:       Node" "core kinds have no GROUP line"
expect_contains "$OUT" "SCOPE:      Cluster" "cluster scope"
run kubefs explain pods.spec
expect_contains "$ERR" 'field "spec" cannot be explained' "field explain"
run kubefs explain widgets
expect_eq "$ERR" "error: the server doesn't have a resource type \"widgets\"" "explain unknown"

# version
run kubefs version
expect_eq "$OUT" "Client Version: v$(sed -n 's/.*KUBEFS_VERSION "\(.*\)"/\1/p' "$E2E_SRC/api/version.h")
Server Version: $(cat "$MNT/version")" "version"
run kubefs version --client --mount "$T/nowhere"
expect_eq "$RC" 0 "--client needs no server"
run kubefs version -o json
expect_eq "$(echo "$OUT" | jq -r .serverVersion.gitVersion)" "$(cat "$MNT/version")" "version -o json"

# api-resources, api-versions: what the mount's resources file says
run kubefs api-resources
expect_eq "$(echo "$OUT" | head -1 | tr -s ' ')" "NAME SHORTNAMES APIVERSION NAMESPACED KIND" "api-resources header"
expect_eq "$(echo "$OUT" | awk '$1 == "deployments" {print $2, $3, $4, $5}')" "deploy apps/v1 true Deployment" "deployments row"
expect_eq "$(echo "$OUT" | awk '$1 == "pods" && $NF == "Pod" {print $2, $3, $4, $5}')" "po v1 true Pod" "pods row"
expect_eq "$(echo "$OUT" | awk '$1 == "pods" && $NF == "PodMetrics" {print $2, $3, $4}')" \
	"metrics.k8s.io/v1beta1 true PodMetrics" "metrics pods row"
expect_eq "$(($(echo "$OUT" | wc -l) - 1))" "$(wc -l < "$MNT/resources")" "one row per resource"
run kubefs api-resources --namespaced=false -o name
expect_contains "$OUT" "namespaces" "cluster-scoped names"
echo "$OUT" | qgrep -x pods && fail "--namespaced=false listed pods"
run kubefs api-resources --api-group=apps -o name
expect_contains "$OUT" "deployments.apps" "-o name with group"
echo "$OUT" | qgrep -vE '\.apps$' && fail "--api-group: $OUT"
run kubefs api-resources -o wide
expect_eq "$(echo "$OUT" | awk '$1 == "pods" && $5 == "Pod" {print $6}')" "status,binding,log,eviction" "wide subresources"
run kubefs api-versions
expect_contains "$OUT" "apps/v1" "api-versions apps"
echo "$OUT" | qgrep -x v1 || fail "api-versions v1: $OUT"

# help
run kubefs --help
TOP=$OUT
for section in "Basic Commands (Beginner):" "Deploy Commands:" "Usage:" "Other Commands:"; do
	expect_contains "$OUT" "$section" "top-level help"
done
for cmd in get apply create replace delete describe logs scale patch rollout wait \
	label annotate edit cordon uncordon drain top explain version \
	api-resources api-versions up down status; do
	expect_contains "$TOP" "  $cmd " "$cmd listed in --help"
	run kubefs "$cmd" --help
	expect_eq "$RC" 0 "$cmd --help exit status"
	for section in "Examples:" "Usage:
  kubefs $cmd" "Use \"kubefs options\""; do
		expect_contains "$OUT" "$section" "$cmd --help"
	done
	[ "$cmd" = explain ] || [ "$cmd" = api-versions ] || [ "$cmd" = cordon ] ||
		[ "$cmd" = uncordon ] || expect_contains "$OUT" "Options:" "$cmd --help options"
done
expect_eq "$(kubefs help get | head -1)" "Display one or many resources." "help COMMAND"
expect_eq "$(kubefs get -h | head -1)" "Display one or many resources." "-h"
run kubefs options
expect_contains "$OUT" "--mount=''" "options"
run kubefs frobnicate
expect_eq "$RC:$ERR" "1:error: unknown command \"frobnicate\" for \"kubefs\"
Run 'kubefs --help' for usage." "unknown command"
run kubefs get pods --frob
expect_eq "$ERR" "error: unknown flag: --frob
See 'kubefs get --help' for usage." "unknown flag"
run kubefs scale deploy x --replicas=many
expect_contains "$ERR" 'invalid argument "many" for "--replicas" flag' "bad int flag"
# down --help must not stop anything
run kubefs down --help --state "$T/state"
expect_eq "$(cat "$MNT/healthz")" ok "down --help left the cluster alone"
echo ok
