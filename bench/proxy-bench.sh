#!/bin/bash
# kubefs-proxy benchmarks, each against a baseline in the same run:
#  1. rule syncs, rules only (bench/proxy_bench.c): full table vs one
#     changed endpoint, at PROXY_BENCH_SERVICES (default "1000 10000")
#     Services x 10 endpoints, with the rule count;
#  2. requests through a ClusterIP vs straight to the pod IP, with
#     bench/proxy_http.c (one new connection per request, each
#     connection taking the targets in turn) against a busybox httpd pod, in
#     network namespaces of the bench's own, from two client pods: one
#     on another bridge of the node (its traffic to the pod IP is routed
#     by the node too: the difference is the proxy's own cost) and one
#     on the pod's bridge (to the pod IP: bridged, never through the
#     node's IP stack).
# Root needed (network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
O=${O:-build/obj}
BIN=${BIN:-bin}
SERVICES=${PROXY_BENCH_SERVICES:-1000 10000}
SECONDS_=${PROXY_BENCH_SECONDS:-20}
CONNS=${PROXY_BENCH_CONNECTIONS:-2}

echo "-- rule sync (rules only, private network namespace)"
for n in $SERVICES; do
	rounds=20
	[ "$n" -ge 5000 ] && rounds=10
	"$O/bench/proxy_bench" "$n" 10 "$rounds"
done

echo "-- requests: ClusterIP vs pod IP (${SECONDS_}s, $CONNS connections, targets taken in turn)"
W=$(mktemp -d /tmp/kubefs-proxy-bench.XXXXXX)
ID=$(printf '%x' $(($$ % 65536)))
NS="kpb$ID"
FS=
PX=
HT=
cleanup() {
	set +e
	for p in $PX $HT; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	if [ -n "$FS" ]; then kill "$FS"; wait "$FS" 2>/dev/null; fi
	fusermount3 -u -z "$W/mnt" 2>/dev/null
	for n in node pod client routed; do ip netns del "$NS-$n" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt" "$W/www"
"$BIN/kubefs-fs" --foreground --store "$W/store" --log "$W/fs.log" "$W/mnt" &
FS=$!
for _ in $(seq 1 100); do [ "$(cat "$W/mnt/healthz" 2>/dev/null)" = ok ] && break; sleep 0.05; done
for n in node pod client routed; do ip netns add "$NS-$n"; ip -n "$NS-$n" link set lo up; done
ip netns exec "$NS-node" sysctl -qw net.ipv4.ip_forward=1
# pod: the server; client: on its bridge; routed: on another bridge
for b in 1 2; do
	ip -n "$NS-node" link add "kbr$b" type bridge
	ip -n "$NS-node" addr add "10.244.$b.1/24" dev "kbr$b"
	ip -n "$NS-node" link set "kbr$b" up
done
for p in pod:1.11 client:1.12 routed:2.12; do
	n=${p%%:*} a=${p#*:}
	ip -n "$NS-node" link add "v-$n" type veth peer name eth0 netns "$NS-$n"
	ip -n "$NS-node" link set "v-$n" master "kbr${a%%.*}" up
	ip -n "$NS-$n" addr add "10.244.$a/24" dev eth0
	# a second address: the source of the ClusterIP requests (see below)
	ip -n "$NS-$n" addr add "10.244.${a%%.*}.$((${a#*.} + 100))/24" dev eth0
	ip -n "$NS-$n" link set eth0 up
	ip -n "$NS-$n" route add default via "10.244.${a%%.*}.1"
done
head -c 1024 /dev/zero | tr '\0' x > "$W/www/index.html"
ip netns exec "$NS-pod" busybox httpd -f -p 8080 -h "$W/www" </dev/null >/dev/null 2>&1 &
HT=$!
printf '{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"ports":[{"name":"http","port":80,"targetPort":8080}]}}' \
	> "$W/mnt/core/v1/services/default/web"
printf '{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"web-1","labels":{"kubernetes.io/service-name":"web"}},"addressType":"IPv4","ports":[{"name":"http","port":8080,"protocol":"TCP"}],"endpoints":[{"addresses":["10.244.1.11"],"conditions":{"ready":true}}]}' \
	> "$W/mnt/discovery.k8s.io/v1/endpointslices/default/web-1"
CIP=$(jq -r .spec.clusterIP "$W/mnt/core/v1/services/default/web@json")
ip netns exec "$NS-node" "$BIN/kubefs-proxy" --cluster "$W/mnt" \
	--cluster-cidr 10.244.0.0/16 --min-sync-period 100ms >"$W/proxy.log" 2>&1 &
PX=$!
for _ in $(seq 1 100); do
	ip netns exec "$NS-client" curl -s --max-time 1 "http://$CIP/" >/dev/null && break
	sleep 0.1
done

# Each target from an address of its own: one source port reused for the
# pod IP and then the ClusterIP within conntrack's TIME_WAIT would make
# two entries with one reply tuple, and the kernel drops the SYN.
echo " from a pod on another bridge (both routed by the node; the first line is the baseline):"
ip netns exec "$NS-routed" "$O/bench/proxy_http" "$SECONDS_" "$CONNS" \
	10.244.1.11:8080@10.244.2.12 "$CIP:80@10.244.2.112"
echo " from a pod on the server's bridge (pod IP bridged, ClusterIP routed and DNATed):"
ip netns exec "$NS-client" "$O/bench/proxy_http" "$SECONDS_" "$CONNS" \
	10.244.1.11:8080@10.244.1.12 "$CIP:80@10.244.1.112"
