/*
 * test_proxy_netroutes.c — the ip(8)/bridge(8) commands that route pod
 * CIDRs between nodes (proxy/netroutes.h netroutes_plan): host-gw,
 * VXLAN with derived MACs, stale routes of ours deleted, own node and
 * incomplete Nodes and unusable pod CIDRs skipped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/netroutes.h"

static json_t *nodes(void)
{
	json_t *j = json_loads(
	    "[{\"metadata\":{\"name\":\"a\"},\"spec\":{\"podCIDR\":"
	    "\"10.244.1.0/24\"},\"status\":{\"addresses\":[{\"type\":"
	    "\"InternalIP\",\"address\":\"192.168.88.1\"}]}},"
	    "{\"metadata\":{\"name\":\"b\"},\"spec\":{\"podCIDR\":"
	    "\"10.244.2.0/24\"},\"status\":{\"addresses\":[{\"type\":"
	    "\"Hostname\",\"address\":\"b\"},{\"type\":\"InternalIP\","
	    "\"address\":\"192.168.88.2\"}]}},"
	    "{\"metadata\":{\"name\":\"c\"},\"spec\":{}}]",
	    0, NULL);

	assert_non_null(j);
	return j;
}

static void test_host_gw(void **state)
{
	struct netroutes_config cfg = {.node_name = "a"};
	json_t *n = nodes();
	char *plan = NULL;

	assert_int_equal(netroutes_plan(&cfg, n,
					"10.244.2.0/24 via 192.168.88.2 dev x "
					"proto 76\n10.244.7.0/24 via 1.2.3.4 "
					"dev x proto 76\n",
					&plan),
			 0);
	assert_string_equal(plan, "route replace 10.244.2.0/24 via "
				  "192.168.88.2 proto 76\n"
				  "route del 10.244.7.0/24 proto 76\n");
	free(plan);
	json_decref(n);
}

static void test_vxlan(void **state)
{
	struct netroutes_config cfg = {.node_name = "a", .vxlan = true};
	json_t *n = nodes();
	char *plan = NULL;

	assert_int_equal(netroutes_plan(&cfg, n, NULL, &plan), 0);
	assert_non_null(strstr(plan, "link add kubefs.1 type vxlan id 1 "
				     "dstport 8472 local 192.168.88.1"));
	assert_non_null(strstr(plan, "link set kubefs.1 address "
				     "0a:58:c0:a8:58:01\n"));
	assert_non_null(strstr(plan, "address replace 10.244.1.0/32 dev "
				     "kubefs.1\n"));
	assert_non_null(strstr(plan, "neigh replace 10.244.2.0 lladdr "
				     "0a:58:c0:a8:58:02 dev kubefs.1"));
	assert_non_null(strstr(plan, "bridge fdb replace 0a:58:c0:a8:58:02 "
				     "dev kubefs.1 dst 192.168.88.2"));
	assert_non_null(strstr(plan, "route replace 10.244.2.0/24 via "
				     "10.244.2.0 dev kubefs.1 onlink"));
	assert_null(strstr(plan, "10.244.1.0/24"));
	free(plan);
	json_decref(n);
}

/* Pod CIDRs through api/netaddr.h: host bits masked away; not IPv4, a
 * prefix outside /8../30, an IPv6 or malformed InternalIP: skipped. */
static void test_pod_cidrs(void **state)
{
	struct netroutes_config cfg = {.node_name = "a"};
	json_t *n = json_loads(
	    "[{\"metadata\":{\"name\":\"d\"},\"spec\":{\"podCIDR\":"
	    "\"10.244.4.9/24\"},\"status\":{\"addresses\":[{\"type\":"
	    "\"InternalIP\",\"address\":\"fd00::4\"},{\"type\":"
	    "\"InternalIP\",\"address\":\"192.168.88.4\"}]}},"
	    "{\"metadata\":{\"name\":\"e\"},\"spec\":{\"podCIDR\":"
	    "\"10.244.5.0/31\"},\"status\":{\"addresses\":[{\"type\":"
	    "\"InternalIP\",\"address\":\"192.168.88.5\"}]}},"
	    "{\"metadata\":{\"name\":\"f\"},\"spec\":{\"podCIDR\":"
	    "\"fd00:10:244:6::/64\"},\"status\":{\"addresses\":[{\"type\":"
	    "\"InternalIP\",\"address\":\"192.168.88.6\"}]}},"
	    "{\"metadata\":{\"name\":\"g\"},\"spec\":{\"podCIDR\":"
	    "\"10.244.7.0/24\"},\"status\":{\"addresses\":[{\"type\":"
	    "\"InternalIP\",\"address\":\"192.168.088.7\"}]}}]",
	    0, NULL);
	char *plan = NULL;

	assert_non_null(n);
	assert_int_equal(netroutes_plan(&cfg, n, NULL, &plan), 0);
	assert_string_equal(plan, "route replace 10.244.4.0/24 via "
				  "192.168.88.4 proto 76\n");
	free(plan);
	json_decref(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_host_gw),
	    cmocka_unit_test(test_vxlan),
	    cmocka_unit_test(test_pod_cidrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
