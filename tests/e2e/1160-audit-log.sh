#!/bin/bash
# The audit log (--audit-policy-file, --audit-log-path): a user's create,
# a refused read (403) and a delete are JSON lines jq can query, with
# Kubernetes' fields; a Secret's data stays out at the Metadata level;
# the log rotates by size (--audit-log-maxsize) keeping
# --audit-log-maxbackup files; a bad policy is refused at start.
. "$(dirname "$0")/lib.sh"
ensure_user kf-auditee >/dev/null
A=$T/audit/audit.log
mkdir "$T/audit"
cat >"$T/policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  nonResourceURLs: ["/healthz"]
- level: Metadata
  resources: [{group: "", resources: [secrets]}]
- level: Request
  verbs: [create, update, patch]
  omitStages: [RequestReceived]
- level: Metadata
EOF

# a bad policy: Kubernetes' sentence, nothing served
printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Loud}]\n' >"$T/bad.yaml"
out=$(kubefs-fs --foreground --store "$T/store" --audit-policy-file "$T/bad.yaml" \
	--audit-log-path "$A" "$MNT" 2>&1) && fail "kubefs-fs started with a bad policy"
expect_contains "$out" 'rules[0].level: Unsupported value: "Loud": supported values: "None", "Metadata", "Request", "RequestResponse"'

start_fs --audit-policy-file "$T/policy.yaml" --audit-log-path "$A" \
	--audit-log-maxsize 1 --audit-log-maxbackup 2
chmod 755 "$T" # let the user reach the mount
as() { setpriv --reuid="$(id -u kf-auditee)" --regid="$(id -g kf-auditee)" --clear-groups "$@"; }
printf 'roleRef: {kind: ClusterRole, name: edit}\nsubjects: [{kind: User, name: kf-auditee}]\n' |
	kfwrite "$MNT/rbac.authorization.k8s.io/v1/rolebindings/default/auditee" >/dev/null
CM=$MNT/core/v1/configmaps/default
S=$MNT/core/v1/secrets/default
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: audited}\ndata: {k: v}\n' |
	as kfwrite "$CM/audited" >/dev/null || fail "the user cannot create a ConfigMap"
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: e2e-secret-9d1}\n' >"$S/db"
as cat "$S/db" >/dev/null 2>&1 || true # edit may read Secrets: allowed
as cat "$MNT/rbac.authorization.k8s.io/v1/clusterroles/view" >/dev/null 2>&1 &&
	fail "the user read a ClusterRole"
as rm "$CM/audited" || fail "the user cannot delete its ConfigMap"

# query KEY FILTER: the ResponseComplete events of the user matching FILTER
query() {
	jq -c "select(.stage == \"ResponseComplete\" and .user.username == \"kf-auditee\") | select($1)" "$A"
}
ev=$(query '.verb == "create" and .objectRef.resource == "configmaps"')
[ -n "$ev" ] || fail "no create event: $(tail -n 5 "$A")"
expect_eq "$(jq -r .responseStatus.code <<<"$ev")" 201 "create's code"
expect_eq "$(jq -r .level <<<"$ev")" Request "create's level"
expect_eq "$(jq -r '.objectRef.namespace + "/" + .objectRef.name' <<<"$ev")" \
	default/audited "create's objectRef"
expect_eq "$(jq -r .requestObject.data.k <<<"$ev")" v "create's requestObject"
expect_eq "$(jq -r .requestURI <<<"$ev")" /api/v1/namespaces/default/configmaps/audited "create's requestURI"
expect_contains "$(jq -c .user.groups <<<"$ev")" '"system:authenticated"' "the user's groups"
# the create's RequestReceived stage is omitted by its rule
[ -z "$(jq -c 'select(.verb == "create" and .stage == "RequestReceived" and .user.username == "kf-auditee")' "$A")" ] ||
	fail "RequestReceived logged for an omitted stage"

ev=$(query '.verb == "get" and .objectRef.resource == "clusterroles"')
[ -n "$ev" ] || fail "no refused get event"
expect_eq "$(jq -r .responseStatus.code <<<"$ev")" 403 "refused get's code"
expect_eq "$(jq -r '.annotations["authorization.k8s.io/decision"]' <<<"$ev")" forbid "refused get's decision"
expect_eq "$(jq -r .objectRef.apiGroup <<<"$ev")" rbac.authorization.k8s.io "refused get's apiGroup"
# Metadata events have both stages, one auditID
id=$(jq -r .auditID <<<"$ev")
expect_eq "$(jq -r "select(.auditID == \"$id\") | .stage" "$A" | tr '\n' ' ')" \
	"RequestReceived ResponseComplete " "stages of one request"

ev=$(query '.verb == "delete"')
expect_eq "$(jq -r .responseStatus.code <<<"$ev")" 200 "delete's code"
expect_eq "$(jq -r .objectRef.name <<<"$ev")" audited "delete's objectRef"

# the Secret: logged, at Metadata, without its data
jq -c 'select(.objectRef.resource == "secrets")' "$A" | qgrep '"verb":"create"' ||
	fail "the Secret's create was not logged"
qgrep -F -e e2e-secret-9d1 "$A" && fail "the Secret's data reached the log"
qgrep -F -e "$(printf e2e-secret-9d1 | base64)" "$A" && fail "the Secret's data reached the log"
# healthz: None
qgrep -F '"/healthz"' "$A" && fail "healthz was logged at level None"

# rotation: past 1 MiB the log moves aside; two backups are kept
f=$CM/ro
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ro}\n' >"$f"
for i in $(seq 2200); do read -r _ <"$f"; done
for i in $(seq 2200); do read -r _ <"$f"; done
n=$(find "$T/audit" -name 'audit-*.log' | wc -l)
[ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "expected 1 or 2 rotated logs, found $n: $(ls "$T/audit")"
[ "$(stat -c %s "$A")" -le $((1 << 20)) ] || fail "the log grew past --audit-log-maxsize"
for f in "$T"/audit/audit-*.log; do
	jq -e . "$f" >/dev/null || fail "$f is not JSON lines"
done
echo ok
