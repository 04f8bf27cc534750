/*
 * test_proxy_dns.c — the records kubefs-proxy gives dnsmasq
 * (proxy/dns.h dns_render): A for ClusterIPs, one A per ready endpoint of
 * a headless Service, HOST.NAME records, SRV for named ports only,
 * nothing for ExternalName, sorted output.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/dns.h"

static void test_render(void **state)
{
	json_t *svcs = json_loads(
	    "[{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},"
	    "\"spec\":{\"clusterIP\":\"10.96.0.20\",\"ports\":[{\"name\":"
	    "\"http\",\"port\":80,\"protocol\":\"TCP\"},{\"port\":81}]}},"
	    "{\"metadata\":{\"name\":\"db\",\"namespace\":\"prod\"},"
	    "\"spec\":{\"clusterIP\":\"None\",\"ports\":[{\"name\":\"pg\","
	    "\"port\":5432,\"protocol\":\"UDP\"}]}},"
	    "{\"metadata\":{\"name\":\"ext\",\"namespace\":\"default\"},"
	    "\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"a.b\"}}]",
	    0, NULL);
	json_t *slices = json_loads(
	    "[{\"metadata\":{\"name\":\"db-1\",\"namespace\":\"prod\","
	    "\"labels\":{\"kubernetes.io/service-name\":\"db\"}},"
	    "\"endpoints\":[{\"addresses\":[\"10.244.1.2\"],\"hostname\":"
	    "\"db-0\"},{\"addresses\":[\"10.244.1.3\"],\"conditions\":"
	    "{\"ready\":false}}]},"
	    "{\"metadata\":{\"name\":\"x\",\"namespace\":\"default\","
	    "\"labels\":{\"kubernetes.io/service-name\":\"db\"}},"
	    "\"endpoints\":[{\"addresses\":[\"10.244.9.9\"]}]}]",
	    0, NULL);
	char *hosts = NULL, *srv = NULL;

	assert_non_null(svcs);
	assert_non_null(slices);
	assert_int_equal(
	    dns_render("cluster.local", svcs, slices, &hosts, &srv), 0);
	assert_string_equal(hosts,
			    "10.244.1.2 db-0.db.prod.svc.cluster.local\n"
			    "10.244.1.2 db.prod.svc.cluster.local\n"
			    "10.96.0.20 web.default.svc.cluster.local\n");
	assert_string_equal(srv, "srv-host=_http._tcp.web.default.svc."
				 "cluster.local,web.default.svc.cluster."
				 "local,80\n"
				 "srv-host=_pg._udp.db.prod.svc.cluster."
				 "local,db.prod.svc.cluster.local,5432\n");
	free(hosts);
	free(srv);
	json_decref(svcs);
	json_decref(slices);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
