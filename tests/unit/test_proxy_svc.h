/*
 * test_proxy_svc.h — what the rules tests share: the generator's
 * configuration (node "node-a", pods in 10.244.0.0/16) and the Service
 * default/web, ClusterIP 10.96.0.20, port http 80/TCP -> 8080, with extra
 * spec fields ("\"type\":\"NodePort\"", ...) appended. Include after
 * cmocka.h.
 */
#ifndef KUBEFS_TEST_PROXY_SVC_H
#define KUBEFS_TEST_PROXY_SVC_H

#include <jansson.h>
#include <stdio.h>

#include "proxy/rules.h"

static const struct rules_config cfg = {
    .table = "kubefs",
    .node_name = "node-a",
    .cluster_cidr4 = "10.244.0.0/16",
};

static inline json_t *svc(const char *extra_spec)
{
	char buf[4096];
	json_t *j;

	snprintf(buf, sizeof(buf),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Service\","
		 "\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},"
		 "\"spec\":{\"clusterIP\":\"10.96.0.20\",\"clusterIPs\":"
		 "[\"10.96.0.20\"],\"ports\":[{\"name\":\"http\",\"port\":80,"
		 "\"protocol\":\"TCP\",\"targetPort\":8080}]%s%s}}",
		 extra_spec ? "," : "", extra_spec ? extra_spec : "");
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	return j;
}

#endif
