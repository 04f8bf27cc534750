# Sourced by the real-node e2e scripts that pull (after node-lib.sh):
# Debian's docker-registry on loopback, and a busybox image pushed to it
# with curl.

registry_skip_unless_able() {
	command -v docker-registry >/dev/null || skip "docker-registry is not installed"
}

# reg_start [HTPASSWD]: a registry at $REG (basic auth from the htpasswd
# file HTPASSWD when given); REG_PID is its pid.
reg_start() {
	REG_PORT=$(free_port)
	REG=127.0.0.1:$REG_PORT
	mkdir -p "$T/registry"
	{
		printf 'version: 0.1\nlog: {level: error}\n'
		printf 'storage: {filesystem: {rootdirectory: %s}}\n' "$T/registry"
		printf 'http: {addr: %s}\n' "$REG"
		[ -z "${1:-}" ] || printf 'auth: {htpasswd: {realm: kubefs-test, path: %s}}\n' "$1"
	} >"$T/registry.yml"
	docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
	REG_PID=$!
	WATCH_PIDS="$WATCH_PIDS $REG_PID"
	wait_long 20 reg_up
}
reg_up() {
	case "$(curl -s -o /dev/null -w '%{http_code}' "http://$REG/v2/")" in
	200 | 401) return 0 ;;
	esac
	return 1
}

reg_stop() {
	kill "$REG_PID"
	wait "$REG_PID" 2>/dev/null || true
}

# reg_push REPO TAG [CURL ARGS]: push an OCI busybox image as REPO:TAG;
# REG_DIGEST is its manifest's digest.
reg_push() {
	local repo=$1 tag=$2 b h loc sep code
	shift 2
	"$E2E_SRC/tests/images/build-busybox.sh" oci "$T/oci.tar" "$repo:$tag"
	rm -rf "$T/oci" && mkdir -p "$T/oci" && tar -xf "$T/oci.tar" -C "$T/oci"
	for b in "$T"/oci/blobs/sha256/*; do
		h=$(basename "$b")
		loc=$(curl -s "$@" -D - -o /dev/null -X POST "http://$REG/v2/$repo/blobs/uploads/" |
			tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
		case "$loc" in /*) loc=http://$REG$loc ;; esac
		case "$loc" in *\?*) sep='&' ;; *) sep='?' ;; esac
		code=$(curl -s "$@" -o /dev/null -w '%{http_code}' -X PUT \
			-H 'Content-Type: application/octet-stream' --data-binary "@$b" \
			"$loc${sep}digest=sha256:$h")
		expect_eq "$code" 201 "blob upload"
	done
	REG_DIGEST=$(jq -r '.manifests[0].digest' "$T/oci/index.json")
	code=$(curl -s "$@" -o /dev/null -w '%{http_code}' -X PUT \
		-H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary "@$T/oci/blobs/sha256/${REG_DIGEST#sha256:}" \
		"http://$REG/v2/$repo/manifests/$tag")
	expect_eq "$code" 201 "manifest upload"
}
