# Sourced first by the story tests (tests/e2e/10xx-story*.sh): the script
# runs in its own network namespace (netns-lib.sh), then lib.sh and
# tests/images/node-lib.sh, a kubefs up cluster under $S, and helpers.
. "$(dirname "${BASH_SOURCE[0]}")/netns-lib.sh"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
S=$T/state
ROOT=$S/node
. "$E2E_SRC/tests/images/node-lib.sh"
node_skip_unless_able
for tool in nft dnsmasq curl; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done

D=$MNT/apps/v1/deployments/default
RS=$MNT/apps/v1/replicasets/default
SVC=$MNT/core/v1/services/default
EP=$MNT/core/v1/endpoints/default
DNS_IP=10.96.0.10

# story_up [kubefs up flags]: the cluster, with the node Ready
story_up() {
	kubefs --mount "$MNT" up --state "$S" --nodes 1 --node-name n1 \
		--pod-cidr "$POD_CIDR" "$@" >"$T/up.out" 2>&1 ||
		fail "kubefs up: $(cat "$T/up.out")"
	wait_long 30 node_ready n1
}

# story_images: the offline image, as make up prepares it
story_images() {
	"$E2E_SRC/examples/local-image.sh" "$KUBEFS_BIN" "$ROOT" >"$T/images.out" 2>&1 ||
		fail "examples/local-image.sh: $(cat "$T/images.out")"
}

# The seed's manifests with the documented one-line image change.
story_manifests() {
	cp "$E2E_SRC/examples/deployment.yaml" "$E2E_SRC/examples/service.yaml" "$T/"
	sed -i 's|image: .*|image: kubefs-httpd:1|' "$T/deployment.yaml"
}

# set_image FROM TO: sed -i of the Deployment's image, again if the
# write lost a race with a controller's status update (sed reads the
# object with its resourceVersion: a write after a newer change is a
# Conflict, "Stale file handle", and changes nothing, as in Kubernetes)
set_image() {
	local i
	for i in $(seq 1 20); do
		sed -i "s|$1|$2|" "$D/nginx" 2>>"$T/sed.err" && break
		sleep 0.2
	done
	[ "$(jq -r .spec.template.spec.containers[0].image "$D/nginx@json")" = "$2" ] ||
		fail "sed -i of the image: $(cat "$T/sed.err")"
}

# The nginx pods as JSON, one per line.
nginx_pods() {
	local f
	for f in "$P"/nginx-*; do
		[ -e "$f" ] && cat "$f@json" 2>/dev/null
	done | jq -c 'select(.metadata.labels.app == "nginx")'
}
# running IMAGE N: exactly N nginx pods are Running, not terminating,
# ready, all with IMAGE, and no other nginx pod exists
running() {
	local all
	all=$(nginx_pods)
	[ "$(echo "$all" | jq -s --arg i "$1" '[.[] | select(
		.metadata.deletionTimestamp == null and .status.phase == "Running"
		and .spec.containers[0].image == $i and .status.podIP != null and
		([.status.conditions[]? | select(.type == "Ready" and
		  .status == "True")] | length) == 1)] | length')" = "$2" ] &&
		[ "$(echo "$all" | jq -s length)" = "$2" ]
}
pod_ips() {
	nginx_pods | jq -r 'select(.status.phase == "Running") | .status.podIP' | sort
}
endpoint_ips() {
	jq -r '[.subsets[]?.addresses[]?.ip] | sort | .[]' "$EP/nginx@json" 2>/dev/null
}
endpoints_match() {
	local want
	want=$(pod_ips)
	[ -n "$want" ] && [ "$(endpoint_ips)" = "$want" ]
}
# the Service's EndpointSlices (one is enough for a few pods)
slice_count() {
	local f
	for f in "$MNT"/discovery.k8s.io/v1/endpointslices/default/*; do
		[ -e "$f" ] && cat "$f@json"
	done | jq -s '[.[] | select(.metadata.labels."kubernetes.io/service-name" == "nginx")] | length'
}
cluster_ip() { jq -r .spec.clusterIP "$SVC/nginx@json"; }
# serves URL [curl args]: the page comes back
serves() {
	[ "$(curl -s -m 3 "$@")" = "hello from kubefs" ]
}
# by_name URL: curl with cluster DNS as the resolver (a netns view of
# this namespace whose /etc/resolv.conf points at it)
by_name() {
	[ "$(ip netns exec "$E2E_NETNS" curl -s -m 3 "$1")" = "hello from kubefs" ]
}
story_resolver() {
	mkdir -p "/etc/netns/$E2E_NETNS"
	printf 'nameserver %s\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n' \
		"$DNS_IP" >"/etc/netns/$E2E_NETNS/resolv.conf"
}

# What the deployment could leave on the host: "CONTAINERS NETNS CGROUPS
# VETHS PODDIRS RULES" — runc containers, pod network namespaces (nsfs
# mounts under the root), pod cgroups, veths, pod directories, and
# nftables rules that name default/nginx.
story_leftovers() {
	local ctrs netns cgroups veths pods rules br
	ctrs=$(runc --root "$ROOT/runc" list -q 2>/dev/null | grep -c . || true)
	netns=$(grep -F " $ROOT/pods/" /proc/self/mountinfo | grep -c nsfs || true)
	br=$(node_bridge)
	cgroups=0
	[ -n "$br" ] && cgroups=$(find /sys/fs/cgroup/*/"kubefs-${br#kfb}" -type d \
		-name 'pod*' 2>/dev/null | wc -l)
	veths=$(ip -o link show type veth 2>/dev/null | grep -vc ' kfd[01]@' || true)
	pods=$(find "$ROOT/pods" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	rules=$(nft list table ip kubefs 2>/dev/null | grep -c 'default/nginx' || true)
	echo "$ctrs $netns $cgroups $veths $pods $rules"
}
