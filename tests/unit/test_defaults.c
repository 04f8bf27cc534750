/*
 * test_defaults.c — Kubernetes defaulting: each kind's SetDefaults_*
 * values, fields left alone when set or of the wrong type, idempotence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/defaults.h"
#include "api/kinds.h"

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (!j)
		fail_msg("bad test JSON: %s", jerr.text);
	return j;
}

/* obj at a dotted path ("spec.template.spec"); [n] not supported. */
static json_t *at(json_t *obj, const char *path)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && obj;
	     tok = strtok_r(NULL, ".", &save)) {
		char *end;
		long idx = strtol(tok, &end, 10);

		if (*end == '\0' && json_is_array(obj))
			obj = json_array_get(obj, (size_t)idx);
		else
			obj = json_object_get(obj, tok);
	}
	return obj;
}

static void want_str(json_t *obj, const char *path, const char *want)
{
	const char *got = json_string_value(at(obj, path));

	if (!got || strcmp(got, want))
		fail_msg("%s: want \"%s\", got %s%s%s", path, want,
			 got ? "\"" : "", got ? got : "(none)",
			 got ? "\"" : "");
}

static void want_int(json_t *obj, const char *path, long long want)
{
	json_t *x = at(obj, path);

	if (!json_is_integer(x) || json_integer_value(x) != want)
		fail_msg("%s: want %lld", path, want);
}

/* Defaulting twice gives the same object as once. */
static void idempotent(void (*fn)(json_t *), json_t *obj)
{
	_cleanup_json_ json_t *again = json_deep_copy(obj);

	fn(again);
	assert_true(json_equal(again, obj));
}

/* Empty omitempty ObjectMeta fields are dropped; others stay. */
static void test_object_meta(void **state)
{
	_cleanup_json_ json_t *o = json_loads(
	    "{\"metadata\":{\"name\":\"x\",\"labels\":{},\"annotations\":"
	    "null,\"finalizers\":[],\"ownerReferences\":[]}}",
	    0, NULL);
	_cleanup_json_ json_t *kept =
	    json_loads("{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"b\"},"
		       "\"finalizers\":[\"f\"]}}",
		       0, NULL);
	_cleanup_json_ json_t *want = NULL;

	(void)state;
	assert_non_null(o);
	defaults_object_meta(o);
	assert_int_equal(json_object_size(json_object_get(o, "metadata")), 1);
	idempotent(defaults_object_meta, o);
	want = json_deep_copy(kept);
	defaults_object_meta(kept);
	assert_true(json_equal(kept, want));
}

static void test_pod(void **state)
{
	_cleanup_json_ json_t *p = parse(
	    "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":["
	    "{\"name\":\"a\",\"image\":\"nginx\",\"ports\":[{\"containerPort\":"
	    "80}],\"resources\":{\"limits\":{\"cpu\":\"1\"}},"
	    "\"livenessProbe\":{\"httpGet\":{\"port\":80}}},"
	    "{\"name\":\"b\",\"image\":\"nginx:1.25\"},"
	    "{\"name\":\"c\",\"image\":\"nginx:latest\"},"
	    "{\"name\":\"d\",\"image\":\"r.io/x@sha256:abc\"},"
	    "{\"name\":\"e\",\"image\":\"reg:5000/x\"}],"
	    "\"volumes\":[{\"name\":\"v\"},{\"name\":\"s\",\"secret\":"
	    "{\"secretName\":\"x\"}}]}}");

	(void)state;
	defaults_pod(p);
	want_str(p, "spec.restartPolicy", "Always");
	want_str(p, "spec.dnsPolicy", "ClusterFirst");
	want_str(p, "spec.schedulerName", "default-scheduler");
	want_int(p, "spec.terminationGracePeriodSeconds", 30);
	assert_true(json_is_true(at(p, "spec.enableServiceLinks")));
	assert_true(json_is_object(at(p, "spec.securityContext")));
	want_str(p, "spec.containers.0.imagePullPolicy", "Always");
	want_str(p, "spec.containers.1.imagePullPolicy", "IfNotPresent");
	want_str(p, "spec.containers.2.imagePullPolicy", "Always");
	want_str(p, "spec.containers.3.imagePullPolicy", "IfNotPresent");
	want_str(p, "spec.containers.4.imagePullPolicy", "Always");
	want_str(p, "spec.containers.0.terminationMessagePath",
		 "/dev/termination-log");
	want_str(p, "spec.containers.0.terminationMessagePolicy", "File");
	want_str(p, "spec.containers.0.ports.0.protocol", "TCP");
	want_str(p, "spec.containers.0.resources.requests.cpu", "1");
	want_int(p, "spec.containers.0.livenessProbe.timeoutSeconds", 1);
	want_int(p, "spec.containers.0.livenessProbe.periodSeconds", 10);
	want_int(p, "spec.containers.0.livenessProbe.successThreshold", 1);
	want_int(p, "spec.containers.0.livenessProbe.failureThreshold", 3);
	want_str(p, "spec.containers.0.livenessProbe.httpGet.path", "/");
	want_str(p, "spec.containers.0.livenessProbe.httpGet.scheme", "HTTP");
	assert_true(json_is_object(at(p, "spec.volumes.0.emptyDir")));
	want_int(p, "spec.volumes.1.secret.defaultMode", 0644);
	idempotent(defaults_pod, p);
}

static void test_pod_keeps_values(void **state)
{
	_cleanup_json_ json_t *p = parse(
	    "{\"spec\":{\"restartPolicy\":\"Never\",\"dnsPolicy\":7,"
	    "\"terminationGracePeriodSeconds\":0,\"enableServiceLinks\":false,"
	    "\"containers\":[{\"name\":\"a\",\"image\":\"x\","
	    "\"imagePullPolicy\":\"Never\"}, \"junk\"]}}");

	(void)state;
	defaults_pod(p);
	want_str(p, "spec.restartPolicy", "Never");
	want_int(p, "spec.dnsPolicy", 7); /* wrong type: left for validation */
	want_int(p, "spec.terminationGracePeriodSeconds", 0);
	assert_true(json_is_false(at(p, "spec.enableServiceLinks")));
	want_str(p, "spec.containers.0.imagePullPolicy", "Never");
	want_str(p, "spec.containers.1", "junk");
}

static void test_pod_host_network(void **state)
{
	_cleanup_json_ json_t *p = parse(
	    "{\"spec\":{\"hostNetwork\":true,\"containers\":[{\"name\":\"a\","
	    "\"image\":\"x\",\"ports\":[{\"containerPort\":8080}]}]}}");

	(void)state;
	defaults_pod(p);
	want_int(p, "spec.containers.0.ports.0.hostPort", 8080);
}

/* DefaultTolerationSeconds: 300 s for not-ready and unreachable, unless
 * the pod tolerates them already (an empty key tolerates every taint). */
static void test_pod_default_tolerations(void **state)
{
	_cleanup_json_ json_t *p = parse(
	    "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}");
	_cleanup_json_ json_t *q =
	    parse("{\"spec\":{\"tolerations\":[{\"key\":"
		  "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
		  "\"effect\":\"NoExecute\",\"tolerationSeconds\":5}],"
		  "\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}");
	_cleanup_json_ json_t *all =
	    parse("{\"spec\":{\"tolerations\":[{\"operator\":\"Exists\"}],"
		  "\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}");

	(void)state;
	defaults_pod(p);
	want_str(p, "spec.tolerations.0.key", "node.kubernetes.io/not-ready");
	want_str(p, "spec.tolerations.0.operator", "Exists");
	want_str(p, "spec.tolerations.0.effect", "NoExecute");
	want_int(p, "spec.tolerations.0.tolerationSeconds", 300);
	want_str(p, "spec.tolerations.1.key", "node.kubernetes.io/unreachable");
	want_int(p, "spec.tolerations.1.tolerationSeconds", 300);
	idempotent(defaults_pod, p);
	defaults_pod(q);
	assert_int_equal(json_array_size(at(q, "spec.tolerations")), 2);
	want_int(q, "spec.tolerations.0.tolerationSeconds", 5);
	want_str(q, "spec.tolerations.1.key", "node.kubernetes.io/not-ready");
	defaults_pod(all);
	assert_int_equal(json_array_size(at(all, "spec.tolerations")), 1);
}

static void test_deployment(void **state)
{
	_cleanup_json_ json_t *d =
	    parse("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{"
		  "\"name\":\"a\",\"image\":\"x:1\"}]}}}}");

	(void)state;
	defaults_deployment(d);
	want_int(d, "spec.replicas", 1);
	want_str(d, "spec.strategy.type", "RollingUpdate");
	want_str(d, "spec.strategy.rollingUpdate.maxUnavailable", "25%");
	want_str(d, "spec.strategy.rollingUpdate.maxSurge", "25%");
	want_int(d, "spec.revisionHistoryLimit", 10);
	want_int(d, "spec.progressDeadlineSeconds", 600);
	want_str(d, "spec.template.spec.restartPolicy", "Always");
	want_str(d, "spec.template.spec.containers.0.imagePullPolicy",
		 "IfNotPresent");
	/* templates do not get the Pod-only defaults */
	assert_null(at(d, "spec.template.spec.enableServiceLinks"));
	idempotent(defaults_deployment, d);
}

static void test_deployment_recreate(void **state)
{
	_cleanup_json_ json_t *d =
	    parse("{\"spec\":{\"replicas\":0,\"strategy\":{\"type\":"
		  "\"Recreate\"}}}");

	(void)state;
	defaults_deployment(d);
	want_int(d, "spec.replicas", 0);
	assert_null(at(d, "spec.strategy.rollingUpdate"));
}

static void test_workloads(void **state)
{
	_cleanup_json_ json_t *rs = parse("{}");
	_cleanup_json_ json_t *ds = parse("{\"spec\":{}}");
	_cleanup_json_ json_t *sts = parse("{\"spec\":{}}");

	(void)state;
	defaults_replica_set(rs);
	want_int(rs, "spec.replicas", 1);
	defaults_daemon_set(ds);
	want_str(ds, "spec.updateStrategy.type", "RollingUpdate");
	want_int(ds, "spec.updateStrategy.rollingUpdate.maxUnavailable", 1);
	want_int(ds, "spec.updateStrategy.rollingUpdate.maxSurge", 0);
	want_int(ds, "spec.revisionHistoryLimit", 10);
	defaults_stateful_set(sts);
	want_str(sts, "spec.podManagementPolicy", "OrderedReady");
	want_str(sts, "spec.updateStrategy.type", "RollingUpdate");
	want_int(sts, "spec.updateStrategy.rollingUpdate.partition", 0);
	want_str(sts, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted",
		 "Retain");
	want_int(sts, "spec.replicas", 1);
	idempotent(defaults_stateful_set, sts);
}

static void test_job(void **state)
{
	_cleanup_json_ json_t *j =
	    parse("{\"metadata\":{\"name\":\"pi\",\"uid\":\"u-1\"},\"spec\":{"
		  "\"template\":{\"spec\":{\"restartPolicy\":\"Never\"}}}}");
	_cleanup_json_ json_t *par = parse("{\"spec\":{\"parallelism\":3}}");
	_cleanup_json_ json_t *cj =
	    parse("{\"spec\":{\"schedule\":\"@daily\"}}");

	(void)state;
	defaults_job(j);
	want_int(j, "spec.completions", 1);
	want_int(j, "spec.parallelism", 1);
	want_int(j, "spec.backoffLimit", 6);
	want_str(j, "spec.completionMode", "NonIndexed");
	assert_true(json_is_false(at(j, "spec.suspend")));
	idempotent(defaults_job, j);
	/* the generated selector and labels */
	assert_string_equal(json_string_value(json_object_get(
				at(j, "spec.selector.matchLabels"),
				"batch.kubernetes.io/controller-uid")),
			    "u-1");
	assert_string_equal(json_string_value(json_object_get(
				at(j, "spec.template.metadata.labels"),
				"batch.kubernetes.io/job-name")),
			    "pi");
	assert_string_equal(json_string_value(json_object_get(
				at(j, "metadata.labels"), "job-name")),
			    "pi");

	defaults_job(par);
	assert_null(at(par, "spec.completions"));
	want_int(par, "spec.parallelism", 3);

	defaults_cron_job(cj);
	want_str(cj, "spec.concurrencyPolicy", "Allow");
	want_int(cj, "spec.successfulJobsHistoryLimit", 3);
	want_int(cj, "spec.failedJobsHistoryLimit", 1);
	want_str(cj, "spec.jobTemplate.spec.template.spec.dnsPolicy",
		 "ClusterFirst");
}

static void test_service(void **state)
{
	_cleanup_json_ json_t *s = parse(
	    "{\"spec\":{\"ports\":[{\"port\":80},{\"port\":443,\"targetPort\":"
	    "\"https\",\"protocol\":\"UDP\"}]}}");
	_cleanup_json_ json_t *np =
	    parse("{\"spec\":{\"type\":\"NodePort\",\"clusterIP\":\"None\","
		  "\"sessionAffinity\":\"ClientIP\"}}");
	_cleanup_json_ json_t *ext = parse(
	    "{\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"a\"}}");

	(void)state;
	defaults_service(s);
	want_str(s, "spec.type", "ClusterIP");
	want_str(s, "spec.sessionAffinity", "None");
	want_str(s, "spec.ports.0.protocol", "TCP");
	want_int(s, "spec.ports.0.targetPort", 80);
	want_str(s, "spec.ports.1.targetPort", "https");
	want_str(s, "spec.ports.1.protocol", "UDP");
	want_str(s, "spec.ipFamilyPolicy", "SingleStack");
	want_str(s, "spec.ipFamilies.0", "IPv4");
	want_str(s, "spec.internalTrafficPolicy", "Cluster");
	assert_null(at(s, "spec.externalTrafficPolicy"));
	assert_null(at(s, "spec.clusterIP")); /* allocated by the server */
	idempotent(defaults_service, s);

	defaults_service(np);
	want_str(np, "spec.externalTrafficPolicy", "Cluster");
	want_str(np, "spec.clusterIPs.0", "None");
	want_int(np, "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
		 10800);

	defaults_service(ext);
	assert_null(at(ext, "spec.ipFamilies"));
	assert_null(at(ext, "spec.internalTrafficPolicy"));
}

static void test_secret_and_core(void **state)
{
	_cleanup_json_ json_t *sec =
	    parse("{\"stringData\":{\"user\":\"admin\",\"pw\":\"ab\"},"
		  "\"data\":{\"user\":\"eA==\"}}");
	_cleanup_json_ json_t *ns = parse("{\"metadata\":{\"name\":\"team\"}}");
	_cleanup_json_ json_t *node =
	    parse("{\"status\":{\"capacity\":{\"cpu\":\"4\"}}}");
	_cleanup_json_ json_t *ep =
	    parse("{\"subsets\":[{\"ports\":[{\"port\":80}]}]}");
	_cleanup_json_ json_t *sl = parse("{\"ports\":[{\"port\":80}]}");

	(void)state;
	defaults_secret(sec);
	want_str(sec, "type", "Opaque");
	want_str(sec, "data.user", "YWRtaW4="); /* stringData wins */
	want_str(sec, "data.pw", "YWI=");
	assert_null(at(sec, "stringData"));
	idempotent(defaults_secret, sec);

	defaults_namespace(ns);
	assert_string_equal(
	    json_string_value(json_object_get(at(ns, "metadata.labels"),
					      "kubernetes.io/metadata.name")),
	    "team");
	idempotent(defaults_namespace, ns);

	defaults_node(node);
	want_str(node, "status.allocatable.cpu", "4");

	defaults_endpoints(ep);
	want_str(ep, "subsets.0.ports.0.protocol", "TCP");
	defaults_endpoint_slice(sl);
	want_str(sl, "ports.0.protocol", "TCP");
	want_str(sl, "ports.0.name", "");
}

static void test_pull_policy(void **state)
{
	(void)state;
	assert_string_equal(defaults_pull_policy("nginx"), "Always");
	assert_string_equal(defaults_pull_policy("nginx:latest"), "Always");
	assert_string_equal(defaults_pull_policy("nginx:1"), "IfNotPresent");
	assert_string_equal(defaults_pull_policy("a:5000/b"), "Always");
	assert_string_equal(defaults_pull_policy("a:5000/b:2"), "IfNotPresent");
	assert_string_equal(defaults_pull_policy("b@sha256:00"),
			    "IfNotPresent");
	assert_string_equal(defaults_pull_policy("b:latest@sha256:00"),
			    "Always");
}

static void test_wrong_types_survive(void **state)
{
	static const char *const docs[] = {
	    "{\"spec\":5}",
	    "{\"spec\":{\"containers\":{}}}",
	    "{\"spec\":{\"template\":[]}}",
	    "[]",
	    "null",
	    "{\"spec\":{\"strategy\":\"x\",\"ports\":\"y\"}}",
	    "{\"stringData\":{\"a\":1},\"metadata\":7}"};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_error_t jerr;
		_cleanup_json_ json_t *j =
		    json_loads(docs[i], JSON_DECODE_ANY, &jerr);

		assert_non_null(j);
		for (size_t k = 0; k < kinds_count(); k++)
			if (kinds_at(k)->set_defaults)
				kinds_at(k)->set_defaults(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_object_meta),
	    cmocka_unit_test(test_pod),
	    cmocka_unit_test(test_pod_keeps_values),
	    cmocka_unit_test(test_pod_host_network),
	    cmocka_unit_test(test_pod_default_tolerations),
	    cmocka_unit_test(test_deployment),
	    cmocka_unit_test(test_deployment_recreate),
	    cmocka_unit_test(test_workloads),
	    cmocka_unit_test(test_job),
	    cmocka_unit_test(test_service),
	    cmocka_unit_test(test_secret_and_core),
	    cmocka_unit_test(test_pull_policy),
	    cmocka_unit_test(test_wrong_types_survive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
