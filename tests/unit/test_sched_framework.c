/*
 * Unit tests of kubefs-sched's framework: the pod view, every filter and
 * score plugin, the FitError message, and whole scheduling decisions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched/framework.h"
#include "sched/match.h"

/* JSON from text with ' for " (readable literals). Aborts when bad. */
static json_t *J(const char *fmt, ...)
{
	char buf[8192];
	json_error_t e;
	va_list ap;
	json_t *v;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(buf, 0, &e);
	if (!v)
		fail_msg("bad test JSON: %s: %s", e.text, buf);
	return v;
}

/* A pod named name with the given spec (JSON text, ' for "). */
static struct sched_pod *pod_spec(const char *name, const char *spec)
{
	json_t *obj = J("{'apiVersion':'v1','kind':'Pod','metadata':"
			"{'name':'%s','namespace':'default','uid':'u-%s',"
			"'labels':{'app':'%s'}},'spec':%s}",
			name, name, name, spec);
	struct sched_pod *p = NULL;
	struct kf_error err;

	kf_error_init(&err);
	if (sched_pod_new(obj, &err, &p) < 0)
		fail_msg("pod %s: %s", name, err.msg);
	json_decref(obj);
	return p;
}

static struct sched_pod *pod_json(const char *text)
{
	json_t *obj = J("%s", text);
	struct sched_pod *p = NULL;
	struct kf_error err;

	kf_error_init(&err);
	if (sched_pod_new(obj, &err, &p) < 0)
		fail_msg("pod: %s", err.msg);
	json_decref(obj);
	return p;
}

/* A pod with these requests, e.g. res("500m", "1Gi"). */
static struct sched_pod *pod_req(const char *name, const char *cpu,
				 const char *mem)
{
	char spec[512];

	snprintf(spec, sizeof(spec),
		 "{'containers':[{'name':'c','image':'i','resources':"
		 "{'requests':{'cpu':'%s','memory':'%s'}}}]}",
		 cpu, mem);
	return pod_spec(name, spec);
}

/* Expect sched_pod_new to reject the pod with a message containing
 * want. */
static void expect_invalid(const char *spec, const char *want)
{
	json_t *obj = J("{'metadata':{'name':'bad','namespace':'default'},"
			"'spec':%s}",
			spec);
	struct sched_pod *p = NULL;
	struct kf_error err;

	kf_error_init(&err);
	assert_int_equal(sched_pod_new(obj, &err, &p), -EINVAL);
	assert_null(p);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' lacks '%s'", err.msg, want);
	json_decref(obj);
}

/* A node: name, labels (JSON), taints (JSON), cpu, memory, pods. */
static struct sched_node *node_full(const char *name, const char *labels,
				    const char *taints, const char *cpu,
				    const char *mem, int pods,
				    bool unschedulable)
{
	json_t *obj = J("{'apiVersion':'v1','kind':'Node','metadata':"
			"{'name':'%s','labels':%s},'spec':{'taints':%s,"
			"'unschedulable':%s},'status':{'allocatable':"
			"{'cpu':'%s','memory':'%s','pods':'%d'},"
			"'conditions':[{'type':'Ready','status':'True'}]}}",
			name, labels, taints, unschedulable ? "true" : "false",
			cpu, mem, pods);
	struct sched_node *n = NULL;
	struct kf_error err;

	kf_error_init(&err);
	assert_int_equal(sched_node_new(name, &n), 0);
	if (sched_node_set(n, obj, &err) < 0)
		fail_msg("node %s: %s", name, err.msg);
	json_decref(obj);
	return n;
}

static struct sched_node *node_simple(const char *name)
{
	char labels[128];

	snprintf(labels, sizeof(labels), "{'kubernetes.io/hostname':'%s'}",
		 name);
	return node_full(name, labels, "[]", "4", "8Gi", 110, false);
}

/* Run one filter plugin; returns the status. */
static struct sched_status run_filter(enum sched_plugin_id id,
				      struct sched_pod *pod,
				      struct sched_node **nodes, size_t n,
				      size_t which)
{
	struct sched_status st = {.code = SCHED_SUCCESS};
	struct sched_cycle c;

	assert_int_equal(sched_cycle_init(&c, pod, nodes, n), 0);
	sched_plugin_get(id)->filter(&c, nodes[which], &st);
	sched_cycle_release(&c);
	return st;
}

static void expect_pass(enum sched_plugin_id id, struct sched_pod *pod,
			struct sched_node *node)
{
	struct sched_status st = run_filter(id, pod, &node, 1, 0);

	if (st.code != SCHED_SUCCESS)
		fail_msg("%s rejected: %s", sched_plugin_get(id)->name,
			 st.reasons[0]);
}

static void expect_reject(enum sched_plugin_id id, struct sched_pod *pod,
			  struct sched_node *node, const char *reason)
{
	struct sched_status st = run_filter(id, pod, &node, 1, 0);

	assert_int_not_equal(st.code, SCHED_SUCCESS);
	assert_true(st.n_reasons >= 1);
	assert_string_equal(st.reasons[0], reason);
}

/* ---- pod view ---- */

static void test_pod_requests_sum_and_init_max(void **state)
{
	struct sched_pod *p =
	    pod_spec("p", "{'containers':["
			  "{'name':'a','resources':{'requests':{'cpu':'500m',"
			  "'memory':'128Mi'}}},"
			  "{'name':'b','resources':{'requests':{'cpu':'1',"
			  "'memory':'1Gi'}}}],"
			  "'initContainers':["
			  "{'name':'i','resources':{'requests':{'cpu':'2',"
			  "'memory':'64Mi'}}}]}");

	(void)state;
	/* cpu: max(500m + 1, 2) = 2; memory: max(128Mi + 1Gi, 64Mi) */
	assert_int_equal(p->req.milli_cpu, 2000);
	assert_int_equal(p->req.memory, (128ll + 1024) * 1024 * 1024);
	assert_int_equal(p->req.pods, 1);
	assert_string_equal(p->key, "default/p");
	assert_string_equal(p->scheduler_name, "default-scheduler");
	assert_string_equal(p->node_name, "");
	sched_pod_unref(p);
}

static void test_pod_requests_sidecars_overhead_limits(void **state)
{
	/* sidecar (restartPolicy Always) 100m runs beside everything: sum
	 * 300m + 100m; a later init container needs 1 + 100m; overhead
	 * 250m on top: max(400m, 1100m) + 250m */
	struct sched_pod *p = pod_spec(
	    "p", "{'containers':[{'name':'a','resources':{'limits':"
		 "{'cpu':'300m','memory':'1Mi'}}}],"
		 "'initContainers':["
		 "{'name':'side','restartPolicy':'Always','resources':"
		 "{'requests':{'cpu':'100m'}}},"
		 "{'name':'init','resources':{'requests':{'cpu':'1'}}}],"
		 "'overhead':{'cpu':'250m','memory':'1Mi'}}");

	(void)state;
	assert_int_equal(p->req.milli_cpu, 1350);
	/* limits stand in for absent requests */
	assert_int_equal(p->req.memory, 2 * 1024 * 1024);
	sched_pod_unref(p);
}

static void test_pod_nonzero_defaults(void **state)
{
	struct sched_pod *p =
	    pod_spec("p", "{'containers':[{'name':'a'},{'name':'b','resources':"
			  "{'requests':{'cpu':'0','memory':'1Gi'}}}]}");

	(void)state;
	assert_int_equal(p->req.milli_cpu, 0);
	assert_int_equal(p->req.memory, 1024ll * 1024 * 1024);
	/* a: 100m + 200Mi by default; b asked for 0 cpu explicitly */
	assert_int_equal(p->nonzero_req.milli_cpu, 100);
	assert_int_equal(p->nonzero_req.memory, (200ll + 1024) * 1024 * 1024);
	sched_pod_unref(p);
}

static void test_pod_fields(void **state)
{
	struct sched_pod *p = pod_json(
	    "{'metadata':{'name':'w','namespace':'team','ownerReferences':["
	    "{'kind':'Foo','uid':'not-me'},"
	    "{'kind':'ReplicaSet','uid':'rs-1','controller':true}]},"
	    "'spec':{'schedulerName':'other','priority':7,"
	    "'hostNetwork':true,'containers':[{'name':'c','ports':["
	    "{'containerPort':8080},{'containerPort':53,'hostPort':5353,"
	    "'protocol':'UDP','hostIP':'10.0.0.1'}]}]},"
	    "'status':{'phase':'Succeeded'}}");

	(void)state;
	assert_string_equal(p->key, "team/w");
	assert_string_equal(p->owner_uid, "rs-1");
	assert_string_equal(p->scheduler_name, "other");
	assert_int_equal(p->priority, 7);
	assert_true(p->terminal);
	assert_false(p->deleting);
	assert_int_equal(p->n_host_ports, 2);
	/* hostNetwork: the host port defaults to the container port */
	assert_int_equal(p->host_ports[0].port, 8080);
	assert_string_equal(p->host_ports[0].protocol, "TCP");
	assert_string_equal(p->host_ports[0].ip, "0.0.0.0");
	assert_int_equal(p->host_ports[1].port, 5353);
	assert_string_equal(p->host_ports[1].protocol, "UDP");
	assert_string_equal(p->host_ports[1].ip, "10.0.0.1");
	sched_pod_unref(p);
}

static void test_pod_garbage_rejected(void **state)
{
	(void)state;
	expect_invalid("{'containers':[{'name':'c','resources':{'requests':"
		       "{'cpu':'lots'}}}]}",
		       "spec.containers[0].resources.requests[cpu]: Invalid "
		       "value: \"lots\"");
	expect_invalid("{'containers':[{'name':'c','resources':{'requests':"
		       "{'memory':'-1Gi'}}}]}",
		       "spec.containers[0].resources.requests[memory]");
	expect_invalid("{'containers':[],'nodeSelector':'disk=ssd'}",
		       "spec.nodeSelector: Invalid value");
	expect_invalid("{'containers':[],'tolerations':{'key':'x'}}",
		       "spec.tolerations: Invalid value");
	expect_invalid("{'containers':[{'name':'c','ports':[{'hostPort':"
		       "70000}]}]}",
		       "spec.containers[0].ports[0].hostPort: Invalid value: "
		       "70000");
	expect_invalid("{'containers':[],'affinity':{'podAntiAffinity':{"
		       "'requiredDuringSchedulingIgnoredDuringExecution':"
		       "[{'labelSelector':{}}]}}}",
		       "topologyKey: Required value");
	expect_invalid("{'containers':'nope'}", "spec.containers");
	expect_invalid("{'containers':[],'priority':'high'}", "spec.priority");
	expect_invalid("[]", "spec");
}

static void test_pod_huge_requests_saturate(void **state)
{
	struct sched_pod *p = pod_spec(
	    "p", "{'containers':[{'name':'a','resources':{'requests':"
		 "{'cpu':'9e18','memory':'8Ei'}}},{'name':'b','resources':"
		 "{'requests':{'cpu':'9e18','memory':'8Ei'}}}]}");

	(void)state;
	assert_int_equal(p->req.milli_cpu, INT64_MAX);
	assert_int_equal(p->req.memory, INT64_MAX);
	sched_pod_unref(p);
}

/* ---- filters ---- */

static void test_filter_node_unschedulable(void **state)
{
	struct sched_node *n =
	    node_full("n", "{}", "[]", "4", "8Gi", 110, true);
	struct sched_pod *plain = pod_spec("a", "{'containers':[]}");
	struct sched_pod *tol = pod_spec(
	    "b", "{'containers':[],'tolerations':[{'key':"
		 "'node.kubernetes.io/unschedulable','operator':'Exists',"
		 "'effect':'NoSchedule'}]}");

	(void)state;
	expect_reject(SCHED_PLUGIN_NODE_UNSCHEDULABLE, plain, n,
		      "node(s) were unschedulable");
	expect_pass(SCHED_PLUGIN_NODE_UNSCHEDULABLE, tol, n);
	sched_pod_unref(plain);
	sched_pod_unref(tol);
	sched_node_free(n);
}

static void test_filter_node_name(void **state)
{
	struct sched_node *n = node_simple("n1");
	struct sched_pod *other = pod_spec("a", "{'nodeName':'n2'}");
	struct sched_pod *same = pod_spec("b", "{'nodeName':'n1'}");
	struct sched_pod *none = pod_spec("c", "{}");

	(void)state;
	expect_reject(SCHED_PLUGIN_NODE_NAME, other, n,
		      "node(s) didn't match the requested node name");
	expect_pass(SCHED_PLUGIN_NODE_NAME, same, n);
	expect_pass(SCHED_PLUGIN_NODE_NAME, none, n);
	sched_pod_unref(other);
	sched_pod_unref(same);
	sched_pod_unref(none);
	sched_node_free(n);
}

static void test_filter_taint_toleration(void **state)
{
	struct sched_node *cp =
	    node_full("cp", "{}",
		      "[{'key':'node-role.kubernetes.io/control-plane',"
		      "'effect':'NoSchedule'}]",
		      "4", "8Gi", 110, false);
	struct sched_node *gpu =
	    node_full("gpu", "{}",
		      "[{'key':'soft','value':'x','effect':'PreferNoSchedule'},"
		      "{'key':'dedicated','value':'gpu','effect':'NoExecute'}]",
		      "4", "8Gi", 110, false);
	struct sched_pod *plain = pod_spec("a", "{}");
	struct sched_pod *eq = pod_spec(
	    "b", "{'tolerations':[{'key':'dedicated','operator':'Equal',"
		 "'value':'gpu'}]}");
	struct sched_pod *wrong_value = pod_spec(
	    "c", "{'tolerations':[{'key':'dedicated','value':'cpu'}]}");
	struct sched_pod *wrong_effect = pod_spec(
	    "d", "{'tolerations':[{'key':'dedicated','operator':'Exists',"
		 "'effect':'NoSchedule'}]}");
	struct sched_pod *all =
	    pod_spec("e", "{'tolerations':[{'operator':'Exists'}]}");

	(void)state;
	expect_reject(SCHED_PLUGIN_TAINT_TOLERATION, plain, cp,
		      "node(s) had untolerated taint "
		      "{node-role.kubernetes.io/control-plane: }");
	/* PreferNoSchedule never filters; NoExecute does */
	expect_reject(SCHED_PLUGIN_TAINT_TOLERATION, plain, gpu,
		      "node(s) had untolerated taint {dedicated: gpu}");
	expect_pass(SCHED_PLUGIN_TAINT_TOLERATION, eq, gpu);
	expect_reject(SCHED_PLUGIN_TAINT_TOLERATION, wrong_value, gpu,
		      "node(s) had untolerated taint {dedicated: gpu}");
	expect_reject(SCHED_PLUGIN_TAINT_TOLERATION, wrong_effect, gpu,
		      "node(s) had untolerated taint {dedicated: gpu}");
	expect_pass(SCHED_PLUGIN_TAINT_TOLERATION, all, gpu);
	expect_pass(SCHED_PLUGIN_TAINT_TOLERATION, all, cp);
	sched_pod_unref(plain);
	sched_pod_unref(eq);
	sched_pod_unref(wrong_value);
	sched_pod_unref(wrong_effect);
	sched_pod_unref(all);
	sched_node_free(cp);
	sched_node_free(gpu);
}

static bool affinity_passes(const char *spec, struct sched_node *n)
{
	struct sched_pod *p = pod_spec("p", spec);
	struct sched_status st =
	    run_filter(SCHED_PLUGIN_NODE_AFFINITY, p, &n, 1, 0);

	sched_pod_unref(p);
	if (st.code != SCHED_SUCCESS)
		assert_string_equal(
		    st.reasons[0],
		    "node(s) didn't match Pod's node affinity/selector");
	return st.code == SCHED_SUCCESS;
}

#define REQ(exprs)                                                             \
	"{'affinity':{'nodeAffinity':{'requiredDuringScheduling"               \
	"IgnoredDuringExecution':{'nodeSelectorTerms':[" exprs "]}}}}"

static void test_filter_node_affinity(void **state)
{
	struct sched_node *n =
	    node_full("n1", "{'disk':'ssd','zone':'a','cores':'16'}", "[]", "4",
		      "8Gi", 110, false);

	(void)state;
	assert_true(affinity_passes("{'nodeSelector':{'disk':'ssd'}}", n));
	assert_false(affinity_passes("{'nodeSelector':{'disk':'hdd'}}", n));
	assert_false(
	    affinity_passes("{'nodeSelector':{'disk':'ssd','gpu':'yes'}}", n));
	assert_true(
	    affinity_passes(REQ("{'matchExpressions':[{'key':'zone',"
				"'operator':'In','values':['a','b']}]}"),
			    n));
	assert_false(affinity_passes(
	    REQ("{'matchExpressions':[{'key':'zone','operator':'NotIn',"
		"'values':['a']}]}"),
	    n));
	assert_true(affinity_passes(
	    REQ("{'matchExpressions':[{'key':'gpu','operator':'NotIn',"
		"'values':['x']}]}"),
	    n));
	assert_true(affinity_passes(
	    REQ("{'matchExpressions':[{'key':'disk','operator':'Exists'}]}"),
	    n));
	assert_false(
	    affinity_passes(REQ("{'matchExpressions':[{'key':'disk','operator':"
				"'DoesNotExist'}]}"),
			    n));
	assert_true(affinity_passes(
	    REQ("{'matchExpressions':[{'key':'cores','operator':'Gt',"
		"'values':['8']}]}"),
	    n));
	assert_false(affinity_passes(
	    REQ("{'matchExpressions':[{'key':'cores','operator':'Lt',"
		"'values':['8']}]}"),
	    n));
	/* Gt needs an integer label and exactly one integer value */
	assert_false(affinity_passes(
	    REQ("{'matchExpressions':[{'key':'disk','operator':'Gt',"
		"'values':['1']}]}"),
	    n));
	assert_false(affinity_passes(
	    REQ("{'matchExpressions':[{'key':'cores','operator':'Gt',"
		"'values':['1','2']}]}"),
	    n));
	/* expressions in a term are ANDed, terms are ORed */
	assert_false(affinity_passes(
	    REQ("{'matchExpressions':[{'key':'disk','operator':'Exists'},"
		"{'key':'zone','operator':'In','values':['b']}]}"),
	    n));
	assert_true(affinity_passes(
	    REQ("{'matchExpressions':[{'key':'zone','operator':'In',"
		"'values':['b']}]},{'matchExpressions':[{'key':'disk',"
		"'operator':'Exists'}]}"),
	    n));
	/* an empty term matches nothing; so does an unknown operator */
	assert_false(affinity_passes(REQ("{}"), n));
	assert_false(affinity_passes(
	    REQ("{'matchExpressions':[{'key':'disk','operator':'Like'}]}"), n));
	assert_false(affinity_passes(
	    "{'affinity':{'nodeAffinity':{'requiredDuringScheduling"
	    "IgnoredDuringExecution':{}}}}",
	    n));
	/* matchFields on metadata.name */
	assert_true(affinity_passes(
	    REQ("{'matchFields':[{'key':'metadata.name','operator':'In',"
		"'values':['n1']}]}"),
	    n));
	assert_false(affinity_passes(
	    REQ("{'matchFields':[{'key':'metadata.name','operator':'NotIn',"
		"'values':['n1']}]}"),
	    n));
	sched_node_free(n);
}

static void test_filter_resources_fit(void **state)
{
	struct sched_node *n = node_full("n", "{}", "[]", "2", "4Gi", 2, false);
	struct sched_pod *a = pod_req("a", "1500m", "1Gi");
	struct sched_pod *b = pod_req("b", "1", "1Gi");
	struct sched_pod *c = pod_req("c", "100m", "3073Mi");
	struct sched_pod *d = pod_req("d", "100m", "100Mi");
	struct sched_pod *none = pod_spec("e", "{'containers':[{}]}");
	struct sched_status st;

	(void)state;
	expect_pass(SCHED_PLUGIN_NODE_RESOURCES_FIT, a, n);
	assert_int_equal(sched_node_add_pod(n, a), 0);
	assert_int_equal(n->requested.milli_cpu, 1500);
	expect_reject(SCHED_PLUGIN_NODE_RESOURCES_FIT, b, n,
		      "Insufficient cpu");
	expect_reject(SCHED_PLUGIN_NODE_RESOURCES_FIT, c, n,
		      "Insufficient memory");
	assert_int_equal(sched_node_add_pod(n, d), 0);
	/* two pods on a node that allows two: every reason counts */
	st = run_filter(SCHED_PLUGIN_NODE_RESOURCES_FIT, b, &n, 1, 0);
	assert_int_equal(st.code, SCHED_UNSCHEDULABLE);
	assert_int_equal(st.n_reasons, 2);
	assert_string_equal(st.reasons[0], "Too many pods");
	assert_string_equal(st.reasons[1], "Insufficient cpu");
	expect_reject(SCHED_PLUGIN_NODE_RESOURCES_FIT, none, n,
		      "Too many pods");
	assert_int_equal(sched_node_remove_pod(n, a), 0);
	assert_int_equal(sched_node_remove_pod(n, a), -ENOENT);
	assert_int_equal(n->requested.milli_cpu, 100);
	expect_pass(SCHED_PLUGIN_NODE_RESOURCES_FIT, b, n);
	sched_pod_unref(a);
	sched_pod_unref(b);
	sched_pod_unref(c);
	sched_pod_unref(d);
	sched_pod_unref(none);
	sched_node_free(n);
}

static void test_filter_extended_resources(void **state)
{
	json_t *obj = J("{'metadata':{'name':'g'},'status':{'allocatable':"
			"{'cpu':'8','memory':'8Gi','pods':'10',"
			"'nvidia.com/gpu':'2','ephemeral-storage':'10Gi'},"
			"'capacity':{'hugepages-2Mi':'1Gi'}}}");
	struct sched_node *plain = node_simple("plain"), *g = NULL;
	struct sched_pod *gpu = pod_spec(
	    "gpu", "{'containers':[{'resources':{'limits':{"
		   "'nvidia.com/gpu':'1'}}}],'initContainers':[{"
		   "'resources':{'requests':{'ephemeral-storage':'4Gi'}}}]}");
	struct sched_pod *two = pod_spec(
	    "two", "{'containers':[{'resources':{'requests':{"
		   "'nvidia.com/gpu':'2','hugepages-2Mi':'512Mi'}}}]}");
	struct kf_error err;
	struct sched_status st;

	(void)state;
	kf_error_init(&err);
	assert_int_equal(sched_node_new("g", &g), 0);
	assert_int_equal(sched_node_set(g, obj, &err), 0);
	assert_int_equal(g->n_scalars, 3);
	/* limits stand in for requests; init containers count at most */
	assert_int_equal(gpu->n_scalars, 2);
	expect_reject(SCHED_PLUGIN_NODE_RESOURCES_FIT, gpu, plain,
		      "Insufficient nvidia.com/gpu");
	st = run_filter(SCHED_PLUGIN_NODE_RESOURCES_FIT, gpu, &plain, 1, 0);
	assert_int_equal(st.n_reasons, 2);
	expect_pass(SCHED_PLUGIN_NODE_RESOURCES_FIT, gpu, g);
	expect_pass(SCHED_PLUGIN_NODE_RESOURCES_FIT, two, g);
	assert_int_equal(sched_node_add_pod(g, gpu), 0);
	expect_reject(SCHED_PLUGIN_NODE_RESOURCES_FIT, two, g,
		      "Insufficient nvidia.com/gpu");
	/* a new version of the node keeps counting the pods on it */
	json_object_set_new(
	    json_object_get(json_object_get(obj, "status"), "allocatable"),
	    "nvidia.com/gpu", json_string("3"));
	assert_int_equal(sched_node_set(g, obj, &err), 0);
	expect_pass(SCHED_PLUGIN_NODE_RESOURCES_FIT, two, g);
	assert_int_equal(sched_node_remove_pod(g, gpu), 0);
	json_decref(obj);
	sched_pod_unref(gpu);
	sched_pod_unref(two);
	sched_node_free(g);
	sched_node_free(plain);
}

static void test_filter_node_ports(void **state)
{
	struct sched_node *n = node_simple("n");
	struct sched_pod *web =
	    pod_spec("web", "{'containers':[{'ports':[{'containerPort':80,"
			    "'hostPort':8080}]}]}");
	struct sched_pod *same =
	    pod_spec("same", "{'containers':[{'ports':[{'containerPort':80,"
			     "'hostPort':8080,'hostIP':'10.1.1.1'}]}]}");
	struct sched_pod *udp =
	    pod_spec("udp", "{'containers':[{'ports':[{'containerPort':80,"
			    "'hostPort':8080,'protocol':'UDP'}]}]}");
	struct sched_pod *ip1 =
	    pod_spec("ip1", "{'containers':[{'ports':[{'hostPort':9090,"
			    "'hostIP':'10.0.0.1'}]}]}");
	struct sched_pod *ip2 =
	    pod_spec("ip2", "{'containers':[{'ports':[{'hostPort':9090,"
			    "'hostIP':'10.0.0.2'}]}]}");
	struct sched_pod *noport = pod_spec(
	    "np", "{'containers':[{'ports':[{'containerPort':8080}]}]}");

	(void)state;
	expect_pass(SCHED_PLUGIN_NODE_PORTS, web, n);
	assert_int_equal(sched_node_add_pod(n, web), 0);
	/* 0.0.0.0 overlaps any address */
	expect_reject(SCHED_PLUGIN_NODE_PORTS, same, n,
		      "node(s) didn't have free ports for the requested pod "
		      "ports");
	expect_pass(SCHED_PLUGIN_NODE_PORTS, udp, n);
	expect_pass(SCHED_PLUGIN_NODE_PORTS, noport, n);
	assert_int_equal(sched_node_add_pod(n, ip1), 0);
	expect_pass(SCHED_PLUGIN_NODE_PORTS, ip2, n);
	expect_reject(SCHED_PLUGIN_NODE_PORTS, ip1, n,
		      "node(s) didn't have free ports for the requested pod "
		      "ports");
	sched_pod_unref(web);
	sched_pod_unref(same);
	sched_pod_unref(udp);
	sched_pod_unref(ip1);
	sched_pod_unref(ip2);
	sched_pod_unref(noport);
	sched_node_free(n);
}

#define ANTI(sel, key)                                                         \
	"{'affinity':{'podAntiAffinity':{'requiredDuringScheduling"            \
	"IgnoredDuringExecution':[{'labelSelector':" sel                       \
	",'topologyKey':'" key "'}]}}}"
#define AFF(sel, key)                                                          \
	"{'affinity':{'podAffinity':{'requiredDuringScheduling"                \
	"IgnoredDuringExecution':[{'labelSelector':" sel                       \
	",'topologyKey':'" key "'}]}}}"

static void test_filter_anti_affinity_hostname(void **state)
{
	struct sched_node *nodes[2] = {node_simple("n1"), node_simple("n2")};
	struct sched_pod *web = pod_spec("web", "{}");
	struct sched_pod *web2 =
	    pod_spec("web2", ANTI("{'matchLabels':{'app':'web'}}",
				  "kubernetes.io/hostname"));
	struct sched_pod *expr = pod_spec(
	    "x", ANTI("{'matchExpressions':[{'key':'app','operator':'In',"
		      "'values':['web','db']}]}",
		      "kubernetes.io/hostname"));
	struct sched_pod *nomatch =
	    pod_spec("y", ANTI("{'matchLabels':{'app':'db'}}",
			       "kubernetes.io/hostname"));
	struct sched_status st;

	(void)state;
	assert_int_equal(sched_node_add_pod(nodes[0], web), 0);
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, web2, nodes, 2, 0);
	assert_int_equal(st.code, SCHED_UNSCHEDULABLE);
	assert_string_equal(st.reasons[0],
			    "node(s) didn't match pod anti-affinity rules");
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, web2, nodes, 2, 1);
	assert_int_equal(st.code, SCHED_SUCCESS);
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, expr, nodes, 2, 0);
	assert_int_equal(st.code, SCHED_UNSCHEDULABLE);
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, nomatch, nodes, 2, 0);
	assert_int_equal(st.code, SCHED_SUCCESS);

	/* the placed pod's own anti-affinity keeps matching pods away */
	assert_int_equal(sched_node_add_pod(nodes[1], nomatch), 0);
	{
		struct sched_pod *db =
		    pod_json("{'metadata':{'name':'db','namespace':'default',"
			     "'labels':{'app':'db'}},'spec':{}}");

		st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, db, nodes, 2,
				1);
		assert_int_equal(st.code, SCHED_UNSCHEDULABLE);
		assert_string_equal(
		    st.reasons[0],
		    "node(s) didn't match existing pods anti-affinity rules");
		st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, db, nodes, 2,
				0);
		assert_int_equal(st.code, SCHED_SUCCESS);
		sched_pod_unref(db);
	}
	sched_pod_unref(web);
	sched_pod_unref(web2);
	sched_pod_unref(expr);
	sched_pod_unref(nomatch);
	sched_node_free(nodes[0]);
	sched_node_free(nodes[1]);
}

static void test_filter_anti_affinity_namespaces_and_zones(void **state)
{
	struct sched_node *nodes[3] = {
	    node_full("a1", "{'zone':'a'}", "[]", "4", "8Gi", 110, false),
	    node_full("a2", "{'zone':'a'}", "[]", "4", "8Gi", 110, false),
	    node_full("b1", "{'zone':'b'}", "[]", "4", "8Gi", 110, false),
	};
	struct sched_pod *other_ns =
	    pod_json("{'metadata':{'name':'o','namespace':'prod','labels':"
		     "{'app':'web'}},'spec':{}}");
	struct sched_pod *zone_anti =
	    pod_spec("z", ANTI("{'matchLabels':{'app':'web'}}", "zone"));
	struct sched_pod *all_ns = pod_spec(
	    "all", "{'affinity':{'podAntiAffinity':{'requiredDuring"
		   "SchedulingIgnoredDuringExecution':[{'labelSelector':"
		   "{'matchLabels':{'app':'web'}},'topologyKey':'zone',"
		   "'namespaceSelector':{}}]}}}");
	struct sched_pod *listed =
	    pod_spec("l", "{'affinity':{'podAntiAffinity':{'requiredDuring"
			  "SchedulingIgnoredDuringExecution':[{'labelSelector':"
			  "{'matchLabels':{'app':'web'}},'topologyKey':'zone',"
			  "'namespaces':['prod']}]}}}");
	struct sched_status st;

	(void)state;
	assert_int_equal(sched_node_add_pod(nodes[0], other_ns), 0);
	/* the term looks in the pod's own namespace by default */
	st =
	    run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, zone_anti, nodes, 3, 1);
	assert_int_equal(st.code, SCHED_SUCCESS);
	/* across namespaces, the whole zone is off limits */
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, all_ns, nodes, 3, 1);
	assert_int_equal(st.code, SCHED_UNSCHEDULABLE);
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, listed, nodes, 3, 1);
	assert_int_equal(st.code, SCHED_UNSCHEDULABLE);
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, listed, nodes, 3, 2);
	assert_int_equal(st.code, SCHED_SUCCESS);
	sched_pod_unref(other_ns);
	sched_pod_unref(zone_anti);
	sched_pod_unref(all_ns);
	sched_pod_unref(listed);
	for (int i = 0; i < 3; i++)
		sched_node_free(nodes[i]);
}

static void test_filter_pod_affinity(void **state)
{
	struct sched_node *nodes[2] = {node_simple("n1"), node_simple("n2")};
	struct sched_pod *cache = pod_spec("cache", "{}");
	struct sched_pod *near =
	    pod_spec("near", AFF("{'matchLabels':{'app':'cache'}}",
				 "kubernetes.io/hostname"));
	struct sched_pod *self =
	    pod_spec("self", AFF("{'matchLabels':{'app':'self'}}",
				 "kubernetes.io/hostname"));
	struct sched_pod *nolabel =
	    pod_spec("self", AFF("{'matchLabels':{'app':'self'}}", "rack"));
	struct sched_status st;

	(void)state;
	/* nothing matches yet and the pod does not match itself */
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, near, nodes, 2, 0);
	assert_int_equal(st.code, SCHED_UNRESOLVABLE);
	assert_string_equal(st.reasons[0],
			    "node(s) didn't match pod affinity rules");
	/* the first of a group with affinity to itself goes anywhere */
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, self, nodes, 2, 1);
	assert_int_equal(st.code, SCHED_SUCCESS);
	/* ... that has the topology label */
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, nolabel, nodes, 2, 1);
	assert_int_equal(st.code, SCHED_UNRESOLVABLE);
	assert_int_equal(sched_node_add_pod(nodes[1], cache), 0);
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, near, nodes, 2, 1);
	assert_int_equal(st.code, SCHED_SUCCESS);
	st = run_filter(SCHED_PLUGIN_INTER_POD_AFFINITY, near, nodes, 2, 0);
	assert_int_equal(st.code, SCHED_UNRESOLVABLE);
	sched_pod_unref(cache);
	sched_pod_unref(near);
	sched_pod_unref(self);
	sched_pod_unref(nolabel);
	sched_node_free(nodes[0]);
	sched_node_free(nodes[1]);
}

static void test_match_selector_edge_cases(void **state)
{
	json_t *labels = J("{'a':'1','b':'2'}");
	json_t *empty = J("{}");
	json_t *sel;

	(void)state;
	/* {} matches everything, NULL nothing */
	assert_true(sched_selector_matches(empty, labels));
	assert_false(sched_selector_matches(NULL, labels));
	sel = J("{'matchLabels':{'a':'1'},'matchExpressions':[{'key':'b',"
		"'operator':'NotIn','values':['3']},{'key':'c','operator':"
		"'DoesNotExist'}]}");
	assert_true(sched_selector_matches(sel, labels));
	assert_false(sched_selector_matches(sel, empty));
	json_decref(sel);
	/* Gt/Lt belong to node selectors only */
	sel = J("{'matchExpressions':[{'key':'a','operator':'Gt','values':"
		"['0']}]}");
	assert_false(sched_selector_matches(sel, labels));
	json_decref(sel);
	sel = J("{'matchLabels':'a=1'}");
	assert_false(sched_selector_matches(sel, labels));
	json_decref(sel);
	json_decref(labels);
	json_decref(empty);
}

/* ---- scores ---- */

/* Raw score of plugin id for pod on each node, then normalised. */
static void scores_of(enum sched_plugin_id id, struct sched_pod *pod,
		      struct sched_node **nodes, size_t n, int64_t *out)
{
	const struct sched_plugin *pl = sched_plugin_get(id);
	struct sched_cycle c;

	assert_int_equal(sched_cycle_init(&c, pod, nodes, n), 0);
	for (size_t i = 0; i < n; i++)
		out[i] = pl->score(&c, nodes[i]);
	if (pl->normalize)
		pl->normalize(&c, out, n);
	sched_cycle_release(&c);
}

static void test_score_least_allocated(void **state)
{
	struct sched_node *nodes[2] = {
	    node_full("n1", "{}", "[]", "4", "8Gi", 110, false),
	    node_full("n2", "{}", "[]", "4", "8Gi", 110, false),
	};
	struct sched_pod *big = pod_req("big", "2", "4Gi");
	struct sched_pod *p = pod_req("p", "1", "2Gi");
	struct sched_pod *empty = pod_spec("e", "{'containers':[{}]}");
	int64_t s[2];

	(void)state;
	assert_int_equal(sched_node_add_pod(nodes[0], big), 0);
	scores_of(SCHED_PLUGIN_NODE_RESOURCES_FIT, p, nodes, 2, s);
	/* n1: (4-3)/4 cpu = 25, (8-6)/8 mem = 25; n2: 75, 75 */
	assert_int_equal(s[0], 25);
	assert_int_equal(s[1], 75);
	/* a pod asking nothing counts as 100m / 200Mi */
	scores_of(SCHED_PLUGIN_NODE_RESOURCES_FIT, empty, nodes, 2, s);
	assert_int_equal(
	    s[1], ((4000 - 100) * 100 / 4000 + (8192 - 200) * 100 / 8192) / 2);
	sched_pod_unref(big);
	sched_pod_unref(p);
	sched_pod_unref(empty);
	sched_node_free(nodes[0]);
	sched_node_free(nodes[1]);
}

static void test_score_balanced_allocation(void **state)
{
	struct sched_node *nodes[2] = {
	    node_full("n1", "{}", "[]", "4", "8Gi", 110, false),
	    node_full("n2", "{}", "[]", "4", "8Gi", 110, false),
	};
	struct sched_pod *cpu_heavy = pod_req("h", "2", "0");
	struct sched_pod *p = pod_req("p", "1", "4Gi");
	int64_t s[2];

	(void)state;
	assert_int_equal(sched_node_add_pod(nodes[0], cpu_heavy), 0);
	scores_of(SCHED_PLUGIN_BALANCED_ALLOCATION, p, nodes, 2, s);
	/* n1: cpu 3/4, mem 4/8 -> 100 * (1 - 0.25 / 2) = 87;
	 * n2: cpu 1/4, mem 4/8 -> 87 too; a balanced pod on n2 */
	assert_int_equal(s[0], 87);
	assert_int_equal(s[1], 87);
	sched_pod_unref(p);
	p = pod_req("q", "2", "4Gi");
	scores_of(SCHED_PLUGIN_BALANCED_ALLOCATION, p, nodes, 2, s);
	/* n1: cpu 1 (capped), mem .5 -> 75; n2: .5, .5 -> 100 */
	assert_int_equal(s[0], 75);
	assert_int_equal(s[1], 100);
	sched_pod_unref(p);
	sched_pod_unref(cpu_heavy);
	sched_node_free(nodes[0]);
	sched_node_free(nodes[1]);
}

static void test_score_node_affinity_preferred(void **state)
{
	struct sched_node *nodes[3] = {
	    node_full("n1", "{'disk':'ssd','zone':'a'}", "[]", "4", "8Gi", 110,
		      false),
	    node_full("n2", "{'disk':'ssd'}", "[]", "4", "8Gi", 110, false),
	    node_full("n3", "{}", "[]", "4", "8Gi", 110, false),
	};
	struct sched_pod *p = pod_spec(
	    "p", "{'affinity':{'nodeAffinity':{'preferredDuringScheduling"
		 "IgnoredDuringExecution':["
		 "{'weight':30,'preference':{'matchExpressions':[{'key':"
		 "'disk','operator':'In','values':['ssd']}]}},"
		 "{'weight':10,'preference':{'matchExpressions':[{'key':"
		 "'zone','operator':'Exists'}]}},"
		 "{'weight':0,'preference':{'matchExpressions':[{'key':"
		 "'zone','operator':'DoesNotExist'}]}}]}}}");
	int64_t s[3];

	(void)state;
	scores_of(SCHED_PLUGIN_NODE_AFFINITY, p, nodes, 3, s);
	/* raw 40, 30, 0 scaled so the best is 100 */
	assert_int_equal(s[0], 100);
	assert_int_equal(s[1], 75);
	assert_int_equal(s[2], 0);
	sched_pod_unref(p);
	for (int i = 0; i < 3; i++)
		sched_node_free(nodes[i]);
}

static void test_score_taint_toleration(void **state)
{
	struct sched_node *nodes[3] = {
	    node_full("n1", "{}",
		      "[{'key':'a','effect':'PreferNoSchedule'},"
		      "{'key':'b','effect':'PreferNoSchedule'}]",
		      "4", "8Gi", 110, false),
	    node_full("n2", "{}", "[{'key':'a','effect':'PreferNoSchedule'}]",
		      "4", "8Gi", 110, false),
	    node_full("n3", "{}", "[]", "4", "8Gi", 110, false),
	};
	struct sched_pod *p = pod_spec("p", "{}");
	struct sched_pod *tol = pod_spec(
	    "t", "{'tolerations':[{'key':'a','operator':'Exists'},"
		 "{'key':'b','operator':'Exists','effect':'NoSchedule'}]}");
	int64_t s[3];

	(void)state;
	scores_of(SCHED_PLUGIN_TAINT_TOLERATION, p, nodes, 3, s);
	assert_int_equal(s[0], 0);
	assert_int_equal(s[1], 50);
	assert_int_equal(s[2], 100);
	/* a NoSchedule-only toleration does not count for scoring */
	scores_of(SCHED_PLUGIN_TAINT_TOLERATION, tol, nodes, 3, s);
	assert_int_equal(s[0], 0);
	assert_int_equal(s[1], 100);
	assert_int_equal(s[2], 100);
	sched_pod_unref(p);
	sched_pod_unref(tol);
	for (int i = 0; i < 3; i++)
		sched_node_free(nodes[i]);
}

static struct sched_pod *owned(const char *name, const char *owner)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "{'metadata':{'name':'%s','namespace':'default',"
		 "'ownerReferences':[{'kind':'ReplicaSet','name':'rs',"
		 "'uid':'%s','controller':true}]},'spec':{}}",
		 name, owner);
	return pod_json(text);
}

static void test_score_selector_spread(void **state)
{
	struct sched_node *nodes[3] = {node_simple("n1"), node_simple("n2"),
				       node_simple("n3")};
	struct sched_pod *a = owned("a", "rs1"), *b = owned("b", "rs1");
	struct sched_pod *c = owned("c", "rs1"), *o = owned("o", "rs2");
	struct sched_pod *p = owned("p", "rs1"), *lone = pod_spec("l", "{}");
	int64_t s[3];

	(void)state;
	assert_int_equal(sched_node_add_pod(nodes[0], a), 0);
	assert_int_equal(sched_node_add_pod(nodes[0], b), 0);
	assert_int_equal(sched_node_add_pod(nodes[1], c), 0);
	assert_int_equal(sched_node_add_pod(nodes[2], o), 0);
	scores_of(SCHED_PLUGIN_SELECTOR_SPREAD, p, nodes, 3, s);
	assert_int_equal(s[0], 0);
	assert_int_equal(s[1], 50);
	assert_int_equal(s[2], 100);
	/* no controller: no preference */
	scores_of(SCHED_PLUGIN_SELECTOR_SPREAD, lone, nodes, 3, s);
	assert_int_equal(s[0], s[1]);
	assert_int_equal(s[1], s[2]);
	sched_pod_unref(a);
	sched_pod_unref(b);
	sched_pod_unref(c);
	sched_pod_unref(o);
	sched_pod_unref(p);
	sched_pod_unref(lone);
	for (int i = 0; i < 3; i++)
		sched_node_free(nodes[i]);
}

static void test_default_normalize(void **state)
{
	int64_t a[3] = {0, 5, 10}, b[2] = {0, 0}, c[2] = {0, 0};
	int64_t d[2] = {INT64_MAX / 2, INT64_MAX};

	(void)state;
	sched_default_normalize(100, false, a, 3);
	assert_int_equal(a[1], 50);
	assert_int_equal(a[2], 100);
	sched_default_normalize(100, false, b, 2);
	assert_int_equal(b[0], 0);
	sched_default_normalize(100, true, c, 2);
	assert_int_equal(c[0], 100);
	sched_default_normalize(100, false, d, 2);
	assert_int_equal(d[0], 49);
	assert_int_equal(d[1], 100);
}

static void test_profile_weights(void **state)
{
	struct sched_node *nodes[2] = {
	    node_full("n1", "{'disk':'ssd'}", "[]", "4", "8Gi", 110, false),
	    node_full("n2", "{}", "[]", "4", "8Gi", 110, false),
	};
	struct sched_pod *filler = pod_req("f", "2", "4Gi");
	struct sched_pod *p = pod_spec(
	    "p", "{'affinity':{'nodeAffinity':{'preferredDuringScheduling"
		 "IgnoredDuringExecution':[{'weight':5,'preference':"
		 "{'matchExpressions':[{'key':'disk','operator':'Exists'}]}}"
		 "]}}}");
	struct sched_profile prof;
	struct sched_cycle c;
	int64_t s[2];

	(void)state;
	sched_profile_init(&prof);
	assert_int_equal(prof.weights[SCHED_PLUGIN_TAINT_TOLERATION], 3);
	assert_int_equal(prof.weights[SCHED_PLUGIN_NODE_AFFINITY], 2);
	assert_int_equal(sched_profile_set_weight(&prof, "Nope", 1), -ENOENT);
	assert_int_equal(sched_profile_set_weight(&prof, "NodePorts", 1),
			 -EINVAL);
	assert_int_equal(
	    sched_profile_set_weight(&prof, "NodeResourcesFit", 101), -EINVAL);
	assert_int_equal(sched_plugin_lookup("InterPodAffinity"),
			 SCHED_PLUGIN_INTER_POD_AFFINITY);

	assert_int_equal(sched_node_add_pod(nodes[0], filler), 0);
	assert_int_equal(sched_cycle_init(&c, p, nodes, 2), 0);
	/* affinity only */
	for (int i = 0; i < SCHED_N_PLUGINS; i++)
		prof.weights[i] = 0;
	assert_int_equal(sched_profile_set_weight(&prof, "NodeAffinity", 4), 0);
	assert_int_equal(sched_prioritize(&prof, &c, nodes, 2, s), 0);
	assert_int_equal(s[0], 400);
	assert_int_equal(s[1], 0);
	/* least allocated only: n2 is emptier */
	assert_int_equal(sched_profile_set_weight(&prof, "NodeAffinity", 0), 0);
	assert_int_equal(sched_profile_set_weight(&prof, "NodeResourcesFit", 1),
			 0);
	assert_int_equal(sched_prioritize(&prof, &c, nodes, 2, s), 0);
	assert_true(s[1] > s[0]);
	sched_cycle_release(&c);
	sched_pod_unref(filler);
	sched_pod_unref(p);
	sched_node_free(nodes[0]);
	sched_node_free(nodes[1]);
}

/* ---- diagnosis and whole decisions ---- */

static char *schedule_message(struct sched_pod *p, struct sched_node **nodes,
			      size_t n)
{
	struct sched_profile prof;
	struct sched_diagnosis d;
	size_t idx = 99;
	char *msg = NULL;

	sched_profile_init(&prof);
	sched_diagnosis_init(&d);
	assert_int_equal(sched_schedule(&prof, p, nodes, n, &d, &idx),
			 SCHED_E_UNSCHEDULABLE);
	assert_int_equal(idx, 99);
	assert_int_equal(sched_diagnosis_message(&d, &msg), 0);
	sched_diagnosis_release(&d);
	return msg;
}

static void test_message_kube_scheduler_example(void **state)
{
	const char *cp_taint = "[{'key':'node-role.kubernetes.io/"
			       "control-plane','effect':'NoSchedule'}]";
	struct sched_node *nodes[3] = {
	    node_full("w", "{}", "[]", "1", "8Gi", 110, false),
	    node_full("cp1", "{}", cp_taint, "8", "8Gi", 110, false),
	    node_full("cp2", "{}", cp_taint, "8", "8Gi", 110, false),
	};
	struct sched_pod *p = pod_req("p", "2", "1Gi");
	char *msg = schedule_message(p, nodes, 3);

	(void)state;
	assert_string_equal(
	    msg, "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had "
		 "untolerated taint {node-role.kubernetes.io/control-plane: "
		 "}.");
	free(msg);
	sched_pod_unref(p);
	for (int i = 0; i < 3; i++)
		sched_node_free(nodes[i]);
}

static void test_message_sorting_and_multi_reasons(void **state)
{
	struct sched_node *nodes[12];
	struct sched_pod *p = pod_req("p", "2", "16Gi");
	char name[16], *msg;

	(void)state;
	/* 10 nodes short of memory, 2 short of both: "10 ..." sorts
	 * before "12 ..." and "2 ..." as strings do */
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		nodes[i] = node_full(name, "{}", "[]", i < 10 ? "4" : "1",
				     "8Gi", 110, false);
	}
	msg = schedule_message(p, nodes, 12);
	assert_string_equal(msg, "0/12 nodes are available: 12 Insufficient "
				 "memory, 2 Insufficient cpu.");
	free(msg);
	msg = schedule_message(p, nodes, 0);
	assert_string_equal(msg, "no nodes available to schedule pods");
	free(msg);
	sched_pod_unref(p);
	for (int i = 0; i < 12; i++)
		sched_node_free(nodes[i]);
}

static void test_message_first_failing_plugin_only(void **state)
{
	struct sched_node *nodes[4] = {
	    node_full("u", "{}", "[]", "1", "1Gi", 110, true),
	    node_full("t", "{}",
		      "[{'key':'k','value':'v','effect':"
		      "'NoSchedule'}]",
		      "1", "1Gi", 110, false),
	    node_full("s", "{'disk':'hdd'}", "[]", "1", "1Gi", 110, false),
	    node_full("r", "{'disk':'ssd'}", "[]", "1", "1Gi", 0, false),
	};
	struct sched_pod *p = pod_spec(
	    "p", "{'nodeSelector':{'disk':'ssd'},'containers':[{'resources':"
		 "{'requests':{'cpu':'2'}}}]}");
	char *msg = schedule_message(p, nodes, 4);

	(void)state;
	/* u is unschedulable (and would fail everything else too): only
	 * the first failing plugin speaks for a node */
	assert_string_equal(
	    msg, "0/4 nodes are available: 1 Insufficient cpu, 1 Too many "
		 "pods, 1 node(s) didn't match Pod's node affinity/selector, "
		 "1 node(s) had untolerated taint {k: v}, 1 node(s) were "
		 "unschedulable.");
	free(msg);
	sched_pod_unref(p);
	for (int i = 0; i < 4; i++)
		sched_node_free(nodes[i]);
}

static void test_schedule_spreads_and_fills(void **state)
{
	struct sched_node *nodes[3] = {node_simple("n1"), node_simple("n2"),
				       node_simple("n3")};
	struct sched_profile prof;
	struct sched_pod *pods[12];
	int per_node[3] = {0, 0, 0};
	char name[16];

	(void)state;
	sched_profile_init(&prof);
	/* 12 pods of 1 cpu on three 4-cpu nodes: 4 each, then no room */
	for (int i = 0; i < 12; i++) {
		struct sched_diagnosis d;
		size_t idx;

		snprintf(name, sizeof(name), "p%d", i);
		pods[i] = pod_req(name, "1", "1Gi");
		sched_diagnosis_init(&d);
		assert_int_equal(
		    sched_schedule(&prof, pods[i], nodes, 3, &d, &idx), 0);
		sched_diagnosis_release(&d);
		assert_true(idx < 3);
		assert_int_equal(sched_node_add_pod(nodes[idx], pods[i]), 0);
		per_node[idx]++;
		/* least allocated keeps them within one of each other */
		for (int k = 0; k < 3; k++)
			for (int l = 0; l < 3; l++)
				assert_true(per_node[k] - per_node[l] <= 1);
	}
	for (int k = 0; k < 3; k++)
		assert_int_equal(per_node[k], 4);
	{
		struct sched_pod *extra = pod_req("x", "1", "1Gi");
		char *msg = schedule_message(extra, nodes, 3);

		assert_string_equal(
		    msg, "0/3 nodes are available: 3 Insufficient cpu.");
		free(msg);
		sched_pod_unref(extra);
	}
	for (int i = 0; i < 12; i++)
		sched_pod_unref(pods[i]);
	for (int i = 0; i < 3; i++)
		sched_node_free(nodes[i]);
}

static void test_schedule_skips_ghost_nodes(void **state)
{
	struct sched_node *nodes[2] = {node_simple("gone"),
				       node_simple("here")};
	struct sched_profile prof;
	struct sched_diagnosis d;
	struct sched_pod *p = pod_spec("p", "{}");
	size_t idx;

	(void)state;
	sched_node_clear(nodes[0]);
	sched_profile_init(&prof);
	sched_diagnosis_init(&d);
	assert_int_equal(sched_schedule(&prof, p, nodes, 2, &d, &idx), 0);
	assert_int_equal(idx, 1);
	assert_int_equal(d.n_nodes, 1);
	sched_diagnosis_release(&d);
	sched_pod_unref(p);
	sched_node_free(nodes[0]);
	sched_node_free(nodes[1]);
}

static void test_nodes_to_find(void **state)
{
	struct sched_profile p;

	(void)state;
	sched_profile_init(&p);
	assert_int_equal(sched_profile_nodes_to_find(&p, 50), 50);
	assert_int_equal(sched_profile_nodes_to_find(&p, 100), 100);
	/* 50% - 1000/125 = 42% */
	assert_int_equal(sched_profile_nodes_to_find(&p, 1000), 420);
	/* 50% - 40% = 10% */
	assert_int_equal(sched_profile_nodes_to_find(&p, 5000), 500);
	/* never under 5% */
	assert_int_equal(sched_profile_nodes_to_find(&p, 20000), 1000);
	/* never under 100 nodes */
	assert_int_equal(sched_profile_nodes_to_find(&p, 150), 100);
	p.percentage_of_nodes_to_score = 100;
	assert_int_equal(sched_profile_nodes_to_find(&p, 5000), 5000);
	p.percentage_of_nodes_to_score = 1;
	assert_int_equal(sched_profile_nodes_to_find(&p, 5000), 100);
}

static void test_schedule_sampling_rotates(void **state)
{
	struct sched_node *nodes[300];
	struct sched_profile prof;
	struct sched_pod *p = pod_spec("p", "{}");
	char name[16];

	(void)state;
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "n%03d", i);
		nodes[i] = node_simple(name);
	}
	sched_profile_init(&prof);
	prof.percentage_of_nodes_to_score = 1; /* 100 nodes a cycle */
	for (int round = 0; round < 3; round++) {
		struct sched_diagnosis d;
		size_t idx;

		sched_diagnosis_init(&d);
		assert_int_equal(sched_schedule(&prof, p, nodes, 300, &d, &idx),
				 0);
		sched_diagnosis_release(&d);
		/* each cycle looks at the next 100 nodes */
		assert_true(idx >= (size_t)round * 100 &&
			    idx < (size_t)(round + 1) * 100);
		assert_int_equal(prof.next_start_index,
				 ((size_t)round + 1) * 100 % 300);
	}
	sched_pod_unref(p);
	for (int i = 0; i < 300; i++)
		sched_node_free(nodes[i]);
}

static void test_node_malformed(void **state)
{
	struct sched_node *n = NULL;
	struct kf_error err;
	json_t *bad;

	(void)state;
	kf_error_init(&err);
	assert_int_equal(sched_node_new("n", &n), 0);
	bad = J("{'metadata':{'name':'n'},'status':{'allocatable':"
		"{'cpu':'four'}}}");
	assert_int_equal(sched_node_set(n, bad, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "status.allocatable[cpu]"));
	assert_null(n->obj);
	json_decref(bad);
	bad = J("{'metadata':{'name':'other'}}");
	assert_int_equal(sched_node_set(n, bad, &err), -EINVAL);
	json_decref(bad);
	bad = J("{'metadata':{'name':'n'},'spec':{'taints':[{'effect':"
		"'NoSchedule'}]}}");
	assert_int_equal(sched_node_set(n, bad, &err), -EINVAL);
	json_decref(bad);
	/* capacity stands in for a missing allocatable */
	bad = J("{'metadata':{'name':'n'},'status':{'capacity':{'cpu':'2',"
		"'pods':'10'},'allocatable':{'cpu':'1500m'}}}");
	assert_int_equal(sched_node_set(n, bad, &err), 0);
	assert_int_equal(n->allocatable.milli_cpu, 1500);
	assert_int_equal(n->allocatable.pods, 10);
	assert_int_equal(n->allocatable.memory, 0);
	json_decref(bad);
	sched_node_free(n);
}

/* ---- hostile input ---- */

static uint64_t rng_state = 42;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(rng_state >> 33) % n;
}

/* A random JSON value of any type, a little nested sometimes. */
static json_t *random_value(int depth)
{
	static const char *const strings[] = {
	    "",	  "1",	"-1", "100m", "1e400", "9e18",	  "NaN",    "Exists",
	    "In", "Gt", "a",  "ssd",  "TCP",   "0.0.0.0", "Always", "\xff"};

	switch (rnd(depth > 2 ? 6 : 8)) {
	case 0:
		return json_null();
	case 1:
		return json_boolean(rnd(2));
	case 2:
		return json_integer((json_int_t)rnd(200000) - 100000);
	case 3:
		return json_integer(rnd(2) ? INT64_MAX : INT64_MIN);
	case 4:
		return json_real(rnd(2) ? 1e300 : -0.5);
	case 5:
		return json_string(
		    strings[rnd(sizeof(strings) / sizeof(strings[0]))]);
	case 6: {
		json_t *a = json_array();

		for (unsigned i = rnd(4); i > 0; i--)
			json_array_append_new(a, random_value(depth + 1));
		return a;
	}
	default: {
		static const char *const keys[] = {
		    "key",	   "operator",	  "values",
		    "effect",	   "value",	  "labelSelector",
		    "topologyKey", "matchLabels", "matchExpressions",
		    "hostPort",	   "cpu",	  "memory"};
		json_t *o = json_object();

		for (unsigned i = rnd(4); i > 0; i--)
			json_object_set_new(
			    o, keys[rnd(sizeof(keys) / sizeof(keys[0]))],
			    random_value(depth + 1));
		return o;
	}
	}
}

/* Replace the value at a random place of v (objects and arrays). */
static void mutate(json_t *v, int depth)
{
	size_t n = json_is_object(v) ? json_object_size(v) : json_array_size(v);
	json_t *child = NULL;
	const char *key = NULL;
	size_t pick, i = 0;
	void *it;

	if (!n)
		return;
	pick = rnd((unsigned)n);
	if (json_is_object(v)) {
		for (it = json_object_iter(v); it && i < pick; i++)
			it = json_object_iter_next(v, it);
		key = json_object_iter_key(it);
		child = json_object_iter_value(it);
	} else {
		child = json_array_get(v, pick);
	}
	if ((json_is_object(child) || json_is_array(child)) && rnd(4)) {
		mutate(child, depth + 1);
		return;
	}
	if (key)
		json_object_set_new(v, key, random_value(depth));
	else
		json_array_set_new(v, pick, random_value(depth));
}

static void test_hostile_objects_never_crash(void **state)
{
	json_t *pod_t =
	    J("{'metadata':{'name':'p','namespace':'default','labels':"
	      "{'app':'x'},'ownerReferences':[{'uid':'u','controller':true}]},"
	      "'spec':{'priority':1,'nodeSelector':{'disk':'ssd'},"
	      "'tolerations':[{'key':'k','operator':'Exists'}],'overhead':"
	      "{'cpu':'1'},'containers':[{'resources':{'requests':{'cpu':"
	      "'100m','memory':'1Gi'},'limits':{'cpu':'1'}},'ports':[{"
	      "'hostPort':80,'protocol':'TCP','hostIP':'1.2.3.4'}]}],"
	      "'initContainers':[{'restartPolicy':'Always','resources':"
	      "{'requests':{'cpu':'1'}}}],'affinity':{'nodeAffinity':{"
	      "'requiredDuringSchedulingIgnoredDuringExecution':{"
	      "'nodeSelectorTerms':[{'matchExpressions':[{'key':'disk',"
	      "'operator':'In','values':['ssd']}],'matchFields':[{'key':"
	      "'metadata.name','operator':'In','values':['n']}]}]},"
	      "'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':"
	      "5,'preference':{'matchExpressions':[{'key':'a','operator':"
	      "'Gt','values':['1']}]}}]},'podAffinity':{'requiredDuring"
	      "SchedulingIgnoredDuringExecution':[{'labelSelector':{"
	      "'matchLabels':{'app':'x'}},'topologyKey':'zone'}]},"
	      "'podAntiAffinity':{'requiredDuringSchedulingIgnoredDuring"
	      "Execution':[{'labelSelector':{'matchExpressions':[{'key':'app',"
	      "'operator':'NotIn','values':['y']}]},'topologyKey':'h',"
	      "'namespaces':['default'],'namespaceSelector':{}}]}}},"
	      "'status':{'phase':'Pending'}}");
	json_t *node_t =
	    J("{'metadata':{'name':'n','labels':{'disk':'ssd','zone':'a',"
	      "'h':'n','a':'5'}},'spec':{'unschedulable':false,'taints':[{"
	      "'key':'k','value':'v','effect':'NoSchedule'}]},'status':{"
	      "'allocatable':{'cpu':'8','memory':'8Gi','pods':'10'},"
	      "'capacity':{'cpu':'8'}}}");
	struct sched_profile prof;
	int ok_pods = 0, ok_nodes = 0;

	(void)state;
	sched_profile_init(&prof);
	for (int iter = 0; iter < 3000; iter++) {
		json_t *po = json_deep_copy(pod_t),
		       *no = json_deep_copy(node_t);
		struct sched_pod *p = NULL, *placed = NULL;
		struct sched_node *n = NULL;
		struct sched_diagnosis d;
		struct kf_error err;
		size_t idx;
		char *msg = NULL;
		int r;

		for (unsigned m = 1 + rnd(3); m > 0; m--) {
			mutate(po, 0);
			mutate(no, 0);
		}
		kf_error_init(&err);
		assert_int_equal(sched_node_new("n", &n), 0);
		if (sched_node_set(n, no, &err) == 0)
			ok_nodes++;
		else
			assert_true(err.msg[0] != '\0');
		kf_error_init(&err);
		r = sched_pod_new(po, &err, &p);
		if (r == 0) {
			ok_pods++;
			/* the same pod placed, then another decision */
			assert_int_equal(sched_pod_new(po, &err, &placed), 0);
			assert_int_equal(sched_node_add_pod(n, placed), 0);
			sched_diagnosis_init(&d);
			r = sched_schedule(&prof, p, &n, 1, &d, &idx);
			assert_true(r == 0 || r == SCHED_E_UNSCHEDULABLE);
			assert_int_equal(sched_diagnosis_message(&d, &msg), 0);
			free(msg);
			sched_diagnosis_release(&d);
			assert_int_equal(sched_node_remove_pod(n, placed), 0);
		} else {
			assert_int_equal(r, -EINVAL);
			assert_true(err.msg[0] != '\0');
		}
		sched_pod_unref(placed);
		sched_pod_unref(p);
		sched_node_free(n);
		json_decref(po);
		json_decref(no);
	}
	/* the mutations leave a fair share of objects readable */
	assert_true(ok_pods > 300);
	assert_true(ok_nodes > 300);
	json_decref(pod_t);
	json_decref(node_t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pod_requests_sum_and_init_max),
	    cmocka_unit_test(test_pod_requests_sidecars_overhead_limits),
	    cmocka_unit_test(test_pod_nonzero_defaults),
	    cmocka_unit_test(test_pod_fields),
	    cmocka_unit_test(test_pod_garbage_rejected),
	    cmocka_unit_test(test_pod_huge_requests_saturate),
	    cmocka_unit_test(test_filter_node_unschedulable),
	    cmocka_unit_test(test_filter_node_name),
	    cmocka_unit_test(test_filter_taint_toleration),
	    cmocka_unit_test(test_filter_node_affinity),
	    cmocka_unit_test(test_filter_resources_fit),
	    cmocka_unit_test(test_filter_extended_resources),
	    cmocka_unit_test(test_filter_node_ports),
	    cmocka_unit_test(test_filter_anti_affinity_hostname),
	    cmocka_unit_test(test_filter_anti_affinity_namespaces_and_zones),
	    cmocka_unit_test(test_filter_pod_affinity),
	    cmocka_unit_test(test_match_selector_edge_cases),
	    cmocka_unit_test(test_score_least_allocated),
	    cmocka_unit_test(test_score_balanced_allocation),
	    cmocka_unit_test(test_score_node_affinity_preferred),
	    cmocka_unit_test(test_score_taint_toleration),
	    cmocka_unit_test(test_score_selector_spread),
	    cmocka_unit_test(test_default_normalize),
	    cmocka_unit_test(test_profile_weights),
	    cmocka_unit_test(test_message_kube_scheduler_example),
	    cmocka_unit_test(test_message_sorting_and_multi_reasons),
	    cmocka_unit_test(test_message_first_failing_plugin_only),
	    cmocka_unit_test(test_schedule_spreads_and_fills),
	    cmocka_unit_test(test_schedule_skips_ghost_nodes),
	    cmocka_unit_test(test_nodes_to_find),
	    cmocka_unit_test(test_schedule_sampling_rotates),
	    cmocka_unit_test(test_node_malformed),
	    cmocka_unit_test(test_hostile_objects_never_crash),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
