/*
 * test_dnsconfig.c — a pod's resolv.conf by the kubelet's rules
 * (nodeagent/dnsconfig.h): ClusterFirst with and without a cluster DNS
 * address, hostNetwork, ClusterFirstWithHostNet, Default, None with
 * dnsConfig, options replaced by name, the name server limit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nodeagent/dnsconfig.h"

static const char host[] = "# generated\n"
			   "nameserver 127.0.0.53\n"
			   "nameserver 192.0.2.1\n"
			   "search corp.example\n"
			   "options edns0 ndots:1\n";

/* The resolv.conf of a pod in namespace "web" with this spec. */
static char *render(const char *spec, const char *dns, const char *hosttext)
{
	char buf[1024];
	json_t *pod;
	char *out = NULL;

	snprintf(buf, sizeof(buf),
		 "{\"metadata\":{\"name\":\"p\",\"namespace\":\"web\"},"
		 "\"spec\":%s}",
		 spec);
	pod = json_loads(buf, 0, NULL);
	assert_non_null(pod);
	assert_int_equal(dnsconfig_render(pod, dns, hosttext, &out), 0);
	json_decref(pod);
	return out;
}

static void expect(const char *spec, const char *dns, const char *want)
{
	char *got = render(spec, dns, host);

	assert_string_equal(got, want);
	free(got);
}

static const char cluster[] =
    "nameserver 10.96.0.10\n"
    "search web.svc.cluster.local svc.cluster.local cluster.local "
    "corp.example\n"
    "options ndots:5\n";
static const char from_host[] = "nameserver 192.0.2.1\n"
				"search corp.example\n"
				"options edns0 ndots:1\n";

static void test_cluster_first(void **state)
{
	expect("{}", "10.96.0.10", cluster);
	expect("{\"dnsPolicy\":\"ClusterFirst\"}", "10.96.0.10", cluster);
	expect("{\"dnsPolicy\":\"ClusterFirstWithHostNet\","
	       "\"hostNetwork\":true}",
	       "10.96.0.10", cluster);
}

static void test_host(void **state)
{
	/* no cluster DNS: the kubelet falls back to the host's */
	expect("{\"dnsPolicy\":\"ClusterFirst\"}", NULL, from_host);
	expect("{\"dnsPolicy\":\"ClusterFirst\"}", "", from_host);
	expect("{\"dnsPolicy\":\"ClusterFirst\",\"hostNetwork\":true}",
	       "10.96.0.10", from_host);
	expect("{\"dnsPolicy\":\"Default\"}", "10.96.0.10", from_host);
}

static void test_none_and_config(void **state)
{
	expect("{\"dnsPolicy\":\"None\",\"dnsConfig\":{\"nameservers\":"
	       "[\"1.2.3.4\"],\"searches\":[\"a.example\"],\"options\":"
	       "[{\"name\":\"ndots\",\"value\":\"2\"},{\"name\":\"edns0\"}]}}",
	       "10.96.0.10",
	       "nameserver 1.2.3.4\nsearch a.example\n"
	       "options ndots:2 edns0\n");
	expect("{\"dnsPolicy\":\"None\"}", "10.96.0.10", "");
	/* appended to the policy's, duplicates dropped, options by name */
	expect("{\"dnsConfig\":{\"nameservers\":[\"10.96.0.10\",\"1.1.1.1\","
	       "\"2.2.2.2\",\"3.3.3.3\"],\"searches\":[\"cluster.local\","
	       "\"x.example\"],\"options\":[{\"name\":\"ndots\",\"value\":"
	       "\"3\"}]}}",
	       "10.96.0.10",
	       "nameserver 10.96.0.10\nnameserver 1.1.1.1\n"
	       "nameserver 2.2.2.2\n"
	       "search web.svc.cluster.local svc.cluster.local cluster.local "
	       "corp.example x.example\n"
	       "options ndots:3\n");
}

static void test_host_file(void **state)
{
	char *got;

	/* no host file, and one with only loopback servers and a domain */
	got = render("{\"dnsPolicy\":\"Default\"}", NULL, NULL);
	assert_string_equal(got, "");
	free(got);
	got = render("{\"dnsPolicy\":\"Default\"}", NULL,
		     "nameserver ::1\nsearch a.example\ndomain b.example\n");
	assert_string_equal(got, "search b.example\n");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cluster_first),
	    cmocka_unit_test(test_host),
	    cmocka_unit_test(test_none_and_config),
	    cmocka_unit_test(test_host_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
