#!/bin/bash
# kubefs-proxy benchmarks, each against a baseline in the same run:
#  1. rule syncs, rules only (bench/proxy_bench.c): full table vs one
#     changed endpoint, at PROXY_BENCH_SERVICES (default "1000 10000")
#     Services x 10 endpoints, with the rule count;
#  2. requests through a ClusterIP vs straight to the pod IP, with wrk
#     from a client pod against busybox httpd pods, in network
#     namespaces of the bench's own.
# Root needed (network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
O=${O:-build/obj}
BIN=${BIN:-bin}
SERVICES=${PROXY_BENCH_SERVICES:-1000 10000}
DURATION=${PROXY_BENCH_DURATION:-10s}

echo "-- rule sync (rules only, private network namespace)"
for n in $SERVICES; do
	rounds=20
	[ "$n" -ge 5000 ] && rounds=5
	"$O/bench/proxy_bench" "$n" 10 "$rounds"
done

command -v wrk >/dev/null || { echo "-- wrk not installed: request bench skipped"; exit 0; }
echo "-- requests: ClusterIP vs pod IP (wrk, $DURATION, 4 connections)"
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
	for n in node pod client; do ip netns del "$NS-$n" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt" "$W/www"
"$BIN/kubefs-fs" --foreground --store "$W/store" --log "$W/fs.log" "$W/mnt" &
FS=$!
for _ in $(seq 1 100); do [ "$(cat "$W/mnt/healthz" 2>/dev/null)" = ok ] && break; sleep 0.05; done
for n in node pod client; do ip netns add "$NS-$n"; ip -n "$NS-$n" link set lo up; done
ip -n "$NS-node" link add kbr0 type bridge
ip -n "$NS-node" addr add 10.244.1.1/24 dev kbr0
ip -n "$NS-node" link set kbr0 up
ip netns exec "$NS-node" sysctl -qw net.ipv4.ip_forward=1
i=10
for p in pod client; do
	i=$((i + 1))
	ip -n "$NS-node" link add "v-$p" type veth peer name eth0 netns "$NS-$p"
	ip -n "$NS-node" link set "v-$p" master kbr0 up
	ip -n "$NS-$p" addr add "10.244.1.$i/24" dev eth0
	ip -n "$NS-$p" link set eth0 up
	ip -n "$NS-$p" route add default via 10.244.1.1
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

run_wrk() { # URL -> "requests/s p50-ms p99-ms"
	ip netns exec "$NS-client" wrk -t 2 -c 4 -d "$DURATION" --latency "$1" |
		tee -a "$W/wrk.out" |
		awk 'function ms(v) {
			if (v ~ /us$/) { sub(/us/, "", v); return v / 1000 }
			if (v ~ /ms$/) { sub(/ms/, "", v); return v }
			if (v ~ /s$/) { sub(/s/, "", v); return v * 1000 }
			return v }
		     /Requests\/sec/ {rps=$2} /^ +50%/ {l=ms($2)} /^ +99%/ {t=ms($2)}
		     END { printf "%s %s %s\n", rps, l, t }'
}
read -r d_rps d_lat d_99 < <(run_wrk "http://10.244.1.11:8080/")
read -r c_rps c_lat c_99 < <(run_wrk "http://$CIP/")
printf '  pod IP (baseline)  %10.0f req/s   p50 %7.3f ms   p99 %8.3f ms\n' "$d_rps" "$d_lat" "$d_99"
printf '  ClusterIP          %10.0f req/s   p50 %7.3f ms   p99 %8.3f ms\n' "$c_rps" "$c_lat" "$c_99"
grep -h "Socket errors" "$W/wrk.out" | sed 's/^/  /' || true
awk -v a="$c_rps" -v b="$d_rps" -v la="$c_lat" -v lb="$d_lat" 'BEGIN {
	printf "  ratio ClusterIP / pod IP: throughput %.3f, p50 latency %.3f\n", a / b, la / lb }'
