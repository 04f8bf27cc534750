/*
 * test_proxy_conntrack.c — UDP conntrack clean-up (proxy/conntrack.h):
 * the UDP targets of Services (addresses, NodePorts, used endpoints) and
 * the conntrack(8) deletions when endpoints go or a port gets its first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "proxy/conntrack.h"

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

static const char services[] =
    "[{\"metadata\":{\"name\":\"dns\",\"namespace\":\"ns\"},"
    "\"spec\":{\"type\":\"NodePort\",\"clusterIP\":\"10.96.0.53\","
    "\"clusterIPs\":[\"10.96.0.53\"],\"externalIPs\":[\"192.0.2.9\"],"
    "\"ports\":[{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\","
    "\"nodePort\":30053},{\"name\":\"tcp\",\"port\":53,\"protocol\":"
    "\"TCP\",\"nodePort\":30054}]}},"
    "{\"metadata\":{\"name\":\"empty\",\"namespace\":\"ns\"},"
    "\"spec\":{\"clusterIP\":\"10.96.0.54\",\"ports\":[{\"name\":\"u\","
    "\"port\":99,\"protocol\":\"UDP\"}]}}]";

#define SLICE(svc, eps)                                                        \
	"{\"metadata\":{\"name\":\"" svc "-1\",\"namespace\":\"ns\","          \
	"\"labels\":{\"kubernetes.io/service-name\":\"" svc "\"}},"            \
	"\"addressType\":\"IPv4\",\"ports\":[{\"name\":\"dns\",\"port\":5353," \
	"\"protocol\":\"UDP\"},{\"name\":\"u\",\"port\":99,\"protocol\":"      \
	"\"UDP\"}],\"endpoints\":[" eps "]}"
#define EP(ip, ready, term)                                                    \
	"{\"addresses\":[\"" ip "\"],\"conditions\":{\"ready\":" ready         \
	",\"serving\":true,\"terminating\":" term "}}"

static json_t *targets(const char *slices)
{
	_cleanup_json_ json_t *s = load(services), *sl = load(slices);
	json_t *t = NULL;

	assert_int_equal(conntrack_targets(s, sl, &t), 0);
	return t;
}

static void test_targets(void **state)
{
	_cleanup_json_ json_t *t = targets("[" SLICE(
	    "dns", EP("10.244.1.2", "true", "false") "," EP(
		       "10.244.1.3", "false",
		       "false") "," EP("10.244.1.4", "false", "true")) "]");
	_cleanup_json_ json_t *term =
	    targets("[" SLICE("dns", EP("10.244.1.3", "false", "false") "," EP(
					 "10.244.1.4", "false", "true")) "]");
	_cleanup_free_ char *text = NULL, *text2 = NULL;

	text = json_dumps(t, JSON_SORT_KEYS | JSON_COMPACT);
	/* UDP only: the ClusterIP, the external IP and the NodePort; the
	 * ready endpoint only; a port without endpoints has {} */
	assert_string_equal(text, "{\"* 30053\":{\"10.244.1.2\":true},"
				  "\"10.96.0.53 53\":{\"10.244.1.2\":true},"
				  "\"10.96.0.54 99\":{},"
				  "\"192.0.2.9 53\":{\"10.244.1.2\":true}}");
	/* none ready: the serving terminating one is used */
	text2 = json_dumps(json_object_get(term, "10.96.0.53 53"),
			   JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(text2, "{\"10.244.1.4\":true}");
}

static char *stale(const char *before, const char *after)
{
	_cleanup_json_ json_t *a = targets(before), *b = targets(after);
	_cleanup_json_ json_t *d = NULL;

	assert_int_equal(conntrack_stale(a, b, &d), 0);
	return json_dumps(d, JSON_COMPACT);
}

static void test_stale(void **state)
{
	_cleanup_free_ char *gone = NULL, *first = NULL, *same = NULL;

	gone = stale("[" SLICE("dns", EP("10.244.1.2", "true", "false") "," EP(
					  "10.244.1.3", "true", "false")) "]",
		     "[" SLICE("dns", EP("10.244.1.3", "true", "false")) "]");
	assert_non_null(strstr(gone, "[\"-D\",\"-p\",\"udp\",\"--orig-dst\","
				     "\"10.96.0.53\",\"--orig-port-dst\","
				     "\"53\",\"--reply-src\",\"10.244.1.2\"]"));
	assert_non_null(strstr(gone, "[\"-D\",\"-p\",\"udp\","
				     "\"--orig-port-dst\",\"30053\","
				     "\"--reply-src\",\"10.244.1.2\"]"));
	assert_non_null(strstr(gone, "\"192.0.2.9\""));
	assert_null(strstr(gone, "10.244.1.3"));
	/* the empty Service gets its first endpoint: all its flows go */
	first =
	    stale("[" SLICE("dns", EP("10.244.1.3", "true", "false")) "]",
		  "[" SLICE("dns", EP("10.244.1.3", "true", "false")) "," SLICE(
		      "empty", EP("10.244.1.7", "true", "false")) "]");
	assert_string_equal(first, "[[\"-D\",\"-p\",\"udp\",\"--orig-dst\","
				   "\"10.96.0.54\",\"--orig-port-dst\","
				   "\"99\"]]");
	same = stale("[" SLICE("dns", EP("10.244.1.3", "true", "false")) "]",
		     "[" SLICE("dns", EP("10.244.1.3", "true", "false")) "]");
	assert_string_equal(same, "[]");
}

/* At start: the kernel's flows against the targets, no earlier state. */
static void test_reconcile(void **state)
{
	_cleanup_json_ json_t *t =
	    targets("[" SLICE("dns", EP("10.244.1.3", "true", "false")) "]");
	_cleanup_json_ json_t *d = NULL, *none = NULL;
	_cleanup_free_ char *text = NULL;
	static const char listing[] =
	    /* to a removed endpoint: goes */
	    "udp      17 28 src=10.244.1.20 dst=10.96.0.53 sport=40000 "
	    "dport=53 src=10.244.1.2 dst=10.244.1.20 sport=5353 dport=40000 "
	    "[ASSURED] mark=0 use=1\n"
	    /* the same endpoint from another client: one deletion */
	    "udp      17 20 src=10.244.1.21 dst=10.96.0.53 sport=40001 "
	    "dport=53 src=10.244.1.2 dst=10.244.1.21 sport=5353 dport=40001 "
	    "mark=0 use=1\n"
	    /* to the endpoint in use: stays */
	    "udp      17 28 src=10.244.1.22 dst=10.96.0.53 sport=40002 "
	    "dport=53 src=10.244.1.3 dst=10.244.1.22 sport=5353 dport=40002 "
	    "mark=0 use=1\n"
	    /* the NodePort, to a removed endpoint: goes */
	    "udp      17 28 src=192.0.2.50 dst=192.0.2.1 sport=40003 "
	    "dport=30053 src=10.244.1.2 dst=192.0.2.1 sport=5353 "
	    "dport=40003 mark=0 use=1\n"
	    /* rejected while the port had no endpoint (never DNATed) */
	    "udp      17 25 src=10.244.1.23 dst=10.96.0.53 sport=40004 "
	    "dport=53 [UNREPLIED] src=10.96.0.53 dst=10.244.1.23 sport=53 "
	    "dport=40004 mark=0 use=1\n"
	    /* no endpoints at all (a reject), and flows of nobody's */
	    "udp      17 25 src=10.244.1.23 dst=10.96.0.54 sport=40005 "
	    "dport=99 [UNREPLIED] src=10.96.0.54 dst=10.244.1.23 sport=99 "
	    "dport=40005 mark=0 use=1\n"
	    "udp      17 25 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=53 "
	    "src=10.0.0.2 dst=10.0.0.1 sport=53 dport=1 mark=0 use=1\n"
	    "tcp      6 431999 ESTABLISHED src=10.244.1.20 dst=10.96.0.53 "
	    "sport=1 dport=53 src=10.244.1.2 dst=10.244.1.20 sport=53 "
	    "dport=1 [ASSURED] mark=0 use=1\n";

	assert_int_equal(conntrack_reconcile(t, listing, &d), 0);
	text = json_dumps(d, JSON_COMPACT);
	assert_string_equal(
	    text, "[[\"-D\",\"-p\",\"udp\",\"--orig-dst\",\"10.96.0.53\","
		  "\"--orig-port-dst\",\"53\",\"--reply-src\",\"10.244.1.2\"],"
		  "[\"-D\",\"-p\",\"udp\",\"--orig-port-dst\",\"30053\","
		  "\"--reply-src\",\"10.244.1.2\"],"
		  "[\"-D\",\"-p\",\"udp\",\"--orig-dst\",\"10.96.0.53\","
		  "\"--orig-port-dst\",\"53\",\"--reply-src\","
		  "\"10.96.0.53\"]]");
	assert_int_equal(conntrack_reconcile(t, "", &none), 0);
	assert_int_equal(json_array_size(none), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_targets),
	    cmocka_unit_test(test_stale),
	    cmocka_unit_test(test_reconcile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
