#!/bin/bash
# Cluster DNS: kubefs-proxy keeps dnsmasq's records; the kube-dns Service
# (kube-system, fixed ClusterIP) reaches it through the proxy's rules.
# From a pod: NAME.NS.svc.cluster.local is the ClusterIP, a headless
# Service has one address per ready endpoint, SRV for a named port, PTR
# for the ClusterIP, unknown cluster names are NXDOMAIN; a new Service
# resolves once created.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/08-netlib.inc"
command -v dnsmasq >/dev/null || skip "dnsmasq is not installed"
S=$MNT/core/v1/services/default
E=$MNT/discovery.k8s.io/v1/endpointslices/default
DNS=10.96.0.10

start_fs
mk_node node 10.244.1.1/24
mk_pod node p1 10.244.1.11/24 10.244.1.1
mk_pod node p2 10.244.1.12/24 10.244.1.1

cat > "$S/web" <<YAML
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
YAML
cat > "$S/db" <<YAML
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  ports: [{name: pg, port: 5432}]
YAML
CIP=$(jq -r .spec.clusterIP "$S/web@json")
slice db-1 db pg 5432 "10.244.1.11:true 10.244.1.12:true 10.244.1.13:false" > "$E/db-1"

start_proxy node --cluster-cidr 10.244.0.0/16 --min-sync-period 100ms \
	--cluster-dns-ip "$DNS" --dns-listen 10.244.1.1 --dns-dir "$T/dns"
kube_dns() { [ "$(jq -r .spec.clusterIP "$MNT/core/v1/services/kube-system/kube-dns@json")" = "$DNS" ]; }
wait_net 20 kube_dns

lookup() { in_ns p1 busybox nslookup "$@" "$DNS" 2>&1; }
resolves() { local out; out=$(lookup "$1"); case $out in *"Address: $2"*) return 0 ;; esac; return 1; }
wait_net 20 resolves web.default.svc.cluster.local "$CIP"

out=$(lookup db.default.svc.cluster.local)
expect_contains "$out" "Address: 10.244.1.11" "headless db"
expect_contains "$out" "Address: 10.244.1.12" "headless db"
case $out in *10.244.1.13*) fail "not-ready endpoint in DNS: $out" ;; esac

expect_contains "$(lookup -type=srv _http._tcp.web.default.svc.cluster.local)" \
	"80 web.default.svc.cluster.local" "SRV of web's named port"
expect_contains "$(lookup "$CIP")" "name = web.default.svc.cluster.local" "PTR of $CIP"
expect_contains "$(lookup nope.default.svc.cluster.local)" "NXDOMAIN" "unknown name"

cat > "$S/api" <<YAML
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  ports: [{port: 80}]
YAML
AIP=$(jq -r .spec.clusterIP "$S/api@json")
wait_net 20 resolves api.default.svc.cluster.local "$AIP"

stop_proxy
pgrep -f "dnsmasq --keep-in-foreground --conf-file=$T/dns" >/dev/null &&
	fail "dnsmasq left running after the proxy stopped"
echo ok
