#!/bin/bash
# Secrets encrypted at rest (--encryption-provider-config): the store
# file and the snapshot hold no plaintext, reads show it; a bad
# configuration and a missing key are refused at start with Kubernetes'
# sentences; rotation (new key first, restart, rewrite) re-encrypts;
# `kubefs up` writes a fresh key for a new cluster (and an audit policy).
. "$(dirname "$0")/netns-lib.sh" # its kubefs up meets no other cluster
. "$(dirname "$0")/lib.sh"

key() { head -c "${1:-32}" /dev/urandom | base64 -w0; }
enc_config() { # FILE PROVIDER KEYNAME=SECRET...
	local f=$1 p=$2 kv
	shift 2
	{
		printf 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n'
		printf 'resources:\n- resources: [secrets]\n  providers:\n  - %s:\n      keys:\n' "$p"
		for kv in "$@"; do
			printf '      - {name: %s, secret: "%s"}\n' "${kv%%=*}" "${kv#*=}"
		done
		printf '  - identity: {}\n'
	} >"$f"
}
K1=$(key)
K2=$(key)
enc_config "$T/enc1.yaml" secretbox "key1=$K1"
MARK=e2e-plaintext-7f3a9c
MARK64=$(printf %s "$MARK" | base64 -w0)
S=$MNT/core/v1/secrets/default

# a malformed configuration: Kubernetes' sentence, no mount
enc_config "$T/bad.yaml" aescbc "k=$(key 8)"
out=$(kubefs-fs --foreground --store "$T/store" \
	--encryption-provider-config "$T/bad.yaml" "$MNT" 2>&1) &&
	fail "kubefs-fs started with an 8-byte aescbc key"
expect_contains "$out" 'error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of [16 24 32]'

start_fs --encryption-provider-config "$T/enc1.yaml"
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: %s}\n' "$MARK" >"$S/db"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pub}\ndata: {a: %s}\n' "$MARK" \
	>"$MNT/core/v1/configmaps/default/pub"
expect_eq "$(yq -r .data.password "$S/db" | base64 -d)" "$MARK" "the Secret read back"
expect_eq "$(jq -r .data.password "$S/db@json" | base64 -d)" "$MARK" "the Secret's @json"
cat "$MNT/snapshot" >"$T/snap.mdb"
for f in "$T/store/data.mdb" "$T/snap.mdb"; do
	strings "$f" | qgrep -F -e "$MARK64" && fail "$f holds the Secret's plaintext"
	strings "$f" | qgrep -F 'k8s:enc:secretbox:v1:key1:' ||
		fail "$f holds no secretbox value"
	# not encrypted: the ConfigMap (only secrets are listed)
	strings "$f" | qgrep -F "$MARK" || fail "$f lost the ConfigMap"
done
# a list, a watch from the start and a replace see plaintext too
ls "$S" | qgrep '^db$' || fail "the Secret is not listed"
timeout 20 cat "$S/@watch?resourceVersion=0&timeoutSeconds=1" >"$T/watch.out" 2>/dev/null || true
qgrep -F "$MARK64" "$T/watch.out" || fail "the watch did not show the Secret"
stop_fs

# the key missing or wrong: refused at start, with the key named
enc_config "$T/wrong.yaml" secretbox "key1=$K2"
enc_config "$T/other.yaml" secretbox "key9=$K2"
for f in wrong other; do
	kubefs-fs --foreground --store "$T/store" --log "$T/$f.out" \
		--encryption-provider-config "$T/$f.yaml" "$MNT" >>"$T/$f.out" 2>&1 &&
		fail "kubefs-fs started with $f.yaml"
done
qgrep -F 'unable to transform key "core/secrets/default/db": output array was not large enough for encryption' \
	"$T/wrong.out" || fail "no sentence for a wrong key: $(cat "$T/wrong.out")"
# (identity, listed last, has the last word, as in Kubernetes)
qgrep -F 'unable to transform key "core/secrets/default/db": identity transformer tried to read encrypted data' \
	"$T/other.out" || fail "no sentence for a missing key: $(cat "$T/other.out")"

# rotation: key2 first, key1 still there; rewrite every Secret unchanged
enc_config "$T/enc2.yaml" secretbox "key2=$K2" "key1=$K1"
start_fs --encryption-provider-config "$T/enc2.yaml"
expect_eq "$(yq -r .data.password "$S/db" | base64 -d)" "$MARK" "the Secret under the rotated config"
for n in $(ls "$S"); do
	cat "$S/$n" >"$T/s.yaml" && cat "$T/s.yaml" >"$S/$n"
done
stop_fs
strings "$T/store/data.mdb" | qgrep -F 'k8s:enc:secretbox:v1:key2:' ||
	fail "the rewrite did not re-encrypt with key2"
# the old key may go now
enc_config "$T/enc3.yaml" secretbox "key2=$K2"
start_fs --encryption-provider-config "$T/enc3.yaml"
expect_eq "$(yq -r .data.password "$S/db" | base64 -d)" "$MARK" "the Secret after dropping key1"
stop_fs

# kubefs up: a fresh key, 0600, used for Secrets (its cluster is stopped
# even when a check fails)
trap 'rc=$?; kubefs --mount "$MNT" down --state "$T/up" >/dev/null 2>&1 || true; (exit $rc); cleanup' EXIT
kubefs --mount "$MNT" up --state "$T/up" --nodes 0 >"$T/up.out" 2>&1 ||
	fail "kubefs up: $(cat "$T/up.out")"
expect_eq "$(stat -c %a "$T/up/encryption-config.yaml")" 600 "mode of the generated config"
qgrep -F 'secretbox:' "$T/up/encryption-config.yaml" || fail "no secretbox key generated"
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: up}\nstringData: {password: %s}\n' "$MARK" >"$S/up"
strings "$T/up/store/data.mdb" | qgrep -F -e "$MARK64" && fail "kubefs up stored a Secret in plaintext"
strings "$T/up/store/data.mdb" | qgrep -F 'k8s:enc:secretbox:v1:key1:' ||
	fail "kubefs up's Secret is not encrypted"
# ... and an audit log at Metadata, without the Secret's data
has_event() { jq -c "select($1)" "$2" | qgrep .; }
wait_for has_event '.verb == "create" and .objectRef.resource == "secrets" and .objectRef.name == "up"' \
	"$T/up/log/audit.log"
expect_eq "$(jq -r 'select(.objectRef.name == "up") | .level' "$T/up/log/audit.log" | sort -u)" Metadata \
	"level of kubefs up's audit policy"
qgrep -F -e "$MARK64" "$T/up/log/audit.log" && fail "the audit log holds the Secret's data"
kubefs --mount "$MNT" down --state "$T/up" >/dev/null 2>&1 || fail "kubefs down"
echo ok
