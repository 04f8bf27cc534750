/*
 * test_admission.c — the admission chain (apiserver/admission.h) on a real
 * store: each plugin called directly, and through the server's writes,
 * with Kubernetes' sentences and errnos.
 */
#include <pthread.h>

#include "test_admission_fx.h"

/* ---- NamespaceLifecycle ---- */

static void test_ns_missing(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *cm = Y("data: {a: b}\n");
	struct admission_attrs a = {
	    .op = ADMISSION_CREATE,
	    .kind = K("configmaps"),
	    .ns = "nope",
	    .name = "c",
	    .obj = cm,
	};
	struct kf_error err;

	kf_error_init(&err);
	expect(admission_mutate(f->srv, &a, &err), &err, -ENOENT,
	       "namespaces \"nope\" not found");
	expect(put(f, "configmaps", "nope", "c", "data: {a: b}\n", &err), &err,
	       -ENOENT, "namespaces \"nope\" not found");
	/* an update or delete of what is there is not NamespaceLifecycle's */
	a.op = ADMISSION_UPDATE;
	a.old = cm;
	kf_error_init(&err);
	assert_int_equal(admission_mutate(f->srv, &a, &err), 0);
	a.op = ADMISSION_DELETE;
	assert_int_equal(admission_mutate(f->srv, &a, &err), 0);
}

static void test_ns_terminating(void **state)
{
	struct fx *f = *state;
	struct kf_error err;

	assert_int_equal(put(f, "namespaces", NULL, "team", "{}\n", &err), 0);
	assert_int_equal(
	    put(f, "configmaps", "team", "keep", "data: {a: b}\n", &err), 0);
	/* a finalizer keeps it Terminating */
	assert_int_equal(put(f, "configmaps", "team", "held",
			     "metadata: {finalizers: [x/y]}\n", &err),
			 0);
	kf_error_init(&err);
	assert_int_equal(
	    server_delete(f->srv, K("namespaces"), NULL, "team", -1, 0, &err),
	    0);
	assert_true(server_namespace_exists(f->srv, "team"));
	expect(put(f, "pods", "team", "p",
		   "spec: {containers: [{name: c, image: i}]}\n", &err),
	       &err, -EACCES,
	       "pods \"p\" is forbidden: unable to create new content in "
	       "namespace team because it is being terminated");
	/* removing the finalizer (an update) passes */
	assert_int_equal(put(f, "configmaps", "team", "held",
			     "metadata: {finalizers: []}\n", &err),
			 0);
}

static void test_ns_immortal(void **state)
{
	static const char *const names[] = {"default", "kube-system",
					    "kube-public"};
	struct fx *f = *state;
	struct kf_error err;
	char want[128];

	for (size_t i = 0; i < 3; i++) {
		kf_error_init(&err);
		snprintf(want, sizeof(want),
			 "namespaces \"%s\" is forbidden: this namespace may "
			 "not be deleted",
			 names[i]);
		expect(server_delete(f->srv, K("namespaces"), NULL, names[i],
				     -1, 0, &err),
		       &err, -EACCES, want);
		assert_true(server_namespace_exists(f->srv, names[i]));
	}
	/* kube-node-lease is not immortal */
	kf_error_init(&err);
	assert_int_equal(server_delete(f->srv, K("namespaces"), NULL,
				       "kube-node-lease", -1, 0, &err),
			 0);
}

/* ---- LimitRanger ---- */

static json_t *get(struct fx *f, const char *resource, const char *ns,
		   const char *name)
{
	struct kf_error err;
	json_t *o = NULL;

	kf_error_init(&err);
	if (server_get(f->srv, K(resource), ns, name, &err, &o) < 0)
		fail_msg("get %s: %s", name, err.msg);
	return o;
}

static const char *res(const json_t *pod, const char *list, const char *name)
{
	json_t *c = json_array_get(
	    json_object_get(json_object_get(pod, "spec"), "containers"), 0);

	return json_string_value(json_object_get(
	    json_object_get(json_object_get(c, "resources"), list), name));
}

static void test_limitrange_defaults(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *lr = NULL, *p = NULL, *q = NULL;
	struct kf_error err;

	assert_int_equal(put(f, "limitranges", "default", "lr",
			     "spec: {limits: [{type: Container, default: {cpu: "
			     "500m}, max: {memory: 1Gi}, min: {cpu: 50m}}]}\n",
			     &err),
			 0);
	/* the object's own defaulting: default from max, defaultRequest
	 * from default, else min */
	lr = get(f, "limitranges", "default", "lr");
	q = json_object_get(
	    json_array_get(
		json_object_get(json_object_get(lr, "spec"), "limits"), 0),
	    "defaultRequest");
	assert_string_equal(json_string_value(json_object_get(q, "cpu")),
			    "500m");
	assert_int_equal(put(f, "pods", "default", "p",
			     "spec: {containers: [{name: c, image: i}]}\n",
			     &err),
			 0);
	p = get(f, "pods", "default", "p");
	assert_string_equal(res(p, "limits", "cpu"), "500m");
	assert_string_equal(res(p, "requests", "cpu"), "500m");
	assert_string_equal(res(p, "limits", "memory"), "1Gi");
	assert_string_equal(res(p, "requests", "memory"), "1Gi");
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(p, "status"), "qosClass")),
			    "Guaranteed");
}

static void test_limitrange_bounds(void **state)
{
	struct fx *f = *state;
	struct kf_error err;

	assert_int_equal(put(f, "limitranges", "default", "lr",
			     "spec: {limits: [{type: Container, min: {cpu: "
			     "100m}, max: {cpu: \"2\"}, "
			     "maxLimitRequestRatio: {cpu: \"4\"}}]}\n",
			     &err),
			 0);
	expect(put(f, "pods", "default", "small",
		   "spec: {containers: [{name: c, image: i, resources: "
		   "{requests: {cpu: 50m}, limits: {cpu: 100m}}}]}\n",
		   &err),
	       &err, -EACCES,
	       "pods \"small\" is forbidden: minimum cpu usage per Container "
	       "is 100m, but request is 50m");
	expect(put(f, "pods", "default", "big",
		   "spec: {containers: [{name: c, image: i, resources: "
		   "{requests: {cpu: 200m}, limits: {cpu: \"3\"}}}]}\n",
		   &err),
	       &err, -EACCES,
	       "pods \"big\" is forbidden: [maximum cpu usage per Container "
	       "is 2, but limit is 3, cpu max limit to request ratio per "
	       "Container is 4, but provided ratio is 15.000000]");
	assert_int_equal(put(f, "pods", "default", "ok",
			     "spec: {containers: [{name: c, image: i, "
			     "resources: {requests: {cpu: 500m}, limits: "
			     "{cpu: \"1\"}}}]}\n",
			     &err),
			 0);
	expect(put(f, "limitranges", "default", "bad",
		   "spec: {limits: [{type: Box}]}\n", &err),
	       &err, -EINVAL,
	       "LimitRange \"bad\" is invalid: spec.limits[0].type: "
	       "Unsupported value: \"Box\": supported values: \"Pod\", "
	       "\"Container\", \"PersistentVolumeClaim\"");
}

/* ---- PodSecurity ---- */

static void test_pod_security(void **state)
{
	struct fx *f = *state;
	struct kf_error err;

	assert_int_equal(
	    put(f, "namespaces", NULL, "locked",
		"metadata: {labels: "
		"{pod-security.kubernetes.io/enforce: restricted}}\n",
		&err),
	    0);
	expect(put(f, "pods", "locked", "p",
		   "spec: {securityContext: {runAsNonRoot: true, "
		   "seccompProfile: {type: RuntimeDefault}}, containers: "
		   "[{name: c, image: i, securityContext: {privileged: true, "
		   "capabilities: {drop: [ALL]}}}]}\n",
		   &err),
	       &err, -EACCES,
	       "pods \"p\" is forbidden: violates PodSecurity "
	       "\"restricted:latest\": privileged (container \"c\" must not "
	       "set securityContext.privileged=true), allowPrivilegeEscalation "
	       "!= false (container \"c\" must set "
	       "securityContext.allowPrivilegeEscalation=false)");
	assert_int_equal(
	    put(f, "pods", "locked", "ok",
		"spec: {securityContext: {runAsNonRoot: true, "
		"seccompProfile: {type: RuntimeDefault}}, "
		"containers: [{name: c, image: i, securityContext: "
		"{allowPrivilegeEscalation: false, capabilities: "
		"{drop: [ALL]}}}]}\n",
		&err),
	    0);
	/* a manifest's Namespace binds its own pods */
	{
		_cleanup_json_ json_t *docs = Y(
		    "- {apiVersion: v1, kind: Namespace, metadata: {name: m, "
		    "labels: {pod-security.kubernetes.io/enforce: baseline}}}\n"
		    "- {apiVersion: v1, kind: Pod, metadata: {name: p, "
		    "namespace: m}, spec: {hostNetwork: true, containers: "
		    "[{name: c, image: i}]}}\n");

		kf_error_init(&err);
		expect(server_apply_all(f->srv, docs, "default", &err), &err,
		       -EACCES,
		       "pods \"p\" is forbidden: violates PodSecurity "
		       "\"baseline:latest\": host namespaces "
		       "(hostNetwork=true)");
	}
	/* no label: no checks (the existing tests' pods) */
	assert_int_equal(put(f, "pods", "default", "p",
			     "spec: {containers: [{name: c, image: i, "
			     "securityContext: {privileged: true}}]}\n",
			     &err),
			 0);
}

/* ---- ResourceQuota ---- */

#define POD_CPU(cpu)                                                           \
	"spec: {containers: [{name: c, image: i, resources: {requests: "       \
	"{cpu: " cpu ", memory: 64Mi}, limits: {memory: 128Mi}}}]}\n"

static void test_quota_pods(void **state)
{
	struct fx *f = *state;
	struct kf_error err;

	assert_int_equal(put(f, "resourcequotas", "default", "q",
			     "spec: {hard: {pods: \"2\", count/configmaps: "
			     "\"1\"}}\n",
			     &err),
			 0);
	assert_int_equal(put(f, "pods", "default", "a", POD_CPU("100m"), &err),
			 0);
	assert_int_equal(put(f, "pods", "default", "b", POD_CPU("100m"), &err),
			 0);
	expect(put(f, "pods", "default", "c", POD_CPU("100m"), &err), &err,
	       -EACCES,
	       "pods \"c\" is forbidden: exceeded quota: q, requested: "
	       "pods=1, used: pods=2, limited: pods=2");
	/* a replace of an existing pod is not a new pod */
	assert_int_equal(put(f, "pods", "default", "b",
			     "metadata: {labels: {x: y}}\n" POD_CPU("100m"),
			     &err),
			 0);
	/* a finished pod no longer counts, once the quota controller has
	 * counted status.used again (the create only charges) */
	{
		_cleanup_json_ json_t *st = Y("status: {phase: Succeeded}\n");
		_cleanup_json_ json_t *qs =
		    Y("status: {hard: {pods: \"2\"}, used: {pods: \"1\"}}\n");

		kf_error_init(&err);
		assert_int_equal(server_put(f->srv, K("pods"), "default", "a",
					    st, SERVER_STATUS, &err, NULL),
				 0);
		expect(put(f, "pods", "default", "c", POD_CPU("100m"), &err),
		       &err, -EACCES,
		       "pods \"c\" is forbidden: exceeded quota: q, requested: "
		       "pods=1, used: pods=2, limited: pods=2");
		assert_int_equal(server_put(f->srv, K("resourcequotas"),
					    "default", "q", qs, SERVER_STATUS,
					    &err, NULL),
				 0);
	}
	assert_int_equal(put(f, "pods", "default", "c", POD_CPU("100m"), &err),
			 0);
	assert_int_equal(
	    put(f, "configmaps", "default", "one", "data: {a: b}\n", &err), 0);
	expect(put(f, "configmaps", "default", "two", "data: {a: b}\n", &err),
	       &err, -EACCES,
	       "configmaps \"two\" is forbidden: exceeded quota: q, "
	       "requested: count/configmaps=1, used: count/configmaps=1, "
	       "limited: count/configmaps=1");
	/* other namespaces are not this quota's */
	assert_int_equal(
	    put(f, "configmaps", "kube-public", "two", "data: {a: b}\n", &err),
	    0);
}

static void test_quota_compute(void **state)
{
	struct fx *f = *state;
	struct kf_error err;

	assert_int_equal(put(f, "resourcequotas", "default", "compute",
			     "spec: {hard: {requests.cpu: 500m, limits.memory: "
			     "200Mi, pods: \"10\"}}\n",
			     &err),
			 0);
	assert_int_equal(put(f, "pods", "default", "a", POD_CPU("300m"), &err),
			 0);
	expect(put(f, "pods", "default", "b", POD_CPU("300m"), &err), &err,
	       -EACCES,
	       "pods \"b\" is forbidden: exceeded quota: compute, requested: "
	       "limits.memory=128Mi,requests.cpu=300m, used: "
	       "limits.memory=128Mi,requests.cpu=300m, limited: "
	       "limits.memory=200Mi,requests.cpu=500m");
	/* nothing stored */
	kf_error_init(&err);
	expect(server_get(f->srv, K("pods"), "default", "b", &err, NULL), &err,
	       -ENOENT, "pods \"b\" not found");
}

/* status.used of quota name in default, resource res ("" if none). */
static void expect_used(struct fx *f, const char *name, const char *res,
			const char *want)
{
	_cleanup_json_ json_t *q = NULL;
	struct kf_error err;
	const char *got;

	kf_error_init(&err);
	assert_int_equal(
	    server_get(f->srv, K("resourcequotas"), "default", name, &err, &q),
	    0);
	got = json_string_value(json_object_get(
	    json_object_get(json_object_get(q, "status"), "used"), res));
	if (strcmp(got ? got : "", want))
		fail_msg("status.used[%s]: want \"%s\" got \"%s\"", res, want,
			 got ? got : "");
}

/* A create charges status.used in its own store write; a dry run and a
 * refusal charge nothing; usage is read from status.used, not recounted. */
static void test_quota_charge(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *pod = Y(POD_CPU("100m"));
	_cleanup_json_ json_t *docs = NULL;
	struct kf_error err;

	assert_int_equal(put(f, "resourcequotas", "default", "q",
			     "spec: {hard: {pods: \"3\", requests.cpu: "
			     "\"1\"}}\n",
			     &err),
			 0);
	expect_used(f, "q", "pods", "");
	assert_int_equal(put(f, "pods", "default", "a", POD_CPU("100m"), &err),
			 0);
	expect_used(f, "q", "pods", "1");
	expect_used(f, "q", "requests.cpu", "100m");
	kf_error_init(&err);
	assert_int_equal(server_put(f->srv, K("pods"), "default", "dry", pod,
				    SERVER_DRY_RUN, &err, NULL),
			 0);
	expect_used(f, "q", "pods", "1");
	expect(put(f, "pods", "default", "big", POD_CPU("950m"), &err), &err,
	       -EACCES,
	       "pods \"big\" is forbidden: exceeded quota: q, requested: "
	       "requests.cpu=950m, used: requests.cpu=100m, limited: "
	       "requests.cpu=1");
	expect_used(f, "q", "pods", "1");
	/* a manifest's pods count against the quota one after the other,
	 * and charge it once stored */
	docs = json_pack("[o,o,o]",
			 Y("apiVersion: v1\nkind: Pod\nmetadata: {name: m1}\n"
			   "spec: {containers: [{name: c, image: i}]}\n"),
			 Y("apiVersion: v1\nkind: Pod\nmetadata: {name: m2}\n"
			   "spec: {containers: [{name: c, image: i}]}\n"),
			 Y("apiVersion: v1\nkind: Pod\nmetadata: {name: m3}\n"
			   "spec: {containers: [{name: c, image: i}]}\n"));
	kf_error_init(&err);
	expect(server_apply_all(f->srv, docs, "default", &err), &err, -EACCES,
	       "pods \"m3\" is forbidden: exceeded quota: q, requested: "
	       "pods=1, used: pods=3, limited: pods=3");
	expect_used(f, "q", "pods", "1");
	json_array_remove(docs, 2);
	kf_error_init(&err);
	assert_int_equal(server_apply_all(f->srv, docs, "default", &err), 0);
	expect_used(f, "q", "pods", "3");
	/* usage is status.used: what the quota controller last counted */
	assert_int_equal(put(f, "pods", "kube-public", "x", POD_CPU("1"), &err),
			 0);
	expect(put(f, "pods", "default", "d", POD_CPU("100m"), &err), &err,
	       -EACCES,
	       "pods \"d\" is forbidden: exceeded quota: q, requested: "
	       "pods=1, used: pods=3, limited: pods=3");
}

struct racer {
	struct fx *f;
	int id, result;
};

static void *race_create(void *ud)
{
	struct racer *r = ud;
	_cleanup_json_ json_t *pod = NULL;
	struct kf_error err;
	char name[32];

	pod = json_pack("{s:{s:[{s:s,s:s}]}}", "spec", "containers", "name",
			"c", "image", "i");
	snprintf(name, sizeof(name), "p%d", r->id);
	kf_error_init(&err);
	r->result = server_put(r->f->srv, K("pods"), "default", name, pod, 0,
			       &err, NULL);
	return NULL;
}

/* Creates racing for the last units of a quota: exactly hard of them. */
static void test_quota_race(void **state)
{
	enum { RACERS = 12, HARD = 5 };
	struct fx *f = *state;
	struct racer r[RACERS];
	pthread_t t[RACERS];
	int ok = 0, refused = 0;
	struct kf_error err;

	assert_int_equal(put(f, "resourcequotas", "default", "q",
			     "spec: {hard: {pods: \"5\"}}\n", &err),
			 0);
	for (int i = 0; i < RACERS; i++) {
		r[i] = (struct racer){.f = f, .id = i};
		assert_int_equal(
		    pthread_create(&t[i], NULL, race_create, &r[i]), 0);
	}
	for (int i = 0; i < RACERS; i++) {
		pthread_join(t[i], NULL);
		ok += r[i].result == 0;
		refused += r[i].result == -EACCES;
	}
	assert_int_equal(ok, HARD);
	assert_int_equal(refused, RACERS - HARD);
	expect_used(f, "q", "pods", "5");
}

static void test_quota_invalid(void **state)
{
	struct fx *f = *state;
	struct kf_error err;

	expect(put(f, "resourcequotas", "default", "q",
		   "spec: {hard: {pods: \"-1\"}}\n", &err),
	       &err, -EINVAL,
	       "ResourceQuota \"q\" is invalid: spec.hard[pods]: Invalid "
	       "value: \"-1\": must be greater than or equal to 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ns_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ns_terminating, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ns_immortal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limitrange_defaults, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_limitrange_bounds, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_pod_security, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quota_pods, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quota_compute, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_quota_charge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quota_race, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quota_invalid, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
