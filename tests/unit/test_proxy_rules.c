/*
 * test_proxy_rules.c — the nftables text kubefs-proxy generates from
 * Services and EndpointSlices (proxy/rules.h): balancing, endpoint
 * choice, NodePorts, traffic policies, affinity, refusals, incremental
 * diffs. When nft is installed and we may create network namespaces, the
 * scripts are also checked by the kernel (`nft -c`) in a private one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "proxy/rules.h"
#include "test_proxy_svc.h"

/* One slice; eps is a JSON array text of endpoints. */
static json_t *slices(const char *eps)
{
	char buf[4096];
	json_t *j;

	snprintf(buf, sizeof(buf),
		 "[{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":"
		 "\"EndpointSlice\",\"metadata\":{\"name\":\"web-1\","
		 "\"namespace\":\"default\",\"labels\":{"
		 "\"kubernetes.io/service-name\":\"web\"}},\"addressType\":"
		 "\"IPv4\",\"ports\":[{\"name\":\"http\",\"port\":8080,"
		 "\"protocol\":\"TCP\"}],\"endpoints\":%s}]",
		 eps);
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	return j;
}

#define EP(ip, node, ready, term)                                              \
	"{\"addresses\":[\"" ip "\"],\"nodeName\":\"" node "\","               \
	"\"conditions\":{\"ready\":" ready ",\"serving\":true,"                \
	"\"terminating\":" term "}}"

/* The full script for one Service, malloc'd. */
static char *full(const json_t *s, const json_t *sl, struct rules_frag **keep)
{
	struct rules_frag *f = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	assert_int_equal(rules_service(&cfg, RULES_IP4, s, sl, NULL, &f), 0);
	m = open_memstream(&text, &len);
	assert_non_null(m);
	rules_write_full(m, &cfg, RULES_IP4, &f, 1);
	fclose(m);
	if (keep)
		*keep = f;
	else
		rules_frag_free(f);
	return text;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Check the script with the kernel, in a network namespace of its own.
 * Skipped (true) when that is not possible here. */
static bool nft_accepts(const char *script)
{
	char path[] = "/tmp/kubefs-rules-XXXXXX", cmd[256];
	int fd, rc;

	if (getuid() != 0 || system("command -v nft >/dev/null 2>&1") != 0 ||
	    system("unshare -n true 2>/dev/null") != 0)
		return true;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, script, strlen(script)),
			 (ssize_t)strlen(script));
	close(fd);
	snprintf(cmd, sizeof(cmd), "unshare -n nft -f %s", path);
	rc = system(cmd);
	unlink(path);
	return rc == 0;
}

static void test_cluster_ip_balances_ready(void **state)
{
	_cleanup_json_ json_t *s = svc(NULL);
	_cleanup_json_ json_t *sl =
	    slices("[" EP("10.244.1.2", "node-a", "true", "false") "," EP(
		"10.244.1.3", "node-b", "true",
		"false") "," EP("10.244.1.4", "node-b", "false", "false") "]");
	_cleanup_free_ char *t = full(s, sl, NULL);

	assert_non_null(strstr(t, "add element ip kubefs service-ips { "
				  "10.96.0.20 . tcp . 80 : goto service-"));
	assert_non_null(strstr(t, "meta l4proto tcp dnat ip addr . port to "
				  "numgen random mod 2 map @endpoints-"));
	assert_non_null(strstr(t, "add map ip kubefs endpoints-"));
	assert_non_null(strstr(t, "{ 0 : 10.244.1.2 . 8080, 1 : 10.244.1.3 . "
				  "8080 }"));
	assert_null(strstr(t, "10.244.1.4")); /* not ready */
	assert_non_null(strstr(t, "ip saddr @hairpin-"));
	assert_non_null(strstr(t, "{ 10.244.1.2, 10.244.1.3 }")); /* hairpin */
	assert_null(strstr(t, "map { 0 :")); /* no anonymous map in a rule */
	assert_null(
	    strstr(t, "chain ip kubefs endpoint-")); /* none per endpoint */
	assert_non_null(strstr(t, "ip daddr 10.96.0.20 tcp dport 80 ip saddr "
				  "!= 10.244.0.0/16 jump mark-for-masquerade"));
	assert_non_null(strstr(t, "add element ip kubefs cluster-ips { "
				  "10.96.0.20 }"));
	assert_null(strstr(t, "element ip kubefs no-endpoint-services"));
	assert_true(nft_accepts(t));
}

static void test_no_endpoints_reject(void **state)
{
	_cleanup_json_ json_t *s = svc(NULL);
	_cleanup_free_ char *t = full(s, NULL, NULL);

	assert_non_null(strstr(t, "add element ip kubefs no-endpoint-services "
				  "{ 10.96.0.20 . tcp . 80 : goto "
				  "reject-chain }"));
	assert_null(strstr(t, "dnat ip addr"));
	/* the balancing chain and its sets stay, empty, for the next
	 * endpoint (elements and rules then, no new set) */
	assert_non_null(strstr(t, "add chain ip kubefs service-"));
	assert_int_equal(
	    count(t, "add rule ip kubefs service-"),
	    count(t, "add rule ip kubefs service-endpoints-check")); /* none */
	assert_non_null(strstr(t, "add map ip kubefs endpoints-"));
	assert_non_null(strstr(t, "add set ip kubefs hairpin-"));
	assert_true(nft_accepts(t));
}

static void test_terminating_only_when_none_ready(void **state)
{
	_cleanup_json_ json_t *s = svc(NULL);
	_cleanup_json_ json_t *both =
	    slices("[" EP("10.244.1.2", "node-a", "true", "false") "," EP(
		"10.244.1.3", "node-a", "false", "true") "]");
	_cleanup_json_ json_t *term =
	    slices("[" EP("10.244.1.3", "node-a", "false", "true") "]");
	_cleanup_free_ char *t1 = full(s, both, NULL);
	_cleanup_free_ char *t2 = full(s, term, NULL);

	assert_null(strstr(t1, "10.244.1.3"));
	assert_non_null(strstr(t2, "numgen random mod 1 map @endpoints-"));
	assert_non_null(strstr(t2, "{ 0 : 10.244.1.3 . 8080 }"));
}

static void test_nodeport_local_policy(void **state)
{
	_cleanup_json_ json_t *s =
	    svc("\"type\":\"NodePort\",\"externalTrafficPolicy\":\"Local\","
		"\"externalIPs\":[\"192.0.2.7\"]");
	_cleanup_json_ json_t *sl =
	    slices("[" EP("10.244.1.2", "node-a", "true", "false") "," EP(
		"10.244.2.3", "node-b", "true", "false") "]");
	_cleanup_free_ char *t = NULL;

	json_object_set_new(
	    json_array_get(json_object_get(json_object_get(s, "spec"), "ports"),
			   0),
	    "nodePort", json_integer(30080));
	t = full(s, sl, NULL);
	assert_non_null(strstr(t, "add element ip kubefs service-nodeports { "
				  "tcp . 30080 : goto external-"));
	assert_non_null(strstr(t, "192.0.2.7 . tcp . 80 : goto external-"));
	/* pods and the node itself go to every endpoint, others to local */
	assert_non_null(strstr(t, "ip saddr 10.244.0.0/16 goto service-"));
	assert_non_null(strstr(t, "fib saddr type local goto service-"));
	assert_non_null(strstr(t, "goto local-"));
	assert_int_equal(count(t, "numgen random mod 1 map"), 1);
	assert_int_equal(count(t, "numgen random mod 2 map"), 1);
	assert_true(nft_accepts(t));
}

static void test_internal_local_elsewhere_drops(void **state)
{
	_cleanup_json_ json_t *s = svc("\"internalTrafficPolicy\":\"Local\"");
	_cleanup_json_ json_t *sl =
	    slices("[" EP("10.244.2.3", "node-b", "true", "false") "]");
	_cleanup_free_ char *t = full(s, sl, NULL);

	assert_non_null(strstr(t, "no-endpoint-services { 10.96.0.20 . tcp . "
				  "80 : drop }"));
	assert_null(strstr(t, "element ip kubefs service-ips"));
}

static void test_affinity(void **state)
{
	_cleanup_json_ json_t *s =
	    svc("\"sessionAffinity\":\"ClientIP\",\"sessionAffinityConfig\":"
		"{\"clientIP\":{\"timeoutSeconds\":60}}");
	_cleanup_json_ json_t *sl =
	    slices("[" EP("10.244.1.2", "node-a", "true", "false") "]");
	_cleanup_free_ char *t = full(s, sl, NULL);

	assert_non_null(strstr(t, "add set ip kubefs affinity-"));
	assert_non_null(strstr(t, "{ type ipv4_addr; flags dynamic,timeout; "
				  "timeout 60s; }"));
	assert_non_null(strstr(t, "update @affinity-"));
	assert_non_null(strstr(t, "ip saddr @affinity-"));
	assert_true(nft_accepts(t));
}

static void test_udp_sctp(void **state)
{
	_cleanup_json_ json_t *s = svc(NULL);
	_cleanup_json_ json_t *sl = NULL;
	_cleanup_free_ char *t = NULL;

	json_object_set_new(json_object_get(s, "spec"), "ports",
			    json_pack("[{s:s, s:i, s:s}, {s:s, s:i, s:s}]",
				      "name", "dns", "port", 53, "protocol",
				      "UDP", "name", "sig", "port", 2905,
				      "protocol", "SCTP"));
	sl = json_pack("[{s:s, s:[{s:s, s:i, s:s}, {s:s, s:i, s:s}], "
		       "s:[{s:[s]}]}]",
		       "addressType", "IPv4", "ports", "name", "dns", "port",
		       5353, "protocol", "UDP", "name", "sig", "port", 2905,
		       "protocol", "SCTP", "endpoints", "addresses",
		       "10.244.1.2");
	t = full(s, sl, NULL);
	assert_non_null(strstr(t, "10.96.0.20 . udp . 53 : goto service-"));
	assert_non_null(strstr(t, "meta l4proto udp dnat ip addr . port to "
				  "numgen random mod 1 map @endpoints-"));
	assert_non_null(strstr(t, "{ 0 : 10.244.1.2 . 5353 }"));
	assert_non_null(strstr(t, "10.96.0.20 . sctp . 2905 : goto service-"));
	assert_non_null(strstr(t, "meta l4proto sctp dnat ip addr . port to "
				  "numgen random mod 1 map @endpoints-"));
	assert_non_null(strstr(t, "{ 0 : 10.244.1.2 . 2905 }"));
	assert_true(nft_accepts(t));
}

/* Without affinity one endpoint changed changes elements, nothing else. */
static void test_diff_map(void **state)
{
	_cleanup_json_ json_t *s = svc(NULL);
	_cleanup_json_ json_t *a =
	    slices("[" EP("10.244.1.2", "node-a", "true", "false") "]");
	_cleanup_json_ json_t *b =
	    slices("[" EP("10.244.1.5", "node-a", "true", "false") "]");
	struct rules_frag *fa = NULL, *fb = NULL;
	_cleanup_free_ char *t = NULL;
	_cleanup_free_ char *base = full(s, a, &fa);
	size_t len = 0;
	FILE *m;

	assert_int_equal(rules_service(&cfg, RULES_IP4, s, b, NULL, &fb), 0);
	m = open_memstream(&t, &len);
	assert_int_equal(rules_write_diff(m, &cfg, RULES_IP4, &fa, &fb, 1), 4);
	fclose(m);
	assert_null(strstr(t, "chain"));
	assert_null(strstr(t, "rule"));
	assert_non_null(strstr(t, "delete element ip kubefs endpoints-"));
	assert_non_null(strstr(t, "{ 0 }\ndelete element ip kubefs hairpin-"));
	assert_non_null(strstr(t, "{ 10.244.1.2 }\nadd element ip kubefs "
				  "endpoints-"));
	assert_non_null(strstr(t, "{ 0 : 10.244.1.5 . 8080 }\nadd element ip "
				  "kubefs hairpin-"));
	assert_non_null(strstr(t, "{ 10.244.1.5 }\n"));
	{
		_cleanup_free_ char *both = NULL;

		assert_true(asprintf(&both, "%s%s", base, t) > 0);
		assert_true(nft_accepts(both));
	}
	rules_frag_free(fa);
	rules_frag_free(fb);
}

static void test_refusals(void **state)
{
	_cleanup_json_ json_t *s = svc(NULL);
	_cleanup_json_ json_t *bad = svc("\"externalIPs\":[\"10.96.0.20\"]");
	json_t *ports = json_array();
	struct rules_frag *f = NULL;
	struct kf_error err;

	for (int i = 0; i < 10000; i++)
		json_array_append_new(
		    ports,
		    json_pack("{s:i, s:s}", "port", 1 + i, "protocol", "TCP"));
	json_object_set_new(json_object_get(s, "spec"), "ports", ports);
	kf_error_init(&err);
	assert_int_equal(rules_service(&cfg, RULES_IP4, s, NULL, &err, &f),
			 -EINVAL);
	assert_null(f);
	assert_string_equal(err.msg, "Service \"default/web\" has 10000 ports; "
				     "kubefs-proxy programs at most 1000 "
				     "ports per Service");
	kf_error_init(&err);
	assert_int_equal(rules_service(&cfg, RULES_IP4, bad, NULL, &err, &f),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "may not be the Service's own "
					"ClusterIP"));
}

/* The API's rules, with the API's sentences (api/validate_service.c). */
static void test_refusals_api_rules(void **state)
{
	static const struct {
		const char *spec, *msg;
	} cases[] = {
	    {"\"type\":\"Ingress\"",
	     "Service \"web\" is invalid: spec.type: Unsupported value: "
	     "\"Ingress\": supported values: \"ClusterIP\", "
	     "\"ExternalName\", \"LoadBalancer\", \"NodePort\""},
	    {"\"externalIPs\":[\"10.1.2\"]",
	     "Service \"web\" is invalid: spec.externalIPs[0]: Invalid value: "
	     "\"10.1.2\": must be a valid IP address, (e.g. 10.9.8.7 or "
	     "2001:db8::ffff)"},
	    {"\"sessionAffinity\":\"Sticky\"",
	     "Service \"web\" is invalid: spec.sessionAffinity: Unsupported "
	     "value: \"Sticky\": supported values: \"ClientIP\", \"None\""},
	    {"\"sessionAffinity\":\"ClientIP\",\"sessionAffinityConfig\":"
	     "{\"clientIP\":{\"timeoutSeconds\":86401}}",
	     "Service \"web\" is invalid: spec.sessionAffinityConfig.clientIP."
	     "timeoutSeconds: Invalid value: 86401: must be greater than 0 "
	     "and less than 86400"},
	    {"\"internalTrafficPolicy\":\"Nearby\"",
	     "Service \"web\" is invalid: spec.internalTrafficPolicy: "
	     "Unsupported value: \"Nearby\": supported values: \"Cluster\", "
	     "\"Local\""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_json_ json_t *s = svc(cases[i].spec);
		struct rules_frag *f = NULL;
		struct kf_error err;

		kf_error_init(&err);
		assert_int_equal(
		    rules_service(&cfg, RULES_IP4, s, NULL, &err, &f), -EINVAL);
		assert_null(f);
		assert_string_equal(err.msg, cases[i].msg);
	}
}

/* --localhost-nodeports: NodePorts on 127.0.0.0/8 from the node itself
 * (output hook only), martians to 127.0.0.0/8 dropped; IPv4 only. */
static void test_localhost_nodeports(void **state)
{
	struct rules_config lcfg = cfg;
	_cleanup_free_ char *t = NULL, *t6 = NULL, *plain = NULL;
	size_t len = 0;
	FILE *m;

	lcfg.localhost_nodeports = true;
	m = open_memstream(&t, &len);
	assert_non_null(m);
	rules_write_full(m, &lcfg, RULES_IP4, NULL, 0);
	fclose(m);
	assert_non_null(strstr(t, "add rule ip kubefs nat-output ip daddr "
				  "127.0.0.0/8 meta l4proto . th dport vmap "
				  "@service-nodeports\n"
				  "add rule ip kubefs nat-output jump "
				  "services\n"));
	assert_non_null(strstr(t, "filter-output ip daddr 127.0.0.0/8 ct state "
				  "new meta l4proto . th dport vmap "
				  "@no-endpoint-nodeports"));
	assert_non_null(strstr(t, "filter-input ip daddr 127.0.0.0/8 ip saddr "
				  "!= 127.0.0.0/8 ct state != { established, "
				  "related } ct status & dnat == 0 drop"));
	/* prerouting still never takes 127.0.0.0/8 */
	assert_non_null(strstr(t, "fib daddr type local ip daddr != "
				  "127.0.0.0/8 meta l4proto . th dport vmap "
				  "@service-nodeports"));
	assert_true(nft_accepts(t));
	m = open_memstream(&t6, &len);
	assert_non_null(m);
	rules_write_full(m, &lcfg, RULES_IP6, NULL, 0);
	fclose(m);
	assert_null(strstr(t6, "127.0.0.0/8"));
	m = open_memstream(&plain, &len);
	assert_non_null(m);
	rules_write_full(m, &cfg, RULES_IP4, NULL, 0);
	fclose(m);
	assert_null(strstr(plain, "nat-output ip daddr 127.0.0.0/8"));
}

static void test_headless_and_other_family(void **state)
{
	_cleanup_json_ json_t *s = svc(NULL);
	struct rules_frag *f = NULL;

	assert_int_equal(rules_service(&cfg, RULES_IP6, s, NULL, NULL, &f), 0);
	assert_int_equal(rules_frag_elements(f), 0);
	rules_frag_free(f);
	json_object_set_new(json_object_get(s, "spec"), "clusterIP",
			    json_string("None"));
	json_object_del(json_object_get(s, "spec"), "clusterIPs");
	assert_int_equal(rules_service(&cfg, RULES_IP4, s, NULL, NULL, &f), 0);
	assert_int_equal(rules_frag_rules(f), 0);
	rules_frag_free(f);
}

static void test_diff_one_endpoint(void **state)
{
	/* affinity keeps one chain per endpoint: the diff adds and
	 * deletes chains and sets */
	_cleanup_json_ json_t *s = svc("\"sessionAffinity\":\"ClientIP\"");
	_cleanup_json_ json_t *a =
	    slices("[" EP("10.244.1.2", "node-a", "true", "false") "," EP(
		"10.244.1.3", "node-a", "true", "false") "]");
	_cleanup_json_ json_t *b =
	    slices("[" EP("10.244.1.2", "node-a", "true", "false") "," EP(
		"10.244.1.5", "node-a", "true", "false") "]");
	struct rules_frag *fa = NULL, *fb = NULL, *none = NULL;
	_cleanup_free_ char *t = NULL, *same = NULL, *gone = NULL;
	_cleanup_free_ char *base = full(s, a, &fa);
	size_t len = 0;
	FILE *m;

	assert_int_equal(rules_service(&cfg, RULES_IP4, s, b, NULL, &fb), 0);
	m = open_memstream(&t, &len);
	assert_true(rules_write_diff(m, &cfg, RULES_IP4, &fa, &fb, 1) > 0);
	fclose(m);
	assert_non_null(strstr(t, "dnat to 10.244.1.5:8080"));
	assert_null(strstr(t, "dnat to 10.244.1.2:8080")); /* untouched */
	assert_int_equal(count(t, "flush chain ip kubefs service-"), 1);
	assert_int_equal(count(t, "flush chain ip kubefs endpoint-"), 1);
	assert_int_equal(count(t, "delete chain ip kubefs endpoint-"), 1);
	assert_null(strstr(t, "element")); /* the map keeps its element */
	assert_true(strstr(t, "add chain ip kubefs endpoint-") <
		    strstr(t, "numgen"));

	m = open_memstream(&same, &len);
	assert_int_equal(rules_write_diff(m, &cfg, RULES_IP4, &fb, &fb, 1), 0);
	fclose(m);

	/* the Service deleted: everything of it goes */
	m = open_memstream(&gone, &len);
	rules_write_diff(m, &cfg, RULES_IP4, &fb, &none, 1);
	fclose(m);
	assert_non_null(strstr(gone, "delete element ip kubefs service-ips { "
				     "10.96.0.20 . tcp . 80 }"));
	assert_int_equal(count(gone, "delete chain"), 3);
	assert_int_equal(count(gone, "delete set"), 2);

	/* base + diff applied in one go: the kernel takes the sequence */
	{
		_cleanup_free_ char *both = NULL;

		assert_true(asprintf(&both, "%s%s%s", base, t, gone) > 0);
		assert_true(nft_accepts(both));
	}
	rules_frag_free(fa);
	rules_frag_free(fb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cluster_ip_balances_ready),
	    cmocka_unit_test(test_no_endpoints_reject),
	    cmocka_unit_test(test_terminating_only_when_none_ready),
	    cmocka_unit_test(test_nodeport_local_policy),
	    cmocka_unit_test(test_internal_local_elsewhere_drops),
	    cmocka_unit_test(test_affinity),
	    cmocka_unit_test(test_udp_sctp),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_refusals_api_rules),
	    cmocka_unit_test(test_localhost_nodeports),
	    cmocka_unit_test(test_headless_and_other_family),
	    cmocka_unit_test(test_diff_one_endpoint),
	    cmocka_unit_test(test_diff_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
