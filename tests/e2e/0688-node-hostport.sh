#!/bin/bash
# hostPort through the CNI portmap plugin: a pod's hostPort answers on
# the node's address and on 127.0.0.1 (DNAT to the pod, SNAT for
# loopback), in a network namespace of the test's own (portmap's
# iptables chains are per namespace); the pod's rules go with it.
. "$(dirname "$0")/netns-lib.sh"
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
[ -x /usr/lib/cni/portmap ] || skip "the CNI portmap plugin is not installed"
command -v iptables >/dev/null || skip "iptables is not installed"
node_setup
nodeip=$(jq -r '.status.addresses[] | select(.type == "InternalIP") | .address' \
	"$MNT/core/v1/nodes/n1@json")
HP=$(free_port)
# hp_pod NAME HOSTPORT [HOSTIP]: busybox httpd with that hostPort
hp_pod() {
	printf '%s\n' "apiVersion: v1" "kind: Pod" "metadata: {name: $1}" "spec:" \
		"  nodeName: n1" "  terminationGracePeriodSeconds: 1" \
		"  containers: [{name: httpd, image: busybox, command: [httpd, -f, -p, '80', -h, /var/www]," \
		"    ports: [{containerPort: 80, hostPort: $2${3:+, hostIP: '$3'}}]}]" >"$P/$1"
}
hp_pod hp "$HP"
HP2=$(free_port)
hp_pod hip "$HP2" 127.0.0.1
wait_long 30 is_phase hp Running
answers() { curl -s --max-time 2 "http://$1:$HP/" | qgrep 'hello from kubefs'; }
wait_long 30 answers "$nodeip"
answers 127.0.0.1 || fail "the hostPort does not answer on 127.0.0.1 (portmap's snat)"
# with a hostIP, that address only
wait_long 30 is_phase hip Running
HP=$HP2 wait_long 30 answers 127.0.0.1
HP=$HP2 answers "$nodeip" && fail "a hostPort with hostIP 127.0.0.1 answers on $nodeip"
rm "$P/hip"
wait_long 30 gone hip
rules() { iptables -w -t nat -S 2>/dev/null | grep -c -- "--dport $HP" || true; }
[ "$(rules)" -gt 0 ] || fail "no DNAT rule for the hostPort"

rm "$P/hp"
wait_long 30 gone hp
# the sandbox goes after the pod object (as the kubelet's)
no_rules() { [ "$(rules)" = 0 ]; }
wait_long 30 no_rules
curl -s --max-time 2 "http://$nodeip:$HP/" >/dev/null && fail "the hostPort still answers"
expect_clean
echo ok
